/*
 * metrics: the status records in the Prometheus text exposition format
 * 0.0.4, for node_exporter's textfile collector (`vipctl metrics`). Each
 * family is one group, HELP and TYPE first, as the format requires; a VIP
 * adds one sample per family, or one per address, state, role, knob or
 * Sentinel. Pure: no I/O besides the caller's FILE.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"


/* Label values escape backslash, double quote and newline (exposition
 * format 0.0.4). Records carry no newline, but this does not rely on it. */
static void
prom_escape(FILE *out, const char *s, size_t max)
{
	size_t len = strnlen(s, max);

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n') {
			fputs("\\n", out);
			continue;
		}
		if (s[i] == '\\' || s[i] == '"')
			putc('\\', out);
		putc(s[i], out);
	}
}

/* `metric{vip="NAME"`, then `,key="val"` if `key`; the caller closes. */
static void
prom_open(FILE *out, const char *metric, const struct vip_status *st,
    const char *key, const char *val, size_t max)
{
	fprintf(out, "%s{vip=\"", metric);
	prom_escape(out, st->name, sizeof(st->name));
	putc('"', out);
	if (key) {
		fprintf(out, ",%s=\"", key);
		prom_escape(out, val, max);
		putc('"', out);
	}
}

static void
prom_sample(FILE *out, const char *metric, const struct vip_status *st,
    const char *key, const char *val, uint64_t v)
{
	prom_open(out, metric, st, key, val, SIZE_MAX);
	fprintf(out, "} %" PRIu64 "\n", v);
}

static void
emit_held(FILE *out, const char *metric, const struct vip_status *st)
{
	char addr[NETADDR_STRLEN];

	for (unsigned int i = 0; i < st->n_addresses &&
	    i < CONFIG_MAX_ADDRESSES; i++) {
		prefix_fmt(&st->addresses[i], addr, sizeof(addr));
		prom_open(out, metric, st, "address", addr, sizeof(addr));
		fputs(",interface=\"", out);
		prom_escape(out, st->interface, sizeof(st->interface));
		fprintf(out, "\"} %d\n", st->holding);
	}
}

static void
emit_timing(FILE *out, const char *metric, const struct vip_status *st)
{
	const struct timing *t = &st->timing;
	const struct { const char *knob; unsigned int v; } k[] = {
		{ "role-check-interval", t->role_check_interval },
		{ "sentinel-poll-interval", t->sentinel_poll_interval },
		{ "command-timeout", t->command_timeout },
		{ "redis-down-after", t->redis_down_after },
		{ "no-quorum-hold-down", t->no_quorum_hold_down },
	};

	if (!t->role_check_interval)
		return;		/* a vipd too old to say: no sample, not a 0 */
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		prom_sample(out, metric, st, "knob", k[i].knob, k[i].v);
}

