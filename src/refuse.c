/* refuse: reset the SYNs that still reach us for a released address
 * (refuse.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/ethernet.h>
#include <netpacket/packet.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "log.h"
#include "loop.h"
#include "refuse.h"

/* Frames read per wakeup before yielding to the rest of the loop. */
#define READS_PER_WAKEUP 64
#define US_PER_SEC	1000000ULL
/* SYN must be set; ACK, RST and FIN clear. */
#define FLAGS_MASK	(FRAME_TCP_SYN | FRAME_TCP_ACK | FRAME_TCP_RST | \
			 FRAME_TCP_FIN)

#define OFF_TYPE	12
#define OFF_IP		FRAME_ETH_HLEN
#define OFF_IP4_DST	(OFF_IP + 16)
#define OFF_IP6_DST	(OFF_IP + 24)
#define OFF_TCP6	(OFF_IP + FRAME_IP6_HLEN)

enum { V4, V6, NFAM };

struct refuse {
	struct loop *l;
	int ifindex;
	int fd[NFAM];
	struct loop_io io[NFAM];
	struct netaddr *addrs;
	size_t n;
	uint64_t count;
	/* The rate limit: when the last REFUSE_MAX_PER_SEC resets went out
	 * (µs, monotonic), a ring; `next` is the oldest once it is full. */
	uint64_t sent_us[REFUSE_MAX_PER_SEC];
	unsigned int next;
	unsigned int used;
	struct loop_timer resume;
	bool paused;
};

static bool
is_addr(const struct netaddr *addrs, size_t n, int family, const uint8_t *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (addrs[i].family == family &&
		    memcmp(&addrs[i].u, a, netaddr_len(&addrs[i])) == 0)
			return true;
	return false;
}

/* Sources a reset must never go to (RFC 1122 4.2.3.10: not to a
 * broadcast or multicast address; and nothing that is not a host). */
static bool
bad_src4(const uint8_t *a)
{
	return a[0] == 0 || a[0] == 127 || a[0] >= 224;
}

static bool
bad_src6(const uint8_t *a)
{
	static const uint8_t zero[15];

	return a[0] == 0xff ||
	    (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1));
}

/* The TCP header at `tcp`: a bare SYN. Fills the TCP fields of syn. */
static int
tcp_syn(const uint8_t *tcp, struct frame_tcp *syn)
{
	if ((tcp[13] & FLAGS_MASK) != FRAME_TCP_SYN ||
	    (tcp[12] >> 4) < FRAME_TCP_HLEN / 4)
		return 0;
	syn->sport = frame_get16(tcp);
	syn->dport = frame_get16(tcp + 2);
	syn->seq = frame_get32(tcp + 4);
	syn->ack = frame_get32(tcp + 8);
	syn->flags = tcp[13];
	return 1;
}

/* A SYN from src to dst (addresses of `family` in the IP header) is one
 * to answer when it goes to one of ours and comes from a host that is
 * neither ours nor one a reset must not go to; then its TCP header. */
static int
syn_from_to(int family, const uint8_t *src, const uint8_t *dst,
    const uint8_t *tcp, const struct netaddr *addrs, size_t n,
    struct frame_tcp *syn)
{
	if (!is_addr(addrs, n, family, dst) || is_addr(addrs, n, family, src) ||
	    (family == AF_INET ? bad_src4(src) : bad_src6(src)))
		return 0;
	syn->src.family = syn->dst.family = family;
	memcpy(&syn->src.u, src, netaddr_len(&syn->src));
	memcpy(&syn->dst.u, dst, netaddr_len(&syn->dst));
	return tcp_syn(tcp, syn);
}

static int
parse4(const uint8_t *f, size_t len, const struct netaddr *addrs, size_t n,
    struct frame_tcp *syn)
{
	const uint8_t *ip = f + OFF_IP;
	size_t ihl;

	if (len < OFF_IP + FRAME_IP4_HLEN || ip[0] >> 4 != 4)
		return 0;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < FRAME_IP4_HLEN || len < OFF_IP + ihl + FRAME_TCP_HLEN ||
	    frame_get16(ip + 2) < ihl + FRAME_TCP_HLEN ||
	    (frame_get16(ip + 6) & 0x3fff) != 0 || ip[9] != IPPROTO_TCP ||
	    frame_csum_fold(frame_csum_add(0, ip, ihl)) != 0)
		return 0;
	return syn_from_to(AF_INET, ip + 12, ip + 16, ip + ihl, addrs, n, syn);
}

static int
parse6(const uint8_t *f, size_t len, const struct netaddr *addrs, size_t n,
    struct frame_tcp *syn)
{
	const uint8_t *ip = f + OFF_IP;

	/* Only TCP right after the fixed header: a SYN has no reason to
	 * carry extension headers, and walking them is not worth it here. */
	if (len < OFF_TCP6 + FRAME_TCP_HLEN || ip[0] >> 4 != 6 ||
	    ip[6] != IPPROTO_TCP || frame_get16(ip + 4) < FRAME_TCP_HLEN)
		return 0;
	return syn_from_to(AF_INET6, ip + 8, ip + 24, ip + FRAME_IP6_HLEN,
	    addrs, n, syn);
}

