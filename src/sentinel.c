/* sentinel: one Sentinel, every master asked about (see sentinel.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "rconn.h"
#include "sentinel.h"

/* SENTINEL MASTER once per this many polls (besides connect and +set):
 * a down-after-milliseconds changed by SENTINEL SET on a Sentinel whose
 * event we missed is caught within a minute at the default poll. */
#define PARAMS_EVERY	30

/* The events that can mean the master changed or is about to, or that
 * its timing changed; everything else Sentinel publishes is noise for us. */
static const char *const channels[] = {
	"+switch-master", "+config-update-from", "+promoted-slave",
	"+convert-to-slave", "+failover-end", "+failover-end-for-timeout",
	"+odown", "-odown", "+sdown", "-sdown", "+reboot",
	"+role-change", "-role-change", "+tilt", "-tilt", "+new-epoch",
	"+try-failover", "+elected-leader", "+selected-slave",
	"+failover-state-send-slaveof-noone",
	"+failover-state-wait-promotion", "+failover-state-reconf-slaves",
	"-failover-abort-not-elected", "-failover-abort-no-good-slave",
	"-failover-abort-slave-timeout", "+set",
};
#define N_CHANNELS (sizeof(channels) / sizeof(channels[0]))

/* One master name on this Sentinel. Kept until the Sentinel itself is
 * freed (a reply in flight names it), skipped while it has no users. */
struct sentinel_master {
	char *name;
	struct sentinel_view view;
	struct sentinel_params params;
	bool answered;
	bool inflight;			/* get-master-addr-by-name
					 * outstanding */
	bool params_due;
	int64_t last_seen;
	uint64_t events;
	char error[160];		/* get-master-addr's, for status */
	unsigned int error_repeats;
	/* SENTINEL MASTER's, apart: get-master-addr answering well must
	 * not make a refused SENTINEL MASTER news at every round */
	char params_error[160];
	unsigned int params_repeats;
	struct sentinel_user *users;
	struct sentinel_master *next;
};

struct sentinel {
	struct watch_env *w;
	struct hostport addr;
	struct watch_creds_held auth;	/* for every reconnect */
	char hb_channel[48];
	struct rconn cmd;
	struct rconn sub;
	struct loop_timer poll;
	struct loop_timer heartbeat;
	struct loop_timer reaper;
	unsigned int interval;		/* the shortest poll any user asks */
	unsigned int polls;
	uint64_t epoch;			/* newest +new-epoch seen */
	struct sentinel_master *masters;
	struct sentinel *next;
};

/* ---- masters ------------------------------------------------------------ */

static void
master_notify(struct sentinel_master *m)
{
	struct sentinel_user *u, *next;

	for (u = m->users; u; u = next) {
		next = u->next;
		u->changed(u->arg);
	}
}

static struct sentinel_master *
master_find(struct sentinel *s, const char *name)
{
	for (struct sentinel_master *m = s->masters; m; m = m->next)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

/* The poll's part of the view changed (failover fields come from events). */
static void
master_set(struct sentinel *s, struct sentinel_master *m, bool reachable,
    bool has_master, const struct hostport *master, uint64_t since)
{
	struct sentinel_view *v = &m->view;
	bool changed = !m->answered || reachable != v->reachable ||
	    has_master != v->has_master ||
	    (has_master && !hostport_equal(master, &v->master));
	char a[NETADDR_STRLEN];

	m->answered = true;
	if (!reachable && !v->reachable) {
		/* Still down: it has been unreachable since the earliest
		 * moment anyone noticed, which the hold-down counts from. */
		if (since < v->unreachable_since)
			v->unreachable_since = since;
	} else {
		v->reachable = reachable;
		v->has_master = has_master;
		if (has_master)
			v->master = *master;
		else
			memset(&v->master, 0, sizeof(v->master));
		v->unreachable_since = since;
	}
	if (changed) {
		log_debug("%s: %s: %s", s->cmd.label, m->name, !reachable ?
		    "unreachable" : has_master ? hostport_fmt(master, a,
		    sizeof(a)) : "knows no such master");
		master_notify(m);
	}
}

/* An error reply about one master, kept in `last` (`repeats`): the same
 * one again is not news. */
static void
master_error(struct sentinel *s, struct sentinel_master *m, const char *what,
    const redisReply *reply, char *last, size_t len, unsigned int *repeats)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "%s %s answered: %.*s", what, m->name,
	    (int)(reply->len < 100 ? reply->len : 100), reply->str);
	if (strcmp(msg, last) != 0) {
		log_warn("%s: %s", s->cmd.label, msg);
		snprintf(last, len, "%s", msg);
		*repeats = 0;
	} else {
		log_debug("%s: %s (again, %u times)", s->cmd.label, msg,
		    ++*repeats);
	}
}

