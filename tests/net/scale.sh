#!/bin/bash
# shellcheck disable=SC2317  # functions called indirectly (wait_for, check)
# "One command connection and one subscriber connection per Sentinel, and
# one connection per data node address, whatever the number of VIPs."
#
# One vipd on each data node with 64 VIPs, against the seed cluster's three
# Sentinels (tests/lib/cluster.sh) monitoring 64 masters:
#   * mymaster, the seed cluster's own: n1 master, n2 replica, VIP
#     192.0.2.100. It is the one that fails over.
#   * m00..m62 ("background" masters), VIPs 192.0.2.101..163, served by
#     seven redis-servers on n1 (ports 6401..6407), nine master names on
#     each. Redis 7.0's Sentinel monitors several names on one server (it
#     keys masters by name, not by address) and keeps two links per name;
#     vipd's configuration names the same local address in the nine VIPs
#     of a server. So the layout exercises both kinds of sharing: nine VIPs
#     on one data node connection, 64 on one pair per Sentinel. On n2 the
#     background VIPs name ports where nothing listens: that vipd releases
#     them (connection refused), as a node that does not host them would.
#     No replicas for the background masters: a replica shared by nine
#     names would be promoted for all nine if one of them failed over; none
#     of them is meant to, they only have to stay where they are.
# Sentinel's default hello period (2 s): each hello published on a shared
# server reaches all 27 Sentinel subscriptions to it, so the 500 ms of the
# other tests would quadruple traffic that says nothing about vipd. The
# INFO period is shortened to 1 s as there: Sentinel promotes a replica
# only if its last INFO from it is less than 5 s old when the master is
# down, and with the default 10 s a kill at the wrong moment ends in
# -failover-abort-no-good-slave and a 20 s wait (2 x failover-timeout).
# (tests/bench/scale.sh runs one server per master and up to 1,000 of them.)
#
# n1 also has 256 addresses on lo. Checks, as seen from outside vipd: vipd
# raised the soft open-file limit it was started with (48) to the hard
# one; every VIP decided (`vipctl dump` has 64 lines with a state), the
# background VIPs on n1 and none on n2; exactly 2
# established TCP connections from each vipd into each Sentinel (ss, by
# vipd's pid), exactly one from n1's vipd to each of its eight local redis
# addresses and none to anything else on n1; then kill -9 of mymaster's
# redis-server on n1: its VIP moves to n2, and the 63 others stay on n1
# (the addresses sampled every ~100 ms through the failover, and no
# transition in either vipd's log or `vipctl dump`), with still 2
# connections per Sentinel. Last, n1's vipd is killed (kill -9: the VIPs
# stay on the interface) and started again: every sample shows the 63
# VIPs on n1 throughout, and the log says each was adopted. ~20 s.
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
# shellcheck source=tests/lib/scale.sh
. "$tests/lib/scale.sh"

[ "${VIPD_SKIP_NET:-0}" = 1 ] && tap_skip_all "VIPD_SKIP_NET=1"
ns_require_root
lacking=$(cluster_missing_tools)
command -v ss >/dev/null || lacking+=" ss"
[ -z "${lacking// /}" ] || tap_skip_all "missing: $lacking"
{ [ -x "$CLUSTER_VIPD" ] && [ -x "$CLUSTER_VIPCTL" ]; } || tap_skip_all "vipd/vipctl not built in $top_builddir/src"

NVIPS=64
SERVERS=7			# background redis-servers on n1
PER_SERVER=9			# master names on each
BG_LAST=$((NVIPS - 1))		# background VIPs are 1..BG_LAST
CLUSTER_SENTINEL_DEFAULTS=1

scale_layout_seed
for ((i = 1; i <= BG_LAST; i++)); do
	SCALE_NAME[i]=$(printf 'm%02d' $((i - 1)))
	SCALE_ADDR[i]=192.0.2.$((100 + i))
	SCALE_PORT[i]=$((6401 + (i - 1) / PER_SERVER))
done
bg_ports=$(seq 6401 $((6400 + SERVERS)))

show_logs() { cluster_show_logs 30 vipd.log; }
bail() { not_ok "$*"; show_logs; tap_done; exit 1; }

t_start=$(cluster_now)

# 1. The seed cluster, the background servers, 63 more master names.
cluster_up || bail "cluster up: n1 master, n2 replica, three sentinels"
ok "cluster up: n1 master, n2 replica in sync, three Sentinels naming n1"
info_period() {
	local n
	for n in $CLUSTER_SENTINEL_NODES; do
		[ "$(cluster_sentinel_cli "$n" SENTINEL DEBUG info-period 1000)" = OK ] || return 1
	done
}
check "SENTINEL DEBUG info-period 1000 on every Sentinel" info_period
for p in $bg_ports; do scale_redis n1 "$p" "$CLUSTER_DIR/bg"; done
# shellcheck disable=SC2086
check "$SERVERS background redis-servers on n1 answer" wait_for 10 scale_redis_up n1 $bg_ports
check "every Sentinel monitors 63 more masters on them (SENTINEL MONITOR: OK)" \
	scale_monitor 1 "$BG_LAST" 1000 "$CLUSTER_DIR/monitor"
