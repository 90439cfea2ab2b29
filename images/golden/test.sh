#!/usr/bin/env bash
# Tests the golden image recipe and the helper scripts: shellcheck on every script, the
# argument and root checks of build.sh, a real build into the test cache, the built ext4
# inspected with debugfs (never mounted), and the banger-net fallback run in a scratch network
# namespace. Prints "golden: N passed, M failed" last and exits non-zero on any failure.
#
# jq programs below name their --arg values as $name inside single quotes, as jq wants.
# shellcheck disable=SC2016
set -euo pipefail

# shellcheck source=images/golden/test-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/test-lib.sh"

usage() {
  cat <<EOF
Usage: test.sh [-h]

Builds the golden image into $TEST_OUT (reusing the debootstrap cache in
$TEST_CACHE/debootstrap) and checks it. Needs root, debootstrap, e2fsprogs, jq,
shellcheck, iproute2 and util-linux. Set BANGER_TEST_CACHE to move the cache.
EOF
}

PASSED=0
FAILED=0

pass() {
  PASSED=$((PASSED + 1))
  printf 'ok   %s\n' "$1"
}

fail() {
  FAILED=$((FAILED + 1))
  printf 'FAIL %s\n' "$1"
  [[ -z ${2:-} ]] || printf '     %s\n' "$2"
}

# check NAME COMMAND...: one test case; the command's output is shown only when it fails.
check() {
  local name=$1 output
  shift
  if output=$("$@" 2>&1); then
    pass "$name"
  else
    fail "$name" "${output//$'\n'/$'\n     '}"
  fi
}

finish() {
  printf 'golden: %d passed, %d failed\n' "$PASSED" "$FAILED"
  ((FAILED == 0))
}

# --- helpers reading the image without mounting it ---------------------------------------

fs_cat() {
  debugfs -R "cat $1" "$TEST_OUT/rootfs.ext4" 2>/dev/null
}

fs_stat() {
  debugfs -R "stat $1" "$TEST_OUT/rootfs.ext4" 2>&1
}

fs_link_target() {
  fs_stat "$1" | sed -n 's/^Fast link dest: "\(.*\)"$/\1/p'
}

fs_mode_and_type() {
  fs_stat "$1" | awk '/^Inode:/ { print $4, $6; exit }'
}

# Names in a directory of the image, one per line, without . and ..
fs_list() {
  debugfs -R "ls -p $1" "$TEST_OUT/rootfs.ext4" 2>/dev/null |
    awk -F/ 'NF >= 6 && $6 != "." && $6 != ".." { print $6 }'
}

expect_equal() {
  if [[ $1 != "$2" ]]; then
    printf 'expected "%s", found "%s"\n' "$2" "$1"
    return 1
  fi
}

expect_link() {
  expect_equal "$(fs_link_target "$1")" "$2"
}

expect_file_mode() {
  expect_equal "$(fs_mode_and_type "$1")" "regular $2"
}

# --- (a) static checks ---------------------------------------------------------------------

all_scripts() {
  find "$GOLDEN_DIR" "$REPO_DIR/scripts" -type f \( -name '*.sh' -o -path '*/usr/local/sbin/*' \) |
    sort
}

test_shellcheck() {
  local script
  while read -r script; do
    check "shellcheck clean (default severity): ${script#"$REPO_DIR"/}" \
      shellcheck -x -P "$REPO_DIR" "$script"
  done < <(all_scripts)
}

