# timeline.awk: the milestones of one run of tests/bench/timeline.sh.
#
# Input: the observers' log, "<ms> <label> <rest>" lines (CLOCK_MONOTONIC
# ms), sorted by <ms> and cut to the run's window (from the fault to the
# next run's fault). Labels, one per server (tests/net/writer -m ...):
#   e-nX <channel> <payload>   a message nX's Sentinel published (PSUBSCRIBE *)
#   s-nX <ip>|-                nX's Sentinel's GET-MASTER-ADDR-BY-NAME answer
#   r-nX master|slave|-        nX's redis-server's ROLE
#   h-nX open|closed|down      an idle client connection to nX's redis-server
# The s- and r- monitors log changes only.
#
# Variables (-v): t0 (ms of the fault), scen (crash | restart | switchover),
# old, new (data nodes: the master before the fault and the other one; for
# restart, old is the restarted node and new the current master), oldip,
# newip, nodes (the Sentinels' nodes, "n1 n2 n3").
#
# Output, tab-separated, times in ms after t0 ("-": did not happen):
#   m <key> <label> <ms> <who> <kind>   the milestones of the scenario, in
#                                       their usual order; kind "ev" for a
#                                       Sentinel event (who: which Sentinels
#                                       published it: "all 3", "leader (nX)",
#                                       "one (nX)" for another single one, or
#                                       "2 of 3 (nX,nY)"), "obs" for what a poll or
#                                       a connection saw (who: a node)
#   e <event> <leader> <ms per Sentinel...>
#                                       first time each Sentinel published
#                                       each event (channel, plus the
#                                       instance type for events about an
#                                       instance: "+sdown master")
#   w <text>                            a warning (a subscriber lost its link)

BEGIN { nn = split(nodes, NODE, " ") }

# first(KEY, MS): milestone KEY happened at MS (the first time counts).
function first(key, ms) {
	if (!(key in T))
		T[key] = ms - t0
}

# pub(KEY, NODE, MS): NODE's Sentinel published the event behind KEY.
function pub(key, node, ms) {
	first(key, ms)
	if ((key, node) in PT)
		return
	PT[key, node] = ms - t0
	PN[key] = PN[key] (PN[key] == "" ? "" : ",") node
	PC[key]++
}

function who_pub(key) {
	if (!(key in PC))
		return "-"
	if (PC[key] == nn)
		return "all " nn
	if (leader != "" && PN[key] == leader)
		return "leader (" leader ")"
	if (PC[key] == 1)
		return "one (" PN[key] ")"
	return PC[key] " of " nn " (" PN[key] ")"
}

function out(key, label, kind, who) {
	printf "m\t%s\t%s\t%s\t%s\t%s\n", key, label, (key in T) ? T[key] : "-",
		kind == "ev" ? who_pub(key) : (who == "" ? "-" : who), kind
}

# rank(ARR, SKIP, K): the K-th earliest node in ARR[node] (ms), leaving out
# SKIP; "" if fewer. Sets RANK_MS.
function rank(arr, skip, k,   i, j, n, best, bt, used) {
	for (j = 1; j <= k; j++) {
		best = ""
		for (i = 1; i <= nn; i++) {
			n = NODE[i]
			if (n == skip || !(n in arr) || (n in used))
				continue
			if (best == "" || arr[n] < bt) { best = n; bt = arr[n] }
		}
		if (best == "")
			return ""
		used[best] = 1
	}
	RANK_MS = bt
	return best
}

# set(KEY, NODE_FROM_ARR...): a milestone from a per-node table.
function from_rank(key, arr, skip, k,   n) {
	n = rank(arr, skip, k)
	if (n != "")
		T[key] = RANK_MS
	WHO[key] = n
}

