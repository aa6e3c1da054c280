#!/bin/bash
# shellcheck disable=SC2317,SC1091  # functions called indirectly (hooks, wait_for)
# Benchmark (not part of make check): what a client sees during a Sentinel
# failover with vipd, against the HAProxy set-up vipd replaces (the one
# of the seed write-ups), plus request latency through each path and vipd's
# idle footprint.
#
# On the seed cluster of tests/lib/cluster.sh (n1/n2 data nodes with redis,
# sentinel and vipd, n3 a sentinel, c the client; down-after-milliseconds
# 1000, SENTINEL DEBUG info-period 1000 publish-period 500) plus a namespace
# "hp" (192.0.2.60) running HAProxy 2.6 from Debian configured as in the seed
# write-up (tests/bench/haproxy.cfg.in):
#
#  1. failovers, alternating (a) vipd and (b) HAProxy, BENCH_N each, in the
#     order a b, b a, a b, ... so that each set-up kills n1 and n2 equally
#     often. Only the set-up under test runs. The client is tests/net/writer
#     (a SET every 10 ms, 200 ms timeouts, a new connection every 250 ms)
#     through 192.0.2.100:6379 (the VIP) or 192.0.2.60:6379 (HAProxy); the
#     master's redis-server gets kill -9; t=0 is taken once it is reaped, on
#     the writer's clock (writer -N). Per run:
#       outage  kill to the first write acknowledged by the new master
#       role    kill to the replica answering ROLE "master"
#               (tests/bench/rolepoll.sh: redis-cli ROLE every 10 ms)
#       vip     (vipd) kill to +vip-acquired in the new master's vipd log
#     Between runs the killed node is restarted as a replica of the new
#     master and the run waits until it is in sync and every sentinel names
#     the new master with a healthy replica (if that fails the cluster is
#     rebuilt from scratch).
#  2. redis-benchmark from the client (SET and GET, -n BENCH_RB_N -c 20 -P 1)
#     direct to the master, through the VIP and through HAProxy, BENCH_RB_ROUNDS
#     rounds interleaved; medians of rps, p50 and p99.
#  3. vipd idle for BENCH_IDLE_SECONDS on both data nodes: VmRSS / VmHWM
#     (/proc/PID/status) and utime+stime (/proc/PID/stat), first with the one
#     VIP of the seed cluster, then with BENCH_VIPS (32) VIPs in one process:
#     32 more masters (redis-server on the master node, ports 6400..6431,
#     replicas on the other node), monitored by the three sentinels as
#     m0..m31, VIPs 192.0.2.101..132. Sentinel's default INFO/hello periods
#     are restored for this part (less load from 64 more instances).
#
# The summary goes to stdout, one block per measurement; progress to stderr.
#
# Run as root from a build directory (or point top_builddir at one):
#   mkdir -p /tmp/build-bench && cd /tmp/build-bench && /path/to/vipd/configure -q && make -j2
#   top_builddir=/tmp/build-bench top_srcdir=/path/to/vipd /path/to/vipd/tests/bench/failover.sh
# tests/net/writer and tests/net/sampler are check programs: the script runs
# `make tests/net/writer tests/net/sampler` in top_builddir if they are missing.
#
# Environment:
#   BENCH_N=10               failovers per set-up
#   BENCH_IDLE_SECONDS=60    length of each idle measurement
#   BENCH_VIPS=32            VIPs (and extra masters) of the second idle run;
#                            0 skips it
#   BENCH_RB_N=50000         requests per redis-benchmark test
#   BENCH_RB_ROUNDS=7        redis-benchmark rounds (per path)
#   BENCH_EARLY_CLAIM=yes|no write early-claim into vipd's configuration
#                            (default: vipd's default, yes)
#   BENCH_SKIP="rb idle"     skip parts: failover, rb, idle, idle32
#   BENCH_REPORT=FILE        also write the figures as TSV
#                            (section, subject, metric, value)
#   BENCH_KEEP=1             keep the logs ($BENCH_DIR and $CLUSTER_DIR)
#   VIPD_REDIS_SERVER, VIPD_REDIS_SENTINEL, VIPD_REDIS_CLI,
#   VIPD_REDIS_BENCHMARK     the server binaries (default: redis-*; e.g.
#                            Valkey's from tests/matrix/build.sh)
# Debian packages it needs (haproxy, redis-server, redis-sentinel,
# redis-tools) are installed with apt-get when missing; the haproxy package's
# own service is never started (policy-rc.d during the install).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

