#!/bin/bash
# Integration test of probe (does anyone still answer for the VIP?) and
# refuse (reset the SYNs that still reach a node that gave the VIP up),
# against the real kernel, in private network namespaces.
#
# Topology: hosts A (192.0.2.10, 2001:db8::10), B (192.0.2.11, 2001:db8::11)
# and client C (192.0.2.13, 2001:db8::13), each with eth0 on one bridge.
# The VIP is 192.0.2.100 / 2001:db8::100. Needs root, tcpdump and iproute2.
# `vipwire` drives the modules and is the TCP client and server. Emits TAP.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
# shellcheck source=../lib/netns.sh
. "$top_srcdir/tests/lib/netns.sh"
# shellcheck source=../lib/wire.sh
. "$top_srcdir/tests/lib/wire.sh"

VIPWIRE="$top_builddir/tests/net/vipwire"
[ -x "$VIPWIRE" ] || tap_skip_all "vipwire not built (make check builds it)"
ns_require_root
command -v tcpdump >/dev/null || tap_skip_all "tcpdump is not installed (apt-get install tcpdump)"

V4=192.0.2.100
V6=2001:db8::100
PORT=6379
TMP=$(mktemp -d "${TMPDIR:-/tmp}/probe.XXXXXX") || exit 1
rm_tmp() { rm -rf "$TMP"; }
NS_CLEANUP_HOOKS+=(rm_tmp)

# out_is WHAT OUTPUT PATTERN: ok if OUTPUT matches the extended regex.
out_is() {
	if grep -qE -- "$3" <<<"$2"; then ok "$1: $2"; else not_ok "$1: got '$2'"; fi
}
# no_neigh NODE ADDR: NODE has no neighbour entry for ADDR, in any state.
no_neigh() { [ -z "$(ip -n "$(ns_name "$1")" neigh show to "$2")" ]; }
# ms_of "... after N.NNN ms": N (whole milliseconds).
ms_of() { sed -nE 's/.* after ([0-9]+)(\.[0-9]+)? ms$/\1/p' <<<"$1"; }
# refuse_bg NODE SECONDS ADDR...: `vipwire ${REFUSE_CMD:-refuse}` in the
# background (REFUSE_PID, REFUSE_LOG), once it is ready.
refuse_bg() {
	local node=$1 secs=$2; shift 2
	REFUSE_LOG=$TMP/refuse-$node-$RANDOM.log
	ns_bg "$node" "$REFUSE_LOG" "$VIPWIRE" "${REFUSE_CMD:-refuse}" eth0 "$@" "$secs"
	REFUSE_PID=$NS_LAST_PID
	wait_for 3 grep -qE '^[0-9]+ ready$' "$REFUSE_LOG" || diag "refuse in $node not ready"
}
# refuse_end: stop `vipwire refuse` (SIGTERM: it prints its count and
# exits) and set SENT to refuse_count().
refuse_end() {
	ns_stop_pid "$REFUSE_PID"
	SENT=$(sed -nE 's/^[0-9]+ sent ([0-9]+)$/\1/p' "$REFUSE_LOG")
}
# connects NODE ADDR PORT: one connect that must succeed within 1 s.
connects() { vw "$1" connect "$2" "$3" 1000 >/dev/null; }

# ---------------------------------------------------------------------------
ns_switch || { echo "Bail out! cannot build the switch"; exit 1; }
ns_add A && ns_add B && ns_add C || { echo "Bail out! cannot add namespaces"; exit 1; }
ns_plug A eth0 192.0.2.10/24 2001:db8::10/64 &&
	ns_plug B eth0 192.0.2.11/24 2001:db8::11/64 &&
	ns_plug C eth0 192.0.2.13/24 2001:db8::13/64 ||
	{ echo "Bail out! cannot plug the hosts"; exit 1; }
MAC_A=$(mac_of A); MAC_B=$(mac_of B); MAC_C=$(mac_of C)
diag "A $MAC_A, B $MAC_B, C $MAC_C, VIP $V4 $V6"

