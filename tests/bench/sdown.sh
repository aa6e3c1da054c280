#!/bin/bash
# How soon after a kill -9 of the master does each Sentinel declare it
# subjectively down (+sdown), and when does the promotion start, over plain
# text and over TLS? A measurement (numbers on stdout), not a test.
#
# The seed cluster of tests/lib/cluster.sh (3 Sentinels,
# down-after-milliseconds 1000, SENTINEL DEBUG info-period 1000
# publish-period 500), no vipd. Each round: every Sentinel's
# last-ok-ping-reply (ms since the master last answered its PING) is read,
# the master gets kill -9, the Sentinels' logs give the times of +sdown,
# +odown, +failover-state-send-slaveof-noone (the leader sends the
# promotion) and +switch-master; then the old master is restarted as a
# replica and the next round kills the new master.
#
# Per Sentinel and round it prints
#   mode round sentinel age sdown [predicted]
# age: how long before the kill the master last answered that Sentinel's
# PING; sdown: ms from the kill to its +sdown; predicted: down-after - age,
# when +sdown would come if the Sentinel counted from the last answer
# rather than from its first unanswered PING. Then per round the first
# +odown, the promotion and +switch-master, and a summary per mode.
#
#   sudo tests/bench/sdown.sh                       (Redis from Debian)
#   sudo VIPD_REDIS_SERVER=.../valkey-server VIPD_REDIS_SENTINEL=.../valkey-sentinel \
#        VIPD_REDIS_CLI=.../valkey-cli tests/bench/sdown.sh   (Valkey, e.g. built
#        by tests/matrix/build.sh)
#
# Environment: SDOWN_ROUNDS (default 10), SDOWN_MODES (default "plain tls");
# top_builddir must hold tests/net/writer built with hiredis_ssl for the
# TLS mode (it is the cluster's admin client and monitor).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

tests=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/bench/setup.sh
. "$tests/bench/setup.sh"

ROUNDS=${SDOWN_ROUNDS:-10}
MODES=${SDOWN_MODES:-plain tls}
DOWN_AFTER=1000
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }

# log_ms "03 Dec 2026 13:49:39.881": epoch ms (Sentinel's log time stamps).
log_ms() { date -d "$1" +%s%3N; }

# first_event NODE EVENT AFTER_MS [MATCH]: ms (epoch) of NODE's Sentinel's
# first EVENT line at or after AFTER_MS (whose text contains MATCH), or "".
first_event() {
	local node=$1 ev=$2 after=$3 match=${4:-} line t
	while read -r line; do
		t=$(log_ms "$(awk '{ print $2, $3, $4, $5 }' <<<"$line")")
		[ "$t" -ge "$after" ] && { echo "$t"; return; }
	done < <(cat "$CLUSTER_DIR/$node"/sentinel/sentinel.log.* | grep -F -- " $ev " | grep -F -- "$match")
}

declare -A ALL_SDOWN=() ALL_PROMO=() ALL_EARLY=()

