/*
 * writer: the "application" of the cluster integration test and the demo.
 *
 * It writes through one address (the VIP) the way a plain, non-Sentinel-aware
 * client would: every interval it sends `SET seq:<n> <n>` for n = 1, 2, 3 ...,
 * and retries the same n until it is acknowledged, so the acknowledged
 * sequence has no holes and "every acknowledged write is on the new master"
 * can be checked key by key. Connect and command timeouts are short; on any
 * error the connection is thrown away and made again. With -r it is also
 * made again every so often even without an error, like a pooled client:
 * then new connections keep asking the network where the VIP is, which is
 * what exposes a second holder.
 *
 * Log (one line each, times are CLOCK_MONOTONIC milliseconds):
 *   start <ms> <host>:<port>
 *   connected <ms> <run_id> <bind>     after each (re)connect: which server
 *                                      answered (INFO server run_id and
 *                                      CONFIG GET bind, i.e. the node's ip)
 *   ack <n> <ms> <sent_ms>             SET <prefix>:<n> acknowledged with +OK;
 *                                      sent_ms: when the command was sent
 *                                      (it ran on the server in between)
 *   fail <n> <ms> <error>              connect or command failed (n is the
 *                                      write that was pending)
 *   stop <ms> acks=<a> fails=<f> connects=<c> max_gap_ms=<g>
 * The summary line is also printed on stdout.
 *
 * hiredis 0.14.1 (docs/design.md, "Library pitfalls"): the connect
 * timeout covers connect() only; the command timeout is SO_RCVTIMEO set by
 * redisSetTimeout and shows up as an EAGAIN I/O error, after which the
 * context is dead and must be freed. IP literals only (blocking resolver).
 *
 * `writer -N` prints the current CLOCK_MONOTONIC time in ms and exits, so a
 * test script can mark events on the same clock.
 *
 * TLS (-A ca [-E cert -K key] [-S name] [-V], built against hiredis >= 1.0
 * with hiredis_ssl): every connection, writer and monitor alike, starts TLS
 * with redisInitiateSSL(), blocking, bounded by the timeout
 * (SO_RCVTIMEO/SO_SNDTIMEO). The chain is verified against the CA, -S is
 * sent as SNI; with -V the certificate must also be for the name (-S) or
 * else the address connected to: through the VIP, a certificate that lists
 * the VIP. hiredis's own redisSSLContext verifies the chain only.
 * `writer -h` says whether this build has TLS.
 *
 * `writer -m sentinel|role -L label [-i ms] [-t ms] [-l log] host port` is a
 * monitor instead: every interval it asks one server either SENTINEL
 * GET-MASTER-ADDR-BY-NAME <name> (-n name, default mymaster) or ROLE, and
 * logs "<ms> <label> <value>" when the answer changes (value: the master's
 * ip, the role, or "-" when there is no answer). <ms> is taken when the
 * answer arrived, so the change happened at or before it. The chaos test
 * runs one per Sentinel and data node, all appending to one file.
 *
 * Two more monitors for tests/bench/timeline.sh, same options, same
 * "<ms> <label> ..." lines, <ms> taken when the bytes were read:
 *   -m events  PSUBSCRIBE * on a Sentinel: "<ms> <label> <channel> <payload>"
 *              for every message (Sentinel publishes each of its events on a
 *              channel named after it: +sdown, +switch-master, ...);
 *              "<ms> <label> subscribed" after each (re)subscription and
 *              "<ms> <label> lost <error>" when the link drops (events in
 *              between are missed, and the log says so).
 *   -m hold    one connection that sends a PING once and then only waits:
 *              "<ms> <label> open" once it is answered, "<ms> <label> closed
 *              <error>" when the server closes it (Sentinel's promotion and
 *              demotion transactions kill every normal client), "<ms>
 *              <label> down" when (re)connecting fails (logged once
 *              per outage; retried every interval).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#ifdef HAVE_HIREDIS_SSL
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <hiredis/hiredis_ssl.h>
#endif

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	/* EINTR from SIGTERM just ends the sleep early */
	nanosleep(&ts, NULL);
}

static struct timeval ms_tv(long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	return tv;
}

