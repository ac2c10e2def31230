#! /bin/sh
# Prepares everything a QEMU guest test needs, once, in CACHEDIR:
#
#   tests/qemu/prepare.sh CACHEDIR
#
# - installs the Debian packages the guest uses from the host's root (QEMU,
#   a static busybox for the initramfs, kmod, the verbs user space) and the
#   kernel headers that out-of-tree modules build against;
# - downloads Debian's kernel image (the ABI that linux-image-amd64 depends
#   on), extracts it into CACHEDIR/kimg and runs depmod;
# - builds CACHEDIR/initrd.cpio.gz, which mounts the host's root over 9p.
#
# Writes CACHEDIR/kver (e.g. 6.1.0-56-amd64).  Every step is skipped when it
# is already done.  The kernel is never installed on the host.

set -e
[ $# = 1 ] || { echo "usage: $0 CACHEDIR" >&2; exit 2; }
mkdir -p "$1"
cache=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)

# The ABI of Debian's current kernel: old linux-headers-6.1.0-NN packages
# leave the mirror after a point release, so never hard-code it.
kver=$(apt-cache depends linux-image-amd64 2>/dev/null \
       | sed -n 's/^ *Depends: linux-image-\(.*\)$/\1/p' | head -n 1)
if [ -z "$kver" ]; then
    apt-get update -q >/dev/null
    kver=$(apt-cache depends linux-image-amd64 \
           | sed -n 's/^ *Depends: linux-image-\(.*\)$/\1/p' | head -n 1)
fi
[ -n "$kver" ] || { echo "$0: cannot find linux-image-amd64's ABI" >&2; exit 1; }

# Not rdma-core: it pulls in udev, which upgrades systemd on the host; the
# guest needs only the verbs providers, and 'rdma' comes from iproute2.
packages="qemu-system-x86 busybox-static kmod iproute2 ibverbs-providers
  ibverbs-utils rdmacm-utils libibverbs-dev librdmacm-dev
  linux-headers-$kver"
missing=
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
        | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "prepare: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends $missing >/dev/null
fi

kimg=$cache/kimg
if [ ! -f "$kimg/boot/vmlinuz-$kver" ] \
       || [ ! -f "$kimg/lib/modules/$kver/modules.dep" ]; then
    echo "prepare: fetching and extracting linux-image-$kver"
    rm -rf "$kimg" "$cache"/linux-image-*.deb
    (cd "$cache" && apt-get download -q "linux-image-$kver" 2>/dev/null)
    dpkg-deb -x "$cache"/linux-image-"$kver"_*.deb "$kimg"
    rm -f "$cache"/linux-image-*.deb
    depmod -b "$kimg" "$kver"
fi

initrd=$cache/initrd.cpio.gz
if [ ! -f "$initrd" ] || [ "$here/guest-init.sh" -nt "$initrd" ]; then
    echo "prepare: building $initrd"
    root=$cache/initrd.d
    rm -rf "$root"
    mkdir -p "$root/bin" "$root/mods" "$root/proc" "$root/sys" "$root/dev" \
             "$root/lower" "$root/rw" "$root/newroot"
    cp /bin/busybox "$root/bin/busybox"
    cp "$here/guest-init.sh" "$root/init"
    chmod 755 "$root/init"
    # What mounting a 9p root needs; Debian builds these as modules.  The
    # order is the load order (dependencies first); builtins are skipped.
    n=0
    for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev \
             virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay; do
        f=$(find "$kimg/lib/modules/$kver" -name "$m.ko*" | head -n 1)
        [ -n "$f" ] || continue
        n=$((n + 1))
        case $f in
            *.xz) xz -dc "$f" > "$root/mods/$(printf %02d $n)-$m.ko" ;;
            *) cp "$f" "$root/mods/$(printf %02d $n)-$m.ko" ;;
        esac
    done
    (cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null) \
        | gzip -1 > "$initrd.tmp"
    mv "$initrd.tmp" "$initrd"
    rm -rf "$root"
fi
echo "$kver" > "$cache/kver"
echo "prepare: ready in $cache (kernel $kver)"
