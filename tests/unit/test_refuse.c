/* refuse: the SYN parser and its socket filter on SYNs and on everything
 * that is not one, and the RST byte for byte; frame_close(), which its
 * sockets stop on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <netpacket/packet.h>
#include <sys/socket.h>

#include "bpf_run.h"
#include "frame.h"
#include "loop.h"
#include "refuse.h"

static struct netaddr vips[3];

static struct netaddr
addr(const char *s)
{
	struct netaddr a;

	assert_int_equal(netaddr_parse(s, &a), 0);
	return a;
}

static int
setup(void **state)
{
	(void)state;
	vips[0] = addr("192.0.2.100");
	vips[1] = addr("2001:db8::100");
	vips[2] = addr("192.0.2.101");
	return 0;
}

/* A SYN as Linux sends it: 192.0.2.13:40000 -> 192.0.2.100:6379, MSS,
 * SACK-permitted, timestamps, window scale. The IP header checksum 0xa416
 * was computed in Python; the TCP checksum is left partial (0x1c46, not
 * the real one), as a local stack on a veth hands it over. */
static const uint8_t syn4[74] = {
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56,	/* eth dst: ours */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0c,	/* eth src: the client */
	0x08, 0x00,
	0x45, 0x00, 0x00, 0x3c,			/* IPv4, IHL 5, length 60 */
	0x12, 0x34, 0x40, 0x00,			/* ID, DF */
	0x40, 0x06, 0xa4, 0x16,			/* TTL 64, TCP, checksum */
	0xc0, 0x00, 0x02, 0x0d,			/* 192.0.2.13 */
	0xc0, 0x00, 0x02, 0x64,			/* 192.0.2.100 */
	0x9c, 0x40, 0x18, 0xeb,			/* 40000 -> 6379 */
	0x11, 0x22, 0x33, 0x44,			/* seq */
	0x00, 0x00, 0x00, 0x00,			/* ack */
	0xa0, 0x02, 0xfa, 0xf0,			/* offset 10, SYN, window */
	0x1c, 0x46, 0x00, 0x00,			/* checksum, urgent */
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x03, 0x03, 0x07,
};

/* The reset for syn4. IP checksum 0xb65e and TCP checksum 0x31cc computed
 * in Python over the RFC 791 header and RFC 9293 pseudo-header. */
static const uint8_t rst4[FRAME_TCP4_LEN] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0c,	/* eth dst: the client */
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56,	/* eth src: ours */
	0x08, 0x00,
	0x45, 0x00, 0x00, 0x28,			/* length 40 */
	0x00, 0x00, 0x40, 0x00,			/* ID 0, DF */
	0x40, 0x06, 0xb6, 0x5e,			/* TTL 64, TCP, checksum */
	0xc0, 0x00, 0x02, 0x64,			/* from the VIP */
	0xc0, 0x00, 0x02, 0x0d,			/* to the client */
	0x18, 0xeb, 0x9c, 0x40,			/* 6379 -> 40000 */
	0x00, 0x00, 0x00, 0x00,			/* seq 0 */
	0x11, 0x22, 0x33, 0x45,			/* ack = seq + 1 */
	0x50, 0x14, 0x00, 0x00,			/* offset 5, RST|ACK, win 0 */
	0x31, 0xcc, 0x00, 0x00,			/* checksum, urgent */
};

static const uint8_t syn6[94] = {
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0c,
	0x86, 0xdd,
	0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x06, 0x40,	/* TCP, hlim 64 */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,	/* 2001:db8::13 */
	0, 0, 0, 0, 0, 0, 0, 0x13,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,	/* 2001:db8::100 */
	0, 0, 0, 0, 0, 0, 0x01, 0x00,
	0x9c, 0x40, 0x18, 0xeb, 0x11, 0x22, 0x33, 0x44,
	0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0,
	0x1c, 0x46, 0x00, 0x00,
	0x02, 0x04, 0x05, 0xa0, 0x04, 0x02, 0x08, 0x0a,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x03, 0x03, 0x07,
};

