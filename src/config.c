/*
 * config: vipd.conf through libconfuse 3.3 (see config.h).
 *
 * Every value is checked by a libconfuse parse callback as it is read, so
 * messages carry the line of the value itself; a callback reports, counts the
 * error and lets the parse go on, so one run shows every bad value. A vip
 * section is turned into a struct vip_config when its closing brace is read
 * (section validate callback), where the checks that need several values
 * run. Two things libconfuse does not do are done here: a brace-balance scan
 * before parsing (libconfuse 3.3 accepts a last section without its closing
 * brace, reference D.1) and include() relative to the config file's
 * directory.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/un.h>

#include <confuse.h>

#include "config.h"

/* A config file is a few KiB; refuse anything absurd before reading it. */
#define CONFIG_MAX_FILE		(1024 * 1024)
#define CONFIG_SCAN_DEPTH	16
#define CONFIG_SCAN_TEXT	64

/*
 * The integer knobs: key, field, default, minimum, maximum, unit, whether 0
 * means "off" outside the range. Defaults are justified in etc/vipd.conf and
 * vipd.conf(5); config_print() writes them in this order.
 */
#define CONFIG_KNOBS(X)							\
	X("role-check-interval", role_check_interval, 500, 50, 60000, "ms", 0) \
	X("sentinel-poll-interval", sentinel_poll_interval, 1000, 100, 60000, "ms", 0) \
	X("command-timeout", command_timeout, 1000, 100, 60000, "ms", 0) \
	X("redis-down-after", redis_down_after, 1500, 0, 600000, "ms", 0) \
	X("no-quorum-hold-down", no_quorum_hold_down, 5000, 0, 3600000, "ms", 0) \
	X("garp-count", garp_count, 5, 1, 100, "", 0)			\
	X("garp-interval", garp_interval, 200, 10, 10000, "ms", 0)	\
	X("garp-repeat-delay", garp_repeat_delay, 5000, 0, 600000, "ms", 0) \
	X("garp-refresh", garp_refresh, 0, 1000, 3600000, "ms", 1)

struct config_knob {
	const char *key;
	size_t offset;
	long def, min, max;
	const char *unit;
	int zero_is_off;
};

#define CONFIG_KNOB_ROW(k, f, d, lo, hi, u, z) \
	{ k, offsetof(struct vip_config, f), d, lo, hi, u, z },
static const struct config_knob config_knobs[] = {
	CONFIG_KNOBS(CONFIG_KNOB_ROW)
};
#define CONFIG_N_KNOBS	(sizeof(config_knobs) / sizeof(config_knobs[0]))

/* Keys of a vip section, to remember the line each was set on. */
enum config_key {
	K_ADDRESS, K_INTERFACE, K_REDIS, K_ANNOUNCE, K_SENTINELS, K_POLICY,
	K_KNOB0,
	K_COUNT = K_KNOB0 + CONFIG_N_KNOBS
};
static const char *const config_keys[K_KNOB0] = {
	"address", "interface", "redis", "announce", "sentinels",
	"no-quorum-policy",
};

#define CONFIG_DEFAULT_REDIS	"127.0.0.1:6379"
#define CONFIG_REDIS_PORT	6379
#define CONFIG_SENTINEL_PORT	26379
/* Sentinel's default down-after-milliseconds (sentinel.conf). */
#define CONFIG_SENTINEL_DOWN_AFTER	30000

/* Where a top-level section opened and closed, from the brace scan:
 * libconfuse only remembers the line of the closing brace. */
struct config_span {
	char *file;
	int open, close;
};

struct config_ctx {
	FILE *errs;
	const char *name;		/* file name as given, for messages */
	bool from_buffer;		/* include() is refused */
	int errors;
	struct vipd_config *out;
	int key_line[K_COUNT];		/* of the vip section being read */
	int socket_line;
	struct config_span *spans;
	size_t n_spans;
};

/* libconfuse callbacks get no user pointer (and its lexer is global, so
 * only one parse can run at a time anyway): the parse in progress. */
static struct config_ctx *config_cur;

static void __attribute__((format(printf, 5, 6)))
config_report(struct config_ctx *ctx, const char *file, int line, bool warn,
    const char *fmt, ...)
{
	va_list ap;

	if (!warn)
		ctx->errors++;
	if (line > 0)
		fprintf(ctx->errs, "%s:%d: ", file, line);
	else
		fprintf(ctx->errs, "%s: ", file);
	if (warn)
		fputs("warning: ", ctx->errs);
	va_start(ap, fmt);
	vfprintf(ctx->errs, fmt, ap);
	va_end(ap);
	fputc('\n', ctx->errs);
}

/* Errors of a value being parsed: cfg is the section being read and its
 * line is the line of the value. */
#define config_err(ctx, cfg, ...) \
	config_report((ctx), (cfg)->filename, (cfg)->line, false, __VA_ARGS__)

/*
 * libconfuse's own messages, reworded where it helps; the formats are its
 * untranslated msgids (vipd never calls setlocale()).
 */
