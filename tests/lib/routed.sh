# shellcheck shell=bash disable=SC2004,SC2034  # cluster.sh's arrays; globals for the callers
# Routed-mode helpers for tests/net/routed.sh and tests/bench/routed.sh: the
# Sentinel cluster of tests/lib/cluster.sh rebuilt as a small routed network,
# the VIP on each data node's loopback, announced by FRR over eBGP with BFD to
# a router. Source tests/lib/netns.sh and tests/lib/cluster.sh first, then
# this file (bash).
#
# Topology (documentation addresses only; a bridge per data node subnet in
# namespace "sw", so that a node's link can disappear while the router's
# interface stays up, as when a server loses power behind a switch):
#
#        n1 192.0.2.10/26 ─[b1]─ 192.0.2.1   eth1 ┐
#        n2 192.0.2.74/26 ─[b2]─ 192.0.2.65  eth2 ├ r (router: FRR, AS 65000)
#         c 192.0.2.130/26 ───── 192.0.2.129 eth3 │
#     n3 198.51.100.10/24 ───── 198.51.100.1 eth4 ┘
#
#   n1, n2  redis-server, redis-sentinel, vipd (VIP on lo), zebra + bgpd +
#           bfdd (AS 65001 / 65002), default route via the router
#   n3      the third Sentinel, in a subnet of its own
#   c       the client (writer), behind the router
# The VIP 192.0.2.200/32 is in none of these subnets: the router reaches it
# only through the /32 a data node announces.
#
# Each FRR daemon runs in the foreground under ns_bg (so the EXIT trap stops
# it by PID) with everything of its own in $CLUSTER_DIR/NODE/frr: the
# configuration (-f), the vty sockets (--vty_socket), the zserv socket (-z),
# the pid file (-i), bfdd's control socket (--bfdctl) and the logs. Nothing is
# shared with another instance or with a system FRR (-N NAME would only move
# the defaults to NAME sub-directories of /etc/frr and /var/run/frr, outside
# the run's directory). -P 0: no TCP vty. The daemons drop to the frr user as
# packaged (root is refused: not in the frrvty group), so that directory
# belongs to frr.
#
# Function prefix: routed_.

ROUTED_FRR_DIR=${ROUTED_FRR_DIR:-/usr/lib/frr}
CLUSTER_VIP=192.0.2.200
CLUSTER_VIP_INTERFACE=lo
CLUSTER_IP=([n1]=192.0.2.10 [n2]=192.0.2.74 [n3]=198.51.100.10 [c]=192.0.2.130)
# the router's address on each node's link, and its interface there
declare -A ROUTED_GW=([n1]=192.0.2.1 [n2]=192.0.2.65 [c]=192.0.2.129 [n3]=198.51.100.1)
declare -A ROUTED_RIF=([n1]=eth1 [n2]=eth2 [c]=eth3 [n3]=eth4)
declare -A ROUTED_PFX=([n1]=26 [n2]=26 [c]=26 [n3]=24)
declare -A ROUTED_BRIDGE=([n1]=b1 [n2]=b2)
declare -A ROUTED_ASN=([r]=65000 [n1]=65001 [n2]=65002)
ROUTED_FRR_NODES="r n1 n2"
# BFD: 100 ms x 3 (a lost peer is declared down after 300 ms of silence).
ROUTED_BFD_MS=${ROUTED_BFD_MS:-100}
ROUTED_BFD_MULT=${ROUTED_BFD_MULT:-3}
declare -A ROUTED_FRR_PIDS=()
ROUTED_FRR_ALL=()
ROUTED_SAMPLER_PID=

# routed_missing_tools: what is missing to run FRR here (empty = ok).
routed_missing_tools() {
	local d missing=()
	for d in zebra bgpd bfdd; do
		[ -x "$ROUTED_FRR_DIR/$d" ] || missing+=("$ROUTED_FRR_DIR/$d (Debian package frr)")
	done
	command -v vtysh >/dev/null || missing+=("vtysh (frr)")
	getent passwd frr >/dev/null || missing+=("the frr user (Debian package frr)")
	command -v tcpdump >/dev/null || missing+=(tcpdump)
	echo "${missing[*]}"
}

# --- the network ----------------------------------------------------------------

