/*
 * garp: announce a VIP. IPv4: gratuitous ARP, both the request form and the
 * reply form (some switches and hosts honour only one). IPv6: unsolicited
 * neighbour advertisement (ICMPv6 136, override flag, to ff02::1, hop limit
 * 255, target link-layer address option).
 *
 * garp_build_*() are pure and build whole Ethernet frames byte for byte;
 * garp_send() is the thin AF_PACKET wrapper. Return: frame length / 0 on
 * success, -errno on failure.
 */
#ifndef VIPD_GARP_H
#define VIPD_GARP_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

#define GARP_FRAME_MAX	128
#define GARP_ARP_LEN	42	/* 14 Ethernet + 28 ARP */
#define GARP_NA_LEN	86	/* 14 + 40 IPv6 + 24 NA + 8 option */

enum garp_arp_op { GARP_REQUEST = 1, GARP_REPLY = 2 };

/* Ethernet broadcast, sender = mac + vip, target ip = vip; target mac is
 * zero in the request form and broadcast in the reply form. */
int garp_build_arp(uint8_t *buf, size_t len, const uint8_t mac[6],
    const struct in_addr *vip, enum garp_arp_op op);

/* Unsolicited NA from vip (source address) to ff02::1, dst MAC
 * 33:33:00:00:00:01, hop limit 255, flags Override only, target = vip,
 * option 2 (target link-layer) = mac, ICMPv6 checksum over the
 * pseudo-header filled in. */
int garp_build_na(uint8_t *buf, size_t len, const uint8_t mac[6],
    const struct in6_addr *vip);

/* Announce `vip` once on ifindex: for IPv4 one request and one reply frame,
 * for IPv6 one NA. Returns the number of frames sent, or -errno. Needs
 * CAP_NET_RAW. */
int garp_send(int ifindex, const struct netaddr *vip);

/* The interface's hardware address; 0 or -errno. */
int garp_get_mac(int ifindex, uint8_t mac[6]);

#endif
