/* addr: add, remove and look up VIPs with libnl-route-3 (see addr.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>

#include "addr.h"
#include "log.h"

/* ip(8) and the kernel's IFA_CACHEINFO use 0xffffffff for "forever". */
#define LIFETIME_FOREVER	0xffffffffU

struct addr_ctx {
	struct nl_sock *sk;
};

int
addr_nl_errno(int nlerr)
{
	/* The reverse of libnl 3.7's nl_syserr2nlerr() (lib/error.c), which
	 * folds the kernel's errno values into NLE_* codes; codes without a
	 * kernel origin become EIO. */
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_SUCCESS:	return 0;
	case NLE_INTR:		return -EINTR;
	case NLE_BAD_SOCK:	return -EBADF;
	case NLE_AGAIN:		return -EAGAIN;
	case NLE_NOMEM:		return -ENOMEM;
	case NLE_EXIST:		return -EEXIST;
	case NLE_INVAL:		return -EINVAL;
	case NLE_RANGE:		return -ERANGE;
	case NLE_MSGSIZE:	return -EMSGSIZE;
	case NLE_OPNOTSUPP:	return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:	return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:	return -ENOENT;
	case NLE_NOATTR:	return -ENOENT;
	case NLE_MISSING_ATTR:	return -EINVAL;
	case NLE_AF_MISMATCH:	return -EINVAL;
	case NLE_BUSY:		return -EBUSY;
	case NLE_PROTO_MISMATCH: return -EPROTONOSUPPORT;
	case NLE_NOACCESS:	return -EACCES;
	case NLE_PERM:		return -EPERM;
	case NLE_NODEV:		return -ENODEV;
	case NLE_NOADDR:	return -EADDRNOTAVAIL;
	case NLE_MSG_TRUNC:	return -EMSGSIZE;
	case NLE_IMMUTABLE:	return -EPERM;
	default:		return -EIO;
	}
}

struct addr_ctx *
addr_open(void)
{
	struct addr_ctx *a;
	int ret;

	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->sk = nl_socket_alloc();
	if (!a->sk) {
		ret = -ENOMEM;
		goto out;
	}
	ret = nl_connect(a->sk, NETLINK_ROUTE);
	if (ret < 0) {
		ret = addr_nl_errno(ret);
		goto out;
	}
	return a;
out:
	addr_close(a);
	errno = -ret;
	return NULL;
}

void
addr_close(struct addr_ctx *a)
{
	if (!a)
		return;
	nl_socket_free(a->sk);	/* NULL-safe, closes the socket */
	free(a);
}

static bool
valid_vip(const struct prefix *vip)
{
	if (vip->addr.family == AF_INET)
		return vip->len >= 1 && vip->len <= 32;
	if (vip->addr.family == AF_INET6)
		return vip->len >= 1 && vip->len <= 128;
	return false;
}

/* An rtnl_addr naming exactly vip on ifindex in *out: 0, -EINVAL for what
 * cannot be a VIP, -ENOMEM. */
static int
build(int ifindex, const struct prefix *vip, struct rtnl_addr **out)
{
	struct rtnl_addr *ra;
	struct nl_addr *local;

	*out = NULL;
	if (!valid_vip(vip) || ifindex <= 0)
		return -EINVAL;
	ra = rtnl_addr_alloc();
	local = nl_addr_build(vip->addr.family, &vip->addr.u,
	    netaddr_len(&vip->addr));
	if (!ra || !local)
		goto fail;
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, vip->addr.family);
	if (rtnl_addr_set_local(ra, local) < 0)
		goto fail;
	/* rtnl_addr_set_local() overwrites the prefix length with the
	 * nl_addr's own (/32 or /128 for a bare address; libnl 3.7
	 * lib/route/addr.c), so the configured one must be set after it. */
	rtnl_addr_set_prefixlen(ra, (int)vip->len);
	nl_addr_put(local);
	*out = ra;
	return 0;
fail:
	nl_addr_put(local);
	rtnl_addr_put(ra);
	return -ENOMEM;
}

/* The kernel's answer `ret` to an add or a delete of ra (freed here):
 * `benign` (already there, already gone) is success, anything else is
 * logged at debug level and returned as -errno. */
static int
request_done(struct rtnl_addr *ra, int ret, int benign, const char *op,
    int ifindex, const struct prefix *vip)
{
	char buf[NETADDR_STRLEN];

	if (ret == benign)
		ret = 0;
	if (ret < 0)
		log_debug("addr: %s %s ifindex %d: %s", op,
		    prefix_fmt(vip, buf, sizeof(buf)), ifindex,
		    nl_geterror(ret));
	rtnl_addr_put(ra);
	return addr_nl_errno(ret);
}

