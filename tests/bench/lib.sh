# shellcheck shell=bash disable=SC2004,SC2034  # arrays of cluster.sh; globals for the caller
# Helpers for tests/bench/failover.sh: HAProxy in its own namespace, the ROLE
# poller, failover runs, restoring the cluster, redis-benchmark parsing,
# /proc figures and statistics. Source tests/lib/netns.sh and
# tests/lib/cluster.sh first, then this file (bash).
#
# Everything started here goes through ns_bg (or is added to NS_PIDS), so
# netns.sh's EXIT trap kills it by PID; bench_cleanup (a cleanup hook that
# runs before cluster_cleanup) stops the benchmark's own processes first.
# Logs live in $BENCH_DIR, not in $CLUSTER_DIR, so that rebuilding the cluster
# (cluster_down removes $CLUSTER_DIR) keeps them.
#
# Function prefix: bench_.

BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_HP_IP=192.0.2.60
BENCH_HP_STATS_PORT=9999
BENCH_DIR=
BENCH_HAPROXY_PID=
BENCH_POLL_PID=
BENCH_WRITER_PID=
BENCH_EXTRA_PIDS=()
# shellcheck disable=SC2034  # filled in by the caller
declare -A BENCH_OTHER=([n1]=n2 [n2]=n1)

bench_log() { echo "# $*" >&2; }

# --- statistics -------------------------------------------------------------------

