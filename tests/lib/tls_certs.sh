#!/bin/bash
# Test certificates for the TLS tests, made fresh with the openssl command
# (Debian package openssl) in DIR:
#
#   tests/lib/tls_certs.sh DIR [SAN ...]
#
#   ca.crt ca.key                 the CA everything below is signed by
#   other-ca.crt other-ca.key     a CA that signed nothing here (a wrong CA)
#   server.crt server.key         the servers' certificate (Redis/Valkey and
#                                 Sentinel, which also present it as clients
#                                 to each other): subjectAltName = the SANs
#                                 given (default: IP:127.0.0.1, IP:::1,
#                                 DNS:localhost), e.g. IP:192.0.2.11
#   client.crt client.key         a client certificate (CN vipd-client)
#   expired.crt expired.key       like server.crt, but valid only in January
#                                 2020
#
# EC P-256 keys (quick to make), mode 600. Exit status non-zero with the
# openssl output on stderr if anything fails.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 DIR [SAN ...]" >&2; exit 1; }
dir=$1
shift
sans=("$@")
[ ${#sans[@]} -gt 0 ] || sans=(IP:127.0.0.1 IP:::1 DNS:localhost)
san=$(IFS=,; echo "${sans[*]}")

command -v openssl >/dev/null ||
	{ echo "$0: the openssl command is missing (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$dir"
cd "$dir"
umask 077
log=$(mktemp "$dir/.openssl.XXXXXX")
trap 'rm -f "$log"' EXIT

run() { "$@" >>"$log" 2>&1 || { cat "$log" >&2; echo "$0: failed: $*" >&2; exit 1; }; }

# A config of our own: the system's openssl.cnf adds extensions of its own,
# and OpenSSL 3 refuses an extension given twice.
cat >req.cnf <<-EOF
	[ req ]
	distinguished_name = dn
	prompt = no
	[ dn ]
	CN = unused
	[ ca_ext ]
	basicConstraints = critical, CA:TRUE
	keyUsage = critical, keyCertSign, cRLSign
	subjectKeyIdentifier = hash
	[ server_ext ]
	basicConstraints = CA:FALSE
	keyUsage = critical, digitalSignature
	extendedKeyUsage = serverAuth, clientAuth
	subjectAltName = $san
	[ client_ext ]
	basicConstraints = CA:FALSE
	keyUsage = critical, digitalSignature
	extendedKeyUsage = clientAuth
EOF

newkey() { run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"; }

ca() {
	newkey "$1"
	run openssl req -config req.cnf -new -x509 -key "$1.key" -subj "/CN=$2" \
		-days 30 -extensions ca_ext -out "$1.crt"
}

# sign NAME CN EXT [openssl ca date options]: a certificate from ca.crt.
# `openssl ca` because it takes any validity period (x509 -days cannot
# make an expired certificate).
sign() {
	local name=$1 cn=$2 ext=$3
	shift 3
	newkey "$name"
	run openssl req -config req.cnf -new -key "$name.key" -subj "/CN=$cn" -out "$name.csr"
	rm -rf ca.db
	mkdir ca.db
	: >ca.db/index.txt
	echo 01 >ca.db/serial
	cat >ca.db/ca.cnf <<-EOF
		[ ca ]
		default_ca = test_ca
		[ test_ca ]
		database = ca.db/index.txt
		new_certs_dir = ca.db
		serial = ca.db/serial
		default_md = sha256
		default_days = 30
		policy = any
		unique_subject = no
		[ any ]
		commonName = supplied
	EOF
	run openssl ca -batch -notext -config ca.db/ca.cnf -cert ca.crt -keyfile ca.key \
		-extfile req.cnf -extensions "$ext" -in "$name.csr" -out "$name.crt" "$@"
	rm -rf ca.db "$name.csr"
}

ca ca "vipd test CA"
ca other-ca "another test CA"
sign server vipd-test-server server_ext
sign client vipd-client client_ext
sign expired vipd-test-server server_ext -startdate 20200101000000Z -enddate 20200131000000Z
rm -f req.cnf
chmod 600 ./*.key
chmod 644 ./*.crt
