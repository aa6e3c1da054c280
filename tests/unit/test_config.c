/*
 * Unit tests for config: every rejected input with the exact message it
 * must produce, defaults, the config_print() round trip, IPv6, several vips,
 * include() relative to the config file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define HEAD	"vip \"m\" {\n\taddress = \"192.0.2.100\"\n\tinterface = \"eth0\"\n"
#define S3	"\tsentinels = { \"192.0.2.11:26379\", \"192.0.2.12:26379\", " \
		"\"192.0.2.13:26379\" }\n"
#define MIN	HEAD S3 "}\n"

/* Load `text` as "t.conf"; returns the config and the messages. */
static struct vipd_config *
load(const char *text, char **msgs)
{
	struct vipd_config *cfg;
	size_t n;
	FILE *f = open_memstream(msgs, &n);

	assert_non_null(f);
	cfg = config_load_buffer(text, strlen(text), "t.conf", f);
	fclose(f);
	return cfg;
}

struct bad_case {
	const char *name, *text, *msg;
};

static const struct bad_case bad_cases[] = {
	{ "unknown key", HEAD S3 "\tbogus = 1\n}\n",
	  "t.conf:5: unknown option 'bogus' in vip \"m\"" },
	{ "unknown top-level key", "bogus = 1\n" MIN,
	  "t.conf:1: unknown option 'bogus'" },
	{ "duplicate vip", MIN MIN,
	  "t.conf:6: duplicate vip \"m\" (first defined on line 1)" },
	{ "same address twice", MIN "vip \"n\" {\n\taddress = \"192.0.2.100/24\"\n"
	  "\tinterface = \"eth1\"\n" S3 "}\n",
	  "t.conf:7: address 192.0.2.100 is already used by vip \"m\" (line 1)" },
	{ "bad address", "vip \"m\" {\n\taddress = \"192.0.2.300\"\n}\n",
	  "t.conf:2: address '192.0.2.300': expected an IP address with optional "
	  "/prefix, like 192.0.2.100 or 2001:db8::100/64" },
	{ "bad prefix", "vip \"m\" {\n\taddress = \"2001:db8::1/129\"\n}\n",
	  "t.conf:2: address '2001:db8::1/129': bad prefix length, expected /1 to /128" },
	{ "multicast address", "vip \"m\" {\n\taddress = \"224.0.0.1\"\n}\n",
	  "t.conf:2: address '224.0.0.1' is not a unicast address" },
	{ "bad host:port", HEAD "\tsentinels = { \"sentinel1:26379\" }\n}\n",
	  "t.conf:4: sentinel 'sentinel1:26379': expected IP[:port] like "
	  "192.0.2.11:26379 or [2001:db8::11]:26379" },
	{ "bad port", HEAD "\tredis = \"127.0.0.1:0\"\n" S3 "}\n",
	  "t.conf:4: redis '127.0.0.1:0': bad port '0', expected 1..65535" },
	{ "port too big", HEAD "\tsentinels = { \"[2001:db8::1]:70000\" }\n}\n",
	  "t.conf:4: sentinel '[2001:db8::1]:70000': bad port '70000'" },
	{ "unbracketed IPv6", HEAD "\tsentinels = { \"2001:db8::1\" }\n}\n",
	  "t.conf:4: sentinel '2001:db8::1': an IPv6 address needs brackets, "
	  "like [2001:db8::1]:26379" },
	{ "missing address", "vip \"m\" {\n\tinterface = \"eth0\"\n" S3 "}\n",
	  "t.conf:1: vip \"m\": missing 'address'" },
	{ "missing interface", "vip \"m\" {\n\taddress = \"192.0.2.1\"\n" S3 "}\n",
	  "t.conf:1: vip \"m\": missing 'interface'" },
	{ "missing sentinels", HEAD "}\n", "t.conf:1: vip \"m\": missing 'sentinels'" },
	{ "empty sentinels", HEAD "\tsentinels = { }\n}\n",
	  "t.conf:1: vip \"m\": the sentinels list is empty" },
	{ "too many sentinels", HEAD "\tsentinels = { \"192.0.2.1\", \"192.0.2.2\", "
	  "\"192.0.2.3\", \"192.0.2.4\", \"192.0.2.5\", \"192.0.2.6\", \"192.0.2.7\",\n"
	  "\"192.0.2.8\", \"192.0.2.9\", \"192.0.2.10\", \"192.0.2.11\", \"192.0.2.12\",\n"
	  "\"192.0.2.13\", \"192.0.2.14\", \"192.0.2.15\", \"192.0.2.16\" }\n}\n",
	  "t.conf:6: more than 15 sentinels in vip \"m\"" },
	{ "duplicate sentinel", HEAD "\tsentinels = { \"192.0.2.11\",\n"
	  "\t\t\"192.0.2.11:26379\" }\n}\n",
	  "t.conf:5: sentinel '192.0.2.11:26379' is listed twice" },
	{ "knob too small", HEAD S3 "\trole-check-interval = 10\n}\n",
	  "t.conf:5: role-check-interval 10 is out of range: expected 50..60000 ms" },
	{ "knob too big", HEAD S3 "\tgarp-count = 101\n}\n",
	  "t.conf:5: garp-count 101 is out of range: expected 1..100" },
	{ "refresh between 0 and min", HEAD S3 "\tgarp-refresh = 999\n}\n",
	  "t.conf:5: garp-refresh 999 is out of range: expected 0 (off) or "
	  "1000..3600000 ms" },
	{ "knob not a number", HEAD S3 "\tcommand-timeout = 1s\n}\n",
	  "t.conf:5: command-timeout '1s': expected a whole number of milliseconds" },
	{ "negative knob", HEAD S3 "\tredis-down-after = -1\n}\n",
	  "t.conf:5: redis-down-after '-1': expected a whole number" },
	{ "bad policy", HEAD S3 "\tno-quorum-policy = \"stay\"\n}\n",
	  "t.conf:5: no-quorum-policy must be \"release\" or \"keep\", not \"stay\"" },
	{ "announce is the VIP", HEAD S3 "\tannounce = \"192.0.2.100:6379\"\n}\n",
	  "t.conf:5: announce 192.0.2.100:6379 is the VIP itself" },
	{ "redis is the VIP", HEAD S3 "\tredis = \"192.0.2.100\"\n}\n",
	  "t.conf:5: redis 192.0.2.100:6379 is the VIP itself" },
	{ "vip without title", "vip {\n}\n", "t.conf:1: vip section without a name" },
	{ "empty title", "vip \"\" {\n\taddress = \"192.0.2.1\"\n\tinterface = \"e\"\n"
	  S3 "}\n", "t.conf:1: vip \"\": the name must be a Sentinel master name" },
	{ "no vips", "control-socket = \"/run/x.sock\"\n",
	  "t.conf:1: no vip sections: nothing to do" },
	{ "empty file", "", "t.conf:1: no vip sections: nothing to do" },
	{ "interface too long", "vip \"m\" {\n\tinterface = \"eth0123456789abc\"\n}\n",
	  "t.conf:2: interface name 'eth0123456789abc' is too long (16 characters, "
	  "Linux allows at most 15)" },
	{ "interface with slash", "vip \"m\" {\n\tinterface = \"a/b\"\n}\n",
	  "t.conf:2: interface name may not contain '/'" },
	{ "key set twice", HEAD "\tinterface = \"eth1\"\n" S3 "}\n",
	  "t.conf:4: 'interface' is set twice in vip \"m\" (first on line 3)" },
	{ "list set twice", HEAD S3 S3 "}\n",
	  "t.conf:5: 'sentinels' is set twice in vip \"m\" (first on line 4)" },
	{ "relative control socket", "control-socket = \"vipd.sock\"\n" MIN,
	  "t.conf:1: control-socket 'vipd.sock' must be an absolute path" },
	{ "missing brace at EOF", HEAD S3,
	  "t.conf:4: missing '}' to close vip \"m\" opened on line 1" },
	{ "missing list brace", HEAD "\tsentinels = { \"192.0.2.11\"\n",
	  "t.conf:4: missing '}' to close the sentinels list opened on line 4" },
	{ "missing brace, comments", "# c { \n/* { */ vip \"m\" { // {\n"
	  "\taddress = \"192.0.2.100\" # }\n\tinterface = \"{\"\n",
	  "t.conf:4: missing '}' to close vip \"m\" opened on line 2" },
	{ "env var braces", "vip m {\n\tinterface = ${VIPD_TEST_UNSET:-eth0}\n",
	  "t.conf:2: missing '}' to close vip \"m\" opened on line 1" },
	{ "stray brace", MIN "}\n", "t.conf:6: unexpected closing brace" },
	{ "unterminated string", HEAD "\tredis = \"127.0.0.1\n}\n",
	  "t.conf:4: unterminated string starting here" },
	{ "include from a buffer", "include(\"x.conf\")\n" MIN,
	  "t.conf:1: include() is not available here" },
};

