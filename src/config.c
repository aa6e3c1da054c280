/*
 * config: vipd.conf through libconfuse 3.3 (see config.h).
 *
 * Every value is checked by a libconfuse parse callback as it is read, so
 * messages carry the line of the value itself; a callback reports, counts the
 * error and lets the parse go on, so one run shows every bad value. A vip
 * section is turned into a struct vip_config when its closing brace is read
 * (section validate callback), where the checks that need several values
 * run and the password files are read. Two things libconfuse does not do
 * are done here: a brace-balance scan before parsing (config_scan.c) and
 * include() relative to the config file's directory. The checks of single
 * values and their messages are in config_check.c; printing, comparing and
 * freeing in config_fields.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/un.h>

#include <confuse.h>

#include "config.h"
#include "config_check.h"
#include "config_scan.h"
#include "tls.h"

/* A config file is a few KiB; refuse anything absurd before reading it. */
#define CONFIG_MAX_FILE		(1024 * 1024)

/* Keys of a vip section, to remember the line each was set on. */
enum config_key {
	K_ADDRESS, K_INTERFACE, K_REDIS, K_ANNOUNCE, K_SENTINELS, K_POLICY,
	K_REDIS_USER, K_REDIS_PASSWORD_FILE, K_SENTINEL_USER,
	K_SENTINEL_PASSWORD_FILE, K_NOTIFY, K_EARLY_CLAIM, K_WIRE_PROBE,
	K_REFUSE, K_TLS, K_SENTINEL_TLS, K_TLS_CA, K_TLS_CERT, K_TLS_KEY,
	K_TLS_SERVER_NAME,
	K_KNOB0,
	K_COUNT = K_KNOB0 + CONFIG_N_KNOBS
};
static const char *const config_keys[K_KNOB0] = {
	"address", "interface", "redis", "announce", "sentinels",
	"no-quorum-policy", "redis-user", "redis-password-file",
	"sentinel-user", "sentinel-password-file", "notify", "early-claim",
	"wire-probe", "refuse-after-release", "tls", "sentinel-tls",
	"tls-ca-cert-file", "tls-cert-file", "tls-key-file", "tls-server-name",
};
/* no-quorum-hold-down, fifth in CONFIG_KNOBS */
#define K_HOLD_DOWN	(K_KNOB0 + 4)

#define CONFIG_DEFAULT_REDIS	"127.0.0.1:6379"
/* Sentinel's default down-after-milliseconds (sentinel.conf). */
#define CONFIG_SENTINEL_DOWN_AFTER	30000

struct config_ctx {
	FILE *errs;
	const char *name;		/* file name as given, for messages */
	bool from_buffer;		/* include() is refused */
	int errors;
	struct vipd_config *out;
	int key_line[K_COUNT];		/* of the vip section being read */
	int socket_line;
	struct config_spans spans;	/* top-level sections, from the scan */
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
			snprintf(msg, sizeof(msg),
			    "unknown option '%s' in %s \"%s\"", arg, cfg->name,
			    cfg->title);
		else
			snprintf(msg, sizeof(msg), "unknown option '%s'", arg);
	} else if (strcmp(fmt, "found duplicate title '%s'") == 0) {
		arg = va_arg(ap, const char *);
		first = config_find_vip(ctx->out, arg);
		snprintf(msg, sizeof(msg),
		    "duplicate vip \"%s\" (first defined on line %d)", arg,
		    first ? first->line : 0);
	} else if (strcmp(fmt, "missing title for section '%s'") == 0) {
		arg = va_arg(ap, const char *);
		snprintf(msg, sizeof(msg), "%s section without a name: write "
		    "%s \"mastername\" { ... } with the Sentinel master name",
		    arg, arg);
	} else {
		vsnprintf(msg, sizeof(msg), fmt, ap);
	}
	config_report(ctx, cfg->filename ? cfg->filename : ctx->name, cfg->line,
	    false, "%s", msg);
}

