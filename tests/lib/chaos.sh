# Scenario helpers for tests/net/chaos.sh. Source tests/lib/netns.sh and
# tests/lib/cluster.sh first (bash).
#
# One scenario = chaos_begin, the fault (chaos_fault marks t=0), waiting for
# the outcome, chaos_end. Between chaos_begin and chaos_end four observers
# run: the writer (through the VIP, keys s<id>:<n>), the sampler (who holds
# the VIP, every 10 ms), and the monitor (what each Sentinel names as master
# and each data node's ROLE, every 20 ms, from the client namespace).
# chaos_end turns their logs into figures and the common checks:
#
#   release   ms from the fault to the first sample without the holder of
#             the VIP at the fault ("-": it never let go)
#   claim     ms from the fault to the first sample, after the release, with
#             the VIP on the final holder ("-": no release)
#   max_gap   largest gap between two acknowledged writes (ms)
#   lost_vip  acknowledged writes missing on the final master that
#             replication cannot explain (must be 0)
#   lost_repl acknowledged writes missing on the final master, acknowledged
#             by the master Sentinel named at the time: lost by Redis's
#             asynchronous replication (or by a partition), not by the VIP
#   bad_acks  writes acknowledged by a node that was not the master Sentinel
#             named at the time: the write was *sent* after a majority of the
#             sentinels had named another node, and the node that took it is
#             not the one they named next either (that allowance covers an
#             early claim, made before the others hear of the promotion)
#   multi     samples with two holders; overlap: ms they cover
#   flaps     times the final holder lost the VIP again after its claim
#             (checked unless SC_NO_FLAP_CHECK=1; a release because a
#             sentinel leads a failover away from it does not count: that
#             is Sentinel's own, possibly spurious, decision)
#
# The Sentinel-named master at time t is what a majority of the sentinels
# answered in the monitor's last poll before t (when no majority answers,
# the last majority answer stands: stopped sentinels change no
# configuration).

# shellcheck disable=SC2034  # CHAOS_* and SC_STATS are read by tests/net/chaos.sh
CHAOS_M='' CHAOS_R='' CHAOS_DEAD='' CHAOS_VIPD_EXTRA_CUR='' CHAOS_UP=0
CHAOS_NO_VIPD=${CLUSTER_NO_VIPD:-0}
SC_ID='' SC_NAME='' SC_DIR='' SC_T0=0 SC_TF=0 SC_ALLOW_MULTI=0 SC_STATS=''

chaos_other() { [ "$1" = n1 ] && echo n2 || echo n1; }
chaos_node_of_ip() {
	local n
	for n in n1 n2 n3; do [ "${CLUSTER_IP[$n]}" = "$1" ] && { echo "$n"; return; }; done
	echo "?"
}

# chaos_named_master: the ip a majority of the sentinels names now ("" if none).
chaos_named_master() {
	local n
	for n in $CLUSTER_SENTINEL_NODES; do cluster_master_of "$n"; done |
		sort | uniq -c | awk '$1 >= 2 && $2 != "" { print $2; exit }'
}

chaos_start_vipd() {
	if [ "$CHAOS_NO_VIPD" = 1 ]; then cluster_start_standin "$1"; else cluster_start_vipd "$1"; fi
}

# chaos_vipctl_dump NODE FIELD: one field of `vipctl dump` (4 state, 13 reason).
chaos_vipctl_dump() { cluster_vipctl "$1" dump 2>/dev/null | awk -F'\t' -v f="$2" 'NR == 1 { print $f }'; }

