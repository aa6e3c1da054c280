/*
 * Unit tests for config: every rejected input with the exact message it
 * must produce, defaults, the config_print() round trip, IPv6, several vips,
 * include() relative to the config file, password files and the notify
 * program (in a temporary directory), config_vip_equal().
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
#include <sys/stat.h>

#include "config.h"
#include "config_check.h"

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
	{ "bad host:port", HEAD "\tsentinels = { \"[sentinel1]:26379\" }\n}\n",
	  "t.conf:4: sentinel '[sentinel1]:26379': expected HOST[:PORT], HOST "
	  "being an IP address, an IPv6 address in brackets or a DNS name, like "
	  "192.0.2.11:26379, [2001:db8::11]:26379 or redis-1.example:26379" },
	{ "name with a space", HEAD "\tsentinels = { \"s 1.test:26379\" }\n}\n",
	  "t.conf:4: sentinel 's 1.test:26379': 's 1.test' is neither an IP "
	  "address nor a valid DNS name" },
	{ "name with an empty label", HEAD "\tredis = \"n1..test\"\n" S3 "}\n",
	  "t.conf:4: redis 'n1..test': 'n1..test' is neither an IP address "
	  "nor a valid DNS name" },
	{ "name with a port out of range", HEAD S3 "\tannounce = "
	  "\"n1.test:65536\"\n}\n",
	  "t.conf:5: announce 'n1.test:65536': bad port '65536', expected "
	  "1..65535" },
	{ "a label of 64 characters", HEAD "\tsentinels = { \"" "aaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.test\" }\n"
	  "}\n", "is neither an IP address nor a valid DNS name" },
	{ "address listed twice", "vip \"m\" {\n\taddress = { \"192.0.2.100\", "
	  "\"192.0.2.100/24\" }\n}\n",
	  "t.conf:2: address '192.0.2.100/24' is listed twice" },
	{ "an address of another vip in a list", MIN "vip \"n\" {\n\taddress = "
	  "{ \"2001:db8::100\", \"192.0.2.100\" }\n\tinterface = \"eth1\"\n" S3
	  "}\n", "t.conf:7: address 192.0.2.100 is already used by vip \"m\"" },
	{ "auto where it means nothing", HEAD S3 "\tgarp-count = auto\n}\n",
	  "t.conf:5: garp-count 'auto': expected a whole number" },
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
	  "t.conf:5: command-timeout '1s': expected auto or a whole number of "
	  "milliseconds" },
	{ "negative knob", HEAD S3 "\tredis-down-after = -1\n}\n",
	  "t.conf:5: redis-down-after '-1': expected auto or a whole number" },
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
	{ "bad early-claim", HEAD S3 "\tearly-claim = true\n}\n",
	  "t.conf:5: early-claim must be \"yes\" or \"no\", not \"true\"" },
	{ "notify-timeout too small", HEAD S3 "\tnotify-timeout = 99\n}\n",
	  "t.conf:5: notify-timeout 99 is out of range: expected 100..600000 ms" },
	{ "notify-timeout too big", HEAD S3 "\tnotify-timeout = 600001\n}\n",
	  "t.conf:5: notify-timeout 600001 is out of range" },
	{ "relative notify", HEAD S3 "\tnotify = \"notify.sh\"\n}\n",
	  "t.conf:5: notify 'notify.sh' must be an absolute path" },
	{ "missing notify", HEAD S3 "\tnotify = \"/nonexistent/vipd/n\"\n}\n",
	  "t.conf:5: notify /nonexistent/vipd/n: No such file or directory" },
	{ "notify is a directory", HEAD S3 "\tnotify = \"/\"\n}\n",
	  "t.conf:5: notify / is not a regular file" },
	{ "notify set twice", HEAD S3 "\tnotify = \"/bin/sh\"\n"
	  "\tnotify = \"/bin/sh\"\n}\n",
	  "t.conf:6: 'notify' is set twice in vip \"m\" (first on line 5)" },
	{ "user without password", HEAD S3 "\tredis-user = vipd\n}\n",
	  "t.conf:5: vip \"m\": redis-user needs redis-password-file (passwords "
	  "are never written in the configuration)" },
	{ "sentinel user without password", HEAD S3 "\tsentinel-user = vipd\n}\n",
	  "t.conf:5: vip \"m\": sentinel-user needs sentinel-password-file" },
	{ "user with a space", HEAD S3 "\tsentinel-user = \"a b\"\n}\n",
	  "t.conf:5: sentinel-user 'a b': expected an ACL user name without "
	  "spaces or control characters" },
	{ "empty user", HEAD S3 "\tredis-user = \"\"\n}\n",
	  "t.conf:5: redis-user '': expected an ACL user name" },
	{ "relative password file", HEAD S3 "\tredis-password-file = \"r.pass\"\n}\n",
	  "t.conf:5: redis-password-file 'r.pass' must be an absolute path" },
	{ "missing password file", HEAD S3
	  "\tsentinel-password-file = \"/nonexistent/vipd/s.pass\"\n}\n",
	  "t.conf:5: password file /nonexistent/vipd/s.pass: No such file or directory" },
	{ "password file is a directory", HEAD S3
	  "\tredis-password-file = \"/\"\n}\n",
	  "t.conf:5: password file / is not a regular file" },
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
	assert_string_equal(prefix_fmt(&vc->addresses[0], b, sizeof(b)), "192.0.2.100/32");
	assert_string_equal(vc->interface, "eth0");
	assert_string_equal(hostport_fmt(&vc->redis, b, sizeof(b)), "127.0.0.1:6379");
	assert_false(vc->has_announce);
	assert_int_equal(vc->n_sentinels, 3);
	assert_int_equal(config_majority(vc), 2);
	assert_string_equal(hostport_fmt(&vc->sentinels[2], b, sizeof(b)),
	    "192.0.2.13:26379");
	assert_int_equal(vc->n_addresses, 1);
	assert_int_equal(vc->role_check_interval, CONFIG_AUTO);
	assert_int_equal(vc->sentinel_poll_interval, CONFIG_AUTO);
	assert_int_equal(vc->command_timeout, CONFIG_AUTO);
	assert_int_equal(vc->redis_down_after, CONFIG_AUTO);
	assert_int_equal(vc->no_quorum_policy, NO_QUORUM_RELEASE);
	assert_int_equal(vc->no_quorum_hold_down, CONFIG_AUTO);
	assert_true(vc->wire_probe);
	assert_int_equal(vc->garp_count, 5);
	assert_int_equal(vc->garp_interval, 200);
	assert_int_equal(vc->garp_repeat_delay, 5000);
	assert_int_equal(vc->garp_refresh, 0);
	assert_true(vc->early_claim);
	assert_null(vc->notify);
	assert_int_equal(vc->notify_timeout, 10000);
	assert_null(vc->redis_user);
	assert_null(vc->redis_password_file);
	assert_null(vc->redis_password);
	assert_null(vc->sentinel_user);
	assert_null(vc->sentinel_password_file);
	assert_null(vc->sentinel_password);
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
	assert_string_equal(prefix_fmt(&vc->addresses[0], b, sizeof(b)), "192.0.2.100/24");
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
	assert_int_equal(vc->addresses[0].addr.family, AF_INET6);
	assert_int_equal(vc->addresses[0].len, 128);
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
		assert_memory_equal(x->addresses, y->addresses, sizeof(x->addresses));
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
	    "\ttls                    = no\n"
	    "\tsentinel-tls           = no\n"
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

	/* An error before include() does not hide the included file's own
	 * errors, nor those after it. */
	snprintf(path, sizeof(path), "%s/inc.conf", dir);
	f = fopen(path, "w");
	fputs("vip \"m\" {\n\tinterface = \"a/b\"\n" S3 "}\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/main.conf", dir);
	f = fopen(path, "w");
	fputs("control-socket = \"rel\"\ninclude(\"inc.conf\")\nbogus = 1\n", f);
	fclose(f);
	f = open_memstream(&msgs, &n);
	cfg = config_load(path, f);
	fclose(f);
	assert_null(cfg);
	assert_non_null(strstr(msgs, "main.conf:1: control-socket 'rel' must be"));
	assert_non_null(strstr(msgs, "/inc.conf:2: interface name may not contain '/'"));
	assert_non_null(strstr(msgs, "main.conf:3: unknown option 'bogus'"));
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