/* ---- value checks (libconfuse parse callbacks) --------------------------- */

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
		config_err(ctx, cfg,
		    "'%s' is set twice in %s \"%s\" (first on line %d)",
		    opt->name, cfg->name, cfg->title ? cfg->title : "",
		    ctx->key_line[k]);
	else
		ctx->key_line[k] = cfg->line;
}

/* An element of the sentinels or the address list, parsed: compared as
 * the daemon uses it (an address without its prefix length). */
union config_elem {
	struct hostport hp;
	struct prefix p;
};

static int
config_elem_parse(int key, const char *value, union config_elem *out,
    char *err, size_t errlen)
{
	if (key == K_SENTINELS)
		return config_check_hostport("sentinel", value,
		    CONFIG_SENTINEL_PORT, &out->hp, err, errlen);
	return config_check_address(value, &out->p, err, errlen);
}

static bool
config_elem_same(int key, const union config_elem *a,
    const union config_elem *b)
{
	if (key == K_SENTINELS)
		return hostport_equal(&a->hp, &b->hp);
	return netaddr_equal(&a->p.addr, &b->p.addr);
}

/* One element of the sentinels or the address list (the last of opt):
 * within the list's limit, valid, and not one the list already has. */
static void
config_parse_elem(struct config_ctx *ctx, cfg_t *cfg, cfg_opt_t *opt,
    int key, const char *value)
{
	bool sentinels = key == K_SENTINELS;
	unsigned int max = sentinels ? CONFIG_MAX_SENTINELS :
	    CONFIG_MAX_ADDRESSES;
	char err[CONFIG_ERRLEN];
	union config_elem e, o;

	if (opt->nvalues == max + 1)
		config_err(ctx, cfg, "more than %u %s in vip \"%s\"", max,
		    sentinels ? "sentinels" : "addresses",
		    cfg->title ? cfg->title : "");
	if (config_elem_parse(key, value, &e, err, sizeof(err)) < 0) {
		config_err(ctx, cfg, "%s", err);
		return;
	}
	for (size_t i = 0; i + 1 < opt->nvalues; i++) {
		const char *s = cfg_opt_getnstr(opt, (unsigned int)i);

		if (s && config_elem_parse(key, s, &o, NULL, 0) == 0 &&
		    config_elem_same(key, &o, &e)) {
			config_err(ctx, cfg, "%s '%s' is listed twice",
			    sentinels ? "sentinel" : "address", value);
			return;
		}
	}
}

/* Check one value of a string key; returns 0 or -1 with the message. */
static int
config_check_str(int key, const char *name, const char *value, char *err,
    size_t errlen)
{
	struct hostport hp;

	switch (key) {
	case K_INTERFACE:
		return config_check_interface(value, err, errlen);
	case K_REDIS:
	case K_ANNOUNCE:
		return config_check_hostport(name, value, CONFIG_REDIS_PORT,
		    &hp, err, errlen);
	case K_POLICY:
		return config_check_choice(name, value, "release", "keep",
		    err, errlen);
	case K_REFUSE:
		return config_check_choices(name, value,
		    (const char *const[]){ "yes", "reset", "no", NULL }, err,
		    errlen);
	case K_EARLY_CLAIM:
	case K_WIRE_PROBE:
	case K_TLS:
	case K_SENTINEL_TLS:
		return config_check_choice(name, value, "yes", "no", err,
		    errlen);
	case K_REDIS_USER:
	case K_SENTINEL_USER:
		return config_check_user(name, value, err, errlen);
	case K_TLS_SERVER_NAME:
		return config_check_server_name(name, value, err, errlen);
	case K_TLS_CA:
	case K_TLS_CERT:
	case K_TLS_KEY:
	case K_REDIS_PASSWORD_FILE:
	case K_SENTINEL_PASSWORD_FILE:
		/* read when the section ends, into the vip_config */
		return config_check_path(name, value, err, errlen);
	case K_NOTIFY:
		if (config_check_path(name, value, err, errlen) < 0)
			return -1;
		return config_check_notify(value, err, errlen);
	}
	return 0;
}

