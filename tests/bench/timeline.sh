#!/bin/bash
# shellcheck disable=SC2317,SC1091  # functions called indirectly (hooks, wait_for)
# Benchmark (not part of make check): Sentinel's own timelines, measured on
# one clock: what vipd relies on when a master crashes, when an operator
# switches over, and when a crashed master comes back.
#
# The seed cluster of tests/lib/cluster.sh (n1 master, n2 replica, a
# Sentinel on n1, n2 and n3, quorum 2, down-after-milliseconds 1000,
# failover-timeout 10000), without vipd. Each series builds it afresh and
# runs TIMELINE_N cycles of three scenarios; each cycle ends where it began:
#   crash       kill -9 of the master's redis-server (n1): n2 is promoted
#   restart     TIMELINE_DOWN seconds after the failover ended, n1's
#               redis-server starts again, empty (no persistence) and as a
#               master (no replicaof), as a crashed master restarted by its
#               service manager does; Sentinel demotes it after a while
#   switchover  SENTINEL FAILOVER mymaster, sent to TIMELINE_VIA's Sentinel
#               while the master (n2) is up: n1 is promoted back, and the
#               old master keeps saying master until Sentinel converts it
# t=0 is the fault: just before the kill, the start of redis-server, or the
# SENTINEL FAILOVER command (taken on the same clock by `writer -N`).
# Series: "default" (Sentinel's default periods: INFO every 10 s, hello every
# 2 s; CLUSTER_SENTINEL_DEFAULTS=1) and "short" (SENTINEL DEBUG info-period
# 1000 publish-period 500, what the project's tests use).
#
# Observers, all tests/net/writer monitors in the client namespace appending
# to one log, CLOCK_MONOTONIC ms taken when the bytes were read:
#   e-nX  every pub/sub message nX's Sentinel publishes (-m events)
#   s-nX  nX's Sentinel's SENTINEL GET-MASTER-ADDR-BY-NAME, every
#         TIMELINE_POLL ms (-m sentinel; changes only)
#   r-nX  ROLE of nX's redis-server, every TIMELINE_POLL ms (-m role)
#   h-nX  a connection to nX's redis-server that does nothing but wait
#         (-m hold): when does the server close it?
# tests/bench/timeline.awk turns a run's slice of the log into milestones.
#
# Output (stdout): per run, the milestones in seconds after the fault and
# the first time each Sentinel published each event; then markdown tables:
# median, min and max of each milestone per series, and which Sentinels
# publish which events. Progress goes to stderr.
#
# Run as root from a build directory (or point top_builddir at one):
#   mkdir -p /tmp/build-tl && cd /tmp/build-tl && /path/to/vipd/configure -q && make -j2
#   top_builddir=/tmp/build-tl top_srcdir=/path/to/vipd /path/to/vipd/tests/bench/timeline.sh
# (it runs `make tests/net/writer` in top_builddir when the writer is
# missing). A cycle takes about a minute with default periods, half that with
# short ones.
#
# Environment:
#   TIMELINE_N=3                cycles per series
#   TIMELINE_SERIES="default short"
#   TIMELINE_POLL=10            ms between two polls of a monitor
#   TIMELINE_VIA=n3             the Sentinel that gets SENTINEL FAILOVER
#   TIMELINE_DOWN=5             seconds the crashed master stays down after
#                               the failover ended
#   TIMELINE_REPORT=FILE        also write every figure as TSV
#   TIMELINE_KEEP=1             keep the logs (and print where)
#   TIMELINE_ANALYSE=DIR        run nothing: print the runs and the summary
#                               again from the logs a TIMELINE_KEEP=1 run
#                               kept in DIR (no root needed)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

tests=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/bench/setup.sh
. "$tests/bench/setup.sh"

N=${TIMELINE_N:-3}
SERIES=${TIMELINE_SERIES:-default short}
POLL=${TIMELINE_POLL:-10}
VIA=${TIMELINE_VIA:-n3}
DOWN=${TIMELINE_DOWN:-5}
AWKPROG="$tests/bench/timeline.awk"
# shellcheck disable=SC2034  # read by cluster_cleanup
[ "${TIMELINE_KEEP:-0}" = 1 ] && CLUSTER_KEEP=1

