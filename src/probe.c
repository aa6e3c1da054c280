/* probe: does anyone else answer for these addresses? (probe.h) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "frame.h"
#include "loop.h"
#include "probe.h"

#define ARP_OP_REQUEST	1
#define ARP_OP_REPLY	2
#define ICMP6_NS	135
#define ICMP6_NA	136
#define ND_MSG_LEN	24	/* type, code, checksum, 4 bytes, target */
#define ND_OPT_TLLA	2	/* RFC 4861 4.6.1: target link-layer address */
/* Frames read per wakeup before yielding to the rest of the loop. */
#define READS_PER_WAKEUP 32

/* Offsets in an Ethernet frame. */
#define OFF_ETH_SRC	6
#define OFF_TYPE	12
#define OFF_ARP_SHA	22
#define OFF_ARP_SPA	28
#define OFF_IP6		FRAME_ETH_HLEN
#define OFF_IP6_NH	(OFF_IP6 + 6)
#define OFF_IP6_HLIM	(OFF_IP6 + 7)
#define OFF_ICMP6	(OFF_IP6 + FRAME_IP6_HLEN)
#define OFF_ND_TARGET	(OFF_ICMP6 + 8)

enum { V4, V6, NFAM };	/* one socket per family in use */

struct probe {
	struct loop *l;
	struct loop_timer tick;
	struct loop_io io[NFAM];
	int fd[NFAM];
	int ifindex;
	uint8_t mac[6];
	struct netaddr *addrs;
	size_t n;
	unsigned int count;
	unsigned int interval_ms;
	unsigned int rounds;		/* rounds sent so far */
	void (*done)(void *arg, const struct probe_result *r);
	void *arg;
	bool in_done;			/* inside done(): free afterwards */
};

static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

int
probe_build_arp(uint8_t *buf, size_t len, const uint8_t mac[6],
    const struct in_addr *addr)
{
	static const uint8_t zero[6];
	uint8_t *p = buf;

	if (len < PROBE_ARP_LEN)
		return -EINVAL;
	p = frame_put_eth(p, bcast_mac, mac, ETHERTYPE_ARP);
	p = frame_put16(p, ARPHRD_ETHER);
	p = frame_put16(p, ETHERTYPE_IP);
	*p++ = 6;
	*p++ = 4;
	p = frame_put16(p, ARP_OP_REQUEST);
	p = frame_put(p, mac, 6);
	/* RFC 5227 2.1.1: sender IP all zeroes, so that no receiver
	 * updates (or creates) a cache entry from a probe. */
	p = frame_put(p, zero, 4);
	p = frame_put(p, zero, 6);
	p = frame_put(p, addr, 4);
	return (int)(p - buf);
}

int
probe_build_ns(uint8_t *buf, size_t len, const uint8_t mac[6],
    const struct in6_addr *addr)
{
	/* RFC 4291 2.7.1: ff02::1:ff00:0/104 plus the low 24 bits; RFC 2464
	 * 7: its MAC is 33:33 plus the group's low 32 bits. */
	uint8_t group[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };
	uint8_t group_mac[6] = { 0x33, 0x33, 0xff };
	uint8_t *p = buf, *ip6, *icmp;

	if (len < PROBE_NS_LEN)
		return -EINVAL;
	memcpy(group + 13, addr->s6_addr + 13, 3);
	memcpy(group_mac + 3, addr->s6_addr + 13, 3);
	memset(buf, 0, PROBE_NS_LEN);
	p = frame_put_eth(p, group_mac, mac, ETHERTYPE_IPV6);

	ip6 = p;
	p = frame_put32(p, 0x60000000);	/* version 6, class 0, flow 0 */
	p = frame_put16(p, ND_MSG_LEN);
	*p++ = IPPROTO_ICMPV6;
	/* RFC 4861 7.1.1: receivers drop an NS whose hop limit is not 255. */
	*p++ = 255;
	p += 16;			/* source :: (RFC 4862 5.4.2) */
	p = frame_put(p, group, 16);

	icmp = p;
	*p++ = ICMP6_NS;
	*p++ = 0;			/* code */
	p += 2;				/* checksum, below */
	p += 4;				/* reserved */
	/* No source link-layer option: RFC 4861 7.1.1 forbids it with the
	 * unspecified source, and Linux drops such a DAD probe. */
	p = frame_put(p, addr, 16);
	frame_put16(icmp + 2, frame_csum_l4(AF_INET6, ip6 + 8, ip6 + 24,
	    IPPROTO_ICMPV6, icmp, ND_MSG_LEN));
	return (int)(p - buf);
}

