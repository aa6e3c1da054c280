/*
 * Unit tests for the control protocol (ctl.h), no I/O: format -> parse
 * round trips, malformed input, protocol versions, the `reload` record, and
 * the Prometheus rendering. The server and vipctl are in test_ctl_server.c.
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

/* --- protocol --------------------------------------------------------- */

static void
test_round_trip(void **state)
{
	struct vip_status in[4];
	struct ctl_reply r;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(out);
	make_status(&in[0], 0, 3);			/* IPv4 */
	make_status(&in[1], 1, CONFIG_MAX_SENTINELS);	/* IPv6, many */
	make_status(&in[2], 2, 1);
	make_status(&in[3], 3, 0);
	in[2].link_present = false;
	in[3].last_token[0] = in[3].reason[0] = '\0';
	in[3].role = NODE_ROLE_UNKNOWN;
	assert_int_equal(ctl_format_header(out), 0);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(ctl_format_status(&in[i], out), 0);
	assert_int_equal(ctl_format_end(out), 0);
	fclose(out);

	ctl_reply_init(&r);
	assert_int_equal(feed(&r, buf), 1);
	assert_true(r.done);
	assert_false(r.failed);
	assert_int_equal(r.n_vips, 4);
	for (size_t i = 0; i < 4; i++)
		assert_status_equal(&r.vips[i], &in[i]);
	ctl_reply_free(&r);
	free(buf);
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
	ctl_format_header(out);
	ctl_format_status(&in, out);
	ctl_format_error(out, "x\ty", "m\ne");
	fclose(out);
	/* header, vip, 2 sentinels, error: no stray line breaks. */
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	assert_int_equal(lines, 5);
	assert_non_null(err = strstr(buf, "error\t"));
	assert_string_equal(err, "error\tx y\tm e\n");
	*err = '\0';
	ctl_reply_init(&r);
	assert_int_equal(feed(&r, buf), 0);
	assert_int_equal(r.n_vips, 1);
	assert_string_equal(r.vips[0].reason, "a b c d [31me ");
	assert_string_equal(r.vips[0].interface, "e th0");
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
}

static const char good_vip[] = "vip\tm\t192.0.2.100/32\teth0\tup\thold\t1\t"
    "1700000000\t+vip-acquired\tok\t192.0.2.11:6379\tmaster\t1\t1700000000"
    "\t1\t1\t0\t1\t1\t5\t2\t1700000005";
static const char good_sentinel[] = "sentinel\tm\t192.0.2.21:26379\t1\t"
    "192.0.2.11:6379\t1\t1700000000\t7";

/* `good` with field `idx` replaced by `val` (NULL: removed; idx past the
 * end: appended). */
static void
replace_field(const char *good, size_t idx, const char *val, char *out,
    size_t len)
{
	const char *p = good;
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; *p || i == idx; i++) {
		size_t flen = strcspn(p, "\t");

		if (i == idx && val)
			n += (size_t)snprintf(out + n, len - n, "%s%s",
			    n ? "\t" : "", val);
		else if (i != idx && flen + (*p != '\0') > 0)
			n += (size_t)snprintf(out + n, len - n, "%s%.*s",
			    n ? "\t" : "", (int)flen, p);
		if (i == idx && !*p)
			break;
		p += flen + (p[flen] == '\t');
		if (!*p && i + 1 != idx)
			break;
	}
}

static int
try_line(const char *line, bool with_vip)
{
	struct ctl_reply r;
	int rc;

	ctl_reply_init(&r);
	assert_int_equal(ctl_reply_line(&r, "vipd-ctl 2", 10), 0);
	if (with_vip)
		assert_int_equal(ctl_reply_line(&r, good_vip,
		    strlen(good_vip)), 0);
	rc = ctl_reply_line(&r, line, strlen(line));
	ctl_reply_free(&r);
	return rc;
}

