/*
 * sentinel.c as the VIPs that share a Sentinel see it: one pipelined poll
 * of every master at the shortest interval anyone asks for, each answer to
 * its own master's users, the master's timing on connect, after +set and
 * now and then; events routed by master name, the failover the Sentinel
 * leads followed from its events into the view and ended when it can no
 * longer be trusted; what a lost link, an error reply, a silent or a
 * malformed subscriber does; a connection that outlives a reload. The
 * real sentinel.c and watch.c run on the fake rconn of fake_rconn.h (the
 * test answers as the Sentinel would) and the virtual clock of
 * fake_loop.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fake_rconn.h"
#include "sentinel.h"

#define ADDR		"192.0.2.21:26379"
#define CMD		"sentinel " ADDR
#define SUB		"sentinel " ADDR " (events)"
#define A_ADDR		"192.0.2.11:6379"	/* master "alpha" */
#define B_ADDR		"192.0.2.12:6379"	/* master "beta" */
#define OTHER		"192.0.2.13:6379"
#define ALPHA_AT	"master alpha 192.0.2.11 6379"	/* %@ of alpha */
/* every channel the subscriber link asks for, as one SUBSCRIBE */
#define CHANNELS	"SUBSCRIBE +switch-master +config-update-from " \
	"+promoted-slave +convert-to-slave +failover-end " \
	"+failover-end-for-timeout +odown -odown +sdown -sdown +reboot " \
	"+role-change -role-change +tilt -tilt +new-epoch +try-failover " \
	"+elected-leader +selected-slave +failover-state-send-slaveof-noone " \
	"+failover-state-wait-promotion +failover-state-reconf-slaves " \
	"-failover-abort-not-elected -failover-abort-no-good-slave " \
	"-failover-abort-slave-timeout +set"

static struct watch_env w;

/* One VIP's use of the Sentinel for its master. */
struct user {
	struct sentinel_user u;
	unsigned int changed, hints;
	enum sentinel_event_type last_hint;
};

/* What the scripted Sentinel answers about a master. */
struct said {
	const char *master;
	const char *addr;		/* NULL: nil, no such master */
	const char *error;		/* an error reply instead */
	unsigned int down_after, quorum, failover_timeout;
	const char *params_error;	/* an error to SENTINEL MASTER only */
};

static struct said said[2];

static void
on_changed(void *arg)
{
	((struct user *)arg)->changed++;
}

static void
on_hint(void *arg, const struct sentinel_event *ev)
{
	struct user *x = arg;

	x->hints++;
	x->last_hint = ev->type;
}

static struct sentinel *
attach_as(struct user *x, const char *master, const char *password,
    unsigned int poll)
{
	struct hostport h = fake_hostport(ADDR);
	struct watch_creds cr = { .password = password };

	x->u.master = master;
	x->u.changed = on_changed;
	x->u.hint = on_hint;
	x->u.arg = x;
	x->u.poll_interval = poll;
	x->u.timeout = 300;
	return sentinel_attach(&w, &h, &cr, &x->u);
}

static struct sentinel *
attach(struct user *x, const char *master, unsigned int poll)
{
	return attach_as(x, master, NULL, poll);
}

static struct rconn *
cmd(void)
{
	return fake_rconn(CMD);
}

static struct rconn *
sub(void)
{
	return fake_rconn(SUB);
}

static char hb[64];		/* the heartbeat channel */

static const char *
subscribed(const char *channel, int count)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "*3\r\n$9\r\nsubscribe\r\n$%zu\r\n%s\r\n"
	    ":%d\r\n", strlen(channel), channel, count);
	return buf;
}

/* The command link comes up; what it sends at once is returned. */
static const char *
cmd_up(void)
{
	return fake_rconn_connect(cmd());
}

static const struct said *
said_of(const char *master)
{
	for (size_t i = 0; i < 2; i++)
		if (said[i].master && strcmp(said[i].master, master) == 0)
			return &said[i];
	fail_msg("the test says nothing about master %s", master);
	return NULL;
}

