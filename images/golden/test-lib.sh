#!/usr/bin/env bash
# Shared by test.sh and boot-test.sh (sourced, not run): the test cache layout, Debian's cloud
# kernel used as the test kernel, and the test build of the golden image.
#
# Everything lives under ${BANGER_TEST_CACHE:-/var/cache/banger-test}/golden/ and is rebuilt
# from nothing when missing.
set -euo pipefail

GOLDEN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$GOLDEN_DIR/../.." && pwd)
TEST_CACHE=${BANGER_TEST_CACHE:-/var/cache/banger-test}/golden
TEST_OUT=$TEST_CACHE/out
readonly GOLDEN_DIR REPO_DIR TEST_CACHE TEST_OUT
readonly KERNEL_META_PACKAGE=linux-image-cloud-amd64
readonly TEST_WORK_SEED_SIZE=64M

# Downloads Debian's cloud kernel package (once) and sets KERNEL_VERSION, KERNEL_BZIMAGE and
# KERNEL_MODULES_DIR.
fetch_cloud_kernel() {
  local package deb_dir
  package=$(apt-cache depends "$KERNEL_META_PACKAGE" 2>/dev/null |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-.*-cloud-amd64$/ { print $2; exit }')
  if [[ -z $package ]]; then
    echo "cannot resolve $KERNEL_META_PACKAGE to a kernel package: run 'apt-get update'" >&2
    return 1
  fi
  KERNEL_VERSION=${package#linux-image-}
  deb_dir=$TEST_CACHE/kernel/$package
  if [[ ! -f $deb_dir/done ]]; then
    echo "fetching $package into $deb_dir" >&2
    rm -rf -- "$deb_dir"
    mkdir -p "$deb_dir"
    (cd "$deb_dir" && apt-get download -q "$package") >&2
    dpkg-deb -x "$deb_dir"/"$package"_*.deb "$deb_dir/root"
    rm -f -- "$deb_dir"/*.deb
    touch "$deb_dir/done"
  fi
  # shellcheck disable=SC2034 # read by the scripts that source this file
  KERNEL_BZIMAGE=$deb_dir/root/boot/vmlinuz-$KERNEL_VERSION
  KERNEL_MODULES_DIR=$deb_dir/root/lib/modules/$KERNEL_VERSION
}

# The agent from 'make build' when it exists, otherwise a stand-in that only stays alive (the
# image recipe, not the agent, is under test here). Sets TEST_AGENT and TEST_AGENT_KIND.
choose_agent() {
  local built=$REPO_DIR/build/bin/banger-vsock-agent
  if [[ -x $built ]]; then
    TEST_AGENT=$built
    TEST_AGENT_KIND=real
    return
  fi
  TEST_AGENT=$TEST_CACHE/dummy-agent
  # shellcheck disable=SC2034 # read by the scripts that source this file
  TEST_AGENT_KIND=dummy
  mkdir -p "$TEST_CACHE"
  printf '#!/bin/sh\n# Stand-in for banger-vsock-agent in the golden image tests.\n%s\n' \
    'exec sleep infinity' >"$TEST_AGENT"
  chmod 0755 "$TEST_AGENT"
}

# Builds the golden image into TEST_OUT with the test kernel's modules and a work seed, logging
# to TEST_CACHE/build.log. The recipe runs the way the daemon runs it: from a copy in a
# temporary directory whose files lost their execute bits (as when unpacked from a jar), with
# the working directory elsewhere.
build_test_image() {
  local copy status=0
  copy=$(mktemp -d "${TMPDIR:-/var/tmp}/banger-golden-recipe.XXXXXX")
  cp -r -- "$GOLDEN_DIR"/build.sh "$GOLDEN_DIR"/packages.txt "$GOLDEN_DIR"/overlay "$copy"/
  find "$copy" -type f -exec chmod 0644 {} +
  (cd / && bash "$copy/build.sh" --out "$TEST_OUT" --agent "$TEST_AGENT" \
    --modules "$KERNEL_MODULES_DIR" --cache "$TEST_CACHE/debootstrap" \
    --work-seed "$TEST_WORK_SEED_SIZE") 2>&1 | tee "$TEST_CACHE/build.log" >&2 || status=$?
  rm -rf -- "$copy"
  return "$status"
}

# Writes the ELF vmlinux inside Debian's bzImage to $1 (cached). The setup header gives where
# the LZ4 (legacy frame) payload starts: (setup_sects + 1) * 512 + payload_offset.
extract_cloud_vmlinux() {
  local target=$1 setup_sects payload_offset payload_length start expected
  [[ -s $target ]] && return 0
  setup_sects=$(od -An -tu1 -j $((0x1f1)) -N 1 "$KERNEL_BZIMAGE" | tr -d ' ')
  payload_offset=$(od -An -tu4 -j $((0x248)) -N 4 "$KERNEL_BZIMAGE" | tr -d ' ')
  payload_length=$(od -An -tu4 -j $((0x24c)) -N 4 "$KERNEL_BZIMAGE" | tr -d ' ')
  start=$(((setup_sects + 1) * 512 + payload_offset))
  # The payload ends with the uncompressed size (4 bytes, little-endian), which lz4 reads as a
  # broken next frame and fails on after writing everything; that size then checks the result.
  dd if="$KERNEL_BZIMAGE" of="$target.lz4" iflag=skip_bytes,count_bytes skip="$start" \
    count="$payload_length" bs=1M status=none
  lz4 -dc "$target.lz4" >"$target.tmp" 2>/dev/null || true
  expected=$(tail -c 4 "$target.lz4" | od -An -tu4 | tr -d ' ')
  rm -f -- "$target.lz4"
  if [[ $(stat -c %s "$target.tmp") != "$expected" || $(head -c 4 "$target.tmp" | od -An -tx1 |
    tr -d ' ') != 7f454c46 ]]; then
    echo "could not decompress the vmlinux of $KERNEL_BZIMAGE" >&2
    return 1
  fi
  mv -f -- "$target.tmp" "$target"
}
