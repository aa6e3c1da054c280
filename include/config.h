/*
 * config: the vipd configuration file (libconfuse).
 *
 * config_load() parses and validates a whole file and returns a fully
 * populated struct (every default filled in) or NULL; problems are reported
 * as "file:line: message" lines through the caller's error stream, warnings
 * as "file:line: warning: message". Nothing is ever half-loaded, so a reload
 * can build the new config first and swap only on success.
 * config_print() writes the effective configuration back in config syntax
 * (secrets redacted); its output loads again to the same configuration.
 * Not thread-safe (libconfuse's lexer has global state).
 */
#ifndef VIPD_CONFIG_H
#define VIPD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "netaddr.h"

#define CONFIG_DEFAULT_CONTROL_SOCKET	"/run/vipd/vipd.sock"

enum no_quorum_policy {
	NO_QUORUM_RELEASE,	/* release after no-quorum-hold-down ms */
	NO_QUORUM_KEEP,		/* keep holding while the local node is master */
};

#define CONFIG_MAX_SENTINELS	15

struct vip_config {
	char *name;			/* Sentinel master name (section title) */
	struct prefix address;		/* the VIP; /32 or /128 unless given */
	char *interface;
	struct hostport redis;		/* local data node */
	bool has_announce;
	struct hostport announce;	/* how Sentinel names this node */
	size_t n_sentinels;
	struct hostport *sentinels;

	/* timing, all in milliseconds */
	unsigned int role_check_interval;
	unsigned int sentinel_poll_interval;
	unsigned int command_timeout;
	unsigned int redis_down_after;
	enum no_quorum_policy no_quorum_policy;
	unsigned int no_quorum_hold_down;

	/* gratuitous ARP / unsolicited NA */
	unsigned int garp_count;
	unsigned int garp_interval;
	unsigned int garp_repeat_delay;	/* second burst after this; 0 = none */
	unsigned int garp_refresh;	/* periodic refresh; 0 = off */

	int line;			/* line of the section, for messages */
};

struct vipd_config {
	char *path;			/* file it was loaded from */
	char *control_socket;
	size_t n_vips;
	struct vip_config *vips;
};

/* Load and validate `path`. Errors and warnings go to `errs` (one line each).
 * Returns NULL on any error. */
struct vipd_config *config_load(const char *path, FILE *errs);

/* Same from a memory buffer; `name` is used as the file name in messages.
 * include() is not available here. For tests and the fuzzer. */
struct vipd_config *config_load_buffer(const char *buf, size_t len,
    const char *name, FILE *errs);

void config_print(const struct vipd_config *cfg, FILE *out);
void config_free(struct vipd_config *cfg);	/* NULL-safe */

const struct vip_config *config_find_vip(const struct vipd_config *cfg,
    const char *name);

/* 1 + the number of configured sentinels / 2 */
static inline size_t config_majority(const struct vip_config *vc)
{
	return vc->n_sentinels / 2 + 1;
}

#endif
