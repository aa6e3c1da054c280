/*
 * Unit tests for resolve: the pure name checks, then the cache and its
 * worker threads driven by a scripted lookup (resolve_fake.c, no network).
 *
 * Every test that runs the loop arms a 5 s watchdog, so a bug fails instead
 * of hanging; time bounds are generous (they catch a blocked loop, not a slow
 * machine). Build with --enable-sanitizers to check the detached workers
 * free what they hold.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "resolve.h"
#include "resolve_fake.h"

#define WATCHDOG_MS	5000

/* ---- a loop with a ticker and a watchdog ------------------------------- */

struct harness {
	struct loop *l;
	struct resolver *r;
	struct loop_timer watchdog, ticker, poll;
	bool watchdog_fired;
	unsigned int ticks;
	uint64_t last_tick, max_gap;
	/* changed() calls, and the name and state each one saw */
	unsigned int nchanged;
	char changed_name[16][RESOLVE_NAME_MAX + 1];
	enum resolve_state changed_state[16];
	bool (*until)(struct harness *);
	const char *watch;		/* for the predicates below */
	unsigned int want;
};

static void
watchdog_cb(void *arg)
{
	struct harness *h = arg;

	h->watchdog_fired = true;
	loop_stop(h->l);
}

/* 10 ms: how long the loop went without running it says whether anything
 * blocked the loop thread. */
static void
ticker_cb(void *arg)
{
	struct harness *h = arg;
	uint64_t now = loop_now();

	if (h->last_tick && now - h->last_tick > h->max_gap)
		h->max_gap = now - h->last_tick;
	h->last_tick = now;
	h->ticks++;
	loop_timer_arm(h->l, &h->ticker, 10);
}

static void
poll_cb(void *arg)
{
	struct harness *h = arg;

	if (h->until && h->until(h))
		loop_stop(h->l);
	else
		loop_timer_arm(h->l, &h->poll, 2);
}

static void
changed_cb(void *arg, const char *name)
{
	struct harness *h = arg;
	const struct resolve_result *res = resolver_get(h->r, name);

	if (h->nchanged < 16) {
		snprintf(h->changed_name[h->nchanged], RESOLVE_NAME_MAX + 1,
		    "%s", name);
		h->changed_state[h->nchanged] = res->state;
	}
	h->nchanged++;
}

static void
setup(struct harness *h, const struct resolver_opts *o)
{
	struct resolver_opts opts = *o;

	memset(h, 0, sizeof(*h));
	opts.lookup = fake_lookup;
	h->l = loop_new();
	assert_non_null(h->l);
	h->r = resolver_new(h->l, &opts, changed_cb, h);
	assert_non_null(h->r);
	loop_timer_init(&h->watchdog, watchdog_cb, h);
	loop_timer_init(&h->ticker, ticker_cb, h);
	loop_timer_init(&h->poll, poll_cb, h);
}

static void
teardown(struct harness *h)
{
	resolver_free(h->r);
	loop_timer_cancel(h->l, &h->watchdog);
	loop_timer_cancel(h->l, &h->ticker);
	loop_timer_cancel(h->l, &h->poll);
	loop_free(h->l);
	fake_reset();
}

/* Run the loop until `until` holds (checked every 2 ms) or `ms` passed
 * (until == NULL: just run for `ms`). Returns whether `until` held. */
static bool
run(struct harness *h, bool (*until)(struct harness *), uint64_t ms)
{
	h->until = until;
	h->watchdog_fired = false;
	loop_timer_arm(h->l, &h->watchdog, ms);
	loop_timer_arm(h->l, &h->poll, 0);
	assert_int_equal(loop_run(h->l), 0);
	loop_timer_cancel(h->l, &h->watchdog);
	loop_timer_cancel(h->l, &h->poll);
	return !h->watchdog_fired;
}

static bool
changed_at_least(struct harness *h)
{
	return h->nchanged >= h->want;
}

static bool
calls_at_least(struct harness *h)
{
	return fake_get(h->watch).calls >= h->want;
}

