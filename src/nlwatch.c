/* nlwatch: rtnetlink link and address notifications (see nlwatch.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/link.h>

#include "addr.h"
#include "log.h"
#include "loop.h"
#include "nlwatch.h"

/* The kernel drops notifications (ENOBUFS) when the receive buffer fills,
 * e.g. when an interface with many addresses goes away; start well above
 * libnl's 32 KiB default and double after each loss, up to a cap. */
#define RCVBUF_INITIAL	(256 * 1024)
#define RCVBUF_MAX	(8 * 1024 * 1024)
/* Datagrams read per wakeup before yielding to the rest of the loop; the
 * loop is level-triggered, so whatever is left wakes us again. */
#define READS_PER_WAKEUP 64

struct nlwatch {
	struct loop *l;
	struct loop_io io;
	struct nl_sock *sk;
	nlwatch_cb cb;
	void *arg;
	int rcvbuf;
	bool resync;		/* ENOBUFS seen, RESYNC not yet reported */
	bool busy;		/* inside on_readable() */
	bool dead;		/* closed from a callback: free when done */
};

static void
set_rcvbuf(struct nlwatch *w, int size)
{
	int fd = nl_socket_get_fd(w->sk);

	/* SO_RCVBUFFORCE (CAP_NET_ADMIN, which vipd has anyway) may exceed
	 * net.core.rmem_max; without the capability fall back to the capped
	 * SO_RCVBUF. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		nl_socket_set_buffer_size(w->sk, size, 0);
	w->rcvbuf = size;
}

static void
emit(struct nlwatch *w, struct nlwatch_event *ev)
{
	if (!w->dead)
		w->cb(w->arg, ev);
}

static void
on_addr(struct nlwatch *w, struct nlmsghdr *h)
{
	struct ifaddrmsg *ifa = nlmsg_data(h);
	struct nlattr *tb[IFA_MAX + 1], *a;
	struct nlwatch_event ev;

	if (nlmsg_parse(h, sizeof(*ifa), tb, IFA_MAX, NULL) < 0)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.addr.addr.family = ifa->ifa_family;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return;
	/* IFA_LOCAL is the interface's own address, IFA_ADDRESS the peer on
	 * point-to-point links (rtnetlink(7)); IPv6 sends only IFA_ADDRESS
	 * unless a peer is set. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || (size_t)nla_len(a) != netaddr_len(&ev.addr.addr))
		return;
	memcpy(&ev.addr.addr.u, nla_data(a), netaddr_len(&ev.addr.addr));
	ev.addr.len = ifa->ifa_prefixlen;
	ev.kind = h->nlmsg_type == RTM_NEWADDR ? NLWATCH_ADDR_NEW :
	    NLWATCH_ADDR_DEL;
	ev.ifindex = (int)ifa->ifa_index;
	/* IFA_LABEL is "eth0:vip", not the interface name; ask by index
	 * (fails harmlessly when the interface is already gone). */
	if (!if_indextoname(ifa->ifa_index, ev.ifname))
		ev.ifname[0] = '\0';
	emit(w, &ev);
}

/* The loopback has no IFF_NOARP but answers no ARP either (it has no
 * link-layer header at all); see struct nlwatch_link. */
static bool
flags_noarp(unsigned int flags)
{
	return (flags & (IFF_NOARP | IFF_LOOPBACK)) != 0;
}

static void
on_link(struct nlwatch *w, struct nlmsghdr *h)
{
	struct ifinfomsg *ifi = nlmsg_data(h);
	struct nlattr *tb[IFLA_MAX + 1];
	struct nlwatch_event ev;

	if (nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = h->nlmsg_type == RTM_DELLINK ? NLWATCH_LINK_DEL :
	    NLWATCH_LINK;
	ev.ifindex = ifi->ifi_index;
	if (tb[IFLA_IFNAME])
		nla_strlcpy(ev.ifname, tb[IFLA_IFNAME], sizeof(ev.ifname));
	/* The kernel sets IFF_RUNNING exactly when the operstate is UP or
	 * UNKNOWN (dev_get_flags(), netif_oper_up()), so this is also the
	 * operstate test. */
	ev.up = ev.kind == NLWATCH_LINK && (ifi->ifi_flags & IFF_UP) &&
	    (ifi->ifi_flags & IFF_RUNNING);
	ev.noarp = ev.kind == NLWATCH_LINK && flags_noarp(ifi->ifi_flags);
	emit(w, &ev);
}

static int
on_msg(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);

	switch (h->nlmsg_type) {
	case RTM_NEWADDR:
	case RTM_DELADDR:
		on_addr(arg, h);
		break;
	case RTM_NEWLINK:
	case RTM_DELLINK:
		on_link(arg, h);
		break;
	}
	return NL_OK;
}

