# shellcheck shell=bash disable=SC2034  # the arrays are used by cluster.sh
# TLS-only mode of the cluster harness (tests/lib/cluster.sh sources this
# file): with CLUSTER_TLS=1 no server and no Sentinel has a plain-text port.
#
#   * cluster_net makes the certificates with tests/lib/tls_certs.sh in
#     $CLUSTER_DIR/tls: one server certificate for every node, whose SAN
#     lists each node's address and the VIP (a client that reaches a node
#     through the VIP verifies it as the VIP), a client certificate, a CA;
#   * servers and Sentinels listen on their usual port with TLS only
#     (port 0, tls-port), reach each other over TLS (tls-replication yes)
#     and want client certificates (tls-auth-clients, default yes);
#   * the admin CLI, the writer and the monitors use TLS with the CA and
#     the client certificate; the writer and monitors also verify that the
#     certificate is for the address they connect to (the VIP, a node);
#   * vipd gets its TLS keys in its vip section (cluster_vip_tls_conf).
#
# Environment:
#   CLUSTER_TLS=1               turn it on
#   CLUSTER_TLS_AUTH_CLIENTS    the servers' tls-auth-clients (default yes)
#
# Needs the openssl command and a writer built with hiredis_ssl (hiredis >=
# 1.0): cluster_missing_tools says so. Valkey's Sentinel speaks TLS to the
# servers and to the other Sentinels only with tls-replication yes, and then
# announces its tls-port to them.

# The clients' TLS options, set by cluster_tls_setup (empty without TLS).
CLUSTER_CLI_TLS=()
CLUSTER_WRITER_TLS=()
CLUSTER_TLS_DIR=

# cluster_tls_missing: what TLS mode lacks here (empty = ok, or not asked).
cluster_tls_missing() {
	[ "${CLUSTER_TLS:-0}" = 1 ] || return 0
	command -v openssl >/dev/null || echo "openssl"
	"$CLUSTER_WRITER" -h 2>/dev/null | grep -q 'TLS available' ||
		echo "TLS in $CLUSTER_WRITER (configure against hiredis >= 1.0 with hiredis_ssl)"
}

# cluster_tls_setup: the certificates and the clients' options (called by
# cluster_net once $CLUSTER_DIR exists); nothing without CLUSTER_TLS=1.
cluster_tls_setup() {
	local n sans=()
	CLUSTER_CLI_TLS=() CLUSTER_WRITER_TLS=() CLUSTER_TLS_DIR=
	[ "${CLUSTER_TLS:-0}" = 1 ] || return 0
	CLUSTER_TLS_DIR=$CLUSTER_DIR/tls
	for n in n1 n2 n3; do sans+=("IP:${CLUSTER_IP[$n]}"); done
	bash "$top_srcdir/tests/lib/tls_certs.sh" "$CLUSTER_TLS_DIR" "${sans[@]}" "IP:$CLUSTER_VIP" || return 1
	CLUSTER_CLI_TLS=(--tls --cacert "$CLUSTER_TLS_DIR/ca.crt"
		--cert "$CLUSTER_TLS_DIR/client.crt" --key "$CLUSTER_TLS_DIR/client.key")
	# -V: the writer checks that the certificate is for the address it
	# connects to, the VIP (the monitors: each node's address)
	CLUSTER_WRITER_TLS=(-A "$CLUSTER_TLS_DIR/ca.crt" -V
		-E "$CLUSTER_TLS_DIR/client.crt" -K "$CLUSTER_TLS_DIR/client.key")
}

# cluster_listen_conf PORT: the configuration lines that make a server or a
# Sentinel listen on PORT: "port PORT", or TLS there and no plain-text port.
# The server certificate is also the one they present as clients (to a
# master, to the other Sentinels).
cluster_listen_conf() {
	if [ "${CLUSTER_TLS:-0}" != 1 ]; then
		echo "port $1"
		return
	fi
	cat <<-EOF
		port 0
		tls-port $1
		tls-replication yes
		tls-cert-file $CLUSTER_TLS_DIR/server.crt
		tls-key-file $CLUSTER_TLS_DIR/server.key
		tls-ca-cert-file $CLUSTER_TLS_DIR/ca.crt
		tls-auth-clients ${CLUSTER_TLS_AUTH_CLIENTS:-yes}
	EOF
}

# cluster_vip_tls_conf: vipd's TLS keys for a vip section (nothing without
# CLUSTER_TLS=1): the same CA and client certificate as every client here,
# for the data node and the Sentinels alike; the server certificate lists
# the addresses vipd connects to, so no tls-server-name is needed.
cluster_vip_tls_conf() {
	[ "${CLUSTER_TLS:-0}" = 1 ] || return 0
	cat <<-EOF
		    tls = yes
		    tls-ca-cert-file = "$CLUSTER_TLS_DIR/ca.crt"
		    tls-cert-file = "$CLUSTER_TLS_DIR/client.crt"
		    tls-key-file = "$CLUSTER_TLS_DIR/client.key"
	EOF
}
