/*
 * replycap: the most one reply from a peer may cost vipd.
 *
 * hiredis's reader has no limit of its own, in two ways: it buffers an
 * unfinished reply until it is complete (a bulk that announces
 * $2000000000 and streams it grows the daemon by gigabytes before
 * command-timeout ends it), and it allocates what an array header
 * announces ("*2000000000", 13 bytes, is a lazily mapped 16 GB pointer
 * array in 0.14.1, and freeing that reply reads all of it: measured 87 s
 * of CPU). vipd's replies are a few KB at most (ROLE, INFO replication,
 * SENTINEL answers, event messages), so every reply is capped at
 * REPLYCAP_MAX: the bytes buffered and not yet parsed are checked before
 * each read (replycap_over, adding at most one read of 16 KB), and every
 * object the reader builds is charged to its reply before it is allocated
 * (replycap_attach wraps the reader's object functions). A refused charge
 * makes the reader fail with "Out of memory"; replycap_exceeded() tells the
 * owner the real reason, REPLYCAP_TEXT.
 */
#ifndef VIPD_REPLYCAP_H
#define VIPD_REPLYCAP_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#define REPLYCAP_MAX	(1024 * 1024)
#define REPLYCAP_TEXT	"reply larger than 1 MiB"

struct replycap {
	redisReplyObjectFunctions *plain;	/* hiredis's own */
	redisReplyObjectFunctions counted;	/* ours, charging `bytes` */
	size_t bytes;				/* charged to the current
						 * reply */
	bool exceeded;				/* a charge was refused */
};

/* Route `r`'s allocations through `rc`, which must outlive `r`. A reader
 * without hiredis's complete set of functions is left alone. */
void replycap_attach(struct replycap *rc, redisReader *r);
/* More than REPLYCAP_MAX bytes buffered and not turned into replies yet. */
bool replycap_over(const redisReader *r);
static inline bool replycap_exceeded(const struct replycap *rc)
{
	return rc->exceeded;
}

#endif