all_named() {
	local s i
	for s in $CLUSTER_SENTINEL_NODES; do
		for i in 1 $((BG_LAST / 2)) "$BG_LAST"; do
			[ "$(cluster_sentinel_cli "$s" SENTINEL GET-MASTER-ADDR-BY-NAME "${SCALE_NAME[$i]}" |
				tr '\n' ' ')" = "${CLUSTER_IP[n1]} ${SCALE_PORT[$i]} " ] || return 1
		done
	done
}
check "the Sentinels name n1 for the background masters" wait_for 10 all_named

# 2. vipd with 64 VIPs on each data node, started with a soft open-file
# limit of 48, as systemd starts a service with 1024: 1,000 VIPs need more
# than that (tests/bench/scale.sh runs them under 1024), so vipd raises
# its soft limit to the hard one itself, whatever the count.
SCALE_NOFILE=48:4096
# n1 also carries 256 addresses on lo (198.51.100.0/24 as /32s, the way
# anycast service addresses sit on a load-balanced node): the kernel lists
# them before eth0's (as it lists IPv6 VIPs before the node's own IPv6
# address), and vipd must still know 192.0.2.11 as its own when the
# Sentinels name it. A vipd that kept only the first 256 held nothing.
for i in $(seq 0 255); do echo "address add 198.51.100.$i/32 dev lo"; done |
	ip -n "$(ns_name n1)" -batch - || bail "256 addresses on n1's lo"
for n in n1 n2; do
	scale_vipd_conf "$n" "$NVIPS" >"$CLUSTER_DIR/$n/vipd.conf"
	scale_start_vipd "$n" "$CLUSTER_DIR/$n/vipd.conf" "$CLUSTER_DIR/$n/vipd.log" -d ||
		bail "vipd with $NVIPS VIPs starts on $n"
done
ok "vipd with $NVIPS VIPs running on n1 and n2"
for n in n1 n2; do
	lim=$(scale_nofile "${CLUSTER_VIPD_PID[$n]}")
	check "$n: vipd raised its open-file limit from 48 to the hard limit ($lim)" test "$lim" = "4096 4096"
done
for n in n1 n2; do
	check "$n: vipctl dump shows $NVIPS VIPs, every one decided" wait_for 15 scale_all_decided "$n" "$NVIPS"
done
bg_on() { [ "$(scale_held_count n1 1 "$BG_LAST")" = "$1" ] && [ "$(scale_held_count n2 1 "$BG_LAST")" = "$2" ]; }
check "the $BG_LAST background VIPs are on n1 and none on n2" wait_for 10 bg_on "$BG_LAST" 0
check "mymaster's VIP is on n1 and only n1" wait_for 10 cluster_holders_are n1
states1=$(scale_dump_states n1 | sort | uniq -c | tr -s ' \n' ' ')
states2=$(scale_dump_states n2 | sort | uniq -c | tr -s ' \n' ' ')
check "n1: vipctl dump says held for all $NVIPS ($states1)" test "$(scale_dump_states n1 | grep -cx held)" = "$NVIPS"
check "n2: vipctl dump says released for all $NVIPS ($states2)" test "$(scale_dump_states n2 | grep -cx released)" = "$NVIPS"

# 3. Connections, counted from outside by vipd's pid.
conn_checks() {
	local when=$1 n pid all c addr p extra
	for n in n1 n2; do
		pid=${CLUSTER_VIPD_PID[$n]}
		all=$(scale_conns "$n" "$pid")
		diag "[$when] $n's vipd (pid $pid): $(grep -c . <<<"$all") established TCP connections:" \
			"$(sort <<<"$all" | uniq -c | awk '{ printf "%s%s x%d", (NR > 1 ? ", " : ""), $2, $1 }')"
		for s in $CLUSTER_SENTINEL_NODES; do
			c=$(grep -cxF "${CLUSTER_IP[$s]}:$CLUSTER_SENTINEL_PORT" <<<"$all")
			check "[$when] $n's vipd has exactly 2 connections into the Sentinel on $s ($c)" test "$c" = 2
		done
	done
	all=$(scale_conns n1 "${CLUSTER_VIPD_PID[n1]}")
	for p in "$CLUSTER_REDIS_PORT" $bg_ports; do
		addr="${CLUSTER_IP[n1]}:$p"
		c=$(grep -cxF "$addr" <<<"$all")
		[ "$p" = "$CLUSTER_REDIS_PORT" ] && [ "$when" = "after" ] && continue	# killed
		check "[$when] n1's vipd has exactly 1 connection to local redis $addr ($c)" test "$c" = 1
	done
	extra=$(grep -F "${CLUSTER_IP[n1]}:" <<<"$all" | grep -vxE "${CLUSTER_IP[n1]//./\\.}:(6379|64[0-9][0-9]|$CLUSTER_SENTINEL_PORT)")
	check "[$when] n1's vipd has no other connection to n1 (${extra:-none})" test -z "$extra"
}
conn_checks before

