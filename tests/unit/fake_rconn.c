/* fake_rconn: rconn.h in memory, the test as the peer (see fake_rconn.h). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "fake_rconn.h"
#include "watch.h"

#define SENT_MAX	512		/* commands kept per connection */
#define FAKE_FD		3		/* "a socket": fd >= 0 */

struct pending {
	rconn_reply_cb cb;
	uintptr_t tag;
	uint64_t at;
	size_t sent;			/* its index in `sent` */
};

/* What the fake knows of one live connection besides struct rconn. */
struct fconn {
	struct rconn *c;		/* NULL: a free slot */
	char *sent[SENT_MAX];
	size_t n_sent, taken;
	struct pending pend[SENT_MAX];
	size_t pend_head;		/* pend[pend_head..] wait */
	unsigned int connects;
	char take_buf[4096];
};

static struct fconn conns[FAKE_MAX];
unsigned int fake_rconn_closes;

static struct fconn *
slot_of(const struct rconn *c)
{
	for (size_t i = 0; i < FAKE_MAX; i++)
		if (conns[i].c == c && c)
			return &conns[i];
	fake_die("a connection that was never initialised, or closed");
}

static void
slot_free(struct fconn *f)
{
	for (size_t i = 0; i < f->n_sent; i++)
		free(f->sent[i]);
	memset(f, 0, sizeof(*f));
}

/* ---- the pieces of rconn.c's contract the watchers see ----------------- */

static uint64_t
oldest_wait(const struct rconn *c, const struct fconn *f)
{
	uint64_t t = c->expect_since;

	if (c->req_count && (!t || f->pend[f->pend_head].at < t))
		t = f->pend[f->pend_head].at;
	return t;
}

static void
rearm(struct rconn *c)
{
	uint64_t t = oldest_wait(c, slot_of(c));

	if (t)
		loop_timer_arm_at(c->loop, &c->watchdog, t + c->timeout);
	else
		loop_timer_cancel(c->loop, &c->watchdog);
}

static void
forget(struct rconn *c)
{
	struct fconn *f = slot_of(c);

	f->pend_head += c->req_count;
	c->req_count = 0;
	c->expect_since = 0;
	c->subscribed = false;
	c->answered_once = false;
	c->fd = -1;
	c->epoch++;
	loop_timer_cancel(c->loop, &c->watchdog);
}

static void
down(struct rconn *c, const char *why)
{
	uint64_t since = oldest_wait(c, slot_of(c));

	if (!since)
		since = loop_now();
	forget(c);
	c->state = RCONN_DOWN;
	snprintf(c->last_error, sizeof(c->last_error), "%s", why);
	loop_timer_arm(c->loop, &c->reconnect, c->failures ? 1000 : 0);
	c->failures++;
	c->on_down(c->arg, since, why);
}

static void
watchdog(void *arg)
{
	down(arg, "no answer within command-timeout");
}

static void
connect_now(void *arg)
{
	struct rconn *c = arg;

	c->state = RCONN_CONNECTING;
	c->fd = FAKE_FD;
	c->refused = false;
	slot_of(c)->connects++;
}

/* ---- recording commands ------------------------------------------------ */

/* The words of a formatted command (RESP), joined by spaces. */
static char *
words_of(const char *cmd, size_t len)
{
	redisReader *r = redisReaderCreate();
	redisReply *reply = NULL;
	char *out = NULL;
	size_t n = 0;
	FILE *m;

	if (!r || redisReaderFeed(r, cmd, len) != REDIS_OK ||
	    redisReaderGetReply(r, (void **)&reply) != REDIS_OK || !reply ||
	    reply->type != REDIS_REPLY_ARRAY || !(m = open_memstream(&out, &n)))
		fake_die("a command that does not format");
	for (size_t i = 0; i < reply->elements; i++)
		fprintf(m, "%s%.*s", i ? " " : "",
		    (int)reply->element[i]->len, reply->element[i]->str);
	fclose(m);
	freeReplyObject(reply);
	redisReaderFree(r);
	return out;
}

static void
record(struct rconn *c, char *words, rconn_reply_cb cb, uintptr_t tag)
{
	struct fconn *f = slot_of(c);
	struct pending *p;

	if (!c->req_count)
		f->pend_head = 0;
	if (f->n_sent == SENT_MAX || f->pend_head + c->req_count == SENT_MAX)
		fake_die("too many commands on one connection");
	f->sent[f->n_sent] = words;
	if (!cb) {
		f->n_sent++;
		return;
	}
	p = &f->pend[f->pend_head + c->req_count++];
	p->cb = cb;
	p->tag = tag;
	p->at = loop_now();
	p->sent = f->n_sent++;
	if (c->req_count == 1)
		rearm(c);
}

static char *
argv_words(int argc, const char *const *argv)
{
	char *cmd;
	int len = redisFormatCommandArgv(&cmd, argc, (const char **)argv,
	    NULL);
	char *w;

	if (len < 0)
		fake_die("out of memory");
	w = words_of(cmd, (size_t)len);
	redisFreeCommand(cmd);
	return w;
}

