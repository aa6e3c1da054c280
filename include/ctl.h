/*
 * ctl: the control socket (server side in vipd, client side in vipctl) and
 * its line protocol. See man/vipctl.8 for the wire format.
 *
 * Server: a Unix stream socket at `path`, mode 0660, created safely (a stale
 * socket from a dead daemon is replaced, a live one is refused). Requests are
 * single lines; a client that sends garbage, an over-long line or stalls
 * loses its connection, never the daemon.
 *
 * ctl_format_status()/ctl_parse_status() are the pure halves of the protocol
 * (also driven by the fuzzer). Functions return 0 or -errno.
 */
#ifndef VIPD_CTL_H
#define VIPD_CTL_H

#include <stddef.h>
#include <stdio.h>

#include "status.h"

struct loop;
struct ctl_server;

struct ctl_ops {
	/* Fill `out` for VIP number `idx` (0-based); -ENOENT past the end. */
	int (*status)(void *arg, size_t idx, struct vip_status *out);
};

struct ctl_server *ctl_open(struct loop *l, const char *path,
    const struct ctl_ops *ops, void *arg);	/* NULL + errno on failure */
void ctl_close(struct ctl_server *s);		/* NULL-safe; unlinks path */

#endif
