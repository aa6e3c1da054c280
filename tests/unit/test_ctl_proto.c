/*
 * Unit tests for the control protocol (ctl.h), no I/O: format -> parse
 * round trips, malformed input, the order of a VIP's records, protocol
 * versions 1 and 2 as the old daemons wrote them, and the `reload` record.
 * The server and vipctl are in test_ctl_server.c, the Prometheus rendering
 * in test_metrics.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_fixture.h"

/* --- helpers ---------------------------------------------------------- */

/* Format `n` records with header and `end`; the caller frees. */
static char *
format_reply(const struct vip_status *in, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(ctl_format_header(out), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ctl_format_status(&in[i], out), 0);
	assert_int_equal(ctl_format_end(out), 0);
	fclose(out);
	return buf;
}

/* Format `in` as a reply, parse it and compare each VIP with `in`. */
static void
assert_round_trip(const struct vip_status *in, size_t n)
{
	char *buf = format_reply(in, n);
	struct ctl_reply r;

	ctl_reply_init(&r);
	assert_int_equal(feed(&r, buf), 1);
	assert_true(r.done);
	assert_false(r.failed);
	assert_int_equal(r.version, CTL_PROTO_VERSION);
	assert_int_equal(r.n_vips, n);
	for (size_t i = 0; i < n; i++)
		assert_status_equal(&r.vips[i], &in[i]);
	ctl_reply_free(&r);
	free(buf);
}

/* Good version-3 records of VIP "m" with one sentinel, which names the
 * master by a DNS name. NODE_ERROR and WARNING are empty, as they are when
 * all is well: the line ends in a TAB. */
#define GOOD_VIP "vip\tm\t192.0.2.100/32,2001:db8::100/64\teth0\tup\thold\t1" \
    "\t1700000000\t+vip-acquired\tok\t192.0.2.11:6379\tmaster\t1\t" \
    "1700000000\t1\t1\t0\t1\t1\t5\t2\t1700000005\tup\t"
#define GOOD_TIMING "timing\tm\t200\t1000\t500\t3000\t2000\t" \
    "configured,auto,default,auto,configured\t5000\t1\t"
#define GOOD_SENTINEL "sentinel\tm\t192.0.2.21:26379\t1\tredis-1.test:6379" \
    "\t1\t1700000000\t7\tup\t\t192.0.2.11\t5000"
#define V3		"vipd-ctl 3\n"
#define V3_VIP		V3 GOOD_VIP "\n"
#define V3_TIMED	V3_VIP GOOD_TIMING "\n"

static const char good_vip[] = GOOD_VIP;
static const char good_timing[] = GOOD_TIMING;
static const char good_sentinel[] = GOOD_SENTINEL;

/* The same VIP as a version-2 daemon wrote it (one address, 22 fields;
 * version 1: 21, without LAST_DECISION), and its 8-field sentinel. */
static const char v2_vip[] = "vip\tm\t192.0.2.100/32\teth0\tup\thold\t1\t"
    "1700000000\t+vip-acquired\tok\t192.0.2.11:6379\tmaster\t1\t1700000000"
    "\t1\t1\t0\t1\t1\t5\t2\t1700000005";
static const char v1_vip[] = "vip\tm\t192.0.2.100/32\teth0\tup\thold\t1\t"
    "1700000000\t+vip-acquired\tok\t192.0.2.11:6379\tmaster\t1\t1700000000"
    "\t1\t1\t0\t1\t1\t5\t2";
static const char v2_sentinel[] = "sentinel\tm\t192.0.2.21:26379\t1\t"
    "192.0.2.11:6379\t1\t1700000000\t7";

/* `good` with field `idx` replaced by `val` (NULL: removed; idx == the
 * field count: appended). Empty fields, the last one too, are kept. */
static void
replace_field(const char *good, size_t idx, const char *val, char *out,
    size_t len)
{
	const char *f[32];
	size_t flen[32], n = 0, o = 0;

	for (const char *p = good;; n++) {
		const char *tab = strchr(p, '\t');

		assert_true(n < 32);
		f[n] = p;
		flen[n] = tab ? (size_t)(tab - p) : strlen(p);
		if (!tab)
			break;
		p = tab + 1;
	}
	n++;
	out[0] = '\0';
	for (size_t i = 0; i < n || i == idx; i++) {
		if (i == idx && !val)
			continue;
		o += (size_t)snprintf(out + o, len - o, "%s%.*s",
		    o || i ? "\t" : "", i == idx ? (int)strlen(val) :
		    (int)flen[i], i == idx ? val : f[i]);
		assert_true(o < len);
	}
}

/* Feed `before` (whole lines), which must be fine, then `line`. */
static int
try_after(const char *before, const char *line)
{
	struct ctl_reply r;
	int rc;

	ctl_reply_init(&r);
	assert_int_equal(feed(&r, before), 0);
	rc = ctl_reply_line(&r, line, strlen(line));
	ctl_reply_free(&r);
	return rc;
}

/* --- round trips ------------------------------------------------------ */