static void
config_errfunc(cfg_t *cfg, const char *fmt, va_list ap)
{
	struct config_ctx *ctx = config_cur;
	const struct vip_config *first;
	const char *arg;
	char msg[512];

	if (strcmp(fmt, "no such option '%s'") == 0) {
		arg = va_arg(ap, const char *);
		if (cfg->title)
			snprintf(msg, sizeof(msg), "unknown option '%s' in %s \"%s\"",
			    arg, cfg->name, cfg->title);
		else
			snprintf(msg, sizeof(msg), "unknown option '%s'", arg);
	} else if (strcmp(fmt, "found duplicate title '%s'") == 0) {
		arg = va_arg(ap, const char *);
		first = config_find_vip(ctx->out, arg);
		snprintf(msg, sizeof(msg), "duplicate vip \"%s\" (first defined on line %d)",
		    arg, first ? first->line : 0);
	} else if (strcmp(fmt, "missing title for section '%s'") == 0) {
		arg = va_arg(ap, const char *);
		snprintf(msg, sizeof(msg), "%s section without a name: write %s "
		    "\"mastername\" { ... } with the Sentinel master name", arg, arg);
	} else {
		vsnprintf(msg, sizeof(msg), fmt, ap);
	}
	config_report(ctx, cfg->filename ? cfg->filename : ctx->name, cfg->line,
	    false, "%s", msg);
}

/* ---- brace-balance scan -------------------------------------------------- */

struct config_tok {
	char kind;			/* 0, 'w'ord, 's'tring or the punctuation */
	char text[CONFIG_SCAN_TEXT];
};

struct config_open {
	int line;
	bool list;
	char what[2 * CONFIG_SCAN_TEXT + 16];
};

static void
config_tok_push(struct config_tok t[3], char kind, const char *s, size_t n)
{
	t[2] = t[1];
	t[1] = t[0];
	t[0].kind = kind;
	if (n >= sizeof(t[0].text))
		n = sizeof(t[0].text) - 1;
	memcpy(t[0].text, s, n);
	t[0].text[n] = '\0';
}

/* What an opening brace opens, from the three tokens before it. */
static void
config_describe(struct config_open *o, const struct config_tok t[3])
{
	o->list = false;
	if (t[0].kind == '=') {
		o->list = true;
		snprintf(o->what, sizeof(o->what), "the %s list",
		    t[1].kind == '+' ? t[2].text : t[1].text);
	} else if ((t[0].kind == 's' || t[0].kind == 'w') && t[1].kind == 'w' &&
	    t[2].kind != '=') {
		snprintf(o->what, sizeof(o->what), "%s \"%s\"", t[1].text, t[0].text);
	} else if (t[0].kind == 'w') {
		snprintf(o->what, sizeof(o->what), "%s", t[0].text);
	} else {
		snprintf(o->what, sizeof(o->what), "a block");
	}
}

/*
 * Skip the string or comment starting at buf[i], counting its newlines;
 * returns the index after it, or len + 1 when it does not end. Comments are
 * blanked (newlines kept): libconfuse 3.3 counts each comment line twice and
 * refuses a comment inside a list (libconfuse issue #150), so it never sees
 * one.
 */
static size_t
config_skip(char *buf, size_t len, size_t i, int *line)
{
	size_t start = i, end;
	char q = buf[i];

	if (q == '#' || (q == '/' && buf[i + 1] == '/')) {
		while (i < len && buf[i] != '\n')
			i++;
		end = i;
	} else if (q == '/') {
		for (i += 2; i + 1 < len && !(buf[i] == '*' && buf[i + 1] == '/'); i++)
			*line += buf[i] == '\n';
		if (i + 1 >= len)
			return len + 1;
		end = i + 2;
	} else {
		for (i++; i < len && buf[i] != q; i++) {
			if (buf[i] == '\\' && i + 1 < len)
				i++;
			*line += buf[i] == '\n';
		}
		return i < len ? i + 1 : len + 1;
	}
	for (i = start; i < end; i++)
		if (buf[i] != '\n')
			buf[i] = ' ';
	return end;
}

static int
config_span_add(struct config_ctx *ctx, const char *file, int open, int close)
{
	struct config_span *s;

	s = realloc(ctx->spans, (ctx->n_spans + 1) * sizeof(*s));
	if (!s)
		return -1;
	ctx->spans = s;
	s = &s[ctx->n_spans];
	s->file = strdup(file);
	if (!s->file)
		return -1;
	s->open = open;
	s->close = close;
	ctx->n_spans++;
	return 0;
}

/*
 * Check that every '{' is closed, understanding strings, ${VAR} and the
 * three comment styles (which it blanks); records where each top-level
 * section opens. A stray '}' is left to libconfuse's message.
 */