/* TCP checksum 0x59b9 computed in Python (RFC 8200 8.1 pseudo-header). */
static const uint8_t rst6[FRAME_TCP6_LEN] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0c,
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	0x86, 0xdd,
	0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x40,	/* length 20 */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,	/* from the VIP */
	0, 0, 0, 0, 0, 0, 0x01, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,	/* to the client */
	0, 0, 0, 0, 0, 0, 0, 0x13,
	0x18, 0xeb, 0x9c, 0x40, 0x00, 0x00, 0x00, 0x00,
	0x11, 0x22, 0x33, 0x45, 0x50, 0x14, 0x00, 0x00,
	0x59, 0xb9, 0x00, 0x00,
};

/* One's complement sum of big-endian words, folded (written here, not
 * taken from frame.c). */
static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum > 0xffff)
		sum = (sum >> 16) + (sum & 0xffff);
	return sum;
}

/* Recompute the IPv4 header checksum of a SYN the test changed. */
static void
fix4(uint8_t *f)
{
	uint32_t sum;

	f[24] = f[25] = 0;
	sum = sum16(f + 14, (size_t)(f[14] & 0x0f) * 4, 0);
	f[24] = (uint8_t)(~sum >> 8);
	f[25] = (uint8_t)~sum;
}

/* The socket filter's verdict on f: kept (FRAME_SNAPLEN) or dropped. */
static bool
kept(const uint8_t *f, size_t len, uint32_t pkttype)
{
	struct sock_filter prog[FRAME_BPF_MAX];
	int family = f[12] == 0x08 ? AF_INET : AF_INET6;
	int plen;
	uint32_t keep;

	plen = refuse_filter(family, vips, 3, prog, FRAME_BPF_MAX);
	assert_true(plen > 0);
	keep = bpf_run(prog, (size_t)plen, f, len, pkttype);
	assert_int_not_equal(keep, BPF_RUN_BAD);
	assert_true(keep == 0 || keep == FRAME_SNAPLEN);
	return keep != 0;
}

static int
parses(const uint8_t *f, size_t len)
{
	struct frame_tcp syn;

	return refuse_parse_syn(f, len, vips, 3, &syn);
}

static void
test_syn4_parsed(void **state)
{
	struct frame_tcp syn;

	(void)state;
	assert_int_equal(refuse_parse_syn(syn4, sizeof(syn4), vips, 3, &syn),
	    1);
	assert_true(netaddr_equal(&syn.dst, &vips[0]));
	assert_int_equal(syn.sport, 40000);
	assert_int_equal(syn.dport, 6379);
	assert_int_equal(syn.seq, 0x11223344);
	assert_int_equal(syn.flags, FRAME_TCP_SYN);
	assert_memory_equal(syn.src_mac, syn4 + 6, 6);
	assert_memory_equal(syn.dst_mac, syn4, 6);
	assert_true(kept(syn4, sizeof(syn4), PACKET_HOST));
}

static void
test_rst4_bytes(void **state)
{
	uint8_t buf[128];
	struct frame_tcp syn;

	(void)state;
	assert_int_equal(refuse_parse_syn(syn4, sizeof(syn4), vips, 3, &syn),
	    1);
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(refuse_build_rst(buf, sizeof(buf), &syn),
	    FRAME_TCP4_LEN);
	assert_memory_equal(buf, rst4, FRAME_TCP4_LEN);
	assert_int_equal(refuse_build_rst(buf, FRAME_TCP4_LEN - 1, &syn),
	    -EINVAL);
}

static void
test_rst6_bytes(void **state)
{
	uint8_t buf[128];
	struct frame_tcp syn;

	(void)state;
	assert_int_equal(refuse_parse_syn(syn6, sizeof(syn6), vips, 3, &syn),
	    1);
	assert_true(netaddr_equal(&syn.dst, &vips[1]));
	assert_true(kept(syn6, sizeof(syn6), PACKET_HOST));
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(refuse_build_rst(buf, sizeof(buf), &syn),
	    FRAME_TCP6_LEN);
	assert_memory_equal(buf, rst6, FRAME_TCP6_LEN);
}

/* The receiver's rule on the RSTs: sums fold to 0xffff, the
 * pseudo-header laid out in a buffer. */
