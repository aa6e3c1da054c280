/* probe: placeholder until the probe module lands (see the wire work). */
#ifndef VIPD_PROBE_H
#define VIPD_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

struct loop;
struct probe;

struct probe_result {
	bool answered;
	struct netaddr addr;
	uint8_t mac[6];
	int error;
};

struct probe *probe_start(struct loop *l, int ifindex,
    const struct netaddr *addrs, size_t n, unsigned int count,
    unsigned int interval_ms,
    void (*done)(void *arg, const struct probe_result *r), void *arg);
void probe_cancel(struct probe *p);

#endif