static int
config_scan(struct config_ctx *ctx, const char *file, char *buf, size_t len)
{
	struct config_open open[CONFIG_SCAN_DEPTH];
	struct config_tok t[3] = { { 0, "" }, { 0, "" }, { 0, "" } };
	int line = 1, last = 1, depth = 0;
	size_t i = 0, j;

	while (i < len) {
		char c = buf[i];

		if (c == '\0') {
			config_report(ctx, file, line, false, "NUL byte in configuration");
			return -1;
		}
		if (c == '\n') {
			line++;
			i++;
			continue;
		}
		if (isspace((unsigned char)c)) {
			i++;
			continue;
		}
		last = line;
		if (c == '#' || c == '"' || c == '\'' || (c == '/' && i + 1 < len &&
		    (buf[i + 1] == '/' || buf[i + 1] == '*'))) {
			j = config_skip(buf, len, i, &line);
			if (j > len) {
				config_report(ctx, file, last, false, "unterminated %s "
				    "starting here", c == '/' ? "comment" : "string");
				return -1;
			}
			if (c == '"' || c == '\'')
				config_tok_push(t, 's', buf + i + 1, j - i - 2);
			i = j;
		} else if (c == '{') {
			if (depth == CONFIG_SCAN_DEPTH) {
				config_report(ctx, file, line, false, "braces nested too deeply");
				return -1;
			}
			open[depth].line = line;
			config_describe(&open[depth++], t);
			config_tok_push(t, c, &c, 1);
			i++;
		} else if (c == '}') {
			if (depth == 0)
				return 0;
			depth--;
			if (depth == 0 && !open[0].list &&
			    config_span_add(ctx, file, open[0].line, line) < 0) {
				config_report(ctx, file, line, false, "out of memory");
				return -1;
			}
			config_tok_push(t, c, &c, 1);
			i++;
		} else if (strchr("=+,()", c)) {
			config_tok_push(t, c, &c, 1);
			i++;
		} else {
			/* An unquoted word; ${VAR} may contain braces. */
			for (j = i; j < len && !isspace((unsigned char)buf[j]) &&
			    !strchr("{}=+,()\"'#", buf[j]) && !(buf[j] == '/' &&
			    j + 1 < len && strchr("/*", buf[j + 1])); j++)
				if (buf[j] == '$' && j + 1 < len && buf[j + 1] == '{')
					while (j + 1 < len && buf[j] != '}')
						j++;
			config_tok_push(t, 'w', buf + i, j - i);
			i = j;
		}
	}
	while (depth-- > 0)
		config_report(ctx, file, last, false,
		    "missing '}' to close %s opened on line %d",
		    open[depth].what, open[depth].line);
	return ctx->errors ? -1 : 0;
}

/* ---- value checks (libconfuse parse callbacks) ---------------------------- */

static int
config_key(const char *name)
{
	for (int k = 0; k < K_KNOB0; k++)
		if (strcmp(config_keys[k], name) == 0)
			return k;
	for (size_t i = 0; i < CONFIG_N_KNOBS; i++)
		if (strcmp(config_knobs[i].key, name) == 0)
			return K_KNOB0 + (int)i;
	return -1;
}

/* A scalar set twice in one section is almost always a paste error, and
 * libconfuse would silently keep the last one. */
static void
config_seen(struct config_ctx *ctx, cfg_t *cfg, cfg_opt_t *opt)
{
	int k = config_key(opt->name);

	if (k < 0)
		return;
	if (ctx->key_line[k])
		config_err(ctx, cfg, "'%s' is set twice in %s \"%s\" (first on line %d)",
		    opt->name, cfg->name, cfg->title ? cfg->title : "", ctx->key_line[k]);
	else
		ctx->key_line[k] = cfg->line;
}

static bool
config_all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/*
 * "IP[:port]", IPv6 in brackets. Reports through ctx/cfg when ctx is not
 * NULL; the builder re-parses already reported values silently.
 */
static int
config_hostport(struct config_ctx *ctx, cfg_t *cfg, const char *what,
    const char *s, uint16_t defport, struct hostport *out)
{
	const char *h = s, *end, *port = NULL;
	bool bracket = s[0] == '[';
	char host[INET6_ADDRSTRLEN];
	size_t n;
	long v;

	memset(out, 0, sizeof(*out));
	if (bracket) {
		end = strchr(s, ']');
		if (!end || (end[1] && end[1] != ':'))
			goto bad;
		port = end[1] ? end + 2 : NULL;
		h = s + 1;
	} else {
		end = strchr(s, ':');
		if (end && strchr(end + 1, ':')) {
			if (ctx && netaddr_parse(s, &out->addr) == 0) {
				config_err(ctx, cfg, "%s '%s': an IPv6 address needs "
				    "brackets, like [%s]:%u", what, s, s, defport);
				return -1;
			}
			goto bad;
		}
		if (end)
			port = end + 1;
		else
			end = s + strlen(s);
	}
	n = (size_t)(end - h);
	if (n == 0 || n >= sizeof(host))
		goto bad;
	memcpy(host, h, n);
	host[n] = '\0';
	if (netaddr_parse(host, &out->addr) < 0 ||
	    (out->addr.family == AF_INET6) != bracket)
		goto bad;
	out->port = defport;
	if (!port)
		return 0;
	v = config_all_digits(port) && strlen(port) <= 5 ? strtol(port, NULL, 10) : 0;
	if (v < 1 || v > 65535) {
		if (ctx)
			config_err(ctx, cfg, "%s '%s': bad port '%s', expected 1..65535",
			    what, s, port);
		return -1;
	}
	out->port = (uint16_t)v;
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	if (ctx)
		config_err(ctx, cfg, "%s '%s': expected IP[:port] like 192.0.2.11:%u "
		    "or [2001:db8::11]:%u", what, s, defport, defport);
	return -1;
}

