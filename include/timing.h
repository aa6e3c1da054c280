/*
 * timing: the intervals one VIP runs with, and the fencing bound they must
 * keep (docs/design.md, "Fencing").
 *
 * Sentinel cannot promote another node before its down-after-milliseconds
 * (D) has passed since it last heard from the master. A node that is cut
 * off must have let go of the VIP by then, and two paths lead there:
 *  - it loses the Sentinel majority: noticed by the next poll that gets no
 *    answer (sentinel-poll-interval P, then command-timeout T), then
 *    no-quorum-hold-down H: P + T + H;
 *  - its own data node hangs: noticed by the next ROLE (role-check-interval
 *    R) that gets no answer, released after redis-down-after DA, which runs
 *    from that request: R + max(T, DA).
 * Both must stay within TIMING_BUDGET_PCT % of the smallest D any Sentinel
 * reports: the rest covers scheduling delays and the time to remove the
 * address, and Sentinel's own promotion adds its vote and its SLAVEOF on
 * top of D. A knob set to `auto` (the default) is derived from D so that
 * both bounds hold; an explicit knob that breaks them is kept, with a
 * warning. Until a Sentinel reports D, auto assumes TIMING_ASSUMED_D, the
 * smallest practical value: the safe side.
 * Pure: no I/O, no clock.
 */
#ifndef VIPD_TIMING_H
#define VIPD_TIMING_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "model.h"

#define TIMING_BUDGET_PCT	70
#define TIMING_ASSUMED_D	1000	/* ms */

/* params: what each configured Sentinel reports (down_after 0 = nothing
 * yet), cfg->n_sentinels entries. */
void timing_compute(const struct vip_config *cfg,
    const struct sentinel_params *params, struct timing *out);

/* "auto (down-after-milliseconds 1000)", "configured", ... for displays. */
const char *timing_source_name(enum timing_source s);

#endif
