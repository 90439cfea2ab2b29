#!/bin/busybox sh
# /init of the test guest's initramfs: loads the virtio modules, reports what the guest sees on
# the serial console, echoes whatever arrives on the banger.agent virtio serial port, and powers
# off when the ACPI power button is pressed (unless banger.test=ignore-powerdown is given).
B=/bin/busybox
$B mount -t proc proc /proc
$B mount -t sysfs sys /sys
$B mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_mmio virtio_blk failover net_failover virtio_net \
    virtio_console evdev button; do
  $B insmod /lib/modules/$m.ko
done
echo "banger-test: disks: $($B ls /sys/block | $B tr '\n' ' ')"
echo "banger-test: net: $($B ls /sys/class/net | $B tr '\n' ' ')"
for n in /sys/class/net/eth*; do
  [ -e "$n/address" ] && echo "banger-test: mac ${n##*/} $($B cat "$n/address")"
done
port=""
for p in /sys/class/virtio-ports/*; do
  [ "$($B cat "$p/name")" = banger.agent ] && port=/dev/${p##*/}
done
button=""
for e in /sys/class/input/event*; do
  [ "$($B cat "$e/device/name")" = "Power Button" ] && button=/dev/input/${e##*/}
done
if [ -n "$port" ]; then
  # A port opens only once, so one read-write descriptor serves both directions. A read
  # returns end-of-file while no host client is connected: keep reopening.
  (while true; do $B cat 0<>"$port" 1>&0; $B sleep 0.2; done) &
fi
if $B grep -q banger.test=ignore-powerdown /proc/cmdline || [ -z "$button" ]; then
  echo "banger-test: ready port=$port button=$button"
  while true; do $B sleep 3600; done
fi
# Open the button before announcing readiness, so that no press after "ready" is missed.
exec 4<"$button"
echo "banger-test: ready port=$port button=$button"
$B dd bs=24 count=1 of=/dev/null <&4 2>/dev/null
echo "banger-test: power button pressed"
$B poweroff -f
