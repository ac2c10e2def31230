#!/bin/busybox sh
# /init of the guest's initramfs (see prepare.sh): mounts the host's root
# read-only over 9p under a tmpfs overlay, binds the guest kernel's modules
# and the run directory, and hands over to guest-main.sh in the new root.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev

fail() {
    echo "guest-init: $*"
    echo 1 > /proc/sys/kernel/sysrq
    echo o > /proc/sysrq-trigger
    sleep 5
}

for m in /mods/*.ko; do
    [ -e "$m" ] && insmod "$m"
done

arg() { sed -n "s/.*eipoib\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
kver=$(arg kver)
kmods=$(arg kmods)
run=$(arg run)
rw=$(arg rw)

opts=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o $opts,ro,cache=loose hostroot /lower || fail "no 9p root"
mount -t tmpfs -o size=1g tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay \
      -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot \
    || fail "no overlay"
mkdir -p /newroot/lib/modules/$kver
mount --bind /newroot$kmods /newroot/lib/modules/$kver
mount -t 9p -o $opts run /newroot$run || fail "no run directory"
if [ -n "$rw" ]; then
    mount -t 9p -o $opts rwshare /newroot$rw || fail "no $rw"
fi
umount /proc /sys /dev 2>/dev/null
exec switch_root /newroot /bin/sh $run/guest-main.sh $run