# A healthy cluster: all three sentinels name the same data node, no failover
# in progress, it says master, the other one is its replica in sync, vipd runs
# on both and the VIP is on the master only. Sets CHAOS_M and CHAOS_R.
chaos_healthy() {
	local n m ip
	ip=$(cluster_master_of n1)
	[ -n "$ip" ] || return 1
	for n in $CLUSTER_SENTINEL_NODES; do
		[ "$(cluster_master_of "$n")" = "$ip" ] || return 1
		[ "$(cluster_sentinel_field "$n" flags)" = master ] || return 1
		[ "$(cluster_sentinel_field "$n" num-other-sentinels)" = 2 ] || return 1
	done
	m=$(chaos_node_of_ip "$ip")
	case $m in n1 | n2) ;; *) return 1 ;; esac
	[ "$(cluster_role "$m")" = master ] || return 1
	[ "$(cluster_role "$(chaos_other "$m")")" = slave ] || return 1
	cluster_replica_synced "$(chaos_other "$m")" || return 1
	for n in $CLUSTER_DATA_NODES; do
		[ -n "${CLUSTER_VIPD_PID[$n]:-}" ] && kill -0 "${CLUSTER_VIPD_PID[$n]}" 2>/dev/null || return 1
	done
	cluster_holders_are "$m" || return 1
	CHAOS_M=$m CHAOS_R=$(chaos_other "$m")
}

chaos_rebuild() {
	local n
	[ "$CHAOS_UP" = 1 ] && cluster_down
	CHAOS_UP=0 CHAOS_DEAD=''
	cluster_up || return 1
	CHAOS_UP=1
	# Names mode is only worth running if Sentinel does speak names.
	if [ "${CLUSTER_NAMES:-0}" = 1 ] && [ "$(cluster_master_said n3)" != "${CLUSTER_HOST[n1]}" ]; then
		diag "CLUSTER_NAMES=1 but n3's Sentinel names '$(cluster_master_said n3)', not ${CLUSTER_HOST[n1]}"
		return 1
	fi
	for n in $CLUSTER_DATA_NODES; do chaos_start_vipd "$n" || return 1; done
	CHAOS_VIPD_EXTRA_CUR=${CLUSTER_VIPD_EXTRA:-}
}

# chaos_ensure EXTRA: a healthy cluster whose vipds run with EXTRA in their
# vip section; reuses the running cluster when it is healthy (restarting
# the vipds if their configuration differs), otherwise builds a new one.
chaos_ensure() {
	local n
	export CLUSTER_VIPD_EXTRA=$1
	if [ "$CHAOS_UP" = 1 ] && wait_for 15 chaos_healthy; then
		if [ "$CHAOS_VIPD_EXTRA_CUR" != "$CLUSTER_VIPD_EXTRA" ]; then
			for n in $CLUSTER_DATA_NODES; do cluster_stop_vipd "$n"; done
			for n in $CLUSTER_DATA_NODES; do chaos_start_vipd "$n" || return 1; done
			CHAOS_VIPD_EXTRA_CUR=$CLUSTER_VIPD_EXTRA
		fi
	else
		[ "$CHAOS_UP" = 1 ] && diag "cluster not healthy after the last scenario: building a new one"
		chaos_rebuild || return 1
	fi
	wait_for 15 chaos_healthy
}

chaos_acks_over() {
	local c
	c=$(grep -c '^ack ' "$CLUSTER_DIR/c/writer.log" 2>/dev/null)
	[ "${c:-0}" -gt "$1" ]
}

# chaos_variant: " (...)" after a scenario's name when the cluster is not
# the plain one (names, TLS, Valkey).
chaos_variant() {
	local v=() out="" x
	if [ "${CLUSTER_NAMES:-0}" = 1 ]; then
		if [ "${CLUSTER_VIPD_NAMES:-1}" = 0 ]; then
			v+=("Sentinel speaks names, vipd configured with addresses")
		else
			v+=("names")
		fi
	fi
	[ "${CLUSTER_TLS:-0}" = 1 ] && v+=("TLS")
	[[ ${VIPD_REDIS_SERVER:-redis-server} == *valkey* ]] && v+=("Valkey")
	for x in "${v[@]}"; do out+="${out:+, }$x"; done
	[ -z "$out" ] || echo " ($out)"
}

# chaos_begin ID NAME: start the observers; returns once writes are acknowledged.
chaos_begin() {
	SC_ID=$1 SC_NAME="$2$(chaos_variant)" SC_ALLOW_MULTI=0 SC_HOLD_ACKS=0 SC_NO_FLAP_CHECK=0 SC_TF=0
	SC_DIR="$CLUSTER_DIR/s$SC_ID"
	mkdir -p "$SC_DIR"
	SC_T0=$(cluster_now) SC_WALL0=$(date +%H:%M:%S.%3N)
	export CLUSTER_WRITER_PREFIX="s$SC_ID"
	cluster_start_monitor "$SC_DIR/monitor.log" 20 || return 1
	cluster_start_sampler 10 || return 1
	cluster_start_writer || return 1
	wait_for 5 chaos_acks_over 30 || return 1
	sleep 0.3
}