/* Parse callback of every string key: check, report, keep parsing. */
static int
config_parse_str(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	struct config_ctx *ctx = config_cur;
	char err[CONFIG_ERRLEN];
	int key = config_key(opt->name);

	*(const char **)result = value;
	if (key == K_SENTINELS || key == K_ADDRESS) {
		/* libconfuse has already added the slot for this value and,
		 * on "=", dropped the earlier ones: nvalues == 1 starts a
		 * list. */
		if (opt->nvalues == 1)
			config_seen(ctx, cfg, opt);
		config_parse_elem(ctx, cfg, opt, key, value);
		return 0;
	}
	config_seen(ctx, cfg, opt);
	if (config_check_str(key, opt->name, value, err, sizeof(err)) < 0)
		config_err(ctx, cfg, "%s", err);
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
		config_err(ctx, cfg,
		    "'control-socket' is set twice (first on line %d)",
		    ctx->socket_line);
	ctx->socket_line = cfg->line;
	if (value[0] != '/')
		config_err(ctx, cfg,
		    "control-socket '%s' must be an absolute path", value);
	else if (strlen(value) > max)
		config_err(ctx, cfg,
		    "control-socket path is too long (at most %zu bytes)", max);
	for (s = value; *s; s++)
		if (iscntrl((unsigned char)*s)) {
			config_err(ctx, cfg,
			    "control-socket contains a control character");
			break;
		}
	return 0;
}

static int
config_parse_int(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	struct config_ctx *ctx = config_cur;
	const struct config_knob *kn =
	    &config_knobs[config_key(opt->name) - K_KNOB0];
	char err[CONFIG_ERRLEN];

	*(long *)result = kn->def;
	config_seen(ctx, cfg, opt);
	if (config_check_knob(kn, value, (long *)result, err, sizeof(err)) < 0)
		config_err(ctx, cfg, "%s", err);
	return 0;
}

/* ---- a vip section, once its closing brace is read ----------------------- */

#define config_vip_err(ctx, sec, line, ...) \
	config_report((ctx), (sec)->filename, (line), false, __VA_ARGS__)

/* Is `a` one of vc's addresses? */
static bool
config_is_vip_addr(const struct vip_config *vc, const struct netaddr *a)
{
	for (size_t i = 0; i < vc->n_addresses; i++)
		if (netaddr_equal(&vc->addresses[i].addr, a))
			return true;
	return false;
}

/* Checks that need several values, or other vips. */
static void
config_vip_checks(struct config_ctx *ctx, cfg_t *sec, struct vip_config *vc)
{
	const int *kl = ctx->key_line;
	char a[NETADDR_STRLEN];

	for (size_t i = 0; i + 1 < ctx->out->n_vips; i++) {
		const struct vip_config *o = &ctx->out->vips[i];

		for (size_t j = 0; j < vc->n_addresses; j++)
			if (config_is_vip_addr(o, &vc->addresses[j].addr))
				config_vip_err(ctx, sec, kl[K_ADDRESS],
				    "address %s is already used by vip \"%s\" "
				    "(line %d)",
				    netaddr_fmt(&vc->addresses[j].addr, a,
				    sizeof(a)), o->name, o->line);
	}
	if (vc->has_announce && config_is_vip_addr(vc, &vc->announce.addr))
		config_vip_err(ctx, sec, kl[K_ANNOUNCE],
		    "announce %s is the VIP itself; "
		    "it must be this node's own address as Sentinel names it",
		    hostport_fmt(&vc->announce, a, sizeof(a)));
	if (config_is_vip_addr(vc, &vc->redis.addr))
		config_vip_err(ctx, sec, kl[K_REDIS], "redis %s is the VIP "
		    "itself; it must be the local node's own address",
		    hostport_fmt(&vc->redis, a, sizeof(a)));
	if (vc->n_sentinels > 0 && vc->n_sentinels % 2 == 0)
		config_report(ctx, sec->filename, kl[K_SENTINELS], true,
		    "vip \"%s\" has %zu sentinels: a majority is %zu of %zu, "
		    "which tolerates no more failures than %zu would; use an "
		    "odd number", vc->name, vc->n_sentinels,
		    config_majority(vc), vc->n_sentinels, vc->n_sentinels - 1);
	if (vc->no_quorum_policy == NO_QUORUM_RELEASE &&
	    vc->no_quorum_hold_down != CONFIG_AUTO &&
	    vc->no_quorum_hold_down >= CONFIG_SENTINEL_DOWN_AFTER)
		config_report(ctx, sec->filename,
		    kl[K_HOLD_DOWN] ? kl[K_HOLD_DOWN] : vc->line, true,
		    "no-quorum-hold-down %u is not below Sentinel's default "
		    "down-after-milliseconds (%d): a majority may promote "
		    "another node while this one still holds the VIP",
		    vc->no_quorum_hold_down, CONFIG_SENTINEL_DOWN_AFTER);
}

