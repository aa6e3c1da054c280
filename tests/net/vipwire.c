/*
 * vipwire: drive the wire layer (addr, nlwatch, garp) from tests/net/wire.sh.
 *
 *   vipwire now                               CLOCK_MONOTONIC in ms
 *   vipwire stamp CMD [ARG...]                print the time, then exec CMD
 *       (the stamp is taken right before CMD starts, with no exit of ours
 *       in between, which under the sanitizers alone takes ~100 ms)
 *   vipwire add|del IFNAME ADDR[/LEN]         addr_add() / addr_del()
 *   vipwire present IFNAME ADDR[/LEN]         exit 0 present, 1 absent
 *   vipwire list-local                        addr_list_local(), one a line
 *   vipwire link IFNAME                       nlwatch_link_get(): "eth0 ifindex 2
 *       arp up" (arp|noarp: see struct nlwatch_link; up|down)
 *   vipwire announce IFNAME ADDR COUNT INTERVAL_MS
 *   vipwire watch IFNAME ADDR|any SECONDS [STALL_MS]
 *       nlwatch events, one a line: "<ms> addr-del 192.0.2.100/32 ifindex
 *       2", "<ms> link eth0 ifindex 2 down", "<ms> link-del ...",
 *       "<ms> resync"; first line "<ms> ready ...". With STALL_MS the loop
 *       then blocks that long ("<ms> stalling" / "<ms> stall-end") so that
 *       a flood of changes overflows the socket and forces a resync.
 *   vipwire listen ADDR PORT SECONDS          accept TCP connections, print
 *       "<ms> accepted peer P local L" for each
 *   vipwire probe IFNAME ADDR...              probe_start(), 3 rounds 100 ms
 *       apart: "answered ADDR MAC after N ms" or "free after N ms"
 *   vipwire refuse IFNAME ADDR... SECONDS     refuse_start() for SECONDS:
 *       "<ms> ready", then at the end "<ms> sent N" (refuse_count()) and
 *       "<ms> forwarded N" (refuse_forwarded())
 *   vipwire refuse-forward IFNAME ADDR... SECONDS   the same, with
 *       refuse_may_forward(true) from the start
 *   vipwire refuse-reset IFNAME ADDR... SECONDS     the same, keep false
 *   vipwire connect ADDR PORT TIMEOUT_MS      one TCP connect: "connected",
 *       "refused", "timeout" or "error TEXT", then " after N.NNN ms"
 *   vipwire tcp-send IFNAME DSTMAC SRC SPORT DST DPORT FLAGS
 *       one hand-made TCP segment (frame_build_tcp(), FLAGS from "FSRPA",
 *       seq 1000, ack 0, or 2000 with A) from IFNAME's MAC to DSTMAC
 *   vipwire syn-flood IFNAME DSTMAC SRC DST DPORT COUNT GAP_US
 *       COUNT SYNs, source ports 20000 up, GAP_US apart: "<ms> sent N"
 *
 * Timestamps are the same clock as loop_now(), so the test can subtract the
 * `now` taken before an action from the event's stamp.
 * Exit: 0 success, 1 failure (or "absent"), 2 usage.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include "addr.h"
#include "frame.h"
#include "garp.h"
#include "loop.h"
#include "netaddr.h"
#include "nlwatch.h"
#include "probe.h"
#include "refuse.h"

static int
usage(void)
{
	fprintf(stderr, "usage: vipwire now | stamp CMD [ARG...]"
	    " | add|del|present IFNAME ADDR[/LEN]"
	    " | list-local | link IFNAME\n"
	    "       | announce IFNAME ADDR COUNT INTERVAL_MS"
	    " | watch IFNAME ADDR|any SECONDS [STALL_MS]"
	    " | listen ADDR PORT SECONDS\n"
	    "       | probe IFNAME ADDR... | refuse[-forward|-reset] IFNAME ADDR..."
	    " SECONDS"
	    " | connect ADDR PORT TIMEOUT_MS\n"
	    "       | tcp-send IFNAME DSTMAC SRC SPORT DST DPORT FLAGS"
	    " | syn-flood IFNAME DSTMAC SRC DST DPORT COUNT GAP_US\n");
	return 2;
}

static int
fail(const char *what, int err)
{
	fprintf(stderr, "vipwire: %s: %s\n", what, strerror(-err));
	return 1;
}

static int
ifindex_of(const char *ifname)
{
	int i = (int)if_nametoindex(ifname);

	if (i == 0)
		fprintf(stderr, "vipwire: no interface %s\n", ifname);
	return i;
}

static int
cmd_addr(const char *op, const char *ifname, const char *s)
{
	struct addr_ctx *a;
	struct prefix p;
	int ifindex, ret;

	if (prefix_parse(s, &p) < 0)
		return usage();
	if ((ifindex = ifindex_of(ifname)) == 0)
		return 1;
	if (!(a = addr_open()))
		return fail("addr_open", -errno);
	if (strcmp(op, "add") == 0)
		ret = addr_add(a, ifindex, ifname, &p);
	else if (strcmp(op, "del") == 0)
		ret = addr_del(a, ifindex, &p);
	else
		ret = addr_present(a, ifindex, &p);
	addr_close(a);
	if (ret < 0)
		return fail(op, ret);
	if (strcmp(op, "present") == 0)
		return ret == 1 ? 0 : 1;
	return 0;
}

/* Every one, however many, as the daemon lists them. */
static int
cmd_list_local(void)
{
	struct netaddr *out = NULL;
	char buf[NETADDR_STRLEN];
	struct addr_ctx *a;
	size_t cap = 0;
	int i, n;

	if (!(a = addr_open()))
		return fail("addr_open", -errno);
	n = addr_list_local(a, &out, &cap);
	addr_close(a);
	if (n < 0) {
		free(out);
		return fail("list-local", n);
	}
	for (i = 0; i < n; i++)
		printf("%s\n", netaddr_fmt(&out[i], buf, sizeof(buf)));
	free(out);
	return 0;
}