static void
test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct vipd_config *cfg;
		char *msgs = NULL;

		cfg = load(c->text, &msgs);
		if (cfg || !strstr(msgs, c->msg))
			fail_msg("case '%s': %s, messages:\n%s\nwanted: %s", c->name,
			    cfg ? "accepted" : "wrong message", msgs, c->msg);
		config_free(cfg);
		free(msgs);
	}
}

/* Even sentinel counts and a long hold-down are warnings, not errors. */
static void
test_warnings(void **state)
{
	struct vipd_config *cfg;
	char *msgs = NULL;

	(void)state;
	cfg = load(HEAD "\tsentinels = { \"192.0.2.11\", \"192.0.2.12\",\n"
	    "\t\t\"192.0.2.13\", \"192.0.2.14\" }\n\tno-quorum-hold-down = 30000\n}\n",
	    &msgs);
	assert_non_null(cfg);
	assert_non_null(strstr(msgs, "t.conf:4: warning: vip \"m\" has 4 sentinels: "
	    "a majority is 3 of 4, which tolerates no more failures than 3 would"));
	assert_non_null(strstr(msgs, "t.conf:6: warning: no-quorum-hold-down 30000"));
	config_free(cfg);
	free(msgs);

	/* "keep" never releases on lost quorum: the hold-down is moot. */
	cfg = load(HEAD S3 "\tno-quorum-policy = keep\n\tno-quorum-hold-down = 60000\n}\n",
	    &msgs);
	assert_non_null(cfg);
	assert_string_equal(msgs, "");
	config_free(cfg);
	free(msgs);
}

