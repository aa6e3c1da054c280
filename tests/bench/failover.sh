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
# write-up (tests/bench/haproxy.cfg.in), and a second client namespace "c0"
# (192.0.2.51):
#
#  1. failovers through four set-ups, BENCH_N each, in rounds whose order is
#     rotated by one each time (so that each set-up kills n1 and n2 in turn
#     and follows each other one):
#       vipd            vipd as configured by default (refuse-after-release
#                       yes: after a release the old node answers stale
#                       clients' SYNs with resets)
#       vipd-norefuse   vipd with refuse-after-release = "no"
#       haproxy-seed    HAProxy with the seed write-up's check (inter 1s)
#       haproxy-tuned   the same with "inter 100ms fall 1 rise 1
#                       on-marked-down shutdown-sessions"
#     Only the set-up under test runs. In each run every client writes at
#     once, from both client namespaces: c keeps the kernel's
#     net.ipv4.tcp_syn_linear_timeouts (4 on kernels that have it), c0 has
#     it at 0, so its SYN retransmissions back off 1, 3, 7 s as on kernels
#     before 6.5 (the setting is per network namespace). The clients
#     (tests/bench/clients.sh): tests/net/writer, the project's probe (a SET
#     every 10 ms, 200 ms timeouts, a new connection every 250 ms), and
#     ioredis, node-redis and iovalkey from npm at their DEFAULT settings
#     (tests/bench/client-*.js, a SET every 10 ms), through 192.0.2.100:6379
#     (the VIP) or 192.0.2.60:6379 (HAProxy). The master's redis-server gets
#     kill -9; t=0 is taken once it is reaped, on the clients' clock
#     (CLOCK_MONOTONIC, writer -N). Per run and client:
#       outage  kill to the first write acknowledged after it (the probe:
#               acknowledged by the new master, which it identifies)
#       lost    acknowledged writes whose key is not on the new master
#               (after the run), acknowledged after the kill / before it
#       refused the client's connects refused during the outage
#     and per run: role (kill to the replica answering ROLE "master",
#     tests/bench/rolepoll.sh: redis-cli ROLE every 10 ms) and, with vipd,
#     kill to +vip-acquired in the new master's vipd log. Between runs the
#     killed node is restarted as a replica of the new master and the run
#     waits until it is in sync and every sentinel names the new master with
#     a healthy replica (if that fails the cluster is rebuilt from scratch).
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
#   BENCH_N=5                failovers per set-up
#   BENCH_SETUPS="vipd vipd-norefuse haproxy-seed haproxy-tuned"
#   BENCH_SYN0=0             no second client namespace (c0)
#   BENCH_CLIENTS, BENCH_IOREDIS_VERSION, BENCH_REDIS_VERSION,
#   BENCH_IOVALKEY_VERSION, BENCH_NODE_DIR: see tests/bench/clients.sh
#   BENCH_CAPTURE=1          tcpdump ARP and SYN/RST/FIN in each client
#                            namespace per run (with BENCH_KEEP=1)
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
# redis-tools; nodejs and npm for the Node clients) are installed with
# apt-get when missing; the haproxy package's own service is never started
# (policy-rc.d during the install). The Node clients are installed from npm
# into a scratch directory at every run (npm's own cache makes that quick).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

tests=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/bench/setup.sh
. "$tests/bench/setup.sh"
# shellcheck source=tests/bench/clients.sh
. "$tests/bench/clients.sh"
# shellcheck source=tests/bench/summary.sh
. "$tests/bench/summary.sh"

