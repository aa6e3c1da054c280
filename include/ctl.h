/*
 * ctl: the control socket (server side in vipd, client side in vipctl) and
 * its line protocol. See man/vipctl.8 and the comment atop src/ctl_proto.c
 * for the wire format.
 *
 * Server: a Unix stream socket at `path`, mode 0660, created safely (a stale
 * socket from a dead daemon is replaced, a live one is refused, a file that
 * is not a socket is never touched). Requests are single lines; a client
 * that sends garbage, an over-long line or stalls loses its connection,
 * never the daemon.
 *
 * The protocol halves (ctl_parse_request, ctl_format_*, ctl_reply_*) are
 * pure: no I/O besides the caller's FILE, no globals. ctl_reply_line() and
 * ctl_parse_request() accept any bytes (they are fuzzed).
 *
 * Functions return 0 or -errno; ctl_open() returns NULL and sets errno.
 */
#ifndef VIPD_CTL_H
#define VIPD_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "status.h"

/* Version 2 appended LAST_DECISION to the `vip` record; version 3 carries
 * address lists, connection states, names and the `timing` record.
 * Clients also read versions 1 and 2 (see ctl_proto.c for why). */
#define CTL_PROTO_VERSION	3
#define CTL_PROTO_VERSION_MIN	1
#define CTL_REQUEST_MAX		512	/* request line, '\n' included */
#define CTL_REPLY_LINE_MAX	4096	/* longest reply line, '\n' included */
#define CTL_MAX_VIPS		1024	/* a reply carries at most this many */
/* Longest message of a `reload` record, NUL included: the record then
 * stays within CTL_REPLY_LINE_MAX. */
#define CTL_MSG_MAX		1000

/* Stable codes of `error` records; vipctl maps them to exit codes. */
#define CTL_ERR_NO_SUCH_VIP	"no-such-vip"
#define CTL_ERR_BAD_REQUEST	"bad-request"
#define CTL_ERR_BUSY		"busy"
#define CTL_ERR_INTERNAL	"internal"

/* --- server (vipd) --------------------------------------------------- */

struct loop;
struct ctl_server;

struct ctl_ops {
	/* Fill `out` for VIP number `idx` (0-based); -ENOENT past the end.
	 * Called from the loop while a reply is built; `out` is zeroed. */
	int (*status)(void *arg, size_t idx, struct vip_status *out);
	/* Optional (NULL: `reload` is answered "reload not supported").
	 * Reload the configuration the daemon was started with; never a
	 * path from the client. Returns 0 if the new configuration is in
	 * effect, `msg` saying what changed; negative (-errno) if it was
	 * refused and nothing changed, `msg` saying why. `msg` is zeroed,
	 * `msglen` is CTL_MSG_MAX; longer text is cut, control characters
	 * become spaces on the wire. Called from the loop while a client
	 * waits: it must not ctl_close() this server (the socket path stays
	 * until a restart, as with SIGHUP). */
	int (*reload)(void *arg, char *msg, size_t msglen);
};

/*
 * Listen on `path`. On failure NULL with errno:
 *   ENOENT        the parent directory does not exist
 *   EADDRINUSE    another vipd answers on `path`
 *   EEXIST        `path` exists and is not a socket (left alone)
 *   ENAMETOOLONG  `path` does not fit in sockaddr_un
 *   other         from socket/bind/listen/chmod/loop_io_add
 * ctl_strerror() words these for a log line.
 */
struct ctl_server *ctl_open(struct loop *l, const char *path,
    const struct ctl_ops *ops, void *arg);
/* NULL-safe; drops clients and unlinks `path` if it is still our socket. */
void ctl_close(struct ctl_server *s);
/* "another vipd is running", ... or strerror(err); `err` positive. */
const char *ctl_strerror(int err);

/* --- protocol: requests ---------------------------------------------- */

enum ctl_command {
	CTL_CMD_STATUS = 1,		/* `status [NAME]` */
	CTL_CMD_RELOAD,			/* `reload` */
};

struct ctl_request {
	enum ctl_command cmd;
	char name[128];			/* status: "" = every VIP */
};

/* One request line, without its '\n' (a trailing '\r' is tolerated).
 * -EINVAL: malformed; -EOPNOTSUPP: well-formed but unknown command. */
int ctl_parse_request(const char *line, size_t len, struct ctl_request *req);
/* Write `req` as a line with its '\n'; -ENOSPC if `len` is too small. */
int ctl_format_request(const struct ctl_request *req, char *buf, size_t len);

/* --- protocol: replies, server half ---------------------------------- */

/* A reply is: header, then status records and `end`, or one `error`; to
 * `reload`: header, one reload record, `end`.
 * Each returns -EIO if `out` has its error flag set afterwards. */
int ctl_format_header(FILE *out);
int ctl_format_status(const struct vip_status *st, FILE *out);
int ctl_format_reload(FILE *out, bool ok, const char *msg);
int ctl_format_end(FILE *out);
int ctl_format_error(FILE *out, const char *code, const char *msg);

/* --- protocol: replies, client half ---------------------------------- */

struct ctl_reply {
	unsigned int version;		/* from the header; 0 = not yet */
	bool done;			/* `end` or `error` was read */
	bool failed;			/* ... and it was `error` */
	char err_code[32];
	char err_msg[256];
	bool has_reload;		/* a `reload` record was read */
	bool reload_ok;
	char reload_msg[CTL_MSG_MAX];
	struct vip_status *vips;	/* n_vips entries, in reply order */
	size_t n_vips;
	size_t cap;
	unsigned int sentinels_seen;	/* of vips[n_vips - 1] */
	bool timing_seen;		/* ... and its timing record */
};

void ctl_reply_init(struct ctl_reply *r);
/*
 * Feed one reply line without its '\n'. Returns 0 (more expected), 1 (the
 * reply is complete: check r->failed, then r->has_reload or the VIPs),
 * -EPROTO (the header names a protocol version outside
 * CTL_PROTO_VERSION_MIN..CTL_PROTO_VERSION: r->version says which; 0 if it
 * is no header at all),
 * -EINVAL (malformed, or any line after the end), -ENOMEM.
 * After an error the reply is unusable except for ctl_reply_free().
 */
int ctl_reply_line(struct ctl_reply *r, const char *line, size_t len);
void ctl_reply_free(struct ctl_reply *r);	/* frees vips; r reusable */

#endif
