/* refuse: reset the SYNs that still reach us for a released address
 * (refuse.h). */
#include <errno.h>
#include <inttypes.h>
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
#include "probe.h"
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

/* One SYN waiting for the new holder's announcement: the whole frame as
 * received, and what refuse_parse_syn() read from it. */
struct held {
	uint8_t frame[FRAME_SNAPLEN];
	size_t len;
	int fam;
	struct frame_tcp syn;
};

struct refuse {
	struct loop *l;
	int ifindex;
	uint8_t mac[6];			/* ours */
	int fd[NFAM];			/* SYNs for the addresses */
	struct loop_io io[NFAM];
	int ann_fd[NFAM];		/* ARP / NA naming them */
	struct loop_io ann_io[NFAM];
	struct netaddr *addrs;
	size_t n;
	uint64_t count;
	uint64_t forwarded;
	/* Who announced the addresses of each family since we started, and
	 * whether the caller lets SYNs go there (refuse_may_forward()). */
	bool have_target[NFAM];
	uint8_t target[NFAM][6];
	bool forward_ok;
	bool keep;			/* refuse_start()'s */
	struct held *held;		/* REFUSE_HELD_MAX, allocated at the
					 * first SYN held */
	size_t n_held;
	/* The rate limit: when the last REFUSE_MAX_PER_SEC frames went out
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

size_t
refuse_frame_len(const uint8_t *frame, size_t len)
{
	size_t whole;

	if (len < FRAME_ETH_HLEN)
		return 0;
	switch (frame_get16(frame + OFF_TYPE)) {
	case ETHERTYPE_IP:
		if (len < OFF_IP + FRAME_IP4_HLEN)
			return 0;
		whole = OFF_IP + frame_get16(frame + OFF_IP + 2);
		break;
	case ETHERTYPE_IPV6:
		if (len < OFF_IP + FRAME_IP6_HLEN)
			return 0;
		whole = OFF_IP + FRAME_IP6_HLEN +
		    frame_get16(frame + OFF_IP + 4);
		break;
	default:
		return 0;
	}
	return whole <= len ? whole : 0;
}

/* The IP addresses and TCP segment of a whole frame (refuse_frame_len()
 * bytes of it): the segment's offset and length. */
static int
segment(const uint8_t *f, size_t whole, int *family, size_t *off,
    size_t *len)
{
	size_t ihl;

	if (frame_get16(f + OFF_TYPE) == ETHERTYPE_IP) {
		ihl = (size_t)(f[OFF_IP] & 0x0f) * 4;
		*family = AF_INET;
		*off = OFF_IP + ihl;
	} else {
		*family = AF_INET6;
		*off = OFF_TCP6;
	}
	if (*off + FRAME_TCP_HLEN > whole)
		return -EINVAL;
	*len = whole - *off;
	return 0;
}

/*
 * Make the TCP checksum of the segment at `seg` right, or say it cannot
 * be. A SYN captured on the host that sent it, or behind a virtual link
 * (veth, virtio), may still carry the value the sender left for its NIC to
 * complete: the sum of the pseudo-header only, not complemented (checksum
 * offload). Complete that one as the NIC would have; leave a right one
 * alone; any other is a damaged segment (-EBADMSG), not ours to repair.
 */
static int
fix_checksum(int family, const uint8_t *src, const uint8_t *dst,
    uint8_t *seg, size_t len)
{
	uint16_t stored = frame_get16(seg + 16), partial;

	if (frame_csum_l4(family, src, dst, IPPROTO_TCP, seg, len) == 0)
		return 0;
	partial = (uint16_t)~frame_csum_fold(frame_csum_pseudo(family, src,
	    dst, IPPROTO_TCP, len));
	if (stored != partial)
		return -EBADMSG;
	seg[16] = seg[17] = 0;
	frame_put16(seg + 16, frame_csum_l4(family, src, dst, IPPROTO_TCP,
	    seg, len));
	return 0;
}

int
refuse_build_forward(uint8_t *buf, size_t buflen, const uint8_t *frame,
    size_t len, const uint8_t from[6], const uint8_t to[6])
{
	size_t whole = refuse_frame_len(frame, len), off, seglen;
	int family, ret;

	/* Never to a group address (bit 0 of the first byte), nor to the
	 * sender itself. */
	if (whole == 0 || whole > buflen || (to[0] & 1) ||
	    memcmp(to, from, 6) == 0 ||
	    segment(frame, whole, &family, &off, &seglen) < 0)
		return -EINVAL;
	memcpy(buf, frame, whole);
	ret = fix_checksum(family, buf + (family == AF_INET ? OFF_IP + 12 :
	    OFF_IP + 8), buf + (family == AF_INET ? OFF_IP4_DST : OFF_IP6_DST),
	    buf + off, seglen);
	if (ret < 0)
		return ret;
	memcpy(buf, to, 6);
	memcpy(buf + 6, from, 6);
	return (int)whole;
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

/* Is the oldest of the last REFUSE_MAX_PER_SEC frames a second old (or
 * were fewer sent)? */
static bool
under_limit(const struct refuse *r, uint64_t now)
{
	return r->used < REFUSE_MAX_PER_SEC ||
	    now - r->sent_us[r->next] >= US_PER_SEC;
}

/* Take a slot of the rate limit, or say there is none. The slot is taken
 * whether or not the send then works: the limit is on attempts. */
static bool
spend(struct refuse *r)
{
	uint64_t now = now_us();

	if (!under_limit(r, now))
		return false;
	r->sent_us[r->next] = now;
	r->next = (r->next + 1) % REFUSE_MAX_PER_SEC;
	if (r->used < REFUSE_MAX_PER_SEC)
		r->used++;
	return true;
}

/*
 * May we read one more SYN now? If the limit is spent, stop reading until
 * the oldest of the last REFUSE_MAX_PER_SEC is a second old: the kernel
 * then drops what does not fit in the socket's buffer, which is cheaper
 * than reading it.
 */
static bool
allowed(struct refuse *r)
{
	uint64_t now = now_us(), wait_ms;

	if (under_limit(r, now))
		return true;
	wait_ms = (r->sent_us[r->next] + US_PER_SEC - now + 999) / 1000;
	unwatch(r);
	r->paused = true;
	loop_timer_arm(r->l, &r->resume, wait_ms);
	return false;
}

static void
reset(struct refuse *r, int fam, const struct frame_tcp *syn)
{
	uint8_t rst[FRAME_TCP6_LEN];
	int n, ret;

	if ((n = refuse_build_rst(rst, sizeof(rst), syn)) < 0 || !spend(r))
		return;
	ret = frame_send(r->fd[fam], r->ifindex, rst, (size_t)n);
	if (ret < 0) {
		log_debug("refuse: send: %s", strerror(-ret));
		return;
	}
	r->count++;
}

/* Hand the SYN on to the announcer; a SYN that cannot go (not whole, a
 * damaged checksum) is reset instead. */
static void
forward(struct refuse *r, int fam, const uint8_t *frame, size_t len,
    const struct frame_tcp *syn)
{
	uint8_t out[FRAME_SNAPLEN];
	int n, ret;

	n = refuse_build_forward(out, sizeof(out), frame, len, r->mac,
	    r->target[fam]);
	if (n < 0) {
		reset(r, fam, syn);
		return;
	}
	if (!spend(r))
		return;
	ret = frame_send(r->fd[fam], r->ifindex, out, (size_t)n);
	if (ret < 0) {
		log_debug("refuse: forward: %s", strerror(-ret));
		return;
	}
	r->forwarded++;
}

/* A SYN nobody has announced a new place for yet: keep it (a newer SYN
 * of the same connection replaces an older one); reset it if the frame
 * is not whole. With no room left, the oldest kept SYN is reset to make
 * room: its client has most likely given that connect up already, and if
 * not, the reset makes it retry now. */
static void
hold(struct refuse *r, int fam, const uint8_t *frame, size_t len,
    const struct frame_tcp *syn)
{
	struct held *h = NULL;
	size_t whole = refuse_frame_len(frame, len), i;

	if (whole == 0 || whole > sizeof(h->frame)) {
		reset(r, fam, syn);
		return;
	}
	if (!r->held && !(r->held = calloc(REFUSE_HELD_MAX, sizeof(*h)))) {
		reset(r, fam, syn);
		return;
	}
	for (i = 0; i < r->n_held && !h; i++)
		if (r->held[i].fam == fam &&
		    r->held[i].syn.sport == syn->sport &&
		    netaddr_equal(&r->held[i].syn.src, &syn->src) &&
		    netaddr_equal(&r->held[i].syn.dst, &syn->dst) &&
		    r->held[i].syn.dport == syn->dport)
			h = &r->held[i];
	if (!h) {
		if (r->n_held == REFUSE_HELD_MAX) {
			reset(r, r->held[0].fam, &r->held[0].syn);
			memmove(&r->held[0], &r->held[1],
			    (REFUSE_HELD_MAX - 1) * sizeof(*h));
			r->n_held--;
		}
		h = &r->held[r->n_held++];
	}
	memcpy(h->frame, frame, whole);
	h->len = whole;
	h->fam = fam;
	h->syn = *syn;
}

/* Answer what is held for `fam` (both families if fam < 0): forwarded to
 * the announced MAC when the caller allows it and one was announced,
 * reset otherwise. */
static void
release_held(struct refuse *r, int fam)
{
	size_t i, kept = 0;

	for (i = 0; i < r->n_held; i++) {
		struct held *h = &r->held[i];

		if (fam >= 0 && h->fam != fam) {
			r->held[kept++] = *h;
			continue;
		}
		if (r->forward_ok && r->have_target[h->fam])
			forward(r, h->fam, h->frame, h->len, &h->syn);
		else
			reset(r, h->fam, &h->syn);
	}
	r->n_held = kept;
}

/* `addr` was announced from r->target[fam]: answer what is kept for it,
 * and say so (the first announcement of a move is worth a line; the
 * repeats that follow it find nothing kept). */
static void
announced(struct refuse *r, int fam, const struct netaddr *addr)
{
	uint64_t fwd = r->forwarded, rst = r->count;
	size_t kept = r->n_held;
	char a[NETADDR_STRLEN];
	const uint8_t *m = r->target[fam];

	release_held(r, fam);
	if (kept == r->n_held)
		return;
	log_debug("refuse: %s announced by %02x:%02x:%02x:%02x:%02x:%02x: "
	    "%" PRIu64 " kept SYNs handed on, %" PRIu64 " reset",
	    netaddr_fmt(addr, a, sizeof(a)), m[0], m[1], m[2], m[3], m[4],
	    m[5], r->forwarded - fwd, r->count - rst);
}

static void
answer(struct refuse *r, int fam, const uint8_t *frame, size_t len)
{
	struct frame_tcp syn;

	if (!refuse_parse_syn(frame, len, r->addrs, r->n, &syn))
		return;
	if (!r->keep)
		reset(r, fam, &syn);
	else if (!r->have_target[fam])
		hold(r, fam, frame, len, &syn);
	else if (r->forward_ok)
		forward(r, fam, frame, len, &syn);
	else
		reset(r, fam, &syn);
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
			if (!allowed(r))
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
				answer(r, fam, buf, (size_t)len);
		}
	}
}

