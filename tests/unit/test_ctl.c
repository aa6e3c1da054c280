/*
 * Unit tests for ctl: the protocol (format -> parse round trip, malformed
 * input), the server on a socket in a temporary directory driven by the
 * real loop in a child process, and vipctl's exit codes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl.h"
#include "loop.h"

static char tmpdir[] = "/tmp/test_ctl.XXXXXX";

/* --- fixtures --------------------------------------------------------- */

/* VIP `idx`: even ones IPv4, odd ones IPv6, with `ns` sentinels. */
static void
make_status(struct vip_status *st, size_t idx, unsigned int ns)
{
	char buf[64];
	bool v6 = idx % 2;

	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "vip%zu", idx);
	snprintf(buf, sizeof(buf), v6 ? "2001:db8::%zx/128" :
	    "192.0.2.%zu/32", 100 + idx % 100);
	assert_int_equal(prefix_parse(buf, &st->address), 0);
	snprintf(st->interface, sizeof(st->interface), "eth%zu", idx % 4);
	st->link_present = true;
	st->link_up = idx % 3 != 2;
	st->verdict = idx % 3 == 0 ? VERDICT_HOLD : idx % 3 == 1 ?
	    VERDICT_RELEASE : VERDICT_FAULT;
	st->holding = st->verdict == VERDICT_HOLD;
	st->since = 1700000000 + (int64_t)idx;
	snprintf(st->last_token, sizeof(st->last_token), "+vip-acquired");
	snprintf(st->reason, sizeof(st->reason),
	    "local node is master and %u/%u sentinels name it", ns, ns);
	assert_int_equal(hostport_parse(v6 ? "[2001:db8::11]:6379" :
	    "192.0.2.11:6379", &st->redis), 0);
	st->role = NODE_ROLE_MASTER;
	st->node_reachable = true;
	st->node_last_seen = 1700000100;
	st->n_sentinels = ns;
	st->reachable = ns;
	st->agree = ns;
	st->majority = ns / 2 + 1;
	for (unsigned int i = 0; i < ns; i++) {
		struct sentinel_status *ss = &st->sentinels[i];

		snprintf(buf, sizeof(buf), v6 ? "[2001:db8::%x]:26379" :
		    "192.0.2.%u:26379", 21 + i);
		assert_int_equal(hostport_parse(buf, &ss->addr), 0);
		ss->reachable = i != 1;
		ss->has_master = i != 2;
		if (ss->has_master)
			ss->master = st->redis;
		ss->names_us = ss->has_master;
		ss->last_seen = 1700000000 + i;
		ss->events = UINT64_MAX - i;
	}
	st->garp_frames = 12;
	st->transitions = UINT64_MAX;
}

/* Equal as far as the protocol can tell: the same record text. Sound
 * because every field is formatted, and a field the parser skipped would
 * come back as zero. */
static void
assert_status_equal(const struct vip_status *a, const struct vip_status *b)
{
	char *ta = NULL, *tb = NULL;
	size_t la = 0, lb = 0;
	FILE *fa = open_memstream(&ta, &la), *fb = open_memstream(&tb, &lb);

	assert_non_null(fa);
	assert_non_null(fb);
	assert_int_equal(ctl_format_status(a, fa), 0);
	assert_int_equal(ctl_format_status(b, fb), 0);
	fclose(fa);
	fclose(fb);
	assert_string_equal(ta, tb);
	free(ta);
	free(tb);
}

