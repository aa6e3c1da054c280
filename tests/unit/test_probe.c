/* probe: the probe frames byte for byte, the answer parser and the socket
 * filter on answers as Linux sends them, and the start/cancel contract. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <netpacket/packet.h>

#include "bpf_run.h"
#include "frame.h"
#include "loop.h"
#include "probe.h"

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t other[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a };

static struct netaddr
addr(const char *s)
{
	struct netaddr a;

	assert_int_equal(netaddr_parse(s, &a), 0);
	return a;
}

/* RFC 5227 2.1.1 probe for 192.0.2.100, field by field. */
static const uint8_t arp_probe[PROBE_ARP_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* eth dst: broadcast */
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56,	/* eth src: ours */
	0x08, 0x06,				/* EtherType ARP */
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04,	/* Ethernet, IPv4, 6, 4 */
	0x00, 0x01,				/* op: request */
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56,	/* sender MAC: ours */
	0x00, 0x00, 0x00, 0x00,			/* sender IP: 0.0.0.0 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* target MAC: zero */
	0xc0, 0x00, 0x02, 0x64,			/* target IP 192.0.2.100 */
};

/*
 * RFC 4862 5.4.2 DAD probe for 2001:db8::100. The checksum 0x4aef was
 * computed outside this code base (a separate one's complement sum over
 * the RFC 8200 8.1 pseudo-header and the message, in Python).
 */
static const uint8_t ns_probe[PROBE_NS_LEN] = {
	0x33, 0x33, 0xff, 0x00, 0x01, 0x00,	/* eth dst: 33:33 + group */
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56,	/* eth src: ours */
	0x86, 0xdd,
	0x60, 0x00, 0x00, 0x00,			/* version 6 */
	0x00, 0x18,				/* payload length 24 */
	0x3a, 0xff,				/* ICMPv6, hop limit 255 */
	0, 0, 0, 0, 0, 0, 0, 0,			/* src :: */
	0, 0, 0, 0, 0, 0, 0, 0,
	0xff, 0x02, 0, 0, 0, 0, 0, 0,		/* dst ff02::1:ff00:100 */
	0, 0, 0, 0x01, 0xff, 0x00, 0x01, 0x00,
	0x87, 0x00,				/* type 135 NS, code 0 */
	0x4a, 0xef,				/* checksum */
	0x00, 0x00, 0x00, 0x00,			/* reserved */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,	/* target 2001:db8::100 */
	0, 0, 0, 0, 0, 0, 0x01, 0x00,
};

/* What Linux sends back to arp_probe when it has 192.0.2.100: a reply
 * unicast to the prober, target IP 0.0.0.0, padded to 60 bytes. */
static const uint8_t arp_answer[60] = {
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56,	/* eth dst: us */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,	/* eth src: the holder */
	0x08, 0x06,
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04,
	0x00, 0x02,				/* op: reply */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,	/* sender MAC: the holder */
	0xc0, 0x00, 0x02, 0x64,			/* sender IP: the address */
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56,	/* target MAC: us */
	0x00, 0x00, 0x00, 0x00,			/* target IP 0.0.0.0 */
};

/* What Linux sends back to ns_probe when it has 2001:db8::100: an NA to
 * ff02::1, Override, with a target link-layer option (checksum 0xf723
 * computed in Python like the one above). */
static const uint8_t na_answer[86] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x01,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x86, 0xdd,
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,	/* src 2001:db8::100 */
	0, 0, 0, 0, 0, 0, 0x01, 0x00,
	0xff, 0x02, 0, 0, 0, 0, 0, 0,		/* dst ff02::1 */
	0, 0, 0, 0, 0, 0, 0, 0x01,
	0x88, 0x00, 0xf7, 0x23,			/* NA, code 0, checksum */
	0x20, 0x00, 0x00, 0x00,			/* Override */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,	/* target */
	0, 0, 0, 0, 0, 0, 0x01, 0x00,
	0x02, 0x01,				/* TLLA, 8 bytes */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
};