/* Somebody else announced (or answered for) one of the addresses: from
 * now on that is where the family's SYNs belong. */
static void
on_announce(void *arg, uint32_t events)
{
	struct refuse *r = arg;
	struct probe_result res;
	uint8_t buf[FRAME_SNAPLEN];
	int fam, i, pkttype, f;
	ssize_t len;

	(void)events;
	for (fam = 0; fam < NFAM; fam++) {
		if (r->ann_fd[fam] < 0)
			continue;
		for (i = 0; i < READS_PER_WAKEUP; i++) {
			len = frame_recv(r->ann_fd[fam], buf, sizeof(buf),
			    &pkttype);
			if (len <= 0)
				break;
			memset(&res, 0, sizeof(res));
			if (pkttype == PACKET_OUTGOING ||
			    !probe_parse(buf, (size_t)len, r->mac, r->addrs,
			    r->n, &res) || (res.mac[0] & 1))
				continue;
			f = res.addr.family == AF_INET ? V4 : V6;
			memcpy(r->target[f], res.mac, 6);
			r->have_target[f] = true;
			announced(r, f, &res.addr);
		}
	}
}

static int
open_family(struct refuse *r, int fam)
{
	struct sock_filter prog[FRAME_BPF_MAX];
	int family = fam == V4 ? AF_INET : AF_INET6;
	int len, fd, ret;

	len = refuse_filter(family, r->addrs, r->n, prog, FRAME_BPF_MAX);
	if (len < 0)
		return len;
	fd = frame_socket(r->ifindex, fam == V4 ? ETHERTYPE_IP :
	    ETHERTYPE_IPV6, prog, (unsigned int)len);
	if (fd < 0)
		return fd;
	r->fd[fam] = fd;
	/* Announcements matter only to SYNs kept for them. */
	if (!r->keep)
		return 0;
	len = probe_filter(family, r->mac, r->addrs, r->n, prog,
	    FRAME_BPF_MAX);
	if (len < 0)
		return len;
	fd = frame_socket(r->ifindex, fam == V4 ? ETHERTYPE_ARP :
	    ETHERTYPE_IPV6, prog, (unsigned int)len);
	if (fd < 0)
		return fd;
	r->ann_fd[fam] = fd;
	ret = loop_io_add(r->l, &r->ann_io[fam], fd, EPOLLIN, on_announce, r);
	return ret;
}

