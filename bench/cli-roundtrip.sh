#!/usr/bin/env bash
# Measures the CLI round trip of `banger vm ls` (process start, request over the Unix socket,
# answer, exit) against a warm daemon in a scratch state directory, and prints the median of
# RUNS runs (default 20) in milliseconds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/bin"
runs=${RUNS:-20}
scratch=$(mktemp -d /tmp/banger-bench.XXXXXX)
export BANGER_STATE_DIR="$scratch/state" BANGER_RUNTIME_DIR="$scratch/run"
export BANGER_CONFIG_DIR="$scratch/config"
trap '"$bin/banger" daemon stop > /dev/null 2>&1 || true; rm -rf "$scratch"' EXIT
"$bin/banger" daemon start > /dev/null
for _ in 1 2 3; do "$bin/banger" vm ls > /dev/null; done
times=()
for _ in $(seq 1 "$runs"); do
  start=$(date +%s%N)
  "$bin/banger" vm ls > /dev/null
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000 )))
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median_us=$(printf '%s\n' "$sorted" | awk -v n="$runs" 'NR == int((n + 1) / 2) {a = $1}
  NR == int(n / 2) + 1 {b = $1} END {print (n % 2 ? a : int((a + b) / 2))}')
min_us=$(printf '%s\n' "$sorted" | head -n 1)
max_us=$(printf '%s\n' "$sorted" | tail -n 1)
printf 'banger vm ls round trip over %d runs: median %d.%d ms (min %d.%d, max %d.%d)\n' \
  "$runs" $((median_us / 1000)) $((median_us % 1000 / 100)) $((min_us / 1000)) \
  $((min_us % 1000 / 100)) $((max_us / 1000)) $((max_us % 1000 / 100))