static void
test_defaults(void **state)
{
	const struct vip_config *vc;
	struct vipd_config *cfg;
	char *msgs = NULL, b[NETADDR_STRLEN];

	(void)state;
	cfg = load(MIN, &msgs);
	assert_non_null(cfg);
	assert_string_equal(msgs, "");
	assert_string_equal(cfg->path, "t.conf");
	assert_string_equal(cfg->control_socket, CONFIG_DEFAULT_CONTROL_SOCKET);
	assert_int_equal(cfg->n_vips, 1);
	vc = config_find_vip(cfg, "m");
	assert_non_null(vc);
	assert_null(config_find_vip(cfg, "other"));
	assert_int_equal(vc->line, 1);
	assert_string_equal(prefix_fmt(&vc->address, b, sizeof(b)), "192.0.2.100/32");
	assert_string_equal(vc->interface, "eth0");
	assert_string_equal(hostport_fmt(&vc->redis, b, sizeof(b)), "127.0.0.1:6379");
	assert_false(vc->has_announce);
	assert_int_equal(vc->n_sentinels, 3);
	assert_int_equal(config_majority(vc), 2);
	assert_string_equal(hostport_fmt(&vc->sentinels[2], b, sizeof(b)),
	    "192.0.2.13:26379");
	assert_int_equal(vc->role_check_interval, 500);
	assert_int_equal(vc->sentinel_poll_interval, 1000);
	assert_int_equal(vc->command_timeout, 1000);
	assert_int_equal(vc->redis_down_after, 1500);
	assert_int_equal(vc->no_quorum_policy, NO_QUORUM_RELEASE);
	assert_int_equal(vc->no_quorum_hold_down, 5000);
	assert_int_equal(vc->garp_count, 5);
	assert_int_equal(vc->garp_interval, 200);
	assert_int_equal(vc->garp_repeat_delay, 5000);
	assert_int_equal(vc->garp_refresh, 0);
	config_free(cfg);
	free(msgs);
	config_free(NULL);
}

