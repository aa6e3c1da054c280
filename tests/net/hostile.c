/*
 * hostile: a TCP server that answers like a broken or malicious Redis or
 * Sentinel. The peer of tests/net/hostile.sh.
 *
 *   hostile -l ADDR -p PORT -m MODE [-t SECONDS]
 *
 * MODE is what every connection gets in answer to its first request (any
 * bytes it sends; the request itself is read and thrown away):
 *
 *   garbage   non-RESP bytes, again for every request
 *   huge      "$1073741824\r\n", then 'x' as fast as the socket takes
 *             them, up to 1 GiB, then nothing (the connection is held)
 *   stall     "*2\r\n$6\r\nmaster", a reply cut off in the middle, then
 *             nothing (the connection is held)
 *   deep      an array nested 100 levels deep, ending in ":1"
 *   bigarray  "*2000000000\r\n", then nothing
 *   unsolicited  two replies ("+OK") to every request: one nobody asked for
 *
 * and, for the subscriber link alone, modes that answer every request
 * that mentions SUBSCRIBE with a pub/sub reply of a shape hiredis's own
 * pub/sub code asserts on (0.14: fewer than 2 elements; 1.x: elements that
 * are not strings, RESP3 aggregates), and every other request (a poll, a
 * ROLE) with a nil, so that only the subscriber path meets them:
 *
 *   sub-empty "*0"          sub-one  ["message"]
 *   sub-ints  [1, 2, 3]     sub-map  a RESP3 map   sub-push  a RESP3 push
 *
 * IPv4 only. Connections are served side by side (poll), up to
 * MAX_CLIENTS at a time; one more is accepted and closed at once. On
 * stdout, one line each, flushed:
 *
 *   ready                    listening
 *   accepted N               the Nth connection was accepted
 *   closed N sent BYTES      connection N ended after BYTES were sent to it
 *
 * Exits 0 after -t SECONDS (default 60), so a test that dies cannot leave
 * it running for long, and on SIGTERM or SIGINT; 1 on a usage or set-up
 * error, with one line on stderr.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#define MAX_CLIENTS	64
#define DEEP_LEVELS	100
#define HUGE_BYTES	(1024ULL * 1024 * 1024)

struct mode {
	const char *name;
	const char *reply;
	size_t len;
	uint64_t stream;	/* 'x' bytes after the reply */
	bool every;		/* answer every request, not just the first */
	bool sub_only;		/* `reply` to SUBSCRIBE, nil to the rest */
};

struct client {
	int fd;			/* -1: free slot */
	unsigned int id;
	const char *out;
	size_t outlen, outoff;
	uint64_t stream;	/* 'x' bytes still to send */
	uint64_t sent;
	bool answered;
};

#define S(s)	s, sizeof(s) - 1
static const char garbage[] = "hello\r\n\x01\xfe\xff junk\r\n";
static struct mode modes[] = {
	{ "garbage", S(garbage), 0, true, false },
	{ "huge", S("$1073741824\r\n"), HUGE_BYTES, false, false },
	{ "stall", S("*2\r\n$6\r\nmaster"), 0, false, false },
	{ "deep", NULL, 0, 0, false, false },	/* build_deep() */
	{ "bigarray", S("*2000000000\r\n"), 0, false, false },
	{ "unsolicited", S("+OK\r\n+OK\r\n"), 0, true, false },
	{ "sub-empty", S("*0\r\n"), 0, true, true },
	{ "sub-one", S("*1\r\n$7\r\nmessage\r\n"), 0, true, true },
	{ "sub-ints", S("*3\r\n:1\r\n:2\r\n:3\r\n"), 0, true, true },
	{ "sub-map", S("%1\r\n$7\r\nmessage\r\n:1\r\n"), 0, true, true },
	{ "sub-push", S(">2\r\n$7\r\nmessage\r\n$2\r\nch\r\n"), 0, true,
	    true },
};
#undef S

static char deep[DEEP_LEVELS * 4 + 5];
static char xs[64 * 1024];
static struct client clients[MAX_CLIENTS];
static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* The mode without a fixed reply gets the nested array. */
static void
build_deep(struct mode *m, size_t n)
{
	char *p = deep;
	int i;

	for (i = 0; i < DEEP_LEVELS; i++)
		p += sprintf(p, "*1\r\n");
	p += sprintf(p, ":1\r\n");
	for (; n > 0; n--, m++)
		if (!m->reply) {
			m->reply = deep;
			m->len = (size_t)(p - deep);
		}
}

/* Blocks SIGTERM and SIGINT; *wait is the mask for ppoll(), which lets
 * them in. */
static void
block_signals(sigset_t *wait)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, wait);
	sigdelset(wait, SIGTERM);
	sigdelset(wait, SIGINT);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: hostile -l ADDR -p PORT -m garbage|huge|stall|deep|"
	    "bigarray|unsolicited|sub-empty|sub-one|sub-ints|sub-map|sub-push "
	    "[-t SECONDS]\n");
}

