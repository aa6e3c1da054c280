# shellcheck shell=bash disable=SC2034,SC2154,SC2153  # globals of failover.sh
# The summary of tests/bench/failover.sh: sourced by it, functions only.
# bench_summary prints every part that is done (FAILOVER_DONE, RB_DONE,
# IDLE1_DONE, IDLE32_DONE), so that a part that fails late still leaves the
# figures of the ones before it.

stat_line() {
	# shellcheck disable=SC2086
	printf '  %-14s %5s %7s %7s %7s   %s\n' "$1" "$2" "$(bench_median $3)" "$(bench_min $3)" "$(bench_max $3)" "$(printf '%s ' $3)"
}

# fmt_s MS: seconds with two decimals ("-" stays).
fmt_s() { awk -v m="$1" 'BEGIN { if (m == "-" || m == "") print "-"; else printf "%.2f\n", m / 1000 }'; }
sum_words() { awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s + 0 }' <<<"$1"; }
# cell_median SETUP NS CLIENT: the median outage of the cell (ms, "-").
cell_median() {
	# shellcheck disable=SC2086
	bench_median ${OUTAGES["$1 $2/$3"]:-}
}
# syn_pair SETUP CLIENT: "a / b" over the client namespaces, in seconds.
syn_pair() {
	local ns out=''
	for ns in $CLIENT_NS; do out+="${out:+ / }$(fmt_s "$(cell_median "$1" "$ns" "$2")")"; done
	echo "$out"
}

failover_summary() {
	local s ns c cell syns='' lost repl med tuned goal hp
	for ns in $CLIENT_NS; do syns+="${syns:+ / }${CLIENT_SYN[$ns]}"; done
	echo "== Client write outage after kill -9 of the master (ms: kill to the first acknowledged write) =="
	if [ "${BENCH_CLIENT_SETTINGS:-defaults}" = tuned ]; then
		echo "  every client issues SET <key>:<n> every 10 ms: the Node libraries ($(bench_node_versions)) TUNED"
		echo "  (BENCH_CLIENT_SETTINGS=tuned: reconnect after min(k * 50, 200) ms, connect timeout 500 ms),"
	else
		echo "  every client issues SET <key>:<n> every 10 ms: the Node libraries at their default settings ($(bench_node_versions)),"
	fi
	echo "  the probe (writer) with 200 ms timeouts and a new connection every 250 ms; vipd through $CLUSTER_VIP, HAProxy through $BENCH_HP_IP;"
	echo "  syn: net.ipv4.tcp_syn_linear_timeouts in the client's namespace; lost: acknowledged writes missing on the new master,"
	echo "  all runs (acked after the kill + acked before it); refused: the client's connects refused during the outage, median;"
	echo "  $N failovers per set-up, set-ups rotated, all clients at once; ${FAILOVER_SECONDS} s for all; down-after-milliseconds 1000"
	printf '  %-14s %-4s %-11s %5s %7s %7s %7s %7s %7s   %s\n' setup syn client ok median min max lost refused "all runs"
	for s in $SETUPS; do
		for ns in $CLIENT_NS; do
			for c in $BENCH_CLIENTS; do
				cell="$s $ns/$c"
				lost=$(sum_words "${LOST[$cell]:-}"); repl=$(sum_words "${LOSTREPL[$cell]:-}")
				# shellcheck disable=SC2086
				printf '  %-14s %-4s %-11s %5s %7s %7s %7s %7s %7s   %s\n' "$s" "${CLIENT_SYN[$ns]}" "$c" \
					"${OKRUNS[$cell]:-0}/$((${OKRUNS[$cell]:-0} + ${FAILRUNS[$cell]:-0}))" \
					"$(bench_median ${OUTAGES[$cell]:-})" "$(bench_min ${OUTAGES[$cell]:-})" \
					"$(bench_max ${OUTAGES[$cell]:-})" "$lost+$repl" "$(bench_median ${REFUSED[$cell]:-})" \
					"$(printf '%s ' ${OUTAGES[$cell]:-})"
				# shellcheck disable=SC2086
				tsv failover "$s/$ns/$c" median_outage_ms "$(bench_median ${OUTAGES[$cell]:-})"
				tsv failover "$s/$ns/$c" lost_after_kill "$lost"
				tsv failover "$s/$ns/$c" lost_before_kill "$repl"
				tsv failover "$s/$ns/$c" failed_runs "${FAILRUNS[$cell]:-0}"
			done
		done
	done
	[ "${SETUP_FAILS[*]:-}" = "" ] ||
		for s in $SETUPS; do
			[ -z "${SETUP_FAILS[$s]:-}" ] || echo "  $s: ${SETUP_FAILS[$s]} run(s) that did not start or where a client wrote nothing within 20 s"
		done
	if [[ " $SETUPS " == *" vipd "* ]] && [[ " $SETUPS " == *" haproxy-seed "* ]]; then
		ratio=$(bench_ratio "$(cell_median vipd c writer)" "$(cell_median haproxy-seed c writer)")
		echo "  median outage ratio vipd/HAProxy (seed configuration), the probe in c: $ratio"
		tsv failover ratio median_outage_vipd_over_haproxy "$ratio"
	fi
	echo
	echo "== Median outage (s) per client; each cell: tcp_syn_linear_timeouts $syns =="
	printf '  %-11s' client
	for s in $SETUPS; do printf ' %15s' "$s"; done
	echo
	for c in $BENCH_CLIENTS; do
		printf '  %-11s' "$c"
		for s in $SETUPS; do printf ' %15s' "$(syn_pair "$s" "$c")"; done
		echo
	done
	echo
	if [[ " $SETUPS " == *" vipd "* ]]; then
		echo "== Targets (reported, not asserted): vipd's median outage <= 2.1 s, and no worse than tuned HAProxy's, per syn setting =="
		for c in $BENCH_CLIENTS; do
			goal='' hp=''
			for ns in $CLIENT_NS; do
				med=$(cell_median vipd "$ns" "$c")
				goal+="${goal:+ / }$(awk -v m="$med" 'BEGIN { if (m == "-") print "-"; else print (m <= 2100) ? "met" : "MISSED" }')"
				if [[ " $SETUPS " == *" haproxy-tuned "* ]]; then
					tuned=$(cell_median haproxy-tuned "$ns" "$c")
					hp+="${hp:+ / }$(awk -v m="$med" -v t="$tuned" 'BEGIN {
						if (m == "-" || t == "-") print "-"; else print (m <= t) ? "met" : "MISSED" }')"
				fi
			done
			printf '  %-11s vipd %-13s <= 2.1 s: %-15s' "$c" "$(syn_pair vipd "$c")" "$goal"
			[ -n "$hp" ] && printf ' tuned HAProxy %-13s no worse: %s' "$(syn_pair haproxy-tuned "$c")" "$hp"
			echo
		done
		echo
	fi
}