/* The index of the address of `family` equal to the bytes at a, or -1. */
static int
find(const struct netaddr *addrs, size_t n, int family, const uint8_t *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (addrs[i].family == family &&
		    memcmp(&addrs[i].u, a, netaddr_len(&addrs[i])) == 0)
			return (int)i;
	return -1;
}

static int
parse_arp(const uint8_t *f, size_t len, const uint8_t mac[6],
    const struct netaddr *addrs, size_t n, struct probe_result *r)
{
	uint16_t op;
	int i;

	if (len < PROBE_ARP_LEN || frame_get16(f + 14) != ARPHRD_ETHER ||
	    frame_get16(f + 16) != ETHERTYPE_IP || f[18] != 6 || f[19] != 4)
		return 0;
	op = frame_get16(f + 20);
	if ((op != ARP_OP_REQUEST && op != ARP_OP_REPLY) ||
	    memcmp(f + OFF_ARP_SHA, mac, 6) == 0)
		return 0;
	if ((i = find(addrs, n, AF_INET, f + OFF_ARP_SPA)) < 0)
		return 0;
	r->answered = true;
	r->addr = addrs[i];
	memcpy(r->mac, f + OFF_ARP_SHA, 6);
	return 1;
}

/* The target link-layer option's MAC, if the NA has one within what was
 * captured; else the Ethernet source. */
static void
na_mac(const uint8_t *f, size_t end, uint8_t out[6])
{
	size_t off = OFF_ICMP6 + ND_MSG_LEN, olen;

	memcpy(out, f + OFF_ETH_SRC, 6);
	while (off + 2 <= end) {
		olen = (size_t)f[off + 1] * 8;	/* units of 8 bytes */
		if (olen == 0 || off + olen > end)
			return;
		if (f[off] == ND_OPT_TLLA && olen >= 8) {
			memcpy(out, f + off + 2, 6);
			return;
		}
		off += olen;
	}
}

static int
parse_na(const uint8_t *f, size_t len, const uint8_t mac[6],
    const struct netaddr *addrs, size_t n, struct probe_result *r)
{
	size_t end;
	int i;

	if (len < OFF_ICMP6 + ND_MSG_LEN || f[OFF_IP6] >> 4 != 6 ||
	    f[OFF_IP6_NH] != IPPROTO_ICMPV6 || f[OFF_IP6_HLIM] != 255 ||
	    frame_get16(f + OFF_IP6 + 4) < ND_MSG_LEN ||
	    f[OFF_ICMP6] != ICMP6_NA || f[OFF_ICMP6 + 1] != 0)
		return 0;
	if ((i = find(addrs, n, AF_INET6, f + OFF_ND_TARGET)) < 0)
		return 0;
	end = OFF_ICMP6 + frame_get16(f + OFF_IP6 + 4);
	na_mac(f, end < len ? end : len, r->mac);
	/* An advertisement that puts the address at our own MAC is our
	 * words reflected (as an ARP frame with our sender MAC is), not
	 * somebody else's answer. */
	if (memcmp(r->mac, mac, 6) == 0) {
		memset(r->mac, 0, 6);
		return 0;
	}
	r->answered = true;
	r->addr = addrs[i];
	return 1;
}

int
probe_parse(const uint8_t *frame, size_t len, const uint8_t mac[6],
    const struct netaddr *addrs, size_t n, struct probe_result *r)
{
	if (len < FRAME_ETH_HLEN || memcmp(frame + OFF_ETH_SRC, mac, 6) == 0)
		return 0;
	switch (frame_get16(frame + OFF_TYPE)) {
	case ETHERTYPE_ARP:
		return parse_arp(frame, len, mac, addrs, n, r);
	case ETHERTYPE_IPV6:
		return parse_na(frame, len, mac, addrs, n, r);
	}
	return 0;
}

