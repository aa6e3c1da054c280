#!/bin/bash
# The chaos suite's scenarios 1-3 (crash of the master, the old master back
# as master, SENTINEL FAILOVER) on a cluster whose nodes know each other by
# host name (tests/lib/cluster_names.sh): replicas announce n1.test and
# n2.test, the Sentinels run with resolve-hostnames and announce-hostnames,
# so every answer and event vipd reads names a host, not an address.
#
# CHAOS_NAMES_VIPD=names (default): vipd's configuration names the nodes
# too; =literals: IP literals in vipd's configuration while Sentinel speaks
# names. CHAOS_SCENARIOS overrides the scenarios; everything else is
# chaos.sh's.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
export CLUSTER_NAMES=1
case ${CHAOS_NAMES_VIPD:-names} in
names) export CLUSTER_VIPD_NAMES=1 ;;
literals) export CLUSTER_VIPD_NAMES=0 ;;
*) echo "CHAOS_NAMES_VIPD: names or literals, not '$CHAOS_NAMES_VIPD'" >&2; exit 99 ;;
esac
export CHAOS_SCENARIOS=${CHAOS_SCENARIOS:-1 2 3}
exec bash "$(dirname "$0")/chaos.sh" "$@"