/* ---- polls -------------------------------------------------------------- */

static void
addr_cb(void *arg, const redisReply *reply, uintptr_t tag)
{
	struct sentinel *s = arg;
	struct sentinel_master *m = (struct sentinel_master *)tag;
	struct hostport hp;
	int has = 0;

	m->inflight = false;
	if (reply->type == REDIS_REPLY_ERROR) {
		master_error(s, m, "get-master-addr-by-name", reply, m->error,
		    sizeof(m->error), &m->error_repeats);
		master_set(s, m, false, false, NULL, loop_now());
		return;
	}
	if (proto_parse_master_addr(reply, &hp, &has) < 0) {
		rconn_drop(&s->cmd, "malformed get-master-addr-by-name reply");
		return;
	}
	rconn_ok(&s->cmd);
	m->error[0] = '\0';
	m->last_seen = time(NULL);
	master_set(s, m, true, has != 0, &hp, 0);
}

static void
params_cb(void *arg, const redisReply *reply, uintptr_t tag)
{
	struct sentinel *s = arg;
	struct sentinel_master *m = (struct sentinel_master *)tag;
	struct sentinel_params p;

	if (reply->type == REDIS_REPLY_ERROR) {
		/* An unknown master ("No such master") or an ACL without
		 * sentinel|master: the timing stays assumed, not fatal. */
		master_error(s, m, "SENTINEL MASTER", reply, m->params_error,
		    sizeof(m->params_error), &m->params_repeats);
		return;
	}
	if (proto_parse_master_params(reply, &p) < 0) {
		rconn_drop(&s->cmd, "malformed SENTINEL MASTER reply");
		return;
	}
	m->params_error[0] = '\0';
	if (memcmp(&p, &m->params, sizeof(p)) != 0) {
		log_debug("%s: %s: down-after-milliseconds %llu, "
		    "failover-timeout %llu, quorum %u", s->cmd.label, m->name,
		    (unsigned long long)p.down_after,
		    (unsigned long long)p.failover_timeout, p.quorum);
		m->params = p;
		master_notify(m);
	}
}

/* Ask about one master; false when the link went away. */
static bool
master_ask(struct sentinel *s, struct sentinel_master *m, bool params)
{
	if (!m->inflight) {
		if (rconn_command(&s->cmd, addr_cb, (uintptr_t)m,
		    "SENTINEL get-master-addr-by-name %s", m->name) < 0)
			return false;
		m->inflight = true;
	}
	if (params || m->params_due) {
		if (rconn_command(&s->cmd, params_cb, (uintptr_t)m,
		    "SENTINEL MASTER %s", m->name) < 0)
			return false;
		m->params_due = false;
	}
	return true;
}

static void
poll_round(void *arg)
{
	struct sentinel *s = arg;
	bool params = s->polls++ % PARAMS_EVERY == 0;

	if (!rconn_up(&s->cmd))
		return;
	loop_timer_arm(s->w->loop, &s->poll, s->interval);
	for (struct sentinel_master *m = s->masters; m; m = m->next)
		if (m->users && !master_ask(s, m, params))
			return;
}

static void
cmd_up(void *arg)
{
	struct sentinel *s = arg;

	s->polls = 0;		/* the first round asks for the timing too */
	poll_round(s);
}

static void
cmd_down(void *arg, uint64_t since, const char *why)
{
	struct sentinel *s = arg;

	(void)why;
	loop_timer_cancel(s->w->loop, &s->poll);
	for (struct sentinel_master *m = s->masters; m; m = m->next) {
		m->inflight = false;
		if (m->users)
			master_set(s, m, false, false, NULL, since);
	}
}

