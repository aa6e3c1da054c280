/* Byte-for-byte tests of the gratuitous ARP and unsolicited NA builders. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "garp.h"

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static struct in_addr
vip4(void)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, "192.0.2.100", &a), 1);
	return a;
}

static struct in6_addr
vip6(void)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, "2001:db8::100", &a), 1);
	return a;
}

/* RFC 826 layout, written out field by field. */
static const uint8_t arp_request[GARP_ARP_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* eth dst: broadcast */
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56,	/* eth src: mac */
	0x08, 0x06,				/* EtherType ARP */
	0x00, 0x01,				/* htype Ethernet */
	0x08, 0x00,				/* ptype IPv4 */
	0x06, 0x04,				/* hlen, plen */
	0x00, 0x01,				/* op: request */
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56,	/* sender MAC */
	0xc0, 0x00, 0x02, 0x64,			/* sender IP 192.0.2.100 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* target MAC: zero */
	0xc0, 0x00, 0x02, 0x64,			/* target IP = VIP */
};

static const uint8_t arp_reply[GARP_ARP_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	0x08, 0x06,
	0x00, 0x01,
	0x08, 0x00,
	0x06, 0x04,
	0x00, 0x02,				/* op: reply */
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	0xc0, 0x00, 0x02, 0x64,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* target MAC: broadcast */
	0xc0, 0x00, 0x02, 0x64,
};

/*
 * The checksum 0x7271 was computed outside this code base (a separate
 * one's complement sum over the RFC 8200 8.1 pseudo-header and message,
 * written in Python for this test), and test_na_checksum_verifies checks it
 * once more with the receiver's rule.
 */
static const uint8_t na[GARP_NA_LEN] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x01,	/* eth dst: all-nodes mcast */
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56,	/* eth src: mac */
	0x86, 0xdd,				/* EtherType IPv6 */
	0x60, 0x00, 0x00, 0x00,			/* version 6, tc 0, flow 0 */
	0x00, 0x20,				/* payload length 32 */
	0x3a,					/* next header 58 ICMPv6 */
	0xff,					/* hop limit 255 */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,	/* src 2001:db8::100 */
	0, 0, 0, 0, 0, 0, 0x01, 0x00,
	0xff, 0x02, 0, 0, 0, 0, 0, 0,		/* dst ff02::1 */
	0, 0, 0, 0, 0, 0, 0, 0x01,
	0x88,					/* type 136 NA */
	0x00,					/* code 0 */
	0x72, 0x71,				/* checksum */
	0x20, 0x00, 0x00, 0x00,			/* R=0 S=0 O=1, reserved */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,	/* target 2001:db8::100 */
	0, 0, 0, 0, 0, 0, 0x01, 0x00,
	0x02,					/* option: target link-layer */
	0x01,					/* length 1 (8 bytes) */
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56,	/* mac */
};

static void
test_arp_request(void **state)
{
	uint8_t buf[GARP_FRAME_MAX];
	struct in_addr v = vip4();

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(garp_build_arp(buf, sizeof(buf), mac, &v,
	    GARP_REQUEST), GARP_ARP_LEN);
	assert_memory_equal(buf, arp_request, GARP_ARP_LEN);
}

static void
test_arp_reply(void **state)
{
	uint8_t buf[GARP_FRAME_MAX];
	struct in_addr v = vip4();

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(garp_build_arp(buf, sizeof(buf), mac, &v,
	    GARP_REPLY), GARP_ARP_LEN);
	assert_memory_equal(buf, arp_reply, GARP_ARP_LEN);
}

static void
test_arp_short_buffer(void **state)
{
	uint8_t buf[GARP_ARP_LEN];
	struct in_addr v = vip4();

	(void)state;
	assert_int_equal(garp_build_arp(buf, GARP_ARP_LEN - 1, mac, &v,
	    GARP_REQUEST), -EINVAL);
	assert_int_equal(garp_build_arp(buf, sizeof(buf), mac, &v,
	    (enum garp_arp_op)3), -EINVAL);
	/* Exactly the frame length is enough. */
	assert_int_equal(garp_build_arp(buf, sizeof(buf), mac, &v,
	    GARP_REQUEST), GARP_ARP_LEN);
}

static void
test_na_bytes(void **state)
{
	uint8_t buf[GARP_FRAME_MAX];
	struct in6_addr v = vip6();

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(garp_build_na(buf, sizeof(buf), mac, &v),
	    GARP_NA_LEN);
	assert_memory_equal(buf, na, GARP_NA_LEN);
}

/* Receiver's rule (RFC 1071): the sum over pseudo-header and message,
 * checksum included, folds to 0xffff. Written independently of garp.c:
 * byte-wise accumulation with the pseudo-header laid out in a buffer. */
static void
test_na_checksum_verifies(void **state)
{
	uint8_t buf[GARP_FRAME_MAX], ph[40 + 32 + 8];
	struct in6_addr v = vip6();
	uint32_t sum = 0;
	size_t i;

	(void)state;
	assert_int_equal(garp_build_na(buf, sizeof(buf), mac, &v),
	    GARP_NA_LEN);
	memset(ph, 0, sizeof(ph));
	memcpy(ph, buf + 14 + 8, 32);		/* src, dst */
	ph[35] = 32;				/* upper-layer length */
	ph[39] = 58;				/* next header */
	memcpy(ph + 40, buf + 14 + 40, 32);	/* ICMPv6 message */
	for (i = 0; i < 72; i++)
		sum += (i % 2) ? ph[i] : (uint32_t)ph[i] << 8;
	while (sum > 0xffff)
		sum = (sum >> 16) + (sum & 0xffff);
	assert_int_equal(sum, 0xffff);
}

static void
test_na_short_buffer(void **state)
{
	uint8_t buf[GARP_NA_LEN];
	struct in6_addr v = vip6();

	(void)state;
	assert_int_equal(garp_build_na(buf, GARP_NA_LEN - 1, mac, &v),
	    -EINVAL);
	assert_int_equal(garp_build_na(buf, sizeof(buf), mac, &v),
	    GARP_NA_LEN);
}

/* A different VIP and MAC change exactly the fields that carry them. */
static void
test_na_other_address(void **state)
{
	static const uint8_t mac2[6] = { 0x02, 0, 0, 0, 0, 0x0b };
	uint8_t buf[GARP_FRAME_MAX];
	struct in6_addr v;

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::b", &v), 1);
	assert_int_equal(garp_build_na(buf, sizeof(buf), mac2, &v),
	    GARP_NA_LEN);
	assert_memory_equal(buf + 6, mac2, 6);
	assert_memory_equal(buf + 22, &v, 16);		/* IPv6 src */
	assert_memory_equal(buf + 62, &v, 16);		/* NA target */
	assert_memory_equal(buf + 80, mac2, 6);		/* TLLA option */
	assert_memory_equal(buf + 38, na + 38, 16);	/* dst ff02::1 */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_request),
		cmocka_unit_test(test_arp_reply),
		cmocka_unit_test(test_arp_short_buffer),
		cmocka_unit_test(test_na_bytes),
		cmocka_unit_test(test_na_checksum_verifies),
		cmocka_unit_test(test_na_short_buffer),
		cmocka_unit_test(test_na_other_address),
	};

	return cmocka_run_group_tests_name("garp", tests, NULL, NULL);
}