static void
test_round_trip(void **state)
{
	struct vip_status in[5];
	struct ctl_reply r;
	char *buf;

	(void)state;
	make_status(&in[0], 0, 3);			/* IPv4 + IPv6 */
	make_status(&in[1], 1, CONFIG_MAX_SENTINELS);	/* IPv6, many */
	make_status(&in[2], 2, 2);			/* fault */
	make_status(&in[3], 3, 0);
	make_status(&in[4], 4, 5);
	in[2].link_present = false;
	in[3].last_token[0] = in[3].reason[0] = '\0';
	in[3].role = NODE_ROLE_UNKNOWN;
	for (size_t i = 1; i < CONFIG_MAX_ADDRESSES; i++) {
		char a[64];

		snprintf(a, sizeof(a), i % 2 ? "2001:db8:2::%zx/48" :
		    "198.51.100.%zu/24", i);
		assert_int_equal(prefix_parse(a, &in[4].addresses[i]), 0);
	}
	in[4].n_addresses = CONFIG_MAX_ADDRESSES;
	assert_round_trip(in, 5);

	/* What the fixture promises really crossed: names, lists, states,
	 * errors, sources, the warning. */
	buf = format_reply(in, 5);
	ctl_reply_init(&r);
	assert_int_equal(feed(&r, buf), 1);
	assert_int_equal(r.vips[0].n_addresses, 2);
	assert_int_equal(r.vips[0].addresses[1].addr.family, AF_INET6);
	assert_int_equal(r.vips[0].addresses[1].len, 64);
	assert_int_equal(r.vips[4].n_addresses, CONFIG_MAX_ADDRESSES);
	assert_string_equal(r.vips[0].sentinels[0].master.name,
	    "redis-1.test");
	assert_int_equal(r.vips[0].sentinels[0].n_resolved, 1);
	assert_int_equal(r.vips[1].sentinels[3].n_resolved, 2);
	assert_string_equal(r.vips[1].sentinels[3].master.name,
	    "Redis-1.Test.");
	assert_string_equal(r.vips[0].sentinels[1].conn.state, "down");
	assert_string_equal(r.vips[0].sentinels[1].conn.error,
	    "connect failed: No route to host");
	assert_false(r.vips[0].sentinels[2].has_master);
	assert_string_equal(r.vips[2].node_conn.state, "connecting");
	assert_string_equal(r.vips[2].node_conn.error,
	    "connect failed: Connection refused");
	assert_int_equal(r.vips[1].timing.down_after, 4000);
	assert_int_equal(r.vips[1].timing.reporting, CONFIG_MAX_SENTINELS - 1);
	assert_int_equal(r.vips[1].timing.source[2], TIMING_DEFAULT);
	assert_int_equal(r.vips[1].timing.source[3], TIMING_AUTO);
	assert_int_equal(r.vips[3].timing.down_after, 0);
	assert_non_null(strstr(r.vips[1].timing.warning, "exceeds 80%"));
	assert_string_equal(r.vips[0].timing.warning, "");
	ctl_reply_free(&r);
	free(buf);
}

/* `n` characters of a valid DNS name (labels of 63 and dots). */
static void
long_name(char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = i % 64 == 63 ? '.' : (char)('a' + i % 26);
	buf[n] = '\0';
}

/* Every field at its longest still fits in CTL_REPLY_LINE_MAX and comes
 * back intact. */
static void
test_longest_records(void **state)
{
	char name[NETADDR_STRLEN], a[64], *buf, *line;
	struct vip_status in;

	(void)state;
	make_status(&in, 1, CONFIG_MAX_SENTINELS);
	memset(in.name, 'n', sizeof(in.name) - 1);
	for (size_t i = 0; i < CONFIG_MAX_ADDRESSES; i++) {
		snprintf(a, sizeof(a), "2001:db8:ffff:ffff:ffff:ffff:ffff:"
		    "fff%zx/128", i);
		assert_int_equal(prefix_parse(a, &in.addresses[i]), 0);
	}
	in.n_addresses = CONFIG_MAX_ADDRESSES;
	memset(in.interface, 'i', sizeof(in.interface) - 1);
	memset(in.last_token, 't', sizeof(in.last_token) - 1);
	memset(in.reason, 'r', sizeof(in.reason) - 1);
	long_name(name, NETADDR_NAME_MAX - 1);
	snprintf(a, sizeof(a), ":65535");
	assert_int_equal(hostport_parse(strcat(name, a), &in.redis), 0);
	memset(in.node_conn.state, 'z', sizeof(in.node_conn.state) - 1);
	memset(in.node_conn.error, 'e', sizeof(in.node_conn.error) - 1);
	in.since = in.node_last_seen = in.last_decision = INT64_MAX;
	in.garp_frames = UINT64_MAX;
	for (size_t i = 0; i < CONFIG_MAX_SENTINELS; i++) {
		struct sentinel_status *ss = &in.sentinels[i];

		ss->addr = ss->master = in.redis;
		ss->has_master = true;
		memcpy(&ss->conn, &in.node_conn, sizeof(ss->conn));
		ss->n_resolved = 2;
		assert_int_equal(netaddr_parse("2001:db8:ffff:ffff:ffff:ffff:"
		    "ffff:ffff", &ss->resolved[0]), 0);
		ss->resolved[1] = ss->resolved[0];
		ss->last_seen = INT64_MAX;
		ss->down_after = UINT64_MAX;
	}
	in.timing.role_check_interval = UINT32_MAX;
	in.timing.down_after = UINT64_MAX;
	memset(in.timing.source, 0, sizeof(in.timing.source));
	memset(in.timing.warning, 'w', sizeof(in.timing.warning) - 1);
	buf = format_reply(&in, 1);
	for (line = buf; *line; line = strchr(line, '\n') + 1)
		assert_true(strchr(line, '\n') - line < CTL_REPLY_LINE_MAX);
	free(buf);
	assert_round_trip(&in, 1);
}

