#!/bin/bash
# What an operator relies on besides the VIP itself, on the seed cluster
# (tests/lib/cluster.sh: n1 master, n2 replica, n3 a third sentinel):
#
#   * the per-VIP notify hook: `PROGRAM NAME STATE ADDRESS INTERFACE REASON`
#     on every transition, exactly the arguments of the transition vipd
#     logged, without a shell, in transition order and never two at once
#     (transitions that come faster than the hook are queued); a run that
#     outlives notify-timeout is killed with everything it started, and
#     every exit status is logged;
#   * the systemd notify protocol: READY=1 once the VIP has made its first
#     decision, WATCHDOG=1 every WATCHDOG_USEC/2 when WATCHDOG_PID is ours
#     (none when it is not), RELOADING=1 then READY=1 around SIGHUP,
#     STOPPING=1 on SIGTERM and exit status 0;
#   * logging: when stderr is the stream JOURNAL_STREAM names (n1, as under
#     systemd) every line is "<prio>message"; when it names another stream
#     (n2: 8:1234, inherited by a shell started from a service) every line
#     starts with the local time.
#
# tests/net/notifyrecv stands where systemd's notify socket would be. Each
# data node's hook is a small sh script made here, which appends
# "start SEQ ARGS..." and "end SEQ" to its node's hook.log around a 0.3 s
# sleep. On n1 a "released" run sleeps 5 s in a child instead, longer than
# notify-timeout (1000 ms); on n2 a "fault" run exits 3. After the failover
# n2 gets transitions faster than its hook: the VIP removed under it twice
# (vipd puts it back) and a link flap (fault, then held again).
#
# About 15 s. Environment: CLUSTER_KEEP=1 keeps the logs directory (always
# kept when a check failed); VIPD_SKIP_NET=1 skips.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

tests=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib/netns.sh
. "$tests/lib/netns.sh"
# shellcheck source=tests/lib/cluster.sh
. "$tests/lib/cluster.sh"

cluster_tap_require "$CLUSTER_NOTIFYRECV"

NOTIFY_TIMEOUT=1000	# ms, vipd.conf(5) notify-timeout
WATCHDOG_USEC=400000
# vip_args STATE: what the hook gets before REASON (vipd passes the prefix).
vip_args() { echo "mymaster $1 $CLUSTER_VIP/32 eth0"; }
declare -A RECV_PID=()

show_logs() { cluster_show_logs 30 vipd.log hook.log notify.out; }
bail() { not_ok "$*"; show_logs; tap_done; exit 1; }

# make_hook NODE: NODE's notify program. It gets no environment but PATH,
# so where it writes is written into it.
make_hook() {
	local node=$1 d="$CLUSTER_DIR/$1" slow=0 fail=none
	[ "$node" = n1 ] && slow=1
	[ "$node" = n2 ] && fail=fault
	cat >"$d/hook" <<-EOF
		#!/bin/sh
		# notify hook of tests/net/ops.sh on $node
		d='$d'
		seq=\$((\$(cat "\$d/hook.seq" 2>/dev/null || echo 0) + 1))
		echo "\$seq" >"\$d/hook.seq"
		echo "start \$seq \$*" >>"\$d/hook.log"
		echo "argc \$seq \$#" >>"\$d/hook.log"
		echo "env \$seq \$(env | cut -d= -f1 | sort | tr '\n' ' ')" >>"\$d/hook.log"
		echo "fds \$seq \$(ls -l /proc/\$\$/fd | sed -n 's/.* -> //p' | tr '\n' ' ')" >>"\$d/hook.log"
		if [ "\$2" = released ] && [ $slow = 1 ]; then
		    # outlives notify-timeout; the child must die with us
		    echo "slow \$seq" >>"\$d/hook.log"
		    sleep 5 &
		    echo \$! >"\$d/hook.child"
		    wait
		fi
		sleep 0.3
		echo "end \$seq" >>"\$d/hook.log"
		[ "\$2" = $fail ] && exit 3
		exit 0
	EOF
	chmod 0755 "$d/hook"
}