test_build_arguments() {
  local output
  check "build.sh -h prints the usage" grep -q '^Usage: build.sh --out DIR --agent PATH' \
    <(bash "$GOLDEN_DIR/build.sh" -h)
  output=$(bash "$GOLDEN_DIR/build.sh" --out /nonexistent 2>&1) && output="exit 0: $output"
  check "build.sh without --agent fails and says so" \
    grep -q 'error: --agent PATH is required' <<<"$output"
  output=$(bash "$GOLDEN_DIR/build.sh" --bogus 2>&1) && output="exit 0: $output"
  check "build.sh rejects an unknown argument" grep -q "unknown argument '--bogus'" <<<"$output"
  output=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
    bash "$GOLDEN_DIR/build.sh" --out /nonexistent --agent /bin/true 2>&1) &&
    output="exit 0: $output"
  check "build.sh refuses to run without root before doing anything" grep -q \
    'building the golden image needs root: run as root or with sudo' <<<"$output"
}

# --- (b) the build ---------------------------------------------------------------------------

test_build() {
  local cached=miss start elapsed
  mkdir -p "$TEST_CACHE"
  compgen -G "$TEST_CACHE/debootstrap/debootstrap-*.tar.zst" >/dev/null && cached=hit
  start=${EPOCHREALTIME/./}
  if build_test_image; then
    elapsed=$(((${EPOCHREALTIME/./} - start) / 100000))
    printf 'build: %d.%d s (debootstrap cache %s, agent %s)\n' $((elapsed / 10)) \
      $((elapsed % 10)) "$cached" "$TEST_AGENT_KIND"
    pass "build.sh builds the image into $TEST_OUT"
  else
    fail "build.sh builds the image into $TEST_OUT" "see $TEST_CACHE/build.log"
    return 1
  fi
  check "build.sh names the host mirror it used" \
    grep -q "using the Debian mirror from the host's apt sources: " "$TEST_CACHE/build.log"
}

# --- (c) the image, read with debugfs ----------------------------------------------------------

test_units() {
  local unit
  for unit in banger-vsock-agent.service banger-net.service banger-ssh-hostkeys.service; do
    check "$unit is installed" expect_file_mode "/etc/systemd/system/$unit" 0644
    check "$unit is enabled in multi-user.target" \
      expect_link "/etc/systemd/system/multi-user.target.wants/$unit" "/etc/systemd/system/$unit"
  done
  check "ssh host key generation runs before ssh.service" expect_link \
    /etc/systemd/system/ssh.service.wants/banger-ssh-hostkeys.service \
    /etc/systemd/system/banger-ssh-hostkeys.service
  check "the agent unit starts it with --transport auto and restarts it always" grep -qzE \
    'ExecStart=/usr/local/bin/banger-vsock-agent --transport auto.*Restart=always' \
    <(fs_cat /etc/systemd/system/banger-vsock-agent.service)
  check "the agent unit does not wait for the network" expect_equal "$(
    fs_cat /etc/systemd/system/banger-vsock-agent.service |
      grep -E '^(After|Wants|Requires|BindsTo)=.*network' || true
  )" ""
  check "ssh.service is enabled" expect_link \
    /etc/systemd/system/multi-user.target.wants/ssh.service /lib/systemd/system/ssh.service
  check "a getty runs on the serial console ttyS0" expect_link \
    /etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service \
    /lib/systemd/system/serial-getty@.service
  for unit in getty@tty1.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
    systemd-networkd.service networking.service systemd-firstboot.service; do
    check "$unit is masked" expect_link "/etc/systemd/system/$unit" /dev/null
  done
  check "udev keeps the name eth0 (99-default.link masked)" \
    expect_link /etc/systemd/network/99-default.link /dev/null
}

test_accounts_and_ssh() {
  local keys
  keys=$(fs_list /etc/ssh | grep '^ssh_host_' || true)
  check "no ssh host key is baked into the image" expect_equal "$keys" ""
  check "root has an empty password field in /etc/shadow" grep -q '^root::' <(fs_cat /etc/shadow)
  check "/root/.ssh exists with mode 700" expect_equal "$(fs_mode_and_type /root/.ssh)" \
    "directory 0700"
  check "sshd allows root with keys only" grep -qzE \
    'PermitRootLogin prohibit-password.*PasswordAuthentication no' \
    <(fs_cat /etc/ssh/sshd_config.d/banger.conf)
}