static void
emit_state(FILE *out, const char *metric, const struct vip_status *st)
{
	static const enum verdict all[] = {
		VERDICT_HOLD, VERDICT_RELEASE, VERDICT_FAULT,
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		prom_sample(out, metric, st, "state", verdict_name(all[i]),
		    st->verdict == all[i]);
}

static void
emit_role(FILE *out, const char *metric, const struct vip_status *st)
{
	static const enum node_role all[] = {
		NODE_ROLE_MASTER, NODE_ROLE_REPLICA, NODE_ROLE_OTHER,
		NODE_ROLE_UNKNOWN,
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		prom_sample(out, metric, st, "role", node_role_name(all[i]),
		    st->role == all[i]);
}

static void
emit_sentinels(FILE *out, const char *metric, const struct vip_status *st,
    bool names_us)
{
	char addr[NETADDR_STRLEN];

	for (unsigned int i = 0; i < st->n_sentinels &&
	    i < CONFIG_MAX_SENTINELS; i++) {
		const struct sentinel_status *ss = &st->sentinels[i];

		hostport_fmt(&ss->addr, addr, sizeof(addr));
		prom_sample(out, metric, st, "sentinel", addr,
		    names_us ? ss->names_us : ss->reachable);
	}
}

static void
emit_sentinel_up(FILE *out, const char *metric, const struct vip_status *st)
{
	emit_sentinels(out, metric, st, false);
}

static void
emit_sentinel_names(FILE *out, const char *metric,
    const struct vip_status *st)
{
	emit_sentinels(out, metric, st, true);
}

/* Families labelled by vip alone: which field they show. */
enum prom_value {
	PV_TRANSITIONS, PV_GARP, PV_NODE_UP, PV_AGREE, PV_REACHABLE,
	PV_MAJORITY, PV_LAST_DECISION, PV_DOWN_AFTER, PV_TIMING_WARNING,
};

static uint64_t
prom_value(const struct vip_status *st, enum prom_value v)
{
	switch (v) {
	case PV_TRANSITIONS:
		return st->transitions;
	case PV_GARP:
		return st->garp_frames;
	case PV_NODE_UP:
		return st->node_reachable;
	case PV_AGREE:
		return st->agree;
	case PV_REACHABLE:
		return st->reachable;
	case PV_MAJORITY:
		return st->majority;
	case PV_LAST_DECISION:
		return st->last_decision > 0 ? (uint64_t)st->last_decision : 0;
	case PV_DOWN_AFTER:
		return st->timing.down_after;
	case PV_TIMING_WARNING:
		return st->timing.warning[0] != '\0';
	}
	return 0;
}

static const struct prom_family {
	const char *name, *type, *help;
	/* Samples of one VIP; NULL: one sample of `value`. */
	void (*emit)(FILE *, const char *, const struct vip_status *);
	enum prom_value value;
} prom_families[] = {
	{ "vipd_vip_held", "gauge",
	    "1 if the VIP address is on its interface.", emit_held, 0 },
	{ "vipd_vip_state", "gauge",
	    "1 for the current decision, 0 for the others.", emit_state, 0 },
	{ "vipd_transitions_total", "counter",
	    "State changes since vipd started.", NULL, PV_TRANSITIONS },
	{ "vipd_garp_frames_total", "counter",
	    "Gratuitous ARP and unsolicited NA frames sent.", NULL, PV_GARP },
	{ "vipd_local_node_up", "gauge",
	    "1 if the local Redis node answers.", NULL, PV_NODE_UP },
	{ "vipd_local_node_role", "gauge",
	    "1 for the role the local Redis node reports, 0 for the others.",
	    emit_role, 0 },
	{ "vipd_sentinel_up", "gauge",
	    "1 if this Sentinel answers.", emit_sentinel_up, 0 },
	{ "vipd_sentinel_names_this_node", "gauge",
	    "1 if this Sentinel names the local node as master.",
	    emit_sentinel_names, 0 },
	{ "vipd_sentinels_agree", "gauge",
	    "Sentinels naming the local node as master.", NULL, PV_AGREE },
	{ "vipd_sentinels_reachable", "gauge",
	    "Sentinels that answer.", NULL, PV_REACHABLE },
	{ "vipd_sentinels_majority", "gauge",
	    "Sentinels that must agree before the VIP is held.", NULL,
	    PV_MAJORITY },
	{ "vipd_last_decision_timestamp_seconds", "gauge",
	    "Unix time of the latest decision (0: never or unknown).", NULL,
	    PV_LAST_DECISION },
	{ "vipd_timing_milliseconds", "gauge",
	    "The intervals in force (configured or derived from Sentinel).",
	    emit_timing, 0 },
	{ "vipd_sentinel_down_after_milliseconds", "gauge",
	    "The smallest down-after-milliseconds the Sentinels report (0: "
	    "none yet).", NULL, PV_DOWN_AFTER },
	{ "vipd_timing_bound_broken", "gauge",
	    "1 if configured intervals break the fencing bound against what "
	    "Sentinel reports.", NULL, PV_TIMING_WARNING },
};

int
metrics_format(const struct vip_status *vips, size_t n, FILE *out)
{
	size_t nf = sizeof(prom_families) / sizeof(prom_families[0]);

	for (size_t i = 0; i < nf; i++) {
		const struct prom_family *f = &prom_families[i];

		fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help,
		    f->name, f->type);
		for (size_t j = 0; j < n; j++) {
			if (f->emit)
				f->emit(out, f->name, &vips[j]);
			else
				prom_sample(out, f->name, &vips[j], NULL, NULL,
				    prom_value(&vips[j], f->value));
		}
	}
	return ferror(out) ? -EIO : 0;
}