tests=$(cd "$(dirname "$0")/.." && pwd)
[ -n "${top_srcdir:-}" ] || top_srcdir=$(cd "$tests/.." && pwd)
[ -n "${top_builddir:-}" ] || top_builddir=$top_srcdir
export top_srcdir top_builddir
# shellcheck source=tests/lib/netns.sh
. "$tests/lib/netns.sh"
# shellcheck source=tests/lib/cluster.sh
. "$tests/lib/cluster.sh"
# shellcheck source=tests/bench/lib.sh
. "$tests/bench/lib.sh"

N=${BENCH_N:-10}
IDLE=${BENCH_IDLE_SECONDS:-60}
NVIPS=${BENCH_VIPS:-32}
BENCH_RB_N=${BENCH_RB_N:-50000}
RB_ROUNDS=${BENCH_RB_ROUNDS:-7}
SKIP=" ${BENCH_SKIP:-} "
# shellcheck disable=SC2034  # read by cluster_cleanup
[ "${BENCH_KEEP:-0}" = 1 ] && CLUSTER_KEEP=1

die() { echo "failover.sh: $*" >&2; exit 1; }
skipped() { [[ $SKIP == *" $1 "* ]]; }

# --- prerequisites ------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
[ "$NVIPS" -le 32 ] || die "BENCH_VIPS is at most 32 (VIPs 192.0.2.101..132)"

