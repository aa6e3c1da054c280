#!/bin/bash
# shellcheck disable=SC2317,SC1091  # functions called indirectly (hooks, wait_for)
# Benchmark (not part of make check): the master's node cut off from the
# other data node and from n3 for 8 s while the clients still reach it,
# through vipd at its default configuration and through HAProxy configured as
# the set-up vipd replaces. What a client loses, and whether two nodes take
# its writes at once.
#
# On the seed cluster of tests/lib/cluster.sh (n1/n2 data nodes with redis and
# sentinel, n3 a sentinel, c the client; down-after-milliseconds 1000,
# SENTINEL DEBUG info-period 1000 publish-period 500) plus the namespace "hp"
# (192.0.2.60) with HAProxy 2.6 from Debian (tests/bench/haproxy.cfg.in, as
# in failover.sh: a tcp-check PING / info replication / expect role:master,
# roundrobin over the servers it considers up), BENCH_N rounds of one run per
# set-up, the order rotated by one each round:
#   vipd           vipd on both data nodes with its default configuration
#                  (address, interface, redis and sentinels only: the timing
#                  derived from down-after-milliseconds, no-quorum-policy
#                  release, early claim, refuse); the client writes to the VIP
#   haproxy-seed   HAProxy with the seed write-up's check (inter 1s, fall 3
#                  and rise 2 by default)
#   haproxy-tuned  HAProxy with "inter 100ms fall 1 rise 1 on-marked-down
#                  shutdown-sessions"; with either the client writes to
#                  192.0.2.60
# Only the set-up under test runs. A run partitions whichever data node is
# the master (M; the other data node is R):
#   1. the cluster is healthy (every sentinel names M, R is its replica in
#      sync, no failover pending) and the set-up sends clients to M only; the
#      writer (tests/net/writer, as failover.sh runs it: SET <run>:<n> every
#      10 ms, 200 ms timeouts, a new connection every 250 ms) writes through
#      it; the monitor (what each sentinel names and each data node's ROLE,
#      every 20 ms, from the client namespace) runs, with vipd the sampler of
#      the VIP's holders (every 10 ms), with HAProxy a poller of its servers'
#      status (the stats socket, every ~100 ms);
#   2. t=0: blackhole routes between M's namespace and R's and n3's, both
#      ways (as tests/net/chaos.sh's scenario 4); the client and HAProxy still
#      reach every node;
#   3. BENCH_HOLD seconds (8) later the routes go; the run waits until M is a
#      replica of R in sync, every sentinel names R with M a healthy replica,
#      and the set-up sends clients to R only (vipd: the VIP on R only;
#      HAProxy: R UP, M DOWN); 1 s more, then the writer stops.
# Figures per run (ms after t=0):
#   acked      writes the client saw acknowledged, the whole run
#   lost       acknowledged writes whose key is not on the final master (R)
#   old acks   writes acknowledged by M after t=0 (lost when M becomes R's
#              replica, unless they reached R before the cut)
#   new acks   writes acknowledged by R after t=0
#   gap        the longest time between two acknowledged writes after t=0
#   fails      failed attempts the client saw after t=0 (timeouts, refused or
#              reset connections, READONLY from a demoted master, ...)
#   promoted   t=0 to a majority of the sentinels naming R
#   vipd:      two-holder samples (the whole run) and the time they cover,
#              release (first sample without the VIP on M), claim (first
#              sample with the VIP on R)
#   HAProxy:   both up (time HAProxy considered both servers up, so that
#              new connections went to either: polled status "UP" or
#              "UP k/n", summed over the polling intervals after t=0), R up
#              (first poll with R up), M down (first poll with M not up).
#              The poller logs each server's last check result too: a
#              demoted M answers role:slave, which the check's "expect
#              string role:master" does not match, so that check fails only
#              at its timeout (L7TOUT; the timeout is inter), and M stays up
#              for fall x (timeout + inter) after its demotion.
# and per set-up the median and range of each. The summary goes to stdout,
# progress to stderr.
#
# Run as root from a build directory (or point top_builddir at one), ~6
# minutes with the defaults (15 runs of ~20 s, plus the cluster's start):
#   mkdir -p /tmp/build-bench && cd /tmp/build-bench && /path/to/vipd/configure -q && make -j2
#   top_builddir=/tmp/build-bench top_srcdir=/path/to/vipd /path/to/vipd/tests/bench/partition.sh
# tests/net/writer and tests/net/sampler are check programs: the script runs
# `make tests/net/writer tests/net/sampler` in top_builddir if they are missing.
#
# Environment:
#   BENCH_N=5            runs per set-up
#   BENCH_SETUPS="vipd haproxy-seed haproxy-tuned"
#   BENCH_HOLD=8         seconds the partition lasts
#   BENCH_REPORT=FILE    also write the figures as TSV (section, subject,
#                        metric, value)
#   BENCH_KEEP=1         keep the logs ($BENCH_DIR and $CLUSTER_DIR)
#   CLUSTER_TMPDIR       where the cluster's files go (default /dev/shm)
#   VIPD_REDIS_SERVER, VIPD_REDIS_SENTINEL, VIPD_REDIS_CLI  the server
#                        binaries (default: redis-*)
# HAProxy and Redis are installed with apt-get when missing; the haproxy
# package's own service is never started (policy-rc.d during the install).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