test_agent_binary() {
  check "the agent is /usr/local/bin/banger-vsock-agent with mode 755" \
    expect_file_mode /usr/local/bin/banger-vsock-agent 0755
  check "the agent in the image is the one passed with --agent" \
    cmp "$TEST_AGENT" <(fs_cat /usr/local/bin/banger-vsock-agent)
  check "the fallback network script is executable" \
    expect_file_mode /usr/local/sbin/banger-net 0755
}

test_system_files() {
  local size
  size=$(fs_stat /etc/machine-id | awk '/^User:/ { print $NF; exit }')
  check "/etc/machine-id is an empty file" expect_equal \
    "$(fs_mode_and_type /etc/machine-id | cut -d' ' -f1) $size" "regular 0"
  check "fstab mounts /dev/vda as ext4 root" grep -qE '^/dev/vda[[:space:]]+/[[:space:]]+ext4' \
    <(fs_cat /etc/fstab)
  check "fstab mounts /dev/vdb on /work without blocking boot" grep -qE \
    '^/dev/vdb[[:space:]]+/work[[:space:]]+ext4[[:space:]]+.*nofail.*x-systemd.device-timeout=10s' \
    <(fs_cat /etc/fstab)
  check "/etc/resolv.conf is a plain file" expect_equal \
    "$(fs_mode_and_type /etc/resolv.conf | cut -d' ' -f1)" regular
  check "the default hostname is banger" expect_equal "$(fs_cat /etc/hostname)" banger
  check "apt lists are cleaned" expect_equal "$(fs_list /var/lib/apt/lists)" ""
  check "no downloaded .deb is left" expect_equal \
    "$(fs_list /var/cache/apt/archives | grep '\.deb$' || true)" ""
  check "the kernel modules are installed with their modules.dep" grep -q 'virtio_blk.ko' \
    <(fs_cat "/usr/lib/modules/$KERNEL_VERSION/modules.dep")
}

test_image_json() {
  local json=$TEST_OUT/image.json
  check "image.json parses and names rootfs.ext4" jq -e \
    '.name == "debian-bookworm" and .rootfs == "rootfs.ext4" and .arch == "x86_64"
     and .kernel == "debian-cloud" and (.version | length > 0)' "$json"
  check "image.json lists the installed packages" jq -e \
    '.packages | any(startswith("openssh-server=")) and any(startswith("systemd="))' "$json"
  check "image.json names the work seed" jq -e '.workSeed == "work-seed.ext4"' "$json"
  check "the work seed is an empty ext4 labelled banger-work" grep -q \
    'Filesystem volume name:[[:space:]]*banger-work$' \
    <(dumpe2fs -h "$TEST_OUT/work-seed.ext4" 2>/dev/null)
}

# The promise: free space of at least 50% of what is used, and never under 256 MiB. "Used" here
# includes the filesystem's own metadata, which makes the check stricter than the promise.
check_free_space() {
  local header blocks free block_size used_mib free_mib want_mib
  header=$(dumpe2fs -h "$TEST_OUT/rootfs.ext4" 2>/dev/null)
  grep -q 'Filesystem volume name:[[:space:]]*banger-root$' <<<"$header" || {
    echo "the rootfs is not labelled banger-root"
    return 1
  }
  blocks=$(awk -F: '/^Block count:/ { print $2 + 0 }' <<<"$header")
  free=$(awk -F: '/^Free blocks:/ { print $2 + 0 }' <<<"$header")
  block_size=$(awk -F: '/^Block size:/ { print $2 + 0 }' <<<"$header")
  used_mib=$(((blocks - free) * block_size / 1048576))
  free_mib=$((free * block_size / 1048576))
  want_mib=$((used_mib / 2 > 256 ? used_mib / 2 : 256))
  printf 'rootfs.ext4: %d MiB used, %d MiB free (at least %d MiB promised)\n' \
    "$used_mib" "$free_mib" "$want_mib"
  ((free_mib >= want_mib))
}

