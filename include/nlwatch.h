/*
 * nlwatch: watch rtnetlink (link, IPv4 and IPv6 address groups) from the
 * event loop and report what matters to a VIP.
 *
 * The socket is non-blocking and registered with the loop by nlwatch_open().
 * Each notification is reported through the callback as it arrives. When
 * the kernel drops notifications (ENOBUFS) nlwatch does not trust its view:
 * it calls the callback once with NLWATCH_RESYNC, and the owner re-reads
 * the state it needs (addr_present(), link state) with fresh requests.
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
	NLWATCH_RESYNC,		/* notifications were lost: re-read everything */
};

struct nlwatch_event {
	enum nlwatch_kind kind;
	int ifindex;
	char ifname[16];	/* IFNAMSIZ; link events, and addr events if known */
	struct prefix addr;	/* address events */
	bool up;		/* link events: IFF_UP and IFF_RUNNING */
};

typedef void (*nlwatch_cb)(void *arg, const struct nlwatch_event *ev);

struct nlwatch *nlwatch_open(struct loop *l, nlwatch_cb cb, void *arg);
void nlwatch_close(struct nlwatch *w);	/* NULL-safe */

/* Current state of an interface by name: ifindex (0 if absent) and up.
 * Blocking request; returns 0 or -errno. */
int nlwatch_link_state(const char *ifname, int *ifindex, bool *up);

#endif