static void
test_malformed_fields(void **state)
{
	static const struct {
		size_t field;
		const char *val;
	} vips[] = {
		{ 1, "" }, { 1, NULL }, { 2, "192.0.2.300/32" },
		{ 2, "192.0.2.1/33" }, { 2, "-" }, { 3, "toolonginterface0" },
		{ 4, "sideways" }, { 5, "maybe" }, { 6, "2" }, { 6, "" },
		{ 7, "-1" }, { 7, " 1" }, { 7, "1x" }, { 7, "" },
		{ 7, "9223372036854775808" }, { 8, "tok\x1b" },
		{ 10, "192.0.2.11" }, { 10, "[192.0.2.11]:1" },
		{ 10, "2001:db8::1:6379" }, { 11, "boss" }, { 12, "yes" },
		{ 18, "16" }, { 19, "18446744073709551616" },
		{ 19, "99999999999999999999" }, { 21, "-1" }, { 21, "" },
		{ 21, NULL }, { 22, "extra" },
	}, sentinels[] = {
		{ 1, "other" }, { 2, "192.0.2.21" }, { 3, "yes" },
		{ 4, "nobody" }, { 4, "" }, { 5, "2" }, { 7, NULL },
		{ 8, "extra" },
	};
	char line[CTL_REPLY_LINE_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(vips) / sizeof(vips[0]); i++) {
		replace_field(good_vip, vips[i].field, vips[i].val, line,
		    sizeof(line));
		if (try_line(line, false) != -EINVAL)
			fail_msg("accepted: %s", line);
	}
	for (size_t i = 0; i < sizeof(sentinels) / sizeof(sentinels[0]); i++) {
		replace_field(good_sentinel, sentinels[i].field,
		    sentinels[i].val, line, sizeof(line));
		if (try_line(line, true) != -EINVAL)
			fail_msg("accepted: %s", line);
	}
}

static void
test_malformed_lines(void **state)
{
	static const char *lines[] = {
		"bogus", "", "vip", "end\textra", "end ",
		good_vip, "error\tbusy\tlate", "error\tbusy", "sentinel",
	};
	char line[CTL_REPLY_LINE_MAX + 100], name[200];
	struct ctl_reply r;

	(void)state;
	/* `end` before the announced sentinel, and other stray lines. */
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (try_line(lines[i], true) != -EINVAL)
			fail_msg("accepted: %s", lines[i]);
	/* Over-long name; a line past the line limit; an embedded NUL. */
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	replace_field(good_vip, 1, name, line, sizeof(line));
	assert_int_equal(try_line(line, false), -EINVAL);
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(try_line(line, false), -EINVAL);
	ctl_reply_init(&r);
	assert_int_equal(ctl_reply_line(&r, "vipd-ctl 2", 10), 0);
	assert_int_equal(ctl_reply_line(&r, "end\0", 4), -EINVAL);
	ctl_reply_free(&r);
	/* The good pair really is good: the rows above fail for their own
	 * reason. Field replacement with the same value is the identity. */
	replace_field(good_vip, 5, "hold", line, sizeof(line));
	assert_string_equal(line, good_vip);
	replace_field(good_sentinel, 7, "7", line, sizeof(line));
	assert_string_equal(line, good_sentinel);
	ctl_reply_init(&r);
	assert_int_equal(ctl_reply_line(&r, "vipd-ctl 2", 10), 0);
	assert_int_equal(ctl_reply_line(&r, good_vip, strlen(good_vip)), 0);
	assert_int_equal(ctl_reply_line(&r, good_sentinel,
	    strlen(good_sentinel)), 0);
	assert_int_equal(ctl_reply_line(&r, "end", 3), 1);
	assert_int_equal(ctl_reply_line(&r, "end", 3), -EINVAL);
	ctl_reply_free(&r);
}

