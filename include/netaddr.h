/*
 * netaddr: IP addresses, host:port pairs and address/prefix values.
 *
 * Pure parsing and formatting, no I/O, no name resolution (vipd takes IP
 * literals only: hiredis 0.14 resolves names with a blocking getaddrinfo()).
 * Parsers return 0 on success or -EINVAL; formatters return the buffer.
 */
#ifndef VIPD_NETADDR_H
#define VIPD_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <arpa/inet.h>

struct netaddr {
	int family;			/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
};

struct hostport {
	struct netaddr addr;
	uint16_t port;
};

struct prefix {
	struct netaddr addr;
	unsigned int len;		/* 0..32 or 0..128 */
};

/* Large enough for "[ffff:...:ffff]:65535" and "ffff:...:ffff/128". */
#define NETADDR_STRLEN	(INET6_ADDRSTRLEN + 10)

/* "192.0.2.1", "2001:db8::1" (no brackets). */
int netaddr_parse(const char *s, struct netaddr *out);
/* "192.0.2.1:6379", "[2001:db8::1]:26379". Port 1..65535 is required. */
int hostport_parse(const char *s, struct hostport *out);
/* "192.0.2.100", "192.0.2.100/24", "2001:db8::100/64". Without a prefix the
 * length is the full host length (32 or 128). */
int prefix_parse(const char *s, struct prefix *out);

bool netaddr_equal(const struct netaddr *a, const struct netaddr *b);
bool hostport_equal(const struct hostport *a, const struct hostport *b);
static inline size_t netaddr_len(const struct netaddr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

/* "192.0.2.1" / "2001:db8::1" */
const char *netaddr_fmt(const struct netaddr *a, char *buf, size_t len);
/* "192.0.2.1:6379" / "[2001:db8::1]:6379" */
const char *hostport_fmt(const struct hostport *hp, char *buf, size_t len);
/* "192.0.2.100/32" */
const char *prefix_fmt(const struct prefix *p, char *buf, size_t len);

#endif