# routed_veth NODE IFNAME PEER_NS PEER_IFNAME: a veth pair between two of our
# namespaces (names without the run prefix).
routed_veth() {
	ip link add "$2" netns "$(ns_name "$1")" type veth peer name "$4" netns "$(ns_name "$3")"
}

# routed_port NODE IFNAME BRIDGE: IFNAME in NODE, its peer a port of BRIDGE in sw.
routed_port() {
	local sw; sw=$(ns_name sw)
	routed_veth "$1" "$2" sw "$1-$2" || return 1
	ip -n "$sw" link set "$1-$2" master "$3" && ip -n "$sw" link set "$1-$2" up
}

routed_addr() {
	ip -n "$(ns_name "$1")" addr add "$3" dev "$2" && ip -n "$(ns_name "$1")" link set "$2" up
}

routed_sysctl() { local n=$1; shift; ns_exec "$n" sysctl -qw "$@"; }

# routed_net: the namespaces, links, addresses, routes and sysctls; makes
# $CLUSTER_DIR.
routed_net() {
	local n b sw
	CLUSTER_DIR=$(mktemp -d "$(cluster_tmpdir)/vipd-routed.XXXXXX") || return 1
	chmod 711 "$CLUSTER_DIR"	# the frr user reaches its own directories
	[[ " ${NS_CLEANUP_HOOKS[*]} " == *" routed_cleanup "* ]] || NS_CLEANUP_HOOKS+=(routed_cleanup)
	[[ " ${NS_CLEANUP_HOOKS[*]} " == *" cluster_cleanup "* ]] || NS_CLEANUP_HOOKS+=(cluster_cleanup)
	for n in sw r n1 n2 n3 c; do
		ns_add "$n" || return 1
		[ "$n" = sw ] || mkdir -p "$CLUSTER_DIR/$n"
	done
	sw=$(ns_name sw)
	for b in b1 b2; do
		ip -n "$sw" link add "$b" type bridge forward_delay 0 stp_state 0 &&
			ip -n "$sw" link set "$b" up || return 1
	done
	for n in n1 n2; do
		b=${ROUTED_BRIDGE[$n]}
		routed_port "$n" eth0 "$b" && routed_port r "${ROUTED_RIF[$n]}" "$b" || return 1
	done
	routed_veth c eth0 r "${ROUTED_RIF[c]}" && routed_veth n3 eth0 r "${ROUTED_RIF[n3]}" || return 1
	for n in n1 n2 c n3; do
		routed_addr "$n" eth0 "${CLUSTER_IP[$n]}/${ROUTED_PFX[$n]}" &&
			routed_addr r "${ROUTED_RIF[$n]}" "${ROUTED_GW[$n]}/${ROUTED_PFX[$n]}" &&
			ip -n "$(ns_name "$n")" route add default via "${ROUTED_GW[$n]}" || return 1
	done
	# The router forwards, checks sources strictly, and dumps routes that
	# use nexthop objects (zebra's default) with their gateways expanded,
	# which the route sampler needs.
	routed_sysctl r net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=1 \
		net.ipv4.conf.default.rp_filter=1 net.ipv4.nexthop_compat_mode=1 || return 1
	# Data nodes: answer ARP only for addresses of the interface asked
	# (arp_ignore=1), never use the VIP as the source of an ARP request
	# (arp_announce=2), strict reverse-path filter: what README's routed
	# mode section asks for.
	for n in n1 n2; do
		routed_sysctl "$n" net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
			net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1 || return 1
	done
}

# --- FRR ------------------------------------------------------------------------------

# The same policy on both sides: only the VIP's /32, in either direction.
routed_frr_policy() {
	cat <<-EOF
		ip prefix-list VIPD-VIP seq 5 permit $CLUSTER_VIP/32
		!
		route-map VIPD-VIP permit 10
		 match ip address prefix-list VIPD-VIP
		exit
		!
		route-map VIPD-NONE deny 10
		exit
		!
	EOF
}

routed_bfdd_conf() {
	cat <<-EOF
		bfd
		 profile vipd
		  detect-multiplier $ROUTED_BFD_MULT
		  receive-interval $ROUTED_BFD_MS
		  transmit-interval $ROUTED_BFD_MS
		 exit
		exit
	EOF
}

