# shellcheck shell=bash disable=SC2034  # globals for the caller
# The clients of tests/bench/failover.sh: the project's probe
# (tests/net/writer) and three Node.js client libraries at their default
# settings (tests/bench/client-*.js), installed from npm into a scratch
# directory, each running in one or more client namespaces. Source
# tests/lib/netns.sh, tests/lib/cluster.sh and tests/bench/lib.sh first.
#
# A "runner" is one client in one namespace, named NS/CLIENT (c/ioredis,
# c0/writer, ...). All of them write every 10 ms through the same address
# in a run, each to keys of its own (<tag>.<ns>.<client>:<n>), and log
# "ack <n> <ms> <sent_ms>" lines on CLOCK_MONOTONIC ms (cluster_now).
#
# Environment:
#   BENCH_CLIENTS="writer ioredis node-redis iovalkey"   which clients run
#   BENCH_IOREDIS_VERSION=6.1.0  BENCH_REDIS_VERSION=6.4.0
#   BENCH_IOVALKEY_VERSION=0.4.0 the npm versions installed (exact)
#   BENCH_NODE_DIR               install there and keep it (default: a
#                                directory under $BENCH_DIR, removed at exit)
#   BENCH_CLIENT_SETTINGS=tuned  the Node clients with README's suggested
#                                settings instead of their defaults
#                                (tests/bench/client-common.js)
#
# Function prefix: bench_ (bench_node_, bench_runner_).

BENCH_CLIENTS=${BENCH_CLIENTS:-writer ioredis node-redis iovalkey}
BENCH_IOREDIS_VERSION=${BENCH_IOREDIS_VERSION:-6.1.0}
BENCH_REDIS_VERSION=${BENCH_REDIS_VERSION:-6.4.0}
BENCH_IOVALKEY_VERSION=${BENCH_IOVALKEY_VERSION:-0.4.0}
# npm package of each Node client (node-redis is the `redis` package)
declare -A BENCH_NPM_PKG=([ioredis]=ioredis [node-redis]=redis [iovalkey]=iovalkey)
declare -A BENCH_NPM_VERSION=([ioredis]=$BENCH_IOREDIS_VERSION [node-redis]=$BENCH_REDIS_VERSION
	[iovalkey]=$BENCH_IOVALKEY_VERSION)
declare -A BENCH_RUNNER_PID=() BENCH_RUNNER_LOG=()
BENCH_RUNNERS=()
BENCH_NODE_MODULES=

bench_is_node_client() { [ -n "${BENCH_NPM_PKG[$1]:-}" ]; }

# bench_node_clients: the Node clients among BENCH_CLIENTS.
bench_node_clients() {
	local c out=()
	for c in $BENCH_CLIENTS; do bench_is_node_client "$c" && out+=("$c"); done
	echo "${out[*]}"
}

# bench_node_version PKG: the version of PKG installed in BENCH_NODE_MODULES
# (empty if none).
bench_node_version() {
	NODE_PATH=$BENCH_NODE_MODULES node -p "require('$1/package.json').version" 2>/dev/null
}

