#!/bin/busybox sh
# /init of banger's initramfs for Debian kernels (see docs/guest-boot-contract.md):
# load the virtio and vsock modules listed in /etc/banger/modules (dependency order, computed
# on the host from modules.dep), wait for the root= device, mount it and switch_root into
# init= (default /sbin/init). On any failure, say why on the console and drop to a shell.

/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /run /tmp /newroot
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin

log() {
  echo "banger-init: $*"
}

rescue() {
  echo "banger-init: ERROR: $*"
  echo "banger-init: kernel command line: $(cat /proc/cmdline 2>/dev/null)"
  echo "banger-init: dropping to a shell"
  exec sh
}

mount -t proc -o nosuid,nodev,noexec proc /proc || rescue "cannot mount /proc"
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys || rescue "cannot mount /sys"
mount -t devtmpfs -o nosuid,mode=0755 devtmpfs /dev || rescue "cannot mount /dev"

root=""
rootfstype=""
rootflags=""
mode="ro"
init="/sbin/init"
rootwait=30
# The command line is one line of words: splitting it into words is what we want.
# shellcheck disable=SC2013
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    root=*) root="${arg#root=}" ;;
    rootfstype=*) rootfstype="${arg#rootfstype=}" ;;
    rootflags=*) rootflags="${arg#rootflags=}" ;;
    rw) mode="rw" ;;
    ro) mode="ro" ;;
    init=*) init="${arg#init=}" ;;
    banger.rootwait=*) rootwait="${arg#banger.rootwait=}" ;;
  esac
done

loaded=""
while read -r name path; do
  [ -n "$name" ] || continue
  log "loading module $name"
  insmod "$path" || rescue "cannot load module $name from $path"
  loaded="$loaded $name"
done < /etc/banger/modules
log "modules loaded:$loaded"

[ -n "$root" ] || rescue "no root= on the kernel command line"

resolve_root() {
  case "$root" in
    UUID=* | LABEL=*) findfs "$root" 2>/dev/null ;;
    *) echo "$root" ;;
  esac
}

# Devices appear asynchronously once virtio_mmio has probed; wait, but not forever.
ticks=0
device="$(resolve_root)"
while [ -z "$device" ] || [ ! -b "$device" ]; do
  if [ "$ticks" -ge $((rootwait * 10)) ]; then
    rescue "root device $root did not appear within ${rootwait}s"
  fi
  sleep 0.1
  ticks=$((ticks + 1))
  device="$(resolve_root)"
done
log "root device $device is present"

options="$mode"
[ -n "$rootflags" ] && options="$options,$rootflags"
if [ -n "$rootfstype" ]; then
  mount -t "$rootfstype" -o "$options" "$device" /newroot ||
    rescue "cannot mount $device ($rootfstype, $options) on /newroot"
else
  mount -o "$options" "$device" /newroot || rescue "cannot mount $device ($options) on /newroot"
fi

if [ ! -e "/newroot$init" ] && [ ! -L "/newroot$init" ]; then
  umount /newroot
  rescue "init $init does not exist on root device $device"
fi

# The new root keeps the kernel's /dev, /proc and /sys instead of mounting them again.
for fs in dev proc sys; do
  if [ -d "/newroot/$fs" ]; then
    mount --move "/$fs" "/newroot/$fs" || rescue "cannot move /$fs into the new root"
  else
    umount -l "/$fs"
  fi
done

log "switching to $init on $device"
exec switch_root /newroot "$init" "$@"
