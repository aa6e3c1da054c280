/* Classic BPF for the unit tests (bpf_run.h). Loads outside the packet
 * drop it, as in the kernel; jumps must stay inside the program. */
#include "bpf_run.h"

static int
load(const uint8_t *pkt, size_t pktlen, uint32_t off, unsigned int size,
    uint32_t *a)
{
	unsigned int i;

	if ((uint64_t)off + size > pktlen)
		return -1;
	*a = 0;
	for (i = 0; i < size; i++)
		*a = *a << 8 | pkt[off + i];
	return 0;
}

static unsigned int
size_of(uint16_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_W:
		return 4;
	case BPF_H:
		return 2;
	default:
		return 1;
	}
}

uint32_t
bpf_run(const struct sock_filter *prog, size_t len, const uint8_t *pkt,
    size_t pktlen, uint32_t pkttype)
{
	uint32_t a = 0, x = 0, tmp;
	size_t pc;

	for (pc = 0; pc < len; pc++) {
		const struct sock_filter *f = &prog[pc];
		size_t next = pc;

		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
		case BPF_LD | BPF_H | BPF_ABS:
		case BPF_LD | BPF_B | BPF_ABS:
			if (f->k == (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE)) {
				a = pkttype;
				break;
			}
			if (f->k >= (uint32_t)SKF_AD_OFF)
				return BPF_RUN_BAD;
			if (load(pkt, pktlen, f->k, size_of(f->code), &a) < 0)
				return 0;
			break;
		case BPF_LD | BPF_W | BPF_IND:
		case BPF_LD | BPF_H | BPF_IND:
		case BPF_LD | BPF_B | BPF_IND:
			if (load(pkt, pktlen, x + f->k, size_of(f->code),
			    &a) < 0)
				return 0;
			break;
		case BPF_LDX | BPF_B | BPF_MSH:
			if (load(pkt, pktlen, f->k, 1, &tmp) < 0)
				return 0;
			x = (tmp & 0x0f) * 4;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= f->k;
			break;
		case BPF_JMP | BPF_JA:
			next = pc + f->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			next = pc + (a == f->k ? f->jt : f->jf);
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			next = pc + ((a & f->k) ? f->jt : f->jf);
			break;
		case BPF_RET | BPF_K:
			return f->k;
		default:
			return BPF_RUN_BAD;
		}
		/* The loop's pc++ takes a jump past its offset. */
		if (next != pc && next + 1 >= len)
			return BPF_RUN_BAD;
		pc = next;
	}
	return BPF_RUN_BAD;	/* fell off the end */
}