# bench_summary [NOTE]: the summary on stdout; NOTE goes into its header
# (e.g. that a later part failed).
bench_summary() {
	LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
	TOTAL=$(($(date +%s) - T0))
	tsv run all seconds "$TOTAL"
		echo "vipd benchmark: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) CPUs"
		echo "  vipd $top_builddir/src/vipd (early-claim ${BENCH_EARLY_CLAIM:-default}), $(haproxy -v | head -n 1 | awk '{ print $1, $2, $3 }'), $("${VIPD_REDIS_SERVER:-redis-server}" --version | awk '{ print $1, $2, $3 }')"
		echo "  load average at start $LOAD0, at end $LOAD1; run time ${TOTAL} s${1:+ ($1)}"
		echo
		if [ -n "$FAILOVER_DONE" ]; then
			failover_summary
			echo "== Crash to the replica reporting role:master (ms: kill to the first ROLE reply \"master\", polled every 10 ms) =="
			printf '  %-14s %5s %7s %7s %7s   %s\n' setup n median min max "all runs"
			all_roles=
			for s in $SETUPS; do
				# shellcheck disable=SC2086
				stat_line "$s" "$(echo ${ROLES[$s]:-} | wc -w)" "${ROLES[$s]:-}"
				all_roles+=" ${ROLES[$s]:-}"
				# shellcheck disable=SC2086
				tsv failover "$s" median_role_master_ms "$(bench_median ${ROLES[$s]:-})"
			done
			# shellcheck disable=SC2086
			stat_line all "$(echo $all_roles | wc -w)" "$all_roles"
			echo "  vipd runs, kill to +vip-acquired in the new master's vipd log (ms):"
			for s in $SETUPS; do
				[[ $s == vipd* ]] || continue
				# shellcheck disable=SC2086
				stat_line "$s" "$(echo ${VIPACQ[$s]:-} | wc -w)" "${VIPACQ[$s]:-}"
				# shellcheck disable=SC2086
				tsv failover "$s" median_vip_acquired_ms "$(bench_median ${VIPACQ[$s]:-})"
			done
			echo
			echo "== The probe's outage beyond the promotion (ms: c/writer's outage minus kill-to-role:master, per run) =="
			printf '  %-14s %5s %7s %7s %7s   %s\n' setup n median min max "all runs"
			for s in $SETUPS; do
				# shellcheck disable=SC2086
				stat_line "$s" "$(echo ${AFTERS[$s]:-} | wc -w)" "${AFTERS[$s]:-}"
				# shellcheck disable=SC2086
				tsv failover "$s" median_outage_after_role_ms "$(bench_median ${AFTERS[$s]:-})"
			done
			if [ "$BENCH_DELAY_WAITS" -gt 0 ]; then
				echo "  between runs, $BENCH_DELAY_WAITS time(s) the sentinels marked the just-promoted master down, tried a"
				echo "  failover and aborted it (no good replica); the next run waited out Sentinel's 2 x failover-timeout delay"
			fi
			tsv failover all sentinel_delay_waits "$BENCH_DELAY_WAITS"
			echo
			echo "== Announcement (us: from vipd's decision to hold, in the loop turn of the input that decided it) =="
			echo "  address = the VIP on the interface (netlink ack), frames = first gratuitous ARPs handed to the kernel,"
			echo "  wire = first ARP for the VIP in the client's capture (tcpdump -tt in the client namespace)"
			printf '  %-14s %5s %7s %7s %7s   %s\n' step n median min max "all runs"
			# shellcheck disable=SC2086
			stat_line address "$(echo $ANN_ADDR | wc -w)" "$ANN_ADDR"
			# shellcheck disable=SC2086
			stat_line frames "$(echo $ANN_FRAMES | wc -w)" "$ANN_FRAMES"
			# shellcheck disable=SC2086
			stat_line wire "$(echo $ANN_WIRE | wc -w)" "$ANN_WIRE"
			# shellcheck disable=SC2086
			tsv failover vipd median_announce_wire_us "$(bench_median $ANN_WIRE)"
			echo
		fi
		if [ -n "$RB_DONE" ]; then
			echo "== redis-benchmark from the client: -t set,get -n $BENCH_RB_N -c 20 -P 1, median of $RB_ROUNDS rounds (master $RB_MASTER) =="
			printf '  %-8s %-4s %10s %8s %8s\n' path test "req/s" "p50 ms" "p99 ms"
			for t in direct vip haproxy; do
				for op in SET GET; do
					rps=$(bench_rb_median "$t" "$op" 3); p50=$(bench_rb_median "$t" "$op" 4); p99=$(bench_rb_median "$t" "$op" 5)
					printf '  %-8s %-4s %10s %8s %8s\n' "$t" "$op" "$rps" "$p50" "$p99"
					tsv rb "$t" "$op.rps" "$rps"; tsv rb "$t" "$op.p50_ms" "$p50"; tsv rb "$t" "$op.p99_ms" "$p99"
				done
			done
			for op in SET GET; do
				a=$(bench_ratio "$(bench_rb_median vip "$op" 3)" "$(bench_rb_median direct "$op" 3)")
				b=$(bench_ratio "$(bench_rb_median vip "$op" 3)" "$(bench_rb_median haproxy "$op" 3)")
				echo "  $op throughput ratio VIP/direct: $a   VIP/HAProxy: $b"
				tsv rb ratio "$op.vip_over_direct" "$a"; tsv rb ratio "$op.vip_over_haproxy" "$b"
			done
			echo
		fi
		if [ -n "$IDLE1_DONE" ]; then
			echo "== vipd idle, 1 VIP, ${IDLE} s (VmRSS/VmHWM kB; CPU = utime+stime ms over the interval) =="
			printf '  %-3s %-14s %9s %9s %12s %8s\n' node role VmRSS VmHWM "CPU ms" "CPU %"
			printf '%s' "$IDLE1_LINES"
			echo
			if [ -n "$IDLE32_DONE" ]; then
				echo "== vipd idle, $NVIPS VIPs in one process (m0..m$((NVIPS - 1)), 192.0.2.101..$((100 + NVIPS))), ${IDLE} s =="
				printf '  %-3s %-14s %9s %9s %12s %8s\n' node role VmRSS VmHWM "CPU ms" "CPU %"
				printf '%s' "$IDLE32_LINES"
				echo "  $EXTRA_NOTE"
				echo
			fi
		fi
}
