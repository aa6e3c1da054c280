/*
 * notify: run the configured `notify` program on every transition of a VIP,
 * as `PROGRAM NAME STATE ADDRESS INTERFACE REASON` (STATE: held, released,
 * fault), by posix_spawn (no shell), with an empty signal mask, a minimal
 * environment (PATH only), no file descriptor but 0, 1 and 2, and a process
 * group of its own. Runs for one VIP are strictly in order, never two at
 * once: a transition that happens while the previous run is still going is
 * queued. A run that outlives notify-timeout is killed (SIGKILL to its
 * process group, so what it started dies with it). The exit status of every
 * run is logged. The program's output goes to vipd's stderr.
 */
#ifndef VIPD_NOTIFY_H
#define VIPD_NOTIFY_H

struct loop;
struct notify;

/* NULL with errno set on failure. `program` and `label` are copied. */
struct notify *notify_new(struct loop *l, const char *program,
    unsigned int timeout_ms, const char *label);
/* NULL-safe. The owner lets go of `n`: runs still queued or running go on
 * in the loop, in order, and `n` frees itself after the last one. */
void notify_release(struct notify *n);
/* Block until every released notifier's runs are done, each bounded by its
 * timeout, so that the last transitions' hooks (usually "released" at
 * shutdown) are not lost when vipd exits. Call after releasing them all,
 * before the loop is freed. */
void notify_drain(void);
/* Queue one run with these five arguments after the program path. */
void notify_run(struct notify *n, const char *name, const char *state,
    const char *address, const char *interface, const char *reason);
/* Runs queued or still running, over every notifier of the process. */
unsigned int notify_busy(void);

#endif
