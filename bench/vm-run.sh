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
  # Every step runs whatever the one before did: with set -e, grep finding no VM would end the
  # trap early and leave the daemon running. Nothing here may start a daemon that is not there.
  set +e
  if [ -n "$raw_pid" ]; then kill -9 "$raw_pid" 2> /dev/null; fi
  ip link del bgr-rawbench 2> /dev/null
  if [ -S "$BANGER_RUNTIME_DIR/bangerd.sock" ]; then
    "$bin/banger" vm ls -o json 2> /dev/null | grep -o '"name": "[^"]*"' | cut -d'"' -f4 |
      while read -r vm; do "$bin/banger" vm rm -f "$vm" > /dev/null 2>&1; done
    "$bin/banger" daemon stop > /dev/null 2>&1
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

"$bin/banger" image pull debian-bookworm > /dev/null

# The QEMU command line banger uses, read from a VM's running process once.
name=$("$bin/banger" vm run --detach)
pid=$("$bin/banger" vm show "$name" -o json | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
mapfile -d '' argv < "/proc/$pid/cmdline"
"$bin/banger" vm rm -f "$name" > /dev/null
rootfs=$("$bin/banger" image show debian-bookworm -o json | sed -n 's/.*"rootfs": "\([^"]*\)".*/\1/p')

# One `vm run --rm -- echo`: sets first_ms (to the first output) and exit_ms (to its exit).
banger_run() {
  local out="$scratch/out" start run_pid first
  : > "$out"
  start=$(ms)
  "$bin/banger" vm run --rm -- echo first-output > "$out" &
  run_pid=$!
  # The first output is the moment banger's stdout file stops being empty.
  until [ -s "$out" ] || ! kill -0 "$run_pid" 2> /dev/null; do sleep 0.005; done
  first=$(ms)
  wait "$run_pid"
  exit_ms=$(( $(ms) - start ))
  first_ms=$(( first - start ))
  [ "$(cat "$out")" = first-output ] || { echo "vm-run.sh: unexpected output: $(cat "$out")" >&2; exit 1; }
}

# The same QEMU command line by hand, on a fresh raw copy of the image (made before the clock
# starts), until the guest agent is up: sets raw_ms.
raw_run() {
  local raw="$scratch/raw" start a
  rm -rf "$raw"; mkdir -p "$raw"
  cp --sparse=always "$rootfs" "$raw/root.img"
  truncate -s 64M "$raw/work.img" && mkfs.ext4 -q "$raw/work.img"
  cmd=()
  for a in "${argv[@]}"; do
    a=${a//file=*rootfs.qcow2,format=qcow2/file=$raw/root.img,format=raw}
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
  until grep -qa "Started.*banger-vsock-agent" "$raw/console.log" 2> /dev/null; do
    if ! kill -0 "$raw_pid" 2> /dev/null; then
      echo "vm-run.sh: the raw QEMU exited before its agent started: ${cmd[*]}" >&2
      exit 1
    fi
    sleep 0.01
  done
  raw_ms=$(( $(ms) - start ))
  kill -9 "$raw_pid"; wait "$raw_pid" 2> /dev/null || true; raw_pid=""
  ip link del bgr-rawbench 2> /dev/null || true
}

# Alternating the two spreads the machine's drift (page cache, other load) over both.
first_times=()
exit_times=()
raw_times=()
for _ in $(seq 1 "$runs"); do
  banger_run
  first_times+=("$first_ms")
  exit_times+=("$exit_ms")
  raw_run
  raw_times+=("$raw_ms")
done
banger_ms=$(printf '%s\n' "${first_times[@]}" | median)
raw_median=$(printf '%s\n' "${raw_times[@]}" | median)
printf 'vm run --rm -- echo: first output median %d ms (%s), exit median %d ms, %d runs\n' \
  "$banger_ms" "${first_times[*]}" "$(printf '%s\n' "${exit_times[@]}" | median)" "$runs"
printf 'raw QEMU to guest agent up: median %d ms (%s); first output / raw:' \
  "$raw_median" "${raw_times[*]}"
awk -v b="$banger_ms" -v r="$raw_median" 'BEGIN {printf " ratio %.3f\n", b / r}'

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