/* Feed a whole reply text to `r` line by line; returns the last result. */
static int
feed(struct ctl_reply *r, const char *text)
{
	int rc = 0;

	while (*text && rc == 0) {
		const char *nl = strchr(text, '\n');

		assert_non_null(nl);
		rc = ctl_reply_line(r, text, (size_t)(nl - text));
		text = nl + 1;
	}
	return rc;
}

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
    "\t1\t1\t0\t1\t1\t5\t2";
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
	assert_int_equal(ctl_reply_line(&r, "vipd-ctl 1", 10), 0);
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
		{ 19, "99999999999999999999" }, { 21, "extra" },
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
	assert_int_equal(ctl_reply_line(&r, "vipd-ctl 1", 10), 0);
	assert_int_equal(ctl_reply_line(&r, "end\0", 4), -EINVAL);
	ctl_reply_free(&r);
	/* The good pair really is good: the rows above fail for their own
	 * reason. Field replacement with the same value is the identity. */
	replace_field(good_vip, 5, "hold", line, sizeof(line));
	assert_string_equal(line, good_vip);
	replace_field(good_sentinel, 7, "7", line, sizeof(line));
	assert_string_equal(line, good_sentinel);
	ctl_reply_init(&r);
	assert_int_equal(ctl_reply_line(&r, "vipd-ctl 1", 10), 0);
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
	assert_int_equal(ctl_reply_line(&r, "vipd-ctl 2", 10), -EPROTO);
	assert_int_equal(r.version, 2);
	ctl_reply_free(&r);
	ctl_reply_init(&r);
	assert_int_equal(ctl_reply_line(&r, "+OK", 3), -EPROTO);
	assert_int_equal(r.version, 0);
	ctl_reply_free(&r);
	ctl_reply_init(&r);
	assert_int_equal(feed(&r, "vipd-ctl 1\nerror\tno-such-vip\tno VIP "
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
	assert_int_equal(ctl_parse_request("reload", 6, &req), -EOPNOTSUPP);
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
		ctl_reply_line(&r, "vipd-ctl 1", 10);
		assert_true(ctl_reply_line(&r, line, len) <= 0);
		ctl_reply_free(&r);
	}
}

/* --- the server in a child process ------------------------------------ */

struct server {
	pid_t pid;
	char path[108];
};

static int
status_cb(void *arg, size_t idx, struct vip_status *out)
{
	size_t n = (size_t)(uintptr_t)arg;

	if (idx >= n)
		return -ENOENT;
	make_status(out, idx, CONFIG_MAX_SENTINELS);
	return 0;
}

static const struct ctl_ops ops = { .status = status_cb };

/* Fork a child that serves `nvips` VIPs at tmpdir/`name` until killed. */
static void
server_start(struct server *srv, const char *name, size_t nvips)
{
	int p[2], err = 0;

	snprintf(srv->path, sizeof(srv->path), "%s/%s", tmpdir, name);
	assert_int_equal(pipe(p), 0);
	srv->pid = fork();
	assert_true(srv->pid >= 0);
	if (srv->pid == 0) {
		struct loop *l;

		/* A failed assertion skips server_stop(): go with the test. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		l = loop_new();
		if (!l || !ctl_open(l, srv->path, &ops,
		    (void *)(uintptr_t)nvips))
			err = errno;
		if (write(p[1], &err, sizeof(err)) != sizeof(err) || err)
			_exit(1);
		loop_run(l);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &err, sizeof(err)), sizeof(err));
	close(p[0]);
	assert_int_equal(err, 0);
}

static void
server_stop(struct server *srv)
{
	int status;

	kill(srv->pid, SIGKILL);
	waitpid(srv->pid, &status, 0);
	unlink(srv->path);
}

static int
client_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Read to EOF (or error); returns the bytes, NUL-terminated. */
static char *
client_read_all(int fd, size_t *lenp)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;

	assert_non_null(buf);
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2) {
			cap *= 2;
			assert_non_null(buf = realloc(buf, cap));
		}
	}
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

/* Send `req` on a new connection and parse the answer into `r`. */
static int
ask(const char *path, const char *req, struct ctl_reply *r)
{
	int fd = client_connect(path), rc;
	char *buf;

	assert_int_equal(send(fd, req, strlen(req), MSG_NOSIGNAL),
	    (ssize_t)strlen(req));
	buf = client_read_all(fd, NULL);
	close(fd);
	ctl_reply_init(r);
	rc = feed(r, buf);
	free(buf);
	return rc;
}

