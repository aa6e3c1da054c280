/*
 * fuzz_frame: libFuzzer target for the parsers of frames that arrive from
 * the wire: probe_parse() (answers to a probe) and refuse_parse_syn() (SYNs
 * to reset).
 *
 * The input is one Ethernet frame as the packet socket hands it over: its
 * first FRAME_SNAPLEN bytes at most, given to each parser from a heap copy
 * of exactly that length (ASan sees a read past it). The addresses asked
 * about are 192.0.2.100 and 2001:db8::100 (the seeds' addresses), our MAC
 * 52:54:00:12:34:56.
 *
 * Invariants, each an abort():
 * - whatever a parser accepts, its socket filter keeps (run on the unit
 *   tests' BPF interpreter): a filter stricter than its parser would make
 *   the daemon miss answers or SYNs without a trace;
 * - an accepted answer names one of the addresses and a MAC that is not
 *   ours;
 * - an accepted SYN is for one of the addresses and yields an RST that
 *   refuse_build_rst() builds, that goes back to the SYN's source MAC, and
 *   that refuse_parse_syn() does not take for a SYN: refuse never answers
 *   its own resets.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netpacket/packet.h>

#include "bpf_run.h"
#include "frame.h"
#include "probe.h"
#include "refuse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static struct netaddr addrs[2];

static void
init(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	if (netaddr_parse("192.0.2.100", &addrs[0]) < 0 ||
	    netaddr_parse("2001:db8::100", &addrs[1]) < 0)
		abort();
}

/* The family of the socket that would see this frame, or 0. */
static int
family_of(const uint8_t *f, size_t len, uint16_t v4_type)
{
	if (len < FRAME_ETH_HLEN)
		return 0;
	if (frame_get16(f + 12) == v4_type)
		return AF_INET;
	if (frame_get16(f + 12) == 0x86dd)
		return AF_INET6;
	return 0;
}

static void
check_probe(const uint8_t *f, size_t len)
{
	struct sock_filter prog[FRAME_BPF_MAX];
	struct probe_result r;
	int family, n;

	memset(&r, 0, sizeof(r));
	if (probe_parse(f, len, mac, addrs, 2, &r) != 1)
		return;
	if (!r.answered || memcmp(r.mac, mac, 6) == 0 ||
	    (!netaddr_equal(&r.addr, &addrs[0]) &&
	    !netaddr_equal(&r.addr, &addrs[1])))
		abort();
	family = family_of(f, len, 0x0806);
	if (!family)
		abort();
	n = probe_filter(family, mac, addrs, 2, prog, FRAME_BPF_MAX);
	if (n <= 0 || bpf_run(prog, (size_t)n, f, len, PACKET_HOST) == 0)
		abort();
}

static void
check_refuse(const uint8_t *f, size_t len)
{
	static const uint8_t from[6] = { 2, 0, 0, 0, 0, 0x0a };
	static const uint8_t to[6] = { 2, 0, 0, 0, 0, 0x0b };
	struct sock_filter prog[FRAME_BPF_MAX];
	uint8_t rst[FRAME_TCP6_LEN], fwd[FRAME_SNAPLEN];
	struct frame_tcp syn, again;
	int family, n;

	if (refuse_parse_syn(f, len, addrs, 2, &syn) != 1)
		return;
	if (!netaddr_equal(&syn.dst, &addrs[0]) &&
	    !netaddr_equal(&syn.dst, &addrs[1]))
		abort();
	family = family_of(f, len, 0x0800);
	if (!family)
		abort();
	n = refuse_filter(family, addrs, 2, prog, FRAME_BPF_MAX);
	if (n <= 0 || bpf_run(prog, (size_t)n, f, len, PACKET_HOST) == 0)
		abort();
	n = refuse_build_rst(rst, sizeof(rst), &syn);
	if (n <= 0 || memcmp(rst, f + 6, 6) != 0 ||
	    refuse_parse_syn(rst, (size_t)n, addrs, 2, &again) != 0)
		abort();
	/* Handed on: whole or not at all, within what was captured, the
	 * same SYN to the new MAC. */
	n = refuse_build_forward(fwd, sizeof(fwd), f, len, from, to);
	if (n >= 0 && ((size_t)n > len || (size_t)n != refuse_frame_len(f,
	    len) || memcmp(fwd, to, 6) != 0 || memcmp(fwd + 6, from, 6) != 0 ||
	    refuse_parse_syn(fwd, (size_t)n, addrs, 2, &again) != 1 ||
	    again.seq != syn.seq || again.sport != syn.sport))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *f;

	init();
	if (size > FRAME_SNAPLEN)
		size = FRAME_SNAPLEN;
	f = malloc(size ? size : 1);
	if (!f)
		return 0;
	memcpy(f, data, size);
	check_probe(f, size);
	check_refuse(f, size);
	free(f);
	return 0;
}