/* The Sentinel answers every pending question as `said` has it. */
static void
answer(void)
{
	const char *q;
	char buf[512];

	while ((q = fake_rconn_next(cmd()))) {
		const char *name = strrchr(q, ' ') + 1;
		const struct said *s = said_of(name);

		if (s->error) {
			snprintf(buf, sizeof(buf), "-%s\r\n", s->error);
			fake_rconn_reply(cmd(), buf);
		} else if (strncmp(q, "SENTINEL get-master-addr-by-name ",
		    33) == 0) {
			struct hostport h;
			char host[64];

			if (!s->addr) {
				fake_rconn_reply(cmd(), "*-1\r\n");
				continue;
			}
			h = fake_hostport(s->addr);
			netaddr_fmt(&h.addr, host, sizeof(host));
			snprintf(buf, sizeof(buf), "%s|%u", host, h.port);
			fake_rconn_reply(cmd(), fake_resp_bulks(buf));
		} else if (strncmp(q, "SENTINEL MASTER ", 16) == 0 &&
		    s->params_error) {
			snprintf(buf, sizeof(buf), "-%s\r\n", s->params_error);
			fake_rconn_reply(cmd(), buf);
		} else if (strncmp(q, "SENTINEL MASTER ", 16) == 0) {
			snprintf(buf, sizeof(buf), "name|%s|ip|192.0.2.11|"
			    "port|6379|down-after-milliseconds|%u|quorum|%u|"
			    "failover-timeout|%u", name, s->down_after,
			    s->quorum, s->failover_timeout);
			fake_rconn_reply(cmd(), fake_resp_bulks(buf));
		} else {
			fail_msg("unexpected question \"%s\"", q);
		}
	}
}

/* The Sentinel publishes an event. */
static void
event(const char *channel, const char *payload)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "message|%s|%s", channel, payload);
	fake_rconn_reply(sub(), fake_resp_bulks(buf));
}

/* The subscriber link comes up: it subscribes to the events, then to its
 * heartbeat channel, and has the command link poll (events may have been
 * missed), which the Sentinel answers. */
static void
sub_up(void)
{
	char want[1024];

	snprintf(want, sizeof(want), CHANNELS " | SUBSCRIBE %s", hb);
	assert_string_equal(fake_rconn_connect(sub()), want);
	if (rconn_up(cmd())) {
		fake_rconn_take(cmd());
		answer();
	}
}

/* a on alpha, b on beta, both polled every `poll` ms, the command link
 * up and its first questions answered. */
static void
watch_both(struct user *a, struct user *b, unsigned int poll)
{
	attach(a, "alpha", poll);
	attach(b, "beta", poll);
	cmd_up();
	answer();
}

static const struct sentinel_view *
view(const struct user *x)
{
	return sentinel_user_view(&x->u);
}

static bool
names(const struct user *x, const char *addr)
{
	struct hostport h = fake_hostport(addr);

	return view(x)->reachable && view(x)->has_master &&
	    hostport_equal(&view(x)->master, &h);
}

static int
setup(void **state)
{
	fake_watch_setup(state);
	memset(said, 0, sizeof(said));
	said[0] = (struct said){ "alpha", A_ADDR, NULL, 1000, 2, 3000, NULL };
	said[1] = (struct said){ "beta", B_ADDR, NULL, 5000, 2, 60000, NULL };
	snprintf(hb, sizeof(hb), "__vipd__:hb:%ld", (long)getpid());
	return 0;
}

/* ---- polls ------------------------------------------------------------- */