# start_receiver NODE: the notify socket NODE's vipd will write to.
start_receiver() {
	local node=$1 d="$CLUSTER_DIR/$1"
	ns_bg "$node" "$d/notify.out" "$CLUSTER_NOTIFYRECV" -p "$d/notify.sock" -t 120 || return 1
	RECV_PID[$node]=$NS_LAST_PID
	wait_for 3 test -S "$d/notify.sock"
}

# start_ops_vipd NODE self|other journal|inherited: vipd under a notify
# socket, with WATCHDOG_PID its own pid or init's, and JOURNAL_STREAM naming
# its stderr (as systemd sets it) or another stream (as a shell started from
# a service inherits it).
start_ops_vipd() {
	local node=$1 wd=$2 how=$3 d="$CLUSTER_DIR/$1" env
	: >"$d/vipd.log"	# ns_bg truncates it: same inode
	env=(NOTIFY_SOCKET="$d/notify.sock" WATCHDOG_USEC="$WATCHDOG_USEC")
	if [ "$how" = journal ]; then
		env+=(JOURNAL_STREAM="$(stat -c %d:%i "$d/vipd.log")")
	else
		env+=(JOURNAL_STREAM=8:1234)
	fi
	CLUSTER_VIPD_EXTRA="    notify = \"$d/hook\"
    notify-timeout = $NOTIFY_TIMEOUT"
	cluster_vipd_conf "$node" >"$d/vipd.conf"
	# sh execs env which execs vipd: $$ is vipd's pid.
	# shellcheck disable=SC2016  # expanded by that sh
	ns_bg "$node" "$d/vipd.log" sh -c \
		'[ "$0" = self ] && p=$$ || p=1; exec env WATCHDOG_PID=$p "$@"' "$wd" \
		"${env[@]}" "$CLUSTER_VIPD" -d -c "$d/vipd.conf" || return 1
	CLUSTER_VIPD_PID[$node]=$NS_LAST_PID
	wait_for 5 test -S "$d/vipd.sock"
}

# --- reading what was recorded ------------------------------------------------

# notified NODE MSG [FROM_MS]: datagrams on NODE's socket containing the
# assignment MSG, received at or after FROM_MS; prints their times.
notified() {
	awk -v m="$2" -v f="${3:-0}" '$1 >= f { for (i = 2; i <= NF; i++) if ($i == m) { print $1; break } }' \
		"$CLUSTER_DIR/$1/notify.out"
}
notified_count() { notified "$@" | wc -l; }
has_notified() { [ "$(notified_count "$@")" -gt 0 ]; }

# transitions NODE: "mymaster STATE ADDRESS INTERFACE REASON" for every
# transition in NODE's vipd log, in order: what the hook must have been given.
transitions() {
	sed -n 's/^.*vip mymaster: [-+]vip-[a-z]* \([^ ]*\) on \([^ ]*\) (\(.*\)) \[[a-z]* -> \([a-z]*\)\]$/mymaster \4 \1 \2 \3/p' \
		"$CLUSTER_DIR/$1/vipd.log"
}
hook_runs() { sed -n 's/^start [0-9]* //p' "$CLUSTER_DIR/$1/hook.log" 2>/dev/null; }
hook_count() { awk -v w="$2" '$1 == w { n++ } END { print n + 0 }' "$CLUSTER_DIR/$1/hook.log" 2>/dev/null || echo 0; }
hook_started() { hook_count "$1" start; }
hook_ended() { hook_count "$1" end; }
# hook_has NODE STATE REASON-REGEX
hook_has() {
	local want; want=$(vip_args "$2" | sed 's/[.]/\\./g')
	grep -q "^start [0-9]* $want $3\$" "$CLUSTER_DIR/$1/hook.log" 2>/dev/null
}
# Every transition logged has had its hook started (the queue drained).
hook_caught_up() { [ "$(hook_started "$1")" -eq "$(transitions "$1" | wc -l)" ]; }
# Every run started has ended.
hook_done() { [ "$(hook_ended "$1")" -eq "$(hook_started "$1")" ]; }