# --- (p) probe ------------------------------------------------------------------
PCAP=$TMP/probe.pcap
capture C "$PCAP" "arp or icmp6"
CAP_PID=$NS_LAST_PID
check "p: A takes $V4 and $V6" vw_both A add
out=$(vw B probe eth0 $V4)
out_is "p: B's probe for $V4 is answered by A" "$out" "^answered $V4 $MAC_A after [0-9]+ ms$"
out=$(vw B probe eth0 $V6)
out_is "p: B's probe for $V6 is answered by A" "$out" "^answered $V6 $MAC_A after [0-9]+ ms$"
out=$(vw B probe eth0 192.0.2.123 $V6)
out_is "p: a probe for a free address and $V6 is answered for $V6" "$out" \
	"^answered $V6 $MAC_A after"
check "p: A gives $V4 and $V6 up" vw_both A del
out=$(vw B probe eth0 $V4 $V6)
out_is "p: B's probe for both is then free (3 rounds of 100 ms)" "$out" "^free after [0-9]+ ms$"
ms=$(ms_of "$out")
check "p: ... after at least 300 ms (it listened to the end)" [ "${ms:-0}" -ge 300 ]
sleep 0.2
ns_stop_pid "$CAP_PID"
for n in A B C; do
	check "p: $n has no neighbour entry for $V4" no_neigh $n $V4
	check "p: $n has no neighbour entry for $V6" no_neigh $n $V6
done
text=$(tcpdump -r "$PCAP" -nn -e -v 2>/dev/null)
diag "captured in C:"; while read -r l; do diag "  $l"; done <<<"$text"
# B's probes: V4 (answered in the first round), V6 (the same), 192.0.2.123
# with V6 (one round each), then both for 3 free rounds: 5 of each kind.
arp=$(pcap_frames "$PCAP" "arp and ether src $MAC_B")
ns=$(pcap_frames "$PCAP" "icmp6 and ether src $MAC_B and ip6[40] = 135 and ip6 dst ff02::1:ff00:100")
check "p: C saw 5 ARP probes from B" [ "$(grep -c . <<<"$arp")" -eq 5 ]
check "p: C saw 5 DAD probes from B" [ "$(grep -c . <<<"$ns")" -eq 5 ]
check "p: tcpdump decodes 'Request who-has $V4 tell 0.0.0.0'" \
	grep -qF "Request who-has $V4 tell 0.0.0.0" <<<"$text"
check "p: tcpdump decodes the DAD probe: :: > ff02::1:ff00:100, who has $V6, no option" \
	grep -qE ":: > ff02::1:ff00:100: \[icmp6 sum ok\] ICMP6, neighbor solicitation, length 24, who has $V6$" <<<"$text"
arp=$(head -n1 <<<"$arp"); ns=$(head -n1 <<<"$ns")
field "p: ARP probe sender IP 0.0.0.0" "$arp" 28 4 00000000
field "p: ARP probe target IP = VIP" "$arp" 38 4 c0000264
field "p: DAD probe IPv6 source ::" "$ns" 22 16 00000000000000000000000000000000
field "p: DAD probe hop limit 255" "$ns" 21 1 ff
check "p: no frame in C's capture carries B's addresses" \
	[ "$(grep -cE '192\.0\.2\.11[ ,:]|2001:db8::11[ ,>:]' <<<"$text")" -eq 0 ]
# A's answers, as C saw them (the NA goes to all nodes).
check "p: C saw A's NA for $V6 to ff02::1 (the answer)" \
	grep -qE "$V6 > ff02::1: \[icmp6 sum ok\] ICMP6, neighbor advertisement, length 32, tgt is $V6, Flags \[override\]" <<<"$text"
# A veth pair that stays down, in a namespace of its own.
ns_add D && ip -n "$(ns_name D)" link add eth0 type veth peer name eth1
out=$(vw D probe eth0 $V4 2>&1)
out_is "p: a probe on a down interface says it could not probe" "$out" "probe: Network is down"

