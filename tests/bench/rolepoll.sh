#!/bin/bash
# rolepoll.sh HOST PORT [INTERVAL_S]: ask HOST:PORT for ROLE every INTERVAL_S
# (default 0.01) and print "<EPOCHREALTIME> master|slave" for every reply,
# stamped when the reply was read.
#
# Pure bash, no fork per sample: a fresh connection per sample through
# /dev/tcp (a connect, "ROLE", the first three reply lines "*<n>", "$<len>",
# "<role>", close), and the pause is a read with a timeout on a pipe nobody
# writes to. A fresh connection each time, because Sentinel's promotion kills
# client connections (docs/design.md, "What kills client connections") and redis-cli's own reconnect in repeat
# mode (-r -1 -i 0.01) was measured here to leave holes of 100-160 ms right
# at that moment. Stop it with SIGTERM (tests/bench/lib.sh, bench_rolepoll_*).
host=$1 port=$2 interval=${3:-0.01}
trap 'exit 0' TERM INT
exec {tick}<> <(:)
while :; do
	if exec 3<>"/dev/tcp/$host/$port"; then
		if printf 'ROLE\r\n' >&3 && read -r -t 1 -u 3 _ && read -r -t 1 -u 3 _ &&
			read -r -t 1 -u 3 role; then
			role=${role%$'\r'}
			case $role in
			master | slave) echo "$EPOCHREALTIME $role" ;;
			esac
		fi
		exec 3>&-
	fi 2>/dev/null
	read -r -t "$interval" -u "$tick"
done