# hook_serial NODE: runs numbered 1, 2, ... and each start is preceded by
# the previous run's end, unless that run was the slow one (killed).
hook_serial() {
	awk '
		$1 == "slow" { slow[$2] = 1 }
		$1 == "start" {
			if ($2 != last + 1) { print "run " $2 " after run " last; bad = 1 }
			if (open != "" && !(open in slow)) { print "run " $2 " started while run " open " ran"; bad = 1 }
			open = $2; last = $2
		}
		$1 == "end" { if ($2 != open) { print "end of run " $2 " while run " open " ran"; bad = 1 } open = "" }
		END { exit bad }' "$CLUSTER_DIR/$1/hook.log"
}

# Transitions closer together than one hook run (0.3 s): proof that some
# runs were queued behind a running one.
closest_transitions_ms() {
	grep -E 'vip mymaster: [-+]vip-' "$CLUSTER_DIR/$1/vipd.log" | while read -r day t _; do
		date -d "$day $t" +%s%3N
	done | awk 'NR > 1 && (m == "" || $1 - p < m) { m = $1 - p } { p = $1 } END { print (m == "" ? 99999 : m) }'
}

log_line_no() { grep -n -m 1 -e "$2" "$CLUSTER_DIR/$1/vipd.log" | cut -d: -f1; }

# --- 1. start-up -------------------------------------------------------------
cluster_up || bail "the seed cluster starts"
ok "the seed cluster is up: n1 master, n2 replica, three sentinels"
for n in n1 n2; do
	make_hook "$n"
	start_receiver "$n" || bail "notifyrecv listens on $n"
done
t_start=$(cluster_now)
start_ops_vipd n1 self journal || bail "vipd starts on n1"
start_ops_vipd n2 other inherited || bail "vipd starts on n2"
ok "vipd runs on n1 (JOURNAL_STREAM=its stderr, WATCHDOG_PID=itself) and n2 (JOURNAL_STREAM=8:1234, WATCHDOG_PID=1)"

check "the VIP is on n1 and only n1" wait_for 10 cluster_holders_are n1
check "n1 sends READY=1" wait_for 10 has_notified n1 READY=1
check "n2 sends READY=1" wait_for 10 has_notified n2 READY=1
check "READY=1 is sent once at start-up (n1: $(notified_count n1 READY=1), n2: $(notified_count n2 READY=1))" \
	test "$(notified_count n1 READY=1)" = 1 -a "$(notified_count n2 READY=1)" = 1
check "READY=1 carries STATUS=running" grep -q ' READY=1 STATUS=running$' "$CLUSTER_DIR/n1/notify.out"
# READY=1 is written in the same turn of the loop as the first verdict, so
# no outside observer can see the order; the log can: the transition of the
# first decision must come before the line logged with READY=1.
l_acq=$(log_line_no n1 'vip mymaster: +vip-acquired')
l_ready=$(log_line_no n1 'every VIP has made its first decision')
check "n1 held the VIP before it said READY=1 (log lines: +vip-acquired $l_acq, READY $l_ready)" \
	test -n "$l_acq" -a -n "$l_ready" -a "${l_acq:-0}" -lt "${l_ready:-0}"
l_rel=$(log_line_no n2 'vip mymaster: -vip-released')
l_ready=$(log_line_no n2 'every VIP has made its first decision')
check "n2 released (its first decision) before it said READY=1 (log lines: $l_rel, $l_ready)" \
	test -n "$l_rel" -a -n "$l_ready" -a "${l_rel:-0}" -lt "${l_ready:-0}"

check "n1's hook ran for its first decision: $(vip_args held) REASON" \
	wait_for 3 hook_has n1 held '.*[^ ].*'
check "n2's hook ran for its first decision: $(vip_args released) REASON" \
	wait_for 3 hook_has n2 released '.*[^ ].*'
check "the hook got exactly five arguments (the reason is one)" \
	bash -c "grep -h '^argc ' '$CLUSTER_DIR/n1/hook.log' '$CLUSTER_DIR/n2/hook.log' | awk '\$3 != 5 { exit 1 }'"
