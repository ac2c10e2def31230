#! /bin/sh
# PID 1 in the guest's final root (the host's root under an overlay): sets
# up the usual mounts, runs the command that run-guest.sh recorded in RUNDIR,
# leaves its exit status in RUNDIR/status and ends the guest through QEMU's
# isa-debug-exit port.
run=$1
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mkdir -p /run/netns /var/run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
hostname eipoib-guest
ip link set lo up

/bin/sh "$run/command.sh" </dev/null
status=$?
echo "$status" > "$run/status"
sync
echo "guest: command exited $status"
# isa-debug-exit: QEMU exits with (value << 1) | 1.
printf '\000' | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
echo 1 > /proc/sys/kernel/sysrq
echo o > /proc/sysrq-trigger
sleep 10
