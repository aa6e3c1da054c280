/*
 * Unit tests for the Prometheus rendering of status records (metrics.h):
 * the whole text for one VIP, families grouped across VIPs, one sample per
 * address, knob and Sentinel, and label escaping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "ctl_fixture.h"

#define N_FAMILIES	15

/* One VIP with two addresses, held; three Sentinels: the second (known by
 * name) unreachable, the third naming another master. Two report a
 * down-after, the intervals are partly configured, partly derived. */
static void
metrics_status(struct vip_status *st)
{
	static const char *sentinels[] = {
		"192.0.2.11:26379", "s2.test:26379", "[2001:db8::13]:26379",
	};
	static const enum timing_source src[5] = {
		TIMING_AUTO, TIMING_AUTO, TIMING_CONFIGURED, TIMING_AUTO,
		TIMING_AUTO,
	};

	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "mymaster");
	assert_int_equal(prefix_parse("192.0.2.100/32", &st->addresses[0]), 0);
	assert_int_equal(prefix_parse("2001:db8::100/64", &st->addresses[1]),
	    0);
	st->n_addresses = 2;
	snprintf(st->interface, sizeof(st->interface), "eth0");
	st->link_present = st->link_up = true;
	st->verdict = VERDICT_HOLD;
	st->holding = true;
	st->role = NODE_ROLE_MASTER;
	st->node_reachable = true;
	st->n_sentinels = 3;
	for (unsigned int i = 0; i < 3; i++) {
		struct sentinel_status *ss = &st->sentinels[i];

		assert_int_equal(hostport_parse(sentinels[i], &ss->addr), 0);
		ss->reachable = i != 1;
		ss->names_us = i == 0;
		ss->down_after = i == 1 ? 0 : 5000 + i;
	}
	st->reachable = 2;
	st->agree = 1;
	st->other = 1;
	st->majority = 2;
	st->garp_frames = 6;
	st->transitions = 1;
	st->last_decision = 1700000300;
	st->timing.role_check_interval = 200;
	st->timing.sentinel_poll_interval = 1000;
	st->timing.command_timeout = 300;
	st->timing.redis_down_after = 500;
	st->timing.no_quorum_hold_down = 2000;
	memcpy(st->timing.source, src, sizeof(src));
	st->timing.down_after = 5000;
	st->timing.reporting = 2;
}

