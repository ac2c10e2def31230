#! /bin/sh
# The eIPoIB demo.  Usage: utilities/demo.sh BUILD_DIR
#
# Starts a private ovsdb-server and this project's ovs-vswitchd in a
# scratch directory, shows that the "eipoib" interface type and the
# eipoib/ commands are there, adds an eipoib uplink and shows what it says
# about itself, then stops everything.  (The full two-hypervisor demo with
# VMs in namespaces comes with the demo issue.)

set -e
build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
ovs=$(sed -n "s/^OVS_BUILDDIR = //p" "$build/Makefile")
PATH=$build/vswitchd:$ovs/utilities:$ovs/ovsdb:$PATH

run=$(mktemp -d /tmp/eipoib-demo.XXXXXX)
OVS_RUNDIR=$run OVS_LOGDIR=$run OVS_DBDIR=$run OVS_SYSCONFDIR=$run
export OVS_RUNDIR OVS_LOGDIR OVS_DBDIR OVS_SYSCONFDIR

cleanup() {
    for d in ovs-vswitchd ovsdb-server; do
        [ -f "$run/$d.pid" ] && ovs-appctl -t "$run/$d.$(cat "$run/$d.pid").ctl" exit >/dev/null 2>&1 || true
    done
    rm -rf "$run"
}
trap cleanup EXIT INT TERM

step() { printf '\n$ %s\n' "$*"; "$@"; }

ovsdb-tool create "$run/conf.db" "$(sed -n "s/^OVS_SRCDIR = //p" "$build/Makefile")/vswitchd/vswitch.ovsschema"
ovsdb-server --detach --no-chdir --pidfile --log-file \
    --remote=punix:"$run/db.sock" "$run/conf.db"
ovs-vsctl --no-wait init
ovs-vswitchd --detach --no-chdir --pidfile --log-file \
    --enable-dummy --disable-system --disable-system-route

status=0
step ovs-vswitchd --version | head -1
step ovs-vsctl get Open_vSwitch . iface_types
ovs-vsctl get Open_vSwitch . iface_types | grep -qw eipoib || status=1
step ovs-appctl list-commands | grep eipoib/ || status=1
step ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy
step ovs-vsctl add-port br0 ib0 -- set interface ib0 type=eipoib || true
step ovs-vsctl get interface ib0 error
step ovs-appctl eipoib/show
if [ $status = 0 ]; then
    echo "\nPASS: ovs-vswitchd has the eipoib interface type and commands."
else
    echo "\nFAIL: eipoib is not registered in ovs-vswitchd." >&2
fi
exit $status
