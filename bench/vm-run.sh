#!/usr/bin/env bash
# End-to-end VM benchmarks, printed as figures (run as root, after `make build`):
#  1. `banger vm run --rm -- echo`: from the command to the first line the guest prints, and to
#     the command's exit (after the VM is removed), against the same QEMU command line run by
#     hand until the guest agent is up (systemd reports the agent's unit started on the console
#     once the agent listens);
#  2. `banger vm create` from a 1 GiB and from an 8 GiB image (same content, sparse).
# Uses a scratch state directory and the shared cache ($BANGER_TEST_CACHE/daemon-cache).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/bin"
runs=${RUNS:-3}
scratch=$(mktemp -d /tmp/banger-vmbench.XXXXXX)
export BANGER_STATE_DIR="$scratch/state" BANGER_RUNTIME_DIR="$scratch/run"
export BANGER_CONFIG_DIR="$scratch/config"
export BANGER_CACHE_DIR="${BANGER_TEST_CACHE:-/var/cache/banger-test}/daemon-cache"
raw_pid=""
cleanup() {
  if [ -n "$raw_pid" ]; then kill -9 "$raw_pid" 2> /dev/null || true; fi
  "$bin/banger" vm ls -o json 2> /dev/null | grep -o '"name": "[^"]*"' | cut -d'"' -f4 |
    while read -r vm; do "$bin/banger" vm rm -f "$vm" > /dev/null 2>&1 || true; done
  "$bin/banger" daemon stop > /dev/null 2>&1 || true
  rm -rf "$scratch"
}
trap cleanup EXIT
ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

"$bin/banger" image pull debian-bookworm > /dev/null

first_times=()
exit_times=()
for _ in $(seq 1 "$runs"); do
  start=$(ms)
  # The reader notes the time of the first line, then drains the rest so banger is not cut off.
  first=$("$bin/banger" vm run --rm -- echo first-output | {
    read -r line
    [ "$line" = first-output ] || { echo "vm-run.sh: unexpected output '$line'" >&2; exit 1; }
    ms
    cat > /dev/null
  })
  exit_times+=($(( $(ms) - start )))
  first_times+=($(( first - start )))
done
banger_ms=$(printf '%s\n' "${first_times[@]}" | median)
exit_ms=$(printf '%s\n' "${exit_times[@]}" | median)

# The same QEMU command line banger used, on a fresh copy of the image, timed until the guest
# agent is up.
name=$("$bin/banger" vm run --detach)
pid=$("$bin/banger" vm show "$name" -o json | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
mapfile -d '' argv < "/proc/$pid/cmdline"
"$bin/banger" vm rm -f "$name" > /dev/null
rootfs=$("$bin/banger" image show debian-bookworm -o json | sed -n 's/.*"rootfs": "\([^"]*\)".*/\1/p')
raw="$scratch/raw"
raw_times=()
for _ in $(seq 1 "$runs"); do
  rm -rf "$raw"; mkdir -p "$raw"
  cp --sparse=always "$rootfs" "$raw/root.img"
  truncate -s 64M "$raw/work.img" && mkfs.ext4 -q "$raw/work.img"
  cmd=()
  for a in "${argv[@]}"; do
    a=${a//file=*rootfs.img/file=$raw/root.img}
    a=${a//file=*work.ext4/file=$raw/work.img}
    a=${a//path=*agent.sock/path=$raw/agent.sock}
    a=${a//unix:*qmp.sock/unix:$raw/qmp.sock}
    a=${a//path=*console.log/path=$raw/console.log}
    a=${a//*qemu.pid/$raw/qemu.pid}
    a=${a//ifname=bgr-*,/ifname=bgr-rawbench,}
    cmd+=("$a")
  done
  ip tuntap add dev bgr-rawbench mode tap 2> /dev/null || true
  start=$(ms)
  "${cmd[@]}" > /dev/null 2>&1 &
  raw_pid=$!
  until [ -S "$raw/agent.sock" ]; do
    if ! kill -0 "$raw_pid" 2> /dev/null; then
      echo "vm-run.sh: the raw QEMU exited at once: ${cmd[*]}" >&2
      exit 1
    fi
    sleep 0.01
  done
  until grep -qa "Started.*banger-vsock-agent" "$raw/console.log" 2> /dev/null; do
    sleep 0.02
  done
  raw_times+=($(( $(ms) - start )))
  kill -9 "$raw_pid"; wait "$raw_pid" 2> /dev/null || true; raw_pid=""
  ip link del bgr-rawbench 2> /dev/null || true
done
raw_ms=$(printf '%s\n' "${raw_times[@]}" | median)
printf 'vm run --rm -- echo: first output median %d ms, exit median %d ms over %d runs\n' \
  "$banger_ms" "$exit_ms" "$runs"
printf 'raw QEMU to guest agent up: median %d ms; first output / raw:' "$raw_ms"
awk -v b="$banger_ms" -v r="$raw_ms" 'BEGIN {printf " ratio %.3f\n", b / r}'

# vm create from a 1 GiB and an 8 GiB image with the same files.
for size in 1g 8g; do
  img="$scratch/img-$size.ext4"
  cp --sparse=always "$rootfs" "$img"
  e2fsck -f -p "$img" > /dev/null
  resize2fs "$img" "${size^^}" > /dev/null 2>&1
  "$bin/banger" image register "bench-$size" --rootfs "$img" --kernel debian-cloud > /dev/null
  times=()
  for i in $(seq 1 5); do
    start=$(ms)
    "$bin/banger" vm create "bench-$size" --name "bench-$size-$i" > /dev/null
    times+=($(( $(ms) - start )))
    "$bin/banger" vm rm "bench-$size-$i" > /dev/null
  done
  printf 'vm create from a %s image: median %d ms over 5 runs (%s)\n' "$size" \
    "$(printf '%s\n' "${times[@]}" | median)" "$(printf '%s ' "${times[@]}")"
done
