#!/usr/bin/env bash
# Builds a Firecracker-ready ELF vmlinux from Debian's kernel source (the linux-source-6.1
# package, which ships the source tarball in /usr/src) with the config fragment in
# scripts/kernel-config/ merged onto x86_64_defconfig. The result goes to build/manual/kernel/
# (vmlinux, config, kernel.json), ready for scripts/publish-kernel.sh.
set -euo pipefail

SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPTS_DIR/.." && pwd)
readonly SCRIPTS_DIR REPO_DIR
readonly SOURCE_PACKAGE=linux-source-6.1
# The options the guest cannot boot or be reached without; the fragment must set each to y.
readonly REQUIRED_OPTIONS=(
  64BIT VIRTIO_MMIO VIRTIO_MMIO_CMDLINE_DEVICES VIRTIO_BLK VIRTIO_NET VIRTIO_CONSOLE VSOCKETS
  VIRTIO_VSOCKETS EXT4_FS SERIAL_8250_CONSOLE PVH KVM_GUEST DEVTMPFS DEVTMPFS_MOUNT UNIX INET
  TUN
)
readonly BUILD_TOOLS=(make gcc flex bison bc perl xz tar jq)

usage() {
  cat <<EOF
Usage: make-generic-kernel.sh [options]

Builds vmlinux (ELF, with a PVH note) from /usr/src/$SOURCE_PACKAGE.tar.xz: make
x86_64_defconfig, merge the fragment with scripts/kconfig/merge_config.sh, make olddefconfig,
check that every fragment value survived, make vmlinux. Takes tens of minutes.

  --check                 only check the fragment (well-formed keys, no duplicates, the
                          required options set) and report the build prerequisites
  --config-only           stop after the checked .config (written to OUT/config)
  --config FILE           fragment (default scripts/kernel-config/generic-x86_64.config)
  --source-tarball FILE   kernel source (default /usr/src/$SOURCE_PACKAGE.tar.xz from
                          'apt-get install $SOURCE_PACKAGE')
  --work DIR              where the source is unpacked and built (default
                          \$BANGER_KERNEL_WORK or /var/tmp/banger-kernel)
  --out DIR               where vmlinux, config and kernel.json go (default
                          build/manual/kernel)
  --jobs N                parallel make jobs (default: nproc)
  -h, --help              show this help

Prerequisites: apt-get install $SOURCE_PACKAGE build-essential flex bison bc libelf-dev jq
EOF
}

die() {
  printf 'make-generic-kernel.sh: error: %s\n' "$*" >&2
  exit 1
}

log() {
  printf 'make-generic-kernel.sh: %s\n' "$*" >&2
}

