/* timing: the intervals in force (see timing.h). */
#include <stdio.h>
#include <string.h>

#include "timing.h"

static unsigned int
clamp(uint64_t v, unsigned int lo, unsigned int hi)
{
	return v < lo ? lo : v > hi ? hi : (unsigned int)v;
}

/* The configured value, or `derived` when the knob is auto. */
static unsigned int
pick(unsigned int configured, unsigned int derived, bool reported,
    enum timing_source *src)
{
	if (configured != CONFIG_AUTO) {
		*src = TIMING_CONFIGURED;
		return configured;
	}
	*src = reported ? TIMING_AUTO : TIMING_DEFAULT;
	return derived;
}

void
timing_compute(const struct vip_config *cfg,
    const struct sentinel_params *params, struct timing *out)
{
	uint64_t d = 0, budget;
	unsigned int p, t, r, sum_q, sum_n;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < cfg->n_sentinels; i++) {
		if (!params[i].down_after)
			continue;
		out->reporting++;
		if (!d || params[i].down_after < d)
			d = params[i].down_after;
	}
	out->down_after = d;
	if (!d)
		d = TIMING_ASSUMED_D;
	budget = d * TIMING_BUDGET_PCT / 100;

	/* Polls and timeouts at a fifth of D: 1000 / 1000 / 500 ms at
	 * D >= 5 s. The role check's cap is the poll's: it bounds how long a
	 * hung master keeps the VIP, which the budget covers at any D, and
	 * at 200 ms it cost a node that holds 1,000 masters a tenth of a core
	 * (a demotion Sentinel makes does not wait for it: its events and the
	 * connections it kills ask at once). */
	t = out->command_timeout = pick(cfg->command_timeout,
	    clamp(d / 5, 100, 500), out->reporting, &out->source[2]);
	p = out->sentinel_poll_interval = pick(cfg->sentinel_poll_interval,
	    clamp(d / 5, 100, 1000), out->reporting, &out->source[1]);
	r = out->role_check_interval = pick(cfg->role_check_interval,
	    clamp(d / 5, 50, 1000), out->reporting, &out->source[0]);
	/* The hold-down and redis-down-after take what the budget leaves,
	 * capped at their former defaults: longer rides out more Sentinel
	 * restarts, but an isolated master accepts writes for longer. */
	out->no_quorum_hold_down = pick(cfg->no_quorum_hold_down,
	    budget > (uint64_t)p + t ? clamp(budget - p - t, 0, 2000) : 0,
	    out->reporting, &out->source[4]);
	out->redis_down_after = pick(cfg->redis_down_after,
	    budget > r ? clamp(budget - r, 0, 500) : 0, out->reporting,
	    &out->source[3]);

	sum_q = p + t + out->no_quorum_hold_down;
	sum_n = r + (t > out->redis_down_after ? t : out->redis_down_after);
	if (!out->down_after)
		return;		/* nothing reported: no bound to break yet */
	if (sum_q > budget)
		snprintf(out->warning, sizeof(out->warning), "sentinel-poll-"
		    "interval %u + command-timeout %u + no-quorum-hold-down "
		    "%u = %u ms exceeds %u%% of down-after-milliseconds %llu "
		    "(%llu ms): an isolated master may keep the VIP after "
		    "another is promoted", p, t, out->no_quorum_hold_down,
		    sum_q, TIMING_BUDGET_PCT, (unsigned long long)d,
		    (unsigned long long)budget);
	else if (sum_n > budget)
		snprintf(out->warning, sizeof(out->warning),
		    "role-check-interval %u + max(command-timeout %u, "
		    "redis-down-after %u) = %u ms exceeds %u%% of "
		    "down-after-milliseconds %llu (%llu ms): a hung master may "
		    "keep the VIP after another is promoted", r, t,
		    out->redis_down_after, sum_n, TIMING_BUDGET_PCT,
		    (unsigned long long)d, (unsigned long long)budget);
}

const char *
timing_source_name(enum timing_source s)
{
	switch (s) {
	case TIMING_AUTO:
		return "auto";
	case TIMING_DEFAULT:
		return "auto, nothing reported yet";
	case TIMING_CONFIGURED:
		break;
	}
	return "configured";
}