# --- (r) refuse: what a client sees ----------------------------------------------
for n in A B; do listen $n 0.0.0.0 $PORT; listen $n :: $((PORT + 1)); done
check "r: A takes the VIP" vw_both A add
check "r: A announces it" vw_both A announce 1 0
check "r: C connects to $V4 on A" connects C $V4 $PORT
check "r: C connects to [$V6] on A" connects C $V6 $((PORT + 1))
check "r: A accepted C's IPv4 connection on the VIP" \
	wait_for 2 log_has "$TMP/listen-A-$PORT.log" "peer 192.0.2.13 local $V4"
check "r: A accepted C's IPv6 connection on the VIP" \
	wait_for 2 log_has "$TMP/listen-A-$((PORT + 1)).log" "peer 2001:db8::13 local $V6"
check "r: C's neighbour entry for $V4 is A" neigh_is C $V4 "$MAC_A"
check "r: C's neighbour entry for $V6 is A" neigh_is C $V6 "$MAC_A"
check "r: A gives the VIP up" vw_both A del
out=$(vw C connect $V4 $PORT 500)
out_is "r: without refuse, C's connect to $V4 gets no answer in 500 ms" "$out" "^timeout after"
out=$(vw C connect $V6 $((PORT + 1)) 500)
out_is "r: without refuse, C's connect to [$V6] gets no answer in 500 ms" "$out" "^timeout after"

# pending_connect NODE ADDR PORT NAME: a connect with 5 s to succeed, in
# the background; its result will be in $TMP/NAME.out.
pending_connect() {
	ns_bg "$1" "$TMP/$4.out" "$VIPWIRE" connect "$2" "$3" 5000
}
pending() { [ ! -s "$TMP/$1.out" ]; }
result() { cat "$TMP/$1.out"; }

TPCAP=$TMP/rst.pcap
capture C "$TPCAP" "tcp"
CAP_PID=$NS_LAST_PID
# Without leave to forward (vipd gives it only when its Sentinels say the
# VIP moves elsewhere), a kept SYN is reset when the announcement comes.
refuse_bg A 30 $V4 $V6
pending_connect C $V4 $PORT r4
pending_connect C $V6 $((PORT + 1)) r6
sleep 0.5
check "r: with refuse on A, C's connect to $V4 waits (kept, not answered)" pending r4
check "r: ... and its connect to [$V6]" pending r6
check "r: C's neighbour entries still point at A (refuse answers no ARP/ND)" \
	[ "$(neigh_mac C $V4) $(neigh_mac C $V6)" = "$MAC_A $MAC_A" ]
t0=$(now_ms)
check "r: B takes the VIP" vw_both B add
check "r: B announces it (garp_send)" vw_both B announce 1 0
check "r: C's connect to $V4 is refused at B's announcement" wait_for 2 grep -q '^refused after' "$TMP/r4.out"
check "r: ... and to [$V6]" wait_for 2 grep -q '^refused after' "$TMP/r6.out"
t1=$(now_ms)
diag "announced within $((t1 - t0)) ms; C's connects: $(result r4) / $(result r6)"
ms=$(ms_of "$(result r4)")
check "r: ... not before it ($ms ms after the connect, announced after 500)" [ "${ms:-0}" -ge 500 ]
check "r: C's neighbour entry for $V4 is now B" wait_for 2 neigh_is C $V4 "$MAC_B"
check "r: C's neighbour entry for $V6 is now B" wait_for 2 neigh_is C $V6 "$MAC_B"
check "r: C's next connect to $V4 reaches B" connects C $V4 $PORT
check "r: C's next connect to [$V6] reaches B" connects C $V6 $((PORT + 1))
check "r: B accepted C's IPv4 connection on the VIP" \
	wait_for 2 log_has "$TMP/listen-B-$PORT.log" "peer 192.0.2.13 local $V4"
check "r: B accepted C's IPv6 connection on the VIP" \
	wait_for 2 log_has "$TMP/listen-B-$((PORT + 1)).log" "peer 2001:db8::13 local $V6"
