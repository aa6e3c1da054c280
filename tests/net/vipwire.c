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
 *
 * Timestamps are the same clock as loop_now(), so the test can subtract the
 * `now` taken before an action from the event's stamp.
 * Exit: 0 success, 1 failure (or "absent"), 2 usage.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>

#include "addr.h"
#include "garp.h"
#include "loop.h"
#include "netaddr.h"
#include "nlwatch.h"

#define LIST_MAX	256

static int
usage(void)
{
	fprintf(stderr, "usage: vipwire now | stamp CMD [ARG...]"
	    " | add|del|present IFNAME ADDR[/LEN]"
	    " | list-local | link IFNAME\n"
	    "       | announce IFNAME ADDR COUNT INTERVAL_MS"
	    " | watch IFNAME ADDR|any SECONDS [STALL_MS]"
	    " | listen ADDR PORT SECONDS\n");
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

static int
cmd_list_local(void)
{
	struct netaddr out[LIST_MAX];
	char buf[NETADDR_STRLEN];
	struct addr_ctx *a;
	int i, n;

	if (!(a = addr_open()))
		return fail("addr_open", -errno);
	n = addr_list_local(a, out, LIST_MAX);
	addr_close(a);
	if (n < 0)
		return fail("list-local", n);
	for (i = 0; i < n; i++)
		printf("%s\n", netaddr_fmt(&out[i], buf, sizeof(buf)));
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
	int fd, c, one = 1;

	if (netaddr_parse(s, &hp.addr) < 0 || seconds < 1)
		return usage();
	hp.port = (uint16_t)atoi(port);
	memset(&ss, 0, sizeof(ss));
	if (hp.addr.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(hp.port);
		sin->sin_addr = hp.addr.u.v4;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(hp.port);
		sin6->sin6_addr = hp.addr.u.v6;
	}
	fd = socket(hp.addr.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail("socket", -errno);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sizeof(ss)) < 0 ||
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
	return usage();
}
