#!/bin/bash
# shellcheck disable=SC2317,SC1091  # functions called indirectly (hooks, wait_for)
# Benchmark (not part of make check): routed mode against L2 mode.
#
#  1. L2: the seed cluster of tests/lib/cluster.sh (one bridge, VIP
#     192.0.2.100 on eth0, gratuitous ARP), BENCH_N failovers;
#  2. routed: the cluster of tests/lib/routed.sh (n1 and n2 in different
#     subnets behind a router, VIP 192.0.2.200 on lo, announced by FRR over
#     eBGP with BFD), BENCH_N failovers.
#     A failover: the client (tests/net/writer: a SET every 10 ms, 200 ms
#     timeouts, a new connection every 250 ms) writes through the VIP, the
#     master's redis-server gets kill -9, t=0 once it is reaped. Per run:
#       outage  kill to the first write acknowledged by the new master
#       role    kill to the replica answering ROLE "master" (rolepoll.sh)
#       vip     kill to +vip-acquired in the new master's vipd log
#       route   (routed) kill to the router's first sampled route to the new
#               master (tests/net/sampler -r, every 10 ms)
#     Between runs the killed node comes back as a replica and the run waits
#     until every sentinel has settled (tests/bench/lib.sh, bench_restore).
#     The two modes run one after the other (their namespaces share names),
#     L2 first.
#  3. lost node: BENCH_BFD_N times, a fresh routed cluster, then the master
#     node "loses power" (its link deleted, then its processes killed):
#       withdraw  power-off to the router's first sample without its route
#                 (BFD 100 ms x 3; BGP's hold time is 9 s)
#       outage    power-off to the first write acknowledged by the other
#                 node (Sentinel's failover and the new announcement)
#
# The summary goes to stdout; progress to stderr. Run as root from a build
# directory (or point top_builddir at one), ~5 minutes:
#   top_builddir=/tmp/build-bench top_srcdir=/path/to/vipd /path/to/vipd/tests/bench/routed.sh
#
# Environment:
#   BENCH_N=5          failovers per mode
#   BENCH_BFD_N=5      power-offs (a fresh routed cluster each)
#   BENCH_SKIP="l2"    skip parts: l2, routed, bfd
#   BENCH_REPORT=FILE  also write the figures as TSV (section, subject,
#                      metric, value)
#   BENCH_KEEP=1       keep the logs ($BENCH_DIR and $CLUSTER_DIR)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

tests=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/bench/setup.sh
. "$tests/bench/setup.sh"
# The seed cluster's addresses, before routed.sh replaces them.
declare -A L2_IP=()
for k in "${!CLUSTER_IP[@]}"; do L2_IP[$k]=${CLUSTER_IP[$k]}; done
L2_VIP=$CLUSTER_VIP
# shellcheck source=tests/lib/routed.sh
. "$tests/lib/routed.sh"
declare -A R_IP=()
for k in "${!CLUSTER_IP[@]}"; do R_IP[$k]=${CLUSTER_IP[$k]}; done
R_VIP=$CLUSTER_VIP

N=${BENCH_N:-5}
BFD_N=${BENCH_BFD_N:-5}
SKIP=" ${BENCH_SKIP:-} "
# Sentinel refuses a new failover of a master for 2 x failover-timeout after
# the last one; 3 s keeps the runs short (a clean failover takes ~1.5 s).
CLUSTER_FAILOVER_TIMEOUT=3000
[ "${BENCH_KEEP:-0}" = 1 ] && CLUSTER_KEEP=1