need_pkgs=()
command -v haproxy >/dev/null || need_pkgs+=(haproxy)
command -v redis-server >/dev/null || need_pkgs+=(redis-server)
command -v redis-sentinel >/dev/null || need_pkgs+=(redis-sentinel)
{ command -v redis-cli && command -v redis-benchmark; } >/dev/null || need_pkgs+=(redis-tools)
if [ ${#need_pkgs[@]} -gt 0 ]; then
	bench_log "installing ${need_pkgs[*]}"
	# Keep the packages' own services from starting (invoke-rc.d asks
	# policy-rc.d); only when no policy is in place already.
	policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d &&
			policy=/usr/sbin/policy-rc.d
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_pkgs[@]}" >&2
	rc=$?
	[ -n "$policy" ] && rm -f "$policy"
	[ $rc -eq 0 ] || die "apt-get install ${need_pkgs[*]} failed"
fi
haproxy -v | head -n 1 | grep -q 'version 2\.6' || bench_log "note: $(haproxy -v | head -n 1) (the seed set-up is 2.6)"

[ -x "$CLUSTER_VIPD" ] || die "$CLUSTER_VIPD is not built (top_builddir=$top_builddir)"
if [ ! -x "$CLUSTER_WRITER" ] || [ ! -x "$CLUSTER_SAMPLER" ]; then
	bench_log "building tests/net/writer and tests/net/sampler in $top_builddir"
	make -C "$top_builddir" tests/net/writer tests/net/sampler >&2 || die "cannot build the writer"
fi
lacking=$(cluster_missing_tools)
[ -z "$lacking" ] || die "missing: $lacking"

ip netns add "${NS_RUN}-probe" 2>/dev/null || die "cannot create network namespaces here"
ip netns del "${NS_RUN}-probe"

BENCH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vipd-bench.XXXXXX") || die "mktemp"
bench_dir_cleanup() {
	if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "# benchmark logs kept in $BENCH_DIR" >&2
	else rm -rf "$BENCH_DIR"; fi
}
# bench_cleanup before cluster_cleanup (which cluster_net appends), the
# directory last.
NS_CLEANUP_HOOKS=(bench_cleanup "${NS_CLEANUP_HOOKS[@]}")

T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
REPORT_TSV="$BENCH_DIR/report.tsv"
: >"$REPORT_TSV"
tsv() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$REPORT_TSV"; }

# --- the cluster -----------------------------------------------------------------

bench_up() {
	cluster_up || return 1
	[[ " ${NS_CLEANUP_HOOKS[*]} " == *" bench_dir_cleanup "* ]] || NS_CLEANUP_HOOKS+=(bench_dir_cleanup)
	bench_haproxy_net
}

# bench_rebuild: everything from scratch (after a restore that did not settle).
bench_rebuild() {
	bench_log "rebuilding the cluster from scratch"
	bench_writer_stop
	bench_rolepoll_stop
	bench_haproxy_stop
	bench_vipd_stop
	cluster_down
	ip netns del "$(ns_name hp)" 2>/dev/null
	bench_up
}

bench_log "building the cluster (BENCH_DIR=$BENCH_DIR)"
bench_up || die "the cluster did not come up"

# --- 1. failovers ---------------------------------------------------------------------

declare -A OUTAGES=() ROLES=() AFTERS=() VIPACQ=() OKRUNS=() FAILRUNS=()
ANN_ADDR='' ANN_FRAMES='' ANN_WIRE='' a_addr='' a_frames='' a_wire=
OUTAGES=([vipd]="" [haproxy]="")
AFTERS=([vipd]="" [haproxy]="")
ROLES=([vipd]="" [haproxy]="")
VIPACQ=([vipd]="")
OKRUNS=([vipd]=0 [haproxy]=0)
FAILRUNS=([vipd]=0 [haproxy]=0)
FAILOVER_T0=

# bench_setup SETUP MASTER: only SETUP runs, and it sends clients to MASTER.
bench_setup() {
	local setup=$1 m=$2 n
	if [ "$setup" = vipd ]; then
		bench_haproxy_stop
		if ! bench_vipd_running; then
			for n in $CLUSTER_DATA_NODES; do bench_vipd_start "$n" || return 1; done
		fi
		wait_for 15 cluster_holders_are "$m" || { bench_log "vipd: the VIP is on $(cluster_holders), not $m"; return 1; }
	else
		bench_vipd_stop
		[ -n "$BENCH_HAPROXY_PID" ] || bench_haproxy_start || return 1
		wait_for 15 bench_haproxy_sends_to "$m" || {
			bench_log "haproxy: n1 $(bench_haproxy_status n1), n2 $(bench_haproxy_status n2); want $m UP only"
			return 1
		}
	fi
}

# run_one SETUP I: one failover; appends to OUTAGES/ROLES/VIPACQ.
run_one() {
	local setup=$1 i=$2 m r addr t_kill real0 res outage on role acq rt0 dump p_dump ann
	rt0=$(date +%s)
	m=$(bench_current_master) || { bench_log "no master named by the sentinels"; return 2; }
	r=${BENCH_OTHER[$m]}
	bench_setup "$setup" "$m" || return 2
	if [ "$setup" = vipd ]; then addr=$CLUSTER_VIP; else addr=$BENCH_HP_IP; fi
	bench_writer_start "$addr" || return 2
	wait_for 5 bench_writer_acks_over 50 || { bench_log "$setup: no writes through $addr"; bench_writer_stop; return 2; }
	bench_rolepoll_start "$r" || { bench_log "ROLE poller on $r did not start"; bench_writer_stop; return 2; }
	dump=$BENCH_DIR/arp.$setup.$i.$(date +%s%N) p_dump=
	if [ "$setup" = vipd ] && command -v tcpdump >/dev/null; then
		ns_bg c "$dump" tcpdump -i eth0 -n -l -tt arp && p_dump=$NS_LAST_PID
	fi
	sleep 0.3

	cluster_kill_redis "$m"
	real0=$EPOCHREALTIME
	t_kill=$(cluster_now)

	if wait_for 20 bench_writer_acked_by "$t_kill" "${CLUSTER_IP[$r]}"; then
		sleep 0.2
		res=$(bench_writer_after "$t_kill")
		outage=${res% *}; on=${res#* }
		bench_rolepoll_master_after "$real0"
		role=$BENCH_ROLE_MS
		acq=-
		[ "$setup" = vipd ] && acq=$(bench_vipd_log_event "$r" "+vip-acquired" "$real0")
		OUTAGES[$setup]+=" $outage"
		if [ "$role" != - ]; then
			ROLES[$setup]+=" $role"
			AFTERS[$setup]+=" $((outage - role))"
		fi
		[ "$acq" != - ] && VIPACQ[$setup]+=" $acq"
		if [ -n "$p_dump" ]; then
			sleep 0.2
			ns_stop_pid "$p_dump"
			p_dump=
			ann=$(bench_announce "$r" "$real0" "$dump")
			read -r a_addr a_frames a_wire <<<"$ann"
			[ "$a_addr" != - ] && ANN_ADDR+=" $a_addr"
			[ "$a_frames" != - ] && ANN_FRAMES+=" $a_frames"
			[ "$a_wire" != - ] && ANN_WIRE+=" $a_wire"
			tsv failover vipd "run$i.announce_addr_us" "$a_addr"
			tsv failover vipd "run$i.announce_frames_us" "$a_frames"
			tsv failover vipd "run$i.announce_wire_us" "$a_wire"
			bench_log "vipd    run $i: decision to address $a_addr us, to first frames sent $a_frames us, to first ARP seen by the client $a_wire us"
		fi
		OKRUNS[$setup]=$((OKRUNS[$setup] + 1))
		tsv failover "$setup" "run$i.killed" "$m"
		tsv failover "$setup" "run$i.outage_ms" "$outage"
		tsv failover "$setup" "run$i.role_master_ms" "$role"
		[ "$role" != - ] && tsv failover "$setup" "run$i.outage_after_role_ms" "$((outage - role))"
		[ "$setup" = vipd ] && tsv failover "$setup" "run$i.vip_acquired_ms" "$acq"
		bench_log "$(printf '%-7s run %2d: kill %s  outage %5s ms (first ack from %s)  role:master %5s ms (poll gap %s ms)%s' \
			"$setup" "$i" "$m" "$outage" "$on" "$role" "$BENCH_POLL_GAP" \
			"$([ "$setup" = vipd ] && echo "  +vip-acquired $acq ms")")"
	else
		FAILRUNS[$setup]=$((FAILRUNS[$setup] + 1))
		tsv failover "$setup" "run$i.outage_ms" fail
		bench_log "$setup run $i: no write acknowledged by $r within 20 s of the kill (counted as failed)"
	fi
	[ -n "$p_dump" ] && ns_stop_pid "$p_dump"
	bench_rolepoll_stop
	bench_writer_stop

	bench_restore "$m" "$r" || return 1
	bench_log "$setup run $i: restored ($m replica of $r) after $(($(date +%s) - rt0)) s in all"
}

if ! skipped failover; then
	FAILOVER_T0=$(date +%s)
	for ((i = 1; i <= N; i++)); do
		if ((i % 2)); then order="vipd haproxy"; else order="haproxy vipd"; fi
		for setup in $order; do
			run_one "$setup" "$i"
			case $? in
			0) ;;
			1) bench_rebuild || die "rebuilding the cluster failed" ;;
			*) FAILRUNS[$setup]=$((FAILRUNS[$setup] + 1))
			   bench_log "$setup run $i could not start; rebuilding"
			   bench_rebuild || die "rebuilding the cluster failed" ;;
			esac
		done
	done
	FAILOVER_SECONDS=$(($(date +%s) - FAILOVER_T0))