round() {
	local mode=$1 r=$2 master=$3 other=$4 n t_kill age q s
	declare -A ages=()
	for n in $CLUSTER_SENTINEL_NODES; do
		q=$(date +%s%3N)
		ages[$n]=$(cluster_sentinel_field "$n" last-ok-ping-reply)
		ages[$n]=$((ages[$n] + $(date +%s%3N) - q))	# aged to about now
	done
	q=$(date +%s%3N)
	cluster_kill_redis "$master"
	t_kill=$(date +%s%3N)
	for n in $CLUSTER_SENTINEL_NODES; do ages[$n]=$((ages[$n] + t_kill - q)); done
	all_name_other() { [ "$(cluster_sentinels_naming "${CLUSTER_IP[$other]}")" = 3 ]; }
	wait_for 20 all_name_other || { echo "# $mode round $r: the Sentinels did not all switch" >&2; return 1; }
	sleep 0.5
	for n in $CLUSTER_SENTINEL_NODES; do
		s=$(first_event "$n" +sdown "$((t_kill - 50))" "master $CLUSTER_MASTER_NAME ${CLUSTER_IP[$master]} ")
		age=${ages[$n]}
		printf '%-5s %2d  %s  age %4d ms  +sdown %5s ms  predicted %5d ms\n' "$mode" "$r" "$n" "$age" \
			"$([ -n "$s" ] && echo $((s - t_kill)) || echo -)" $((DOWN_AFTER - age))
		[ -n "$s" ] && ALL_SDOWN[$mode]+="$((s - t_kill)) "
		[ -n "$s" ] && [ $((s - t_kill)) -lt $DOWN_AFTER ] && ALL_EARLY[$mode]=$((${ALL_EARLY[$mode]:-0} + 1))
	done
	local od="" pr="" sw="" e
	for n in $CLUSTER_SENTINEL_NODES; do
		e=$(first_event "$n" +odown "$t_kill"); [ -n "$e" ] && { [ -z "$od" ] || [ "$e" -lt "$od" ]; } && od=$e
		e=$(first_event "$n" +failover-state-send-slaveof-noone "$t_kill")
		[ -n "$e" ] && { [ -z "$pr" ] || [ "$e" -lt "$pr" ]; } && pr=$e
		e=$(first_event "$n" +switch-master "$t_kill"); [ -n "$e" ] && { [ -z "$sw" ] || [ "$e" -lt "$sw" ]; } && sw=$e
	done
	printf '%-5s %2d  first +odown %s ms, promotion sent %s ms, +switch-master %s ms after the kill\n' "$mode" "$r" \
		"$([ -n "$od" ] && echo $((od - t_kill)) || echo -)" "$([ -n "$pr" ] && echo $((pr - t_kill)) || echo -)" \
		"$([ -n "$sw" ] && echo $((sw - t_kill)) || echo -)"
	[ -n "$pr" ] && ALL_PROMO[$mode]+="$((pr - t_kill)) "
	bench_restore "$master" "$other"
}

for mode in $MODES; do
	case $mode in
	plain) CLUSTER_TLS=0 ;;
	tls) CLUSTER_TLS=1 ;;
	*) echo "unknown mode $mode" >&2; exit 1 ;;
	esac
	export CLUSTER_TLS
	lacking=$(cluster_missing_tools)
	[ -z "$lacking" ] || { echo "missing: $lacking" >&2; exit 1; }
	cluster_up || { echo "cluster_up failed ($mode)" >&2; exit 1; }
	echo "# $mode: $("$VIPD_REDIS_SERVER" --version | cut -d' ' -f1-3), down-after-milliseconds $DOWN_AFTER"
	sleep 3
	m=n1 o=n2
	for ((r = 1; r <= ROUNDS; r++)); do
		# start each round at a different point of the Sentinels' 1 s PING cycle
		sleep "0.$((RANDOM % 10))"
		round "$mode" "$r" "$m" "$o" || break
		t=$m m=$o o=$t
		sleep 2
	done
	cluster_down
done

echo
echo "summary (ms after kill -9 of the master)"
for mode in $MODES; do
	# shellcheck disable=SC2086
	printf '%-5s +sdown: min %s median %s max %s (%d Sentinel-rounds, %d before down-after)  promotion sent: min %s median %s max %s\n' \
		"$mode" "$(bench_min ${ALL_SDOWN[$mode]:-})" "$(bench_median ${ALL_SDOWN[$mode]:-})" \
		"$(bench_max ${ALL_SDOWN[$mode]:-})" "$(wc -w <<<"${ALL_SDOWN[$mode]:-}")" "${ALL_EARLY[$mode]:-0}" \
		"$(bench_min ${ALL_PROMO[$mode]:-})" "$(bench_median ${ALL_PROMO[$mode]:-})" "$(bench_max ${ALL_PROMO[$mode]:-})"
done
