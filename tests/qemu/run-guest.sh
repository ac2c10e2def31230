#! /bin/sh
# Runs a command as root in a QEMU guest that boots Debian's kernel (prepared
# by prepare.sh in CACHEDIR) on the host's own root, read-only over 9p with
# a tmpfs overlay, so host binaries and build trees work unchanged:
#
#   tests/qemu/run-guest.sh CACHEDIR COMMAND [ARG...]
#
# COMMAND runs in the current directory with the current environment, and
# with that kernel's modules available to modprobe.  Its output is the serial
# console's.  The exit status is COMMAND's, or 77 when QEMU cannot run here.
# Writes in the guest are lost, except under $EIPOIB_QEMU_RW (one directory,
# shared read-write at the same path).
#
# Environment: EIPOIB_QEMU_MEM (MiB, default 2048), EIPOIB_QEMU_SMP
# (default 2), EIPOIB_QEMU_TIMEOUT (seconds, default 1800),
# EIPOIB_QEMU_ACCEL (default tcg: KVM here is nested PVM, which cannot boot a
# stock kernel).

set -e
[ $# -ge 2 ] || { echo "usage: $0 CACHEDIR COMMAND [ARG...]" >&2; exit 2; }
cache=$(cd "$1" && pwd)
shift
here=$(cd "$(dirname "$0")" && pwd)

skip() { echo "run-guest: skipped: $*"; exit 77; }
command -v qemu-system-x86_64 >/dev/null 2>&1 \
    || skip "qemu-system-x86_64 is not installed (run tests/qemu/prepare.sh)"
[ -f "$cache/kver" ] || skip "$cache is not prepared (run tests/qemu/prepare.sh)"
kver=$(cat "$cache/kver")
[ "$(id -u)" = 0 ] || skip "QEMU's 9p root needs root on the host"

run=$(mktemp -d /tmp/eipoib-qemu-run.XXXXXX)
trap 'rm -rf "$run"' EXIT
cp "$here/guest-main.sh" "$run/"
{
    echo "# Recorded by run-guest.sh."
    # bash (make's $(SHELL) may be bash) prints "declare -x": make it sh.
    export -p | sed 's/^declare -[a-zA-Z]* /export /' \
        | grep -v -E '^export (PWD|OLDPWD|SHLVL|HOSTNAME|TERM|TMPDIR|SSH_[A-Z_]*)(=|$)'
    printf 'cd %s || exit 125\n' "$(pwd)"
    printf 'exec'
    for a in "$@"; do
        printf " '%s'" "$(printf '%s' "$a" | sed "s/'/'\\\\''/g")"
    done
    printf '\n'
} > "$run/command.sh"

rw_args=
rw_append=
if [ -n "${EIPOIB_QEMU_RW:-}" ]; then
    rw=$(cd "$EIPOIB_QEMU_RW" && pwd)
    rw_args="-virtfs local,path=$rw,mount_tag=rwshare,security_model=none,multidevs=remap"
    rw_append="eipoib.rw=$rw"
fi

accel=${EIPOIB_QEMU_ACCEL:-tcg}
cpu=max
status=0
timeout "${EIPOIB_QEMU_TIMEOUT:-1800}" \
qemu-system-x86_64 -accel "$accel" -cpu $cpu \
    -m "${EIPOIB_QEMU_MEM:-2048}" -smp "${EIPOIB_QEMU_SMP:-2}" \
    -display none -vga none -monitor none -serial stdio -no-reboot \
    -kernel "$cache/kimg/boot/vmlinuz-$kver" -initrd "$cache/initrd.cpio.gz" \
    -append "console=ttyS0 panic=-1 quiet eipoib.kver=$kver eipoib.kmods=$cache/kimg/lib/modules/$kver eipoib.run=$run $rw_append" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -virtfs "local,path=$run,mount_tag=run,security_model=none,multidevs=remap" \
    $rw_args \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -nic user,model=virtio-net-pci,restrict=on </dev/null || status=$?

if [ ! -f "$run/status" ]; then
    echo "run-guest: the guest ended without a result (qemu exit status $status)"
    exit 1
fi
exit "$(cat "$run/status")"