static void
test_rst_checksums_verify(void **state)
{
	uint8_t ph[40 + 20];

	(void)state;
	assert_int_equal(sum16(rst4 + 14, 20, 0), 0xffff);
	memset(ph, 0, sizeof(ph));
	memcpy(ph, rst4 + 26, 8);		/* src, dst */
	ph[9] = 6;				/* protocol */
	ph[11] = 20;				/* TCP length */
	memcpy(ph + 12, rst4 + 34, 20);
	assert_int_equal(sum16(ph, 32, 0), 0xffff);
	memset(ph, 0, sizeof(ph));
	memcpy(ph, rst6 + 22, 32);
	ph[35] = 20;
	ph[39] = 6;
	memcpy(ph + 40, rst6 + 54, 20);
	assert_int_equal(sum16(ph, 60, 0), 0xffff);
}

/* Not SYNs: neither the filter nor the parser lets them by. */
static void
test_not_a_bare_syn(void **state)
{
	static const uint8_t flags[] = {
		FRAME_TCP_SYN | FRAME_TCP_ACK,	/* a SYN-ACK */
		FRAME_TCP_ACK,
		FRAME_TCP_ACK | FRAME_TCP_PSH,	/* data */
		FRAME_TCP_RST,
		FRAME_TCP_RST | FRAME_TCP_ACK,
		FRAME_TCP_FIN | FRAME_TCP_ACK,
		FRAME_TCP_SYN | FRAME_TCP_FIN,
		FRAME_TCP_SYN | FRAME_TCP_RST,
		0,
	};
	uint8_t f[sizeof(syn6)];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(flags); i++) {
		memcpy(f, syn4, sizeof(syn4));
		f[47] = flags[i];
		assert_false(kept(f, sizeof(syn4), PACKET_HOST));
		assert_int_equal(parses(f, sizeof(syn4)), 0);
		memcpy(f, syn6, sizeof(syn6));
		f[67] = flags[i];
		assert_false(kept(f, sizeof(syn6), PACKET_HOST));
		assert_int_equal(parses(f, sizeof(syn6)), 0);
	}
	/* ECN bits (CWR, ECE) on a SYN do not matter. */
	memcpy(f, syn4, sizeof(syn4));
	f[47] = FRAME_TCP_SYN | 0xc0;
	assert_true(kept(f, sizeof(syn4), PACKET_HOST));
	assert_int_equal(parses(f, sizeof(syn4)), 1);
}

static void
test_not_for_us(void **state)
{
	uint8_t f[sizeof(syn6)];

	(void)state;
	/* Another destination. */
	memcpy(f, syn4, sizeof(syn4));
	f[33] = 0x0b;				/* 192.0.2.11 */
	fix4(f);
	assert_false(kept(f, sizeof(syn4), PACKET_HOST));
	assert_int_equal(parses(f, sizeof(syn4)), 0);
	memcpy(f, syn6, sizeof(syn6));
	f[53] = 0x01;
	assert_false(kept(f, sizeof(syn6), PACKET_HOST));
	assert_int_equal(parses(f, sizeof(syn6)), 0);
	/* The second IPv4 address is ours too. */
	memcpy(f, syn4, sizeof(syn4));
	f[33] = 0x65;				/* 192.0.2.101 */
	fix4(f);
	assert_true(kept(f, sizeof(syn4), PACKET_HOST));
	assert_int_equal(parses(f, sizeof(syn4)), 1);
	/* Frames not addressed to our MAC, and our own outgoing ones. */
	assert_false(kept(syn4, sizeof(syn4), PACKET_OTHERHOST));
	assert_false(kept(syn4, sizeof(syn4), PACKET_BROADCAST));
	assert_false(kept(syn4, sizeof(syn4), PACKET_MULTICAST));
	assert_false(kept(syn6, sizeof(syn6), PACKET_OUTGOING));
	/* UDP to the VIP. */
	memcpy(f, syn4, sizeof(syn4));
	f[23] = 17;
	fix4(f);
	assert_false(kept(f, sizeof(syn4), PACKET_HOST));
	assert_int_equal(parses(f, sizeof(syn4)), 0);
	/* ARP, whatever it asks. */
	memset(f, 0, sizeof(f));
	memcpy(f, syn4, 12);
	f[12] = 0x08;
	f[13] = 0x06;
	assert_false(kept(f, 60, PACKET_HOST));
	assert_int_equal(parses(f, 60), 0);
}

