#!/usr/bin/env bash
# Sourced by publish-golden-image.sh and publish-kernel.sh (not run on its own): packs a bundle
# and writes its entry into a catalog file.
#
# Bundle: a zstd-compressed POSIX tar whose first entry is manifest.json:
#   {"name", "kind": "image"|"kernel", "version", "arch", ["kernel",]
#    "files": [{"path", "sha256", "size"}]}
# followed by the files it lists, all at the top level of the archive.
#
# Catalog (images.json / kernels.json): {"<section>": [{"name", "version", "arch", ...,
# "url", "sha256", "size"}]}, one entry per name and arch, sorted by name; sha256 and size are
# those of the bundle file.
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO_DIR

die() {
  printf '%s: error: %s\n' "$(basename -- "$0")" "$*" >&2
  exit 1
}

log() {
  printf '%s: %s\n' "$(basename -- "$0")" "$*" >&2
}

require_tools() {
  local tool missing=()
  for tool in "$@"; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if ((${#missing[@]} > 0)); then
    die "missing tools: ${missing[*]} (apt-get install jq zstd tar coreutils)"
  fi
}

# write_manifest DIR HEADER_JSON FILE...: writes DIR/manifest.json from the header fields and
# the path, sha256 and size of each FILE (relative to DIR).
write_manifest() {
  local dir=$1 header=$2 file
  shift 2
  for file in "$@"; do
    [[ -f $dir/$file ]] || die "bundle file '$dir/$file' does not exist"
    jq -n --arg path "$file" --arg sha256 "$(sha256sum -- "$dir/$file" | cut -d' ' -f1)" \
      --argjson size "$(stat -c %s -- "$dir/$file")" \
      '{path: $path, sha256: $sha256, size: $size}'
  done | jq -s --argjson header "$header" '{format: 1} + $header + {files: .}' \
    >"$dir/manifest.json"
}

# pack_bundle DIR OUTPUT FILE...: manifest.json first, then the files, as tar + zstd.
pack_bundle() {
  local dir=$1 output=$2
  shift 2
  mkdir -p -- "$(dirname -- "$output")"
  tar --format=posix --owner=0 --group=0 --numeric-owner -C "$dir" -cf - manifest.json "$@" |
    zstd -q -T0 -f -o "$output.tmp"
  mv -f -- "$output.tmp" "$output"
}

# update_catalog FILE SECTION ENTRY_JSON URL BUNDLE: adds or replaces the entry with the same
# name and arch, keeping every other entry.
update_catalog() {
  local catalog=$1 section=$2 entry=$3 url=$4 bundle=$5 current='{}' sha size
  sha=$(sha256sum -- "$bundle" | cut -d' ' -f1)
  size=$(stat -c %s -- "$bundle")
  if [[ -s $catalog ]]; then
    current=$(cat -- "$catalog")
    jq -e --arg section "$section" 'type == "object" and ((.[$section] // []) | type == "array")' \
      <<<"$current" >/dev/null ||
      die "catalog '$catalog' is not a JSON object with a '$section' array: fix or remove it"
  fi
  mkdir -p -- "$(dirname -- "$catalog")"
  # The entry keeps the description and recipe of the entry it replaces, so a catalog keeps
  # its recipe fallback when a bundle is published (the format of artifacts' catalog parser).
  jq --arg section "$section" --argjson entry "$entry" --arg url "$url" --arg sha256 "$sha" \
    --argjson size "$size" '
      ((.[$section] // []) | map(select(.name == $entry.name and .arch == $entry.arch))
        | first) as $old
      | {name: $entry.name,
         description: ($old.description // "\($entry.name) \($entry.version)"),
         arch: $entry.arch,
         sources: (($old.sources // {}) + {bundle: {url: $url, sha256: $sha256, size: $size}})}
        as $new
      | .[$section] = ([(.[$section] // [])[]
                        | select(.name != $new.name or .arch != $new.arch)] + [$new]
                       | sort_by(.name, .arch))' <<<"$current" >"$catalog.tmp"
  mv -f -- "$catalog.tmp" "$catalog"
  log "catalog $catalog: $(jq -r '"\(.name) \(.version)"' <<<"$entry") -> $url" \
    "(sha256 $sha, $size bytes)"
}

# banger_export KIND NAME OUTPUT: has the built CLI write the bundle of NAME as the daemon
# holds it (banger KIND export NAME --output FILE); NAME must be pulled or registered there.
banger_export() {
  local kind=$1 name=$2 output=$3 banger=$REPO_DIR/build/bin/banger
  if [[ ! -x $banger ]]; then
    die "$banger does not exist: run 'make build' first," \
      "or pass --bundle-only to pack the bundle with tar and zstd"
  fi
  if ! "$banger" "$kind" export --help >/dev/null 2>&1; then
    die "'$banger $kind export' is not available in this build:" \
      "pass --bundle-only to pack the bundle with tar and zstd"
  fi
  "$banger" "$kind" export "$name" --output "$output" ||
    die "'$banger $kind export $name --output $output' failed"
}