parse_args() {
  MODE=build
  CONFIG=$SCRIPTS_DIR/kernel-config/generic-x86_64.config
  TARBALL=/usr/src/$SOURCE_PACKAGE.tar.xz
  WORK_DIR=${BANGER_KERNEL_WORK:-/var/tmp/banger-kernel}
  OUT_DIR=$REPO_DIR/build/manual/kernel
  JOBS=$(nproc)
  while (($# > 0)); do
    case $1 in
      -h | --help) usage; exit 0 ;;
      --check) MODE=check; shift ;;
      --config-only) MODE=config; shift ;;
      --config | --source-tarball | --work | --out | --jobs)
        (($# >= 2)) || die "$1 needs a value (see --help)"
        case $1 in
          --config) CONFIG=$(realpath -m -- "$2") ;;
          --source-tarball) TARBALL=$(realpath -m -- "$2") ;;
          --work) WORK_DIR=$(realpath -m -- "$2") ;;
          --out) OUT_DIR=$(realpath -m -- "$2") ;;
          --jobs) JOBS=$2 ;;
        esac
        shift 2
        ;;
      *) die "unknown argument '$1' (see --help)" ;;
    esac
  done
  [[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "--jobs must be a positive number, got '$JOBS'"
  [[ -f $CONFIG ]] || die "config fragment '$CONFIG' does not exist"
}

# Every line is blank, a comment, CONFIG_X=VALUE or "# CONFIG_X is not set"; no option twice;
# every required option set to y. Prints one line per problem with FILE:LINE.
check_fragment() {
  local line number=0 key errors=0 option
  declare -A seen=()
  while IFS= read -r line || [[ -n $line ]]; do
    number=$((number + 1))
    key=''
    if [[ $line =~ ^CONFIG_([A-Z0-9_]+)=(y|m|n|\"[^\"]*\"|-?[0-9]+|0x[0-9a-fA-F]+)$ ]]; then
      key=${BASH_REMATCH[1]}
    elif [[ $line =~ ^#\ CONFIG_([A-Z0-9_]+)\ is\ not\ set$ ]]; then
      key=${BASH_REMATCH[1]}
    elif [[ $line =~ ^[[:space:]]*(#.*)?$ ]]; then
      continue
    else
      printf '%s:%d: not CONFIG_NAME=VALUE nor "# CONFIG_NAME is not set": %s\n' \
        "$CONFIG" "$number" "$line" >&2
      errors=$((errors + 1))
      continue
    fi
    if [[ -n ${seen[$key]:-} ]]; then
      printf '%s:%d: CONFIG_%s is already set on line %s\n' "$CONFIG" "$number" "$key" \
        "${seen[$key]}" >&2
      errors=$((errors + 1))
    fi
    seen[$key]=$number
  done <"$CONFIG"
  for option in "${REQUIRED_OPTIONS[@]}"; do
    if ! grep -qx "CONFIG_$option=y" "$CONFIG"; then
      printf '%s: the required CONFIG_%s=y is missing\n' "$CONFIG" "$option" >&2
      errors=$((errors + 1))
    fi
  done
  ((errors == 0)) || return 1
  log "fragment $CONFIG: ${#seen[@]} options, well formed, required options set"
}

# Prints the missing prerequisites, one per line.
missing_prerequisites() {
  local tool
  for tool in "${BUILD_TOOLS[@]}"; do
    command -v "$tool" >/dev/null || echo "$tool"
  done
  # objtool, which x86_64_defconfig builds, links against libelf.
  [[ -f /usr/include/gelf.h ]] || echo libelf-dev
  [[ -f $TARBALL ]] || echo "$SOURCE_PACKAGE ($TARBALL)"
}

require_prerequisites() {
  local missing
  missing=$(missing_prerequisites | paste -sd, - | sed 's/,/, /g')
  [[ -z $missing ]] ||
    die "missing: $missing;" \
      "apt-get install $SOURCE_PACKAGE build-essential flex bison bc libelf-dev jq"
}

report_prerequisites() {
  local missing
  missing=$(missing_prerequisites | paste -sd, - | sed 's/,/, /g')
  if [[ -z $missing ]]; then
    log "build prerequisites: all present"
  else
    log "build prerequisites missing (needed to build, not to check): $missing"
  fi
}

# The unpacked tree is kept between runs and unpacked again when the tarball changes.
unpack_source() {
  local stamp
  stamp=$(stat -c '%n %s %Y' -- "$TARBALL")
  SOURCE_DIR=$WORK_DIR/$SOURCE_PACKAGE
  BUILD_DIR=$WORK_DIR/build
  if [[ -f $WORK_DIR/unpacked && $(<"$WORK_DIR/unpacked") == "$stamp" && -d $SOURCE_DIR ]]; then
    log "reusing the source unpacked in $SOURCE_DIR"
    return
  fi
  log "unpacking $TARBALL into $WORK_DIR"
  rm -rf -- "$SOURCE_DIR" "$BUILD_DIR" "$WORK_DIR/unpacked"
  mkdir -p -- "$WORK_DIR"
  tar -xf "$TARBALL" -C "$WORK_DIR"
  [[ -d $SOURCE_DIR ]] || die "'$TARBALL' did not unpack to '$SOURCE_DIR'"
  printf '%s\n' "$stamp" >"$WORK_DIR/unpacked"
}

make_config() {
  mkdir -p -- "$BUILD_DIR"
  make -s -C "$SOURCE_DIR" O="$BUILD_DIR" x86_64_defconfig >&2
  # merge_config.sh reports every value the fragment overrides: kept in a log, not on screen.
  (cd "$SOURCE_DIR" &&
    scripts/kconfig/merge_config.sh -m -O "$BUILD_DIR" "$BUILD_DIR/.config" "$CONFIG") \
    >"$WORK_DIR/merge_config.log" 2>&1 ||
    die "merge_config.sh of '$CONFIG' failed: see $WORK_DIR/merge_config.log"
  make -s -C "$SOURCE_DIR" O="$BUILD_DIR" olddefconfig >&2
}

# merge_config.sh only warns when Kconfig drops a value; here that is an error.
verify_config() {
  local line key dropped=0
  while IFS= read -r line; do
    if [[ $line =~ ^CONFIG_([A-Z0-9_]+)= ]]; then
      grep -qxF -- "$line" "$BUILD_DIR/.config" && continue
      key=${BASH_REMATCH[1]}
    elif [[ $line =~ ^#\ CONFIG_([A-Z0-9_]+)\ is\ not\ set$ ]]; then
      key=${BASH_REMATCH[1]}
      grep -q "^CONFIG_$key=" "$BUILD_DIR/.config" || continue
    else
      continue
    fi
    log "Kconfig dropped '$line' (now: $(grep -E "^(# )?CONFIG_${key}[= ]" "$BUILD_DIR/.config" ||
      echo unset)): an unmet dependency, add it to the fragment"
    dropped=$((dropped + 1))
  done <"$CONFIG"
  ((dropped == 0)) || die "$dropped fragment values did not survive make olddefconfig"
  mkdir -p -- "$OUT_DIR"
  cp -- "$BUILD_DIR/.config" "$OUT_DIR/config"
  log "checked .config written to $OUT_DIR/config"
}

build_vmlinux() {
  local release
  log "make vmlinux -j$JOBS (this takes a while)"
  make -s -C "$SOURCE_DIR" O="$BUILD_DIR" -j"$JOBS" vmlinux >&2
  release=$(make -s -C "$SOURCE_DIR" O="$BUILD_DIR" kernelrelease)
  cp -- "$BUILD_DIR/vmlinux" "$OUT_DIR/vmlinux.tmp"
  mv -f -- "$OUT_DIR/vmlinux.tmp" "$OUT_DIR/vmlinux"
  jq -n --arg version "$release" \
    '{name: "generic-x86_64", version: $version, arch: "x86_64", vmlinux: "vmlinux",
      initrd: null, modules: null}' >"$OUT_DIR/kernel.json"
  log "built $OUT_DIR/vmlinux ($release)"
}

main() {
  parse_args "$@"
  check_fragment || die "the config fragment '$CONFIG' has the problems listed above"
  if [[ $MODE == check ]]; then
    report_prerequisites
    return
  fi
  require_prerequisites

  unpack_source
  make_config
  verify_config
  if [[ $MODE == build ]]; then
    build_vmlinux
  fi
}

main "$@"