static void
test_server_status(void **state)
{
	struct server srv;
	struct vip_status want;
	struct ctl_reply r;

	(void)state;
	server_start(&srv, "status.sock", 3);
	assert_int_equal(ask(srv.path, "status\n", &r), 1);
	assert_false(r.failed);
	assert_int_equal(r.n_vips, 3);
	make_status(&want, 1, CONFIG_MAX_SENTINELS);
	assert_status_equal(&r.vips[1], &want);
	ctl_reply_free(&r);

	assert_int_equal(ask(srv.path, "status vip2\n", &r), 1);
	assert_int_equal(r.n_vips, 1);
	assert_string_equal(r.vips[0].name, "vip2");
	ctl_reply_free(&r);

	assert_int_equal(ask(srv.path, "status nope\n", &r), 1);
	assert_true(r.failed);
	assert_string_equal(r.err_code, CTL_ERR_NO_SUCH_VIP);
	ctl_reply_free(&r);

	assert_int_equal(ask(srv.path, "reload\n", &r), 1);
	assert_true(r.failed);
	assert_string_equal(r.err_code, CTL_ERR_BAD_REQUEST);
	ctl_reply_free(&r);
	server_stop(&srv);
}

static void
test_server_garbage(void **state)
{
	struct server srv;
	struct ctl_reply r;
	char junk[CTL_REQUEST_MAX + 100], *buf;
	int bad, idle;
	size_t len;

	(void)state;
	server_start(&srv, "garbage.sock", 2);
	/* One client stalls without a byte, one floods without a newline. */
	idle = client_connect(srv.path);
	bad = client_connect(srv.path);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 1) == '\n' ? 'x' : (char)(i * 7 + 1);
	send(bad, junk, sizeof(junk), MSG_NOSIGNAL);
	buf = client_read_all(bad, &len);	/* EOF or ECONNRESET */
	assert_int_equal(len, 0);
	free(buf);
	close(bad);
	/* Neither blocks anybody else. */
	assert_int_equal(ask(srv.path, "status\n", &r), 1);
	assert_int_equal(r.n_vips, 2);
	ctl_reply_free(&r);
	/* The staller is dropped after the read timeout (2 s). */
	buf = client_read_all(idle, &len);
	assert_int_equal(len, 0);
	free(buf);
	close(idle);
	assert_int_equal(ask(srv.path, "status\n", &r), 1);
	ctl_reply_free(&r);
	server_stop(&srv);
}

/* 300 VIPs with up to 15 sentinels: several times a socket buffer, read by
 * a client that is slow to start. */
static void
test_server_big_reply(void **state)
{
	struct server srv;
	struct ctl_reply r;
	char *buf;
	size_t len;
	int fd;

	(void)state;
	server_start(&srv, "big.sock", 300);
	fd = client_connect(srv.path);
	send(fd, "status\n", 7, MSG_NOSIGNAL);
	usleep(300 * 1000);
	buf = client_read_all(fd, &len);
	close(fd);
	assert_true(len > 2 * 212992);	/* 2x net.core.wmem_default */
	ctl_reply_init(&r);
	assert_int_equal(feed(&r, buf), 1);
	assert_int_equal(r.n_vips, 300);
	ctl_reply_free(&r);
	free(buf);
	server_stop(&srv);
}

static void
test_server_client_cap(void **state)
{
	struct server srv;
	struct ctl_reply r;
	int fds[16];

	(void)state;
	server_start(&srv, "cap.sock", 1);
	for (size_t i = 0; i < 16; i++)
		fds[i] = client_connect(srv.path);
	assert_int_equal(ask(srv.path, "status\n", &r), 1);
	assert_true(r.failed);
	assert_string_equal(r.err_code, CTL_ERR_BUSY);
	ctl_reply_free(&r);
	close(fds[0]);
	usleep(100 * 1000);	/* let the server see the hang-up */
	assert_int_equal(ask(srv.path, "status\n", &r), 1);
	assert_false(r.failed);
	ctl_reply_free(&r);
	for (size_t i = 1; i < 16; i++)
		close(fds[i]);
	server_stop(&srv);
}

/* --- opening the socket ----------------------------------------------- */

