/* fake_loop: a virtual clock and a kept log (see fake_loop.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_loop.h"
#include "log.h"

void
fake_die(const char *what)
{
	fprintf(stderr, "fakes: %s\n", what);
	abort();
}

/* ---- loop: a virtual clock --------------------------------------------- */

struct loop {
	int unused;
};

static struct loop the_loop;
static uint64_t clock_ms = FAKE_T0;
static uint64_t arm_seq;
static struct armed {
	struct loop_timer *t;
	uint64_t seq;
} timers[FAKE_MAX * 4];
static size_t n_timers;

struct loop *
fake_loop(void)
{
	return &the_loop;
}

uint64_t
loop_now(void)
{
	return clock_ms;
}

void
loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->arg = arg;
}

void
loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	(void)l;
	for (size_t i = 0; i < n_timers; i++) {
		if (timers[i].t == t) {
			timers[i] = timers[--n_timers];
			break;
		}
	}
	t->armed = false;
}

void
loop_timer_arm_at(struct loop *l, struct loop_timer *t, uint64_t when)
{
	loop_timer_cancel(l, t);
	if (n_timers == sizeof(timers) / sizeof(timers[0]))
		fake_die("too many timers");
	t->when = when;
	t->armed = true;
	timers[n_timers].t = t;
	timers[n_timers++].seq = arm_seq++;
}

void
loop_timer_arm(struct loop *l, struct loop_timer *t, uint64_t delay)
{
	loop_timer_arm_at(l, t, clock_ms + delay);
}

void
fake_advance(uint64_t ms)
{
	uint64_t target = clock_ms + ms;

	for (unsigned int guard = 0; ; guard++) {
		size_t best = n_timers;
		struct loop_timer *t;

		if (guard == 100000)
			fake_die("timers keep re-arming without end");
		for (size_t i = 0; i < n_timers; i++) {
			if (timers[i].t->when > target)
				continue;
			if (best == n_timers ||
			    timers[i].t->when < timers[best].t->when ||
			    (timers[i].t->when == timers[best].t->when &&
			    timers[i].seq < timers[best].seq))
				best = i;
		}
		if (best == n_timers)
			break;
		t = timers[best].t;
		timers[best] = timers[--n_timers];
		t->armed = false;
		if (t->when > clock_ms)
			clock_ms = t->when;
		t->cb(t->arg);
	}
	clock_ms = target;
}

/* ---- log: every line kept ---------------------------------------------- */

static char *lines[4096];
static size_t n_lines;

static void
fake_vlog(const char *level, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (getenv("VIPTEST_LOG"))
		fprintf(stderr, "# %llu %s: %s\n",
		    (unsigned long long)(clock_ms - FAKE_T0), level, msg);
	if (n_lines == sizeof(lines) / sizeof(lines[0]))
		fake_die("too many log lines");
	if (asprintf(&lines[n_lines], "%s: %s", level, msg) < 0)
		fake_die("out of memory");
	n_lines++;
}

#define FAKE_LOG(fn, level)					\
void								\
fn(const char *fmt, ...)					\
{								\
	va_list ap;						\
	va_start(ap, fmt);					\
	fake_vlog(level, fmt, ap);				\
	va_end(ap);						\
}

FAKE_LOG(log_debug, "debug")
FAKE_LOG(log_info, "info")
FAKE_LOG(log_notice, "notice")
FAKE_LOG(log_warn, "warning")
FAKE_LOG(log_err, "error")

void
log_init(bool debug)
{
	(void)debug;
}

static bool
line_matches(const char *line, const char *a, const char *b)
{
	return strstr(line, a) && (!b || strstr(line, b));
}

size_t
fake_log_count(const char *a, const char *b)
{
	size_t n = 0;

	for (size_t i = 0; i < n_lines; i++)
		n += line_matches(lines[i], a, b);
	return n;
}

const char *
fake_log_last(const char *a, const char *b)
{
	for (size_t i = n_lines; i-- > 0; )
		if (line_matches(lines[i], a, b))
			return lines[i];
	return NULL;
}

void
fake_log_dump(void)
{
	for (size_t i = 0; i < n_lines; i++)
		fprintf(stderr, "# log: %s\n", lines[i]);
}

void
fake_assert_log(size_t n, const char *a, const char *b, const char *file,
    int line)
{
	size_t got = fake_log_count(a, b);

	if (got == n)
		return;
	fake_log_dump();
	print_error("%zu log lines with \"%s\"%s%s%s, want %zu\n", got, a,
	    b ? " and \"" : "", b ? b : "", b ? "\"" : "", n);
	_fail(file, line);
}

void
fake_log_clear(void)
{
	for (size_t i = 0; i < n_lines; i++)
		free(lines[i]);
	n_lines = 0;
}

void
fake_loop_reset(void)
{
	clock_ms = FAKE_T0;
	n_timers = 0;
	fake_log_clear();
}
