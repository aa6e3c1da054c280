#!/bin/bash
# Wire-layer integration test: addr, nlwatch and garp against the real kernel
# and real tools (ip, tcpdump), in private network namespaces.
#
# Topology: hosts A (192.0.2.10, 2001:db8::10), B (192.0.2.11, 2001:db8::11)
# and client C (192.0.2.13, 2001:db8::13), each with eth0 on one bridge.
# The VIP is 192.0.2.100 / 2001:db8::100. Needs root, tcpdump and iproute2;
# TCP clients are bash's /dev/tcp, TCP servers are `vipwire listen`.
# Emits TAP.

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
V4HEX=c0000264
V6HEX=20010db8000000000000000000000100
TMP=$(mktemp -d "${TMPDIR:-/tmp}/wire.XXXXXX") || exit 1
rm_tmp() { rm -rf "$TMP"; }
NS_CLEANUP_HOOKS+=(rm_tmp)

absent() { ! vw "$1" present eth0 "$2"; }
lists_vips() { local out; out=$(vw "$1" list-local) &&
	grep -qx "$V4" <<<"$out" && grep -qx "$V6" <<<"$out"; }
link_is() { vw "$1" link eth0 | grep -q " $2\$"; }
route_src() { ip -n "$(ns_name "$1")" "${@:4}" route get "$2" | grep -q "src $3 "; }
# One `ip -o addr` line for an address with exactly this prefix.
addr_line() { ip -n "$(ns_name "$1")" -d -o addr show dev eth0 | grep -F " $2 "; }
has_addr() { addr_line "$1" "$2" >/dev/null; }
lacks_addr() { ! has_addr "$1" "$2"; }

# ---------------------------------------------------------------------------
ns_switch || { echo "Bail out! cannot build the switch"; exit 1; }
ns_add A && ns_add B && ns_add C || { echo "Bail out! cannot add namespaces"; exit 1; }
ns_plug A eth0 192.0.2.10/24 2001:db8::10/64 &&
	ns_plug B eth0 192.0.2.11/24 2001:db8::11/64 &&
	ns_plug C eth0 192.0.2.13/24 2001:db8::13/64 ||
	{ echo "Bail out! cannot plug the hosts"; exit 1; }
MAC_A=$(mac_of A); MAC_B=$(mac_of B)
HEX_A=$(hex_of_mac "$MAC_A")
diag "A $MAC_A, B $MAC_B, VIP $V4 $V6"

# --- (a) the VIP as the kernel shows it ---------------------------------------
check "a: vipwire add $V4 on A" vw A add eth0 $V4
check "a: vipwire add $V6 on A" vw A add eth0 $V6
check "a: add is idempotent (second add of $V4 succeeds)" vw A add eth0 $V4
check "a: add is idempotent (second add of $V6 succeeds)" vw A add eth0 $V6
line4=$(addr_line A $V4/32); line6=$(addr_line A $V6/128)
diag "ip -d -o addr: $line4"
diag "ip -d -o addr: $line6"
check "a: IPv4 VIP is /32 with label eth0:vip" \
	grep -qE "inet $V4/32 .*eth0:vip" <<<"$line4"
# IPv4 keeps no preferred lifetime for a permanent address: the kernel
# reports "forever" and the deprecated flag is what preferred_lft 0 leaves.
check "a: IPv4 VIP is deprecated (preferred_lft 0) and valid_lft forever" \
	grep -qE "deprecated .*valid_lft forever" <<<"$line4"
check "a: IPv6 VIP is /128 with nodad" grep -qE "inet6 $V6/128 .*nodad" <<<"$line6"
check "a: IPv6 VIP valid_lft forever, preferred_lft 0sec" \
	grep -qE "valid_lft forever preferred_lft 0sec" <<<"$line6"
check "a: vipwire present $V4 (exact /32)" vw A present eth0 $V4
check "a: vipwire present $V4/24 says absent (prefix must match)" absent A $V4/24
check "a: vipwire list-local lists $V4 and $V6" lists_vips A

