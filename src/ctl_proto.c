/*
 * ctl_proto: the control protocol, both halves, without I/O (see ctl.h).
 * (The Prometheus rendering of its records is src/metrics.c.)
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
 *	vipd-ctl 3
 *	vip  NAME ADDRESSES IFACE LINK VERDICT HOLDING SINCE TOKEN REASON
 *	     REDIS ROLE NODE_REACHABLE NODE_LAST_SEEN REACHABLE AGREE OTHER
 *	     MAJORITY N_SENTINELS GARP_FRAMES TRANSITIONS LAST_DECISION
 *	     NODE_STATE NODE_ERROR
 *	timing  VIPNAME ROLE_CHECK_INTERVAL SENTINEL_POLL_INTERVAL
 *	     COMMAND_TIMEOUT REDIS_DOWN_AFTER NO_QUORUM_HOLD_DOWN SOURCES
 *	     DOWN_AFTER REPORTING WARNING
 *	sentinel  VIPNAME ADDRESS REACHABLE MASTER NAMES_US LAST_SEEN EVENTS
 *	     STATE ERROR RESOLVED DOWN_AFTER
 *	reload  ok|error MESSAGE
 *	end
 *	error  CODE MESSAGE
 *
 * A `vip` record is followed by exactly one `timing` record and
 * N_SENTINELS `sentinel` records for it. ADDRESSES is a comma-separated
 * list of ADDRESS/LEN, LINK up|down|missing, VERDICT hold|release|fault,
 * ROLE master|replica|other|unknown, booleans 0|1, times Unix seconds (0 =
 * never), MASTER a host:port (the host an IP or, as Sentinel says it, a
 * name) or `-`, RESOLVED what that name resolved to (comma-separated) or
 * `-`, NODE_STATE and STATE a connection state (up, connecting,
 * resolving, authenticating, down, idle), intervals in ms, SOURCES the
 * five intervals' sources comma-separated (configured | auto | default),
 * DOWN_AFTER the smallest down-after-milliseconds the Sentinels report
 * (0 = none yet), REPORTING how many report it. TOKEN, REASON, the errors
 * and WARNING may be empty. Text is
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
 * control protocol 2" instead of "bad reply". Version 3 carries several
 * addresses, connection states and errors, names, and the timing record.
 * The parser still reads versions 1 and 2 (fields they lack stay zero)
 * because a package upgrade replaces vipctl before the running vipd
 * re-executes: the new client meets the old daemon first, and must keep
 * working.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define HEADER		"vipd-ctl"
#define VIP_FIELDS	24
#define VIP_FIELDS_V2	22	/* without NODE_STATE, NODE_ERROR */
#define VIP_FIELDS_V1	21	/* without LAST_DECISION either */
#define TIMING_FIELDS	11
#define SENTINEL_FIELDS	12
#define SENTINEL_FIELDS_V2	8
#define RELOAD_FIELDS	3
#define MAX_FIELDS	26

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
put_addrs(FILE *out, const struct netaddr *a, unsigned int n)
{
	char buf[INET6_ADDRSTRLEN];

	if (n == 0)
		putc('-', out);
	for (unsigned int i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? "," : "", netaddr_fmt(&a[i], buf,
		    sizeof(buf)));
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
	fprintf(out, "\t%s\t%d\t%s\t%d\t%" PRId64 "\t%" PRIu64 "\t",
	    addr, ss->reachable, master, ss->names_us, ss->last_seen,
	    ss->events);
	PUT_TEXT(out, ss->conn.state);
	putc('\t', out);
	PUT_TEXT(out, ss->conn.error);
	putc('\t', out);
	put_addrs(out, ss->resolved, ss->n_resolved < 2 ? ss->n_resolved : 2);
	fprintf(out, "\t%" PRIu64 "\n", ss->down_after);
}

static void
format_timing(const struct vip_status *st, FILE *out)
{
	const struct timing *t = &st->timing;

	fputs("timing\t", out);
	PUT_TEXT(out, st->name);
	fprintf(out, "\t%u\t%u\t%u\t%u\t%u\t", t->role_check_interval,
	    t->sentinel_poll_interval, t->command_timeout, t->redis_down_after,
	    t->no_quorum_hold_down);
	for (size_t i = 0; i < 5; i++)
		fprintf(out, "%s%s", i ? "," : "",
		    t->source[i] == TIMING_CONFIGURED ? "configured" :
		    t->source[i] == TIMING_AUTO ? "auto" : "default");
	fprintf(out, "\t%" PRIu64 "\t%u\t", t->down_after, t->reporting);
	PUT_TEXT(out, t->warning);
	putc('\n', out);
}