static void
test_one_pipelined_poll_for_every_master(void **unused)
{
	struct user a = { 0 }, b = { 0 };
	const char *first;

	(void)unused;
	attach(&a, "alpha", 1000);
	attach(&b, "beta", 400);
	first = cmd_up();
	/* on connect: where each master is, and its timing */
	assert_int_equal(fake_rconn_sent(cmd()), 4);
	assert_non_null(strstr(first,
	    "SENTINEL get-master-addr-by-name alpha | SENTINEL MASTER alpha"));
	assert_non_null(strstr(first,
	    "SENTINEL get-master-addr-by-name beta | SENTINEL MASTER beta"));
	assert_int_equal(rconn_pending(cmd()), 4);	/* one round trip */
	answer();

	/* then every 400 ms, the shortest anyone asks for: both masters in
	 * one round trip, and no timing */
	fake_advance(399);
	assert_string_equal(fake_rconn_take(cmd()), "");
	fake_advance(1);
	assert_int_equal(rconn_pending(cmd()), 2);
	assert_int_equal(fake_rconn_sent_count(cmd(),
	    "SENTINEL get-master-addr-by-name alpha"), 2);
	assert_int_equal(fake_rconn_sent_count(cmd(),
	    "SENTINEL get-master-addr-by-name beta"), 2);
	answer();

	/* beta's user leaves: alpha alone, at its own 1000 ms */
	sentinel_detach(&b.u);
	fake_advance(400);
	fake_rconn_take(cmd());
	answer();
	fake_advance(999);
	assert_string_equal(fake_rconn_take(cmd()), "");
	fake_advance(1);
	assert_string_equal(fake_rconn_take(cmd()),
	    "SENTINEL get-master-addr-by-name alpha");
}

static void
test_answers_reach_their_own_masters_users(void **unused)
{
	struct user a1 = { 0 }, a2 = { 0 }, b = { 0 };

	(void)unused;
	attach(&a1, "alpha", 1000);
	attach(&a2, "alpha", 1000);
	attach(&b, "beta", 1000);
	assert_false(sentinel_user_answered(&a1.u));
	cmd_up();
	answer();
	assert_true(sentinel_user_answered(&a1.u));
	assert_true(names(&a1, A_ADDR));
	assert_true(names(&a2, A_ADDR));
	assert_true(names(&b, B_ADDR));
	assert_true(sentinel_user_last_seen(&b.u) > 0);
	/* the address, then the timing: one change each */
	assert_int_equal(a1.changed, 2);
	assert_int_equal(a2.changed, 2);
	assert_int_equal(b.changed, 2);

	/* the same again is no news */
	fake_advance(1000);
	answer();
	assert_int_equal(a1.changed, 2);
	assert_int_equal(b.changed, 2);

	/* alpha moves: alpha's users hear of it, beta's do not */
	said[0].addr = OTHER;
	fake_advance(1000);
	answer();
	assert_true(names(&a1, OTHER));
	assert_int_equal(a1.changed, 3);
	assert_int_equal(a2.changed, 3);
	assert_int_equal(b.changed, 2);

	/* a Sentinel that forgot beta (nil) */
	said[1].addr = NULL;
	fake_advance(1000);
	answer();
	assert_true(view(&b)->reachable);
	assert_false(view(&b)->has_master);
	assert_int_equal(b.changed, 3);
	assert_log(1, "debug: " CMD ": beta: knows no such master", NULL);
}

static void
test_poke_asks_about_one_master_at_once(void **unused)
{
	struct user a = { 0 }, b = { 0 };

	(void)unused;
	watch_both(&a, &b, 1000);
	fake_advance(10);
	sentinel_poke(&a.u);
	assert_string_equal(fake_rconn_take(cmd()),
	    "SENTINEL get-master-addr-by-name alpha");
	/* asked and not answered yet: not asked twice */
	sentinel_poke(&a.u);
	assert_string_equal(fake_rconn_take(cmd()), "");
	answer();
}