die() { echo "timeline.sh: $*" >&2; exit 1; }
tl_log() { echo "# $*" >&2; }

# --- prerequisites ------------------------------------------------------------

tl_prereq() {
	local s lacking
	[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
	[[ $N =~ ^[1-9][0-9]*$ ]] || die "TIMELINE_N must be a positive number, not '$N'"
	[[ $POLL =~ ^[1-9][0-9]*$ ]] || die "TIMELINE_POLL must be a positive number of ms, not '$POLL'"
	[[ $DOWN =~ ^[0-9]+$ ]] || die "TIMELINE_DOWN must be a number of seconds, not '$DOWN'"
	[[ " $CLUSTER_SENTINEL_NODES " == *" $VIA "* ]] || die "TIMELINE_VIA must be one of $CLUSTER_SENTINEL_NODES"
	for s in $SERIES; do
		[ "$s" = default ] || [ "$s" = short ] || die "TIMELINE_SERIES: '$s' is neither default nor short"
	done
	if [ ! -x "$CLUSTER_WRITER" ] || [ ! -x "$CLUSTER_SAMPLER" ]; then
		tl_log "building tests/net/writer and tests/net/sampler in $top_builddir"
		make -C "$top_builddir" tests/net/writer tests/net/sampler >&2 || die "cannot build the writer"
	fi
	"$CLUSTER_WRITER" -h | grep -q 'events|hold' || die "$CLUSTER_WRITER has no -m events/hold (rebuild it)"
	lacking=$(cluster_missing_tools)
	[ -z "$lacking" ] || die "missing: $lacking"
	ip netns add "${NS_RUN}-probe" 2>/dev/null || die "cannot create network namespaces here"
	ip netns del "${NS_RUN}-probe"
}

tl_dir_cleanup() {
	if [ "${TIMELINE_KEEP:-0}" = 1 ]; then echo "# timeline logs kept in $TL_DIR" >&2
	else rm -rf "$TL_DIR"; fi
}

# --- observers ---------------------------------------------------------------------

# tl_observers_start LOG: the four kinds of monitors; their PIDs go to
# CLUSTER_MONITOR_PIDS, so cluster_cleanup stops them.
tl_observers_start() {
	local log=$1 n ip
	for n in $CLUSTER_SENTINEL_NODES; do
		ip=${CLUSTER_IP[$n]}
		ns_bg c /dev/null "$CLUSTER_WRITER" -m events -L "e-$n" -i "$POLL" -t 200 -l "$log" \
			"$ip" "$CLUSTER_SENTINEL_PORT" || return 1
		CLUSTER_MONITOR_PIDS+=("$NS_LAST_PID")
		ns_bg c /dev/null "$CLUSTER_WRITER" -m sentinel -L "s-$n" -n "$CLUSTER_MASTER_NAME" -i "$POLL" \
			-t 100 -l "$log" "$ip" "$CLUSTER_SENTINEL_PORT" || return 1
		CLUSTER_MONITOR_PIDS+=("$NS_LAST_PID")
	done
	for n in $CLUSTER_DATA_NODES; do
		ip=${CLUSTER_IP[$n]}
		ns_bg c /dev/null "$CLUSTER_WRITER" -m role -L "r-$n" -i "$POLL" -t 100 -l "$log" \
			"$ip" "$CLUSTER_REDIS_PORT" || return 1
		CLUSTER_MONITOR_PIDS+=("$NS_LAST_PID")
		ns_bg c /dev/null "$CLUSTER_WRITER" -m hold -L "h-$n" -i "$POLL" -t 100 -l "$log" \
			"$ip" "$CLUSTER_REDIS_PORT" || return 1
		CLUSTER_MONITOR_PIDS+=("$NS_LAST_PID")
	done
	wait_for 5 tl_observers_ready "$log"
}
tl_observers_ready() {
	[ "$(grep -c ' e-n[0-9] subscribed$' "$1")" -ge 3 ] && [ "$(grep -c ' h-n[0-9] open$' "$1")" -ge 2 ]
}

# tl_last LOG LABEL: the latest value a change monitor logged.
tl_last() { awk -v l="$2" '$2 == l { v = $3 } END { print v }' "$1"; }

# tl_event_after LOG T0 CHANNEL: some Sentinel published CHANNEL at or after T0.
tl_event_after() { awk -v t="$2" -v c="$3" '$1 >= t && $2 ~ /^e-/ && $3 == c { f = 1 } END { exit !f }' "$1"; }

# tl_all_name LOG IP: the three Sentinels' latest answers are IP.
tl_all_name() {
	local n
	for n in $CLUSTER_SENTINEL_NODES; do [ "$(tl_last "$1" "s-$n")" = "$2" ] || return 1; done
}

# --- the scenarios -----------------------------------------------------------------------

# Each sets T0 and appends "scenario i t0 old new status" to $RUNS.
tl_record() { echo "$1 $2 $T0 $3 $4 $5" >>"$RUNS"; }

# tl_crash I OLD NEW: kill -9 OLD's redis-server; done when every Sentinel
# names NEW, the leader published +failover-end and NEW says master.
tl_crash() {
	local i=$1 old=$2 new=$3 pid=${CLUSTER_REDIS_PID[$2]} st=ok
	T0=$(cluster_now)
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	ns_forget_pid "$pid"
	CLUSTER_REDIS_PID[$old]=
	wait_for 60 tl_crash_done "$new" || st=incomplete
	tl_record crash "$i" "$old" "$new" $st
	[ $st = ok ]
}
tl_crash_done() {
	tl_all_name "$LOG" "${CLUSTER_IP[$1]}" && tl_event_after "$LOG" "$T0" +failover-end &&
		[ "$(tl_last "$LOG" "r-$1")" = master ]
}

# tl_restart I OLD NEW: OLD's redis-server back, empty, as a master; done
# when it is a synced replica of NEW that every Sentinel sees as healthy.
tl_restart() {
	local i=$1 old=$2 new=$3 st=ok
	sleep "$DOWN"
	T0=$(cluster_now)
	cluster_start_redis "$old" || { tl_record restart "$i" "$old" "$new" failed; return 1; }
	wait_for 90 tl_replica_of "$old" || st=incomplete
	tl_record restart "$i" "$old" "$new" $st
	[ $st = ok ] && tl_settle "$new" "$old"
}
tl_replica_of() { [ "$(tl_last "$LOG" "r-$1")" = slave ] && cluster_replica_synced "$1"; }

# tl_switchover I OLD NEW: SENTINEL FAILOVER while OLD is the master; done
# when every Sentinel names NEW and OLD is a synced replica. A refused
# command (a Sentinel not ready yet: NOGOODSLAVE, INPROG) is retried for
# 30 s, t=0 being the attempt that was accepted.
tl_switchover() {
	local i=$1 old=$2 new=$3 st=ok reply deadline=$((SECONDS + 30))
	while :; do
		T0=$(cluster_now)
		reply=$(cluster_sentinel_cli "$VIA" SENTINEL FAILOVER "$CLUSTER_MASTER_NAME")
		[ "$reply" = OK ] && break
		[ $SECONDS -lt $deadline ] || { tl_log "SENTINEL FAILOVER: $reply"; tl_record switchover "$i" "$old" "$new" failed; return 1; }
		sleep 0.5
	done
	wait_for 90 tl_switch_done "$old" "$new" || st=incomplete
	tl_record switchover "$i" "$old" "$new" $st
	[ $st = ok ] && tl_settle "$new" "$old"
}
tl_switch_done() { tl_all_name "$LOG" "${CLUSTER_IP[$2]}" && tl_replica_of "$1"; }

# tl_settle MASTER REPLICA: quiet before the next fault: every Sentinel has
# MASTER with a healthy REPLICA, and no Sentinel is inside the 2 x
# failover-timeout delay an aborted attempt leaves (tests/bench/lib.sh).
tl_settle() {
	wait_for 60 bench_sentinel_settled "$1" "$2" || { tl_log "sentinels did not settle on $1 with replica $2"; return 1; }
	wait_for 60 bench_failover_delay_clear || { tl_log "the sentinels' epochs do not settle"; return 1; }
	wait_for 30 bench_sentinel_settled "$1" "$2"
}

# tl_periods NODE: the periods NODE's Sentinel is running with, in ms
# ("info-period 10000 publish-period 2000"), from SENTINEL DEBUG.
tl_periods() {
	cluster_sentinel_cli "$1" SENTINEL DEBUG | awk 'NR % 2 == 1 { k = tolower($0); next }
		k == "info-period" || k == "publish-period" || k == "ping-period" { r = r (r == "" ? "" : " ") k " " $0 }
		END { print r == "" ? "unknown" : r }'
}

# --- one series -----------------------------------------------------------------------------

# tl_series NAME: build the cluster with NAME's periods, run the cycles,
# analyse every run into $TSV.
tl_series() {
	local s=$1 i m r ok=1
	RUNS="$TL_DIR/$s.runs" LOG="$TL_DIR/$s.log"
	: >"$RUNS"
	: >"$LOG"
	if [ "$s" = default ]; then CLUSTER_SENTINEL_DEFAULTS=1; else CLUSTER_SENTINEL_DEFAULTS=0; fi
	tl_log "series $s: building the cluster"
	cluster_up || { tl_log "series $s: the cluster did not come up"; cluster_down; return 1; }
	tl_observers_start "$LOG" || { tl_log "series $s: observers did not start"; cluster_down; return 1; }
	LOADS+=("$s: load average $(cut -d' ' -f1-3 /proc/loadavg) at the start")
	tl_log "series $s: Sentinel periods (SENTINEL DEBUG on n1): $(tl_periods n1)"
	PERIODS+=("$s: $(tl_periods n1)")
	for i in $(seq "$N"); do
		m=$(bench_current_master) || { tl_log "series $s: no master named by the Sentinels"; ok=0; break; }
		r=${BENCH_OTHER[$m]}
		tl_log "series $s cycle $i/$N: crash of $m"
		tl_crash "$i" "$m" "$r" || { tl_log "crash $i did not complete"; ok=0; break; }
		tl_log "series $s cycle $i/$N: restart of $m"
		tl_restart "$i" "$m" "$r" || { tl_log "restart $i did not complete"; ok=0; break; }
		tl_log "series $s cycle $i/$N: switchover back to $m"
		tl_switchover "$i" "$r" "$m" || { tl_log "switchover $i did not complete"; ok=0; break; }
	done
	T0=$(cluster_now)
	echo "end - $T0 - - -" >>"$RUNS"
	LOADS+=("$s: load average $(cut -d' ' -f1-3 /proc/loadavg) at the end")
	cluster_down
	tl_analyse "$s"
	[ $ok = 1 ]
}

# tl_analyse SERIES: every run's window of the log through timeline.awk;
# prints the run and appends M and E rows to $TSV.
tl_analyse() {
	local s=$1 scen i t0 old new st t1 out
	local sorted="$TL_DIR/$s.sorted"
	sort -s -n -k1,1 "$LOG" >"$sorted"
	# each run's window ends where the next one's fault begins
	awk 'NR > 1 { print p, $3 } { p = $0 }' "$RUNS" |
		while read -r scen i t0 old new st t1; do
			out=$(awk -v a="$t0" -v b="$t1" '$1 >= a && $1 < b' "$sorted" |
				awk -v t0="$t0" -v scen="$scen" -v old="$old" -v new="$new" \
					-v oldip="${CLUSTER_IP[$old]}" -v newip="${CLUSTER_IP[$new]}" \
					-v nodes="$CLUSTER_SENTINEL_NODES" -f "$AWKPROG")
			tl_print_run "$s" "$scen" "$i" "$old" "$new" "$st" "$out"
			printf '%s\n' "$out" | awk -F'\t' -v p="$s	$scen	$i" '
				$1 == "m" { print "M\t" p "\t" $2 "\t" $3 "\t" $4 "\t" $5 "\t" $6 }
				$1 == "e" { r = "E\t" p; for (k = 2; k <= NF; k++) r = r "\t" $k; print r }' >>"$TSV"
		done
}

tl_print_run() {
	local s=$1 scen=$2 i=$3 old=$4 new=$5 st=$6 out=$7 what
	[ "$st" = ok ] && st=
	case $scen in
	crash) what="kill -9 of $old's redis-server, $new promoted" ;;
	restart) what="$old's redis-server restarted empty, as a master; $new is the master" ;;
	switchover) what="SENTINEL FAILOVER via $VIA while $old is the master; $new promoted" ;;
	esac
	echo
	echo "## $s periods, $scen #$i: $what${st:+ [$st]}"
	printf '%s\n' "$out" | awk -F'\t' -v nodes="$CLUSTER_SENTINEL_NODES" '
		function s(v) { return v == "-" ? "       -" : sprintf("%+8.3f", v / 1000) }
		$1 == "w" { print "  warning: " $2 }
		$1 == "m" { printf "  %s s  %-58s %s\n", s($4), $3, $5 == "-" ? "" : $5 }
		$1 == "e" {
			if (!hdr) {
				n = split(nodes, nd, " ")
				printf "  first time each Sentinel published it (s after the fault%s):\n",
					$3 == "-" ? "" : "; leader " $3
				line = sprintf("    %-40s", "event"); for (k = 1; k <= n; k++) line = line sprintf(" %9s", nd[k])
				print line; hdr = 1
			}
			line = sprintf("    %-40s", $2); for (k = 4; k <= NF; k++) line = line sprintf(" %9s", s($k))
			print line
		}'
}