check "the hook's environment has no NOTIFY_SOCKET, WATCHDOG_* or JOURNAL_STREAM" \
	bash -c "! grep -h '^env ' '$CLUSTER_DIR/n1/hook.log' '$CLUSTER_DIR/n2/hook.log' | grep -qE ' (NOTIFY_SOCKET|WATCHDOG_[A-Z]*|JOURNAL_STREAM) '"
check "the hook inherits none of vipd's sockets or epoll/signal/pid fds" \
	bash -c "! grep -h '^fds ' '$CLUSTER_DIR/n1/hook.log' '$CLUSTER_DIR/n2/hook.log' | grep -qE 'socket:|anon_inode:'"
check "n1 logged the hook's exit status 0" \
	wait_for 3 grep -q "^<6>vip mymaster: notify $CLUSTER_DIR/n1/hook exited 0 after [0-9]* ms$" "$CLUSTER_DIR/n1/vipd.log"

# --- 2. failover: released on n1 (the slow run, killed), held on n2 ---------
cluster_kill_redis n1
t_kill=$(cluster_now)
check "after kill -9 of n1's redis-server the VIP is on n2 and only n2" wait_for 15 cluster_holders_are n2
check "n1's hook ran with: $(vip_args released) REASON" wait_for 3 hook_has n1 released '.*[^ ].*'
check "n2's hook ran with: $(vip_args held) REASON" wait_for 3 hook_has n2 held '.*[^ ].*'
check "n1's run that outlived notify-timeout is killed, and the log says so" \
	wait_for 5 grep -q "^<4>vip mymaster: notify $CLUSTER_DIR/n1/hook still running after $NOTIFY_TIMEOUT ms, killing it$" \
	"$CLUSTER_DIR/n1/vipd.log"
check "... and how it ended: killed by signal 9" \
	wait_for 3 grep -q "^<4>vip mymaster: notify $CLUSTER_DIR/n1/hook killed by signal 9$" "$CLUSTER_DIR/n1/vipd.log"
child=$(cat "$CLUSTER_DIR/n1/hook.child" 2>/dev/null)
# Gone, or a zombie waiting for init (an empty cmdline); a recycled pid
# would not be running "sleep 5".
child_gone() { [ -n "$child" ] && [ "$(tr '\0' ' ' <"/proc/$child/cmdline" 2>/dev/null)" != "sleep 5 " ]; }
check "... with what it started (its sleep, pid ${child:-?}, is gone too)" wait_for 1 child_gone
check "the killed run never reached its end" \
	bash -c "! grep -qx 'end $(sed -n 's/^slow //p' "$CLUSTER_DIR/n1/hook.log")' '$CLUSTER_DIR/n1/hook.log'"

# WATCHDOG=1 every 200 ms on n1 (WATCHDOG_USEC/2), never on n2 (WATCHDOG_PID
# is not its pid), from the start: count them over the first 2 s.
while [ "$(cluster_now)" -lt $((t_start + 2000)) ]; do sleep 0.1; done
wd=$(notified n1 WATCHDOG=1 "$t_start" | awk -v e=$((t_start + 2000)) '$1 <= e' | wc -l)
check "n1 sends WATCHDOG=1 repeatedly: $wd in its first 2 s (>= 3)" test "$wd" -ge 3
check "n2 sends no WATCHDOG=1: WATCHDOG_PID names another process ($(notified_count n2 WATCHDOG=1))" \
	test "$(notified_count n2 WATCHDOG=1)" = 0

# --- 3. transitions faster than the hook: queued, in order, one at a time ---
# Sentinel has just switched its links to n2: let them settle first, so that
# the link flap below cannot look like a dead master to it.
all_name_n2() { [ "$(cluster_sentinels_naming "${CLUSTER_IP[n2]}")" = 3 ]; }
wait_for 10 all_name_n2
wait_for 3 hook_caught_up n2
wait_for 3 hook_done n2
sleep 1
vip_back_on_n2() { cluster_holders_are n2; }
for _ in 1 2; do
	# someone removes the VIP: vipd puts it back (released -> held)
	ns_exec n2 ip addr del "$CLUSTER_VIP/32" dev eth0
	wait_for 2 vip_back_on_n2
