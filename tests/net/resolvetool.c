/*
 * resolvetool: the resolver module (src/resolve.c) in an event loop, as the
 * daemon runs it, for tests/net/resolve.sh.
 *
 *   resolvetool [-j THREADS] [-t TIMEOUT_MS] [-r REFRESH_MS] [-R RETRY_MS]
 *               [-d DURATION_MS] NAME...
 *
 * Asks the resolver for every NAME from a timer as the loop starts, then
 * again whenever it says a name changed. A 10 ms loop timer measures how long the loop ever went
 * without running it: a lookup that blocked the loop thread shows up there.
 * SIGTERM, SIGINT and SIGHUP arrive through a signalfd with those signals
 * blocked, as in the daemon: if a worker thread let them through, the
 * default action would kill the process instead.
 *
 * Runs until no NAME is PENDING (or, with -d, for DURATION_MS), or until a
 * signal. On stdout, one line each, flushed, tab-separated, T in ms since
 * start:
 *
 *   ready
 *   T  NAME  STATE  ADDRS  ERROR   at start for names answered at once,
 *                                  then on every changed(); STATE OK,
 *                                  FAILED or PENDING; ADDRS comma-separated
 *                                  (FAILED: the last good ones), "-" if
 *                                  none; ERROR "-" if none
 *   signal NAME                    (TERM, INT or HUP) then it stops
 *   done max-gap=MS ticks=N        the longest ticker gap; last line
 *
 * Exits 0, or 1 with one line on stderr on a usage or set-up error.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>

#include "loop.h"
#include "resolve.h"

#define TICK_MS		10

struct tool {
	struct loop *loop;
	struct resolver *r;
	char **names;
	int nnames;
	uint64_t start;
	bool until_settled;
	struct loop_timer ticker, end, begin;
	uint64_t last_tick, max_gap;
	unsigned long ticks;
	int sigfd;
	struct loop_io sigio;
};

static const char *
state_name(enum resolve_state s)
{
	return s == RESOLVE_OK ? "OK" : s == RESOLVE_FAILED ? "FAILED" :
	    "PENDING";
}

static void
print_result(struct tool *t, const char *name,
    const struct resolve_result *res)
{
	char addrs[RESOLVE_MAX_ADDRS * (NETADDR_STRLEN + 1)] = "";
	char buf[NETADDR_STRLEN];

	for (size_t i = 0; i < res->n; i++) {
		if (i)
			strcat(addrs, ",");
		strcat(addrs, netaddr_fmt(&res->addrs[i], buf, sizeof(buf)));
	}
	printf("%llu\t%s\t%s\t%s\t%s\n",
	    (unsigned long long)(loop_now() - t->start), name,
	    state_name(res->state), addrs[0] ? addrs : "-",
	    res->error[0] ? res->error : "-");
}

/* Every name answered (OK or FAILED) at least once? */
static bool
settled(struct tool *t)
{
	for (int i = 0; i < t->nnames; i++) {
		if (resolver_get(t->r, t->names[i])->state == RESOLVE_PENDING)
			return false;
	}
	return true;
}

static void
changed_cb(void *arg, const char *name)
{
	struct tool *t = arg;

	print_result(t, name, resolver_get(t->r, name));
	if (t->until_settled && settled(t))
		loop_stop(t->loop);
}

static void
ticker_cb(void *arg)
{
	struct tool *t = arg;
	uint64_t now = loop_now();

	if (now - t->last_tick > t->max_gap)
		t->max_gap = now - t->last_tick;
	t->last_tick = now;
	t->ticks++;
	loop_timer_arm(t->loop, &t->ticker, TICK_MS);
}

/* The first requests, from inside the loop as the daemon makes them, so
 * that a get() that blocked would show as a ticker gap too. */
static void
begin_cb(void *arg)
{
	struct tool *t = arg;

	for (int i = 0; i < t->nnames; i++) {
		const struct resolve_result *res =
		    resolver_get(t->r, t->names[i]);

		if (res->state != RESOLVE_PENDING)
			print_result(t, t->names[i], res);
	}
	if (t->until_settled && settled(t))
		loop_stop(t->loop);
}

static void
end_cb(void *arg)
{
	struct tool *t = arg;

	loop_stop(t->loop);
}

static void
signal_cb(void *arg, uint32_t events)
{
	struct tool *t = arg;
	struct signalfd_siginfo si;

	(void)events;
	if (read(t->sigfd, &si, sizeof(si)) != sizeof(si))
		return;
	printf("signal %s\n", si.ssi_signo == SIGTERM ? "TERM" :
	    si.ssi_signo == SIGINT ? "INT" : "HUP");
	loop_stop(t->loop);
}

static unsigned int
number(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 86400000) {
		fprintf(stderr, "resolvetool: bad %s \"%s\"\n", what, s);
		exit(1);
	}
	return (unsigned int)v;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: resolvetool [-j THREADS] [-t TIMEOUT_MS] "
	    "[-r REFRESH_MS] [-R RETRY_MS] [-d DURATION_MS] NAME...\n");
}

int
main(int argc, char **argv)
{
	struct resolver_opts o = { 0 };
	struct tool t = { .sigfd = -1 };
	unsigned int duration = 0;
	sigset_t set;
	int ch;

	while ((ch = getopt(argc, argv, "j:t:r:R:d:h")) != -1) {
		switch (ch) {
		case 'j': o.threads = number(optarg, "thread count"); break;
		case 't': o.timeout_ms = number(optarg, "timeout"); break;
		case 'r': o.refresh_ms = number(optarg, "refresh"); break;
		case 'R': o.retry_ms = number(optarg, "retry"); break;
		case 'd': duration = number(optarg, "duration"); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	t.names = argv + optind;
	t.nnames = argc - optind;
	t.until_settled = duration == 0;
	setvbuf(stdout, NULL, _IOLBF, 0);

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (t.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
	    !(t.loop = loop_new()) ||
	    loop_io_add(t.loop, &t.sigio, t.sigfd, EPOLLIN, signal_cb, &t) < 0 ||
	    !(t.r = resolver_new(t.loop, &o, changed_cb, &t))) {
		fprintf(stderr, "resolvetool: set-up: %s\n", strerror(errno));
		return 1;
	}
	loop_timer_init(&t.ticker, ticker_cb, &t);
	loop_timer_init(&t.end, end_cb, &t);
	loop_timer_init(&t.begin, begin_cb, &t);
	t.start = t.last_tick = loop_now();
	loop_timer_arm(t.loop, &t.ticker, TICK_MS);
	loop_timer_arm(t.loop, &t.begin, 0);
	if (duration)
		loop_timer_arm(t.loop, &t.end, duration);
	printf("ready\n");
	loop_run(t.loop);

	/* Never waits for a worker still stuck in getaddrinfo(). */
	resolver_free(t.r);
	printf("done max-gap=%llu ticks=%lu\n",
	    (unsigned long long)t.max_gap, t.ticks);
	loop_io_del(t.loop, &t.sigio);
	loop_timer_cancel(t.loop, &t.ticker);
	loop_timer_cancel(t.loop, &t.end);
	loop_timer_cancel(t.loop, &t.begin);
	loop_free(t.loop);
	close(t.sigfd);
	return 0;
}