static const char full[] =
	"# two vips, IPv6, every knob\n"
	"control-socket = '/run/vipd/other.sock'\n"
	"vip \"cache\" {\n"
	"\taddress = \"192.0.2.100/24\"\n"
	"\tinterface = eth0\n"
	"\tredis = \"192.0.2.11:6380\"\n"
	"\tannounce = \"198.51.100.11:6380\"\n"
	"\tsentinels = { \"192.0.2.11\",  # comments inside a list are fine\n"
	"\t\t\"192.0.2.12:26380\", \"192.0.2.13\" }\n"
	"\trole-check-interval = 250\n\tsentinel-poll-interval = 700\n"
	"\tcommand-timeout = 900\n\tredis-down-after = 0\n"
	"\tno-quorum-policy = \"keep\"\n\tno-quorum-hold-down = 0\n"
	"\tgarp-count = 3\n\tgarp-interval = 100\n\tgarp-repeat-delay = 0\n"
	"\tgarp-refresh = 60000\n"
	"}\n"
	"vip sessions {\n"
	"\taddress = \"2001:db8::100\"\n"
	"\tinterface = \"eth1\"\n"
	"\tredis = \"[2001:db8::11]:6379\"\n"
	"\tsentinels = { \"[2001:db8::11]\", \"[2001:db8::12]:26379\" }\n"
	"\tsentinels += { \"[2001:db8::13]:26381\" }\n"
	"}\n";

static void
test_full(void **state)
{
	const struct vip_config *vc;
	struct vipd_config *cfg;
	char *msgs = NULL, b[NETADDR_STRLEN];

	(void)state;
	cfg = load(full, &msgs);
	assert_non_null(cfg);
	assert_string_equal(msgs, "");
	assert_string_equal(cfg->control_socket, "/run/vipd/other.sock");
	assert_int_equal(cfg->n_vips, 2);
	vc = config_find_vip(cfg, "cache");
	assert_int_equal(vc->line, 3);
	assert_string_equal(prefix_fmt(&vc->address, b, sizeof(b)), "192.0.2.100/24");
	assert_true(vc->has_announce);
	assert_string_equal(hostport_fmt(&vc->announce, b, sizeof(b)),
	    "198.51.100.11:6380");
	assert_string_equal(hostport_fmt(&vc->sentinels[1], b, sizeof(b)),
	    "192.0.2.12:26380");
	assert_int_equal(vc->no_quorum_policy, NO_QUORUM_KEEP);
	assert_int_equal(vc->garp_refresh, 60000);
	assert_int_equal(vc->redis_down_after, 0);
	vc = config_find_vip(cfg, "sessions");
	assert_int_equal(vc->line, 21);
	assert_int_equal(vc->address.addr.family, AF_INET6);
	assert_int_equal(vc->address.len, 128);
	assert_int_equal(vc->n_sentinels, 3);
	assert_string_equal(hostport_fmt(&vc->sentinels[0], b, sizeof(b)),
	    "[2001:db8::11]:26379");
	assert_string_equal(hostport_fmt(&vc->sentinels[2], b, sizeof(b)),
	    "[2001:db8::13]:26381");
	assert_string_equal(hostport_fmt(&vc->redis, b, sizeof(b)), "[2001:db8::11]:6379");
	config_free(cfg);
	free(msgs);
}

static char *
print(const struct vipd_config *cfg)
{
	char *text = NULL;
	size_t n;
	FILE *f = open_memstream(&text, &n);

	assert_non_null(f);
	config_print(cfg, f);
	fclose(f);
	return text;
}

/* config_print() output loads back to the same config and prints the same. */
static void
roundtrip(const char *text)
{
	struct vipd_config *a, *b;
	char *msgs = NULL, *pa, *pb;

	a = load(text, &msgs);
	assert_non_null(a);
	free(msgs);
	pa = print(a);
	b = load(pa, &msgs);
	if (!b)
		fail_msg("printed config does not load:\n%s\n%s", pa, msgs);
	pb = print(b);
	assert_string_equal(pa, pb);
	assert_int_equal(a->n_vips, b->n_vips);
	for (size_t i = 0; i < a->n_vips; i++) {
		const struct vip_config *x = &a->vips[i], *y = &b->vips[i];

		assert_string_equal(x->name, y->name);
		assert_memory_equal(&x->address, &y->address, sizeof(x->address));
		assert_true(hostport_equal(&x->redis, &y->redis));
		assert_int_equal(x->n_sentinels, y->n_sentinels);
		for (size_t j = 0; j < x->n_sentinels; j++)
			assert_true(hostport_equal(&x->sentinels[j], &y->sentinels[j]));
		assert_int_equal(x->garp_refresh, y->garp_refresh);
		assert_int_equal(x->no_quorum_policy, y->no_quorum_policy);
	}
	config_free(a);
	config_free(b);
	free(msgs);
	free(pa);
	free(pb);
}

