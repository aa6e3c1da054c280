/*
 * tls: client TLS for vipd's connections to Redis/Valkey and Sentinel, on
 * top of hiredis_ssl (hiredis >= 1.0) and OpenSSL.
 *
 * One struct tls_ctx per set of settings (CA, optional client certificate
 * and key, optional server name), shared by every connection made with
 * them. A connection starts as a plain non-blocking redisContext; once its
 * TCP connect has completed, tls_start() puts TLS on it and tls_handshake()
 * is called each time the socket is ready as asked, until it returns
 * TLS_DONE. Then redisBufferWrite()/redisBufferRead() work as on a plain
 * context. Nothing here blocks: the context and its socket must be
 * non-blocking (tls_start refuses anything else), every OpenSSL call then
 * returns at once, and the caller's event loop decides when to call again,
 * bounded by its own connect timeout.
 *
 * Why not let hiredis run the handshake inside its reads and writes (it
 * would): a failed handshake would then come out as hiredis's text for the
 * I/O error, which is strerror(errno) ("Success", "Resource temporarily
 * unavailable") rather than the reason; and a handshake that wants to read
 * before it can write would make a caller that waits for writability spin.
 *
 * The server's certificate must chain to the CA file and carry the name
 * being verified: the settings' server_name if set (a DNS name, also sent
 * as SNI, or an IP address), else the host passed to tls_start() (vipd
 * connects to addresses, so that is usually an IP address that the
 * certificate lists as an IP SAN).
 *
 * Errors: tls_ctx_new() returns NULL, the others a negative errno; each
 * writes one line to err (no trailing newline, no prefix naming the peer:
 * the caller adds it). TLS-level failures (the certificate, an alert from
 * the server, not TLS at all) are -EPROTO; transport failures keep their
 * errno (-ECONNREFUSED, -ECONNRESET, ...), so a refused connection can be
 * told apart from a TLS problem.
 *
 * Without hiredis_ssl (HAVE_HIREDIS_SSL undefined) the same functions
 * exist: tls_available() is false, tls_ctx_new() returns NULL and
 * tls_start()/tls_handshake() -ENOTSUP, all with TLS_UNAVAILABLE as the
 * message.
 */
#ifndef VIPD_TLS_H
#define VIPD_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#define TLS_UNAVAILABLE \
	"vipd was built without TLS (hiredis >= 1.0 with hiredis_ssl is needed)"

struct tls_settings {
	const char *ca_file;		/* required: PEM, the CA(s) to trust */
	const char *cert_file;		/* optional client certificate (PEM) */
	const char *key_file;		/* its key (PEM, not encrypted) */
	const char *server_name;	/* optional: see above */
};

struct tls_ctx;
/* One connection's TLS state. It belongs to the redisContext it was
 * started on and is freed with it (redisFree); do not use it after that. */
struct tls_conn;

enum tls_step {
	TLS_DONE = 0,			/* handshake complete */
	TLS_WANT_READ = 1,		/* call again when the fd is readable */
	TLS_WANT_WRITE = 2,		/* ... when it is writable */
};

/* Whether this build can speak TLS at all. */
bool tls_available(void);
/* "hiredis 1.0.2, OpenSSL 3.0.19 ..." or TLS_UNAVAILABLE: for -v output. */
const char *tls_library(void);

/* Load and check the files (readable, PEM, key matches certificate). */
struct tls_ctx *tls_ctx_new(const struct tls_settings *s, char *err,
    size_t len);
/* NULL-safe. Connections started from t keep working: what they need is
 * released with the last of them. */
void tls_ctx_free(struct tls_ctx *t);

/* Start TLS on c, a connected (TCP connect completed) non-blocking
 * context, verifying the server as `host` unless the settings give a
 * server name. Sends the ClientHello if the socket takes it. On success
 * *conn is set and the handshake goes on with tls_handshake(); on failure
 * c is unusable and must be freed. */
int tls_start(struct tls_ctx *t, redisContext *c, const char *host,
    struct tls_conn **conn, char *err, size_t len);
/* One step of the handshake: an enum tls_step, or a negative errno. */
int tls_handshake(struct tls_conn *conn, char *err, size_t len);
/* After a read or write on c failed (c->err set): the reason in plain
 * words when TLS knows one (an alert from the server, e.g. it refused our
 * client certificate: with TLS 1.3 that comes after the handshake, on the
 * first read), else c->errstr. conn may be NULL (a plain connection). */
void tls_explain(struct tls_conn *conn, const redisContext *c, char *err,
    size_t len);
/* The caller's timeout ran out during the handshake or the first reply:
 * what is known about why (a plain-text Redis port, for one, does not
 * answer a ClientHello at all). */
void tls_explain_timeout(struct tls_conn *conn, char *err, size_t len);

#endif
