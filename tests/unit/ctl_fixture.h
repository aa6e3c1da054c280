/*
 * Fixtures shared by the control protocol, control server and metrics
 * tests: made-up VIP status records, and comparing and feeding them.
 */
#ifndef VIPD_TEST_CTL_FIXTURE_H
#define VIPD_TEST_CTL_FIXTURE_H

#include <stddef.h>

#include "ctl.h"

/*
 * VIP `idx` with `ns` sentinels. Even ones IPv4, odd ones IPv6; every
 * fourth (0, 4, ...) carries an IPv6 address after its IPv4 one. The
 * local node is up, except when idx % 3 == 2 (fault: connecting, with an
 * error). Sentinel 0 names the master by a DNS name resolved to one
 * address, sentinel 3 by a name resolved to two (IPv4 and IPv6), sentinel
 * 1 is down with an error and names nothing, sentinel 2 names no master;
 * the others name the local node by its address. Sentinel 1 reports no
 * down-after, sentinel 4 a smaller one than the rest. Timing sources are
 * mixed; idx % 3 == 1 has a timing warning.
 */
void make_status(struct vip_status *st, size_t idx, unsigned int ns);
/* Equal as far as the protocol can tell: the same record text. */
void assert_status_equal(const struct vip_status *a,
    const struct vip_status *b);
/* Feed a whole reply text to `r` line by line; returns the last result. */
int feed(struct ctl_reply *r, const char *text);

#endif
