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
 *
 * Loading reads the password files and stat()s the notify program: a
 * config that loads has its secrets in memory and a program to run.
 */
#ifndef VIPD_CONFIG_H
#define VIPD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>

#include "netaddr.h"

#define CONFIG_DEFAULT_CONTROL_SOCKET	"/run/vipd/vipd.sock"

enum no_quorum_policy {
	NO_QUORUM_RELEASE,	/* release after no-quorum-hold-down ms */
	NO_QUORUM_KEEP,		/* keep holding while the local node is
				 * master */
};

#define CONFIG_MAX_SENTINELS	15
/* Addresses one VIP may carry (dual-stack: one of each family, or more). */
#define CONFIG_MAX_ADDRESSES	8
/* A timing knob set to `auto` (timing.h derives it from Sentinel). */
#define CONFIG_AUTO		UINT_MAX

struct vip_config {
	char *name;			/* Sentinel master name (section
					 * title) */
	/* The VIP's addresses, all moved together; each /32 or /128 unless
	 * a prefix is given. */
	size_t n_addresses;
	struct prefix addresses[CONFIG_MAX_ADDRESSES];
	char *interface;
	struct hostport redis;		/* local data node (literal or name) */
	bool has_announce;
	struct hostport announce;	/* how Sentinel names this node */
	size_t n_sentinels;
	struct hostport *sentinels;

	/*
	 * AUTH. A password is the first line of its file, read at load time;
	 * it is never printed. NULL when not configured; a user always comes
	 * with a password (AUTH user password), a password may come alone
	 * (requirepass: AUTH password).
	 */
	char *redis_user;		/* ACL user on the local node */
	char *redis_password_file;
	char *redis_password;
	char *sentinel_user;		/* the same for every Sentinel */
	char *sentinel_password_file;
	char *sentinel_password;

	/* timing, all in milliseconds; the first five may be CONFIG_AUTO */
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

	/* Claim when an elected Sentinel leader has sent SLAVEOF NO ONE to this
	 * node and it reports master, before a majority names it. */
	bool early_claim;

	/*
	 * TLS (a build with hiredis_ssl): to the data nodes (`tls`) and to
	 * the Sentinels (`sentinel-tls`, default: as `tls`). The files are
	 * loaded and checked when the configuration loads; tls_stamp changes
	 * with their contents, so a reload after a certificate renewal makes
	 * new connections use the new files.
	 */
	bool tls;
	bool sentinel_tls;
	char *tls_ca_cert_file;
	char *tls_cert_file;		/* client certificate, with its key */
	char *tls_key_file;
	char *tls_server_name;		/* verify this name instead of the
					 * peer's */
	uint64_t tls_stamp;

	/* Ask the segment (ARP/ND probe) whether another node still answers
	 * for the VIP before claiming it. */
	bool wire_probe;

	/* After letting go of the VIP, take care of the SYNs of clients that
	 * still send them here (refuse.h), for a few seconds: keep them and
	 * hand them on to the new holder when it announces itself, or (with
	 * refuse_reset_only, "reset") answer each with a reset at once. */
	bool refuse_after_release;
	bool refuse_reset_only;

	char *notify;			/* program run on each transition;
					 * NULL = none */
	unsigned int notify_timeout;	/* ms */

	/* A new field must also go into config_vip_equal(), config_print()
	 * and config_free() (src/config_fields.c). */
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

/*
 * For reload ("unchanged VIPs are left untouched"): true when a and b are
 * the same in every field but `line`, password contents and file paths
 * included (a changed path shows in status even when the secret is the same).
 */
bool config_vip_equal(const struct vip_config *a, const struct vip_config *b);

/* 1 + the number of configured sentinels / 2 */
static inline size_t config_majority(const struct vip_config *vc)
{
	return vc->n_sentinels / 2 + 1;
}

#endif