static void
client_close(struct client *c)
{
	printf("closed %u sent %llu\n", c->id, (unsigned long long)c->sent);
	close(c->fd);
	c->fd = -1;
}

static bool
client_wants_write(const struct client *c)
{
	return c->outoff < c->outlen || c->stream > 0;
}

/* The request is never parsed: any bytes count as one. */
static void
client_read(struct client *c, const struct mode *m)
{
	char buf[4096];
	ssize_t n = read(c->fd, buf, sizeof(buf));

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		client_close(c);
		return;
	}
	if (n < 0 || (c->answered && !m->every) || client_wants_write(c))
		return;
	c->answered = true;
	c->out = m->reply;
	c->outlen = m->len;
	if (m->sub_only && !memmem(buf, (size_t)n, "SUBSCRIBE", 9)) {
		c->out = "*-1\r\n";
		c->outlen = 5;
	}
	c->outoff = 0;
	c->stream = m->stream;
}

static void
client_write(struct client *c)
{
	const char *p;
	size_t len;
	ssize_t n;

	if (c->outoff < c->outlen) {
		p = c->out + c->outoff;
		len = c->outlen - c->outoff;
	} else {
		p = xs;
		len = c->stream < sizeof(xs) ? (size_t)c->stream : sizeof(xs);
	}
	n = send(c->fd, p, len, MSG_NOSIGNAL);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			client_close(c);
		return;
	}
	c->sent += (uint64_t)n;
	if (c->outoff < c->outlen)
		c->outoff += (size_t)n;
	else
		c->stream -= (uint64_t)n;
}

static void
accept_all(int lfd, unsigned int *accepted)
{
	int fd, i;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		printf("accepted %u\n", ++*accepted);
		for (i = 0; i < MAX_CLIENTS && clients[i].fd >= 0; i++)
			;
		if (i == MAX_CLIENTS) {
			printf("closed %u sent 0\n", *accepted);
			close(fd);
			continue;
		}
		memset(&clients[i], 0, sizeof(clients[i]));
		clients[i].fd = fd;
		clients[i].id = *accepted;
	}
}

static int
listen_on(const char *addr, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port) };
	int fd, one = 1;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "hostile: not an IPv4 address: %s\n", addr);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, 64) < 0) {
		fprintf(stderr, "hostile: %s:%d: %s\n", addr, port,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Until the deadline or a signal. SIGTERM/SIGINT are blocked except inside
 * ppoll(), so one arriving between two polls is not lost. */
static void
serve(int lfd, const struct mode *m, int64_t deadline, const sigset_t *wait)
{
	struct pollfd pfd[MAX_CLIENTS + 1];
	struct client *slot[MAX_CLIENTS + 1];
	unsigned int accepted = 0;
	struct timespec ts;
	int64_t left;
	nfds_t n, i;

	while (!stop_requested && (left = deadline - now_ms()) > 0) {
		pfd[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		n = 1;
		for (i = 0; i < MAX_CLIENTS; i++) {
			if (clients[i].fd < 0)
				continue;
			pfd[n].fd = clients[i].fd;
			pfd[n].events = POLLIN |
			    (client_wants_write(&clients[i]) ? POLLOUT : 0);
			pfd[n].revents = 0;
			slot[n++] = &clients[i];
		}
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		if (ppoll(pfd, n, &ts, wait) < 0)
			continue;	/* EINTR: the loop condition decides */
		for (i = 1; i < n; i++) {
			if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
				client_read(slot[i], m);
			if (slot[i]->fd >= 0 && (pfd[i].revents & POLLOUT))
				client_write(slot[i]);
		}
		if (pfd[0].revents & POLLIN)
			accept_all(lfd, &accepted);
	}
}

int
main(int argc, char **argv)
{
	const char *addr = NULL, *mname = NULL;
	const struct mode *m = NULL;
	sigset_t wait;
	int ch, port = 0, seconds = 60, lfd, i;

	while ((ch = getopt(argc, argv, "l:p:m:t:h")) != -1) {
		switch (ch) {
		case 'l':
			addr = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'm':
			mname = optarg;
			break;
		case 't':
			seconds = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	for (i = 0; mname && i < (int)(sizeof(modes) / sizeof(modes[0])); i++)
		if (strcmp(mname, modes[i].name) == 0)
			m = &modes[i];
	if (!addr || port <= 0 || port > 65535 || !m || seconds <= 0 ||
	    optind != argc) {
		usage(stderr);
		return 1;
	}

	build_deep(&modes[0], sizeof(modes) / sizeof(modes[0]));
	memset(xs, 'x', sizeof(xs));
	for (i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;
	block_signals(&wait);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if ((lfd = listen_on(addr, port)) < 0)
		return 1;
	printf("ready\n");
	serve(lfd, m, now_ms() + (int64_t)seconds * 1000, &wait);
	for (i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd >= 0)
			client_close(&clients[i]);
	close(lfd);
	return 0;
}
