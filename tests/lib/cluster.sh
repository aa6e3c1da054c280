# Cluster helpers for tests/net/cluster.sh and tests/demo.sh: a Sentinel-managed
# Redis deployment in network namespaces, vipd on the data nodes, a client
# writing through the VIP and a sampler of who holds the VIP. Source
# tests/lib/netns.sh first (namespaces, TAP, cleanup), then this file (bash).
#
# Topology (documentation addresses only, one bridge in its own namespace):
#   n1 192.0.2.11  redis-server (master)        + redis-sentinel + vipd
#   n2 192.0.2.12  redis-server (replica of n1) + redis-sentinel + vipd
#   n3 192.0.2.13                                 redis-sentinel
#   c  192.0.2.50  the client (writer); admin redis-cli runs here too
# The VIP is 192.0.2.100/32 on eth0 of whichever data node vipd puts it on.
#
# Everything a run creates lives in $CLUSTER_DIR (one sub-directory per node)
# and every process is started through ns_bg, so netns.sh's EXIT trap kills
# it by PID. The directory is removed on exit unless a TAP test failed or
# CLUSTER_KEEP=1, so the logs of a failed run can be read afterwards.
#
# Environment:
#   top_builddir / top_srcdir   where src/vipd and tests/net/writer live
#                               (make check exports both; default: the tree
#                               this file is in)
#   CLUSTER_SENTINEL_DEFAULTS=1 keep Sentinel's default INFO/PUBLISH periods
#                               (10 s / 2 s) instead of SENTINEL DEBUG
#                               info-period 1000 publish-period 500
#   CLUSTER_KEEP=1              keep $CLUSTER_DIR
#   CLUSTER_VIPD_EXTRA          extra lines for vipd.conf's vip section
#                               (e.g. "no-quorum-hold-down = 300"), read
#                               when vipd is started
#   CLUSTER_VIPD_WRAPPER        a command vipd is run under (e.g. valgrind ...)
#   CLUSTER_FAILOVER_TIMEOUT    sentinel failover-timeout (default 10000)
#   CLUSTER_WRITER_PREFIX       the writer's keys are <prefix>:<n> (default seq)
#   CLUSTER_VIP_INTERFACE       the interface in vipd.conf (default eth0;
#                               tests/lib/routed.sh sets lo)
#   CLUSTER_NAMES=1             the nodes know each other by name (n1.test
#                               ..., tests/lib/cluster_names.sh): replicas
#                               replicate from and announce names, the
#                               Sentinels monitor, resolve and announce host
#                               names; read by cluster_up
#   CLUSTER_VIPD_NAMES=0|1      names in vipd's configuration too (default:
#                               CLUSTER_NAMES); read when vipd is started
#   CLUSTER_VIP6                a second, IPv6 address of the same VIP (e.g.
#                               2001:db8::100): the nodes get 2001:db8::1x,
#                               Redis listens on it too, vipd's vip section
#                               lists both; read by cluster_up
#   VIPD_REDIS_SERVER           the server binaries (default redis-server,
#   VIPD_REDIS_SENTINEL         redis-sentinel, redis-cli; tests/matrix/run.sh
#   VIPD_REDIS_CLI              gives Valkey's)
#   CLUSTER_TLS=1               TLS only (tests/lib/cluster_tls.sh)
#
# Function prefixes: cluster_ (this file), ns_ / ok / diag (netns.sh).

[ -n "${top_srcdir:-}" ] || top_srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ -n "${top_builddir:-}" ] || top_builddir=$top_srcdir