fi

# --- 2. redis-benchmark -------------------------------------------------------------------

if ! skipped rb; then
	bench_log "redis-benchmark: direct / VIP / HAProxy, $RB_ROUNDS rounds"
	m=$(bench_current_master) || die "no master named by the sentinels"
	bench_vipd_running || for n in $CLUSTER_DATA_NODES; do bench_vipd_start "$n" || die "vipd on $n"; done
	[ -n "$BENCH_HAPROXY_PID" ] || bench_haproxy_start || die "haproxy did not start"
	wait_for 15 cluster_holders_are "$m" || die "the VIP is not on $m"
	wait_for 15 bench_haproxy_sends_to "$m" || die "haproxy does not send to $m"
	RB_MASTER=$m
	: >"$BENCH_DIR/rb.tsv"
	targets=("direct ${CLUSTER_IP[$m]}" "vip $CLUSTER_VIP" "haproxy $BENCH_HP_IP")
	for ((round = 0; round < RB_ROUNDS; round++)); do
		for ((k = 0; k < 3; k++)); do
			t=${targets[$(((k + round) % 3))]}
			bench_rb "${t#* }" "${t% *}" || bench_log "redis-benchmark ${t% *} round $((round + 1)) failed"
		done
	done
	bench_haproxy_stop
fi