static void
test_timing_on_connect_after_set_and_every_30_polls(void **unused)
{
	struct user a = { 0 }, b = { 0 };
	const struct sentinel_params *p;

	(void)unused;
	watch_both(&a, &b, 100);
	p = sentinel_user_params(&a.u);
	assert_int_equal(p->down_after, 1000);
	assert_int_equal(p->quorum, 2);
	assert_int_equal(p->failover_timeout, 3000);
	assert_int_equal(sentinel_user_params(&b.u)->down_after, 5000);

	/* not in the next 29 polls; in the 30th, for every master */
	for (int i = 1; i < 30; i++) {
		fake_advance(100);
		answer();
	}
	assert_int_equal(fake_rconn_sent_count(cmd(), "SENTINEL MASTER alpha"),
	    1);
	said[0].down_after = 2000;
	fake_advance(100);
	answer();
	assert_int_equal(fake_rconn_sent_count(cmd(), "SENTINEL MASTER alpha"),
	    2);
	assert_int_equal(fake_rconn_sent_count(cmd(), "SENTINEL MASTER beta"),
	    2);
	assert_int_equal(p->down_after, 2000);

	/* SENTINEL SET on alpha: its timing with the next question about
	 * it, and only its own */
	sub_up();
	said[0].down_after = 800;
	event("+set", ALPHA_AT " down-after-milliseconds 800");
	fake_rconn_take(cmd());
	fake_advance(100);
	assert_string_equal(fake_rconn_take(cmd()),
	    "SENTINEL get-master-addr-by-name beta | "
	    "SENTINEL get-master-addr-by-name alpha | SENTINEL MASTER alpha");
	a.changed = 0;
	answer();
	assert_int_equal(p->down_after, 800);
	assert_int_equal(a.changed, 1);
}

/* ---- events ------------------------------------------------------------ */

static void
test_events_reach_the_users_of_their_master(void **unused)
{
	struct user a = { 0 }, b = { 0 };

	(void)unused;
	watch_both(&a, &b, 1000);
	sub_up();

	event("+sdown", ALPHA_AT);
	assert_int_equal(a.hints, 1);
	assert_int_equal(a.last_hint, SEV_SDOWN);
	assert_int_equal(b.hints, 0);
	assert_int_equal(sentinel_user_events(&a.u), 1);
	assert_int_equal(sentinel_user_events(&b.u), 0);

	/* about a master nobody here watches: nobody */
	event("+odown", "master gamma 192.0.2.14 6379 #quorum 2/2");
	assert_int_equal(a.hints + b.hints, 1);

	/* no master named: everybody's business */
	event("+new-epoch", "8");
	assert_int_equal(a.hints, 2);
	assert_int_equal(b.hints, 1);
	assert_int_equal(b.last_hint, SEV_NEW_EPOCH);
	event("+tilt", "#tilt mode entered");
	assert_int_equal(a.hints, 3);
	assert_int_equal(b.hints, 2);
}

static void
test_failover_followed_from_the_leaders_events(void **unused)
{
	struct user a = { 0 }, b = { 0 };
	struct hostport from = fake_hostport(A_ADDR);
	struct hostport to = fake_hostport(B_ADDR);
	uint64_t elected;

	(void)unused;
	watch_both(&a, &b, 1000);
	sub_up();
	a.changed = b.changed = 0;

	event("+new-epoch", "7");
	event("+try-failover", ALPHA_AT);
	assert_false(view(&a)->failover);	/* no vote won yet */
	fake_advance(5);
	elected = loop_now();
	event("+elected-leader", ALPHA_AT);
	assert_true(view(&a)->failover);
	assert_false(view(&a)->promoting);
	assert_int_equal(view(&a)->failover_epoch, 7);
	assert_int_equal(view(&a)->failover_since, elected);
	assert_true(hostport_equal(&view(&a)->failover_from, &from));
	assert_int_equal(a.changed, 1);

	event("+selected-slave", "slave 192.0.2.12:6379 192.0.2.12 6379 "
	    "@ alpha 192.0.2.11 6379");
	assert_true(view(&a)->promoting);
	assert_true(hostport_equal(&view(&a)->promoting_to, &to));
	assert_int_equal(a.changed, 2);
	event("+failover-state-send-slaveof-noone", "slave 192.0.2.12:6379 "
	    "192.0.2.12 6379 @ alpha 192.0.2.11 6379");
	event("+promoted-slave", "slave 192.0.2.12:6379 192.0.2.12 6379 "
	    "@ alpha 192.0.2.11 6379");
	/* done: it stays on record (decide() lets it expire) so that the
	 * other Sentinels' lag cannot make the VIP bounce */
	event("+failover-end", ALPHA_AT);
	event("+switch-master", "alpha 192.0.2.11 6379 192.0.2.12 6379");
	assert_true(view(&a)->failover);
	assert_true(view(&a)->promoting);
	assert_int_equal(view(&a)->failover_epoch, 7);

	/* beta was never part of it */
	assert_false(view(&b)->failover);
	assert_int_equal(b.changed, 0);
}

