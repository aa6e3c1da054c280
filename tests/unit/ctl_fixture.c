/* Fixtures shared by test_ctl_proto.c, test_ctl_server.c, test_metrics.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_fixture.h"

static void
parse_prefix(struct prefix *p, const char *fmt, size_t n)
{
	char buf[64];

	snprintf(buf, sizeof(buf), fmt, n);
	assert_int_equal(prefix_parse(buf, p), 0);
}

/* Sentinel `i` of `ns` for a VIP whose local node is `st->redis`. */
static void
make_sentinel(struct sentinel_status *ss, const struct vip_status *st,
    unsigned int i, bool v6)
{
	char buf[64];

	snprintf(buf, sizeof(buf), v6 ? "[2001:db8::%x]:26379" :
	    "192.0.2.%u:26379", 21 + i);
	assert_int_equal(hostport_parse(buf, &ss->addr), 0);
	ss->reachable = i != 1;
	ss->has_master = i != 1 && i != 2;
	snprintf(ss->conn.state, sizeof(ss->conn.state), "%s",
	    ss->reachable ? "up" : "down");
	if (!ss->reachable)
		snprintf(ss->conn.error, sizeof(ss->conn.error),
		    "connect failed: No route to host");
	if (i == 0 || i == 3) {
		/* Sentinel announces hostnames: the name, and what it
		 * resolved to here. */
		assert_int_equal(hostport_parse(i == 0 ? "redis-1.test:6379" :
		    "Redis-1.Test.:6379", &ss->master), 0);
		assert_int_equal(netaddr_parse(v6 ? "2001:db8::11" :
		    "192.0.2.11", &ss->resolved[0]), 0);
		ss->n_resolved = 1;
		if (i == 3) {
			assert_int_equal(netaddr_parse(v6 ? "192.0.2.11" :
			    "2001:db8::11", &ss->resolved[1]), 0);
			ss->n_resolved = 2;
		}
	} else if (ss->has_master) {
		ss->master = st->redis;
	}
	ss->names_us = ss->has_master;
	ss->last_seen = 1700000000 + i;
	ss->events = UINT64_MAX - i;
	/* The unreachable one never reported; one reports less. */
	ss->down_after = !ss->reachable ? 0 : i == 4 ? 4000 : 5000;
}

static void
make_timing(struct vip_status *st, size_t idx)
{
	struct timing *t = &st->timing;
	static const enum timing_source src[5] = {
		TIMING_CONFIGURED, TIMING_AUTO, TIMING_DEFAULT, TIMING_AUTO,
		TIMING_CONFIGURED,
	};

	t->role_check_interval = 200;
	t->sentinel_poll_interval = 1000;
	t->command_timeout = 500;
	t->redis_down_after = 3000 + (unsigned int)idx;
	t->no_quorum_hold_down = 2000;
	memcpy(t->source, src, sizeof(src));
	for (unsigned int i = 0; i < st->n_sentinels; i++) {
		uint64_t d = st->sentinels[i].down_after;

		if (!d)
			continue;
		t->reporting++;
		if (!t->down_after || d < t->down_after)
			t->down_after = d;
	}
	if (idx % 3 == 1)
		snprintf(t->warning, sizeof(t->warning), "role-check-interval "
		    "200 + max(command-timeout 500, redis-down-after %u) = %u "
		    "ms exceeds 80%% of down-after-milliseconds %llu",
		    t->redis_down_after, 200 + t->redis_down_after,
		    (unsigned long long)t->down_after);
}

void
make_status(struct vip_status *st, size_t idx, unsigned int ns)
{
	bool v6 = idx % 2;

	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "vip%zu", idx);
	parse_prefix(&st->addresses[0], v6 ? "2001:db8::%zx/128" :
	    "192.0.2.%zu/32", 100 + idx % 100);
	st->n_addresses = 1;
	if (idx % 4 == 0)
		parse_prefix(&st->addresses[st->n_addresses++],
		    "2001:db8:1::%zx/64", 100 + idx % 100);
	snprintf(st->interface, sizeof(st->interface), "eth%zu", idx % 4);
	st->link_present = true;
	st->link_up = idx % 3 != 2;
	st->verdict = idx % 3 == 0 ? VERDICT_HOLD : idx % 3 == 1 ?
	    VERDICT_RELEASE : VERDICT_FAULT;
	st->holding = st->verdict == VERDICT_HOLD;
	st->since = 1700000000 + (int64_t)idx;
	snprintf(st->last_token, sizeof(st->last_token), "+vip-acquired");
	snprintf(st->reason, sizeof(st->reason),
	    "local node is master and %u/%u sentinels name it", ns, ns);
	assert_int_equal(hostport_parse(v6 ? "[2001:db8::11]:6379" :
	    "192.0.2.11:6379", &st->redis), 0);
	st->role = NODE_ROLE_MASTER;
	st->node_reachable = idx % 3 != 2;
	st->node_last_seen = 1700000100;
	snprintf(st->node_conn.state, sizeof(st->node_conn.state), "%s",
	    st->node_reachable ? "up" : "connecting");
	if (!st->node_reachable)
		snprintf(st->node_conn.error, sizeof(st->node_conn.error),
		    "connect failed: Connection refused");
	st->n_sentinels = ns;
	st->reachable = ns;
	st->agree = ns;
	st->majority = ns / 2 + 1;
	for (unsigned int i = 0; i < ns; i++)
		make_sentinel(&st->sentinels[i], st, i, v6);
	make_timing(st, idx);
	st->garp_frames = 12;
	st->transitions = UINT64_MAX;
	st->last_decision = 1700000200 + (int64_t)idx;
}

/* Equal as far as the protocol can tell: the same record text. Sound
 * because every field is formatted, and a field the parser skipped would
 * come back as zero. */
void
assert_status_equal(const struct vip_status *a, const struct vip_status *b)
{
	char *ta = NULL, *tb = NULL;
	size_t la = 0, lb = 0;
	FILE *fa = open_memstream(&ta, &la), *fb = open_memstream(&tb, &lb);

	assert_non_null(fa);
	assert_non_null(fb);
	assert_int_equal(ctl_format_status(a, fa), 0);
	assert_int_equal(ctl_format_status(b, fb), 0);
	fclose(fa);
	fclose(fb);
	assert_string_equal(ta, tb);
	free(ta);
	free(tb);
}

/* Feed a whole reply text to `r` line by line; returns the last result. */
int
feed(struct ctl_reply *r, const char *text)
{
	int rc = 0;

	while (*text && rc == 0) {
		const char *nl = strchr(text, '\n');

		assert_non_null(nl);
		rc = ctl_reply_line(r, text, (size_t)(nl - text));
		text = nl + 1;
	}
	return rc;
}