CLUSTER_VIP=192.0.2.100
CLUSTER_MASTER_NAME=mymaster
CLUSTER_REDIS_PORT=6379
CLUSTER_SENTINEL_PORT=26379
declare -A CLUSTER_IP=([n1]=192.0.2.11 [n2]=192.0.2.12 [n3]=192.0.2.13 [c]=192.0.2.50)
# A second address per node, on the same link: a Sentinel listens on both,
# so a test can give vipd a path to it that one node alone cannot take
# (a blackhole route there), while the Sentinels still see each other.
declare -A CLUSTER_ALT_IP=([n1]=198.51.100.11 [n2]=198.51.100.12 [n3]=198.51.100.13 [c]=198.51.100.50)
# The address vipd's configuration gives for a node's Sentinel (default:
# CLUSTER_IP); read when vipd is started.
declare -A CLUSTER_VIPD_SENTINEL_IP=()
declare -A CLUSTER_HOST=([n1]=n1.test [n2]=n2.test [n3]=n3.test [c]=c.test)
declare -A CLUSTER_IP6=([n1]=2001:db8::11 [n2]=2001:db8::12 [n3]=2001:db8::13 [c]=2001:db8::50)
# shellcheck disable=SC2034  # used by the scripts that source this file
CLUSTER_DATA_NODES="n1 n2"
CLUSTER_SENTINEL_NODES="n1 n2 n3"
CLUSTER_VIPD="$top_builddir/src/vipd"
CLUSTER_VIPCTL="$top_builddir/src/vipctl"
CLUSTER_WRITER="$top_builddir/tests/net/writer"
CLUSTER_SAMPLER="$top_builddir/tests/net/sampler"
# where systemd's notify socket would be (tests/net/ops.sh, reexec.sh)
CLUSTER_NOTIFYRECV="$top_builddir/tests/net/notifyrecv"
: "${VIPD_REDIS_SERVER:=redis-server}" "${VIPD_REDIS_SENTINEL:=redis-sentinel}"
: "${VIPD_REDIS_CLI:=redis-cli}"
# shellcheck source=tests/lib/cluster_tls.sh
. "$top_srcdir/tests/lib/cluster_tls.sh"

declare -A CLUSTER_REDIS_PID=() CLUSTER_SENTINEL_PID=() CLUSTER_VIPD_PID=()
CLUSTER_WRITER_PID=
CLUSTER_SAMPLER_PID=
CLUSTER_MONITOR_PIDS=()
CLUSTER_DIR=

# shellcheck source=tests/lib/cluster_names.sh
. "$top_srcdir/tests/lib/cluster_names.sh"

# --- set-up and tear-down -----------------------------------------------------

# cluster_missing_tools: prints what is missing to run a cluster (empty = ok).
cluster_missing_tools() {
	local t tls missing=()
	for t in "$VIPD_REDIS_SERVER" "$VIPD_REDIS_SENTINEL" "$VIPD_REDIS_CLI" ip timeout; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	tls=$(cluster_tls_missing)
	[ -z "$tls" ] || missing+=("$tls")
	[ -x "$CLUSTER_WRITER" ] || missing+=("$CLUSTER_WRITER (make check builds it)")
	[ -x "$CLUSTER_SAMPLER" ] || missing+=("$CLUSTER_SAMPLER (make check builds it)")
	echo "${missing[*]}"
}

# cluster_tap_require [PROGRAM...]: the opening of a TAP test on the cluster:
# root and namespaces, the cluster's tools, vipd built and each PROGRAM (a
# helper make check builds) there; otherwise the whole test is skipped, with
# the reason.
# shellcheck disable=SC2120  # the programs are optional
cluster_tap_require() {
	local lacking p
	ns_require_root
	lacking=$(cluster_missing_tools)
	[ -z "$lacking" ] || tap_skip_all "missing: $lacking"
	[ -x "$CLUSTER_VIPD" ] || tap_skip_all "vipd not built in $top_builddir/src"
	for p in "$@"; do
		[ -x "$p" ] || tap_skip_all "$p not built (make check builds it)"
	done
}

cluster_cleanup() {
	local pid
	# Stop in reverse order of dependency, before the namespaces vanish,
	# so that vipd can remove the VIP and the logs are complete.
	for pid in "$CLUSTER_WRITER_PID" "$CLUSTER_SAMPLER_PID" "${CLUSTER_MONITOR_PIDS[@]}" \
		"${CLUSTER_VIPD_PID[@]}" "${CLUSTER_SENTINEL_PID[@]}" "${CLUSTER_REDIS_PID[@]}"; do
		[ -n "$pid" ] && ns_stop_pid "$pid"
	done
	CLUSTER_WRITER_PID='' CLUSTER_SAMPLER_PID='' CLUSTER_MONITOR_PIDS=()
	CLUSTER_VIPD_PID=() CLUSTER_SENTINEL_PID=() CLUSTER_REDIS_PID=()
	[ -n "$CLUSTER_DIR" ] && [ -d "$CLUSTER_DIR" ] || return 0
	if [ "${CLUSTER_KEEP:-0}" = 1 ] || [ "$TAP_FAILED" -gt 0 ]; then
		echo "# logs kept in $CLUSTER_DIR" >&2
	else
		rm -rf "$CLUSTER_DIR"
	fi
	CLUSTER_DIR=
}