static void
test_header_and_error(void **state)
{
	struct ctl_reply r;

	(void)state;
	ctl_reply_init(&r);
	assert_int_equal(ctl_reply_line(&r, "vipd-ctl 3", 10), -EPROTO);
	assert_int_equal(r.version, 3);
	ctl_reply_free(&r);
	ctl_reply_init(&r);
	assert_int_equal(ctl_reply_line(&r, "vipd-ctl 0", 10), -EPROTO);
	ctl_reply_free(&r);
	ctl_reply_init(&r);
	assert_int_equal(ctl_reply_line(&r, "+OK", 3), -EPROTO);
	assert_int_equal(r.version, 0);
	ctl_reply_free(&r);
	ctl_reply_init(&r);
	assert_int_equal(feed(&r, "vipd-ctl 2\nerror\tno-such-vip\tno VIP "
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

/* Random lines (a fixed seed, so failures repeat): no crash, no accept of
 * something that is not a record. The real fuzzer goes much further. */
static void
test_random_lines(void **state)
{
	static const char alphabet[] = "vipsentl\t:.0123456789-/[]abcdef\x01";
	char line[128];
	struct ctl_reply r;

	(void)state;
	srandom(1);
	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)random() % sizeof(line);

		for (size_t j = 0; j < len; j++)
			line[j] = alphabet[random() % (sizeof(alphabet) - 1)];
		ctl_reply_init(&r);
		ctl_reply_line(&r, "vipd-ctl 2", 10);
		assert_true(ctl_reply_line(&r, line, len) <= 0);
		ctl_reply_free(&r);
	}
}

/* A version-1 daemon (vipd before LAST_DECISION) is still understood: a
 * new vipctl meets the old daemon until it restarts. */
static void
test_version_1(void **state)
{
	char v1[CTL_REPLY_LINE_MAX];
	struct ctl_reply r;

	(void)state;
	replace_field(good_vip, 21, NULL, v1, sizeof(v1));
	ctl_reply_init(&r);
	assert_int_equal(ctl_reply_line(&r, "vipd-ctl 1", 10), 0);
	assert_int_equal(ctl_reply_line(&r, v1, strlen(v1)), 0);
	assert_int_equal(ctl_reply_line(&r, good_sentinel,
	    strlen(good_sentinel)), 0);
	assert_int_equal(ctl_reply_line(&r, "end", 3), 1);
	assert_int_equal(r.version, 1);
	assert_int_equal(r.n_vips, 1);
	assert_int_equal(r.vips[0].last_decision, 0);
	assert_int_equal(r.vips[0].transitions, 2);
	ctl_reply_free(&r);
	/* Each version has exactly its own shape. */
	ctl_reply_init(&r);
	assert_int_equal(ctl_reply_line(&r, "vipd-ctl 1", 10), 0);
	assert_int_equal(ctl_reply_line(&r, good_vip, strlen(good_vip)),
	    -EINVAL);
	ctl_reply_free(&r);
	assert_int_equal(try_line(v1, false), -EINVAL);
	/* ... and version 2 carries it. */
	ctl_reply_init(&r);
	assert_int_equal(ctl_reply_line(&r, "vipd-ctl 2", 10), 0);
	assert_int_equal(ctl_reply_line(&r, good_vip, strlen(good_vip)), 0);
	assert_int_equal(r.vips[0].last_decision, 1700000005);
	ctl_reply_free(&r);
}

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
	assert_string_equal(buf, "vipd-ctl 2\nreload\tok\treloaded "
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
		good_sentinel,
	};
	struct ctl_reply r;

	(void)state;
	for (size_t i = 0; i < sizeof(alone) / sizeof(alone[0]); i++)
		if (try_line(alone[i], false) != -EINVAL)
			fail_msg("accepted: %s", alone[i]);
	/* Never after status records, */
	assert_int_equal(try_line("reload\tok\tx", true), -EINVAL);
	/* and nothing but `end` after it. */
	for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
		ctl_reply_init(&r);
		assert_int_equal(feed(&r, "vipd-ctl 2\nreload\tok\tfine\n"), 0);
		if (ctl_reply_line(&r, after[i], strlen(after[i])) != -EINVAL)
			fail_msg("accepted after reload: %s", after[i]);
		ctl_reply_free(&r);
	}
}