int
ctl_format_status(const struct vip_status *st, FILE *out)
{
	char addr[NETADDR_STRLEN], redis[NETADDR_STRLEN];
	unsigned int n = st->n_sentinels;

	if (n > CONFIG_MAX_SENTINELS || st->n_addresses == 0 ||
	    st->n_addresses > CONFIG_MAX_ADDRESSES)
		return -EINVAL;
	hostport_fmt(&st->redis, redis, sizeof(redis));
	fputs("vip\t", out);
	PUT_TEXT(out, st->name);
	putc('\t', out);
	for (unsigned int i = 0; i < st->n_addresses; i++)
		fprintf(out, "%s%s", i ? "," : "", prefix_fmt(&st->addresses[i],
		    addr, sizeof(addr)));
	putc('\t', out);
	PUT_TEXT(out, st->interface);
	fprintf(out, "\t%s\t%s\t%d\t%" PRId64 "\t", status_link_word(st),
	    verdict_name(st->verdict), st->holding, st->since);
	PUT_TEXT(out, st->last_token);
	putc('\t', out);
	PUT_TEXT(out, st->reason);
	fprintf(out, "\t%s\t%s\t%d\t%" PRId64 "\t%u\t%u\t%u\t%u\t%u\t%"
	    PRIu64 "\t%" PRIu64 "\t%" PRId64 "\t", redis,
	    node_role_name(st->role), st->node_reachable, st->node_last_seen,
	    st->reachable, st->agree, st->other, st->majority, n,
	    st->garp_frames, st->transitions, st->last_decision);
	PUT_TEXT(out, st->node_conn.state);
	putc('\t', out);
	PUT_TEXT(out, st->node_conn.error);
	putc('\n', out);
	format_timing(st, out);
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

/* strtok_r() would skip empty elements ("a,,b", "a,", ",a"); the daemon
 * never writes them, so they are malformed. */
static bool
list_ok(const char *s)
{
	size_t len = strlen(s);

	return len > 0 && s[0] != ',' && s[len - 1] != ',' &&
	    !strstr(s, ",,");
}

/* "a/32,b/128": at least one, at most CONFIG_MAX_ADDRESSES. */
static int
get_prefixes(const struct field *f, struct vip_status *st)
{
	char buf[CONFIG_MAX_ADDRESSES * NETADDR_STRLEN], *p, *save = NULL;

	if (get_text(f, buf, sizeof(buf)) < 0 || !list_ok(buf))
		return -EINVAL;
	st->n_addresses = 0;
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (st->n_addresses == CONFIG_MAX_ADDRESSES ||
		    prefix_parse(p, &st->addresses[st->n_addresses]) < 0)
			return -EINVAL;
		st->n_addresses++;
	}
	return st->n_addresses ? 0 : -EINVAL;
}

/* "-" or up to two comma-separated addresses. */
static int
get_addrs(const struct field *f, struct netaddr *out, unsigned int *n)
{
	char buf[2 * INET6_ADDRSTRLEN + 2], *p, *save = NULL;

	*n = 0;
	if (field_is(f, "-"))
		return 0;
	if (get_text(f, buf, sizeof(buf)) < 0 || !list_ok(buf))
		return -EINVAL;
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (*n == 2 || netaddr_parse(p, &out[*n]) < 0)
			return -EINVAL;
		(*n)++;
	}
	return *n ? 0 : -EINVAL;
}