# --- (d) the fallback network script, run for real in a scratch namespace -------------------

# Runs banger-net inside fresh network, UTS and mount namespaces where /proc/cmdline and the
# /etc files it writes are scratch copies; eth0 is one end of a veth pair. Prints the state after
# two runs and what each run logged.
run_banger_net_in_namespace() {
  local scratch=$1 cmdline=$2 preset=$3
  printf '%s\n' "$cmdline" >"$scratch/cmdline"
  printf 'banger\n' >"$scratch/hostname"
  fs_cat /etc/hosts >"$scratch/hosts"
  fs_cat /etc/resolv.conf >"$scratch/resolv.conf"
  # shellcheck disable=SC2016 # the script expands its own arguments inside the namespaces
  unshare --net --uts --mount bash -euo pipefail -c '
    scratch=$1 preset=$2 script=$3
    mount --make-rprivate /
    mount --bind "$scratch/cmdline" /proc/cmdline
    for file in hostname hosts resolv.conf; do mount --bind "$scratch/$file" /etc/$file; done
    hostname banger
    ip link add eth0 type veth peer name peer0
    ip link set peer0 up
    eval "$preset"
    bash "$script" 2>"$scratch/first.log"
    bash "$script" 2>"$scratch/second.log"
    echo "addr: $(ip -o -4 addr show dev eth0 | awk "{ print \$4 }")"
    echo "route: $(ip -4 route show default)"
    echo "hostname: $(cat /proc/sys/kernel/hostname) $(cat /etc/hostname)"
    echo "hosts: $(grep "^127.0.1.1" /etc/hosts)"
    echo "resolv: $(grep "^nameserver" /etc/resolv.conf | tr "\n" " ")"
    echo "first run: $(cat "$scratch/first.log")"
    echo "second run: $(cat "$scratch/second.log")"
  ' _ "$scratch" "$preset" "$GOLDEN_DIR/overlay/usr/local/sbin/banger-net"
}

# state_has STATE LINE...: every LINE is a whole line of STATE.
state_has() {
  local state=$1 line
  shift
  for line in "$@"; do
    if ! grep -qxF -- "$line" <<<"$state"; then
      printf 'missing "%s" in:\n%s\n' "$line" "$state"
      return 1
    fi
  done
}

