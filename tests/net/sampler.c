/*
 * sampler: who holds the VIP, sampled every few milliseconds across several
 * network namespaces. The split-brain oracle of the cluster test.
 *
 *   sampler [-i interval_ms] [-l logfile] ADDRESS LABEL=NETNS [LABEL=NETNS ...]
 *
 * NETNS is a name under /run/netns (as `ip netns` makes them) or a path.
 * One rtnetlink socket is opened per namespace at start-up (setns into it,
 * socket(), setns back), then every interval (default 10 ms) each socket gets
 * an RTM_GETADDR dump and the labels of the namespaces where ADDRESS is
 * configured are printed:
 *
 *   <ms> <label>[,<label>...]     or  <ms> -   (nobody holds it)
 *
 * one line per sample, <ms> on CLOCK_MONOTONIC (same clock as `writer -N`).
 * On SIGTERM/SIGINT it prints
 *
 *   end <ms> samples=<n> max_interval_ms=<m> over_<i>ms=<k> multi=<d>
 *
 * (max time between two sample starts, how many intervals exceeded the
 * requested one, how many samples had more than one holder) to the log and
 * to stdout. A bash loop around `ip -n` took 18 ms per round for three idle
 * namespaces on the 2-core test box, too close to the 20 ms the test needs.
 *
 * Route mode (tests/net/routed.sh): where one router sends ADDRESS.
 *
 *   sampler -r NETNS [-i interval_ms] [-l logfile] ADDRESS LABEL=GATEWAY ...
 *
 * Every interval an RTM_GETROUTE dump of NETNS's main table; the nexthops
 * of the unicast route for exactly ADDRESS (/32 or /128), single
 * (RTA_GATEWAY) or multipath (RTA_MULTIPATH), are printed by the label of
 * their gateway, in the order of the arguments, in the same line format
 * ("-": no route). A gateway without a label is printed as its address, a
 * nexthop without a gateway as "dev<ifindex>". Routes that use nexthop
 * objects carry the expanded nexthops too as long as the namespace's
 * net.ipv4.nexthop_compat_mode is 1 (the default); without them the
 * sampler stops with an error rather than miss a second path. "multi"
 * then counts samples with more than one path.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_NS 16

struct target {
	const char *label;
	int fd;			/* address mode */
	unsigned char gw[16];	/* route mode */
};

#define MAX_PATHS 16

struct path {
	unsigned char gw[16];
	bool has_gw;
	int ifindex;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int64_t ts_ms(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

/* A NETLINK_ROUTE socket living in namespace `ns`; -1 with a message. */
static int open_in_ns(const char *ns)
{
	char path[256];
	int self, target, fd = -1;

	if (strchr(ns, '/'))
		snprintf(path, sizeof(path), "%s", ns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || target < 0) {
		fprintf(stderr, "sampler: %s: %s\n", self < 0 ? "/proc/self/ns/net" : path,
			strerror(errno));
		goto out;
	}
	if (setns(target, CLONE_NEWNET) < 0) {
		fprintf(stderr, "sampler: setns %s: %s\n", path, strerror(errno));
		goto out;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		fprintf(stderr, "sampler: socket in %s: %s\n", path, strerror(errno));
	if (setns(self, CLONE_NEWNET) < 0) {
		/* we must not go on sampling from the wrong place */
		fprintf(stderr, "sampler: setns back: %s\n", strerror(errno));
		exit(1);
	}
out:
	if (self >= 0)
		close(self);
	if (target >= 0)
		close(target);
	return fd;
}

/* 1 if the namespace behind fd has `addr` on any interface, 0 if not, -1 on error. */
static int holds(int fd, int family, const void *addr, size_t alen, uint32_t seq)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
	} req = {
		.nh = {
			.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)),
			.nlmsg_type = RTM_GETADDR,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = seq,
		},
		.ifa = { .ifa_family = family },
	};
	static char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int found = 0;

	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -1;
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)len);
		     nh = NLMSG_NEXT(nh, len)) {
			struct ifaddrmsg *ifa;
			struct rtattr *rta;
			int rlen;

			if (nh->nlmsg_seq != seq)
				continue;	/* left over from an interrupted dump */
			if (nh->nlmsg_type == NLMSG_DONE)
				return found;
			if (nh->nlmsg_type == NLMSG_ERROR)
				return -1;
			if (nh->nlmsg_type != RTM_NEWADDR)
				continue;
			ifa = NLMSG_DATA(nh);
			if (ifa->ifa_family != family)
				continue;
			rlen = IFA_PAYLOAD(nh);
			for (rta = IFA_RTA(ifa); RTA_OK(rta, rlen); rta = RTA_NEXT(rta, rlen))
				if ((rta->rta_type == IFA_LOCAL || rta->rta_type == IFA_ADDRESS) &&
				    RTA_PAYLOAD(rta) == alen && memcmp(RTA_DATA(rta), addr, alen) == 0)
					found = 1;
		}
	}
}

