/* tls: placeholder until the TLS module lands. */
#ifndef VIPD_TLS_H
#define VIPD_TLS_H

#include <stddef.h>

#include <hiredis/hiredis.h>

struct tls_ctx;

int tls_start(struct tls_ctx *t, redisContext *c, char *err, size_t len);

#endif