N=${BENCH_N:-5}
SETUPS=${BENCH_SETUPS:-vipd vipd-norefuse haproxy-seed haproxy-tuned}
# Client namespaces: c with the kernel's tcp_syn_linear_timeouts, c0 with 0.
CLIENT_NS="c c0"
[ "${BENCH_SYN0:-1}" = 1 ] || CLIENT_NS=c
declare -A CLIENT_NS_IP=([c]=${CLUSTER_IP[c]} [c0]=192.0.2.51) CLIENT_SYN_SET=([c0]=0) CLIENT_SYN=()
IDLE=${BENCH_IDLE_SECONDS:-60}
NVIPS=${BENCH_VIPS:-32}
BENCH_RB_N=${BENCH_RB_N:-50000}
RB_ROUNDS=${BENCH_RB_ROUNDS:-7}
SKIP=" ${BENCH_SKIP:-} "
# shellcheck disable=SC2034  # read by cluster_cleanup
[ "${BENCH_KEEP:-0}" = 1 ] && CLUSTER_KEEP=1

# die MESSAGE: after a part is done, its figures are printed all the same.
die() {
	echo "failover.sh: $*" >&2
	[ -n "${FAILOVER_DONE}${RB_DONE}${IDLE1_DONE}${IDLE32_DONE}" ] && bench_summary "stopped early: $*"
	exit 1
}
FAILOVER_DONE='' RB_DONE='' IDLE1_DONE='' IDLE32_DONE=
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
	# Keep the packages' own services from starting (tests/deps.sh).
	DEBIAN_FRONTEND=noninteractive deps_no_services apt-get install -y -q "${need_pkgs[@]}" >&2 ||
		die "apt-get install ${need_pkgs[*]} failed"
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
if [ "$CLIENT_NS" != c ] && ! ip netns exec "${NS_RUN}-probe" sysctl -q net.ipv4.tcp_syn_linear_timeouts >/dev/null 2>&1; then
	bench_log "note: this kernel has no net.ipv4.tcp_syn_linear_timeouts (its SYNs back off as with 0): one client namespace"
	CLIENT_NS=c
fi
ip netns del "${NS_RUN}-probe"
for s in $SETUPS; do
	case $s in vipd | vipd-norefuse | haproxy-seed | haproxy-tuned) ;; *) die "unknown set-up in BENCH_SETUPS: $s" ;; esac
done
for c in $BENCH_CLIENTS; do
	[ "$c" = writer ] || bench_is_node_client "$c" || die "unknown client in BENCH_CLIENTS: $c"
done

BENCH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vipd-bench.XXXXXX") || die "mktemp"
bench_dir_cleanup() {
	if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "# benchmark logs kept in $BENCH_DIR" >&2
	else rm -rf "$BENCH_DIR"; fi
}
# bench_cleanup before cluster_cleanup (which cluster_net appends), the
# directory last.
NS_CLEANUP_HOOKS=(bench_runners_stop bench_capture_stop bench_cleanup "${NS_CLEANUP_HOOKS[@]}")
if ! skipped failover; then
	bench_node_install || { bench_dir_cleanup; die "cannot install the Node clients"; }
fi

T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
REPORT_TSV="$BENCH_DIR/report.tsv"
: >"$REPORT_TSV"
tsv() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$REPORT_TSV"; }

# --- the cluster -----------------------------------------------------------------

# bench_client_net: the second client namespace, c0 (192.0.2.51), whose SYNs
# back off as on kernels without linear SYN timeouts; c keeps the kernel's
# default. The setting is per network namespace.
bench_client_net() {
	local ns
	for ns in $CLIENT_NS; do
		[ "$ns" = c ] && continue
		ns_add "$ns" && ns_plug "$ns" eth0 "${CLIENT_NS_IP[$ns]}/24" || return 1
	done
	for ns in $CLIENT_NS; do
		[ -z "${CLIENT_SYN_SET[$ns]:-}" ] ||
			ns_exec "$ns" sysctl -qw net.ipv4.tcp_syn_linear_timeouts="${CLIENT_SYN_SET[$ns]}" || return 1
		CLIENT_SYN[$ns]=$(ns_exec "$ns" sysctl -n net.ipv4.tcp_syn_linear_timeouts 2>/dev/null || echo none)
	done
}

bench_up() {
	cluster_up || return 1
	[[ " ${NS_CLEANUP_HOOKS[*]} " == *" bench_dir_cleanup "* ]] || NS_CLEANUP_HOOKS+=(bench_dir_cleanup)
	bench_haproxy_net && bench_client_net
}