static bool
wait_changed(struct harness *h, unsigned int n)
{
	h->want = n;
	return run(h, changed_at_least, WATCHDOG_MS);
}

static bool
wait_calls(struct harness *h, const char *name, unsigned int n)
{
	h->watch = name;
	h->want = n;
	return run(h, calls_at_least, WATCHDOG_MS);
}

static void
assert_addr(const struct netaddr *a, const char *want)
{
	char buf[NETADDR_STRLEN];

	assert_string_equal(netaddr_fmt(a, buf, sizeof(buf)), want);
}

static const struct resolver_opts defaults;

/* ---- pure functions ------------------------------------------------------ */

static void
test_name_valid(void **state)
{
	char label63[64], label64[65], long253[254], long254[255], dot254[256];
	static const char *const good[] = {
		"n1.test", "N1.TEST", "n1.test.", "localhost", "a",
		"redis-1.example.org", "1redis.example", "a.b.c.d.e.f",
		"xn--bcher-kva.example", "project_redis_1", "_srv.example",
		"9.example.com", "deadbeef",
	};
	static const char *const bad[] = {
		"", ".", "..", "n1..test", ".n1.test", "n1.test..",
		"n1 test", " n1.test", "n1.test ", "n1.test:6379",
		"-n1.test", "n1-.test", "n1.-test", "n1.test-",
		"n1/test", "n1@test", "n\xc3\xa9.test", "n1\t.test",
		/* numbers, not names: getaddrinfo would take them as
		 * addresses */
		"192.0.2.1", "192.0.2", "127.1", "1", "0x7f000001",
		"n1.test.123", "2001:db8::1", "[2001:db8::1]",
	};

	(void)state;
	memset(label63, 'a', 63);
	label63[63] = '\0';
	memset(label64, 'a', 64);
	label64[64] = '\0';
	/* 253 = 4 labels of 63 + 1 'b'... built as 63.63.63.61 */
	snprintf(long253, sizeof(long253), "%s.%s.%s.%.61s", label63, label63,
	    label63, label63);
	assert_int_equal(strlen(long253), 253);
	snprintf(long254, sizeof(long254), "%s.%s.%s.%.62s", label63, label63,
	    label63, label63);
	assert_int_equal(strlen(long254), 254);
	snprintf(dot254, sizeof(dot254), "%s.", long253);

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!netaddr_name_valid(good[i], strlen(good[i])))
			fail_msg("\"%s\" should be valid", good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (netaddr_name_valid(bad[i], strlen(bad[i])))
			fail_msg("\"%s\" should be invalid", bad[i]);
	}
	assert_true(netaddr_name_valid(label63, strlen(label63)));
	assert_false(netaddr_name_valid(label64, strlen(label64)));
	assert_true(netaddr_name_valid(long253, strlen(long253)));
	assert_false(netaddr_name_valid(long254, strlen(long254)));
	assert_true(netaddr_name_valid(dot254, strlen(dot254)));	/* 253 + the root dot */
}

static void
test_name_equal(void **state)
{
	(void)state;
	assert_true(netaddr_name_equal("n1.test", "n1.test"));
	assert_true(netaddr_name_equal("N1.Test.", "n1.test"));
	assert_true(netaddr_name_equal("n1.test", "n1.TEST."));
	assert_true(netaddr_name_equal("n1.test.", "n1.test."));
	assert_false(netaddr_name_equal("n1.test", "n2.test"));
	assert_false(netaddr_name_equal("n1.test", "n1.test.x"));
	assert_false(netaddr_name_equal("n1.test", "n1.tes"));
	assert_false(netaddr_name_equal("n1.test..", "n1.test"));
	assert_false(netaddr_name_equal("n1", "n1.test"));
}

/* ---- the cache ----------------------------------------------------------- */

