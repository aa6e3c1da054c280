#!/bin/bash
# "Looking up a name never blocks the event loop; a name resolves through
# /etc/hosts and DNS as Redis itself would resolve it."
#
# One private namespace with its own resolv.conf and hosts file
# (/etc/netns/<ns>/, which `ip netns exec` mounts over /etc; created here,
# unique per run, removed on exit). The name server is tests/net/slowdns,
# answering every query after 2 s, on 2001:db8::53 and 192.0.2.53. The
# driver, tests/net/resolvetool, runs the real resolver module in an event
# loop with a 10 ms ticker, and reports every change and the longest gap
# between two ticks. It runs under its own UTS namespace with a host name
# without a domain, so that glibc's search list is empty and every lookup
# is exactly the queries the test expects, whatever the host is called.
#
#   A. (name server over IPv6) a slow name resolves after ~2 s while the
#      ticker never stalls more than 100 ms; each name is asked once; an
#      unknown name fails with the resolver's own words; hosts-file names
#      resolve at once (not behind the slow ones), at most 8 addresses,
#      duplicates dropped, in the file's order; literals and bad names are
#      answered without a lookup.
#   B. SIGTERM while a lookup is stuck in getaddrinfo(): the driver takes it
#      through its signalfd and exits 0 at once (workers block signals, and
#      freeing the resolver does not wait for them).
#   C. (name server over IPv4) a name removed from the zone mid-run (slowdns
#      re-reads it on SIGHUP) turns FAILED on the next refresh, keeping its
#      last good address.
#
# ~12 s. Environment:
#   RESOLVE_KEEP=1    keep the logs directory (always kept when a check failed)
#   VIPD_SKIP_NET=1   skip (used by make distcheck)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

tests=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib/netns.sh
. "$tests/lib/netns.sh"

[ -n "${top_srcdir:-}" ] || top_srcdir=$(cd "$tests/.." && pwd)
[ -n "${top_builddir:-}" ] || top_builddir=$top_srcdir
SLOWDNS="$top_builddir/tests/net/slowdns"
TOOL="$top_builddir/tests/net/resolvetool"

ns_require_root
for f in "$SLOWDNS" "$TOOL"; do
	[ -x "$f" ] || tap_skip_all "$f not built (make check builds it)"
done
for c in unshare hostname; do
	command -v "$c" >/dev/null || tap_skip_all "$c is not installed"
done

DNS4=192.0.2.53
DNS6=2001:db8::53
DELAY_MS=2000
MAX_GAP_MS=100
DIR=
ETC_NETNS=/etc/netns
ETC_NETNS_MADE=
ETC_NS=
DNS_PID=
TOOL_PID=

resolve_cleanup() {
	local pid
	for pid in "$TOOL_PID" "$DNS_PID"; do
		[ -n "$pid" ] && ns_stop_pid "$pid"
	done
	TOOL_PID='' DNS_PID=''
	[ -n "$ETC_NS" ] && rm -rf "$ETC_NS"
	[ -n "$ETC_NETNS_MADE" ] && rmdir "$ETC_NETNS" 2>/dev/null
	ETC_NS='' ETC_NETNS_MADE=''
	[ -n "$DIR" ] && [ -d "$DIR" ] || return 0
	if [ "${RESOLVE_KEEP:-0}" = 1 ] || [ "$TAP_FAILED" -gt 0 ]; then
		echo "# logs kept in $DIR" >&2
	else
		rm -rf "$DIR"
	fi
}
NS_CLEANUP_HOOKS+=(resolve_cleanup)

bail() { not_ok "$*"; tap_done; exit 1; }

show() {
	local f=$1
	diag "--- $f"
	sed 's/^/#   /' "$DIR/$f"
}

# The driver in the namespace, in a UTS namespace of its own whose host
# name has no domain (no search list).
tool_bg() {
	local log=$1; shift
	ns_bg dns "$DIR/$log" unshare --uts sh -c 'hostname resolvetest && exec "$@"' sh "$TOOL" "$@"
	TOOL_PID=$NS_LAST_PID
}

# The line of `name` in a driver log whose state is `state` (first one).
line_of() { awk -F'\t' -v n="$2" -v s="$3" '$2 == n && $3 == s { print; exit }' "$DIR/$1"; }
has_line() { [ -n "$(line_of "$@")" ]; }
field() { cut -f"$1" <<<"$2"; }
# The addresses of a line, sorted, space-separated.
addrs_sorted() { field 4 "$1" | tr ',' '\n' | sort | tr '\n' ' ' | sed 's/ $//'; }
queries() { grep -c "^query $1 $2 " "$DIR/slowdns.log"; }
# in_range VALUE LOW HIGH: LOW <= VALUE < HIGH (false if VALUE is empty)
in_range() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -lt "$3" ]; }
# A child of ours that exited is a zombie until waited for: kill -0 still
# finds it.
exited() { ! grep -q '^State:[[:space:]]*[^Z]' "/proc/$1/status" 2>/dev/null; }
asked_once() { [ "$(queries "$1" A)" -eq 1 ] && [ "$(queries "$1" AAAA)" -eq 1 ]; }