# bench_rebuild: everything from scratch (after a restore that did not settle).
bench_rebuild() {
	local ns
	bench_log "rebuilding the cluster from scratch"
	bench_runners_stop
	bench_rolepoll_stop
	bench_haproxy_stop
	bench_vipd_stop
	cluster_down
	ip netns del "$(ns_name hp)" 2>/dev/null
	for ns in $CLIENT_NS; do [ "$ns" = c ] || ip netns del "$(ns_name "$ns")" 2>/dev/null; done
	bench_up
}

bench_log "building the cluster (BENCH_DIR=$BENCH_DIR)"
bench_up || die "the cluster did not come up"

# --- 1. failovers ---------------------------------------------------------------------

# Per cell "SETUP NS/CLIENT" (lists of per-run figures): outage ms, acked
# writes lost (acked at or after the kill / before it), connects refused
# during the outage; OKRUNS / FAILRUNS count runs of the cell.
declare -A OUTAGES=() LOST=() LOSTREPL=() REFUSED=() OKRUNS=() FAILRUNS=()
# Per set-up: kill to role:master, the probe's outage beyond it, +vip-acquired.
declare -A ROLES=() AFTERS=() VIPACQ=() SETUP_RUNS=() SETUP_FAILS=()
ANN_ADDR='' ANN_FRAMES='' ANN_WIRE='' a_addr='' a_frames='' a_wire=
FAILOVER_T0=
RUN_SEQ=0
BENCH_VIPD_SETUP=

# bench_setup SETUP MASTER: only SETUP runs, and it sends clients to MASTER.
bench_setup() {
	local setup=$1 m=$2 n mode
	case $setup in
	vipd | vipd-norefuse)
		bench_haproxy_stop
		[ "$BENCH_VIPD_SETUP" = "$setup" ] || bench_vipd_stop
		if ! bench_vipd_running; then
			# vipd's default (yes) unless the set-up turns it off
			if [ "$setup" = vipd-norefuse ]; then BENCH_VIPD_REFUSE=no; else BENCH_VIPD_REFUSE=; fi
			for n in $CLUSTER_DATA_NODES; do bench_vipd_start "$n" || return 1; done
			BENCH_VIPD_SETUP=$setup
		fi
		wait_for 15 cluster_holders_are "$m" || { bench_log "vipd: the VIP is on $(cluster_holders), not $m"; return 1; }
		;;
	haproxy-*)
		bench_vipd_stop
		BENCH_VIPD_SETUP=
		mode=${setup#haproxy-}
		[ "$BENCH_HAPROXY_MODE" = "$mode" ] || bench_haproxy_stop
		[ -n "$BENCH_HAPROXY_PID" ] || bench_haproxy_start "$mode" || return 1
		wait_for 15 bench_haproxy_sends_to "$m" || {
			bench_log "haproxy: n1 $(bench_haproxy_status n1), n2 $(bench_haproxy_status n2); want $m UP only"
			return 1
		}
		;;
	*) bench_log "unknown set-up $setup"; return 1 ;;
	esac
}

# run_one_figures SETUP KILL_MS TAG KEYS: each runner's figures into the
# cells; RUN_LINE, the outages for the log.
run_one_figures() {
	local setup=$1 t_kill=$2 tag=$3 keys=$4 key cell out lost ref line=''
	for key in "${BENCH_RUNNERS[@]}"; do
		cell="$setup $key"
		out=$(bench_runner_after "$key" "$t_kill")
		lost=$(bench_runner_lost "$key" "$tag" "$t_kill" "$keys")
		LOST[$cell]+=" ${lost% *}"
		LOSTREPL[$cell]+=" ${lost#* }"
		tsv failover "$setup/$key" "$tag.lost_after_kill" "${lost% *}"
		tsv failover "$setup/$key" "$tag.lost_before_kill" "${lost#* }"
		if [ "$out" = - ]; then
			FAILRUNS[$cell]=$((${FAILRUNS[$cell]:-0} + 1))
			tsv failover "$setup/$key" "$tag.outage_ms" fail
			line+=" $key=fail"
			continue
		fi
		ref=$(bench_runner_refused "$key" "$t_kill" "$((t_kill + out))")
		OKRUNS[$cell]=$((${OKRUNS[$cell]:-0} + 1))
		OUTAGES[$cell]+=" $out"
		REFUSED[$cell]+=" $ref"
		tsv failover "$setup/$key" "$tag.outage_ms" "$out"
		tsv failover "$setup/$key" "$tag.refused" "$ref"
		line+=" $key=$out"
		[ "$key" = c/writer ] && [ "$BENCH_ROLE_MS" != - ] && AFTERS[$setup]+=" $((out - BENCH_ROLE_MS))"
	done
	RUN_LINE=$line
}