/* ---- events ------------------------------------------------------------- */

static void
failover_clear(struct sentinel_master *m)
{
	struct sentinel_view *v = &m->view;

	if (!v->failover)
		return;
	v->failover = v->promoting = false;
	memset(&v->failover_from, 0, sizeof(v->failover_from));
	memset(&v->promoting_to, 0, sizeof(v->promoting_to));
	master_notify(m);
}

/* Follow the failover this sentinel leads, from its own events. A
 * completed failover (+failover-end, +switch-master) stays on record: the
 * other sentinels may still name the old master for a moment, and
 * dropping the authorisation then would release and re-claim the VIP.
 * decide() lets it expire after DECIDE_FAILOVER_MAX; an abort, a newer
 * epoch or a lost subscriber link ends it at once. */
static void
failover_track(struct sentinel *s, struct sentinel_master *m,
    const struct sentinel_event *ev)
{
	struct sentinel_view *v = &m->view;

	switch (ev->type) {
	case SEV_ELECTED_LEADER:
		v->failover = true;
		v->promoting = false;
		v->failover_epoch = s->epoch;
		v->failover_since = loop_now();
		v->failover_from = ev->instance;
		memset(&v->promoting_to, 0, sizeof(v->promoting_to));
		master_notify(m);
		break;
	case SEV_SELECTED_SLAVE:
	case SEV_SEND_SLAVEOF_NOONE:
	case SEV_WAIT_PROMOTION:
		if (!v->failover)
			break;
		v->promoting = true;
		v->promoting_to = ev->instance;
		master_notify(m);
		break;
	case SEV_FAILOVER_ABORT:
		failover_clear(m);
		break;
	case SEV_SET:
		m->params_due = true;
		break;
	default:
		break;
	}
}

static void
master_event(struct sentinel *s, struct sentinel_master *m,
    const struct sentinel_event *ev)
{
	struct sentinel_user *u, *next;

	m->events++;
	failover_track(s, m, ev);
	for (u = m->users; u; u = next) {
		next = u->next;
		u->hint(u->arg, ev);
	}
}

static void
new_epoch(struct sentinel *s, const struct sentinel_event *ev)
{
	if (ev->epoch > s->epoch)
		s->epoch = ev->epoch;
	for (struct sentinel_master *m = s->masters; m; m = m->next)
		if (m->view.failover && ev->epoch > m->view.failover_epoch)
			failover_clear(m);	/* a newer failover began */
}

static void
sub_event(struct sentinel *s, const struct pubsub_msg *msg)
{
	struct sentinel_event ev;
	struct sentinel_master *m;

	if (proto_parse_event(msg->channel, msg->channel_len, msg->payload,
	    msg->payload_len, &ev) < 0) {
		log_warn("%s: malformed event %.*s: %.*s", s->sub.label,
		    (int)(msg->channel_len < 64 ? msg->channel_len : 64),
		    msg->channel, (int)(msg->payload_len < 200 ?
		    msg->payload_len : 200), msg->payload);
		return;
	}
	log_debug("%s: event %s %.*s", s->sub.label, ev.name,
	    (int)(msg->payload_len < 300 ? msg->payload_len : 300),
	    msg->payload);
	if (ev.type == SEV_NEW_EPOCH)
		new_epoch(s, &ev);
	if (ev.master_name[0]) {
		m = master_find(s, ev.master_name);
		if (m && m->users)
			master_event(s, m, &ev);
		return;
	}
	/* +new-epoch, +tilt ...: about every master here. */
	for (m = s->masters; m; m = m->next)
		if (m->users)
			master_event(s, m, &ev);
}

/* Everything the subscriber link receives: its shape is checked before
 * anything reads it, and anything but pub/sub traffic ends the link. */
static void
sub_push(void *arg, const redisReply *reply)
{
	struct sentinel *s = arg;
	struct pubsub_msg msg;

	if (proto_parse_pubsub(reply, &msg) < 0) {
		rconn_drop(&s->sub, "malformed message on the subscriber link");
		return;
	}
	switch (msg.kind) {
	case PUBSUB_SUBSCRIBE:
		if (msg.channel_len == strlen(s->hb_channel) &&
		    memcmp(msg.channel, s->hb_channel, msg.channel_len) == 0) {
			rconn_answered(&s->sub);
			rconn_ok(&s->sub);
		}
		break;
	case PUBSUB_MESSAGE:
		sub_event(s, &msg);
		break;
	case PUBSUB_UNSUBSCRIBE:
	case PUBSUB_PONG:
		break;
	}
}

