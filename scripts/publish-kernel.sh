#!/usr/bin/env bash
# Packs a kernel (vmlinux, optional initrd.img and modules, kernel.json) as a catalog bundle and
# writes the bundle's entry (url, sha256, size) into the kernel catalog. Uploading the bundle
# to --url-base is left to the person publishing: this script prints where it must go.
set -euo pipefail

# shellcheck source=scripts/bundle-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bundle-lib.sh"

readonly ARCH=x86_64

usage() {
  cat <<EOF
Usage: publish-kernel.sh NAME --url-base URL [options]

Bundles the kernel in --dir under the catalog name NAME and records it in the kernel catalog.
--dir holds vmlinux (an ELF image, as Firecracker loads it) and optionally initrd.img,
modules.tar or a modules/ directory (packed as modules.tar), and kernel.json (written when
missing: {"name","version","arch","vmlinux","initrd","modules"}).

  --url-base URL     where the bundle will be published; the catalog url is URL/BUNDLE_NAME
  --dir DIR          the kernel files (default build/manual/kernel, where
                     make-generic-kernel.sh puts its vmlinux)
  --version VERSION  version to record (default: kernel.json's, else the release string
                     found in vmlinux)
  --catalog FILE     catalog to update (default
                     artifacts/src/main/resources/dev/banger/catalog/kernels.json); other
                     entries are kept, an entry with the same name and arch is replaced
  --bundle-only      pack the bundle here with tar + zstd instead of 'build/bin/banger kernel
                     export' (which expects: banger kernel export DIR --output FILE)
  --bundle-out DIR   where the bundle is written (default build/manual/bundles)
  -h, --help         show this help
EOF
}

