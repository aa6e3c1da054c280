#!/bin/bash
# shellcheck disable=SC2317  # functions called indirectly (wait_for, hooks)
# Benchmark (not part of make check): one vipd with many VIPs. For each
# count in BENCH_SCALE_COUNTS (1 32 256 1000) it reports vipd's RSS, its
# idle CPU over BENCH_SCALE_IDLE (60) s, its connections into each
# Sentinel, the Sentinels' own CPU over the same window, the time from
# vipd's start to every VIP decided, and the client outage when one master
# among them fails over (kill -9 of its redis-server), checking that the
# others do not move.
#
# The layout, on the seed cluster of tests/lib/cluster.sh (n1, n2 data
# nodes with redis, Sentinel and vipd; n3 a Sentinel; c the client):
#   * VIP 0 is mymaster, the seed cluster's pair (192.0.2.100, port 6379):
#     the master that fails over, with the client of tests/net/writer
#     writing through its VIP (a SET every 10 ms, a new connection every
#     250 ms), as in tests/bench/failover.sh.
#   * VIPs 1..N-1 are one master each: a redis-server of its own on n1
#     (port 7000+i) with a replica of its own on n2 (same port), monitored
#     by the three Sentinels as m<i> (down-after-milliseconds 1000,
#     failover-timeout 10000, like mymaster); VIPs 2001:db8:5ca1::<i>
#     (1,000 VIPs do not fit in the IPv4 documentation ranges).
# One server per master, not several master names per server, because
# that is what a data node with 1,000 VIPs runs, and because it is what
# vipd and Sentinel pay for: vipd watches each local address (ROLE every
# role-check-interval) and, while it holds a VIP, the replicas that
# master lists (decide.h rules 3 and 5); Sentinel keeps links to every
# master and replica and publishes its hellos on each. Names sharing a
# server would hide vipd's per-data-node cost behind one connection and
# multiply Sentinel's hello traffic (every hello on a server reaches the
# subscription of every name on it), so both figures would mislead. The
# background servers run with hz 1 (their own timers, not what vipd or
# Sentinel see) so that 2,000 idle servers leave the machine to what is
# measured: ~3 MB each (PSS), ~6 GB at 1,000 VIPs.
#
# Per count both vipds are restarted with a configuration of N VIPs (n1
# holds the background VIPs, n2 has their replicas), after which:
#   decided   ms from vipd's exec to its "every VIP has made its first
#             decision" log line (the addresses are on the interface by
#             then: READY=1's promise)
#   idle      BENCH_SCALE_IDLE s after the announcements (vipd's first
#             and second bursts of gratuitous ARP / NA) are over, with
#             Sentinel's default periods (INFO 10 s, hello 2 s): utime +
#             stime of each vipd and each Sentinel (/proc/PID/stat),
#             VmRSS / VmHWM and open fds of each vipd, established TCP
#             connections of each vipd (ss, by pid) into each Sentinel,
#             to data nodes, in all, and the state changes vipd logged
#             during the window (anything but 0 is a flap)
#   failover  BENCH_SCALE_FAILOVERS kills of mymaster's master (it
#             alternates between n1 and n2), with SENTINEL DEBUG
#             info-period 4000 (Sentinel promotes only a replica whose
#             INFO is < 5 s old; with the default 10 s a kill can end in
#             -failover-abort-no-good-slave and a 20 s wait; the 1000 of
#             the other tests is ten times the INFO traffic of the
#             default, which three Sentinels with 2,000 instances each
#             on a 2-core machine do not keep up with); outage = kill to
#             the first write acknowledged by the new master.
#             Meanwhile the background VIPs are sampled every ~200 ms
#             (all on n1, none on n2) and their state changes counted in
#             both logs; after each run the killed node is restarted as
#             a replica and the cluster settled (tests/bench/lib.sh).
#   isolate   with BENCH_SCALE_ISOLATE_S > 0 (default 25): n1 cannot
#             reach the Sentinels on n2 and n3 for that long (a policy
#             rule in n1 blackholes TCP to their Sentinel port), then it
#             can again. The rest of n1 stays reachable, so no Sentinel
#             fails anything over and the layout stays as the next count
#             expects it. n1's vipd, left with its own Sentinel (a
#             minority), releases every VIP (no-quorum-policy release),
#             refuses stale clients for each (until REFUSE_MAX + down-after,
#             15 s at 5000), and claims them again once the Sentinels
#             answer.
#             Reported: ms from the cut to no VIP on n1, from the heal to
#             every VIP n1 held before on n1 again, and the longest `vipctl
#             dump` on n1 took, asked every 100 ms throughout (how long
#             vipd's loop was busy at a stretch; vipctl gives up at 5 s,
#             counted as failures): a thousand VIPs that change state
#             together must not hold the loop that releases them
#   floor     after both vipds have stopped, tests/bench/pollfloor for
#             BENCH_SCALE_IDLE s in n1: a client that does nothing but
#             the round trips of n1's vipd's role checks (ROLE and INFO
#             replication in one write, to every data-node address vipd
#             had a connection to, at its role-check-interval, aligned
#             the same way), its replies unparsed. Its CPU is what the
#             kernel charges for those round trips (a write wakes the
#             server and runs the server's TCP receive path in the
#             writer's time), the part of vipd's idle figure that grows
#             with the number of data nodes rather than with the VIPs;
#             the rest is vipd's own work (Sentinel polls, parsing,
#             decisions)
# With perf installed, a 10 s `perf record` of n1's vipd (sampling, ~1 %
# overhead) follows the idle window: where its time goes, by function
# (BENCH_SCALE_PROFILE=none to skip; =strace for `strace -c`, whose
# overhead on a busy vipd is large enough to make it miss deadlines).
#
# The summary table goes to stdout, progress to stderr. Run as root from a
# build directory (or point top_builddir at one):
#   top_builddir=$PWD top_srcdir=/path/to/vipd /path/to/vipd/tests/bench/scale.sh
# ~25 minutes with the defaults on a 2-core machine; the machine's load
# average is printed with every figure.
#
# Environment:
#   BENCH_SCALE_COUNTS="1 32 256 1000"  VIP counts, ascending, 1..1000
#   BENCH_SCALE_IDLE=60                 seconds of each idle window
#   BENCH_SCALE_FAILOVERS=5             failovers per count (0: none)
#   BENCH_SCALE_PROFILE=perf            perf | strace | none, after the window
#   BENCH_SCALE_FLOOR=1                 0: no floor window
#   BENCH_SCALE_NOFILE=1024:<hard>      vipd's RLIMIT_NOFILE at start:
#                                       systemd's soft default for a
#                                       service, this shell's hard limit
#   BENCH_SCALE_ISOLATE_S=25            seconds n1 is cut off (0: no cut)
#   BENCH_SCALE_REPLICAS=1              0: no replicas for the background
#                                       masters (half the processes, no
#                                       peers for vipd to watch; n2's vipd
#                                       then has mymaster's VIP only)
#   BENCH_SCALE_DOWN_AFTER=1000         down-after-milliseconds of every
#                                       master, mymaster's too (vipd derives
#                                       its intervals from it: 1000 gives a
#                                       200 ms command-timeout)
#   BENCH_SCALE_VIP_EXTRA=LINE          one more line in every vip section
#                                       (e.g. "role-check-interval = 1000":
#                                       what a longer poll saves)
#   BENCH_SCALE_DEBUG=1                 run vipd with -d (the idle figures
#                                       then include debug logging)
#   BENCH_REPORT=FILE                   also write the figures as TSV
#                                       (count, subject, metric, value)
#   BENCH_KEEP=1                        keep the logs ($BENCH_DIR, $CLUSTER_DIR)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

