/* Unit tests for netaddr: parsing and formatting of addresses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "netaddr.h"

static void
test_hostport_good(void **state)
{
	static const struct {
		const char *in, *out;
		int family;
		uint16_t port;
	} rows[] = {
		{ "192.0.2.11:6379", "192.0.2.11:6379", AF_INET, 6379 },
		{ "127.0.0.1:1", "127.0.0.1:1", AF_INET, 1 },
		{ "[2001:db8::1]:26379", "[2001:db8::1]:26379", AF_INET6, 26379 },
		{ "[2001:DB8:0::1]:65535", "[2001:db8::1]:65535", AF_INET6, 65535 },
		{ "n1.test:6379", "n1.test:6379", 0, 6379 },
		{ "redis-0.redis-headless.ns.svc.cluster.local.:26379",
		  "redis-0.redis-headless.ns.svc.cluster.local.:26379", 0, 26379 },
		{ "localhost:1", "localhost:1", 0, 1 },
		{ "under_score.example:7", "under_score.example:7", 0, 7 },
	};
	char buf[NETADDR_STRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct hostport hp;

		assert_int_equal(hostport_parse(rows[i].in, &hp), 0);
		assert_int_equal(hp.addr.family, rows[i].family);
		assert_int_equal(hp.port, rows[i].port);
		assert_string_equal(hostport_fmt(&hp, buf, sizeof(buf)),
		    rows[i].out);
	}
}

static void
test_hostport_bad(void **state)
{
	static const char *const bad[] = {
		"", "192.0.2.11", "192.0.2.11:", "192.0.2.11:0",
		"192.0.2.11:65536", "192.0.2.11:63x", "192.0.2.11:-1",
		"2001:db8::1:6379", "[2001:db8::1]", "[2001:db8::1]6379",
		"[192.0.2.1]:6379", "[host.example]:6379", ":6379",
		"host .example:6379", "host..example:6379", ".host:6379",
		"-host.example:6379", "host-.example:6379", "ho$t:6379",
		"192.0.2:6379", "1.2.3.4.5:6379", "host.example:99999",
		"192.0.2.256:6379", "192.0.2.1: 6379", "[]:1",
	};
	struct hostport hp;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (hostport_parse(bad[i], &hp) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	}
}

static void
test_prefix(void **state)
{
	struct prefix p;
	char buf[NETADDR_STRLEN];

	(void)state;
	assert_int_equal(prefix_parse("192.0.2.100", &p), 0);
	assert_int_equal(p.len, 32);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), "192.0.2.100/32");
	assert_int_equal(prefix_parse("192.0.2.100/24", &p), 0);
	assert_int_equal(p.len, 24);
	assert_int_equal(prefix_parse("2001:db8::100", &p), 0);
	assert_int_equal(p.len, 128);
	assert_string_equal(prefix_fmt(&p, buf, sizeof(buf)), "2001:db8::100/128");
	assert_int_equal(prefix_parse("2001:db8::100/64", &p), 0);
	assert_int_equal(p.len, 64);

	assert_int_equal(prefix_parse("192.0.2.100/33", &p), -EINVAL);
	assert_int_equal(prefix_parse("192.0.2.100/0", &p), -EINVAL);
	assert_int_equal(prefix_parse("192.0.2.100/", &p), -EINVAL);
	assert_int_equal(prefix_parse("192.0.2.100/2x", &p), -EINVAL);
	assert_int_equal(prefix_parse("2001:db8::/129", &p), -EINVAL);
	assert_int_equal(prefix_parse("/24", &p), -EINVAL);
	assert_int_equal(prefix_parse("eth0", &p), -EINVAL);
}

static void
test_equal(void **state)
{
	struct hostport a, b;

	(void)state;
	assert_int_equal(hostport_parse("[2001:db8::1]:6379", &a), 0);
	assert_int_equal(hostport_parse("[2001:db8:0:0::1]:6379", &b), 0);
	assert_true(hostport_equal(&a, &b));
	b.port = 6380;
	assert_false(hostport_equal(&a, &b));
	assert_int_equal(hostport_parse("192.0.2.1:6379", &b), 0);
	assert_false(hostport_equal(&a, &b));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	/* Two unset addresses are not "the same node". */
	assert_false(hostport_equal(&a, &b));
	/* Names compare without case or a trailing dot, never with a
	 * literal. */
	assert_int_equal(hostport_parse("N1.Test.:6379", &a), 0);
	assert_int_equal(hostport_parse("n1.test:6379", &b), 0);
	assert_true(hostport_equal(&a, &b));
	assert_int_equal(hostport_parse("192.0.2.11:6379", &b), 0);
	assert_false(hostport_equal(&a, &b));
}

static void
test_names(void **state)
{
	char label63[64], long_name[300];

	(void)state;
	memset(label63, 'a', 63);
	label63[63] = '\0';
	assert_true(netaddr_name_valid(label63, 63));
	label63[62] = '-';
	assert_false(netaddr_name_valid(label63, 63));
	memset(long_name, 'a', sizeof(long_name));
	for (size_t i = 63; i < sizeof(long_name); i += 64)
		long_name[i] = '.';
	assert_true(netaddr_name_valid(long_name, 253));
	assert_false(netaddr_name_valid(long_name, 254));
	assert_false(netaddr_name_valid("a.b.", 0));
	assert_true(netaddr_name_valid("a.b.", 4));
	assert_false(netaddr_name_valid("a..", 3));
	assert_false(netaddr_name_valid("198.51.100.7", 12));
	assert_true(netaddr_name_equal("a.B.", "A.b"));
	assert_false(netaddr_name_equal("a.b", "a.b.c"));
	assert_false(netaddr_name_equal("", ""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostport_good),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_hostport_bad),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_equal),
	};

	return cmocka_run_group_tests_name("netaddr", tests, NULL, NULL);
}
