/*
 * fuzz_event: libFuzzer target for proto_parse_event() (proto.h).
 *
 * The input is "<channel>\n<payload>" (or NUL instead of the newline): split
 * at the first of either; without one the whole input is the channel and
 * the payload is empty. Neither half is NUL-terminated, and both are given
 * to the parser in their own heap copies of exactly their length, so ASan
 * sees any read past chlen or plen.
 *
 * Beyond the sanitizers it checks what proto.h promises of `out` whatever
 * the return value: the strings are NUL-terminated inside their arrays and
 * printable ASCII, and the type has a name.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_str(const char *what, const char *s, size_t size)
{
	const char *nul = memchr(s, '\0', size);

	if (!nul) {
		fprintf(stderr, "fuzz_event: %s not NUL-terminated\n", what);
		abort();
	}
	for (; s < nul; s++) {
		if (*s < 0x20 || *s >= 0x7f) {
			fprintf(stderr, "fuzz_event: %s has byte 0x%02x\n",
			    what, (unsigned char)*s);
			abort();
		}
	}
}

#define CHECK_STR(ev, f)	check_str(#f, (ev)->f, sizeof((ev)->f))

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	const uint8_t *nul = memchr(data, '\0', size);
	const uint8_t *cut = nl && (!nul || nl < nul) ? nl : nul;
	size_t chlen = cut ? (size_t)(cut - data) : size;
	size_t plen = cut ? size - chlen - 1 : 0;
	char *channel = malloc(chlen ? chlen : 1);
	char *payload = malloc(plen ? plen : 1);
	struct sentinel_event ev;
	int rc;

	if (!channel || !payload)
		abort();
	memcpy(channel, data, chlen);
	if (plen)
		memcpy(payload, cut + 1, plen);
	/* Garbage, not zeros: a field the parser forgets to terminate shows. */
	memset(&ev, 0xa5, sizeof(ev));
	rc = proto_parse_event(channel, chlen, payload, plen, &ev);
	if (rc != 0 && rc != -EINVAL) {
		fprintf(stderr, "fuzz_event: returned %d\n", rc);
		abort();
	}
	CHECK_STR(&ev, name);
	if (rc == 0 && ev.type != SEV_OTHER) {
		CHECK_STR(&ev, master_name);
		CHECK_STR(&ev, instance_type);
	}
	if (!sentinel_event_type_name(ev.type))
		abort();
	free(payload);
	free(channel);
	return 0;
}