# cluster_down: stop everything and delete the namespaces, so that another
# cluster_up can follow in the same run (the EXIT trap does this too).
cluster_down() {
	local n
	cluster_cleanup
	for n in c n3 n2 n1 sw; do ip netns del "$(ns_name "$n")" 2>/dev/null; done
	cluster_names_cleanup
}

# cluster_net: the namespaces, the bridge and the addresses; makes $CLUSTER_DIR.
# Redis and Sentinel fsync their configuration files at every failover
# (CONFIG REWRITE in the promotion, Sentinel's config flush at
# +switch-master), all of them at the same moment, with
# down-after-milliseconds 1000 in these tests: on a disk shared with a busy
# machine an fsync can take a good part of that second, on tmpfs it costs
# nothing. So the cluster's files live on tmpfs when there is one
# (CLUSTER_TMPDIR overrides).
cluster_tmpdir() {
	if [ -n "${CLUSTER_TMPDIR:-}" ]; then
		echo "$CLUSTER_TMPDIR"
	elif [ -d /dev/shm ] && [ -w /dev/shm ]; then
		echo /dev/shm
	else
		echo "${TMPDIR:-/tmp}"
	fi
}

cluster_net() {
	local n
	CLUSTER_DIR=$(mktemp -d "$(cluster_tmpdir)/vipd-cluster.XXXXXX") || return 1
	[[ " ${NS_CLEANUP_HOOKS[*]} " == *" cluster_cleanup "* ]] || NS_CLEANUP_HOOKS+=(cluster_cleanup)
	ns_switch || return 1
	for n in n1 n2 n3 c; do
		mkdir -p "$CLUSTER_DIR/$n"
		ns_add "$n" && ns_plug "$n" eth0 "${CLUSTER_IP[$n]}/24" "${CLUSTER_ALT_IP[$n]}/24" \
			${CLUSTER_VIP6:+"${CLUSTER_IP6[$n]}/64"} || return 1
	done
	cluster_tls_setup || return 1
	[ "${CLUSTER_NAMES:-0}" = 1 ] && { cluster_names_setup || return 1; }
	return 0
}

# cluster_cli NODE PORT args...: redis-cli from the client namespace, 2 s max.
cluster_cli() {
	local node=$1 port=$2; shift 2
	ns_exec c timeout 2 "$VIPD_REDIS_CLI" "${CLUSTER_CLI_TLS[@]}" -h "${CLUSTER_IP[$node]}" -p "$port" "$@" 2>/dev/null
}
cluster_redis_cli() { local n=$1; shift; cluster_cli "$n" "$CLUSTER_REDIS_PORT" "$@"; }
cluster_sentinel_cli() { local n=$1; shift; cluster_cli "$n" "$CLUSTER_SENTINEL_PORT" "$@"; }

# cluster_start_redis NODE [replicaof-node]: sets CLUSTER_REDIS_PID[NODE].
# No persistence, so a restarted old master comes back empty and as master
# (docs/design.md, "The old master's window"). Clients reach it through the VIP, so it listens on the
# node's address and on the VIP, which is usually not (yet) configured:
# net.ipv4.ip_nonlocal_bind=1 in the node's namespace lets it bind anyway, as
# a VIP deployment does (or bind 0.0.0.0). The node's own address comes
# first, so `CONFIG GET bind` tells the writer which node answered.
# protected-mode no: without a password Redis 7 refuses non-loopback clients
# (the namespaces are private to the run). repl-diskless-sync-delay 0 only
# shortens the first sync (the 7.0 default waits 5 s for more replicas).
cluster_start_redis() {
	local node=$1 of=${2:-} dir="$CLUSTER_DIR/$1/redis" args=()
	mkdir -p "$dir"
	[ -n "$of" ] && args=(--replicaof "$(cluster_host "$of")" "$CLUSTER_REDIS_PORT")
	[ "${CLUSTER_NAMES:-0}" = 1 ] && args+=(--replica-announce-ip "$(cluster_host "$node")")
	ns_exec "$node" sysctl -qw net.ipv4.ip_nonlocal_bind=1 || return 1
	while read -r k v; do args+=("--$k" "$v"); done < <(cluster_listen_conf "$CLUSTER_REDIS_PORT")
	if [ -n "${CLUSTER_VIP6:-}" ]; then
		ns_exec "$node" sysctl -qw net.ipv6.ip_nonlocal_bind=1 || return 1
	fi
	ns_bg "$node" "$dir/redis.log.$(date +%s%N)" "$VIPD_REDIS_SERVER" \
		--bind "${CLUSTER_IP[$node]}" "$CLUSTER_VIP" ${CLUSTER_VIP6:+"$CLUSTER_VIP6"} \
		--save '' --appendonly no --daemonize no --dir "$dir" \
		--protected-mode no --repl-diskless-sync-delay 0 "${args[@]}" || return 1
	CLUSTER_REDIS_PID[$node]=$NS_LAST_PID
	wait_for 5 cluster_redis_cli "$node" PING >/dev/null
}