int
rconn_command(struct rconn *c, rconn_reply_cb cb, uintptr_t tag,
    const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int len;

	if (c->state != RCONN_UP || c->subscribed)
		return -ENOTCONN;
	va_start(ap, fmt);
	len = redisvFormatCommand(&cmd, fmt, ap);
	va_end(ap);
	if (len < 0)
		fake_die("a command that does not format");
	record(c, words_of(cmd, (size_t)len), cb, tag);
	redisFreeCommand(cmd);
	return 0;
}

int
rconn_command_argv(struct rconn *c, rconn_reply_cb cb, uintptr_t tag,
    int argc, const char **argv)
{
	if (c->state != RCONN_UP || c->subscribed)
		return -ENOTCONN;
	record(c, argv_words(argc, argv), cb, tag);
	return 0;
}

int
rconn_subscribe(struct rconn *c, int argc, const char *const *channels)
{
	const char *argv[64] = { "SUBSCRIBE" };

	if (c->state != RCONN_UP || c->req_count || !c->on_push)
		return -ENOTCONN;
	if (argc < 1 || argc >= 64)
		return -EINVAL;
	memcpy(argv + 1, channels, (size_t)argc * sizeof(*argv));
	record(c, argv_words(argc + 1, argv), NULL, 0);
	c->subscribed = true;
	return 0;
}

/* ---- the owner's side of rconn.h --------------------------------------- */

void
rconn_init(struct rconn *c, struct loop *l, const struct hostport *target,
    unsigned int timeout, const char *label, void (*on_up)(void *),
    void (*on_down)(void *, uint64_t, const char *), void *arg)
{
	struct fconn *f = NULL;

	for (size_t i = 0; i < FAKE_MAX && !f; i++)
		if (!conns[i].c)
			f = &conns[i];
	if (!f)
		fake_die("too many connections");
	*c = (struct rconn){ .loop = l, .fd = -1, .target = *target,
	    .timeout = timeout, .on_up = on_up, .on_down = on_down,
	    .arg = arg };
	snprintf(c->label, sizeof(c->label), "%s", label);
	f->c = c;
	loop_timer_init(&c->watchdog, watchdog, c);
	loop_timer_init(&c->reconnect, connect_now, c);
}

void
rconn_set_auth(struct rconn *c, const char *user, const char *password)
{
	c->user = user;
	c->password = password;
}

void
rconn_set_resolver(struct rconn *c, struct resolver *r)
{
	c->resolver = r;
}

void
rconn_set_tls(struct rconn *c, struct tls_ctx *tls)
{
	c->tls = tls;
}

void
rconn_set_timeout(struct rconn *c, unsigned int timeout)
{
	c->timeout = timeout;
	if (c->fd >= 0)
		rearm(c);
}

void
rconn_start(struct rconn *c)
{
	slot_of(c);
	if (c->fd < 0)
		loop_timer_arm(c->loop, &c->reconnect, 0);
}

void
rconn_close(struct rconn *c)
{
	struct fconn *f = slot_of(c);

	forget(c);
	loop_timer_cancel(c->loop, &c->reconnect);
	c->state = RCONN_IDLE;
	slot_free(f);
	fake_rconn_closes++;
}

void
rconn_drop(struct rconn *c, const char *why)
{
	if (c->fd >= 0)
		down(c, why);
}

void
rconn_expect(struct rconn *c)
{
	if (c->expect_since)
		return;
	c->expect_since = loop_now();
	rearm(c);
}

void
rconn_answered(struct rconn *c)
{
	c->expect_since = 0;
	rearm(c);
}

void
rconn_ok(struct rconn *c)
{
	c->failures = 0;
}

/* ---- the test's side: the peer ----------------------------------------- */

void
fake_rconn_reset(void)
{
	for (size_t i = 0; i < FAKE_MAX; i++)
		slot_free(&conns[i]);
	fake_rconn_closes = 0;
}

int
fake_watch_setup(void **state)
{
	struct watch_env *w = *state;

	fake_loop_reset();
	fake_rconn_reset();
	memset(w, 0, sizeof(*w));
	w->loop = fake_loop();
	return 0;
}

int
fake_watch_teardown(void **state)
{
	watch_close(*state);
	assert_int_equal(fake_rconns(), 0);
	return 0;
}

void
fake_watch_freed_next_turn(struct watch_env *w)
{
	size_t live = fake_rconns();
	unsigned int closes = fake_rconn_closes;

	assert_true(live > 0);
	fake_advance(0);
	assert_int_equal(fake_rconn_closes, closes + live);
	assert_int_equal(fake_rconns(), 0);
	assert_null(w->nodes);
	assert_null(w->sentinels);
	fake_advance(60000);
}

struct rconn *
fake_rconn(const char *label)
{
	struct rconn *found = NULL;

	for (size_t i = 0; i < FAKE_MAX; i++) {
		if (!conns[i].c || strcmp(conns[i].c->label, label) != 0)
			continue;
		if (found)
			fake_die("two live connections with one label");
		found = conns[i].c;
	}
	if (!found)
		fail_msg("no connection \"%s\"", label);
	return found;
}

