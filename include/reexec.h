/*
 * reexec: upgrade without a gap. On SIGUSR2 vipd replaces its own code with
 * the binary now installed at the path it was started as, in the same
 * process: same PID (so systemd's Type=notify tracking and WatchdogSec= stay
 * with it), nothing released. The new code finds the VIPs on the interfaces
 * at start-up and keeps them when its first decision says hold (vip.h).
 *
 * A request runs in three steps, all inside the event loop, which keeps
 * deciding meanwhile:
 *  1. check: `<path> -n -c <config>` in a child with a clean signal mask and
 *     no fd but 0, 1 and 2, killed after REEXEC_CHECK_TIMEOUT; anything but
 *     exit 0 refuses the upgrade, logged with the child's output;
 *  2. settle: wait until the daemon says nothing rests on memory the new
 *     process would not have (reexec_ops.settled), at most
 *     REEXEC_SETTLE_MAX;
 *  3. exec: reexec_ops.prepare, RELOADING=1 to systemd, every fd above 2
 *     made close-on-exec (hiredis opens its sockets without it), then
 *     execv() with the original arguments. The signals vipd reads through
 *     signalfd stay blocked across execve(2), so one that arrives meanwhile
 *     stays pending and the new code reads it from its own signalfd.
 * Whenever a step fails, vipd logs why and keeps running the code it has.
 *
 * Process-wide facts about how vipd was started (path, arguments) are
 * recorded once by reexec_init() from main(); functions return 0 or -errno.
 */
#ifndef VIPD_REEXEC_H
#define VIPD_REEXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

#define REEXEC_CHECK_TIMEOUT	5000	/* ms for `vipd -n` */
#define REEXEC_SETTLE_MAX	30000	/* ms waiting for settled VIPs */
#define REEXEC_SETTLE_POLL	100	/* ms between two looks */
/* Set in the environment across the exec (the version that execs),
 * removed by the new process's reexec_init(). */
#define REEXEC_ENV		"VIPD_REEXEC_FROM"

struct loop;
struct reexec;

struct reexec_ops {
	/* true when every VIP can be handed over now; otherwise `why` says
	 * what is being waited for. */
	bool (*settled)(void *arg, char *why, size_t len);
	/* Last step before the exec; negative refuses it, `why` saying why. */
	int (*prepare)(void *arg, char *why, size_t len);
};

/* From main(), before anything else: remember argv (which must stay
 * valid: main's own) and the absolute path of the binary it names, and
 * read (then remove) REEXEC_ENV. */
int reexec_init(int argc, char *argv[]);
const char *reexec_path(void);
/* The version of the process that exec'd us, or NULL after a plain start. */
const char *reexec_from(void);

/* The path execv() would run for `argv0`, resolved the way the shell did:
 * absolute as is, relative to `cwd` if it has a '/', else searched in the
 * ':'-separated `path_env` (as execvp(3) does; the first executable file
 * wins). Returns 0 or -ENOENT/-ENAMETOOLONG. */
int reexec_resolve(const char *argv0, const char *cwd, const char *path_env,
    char *out, size_t len);

/* Pure: may this VIP be handed to a new process now? A held VIP may when
 * the new process, knowing nothing but what it will read at start-up,
 * would hold it too: local node reachable and master, a majority of the
 * Sentinels naming this node. Not while it holds on an early claim (the
 * leader's failover events would be lost), on no-quorum-policy or a
 * hold-down (their clocks would restart), or while a release is pending.
 * A VIP not held always may: the new process claims it on the same rules,
 * at worst later (the majority instead of the early claim). */
bool reexec_vip_settled(const struct vip_status *st, char *why, size_t len);

struct reexec *reexec_new(struct loop *l, const struct reexec_ops *ops,
    void *arg);
void reexec_free(struct reexec *r);	/* NULL-safe; kills a running check */
/* SIGUSR2: start the steps above for `config` (the file the new code will
 * be told to read). A request while one is running is logged and dropped. */
void reexec_request(struct reexec *r, const char *config);
bool reexec_busy(const struct reexec *r);

#endif