done
# held -> fault -> held, a few milliseconds down
ns_exec n2 sh -c 'ip link set eth0 down; ip link set eth0 up'
check "n2 went to fault with its link down" \
	wait_for 3 grep -q 'vip mymaster: +vip-fault .* \[held -> fault\]$' "$CLUSTER_DIR/n2/vipd.log"
check "... and held the VIP again with its link up" \
	wait_for 5 grep -q 'vip mymaster: +vip-acquired .* \[fault -> held\]$' "$CLUSTER_DIR/n2/vipd.log"
check "the VIP is on n2 and only n2 after the removals and the link flap" wait_for 5 cluster_holders_are n2
gap=$(closest_transitions_ms n2)
check "some transitions on n2 came faster than one hook run (closest: $gap ms < 300)" test "$gap" -lt 300
check "every queued run on n2 starts (within 5 s)" wait_for 5 hook_caught_up n2
check "... and ends" wait_for 3 hook_done n2

# --- 4. reload ------------------------------------------------------------------
t_hup=$(cluster_now)
kill -HUP "${CLUSTER_VIPD_PID[n2]}"
reloaded() { has_notified n2 RELOADING=1 "$t_hup" && has_notified n2 READY=1 "$t_hup"; }
check "SIGHUP: n2 sends RELOADING=1 and READY=1" wait_for 3 reloaded
check "... RELOADING=1 first" \
	test "$(awk -v f="$t_hup" '$1 >= f && ($2 == "RELOADING=1" || $2 == "READY=1") { printf "%s ", $2 }' \
		"$CLUSTER_DIR/n2/notify.out")" = "RELOADING=1 READY=1 "

# --- 4b. a reload that removes a VIP does not wait for that VIP's hook ----------
# Waiting would stall the loop, and every other VIP's release with it, for up
# to notify-timeout per queued run. VIP "extra" (n1) has a hook that hangs
# for 10 s and a notify-timeout of 3 s; it is removed while that runs.
d1=$CLUSTER_DIR/n1
cat >"$d1/slowhook" <<EOF
#!/bin/sh
echo "start \$*" >>'$d1/slowhook.log'
sleep 10 &
echo \$! >'$d1/slowhook.child'
wait
EOF
chmod 0755 "$d1/slowhook"
cp "$d1/vipd.conf" "$d1/vipd.conf.orig"
cluster_vip_conf extra 192.0.2.101 n1 "    notify = \"$d1/slowhook\"
    notify-timeout = 3000" >>"$d1/vipd.conf"
out=$(cluster_vipctl n1 reload 2>&1)
check "vipctl reload on n1 adds VIP extra ($out)" grep -q ": 1 added, 0 removed, 0 changed, 1 unchanged" <<<"$out"
check "extra's first transition runs its hook, which hangs" wait_for 5 test -s "$d1/slowhook.child"
slow=$(cat "$d1/slowhook.child" 2>/dev/null)
slow_running() { [ -n "$slow" ] && [ "$(tr '\0' ' ' <"/proc/$slow/cmdline" 2>/dev/null)" = "sleep 10 " ]; }
cp "$d1/vipd.conf.orig" "$d1/vipd.conf"
out=$(cluster_vipctl n1 reload 2>&1)
check "vipctl reload removes extra ($out)" grep -q ": 0 added, 1 removed, 0 changed, 1 unchanged" <<<"$out"
check "... and returned while extra's hook still ran (pid ${slow:-?}: the reload did not wait)" slow_running
check "vipctl answers at once while it runs" cluster_vipctl n1 dump mymaster
check "the removed VIP's hook still gets its timeout: killed after 3000 ms" \
	wait_for 5 grep -q "vip extra: notify $d1/slowhook still running after 3000 ms, killing it$" "$d1/vipd.log"
slow_gone() { ! slow_running; }
check "... with what it started" wait_for 2 slow_gone