struct rconn *
fake_rconn_live(const struct rconn *c)
{
	return slot_of(c)->c;
}

size_t
fake_rconns(void)
{
	size_t n = 0;

	for (size_t i = 0; i < FAKE_MAX; i++)
		n += conns[i].c != NULL;
	return n;
}

static void
auth_answered(void *arg, const redisReply *reply, uintptr_t tag)
{
	struct rconn *c = (struct rconn *)tag;

	(void)arg;
	if (reply->type == REDIS_REPLY_ERROR) {
		down(c, "authentication failed");
		return;
	}
	c->state = RCONN_UP;
	c->on_up(c->arg);
}

void
fake_rconn_accept(struct rconn *c)
{
	const char *argv[3] = { "AUTH" };
	int argc = 1;

	if (c->state != RCONN_CONNECTING)
		fake_die("accepting a connection that is not connecting");
	if (!c->password) {
		c->state = RCONN_UP;
		c->on_up(c->arg);
		return;
	}
	c->state = RCONN_AUTHENTICATING;
	if (c->user)
		argv[argc++] = c->user;
	argv[argc++] = c->password;
	record(c, argv_words(argc, argv), auth_answered, (uintptr_t)c);
	fake_rconn_reply(c, "+OK\r\n");
}

const char *
fake_rconn_connect(struct rconn *c)
{
	fake_advance(0);
	fake_rconn_accept(c);
	return fake_rconn_take(c);
}

void
fake_rconn_refuse(struct rconn *c)
{
	if (c->state != RCONN_CONNECTING)
		fake_die("refusing a connection that is not connecting");
	c->refused = true;
	down(c, "Connection refused");
}

void
fake_rconn_lose(struct rconn *c, const char *why)
{
	if (c->fd < 0)
		fake_die("losing a connection that is not there");
	down(c, why);
}

unsigned int
fake_rconn_connects(const struct rconn *c)
{
	return slot_of(c)->connects;
}

size_t
fake_rconn_sent(const struct rconn *c)
{
	return slot_of(c)->n_sent;
}

size_t
fake_rconn_sent_count(const struct rconn *c, const char *cmd)
{
	struct fconn *f = slot_of(c);
	size_t n = 0;

	for (size_t i = 0; i < f->n_sent; i++)
		n += strcmp(f->sent[i], cmd) == 0;
	return n;
}

const char *
fake_rconn_take(struct rconn *c)
{
	struct fconn *f = slot_of(c);
	size_t used = 0;

	f->take_buf[0] = '\0';
	for (; f->taken < f->n_sent; f->taken++) {
		int n = snprintf(f->take_buf + used, sizeof(f->take_buf) - used,
		    "%s%s", used ? " | " : "", f->sent[f->taken]);

		if (n < 0 || (size_t)n >= sizeof(f->take_buf) - used)
			fake_die("too many commands to take at once");
		used += (size_t)n;
	}
	return f->take_buf;
}

const char *
fake_rconn_next(const struct rconn *c)
{
	struct fconn *f = slot_of(c);

	return c->req_count ? f->sent[f->pend[f->pend_head].sent] : NULL;
}

void
fake_rconn_reply(struct rconn *c, const char *resp)
{
	struct fconn *f = slot_of(c);
	redisReader *r = redisReaderCreate();
	redisReply *reply = NULL;

	if (c->fd < 0 || c->state < RCONN_AUTHENTICATING)
		fake_die("a reply on a connection that is not there");
	if (!r || redisReaderFeed(r, resp, strlen(resp)) != REDIS_OK ||
	    redisReaderGetReply(r, (void **)&reply) != REDIS_OK || !reply)
		fake_die("a reply in a test that is not RESP");
	redisReaderFree(r);
	c->answered_once = true;
	if (c->req_count) {
		struct pending p = f->pend[f->pend_head++];

		c->req_count--;
		rearm(c);
		p.cb(c->arg, reply, p.tag);
	} else if (c->subscribed) {
		c->on_push(c->arg, reply);
	} else {
		rconn_drop(c, "unexpected reply with no request pending");
	}
	freeReplyObject(reply);
}

struct hostport
fake_hostport(const char *s)
{
	struct hostport h;

	assert_int_equal(hostport_parse(s, &h), 0);
	return h;
}

const char *
fake_resp_bulks(const char *fields)
{
	static char bufs[8][2048];
	static unsigned int next;
	char *buf = bufs[next++ % 8];
	size_t n = 1, used;
	const char *p, *end;

	for (p = fields; *p; p++)
		n += *p == '|';
	used = (size_t)snprintf(buf, sizeof(bufs[0]), "*%zu\r\n", n);
	for (p = fields; ; p = end + 1) {
		end = strchr(p, '|');
		if (!end)
			end = p + strlen(p);
		used += (size_t)snprintf(buf + used, sizeof(bufs[0]) - used,
		    "$%zu\r\n%.*s\r\n", (size_t)(end - p), (int)(end - p), p);
		if (used >= sizeof(bufs[0]))
			fake_die("fields too long for one reply");
		if (!*end)
			break;
	}
	return buf;
}
