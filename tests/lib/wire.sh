# Helpers shared by the wire-layer integration tests (tests/net/wire.sh,
# tests/net/probe.sh). Source after tests/lib/netns.sh; the caller sets
# VIPWIRE (the vipwire binary) and TMP (a scratch directory it removes).
# Every node has one interface, eth0.

# vw NODE ARGS: vipwire in NODE; announce's progress line goes to a log.
vw() {
	local node=$1; shift
	if [ "$1" = announce ]; then
		ns_exec "$node" "$VIPWIRE" "$@" >>"$TMP/announce.log"
	else
		ns_exec "$node" "$VIPWIRE" "$@"
	fi
}
# vw_both NODE OP [ARGS]: vipwire OP for $V4 and then $V6 (the caller's VIPs).
vw_both() { vw "$1" "$2" eth0 "$V4" "${@:3}" && vw "$1" "$2" eth0 "$V6" "${@:3}"; }
mac_of() { ip -n "$(ns_name "$1")" -br link show eth0 | awk '{ print $3 }'; }
hex_of_mac() { echo "${1//:/}"; }
# tcp NODE HOST PORT: one TCP connection with bash's /dev/tcp, 3 s at most.
tcp() { ns_exec "$1" timeout 3 bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null; }
neigh_mac() { ip -n "$(ns_name "$1")" neigh show "$2" dev eth0 | awk '{ print $3 }'; }
neigh_is() { [ "$(neigh_mac "$1" "$2")" = "$3" ]; }
log_has() { grep -qF -- "$2" "$1"; }
# listen NODE ADDR PORT: a background `vipwire listen`, log in $TMP.
listen() {
	local log="$TMP/listen-$1-$3.log"
	ns_bg "$1" "$log" "$VIPWIRE" listen "$2" "$3" 50
	wait_for 3 log_has "$log" listening || diag "listener $1 $2:$3 not ready"
}

# capture NODE FILE FILTER: tcpdump on NODE's eth0 into FILE, in the
# background (NS_LAST_PID), once it is listening.
capture() {
	ns_bg "$1" "$2.log" tcpdump -i eth0 -nn --immediate-mode -U -Z root -w "$2" "$3"
	wait_for 5 log_has "$2.log" "listening on" || diag "tcpdump in $1 not ready"
}

# pcap_frames FILE FILTER: each matching frame as one line of hex bytes.
pcap_frames() {
	tcpdump -r "$1" -nn -xx "$2" 2>/dev/null | awk '
		/^[0-9]/ { if (h != "") print h; h = ""; next }
		/^[ \t]+0x/ { for (i = 2; i <= NF; i++) h = h $i }
		END { if (h != "") print h }'
}

# field WHAT HEX OFFSET LEN WANT: bytes [OFFSET, OFFSET+LEN) of a frame.
field() {
	local what=$1 hex=$2 off=$3 len=$4 want=$5 got
	got=${hex:$((off * 2)):$((len * 2))}
	if [ "$got" = "$want" ]; then
		ok "$what (bytes $off..$((off + len - 1)) = $want)"
	else
		not_ok "$what (bytes $off..$((off + len - 1)) = ${got:-none}, want $want)"
	fi
}