/* --- Prometheus rendering --------------------------------------------- */

/* One VIP held, three Sentinels: the second unreachable, the third naming
 * another master. */
static void
metrics_status(struct vip_status *st)
{
	static const char *sentinels[] = {
		"192.0.2.11:26379", "192.0.2.12:26379", "192.0.2.13:26379",
	};

	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "mymaster");
	assert_int_equal(prefix_parse("192.0.2.100/32", &st->address), 0);
	snprintf(st->interface, sizeof(st->interface), "eth0");
	st->link_present = st->link_up = true;
	st->verdict = VERDICT_HOLD;
	st->holding = true;
	st->role = NODE_ROLE_MASTER;
	st->node_reachable = true;
	st->n_sentinels = 3;
	for (unsigned int i = 0; i < 3; i++) {
		struct sentinel_status *ss = &st->sentinels[i];

		assert_int_equal(hostport_parse(sentinels[i], &ss->addr), 0);
		ss->reachable = i != 1;
		ss->names_us = i == 0;
	}
	st->reachable = 2;
	st->agree = 1;
	st->other = 1;
	st->majority = 2;
	st->garp_frames = 6;
	st->transitions = 1;
	st->last_decision = 1700000300;
}

static const char metrics_want[] =
    "# HELP vipd_vip_held 1 if the VIP address is on its interface.\n"
    "# TYPE vipd_vip_held gauge\n"
    "vipd_vip_held{vip=\"mymaster\",address=\"192.0.2.100/32\","
    "interface=\"eth0\"} 1\n"
    "# HELP vipd_vip_state 1 for the current decision, 0 for the others.\n"
    "# TYPE vipd_vip_state gauge\n"
    "vipd_vip_state{vip=\"mymaster\",state=\"hold\"} 1\n"
    "vipd_vip_state{vip=\"mymaster\",state=\"release\"} 0\n"
    "vipd_vip_state{vip=\"mymaster\",state=\"fault\"} 0\n"
    "# HELP vipd_transitions_total State changes since vipd started.\n"
    "# TYPE vipd_transitions_total counter\n"
    "vipd_transitions_total{vip=\"mymaster\"} 1\n"
    "# HELP vipd_garp_frames_total Gratuitous ARP and unsolicited NA "
    "frames sent.\n"
    "# TYPE vipd_garp_frames_total counter\n"
    "vipd_garp_frames_total{vip=\"mymaster\"} 6\n"
    "# HELP vipd_local_node_up 1 if the local Redis node answers.\n"
    "# TYPE vipd_local_node_up gauge\n"
    "vipd_local_node_up{vip=\"mymaster\"} 1\n"
    "# HELP vipd_local_node_role 1 for the role the local Redis node "
    "reports, 0 for the others.\n"
    "# TYPE vipd_local_node_role gauge\n"
    "vipd_local_node_role{vip=\"mymaster\",role=\"master\"} 1\n"
    "vipd_local_node_role{vip=\"mymaster\",role=\"replica\"} 0\n"
    "vipd_local_node_role{vip=\"mymaster\",role=\"other\"} 0\n"
    "vipd_local_node_role{vip=\"mymaster\",role=\"unknown\"} 0\n"
    "# HELP vipd_sentinel_up 1 if this Sentinel answers.\n"
    "# TYPE vipd_sentinel_up gauge\n"
    "vipd_sentinel_up{vip=\"mymaster\",sentinel=\"192.0.2.11:26379\"} 1\n"
    "vipd_sentinel_up{vip=\"mymaster\",sentinel=\"192.0.2.12:26379\"} 0\n"
    "vipd_sentinel_up{vip=\"mymaster\",sentinel=\"192.0.2.13:26379\"} 1\n"
    "# HELP vipd_sentinel_names_this_node 1 if this Sentinel names the "
    "local node as master.\n"
    "# TYPE vipd_sentinel_names_this_node gauge\n"
    "vipd_sentinel_names_this_node{vip=\"mymaster\","
    "sentinel=\"192.0.2.11:26379\"} 1\n"
    "vipd_sentinel_names_this_node{vip=\"mymaster\","
    "sentinel=\"192.0.2.12:26379\"} 0\n"
    "vipd_sentinel_names_this_node{vip=\"mymaster\","
    "sentinel=\"192.0.2.13:26379\"} 0\n"
    "# HELP vipd_sentinels_agree Sentinels naming the local node as "
    "master.\n"
    "# TYPE vipd_sentinels_agree gauge\n"
    "vipd_sentinels_agree{vip=\"mymaster\"} 1\n"
    "# HELP vipd_sentinels_reachable Sentinels that answer.\n"
    "# TYPE vipd_sentinels_reachable gauge\n"
    "vipd_sentinels_reachable{vip=\"mymaster\"} 2\n"
    "# HELP vipd_sentinels_majority Sentinels that must agree before the "
    "VIP is held.\n"
    "# TYPE vipd_sentinels_majority gauge\n"
    "vipd_sentinels_majority{vip=\"mymaster\"} 2\n"
    "# HELP vipd_last_decision_timestamp_seconds Unix time of the latest "
    "decision (0: never or unknown).\n"
    "# TYPE vipd_last_decision_timestamp_seconds gauge\n"
    "vipd_last_decision_timestamp_seconds{vip=\"mymaster\"} 1700000300\n";