/* A connection state: a lower-case word. */
static int
get_word(const struct field *f, char *buf, size_t size)
{
	for (size_t i = 0; i < f->len; i++)
		if (f->s[i] < 'a' || f->s[i] > 'z')
			return -EINVAL;
	return f->len ? get_text(f, buf, size) : -EINVAL;
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
	size_t want = version == 1 ? VIP_FIELDS_V1 : version == 2 ?
	    VIP_FIELDS_V2 : VIP_FIELDS;

	memset(st, 0, sizeof(*st));
	if (n != want || f[1].len == 0)
		return -EINVAL;
	if (n > VIP_FIELDS_V1 && get_time(&f[21], &st->last_decision) < 0)
		return -EINVAL;
	if (n > VIP_FIELDS_V2 && (get_word(&f[22], st->node_conn.state,
	    sizeof(st->node_conn.state)) < 0 || get_text(&f[23],
	    st->node_conn.error, sizeof(st->node_conn.error)) < 0))
		return -EINVAL;
	if (get_text(&f[1], st->name, sizeof(st->name)) < 0 ||
	    get_prefixes(&f[2], st) < 0 ||
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
parse_sentinel(const struct field *f, size_t n, unsigned int version,
    struct sentinel_status *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (n != (version < 3 ? SENTINEL_FIELDS_V2 : SENTINEL_FIELDS))
		return -EINVAL;
	if (version >= 3 && (get_word(&f[8], ss->conn.state,
	    sizeof(ss->conn.state)) < 0 ||
	    get_text(&f[9], ss->conn.error, sizeof(ss->conn.error)) < 0 ||
	    get_addrs(&f[10], ss->resolved, &ss->n_resolved) < 0 ||
	    get_u64(&f[11], UINT64_MAX, &ss->down_after) < 0))
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

/* The previous `vip` record got its timing record (version 3) and all
 * the sentinel records it announced. */
static bool
last_complete(const struct ctl_reply *r)
{
	return r->n_vips == 0 || ((r->version < 3 || r->timing_seen) &&
	    r->sentinels_seen == r->vips[r->n_vips - 1].n_sentinels);
}

/* "configured,auto,default,auto,auto" */
static int
get_sources(const struct field *f, struct timing *t)
{
	char buf[64], *p, *save = NULL;
	size_t i = 0;

	if (get_text(f, buf, sizeof(buf)) < 0 || !list_ok(buf))
		return -EINVAL;
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (i == 5)
			return -EINVAL;
		if (strcmp(p, "configured") == 0)
			t->source[i] = TIMING_CONFIGURED;
		else if (strcmp(p, "auto") == 0)
			t->source[i] = TIMING_AUTO;
		else if (strcmp(p, "default") == 0)
			t->source[i] = TIMING_DEFAULT;
		else
			return -EINVAL;
		i++;
	}
	return i == 5 ? 0 : -EINVAL;
}

static bool
names_last_vip(const struct ctl_reply *r, const struct field *f)
{
	const char *name = r->vips[r->n_vips - 1].name;

	return f->len == strlen(name) && memcmp(f->s, name, f->len) == 0;
}

static int
add_timing(struct ctl_reply *r, const struct field *f, size_t n)
{
	struct timing *t;

	if (r->version < 3 || r->n_vips == 0 || r->timing_seen ||
	    n != TIMING_FIELDS || !names_last_vip(r, &f[1]))
		return -EINVAL;
	t = &r->vips[r->n_vips - 1].timing;
	if (get_uint(&f[2], UINT_MAX, &t->role_check_interval) < 0 ||
	    get_uint(&f[3], UINT_MAX, &t->sentinel_poll_interval) < 0 ||
	    get_uint(&f[4], UINT_MAX, &t->command_timeout) < 0 ||
	    get_uint(&f[5], UINT_MAX, &t->redis_down_after) < 0 ||
	    get_uint(&f[6], UINT_MAX, &t->no_quorum_hold_down) < 0 ||
	    get_sources(&f[7], t) < 0 ||
	    get_u64(&f[8], UINT64_MAX, &t->down_after) < 0 ||
	    get_uint(&f[9], CONFIG_MAX_SENTINELS, &t->reporting) < 0 ||
	    get_text(&f[10], t->warning, sizeof(t->warning)) < 0)
		return -EINVAL;
	r->timing_seen = true;
	return 0;
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
	r->timing_seen = false;
	return 0;
}

static int
add_sentinel(struct ctl_reply *r, const struct field *f, size_t n)
{
	struct vip_status *st;

	if (n < 2 || r->n_vips == 0 || last_complete(r) ||
	    (r->version >= 3 && !r->timing_seen) || !names_last_vip(r, &f[1]))
		return -EINVAL;
	st = &r->vips[r->n_vips - 1];
	if (parse_sentinel(f, n, r->version,
	    &st->sentinels[r->sentinels_seen]) < 0)
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
	if (field_is(&f[0], "timing"))
		return add_timing(r, f, n);
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