tests=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/bench/setup.sh
. "$tests/bench/setup.sh"

N=${BENCH_N:-5}
SETUPS=${BENCH_SETUPS:-vipd haproxy-seed haproxy-tuned}
HOLD=${BENCH_HOLD:-8}
# vipd's default configuration: nothing added to the vip section
unset CLUSTER_VIPD_EXTRA BENCH_EARLY_CLAIM BENCH_VIPD_REFUSE
# shellcheck disable=SC2034  # read by cluster_cleanup
[ "${BENCH_KEEP:-0}" = 1 ] && CLUSTER_KEEP=1

DONE_RUNS=0
die() {
	echo "partition.sh: $*" >&2
	[ "$DONE_RUNS" -gt 0 ] && part_summary "stopped early: $*"
	exit 1
}

# --- prerequisites ------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
[[ $N =~ ^[1-9][0-9]*$ ]] || die "BENCH_N must be a positive number, not \"$N\""
[[ $HOLD =~ ^[1-9][0-9]*$ ]] || die "BENCH_HOLD must be a positive number of seconds, not \"$HOLD\""
for s in $SETUPS; do
	case $s in vipd | haproxy-seed | haproxy-tuned) ;; *) die "unknown set-up in BENCH_SETUPS: $s" ;; esac
done

