/*
 * Unit tests for tls: the settings checks, and the handshake on
 * non-blocking hiredis contexts pumped by poll() against real TLS servers
 * started here (VIPD_REDIS_SERVER, default redis-server; the matrix runs it
 * with Valkey's) on loopback ports, with certificates made by
 * tests/lib/tls_certs.sh:
 *   A  server.crt, tls-auth-clients yes, and a plain-text port too
 *   B  expired.crt, tls-auth-clients no
 * A good CA connects and PINGs; a wrong CA, a wrong name, an expired
 * certificate, a missing client certificate, a plain-text port, and bad key
 * or certificate files each give their own clear message; a stopped server
 * (SIGSTOP) shows that no call waits for the peer.
 *
 * Built without hiredis_ssl, only the stubs are checked and the server
 * tests are skipped visibly; so are they when the server cannot serve TLS
 * (not installed, or built without it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <hiredis/hiredis.h>

#include "config.h"
#include "srv_fixture.h"
#include "tls.h"

/* Any wait on a socket here gives up after this: a bug fails, never hangs. */
#define WAIT_MS		5000

static char errbuf[512];

static void
test_settings_stub(void **state)
{
	(void)state;
#ifdef HAVE_HIREDIS_SSL
	assert_true(tls_available());
	assert_non_null(strstr(tls_library(), "hiredis_ssl"));
#else
	struct tls_settings s = { .ca_file = "/nonexistent/ca.crt" };

	assert_false(tls_available());
	assert_null(tls_ctx_new(&s, errbuf, sizeof(errbuf)));
	assert_int_equal(errno, ENOTSUP);
	assert_string_equal(errbuf, "vipd was built without TLS (hiredis >= 1.0 "
	    "with hiredis_ssl is needed)");
	assert_string_equal(tls_library(), TLS_UNAVAILABLE);
	tls_ctx_free(NULL);
#endif
}


/* --- the configuration's TLS keys (config.c), both kinds of build ---- */

static char cfgmsgs[4096];

/* Load one vip section with `extra` inside; NULL if refused. The messages
 * are in cfgmsgs. */
static struct vipd_config *
load_tls(const char *extra)
{
	char buf[2048];
	FILE *errs = fmemopen(cfgmsgs, sizeof(cfgmsgs) - 1, "w");
	struct vipd_config *cfg;

	memset(cfgmsgs, 0, sizeof(cfgmsgs));
	snprintf(buf, sizeof(buf), "vip \"m\" {\n"
	    "  address = \"192.0.2.100\"\n  interface = \"eth0\"\n"
	    "  redis = \"192.0.2.11:6379\"\n"
	    "  sentinels = { \"192.0.2.11:26379\" }\n%s\n}\n", extra);
	assert_non_null(errs);
	cfg = config_load_buffer(buf, strlen(buf), "tls.conf", errs);
	fclose(errs);
	return cfg;
}

#define assert_msgs_have(s) do {					\
	if (!strstr(cfgmsgs, (s)))					\
		fail_msg("expected \"%s\" in: %s", (s), cfgmsgs);	\
} while (0)

/* Without TLS in the build, `tls = yes` is refused by name, and the TLS
 * files alone are only a warning. */
static void
test_config_unavailable(void **state)
{
	struct vipd_config *cfg;

	(void)state;
	if (tls_available())
		skip();
	assert_null(load_tls("tls = yes\ntls-ca-cert-file = \"/etc/ca.crt\""));
	assert_msgs_have("tls.conf:6: vip \"m\": tls: vipd was built without "
	    "TLS (hiredis >= 1.0 with hiredis_ssl is needed)");
	assert_null(load_tls("sentinel-tls = yes"));
	assert_msgs_have("built without TLS");
	cfg = load_tls("tls-ca-cert-file = \"/etc/ca.crt\"");
	assert_non_null(cfg);
	assert_msgs_have("warning: vip \"m\": tls-ca-cert-file is ignored: "
	    "neither tls nor sentinel-tls is yes");
	assert_false(cfg->vips[0].tls);
	assert_false(cfg->vips[0].sentinel_tls);
	config_free(cfg);
}