# --- (b) what C captures -------------------------------------------------------
PCAP=$TMP/garp.pcap
ns_bg C "$TMP/tcpdump.log" tcpdump -i eth0 -nn --immediate-mode -U -Z root -w "$PCAP" "arp or icmp6"
TCPDUMP_PID=$NS_LAST_PID
wait_for 5 log_has "$TMP/tcpdump.log" "listening on" || diag "tcpdump not ready"
check "b: vipwire announce $V4 on A (2 rounds)" vw A announce eth0 $V4 2 100
check "b: vipwire announce $V6 on A" vw A announce eth0 $V6 1 0
sleep 0.3
ns_stop_pid "$TCPDUMP_PID"
text=$(tcpdump -r "$PCAP" -nn -e -v "ether src $MAC_A" 2>/dev/null)
diag "captured in C:"; while read -r l; do diag "  $l"; done <<<"$text"

req=$(pcap_frames "$PCAP" "arp and ether src $MAC_A and arp[6:2] = 1")
rep=$(pcap_frames "$PCAP" "arp and ether src $MAC_A and arp[6:2] = 2")
check "b: 2 ARP requests captured" [ "$(grep -c . <<<"$req")" -eq 2 ]
check "b: 2 ARP replies captured" [ "$(grep -c . <<<"$rep")" -eq 2 ]
check "b: tcpdump decodes 'Request who-has $V4 tell $V4'" \
	grep -qF "Request who-has $V4 tell $V4" <<<"$text"
check "b: tcpdump decodes 'Reply $V4 is-at $MAC_A'" \
	grep -qF "Reply $V4 is-at $MAC_A" <<<"$text"
req=$(head -n1 <<<"$req"); rep=$(head -n1 <<<"$rep")
field "b: ARP request eth dst broadcast" "$req" 0 6 ffffffffffff
field "b: ARP request eth src = A" "$req" 6 6 "$HEX_A"
field "b: ARP request EtherType ARP" "$req" 12 2 0806
field "b: ARP request opcode 1" "$req" 20 2 0001
field "b: ARP request sender MAC = A" "$req" 22 6 "$HEX_A"
field "b: ARP request sender IP = VIP" "$req" 28 4 $V4HEX
field "b: ARP request target MAC zero" "$req" 32 6 000000000000
field "b: ARP request target IP = VIP" "$req" 38 4 $V4HEX
field "b: ARP reply eth dst broadcast" "$rep" 0 6 ffffffffffff
field "b: ARP reply opcode 2" "$rep" 20 2 0002
field "b: ARP reply sender MAC = A" "$rep" 22 6 "$HEX_A"
field "b: ARP reply sender IP = VIP" "$rep" 28 4 $V4HEX
field "b: ARP reply target MAC broadcast" "$rep" 32 6 ffffffffffff
field "b: ARP reply target IP = VIP" "$rep" 38 4 $V4HEX

na=$(pcap_frames "$PCAP" "icmp6 and ip6[40] = 136 and ether src $MAC_A" | head -n1)
check "b: tcpdump decodes the NA: target $V6, Flags [override], checksum ok" \
	grep -qE "hlim 255.*$V6 > ff02::1: \[icmp6 sum ok\] ICMP6, neighbor \
advertisement, length 32, tgt is $V6, Flags \[override\]$" <<<"$text"
field "b: NA eth dst 33:33:00:00:00:01" "$na" 0 6 333300000001
field "b: NA eth src = A" "$na" 6 6 "$HEX_A"
field "b: NA EtherType IPv6" "$na" 12 2 86dd
field "b: NA next header 58" "$na" 20 1 3a
field "b: NA hop limit 255" "$na" 21 1 ff
field "b: NA IPv6 src = VIP" "$na" 22 16 $V6HEX
field "b: NA IPv6 dst ff02::1" "$na" 38 16 ff020000000000000000000000000001
field "b: NA ICMPv6 type 136 code 0" "$na" 54 2 8800
field "b: NA flags: Override only (R=0 S=0 O=1)" "$na" 58 4 20000000
field "b: NA target = VIP" "$na" 62 16 $V6HEX
field "b: NA option 2 (target link-layer), length 1" "$na" 78 2 0201
field "b: NA option MAC = A" "$na" 80 6 "$HEX_A"