static void
test_ip_shapes(void **state)
{
	uint8_t f[sizeof(syn6)];

	(void)state;
	/* A fragment (MF set): neither. */
	memcpy(f, syn4, sizeof(syn4));
	f[20] |= 0x20;
	fix4(f);
	assert_false(kept(f, sizeof(syn4), PACKET_HOST));
	assert_int_equal(parses(f, sizeof(syn4)), 0);
	/* An IPv4 option (router alert, IHL 6): still a SYN, found behind
	 * it by both. Header checksum 0x0f0e from Python. */
	memcpy(f, syn4, 34);
	f[14] = 0x46;
	f[17] = 64;
	f[24] = 0x0f;
	f[25] = 0x0e;
	memcpy(f + 34, "\x94\x04\x00\x00", 4);
	memcpy(f + 38, syn4 + 34, sizeof(syn4) - 34);
	assert_true(kept(f, sizeof(syn4) + 4, PACKET_HOST));
	assert_int_equal(parses(f, sizeof(syn4) + 4), 1);
	/* A wrong IPv4 header checksum: the filter cannot tell, the parser
	 * drops it. */
	memcpy(f, syn4, sizeof(syn4));
	f[25] ^= 1;
	assert_true(kept(f, sizeof(syn4), PACKET_HOST));
	assert_int_equal(parses(f, sizeof(syn4)), 0);
	/* IPv6 with a hop-by-hop header: neither. */
	memcpy(f, syn6, sizeof(syn6));
	f[20] = 0;
	assert_false(kept(f, sizeof(syn6), PACKET_HOST));
	assert_int_equal(parses(f, sizeof(syn6)), 0);
	/* Cut inside the TCP header: nobody reads past the end. */
	assert_false(kept(syn4, 14 + 20 + 13, PACKET_HOST));
	assert_int_equal(parses(syn4, 14 + 20 + 19), 0);
	assert_int_equal(parses(syn6, 14 + 40 + 19), 0);
	/* ... but the first 20 TCP bytes are enough (FRAME_SNAPLEN cuts). */
	assert_int_equal(parses(syn4, 14 + 20 + 20), 1);
	assert_int_equal(parses(syn6, 14 + 40 + 20), 1);
}

/* Sources no reset may go to; the filter passes them, the parser not. */
static void
test_unanswerable_sources(void **state)
{
	static const uint8_t src4[][4] = {
		{ 0, 0, 0, 0 }, { 127, 0, 0, 1 }, { 224, 0, 0, 1 },
		{ 255, 255, 255, 255 }, { 192, 0, 2, 100 },	/* ourselves */
	};
	static const char *const src6[] = {
		"::", "::1", "ff02::1", "2001:db8::100",
	};
	uint8_t f[sizeof(syn6)];
	struct netaddr a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(src4) / sizeof(src4[0]); i++) {
		memcpy(f, syn4, sizeof(syn4));
		memcpy(f + 26, src4[i], 4);
		fix4(f);
		assert_int_equal(sum16(f + 14, 20, 0), 0xffff);
		assert_true(kept(f, sizeof(syn4), PACKET_HOST));
		assert_int_equal(parses(f, sizeof(syn4)), 0);
	}
	for (i = 0; i < sizeof(src6) / sizeof(src6[0]); i++) {
		memcpy(f, syn6, sizeof(syn6));
		a = addr(src6[i]);
		memcpy(f + 22, &a.u.v6, 16);
		assert_true(kept(f, sizeof(syn6), PACKET_HOST));
		assert_int_equal(parses(f, sizeof(syn6)), 0);
	}
	/* A group source MAC. */
	memcpy(f, syn4, sizeof(syn4));
	f[6] = 0x01;
	assert_int_equal(parses(f, sizeof(syn4)), 0);
}

/* The TCP checksum of the segment in frame f (IPv4 with a 20-byte header,
 * or IPv6), written here from RFC 9293 3.1 / RFC 8200 8.1: `full` the
 * value to store, else the pseudo-header's sum alone, not complemented,
 * which a sender that leaves the checksum to its NIC puts there. */
static uint16_t
tcp_sum(const uint8_t *f, size_t whole, bool full)
{
	bool v4 = f[12] == 0x08;
	size_t off = v4 ? 34 : 54, n = whole - off;
	uint8_t tail[4] = { 0, 6, (uint8_t)(n >> 8), (uint8_t)n };
	uint8_t seg[128];
	uint32_t sum;

	sum = sum16(f + (v4 ? 26 : 22), v4 ? 8 : 32, 0);
	sum = sum16(tail, 4, sum);
	if (!full)
		return (uint16_t)sum;
	memcpy(seg, f + off, n);
	seg[16] = seg[17] = 0;
	return (uint16_t)~sum16(seg, n, sum);
}

