/* sentinel: one Sentinel's view of one master (see sentinel.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "log.h"
#include "rconn.h"
#include "sentinel.h"

/* The events that can mean the master changed or is about to (reference
 * A.1); everything else Sentinel publishes is noise for us. */
static const char *const channels[] = {
	"+switch-master", "+config-update-from", "+promoted-slave",
	"+convert-to-slave", "+failover-end", "+failover-end-for-timeout",
	"+odown", "-odown", "+sdown", "-sdown", "+reboot",
	"+role-change", "-role-change", "+tilt", "-tilt", "+new-epoch",
	"+try-failover", "+elected-leader", "+selected-slave",
	"+failover-state-send-slaveof-noone",
	"+failover-state-wait-promotion", "+failover-state-reconf-slaves",
	"-failover-abort-not-elected", "-failover-abort-no-good-slave",
	"-failover-abort-slave-timeout",
};
#define N_CHANNELS (sizeof(channels) / sizeof(channels[0]))

struct sentinel_link {
	struct loop *loop;
	const struct vip_config *cfg;
	const struct hostport *addr;
	void (*changed)(void *arg);
	void (*hint)(void *arg, const struct sentinel_event *ev);
	void *arg;
	char hb_channel[48];

	struct rconn cmd;
	struct rconn sub;
	struct loop_timer poll;
	struct loop_timer heartbeat;

	struct sentinel_view view;
	uint64_t epoch;			/* newest +new-epoch seen */
	bool answered;
	int64_t last_seen;
	uint64_t events;
};

static void
sentinel_set(struct sentinel_link *s, const struct sentinel_view *v)
{
	bool changed = !s->answered || v->reachable != s->view.reachable ||
	    v->has_master != s->view.has_master ||
	    (v->has_master && !hostport_equal(&v->master, &s->view.master));
	char a[NETADDR_STRLEN];

	s->answered = true;
	if (!v->reachable && !s->view.reachable) {
		/* Still down: it has been unreachable since the earliest
		 * moment anyone noticed, which the hold-down counts from. */
		if (v->unreachable_since < s->view.unreachable_since)
			s->view.unreachable_since = v->unreachable_since;
	} else {
		/* Only the poll's fields: the failover ones come from events. */
		s->view.reachable = v->reachable;
		s->view.has_master = v->has_master;
		s->view.master = v->master;
		s->view.unreachable_since = v->unreachable_since;
	}
	if (changed) {
		log_debug("%s: %s", s->cmd.label, !v->reachable ? "unreachable" :
		    v->has_master ? hostport_fmt(&v->master, a, sizeof(a)) :
		    "knows no such master");
		s->changed(s->arg);
	}
}

static void
poll_cb(redisAsyncContext *ac, void *r, void *privdata)
{
	struct sentinel_link *s = privdata;
	redisReply *reply = r;
	struct sentinel_view v = { .reachable = true };
	int has_master = 0;

	if (!reply || !rconn_current(&s->cmd, ac))
		return;
	rconn_answered(&s->cmd);
	if (reply->type == REDIS_REPLY_ERROR) {
		log_warn("%s: get-master-addr-by-name answered: %.*s",
		    s->cmd.label, (int)(reply->len < 160 ? reply->len : 160),
		    reply->str);
		v.reachable = false;
		v.unreachable_since = loop_now();
	} else if (proto_parse_master_addr(reply, &v.master, &has_master) < 0) {
		rconn_drop(&s->cmd, "malformed get-master-addr-by-name reply");
		return;
	} else {
		rconn_ok(&s->cmd);
		v.has_master = has_master != 0;
		s->last_seen = time(NULL);
	}
	sentinel_set(s, &v);
	loop_timer_arm(s->loop, &s->poll, s->cfg->sentinel_poll_interval);
}

static void
poll_send(void *arg)
{
	struct sentinel_link *s = arg;

	if (!rconn_up(&s->cmd) || s->cmd.waiting_since)
		return;
	if (redisAsyncCommand(s->cmd.ac, poll_cb, s,
	    "SENTINEL get-master-addr-by-name %s", s->cfg->name) != REDIS_OK) {
		rconn_drop(&s->cmd, "cannot queue SENTINEL command");
		return;
	}
	rconn_expect(&s->cmd);
}