# cluster_kill_redis NODE: kill -9, as a crash would.
cluster_kill_redis() {
	local pid=${CLUSTER_REDIS_PID[$1]}
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	ns_forget_pid "$pid"
	CLUSTER_REDIS_PID[$1]=
}

# cluster_start_sentinel NODE: generated config (Sentinel rewrites it).
cluster_start_sentinel() {
	local node=$1 dir="$CLUSTER_DIR/$1/sentinel" bind=${CLUSTER_IP[$1]}
	mkdir -p "$dir"
	# the second address too, where the topology gives the node one
	ns_exec "$node" ip -o addr show | grep -q " ${CLUSTER_ALT_IP[$node]:-none}/" &&
		bind+=" ${CLUSTER_ALT_IP[$node]}"
	# Host names: resolve-hostnames before any name in the file, as
	# Sentinel reads it in order; announce-hostnames makes it answer with
	# the names (get-master-addr-by-name, events) instead of addresses.
	cat >"$dir/sentinel.conf" <<-EOF
		$(cluster_listen_conf "$CLUSTER_SENTINEL_PORT")
		bind $bind
		daemonize no
		dir $dir
		$([ "${CLUSTER_NAMES:-0}" = 1 ] && printf '%s\n' "sentinel resolve-hostnames yes" \
			"sentinel announce-hostnames yes" "sentinel announce-ip $(cluster_host "$node")")
		sentinel monitor $CLUSTER_MASTER_NAME $(cluster_host n1) $CLUSTER_REDIS_PORT 2
		sentinel down-after-milliseconds $CLUSTER_MASTER_NAME 1000
		sentinel failover-timeout $CLUSTER_MASTER_NAME ${CLUSTER_FAILOVER_TIMEOUT:-10000}
		sentinel parallel-syncs $CLUSTER_MASTER_NAME 1
	EOF
	cluster_run_sentinel "$node"
}

# cluster_run_sentinel NODE: start NODE's sentinel on its existing config
# file (which Sentinel rewrites with what it has learnt: epochs, the current
# master, the other sentinels).
cluster_run_sentinel() {
	local node=$1 dir="$CLUSTER_DIR/$1/sentinel"
	ns_bg "$node" "$dir/sentinel.log.$(date +%s%N)" "$VIPD_REDIS_SENTINEL" "$dir/sentinel.conf" || return 1
	CLUSTER_SENTINEL_PID[$node]=$NS_LAST_PID
	wait_for 5 cluster_sentinel_cli "$node" PING >/dev/null
}

# cluster_kill_sentinel NODE: kill -9.
cluster_kill_sentinel() {
	local pid=${CLUSTER_SENTINEL_PID[$1]}
	[ -n "$pid" ] || return 0
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	ns_forget_pid "$pid"
	CLUSTER_SENTINEL_PID[$1]=
}

# cluster_restart_sentinel NODE: start it again on its own config file, with
# the shortened periods (SENTINEL DEBUG is not saved in the file).
cluster_restart_sentinel() {
	cluster_run_sentinel "$1" || return 1
	[ "${CLUSTER_SENTINEL_DEFAULTS:-0}" = 1 ] && return 0
	[ "$(cluster_sentinel_cli "$1" SENTINEL DEBUG info-period 1000 publish-period 500)" = OK ]
}

# cluster_sentinel_short_periods: INFO every 1 s, hello every 0.5 s, which
# shortens the stale-master window from ~10 s to ~2.5 s (docs/design.md, "The old master's window").
# Nothing is changed when CLUSTER_SENTINEL_DEFAULTS=1.
cluster_sentinel_short_periods() {
	local n
	[ "${CLUSTER_SENTINEL_DEFAULTS:-0}" = 1 ] && return 0
	for n in $CLUSTER_SENTINEL_NODES; do
		[ "$(cluster_sentinel_cli "$n" SENTINEL DEBUG info-period 1000 publish-period 500)" = OK ] ||
			return 1
	done
}

# cluster_sentinel_field NODE FIELD: one field of SENTINEL MASTER mymaster.
cluster_sentinel_field() {
	cluster_sentinel_cli "$1" SENTINEL MASTER "$CLUSTER_MASTER_NAME" |
		awk -v f="$2" 'NR % 2 == 1 && $0 == f { getline; print; exit }'
}

