#!/bin/bash
# tests/net/scale.sh on a TLS-only cluster (tests/lib/cluster_tls.sh): the
# seed cluster, the seven background servers and the Sentinels listen with
# TLS only and want a client certificate, and vipd's 64 VIPs share their
# connections over TLS: still 2 into each Sentinel and one per local
# server, whatever the handshakes cost. Needs vipd built with hiredis_ssl:
# a visible SKIP otherwise. The matrix's Valkey leg runs it against
# valkey-server and valkey-sentinel 8.0.1 with hiredis 1.0.2.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
export CLUSTER_TLS=1
exec bash "$(dirname "$0")/scale.sh" "$@"
