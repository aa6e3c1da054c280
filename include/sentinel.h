/*
 * sentinel: watch one Sentinel for one VIP.
 *
 * Two connections (reference B.3-8: a subscribed connection takes only
 * (P)SUBSCRIBE commands): a command link that polls
 * SENTINEL get-master-addr-by-name every sentinel-poll-interval and at once
 * on sentinel_poke(), and a subscriber link on the events that matter. The
 * subscriber's heartbeat is a periodic SUBSCRIBE of a private channel, since
 * PING on a subscribed connection loses its reply in hiredis 0.14.1.
 * Events are triggers to re-read state, never the state itself: `hint` is
 * called for each event about our master, `changed` whenever the view
 * (reachable, named master) changes.
 */
#ifndef VIPD_SENTINEL_H
#define VIPD_SENTINEL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "decide.h"
#include "proto.h"

struct loop;
struct sentinel_link;

struct sentinel_link *sentinel_new(struct loop *l,
    const struct vip_config *cfg, size_t idx, void (*changed)(void *arg),
    void (*hint)(void *arg, const struct sentinel_event *ev), void *arg);
void sentinel_free(struct sentinel_link *s);	/* NULL-safe */
void sentinel_poke(struct sentinel_link *s);	/* poll now */
/* Point at an identical configuration (reload); nothing restarts. */
void sentinel_rebind(struct sentinel_link *s, const struct vip_config *cfg,
    size_t idx);

const struct sentinel_view *sentinel_view(const struct sentinel_link *s);
bool sentinel_answered(const struct sentinel_link *s); /* answer or failure seen */
int64_t sentinel_last_seen(const struct sentinel_link *s);	/* wall, s */
uint64_t sentinel_events(const struct sentinel_link *s);

#endif
