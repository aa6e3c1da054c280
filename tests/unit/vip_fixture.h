/*
 * vip_fixture: one VIP on the fakes of vip_fakes.h, and the words the
 * tests of vip.c speak in: what the local node says, what each Sentinel
 * says, what the kernel reports.
 *
 * The node is 192.0.2.11 (Redis on 6379), the VIP 192.0.2.100 (and
 * 2001:db8::100 when dual-stack) on eth0, three Sentinels at
 * 192.0.2.21-23:26379, master name "mymaster", a notify program set.
 */
#ifndef VIPD_TEST_VIP_FIXTURE_H
#define VIPD_TEST_VIP_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "status.h"
#include "vip.h"
#include "vip_fakes.h"

#define FX_IF		"eth0"
#define FX_IFINDEX	7
#define FX_MASTER	"mymaster"
#define FX_US		"192.0.2.11:6379"
#define FX_OTHER	"192.0.2.12:6379"
#define FX_THIRD	"192.0.2.13:6379"
#define FX_FOURTH	"192.0.2.14:6379"
#define FX_VIP4		"192.0.2.100/32"
#define FX_VIP6		"2001:db8::100/128"
#define FX_REPLID	"1111111111111111111111111111111111111111"
#define FX_RUN_A	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define FX_RUN_B	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define FX_N		3		/* Sentinels */

struct fx_opts {
	bool dual;			/* IPv4 and IPv6 addresses */
	bool noarp;			/* eth0 without ARP/ND (routed) */
	const char *extra;		/* more lines for the vip section */
};

struct fx {
	struct vipd_config *cfg;
	struct vip_env env;
	struct vip *v;
	bool noarp;
	unsigned int ready;		/* env.decided calls */
	size_t addrs_at_ready;		/* on eth0 when it was called */
	bool probing_at_ready;		/* a probe was running then */
};

extern struct fx fx;

/* Reset the fakes, load the configuration, create eth0 (no VIP yet). */
void fx_setup(const struct fx_opts *o);
void fx_spawn(void);			/* vip_new() */
void fx_start(const struct fx_opts *o);	/* both */
void fx_teardown(void);

struct node *fx_local(void);
struct sentinel *fx_sentinel(size_t i);

/* The local node answers with `role` (our replication id, replicas as
 * set in its state) / refuses connections. */
void fx_node(enum node_role role);
void fx_node_refuses(void);
/*
 * Every Sentinel answers at once, one character each:
 *   u  names this node (192.0.2.11:6379)   o  another (192.0.2.12:6379)
 *   t  a third one (192.0.2.13:6379)       n  nil (no such master)
 *   x  unreachable (connection refused)    -  not answered yet
 *   D  names this node as db1.test:6379 (see fake_resolve_set)
 */
void fx_views(const char *views);
void fx_view(size_t i, char c);		/* one Sentinel answers */
void fx_view_quiet(size_t i, char c);	/* ... and nobody is told yet */
/* Sentinel i reports down-after-milliseconds for the master. */
void fx_params(size_t i, uint64_t down_after);
/* Deliver what the kernel echoed of vipd's own address changes. */
void fx_netlink(void);
/* Someone else adds / removes one of the VIP's addresses. */
void fx_nl_addr(bool add, const char *prefix);
/* eth0 goes up, down, away (present false) or comes back. */
void fx_link(bool present, bool up);
void fx_status(struct vip_status *st);
/* Master, every Sentinel agrees, the wire is free: held. */
void fx_claim(void);
/* Sentinel i leads a failover (epoch 7) from FX_OTHER to this node: an
 * early claim, which asks the wire first (on an interface with ARP). */
void fx_leader_promotes_us(size_t i);
bool fx_holds(void);			/* every address is on eth0 */

/* The i-th hook run (from 0) had this state and a reason containing
 * `reason` (unless NULL). */
void fx_assert_hook(size_t i, const char *state, const char *reason);

#endif