int
refuse_parse_syn(const uint8_t *frame, size_t len,
    const struct netaddr *addrs, size_t n, struct frame_tcp *syn)
{
	memset(syn, 0, sizeof(*syn));
	/* A group source MAC is no station to answer. */
	if (len < FRAME_ETH_HLEN || (frame[6] & 1))
		return 0;
	memcpy(syn->dst_mac, frame, 6);
	memcpy(syn->src_mac, frame + 6, 6);
	switch (frame_get16(frame + OFF_TYPE)) {
	case ETHERTYPE_IP:
		return parse4(frame, len, addrs, n, syn);
	case ETHERTYPE_IPV6:
		return parse6(frame, len, addrs, n, syn);
	}
	return 0;
}

int
refuse_build_rst(uint8_t *buf, size_t len, const struct frame_tcp *syn)
{
	struct frame_tcp rst;

	memset(&rst, 0, sizeof(rst));
	/* From the MAC the client addressed (ours: the frame was
	 * PACKET_HOST), to the MAC it came from. */
	memcpy(rst.dst_mac, syn->src_mac, 6);
	memcpy(rst.src_mac, syn->dst_mac, 6);
	rst.src = syn->dst;
	rst.dst = syn->src;
	rst.sport = syn->dport;
	rst.dport = syn->sport;
	/*
	 * RFC 9293 3.10.7.1 (segment to a closed port, ACK clear): seq 0,
	 * ack = SEG.SEQ + SEG.LEN, RST|ACK. A SYN with data (TCP Fast Open)
	 * has a longer SEG.LEN, but in SYN-SENT a reset is accepted when its
	 * ack acknowledges the SYN at all (SND.UNA < SEG.ACK =< SND.NXT,
	 * 3.10.7.3), so seq + 1 is right for every SYN.
	 */
	rst.seq = 0;
	rst.ack = syn->seq + 1;
	rst.flags = FRAME_TCP_RST | FRAME_TCP_ACK;
	return frame_build_tcp(buf, len, &rst);
}

int
refuse_filter(int family, const struct netaddr *addrs, size_t n,
    struct sock_filter *prog, size_t max)
{
	struct frame_bpf b;
	int len;

	frame_bpf_init(&b);
	frame_bpf_check(&b, FRAME_LD_PKTTYPE, 0, UINT32_MAX, PACKET_HOST, true);
	if (family == AF_INET) {
		frame_bpf_check(&b, FRAME_LD_H, OFF_TYPE, UINT32_MAX,
		    ETHERTYPE_IP, true);
		frame_bpf_check(&b, FRAME_LD_B, OFF_IP + 9, UINT32_MAX,
		    IPPROTO_TCP, true);
		frame_bpf_not_fragment(&b);
		frame_bpf_check(&b, FRAME_LD_IP4_B, OFF_IP + 13, FLAGS_MASK,
		    FRAME_TCP_SYN, true);
		len = frame_bpf_accept_addrs(&b, OFF_IP4_DST, addrs, n,
		    AF_INET);
	} else {
		frame_bpf_check(&b, FRAME_LD_H, OFF_TYPE, UINT32_MAX,
		    ETHERTYPE_IPV6, true);
		frame_bpf_check(&b, FRAME_LD_B, OFF_IP + 6, UINT32_MAX,
		    IPPROTO_TCP, true);
		frame_bpf_check(&b, FRAME_LD_B, OFF_TCP6 + 13, FLAGS_MASK,
		    FRAME_TCP_SYN, true);
		len = frame_bpf_accept_addrs(&b, OFF_IP6_DST, addrs, n,
		    AF_INET6);
	}
	if (len < 0 || (size_t)len > max)
		return -E2BIG;
	memcpy(prog, b.ins, (size_t)len * sizeof(*prog));
	return len;
}

/* --- running -------------------------------------------------------------- */

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * US_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

static void on_readable(void *arg, uint32_t events);