# run_one SETUP I: one failover with every runner writing through SETUP.
# 0 done, 1 the restore failed (rebuild), 2 the run could not start.
run_one() {
	local setup=$1 i=$2 m r addr t_kill real0 tag acq rt0 dump p_dump ann keys all
	rt0=$(date +%s)
	m=$(bench_current_master) || { bench_log "no master named by the sentinels"; return 2; }
	r=${BENCH_OTHER[$m]}
	bench_setup "$setup" "$m" || return 2
	if [[ $setup == vipd* ]]; then addr=$CLUSTER_VIP; else addr=$BENCH_HP_IP; fi
	RUN_SEQ=$((RUN_SEQ + 1))
	tag="r$RUN_SEQ"
	# shellcheck disable=SC2086  # a list of namespaces
	bench_runners_start "$addr" "$tag" $CLIENT_NS || { bench_log "$setup: a client did not start"; bench_runners_stop; return 2; }
	if ! wait_for 15 bench_runners_acks_over 50; then
		bench_log "$setup: not every client writes through $addr:$(for k in "${BENCH_RUNNERS[@]}"; do printf ' %s=%s' "$k" "$(bench_runner_acks "$k")"; done)"
		bench_runners_stop
		return 2
	fi
	bench_rolepoll_start "$r" || { bench_log "ROLE poller on $r did not start"; bench_runners_stop; return 2; }
	dump=$BENCH_DIR/arp.$setup.$i.$(date +%s%N) p_dump=
	if [[ $setup == vipd* ]] && command -v tcpdump >/dev/null; then
		ns_bg c "$dump" tcpdump -i eth0 -n -l -tt arp && p_dump=$NS_LAST_PID
	fi
	# shellcheck disable=SC2086  # a list of namespaces
	bench_capture_start "$tag" $CLIENT_NS
	sleep 0.3

	cluster_kill_redis "$m"
	real0=$EPOCHREALTIME
	t_kill=$(cluster_now)

	all=1
	wait_for 20 bench_runners_recovered "$t_kill" "${CLUSTER_IP[$r]}" || all=0
	# the acks of the writes the libraries queued during the outage
	sleep 0.3
	bench_runners_stop
	bench_capture_stop
	keys="$BENCH_DIR/keys.$tag"
	ns_exec c timeout 60 redis-cli -h "${CLUSTER_IP[$r]}" -p "$CLUSTER_REDIS_PORT" --scan >"$keys" 2>/dev/null ||
		bench_log "$setup run $i: cannot list the keys on $r (lost writes are over-counted)"
	bench_rolepoll_master_after "$real0"
	acq=-
	if [[ $setup == vipd* ]]; then
		acq=$(bench_vipd_log_event "$r" "+vip-acquired" "$real0")
		[ "$acq" != - ] && VIPACQ[$setup]+=" $acq"
	fi
	[ "$BENCH_ROLE_MS" != - ] && ROLES[$setup]+=" $BENCH_ROLE_MS"
	run_one_figures "$setup" "$t_kill" "$tag" "$keys"
	SETUP_RUNS[$setup]=$((${SETUP_RUNS[$setup]:-0} + 1))
	[ $all = 1 ] || SETUP_FAILS[$setup]=$((${SETUP_FAILS[$setup]:-0} + 1))
	tsv failover "$setup" "$tag.killed" "$m"
	tsv failover "$setup" "$tag.role_master_ms" "$BENCH_ROLE_MS"
	[[ $setup == vipd* ]] && tsv failover "$setup" "$tag.vip_acquired_ms" "$acq"
	if [ -n "$p_dump" ]; then
		sleep 0.2
		ns_stop_pid "$p_dump"
		ns_forget_pid "$p_dump"
		p_dump=
		ann=$(bench_announce "$r" "$real0" "$dump")
		read -r a_addr a_frames a_wire <<<"$ann"
		[ "$a_addr" != - ] && ANN_ADDR+=" $a_addr"
		[ "$a_frames" != - ] && ANN_FRAMES+=" $a_frames"
		[ "$a_wire" != - ] && ANN_WIRE+=" $a_wire"
		tsv failover "$setup" "$tag.announce_addr_us" "$a_addr"
		tsv failover "$setup" "$tag.announce_frames_us" "$a_frames"
		tsv failover "$setup" "$tag.announce_wire_us" "$a_wire"
	fi
	bench_log "$(printf '%-13s run %2d (%s): kill %s; outage ms%s; role:master %s ms%s' "$setup" "$i" "$tag" "$m" \
		"$RUN_LINE" "$BENCH_ROLE_MS" "$([[ $setup == vipd* ]] && echo "; +vip-acquired $acq ms")")"
	[ $all = 1 ] || bench_log "$setup run $i: some clients wrote nothing within 20 s of the kill (counted as failed)"
	bench_rolepoll_stop
	# only this run's keys on the master: the next run lists its own quickly
	cluster_redis_cli "$r" FLUSHALL >/dev/null

	bench_restore "$m" "$r" || return 1
	bench_log "$setup run $i: restored ($m replica of $r) after $(($(date +%s) - rt0)) s in all"
}