# --- the summary ------------------------------------------------------------------------------

# tl_summary: markdown, one table of milestones per scenario (median / min /
# max per series, in seconds), then who publishes which failover event.
tl_summary() {
	local scen
	echo
	echo "# Summary (seconds after the fault; n = runs in which it happened)"
	for scen in crash switchover restart; do
		grep -q "^M	[^	]*	$scen	" "$TSV" || continue
		echo
		case $scen in
		crash) echo "### kill -9 of the master" ;;
		switchover) echo "### SENTINEL FAILOVER, old master alive" ;;
		restart) echo "### the crashed master restarted empty (after the failover)" ;;
		esac
		echo
		awk -F'\t' -v scen="$scen" -v series="$SERIES" -f /dev/stdin "$TSV" <<-'EOF'
			function med(list,   v, n, i, j, t) {
				n = split(list, v, " ")
				for (i = 2; i <= n; i++)
					for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
				MIN = v[1]; MAX = v[n]
				return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
			}
			function sec(ms) { return sprintf("%.3f", ms / 1000) }
			$1 == "M" && $3 == scen {
				k = $5
				if (!(k in L)) { L[k] = $6; ORD[++nk] = k; KIND[k] = $9 }
				runs[$2, $4] = 1
				if ($7 != "-") { V[k, $2] = V[k, $2] " " $7; C[k, $2]++ }
				if ($9 == "ev" && $8 != "-") {
					w = $8; sub(/ \([^)]*\)$/, "", w)
					if (!((k, w) in WC)) WL[k] = WL[k] SUBSEP w
					WC[k, w]++
				}
			}
			END {
				ns = split(series, S, " ")
				hdr = "| milestone |"; sep = "|---|"
				for (i = 1; i <= ns; i++) {
					nr[i] = 0; for (r in runs) { split(r, rr, SUBSEP); if (rr[1] == S[i]) nr[i]++ }
					hdr = hdr " " S[i] " periods: median | min | max | n |"; sep = sep "---|---|---|---|"
				}
				print hdr " published by |"; print sep "---|"
				for (j = 1; j <= nk; j++) {
					k = ORD[j]; row = "| " L[k] " |"
					for (i = 1; i <= ns; i++) {
						if (C[k, S[i]] > 0) {
							m = med(V[k, S[i]])
							row = row " " sec(m) " | " sec(MIN) " | " sec(MAX) " | " C[k, S[i]] "/" nr[i] " |"
						} else row = row " – | – | – | 0/" nr[i] " |"
					}
					who = ""
					if (KIND[k] == "ev") {
						nw = split(WL[k], ww, SUBSEP)
						for (i = 2; i <= nw; i++) who = who (who == "" ? "" : ", ") ww[i] " ×" WC[k, ww[i]]
					}
					print row " " (who == "" ? "" : who) " |"
				}
			}
		EOF
	done
	echo
	echo "### Which Sentinels publish each event (every run of both series)"
	echo
	awk -F'\t' -v nodes="$CLUSTER_SENTINEL_NODES" -f /dev/stdin "$TSV" <<-'EOF'
		BEGIN { nn = split(nodes, nd, " "); for (i = 1; i <= nn; i++) ix[nd[i]] = i }
		$1 == "E" {
			k = $5; leader = $6; n = 0; who = ""
			for (i = 7; i <= NF; i++) if ($i != "-") { n++; who = nd[i - 6] }
			if (n == NF - 6) cls = "all"
			else if (n == 1) cls = who == leader ? "leader" : "one"
			else if (n == NF - 7 && leader != "-" && $(6 + ix[leader]) == "-") cls = "others"
			else cls = "some"
			if (!(k in seen)) { seen[k] = 1; ord[++nk] = k }
			if (!((k, $3) in sc)) { sc[k, $3] = 1; scen[k] = scen[k] (scen[k] == "" ? "" : ", ") $3 }
			cnt[k, cls]++; tot[k]++
		}
		END {
			print "| event | scenarios | runs | only the leader | one other Sentinel | all but the leader |" \
				" every Sentinel | other |"
			print "|---|---|---|---|---|---|---|---|"
			for (j = 1; j <= nk; j++) {
				k = ord[j]
				printf "| %s | %s | %d | %d | %d | %d | %d | %d |\n", k, scen[k], tot[k], cnt[k, "leader"],
					cnt[k, "one"], cnt[k, "others"], cnt[k, "all"], cnt[k, "some"]
			}
		}
	EOF
}

