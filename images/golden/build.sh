#!/usr/bin/env bash
# Builds the debian-bookworm golden image (rootfs.ext4 + image.json) from Debian packages.
#
# The daemon runs this recipe from a temporary copy of images/golden/, so nothing here depends on
# the current directory: every file copied into the image lives next to this script, and every
# path argument is made absolute before use.
set -euo pipefail

RECIPE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly RECIPE_DIR
readonly IMAGE_NAME=debian-bookworm
readonly SUITE=bookworm
readonly VARIANT=minbase
readonly ARCH=x86_64
readonly DEB_ARCH=amd64
readonly MIN_FREE_MIB=256
readonly AGENT_PATH=usr/local/bin/banger-vsock-agent
# Units a microVM never needs; masking also stops a first-boot preset from enabling them.
readonly MASKED_UNITS=(
  apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer
  e2scrub_reap.service fstrim.timer getty@tty1.service systemd-timesyncd.service
  networking.service systemd-networkd.service systemd-networkd.socket
  systemd-networkd-wait-online.service systemd-firstboot.service
)
readonly ENABLED_UNITS=(
  banger-vsock-agent.service banger-net.service banger-ssh-hostkeys.service
  serial-getty@ttyS0.service ssh.service
)

usage() {
  cat <<EOF
Usage: build.sh --out DIR --agent PATH [options]

Builds the $IMAGE_NAME golden image with debootstrap and writes DIR/rootfs.ext4 and
DIR/image.json (and DIR/work-seed.ext4 with --work-seed). Needs root.

Required:
  --out DIR               where the image files are written (created when missing)
  --agent PATH            the static banger-vsock-agent binary to install in the image

Options:
  --modules DIR           kernel modules to install: a /lib/modules/VERSION directory (or a
                          directory holding exactly one VERSION directory); depmod is run
  --size-headroom PERCENT free space added to the used size (default 50, at least
                          ${MIN_FREE_MIB} MiB)
  --cache DIR             where the debootstrap result is cached as a tarball keyed by the
                          package list (default \$BANGER_GOLDEN_CACHE or
                          /var/cache/banger/golden)
  --mirror URL            Debian mirror (default: the host's Debian mirror from
                          /etc/apt/sources.list and /etc/apt/sources.list.d)
  --kernel-name NAME      kernel recorded in image.json (default debian-cloud)
  --work-seed SIZE        also make work-seed.ext4, an empty ext4 labelled banger-work of SIZE
                          (truncate syntax, e.g. 2G)
  --version VERSION       version recorded in image.json (default: a hash of this recipe)
  -h, --help              show this help
EOF
}

die() {
  printf 'build.sh: error: %s\n' "$*" >&2
  exit 1
}

log() {
  printf 'golden: %s\n' "$*" >&2
}

parse_args() {
  OUT_DIR='' AGENT='' MODULES='' HEADROOM=50 MIRROR='' KERNEL_NAME=debian-cloud
  WORK_SEED_SIZE='' VERSION=''
  CACHE_DIR=${BANGER_GOLDEN_CACHE:-/var/cache/banger/golden}
  while (($# > 0)); do
    case $1 in
      -h | --help) usage; exit 0 ;;
      --out | --agent | --modules | --size-headroom | --cache | --mirror | --kernel-name | \
        --work-seed | --version)
        (($# >= 2)) || die "$1 needs a value (see --help)"
        set_option "$1" "$2"
        shift 2
        ;;
      *) die "unknown argument '$1' (see --help)" ;;
    esac
  done
  [[ -n $OUT_DIR ]] || die "--out DIR is required (see --help)"
  [[ -n $AGENT ]] || die "--agent PATH is required: build it with 'make build' (see --help)"
  [[ $HEADROOM =~ ^[0-9]+$ ]] || die "--size-headroom must be a whole percentage, got '$HEADROOM'"
  [[ $KERNEL_NAME =~ ^[A-Za-z0-9._-]+$ ]] || die "--kernel-name '$KERNEL_NAME' is not a valid name"
  if [[ -n $WORK_SEED_SIZE && ! $WORK_SEED_SIZE =~ ^[0-9]+[KMGT]?$ ]]; then
    die "--work-seed SIZE must look like 512M or 2G, got '$WORK_SEED_SIZE'"
  fi
}

set_option() {
  case $1 in
    --out) OUT_DIR=$(realpath -m -- "$2") ;;
    --agent) AGENT=$(realpath -m -- "$2") ;;
    --modules) MODULES=$(realpath -m -- "$2") ;;
    --size-headroom) HEADROOM=$2 ;;
    --cache) CACHE_DIR=$(realpath -m -- "$2") ;;
    --mirror) MIRROR=${2%/} ;;
    --kernel-name) KERNEL_NAME=$2 ;;
    --work-seed) WORK_SEED_SIZE=$2 ;;
    --version) VERSION=$2 ;;
  esac
}

