/* notify: transition hooks, one at a time per VIP (see notify.h). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "notify.h"

#define NOTIFY_ARGS	6	/* program + five arguments */

struct notify_job {
	struct notify_job *next;
	char *argv[NOTIFY_ARGS + 1];
};

struct notify {
	struct loop *loop;
	char *program;
	char label[96];
	unsigned int timeout;
	struct notify_job *head, **tail;
	pid_t pid;			/* running child, 0 = none */
	int pidfd;
	struct loop_io io;
	struct loop_timer deadline;
	uint64_t started;
	unsigned long runs;
};

static void notify_next(struct notify *n);

static void
job_free(struct notify_job *j)
{
	if (!j)
		return;
	for (int i = 0; i < NOTIFY_ARGS; i++)
		free(j->argv[i]);
	free(j);
}

/* The child exited: reap it, log how, start the next queued run. */
static void
notify_reap(void *arg, uint32_t events)
{
	struct notify *n = arg;
	int status;

	(void)events;
	if (waitpid(n->pid, &status, 0) != n->pid)
		return;
	loop_io_del(n->loop, &n->io);
	close(n->pidfd);
	loop_timer_cancel(n->loop, &n->deadline);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_info("%s: notify %s exited 0 after %llu ms", n->label,
		    n->program, (unsigned long long)(loop_now() - n->started));
	else if (WIFEXITED(status))
		log_warn("%s: notify %s exited %d", n->label, n->program,
		    WEXITSTATUS(status));
	else
		log_warn("%s: notify %s killed by signal %d", n->label,
		    n->program, WTERMSIG(status));
	n->pid = 0;
	n->pidfd = -1;
	notify_next(n);
}

static void
notify_timeout(void *arg)
{
	struct notify *n = arg;

	log_warn("%s: notify %s still running after %u ms, killing it",
	    n->label, n->program, n->timeout);
	kill(n->pid, SIGKILL);	/* reaped through the pidfd as usual */
}

static int
notify_spawn(struct notify *n, char *const argv[])
{
	static char *const envp[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		NULL,
	};
	posix_spawnattr_t attr;
	sigset_t none;
	pid_t pid;
	int rc;

	/* vipd blocks the signals it reads through signalfd; the hook must
	 * start with a clean mask and default dispositions. */
	sigemptyset(&none);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF);
	{
		sigset_t all;

		sigfillset(&all);
		posix_spawnattr_setsigdefault(&attr, &all);
	}
	rc = posix_spawn(&pid, n->program, NULL, &attr, argv, envp);
	posix_spawnattr_destroy(&attr);
	if (rc != 0)
		return -rc;
	/* A pidfd makes the child's exit an ordinary fd event for the loop:
	 * no SIGCHLD handler, no reaping of other children by mistake. */
	n->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (n->pidfd < 0) {
		rc = -errno;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return rc;
	}
	n->pid = pid;
	n->started = loop_now();
	loop_io_add(n->loop, &n->io, n->pidfd, EPOLLIN, notify_reap, n);
	loop_timer_arm(n->loop, &n->deadline, n->timeout);
	return 0;
}

static void
notify_next(struct notify *n)
{
	struct notify_job *j;
	int rc;

	while (!n->pid && (j = n->head)) {
		n->head = j->next;
		if (!n->head)
			n->tail = &n->head;
		rc = notify_spawn(n, j->argv);
		if (rc < 0)
			log_err("%s: cannot run notify %s: %s", n->label,
			    n->program, strerror(-rc));
		job_free(j);
	}
}

struct notify *
notify_new(struct loop *l, const char *program, unsigned int timeout_ms,
    const char *label)
{
	struct notify *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->program = strdup(program);
	if (!n->program) {
		free(n);
		return NULL;
	}
	n->loop = l;
	n->timeout = timeout_ms;
	n->tail = &n->head;
	n->pidfd = -1;
	snprintf(n->label, sizeof(n->label), "%s", label);
	loop_timer_init(&n->deadline, notify_timeout, n);
	return n;
}

/* Wait for the running child, within what is left of its timeout. */
static void
notify_wait(struct notify *n)
{
	struct pollfd pfd = { .fd = n->pidfd, .events = POLLIN };
	uint64_t end = n->started + n->timeout, now;

	while ((now = loop_now()) < end &&
	    poll(&pfd, 1, (int)(end - now)) < 0 && errno == EINTR)
		;
	if (!(pfd.revents & POLLIN))
		notify_timeout(n);
	notify_reap(n, EPOLLIN);
}

void
notify_free(struct notify *n)
{
	if (!n)
		return;
	/* The last transition (usually "released" at shutdown) deserves its
	 * hook too: drain the queue, each run bounded by notify-timeout. */
	while (n->pid)
		notify_wait(n);
	loop_timer_cancel(n->loop, &n->deadline);
	free(n->program);
	free(n);
}

void
notify_run(struct notify *n, const char *name, const char *state,
    const char *address, const char *interface, const char *reason)
{
	const char *args[NOTIFY_ARGS] = { n->program, name, state, address,
	    interface, reason };
	struct notify_job *j = calloc(1, sizeof(*j));

	if (!j) {
		log_err("%s: notify skipped: out of memory", n->label);
		return;
	}
	for (int i = 0; i < NOTIFY_ARGS; i++) {
		j->argv[i] = strdup(args[i]);
		if (!j->argv[i]) {
			job_free(j);
			log_err("%s: notify skipped: out of memory", n->label);
			return;
		}
	}
	n->runs++;
	*n->tail = j;
	n->tail = &j->next;
	notify_next(n);
}

unsigned long
notify_count(const struct notify *n)
{
	return n->runs;
}
