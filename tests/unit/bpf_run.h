/* A classic BPF interpreter for the unit tests, written from the
 * instruction set in linux/filter.h (not from frame.c), so that a filter's
 * verdict on a frame can be checked without a kernel. */
#ifndef VIPD_TEST_BPF_RUN_H
#define VIPD_TEST_BPF_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>

#define BPF_RUN_BAD	UINT32_MAX	/* an instruction the kernel would refuse */

/* Run prog on pkt as a packet socket would, the frame's PACKET_* class
 * being `pkttype`: the number of bytes to keep (0 = drop) or BPF_RUN_BAD. */
uint32_t bpf_run(const struct sock_filter *prog, size_t len,
    const uint8_t *pkt, size_t pktlen, uint32_t pkttype);

#endif