/* dir/name with `text` and `mode`; returns the path in `path`. */
static void
put_file(char *path, size_t len, const char *dir, const char *name,
    const char *text, mode_t mode)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void
rm_dir(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* HEAD S3 plus one "key = path" line, loaded; NULL and the message when
 * refused. */
static struct vipd_config *
load_with(const char *key, const char *path, char **msgs)
{
	char text[1024];

	snprintf(text, sizeof(text), HEAD S3 "\t%s = \"%s\"\n}\n", key, path);
	return load(text, msgs);
}

/* A refused password file, with the exact message at line 5. */
static void
secret_refused(const char *path, const char *msg)
{
	struct vipd_config *cfg;
	char *msgs = NULL, want[512];

	cfg = load_with("redis-password-file", path, &msgs);
	snprintf(want, sizeof(want), "t.conf:5: password file %s%s\n", path, msg);
	if (cfg || strcmp(msgs, want) != 0)
		fail_msg("%s: %s, messages:\n%s\nwanted: %s", path,
		    cfg ? "accepted" : "wrong message", msgs, want);
	free(msgs);
}

static void
test_secrets(void **state)
{
	char dir[] = "/tmp/test_config.XXXXXX", rp[128], sp[128], p[128];
	char text[1024], long_line[CONFIG_MAX_SECRET + 2], *msgs = NULL, *out;
	const struct vip_config *vc;
	struct vipd_config *cfg, *again;

	(void)state;
	assert_non_null(mkdtemp(dir));
	put_file(rp, sizeof(rp), dir, "redis.pass", "r3dis-s3cret\r\nsecond line\n",
	    0600);
	/* group access is the admin's choice (a "vipd" group) */
	put_file(sp, sizeof(sp), dir, "sentinel.pass", "sent1nel-s3cret", 0640);
	snprintf(text, sizeof(text), HEAD S3 "\tredis-user = \"vipd\"\n"
	    "\tredis-password-file = \"%s\"\n\tsentinel-user = \"watcher\"\n"
	    "\tsentinel-password-file = \"%s\"\n}\n", rp, sp);
	cfg = load(text, &msgs);
	if (!cfg)
		fail_msg("%s", msgs);
	assert_string_equal(msgs, "");
	free(msgs);
	vc = &cfg->vips[0];
	assert_string_equal(vc->redis_user, "vipd");
	assert_string_equal(vc->redis_password_file, rp);
	assert_string_equal(vc->redis_password, "r3dis-s3cret");
	assert_string_equal(vc->sentinel_user, "watcher");
	assert_string_equal(vc->sentinel_password_file, sp);
	assert_string_equal(vc->sentinel_password, "sent1nel-s3cret");

	/* vipd -n -v shows the files, never the secrets, and loads back. */
	out = print(cfg);
	assert_null(strstr(out, "s3cret"));
	snprintf(text, sizeof(text), "\tredis-user             = \"vipd\"\n"
	    "\tredis-password-file    = \"%s\"\n", rp);
	assert_non_null(strstr(out, text));
	snprintf(text, sizeof(text), "\tsentinel-user          = \"watcher\"\n"
	    "\tsentinel-password-file = \"%s\"\n", sp);
	assert_non_null(strstr(out, text));
	again = load(out, &msgs);
	assert_non_null(again);
	assert_true(config_vip_equal(&cfg->vips[0], &again->vips[0]));
	config_free(again);
	free(msgs);
	free(out);
	config_free(cfg);

	/* A password file alone is requirepass. */
	cfg = load_with("sentinel-password-file", sp, &msgs);
	assert_non_null(cfg);
	assert_null(cfg->vips[0].sentinel_user);
	assert_string_equal(cfg->vips[0].sentinel_password, "sent1nel-s3cret");
	config_free(cfg);
	free(msgs);

	put_file(p, sizeof(p), dir, "world.pass", "x\n", 0644);
	secret_refused(p, " is accessible by other users (mode 0644); chmod 600 it");
	put_file(p, sizeof(p), dir, "w.pass", "x\n", 0602);
	secret_refused(p, " is accessible by other users (mode 0602); chmod 600 it");
	put_file(p, sizeof(p), dir, "empty.pass", "", 0600);
	secret_refused(p, " is empty (the password is its first line)");
	put_file(p, sizeof(p), dir, "blank.pass", "\r\nx\n", 0600);
	secret_refused(p, " is empty (the password is its first line)");
	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	put_file(p, sizeof(p), dir, "long.pass", long_line, 0600);
	secret_refused(p, ": the first line is longer than 4096 bytes");
	/* A FIFO would block the load: refused without opening for long. */
	snprintf(p, sizeof(p), "%s/fifo.pass", dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	secret_refused(p, " is not a regular file");
	if (geteuid() != 0) {
		put_file(p, sizeof(p), dir, "locked.pass", "x\n", 0000);
		secret_refused(p, ": Permission denied");
	}
	rm_dir(dir);
}

static void
test_notify(void **state)
{
	char dir[] = "/tmp/test_config.XXXXXX", p[128], *msgs = NULL, want[256];
	struct vipd_config *cfg;

	(void)state;
	assert_non_null(mkdtemp(dir));
	put_file(p, sizeof(p), dir, "notify.sh", "#!/bin/sh\n", 0700);
	cfg = load_with("notify", p, &msgs);
	assert_non_null(cfg);
	assert_string_equal(cfg->vips[0].notify, p);
	config_free(cfg);
	free(msgs);

	put_file(p, sizeof(p), dir, "notify.sh", "#!/bin/sh\n", 0655);
	cfg = load_with("notify", p, &msgs);
	assert_null(cfg);
	snprintf(want, sizeof(want), "t.conf:5: notify %s is not executable by its "
	    "owner (mode 0655)\n", p);
	assert_string_equal(msgs, want);
	free(msgs);
	rm_dir(dir);

	cfg = load(HEAD S3 "\tearly-claim = no\n\tnotify-timeout = 100\n}\n", &msgs);
	assert_non_null(cfg);
	assert_false(cfg->vips[0].early_claim);
	assert_int_equal(cfg->vips[0].notify_timeout, 100);
	config_free(cfg);
	free(msgs);
}

/* Each field that matters, changed alone, makes two vips differ. */
static void
test_vip_equal(void **state)
{
	struct hostport other_sentinels[3];
	const struct vip_config *a;
	struct vipd_config *cfg, *cfg2;
	struct vip_config b;
	char *msgs = NULL;

	(void)state;
	cfg = load(full, &msgs);
	assert_non_null(cfg);
	free(msgs);
	cfg2 = load(full, &msgs);
	assert_non_null(cfg2);
	free(msgs);
	a = &cfg->vips[0];
	assert_true(config_vip_equal(a, a));
	assert_true(config_vip_equal(a, &cfg2->vips[0]));
	assert_false(config_vip_equal(a, &cfg->vips[1]));

#define DIFFERS(change) do {						\
		b = *a;							\
		change;							\
		if (config_vip_equal(a, &b))				\
			fail_msg("equal after: %s", #change);		\
	} while (0)
	DIFFERS(b.name = "other");
	DIFFERS(b.addresses[0].len = 25);
	DIFFERS(b.addresses[0] = cfg->vips[1].addresses[0]);
	DIFFERS(b.interface = "eth9");
	DIFFERS(b.redis.port++);
	DIFFERS(b.has_announce = false);
	DIFFERS(b.announce.port++);
	DIFFERS(b.n_sentinels--);
	memcpy(other_sentinels, a->sentinels, sizeof(other_sentinels));
	other_sentinels[2].port++;
	DIFFERS(b.sentinels = other_sentinels);
	DIFFERS(b.no_quorum_policy = NO_QUORUM_RELEASE);
	DIFFERS(b.early_claim = !b.early_claim);
	DIFFERS(b.notify = "/bin/true");
	DIFFERS(b.redis_user = "u");
	DIFFERS(b.redis_password_file = "/p");
	DIFFERS(b.redis_password = "p");
	DIFFERS(b.sentinel_user = "u");
	DIFFERS(b.sentinel_password_file = "/p");
	DIFFERS(b.sentinel_password = "p");
	for (size_t i = 0; i < CONFIG_N_KNOBS; i++)
		DIFFERS(*(unsigned int *)((char *)&b + config_knobs[i].offset) += 1);
#undef DIFFERS

	/* Secrets compare by content, not by pointer; the line is not
	 * behaviour. */
	b = *a;
	b.line = 99;
	assert_true(config_vip_equal(a, &b));
	cfg->vips[0].redis_password_file = strdup("/p");
	cfg->vips[0].redis_password = strdup("secret");
	b = *a;
	b.redis_password_file = "/p";
	b.redis_password = "secret";
	assert_true(config_vip_equal(a, &b));
	b.redis_password = "Secret";
	assert_false(config_vip_equal(a, &b));
	config_free(cfg);
	config_free(cfg2);
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

	/* A '/' before the NUL once made the scan loop forever (fuzzer). */
	f = open_memstream(&msgs, &n);
	assert_null(config_load_buffer("/\0", 2, "t.conf", f));
	fclose(f);
	assert_string_equal(msgs, "t.conf:1: NUL byte in configuration\n");
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
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_vip_equal),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
