/* netaddr: IP literal, host:port and prefix parsing (see netaddr.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "netaddr.h"

int
netaddr_parse(const char *s, struct netaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &out->u.v4) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &out->u.v6) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static int
parse_port(const char *s, uint16_t *port)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end != '\0' || v < 1 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int
hostport_parse(const char *s, struct hostport *out)
{
	char host[NETADDR_NAME_MAX];
	const char *colon, *hstart;
	size_t hlen;
	bool bracket = s[0] == '[';

	memset(out, 0, sizeof(*out));
	if (bracket) {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		hstart = s + 1;
		hlen = (size_t)(close - hstart);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		/* An unbracketed IPv6 address is ambiguous: refuse it. */
		if (!colon || memchr(s, ':', (size_t)(colon - s)))
			return -EINVAL;
		hstart = s;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, hstart, hlen);
	host[hlen] = '\0';
	if (netaddr_parse(host, &out->addr) == 0) {
		/* Brackets are for IPv6 only, and IPv6 needs them. */
		if (bracket != (out->addr.family == AF_INET6))
			return -EINVAL;
	} else {
		if (bracket || !netaddr_name_valid(host, hlen))
			return -EINVAL;
		memcpy(out->name, host, hlen + 1);
	}
	return parse_port(colon + 1, &out->port);
}

static bool
label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool
netaddr_name_valid(const char *s, size_t len)
{
	char copy[NETADDR_NAME_MAX];
	size_t label = 0;
	bool digits = true;		/* the current label is all digits */
	struct in_addr ia;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > NETADDR_NAME_MAX - 1)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-' ||
			    s[i - label] == '-')
				return false;
			if (i == len)
				break;
			label = 0;
			digits = true;
			continue;
		}
		if (!label_char(s[i]))
			return false;
		digits = digits && s[i] >= '0' && s[i] <= '9';
		label++;
	}
	if (digits)
		return false;
	/* "0x7f000001", "127.1" and friends are numbers to inet_aton(),
	 * which getaddrinfo() consults first. */
	memcpy(copy, s, len);
	copy[len] = '\0';
	return inet_aton(copy, &ia) == 0;
}

bool
netaddr_name_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && la > 0 && strncasecmp(a, b, la) == 0;
}

int
prefix_parse(const char *s, struct prefix *out)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned int max;

	memset(out, 0, sizeof(*out));
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (netaddr_parse(host, &out->addr) < 0)
		return -EINVAL;
	max = out->addr.family == AF_INET ? 32 : 128;
	out->len = max;
	if (slash) {
		char *end;
		long v;

		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		errno = 0;
		v = strtol(slash + 1, &end, 10);
		if (errno || *end != '\0' || v < 1 || v > (long)max)
			return -EINVAL;
		out->len = (unsigned int)v;
	}
	return 0;
}

bool
netaddr_equal(const struct netaddr *a, const struct netaddr *b)
{
	if (a->family != b->family || a->family == 0)
		return false;
	return memcmp(&a->u, &b->u, netaddr_len(a)) == 0;
}

bool
hostport_equal(const struct hostport *a, const struct hostport *b)
{
	if (a->port != b->port)
		return false;
	if (a->name[0] || b->name[0])
		return netaddr_name_equal(a->name, b->name);
	return netaddr_equal(&a->addr, &b->addr);
}

const char *
netaddr_fmt(const struct netaddr *a, char *buf, size_t len)
{
	if (a->family == 0 || !inet_ntop(a->family, &a->u, buf, (socklen_t)len))
		snprintf(buf, len, "-");
	return buf;
}

const char *
hostport_fmt(const struct hostport *hp, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (hp->name[0]) {
		snprintf(buf, len, "%s:%u", hp->name, hp->port);
		return buf;
	}
	if (hp->addr.family == 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	netaddr_fmt(&hp->addr, host, sizeof(host));
	if (hp->addr.family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", host, hp->port);
	else
		snprintf(buf, len, "%s:%u", host, hp->port);
	return buf;
}

const char *
prefix_fmt(const struct prefix *p, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (p->addr.family == 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	snprintf(buf, len, "%s/%u", netaddr_fmt(&p->addr, host, sizeof(host)),
	    p->len);
	return buf;
}