# cluster_master_of NODE: "ip" the sentinel on NODE names as master (a name
# it answers with is mapped back to the node's address).
cluster_master_of() {
	cluster_ip_of "$(cluster_master_said "$1")"
}
# cluster_master_said NODE: the host as that sentinel says it.
cluster_master_said() {
	cluster_sentinel_cli "$1" SENTINEL GET-MASTER-ADDR-BY-NAME "$CLUSTER_MASTER_NAME" | head -n 1
}

# cluster_sentinels_naming IP: how many sentinels name IP as the master.
cluster_sentinels_naming() {
	local n c=0
	for n in $CLUSTER_SENTINEL_NODES; do
		[ "$(cluster_master_of "$n")" = "$1" ] && c=$((c + 1))
	done
	echo "$c"
}

cluster_majority_names() { [ "$(cluster_sentinels_naming "$1")" -ge 2 ]; }

# cluster_role NODE: master | slave | "" (unreachable).
cluster_role() { cluster_redis_cli "$1" ROLE | head -n 1; }

cluster_replica_synced() {
	cluster_redis_cli "$1" INFO replication | grep -q '^master_link_status:up'
}

# Every sentinel knows the other two and the replica, and names n1.
cluster_sentinels_ready() {
	local n
	for n in $CLUSTER_SENTINEL_NODES; do
		[ "$(cluster_sentinel_field "$n" num-other-sentinels)" = 2 ] || return 1
		[ "$(cluster_sentinel_field "$n" num-slaves)" = 1 ] || return 1
		[ "$(cluster_master_of "$n")" = "${CLUSTER_IP[n1]}" ] || return 1
	done
}

# cluster_up: network, n1 master, n2 replica (synced), three sentinels that
# know each other. Returns non-zero (with a diag) on the first failure.
cluster_up() {
	local n
	cluster_net || { diag "cluster: building the namespaces failed"; return 1; }
	cluster_start_redis n1 || { diag "cluster: redis on n1 did not start"; return 1; }
	cluster_start_redis n2 n1 || { diag "cluster: redis on n2 did not start"; return 1; }
	wait_for 15 cluster_replica_synced n2 || { diag "cluster: n2 did not sync from n1"; return 1; }
	for n in $CLUSTER_SENTINEL_NODES; do
		cluster_start_sentinel "$n" || { diag "cluster: sentinel on $n did not start"; return 1; }
	done
	cluster_sentinel_short_periods || { diag "cluster: SENTINEL DEBUG failed"; return 1; }
	wait_for 30 cluster_sentinels_ready ||
		{ diag "cluster: sentinels did not discover each other and the replica"; return 1; }
}

# --- vipd -----------------------------------------------------------------------

cluster_vipd_conf() {
	local node=$1
	echo "control-socket = \"$CLUSTER_DIR/$node/vipd.sock\""
	cluster_vip_conf "$CLUSTER_MASTER_NAME" "$CLUSTER_VIP" "$node" "${CLUSTER_VIPD_EXTRA:-}"
}

# cluster_show_logs LINES FILE...: after a failed check, the last LINES of
# each FILE of n1 and n2 (names inside the node directory), for the CI log.
cluster_show_logs() {
	local lines=$1 n f
	shift
	[ "$TAP_FAILED" -gt 0 ] || return 0
	for n in n1 n2; do
		for f in "$@"; do
			[ -s "$CLUSTER_DIR/$n/$f" ] || continue
			diag "--- last lines of $CLUSTER_DIR/$n/$f"
			tail -n "$lines" "$CLUSTER_DIR/$n/$f" | sed 's/^/#   /'
		done
	done
}

# cluster_vip_conf NAME ADDRESS NODE [LINES]: one vip section for NODE's
# vipd, watching NODE's data node and the cluster's three sentinels; LINES
# (e.g. notify settings) go inside it.
cluster_vip_conf() {
	local name=$1 address=$2 node=$3 lines=${4:-} s sentinels=""
	for s in $CLUSTER_SENTINEL_NODES; do
		sentinels+="${sentinels:+, }\"${CLUSTER_VIPD_SENTINEL_IP[$s]:-$(cluster_vipd_host "$s")}:$CLUSTER_SENTINEL_PORT\""
	done
	# the cluster's own VIP gets its IPv6 address too, where there is one
	[ "$address" = "$CLUSTER_VIP" ] && [ -n "${CLUSTER_VIP6:-}" ] &&
		address="$address\", \"$CLUSTER_VIP6"
	cat <<-EOF
		vip "$name" {
		    address = { "$address" }
		    interface = "${CLUSTER_VIP_INTERFACE:-eth0}"
		    redis = "$(cluster_vipd_host "$node"):$CLUSTER_REDIS_PORT"
		    sentinels = { $sentinels }
		$(cluster_vip_tls_conf)
		$lines
		}
	EOF
}