static void
test_literals_and_bad_names(void **state)
{
	struct harness h;
	const struct resolve_result *res;

	(void)state;
	setup(&h, &defaults);
	res = resolver_get(h.r, "192.0.2.7");
	assert_int_equal(res->state, RESOLVE_OK);
	assert_int_equal(res->n, 1);
	assert_addr(&res->addrs[0], "192.0.2.7");
	assert_true(res->resolved_at > 0);
	res = resolver_get(h.r, "2001:db8::7");
	assert_int_equal(res->state, RESOLVE_OK);
	assert_int_equal(res->n, 1);
	assert_addr(&res->addrs[0], "2001:db8::7");

	res = resolver_get(h.r, "bad name.test");
	assert_int_equal(res->state, RESOLVE_FAILED);
	assert_int_equal(res->n, 0);
	assert_string_equal(res->error, "not a valid host name");
	res = resolver_get(h.r, "");
	assert_int_equal(res->state, RESOLVE_FAILED);
	assert_string_equal(res->error, "empty host name");
	res = resolver_get(h.r, "192.0.2");
	assert_int_equal(res->state, RESOLVE_FAILED);
	resolver_refresh(h.r, "192.0.2.7");
	resolver_refresh(h.r, "bad name");

	/* None of that reached a worker or changed(). */
	run(&h, NULL, 50);
	assert_int_equal(fake_unknown_calls(), 0);
	assert_int_equal(h.nchanged, 0);
	teardown(&h);
}

/* PENDING -> OK: duplicates dropped, the lookup's order kept;
 * the worker has SIGTERM/SIGHUP/SIGINT blocked. */
static void
test_pending_ok(void **state)
{
	struct harness h;
	const struct resolve_result *res;

	(void)state;
	fake_set("ok.test", 0, NULL, "192.0.2.1", "2001:db8::1", "192.0.2.1",
	    "192.0.2.2", "2001:db8::1", NULL);
	setup(&h, &defaults);
	res = resolver_get(h.r, "ok.test");
	assert_int_equal(res->state, RESOLVE_PENDING);
	assert_int_equal(res->n, 0);
	assert_int_equal(res->resolved_at, 0);
	assert_true(wait_changed(&h, 1));
	assert_string_equal(h.changed_name[0], "ok.test");
	assert_int_equal(h.changed_state[0], RESOLVE_OK);

	/* Names match without regard to case. */
	res = resolver_get(h.r, "OK.Test");
	assert_int_equal(res->state, RESOLVE_OK);
	assert_int_equal(res->n, 3);
	assert_addr(&res->addrs[0], "192.0.2.1");
	assert_addr(&res->addrs[1], "2001:db8::1");
	assert_addr(&res->addrs[2], "192.0.2.2");
	assert_true(res->resolved_at > 0);
	assert_string_equal(res->error, "");
	assert_int_equal(fake_get("ok.test").calls, 1);
	assert_true(fake_get("ok.test").signals_blocked);
	teardown(&h);
}

/* A failure keeps the last good addresses; recovery brings new ones. */
static void
test_failure_keeps_last_good(void **state)
{
	struct resolver_opts o = { .refresh_ms = 30, .retry_ms = 30 };
	struct harness h;
	const struct resolve_result *res;
	uint64_t good_at;

	(void)state;
	fake_set("flap.test", 0, NULL, "192.0.2.11", "192.0.2.12", NULL);
	setup(&h, &o);
	resolver_get(h.r, "flap.test");
	assert_true(wait_changed(&h, 1));
	good_at = resolver_get(h.r, "flap.test")->resolved_at;

	fake_set("flap.test", -1, "Name or service not known", NULL);
	assert_true(wait_changed(&h, 2));
	res = resolver_get(h.r, "flap.test");
	assert_int_equal(h.changed_state[1], RESOLVE_FAILED);
	assert_int_equal(res->state, RESOLVE_FAILED);
	assert_string_equal(res->error, "Name or service not known");
	assert_int_equal(res->n, 2);
	assert_addr(&res->addrs[0], "192.0.2.11");
	assert_addr(&res->addrs[1], "192.0.2.12");
	assert_int_equal(res->resolved_at, good_at);

	/* Retries that fail again change nothing. */
	assert_true(wait_calls(&h, "flap.test", fake_get("flap.test").calls + 3));
	assert_int_equal(h.nchanged, 2);

	fake_set("flap.test", 0, NULL, "198.51.100.1", NULL);
	assert_true(wait_changed(&h, 3));
	res = resolver_get(h.r, "flap.test");
	assert_int_equal(res->state, RESOLVE_OK);
	assert_int_equal(res->n, 1);
	assert_addr(&res->addrs[0], "198.51.100.1");
	assert_true(res->resolved_at >= good_at);

	/* A lookup that claims success without an address is a failure; so
	 * is one without a reason. */
	fake_set("flap.test", 0, NULL, NULL);
	assert_true(wait_changed(&h, 4));
	assert_string_equal(resolver_get(h.r, "flap.test")->error,
	    "no IPv4 or IPv6 address");
	assert_int_equal(resolver_get(h.r, "flap.test")->n, 1);
	fake_set("flap.test", -1, NULL, NULL);
	assert_true(wait_calls(&h, "flap.test", fake_get("flap.test").calls + 2));
	assert_string_equal(resolver_get(h.r, "flap.test")->error,
	    "lookup failed");
	teardown(&h);
}