static int
cmd_link(const char *ifname)
{
	struct nlwatch_link li;
	int ret;

	ret = nlwatch_link_get(ifname, &li);
	if (ret < 0)
		return fail("link", ret);
	printf("%s ifindex %d %s %s\n", ifname, li.ifindex,
	    li.noarp ? "noarp" : "arp", li.up ? "up" : "down");
	return 0;
}

static int
cmd_announce(const char *ifname, const char *s, int count, int interval)
{
	struct netaddr vip;
	int ifindex, i, ret, frames = 0;

	if (netaddr_parse(s, &vip) < 0 || count < 1 || interval < 0)
		return usage();
	if ((ifindex = ifindex_of(ifname)) == 0)
		return 1;
	for (i = 0; i < count; i++) {
		if (i > 0)
			usleep((useconds_t)interval * 1000);
		ret = garp_send(ifindex, &vip);
		if (ret < 0)
			return fail("garp_send", ret);
		frames += ret;
	}
	printf("%llu sent %d frames\n", (unsigned long long)loop_now(),
	    frames);
	return 0;
}

struct watch {
	struct loop *l;
	struct loop_timer stop;
	int ifindex;
	const char *ifname;
	bool any;
	struct netaddr filter;
	struct loop_timer stall;
	int stall_ms;
};

