/*
 * clock: the one clock the integration test helpers print and compare:
 * CLOCK_MONOTONIC in milliseconds, the same as tests/net/writer -N, the
 * sampler's log and the cluster harness's cluster_now.
 */
#ifndef VIPD_TESTS_CLOCK_H
#define VIPD_TESTS_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