# --- set-up ---------------------------------------------------------------------
DIR=$(mktemp -d "${TMPDIR:-/tmp}/vipd-resolve.XXXXXX") || bail "a temporary directory"
ns_add dns || bail "the namespace is created"
ip -n "$(ns_name dns)" addr add "$DNS4/32" dev lo &&
	ip -n "$(ns_name dns)" addr add "$DNS6/128" dev lo nodad ||
	bail "the name server's addresses are set"

if [ ! -d "$ETC_NETNS" ]; then
	mkdir "$ETC_NETNS" || bail "$ETC_NETNS is created"
	ETC_NETNS_MADE=1
fi
ETC_NS="$ETC_NETNS/$(ns_name dns)"
mkdir "$ETC_NS" || bail "$ETC_NS is created"
# timeout:5 attempts:1: one query per name and type, answered (after
# DELAY_MS) well before glibc would give up on it.
printf 'nameserver %s\noptions timeout:5 attempts:1\n' "$DNS6" >"$ETC_NS/resolv.conf"
{
	echo "127.0.0.1 localhost"
	echo "192.0.2.20 hosted.test"
	for i in 1 2 3 4 5 6 7 8 9 10; do
		echo "198.51.100.$i multi.test"
		[ "$i" = 2 ] && echo "198.51.100.1 multi.test"	# a duplicate
	done
} >"$ETC_NS/hosts"

cat >"$DIR/zone" <<-EOF
	# name server records for the test (slowdns -z)
	slow.test=192.0.2.10
	slow.test=2001:db8::10
	stuck.test=192.0.2.12
	gone.test 192.0.2.11
EOF
ns_bg dns "$DIR/slowdns.log" "$SLOWDNS" -l "$DNS4" -l "$DNS6" -d "$DELAY_MS" -z "$DIR/zone" -t 120
DNS_PID=$NS_LAST_PID
wait_for 5 grep -q '^ready' "$DIR/slowdns.log" || { show slowdns.log; bail "slowdns listens on $DNS4 and $DNS6"; }
ok "slowdns listens on $DNS4 and [$DNS6], answering after $DELAY_MS ms"

# --- A: slow, unknown, hosts-file names, literals -------------------------------------
t0=$(now_ms)
tool_bg a.log -j 4 -t 8000 slow.test nx.test hosted.test multi.test 192.0.2.99 "bad name"
if wait_for 15 grep -q '^done' "$DIR/a.log"; then
	rc=0
	wait "$TOOL_PID" || rc=$?
	ns_forget_pid "$TOOL_PID"
	TOOL_PID=
	check "A: the driver exits 0 once every name is answered (rc $rc, $(( $(now_ms) - t0 )) ms)" [ "$rc" -eq 0 ]
else
	not_ok "A: the driver finishes within 15 s"
fi
done_line=$(grep '^done' "$DIR/a.log")
gap=$(sed -n 's/.*max-gap=\([0-9]*\).*/\1/p' <<<"$done_line")
ticks=$(sed -n 's/.*ticks=\([0-9]*\).*/\1/p' <<<"$done_line")
check "A: the 10 ms ticker never stalled more than $MAX_GAP_MS ms (longest gap ${gap:-?} ms)" \
	in_range "$gap" 0 $((MAX_GAP_MS + 1))
check "A: the ticker kept running while the lookups were pending ($ticks ticks)" \
	[ "${ticks:-0}" -ge 100 ]

l=$(line_of a.log slow.test OK)
t=$(field 1 "$l")
check "A: slow.test resolves after ~2 s (at ${t:-never} ms)" \
	in_range "$t" $((DELAY_MS - 100)) $((DELAY_MS + 3000))
check "A: ... to both its addresses ($(field 4 "$l"))" \
	[ "$(addrs_sorted "$l")" = "192.0.2.10 2001:db8::10" ]
check "A: slow.test was asked once (A $(queries slow.test A), AAAA $(queries slow.test AAAA))" \
	asked_once slow.test
check "A: the queries came over IPv6" grep -q "^query slow.test A from \[$DNS6\]" "$DIR/slowdns.log"

l=$(line_of a.log nx.test FAILED)
check "A: an unknown name fails with a clear error ($(field 5 "$l"), at $(field 1 "$l") ms)" \
	[ "$(field 5 "$l")" = "Name or service not known" ]
