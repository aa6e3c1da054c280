# Host names for the cluster (tests/lib/cluster.sh, CLUSTER_NAMES=1): every
# namespace gets its own /etc/hosts, which `ip netns exec` mounts over
# /etc/hosts for what it starts (the files under /etc/netns/<namespace>/),
# with n1.test, n2.test, n3.test and c.test, and a resolv.conf that asks
# nobody. glibc reads the file at every
# lookup, so rewriting it in place (same inode: the mount follows the inode,
# not the path) changes what a running process resolves: that is how a test
# takes a name away mid-run.
#
# Sourced by cluster.sh; uses netns.sh's ns_name and cleanup hooks.

CLUSTER_ETC_NETNS=/etc/netns
CLUSTER_ETC_NETNS_MADE=
CLUSTER_ETC_DIRS=()

# cluster_host NODE: how the cluster's servers know NODE.
cluster_host() {
	if [ "${CLUSTER_NAMES:-0}" = 1 ]; then echo "${CLUSTER_HOST[$1]}"; else echo "${CLUSTER_IP[$1]}"; fi
}

# cluster_vipd_host NODE: how vipd's configuration names NODE.
cluster_vipd_host() {
	if [ "${CLUSTER_VIPD_NAMES:-${CLUSTER_NAMES:-0}}" = 1 ]; then
		echo "${CLUSTER_HOST[$1]}"
	else
		echo "${CLUSTER_IP[$1]}"
	fi
}

# cluster_ip_of HOST: the address of a node given by name or address; other
# words unchanged.
cluster_ip_of() {
	local n
	for n in "${!CLUSTER_HOST[@]}"; do
		[ "$1" = "${CLUSTER_HOST[$n]}" ] && { echo "${CLUSTER_IP[$n]}"; return; }
	done
	echo "$1"
}

# cluster_names_hosts NODE [SKIP...]: write NODE's hosts file, in place,
# without the nodes listed in SKIP (their names then do not resolve there).
cluster_names_hosts() {
	local node=$1 n f
	shift
	f="$CLUSTER_ETC_NETNS/$(ns_name "$node")/hosts"
	{
		printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'
		for n in n1 n2 n3 c; do
			[[ " $* " == *" $n "* ]] && continue
			printf '%s\t%s\n' "${CLUSTER_IP[$n]}" "${CLUSTER_HOST[$n]}"
		done
	} >"$f"
}

# cluster_names_setup: the hosts files (called by cluster_net).
cluster_names_setup() {
	local n d
	[[ " ${NS_CLEANUP_HOOKS[*]} " == *" cluster_names_cleanup "* ]] ||
		NS_CLEANUP_HOOKS+=(cluster_names_cleanup)
	if [ ! -d "$CLUSTER_ETC_NETNS" ]; then
		mkdir "$CLUSTER_ETC_NETNS" || return 1
		CLUSTER_ETC_NETNS_MADE=1
	fi
	for n in n1 n2 n3 c; do
		d="$CLUSTER_ETC_NETNS/$(ns_name "$n")"
		mkdir "$d" || return 1
		CLUSTER_ETC_DIRS+=("$d")
		cluster_names_hosts "$n" || return 1
		# no name server but the loopback's (none listens there): a
		# name that is not in the hosts file fails at once, and no
		# query leaves the namespace (a test may point it elsewhere,
		# rewriting this file in place)
		printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$d/resolv.conf" || return 1
	done
}

# After the processes (cluster_cleanup runs first: it was hooked first).
cluster_names_cleanup() {
	local d
	for d in "${CLUSTER_ETC_DIRS[@]}"; do rm -rf "$d"; done
	CLUSTER_ETC_DIRS=()
	[ -n "$CLUSTER_ETC_NETNS_MADE" ] && rmdir "$CLUSTER_ETC_NETNS" 2>/dev/null
	CLUSTER_ETC_NETNS_MADE=
	return 0
}
