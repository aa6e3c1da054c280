/*
 * config_check: the value checks of vipd.conf, with their messages
 * (internal to the config module).
 *
 * Each check takes the value as text and returns 0, or -1 with one message
 * (no "file:line: " prefix, no newline) in the caller's buffer `err` of
 * `errlen` bytes; err may be NULL to check silently. No libconfuse here.
 * Only config_check_notify(), config_read_secret() and the TLS file checks
 * touch the file
 * system: they are the load-time checks of the paths they are given.
 */
#ifndef VIPD_CONFIG_CHECK_H
#define VIPD_CONFIG_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "netaddr.h"

#define CONFIG_ERRLEN		1024

#define CONFIG_REDIS_PORT	6379
#define CONFIG_SENTINEL_PORT	26379

/* Longest first line of a password file, in bytes. */
#define CONFIG_MAX_SECRET	4096

/*
 * The integer knobs: key, field, default, minimum, maximum, unit, whether 0
 * means "off" outside the range, whether `auto` is allowed (default
 * CONFIG_KNOB_AUTO = auto: timing.h derives the value from what Sentinel
 * reports). Defaults are justified in etc/vipd.conf and vipd.conf(5);
 * config_print() writes them in this order. New knobs go at the end:
 * config.c names no-quorum-hold-down by its index.
 */
#define CONFIG_KNOB_AUTO	(-1L)
#define CONFIG_KNOBS(X)							\
	X("role-check-interval", role_check_interval, CONFIG_KNOB_AUTO, 50, 60000, "ms", 0, 1) \
	X("sentinel-poll-interval", sentinel_poll_interval, CONFIG_KNOB_AUTO, 100, 60000, "ms", 0, 1) \
	X("command-timeout", command_timeout, CONFIG_KNOB_AUTO, 100, 60000, "ms", 0, 1) \
	X("redis-down-after", redis_down_after, CONFIG_KNOB_AUTO, 0, 600000, "ms", 0, 1) \
	X("no-quorum-hold-down", no_quorum_hold_down, CONFIG_KNOB_AUTO, 0, 3600000, "ms", 0, 1) \
	X("garp-count", garp_count, 5, 1, 100, "", 0, 0)		\
	X("garp-interval", garp_interval, 200, 10, 10000, "ms", 0, 0)	\
	X("garp-repeat-delay", garp_repeat_delay, 5000, 0, 600000, "ms", 0, 0) \
	X("garp-refresh", garp_refresh, 0, 1000, 3600000, "ms", 1, 0)	\
	X("notify-timeout", notify_timeout, 10000, 100, 600000, "ms", 0, 0)

struct config_knob {
	const char *key;
	size_t offset;			/* of an unsigned int in vip_config */
	long def, min, max;
	const char *unit;
	int zero_is_off;
	int auto_ok;
};

#define CONFIG_KNOB_COUNT_ONE(k, f, d, lo, hi, u, z, a)	+ 1
enum { CONFIG_N_KNOBS = 0 CONFIG_KNOBS(CONFIG_KNOB_COUNT_ONE) };

extern const struct config_knob config_knobs[CONFIG_N_KNOBS];

static inline unsigned int
config_knob_get(const struct vip_config *vc, const struct config_knob *kn)
{
	return *(const unsigned int *)((const char *)vc + kn->offset);
}

/* Decimal only: libconfuse's strtol(…, 0) would read "010" as 8. `auto`
 * gives CONFIG_KNOB_AUTO where the knob allows it. */
int config_check_knob(const struct config_knob *kn, const char *value,
    long *out, char *err, size_t errlen);

/* "HOST[:port]": an IP literal (IPv6 in brackets) or a DNS name; `what`
 * names the value in messages. */
int config_check_hostport(const char *what, const char *s, uint16_t defport,
    struct hostport *out, char *err, size_t errlen);

/* "IP[/prefix]", unicast. */
int config_check_address(const char *s, struct prefix *out, char *err,
    size_t errlen);

/* Linux dev_valid_name(), plus no control characters. */
int config_check_interface(const char *s, char *err, size_t errlen);

/* One of two words: "key must be "a" or "b", not "value"". */
int config_check_choice(const char *key, const char *value, const char *a,
    const char *b, char *err, size_t errlen);
/* One of a NULL-terminated list: "key must be "a", "b" or "c", not ...". */
int config_check_choices(const char *key, const char *value,
    const char *const *choices, char *err, size_t errlen);

/* A Redis ACL user name: not empty, no spaces or control characters. */
int config_check_user(const char *key, const char *s, char *err, size_t errlen);

/* An absolute path without control characters. */
int config_check_path(const char *key, const char *s, char *err, size_t errlen);

/* notify: an existing regular file its owner may execute (stat()). */
int config_check_notify(const char *path, char *err, size_t errlen);

/*
 * The first line of a password file, without its "\n" or "\r\n", into a new
 * string *secret. Refused: a file that "other" may read or write (the
 * secret would not be one), anything but a regular file, an empty first
 * line, a NUL byte, a first line longer than CONFIG_MAX_SECRET.
 */
int config_read_secret(const char *path, char **secret, char *err,
    size_t errlen);

/* Wipe and free a secret; NULL-safe. */
void config_free_secret(char *secret);

/* tls-server-name: an IP literal or a DNS name. */
int config_check_server_name(const char *key, const char *s, char *err,
    size_t errlen);
/* tls-key-file: a regular file that other users cannot read. */
int config_check_key_file(const char *path, char *err, size_t errlen);
/* vc's TLS files make a TLS context; *stamp is a digest of their
 * contents. Paths that are not absolute are skipped (reported while
 * parsing). */
int config_check_tls_files(const struct vip_config *vc, uint64_t *stamp,
    char *err, size_t errlen);

#endif