# --- 3. idle footprint ----------------------------------------------------------------------------

# idle_measure LABEL: both data nodes' vipd over $IDLE seconds; sets
# IDLE_LINES (summary rows) and writes TSV.
idle_measure() {
	local label=$1 n pid c1 w0 w1 rss hwm cpu pct role
	local -A C0=()
	for n in $CLUSTER_DATA_NODES; do
		pid=${CLUSTER_VIPD_PID[$n]}
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = vipd ] || { bench_log "pid $pid is not vipd"; return 1; }
		C0[$n]=$(bench_proc_cpu_ms "$pid")
	done
	w0=$(cluster_now)
	sleep "$IDLE"
	w1=$(cluster_now)
	IDLE_LINES=
	for n in $CLUSTER_DATA_NODES; do
		pid=${CLUSTER_VIPD_PID[$n]}
		kill -0 "$pid" 2>/dev/null || { bench_log "vipd on $n died"; return 1; }
		c1=$(bench_proc_cpu_ms "$pid")
		rss=$(bench_proc_kb "$pid" VmRSS)
		hwm=$(bench_proc_kb "$pid" VmHWM)
		cpu=$((c1 - C0[$n]))
		pct=$(awk -v c="$cpu" -v w="$((w1 - w0))" 'BEGIN { printf "%.3f", 100 * c / w }')
		if [ "$n" = "$IDLE_MASTER" ]; then role="master, holds"; else role="replica"; fi
		IDLE_LINES+=$(printf '  %-3s %-14s %9s %9s %12s %8s' "$n" "$role" "$rss" "$hwm" "$cpu" "$pct")$'\n'
		tsv "idle-$label" "$n" vmrss_kb "$rss"
		tsv "idle-$label" "$n" vmhwm_kb "$hwm"
		tsv "idle-$label" "$n" cpu_ms "$cpu"
		tsv "idle-$label" "$n" cpu_pct "$pct"
		tsv "idle-$label" "$n" seconds "$(((w1 - w0) / 1000))"
	done
}

sentinel_default_periods() {
	local n
	for n in $CLUSTER_SENTINEL_NODES; do
		cluster_sentinel_cli "$n" SENTINEL DEBUG info-period 10000 publish-period 2000 >/dev/null
	done
}

# holds_all NODE COUNT: NODE has the COUNT VIPs 192.0.2.101.. and the other
# data node none of them.
vips_held() {
	ip -n "$(ns_name "$1")" -4 -o addr show dev eth0 |
		awk '{ split($4, a, "/"); split(a[1], o, "."); if (o[4] >= 101 && o[4] <= 132) c++ } END { print c + 0 }'
}
holds_all() { [ "$(vips_held "$1")" = "$2" ] && [ "$(vips_held "${BENCH_OTHER[$1]}")" = 0 ]; }

extra_redis() {
	local node=$1 port=$2 vip=$3 of=${4:-} dir="$BENCH_DIR/extra/$1.$2" args=()
	mkdir -p "$dir"
	[ -n "$of" ] && args=(--replicaof "$of" "$port")
	ns_bg "$node" "$dir/redis.log" "$VIPD_REDIS_SERVER" --port "$port" --bind "${CLUSTER_IP[$node]}" "$vip" \
		--save '' --appendonly no --daemonize no --dir "$dir" \
		--protected-mode no --repl-diskless-sync-delay 0 "${args[@]}" || return 1
	BENCH_EXTRA_PIDS+=("$NS_LAST_PID")
}
extra_all_up() {
	local node=$1 i
	for ((i = 0; i < NVIPS; i++)); do
		[ "$(cluster_cli "$node" $((6400 + i)) PING)" = PONG ] || return 1
	done
}
extra_all_synced() {
	local node=$1 i
	for ((i = 0; i < NVIPS; i++)); do
		cluster_cli "$node" $((6400 + i)) INFO replication | grep -q '^master_link_status:up' || return 1
	done
}

