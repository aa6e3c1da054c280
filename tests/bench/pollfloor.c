/*
 * pollfloor: the least a client pays for vipd's role checks.
 *
 *   pollfloor -i INTERVAL_MS HOST:PORT [HOST:PORT ...]
 *
 * For tests/bench/scale.sh. It does what vipd's data-node polls do on the
 * wire and nothing else: one TCP connection per address, and at every
 * multiple of INTERVAL_MS on the monotonic clock (vipd aligns its polls the
 * same way, src/node.c) the bytes vipd writes for one poll, ROLE and INFO
 * replication in one write, to each connection whose previous poll has
 * been answered. Replies are read and thrown away unparsed: a poll counts
 * as answered when bytes arrive after it was written. What its CPU time
 * costs is therefore what the kernel charges for the round trips (writing
 * wakes the server and runs its side of the TCP receive path in the
 * writer's context), the floor under vipd's own figure for the same
 * addresses and interval.
 *
 * HOST is a numeric IPv4 or IPv6 address ([v6]:port or v6:port). No AUTH,
 * no TLS. On SIGTERM/SIGINT it prints
 *
 *   end rounds=<r> conns=<n> sent=<s> answered=<a> skipped=<k>
 *
 * (polls written, polls answered, polls not written because the previous
 * one was still unanswered) to stdout and exits 0; a connection that
 * fails or closes is an error (exit 1): the figure would not be the floor.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* What vipd's poll of a local data node puts on the wire. */
static const char poll_cmd[] =
    "*1\r\n$4\r\nROLE\r\n*2\r\n$4\r\nINFO\r\n$11\r\nreplication\r\n";

struct conn {
	int fd;
	bool waiting;		/* a poll written, no byte back yet */
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A blocking connect, then non-blocking from there on. */
static int
connect_to(const char *arg)
{
	char host[256], *port;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV }, *ai;
	int fd, one = 1, r;

	if (snprintf(host, sizeof(host), "%s", arg) >= (int)sizeof(host) ||
	    !(port = strrchr(host, ':'))) {
		fprintf(stderr, "pollfloor: %s: expected HOST:PORT\n", arg);
		return -1;
	}
	*port++ = '\0';
	if (host[0] == '[' && port[-2] == ']') {
		port[-2] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	if ((r = getaddrinfo(host, port, &hints, &ai)) != 0) {
		fprintf(stderr, "pollfloor: %s: %s\n", arg, gai_strerror(r));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		fprintf(stderr, "pollfloor: %s: %s\n", arg, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

int
main(int argc, char **argv)
{
	struct epoll_event evs[256];
	struct conn *conns;
	unsigned long long rounds = 0, sent = 0, answered = 0, skipped = 0;
	uint64_t interval = 0, next;
	char buf[16384];
	int ep, n, opt;

	while ((opt = getopt(argc, argv, "i:")) != -1) {
		if (opt != 'i' || (interval = strtoull(optarg, NULL, 10)) == 0) {
			fprintf(stderr, "usage: pollfloor -i INTERVAL_MS "
			    "HOST:PORT...\n");
			return 1;
		}
	}
	n = argc - optind;
	if (!interval || n < 1) {
		fprintf(stderr, "usage: pollfloor -i INTERVAL_MS HOST:PORT...\n");
		return 1;
	}
	if (!(conns = calloc((size_t)n, sizeof(*conns))) ||
	    (ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		perror("pollfloor");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = i };

		if ((conns[i].fd = connect_to(argv[optind + i])) < 0)
			return 1;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &e) < 0) {
			perror("pollfloor: epoll_ctl");
			return 1;
		}
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);

	next = (now_ms() / interval + 1) * interval;
	while (!stop) {
		uint64_t now = now_ms();
		int k;

		if (now >= next) {
			rounds++;
			for (int i = 0; i < n; i++) {
				if (conns[i].waiting) {
					skipped++;
					continue;
				}
				if (write(conns[i].fd, poll_cmd,
				    sizeof(poll_cmd) - 1) !=
				    (ssize_t)sizeof(poll_cmd) - 1) {
					fprintf(stderr, "pollfloor: %s: write: "
					    "%s\n", argv[optind + i],
					    strerror(errno));
					return 1;
				}
				conns[i].waiting = true;
				sent++;
			}
			next = (now / interval + 1) * interval;
			continue;
		}
		k = epoll_wait(ep, evs, 256, (int)(next - now));
		if (k < 0 && errno != EINTR) {
			perror("pollfloor: epoll_wait");
			return 1;
		}
		for (int j = 0; j < k; j++) {
			struct conn *c = &conns[evs[j].data.u32];
			ssize_t r = read(c->fd, buf, sizeof(buf));

			if (r <= 0) {
				fprintf(stderr, "pollfloor: %s: %s\n",
				    argv[optind + evs[j].data.u32],
				    r == 0 ? "closed by the server" :
				    strerror(errno));
				return 1;
			}
			if (c->waiting) {
				c->waiting = false;
				answered++;
			}
		}
	}
	printf("end rounds=%llu conns=%d sent=%llu answered=%llu "
	    "skipped=%llu\n", rounds, n, sent, answered, skipped);
	return 0;
}