# After the announcement, a SYN that still reaches A is reset at once.
lat=()
for i in 1 2; do
	check "r: C sends A's MAC a SYN $i for $V4 after the announcement" \
		vw C tcp-send eth0 "$MAC_A" 192.0.2.13 $((31000 + i)) $V4 $PORT S
	check "r: ... and for [$V6]" \
		vw C tcp-send eth0 "$MAC_A" 2001:db8::13 $((31000 + i)) $V6 $((PORT + 1)) S
done
sleep 0.2
ns_stop_pid "$CAP_PID"
refuse_end
text=$(tcpdump -r "$TPCAP" -nn -e -S -v 2>/dev/null)
diag "captured in C:"; while read -r l; do diag "  $l"; done <<<"$text"
rst4=$(tcpdump -r "$TPCAP" -nn -e -S -v "ether src $MAC_A and tcp[13] = 0x14 and ip" 2>/dev/null | tr '\n' ' ')
rst6=$(tcpdump -r "$TPCAP" -nn -e -S -v "ether src $MAC_A and ip6 and ip6[53] = 0x14" 2>/dev/null | tr '\n' ' ')
check "r: C captured 3 RSTs from A's MAC for $V4" [ "$(grep -o "Flags \[R\.\]" <<<"$rst4" | grep -c .)" -eq 3 ]
check "r: C captured 3 RSTs from A's MAC for [$V6]" [ "$(grep -o "Flags \[R\.\]" <<<"$rst6" | grep -c .)" -eq 3 ]
check "r: the IPv4 RSTs come from $V4.$PORT, TTL 64, DF, checksums correct" \
	grep -qE "ttl 64, id 0, offset 0, flags \[DF\], proto TCP \(6\), length 40\).* $V4\.$PORT > 192\.0\.2\.13\.[0-9]+: Flags \[R\.\], cksum 0x[0-9a-f]+ \(correct\), seq 0, ack [0-9]+, win 0, length 0" <<<"$rst4"
check "r: the IPv6 RSTs come from $V6.$((PORT + 1)), checksum correct" \
	grep -qE "$V6\.$((PORT + 1)) > 2001:db8::13\.[0-9]+: Flags \[R\.\], cksum 0x[0-9a-f]+ \(correct\), seq 0, ack [0-9]+, win 0, length 0" <<<"$rst6"
# (C's own segments show "incorrect": the capture sees them before the
# checksum is filled in, on a veth.)
from_a=$(tcpdump -r "$TPCAP" -nn -v "ether src $MAC_A" 2>/dev/null)
check "r: no bad checksum in anything from A" [ "$(grep -ciE "bad|incorrect" <<<"$from_a")" -eq 0 ]
check "r: nothing but those RSTs came from A (no SYN handed on without leave)" \
	[ "$(pcap_frames "$TPCAP" "ether src $MAC_A" | grep -c .)" -eq 6 ]