check "A: ... after the name server said NXDOMAIN" grep -q '^query nx.test A from .*: NXDOMAIN 0' "$DIR/slowdns.log"
check "A: ... and never looked like an answer" [ -z "$(line_of a.log nx.test OK)" ]

l=$(line_of a.log hosted.test OK)
t=$(field 1 "$l")
check "A: a hosts-file name resolves (${l:-no answer})" [ "$(field 4 "$l")" = "192.0.2.20" ]
check "A: ... at once, not behind the slow lookups (at ${t:-never} ms)" in_range "$t" 0 1000
check "A: ... without asking the name server" [ "$(queries hosted.test A)" -eq 0 ]
l=$(line_of a.log multi.test OK)
check "A: a name with 10 addresses and a duplicate gives the first 8, in order ($(field 4 "$l"))" \
	[ "$(field 4 "$l")" = "198.51.100.1,198.51.100.2,198.51.100.3,198.51.100.4,198.51.100.5,198.51.100.6,198.51.100.7,198.51.100.8" ]

# at_once NAME STATE FIELD VALUE: in a.log within 100 ms, FIELD = VALUE
at_once() {
	local l; l=$(line_of a.log "$1" "$2")
	in_range "$(field 1 "$l")" 0 100 && [ "$(field "$3" "$l")" = "$4" ]
}
check "A: an IP literal answers at once" at_once 192.0.2.99 OK 4 192.0.2.99
check "A: a name with a space fails at once, unasked" at_once "bad name" FAILED 5 "not a valid host name"
[ "$TAP_FAILED" -gt 0 ] && show a.log

# --- B: SIGTERM while a lookup is stuck --------------------------------------------
tool_bg b.log -t 8000 -d 20000 stuck.test
wait_for 5 grep -q '^ready' "$DIR/b.log" || bail "B: the driver starts"
sleep 0.5	# the lookup now waits for slowdns, 1.5 s to go
t0=$(now_ms)
kill -TERM "$TOOL_PID"
if wait_for 1 exited "$TOOL_PID"; then
	rc=0
	wait "$TOOL_PID" || rc=$?
	elapsed=$(( $(now_ms) - t0 ))
	ns_forget_pid "$TOOL_PID"
	TOOL_PID=
	check "B: SIGTERM during a stuck lookup: the driver exits 0 (rc $rc, after $elapsed ms)" [ "$rc" -eq 0 ]
else
	not_ok "B: SIGTERM during a stuck lookup: the driver exits within 1 s"
fi
check "B: ... through its signalfd (no worker thread took the signal)" grep -q '^signal TERM' "$DIR/b.log"
check "B: ... while the lookup was still pending" [ -z "$(line_of b.log stuck.test OK)" ]
[ "$TAP_FAILED" -gt 0 ] && show b.log

# --- C: a name removed from the zone mid-run ------------------------------------
printf 'nameserver %s\noptions timeout:5 attempts:1\n' "$DNS4" >"$ETC_NS/resolv.conf"
tool_bg c.log -t 8000 -r 300 -R 300 -d 20000 gone.test
if wait_for 5 has_line c.log gone.test OK; then
	ok "C: gone.test resolves ($(field 4 "$(line_of c.log gone.test OK)"))"
else
	not_ok "C: gone.test resolves within 5 s"
fi
check "C: the queries came over IPv4" grep -q "^query gone.test A from $DNS4:" "$DIR/slowdns.log"
sed -i '/^gone\.test/d' "$DIR/zone"
kill -HUP "$DNS_PID"
wait_for 2 grep -q '^reloaded 3 records' "$DIR/slowdns.log" || not_ok "C: slowdns re-reads its zone on SIGHUP"
if wait_for 8 has_line c.log gone.test FAILED; then
	l=$(line_of c.log gone.test FAILED)
	check "C: once removed, gone.test fails ($(field 5 "$l"))" [ "$(field 5 "$l")" = "Name or service not known" ]
	check "C: ... keeping its last good address ($(field 4 "$l"))" [ "$(field 4 "$l")" = "192.0.2.11" ]
else
	not_ok "C: gone.test fails within 8 s of its removal"
fi
kill -TERM "$TOOL_PID"
wait_for 2 exited "$TOOL_PID"
rc=0
wait "$TOOL_PID" || rc=$?
ns_forget_pid "$TOOL_PID"
TOOL_PID=
gap=$(sed -n 's/.*max-gap=\([0-9]*\).*/\1/p' "$DIR/c.log")
check "C: the driver exits 0 on SIGTERM (rc $rc)" [ "$rc" -eq 0 ]
check "C: the ticker never stalled more than $MAX_GAP_MS ms (longest gap ${gap:-?} ms)" \
	in_range "$gap" 0 $((MAX_GAP_MS + 1))
[ "$TAP_FAILED" -gt 0 ] && { show c.log; show slowdns.log; }

tap_done