vipd_conf_many() {
	local node=$1 i s sentinels=""
	for s in $CLUSTER_SENTINEL_NODES; do
		sentinels+="${sentinels:+, }\"${CLUSTER_IP[$s]}:$CLUSTER_SENTINEL_PORT\""
	done
	echo "control-socket = \"$CLUSTER_DIR/$node/vipd.sock\""
	for ((i = 0; i < NVIPS; i++)); do
		cat <<-EOF
			vip "m$i" {
			    address = "192.0.2.$((101 + i))"
			    interface = "eth0"
			    redis = "${CLUSTER_IP[$node]}:$((6400 + i))"
			    sentinels = { $sentinels }
			}
		EOF
	done
}

if ! skipped idle; then
	bench_haproxy_stop
	bench_vipd_stop
	sentinel_default_periods
	IDLE_MASTER=$(bench_current_master) || die "no master named by the sentinels"
	bench_log "idle, 1 VIP: vipd on n1 and n2 for $IDLE s (master $IDLE_MASTER)"
	for n in $CLUSTER_DATA_NODES; do bench_vipd_start "$n" || die "vipd on $n"; done
	wait_for 15 cluster_holders_are "$IDLE_MASTER" || die "the VIP is not on $IDLE_MASTER"
	sleep 2
	idle_measure 1vip || die "idle measurement failed"
	IDLE1_LINES=$IDLE_LINES
fi

if ! skipped idle && ! skipped idle32 && [ "$NVIPS" -gt 0 ]; then
	bench_vipd_stop
	m=$IDLE_MASTER; r=${BENCH_OTHER[$m]}
	bench_log "idle, $NVIPS VIPs: $NVIPS masters on $m (ports 6400..$((6399 + NVIPS))), replicas on $r"
	for ((i = 0; i < NVIPS; i++)); do
		extra_redis "$m" $((6400 + i)) "192.0.2.$((101 + i))" || die "redis $m:$((6400 + i))"
		extra_redis "$r" $((6400 + i)) "192.0.2.$((101 + i))" "${CLUSTER_IP[$m]}" || die "redis $r:$((6400 + i))"
	done
	wait_for 30 extra_all_up "$m" || die "the extra masters on $m did not start"
	wait_for 30 extra_all_up "$r" || die "the extra replicas on $r did not start"
	wait_for 60 extra_all_synced "$r" || die "the extra replicas on $r did not sync"
	for s in $CLUSTER_SENTINEL_NODES; do
		for ((i = 0; i < NVIPS; i++)); do
			echo "SENTINEL MONITOR m$i ${CLUSTER_IP[$m]} $((6400 + i)) 2"
			echo "SENTINEL SET m$i down-after-milliseconds 1000 failover-timeout 10000"
		done | ns_exec c timeout 20 "$VIPD_REDIS_CLI" -h "${CLUSTER_IP[$s]}" -p "$CLUSTER_SENTINEL_PORT" >"$BENCH_DIR/monitor.$s.out" 2>&1
		[ "$(grep -c '^OK$' "$BENCH_DIR/monitor.$s.out")" = $((2 * NVIPS)) ] ||
			die "SENTINEL MONITOR on $s: $(grep -v '^OK$' "$BENCH_DIR/monitor.$s.out" | head -n 3)"
	done
	for n in $CLUSTER_DATA_NODES; do
		vipd_conf_many "$n" >"$BENCH_DIR/$n.vipd-many.conf"
		bench_vipd_start "$n" "$BENCH_DIR/$n.vipd-many.conf" || die "vipd ($NVIPS VIPs) on $n"
	done
	wait_for 60 holds_all "$m" "$NVIPS" ||
		die "$m holds $(vips_held "$m") of the $NVIPS VIPs, $r $(vips_held "$r")"
	sleep 2
	idle_measure "${NVIPS}vip" || die "idle measurement failed"
	IDLE32_LINES=$IDLE_LINES
	extra_rss=0
	for p in "${BENCH_EXTRA_PIDS[@]}"; do
		extra_rss=$((extra_rss + $(bench_proc_kb "$p" VmRSS)))
	done
	tsv "idle-${NVIPS}vip" extra-redis vmrss_kb_total "$extra_rss"
	EXTRA_NOTE="$((2 * NVIPS)) extra redis-server processes (masters on $m, replicas on $r): $((extra_rss / 1024)) MB RSS in all"
	bench_cleanup
