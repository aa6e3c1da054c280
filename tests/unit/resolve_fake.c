/*
 * A scripted lookup for tests/unit/test_resolve.c, in place of
 * getaddrinfo(): see resolve_fake.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "resolve_fake.h"

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct fake_rule rules[FAKE_RULES];
	size_t nrules;
	unsigned int unknown_calls;
} fake = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static struct fake_rule *
rule_find(const char *name)
{
	for (size_t i = 0; i < fake.nrules; i++) {
		if (strcmp(fake.rules[i].name, name) == 0)
			return &fake.rules[i];
	}
	return NULL;
}

/* fake_set("n1.test", 0, NULL, "192.0.2.1", "2001:db8::1", NULL) */
void
fake_set(const char *name, int rc, const char *err, ...)
{
	struct fake_rule *f;
	const char *a;
	va_list ap;

	assert_true(fake.nrules < FAKE_RULES);
	pthread_mutex_lock(&fake.mu);
	if (!(f = rule_find(name))) {
		f = &fake.rules[fake.nrules++];
		memset(f, 0, sizeof(*f));
		snprintf(f->name, sizeof(f->name), "%s", name);
	}
	f->rc = rc;
	snprintf(f->err, sizeof(f->err), "%s", err ? err : "");
	f->n = 0;
	va_start(ap, err);
	while ((a = va_arg(ap, const char *)) && f->n < FAKE_ADDRS)
		snprintf(f->addrs[f->n++], sizeof(f->addrs[0]), "%s", a);
	va_end(ap);
	pthread_mutex_unlock(&fake.mu);
}

void
fake_block(const char *name, bool block)
{
	pthread_mutex_lock(&fake.mu);
	rule_find(name)->block = block;
	pthread_cond_broadcast(&fake.cv);
	pthread_mutex_unlock(&fake.mu);
}

void
fake_rotate(const char *name)
{
	pthread_mutex_lock(&fake.mu);
	rule_find(name)->rotate = true;
	pthread_mutex_unlock(&fake.mu);
}

/* A copy of the counters, taken under the lock. */
struct fake_rule
fake_get(const char *name)
{
	struct fake_rule copy;

	pthread_mutex_lock(&fake.mu);
	copy = *rule_find(name);
	pthread_mutex_unlock(&fake.mu);
	return copy;
}

/* Between tests: let every blocked lookup return, wait until none runs,
 * forget the rules. */
void
fake_reset(void)
{
	bool busy;

	pthread_mutex_lock(&fake.mu);
	for (size_t i = 0; i < fake.nrules; i++)
		fake.rules[i].block = false;
	pthread_cond_broadcast(&fake.cv);
	do {
		busy = false;
		for (size_t i = 0; i < fake.nrules; i++)
			busy |= fake.rules[i].inflight > 0;
		if (busy)
			pthread_cond_wait(&fake.cv, &fake.mu);
	} while (busy);
	fake.nrules = 0;
	fake.unknown_calls = 0;
	pthread_mutex_unlock(&fake.mu);
}

int
fake_lookup(const char *name, struct netaddr *out, size_t max, size_t *n,
    char *err, size_t errlen)
{
	struct fake_rule *f;
	sigset_t mask;
	int rc;

	pthread_sigmask(SIG_BLOCK, NULL, &mask);
	pthread_mutex_lock(&fake.mu);
	if (!(f = rule_find(name))) {
		fake.unknown_calls++;
		pthread_mutex_unlock(&fake.mu);
		snprintf(err, errlen, "Name or service not known");
		return -1;
	}
	f->signals_blocked = sigismember(&mask, SIGTERM) == 1 &&
	    sigismember(&mask, SIGHUP) == 1 && sigismember(&mask, SIGINT) == 1;
	f->calls++;
	pthread_cond_broadcast(&fake.cv);	/* fake_wait_calls() */
	if (++f->inflight > f->max_inflight)
		f->max_inflight = f->inflight;
	while (f->block)
		pthread_cond_wait(&fake.cv, &fake.mu);
	*n = 0;
	for (size_t i = 0; i < f->n && *n < max; i++) {
		size_t k = f->rotate ? (i + f->calls) % f->n : i;

		/* No cmocka assertions off the main thread: a bad address
		 * in a rule shows up as a missing one. */
		if (netaddr_parse(f->addrs[k], &out[*n]) == 0)
			(*n)++;
	}
	snprintf(err, errlen, "%s", f->err);
	rc = f->rc;
	f->inflight--;
	f->returned++;
	pthread_cond_broadcast(&fake.cv);
	pthread_mutex_unlock(&fake.mu);
	return rc;
}

/* Wait (off the loop) until `name`'s lookup has been called `calls` times. */
void
fake_wait_calls(const char *name, unsigned int calls)
{
	pthread_mutex_lock(&fake.mu);
	while (rule_find(name)->calls < calls)
		pthread_cond_wait(&fake.cv, &fake.mu);
	pthread_mutex_unlock(&fake.mu);
}

void
fake_wait_returned(const char *name, unsigned int n)
{
	pthread_mutex_lock(&fake.mu);
	while (rule_find(name)->returned < n)
		pthread_cond_wait(&fake.cv, &fake.mu);
	pthread_mutex_unlock(&fake.mu);
}

unsigned int
fake_unknown_calls(void)
{
	unsigned int n;

	pthread_mutex_lock(&fake.mu);
	n = fake.unknown_calls;
	pthread_mutex_unlock(&fake.mu);
	return n;
}
