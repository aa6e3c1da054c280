# Shared helpers for the integration tests: TAP output and private network
# namespaces. Source it from a test script (bash).
#
# Every namespace is named "vt<pid><rand>-<name>", so concurrent runs never
# collide, and all of them are deleted by the EXIT trap, as are all the
# processes started with ns_bg (killed by PID). The host's own interfaces are
# never touched: the "switch" is a bridge inside a namespace of its own.
# Addresses come from documentation ranges only (192.0.2.0/24,
# 198.51.100.0/24, 2001:db8::/32).

NS_RUN="vt$$$RANDOM"
NS_LIST=()
NS_PIDS=()
NS_CLEANUP_HOOKS=()
TAP_N=0
TAP_FAILED=0

# --- TAP ----------------------------------------------------------------------
tap_skip_all() { echo "1..0 # SKIP $*"; exit 0; }
ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $*"; }
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $*"; }
# check "description" command...: ok if the command succeeds
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
diag() { echo "# $*"; }
tap_done() { echo "1..$TAP_N"; [ "$TAP_FAILED" -eq 0 ]; }

# Skip unless we can build namespaces.
ns_require_root() {
	[ -z "${VIPD_SKIP_NET:-}" ] || tap_skip_all "VIPD_SKIP_NET is set (integration tests already ran on this tree)"
	[ "$(id -u)" -eq 0 ] || tap_skip_all "integration tests need root (network namespaces)"
	command -v ip >/dev/null || tap_skip_all "iproute2 (ip) is not installed"
	ip netns add "${NS_RUN}-probe" 2>/dev/null || tap_skip_all "cannot create network namespaces here"
	ip netns del "${NS_RUN}-probe"
}

# --- namespaces ----------------------------------------------------------------
ns_name() { echo "${NS_RUN}-$1"; }

ns_add() {
	local ns; ns=$(ns_name "$1")
	ip netns add "$ns" || return 1
	NS_LIST+=("$ns")
	ip -n "$ns" link set lo up
}

# ns_switch: a bridge "br0" inside namespace "sw".
ns_switch() {
	ns_add sw || return 1
	ip -n "$(ns_name sw)" link add br0 type bridge
	# no STP delay; forward immediately
	ip -n "$(ns_name sw)" link set br0 type bridge forward_delay 0 stp_state 0
	ip -n "$(ns_name sw)" link set br0 up
}

# ns_plug NODE IFNAME [ADDR/PFX ...]: a veth from NODE (named IFNAME) to the switch.
ns_plug() {
	local node=$1 ifname=$2; shift 2
	local ns sw peer a
	ns=$(ns_name "$node"); sw=$(ns_name sw); peer="p-${node:0:10}"
	ip link add "$peer" netns "$sw" type veth peer name "$ifname" netns "$ns" || return 1
	ip -n "$sw" link set "$peer" master br0
	ip -n "$sw" link set "$peer" up
	for a in "$@"; do
		ip -n "$ns" addr add "$a" dev "$ifname" nodad 2>/dev/null ||
			ip -n "$ns" addr add "$a" dev "$ifname" || return 1
	done
	ip -n "$ns" link set "$ifname" up
}

ns_exec() { local ns; ns=$(ns_name "$1"); shift; ip netns exec "$ns" "$@"; }

# ns_bg NODE LOGFILE cmd...: start in the background; sets NS_LAST_PID.
ns_bg() {
	local ns log; ns=$(ns_name "$1"); log=$2; shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	NS_LAST_PID=$!
	NS_PIDS+=("$NS_LAST_PID")
}

# Stop one process we started (TERM, then KILL after 3 s).
ns_stop_pid() {
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	kill -CONT "$pid" 2>/dev/null
	for i in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# Forget a PID we started that has already been killed and reaped (e.g. a
# kill -9 in a test), so cleanup never signals a recycled PID.
ns_forget_pid() {
	local pid=$1 p keep=()
	for p in "${NS_PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
	NS_PIDS=("${keep[@]}")
}

ns_cleanup() {
	local h p n
	for h in "${NS_CLEANUP_HOOKS[@]}"; do "$h"; done
	for p in "${NS_PIDS[@]}"; do ns_stop_pid "$p"; done
	for n in "${NS_LIST[@]}"; do ip netns del "$n" 2>/dev/null; done
}
trap ns_cleanup EXIT
trap 'exit 130' INT TERM

# wait_for SECONDS command...: poll every 50 ms until the command succeeds.
wait_for() {
	local deadline=$(( $(date +%s%N) / 1000000 + $1 * 1000 )); shift
	while :; do
		"$@" && return 0
		[ $(( $(date +%s%N) / 1000000 )) -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
