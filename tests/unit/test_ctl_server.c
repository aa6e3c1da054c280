/*
 * Unit tests for the control server (ctl.h) on a socket in a temporary
 * directory, driven by the real loop in a child process: status, reload,
 * misbehaving clients, opening the socket; and vipctl's exit codes and
 * output through the built binary. The protocol alone is in
 * test_ctl_proto.c.
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
#include "ctl_fixture.h"
#include "loop.h"

static char tmpdir[] = "/tmp/test_ctl_server.XXXXXX";

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

/* Stand-ins for the daemon's reload: applied, refused with the reasons,
 * refused without a word. */
static int
reload_ok_cb(void *arg, char *msg, size_t len)
{
	(void)arg;
	snprintf(msg, len, "reloaded /etc/vipd/vipd.conf: 1 added, "
	    "0 removed, 2 unchanged");
	return 0;
}

static int
reload_bad_cb(void *arg, char *msg, size_t len)
{
	(void)arg;
	snprintf(msg, len, "/etc/vipd/vipd.conf not reloaded, nothing "
	    "changed: line 3: unknown option 'vip-adress'; line 9: quorum "
	    "must be at most 3");
	return -EINVAL;
}

static int
reload_mute_cb(void *arg, char *msg, size_t len)
{
	(void)arg;
	(void)msg;
	(void)len;
	return -EACCES;
}

static const struct ctl_ops ops = { .status = status_cb };
static const struct ctl_ops ops_reload_ok = {
	.status = status_cb, .reload = reload_ok_cb,
};
static const struct ctl_ops ops_reload_bad = {
	.status = status_cb, .reload = reload_bad_cb,
};
static const struct ctl_ops ops_reload_mute = {
	.status = status_cb, .reload = reload_mute_cb,
};

/* Fork a child that serves `nvips` VIPs at tmpdir/`name` with `o` until
 * killed. */
static void
server_start_ops(struct server *srv, const char *name, size_t nvips,
    const struct ctl_ops *o)
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
		if (!l || !ctl_open(l, srv->path, o, (void *)(uintptr_t)nvips))
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
server_start(struct server *srv, const char *name, size_t nvips)
{
	server_start_ops(srv, name, nvips, &ops);
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
	for (size_t i = 0; i < 3; i++) {
		make_status(&want, i, CONFIG_MAX_SENTINELS);
		assert_status_equal(&r.vips[i], &want);
	}
	assert_int_equal(r.vips[0].n_addresses, 2);
	assert_string_equal(r.vips[2].node_conn.state, "connecting");
	assert_int_equal(r.vips[1].timing.down_after, 4000);
	ctl_reply_free(&r);

	assert_int_equal(ask(srv.path, "status vip2\n", &r), 1);
	assert_int_equal(r.n_vips, 1);
	assert_string_equal(r.vips[0].name, "vip2");
	ctl_reply_free(&r);

	assert_int_equal(ask(srv.path, "status nope\n", &r), 1);
	assert_true(r.failed);
	assert_string_equal(r.err_code, CTL_ERR_NO_SUCH_VIP);
	ctl_reply_free(&r);

	assert_int_equal(ask(srv.path, "frobnicate\n", &r), 1);
	assert_true(r.failed);
	assert_string_equal(r.err_code, CTL_ERR_BAD_REQUEST);
	ctl_reply_free(&r);
	server_stop(&srv);
}

/* `reload` to each fake: the outcome and message as the daemon gave
 * them; without ops->reload, a refusal that says so. */
static void
test_server_reload(void **state)
{
	static const struct {
		const struct ctl_ops *ops;
		bool ok;
		const char *msg;
	} cases[] = {
		{ &ops_reload_ok, true, "reloaded /etc/vipd/vipd.conf: 1 "
		    "added, 0 removed, 2 unchanged" },
		{ &ops_reload_bad, false, "/etc/vipd/vipd.conf not reloaded, "
		    "nothing changed: line 3: unknown option 'vip-adress'; "
		    "line 9: quorum must be at most 3" },
		{ &ops_reload_mute, false, "Permission denied" },
		{ &ops, false, "reload not supported" },
	};
	struct server srv;
	struct ctl_reply r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		server_start_ops(&srv, "reload.sock", 1, cases[i].ops);
		assert_int_equal(ask(srv.path, "reload\n", &r), 1);
		assert_false(r.failed);
		assert_true(r.has_reload);
		assert_int_equal(r.reload_ok, cases[i].ok);
		assert_string_equal(r.reload_msg, cases[i].msg);
		assert_int_equal(r.n_vips, 0);
		ctl_reply_free(&r);
		/* Arguments are refused: no client names a file. */
		assert_int_equal(ask(srv.path, "reload /tmp/x\n", &r), 1);
		assert_true(r.failed);
		assert_string_equal(r.err_code, CTL_ERR_BAD_REQUEST);
		ctl_reply_free(&r);
		server_stop(&srv);
	}
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
	snprintf(cmd, sizeof(cmd), "NO_COLOR=1 %s %s >%s 2>%s.err", bin,
	    args, out, out);
	status = system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void
