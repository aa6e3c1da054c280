/*
 * vip: one configured VIP: its watchers (the local node, every Sentinel,
 * the other data nodes while they matter), its interface, its timers and
 * its state. Every input change re-runs decide() and the verdict is carried
 * out here (addr, garp, probe). State changes happen in exactly one place,
 * vip_transition(), which logs one line with a stable token
 * (+vip-acquired, +vip-adopted, -vip-released, +vip-fault) and the reason,
 * counts it and runs the notify hook; every change of whether the
 * addresses are on the interface goes through it.
 *
 * Start-up reconciles: the first decision waits until the local node and
 * every Sentinel have answered (or failed) once, or one command-timeout
 * has passed; addresses already on the interface are then kept (and
 * re-announced: +vip-adopted) if the verdict is hold, removed if not. No
 * blip on a daemon restart or re-exec.
 */
#ifndef VIPD_VIP_H
#define VIPD_VIP_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "netaddr.h"
#include "nlwatch.h"
#include "status.h"
#include "watch.h"

struct loop;
struct addr_ctx;
/* A VIP's first decision waits at most this long for inputs still being
 * asked; a safety net, their connections' own deadlines end the wait long
 * before. */
#define VIP_STARTUP_MAX	30000	/* ms */

struct vip;

#define VIP_MAX_HOSTNAMES	2

/* What all VIPs share; owned by the daemon. */
struct vip_env {
	struct loop *loop;
	struct addr_ctx *addr;
	struct watch_env watch;		/* shared connections */
	/* Every address on the host, however many: one left out could be
	 * the one a Sentinel names this node by (daemon.c keeps it). */
	struct netaddr *local_addrs;
	size_t n_local_addrs, cap_local_addrs;
	/* This host's names (gethostname() and its first label): a Sentinel
	 * that names this node by one of them names this node. */
	char hostnames[VIP_MAX_HOSTNAMES][NETADDR_NAME_MAX];
	size_t n_hostnames;
	/* Called once per VIP when its first decision has been carried out. */
	void (*decided)(void *arg);
	void *arg;
};

struct vip *vip_new(struct vip_env *env, const struct vip_config *cfg);
void vip_free(struct vip *v);		/* NULL-safe; leaves the address */
/* Reload: point at an identical configuration (config_vip_equal); nothing
 * is released, re-announced or reconnected. */
void vip_rebind(struct vip *v, const struct vip_config *cfg);
const struct vip_config *vip_config(const struct vip *v);
/* Release the VIP if we hold it (orderly stop, removal by reload). */
void vip_shutdown(struct vip *v, const char *reason);
void vip_netlink(struct vip *v, const struct nlwatch_event *ev);
/* Something every VIP depends on changed (the host's addresses, a name's
 * resolution): decide again. */
void vip_reevaluate(struct vip *v);
/* The first decision has been made and carried out. */
bool vip_decided(const struct vip *v);
void vip_get_status(const struct vip *v, struct vip_status *out);

#endif