static void
test_sanitize(void **state)
{
	struct vip_status in;
	struct ctl_reply r;
	char *buf = NULL, *err;
	size_t len = 0, lines = 0;
	FILE *out = open_memstream(&buf, &len);

	(void)state;
	make_status(&in, 0, 2);
	snprintf(in.reason, sizeof(in.reason), "a\tb\nc\rd\x1b[31me\x7f");
	snprintf(in.interface, sizeof(in.interface), "e\tth0");
	snprintf(in.node_conn.error, sizeof(in.node_conn.error), "-ERR\tx\n");
	snprintf(in.sentinels[1].conn.error, sizeof(in.sentinels[1].conn.error),
	    "refused\r\n");
	snprintf(in.timing.warning, sizeof(in.timing.warning), "w\x1b[1m");
	ctl_format_header(out);
	ctl_format_status(&in, out);
	ctl_format_error(out, "x\ty", "m\ne");
	fclose(out);
	/* header, vip, timing, 2 sentinels, error: no stray line breaks. */
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	assert_int_equal(lines, 6);
	assert_non_null(err = strstr(buf, "error\t"));
	assert_string_equal(err, "error\tx y\tm e\n");
	*err = '\0';
	ctl_reply_init(&r);
	assert_int_equal(feed(&r, buf), 0);
	assert_int_equal(r.n_vips, 1);
	assert_string_equal(r.vips[0].reason, "a b c d [31me ");
	assert_string_equal(r.vips[0].interface, "e th0");
	assert_string_equal(r.vips[0].node_conn.error, "-ERR x ");
	assert_string_equal(r.vips[0].sentinels[1].conn.error, "refused  ");
	assert_string_equal(r.vips[0].timing.warning, "w [1m");
	ctl_reply_free(&r);
	free(buf);

	/* A field that is not NUL-terminated stops at its array's end. */
	buf = NULL;
	out = open_memstream(&buf, &len);
	memset(in.interface, 'i', sizeof(in.interface));
	ctl_format_status(&in, out);
	fclose(out);
	assert_non_null(strstr(buf, "\tiiiiiiiiiiiiiiii\t"));
	assert_null(strstr(buf, "iiiiiiiiiiiiiiiii"));
	free(buf);

	/* Nothing to say where the VIP is: refused, nothing written. */
	buf = NULL;
	out = open_memstream(&buf, &len);
	in.n_addresses = 0;
	assert_int_equal(ctl_format_status(&in, out), -EINVAL);
	in.n_addresses = CONFIG_MAX_ADDRESSES + 1;
	assert_int_equal(ctl_format_status(&in, out), -EINVAL);
	fclose(out);
	assert_int_equal(len, 0);
	free(buf);
}

/* --- malformed input -------------------------------------------------- */

struct bad_field {
	size_t field;
	const char *val;
};

static void
reject_fields(const char *before, const char *good,
    const struct bad_field *bad, size_t n)
{
	char line[CTL_REPLY_LINE_MAX];

	/* The good line really is good, so each row fails for its own
	 * reason; replacing a field with itself is the identity. */
	assert_int_equal(try_after(before, good), 0);
	replace_field(good, 1, "m", line, sizeof(line));
	assert_string_equal(line, good);
	for (size_t i = 0; i < n; i++) {
		replace_field(good, bad[i].field, bad[i].val, line,
		    sizeof(line));
		if (try_after(before, line) != -EINVAL)
			fail_msg("accepted: %s", line);
	}
}