static int
config_address(struct config_ctx *ctx, cfg_t *cfg, const char *s, struct prefix *out)
{
	const char *slash = strchr(s, '/');
	char host[INET6_ADDRSTRLEN];
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	struct netaddr a;
	unsigned int max;

	memset(out, 0, sizeof(*out));
	if (n == 0 || n >= sizeof(host))
		goto bad;
	memcpy(host, s, n);
	host[n] = '\0';
	if (netaddr_parse(host, &a) < 0)
		goto bad;
	max = a.family == AF_INET ? 32 : 128;
	if (prefix_parse(s, out) < 0) {
		if (ctx)
			config_err(ctx, cfg, "address '%s': bad prefix length, expected "
			    "/1 to /%u (default /%u)", s, max, max);
		return -1;
	}
	if (a.family == AF_INET ? (a.u.v4.s_addr == htonl(INADDR_ANY) ||
	    IN_MULTICAST(ntohl(a.u.v4.s_addr))) :
	    (IN6_IS_ADDR_UNSPECIFIED(&a.u.v6) || IN6_IS_ADDR_MULTICAST(&a.u.v6))) {
		if (ctx)
			config_err(ctx, cfg, "address '%s' is not a unicast address", s);
		return -1;
	}
	return 0;
bad:
	if (ctx)
		config_err(ctx, cfg, "address '%s': expected an IP address with optional "
		    "/prefix, like 192.0.2.100 or 2001:db8::100/64", s);
	return -1;
}

/* Linux dev_valid_name(), plus no control characters. */
static void
config_check_interface(struct config_ctx *ctx, cfg_t *cfg, const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0) {
		config_err(ctx, cfg, "interface name '%s' is not valid", s);
		return;
	}
	if (n >= IFNAMSIZ) {
		config_err(ctx, cfg, "interface name '%s' is too long (%zu characters, "
		    "Linux allows at most %d)", s, n, IFNAMSIZ - 1);
		return;
	}
	for (; *s; s++) {
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s) ||
		    iscntrl((unsigned char)*s)) {
			config_err(ctx, cfg, "interface name may not contain '%c'", *s);
			return;
		}
	}
}

/* Parse callback of every string key: check, report, keep parsing. */
static int
config_parse_str(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	struct config_ctx *ctx = config_cur;
	struct hostport hp;
	struct prefix p;
	size_t i;

	*(const char **)result = value;
	switch (config_key(opt->name)) {
	case K_ADDRESS:
		config_seen(ctx, cfg, opt);
		config_address(ctx, cfg, value, &p);
		break;
	case K_INTERFACE:
		config_seen(ctx, cfg, opt);
		config_check_interface(ctx, cfg, value);
		break;
	case K_REDIS:
	case K_ANNOUNCE:
		config_seen(ctx, cfg, opt);
		config_hostport(ctx, cfg, opt->name, value, CONFIG_REDIS_PORT, &hp);
		break;
	case K_POLICY:
		config_seen(ctx, cfg, opt);
		if (strcmp(value, "release") != 0 && strcmp(value, "keep") != 0)
			config_err(ctx, cfg, "no-quorum-policy must be \"release\" or "
			    "\"keep\", not \"%s\"", value);
		break;
	case K_SENTINELS:
		/* libconfuse has already added the slot for this value and, on
		 * "=", dropped the earlier ones: nvalues == 1 starts a list. */
		if (opt->nvalues == 1)
			config_seen(ctx, cfg, opt);
		if (opt->nvalues == CONFIG_MAX_SENTINELS + 1)
			config_err(ctx, cfg, "more than %d sentinels in vip \"%s\"",
			    CONFIG_MAX_SENTINELS, cfg->title ? cfg->title : "");
		if (config_hostport(ctx, cfg, "sentinel", value, CONFIG_SENTINEL_PORT,
		    &hp) < 0)
			break;
		for (i = 0; i + 1 < opt->nvalues; i++) {
			struct hostport o;
			const char *s = cfg_opt_getnstr(opt, (unsigned int)i);

			if (s && config_hostport(NULL, cfg, "", s, CONFIG_SENTINEL_PORT, &o) == 0 &&
			    hostport_equal(&o, &hp)) {
				config_err(ctx, cfg, "sentinel '%s' is listed twice", value);
				break;
			}
		}
		break;
	}
	return 0;
}

