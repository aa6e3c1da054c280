/*
 * resolve: host name lookups that never block the event loop
 * (placeholder: the threaded implementation replaces this file).
 */
#ifndef VIPD_RESOLVE_H
#define VIPD_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

struct loop;
struct resolver;

#define RESOLVE_MAX_ADDRS 8

enum resolve_state {
	RESOLVE_PENDING = 0,
	RESOLVE_OK,
	RESOLVE_FAILED,
};

struct resolve_result {
	enum resolve_state state;
	size_t n;
	struct netaddr addrs[RESOLVE_MAX_ADDRS];
	char error[128];
	uint64_t resolved_at;
};

struct resolver_opts {
	unsigned int threads;
	unsigned int timeout_ms;
	unsigned int refresh_ms;
	unsigned int retry_ms;
	unsigned int idle_ms;
	int (*lookup)(const char *name, struct netaddr *out, size_t max,
	    size_t *n, char *err, size_t errlen);
};

struct resolver *resolver_new(struct loop *l, const struct resolver_opts *o,
    void (*changed)(void *arg, const char *name), void *arg);
void resolver_free(struct resolver *r);
const struct resolve_result *resolver_get(struct resolver *r, const char *name);
void resolver_refresh(struct resolver *r, const char *name);

#endif
