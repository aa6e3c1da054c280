#!/bin/bash
# Upgrade without a gap: SIGUSR2 makes vipd re-execute the binary now
# installed at the path it was started as, in the same process, keeping the
# VIP (src/reexec.c, vipd(8) "UPGRADING").
#
# On the seed cluster (tests/lib/cluster.sh: n1 master, n2 replica, n3 a
# third sentinel) vipd runs on n1 and n2 from a scratch copy of the binary,
# n1's as the unit runs it: an unprivileged user with only the unit's
# ambient capabilities and no new privileges (setpriv, as
# tests/net/service.sh does), /proc as ProcSubset=pid mounts it, and a
# stand-in for systemd's notify socket (tests/net/notifyrecv) with a 1 s
# watchdog.
# A client writes through the VIP every 10 ms and the sampler looks at every
# namespace every 10 ms. Then, as a package upgrade does, a new file is
# written next to the binary and renamed over it, and both daemons get
# SIGUSR2:
#   * same PID; /proc/PID/exe is the new file; the new code logs that it
#     was re-executed; it closed every socket of the old code; on n1 it
#     still runs as the unprivileged user with both capabilities;
#   * no sample without the VIP on n1, no sample with two holders, no write
#     acknowledged by n2, writes acknowledged all along;
#   * RELOADING=1 before the exec, READY=1 after the new code's first
#     decision, WATCHDOG=1 never further apart than the watchdog interval;
#   * vipctl answers the new code.
# Then broken replacements: a program that exits 1, and no file at all. Each
# is refused with the reason in the log; the old code keeps the PID, the VIP
# and the control socket.
#
# About 10 s. Environment: CLUSTER_KEEP=1 keeps the logs directory (always
# kept when a check failed); VIPD_SKIP_NET=1 skips.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

tests=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib/netns.sh
. "$tests/lib/netns.sh"
# shellcheck source=tests/lib/cluster.sh
. "$tests/lib/cluster.sh"

cluster_tap_require "$CLUSTER_NOTIFYRECV"
BUILT_VIPD=$CLUSTER_VIPD
command -v setpriv >/dev/null || tap_skip_all "setpriv (util-linux) is not installed"
command -v unshare >/dev/null || tap_skip_all "unshare (util-linux) is not installed"

