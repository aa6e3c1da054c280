/* reexec: replace vipd's code in place on SIGUSR2 (see reexec.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "reexec.h"
#include "sdnotify.h"

#define CHECK_OUTPUT_MAX	768	/* bytes of `vipd -n` output logged */
/* execvp(3)'s search path when PATH is unset. */
#define DEFAULT_PATH		"/bin:/usr/bin"

extern char **environ;

/* How this process was started: one per process, set by main(). */
static struct {
	char path[PATH_MAX];
	char **argv;
	char from[64];
	bool reexeced;
} self;

enum reexec_step {
	STEP_IDLE,
	STEP_CHECK,		/* `vipd -n` running */
	STEP_SETTLE,		/* waiting for ops->settled */
};

struct reexec {
	struct loop *loop;
	const struct reexec_ops *ops;
	void *arg;
	enum reexec_step step;
	char *config;
	pid_t pid;			/* the check child, 0 = none */
	int pidfd, out;			/* its pidfd, the read end of its
					 * output */
	bool killed;			/* by the check timeout */
	struct loop_io io;
	struct loop_timer timer;	/* check timeout, then settle polls */
	uint64_t settle_start;
	bool waiting_logged;
	struct stat checked;		/* the file `vipd -n` ran from */
};

static void check_start(struct reexec *r);

/* --- how we were started ------------------------------------------------ */

static int
search_path(const char *name, const char *cwd, const char *path_env,
    char *out, size_t len)
{
	const char *p = path_env ? path_env : DEFAULT_PATH;

	while (p) {
		const char *colon = strchr(p, ':');
		size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
		struct stat sb;
		int n;

		/* An empty entry is the current directory (execvp(3)). */
		if (dlen == 0)
			n = snprintf(out, len, "%s/%s", cwd, name);
		else if (p[0] != '/')
			n = snprintf(out, len, "%s/%.*s/%s", cwd, (int)dlen, p,
			    name);
		else
			n = snprintf(out, len, "%.*s/%s", (int)dlen, p, name);
		if (n > 0 && (size_t)n < len && stat(out, &sb) == 0 &&
		    S_ISREG(sb.st_mode) && access(out, X_OK) == 0)
			return 0;
		p = colon ? colon + 1 : NULL;
	}
	return -ENOENT;
}

int
reexec_resolve(const char *argv0, const char *cwd, const char *path_env,
    char *out, size_t len)
{
	int n;

	if (!argv0 || !*argv0)
		return -ENOENT;
	if (argv0[0] == '/')
		n = snprintf(out, len, "%s", argv0);
	else if (strchr(argv0, '/'))
		n = snprintf(out, len, "%s/%s", cwd,
		    strncmp(argv0, "./", 2) == 0 ? argv0 + 2 : argv0);
	else
		return search_path(argv0, cwd, path_env, out, len);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int
reexec_init(int argc, char *argv[])
{
	const char *from = getenv(REEXEC_ENV);
	char cwd[PATH_MAX];
	ssize_t n;

	self.argv = argc > 0 ? argv : NULL;
	self.reexeced = from != NULL;
	if (from) {
		snprintf(self.from, sizeof(self.from), "%s", from);
		unsetenv(REEXEC_ENV);
	}
	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "/");
	/* The path as started, not /proc/self/exe: after a package upgrade
	 * that names the deleted old file, and it resolves symlinks that an
	 * upgrade may have pointed elsewhere. */
	if (self.argv && reexec_resolve(argv[0], cwd, getenv("PATH"),
	    self.path, sizeof(self.path)) == 0)
		return 0;
	n = readlink("/proc/self/exe", self.path, sizeof(self.path) - 1);
	if (n < 0) {
		self.path[0] = '\0';
		return -errno;
	}
	self.path[n] = '\0';
	return 0;
}

const char *
reexec_path(void)
{
	return self.path;
}

const char *
reexec_from(void)
{
	return self.reexeced ? self.from : NULL;
}

/* --- may we go? ---------------------------------------------------------- */

bool
reexec_vip_settled(const struct vip_status *st, char *why, size_t len)
{
	if (!st->holding)
		return true;
	if (st->verdict != VERDICT_HOLD) {
		snprintf(why, len, "vip %s is being released (%s)", st->name,
		    st->reason);
		return false;
	}
	if (!st->node_reachable || st->role != NODE_ROLE_MASTER) {
		snprintf(why, len, "vip %s is held while the local node is %s "
		    "(%s)", st->name, st->node_reachable ?
		    node_role_name(st->role) : "unreachable", st->reason);
		return false;
	}
	if (st->agree < st->majority) {
		snprintf(why, len, "vip %s is held with %u of %u Sentinels "
		    "naming this node, fewer than the majority of %u (%s)",
		    st->name, st->agree, st->n_sentinels, st->majority,
		    st->reason);
		return false;
	}
	return true;
}