static int
watch(struct refuse *r)
{
	int fam, ret;

	for (fam = 0; fam < NFAM; fam++) {
		if (r->fd[fam] < 0)
			continue;
		ret = loop_io_add(r->l, &r->io[fam], r->fd[fam], EPOLLIN,
		    on_readable, r);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static void
unwatch(struct refuse *r)
{
	int fam;

	for (fam = 0; fam < NFAM; fam++)
		loop_io_del(r->l, &r->io[fam]);
}

static void
on_resume(void *arg)
{
	struct refuse *r = arg;
	int ret;

	r->paused = false;
	if ((ret = watch(r)) < 0)
		log_warn("refuse: cannot watch the socket again: %s",
		    strerror(-ret));
}

/*
 * May one more reset go out now? If not, stop reading until the oldest of
 * the last REFUSE_MAX_PER_SEC is a second old: the kernel then drops what
 * does not fit in the socket's buffer, which is cheaper than reading it.
 */
static bool
allowed(struct refuse *r, uint64_t now)
{
	uint64_t oldest, wait_ms;

	if (r->used < REFUSE_MAX_PER_SEC)
		return true;
	oldest = r->sent_us[r->next];
	if (now - oldest >= US_PER_SEC)
		return true;
	wait_ms = (oldest + US_PER_SEC - now + 999) / 1000;
	unwatch(r);
	r->paused = true;
	loop_timer_arm(r->l, &r->resume, wait_ms);
	return false;
}

static void
answer(struct refuse *r, int fd, const uint8_t *frame, size_t len)
{
	uint8_t rst[FRAME_TCP6_LEN];
	struct frame_tcp syn;
	uint64_t now = now_us();
	int n, ret;

	if (!refuse_parse_syn(frame, len, r->addrs, r->n, &syn))
		return;
	n = refuse_build_rst(rst, sizeof(rst), &syn);
	if (n < 0)
		return;
	/* The slot is taken whether or not the send works: the limit is on
	 * attempts. */
	r->sent_us[r->next] = now;
	r->next = (r->next + 1) % REFUSE_MAX_PER_SEC;
	if (r->used < REFUSE_MAX_PER_SEC)
		r->used++;
	ret = frame_send(fd, r->ifindex, rst, (size_t)n);
	if (ret < 0) {
		log_debug("refuse: send: %s", strerror(-ret));
		return;
	}
	r->count++;
}

static void
on_readable(void *arg, uint32_t events)
{
	struct refuse *r = arg;
	uint8_t buf[FRAME_SNAPLEN];
	int fam, i, pkttype;
	ssize_t len;

	(void)events;
	for (fam = 0; fam < NFAM; fam++) {
		if (r->fd[fam] < 0)
			continue;
		for (i = 0; i < READS_PER_WAKEUP; i++) {
			if (!allowed(r, now_us()))
				return;
			len = frame_recv(r->fd[fam], buf, sizeof(buf),
			    &pkttype);
			if (len == 0)
				break;
			if (len < 0) {
				/* ENETDOWN: the binding stays, frames flow
				 * again when the link is back. */
				log_debug("refuse: receive: %s",
				    strerror((int)-len));
				break;
			}
			if (pkttype == PACKET_HOST)
				answer(r, r->fd[fam], buf, (size_t)len);
		}
	}
}

static int
open_family(struct refuse *r, int fam)
{
	struct sock_filter prog[FRAME_BPF_MAX];
	int family = fam == V4 ? AF_INET : AF_INET6;
	int len, fd;

	len = refuse_filter(family, r->addrs, r->n, prog, FRAME_BPF_MAX);
	if (len < 0)
		return len;
	fd = frame_socket(r->ifindex, fam == V4 ? ETHERTYPE_IP :
	    ETHERTYPE_IPV6, prog, (unsigned int)len);
	if (fd < 0)
		return fd;
	r->fd[fam] = fd;
	return 0;
}

struct refuse *
refuse_start(struct loop *l, int ifindex, const struct netaddr *addrs,
    size_t n)
{
	struct refuse *r = NULL;
	bool want[NFAM] = { false, false };
	uint8_t mac[6];
	size_t i;
	int fam, ret = -EINVAL;

	if (!l || !addrs || n == 0 || n > REFUSE_ADDRS_MAX || ifindex <= 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (addrs[i].family != AF_INET && addrs[i].family != AF_INET6)
			goto out;
		want[addrs[i].family == AF_INET ? V4 : V6] = true;
	}
	/* Resets carry an Ethernet header: nothing else will do. */
	if ((ret = frame_get_mac(ifindex, mac)) < 0)
		goto out;
	ret = -ENOMEM;
	if (!(r = calloc(1, sizeof(*r))))
		goto out;
	r->l = l;
	r->ifindex = ifindex;
	for (fam = 0; fam < NFAM; fam++)
		r->fd[fam] = -1;
	loop_timer_init(&r->resume, on_resume, r);
	if (!(r->addrs = calloc(n, sizeof(*addrs))))
		goto out;
	memcpy(r->addrs, addrs, n * sizeof(*addrs));
	r->n = n;
	for (fam = 0; fam < NFAM; fam++)
		if (want[fam] && (ret = open_family(r, fam)) < 0)
			goto out;
	if ((ret = watch(r)) < 0)
		goto out;
	return r;
out:
	refuse_stop(r);
	errno = -ret;
	return NULL;
}

void
refuse_stop(struct refuse *r)
{
	int fam;

	if (!r)
		return;
	unwatch(r);
	loop_timer_cancel(r->l, &r->resume);
	for (fam = 0; fam < NFAM; fam++)
		if (r->fd[fam] >= 0)
			close(r->fd[fam]);
	free(r->addrs);
	free(r);
}

uint64_t
refuse_count(const struct refuse *r)
{
	return r ? r->count : 0;
}