static const char metrics_want[] =
    "# HELP vipd_vip_held 1 if the VIP address is on its interface.\n"
    "# TYPE vipd_vip_held gauge\n"
    "vipd_vip_held{vip=\"mymaster\",address=\"192.0.2.100/32\","
    "interface=\"eth0\"} 1\n"
    "vipd_vip_held{vip=\"mymaster\",address=\"2001:db8::100/64\","
    "interface=\"eth0\"} 1\n"
    "# HELP vipd_vip_state 1 for the current decision, 0 for the others.\n"
    "# TYPE vipd_vip_state gauge\n"
    "vipd_vip_state{vip=\"mymaster\",state=\"hold\"} 1\n"
    "vipd_vip_state{vip=\"mymaster\",state=\"release\"} 0\n"
    "vipd_vip_state{vip=\"mymaster\",state=\"fault\"} 0\n"
    "# HELP vipd_transitions_total State changes since vipd started.\n"
    "# TYPE vipd_transitions_total counter\n"
    "vipd_transitions_total{vip=\"mymaster\"} 1\n"
    "# HELP vipd_garp_frames_total Gratuitous ARP and unsolicited NA "
    "frames sent.\n"
    "# TYPE vipd_garp_frames_total counter\n"
    "vipd_garp_frames_total{vip=\"mymaster\"} 6\n"
    "# HELP vipd_local_node_up 1 if the local Redis node answers.\n"
    "# TYPE vipd_local_node_up gauge\n"
    "vipd_local_node_up{vip=\"mymaster\"} 1\n"
    "# HELP vipd_local_node_role 1 for the role the local Redis node "
    "reports, 0 for the others.\n"
    "# TYPE vipd_local_node_role gauge\n"
    "vipd_local_node_role{vip=\"mymaster\",role=\"master\"} 1\n"
    "vipd_local_node_role{vip=\"mymaster\",role=\"replica\"} 0\n"
    "vipd_local_node_role{vip=\"mymaster\",role=\"other\"} 0\n"
    "vipd_local_node_role{vip=\"mymaster\",role=\"unknown\"} 0\n"
    "# HELP vipd_sentinel_up 1 if this Sentinel answers.\n"
    "# TYPE vipd_sentinel_up gauge\n"
    "vipd_sentinel_up{vip=\"mymaster\",sentinel=\"192.0.2.11:26379\"} 1\n"
    "vipd_sentinel_up{vip=\"mymaster\",sentinel=\"s2.test:26379\"} 0\n"
    "vipd_sentinel_up{vip=\"mymaster\",sentinel=\"[2001:db8::13]:26379\"} "
    "1\n"
    "# HELP vipd_sentinel_names_this_node 1 if this Sentinel names the "
    "local node as master.\n"
    "# TYPE vipd_sentinel_names_this_node gauge\n"
    "vipd_sentinel_names_this_node{vip=\"mymaster\","
    "sentinel=\"192.0.2.11:26379\"} 1\n"
    "vipd_sentinel_names_this_node{vip=\"mymaster\","
    "sentinel=\"s2.test:26379\"} 0\n"
    "vipd_sentinel_names_this_node{vip=\"mymaster\","
    "sentinel=\"[2001:db8::13]:26379\"} 0\n"
    "# HELP vipd_sentinels_agree Sentinels naming the local node as "
    "master.\n"
    "# TYPE vipd_sentinels_agree gauge\n"
    "vipd_sentinels_agree{vip=\"mymaster\"} 1\n"
    "# HELP vipd_sentinels_reachable Sentinels that answer.\n"
    "# TYPE vipd_sentinels_reachable gauge\n"
    "vipd_sentinels_reachable{vip=\"mymaster\"} 2\n"
    "# HELP vipd_sentinels_majority Sentinels that must agree before the "
    "VIP is held.\n"
    "# TYPE vipd_sentinels_majority gauge\n"
    "vipd_sentinels_majority{vip=\"mymaster\"} 2\n"
    "# HELP vipd_last_decision_timestamp_seconds Unix time of the latest "
    "decision (0: never or unknown).\n"
    "# TYPE vipd_last_decision_timestamp_seconds gauge\n"
    "vipd_last_decision_timestamp_seconds{vip=\"mymaster\"} 1700000300\n"
    "# HELP vipd_timing_milliseconds The intervals in force (configured or "
    "derived from Sentinel).\n"
    "# TYPE vipd_timing_milliseconds gauge\n"
    "vipd_timing_milliseconds{vip=\"mymaster\",knob=\"role-check-interval\"}"
    " 200\n"
    "vipd_timing_milliseconds{vip=\"mymaster\","
    "knob=\"sentinel-poll-interval\"} 1000\n"
    "vipd_timing_milliseconds{vip=\"mymaster\",knob=\"command-timeout\"} "
    "300\n"
    "vipd_timing_milliseconds{vip=\"mymaster\",knob=\"redis-down-after\"} "
    "500\n"
    "vipd_timing_milliseconds{vip=\"mymaster\",knob=\"no-quorum-hold-down\"}"
    " 2000\n"
    "# HELP vipd_sentinel_down_after_milliseconds The smallest "
    "down-after-milliseconds the Sentinels report (0: none yet).\n"
    "# TYPE vipd_sentinel_down_after_milliseconds gauge\n"
    "vipd_sentinel_down_after_milliseconds{vip=\"mymaster\"} 5000\n"
    "# HELP vipd_timing_bound_broken 1 if configured intervals break the "
    "fencing bound against what Sentinel reports.\n"
    "# TYPE vipd_timing_bound_broken gauge\n"
    "vipd_timing_bound_broken{vip=\"mymaster\"} 0\n";

