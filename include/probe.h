/*
 * probe: ask the segment whether another node still answers for an address
 * (RFC 5227 address conflict detection for IPv4, RFC 4862 duplicate
 * address detection for IPv6), before claiming it.
 *
 * Why it is evidence: a Linux node that has the address answers an ARP
 * request whose sender IP is 0.0.0.0 and whose target is the address (with
 * a reply unicast to the prober, as long as its arp_ignore is 0 or 1), and
 * answers a neighbour solicitation from :: for the address with a
 * neighbour advertisement to ff02::1. Neither probe names an address of the
 * prober, so no node learns a neighbour entry from it. "Nobody answered"
 * is not proof: a holder that is cut off from us, or that has arp_ignore
 * 2 or more, stays silent.
 *
 * The frame builders and the answer parser are pure; probe_start() runs a
 * probe from the event loop on AF_PACKET sockets that exist only while it
 * runs, each with a classic BPF filter (probe_filter()) that lets through
 * only possible answers.
 */
#ifndef VIPD_PROBE_H
#define VIPD_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>

#include "frame.h"
#include "netaddr.h"

struct loop;

#define PROBE_ARP_LEN	42	/* 14 Ethernet + 28 ARP */
#define PROBE_NS_LEN	78	/* 14 + 40 IPv6 + 24 NS, no option */
#define PROBE_ADDRS_MAX	FRAME_ADDRS_MAX	/* addresses one probe asks for */

struct probe_result {
	bool answered;		/* another node answered for (or announced)
				 * one of the addresses */
	struct netaddr addr;	/* which one */
	uint8_t mac[6];		/* its hardware address */
	int error;		/* 0, or -errno when probing was not possible
				 * (socket, send, receive) */
};

struct probe;

/*
 * Probe `addrs` (IPv4 and IPv6 may be mixed) on ifindex: `count` rounds
 * `interval_ms` apart, then one more interval of listening. `done` runs
 * once, from the loop (never from inside probe_start): at the first answer,
 * after the last wait with answered = false, or with error set (no
 * CAP_NET_RAW, not an Ethernet interface, interface down or gone: then
 * nothing can be concluded). The probe closes its sockets and frees itself
 * when `done` returns (closing a packet socket waits for an RCU grace
 * period in the kernel, ~10 ms each: after the result, not before it);
 * `done` may call probe_cancel() on it (a no-op then), the caller must
 * forget the pointer. Returns NULL with errno set if it cannot start
 * (EINVAL: no or too many addresses, an unknown family, count or interval
 * 0, no callback, no interface index; ENOMEM).
 */
struct probe *probe_start(struct loop *l, int ifindex,
    const struct netaddr *addrs, size_t n, unsigned int count,
    unsigned int interval_ms,
    void (*done)(void *arg, const struct probe_result *r), void *arg);
/* Stop a running probe and free it; NULL-safe; no callback afterwards.
 * Blocks while the kernel releases the sockets (see above). */
void probe_cancel(struct probe *p);

/* ARP probe (RFC 5227 2.1.1): Ethernet broadcast from mac, request, sender
 * MAC mac, sender IP 0.0.0.0, target MAC zero, target IP addr. Returns
 * PROBE_ARP_LEN or -EINVAL (short buffer). */
int probe_build_arp(uint8_t *buf, size_t len, const uint8_t mac[6],
    const struct in_addr *addr);

/* Duplicate address detection NS (RFC 4862 5.4.2): from :: to the
 * solicited-node group of addr (ff02::1:ff00:0/104 with the low 24 bits
 * of addr; Ethernet 33:33:ff and the same 24 bits), hop limit 255,
 * target addr, no source link-layer option. Returns
 * PROBE_NS_LEN or -EINVAL. */
int probe_build_ns(uint8_t *buf, size_t len, const uint8_t mac[6],
    const struct in6_addr *addr);

/*
 * Does this received frame answer for one of addrs? 1 (and *r filled:
 * answered, addr, mac) or 0. An answer is an ARP request or reply whose
 * sender IP is the address, or a neighbour advertisement (hop limit 255,
 * code 0, no extension header) whose target is the address; in both cases
 * from an Ethernet source that is not `mac` (ours). r->mac is the ARP
 * sender hardware address, or the NA's target link-layer option (its
 * Ethernet source without one), and never `mac` either. Checksums are not
 * verified: a damaged answer still says somebody is there, and the cost of a
 * false "answered" is only a later claim. `len` may be less than the whole
 * frame (the sockets capture at most FRAME_SNAPLEN bytes).
 */
int probe_parse(const uint8_t *frame, size_t len, const uint8_t mac[6],
    const struct netaddr *addrs, size_t n, struct probe_result *r);

/* The classic BPF program of the socket for `family`'s answers: ARP with
 * a sender IP in addrs (AF_INET) or ICMPv6 NA with a target in addrs
 * (AF_INET6), not sent by us and not from `mac`. Writes at most `max`
 * instructions; returns their number or -E2BIG. */
int probe_filter(int family, const uint8_t mac[6],
    const struct netaddr *addrs, size_t n, struct sock_filter *prog,
    size_t max);

#endif
