#!/bin/bash
# Host names and a dual-stack VIP on the seed cluster, beyond what
# chaos-names.sh runs: the nodes know each other by name (n1.test ...,
# tests/lib/cluster_names.sh), the Sentinels resolve and announce names,
# vipd's configuration names every peer, and the VIP has an IPv4 and an
# IPv6 address (192.0.2.100, 2001:db8::100), sampled separately.
#
#   1 what vipd shows: each Sentinel names n1.test, resolved, "this node";
#     both addresses on n1 only
#   2 SENTINEL FAILOVER: both addresses move to n2 together, never two
#     holders of either; a client through the IPv6 address reaches n2
#   3 the names vanish from every hosts file (a DNS outage) while vipd's
#     connections are cut (so that it must resolve again): one log line
#     per name, the VIP stays where it is, no transition anywhere, writes
#     go on; a vipd started during the outage shows "cannot resolve" per
#     peer and never claims; the names back: it connects and logs it once
#   4 a slow name server (answers after 5 s, tests/net/slowdns): a vipd
#     whose peers are only in that server's zone answers `vipctl` within
#     100 ms every time while it waits, then resolves and connects
#
# CLUSTER_KEEP=1 keeps the logs (kept anyway on failure).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

tests=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib/netns.sh
. "$tests/lib/netns.sh"
export CLUSTER_NAMES=1 CLUSTER_VIP6=2001:db8::100
# shellcheck source=tests/lib/cluster.sh
. "$tests/lib/cluster.sh"
# shellcheck source=tests/lib/chaos.sh
. "$tests/lib/chaos.sh"

SLOWDNS="$top_builddir/tests/net/slowdns"
DNS_IP=192.0.2.53
DNS_DELAY_MS=5000

[ "${VIPD_SKIP_NET:-0}" = 1 ] && tap_skip_all "VIPD_SKIP_NET=1"
ns_require_root
lacking=$(cluster_missing_tools)
[ -z "$lacking" ] || tap_skip_all "missing: $lacking"
{ [ -x "$CLUSTER_VIPD" ] && [ -x "$CLUSTER_VIPCTL" ] && [ -x "$SLOWDNS" ]; } ||
	tap_skip_all "vipd, vipctl or slowdns not built"