# --- (c) move the VIP from A to B -----------------------------------------------
for n in A B; do listen $n 0.0.0.0 7000; listen $n :: 7006; done
check "c: C connects to $V4 while A holds it" tcp C $V4 7000
check "c: C connects to [$V6] while A holds it" tcp C $V6 7006
check "c: A accepted C's IPv4 connection on the VIP" \
	wait_for 2 log_has "$TMP/listen-A-7000.log" "peer 192.0.2.13 local $V4"
check "c: C's neighbour entry for $V4 is A ($MAC_A)" neigh_is C $V4 "$MAC_A"
check "c: C's neighbour entry for $V6 is A" neigh_is C $V6 "$MAC_A"
check "c: vipwire del on A" vw_both A del
check "c: vipwire add on B" vw_both B add
check "c: vipwire announce on B (3 rounds, 100 ms apart)" vw_both B announce 3 100
check "c: C's neighbour entry for $V4 is now B ($MAC_B)" \
	wait_for 2 neigh_is C $V4 "$MAC_B"
check "c: C's neighbour entry for $V6 is now B" wait_for 2 neigh_is C $V6 "$MAC_B"
diag "C: $(ip -n "$(ns_name C)" neigh show dev eth0 | tr '\n' ';')"
check "c: C connects to $V4 after the move" tcp C $V4 7000
check "c: C connects to [$V6] after the move" tcp C $V6 7006
check "c: B accepted C's IPv4 connection on the VIP" \
	wait_for 2 log_has "$TMP/listen-B-7000.log" "peer 192.0.2.13 local $V4"
check "c: B accepted C's IPv6 connection on the VIP" \
	wait_for 2 log_has "$TMP/listen-B-7006.log" "peer 2001:db8::13 local $V6"
check "c: A saw exactly one connection (the one before the move)" \
	[ "$(grep -c accepted "$TMP/listen-A-7000.log")" -eq 1 ]

# --- (f) B's own connections leave from its own address ---------------------------
ip -n "$(ns_name B)" route add default via 192.0.2.1
ip -n "$(ns_name B)" -6 route add default via 2001:db8::1
check "f: B holds the VIP" vw B present eth0 $V4
check "f: B: ip route get 192.0.2.13 uses src 192.0.2.11" \
	route_src B 192.0.2.13 192.0.2.11
check "f: B: ip route get 198.51.100.7 (default route) uses src 192.0.2.11" \
	route_src B 198.51.100.7 192.0.2.11
check "f: B: ip -6 route get 2001:db8::13 uses src 2001:db8::11" \
	route_src B 2001:db8::13 2001:db8::11 -6
check "f: B: ip -6 route get 2001:db8:1::7 (default route) uses src 2001:db8::11" \
	route_src B 2001:db8:1::7 2001:db8::11 -6
listen C 0.0.0.0 7100; listen C :: 7106
check "f: B connects to C over IPv4" tcp B 192.0.2.13 7100
check "f: B connects to C over IPv6" tcp B 2001:db8::13 7106
check "f: C sees B's IPv4 connection from 192.0.2.11, not the VIP" \
	wait_for 2 log_has "$TMP/listen-C-7100.log" "peer 192.0.2.11 local"
check "f: C sees B's IPv6 connection from 2001:db8::11, not the VIP" \
	wait_for 2 log_has "$TMP/listen-C-7106.log" "peer 2001:db8::11 local"

# --- (e) deleting never takes the primary ------------------------------------------
check "e: A has primary 192.0.2.10/24" has_addr A 192.0.2.10/24
check "e: add VIP $V4/24 in the primary's subnet on A" vw A add eth0 $V4/24
check "e: del with the wrong prefix ($V4/32) succeeds (absent)" vw A del eth0 $V4/32
check "e: ... and deletes nothing: $V4/24 still there" has_addr A $V4/24
check "e: del 192.0.2.10/32 (primary, wrong prefix) succeeds (absent)" vw A del eth0 192.0.2.10/32
check "e: ... and the primary 192.0.2.10/24 is still there" has_addr A 192.0.2.10/24
check "e: del 2001:db8::10/128 (primary, wrong prefix) succeeds (absent)" vw A del eth0 2001:db8::10/128
check "e: ... and the primary 2001:db8::10/64 is still there" has_addr A 2001:db8::10/64
check "e: del $V4/24 succeeds" vw A del eth0 $V4/24
check "e: ... the VIP is gone" lacks_addr A $V4/24
check "e: ... the primary 192.0.2.10/24 is still there" has_addr A 192.0.2.10/24
check "e: add $V4/32 on A" vw A add eth0 $V4
check "e: del $V4/32 on A" vw A del eth0 $V4
check "e: ... the VIP is gone" lacks_addr A $V4/32
check "e: ... the primary 192.0.2.10/24 is still there" has_addr A 192.0.2.10/24
check "e: del of an absent VIP succeeds" vw A del eth0 $V4

