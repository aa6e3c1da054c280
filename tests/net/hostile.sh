#!/bin/bash
# "A Redis or Sentinel that answers with garbage, huge replies, replies
# nobody asked for, pub/sub messages of any shape, or stalls mid-reply costs
# one connection, never the daemon."
#
# One vipd, seven VIPs, and in place of every data node and Sentinel a
# hostile server (tests/net/hostile.c) of one of these modes:
#   garbage   non-RESP bytes                  -> protocol error
#   huge      a 1 GiB bulk, streamed          -> reply larger than 1 MiB
#   stall     a reply cut off half way        -> no answer within command-timeout
#   deep      an array nested 100 levels      -> protocol error (depth > 7)
#   bigarray  "*2000000000", then nothing     -> reply larger than 1 MiB
#   unsolicited  two replies to each request  -> unexpected reply
#   sub-*     on the subscriber link only: "*0", ["message"], [1, 2, 3],
#             a RESP3 map, a RESP3 push (what aborts hiredis's pub/sub
#             code, 0.14 or 1.x)            -> malformed message (or, for
#             RESP3 types hiredis 0.14 cannot read, a protocol error)
# Each VIP's local node and its three Sentinels are of different modes, so
# every mode is met as a data node and as a Sentinel (command and event
# links). After 5 s the test checks, as a user would see it, that vipd still
# runs and answers vipctl, holds no VIP, keeps reconnecting (every server
# accepted more than one connection), says in its log why it dropped each
# kind of peer, and never grew: its peak RSS (VmHWM) stays below 64 MiB
# while the huge server streams. Then SIGTERM makes vipd exit 0.
#
# Without the 1 MiB limit of src/replycap.c this fails: hiredis buffers
# the streamed bulk until command-timeout (peak RSS ~230 MB with the byte
# check removed), and without the charge for array elements the bigarray
# reply maps 16 GB that take minutes to free, so vipd stops answering.
#
# Everything lives in one private namespace: the VIPs on a veth interface,
# the servers on 192.0.2.1 (documentation addresses only). ~10 s.
#
# Environment:
#   HOSTILE_KEEP=1    keep the logs directory (always kept when a check failed)
#   VIPD_SKIP_NET=1   skip (used by make distcheck)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

tests=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib/netns.sh
. "$tests/lib/netns.sh"

[ -n "${top_srcdir:-}" ] || top_srcdir=$(cd "$tests/.." && pwd)
[ -n "${top_builddir:-}" ] || top_builddir=$top_srcdir
VIPD="$top_builddir/src/vipd"
VIPCTL="$top_builddir/src/vipctl"
HOSTILE="$top_builddir/tests/net/hostile"

ns_require_root
for f in "$VIPD" "$VIPCTL" "$HOSTILE"; do
	[ -x "$f" ] || tap_skip_all "$f not built (make check builds it)"
done

SERVER_IP=192.0.2.1
RSS_LIMIT_KB=$((64 * 1024))
RUN_SECONDS=5
MODES="garbage huge stall deep bigarray unsolicited sub-empty sub-one sub-ints sub-map sub-push"
declare -A PORT=([garbage]=7001 [huge]=7002 [stall]=7003 [deep]=7004 [bigarray]=7005
	[unsolicited]=7006 [sub-empty]=7007 [sub-one]=7008 [sub-ints]=7009 [sub-map]=7010 [sub-push]=7011)
declare -A SERVER_PID=()
# What vipd's log must give as the reason for dropping each kind of peer.
# deep: hiredis 0.14 refuses more than 7 levels; 1.x parses them, and the
# reply is then not a ROLE / get-master-addr-by-name answer. bigarray: the
# adapter charges an array for the elements its header announces (without
# that, 0.14 maps 16 GB for it and takes minutes to free it).
declare -A REASON=(
	[garbage]='Protocol error'
	[huge]='reply larger than 1 MiB'
	[stall]='no answer within command-timeout'
	[deep]='No support for nested multi bulk|malformed'
	[bigarray]='reply larger than 1 MiB'
	[unsolicited]="unexpected reply with no request pending|malformed"
	[sub-empty]='malformed message on the subscriber link'
	[sub-one]='malformed message on the subscriber link'
	[sub-ints]='malformed message on the subscriber link'
	[sub-map]='malformed message on the subscriber link|Protocol error'
	[sub-push]='malformed message on the subscriber link|Protocol error'
)
# VIP name -> "local-node-mode sentinel-mode sentinel-mode sentinel-mode"
declare -A LAYOUT=(
	[a]="garbage stall huge deep"
	[b]="huge garbage bigarray stall"
	[c]="stall huge deep garbage"
	[d]="bigarray huge stall garbage"
	[e]="deep bigarray garbage huge"
	[f]="unsolicited sub-empty sub-one sub-ints"
	[g]="sub-one sub-map sub-push unsolicited"
)
declare -A VIP_ADDR=([a]=192.0.2.101 [b]=192.0.2.102 [c]=192.0.2.103 [d]=192.0.2.104 [e]=192.0.2.105
	[f]=192.0.2.106 [g]=192.0.2.107)