static void
test_arp_probe_bytes(void **state)
{
	uint8_t buf[128];
	struct netaddr a = addr("192.0.2.100");

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(probe_build_arp(buf, sizeof(buf), mac, &a.u.v4),
	    PROBE_ARP_LEN);
	assert_memory_equal(buf, arp_probe, PROBE_ARP_LEN);
	assert_int_equal(probe_build_arp(buf, PROBE_ARP_LEN - 1, mac,
	    &a.u.v4), -EINVAL);
}

static void
test_ns_probe_bytes(void **state)
{
	uint8_t buf[128];
	struct netaddr a = addr("2001:db8::100");

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(probe_build_ns(buf, sizeof(buf), mac, &a.u.v6),
	    PROBE_NS_LEN);
	assert_memory_equal(buf, ns_probe, PROBE_NS_LEN);
	assert_int_equal(probe_build_ns(buf, PROBE_NS_LEN - 1, mac, &a.u.v6),
	    -EINVAL);
}

/* The solicited-node group follows the low 24 bits of the address. */
static void
test_ns_group_follows_address(void **state)
{
	uint8_t buf[128];
	struct netaddr a = addr("2001:db8::ab:cdef");
	static const uint8_t group_mac[6] = { 0x33, 0x33, 0xff, 0xab, 0xcd,
	    0xef };
	static const uint8_t group[16] = { 0xff, 0x02, [11] = 0x01, 0xff,
	    0xab, 0xcd, 0xef };
	uint32_t sum = 0;
	size_t i;

	(void)state;
	assert_int_equal(probe_build_ns(buf, sizeof(buf), mac, &a.u.v6),
	    PROBE_NS_LEN);
	assert_memory_equal(buf, group_mac, 6);
	assert_memory_equal(buf + 38, group, 16);
	assert_memory_equal(buf + 62, &a.u.v6, 16);
	/* Receiver's rule: pseudo-header + message sum to 0xffff. */
	for (i = 22; i < 54; i += 2)		/* src, dst */
		sum += (uint32_t)buf[i] << 8 | buf[i + 1];
	sum += 24 + 58;				/* length, next header */
	for (i = 54; i < 78; i += 2)
		sum += (uint32_t)buf[i] << 8 | buf[i + 1];
	while (sum > 0xffff)
		sum = (sum >> 16) + (sum & 0xffff);
	assert_int_equal(sum, 0xffff);
}

static struct netaddr both[3];

static int
setup_addrs(void **state)
{
	(void)state;
	both[0] = addr("192.0.2.100");
	both[1] = addr("2001:db8::100");
	both[2] = addr("192.0.2.101");
	return 0;
}

/* Parser and filter must agree: returns the parser's verdict after
 * checking that the filter keeps exactly the frames the parser answers. */
static int
judge(const uint8_t *f, size_t len, const struct netaddr *addrs, size_t n,
    struct probe_result *r)
{
	struct sock_filter prog[FRAME_BPF_MAX];
	int family = len >= 14 && f[12] == 0x08 ? AF_INET : AF_INET6;
	int plen, got;
	uint32_t keep;

	memset(r, 0, sizeof(*r));
	got = probe_parse(f, len, mac, addrs, n, r);
	plen = probe_filter(family, mac, addrs, n, prog, FRAME_BPF_MAX);
	assert_true(plen > 0);
	keep = bpf_run(prog, (size_t)plen, f, len, PACKET_HOST);
	assert_int_not_equal(keep, BPF_RUN_BAD);
	assert_int_equal(keep != 0, got == 1);
	if (keep)
		assert_int_equal(keep, FRAME_SNAPLEN);
	/* Our own frames never reach user space. */
	assert_int_equal(bpf_run(prog, (size_t)plen, f, len,
	    PACKET_OUTGOING), 0);
	return got;
}

