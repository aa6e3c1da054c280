#!/bin/bash
# Routed mode end to end: the VIP on the data nodes' loopback, announced as a
# /32 by FRR (eBGP + BFD) to a router, the client one hop behind the router
# (tests/lib/routed.sh has the topology: n1 and n2 in different subnets, the
# third Sentinel in a third, the client in a fourth; the VIP in none).
#
#  a. the sysctls: with arp_ignore=1 the VIP on lo does not answer ARP on
#     the node's Ethernet link (with 0 it does: the probe can see it);
#     vipd's interface reading says lo has no ARP; README's FRR
#     configurations pass FRR's syntax check (vtysh -C);
#  b. FRR up: the router's BGP and BFD sessions with n1 and n2; the route
#     sampler (the router's kernel table every 20 ms) shows two paths when
#     both nodes have the address, none when neither has: the oracle works;
#     a route to the VIP on a node (not the address) announces nothing;
#  c. vipd on n1 and n2: the router routes the VIP to n1 only; the address
#     is on n1's lo as vipd puts it (/32, label lo:vip, deprecated); the
#     client writes through the VIP (Redis bound to it, ip_nonlocal_bind);
#  d. kill -9 of n1's redis-server: the route moves to n2 and only n2, the
#     client resumes on n2, the restarted n1 (empty, role:master until
#     Sentinel converts it) never gets the route back, no sample has paths
#     to both nodes, no write acknowledged by n1 after the kill, every write
#     n2 acknowledged is on n2; no ARP for the VIP anywhere, vipd counted
#     no gratuitous ARP frame;
#  e. n2 "loses power" (its link disappears, then its processes die): the
#     router withdraws n2's route through BFD (its bgpd logs the BFD down;
#     the hold timer is 9 s, the check allows 5 s; the figure is reported),
#     Sentinel promotes n1, the route moves to n1, the client resumes on n1.
# Figures (outage, withdrawal times, where the time went) are TAP comments.
# About 20 s.
#
# Environment:
#   CLUSTER_KEEP=1    keep the logs directory (always kept when a check failed)
#   VIPD_SKIP_NET=1   skip (used by make distcheck)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

tests=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib/netns.sh
. "$tests/lib/netns.sh"
# shellcheck source=tests/lib/cluster.sh
. "$tests/lib/cluster.sh"
# shellcheck source=tests/lib/routed.sh
. "$tests/lib/routed.sh"

[ "${VIPD_SKIP_NET:-0}" = 1 ] && tap_skip_all "VIPD_SKIP_NET=1"
ns_require_root
lacking="$(cluster_missing_tools) $(routed_missing_tools)"
[ -z "${lacking// /}" ] || tap_skip_all "missing: $lacking"
{ [ -x "$CLUSTER_VIPD" ] && [ -x "$CLUSTER_VIPCTL" ]; } || tap_skip_all "vipd/vipctl not built in $top_builddir/src"
VIPWIRE="$top_builddir/tests/net/vipwire"
[ -x "$VIPWIRE" ] || tap_skip_all "$VIPWIRE not built (make check builds it)"
# Sentinel refuses a second failover of a master for 2 x failover-timeout
# after the first; 3 s keeps the node power-off of part e within the run.
CLUSTER_FAILOVER_TIMEOUT=3000

show_logs() {
	local n f
	[ "$TAP_FAILED" -gt 0 ] || return 0
	cluster_show_logs 25 vipd.log frr/bgpd.log
	for f in bgpd.log bfdd.log; do
		[ -s "$CLUSTER_DIR/r/frr/$f" ] || continue
		diag "--- last lines of $CLUSTER_DIR/r/frr/$f"
		tail -n 20 "$CLUSTER_DIR/r/frr/$f" | sed 's/^/#   /'
	done
	for n in r n1 n2; do
		diag "--- $n: show bgp summary / show bfd peers brief"
		routed_vtysh "$n" "show bgp summary" "show bfd peers brief" | sed 's/^/#   /'
	done
}
bail() { not_ok "$*"; show_logs; tap_done; exit 1; }

ns_r() { ns_exec r "$@"; }
t_start=$(cluster_now)

# --- a. network, sysctls, interface flags ------------------------------------------------
routed_net || bail "routed network: namespaces, links, routes, sysctls"
ok "routed network: n1 ${CLUSTER_IP[n1]}/26, n2 ${CLUSTER_IP[n2]}/26, n3 ${CLUSTER_IP[n3]}/24, client ${CLUSTER_IP[c]}/26 behind the router"