test_vipctl_exit_codes(void **state)
{
	struct server srv;
	char out[128], args[256];
	int rc;

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
	snprintf(args, sizeof(args), "-s %s dump nope", srv.path);
	assert_int_equal(run_vipctl(args, out), 3);
	server_stop(&srv);
	unlink(out);
}

/* The whole of a small file, NUL-terminated. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t len;

	assert_non_null(f);
	assert_non_null(buf = calloc(1, 1 << 20));
	len = fread(buf, 1, (1 << 20) - 1, f);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static void
assert_file_equal(const char *path, const char *want)
{
	char *got = slurp(path);

	assert_string_equal(got, want);
	free(got);
}

/* dump: one line per VIP, TAB-separated, in the documented order (new
 * fields only ever at the end): every address, the local node's
 * connection state and error ("-" if none), the smallest down-after. */
static void
test_vipctl_dump(void **state)
{
	static const char vip0[] = "vip0\t192.0.2.100/32,2001:db8:1::64/64\t"
	    "eth0\theld\t1700000000\tmaster\t1\t15\t15\t15\t12\t"
	    "18446744073709551615\tlocal node is master and 15/15 sentinels "
	    "name it\tup\t-\t4000\n";
	static const char vip2[] = "vip2\t192.0.2.102/32\teth2\tfault\t"
	    "1700000002\tmaster\t0\t15\t15\t15\t12\t18446744073709551615\t"
	    "local node is master and 15/15 sentinels name it\tconnecting\t"
	    "connect failed: Connection refused\t4000\n";
	struct server srv;
	char out[128], err[160], args[256], *buf;

	(void)state;
	snprintf(out, sizeof(out), "%s/dump.out", tmpdir);
	snprintf(err, sizeof(err), "%s.err", out);
	snprintf(args, sizeof(args), "-s %s/nothing.sock dump", tmpdir);
	if (run_vipctl(args, out) < 0)
		skip();
	server_start(&srv, "dump.sock", 3);
	snprintf(args, sizeof(args), "-s %s dump vip0", srv.path);
	assert_int_equal(run_vipctl(args, out), 0);
	assert_file_equal(out, vip0);
	snprintf(args, sizeof(args), "-s %s dump vip2", srv.path);
	assert_int_equal(run_vipctl(args, out), 0);
	assert_file_equal(out, vip2);
	snprintf(args, sizeof(args), "-s %s dump", srv.path);
	assert_int_equal(run_vipctl(args, out), 0);
	buf = slurp(out);
	assert_int_equal(strncmp(buf, vip0, strlen(vip0)), 0);
	assert_int_equal(strncmp(buf + strlen(buf) - strlen(vip2), vip2,
	    strlen(vip2)), 0);
	assert_non_null(strstr(buf, "\nvip1\t2001:db8::65/128\teth1\t"
	    "released\t"));
	free(buf);
	assert_file_equal(err, "");
	server_stop(&srv);
	unlink(out);
	unlink(err);
}

static void
test_vipctl_reload(void **state)
{
	struct server srv;
	char out[128], err[160], args[256];

	(void)state;
	snprintf(out, sizeof(out), "%s/reload.out", tmpdir);
	snprintf(err, sizeof(err), "%s.err", out);
	snprintf(args, sizeof(args), "-s %s/nothing.sock reload", tmpdir);
	if (run_vipctl(args, out) < 0)
		skip();
	assert_int_equal(run_vipctl(args, out), 2);
	assert_int_equal(run_vipctl("reload now", out), 1);

	server_start_ops(&srv, "vipctl-reload.sock", 1, &ops_reload_ok);
	snprintf(args, sizeof(args), "-s %s reload", srv.path);
	assert_int_equal(run_vipctl(args, out), 0);
	assert_file_equal(out, "reloaded /etc/vipd/vipd.conf: 1 added, "
	    "0 removed, 2 unchanged\n");
	assert_file_equal(err, "");
	server_stop(&srv);

	server_start_ops(&srv, "vipctl-reload.sock", 1, &ops_reload_bad);
	assert_int_equal(run_vipctl(args, out), 1);
	assert_file_equal(out, "");
	assert_file_equal(err, "vipctl: /etc/vipd/vipd.conf not reloaded, "
	    "nothing changed: line 3: unknown option 'vip-adress'; line 9: "
	    "quorum must be at most 3\n");
	server_stop(&srv);

	server_start(&srv, "vipctl-reload.sock", 1);
	assert_int_equal(run_vipctl(args, out), 1);
	assert_file_equal(err, "vipctl: reload not supported\n");
	server_stop(&srv);
	unlink(out);
	unlink(err);
}