tests=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/bench/setup.sh
. "$tests/bench/setup.sh"
# shellcheck source=tests/lib/scale.sh
. "$tests/lib/scale.sh"

COUNTS=${BENCH_SCALE_COUNTS:-1 32 256 1000}
IDLE=${BENCH_SCALE_IDLE:-60}
NFAIL=${BENCH_SCALE_FAILOVERS:-5}
PROFILE=${BENCH_SCALE_PROFILE:-perf}
FLOOR=${BENCH_SCALE_FLOOR:-1}
ISOLATE_S=${BENCH_SCALE_ISOLATE_S:-25}
REPLICAS=${BENCH_SCALE_REPLICAS:-1}
DOWN_AFTER=${BENCH_SCALE_DOWN_AFTER:-1000}
# shellcheck disable=SC2034  # read by scale_vipd_conf
SCALE_VIP_EXTRA=${BENCH_SCALE_VIP_EXTRA:-}
DBG=
[ "${BENCH_SCALE_DEBUG:-0}" = 1 ] && DBG=-d
BG_PORT0=7000
# shellcheck disable=SC2034  # read by cluster_cleanup
[ "${BENCH_KEEP:-0}" = 1 ] && CLUSTER_KEEP=1
CLUSTER_SENTINEL_DEFAULTS=1

die() { echo "scale.sh: $*" >&2; exit 1; }
log() { bench_log "$*"; }

