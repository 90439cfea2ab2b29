#!/bin/sh
# Test-only boot set for the agent's QEMU end-to-end test and benchmark: Debian's cloud kernel
# (downloaded once into the cache) and a small initramfs with busybox, the virtio modules and
# the agent, which runs as PID 1 in init mode. The production initramfs is built elsewhere
# (module artifacts); this one exists only to put the agent in a real guest.
#
# usage: make-initramfs.sh CACHE_DIR AGENT_BINARY OUT_DIR
# prints KERNEL=<bzImage> and INITRD=<cpio archive>
# exit 3: the kernel package could not be downloaded (no Debian mirror reachable)
set -eu

cache=$1
agent=$2
out=$3
modules="virtio_ring virtio virtio_mmio virtio_console failover net_failover virtio_net"

fetch_kernel() {
    kdir=$cache/kernel
    if [ -f "$kdir/ready" ]; then
        return 0
    fi
    rm -rf "$kdir"
    mkdir -p "$kdir"
    pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' \
        | sed 's/ .*//' | sort -V | tail -n 1)
    if [ -z "$pkg" ]; then
        echo "no linux-image-6.1.0-*-cloud-amd64 package known to apt (run apt-get update)" >&2
        exit 3
    fi
    if ! (cd "$kdir" && apt-get download -q "$pkg" >&2); then
        echo "apt-get download $pkg failed" >&2
        exit 3
    fi
    dpkg-deb -x "$kdir"/*.deb "$kdir/root"
    rm -f "$kdir"/*.deb
    touch "$kdir/ready"
}

copy_module() {
    found=$(find "$moddir" -name "$1.ko*" | head -n 1)
    if [ -z "$found" ]; then
        echo "module $1 not found under $moddir" >&2
        exit 1
    fi
    case $found in
        *.xz) xz -dc "$found" > "$root/lib/modules/$1.ko" ;;
        *.zst) zstd -q -dc "$found" > "$root/lib/modules/$1.ko" ;;
        *) cp "$found" "$root/lib/modules/$1.ko" ;;
    esac
}

fetch_kernel
vmlinuz=$(find "$cache/kernel/root/boot" -name "vmlinuz-*" | head -n 1)
moddir=$(find "$cache/kernel/root/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n 1)

root=$out/initramfs-root
rm -rf "$root"
mkdir -p "$root/bin" "$root/lib/modules" "$root/etc" "$root/dev" "$root/proc" "$root/sys" \
    "$root/tmp" "$root/root" "$root/run"
busybox=$(command -v busybox)
cp "$busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
cp "$agent" "$root/bin/banger-vsock-agent"
for m in $modules; do
    copy_module "$m"
done
mknod "$root/dev/console" c 5 1
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
    > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
cat > "$root/init" <<INIT
#!/bin/sh
# Modules in dependency order (virtio_ring before virtio), then the agent as PID 1.
for m in $modules; do
    insmod /lib/modules/\$m.ko || echo "init: insmod \$m failed"
done
exec /bin/banger-vsock-agent --init -- /bin/sh -c 'echo "entrypoint ran as pid \$\$"'
INIT
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) > "$out/initramfs.cpio"
rm -rf "$root"
echo "KERNEL=$vmlinuz"
echo "INITRD=$out/initramfs.cpio"