#ifndef HAVE_HIREDIS_SSL

static void
test_servers(void **state)
{
	(void)state;
	fprintf(stderr, "# built without hiredis_ssl: no TLS server tests\n");
	skip();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings_stub),
		cmocka_unit_test(test_config_unavailable),
		cmocka_unit_test(test_servers),
	};

	return cmocka_run_group_tests_name("tls", tests, NULL, NULL);
}

#else /* HAVE_HIREDIS_SSL */

struct srv {
	pid_t pid;
	int port;			/* TLS */
	int plain_port;			/* 0: none */
};

static struct env {
	char dir[128];
	struct srv a, b;
	bool up;
	char why[256];			/* why the server tests skip */
} env;

static const char *
path(const char *file)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", env.dir, file);
	return buf[i];
}

static int
run_certs(void)
{
	const char *top = getenv("top_srcdir");
	char script[512];
	int status;
	pid_t pid;

	snprintf(script, sizeof(script), "%s/tests/lib/tls_certs.sh",
	    top ? top : ".");
	pid = srv_spawn((char *[]){ "bash", script, env.dir, NULL },
	    path("certs.log"));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	return 0;
}

/* 1 up, 0 cannot run here (reason in env.why), -1 failed to start. */
static int
start_server(struct srv *s, const char *name, const char *cert,
    const char *key, const char *auth_clients, bool plain)
{
	char port[16], tport[16], log[64];
	int ports[3] = { 0 }, r;

	s->port = ports[0] = srv_free_port();
	s->plain_port = ports[1] = plain ? srv_free_port() : 0;
	snprintf(port, sizeof(port), "%d", s->plain_port);
	snprintf(tport, sizeof(tport), "%d", s->port);
	snprintf(log, sizeof(log), "%s.log", name);
	s->pid = srv_spawn((char *[]){ (char *)srv_binary(), "--port", port,
	    "--tls-port", tport, "--bind", "127.0.0.1", "--tls-cert-file",
	    (char *)path(cert), "--tls-key-file", (char *)path(key),
	    "--tls-ca-cert-file", (char *)path("ca.crt"), "--tls-auth-clients",
	    (char *)auth_clients, "--save", "", "--appendonly", "no",
	    "--daemonize", "no", "--dir", env.dir, NULL }, path(log));
	r = srv_wait(&s->pid, ports);
	if (r <= 0)
		snprintf(env.why, sizeof(env.why), "%s %s (log: %s)",
		    srv_binary(), r == 0 ? "is not installed" :
		    "did not start with TLS", path(log));
	return r;
}

static int
group_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	int r;

	(void)state;
	snprintf(env.dir, sizeof(env.dir), "%s/vipd-tls.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(env.dir))
		return -1;
	if (run_certs() < 0) {
		snprintf(env.why, sizeof(env.why), "making the test certificates "
		    "failed (%s)", path("certs.log"));
		fprintf(stderr, "# %s\n", env.why);
		return -1;		/* openssl is part of the test deps */
	}
	r = start_server(&env.a, "a", "server.crt", "server.key", "yes", true);
	if (r > 0)
		r = start_server(&env.b, "b", "expired.crt", "expired.key", "no",
		    false);
	env.up = r > 0;
	if (r == 0)
		fprintf(stderr, "# %s: skipping the TLS server tests\n", env.why);
	else if (r < 0)
		fprintf(stderr, "# %s\n", env.why);
	return r < 0 ? -1 : 0;
}

static int
group_teardown(void **state)
{
	char cmd[256];

	(void)state;
	srv_stop(&env.a.pid);
	srv_stop(&env.b.pid);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", env.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", env.dir);
	return 0;
}

