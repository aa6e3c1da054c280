/*
 * sentinel: watch one Sentinel for every master any VIP asks about, over
 * one command and one subscriber connection shared by all of them.
 *
 * The command link polls SENTINEL get-master-addr-by-name for every master
 * at the shortest sentinel-poll-interval its users ask for (pipelined: one
 * round trip per Sentinel, whatever the number of masters), once more for
 * one master when a user pokes it, and SENTINEL MASTER for each master's
 * own timing (down-after-milliseconds, failover-timeout, quorum) on
 * connect, after a +set for it, and every PARAMS_EVERY polls. The
 * subscriber link SUBSCRIBEs to the events that matter and routes each one
 * to the users of the master it names (events without a master, such as
 * +new-epoch, concern all of them). Its heartbeat is a SUBSCRIBE of a
 * private channel every poll interval, answered within command-timeout.
 *
 * Events do two things. They are triggers (`hint`: re-read now rather than
 * at the next poll), and the failover a Sentinel leads is followed from its
 * own events into the view (+elected-leader, +selected-slave ...: only the
 * leader publishes them, so they carry state no poll shows; see
 * sentinel_view in model.h). A lost subscriber link ends that state at
 * once: an abort could no longer be seen.
 *
 * A lost command link makes the Sentinel unreachable for every master at
 * once. An error reply for one master makes it unreachable for that
 * master; the same error again is logged once, then at debug level.
 */
#ifndef VIPD_SENTINEL_H
#define VIPD_SENTINEL_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "proto.h"
#include "watch.h"

struct sentinel;
struct sentinel_master;
struct rconn;

struct sentinel_user {
	const char *master;		/* master name; outlives the user */
	void (*changed)(void *arg);	/* the view or params changed */
	void (*hint)(void *arg, const struct sentinel_event *ev);
	void *arg;
	unsigned int poll_interval;	/* ms */
	unsigned int timeout;		/* command-timeout, ms */
	/* owned by sentinel.c */
	struct sentinel *s;
	struct sentinel_master *m;
	struct sentinel_user *next;
};

/* Attach `u` (master, callbacks and intervals set) to the Sentinel at
 * `addr` with these credentials (copied). NULL on failure. */
struct sentinel *sentinel_attach(struct watch_env *w,
    const struct hostport *addr, const struct watch_creds *cr,
    struct sentinel_user *u);
void sentinel_detach(struct sentinel_user *u);	/* NULL-safe */
void sentinel_user_changed(struct sentinel_user *u);
void sentinel_poke(struct sentinel_user *u);	/* ask about its master now */

const struct sentinel_view *sentinel_user_view(const struct sentinel_user *u);
const struct sentinel_params *sentinel_user_params(
    const struct sentinel_user *u);
bool sentinel_user_answered(const struct sentinel_user *u);
int64_t sentinel_user_last_seen(const struct sentinel_user *u);	/* wall, s */
uint64_t sentinel_user_events(const struct sentinel_user *u);
const char *sentinel_user_error(const struct sentinel_user *u); /* "" = none */
const struct rconn *sentinel_cmd_conn(const struct sentinel *s);
const struct rconn *sentinel_sub_conn(const struct sentinel *s);

/* For watch_close() only. */
struct sentinel *sentinel_next(const struct sentinel *s);
void sentinel_free(struct sentinel *s);

#endif