static int
config_parse_socket(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	struct config_ctx *ctx = config_cur;
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;
	const char *s;

	(void)opt;
	*(const char **)result = value;
	if (ctx->socket_line)
		config_err(ctx, cfg, "'control-socket' is set twice (first on line %d)",
		    ctx->socket_line);
	ctx->socket_line = cfg->line;
	if (value[0] != '/')
		config_err(ctx, cfg, "control-socket '%s' must be an absolute path", value);
	else if (strlen(value) > max)
		config_err(ctx, cfg, "control-socket path is too long (at most %zu bytes)",
		    max);
	for (s = value; *s; s++)
		if (iscntrl((unsigned char)*s)) {
			config_err(ctx, cfg, "control-socket contains a control character");
			break;
		}
	return 0;
}

/* Decimal only: libconfuse's strtol(…, 0) would read "010" as 8. */
static int
config_parse_int(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	struct config_ctx *ctx = config_cur;
	const struct config_knob *kn;
	int k = config_key(opt->name);
	long v;

	kn = &config_knobs[k - K_KNOB0];
	*(long *)result = kn->def;
	config_seen(ctx, cfg, opt);
	v = config_all_digits(value) && strlen(value) <= 9 ? strtol(value, NULL, 10) : -1;
	if (v < 0) {
		config_err(ctx, cfg, "%s '%s': expected a whole number%s", kn->key, value,
		    kn->unit[0] ? " of milliseconds" : "");
	} else if ((v < kn->min || v > kn->max) && !(v == 0 && kn->zero_is_off)) {
		config_err(ctx, cfg, "%s %ld is out of range: expected %s%ld..%ld%s%s",
		    kn->key, v, kn->zero_is_off ? "0 (off) or " : "", kn->min, kn->max,
		    kn->unit[0] ? " " : "", kn->unit);
	} else {
		*(long *)result = v;
	}
	return 0;
}

/* ---- a vip section, once its closing brace is read ----------------------- */

static int
config_open_line(struct config_ctx *ctx, cfg_t *sec)
{
	for (size_t i = 0; i < ctx->n_spans; i++)
		if (ctx->spans[i].close == sec->line && sec->filename &&
		    strcmp(ctx->spans[i].file, sec->filename) == 0)
			return ctx->spans[i].open;
	return sec->line;
}

#define config_vip_err(ctx, sec, line, ...) \
	config_report((ctx), (sec)->filename, (line), false, __VA_ARGS__)

/* Checks that need several values, or other vips. */
static void
config_vip_checks(struct config_ctx *ctx, cfg_t *sec, struct vip_config *vc)
{
	const int *kl = ctx->key_line;
	char a[NETADDR_STRLEN];
	size_t i;

	for (i = 0; i + 1 < ctx->out->n_vips; i++) {
		if (netaddr_equal(&ctx->out->vips[i].address.addr, &vc->address.addr))
			config_vip_err(ctx, sec, kl[K_ADDRESS], "address %s is already "
			    "used by vip \"%s\" (line %d)", netaddr_fmt(&vc->address.addr,
			    a, sizeof(a)), ctx->out->vips[i].name, ctx->out->vips[i].line);
	}
	if (vc->has_announce && netaddr_equal(&vc->announce.addr, &vc->address.addr))
		config_vip_err(ctx, sec, kl[K_ANNOUNCE], "announce %s is the VIP itself; "
		    "it must be this node's own address as Sentinel names it",
		    hostport_fmt(&vc->announce, a, sizeof(a)));
	if (netaddr_equal(&vc->redis.addr, &vc->address.addr))
		config_vip_err(ctx, sec, kl[K_REDIS], "redis %s is the VIP itself; it "
		    "must be the local node's own address",
		    hostport_fmt(&vc->redis, a, sizeof(a)));
	if (vc->n_sentinels > 0 && vc->n_sentinels % 2 == 0)
		config_report(ctx, sec->filename, kl[K_SENTINELS], true, "vip \"%s\" has "
		    "%zu sentinels: a majority is %zu of %zu, which tolerates no more "
		    "failures than %zu would; use an odd number", vc->name,
		    vc->n_sentinels, config_majority(vc), vc->n_sentinels,
		    vc->n_sentinels - 1);
	if (vc->no_quorum_policy == NO_QUORUM_RELEASE &&
	    vc->no_quorum_hold_down >= CONFIG_SENTINEL_DOWN_AFTER)
		config_report(ctx, sec->filename, kl[K_KNOB0 + 4] ? kl[K_KNOB0 + 4] :
		    vc->line, true, "no-quorum-hold-down %u is not below Sentinel's "
		    "default down-after-milliseconds (%d): a majority may promote another "
		    "node while this one still holds the VIP", vc->no_quorum_hold_down,
		    CONFIG_SENTINEL_DOWN_AFTER);
}

