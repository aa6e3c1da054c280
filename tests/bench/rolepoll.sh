#!/bin/bash
# rolepoll.sh HOST PORT [INTERVAL_S]: ask HOST:PORT for ROLE every INTERVAL_S
# (default 0.01) and print "<EPOCHREALTIME> master|slave" for every reply.
#
# One redis-cli in repeat mode (-r -1 -i) does the polling, so no fork per
# sample; bash only stamps its output lines. ROLE's first element is the only
# reply line that can read exactly "master" or "slave" (the rest are
# addresses, ports, offsets and a link state). When the connection is killed
# (Sentinel's promotion transaction does CLIENT KILL, reference A.2)
# redis-cli reconnects by itself; if it gives up, it is started again 10 ms
# later. Stop it with SIGTERM (tests/bench/lib.sh, bench_rolepoll_*).
host=$1 port=$2 interval=${3:-0.01}
cli=
trap '[ -n "$cli" ] && kill "$cli" 2>/dev/null; exit 0' TERM INT
while :; do
	exec 3< <(exec timeout 600 redis-cli -h "$host" -p "$port" -r -1 -i "$interval" ROLE 2>/dev/null)
	cli=$!
	while IFS= read -r -u 3 line; do
		case $line in
		master | slave) echo "$EPOCHREALTIME $line" ;;
		esac
	done
	exec 3<&-
	wait "$cli" 2>/dev/null
	cli=
	sleep 0.01
done
