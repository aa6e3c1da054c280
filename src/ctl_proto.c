/*
 * ctl_proto: the control protocol, both halves, without I/O (see ctl.h),
 * and the Prometheus rendering of its records.
 *
 * Line-based over a Unix stream socket; every line ends with '\n', fields
 * are separated by one TAB. The client sends one request line:
 *
 *	status			every VIP
 *	status NAME		one VIP
 *	reload			re-read the daemon's configuration file
 *
 * The server answers with a header line, then records, then `end`; or with
 * the header and one `error` record. Either way it then closes.
 *
 *	vipd-ctl 2
 *	vip  NAME ADDRESS/LEN IFACE LINK VERDICT HOLDING SINCE TOKEN REASON
 *	     REDIS ROLE NODE_REACHABLE NODE_LAST_SEEN REACHABLE AGREE OTHER
 *	     MAJORITY N_SENTINELS GARP_FRAMES TRANSITIONS LAST_DECISION
 *	sentinel  VIPNAME ADDRESS REACHABLE MASTER NAMES_US LAST_SEEN EVENTS
 *	reload  ok|error MESSAGE
 *	end
 *	error  CODE MESSAGE
 *
 * A `vip` record is followed by exactly N_SENTINELS `sentinel` records for
 * it. LINK is up|down|missing, VERDICT hold|release|fault, ROLE
 * master|replica|other|unknown, booleans 0|1, times Unix seconds (0 =
 * never), MASTER a host:port or `-`. TOKEN and REASON may be empty. Text is
 * sanitized on the way out (control characters, TAB and newline become
 * spaces) and rejected on the way in, so a reason that quotes a Redis error
 * can neither break the framing nor put escape sequences on a terminal.
 * The answer to `reload` is the header, one `reload` record and `end`.
 *
 * The version in the header changes whenever a record changes shape; new
 * record types may be added without a bump (old clients reject them, and
 * only a new request, which an old client never sends, gets one).
 *
 * Version 2 appended LAST_DECISION to `vip`. That is a bump, not a longer
 * record under version 1, because a version-1 client demands exactly 21
 * fields: it breaks either way, and with the bump it says "vipd speaks
 * control protocol 2" instead of "bad reply". The parser still reads
 * version 1 (21 fields, last_decision 0 = unknown) because a package
 * upgrade replaces vipctl before the running vipd restarts: the new client
 * meets the old daemon first, and must keep working.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define HEADER		"vipd-ctl"
#define VIP_FIELDS	22
#define VIP_FIELDS_V1	21	/* without LAST_DECISION */
#define SENTINEL_FIELDS	8
#define RELOAD_FIELDS	3
#define MAX_FIELDS	24

/* --- requests ------------------------------------------------------- */

static bool
text_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

/* `line` starts with the word `w`, alone or followed by a space. */
static bool
starts_with_word(const char *line, size_t len, const char *w)
{
	size_t n = strlen(w);

	return len >= n && memcmp(line, w, n) == 0 &&
	    (len == n || line[n] == ' ');
}

int
ctl_parse_request(const char *line, size_t len, struct ctl_request *req)
{
	static const char status[] = "status";
	size_t n = sizeof(status) - 1;

	memset(req, 0, sizeof(*req));
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len >= CTL_REQUEST_MAX || !text_ok(line, len))
		return -EINVAL;
	if (starts_with_word(line, len, "reload")) {
		/* No arguments: the daemon reloads the file it started
		 * with, never one a client names. */
		req->cmd = CTL_CMD_RELOAD;
		return len == 6 ? 0 : -EINVAL;
	}
	if (len < n || memcmp(line, status, n) != 0 ||
	    (len > n && line[n] != ' ')) {
		/* Printable but unknown: room for future commands. */
		return -EOPNOTSUPP;
	}
	req->cmd = CTL_CMD_STATUS;
	if (len == n)
		return 0;
	line += n + 1;
	len -= n + 1;
	if (len == 0 || len >= sizeof(req->name) || memchr(line, ' ', len))
		return -EINVAL;
	memcpy(req->name, line, len);
	req->name[len] = '\0';
	return 0;
}