VIPS="a b c d e f g"
# f and g's Sentinels answer their polls (nil: no such master); only their
# subscriber links meet the odd shapes.
SUB_VIPS="f g"
VIPD_PID=
DIR=

hostile_cleanup() {
	local pid
	# vipd first, so that it can take down what it configured.
	for pid in "$VIPD_PID" "${SERVER_PID[@]}"; do
		[ -n "$pid" ] && ns_stop_pid "$pid"
	done
	VIPD_PID='' SERVER_PID=()
	[ -n "$DIR" ] && [ -d "$DIR" ] || return 0
	if [ "${HOSTILE_KEEP:-0}" = 1 ] || [ "$TAP_FAILED" -gt 0 ]; then
		echo "# logs kept in $DIR" >&2
	else
		rm -rf "$DIR"
	fi
}
NS_CLEANUP_HOOKS+=(hostile_cleanup)

show_log() {
	[ "$TAP_FAILED" -gt 0 ] && [ -s "$DIR/vipd.log" ] || return 0
	diag "--- last lines of $DIR/vipd.log"
	tail -n 30 "$DIR/vipd.log" | sed 's/^/#   /'
}

bail() { not_ok "$*"; show_log; tap_done; exit 1; }

vipd_conf() {
	local v modes node s1 s2 s3
	echo "control-socket = \"$DIR/vipd.sock\""
	for v in $VIPS; do
		modes=${LAYOUT[$v]}
		read -r node s1 s2 s3 <<<"$modes"
		cat <<-EOF
			vip "$v" {
			    address = "${VIP_ADDR[$v]}"
			    interface = "vip0"
			    redis = "$SERVER_IP:${PORT[$node]}"
			    sentinels = { "$SERVER_IP:${PORT[$s1]}", "$SERVER_IP:${PORT[$s2]}", "$SERVER_IP:${PORT[$s3]}" }
			    role-check-interval = 200
			    sentinel-poll-interval = 500
			    command-timeout = 1000
			    redis-down-after = 500
			    no-quorum-hold-down = 0
			    garp-repeat-delay = 0
			}
		EOF
	done
}

# kB from /proc/PID/status, field VmRSS or VmHWM (empty if gone).
vm_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
vipd_alive() { grep -q '^State:[[:space:]]*[^Z]' "/proc/$VIPD_PID/status" 2>/dev/null; }
vipd_gone() { ! vipd_alive; }
vip_count_on_link() { ip -n "$(ns_name h)" -4 addr show dev vip0 | grep -c 'inet 192\.0\.2\.10[1-7]/'; }
accepted() { awk '$1 == "accepted" { n = $2 } END { print n + 0 }' "$DIR/$1.log"; }
max_sent() { awk '$1 == "closed" && $4 > m { m = $4 } END { print m + 0 }' "$DIR/$1.log"; }
dropped_for() {
	grep -qE "$SERVER_IP:${PORT[$1]}( \(events\))?: down: .*($2)" "$DIR/vipd.log"
}

# --- set-up ---------------------------------------------------------------------
DIR=$(mktemp -d "${TMPDIR:-/tmp}/vipd-hostile.XXXXXX") || bail "a temporary directory"
ns_add h || bail "the namespace is created"
# A veth pair with both ends in the namespace (the dummy driver may be
# missing from the kernel); vip0 carries the servers' address and the VIPs.
if ! { ip -n "$(ns_name h)" link add vip0 type veth peer name vip0p &&
	ip -n "$(ns_name h)" addr add "$SERVER_IP/24" dev vip0 &&
	ip -n "$(ns_name h)" link set vip0p up &&
	ip -n "$(ns_name h)" link set vip0 up; }; then
	bail "the veth interface is set up"