static void
on_event(void *arg, const struct nlwatch_event *ev)
{
	static const char *const kinds[] = {
		[NLWATCH_ADDR_NEW] = "addr-new",
		[NLWATCH_ADDR_DEL] = "addr-del",
		[NLWATCH_LINK] = "link",
		[NLWATCH_LINK_DEL] = "link-del",
		[NLWATCH_RESYNC] = "resync",
	};
	struct watch *w = arg;
	char buf[NETADDR_STRLEN];
	unsigned long long now = (unsigned long long)loop_now();

	switch (ev->kind) {
	case NLWATCH_ADDR_NEW:
	case NLWATCH_ADDR_DEL:
		if (!w->any && !netaddr_equal(&ev->addr.addr, &w->filter))
			return;
		printf("%llu %s %s ifindex %d\n", now, kinds[ev->kind],
		    prefix_fmt(&ev->addr, buf, sizeof(buf)), ev->ifindex);
		break;
	case NLWATCH_LINK:
	case NLWATCH_LINK_DEL:
		if (ev->ifindex != w->ifindex)
			return;
		printf("%llu %s %s ifindex %d %s\n", now, kinds[ev->kind],
		    ev->ifname, ev->ifindex, ev->up ? "up" : "down");
		break;
	case NLWATCH_RESYNC:
		printf("%llu resync\n", now);
		break;
	}
}

static void
on_stop(void *arg)
{
	struct watch *w = arg;

	loop_stop(w->l);
}

static void
on_stall(void *arg)
{
	struct watch *w = arg;

	printf("%llu stalling\n", (unsigned long long)loop_now());
	usleep((useconds_t)w->stall_ms * 1000);
	printf("%llu stall-end\n", (unsigned long long)loop_now());
}

static int
cmd_watch(const char *ifname, const char *s, int seconds, int stall_ms)
{
	struct nlwatch *nw = NULL;
	struct watch w;
	bool up;
	int ret;

	memset(&w, 0, sizeof(w));
	w.ifname = ifname;
	w.any = strcmp(s, "any") == 0;
	if ((!w.any && netaddr_parse(s, &w.filter) < 0) || seconds < 1)
		return usage();
	ret = nlwatch_link_state(ifname, &w.ifindex, &up);
	if (ret < 0)
		return fail("link", ret);
	if (w.ifindex == 0)
		return fail(ifname, -ENODEV);
	if (!(w.l = loop_new()))
		return fail("loop_new", -errno);
	if (!(nw = nlwatch_open(w.l, on_event, &w))) {
		ret = -errno;
		goto out;
	}
	loop_timer_init(&w.stop, on_stop, &w);
	loop_timer_arm(w.l, &w.stop, (uint64_t)seconds * 1000);
	w.stall_ms = stall_ms;
	loop_timer_init(&w.stall, on_stall, &w);
	if (stall_ms > 0)
		loop_timer_arm(w.l, &w.stall, 0);
	printf("%llu ready %s ifindex %d %s\n",
	    (unsigned long long)loop_now(), ifname, w.ifindex,
	    up ? "up" : "down");
	ret = loop_run(w.l);
	loop_timer_cancel(w.l, &w.stop);
	loop_timer_cancel(w.l, &w.stall);
out:
	nlwatch_close(nw);
	loop_free(w.l);
	return ret < 0 ? fail("watch", ret) : 0;
}

static socklen_t
to_sockaddr(const struct netaddr *a, uint16_t port,
    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr = a->u.v4;
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	sin6->sin6_addr = a->u.v6;
	return sizeof(*sin6);
}

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The address of one end of a connected socket, as text. */
static const char *
end_fmt(int fd, bool peer, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const void *a;
	int r;

	r = peer ? getpeername(fd, (struct sockaddr *)&ss, &sl) :
	    getsockname(fd, (struct sockaddr *)&ss, &sl);
	if (r < 0)
		return "-";
	a = ss.ss_family == AF_INET ?
	    (const void *)&((struct sockaddr_in *)&ss)->sin_addr :
	    (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
	return inet_ntop(ss.ss_family, a, buf, (socklen_t)len) ? buf : "-";
}

static int
cmd_listen(const char *s, const char *port, int seconds)
{
	char pbuf[NETADDR_STRLEN], lbuf[NETADDR_STRLEN];
	struct hostport hp;
	struct sockaddr_storage ss;
	uint64_t deadline;
	socklen_t sl;
	int fd, c, one = 1;

	if (netaddr_parse(s, &hp.addr) < 0 || seconds < 1)
		return usage();
	hp.port = (uint16_t)atoi(port);
	sl = to_sockaddr(&hp.addr, hp.port, &ss);
	fd = socket(hp.addr.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket", -errno);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 ||
	    listen(fd, 16) < 0)
		return fail("bind/listen", -errno);
	printf("%llu listening %s\n", (unsigned long long)loop_now(),
	    hostport_fmt(&hp, pbuf, sizeof(pbuf)));
	deadline = loop_now() + (uint64_t)seconds * 1000;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = loop_now();

		if (now >= deadline ||
		    poll(&pfd, 1, (int)(deadline - now)) <= 0)
			break;
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		printf("%llu accepted peer %s local %s\n",
		    (unsigned long long)loop_now(),
		    end_fmt(c, true, pbuf, sizeof(pbuf)),
		    end_fmt(c, false, lbuf, sizeof(lbuf)));
		close(c);
	}
	close(fd);
	return 0;
}

