/*
 * Fixtures shared by the control protocol and control server tests:
 * made-up VIP status records, and comparing and feeding them.
 */
#ifndef VIPD_TEST_CTL_FIXTURE_H
#define VIPD_TEST_CTL_FIXTURE_H

#include <stddef.h>

#include "ctl.h"

/* VIP `idx`: even ones IPv4, odd ones IPv6, with `ns` sentinels. */
void make_status(struct vip_status *st, size_t idx, unsigned int ns);
/* Equal as far as the protocol can tell: the same record text. */
void assert_status_equal(const struct vip_status *a,
    const struct vip_status *b);
/* Feed a whole reply text to `r` line by line; returns the last result. */
int feed(struct ctl_reply *r, const char *text);

#endif