static void
need_servers(void)
{
	if (!env.up) {
		fprintf(stderr, "# %s\n", env.why);
		skip();
	}
}

/* ---- helpers: a non-blocking context, pumped by poll() ------------------- */

static bool
wait_fd(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, WAIT_MS) == 1;
}

/* A non-blocking context whose TCP connect has completed. */
static redisContext *
connect_nb(int port)
{
	redisContext *c = redisConnectNonBlock("127.0.0.1", port);
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	assert_non_null(c);
	assert_int_equal(c->err, 0);
	assert_true(wait_fd(c->fd, POLLOUT));
	assert_int_equal(getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len), 0);
	assert_int_equal(soerr, 0);
	return c;
}

static struct tls_ctx *
ctx(const char *ca, const char *cert, const char *key, const char *name)
{
	struct tls_settings s = {
		.ca_file = ca ? path(ca) : NULL,
		.cert_file = cert ? path(cert) : NULL,
		.key_file = key ? path(key) : NULL,
		.server_name = name,
	};
	struct tls_ctx *t = tls_ctx_new(&s, errbuf, sizeof(errbuf));

	if (!t)
		fprintf(stderr, "# tls_ctx_new: %s\n", errbuf);
	return t;
}

/* Run the handshake to its end: TLS_DONE or a negative errno. */
static int
handshake(struct tls_conn *conn, int fd, int *steps)
{
	int r;

	for (*steps = 1;; ++*steps) {
		r = tls_handshake(conn, errbuf, sizeof(errbuf));
		if (r == TLS_WANT_READ)
			assert_true(wait_fd(fd, POLLIN));
		else if (r == TLS_WANT_WRITE)
			assert_true(wait_fd(fd, POLLOUT));
		else
			return r;
	}
}

/* PING over c without blocking: "PONG", or NULL with errbuf explained. */
static const char *
ping(redisContext *c, struct tls_conn *conn)
{
	static char answer[64];
	void *reply = NULL;
	int done = 0;

	assert_int_equal(redisAppendCommand(c, "PING"), REDIS_OK);
	while (!done) {
		if (redisBufferWrite(c, &done) != REDIS_OK)
			goto fail;
		if (!done)
			assert_true(wait_fd(c->fd, POLLOUT));
	}
	for (;;) {
		if (redisGetReplyFromReader(c, &reply) != REDIS_OK)
			goto fail;
		if (reply)
			break;
		assert_true(wait_fd(c->fd, POLLIN));
		if (redisBufferRead(c) != REDIS_OK)
			goto fail;
	}
	snprintf(answer, sizeof(answer), "%s", ((redisReply *)reply)->str ?
	    ((redisReply *)reply)->str : "?");
	freeReplyObject(reply);
	return answer;
fail:
	tls_explain(conn, c, errbuf, sizeof(errbuf));
	fprintf(stderr, "# PING failed: %s\n", errbuf);
	return NULL;
}

/* Connect to port, start TLS as host, run the handshake: its result. */
static int
try_handshake(struct tls_ctx *t, int port, const char *host,
    redisContext **cp, struct tls_conn **connp)
{
	redisContext *c = connect_nb(port);
	int steps, r;

	r = tls_start(t, c, host, connp, errbuf, sizeof(errbuf));
	if (r == 0)
		r = handshake(*connp, c->fd, &steps);
	if (r < 0)
		fprintf(stderr, "# handshake: %d %s\n", r, errbuf);
	*cp = c;
	return r;
}

static void
assert_err_has(const char *needle)
{
	if (!strstr(errbuf, needle))
		fail_msg("\"%s\" not in the message \"%s\"", needle, errbuf);
}

/* ---- the tests ----------------------------------------------------------- */

/* The settings given as file names in the certificates directory. */
struct case_ctx {
	const char *ca, *cert, *key, *name;
};

/* Handshake with the server on port as host: its result, with *cp and
 * *tp to free (redisFree, tls_ctx_free). */
