/*
 * metrics: Prometheus rendering of status records (see src/metrics.c).
 * Label values escaped (backslash, double quote, newline). Returns 0, or
 * -EIO if `out` has its error flag set afterwards.
 */
#ifndef VIPD_METRICS_H
#define VIPD_METRICS_H

#include <stddef.h>
#include <stdio.h>

#include "status.h"

int metrics_format(const struct vip_status *vips, size_t n, FILE *out);

#endif