parse_args() {
  NAME='' URL_BASE='' VERSION='' BUNDLE_ONLY=false
  KERNEL_DIR=$REPO_DIR/build/manual/kernel
  CATALOG=$REPO_DIR/artifacts/src/main/resources/dev/banger/catalog/kernels.json
  BUNDLE_DIR=$REPO_DIR/build/manual/bundles
  while (($# > 0)); do
    case $1 in
      -h | --help) usage; exit 0 ;;
      --bundle-only) BUNDLE_ONLY=true; shift ;;
      --url-base | --dir | --version | --catalog | --bundle-out)
        (($# >= 2)) || die "$1 needs a value (see --help)"
        case $1 in
          --url-base) URL_BASE=${2%/} ;;
          --dir) KERNEL_DIR=$(realpath -m -- "$2") ;;
          --version) VERSION=$2 ;;
          --catalog) CATALOG=$(realpath -m -- "$2") ;;
          --bundle-out) BUNDLE_DIR=$(realpath -m -- "$2") ;;
        esac
        shift 2
        ;;
      -*) die "unknown option '$1' (see --help)" ;;
      *)
        [[ -z $NAME ]] || die "unexpected argument '$1': only one kernel NAME is taken"
        NAME=$1
        shift
        ;;
    esac
  done
  [[ -n $NAME ]] ||
    die "the kernel NAME is required, e.g. publish-kernel.sh generic-6.1 (see --help)"
  [[ $NAME =~ ^[a-z0-9][a-z0-9._-]*$ ]] ||
    die "kernel name '$NAME' may use only lower-case letters, digits, '.', '_' and '-'"
  [[ -n $URL_BASE ]] || die "--url-base URL is required: it is where the bundle will be served"
  [[ $URL_BASE =~ ^(https?|file):// ]] ||
    die "--url-base '$URL_BASE' must be an http(s):// or file:// URL"
}

check_vmlinux() {
  local vmlinux=$KERNEL_DIR/vmlinux
  [[ -f $vmlinux ]] ||
    die "no vmlinux in '$KERNEL_DIR': run scripts/make-generic-kernel.sh or pass --dir DIR"
  [[ $(head -c 4 -- "$vmlinux" | od -An -tx1 | tr -d ' \n') == 7f454c46 ]] ||
    die "'$vmlinux' is not an ELF file:" \
      "Firecracker needs the uncompressed ELF vmlinux, not a bzImage"
}

# "Linux version 6.1.192 (...)" is in every vmlinux; its first word is the kernel release.
detect_version() {
  if [[ -n $VERSION ]]; then
    return
  fi
  if [[ -f $KERNEL_DIR/kernel.json ]]; then
    VERSION=$(jq -r '.version // empty' "$KERNEL_DIR/kernel.json")
  fi
  if [[ -z $VERSION ]]; then
    VERSION=$(grep -a -o -m 1 -E 'Linux version [0-9][^ ]*' "$KERNEL_DIR/vmlinux" | head -n 1 |
      cut -d' ' -f3 || true)
  fi
  [[ -n $VERSION ]] || die "cannot tell the version of '$KERNEL_DIR/vmlinux': pass --version"
}

# Gathers the bundle's files in a staging directory: a modules/ directory becomes modules.tar.
stage_files() {
  STAGE=$(mktemp -d "${TMPDIR:-/var/tmp}/banger-kernel-bundle.XXXXXX")
  trap 'rm -rf -- "$STAGE"' EXIT
  FILES=(vmlinux)
  # A hard link avoids copying 50 MB; -L so that a symlinked vmlinux is packed as a file.
  ln -L -- "$KERNEL_DIR/vmlinux" "$STAGE/vmlinux" 2>/dev/null ||
    cp -L -- "$KERNEL_DIR/vmlinux" "$STAGE/vmlinux"
  if [[ -f $KERNEL_DIR/initrd.img ]]; then
    cp -- "$KERNEL_DIR/initrd.img" "$STAGE/"
    FILES+=(initrd.img)
  fi
  if [[ -f $KERNEL_DIR/modules.tar ]]; then
    cp -- "$KERNEL_DIR/modules.tar" "$STAGE/"
    FILES+=(modules.tar)
  elif [[ -d $KERNEL_DIR/modules ]]; then
    tar --format=posix --owner=0 --group=0 --numeric-owner -C "$KERNEL_DIR/modules" \
      -cf "$STAGE/modules.tar" .
    FILES+=(modules.tar)
  fi
  write_kernel_json
  FILES+=(kernel.json)
}

write_kernel_json() {
  local initrd=null modules=null
  [[ ! -f $STAGE/initrd.img ]] || initrd='"initrd.img"'
  [[ ! -f $STAGE/modules.tar ]] || modules='"modules.tar"'
  if [[ -f $KERNEL_DIR/kernel.json ]]; then
    jq --arg name "$NAME" --arg version "$VERSION" '.name = $name | .version = $version' \
      "$KERNEL_DIR/kernel.json" >"$STAGE/kernel.json"
    return
  fi
  jq -n --arg name "$NAME" --arg version "$VERSION" --arg arch "$ARCH" \
    --argjson initrd "$initrd" --argjson modules "$modules" \
    '{name: $name, version: $version, arch: $arch, vmlinux: "vmlinux", initrd: $initrd,
      modules: $modules}' >"$STAGE/kernel.json"
}

main() {
  parse_args "$@"
  require_tools jq zstd tar sha256sum od

  check_vmlinux
  detect_version
  stage_files

  BUNDLE=$BUNDLE_DIR/kernel-$NAME-$VERSION-$ARCH.tar.zst
  # banger has no `kernel export`: kernels are always packed here, in the bundle format the
  # daemon reads (--bundle-only is accepted for symmetry with publish-golden-image.sh).
  if $BUNDLE_ONLY || true; then
    write_manifest "$STAGE" "$(jq -nc --arg name "$NAME" --arg version "$VERSION" \
      --arg arch "$ARCH" '{name: $name, kind: "kernel", version: $version, arch: $arch}')" \
      "${FILES[@]}"
    log "packing ${FILES[*]} of kernel $NAME $VERSION"
    pack_bundle "$STAGE" "$BUNDLE" "${FILES[@]}"
  fi
  log "bundle: $BUNDLE"

  update_catalog "$CATALOG" kernels "$(jq -nc --arg name "$NAME" --arg version "$VERSION" \
    --arg arch "$ARCH" '{name: $name, version: $version, arch: $arch}')" \
    "$URL_BASE/$(basename -- "$BUNDLE")" "$BUNDLE"
  log "now upload $BUNDLE to $URL_BASE/"
}

main "$@"