struct writer {
	const char *host;
	int port;
	long interval_ms;
	long timeout_ms;
	long reconnect_ms;		/* 0: keep a working connection */
	const char *prefix;		/* keys are <prefix>:<n> */
	int64_t connected_at;
	FILE *log;
	redisContext *c;
	void *tls;			/* SSL_CTX, NULL: plain text */
	const char *tls_name;		/* -S */
	bool tls_verify_name;		/* -V */
	uint64_t acks, fails, connects;
	int64_t last_ack, max_gap;
};

/* One line, flushed, so a test can read the log while we run. */
static void logf_line(struct writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void logf_line(struct writer *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(w->log, fmt, ap);
	va_end(ap);
	fputc('\n', w->log);
	fflush(w->log);
}

/* Error text for the log: one token-ish string without newlines. */
static const char *ctx_err(const redisContext *c, const redisReply *r)
{
	static char buf[160];
	size_t i;

	if (r && r->type == REDIS_REPLY_ERROR)
		snprintf(buf, sizeof(buf), "reply: %s", r->str);
	else if (r)
		snprintf(buf, sizeof(buf), "unexpected reply type %d", r->type);
	else if (c && c->err)
		snprintf(buf, sizeof(buf), "io(%d): %s", c->err, c->errstr);
	else
		snprintf(buf, sizeof(buf), "no context");
	for (i = 0; buf[i]; i++)
		if (buf[i] == '\n' || buf[i] == '\r')
			buf[i] = ' ';
	return buf;
}

#ifdef HAVE_HIREDIS_SSL
/* TLS on c (blocking); on failure c->errstr says why. */
static void start_tls(struct writer *w, redisContext *c)
{
	const char *name = w->tls_name ? w->tls_name : w->host;
	unsigned char a[sizeof(struct in6_addr)];
	SSL *s = SSL_new(w->tls);
	long v;

	if (!s) {
		c->err = REDIS_ERR_OTHER;
		snprintf(c->errstr, sizeof(c->errstr), "TLS: SSL_new failed");
		return;
	}
	if (w->tls_name)
		SSL_set_tlsext_host_name(s, w->tls_name);
	if (w->tls_verify_name) {
		if (inet_pton(AF_INET, name, a) == 1 || inet_pton(AF_INET6, name, a) == 1)
			X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), name);
		else
			SSL_set1_host(s, name);
	}
	if (redisInitiateSSL(c, s) == REDIS_OK)
		return;
	/* hiredis did not take s, and says only "SSL_connect failed" */
	v = SSL_get_verify_result(s);
	if (!c->err)
		c->err = REDIS_ERR_OTHER;
	if (v != X509_V_OK)
		snprintf(c->errstr, sizeof(c->errstr), "TLS: %s",
			 X509_verify_cert_error_string(v));
	ERR_clear_error();
	SSL_free(s);
}
#endif

/* A blocking context with both timeouts, TLS started if asked: NULL or
 * a context whose err says what failed. */
static redisContext *writer_connect(struct writer *w)
{
	redisContext *c = redisConnectWithTimeout(w->host, w->port,
						  ms_tv(w->timeout_ms));

	if (!c || c->err)
		return c;
	if (redisSetTimeout(c, ms_tv(w->timeout_ms)) != REDIS_OK) {
		if (!c->err)
			c->err = REDIS_ERR_OTHER;
		return c;
	}
#ifdef HAVE_HIREDIS_SSL
	if (w->tls)
		start_tls(w, c);
#endif
	return c;
}

static void drop(struct writer *w)
{
	redisFree(w->c);
	w->c = NULL;
}

/* run_id from INFO server, bind from CONFIG GET bind; "?" if unknown. */
static void identify(struct writer *w, char *run_id, size_t rlen,
		     char *bind, size_t blen)
{
	redisReply *r;
	const char *p;

	snprintf(run_id, rlen, "?");
	snprintf(bind, blen, "?");
	r = redisCommand(w->c, "INFO server");
	if (r && r->type == REDIS_REPLY_STRING &&
	    (p = strstr(r->str, "run_id:")) != NULL)
		snprintf(run_id, rlen, "%.*s", (int)strcspn(p + 7, "\r\n"), p + 7);
	freeReplyObject(r);
	if (!w->c || w->c->err)
		return;
	r = redisCommand(w->c, "CONFIG GET bind");
	if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[1]->type == REDIS_REPLY_STRING) {
		/* "192.0.2.12" or "192.0.2.12 ::1": keep the first word */
		p = r->element[1]->str;
		snprintf(bind, blen, "%.*s", (int)strcspn(p, " "), p);
	}
	freeReplyObject(r);
}