/* --- the steps ------------------------------------------------------------ */

static void
finish(struct reexec *r)
{
	loop_timer_cancel(r->loop, &r->timer);
	free(r->config);
	r->config = NULL;
	r->step = STEP_IDLE;
}

/* Every fd above 2 closes on exec: the new code opens its own. */
static void
cloexec_all(void)
{
	DIR *dir;
	struct dirent *de;

	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	/* Before Linux 5.11, or refused by a seccomp filter. */
	if (!(dir = opendir("/proc/self/fd")))
		return;
	while ((de = readdir(dir)) != NULL) {
		int fd = atoi(de->d_name), fl;

		if (fd > 2 && fd != dirfd(dir) &&
		    (fl = fcntl(fd, F_GETFD)) >= 0)
			fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
	}
	closedir(dir);
}

static void
do_exec(struct reexec *r)
{
	char why[512], msg[128 + PATH_MAX];
	struct timespec ts;
	struct stat sb;
	int rc, e;

	if (stat(self.path, &sb) < 0 || sb.st_dev != r->checked.st_dev ||
	    sb.st_ino != r->checked.st_ino ||
	    sb.st_mtim.tv_sec != r->checked.st_mtim.tv_sec ||
	    sb.st_mtim.tv_nsec != r->checked.st_mtim.tv_nsec) {
		log_notice("re-exec: %s changed since it was checked; "
		    "checking it again", self.path);
		check_start(r);
		return;
	}
	why[0] = '\0';
	rc = r->ops->prepare ? r->ops->prepare(r->arg, why, sizeof(why)) : 0;
	if (rc < 0) {
		log_err("re-exec refused: %s; still running the old code", why);
		finish(r);
		return;
	}
	if (rc > 0) {
		/* It changed something (released a VIP, whose hook now
		 * runs): settle again. */
		loop_timer_arm(r->loop, &r->timer, 0);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu\n"
	    "STATUS=re-executing %s", (unsigned long long)ts.tv_sec * 1000000 +
	    (unsigned long long)ts.tv_nsec / 1000, self.path);
	sdnotify(msg);
	sdnotify("WATCHDOG=1");
	log_notice("re-executing %s in place (pid %d); held VIPs stay on "
	    "their interfaces", self.path, (int)getpid());
	setenv(REEXEC_ENV, PACKAGE_VERSION, 1);
	cloexec_all();
	execv(self.path, self.argv);
	e = errno;
	unsetenv(REEXEC_ENV);
	log_err("re-exec: cannot execute %s: %s; still running the old code",
	    self.path, strerror(e));
	sdnotify("READY=1\nSTATUS=running");
	finish(r);
}

static void
settle_tick(void *arg)
{
	struct reexec *r = arg;
	char why[512];
	uint64_t waited = loop_now() - r->settle_start;

	why[0] = '\0';
	if (r->ops->settled && !r->ops->settled(r->arg, why, sizeof(why))) {
		if (waited >= REEXEC_SETTLE_MAX) {
			log_err("re-exec abandoned after %llu ms: %s; still "
			    "running the old code (send SIGUSR2 again later)",
			    (unsigned long long)waited, why);
			finish(r);
			return;
		}
		if (!r->waiting_logged)
			log_notice("re-exec waits (at most %u ms): %s",
			    REEXEC_SETTLE_MAX, why);
		r->waiting_logged = true;
		loop_timer_arm(r->loop, &r->timer, REEXEC_SETTLE_POLL);
		return;
	}
	do_exec(r);
}

static void
check_reap(struct reexec *r, int *status)
{
	loop_io_del(r->loop, &r->io);
	loop_timer_cancel(r->loop, &r->timer);
	while (waitpid(r->pid, status, 0) < 0 && errno == EINTR)
		;
	close(r->pidfd);
	r->pidfd = -1;
	r->pid = 0;
}

/* What the check printed, on one line. */
static void
check_output(struct reexec *r, char *buf, size_t len)
{
	ssize_t n = read(r->out, buf, len - 1);

	if (n < 0)
		n = 0;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	close(r->out);
	r->out = -1;
}