if ! skipped failover; then
	FAILOVER_T0=$(date +%s)
	read -r -a setups <<<"$SETUPS"
	ns_setups=${#setups[@]}
	for ((i = 1; i <= N; i++)); do
		# rotate the order by one each round: with an even number of
		# set-ups every set-up kills n1 and n2 in turn
		for ((j = 0; j < ns_setups; j++)); do
			setup=${setups[$(((i - 1 + j) % ns_setups))]}
			run_one "$setup" "$i"
			case $? in
			0) ;;
			1) bench_rebuild || die "rebuilding the cluster failed" ;;
			*) SETUP_FAILS[$setup]=$((${SETUP_FAILS[$setup]:-0} + 1))
			   bench_log "$setup run $i could not start; rebuilding"
			   bench_rebuild || die "rebuilding the cluster failed" ;;
			esac
		done
	done
	FAILOVER_SECONDS=$(($(date +%s) - FAILOVER_T0))
	BENCH_VIPD_REFUSE=
	FAILOVER_DONE=1
fi
# --- 2. redis-benchmark -------------------------------------------------------------------

if ! skipped rb; then
	bench_log "redis-benchmark: direct / VIP / HAProxy, $RB_ROUNDS rounds"
	m=$(bench_current_master) || die "no master named by the sentinels"
	bench_vipd_running || for n in $CLUSTER_DATA_NODES; do bench_vipd_start "$n" || die "vipd on $n"; done
	[ "$BENCH_HAPROXY_MODE" = seed ] || bench_haproxy_stop
	[ -n "$BENCH_HAPROXY_PID" ] || bench_haproxy_start seed || die "haproxy did not start"
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
	RB_DONE=1
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
	IDLE1_DONE=1
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
	IDLE32_DONE=1
	bench_cleanup
fi

# --- summary ----------------------------------------------------------------------------------------

bench_summary

if [ -n "${BENCH_REPORT:-}" ]; then
	cp "$REPORT_TSV" "$BENCH_REPORT" && bench_log "TSV written to $BENCH_REPORT"
fi
exit 0