/* 0 when connected (and identified), -1 after logging a failure for n. */
static int ensure_connected(struct writer *w, uint64_t n)
{
	char run_id[64], bind[64];

	if (w->c)
		return 0;
	w->c = writer_connect(w);
	if (!w->c || w->c->err) {
		logf_line(w, "fail %llu %lld connect %s", (unsigned long long)n,
			  (long long)mono_ms(), ctx_err(w->c, NULL));
		w->fails++;
		drop(w);
		return -1;
	}
	identify(w, run_id, sizeof(run_id), bind, sizeof(bind));
	if (w->c->err) {
		logf_line(w, "fail %llu %lld identify %s", (unsigned long long)n,
			  (long long)mono_ms(), ctx_err(w->c, NULL));
		w->fails++;
		drop(w);
		return -1;
	}
	w->connects++;
	w->connected_at = mono_ms();
	logf_line(w, "connected %lld %s %s", (long long)mono_ms(), run_id, bind);
	return 0;
}

/* true if seq:<n> was acknowledged. */
static bool write_one(struct writer *w, uint64_t n)
{
	redisReply *r;
	int64_t now, sent;

	if (w->c && w->reconnect_ms && mono_ms() - w->connected_at >= w->reconnect_ms)
		drop(w);
	if (ensure_connected(w, n) < 0)
		return false;
	sent = mono_ms();
	r = redisCommand(w->c, "SET %s:%llu %llu", w->prefix, (unsigned long long)n,
			 (unsigned long long)n);
	now = mono_ms();
	if (r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "OK") == 0) {
		freeReplyObject(r);
		if (w->last_ack && now - w->last_ack > w->max_gap)
			w->max_gap = now - w->last_ack;
		w->last_ack = now;
		w->acks++;
		logf_line(w, "ack %llu %lld %lld", (unsigned long long)n, (long long)now,
			  (long long)sent);
		return true;
	}
	logf_line(w, "fail %llu %lld %s", (unsigned long long)n, (long long)now,
		  ctx_err(w->c, r));
	freeReplyObject(r);
	w->fails++;
	/* Any error: a fresh connection. A READONLY replica behind the VIP may
	 * become master soon; a dead context must go anyway. */
	drop(w);
	return false;
}

/* The answer of one monitor poll in `out`: "-" when there is none. */
static void monitor_ask(struct writer *w, bool sentinel, const char *name,
			char *out, size_t len)
{
	redisReply *r;

	snprintf(out, len, "-");
	if (!w->c) {
		w->c = writer_connect(w);
		if (!w->c || w->c->err) {
			drop(w);
			return;
		}
	}
	r = sentinel ? redisCommand(w->c, "SENTINEL GET-MASTER-ADDR-BY-NAME %s", name)
		     : redisCommand(w->c, "ROLE");
	if (r && r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
	    r->element[0]->type == REDIS_REPLY_STRING)
		snprintf(out, len, "%s", r->element[0]->str);
	else if (!r)
		drop(w);
	freeReplyObject(r);
}

/* 1 when the connection has bytes (or an EOF) to read within ms, 0 when
 * not (or a signal came), -1 on a poll error. */
static int wait_readable(const redisContext *c, long ms)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	int n = poll(&p, 1, (int)ms);

	if (n < 0)
		return errno == EINTR ? 0 : -1;
	return n > 0;
}

/* Connect and check that the server answers: PSUBSCRIBE * (events) or PING
 * (hold). The context stays open on success and is dropped otherwise. */
static bool watch_open(struct writer *w, bool events)
{
	redisReply *r;
	bool ok;

	w->c = redisConnectWithTimeout(w->host, w->port, ms_tv(w->timeout_ms));
	if (!w->c || w->c->err || redisSetTimeout(w->c, ms_tv(w->timeout_ms)) != REDIS_OK) {
		drop(w);
		return false;
	}
	r = events ? redisCommand(w->c, "PSUBSCRIBE *") : redisCommand(w->c, "PING");
	if (events)
		ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
		     r->element[0]->type == REDIS_REPLY_STRING &&
		     strcmp(r->element[0]->str, "psubscribe") == 0;
	else
		ok = r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
	freeReplyObject(r);
	if (!ok)
		drop(w);
	return ok;
}