# Every RST acknowledges its SYN: ack = the SYN's seq + 1, ports swapped.
pairs=$(awk '
	/Flags \[S\]/ { match($0, /\.[0-9]+ > /); sp = substr($0, RSTART + 1, RLENGTH - 4)
		match($0, /seq [0-9]+/); syn[sp] = substr($0, RSTART + 4, RLENGTH - 4) }
	/Flags \[R\.\]/ { match($0, /\.[0-9]+: Flags/); dp = substr($0, RSTART + 1, RLENGTH - 8)
		match($0, /ack [0-9]+/); a = substr($0, RSTART + 4, RLENGTH - 4)
		n++; if ((dp in syn) && a + 0 == syn[dp] + 1) good++ }
	END { printf "%d %d\n", n, good }' <<<"$(tcpdump -r "$TPCAP" -nn -S 2>/dev/null)")
check "r: each of the 6 RSTs acks its SYN's seq + 1 (RSTs, matching: $pairs)" [ "$pairs" = "6 6" ]
check "r: refuse_count() says 6 ($SENT)" [ "${SENT:-x}" = 6 ]

# --- (f) refuse hands kept SYNs on to the new holder --------------------------------
# A holds the VIP again, C talks to it, A lets go and refuses with leave to
# forward; C's connects wait until B claims, and then complete on B with
# the one SYN C sent.
check "f: B gives the VIP up" vw_both B del
check "f: A takes it back and announces it" vw_both A add
vw_both A announce 1 0
check "f: C's neighbour entries point at A again" \
	wait_for 2 neigh_is C $V4 "$MAC_A"
check "f: C connects to $V4 on A" connects C $V4 $PORT
check "f: C connects to [$V6] on A" connects C $V6 $((PORT + 1))
check "f: A gives the VIP up" vw_both A del
FPCAP=$TMP/forward.pcap BPCAP=$TMP/forward-b.pcap
capture C "$FPCAP" "tcp or arp or icmp6"
CAP_PID=$NS_LAST_PID
capture B "$BPCAP" "tcp"
BCAP_PID=$NS_LAST_PID
REFUSE_CMD=refuse-forward refuse_bg A 30 $V4 $V6
pending_connect C $V4 $PORT f4
pending_connect C $V6 $((PORT + 1)) f6
sleep 0.5
check "f: C's connect to $V4 waits (kept on A)" pending f4
check "f: ... and its connect to [$V6]" pending f6
check "f: B takes the VIP" vw_both B add
check "f: B announces it" vw_both B announce 1 0
check "f: C's connect to $V4 completes at B's announcement" wait_for 2 grep -q '^connected after' "$TMP/f4.out"
check "f: ... and to [$V6]" wait_for 2 grep -q '^connected after' "$TMP/f6.out"
diag "C's connects: $(result f4) / $(result f6)"
ms=$(ms_of "$(result f4)")
check "f: ... not before it ($ms ms after the connect, announced after 500)" [ "${ms:-0}" -ge 500 ]
check "f: B accepted C's IPv4 connection on the VIP" \
	wait_for 2 log_has "$TMP/listen-B-$PORT.log" "peer 192.0.2.13 local $V4"
check "f: B accepted C's IPv6 connection on the VIP" \
	wait_for 2 log_has "$TMP/listen-B-$((PORT + 1)).log" "peer 2001:db8::13 local $V6"
sleep 0.2
ns_stop_pid "$CAP_PID"; ns_stop_pid "$BCAP_PID"
refuse_end
FWD=$(sed -nE 's/^[0-9]+ forwarded ([0-9]+)$/\1/p' "$REFUSE_LOG")
text=$(tcpdump -r "$BPCAP" -nn -e -S -v 2>/dev/null)
diag "captured in B:"; while read -r l; do diag "  $l"; done <<<"$text"
syn4=$(pcap_frames "$FPCAP" "ether src $MAC_C and ip and tcp[13] = 2" | grep -c .)
syn6=$(pcap_frames "$FPCAP" "ether src $MAC_C and ip6 and ip6[53] = 2" | grep -c .)
ms6=$(ms_of "$(result f6)")
# Its kernel would send a SYN again 1 s after the first: only a connect
# that completed before that proves the first SYN did it.
if [ "${ms:-9999}" -lt 1000 ] && [ "${ms6:-9999}" -lt 1000 ]; then
	check "f: C sent one SYN per connect, none again (IPv4 $syn4, IPv6 $syn6)" [ "$syn4/$syn6" = 1/1 ]
else
	skip "f: C's connects took $ms / $ms6 ms (a busy machine): its kernel may have sent a SYN again"
fi
handed4=$(pcap_frames "$BPCAP" "ether src $MAC_A and ether dst $MAC_B and src host 192.0.2.13 and dst host $V4 and tcp[13] = 2" | grep -c .)
handed6=$(pcap_frames "$BPCAP" "ether src $MAC_A and ether dst $MAC_B and src host 2001:db8::13 and dst host $V6 and ip6[53] = 2" | grep -c .)
check "f: B received C's SYNs from A's MAC, one per family ($handed4/$handed6)" [ "$handed4/$handed6" = 1/1 ]
fwd4=$(tcpdump -r "$BPCAP" -nn -S -v "ether src $MAC_A and ip" 2>/dev/null | tr '\n' ' ')
check "f: ... with C's own addresses and ports, unchanged (TTL 64 as C sent it)" \
	grep -qE "ttl 64, .*\) +192\.0\.2\.13\.[0-9]+ > $V4\.$PORT: Flags \[S\]" <<<"$fwd4"
check "f: B answered them itself (SYN-ACKs from B's MAC)" \
	[ "$(pcap_frames "$BPCAP" "ether src $MAC_B and (tcp[13] = 0x12 or ip6[53] = 0x12)" | grep -c .)" -ge 2 ]
check "f: A reset nothing ($SENT) and handed on 2 ($FWD)" [ "${SENT:-x}/${FWD:-x}" = 0/2 ]
vipf="host $V4 or host $V6 or ip6 dst ff02::1:ff00:100 or (icmp6 and ip6[48:4] = 0x20010db8 and ip6[52:4] = 0 and ip6[56:4] = 0 and ip6[60:4] = 0x100)"
check "f: no ARP or ND from A about the VIP" \
	[ "$(pcap_frames "$FPCAP" "ether src $MAC_A and (arp or icmp6) and ($vipf)" | grep -c .)" -eq 0 ]

# --- (n) refuse sends nothing else ------------------------------------------------
# B holds the VIP. A refuses again; C sends A's MAC everything that is not a
# SYN for the VIP, then one SYN for each family as a control: reset when
# refuse ends (the IPv4 one), or at once (IPv6: B's answer to C's DAD probe
# went to all nodes, which tells A where the VIP is).
NPCAP=$TMP/nothing.pcap
capture C "$NPCAP" "ether src $MAC_A"
CAP_PID=$NS_LAST_PID
refuse_bg A 30 $V4 $V6
seg() { vw C tcp-send eth0 "$@" >/dev/null; }
for f in A PA SA R RA F FA; do
	check "n: C sends A a '$f' segment for $V4" seg "$MAC_A" 192.0.2.13 30001 $V4 $PORT $f
	check "n: C sends A a '$f' segment for [$V6]" seg "$MAC_A" 2001:db8::13 30001 $V6 $PORT $f
done
check "n: C sends A a SYN for another address (192.0.2.201)" seg "$MAC_A" 192.0.2.13 30002 192.0.2.201 $PORT S
check "n: C sends A a SYN for another address (2001:db8::201)" seg "$MAC_A" 2001:db8::13 30002 2001:db8::201 $PORT S
check "n: C sends a SYN for $V4 to another MAC (flooded to A)" seg 02:00:00:00:99:99 192.0.2.13 30003 $V4 $PORT S
check "n: C sends a SYN for $V4 to broadcast" seg ff:ff:ff:ff:ff:ff 192.0.2.13 30004 $V4 $PORT S
out=$(vw C probe eth0 $V4)
out_is "n: C's ARP probe for $V4 is answered by B, the holder, not A" "$out" "^answered $V4 $MAC_B "
out=$(vw C probe eth0 $V6)
out_is "n: C's DAD probe for $V6 is answered by B, not A" "$out" "^answered $V6 $MAC_B "
sleep 0.2
ctl_from=$(pcap_frames "$NPCAP" "tcp" | grep -c .)
check "n: nothing TCP came from A so far ($ctl_from frames)" [ "$ctl_from" -eq 0 ]
check "n: control: C sends A a SYN for $V4" seg "$MAC_A" 192.0.2.13 30005 $V4 $PORT S
check "n: control: C sends A a SYN for [$V6]" seg "$MAC_A" 2001:db8::13 30005 $V6 $PORT S
# A control nobody announced a new place for is kept until refuse ends,
# and reset then.
sleep 0.2
refuse_end
sleep 0.2
ns_stop_pid "$CAP_PID"
text=$(tcpdump -r "$NPCAP" -nn -e -v 2>/dev/null)
diag "from A, captured in C:"; while read -r l; do diag "  $l"; done <<<"$text"
ctl=$(pcap_frames "$NPCAP" "tcp and dst port 30005 and (tcp[13] = 0x14 or ip6[53] = 0x14)" | grep -c .)
all=$(pcap_frames "$NPCAP" "tcp" | grep -c .)
check "n: the controls were answered: $ctl RSTs to port 30005, of $all TCP frames from A (want 2 and 2)" \
	[ "$ctl/$all" = 2/2 ]
# A's kernel may ARP for C, or solicit it, on its own account (it talked
# to C before); what must not come from A is anything about the VIP.
vipf="host $V4 or host $V6 or ip6 dst ff02::1:ff00:100 or (icmp6 and ip6[48:4] = 0x20010db8 and ip6[52:4] = 0 and ip6[56:4] = 0 and ip6[60:4] = 0x100)"
check "n: no ARP from A about $V4" [ "$(pcap_frames "$NPCAP" "arp and ($vipf)" | grep -c .)" -eq 0 ]
check "n: no neighbour solicitation or advertisement from A about $V6" \
	[ "$(pcap_frames "$NPCAP" "icmp6 and ($vipf)" | grep -c .)" -eq 0 ]
check "n: nothing from A names the VIP but the 2 RSTs" [ "$(pcap_frames "$NPCAP" "$vipf" | grep -c .)" -eq 2 ]
check "n: refuse_count() says 2 ($SENT)" [ "${SENT:-x}" = 2 ]

# --- (l) the rate limit -----------------------------------------------------------
# 2500 SYNs as fast as C can send them: A answers at most 1000 in a second
# (refuse-after-release = reset: every SYN answered at once).
LPCAP=$TMP/flood.pcap
capture C "$LPCAP" "tcp and ether src $MAC_A"
CAP_PID=$NS_LAST_PID
REFUSE_CMD=refuse-reset refuse_bg A 4 $V4
flood() { vw C syn-flood eth0 "$MAC_A" 192.0.2.13 $V4 $PORT 2500 100 >/dev/null; }
check "l: C sends 2500 SYNs for $V4 to A, 100 µs apart" flood
# A second after the first RST the limit lets the queued SYNs by.
sleep 1.3
refuse_end
sleep 0.2
ns_stop_pid "$CAP_PID"
# RSTs in each 100 ms after the first, and in the first 900 ms.
stats=$(tcpdump -r "$LPCAP" -nn -tt 2>/dev/null | awk '
	{ t = $1 + 0; if (n == 0) t0 = t; n++; d = t - t0
	  if (d < 0.9) w++; b[int(d * 10)]++ }
	END { s = ""; for (i = 0; i < 40; i++) s = s " " (b[i] + 0)
	      printf "%d %d%s\n", n, w, s }')
read -r total first rest <<<"$stats"
diag "RSTs captured: $total; in the first 900 ms: $first; per 100 ms: $rest"
# refuse_count() counts what A's packet socket accepted; on a busy machine a
# flood loses frames on the way (the veth backlog, tcpdump's ring, which
# says so at exit). So: never fewer than captured, and missing at most what
# tcpdump reports lost or 5 % of the capture, whichever is more.
dropped=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel$/\1/p' "$LPCAP.log" | tail -n 1)
dropped=${dropped:-0}
slack=$(( dropped > ${total:-0} / 20 ? dropped : ${total:-0} / 20 ))
[ "${SENT:-0}" = "${total:-x}" ] || diag "refuse_count() $SENT, captured $total, tcpdump lost $dropped"
check "l: refuse_count() ($SENT) = RSTs captured ($total), give or take frames lost on a busy machine" \
	[ "${SENT:-0}" -ge "${total:-x}" -a "${SENT:-0}" -le $((total + slack)) ]
check "l: at most 1000 RSTs in the first 900 ms ($first)" [ "${first:-9999}" -le 1000 ]
check "l: ... and more than 500: the limit, not loss, is what stopped it ($first)" [ "${first:-0}" -gt 500 ]

tap_done