/* Append the nexthops of one rtnexthop list (RTA_MULTIPATH) to p. */
static int multipath(struct rtattr *mp, size_t alen, struct path *p, int n)
{
	struct rtnexthop *nh = RTA_DATA(mp);
	int len = (int)RTA_PAYLOAD(mp);

	while (len >= (int)sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) &&
	       nh->rtnh_len <= len && n < MAX_PATHS) {
		struct rtattr *a = RTNH_DATA(nh);
		int alen_left = nh->rtnh_len - (int)sizeof(*nh);

		memset(&p[n], 0, sizeof(p[n]));
		p[n].ifindex = nh->rtnh_ifindex;
		for (; RTA_OK(a, alen_left); a = RTA_NEXT(a, alen_left))
			if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) == alen) {
				memcpy(p[n].gw, RTA_DATA(a), alen);
				p[n].has_gw = true;
			}
		n++;
		len -= RTNH_ALIGN(nh->rtnh_len);
		nh = RTNH_NEXT(nh);
	}
	return n;
}

/* The paths of one RTM_NEWROUTE if it is the main table's unicast route for
 * exactly addr: appended to p, the new count returned; -1 for a route that
 * names only a nexthop object (compat mode off). */
static int route_msg(struct nlmsghdr *nh, int family, const void *addr, size_t alen,
		     struct path *p, int n)
{
	struct rtmsg *rtm = NLMSG_DATA(nh);
	struct rtattr *rta, *mp = NULL;
	int rlen = RTM_PAYLOAD(nh), table = rtm->rtm_table, oif = 0;
	bool dst = false, gw = false, nhid = false;
	unsigned char gwa[16];

	if (rtm->rtm_family != family || rtm->rtm_dst_len != alen * 8 ||
	    rtm->rtm_type != RTN_UNICAST)
		return n;
	for (rta = RTM_RTA(rtm); RTA_OK(rta, rlen); rta = RTA_NEXT(rta, rlen)) {
		switch (rta->rta_type) {
		case RTA_DST:
			dst = RTA_PAYLOAD(rta) == alen && memcmp(RTA_DATA(rta), addr, alen) == 0;
			break;
		case RTA_TABLE:
			table = (int)*(uint32_t *)RTA_DATA(rta);
			break;
		case RTA_GATEWAY:
			if (RTA_PAYLOAD(rta) == alen) {
				memcpy(gwa, RTA_DATA(rta), alen);
				gw = true;
			}
			break;
		case RTA_OIF:
			oif = *(int *)RTA_DATA(rta);
			break;
		case RTA_MULTIPATH:
			mp = rta;
			break;
		case RTA_NH_ID:
			nhid = true;
			break;
		}
	}
	if (!dst || table != RT_TABLE_MAIN)
		return n;
	if (mp)
		return multipath(mp, alen, p, n);
	if (!gw && !oif && nhid)
		return -1;
	if (n < MAX_PATHS) {
		memset(&p[n], 0, sizeof(p[n]));
		p[n].ifindex = oif;
		if (gw) {
			memcpy(p[n].gw, gwa, alen);
			p[n].has_gw = true;
		}
		n++;
	}
	return n;
}

/* The paths of the route for addr in the namespace behind fd; -1 on error. */
static int routes(int fd, int family, const void *addr, size_t alen, uint32_t seq,
		  struct path *p)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rtm;
	} req = {
		.nh = {
			.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
			.nlmsg_type = RTM_GETROUTE,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = seq,
		},
		.rtm = { .rtm_family = family },
	};
	static char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int n = 0, bad = 0;

	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -1;
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)len);
		     nh = NLMSG_NEXT(nh, len)) {
			int r;

			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE) {
				if (bad)
					errno = EPROTO;
				return bad ? -1 : n;
			}
			if (nh->nlmsg_type == NLMSG_ERROR)
				return -1;
			if (nh->nlmsg_type != RTM_NEWROUTE)
				continue;
			r = route_msg(nh, family, addr, alen, p, n);
			if (r < 0)
				bad = 1;
			else
				n = r;
		}
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sampler [-i interval_ms] [-l logfile] ADDRESS LABEL=NETNS [LABEL=NETNS ...]\n"
		   "       sampler -r NETNS [-i interval_ms] [-l logfile] ADDRESS LABEL=GATEWAY ...\n");
}

/* Append "<sep><text>" to line; returns the new offset. */
static size_t put(char *line, size_t size, size_t off, int k, const char *text)
{
	if (off < size)
		off += (size_t)snprintf(line + off, size - off, "%s%s", k ? "," : "", text);
	return off;
}

/* Address mode: the labels of the namespaces holding addr. Holders or -1. */
static int sample_addr(struct target *t, int n, int family, const void *addr, size_t alen,
		       uint32_t *seq, char *line, size_t size, size_t *off)
{
	int i, holders = 0;

	for (i = 0; i < n; i++) {
		int h = holds(t[i].fd, family, addr, alen, (*seq)++);

		if (h < 0) {
			fprintf(stderr, "sampler: dump for %s: %s\n", t[i].label,
				strerror(errno));
			return -1;
		}
		if (h)
			*off = put(line, size, *off, holders++, t[i].label);
	}
	return holders;
}

