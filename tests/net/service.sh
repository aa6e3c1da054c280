#!/bin/bash
# vipd as an operator runs it: started exactly as systemd/vipd.service.in
# would start it (an unprivileged user, only the capabilities the unit
# grants, no new privileges), a failover under those privileges, a clear
# refusal without them, configuration reload (unchanged VIPs untouched, a
# broken file changes nothing), and AUTH against a data node and Sentinels
# that require passwords / ACL users.
#
# The user is a numeric uid with no passwd entry (the test does not add
# users to the host); everything else comes from the unit file itself.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

tests=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib/netns.sh
. "$tests/lib/netns.sh"
# shellcheck source=tests/lib/cluster.sh
. "$tests/lib/cluster.sh"

cluster_tap_require
command -v setpriv >/dev/null || tap_skip_all "setpriv (util-linux) is not installed"
unit="$top_srcdir/systemd/vipd.service.in"

# --- the unit's privileges as setpriv arguments -----------------------------
unit_value() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
caps_list() { local c out=""; for c in $1; do c=${c#CAP_}; out+="${out:+,}+${c,,}"; done; echo "$out"; }
ambient=$(caps_list "$(unit_value AmbientCapabilities)")
bounding=$(caps_list "$(unit_value CapabilityBoundingSet)")
uid=64000
while getent passwd "$uid" >/dev/null || getent group "$uid" >/dev/null; do uid=$((uid + 1)); done
SETPRIV=(setpriv --reuid="$uid" --regid="$uid" --clear-groups
	--inh-caps="$ambient" --ambient-caps="$ambient" --bounding-set="-all,$bounding")
[ "$(unit_value NoNewPrivileges)" = yes ] && SETPRIV+=(--no-new-privs)
diag "unit: User=$(unit_value User) Ambient=$ambient Bounding=$bounding -> setpriv uid $uid"

# Start vipd on NODE as the unit would; the node directory belongs to $uid.
start_unit_vipd() {
	local node=$1
	cluster_vipd_conf "$node" >"$CLUSTER_DIR/$node/vipd.conf"
	chown "$uid:$uid" "$CLUSTER_DIR/$node"
	chmod 0644 "$CLUSTER_DIR/$node/vipd.conf"
	ns_bg "$node" "$CLUSTER_DIR/$node/vipd.log" "${SETPRIV[@]}" \
		"$CLUSTER_VIPD" -d -c "$CLUSTER_DIR/$node/vipd.conf" || return 1
	CLUSTER_VIPD_PID[$node]=$NS_LAST_PID
	wait_for 5 test -S "$CLUSTER_DIR/$node/vipd.sock"
}

count() { grep -c -- "$1" "$2" 2>/dev/null; }

# --- 1. privileges ------------------------------------------------------------
if ! cluster_up; then
	not_ok "the seed cluster starts"
	tap_done
	exit 1
fi
chmod 0711 "$CLUSTER_DIR"

# Without the capabilities: a clear message, exit 1, no VIP.
cluster_vipd_conf n1 >"$CLUSTER_DIR/n1/vipd.conf"
chown "$uid:$uid" "$CLUSTER_DIR/n1"
chmod 0644 "$CLUSTER_DIR/n1/vipd.conf"
out=$(ns_exec n1 setpriv --reuid="$uid" --regid="$uid" --clear-groups --inh-caps=-all \
	--bounding-set=-all --no-new-privs "$CLUSTER_VIPD" -c "$CLUSTER_DIR/n1/vipd.conf" 2>&1)
rc=$?
check "without capabilities vipd exits 1 (got $rc)" [ "$rc" -eq 1 ]
check "without capabilities it says which ones it needs" \
	grep -q "vipd needs CAP_NET_ADMIN and CAP_NET_RAW (missing: CAP_NET_ADMIN CAP_NET_RAW)" <<<"$out"
diag "$out"

for n in n1 n2; do
	start_unit_vipd "$n" || not_ok "vipd starts on $n as the unit would"
done
check "vipd on n1 runs as uid $uid" \
	grep -q "^Uid:[[:space:]]*$uid" "/proc/${CLUSTER_VIPD_PID[n1]}/status"
capeff=$(sed -n 's/^CapEff:[[:space:]]*//p' "/proc/${CLUSTER_VIPD_PID[n1]}/status")
check "its effective capabilities are exactly NET_ADMIN and NET_RAW (CapEff $capeff)" \
	[ "$((16#$capeff))" -eq $(( (1 << 12) | (1 << 13) )) ]
check "with only those capabilities the VIP is on n1 and only n1" \
	wait_for 10 cluster_holders_are n1
cluster_kill_redis n1
check "after kill -9 of n1's redis-server the VIP ends on n2 and only n2" \
	wait_for 15 cluster_holders_are n2
check "n2 announced it (gratuitous ARP sent without root)" \
	wait_for 3 grep -q "garp frames sent: [1-9]" <(cluster_vipctl n2 show)

# --- 2. reload -------------------------------------------------------------------
log2="$CLUSTER_DIR/n2/vipd.log"
before=$(count '+vip-\|-vip-' "$log2")
kill -HUP "${CLUSTER_VIPD_PID[n2]}"
check "SIGHUP with an unchanged file: reloaded, the VIP untouched" \
	wait_for 3 grep -q "reloaded .*: 0 added, 0 removed, 0 changed, 1 unchanged" "$log2"
sleep 0.3
check "no transition logged by the reload ($before before, $(count '+vip-\|-vip-' "$log2") after)" \
	[ "$(count '+vip-\|-vip-' "$log2")" -eq "$before" ]
check "n2 still holds the VIP" cluster_holders_are n2
echo 'vip "broken" { address = "192.0.2.200" ' >>"$CLUSTER_DIR/n2/vipd.conf"
kill -HUP "${CLUSTER_VIPD_PID[n2]}"
check "a broken file is reported with file:line and changes nothing" \
	wait_for 3 grep -q "error: .*vipd.conf not reloaded, nothing changed: .*vipd.conf:[0-9]*:" "$log2"
check "n2 still holds the VIP after the failed reload" cluster_holders_are n2
check "vipctl still answers after the failed reload" cluster_vipctl n2 show mymaster

# The same through `vipctl reload` (the file is still broken).
out=$(cluster_vipctl n2 reload 2>&1)
rc=$?
check "vipctl reload of the broken file exits 1 (got $rc)" [ "$rc" -eq 1 ]
check "... and names file:line on stderr ($out)" grep -q "not reloaded, nothing changed: .*vipd.conf:[0-9]*:" <<<"$out"
# A valid file with one more VIP (a master name no Sentinel monitors).
{ cluster_vipd_conf n2; cluster_vip_conf extra 192.0.2.101 n2; } >"$CLUSTER_DIR/n2/vipd.conf"
vips_listed() { [ "$(cluster_vipctl n2 dump | cut -f1 | sort | tr '\n' ' ')" = "$1" ]; }
extra_released() { [ "$(cluster_vipctl n2 dump extra | cut -f4)" = released ]; }
held_metrics() {
	cluster_vipctl n2 metrics >"$CLUSTER_DIR/metrics" &&
		grep -qx 'vipd_vip_held{vip="mymaster",address="192.0.2.100/32",interface="eth0"} 1' "$CLUSTER_DIR/metrics" &&
		grep -qx 'vipd_vip_held{vip="extra",address="192.0.2.101/32",interface="eth0"} 0' "$CLUSTER_DIR/metrics"
}
before=$(count '+vip-\|-vip-' "$log2")
out=$(cluster_vipctl n2 reload 2>&1)
check "vipctl reload with a VIP added: 1 added, the other unchanged ($out)" \
	grep -q "reloaded .*: 1 added, 0 removed, 0 changed, 1 unchanged" <<<"$out"
check "vipctl dump lists both VIPs" wait_for 3 vips_listed "extra mymaster "
check "the added VIP is released: no Sentinel names a master 'extra'" wait_for 5 extra_released
check "the unchanged VIP logged no transition and is still held" \
	[ "$(grep -v 'vip extra:' "$log2" | count '+vip-\|-vip-' /dev/stdin)" -eq "$before" ]
check "n2 still holds 192.0.2.100 and not 192.0.2.101" cluster_holders_are n2
check "... 192.0.2.101 is on no node" bash -c "! ip netns exec $(ns_name n2) ip -4 addr show dev eth0 | grep -q 192.0.2.101"
check "vipctl metrics: vipd_vip_held 1 for mymaster, 0 for extra" held_metrics
cluster_vipd_conf n2 >"$CLUSTER_DIR/n2/vipd.conf"
out=$(cluster_vipctl n2 reload 2>&1)
check "vipctl reload with the VIP removed again: 1 removed ($out)" \
	grep -q "reloaded .*: 0 added, 1 removed, 0 changed, 1 unchanged" <<<"$out"
check "vipctl dump lists mymaster alone" vips_listed "mymaster "
check "n2 still holds the VIP after both reloads" cluster_holders_are n2

# --- 3. AUTH --------------------------------------------------------------------
# A data node with an ACL user and Sentinels with requirepass, on n3's
# namespace (a second master name, so the running cluster is not disturbed).
adir="$CLUSTER_DIR/auth"
mkdir -p "$adir"
ip3=${CLUSTER_IP[n3]}
ns_exec n3 ip addr add 192.0.2.33/32 dev eth0
ns_bg n3 "$adir/redis.log" "$VIPD_REDIS_SERVER" --port 6390 --bind "$ip3" --save '' --appendonly no \
	--daemonize no --dir "$adir" --protected-mode no \
	--user default off --user vipd on '>node-secret' '~*' '&*' -@all +role +info +ping
apid=$NS_LAST_PID
spids=()
for p in 26390 26391 26392; do
	mkdir -p "$adir/s$p"
	cat >"$adir/s$p/sentinel.conf" <<-EOF
		port $p
		bind $ip3
		requirepass sentinel-secret
		sentinel monitor authm $ip3 6390 2
		sentinel auth-user authm vipd
		sentinel auth-pass authm node-secret
	EOF
	ns_bg n3 "$adir/s$p/log" "$VIPD_REDIS_SENTINEL" "$adir/s$p/sentinel.conf" --dir "$adir/s$p"
	spids+=("$NS_LAST_PID")
done
printf 'node-secret\n' >"$adir/node.pass"
printf 'sentinel-secret\n' >"$adir/sentinel.pass"
chmod 600 "$adir/node.pass" "$adir/sentinel.pass"
auth_conf() {
	cat <<-EOF
		control-socket = "$adir/vipd.sock"
		vip "authm" {
		    address = "192.0.2.133"
		    interface = "eth0"
		    redis = "$ip3:6390"
		    redis-user = "vipd"
		    redis-password-file = "$adir/node.pass"
		    sentinels = { "$ip3:26390", "$ip3:26391", "$ip3:26392" }
		    sentinel-password-file = "$adir/$1"
		}
	EOF
}
auth_conf sentinel.pass >"$adir/vipd.conf"
check "vipd -n -v prints the password files, never a secret" \
	bash -c "! '$CLUSTER_VIPD' -n -v -c '$adir/vipd.conf' | grep -q secret"
chmod 644 "$adir/node.pass"
check "a password file readable by others is refused" \
	bash -c "'$CLUSTER_VIPD' -n -c '$adir/vipd.conf' 2>&1 | grep -q 'accessible by other users'"
chmod 600 "$adir/node.pass"
auth_holds() { ns_exec n3 ip -4 addr show dev eth0 | grep -q 'inet 192.0.2.133/32'; }
# The sentinels answer only with their password, and know the master.
auth_sentinel_ready() {
	[ "$(ns_exec n3 timeout 2 "$VIPD_REDIS_CLI" -h "$ip3" -p 26390 -a sentinel-secret --no-auth-warning \
		SENTINEL get-master-addr-by-name authm 2>/dev/null | head -n 1)" = "$ip3" ]
}
check "the Sentinels with requirepass know the master" wait_for 10 auth_sentinel_ready
check "the data node refuses ROLE without credentials" \
	bash -c "ip netns exec $(ns_name n3) $VIPD_REDIS_CLI -h $ip3 -p 6390 ROLE 2>&1 | grep -q NOAUTH"
ns_bg n3 "$adir/vipd.log" "$CLUSTER_VIPD" -d -c "$adir/vipd.conf"
avipd=$NS_LAST_PID
check "with the right credentials the VIP is claimed (AUTH user + requirepass)" wait_for 10 auth_holds
ns_stop_pid "$avipd"
check "SIGTERM released it" bash -c "! ip netns exec $(ns_name n3) ip -4 addr show dev eth0 | grep -q 192.0.2.133"
printf 'wrong-secret\n' >"$adir/bad.pass"
chmod 600 "$adir/bad.pass"
auth_conf bad.pass >"$adir/vipd-bad.conf"
ns_bg n3 "$adir/vipd-bad.log" "$CLUSTER_VIPD" -d -c "$adir/vipd-bad.conf"
bpid=$NS_LAST_PID
check "with a wrong Sentinel password it says so" \
	wait_for 5 grep -q "authentication failed: WRONGPASS" "$adir/vipd-bad.log"
sleep 1
check "... and never claims" bash -c "! ip netns exec $(ns_name n3) ip -4 addr show dev eth0 | grep -q 192.0.2.133"
ns_stop_pid "$bpid"
for p in "$apid" "${spids[@]}"; do ns_stop_pid "$p"; done

tap_done