# The router asks, on n1's link, who has the VIP (a host route for it
# pointing at that link, and a TCP connection attempt to make the kernel
# resolve it): n1 has the VIP on lo. Answered = the router's neighbour
# entry for the VIP got a link-layer address.
arp_answered() {
	ip -n "$(ns_name r)" neigh flush dev "${ROUTED_RIF[n1]}" 2>/dev/null
	ns_r timeout 1 bash -c "exec 3<>/dev/tcp/$CLUSTER_VIP/$CLUSTER_REDIS_PORT" 2>/dev/null
	ip -n "$(ns_name r)" neigh show "$CLUSTER_VIP" dev "${ROUTED_RIF[n1]}" | grep -q lladdr
}
ip -n "$(ns_name n1)" addr add "$CLUSTER_VIP/32" dev lo
ip -n "$(ns_name r)" route add "$CLUSTER_VIP/32" dev "${ROUTED_RIF[n1]}"
if arp_answered; then
	not_ok "a: with arp_ignore=1 the VIP on n1's lo does not answer ARP on eth0"
else
	ok "a: with arp_ignore=1 the VIP on n1's lo does not answer ARP on eth0"
fi
routed_sysctl n1 net.ipv4.conf.all.arp_ignore=0
check "a: (control) with arp_ignore=0 it does" arp_answered
routed_sysctl n1 net.ipv4.conf.all.arp_ignore=1
ip -n "$(ns_name r)" route del "$CLUSTER_VIP/32" dev "${ROUTED_RIF[n1]}"
ip -n "$(ns_name r)" neigh flush dev "${ROUTED_RIF[n1]}"
ip -n "$(ns_name n1)" addr del "$CLUSTER_VIP/32" dev lo

link_says() { [ "$(ns_exec n1 "$VIPWIRE" link "$1" | awk '{ print $4 }')" = "$2" ]; }
check "a: vipd's interface reading: lo has no ARP (IFF_LOOPBACK)" link_says lo noarp
check "a: vipd's interface reading: eth0 has ARP" link_says eth0 arp
ns_exec n1 ip link set eth0 arp off
check "a: vipd's interface reading: eth0 with arp off has no ARP (IFF_NOARP)" link_says eth0 noarp
ns_exec n1 ip link set eth0 arp on
if ns_exec n1 ip link add vipd-d0 type dummy 2>/dev/null; then
	ns_exec n1 ip link set vipd-d0 up
	check "a: vipd's interface reading: a dummy device has no ARP" link_says vipd-d0 noarp
	ns_exec n1 ip link del vipd-d0
else
	skip "a: this kernel has no dummy devices"
fi