show() { cluster_vipctl "$1" show 2>/dev/null; }
dump_field() { cluster_vipctl "$1" dump 2>/dev/null | awk -F'\t' -v f="$2" 'NR == 1 { print $f }'; }
holders6() {
	local n h=()
	for n in n1 n2 n3; do
		ip -n "$(ns_name "$n")" -6 -o addr show | grep -q " $CLUSTER_VIP6/" && h+=("$n")
	done
	if [ ${#h[@]} -eq 0 ]; then echo -; else (IFS=,; echo "${h[*]}"); fi
}
both_on() { cluster_holders_are "$1" && [ "$(holders6)" = "$1" ]; }
start_sampler6() {
	local n args=()
	for n in n1 n2 n3 c; do args+=("$n=$(ns_name "$n")"); done
	nice -n -10 "$CLUSTER_SAMPLER" -i 10 -l "$CLUSTER_DIR/sampler6.log" "$CLUSTER_VIP6" "${args[@]}" \
		>"$CLUSTER_DIR/sampler6.out" 2>&1 &
	SAMPLER6_PID=$!
	NS_PIDS+=("$SAMPLER6_PID")
	wait_for 2 test -s "$CLUSTER_DIR/sampler6.log"
}
# sampler6_multi: samples with two holders of the IPv6 address.
sampler6_multi() { sed -n 's/.* multi=\([0-9]*\).*/\1/p' "$CLUSTER_DIR/sampler6.log" | tail -n 1; }
transitions() { dump_field "$1" 12; }
# cut_conns NODE: drop every TCP connection from NODE's namespace to a Sentinel
# and to a data node's port but the replication link (so vipd reconnects,
# and resolves its peers again, the way a network blip would make it).
cut_conns() {
	ns_exec "$1" ss -K -t state established '( dport = :26379 )' >/dev/null 2>&1
	ns_exec "$1" ss -K -t state established dst "${CLUSTER_IP[$1]}" '( dport = :6379 )' >/dev/null 2>&1
}

cluster_up || { not_ok "cluster with host names up"; tap_done; exit 1; }
CHAOS_UP=1
check "the Sentinels answer with host names (n3's names $(cluster_master_said n3))" \
	test "$(cluster_master_said n3)" = n1.test
check "n2 replicates from n1.test and announces itself as n2.test" \
	eval 'cluster_redis_cli n1 INFO replication | grep -q "^slave0:ip=n2.test,"'
for n in $CLUSTER_DATA_NODES; do cluster_start_vipd "$n" || not_ok "vipd starts on $n"; done
check "vipd's configuration names its peers" grep -q 'redis = "n1.test:6379"' "$CLUSTER_DIR/n1/vipd.conf"

# 1 -------------------------------------------------------------------------
check "1: both addresses of the VIP on n1, the master, only" wait_for 10 both_on n1
show n1 | sed 's/^/#   /'
check "1: show: every Sentinel names n1.test, resolved to 192.0.2.11, this node" \
	test "$(show n1 | grep -c 'names n1.test:6379 (192.0.2.11) (this node)')" = 3
check "1: dump lists both addresses" \
	test "$(dump_field n1 2)" = "192.0.2.100/32,2001:db8::100/128"

# 2 -------------------------------------------------------------------------
chaos_begin 2 "SENTINEL FAILOVER, dual-stack VIP, names" || not_ok "[2] observers start"
start_sampler6
chaos_fault
diag "[2] SENTINEL FAILOVER on n3: $(cluster_sentinel_cli n3 SENTINEL FAILOVER "$CLUSTER_MASTER_NAME")"
check "[2] both addresses move to n2 only" wait_for 15 both_on n2
check "[2] Sentinel converts the old master to a replica" wait_for 30 eval '[ "$(cluster_role n1)" = slave ]'
wait_for 20 cluster_replica_synced n1
sleep 1
ns_stop_pid "$SAMPLER6_PID"
chaos_end
m6=$(sampler6_multi)
check "[2] never two holders of the IPv6 address ($m6 samples)" test "${m6:-x}" = 0
first6=$(ns_exec c timeout 2 "$VIPD_REDIS_CLI" -h "$CLUSTER_VIP6" -p "$CLUSTER_REDIS_PORT" CONFIG GET bind 2>&1)
diag "[2] through [$CLUSTER_VIP6]: $(echo $first6)"
a6=$(echo "$first6" | sed -n 2p | cut -d' ' -f1)
check "[2] a client through the IPv6 address reaches n2 (${a6:-nobody} answers)" test "$a6" = "${CLUSTER_IP[n2]}"

# 3 -------------------------------------------------------------------------
wait_for 15 chaos_healthy || not_ok "[3] healthy cluster before the outage"
chaos_begin 3 "names vanish from the hosts files" || not_ok "[3] observers start"
t1=$(transitions n1) t2=$(transitions n2)
from1=$(($(wc -l <"$CLUSTER_DIR/n1/vipd.log") + 1)) from2=$(($(wc -l <"$CLUSTER_DIR/n2/vipd.log") + 1))
chaos_fault
for n in n1 n2 n3 c; do cluster_names_hosts "$n" n1 n2 n3; done
check "[3] n1.test no longer resolves (in n2's namespace)" \
	eval '! ns_exec n2 getent hosts n1.test >/dev/null'
cut_conns n1
cut_conns n2
sleep 6	# two retries of a failed name, and every reconnect done
tail -n +"$from2" "$CLUSTER_DIR/n2/vipd.log" >"$CLUSTER_DIR/n2/vipd.log.3"
tail -n +"$from1" "$CLUSTER_DIR/n1/vipd.log" >"$CLUSTER_DIR/n1/vipd.log.3"
grep 'does not resolve' "$CLUSTER_DIR/n2/vipd.log.3" | sed 's/^/#   /'
check "[3] n2's vipd logs each name that stopped resolving once" \
	test "$(grep -c 'name n[123].test does not resolve (.*); keeping 192.0.2.1[123]$' "$CLUSTER_DIR/n2/vipd.log.3")" = 3
check "[3] ... and reconnected to its Sentinels on the addresses it had" \
	test "$(dump_field n2 9)" = 3
check "[3] no transition on n1 ($t1 -> $(transitions n1)) or n2 ($t2 -> $(transitions n2))" \
	test "$(transitions n1)/$(transitions n2)" = "$t1/$t2"
# a vipd that starts during the outage knows no address for any name
cluster_stop_vipd n1 >/dev/null 2>&1 || true	# (n1 is the replica now)
cluster_start_vipd n1 || not_ok "[3] vipd restarts on n1 during the outage"
sleep 3
show n1 | sed 's/^/#   /'
check "[3] a vipd started during the outage: its node 'cannot resolve n1.test'" \
	eval 'show n1 | grep "local node" | grep -q "cannot resolve n1.test"'
check "[3] ... every Sentinel unreachable, 'cannot resolve'" \
	test "$(show n1 | grep -c ':26379: unreachable (.*cannot resolve n[123].test')" = 3
for n in n1 n2 n3 c; do cluster_names_hosts "$n"; done
check "[3] the names back: the new vipd reaches its node and all three Sentinels" \
	wait_for 10 eval '[ "$(dump_field n1 7)/$(dump_field n1 9)" = 1/3 ]'
check "[3] ... and logs each name resolving once" \
	test "$(grep -c 'name n1.test resolves to 192.0.2.11$' "$CLUSTER_DIR/n1/vipd.log")" -ge 2
sleep 1
chaos_end
check "[3] the VIP stayed on n2 throughout (both addresses)" both_on n2

# 4 -------------------------------------------------------------------------
# n1's vipd with peers named only in slowdns's zone; the hosts file does
# not know them, so every lookup waits for the name server.
ns_add dns && ns_plug dns eth0 "$DNS_IP/24" || not_ok "4: name server namespace"
printf 'nameserver %s\noptions timeout:8 attempts:1\n' "$DNS_IP" >"$CLUSTER_ETC_NETNS/$(ns_name n1)/resolv.conf"
zone=$CLUSTER_DIR/zone
for n in n1 n2 n3; do echo "$n.slow.test ${CLUSTER_IP[$n]}"; done >"$zone"
ns_bg dns "$CLUSTER_DIR/slowdns.log" "$SLOWDNS" -l "$DNS_IP" -d "$DNS_DELAY_MS" -z "$zone" -t 120
DNS_PID=$NS_LAST_PID
wait_for 5 grep -q '^ready' "$CLUSTER_DIR/slowdns.log" || not_ok "4: slowdns listens"
cluster_stop_vipd n1 >/dev/null 2>&1 || true
sed -e 's/n\([123]\)\.test:/n\1.slow.test:/g' "$CLUSTER_DIR/n1/vipd.conf" >"$CLUSTER_DIR/n1/vipd.slow.conf"
t_start=$(now_ms)
ns_bg n1 "$CLUSTER_DIR/n1/vipd.slow.log" "$CLUSTER_VIPD" -d -c "$CLUSTER_DIR/n1/vipd.slow.conf" ||
	not_ok "4: vipd starts with the slow names"
CLUSTER_VIPD_PID[n1]=$NS_LAST_PID
wait_for 5 test -S "$CLUSTER_DIR/n1/vipd.sock"
max=0 calls=0 resolving=0
while [ $(($(now_ms) - t_start)) -lt $((DNS_DELAY_MS - 500)) ]; do
	a=$(now_ms)
	out=$("$CLUSTER_VIPCTL" -s "$CLUSTER_DIR/n1/vipd.sock" show 2>&1)
	d=$(($(now_ms) - a))
	[ "$d" -gt "$max" ] && max=$d
	calls=$((calls + 1))
	grep -q 'resolving' <<<"$out" && resolving=$((resolving + 1))
	sleep 0.1
done
diag "4: $calls vipctl show calls while the names were being resolved, slowest $max ms"
check "4: vipctl answered every time within 100 ms while vipd waited 5 s for the name server ($max ms)" \
	test "$calls" -gt 10 -a "$max" -lt 100
check "4: ... and said the peers were being resolved" test "$resolving" -gt 0
check "4: the names resolved, vipd reached its node and all three Sentinels" \
	wait_for 10 eval '[ "$(dump_field n1 7)/$(dump_field n1 9)" = 1/3 ]'
t_up=$(($(now_ms) - t_start))
diag "4: up after $t_up ms"
check "4: the name server was asked for n1.slow.test once per record type, not per poll" \
	test "$(grep -c '^query n1.slow.test A ' "$CLUSTER_DIR/slowdns.log")" = 1
check "4: the VIP never came to n1, the replica" both_on n2
ns_stop_pid "$DNS_PID"

cluster_show_logs 30 vipd.log
cluster_down
tap_done