# routed_bgpd_conf NODE: a data node announces the VIP while the address is
# on one of its interfaces (redistribute connected through the prefix list)
# and accepts nothing; the router accepts only the VIP from the data nodes,
# sends them nothing, and installs every equal path (so a second announcer
# would show up in its kernel table).
routed_bgpd_conf() {
	local node=$1 n peer
	routed_frr_policy
	echo "router bgp ${ROUTED_ASN[$node]}"
	if [ "$node" = r ]; then
		cat <<-EOF
			 bgp router-id ${ROUTED_GW[n1]}
			 bgp log-neighbor-changes
			 bgp graceful-restart-disable
			 bgp bestpath as-path multipath-relax
			 neighbor VIPD-NODES peer-group
			 neighbor VIPD-NODES timers 3 9
			 neighbor VIPD-NODES timers connect 2
			 neighbor VIPD-NODES advertisement-interval 0
			 neighbor VIPD-NODES bfd profile vipd
		EOF
		for n in n1 n2; do
			echo " neighbor ${CLUSTER_IP[$n]} remote-as ${ROUTED_ASN[$n]}"
			echo " neighbor ${CLUSTER_IP[$n]} peer-group VIPD-NODES"
		done
		cat <<-EOF
			 address-family ipv4 unicast
			  maximum-paths 8
			  neighbor VIPD-NODES route-map VIPD-VIP in
			  neighbor VIPD-NODES route-map VIPD-NONE out
			 exit-address-family
			exit
		EOF
	else
		peer=${ROUTED_GW[$node]}
		cat <<-EOF
			 bgp router-id ${CLUSTER_IP[$node]}
			 bgp log-neighbor-changes
			 bgp graceful-restart-disable
			 neighbor $peer remote-as ${ROUTED_ASN[r]}
			 neighbor $peer timers 3 9
			 neighbor $peer timers connect 2
			 neighbor $peer advertisement-interval 0
			 neighbor $peer bfd profile vipd
			 address-family ipv4 unicast
			  redistribute connected route-map VIPD-VIP
			  neighbor $peer route-map VIPD-NONE in
			  neighbor $peer route-map VIPD-VIP out
			 exit-address-family
			exit
		EOF
	fi
}

# routed_frr_daemon NODE DAEMON ARGS...: one daemon of NODE in the foreground.
routed_frr_daemon() {
	local node=$1 d=$2 dir="$CLUSTER_DIR/$1/frr"
	shift 2
	ns_bg "$node" "$dir/$d.out" "$ROUTED_FRR_DIR/$d" -f "$dir/$d.conf" -i "$dir/$d.pid" \
		--vty_socket "$dir" -z "$dir/zserv.api" -P 0 --log "file:$dir/$d.log" --log-level info "$@" ||
		return 1
	ROUTED_FRR_PIDS[$node]+=" $NS_LAST_PID"
	ROUTED_FRR_ALL+=("$d.$NS_LAST_PID")
}

# routed_start_frr NODE: zebra, then bfdd and bgpd (both talk to zebra).
routed_start_frr() {
	local node=$1 dir="$CLUSTER_DIR/$1/frr"
	mkdir -p "$dir"
	# zebra batches route changes for 10 ms by default; with the handful
	# of routes here that only delays the announcement (measured: 124 ->
	# 104 ms from the address on lo to the router's kernel route).
	printf 'hostname %s\nzebra work-queue 0\n' "$node" >"$dir/zebra.conf"
	{ echo "hostname $node"; routed_bfdd_conf; } >"$dir/bfdd.conf"
	{ echo "hostname $node"; routed_bgpd_conf "$node"; } >"$dir/bgpd.conf"
	chown -R frr:frr "$dir" && chmod 711 "$CLUSTER_DIR/$node" || return 1
	routed_frr_daemon "$node" zebra || return 1
	wait_for 10 test -S "$dir/zserv.api" || return 1
	routed_frr_daemon "$node" bfdd --bfdctl "$dir/bfdd.sock" || return 1
	routed_frr_daemon "$node" bgpd || return 1
	wait_for 10 test -S "$dir/bgpd.vty"
}

