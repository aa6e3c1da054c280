#!/bin/bash
# The chaos suite's scenarios 1-3 (crash of the master, the old master back
# as master, SENTINEL FAILOVER) on a TLS-only cluster
# (tests/lib/cluster_tls.sh): every server and Sentinel listens with TLS
# only and wants a client certificate, vipd and the client speak TLS, the
# client verifies the certificate against the VIP. CHAOS_SCENARIOS
# overrides the scenarios; everything else is chaos.sh's. Needs vipd and
# the writer built with hiredis_ssl: a visible SKIP otherwise.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
export CLUSTER_TLS=1
export CHAOS_SCENARIOS=${CHAOS_SCENARIOS:-1 2 3}
exec bash "$(dirname "$0")/chaos.sh" "$@"