static void
test_malformed_vip(void **state)
{
	static const struct bad_field bad[] = {
		{ 1, "" }, { 1, NULL }, { 2, "192.0.2.300/32" },
		{ 2, "192.0.2.1/33" }, { 2, "-" }, { 2, "" }, { 2, "," },
		{ 2, "192.0.2.100/32;2001:db8::1/64" },
		{ 2, "192.0.2.100/32, 2001:db8::1/64" },
		{ 2, "n1.test/32" }, { 3, "toolonginterface0" },
		{ 4, "sideways" }, { 5, "maybe" }, { 6, "2" }, { 6, "" },
		{ 7, "-1" }, { 7, " 1" }, { 7, "1x" }, { 7, "" },
		{ 7, "9223372036854775808" }, { 8, "tok\x1b" },
		{ 10, "192.0.2.11" }, { 10, "[192.0.2.11]:1" },
		{ 10, "2001:db8::1:6379" }, { 10, "n1.test" },
		{ 10, "[n1.test]:6379" }, { 10, "-n1.test:6379" },
		{ 10, "n1..test:6379" }, { 10, "n1.test:0" }, { 11, "boss" },
		{ 12, "yes" }, { 18, "16" }, { 19, "18446744073709551616" },
		{ 19, "99999999999999999999" }, { 21, "-1" }, { 21, "" },
		{ 22, "" }, { 22, "Up" }, { 22, "UP" }, { 22, "u p" },
		{ 22, " up" }, { 22, "up " }, { 22, "up2" }, { 22, "down-ish" },
		{ 22, "connectingconnect" }, { 23, "err\x01" },
		{ 22, NULL }, { 23, NULL }, { 24, "extra" },
	};

	(void)state;
	reject_fields(V3, good_vip, bad, sizeof(bad) / sizeof(bad[0]));
}

static void
test_malformed_timing(void **state)
{
	static const struct bad_field bad[] = {
		{ 1, "other" }, { 1, "" }, { 1, "mm" }, { 2, "-1" }, { 2, "" },
		{ 3, "1.5" }, { 4, "4294967296" }, { 5, "x" }, { 6, " 1" },
		{ 7, "" }, { 7, "configured,auto,default,auto" },
		{ 7, "configured,auto,default,auto,auto,auto" },
		{ 7, "configured,auto,default,auto,Auto" },
		{ 7, "configured,auto,derived,auto,auto" },
		{ 7, "configured auto default auto auto" },
		{ 7, "0,1,2,1,0" }, { 8, "-1" }, { 8, "" },
		{ 8, "18446744073709551616" }, { 9, "16" }, { 9, "" },
		{ 10, "warn\x1b[1m" }, { 10, NULL }, { 11, "extra" },
	};

	(void)state;
	reject_fields(V3_VIP, good_timing, bad, sizeof(bad) / sizeof(bad[0]));
}

static void
test_malformed_sentinel(void **state)
{
	static const struct bad_field bad[] = {
		{ 1, "other" }, { 2, "192.0.2.21" }, { 2, "-" }, { 3, "yes" },
		{ 4, "nobody" }, { 4, "" }, { 4, "redis-1.test" },
		{ 4, "redis..test:6379" }, { 5, "2" }, { 7, NULL },
		{ 8, "" }, { 8, "UP" }, { 8, "Down" }, { 8, "u p" },
		{ 8, " up" }, { 8, "up\x01" }, { 9, "refused\x1b" },
		{ 10, "" }, { 10, "," }, { 10, "192.0.2.11/32" },
		{ 10, "redis-1.test" }, { 10, "192.0.2.11;192.0.2.12" },
		{ 10, "192.0.2.11,192.0.2.12,192.0.2.13" },
		{ 10, "[2001:db8::11]" }, { 11, "-1" }, { 11, "" },
		{ 11, NULL }, { 12, "extra" },
	};

	(void)state;
	reject_fields(V3_TIMED, good_sentinel, bad,
	    sizeof(bad) / sizeof(bad[0]));
}

/* Lists with an empty element ("a,,b", "a,", ",a") are not what the daemon
 * writes: refused, like any other malformed field. The count limits hold
 * exactly: CONFIG_MAX_ADDRESSES addresses, two resolved, five sources. */
static void
test_list_fields(void **state)
{
	static const struct bad_field vip[] = {
		{ 2, "192.0.2.100/32,,2001:db8::100/64" },
		{ 2, "192.0.2.100/32," }, { 2, ",192.0.2.100/32" },
	}, sentinel[] = {
		{ 10, "192.0.2.11," }, { 10, ",192.0.2.11" },
		{ 10, "192.0.2.11,,2001:db8::11" },
	}, timing[] = {
		{ 7, "configured,auto,default,auto,configured," },
		{ 7, ",configured,auto,default,auto,configured" },
		{ 7, "configured,,auto,default,auto,configured" },
	};
	char list[CONFIG_MAX_ADDRESSES * 24 + 32] = "";
	char line[CTL_REPLY_LINE_MAX];
	size_t o = 0;

	(void)state;
	reject_fields(V3, good_vip, vip, sizeof(vip) / sizeof(vip[0]));
	reject_fields(V3_VIP, good_timing, timing,
	    sizeof(timing) / sizeof(timing[0]));
	reject_fields(V3_TIMED, good_sentinel, sentinel,
	    sizeof(sentinel) / sizeof(sentinel[0]));

	for (size_t i = 0; i <= CONFIG_MAX_ADDRESSES; i++) {
		replace_field(good_vip, 2, list, line, sizeof(line));
		if (i > 0)
			assert_int_equal(try_after(V3, line), 0);
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s"
		    "198.51.100.%zu/32", i ? "," : "", i + 1);
	}
	replace_field(good_vip, 2, list, line, sizeof(line));
	assert_int_equal(try_after(V3, line), -EINVAL);
	replace_field(good_sentinel, 10, "192.0.2.11,2001:db8::11", line,
	    sizeof(line));
	assert_int_equal(try_after(V3_TIMED, line), 0);
}