/* One pub/sub message as a log line; anything else (a subscription
 * confirmation) is ignored. Payloads are single lines already; any CR/LF
 * would become a space. */
static void event_line(struct writer *w, const char *label, const redisReply *r)
{
	char payload[512];
	size_t i;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 4)
		return;
	for (i = 0; i < 4; i++)
		if (r->element[i]->type != REDIS_REPLY_STRING)
			return;
	if (strcmp(r->element[0]->str, "pmessage") != 0)
		return;
	snprintf(payload, sizeof(payload), "%s", r->element[3]->str);
	for (i = 0; payload[i]; i++)
		if (payload[i] == '\n' || payload[i] == '\r')
			payload[i] = ' ';
	logf_line(w, "%lld %s %s %s", (long long)mono_ms(), label, r->element[2]->str, payload);
}

/* -m events and -m hold (see the top of the file). The socket is read only
 * when poll says so, so a stamp is never late by more than the time the
 * kernel took to wake us, and SIGTERM is seen within 200 ms. */
static int watch(struct writer *w, bool events, const char *label)
{
	bool was_down = false;
	void *reply;
	int n;

	while (!stop_requested) {
		if (!w->c) {
			if (!watch_open(w, events)) {
				if (!events && !was_down)
					logf_line(w, "%lld %s down", (long long)mono_ms(), label);
				was_down = true;
				sleep_ms(w->interval_ms);
				continue;
			}
			was_down = false;
			logf_line(w, "%lld %s %s", (long long)mono_ms(), label,
				  events ? "subscribed" : "open");
		}
		n = wait_readable(w->c, 200);
		if (n == 0)
			continue;
		if (n < 0 || redisBufferRead(w->c) != REDIS_OK) {
			logf_line(w, "%lld %s %s %s", (long long)mono_ms(), label,
				  events ? "lost" : "closed", ctx_err(w->c, NULL));
			drop(w);
			continue;
		}
		while (redisGetReplyFromReader(w->c, &reply) == REDIS_OK && reply) {
			if (events)
				event_line(w, label, reply);
			freeReplyObject(reply);
		}
	}
	drop(w);
	return 0;
}

static int monitor(struct writer *w, const char *kind, const char *label,
		   const char *name)
{
	bool sentinel = strcmp(kind, "sentinel") == 0;
	char last[128] = "", cur[128];
	int64_t next = mono_ms(), now;

	if (strcmp(kind, "events") == 0 || strcmp(kind, "hold") == 0)
		return watch(w, strcmp(kind, "events") == 0, label);
	if (!sentinel && strcmp(kind, "role") != 0) {
		fprintf(stderr, "writer: -m sentinel|role|events|hold\n");
		return 1;
	}
	while (!stop_requested) {
		monitor_ask(w, sentinel, name, cur, sizeof(cur));
		if (strcmp(cur, last) != 0) {
			logf_line(w, "%lld %s %s", (long long)mono_ms(), label, cur);
			snprintf(last, sizeof(last), "%s", cur);
		}
		next += w->interval_ms;
		now = mono_ms();
		if (next > now)
			sleep_ms(next - now);
		else
			next = now;
	}
	drop(w);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: writer [-i interval_ms] [-t timeout_ms] [-r reconnect_ms] [-d seconds]\n"
		"              [-k prefix] [-l logfile] host port\n"
		"       writer -m sentinel|role|events|hold -L label [-n name] [-i ms] [-t ms] [-l log] host port\n"
		"       writer -N   (print CLOCK_MONOTONIC ms and exit)\n"
		"TLS: -A cafile [-E certfile -K keyfile] [-S servername] [-V] (%s)\n"
		"Writes SET seq:<n> <n> every interval (default 10 ms) until SIGTERM/SIGINT\n"
		"or the duration; connect and command timeout default 200 ms; with -r a\n"
		"new connection every reconnect_ms even without errors.\n",
#ifdef HAVE_HIREDIS_SSL
		"TLS available"
#else
		"TLS not available: built without hiredis_ssl"
#endif
		);
}