int
addr_add(struct addr_ctx *a, int ifindex, const char *ifname,
    const struct prefix *vip)
{
	char label[IFNAMSIZ];
	struct rtnl_addr *ra;
	int ret;

	ret = build(ifindex, vip, &ra);
	if (ret < 0)
		return ret;
	/* The label only marks the VIP in `ip addr`; labels of IFNAMSIZ (16)
	 * characters or more are refused (rtnl_addr_set_label() says
	 * -NLE_RANGE), so long names go without one. IPv6 addresses have no
	 * labels. */
	if (vip->addr.family == AF_INET && ifname &&
	    (size_t)snprintf(label, sizeof(label), "%s:vip", ifname) <
	    sizeof(label))
		rtnl_addr_set_label(ra, label);
	/* Preferred lifetime 0 marks the address deprecated: it still
	 * answers, but IPv6 source selection avoids it (RFC 6724 rule 3).
	 * IPv4 only gets IFA_F_DEPRECATED (`ip addr` shows "deprecated" and,
	 * for a permanent address, preferred_lft forever); there the /32
	 * keeps it out: inet_select_addr() prefers the address whose subnet
	 * holds the destination or gateway, the node's primary
	 * (tests/net/wire.sh checks both). */
	rtnl_addr_set_valid_lifetime(ra, LIFETIME_FOREVER);
	rtnl_addr_set_preferred_lifetime(ra, 0);
	/* No DAD: during a failover the old holder may still answer for a
	 * moment, and a VIP stuck "tentative" or "dadfailed" is unusable. */
	if (vip->addr.family == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	/* NLM_F_REPLACE makes a repeated add succeed and refresh the
	 * lifetimes; without it the kernel says EEXIST (tests/net/wire.sh (a)
	 * adds twice). */
	return request_done(ra, rtnl_addr_add(a->sk, ra, NLM_F_REPLACE),
	    -NLE_EXIST, "add", ifindex, vip);
}

int
addr_del(struct addr_ctx *a, int ifindex, const struct prefix *vip)
{
	struct rtnl_addr *ra;
	int ret;

	ret = build(ifindex, vip, &ra);
	if (ret < 0)
		return ret;
	/* No label: the kernel would then match on it too, and a VIP that
	 * someone re-added by hand without it would stay. The kernel matches
	 * both the local address and the prefix length (a wrong prefix
	 * length deletes nothing, with EADDRNOTAVAIL: tests/net/wire.sh (e)),
	 * so this never takes the primary. */
	return request_done(ra, rtnl_addr_delete(a->sk, ra, 0), -NLE_NOADDR,
	    "del", ifindex, vip);
}

/* Copy an rtnl_addr's local address; false for families we do not use. */
static bool
local_of(struct rtnl_addr *ra, struct netaddr *out)
{
	struct nl_addr *l = rtnl_addr_get_local(ra);
	int family;

	if (!l)
		return false;
	family = nl_addr_get_family(l);
	memset(out, 0, sizeof(*out));
	out->family = family;
	if ((family != AF_INET && family != AF_INET6) ||
	    nl_addr_get_len(l) != netaddr_len(out))
		return false;
	memcpy(&out->u, nl_addr_get_binary_addr(l), netaddr_len(out));
	return true;
}

/* One RTM_GETADDR dump of every address of every interface. */
static int
dump(struct addr_ctx *a, struct nl_cache **cache)
{
	int ret = rtnl_addr_alloc_cache(a->sk, cache);

	if (ret < 0) {
		log_debug("addr: dump: %s", nl_geterror(ret));
		*cache = NULL;
	}
	return addr_nl_errno(ret);
}

int
addr_present(struct addr_ctx *a, int ifindex, const struct prefix *vip)
{
	struct nl_cache *cache;
	struct nl_object *o;
	struct netaddr l;
	int ret;

	ret = dump(a, &cache);
	if (ret < 0)
		return ret;
	/* Compare bytes and prefix length ourselves: rtnl_addr_get() keys
	 * on nl_addr_cmp(), which compares the key's prefix length too, and
	 * a key built from a bare address carries /32 or /128 whatever the
	 * address on the interface has. */
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)o;

		if (rtnl_addr_get_ifindex(ra) == ifindex &&
		    rtnl_addr_get_prefixlen(ra) == (int)vip->len &&
		    local_of(ra, &l) && netaddr_equal(&l, &vip->addr)) {
			ret = 1;
			break;
		}
	}
	nl_cache_free(cache);
	return ret;
}

/* Up to max of them into out; returns how many there are in all. */
static int
list_local(struct addr_ctx *a, struct netaddr *out, size_t max)
{
	struct nl_cache *cache;
	struct nl_object *o;
	size_t n = 0;
	int ret;

	ret = dump(a, &cache);
	if (ret < 0)
		return ret;
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct netaddr la;

		if (!local_of((struct rtnl_addr *)o, &la))
			continue;
		if (n < max)
			out[n] = la;
		n++;
	}
	nl_cache_free(cache);
	return n > INT_MAX ? -EOVERFLOW : (int)n;
}

int
addr_list_local(struct addr_ctx *a, struct netaddr **list, size_t *cap)
{
	int n;

	/* Again if more appeared between the count and the list. */
	while ((n = list_local(a, *list, *cap)) > 0 &&
	    (size_t)n > *cap) {
		size_t want = (size_t)n + 64;	/* room for a few more */
		struct netaddr *p = realloc(*list, want * sizeof(*p));

		if (!p)
			return -ENOMEM;
		*list = p;
		*cap = want;
	}
	return n;
}
