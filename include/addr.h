/*
 * addr: put a VIP on an interface and take it off, with libnl-route-3.
 *
 * One blocking request socket (rtnl_addr_add/delete wait for the kernel's
 * ACK, which comes at once). IPv4 VIPs get the label "<ifname>:vip" (when it
 * fits IFNAMSIZ), every VIP gets preferred_lft 0 so the kernel never picks it
 * as the source of the node's own connections, IPv6 VIPs get IFA_F_NODAD.
 * Add is idempotent (NLM_F_REPLACE), delete of an absent VIP is success, and
 * delete always names the exact address and prefix length, so it can never
 * take the node's own primary address.
 * Functions return 0 or -errno; the libnl message is logged at debug level.
 */
#ifndef VIPD_ADDR_H
#define VIPD_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "netaddr.h"

struct addr_ctx;

struct addr_ctx *addr_open(void);	/* NULL on failure, errno set */
void addr_close(struct addr_ctx *a);	/* NULL-safe */

/* Ensure vip is on ifindex (ifname gives the label; NULL: none). Adding a
 * VIP that is already there succeeds and refreshes its lifetimes. */
int addr_add(struct addr_ctx *a, int ifindex, const char *ifname,
    const struct prefix *vip);
/* Ensure vip (exact address and prefix length) is not on ifindex; an
 * absent VIP is success. */
int addr_del(struct addr_ctx *a, int ifindex, const struct prefix *vip);
/* 1 if the VIP (exact address and prefix length) is on ifindex, 0 if not,
 * -errno on failure. */
int addr_present(struct addr_ctx *a, int ifindex, const struct prefix *vip);

/* Every address on every interface of this host (for "is this node the one
 * Sentinel names"), however many, into *list, which grows (realloc) to
 * hold them; *cap is its size (NULL and 0 to begin with). Returns how
 * many, or -errno; on -ENOMEM *list holds the first *cap of them. */
int addr_list_local(struct addr_ctx *a, struct netaddr **list, size_t *cap);

/* A libnl error code (either sign) as -errno: -NLE_PERM -> -EPERM,
 * -NLE_EXIST -> -EEXIST, -NLE_NOADDR -> -EADDRNOTAVAIL, ...; codes that
 * have no errno become -EIO. Shared with nlwatch. */
int addr_nl_errno(int nlerr);

#endif
