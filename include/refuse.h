/*
 * refuse: answer the TCP SYNs that still reach this node for an address it
 * has just given up, with a reset, so that the client's connect fails at
 * once instead of waiting for its SYN retransmission.
 *
 * Why: clients' neighbour entries keep pointing at the old holder's MAC for
 * seconds after it removed the VIP; their SYNs still arrive here, and the
 * kernel drops them without a word (the address is no longer local). The
 * client then waits for its retransmission timer (1 s, then 2 s or 3 s
 * more), by which time a new holder has long announced itself. A reset
 * makes connect() fail with ECONNREFUSED right away, and the client's own
 * retry, sent after the new holder's gratuitous ARP, reaches it.
 *
 * Run it only while this node does not hold the addresses: otherwise the
 * kernel answers the SYN too (with a SYN-ACK) and the two race.
 *
 * The parser and the builder are pure; refuse_start() reads from AF_PACKET
 * sockets whose classic BPF filter (refuse_filter()) passes only SYNs for
 * the addresses that were addressed to this interface's MAC.
 */
#ifndef VIPD_REFUSE_H
#define VIPD_REFUSE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>

#include "frame.h"
#include "netaddr.h"

struct loop;
struct refuse;

/*
 * No more resets than this in any one second, per refuse_start(), sent or
 * not: a spoofed SYN flood must not turn us into a reflector (a reset is
 * no larger than the SYN it answers, so there is no amplification either
 * way). The same budget as Linux's own for ICMP errors
 * (net.ipv4.icmp_msgs_per_sec, 1000 by default). Clients past the limit
 * wait for their SYN retransmission, as they would without refuse.
 */
#define REFUSE_MAX_PER_SEC	1000
#define REFUSE_ADDRS_MAX	FRAME_ADDRS_MAX

/*
 * Answer every TCP SYN (SYN set, ACK clear) that reaches ifindex addressed
 * to our MAC (PACKET_HOST) with a destination in addrs, with an RST|ACK
 * (seq 0, ack = SYN's seq + 1, ports swapped, source = the VIP, sent to the
 * SYN's source MAC). Never answers ARP/ND, never anything but those RSTs.
 * At most REFUSE_MAX_PER_SEC RSTs per second. NULL with errno set on
 * failure (EINVAL, ENOMEM, EPERM without CAP_NET_RAW, EOPNOTSUPP for a
 * non-Ethernet interface, ENODEV). Send and receive errors at run time
 * (the interface went down) cost the frame at hand and nothing more.
 */
struct refuse *refuse_start(struct loop *l, int ifindex,
    const struct netaddr *addrs, size_t n);
/* NULL-safe. Closing the sockets waits for an RCU grace period in the
 * kernel (~10 ms per family in use, measured): stop refusing before taking
 * an address back, not in the middle of a latency-critical claim. */
void refuse_stop(struct refuse *r);
uint64_t refuse_count(const struct refuse *r);	/* RSTs sent so far */

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

/* The classic BPF program of the socket for `family`: PACKET_HOST, TCP,
 * SYN without ACK, destination in addrs (IPv4: not a fragment; IPv6: no
 * extension header). Writes at most `max` instructions; returns their
 * number or -E2BIG. */
int refuse_filter(int family, const struct netaddr *addrs, size_t n,
    struct sock_filter *prog, size_t max);

#endif