test_banger_net() {
  local scratch state
  scratch=$(mktemp -d)
  state=$(run_banger_net_in_namespace "$scratch" "console=ttyS0 banger.ip=172.30.0.5/24 \
banger.gw=172.30.0.1 banger.dns=1.1.1.1,9.9.9.9 banger.hostname=brave-otter" ':' 2>&1) || true
  check "banger-net applies banger.ip to eth0" state_has "$state" 'addr: 172.30.0.5/24'
  check "banger-net adds the default route via banger.gw" \
    state_has "$state" 'route: default via 172.30.0.1 dev eth0 '
  check "banger-net writes banger.dns to resolv.conf" \
    state_has "$state" 'resolv: nameserver 1.1.1.1 nameserver 9.9.9.9 '
  check "banger-net sets the hostname, /etc/hostname and /etc/hosts" \
    state_has "$state" 'hostname: brave-otter brave-otter' $'hosts: 127.0.1.1\tbrave-otter'
  check "banger-net run a second time changes nothing" state_has "$state" 'second run: '

  state=$(run_banger_net_in_namespace "$scratch" \
    'banger.ip=172.30.0.5/24 banger.gw=172.30.0.1 banger.dns=1.1.1.1' \
    'ip link set eth0 up; ip addr add 172.30.0.5/24 dev eth0
     ip route add default via 172.30.0.1; echo "nameserver 8.8.8.8" >/etc/resolv.conf' 2>&1) ||
    true
  check "banger-net leaves what the agent configured alone" state_has "$state" \
    'addr: 172.30.0.5/24' 'route: default via 172.30.0.1 dev eth0 ' 'resolv: nameserver 8.8.8.8 '
  check "banger-net logs nothing when the agent configured everything" \
    state_has "$state" 'first run: '

  state=$(run_banger_net_in_namespace "$scratch" 'console=ttyS0' ':' 2>&1) || true
  check "without banger.ip, banger-net uses QEMU user-mode defaults" state_has "$state" \
    'addr: 10.0.2.15/24' 'route: default via 10.0.2.2 dev eth0 ' 'resolv: nameserver 10.0.2.3 '
  rm -rf -- "$scratch"
}

# --- (e) the helper scripts in scripts/ --------------------------------------------------------

# bundle_entries BUNDLE: the archive's member names in order.
bundle_entries() {
  zstd -q -dc -- "$1" | tar -tf - | paste -sd' ' -
}

bundle_manifest() {
  zstd -q -dc -- "$1" | tar -xOf - manifest.json
}

# Every file the manifest lists is in the bundle with that sha256 and size.
check_bundle_checksums() {
  local bundle=$1 path sha size actual_sha actual_size
  while read -r path sha size; do
    actual_sha=$(zstd -q -dc -- "$bundle" | tar -xOf - "$path" | sha256sum | cut -d' ' -f1)
    actual_size=$(zstd -q -dc -- "$bundle" | tar -xOf - "$path" | wc -c)
    expect_equal "$path $actual_sha $actual_size" "$path $sha $size" || return 1
  done < <(bundle_manifest "$bundle" | jq -r '.files[] | "\(.path) \(.sha256) \(.size)"')
}

# The catalog entry NAME points at URL and carries the bundle's own sha256 and size.
check_catalog_entry() {
  local catalog=$1 section=$2 name=$3 url=$4 bundle=$5
  jq -e --arg section "$section" --arg name "$name" --arg url "$url" \
    --arg sha "$(sha256sum -- "$bundle" | cut -d' ' -f1)" \
    --argjson size "$(stat -c %s -- "$bundle")" \
    '[.[$section][] | select(.name == $name)] | length == 1
     and .[0].sources.bundle.url == $url and .[0].sources.bundle.sha256 == $sha
     and .[0].sources.bundle.size == $size' "$catalog"
}

test_publish_golden_image() {
  local dir=$SCRATCH_DIR/golden catalog bundle output version url
  catalog=$dir/images.json
  mkdir -p "$dir"
  printf '%s\n' '{"images":[{"name":"alpine-3.20","description":"a","arch":"x86_64",
    "sources":{"bundle":{"url":"https://bundles.example.test/alpine.tar.zst",
    "sha256":"00","size":1}}}]}' >"$catalog"
  publish_golden() {
    bash "$REPO_DIR/scripts/publish-golden-image.sh" --skip-build --out "$TEST_OUT" \
      --bundle-out "$dir/bundles" --catalog "$catalog" \
      --url-base https://bundles.example.test/v1 "$@"
  }
  if ! output=$(publish_golden --bundle-only 2>&1); then
    fail "publish-golden-image.sh --bundle-only" "$output"
    return
  fi
  pass "publish-golden-image.sh --bundle-only packs the built image"
  version=$(jq -r .version "$TEST_OUT/image.json")
  bundle=$dir/bundles/debian-bookworm-$version-x86_64.tar.zst
  url=https://bundles.example.test/v1/$(basename -- "$bundle")
  check "the image bundle holds manifest.json first, then the image files" expect_equal \
    "$(bundle_entries "$bundle")" "manifest.json rootfs.ext4 work-seed.ext4 image.json"
  check "the image manifest names the image, its kind, version, arch and kernel" jq -e \
    --arg version "$version" '.name == "debian-bookworm" and .kind == "image" and
     .version == $version and .arch == "x86_64" and .kernel == "debian-cloud"
     and (.files | map(.path)) == ["rootfs.ext4", "work-seed.ext4", "image.json"]' \
    <(bundle_manifest "$bundle")
  check "every file in the image bundle matches its manifest sha256 and size" \
    check_bundle_checksums "$bundle"
  check "the image catalog gets the bundle's url, sha256 and size" \
    check_catalog_entry "$catalog" images debian-bookworm "$url" "$bundle"
  publish_golden --bundle-only >/dev/null 2>&1 || true
  check "publishing again replaces the entry and keeps the other ones" expect_equal \
    "$(jq -c '[.images[].name]' "$catalog")" '["alpine-3.20","debian-bookworm"]'

  output=$(publish_golden 2>&1) && output="exit 0: $output"
  if [[ ! -e $REPO_DIR/build/bin/banger ]]; then
    check "without --bundle-only and without build/bin/banger it says what to do" grep -q \
      "build/bin/banger does not exist: run 'make build' first, or pass --bundle-only" <<<"$output"
  elif ! "$REPO_DIR/build/bin/banger" image export --help >/dev/null 2>&1; then
    check "without --bundle-only and a banger without 'image export' it says what to do" \
      grep -q "'.*banger image export' is not available in this build: pass --bundle-only" \
      <<<"$output"
  else
    check "without --bundle-only, 'banger image export' makes the bundle" \
      grep -q 'bundle: ' <<<"$output"
  fi
  output=$(bash "$REPO_DIR/scripts/publish-golden-image.sh" --skip-build 2>&1) &&
    output="exit 0: $output"
  check "publish-golden-image.sh asks for --url-base" grep -q 'error: --url-base URL is required' \
    <<<"$output"
}

