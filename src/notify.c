/* notify: transition hooks, one at a time per VIP (see notify.h). */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
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
	bool released;			/* its VIP is gone: see
					 * notify_release */
	struct notify *next_released;
};

/* Notifiers let go by their VIP (reload) whose queued runs are still going
 * on in the loop; notify_drain() waits for them at exit. Not VIP state: a
 * reaper's list, as a shell keeps of its background jobs. */
static struct notify *released_list;
/* Runs queued or running in every notifier, for notify_busy(). */
static unsigned int n_busy;

static void notify_next(struct notify *n);
static void notify_destroy(struct notify *n);

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
	n_busy--;
	notify_next(n);
}

static void
notify_timeout(void *arg)
{
	struct notify *n = arg;

	if (n->pid <= 0)
		return;		/* kill(-0) would hit vipd's own group */
	log_warn("%s: notify %s still running after %u ms, killing it",
	    n->label, n->program, n->timeout);
	/* The whole process group: a shell script's sleep or curl would
	 * otherwise outlive the kill and run alongside the next run. The
	 * leader is not reaped yet, so its pid is still its group's. */
	kill(-n->pid, SIGKILL);	/* reaped through the pidfd as usual */
}

/* Fill `attr` and `fa` for one run; 0 or -errno. */
static int
notify_spawn_setup(posix_spawnattr_t *attr, posix_spawn_file_actions_t *fa)
{
	sigset_t none, all;
	int rc;

	/* vipd blocks the signals it reads through signalfd; the hook must
	 * start with a clean mask and default dispositions. */
	sigemptyset(&none);
	sigfillset(&all);
	if ((rc = posix_spawnattr_init(attr)) != 0)
		return -rc;
	posix_spawnattr_setsigmask(attr, &none);
	posix_spawnattr_setsigdefault(attr, &all);
	/* A group of its own, so that the timeout kills all of it. */
	posix_spawnattr_setpgroup(attr, 0);
	posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	/* Only stdin, stdout and stderr: hiredis opens its sockets without
	 * SOCK_CLOEXEC (a hook of a one-VIP vipd was measured holding all
	 * seven Redis and Sentinel connections), and a hook holding them keeps
	 * them open after vipd closes them. */
	if ((rc = posix_spawn_file_actions_init(fa)) != 0) {
		posix_spawnattr_destroy(attr);
		return -rc;
	}
	if ((rc = posix_spawn_file_actions_addclosefrom_np(fa, 3)) != 0) {
		posix_spawn_file_actions_destroy(fa);
		posix_spawnattr_destroy(attr);
		return -rc;
	}
	return 0;
}

static int
notify_spawn(struct notify *n, char *const argv[])
{
	static char *const envp[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
		    "/sbin:/bin",
		NULL,
	};
	posix_spawnattr_t attr;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc;

	if ((rc = notify_spawn_setup(&attr, &fa)) < 0)
		return rc;
	rc = posix_spawn(&pid, n->program, &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0)
		return -rc;
	/* A pidfd makes the child's exit an ordinary fd event for the loop:
	 * no SIGCHLD handler, no reaping of other children by mistake. */
	n->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (n->pidfd < 0) {
		rc = -errno;
		kill(-pid, SIGKILL);
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
		if (rc < 0) {
			n_busy--;
			log_err("%s: cannot run notify %s: %s", n->label,
			    n->program, strerror(-rc));
		}
		job_free(j);
	}
	if (n->released && !n->pid && !n->head)
		notify_destroy(n);
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

static void
notify_destroy(struct notify *n)
{
	struct notify **p;

	for (p = &released_list; *p; p = &(*p)->next_released)
		if (*p == n) {
			*p = n->next_released;
			break;
		}
	loop_timer_cancel(n->loop, &n->deadline);
	free(n->program);
	free(n);
}

void
notify_release(struct notify *n)
{
	if (!n)
		return;
	if (!n->pid && !n->head) {
		notify_destroy(n);
		return;
	}
	/* The last transition of a removed VIP ("released ... removed from
	 * the configuration") deserves its hook too, but waiting for it here
	 * would stall the loop, and every other VIP's release with it, for up
	 * to notify-timeout per queued run. */
	n->released = true;
	n->next_released = released_list;
	released_list = n;
}

void
notify_drain(void)
{
	/* notify_wait() reaps and starts the next queued run; a notifier
	 * whose queue is done frees itself and leaves the list. */
	while (released_list) {
		struct notify *n = released_list;

		if (n->pid)
			notify_wait(n);
		else
			notify_destroy(n);
	}
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
	n_busy++;
	*n->tail = j;
	n->tail = &j->next;
	notify_next(n);
}

unsigned int
notify_busy(void)
{
	return n_busy;
}