struct refuse *
refuse_start(struct loop *l, int ifindex, const struct netaddr *addrs,
    size_t n, bool keep)
{
	struct refuse *r = NULL;
	bool want[NFAM] = { false, false };
	size_t i;
	int fam, ret = -EINVAL;

	if (!l || !addrs || n == 0 || n > REFUSE_ADDRS_MAX || ifindex <= 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (addrs[i].family != AF_INET && addrs[i].family != AF_INET6)
			goto out;
		want[addrs[i].family == AF_INET ? V4 : V6] = true;
	}
	ret = -ENOMEM;
	if (!(r = calloc(1, sizeof(*r))))
		goto out;
	r->l = l;
	r->ifindex = ifindex;
	r->keep = keep;
	for (fam = 0; fam < NFAM; fam++)
		r->fd[fam] = r->ann_fd[fam] = -1;
	loop_timer_init(&r->resume, on_resume, r);
	/* Resets carry an Ethernet header: nothing else will do. */
	if ((ret = frame_get_mac(ifindex, r->mac)) < 0)
		goto out;
	ret = -ENOMEM;
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
refuse_may_forward(struct refuse *r, bool ok)
{
	if (r)
		r->forward_ok = ok;
}

void
refuse_drain(struct refuse *r)
{
	bool ok;

	if (!r)
		return;
	/* What still waits gets the reset it would have had at once: its
	 * client retries now instead of waiting for its timeout. */
	ok = r->forward_ok;
	r->forward_ok = false;
	release_held(r, -1);
	r->forward_ok = ok;
}

void
refuse_stop(struct refuse *r)
{
	int fam;

	if (!r)
		return;
	unwatch(r);
	loop_timer_cancel(r->l, &r->resume);
	for (fam = 0; fam < NFAM; fam++) {
		loop_io_del(r->l, &r->ann_io[fam]);
		frame_close(r->fd[fam]);
		frame_close(r->ann_fd[fam]);
	}
	free(r->held);
	free(r->addrs);
	free(r);
}

uint64_t
refuse_count(const struct refuse *r)
{
	return r ? r->count : 0;
}

uint64_t
refuse_forwarded(const struct refuse *r)
{
	return r ? r->forwarded : 0;
}