# routed_vtysh NODE COMMAND...: vtysh against NODE's daemons (diagnostics and
# test checks only; vipd never calls vtysh).
routed_vtysh() {
	local node=$1 c args=()
	shift
	for c in "$@"; do args+=(-c "$c"); done
	ns_exec "$node" timeout 5 vtysh --vty_socket "$CLUSTER_DIR/$node/frr" "${args[@]}" 2>/dev/null
}

# routed_session_up PEER_NODE: the router's BGP session with PEER_NODE is
# Established and its BFD session is up.
routed_session_up() {
	local ip=${CLUSTER_IP[$1]}
	routed_vtysh r "show bgp neighbors $ip json" | grep -Eq '"bgpState": *"Established"' &&
		routed_vtysh r "show bfd peer $ip json" | grep -Eq '"status": *"up"'
}

# routed_frr_stop NODE: TERM NODE's daemons (bgpd first) and wait.
routed_frr_stop() {
	local node=$1 pids=() p i
	read -r -a pids <<<"${ROUTED_FRR_PIDS[$node]:-}"
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		p=${pids[$i]}
		ns_stop_pid "$p"
		ns_forget_pid "$p"
	done
	ROUTED_FRR_PIDS[$node]=
}

# routed_frr_kill NODE: kill -9 NODE's daemons (a crash or a power loss).
routed_frr_kill() {
	local p
	for p in ${ROUTED_FRR_PIDS[$1]:-}; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
		ns_forget_pid "$p"
	done
	ROUTED_FRR_PIDS[$1]=
}

# routed_cluster_up: routed_net, n1 master and n2 replica (synced), FRR on
# the router and both data nodes (sessions and BFD up), three sentinels that
# know each other. Non-zero (with a diag) on the first failure. The test
# builds the same step by step with checks in between.
routed_cluster_up() {
	local n
	routed_net || { diag "routed: building the network failed"; return 1; }
	cluster_start_redis n1 || { diag "routed: redis on n1 did not start"; return 1; }
	cluster_start_redis n2 n1 || { diag "routed: redis on n2 did not start"; return 1; }
	for n in $ROUTED_FRR_NODES; do
		routed_start_frr "$n" || { diag "routed: FRR on $n did not start"; return 1; }
	done
	for n in $CLUSTER_SENTINEL_NODES; do
		cluster_start_sentinel "$n" || { diag "routed: sentinel on $n did not start"; return 1; }
	done
	cluster_sentinel_short_periods || { diag "routed: SENTINEL DEBUG failed"; return 1; }
	wait_for 15 cluster_replica_synced n2 || { diag "routed: n2 did not sync from n1"; return 1; }
	wait_for 30 cluster_sentinels_ready ||
		{ diag "routed: sentinels did not discover each other and the replica"; return 1; }
	for n in n1 n2; do
		wait_for 20 routed_session_up "$n" || { diag "routed: no BGP/BFD session with $n"; return 1; }
	done
}

# --- observers -------------------------------------------------------------------------

# routed_start_sampler [interval_ms]: the router's paths for the VIP, by data
# node (tests/net/sampler -r), into $CLUSTER_DIR/sampler.log: the same line
# format as cluster_start_sampler, so cluster_sampler_stats and
# cluster_sampler_timeline read it ("n1,n2": two paths).
routed_start_sampler() {
	nice -n -10 "$CLUSTER_SAMPLER" -r "$(ns_name r)" -i "${1:-20}" -l "$CLUSTER_DIR/sampler.log" \
		"$CLUSTER_VIP" "n1=${CLUSTER_IP[n1]}" "n2=${CLUSTER_IP[n2]}" \
		>"$CLUSTER_DIR/sampler.out" 2>&1 &
	ROUTED_SAMPLER_PID=$!
	CLUSTER_SAMPLER_PID=$ROUTED_SAMPLER_PID
	NS_PIDS+=("$ROUTED_SAMPLER_PID")
	wait_for 2 test -s "$CLUSTER_DIR/sampler.log"
}

# routed_paths: the router's paths for the VIP now, from the sampler's last
# line ("n1", "n1,n2", "-").
routed_paths() { awk '$1 != "end" { p = $2 } END { print p }' "$CLUSTER_DIR/sampler.log"; }
routed_paths_are() { [ "$(routed_paths)" = "$1" ]; }