static void
test_malformed_lines(void **state)
{
	static const char *lines[] = {
		"bogus", "", "vip", "end\textra", "end ", "end",
		good_vip, good_timing, "error\tbusy\tlate", "error\tbusy",
		"sentinel", "sentinel\tm", "timing", "timing\tm",
	};
	char line[CTL_REPLY_LINE_MAX + 100], name[200];
	struct ctl_reply r;

	(void)state;
	/* Stray lines where the announced sentinel is due. */
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (try_after(V3_TIMED, lines[i]) != -EINVAL)
			fail_msg("accepted: %s", lines[i]);
	/* Over-long name; a line past the line limit; an embedded NUL. */
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	replace_field(good_vip, 1, name, line, sizeof(line));
	assert_int_equal(try_after(V3, line), -EINVAL);
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(try_after(V3, line), -EINVAL);
	ctl_reply_init(&r);
	assert_int_equal(feed(&r, V3), 0);
	assert_int_equal(ctl_reply_line(&r, "end\0", 4), -EINVAL);
	ctl_reply_free(&r);
	/* The whole good reply, and nothing after its end. */
	ctl_reply_init(&r);
	assert_int_equal(feed(&r, V3_TIMED GOOD_SENTINEL "\nend\n"), 1);
	assert_int_equal(ctl_reply_line(&r, "end", 3), -EINVAL);
	ctl_reply_free(&r);
}

/* Version 3: each `vip` is followed by exactly one `timing` record naming
 * it, then its sentinels. */
static void
test_timing_order(void **state)
{
	static const char vip_n[] = "vip\tn\t192.0.2.101/32\teth0\tup\t"
	    "release\t0\t0\t\t\t192.0.2.12:6379\tunknown\t0\t0\t0\t0\t0\t1\t0"
	    "\t0\t0\t0\tidle\t";
	char timing_n[256];
	struct ctl_reply r;

	(void)state;
	replace_field(good_timing, 1, "n", timing_n, sizeof(timing_n));
	/* before the timing record, no sentinel; no second one, before or
	 * after the sentinels; none without a VIP (nor in versions 1 and 2:
	 * test_old_versions) */
	assert_int_equal(try_after(V3_VIP, good_sentinel), -EINVAL);
	assert_int_equal(try_after(V3_TIMED, good_timing), -EINVAL);
	assert_int_equal(try_after(V3_TIMED GOOD_SENTINEL "\n", good_timing),
	    -EINVAL);
	assert_int_equal(try_after(V3, good_timing), -EINVAL);
	/* A VIP without sentinels still needs its timing record: before
	 * `end` and before the next VIP. */
	assert_int_equal(try_after(V3_VIP, "end"), -EINVAL);
	ctl_reply_init(&r);
	assert_int_equal(feed(&r, V3_TIMED GOOD_SENTINEL "\n"), 0);
	assert_int_equal(ctl_reply_line(&r, vip_n, strlen(vip_n)), 0);
	assert_int_equal(ctl_reply_line(&r, "end", 3), -EINVAL);
	ctl_reply_free(&r);
	ctl_reply_init(&r);
	assert_int_equal(feed(&r, V3_TIMED GOOD_SENTINEL "\n"), 0);
	assert_int_equal(ctl_reply_line(&r, vip_n, strlen(vip_n)), 0);
	assert_int_equal(ctl_reply_line(&r, good_vip, strlen(good_vip)),
	    -EINVAL);
	ctl_reply_free(&r);
	/* The timing record names its own VIP, not the previous one. */
	ctl_reply_init(&r);
	assert_int_equal(feed(&r, V3_TIMED GOOD_SENTINEL "\n"), 0);
	assert_int_equal(ctl_reply_line(&r, vip_n, strlen(vip_n)), 0);
	assert_int_equal(ctl_reply_line(&r, good_timing, strlen(good_timing)),
	    -EINVAL);
	ctl_reply_free(&r);
	/* ... and then all is well. */
	ctl_reply_init(&r);
	assert_int_equal(feed(&r, V3_TIMED GOOD_SENTINEL "\n"), 0);
	assert_int_equal(ctl_reply_line(&r, vip_n, strlen(vip_n)), 0);
	assert_int_equal(ctl_reply_line(&r, timing_n, strlen(timing_n)), 0);
	assert_int_equal(ctl_reply_line(&r, "end", 3), 1);
	assert_int_equal(r.n_vips, 2);
	assert_string_equal(r.vips[1].node_conn.state, "idle");
	assert_int_equal(r.vips[1].timing.redis_down_after, 3000);
	ctl_reply_free(&r);
}

