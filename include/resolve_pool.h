/*
 * resolve_pool: worker threads that run name lookups for the resolver
 * (resolve.c), which is their only user.
 *
 * The caller (the loop thread) submits jobs; up to `max` workers, started
 * on demand, each take one, run the lookup with every signal blocked, and
 * put it on a done list, writing to an eventfd the caller watches. The
 * caller takes the done list back and frees the jobs. A worker only ever
 * touches its job's name and answer fields, never `owner`.
 *
 * resolve_pool_close() never waits for a lookup (see resolve_pool.c).
 * resolve_pool_new() returns NULL and sets errno; resolve_pool_submit()
 * returns 0 or -errno.
 */
#ifndef VIPD_RESOLVE_POOL_H
#define VIPD_RESOLVE_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "netaddr.h"
#include "resolve.h"

/* More threads than this would only queue on the name servers. */
#define RESOLVE_POOL_MAX_THREADS	64

typedef int (*resolve_lookup_fn)(const char *name, struct netaddr *out,
    size_t max, size_t *n, char *err, size_t errlen);

struct resolve_job {
	struct resolve_job *next;
	void *owner;				/* the caller's */
	char name[RESOLVE_NAME_MAX + 1];	/* in */
	int rc;					/* out: 0 = addresses */
	size_t n;				/* 1..RESOLVE_MAX_ADDRS */
	struct netaddr addrs[RESOLVE_MAX_ADDRS];/* getaddrinfo's order, no
						 * duplicates */
	char err[RESOLVE_ERR_MAX];		/* rc != 0: why, never empty */
};

struct resolve_pool;

/* `max` is taken as 1..RESOLVE_POOL_MAX_THREADS; lookup NULL = getaddrinfo()
 * (AF_UNSPEC, SOCK_STREAM). */
struct resolve_pool *resolve_pool_new(unsigned int max,
    resolve_lookup_fn lookup);
/* Readable when jobs are done. */
int resolve_pool_fd(const struct resolve_pool *p);
/* Queue `j`, starting a worker if none is free. -errno only when no worker
 * exists to ever run it; the job is then still the caller's. */
int resolve_pool_submit(struct resolve_pool *p, struct resolve_job *j);
/* The finished jobs (NULL-terminated list through `next`, in the order they
 * finished), now the caller's; clears the fd's readiness. */
struct resolve_job *resolve_pool_take(struct resolve_pool *p);
/* The caller's reference goes: queued and finished jobs are freed now,
 * running ones by their workers when the lookup returns. NULL-safe. */
void resolve_pool_close(struct resolve_pool *p);

#endif
