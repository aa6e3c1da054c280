/*
 * slowdns: a tiny, optionally slow, UDP DNS server for the integration
 * tests (tests/net/resolve.sh): the name server a namespace's resolv.conf
 * points at.
 *
 *   slowdns -l ADDR [-l ADDR ...] [-p PORT] [-z ZONEFILE] [-d MS]
 *           [-t SECONDS] [NAME=ADDR ...]
 *
 * Answers A and AAAA queries (class IN) from the NAME=ADDR records given on
 * the command line and in ZONEFILE (one record a line, "NAME=ADDR" or
 * "NAME ADDR", '#' comments; a name may have several records). Names match
 * without regard to case or a trailing dot. A known name without a record
 * of the type asked gets an empty NOERROR answer (as a real server does,
 * so that an IPv4-only name still resolves when getaddrinfo() asks for
 * AAAA too); an unknown name gets NXDOMAIN; anything else that parses as a
 * query gets REFUSED (other classes) or NOTIMP (other opcodes); garbage is
 * dropped. Every answer waits -d MS first (default 0), without holding up
 * other queries (glibc asks A and AAAA at once), and is made from the
 * records as they are when it is sent.
 *
 * SIGHUP re-reads ZONEFILE (a test removes or changes a name mid-run); a
 * zone file with an error keeps the old records. ADDR (-l) may be IPv4 or
 * IPv6, up to 4 of them; PORT defaults to 53.
 *
 * On stdout, one line each, flushed:
 *
 *   ready
 *   query NAME TYPE from PEER: RCODE N      (when the answer is sent; N
 *                                            records; TYPE A, AAAA or a
 *                                            number)
 *   reloaded N records                      (SIGHUP)
 *   reload failed: WHY
 *
 * Exits 0 after -t SECONDS (default 120) so that a test that dies cannot
 * leave it running for long, and on SIGTERM or SIGINT; 1 on a usage or
 * set-up error (a bad zone file included), with one line on stderr.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <ctype.h>
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

#define MAX_LISTEN	4
#define MAX_RECORDS	1024
#define MAX_PENDING	256
#define MAX_ANSWERS	16
#define DNS_MAX		512	/* a plain UDP message (RFC 1035 4.2.1) */
#define NAME_MAX_LEN	255

#define T_A		1
#define T_AAAA		28
#define C_IN		1
#define RC_NOERROR	0
#define RC_NXDOMAIN	3
#define RC_NOTIMP	4
#define RC_REFUSED	5

struct record {
	char name[NAME_MAX_LEN + 1];	/* lower case, no trailing dot */
	int family;
	unsigned char addr[16];
};

struct zone {
	struct record r[MAX_RECORDS];
	size_t n;
};

struct pending {
	bool used;
	uint64_t due;
	int fd;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	unsigned char msg[DNS_MAX];
	size_t len;
	char log[NAME_MAX_LEN + 128];
};

static struct zone static_zone, file_zone, scratch_zone;
static struct pending pending[MAX_PENDING];
static volatile sig_atomic_t got_hup, got_term;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

/* Lower case, one trailing dot dropped. */
static void
name_norm(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len && src[i]; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	if (i > 0 && dst[i - 1] == '.')
		i--;
	dst[i] = '\0';
}

/* "NAME=ADDR" or "NAME ADDR" into z; -1 with `why` on error. */
static int
zone_add(struct zone *z, const char *spec, char *why, size_t whylen)
{
	size_t nlen = strcspn(spec, "= \t"), alen;
	const char *a = spec + nlen;
	char addr[64];
	struct record *r;

	a += strspn(a, "= \t");
	alen = strcspn(a, " \t");
	if (nlen == 0 || alen == 0 || a[alen + strspn(a + alen, " \t")]) {
		snprintf(why, whylen, "\"%s\": want NAME=ADDR", spec);
		return -1;
	}
	if (nlen > NAME_MAX_LEN || alen >= sizeof(addr)) {
		snprintf(why, whylen, "\"%s\": too long", spec);
		return -1;
	}
	if (z->n >= MAX_RECORDS) {
		snprintf(why, whylen, "more than %d records", MAX_RECORDS);
		return -1;
	}
	r = &z->r[z->n];
	name_norm(r->name, spec, nlen);
	memcpy(addr, a, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, r->addr) == 1) {
		r->family = AF_INET;
	} else if (inet_pton(AF_INET6, addr, r->addr) == 1) {
		r->family = AF_INET6;
	} else {
		snprintf(why, whylen, "\"%s\": not an IPv4 or IPv6 address",
		    addr);
		return -1;
	}
	z->n++;
	return 0;
}