static char *
format_metrics(const struct vip_status *vips, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(metrics_format(vips, n, out), 0);
	fclose(out);
	return buf;
}

static size_t
count(const char *buf, const char *needle)
{
	size_t n = 0;

	for (const char *p = buf; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void
test_metrics(void **state)
{
	struct vip_status st;
	char *buf;

	(void)state;
	metrics_status(&st);
	buf = format_metrics(&st, 1);
	assert_string_equal(buf, metrics_want);
	free(buf);
	/* No VIP: every family still announced, no samples. */
	buf = format_metrics(NULL, 0);
	assert_int_equal(count(buf, "\n"), 2 * N_FAMILIES);
	assert_int_equal(count(buf, "# HELP "), N_FAMILIES);
	assert_null(strstr(buf, "{"));
	free(buf);
}

/* A broken bound, a VIP that is not held, nothing reported: the values
 * follow the record. */
static void
test_metrics_values(void **state)
{
	struct vip_status st;
	char *buf;

	(void)state;
	metrics_status(&st);
	snprintf(st.timing.warning, sizeof(st.timing.warning), "role-check-"
	    "interval 200 + max(...) exceeds 80%% of down-after-milliseconds");
	st.holding = false;
	st.verdict = VERDICT_RELEASE;
	st.timing.down_after = 0;
	buf = format_metrics(&st, 1);
	assert_non_null(strstr(buf, "\nvipd_timing_bound_broken{vip="
	    "\"mymaster\"} 1\n"));
	assert_non_null(strstr(buf, "\nvipd_sentinel_down_after_milliseconds"
	    "{vip=\"mymaster\"} 0\n"));
	assert_non_null(strstr(buf, "\nvipd_vip_held{vip=\"mymaster\","
	    "address=\"2001:db8::100/64\",interface=\"eth0\"} 0\n"));
	assert_int_equal(count(buf, "\nvipd_vip_held{"), 2);
	assert_int_equal(count(buf, "\nvipd_vip_held{vip=\"mymaster\",address="
	    "\"192.0.2.100/32\",interface=\"eth0\"} 0\n"), 1);
	assert_non_null(strstr(buf, "\nvipd_vip_state{vip=\"mymaster\","
	    "state=\"hold\"} 0\nvipd_vip_state{vip=\"mymaster\","
	    "state=\"release\"} 1\n"));
	free(buf);
}

/* Several VIPs: each family is one group (the format requires it), HELP
 * and TYPE once, then the samples of every VIP in order. */
static void
test_metrics_grouped(void **state)
{
	struct vip_status st[3];
	char *buf, family[128] = "", help[160], *line, *next;
	size_t helps = 0, samples = 0, vip_seen[3] = { 0 };

	(void)state;
	for (size_t i = 0; i < 3; i++)
		make_status(&st[i], i, i == 1 ? CONFIG_MAX_SENTINELS : 3);
	buf = format_metrics(st, 3);
	for (line = buf; *line; line = next) {
		assert_non_null(next = strchr(line, '\n'));
		*next++ = '\0';
		if (strncmp(line, "# HELP ", 7) == 0) {
			assert_true(sscanf(line + 7, "%127s", family) == 1);
			snprintf(help, sizeof(help), "# HELP %s ", family);
			assert_null(strstr(next, help));	/* once */
			memset(vip_seen, 0, sizeof(vip_seen));
			helps++;
			continue;
		}
		if (line[0] == '#')
			continue;
		/* A sample of the current family, VIPs in order. */
		assert_int_equal(strncmp(line, family, strlen(family)), 0);
		assert_int_equal(line[strlen(family)], '{');
		for (size_t i = 0; i < 3; i++) {
			char want[32];

			snprintf(want, sizeof(want), "{vip=\"vip%zu\"", i);
			if (strstr(line, want)) {
				for (size_t j = i + 1; j < 3; j++)
					assert_int_equal(vip_seen[j], 0);
				vip_seen[i]++;
			}
		}
		samples++;
	}
	assert_int_equal(helps, N_FAMILIES);
	free(buf);

	/* vip0 has two addresses, vip1 one; a sample per Sentinel, per
	 * knob. */
	buf = format_metrics(st, 3);
	assert_int_equal(count(buf, "\nvipd_vip_held{vip=\"vip0\""), 2);
	assert_non_null(strstr(buf, "\nvipd_vip_held{vip=\"vip0\",address="
	    "\"2001:db8:1::64/64\",interface=\"eth0\"} 1\n"));
	assert_int_equal(count(buf, "\nvipd_vip_held{vip=\"vip1\""), 1);
	assert_int_equal(count(buf, "\nvipd_sentinel_up{vip=\"vip1\""),
	    CONFIG_MAX_SENTINELS);
	assert_int_equal(count(buf, "\nvipd_sentinel_names_this_node{vip="
	    "\"vip2\""), 3);
	assert_int_equal(count(buf, "\nvipd_timing_milliseconds{vip="
	    "\"vip2\""), 5);
	assert_non_null(strstr(buf, "\nvipd_sentinel_down_after_milliseconds"
	    "{vip=\"vip1\"} 4000\n"));
	assert_non_null(strstr(buf, "\nvipd_timing_bound_broken{vip=\"vip1\"}"
	    " 1\n"));
	assert_non_null(strstr(buf, "\nvipd_timing_bound_broken{vip=\"vip0\"}"
	    " 0\n"));
	/* 2 + 1 + 1 held, 3 states, 4 roles and 5 knobs each, a sample per
	 * Sentinel in two families, 9 one-sample families. */
	assert_int_equal(samples, 4 + 3 * (3 + 4 + 5 + 9) +
	    2 * (3 + CONFIG_MAX_SENTINELS + 3));
	free(buf);
}

static void
test_metrics_escaping(void **state)
{
	struct vip_status st;
	char *buf;

	(void)state;
	metrics_status(&st);
	snprintf(st.name, sizeof(st.name), "a\"b\\c\nd");
	memset(st.interface, 'e', sizeof(st.interface));	/* no NUL */
	st.interface[0] = '"';
	st.holding = false;
	st.verdict = VERDICT_FAULT;
	st.last_decision = 0;
	buf = format_metrics(&st, 1);
	assert_non_null(strstr(buf, "\nvipd_vip_held{vip=\"a\\\"b\\\\c\\nd\","
	    "address=\"192.0.2.100/32\",interface=\"\\\"eeeeeeeeeeeeeee\"} "
	    "0\n"));
	assert_non_null(strstr(buf, "\nvipd_vip_held{vip=\"a\\\"b\\\\c\\nd\","
	    "address=\"2001:db8::100/64\",interface=\"\\\"eeeeeeeeeeeeeee\"} "
	    "0\n"));
	assert_non_null(strstr(buf, "\nvipd_vip_state{vip=\"a\\\"b\\\\c\\nd\","
	    "state=\"fault\"} 1\n"));
	assert_non_null(strstr(buf, "\nvipd_last_decision_timestamp_seconds"
	    "{vip=\"a\\\"b\\\\c\\nd\"} 0\n"));
	assert_non_null(strstr(buf, "\nvipd_timing_milliseconds{vip=\"a\\\"b"
	    "\\\\c\\nd\",knob=\"command-timeout\"} 300\n"));
	/* Every newline ends a line: none from the name. */
	for (char *p = buf; (p = strchr(p, '\n')) && p[1]; p++)
		assert_true(p[1] == '#' || p[1] == 'v');
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_metrics_values),
		cmocka_unit_test(test_metrics_grouped),
		cmocka_unit_test(test_metrics_escaping),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