int
ctl_format_request(const struct ctl_request *req, char *buf, size_t len)
{
	int n;

	if (req->cmd == CTL_CMD_RELOAD)
		n = snprintf(buf, len, "reload\n");
	else if (req->cmd != CTL_CMD_STATUS)
		return -EINVAL;
	else if (req->name[0])
		n = snprintf(buf, len, "status %.*s\n",
		    (int)strnlen(req->name, sizeof(req->name)), req->name);
	else
		n = snprintf(buf, len, "status\n");
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

/* --- replies, server half ------------------------------------------- */

/* Write a text field, bounded by its array, with control characters made
 * spaces. */
static void
put_text(FILE *out, const char *s, size_t max)
{
	size_t len = strnlen(s, max);

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		putc(c < 0x20 || c == 0x7f ? ' ' : c, out);
	}
}

#define PUT_TEXT(out, field)	put_text((out), (field), sizeof(field))

static const char *
link_name(const struct vip_status *st)
{
	if (!st->link_present)
		return "missing";
	return st->link_up ? "up" : "down";
}

static int
flush_err(FILE *out)
{
	return ferror(out) ? -EIO : 0;
}

int
ctl_format_header(FILE *out)
{
	fprintf(out, HEADER " %d\n", CTL_PROTO_VERSION);
	return flush_err(out);
}

int
ctl_format_end(FILE *out)
{
	fputs("end\n", out);
	return flush_err(out);
}

int
ctl_format_error(FILE *out, const char *code, const char *msg)
{
	fputs("error\t", out);
	put_text(out, code, 31);
	putc('\t', out);
	put_text(out, msg, 255);
	putc('\n', out);
	return flush_err(out);
}

int
ctl_format_reload(FILE *out, bool ok, const char *msg)
{
	fprintf(out, "reload\t%s\t", ok ? "ok" : "error");
	put_text(out, msg, CTL_MSG_MAX - 1);
	putc('\n', out);
	return flush_err(out);
}

static void
format_sentinel(const struct vip_status *st, const struct sentinel_status *ss,
    FILE *out)
{
	char addr[NETADDR_STRLEN], master[NETADDR_STRLEN];

	hostport_fmt(&ss->addr, addr, sizeof(addr));
	if (ss->has_master)
		hostport_fmt(&ss->master, master, sizeof(master));
	else
		snprintf(master, sizeof(master), "-");
	fputs("sentinel\t", out);
	PUT_TEXT(out, st->name);
	fprintf(out, "\t%s\t%d\t%s\t%d\t%" PRId64 "\t%" PRIu64 "\n",
	    addr, ss->reachable, master, ss->names_us, ss->last_seen,
	    ss->events);
}

int
ctl_format_status(const struct vip_status *st, FILE *out)
{
	char addr[NETADDR_STRLEN], redis[NETADDR_STRLEN];
	unsigned int n = st->n_sentinels;

	if (n > CONFIG_MAX_SENTINELS)
		return -EINVAL;
	prefix_fmt(&st->address, addr, sizeof(addr));
	hostport_fmt(&st->redis, redis, sizeof(redis));
	fputs("vip\t", out);
	PUT_TEXT(out, st->name);
	fprintf(out, "\t%s\t", addr);
	PUT_TEXT(out, st->interface);
	fprintf(out, "\t%s\t%s\t%d\t%" PRId64 "\t", link_name(st),
	    verdict_name(st->verdict), st->holding, st->since);
	PUT_TEXT(out, st->last_token);
	putc('\t', out);
	PUT_TEXT(out, st->reason);
	fprintf(out, "\t%s\t%s\t%d\t%" PRId64 "\t%u\t%u\t%u\t%u\t%u\t%"
	    PRIu64 "\t%" PRIu64 "\t%" PRId64 "\n", redis,
	    node_role_name(st->role), st->node_reachable, st->node_last_seen,
	    st->reachable, st->agree, st->other, st->majority, n,
	    st->garp_frames, st->transitions, st->last_decision);
	for (unsigned int i = 0; i < n; i++)
		format_sentinel(st, &st->sentinels[i], out);
	return flush_err(out);
}

/* --- replies, client half ------------------------------------------- */

struct field {
	const char *s;
	size_t len;
};

/* Split `line` at TABs into at most `max` fields; returns the count, or
 * max + 1 if there are more. */