static int
config_fill_sentinels(struct config_ctx *ctx, cfg_t *sec, struct vip_config *vc)
{
	unsigned int n = cfg_size(sec, "sentinels");

	if (n == 0) {
		if (cfg_getopt(sec, "sentinels")->flags & CFGF_MODIFIED)
			config_vip_err(ctx, sec, vc->line, "vip \"%s\": the sentinels list is "
			    "empty; list every Sentinel that monitors \"%s\"", vc->name, vc->name);
		else
			config_vip_err(ctx, sec, vc->line, "vip \"%s\": missing 'sentinels', "
			    "e.g. sentinels = { \"192.0.2.11:26379\", ... }", vc->name);
		return 0;
	}
	if (n > CONFIG_MAX_SENTINELS)
		return 0;	/* reported while parsing */
	vc->sentinels = calloc(n, sizeof(*vc->sentinels));
	if (!vc->sentinels)
		return -1;
	for (unsigned int i = 0; i < n; i++)
		if (config_hostport(NULL, sec, "", cfg_getnstr(sec, "sentinels", i),
		    CONFIG_SENTINEL_PORT, &vc->sentinels[vc->n_sentinels]) == 0)
			vc->n_sentinels++;
	return 0;
}

static int
config_fill_vip(struct config_ctx *ctx, cfg_t *sec, struct vip_config *vc)
{
	const char *s, *name = cfg_title(sec);

	vc->line = config_open_line(ctx, sec);
	vc->name = strdup(name ? name : "");
	if (!vc->name)
		return -1;
	for (s = vc->name; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
			break;
	if (!vc->name[0] || *s)
		config_vip_err(ctx, sec, vc->line, "vip \"%s\": the name must be a Sentinel "
		    "master name (no spaces or control characters)", vc->name);
	if (cfg_size(sec, "address") == 0)
		config_vip_err(ctx, sec, vc->line, "vip \"%s\": missing 'address', the "
		    "floating IP, e.g. address = \"192.0.2.100\"", vc->name);
	else
		config_address(NULL, sec, cfg_getstr(sec, "address"), &vc->address);
	if (cfg_size(sec, "interface") == 0)
		config_vip_err(ctx, sec, vc->line, "vip \"%s\": missing 'interface', the "
		    "link the VIP goes on, e.g. interface = \"eth0\"", vc->name);
	else if (!(vc->interface = strdup(cfg_getstr(sec, "interface"))))
		return -1;
	config_hostport(NULL, sec, "", cfg_getstr(sec, "redis"), CONFIG_REDIS_PORT,
	    &vc->redis);
	if (cfg_size(sec, "announce") > 0)
		vc->has_announce = config_hostport(NULL, sec, "", cfg_getstr(sec,
		    "announce"), CONFIG_REDIS_PORT, &vc->announce) == 0;
	for (size_t i = 0; i < CONFIG_N_KNOBS; i++)
		*(unsigned int *)((char *)vc + config_knobs[i].offset) =
		    (unsigned int)cfg_getint(sec, config_knobs[i].key);
	vc->no_quorum_policy = strcmp(cfg_getstr(sec, "no-quorum-policy"), "keep") == 0 ?
	    NO_QUORUM_KEEP : NO_QUORUM_RELEASE;
	return config_fill_sentinels(ctx, sec, vc);
}

/* Validate callback of the vip section: called with the parent cfg after
 * the section's closing brace. */
static int
config_end_vip(cfg_t *cfg, cfg_opt_t *opt)
{
	struct config_ctx *ctx = config_cur;
	struct vipd_config *out = ctx->out;
	struct vip_config *v;
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	int rc = 0;

	v = realloc(out->vips, (out->n_vips + 1) * sizeof(*v));
	if (!v) {
		config_err(ctx, cfg, "out of memory");
		return -1;
	}
	out->vips = v;
	v = &out->vips[out->n_vips++];
	memset(v, 0, sizeof(*v));
	if (config_fill_vip(ctx, sec, v) < 0) {
		config_err(ctx, cfg, "out of memory");
		rc = -1;
		goto out;
	}
	config_vip_checks(ctx, sec, v);
out:
	memset(ctx->key_line, 0, sizeof(ctx->key_line));
	return rc;
}

/* ---- include(), loading ---------------------------------------------------- */

static int
config_read(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "r");
	int rc = 0;

	*buf = NULL;
	*len = 0;
	if (!f)
		return -errno;
	*buf = malloc(CONFIG_MAX_FILE + 1);
	if (!*buf) {
		rc = -ENOMEM;
		goto out;
	}
	*len = fread(*buf, 1, CONFIG_MAX_FILE + 1, f);
	if (ferror(f))
		rc = -EIO;
	else if (*len > CONFIG_MAX_FILE)
		rc = -EFBIG;
out:
	fclose(f);
	if (rc < 0) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

/*
 * include("file"): relative names are found in the config file's directory
 * (the search path set in config_run). The file is brace-scanned and its
 * comments blanked like the main one, so libconfuse is handed the cleaned
 * copy through a memfd and then told the real name for its messages.
 */
static int
config_include(cfg_t *cfg, cfg_opt_t *opt, int argc, const char **argv)
{
	struct config_ctx *ctx = config_cur;
	cfg_searchpath_t *saved = cfg->path;
	char *path = NULL, *buf = NULL, *name = NULL, fdpath[32];
	const char *args[1] = { fdpath };
	int rc = 1, err, fd = -1;
	size_t len;

	if (argc != 1 || ctx->from_buffer) {
		config_err(ctx, cfg, argc != 1 ? "include() takes one file name" :
		    "include() is not available here");
		return 1;
	}
	path = argv[0][0] == '/' ? strdup(argv[0]) : cfg_searchpath(cfg->path, argv[0]);
	if (!path) {
		config_err(ctx, cfg, "include(\"%s\"): no such file next to %s", argv[0],
		    ctx->name);
		goto out;
	}
	if ((err = config_read(path, &buf, &len)) < 0) {
		config_err(ctx, cfg, "include(\"%s\"): %s", path, strerror(-err));
		goto out;
	}
	if (config_scan(ctx, path, buf, len) < 0)
		goto out;
	fd = memfd_create("vipd-include", MFD_CLOEXEC);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len || !(name = strdup(path))) {
		config_err(ctx, cfg, "include(\"%s\"): %s", path, strerror(errno));
		goto out;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	cfg->path = NULL;	/* the name is absolute */
	rc = cfg_include(cfg, opt, 1, args);
	cfg->path = saved;
	if (rc == 0) {
		/* libconfuse frees cfg->filename when the include ends. */
		free(cfg->filename);
		cfg->filename = name;
		name = NULL;
	}
out:
	if (fd >= 0)
		close(fd);	/* libconfuse has its own open file */
	free(name);
	free(buf);
	free(path);
	return rc;
}

/* Future secret-file options (password files for the local node and the
 * Sentinels) belong here and in vip_opts; config_print() must redact them. */
static cfg_opt_t config_vip_opts[] = {
	CFG_STR_CB("address", NULL, CFGF_NODEFAULT, config_parse_str),
	CFG_STR_CB("interface", NULL, CFGF_NODEFAULT, config_parse_str),
	CFG_STR_CB("redis", CONFIG_DEFAULT_REDIS, CFGF_NONE, config_parse_str),
	CFG_STR_CB("announce", NULL, CFGF_NODEFAULT, config_parse_str),
	CFG_STR_LIST_CB("sentinels", NULL, CFGF_NODEFAULT, config_parse_str),
	CFG_STR_CB("no-quorum-policy", "release", CFGF_NONE, config_parse_str),
#define CONFIG_KNOB_OPT(k, f, d, lo, hi, u, z) \
	CFG_INT_CB(k, d, CFGF_NONE, config_parse_int),
	CONFIG_KNOBS(CONFIG_KNOB_OPT)
	CFG_END()
};

static cfg_opt_t config_opts[] = {
	CFG_STR_CB("control-socket", CONFIG_DEFAULT_CONTROL_SOCKET, CFGF_NONE,
	    config_parse_socket),
	CFG_SEC("vip", config_vip_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_FUNC("include", config_include),
	CFG_END()
};

static int
config_run(struct config_ctx *ctx, const char *buf, size_t len, const char *dir)
{
	cfg_t *cfg = cfg_init(config_opts, CFGF_NONE);
	FILE *fp = NULL;
	int rc = -1;

	/* cfg_parse_fp() names the input "FILE" unless told otherwise. */
	if (!cfg || !(cfg->filename = strdup(ctx->name)))
		goto out;
	cfg_set_error_function(cfg, config_errfunc);
	cfg_set_validate_func(cfg, "vip", config_end_vip);
	if (dir && cfg_add_searchpath(cfg, dir) != 0)
		goto out;
	/* Nothing to parse in an empty buffer (and old glibc fmemopen()
	 * refuses a zero length). */
	if (len > 0) {
		if (!(fp = fmemopen((void *)buf, len, "r")))
			goto out;
		config_cur = ctx;
		if (cfg_parse_fp(cfg, fp) != CFG_SUCCESS && ctx->errors == 0)
			config_report(ctx, ctx->name, 0, false, "cannot parse");
		config_cur = NULL;
	}
	ctx->out->control_socket = strdup(cfg_getstr(cfg, "control-socket"));
	if (ctx->out->control_socket)
		rc = 0;
out:
	if (rc < 0)
		config_report(ctx, ctx->name, 0, false, "out of memory");
	if (fp)
		fclose(fp);
	if (cfg)
		cfg_free(cfg);
	return rc;
}

/* buf is the caller's writable copy: the scan blanks its comments. */
static struct vipd_config *
config_parse(struct config_ctx *ctx, char *buf, size_t len, const char *dir)
{
	struct vipd_config *out = calloc(1, sizeof(*out));

	ctx->out = out;
	if (!out || !(out->path = strdup(ctx->name))) {
		config_report(ctx, ctx->name, 0, false, "out of memory");
		goto out;
	}
	if (config_scan(ctx, ctx->name, buf, len) < 0)
		goto out;
	if (config_run(ctx, buf, len, dir) < 0)
		goto out;
	if (out->n_vips == 0 && ctx->errors == 0) {
		int line = 1;

		for (size_t i = 0; i + 1 < len; i++)
			line += buf[i] == '\n';
		config_report(ctx, ctx->name, line, false, "no vip sections: nothing to "
		    "do (add vip \"mastername\" { ... })");
	}
out:
	for (size_t i = 0; i < ctx->n_spans; i++)
		free(ctx->spans[i].file);
	free(ctx->spans);
	if (ctx->errors) {
		config_free(out);
		out = NULL;
	}
	return out;
}

struct vipd_config *
config_load_buffer(const char *buf, size_t len, const char *name, FILE *errs)
{
	struct config_ctx ctx = { .errs = errs, .name = name, .from_buffer = true };
	struct vipd_config *out;
	char *copy = malloc(len + 1);

	if (!copy) {
		config_report(&ctx, name, 0, false, "out of memory");
		return NULL;
	}
	memcpy(copy, buf, len);
	out = config_parse(&ctx, copy, len, NULL);
	free(copy);
	return out;
}

struct vipd_config *
config_load(const char *path, FILE *errs)
{
	struct config_ctx ctx = { .errs = errs, .name = path };
	struct vipd_config *out = NULL;
	const char *slash = strrchr(path, '/');
	char *buf = NULL, *dir = NULL;
	size_t len;
	int err;

	if ((err = config_read(path, &buf, &len)) < 0) {
		config_report(&ctx, path, 0, false, "cannot read: %s",
		    err == -EFBIG ? "file too large" : strerror(-err));
		goto out;
	}
	if (!slash)
		dir = strdup(".");
	else
		dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	if (!dir) {
		config_report(&ctx, path, 0, false, "out of memory");
		goto out;
	}
	out = config_parse(&ctx, buf, len, dir);
out:
	free(dir);
	free(buf);
	return out;
}

/* ---- printing, lookup, freeing ------------------------------------------- */

/* Double-quoted; '$' escaped so that ${...} is not substituted on reload. */
static void
config_print_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\' || *s == '$')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void
config_print_vip(const struct vip_config *vc, FILE *out)
{
	char b[NETADDR_STRLEN];

	fputs("vip ", out);
	config_print_str(out, vc->name);
	fputs(" {\n", out);
	fprintf(out, "\t%-22s = \"%s\"\n", "address",
	    prefix_fmt(&vc->address, b, sizeof(b)));
	fprintf(out, "\t%-22s = ", "interface");
	config_print_str(out, vc->interface);
	fprintf(out, "\n\t%-22s = \"%s\"\n", "redis", hostport_fmt(&vc->redis, b,
	    sizeof(b)));
	if (vc->has_announce)
		fprintf(out, "\t%-22s = \"%s\"\n", "announce",
		    hostport_fmt(&vc->announce, b, sizeof(b)));
	fprintf(out, "\t%-22s = {", "sentinels");
	for (size_t i = 0; i < vc->n_sentinels; i++)
		fprintf(out, "%s \"%s\"", i ? "," : "",
		    hostport_fmt(&vc->sentinels[i], b, sizeof(b)));
	fputs(" }\n", out);
	for (size_t i = 0; i < CONFIG_N_KNOBS; i++) {
		const struct config_knob *kn = &config_knobs[i];

		/* Printed where it belongs: with the hold-down it governs. */
		if (kn->offset == offsetof(struct vip_config, no_quorum_hold_down))
			fprintf(out, "\t%-22s = \"%s\"\n", "no-quorum-policy",
			    vc->no_quorum_policy == NO_QUORUM_KEEP ? "keep" : "release");
		fprintf(out, "\t%-22s = %u\n", kn->key,
		    *(const unsigned int *)((const char *)vc + kn->offset));
	}
	fputs("}\n", out);
}

void
config_print(const struct vipd_config *cfg, FILE *out)
{
	fputs("control-socket = ", out);
	config_print_str(out, cfg->control_socket);
	fputc('\n', out);
	for (size_t i = 0; i < cfg->n_vips; i++) {
		fputc('\n', out);
		config_print_vip(&cfg->vips[i], out);
	}
}

const struct vip_config *
config_find_vip(const struct vipd_config *cfg, const char *name)
{
	if (!cfg)
		return NULL;
	for (size_t i = 0; i < cfg->n_vips; i++)
		if (strcmp(cfg->vips[i].name, name) == 0)
			return &cfg->vips[i];
	return NULL;
}

void
config_free(struct vipd_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_vips; i++) {
		free(cfg->vips[i].name);
		free(cfg->vips[i].interface);
		free(cfg->vips[i].sentinels);
	}
	free(cfg->vips);
	free(cfg->control_socket);
	free(cfg->path);
	free(cfg);
}