/* A stuck lookup: FAILED at timeout_ms while the loop keeps ticking, the
 * late answer applied when it comes. Another name resolves meanwhile. */
static void
test_timeout_late_answer(void **state)
{
	struct resolver_opts o = { .timeout_ms = 100, .retry_ms = 20 };
	struct harness h;
	const struct resolve_result *res;
	uint64_t start, failed_after;

	(void)state;
	fake_set("stuck.test", 0, NULL, "192.0.2.21", NULL);
	fake_block("stuck.test", true);
	fake_set("free.test", 0, NULL, "192.0.2.22", NULL);
	setup(&h, &o);
	loop_timer_arm(h.l, &h.ticker, 10);
	start = loop_now();
	resolver_get(h.r, "stuck.test");
	assert_true(wait_changed(&h, 1));
	failed_after = loop_now() - start;
	res = resolver_get(h.r, "stuck.test");
	assert_int_equal(res->state, RESOLVE_FAILED);
	assert_string_equal(res->error, "no answer within 100 ms");
	assert_int_equal(res->n, 0);
	assert_true(failed_after >= 100);
	assert_true(failed_after < 1000);

	/* The second worker serves other names while the first is stuck. */
	resolver_get(h.r, "free.test");
	assert_true(wait_changed(&h, 2));
	assert_string_equal(h.changed_name[1], "free.test");
	assert_int_equal(resolver_get(h.r, "free.test")->state, RESOLVE_OK);

	/* Keep the lookup stuck past the refresh rate limit: no retry
	 * starts, asked for or not (it would be a second lookup of the same
	 * name), and the loop never stalls. */
	run(&h, NULL, RESOLVE_REFRESH_MIN_MS + 100 - (loop_now() - start));
	resolver_refresh(h.r, "stuck.test");
	resolver_get(h.r, "stuck.test");
	run(&h, NULL, 100);
	assert_int_equal(fake_get("stuck.test").calls, 1);
	assert_true(h.ticks >= 50);
	assert_true(h.max_gap < 100);

	fake_block("stuck.test", false);
	assert_true(wait_changed(&h, 3));
	res = resolver_get(h.r, "stuck.test");
	assert_int_equal(res->state, RESOLVE_OK);
	assert_int_equal(res->n, 1);
	assert_addr(&res->addrs[0], "192.0.2.21");
	assert_int_equal(fake_get("stuck.test").max_inflight, 1);
	teardown(&h);
}

/* threads = 1: a name queued behind a stuck one times out too, and both
 * resolve once the stuck lookup returns. */
