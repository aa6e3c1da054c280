/* garp: gratuitous ARP and unsolicited neighbour advertisements (garp.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <sys/socket.h>

#include "frame.h"
#include "garp.h"

#define NA_LEN		24	/* type, code, cksum, flags+reserved, target */
#define NA_OPT_LEN	8	/* type 2, length 1 (8-byte units), MAC */
#define NA_FLAG_OVERRIDE 0x20	/* RFC 4861 4.4: R=0x80, S=0x40, O=0x20 */
#define ICMP6_NA	136
#define ND_OPT_TLLA	2	/* RFC 4861 4.6.1: target link-layer address */

static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
/* RFC 2464 7: IPv6 multicast 33:33 + low 32 bits of the group (ff02::1). */
static const uint8_t allnodes_mac[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t allnodes_ip6[16] = { 0xff, 0x02, [15] = 0x01 };

int
garp_build_arp(uint8_t *buf, size_t len, const uint8_t mac[6],
    const struct in_addr *vip, enum garp_arp_op op)
{
	static const uint8_t zero_mac[6];
	uint8_t *p = buf;

	if (len < GARP_ARP_LEN || (op != GARP_REQUEST && op != GARP_REPLY))
		return -EINVAL;
	p = frame_put_eth(p, bcast_mac, mac, ETHERTYPE_ARP);
	/* RFC 826 packet: Ethernet (1), IPv4 (0x0800), hlen 6, plen 4. */
	p = frame_put16(p, ARPHRD_ETHER);
	p = frame_put16(p, ETHERTYPE_IP);
	*p++ = 6;
	*p++ = 4;
	p = frame_put16(p, (uint16_t)op);
	p = frame_put(p, mac, 6);
	p = frame_put(p, vip, 4);
	/*
	 * Why two forms: the request form is RFC 5227 2.3's "ARP Announcement"
	 * (target MAC zero, target IP = sender IP), the one Linux classifies as
	 * gratuitous (arp_is_garp) and so lets override a fresh neighbour entry
	 * inside its locktime. The reply form, sent to broadcast with a
	 * broadcast target MAC, is for the stacks and switches that learn only
	 * from replies (the reason `arping -A`, which sends replies, exists
	 * next to its request-form `-U`).
	 */
	p = frame_put(p, op == GARP_REQUEST ? zero_mac : bcast_mac, 6);
	p = frame_put(p, vip, 4);
	return (int)(p - buf);
}

int
garp_build_na(uint8_t *buf, size_t len, const uint8_t mac[6],
    const struct in6_addr *vip)
{
	uint8_t *p = buf, *ip6, *icmp;

	if (len < GARP_NA_LEN)
		return -EINVAL;
	memset(buf, 0, GARP_NA_LEN);
	p = frame_put_eth(p, allnodes_mac, mac, ETHERTYPE_IPV6);

	ip6 = p;
	*p++ = 0x60;		/* version 6, traffic class 0, flow label 0 */
	p += 3;
	p = frame_put16(p, NA_LEN + NA_OPT_LEN);
	*p++ = IPPROTO_ICMPV6;
	/* RFC 4861 7.1.2: receivers drop an NA whose hop limit is not 255. */
	*p++ = 255;
	p = frame_put(p, vip, 16);
	p = frame_put(p, allnodes_ip6, 16);

	icmp = p;
	*p++ = ICMP6_NA;
	*p++ = 0;		/* code */
	p += 2;			/* checksum, filled in below */
	/*
	 * Override only: RFC 4861 7.2.6, an unsolicited NA has S clear (and
	 * 7.1.2 drops an NA to multicast with S set) and sets O so that peers
	 * replace the MAC they cached; R stays clear, a VIP is no router.
	 */
	*p++ = NA_FLAG_OVERRIDE;
	p += 3;			/* reserved */
	p = frame_put(p, vip, 16);
	*p++ = ND_OPT_TLLA;
	*p++ = 1;		/* length in units of 8 bytes */
	p = frame_put(p, mac, 6);

	frame_put16(icmp + 2, frame_csum_l4(AF_INET6, ip6 + 8, ip6 + 24,
	    IPPROTO_ICMPV6, icmp, (size_t)(p - icmp)));
	return (int)(p - buf);
}

/*
 * One send-only packet socket for the process (protocol 0: the kernel
 * queues nothing to it), opened on first use and kept: closing an
 * AF_PACKET socket waits for an RCU grace period in the kernel (13 ms
 * measured), which one socket per announcement would spend on the event
 * loop every time (docs/design.md, "Library pitfalls").
 */
static int garp_fd = -1;

static int
garp_socket(void)
{
	if (garp_fd < 0)
		garp_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	return garp_fd < 0 ? -errno : garp_fd;
}

int
garp_send(int ifindex, const struct netaddr *vip)
{
	uint8_t mac[6], frame[GARP_FRAME_MAX];
	int fd, n, ret, sent = 0;

	ret = garp_get_mac(ifindex, mac);
	if (ret < 0)
		return ret;
	fd = garp_socket();
	if (fd < 0)
		return fd;
	if (vip->family == AF_INET) {
		n = garp_build_arp(frame, sizeof(frame), mac, &vip->u.v4,
		    GARP_REQUEST);
		if ((ret = frame_send(fd, ifindex, frame, (size_t)n)) < 0)
			goto out;
		sent++;
		n = garp_build_arp(frame, sizeof(frame), mac, &vip->u.v4,
		    GARP_REPLY);
		if ((ret = frame_send(fd, ifindex, frame, (size_t)n)) < 0)
			goto out;
		sent++;
	} else if (vip->family == AF_INET6) {
		n = garp_build_na(frame, sizeof(frame), mac, &vip->u.v6);
		if ((ret = frame_send(fd, ifindex, frame, (size_t)n)) < 0)
			goto out;
		sent++;
	} else {
		ret = -EAFNOSUPPORT;
		goto out;
	}
	ret = sent;
out:
	return ret;
}

int
garp_get_mac(int ifindex, uint8_t mac[6])
{
	return frame_get_mac(ifindex, mac);
}