/* Alpha's Sentinel won the vote and selected a replica. */
static void
leader_promoting(struct user *a)
{
	attach(a, "alpha", 1000);
	cmd_up();
	answer();
	sub_up();
	event("+new-epoch", "7");
	event("+elected-leader", ALPHA_AT);
	event("+selected-slave", "slave 192.0.2.12:6379 192.0.2.12 6379 "
	    "@ alpha 192.0.2.11 6379");
	assert_true(view(a)->promoting);
	a->changed = 0;
}

static void
test_failover_ends_on_an_abort(void **unused)
{
	struct user a = { 0 };
	struct hostport none;

	(void)unused;
	memset(&none, 0, sizeof(none));
	leader_promoting(&a);
	event("-failover-abort-slave-timeout", ALPHA_AT);
	assert_false(view(&a)->failover);
	assert_false(view(&a)->promoting);
	assert_memory_equal(&view(&a)->failover_from, &none, sizeof(none));
	assert_memory_equal(&view(&a)->promoting_to, &none, sizeof(none));
	assert_int_equal(a.changed, 1);
}

static void
test_failover_ends_on_a_newer_epoch(void **unused)
{
	struct user a = { 0 };

	(void)unused;
	leader_promoting(&a);
	event("+new-epoch", "7");		/* the same one: still on */
	assert_true(view(&a)->failover);
	event("+new-epoch", "8");		/* another failover began */
	assert_false(view(&a)->failover);
	assert_int_equal(a.changed, 1);
}

static void
test_failover_ends_with_the_subscriber_link(void **unused)
{
	struct user a = { 0 };

	(void)unused;
	leader_promoting(&a);
	fake_rconn_lose(sub(), "server closed the connection");
	assert_false(view(&a)->failover);
	assert_int_equal(a.changed, 1);
	/* what the command link says stands */
	assert_true(names(&a, A_ADDR));
}

static void
test_malformed_message_drops_the_subscriber_only(void **unused)
{
	struct user a = { 0 };

	(void)unused;
	leader_promoting(&a);
	/* an event whose payload makes no sense: noted, link kept */
	event("+elected-leader", "master alpha 192.0.2.11 port");
	assert_log(1, "warning: " SUB ": malformed event +elected-leader",
	    NULL);
	assert_int_equal(sub()->state, RCONN_UP);
	assert_true(view(&a)->failover);

	/* something that is no pub/sub message at all: the link goes */
	fake_rconn_reply(sub(), ":42\r\n");
	assert_int_equal(sub()->state, RCONN_DOWN);
	assert_string_equal(sub()->last_error,
	    "malformed message on the subscriber link");
	assert_false(view(&a)->failover);
	assert_int_equal(cmd()->state, RCONN_UP);
	assert_true(names(&a, A_ADDR));

	/* and comes back subscribed */
	sub_up();
}