$2 ~ /^e-/ {
	node = substr($2, 3)
	if ($3 == "subscribed")
		next
	if ($3 == "lost") {
		printf "w\tthe subscriber to %s's Sentinel lost its link at %+d ms: events may be missing\n",
			node, $1 - t0
		next
	}
	ch = $3
	ek = ch
	if ($4 == "master" || $4 == "slave" || $4 == "sentinel")
		ek = ch " " $4
	if (!((ek, node) in E)) {
		E[ek, node] = $1 - t0
		if (!(ek in EO)) { EO[ek] = ++ne; EK[ne] = ek }
	}
	# payloads: "master <name> <ip> <port>", "slave <ip>:<port> <ip> <port>
	# @ <name> <master-ip> <master-port>", "+switch-master": "<name>
	# <old-ip> <old-port> <new-ip> <new-port>"
	m_old = $4 == "master" && $6 == oldip
	s_old = $4 == "slave" && $6 == oldip
	s_new = $4 == "slave" && $6 == newip
	if (ch == "+sdown" && m_old) pub("sdown", node, $1)
	if (ch == "+odown" && m_old) pub("odown", node, $1)
	if (ch == "+try-failover" && m_old) pub("try", node, $1)
	if (ch == "+elected-leader" && m_old) {
		pub("elected", node, $1)
		if (leader == "")
			leader = node
	}
	if (ch == "+selected-slave" && s_new) pub("selected", node, $1)
	if (ch == "+failover-state-send-slaveof-noone" && s_new) pub("noone", node, $1)
	if (ch == "+failover-state-wait-promotion" && s_new) pub("waitprom", node, $1)
	if (ch == "+promoted-slave" && s_new) pub("promoted", node, $1)
	if (ch == "+failover-end" && m_old) pub("fend", node, $1)
	if (ch == "+switch-master" && $5 == oldip && $7 == newip) {
		pub("switch", node, $1)
		if (!(node in SW))
			SW[node] = $1 - t0
	}
	if (ch == "+convert-to-slave" && s_old) pub("convert", node, $1)
	if (ch == "-sdown" && s_old) pub("unsdown", node, $1)
	if (ch == "-role-change" && s_old) pub("rolechg", node, $1)
	next
}
$2 ~ /^s-/ {
	node = substr($2, 3)
	if ($3 == newip && !(node in A))
		A[node] = $1 - t0
	next
}
$2 == "r-" new { if ($3 == "master") first("role_new_master", $1); next }
$2 == "r-" old {
	if ($3 == "master") first("role_old_master", $1)
	if ($3 == "slave") first("role_old_slave", $1)
	next
}
$2 == "h-" new { if ($3 == "closed") first("drop_new", $1); next }
$2 == "h-" old {
	if ($3 == "open") first("open_old", $1)
	if ($3 == "closed") first("drop_old", $1)
	next
}

function failover_milestones() {
	if (leader != "" && (leader in A)) T["addr_leader"] = A[leader]
	if (leader != "" && (leader in SW)) T["switch_leader"] = SW[leader]
	from_rank("switch_o1", SW, leader, 1)
	from_rank("switch_o2", SW, leader, 2)
	from_rank("addr_o1", A, leader, 1)
	from_rank("addr_o2", A, leader, 2)
	from_rank("majority", A, "", int(nn / 2) + 1)
	out("elected", "+elected-leader", "ev")
	out("selected", "+selected-slave", "ev")
	out("noone", "+failover-state-send-slaveof-noone", "ev")
	out("waitprom", "+failover-state-wait-promotion", "ev")
	out("drop_new", "promoted replica: idle connection closed", "obs", new)
	out("role_new_master", "promoted replica: ROLE says master", "obs", new)
	out("promoted", "+promoted-slave", "ev")
	out("addr_leader", "leader: get-master-addr names the new master", "obs", leader)
	out("switch_leader", "leader: +switch-master", "obs", leader)
	out("switch_o1", "first other Sentinel: +switch-master", "obs", WHO["switch_o1"])
	out("switch_o2", "second other Sentinel: +switch-master", "obs", WHO["switch_o2"])
	out("addr_o1", "first other Sentinel: get-master-addr switches", "obs", WHO["addr_o1"])
	out("addr_o2", "second other Sentinel: get-master-addr switches", "obs", WHO["addr_o2"])
	out("majority", "a majority of Sentinels names the new master", "obs", WHO["majority"])
	out("fend", "+failover-end", "ev")
}

END {
	if (scen == "crash") {
		out("drop_old", "old master: idle connection closed (the kill)", "obs", old)
		out("sdown", "first +sdown of the master", "ev")
		out("odown", "first +odown", "ev")
		out("try", "first +try-failover", "ev")
		failover_milestones()
	} else if (scen == "switchover") {
		out("try", "+try-failover (the Sentinel asked)", "ev")
		failover_milestones()
		out("convert", "+convert-to-slave of the old master", "ev")
		out("drop_old", "old master: idle connection closed", "obs", old)
		out("role_old_slave", "old master: ROLE says slave (it said master until then)", "obs", old)
	} else if (scen == "restart") {
		out("role_old_master", "restarted node: ROLE says master", "obs", old)
		out("open_old", "restarted node: idle connection open", "obs", old)
		out("unsdown", "first -sdown of it (as a replica)", "ev")
		out("rolechg", "first -role-change (it reports master)", "ev")
		out("convert", "+convert-to-slave", "ev")
		out("drop_old", "restarted node: idle connection closed", "obs", old)
		out("role_old_slave", "restarted node: ROLE says slave", "obs", old)
		if (("role_old_master" in T) && ("role_old_slave" in T))
			T["master_for"] = T["role_old_slave"] - T["role_old_master"]
		out("master_for", "so it said master for (a duration)", "obs", old)
	}
	for (i = 1; i <= ne; i++) {
		line = "e\t" EK[i] "\t" (leader == "" ? "-" : leader)
		for (j = 1; j <= nn; j++)
			line = line "\t" (((EK[i], NODE[j]) in E) ? E[EK[i], NODE[j]] : "-")
		print line
	}
}