int
probe_filter(int family, const uint8_t mac[6], const struct netaddr *addrs,
    size_t n, struct sock_filter *prog, size_t max)
{
	struct frame_bpf b;
	int len;

	frame_bpf_init(&b);
	frame_bpf_check(&b, FRAME_LD_PKTTYPE, 0, UINT32_MAX, PACKET_OUTGOING,
	    false);
	frame_bpf_not_from(&b, mac);
	if (family == AF_INET) {
		frame_bpf_check(&b, FRAME_LD_H, OFF_TYPE, UINT32_MAX,
		    ETHERTYPE_ARP, true);
		frame_bpf_check(&b, FRAME_LD_H, 14, UINT32_MAX, ARPHRD_ETHER,
		    true);
		frame_bpf_check(&b, FRAME_LD_H, 16, UINT32_MAX, ETHERTYPE_IP,
		    true);
		frame_bpf_check(&b, FRAME_LD_H, 18, UINT32_MAX, 0x0604, true);
		len = frame_bpf_accept_addrs(&b, OFF_ARP_SPA, addrs, n,
		    AF_INET);
	} else {
		frame_bpf_check(&b, FRAME_LD_H, OFF_TYPE, UINT32_MAX,
		    ETHERTYPE_IPV6, true);
		frame_bpf_check(&b, FRAME_LD_B, OFF_IP6_NH, UINT32_MAX,
		    IPPROTO_ICMPV6, true);
		frame_bpf_check(&b, FRAME_LD_B, OFF_IP6_HLIM, UINT32_MAX, 255,
		    true);
		frame_bpf_check(&b, FRAME_LD_B, OFF_ICMP6, UINT32_MAX,
		    ICMP6_NA, true);
		len = frame_bpf_accept_addrs(&b, OFF_ND_TARGET, addrs, n,
		    AF_INET6);
	}
	if (len < 0 || (size_t)len > max)
		return -E2BIG;
	memcpy(prog, b.ins, (size_t)len * sizeof(*prog));
	return len;
}

/* --- running a probe ------------------------------------------------------ */

static void
teardown(struct probe *p)
{
	int i;

	loop_timer_cancel(p->l, &p->tick);
	for (i = 0; i < NFAM; i++) {
		loop_io_del(p->l, &p->io[i]);
		frame_close(p->fd[i]);
		p->fd[i] = -1;
	}
}

/*
 * The result first, the sockets after: closing an AF_PACKET socket waits
 * for an RCU grace period in the kernel (packet_release() calls
 * synchronize_net()), measured at 9-24 ms per socket on a busy 2-core
 * machine, and the caller should not wait that long to act on an answer.
 * (In vipd frame_close() hands the close to a thread; the order still
 * matters where nobody started one.)
 */
static void
finish(struct probe *p, const struct probe_result *r)
{
	loop_timer_cancel(p->l, &p->tick);
	p->in_done = true;
	p->done(p->arg, r);
	teardown(p);
	free(p->addrs);
	free(p);
}

static void
fail(struct probe *p, int err)
{
	struct probe_result r;

	memset(&r, 0, sizeof(r));
	r.error = err;
	finish(p, &r);
}

static void
on_readable(void *arg, uint32_t events)
{
	struct probe *p = arg;
	struct probe_result r;
	uint8_t buf[FRAME_SNAPLEN];
	int i, pkttype, fam;
	ssize_t len;

	(void)events;
	/* Both sockets share this callback; reading the quiet one costs
	 * one EAGAIN. */
	for (fam = 0; fam < NFAM; fam++) {
		if (p->fd[fam] < 0)
			continue;
		for (i = 0; i < READS_PER_WAKEUP; i++) {
			len = frame_recv(p->fd[fam], buf, sizeof(buf),
			    &pkttype);
			if (len == 0)
				break;
			if (len < 0) {
				fail(p, (int)len);
				return;
			}
			memset(&r, 0, sizeof(r));
			if (pkttype != PACKET_OUTGOING &&
			    probe_parse(buf, (size_t)len, p->mac, p->addrs,
			    p->n, &r)) {
				finish(p, &r);
				return;
			}
		}
	}
}