static int
handshake_with(const struct case_ctx *k, int port, const char *host,
    redisContext **cp, struct tls_conn **connp, struct tls_ctx **tp)
{
	assert_non_null(*tp = ctx(k->ca, k->cert, k->key, k->name));
	return try_handshake(*tp, port, host, cp, connp);
}

/* The handshake must fail as -EPROTO with a message holding needle. */
static void
expect_refused(const struct case_ctx *k, int port, const char *host,
    const char *needle)
{
	struct tls_ctx *t;
	struct tls_conn *conn;
	redisContext *c;

	assert_int_equal(handshake_with(k, port, host, &c, &conn, &t), -EPROTO);
	assert_err_has(needle);
	redisFree(c);
	tls_ctx_free(t);
}

static const struct case_ctx good = { "ca.crt", "client.crt", "client.key",
    NULL };

static void
test_good_ca(void **state)
{
	const struct case_ctx sni = { "ca.crt", "client.crt", "client.key",
	    "localhost" };
	struct tls_ctx *t;
	struct tls_conn *conn;
	redisContext *c;

	(void)state;
	need_servers();
	assert_int_equal(handshake_with(&good, env.a.port, "127.0.0.1", &c,
	    &conn, &t), TLS_DONE);
	assert_string_equal(ping(c, conn), "PONG");
	/* twice: the connection stays usable */
	assert_string_equal(ping(c, conn), "PONG");
	redisFree(c);
	tls_ctx_free(t);
	/* a DNS name from the certificate: verified, and sent as SNI */
	assert_int_equal(handshake_with(&sni, env.a.port, "127.0.0.1", &c,
	    &conn, &t), TLS_DONE);
	assert_string_equal(ping(c, conn), "PONG");
	redisFree(c);
	tls_ctx_free(t);
}

static void
test_wrong_ca(void **state)
{
	const struct case_ctx k = { "other-ca.crt", "client.crt", "client.key",
	    NULL };

	(void)state;
	need_servers();
	expect_refused(&k, env.a.port, "127.0.0.1",
	    "the server's certificate is not signed by a CA in ");
	assert_err_has("other-ca.crt");
}

static void
test_wrong_name(void **state)
{
	const struct case_ctx k = { "ca.crt", "client.crt", "client.key",
	    "wrong.example" };

	(void)state;
	need_servers();
	expect_refused(&k, env.a.port, "127.0.0.1",
	    "the server's certificate is not for \"wrong.example\"");
	/* an address the certificate does not list, as the host connected to */
	expect_refused(&good, env.a.port, "192.0.2.99",
	    "the server's certificate is not for \"192.0.2.99\"");
}

static void
test_expired(void **state)
{
	const struct case_ctx k = { "ca.crt", NULL, NULL, NULL };

	(void)state;
	need_servers();
	expect_refused(&k, env.b.port, "127.0.0.1",
	    "the server's certificate has expired");
}

/* The server wants a client certificate and gets none, or refuses the
 * expired one it gets. With TLS 1.3 our side of the handshake completes
 * first and the refusal comes on the first read (see tls_explain): either
 * way the message must say what is wrong. */
static void
expect_cert_refused(const struct case_ctx *k, const char *needle,
    const char *needle2)
{
	struct tls_ctx *t;
	struct tls_conn *conn;
	redisContext *c;
	int r;

	r = handshake_with(k, env.a.port, "127.0.0.1", &c, &conn, &t);
	if (r == TLS_DONE)
		assert_null(ping(c, conn));
	else
		assert_int_equal(r, -EPROTO);
	if (!strstr(errbuf, needle))
		assert_err_has(needle2);
	redisFree(c);
	tls_ctx_free(t);
}

static void
test_no_client_cert(void **state)
{
	const struct case_ctx k = { "ca.crt", NULL, NULL, NULL };

	(void)state;
	need_servers();
	expect_cert_refused(&k, "the server requires a client certificate",
	    "the server requires a client certificate");
}

