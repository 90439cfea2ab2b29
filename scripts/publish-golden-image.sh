#!/usr/bin/env bash
# Rebuilds the debian-bookworm golden image, packs it as a catalog bundle and writes the bundle's
# entry (url, sha256, size) into the image catalog. Uploading the bundle to --url-base is left
# to the person publishing: this script prints where it must go.
set -euo pipefail

# shellcheck source=scripts/bundle-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bundle-lib.sh"

usage() {
  cat <<EOF
Usage: publish-golden-image.sh --url-base URL [options] [-- build.sh options]

Builds the golden image with images/golden/build.sh, makes its bundle and records it in the
image catalog. Needs root (debootstrap).

  --url-base URL     where the bundle will be published; the catalog url is URL/BUNDLE_NAME
  --catalog FILE     catalog to update (default
                     artifacts/src/main/resources/dev/banger/catalog/images.json); other
                     entries are kept, an entry with the same name and arch is replaced
  --bundle-only      pack the bundle here with tar + zstd instead of 'build/bin/banger image
                     export NAME --output FILE' (which needs the image in the daemon: pull or
                     register it first)
  --agent PATH       guest agent to install (default build/bin/banger-vsock-agent)
  --out DIR          where build.sh writes the image (default build/manual/golden)
  --bundle-out DIR   where the bundle is written (default build/manual/bundles)
  --skip-build       reuse the image already in --out instead of rebuilding it
  -h, --help         show this help

Options after -- go to build.sh as they are (e.g. -- --modules DIR --mirror URL).
EOF
}

parse_args() {
  URL_BASE='' BUNDLE_ONLY=false SKIP_BUILD=false
  CATALOG=$REPO_DIR/artifacts/src/main/resources/dev/banger/catalog/images.json
  AGENT=$REPO_DIR/build/bin/banger-vsock-agent
  OUT_DIR=$REPO_DIR/build/manual/golden
  BUNDLE_DIR=$REPO_DIR/build/manual/bundles
  BUILD_ARGS=()
  while (($# > 0)); do
    case $1 in
      -h | --help) usage; exit 0 ;;
      --bundle-only) BUNDLE_ONLY=true; shift ;;
      --skip-build) SKIP_BUILD=true; shift ;;
      --url-base | --catalog | --agent | --out | --bundle-out)
        (($# >= 2)) || die "$1 needs a value (see --help)"
        case $1 in
          --url-base) URL_BASE=${2%/} ;;
          --catalog) CATALOG=$(realpath -m -- "$2") ;;
          --agent) AGENT=$(realpath -m -- "$2") ;;
          --out) OUT_DIR=$(realpath -m -- "$2") ;;
          --bundle-out) BUNDLE_DIR=$(realpath -m -- "$2") ;;
        esac
        shift 2
        ;;
      --) shift; BUILD_ARGS=("$@"); break ;;
      *) die "unknown argument '$1' (see --help)" ;;
    esac
  done
  [[ -n $URL_BASE ]] || die "--url-base URL is required: it is where the bundle will be served"
  [[ $URL_BASE =~ ^(https?|file):// ]] ||
    die "--url-base '$URL_BASE' must be an http(s):// or file:// URL"
}

build_image() {
  if $SKIP_BUILD; then
    [[ -s $OUT_DIR/image.json ]] || die "--skip-build: no image.json in '$OUT_DIR': build it first"
    log "reusing the image in $OUT_DIR"
    return
  fi
  [[ -f $AGENT ]] || die "agent '$AGENT' does not exist: run 'make build' or pass --agent PATH"
  bash "$REPO_DIR/images/golden/build.sh" --out "$OUT_DIR" --agent "$AGENT" "${BUILD_ARGS[@]}"
}

# The files a bundle carries, as image.json names them.
image_files() {
  jq -r '.rootfs, (.workSeed // empty)' "$OUT_DIR/image.json"
  echo image.json
}

make_bundle() {
  local name version arch kernel files=()
  name=$(jq -r .name "$OUT_DIR/image.json")
  version=$(jq -r .version "$OUT_DIR/image.json")
  arch=$(jq -r .arch "$OUT_DIR/image.json")
  kernel=$(jq -r .kernel "$OUT_DIR/image.json")
  BUNDLE=$BUNDLE_DIR/$name-$version-$arch.tar.zst
  ENTRY=$(jq -c '{name, version, arch, kernel}' "$OUT_DIR/image.json")
  if ! $BUNDLE_ONLY; then
    banger_export image "$name" "$BUNDLE"
    return
  fi
  mapfile -t files < <(image_files)
  write_manifest "$OUT_DIR" "$(jq -c '{name, kind: "image", version, arch, kernel}' \
    "$OUT_DIR/image.json")" "${files[@]}"
  log "packing ${files[*]} of $name $version (kernel $kernel)"
  pack_bundle "$OUT_DIR" "$BUNDLE" "${files[@]}"
}

main() {
  parse_args "$@"
  require_tools jq zstd tar sha256sum

  build_image

  make_bundle
  log "bundle: $BUNDLE"

  update_catalog "$CATALOG" images "$ENTRY" "$URL_BASE/$(basename -- "$BUNDLE")" "$BUNDLE"
  log "now upload $BUNDLE to $URL_BASE/"
}

main "$@"