need_pkgs=()
command -v haproxy >/dev/null || need_pkgs+=(haproxy)
command -v redis-server >/dev/null || need_pkgs+=(redis-server)
command -v redis-sentinel >/dev/null || need_pkgs+=(redis-sentinel)
command -v redis-cli >/dev/null || need_pkgs+=(redis-tools)
if [ ${#need_pkgs[@]} -gt 0 ]; then
	bench_log "installing ${need_pkgs[*]}"
	# Keep the packages' own services from starting (tests/deps.sh).
	DEBIAN_FRONTEND=noninteractive deps_no_services apt-get install -y -q "${need_pkgs[@]}" >&2 ||
		die "apt-get install ${need_pkgs[*]} failed"
fi
[ -x "$CLUSTER_VIPD" ] || die "$CLUSTER_VIPD is not built (top_builddir=$top_builddir)"
if [ ! -x "$CLUSTER_WRITER" ] || [ ! -x "$CLUSTER_SAMPLER" ]; then
	bench_log "building tests/net/writer and tests/net/sampler in $top_builddir"
	make -C "$top_builddir" tests/net/writer tests/net/sampler >&2 || die "cannot build the writer"
fi
lacking=$(cluster_missing_tools)
[ -z "$lacking" ] || die "missing: $lacking"
ip netns add "${NS_RUN}-probe" 2>/dev/null || die "cannot create network namespaces here"
ip netns del "${NS_RUN}-probe"

BENCH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vipd-partition.XXXXXX") || die "mktemp"
bench_dir_cleanup() {
	if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "# benchmark logs kept in $BENCH_DIR" >&2
	else rm -rf "$BENCH_DIR"; fi
}
# the observers and the benchmark's processes before cluster_cleanup (which
# cluster_net appends), the directory last
NS_CLEANUP_HOOKS=(part_observers_stop bench_cleanup "${NS_CLEANUP_HOOKS[@]}")

T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
REPORT_TSV="$BENCH_DIR/report.tsv"
: >"$REPORT_TSV"
tsv() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$REPORT_TSV"; }

# --- the cluster and the partition --------------------------------------------------

part_up() {
	cluster_up || return 1
	[[ " ${NS_CLEANUP_HOOKS[*]} " == *" bench_dir_cleanup "* ]] || NS_CLEANUP_HOOKS+=(bench_dir_cleanup)
	bench_haproxy_net
}

# part_rebuild: everything from scratch (after a run that did not settle).
part_rebuild() {
	bench_log "rebuilding the cluster from scratch"
	part_observers_stop
	bench_writer_stop
	bench_haproxy_stop
	bench_vipd_stop
	cluster_down
	ip netns del "$(ns_name hp)" 2>/dev/null
	part_up
}

# part_cut add|del NODE: blackhole routes between NODE and the other data
# node and n3, both ways (tests/net/chaos.sh's partition()): NODE keeps its
# own sentinel, which then sees no majority; c and hp reach every node.
part_cut() {
	local op=$1 m=$2 o
	for o in ${BENCH_OTHER[$m]} n3; do
		ip -n "$(ns_name "$m")" route "$op" blackhole "${CLUSTER_IP[$o]}/32" || return 1
		ip -n "$(ns_name "$o")" route "$op" blackhole "${CLUSTER_IP[$m]}/32" || return 1
	done
}

# --- observers ------------------------------------------------------------------------

PART_HPSTAT_PID=
PART_SAMPLER=0

# part_writer_start ADDR PREFIX: tests/net/writer through ADDR (as
# bench_writer_start, with this run's own key prefix).
part_writer_start() {
	BENCH_WRITER_LOG="$BENCH_DIR/writer.$2.log"
	ns_bg c "$BENCH_WRITER_LOG.out" "$CLUSTER_WRITER" -i 10 -t 200 -r 250 -k "$2" -l "$BENCH_WRITER_LOG" \
		"$1" "$CLUSTER_REDIS_PORT" || return 1
	BENCH_WRITER_PID=$NS_LAST_PID
}

# part_hpstat_start LOG: HAProxy's view of n1 and n2, one line per poll:
# "<ms> n1=<status>,<check> n2=<status>,<check>" (CLOCK_MONOTONIC, taken
# once the stats socket has answered; spaces in the status become "_":
# "UP_1/3"; check: the last check's result, e.g. L7OK, L7TOUT, L4CON), or
# "<ms> ?" when the socket did not answer.
part_hpstat_start() {
	local log=$1
	(
		trap 'exit 0' TERM
		while :; do
			s=$(bench_haproxy_stat | awk -F, '
				/^# / { for (i = 1; i <= NF; i++) if ($i == "check_status") cs = i; next }
				$1 == "redis_backend" && ($2 == "n1" || $2 == "n2") {
					gsub(" ", "_", $18); printf " %s=%s,%s", $2, $18, cs ? $cs : "?" }')
			echo "$(cluster_now)${s:- ?}"
			sleep 0.1
		done
	) >"$log" 2>/dev/null &
	PART_HPSTAT_PID=$!
	NS_PIDS+=("$PART_HPSTAT_PID")
}

# part_observers_stop: the monitor, the sampler and the HAProxy poller, each
# by its PID.
part_observers_stop() {
	local p
	for p in "${CLUSTER_MONITOR_PIDS[@]}"; do ns_stop_pid "$p"; ns_forget_pid "$p"; done
	CLUSTER_MONITOR_PIDS=()
	if [ "$PART_SAMPLER" = 1 ]; then
		ns_stop_pid "$CLUSTER_SAMPLER_PID"
		ns_forget_pid "$CLUSTER_SAMPLER_PID"
		CLUSTER_SAMPLER_PID='' PART_SAMPLER=0
	fi
	if [ -n "$PART_HPSTAT_PID" ]; then
		ns_stop_pid "$PART_HPSTAT_PID"
		ns_forget_pid "$PART_HPSTAT_PID"
		PART_HPSTAT_PID=
	fi
}

# --- set-ups ----------------------------------------------------------------------------

# part_setup SETUP M: only SETUP runs, and it sends clients to M only.
part_setup() {
	local setup=$1 m=$2 n mode
	case $setup in
	vipd)
		bench_haproxy_stop
		# a fresh vipd for every run: each run's log starts with it
		bench_vipd_stop
		for n in $CLUSTER_DATA_NODES; do bench_vipd_start "$n" || return 1; done
		wait_for 15 cluster_holders_are "$m" || { bench_log "vipd: the VIP is on $(cluster_holders), not $m"; return 1; }
		;;
	haproxy-*)
		bench_vipd_stop
		wait_for 5 cluster_holders_are - || { bench_log "the VIP is still on $(cluster_holders)"; return 1; }
		mode=${setup#haproxy-}
		[ "$BENCH_HAPROXY_MODE" = "$mode" ] || bench_haproxy_stop
		[ -n "$BENCH_HAPROXY_PID" ] || bench_haproxy_start "$mode" || return 1
		wait_for 15 bench_haproxy_sends_to "$m" || {
			bench_log "haproxy: n1 $(bench_haproxy_status n1), n2 $(bench_haproxy_status n2); want $m UP only"
			return 1
		}
		;;
	esac
}

# part_sends_to SETUP NODE: the set-up sends clients to NODE only.
part_sends_to() {
	if [ "$1" = vipd ]; then cluster_holders_are "$2"; else bench_haproxy_sends_to "$2"; fi
}

part_role_is() { [ "$(cluster_role "$1")" = "$2" ]; }

# part_healed SETUP OLD NEW: OLD is NEW's replica in sync, every sentinel
# names NEW with OLD a healthy replica, and the set-up sends clients to NEW.
part_healed() {
	part_role_is "$2" slave && cluster_replica_synced "$2" && bench_sentinel_settled "$3" "$2" &&
		part_sends_to "$1" "$3"
}

# --- figures ------------------------------------------------------------------------------

# part_write_figures LOG KEYS PREFIX CUT HEAL OLD_IP NEW_IP: "acked lost
# old_acks old_acks_after_heal new_acks gap fails lost_by_new" (see the top;
# new_acks: writes NEW acknowledged after CUT; gap includes the one across
# t=0; lost_by_new: lost writes NEW itself acknowledged, which nothing but a
# bug loses).
part_write_figures() {
	awk -v p="$3:" -v cut="$4" -v heal="$5" -v old="$6" -v new="$7" '
		FILENAME == ARGV[1] { if (index($0, p) == 1) have[substr($0, length(p) + 1)] = 1; next }
		$1 == "connected" { b = $4; next }
		$1 == "fail" && $3 >= cut { fails++; next }
		$1 != "ack" { next }
		{
			acks++
			if (!($2 in have)) { lost++; if (b == new) lostnew++ }
			if ($3 >= cut && b == old) { oacks++; if ($3 >= heal) oheal++ }
			if ($3 >= cut && b == new) nacks++
			if ($3 >= cut && prev != "" && $3 - prev > gap) gap = $3 - prev
			prev = $3
		}
		END { printf "%d %d %d %d %d %d %d %d\n", acks, lost, oacks, oheal, nacks, gap, fails, lostnew }' "$2" "$1"
}

# part_sampler_figures CUT OLD NEW: "release claim multi overlap back" from
# the VIP sampler: release/claim as at the top ("-" if never), multi = samples
# with two holders (whole run) and the ms they cover, back = samples with OLD
# holding again after its release.
part_sampler_figures() {
	awk -v tf="$1" -v old="$2" -v new="$3" '
		function has(s, n,   k, i, h) { k = split(s, h, ","); for (i = 1; i <= k; i++) if (h[i] == n) return 1; return 0 }
		$1 == "end" { next }
		{
			if (pt != "" && pm) overlap += $1 - pt
			pm = ($2 ~ /,/); if (pm) multi++
			pt = $1
			if ($1 < tf) next
			if (rel != "" && has($2, old)) back++
			if (rel == "" && !has($2, old)) rel = $1 - tf
			if (claim == "" && has($2, new)) claim = $1 - tf
		}
		END { printf "%s %s %d %d %d\n", rel == "" ? "-" : rel, claim == "" ? "-" : claim, multi, overlap, back }' \
		"$CLUSTER_DIR/sampler.log"
}

# part_hpstat_figures LOG CUT OLD NEW: "both new_up old_down polls max_poll"
# from the HAProxy poller after CUT: ms with both servers up (each poll's
# state held until the next poll), first poll with NEW up and with OLD not up
# ("-" if never), number of polls and the longest interval between two.
part_hpstat_figures() {
	awk -v tf="$2" -v old="$3" -v new="$4" '
		$1 < tf { next }
		{
			known = ($2 != "?")
			uo = known && index($0, " " old "=UP") > 0
			un = known && index($0, " " new "=UP") > 0
			if (pt != "") { if (pboth) both += $1 - pt; if ($1 - pt > maxi) maxi = $1 - pt }
			pt = $1; pboth = uo && un; polls++
			if (nup == "" && un) nup = $1 - tf
			if (odown == "" && known && !uo) odown = $1 - tf
		}
		END { printf "%d %s %s %d %d\n", both, nup == "" ? "-" : nup, odown == "" ? "-" : odown, polls, maxi }' "$1"
}

# part_monitor_figures LOG CUT HEAL OLD NEW: "promoted demoted": CUT to a
# majority of the sentinels naming NEW, HEAL to OLD's ROLE saying slave.
part_monitor_figures() {
	cluster_monitor_sorted "$1" | awk -v tf="$2" -v th="$3" -v oldn="$4" -v nip="$5" '
		$2 ~ /^s-/ { v[$2] = $3; c = 0; for (k in v) if (v[k] == nip) c++
			if ($1 >= tf && c >= 2 && pro == "") pro = $1 - tf }
		$2 == "r-" oldn && $3 == "slave" && $1 >= th && dem == "" { dem = $1 - th }
		END { printf "%s %s\n", pro == "" ? "-" : pro, dem == "" ? "-" : dem }'
}

# --- one run ---------------------------------------------------------------------------------

# Per set-up lists of per-run figures, keyed "SETUP metric".
# NOSTART: runs that could not start (no figures); UNSETTLED: runs after
# which the cluster did not settle (figures kept, the cluster rebuilt).
declare -A FIG=() RUNS=() NOSTART=() UNSETTLED=()
RUN_SEQ=0
fig() { FIG["$1 $2"]+=" $3"; tsv partition "$1" "$TAG.$2" "$3"; }

# part_observe SETUP ADDR: the observers and the writer; returns once the
# client's writes are acknowledged.
part_observe() {
	local setup=$1 addr=$2
	cluster_start_monitor "$BENCH_DIR/monitor.$TAG" 20 || { bench_log "the monitor did not start"; return 1; }
	if [ "$setup" = vipd ]; then
		cluster_start_sampler 10 || { bench_log "the sampler did not start"; return 1; }
		PART_SAMPLER=1
	else
		part_hpstat_start "$BENCH_DIR/hpstat.$TAG"
	fi
	part_writer_start "$addr" "$TAG" || return 1
	wait_for 10 bench_writer_acks_over 50 || { bench_log "$setup: the writer gets no acks through $addr"; return 1; }
	sleep 0.5
}

# part_run SETUP I: one partition through SETUP. 0 done, 1 the cluster did
# not settle afterwards (rebuild), 2 the run could not start.
part_run() {
	local setup=$1 i=$2 m r addr t_cut t_heal real0 keys w s h mo line settled=1 rt0
	local acked lost oacks oheal nacks gap fails lostnew rel claim multi overlap back both nup odown polls maxi pro dem
	rt0=$(date +%s)
	m=$(bench_current_master) || { bench_log "no master named by the sentinels"; return 2; }
	r=${BENCH_OTHER[$m]}
	wait_for 30 bench_sentinel_settled "$m" "$r" || { bench_log "the sentinels are not settled on $m"; return 2; }
	part_setup "$setup" "$m" || return 2
	if [ "$setup" = vipd ]; then addr=$CLUSTER_VIP; else addr=$BENCH_HP_IP; fi
	RUN_SEQ=$((RUN_SEQ + 1))
	TAG="r$RUN_SEQ"
	part_observe "$setup" "$addr" || { part_observers_stop; bench_writer_stop; return 2; }

	real0=$EPOCHREALTIME
	t_cut=$(cluster_now)
	part_cut add "$m" || { bench_log "blackhole routes failed"; part_cut del "$m" 2>/dev/null; return 1; }
	sleep "$(awk -v e="$(($(cluster_now) - t_cut))" -v h="$HOLD" 'BEGIN { s = h - e / 1000; print (s > 0 ? s : 0) }')"
	part_cut del "$m" || { bench_log "removing the blackhole routes failed"; return 1; }
	t_heal=$(cluster_now)
	wait_for 60 part_healed "$setup" "$m" "$r" || {
		settled=0
		bench_log "$setup run $i: not settled 60 s after the heal: $m role $(cluster_role "$m"), sentinels name" \
			"$(cluster_master_of n3), clients go to $(if [ "$setup" = vipd ]; then cluster_holders; else
				echo "n1 $(bench_haproxy_status n1), n2 $(bench_haproxy_status n2)"; fi)"
	}
	sleep 1
	bench_writer_stop
	w=$BENCH_WRITER_LOG
	part_observers_stop
	keys="$BENCH_DIR/keys.$TAG"
	if ! ns_exec c timeout 60 "$VIPD_REDIS_CLI" -h "${CLUSTER_IP[$r]}" -p "$CLUSTER_REDIS_PORT" \
		--scan --pattern "$TAG:*" >"$keys" 2>/dev/null; then
		bench_log "$setup run $i: cannot list the keys on $r: no figures for this run"
		return 1
	fi

	read -r acked lost oacks oheal nacks gap fails lostnew <<<"$(part_write_figures "$w" "$keys" "$TAG" "$t_cut" "$t_heal" \
		"${CLUSTER_IP[$m]}" "${CLUSTER_IP[$r]}")"
	read -r pro dem <<<"$(part_monitor_figures "$BENCH_DIR/monitor.$TAG" "$t_cut" "$t_heal" "$m" "${CLUSTER_IP[$r]}")"
	tsv partition "$setup" "$TAG.cut" "$m"
	for mo in acked lost oacks oheal nacks gap fails lostnew pro dem; do fig "$setup" "$mo" "${!mo}"; done
	line="acked $acked, lost $lost (acked by $m after the cut $oacks, $oheal of them after the heal; by $r $lostnew)"
	line+=", $nacks acked by $r after the cut"
	line+=", longest gap $gap ms, $fails failed attempts; promoted at $pro ms, $m a replica $dem ms after the heal"
	if [ "$setup" = vipd ]; then
		cp "$CLUSTER_DIR/sampler.log" "$BENCH_DIR/sampler.$TAG"
		read -r rel claim multi overlap back <<<"$(part_sampler_figures "$t_cut" "$m" "$r")"
		for mo in rel claim multi overlap back; do fig "$setup" "$mo" "${!mo}"; done
		h=$(bench_vipd_log_event "$m" -vip-released "$real0")
		fig "$setup" rel_log "$h"
		line+="; VIP: release $rel ms (vipd's log: $h ms), claim $claim ms, two-holder samples $multi ($overlap ms)"
		[ "$back" = 0 ] || line+=", $back samples with $m holding again"
		# shellcheck disable=SC2012  # our own file names
		s=$(grep -m 1 -h -- '-vip-released' "$(ls -t "$BENCH_DIR/$m".vipd.log.* | head -n 1)" 2>/dev/null)
		[ -z "$s" ] || bench_log "  $m: ${s:0:220}"
	else
		read -r both nup odown polls maxi <<<"$(part_hpstat_figures "$BENCH_DIR/hpstat.$TAG" "$t_cut" "$m" "$r")"
		for mo in both nup odown polls maxi; do fig "$setup" "$mo" "${!mo}"; done
		line+="; HAProxy: both up $both ms, $r up at $nup ms, $m down at $odown ms ($polls polls, longest interval $maxi ms)"
	fi
	bench_log "$(printf '%-13s run %d (%s, cut %s): %s' "$setup" "$i" "$TAG" "$m" "$line")"
	RUNS[$setup]=$((${RUNS[$setup]:-0} + 1))
	DONE_RUNS=$((DONE_RUNS + 1))
	# only this run's keys: the next resync is short
	cluster_redis_cli "$r" FLUSHALL >/dev/null
	[ $settled = 1 ] || { UNSETTLED[$setup]=$((${UNSETTLED[$setup]:-0} + 1)); return 1; }
	wait_for 60 bench_failover_delay_clear || { bench_log "the sentinels' epochs do not settle"; return 1; }
	bench_log "$setup run $i: done after $(($(date +%s) - rt0)) s"
}

# --- summary -----------------------------------------------------------------------------------

# cell SETUP METRIC [SCALE]: "median [min-max]" of the runs ("-" if none);
# SCALE s prints ms as seconds.
cell() {
	local v=${FIG["$1 $2"]:-} med lo hi
	# shellcheck disable=SC2086
	v=$(printf '%s\n' $v | grep -v '^-$' | tr '\n' ' ')
	# shellcheck disable=SC2086
	[ -n "${v// /}" ] || { echo -; return; }
	# shellcheck disable=SC2086
	med=$(bench_median $v) lo=$(bench_min $v) hi=$(bench_max $v)
	if [ "${3:-}" = s ]; then
		awk -v a="$med" -v b="$lo" -v c="$hi" 'BEGIN { printf "%.2f [%.2f-%.2f]\n", a / 1000, b / 1000, c / 1000 }'
	else
		echo "$med [$lo-$hi]"
	fi
}

row_main() { printf '  %-13s %4s  %-19s %-15s %-15s %-19s %-19s %-19s\n' "$@"; }
row_vipd() { printf '  %-13s %-15s %-15s %-19s %-19s\n' "$@"; }
row_hp() { printf '  %-13s %-21s %-21s %-21s\n' "$@"; }

part_summary() {
	local s mo load1 total
	load1=$(cut -d' ' -f1-3 /proc/loadavg)
	total=$(($(date +%s) - T0))
	echo "vipd partition benchmark: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) CPUs${1:+ ($1)}"
	echo "  vipd $CLUSTER_VIPD (default configuration), $(haproxy -v | head -n 1 | awk '{ print $1, $2, $3 }')," \
		"$("$VIPD_REDIS_SERVER" --version | awk '{ print $1, $2, $3 }')"
	echo "  load average at start $LOAD0, at end $load1; run time $total s"
	echo
	echo "== The master cut off from the other data node and n3 for $HOLD s, clients reaching every node =="
	echo "  down-after-milliseconds 1000; the writer: SET every 10 ms, 200 ms timeouts, a new connection every 250 ms;"
	echo "  each cell: median [min-max] over the runs; acked: acknowledged writes (whole run); lost: of those, missing"
	echo "  on the final master; old / new acks: writes the cut-off master / the other node acknowledged after the cut;"
	echo "  gap: longest time without an acknowledged write after the cut (s); promoted: the cut to a majority of the"
	echo "  sentinels naming the other node (s)"
	row_main setup runs acked lost "old acks" "new acks" "gap (s)" "promoted (s)"
	for s in $SETUPS; do
		row_main "$s" "${RUNS[$s]:-0}" "$(cell "$s" acked)" "$(cell "$s" lost)" "$(cell "$s" oacks)" \
			"$(cell "$s" nacks)" "$(cell "$s" gap s)" "$(cell "$s" pro s)"
		for mo in acked lost oacks nacks gap pro; do
			# shellcheck disable=SC2086,SC2046
			tsv partition "$s" "median_$mo" "$(bench_median $(printf '%s\n' ${FIG["$s $mo"]:-} | grep -v '^-$'))"
		done
	done
	echo
	echo "== Two places taking writes =="
	if [[ " $SETUPS " == *" vipd "* ]]; then
		echo "  vipd: samples (every 10 ms, every namespace) with the VIP on two nodes, and the time they cover (whole run);"
		echo "  release: the cut to the VIP gone from the cut-off master; claim: to the VIP on the other node (s)"
		row_vipd "" "two-holder" "overlap (ms)" "release (s)" "claim (s)"
		row_vipd vipd "$(cell vipd multi)" "$(cell vipd overlap)" "$(cell vipd rel s)" "$(cell vipd claim s)"
		tsv partition vipd total_multi "$(awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s + 0 }' <<<"${FIG["vipd multi"]:-}")"
	fi
	if [[ " $SETUPS " == *" haproxy-"* ]]; then
		echo "  HAProxy: time it had both servers up after the cut (polled every ~100 ms; it sends each new connection to"
		echo "  either), the cut to the other node first up, and to the cut-off master no longer up (s; the heal is at $HOLD s)"
		row_hp "" "both up (s)" "other up (s)" "old down (s)"
		for s in $SETUPS; do
			[[ $s == haproxy-* ]] || continue
			row_hp "$s" "$(cell "$s" both s)" "$(cell "$s" nup s)" "$(cell "$s" odown s)"
			# shellcheck disable=SC2086
			tsv partition "$s" median_both_ms "$(bench_median ${FIG["$s both"]:-})"
		done
	fi
	for s in $SETUPS; do
		[ -z "${NOSTART[$s]:-}" ] || echo "  $s: ${NOSTART[$s]} run(s) that could not start or broke off (no figures)"
		[ -z "${UNSETTLED[$s]:-}" ] ||
			echo "  $s: ${UNSETTLED[$s]} run(s) after which the cluster did not settle within 60 s (figures kept, cluster rebuilt)"
	done
	[ "$BENCH_DELAY_WAITS" -gt 0 ] &&
		echo "  between runs, $BENCH_DELAY_WAITS wait(s) for Sentinel's failover delay after an aborted attempt"
	tsv run all seconds "$total"
	tsv run all load_start "$LOAD0"
	tsv run all load_end "$load1"
	if [ -n "${BENCH_REPORT:-}" ]; then
		cp "$REPORT_TSV" "$BENCH_REPORT" && bench_log "TSV written to $BENCH_REPORT"
	fi
}

# --- main ------------------------------------------------------------------------------------------

bench_log "building the cluster (BENCH_DIR=$BENCH_DIR, load average $LOAD0)"
part_up || die "the cluster did not come up"
read -r -a setups <<<"$SETUPS"
ns_setups=${#setups[@]}
for ((i = 1; i <= N; i++)); do
	# rotate the order by one each round
	for ((j = 0; j < ns_setups; j++)); do
		setup=${setups[$(((i - 1 + j) % ns_setups))]}
		RUNS_BEFORE=${RUNS[$setup]:-0}
		part_run "$setup" "$i"
		rc=$?
		[ $rc = 0 ] && continue
		[ $rc = 1 ] || bench_log "$setup run $i could not start"
		# a run that broke off before its figures counts as not started
		[ "${RUNS[$setup]:-0}" -ge "$((RUNS_BEFORE + 1))" ] || NOSTART[$setup]=$((${NOSTART[$setup]:-0} + 1))
		part_rebuild || die "rebuilding the cluster failed"
	done
done
part_summary
exit 0
