/*
 * resolve: the name cache on the loop thread (see resolve.h); the threads
 * that run the lookups are in resolve_pool.c.
 *
 * The loop thread owns the resolver, its entries and their timers. An entry
 * has at most one job in flight (entry->job), and is never freed while it
 * has one, except by resolver_free(), which leaves running jobs to their
 * workers (they never look at the entry).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "loop.h"
#include "resolve.h"
#include "resolve_pool.h"

#define DEFAULT_THREADS		2
#define DEFAULT_TIMEOUT_MS	5000
#define DEFAULT_REFRESH_MS	30000
#define DEFAULT_RETRY_MS	2000
#define DEFAULT_IDLE_MS		300000
#define NO_DEADLINE		UINT64_MAX
#define MIN_BUCKETS		16

struct resolve_entry {
	struct resolve_entry *hnext;
	uint32_t hash;
	struct resolver *r;
	struct resolve_result res;
	struct resolve_job *job;	/* in flight (queued or running) */
	int start_err;			/* -errno: the last start failed */
	uint64_t started;		/* loop_now() of the last start */
	uint64_t due;			/* next lookup, NO_DEADLINE: none */
	uint64_t used;			/* last get() or refresh() */
	struct loop_timer deadline;	/* in-flight timeout, or a start
					 * failure */
	struct loop_timer next;		/* next lookup or expiry */
	char name[];
};

struct resolver {
	struct loop *loop;
	struct resolver_opts o;
	void (*changed)(void *arg, const char *name);
	void *arg;
	struct resolve_pool *pool;
	struct loop_io io;
	struct resolve_entry **buckets;
	size_t nbuckets, n;
	/* Answers that are not cached: literals and unusable names. */
	struct resolve_result scratch;
};

/* Same addresses, in whatever order: round-robin DNS rotates them. */
static bool
addr_same_set(const struct netaddr *a, size_t na, const struct netaddr *b,
    size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		size_t j = 0;

		while (j < nb && !netaddr_equal(&a[i], &b[j]))
			j++;
		if (j == nb)
			return false;
	}
	return true;
}

/* ---- the cache ---------------------------------------------------------- */

static uint32_t
name_hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (uint32_t)tolower((unsigned char)*s)) * 16777619u;
	return h;
}

static struct resolve_entry *
entry_find(struct resolver *r, const char *name, uint32_t h)
{
	struct resolve_entry *e;

	for (e = r->buckets[h & (r->nbuckets - 1)]; e; e = e->hnext) {
		if (e->hash == h && strcasecmp(e->name, name) == 0)
			return e;
	}
	return NULL;
}

/* Double the table when it is full; on allocation failure chains just grow
 * longer. */
