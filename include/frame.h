/*
 * frame: what the modules that speak Ethernet frames themselves (garp,
 * probe, refuse) share: writing and reading header fields, Internet
 * checksums, a TCP segment builder, classic BPF filters and the AF_PACKET
 * socket they run on.
 *
 * Everything but frame_socket(), frame_close(), frame_closer_start(),
 * frame_send(), frame_recv() and frame_get_mac() is pure. Multi-byte
 * fields are big-endian on the wire; addresses (struct in_addr /
 * in6_addr) are already in network order.
 * Return: 0, a length or a count on success, -errno on failure.
 */
#ifndef VIPD_FRAME_H
#define VIPD_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/filter.h>

#include "netaddr.h"

#define FRAME_ETH_HLEN	14
#define FRAME_IP4_HLEN	20	/* without options */
#define FRAME_IP6_HLEN	40
#define FRAME_TCP_HLEN	20	/* without options */
/* A TCP segment without options or payload in an Ethernet frame. */
#define FRAME_TCP4_LEN	(FRAME_ETH_HLEN + FRAME_IP4_HLEN + FRAME_TCP_HLEN)
#define FRAME_TCP6_LEN	(FRAME_ETH_HLEN + FRAME_IP6_HLEN + FRAME_TCP_HLEN)

/* TCP flag bits (RFC 9293 3.1). */
#define FRAME_TCP_FIN	0x01
#define FRAME_TCP_SYN	0x02
#define FRAME_TCP_RST	0x04
#define FRAME_TCP_PSH	0x08
#define FRAME_TCP_ACK	0x10

uint8_t *frame_put16(uint8_t *p, uint16_t v);
uint8_t *frame_put32(uint8_t *p, uint32_t v);
uint8_t *frame_put(uint8_t *p, const void *src, size_t n);
uint8_t *frame_put_eth(uint8_t *p, const uint8_t dst[6], const uint8_t src[6],
    uint16_t ethertype);
uint16_t frame_get16(const uint8_t *p);
uint32_t frame_get32(const uint8_t *p);

/* RFC 1071 one's complement sum of big-endian 16-bit words, continued from
 * `sum` (an odd length is padded with a zero byte), and its folded
 * complement, ready to store. */
uint32_t frame_csum_add(uint32_t sum, const uint8_t *p, size_t n);
uint16_t frame_csum_fold(uint32_t sum);
/* The checksum of an upper-layer message (TCP, ICMPv6) including the
 * pseudo-header of its IP family: source, destination, protocol, length
 * (RFC 9293 3.1 for IPv4, RFC 8200 8.1 for IPv6). src and dst point at 4
 * or 16 bytes; the message's own checksum field must be zero. */
uint16_t frame_csum_l4(int family, const void *src, const void *dst,
    uint8_t proto, const uint8_t *msg, size_t n);
/* The sum of that pseudo-header alone, for a message of n bytes, to go on
 * with frame_csum_add() (not folded). */
uint32_t frame_csum_pseudo(int family, const void *src, const void *dst,
    uint8_t proto, size_t n);

/* One TCP segment, as built by frame_build_tcp() or read by a parser. */
struct frame_tcp {
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	struct netaddr src;		/* both of one family */
	struct netaddr dst;
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;			/* FRAME_TCP_* */
};

/* An Ethernet frame carrying `t` as an option-less, payload-less TCP
 * segment: IPv4 (no options, DF, TTL 64, ID 0) or IPv6 (hop limit 64, no
 * extension headers); window 0, both checksums filled in. Returns
 * FRAME_TCP4_LEN / FRAME_TCP6_LEN, or -EINVAL (short buffer, mixed or
 * unknown family). */
int frame_build_tcp(uint8_t *buf, size_t len, const struct frame_tcp *t);

/*
 * Classic BPF (the filter language of SO_ATTACH_FILTER, see
 * linux/filter.h), assembled from checks. Each check drops the frame when
 * it fails; frame_bpf_accept_addrs() ends the program. No jump is longer
 * than one address's check, so the 8-bit jump offsets never overflow.
 * An out-of-bounds load drops the frame (the kernel's rule).
 */