static void
test_roundtrip(void **state)
{
	(void)state;
	roundtrip(MIN);
	roundtrip(full);
	/* Characters that need escaping survive, ${...} is not expanded. */
	roundtrip("control-socket = '/run/a\"b\\\\c${HOME}'\n"
	    "vip 'we\"ird$' {\n\taddress = \"192.0.2.1\"\n\tinterface = 'e$x'\n"
	    S3 "}\n");
}

static void
test_print_canonical(void **state)
{
	struct vipd_config *cfg;
	char *msgs = NULL, *text;

	(void)state;
	cfg = load(full, &msgs);
	assert_non_null(cfg);
	text = print(cfg);
	assert_non_null(strstr(text, "control-socket = \"/run/vipd/other.sock\"\n\n"
	    "vip \"cache\" {\n\taddress                = \"192.0.2.100/24\"\n"
	    "\tinterface              = \"eth0\"\n"
	    "\tredis                  = \"192.0.2.11:6380\"\n"
	    "\tannounce               = \"198.51.100.11:6380\"\n"
	    "\tsentinels              = { \"192.0.2.11:26379\", \"192.0.2.12:26380\", "
	    "\"192.0.2.13:26379\" }\n"
	    "\trole-check-interval    = 250\n"));
	assert_non_null(strstr(text, "\tredis-down-after       = 0\n"
	    "\tno-quorum-policy       = \"keep\"\n"
	    "\tno-quorum-hold-down    = 0\n"));
	/* announce only when set */
	assert_null(strstr(strstr(text, "vip \"sessions\""), "announce"));
	config_free(cfg);
	free(msgs);
	free(text);
}

/* include() resolves next to the config file, not in the CWD, and the
 * included file's lines and braces are checked too. */
static void
test_include(void **state)
{
	char dir[] = "/tmp/test_config.XXXXXX", path[128], *msgs = NULL;
	struct vipd_config *cfg;
	size_t n;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/inc.conf", dir);
	f = fopen(path, "w");
	fputs("# included\n\n" MIN, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/main.conf", dir);
	f = fopen(path, "w");
	fputs("# main\ninclude(\"inc.conf\")\n", f);
	fclose(f);
	f = open_memstream(&msgs, &n);
	cfg = config_load(path, f);
	fclose(f);
	assert_non_null(cfg);
	assert_string_equal(msgs, "");
	assert_int_equal(config_find_vip(cfg, "m")->line, 3);
	config_free(cfg);
	free(msgs);

	/* A broken included file is reported under its own name. */
	snprintf(path, sizeof(path), "%s/inc.conf", dir);
	f = fopen(path, "w");
	fputs("# included\n\n" HEAD "\tbogus = 1\n" S3, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/main.conf", dir);
	f = open_memstream(&msgs, &n);
	cfg = config_load(path, f);
	fclose(f);
	assert_null(cfg);
	assert_non_null(strstr(msgs, "/inc.conf:7: missing '}' to close vip \"m\" "
	    "opened on line 3"));
	free(msgs);

	f = fopen(path, "w");
	fputs("include(\"nope.conf\")\n", f);
	fclose(f);
	f = open_memstream(&msgs, &n);
	cfg = config_load(path, f);
	fclose(f);
	assert_null(cfg);
	assert_non_null(strstr(msgs, "main.conf:1: include(\"nope.conf\"): no such file"));
	free(msgs);

	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	f = open_memstream(&msgs, &n);
	assert_null(config_load(path, f));
	fclose(f);
	assert_non_null(strstr(msgs, "missing.conf: cannot read: No such file"));
	free(msgs);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

/* A NUL byte can only come from a fuzzer or a corrupt file. */
static void
test_nul(void **state)
{
	static const char text[] = MIN "\0vip";
	char *msgs = NULL;
	size_t n;
	FILE *f = open_memstream(&msgs, &n);

	(void)state;
	assert_null(config_load_buffer(text, sizeof(text) - 1, "t.conf", f));
	fclose(f);
	assert_non_null(strstr(msgs, "t.conf:6: NUL byte"));
	free(msgs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_print_canonical),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_nul),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
