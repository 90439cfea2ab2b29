#!/usr/bin/env bash
# Boots the golden image under QEMU microvm with software emulation (TCG) and checks that it
# reaches multi-user with sshd answering, then logs in with a key written into the VM's disk
# (as banger does at create) and looks at what the recipe promised: hostname, network, host
# keys, machine-id, the /work disk and the kernel modules. Prints "boot: N passed, M failed".
#
# Uses Debian's cloud kernel and a busybox initramfs made here in the test cache; builds the
# image with test-lib.sh when test.sh has not built it yet. QEMU is always killed at the end.
set -euo pipefail

# shellcheck source=images/golden/test-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/test-lib.sh"

# Dependency order matters: virtio_ring before virtio, failover before net_failover.
readonly INITRAMFS_MODULES=(
  virtio_ring virtio virtio_mmio virtio_blk virtio_console failover net_failover virtio_net
)
readonly BOOT_TIMEOUT_S=300
# What banger passes under QEMU user-mode networking (docs/guest-boot-contract.md).
readonly KERNEL_ARGS=(
  console=ttyS0 root=/dev/vda rw rootfstype=ext4 banger.work=/dev/vdb banger.ip=10.0.2.15/24
  banger.gw=10.0.2.2 banger.dns=10.0.2.3 banger.hostname=test banger.agent=serial
  banger.vm=boot-test
)
readonly SSH_OPTIONS=(
  -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
  -o ConnectTimeout=20 -o LogLevel=ERROR
)

usage() {
  cat <<EOF
Usage: boot-test.sh [-h]

Boots $TEST_OUT/rootfs.ext4 (built first when missing) under
qemu-system-x86_64 -M microvm -accel tcg and checks multi-user, SSH and the image's promises.
Needs root, qemu-system-x86, busybox-static, cpio, openssh-client and e2fsprogs.
EOF
}

PASSED=0
FAILED=0
QEMU_PID=''
SCRATCH=''

pass() {
  PASSED=$((PASSED + 1))
  printf 'ok   %s\n' "$1"
}

fail() {
  FAILED=$((FAILED + 1))
  printf 'FAIL %s\n' "$1"
  [[ -z ${2:-} ]] || printf '     %s\n' "${2//$'\n'/$'\n     '}"
}

check() {
  local name=$1 output
  shift
  if output=$("$@" 2>&1); then
    pass "$name"
  else
    fail "$name" "$output"
  fi
}

expect_equal() {
  if [[ $1 != "$2" ]]; then
    printf 'expected "%s", found "%s"\n' "$2" "$1"
    return 1
  fi
}

cleanup() {
  if [[ -n $QEMU_PID ]] && kill -0 "$QEMU_PID" 2>/dev/null; then
    kill "$QEMU_PID"
    local waited
    for ((waited = 0; waited < 50; waited++)); do
      kill -0 "$QEMU_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$QEMU_PID" 2>/dev/null || true
    wait "$QEMU_PID" 2>/dev/null || true
  fi
  [[ -z $SCRATCH ]] || rm -rf -- "$SCRATCH"
}

elapsed_s() {
  local micros=$((${EPOCHREALTIME/./} - $1))
  printf '%d.%d' $((micros / 1000000)) $((micros % 1000000 / 100000))
}

# A busybox initramfs in the style of docs/guest-boot-contract.md: load the virtio modules,
# mount root=, move /dev /proc /sys and switch_root. Cached per kernel version.
make_initramfs() {
  INITRAMFS=$TEST_CACHE/initramfs-$KERNEL_VERSION.cpio.gz
  [[ -s $INITRAMFS ]] && return 0
  local tree module file
  tree=$SCRATCH/initramfs
  mkdir -p "$tree"/{bin,dev,proc,sys,newroot,modules}
  cp /bin/busybox "$tree/bin/busybox"
  for module in "${INITRAMFS_MODULES[@]}"; do
    file=$(find "$KERNEL_MODULES_DIR/kernel" -name "$module.ko*" -print -quit)
    [[ -n $file ]] || { echo "module $module not found under $KERNEL_MODULES_DIR" >&2; return 1; }
    case $file in
      *.ko.xz) xz -dc "$file" >"$tree/modules/$module.ko" ;;
      *.ko.zst) zstd -q -dc "$file" >"$tree/modules/$module.ko" ;;
      *) cp "$file" "$tree/modules/$module.ko" ;;
    esac
  done
  write_init "$tree/init"
  (cd "$tree" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$INITRAMFS.tmp"
  mv -f -- "$INITRAMFS.tmp" "$INITRAMFS"
}