#define FRAME_BPF_MAX	640	/* instructions; enough for FRAME_ADDRS_MAX */
#define FRAME_ADDRS_MAX	64	/* addresses one filter matches */
/* How many bytes of a matching frame reach user space: enough for the
 * Ethernet header, the longest IPv4 header (60) and the longest TCP header
 * (60), so that refuse can hand on any SYN without data whole (and one
 * with a few bytes of TCP Fast Open data), or for an IPv6 neighbour
 * advertisement with a link-layer option (86). */
#define FRAME_SNAPLEN	192

enum frame_bpf_load {
	FRAME_LD_B,		/* byte at off */
	FRAME_LD_H,		/* 16 bits at off */
	FRAME_LD_W,		/* 32 bits at off */
	FRAME_LD_PKTTYPE,	/* the kernel's PACKET_* class of the frame */
	FRAME_LD_IP4_B,		/* byte at off + the IPv4 header length */
};

struct frame_bpf {
	struct sock_filter ins[FRAME_BPF_MAX];
	unsigned int len;
	bool overflow;		/* a check did not fit: do not use */
};

void frame_bpf_init(struct frame_bpf *b);
/* Go on only if (load & mask) == value (want true) / != value (false). */
void frame_bpf_check(struct frame_bpf *b, enum frame_bpf_load ld,
    uint32_t off, uint32_t mask, uint32_t value, bool want);
/* Go on only if the Ethernet source is not `mac`. */
void frame_bpf_not_from(struct frame_bpf *b, const uint8_t mac[6]);
/* Go on only if the IPv4 packet is not a fragment (MF clear, offset 0). */
void frame_bpf_not_fragment(struct frame_bpf *b);
/* Accept FRAME_SNAPLEN bytes if the 4 (AF_INET) or 16 (AF_INET6) bytes at
 * off equal one of the addrs of that family; drop otherwise. Ends the
 * program. Returns its length, or -E2BIG if anything did not fit. */
int frame_bpf_accept_addrs(struct frame_bpf *b, uint32_t off,
    const struct netaddr *addrs, size_t n, int family);

/* An AF_PACKET SOCK_RAW socket on ifindex receiving EtherType `proto`
 * through `prog`, non-blocking and close-on-exec. The filter is attached
 * before the socket is bound, so no unfiltered frame is ever queued.
 * Returns the fd or -errno. Needs CAP_NET_RAW. */
int frame_socket(int ifindex, uint16_t proto, const struct sock_filter *prog,
    unsigned int len);
/* Close a socket from frame_socket() (or -1: nothing). Closing an
 * AF_PACKET socket waits for an RCU grace period in the kernel (10-25 ms;
 * docs/design.md, "Library pitfalls"): once frame_closer_start() has run,
 * threads of their own close it and this returns at once, so a thousand
 * VIPs that stop probing or refusing together do not hold the event loop
 * for seconds. Remove the fd from the loop first. */
void frame_close(int fd);
/* Start those threads (idempotent); until then, and if none can start,
 * frame_close() closes in the caller. 0 or -errno. */
int frame_closer_start(void);
/* Wait up to max_ms for every close handed over to be done; true if
 * they are. Before exit: the kernel would close what is left one by
 * one, a grace period each. */
bool frame_closer_drain(unsigned int max_ms);
/* Send a whole Ethernet frame (its own header) out of ifindex. */
int frame_send(int fd, int ifindex, const uint8_t *frame, size_t n);
/* One queued frame: its captured length (at most len) with its PACKET_*
 * class in *pkttype, 0 when nothing is queued, or -errno (ENETDOWN when the
 * interface went down). */
ssize_t frame_recv(int fd, uint8_t *buf, size_t len, int *pkttype);
/* The interface's hardware address; -EOPNOTSUPP unless it is Ethernet. */
int frame_get_mac(int ifindex, uint8_t mac[6]);

#endif
