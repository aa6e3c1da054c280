#!/bin/bash
# The seed cluster, end to end: what a client sees during a Sentinel failover.
#
# n1 (master) and n2 (replica) each run redis-server, redis-sentinel and vipd;
# n3 runs a third sentinel; c is a client that writes through the VIP
# (tests/lib/cluster.sh has the topology). The test kills n1's redis-server
# with SIGKILL and checks that
#   * the VIP moves to n2 and only n2, and client writes through the VIP land
#     on n2 (every write n2 acknowledged is on n2 afterwards);
#   * when n1's redis-server comes back empty and says role:master until
#     Sentinel converts it (~2.5 s with the shortened periods, ~10 s with the
#     defaults: docs/design.md, "The old master's window"), the VIP never
#     appears on n1 and no sample (every 10 ms, in all namespaces) shows two
#     holders, and no write is acknowledged by n1;
#   * vipctl on n2 reports the VIP held.
# Measured figures (outage, largest gap between acks, ...) are TAP comments.
#
# It runs twice: "short" with SENTINEL DEBUG info-period 1000 publish-period
# 500 (~12 s), then "defaults" with Sentinel's default periods, where the
# restarted old master says role:master for ~10 s (~22 s); ~35 s in all.
#
# Environment:
#   CLUSTER_SCENARIOS="short"    run only these scenarios (default
#                                "short defaults")
#   CLUSTER_SENTINEL_DEFAULTS=1  same as CLUSTER_SCENARIOS=defaults
#   CLUSTER_NO_VIPD=1            validate the harness without vipd: a bash
#                                stand-in moves the VIP, vipctl checks skip
#   CLUSTER_STANDIN_NAIVE=1      (with CLUSTER_NO_VIPD) the stand-in claims on
#                                role:master alone; the test must fail
#   CLUSTER_KEEP=1               keep the logs directory (always kept when a
#                                check failed)
#   VIPD_SKIP_NET=1              skip (used by make distcheck)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

tests=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib/netns.sh
. "$tests/lib/netns.sh"
# shellcheck source=tests/lib/cluster.sh
. "$tests/lib/cluster.sh"

[ "${VIPD_SKIP_NET:-0}" = 1 ] && tap_skip_all "VIPD_SKIP_NET=1"
ns_require_root
lacking=$(cluster_missing_tools)
[ -z "$lacking" ] || tap_skip_all "missing: $lacking"
no_vipd=${CLUSTER_NO_VIPD:-0}
if [ "$no_vipd" = 1 ]; then
	diag "CLUSTER_NO_VIPD=1: a bash stand-in moves the VIP (harness validation only)"
else
	{ [ -x "$CLUSTER_VIPD" ] && [ -x "$CLUSTER_VIPCTL" ]; } ||
		tap_skip_all "vipd/vipctl not built in $top_builddir/src"
fi
scenarios=${CLUSTER_SCENARIOS:-short defaults}
[ "${CLUSTER_SENTINEL_DEFAULTS:-0}" = 1 ] && scenarios=defaults

# On any failure: the end of every daemon log, for the CI log.
show_logs() { cluster_show_logs 25 vipd.log standin.log; }

bail() { not_ok "$*"; show_logs; tap_done; exit 1; }

start_vipd() {
	if [ "$no_vipd" = 1 ]; then
		cluster_start_standin "$1"
	else
		cluster_start_vipd "$1"
	fi
}

# vipctl_state NODE: the 4th field of `vipctl dump` (held|released|fault).
vipctl_state() { cluster_vipctl "$1" dump 2>/dev/null | awk -F'\t' 'NR == 1 { print $4 }'; }
vipctl_says() { [ "$(vipctl_state "$1")" = "$2" ]; }
vipctl_show() { cluster_vipctl "$1" show >"$CLUSTER_DIR/$1/vipctl-show.out" 2>&1; }
writer_acks_over() { [ "$(cluster_writer_acks)" -gt "$1" ]; }

