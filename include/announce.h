/*
 * announce: tell the segment where a VIP is after a claim: a burst of
 * gratuitous ARP / unsolicited NA frames (garp.h), a second burst for
 * switches and hosts that missed the first (keepalived's default: 5
 * frames, 5 more after 5 s), then an optional periodic refresh. Nothing is
 * sent on an interface without ARP/ND (routed mode): the caller does not
 * start it there.
 */
#ifndef VIPD_ANNOUNCE_H
#define VIPD_ANNOUNCE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "loop.h"

enum announce_phase {
	ANNOUNCE_FIRST_BURST,
	ANNOUNCE_SECOND_BURST,
	ANNOUNCE_REFRESH,
};

struct announce {
	struct loop *loop;
	struct loop_timer timer;
	char label[140];		/* "vip NAME", for log lines */
	int ifindex;
	char ifname[16];
	size_t n;
	struct prefix addrs[CONFIG_MAX_ADDRESSES];
	unsigned int count, interval, repeat_delay, refresh;
	unsigned int left;
	enum announce_phase phase;
	uint64_t frames;		/* sent so far */
};

void announce_init(struct announce *a, struct loop *l, const char *label);
/* Announce cfg's addresses on ifindex: the first frames now. */
void announce_start(struct announce *a, int ifindex,
    const struct vip_config *cfg);
void announce_stop(struct announce *a);

#endif
