/* frame: shared Ethernet frame code for garp, probe and refuse (frame.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "frame.h"

#define IP4_DF		0x4000
#define IP4_FRAG_MASK	0x3fff	/* MF and the fragment offset */
#define TTL		64	/* what Linux sends by default */

uint8_t *
frame_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

uint8_t *
frame_put32(uint8_t *p, uint32_t v)
{
	p = frame_put16(p, (uint16_t)(v >> 16));
	return frame_put16(p, (uint16_t)v);
}

uint8_t *
frame_put(uint8_t *p, const void *src, size_t n)
{
	memcpy(p, src, n);
	return p + n;
}

uint8_t *
frame_put_eth(uint8_t *p, const uint8_t dst[6], const uint8_t src[6],
    uint16_t ethertype)
{
	p = frame_put(p, dst, 6);
	p = frame_put(p, src, 6);
	return frame_put16(p, ethertype);
}

uint16_t
frame_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t
frame_get32(const uint8_t *p)
{
	return (uint32_t)frame_get16(p) << 16 | frame_get16(p + 2);
}

uint32_t
frame_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

uint16_t
frame_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t
frame_csum_pseudo(int family, const void *src, const void *dst,
    uint8_t proto, size_t n)
{
	size_t alen = family == AF_INET ? 4 : 16;
	uint8_t tail[8] = { 0 };
	uint32_t sum;

	/* IPv4: zero, protocol, 16-bit length; IPv6: 32-bit length, three
	 * zero bytes, next header. Both sum to the same words. */
	tail[2] = (uint8_t)(n >> 8);
	tail[3] = (uint8_t)n;
	tail[7] = proto;
	sum = frame_csum_add(0, src, alen);
	sum = frame_csum_add(sum, dst, alen);
	return frame_csum_add(sum, tail, sizeof(tail));
}

uint16_t
frame_csum_l4(int family, const void *src, const void *dst, uint8_t proto,
    const uint8_t *msg, size_t n)
{
	return frame_csum_fold(frame_csum_add(frame_csum_pseudo(family, src,
	    dst, proto, n), msg, n));
}

static uint8_t *
put_ip4(uint8_t *p, const struct frame_tcp *t)
{
	uint8_t *ip = p;

	*p++ = 0x45;		/* version 4, header length 5 words */
	*p++ = 0;		/* DSCP, ECN */
	p = frame_put16(p, FRAME_IP4_HLEN + FRAME_TCP_HLEN);
	/* RFC 6864 4.1: an atomic datagram (DF set) may carry any ID. */
	p = frame_put16(p, 0);
	p = frame_put16(p, IP4_DF);
	*p++ = TTL;
	*p++ = IPPROTO_TCP;
	p = frame_put16(p, 0);	/* header checksum, below */
	p = frame_put(p, &t->src.u.v4, 4);
	p = frame_put(p, &t->dst.u.v4, 4);
	frame_put16(ip + 10, frame_csum_fold(frame_csum_add(0, ip,
	    FRAME_IP4_HLEN)));
	return p;
}

static uint8_t *
put_ip6(uint8_t *p, const struct frame_tcp *t)
{
	p = frame_put32(p, 0x60000000);	/* version 6, class 0, flow 0 */
	p = frame_put16(p, FRAME_TCP_HLEN);
	*p++ = IPPROTO_TCP;
	*p++ = TTL;
	p = frame_put(p, &t->src.u.v6, 16);
	return frame_put(p, &t->dst.u.v6, 16);
}

int
frame_build_tcp(uint8_t *buf, size_t len, const struct frame_tcp *t)
{
	int family = t->src.family;
	size_t need = family == AF_INET ? FRAME_TCP4_LEN : FRAME_TCP6_LEN;
	uint8_t *p = buf, *tcp;

	if ((family != AF_INET && family != AF_INET6) ||
	    t->dst.family != family || len < need)
		return -EINVAL;
	p = frame_put_eth(p, t->dst_mac, t->src_mac,
	    family == AF_INET ? ETHERTYPE_IP : ETHERTYPE_IPV6);
	p = family == AF_INET ? put_ip4(p, t) : put_ip6(p, t);
	tcp = p;
	p = frame_put16(p, t->sport);
	p = frame_put16(p, t->dport);
	p = frame_put32(p, t->seq);
	p = frame_put32(p, t->ack);
	*p++ = (FRAME_TCP_HLEN / 4) << 4;	/* data offset, no options */
	*p++ = t->flags;
	p = frame_put16(p, 0);			/* window */
	p = frame_put16(p, 0);			/* checksum, below */
	p = frame_put16(p, 0);			/* urgent pointer */
	frame_put16(tcp + 16, frame_csum_l4(family, &t->src.u, &t->dst.u,
	    IPPROTO_TCP, tcp, FRAME_TCP_HLEN));
	return (int)(p - buf);
}

