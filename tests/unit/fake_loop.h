/*
 * fake_loop: the virtual clock and the log capture that the tests of vip.c
 * (vip_fakes.h) and of the watchers (watch_fakes.h) run on.
 *
 *  - loop.h: timers are kept in order and fired by fake_advance(); nothing
 *    else moves time. The waits these modules keep (start-up deadlines,
 *    poll intervals, command-timeout, reapers) are tens of milliseconds to
 *    a minute long: a real loop would make the tests slow and their order
 *    of events a matter of scheduling. There are no fds: whatever would
 *    arrive on one, a test delivers by calling the fake that owns it.
 *  - log.h: every line (debug included) kept for fake_log_count() and
 *    assert_log(); with VIPTEST_LOG set in the environment, also printed
 *    as TAP comments.
 * All state is global and reset by fake_loop_reset().
 */
#ifndef VIPD_TEST_FAKE_LOOP_H
#define VIPD_TEST_FAKE_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"

#define FAKE_T0		1000000ULL	/* the virtual clock at reset, ms */
#define FAKE_MAX	64		/* of each kind of thing */

/* A test asked for something the fakes cannot be: abort, loudly. */
void fake_die(const char *what) __attribute__((noreturn));
/* Clock back to FAKE_T0, no timer armed, the log empty. */
void fake_loop_reset(void);

/* ---- loop -------------------------------------------------------------- */
struct loop *fake_loop(void);
/* Move the clock `ms` forward, firing every timer that falls due on the
 * way, at its own time and in order (0: the timers due now, as the next
 * loop turn would). */
void fake_advance(uint64_t ms);

/* ---- log --------------------------------------------------------------- */
/* Lines ("level: message") containing `a` and (unless NULL) `b`. */
size_t fake_log_count(const char *a, const char *b);
/* The last such line, or NULL. */
const char *fake_log_last(const char *a, const char *b);
void fake_log_dump(void);		/* every line, as TAP comments */
void fake_log_clear(void);
/* Exactly n log lines contain a (and b); the log is shown otherwise. */
#define assert_log(n, a, b) fake_assert_log((n), (a), (b), __FILE__, __LINE__)
void fake_assert_log(size_t n, const char *a, const char *b, const char *file,
    int line);

#endif