# bench_node_install: node and npm (Debian's nodejs and npm when missing),
# then the pinned versions of the clients into BENCH_NODE_DIR (or a scratch
# directory under BENCH_DIR). No lock file, nothing in the source tree.
bench_node_install() {
	local dir c pkg deps='' major need=0
	[ -n "$(bench_node_clients)" ] || return 0
	command -v node >/dev/null || need=1
	command -v npm >/dev/null || need=1
	if [ $need = 1 ]; then
		bench_log "installing nodejs and npm"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >&2 ||
			{ bench_log "apt-get install nodejs npm failed"; return 1; }
	fi
	major=$(node -p 'process.versions.node.split(".")[0]') || return 1
	[ "$major" -ge 20 ] ||
		bench_log "note: node $(node --version); ioredis 6 and redis 6 declare node >= 20" \
			"(BENCH_IOREDIS_VERSION=5.9.3 BENCH_REDIS_VERSION=5.12.4 are the last for older ones)"
	dir=${BENCH_NODE_DIR:-$BENCH_DIR/node}
	mkdir -p "$dir" || return 1
	BENCH_NODE_MODULES=$dir/node_modules
	for c in $(bench_node_clients); do
		pkg=${BENCH_NPM_PKG[$c]}
		deps+="${deps:+, }\"$pkg\": \"${BENCH_NPM_VERSION[$c]}\""
	done
	printf '{ "name": "vipd-bench-clients", "private": true, "version": "0.0.0",\n  "dependencies": { %s } }\n' \
		"$deps" >"$dir/package.json"
	for c in $(bench_node_clients); do
		pkg=${BENCH_NPM_PKG[$c]}
		[ "$(bench_node_version "$pkg")" = "${BENCH_NPM_VERSION[$c]}" ] && continue
		bench_log "npm install in $dir: $deps"
		(cd "$dir" && npm install --no-audit --no-fund --no-package-lock --loglevel=error >&2) ||
			{ bench_log "npm install failed"; return 1; }
		break
	done
	for c in $(bench_node_clients); do
		pkg=${BENCH_NPM_PKG[$c]}
		[ "$(bench_node_version "$pkg")" = "${BENCH_NPM_VERSION[$c]}" ] ||
			{ bench_log "$pkg ${BENCH_NPM_VERSION[$c]} is not installed in $dir"; return 1; }
	done
}

# bench_node_versions: "ioredis 6.1.0, node-redis (redis) 6.4.0, ..." for the summary.
bench_node_versions() {
	local c v=''
	for c in $(bench_node_clients); do
		v+="${v:+, }$c $(bench_node_version "${BENCH_NPM_PKG[$c]}")"
	done
	echo "$v"
}

# --- runners ------------------------------------------------------------------------

# bench_runner_start NS CLIENT ADDR TAG: one client in namespace NS writing
# through ADDR to keys <TAG>.<NS>.<CLIENT>:<n>.
bench_runner_start() {
	local ns=$1 c=$2 addr=$3 tag=$4 key="$1/$2" log prefix
	prefix="$tag.$ns.$c"
	log="$BENCH_DIR/run.$tag.$ns.$c.log"
	if [ "$c" = writer ]; then
		# the probe: a new connection every 250 ms, 200 ms timeouts
		ns_bg "$ns" "$log.out" "$CLUSTER_WRITER" -i 10 -t 200 -r 250 -k "$prefix" -l "$log" \
			"$addr" "$CLUSTER_REDIS_PORT" || return 1
	else
		ns_bg "$ns" "$log.out" env NODE_PATH="$BENCH_NODE_MODULES" \
			BENCH_CLIENT_SETTINGS="${BENCH_CLIENT_SETTINGS:-defaults}" node "$BENCH_SRC/client-$c.js" \
			-i 10 -k "$prefix" -l "$log" "$addr" "$CLUSTER_REDIS_PORT" || return 1
	fi
	BENCH_RUNNER_PID[$key]=$NS_LAST_PID
	BENCH_RUNNER_LOG[$key]=$log
	BENCH_RUNNERS+=("$key")
}

# bench_runners_start ADDR TAG NS...: every client of BENCH_CLIENTS in each NS.
bench_runners_start() {
	local addr=$1 tag=$2 ns c
	shift 2
	BENCH_RUNNERS=()
	for ns in "$@"; do
		for c in $BENCH_CLIENTS; do
			bench_runner_start "$ns" "$c" "$addr" "$tag" || return 1
		done
	done
}

bench_runners_stop() {
	local key pid
	# TERM them all at once, then reap one by one
	for key in "${BENCH_RUNNERS[@]}"; do
		pid=${BENCH_RUNNER_PID[$key]:-}
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	done
	for key in "${BENCH_RUNNERS[@]}"; do
		pid=${BENCH_RUNNER_PID[$key]:-}
		[ -n "$pid" ] || continue
		ns_stop_pid "$pid"
		ns_forget_pid "$pid"
		unset "BENCH_RUNNER_PID[$key]"
	done
}

bench_runner_acks() { grep -c '^ack ' "${BENCH_RUNNER_LOG[$1]}" 2>/dev/null; }

# bench_runners_acks_over N: every runner has more than N acks.
bench_runners_acks_over() {
	local key a
	for key in "${BENCH_RUNNERS[@]}"; do
		a=$(bench_runner_acks "$key")
		[ "${a:-0}" -gt "$1" ] || return 1
	done
}

