/*
 * proto: ROLE / INFO / SENTINEL reply and Sentinel event parsers (see
 * proto.h). Nothing here trusts a length or a NUL terminator it did not
 * check: reply trees may be hand-built and payloads come from the network.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "proto.h"

/* ---- helpers on (pointer, length) strings ------------------------------ */

struct tok {
	const char *p;
	size_t len;
};

static bool
tok_eq(struct tok t, const char *lit)
{
	size_t n = strlen(lit);

	return t.len == n && memcmp(t.p, lit, n) == 0;
}

/* Digits only, 1..65535; no sign, no spaces. Leading zeros are harmless
 * and Redis never sends them, so they are not special-cased. */
static int
parse_port_n(const char *s, size_t len, uint16_t *out)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

static int
parse_u64_n(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* An IP literal or, with Sentinel's announce-hostnames, a DNS name. */
static int
parse_host_n(const char *s, size_t len, struct hostport *out)
{
	char buf[NETADDR_NAME_MAX];

	memset(&out->addr, 0, sizeof(out->addr));
	out->name[0] = '\0';
	if (len == 0 || len >= sizeof(buf) || memchr(s, '\0', len))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (netaddr_parse(buf, &out->addr) == 0)
		return 0;
	if (!netaddr_name_valid(buf, len))
		return -EINVAL;
	memcpy(out->name, buf, len + 1);
	return 0;
}

/* Copy for logging: NUL-terminated, non-printables replaced. With
 * `truncate` false a string that does not fit is an error. */
static int
copy_str(char *dst, size_t size, const char *s, size_t len, bool truncate)
{
	if (len >= size) {
		if (!truncate)
			return -EINVAL;
		len = size - 1;
	}
	for (size_t i = 0; i < len; i++)
		dst[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	dst[len] = '\0';
	return 0;
}

/* ---- hiredis reply trees ----------------------------------------------- */

static bool
reply_is_str(const redisReply *r)
{
	return r && (r->type == REDIS_REPLY_STRING ||
	    r->type == REDIS_REPLY_STATUS) && (r->str || r->len == 0);
}

static struct tok
reply_tok(const redisReply *r)
{
	struct tok t = { r->str ? r->str : "", r->str ? r->len : 0 };

	return t;
}

/* An array with at least `n` elements whose element vector is usable. */
static bool
reply_is_array(const redisReply *r, size_t n)
{
	return r && r->type == REDIS_REPLY_ARRAY && r->elements >= n &&
	    (r->elements == 0 || r->element != NULL);
}

static const redisReply *
reply_elem(const redisReply *r, size_t i)
{
	return i < r->elements ? r->element[i] : NULL;
}

/* ["slave", host, port, state, offset], as Redis 7.0 and Valkey 8.0 send it. */
static int
parse_role_replica(const redisReply *r, struct role_info *out)
{
	const redisReply *host = reply_elem(r, 1), *port = reply_elem(r, 2);
	const redisReply *state = reply_elem(r, 3), *off = reply_elem(r, 4);
	struct tok h, s;

	if (!reply_is_str(host) || !port || port->type != REDIS_REPLY_INTEGER ||
	    !reply_is_str(state) || !off || off->type != REDIS_REPLY_INTEGER)
		return -EINVAL;
	if (port->integer < 1 || port->integer > 65535)
		return -EINVAL;
	h = reply_tok(host);
	s = reply_tok(state);
	out->role = NODE_ROLE_REPLICA;
	if (parse_host_n(h.p, h.len, &out->master) < 0)
		return -EINVAL;
	out->master.port = (uint16_t)port->integer;
	copy_str(out->link_state, sizeof(out->link_state), s.p, s.len, true);
	out->link_up = tok_eq(s, "connected");
	return 0;
}

int
proto_parse_role(const redisReply *r, struct role_info *out)
{
	const redisReply *kind;
	struct tok k;
	int ret = -EINVAL;

	memset(out, 0, sizeof(*out));
	if (!reply_is_array(r, 1) || !reply_is_str(kind = reply_elem(r, 0)))
		return -EINVAL;
	k = reply_tok(kind);
	if (tok_eq(k, "master")) {
		const redisReply *off = reply_elem(r, 1);

		if (r->elements >= 3 && off &&
		    off->type == REDIS_REPLY_INTEGER &&
		    reply_is_array(reply_elem(r, 2), 0)) {
			out->role = NODE_ROLE_MASTER;
			ret = 0;
		}
	} else if (tok_eq(k, "slave") || tok_eq(k, "replica")) {
		if (r->elements >= 5)
			ret = parse_role_replica(r, out);
	} else if (tok_eq(k, "sentinel")) {
		if (r->elements >= 2 && reply_is_array(reply_elem(r, 1), 0)) {
			out->role = NODE_ROLE_OTHER;
			ret = 0;
		}
	}
	if (ret < 0)
		memset(out, 0, sizeof(*out));
	return ret;
}

int
proto_parse_master_addr(const redisReply *r, struct hostport *out,
    int *has_master)
{
	const redisReply *ip, *port;
	struct tok i, p;

	memset(out, 0, sizeof(*out));
	*has_master = 0;
	if (!r)
		return -EINVAL;
	if (r->type == REDIS_REPLY_NIL)
		return 0;
	if (!reply_is_array(r, 2) || r->elements != 2)
		return -EINVAL;
	ip = reply_elem(r, 0);
	port = reply_elem(r, 1);
	if (!ip || ip->type != REDIS_REPLY_STRING || !reply_is_str(ip) ||
	    !port || port->type != REDIS_REPLY_STRING || !reply_is_str(port))
		return -EINVAL;
	i = reply_tok(ip);
	p = reply_tok(port);
	if (parse_port_n(p.p, p.len, &out->port) < 0 ||
	    parse_host_n(i.p, i.len, out) < 0) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	*has_master = 1;
	return 0;
}

/* ---- INFO replication -------------------------------------------------- */

static int
parse_replid(struct tok val, char *out)
{
	if (val.len != REPLID_LEN)
		return -EINVAL;
	for (size_t i = 0; i < val.len; i++) {
		char c = val.p[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -EINVAL;
	}
	memcpy(out, val.p, val.len);
	out[val.len] = '\0';
	return 0;
}

/* "ip=192.0.2.12,port=6379,state=online,offset=1,lag=0" (slaveN); other
 * key=value pairs, in any order, are ignored. */
static int
parse_replica(struct tok val, struct repl_info *out)
{
	struct hostport hp;
	bool ip = false, port = false;
	size_t pos = 0;

	memset(&hp, 0, sizeof(hp));
	while (pos < val.len) {
		const char *f = val.p + pos, *comma, *eq;
		size_t n = val.len - pos;

		comma = memchr(f, ',', n);
		if (comma)
			n = (size_t)(comma - f);
		pos += n + 1;
		eq = memchr(f, '=', n);
		if (!eq)
			continue;
		if ((size_t)(eq - f) == 2 && memcmp(f, "ip", 2) == 0) {
			if (parse_host_n(eq + 1, n - 3, &hp) < 0)
				return -EINVAL;
			ip = true;
		} else if ((size_t)(eq - f) == 4 && memcmp(f, "port", 4) == 0) {
			if (parse_port_n(eq + 1, n - 5, &hp.port) < 0)
				return -EINVAL;
			port = true;
		}
	}
	if (!ip || !port)
		return -EINVAL;
	if (out->n_replicas < REPL_MAX_REPLICAS)
		out->replicas[out->n_replicas++] = hp;
	return 0;
}

static bool
is_replica_key(struct tok key)
{
	if (key.len < 6 || memcmp(key.p, "slave", 5) != 0)
		return false;
	for (size_t i = 5; i < key.len; i++)
		if (key.p[i] < '0' || key.p[i] > '9')
			return false;
	return true;
}

static int
info_field(struct tok key, struct tok val, struct repl_info *out,
    bool *have_role)
{
	struct role_info *ri = &out->role;

	if (tok_eq(key, "role")) {
		if (tok_eq(val, "master"))
			ri->role = NODE_ROLE_MASTER;
		else if (tok_eq(val, "slave") || tok_eq(val, "replica"))
			ri->role = NODE_ROLE_REPLICA;
		else
			return -EINVAL;
		*have_role = true;
	} else if (tok_eq(key, "master_host")) {
		return parse_host_n(val.p, val.len, &ri->master);
	} else if (tok_eq(key, "master_port")) {
		return parse_port_n(val.p, val.len, &ri->master.port);
	} else if (tok_eq(key, "master_link_status")) {
		copy_str(ri->link_state, sizeof(ri->link_state), val.p,
		    val.len, true);
		ri->link_up = tok_eq(val, "up");
	} else if (tok_eq(key, "master_replid")) {
		return parse_replid(val, out->replid);
	} else if (tok_eq(key, "master_replid2")) {
		return parse_replid(val, out->replid2);
	} else if (is_replica_key(key)) {
		return parse_replica(val, out);
	}
	return 0;
}

int
proto_parse_info_repl(const char *buf, size_t len, struct repl_info *out)
{
	bool have_role = false;
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	if (!buf && len)
		return -EINVAL;
	while (pos < len) {
		const char *line = buf + pos, *nl, *colon;
		size_t n = len - pos;
		struct tok key, val;

		nl = memchr(line, '\n', n);
		if (nl) {
			n = (size_t)(nl - line);
			pos += n + 1;
		} else {
			pos = len;
		}
		if (n && line[n - 1] == '\r')
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		colon = memchr(line, ':', n);
		if (!colon)
			continue;	/* not key:value: tolerate */
		key.p = line;
		key.len = (size_t)(colon - line);
		val.p = colon + 1;
		val.len = n - key.len - 1;
		if (info_field(key, val, out, &have_role) < 0)
			goto bad;
	}
	if (!have_role)
		goto bad;
	if (out->role.role != NODE_ROLE_REPLICA) {
		memset(&out->role.master, 0, sizeof(out->role.master));
		memset(out->role.link_state, 0, sizeof(out->role.link_state));
		out->role.link_up = false;
	} else {
		out->n_replicas = 0;
	}
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

int
proto_parse_info_run_id(const char *buf, size_t len, char out[REPLID_LEN + 1])
{
	size_t pos = 0;

	out[0] = '\0';
	while (buf && pos < len) {
		const char *line = buf + pos, *nl;
		size_t n = len - pos;
		struct tok val;

		nl = memchr(line, '\n', n);
		n = nl ? (size_t)(nl - line) : n;
		pos += n + 1;
		if (n && line[n - 1] == '\r')
			n--;
		if (n < 7 || memcmp(line, "run_id:", 7) != 0)
			continue;
		val.p = line + 7;
		val.len = n - 7;
		return parse_replid(val, out);
	}
	return -EINVAL;
}

/* ---- SENTINEL MASTER ---------------------------------------------------- */

static int
param_u64(const redisReply *v, uint64_t *out)
{
	struct tok t;

	if (!reply_is_str(v))
		return -EINVAL;
	t = reply_tok(v);
	return parse_u64_n(t.p, t.len, out);
}

int
proto_parse_master_params(const redisReply *r, struct sentinel_params *out)
{
	uint64_t q;

	memset(out, 0, sizeof(*out));
	if (!r || (r->type != REDIS_REPLY_ARRAY
#ifdef REDIS_REPLY_MAP
	    && r->type != REDIS_REPLY_MAP
#endif
	    ) || r->elements % 2 || (r->elements && !r->element))
		return -EINVAL;
	for (size_t i = 0; i < r->elements; i += 2) {
		const redisReply *k = r->element[i], *v = r->element[i + 1];
		struct tok key;

		if (!reply_is_str(k))
			return -EINVAL;
		key = reply_tok(k);
		if (tok_eq(key, "down-after-milliseconds")) {
			if (param_u64(v, &out->down_after) < 0)
				goto bad;
		} else if (tok_eq(key, "failover-timeout")) {
			if (param_u64(v, &out->failover_timeout) < 0)
				goto bad;
		} else if (tok_eq(key, "quorum")) {
			if (param_u64(v, &q) < 0 || q > 1000)
				goto bad;
			out->quorum = (unsigned int)q;
		}
	}
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

/* ---- pub/sub ----------------------------------------------------------- */

static bool
reply_is_bulk(const redisReply *r)
{
	return r && (r->type == REDIS_REPLY_STRING ||
	    r->type == REDIS_REPLY_STATUS) && (r->str != NULL || r->len == 0);
}

int
proto_parse_pubsub(const redisReply *r, struct pubsub_msg *out)
{
	const redisReply *const *e;
	struct tok kind;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!r || (r->type != REDIS_REPLY_ARRAY
#ifdef REDIS_REPLY_PUSH
	    && r->type != REDIS_REPLY_PUSH
#endif
	    ) || r->elements < 2 || r->elements > 4 || !r->element)
		return -EINVAL;
	e = (const redisReply *const *)r->element;
	n = r->elements;
	for (size_t i = 0; i < n; i++)
		if (!e[i])
			return -EINVAL;
	if (!reply_is_bulk(e[0]) || !reply_is_bulk(e[1]))
		return -EINVAL;
	kind = reply_tok(e[0]);
	out->channel = e[1]->str ? e[1]->str : "";
	out->channel_len = e[1]->len;
	if (n == 2 && tok_eq(kind, "pong")) {
		out->kind = PUBSUB_PONG;
		out->payload = out->channel;
		out->payload_len = out->channel_len;
		return 0;
	}
	if (n == 3 && e[2]->type == REDIS_REPLY_INTEGER &&
	    (tok_eq(kind, "subscribe") || tok_eq(kind, "unsubscribe"))) {
		out->kind = tok_eq(kind, "subscribe") ? PUBSUB_SUBSCRIBE :
		    PUBSUB_UNSUBSCRIBE;
		return 0;
	}
	if (n == 3 && tok_eq(kind, "message") && reply_is_bulk(e[2])) {
		out->kind = PUBSUB_MESSAGE;
		out->payload = e[2]->str ? e[2]->str : "";
		out->payload_len = e[2]->len;
		return 0;
	}
	if (n == 4 && tok_eq(kind, "pmessage") && reply_is_bulk(e[2]) &&
	    reply_is_bulk(e[3])) {
		out->kind = PUBSUB_MESSAGE;
		out->channel = e[2]->str ? e[2]->str : "";
		out->channel_len = e[2]->len;
		out->payload = e[3]->str ? e[3]->str : "";
		out->payload_len = e[3]->len;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

/* ---- Sentinel events --------------------------------------------------- */

/* Largest tracked payload: %@ of a non-master (8 tokens) plus +role-change's
 * "new reported role is <role>" (5). */
#define MAX_TOKS	16

/* Split on single spaces (Sentinel formats every event so). Returns the token
 * count, or -EINVAL for an empty token (leading/trailing/double space) or more
 * than MAX_TOKS tokens. An empty payload has 0 tokens. */
static int
split(const char *s, size_t len, struct tok *t)
{
	size_t start = 0;
	int n = 0;

	if (len == 0)
		return 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != ' ')
			continue;
		if (i == start || n == MAX_TOKS)
			return -EINVAL;
		t[n].p = s + start;
		t[n].len = i - start;
		n++;
		start = i + 1;
	}
	return n;
}

/* %@: <type> <name> <ip> <port>[ @ <master> <mip> <mport>]. Returns the
 * number of tokens used, or -EINVAL. */
static int
parse_instance(const struct tok *t, int n, struct sentinel_event *out)
{
	static const char *const types[] = {
		"master", "slave", "replica", "sentinel", "unknown",
	};
	bool known = false, master;

	if (n < 4)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		known = known || tok_eq(t[0], types[i]);
	if (!known)
		return -EINVAL;
	copy_str(out->instance_type, sizeof(out->instance_type), t[0].p,
	    t[0].len, false);
	if (parse_host_n(t[2].p, t[2].len, &out->instance) < 0 ||
	    parse_port_n(t[3].p, t[3].len, &out->instance.port) < 0)
		return -EINVAL;
	master = tok_eq(t[0], "master");
	if (master) {
		out->master_addr = out->instance;
		if (copy_str(out->master_name, sizeof(out->master_name),
		    t[1].p, t[1].len, false) < 0)
			return -EINVAL;
		return 4;
	}
	if (n < 8 || !tok_eq(t[4], "@"))
		return -EINVAL;
	if (copy_str(out->master_name, sizeof(out->master_name), t[5].p,
	    t[5].len, false) < 0)
		return -EINVAL;
	if (parse_host_n(t[6].p, t[6].len, &out->master_addr) < 0 ||
	    parse_port_n(t[7].p, t[7].len, &out->master_addr.port) < 0)
		return -EINVAL;
	return 8;
}

/* "<n>/<q>" after "#quorum" */
static bool
is_quorum(struct tok t)
{
	const char *slash = memchr(t.p, '/', t.len);
	uint64_t v;

	if (!slash)
		return false;
	return parse_u64_n(t.p, (size_t)(slash - t.p), &v) == 0 &&
	    parse_u64_n(slash + 1, t.len - (size_t)(slash - t.p) - 1, &v) == 0;
}

enum ev_fmt {
	FMT_INSTANCE,		/* %@ and nothing else */
	FMT_ODOWN,		/* %@ #quorum n/q */
	FMT_ROLE_CHANGE,	/* %@ new reported role is <role> */
	FMT_SET,		/* %@ <option> <value> */
	FMT_SWITCH,		/* <name> <oip> <oport> <nip> <nport> */
	FMT_EPOCH,		/* <epoch> */
	FMT_VOTE,		/* <runid> <epoch> */
	FMT_TILT_ON,		/* #tilt mode entered */
	FMT_TILT_OFF,		/* #tilt mode exited */
};

static const struct {
	const char *channel;
	enum sentinel_event_type type;
	enum ev_fmt fmt;
} tracked[] = {
	{ "+switch-master", SEV_SWITCH_MASTER, FMT_SWITCH },
	{ "+odown", SEV_ODOWN, FMT_ODOWN },
	{ "-odown", SEV_ODOWN_CLEARED, FMT_INSTANCE },
	{ "+sdown", SEV_SDOWN, FMT_INSTANCE },
	{ "-sdown", SEV_SDOWN_CLEARED, FMT_INSTANCE },
	{ "+promoted-slave", SEV_PROMOTED_SLAVE, FMT_INSTANCE },
	{ "+convert-to-slave", SEV_CONVERT_TO_SLAVE, FMT_INSTANCE },
	{ "+failover-end", SEV_FAILOVER_END, FMT_INSTANCE },
	{ "+failover-end-for-timeout", SEV_FAILOVER_END, FMT_INSTANCE },
	{ "+reboot", SEV_REBOOT, FMT_INSTANCE },
	{ "+role-change", SEV_ROLE_CHANGE, FMT_ROLE_CHANGE },
	{ "-role-change", SEV_ROLE_CHANGE, FMT_ROLE_CHANGE },
	{ "+tilt", SEV_TILT, FMT_TILT_ON },
	{ "-tilt", SEV_TILT_CLEARED, FMT_TILT_OFF },
	{ "+config-update-from", SEV_CONFIG_UPDATE_FROM, FMT_INSTANCE },
	{ "+new-epoch", SEV_NEW_EPOCH, FMT_EPOCH },
	{ "+try-failover", SEV_TRY_FAILOVER, FMT_INSTANCE },
	{ "+elected-leader", SEV_ELECTED_LEADER, FMT_INSTANCE },
	{ "+selected-slave", SEV_SELECTED_SLAVE, FMT_INSTANCE },
	{ "+failover-state-send-slaveof-noone", SEV_SEND_SLAVEOF_NOONE,
	    FMT_INSTANCE },
	{ "+failover-state-wait-promotion", SEV_WAIT_PROMOTION, FMT_INSTANCE },
	{ "+vote-for-leader", SEV_VOTE_FOR_LEADER, FMT_VOTE },
	{ "+set", SEV_SET, FMT_SET },
};

#define ABORT_PREFIX	"-failover-abort-"

static int
parse_switch(const struct tok *t, int n, struct sentinel_event *out)
{
	if (n != 5 || copy_str(out->master_name, sizeof(out->master_name),
	    t[0].p, t[0].len, false) < 0)
		return -EINVAL;
	if (parse_host_n(t[1].p, t[1].len, &out->old_master) < 0 ||
	    parse_host_n(t[3].p, t[3].len, &out->new_master) < 0 ||
	    parse_port_n(t[2].p, t[2].len, &out->old_master.port) < 0 ||
	    parse_port_n(t[4].p, t[4].len, &out->new_master.port) < 0)
		return -EINVAL;
	return 0;
}

/* Whatever follows %@ for `fmt`. */
static int
parse_suffix(enum ev_fmt fmt, const struct tok *t, int n,
    struct sentinel_event *out)
{
	switch (fmt) {
	case FMT_INSTANCE:
		return n == 0 ? 0 : -EINVAL;
	case FMT_ODOWN:
		return n == 2 && tok_eq(t[0], "#quorum") && is_quorum(t[1]) ?
		    0 : -EINVAL;
	case FMT_SET:
		/* SENTINEL SET's option and value; the value may hold
		 * spaces (a script path), the option may not. */
		return n >= 2 ? 0 : -EINVAL;
	case FMT_ROLE_CHANGE:
		if (n != 5 || !tok_eq(t[0], "new") ||
		    !tok_eq(t[1], "reported") || !tok_eq(t[2], "role") ||
		    !tok_eq(t[3], "is"))
			return -EINVAL;
		if (tok_eq(t[4], "master"))
			out->reported_role = NODE_ROLE_MASTER;
		else if (tok_eq(t[4], "slave") || tok_eq(t[4], "replica"))
			out->reported_role = NODE_ROLE_REPLICA;
		else
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

static int
parse_payload(enum ev_fmt fmt, const char *p, size_t plen,
    struct sentinel_event *out)
{
	struct tok t[MAX_TOKS];
	int n, used;

	/* Fixed texts (Sentinel's sentinelCheckTiltCondition). */
	if (fmt == FMT_TILT_ON || fmt == FMT_TILT_OFF) {
		struct tok all = { p, plen };

		return tok_eq(all, fmt == FMT_TILT_ON ? "#tilt mode entered" :
		    "#tilt mode exited") ? 0 : -EINVAL;
	}
	n = split(p, plen, t);
	if (n < 0)
		return -EINVAL;
	switch (fmt) {
	case FMT_SWITCH:
		return parse_switch(t, n, out);
	case FMT_EPOCH:
		return n == 1 ? parse_u64_n(t[0].p, t[0].len, &out->epoch) :
		    -EINVAL;
	case FMT_VOTE:
		return n == 2 ? parse_u64_n(t[1].p, t[1].len, &out->epoch) :
		    -EINVAL;
	default:
		used = parse_instance(t, n, out);
		if (used < 0)
			return -EINVAL;
		return parse_suffix(fmt, t + used, n - used, out);
	}
}

int
proto_parse_event(const char *channel, size_t chlen, const char *payload,
    size_t plen, struct sentinel_event *out)
{
	struct tok ch = { channel, chlen };
	enum ev_fmt fmt = FMT_INSTANCE;
	int r;

	memset(out, 0, sizeof(*out));
	if ((!channel && chlen) || (!payload && plen))
		return -EINVAL;
	if (!payload)
		payload = "";
	if (!channel)
		ch.p = "";
	copy_str(out->name, sizeof(out->name), ch.p, ch.len, true);
	if (ch.len > strlen(ABORT_PREFIX) &&
	    memcmp(ch.p, ABORT_PREFIX, strlen(ABORT_PREFIX)) == 0) {
		out->type = SEV_FAILOVER_ABORT;
	} else {
		for (size_t i = 0; i < sizeof(tracked) / sizeof(tracked[0]);
		    i++) {
			if (tok_eq(ch, tracked[i].channel)) {
				out->type = tracked[i].type;
				fmt = tracked[i].fmt;
				break;
			}
		}
		if (out->type == SEV_OTHER)
			return 0;
	}
	r = parse_payload(fmt, payload, plen, out);
	if (r < 0) {
		enum sentinel_event_type type = out->type;
		char name[sizeof(out->name)];

		/* Half-parsed fields must not be mistaken for data. */
		memcpy(name, out->name, sizeof(name));
		memset(out, 0, sizeof(*out));
		out->type = type;
		memcpy(out->name, name, sizeof(name));
		return -EINVAL;
	}
	return 0;
}

const char *
sentinel_event_type_name(enum sentinel_event_type t)
{
	static const char *const names[] = {
		[SEV_OTHER] = "other",
		[SEV_SWITCH_MASTER] = "+switch-master",
		[SEV_ODOWN] = "+odown",
		[SEV_ODOWN_CLEARED] = "-odown",
		[SEV_SDOWN] = "+sdown",
		[SEV_SDOWN_CLEARED] = "-sdown",
		[SEV_PROMOTED_SLAVE] = "+promoted-slave",
		[SEV_CONVERT_TO_SLAVE] = "+convert-to-slave",
		[SEV_FAILOVER_END] = "+failover-end",
		[SEV_REBOOT] = "+reboot",
		[SEV_ROLE_CHANGE] = "role-change",
		[SEV_TILT] = "+tilt",
		[SEV_TILT_CLEARED] = "-tilt",
		[SEV_CONFIG_UPDATE_FROM] = "+config-update-from",
		[SEV_NEW_EPOCH] = "+new-epoch",
		[SEV_TRY_FAILOVER] = "+try-failover",
		[SEV_ELECTED_LEADER] = "+elected-leader",
		[SEV_SELECTED_SLAVE] = "+selected-slave",
		[SEV_SEND_SLAVEOF_NOONE] = "+failover-state-send-slaveof-noone",
		[SEV_WAIT_PROMOTION] = "+failover-state-wait-promotion",
		[SEV_FAILOVER_ABORT] = "-failover-abort",
		[SEV_VOTE_FOR_LEADER] = "+vote-for-leader",
		[SEV_SET] = "+set",
	};

	if ((unsigned)t >= sizeof(names) / sizeof(names[0]) || !names[t])
		return "unknown";
	return names[t];
}