static void
heartbeat_send(void *arg)
{
	struct sentinel *s = arg;
	const char *argv[2] = { "SUBSCRIBE", s->hb_channel };

	if (!rconn_up(&s->sub))
		return;
	if (!s->sub.expect_since) {
		/* Through the subscriber's own writer: it is in push mode. */
		if (rconn_subscribe(&s->sub, 1, argv + 1) < 0) {
			rconn_drop(&s->sub, "cannot queue SUBSCRIBE");
			return;
		}
		rconn_expect(&s->sub);
	}
	loop_timer_arm(s->w->loop, &s->heartbeat, s->interval);
}

static void
sub_up(void *arg)
{
	struct sentinel *s = arg;

	if (rconn_subscribe(&s->sub, (int)N_CHANNELS, channels) < 0) {
		rconn_drop(&s->sub, "cannot queue SUBSCRIBE");
		return;
	}
	heartbeat_send(s);
	/* Events may have been missed while the link was down. */
	poll_round(s);
}

static void
sub_down(void *arg, uint64_t since, const char *why)
{
	struct sentinel *s = arg;

	(void)since;
	(void)why;
	loop_timer_cancel(s->w->loop, &s->heartbeat);
	/* Blind to an abort from now on: the failover no longer authorises. */
	for (struct sentinel_master *m = s->masters; m; m = m->next)
		failover_clear(m);
}

/* ---- users -------------------------------------------------------------- */

static void
sentinel_recompute(struct sentinel *s)
{
	unsigned int iv = 0, to = 0;

	for (struct sentinel_master *m = s->masters; m; m = m->next)
		for (struct sentinel_user *u = m->users; u; u = u->next) {
			if (!iv || u->poll_interval < iv)
				iv = u->poll_interval;
			if (!to || u->timeout < to)
				to = u->timeout;
		}
	if (!iv)
		return;
	if (iv < s->interval && s->poll.armed)
		loop_timer_arm(s->w->loop, &s->poll, iv);
	s->interval = iv;
	rconn_set_timeout(&s->cmd, to);
	rconn_set_timeout(&s->sub, to);
}

static bool
sentinel_unused(const struct sentinel *s)
{
	for (const struct sentinel_master *m = s->masters; m; m = m->next)
		if (m->users)
			return false;
	return true;
}