# scenario short|defaults: build the cluster, fail over, restart the old
# master, check, tear down.
scenario() {
	local sc=$1 n t_start t_kill t_moved t_restart t_conv s_all s_kill samples duration mean w
	local missing_n2 acks_n2 n1_state
	if [ "$sc" = defaults ]; then
		CLUSTER_SENTINEL_DEFAULTS=1
		diag "[$sc] Sentinel default periods (INFO 10 s, hello 2 s)"
	else
		CLUSTER_SENTINEL_DEFAULTS=0
		diag "[$sc] Sentinel periods shortened: SENTINEL DEBUG info-period 1000 publish-period 500"
	fi
	t_start=$(cluster_now)

	# 1. The cluster and the daemons.
	cluster_up || bail "[$sc] cluster up: n1 master, n2 replica, three sentinels"
	ok "[$sc] cluster up: n1 master, n2 replica in sync, three sentinels naming n1"
	for n in $CLUSTER_DATA_NODES; do
		start_vipd "$n" || bail "[$sc] vipd starts on $n"
	done
	ok "[$sc] vipd running on n1 and n2"
	check "[$sc] the VIP is on n1 and only n1" wait_for 10 cluster_holders_are n1
	if [ "$no_vipd" = 1 ]; then
		skip "[$sc] vipctl on n1 reports the VIP held (no vipd)"
	else
		check "[$sc] vipctl on n1 reports the VIP held" wait_for 5 vipctl_says n1 held
	fi

	# 2. A client writing through the VIP; the sampler watching all namespaces.
	cluster_start_sampler 10 || bail "[$sc] sampler starts"
	cluster_start_writer || bail "[$sc] writer starts"
	check "[$sc] a client writing through the VIP gets acknowledgements" \
		wait_for 5 writer_acks_over 50
	sleep 1

	# 3. Crash the master.
	# t=0 is taken once the process is dead and reaped, so a write that was in
	# flight at the kill cannot count as acknowledged "after" it.
	cluster_kill_redis n1
	t_kill=$(cluster_now)
	diag "[$sc] kill -9 of n1's redis-server at t=0"
	check "[$sc] the VIP moves to n2 and only n2 (within 15 s)" wait_for 15 cluster_holders_are n2
	t_moved=$(cluster_now)
	diag "[$sc] VIP on n2 after $(cluster_ms_to_s $((t_moved - t_kill))) s (polled)"
	acked_by_n2_after_kill() {
		cluster_writer_acks_by_node |
			awk -v k="$t_kill" -v ip="${CLUSTER_IP[n2]}" '$2 >= k && $3 == ip { f = 1 } END { exit !f }'
	}
	check "[$sc] client writes through the VIP land on n2" wait_for 10 acked_by_n2_after_kill
	# The old master comes back once the failover is over: every Sentinel
	# names n2, and has for a moment. Restarted at the very moment of the
	# Sentinels' +switch-master (when they reset their links to the new
	# master) it was seen here twice, in the slower sanitizer build, to
	# make all three judge n2 down a second later and fail over again, to
	# the empty n1: Sentinel's race, with down-after-milliseconds 1000.
	all_name_n2() { [ "$(cluster_sentinels_naming "${CLUSTER_IP[n2]}")" = 3 ]; }
	wait_for 10 all_name_n2 || diag "[$sc] not every Sentinel names n2 yet"
	sleep 1.5

	# 4. The old master comes back, empty, as master, until Sentinel converts it.
	t_restart=$(cluster_now)
	cluster_start_redis n1 || bail "[$sc] redis on n1 restarts"
	diag "[$sc] n1's redis-server restarted at t=+$(cluster_ms_to_s $((t_restart - t_kill))) s (role: $(cluster_role n1))"
	n1_is_replica() { [ "$(cluster_role n1)" = slave ]; }
	check "[$sc] Sentinel converts the restarted n1 to a replica" wait_for 30 n1_is_replica
	t_conv=$(cluster_now)
	diag "[$sc] n1 said role:master for $(cluster_ms_to_s $((t_conv - t_restart))) s after its restart"
	sleep 2

	cluster_stop_writer
	cluster_stop_sampler

	# 5. What the sampler saw, from its first sample to well after the conversion.
	s_all=$(cluster_sampler_stats 0)
	s_kill=$(cluster_sampler_stats "$t_kill")
	samples=$(cluster_kv "$s_all" samples)
	duration=$(awk '$1 != "end" { if (!f) f = $1; l = $1 } END { print l - f }' "$CLUSTER_DIR/sampler.log")
	mean=$(awk -v d="$duration" -v n="$samples" 'BEGIN { printf "%.1f", (n > 1 ? d / (n - 1) : 999) }')
	diag "[$sc] sampler: $samples samples over $(cluster_ms_to_s "$duration") s, mean interval $mean ms," \
		"max $(cluster_kv "$s_all" max_interval) ms, $(cluster_kv "$s_all" over20) intervals > 20 ms"
	check "[$sc] the VIP holders were sampled at least every 20 ms on average" \
		awk -v m="$mean" 'BEGIN { exit !(m <= 20) }'
	# (a hole hides an overlap shorter than itself; the ones vipd could
	# make come from Sentinel's periods, hundreds of ms at the least, so
	# a few hundred ms on a busy machine still see them)
	check "[$sc] no hole longer than 250 ms in the sampling" test "$(cluster_kv "$s_all" max_interval)" -le 250
	check "[$sc] no sample shows two holders of the VIP" test "$(cluster_kv "$s_all" multi)" = 0
	check "[$sc] the VIP never appears on n1 again once n2 holds it" test "$(cluster_kv "$s_kill" n1_after_n2)" = 0
	diag "[$sc] VIP left n1 by +$(cluster_ms_to_s "$(cluster_kv "$s_kill" last_n1)") s," \
		"first on n2 at +$(cluster_ms_to_s "$(cluster_kv "$s_kill" first_n2)") s (sampled)"
	diag "[$sc] holder timeline (s after the kill):"
	cluster_sampler_timeline "$t_kill" | sed 's/^/#   /'
	check "[$sc] at the end the VIP is on n2 and only n2" cluster_holders_are n2

	# 6. What the client saw.
	w=$(cluster_writer_stats "$t_kill")
	diag "[$sc] client: $(cluster_kv "$w" acks_before) acks before the kill, $(cluster_kv "$w" acks_after) after;" \
		"outage: $(cluster_ms_to_s "$(cluster_kv "$w" outage)") s (kill to first ack, from $(cluster_kv "$w" first_after_on));" \
		"max gap between acks: $(cluster_ms_to_s "$(cluster_kv "$w" max_gap)") s"
	check "[$sc] no write was acknowledged by n1 after the kill" test "$(cluster_kv "$w" after_on_n1)" = 0
	check "[$sc] the first write after the kill was acknowledged by n2" \
		test "$(cluster_kv "$w" first_after_on)" = "${CLUSTER_IP[n2]}"
	missing_n2=$(cluster_missing_on n2 "${CLUSTER_IP[n2]}")
	acks_n2=$(cluster_writer_acks_by_node | awk -v ip="${CLUSTER_IP[n2]}" '$3 == ip' | wc -l)
	check "[$sc] every write n2 acknowledged ($acks_n2) is on n2" test "$missing_n2" = 0 -a "$acks_n2" -gt 0
	# Writes n1 acknowledged just before the crash may be lost: replication is
	# asynchronous. Worth reporting, not a vipd property.
	diag "[$sc] writes acknowledged by n1 before the crash missing on n2: $(cluster_missing_on n2 "${CLUSTER_IP[n1]}")"

	# 7. What the operator sees.
	if [ "$no_vipd" = 1 ]; then
		skip "[$sc] vipctl show on n2 (no vipd)"
		skip "[$sc] vipctl on n2 reports the VIP held (no vipd)"
		skip "[$sc] vipctl on n1 does not report the VIP held (no vipd)"
	else
		check "[$sc] vipctl show on n2 succeeds" vipctl_show n2
		sed 's/^/#   /' "$CLUSTER_DIR/n2/vipctl-show.out"
		check "[$sc] vipctl on n2 reports the VIP held" vipctl_says n2 held
		n1_state=$(vipctl_state n1)
		check "[$sc] vipctl on n1 does not report the VIP held ($n1_state)" test -n "$n1_state" -a "$n1_state" != held
	fi

	diag "[$sc] $(cluster_ms_to_s $(($(cluster_now) - t_start))) s in all"
	show_logs
	cluster_down
}

for sc in $scenarios; do
	scenario "$sc"
done
tap_done