static void
test_heartbeat_every_poll_and_a_silent_subscriber_dropped(void **unused)
{
	struct user a = { 0 };
	char hb_cmd[80];

	(void)unused;
	snprintf(hb_cmd, sizeof(hb_cmd), "SUBSCRIBE %s", hb);
	attach(&a, "alpha", 1000);
	cmd_up();
	answer();
	sub_up();
	fake_rconn_reply(sub(), subscribed(hb, 27));

	/* again every poll interval */
	fake_advance(999);
	assert_string_equal(fake_rconn_take(sub()), "");
	fake_advance(1);
	assert_string_equal(fake_rconn_take(sub()), hb_cmd);
	answer();
	fake_advance(299);
	fake_rconn_reply(sub(), subscribed(hb, 27));
	assert_int_equal(sub()->state, RCONN_UP);

	/* unanswered within command-timeout (300 ms): dropped */
	fake_advance(701);
	assert_string_equal(fake_rconn_take(sub()), hb_cmd);
	answer();
	fake_advance(299);
	assert_int_equal(sub()->state, RCONN_UP);
	fake_advance(1);
	assert_int_not_equal(sub()->state, RCONN_UP);
	assert_string_equal(sub()->last_error,
	    "no answer within command-timeout");
	assert_int_equal(fake_rconn_connects(sub()), 2);	/* at once */
	/* the command link does not depend on it */
	assert_int_equal(cmd()->state, RCONN_UP);
}

/* ---- failures ---------------------------------------------------------- */

static void
test_lost_command_link_makes_every_master_unreachable(void **unused)
{
	struct user a = { 0 }, b = { 0 };
	uint64_t asked;

	(void)unused;
	watch_both(&a, &b, 1000);
	a.changed = b.changed = 0;
	fake_advance(1000);
	asked = loop_now();		/* a poll round, never answered */
	fake_advance(50);
	fake_rconn_lose(cmd(), "server closed the connection");
	assert_false(view(&a)->reachable);
	assert_false(view(&b)->reachable);
	assert_int_equal(view(&a)->unreachable_since, asked);
	assert_int_equal(view(&b)->unreachable_since, asked);
	assert_int_equal(a.changed, 1);
	assert_int_equal(b.changed, 1);
	assert_string_equal(sentinel_user_error(&a.u),
	    "server closed the connection");

	/* back: everything asked again at once, timing included */
	fake_advance(0);
	fake_rconn_accept(cmd());
	assert_int_equal(fake_rconn_sent_count(cmd(), "SENTINEL MASTER alpha"),
	    2);
	answer();
	assert_true(names(&a, A_ADDR));
	assert_true(names(&b, B_ADDR));
	assert_string_equal(sentinel_user_error(&a.u), "");
}

static void
test_error_for_one_master_is_that_masters_alone(void **unused)
{
	struct user a = { 0 }, b = { 0 };

	(void)unused;
	watch_both(&a, &b, 1000);
	said[0].error = "NOPERM this user has no permissions to run the "
	    "'sentinel|get-master-addr-by-name' command";
	fake_advance(1000);
	answer();
	assert_false(view(&a)->reachable);
	assert_true(names(&b, B_ADDR));
	assert_string_equal(sentinel_user_error(&a.u),
	    "get-master-addr-by-name alpha answered: NOPERM this user has "
	    "no permissions to run the 'sentinel|get-master-addr-by-name' "
	    "command");
	assert_string_equal(sentinel_user_error(&b.u), "");
	assert_log(1, "warning: ", "get-master-addr-by-name alpha answered");

	/* again and again: once in the log, then at debug level */
	fake_advance(1000);
	answer();
	fake_advance(1000);
	answer();
	assert_log(1, "warning: ", "get-master-addr-by-name alpha answered");
	assert_log(1, "debug: ", "(again, 2 times)");
	assert_int_equal(cmd()->state, RCONN_UP);

	said[0].error = NULL;
	fake_advance(1000);
	answer();
	assert_true(names(&a, A_ADDR));
	assert_string_equal(sentinel_user_error(&a.u), "");
}

/* An ACL that allows get-master-addr-by-name but not SENTINEL MASTER: the
 * timing stays assumed, the refusal is logged once, not every 30 polls
 * because the other question keeps being answered. */