chaos_fault() { SC_TF=$(cluster_now); }

# chaos_samples_with NODE FROM TO: samples in [FROM, TO] where NODE holds the VIP.
chaos_samples_with() {
	awk -v n="$1" -v f="$2" -v t="$3" '$1 != "end" && $1 >= f && $1 <= t {
		k = split($2, h, ","); for (i = 1; i <= k; i++) if (h[i] == n) c++ }
		END { print c + 0 }' "$CLUSTER_DIR/sampler.log"
}
# chaos_samples_without NODE FROM TO: samples in [FROM, TO] where NODE does not hold it.
chaos_samples_without() {
	awk -v n="$1" -v f="$2" -v t="$3" '$1 != "end" && $1 >= f && $1 <= t {
		k = split($2, h, ","); has = 0; for (i = 1; i <= k; i++) if (h[i] == n) has = 1; if (!has) c++ }
		END { print c + 0 }' "$CLUSTER_DIR/sampler.log"
}
# chaos_first_sample FROM NODE yes|no: ms of the first sample at or after
# FROM where NODE holds (yes) or does not hold (no) the VIP; "" if none.
chaos_first_sample() {
	awk -v f="$1" -v n="$2" -v w="$3" '$1 != "end" && $1 >= f {
		k = split($2, h, ","); has = 0; for (i = 1; i <= k; i++) if (h[i] == n) has = 1
		if ((w == "yes") == has) { print $1; exit } }' "$CLUSTER_DIR/sampler.log"
}
# chaos_monitor_first FROM LABEL VALUE: ms of the first monitor line at or
# after FROM where LABEL reports VALUE ("" if none).
chaos_monitor_first() {
	cluster_monitor_sorted "$SC_DIR/monitor.log" |
		awk -v f="$1" -v l="$2" -v v="$3" '$1 >= f && $2 == l && $3 == v { print $1; exit }'
}

# chaos_monitor_majority_is IP: the monitors' latest answers of a majority
# of the Sentinels name IP.
chaos_monitor_majority_is() {
	cluster_monitor_sorted "$SC_DIR/monitor.log" |
		awk -v ip="$1" '$2 ~ /^s-/ { v[$2] = $3 } END { for (s in v) if (v[s] == ip) n++; exit !(n >= 2) }'
}

# chaos_sampler_figures TF FINAL: release claim multi overlap flaps (see top).
chaos_sampler_figures() {
	awk -v tf="$1" -v fin="$2" '
		function has(s, n,   k, i, h) { k = split(s, h, ","); for (i = 1; i <= k; i++) if (h[i] == n) return 1; return 0 }
		$1 == "end" { next }
		{
			if (pt != "" && pm) overlap += $1 - pt
			pm = ($2 ~ /,/); if (pm) multi++
			pt = $1
			if ($1 < tf) { old = $2; next }
			if (rel == "" && old != "-" && old != "" && !has($2, old)) rel = $1 - tf
			if (claim == "" && has($2, fin) && (fin != old || rel != "")) {
				claim = $1 - tf; held = 1; next
			}
			if (claim != "") { if (held && !has($2, fin)) flaps++; held = has($2, fin) }
		}
		END { printf "%s %s %d %d %d\n", rel == "" ? "-" : rel, claim == "" ? "-" : claim,
			multi, overlap, flaps }' "$CLUSTER_DIR/sampler.log"
}

