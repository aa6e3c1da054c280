/*
 * watch: the connections vipd keeps to data nodes and Sentinels, shared by
 * every VIP that names the same peer: one connection per data node
 * (node.h) and one command plus one subscriber connection per Sentinel
 * (sentinel.h), keyed by address and credentials, whatever the number of
 * VIPs. A VIP attaches a user record (node_user, sentinel_user) and
 * detaches it; the last detach frees the connection from the next loop
 * turn, so that a reload which keeps using a peer never reconnects it.
 */
#ifndef VIPD_WATCH_H
#define VIPD_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct resolver;
struct node;
struct sentinel;
struct tls_ctx;
struct tls_settings;
struct watch_tls;

struct watch_env {
	struct loop *loop;
	struct resolver *resolver;	/* NULL: IP literals only */
	struct node *nodes;		/* every watched data node */
	struct sentinel *sentinels;	/* every watched Sentinel */
	struct watch_tls *tls;		/* TLS contexts in use */
};

/* How to talk to a peer: AUTH and TLS. Part of the key a connection is
 * shared by; a node or Sentinel copies what it needs. */
struct watch_creds {
	const char *user;		/* NULL: AUTH password alone */
	const char *password;		/* NULL: no AUTH */
	struct watch_tls *tls;		/* NULL: plain text */
};

/* The credentials a node or a Sentinel keeps for its reconnects: its own
 * copies of the strings, the password wiped when released, and a
 * reference to the TLS context. `creds` points at them (the key the
 * connection is shared by). */
struct watch_creds_held {
	char *user, *password;
	struct watch_creds creds;
};

/* Copy cr into h: 0, or -ENOMEM with nothing held. */
int watch_creds_hold(struct watch_creds_held *h, const struct watch_creds *cr);
/* Wipe and free the copies, drop the TLS reference; h then holds nothing
 * (releasing nothing is a no-op). */
void watch_creds_release(struct watch_env *w, struct watch_creds_held *h);

/*
 * One TLS context per distinct settings and file contents (`stamp`,
 * config.h's tls_stamp), shared and reference-counted: a VIP holds one,
 * and so does every connection made with it, so that a connection's
 * reconnects outlive the VIP that made it. NULL with the reason in err.
 */
struct watch_tls *watch_tls_get(struct watch_env *w,
    const struct tls_settings *s, uint64_t stamp, char *err, size_t len);
struct watch_tls *watch_tls_ref(struct watch_tls *t);	/* NULL-safe */
void watch_tls_put(struct watch_env *w, struct watch_tls *t); /* NULL-safe */
struct tls_ctx *watch_tls_ctx(const struct watch_tls *t); /* NULL-safe */
bool watch_creds_equal(const struct watch_creds *a,
    const struct watch_creds *b);

/* Compare credentials, NULL-safe ("no password" equals only itself). */
bool watch_str_equal(const char *a, const char *b);
/* Free everything still watched (at exit). */
void watch_close(struct watch_env *w);

#endif