/* --- classic BPF ---------------------------------------------------------- */

static void
emit(struct frame_bpf *b, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (b->len >= FRAME_BPF_MAX) {
		b->overflow = true;
		return;
	}
	b->ins[b->len++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

void
frame_bpf_init(struct frame_bpf *b)
{
	b->len = 0;
	b->overflow = false;
}

static void
load(struct frame_bpf *b, enum frame_bpf_load ld, uint32_t off)
{
	switch (ld) {
	case FRAME_LD_B:
		emit(b, BPF_LD | BPF_B | BPF_ABS, 0, 0, off);
		break;
	case FRAME_LD_H:
		emit(b, BPF_LD | BPF_H | BPF_ABS, 0, 0, off);
		break;
	case FRAME_LD_W:
		emit(b, BPF_LD | BPF_W | BPF_ABS, 0, 0, off);
		break;
	case FRAME_LD_PKTTYPE:
		emit(b, BPF_LD | BPF_W | BPF_ABS, 0, 0,
		    (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE));
		break;
	case FRAME_LD_IP4_B:
		/* X = 4 * (IHL nibble of the byte after the Ethernet
		 * header): the one instruction classic BPF has for this. */
		emit(b, BPF_LDX | BPF_B | BPF_MSH, 0, 0, FRAME_ETH_HLEN);
		emit(b, BPF_LD | BPF_B | BPF_IND, 0, 0, off);
		break;
	}
}

void
frame_bpf_check(struct frame_bpf *b, enum frame_bpf_load ld, uint32_t off,
    uint32_t mask, uint32_t value, bool want)
{
	load(b, ld, off);
	if (mask != UINT32_MAX)
		emit(b, BPF_ALU | BPF_AND | BPF_K, 0, 0, mask);
	/* Equal: skip the drop (want) or fall into it (!want). */
	emit(b, BPF_JMP | BPF_JEQ | BPF_K, want ? 1 : 0, want ? 0 : 1, value);
	emit(b, BPF_RET | BPF_K, 0, 0, 0);
}

void
frame_bpf_not_from(struct frame_bpf *b, const uint8_t mac[6])
{
	/* Drop only when both parts of the source MAC are ours. */
	load(b, FRAME_LD_W, 6);
	emit(b, BPF_JMP | BPF_JEQ | BPF_K, 0, 3, frame_get32(mac));
	load(b, FRAME_LD_H, 10);
	emit(b, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, frame_get16(mac + 4));
	emit(b, BPF_RET | BPF_K, 0, 0, 0);
}

void
frame_bpf_not_fragment(struct frame_bpf *b)
{
	load(b, FRAME_LD_H, FRAME_ETH_HLEN + 6);
	emit(b, BPF_JMP | BPF_JSET | BPF_K, 0, 1, IP4_FRAG_MASK);
	emit(b, BPF_RET | BPF_K, 0, 0, 0);
}

/* One address: compare it word by word, each mismatch jumps to the next
 * address's block; the block ends with the accept. */
static void
accept_addr(struct frame_bpf *b, uint32_t off, const uint8_t *a, size_t alen)
{
	size_t words = alen / 4, i;

	for (i = 0; i < words; i++) {
		emit(b, BPF_LD | BPF_W | BPF_ABS, 0, 0, off + 4 * (uint32_t)i);
		/* Remaining in this block after the jeq: (words - 1 - i)
		 * load/jeq pairs and the ret. */
		emit(b, BPF_JMP | BPF_JEQ | BPF_K, 0,
		    (uint8_t)(2 * (words - 1 - i) + 1), frame_get32(a + 4 * i));
	}
	emit(b, BPF_RET | BPF_K, 0, 0, FRAME_SNAPLEN);
}

int
frame_bpf_accept_addrs(struct frame_bpf *b, uint32_t off,
    const struct netaddr *addrs, size_t n, int family)
{
	size_t i;

	if (n > FRAME_ADDRS_MAX)
		b->overflow = true;
	for (i = 0; i < n && !b->overflow; i++)
		if (addrs[i].family == family)
			accept_addr(b, off, (const uint8_t *)&addrs[i].u,
			    netaddr_len(&addrs[i]));
	emit(b, BPF_RET | BPF_K, 0, 0, 0);
	return b->overflow ? -E2BIG : (int)b->len;
}

/* --- the socket ----------------------------------------------------------- */

int
frame_socket(int ifindex, uint16_t proto, const struct sock_filter *prog,
    unsigned int len)
{
	struct sock_fprog fp = {
		.len = (unsigned short)len,
		.filter = (struct sock_filter *)prog,
	};
	struct sockaddr_ll sll;
	int fd, ret;

	if (len == 0 || len > FRAME_BPF_MAX)
		return -EINVAL;
	/* Protocol 0 receives nothing until bind() names one. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) < 0)
		goto fail;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(proto);
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail;
	return fd;
fail:
	ret = -errno;
	close(fd);
	return ret;
}

/* Closing threads. Grace periods that several threads wait for at once
 * overlap: 200 sockets took 2.4 s to close from one thread, 0.28 s from
 * eight, 0.09 s from 32. */
#define CLOSERS		16
#define CLOSER_STACK	(64 * 1024)	/* they only call read and close */

/* The write end of the closers' pipe, -1 while there are none. Each
 * thread reads descriptors (one int each: a write of that size to a pipe
 * is atomic, and so is a read of it) and closes them; they live as long
 * as the process. A pipe that is full (16,384 closes behind) blocks the
 * caller until it drains, the same wait as closing in place. */
static int closer_fd = -1;
static unsigned int closer_pending;	/* handed over, not closed yet */

static void *
closer_main(void *arg)
{
	int in = (int)(intptr_t)arg, fd;
	ssize_t n;

	for (;;) {
		n = read(in, &fd, sizeof(fd));
		if (n == (ssize_t)sizeof(fd)) {
			close(fd);
			__atomic_sub_fetch(&closer_pending, 1, __ATOMIC_RELEASE);
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else {
			return NULL;
		}
	}
}

int
frame_closer_start(void)
{
	pthread_attr_t attr;
	pthread_t t;
	sigset_t all, old;
	int p[2], rc = 0, started = 0;

	if (closer_fd >= 0)
		return 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, CLOSER_STACK);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* Signals stay with the main thread's signalfd. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (started < CLOSERS && (rc = pthread_create(&t, &attr,
	    closer_main, (void *)(intptr_t)p[0])) == 0)
		started++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (!started) {	/* none: close in place (a few would do) */
		close(p[0]);
		close(p[1]);
		return -rc;
	}
	closer_fd = p[1];
	return 0;
}