/* --- probe and refuse ------------------------------------------------------ */

static int
parse_addrs(char **args, size_t n, struct netaddr *out)
{
	size_t i;

	if (n == 0 || n > PROBE_ADDRS_MAX)
		return -1;
	for (i = 0; i < n; i++)
		if (netaddr_parse(args[i], &out[i]) < 0)
			return -1;
	return 0;
}

struct probe_run {
	struct loop *l;
	uint64_t t0;
	int ret;
};

static void
on_probe_done(void *arg, const struct probe_result *r)
{
	struct probe_run *pr = arg;
	char buf[NETADDR_STRLEN];
	unsigned long long ms = (unsigned long long)(loop_now() - pr->t0);

	loop_stop(pr->l);
	if (r->error) {
		pr->ret = fail("probe", r->error);
		return;
	}
	if (r->answered)
		printf("answered %s %02x:%02x:%02x:%02x:%02x:%02x after %llu ms\n",
		    netaddr_fmt(&r->addr, buf, sizeof(buf)), r->mac[0],
		    r->mac[1], r->mac[2], r->mac[3], r->mac[4], r->mac[5], ms);
	else
		printf("free after %llu ms\n", ms);
	pr->ret = 0;
}

static int
cmd_probe(const char *ifname, char **args, size_t n)
{
	struct netaddr addrs[PROBE_ADDRS_MAX];
	struct probe_run pr = { .ret = 1 };
	struct probe *p;
	int ifindex;

	if (parse_addrs(args, n, addrs) < 0)
		return usage();
	if ((ifindex = ifindex_of(ifname)) == 0)
		return 1;
	if (!(pr.l = loop_new()))
		return fail("loop_new", -errno);
	pr.t0 = loop_now();
	p = probe_start(pr.l, ifindex, addrs, n, 3, 100, on_probe_done, &pr);
	if (!p) {
		loop_free(pr.l);
		return fail("probe_start", -errno);
	}
	loop_run(pr.l);
	loop_free(pr.l);
	return pr.ret;
}

static void
stop_loop(void *arg)
{
	loop_stop(arg);
}

static void
on_sigterm(void *arg, uint32_t events)
{
	(void)events;
	loop_stop(arg);
}

/* SIGTERM ends the loop (through a signalfd), so that the count is still
 * printed when the test stops us. Returns the fd or -1. */
