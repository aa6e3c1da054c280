/*
 * config_scan: the pre-scan of a vipd.conf buffer, before libconfuse sees it
 * (internal to the config module).
 *
 * libconfuse 3.3 accepts a last section without its closing brace
 * (docs/design.md, "Library pitfalls"), counts each comment line twice and
 * refuses a comment inside a list (libconfuse issue #150), and leaks when a
 * call such as include( is not closed. config_scan() checks that every '{'
 * and '(' is closed, understanding strings, ${VAR} and the three comment
 * styles, blanks the comments in place (newlines kept, so line numbers stay
 * right) and records where each top-level section opens: libconfuse only
 * remembers the line of the closing brace.
 *
 * Errors are written to `errs` as "file:line: message" lines; config_scan()
 * returns how many it wrote (0 = the buffer may be handed to libconfuse).
 */
#ifndef VIPD_CONFIG_SCAN_H
#define VIPD_CONFIG_SCAN_H

#include <stddef.h>
#include <stdio.h>

struct config_span {
	char *file;
	int open, close;	/* lines of the '{' and of the '}' */
};

struct config_spans {
	struct config_span *v;
	size_t n;
};

/* buf is writable: comments are blanked. A stray '}' is left to
 * libconfuse's message. Spans found are appended to `spans`. */
int config_scan(const char *file, char *buf, size_t len,
    struct config_spans *spans, FILE *errs);

/* Line of the '{' of the top-level section of `file` closed on
 * `close_line`, or close_line when the scan did not see it. */
int config_spans_open_line(const struct config_spans *spans, const char *file,
    int close_line);

void config_spans_free(struct config_spans *spans);	/* empties; NULL-safe */

#endif