die() { echo "routed.sh: $*" >&2; exit 1; }
skipped() { [[ $SKIP == *" $1 "* ]]; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
[ -x "$CLUSTER_VIPD" ] || die "$CLUSTER_VIPD is not built (top_builddir=$top_builddir)"
if [ ! -x "$CLUSTER_WRITER" ] || [ ! -x "$CLUSTER_SAMPLER" ]; then
	bench_log "building tests/net/writer and tests/net/sampler in $top_builddir"
	make -C "$top_builddir" tests/net/writer tests/net/sampler >&2 || die "cannot build the writer"
fi
lacking="$(cluster_missing_tools) $(routed_missing_tools)"
[ -z "${lacking// /}" ] || die "missing: $lacking"

BENCH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vipd-bench-routed.XXXXXX") || die "mktemp"
bench_dir_cleanup() {
	if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "# benchmark logs kept in $BENCH_DIR" >&2
	else rm -rf "$BENCH_DIR"; fi
}
NS_CLEANUP_HOOKS=(bench_cleanup "${NS_CLEANUP_HOOKS[@]}" bench_dir_cleanup)
REPORT_TSV="$BENCH_DIR/report.tsv"
: >"$REPORT_TSV"
tsv() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$REPORT_TSV"; }
T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# mode_l2 / mode_routed: the globals cluster.sh's helpers read.
mode_l2() {
	local k
	for k in "${!L2_IP[@]}"; do CLUSTER_IP[$k]=${L2_IP[$k]}; done
	CLUSTER_VIP=$L2_VIP CLUSTER_VIP_INTERFACE=eth0
}
mode_routed() {
	local k
	for k in "${!R_IP[@]}"; do CLUSTER_IP[$k]=${R_IP[$k]}; done
	CLUSTER_VIP=$R_VIP CLUSTER_VIP_INTERFACE=lo
}

# where_vip MODE NODE: the VIP is on NODE only (routed: and the router
# routes it there only).
where_vip() {
	cluster_holders_are "$2" || return 1
	[ "$1" = l2 ] || routed_paths_are "$2"
}

declare -A OUT=() ROLE=() ACQ=() ROUTE=() OK=() FAIL=()

# run_one MODE I: one failover; 0 done, 1 restore failed, 2 could not start.
run_one() {
	local mode=$1 i=$2 m r t_kill real0 res outage on role acq route
	m=$(bench_current_master) || { bench_log "no master named by the sentinels"; return 2; }
	r=${BENCH_OTHER[$m]}
	wait_for 15 where_vip "$mode" "$m" || { bench_log "$mode: the VIP is not on $m alone"; return 2; }
	bench_writer_start "$CLUSTER_VIP" || return 2
	wait_for 5 bench_writer_acks_over 50 || { bench_log "$mode: no writes through the VIP"; bench_writer_stop; return 2; }
	bench_rolepoll_start "$r" || { bench_log "ROLE poller on $r did not start"; bench_writer_stop; return 2; }
	sleep 0.3
	cluster_kill_redis "$m"
	real0=$EPOCHREALTIME
	t_kill=$(cluster_now)
	if wait_for 20 bench_writer_acked_by "$t_kill" "${CLUSTER_IP[$r]}"; then
		sleep 0.3
		res=$(bench_writer_after "$t_kill")
		outage=${res% *}; on=${res#* }
		bench_rolepoll_master_after "$real0"
		role=$BENCH_ROLE_MS
		acq=$(bench_vipd_log_event "$r" "+vip-acquired" "$real0")
		route=-
		if [ "$mode" = routed ]; then
			route=$(awk -v k="$t_kill" -v l="$r" '$1 != "end" && $1 >= k && $2 == l { print $1 - k; exit }' \
				"$CLUSTER_DIR/sampler.log")
			[ -n "$route" ] || route=-
		fi
		OUT[$mode]+=" $outage"
		[ "$role" != - ] && ROLE[$mode]+=" $role"
		[ "$acq" != - ] && ACQ[$mode]+=" $acq"
		[ "$route" != - ] && ROUTE[$mode]+=" $route"
		OK[$mode]=$((${OK[$mode]:-0} + 1))
		tsv "failover-$mode" "run$i" outage_ms "$outage"
		tsv "failover-$mode" "run$i" role_master_ms "$role"
		tsv "failover-$mode" "run$i" vip_acquired_ms "$acq"
		tsv "failover-$mode" "run$i" route_ms "$route"
		bench_log "$(printf '%-6s run %d: kill %s  outage %5s ms (first ack from %s)  role:master %5s  +vip-acquired %5s  route %5s' \
			"$mode" "$i" "$m" "$outage" "$on" "$role" "$acq" "$route")"
	else
		FAIL[$mode]=$((${FAIL[$mode]:-0} + 1))
		bench_log "$mode run $i: no write acknowledged by $r within 20 s of the kill (counted as failed)"
	fi
	bench_rolepoll_stop
	bench_writer_stop
	bench_restore "$m" "$r"
}

# failovers MODE: build MODE's cluster, BENCH_N failovers, tear down.
failovers() {
	local mode=$1 i rc n
	bench_log "$mode: building the cluster"
	if [ "$mode" = l2 ]; then
		mode_l2
		cluster_up || die "$mode: the cluster did not come up"
	else
		mode_routed
		routed_cluster_up || die "$mode: the cluster did not come up"
		routed_start_sampler 10 || die "the route sampler did not start"
	fi
	for n in $CLUSTER_DATA_NODES; do bench_vipd_start "$n" || die "$mode: vipd on $n"; done
	for ((i = 1; i <= N; i++)); do
		run_one "$mode" "$i"
		rc=$?
		[ $rc = 2 ] && FAIL[$mode]=$((${FAIL[$mode]:-0} + 1))
		[ $rc = 0 ] || die "$mode run $i: the cluster did not settle again (logs: BENCH_KEEP=1)"
	done
	bench_vipd_stop
	if [ "$mode" = l2 ]; then cluster_down; else routed_down; fi
}

# lost_node I: a fresh routed cluster; the master loses power.
lost_node() {
	local i=$1 t_off withdraw res outage
	mode_routed
	routed_cluster_up || die "bfd: the cluster did not come up"
	routed_start_sampler 10 || die "the route sampler did not start"
	for n in $CLUSTER_DATA_NODES; do bench_vipd_start "$n" || die "bfd: vipd on $n"; done
	wait_for 15 where_vip routed n1 || die "bfd: the VIP is not routed to n1"
	bench_writer_start "$CLUSTER_VIP" || die "bfd: writer"
	wait_for 5 bench_writer_acks_over 50 || die "bfd: no writes through the VIP"
	sleep 0.3
	t_off=$(cluster_now)
	routed_power_off n1 || die "bfd: power-off of n1"
	n1_withdrawn() { [ "$(routed_first_sample_without "$t_off" n1)" -ge 0 ]; }
	wait_for 15 n1_withdrawn
	withdraw=$(routed_first_sample_without "$t_off" n1)
	# an ack from n1 may still arrive in the first milliseconds after t_off
	first_on_n2() {
		awk -v k="$t_off" -v ip="${CLUSTER_IP[n2]}" '$1 == "connected" { b = $4 }
			$1 == "ack" && $3 >= k && b == ip { print $3 - k; exit }' "$BENCH_WRITER_LOG"
	}
	n2_acked() { [ -n "$(first_on_n2)" ]; }
	outage=-
	wait_for 20 n2_acked && outage=$(first_on_n2)
	WITHDRAW+=" $withdraw"
	[ "$outage" != - ] && NODE_OUT+=" $outage"
	tsv bfd "run$i" withdraw_ms "$withdraw"
	tsv bfd "run$i" outage_ms "$outage"
	bench_log "bfd    run $i: power-off of n1, route withdrawn after $withdraw ms, client outage $outage ms"
	bench_writer_stop
	bench_vipd_stop
	routed_down
}

skipped l2 || failovers l2
skipped routed || failovers routed
WITHDRAW='' NODE_OUT=''
if ! skipped bfd; then
	for ((i = 1; i <= BFD_N; i++)); do lost_node "$i"; done
fi

# --- summary --------------------------------------------------------------------------------
TOTAL=$(($(date +%s) - T0))
line() {
	# shellcheck disable=SC2086
	printf '  %-22s %5s %7s %7s %7s   %s\n' "$1" "$(echo $2 | wc -w)" "$(bench_median $2)" "$(bench_min $2)" "$(bench_max $2)" "$(printf '%s ' $2)"
}
{
	echo "vipd routed-mode benchmark: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) CPUs, $("$ROUTED_FRR_DIR/bgpd" -v 2>/dev/null | head -n 1), $(redis-server --version | awk '{ print $1, $2, $3 }')"
	echo "  load average at start $LOAD0, at end $(cut -d' ' -f1-3 /proc/loadavg); run time $TOTAL s"
	echo
	echo "== Client write outage after kill -9 of the master (ms: kill to the first write acknowledged by the new master) =="
	echo "  writer every 10 ms (200 ms timeouts, new connection every 250 ms); down-after-milliseconds 1000; $N failovers per mode"
	printf '  %-22s %5s %7s %7s %7s   %s\n' "" n median min max "all runs"
	for mode in l2 routed; do
		line "$mode" "${OUT[$mode]:-}"
		[ -n "${FAIL[$mode]:-}" ] && echo "    ($mode: ${FAIL[$mode]} failed runs)"
	done
	# shellcheck disable=SC2086
	ml2=$(bench_median ${OUT[l2]:-})
	# shellcheck disable=SC2086
	mr=$(bench_median ${OUT[routed]:-})
	diff=$(awk -v a="$mr" -v b="$ml2" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%d\n", a - b }')
	echo "  routed minus L2, medians: $diff ms (target: within 200 ms)"
	tsv failover diff median_routed_minus_l2_ms "$diff"
	echo
	echo "== Where the time goes (ms after the kill) =="
	printf '  %-22s %5s %7s %7s %7s   %s\n' "" n median min max "all runs"
	for mode in l2 routed; do
		line "$mode role:master" "${ROLE[$mode]:-}"
		line "$mode +vip-acquired" "${ACQ[$mode]:-}"
	done
	line "routed route on router" "${ROUTE[routed]:-}"
	echo
	echo "== Lost node: power-off of the master (its link deleted, then its processes killed) =="
	echo "  BFD ${ROUTED_BFD_MS} ms x ${ROUTED_BFD_MULT}, BGP keepalive 3 s / hold 9 s; a fresh cluster each run"
	printf '  %-22s %5s %7s %7s %7s   %s\n' "" n median min max "all runs"
	line "route withdrawn" "$WITHDRAW"
	line "client outage" "$NODE_OUT"
	# shellcheck disable=SC2086
	tsv bfd all median_withdraw_ms "$(bench_median $WITHDRAW)"
}
[ -n "${BENCH_REPORT:-}" ] && cp "$REPORT_TSV" "$BENCH_REPORT"
exit 0
