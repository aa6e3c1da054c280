/*
 * notifyrecv: the receiving end of the systemd notify protocol, for
 * tests/net/ops.sh. It stands where systemd would: vipd is started with
 * NOTIFY_SOCKET naming the socket this program binds.
 *
 *   notifyrecv -p PATH [-t SECONDS]
 *
 * Binds an AF_UNIX datagram socket at PATH (a stale socket file there is
 * removed first) and prints every datagram received as one line
 *
 *   <ms> <datagram>
 *
 * <ms> on CLOCK_MONOTONIC (the clock of `writer -N`, so the test can relate
 * the lines to its own actions); the newlines of a multi-assignment datagram
 * ("READY=1\nSTATUS=running") become spaces so that one datagram stays one
 * line. stdout is flushed after every line: the test reads it while this
 * program runs. Exits 0 on SIGTERM/SIGINT or after SECONDS (default 300),
 * removing PATH.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int
bind_at(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "notifyrecv: %s: path too long\n", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "notifyrecv: socket: %s\n", strerror(errno));
		return -1;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "notifyrecv: bind %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* One datagram, one line: newlines inside it become spaces. */
static void
print_datagram(char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\n' || buf[i] == '\0')
			buf[i] = ' ';
	while (len > 0 && buf[len - 1] == ' ')
		len--;
	printf("%lld %.*s\n", (long long)now_ms(), (int)len, buf);
	fflush(stdout);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: notifyrecv -p PATH [-t SECONDS]\n");
}

int
main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	const char *path = NULL;
	long seconds = 300;
	int64_t end;
	char buf[4096];
	int fd, opt;

	while ((opt = getopt(argc, argv, "hp:t:")) != -1) {
		switch (opt) {
		case 'p':
			path = optarg;
			break;
		case 't':
			seconds = atol(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (!path || seconds <= 0 || optind != argc) {
		usage(stderr);
		return 1;
	}
	/* No SA_RESTART: the signal must interrupt poll() so we exit now. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if ((fd = bind_at(path)) < 0)
		return 1;
	end = now_ms() + seconds * 1000;
	while (!stop_requested) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = end - now_ms();
		ssize_t n;

		if (left <= 0)
			break;
		if (poll(&pfd, 1, left > 1000 ? 1000 : (int)left) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0)
			print_datagram(buf, (size_t)n);
	}
	close(fd);
	unlink(path);
	return 0;
}