static void
test_open_stale_and_mode(void **state)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct loop *l = loop_new();
	struct ctl_server *s;
	struct stat sb;
	int fd;

	(void)state;
	assert_non_null(l);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/stale.sock", tmpdir);
	/* A dead daemon's socket: bound, never listened, closed. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	s = ctl_open(l, sun.sun_path, &ops, NULL);
	assert_non_null(s);
	assert_int_equal(lstat(sun.sun_path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0660);
	ctl_close(s);
	assert_int_equal(lstat(sun.sun_path, &sb), -1);
	assert_int_equal(errno, ENOENT);
	loop_free(l);
}

static void
test_open_refused(void **state)
{
	struct loop *l = loop_new();
	struct server srv;
	struct ctl_reply r;
	char path[128];
	FILE *f;

	(void)state;
	assert_non_null(l);
	server_start(&srv, "live.sock", 1);
	errno = 0;
	assert_null(ctl_open(l, srv.path, &ops, NULL));
	assert_int_equal(errno, EADDRINUSE);
	assert_string_equal(ctl_strerror(EADDRINUSE),
	    "another vipd is running");
	/* ... and the live one still answers. */
	assert_int_equal(ask(srv.path, "status\n", &r), 1);
	ctl_reply_free(&r);
	server_stop(&srv);

	snprintf(path, sizeof(path), "%s/regular", tmpdir);
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	assert_null(ctl_open(l, path, &ops, NULL));
	assert_int_equal(errno, EEXIST);
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);

	snprintf(path, sizeof(path), "%s/missing/vipd.sock", tmpdir);
	assert_null(ctl_open(l, path, &ops, NULL));
	assert_int_equal(errno, ENOENT);
	loop_free(l);
}

/* --- vipctl ----------------------------------------------------------- */

static int
run_vipctl(const char *args, const char *out)
{
	const char *top = getenv("top_builddir");
	char bin[512], cmd[1536];
	int status;

	snprintf(bin, sizeof(bin), "%s/src/vipctl", top ? top : ".");
	if (access(bin, X_OK) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "NO_COLOR=1 %s %s >%s 2>&1", bin, args,
	    out);
	status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void
test_vipctl_exit_codes(void **state)
{
	struct server srv;
	static const char want[] = "vip0\t192.0.2.100/32\teth0\theld\t"
	    "1700000000\tmaster\t1\t15\t15\t15\t12\t18446744073709551615\t"
	    "local node is master";
	char out[128], args[256], line[1024];
	FILE *f;
	int rc, fields = 1;

	(void)state;
	snprintf(out, sizeof(out), "%s/vipctl.out", tmpdir);
	snprintf(args, sizeof(args), "-s %s/nothing.sock", tmpdir);
	rc = run_vipctl(args, out);
	if (rc < 0)
		skip();		/* vipctl not built (run from the build dir) */
	assert_int_equal(rc, 2);
	assert_int_equal(run_vipctl("--help", out), 0);
	assert_int_equal(run_vipctl("frobnicate", out), 1);
	assert_int_equal(run_vipctl("show a b", out), 1);

	server_start(&srv, "vipctl.sock", 2);
	snprintf(args, sizeof(args), "-s %s show", srv.path);
	assert_int_equal(run_vipctl(args, out), 0);
	snprintf(args, sizeof(args), "-s %s show vip1 --json", srv.path);
	assert_int_equal(run_vipctl(args, out), 0);
	snprintf(args, sizeof(args), "-s %s show nope", srv.path);
	assert_int_equal(run_vipctl(args, out), 3);
	snprintf(args, sizeof(args), "-s %s dump vip0", srv.path);
	assert_int_equal(run_vipctl(args, out), 0);
	server_stop(&srv);

	/* dump: 13 tab-separated fields, the documented order. */
	assert_non_null(f = fopen(out, "r"));
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	for (char *p = line; *p; p++)
		fields += *p == '\t';
	assert_int_equal(fields, 13);
	assert_int_equal(strncmp(line, want, strlen(want)), 0);
	unlink(out);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[64];

	(void)state;
	/* A failed test may leave its socket behind. */
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
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
		cmocka_unit_test(test_server_status),
		cmocka_unit_test(test_server_garbage),
		cmocka_unit_test(test_server_big_reply),
		cmocka_unit_test(test_server_client_cap),
		cmocka_unit_test(test_open_stale_and_mode),
		cmocka_unit_test(test_open_refused),
		cmocka_unit_test(test_vipctl_exit_codes),
	};

	return cmocka_run_group_tests_name("ctl", tests, setup, teardown);
}