static void
test_parse_linux_arp_reply(void **state)
{
	struct probe_result r;

	(void)state;
	assert_int_equal(judge(arp_answer, sizeof(arp_answer), both, 3, &r), 1);
	assert_true(r.answered);
	assert_true(netaddr_equal(&r.addr, &both[0]));
	assert_memory_equal(r.mac, other, 6);
	assert_int_equal(r.error, 0);
	/* Unpadded, exactly 42 bytes, works too. */
	assert_int_equal(judge(arp_answer, PROBE_ARP_LEN, both, 3, &r), 1);
	/* Cut inside the sender IP: no answer, from filter or parser. */
	assert_int_equal(judge(arp_answer, 31, both, 3, &r), 0);
	/* One byte short of the ARP body: the filter (which reads up to
	 * the sender IP) lets it by, the parser does not. */
	assert_int_equal(probe_parse(arp_answer, PROBE_ARP_LEN - 1, mac, both,
	    3, &r), 0);
}

static void
test_parse_arp_variants(void **state)
{
	uint8_t f[60];
	struct probe_result r;

	(void)state;
	/* A gratuitous ARP request from the holder counts. */
	memcpy(f, arp_answer, sizeof(f));
	memset(f, 0xff, 6);
	f[21] = 1;
	memset(f + 32, 0, 6);
	memcpy(f + 38, f + 28, 4);
	assert_int_equal(judge(f, sizeof(f), both, 3, &r), 1);
	/* ... for the second IPv4 address of the list as well. */
	f[31] = 0x65;
	assert_int_equal(judge(f, sizeof(f), both, 3, &r), 1);
	assert_true(netaddr_equal(&r.addr, &both[2]));
	/* ... but not for an address we do not ask about. */
	f[31] = 0x66;
	assert_int_equal(judge(f, sizeof(f), both, 3, &r), 0);
	/* Another node's probe (sender IP 0.0.0.0) is no answer. */
	memcpy(f, arp_probe, PROBE_ARP_LEN);
	memcpy(f + 6, other, 6);
	memcpy(f + 22, other, 6);
	assert_int_equal(judge(f, PROBE_ARP_LEN, both, 3, &r), 0);
	/* An ARP opcode other than request/reply (RARP 3) is none. */
	memcpy(f, arp_answer, sizeof(f));
	f[21] = 3;
	assert_int_equal(probe_parse(f, sizeof(f), mac, both, 3, &r), 0);
	/* Not IPv4 over Ethernet: none. */
	memcpy(f, arp_answer, sizeof(f));
	f[19] = 16;
	assert_int_equal(judge(f, sizeof(f), both, 3, &r), 0);
}

/* Frames from our MAC never count: our own probes and announcements,
 * whatever they say. */
static void
test_parse_ignores_our_mac(void **state)
{
	uint8_t f[128];
	struct probe_result r;
	struct netaddr a = addr("192.0.2.100");

	(void)state;
	memcpy(f, arp_answer, sizeof(arp_answer));
	memcpy(f + 6, mac, 6);
	assert_int_equal(judge(f, sizeof(arp_answer), both, 3, &r), 0);
	/* Sender hardware address ours, Ethernet source not: a reflection
	 * of our own words, no answer either (the filter lets it by). */
	memcpy(f, arp_answer, sizeof(arp_answer));
	memcpy(f + 22, mac, 6);
	assert_int_equal(probe_parse(f, sizeof(arp_answer), mac, both, 3, &r),
	    0);
	memcpy(f, na_answer, sizeof(na_answer));
	memcpy(f + 6, mac, 6);
	assert_int_equal(judge(f, sizeof(na_answer), both, 3, &r), 0);
	/* Another source, but the NA puts the address at our MAC (found by
	 * fuzz_frame): no answer either. */
	memcpy(f, na_answer, sizeof(na_answer));
	memcpy(f + 80, mac, 6);
	assert_int_equal(probe_parse(f, sizeof(na_answer), mac, both, 3, &r),
	    0);
	/* Our own probe, as built. */
	assert_int_equal(probe_build_arp(f, sizeof(f), mac, &a.u.v4),
	    PROBE_ARP_LEN);
	assert_int_equal(judge(f, PROBE_ARP_LEN, both, 3, &r), 0);
}

