/* Fixtures shared by test_ctl_proto.c and test_ctl_server.c. */
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

void
make_status(struct vip_status *st, size_t idx, unsigned int ns)
{
	char buf[64];
	bool v6 = idx % 2;

	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "vip%zu", idx);
	snprintf(buf, sizeof(buf), v6 ? "2001:db8::%zx/128" :
	    "192.0.2.%zu/32", 100 + idx % 100);
	assert_int_equal(prefix_parse(buf, &st->address), 0);
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
	st->node_reachable = true;
	st->node_last_seen = 1700000100;
	st->n_sentinels = ns;
	st->reachable = ns;
	st->agree = ns;
	st->majority = ns / 2 + 1;
	for (unsigned int i = 0; i < ns; i++) {
		struct sentinel_status *ss = &st->sentinels[i];

		snprintf(buf, sizeof(buf), v6 ? "[2001:db8::%x]:26379" :
		    "192.0.2.%u:26379", 21 + i);
		assert_int_equal(hostport_parse(buf, &ss->addr), 0);
		ss->reachable = i != 1;
		ss->has_master = i != 2;
		if (ss->has_master)
			ss->master = st->redis;
		ss->names_us = ss->has_master;
		ss->last_seen = 1700000000 + i;
		ss->events = UINT64_MAX - i;
	}
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