fi

# --- summary ----------------------------------------------------------------------------------------

LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
TOTAL=$(($(date +%s) - T0))
tsv run all seconds "$TOTAL"

stat_line() {
	# shellcheck disable=SC2086
	printf '  %-8s %5s %7s %7s %7s   %s\n' "$1" "$2" "$(bench_median $3)" "$(bench_min $3)" "$(bench_max $3)" "$(printf '%s ' $3)"
}

{
	echo "vipd benchmark: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) CPUs"
	echo "  vipd $top_builddir/src/vipd (early-claim ${BENCH_EARLY_CLAIM:-default}), $(haproxy -v | head -n 1 | awk '{ print $1, $2, $3 }'), $("$VIPD_REDIS_SERVER" --version | awk '{ print $1, $2, $3 }')"
	echo "  load average at start $LOAD0, at end $LOAD1; run time ${TOTAL} s"
	echo
	if ! skipped failover; then
		echo "== Client write outage after kill -9 of the master (ms: kill to the first write acknowledged by the new master) =="
		echo "  writer every 10 ms (200 ms timeouts, reconnect every 250 ms); vipd through $CLUSTER_VIP, HAProxy through $BENCH_HP_IP;"
		echo "  down-after-milliseconds 1000; $N failovers per set-up, alternating; ${FAILOVER_SECONDS} s for all of them"
		printf '  %-8s %5s %7s %7s %7s   %s\n' setup ok median min max "all runs"
		stat_line vipd "${OKRUNS[vipd]}/$N" "${OUTAGES[vipd]}"
		stat_line haproxy "${OKRUNS[haproxy]}/$N" "${OUTAGES[haproxy]}"
		# shellcheck disable=SC2086
		ratio=$(bench_ratio "$(bench_median ${OUTAGES[vipd]})" "$(bench_median ${OUTAGES[haproxy]})")
		echo "  median outage ratio vipd/HAProxy: $ratio"
		tsv failover ratio median_outage_vipd_over_haproxy "$ratio"
		for s in vipd haproxy; do
			# shellcheck disable=SC2086
			tsv failover "$s" median_outage_ms "$(bench_median ${OUTAGES[$s]})"
			# shellcheck disable=SC2086
			tsv failover "$s" max_outage_ms "$(bench_max ${OUTAGES[$s]})"
			# shellcheck disable=SC2086
			tsv failover "$s" median_role_master_ms "$(bench_median ${ROLES[$s]})"
			# shellcheck disable=SC2086
			tsv failover "$s" median_outage_after_role_ms "$(bench_median ${AFTERS[$s]})"
			tsv failover "$s" failed_runs "${FAILRUNS[$s]}"
		done
		echo
		echo "== Crash to the replica reporting role:master (ms: kill to the first ROLE reply \"master\", polled every 10 ms) =="
		printf '  %-8s %5s %7s %7s %7s   %s\n' setup n median min max "all runs"
		# shellcheck disable=SC2086
		stat_line vipd "$(echo ${ROLES[vipd]} | wc -w)" "${ROLES[vipd]}"
		# shellcheck disable=SC2086
		stat_line haproxy "$(echo ${ROLES[haproxy]} | wc -w)" "${ROLES[haproxy]}"
		# shellcheck disable=SC2086
		stat_line all "$(echo ${ROLES[vipd]} ${ROLES[haproxy]} | wc -w)" "${ROLES[vipd]} ${ROLES[haproxy]}"
		echo "  vipd runs, kill to +vip-acquired in the new master's vipd log (ms):"
		# shellcheck disable=SC2086
		stat_line vipd "$(echo ${VIPACQ[vipd]} | wc -w)" "${VIPACQ[vipd]}"
		echo
		echo "== Outage beyond the promotion (ms: outage minus kill-to-role:master, per run; Sentinel's share removed) =="
		printf '  %-8s %5s %7s %7s %7s   %s\n' setup n median min max "all runs"
		# shellcheck disable=SC2086
		stat_line vipd "$(echo ${AFTERS[vipd]} | wc -w)" "${AFTERS[vipd]}"
		# shellcheck disable=SC2086
		stat_line haproxy "$(echo ${AFTERS[haproxy]} | wc -w)" "${AFTERS[haproxy]}"
		if [ "$BENCH_DELAY_WAITS" -gt 0 ]; then
			echo "  between runs, $BENCH_DELAY_WAITS time(s) the sentinels marked the just-promoted master down, tried a"
			echo "  failover and aborted it (no good replica); the next run waited out Sentinel's 2 x failover-timeout delay"
		fi
		tsv failover all sentinel_delay_waits "$BENCH_DELAY_WAITS"
		echo
		echo "== Announcement (us: from vipd's decision to hold, in the loop turn of the input that decided it) =="
		echo "  address = the VIP on the interface (netlink ack), frames = first gratuitous ARPs handed to the kernel,"
		echo "  wire = first ARP for the VIP in the client's capture (tcpdump -tt in the client namespace)"
		printf '  %-8s %5s %7s %7s %7s   %s\n' step n median min max "all runs"
		# shellcheck disable=SC2086
		stat_line address "$(echo $ANN_ADDR | wc -w)" "$ANN_ADDR"
		# shellcheck disable=SC2086
		stat_line frames "$(echo $ANN_FRAMES | wc -w)" "$ANN_FRAMES"
		# shellcheck disable=SC2086
		stat_line wire "$(echo $ANN_WIRE | wc -w)" "$ANN_WIRE"
		# shellcheck disable=SC2086
		tsv failover vipd median_announce_wire_us "$(bench_median $ANN_WIRE)"
		# shellcheck disable=SC2086
		tsv failover vipd median_vip_acquired_ms "$(bench_median ${VIPACQ[vipd]})"
		echo
	fi
	if ! skipped rb; then
		echo "== redis-benchmark from the client: -t set,get -n $BENCH_RB_N -c 20 -P 1, median of $RB_ROUNDS rounds (master $RB_MASTER) =="
		printf '  %-8s %-4s %10s %8s %8s\n' path test "req/s" "p50 ms" "p99 ms"
		for t in direct vip haproxy; do
			for op in SET GET; do
				rps=$(bench_rb_median "$t" "$op" 3); p50=$(bench_rb_median "$t" "$op" 4); p99=$(bench_rb_median "$t" "$op" 5)
				printf '  %-8s %-4s %10s %8s %8s\n' "$t" "$op" "$rps" "$p50" "$p99"
				tsv rb "$t" "$op.rps" "$rps"; tsv rb "$t" "$op.p50_ms" "$p50"; tsv rb "$t" "$op.p99_ms" "$p99"
			done
		done
		for op in SET GET; do
			a=$(bench_ratio "$(bench_rb_median vip "$op" 3)" "$(bench_rb_median direct "$op" 3)")
			b=$(bench_ratio "$(bench_rb_median vip "$op" 3)" "$(bench_rb_median haproxy "$op" 3)")
			echo "  $op throughput ratio VIP/direct: $a   VIP/HAProxy: $b"
			tsv rb ratio "$op.vip_over_direct" "$a"; tsv rb ratio "$op.vip_over_haproxy" "$b"
		done
		echo
	fi
	if ! skipped idle; then
		echo "== vipd idle, 1 VIP, ${IDLE} s (VmRSS/VmHWM kB; CPU = utime+stime ms over the interval) =="
		printf '  %-3s %-14s %9s %9s %12s %8s\n' node role VmRSS VmHWM "CPU ms" "CPU %"
		printf '%s' "$IDLE1_LINES"
		echo
		if ! skipped idle32 && [ "$NVIPS" -gt 0 ]; then
			echo "== vipd idle, $NVIPS VIPs in one process (m0..m$((NVIPS - 1)), 192.0.2.101..$((100 + NVIPS))), ${IDLE} s =="
			printf '  %-3s %-14s %9s %9s %12s %8s\n' node role VmRSS VmHWM "CPU ms" "CPU %"
			printf '%s' "$IDLE32_LINES"
			echo "  $EXTRA_NOTE"
			echo
		fi
	fi
}

if [ -n "${BENCH_REPORT:-}" ]; then
	cp "$REPORT_TSV" "$BENCH_REPORT" && bench_log "TSV written to $BENCH_REPORT"
fi
exit 0
