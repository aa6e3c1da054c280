/*
 * vip_fakes: stand-ins for every module vip.c reaches the outside world
 * through, so that test_vip.c runs the real vip.c, vip_inputs.c, peers.c,
 * wirecheck.c, decide.c and timing.c without root, sockets or netlink.
 * The watchers are in vip_fakes_watch.c, the wire in vip_fakes_wire.c,
 * the rest in vip_fakes.c.
 *
 * What each fake stands for, and what a test does with it:
 *  - loop.h and log.h: the virtual clock and the kept log of fake_loop.h.
 *    vip.c's waits (the start-up deadline, ADD_RETRY, REFUSE_MAX,
 *    PEERS_MEMORY, the probe patience) are seconds to a minute long.
 *  - node.h, sentinel.h: shared watchers keyed by address (and master
 *    name), as the real ones are; a test writes what the peer "said" into
 *    their state and calls fake_*_changed(), which runs the users'
 *    callbacks as the real modules do after a reply.
 *  - nlwatch_link_get() and addr.h: an in-memory table of interfaces and
 *    of the addresses on them. addr_add/addr_del queue the notification
 *    the kernel would echo (fake_netlink_next()), a test delivers it.
 *  - probe.h, under the real wirecheck.c: a probe runs until the test
 *    ends it with fake_probe_finish(). Faking probe rather than wirecheck
 *    keeps wirecheck's own rules in the test (one probe at a time, ask
 *    again WIRECHECK_AGAIN after an answer, claim without asking once
 *    probing fails on a link), which is what vip.c relies on.
 *  - announce.h, refuse.h, notify.h, resolve.h, rconn_state_name():
 *    recorders and tables.
 * All state is global and reset by fake_reset().
 */
#ifndef VIPD_TEST_VIP_FAKES_H
#define VIPD_TEST_VIP_FAKES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "announce.h"
#include "fake_loop.h"
#include "nlwatch.h"
#include "node.h"
#include "rconn.h"
#include "sentinel.h"

void fake_reset(void);
void fake_watch_reset(void);		/* vip_fakes_watch.c */
void fake_wire_reset(void);		/* vip_fakes_wire.c */

/* ---- interfaces and addresses ------------------------------------------ */
/* Create or change an interface; ifindex 0 removes it. */
void fake_if_set(const char *name, int ifindex, bool up, bool noarp);
extern int fake_link_get_error;		/* nlwatch_link_get fails: -errno */
/* Put an address on / take it off an interface behind vipd's back (no
 * notification is queued: the test delivers its own). */
void fake_addr_put(int ifindex, const char *prefix);
void fake_addr_remove(int ifindex, const char *prefix);
bool fake_addr_on(int ifindex, const char *prefix);
size_t fake_addr_count(int ifindex);
struct addr_ctx *fake_addr_ctx(void);
extern int fake_addr_add_error;		/* addr_add fails: -errno */
extern int fake_addr_add_fail_family;	/* ... for this family only; 0: all */
extern int fake_addr_del_error;
extern unsigned int fake_addr_adds, fake_addr_dels;	/* calls */
/* addr_add calls made while a refuse ran on the same interface (the
 * kernel and refuse would both answer the SYN). */
extern unsigned int fake_addr_add_while_refusing;
/* The next notification the kernel would send for vipd's own changes;
 * false when none is queued. */
bool fake_netlink_next(struct nlwatch_event *ev);

/* ---- data nodes (node.h) ----------------------------------------------- */
/* The node watched at "host:port", NULL if never attached. */
struct node *fake_node(const char *hostport);
struct node_state *fake_node_state(struct node *n);	/* writable */
struct rconn *fake_node_rconn(struct node *n);		/* writable */
void fake_node_changed(struct node *n);		/* users' callbacks */
size_t fake_node_users(const struct node *n);
const struct node_user *fake_node_user(const struct node *n, size_t i);
unsigned int fake_node_pokes(const struct node *n);
unsigned int fake_node_user_changes(const struct node *n);
extern bool fake_node_attach_fails;

/* ---- Sentinels (sentinel.h), per master name --------------------------- */
struct sentinel *fake_sentinel(const char *hostport);
struct sentinel_view *fake_sentinel_view(struct sentinel *s,
    const char *master);
struct sentinel_params *fake_sentinel_params(struct sentinel *s,
    const char *master);
void fake_sentinel_answered(struct sentinel *s, const char *master, bool a);
void fake_sentinel_set_error(struct sentinel *s, const char *master,
    const char *error);
struct rconn *fake_sentinel_rconn(struct sentinel *s);	/* command link */
void fake_sentinel_changed(struct sentinel *s, const char *master);
/* An event for `master` arrives: the users' hint callbacks. */
void fake_sentinel_event(struct sentinel *s, const char *master);
size_t fake_sentinel_users(struct sentinel *s, const char *master);
const struct sentinel_user *fake_sentinel_user(struct sentinel *s,
    const char *master, size_t i);
unsigned int fake_sentinel_pokes(struct sentinel *s, const char *master);
unsigned int fake_sentinel_user_changes(struct sentinel *s,
    const char *master);

/* ---- the wire (probe.h under wirecheck.c) ------------------------------ */
extern int fake_probe_start_error;	/* probe_start fails: errno */
extern unsigned int fake_probes_started, fake_probes_cancelled;
bool fake_probe_running(void);
/* The running probe's ifindex and addresses. */
int fake_probe_ifindex(void);
size_t fake_probe_addrs(struct netaddr *out, size_t max);
/* End the running probe: nobody answered (mac NULL) or `mac` did. */
void fake_probe_finish(const uint8_t *mac);

/* ---- announce.h -------------------------------------------------------- */
extern unsigned int fake_announce_starts, fake_announce_stops;
/* Bursts started and not stopped since. */
bool fake_announce_running(void);
int fake_announce_ifindex(void);	/* of the last start */

/* ---- refuse.h ---------------------------------------------------------- */
extern int fake_refuse_start_error;	/* refuse_start fails: errno */
extern unsigned int fake_refuse_starts, fake_refuse_stops;
bool fake_refuse_running(void);
bool fake_refuse_forwarding(void);	/* refuse_may_forward(true) last */
extern bool fake_refuse_keeps;		/* the last start's `keep` */
int fake_refuse_ifindex(void);		/* of the last start */
size_t fake_refuse_addrs(void);		/* how many it was given */

/* ---- notify.h ---------------------------------------------------------- */
struct fake_hook {
	char name[64], state[16], address[160], interface[16], reason[200];
};
size_t fake_hooks(void);
const struct fake_hook *fake_hook(size_t i);	/* in order of the runs */
extern unsigned int fake_notify_released;

/* ---- resolve.h --------------------------------------------------------- */
struct resolver *fake_resolver(void);
/* `name` resolves to the comma-separated addresses (NULL: forget it). */
void fake_resolve_set(const char *name, const char *addrs);

#endif