static void
test_vipctl_metrics(void **state)
{
	struct server srv;
	char out[128], err[160], args[256], *buf, *p;
	size_t up = 0;

	(void)state;
	snprintf(out, sizeof(out), "%s/metrics.out", tmpdir);
	snprintf(err, sizeof(err), "%s.err", out);
	snprintf(args, sizeof(args), "-s %s/nothing.sock metrics", tmpdir);
	if (run_vipctl(args, out) < 0)
		skip();
	/* Failures print nothing on stdout: no half-written .prom file. */
	assert_int_equal(run_vipctl(args, out), 2);
	assert_file_equal(out, "");
	assert_int_equal(run_vipctl("metrics --json", out), 1);

	server_start(&srv, "metrics.sock", 2);
	snprintf(args, sizeof(args), "-s %s metrics nope", srv.path);
	assert_int_equal(run_vipctl(args, out), 3);
	assert_file_equal(out, "");
	snprintf(args, sizeof(args), "-s %s metrics vip0", srv.path);
	assert_int_equal(run_vipctl(args, out), 0);
	buf = slurp(out);
	assert_int_equal(strncmp(buf, "# HELP vipd_vip_held ", 21), 0);
	assert_non_null(strstr(buf, "\nvipd_vip_held{vip=\"vip0\","
	    "address=\"192.0.2.100/32\",interface=\"eth0\"} 1\n"
	    "vipd_vip_held{vip=\"vip0\",address=\"2001:db8:1::64/64\","
	    "interface=\"eth0\"} 1\n"));
	assert_non_null(strstr(buf, "\nvipd_timing_milliseconds{vip=\"vip0\","
	    "knob=\"redis-down-after\"} 3000\n"));
	assert_non_null(strstr(buf, "\nvipd_sentinel_down_after_milliseconds"
	    "{vip=\"vip0\"} 4000\n"));
	assert_non_null(strstr(buf, "\nvipd_timing_bound_broken{vip=\"vip0\"}"
	    " 0\n"));
	assert_non_null(strstr(buf, "\nvipd_transitions_total{vip=\"vip0\"} "
	    "18446744073709551615\n"));
	assert_non_null(strstr(buf, "\nvipd_last_decision_timestamp_seconds"
	    "{vip=\"vip0\"} 1700000200\n"));
	assert_null(strstr(buf, "vip1"));
	for (p = buf; (p = strstr(p, "\nvipd_sentinel_up{")); p++)
		up++;
	assert_int_equal(up, CONFIG_MAX_SENTINELS);
	free(buf);

	/* show: the last decision, relative; a master named by a DNS name
	 * with what it resolved to; why a Sentinel is unreachable. */
	snprintf(args, sizeof(args), "-s %s show vip0", srv.path);
	assert_int_equal(run_vipctl(args, out), 0);
	buf = slurp(out);
	assert_non_null(strstr(buf, "\n  last decision: "));
	assert_non_null(strstr(buf, "names redis-1.test:6379 (192.0.2.11)"));
	assert_non_null(strstr(buf, "connect failed: No route to host"));
	free(buf);
	server_stop(&srv);
	unlink(out);
	unlink(err);
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
		cmocka_unit_test(test_server_status),
		cmocka_unit_test(test_server_reload),
		cmocka_unit_test(test_server_garbage),
		cmocka_unit_test(test_server_big_reply),
		cmocka_unit_test(test_server_client_cap),
		cmocka_unit_test(test_open_stale_and_mode),
		cmocka_unit_test(test_open_refused),
		cmocka_unit_test(test_vipctl_exit_codes),
		cmocka_unit_test(test_vipctl_dump),
		cmocka_unit_test(test_vipctl_reload),
		cmocka_unit_test(test_vipctl_metrics),
	};

	return cmocka_run_group_tests_name("ctl_server", tests, setup,
	    teardown);
}