static int
zone_load(struct zone *z, const char *path, char *why, size_t whylen)
{
	char line[512], err[384];
	unsigned int lineno = 0;
	FILE *f = fopen(path, "r");

	z->n = 0;
	if (!f) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");

		lineno++;
		p[strcspn(p, "#\r\n")] = '\0';
		if (!*p)
			continue;
		if (zone_add(z, p, err, sizeof(err)) < 0) {
			snprintf(why, whylen, "%s:%u: %s", path, lineno, err);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

/* The question's name (no compression in a query) as a dotted string;
 * returns the offset after QCLASS, or 0 if the message is malformed. */
static size_t
parse_question(const unsigned char *m, size_t len, char *name,
    uint16_t *qtype, uint16_t *qclass)
{
	size_t off = 12, out = 0;

	for (;;) {
		unsigned int l;

		if (off >= len)
			return 0;
		l = m[off++];
		if (l == 0)
			break;
		if (l > 63 || off + l > len || out + l + 1 > NAME_MAX_LEN)
			return 0;
		for (unsigned int i = 0; i < l; i++)
			name[out++] = (char)tolower(m[off + i]);
		name[out++] = '.';
		off += l;
	}
	if (out > 0)
		out--;		/* the last label's dot */
	name[out] = '\0';
	if (off + 4 > len)
		return 0;
	*qtype = (uint16_t)(m[off] << 8 | m[off + 1]);
	*qclass = (uint16_t)(m[off + 2] << 8 | m[off + 3]);
	return off + 4;
}

static size_t
add_answers(const struct zone *z, const char *name, int family,
    unsigned char *m, size_t off, unsigned int *nans, bool *known)
{
	for (size_t i = 0; i < z->n; i++) {
		const struct record *r = &z->r[i];
		size_t alen = r->family == AF_INET ? 4 : 16;
		uint16_t type = r->family == AF_INET ? T_A : T_AAAA;

		if (strcmp(r->name, name) != 0)
			continue;
		*known = true;
		if (r->family != family || *nans >= MAX_ANSWERS ||
		    off + 12 + alen > DNS_MAX)
			continue;
		/* A pointer to the question's name, type, class IN, TTL 1 s
		 * (nothing should cache a test's answers), the address. */
		m[off++] = 0xc0;
		m[off++] = 12;
		m[off++] = (unsigned char)(type >> 8);
		m[off++] = (unsigned char)type;
		m[off++] = 0;
		m[off++] = C_IN;
		m[off++] = 0;
		m[off++] = 0;
		m[off++] = 0;
		m[off++] = 1;
		m[off++] = 0;
		m[off++] = (unsigned char)alen;
		memcpy(m + off, r->addr, alen);
		off += alen;
		(*nans)++;
	}
	return off;
}

static const char *
rcode_name(int rc)
{
	switch (rc) {
	case RC_NOERROR: return "NOERROR";
	case RC_NXDOMAIN: return "NXDOMAIN";
	case RC_NOTIMP: return "NOTIMP";
	default: return "REFUSED";
	}
}

/* Build the answer to the query in p->msg (in place). false: drop it. */
static bool
answer(struct pending *p, const char *peer)
{
	unsigned char *m = p->msg;
	char name[NAME_MAX_LEN + 1], tname[8];
	uint16_t qtype = 0, qclass = 0;
	unsigned int nans = 0;
	bool known = false;
	size_t off;
	int rc = RC_NOERROR;

	if (p->len < 12 || (m[2] & 0x80))
		return false;		/* too short, or a response */
	if (((m[2] >> 3) & 0x0f) != 0) {
		rc = RC_NOTIMP;
		off = 12;
		name[0] = '\0';
	} else if (m[4] != 0 || m[5] != 1 ||
	    !(off = parse_question(m, p->len, name, &qtype, &qclass))) {
		return false;
	} else if (qclass != C_IN) {
		rc = RC_REFUSED;
	} else {
		off = add_answers(&static_zone, name, qtype == T_A ? AF_INET :
		    qtype == T_AAAA ? AF_INET6 : AF_UNSPEC, m, off, &nans,
		    &known);
		off = add_answers(&file_zone, name, qtype == T_A ? AF_INET :
		    qtype == T_AAAA ? AF_INET6 : AF_UNSPEC, m, off, &nans,
		    &known);
		if (!known)
			rc = RC_NXDOMAIN;
	}
	m[2] = (unsigned char)(0x80 | (m[2] & 0x79) | 0x04);	/* QR AA, RD kept */
	m[3] = (unsigned char)(0x80 | rc);			/* RA */
	if (rc == RC_NOTIMP) {
		m[4] = m[5] = 0;
	}
	m[6] = (unsigned char)(nans >> 8);
	m[7] = (unsigned char)nans;
	memset(m + 8, 0, 4);		/* no authority, no additional */
	p->len = off;
	if (qtype == T_A)
		snprintf(tname, sizeof(tname), "A");
	else if (qtype == T_AAAA)
		snprintf(tname, sizeof(tname), "AAAA");
	else
		snprintf(tname, sizeof(tname), "%u", qtype);
	snprintf(p->log, sizeof(p->log), "query %s %s from %s: %s %u",
	    name[0] ? name : ".", tname, peer, rcode_name(rc), nans);
	return true;
}

static void
peer_fmt(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;

		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		port = ntohs(s->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)ss;

		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		port = ntohs(s->sin6_port);
	}
	snprintf(buf, len, ss->ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
	    a, port);
}

static void
receive(int fd, unsigned int delay)
{
	struct pending *p = NULL;
	ssize_t n;

	for (size_t i = 0; i < MAX_PENDING && !p; i++) {
		if (!pending[i].used)
			p = &pending[i];
	}
	if (!p) {
		unsigned char junk[DNS_MAX];

		(void)!recv(fd, junk, sizeof(junk), 0);
		printf("dropped: more than %d queries waiting\n", MAX_PENDING);
		return;
	}
	p->peerlen = sizeof(p->peer);
	n = recvfrom(fd, p->msg, sizeof(p->msg), 0,
	    (struct sockaddr *)&p->peer, &p->peerlen);
	if (n < 0)
		return;
	p->len = (size_t)n;
	p->fd = fd;
	p->due = now_ms() + delay;
	p->used = true;
}

/* Answer what is due, from the zone as it is now (a SIGHUP during the
 * delay counts). Returns ms until the next is due, -1 if none waits. */
static int
send_due(void)
{
	uint64_t now = now_ms(), next = UINT64_MAX;
	char peer[INET6_ADDRSTRLEN + 16];

	for (size_t i = 0; i < MAX_PENDING; i++) {
		struct pending *p = &pending[i];

		if (!p->used)
			continue;
		if (p->due > now) {
			if (p->due < next)
				next = p->due;
			continue;
		}
		p->used = false;
		peer_fmt(&p->peer, peer, sizeof(peer));
		if (!answer(p, peer))
			continue;
		sendto(p->fd, p->msg, p->len, 0, (struct sockaddr *)&p->peer,
		    p->peerlen);
		printf("%s\n", p->log);
	}
	if (next == UINT64_MAX)
		return -1;
	return (int)(next - now);
}

static int
listen_on(const char *addr, unsigned int port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (void *)&ss;
	struct sockaddr_in6 *s6 = (void *)&ss;
	socklen_t len;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		len = sizeof(*s6);
	} else {
		fprintf(stderr, "slowdns: %s: not an IPv4 or IPv6 address\n",
		    addr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || (ss.ss_family == AF_INET6 && setsockopt(fd,
	    IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0) {
		fprintf(stderr, "slowdns: %s port %u: %s\n", addr, port,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void
reload(const char *path)
{
	char why[512];

	if (!path) {
		printf("reload failed: no zone file (-z)\n");
		return;
	}
	if (zone_load(&scratch_zone, path, why, sizeof(why)) < 0) {
		printf("reload failed: %s\n", why);
		return;
	}
	file_zone = scratch_zone;
	printf("reloaded %zu records\n", file_zone.n);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: slowdns -l ADDR [-l ADDR ...] [-p PORT] "
	    "[-z ZONEFILE] [-d MS] [-t SECONDS] [NAME=ADDR ...]\n");
}

static unsigned int
number(const char *s, unsigned int max, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max) {
		fprintf(stderr, "slowdns: bad %s \"%s\"\n", what, s);
		exit(1);
	}
	return (unsigned int)v;
}

/* Signals only arrive inside ppoll() (with the mask put in *wait), so a
 * signal cannot slip in between a check and the sleep. */
static void
setup_signals(sigset_t *wait)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, wait);
	sigdelset(wait, SIGHUP);
	sigdelset(wait, SIGTERM);
	sigdelset(wait, SIGINT);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

/* Until SIGTERM/SIGINT or `lifetime` seconds. */
static int
serve(struct pollfd *pfd, unsigned int n, const char *zonefile,
    unsigned int delay, unsigned int lifetime)
{
	uint64_t end = now_ms() + (uint64_t)lifetime * 1000;
	sigset_t wait;

	setup_signals(&wait);
	printf("ready\n");
	while (!got_term) {
		int next = send_due();
		uint64_t now = now_ms(), wait_ms;
		struct timespec ts;

		if (now >= end)
			break;
		wait_ms = end - now;
		if (next >= 0 && (uint64_t)next < wait_ms)
			wait_ms = (uint64_t)next;
		ts.tv_sec = (time_t)(wait_ms / 1000);
		ts.tv_nsec = (long)(wait_ms % 1000) * 1000000;
		if (ppoll(pfd, n, &ts, &wait) < 0 && errno != EINTR) {
			fprintf(stderr, "slowdns: poll: %s\n", strerror(errno));
			return 1;
		}
		if (got_hup) {
			got_hup = 0;
			reload(zonefile);
		}
		for (unsigned int i = 0; i < n; i++) {
			if (pfd[i].revents & POLLIN)
				receive(pfd[i].fd, delay);
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *addrs[MAX_LISTEN], *zonefile = NULL;
	unsigned int naddrs = 0, port = 53, delay = 0, lifetime = 120;
	struct pollfd pfd[MAX_LISTEN];
	char why[512];
	int ch;

	while ((ch = getopt(argc, argv, "l:p:z:d:t:h")) != -1) {
		switch (ch) {
		case 'l':
			if (naddrs == MAX_LISTEN) {
				fprintf(stderr, "slowdns: at most %d -l\n",
				    MAX_LISTEN);
				return 1;
			}
			addrs[naddrs++] = optarg;
			break;
		case 'p': port = number(optarg, 65535, "port"); break;
		case 'z': zonefile = optarg; break;
		case 'd': delay = number(optarg, 600000, "delay"); break;
		case 't': lifetime = number(optarg, 86400, "lifetime"); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (naddrs == 0) {
		usage(stderr);
		return 1;
	}
	for (int i = optind; i < argc; i++) {
		if (zone_add(&static_zone, argv[i], why, sizeof(why)) < 0) {
			fprintf(stderr, "slowdns: %s\n", why);
			return 1;
		}
	}
	if (zonefile && zone_load(&file_zone, zonefile, why, sizeof(why)) < 0) {
		fprintf(stderr, "slowdns: %s\n", why);
		return 1;
	}
	for (unsigned int i = 0; i < naddrs; i++) {
		if ((pfd[i].fd = listen_on(addrs[i], port)) < 0)
			return 1;
		pfd[i].events = POLLIN;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	return serve(pfd, naddrs, zonefile, delay, lifetime);
}