fi
for m in $MODES; do
	ns_bg h "$DIR/$m.log" "$HOSTILE" -l "$SERVER_IP" -p "${PORT[$m]}" -m "$m" -t 60
	SERVER_PID[$m]=$NS_LAST_PID
	wait_for 5 grep -q '^ready' "$DIR/$m.log" || bail "the $m server listens on port ${PORT[$m]}"
done
ok "the hostile servers listen ($MODES)"
vipd_conf >"$DIR/vipd.conf"
ns_exec h "$VIPD" -n -c "$DIR/vipd.conf" || bail "the configuration is valid"
ns_bg h "$DIR/vipd.log" "$VIPD" -d -c "$DIR/vipd.conf"
VIPD_PID=$NS_LAST_PID
wait_for 5 test -S "$DIR/vipd.sock" || bail "vipd starts (control socket $DIR/vipd.sock)"

# --- 5 s of hostile peers, sampling vipd's memory -------------------------------
peak=0
end=$(( $(now_ms) + RUN_SECONDS * 1000 ))
while [ "$(now_ms)" -lt "$end" ] && vipd_alive; do
	rss=$(vm_kb "$VIPD_PID" VmRSS)
	[ -n "$rss" ] && [ "$rss" -gt "$peak" ] && peak=$rss
	sleep 0.2
done
check "after ${RUN_SECONDS} s of hostile peers vipd still runs" vipd_alive
hwm=$(vm_kb "$VIPD_PID" VmHWM)
diag "vipd VmRSS: largest sample ${peak} kB, peak (VmHWM) ${hwm:-?} kB; the huge server sent up to $(max_sent huge) bytes on one connection"
rss_bounded() { [ -n "$hwm" ] && [ "$hwm" -lt "$RSS_LIMIT_KB" ]; }
check "vipd's peak RSS stayed below $((RSS_LIMIT_KB / 1024)) MiB (VmHWM ${hwm:-?} kB)" rss_bounded
check "the huge server streamed more than 1 MiB on one connection (the limit was put to the test)" \
	[ "$(max_sent huge)" -gt $((1024 * 1024)) ]

# --- what a user sees -----------------------------------------------------------
dump=$(timeout 5 "$VIPCTL" -s "$DIR/vipd.sock" dump)
rc=$?
check "vipctl dump still answers (exit $rc)" [ "$rc" -eq 0 ]
diag "vipctl dump:"
while IFS= read -r line; do diag "  $line"; done <<<"$dump"
check "it lists all seven VIPs" [ "$(grep -c . <<<"$dump")" -eq 7 ]
# shellcheck disable=SC2016  # awk's own $4, $7, $9
for v in $VIPS; do
	if [[ " $SUB_VIPS " == *" $v "* ]]; then
		check "VIP $v: released, local node unreachable" \
			awk -F'\t' -v v="$v" '$1 == v { found = 1; ok = $4 == "released" && $7 == "0" }
				END { exit !(found && ok) }' <<<"$dump"
		continue
	fi
	check "VIP $v: released, local node unreachable, no Sentinel reachable" \
		awk -F'\t' -v v="$v" '$1 == v { found = 1; ok = $4 == "released" && $7 == "0" && $9 == "0" }
			END { exit !(found && ok) }' <<<"$dump"
done
n=$(vip_count_on_link)
check "no VIP address is on vip0 ($n found)" [ "$n" -eq 0 ]
check "vipd never claimed a VIP nor saw a fault" \
	bash -c "! grep -qE -- '\+vip-(acquired|fault)' '$DIR/vipd.log'"
for m in $MODES; do
	n=$(accepted "$m")
	check "the $m server accepted more than one connection ($n): vipd dropped and reconnected" \
		[ "$n" -gt 1 ]
done
for m in $MODES; do
	check "vipd's log says why it dropped the $m peer (${REASON[$m]})" dropped_for "$m" "${REASON[$m]}"
done

# --- shutdown -------------------------------------------------------------------
kill -TERM "$VIPD_PID"
if wait_for 5 vipd_gone; then
	rc=0
	wait "$VIPD_PID" || rc=$?
	ns_forget_pid "$VIPD_PID"
	VIPD_PID=
	check "SIGTERM: vipd exits 0 (got $rc)" [ "$rc" -eq 0 ]
else
	not_ok "SIGTERM: vipd exits within 5 s"
fi
n=$(vip_count_on_link)
check "no VIP address is on vip0 after the exit ($n found)" [ "$n" -eq 0 ]

show_log
tap_done