# --- prerequisites -------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
prev=0
for n in $COUNTS; do
	if ! [[ $n =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ] || [ "$n" -gt 1000 ] || [ "$n" -le "$prev" ]; then
		die "BENCH_SCALE_COUNTS: ascending counts from 1 to 1000, not \"$COUNTS\""
	fi
	prev=$n
done
MAXN=$prev
[ -x "$CLUSTER_VIPD" ] || die "$CLUSTER_VIPD is not built (top_builddir=$top_builddir)"
POLLFLOOR=$top_builddir/tests/bench/pollfloor
if [ ! -x "$CLUSTER_WRITER" ] || [ ! -x "$CLUSTER_SAMPLER" ] || [ ! -x "$POLLFLOOR" ]; then
	log "building tests/net/writer, tests/net/sampler and tests/bench/pollfloor in $top_builddir"
	make -C "$top_builddir" tests/net/writer tests/net/sampler tests/bench/pollfloor >&2 ||
		die "cannot build the benchmark's helpers"
fi
lacking=$(cluster_missing_tools)
command -v ss >/dev/null || lacking+=" ss"
[ -z "${lacking// /}" ] || die "missing: $lacking"
command -v "$PROFILE" >/dev/null || PROFILE=none
# Each vipd has a connection per local address and per replica it
# watches, each redis-server and Sentinel asks for ~10,000.
[ "$(ulimit -n)" -ge $((2 * MAXN + 100)) ] || ulimit -n $((2 * MAXN + 100)) 2>/dev/null ||
	die "ulimit -n $(ulimit -n) is too low for $MAXN VIPs"
# vipd itself starts with the soft limit systemd gives a service unless
# its unit says otherwise, 1024, what it runs with in use (the hard limit
# stays this shell's: raising it needs CAP_SYS_RESOURCE).
# shellcheck disable=SC2034  # read by scale_start_vipd
SCALE_NOFILE=${BENCH_SCALE_NOFILE:-1024:$(ulimit -Hn)}

BENCH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vipd-bench-scale.XXXXXX") || die "mktemp"
bench_dir_cleanup() {
	if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "# benchmark logs kept in $BENCH_DIR" >&2
	else rm -rf "$BENCH_DIR"; fi
}
NS_CLEANUP_HOOKS=(bench_cleanup "${NS_CLEANUP_HOOKS[@]}")
REPORT_TSV=$BENCH_DIR/report.tsv
: >"$REPORT_TSV"
tsv() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$REPORT_TSV"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
T0=$(date +%s)
LOAD0=$(loadavg)

scale_layout_seed
for ((i = 1; i < MAXN; i++)); do
	SCALE_NAME[i]=m$i
	SCALE_ADDR[i]=2001:db8:5ca1::$(printf '%x' "$i")
	SCALE_PORT[i]=$((BG_PORT0 + i))
done

# --- the cluster and the background masters -------------------------------------

log "building the seed cluster (BENCH_DIR=$BENCH_DIR)"
cluster_up || die "the seed cluster did not come up"
NS_CLEANUP_HOOKS+=(bench_dir_cleanup)
if [ "$DOWN_AFTER" != 1000 ]; then
	for n in $CLUSTER_SENTINEL_NODES; do
		[ "$(cluster_sentinel_cli "$n" SENTINEL SET "$CLUSTER_MASTER_NAME" down-after-milliseconds "$DOWN_AFTER")" = OK ] ||
			die "SENTINEL SET mymaster down-after-milliseconds $DOWN_AFTER on $n"
	done
fi

# sentinel_debug INFO_MS HELLO_MS: Sentinel's periods on all three.
sentinel_debug() {
	local n
	for n in $CLUSTER_SENTINEL_NODES; do
		[ "$(cluster_sentinel_cli "$n" SENTINEL DEBUG info-period "$1" publish-period "$2")" = OK ] || return 1
	done
}

# bg_ports FROM TO: the ports of background masters FROM..TO.
bg_ports() { local i; for ((i = $1; i <= $2; i++)); do echo "${SCALE_PORT[$i]}"; done; }

# bg_up FROM TO: servers, replicas and Sentinel monitoring for masters
# FROM..TO (nothing if FROM > TO).
BG_DONE=0
bg_up() {
	local from=$1 to=$2 i t
	[ "$from" -le "$to" ] || return 0
	t=$(date +%s)
	log "background masters m$from..m$to: starting $(((REPLICAS + 1) * (to - from + 1))) redis-servers"
	for ((i = from; i <= to; i++)); do scale_redis n1 "${SCALE_PORT[$i]}" "$BENCH_DIR/bg" || return 1; done
	# shellcheck disable=SC2046
	wait_for 120 scale_redis_up n1 $(bg_ports "$from" "$to") || { log "masters on n1 did not start"; return 1; }
	if [ "$REPLICAS" = 1 ]; then
		for ((i = from; i <= to; i++)); do scale_redis n2 "${SCALE_PORT[$i]}" "$BENCH_DIR/bg" n1 || return 1; done
		# shellcheck disable=SC2046
		wait_for 300 scale_replicas_synced n2 $(bg_ports "$from" "$to") ||
			{ log "replicas on n2 did not sync"; return 1; }
	fi
	log "servers up and in sync after $(($(date +%s) - t)) s; SENTINEL MONITOR m$from..m$to"
	scale_monitor "$from" "$to" "$DOWN_AFTER" "$BENCH_DIR/monitor.$from" || { log "SENTINEL MONITOR failed"; return 1; }
	BG_DONE=$to
	log "background masters m$from..m$to ready after $(($(date +%s) - t)) s"
}

# sentinels_know COUNT: every Sentinel has COUNT masters, mymaster's with
# its replica, and a sample of the background ones with theirs.
sentinels_know() {
	local count=$1 s k
	for s in $CLUSTER_SENTINEL_NODES; do
		k=$(cluster_sentinel_cli "$s" SENTINEL MASTERS | grep -cx 'num-slaves' 2>/dev/null)
		[ "$k" = "$count" ] || return 1
		for i in 1 $((count / 2)) $((count - 1)); do
			if [ "$i" -lt 1 ] || [ "$i" -ge "$count" ]; then continue; fi
			[ "$(cluster_sentinel_cli "$s" SENTINEL MASTER "m$i" | awk 'p { print; exit } $0 == "num-slaves" { p = 1 }')" = "$REPLICAS" ] ||
				return 1
		done
	done
}

# --- vipd ------------------------------------------------------------------------

vipd_stop_all() {
	local n pid
	for n in $CLUSTER_DATA_NODES; do
		pid=${CLUSTER_VIPD_PID[$n]:-}
		[ -n "$pid" ] || continue
		kill -TERM "$pid" 2>/dev/null
		# releasing 1,000 VIPs takes a while (see the stop figure)
		for _ in $(seq 1200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		ns_forget_pid "$pid"
		unset "CLUSTER_VIPD_PID[$n]"
	done
	# what a killed vipd left behind would be adopted by the next one
	for n in $CLUSTER_DATA_NODES; do
		ip -n "$(ns_name "$n")" -o addr show dev eth0 |
			awk -v v="$CLUSTER_VIP" '{ split($4, a, "/") } a[1] == v || a[1] ~ /^2001:db8:5ca1::/ { print $4 }' |
			while read -r a; do ip -n "$(ns_name "$n")" addr del "$a" dev eth0; done
	done
}

# vipd_start NODE COUNT LABEL: sets DECIDED_MS (exec to the "every VIP has
# made its first decision" line, "-" if not within 300 s).
vipd_start() {
	local node=$1 count=$2 label=$3 conf log t0 t1
	conf=$BENCH_DIR/$node.vipd.$label.conf
	log=$BENCH_DIR/$node.vipd.$label.log
	scale_vipd_conf "$node" "$count" >"$conf"
	: >"$log"
	t0=$(($(date +%s%N) / 1000000))
	# shellcheck disable=SC2086  # empty or -d
	scale_start_vipd "$node" "$conf" "$log" $DBG || return 1
	VIPD_LOG[$node]=$log
	if wait_for 300 scale_decided_ms "$log" >/dev/null; then
		t1=$(scale_decided_ms "$log")
		DECIDED_MS=$((t1 - t0))
	else
		DECIDED_MS=-
	fi
}

# transitions NODE FROM_MS [bg]: state changes NODE's vipd logged at or
# after FROM_MS (Unix ms); with "bg", only the background VIPs'.
transitions() {
	local node=$1 from=$2 which=${3:-all} stamp
	# From as the log writes its time, to the millisecond: one awk over
	# the log, not a date(1) per line (a flapping VIP writes thousands).
	stamp="$(date -d "@$((from / 1000))" '+%Y-%m-%d %H:%M:%S').$(printf '%03d' $((from % 1000)))"
	grep -E -- '(\+vip-acquired|\+vip-adopted|-vip-released|\+vip-fault)' "${VIPD_LOG[$node]}" |
		if [ "$which" = bg ]; then grep -E 'vip m[0-9]+:'; else cat; fi |
		awk -v s="$stamp" 'substr($0, 1, 23) >= s { n++ } END { print n + 0 }'
}

declare -A VIPD_LOG=()

# --- one count ----------------------------------------------------------------------

# settled_any: the Sentinels agree on a master for mymaster and the other
# data node is its healthy replica (tests/bench/lib.sh).
settled_any() {
	local cur
	cur=$(bench_current_master) && bench_sentinel_settled "$cur" "${BENCH_OTHER[$cur]}"
}

# bg_switches: +switch-master of background masters in n3's Sentinel log
# so far. A background VIP that moves because Sentinel failed its master
# over is vipd doing its job: such moves are counted apart.
bg_switches() {
	cat "$CLUSTER_DIR"/n3/sentinel/sentinel.log.* 2>/dev/null | grep -c '+switch-master m[0-9]'
}

# conn_summary NODE PID: "s1/s2/s3 data total"
conn_summary() {
	local all s c=() d
	all=$(scale_conns "$1" "$2")
	for s in $CLUSTER_SENTINEL_NODES; do
		c+=("$(grep -cxF "${CLUSTER_IP[$s]}:$CLUSTER_SENTINEL_PORT" <<<"$all")")
	done
	d=$(grep -vc ":$CLUSTER_SENTINEL_PORT\$" <<<"$all")
	echo "$(IFS=/; echo "${c[*]}") $d $(grep -c . <<<"$all")"
}

# floor_addrs PID: the data-node addresses (not Sentinels) vipd PID in n1
# has connections to, one per line; floor_interval: n1's role-check
# interval in force (mymaster's; every VIP has the same timing here).
floor_addrs() { scale_conns n1 "$1" | grep -v ":$CLUSTER_SENTINEL_PORT\$"; }
floor_interval() {
	cluster_vipctl n1 show --json "$CLUSTER_MASTER_NAME" |
		sed -n 's/.*"role_check_interval_ms": *\([0-9][0-9]*\).*/\1/p' | head -n 1
}

# floor_measure N IV ADDR...: tests/bench/pollfloor in n1 for the idle
# window; sets FLOOR_CPU (% of one core, "-" when it failed).
floor_measure() {
	local n=$1 iv=$2 out pid t0 t1 w0 w1 end sent answered
	shift 2
	out=$BENCH_DIR/floor.$n.out
	FLOOR_CPU=-
	ns_bg n1 "$out" "$POLLFLOOR" -i "$iv" "$@"
	pid=$NS_LAST_PID
	sleep 2		# connected, and past its first round
	if ! kill -0 "$pid" 2>/dev/null; then
		log "$n VIPs: pollfloor failed: $(tail -n 1 "$out")"
		wait "$pid" 2>/dev/null; ns_forget_pid "$pid"; return 1
	fi
	t0=$(scale_proc_ticks "$pid"); w0=$(cluster_now)
	sleep "$IDLE"
	t1=$(scale_proc_ticks "$pid"); w1=$(cluster_now)
	ns_stop_pid "$pid"; ns_forget_pid "$pid"
	end=$(grep '^end ' "$out")
	sent=$(sed -n 's/.* sent=\([0-9]*\).*/\1/p' <<<"$end")
	answered=$(sed -n 's/.* answered=\([0-9]*\).*/\1/p' <<<"$end")
	# every poll answered but those of the last round, still on the wire
	if [ -z "$sent" ] || [ $((sent - answered)) -gt $# ]; then
		log "$n VIPs: pollfloor's polls were not answered: ${end:-$(tail -n 1 "$out")}"
		return 1
	fi
	FLOOR_CPU=$(pct $((t1 - t0)) $((w1 - w0)))
	tsv "$n" floor cpu_pct "$FLOOR_CPU"
	tsv "$n" floor addresses "$#"
	tsv "$n" floor interval_ms "$iv"
	log "$n VIPs: floor (the role checks' round trips alone, $# addresses every $iv ms): $FLOOR_CPU %; $end"
}

# isolate_routes add|del: n1 cannot open or use TCP connections to the
# Sentinel port on n2 and n3 (table 142 blackholes them); everything else,
# the Sentinels' own links to n1's servers included, is untouched.
isolate_routes() {
	local ns o
	ns=$(ns_name n1)
	[ "$1" = add ] && { ip -n "$ns" route add blackhole default table 142 || return 1; }
	for o in n2 n3; do
		ip -n "$ns" rule "$1" to "${CLUSTER_IP[$o]}/32" ipproto tcp dport "$CLUSTER_SENTINEL_PORT" \
			table 142 priority 142 || return 1
	done
	[ "$1" = del ] && { ip -n "$ns" route del blackhole default table 142 || return 1; }
	return 0
}

# ctl_sampler FILE: "<ms> <ms vipctl dump took> <its exit status>" every
# ~100 ms until killed.
ctl_sampler() {
	local t0 t1 rc
	while :; do
		t0=$(cluster_now)
		cluster_vipctl n1 dump >/dev/null 2>&1
		rc=$?
		t1=$(cluster_now)
		echo "$t0 $((t1 - t0)) $rc"
		sleep 0.1
	done >"$1"
}

# n1_holds N COUNT: n1 has COUNT of VIPs 0..N-1.
n1_holds() { [ "$(scale_held_count n1 0 $(($1 - 1)))" = "$2" ]; }

# isolate_count N: the isolate window; sets ISO_REL, ISO_BACK, ISO_CTL.
isolate_count() {
	local n=$1 smp sp t_cut t_rel t_heal t_back left held
	ISO_REL=- ISO_BACK=- ISO_CTL=-
	smp=$BENCH_DIR/ctl.$n.log
	ctl_sampler "$smp" &
	sp=$!
	NS_PIDS+=("$sp")
	sleep 1
	held=$(scale_held_count n1 0 $((n - 1)))
	isolate_routes add || { log "$n VIPs: cannot add the blackhole routes"; isolate_routes del 2>/dev/null; }
	t_cut=$(cluster_now)
	log "$n VIPs: n1 (holding $held of them) cut off from the Sentinels on n2 and n3 for $ISOLATE_S s"
	# nothing to release when mymaster's master was n2 and n1 held no VIP
	if [ "$held" -gt 0 ] && wait_for 30 n1_holds "$n" 0; then
		t_rel=$(cluster_now)
		ISO_REL=$((t_rel - t_cut))
	fi
	left=$((ISOLATE_S - ($(cluster_now) - t_cut) / 1000))
	[ "$left" -gt 0 ] && sleep "$left"
	isolate_routes del || log "$n VIPs: cannot remove the blackhole routes"
	t_heal=$(cluster_now)
	if [ "$held" -gt 0 ] && wait_for 120 n1_holds "$n" "$held"; then
		t_back=$(cluster_now)
		ISO_BACK=$((t_back - t_heal))
	fi
	sleep 2
	ns_stop_pid "$sp"; ns_forget_pid "$sp"
	ISO_CTL=$(awk -v a="$t_cut" '$1 >= a - 100 { if ($2 > m) m = $2; n++; if ($3 != 0) f++ }
		END { printf "%d ms max, %d of %d failed", m, f, n }' "$smp")
	tsv "$n" isolate released_ms "$ISO_REL"
	tsv "$n" isolate back_ms "$ISO_BACK"
	tsv "$n" isolate vipctl "$ISO_CTL"
	log "$n VIPs: cut to no VIP on n1 $ISO_REL ms; heal to the $held held again $ISO_BACK ms;" \
		"vipctl dump on n1 through it: $ISO_CTL"
	wait_for 60 settled_any || log "$n VIPs: mymaster has not settled after the cut"
}

pct() { awk -v t="$1" -v w="$2" -v h="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", 100 * t / h / (w / 1000) }'; }

# measure_count N
measure_count() {
	local N=$1 n pid w0 w1 d m r i res outage on t_kill bad smp s sp sw0
	local -A T0C=() T1C=()
	local outages=() moved_bg=0 bad_samples=0 runs_failed=0 since_ms
	log "=== $N VIP(s) ==="
	vipd_stop_all
	sentinel_debug 10000 2000 || log "SENTINEL DEBUG (default periods) failed"
	vipd_start n1 "$N" "$N" || die "vipd on n1 did not start"
	DEC1=$DECIDED_MS
	if [ "$REPLICAS" = 1 ]; then
		vipd_start n2 "$N" "$N" || die "vipd on n2 did not start"
	else
		vipd_start n2 1 "$N" || die "vipd on n2 did not start"
	fi
	DEC2=$DECIDED_MS
	log "$N VIPs: decided after $DEC1 ms (n1), $DEC2 ms (n2)"
	tsv "$N" n1 decided_ms "$DEC1"
	tsv "$N" n2 decided_ms "$DEC2"
	wait_for 120 bench_current_master >/dev/null || die "no master named by the Sentinels for mymaster"
	m=$(bench_current_master)
	HELD_BG=$(scale_held_count n1 1 $((N - 1)))
	log "background VIPs on n1: $HELD_BG of $((N - 1)); mymaster's VIP on $(cluster_holders) (master $m)"
	# the second burst of announcements ends ~6 s after the last claim
	sleep 10

	# idle window
	since_ms=$(($(date +%s%N) / 1000000))
	for n in $CLUSTER_DATA_NODES; do T0C[v$n]=$(scale_proc_ticks "${CLUSTER_VIPD_PID[$n]}"); done
	for s in $CLUSTER_SENTINEL_NODES; do T0C[s$s]=$(scale_proc_ticks "${CLUSTER_SENTINEL_PID[$s]}"); done
	w0=$(cluster_now)
	LOADS=$(loadavg)
	sleep "$IDLE"
	w1=$(cluster_now)
	for n in $CLUSTER_DATA_NODES; do T1C[v$n]=$(scale_proc_ticks "${CLUSTER_VIPD_PID[$n]}"); done
	for s in $CLUSTER_SENTINEL_NODES; do T1C[s$s]=$(scale_proc_ticks "${CLUSTER_SENTINEL_PID[$s]}"); done
	LOADE=$(loadavg)
	for n in $CLUSTER_DATA_NODES; do
		pid=${CLUSTER_VIPD_PID[$n]}
		d=$((${T1C[v$n]} - ${T0C[v$n]}))
		CPU[$n]=$(pct "$d" $((w1 - w0)))
		RSS[$n]=$(bench_proc_kb "$pid" VmRSS)
		HWM[$n]=$(bench_proc_kb "$pid" VmHWM)
		FDS[$n]=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
		CONN[$n]=$(conn_summary "$n" "$pid")
		FLAPS[$n]=$(transitions "$n" "$since_ms")
		tsv "$N" "$n" vipd_cpu_pct "${CPU[$n]}"
		tsv "$N" "$n" vipd_rss_kb "${RSS[$n]}"
		tsv "$N" "$n" vipd_hwm_kb "${HWM[$n]}"
		tsv "$N" "$n" vipd_fds "${FDS[$n]}"
		tsv "$N" "$n" conns_sentinels_data_total "${CONN[$n]}"
		tsv "$N" "$n" transitions_idle "${FLAPS[$n]}"
	done
	SCPU=()
	for s in $CLUSTER_SENTINEL_NODES; do
		d=$((${T1C[s$s]} - ${T0C[s$s]}))
		SCPU+=("$(pct "$d" $((w1 - w0)))")
		tsv "$N" "sentinel-$s" cpu_pct "${SCPU[-1]}"
	done
	tsv "$N" idle load_start "$LOADS"
	tsv "$N" idle load_end "$LOADE"
	log "$N VIPs idle: vipd n1 ${CPU[n1]} % ${RSS[n1]} kB, n2 ${CPU[n2]} % ${RSS[n2]} kB;" \
		"connections (sentinels, data, total) n1 ${CONN[n1]}, n2 ${CONN[n2]}; Sentinels ${SCPU[*]} %; load $LOADS -> $LOADE"
	# for the floor window, once the vipds have stopped
	mapfile -t FLOOR_ADDRS < <(floor_addrs "${CLUSTER_VIPD_PID[n1]}")
	FLOOR_IV=$(floor_interval)
	case $PROFILE in
	perf)
		perf record -q -F 499 -o "$BENCH_DIR/perf.$N.data" -p "${CLUSTER_VIPD_PID[n1]}" -- sleep 10 \
			>/dev/null 2>&1
		perf report -i "$BENCH_DIR/perf.$N.data" --no-children --sort dso,sym --stdio 2>/dev/null |
			grep -E '^ +[0-9]' | head -n 12 >"$BENCH_DIR/profile.$N.txt"
		log "perf: where n1's vipd spends its time over 10 s ($N VIPs):"
		sed 's/^/#   /' "$BENCH_DIR/profile.$N.txt" >&2
		;;
	strace)
		timeout -s INT 10 strace -c -f -p "${CLUSTER_VIPD_PID[n1]}" -o "$BENCH_DIR/profile.$N.txt" 2>/dev/null
		log "strace -c of n1's vipd for 10 s ($N VIPs):"
		sed -n '1,12p' "$BENCH_DIR/profile.$N.txt" | sed 's/^/#   /' >&2
		sleep 2
		;;
	esac

	# failovers
	OUT_MED=- OUT_MIN=- OUT_MAX=-
	[ "$NFAIL" -gt 0 ] || return 0
	sentinel_debug 4000 2000 || log "SENTINEL DEBUG info-period 4000 failed"
	since_ms=$(($(date +%s%N) / 1000000))
	sw0=$(bg_switches)
	for ((i = 1; i <= NFAIL; i++)); do
		m=$(bench_current_master) || { log "no master for mymaster"; runs_failed=$((runs_failed + 1)); break; }
		r=${BENCH_OTHER[$m]}
		wait_for 15 cluster_holders_are "$m" || log "run $i: mymaster's VIP is on $(cluster_holders), not $m"
		bench_writer_start "$CLUSTER_VIP" || die "writer"
		if ! wait_for 5 bench_writer_acks_over 50; then
			log "run $i: no writes through the VIP"; bench_writer_stop; runs_failed=$((runs_failed + 1)); continue
		fi
		smp=$BENCH_DIR/bg-samples.$N.$i
		( while :; do
			echo "$(scale_held_count n1 1 $((N - 1))) $(scale_held_count n2 1 $((N - 1)))"
			sleep 0.2
		done >"$smp" ) &
		sp=$!
		NS_PIDS+=("$sp")
		sleep 0.3
		cluster_kill_redis "$m"
		t_kill=$(cluster_now)
		if wait_for 30 bench_writer_acked_by "$t_kill" "${CLUSTER_IP[$r]}"; then
			res=$(bench_writer_after "$t_kill")
			outage=${res% *}; on=${res#* }
			outages+=("$outage")
			tsv "$N" failover "run$i.outage_ms" "$outage"
			log "$N VIPs run $i: kill $m, outage $outage ms (first ack from $on)"
		else
			runs_failed=$((runs_failed + 1))
			tsv "$N" failover "run$i.outage_ms" fail
			log "$N VIPs run $i: no write acknowledged by $r within 30 s"
		fi
		sleep 1
		ns_stop_pid "$sp"; ns_forget_pid "$sp"
		bench_writer_stop
		bad=$(awk -v n=$((N - 1)) '$1 != n || $2 != 0' "$smp" | wc -l)
		bad_samples=$((bad_samples + bad))
		[ "$bad" = 0 ] || log "$N VIPs run $i: $bad samples with background VIPs not all on n1"
		# With down-after-milliseconds 1000 on a busy machine the
		# Sentinels sometimes judge the freshly promoted master down
		# and fail over again (back to the restarted node): settled on
		# whichever node they name is as good. One that never settles
		# ends this count's failovers.
		if ! bench_restore "$m" "$r" && ! wait_for 120 settled_any; then
			log "$N VIPs: the cluster did not settle after run $i; no more failovers at this count"
			runs_failed=$((runs_failed + NFAIL - i))
			break
		fi
	done
	for n in $CLUSTER_DATA_NODES; do moved_bg=$((moved_bg + $(transitions "$n" "$since_ms" bg))); done
	sentinel_debug 10000 2000 || log "SENTINEL DEBUG (default periods) failed"
	BG_SWITCHED=$(($(bg_switches) - sw0))
	tsv "$N" failover background_switch_master "$BG_SWITCHED"
	[ "$BG_SWITCHED" = 0 ] || log "$N VIPs: Sentinel failed over $BG_SWITCHED background masters meanwhile"
	OUT_MED=$(bench_median "${outages[@]}")
	OUT_MIN=$(bench_min "${outages[@]}")
	OUT_MAX=$(bench_max "${outages[@]}")
	OUT_N=${#outages[@]}
	OUT_FAILED=$runs_failed
	BG_MOVED=$moved_bg
	BG_BAD=$bad_samples
	tsv "$N" failover outage_median_ms "$OUT_MED"
	tsv "$N" failover background_transitions "$moved_bg"
	tsv "$N" failover background_bad_samples "$bad_samples"
}

# --- the run ------------------------------------------------------------------------

declare -A CPU=() RSS=() HWM=() FDS=() CONN=() FLAPS=()
ROWS=() FLOORS=() ISOS=()
for N in $COUNTS; do
	bg_up $((BG_DONE + 1)) $((N - 1)) || die "background masters for $N VIPs"
	wait_for 120 sentinels_know "$N" || log "the Sentinels do not all know $N masters with their replicas yet"
	OUT_N=0 OUT_FAILED=0 BG_MOVED=- BG_BAD=- BG_SWITCHED=-
	measure_count "$N"
	ISO_REL=- ISO_BACK=- ISO_CTL=-
	[ "$ISOLATE_S" -gt 0 ] && isolate_count "$N"
	ISOS+=("$(printf '%5s | %8s | %8s | %s' "$N" "$ISO_REL" "$ISO_BACK" "$ISO_CTL")")
	ROWS+=("$(printf '%5s | %5.1f / %5.1f | %5s / %5s | %6s / %-6s | %5s %5s | %11s / %-11s | %s | %6s / %6s | %5s (%s-%s, %s runs%s) | %s / %s / %s | %s -> %s' \
		"$N" "$(awk -v k="${RSS[n1]}" 'BEGIN { print k / 1024 }')" "$(awk -v k="${RSS[n2]}" 'BEGIN { print k / 1024 }')" \
		"${CPU[n1]}" "${CPU[n2]}" "${CONN[n1]%% *}" "${CONN[n2]%% *}" "${FDS[n1]}" "${FDS[n2]}" \
		"$(cut -d' ' -f2,3 <<<"${CONN[n1]}" | tr ' ' '/')" "$(cut -d' ' -f2,3 <<<"${CONN[n2]}" | tr ' ' '/')" \
		"$(IFS=/; echo "${SCPU[*]}")" "$DEC1" "$DEC2" \
		"$OUT_MED" "$OUT_MIN" "$OUT_MAX" "$OUT_N" "$([ "$OUT_FAILED" -gt 0 ] && echo ", $OUT_FAILED failed")" \
		"$BG_MOVED" "$BG_BAD" "$BG_SWITCHED" "$LOADS" "$LOADE")")
	t=$(date +%s%N)
	vipd_stop_all
	STOP_MS=$((($(date +%s%N) - t) / 1000000))
	tsv "$N" vipd stop_both_ms "$STOP_MS"
	log "$N VIPs: both vipds stopped (every VIP released) in $STOP_MS ms"
	FLOOR_CPU=-
	if [ "$FLOOR" = 1 ] && [ -n "$FLOOR_IV" ] && [ "${#FLOOR_ADDRS[@]}" -gt 0 ]; then
		floor_measure "$N" "$FLOOR_IV" "${FLOOR_ADDRS[@]}"
	fi
	FLOORS+=("$(printf '%5s | %11s / %-6s | %5s addresses every %s ms' "$N" "${CPU[n1]}" "$FLOOR_CPU" \
		"${#FLOOR_ADDRS[@]}" "${FLOOR_IV:--}")")
done

LOAD1=$(loadavg)
{
	echo "vipd scale benchmark: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) CPUs, $(redis-server --version | awk '{ print $1, $2, $3 }')"
	echo "  vipd $CLUSTER_VIPD; load average at start $LOAD0, at end $LOAD1; run time $(($(date +%s) - T0)) s"
	echo "  idle: ${IDLE} s per count, Sentinel default periods; failovers: info-period 4000; down-after-milliseconds $DOWN_AFTER"
	[ -n "$SCALE_VIP_EXTRA" ] && echo "  every vip section also has: $SCALE_VIP_EXTRA"
	if [ "$REPLICAS" = 1 ]; then
		echo "  n1 holds the background VIPs, n2 has their replicas (and the same VIPs)"
	else
		echo "  n1 holds the background VIPs, which have no replicas; n2's vipd has mymaster's VIP only"
	fi
	echo
	echo "  VIPs | RSS MB n1 / n2 | idle CPU % n1 / n2 | conns into Sentinels n1 / n2 | fds n1 n2 | data/total conns n1 / n2 | Sentinels CPU % | decided ms n1 / n2 | outage ms median (min-max) | bg transitions / bad samples / Sentinel switches | load avg"
	printf '%s\n' "${ROWS[@]}"
	echo
	echo "  CPU: utime+stime over the idle window, % of one core. conns: established TCP connections of each vipd"
	echo "  (by pid), into Sentinels n1/n2/n3, to data nodes and in all. decided: vipd's exec to its"
	echo "  'every VIP has made its first decision' log line. outage: kill -9 of mymaster's redis-server to the"
	echo "  first write the new master acknowledged. bg: state changes of the other VIPs during the failovers"
	echo "  (both logs), samples in which they were not all on n1, and failovers of their masters by Sentinel"
	echo "  (+switch-master in n3's log), which move a VIP with reason."
	if [ "$ISOLATE_S" -gt 0 ]; then
		echo
		echo "  n1 cut off from the Sentinels on n2 and n3 for $ISOLATE_S s, then healed:"
		echo "  VIPs | none on n1, ms after the cut | those n1 held back on n1, ms after the heal | vipctl dump on n1 meanwhile"
		printf '%s\n' "${ISOS[@]}"
	fi
	if [ "$FLOOR" = 1 ]; then
		echo
		echo "  VIPs | idle CPU % n1 / floor | what the floor did"
		printf '%s\n' "${FLOORS[@]}"
		echo
		echo "  floor: tests/bench/pollfloor alone in n1 after the vipds stopped, over the same window: the round trips"
		echo "  of n1's role checks (same bytes, addresses and interval), nothing else. vipd's figure minus the floor"
		echo "  is its own work for the VIPs: Sentinel polls, parsing, timers, decisions."
	fi
} | tee "$BENCH_DIR/summary.txt"
[ -n "${BENCH_REPORT:-}" ] && cp "$REPORT_TSV" "$BENCH_REPORT"
exit 0