void
frame_close(int fd)
{
	if (fd < 0)
		return;
	if (closer_fd >= 0) {
		__atomic_add_fetch(&closer_pending, 1, __ATOMIC_RELAXED);
		if (write(closer_fd, &fd, sizeof(fd)) == (ssize_t)sizeof(fd))
			return;
		__atomic_sub_fetch(&closer_pending, 1, __ATOMIC_RELAXED);
	}
	close(fd);
}

bool
frame_closer_drain(unsigned int max_ms)
{
	const struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };

	for (unsigned int waited = 0;
	    __atomic_load_n(&closer_pending, __ATOMIC_ACQUIRE) > 0;
	    waited += 10) {
		if (waited >= max_ms)
			return false;
		nanosleep(&tick, NULL);
	}
	return true;
}

int
frame_send(int fd, int ifindex, const uint8_t *frame, size_t n)
{
	struct sockaddr_ll sll;

	if (n < FRAME_ETH_HLEN)
		return -EINVAL;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = ifindex;
	/* On SOCK_RAW the frame goes out as built; sll_protocol only sets
	 * skb->protocol, so give it the frame's own EtherType. */
	sll.sll_protocol = htons(frame_get16(frame + 12));
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, frame, 6);
	if (sendto(fd, frame, n, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -errno;
	return 0;
}

ssize_t
frame_recv(int fd, uint8_t *buf, size_t len, int *pkttype)
{
	struct sockaddr_ll sll;
	socklen_t sl = sizeof(sll);
	ssize_t n;

	n = recvfrom(fd, buf, len, 0, (struct sockaddr *)&sll, &sl);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	*pkttype = sll.sll_pkttype;
	return n;
}

int
frame_get_mac(int ifindex, uint8_t mac[6])
{
	struct ifreq ifr;
	int fd, ret = 0;

	memset(&ifr, 0, sizeof(ifr));
	if (!if_indextoname((unsigned int)ifindex, ifr.ifr_name))
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		ret = -errno;
		goto out;
	}
	/* Every frame built here has an Ethernet header: refuse anything
	 * else (loopback, tun, ipip) rather than send garbage. */
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
out:
	close(fd);
	return ret;
}