/* Route mode: the router's paths for addr, by gateway label. Paths or -1. */
static int sample_route(int fd, struct target *t, int n, int family, const void *addr,
			size_t alen, uint32_t *seq, char *line, size_t size, size_t *off)
{
	struct path p[MAX_PATHS];
	bool shown[MAX_PATHS] = { false };
	char text[INET6_ADDRSTRLEN + 8];
	int np, i, j, k = 0;

	np = routes(fd, family, addr, alen, (*seq)++, p);
	if (np < 0) {
		fprintf(stderr, "sampler: route dump: %s%s\n", strerror(errno),
			errno == EPROTO ? " (a route names only a nexthop object: "
			"set net.ipv4.nexthop_compat_mode=1 in the router's namespace)" : "");
		return -1;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < np; j++)
			if (!shown[j] && p[j].has_gw && memcmp(p[j].gw, t[i].gw, alen) == 0) {
				*off = put(line, size, *off, k++, t[i].label);
				shown[j] = true;
			}
	for (j = 0; j < np; j++) {
		if (shown[j])
			continue;
		if (p[j].has_gw)
			inet_ntop(family, p[j].gw, text, sizeof(text));
		else
			snprintf(text, sizeof(text), "dev%d", p[j].ifindex);
		*off = put(line, size, *off, k++, text);
	}
	return np;
}

int main(int argc, char **argv)
{
	struct target t[MAX_NS];
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned char addr[16];
	int family, n = 0, i, opt;
	long interval = 10;
	size_t alen;
	FILE *log = stdout;
	struct timespec next, now;
	int64_t prev = 0, max_interval = 0;
	uint64_t samples = 0, over = 0, multi = 0;
	uint32_t seq = 1;
	const char *router = NULL;
	int route_fd = -1;

	while ((opt = getopt(argc, argv, "hi:l:r:")) != -1) {
		switch (opt) {
		case 'i': interval = atol(optarg); break;
		case 'r': router = optarg; break;
		case 'l':
			if (!(log = fopen(optarg, "w"))) {
				fprintf(stderr, "sampler: %s: %s\n", optarg, strerror(errno));
				return 1;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (argc - optind < 2 || interval <= 0) {
		usage(stderr);
		return 1;
	}
	if (inet_pton(AF_INET, argv[optind], addr) == 1) {
		family = AF_INET;
		alen = 4;
	} else if (inet_pton(AF_INET6, argv[optind], addr) == 1) {
		family = AF_INET6;
		alen = 16;
	} else {
		fprintf(stderr, "sampler: %s: not an IP address\n", argv[optind]);
		return 1;
	}
	for (i = optind + 1; i < argc && n < MAX_NS; i++, n++) {
		char *eq = strchr(argv[i], '=');

		if (!eq) {
			usage(stderr);
			return 1;
		}
		*eq = '\0';
		t[n].label = argv[i];
		t[n].fd = -1;
		if (router) {
			if (inet_pton(family, eq + 1, t[n].gw) != 1) {
				fprintf(stderr, "sampler: %s: not an address of the same family\n",
					eq + 1);
				return 1;
			}
		} else if ((t[n].fd = open_in_ns(eq + 1)) < 0) {
			return 1;
		}
	}
	if (router && (route_fd = open_in_ns(router)) < 0)
		return 1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop_requested) {
		char line[256];
		size_t off;
		int64_t ms;
		int holders = 0;

		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = ts_ms(&now);
		if (prev) {
			if (ms - prev > max_interval)
				max_interval = ms - prev;
			if (ms - prev > interval)
				over++;
		}
		prev = ms;
		off = (size_t)snprintf(line, sizeof(line), "%lld ", (long long)ms);
		if (router)
			holders = sample_route(route_fd, t, n, family, addr, alen, &seq,
					       line, sizeof(line), &off);
		else
			holders = sample_addr(t, n, family, addr, alen, &seq, line,
					      sizeof(line), &off);
		if (holders < 0)
			return 1;
		if (!holders)
			snprintf(line + off, sizeof(line) - off, "-");
		fprintf(log, "%s\n", line);
		fflush(log);
		samples++;
		if (holders > 1)
			multi++;

		next.tv_nsec += interval * 1000000L;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ts_ms(&next) < ts_ms(&now))
			next = now;	/* fell behind: no burst to catch up */
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (i = 0; i < 2; i++) {
		FILE *f = i ? stdout : log;

		if (i && log == stdout)
			break;
		fprintf(f, "end %lld samples=%llu max_interval_ms=%lld over_%ldms=%llu multi=%llu\n",
			(long long)ts_ms(&now), (unsigned long long)samples,
			(long long)max_interval, interval, (unsigned long long)over,
			(unsigned long long)multi);
		fflush(f);
	}
	return 0;
}