# chaos_write_figures FINAL_IP: acks max_gap lost_vip lost_repl bad_acks
# (see top); the offending acks go to $SC_DIR/bad-acks.
chaos_write_figures() {
	local fin=$1 p=$CLUSTER_WRITER_PREFIX fnode
	fnode=$(chaos_node_of_ip "$fin")
	cluster_redis_cli "$fnode" --scan --pattern "$p:*" >"$SC_DIR/keys.final" || return 1
	cluster_monitor_sorted "$SC_DIR/monitor.log" >"$SC_DIR/monitor.sorted"
	cluster_writer_acks_by_node >"$SC_DIR/acks"
	awk -v fin="$fin" -v p="$p" -v bad="$SC_DIR/bad-acks" '
		FILENAME ~ /monitor.sorted$/ {
			if ($2 !~ /^s-/) next
			v[$2] = $3
			m = ""
			for (a in v) { c = 0; for (b in v) if (v[b] == v[a] && v[a] != "-") c++; if (c >= 2) m = v[a] }
			if (m != "" && m != cur) { K++; ct[K] = $1; cv[K] = m; cur = m }
			next
		}
		FILENAME ~ /keys.final$/ { have[$1] = 1; next }
		{
			n = $1; t = $2; ip = $3; sent = $4; acks++
			if (prev != "" && t - prev > gap) gap = t - prev
			prev = t
			i = 0; for (k = 1; k <= K; k++) if (ct[k] <= sent) i = k
			now = i ? cv[i] : "?"; nxt = (i < K) ? cv[i + 1] : ""
			legit = (ip == now || ip == nxt || now == "?")
			if (!legit) { nbad++; print "ack", n, "at", t, "sent", sent, "by", ip, "named", now, "next", nxt > bad }
			if (!((p ":" n) in have)) {
				if (legit && ip != fin) repl++
				else { lost++; print "missing", n, "at", t, "by", ip > bad }
			}
		}
		END { printf "%d %d %d %d %d\n", acks, gap, lost, repl, nbad }
	' "$SC_DIR/monitor.sorted" "$SC_DIR/keys.final" "$SC_DIR/acks"
}

chaos_ms() { if [ "$1" = - ]; then echo -; else cluster_ms_to_s "$1"; fi; }