static void
test_queue_behind_stuck(void **state)
{
	struct resolver_opts o = { .threads = 1, .timeout_ms = 80 };
	struct harness h;

	(void)state;
	fake_set("first.test", 0, NULL, "192.0.2.31", NULL);
	fake_set("second.test", 0, NULL, "192.0.2.32", NULL);
	fake_block("first.test", true);
	setup(&h, &o);
	resolver_get(h.r, "first.test");
	resolver_get(h.r, "second.test");
	assert_true(wait_changed(&h, 2));
	assert_int_equal(resolver_get(h.r, "first.test")->state,
	    RESOLVE_FAILED);
	assert_string_equal(resolver_get(h.r, "second.test")->error,
	    "no answer within 80 ms");
	assert_int_equal(fake_get("second.test").calls, 0);

	fake_block("first.test", false);
	assert_true(wait_changed(&h, 4));
	assert_int_equal(resolver_get(h.r, "first.test")->state, RESOLVE_OK);
	assert_int_equal(resolver_get(h.r, "second.test")->state, RESOLVE_OK);
	assert_int_equal(fake_get("second.test").calls, 1);
	teardown(&h);
}

/* resolver_refresh(): not more than once per second, and nothing while a
 * lookup runs; get()s of a name in flight do not queue it again. */
static void
test_refresh_rate_limit(void **state)
{
	struct harness h;
	uint64_t first;

	(void)state;
	fake_set("rl.test", 0, NULL, "192.0.2.41", NULL);
	fake_block("rl.test", true);
	setup(&h, &defaults);
	first = loop_now();
	resolver_get(h.r, "rl.test");
	fake_wait_calls("rl.test", 1);
	for (int i = 0; i < 50; i++) {
		resolver_refresh(h.r, "rl.test");
		resolver_get(h.r, "rl.test");
	}
	run(&h, NULL, 50);
	fake_block("rl.test", false);
	assert_true(wait_changed(&h, 1));
	assert_int_equal(fake_get("rl.test").calls, 1);

	/* Asked again at once: the lookup waits for the end of the second. */
	for (int i = 0; i < 10; i++)
		resolver_refresh(h.r, "rl.test");
	run(&h, NULL, 300);
	if (loop_now() - first < RESOLVE_REFRESH_MIN_MS - 50)
		assert_int_equal(fake_get("rl.test").calls, 1);
	assert_true(wait_calls(&h, "rl.test", 2));
	assert_true(loop_now() - first >= RESOLVE_REFRESH_MIN_MS);
	run(&h, NULL, 200);
	assert_int_equal(fake_get("rl.test").calls, 2);
	assert_int_equal(fake_get("rl.test").max_inflight, 1);
	/* Same answer: no second changed(). */
	assert_int_equal(h.nchanged, 1);
	teardown(&h);
}

/* Periodic refreshes that bring the same set back, rotated, are not
 * changes; a different set is. */
static void
test_changed_only_on_change(void **state)
{
	struct resolver_opts o = { .refresh_ms = 20 };
	struct harness h;
	const struct resolve_result *res;
	unsigned int returned;
	char want[16];

	(void)state;
	fake_set("rr.test", 0, NULL, "192.0.2.51", "192.0.2.52", "192.0.2.53",
	    NULL);
	fake_rotate("rr.test");
	setup(&h, &o);
	resolver_get(h.r, "rr.test");
	assert_true(wait_changed(&h, 1));
	assert_true(wait_calls(&h, "rr.test", 5));
	assert_int_equal(h.nchanged, 1);
	/* The stored order follows the latest answer: hold further lookups
	 * so that the last one returned is the one applied. */
	fake_block("rr.test", true);
	run(&h, NULL, 50);
	returned = fake_get("rr.test").returned;
	res = resolver_get(h.r, "rr.test");
	assert_int_equal(res->n, 3);
	snprintf(want, sizeof(want), "192.0.2.5%u", 1 + returned % 3);
	assert_addr(&res->addrs[0], want);
	fake_block("rr.test", false);

	fake_set("rr.test", 0, NULL, "192.0.2.51", "192.0.2.52", NULL);
	assert_true(wait_changed(&h, 2));
	assert_int_equal(resolver_get(h.r, "rr.test")->n, 2);
	teardown(&h);
}