# cluster_start_vipd NODE: the real daemon, debug log in $CLUSTER_DIR/NODE/vipd.log.
cluster_start_vipd() {
	local node=$1
	local wrap=()
	# shellcheck disable=SC2206  # a command line, split on purpose
	[ -n "${CLUSTER_VIPD_WRAPPER:-}" ] && wrap=($CLUSTER_VIPD_WRAPPER)
	cluster_vipd_conf "$node" >"$CLUSTER_DIR/$node/vipd.conf"
	# appended: a restarted vipd keeps the log of the one before
	# shellcheck disable=SC2016  # expanded by that sh, not here
	ns_bg "$node" /dev/null sh -c 'exec "$@" >>"$0" 2>&1' "$CLUSTER_DIR/$node/vipd.log" \
		"${wrap[@]}" "$CLUSTER_VIPD" -d -c "$CLUSTER_DIR/$node/vipd.conf" || return 1
	CLUSTER_VIPD_PID[$node]=$NS_LAST_PID
	wait_for "$([ ${#wrap[@]} -gt 0 ] && echo 30 || echo 5)" test -S "$CLUSTER_DIR/$node/vipd.sock"
}

# cluster_stop_vipd NODE: SIGTERM (vipd releases what it holds) and wait;
# returns vipd's exit status (143 = killed by the TERM, 137 = by a KILL).
cluster_stop_vipd() {
	local pid=${CLUSTER_VIPD_PID[$1]} rc
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid"; rc=$?
	ns_forget_pid "$pid"
	CLUSTER_VIPD_PID[$1]=
	rm -f "$CLUSTER_DIR/$1/vipd.sock"
	return $rc
}

# cluster_kill_vipd NODE: kill -9, as a crash would (the VIP stays behind).
cluster_kill_vipd() {
	local pid=${CLUSTER_VIPD_PID[$1]}
	[ -n "$pid" ] || return 0
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	ns_forget_pid "$pid"
	CLUSTER_VIPD_PID[$1]=
	rm -f "$CLUSTER_DIR/$1/vipd.sock"
}

# cluster_vipctl NODE args...: vipctl against NODE's daemon.
cluster_vipctl() {
	local node=$1; shift
	ns_exec "$node" "$CLUSTER_VIPCTL" -s "$CLUSTER_DIR/$node/vipd.sock" "$@"
}

# cluster_start_standin NODE: a ~30-line bash stand-in for vipd, used only
# to validate this harness while vipd is being written (CLUSTER_NO_VIPD=1).
# Same rule as vipd (docs/design.md, "The rules", 7): hold iff local ROLE is master and a
# majority of the sentinels name this node; polled every 100 ms. It cannot
# send a gratuitous ARP, so it deletes the client's neighbour entry instead
# (a shortcut the real test never takes). CLUSTER_STANDIN_NAIVE=1 claims on
# the local role alone: a negative control, the test must then fail.
cluster_start_standin() {
	local node=$1
	(
		trap 'exit 0' TERM
		holding=0
		while :; do
			want=0
			if [ "$(cluster_role "$node")" = master ]; then
				if [ "${CLUSTER_STANDIN_NAIVE:-0}" = 1 ] ||
					cluster_majority_names "${CLUSTER_IP[$node]}"; then
					want=1
				fi
			fi
			if [ $want = 1 ] && [ $holding = 0 ]; then
				ip -n "$(ns_name "$node")" addr add "$CLUSTER_VIP/32" dev eth0 2>/dev/null
				ip -n "$(ns_name c)" neigh del "$CLUSTER_VIP" dev eth0 2>/dev/null
				holding=1; echo "$("$CLUSTER_WRITER" -N) +vip-acquired"
			elif [ $want = 0 ] && [ $holding = 1 ]; then
				ip -n "$(ns_name "$node")" addr del "$CLUSTER_VIP/32" dev eth0 2>/dev/null
				holding=0; echo "$("$CLUSTER_WRITER" -N) -vip-released"
			fi
			sleep 0.1
		done
	) >"$CLUSTER_DIR/$node/standin.log" 2>&1 &
	NS_PIDS+=("$!")
	CLUSTER_VIPD_PID[$node]=$!
}

