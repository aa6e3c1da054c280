#!/bin/bash
# vipd in one minute: a Redis master, a replica and three Sentinels in
# private network namespaces on this machine, vipd on both data nodes, and a
# client writing through one floating address while the master crashes.
#
#   sudo tests/demo.sh
#
# It installs the Debian packages it needs (tests/deps.sh), builds vipd in
# ./build if that has not been done, and removes everything it created when
# it ends, however it ends. The host's own interfaces are never touched: the
# demo network is 192.0.2.0/24 (a documentation range) behind a bridge that
# lives in a namespace of its own.
#
# Environment: VIPD_BUILD_DIR (default ./build), CLUSTER_KEEP=1 keeps the logs.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
step_n=0
step() { step_n=$((step_n + 1)); printf '\n== Step %d: %s\n' "$step_n" "$*"; }
say() { printf '   %s\n' "$*"; }
indent() { sed 's/^/      /'; }
die() { printf '\ndemo: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
	echo "The demo builds network namespaces and runs Redis in them: run it as root" >&2
	echo "(sudo $0)." >&2
	exit 1
fi

step "Debian packages (redis-server, redis-sentinel, build dependencies)"
# shellcheck source=tests/deps.sh
. "$top/tests/deps.sh"
deps_install || die "could not install the packages above"
say "all present: ${VIPD_DEPS[*]}"

step "Build vipd"
build=${VIPD_BUILD_DIR:-$top/build}
[ -f "$top/Makefile" ] && build=$top	# already configured in the source tree
if [ ! -f "$build/Makefile" ]; then
	say "configuring in $build"
	[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh >/dev/null) || die "autogen.sh failed"
	mkdir -p "$build" || die "cannot create $build"
	(cd "$build" && "$top/configure" -q) || die "configure failed"
fi
make -s -C "$build" -j"$(nproc)" src/vipd src/vipctl tests/net/writer tests/net/sampler ||
	die "the build failed"
say "$build/src/vipd and vipctl are ready"

export top_srcdir=$top top_builddir=$build
# shellcheck source=tests/lib/netns.sh
. "$top/tests/lib/netns.sh"
# shellcheck source=tests/lib/cluster.sh
. "$top/tests/lib/cluster.sh"
say_cleanup() { printf '\n== Cleaning up: stopping every process the demo started, deleting its namespaces\n'; }
NS_CLEANUP_HOOKS+=(say_cleanup)

show_vip() {
	local n
	for n in n1 n2; do
		printf '      %s eth0: %s\n' "$n" "$(ip -n "$(ns_name "$n")" -4 -o addr show dev eth0 |
			awk '{ printf "%s ", $4 }')"
	done
}

step "A private network: five namespaces on one bridge"
cluster_net || die "could not create the namespaces"
say "n1 192.0.2.11   redis-server (master)  + redis-sentinel + vipd"
say "n2 192.0.2.12   redis-server (replica) + redis-sentinel + vipd"
say "n3 192.0.2.13                            redis-sentinel"
say "c  192.0.2.50   the application: writes to 192.0.2.100:6379, knows nothing about Sentinel"
# cluster_up would build the network again; do the rest of it by hand
cluster_start_redis n1 || die "redis-server did not start on n1"
cluster_start_redis n2 n1 || die "redis-server did not start on n2"
wait_for 15 cluster_replica_synced n2 || die "the replica did not sync"

step "Redis on n1 and n2, three Sentinels (sentinel monitor mymaster 192.0.2.11 6379 2)"
for n in $CLUSTER_SENTINEL_NODES; do cluster_start_sentinel "$n" || die "sentinel on $n"; done
cluster_sentinel_short_periods || die "SENTINEL DEBUG failed"
say "down-after-milliseconds 1000; the Sentinels' INFO/hello periods shortened to 1 s / 0.5 s"
say "(SENTINEL DEBUG) so that the demo fits in a minute; production keeps the defaults."
wait_for 30 cluster_sentinels_ready || die "the sentinels did not find each other"
for n in $CLUSTER_SENTINEL_NODES; do
	say "sentinel on $n names the master: $(cluster_master_of "$n")"
done

step "vipd on n1 and n2: the VIP 192.0.2.100 goes where the master is"
cluster_vipd_conf n1 | indent
for n in $CLUSTER_DATA_NODES; do cluster_start_vipd "$n" || die "vipd did not start on $n"; done
wait_for 10 cluster_holders_are n1 || die "the VIP did not appear on n1 (see $CLUSTER_DIR/n1/vipd.log)"
show_vip
for n in n1 n2; do
	say "vipctl show on $n:"
	cluster_vipctl "$n" show | indent
