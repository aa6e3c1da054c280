# shellcheck shell=bash
# Helpers for tests/net/scale.sh and tests/bench/scale.sh: many Sentinel
# masters, one vipd per data node with one VIP each, and what that vipd's
# connections look like from the outside. Source tests/lib/netns.sh and
# tests/lib/cluster.sh first, then this file (bash).
#
# The VIPs are numbered: VIP 0 is the seed cluster's own master (mymaster,
# 192.0.2.100, redis on port 6379 of n1 and n2: the one that fails over);
# VIPs 1.. are "background" masters, whose layout the caller describes in
# three arrays before writing a configuration:
#   SCALE_NAME[i]   Sentinel master name (= vip name)
#   SCALE_ADDR[i]   the VIP's address (no prefix length)
#   SCALE_PORT[i]   the data node's redis port (the same on n1 and n2)
#
# Background redis-servers are not in NS_PIDS (netns.sh stops those one by
# one, up to 3 s each, and a benchmark starts two thousand): they are in
# SCALE_PIDS, and scale_cleanup, a cleanup hook that runs before netns.sh's
# own, TERMs them all at once and then reaps them.
#
# Function prefix: scale_.

SCALE_PIDS=()
declare -a SCALE_NAME=() SCALE_ADDR=() SCALE_PORT=()
declare -A SCALE_REDIS_STARTED=()

scale_layout_seed() {
	SCALE_NAME[0]=$CLUSTER_MASTER_NAME
	SCALE_ADDR[0]=$CLUSTER_VIP
	SCALE_PORT[0]=$CLUSTER_REDIS_PORT
}

# scale_mine PID: PID is still a child of this shell. A server that died
# (or was killed) early leaves its PID free, and a run that starts
# thousands of processes wraps PIDs around quickly: a stale number may be
# anybody's process by now.
scale_mine() {
	[ "$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f2)" = "$$" ]
}

scale_cleanup() {
	local p mine=()
	for p in "${SCALE_PIDS[@]}"; do scale_mine "$p" && mine+=("$p"); done
	for p in "${mine[@]}"; do kill -TERM "$p" 2>/dev/null; done
	# a stopped server would never see the TERM
	for p in "${mine[@]}"; do kill -CONT "$p" 2>/dev/null; done
	for p in "${mine[@]}"; do
		for _ in $(seq 50); do scale_mine "$p" || break; sleep 0.1; done
		scale_mine "$p" && kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	SCALE_PIDS=()
	SCALE_REDIS_STARTED=()
}
NS_CLEANUP_HOOKS=(scale_cleanup "${NS_CLEANUP_HOOKS[@]}")

# scale_redis NODE PORT DIR [MASTER_NODE]: a background server
# ($VIPD_REDIS_SERVER, TLS-only with CLUSTER_TLS=1 like the seed's) on
# NODE's address, a replica of MASTER_NODE's server on the same port when
# given. hz 1 (instead of 10): two thousand idle servers' own timers would
# otherwise load the machine that measures vipd; it changes nothing that
# vipd or Sentinel sees (replies to commands are immediate at any hz).
# Nothing is started twice for the same NODE:PORT.
scale_redis() {
	local node=$1 port=$2 dir=$3/$1.$2 of=${4:-} args=()
	[ -z "${SCALE_REDIS_STARTED[$node:$port]:-}" ] || return 0
	mkdir -p "$dir" || return 1
	[ -n "$of" ] && args=(--replicaof "${CLUSTER_IP[$of]}" "$port")
	while read -r k v; do args+=("--$k" "$v"); done < <(cluster_listen_conf "$port")
	ip netns exec "$(ns_name "$node")" "$VIPD_REDIS_SERVER" --bind "${CLUSTER_IP[$node]}" \
		--save '' --appendonly no --daemonize no --dir "$dir" --hz 1 \
		--protected-mode no --repl-diskless-sync-delay 0 "${args[@]}" >"$dir/redis.log" 2>&1 &
	SCALE_PIDS+=("$!")
	SCALE_REDIS_STARTED[$node:$port]=$!
}

