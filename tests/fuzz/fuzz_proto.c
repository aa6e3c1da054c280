/*
 * fuzz_proto: libFuzzer target for the reply parsers in proto.h.
 *
 * The input is RESP bytes as a Redis or Sentinel would send them. hiredis's
 * own reader turns them into reply trees, exactly as in the daemon, and
 * every complete reply goes through proto_parse_role(),
 * proto_parse_master_addr(), proto_parse_master_params() and the
 * subscriber link's path: proto_parse_pubsub() and, for a message,
 * proto_parse_event() on its channel and payload (src/sentinel.c
 * sub_push). The raw input, and every bulk string among the replies (INFO
 * arrives as one), goes through proto_parse_info_repl(), each from a heap
 * copy of exactly its length so that ASan sees a read past it.
 *
 * hiredis 0.14.1 callocs a multi-bulk's element vector as soon as it reads
 * the header, with no limit ("*2000000000\r\n" asks for 16 GB; 1.x added
 * maxelements for this, CVE-2021-32765). That is hiredis's allocation, not
 * vipd's parser, so inputs announcing more than MAX_ELEMENTS are skipped.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "proto.h"

#define MAX_ELEMENTS	4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Does any "*<digits>" in the input (wherever it is) exceed MAX_ELEMENTS? */
static int
huge_multibulk(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		unsigned long long v = 0;
		size_t j = i + 1;

		if (data[i] != '*')
			continue;
		for (; j < size && data[j] >= '0' && data[j] <= '9'; j++) {
			v = v * 10 + (data[j] - '0');
			if (v > MAX_ELEMENTS)
				return 1;
		}
	}
	return 0;
}

static void
check_role(const struct role_info *ri)
{
	if (!memchr(ri->link_state, '\0', sizeof(ri->link_state))) {
		fprintf(stderr, "fuzz_proto: link_state not NUL-terminated\n");
		abort();
	}
}

static void
info_role(const char *buf, size_t len)
{
	char *copy = malloc(len ? len : 1);
	struct repl_info ri;
	int rc;

	if (!copy)
		abort();
	memcpy(copy, buf, len);
	memset(&ri, 0xa5, sizeof(ri));
	rc = proto_parse_info_repl(copy, len, &ri);
	if (rc != 0 && rc != -EINVAL)
		abort();
	if (rc == 0) {
		check_role(&ri.role);
		if (!memchr(ri.replid, '\0', sizeof(ri.replid)) ||
		    !memchr(ri.replid2, '\0', sizeof(ri.replid2)) ||
		    ri.n_replicas > REPL_MAX_REPLICAS) {
			fprintf(stderr, "fuzz_proto: bad repl_info\n");
			abort();
		}
	}
	free(copy);
}

/* What the subscriber link does with a reply (src/sentinel.c). */
static void
subscriber(const redisReply *r)
{
	struct sentinel_event ev;
	struct pubsub_msg m;
	int rc = proto_parse_pubsub(r, &m);

	if (rc != 0 && rc != -EINVAL)
		abort();
	if (rc < 0 || m.kind != PUBSUB_MESSAGE)
		return;
	rc = proto_parse_event(m.channel, m.channel_len, m.payload,
	    m.payload_len, &ev);
	if ((rc != 0 && rc != -EINVAL) ||
	    !memchr(ev.master_name, '\0', sizeof(ev.master_name)))
		abort();
}

/* Bulk strings anywhere in the tree, as INFO replies. */
static void
info_strings(const redisReply *r, unsigned int depth)
{
	if (r->type == REDIS_REPLY_STRING)
		info_role(r->str, r->len);
	if (r->type != REDIS_REPLY_ARRAY || depth > 8)
		return;
	for (size_t i = 0; i < r->elements; i++)
		info_strings(r->element[i], depth + 1);
}

static void
one_reply(const redisReply *r)
{
	struct role_info ri;
	struct hostport hp;
	int has_master, rc;

	memset(&ri, 0xa5, sizeof(ri));
	rc = proto_parse_role(r, &ri);
	if (rc != 0 && rc != -EINVAL)
		abort();
	if (rc == 0)
		check_role(&ri);

	has_master = -1;
	rc = proto_parse_master_addr(r, &hp, &has_master);
	if (rc != 0 && rc != -EINVAL)
		abort();
	if (rc == 0 && has_master != 0 && has_master != 1) {
		fprintf(stderr, "fuzz_proto: has_master = %d\n", has_master);
		abort();
	}
	{
		struct sentinel_params p;

		rc = proto_parse_master_params(r, &p);
		if (rc != 0 && rc != -EINVAL)
			abort();
	}
	subscriber(r);
	info_strings(r, 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	redisReader *rd;
	void *reply;

	info_role((const char *)data, size);
	if (huge_multibulk(data, size))
		return 0;
	rd = redisReaderCreate();
	if (!rd)
		abort();
	if (redisReaderFeed(rd, (const char *)data, size) != REDIS_OK)
		goto out;
	while (redisReaderGetReply(rd, &reply) == REDIS_OK && reply) {
		one_reply(reply);
		freeReplyObject(reply);
	}
out:
	redisReaderFree(rd);
	return 0;
}
