/*
 * netaddr: IP addresses, host:port pairs and address/prefix values.
 *
 * Pure parsing and formatting, no I/O and no name resolution: a host that
 * is not an IP literal is kept as a DNS name (struct hostport.name) for the
 * resolver (resolve.h) to look up off the event loop.
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
	int family;			/* AF_INET, AF_INET6; 0 = none */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
};

/* A DNS name is at most 253 characters (RFC 1035 2.3.4, without the
 * trailing dot). */
#define NETADDR_NAME_MAX	254

/* A host (IP literal or DNS name) and a port. Exactly one of addr (family
 * != 0) and name (non-empty) is set in a parsed value; both are unset in a
 * zeroed one. */
struct hostport {
	struct netaddr addr;
	uint16_t port;
	char name[NETADDR_NAME_MAX];
};

struct prefix {
	struct netaddr addr;
	unsigned int len;		/* 0..32 or 0..128 */
};

/* Large enough for "[ffff:...:ffff]:65535", "ffff:...:ffff/128" and a
 * DNS name with its port. */
#define NETADDR_STRLEN	(NETADDR_NAME_MAX + 8)

/* "192.0.2.1", "2001:db8::1" (no brackets). */
int netaddr_parse(const char *s, struct netaddr *out);
/*
 * "192.0.2.1:6379", "[2001:db8::1]:26379", "n1.example:6379". The port
 * (1..65535) is required; an IPv6 literal needs its brackets, anything in
 * brackets must be an IPv6 literal, and a host that is not an IP literal
 * must be a valid DNS name (netaddr_name_valid).
 */
int hostport_parse(const char *s, struct hostport *out);
/* "192.0.2.100", "192.0.2.100/24", "2001:db8::100/64". Without a prefix the
 * length is the full host length (32 or 128). */
int prefix_parse(const char *s, struct prefix *out);

/*
 * A host name as configuration accepts it: labels of 1..63 letters,
 * digits, hyphens or underscores (underscores are not RFC 1123, but
 * Kubernetes and cloud DNS hand them out), not starting or ending with a
 * hyphen, separated by single dots, 253 characters at most, one trailing
 * dot allowed. Refused: a last label of digits only and anything
 * inet_aton() takes ("0x7f000001", "127.1"), because getaddrinfo() would
 * read a mistyped address such as "192.0.2" as 192.0.0.2 rather than fail:
 * IP literals are not names, try netaddr_parse() first.
 */
bool netaddr_name_valid(const char *s, size_t len);
/* Names compare without case and ignoring one trailing dot. */
bool netaddr_name_equal(const char *a, const char *b);

bool netaddr_equal(const struct netaddr *a, const struct netaddr *b);
/* Same port and the same IP literal, or the same name (netaddr_name_equal).
 * A name never equals a literal: resolving is the caller's business. */
bool hostport_equal(const struct hostport *a, const struct hostport *b);
static inline bool hostport_set(const struct hostport *hp)
{
	return hp->addr.family != 0 || hp->name[0] != '\0';
}
static inline size_t netaddr_len(const struct netaddr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

/* "192.0.2.1" / "2001:db8::1" / "-" */
const char *netaddr_fmt(const struct netaddr *a, char *buf, size_t len);
/* "192.0.2.1:6379" / "[2001:db8::1]:6379" / "n1.example:6379" / "-" */
const char *hostport_fmt(const struct hostport *hp, char *buf, size_t len);
/* "192.0.2.100/32" */
const char *prefix_fmt(const struct prefix *p, char *buf, size_t len);

#endif
