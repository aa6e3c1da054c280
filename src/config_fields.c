/*
 * config_fields: everything that walks every field of struct vip_config
 * (see config.h): printing it back, comparing two, freeing one. A new field
 * is added here in all three places.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_check.h"

#define CONFIG_KEY_FMT	"\t%-22s = "

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

/* key = "value" when value is set. */
static void
config_print_opt(FILE *out, const char *key, const char *value)
{
	if (!value)
		return;
	fprintf(out, CONFIG_KEY_FMT, key);
	config_print_str(out, value);
	fputc('\n', out);
}

/* The user and the password file, never the password. */
static void
config_print_auth(FILE *out, const char *who, const char *user,
    const char *file)
{
	char key[32];

	snprintf(key, sizeof(key), "%s-user", who);
	config_print_opt(out, key, user);
	snprintf(key, sizeof(key), "%s-password-file", who);
	config_print_opt(out, key, file);
}

/* Keys that are not knobs, printed where they belong: before the knob
 * whose meaning they share. */
static void
config_print_before(const struct vip_config *vc, const struct config_knob *kn,
    FILE *out)
{
	if (kn->offset == offsetof(struct vip_config, no_quorum_hold_down))
		fprintf(out, CONFIG_KEY_FMT "\"%s\"\n", "no-quorum-policy",
		    vc->no_quorum_policy == NO_QUORUM_KEEP ? "keep" :
		    "release");
	if (kn->offset == offsetof(struct vip_config, notify_timeout)) {
		fprintf(out, CONFIG_KEY_FMT "%s\n", "early-claim",
		    vc->early_claim ? "yes" : "no");
		fprintf(out, CONFIG_KEY_FMT "%s\n", "wire-probe",
		    vc->wire_probe ? "yes" : "no");
		fprintf(out, CONFIG_KEY_FMT "%s\n", "refuse-after-release",
		    !vc->refuse_after_release ? "no" :
		    vc->refuse_reset_only ? "reset" : "yes");
		config_print_opt(out, "notify", vc->notify);
	}
}