static void
test_client_cert_refused(void **state)
{
	const struct case_ctx k = { "ca.crt", "expired.crt", "expired.key",
	    NULL };

	(void)state;
	need_servers();
	expect_cert_refused(&k, "refused our client certificate",
	    "it most likely refused it");
}

/* A plain-text port: Redis and Valkey take the ClientHello for an inline
 * command. Unless its random bytes happen to hold a newline (then an error
 * reply comes back, which is no TLS record), nothing comes back at all and
 * the caller's timeout ends the wait: either way, a message that says so. */
static void
test_plain_port(void **state)
{
	struct tls_ctx *t;
	struct tls_conn *conn;
	redisContext *c = connect_nb(env.a.plain_port ? env.a.plain_port : 1);
	struct pollfd p;
	int r;

	(void)state;
	need_servers();
	assert_non_null(t = ctx("ca.crt", "client.crt", "client.key", NULL));
	assert_int_equal(tls_start(t, c, "127.0.0.1", &conn, errbuf,
	    sizeof(errbuf)), 0);
	for (;;) {
		r = tls_handshake(conn, errbuf, sizeof(errbuf));
		if (r != TLS_WANT_READ && r != TLS_WANT_WRITE)
			break;
		p = (struct pollfd){ .fd = c->fd,
		    .events = r == TLS_WANT_READ ? POLLIN : POLLOUT };
		if (poll(&p, 1, 500) == 0) {
			tls_explain_timeout(conn, errbuf, sizeof(errbuf));
			break;
		}
	}
	fprintf(stderr, "# plain-text port: %s\n", errbuf);
	if (r < 0)
		assert_err_has("the server does not speak TLS on this port");
	else
		assert_err_has("no TLS answer from the server (is this a "
		    "plain-text port");
	redisFree(c);
	tls_ctx_free(t);
}

/* The server is stopped: the TCP connect completes (the kernel accepts),
 * the handshake cannot. Every call must come back at once asking to be
 * called when the socket is readable; a blocking call would hang here until
 * the alarm kills the test. */