static void
table_grow(struct resolver *r)
{
	size_t nb = r->nbuckets * 2;
	struct resolve_entry **b;

	if (r->n < r->nbuckets || !(b = calloc(nb, sizeof(*b))))
		return;
	for (size_t i = 0; i < r->nbuckets; i++) {
		struct resolve_entry *e, *next;

		for (e = r->buckets[i]; e; e = next) {
			next = e->hnext;
			e->hnext = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(r->buckets);
	r->buckets = b;
	r->nbuckets = nb;
}

static void
entry_unlink(struct resolver *r, struct resolve_entry *e)
{
	struct resolve_entry **pp = &r->buckets[e->hash & (r->nbuckets - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	r->n--;
}

static void
entry_free(struct resolver *r, struct resolve_entry *e)
{
	loop_timer_cancel(r->loop, &e->deadline);
	loop_timer_cancel(r->loop, &e->next);
	free(e);
}

static void
notify(struct resolver *r, struct resolve_entry *e)
{
	if (r->changed)
		r->changed(r->arg, e->name);
}

/* Arm `next` for the earlier of the next lookup and expiry. Nothing while a
 * lookup is in flight: its answer reschedules. */
static void
entry_schedule(struct resolver *r, struct resolve_entry *e)
{
	uint64_t expire = e->used + r->o.idle_ms;

	if (e->job) {
		loop_timer_cancel(r->loop, &e->next);
		return;
	}
	loop_timer_arm_at(r->loop, &e->next, e->due < expire ? e->due : expire);
}

static bool
entry_fail(struct resolve_entry *e, const char *msg)
{
	bool changed = e->res.state != RESOLVE_FAILED;

	e->res.state = RESOLVE_FAILED;
	snprintf(e->res.error, sizeof(e->res.error), "%s", msg);
	return changed;
}

/* Start a lookup now. If it cannot even be queued, the failure is applied
 * from the deadline timer in the next loop iteration, so changed() never
 * runs from inside resolver_get() or resolver_refresh(). */
static void
entry_start(struct resolver *r, struct resolve_entry *e)
{
	struct resolve_job *j = calloc(1, sizeof(*j));
	int rc = j ? 0 : -ENOMEM;

	e->started = loop_now();
	e->due = NO_DEADLINE;
	loop_timer_cancel(r->loop, &e->next);
	if (j) {
		j->owner = e;
		snprintf(j->name, sizeof(j->name), "%s", e->name);
		rc = resolve_pool_submit(r->pool, j);
	}
	if (rc < 0) {
		free(j);
		e->start_err = rc;
		loop_timer_arm(r->loop, &e->deadline, 0);
		return;
	}
	e->job = j;
	loop_timer_arm(r->loop, &e->deadline, r->o.timeout_ms);
}

static void
entry_deadline_cb(void *arg)
{
	struct resolve_entry *e = arg;
	struct resolver *r = e->r;
	char msg[RESOLVE_ERR_MAX];
	bool changed;

	if (e->job) {
		/* The worker stays blocked; its answer is applied when it
		 * comes, and only then is the next lookup scheduled. */
		snprintf(msg, sizeof(msg), "no answer within %u ms",
		    r->o.timeout_ms);
		changed = entry_fail(e, msg);
	} else {
		snprintf(msg, sizeof(msg), "cannot start a lookup: %s",
		    strerror(-e->start_err));
		changed = entry_fail(e, msg);
		e->due = loop_now() + r->o.retry_ms;
		entry_schedule(r, e);
	}
	if (changed)
		notify(r, e);
}

static void
entry_next_cb(void *arg)
{
	struct resolve_entry *e = arg;
	struct resolver *r = e->r;
	uint64_t now = loop_now();

	if (e->job)
		return;
	if (now - e->used >= r->o.idle_ms) {
		entry_unlink(r, e);
		entry_free(r, e);
	} else if (now >= e->due) {
		entry_start(r, e);
	} else {
		entry_schedule(r, e);
	}
}

static struct resolve_entry *
entry_new(struct resolver *r, const char *name, uint32_t h)
{
	size_t len = strlen(name);
	struct resolve_entry *e = calloc(1, sizeof(*e) + len + 1);

	if (!e)
		return NULL;
	memcpy(e->name, name, len + 1);
	e->hash = h;
	e->r = r;
	e->used = loop_now();
	e->due = NO_DEADLINE;
	loop_timer_init(&e->deadline, entry_deadline_cb, e);
	loop_timer_init(&e->next, entry_next_cb, e);
	table_grow(r);
	e->hnext = r->buckets[h & (r->nbuckets - 1)];
	r->buckets[h & (r->nbuckets - 1)] = e;
	r->n++;
	entry_start(r, e);
	return e;
}

/* A finished job, on the loop thread. */
static void
job_apply(struct resolver *r, struct resolve_job *j)
{
	struct resolve_entry *e = j->owner;
	struct resolve_result *res = &e->res;
	uint64_t now = loop_now();
	bool changed;

	e->job = NULL;
	loop_timer_cancel(r->loop, &e->deadline);
	if (j->rc == 0) {
		changed = res->state != RESOLVE_OK ||
		    !addr_same_set(res->addrs, res->n, j->addrs, j->n);
		res->state = RESOLVE_OK;
		res->n = j->n;
		memcpy(res->addrs, j->addrs, sizeof(res->addrs));
		res->error[0] = '\0';
		res->resolved_at = now;
		e->due = now + r->o.refresh_ms;
	} else {
		changed = entry_fail(e, j->err);
		e->due = now + r->o.retry_ms;
	}
	free(j);
	entry_schedule(r, e);
	if (changed)
		notify(r, e);
}

static void
resolver_io_cb(void *arg, uint32_t events)
{
	struct resolver *r = arg;
	struct resolve_job *j, *next;

	(void)events;
	/* changed() may add entries, never free them: every j->owner stays
	 * valid through the batch. */
	j = resolve_pool_take(r->pool);
	for (; j; j = next) {
		next = j->next;
		job_apply(r, j);
	}
}

/* ---- the interface ------------------------------------------------------ */

static void
opts_defaults(struct resolver_opts *o)
{
	if (!o->threads)
		o->threads = DEFAULT_THREADS;
	if (o->threads > RESOLVE_POOL_MAX_THREADS)
		o->threads = RESOLVE_POOL_MAX_THREADS;
	if (!o->timeout_ms)
		o->timeout_ms = DEFAULT_TIMEOUT_MS;
	if (!o->refresh_ms)
		o->refresh_ms = DEFAULT_REFRESH_MS;
	if (!o->retry_ms)
		o->retry_ms = DEFAULT_RETRY_MS;
	if (!o->idle_ms)
		o->idle_ms = DEFAULT_IDLE_MS;
}

struct resolver *
resolver_new(struct loop *l, const struct resolver_opts *o,
    void (*changed)(void *arg, const char *name), void *arg)
{
	struct resolver *r = calloc(1, sizeof(*r));
	int rc = -ENOMEM;

	if (!r)
		return NULL;
	if (o)
		r->o = *o;
	opts_defaults(&r->o);
	r->loop = l;
	r->changed = changed;
	r->arg = arg;
	r->nbuckets = MIN_BUCKETS;
	if (!(r->buckets = calloc(r->nbuckets, sizeof(*r->buckets))))
		goto out;
	if (!(r->pool = resolve_pool_new(r->o.threads, r->o.lookup))) {
		rc = -errno;
		goto out;
	}
	rc = loop_io_add(l, &r->io, resolve_pool_fd(r->pool), EPOLLIN,
	    resolver_io_cb, r);
out:
	if (rc < 0) {
		resolver_free(r);
		errno = -rc;
		return NULL;
	}
	return r;
}

void
resolver_free(struct resolver *r)
{
	if (!r)
		return;
	loop_io_del(r->loop, &r->io);
	resolve_pool_close(r->pool);
	for (size_t i = 0; r->buckets && i < r->nbuckets; i++) {
		struct resolve_entry *e, *next;

		for (e = r->buckets[i]; e; e = next) {
			next = e->hnext;
			entry_free(r, e);
		}
	}
	free(r->buckets);
	free(r);
}

static const struct resolve_result *
scratch_fail(struct resolver *r, const char *msg)
{
	memset(&r->scratch, 0, sizeof(r->scratch));
	r->scratch.state = RESOLVE_FAILED;
	snprintf(r->scratch.error, sizeof(r->scratch.error), "%s", msg);
	return &r->scratch;
}

/* A literal or an unusable name: answered without the cache. NULL for a
 * name to look up. */
static const struct resolve_result *
uncached(struct resolver *r, const char *name)
{
	struct netaddr a;

	if (!name || !*name)
		return scratch_fail(r, "empty host name");
	if (netaddr_parse(name, &a) == 0) {
		memset(&r->scratch, 0, sizeof(r->scratch));
		r->scratch.state = RESOLVE_OK;
		r->scratch.n = 1;
		r->scratch.addrs[0] = a;
		r->scratch.resolved_at = loop_now();
		return &r->scratch;
	}
	if (!netaddr_name_valid(name, strlen(name)))
		return scratch_fail(r, "not a valid host name");
	return NULL;
}

const struct resolve_result *
resolver_get(struct resolver *r, const char *name)
{
	const struct resolve_result *u = uncached(r, name);
	uint32_t h;
	struct resolve_entry *e;

	if (u)
		return u;
	h = name_hash(name);
	if (!(e = entry_find(r, name, h))) {
		if (!(e = entry_new(r, name, h)))
			return scratch_fail(r, "out of memory");
		return &e->res;
	}
	e->used = loop_now();
	if (!e->job && e->due <= e->used)
		entry_start(r, e);
	return &e->res;
}

void
resolver_refresh(struct resolver *r, const char *name)
{
	uint32_t h;
	struct resolve_entry *e;
	uint64_t now, earliest;

	if (uncached(r, name))
		return;
	h = name_hash(name);
	if (!(e = entry_find(r, name, h))) {
		entry_new(r, name, h);
		return;
	}
	now = loop_now();
	e->used = now;
	if (e->job)
		return;
	earliest = e->started + RESOLVE_REFRESH_MIN_MS;
	if (earliest <= now) {
		entry_start(r, e);
		return;
	}
	if (earliest < e->due)
		e->due = earliest;
	entry_schedule(r, e);
}