static void
config_print_vip(const struct vip_config *vc, FILE *out)
{
	char b[NETADDR_STRLEN];

	fputs("vip ", out);
	config_print_str(out, vc->name);
	fputs(" {\n", out);
	fprintf(out, CONFIG_KEY_FMT, "address");
	if (vc->n_addresses == 1) {
		fprintf(out, "\"%s\"\n", prefix_fmt(&vc->addresses[0], b,
		    sizeof(b)));
	} else {
		fputc('{', out);
		for (size_t i = 0; i < vc->n_addresses; i++)
			fprintf(out, "%s \"%s\"", i ? "," : "",
			    prefix_fmt(&vc->addresses[i], b, sizeof(b)));
		fputs(" }\n", out);
	}
	config_print_opt(out, "interface", vc->interface);
	fprintf(out, CONFIG_KEY_FMT "\"%s\"\n", "redis",
	    hostport_fmt(&vc->redis, b, sizeof(b)));
	config_print_auth(out, "redis", vc->redis_user,
	    vc->redis_password_file);
	if (vc->has_announce)
		fprintf(out, CONFIG_KEY_FMT "\"%s\"\n", "announce",
		    hostport_fmt(&vc->announce, b, sizeof(b)));
	fprintf(out, CONFIG_KEY_FMT "{", "sentinels");
	for (size_t i = 0; i < vc->n_sentinels; i++)
		fprintf(out, "%s \"%s\"", i ? "," : "",
		    hostport_fmt(&vc->sentinels[i], b, sizeof(b)));
	fputs(" }\n", out);
	config_print_auth(out, "sentinel", vc->sentinel_user,
	    vc->sentinel_password_file);
	fprintf(out, CONFIG_KEY_FMT "%s\n", "tls", vc->tls ? "yes" : "no");
	fprintf(out, CONFIG_KEY_FMT "%s\n", "sentinel-tls",
	    vc->sentinel_tls ? "yes" : "no");
	config_print_opt(out, "tls-ca-cert-file", vc->tls_ca_cert_file);
	config_print_opt(out, "tls-cert-file", vc->tls_cert_file);
	config_print_opt(out, "tls-key-file", vc->tls_key_file);
	config_print_opt(out, "tls-server-name", vc->tls_server_name);
	for (size_t i = 0; i < CONFIG_N_KNOBS; i++) {
		unsigned int v = config_knob_get(vc, &config_knobs[i]);

		config_print_before(vc, &config_knobs[i], out);
		if (v == CONFIG_AUTO)
			fprintf(out, CONFIG_KEY_FMT "auto\n",
			    config_knobs[i].key);
		else
			fprintf(out, CONFIG_KEY_FMT "%u\n",
			    config_knobs[i].key, v);
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

static bool
config_str_equal(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool
config_prefix_equal(const struct prefix *a, const struct prefix *b)
{
	return a->len == b->len && netaddr_equal(&a->addr, &b->addr);
}

static bool
config_auth_equal(const struct vip_config *a, const struct vip_config *b)
{
	return config_str_equal(a->redis_user, b->redis_user) &&
	    config_str_equal(a->redis_password_file, b->redis_password_file) &&
	    config_str_equal(a->redis_password, b->redis_password) &&
	    config_str_equal(a->sentinel_user, b->sentinel_user) &&
	    config_str_equal(a->sentinel_password_file,
	    b->sentinel_password_file) &&
	    config_str_equal(a->sentinel_password, b->sentinel_password);
}

/* The files by name and by contents (a renewed certificate). */
static bool
config_tls_equal(const struct vip_config *a, const struct vip_config *b)
{
	return a->tls == b->tls && a->sentinel_tls == b->sentinel_tls &&
	    config_str_equal(a->tls_ca_cert_file, b->tls_ca_cert_file) &&
	    config_str_equal(a->tls_cert_file, b->tls_cert_file) &&
	    config_str_equal(a->tls_key_file, b->tls_key_file) &&
	    config_str_equal(a->tls_server_name, b->tls_server_name) &&
	    a->tls_stamp == b->tls_stamp;
}

bool
config_vip_equal(const struct vip_config *a, const struct vip_config *b)
{
	if (!config_str_equal(a->name, b->name) ||
	    a->n_addresses != b->n_addresses ||
	    !config_str_equal(a->interface, b->interface) ||
	    !hostport_equal(&a->redis, &b->redis) ||
	    a->has_announce != b->has_announce ||
	    (a->has_announce && !hostport_equal(&a->announce, &b->announce)) ||
	    a->n_sentinels != b->n_sentinels ||
	    !config_auth_equal(a, b) ||
	    !config_tls_equal(a, b) ||
	    a->no_quorum_policy != b->no_quorum_policy ||
	    a->early_claim != b->early_claim ||
	    a->wire_probe != b->wire_probe ||
	    a->refuse_after_release != b->refuse_after_release ||
	    a->refuse_reset_only != b->refuse_reset_only ||
	    !config_str_equal(a->notify, b->notify))
		return false;
	for (size_t i = 0; i < a->n_addresses; i++)
		if (!config_prefix_equal(&a->addresses[i], &b->addresses[i]))
			return false;
	/* In order: the order is how they are shown and polled. */
	for (size_t i = 0; i < a->n_sentinels; i++)
		if (!hostport_equal(&a->sentinels[i], &b->sentinels[i]))
			return false;
	for (size_t i = 0; i < CONFIG_N_KNOBS; i++)
		if (config_knob_get(a, &config_knobs[i]) !=
		    config_knob_get(b, &config_knobs[i]))
			return false;
	return true;
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

static void
config_free_vip(struct vip_config *vc)
{
	free(vc->name);
	free(vc->interface);
	free(vc->sentinels);
	free(vc->redis_user);
	free(vc->redis_password_file);
	config_free_secret(vc->redis_password);
	free(vc->sentinel_user);
	free(vc->sentinel_password_file);
	config_free_secret(vc->sentinel_password);
	free(vc->tls_ca_cert_file);
	free(vc->tls_cert_file);
	free(vc->tls_key_file);
	free(vc->tls_server_name);
	free(vc->notify);
}

void
config_free(struct vipd_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_vips; i++)
		config_free_vip(&cfg->vips[i]);
	free(cfg->vips);
	free(cfg->control_socket);
	free(cfg->path);
	free(cfg);
}