check_host() {
  if ((EUID != 0)); then
    die "building the golden image needs root: run as root or with sudo"
  fi
  local tool missing=()
  for tool in debootstrap chroot mkfs.ext4 dumpe2fs tar zstd jq sha256sum dpkg-query truncate; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if ((${#missing[@]} > 0)); then
    die "missing host tools: ${missing[*]} (apt-get install debootstrap e2fsprogs tar zstd jq)"
  fi
  [[ -f $AGENT ]] || die "agent binary '$AGENT' does not exist: build it with 'make build'"
  if [[ -n $MODULES && ! -d $MODULES ]]; then
    die "modules directory '$MODULES' does not exist"
  fi
}

# Prints "URI SUITE COMPONENTS..." for every enabled binary source, one-line and deb822 formats.
list_apt_sources() {
  local file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $file ]] || continue
    awk '{ sub(/#.*/, "") }
      $1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        line = $i; for (j = i + 1; j <= NF; j++) line = line " " $j; print line
      }' "$file"
  done
  for file in /etc/apt/sources.list.d/*.sources; do
    [[ -f $file ]] || continue
    awk 'function flush() {
        if (types ~ /(^| )deb( |$)/ && enabled != "no")
          for (u = 1; u <= nu; u++) for (s = 1; s <= ns; s++) print uris[u], suites[s], comps
        types = ""; enabled = ""; comps = ""; nu = 0; ns = 0
      }
      /^[[:space:]]*#/ { next }
      /^[[:space:]]*$/ { flush(); next }
      {
        field = tolower($1); sub(/:$/, "", field); $1 = ""; sub(/^ +/, "")
        if (field == "types") types = $0
        else if (field == "uris") nu = split($0, uris, " ")
        else if (field == "suites") ns = split($0, suites, " ")
        else if (field == "components") comps = $0
        else if (field == "enabled") enabled = tolower($0)
      }
      END { flush() }' "$file"
  done
}

# A Debian mirror carries every release, so any "main" source of a plain Debian suite will do;
# bookworm itself is preferred, security and updates suites live elsewhere and are skipped.
resolve_mirror() {
  if [[ -n $MIRROR ]]; then
    log "using the mirror given with --mirror: $MIRROR"
    return
  fi
  local uri suite comps fallback=''
  local DEBIAN_SUITES='^(bullseye|bookworm|trixie|forky|sid|oldstable|stable|testing|unstable)$'
  while read -r uri suite comps; do
    [[ " $comps " == *" main "* && $uri =~ ^(https?|file): ]] || continue
    if [[ $suite == "$SUITE" ]]; then
      MIRROR=${uri%/}
      break
    fi
    if [[ -z $fallback && $suite =~ $DEBIAN_SUITES ]]; then
      fallback=${uri%/}
    fi
  done < <(list_apt_sources)
  MIRROR=${MIRROR:-$fallback}
  [[ -n $MIRROR ]] || die "found no Debian mirror in /etc/apt/sources.list(.d): pass --mirror URL"
  log "using the Debian mirror from the host's apt sources: $MIRROR"
}

package_list() {
  sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$RECIPE_DIR/packages.txt" | sort -u |
    paste -sd, -
}

recipe_hash() {
  (
    cd "$RECIPE_DIR"
    {
      sha256sum build.sh packages.txt
      find overlay -type f -print0 | sort -z | xargs -0 sha256sum
    } | sha256sum | cut -c1-12
  )
}

make_workdir() {
  WORK_DIR=$(mktemp -d "${TMPDIR:-/var/tmp}/banger-golden.XXXXXX")
  ROOTFS=$WORK_DIR/rootfs
  mkdir "$ROOTFS"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# debootstrap mounts /proc and /sys in the target; if it died half-way they may still be there,
# and removing the tree must never descend into them.
cleanup() {
  [[ -n ${WORK_DIR:-} && -d $WORK_DIR ]] || return 0
  local mount_point
  while read -r mount_point; do
    umount -l "$mount_point" || log "could not unmount '$mount_point' (left behind)"
  done < <(awk -v root="$WORK_DIR/" 'index($2, root) == 1 { print $2 }' /proc/self/mounts | sort -r)
  rm -rf --one-file-system -- "$WORK_DIR"
}

bootstrap_rootfs() {
  local include key tarball
  include=$(package_list)
  key=$(printf '%s\n' "$SUITE" "$VARIANT" "$DEB_ARCH" "$include" | sha256sum | cut -c1-16)
  tarball=$CACHE_DIR/debootstrap-$SUITE-$DEB_ARCH-$key.tar.zst
  if [[ -s $tarball ]]; then
    log "reusing the cached debootstrap result $tarball"
    zstd -q -dc -- "$tarball" |
      tar -x --numeric-owner --xattrs --xattrs-include='*' -C "$ROOTFS" -f -
    return
  fi

  log "debootstrap $SUITE ($VARIANT, $DEB_ARCH) with: $include"
  debootstrap --variant="$VARIANT" --arch="$DEB_ARCH" --include="$include" \
    "$SUITE" "$ROOTFS" "$MIRROR" >&2 ||
    die "debootstrap of $SUITE from '$MIRROR' into '$ROOTFS' failed (see the log above)"

  mkdir -p "$CACHE_DIR"
  tar -c --numeric-owner --xattrs --xattrs-include='*' -C "$ROOTFS" -f - . |
    zstd -q -T0 -3 -o "$tarball.tmp.$$"
  mv -f -- "$tarball.tmp.$$" "$tarball"
  log "cached the debootstrap result as $tarball"
}

install_overlay() {
  local file mode
  while IFS= read -r -d '' file; do
    mode=0644
    [[ $file == ./usr/local/sbin/* ]] && mode=0755
    rm -f -- "$ROOTFS/$file"
    install -D -m "$mode" -o root -g root -- "$RECIPE_DIR/overlay/$file" "$ROOTFS/$file"
  done < <(cd "$RECIPE_DIR/overlay" && find . -type f -print0)
  # Keep the kernel's name eth0: udev's predictable names would rename it behind the agent.
  mkdir -p "$ROOTFS/etc/systemd/network"
  ln -sfn /dev/null "$ROOTFS/etc/systemd/network/99-default.link"
  install -d -m 0755 "$ROOTFS/work"
}

install_agent() {
  install -D -m 0755 -o root -g root -- "$AGENT" "$ROOTFS/$AGENT_PATH"
}

configure_accounts() {
  chroot "$ROOTFS" passwd -d root >/dev/null
  install -d -m 0700 -o root -g root "$ROOTFS/root/.ssh"
  rm -f -- "$ROOTFS"/etc/ssh/ssh_host_*
}

install_modules() {
  [[ -n $MODULES ]] || return 0
  local source=$MODULES version
  if [[ ! -e $source/modules.order && ! -d $source/kernel ]]; then
    local candidates=("$source"/*/)
    if ((${#candidates[@]} != 1)) || [[ ! -d ${candidates[0]} ]]; then
      die "'$MODULES' is neither a /lib/modules/VERSION directory nor holds exactly one"
    fi
    source=${candidates[0]%/}
  fi
  version=$(basename -- "$source")
  if [[ -z $(find "$source" -name '*.ko*' -print -quit) ]]; then
    die "no kernel modules (*.ko*) under '$source'"
  fi
  log "installing the modules of kernel $version"
  mkdir -p "$ROOTFS/lib/modules"
  rm -rf -- "$ROOTFS/lib/modules/$version"
  cp -a -- "$source" "$ROOTFS/lib/modules/$version"
  # build/ and source/ point into the kernel build tree of the host; they mean nothing in a VM.
  rm -f -- "$ROOTFS/lib/modules/$version/build" "$ROOTFS/lib/modules/$version/source"
  chroot "$ROOTFS" depmod -a "$version"
}

configure_units() {
  chroot "$ROOTFS" systemctl enable "${ENABLED_UNITS[@]}" 2>&1 | sed 's/^/golden: systemctl: /' >&2
  local unit
  for unit in "${MASKED_UNITS[@]}"; do
    find "$ROOTFS/etc/systemd/system" -name "$unit" -type l -path '*.wants/*' -delete
    ln -sfn /dev/null "$ROOTFS/etc/systemd/system/$unit"
  done
}

# An empty machine-id makes each VM generate its own at first boot.
clean_rootfs() {
  : >"$ROOTFS/etc/machine-id"
  if [[ -d $ROOTFS/var/lib/dbus ]]; then
    ln -sfn /etc/machine-id "$ROOTFS/var/lib/dbus/machine-id"
  fi
  rm -rf -- "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin \
    "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/cache/apt/archives/partial/* \
    "$ROOTFS"/var/cache/debconf/*-old "$ROOTFS"/var/lib/dpkg/*-old \
    "$ROOTFS"/tmp/* "$ROOTFS"/var/tmp/* "$ROOTFS"/root/.bash_history
  rm -f -- "$ROOTFS/var/log/bootstrap.log"
  find "$ROOTFS/var/log" -type f -exec truncate -s 0 {} +
}

# Prints the free bytes of an ext4 image as dumpe2fs reports them.
ext4_free_bytes() {
  dumpe2fs -h "$1" 2>/dev/null |
    awk -F: '/^Free blocks:/ { free = $2 } /^Block size:/ { size = $2 } END { print free * size }'
}

# mkfs.ext4 -d copies the tree without mounting. Inode tables and the journal take space the
# used size does not show, so the result is checked and made bigger until the promise holds.
make_rootfs_image() {
  local used_mib want_free_mib size_mib free_mib attempt image=$OUT_DIR/rootfs.ext4.tmp
  used_mib=$(($(du -s -x --block-size=1M "$ROOTFS" | cut -f1)))
  want_free_mib=$((used_mib * HEADROOM / 100))
  ((want_free_mib >= MIN_FREE_MIB)) || want_free_mib=$MIN_FREE_MIB
  size_mib=$((used_mib + want_free_mib + used_mib / 10 + 64))
  for attempt in 1 2 3; do
    rm -f -- "$image"
    truncate -s "${size_mib}M" -- "$image"
    mkfs.ext4 -q -F -b 4096 -m 0 -L banger-root -d "$ROOTFS" -- "$image" ||
      die "mkfs.ext4 -d '$ROOTFS' into '$image' (${size_mib} MiB) failed"
    free_mib=$(($(ext4_free_bytes "$image") / 1048576))
    if ((free_mib >= want_free_mib)); then
      mv -f -- "$image" "$OUT_DIR/rootfs.ext4"
      log "rootfs.ext4: ${size_mib} MiB, ${used_mib} MiB used by files, ${free_mib} MiB free"
      return
    fi
    log "attempt $attempt: only ${free_mib} MiB free of ${want_free_mib} MiB wanted, growing"
    size_mib=$((size_mib + (want_free_mib - free_mib) * 12 / 10 + 16))
  done
  die "could not make '$image' with ${want_free_mib} MiB free after 3 attempts"
}

make_work_seed() {
  rm -f -- "$OUT_DIR/work-seed.ext4"
  [[ -n $WORK_SEED_SIZE ]] || return 0
  truncate -s "$WORK_SEED_SIZE" -- "$OUT_DIR/work-seed.ext4.tmp"
  mkfs.ext4 -q -F -m 0 -L banger-work -- "$OUT_DIR/work-seed.ext4.tmp"
  mv -f -- "$OUT_DIR/work-seed.ext4.tmp" "$OUT_DIR/work-seed.ext4"
  log "work-seed.ext4: $WORK_SEED_SIZE"
}

# image.json is written last: its presence means the other files are complete.
write_image_json() {
  local work_seed=null
  [[ -z $WORK_SEED_SIZE ]] || work_seed='"work-seed.ext4"'
  dpkg-query --admindir="$ROOTFS/var/lib/dpkg" -W -f '${Package}=${Version}\n' |
    jq -R -s --arg name "$IMAGE_NAME" --arg version "$VERSION" --arg arch "$ARCH" \
      --arg kernel "$KERNEL_NAME" --argjson workSeed "$work_seed" \
      '{name: $name, version: $version, arch: $arch, kernel: $kernel, rootfs: "rootfs.ext4",
        workSeed: $workSeed, packages: (split("\n") | map(select(length > 0)) | sort)}' \
      >"$OUT_DIR/image.json.tmp"
  mv -f -- "$OUT_DIR/image.json.tmp" "$OUT_DIR/image.json"
}

main() {
  parse_args "$@"
  check_host
  VERSION=${VERSION:-$(recipe_hash)}
  resolve_mirror
  mkdir -p "$OUT_DIR"
  rm -f -- "$OUT_DIR/image.json"
  make_workdir

  bootstrap_rootfs

  install_overlay
  install_agent
  configure_accounts
  install_modules
  configure_units
  clean_rootfs

  make_rootfs_image
  make_work_seed
  write_image_json
  log "built $IMAGE_NAME $VERSION in $OUT_DIR"
}

main "$@"