# chaos_end: stop the observers, the figures, the common checks, the report.
# SC_ALLOW_MULTI=1: the scenario checks double holding itself; SC_HOLD_ACKS=1:
# see below.
chaos_end() {
	local fin fnode hold rel claim multi overlap flaps acks gap lost repl bad tag
	tag="[$SC_ID]"
	cluster_stop_writer
	cluster_stop_sampler
	# The write figures judge each ack against the monitors' record of who
	# the majority named: on a busy machine the monitors may not have
	# polled the last switch yet. Let them catch up with what the
	# Sentinels say now (5 s at most; a disagreement then shows below).
	fin=$(chaos_named_master)
	[ -n "$fin" ] && wait_for 5 chaos_monitor_majority_is "$fin"
	cluster_stop_monitor
	fin=$(chaos_named_master)
	fnode=$(chaos_node_of_ip "$fin")
	hold=$(cluster_holders)
	check "$tag the VIP ends on the master Sentinel names ($fnode, $fin) and only there (holders: $hold)" \
		test -n "$fin" -a "$hold" = "$fnode"
	read -r rel claim multi overlap flaps <<<"$(chaos_sampler_figures "$SC_TF" "$fnode")"
	read -r acks gap lost repl bad <<<"$(chaos_write_figures "$fin")"
	if [ "$SC_ALLOW_MULTI" = 1 ]; then
		diag "$tag $multi samples with two holders (checked by the scenario)"
	else
		check "$tag never two holders of the VIP ($multi samples)" test "$multi" = 0
	fi
	if [ "${SC_NO_FLAP_CHECK:-0}" = 1 ]; then
		diag "$tag the final holder lost the VIP $flaps times after its claim (not checked here)"
	elif [ "${flaps:-0}" != 0 ] && [ -s "$CLUSTER_DIR/$fnode/vipd.log" ]; then
		# Why did it let go? A failover led away from it by a reachable
		# sentinel is Sentinel's decision (a spurious one, e.g. by a
		# freshly restarted sentinel): releasing is right. Anything else
		# is vipd dropping a VIP it had rightly claimed.
		awk -v from="$SC_WALL0" '$2 >= from && / notice: / && /[+-]vip-/' "$CLUSTER_DIR/$fnode/vipd.log" |
			awk '/\+vip-acquired/ { a = 1 } a && /-vip-released/ && !/vipd is stopping/' >"$SC_DIR/flaps"
		sed 's/^/#   /' "$SC_DIR/flaps" | cut -c1-200
		check "$tag the final holder keeps the VIP once it has claimed it, unless a sentinel leads a failover away from it ($flaps flaps)" \
			test "$(grep -vc 'leads a failover away' "$SC_DIR/flaps")" = 0
	else
		check "$tag the final holder keeps the VIP once it has claimed it (no release/re-acquire flap: $flaps)" \
			test "${flaps:-0}" = 0
	fi
	# SC_HOLD_ACKS=1 (a hold-down longer than down-after, which vipd
	# warns about): the old holder, cut off, keeps the VIP until its
	# hold-down ends, so writes it takes after the majority named another
	# node and before that node's claim reached the client are the bound
	# overlap's, not a fault. Only those are set apart: by the old holder,
	# acknowledged before it let go; any other still fails below.
	local stale=0 stale_lost=0
	if [ "${SC_HOLD_ACKS:-0}" = 1 ] && [ "$rel" != - ] && [ -s "$SC_DIR/bad-acks" ]; then
		read -r stale stale_lost <<<"$(awk -v ip="${CLUSTER_IP[$CHAOS_M]}" -v until=$((SC_TF + rel)) '
			$1 == "ack" && $8 == ip && $4 <= until { a++ }
			$1 == "missing" && $6 == ip && $4 <= until { m++ }
			END { print a + 0, m + 0 }' "$SC_DIR/bad-acks")"
		diag "$tag $stale writes acknowledged by the old holder $CHAOS_M after the majority named another node, before it let go ($stale_lost of them lost)"
	fi
	check "$tag every acknowledged write not lost to replication is on the final master (missing: $lost, $stale_lost in the bound overlap)" \
		test $((lost - stale_lost)) = 0 -a "$acks" -gt 0
	check "$tag no write acknowledged by a node Sentinel did not name ($bad, $stale in the bound overlap)" \
		test $((bad - stale)) = 0
	[ -s "$SC_DIR/bad-acks" ] && head -n 5 "$SC_DIR/bad-acks" | sed 's/^/#   /'
	diag "$tag $SC_NAME: release $(chaos_ms "$rel") s, claim $(chaos_ms "$claim") s," \
		"max write gap $(chaos_ms "$gap") s, acked writes lost to the VIP $lost," \
		"lost to replication $repl, acks by a non-named node $bad, two-holder samples $multi" \
		"(overlap $(chaos_ms "$overlap") s), $acks acks"
	# refuse on the node that let go: clients' SYNs it kept and, at the
	# new holder's announcement, handed on to it or reset (vipd's debug
	# log). Its effect on safety is in the checks above.
	read -r SC_HANDED SC_RESET <<<"$(awk -v from="$SC_WALL0" '
		$2 >= from && /kept SYNs handed on/ {
			s = $0; sub(/ kept SYNs handed on, .*/, "", s); n = split(s, w, " "); h += w[n]
			s = $0; sub(/ reset$/, "", s); n = split(s, w, " "); r += w[n] }
		END { print h + 0, r + 0 }' "$CLUSTER_DIR"/n[12]/vipd.log 2>/dev/null)"
	diag "$tag refuse: $SC_HANDED kept SYNs handed on to the new holder, $SC_RESET reset at its announcement"
	diag "$tag holder timeline (s after the fault):"
	cluster_sampler_timeline "$SC_TF" | sed 's/^/#   /'
	SC_STATS="rel=$rel claim=$claim gap=$gap lost=$lost repl=$repl bad=$bad multi=$multi overlap=$overlap"
	if [ -n "${CHAOS_REPORT:-}" ]; then
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$SC_ID" "$SC_NAME" "$rel" "$claim" "$gap" \
			"$lost" "$repl" "$bad" "$multi" "$overlap" "$acks" >>"$CHAOS_REPORT"
	fi
	# copies: the scenario's own checks still read them after chaos_end
	cp "$CLUSTER_DIR/sampler.log" "$CLUSTER_DIR/c/writer.log" "$SC_DIR/" 2>/dev/null
	diag "$tag $(cluster_ms_to_s $(($(cluster_now) - SC_T0))) s"
}