write_init() {
  cat >"$1" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for module in ${INITRAMFS_MODULES[*]}; do
  insmod /modules/\$module.ko || echo "init: insmod \$module failed"
done
root=/dev/vda
for word in \$(cat /proc/cmdline); do
  case \$word in root=*) root=\${word#root=} ;; esac
done
tries=0
while [ ! -b "\$root" ] && [ \$tries -lt 100 ]; do sleep 0.1; tries=\$((tries + 1)); done
mount -t ext4 -o rw "\$root" /newroot || { echo "init: cannot mount \$root"; exec sh; }
mount --move /dev /newroot/dev
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
exec switch_root /newroot /sbin/init
EOF
  chmod 0755 "$1"
}

# The VM's own disk, as banger makes it at create: a copy of the image with the user's key.
prepare_disks() {
  cp --sparse=always "$TEST_OUT/rootfs.ext4" "$SCRATCH/root.ext4"
  cp --sparse=always "$TEST_OUT/work-seed.ext4" "$SCRATCH/work.ext4"
  ssh-keygen -q -t ed25519 -N '' -C boot-test -f "$SCRATCH/id_ed25519"
  debugfs -w -R "write $SCRATCH/id_ed25519.pub /root/.ssh/authorized_keys" \
    "$SCRATCH/root.ext4" >/dev/null 2>&1
  debugfs -w -R "set_inode_field /root/.ssh/authorized_keys mode 0100600" \
    "$SCRATCH/root.ext4" >/dev/null 2>&1
}

free_port() {
  local port
  for ((port = 22000 + RANDOM % 20000; ; port++)); do
    if ! ss -Htln "sport = :$port" | grep -q .; then
      echo "$port"
      return
    fi
  done
}

# Under TCG on a busy host the kernel's PIT calibration of the TSC can fail, and the boot then
# stalls right after "tsc: Marking TSC unstable" (seen here several times). TCG's guest TSC runs
# at the host's rate, so telling the kernel that rate skips the calibration.
tcg_kernel_args() {
  awk -F: '/^cpu MHz/ { printf "tsc_early_khz=%d\n", $2 * 1000; exit }' /proc/cpuinfo
}

start_qemu() {
  local args
  args="${KERNEL_ARGS[*]} $(tcg_kernel_args)"
  SSH_PORT=$(free_port)
  # Without the PIT the kernel can find no reference to calibrate the TSC against under TCG
  # and may hang right there; the RTC gives the guest the wall-clock time.
  qemu-system-x86_64 -M microvm,pit=on,rtc=on -accel tcg -m 1024 -smp 2 \
    -nodefaults -no-user-config \
    -display none -monitor none -kernel "$KERNEL_BZIMAGE" -initrd "$INITRAMFS" \
    -append "$args" \
    -drive id=root,file="$SCRATCH/root.ext4",format=raw,if=none \
    -device virtio-blk-device,drive=root \
    -drive id=work,file="$SCRATCH/work.ext4",format=raw,if=none \
    -device virtio-blk-device,drive=work \
    -netdev user,id=n0,hostfwd=tcp:127.0.0.1:"$SSH_PORT"-:22 \
    -device virtio-net-device,netdev=n0 \
    -device virtio-serial-device \
    -chardev socket,id=agent,path="$SCRATCH/agent.sock",server=on,wait=off \
    -device virtserialport,chardev=agent,name=banger.agent \
    -serial file:"$SCRATCH/console.log" >"$SCRATCH/qemu.log" 2>&1 &
  QEMU_PID=$!
}

ssh_banner() {
  # shellcheck disable=SC2016 # the inner shell expands its own argument
  timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && head -c 32 <&3' _ "$SSH_PORT" \
    2>/dev/null | tr -d '\r' | head -n 1
}

# Polls the console and the forwarded port until both answer; records when each did.
wait_for_boot() {
  local start=$1
  MULTI_USER_S='' BANNER=''
  while [[ -z $MULTI_USER_S || -z $BANNER ]]; do
    if ! kill -0 "$QEMU_PID" 2>/dev/null; then
      echo "QEMU exited early: $(cat "$SCRATCH/qemu.log")"
      return 1
    fi
    if (((${EPOCHREALTIME/./} - start) / 1000000 > BOOT_TIMEOUT_S)); then
      echo "timed out after ${BOOT_TIMEOUT_S} s"
      return 1
    fi
    if [[ -z $MULTI_USER_S ]] &&
      grep -qs 'Reached target.*Multi-User System' "$SCRATCH/console.log"; then
      MULTI_USER_S=$(elapsed_s "$start")
    fi
    if [[ -z $BANNER ]]; then
      BANNER=$(ssh_banner || true)
      if [[ $BANNER == SSH-* ]]; then
        BANNER_S=$(elapsed_s "$start")
      else
        BANNER=''
      fi
    fi
    sleep 0.5
  done
}

# The serial getty starts after multi-user (Type=idle): give its prompt time to appear.
wait_for_console() {
  local pattern=$1 tries
  for ((tries = 0; tries < $2 * 2; tries++)); do
    grep -qs -- "$pattern" "$SCRATCH/console.log" && return 0
    sleep 0.5
  done
  echo "no line matching '$pattern' on the console after $2 s"
  return 1
}

