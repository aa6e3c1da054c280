/*
 * resolve_pool: the worker threads behind the resolver (see resolve_pool.h).
 *
 * Everything here is shared between the loop thread and the workers and
 * lives under the pool's mutex: the queue of jobs to run, the list of
 * finished jobs, a flag saying the resolver is gone, and a reference count
 * (the resolver holds one, every live worker one). A job belongs to the
 * queue, then to the worker that took it, then to the done list, then to
 * the caller of resolve_pool_take(). A worker that finishes after
 * resolve_pool_close() frees its job itself; the last holder of a reference
 * frees the pool and closes the eventfd. So a stuck getaddrinfo() never
 * makes the close wait: it detaches the workers that are inside a lookup
 * and joins only the idle ones, which exit at once. (Joining those matters:
 * glibc frees a thread's resolver state when the thread ends, and a process
 * that exits with idle workers still alive shows that state as lost under
 * valgrind.)
 */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include "resolve_pool.h"

struct resolve_worker {
	pthread_t tid;
	bool busy;			/* inside a lookup */
};

/* Every field under `mu`, except efd and lookup, which never change while
 * a reference is held. */
struct resolve_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned int refs;		/* the resolver + each live worker */
	unsigned int workers, idle, max;
	/* Workers never exit before the pool closes: w[0..workers). */
	struct resolve_worker w[RESOLVE_POOL_MAX_THREADS];
	size_t nqueued;
	bool closing;			/* resolve_pool_close() was called */
	struct resolve_job *queue, **queue_tail;
	struct resolve_job *done, **done_tail;
	int efd;			/* workers write 1 per finished job */
	resolve_lookup_fn lookup;
};

/* ---- lookups (on a worker thread) --------------------------------------- */

static bool
addr_add_unique(struct netaddr *out, size_t *n, size_t max,
    const struct netaddr *a)
{
	if (a->family != AF_INET && a->family != AF_INET6)
		return false;
	for (size_t i = 0; i < *n; i++) {
		if (netaddr_equal(&out[i], a))
			return false;
	}
	if (*n >= max)
		return false;
	out[(*n)++] = *a;
	return true;
}

/* The default lookup, on a worker thread. */
static int
gai_lookup(const char *name, struct netaddr *out, size_t max, size_t *n,
    char *err, size_t errlen)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	};
	struct addrinfo *res, *ai;
	char buf[64];
	int rc;

	*n = 0;
	rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "%s", rc == EAI_SYSTEM ?
		    strerror_r(errno, buf, sizeof(buf)) : gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		struct netaddr a = { .family = ai->ai_family };

		if (ai->ai_family == AF_INET)
			a.u.v4 = ((struct sockaddr_in *)ai->ai_addr)->sin_addr;
		else if (ai->ai_family == AF_INET6)
			a.u.v6 =
			    ((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		addr_add_unique(out, n, max, &a);
	}
	freeaddrinfo(res);
	if (*n == 0) {
		snprintf(err, errlen, "no IPv4 or IPv6 address");
		return -1;
	}
	return 0;
}

/* Whatever the lookup function returned, hand back a clean answer. */
static void
job_run(struct resolve_job *j, resolve_lookup_fn lookup)
{
	struct netaddr raw[RESOLVE_MAX_ADDRS];
	size_t nraw = 0;

	memset(raw, 0, sizeof(raw));
	j->err[0] = '\0';
	j->rc = lookup(j->name, raw, RESOLVE_MAX_ADDRS, &nraw, j->err,
	    sizeof(j->err));
	j->err[sizeof(j->err) - 1] = '\0';
	j->n = 0;
	if (j->rc != 0) {
		if (!j->err[0])
			snprintf(j->err, sizeof(j->err), "lookup failed");
		return;
	}
	for (size_t i = 0; i < nraw && i < RESOLVE_MAX_ADDRS; i++)
		addr_add_unique(j->addrs, &j->n, RESOLVE_MAX_ADDRS, &raw[i]);
	if (j->n == 0) {
		j->rc = -1;
		snprintf(j->err, sizeof(j->err), "no IPv4 or IPv6 address");
	}
}

/* ---- the pool ------------------------------------------------------------ */

