#!/usr/bin/env bash
# Times `banger image pull debian-bookworm` three ways (run as root, after `make build`):
#   present  the image is already registered;
#   bundle   into a clean state directory from a bundle served over HTTP on localhost (the
#            kernel is built from its recipe, with Debian's package already cached);
#   recipe   into a clean state directory from the golden recipe, once with the debootstrap
#            result and packages cached and once from nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/bin"
scratch=$(mktemp -d /tmp/banger-pullbench.XXXXXX)
warm_cache="${BANGER_TEST_CACHE:-/var/cache/banger-test}/daemon-cache"
httpd_pid=""
use() { # use NAME CACHE: point the CLI at a fresh state directory
  export BANGER_STATE_DIR="$scratch/$1/state" BANGER_RUNTIME_DIR="$scratch/$1/run"
  export BANGER_CONFIG_DIR="$scratch/$1/config" BANGER_CACHE_DIR="$2"
}
cleanup() {
  for d in "$scratch"/*/; do
    [ -d "$d/run" ] || continue
    BANGER_STATE_DIR="$d/state" BANGER_RUNTIME_DIR="$d/run" "$bin/banger" daemon stop \
      > /dev/null 2>&1 || true
  done
  if [ -n "$httpd_pid" ]; then kill "$httpd_pid" 2> /dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT
ms() { echo $(( $(date +%s%N) / 1000000 )); }
timed() { local start; start=$(ms); "$@" > /dev/null; echo $(( $(ms) - start )); }

use warm "$warm_cache"
recipe_warm=$(timed "$bin/banger" image pull debian-bookworm)
present=()
for _ in 1 2 3 4 5; do present+=("$(timed "$bin/banger" image pull debian-bookworm)"); done
present_ms=$(printf '%s\n' "${present[@]}" | sort -n | sed -n 3p)

mkdir -p "$scratch/www"
"$bin/banger" image export debian-bookworm --output "$scratch/www/image.tar.zst" > /dev/null
sha=$(sha256sum "$scratch/www/image.tar.zst" | cut -d' ' -f1)
size=$(stat -c %s "$scratch/www/image.tar.zst")
port=$(( 20000 + RANDOM % 20000 ))
busybox httpd -f -p "127.0.0.1:$port" -h "$scratch/www" &
httpd_pid=$!
use bundle "$scratch/bundle-cache"
mkdir -p "$BANGER_CONFIG_DIR" "$BANGER_CACHE_DIR"
cp -r "$warm_cache/debs" "$BANGER_CACHE_DIR/debs"
printf '{"images": [{"name": "debian-bookworm", "description": "bench", "arch": "x86_64",
  "sources": {"bundle": {"url": "http://127.0.0.1:%s/image.tar.zst", "sha256": "%s",
  "size": %s}}}]}\n' "$port" "$sha" "$size" > "$BANGER_CONFIG_DIR/catalog.json"
bundle_ms=$(timed "$bin/banger" image pull debian-bookworm)

use cold "$scratch/cold-cache"
recipe_cold=$(timed "$bin/banger" image pull debian-bookworm)

printf 'image pull debian-bookworm: already present %d ms (median of 5); from a %d MiB bundle' \
  "$present_ms" $(( size / 1048576 ))
printf ' %d ms; from the recipe %d ms with caches, %d ms from nothing\n' "$bundle_ms" \
  "$recipe_warm" "$recipe_cold"