static int
config_fill_sentinels(struct config_ctx *ctx, cfg_t *sec, struct vip_config *vc)
{
	unsigned int n = cfg_size(sec, "sentinels");

	if (n == 0) {
		if (cfg_getopt(sec, "sentinels")->flags & CFGF_MODIFIED)
			config_vip_err(ctx, sec, vc->line,
			    "vip \"%s\": the sentinels list is empty; list "
			    "every Sentinel that monitors \"%s\"", vc->name,
			    vc->name);
		else
			config_vip_err(ctx, sec, vc->line,
			    "vip \"%s\": missing 'sentinels', e.g. "
			    "sentinels = { \"192.0.2.11:26379\", ... }",
			    vc->name);
		return 0;
	}
	if (n > CONFIG_MAX_SENTINELS)
		return 0;	/* reported while parsing */
	vc->sentinels = calloc(n, sizeof(*vc->sentinels));
	if (!vc->sentinels)
		return -1;
	for (unsigned int i = 0; i < n; i++)
		if (config_check_hostport("", cfg_getnstr(sec, "sentinels", i),
		    CONFIG_SENTINEL_PORT, &vc->sentinels[vc->n_sentinels], NULL,
		    0) == 0)
			vc->n_sentinels++;
	return 0;
}

/* A copy of an optional string key into *out; -1 only when out of memory. */
static int
config_dup_opt(cfg_t *sec, const char *key, char **out)
{
	if (cfg_size(sec, key) == 0)
		return 0;
	*out = strdup(cfg_getstr(sec, key));
	return *out ? 0 : -1;
}

/*
 * "<who>-user" and "<who>-password-file": the password is read now, so
 * that a config that loads can authenticate. Bad paths were reported while
 * parsing.
 */
static int
config_fill_auth(struct config_ctx *ctx, cfg_t *sec, const char *who,
    int k_user, char **user, char **file, char **secret)
{
	const int k_file = k_user + 1;
	char err[CONFIG_ERRLEN];

	if (config_dup_opt(sec, config_keys[k_user], user) < 0 ||
	    config_dup_opt(sec, config_keys[k_file], file) < 0)
		return -1;
	if (*user && !*file)
		config_vip_err(ctx, sec, ctx->key_line[k_user],
		    "vip \"%s\": %s-user needs %s-password-file (passwords "
		    "are never written in the configuration)", cfg_title(sec),
		    who, who);
	if (*file && config_check_path("", *file, NULL, 0) == 0 &&
	    config_read_secret(*file, secret, err, sizeof(err)) < 0)
		config_vip_err(ctx, sec, ctx->key_line[k_file], "%s", err);
	return 0;
}

/*
 * tls, sentinel-tls and the files. A configuration that loads has files
 * that make a TLS context (readable, PEM, the key matches the certificate),
 * a key file only its owner can read, and a build that speaks TLS.
 */
