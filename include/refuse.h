/*
 * refuse: take care of the TCP SYNs that still reach this node for an
 * address it has just given up, so that the client's connect does not wait
 * for its SYN retransmission.
 *
 * Why: clients' neighbour entries keep pointing at the old holder's MAC for
 * seconds after it removed the VIP; their SYNs still arrive here, and the
 * kernel drops them without a word (the address is no longer local). The
 * client then waits for its retransmission timer (1 s, then 2 s or 3 s
 * more), by which time a new holder has long announced itself.
 *
 * What it does with such a SYN:
 *  - until somebody else announces the address (a gratuitous ARP or an
 *    unsolicited NA naming it, or any ARP/NA that gives it another MAC),
 *    keep it: the client's connect is simply still waiting;
 *  - when somebody does, and the caller allows it (refuse_may_forward():
 *    vipd's own Sentinel view says the VIP moves to another node), send
 *    each kept SYN, unchanged but for the Ethernet addresses (from our MAC
 *    to the announcer's), to the announcer: the client's connect completes
 *    the moment the VIP moves, whatever its retry schedule. That is where
 *    the client's own kernel sends its next segment for the VIP, after the
 *    same announcement: nothing reaches a node the client would not;
 *  - otherwise answer it with a reset, so that connect() fails with
 *    ECONNREFUSED at once and the client's own retry, sent after the
 *    announcement, reaches the new holder. Also for the oldest kept SYN
 *    when REFUSE_HELD_MAX are kept and another comes, for SYNs that are
 *    not whole in the capture, and for those still kept at the end
 *    (refuse_drain()).
 *
 * Run it only while this node does not hold the addresses: otherwise the
 * kernel answers the SYN too (with a SYN-ACK) and the two race.
 *
 * The parser and the builders are pure; refuse_start() reads SYNs from
 * AF_PACKET sockets whose classic BPF filter (refuse_filter()) passes only
 * SYNs for the addresses that were addressed to this interface's MAC, and
 * announcements from sockets with probe_filter()'s.
 */
#ifndef VIPD_REFUSE_H
#define VIPD_REFUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>

#include "frame.h"
#include "netaddr.h"

struct loop;
struct refuse;

/*
 * No more frames (resets and forwarded SYNs) than this in any one second,
 * per refuse_start(), sent or not: a spoofed SYN flood must not turn us
 * into a reflector (what goes out is no larger than the SYN it answers,
 * so there is no amplification either way). The same budget as Linux's
 * own for ICMP errors (net.ipv4.icmp_msgs_per_sec, 1000 by default).
 * Clients past the limit wait for their SYN retransmission, as they would
 * without refuse.
 */
#define REFUSE_MAX_PER_SEC	1000
#define REFUSE_ADDRS_MAX	FRAME_ADDRS_MAX
/* SYNs (distinct connections) kept at once; past that the oldest is
 * reset to make room. */
#define REFUSE_HELD_MAX		256

/*
 * Take care of every TCP SYN (SYN set, ACK clear) that reaches ifindex
 * addressed to our MAC (PACKET_HOST) with a destination in addrs, as
 * above; with keep false, reset each at once (never keep or hand on one:
 * for a network that drops frames whose IP source is not the sender's,
 * where a SYN handed on would be lost). A reset is an RST|ACK (seq 0,
 * ack = SYN's seq + 1, ports swapped, source = the VIP, sent to the SYN's
 * source MAC). Never answers ARP/ND, never sends anything but those
 * resets and handed-on SYNs, at most REFUSE_MAX_PER_SEC of them per
 * second. Handing on starts disallowed.
 * NULL with errno set on failure (EINVAL, ENOMEM, EPERM without
 * CAP_NET_RAW, EOPNOTSUPP for a non-Ethernet interface, ENODEV). Send and
 * receive errors at run time (the interface went down) cost the frame at
 * hand and nothing more.
 */
struct refuse *refuse_start(struct loop *l, int ifindex,
    const struct netaddr *addrs, size_t n, bool keep);
/* May SYNs go to the MAC that announced the addresses? Kept SYNs are
 * answered at the announcement, so this applies to those that come after
 * it, and to all of them when it is set before. NULL-safe. */
void refuse_may_forward(struct refuse *r, bool ok);
/* Reset every SYN still kept (within the rate limit), so that its client
 * retries now rather than at its connect timeout: before refuse_stop(),
 * which drops them. NULL-safe. */
void refuse_drain(struct refuse *r);
/* NULL-safe. Closing the sockets waits for an RCU grace period in the
 * kernel (~10 ms per socket, two per family in use, measured): stop
 * refusing before taking an address back, not in the middle of a
 * latency-critical claim. */
void refuse_stop(struct refuse *r);
uint64_t refuse_count(const struct refuse *r);	/* RSTs sent so far */
uint64_t refuse_forwarded(const struct refuse *r);	/* SYNs forwarded */

/*
 * Is this frame a SYN for one of addrs that we should answer? 1 (and *syn
 * filled with the segment as received) or 0. Answered: IPv4 (not a
 * fragment, header checksum right, options allowed) or IPv6 (TCP directly
 * after the fixed header), a TCP header within `len`, SYN set and ACK, RST
 * and FIN clear, destination in addrs; never a source that cannot be
 * answered (multicast or broadcast MAC or address, unspecified, loopback,
 * one of addrs itself). The TCP checksum is not checked: frames sent by a
 * local stack on a virtual link carry a partial one, and a reset for a
 * damaged SYN costs nothing. `len` may be less than the whole frame (the
 * socket captures FRAME_SNAPLEN bytes).
 */
int refuse_parse_syn(const uint8_t *frame, size_t len,
    const struct netaddr *addrs, size_t n, struct frame_tcp *syn);

/* The RST|ACK answering `syn` (as refuse_parse_syn() filled it): MACs,
 * addresses and ports swapped, seq 0, ack = syn->seq + 1, both checksums.
 * Returns FRAME_TCP4_LEN / FRAME_TCP6_LEN or -EINVAL. */
int refuse_build_rst(uint8_t *buf, size_t len, const struct frame_tcp *syn);

/* How long the frame is by its IP header (Ethernet header included, link
 * padding not), if all of it is within `len`; else 0 (truncated by the
 * capture, or not IPv4/IPv6). */
size_t refuse_frame_len(const uint8_t *frame, size_t len);

/* The SYN `frame` as it goes to the new holder: its first
 * refuse_frame_len() bytes, Ethernet destination `to`, source `from`, no
 * IP field changed (this is the link layer handing the frame on, not a
 * router). One thing more: a TCP checksum the sender left for its NIC to
 * complete (the pseudo-header's sum, as a capture behind a veth or virtio
 * link sees it) is completed, as that NIC would have; the receiver drops
 * the segment otherwise. Returns the length, or -EINVAL (not whole, no
 * room in buf, `to` a group address or `from` itself) or -EBADMSG (any
 * other checksum that does not verify). */
int refuse_build_forward(uint8_t *buf, size_t buflen, const uint8_t *frame,
    size_t len, const uint8_t from[6], const uint8_t to[6]);

/* The classic BPF program of the socket for `family`: PACKET_HOST, TCP,
 * SYN without ACK, destination in addrs (IPv4: not a fragment; IPv6: no
 * extension header). Writes at most `max` instructions; returns their
 * number or -E2BIG. */
int refuse_filter(int family, const struct netaddr *addrs, size_t n,
    struct sock_filter *prog, size_t max);

#endif