static int
term_fd(struct loop *l, struct loop_io *io)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		return -1;
	if (loop_io_add(l, io, fd, EPOLLIN, on_sigterm, l) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
cmd_refuse(const char *ifname, char **args, size_t n, int seconds,
    const char *mode)
{
	struct netaddr addrs[REFUSE_ADDRS_MAX];
	struct loop_timer stop;
	struct loop_io sig = { 0 };
	struct refuse *r;
	struct loop *l;
	int ifindex, sfd;

	if (n > REFUSE_ADDRS_MAX || parse_addrs(args, n, addrs) < 0 ||
	    seconds < 1)
		return usage();
	if ((ifindex = ifindex_of(ifname)) == 0)
		return 1;
	if (!(l = loop_new()))
		return fail("loop_new", -errno);
	if ((sfd = term_fd(l, &sig)) < 0)
		return fail("signalfd", -errno);
	if (!(r = refuse_start(l, ifindex, addrs, n,
	    strcmp(mode, "refuse-reset") != 0)))
		return fail("refuse_start", -errno);
	refuse_may_forward(r, strcmp(mode, "refuse-forward") == 0);
	loop_timer_init(&stop, stop_loop, l);
	loop_timer_arm(l, &stop, (uint64_t)seconds * 1000);
	printf("%llu ready\n", (unsigned long long)loop_now());
	loop_run(l);
	refuse_drain(r);
	printf("%llu sent %llu\n", (unsigned long long)loop_now(),
	    (unsigned long long)refuse_count(r));
	printf("%llu forwarded %llu\n", (unsigned long long)loop_now(),
	    (unsigned long long)refuse_forwarded(r));
	fflush(stdout);
	refuse_stop(r);
	loop_timer_cancel(l, &stop);
	loop_io_del(l, &sig);
	close(sfd);
	loop_free(l);
	return 0;
}

/* One connect as a client library makes it (non-blocking, then wait):
 * what came back, and how long it took. */
static int
cmd_connect(const char *s, const char *port, int timeout_ms)
{
	struct sockaddr_storage ss;
	struct netaddr a;
	struct pollfd pfd;
	socklen_t sl, el = sizeof(int);
	uint64_t t0;
	int fd, err = 0, r;

	if (netaddr_parse(s, &a) < 0 || atoi(port) < 1 || timeout_ms < 1)
		return usage();
	sl = to_sockaddr(&a, (uint16_t)atoi(port), &ss);
	fd = socket(a.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket", -errno);
	t0 = now_us();
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS)
		err = errno;
	if (!err) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		r = poll(&pfd, 1, timeout_ms);
		if (r == 0)
			err = ETIMEDOUT;
		else if (r < 0 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
			err = errno;
	}
	t0 = now_us() - t0;
	close(fd);
	if (err == 0)
		printf("connected");
	else if (err == ECONNREFUSED)
		printf("refused");
	else if (err == ETIMEDOUT)
		printf("timeout");
	else
		printf("error %s", strerror(err));
	printf(" after %llu.%03llu ms\n", (unsigned long long)(t0 / 1000),
	    (unsigned long long)(t0 % 1000));
	return err ? 1 : 0;
}

/* A hand-made TCP segment from IFNAME's MAC: argv = IFNAME DSTMAC SRC
 * SPORT DST DPORT FLAGS. */
static int
build_segment(char **argv, int *ifindex, struct frame_tcp *t)
{
	const char *f;

	memset(t, 0, sizeof(*t));
	if ((*ifindex = ifindex_of(argv[0])) == 0)
		return 1;
	if (sscanf(argv[1], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &t->dst_mac[0],
	    &t->dst_mac[1], &t->dst_mac[2], &t->dst_mac[3], &t->dst_mac[4],
	    &t->dst_mac[5]) != 6 || netaddr_parse(argv[2], &t->src) < 0 ||
	    netaddr_parse(argv[4], &t->dst) < 0 ||
	    t->src.family != t->dst.family)
		return usage();
	t->sport = (uint16_t)atoi(argv[3]);
	t->dport = (uint16_t)atoi(argv[5]);
	for (f = argv[6]; *f; f++) {
		const char *c = strchr("FSRPA", *f);

		if (!c)
			return usage();
		t->flags |= (uint8_t)(1 << (c - "FSRPA"));
	}
	t->seq = 1000;
	t->ack = (t->flags & FRAME_TCP_ACK) ? 2000 : 0;
	if (garp_get_mac(*ifindex, t->src_mac) < 0)
		return fail("mac", -EOPNOTSUPP);
	return 0;
}

static int
send_segments(int ifindex, struct frame_tcp *t, int count, int gap_us)
{
	uint8_t frame[FRAME_TCP6_LEN];
	int fd, i, n, ret = 0;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket", -errno);
	for (i = 0; i < count && ret == 0; i++) {
		if (i > 0 && gap_us > 0)
			usleep((useconds_t)gap_us);
		n = frame_build_tcp(frame, sizeof(frame), t);
		ret = n < 0 ? n : frame_send(fd, ifindex, frame, (size_t)n);
		t->sport++;
		t->seq += 7919;
	}
	close(fd);
	if (ret < 0)
		return fail("send", ret);
	printf("%llu sent %d\n", (unsigned long long)loop_now(), count);
	return 0;
}

static int
cmd_tcp_send(char **argv)
{
	struct frame_tcp t;
	int ifindex, ret;

	if ((ret = build_segment(argv, &ifindex, &t)) != 0)
		return ret;
	return send_segments(ifindex, &t, 1, 0);
}

/* argv = IFNAME DSTMAC SRC DST DPORT COUNT GAP_US */
static int
cmd_syn_flood(char **argv)
{
	char *seg[7] = { argv[0], argv[1], argv[2], "20000", argv[3],
	    argv[4], "S" };
	struct frame_tcp t;
	int ifindex, ret, count = atoi(argv[5]), gap = atoi(argv[6]);

	if (count < 1 || gap < 0)
		return usage();
	if ((ret = build_segment(seg, &ifindex, &t)) != 0)
		return ret;
	return send_segments(ifindex, &t, count, gap);
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	/* Output goes to log files the test reads while we run. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(cmd, "now") == 0 && argc == 2) {
		printf("%llu\n", (unsigned long long)loop_now());
		return 0;
	}
	if (strcmp(cmd, "stamp") == 0 && argc > 2) {
		printf("%llu\n", (unsigned long long)loop_now());
		fflush(stdout);
		execvp(argv[2], argv + 2);
		return fail(argv[2], -errno);
	}
	if ((strcmp(cmd, "add") == 0 || strcmp(cmd, "del") == 0 ||
	    strcmp(cmd, "present") == 0) && argc == 4)
		return cmd_addr(cmd, argv[2], argv[3]);
	if (strcmp(cmd, "list-local") == 0 && argc == 2)
		return cmd_list_local();
	if (strcmp(cmd, "link") == 0 && argc == 3)
		return cmd_link(argv[2]);
	if (strcmp(cmd, "announce") == 0 && argc == 6)
		return cmd_announce(argv[2], argv[3], atoi(argv[4]),
		    atoi(argv[5]));
	if (strcmp(cmd, "watch") == 0 && (argc == 5 || argc == 6))
		return cmd_watch(argv[2], argv[3], atoi(argv[4]),
		    argc == 6 ? atoi(argv[5]) : 0);
	if (strcmp(cmd, "listen") == 0 && argc == 5)
		return cmd_listen(argv[2], argv[3], atoi(argv[4]));
	if (strcmp(cmd, "probe") == 0 && argc >= 4)
		return cmd_probe(argv[2], argv + 3, (size_t)argc - 3);
	if ((strcmp(cmd, "refuse") == 0 || strcmp(cmd, "refuse-forward") ==
	    0 || strcmp(cmd, "refuse-reset") == 0) && argc >= 5)
		return cmd_refuse(argv[2], argv + 3, (size_t)argc - 4,
		    atoi(argv[argc - 1]), cmd);
	if (strcmp(cmd, "connect") == 0 && argc == 5)
		return cmd_connect(argv[2], argv[3], atoi(argv[4]));
	if (strcmp(cmd, "tcp-send") == 0 && argc == 9)
		return cmd_tcp_send(argv + 2);
	if (strcmp(cmd, "syn-flood") == 0 && argc == 9)
		return cmd_syn_flood(argv + 2);
	return usage();
}