static void
put_sum(uint8_t *f, size_t whole, uint16_t v)
{
	size_t off = f[12] == 0x08 ? 34 : 54;

	(void)whole;
	f[off + 16] = (uint8_t)(v >> 8);
	f[off + 17] = (uint8_t)v;
}

static uint16_t
get_sum(const uint8_t *f)
{
	size_t off = f[12] == 0x08 ? 34 : 54;

	return (uint16_t)(f[off + 16] << 8 | f[off + 17]);
}

/* The frame handed on to the new holder is the SYN as received, only its
 * Ethernet addresses changed, and a checksum left for offload completed;
 * only a whole, undamaged frame goes, never to a group address or back to
 * ourselves. */
static void
test_forward_bytes(void **state)
{
	static const uint8_t ours[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	static const uint8_t holder[6] = { 0x02, 0, 0, 0, 0, 0x0b };
	static const uint8_t group[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	const uint8_t *syns[2] = { syn4, syn6 };
	const size_t lens[2] = { sizeof(syn4), sizeof(syn6) };
	uint8_t buf[FRAME_SNAPLEN], f[sizeof(syn6) + 6];

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		size_t n = lens[k];
		uint16_t right;

		memcpy(f, syns[k], n);
		right = tcp_sum(f, n, true);
		/* right: handed on as it is */
		put_sum(f, n, right);
		memset(buf, 0xa5, sizeof(buf));
		assert_int_equal(refuse_build_forward(buf, sizeof(buf), f, n,
		    ours, holder), (int)n);
		assert_memory_equal(buf, holder, 6);
		assert_memory_equal(buf + 6, ours, 6);
		assert_memory_equal(buf + 12, f + 12, n - 12);
		assert_int_equal(buf[n], 0xa5);
		/* left for offload: completed, nothing else changed */
		put_sum(f, n, tcp_sum(f, n, false));
		assert_int_equal(refuse_build_forward(buf, sizeof(buf), f, n,
		    ours, holder), (int)n);
		assert_int_equal(get_sum(buf), right);
		put_sum(buf, n, get_sum(f));
		assert_memory_equal(buf + 12, f + 12, n - 12);
		/* damaged: not ours to repair */
		put_sum(f, n, (uint16_t)(right ^ 0x0100));
		assert_int_equal(refuse_build_forward(buf, sizeof(buf), f, n,
		    ours, holder), -EBADMSG);
	}

	/* Link padding after the IP packet stays behind. */
	memcpy(f, syn4, sizeof(syn4));
	put_sum(f, sizeof(syn4), tcp_sum(f, sizeof(syn4), true));
	memset(f + sizeof(syn4), 0, 6);
	assert_int_equal(refuse_frame_len(f, sizeof(syn4) + 6), sizeof(syn4));
	assert_int_equal(refuse_build_forward(buf, sizeof(buf), f,
	    sizeof(syn4) + 6, ours, holder), (int)sizeof(syn4));
	/* Cut short by the capture: not whole, not handed on. */
	assert_int_equal(refuse_frame_len(syn4, sizeof(syn4) - 1), 0);
	assert_int_equal(refuse_frame_len(syn6, sizeof(syn6) - 1), 0);
	assert_int_equal(refuse_build_forward(buf, sizeof(buf), f,
	    sizeof(syn4) - 1, ours, holder), -EINVAL);
	assert_int_equal(refuse_frame_len(syn4, 20), 0);
	/* No room; a group destination; ourselves. */
	assert_int_equal(refuse_build_forward(buf, sizeof(syn4) - 1, f,
	    sizeof(syn4), ours, holder), -EINVAL);
	assert_int_equal(refuse_build_forward(buf, sizeof(buf), f,
	    sizeof(syn4), ours, group), -EINVAL);
	assert_int_equal(refuse_build_forward(buf, sizeof(buf), f,
	    sizeof(syn4), ours, ours), -EINVAL);
	/* Neither IPv4 nor IPv6. */
	f[12] = 0x08;
	f[13] = 0x06;
	assert_int_equal(refuse_frame_len(f, sizeof(syn4)), 0);
}

static void
test_filter_limits(void **state)
{
	struct sock_filter prog[FRAME_BPF_MAX];
	struct netaddr many[REFUSE_ADDRS_MAX + 1];
	uint8_t f[sizeof(syn6)];
	size_t i;
	int len;

	(void)state;
	for (i = 0; i <= REFUSE_ADDRS_MAX; i++) {
		many[i] = addr("2001:db8::100");
		many[i].u.v6.s6_addr[15] = (uint8_t)i;
	}
	len = refuse_filter(AF_INET6, many, REFUSE_ADDRS_MAX, prog,
	    FRAME_BPF_MAX);
	assert_true(len > 0);
	memcpy(f, syn6, sizeof(syn6));
	f[53] = REFUSE_ADDRS_MAX - 1;
	assert_int_equal(bpf_run(prog, (size_t)len, f, sizeof(f),
	    PACKET_HOST), FRAME_SNAPLEN);
	assert_int_equal(refuse_filter(AF_INET6, many, REFUSE_ADDRS_MAX + 1,
	    prog, FRAME_BPF_MAX), -E2BIG);
}

static void
test_start_rejects(void **state)
{
	struct loop *l = loop_new();
	struct netaddr bad = { .family = AF_UNIX };

	(void)state;
	assert_non_null(l);
	errno = 0;
	assert_null(refuse_start(l, 1, vips, 0, true));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(refuse_start(l, 1, &bad, 1, true));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(refuse_start(l, 0, vips, 3, true));
	assert_int_equal(errno, EINVAL);
	/* Loopback has no Ethernet header to answer with. */
	errno = 0;
	assert_null(refuse_start(l, 1, vips, 3, false));
	assert_int_equal(errno, EOPNOTSUPP);
	refuse_stop(NULL);
	assert_int_equal(refuse_count(NULL), 0);
	loop_free(l);
}

/* The other end of a socketpair sees EOF once `fd` is closed, by
 * whichever thread closes it. */
static bool
closed_by_now(int peer)
{
	struct pollfd pfd = { .fd = peer, .events = POLLIN };
	char c;

	return poll(&pfd, 1, 5000) == 1 && read(peer, &c, 1) == 0;
}

/* frame_close() before the closers run closes in the caller; after
 * frame_closer_start() the closer threads do (the refuse and probe
 * sockets stop on them), and frame_closer_drain() waits for them. */
static void
test_frame_close(void **state)
{
	int sp[2], peers[64];

	(void)state;
	frame_close(-1);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	frame_close(sp[0]);
	assert_int_equal(fcntl(sp[0], F_GETFD), -1);	/* gone already */
	assert_int_equal(errno, EBADF);
	assert_true(closed_by_now(sp[1]));
	close(sp[1]);

	assert_true(frame_closer_drain(0));		/* nothing handed over */
	assert_int_equal(frame_closer_start(), 0);
	assert_int_equal(frame_closer_start(), 0);	/* once */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
		frame_close(sp[0]);
		assert_true(closed_by_now(sp[1]));
		close(sp[1]);
	}
	frame_close(-1);
	/* Many at once, then the wait before exit sees them all closed. */
	for (int i = 0; i < 64; i++) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
		frame_close(sp[0]);
		peers[i] = sp[1];
	}
	assert_true(frame_closer_drain(5000));
	for (int i = 0; i < 64; i++) {
		struct pollfd pfd = { .fd = peers[i], .events = POLLIN };
		char c;

		assert_int_equal(poll(&pfd, 1, 0), 1);	/* EOF already */
		assert_int_equal(read(peers[i], &c, 1), 0);
		close(peers[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syn4_parsed),
		cmocka_unit_test(test_rst4_bytes),
		cmocka_unit_test(test_rst6_bytes),
		cmocka_unit_test(test_rst_checksums_verify),
		cmocka_unit_test(test_not_a_bare_syn),
		cmocka_unit_test(test_not_for_us),
		cmocka_unit_test(test_ip_shapes),
		cmocka_unit_test(test_unanswerable_sources),
		cmocka_unit_test(test_forward_bytes),
		cmocka_unit_test(test_filter_limits),
		cmocka_unit_test(test_start_rejects),
		cmocka_unit_test(test_frame_close),
	};

	return cmocka_run_group_tests_name("refuse", tests, setup, NULL);
}