static int
config_fill_tls(struct config_ctx *ctx, cfg_t *sec, struct vip_config *vc)
{
	const int *kl = ctx->key_line;
	int errors = ctx->errors, at;
	char err[CONFIG_ERRLEN];

	vc->tls = strcmp(cfg_getstr(sec, "tls"), "yes") == 0;
	vc->sentinel_tls = cfg_size(sec, "sentinel-tls") > 0 ?
	    strcmp(cfg_getstr(sec, "sentinel-tls"), "yes") == 0 : vc->tls;
	if (config_dup_opt(sec, "tls-ca-cert-file",
	    &vc->tls_ca_cert_file) < 0 ||
	    config_dup_opt(sec, "tls-cert-file", &vc->tls_cert_file) < 0 ||
	    config_dup_opt(sec, "tls-key-file", &vc->tls_key_file) < 0 ||
	    config_dup_opt(sec, "tls-server-name", &vc->tls_server_name) < 0)
		return -1;
	at = kl[K_TLS] ? kl[K_TLS] : kl[K_SENTINEL_TLS];
	if (!vc->tls && !vc->sentinel_tls) {
		for (int k = K_TLS_CA; k <= K_TLS_SERVER_NAME; k++)
			if (kl[k]) {
				config_report(ctx, sec->filename, kl[k], true,
				    "vip \"%s\": %s is ignored: neither tls "
				    "nor sentinel-tls is yes", vc->name,
				    config_keys[k]);
				break;
			}
		return 0;
	}
	if (!tls_available()) {
		config_vip_err(ctx, sec, at, "vip \"%s\": tls: %s", vc->name,
		    TLS_UNAVAILABLE);
		return 0;
	}
	if (!vc->tls_ca_cert_file)
		config_vip_err(ctx, sec, at, "vip \"%s\": TLS needs "
		    "tls-ca-cert-file, the CA certificate(s) that signed the "
		    "servers' certificates", vc->name);
	if (!vc->tls_cert_file != !vc->tls_key_file)
		config_vip_err(ctx, sec, kl[K_TLS_CERT] ? kl[K_TLS_CERT] :
		    kl[K_TLS_KEY], "vip \"%s\": tls-cert-file and tls-key-file "
		    "go together (the client certificate and its key)",
		    vc->name);
	if (vc->tls_key_file && config_check_path("", vc->tls_key_file, NULL,
	    0) == 0 && config_check_key_file(vc->tls_key_file, err,
	    sizeof(err)) < 0)
		config_vip_err(ctx, sec, kl[K_TLS_KEY], "%s", err);
	if (ctx->errors != errors)
		return 0;	/* bad paths were reported while parsing */
	if (config_check_tls_files(vc, &vc->tls_stamp, err, sizeof(err)) < 0)
		config_vip_err(ctx, sec, kl[K_TLS_CA] ? kl[K_TLS_CA] : at,
		    "vip \"%s\": %s", vc->name, err);
	return 0;
}