static void
test_good_records(void **state)
{
	struct ctl_reply r;
	const struct vip_status *st;
	const struct sentinel_status *ss;
	char a[INET6_ADDRSTRLEN];
	static const enum timing_source src[5] = {
		TIMING_CONFIGURED, TIMING_AUTO, TIMING_DEFAULT, TIMING_AUTO,
		TIMING_CONFIGURED,
	};

	(void)state;
	ctl_reply_init(&r);
	assert_int_equal(feed(&r, V3_TIMED GOOD_SENTINEL "\nend\n"), 1);
	assert_int_equal(r.version, 3);
	st = &r.vips[0];
	assert_int_equal(st->n_addresses, 2);
	assert_int_equal(st->addresses[1].len, 64);
	assert_string_equal(st->node_conn.state, "up");
	assert_string_equal(st->node_conn.error, "");
	assert_int_equal(st->last_decision, 1700000005);
	assert_int_equal(st->timing.role_check_interval, 200);
	assert_int_equal(st->timing.no_quorum_hold_down, 2000);
	assert_memory_equal(st->timing.source, src, sizeof(src));
	assert_int_equal(st->timing.down_after, 5000);
	assert_int_equal(st->timing.reporting, 1);
	ss = &st->sentinels[0];
	assert_true(ss->has_master);
	assert_string_equal(ss->master.name, "redis-1.test");
	assert_int_equal(ss->master.port, 6379);
	assert_int_equal(ss->n_resolved, 1);
	assert_string_equal(netaddr_fmt(&ss->resolved[0], a, sizeof(a)),
	    "192.0.2.11");
	assert_string_equal(ss->conn.state, "up");
	assert_int_equal(ss->down_after, 5000);
	assert_int_equal(ss->events, 7);
	ctl_reply_free(&r);
}

static void
test_header_and_error(void **state)
{
	struct ctl_reply r;

	(void)state;
	ctl_reply_init(&r);
	assert_int_equal(ctl_reply_line(&r, "vipd-ctl 3", 10), 0);
	assert_int_equal(r.version, 3);
	ctl_reply_free(&r);
	ctl_reply_init(&r);
	assert_int_equal(ctl_reply_line(&r, "vipd-ctl 4", 10), -EPROTO);
	assert_int_equal(r.version, 4);
	ctl_reply_free(&r);
	ctl_reply_init(&r);
	assert_int_equal(ctl_reply_line(&r, "vipd-ctl 0", 10), -EPROTO);
	ctl_reply_free(&r);
	ctl_reply_init(&r);
	assert_int_equal(ctl_reply_line(&r, "+OK", 3), -EPROTO);
	assert_int_equal(r.version, 0);
	ctl_reply_free(&r);
	ctl_reply_init(&r);
	assert_int_equal(feed(&r, "vipd-ctl 3\nerror\tno-such-vip\tno VIP "
	    "named x\n"), 1);
	assert_true(r.failed);
	assert_string_equal(r.err_code, CTL_ERR_NO_SUCH_VIP);
	assert_string_equal(r.err_msg, "no VIP named x");
	ctl_reply_free(&r);
}

