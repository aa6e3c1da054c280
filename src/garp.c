/* garp: gratuitous ARP and unsolicited neighbour advertisements (garp.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "garp.h"

#define ETH_HLEN_	14
#define IP6_HLEN	40
#define NA_LEN		24	/* type, code, cksum, flags+reserved, target */
#define NA_OPT_LEN	8	/* type 2, length 1 (8-byte units), MAC */
#define NA_FLAG_OVERRIDE 0x20	/* RFC 4861 4.4: R=0x80, S=0x40, O=0x20 */
#define ICMP6_NA	136
#define ND_OPT_TLLA	2	/* RFC 4861 4.6.1: target link-layer address */

static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
/* RFC 2464 7: IPv6 multicast 33:33 + low 32 bits of the group (ff02::1). */
static const uint8_t allnodes_mac[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t allnodes_ip6[16] = { 0xff, 0x02, [15] = 0x01 };

static uint8_t *
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *
put(uint8_t *p, const void *src, size_t n)
{
	memcpy(p, src, n);
	return p + n;
}

static uint8_t *
put_eth(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	p = put(p, dst, 6);
	p = put(p, src, 6);
	return put16(p, type);
}

int
garp_build_arp(uint8_t *buf, size_t len, const uint8_t mac[6],
    const struct in_addr *vip, enum garp_arp_op op)
{
	static const uint8_t zero_mac[6];
	uint8_t *p = buf;

	if (len < GARP_ARP_LEN || (op != GARP_REQUEST && op != GARP_REPLY))
		return -EINVAL;
	p = put_eth(p, bcast_mac, mac, ETHERTYPE_ARP);
	/* RFC 826 packet: Ethernet (1), IPv4 (0x0800), hlen 6, plen 4. */
	p = put16(p, ARPHRD_ETHER);
	p = put16(p, ETHERTYPE_IP);
	*p++ = 6;
	*p++ = 4;
	p = put16(p, (uint16_t)op);
	p = put(p, mac, 6);
	p = put(p, vip, 4);
	/*
	 * Why two forms: the request form is RFC 5227 2.3's "ARP Announcement"
	 * (target MAC zero, target IP = sender IP), the one Linux classifies as
	 * gratuitous (arp_is_garp) and so lets override a fresh neighbour entry
	 * inside its locktime. The reply form, sent to broadcast with a
	 * broadcast target MAC, is for the stacks and switches that learn only
	 * from replies (the behaviour `arping -A` exists for, see reference
	 * C.5).
	 */
	p = put(p, op == GARP_REQUEST ? zero_mac : bcast_mac, 6);
	p = put(p, vip, 4);
	return (int)(p - buf);
}

/* RFC 1071 one's complement sum, continued from `sum`; big-endian words. */
static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* RFC 8200 8.1: the ICMPv6 checksum covers a pseudo-header of source,
 * destination, upper-layer length (32 bits) and next header (32 bits). */
static uint16_t
icmp6_csum(const uint8_t *src, const uint8_t *dst, const uint8_t *msg,
    size_t n)
{
	uint8_t tail[8] = { 0 };
	uint32_t sum;

	tail[2] = (uint8_t)(n >> 8);
	tail[3] = (uint8_t)n;
	tail[7] = IPPROTO_ICMPV6;
	sum = csum_add(0, src, 16);
	sum = csum_add(sum, dst, 16);
	sum = csum_add(sum, tail, sizeof(tail));
	sum = csum_add(sum, msg, n);
	return csum_fold(sum);
}

int
garp_build_na(uint8_t *buf, size_t len, const uint8_t mac[6],
    const struct in6_addr *vip)
{
	uint8_t *p = buf, *ip6, *icmp;

	if (len < GARP_NA_LEN)
		return -EINVAL;
	memset(buf, 0, GARP_NA_LEN);
	p = put_eth(p, allnodes_mac, mac, ETHERTYPE_IPV6);

	ip6 = p;
	*p++ = 0x60;		/* version 6, traffic class 0, flow label 0 */
	p += 3;
	p = put16(p, NA_LEN + NA_OPT_LEN);
	*p++ = IPPROTO_ICMPV6;
	/* RFC 4861 7.1.2: receivers drop an NA whose hop limit is not 255. */
	*p++ = 255;
	p = put(p, vip, 16);
	p = put(p, allnodes_ip6, 16);

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
	p = put(p, vip, 16);
	*p++ = ND_OPT_TLLA;
	*p++ = 1;		/* length in units of 8 bytes */
	p = put(p, mac, 6);

	put16(icmp + 2,
	    icmp6_csum(ip6 + 8, ip6 + 24, icmp, (size_t)(p - icmp)));
	return (int)(p - buf);
}

static int
send_frame(int fd, int ifindex, const uint8_t *frame, size_t n)
{
	struct sockaddr_ll sll;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = ifindex;
	/* On SOCK_RAW the frame goes out as built; sll_protocol only sets
	 * skb->protocol, so give it the frame's own EtherType. */
	sll.sll_protocol = htons((uint16_t)(frame[12] << 8 | frame[13]));
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, frame, 6);
	if (sendto(fd, frame, n, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -errno;
	return 0;
}

int
garp_send(int ifindex, const struct netaddr *vip)
{
	uint8_t mac[6], frame[GARP_FRAME_MAX];
	int fd = -1, n, ret, sent = 0;

	ret = garp_get_mac(ifindex, mac);
	if (ret < 0)
		return ret;
	/* Protocol 0: a send-only socket, the kernel queues nothing to it. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (vip->family == AF_INET) {
		n = garp_build_arp(frame, sizeof(frame), mac, &vip->u.v4,
		    GARP_REQUEST);
		if ((ret = send_frame(fd, ifindex, frame, (size_t)n)) < 0)
			goto out;
		sent++;
		n = garp_build_arp(frame, sizeof(frame), mac, &vip->u.v4,
		    GARP_REPLY);
		if ((ret = send_frame(fd, ifindex, frame, (size_t)n)) < 0)
			goto out;
		sent++;
	} else if (vip->family == AF_INET6) {
		n = garp_build_na(frame, sizeof(frame), mac, &vip->u.v6);
		if ((ret = send_frame(fd, ifindex, frame, (size_t)n)) < 0)
			goto out;
		sent++;
	} else {
		ret = -EAFNOSUPPORT;
		goto out;
	}
	ret = sent;
out:
	close(fd);
	return ret;
}

int
garp_get_mac(int ifindex, uint8_t mac[6])
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
	/* ARP and NA frames above are Ethernet frames: refuse anything else
	 * (loopback, tun, ipip) rather than send garbage. */
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
out:
	close(fd);
	return ret;
}
