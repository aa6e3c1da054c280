/* wirecheck: a VIP's probes before a claim (see wirecheck.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "probe.h"
#include "wirecheck.h"

static void
wirecheck_done(void *arg, const struct probe_result *r)
{
	struct wirecheck *wc = arg;
	struct wire_view *v = &wc->view;

	wc->probe = NULL;	/* it frees itself after this callback */
	if (r->error) {
		if (!wc->broken)
			log_warn("%s: cannot probe for the VIP: %s; claiming "
			    "without asking the wire", wc->label,
			    strerror(-r->error));
		wc->broken = true;
		v->checkable = false;
	} else if (r->answered) {
		if (v->state != WIRE_ANSWERED) {
			v->answered_since = loop_now();
			log_info("%s: %02x:%02x:%02x:%02x:%02x:%02x still "
			    "answers for the VIP", wc->label, r->mac[0],
			    r->mac[1], r->mac[2], r->mac[3], r->mac[4],
			    r->mac[5]);
		}
		v->state = WIRE_ANSWERED;
		memcpy(v->mac, r->mac, sizeof(v->mac));
	} else {
		v->state = WIRE_FREE;
	}
	v->at = loop_now();
	wc->changed(wc->arg);
}

static void
wirecheck_now(void *arg)
{
	struct wirecheck *wc = arg;

	if (wc->probe || !wc->view.checkable)
		return;
	wc->probe = probe_start(wc->loop, wc->ifindex, wc->addrs, wc->n,
	    WIRECHECK_ROUNDS, WIRECHECK_INTERVAL, wirecheck_done, wc);
	if (!wc->probe) {
		struct probe_result r = { .error = -errno };

		wirecheck_done(wc, &r);
	}
}

void
wirecheck_init(struct wirecheck *wc, struct loop *l, const char *label,
    void (*changed)(void *), void *arg)
{
	memset(wc, 0, sizeof(*wc));
	wc->loop = l;
	snprintf(wc->label, sizeof(wc->label), "%s", label);
	wc->changed = changed;
	wc->arg = arg;
	loop_timer_init(&wc->again, wirecheck_now, wc);
}

void
wirecheck_link(struct wirecheck *wc, int ifindex, bool arp,
    const struct vip_config *cfg)
{
	if (ifindex != wc->ifindex) {
		wirecheck_stop(wc);
		memset(&wc->view, 0, sizeof(wc->view));
		wc->broken = false;
	}
	wc->ifindex = ifindex;
	wc->n = cfg->n_addresses;
	for (size_t i = 0; i < wc->n; i++)
		wc->addrs[i] = cfg->addresses[i].addr;
	wc->view.checkable = arp && cfg->wire_probe && !wc->broken &&
	    ifindex > 0;
}

void
wirecheck_want(struct wirecheck *wc)
{
	uint64_t now = loop_now();

	if (wc->probe || wc->again.armed || !wc->view.checkable)
		return;
	if (wc->view.state == WIRE_ANSWERED &&
	    now < wc->view.at + WIRECHECK_AGAIN)
		loop_timer_arm_at(wc->loop, &wc->again,
		    wc->view.at + WIRECHECK_AGAIN);
	else
		wirecheck_now(wc);
}

void
wirecheck_stop(struct wirecheck *wc)
{
	loop_timer_cancel(wc->loop, &wc->again);
	probe_cancel(wc->probe);
	wc->probe = NULL;
}
