/*
 * wirecheck: the probes one VIP runs before it claims (probe.h): at most
 * one at a time, again every WIRECHECK_AGAIN while another node answers,
 * and the latest result as a wire_view for decide(). On an interface
 * without ARP/ND, or with wire-probe off, there is nothing to ask and the
 * view says so (checkable = false); a probe that cannot run (no packet
 * socket, say) says so too, once, and claims go on without one.
 */
#ifndef VIPD_WIRECHECK_H
#define VIPD_WIRECHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "loop.h"
#include "model.h"

/* A probe: this many rounds this far apart, then as long again to listen;
 * another node's kernel answers within a millisecond on a LAN. */
#define WIRECHECK_ROUNDS	2
#define WIRECHECK_INTERVAL	10	/* ms */
/* After an answer, ask again this soon. */
#define WIRECHECK_AGAIN		50	/* ms */

struct probe;

struct wirecheck {
	struct loop *loop;
	char label[140];		/* "vip NAME", for log lines */
	void (*changed)(void *arg);	/* a probe ended: decide again */
	void *arg;
	struct wire_view view;
	bool broken;			/* probing failed on this link */
	int ifindex;
	size_t n;
	struct netaddr addrs[CONFIG_MAX_ADDRESSES];
	struct probe *probe;
	struct loop_timer again;
};

void wirecheck_init(struct wirecheck *wc, struct loop *l, const char *label,
    void (*changed)(void *), void *arg);
/* The interface (re)read: where to probe, and whether one can. */
void wirecheck_link(struct wirecheck *wc, int ifindex, bool arp,
    const struct vip_config *cfg);
/* decide() asked for a fresh answer. */
void wirecheck_want(struct wirecheck *wc);
void wirecheck_stop(struct wirecheck *wc);

#endif