/* A name nobody asks for is forgotten: lookups stop, and the next get()
 * starts afresh (PENDING). */
static void
test_idle_expiry(void **state)
{
	struct resolver_opts o = { .refresh_ms = 20, .idle_ms = 100 };
	struct harness h;
	unsigned int calls;

	(void)state;
	fake_set("idle.test", 0, NULL, "192.0.2.61", NULL);
	setup(&h, &o);
	resolver_get(h.r, "idle.test");
	run(&h, NULL, 250);
	calls = fake_get("idle.test").calls;
	assert_true(calls >= 2);	/* refreshed while in use */
	run(&h, NULL, 150);
	assert_int_equal(fake_get("idle.test").calls, calls);
	assert_int_equal(h.nchanged, 1);	/* forgetting is silent */
	assert_int_equal(resolver_get(h.r, "idle.test")->state,
	    RESOLVE_PENDING);
	assert_true(wait_changed(&h, 2));

	/* A name kept in use is not forgotten. */
	for (int i = 0; i < 10; i++) {
		run(&h, NULL, 30);
		assert_int_equal(resolver_get(h.r, "idle.test")->state,
		    RESOLVE_OK);
	}
	teardown(&h);
}

/* Enough names to grow the table several times; each resolves once. */
static void
test_many_names(void **state)
{
	struct harness h;
	char name[32];

	(void)state;
	setup(&h, &defaults);
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "host%d.nowhere.test", i);
		assert_int_equal(resolver_get(h.r, name)->state,
		    RESOLVE_PENDING);
	}
	assert_true(wait_changed(&h, 100));
	for (int i = 0; i < 100; i++) {
		const struct resolve_result *res;

		snprintf(name, sizeof(name), "HOST%d.nowhere.test", i);
		res = resolver_get(h.r, name);
		assert_int_equal(res->state, RESOLVE_FAILED);
		assert_string_equal(res->error, "Name or service not known");
	}
	assert_int_equal(fake_unknown_calls(), 100);
	teardown(&h);
}

/* resolver_free() returns at once with a worker stuck in a lookup; the
 * worker cleans up after itself when the lookup returns. */
static void
test_free_stuck(void **state)
{
	struct harness h;
	uint64_t t0;

	(void)state;
	fake_set("hang.test", 0, NULL, "192.0.2.71", NULL);
	fake_set("queued.test", 0, NULL, "192.0.2.72", NULL);
	fake_block("hang.test", true);
	setup(&h, &(struct resolver_opts){ .threads = 1 });
	resolver_get(h.r, "hang.test");
	resolver_get(h.r, "queued.test");
	fake_wait_calls("hang.test", 1);

	t0 = loop_now();
	resolver_free(h.r);
	h.r = NULL;
	assert_true(loop_now() - t0 < 1000);
	loop_timer_cancel(h.l, &h.ticker);
	loop_free(h.l);

	/* Let the lookup return: its worker must not deliver the answer
	 * (changed() would touch freed memory) and must run nothing else. */
	fake_block("hang.test", false);
	fake_wait_returned("hang.test", 1);
	usleep(50 * 1000);	/* the worker frees the pool and exits */
	assert_int_equal(h.nchanged, 0);
	assert_int_equal(fake_get("queued.test").calls, 0);
}

/* Before each test: a test that failed half way may have left lookups
 * blocked. */
static int
reset(void **state)
{
	(void)state;
	fake_reset();
	return 0;
}

#define T(f)	cmocka_unit_test_setup(f, reset)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_name_valid),
		T(test_name_equal),
		T(test_literals_and_bad_names),
		T(test_pending_ok),
		T(test_failure_keeps_last_good),
		T(test_timeout_late_answer),
		T(test_queue_behind_stuck),
		T(test_refresh_rate_limit),
		T(test_changed_only_on_change),
		T(test_idle_expiry),
		T(test_many_names),
		T(test_free_stuck),
	};

	return cmocka_run_group_tests_name("resolve", tests, NULL, NULL);
}