# bench_median v...: median (mean of the two middle values for an even count);
# "-" without values.
bench_median() {
	[ $# -gt 0 ] || { echo -; return; }
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
bench_max() {
	[ $# -gt 0 ] || { echo -; return; }
	printf '%s\n' "$@" | sort -g | tail -n 1
}
bench_min() {
	[ $# -gt 0 ] || { echo -; return; }
	printf '%s\n' "$@" | sort -g | head -n 1
}
# bench_ratio A B [FMT]: A/B, "-" when either is missing or B is 0.
bench_ratio() {
	awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN {
		if (a == "-" || b == "-" || a == "" || b == "" || b + 0 == 0) print "-"
		else printf f "\n", a / b }'
}
# bench_real_ms_since REAL0 REAL1: milliseconds from one $EPOCHREALTIME to another.
bench_real_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d\n", (b - a) * 1000 + (b >= a ? 0.5 : -0.5) }'; }

# --- HAProxy ---------------------------------------------------------------------

# bench_haproxy_net: namespace "hp" on the cluster's bridge, 192.0.2.60.
bench_haproxy_net() {
	mkdir -p "$BENCH_DIR/hp"
	ns_add hp && ns_plug hp eth0 "$BENCH_HP_IP/24"
}

# The health check of each server line: the seed write-up's, and the tuned
# one Valkey's own documentation proposes (a check every 100 ms, one failure
# marks a server down and one success up, and the sessions of a server
# marked down are closed at once instead of waiting for their timeouts).
declare -A BENCH_HAPROXY_CHECK=([seed]="inter 1s"
	[tuned]="inter 100ms fall 1 rise 1 on-marked-down shutdown-sessions")
BENCH_HAPROXY_MODE=

# bench_haproxy_cfg [seed|tuned]: the configuration (default seed).
bench_haproxy_cfg() {
	local check=${BENCH_HAPROXY_CHECK[${1:-seed}]}
	sed -e "s/@FRONT_IP@/$BENCH_HP_IP/g" -e "s/@PORT@/$CLUSTER_REDIS_PORT/g" \
		-e "s/@N1_IP@/${CLUSTER_IP[n1]}/g" -e "s/@N2_IP@/${CLUSTER_IP[n2]}/g" \
		-e "s/@STATS_PORT@/$BENCH_HP_STATS_PORT/g" -e "s/@CHECK@/$check/g" "$BENCH_SRC/haproxy.cfg.in"
}

# bench_haproxy_start [seed|tuned]
bench_haproxy_start() {
	local mode=${1:-seed} cfg
	cfg="$BENCH_DIR/hp/haproxy.$mode.cfg"
	[ -n "${BENCH_HAPROXY_CHECK[$mode]:-}" ] || { bench_log "haproxy: no configuration \"$mode\""; return 1; }
	bench_haproxy_cfg "$mode" >"$cfg"
	haproxy -c -q -f "$cfg" || { bench_log "haproxy: $cfg does not parse"; return 1; }
	ns_bg hp "$BENCH_DIR/hp/haproxy.log.$(date +%s%N)" haproxy -f "$cfg" -db || return 1
	BENCH_HAPROXY_PID=$NS_LAST_PID
	BENCH_HAPROXY_MODE=$mode
	wait_for 5 bench_haproxy_stat >/dev/null
}

bench_haproxy_stop() {
	[ -n "$BENCH_HAPROXY_PID" ] || return 0
	ns_stop_pid "$BENCH_HAPROXY_PID"
	ns_forget_pid "$BENCH_HAPROXY_PID"
	BENCH_HAPROXY_PID=
	BENCH_HAPROXY_MODE=
}

# bench_haproxy_stat: "show stat" (CSV) from the stats socket.
bench_haproxy_stat() {
	local out
	out=$(ns_exec hp timeout 2 bash -c \
		"exec 3<>/dev/tcp/127.0.0.1/$BENCH_HP_STATS_PORT && echo 'show stat' >&3 && cat <&3" 2>/dev/null)
	[[ $out == *$'\n'redis_backend,* ]] || return 1
	printf '%s\n' "$out"
}

# bench_haproxy_status NODE: HAProxy's status of server NODE ("UP", "DOWN",
# "UP 1/3", "DOWN 1/2", ...).
bench_haproxy_status() {
	bench_haproxy_stat | awk -F, -v s="$1" '$1 == "redis_backend" && $2 == s { print $18; exit }'
}

# bench_haproxy_sends_to NODE: NODE is UP and the other data node DOWN.
bench_haproxy_sends_to() {
	local st
	st=$(bench_haproxy_stat | awk -F, '$1 == "redis_backend" && ($2 == "n1" || $2 == "n2") { print $2 "=" $18 }' |
		sort | tr '\n' ' ')
	[ "$st" = "$1=UP ${BENCH_OTHER[$1]}=DOWN " ] || [ "$st" = "${BENCH_OTHER[$1]}=DOWN $1=UP " ]
}

# --- vipd --------------------------------------------------------------------------

# bench_vipd_start NODE [CONF]: vipd on NODE with the cluster's one-VIP
# configuration (cluster_vipd_conf) or with CONF. BENCH_EARLY_CLAIM=yes|no
# adds early-claim to every vip section, BENCH_VIPD_REFUSE=yes|no
# refuse-after-release.
bench_vipd_start() {
	local node=$1 conf=${2:-} k v
	rm -f "$CLUSTER_DIR/$node/vipd.sock"
	if [ -z "$conf" ]; then
		conf="$BENCH_DIR/$node.vipd.conf"
		cluster_vipd_conf "$node" >"$conf"
	fi
	for k in early-claim refuse-after-release; do
		if [ $k = early-claim ]; then v=${BENCH_EARLY_CLAIM:-}; else v=${BENCH_VIPD_REFUSE:-}; fi
		[ -n "$v" ] || continue
		sed -i "s/^\(\s*\)sentinels = \(.*\)$/&\n\1$k = \"$v\"/" "$conf"
	done
	ns_bg "$node" "$BENCH_DIR/$node.vipd.log.$(date +%s%N)" "$CLUSTER_VIPD" -d -c "$conf" || return 1
	CLUSTER_VIPD_PID[$node]=$NS_LAST_PID
	wait_for 5 test -S "$CLUSTER_DIR/$node/vipd.sock"
}

bench_vipd_stop() {
	local n pid
	for n in n1 n2; do
		pid=${CLUSTER_VIPD_PID[$n]:-}
		[ -n "$pid" ] || continue
		ns_stop_pid "$pid"
		ns_forget_pid "$pid"
		unset "CLUSTER_VIPD_PID[$n]"
	done
}

bench_vipd_running() { [ -n "${CLUSTER_VIPD_PID[n1]:-}" ] || [ -n "${CLUSTER_VIPD_PID[n2]:-}" ]; }

# bench_vipd_log_event NODE TOKEN REAL0: ms from $EPOCHREALTIME REAL0 to the
# first line of NODE's newest vipd log with TOKEN stamped at or after it
# (vipd stamps its log lines with CLOCK_REALTIME, ms); "-" if none.
bench_vipd_log_event() {
	local node=$1 token=$2 real0=$3 log line when s
	# shellcheck disable=SC2012  # our own file names
	log=$(ls -t "$BENCH_DIR/$node".vipd.log.* 2>/dev/null | head -n 1)
	[ -n "$log" ] || { echo -; return; }
	while IFS= read -r line; do
		when=${line:0:23}
		s=$(date -d "${when:0:19}" +%s 2>/dev/null) || continue
		s="$s.${when:20:3}"
		if awk -v a="$s" -v b="$real0" 'BEGIN { exit !(a >= b - 0.0005) }'; then
			bench_real_ms "$real0" "$s"
			return
		fi
	done < <(grep -F -- "$token" "$log")
	echo -
}

# bench_announce NODE REAL0 DUMP: the announcement of the newest claim on NODE
# made after REAL0 ($EPOCHREALTIME), as "ADDR_US FRAMES_US WIRE_US": from the
# decision (vipd's debug line "announce timing: decided at S.US, address +A
# us, first frames +F us"; the decision runs in the loop turn of the input
# that caused it) to the address on the interface (A), to the first frames
# handed to the kernel (F), and to the first ARP frame for the VIP in DUMP,
# the client's capture (tcpdump -tt, same CLOCK_REALTIME). "- - -" if none.
bench_announce() {
	local node=$1 real0=$2 dump=$3 log line dec a f w
	# shellcheck disable=SC2012  # our own file names
	log=$(ls -t "$BENCH_DIR/$node".vipd.log.* 2>/dev/null | head -n 1)
	line=$(grep -h 'announce timing: decided at' "$log" 2>/dev/null |
		awk -v t="$real0" '{ for (i = 1; i <= NF; i++) if ($i == "at") { d = $(i + 1); sub(",", "", d); if (d + 0 >= t) { print; exit } } }')
	[ -n "$line" ] || { echo "- - -"; return; }
	dec=$(sed -n 's/.*decided at \([0-9.]*\),.*/\1/p' <<<"$line")
	a=$(sed -n 's/.*address +\([0-9]*\) us.*/\1/p' <<<"$line")
	f=$(sed -n 's/.*first frames +\([0-9]*\) us.*/\1/p' <<<"$line")
	w=$(awk -v t="$dec" -v v="$CLUSTER_VIP" '$1 ~ /^[0-9]/ && $1 + 0 >= t - 0.0005 && $0 ~ ("(who-has|Reply) " v " ") {
		printf "%d\n", ($1 - t) * 1000000; exit }' "$dump")
	echo "${a:--} ${f:--} ${w:--}"
}

# --- the ROLE poller -----------------------------------------------------------------

bench_rolepoll_start() {
	local node=$1
	BENCH_POLL_LOG="$BENCH_DIR/rolepoll.$node.$(date +%s%N)"
	ns_bg c "$BENCH_POLL_LOG" bash "$BENCH_SRC/rolepoll.sh" "${CLUSTER_IP[$node]}" "$CLUSTER_REDIS_PORT" 0.01 ||
		return 1
	BENCH_POLL_PID=$NS_LAST_PID
	wait_for 5 grep -q ' slave$' "$BENCH_POLL_LOG"
}
bench_rolepoll_stop() {
	[ -n "$BENCH_POLL_PID" ] || return 0
	ns_stop_pid "$BENCH_POLL_PID"
	ns_forget_pid "$BENCH_POLL_PID"
	BENCH_POLL_PID=
}
# bench_rolepoll_master_after REAL0: sets BENCH_ROLE_MS (ms from REAL0 to the
# first "master" reply at or after it, "-" if none) and BENCH_POLL_GAP (ms
# between that reply and the one before: the poller's resolution there).
bench_rolepoll_master_after() {
	local r
	r=$(awk -v k="$1" '
		$1 >= k && $2 == "master" && t == "" { t = $1; gap = $1 - prev }
		{ prev = $1 }
		END { if (t == "") print "- -"; else printf "%d %d\n", (t - k) * 1000 + 0.5, gap * 1000 + 0.5 }' \
		"$BENCH_POLL_LOG")
	BENCH_ROLE_MS=${r% *}
	BENCH_POLL_GAP=${r#* }
}

# --- the client ------------------------------------------------------------------------

# bench_writer_start ADDR: tests/net/writer through ADDR, the same probe as the
# cluster test (a write every 10 ms, 200 ms timeouts, a new connection every
# 250 ms like a pooled client).
bench_writer_start() {
	BENCH_WRITER_LOG="$BENCH_DIR/writer.$(date +%s%N).log"
	ns_bg c "$BENCH_WRITER_LOG.out" "$CLUSTER_WRITER" -i 10 -t 200 -r 250 -l "$BENCH_WRITER_LOG" \
		"$1" "$CLUSTER_REDIS_PORT" || return 1
	BENCH_WRITER_PID=$NS_LAST_PID
}
bench_writer_stop() {
	[ -n "$BENCH_WRITER_PID" ] || return 0
	ns_stop_pid "$BENCH_WRITER_PID"
	ns_forget_pid "$BENCH_WRITER_PID"
	BENCH_WRITER_PID=
}
bench_writer_acks() { grep -c '^ack ' "$BENCH_WRITER_LOG" 2>/dev/null; }
bench_writer_acks_over() { local a; a=$(bench_writer_acks); [ "${a:-0}" -gt "$1" ]; }

# bench_writer_after KILL_MS: "<outage_ms> <ip>" of the first ack at or after
# KILL_MS (ip: the server the connection reached), "- -" if none yet.
bench_writer_after() {
	awk -v k="$1" '$1 == "connected" { b = $4 }
		$1 == "ack" && $3 >= k { print $3 - k, b; f = 1; exit }
		END { if (!f) print "- -" }' "$BENCH_WRITER_LOG"
}
bench_writer_acked_by() {
	local r; r=$(bench_writer_after "$1")
	[ "${r#* }" = "$2" ]
}

# --- restoring the cluster -----------------------------------------------------------------

# bench_sentinel_settled NEW OLD: on every sentinel, the master is NEW, not in
# a failover (flags exactly "master"), two other sentinels are known, and OLD
# is a healthy replica of NEW (flags "slave", link ok): a failover can start
# again at once.
bench_sentinel_settled() {
	local new=$1 old=$2 n
	for n in $CLUSTER_SENTINEL_NODES; do
		[ "$(cluster_master_of "$n")" = "${CLUSTER_IP[$new]}" ] || return 1
		[ "$(cluster_sentinel_field "$n" flags)" = master ] || return 1
		[ "$(cluster_sentinel_field "$n" num-other-sentinels)" = 2 ] || return 1
		cluster_sentinel_cli "$n" SENTINEL REPLICAS "$CLUSTER_MASTER_NAME" | awk \
			-v ip="${CLUSTER_IP[$old]}" -v mh="${CLUSTER_IP[$new]}" '
			NR % 2 == 1 { k = $0; next }
			k == "name" { if (rec_ok) good = 1; rec_ok = 0; cur_ip = ""; fl = ""; ls = ""; h = "" }
			k == "ip" { cur_ip = $0 } k == "flags" { fl = $0 }
			k == "master-link-status" { ls = $0 } k == "master-host" { h = $0 }
			{ rec_ok = (cur_ip == ip && fl == "slave" && ls == "ok" && h == mh) }
			END { if (rec_ok) good = 1; exit !good }' || return 1
	done
}

# bench_epochs: "<max current-epoch> <max config-epoch>" over the sentinels,
# from the configuration files they rewrite on every epoch change.
bench_epochs() {
	cat "$CLUSTER_DIR"/n[123]/sentinel/sentinel.conf 2>/dev/null | awk '
		$1 == "sentinel" && $2 == "current-epoch" && $3 > c { c = $3 }
		$1 == "sentinel" && $2 == "config-epoch" && $3 == m && $4 > e { e = $4 }
		END { print c + 0, e + 0 }' m="$CLUSTER_MASTER_NAME"
}

# bench_failover_delay_clear: no failover attempt since the last completed
# one, or the last attempt is more than 2 x failover-timeout (+1 s) old.
#
# On this box the three sentinels sometimes mark the freshly promoted master
# down ~1 s after +switch-master (down-after-milliseconds 1000), start an
# election, and abort it (-failover-abort-no-good-slave: the only replica is
# the node just killed). Every sentinel that took part then refuses to start
# another failover for 2 x failover-timeout ("Next failover delay: I will not
# start a failover before ..."), so a kill in that window is failed over only
# 15-20 s later, whatever sits in front of Redis. Such an attempt leaves
# current-epoch above the master's config-epoch; we wait it out.
BENCH_DELAY_WAITS=0
bench_failover_delay_clear() {
	local ep cur cfg now
	ep=$(bench_epochs); cur=${ep% *}; cfg=${ep#* }
	now=$(date +%s)
	[ "$cur" -le "$cfg" ] && return 0
	if [ "$cur" != "${BENCH_SEEN_EPOCH:-}" ]; then
		BENCH_SEEN_EPOCH=$cur BENCH_SEEN_EPOCH_AT=$now
		BENCH_DELAY_WAITS=$((BENCH_DELAY_WAITS + 1))
		bench_log "sentinels are at epoch $cur, the master's config-epoch is $cfg: an aborted failover attempt;" \
			"waiting out Sentinel's failover delay (2 x failover-timeout)"
	fi
	[ $((now - BENCH_SEEN_EPOCH_AT)) -ge 21 ]
}

# bench_restore KILLED NEW: restart KILLED's redis-server as a replica of NEW
# and wait until it is in sync, every sentinel is settled, and no failover
# delay is pending.
bench_restore() {
	local old=$1 new=$2
	cluster_start_redis "$old" "$new" || { bench_log "restore: redis on $old did not start"; return 1; }
	wait_for 20 cluster_replica_synced "$old" || { bench_log "restore: $old did not sync from $new"; return 1; }
	wait_for 30 bench_sentinel_settled "$new" "$old" ||
		{ bench_log "restore: sentinels did not settle on $new with replica $old"; return 1; }
	wait_for 60 bench_failover_delay_clear || { bench_log "restore: the sentinels' epochs do not settle"; return 1; }
	# a spurious attempt may have moved the master meanwhile: settle again
	wait_for 30 bench_sentinel_settled "$new" "$old" ||
		{ bench_log "restore: sentinels did not settle on $new with replica $old"; return 1; }
}

# bench_current_master: the data node every sentinel names (n1|n2), or fail.
bench_current_master() {
	local n ip
	ip=$(cluster_master_of n3)
	for n in n1 n2; do
		if [ "${CLUSTER_IP[$n]}" = "$ip" ] && cluster_majority_names "$ip"; then
			echo "$n"; return 0
		fi
	done
	return 1
}

# --- /proc -------------------------------------------------------------------------------------

# bench_proc_cpu_ms PID: utime+stime in ms.
bench_proc_cpu_ms() {
	local tck; tck=$(getconf CLK_TCK)
	sed 's/^.*) //' "/proc/$1/stat" | awk -v t="$tck" '{ printf "%d\n", ($12 + $13) * 1000 / t }'
}
# bench_proc_kb PID FIELD: a kB field of /proc/PID/status (VmRSS, VmHWM, ...).
bench_proc_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# --- redis-benchmark -------------------------------------------------------------------------------

# bench_rb ADDR LABEL: one redis-benchmark run from the client namespace;
# appends "LABEL TEST rps p50 p99" lines to $BENCH_DIR/rb.tsv.
bench_rb() {
	local addr=$1 label=$2 out
	out="$BENCH_DIR/rb.$2.$(date +%s%N).csv"
	ns_exec c timeout 300 "${VIPD_REDIS_BENCHMARK:-redis-benchmark}" -h "$addr" -p "$CLUSTER_REDIS_PORT" -t set,get \
		-n "$BENCH_RB_N" -c 20 -P 1 --csv >"$out" 2>"$out.err" || {
		bench_log "redis-benchmark through $addr failed: $(tail -n 2 "$out.err")"; return 1; }
	# "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
	tr -d '"' <"$out" | awk -F, -v l="$label" '$1 == "SET" || $1 == "GET" { print l, $1, $2, $5, $7 }' \
		>>"$BENCH_DIR/rb.tsv"
}
# bench_rb_median LABEL TEST FIELD(3=rps 4=p50 5=p99): median over the rounds.
bench_rb_median() {
	# shellcheck disable=SC2046
	bench_median $(awk -v l="$1" -v t="$2" -v f="$3" '$1 == l && $2 == t { print $f }' "$BENCH_DIR/rb.tsv")
}

# --- clean-up --------------------------------------------------------------------------------------

bench_cleanup() {
	local p
	bench_writer_stop
	bench_rolepoll_stop
	bench_haproxy_stop
	# the 32 extra redis-servers: TERM them all at once, then reap
	for p in "${BENCH_EXTRA_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${BENCH_EXTRA_PIDS[@]}"; do ns_stop_pid "$p"; ns_forget_pid "$p"; done
	BENCH_EXTRA_PIDS=()
}