# 4. mymaster fails over; the others must stay where they are.
sample_bg() {
	while :; do
		echo "$(cluster_now) $(scale_held_count n1 1 "$BG_LAST") $(scale_held_count n2 1 "$BG_LAST")"
		sleep 0.1
	done >"$CLUSTER_DIR/bg-samples.log"
}
sample_bg &
sampler_pid=$!
NS_PIDS+=("$sampler_pid")
sleep 1
cluster_kill_redis n1
t_kill=$(cluster_now)
diag "kill -9 of mymaster's redis-server on n1 at t=0"
check "mymaster's VIP moves to n2 and only n2 (within 15 s)" wait_for 15 cluster_holders_are n2
t_moved=$(cluster_now)
diag "mymaster's VIP on n2 after $(cluster_ms_to_s $((t_moved - t_kill))) s (polled)"
all_name_n2() { [ "$(cluster_sentinels_naming "${CLUSTER_IP[n2]}")" = 3 ]; }
check "every Sentinel names n2 for mymaster" wait_for 15 all_name_n2
sleep 2
ns_stop_pid "$sampler_pid"
ns_forget_pid "$sampler_pid"

read -r nsamples bad < <(awk -v k="$t_kill" -v n="$BG_LAST" '$1 >= k { s++; if ($2 != n || $3 != 0) b++ }
	END { print s + 0, b + 0 }' "$CLUSTER_DIR/bg-samples.log")
diag "background VIPs sampled $nsamples times from the kill to 2 s after the switch"
check "every sample shows the $BG_LAST background VIPs on n1 and none on n2 ($bad bad)" \
	test "$nsamples" -ge 10 -a "$bad" = 0
moved=$(grep -hE -- '(\+vip-acquired|-vip-released|\+vip-fault)' "$CLUSTER_DIR/n1/vipd.log" "$CLUSTER_DIR/n2/vipd.log" |
	grep -c 'vip m[0-9]')
# one transition each at start-up: n1 acquires, n2 releases
check "the vipd logs have exactly one transition per background VIP and node ($moved of $((2 * BG_LAST)))" \
	test "$moved" = $((2 * BG_LAST))
once=$(for n in n1 n2; do cluster_vipctl "$n" dump; done | awk -F'\t' '$1 ~ /^m[0-9]+$/ && $12 == 1' | wc -l)
check "vipctl dump: 1 transition for each background VIP on each node ($once of $((2 * BG_LAST)))" \
	test "$once" = $((2 * BG_LAST))
check "mymaster: n2's vipctl says held" test "$(cluster_vipctl n2 dump mymaster | cut -f4)" = held
conn_checks after

# 5. vipd on n1 dies (kill -9: the addresses stay) and starts again: it
# must adopt the 63 VIPs it finds, never let go of one while its many
# watchers are still being asked for the first time.
sample_bg &
sampler_pid=$!
NS_PIDS+=("$sampler_pid")
sleep 0.5
t_restart=$(cluster_now)
cluster_kill_vipd n1
scale_start_vipd n1 "$CLUSTER_DIR/n1/vipd.conf" "$CLUSTER_DIR/n1/vipd.log" -d ||
	bail "vipd with $NVIPS VIPs starts again on n1"
check "n1: the restarted vipd decides all $NVIPS VIPs" wait_for 15 scale_all_decided n1 "$NVIPS"
sleep 2
ns_stop_pid "$sampler_pid"
ns_forget_pid "$sampler_pid"
read -r nsamples bad < <(awk -v k="$t_restart" -v n="$BG_LAST" '$1 >= k { s++; if ($2 != n || $3 != 0) b++ }
	END { print s + 0, b + 0 }' "$CLUSTER_DIR/bg-samples.log")
check "every sample through the restart shows the $BG_LAST background VIPs on n1 ($bad bad of $nsamples)" \
	test "$nsamples" -ge 10 -a "$bad" = 0
adopted=$(grep -c 'vip m[0-9]*: +vip-adopted .*\[init -> held\]' "$CLUSTER_DIR/n1/vipd.log")
check "the restarted vipd adopted the $BG_LAST background VIPs ($adopted)" test "$adopted" = "$BG_LAST"

diag "$(cluster_ms_to_s $(($(cluster_now) - t_start))) s in all"
show_logs
tap_done
