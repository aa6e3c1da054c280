/*
 * config_scan: brace-balance and comment pre-scan of a config buffer (see
 * config_scan.h).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_scan.h"

#define CONFIG_SCAN_DEPTH	16
#define CONFIG_SCAN_TEXT	64

struct config_tok {
	char kind;			/* 0, 'w'ord, 's'tring or the
					 * punctuation */
	char text[CONFIG_SCAN_TEXT];
};

struct config_open {
	int line;
	bool list;
	char what[2 * CONFIG_SCAN_TEXT + 16];
};

static void __attribute__((format(printf, 4, 5)))
config_scan_err(FILE *errs, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(errs, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(errs, fmt, ap);
	va_end(ap);
	fputc('\n', errs);
}

static void
config_tok_push(struct config_tok t[3], char kind, const char *s, size_t n)
{
	t[2] = t[1];
	t[1] = t[0];
	t[0].kind = kind;
	if (n >= sizeof(t[0].text))
		n = sizeof(t[0].text) - 1;
	memcpy(t[0].text, s, n);
	t[0].text[n] = '\0';
}

/* What an opening brace opens, from the three tokens before it. */
static void
config_describe(struct config_open *o, const struct config_tok t[3])
{
	o->list = false;
	if (t[0].kind == '=') {
		o->list = true;
		snprintf(o->what, sizeof(o->what), "the %s list",
		    t[1].kind == '+' ? t[2].text : t[1].text);
	} else if ((t[0].kind == 's' || t[0].kind == 'w') && t[1].kind == 'w' &&
	    t[2].kind != '=') {
		snprintf(o->what, sizeof(o->what), "%s \"%s\"", t[1].text,
		    t[0].text);
	} else if (t[0].kind == 'w') {
		snprintf(o->what, sizeof(o->what), "%s", t[0].text);
	} else {
		snprintf(o->what, sizeof(o->what), "a block");
	}
}

/*
 * Skip the string or comment starting at buf[i], counting its newlines;
 * returns the index after it, or len + 1 when it does not end. Comments are
 * blanked (newlines kept) so that libconfuse never sees one.
 */
static size_t
config_skip(char *buf, size_t len, size_t i, int *line)
{
	size_t start = i, end;
	char q = buf[i];

	if (q == '#' || (q == '/' && buf[i + 1] == '/')) {
		while (i < len && buf[i] != '\n')
			i++;
		end = i;
	} else if (q == '/') {
		for (i += 2; i + 1 < len && !(buf[i] == '*' &&
		    buf[i + 1] == '/'); i++)
			*line += buf[i] == '\n';
		if (i + 1 >= len)
			return len + 1;
		end = i + 2;
	} else {
		for (i++; i < len && buf[i] != q; i++) {
			if (buf[i] == '\\' && i + 1 < len)
				i++;
			*line += buf[i] == '\n';
		}
		return i < len ? i + 1 : len + 1;
	}
	for (i = start; i < end; i++)
		if (buf[i] != '\n')
			buf[i] = ' ';
	return end;
}

static int
config_span_add(struct config_spans *spans, const char *file, int open,
    int close)
{
	struct config_span *s;

	s = realloc(spans->v, (spans->n + 1) * sizeof(*s));
	if (!s)
		return -1;
	spans->v = s;
	s = &s[spans->n];
	s->file = strdup(file);
	if (!s->file)
		return -1;
	s->open = open;
	s->close = close;
	spans->n++;
	return 0;
}

/* An unquoted word starting at buf[i]; ${VAR} may contain braces. Returns
 * the index after it. */
static size_t
config_word_end(const char *buf, size_t len, size_t i)
{
	size_t j;

	/* strchr() finds '\0' too: a NUL ends the word (and is reported by
	 * the caller), and "/\0" is no comment. */
	for (j = i; j < len && !isspace((unsigned char)buf[j]) &&
	    !strchr("{}=+,()\"'#", buf[j]) && !(buf[j] == '/' && j + 1 < len &&
	    (buf[j + 1] == '/' || buf[j + 1] == '*')); j++)
		if (buf[j] == '$' && j + 1 < len && buf[j + 1] == '{')
			while (j + 1 < len && buf[j] != '}')
				j++;
	return j;
}

/*
 * A call such as include("file") must be NAME ( STRING [, STRING]... ), the
 * strings quoted: libconfuse 3.3 leaks the arguments of a call it cannot
 * finish (four shapes found by tests/fuzz, fuzz_config: unclosed, with a
 * block inside, without commas, and an unquoted argument its lexer splits,
 * include(19*2)), so a reload with such a file would leak a little every
 * time. One step of that grammar: `kind` is 's' for a quoted string, 'w' for
 * an unquoted word, else the punctuation read; `prev` the kind of the token
 * before it. Returns NULL, or what was expected.
 */
enum { CALL_NONE, CALL_OPEN, CALL_VALUE, CALL_COMMA };

static const char *
config_call_step(int *call, char kind, char prev)
{
	switch (*call) {
	case CALL_NONE:
		if (kind != '(')
			return NULL;
		if (prev != 'w')
			return "a function name before '('";
		*call = CALL_OPEN;
		return NULL;
	case CALL_OPEN:		/* after '(' */
	case CALL_COMMA:	/* after ',' */
		if (kind == 's') {
			*call = CALL_VALUE;
			return NULL;
		}
		if (kind == ')' && *call == CALL_OPEN) {
			*call = CALL_NONE;
			return NULL;
		}
		if (kind == 'w')
			return "a quoted string as argument of the call";
		return *call == CALL_OPEN ? "a value or ')' in the call" :
		    "a value after ',' in the call";
	default:		/* after a value */
		if (kind == ',') {
			*call = CALL_COMMA;
			return NULL;
		}
		if (kind == ')') {
			*call = CALL_NONE;
			return NULL;
		}
		return "',' or ')' after a value in the call";
	}
}

/* The token starting with `c` (not a comment), after one of kind `prev`:
 * -1 with the error written if it breaks a call. */
static int
config_call_token(FILE *errs, const char *file, int line, int *call,
    int *call_line, char c, char prev)
{
	int was = *call;
	const char *want;

	if (was == CALL_NONE)
		*call_line = line;
	want = config_call_step(call, c == '"' || c == '\'' ? 's' :
	    !strchr("{}=+,()", c) ? 'w' : c, prev);
	if (!want)
		return 0;
	if (was == CALL_NONE)
		config_scan_err(errs, file, line, "expected %s", want);
	else
		config_scan_err(errs, file, line,
		    "expected %s opened on line %d", want, *call_line);
	return -1;
}

int
config_scan(const char *file, char *buf, size_t len, struct config_spans *spans,
    FILE *errs)
{
	struct config_open open[CONFIG_SCAN_DEPTH];
	struct config_tok t[3] = { { 0, "" }, { 0, "" }, { 0, "" } };
	int line = 1, last = 1, depth = 0, errors = 0, call = CALL_NONE;
	int call_line = 0;
	size_t i = 0, j;

	while (i < len) {
		char c = buf[i];

		if (c == '\0') {
			config_scan_err(errs, file, line,
			    "NUL byte in configuration");
			return 1;
		}
		if (c == '\n') {
			line++;
			i++;
			continue;
		}
		if (isspace((unsigned char)c)) {
			i++;
			continue;
		}
		last = line;
		if (c != '#' && !(c == '/' && i + 1 < len &&
		    (buf[i + 1] == '/' || buf[i + 1] == '*')) &&
		    config_call_token(errs, file, line, &call, &call_line, c,
		    t[0].kind) < 0)
			return 1;
		if (c == '#' || c == '"' || c == '\'' || (c == '/' &&
		    i + 1 < len && (buf[i + 1] == '/' || buf[i + 1] == '*'))) {
			j = config_skip(buf, len, i, &line);
			if (j > len) {
				config_scan_err(errs, file, last,
				    "unterminated %s starting here",
				    c == '/' ? "comment" : "string");
				return 1;
			}
			if (c == '"' || c == '\'')
				config_tok_push(t, 's', buf + i + 1, j - i - 2);
			i = j;
		} else if (c == '{') {
			if (depth == CONFIG_SCAN_DEPTH) {
				config_scan_err(errs, file, line,
				    "braces nested too deeply");
				return 1;
			}
			open[depth].line = line;
			config_describe(&open[depth++], t);
			config_tok_push(t, c, &c, 1);
			i++;
		} else if (c == '}') {
			if (depth == 0)
				return 0;
			depth--;
			if (depth == 0 && !open[0].list &&
			    config_span_add(spans, file, open[0].line,
			    line) < 0) {
				config_scan_err(errs, file, line,
				    "out of memory");
				return 1;
			}
			config_tok_push(t, c, &c, 1);
			i++;
		} else if (strchr("=+,()", c)) {
			config_tok_push(t, c, &c, 1);
			i++;
		} else {
			j = config_word_end(buf, len, i);
			config_tok_push(t, 'w', buf + i, j - i);
			i = j;
		}
	}
	if (call != CALL_NONE) {
		config_scan_err(errs, file, call_line,
		    "missing ')' to close the call opened here");
		errors++;
	}
	while (depth-- > 0) {
		config_scan_err(errs, file, last,
		    "missing '}' to close %s opened on line %d",
		    open[depth].what, open[depth].line);
		errors++;
	}
	return errors;
}

int
config_spans_open_line(const struct config_spans *spans, const char *file,
    int close_line)
{
	for (size_t i = 0; i < spans->n; i++)
		if (spans->v[i].close == close_line && file &&
		    strcmp(spans->v[i].file, file) == 0)
			return spans->v[i].open;
	return close_line;
}

void
config_spans_free(struct config_spans *spans)
{
	if (!spans)
		return;
	for (size_t i = 0; i < spans->n; i++)
		free(spans->v[i].file);
	free(spans->v);
	spans->v = NULL;
	spans->n = 0;
}