/* -A/-E/-K/-S/-V: the TLS context every connection uses; 0 or exit code. */
static int setup_tls(struct writer *w, const char *ca, const char *cert,
		     const char *key)
{
	if (!ca && !cert && !key && !w->tls_name && !w->tls_verify_name)
		return 0;
#ifdef HAVE_HIREDIS_SSL
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	const char *what = "CA file";

	if (!ctx || !ca)
		goto fail;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
		goto fail;
	what = "client certificate or key";
	if ((cert || key) &&
	    (!cert || !key || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	     SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1))
		goto fail;
	w->tls = ctx;
	return 0;
fail:
	fprintf(stderr, "writer: TLS: %s: %s\n", ca ? what : "-A is required",
		ERR_peek_error() ? ERR_error_string(ERR_peek_error(), NULL) : "");
	SSL_CTX_free(ctx);
	return 1;
#else
	(void)ca;
	(void)cert;
	(void)key;
	fprintf(stderr, "writer: built without TLS (hiredis_ssl)\n");
	return 1;
#endif
}

int main(int argc, char **argv)
{
	struct writer w = { .interval_ms = 10, .timeout_ms = 200, .log = stdout,
			    .prefix = "seq" };
	const char *mon_kind = NULL, *mon_label = "?", *mon_name = "mymaster";
	struct sigaction sa = { .sa_handler = on_signal };
	long duration_s = 0;
	const char *logfile = NULL;
	const char *tls_ca = NULL, *tls_cert = NULL, *tls_key = NULL;
	int64_t start, next;
	uint64_t n = 1;
	int opt;

	while ((opt = getopt(argc, argv, "Nhi:t:r:d:l:k:m:L:n:A:E:K:S:V")) != -1) {
		switch (opt) {
		case 'N':
			printf("%lld\n", (long long)mono_ms());
			return 0;
		case 'i': w.interval_ms = atol(optarg); break;
		case 't': w.timeout_ms = atol(optarg); break;
		case 'r': w.reconnect_ms = atol(optarg); break;
		case 'd': duration_s = atol(optarg); break;
		case 'l': logfile = optarg; break;
		case 'k': w.prefix = optarg; break;
		case 'm': mon_kind = optarg; break;
		case 'L': mon_label = optarg; break;
		case 'n': mon_name = optarg; break;
		case 'A': tls_ca = optarg; break;
		case 'E': tls_cert = optarg; break;
		case 'K': tls_key = optarg; break;
		case 'S': w.tls_name = optarg; break;
		case 'V': w.tls_verify_name = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (argc - optind != 2 || w.interval_ms <= 0 || w.timeout_ms <= 0) {
		usage(stderr);
		return 1;
	}
	w.host = argv[optind];
	w.port = atoi(argv[optind + 1]);
	if (setup_tls(&w, tls_ca, tls_cert, tls_key))
		return 1;
	/* a monitor appends: several of them share one file */
	if (logfile && !(w.log = fopen(logfile, mon_kind ? "a" : "w"))) {
		fprintf(stderr, "writer: %s: %s\n", logfile, strerror(errno));
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (mon_kind) {
		int rc = monitor(&w, mon_kind, mon_label, mon_name);

		if (w.log != stdout)
			fclose(w.log);
		return rc;
	}

	start = mono_ms();
	logf_line(&w, "start %lld %s:%d", (long long)start, w.host, w.port);
	next = start;
	while (!stop_requested) {
		int64_t now;

		if (duration_s && mono_ms() - start >= duration_s * 1000)
			break;
		if (write_one(&w, n))
			n++;
		/* fixed cadence; after a slow failure just go on at once */
		next += w.interval_ms;
		now = mono_ms();
		if (next > now)
			sleep_ms(next - now);
		else
			next = now;
	}
	logf_line(&w, "stop %lld acks=%llu fails=%llu connects=%llu max_gap_ms=%lld",
		  (long long)mono_ms(), (unsigned long long)w.acks,
		  (unsigned long long)w.fails, (unsigned long long)w.connects,
		  (long long)w.max_gap);
	if (w.log != stdout)
		printf("writer: acks=%llu fails=%llu connects=%llu max_gap_ms=%lld\n",
		       (unsigned long long)w.acks, (unsigned long long)w.fails,
		       (unsigned long long)w.connects, (long long)w.max_gap);
	drop(&w);
	if (w.log != stdout)
		fclose(w.log);
	return 0;
}