guest() {
  ssh "${SSH_OPTIONS[@]}" -i "$SCRATCH/id_ed25519" -p "$SSH_PORT" root@127.0.0.1 "$@"
}

check_guest() {
  check "guest: hostname comes from banger.hostname" expect_equal "$(guest hostname)" test
  check "guest: eth0 has banger.ip" grep -q 'inet 10.0.2.15/24' <(guest ip -4 addr show dev eth0)
  check "guest: the default route goes via banger.gw" \
    grep -q '^default via 10.0.2.2 dev eth0' <(guest ip -4 route show default)
  check "guest: resolv.conf names banger.dns" grep -q '^nameserver 10.0.2.3' \
    <(guest cat /etc/resolv.conf)
  check "guest: the agent service is active and was never restarted" expect_equal \
    "$(guest 'systemctl is-active banger-vsock-agent.service;
      systemctl show -p NRestarts --value banger-vsock-agent.service' | paste -sd' ' -)" \
    "active 0"
  check "guest: SSH host keys were generated at first boot" \
    guest test -s /etc/ssh/ssh_host_ed25519_key -a -s /etc/ssh/ssh_host_ecdsa_key
  check "guest: the machine-id was generated at first boot" \
    grep -qE '^[0-9a-f]{32}$' <(guest cat /etc/machine-id)
  # The fstab entry gives udev 2 s to announce vdb; under TCG that can pass before udev is done,
  # and then the agent mounts it (docs/guest-boot-contract.md). Either way the entry must work.
  WORK_AT_BOOT=$(guest 'findmnt -n -o SOURCE /work || echo "not mounted"')
  check "guest: the fstab entry mounts the work disk /dev/vdb on /work" expect_equal \
    "$(guest 'findmnt /work >/dev/null || mount /work; findmnt -n -o SOURCE,FSTYPE /work')" \
    "/dev/vdb ext4"
  check "guest: modprobe loads a module from the installed modules" \
    guest 'modprobe overlay && test -d /sys/module/overlay'
  check "guest: password login is off" grep -qx 'passwordauthentication no' \
    <(guest sshd -T)
  check "guest: the system is running with no failed unit" expect_equal \
    "$(guest 'systemctl is-system-running; systemctl --failed --plain --no-legend')" running
}

report_boot_times() {
  printf 'boot: multi-user on the console after %s s, SSH banner after %s s (QEMU TCG)\n' \
    "$MULTI_USER_S" "$BANNER_S"
  printf 'boot: /work at boot (before the test mounted it): %s\n' "$WORK_AT_BOOT"
  guest systemd-analyze | head -n 1 | sed 's/^/boot: systemd-analyze: /'
  guest systemd-analyze blame | head -n 8 | sed 's/^/boot:   /'
}

main() {
  if [[ ${1:-} == -h || ${1:-} == --help ]]; then
    usage
    return 0
  fi
  ((EUID == 0)) || { echo "boot-test.sh needs root (debootstrap, debugfs -w)" >&2; return 1; }
  command -v qemu-system-x86_64 >/dev/null ||
    { echo "qemu-system-x86_64 is missing: apt-get install qemu-system-x86" >&2; return 1; }
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  SCRATCH=$(mktemp -d "${TMPDIR:-/var/tmp}/banger-boot-test.XXXXXX")

  fetch_cloud_kernel
  if [[ ! -s $TEST_OUT/image.json ]]; then
    choose_agent
    echo "no image in $TEST_OUT yet: building it (agent: $TEST_AGENT_KIND)"
    build_test_image
  fi
  make_initramfs
  prepare_disks

  local start
  start=${EPOCHREALTIME/./}
  start_qemu
  # Not through check(), which runs in a subshell: wait_for_boot records the times it saw.
  if wait_for_boot "$start" >"$SCRATCH/wait.log" 2>&1; then
    pass "the guest reaches multi-user and sshd answers on the forwarded port"
    check "the console shows the multi-user target reached" \
      grep -q 'Reached target.*Multi-User System' "$SCRATCH/console.log"
    check "the SSH banner is OpenSSH's" grep -q '^SSH-2.0-OpenSSH' <<<"$BANNER"
    check "the serial console offers a login for the banger.hostname" \
      wait_for_console '^test login:' 60
    check "root logs in over SSH with the key banger wrote" guest true
    check_guest
    report_boot_times
  else
    fail "the guest reaches multi-user and sshd answers on the forwarded port" \
      "$(cat "$SCRATCH/wait.log")"
    tail -n 30 "$SCRATCH/console.log" | sed 's/^/console: /'
  fi
  cp "$SCRATCH/console.log" "$TEST_CACHE/boot-console.log"

  printf 'boot: %d passed, %d failed\n' "$PASSED" "$FAILED"
  ((FAILED == 0))
}

main "$@"