done

step "The application starts writing SET seq:<n> through 192.0.2.100, every 10 ms"
cluster_start_sampler 10 || die "the sampler did not start"
tcpdump_ok=0
if command -v tcpdump >/dev/null; then
	ns_bg c "$CLUSTER_DIR/c/arp.txt" tcpdump -l -n -e -i eth0 arp && tcpdump_ok=1
fi
cluster_start_writer || die "the writer did not start"
sleep 2
say "acknowledged so far: $(cluster_writer_acks) writes, all by $(cluster_writer_acks_by_node | awk '{ print $3 }' | sort -u | tr '\n' ' ')"
say "the client's ARP entry for the VIP: $(ip -n "$(ns_name c)" neigh show "$CLUSTER_VIP")"

step "kill -9 the master redis-server on n1"
cluster_kill_redis n1
t_kill=$(cluster_now)
say "killed. Sentinel needs ~1 s to call it down, then elects a leader and promotes n2;"
say "vipd on n1 lets the VIP go, vipd on n2 takes it once a majority of Sentinels name n2."
wait_for 15 cluster_holders_are n2 || die "the VIP did not move to n2"
say "VIP on n2 $(cluster_ms_to_s $(($(cluster_now) - t_kill))) s after the kill:"
show_vip
ack_on_n2() { cluster_writer_acks_by_node | awk -v k="$t_kill" '$2 >= k && $3 == "192.0.2.12" { f = 1 } END { exit !f }'; }
wait_for 10 ack_on_n2 || die "the application got no answer from n2"
say "the client's ARP entry now: $(ip -n "$(ns_name c)" neigh show "$CLUSTER_VIP")"
if [ "$tcpdump_ok" = 1 ]; then
	mac2=$(ip -n "$(ns_name n2)" -o link show eth0 | awk '{ for (i = 1; i < NF; i++) if ($i == "link/ether") print $(i + 1) }')
	say "gratuitous ARP from n2 ($mac2) seen by the client (tcpdump in c, first 2):"
	grep "^[0-9:.]* $mac2 > ff:ff:ff:ff:ff:ff" "$CLUSTER_DIR/c/arp.txt" | head -n 2 | indent
fi

step "The old master comes back: empty, and saying role:master until Sentinel converts it"
sleep 0.5
t_restart=$(cluster_now)
cluster_start_redis n1 || die "redis-server on n1 did not restart"
say "n1 restarted; ROLE on n1: $(cluster_role n1), Sentinels still name $(cluster_master_of n3)"
n1_is_replica() { [ "$(cluster_role n1)" = slave ]; }
wait_for 30 n1_is_replica || die "Sentinel did not convert n1"
say "Sentinel converted n1 to a replica after $(cluster_ms_to_s $(($(cluster_now) - t_restart))) s;" \
	"the VIP stayed where it was:"
show_vip
sleep 1
cluster_stop_writer
cluster_stop_sampler

step "What happened, as measured"
st=$(cluster_sampler_stats "$t_kill")
say "who held 192.0.2.100 (sampled every 10 ms in every namespace; s after the kill):"
cluster_sampler_timeline "$t_kill" | indent
say "$(cluster_kv "$st" samples) samples, $(cluster_kv "$(cluster_sampler_stats 0)" multi) with two holders"
w=$(cluster_writer_stats "$t_kill")
say "the application: $(cluster_kv "$w" acks_before) writes acknowledged before the kill," \
	"$(cluster_kv "$w" acks_after) after it"
say "outage: the first write after the kill was acknowledged $(cluster_ms_to_s "$(cluster_kv "$w" outage)") s" \
	"after it, by $(cluster_kv "$w" first_after_on); longest wait between two acknowledgements:" \
	"$(cluster_ms_to_s "$(cluster_kv "$w" max_gap)") s"
say "writes acknowledged by the restarted old master n1: $(cluster_kv "$w" after_on_n1)"
say "writes acknowledged by n2 but missing on n2: $(cluster_missing_on n2 192.0.2.12)"

step "vipctl on n2 and n1"
for n in n2 n1; do
	say "vipctl show on $n:"
	cluster_vipctl "$n" show | indent
done
say "(logs: $CLUSTER_DIR, removed now unless CLUSTER_KEEP=1)"