# scale_redis_up NODE PORT...: every one answers PING.
scale_redis_up() {
	local node=$1 p; shift
	for p in "$@"; do
		[ "$(cluster_cli "$node" "$p" PING)" = PONG ] || return 1
	done
}

# scale_replicas_synced NODE PORT...: every one is a replica in sync.
scale_replicas_synced() {
	local node=$1 p; shift
	for p in "$@"; do
		cluster_cli "$node" "$p" INFO replication | grep -q '^master_link_status:up' || return 1
	done
}

# scale_monitor FROM TO DOWN_AFTER OUT: every Sentinel monitors background
# masters FROM..TO (indexes) on n1, quorum 2, in one redis-cli pipe per
# Sentinel, the three at once; OUT collects the replies. Fails unless
# every command said OK. Each command makes Sentinel rewrite (and fsync)
# its whole configuration file, which grows with every master: ~2 minutes
# for 750 masters on a busy 2-core machine.
scale_monitor() {
	local from=$1 to=$2 down=$3 out=$4 s i pids=() rc=0
	[ "$from" -le "$to" ] || return 0
	for s in $CLUSTER_SENTINEL_NODES; do
		for ((i = from; i <= to; i++)); do
			echo "SENTINEL MONITOR ${SCALE_NAME[$i]} ${CLUSTER_IP[n1]} ${SCALE_PORT[$i]} 2"
			echo "SENTINEL SET ${SCALE_NAME[$i]} down-after-milliseconds $down failover-timeout 10000"
		done | ns_exec c timeout 900 "$VIPD_REDIS_CLI" "${CLUSTER_CLI_TLS[@]}" \
			-h "${CLUSTER_IP[$s]}" -p "$CLUSTER_SENTINEL_PORT" \
			>"$out.$s" 2>&1 &
		pids+=("$!")
	done
	for i in "${pids[@]}"; do wait "$i" || rc=1; done
	for s in $CLUSTER_SENTINEL_NODES; do
		[ "$(grep -c '^OK$' "$out.$s")" = $((2 * (to - from + 1))) ] || rc=1
	done
	return $rc
}

# scale_vipd_conf NODE COUNT: control socket and VIPs 0..COUNT-1 for NODE's
# vipd, each watching NODE's own redis on its port and the three Sentinels,
# plus the lines in SCALE_VIP_EXTRA (e.g. "role-check-interval = 1000")
# and, with CLUSTER_TLS=1, the TLS keys.
scale_vipd_conf() {
	local node=$1 count=$2 i s sentinels="" pfx
	for s in $CLUSTER_SENTINEL_NODES; do
		sentinels+="${sentinels:+, }\"${CLUSTER_IP[$s]}:$CLUSTER_SENTINEL_PORT\""
	done
	echo "control-socket = \"$CLUSTER_DIR/$node/vipd.sock\""
	for ((i = 0; i < count; i++)); do
		pfx=32
		[[ ${SCALE_ADDR[$i]} == *:* ]] && pfx=128
		cat <<-EOF
			vip "${SCALE_NAME[$i]}" {
			    address = "${SCALE_ADDR[$i]}/$pfx"
			    interface = "eth0"
			    redis = "${CLUSTER_IP[$node]}:${SCALE_PORT[$i]}"
			    sentinels = { $sentinels }
			    ${SCALE_VIP_EXTRA:-}
			$(cluster_vip_tls_conf)
			}
		EOF
	done
}