static void
cmd_down(void *arg, uint64_t since, const char *why)
{
	struct sentinel_link *s = arg;
	struct sentinel_view v = { .reachable = false,
	    .unreachable_since = since };

	(void)why;
	loop_timer_cancel(s->loop, &s->poll);
	sentinel_set(s, &v);
}

static void
failover_clear(struct sentinel_link *s)
{
	struct sentinel_view *v = &s->view;

	if (!v->failover)
		return;
	v->failover = v->promoting = false;
	memset(&v->failover_from, 0, sizeof(v->failover_from));
	memset(&v->promoting_to, 0, sizeof(v->promoting_to));
	s->changed(s->arg);
}

/* Follow the failover this sentinel leads, from its own events (only the
 * leader publishes +elected-leader and the failover-state events for the
 * replica it promotes, reference A.1/A.2). A completed failover
 * (+failover-end, +switch-master) stays on record: the other sentinels may
 * still name the old master for a moment, and dropping the authorisation
 * then would release and re-claim the VIP. decide() lets it expire after
 * DECIDE_FAILOVER_MAX; an abort, a newer epoch or a lost subscriber link
 * ends it at once. */
static void
failover_track(struct sentinel_link *s, const struct sentinel_event *ev)
{
	struct sentinel_view *v = &s->view;

	switch (ev->type) {
	case SEV_NEW_EPOCH:
		if (ev->epoch > s->epoch)
			s->epoch = ev->epoch;
		if (v->failover && ev->epoch > v->failover_epoch)
			failover_clear(s);	/* a newer failover began */
		break;
	case SEV_ELECTED_LEADER:
		v->failover = true;
		v->promoting = false;
		v->failover_epoch = s->epoch;
		v->failover_since = loop_now();
		v->failover_from = ev->instance;
		s->changed(s->arg);
		break;
	case SEV_SELECTED_SLAVE:
	case SEV_SEND_SLAVEOF_NOONE:
	case SEV_WAIT_PROMOTION:
		if (!v->failover)
			break;
		v->promoting = true;
		v->promoting_to = ev->instance;
		s->changed(s->arg);
		break;
	case SEV_FAILOVER_ABORT:
		failover_clear(s);
		break;
	default:
		break;
	}
}

/* Every message and subscribe confirmation on the subscriber link. */
static void
sub_cb(redisAsyncContext *ac, void *r, void *privdata)
{
	struct sentinel_link *s = privdata;
	redisReply *reply = r;
	struct sentinel_event ev;
	redisReply **e;

	if (!reply || !rconn_current(&s->sub, ac))
		return;
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3)
		return;
	e = reply->element;
	if (e[0]->type != REDIS_REPLY_STRING || e[1]->type != REDIS_REPLY_STRING)
		return;
	if (strcmp(e[0]->str, "subscribe") == 0) {
		if (strcmp(e[1]->str, s->hb_channel) == 0) {
			rconn_answered(&s->sub);
			rconn_ok(&s->sub);
		}
		return;
	}
	if (strcmp(e[0]->str, "message") != 0 || e[2]->type != REDIS_REPLY_STRING)
		return;
	if (proto_parse_event(e[1]->str, e[1]->len, e[2]->str, e[2]->len,
	    &ev) < 0) {
		log_warn("%s: malformed event %.*s: %.*s", s->sub.label,
		    (int)e[1]->len, e[1]->str, (int)e[2]->len, e[2]->str);
		return;
	}
	if (ev.master_name[0] && strcmp(ev.master_name, s->cfg->name) != 0)
		return;		/* about another master on this sentinel */
	s->events++;
	log_debug("%s: event %.*s %.*s", s->sub.label, (int)e[1]->len,
	    e[1]->str, (int)e[2]->len, e[2]->str);
	failover_track(s, &ev);
	s->hint(s->arg, &ev);
}

