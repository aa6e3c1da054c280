/*
 * A scripted lookup for the resolver's unit tests, in place of
 * getaddrinfo(): a table of names the test controls, each answering
 * addresses or an error, optionally blocking until the test lets it go.
 * It counts calls and how many run at once per name, so "never two
 * lookups of one name" is observed, not assumed, and records whether the
 * calling worker had SIGTERM, SIGHUP and SIGINT blocked. Thread-safe;
 * cmocka assertions only run on the test's thread.
 */
#ifndef VIPD_TEST_RESOLVE_FAKE_H
#define VIPD_TEST_RESOLVE_FAKE_H

#include <stdbool.h>
#include <stddef.h>

#include "netaddr.h"

#define FAKE_RULES	16
#define FAKE_ADDRS	10

struct fake_rule {
	char name[64];
	int rc;				/* what to return */
	char err[64];
	char addrs[FAKE_ADDRS][48];
	size_t n;
	bool rotate;			/* answer rotated by one per call */
	bool block;			/* wait while set */
	unsigned int calls, inflight, max_inflight, returned;
	bool signals_blocked;		/* SIGTERM/HUP/INT blocked in the worker */
};

/* fake_set("n1.test", 0, NULL, "192.0.2.1", "2001:db8::1", NULL): the
 * answer from now on (rc != 0: fail with err). */
void fake_set(const char *name, int rc, const char *err, ...);
void fake_block(const char *name, bool block);
/* Answer rotated by one address per call, as round-robin DNS does. */
void fake_rotate(const char *name);
/* A copy of a rule's counters. */
struct fake_rule fake_get(const char *name);
/* Lookups of names without a rule (they fail as NXDOMAIN would). */
unsigned int fake_unknown_calls(void);
/* Block (off the loop) until `name` was called / returned n times. */
void fake_wait_calls(const char *name, unsigned int calls);
void fake_wait_returned(const char *name, unsigned int n);
/* Let every blocked lookup return, wait until none runs, forget all. */
void fake_reset(void);

int fake_lookup(const char *name, struct netaddr *out, size_t max,
    size_t *n, char *err, size_t errlen);

#endif