static void
test_refused_timing_is_logged_once(void **unused)
{
	struct user a = { 0 }, b = { 0 };

	(void)unused;
	said[0].params_error = "NOPERM this user has no permissions to run "
	    "the 'sentinel|master' command";
	watch_both(&a, &b, 100);
	for (int i = 0; i < 60; i++) {
		fake_advance(100);
		answer();
	}
	assert_int_equal(fake_rconn_sent_count(cmd(), "SENTINEL MASTER alpha"),
	    3);
	assert_log(1, "warning: ", "SENTINEL MASTER alpha answered: NOPERM");
	assert_log(1, "debug: ", "SENTINEL MASTER alpha answered: NOPERM "
	    "this user has no permissions to run the 'sentinel|master' "
	    "command (again, 2 times)");
	assert_true(names(&a, A_ADDR));
	assert_string_equal(sentinel_user_error(&a.u), "");
	assert_int_equal(sentinel_user_params(&a.u)->down_after, 0);
	assert_int_equal(sentinel_user_params(&b.u)->down_after, 5000);
}

/* ---- sharing ----------------------------------------------------------- */

static void
test_one_pair_of_links_per_sentinel_and_credentials(void **unused)
{
	struct user a = { 0 }, b = { 0 }, c = { 0 };
	struct sentinel *s;

	(void)unused;
	s = attach(&a, "alpha", 1000);
	assert_non_null(s);
	assert_ptr_equal(attach(&b, "beta", 1000), s);
	assert_int_equal(fake_rconns(), 2);	/* commands and events */
	assert_ptr_not_equal(attach_as(&c, "alpha", "s3cret", 1000), s);
	assert_int_equal(fake_rconns(), 4);
	fake_advance(0);
	fake_rconn_accept(fake_rconn_live(sentinel_cmd_conn(c.u.s)));
	assert_string_equal(fake_rconn_take(fake_rconn_live(
	    sentinel_cmd_conn(c.u.s))), "AUTH s3cret | "
	    "SENTINEL get-master-addr-by-name alpha | SENTINEL MASTER alpha");
}

static void
test_last_user_leaving_frees_it_from_the_next_turn(void **unused)
{
	struct user a = { 0 }, b = { 0 };
	struct sentinel *s;

	(void)unused;
	s = attach(&a, "alpha", 1000);
	cmd_up();
	answer();
	sub_up();

	/* a reload: the same Sentinel and master in the same turn */
	sentinel_detach(&a.u);
	assert_ptr_equal(attach(&b, "alpha", 1000), s);
	/* rejoined: what it knew is stale, and asked again at once */
	assert_false(sentinel_user_answered(&b.u));
	assert_string_equal(fake_rconn_take(cmd()),
	    "SENTINEL get-master-addr-by-name alpha | SENTINEL MASTER alpha");
	answer();
	fake_advance(0);
	assert_int_equal(fake_rconn_closes, 0);
	assert_int_equal(fake_rconn_connects(cmd()), 1);
	assert_int_equal(fake_rconn_connects(sub()), 1);
	assert_true(names(&b, A_ADDR));

	/* nobody attaches again: both links go at the next turn */
	sentinel_detach(&b.u);
	assert_int_equal(fake_rconns(), 2);
	fake_watch_freed_next_turn(&w);
}

#define T(f) cmocka_unit_test_prestate_setup_teardown(f, setup, \
    fake_watch_teardown, &w)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_one_pipelined_poll_for_every_master),
		T(test_answers_reach_their_own_masters_users),
		T(test_poke_asks_about_one_master_at_once),
		T(test_timing_on_connect_after_set_and_every_30_polls),
		T(test_events_reach_the_users_of_their_master),
		T(test_failover_followed_from_the_leaders_events),
		T(test_failover_ends_on_an_abort),
		T(test_failover_ends_on_a_newer_epoch),
		T(test_failover_ends_with_the_subscriber_link),
		T(test_malformed_message_drops_the_subscriber_only),
		T(test_heartbeat_every_poll_and_a_silent_subscriber_dropped),
		T(test_lost_command_link_makes_every_master_unreachable),
		T(test_error_for_one_master_is_that_masters_alone),
		T(test_refused_timing_is_logged_once),
		T(test_one_pair_of_links_per_sentinel_and_credentials),
		T(test_last_user_leaving_frees_it_from_the_next_turn),
	};

	return cmocka_run_group_tests_name("sentinel", tests, NULL, NULL);
}
