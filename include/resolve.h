/*
 * resolve: host names to addresses without blocking the event loop.
 *
 * getaddrinfo() blocks (for seconds when a name server does not answer), and
 * hiredis connects only to what it is given, so names are resolved here, on
 * helper threads running glibc's getaddrinfo(): it honours nsswitch.conf,
 * /etc/hosts and resolv.conf exactly as Redis and Sentinel themselves do.
 *
 * The cache belongs to the loop thread: every function below must be called
 * from it, and changed() runs on it. Workers only see a copy of a name and
 * hand their answer back through an eventfd the loop watches. Threads start
 * on demand (a configuration of IP literals never starts one), up to
 * `threads`; each blocks every signal, so the daemon's signalfd sees them
 * all. A name is never looked up twice at a time; other names queue behind
 * at most `threads` stuck lookups, and time out while they wait.
 *
 * A lookup not answered within timeout_ms makes the name FAILED at that
 * moment (the worker is still blocked; its answer, when it comes, is applied
 * as usual). A name is re-resolved every refresh_ms while OK, every retry_ms
 * while FAILED, and forgotten (silently) once nobody asked for it for
 * idle_ms.
 *
 * changed(arg, name) runs whenever a name's state or its set of addresses
 * changes (PENDING -> OK, OK -> FAILED, a different address set ...), not
 * when a refresh brings the same set back (in another order: the stored
 * order is updated silently). It may call resolver_get()/resolver_refresh(),
 * never resolver_free().
 *
 * resolver_free() never waits for a lookup: workers share a
 * reference-counted state with the resolver, the last one out frees it.
 * Idle workers are joined (they exit at once); a worker stuck in
 * getaddrinfo() is detached and outlives the resolver until the call
 * returns, then frees its job and exits without touching anything else.
 *
 * resolver_new() returns NULL and sets errno; the rest cannot fail (an
 * unusable name or an allocation failure is a FAILED result with a reason).
 */
#ifndef VIPD_RESOLVE_H
#define VIPD_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

struct loop;
struct resolver;

#define RESOLVE_MAX_ADDRS	8
/* Longest name: 253 characters plus one trailing dot. */
#define RESOLVE_NAME_MAX	254
#define RESOLVE_ERR_MAX		128
/* resolver_refresh() starts at most one lookup per name this often. */
#define RESOLVE_REFRESH_MIN_MS	1000

enum resolve_state {
	RESOLVE_PENDING = 0,	/* first lookup not finished yet */
	RESOLVE_OK,
	RESOLVE_FAILED,		/* last lookup failed or timed out */
};

struct resolve_result {
	enum resolve_state state;
	size_t n;				/* addresses below */
	struct netaddr addrs[RESOLVE_MAX_ADDRS];/* OK: the answer, in
						 * getaddrinfo's order, without
						 * duplicates; FAILED: the
						 * last good answer (n = 0 if
						 * none) */
	char error[RESOLVE_ERR_MAX];		/* FAILED: gai_strerror() text,
						 * "no answer within N ms", or
						 * why the name is unusable */
	uint64_t resolved_at;			/* loop_now() of the
						 * last successful lookup,
						 * 0 = never */
};

/* Zero fields take the defaults given. */
struct resolver_opts {
	unsigned int threads;		/* worker threads (default 2) */
	unsigned int timeout_ms;	/* a lookup not answered by then is
					 * FAILED (default 5000) */
	unsigned int refresh_ms;	/* re-resolve a used name this often
					 * (default 30000) */
	unsigned int retry_ms;		/* after a failure, retry this soon
					 * (default 2000) */
	unsigned int idle_ms;		/* forget a name nobody asked for this
					 * long (default 300000) */
	/* For tests: replaces getaddrinfo(); called on a worker thread with
	 * a private copy of the name. Returns 0 with 1..max addresses in
	 * out[0..*n), anything else with a reason in err. */
	int (*lookup)(const char *name, struct netaddr *out, size_t max,
	    size_t *n, char *err, size_t errlen);
};

/* `o` may be NULL (all defaults). `changed` may be NULL. */
struct resolver *resolver_new(struct loop *l, const struct resolver_opts *o,
    void (*changed)(void *arg, const char *name), void *arg);
void resolver_free(struct resolver *r);		/* NULL-safe */

/*
 * The cached result for `name`. An IP literal answers OK at once, without a
 * thread; a name that is neither a literal nor valid (netaddr_name_valid)
 * answers FAILED at once with the reason, and is not cached. Otherwise
 * starts a lookup if the name is new or due, and counts as a use (see
 * idle_ms). Names match case-insensitively; a trailing dot is significant
 * here ("n1" may go through the search list, "n1." does not).
 * Never NULL; valid until the next call into the resolver or until control
 * returns to the loop, whichever comes first: copy what you keep.
 */
const struct resolve_result *resolver_get(struct resolver *r,
    const char *name);

/* Re-resolve soon (e.g. before a reconnect): at most once per
 * RESOLVE_REFRESH_MIN_MS per name (a call inside that window schedules the
 * lookup for its end), never two lookups of one name at a time (a call while
 * one is in flight does nothing). An unknown name is added as by
 * resolver_get(); a literal or invalid name is ignored. */
void resolver_refresh(struct resolver *r, const char *name);

#endif