static void
check_done(void *arg, uint32_t events)
{
	struct reexec *r = arg;
	char out[CHECK_OUTPUT_MAX], what[64];
	int status = 0;

	(void)events;
	check_reap(r, &status);
	check_output(r, out, sizeof(out));
	if (!r->killed && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		log_info("re-exec: %s -n -c %s: configuration accepted",
		    self.path, r->config);
		r->step = STEP_SETTLE;
		r->settle_start = loop_now();
		r->waiting_logged = false;
		settle_tick(r);
		return;
	}
	if (r->killed)
		snprintf(what, sizeof(what), "did not finish within %u ms",
		    REEXEC_CHECK_TIMEOUT);
	else if (WIFEXITED(status))
		snprintf(what, sizeof(what), "exited %d", WEXITSTATUS(status));
	else
		snprintf(what, sizeof(what), "was killed by signal %d",
		    WTERMSIG(status));
	log_err("re-exec refused: %s -n -c %s %s%s%s; still running the old "
	    "code", self.path, r->config, what, *out ? ": " : "", out);
	finish(r);
}

static void
check_timeout(void *arg)
{
	struct reexec *r = arg;

	if (r->step != STEP_CHECK) {
		settle_tick(r);
		return;
	}
	if (r->pid <= 0)
		return;
	r->killed = true;
	kill(-r->pid, SIGKILL);	/* reaped through the pidfd */
}

/* Start `<path> -n -c <config>`: clean signal mask and dispositions (we
 * block what signalfd reads), a process group of its own (the timeout
 * kills all of it), stdout and stderr into a pipe, no other fd. */
static int
check_spawn(struct reexec *r, int wfd, pid_t *pid)
{
	char *argv[] = { self.path, "-n", "-c", r->config, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int rc;

	sigemptyset(&none);
	sigfillset(&all);
	if ((rc = posix_spawnattr_init(&attr)) != 0)
		return -rc;
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0) {
		posix_spawnattr_destroy(&attr);
		return -rc;
	}
	if ((rc = posix_spawn_file_actions_adddup2(&fa, wfd, 1)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, wfd, 2)) != 0 ||
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) != 0)
		rc = -rc;
	else
		rc = -posix_spawn(pid, self.path, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return rc;
}

static void
check_start(struct reexec *r)
{
	int pfd[2] = { -1, -1 }, rc;
	pid_t pid = 0;

	r->step = STEP_CHECK;
	r->killed = false;
	if (stat(self.path, &r->checked) < 0) {
		rc = -errno;
		goto fail;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		rc = -errno;
		goto fail;
	}
	/* Only our end: the child's stderr stays blocking. */
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	rc = check_spawn(r, pfd[1], &pid);
	close(pfd[1]);
	if (rc < 0)
		goto fail;
	/* The child's exit as an fd event, as notify.c does: no SIGCHLD. */
	r->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (r->pidfd < 0) {
		rc = -errno;
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto fail;
	}
	r->pid = pid;
	r->out = pfd[0];
	loop_io_add(r->loop, &r->io, r->pidfd, EPOLLIN, check_done, r);
	loop_timer_arm(r->loop, &r->timer, REEXEC_CHECK_TIMEOUT);
	return;
fail:
	if (pfd[0] >= 0)
		close(pfd[0]);
	log_err("re-exec refused: cannot run %s: %s; still running the old "
	    "code", self.path, strerror(-rc));
	finish(r);
}

/* --- the object ----------------------------------------------------------- */

struct reexec *
reexec_new(struct loop *l, const struct reexec_ops *ops, void *arg)
{
	struct reexec *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->loop = l;
	r->ops = ops;
	r->arg = arg;
	r->pidfd = -1;
	r->out = -1;
	loop_timer_init(&r->timer, check_timeout, r);
	return r;
}

void
reexec_free(struct reexec *r)
{
	int status;

	if (!r)
		return;
	if (r->pid > 0) {
		kill(-r->pid, SIGKILL);
		check_reap(r, &status);
	}
	if (r->out >= 0)
		close(r->out);
	finish(r);
	free(r);
}

bool
reexec_busy(const struct reexec *r)
{
	return r && r->step != STEP_IDLE;
}

void
reexec_request(struct reexec *r, const char *config)
{
	if (r->step != STEP_IDLE) {
		log_warn("re-exec already in progress; request ignored");
		return;
	}
	if (!self.path[0] || !self.argv) {
		log_err("re-exec refused: the path vipd was started as is "
		    "unknown; still running the old code");
		return;
	}
	if (!(r->config = strdup(config))) {
		log_err("re-exec refused: out of memory");
		return;
	}
	log_notice("re-exec requested: checking %s -n -c %s", self.path,
	    config);
	check_start(r);
}
