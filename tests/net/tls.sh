#!/bin/bash
# vipd against a TLS-only cluster (tests/lib/cluster_tls.sh: every server
# and Sentinel listens with TLS only and wants a client certificate), what
# an operator sees when TLS is set up wrong, and a certificate renewal by
# reload. The failover figures over TLS are chaos-tls.sh's.
#
#   1 the servers refuse plain text (the harness is what it claims)
#   2 vipd with the wrong CA: never holds the VIP; `vipctl show` says why,
#     per peer (the CA file named)
#   3 vipd without TLS (tls = no) against TLS-only servers: never holds,
#     the peers shown unreachable
#   4 the right settings: the master's vipd claims, the replica's does not;
#     a TLS client that verifies the certificate against the VIP writes
#     through it
#   5 the CA file renewed (same CA, new contents) and `vipctl reload`:
#     "1 changed", the VIP never leaves the master (sampled every 10 ms),
#     the new connections are TLS again
#
# Needs vipd and the writer built with hiredis_ssl (hiredis >= 1.0) and a
# server with TLS (Debian's redis-server has it; the matrix runs this with
# Valkey too): a visible SKIP otherwise.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

tests=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib/netns.sh
. "$tests/lib/netns.sh"
export CLUSTER_TLS=1
# shellcheck source=tests/lib/cluster.sh
. "$tests/lib/cluster.sh"

[ "${VIPD_SKIP_NET:-0}" = 1 ] && tap_skip_all "VIPD_SKIP_NET=1"
ns_require_root
lacking=$(cluster_missing_tools)
[ -z "$lacking" ] || tap_skip_all "missing: $lacking"
{ [ -x "$CLUSTER_VIPD" ] && [ -x "$CLUSTER_VIPCTL" ]; } || tap_skip_all "vipd/vipctl not built"

show() { cluster_vipctl "$1" show 2>/dev/null; }
shows() { show "$1" | grep -qF -- "$2"; }
held_on() { cluster_holders_are "$1"; }
dump_field() { cluster_vipctl "$1" dump 2>/dev/null | awk -F'\t' -v f="$2" 'NR == 1 { print $f }'; }
start_vipd_with() { # NODE EXTRA-LINES: vipd whose TLS lines are replaced by EXTRA-LINES
	local node=$1 extra=$2
	cluster_vipd_conf "$node" | grep -v -e '^ *tls' >"$CLUSTER_DIR/$node/vipd.conf.in"
	# the vip section ends with its closing brace: EXTRA goes before it
	sed -e '$d' "$CLUSTER_DIR/$node/vipd.conf.in" >"$CLUSTER_DIR/$node/vipd.conf.custom"
	printf '%s\n}\n' "$extra" >>"$CLUSTER_DIR/$node/vipd.conf.custom"
	ns_bg "$node" "$CLUSTER_DIR/$node/vipd.log" "$CLUSTER_VIPD" -d -c "$CLUSTER_DIR/$node/vipd.conf.custom" || return 1
	CLUSTER_VIPD_PID[$node]=$NS_LAST_PID
	wait_for 5 test -S "$CLUSTER_DIR/$node/vipd.sock"
}

cluster_up || { not_ok "TLS-only cluster up"; tap_done; exit 1; }
ok "TLS-only cluster up: n1 master, n2 replica, three Sentinels"
T=$CLUSTER_TLS_DIR

# 1 -------------------------------------------------------------------------
check "1: the master does not answer plain text" \
	test -z "$(ns_exec c timeout 2 "$VIPD_REDIS_CLI" -h "${CLUSTER_IP[n1]}" -p "$CLUSTER_REDIS_PORT" PING 2>/dev/null)"
check "1: ... and answers TLS with the client certificate" test "$(cluster_redis_cli n1 PING)" = PONG

# 2 -------------------------------------------------------------------------
start_vipd_with n1 "tls = yes
tls-ca-cert-file = \"$T/other-ca.crt\"
tls-cert-file = \"$T/client.crt\"
tls-key-file = \"$T/client.key\"" || not_ok "2: vipd starts with the wrong CA"
wait_for 8 shows n1 "not signed by a CA in"
show n1 | sed 's/^/#   /'
check "2: wrong CA: the local node is unreachable, and show names the CA file" \
	eval 'show n1 | grep -A0 "local node" | grep -q "unreachable.*other-ca.crt"'
check "2: wrong CA: every Sentinel unreachable with the same reason" \
	test "$(show n1 | grep -c ':26379: unreachable (.*not signed by a CA in .*other-ca.crt')" = 3
sleep 2
check "2: wrong CA: the VIP is held nowhere" held_on -
cluster_stop_vipd n1

# 3 -------------------------------------------------------------------------
start_vipd_with n1 "tls = no" || not_ok "3: vipd starts without TLS"
sleep 4
show n1 | sed 's/^/#   /'
check "3: plain text against TLS-only servers: the local node unreachable" \
	test "$(dump_field n1 7)" = 0
check "3: ... no Sentinel reachable" test "$(dump_field n1 9)" = 0
check "3: ... the VIP is held nowhere" held_on -
cluster_stop_vipd n1

# 4 -------------------------------------------------------------------------
log_from=$(($(wc -l <"$CLUSTER_DIR/n1/vipd.log") + 1))
cluster_start_vipd n1 && cluster_start_vipd n2 || not_ok "4: vipd starts on n1 and n2 with TLS"
check "4: the right CA and client certificate: the VIP on n1, the master, only" wait_for 10 held_on n1
check "4: n1's vipd sees its node and all three Sentinels over TLS" \
	test "$(dump_field n1 7)/$(dump_field n1 9)" = 1/3
tail -n +"$log_from" "$CLUSTER_DIR/n1/vipd.log" >"$CLUSTER_DIR/n1/vipd.log.4"
check "4: every connection of n1's vipd is TLS" \
	test "$(grep -c ': connected$' "$CLUSTER_DIR/n1/vipd.log.4")" = 0 -a \
	"$(grep -c ': connected (TLS)$' "$CLUSTER_DIR/n1/vipd.log.4")" -ge 4
cluster_start_writer || not_ok "4: the TLS writer starts"
check "4: a TLS client that verifies the certificate as the VIP writes through it" \
	wait_for 5 eval '[ "$(cluster_writer_acks)" -gt 20 ] 2>/dev/null'

# 5 -------------------------------------------------------------------------
cluster_start_sampler 10
printf '\n' >>"$T/ca.crt"	# the same CA, new file contents
before=$(grep -c ': connected (TLS)$' "$CLUSTER_DIR/n1/vipd.log")
out=$(cluster_vipctl n1 reload 2>&1)
diag "5: vipctl reload: $out"
check "5: a renewed CA file is a changed VIP on reload" grep -q "1 changed" <<<"$out"
check "5: the new connections are TLS" \
	wait_for 5 eval '[ "$(grep -c ": connected (TLS)$" "$CLUSTER_DIR/n1/vipd.log")" -ge $((before + 4)) ]'
sleep 1
cluster_stop_sampler
cluster_stop_writer
gaps=$(awk '$1 != "end" && $2 != "n1" { n++ } END { print n + 0 }' "$CLUSTER_DIR/sampler.log")
check "5: the VIP never left n1 during the reload ($gaps samples without it)" test "$gaps" = 0
check "5: the writer kept writing" test "$(grep -c '^fail ' "$CLUSTER_DIR/c/writer.log")" = 0

cluster_down
tap_done