# --- (d) nlwatch reports changes within 100 ms ----------------------------------------
WLOG=$TMP/watch.log
ns_bg B "$WLOG" "$VIPWIRE" watch eth0 $V4 30
check "d: vipwire watch is ready" wait_for 3 log_has "$WLOG" " ready eth0 "
ifindex=$(awk '/ ready /{ print $5; exit }' "$WLOG")
# latency WHAT PATTERN T0: the event line's stamp minus T0, < 100 ms.
latency() {
	local line t
	if ! wait_for 2 grep -qE "$2" "$WLOG"; then
		not_ok "d: $1 reported (no '$2' line)"; return
	fi
	line=$(grep -E "$2" "$WLOG" | head -n1); t=${line%% *}
	if [ $((t - $3)) -lt 100 ]; then
		ok "d: $1 reported in $((t - $3)) ms (< 100): $line"
	else
		not_ok "d: $1 reported in $((t - $3)) ms (>= 100): $line"
	fi
}
# `vipwire stamp` prints the monotonic time and execs the command.
t0=$(vw B stamp ip addr del $V4/32 dev eth0 | head -n1)
latency "ip addr del of the VIP" "^[0-9]+ addr-del $V4/32 ifindex $ifindex\$" "$t0"
t0=$(vw B stamp ip link set eth0 down | head -n1)
latency "link down" "^[0-9]+ link eth0 ifindex $ifindex down\$" "$t0"
check "d: vipwire link eth0 says down" link_is B down
ip -n "$(ns_name B)" link set eth0 up
check "d: link up reported" wait_for 3 grep -qE "^[0-9]+ link eth0 ifindex $ifindex up\$" "$WLOG"
check "d: vipwire link eth0 says up" link_is B up
check "d: vipwire add $V4 on B again" vw B add eth0 $V4
check "d: ... addr-new $V4/32 seen" \
	wait_for 2 grep -qE "^[0-9]+ addr-new $V4/32 ifindex $ifindex\$" "$WLOG"
diag "watch log:"; while read -r l; do diag "  $l"; done <"$WLOG"

# --- (g) lost notifications and interface removal ------------------------------------
# A veth pair inside D; the watcher stalls its loop for 3 s while 1200
# addresses are added, more notifications than its 256 KiB (512 KiB as the
# kernel counts) buffer holds, so the kernel reports ENOBUFS.
ns_add D
DNS=$(ns_name D)
ip -n "$DNS" link add dv0 type veth peer name dv1 &&
	ip -n "$DNS" link set dv1 up && ip -n "$DNS" link set dv0 up
GLOG=$TMP/watch-g.log
ns_bg D "$GLOG" "$VIPWIRE" watch dv0 2001:db8::2:0 20 3000
check "g: watcher stalls its loop" wait_for 3 log_has "$GLOG" " stalling"
for i in $(seq 1 1200); do
	printf 'addr add 2001:db8::1:%x/128 dev dv0 nodad\n' "$i"
done >"$TMP/batch"
ip -n "$DNS" -batch "$TMP/batch"
grep -q stall-end "$GLOG" && diag "flood outlasted the stall (slow machine?)"
check "g: nlwatch reports a resync after ENOBUFS" wait_for 5 grep -qE "^[0-9]+ resync$" "$GLOG"
ip -n "$DNS" addr add 2001:db8::2:0/128 dev dv0 nodad
check "g: events flow again after the resync" \
	wait_for 2 log_has "$GLOG" " addr-new 2001:db8::2:0/128 "
ip -n "$DNS" link del dv1
check "g: removing the interface is reported as link-del" \
	wait_for 2 grep -qE "^[0-9]+ link-del dv0 " "$GLOG"
diag "watch log (g): $(grep -v addr- "$GLOG" | tr '\n' ';')"

tap_done