test_publish_kernel() {
  local dir=$SCRATCH_DIR/kernel catalog bundle output url
  catalog=$dir/kernels.json
  mkdir -p "$dir/in"
  extract_cloud_vmlinux "$TEST_CACHE/kernel/vmlinux-$KERNEL_VERSION"
  ln -s "$TEST_CACHE/kernel/vmlinux-$KERNEL_VERSION" "$dir/in/vmlinux"
  ln -s "$KERNEL_MODULES_DIR" "$dir/in/modules"
  # A real (empty) newc archive stands for the initrd: only its packing is under test.
  (cd "$dir" && cpio -o -H newc --quiet </dev/null >"$dir/in/initrd.img")
  if ! output=$(bash "$REPO_DIR/scripts/publish-kernel.sh" debian-cloud --dir "$dir/in" \
    --bundle-only --bundle-out "$dir/bundles" --catalog "$catalog" \
    --url-base https://bundles.example.test/k 2>&1); then
    fail "publish-kernel.sh --bundle-only" "$output"
    return
  fi
  pass "publish-kernel.sh --bundle-only packs vmlinux, initrd and modules"
  bundle=$dir/bundles/kernel-debian-cloud-$KERNEL_VERSION-x86_64.tar.zst
  url=https://bundles.example.test/k/$(basename -- "$bundle")
  check "the kernel bundle holds manifest.json first, then the kernel files" expect_equal \
    "$(bundle_entries "$bundle")" "manifest.json vmlinux initrd.img modules.tar kernel.json"
  check "the kernel version is read from vmlinux" jq -e --arg version "$KERNEL_VERSION" \
    '.kind == "kernel" and .name == "debian-cloud" and .version == $version' \
    <(bundle_manifest "$bundle")
  check "kernel.json in the bundle names its files" jq -e \
    '.vmlinux == "vmlinux" and .initrd == "initrd.img" and .modules == "modules.tar"' \
    <(zstd -q -dc -- "$bundle" | tar -xOf - kernel.json)
  check "modules.tar holds the modules directory" grep -q '^./kernel/drivers/block/virtio_blk.ko$' \
    <(zstd -q -dc -- "$bundle" | tar -xOf - modules.tar | tar -tf -)
  check "every file in the kernel bundle matches its manifest sha256 and size" \
    check_bundle_checksums "$bundle"
  check "the kernel catalog gets the bundle's url, sha256 and size" \
    check_catalog_entry "$catalog" kernels debian-cloud "$url" "$bundle"

  rm "$dir/in/vmlinux"
  ln -s "$KERNEL_BZIMAGE" "$dir/in/vmlinux"
  output=$(bash "$REPO_DIR/scripts/publish-kernel.sh" debian-cloud --dir "$dir/in" --bundle-only \
    --bundle-out "$dir/bundles" --catalog "$catalog" --url-base https://b.example.test 2>&1) &&
    output="exit 0: $output"
  check "publish-kernel.sh refuses a bzImage: Firecracker needs the ELF" \
    grep -q 'is not an ELF file' \
    <<<"$output"
}

test_make_generic_kernel() {
  local script=$REPO_DIR/scripts/make-generic-kernel.sh output bad=$SCRATCH_DIR/bad.config
  check "make-generic-kernel.sh -h prints the usage" grep -q '^Usage: make-generic-kernel.sh' \
    <(bash "$script" -h)
  check "make-generic-kernel.sh --check accepts the checked-in fragment" grep -q \
    'well formed, required options set' <(bash "$script" --check 2>&1)
  grep -v '^CONFIG_PVH=y$' "$REPO_DIR/scripts/kernel-config/generic-x86_64.config" >"$bad"
  printf 'CONFIG_virtio=y\nCONFIG_TUN=m\n' >>"$bad"
  output=$(bash "$script" --check --config "$bad" 2>&1) && output="exit 0: $output"
  check "--check names a malformed line with its file and line number" grep -q \
    "$bad:$(grep -c '' "$bad" | awk '{ print $1 - 1 }'): not CONFIG_NAME=VALUE" <<<"$output"
  check "--check names a key set twice" grep -q 'CONFIG_TUN is already set on line' <<<"$output"
  check "--check names a required option that is missing" grep -q \
    'the required CONFIG_PVH=y is missing' <<<"$output"
  output=$(bash "$script" --config-only --source-tarball "$SCRATCH_DIR/none.tar.xz" 2>&1) &&
    output="exit 0: $output"
  check "a missing kernel source says which package to install" grep -q \
    'apt-get install linux-source-6.1' <<<"$output"
  output=$(bash "$script" --jobs 0 2>&1) && output="exit 0: $output"
  check "make-generic-kernel.sh rejects --jobs 0" \
    grep -q 'error: --jobs must be a positive number' \
    <<<"$output"
}

main() {
  if [[ ${1:-} == -h || ${1:-} == --help ]]; then
    usage
    return 0
  fi
  ((EUID == 0)) || { echo "test.sh needs root (debootstrap, namespaces)" >&2; return 1; }

  test_shellcheck
  test_build_arguments

  fetch_cloud_kernel
  choose_agent
  if [[ $TEST_AGENT_KIND == dummy ]]; then
    echo "note: $REPO_DIR/build/bin/banger-vsock-agent does not exist yet; using a dummy agent"
  fi
  if test_build; then
    test_units
    test_accounts_and_ssh
    test_agent_binary
    test_system_files
    test_image_json
    check "rootfs.ext4 is labelled banger-root and has the promised free space" check_free_space
    check_free_space | head -1 || true
  fi

  test_banger_net

  SCRATCH_DIR=$(mktemp -d "${TMPDIR:-/var/tmp}/banger-golden-test.XXXXXX")
  trap 'rm -rf -- "$SCRATCH_DIR"' EXIT
  if [[ -s $TEST_OUT/image.json ]]; then
    test_publish_golden_image
  fi
  test_publish_kernel
  test_make_generic_kernel
  finish
}

main "$@"