static void
test_request(void **state)
{
	struct ctl_request req;
	char buf[CTL_REQUEST_MAX], big[600];

	(void)state;
	assert_int_equal(ctl_parse_request("status", 6, &req), 0);
	assert_int_equal(req.cmd, CTL_CMD_STATUS);
	assert_string_equal(req.name, "");
	assert_int_equal(ctl_parse_request("status m1\r", 10, &req), 0);
	assert_string_equal(req.name, "m1");
	assert_int_equal(ctl_format_request(&req, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "status m1\n");
	assert_int_equal(ctl_format_request(&req, buf, 5), -ENOSPC);
	assert_int_equal(ctl_parse_request("reload", 6, &req), 0);
	assert_int_equal(req.cmd, CTL_CMD_RELOAD);
	assert_int_equal(ctl_format_request(&req, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "reload\n");
	assert_int_equal(ctl_parse_request("reload\r", 7, &req), 0);
	assert_int_equal(req.cmd, CTL_CMD_RELOAD);
	assert_int_equal(ctl_parse_request("reload /etc/x", 13, &req), -EINVAL);
	assert_int_equal(ctl_parse_request("reloadx", 7, &req), -EOPNOTSUPP);
	assert_int_equal(ctl_parse_request("stop", 4, &req), -EOPNOTSUPP);
	assert_int_equal(ctl_parse_request("statusx", 7, &req), -EOPNOTSUPP);
	assert_int_equal(ctl_parse_request("status ", 7, &req), -EINVAL);
	assert_int_equal(ctl_parse_request("status a b", 10, &req), -EINVAL);
	assert_int_equal(ctl_parse_request("status\x01", 7, &req), -EINVAL);
	assert_int_equal(ctl_parse_request("st\0tus", 6, &req), -EINVAL);
	memset(big, 'a', sizeof(big));
	memcpy(big, "status ", 7);
	assert_int_equal(ctl_parse_request(big, 200, &req), -EINVAL);
	assert_int_equal(ctl_parse_request(big, sizeof(big), &req), -EINVAL);
}

/* Random lines (a fixed seed, so failures repeat) after each version's
 * header and after a VIP: no crash, no accept of something that is not a
 * record. The real fuzzer goes much further. */
static void
test_random_lines(void **state)
{
	static const char alphabet[] =
	    "vipsentlmg\t:.,0123456789-/[]abcdef\x01";
	static const char *before[] = {
		"vipd-ctl 1\n", "vipd-ctl 2\n", V3, V3_VIP, V3_TIMED,
	};
	char line[128];
	struct ctl_reply r;

	(void)state;
	srandom(1);
	for (int i = 0; i < 25000; i++) {
		size_t len = (size_t)random() % sizeof(line);

		for (size_t j = 0; j < len; j++)
			line[j] = alphabet[random() % (sizeof(alphabet) - 1)];
		ctl_reply_init(&r);
		assert_int_equal(feed(&r, before[i % 5]), 0);
		assert_true(ctl_reply_line(&r, line, len) <= 0);
		ctl_reply_free(&r);
	}
}

/* --- versions 1 and 2 ------------------------------------------------- */

/* A new vipctl meets the old daemon until it restarts: replies as vipd
 * wrote them before version 3 still parse, the fields they lack zero. */
static void
test_old_versions(void **state)
{
	static const char *vips[] = { v1_vip, v2_vip };
	char head[16];
	struct ctl_reply r;
	const struct vip_status *st;

	(void)state;
	for (unsigned int v = 1; v <= 2; v++) {
		snprintf(head, sizeof(head), "vipd-ctl %u\n", v);
		ctl_reply_init(&r);
		assert_int_equal(feed(&r, head), 0);
		assert_int_equal(ctl_reply_line(&r, vips[v - 1],
		    strlen(vips[v - 1])), 0);
		assert_int_equal(ctl_reply_line(&r, v2_sentinel,
		    strlen(v2_sentinel)), 0);
		assert_int_equal(ctl_reply_line(&r, "end", 3), 1);
		assert_int_equal(r.version, v);
		assert_int_equal(r.n_vips, 1);
		st = &r.vips[0];
		assert_int_equal(st->last_decision, v == 1 ? 0 : 1700000005);
		assert_int_equal(st->transitions, 2);
		assert_int_equal(st->n_addresses, 1);
		assert_int_equal(st->addresses[0].len, 32);
		assert_string_equal(st->node_conn.state, "");
		assert_int_equal(st->timing.role_check_interval, 0);
		assert_int_equal(st->timing.down_after, 0);
		assert_true(st->sentinels[0].has_master);
		assert_int_equal(st->sentinels[0].master.port, 6379);
		assert_string_equal(st->sentinels[0].conn.state, "");
		assert_int_equal(st->sentinels[0].n_resolved, 0);
		assert_int_equal(st->sentinels[0].down_after, 0);
		assert_int_equal(st->sentinels[0].events, 7);
		ctl_reply_free(&r);

		/* Each version has exactly its own shape, and no timing. */
		assert_int_equal(try_after(head, vips[2 - v]), -EINVAL);
		assert_int_equal(try_after(head, good_vip), -EINVAL);
		ctl_reply_init(&r);
		assert_int_equal(feed(&r, head), 0);
		assert_int_equal(ctl_reply_line(&r, vips[v - 1],
		    strlen(vips[v - 1])), 0);
		assert_int_equal(ctl_reply_line(&r, good_timing,
		    strlen(good_timing)), -EINVAL);
		ctl_reply_free(&r);
		ctl_reply_init(&r);
		assert_int_equal(feed(&r, head), 0);
		assert_int_equal(ctl_reply_line(&r, vips[v - 1],
		    strlen(vips[v - 1])), 0);
		assert_int_equal(ctl_reply_line(&r, good_sentinel,
		    strlen(good_sentinel)), -EINVAL);
		ctl_reply_free(&r);
	}
	/* ... and version 3 takes neither old shape. */
	assert_int_equal(try_after(V3, v2_vip), -EINVAL);
	assert_int_equal(try_after(V3, v1_vip), -EINVAL);
	assert_int_equal(try_after(V3_TIMED, v2_sentinel), -EINVAL);
}

/* A whole version-1 reply as vipd 1 wrote it: two VIPs, one with an
 * unreachable sentinel naming no master. */
static void
test_old_reply(void **state)
{
	static const char v1[] = "vipd-ctl 1\n"
	    "vip\tmymaster\t192.0.2.100/32\teth0\tup\thold\t1\t1718000000\t"
	    "+vip-acquired\tlocal master, 2 of 2 sentinels name "
	    "192.0.2.11:6379\t192.0.2.11:6379\tmaster\t1\t1718000420\t2\t2\t0"
	    "\t2\t2\t6\t1\n"
	    "sentinel\tmymaster\t192.0.2.11:26379\t1\t192.0.2.11:6379\t1\t"
	    "1718000420\t12\n"
	    "sentinel\tmymaster\t192.0.2.12:26379\t1\t192.0.2.11:6379\t1\t"
	    "1718000420\t9\n"
	    "vip\tsessions\t2001:db8::100/128\teth1\tmissing\tfault\t0\t"
	    "1718000001\t+vip-fault\tinterface eth1 is missing\t"
	    "[2001:db8::11]:6379\treplica\t1\t1718000420\t0\t0\t0\t1\t1\t3\t2"
	    "\n"
	    "sentinel\tsessions\t[2001:db8::13]:26379\t0\t-\t0\t0\t0\n"
	    "end\n";
	struct ctl_reply r;

	(void)state;
	ctl_reply_init(&r);
	assert_int_equal(feed(&r, v1), 1);
	assert_int_equal(r.n_vips, 2);
	assert_int_equal(r.vips[0].n_sentinels, 2);
	assert_int_equal(r.vips[0].sentinels[1].events, 9);
	assert_false(r.vips[1].link_present);
	assert_int_equal(r.vips[1].verdict, VERDICT_FAULT);
	assert_int_equal(r.vips[1].addresses[0].addr.family, AF_INET6);
	assert_false(r.vips[1].sentinels[0].reachable);
	assert_false(r.vips[1].sentinels[0].has_master);
	ctl_reply_free(&r);
}

/* --- reload ----------------------------------------------------------- */

static char *
format_reload(bool ok, const char *msg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(ctl_format_header(out), 0);
	assert_int_equal(ctl_format_reload(out, ok, msg), 0);
	assert_int_equal(ctl_format_end(out), 0);
	fclose(out);
	return buf;
}

static void
test_reload_record(void **state)
{
	static const char ok[] = "reloaded /etc/vipd/vipd.conf: 1 added, "
	    "0 removed, 2 unchanged";
	char big[3 * CTL_MSG_MAX], *buf, *nl;
	struct ctl_reply r;

	(void)state;
	buf = format_reload(true, ok);
	assert_string_equal(buf, "vipd-ctl 3\nreload\tok\treloaded "
	    "/etc/vipd/vipd.conf: 1 added, 0 removed, 2 unchanged\nend\n");
	ctl_reply_init(&r);
	assert_int_equal(feed(&r, buf), 1);
	assert_true(r.has_reload);
	assert_true(r.reload_ok);
	assert_false(r.failed);
	assert_int_equal(r.n_vips, 0);
	assert_string_equal(r.reload_msg, ok);
	ctl_reply_free(&r);
	free(buf);

	/* Config errors joined by the daemon; control characters made
	 * spaces. */
	buf = format_reload(false, "line 3: bad\tkey\nline 9: \x1b[1m");
	ctl_reply_init(&r);
	assert_int_equal(feed(&r, buf), 1);
	assert_true(r.has_reload);
	assert_false(r.reload_ok);
	assert_string_equal(r.reload_msg, "line 3: bad key line 9:  [1m");
	ctl_reply_free(&r);
	free(buf);

	/* A message longer than the record allows is cut, not lost. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf = format_reload(false, big);
	nl = strchr(strchr(buf, '\n') + 1, '\n');
	assert_true(nl - buf < 11 + CTL_REPLY_LINE_MAX);
	ctl_reply_init(&r);
	assert_int_equal(feed(&r, buf), 1);
	assert_int_equal(strlen(r.reload_msg), CTL_MSG_MAX - 1);
	ctl_reply_free(&r);
	free(buf);
}

static void
test_reload_malformed(void **state)
{
	static const char *alone[] = {
		"reload\tmaybe\tx", "reload\tok", "reload\tok\tx\ty",
		"reload\t\tx", "reload\tok\tbell\x07",
	}, *after[] = {
		"reload\tok\tagain", "error\tbusy\tlate", good_vip,
		good_timing, good_sentinel,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(alone) / sizeof(alone[0]); i++)
		if (try_after(V3, alone[i]) != -EINVAL)
			fail_msg("accepted: %s", alone[i]);
	/* Never after status records, */
	assert_int_equal(try_after(V3_TIMED GOOD_SENTINEL "\n",
	    "reload\tok\tx"), -EINVAL);
	/* and nothing but `end` after it. */
	for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++)
		if (try_after(V3 "reload\tok\tfine\n", after[i]) != -EINVAL)
			fail_msg("accepted after reload: %s", after[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_longest_records),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_good_records),
		cmocka_unit_test(test_malformed_vip),
		cmocka_unit_test(test_malformed_timing),
		cmocka_unit_test(test_malformed_sentinel),
		cmocka_unit_test(test_list_fields),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_timing_order),
		cmocka_unit_test(test_header_and_error),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_random_lines),
		cmocka_unit_test(test_old_versions),
		cmocka_unit_test(test_old_reply),
		cmocka_unit_test(test_reload_record),
		cmocka_unit_test(test_reload_malformed),
	};

	return cmocka_run_group_tests_name("ctl_proto", tests, NULL, NULL);
}