static int
open_family(struct probe *p, int fam)
{
	struct sock_filter prog[FRAME_BPF_MAX];
	int family = fam == V4 ? AF_INET : AF_INET6;
	int len, fd, ret;

	len = probe_filter(family, p->mac, p->addrs, p->n, prog,
	    FRAME_BPF_MAX);
	if (len < 0)
		return len;
	fd = frame_socket(p->ifindex, fam == V4 ? ETHERTYPE_ARP :
	    ETHERTYPE_IPV6, prog, (unsigned int)len);
	if (fd < 0)
		return fd;
	p->fd[fam] = fd;
	ret = loop_io_add(p->l, &p->io[fam], fd, EPOLLIN, on_readable, p);
	return ret;
}

/* The sockets for the families in use, opened at the first tick. */
static int
open_sockets(struct probe *p)
{
	bool want[NFAM] = { false, false };
	size_t i;
	int fam, ret;

	ret = frame_get_mac(p->ifindex, p->mac);
	if (ret < 0)
		return ret;
	for (i = 0; i < p->n; i++)
		want[p->addrs[i].family == AF_INET ? V4 : V6] = true;
	for (fam = 0; fam < NFAM; fam++)
		if (want[fam] && (ret = open_family(p, fam)) < 0)
			return ret;
	return 0;
}

static int
send_round(struct probe *p)
{
	uint8_t frame[PROBE_NS_LEN];
	int len, ret, fam;
	size_t i;

	for (i = 0; i < p->n; i++) {
		if (p->addrs[i].family == AF_INET) {
			len = probe_build_arp(frame, sizeof(frame), p->mac,
			    &p->addrs[i].u.v4);
			fam = V4;
		} else {
			len = probe_build_ns(frame, sizeof(frame), p->mac,
			    &p->addrs[i].u.v6);
			fam = V6;
		}
		ret = frame_send(p->fd[fam], p->ifindex, frame, (size_t)len);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static void
on_tick(void *arg)
{
	struct probe *p = arg;
	struct probe_result r;
	int ret;

	if (p->rounds == p->count) {
		memset(&r, 0, sizeof(r));
		finish(p, &r);
		return;
	}
	if (p->rounds == 0 && (ret = open_sockets(p)) < 0) {
		fail(p, ret);
		return;
	}
	if ((ret = send_round(p)) < 0) {
		fail(p, ret);
		return;
	}
	p->rounds++;
	loop_timer_arm(p->l, &p->tick, p->interval_ms);
}

struct probe *
probe_start(struct loop *l, int ifindex, const struct netaddr *addrs,
    size_t n, unsigned int count, unsigned int interval_ms,
    void (*done)(void *arg, const struct probe_result *r), void *arg)
{
	struct probe *p;
	size_t i;
	int fam;

	if (!l || !addrs || n == 0 || n > PROBE_ADDRS_MAX || count == 0 ||
	    interval_ms == 0 || !done || ifindex <= 0)
		goto inval;
	for (i = 0; i < n; i++)
		if (addrs[i].family != AF_INET && addrs[i].family != AF_INET6)
			goto inval;
	p = calloc(1, sizeof(*p));
	if (!p || !(p->addrs = calloc(n, sizeof(*addrs)))) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	memcpy(p->addrs, addrs, n * sizeof(*addrs));
	p->l = l;
	p->ifindex = ifindex;
	p->n = n;
	p->count = count;
	p->interval_ms = interval_ms;
	p->done = done;
	p->arg = arg;
	for (fam = 0; fam < NFAM; fam++)
		p->fd[fam] = -1;
	/* The first round goes out from the loop too, so every outcome,
	 * a failure to open the sockets included, reaches `done` the same
	 * way. */
	loop_timer_init(&p->tick, on_tick, p);
	loop_timer_arm(l, &p->tick, 0);
	return p;
inval:
	errno = EINVAL;
	return NULL;
}

void
probe_cancel(struct probe *p)
{
	if (!p || p->in_done)
		return;
	teardown(p);
	free(p->addrs);
	free(p);
}