# routed_first_sample_without FROM_MS LABEL: ms from FROM_MS to the first
# sample at or after it whose paths do not include LABEL; -1 if none.
routed_first_sample_without() {
	awk -v from="$1" -v l="$2" '$1 != "end" && $1 >= from {
		n = split($2, h, ","); has = 0
		for (i = 1; i <= n; i++) if (h[i] == l) has = 1
		if (!has) { print $1 - from; f = 1; exit } }
		END { if (!f) print -1 }' "$CLUSTER_DIR/sampler.log"
}

# routed_vipd_event_ms NODE TOKEN REAL0: ms from $EPOCHREALTIME REAL0 to the
# first line of NODE's vipd log with TOKEN stamped at or after it (vipd
# stamps its lines with the wall clock, ms); "-" if none.
routed_vipd_event_ms() {
	local when s line
	while IFS= read -r line; do
		when=${line:0:23}
		s=$(date -d "${when:0:19}" +%s 2>/dev/null) || continue
		s="$s.${when:20:3}"
		if awk -v a="$s" -v b="$3" 'BEGIN { exit !(a >= b - 0.0005) }'; then
			awk -v a="$3" -v b="$s" 'BEGIN { printf "%d\n", (b - a) * 1000 + 0.5 }'
			return
		fi
	done < <(grep -F -- "$2" "$CLUSTER_DIR/$1/vipd.log" 2>/dev/null)
	echo -
}

# routed_missing_on NODE IP FROM_MS TO_MS: how many writes acknowledged by
# the server at IP between FROM_MS and TO_MS (writer clock) have no key on
# NODE now. The writer may still be running: TO_MS taken before this call
# keeps writes acknowledged during the scan out of it.
routed_missing_on() {
	local node=$1 ip=$2 from=$3 to=$4 p=${CLUSTER_WRITER_PREFIX:-seq}
	cluster_redis_cli "$node" --scan --pattern "$p:*" >"$CLUSTER_DIR/keys.$node" || return 1
	cluster_writer_acks_by_node | awk -v ip="$ip" -v p="$p" -v from="$from" -v to="$to" '
		FNR == NR { have[$1] = 1; next }
		$3 == ip && $2 >= from && $2 < to && !((p ":" $1) in have) { miss++ }
		END { print miss + 0 }' "$CLUSTER_DIR/keys.$node" -
}

# --- power -------------------------------------------------------------------------------

# routed_power_off NODE: NODE's link disappears first (nothing it sends gets
# out any more: no BGP NOTIFICATION, no TCP FIN), then every process we
# started in it dies with SIGKILL, as in a power loss. The router's own
# interface stays up (the switch is still there).
routed_power_off() {
	local node=$1 pid
	ip -n "$(ns_name "$node")" link del eth0 || return 1
	for pid in "${CLUSTER_VIPD_PID[$node]:-}" "${CLUSTER_SENTINEL_PID[$node]:-}" \
		"${CLUSTER_REDIS_PID[$node]:-}"; do
		[ -n "$pid" ] || continue
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		ns_forget_pid "$pid"
	done
	CLUSTER_VIPD_PID[$node]='' CLUSTER_SENTINEL_PID[$node]='' CLUSTER_REDIS_PID[$node]=''
	routed_frr_kill "$node"
}

# --- clean-up ------------------------------------------------------------------------------

# FRR keeps a crash-log directory /var/tmp/frr/<daemon>.<pid> per process and
# removes it on a clean exit only; remove those of the daemons we started.
routed_cleanup() {
	local n d
	[ -n "$ROUTED_SAMPLER_PID" ] && ns_stop_pid "$ROUTED_SAMPLER_PID"
	ROUTED_SAMPLER_PID=
	for n in n1 n2 r; do routed_frr_stop "$n"; done
	for d in "${ROUTED_FRR_ALL[@]}"; do
		[[ $d =~ ^(zebra|bgpd|bfdd)\.[0-9]+$ ]] && rm -rf "/var/tmp/frr/$d"
	done
	ROUTED_FRR_ALL=()
}

# routed_down: stop everything and delete the namespaces, so that another
# routed_net can follow in the same run.
routed_down() {
	local n
	routed_cleanup
	cluster_cleanup
	for n in c n3 n2 n1 r sw; do ip netns del "$(ns_name "$n")" 2>/dev/null; done
	return 0
}