static void
test_parse_linux_na(void **state)
{
	uint8_t f[128];
	struct probe_result r;
	static const uint8_t tlla[6] = { 0x02, 0, 0, 0, 0, 0x0b };

	(void)state;
	assert_int_equal(judge(na_answer, sizeof(na_answer), both, 3, &r), 1);
	assert_true(netaddr_equal(&r.addr, &both[1]));
	assert_memory_equal(r.mac, other, 6);
	/* The MAC is the one the option names. */
	memcpy(f, na_answer, sizeof(na_answer));
	memcpy(f + 80, tlla, 6);
	assert_int_equal(judge(f, sizeof(na_answer), both, 3, &r), 1);
	assert_memory_equal(r.mac, tlla, 6);
	/* Without the option: the Ethernet source. */
	f[19] = 24;
	assert_int_equal(judge(f, 78, both, 3, &r), 1);
	assert_memory_equal(r.mac, other, 6);
	/* An option of length 0 is malformed: still an answer, MAC from
	 * the Ethernet header (no endless walk). */
	memcpy(f, na_answer, sizeof(na_answer));
	f[79] = 0;
	assert_int_equal(judge(f, sizeof(na_answer), both, 3, &r), 1);
	assert_memory_equal(r.mac, other, 6);
}

static void
test_parse_na_rejects(void **state)
{
	uint8_t f[128];
	struct probe_result r;

	(void)state;
	/* Hop limit not 255: routed, not from this link (RFC 4861 7.1.2). */
	memcpy(f, na_answer, sizeof(na_answer));
	f[21] = 64;
	assert_int_equal(judge(f, sizeof(na_answer), both, 3, &r), 0);
	/* Another target. */
	memcpy(f, na_answer, sizeof(na_answer));
	f[77] = 0x01;
	assert_int_equal(judge(f, sizeof(na_answer), both, 3, &r), 0);
	/* A neighbour solicitation (someone else's DAD) is no answer. */
	memcpy(f, ns_probe, PROBE_NS_LEN);
	memcpy(f + 6, other, 6);
	assert_int_equal(judge(f, PROBE_NS_LEN, both, 3, &r), 0);
	/* An extension header before the ICMPv6 message: not looked at. */
	memcpy(f, na_answer, sizeof(na_answer));
	f[20] = 0;
	assert_int_equal(judge(f, sizeof(na_answer), both, 3, &r), 0);
	/* Code not 0. */
	memcpy(f, na_answer, sizeof(na_answer));
	f[55] = 1;
	assert_int_equal(probe_parse(f, sizeof(na_answer), mac, both, 3, &r),
	    0);
	/* Cut before the end of the target. */
	assert_int_equal(judge(na_answer, 77, both, 3, &r), 0);
	/* IPv4 addresses only: an IPv6 answer means nothing. */
	assert_int_equal(judge(na_answer, sizeof(na_answer), both, 1, &r), 0);
}

static void
test_filter_limits(void **state)
{
	struct sock_filter prog[FRAME_BPF_MAX];
	struct netaddr many[PROBE_ADDRS_MAX + 1];
	size_t i;
	int len;

	(void)state;
	for (i = 0; i <= PROBE_ADDRS_MAX; i++) {
		many[i] = addr("2001:db8::100");
		many[i].u.v6.s6_addr[14] = (uint8_t)(i >> 8);
		many[i].u.v6.s6_addr[15] = (uint8_t)i;
	}
	/* The most addresses fit, and the last one of them is matched. */
	len = probe_filter(AF_INET6, mac, many, PROBE_ADDRS_MAX, prog,
	    FRAME_BPF_MAX);
	assert_true(len > 0);
	{
		uint8_t f[sizeof(na_answer)];

		memcpy(f, na_answer, sizeof(f));
		memcpy(f + 62, &many[PROBE_ADDRS_MAX - 1].u.v6, 16);
		assert_int_equal(bpf_run(prog, (size_t)len, f, sizeof(f),
		    PACKET_MULTICAST), FRAME_SNAPLEN);
	}
	assert_int_equal(probe_filter(AF_INET6, mac, many,
	    PROBE_ADDRS_MAX + 1, prog, FRAME_BPF_MAX), -E2BIG);
	assert_int_equal(probe_filter(AF_INET6, mac, many, 1, prog, 3),
	    -E2BIG);
}