# bench_runner_after KEY KILL_MS: ms from KILL_MS to the first ack received
# at or after it, "-" if none. The killed server was reaped before KILL_MS
# was read, so such an ack came from another server.
bench_runner_after() {
	awk -v k="$2" '$1 == "ack" && $3 >= k { print $3 - k; f = 1; exit }
		END { if (!f) print "-" }' "${BENCH_RUNNER_LOG[$1]}"
}

# bench_runner_server_after KEY KILL_MS: the writer logs which server each
# connection reached ("connected <ms> <run_id> <ip>"): the ip behind the first
# ack at or after KILL_MS; "?" for the Node clients (they do not ask).
bench_runner_server_after() {
	case $1 in
	*/writer) awk -v k="$2" '$1 == "connected" { b = $4 } $1 == "ack" && $3 >= k { print b; f = 1; exit }
		END { if (!f) print "-" }' "${BENCH_RUNNER_LOG[$1]}" ;;
	*) echo "?" ;;
	esac
}

# bench_runners_recovered KILL_MS NEW_IP: every runner has an ack at or after
# KILL_MS (the probes: from NEW_IP).
bench_runners_recovered() {
	local key
	for key in "${BENCH_RUNNERS[@]}"; do
		[ "$(bench_runner_after "$key" "$1")" != - ] || return 1
		case $key in */writer) [ "$(bench_runner_server_after "$key" "$1")" = "$2" ] || return 1 ;; esac
	done
}

# bench_runner_lost KEY TAG KILL_MS KEYS: "<after> <before>": acknowledged
# writes of the runner whose key is not in the file KEYS (the new master's
# keys, one a line), acknowledged at or after KILL_MS and before it (those
# the old master took just before it died and had not yet sent to its
# replica: Redis replicates asynchronously).
bench_runner_lost() {
	local key=$1 tag=$2 kill=$3 keys=$4 ns=${1%/*} c=${1#*/}
	awk -v p="$tag.$ns.$c:" -v k="$kill" '
		FILENAME == ARGV[1] { if (index($0, p) == 1) have[substr($0, length(p) + 1)] = 1; next }
		$1 == "ack" && !($2 in have) { if ($3 >= k) a++; else b++ }
		END { printf "%d %d\n", a, b }' "$keys" "${BENCH_RUNNER_LOG[$key]}"
}

# bench_runner_refused KEY KILL_MS UNTIL_MS: connection attempts the client
# saw refused between the two times (ECONNREFUSED in its events; the probe
# logs "Connection refused").
bench_runner_refused() {
	awk -v k="$2" -v u="$3" '
		($1 == "event" && $2 >= k && $2 <= u && $4 == "ECONNREFUSED") ||
		($1 == "fail" && $3 >= k && $3 <= u && /Connection refused/) { n++ }
		END { print n + 0 }' "${BENCH_RUNNER_LOG[$1]}"
}

# --- capture ------------------------------------------------------------------------

# bench_capture_start TAG NS... (BENCH_CAPTURE=1): ARP, and the SYNs, resets
# and FINs of the Redis port, in each client namespace NS with link-level
# headers (which MAC a SYN went to), into $BENCH_DIR/capture.TAG.NS; read
# them afterwards with BENCH_KEEP=1.
BENCH_CAPTURE_PIDS=()
bench_capture_start() {
	local tag=$1 ns
	shift
	[ "${BENCH_CAPTURE:-0}" = 1 ] && command -v tcpdump >/dev/null || return 0
	for ns in "$@"; do
		ns_bg "$ns" "$BENCH_DIR/capture.$tag.$ns" tcpdump -i eth0 -n -l -tt -e \
			"arp or (tcp port $CLUSTER_REDIS_PORT and tcp[tcpflags] & (tcp-syn|tcp-rst|tcp-fin) != 0)" &&
			BENCH_CAPTURE_PIDS+=("$NS_LAST_PID")
	done
	sleep 0.2
}
bench_capture_stop() {
	local p
	for p in "${BENCH_CAPTURE_PIDS[@]}"; do ns_stop_pid "$p"; ns_forget_pid "$p"; done
	BENCH_CAPTURE_PIDS=()
}