static int
config_fill_vip(struct config_ctx *ctx, cfg_t *sec, struct vip_config *vc)
{
	const char *s, *name = cfg_title(sec);

	vc->line = config_spans_open_line(&ctx->spans, sec->filename,
	    sec->line);
	vc->name = strdup(name ? name : "");
	if (!vc->name)
		return -1;
	for (s = vc->name; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
			break;
	if (!vc->name[0] || *s)
		config_vip_err(ctx, sec, vc->line, "vip \"%s\": the name must "
		    "be a Sentinel master name (no spaces or control "
		    "characters)", vc->name);
	if (cfg_size(sec, "address") == 0 &&
	    (cfg_getopt(sec, "address")->flags & CFGF_MODIFIED))
		config_vip_err(ctx, sec, vc->line, "vip \"%s\": the address "
		    "list is empty; give the floating IP, e.g. "
		    "address = \"192.0.2.100\"", vc->name);
	else if (cfg_size(sec, "address") == 0)
		config_vip_err(ctx, sec, vc->line, "vip \"%s\": missing "
		    "'address', the floating IP, e.g. "
		    "address = \"192.0.2.100\"", vc->name);
	for (unsigned int i = 0; i < cfg_size(sec, "address") &&
	    vc->n_addresses < CONFIG_MAX_ADDRESSES; i++)
		if (config_check_address(cfg_getnstr(sec, "address", i),
		    &vc->addresses[vc->n_addresses], NULL, 0) == 0)
			vc->n_addresses++;
	if (cfg_size(sec, "interface") == 0)
		config_vip_err(ctx, sec, vc->line, "vip \"%s\": missing "
		    "'interface', the link the VIP goes on, e.g. "
		    "interface = \"eth0\"", vc->name);
	else if (!(vc->interface = strdup(cfg_getstr(sec, "interface"))))
		return -1;
	config_check_hostport("", cfg_getstr(sec, "redis"), CONFIG_REDIS_PORT,
	    &vc->redis, NULL, 0);
	if (cfg_size(sec, "announce") > 0)
		vc->has_announce = config_check_hostport("",
		    cfg_getstr(sec, "announce"), CONFIG_REDIS_PORT,
		    &vc->announce, NULL, 0) == 0;
	for (size_t i = 0; i < CONFIG_N_KNOBS; i++)
		*(unsigned int *)((char *)vc + config_knobs[i].offset) =
		    (unsigned int)cfg_getint(sec, config_knobs[i].key);
	vc->no_quorum_policy = strcmp(cfg_getstr(sec, "no-quorum-policy"),
	    "keep") == 0 ? NO_QUORUM_KEEP : NO_QUORUM_RELEASE;
	vc->early_claim = strcmp(cfg_getstr(sec, "early-claim"), "no") != 0;
	vc->wire_probe = strcmp(cfg_getstr(sec, "wire-probe"), "no") != 0;
	vc->refuse_after_release = strcmp(cfg_getstr(sec,
	    "refuse-after-release"), "no") != 0;
	vc->refuse_reset_only = strcmp(cfg_getstr(sec,
	    "refuse-after-release"), "reset") == 0;
	if (config_dup_opt(sec, "notify", &vc->notify) < 0 ||
	    config_fill_auth(ctx, sec, "redis", K_REDIS_USER, &vc->redis_user,
	    &vc->redis_password_file, &vc->redis_password) < 0 ||
	    config_fill_auth(ctx, sec, "sentinel", K_SENTINEL_USER,
	    &vc->sentinel_user, &vc->sentinel_password_file,
	    &vc->sentinel_password) < 0 ||
	    config_fill_tls(ctx, sec, vc) < 0)
		return -1;
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

/* ---- include(), loading -------------------------------------------------- */

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
		config_err(ctx, cfg, argc != 1 ?
		    "include() takes one file name" :
		    "include() is not available here");
		return 1;
	}
	path = argv[0][0] == '/' ? strdup(argv[0]) :
	    cfg_searchpath(cfg->path, argv[0]);
	if (!path) {
		config_err(ctx, cfg, "include(\"%s\"): no such file next to %s",
		    argv[0], ctx->name);
		goto out;
	}
	if ((err = config_read(path, &buf, &len)) < 0) {
		config_err(ctx, cfg, "include(\"%s\"): %s", path,
		    strerror(-err));
		goto out;
	}
	/* Only this file's own scan errors stop it: the main file's earlier
	 * errors are reported already, and this file's are wanted too. */
	if ((err = config_scan(path, buf, len, &ctx->spans, ctx->errs)) > 0) {
		ctx->errors += err;
		goto out;
	}
	fd = memfd_create("vipd-include", MFD_CLOEXEC);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len ||
	    !(name = strdup(path))) {
		config_err(ctx, cfg, "include(\"%s\"): %s", path,
		    strerror(errno));
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

/* Every key is also in config_keys (or CONFIG_KNOBS) and config_print(). */
static cfg_opt_t config_vip_opts[] = {
	CFG_STR_LIST_CB("address", NULL, CFGF_NODEFAULT, config_parse_str),
	CFG_STR_CB("interface", NULL, CFGF_NODEFAULT, config_parse_str),
	CFG_STR_CB("redis", CONFIG_DEFAULT_REDIS, CFGF_NONE, config_parse_str),
	CFG_STR_CB("announce", NULL, CFGF_NODEFAULT, config_parse_str),
	CFG_STR_LIST_CB("sentinels", NULL, CFGF_NODEFAULT, config_parse_str),
	CFG_STR_CB("no-quorum-policy", "release", CFGF_NONE, config_parse_str),
	CFG_STR_CB("redis-user", NULL, CFGF_NODEFAULT, config_parse_str),
	CFG_STR_CB("redis-password-file", NULL, CFGF_NODEFAULT,
	    config_parse_str),
	CFG_STR_CB("sentinel-user", NULL, CFGF_NODEFAULT, config_parse_str),
	CFG_STR_CB("sentinel-password-file", NULL, CFGF_NODEFAULT,
	    config_parse_str),
	CFG_STR_CB("notify", NULL, CFGF_NODEFAULT, config_parse_str),
	CFG_STR_CB("early-claim", "yes", CFGF_NONE, config_parse_str),
	CFG_STR_CB("wire-probe", "yes", CFGF_NONE, config_parse_str),
	CFG_STR_CB("refuse-after-release", "yes", CFGF_NONE, config_parse_str),
	CFG_STR_CB("tls", "no", CFGF_NONE, config_parse_str),
	CFG_STR_CB("sentinel-tls", NULL, CFGF_NODEFAULT, config_parse_str),
	CFG_STR_CB("tls-ca-cert-file", NULL, CFGF_NODEFAULT, config_parse_str),
	CFG_STR_CB("tls-cert-file", NULL, CFGF_NODEFAULT, config_parse_str),
	CFG_STR_CB("tls-key-file", NULL, CFGF_NODEFAULT, config_parse_str),
	CFG_STR_CB("tls-server-name", NULL, CFGF_NODEFAULT, config_parse_str),
#define CONFIG_KNOB_OPT(k, f, d, lo, hi, u, z, a) \
	CFG_INT_CB(k, d, CFGF_NONE, config_parse_int),
	CONFIG_KNOBS(CONFIG_KNOB_OPT)
	CFG_END()
};

static cfg_opt_t config_opts[] = {
	CFG_STR_CB("control-socket", CONFIG_DEFAULT_CONTROL_SOCKET, CFGF_NONE,
	    config_parse_socket),
	CFG_SEC("vip", config_vip_opts,
	    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
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
	int n;

	ctx->out = out;
	if (!out || !(out->path = strdup(ctx->name))) {
		config_report(ctx, ctx->name, 0, false, "out of memory");
		goto out;
	}
	if ((n = config_scan(ctx->name, buf, len, &ctx->spans,
	    ctx->errs)) > 0) {
		ctx->errors += n;
		goto out;
	}
	if (config_run(ctx, buf, len, dir) < 0)
		goto out;
	if (out->n_vips == 0 && ctx->errors == 0) {
		int line = 1;

		for (size_t i = 0; i + 1 < len; i++)
			line += buf[i] == '\n';
		config_report(ctx, ctx->name, line, false, "no vip sections: "
		    "nothing to do (add vip \"mastername\" { ... })");
	}
out:
	config_spans_free(&ctx->spans);
	if (ctx->errors) {
		config_free(out);
		out = NULL;
	}
	return out;
}

struct vipd_config *
config_load_buffer(const char *buf, size_t len, const char *name, FILE *errs)
{
	struct config_ctx ctx = { .errs = errs, .name = name,
	    .from_buffer = true };
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
		dir = slash == path ? strdup("/") :
		    strndup(path, (size_t)(slash - path));
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