# The unit's privileges as setpriv arguments (as tests/net/service.sh reads
# them): a uid with no passwd entry, the unit's ambient and bounding sets.
unit="$top_srcdir/systemd/vipd.service.in"
unit_value() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
caps_list() { local c out=""; for c in $1; do c=${c#CAP_}; out+="${out:+,}+${c,,}"; done; echo "$out"; }
ambient=$(caps_list "$(unit_value AmbientCapabilities)")
uid=64000
while getent passwd "$uid" >/dev/null || getent group "$uid" >/dev/null; do uid=$((uid + 1)); done
SETPRIV=(setpriv --reuid="$uid" --regid="$uid" --clear-groups --inh-caps="$ambient"
	--ambient-caps="$ambient" --bounding-set="-all,$(caps_list "$(unit_value CapabilityBoundingSet)")")
[ "$(unit_value NoNewPrivileges)" = yes ] && SETPRIV+=(--no-new-privs)

WATCHDOG_USEC=1000000

show_logs() { cluster_show_logs 30 vipd.log notify.out; }
bail() { not_ok "$*"; show_logs; tap_done; exit 1; }

# The binary the daemons run: a scratch copy that the test replaces.
BIN_DIR=$(mktemp -d "$(cluster_tmpdir)/vipd-reexec-bin.XXXXXX") || bail "scratch directory"
chmod 0755 "$BIN_DIR"
remove_bin_dir() { rm -rf "$BIN_DIR"; }
NS_CLEANUP_HOOKS+=(remove_bin_dir)
CLUSTER_VIPD=$BIN_DIR/vipd

# install_binary FILE: what dpkg and rpm do: write a new file beside the
# old one, then rename it over the old one (the running code keeps the old,
# now deleted, inode).
install_binary() {
	cp "$1" "$BIN_DIR/.vipd.new" && chmod 0755 "$BIN_DIR/.vipd.new" &&
		mv -f "$BIN_DIR/.vipd.new" "$BIN_DIR/vipd"
}

vlog() { echo "$CLUSTER_DIR/$1/vipd.log"; }
log_lines() { wc -l <"$(vlog "$1")"; }
# logged_since NODE LINE REGEX: REGEX in NODE's log after line LINE.
logged_since() { tail -n "+$(($2 + 1))" "$(vlog "$1")" | grep -Eq -- "$3"; }
exe_inode() { stat -L -c %i "/proc/$1/exe" 2>/dev/null; }
# sockets PID: the socket inodes PID holds, sorted.
sockets() { ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | sort; }
vipctl_state() { cluster_vipctl "$1" dump 2>/dev/null | awk -F'\t' 'NR == 1 { print $4 }'; }
vipctl_says() { [ "$(vipctl_state "$1")" = "$2" ]; }
writer_acks_over() { local n; n=$(cluster_writer_acks); [ "${n:-0}" -gt "$1" ]; }

# notified MSG FROM_MS: times of n1's notify datagrams containing MSG.
notified() {
	awk -v m="$1" -v f="$2" '$1 >= f { for (i = 2; i <= NF; i++) if ($i == m) { print $1; break } }' \
		"$CLUSTER_DIR/n1/notify.out"
}

# samples_since FROM_MS: "total nobody two" over the sampler's lines.
samples_since() {
	awk -v f="$1" '$1 != "end" && $1 >= f { n++; if ($2 == "-") none++; if ($2 ~ /,/) two++ }
		END { print n + 0, none + 0, two + 0 }' "$CLUSTER_DIR/sampler.log"
}

# acks_since FROM_MS: "count max_gap_ms acked_by_n2" of the writer's acks.
acks_since() {
	cluster_writer_acks_by_node | awk -v f="$1" -v n2="${CLUSTER_IP[n2]}" '
		$2 >= f { n++; if (p != "" && $2 - p > g) g = $2 - p; p = $2; if ($3 == n2) b++ }
		END { print n + 0, g + 0, b + 0 }'
}

# --- 1. the cluster, vipd from the scratch copy ---------------------------
install_binary "$BUILT_VIPD" || bail "copy the binary to $BIN_DIR"
cluster_up || bail "the seed cluster starts"
ok "the seed cluster is up: n1 master, n2 replica, three sentinels"
ns_bg n1 "$CLUSTER_DIR/n1/notify.out" "$CLUSTER_NOTIFYRECV" -p "$CLUSTER_DIR/n1/notify.sock" -t 300 ||
	bail "notifyrecv starts on n1"
wait_for 3 test -S "$CLUSTER_DIR/n1/notify.sock" || bail "notifyrecv listens on n1"
# n1's vipd: /proc as the unit's ProtectProc=invisible and ProcSubset=pid
# make it (its own processes, no /proc/sys, /proc/net, ...), mounted as root
# in a mount namespace of its own, then the unit's user and capabilities.
cat >"$BIN_DIR/procsubset" <<-'EOF'
	#!/bin/sh
	mount -t proc -o subset=pid,hidepid=invisible proc /proc && exec "$@"
EOF
chmod 0755 "$BIN_DIR/procsubset"
chmod 0711 "$CLUSTER_DIR"
chown "$uid:$uid" "$CLUSTER_DIR/n1"
chmod 0666 "$CLUSTER_DIR/n1/notify.sock"
CLUSTER_VIPD_WRAPPER="unshare -m --propagation private $BIN_DIR/procsubset ${SETPRIV[*]} env NOTIFY_SOCKET=$CLUSTER_DIR/n1/notify.sock WATCHDOG_USEC=$WATCHDOG_USEC" \
	cluster_start_vipd n1 || bail "vipd starts on n1 from $CLUSTER_VIPD"
cluster_start_vipd n2 || bail "vipd starts on n2 from $CLUSTER_VIPD"
ok "vipd runs on n1 and n2 from $CLUSTER_VIPD"
check "the VIP is on n1 and only n1" wait_for 10 cluster_holders_are n1
check "vipctl on n1 reports the VIP held" wait_for 5 vipctl_says n1 held
pid1=${CLUSTER_VIPD_PID[n1]}
pid2=${CLUSTER_VIPD_PID[n2]}
# runs_as_unit PID: the unit's uid, CAP_NET_ADMIN (12) and CAP_NET_RAW (13)
# effective, nothing else.
runs_as_unit() {
	awk -v u="$uid" '$1 == "Uid:" && $2 == u { uid = 1 } $1 == "CapEff:" { eff = $2 }
		END { exit !(uid && eff == "0000000000003000") }' "/proc/$1/status"
}
check "n1's vipd runs as uid $uid with CAP_NET_ADMIN and CAP_NET_RAW only" runs_as_unit "$pid1"
check "n1's vipd sees /proc mounted with subset=pid" grep -Eq ' /proc .* - proc [^ ]+ [^ ]*subset=pid' "/proc/$pid1/mountinfo"
check "n1 sent READY=1 at start-up" wait_for 5 bash -c "[ -n \"\$(awk '/READY=1/' '$CLUSTER_DIR/n1/notify.out')\" ]"

cluster_start_sampler 10 || bail "the sampler starts"
cluster_start_writer || bail "the writer starts"
check "a client writing through the VIP gets acknowledgements" wait_for 5 writer_acks_over 50
sleep 1

# --- 2. the upgrade ---------------------------------------------------------
old_sockets=$(sockets "$pid1")
install_binary "$BUILT_VIPD" || bail "install the new binary"
new_ino=$(stat -c %i "$CLUSTER_VIPD")
check "before SIGUSR2 n1's vipd runs the replaced, deleted file" \
	bash -c "readlink /proc/$pid1/exe | grep -q '(deleted)\$'"
l1=$(log_lines n1)
l2=$(log_lines n2)
t_sig=$(cluster_now)
kill -USR2 "$pid1" "$pid2"
diag "SIGUSR2 to n1 (pid $pid1) and n2 (pid $pid2) at t=0"

for n in n1 n2; do
	pid=${CLUSTER_VIPD_PID[$n]}
	l=$([ "$n" = n1 ] && echo "$l1" || echo "$l2")
	check "$n: the new code logs that it was re-executed in place (pid $pid)" \
		wait_for 10 logged_since "$n" "$l" "re-executed in place from vipd .* \\(pid $pid\\)"
	check "$n: the same process (pid $pid) still runs" kill -0 "$pid"
	check "$n: /proc/$pid/exe is the new file (inode $new_ino)" test "$(exe_inode "$pid")" = "$new_ino"
done
check "n1: the new code still runs as uid $uid with CAP_NET_ADMIN and CAP_NET_RAW only" runs_as_unit "$pid1"
check "n1: the new code's first decision keeps the VIP it found (+vip-adopted)" \
	wait_for 5 logged_since n1 "$l1" "vip mymaster: \\+vip-adopted .*\\[init -> held\\]"
check "n2: the new code's first decision releases" \
	wait_for 5 logged_since n2 "$l2" "vip mymaster: -vip-released .*\\[init -> released\\]"
check "vipctl on n1 answers the new code: held" wait_for 5 vipctl_says n1 held
check "vipctl on n2 answers the new code: released" wait_for 5 vipctl_says n2 released
new_sockets=$(sockets "$pid1")
kept=$(comm -12 <(echo "$old_sockets") <(echo "$new_sockets") | grep -c .)
check "n1: none of the old code's $(echo "$old_sockets" | grep -c .) sockets is open in the new code ($kept are)" \
	test "$kept" = 0
sleep 2

# systemd's view of it.
t_reload=$(notified RELOADING=1 "$t_sig" | head -n 1)
t_ready=$(notified READY=1 "${t_reload:-0}" | head -n 1)
check "n1 sent RELOADING=1 after SIGUSR2" test -n "$t_reload"
check "n1 sent READY=1 after RELOADING=1, once the new code decided" test -n "$t_ready"
diag "RELOADING=1 at +$((${t_reload:-0} - t_sig)) ms, READY=1 at +$((${t_ready:-0} - t_sig)) ms"
check "n1's RELOADING=1 carries MONOTONIC_USEC" grep -q 'RELOADING=1 MONOTONIC_USEC=[0-9]' "$CLUSTER_DIR/n1/notify.out"
wd_gap=$(notified WATCHDOG=1 "$((t_sig - 2000))" | awk 'p != "" && $1 - p > g { g = $1 - p } { p = $1 } END { print g + 0 }')
check "WATCHDOG=1 kept coming across the exec (largest gap $wd_gap ms < $((WATCHDOG_USEC / 1000)) ms)" \
	test "$wd_gap" -gt 0 -a "$wd_gap" -lt $((WATCHDOG_USEC / 1000))

# What the client and the sampler saw from the signal until now.
read -r s_total s_none s_two < <(samples_since "$t_sig")
read -r a_count a_gap a_n2 < <(acks_since "$t_sig")
diag "since SIGUSR2: $s_total samples, $a_count acks, largest gap between acks $a_gap ms"
check "the sampler kept sampling ($s_total samples)" test "$s_total" -gt 100
check "no sample without the VIP on n1 ($s_none)" test "$s_none" = 0
check "no sample with two holders ($s_two)" test "$s_two" = 0
check "writes kept being acknowledged ($a_count)" test "$a_count" -gt 100
check "no write was acknowledged by n2 ($a_n2)" test "$a_n2" = 0

# --- 3. broken replacements -------------------------------------------------
refused() {
	local what=$1 pattern=$2 l t
	l=$(log_lines n1)
	t=$(cluster_now)
	kill -USR2 "$pid1"
	check "$what: refused, with the reason in the log" \
		wait_for 10 logged_since n1 "$l" "re-exec refused: $pattern"
	check "$what: the old code still runs as pid $pid1 from inode $new_ino" \
		test "$(exe_inode "$pid1")" = "$new_ino"
	check "$what: no second start-up was logged" bash -c "! tail -n +$((l + 1)) '$(vlog n1)' | grep -q 're-executed in place'"
	check "$what: vipctl still answers, VIP held" vipctl_says n1 held
	check "$what: the VIP is still on n1 and only n1" cluster_holders_are n1
	read -r s_total s_none s_two < <(samples_since "$t")
	check "$what: no sample without the VIP or with two holders ($s_none, $s_two of $s_total)" \
		test "$s_none" = 0 -a "$s_two" = 0
}

printf '#!/bin/sh\necho "this build is broken" >&2\nexit 1\n' >"$BIN_DIR/broken"
install_binary "$BIN_DIR/broken" || bail "install a broken binary"
refused "a replacement that exits 1" ".* -n -c .* exited 1: this build is broken"
rm -f "$CLUSTER_VIPD"
refused "no file at the path" "cannot run $CLUSTER_VIPD: No such file or directory"

read -r a_count a_gap a_n2 < <(acks_since "$t_sig")
check "writes were acknowledged all along (largest gap $a_gap ms)" test "$a_gap" -lt 1000
cluster_stop_writer
cluster_stop_sampler
check "SIGTERM still releases the VIP and exits 0 (old code, binary gone)" cluster_stop_vipd n1
check "the VIP is gone from n1" cluster_holders_are -
show_logs
tap_done
