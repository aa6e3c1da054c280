/* watch: shared connections (see watch.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "node.h"
#include "sentinel.h"
#include "tls.h"
#include "watch.h"

bool
watch_str_equal(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

struct watch_tls {
	struct watch_tls *next;
	unsigned int refs;
	char *ca, *cert, *key, *server_name;
	uint64_t stamp;
	struct tls_ctx *ctx;
};

static void
watch_tls_free(struct watch_tls *t)
{
	tls_ctx_free(t->ctx);
	free(t->ca);
	free(t->cert);
	free(t->key);
	free(t->server_name);
	free(t);
}

static bool
watch_dup(const char *s, char **out)
{
	*out = s ? strdup(s) : NULL;
	return !s || *out;
}

struct watch_tls *
watch_tls_get(struct watch_env *w, const struct tls_settings *s,
    uint64_t stamp, char *err, size_t len)
{
	struct watch_tls *t;

	for (t = w->tls; t; t = t->next)
		if (t->stamp == stamp && watch_str_equal(t->ca, s->ca_file) &&
		    watch_str_equal(t->cert, s->cert_file) &&
		    watch_str_equal(t->key, s->key_file) &&
		    watch_str_equal(t->server_name, s->server_name))
			return watch_tls_ref(t);
	if (!(t = calloc(1, sizeof(*t))) || !watch_dup(s->ca_file, &t->ca) ||
	    !watch_dup(s->cert_file, &t->cert) ||
	    !watch_dup(s->key_file, &t->key) ||
	    !watch_dup(s->server_name, &t->server_name)) {
		snprintf(err, len, "out of memory");
		if (t)
			watch_tls_free(t);
		return NULL;
	}
	if (!(t->ctx = tls_ctx_new(s, err, len))) {
		watch_tls_free(t);
		return NULL;
	}
	t->stamp = stamp;
	t->refs = 1;
	t->next = w->tls;
	w->tls = t;
	return t;
}

struct watch_tls *
watch_tls_ref(struct watch_tls *t)
{
	if (t)
		t->refs++;
	return t;
}

void
watch_tls_put(struct watch_env *w, struct watch_tls *t)
{
	struct watch_tls **pp;

	if (!t || --t->refs > 0)
		return;
	for (pp = &w->tls; *pp && *pp != t; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = t->next;
	watch_tls_free(t);
}

struct tls_ctx *
watch_tls_ctx(const struct watch_tls *t)
{
	return t ? t->ctx : NULL;
}

int
watch_creds_hold(struct watch_creds_held *h, const struct watch_creds *cr)
{
	memset(h, 0, sizeof(*h));
	if (!watch_dup(cr->user, &h->user) ||
	    !watch_dup(cr->password, &h->password)) {
		free(h->user);
		h->user = NULL;
		return -ENOMEM;
	}
	h->creds.user = h->user;
	h->creds.password = h->password;
	h->creds.tls = watch_tls_ref(cr->tls);
	return 0;
}

void
watch_creds_release(struct watch_env *w, struct watch_creds_held *h)
{
	watch_tls_put(w, h->creds.tls);
	free(h->user);
	if (h->password) {
		/* explicit_bzero: a plain memset before free() is a dead
		 * store the compiler may drop. */
		explicit_bzero(h->password, strlen(h->password));
		free(h->password);
	}
	memset(h, 0, sizeof(*h));
}

bool
watch_creds_equal(const struct watch_creds *a, const struct watch_creds *b)
{
	return watch_str_equal(a->user, b->user) &&
	    watch_str_equal(a->password, b->password) && a->tls == b->tls;
}

void
watch_close(struct watch_env *w)
{
	while (w->nodes) {
		struct node *n = w->nodes;

		w->nodes = node_next(n);
		node_free(n);
	}
	while (w->sentinels) {
		struct sentinel *s = w->sentinels;

		w->sentinels = sentinel_next(s);
		sentinel_free(s);
	}
}