# scale_start_vipd NODE CONF LOG [-d]: vipd on NODE (its PID, after the
# exec, in CLUSTER_VIPD_PID[NODE]); waits for the control socket. With
# SCALE_NOFILE=SOFT:HARD it starts with that RLIMIT_NOFILE (prlimit), as
# systemd would start it (1024:524288 unless the unit says otherwise).
scale_start_vipd() {
	local node=$1 conf=$2 log=$3 dbg=() pre=()
	[ -n "${4:-}" ] && dbg=("$4")
	[ -n "${SCALE_NOFILE:-}" ] && pre=(prlimit "--nofile=$SCALE_NOFILE" --)
	rm -f "$CLUSTER_DIR/$node/vipd.sock"
	# shellcheck disable=SC2016  # expanded by that sh, not here
	ns_bg "$node" /dev/null sh -c 'exec "$@" >>"$0" 2>&1' "$log" \
		"${pre[@]}" "$CLUSTER_VIPD" "${dbg[@]}" -c "$conf" || return 1
	# shellcheck disable=SC2034  # cluster.sh's array
	CLUSTER_VIPD_PID["$node"]=$NS_LAST_PID
	wait_for 30 test -S "$CLUSTER_DIR/$node/vipd.sock"
}

# scale_dump_states NODE: the 4th field (state) of every `vipctl dump` line.
scale_dump_states() { cluster_vipctl "$1" dump 2>/dev/null | awk -F'\t' '{ print $4 }'; }

# scale_all_decided NODE COUNT: `vipctl dump` has COUNT lines, each with a
# state (held, released or fault).
scale_all_decided() {
	local s
	s=$(scale_dump_states "$1" | awk '$1 == "held" || $1 == "released" || $1 == "fault" { n++ } END { print NR, n + 0 }')
	[ "$s" = "$2 $2" ]
}

# scale_held_count NODE FROM TO: how many of VIPs FROM..TO are on NODE's eth0.
scale_held_count() {
	local node=$1 from=$2 to=$3 i
	{
		for ((i = from; i <= to; i++)); do echo "want ${SCALE_ADDR[$i]}"; done
		ip -n "$(ns_name "$node")" -o addr show dev eth0 | awk '{ split($4, a, "/"); print "have", a[1] }'
	} | awk '$1 == "want" { w[$2] = 1; next } ($2 in w) && !seen[$2]++ { n++ } END { print n + 0 }'
}

# scale_conns NODE PID: the peer (address:port) of every established TCP
# connection owned by process PID in NODE's namespace, one per line.
scale_conns() {
	ns_exec "$1" ss -Htnp state established 2>/dev/null |
		awk -v p="pid=$2," 'index($0, p) { print $4 }'
}

# scale_conns_to NODE PID ADDR:PORT: how many of them go to ADDR:PORT.
scale_conns_to() { scale_conns "$1" "$2" | grep -cxF "$3"; }

# scale_conns_per_sentinel NODE PID: "n1=2 n2=2 n3=2".
scale_conns_per_sentinel() {
	local node=$1 pid=$2 s out=()
	local all
	all=$(scale_conns "$node" "$pid")
	for s in $CLUSTER_SENTINEL_NODES; do
		out+=("$s=$(grep -cxF "${CLUSTER_IP[$s]}:$CLUSTER_SENTINEL_PORT" <<<"$all")")
	done
	echo "${out[*]}"
}

# scale_log_ms LINE: the Unix time in ms of one vipd log line
# ("YYYY-MM-DD HH:MM:SS.mmm level: ...").
scale_log_ms() {
	local s
	s=$(date -d "${1:0:19}" +%s 2>/dev/null) || return 1
	echo $((s * 1000 + 10#${1:20:3}))
}

# scale_decided_ms LOG: the time (Unix ms) of the last "every VIP has made
# its first decision" line in LOG, or nothing.
scale_decided_ms() {
	local line
	line=$(grep -F 'every VIP has made its first decision' "$1" 2>/dev/null | tail -n 1)
	[ -n "$line" ] && scale_log_ms "$line"
}

# scale_nofile PID: "SOFT HARD", PID's open-file limits (/proc/PID/limits).
scale_nofile() { awk '/^Max open files/ { print $4, $5 }' "/proc/$1/limits"; }

# scale_proc_ticks PID: utime+stime in clock ticks (/proc/PID/stat).
scale_proc_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