static void
pool_unref_locked(struct resolve_pool *p)
{
	bool last = --p->refs == 0;

	pthread_mutex_unlock(&p->mu);
	if (!last)
		return;
	close(p->efd);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

static void *
worker_main(void *arg)
{
	struct resolve_pool *p = arg;
	struct resolve_worker *self = NULL;
	struct resolve_job *j;
	uint64_t one = 1;

	/* Our slot was filled in before the spawner let go of the lock. */
	pthread_mutex_lock(&p->mu);
	for (unsigned int i = 0; i < p->workers && !self; i++) {
		if (pthread_equal(p->w[i].tid, pthread_self()))
			self = &p->w[i];
	}
	for (;;) {
		while (!p->closing && !p->queue) {
			p->idle++;
			pthread_cond_wait(&p->cv, &p->mu);
			p->idle--;
		}
		if (p->closing)
			break;
		j = p->queue;
		p->queue = j->next;
		if (!p->queue)
			p->queue_tail = &p->queue;
		p->nqueued--;
		self->busy = true;
		pthread_mutex_unlock(&p->mu);

		job_run(j, p->lookup);

		pthread_mutex_lock(&p->mu);
		self->busy = false;
		if (p->closing) {
			free(j);
			break;
		}
		j->next = NULL;
		*p->done_tail = j;
		p->done_tail = &j->next;
		pthread_mutex_unlock(&p->mu);
		/* Cannot fail short of a full counter (2^64 - 1 writes). */
		(void)!write(p->efd, &one, sizeof(one));
		pthread_mutex_lock(&p->mu);
	}
	pool_unref_locked(p);
	return NULL;
}

/* With p->mu held. Workers start with every signal blocked (inherited from
 * this thread's mask at creation, so there is no window): the daemon takes
 * its signals through a signalfd, which only sees signals no thread lets
 * through. */
static int
pool_spawn_locked(struct resolve_pool *p)
{
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	if ((rc = pthread_attr_init(&attr)) != 0)
		return -rc;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&t, &attr, worker_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		return -rc;
	p->w[p->workers].tid = t;
	p->w[p->workers].busy = false;
	p->workers++;
	p->refs++;
	return 0;
}

int
resolve_pool_submit(struct resolve_pool *p, struct resolve_job *j)
{
	int rc = 0;

	pthread_mutex_lock(&p->mu);
	if (p->nqueued + 1 > p->idle && p->workers < p->max)
		rc = pool_spawn_locked(p);
	if (rc < 0 && p->workers > 0)
		rc = 0;		/* a busy worker will take it later */
	if (rc == 0) {
		j->next = NULL;
		*p->queue_tail = j;
		p->queue_tail = &j->next;
		p->nqueued++;
		pthread_cond_signal(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

struct resolve_pool *
resolve_pool_new(unsigned int max, resolve_lookup_fn lookup)
{
	struct resolve_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->efd < 0) {
		int e = errno;

		free(p);
		errno = e;
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->refs = 1;
	p->max = max == 0 ? 1 : max < RESOLVE_POOL_MAX_THREADS ? max :
	    RESOLVE_POOL_MAX_THREADS;
	p->lookup = lookup ? lookup : gai_lookup;
	p->queue_tail = &p->queue;
	p->done_tail = &p->done;
	return p;
}

static void
job_list_free(struct resolve_job *j)
{
	while (j) {
		struct resolve_job *next = j->next;

		free(j);
		j = next;
	}
}

/* Idle workers are joined (they exit at once), busy ones detached. */
void
resolve_pool_close(struct resolve_pool *p)
{
	pthread_t idle[RESOLVE_POOL_MAX_THREADS];
	unsigned int nidle = 0;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->closing = true;
	job_list_free(p->queue);
	job_list_free(p->done);
	p->queue = p->done = NULL;
	for (unsigned int i = 0; i < p->workers; i++) {
		if (p->w[i].busy)
			pthread_detach(p->w[i].tid);
		else
			idle[nidle++] = p->w[i].tid;
	}
	pthread_cond_broadcast(&p->cv);
	pool_unref_locked(p);		/* p may be gone from here on */
	for (unsigned int i = 0; i < nidle; i++)
		pthread_join(idle[i], NULL);
}

int
resolve_pool_fd(const struct resolve_pool *p)
{
	return p->efd;
}

struct resolve_job *
resolve_pool_take(struct resolve_pool *p)
{
	struct resolve_job *j;
	uint64_t v;

	(void)!read(p->efd, &v, sizeof(v));	/* EAGAIN: nothing to clear */
	pthread_mutex_lock(&p->mu);
	j = p->done;
	p->done = NULL;
	p->done_tail = &p->done;
	pthread_mutex_unlock(&p->mu);
	return j;
}
