#!/bin/bash
# What refuse changes for a client that reconnects across a VIP move
# (root; not part of `make check`; ~30 s).
#
# Three nodes on one bridge in private namespaces: A holds 192.0.2.100, B
# takes it over BENCH_CLAIM_MS after A gave it up (vipd's measured early
# claim after a crash is ~1.35 s), client C talked to the VIP on A before,
# so its neighbour entry points at A. Each run: A removes the VIP (and, in
# the "reset", "refuse" and "forward" runs, starts `vipwire refuse`), C starts
# reconnecting 50 ms later like a client library: a blocking connect (10 s
# at most), and 100 ms of sleep after each refusal. Printed: from the
# release to C's connection accepted by B, and how many connects were
# refused on the way. Modes: "none"; "reset", refuse as
# `refuse-after-release = reset` runs it (each SYN reset at once);
# "refuse", refuse without leave to hand SYNs on (A keeps C's SYN and
# resets it at B's announcement); "forward", as vipd runs it when its
# Sentinels say the VIP moves (A hands the kept SYN on to B at B's
# announcement); "noentry", no refuse, and C's neighbour entry for the VIP
# deleted at the release: C's SYN then waits behind neighbour resolution.
#
#   top_builddir=BUILD top_srcdir=SRC tests/bench/refuse.sh
#   BENCH_RUNS (5), BENCH_CLAIM_MS (1350), BENCH_RETRY_MS (100),
#   BENCH_MODES ("none reset refuse forward noentry"),
#   BENCH_LINEAR (unset: the kernel's default; 0: C's SYN retransmissions
#   back off 1, 2, 4 s as on kernels before net.ipv4.tcp_syn_linear_timeouts)

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
# shellcheck source=../lib/netns.sh
. "$top_srcdir/tests/lib/netns.sh"
# shellcheck source=../lib/wire.sh
. "$top_srcdir/tests/lib/wire.sh"
# Only the statistics helpers (bench_median, ...) of the failover benchmark.
# shellcheck source=lib.sh
. "$top_srcdir/tests/bench/lib.sh"

VIPWIRE="$top_builddir/tests/net/vipwire"
[ -x "$VIPWIRE" ] || { echo "build tests/net/vipwire first (make check or make tests/net/vipwire)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }

RUNS=${BENCH_RUNS:-5}
MODES=${BENCH_MODES:-none reset refuse forward noentry}
NMODES=$(wc -w <<<"$MODES")
CLAIM_MS=${BENCH_CLAIM_MS:-1350}
RETRY_MS=${BENCH_RETRY_MS:-100}
V4=192.0.2.100
PORT=6379
TMP=$(mktemp -d "${TMPDIR:-/tmp}/refuse-bench.XXXXXX") || exit 1
rm_tmp() { rm -rf "$TMP"; }
NS_CLEANUP_HOOKS+=(rm_tmp)

now() { "$VIPWIRE" now; }

# reconnect: C connects until one is accepted; prints "MS_AFTER_T0 REFUSED".
reconnect() {
	local t0=$1 out n=0
	while :; do
		out=$(vw C connect $V4 $PORT 10000)
		case $out in
		connected*) break ;;
		refused*) n=$((n + 1)); sleep "$(awk -v m="$RETRY_MS" 'BEGIN { print m / 1000 }')" ;;
		*) echo "- -"; return 1 ;;
		esac
	done
	echo "$(($(now) - t0)) $n"
}

# one_run MODE: none | reset | refuse | forward | noentry. Prints "MS REFUSED".
one_run() {
	local mode=$1 t0 claim rpid=
	# The announcement moves an entry C already has; the connect makes one.
	vw A add eth0 $V4 && vw A announce eth0 $V4 1 0 || return 1
	vw C connect $V4 $PORT 1000 >/dev/null || return 1
	wait_for 2 neigh_is C $V4 "$MAC_A" || return 1
	vw A del eth0 $V4 || return 1
	t0=$(now)
	# A client without an entry for the VIP (a fresh host, an entry aged
	# out, or the router of a client in another subnet): its SYN waits
	# in the neighbour queue behind an ARP request nobody answers until
	# the new holder's gratuitous ARP resolves the entry.
	[ "$mode" = noentry ] && ip -n "$(ns_name C)" neigh del $V4 dev eth0
	if [ "$mode" != none ] && [ "$mode" != noentry ]; then
		local cmd=refuse
		[ "$mode" = reset ] && cmd=refuse-reset
		[ "$mode" = forward ] && cmd=refuse-forward
		ns_bg A "$TMP/refuse.log" "$VIPWIRE" "$cmd" eth0 $V4 30
		rpid=$NS_LAST_PID
		wait_for 2 grep -q ready "$TMP/refuse.log"
	fi
	ns_bg B "$TMP/claim.log" bash -c "sleep $(awk -v m="$CLAIM_MS" -v t="$(($(now) - t0))" \
		'BEGIN { print (m - t) / 1000 }'); '$VIPWIRE' add eth0 $V4 && '$VIPWIRE' announce eth0 $V4 1 0"
	claim=$NS_LAST_PID
	sleep 0.05
	reconnect "$t0"
	wait "$claim"; ns_forget_pid "$claim"
	[ -n "$rpid" ] && ns_stop_pid "$rpid" && ns_forget_pid "$rpid"
	vw B del eth0 $V4
}

ns_switch && ns_add A && ns_add B && ns_add C &&
	ns_plug A eth0 192.0.2.10/24 && ns_plug B eth0 192.0.2.11/24 &&
	ns_plug C eth0 192.0.2.13/24 || { echo "cannot build the namespaces" >&2; exit 1; }
MAC_A=$(mac_of A)
if [ -n "${BENCH_LINEAR:-}" ]; then
	ns_exec C sysctl -qw net.ipv4.tcp_syn_linear_timeouts="$BENCH_LINEAR" ||
		{ echo "this kernel has no net.ipv4.tcp_syn_linear_timeouts" >&2; exit 1; }
fi
for n in A B; do listen $n 0.0.0.0 $PORT; done
# listen() gives up after 50 s; more runs need a longer-lived listener.
[ "$RUNS" -le 5 ] || echo "# note: listeners stop after 50 s" >&2

echo "# client C: $(ns_exec C sysctl -n net.ipv4.tcp_syn_linear_timeouts 2>/dev/null || echo no) linear SYN timeouts (net.ipv4.tcp_syn_linear_timeouts), retry ${RETRY_MS} ms after a refusal; B claims ${CLAIM_MS} ms after the release"
declare -A ms refused
for i in $(seq "$RUNS"); do
	for mode in $MODES; do
		read -r t r <<<"$(one_run "$mode")"
		echo "run $i $mode: connected to B $t ms after the release, $r connects refused"
		ms[$mode]+=" $t"; refused[$mode]+=" $r"
	done
done
check_b() { grep -c "local $V4" "$TMP/listen-B-$PORT.log"; }
echo "# B accepted $(check_b) connections on the VIP (want $((NMODES * RUNS)))"
printf '%-8s %8s %8s %8s %10s\n' mode median min max refused
for mode in $MODES; do
	# shellcheck disable=SC2086  # word lists on purpose
	printf '%-8s %8s %8s %8s %10s\n' "$mode" "$(bench_median ${ms[$mode]})" \
		"$(bench_min ${ms[$mode]})" "$(bench_max ${ms[$mode]})" "$(bench_median ${refused[$mode]})"
done