static char *
format_metrics(const struct vip_status *vips, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(ctl_format_metrics(vips, n, out), 0);
	fclose(out);
	return buf;
}

static void
test_metrics(void **state)
{
	struct vip_status st;
	char *buf;
	size_t lines = 0;

	(void)state;
	metrics_status(&st);
	buf = format_metrics(&st, 1);
	assert_string_equal(buf, metrics_want);
	free(buf);
	/* No VIP: every family still announced, no samples. */
	buf = format_metrics(NULL, 0);
	for (char *p = buf; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 2 * 12);
	assert_null(strstr(buf, "{"));
	free(buf);
}

static void
test_metrics_escaping(void **state)
{
	struct vip_status st;
	char *buf;

	(void)state;
	metrics_status(&st);
	snprintf(st.name, sizeof(st.name), "a\"b\\c\nd");
	memset(st.interface, 'e', sizeof(st.interface));	/* no NUL */
	st.interface[0] = '"';
	st.holding = false;
	st.verdict = VERDICT_FAULT;
	st.last_decision = 0;
	buf = format_metrics(&st, 1);
	assert_non_null(strstr(buf, "\nvipd_vip_held{vip=\"a\\\"b\\\\c\\nd\","
	    "address=\"192.0.2.100/32\",interface=\"\\\"eeeeeeeeeeeeeee\"} "
	    "0\n"));
	assert_non_null(strstr(buf, "\nvipd_vip_state{vip=\"a\\\"b\\\\c\\nd\","
	    "state=\"fault\"} 1\n"));
	assert_non_null(strstr(buf, "\nvipd_last_decision_timestamp_seconds"
	    "{vip=\"a\\\"b\\\\c\\nd\"} 0\n"));
	/* Every newline ends a line: none from the name. */
	for (char *p = buf; (p = strchr(p, '\n')) && p[1]; p++)
		assert_true(p[1] == '#' || p[1] == 'v');
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_malformed_fields),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_header_and_error),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_random_lines),
		cmocka_unit_test(test_version_1),
		cmocka_unit_test(test_reload_record),
		cmocka_unit_test(test_reload_malformed),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_metrics_escaping),
	};

	return cmocka_run_group_tests_name("ctl_proto", tests, NULL, NULL);
}