static void
test_never_blocks(void **state)
{
	struct tls_ctx *t;
	struct tls_conn *conn;
	redisContext *c;
	struct pollfd p;
	int steps;

	(void)state;
	need_servers();
	assert_non_null(t = ctx("ca.crt", "client.crt", "client.key", NULL));
	assert_int_equal(kill(env.a.pid, SIGSTOP), 0);
	alarm(20);
	c = connect_nb(env.a.port);
	assert_int_equal(tls_start(t, c, "127.0.0.1", &conn, errbuf,
	    sizeof(errbuf)), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(tls_handshake(conn, errbuf, sizeof(errbuf)),
		    TLS_WANT_READ);
	p = (struct pollfd){ .fd = c->fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 200), 0);	/* nothing came: stopped */
	assert_int_equal(kill(env.a.pid, SIGCONT), 0);
	assert_int_equal(handshake(conn, c->fd, &steps), TLS_DONE);
	alarm(0);
	/* the context outlives its tls_ctx */
	tls_ctx_free(t);
	assert_string_equal(ping(c, conn), "PONG");
	redisFree(c);
}

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* What a reconnect costs, connect to PONG, plain and with TLS (the
 * handshake with server.crt's P-256 key, and the client certificate): a
 * figure for the log, printed as a comment, never compared to anything. */
static void
test_setup_cost(void **state)
{
	enum { N = 25 };
	int64_t plain[N], tls[N], t0;
	struct tls_ctx *t;
	struct tls_conn *conn;
	redisContext *c;
	int steps;

	(void)state;
	need_servers();
	assert_non_null(t = ctx("ca.crt", "client.crt", "client.key", NULL));
	for (int i = 0; i < N; i++) {
		t0 = now_us();
		c = connect_nb(env.a.plain_port);
		assert_string_equal(ping(c, NULL), "PONG");
		plain[i] = now_us() - t0;
		redisFree(c);
		t0 = now_us();
		c = connect_nb(env.a.port);
		assert_int_equal(tls_start(t, c, "127.0.0.1", &conn, errbuf,
		    sizeof(errbuf)), 0);
		assert_int_equal(handshake(conn, c->fd, &steps), TLS_DONE);
		assert_string_equal(ping(c, conn), "PONG");
		tls[i] = now_us() - t0;
		redisFree(c);
	}
	qsort(plain, N, sizeof(plain[0]), cmp_i64);
	qsort(tls, N, sizeof(tls[0]), cmp_i64);
	fprintf(stderr, "# connect to PONG on loopback, median of %d (max): "
	    "plain %lld us (%lld), TLS %lld us (%lld), %d handshake calls\n",
	    N, (long long)plain[N / 2], (long long)plain[N - 1],
	    (long long)tls[N / 2], (long long)tls[N - 1], steps);
	tls_ctx_free(t);
}

static void
test_blocking_refused(void **state)
{
	struct tls_ctx *t;
	struct tls_conn *conn = (struct tls_conn *)&conn;
	redisContext *c;

	(void)state;
	need_servers();
	assert_non_null(t = ctx("ca.crt", "client.crt", "client.key", NULL));
	c = redisConnect("127.0.0.1", env.a.port);
	assert_non_null(c);
	assert_int_equal(c->err, 0);
	assert_int_equal(tls_start(t, c, "127.0.0.1", &conn, errbuf,
	    sizeof(errbuf)), -EINVAL);
	assert_null(conn);
	assert_err_has("non-blocking");
	redisFree(c);
	tls_ctx_free(t);
}

/* ---- settings and files (no server needed, certificates are) ------------- */

static void
expect_ctx_error(const char *ca, const char *cert, const char *key,
    int err, const char *needle1, const char *needle2)
{
	errno = 0;
	assert_null(ctx(ca, cert, key, NULL));
	assert_int_equal(errno, err);
	assert_err_has(needle1);
	if (needle2)
		assert_err_has(needle2);
}

static void
test_bad_files(void **state)
{
	struct tls_settings none = { 0 };

	(void)state;
	if (!env.dir[0] || access(path("ca.crt"), R_OK) != 0)
		skip();
	expect_ctx_error("ca.crt", "client.crt", "missing.key", ENOENT,
	    "cannot read client key file ", "missing.key: No such file or "
	    "directory");
	expect_ctx_error("missing-ca.crt", NULL, NULL, ENOENT,
	    "cannot read CA certificate file ", "missing-ca.crt");
	/* a certificate where the key should be */
	expect_ctx_error("ca.crt", "client.crt", "ca.crt", EINVAL,
	    "holds no usable PEM private key", NULL);
	/* a key where the CA should be */
	expect_ctx_error("client.key", NULL, NULL, EINVAL,
	    "holds no usable PEM certificate", NULL);
	expect_ctx_error("ca.crt", "client.crt", "server.key", EINVAL,
	    "is not the key of the certificate in ", "client.crt");
	expect_ctx_error("ca.crt", "client.crt", NULL, EINVAL,
	    "a client certificate needs its key", NULL);
	assert_null(tls_ctx_new(&none, errbuf, sizeof(errbuf)));
	assert_err_has("needs a CA certificate file");
}

/* With TLS: what a configuration that loads guarantees (config.c). */
static void
test_config_tls(void **state)
{
	struct vipd_config *cfg, *cfg2;
	char extra[1024], key[256];
	FILE *f;

	(void)state;
	if (!env.dir[0] || access(path("ca.crt"), R_OK) != 0)
		skip();
	assert_null(load_tls("tls = yes"));
	assert_msgs_have("vip \"m\": TLS needs tls-ca-cert-file");
	snprintf(extra, sizeof(extra), "tls = yes\ntls-ca-cert-file = \"%s\"\n"
	    "tls-cert-file = \"%s\"", path("ca.crt"), path("client.crt"));
	assert_null(load_tls(extra));
	assert_msgs_have("tls-cert-file and tls-key-file go together");
	snprintf(extra, sizeof(extra), "tls = yes\ntls-ca-cert-file = \"%s\"",
	    path("missing-ca.crt"));
	assert_null(load_tls(extra));
	assert_msgs_have("tls-ca-cert-file ");
	assert_msgs_have("missing-ca.crt: No such file or directory");
	/* a key other users can read */
	snprintf(key, sizeof(key), "%s", path("open.key"));
	f = fopen(key, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(chmod(key, 0644), 0);
	snprintf(extra, sizeof(extra), "tls = yes\ntls-ca-cert-file = \"%s\"\n"
	    "tls-cert-file = \"%s\"\ntls-key-file = \"%s\"", path("ca.crt"),
	    path("client.crt"), key);
	assert_null(load_tls(extra));
	assert_msgs_have("is accessible by other users (mode 0644); chmod 600 it");
	/* the wrong key for the certificate: tls_ctx_new's own message */
	snprintf(extra, sizeof(extra), "tls = yes\ntls-ca-cert-file = \"%s\"\n"
	    "tls-cert-file = \"%s\"\ntls-key-file = \"%s\"", path("ca.crt"),
	    path("client.crt"), path("server.key"));
	assert_null(load_tls(extra));
	assert_msgs_have("is not the key of the certificate in ");
	assert_null(load_tls("tls = yes\ntls-server-name = \"not a name\""));
	assert_msgs_have("tls-server-name 'not a name': expected a host name or "
	    "an IP address");
	/* good: sentinel-tls follows tls unless set */
	snprintf(extra, sizeof(extra), "tls = yes\ntls-ca-cert-file = \"%s\"\n"
	    "tls-cert-file = \"%s\"\ntls-key-file = \"%s\"\n"
	    "tls-server-name = \"redis.example\"", path("ca.crt"),
	    path("client.crt"), path("client.key"));
	cfg = load_tls(extra);
	if (!cfg)
		fail_msg("refused: %s", cfgmsgs);
	assert_true(cfg->vips[0].tls);
	assert_true(cfg->vips[0].sentinel_tls);
	assert_string_equal(cfg->vips[0].tls_server_name, "redis.example");
	/* the same files again: equal; a renewed CA file: not equal (a
	 * reload then restarts the VIP's connections with the new files) */
	cfg2 = load_tls(extra);
	assert_non_null(cfg2);
	assert_true(config_vip_equal(&cfg->vips[0], &cfg2->vips[0]));
	config_free(cfg2);
	f = fopen(path("ca.crt"), "a");
	assert_non_null(f);
	fputs("\n", f);
	fclose(f);
	cfg2 = load_tls(extra);
	assert_non_null(cfg2);
	assert_false(config_vip_equal(&cfg->vips[0], &cfg2->vips[0]));
	config_free(cfg2);
	config_free(cfg);
	strcat(extra, "\nsentinel-tls = no");
	cfg = load_tls(extra);
	assert_non_null(cfg);
	assert_true(cfg->vips[0].tls);
	assert_false(cfg->vips[0].sentinel_tls);
	config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings_stub),
		cmocka_unit_test(test_config_unavailable),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_config_tls),
		cmocka_unit_test(test_good_ca),
		cmocka_unit_test(test_wrong_ca),
		cmocka_unit_test(test_wrong_name),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_no_client_cert),
		cmocka_unit_test(test_client_cert_refused),
		cmocka_unit_test(test_plain_port),
		cmocka_unit_test(test_never_blocks),
		cmocka_unit_test(test_blocking_refused),
		cmocka_unit_test(test_setup_cost),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("tls", tests, group_setup,
	    group_teardown);
}

#endif /* HAVE_HIREDIS_SSL */