static void
lost(struct nlwatch *w)
{
	if (w->rcvbuf < RCVBUF_MAX)
		set_rcvbuf(w, w->rcvbuf * 2);
	log_warn("nlwatch: kernel dropped notifications (ENOBUFS), "
	    "resync when drained; receive buffer now %d bytes", w->rcvbuf);
	w->resync = true;
}

/*
 * Report the loss only once the queue is empty. The kernel sends ENOBUFS once
 * and then drops further notifications silently until a read finds the
 * queue empty (netlink_overrun() sets NETLINK_S_CONGESTED,
 * netlink_rcv_wake() clears it); an owner re-reading its state any earlier
 * could miss a change made in between. Tested by tests/net/wire.sh (g).
 */
static void
resync_if_drained(struct nlwatch *w)
{
	struct nlwatch_event ev;

	if (!w->resync)
		return;
	w->resync = false;
	memset(&ev, 0, sizeof(ev));
	ev.kind = NLWATCH_RESYNC;
	emit(w, &ev);
}

static void
on_readable(void *arg, uint32_t events)
{
	struct nlwatch *w = arg;
	int i, ret;

	(void)events;
	w->busy = true;
	for (i = 0; i < READS_PER_WAKEUP && !w->dead; i++) {
		ret = nl_recvmsgs_default(w->sk);
		if (ret >= 0)
			continue;
		if (ret == -NLE_AGAIN) {
			resync_if_drained(w);
			break;
		}
		/* libnl folds the socket's ENOBUFS into -NLE_NOMEM
		 * (nl_syserr2nlerr()); the socket keeps working, only our
		 * view is stale. */
		if (ret == -NLE_NOMEM) {
			lost(w);
			continue;
		}
		log_warn("nlwatch: receive: %s", nl_geterror(ret));
		break;
	}
	w->busy = false;
	if (w->dead) {
		w->dead = false;
		nlwatch_close(w);
	}
}

struct nlwatch *
nlwatch_open(struct loop *l, nlwatch_cb cb, void *arg)
{
	struct nlwatch *w;
	int ret;

	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->l = l;
	w->cb = cb;
	w->arg = arg;
	w->sk = nl_socket_alloc();
	if (!w->sk) {
		ret = -ENOMEM;
		goto out;
	}
	/* Notifications carry the kernel's sequence numbers, not ours. */
	nl_socket_disable_seq_check(w->sk);
	nl_socket_modify_cb(w->sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, w);
	ret = nl_connect(w->sk, NETLINK_ROUTE);
	if (ret >= 0)
		ret = nl_socket_add_memberships(w->sk, RTNLGRP_LINK,
		    RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, 0);
	if (ret >= 0)
		ret = nl_socket_set_nonblocking(w->sk);
	if (ret < 0) {
		ret = addr_nl_errno(ret);
		goto out;
	}
	set_rcvbuf(w, RCVBUF_INITIAL);
	ret = loop_io_add(l, &w->io, nl_socket_get_fd(w->sk), EPOLLIN,
	    on_readable, w);
	if (ret < 0)
		goto out;
	return w;
out:
	nlwatch_close(w);
	errno = -ret;
	return NULL;
}

void
nlwatch_close(struct nlwatch *w)
{
	if (!w)
		return;
	if (w->busy) {
		/* Called from our own callback: libnl is still reading from
		 * the socket, on_readable() frees it when it returns. */
		w->dead = true;
		return;
	}
	loop_io_del(w->l, &w->io);
	nl_socket_free(w->sk);
	free(w);
}

int
nlwatch_link_get(const char *ifname, struct nlwatch_link *out)
{
	struct rtnl_link *link = NULL;
	struct nl_sock *sk;
	unsigned int flags;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	ret = nl_connect(sk, NETLINK_ROUTE);
	if (ret < 0)
		goto out;
	/* RTM_GETLINK by IFLA_IFNAME: one request, no full dump. */
	ret = rtnl_link_get_kernel(sk, 0, ifname, &link);
	if (ret == -NLE_NODEV || ret == -NLE_OBJ_NOTFOUND) {
		ret = 0;	/* absent: ifindex 0 */
		goto out;
	}
	if (ret < 0)
		goto out;
	out->ifindex = rtnl_link_get_ifindex(link);
	flags = rtnl_link_get_flags(link);
	/* Same rule as on_link(): IFF_RUNNING covers operstate UP/UNKNOWN. */
	out->up = (flags & IFF_UP) && (flags & IFF_RUNNING);
	out->noarp = flags_noarp(flags);
out:
	rtnl_link_put(link);
	nl_socket_free(sk);
	return addr_nl_errno(ret);
}

int
nlwatch_link_state(const char *ifname, int *ifindex, bool *up)
{
	struct nlwatch_link li;
	int ret = nlwatch_link_get(ifname, &li);

	*ifindex = li.ifindex;
	*up = li.up;
	return ret;
}