/* --- start / cancel ------------------------------------------------------- */

struct seen {
	struct loop *l;
	int calls;
	struct probe_result r;
};

static void
on_done(void *arg, const struct probe_result *r)
{
	struct seen *s = arg;

	s->calls++;
	s->r = *r;
	loop_stop(s->l);
}

static void
on_stop(void *arg)
{
	loop_stop(arg);
}

static void
test_start_rejects(void **state)
{
	struct loop *l = loop_new();
	struct netaddr bad = { .family = AF_UNIX };
	struct seen s = { .l = l };

	(void)state;
	assert_non_null(l);
	errno = 0;
	assert_null(probe_start(l, 1, both, 0, 3, 100, on_done, &s));
	assert_int_equal(errno, EINVAL);
	assert_null(probe_start(l, 1, both, 3, 0, 100, on_done, &s));
	assert_null(probe_start(l, 1, both, 3, 3, 0, on_done, &s));
	assert_null(probe_start(l, 1, both, 3, 3, 100, NULL, &s));
	assert_null(probe_start(l, 0, both, 3, 3, 100, on_done, &s));
	assert_null(probe_start(l, 1, &bad, 1, 3, 100, on_done, &s));
	assert_null(probe_start(l, 1, both, PROBE_ADDRS_MAX + 1, 3, 100,
	    on_done, &s));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(s.calls, 0);
	loop_free(l);
}

/* Loopback is not Ethernet: the probe starts, and says from the loop
 * (not from probe_start) that it could not probe. No privileges needed:
 * the MAC lookup fails before any socket is opened. */
static void
test_error_comes_from_the_loop(void **state)
{
	struct loop *l = loop_new();
	struct seen s = { .l = l };
	struct loop_timer t;
	struct probe *p;

	(void)state;
	assert_non_null(l);
	loop_timer_init(&t, on_stop, l);
	loop_timer_arm(l, &t, 2000);
	p = probe_start(l, 1, both, 3, 3, 100, on_done, &s);
	assert_non_null(p);
	assert_int_equal(s.calls, 0);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(s.calls, 1);
	assert_false(s.r.answered);
	assert_int_equal(s.r.error, -EOPNOTSUPP);
	loop_timer_cancel(l, &t);
	loop_free(l);
}

static void
test_cancel_means_no_callback(void **state)
{
	struct loop *l = loop_new();
	struct seen s = { .l = l };
	struct loop_timer t;
	struct probe *p;

	(void)state;
	assert_non_null(l);
	p = probe_start(l, 1, both, 3, 3, 100, on_done, &s);
	assert_non_null(p);
	probe_cancel(p);
	probe_cancel(NULL);
	loop_timer_init(&t, on_stop, l);
	loop_timer_arm(l, &t, 50);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(s.calls, 0);
	loop_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_probe_bytes),
		cmocka_unit_test(test_ns_probe_bytes),
		cmocka_unit_test(test_ns_group_follows_address),
		cmocka_unit_test(test_parse_linux_arp_reply),
		cmocka_unit_test(test_parse_arp_variants),
		cmocka_unit_test(test_parse_ignores_our_mac),
		cmocka_unit_test(test_parse_linux_na),
		cmocka_unit_test(test_parse_na_rejects),
		cmocka_unit_test(test_filter_limits),
		cmocka_unit_test(test_start_rejects),
		cmocka_unit_test(test_error_comes_from_the_loop),
		cmocka_unit_test(test_cancel_means_no_callback),
	};

	return cmocka_run_group_tests_name("probe", tests, setup_addrs, NULL);
}