static void
heartbeat_send(void *arg)
{
	struct sentinel_link *s = arg;

	if (!rconn_up(&s->sub))
		return;
	if (!s->sub.waiting_since) {
		if (redisAsyncCommand(s->sub.ac, sub_cb, s, "SUBSCRIBE %s",
		    s->hb_channel) != REDIS_OK) {
			rconn_drop(&s->sub, "cannot queue SUBSCRIBE");
			return;
		}
		rconn_expect(&s->sub);
	}
	loop_timer_arm(s->loop, &s->heartbeat, s->cfg->sentinel_poll_interval);
}

static void
sub_up(void *arg)
{
	struct sentinel_link *s = arg;
	const char *argv[N_CHANNELS + 1];

	argv[0] = "SUBSCRIBE";
	for (size_t i = 0; i < N_CHANNELS; i++)
		argv[i + 1] = channels[i];
	if (redisAsyncCommandArgv(s->sub.ac, sub_cb, s, (int)N_CHANNELS + 1,
	    argv, NULL) != REDIS_OK) {
		rconn_drop(&s->sub, "cannot queue SUBSCRIBE");
		return;
	}
	heartbeat_send(s);
	/* Events may have been missed while the link was down. */
	poll_send(s);
}

static void
sub_down(void *arg, uint64_t since, const char *why)
{
	struct sentinel_link *s = arg;

	(void)since;
	(void)why;
	loop_timer_cancel(s->loop, &s->heartbeat);
	/* Blind to an abort from now on: the failover no longer authorises. */
	failover_clear(s);
}

struct sentinel_link *
sentinel_new(struct loop *l, const struct vip_config *cfg, size_t idx,
    void (*changed)(void *arg),
    void (*hint)(void *arg, const struct sentinel_event *ev), void *arg)
{
	struct sentinel_link *s = calloc(1, sizeof(*s));
	char label[96], a[NETADDR_STRLEN];

	if (!s)
		return NULL;
	s->loop = l;
	s->cfg = cfg;
	s->addr = &cfg->sentinels[idx];
	s->changed = changed;
	s->hint = hint;
	s->arg = arg;
	s->view.unreachable_since = loop_now();
	snprintf(s->hb_channel, sizeof(s->hb_channel), "__vipd__:hb:%ld",
	    (long)getpid());
	hostport_fmt(s->addr, a, sizeof(a));
	snprintf(label, sizeof(label), "vip %s: sentinel %s", cfg->name, a);
	rconn_init(&s->cmd, l, s->addr, cfg->command_timeout, label,
	    poll_send, cmd_down, s);
	rconn_set_auth(&s->cmd, cfg->sentinel_user, cfg->sentinel_password);
	snprintf(label, sizeof(label), "vip %s: sentinel %s (events)",
	    cfg->name, a);
	rconn_init(&s->sub, l, s->addr, cfg->command_timeout, label,
	    sub_up, sub_down, s);
	rconn_set_auth(&s->sub, cfg->sentinel_user, cfg->sentinel_password);
	loop_timer_init(&s->poll, poll_send, s);
	loop_timer_init(&s->heartbeat, heartbeat_send, s);
	rconn_start(&s->cmd);
	rconn_start(&s->sub);
	return s;
}

void
sentinel_free(struct sentinel_link *s)
{
	if (!s)
		return;
	loop_timer_cancel(s->loop, &s->poll);
	loop_timer_cancel(s->loop, &s->heartbeat);
	rconn_close(&s->cmd);
	rconn_close(&s->sub);
	free(s);
}

void
sentinel_poke(struct sentinel_link *s)
{
	poll_send(s);
}

void
sentinel_rebind(struct sentinel_link *s, const struct vip_config *cfg,
    size_t idx)
{
	s->cfg = cfg;
	s->addr = &cfg->sentinels[idx];
	rconn_set_auth(&s->cmd, cfg->sentinel_user, cfg->sentinel_password);
	rconn_set_auth(&s->sub, cfg->sentinel_user, cfg->sentinel_password);
}

const struct sentinel_view *
sentinel_view(const struct sentinel_link *s)
{
	return &s->view;
}

bool
sentinel_answered(const struct sentinel_link *s)
{
	return s->answered;
}

int64_t
sentinel_last_seen(const struct sentinel_link *s)
{
	return s->last_seen;
}

uint64_t
sentinel_events(const struct sentinel_link *s)
{
	return s->events;
}