# README's routed-mode section gives complete FRR configurations for a data
# node and the router (integrated frr.conf): FRR's own syntax check.
readme_confs() {
	awk -v dir="$CLUSTER_DIR" '
		/^```/ { if (inb) { if (f) close(out); inb = f = 0 } else { inb = first = 1 } next }
		inb && first { first = 0; if ($0 ~ /^frr defaults/) { n++; out = dir "/readme." n ".conf"; f = 1 } }
		f { print > out }
		END { print n + 0 }' "$top_srcdir/README.md"
}
if [ -r "$top_srcdir/README.md" ]; then
	nconf=$(readme_confs)
	conf_ok() { local f; for f in "$CLUSTER_DIR"/readme.*.conf; do vtysh -C -f "$f" >/dev/null 2>&1 || return 1; done; }
	check "a: README's FRR configurations ($nconf) pass vtysh -C" test "$nconf" = 2 -a -n "$(conf_ok && echo y)"
else
	skip "a: README.md not found in $top_srcdir"
fi

# --- b. Redis, Sentinel, FRR; the oracle ---------------------------------------------------
cluster_start_redis n1 || bail "redis on n1 starts"
cluster_start_redis n2 n1 || bail "redis on n2 starts"
for n in $ROUTED_FRR_NODES; do
	routed_start_frr "$n" || bail "b: FRR (zebra, bfdd, bgpd) starts on $n"
done
for n in $CLUSTER_SENTINEL_NODES; do
	cluster_start_sentinel "$n" || bail "sentinel on $n starts"
done
cluster_sentinel_short_periods || bail "SENTINEL DEBUG info-period 1000 publish-period 500"
wait_for 15 cluster_replica_synced n2 || bail "n2 syncs from n1 across the router"
wait_for 30 cluster_sentinels_ready || bail "the three sentinels (three subnets) discover each other and the replica"
ok "b: n1 master, n2 replica in sync, three sentinels in three subnets naming n1"
both_sessions_up() { routed_session_up n1 && routed_session_up n2; }
check "b: the router's BGP sessions with n1 and n2 are established, BFD up" wait_for 20 both_sessions_up
bfd_timers=$(routed_vtysh r "show bfd peer ${CLUSTER_IP[n1]}" | awk -F': ' '
	/Local timers/ { l = 1 } /Remote timers/ { l = 0 }
	l && /Detect-multiplier|Receive interval|Transmission interval/ { gsub(/^[ \t]+/, "", $1); printf "%s%s %s", s, $1, $2; s = ", " }')
diag "b: BFD with n1 as the router sees it: $bfd_timers"

# Where the router sends the VIP, every 20 ms, from here to the end.
routed_start_sampler 20 || bail "b: the route sampler starts"
ip -n "$(ns_name n1)" addr add "$CLUSTER_VIP/32" dev lo
ip -n "$(ns_name n2)" addr add "$CLUSTER_VIP/32" dev lo
check "b: (oracle) with the address on both nodes by hand the router has two paths" \
	wait_for 5 routed_paths_are n1,n2
ip -n "$(ns_name n1)" addr del "$CLUSTER_VIP/32" dev lo
ip -n "$(ns_name n2)" addr del "$CLUSTER_VIP/32" dev lo
check "b: (oracle) with the address on neither, no route" wait_for 5 routed_paths_are -
# What the data node's bgpd announces is the connected route of the address,
# not any route to the VIP (which `network` with import-check would accept).
ip -n "$(ns_name n1)" route add "$CLUSTER_VIP/32" via "${ROUTED_GW[n1]}"
sleep 1
check "b: a route to the VIP on n1 (not the address) makes its bgpd announce nothing" routed_paths_are -
ip -n "$(ns_name n1)" route del "$CLUSTER_VIP/32" via "${ROUTED_GW[n1]}"

# --- c. vipd ------------------------------------------------------------------------------------
# Every ARP frame about the VIP in the router and both nodes (lo included).
for n in r n1 n2; do
	ns_bg "$n" "$CLUSTER_DIR/arp.$n" tcpdump -i any -n -l "arp and host $CLUSTER_VIP" || bail "tcpdump in $n"
	CLUSTER_MONITOR_PIDS+=("$NS_LAST_PID")
done
for n in r n1 n2; do
	wait_for 5 grep -q "listening on" "$CLUSTER_DIR/arp.$n" || bail "c: tcpdump in $n listens"
done
t_vipd=$(cluster_now)
for n in $CLUSTER_DATA_NODES; do
	cluster_start_vipd "$n" || bail "c: vipd starts on $n"
done
ok "c: vipd running on n1 and n2 (interface lo)"
check "c: the router routes the VIP to n1 and only n1" wait_for 10 routed_paths_are n1
diag "c: $(ip -n "$(ns_name n1)" -o -4 addr show dev lo | grep " $CLUSTER_VIP/" | tr -s ' ')"
lo_addr_ok() {
	ip -n "$(ns_name n1)" -o -4 addr show dev lo |
		grep -Eq " inet $CLUSTER_VIP/32 .*deprecated lo:vip"
}
check "c: on n1, lo has $CLUSTER_VIP/32, label lo:vip, deprecated (vipd's preferred_lft 0)" lo_addr_ok
check "c: vipd on n1 says lo has no ARP, so no gratuitous ARP" \
	grep -q "lo has no ARP/NDP" "$CLUSTER_DIR/n1/vipd.log"
cluster_start_writer || bail "c: the writer starts"
writer_acks_over() { [ "$(cluster_writer_acks)" -gt "$1" ]; }
check "c: the client writes through the VIP, routed to n1, and gets acknowledgements" \
	wait_for 5 writer_acks_over 50
first_bind=$(awk '$1 == "connected" { print $4; exit }' "$CLUSTER_DIR/c/writer.log")
check "c: the server that answered through the VIP is n1 ($first_bind)" test "$first_bind" = "${CLUSTER_IP[n1]}"
sleep 1

# --- d. the master crashes ---------------------------------------------------------------------
cluster_kill_redis n1
t_kill=$(cluster_now)
real_kill=$EPOCHREALTIME
diag "d: kill -9 of n1's redis-server at t=0"
check "d: the router's route for the VIP moves to n2 and only n2 (within 15 s)" \
	wait_for 15 routed_paths_are n2
acked_by_n2_after_kill() {
	cluster_writer_acks_by_node |
		awk -v k="$t_kill" -v ip="${CLUSTER_IP[n2]}" '$2 >= k && $3 == ip { f = 1 } END { exit !f }'
}
check "d: client writes through the VIP land on n2" wait_for 10 acked_by_n2_after_kill
all_name_n2() { [ "$(cluster_sentinels_naming "${CLUSTER_IP[n2]}")" = 3 ]; }
wait_for 10 all_name_n2 || diag "d: not every Sentinel names n2 yet"
sleep 1.5
t_restart=$(cluster_now)
cluster_start_redis n1 || bail "d: redis on n1 restarts"
n1_is_replica() { [ "$(cluster_role n1)" = slave ]; }
check "d: Sentinel converts the restarted n1 (empty, role:master) to a replica" wait_for 30 n1_is_replica
diag "d: n1 said role:master for $(cluster_ms_to_s $(($(cluster_now) - t_restart))) s after its restart"
wait_for 15 cluster_replica_synced n1 || diag "d: n1 did not sync from n2"
sleep 1

s_kill=$(cluster_sampler_stats "$t_kill")
s_vipd=$(cluster_sampler_stats "$t_vipd")
w=$(cluster_writer_stats "$t_kill")
acq=$(routed_vipd_event_ms n2 +vip-acquired "$real_kill")
rel=$(routed_vipd_event_ms n1 -vip-released "$real_kill")
diag "d: n1's vipd released at +${rel} ms, n1's route gone from the router at +$(cluster_kv "$s_kill" last_n1) ms (last sample with it);" \
	"n2's vipd acquired at +${acq} ms, n2's route on the router at +$(cluster_kv "$s_kill" first_n2) ms (first sample with it)"
if [ "$acq" != - ] && [ "$(cluster_kv "$s_kill" first_n2)" -ge 0 ]; then
	diag "d: address on n2's lo to route on the router: ~$(($(cluster_kv "$s_kill" first_n2) - acq)) ms" \
		"(zebra -> bgpd -> UPDATE -> bgpd -> zebra -> kernel; the sampler's 20 ms included)"
fi
diag "d: client: outage $(cluster_ms_to_s "$(cluster_kv "$w" outage)") s (kill to the first ack, from $(cluster_kv "$w" first_after_on))," \
	"longest gap between acks $(cluster_ms_to_s "$(cluster_kv "$w" max_gap)") s"
diag "d: route timeline (s after the kill):"
cluster_sampler_timeline "$t_kill" | sed 's/^/#   /'
check "d: no sample shows the router with paths to both nodes" test "$(cluster_kv "$s_vipd" multi)" = 0
check "d: the router never routes to n1 again once it routed to n2" test "$(cluster_kv "$s_kill" n1_after_n2)" = 0
samples=$(cluster_kv "$s_vipd" samples)
duration=$(awk -v f="$t_vipd" '$1 != "end" && $1 >= f { if (!a) a = $1; l = $1 } END { print l - a }' "$CLUSTER_DIR/sampler.log")
mean=$(awk -v d="$duration" -v n="$samples" 'BEGIN { printf "%.1f", (n > 1 ? d / (n - 1) : 999) }')
diag "d: sampler: $samples samples, mean interval $mean ms, longest $(cluster_kv "$s_vipd" max_interval) ms"
# The oracle's resolution: two paths for less than the longest hole could
# go unseen. BGP moves a route in hundreds of ms (BFD alone takes 300), so
# a hole of a few hundred ms on a busy machine still sees any overlap the
# protocol can make; a sampler that mostly did not run would not.
check "d: the router's table was sampled at least every 25 ms on average, no hole over 250 ms" \
	awk -v m="$mean" -v x="$(cluster_kv "$s_vipd" max_interval)" 'BEGIN { exit !(m <= 25 && x <= 250) }'
check "d: no write was acknowledged by n1 after the kill" test "$(cluster_kv "$w" after_on_n1)" = 0
check "d: the first write after the kill was acknowledged by n2" \
	test "$(cluster_kv "$w" first_after_on)" = "${CLUSTER_IP[n2]}"
t_scan=$(cluster_now)
missing_n2=$(routed_missing_on n2 "${CLUSTER_IP[n2]}" 0 "$t_scan")
acks_n2=$(cluster_writer_acks_by_node | awk -v ip="${CLUSTER_IP[n2]}" -v to="$t_scan" '$3 == ip && $2 < to' | wc -l)
check "d: every write n2 acknowledged so far ($acks_n2) is on n2" test "$missing_n2" = 0 -a "$acks_n2" -gt 0
diag "d: writes n1 acknowledged before the crash missing on n2 (asynchronous replication): $(routed_missing_on n2 "${CLUSTER_IP[n1]}" 0 "$t_kill")"
arp_frames=$(cat "$CLUSTER_DIR"/arp.r "$CLUSTER_DIR"/arp.n1 "$CLUSTER_DIR"/arp.n2 | grep -c ' ARP, ')
check "d: no ARP frame for the VIP on any link of r, n1, n2 (lo included) since vipd started" test "$arp_frames" = 0
garp_total() {
	cluster_vipctl "$1" metrics 2>/dev/null | awk '$1 ~ /^vipd_garp_frames_total/ { s += $2; f = 1 } END { if (f) print s; else print "?" }'
}
g1=$(garp_total n1) g2=$(garp_total n2)
check "d: vipctl: n1 and n2 sent no gratuitous ARP frame ($g1, $g2)" test "$g1" = 0 -a "$g2" = 0
# lo has no Ethernet header: an announcement attempted there fails (and says so).
check "d: neither vipd attempted an announcement on lo" \
	test "$(cat "$CLUSTER_DIR"/n1/vipd.log "$CLUSTER_DIR"/n2/vipd.log | grep -c 'announcing .* failed')" = 0

# --- e. a node loses power -------------------------------------------------------------------
# Sentinel starts no second failover of a master within 2 x failover-timeout
# of the first.
while [ $(($(cluster_now) - t_kill)) -lt $((2 * CLUSTER_FAILOVER_TIMEOUT + 1000)) ]; do sleep 0.2; done
check "e: before: the router routes the VIP to n2" routed_paths_are n2
t_off=$(cluster_now)
routed_power_off n2 || bail "e: n2's link deleted, its processes killed"
diag "e: n2 powered off at t=0 (its link deleted, then its processes killed)"
n2_gone() { [ "$(routed_first_sample_without "$t_off" n2)" -ge 0 ]; }
wait_for 15 n2_gone
withdraw=$(routed_first_sample_without "$t_off" n2)
diag "e: the router withdrew n2's route after $withdraw ms (first sample without it; BFD ${ROUTED_BFD_MS} ms x ${ROUTED_BFD_MULT}, BGP hold time 9 s)"
check "e: the router withdraws the lost node's route within 5 s ($withdraw ms)" \
	test "$withdraw" -ge 0 -a "$withdraw" -lt 5000
bfd_down() { grep -Ei "${CLUSTER_IP[n2]}.*BFD down" "$CLUSTER_DIR/r/frr/bgpd.log" | tail -n 1; }
diag "e: router bgpd: $(bfd_down | cut -c 1-160)"
check "e: the router's bgpd dropped the session on BFD down" test -n "$(bfd_down)"
check "e: after Sentinel's failover the router routes the VIP to n1 (within 15 s)" \
	wait_for 15 routed_paths_are n1
t_n1=$(cluster_now)
acked_by_n1_after_off() {
	cluster_writer_acks_by_node |
		awk -v k="$t_off" -v ip="${CLUSTER_IP[n1]}" '$2 >= k && $3 == ip { f = 1 } END { exit !f }'
}
check "e: client writes through the VIP land on n1" wait_for 10 acked_by_n1_after_off
w=$(cluster_writer_stats "$t_off")
diag "e: route on n1 $(cluster_ms_to_s $((t_n1 - t_off))) s after the power-off (polled);" \
	"client outage $(cluster_ms_to_s "$(cluster_kv "$w" outage)") s"
sleep 0.5
cluster_stop_writer
cluster_stop_monitor
late_n2=$(cluster_writer_acks_by_node | awk -v k="$t_off" -v ip="${CLUSTER_IP[n2]}" '$2 >= k + 50 && $3 == ip' | wc -l)
check "e: no write acknowledged by n2 after its power-off" test "$late_n2" = 0
missing_n1=$(routed_missing_on n1 "${CLUSTER_IP[n1]}" "$t_off" "$(cluster_now)")
check "e: every write n1 acknowledged after the power-off is on n1" test "$missing_n1" = 0
diag "e: writes n2 acknowledged missing on n1 (asynchronous replication at the power loss): $(routed_missing_on n1 "${CLUSTER_IP[n2]}" 0 "$t_off")"
s_end=$(cluster_sampler_stats "$t_vipd")
check "e: still no sample with paths to both nodes" test "$(cluster_kv "$s_end" multi)" = 0

diag "$(cluster_ms_to_s $(($(cluster_now) - t_start))) s in all"
show_logs
tap_done
