/*
 * vip: one configured VIP: its watchers (local node, every Sentinel), its
 * interface, its timers and its state. Every input change re-runs decide()
 * and the verdict is carried out here (addr, garp). State changes happen in
 * exactly one place, vip_transition(), which logs one line with a stable
 * token (+vip-acquired, -vip-released, +vip-fault) and the reason.
 *
 * Start-up reconciles: the first decision waits until the local node and
 * every Sentinel have answered (or failed) once, or one command-timeout
 * has passed; a VIP already on the interface is then kept and re-announced
 * if the verdict is hold, removed if not. No blip on a daemon restart.
 */
#ifndef VIPD_VIP_H
#define VIPD_VIP_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "netaddr.h"
#include "nlwatch.h"
#include "status.h"

struct loop;
struct addr_ctx;
struct vip;

#define VIP_MAX_LOCAL_ADDRS	256

/* What all VIPs share; owned by the daemon. */
struct vip_env {
	struct loop *loop;
	struct addr_ctx *addr;
	struct netaddr local_addrs[VIP_MAX_LOCAL_ADDRS];
	size_t n_local_addrs;
	/* Called once per VIP when its first decision has been made. */
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
/* The host's addresses changed (env->local_addrs was refreshed). */
void vip_reevaluate(struct vip *v);
bool vip_decided(const struct vip *v);	/* first decision made */
void vip_get_status(const struct vip *v, struct vip_status *out);

#endif
