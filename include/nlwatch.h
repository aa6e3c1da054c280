/*
 * nlwatch: watch rtnetlink (link, IPv4 and IPv6 address groups) from the
 * event loop and report what matters to a VIP.
 *
 * The socket is non-blocking and registered with the loop by nlwatch_open().
 * Each notification is reported through the callback as it arrives. When
 * the kernel drops notifications (ENOBUFS) nlwatch does not trust its view:
 * it reads what is still queued, enlarges its receive buffer, and once the
 * queue is empty (from then on the kernel delivers again) calls the
 * callback once with NLWATCH_RESYNC; the owner then re-reads the state it
 * needs (addr_present(), nlwatch_link_state()) with fresh requests.
 *
 * NLWATCH_LINK comes for every RTM_NEWLINK of any interface (also when
 * nothing the owner cares about changed); NLWATCH_ADDR_* for every IPv4 and
 * IPv6 address of any interface, ifname looked up by index (empty when the
 * interface is already gone). The callback may call nlwatch_close().
 * nlwatch_open() returns NULL with errno set on failure.
 */
#ifndef VIPD_NLWATCH_H
#define VIPD_NLWATCH_H

#include <stdbool.h>

#include "netaddr.h"

struct loop;
struct nlwatch;

enum nlwatch_kind {
	NLWATCH_ADDR_NEW,	/* address added (or changed) */
	NLWATCH_ADDR_DEL,	/* address removed */
	NLWATCH_LINK,		/* link state changed; up/present valid */
	NLWATCH_LINK_DEL,	/* interface removed */
	NLWATCH_RESYNC,		/* notifications lost: re-read everything */
};

struct nlwatch_event {
	enum nlwatch_kind kind;
	int ifindex;
	char ifname[16];	/* IFNAMSIZ; link events, addr events if
				 * known */
	struct prefix addr;	/* address events */
	bool up;		/* NLWATCH_LINK: IFF_UP and IFF_RUNNING (the
				 * kernel sets RUNNING iff operstate is UP or
				 * UNKNOWN) */
	bool noarp;		/* NLWATCH_LINK: as in struct nlwatch_link */
};

typedef void (*nlwatch_cb)(void *arg, const struct nlwatch_event *ev);

struct nlwatch *nlwatch_open(struct loop *l, nlwatch_cb cb, void *arg);
void nlwatch_close(struct nlwatch *w);	/* NULL-safe */

/* What vipd needs to know about one interface. */
struct nlwatch_link {
	int ifindex;		/* 0: no such interface */
	bool up;		/* same rule as nlwatch_event.up */
	/* No layer-2 neighbour protocol on this interface: IFF_NOARP or
	 * IFF_LOOPBACK (the loopback, a dummy device, `ip link set DEV arp
	 * off`). The kernel answers neither ARP nor IPv6 neighbour
	 * solicitations there, and no client shares a segment with it: an
	 * address on it is reached by routing (a /32 announced over BGP).
	 * Whatever speaks to the segment on a VIP's behalf (gratuitous ARP /
	 * unsolicited NA, an ARP probe before a claim, resets sent to stale
	 * clients) has nobody to talk to and must stay silent. */
	bool noarp;
};

/* Current state of an interface by name (ifindex 0 if absent, still
 * returning 0). One blocking RTM_GETLINK on a socket of its own; returns 0
 * or -errno. nlwatch_link_state() is the same for callers that need only
 * ifindex and up. */
int nlwatch_link_get(const char *ifname, struct nlwatch_link *out);
int nlwatch_link_state(const char *ifname, int *ifindex, bool *up);

#endif