static void
sentinel_reap(void *arg)
{
	struct sentinel *s = arg;
	struct sentinel **pp;

	if (!sentinel_unused(s))
		return;
	for (pp = &s->w->sentinels; *pp && *pp != s; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = s->next;
	sentinel_free(s);
}

void
sentinel_free(struct sentinel *s)
{
	if (!s)
		return;
	loop_timer_cancel(s->w->loop, &s->poll);
	loop_timer_cancel(s->w->loop, &s->heartbeat);
	loop_timer_cancel(s->w->loop, &s->reaper);
	rconn_close(&s->cmd);
	rconn_close(&s->sub);
	while (s->masters) {
		struct sentinel_master *m = s->masters;

		s->masters = m->next;
		free(m->name);
		free(m);
	}
	watch_creds_release(s->w, &s->auth);
	free(s);
}

static struct sentinel *
sentinel_new(struct watch_env *w, const struct hostport *addr,
    const struct watch_creds *cr)
{
	struct sentinel *s = calloc(1, sizeof(*s));
	char label[300], a[NETADDR_STRLEN];

	if (!s)
		return NULL;
	if (watch_creds_hold(&s->auth, cr) < 0) {
		free(s);
		return NULL;
	}
	s->w = w;
	s->addr = *addr;
	snprintf(s->hb_channel, sizeof(s->hb_channel), "__vipd__:hb:%ld",
	    (long)getpid());
	hostport_fmt(addr, a, sizeof(a));
	snprintf(label, sizeof(label), "sentinel %s", a);
	rconn_init(&s->cmd, w->loop, addr, 500, label, cmd_up, cmd_down, s);
	snprintf(label, sizeof(label), "sentinel %s (events)", a);
	rconn_init(&s->sub, w->loop, addr, 500, label, sub_up, sub_down, s);
	s->sub.on_push = sub_push;
	rconn_set_auth(&s->cmd, s->auth.user, s->auth.password);
	rconn_set_auth(&s->sub, s->auth.user, s->auth.password);
	rconn_set_resolver(&s->cmd, w->resolver);
	rconn_set_resolver(&s->sub, w->resolver);
	rconn_set_tls(&s->cmd, watch_tls_ctx(s->auth.creds.tls));
	rconn_set_tls(&s->sub, watch_tls_ctx(s->auth.creds.tls));
	loop_timer_init(&s->poll, poll_round, s);
	loop_timer_init(&s->heartbeat, heartbeat_send, s);
	loop_timer_init(&s->reaper, sentinel_reap, s);
	s->next = w->sentinels;
	w->sentinels = s;
	rconn_start(&s->cmd);
	rconn_start(&s->sub);
	return s;
}

struct sentinel *
sentinel_attach(struct watch_env *w, const struct hostport *addr,
    const struct watch_creds *cr, struct sentinel_user *u)
{
	struct sentinel *s;
	struct sentinel_master *m;

	for (s = w->sentinels; s; s = s->next)
		if (hostport_equal(&s->addr, addr) &&
		    watch_creds_equal(&s->auth.creds, cr))
			break;
	if (!s && !(s = sentinel_new(w, addr, cr)))
		return NULL;
	loop_timer_cancel(w->loop, &s->reaper);
	m = master_find(s, u->master);
	if (!m) {
		m = calloc(1, sizeof(*m));
		if (!m || !(m->name = strdup(u->master))) {
			free(m);
			if (sentinel_unused(s))
				loop_timer_arm(w->loop, &s->reaper, 0);
			return NULL;
		}
		m->view.unreachable_since = loop_now();
		m->next = s->masters;
		s->masters = m;
	}
	if (!m->users) {
		/* (Re)joined: whatever it knew is stale. */
		m->answered = false;
		m->view.reachable = false;
		m->view.unreachable_since = loop_now();
	}
	u->s = s;
	u->m = m;
	u->next = m->users;
	m->users = u;
	sentinel_recompute(s);
	if (rconn_up(&s->cmd))
		master_ask(s, m, true);
	return s;
}

void
sentinel_detach(struct sentinel_user *u)
{
	struct sentinel *s = u->s;
	struct sentinel_user **pp;

	if (!s)
		return;
	for (pp = &u->m->users; *pp && *pp != u; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = u->next;
	u->s = NULL;
	u->m = NULL;
	u->next = NULL;
	if (sentinel_unused(s))
		loop_timer_arm(s->w->loop, &s->reaper, 0);
	else
		sentinel_recompute(s);
}

void
sentinel_user_changed(struct sentinel_user *u)
{
	if (u->s)
		sentinel_recompute(u->s);
}

void
sentinel_poke(struct sentinel_user *u)
{
	if (u->s && rconn_up(&u->s->cmd))
		master_ask(u->s, u->m, false);
}

const struct sentinel_view *
sentinel_user_view(const struct sentinel_user *u)
{
	return &u->m->view;
}

const struct sentinel_params *
sentinel_user_params(const struct sentinel_user *u)
{
	return &u->m->params;
}

bool
sentinel_user_answered(const struct sentinel_user *u)
{
	return u->m->answered;
}

int64_t
sentinel_user_last_seen(const struct sentinel_user *u)
{
	return u->m->last_seen;
}

uint64_t
sentinel_user_events(const struct sentinel_user *u)
{
	return u->m->events;
}

const char *
sentinel_user_error(const struct sentinel_user *u)
{
	if (!rconn_up(&u->s->cmd))
		return u->s->cmd.last_error;
	return u->m->error;
}

const struct rconn *
sentinel_cmd_conn(const struct sentinel *s)
{
	return &s->cmd;
}

const struct rconn *
sentinel_sub_conn(const struct sentinel *s)
{
	return &s->sub;
}

struct sentinel *
sentinel_next(const struct sentinel *s)
{
	return s->next;
}
