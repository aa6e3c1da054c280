/*
 * notify: run the configured `notify` program on every transition of a VIP,
 * as `PROGRAM NAME STATE ADDRESS INTERFACE REASON` (STATE: held, released,
 * fault), by posix_spawn (no shell), with an empty signal mask and a minimal
 * environment. Runs for one VIP are strictly in order, never two at once: a
 * transition that happens while the previous run is still going is queued.
 * A run that outlives notify-timeout is killed (SIGKILL). The exit status
 * of every run is logged. The program's output goes to vipd's stderr.
 */
#ifndef VIPD_NOTIFY_H
#define VIPD_NOTIFY_H

struct loop;
struct notify;

/* NULL with errno set on failure. `program` and `label` are copied. */
struct notify *notify_new(struct loop *l, const char *program,
    unsigned int timeout_ms, const char *label);
/* NULL-safe. Blocks until the queued runs are done, each bounded by the
 * timeout, so the last transition's hook is not lost at shutdown. */
void notify_free(struct notify *n);
/* Queue one run with these four arguments after the program path. */
void notify_run(struct notify *n, const char *name, const char *state,
    const char *address, const char *interface, const char *reason);
/* Runs started or queued so far (for tests and status). */
unsigned long notify_count(const struct notify *n);

#endif