# --- 5. stop --------------------------------------------------------------------
t_term=$(cluster_now)
cluster_stop_vipd n2
rc=$?
check "SIGTERM: vipd on n2 exits 0 (got $rc)" test "$rc" = 0
check "... after sending STOPPING=1" has_notified n2 STOPPING=1 "$t_term"
check "... and running the hook for its last transition: $(vip_args released) vipd is stopping" \
	hook_has n2 released 'vipd is stopping'
check "... to its end" hook_done n2
check "the VIP is on no node" cluster_holders_are -
cluster_stop_vipd n1
rc=$?
check "SIGTERM: vipd on n1 exits 0 (got $rc)" test "$rc" = 0
check "... after sending STOPPING=1" has_notified n1 STOPPING=1 "$t_term"
wd_gap=$(notified n1 WATCHDOG=1 | awk -v a="$t_start" -v b="$t_term" \
	'$1 >= a && $1 <= b { if (p != "" && $1 - p > m) m = $1 - p; p = $1 } END { print m + 0 }')
check "until SIGTERM n1 never went longer than WATCHDOG_USEC without WATCHDOG=1 (largest gap $wd_gap ms)" \
	test "$wd_gap" -gt 0 -a "$wd_gap" -le $((WATCHDOG_USEC / 1000))

# --- 6. the hook, all runs ------------------------------------------------------
for n in n1 n2; do
	diag "$n: $(transitions "$n" | wc -l) transitions, $(hook_started "$n") hook runs"
	check "$n: one hook run per transition, with its exact arguments, in order" \
		cmp -s <(transitions "$n") <(hook_runs "$n")
	check "$n: hook runs never overlap: each ends before the next starts" hook_serial "$n"
done
check "n2 logged the exit status of its failing runs (fault: exit 3)" \
	grep -qE "^[0-9-]+ [0-9:.]+ warning: vip mymaster: notify $CLUSTER_DIR/n2/hook exited 3$" "$CLUSTER_DIR/n2/vipd.log"

# --- 7. log format ----------------------------------------------------------------
ts_re='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} (error|warning|notice|info|debug): '
check "n1 (JOURNAL_STREAM names its stderr): every log line starts with <0>..<7>" \
	bash -c "! grep -qvE '^<[0-7]>[^<]' '$CLUSTER_DIR/n1/vipd.log'"
check "... and none carries a timestamp (the journal adds its own)" \
	bash -c "! grep -qE '^<[0-7]>[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ ' '$CLUSTER_DIR/n1/vipd.log'"
check "... with the syslog priority of each message: <5> transition, <4> warning, <6> info, <7> debug" \
	bash -c "grep -q '^<5>vip mymaster: +vip-acquired ' '$CLUSTER_DIR/n1/vipd.log' &&
		grep -q '^<4>vip mymaster: notify .* killing it$' '$CLUSTER_DIR/n1/vipd.log' &&
		grep -q '^<6>every VIP has made its first decision$' '$CLUSTER_DIR/n1/vipd.log' &&
		grep -q '^<7>vip mymaster: ' '$CLUSTER_DIR/n1/vipd.log'"
check "n2 (JOURNAL_STREAM=8:1234, not its stderr): every log line starts with a timestamp and a level" \
	bash -c "! grep -qvE '$ts_re' '$CLUSTER_DIR/n2/vipd.log'"
last=$(tail -n 1 "$CLUSTER_DIR/n2/vipd.log" | cut -d' ' -f1,2)
age=$(( $(date +%s) - $(date -d "$last" +%s 2>/dev/null || echo 0) ))
check "... the local time of the line ($last, ${age} s ago)" test "$age" -ge 0 -a "$age" -le 60
check "... and no priority prefix" bash -c "! grep -q '^<[0-7]>' '$CLUSTER_DIR/n2/vipd.log'"

for n in n1 n2; do ns_stop_pid "${RECV_PID[$n]}"; done
diag "$(cluster_ms_to_s $(($(cluster_now) - t_start))) s from the first vipd start (failover at +$(cluster_ms_to_s $((t_kill - t_start))) s)"
show_logs
tap_done
