/*
 * fuzz_ctl: libFuzzer target for the control protocol parsers (ctl.h).
 *
 * The input is what a client reads from the control socket: it is cut at
 * '\n' and each line, without its '\n', is fed to ctl_reply_line() from a
 * heap copy of exactly its length (ASan sees a read past it) until the
 * parser says done or error. Each line also goes through
 * ctl_parse_request(), the server half.
 *
 * A complete reply must survive the trip the daemon makes: formatting the
 * parsed records with ctl_format_*() and parsing that again has to succeed
 * and format to the same text; anything else aborts with both texts. Only
 * replies of the current version (and errors) make that trip: an older
 * one lacks fields the current records require (a connection state, the
 * timing record), and no daemon formats what an older one sent. For those,
 * the fields their version lacks must have stayed zero.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
request(const char *line, size_t len)
{
	struct ctl_request req;
	int rc;

	memset(&req, 0xa5, sizeof(req));
	rc = ctl_parse_request(line, len, &req);
	if (rc != 0 && rc != -EINVAL && rc != -EOPNOTSUPP)
		abort();
	if (rc == 0 && !memchr(req.name, '\0', sizeof(req.name)))
		abort();
}

/* Feed `buf` line by line; the result of the last ctl_reply_line(). */
static int
feed(struct ctl_reply *r, const char *buf, size_t len, int requests)
{
	const char *p = buf, *end = buf + len;
	int rc = 0;

	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = malloc(n ? n : 1);

		if (!line)
			abort();
		memcpy(line, p, n);
		if (requests)
			request(line, n);
		rc = ctl_reply_line(r, line, n);
		free(line);
		p += n + (nl != NULL);
	}
	return rc;
}

static char *
format(const struct ctl_reply *r, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f || ctl_format_header(f) < 0)
		abort();
	if (r->failed) {
		if (ctl_format_error(f, r->err_code, r->err_msg) < 0)
			abort();
	} else {
		for (size_t i = 0; i < r->n_vips; i++)
			if (ctl_format_status(&r->vips[i], f) < 0)
				abort();
		if (ctl_format_end(f) < 0)
			abort();
	}
	if (fclose(f) != 0)
		abort();
	return text;
}

static void
round_trip(const struct ctl_reply *r)
{
	struct ctl_reply again;
	char *first, *second;
	size_t flen, slen;
	int rc;

	first = format(r, &flen);
	ctl_reply_init(&again);
	rc = feed(&again, first, flen, 0);
	if (rc != 1 || again.failed != r->failed) {
		fprintf(stderr, "fuzz_ctl: formatted reply parses to %d:\n%s",
		    rc, first);
		abort();
	}
	second = format(&again, &slen);
	if (flen != slen || memcmp(first, second, flen) != 0) {
		fprintf(stderr, "fuzz_ctl: format/parse/format differs:\n%s"
		    "--- reformatted:\n%s", first, second);
		abort();
	}
	free(second);
	free(first);
	ctl_reply_free(&again);
}

/* A reply of version 1 or 2 carries no connection states, resolved
 * addresses, down-afters or timing. */
static void
old_version(const struct ctl_reply *r)
{
	static const struct timing zero;

	for (size_t i = 0; i < r->n_vips; i++) {
		const struct vip_status *st = &r->vips[i];

		if (st->node_conn.state[0] || st->node_conn.error[0] ||
		    memcmp(&st->timing, &zero, sizeof(zero)) != 0)
			abort();
		for (unsigned int j = 0; j < st->n_sentinels; j++) {
			const struct sentinel_status *ss = &st->sentinels[j];

			if (ss->conn.state[0] || ss->conn.error[0] ||
			    ss->n_resolved || ss->down_after)
				abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_reply r;
	int rc;

	ctl_reply_init(&r);
	rc = feed(&r, (const char *)data, size, 1);
	if (rc < 0 && rc != -EINVAL && rc != -EPROTO && rc != -ENOMEM)
		abort();
	if (rc == 1 && (r.failed || r.version == CTL_PROTO_VERSION))
		round_trip(&r);
	else if (rc == 1)
		old_version(&r);
	ctl_reply_free(&r);
	return 0;
}
