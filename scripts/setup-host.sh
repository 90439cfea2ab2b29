#!/usr/bin/env bash
# Installs the Debian packages banger needs to build, test and run VMs on this host, and checks
# for Java 25. Idempotent: packages already present are left alone. Needs root (apt-get).
set -euo pipefail

packages=(
  # build: the static guest agent and its sanitizer and fuzz builds
  make gcc musl-tools clang libclang-rt-14-dev
  # VMs: QEMU microvm (TCG where KVM is unusable), disks, networking, ssh
  qemu-system-x86 qemu-utils e2fsprogs xfsprogs btrfs-progs util-linux iproute2 nftables iptables dmsetup
  openssh-client
  # images and kernels built from their recipes
  debootstrap busybox-static cpio zstd lz4 xz-utils jq dpkg-dev
  # lint, tests and benchmarks
  shellcheck socat hyperfine
)

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-host.sh installs Debian packages and needs root: run it with sudo" >&2
  exit 1
fi

# Kernel pulls and the recipes resolve the newest Debian packages: the lists must be current.
apt-get update -q
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

java_home=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
if ! "$java_home/bin/java" -version 2>&1 | grep -q 'version "25'; then
  echo "banger needs a Java 25 JDK; none at $java_home. Install one (e.g. Temurin 25) and set" \
    "JAVA_HOME" >&2
  exit 1
fi
if ! command -v mvn > /dev/null; then
  echo "installing: maven"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends maven
fi
echo "host ready: Java 25 at $java_home, $(mvn -v 2>/dev/null | head -n 1 | tr -d '\033')"