static size_t
split(const char *line, size_t len, struct field *f, size_t max)
{
	size_t n = 0;
	const char *p = line, *end = line + len;

	for (;;) {
		const char *tab = memchr(p, '\t', (size_t)(end - p));
		const char *stop = tab ? tab : end;

		if (n == max)
			return max + 1;
		f[n].s = p;
		f[n].len = (size_t)(stop - p);
		n++;
		if (!tab)
			return n;
		p = tab + 1;
	}
}

static bool
field_is(const struct field *f, const char *word)
{
	return f->len == strlen(word) && memcmp(f->s, word, f->len) == 0;
}

/* Copy a text field into a fixed array; empty is allowed. */
static int
get_text(const struct field *f, char *buf, size_t size)
{
	if (f->len >= size || !text_ok(f->s, f->len))
		return -EINVAL;
	memcpy(buf, f->s, f->len);
	buf[f->len] = '\0';
	return 0;
}

/* Unsigned decimal, digits only (strtoull would take "-1" and " 1"). */
static int
get_u64(const struct field *f, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (f->len == 0 || f->len > 20)
		return -EINVAL;
	for (size_t i = 0; i < f->len; i++) {
		unsigned int d = (unsigned int)(f->s[i] - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
get_uint(const struct field *f, unsigned int max, unsigned int *out)
{
	uint64_t v;
	int rc = get_u64(f, max, &v);

	if (rc == 0)
		*out = (unsigned int)v;
	return rc;
}

static int
get_time(const struct field *f, int64_t *out)
{
	uint64_t v;
	int rc = get_u64(f, INT64_MAX, &v);

	if (rc == 0)
		*out = (int64_t)v;
	return rc;
}

static int
get_bool(const struct field *f, bool *out)
{
	if (f->len != 1 || (f->s[0] != '0' && f->s[0] != '1'))
		return -EINVAL;
	*out = f->s[0] == '1';
	return 0;
}

/* Through a NUL-terminated copy: the netaddr parsers take C strings. */
static int
get_hostport(const struct field *f, struct hostport *out)
{
	char buf[NETADDR_STRLEN];

	if (get_text(f, buf, sizeof(buf)) < 0)
		return -EINVAL;
	return hostport_parse(buf, out);
}

static int
get_prefix(const struct field *f, struct prefix *out)
{
	char buf[NETADDR_STRLEN];

	if (get_text(f, buf, sizeof(buf)) < 0)
		return -EINVAL;
	return prefix_parse(buf, out);
}

static int
get_link(const struct field *f, struct vip_status *st)
{
	st->link_present = !field_is(f, "missing");
	st->link_up = field_is(f, "up");
	if (st->link_present && !st->link_up && !field_is(f, "down"))
		return -EINVAL;
	return 0;
}

static int
get_verdict(const struct field *f, enum verdict *out)
{
	static const enum verdict all[] = {
		VERDICT_RELEASE, VERDICT_HOLD, VERDICT_FAULT,
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (field_is(f, verdict_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	}
	return -EINVAL;
}

static int
get_role(const struct field *f, enum node_role *out)
{
	static const enum node_role all[] = {
		NODE_ROLE_UNKNOWN, NODE_ROLE_MASTER, NODE_ROLE_REPLICA,
		NODE_ROLE_OTHER,
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (field_is(f, node_role_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	}
	return -EINVAL;
}

static int
parse_vip(const struct field *f, size_t n, unsigned int version,
    struct vip_status *st)
{
	memset(st, 0, sizeof(*st));
	if (n != (version == 1 ? VIP_FIELDS_V1 : VIP_FIELDS) || f[1].len == 0)
		return -EINVAL;
	if (n > VIP_FIELDS_V1 && get_time(&f[21], &st->last_decision) < 0)
		return -EINVAL;
	if (get_text(&f[1], st->name, sizeof(st->name)) < 0 ||
	    get_prefix(&f[2], &st->address) < 0 ||
	    get_text(&f[3], st->interface, sizeof(st->interface)) < 0 ||
	    get_link(&f[4], st) < 0 ||
	    get_verdict(&f[5], &st->verdict) < 0 ||
	    get_bool(&f[6], &st->holding) < 0 ||
	    get_time(&f[7], &st->since) < 0 ||
	    get_text(&f[8], st->last_token, sizeof(st->last_token)) < 0 ||
	    get_text(&f[9], st->reason, sizeof(st->reason)) < 0 ||
	    get_hostport(&f[10], &st->redis) < 0 ||
	    get_role(&f[11], &st->role) < 0 ||
	    get_bool(&f[12], &st->node_reachable) < 0 ||
	    get_time(&f[13], &st->node_last_seen) < 0 ||
	    get_uint(&f[14], UINT_MAX, &st->reachable) < 0 ||
	    get_uint(&f[15], UINT_MAX, &st->agree) < 0 ||
	    get_uint(&f[16], UINT_MAX, &st->other) < 0 ||
	    get_uint(&f[17], UINT_MAX, &st->majority) < 0 ||
	    get_uint(&f[18], CONFIG_MAX_SENTINELS, &st->n_sentinels) < 0 ||
	    get_u64(&f[19], UINT64_MAX, &st->garp_frames) < 0 ||
	    get_u64(&f[20], UINT64_MAX, &st->transitions) < 0)
		return -EINVAL;
	return 0;
}

static int
parse_sentinel(const struct field *f, size_t n, struct sentinel_status *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (n != SENTINEL_FIELDS)
		return -EINVAL;
	if (get_hostport(&f[2], &ss->addr) < 0 ||
	    get_bool(&f[3], &ss->reachable) < 0 ||
	    get_bool(&f[5], &ss->names_us) < 0 ||
	    get_time(&f[6], &ss->last_seen) < 0 ||
	    get_u64(&f[7], UINT64_MAX, &ss->events) < 0)
		return -EINVAL;
	ss->has_master = !field_is(&f[4], "-");
	if (ss->has_master && get_hostport(&f[4], &ss->master) < 0)
		return -EINVAL;
	return 0;
}

void
ctl_reply_init(struct ctl_reply *r)
{
	memset(r, 0, sizeof(*r));
}

void
ctl_reply_free(struct ctl_reply *r)
{
	if (!r)
		return;
	free(r->vips);
	ctl_reply_init(r);
}

static int
parse_header(struct ctl_reply *r, const char *line, size_t len)
{
	static const char h[] = HEADER " ";
	struct field f;
	unsigned int v = 0;

	if (len < sizeof(h) || memcmp(line, h, sizeof(h) - 1) != 0)
		return -EPROTO;
	f.s = line + sizeof(h) - 1;
	f.len = len - (sizeof(h) - 1);
	if (get_uint(&f, 9999, &v) < 0 || v == 0)
		return -EPROTO;
	r->version = v;
	return v >= CTL_PROTO_VERSION_MIN && v <= CTL_PROTO_VERSION ?
	    0 : -EPROTO;
}

/* The previous `vip` record got all the sentinel records it announced. */
static bool
last_complete(const struct ctl_reply *r)
{
	return r->n_vips == 0 ||
	    r->sentinels_seen == r->vips[r->n_vips - 1].n_sentinels;
}

static int
add_vip(struct ctl_reply *r, const struct field *f, size_t n)
{
	struct vip_status st;

	if (!last_complete(r) || r->has_reload || r->n_vips >= CTL_MAX_VIPS ||
	    parse_vip(f, n, r->version, &st) < 0)
		return -EINVAL;
	if (r->n_vips == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 4;
		struct vip_status *v = reallocarray(r->vips, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->vips = v;
		r->cap = cap;
	}
	r->vips[r->n_vips++] = st;
	r->sentinels_seen = 0;
	return 0;
}

static int
add_sentinel(struct ctl_reply *r, const struct field *f, size_t n)
{
	struct vip_status *st;
	struct field name;

	if (r->n_vips == 0 || last_complete(r) || n != SENTINEL_FIELDS)
		return -EINVAL;
	st = &r->vips[r->n_vips - 1];
	name.s = st->name;
	name.len = strlen(st->name);
	if (f[1].len != name.len || memcmp(f[1].s, name.s, name.len) != 0)
		return -EINVAL;
	if (parse_sentinel(f, n, &st->sentinels[r->sentinels_seen]) < 0)
		return -EINVAL;
	r->sentinels_seen++;
	return 0;
}

static int
add_error(struct ctl_reply *r, const struct field *f, size_t n)
{
	/* An error replaces the records: it is never sent after any. */
	if (n != 3 || r->n_vips != 0 || r->has_reload || f[1].len == 0 ||
	    get_text(&f[1], r->err_code, sizeof(r->err_code)) < 0 ||
	    get_text(&f[2], r->err_msg, sizeof(r->err_msg)) < 0)
		return -EINVAL;
	r->done = r->failed = true;
	return 1;
}

/* The only record of a reply to `reload`; `end` follows. */
static int
add_reload(struct ctl_reply *r, const struct field *f, size_t n)
{
	if (n != RELOAD_FIELDS || r->n_vips != 0 || r->has_reload)
		return -EINVAL;
	if (field_is(&f[1], "ok"))
		r->reload_ok = true;
	else if (!field_is(&f[1], "error"))
		return -EINVAL;
	if (get_text(&f[2], r->reload_msg, sizeof(r->reload_msg)) < 0)
		return -EINVAL;
	r->has_reload = true;
	return 0;
}

int
ctl_reply_line(struct ctl_reply *r, const char *line, size_t len)
{
	struct field f[MAX_FIELDS];
	size_t n;

	if (r->done || len >= CTL_REPLY_LINE_MAX || memchr(line, '\0', len))
		return -EINVAL;
	if (r->version == 0)
		return parse_header(r, line, len);
	n = split(line, len, f, MAX_FIELDS);
	if (n > MAX_FIELDS)
		return -EINVAL;
	if (field_is(&f[0], "vip"))
		return add_vip(r, f, n);
	if (field_is(&f[0], "sentinel"))
		return add_sentinel(r, f, n);
	if (field_is(&f[0], "error"))
		return add_error(r, f, n);
	if (field_is(&f[0], "reload"))
		return add_reload(r, f, n);
	if (n == 1 && field_is(&f[0], "end")) {
		if (!last_complete(r))
			return -EINVAL;
		r->done = true;
		return 1;
	}
	return -EINVAL;
}

/* --- rendering: Prometheus text format 0.0.4 ------------------------- */

/*
 * Self-contained (it needs only flush_err() above), so that it can become
 * its own module when it grows. Each family is one group, HELP and TYPE
 * first, as the format requires; a VIP adds one sample per family, or one
 * per state, role or Sentinel.
 */

/* Label values escape backslash, double quote and newline (exposition
 * format 0.0.4). Records carry no newline, but this does not rely on it. */
static void
prom_escape(FILE *out, const char *s, size_t max)
{
	size_t len = strnlen(s, max);

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n') {
			fputs("\\n", out);
			continue;
		}
		if (s[i] == '\\' || s[i] == '"')
			putc('\\', out);
		putc(s[i], out);
	}
}

/* `metric{vip="NAME"`, then `,key="val"` if `key`; the caller closes. */
static void
prom_open(FILE *out, const char *metric, const struct vip_status *st,
    const char *key, const char *val, size_t max)
{
	fprintf(out, "%s{vip=\"", metric);
	prom_escape(out, st->name, sizeof(st->name));
	putc('"', out);
	if (key) {
		fprintf(out, ",%s=\"", key);
		prom_escape(out, val, max);
		putc('"', out);
	}
}

static void
prom_sample(FILE *out, const char *metric, const struct vip_status *st,
    const char *key, const char *val, uint64_t v)
{
	prom_open(out, metric, st, key, val, SIZE_MAX);
	fprintf(out, "} %" PRIu64 "\n", v);
}

static void
emit_held(FILE *out, const char *metric, const struct vip_status *st)
{
	char addr[NETADDR_STRLEN];

	prefix_fmt(&st->address, addr, sizeof(addr));
	prom_open(out, metric, st, "address", addr, sizeof(addr));
	fputs(",interface=\"", out);
	prom_escape(out, st->interface, sizeof(st->interface));
	fprintf(out, "\"} %d\n", st->holding);
}

static void
emit_state(FILE *out, const char *metric, const struct vip_status *st)
{
	static const enum verdict all[] = {
		VERDICT_HOLD, VERDICT_RELEASE, VERDICT_FAULT,
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		prom_sample(out, metric, st, "state", verdict_name(all[i]),
		    st->verdict == all[i]);
}

static void
emit_role(FILE *out, const char *metric, const struct vip_status *st)
{
	static const enum node_role all[] = {
		NODE_ROLE_MASTER, NODE_ROLE_REPLICA, NODE_ROLE_OTHER,
		NODE_ROLE_UNKNOWN,
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		prom_sample(out, metric, st, "role", node_role_name(all[i]),
		    st->role == all[i]);
}

static void
emit_sentinels(FILE *out, const char *metric, const struct vip_status *st,
    bool names_us)
{
	char addr[NETADDR_STRLEN];

	for (unsigned int i = 0; i < st->n_sentinels &&
	    i < CONFIG_MAX_SENTINELS; i++) {
		const struct sentinel_status *ss = &st->sentinels[i];

		hostport_fmt(&ss->addr, addr, sizeof(addr));
		prom_sample(out, metric, st, "sentinel", addr,
		    names_us ? ss->names_us : ss->reachable);
	}
}

static void
emit_sentinel_up(FILE *out, const char *metric, const struct vip_status *st)
{
	emit_sentinels(out, metric, st, false);
}

static void
emit_sentinel_names(FILE *out, const char *metric,
    const struct vip_status *st)
{
	emit_sentinels(out, metric, st, true);
}

/* Families labelled by vip alone: which field they show. */
enum prom_value {
	PV_TRANSITIONS, PV_GARP, PV_NODE_UP, PV_AGREE, PV_REACHABLE,
	PV_MAJORITY, PV_LAST_DECISION,
};

static uint64_t
prom_value(const struct vip_status *st, enum prom_value v)
{
	switch (v) {
	case PV_TRANSITIONS:
		return st->transitions;
	case PV_GARP:
		return st->garp_frames;
	case PV_NODE_UP:
		return st->node_reachable;
	case PV_AGREE:
		return st->agree;
	case PV_REACHABLE:
		return st->reachable;
	case PV_MAJORITY:
		return st->majority;
	case PV_LAST_DECISION:
		return st->last_decision > 0 ? (uint64_t)st->last_decision : 0;
	}
	return 0;
}

static const struct prom_family {
	const char *name, *type, *help;
	/* Samples of one VIP; NULL: one sample of `value`. */
	void (*emit)(FILE *, const char *, const struct vip_status *);
	enum prom_value value;
} prom_families[] = {
	{ "vipd_vip_held", "gauge",
	    "1 if the VIP address is on its interface.", emit_held, 0 },
	{ "vipd_vip_state", "gauge",
	    "1 for the current decision, 0 for the others.", emit_state, 0 },
	{ "vipd_transitions_total", "counter",
	    "State changes since vipd started.", NULL, PV_TRANSITIONS },
	{ "vipd_garp_frames_total", "counter",
	    "Gratuitous ARP and unsolicited NA frames sent.", NULL, PV_GARP },
	{ "vipd_local_node_up", "gauge",
	    "1 if the local Redis node answers.", NULL, PV_NODE_UP },
	{ "vipd_local_node_role", "gauge",
	    "1 for the role the local Redis node reports, 0 for the others.",
	    emit_role, 0 },
	{ "vipd_sentinel_up", "gauge",
	    "1 if this Sentinel answers.", emit_sentinel_up, 0 },
	{ "vipd_sentinel_names_this_node", "gauge",
	    "1 if this Sentinel names the local node as master.",
	    emit_sentinel_names, 0 },
	{ "vipd_sentinels_agree", "gauge",
	    "Sentinels naming the local node as master.", NULL, PV_AGREE },
	{ "vipd_sentinels_reachable", "gauge",
	    "Sentinels that answer.", NULL, PV_REACHABLE },
	{ "vipd_sentinels_majority", "gauge",
	    "Sentinels that must agree before the VIP is held.", NULL,
	    PV_MAJORITY },
	{ "vipd_last_decision_timestamp_seconds", "gauge",
	    "Unix time of the latest decision (0: never or unknown).", NULL,
	    PV_LAST_DECISION },
};

int
ctl_format_metrics(const struct vip_status *vips, size_t n, FILE *out)
{
	size_t nf = sizeof(prom_families) / sizeof(prom_families[0]);

	for (size_t i = 0; i < nf; i++) {
		const struct prom_family *f = &prom_families[i];

		fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help,
		    f->name, f->type);
		for (size_t j = 0; j < n; j++) {
			if (f->emit)
				f->emit(out, f->name, &vips[j]);
			else
				prom_sample(out, f->name, &vips[j], NULL, NULL,
				    prom_value(&vips[j], f->value));
		}
	}
	return flush_err(out);
}