# --- main -------------------------------------------------------------------------------------

LOADS=() PERIODS=()
failed=0
if [ -n "${TIMELINE_ANALYSE:-}" ]; then
	# the logs of an earlier run (TIMELINE_KEEP=1): analyse them again
	TL_DIR=$TIMELINE_ANALYSE
	[ -d "$TL_DIR" ] || die "TIMELINE_ANALYSE: $TL_DIR is not a directory"
	TSV=$(mktemp "${TMPDIR:-/tmp}/vipd-timeline-tsv.XXXXXX") || die "mktemp"
	tl_tsv_cleanup() { rm -f "$TSV"; }
	NS_CLEANUP_HOOKS+=(tl_tsv_cleanup)
	SERIES=$(for s in default short; do [ -s "$TL_DIR/$s.runs" ] && printf '%s ' "$s"; done)
	[ -n "$SERIES" ] || die "no default.runs or short.runs in $TL_DIR"
	for s in $SERIES; do
		RUNS="$TL_DIR/$s.runs" LOG="$TL_DIR/$s.log"
		tl_analyse "$s"
	done
else
	tl_prereq
	TL_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vipd-timeline.XXXXXX") || die "mktemp"
	NS_CLEANUP_HOOKS+=(tl_dir_cleanup)
	TSV="$TL_DIR/figures.tsv"
	: >"$TSV"
	tl_log "logs in $TL_DIR; series: $SERIES; $N cycles each"
	echo "# Sentinel timelines: $(redis-server --version | cut -d' ' -f1-3), $(nproc) CPUs," \
		"poll every $POLL ms, SENTINEL FAILOVER via $VIA, restart ${DOWN} s after a crash"
	for s in $SERIES; do
		tl_series "$s" || failed=1
	done
fi
tl_summary
echo
[ ${#PERIODS[@]} -gt 0 ] && echo "Sentinel periods in ms: ${PERIODS[*]/%/;}"
[ ${#LOADS[@]} -gt 0 ] && echo "Load: ${LOADS[*]/%/;}"
[ -n "${TIMELINE_REPORT:-}" ] && cp "$TSV" "$TIMELINE_REPORT"
[ $failed = 0 ] || die "some runs did not complete (see above)"