# --- observers --------------------------------------------------------------------

# cluster_now: CLOCK_MONOTONIC ms, the clock of the writer and sampler logs.
cluster_now() { "$CLUSTER_WRITER" -N; }

# cluster_holders: the data nodes that have the VIP right now, e.g. "n1" or
# "n1,n2", or "-" for none.
cluster_holders() {
	local n h=()
	for n in n1 n2 n3; do
		ip -n "$(ns_name "$n")" -4 -o addr show | grep -q " $CLUSTER_VIP/" && h+=("$n")
	done
	if [ ${#h[@]} -eq 0 ]; then echo -; else (IFS=,; echo "${h[*]}"); fi
}
cluster_holders_are() { [ "$(cluster_holders)" = "$1" ]; }

# cluster_start_writer: the client in namespace c, through the VIP: a write
# every 10 ms, 200 ms timeouts, a new connection at least every 250 ms (so
# that a second holder of the VIP would get some of the writes).
cluster_start_writer() {
	ns_bg c "$CLUSTER_DIR/c/writer.out" "$CLUSTER_WRITER" "${CLUSTER_WRITER_TLS[@]}" \
		-i 10 -t 200 -r 250 -k "${CLUSTER_WRITER_PREFIX:-seq}" \
		-l "$CLUSTER_DIR/c/writer.log" "$CLUSTER_VIP" "$CLUSTER_REDIS_PORT" || return 1
	CLUSTER_WRITER_PID=$NS_LAST_PID
}
cluster_stop_writer() { ns_stop_pid "$CLUSTER_WRITER_PID"; }
cluster_writer_acks() { grep -c '^ack ' "$CLUSTER_DIR/c/writer.log" 2>/dev/null; }

# cluster_start_monitor LOG [interval_ms]: from the client namespace, what
# each sentinel names as master and each data node's ROLE, every 20 ms by
# default; one process per server (writer -m), all appending
# "<ms> <label> <value>" lines to LOG on every change. Labels: s-n1, s-n2,
# s-n3 (value: an ip or -), r-n1, r-n2 (master, slave or -).
cluster_start_monitor() {
	local log=$1 iv=${2:-20} n
	: >"$log"
	for n in $CLUSTER_SENTINEL_NODES; do
		ns_bg c /dev/null "$CLUSTER_WRITER" "${CLUSTER_WRITER_TLS[@]}" -m sentinel -L "s-$n" -n "$CLUSTER_MASTER_NAME" -i "$iv" -t 100 \
			-l "$log" "${CLUSTER_IP[$n]}" "$CLUSTER_SENTINEL_PORT" || return 1
		CLUSTER_MONITOR_PIDS+=("$NS_LAST_PID")
	done
	for n in $CLUSTER_DATA_NODES; do
		ns_bg c /dev/null "$CLUSTER_WRITER" "${CLUSTER_WRITER_TLS[@]}" -m role -L "r-$n" -i "$iv" -t 100 \
			-l "$log" "${CLUSTER_IP[$n]}" "$CLUSTER_REDIS_PORT" || return 1
		CLUSTER_MONITOR_PIDS+=("$NS_LAST_PID")
	done
	wait_for 3 cluster_lines_ge "$log" 5
}
cluster_lines_ge() { [ "$(wc -l <"$1")" -ge "$2" ]; }
# cluster_monitor_sorted LOG: LOG in time order, names mapped to addresses
# (Sentinels that speak names), so readers compare with CLUSTER_IP.
cluster_monitor_sorted() {
	local n map=()
	for n in "${!CLUSTER_HOST[@]}"; do map+=(-e "s/ ${CLUSTER_HOST[$n]}\$/ ${CLUSTER_IP[$n]}/"); done
	sort -n -s -k1,1 "$1" | sed "${map[@]}"
}
cluster_stop_monitor() {
	local p
	for p in "${CLUSTER_MONITOR_PIDS[@]}"; do ns_stop_pid "$p"; done
	CLUSTER_MONITOR_PIDS=()
}

# cluster_start_sampler [interval_ms]: who holds the VIP, every 10 ms by
# default (niced up: a stalled sampler could miss a short double holding).
cluster_start_sampler() {
	local n args=()
	for n in n1 n2 n3 c; do args+=("$n=$(ns_name "$n")"); done
	nice -n -10 "$CLUSTER_SAMPLER" -i "${1:-10}" -l "$CLUSTER_DIR/sampler.log" "$CLUSTER_VIP" "${args[@]}" \
		>"$CLUSTER_DIR/sampler.out" 2>&1 &
	CLUSTER_SAMPLER_PID=$!
	NS_PIDS+=("$CLUSTER_SAMPLER_PID")
	wait_for 2 test -s "$CLUSTER_DIR/sampler.log"
}
cluster_stop_sampler() { ns_stop_pid "$CLUSTER_SAMPLER_PID"; }

# --- reading the logs ---------------------------------------------------------------

# cluster_sampler_stats FROM_MS: one line of key=value figures over the samples
# taken at or after FROM_MS:
#   samples, max_interval (ms), over20 (intervals > 20 ms), multi (samples
#   with two or more holders), first_n2 / last_n1 (ms after FROM_MS, -1 =
#   never), n1_after_n2 (samples with n1 holding after n2 first did)
cluster_sampler_stats() {
	awk -v from="$1" '
		$1 == "end" || $1 < from { next }
		{
			samples++
			if (prev != "" && $1 - prev > maxi) maxi = $1 - prev
			if (prev != "" && $1 - prev > 20) over++
			prev = $1
			if ($2 ~ /,/) multi++
			split($2, h, ",")
			has1 = has2 = 0
			for (i in h) { if (h[i] == "n1") has1 = 1; if (h[i] == "n2") has2 = 1 }
			if (has2 && first2 == "") first2 = $1 - from
			if (has1) last1 = $1 - from
			if (has1 && first2 != "") n1after++
		}
		END {
			printf "samples=%d max_interval=%d over20=%d multi=%d first_n2=%s last_n1=%s n1_after_n2=%d\n",
				samples, maxi, over, multi, first2 == "" ? -1 : first2,
				last1 == "" ? -1 : last1, n1after
		}' "$CLUSTER_DIR/sampler.log"
}

# cluster_sampler_timeline FROM_MS: the holder changes, "+1.234 s  n2".
cluster_sampler_timeline() {
	awk -v from="$1" '$1 != "end" && $1 >= from && $2 != last {
		printf "%+8.3f s  %s\n", ($1 - from) / 1000, $2; last = $2 }' "$CLUSTER_DIR/sampler.log"
}

# cluster_writer_acks_by_node: "<n> <ms> <bind> <sent_ms>" per acknowledged
# write, bind being the ip of the server the connection reached.
cluster_writer_acks_by_node() {
	awk '$1 == "connected" { b = $4 } $1 == "ack" { print $2, $3, b, $4 }' "$CLUSTER_DIR/c/writer.log"
}

# cluster_writer_stats KILL_MS: figures about the client around the kill:
#   acks_before, acks_after, outage (ms from KILL_MS to the first ack after
#   it), max_gap (largest gap between acks), first_after_on (ip of the server
#   that took it), after_on_n1 (acks after KILL_MS answered by n1)
cluster_writer_stats() {
	cluster_writer_acks_by_node | awk -v k="$1" -v n1="${CLUSTER_IP[n1]}" '
		{
			if ($2 < k) before++
			else {
				after++
				if (first == "") { first = $2 - k; firston = $3 }
				if ($3 == n1) onn1++
			}
			if (prev != "" && $2 - prev > gap) gap = $2 - prev
			prev = $2
		}
		END {
			printf "acks_before=%d acks_after=%d outage=%s max_gap=%d first_after_on=%s after_on_n1=%d\n",
				before, after, first == "" ? -1 : first, gap, firston == "" ? "-" : firston, onn1
		}'
}

# cluster_missing_on NODE IP: how many writes acknowledged by the server at
# IP have no key seq:<n> on NODE now.
cluster_missing_on() {
	local node=$1 ip=$2
	local p=${CLUSTER_WRITER_PREFIX:-seq}
	cluster_redis_cli "$node" --scan --pattern "$p:*" >"$CLUSTER_DIR/keys.$node" || return 1
	cluster_writer_acks_by_node | awk -v ip="$ip" -v p="$p" '
		FNR == NR { have[$1] = 1; next }
		$3 == ip && !((p ":" $1) in have) { miss++ }
		END { print miss + 0 }' "$CLUSTER_DIR/keys.$node" -
}

# cluster_kv LINE KEY: the value of KEY in a "k=v k=v" line.
cluster_kv() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# cluster_ms_to_s MS: "1.234"
cluster_ms_to_s() { awk -v m="$1" 'BEGIN { printf "%.3f", m / 1000 }'; }
