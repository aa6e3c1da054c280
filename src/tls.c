/* tls: client TLS on non-blocking hiredis contexts (see tls.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tls.h"

#ifndef HAVE_HIREDIS_SSL

bool
tls_available(void)
{
	return false;
}

const char *
tls_library(void)
{
	return TLS_UNAVAILABLE;
}

struct tls_ctx *
tls_ctx_new(const struct tls_settings *s, char *err, size_t len)
{
	(void)s;
	snprintf(err, len, "%s", TLS_UNAVAILABLE);
	errno = ENOTSUP;
	return NULL;
}

void
tls_ctx_free(struct tls_ctx *t)
{
	(void)t;
}

int
tls_start(struct tls_ctx *t, redisContext *c, const char *host,
    struct tls_conn **conn, char *err, size_t len)
{
	(void)t;
	(void)c;
	(void)host;
	*conn = NULL;
	snprintf(err, len, "%s", TLS_UNAVAILABLE);
	return -ENOTSUP;
}

int
tls_handshake(struct tls_conn *conn, char *err, size_t len)
{
	(void)conn;
	snprintf(err, len, "%s", TLS_UNAVAILABLE);
	return -ENOTSUP;
}

void
tls_explain(struct tls_conn *conn, const redisContext *c, char *err,
    size_t len)
{
	(void)conn;
	snprintf(err, len, "%s", c->errstr[0] ? c->errstr : "unknown error");
}

void
tls_explain_timeout(struct tls_conn *conn, char *err, size_t len)
{
	(void)conn;
	snprintf(err, len, "%s", TLS_UNAVAILABLE);
}

#else /* HAVE_HIREDIS_SSL */

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <hiredis/hiredis_ssl.h>

/* The struct tls_ctx lives as long as its SSL_CTX, which OpenSSL counts
 * references to (one per SSL made from it): tls_ctx_free() drops ours and
 * the SSL_CTX's ex_data free hook frees the struct with the last one. */
struct tls_ctx {
	SSL_CTX *ssl;
	char *ca_file;			/* for messages */
	char *server_name;		/* NULL: verify the host connected to */
};

/* What each connection's SSL carries in its ex_data, for the messages:
 * a bit set of what the server did (the low byte: the description of the
 * fatal alert it sent), and how many bytes had been read from the socket
 * when the handshake completed, plus one (0: not completed here). */
#define SEEN_ALERT	0x100
#define CERT_ASKED	0x200		/* it sent a CertificateRequest */

static int ctx_index = -1;		/* SSL_CTX ex_data: its struct
					 * tls_ctx */
static int state_index = -1;		/* SSL ex_data: the bits above */
static int done_index = -1;		/* SSL ex_data: bytes read at
					 * TLS_DONE */

bool
tls_available(void)
{
	return true;
}

const char *
tls_library(void)
{
	static char buf[160];

	if (!buf[0])
		snprintf(buf, sizeof(buf),
		    "hiredis %d.%d.%d with hiredis_ssl, %s",
		    HIREDIS_MAJOR, HIREDIS_MINOR, HIREDIS_PATCH,
		    OpenSSL_version(OPENSSL_VERSION));
	return buf;
}

static void
ctx_struct_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	struct tls_ctx *t = ptr;

	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (!t)
		return;
	free(t->ca_file);
	free(t->server_name);
	free(t);
}

static int
conn_state(const SSL *ssl)
{
	return (int)(intptr_t)SSL_get_ex_data(ssl, state_index);
}

static void
conn_state_add(const SSL *ssl, int bits)
{
	SSL_set_ex_data((SSL *)ssl, state_index,
	    (void *)(intptr_t)(conn_state(ssl) | bits));
}

/* A fatal alert from the server is the only account of why it ended the
 * handshake (or, with TLS 1.3, refused our certificate after it), and a
 * CertificateRequest tells a refused client certificate from other reasons
 * when that alert is lost (below): note both on the SSL. */
static void
info_cb(const SSL *ssl, int where, int ret)
{
	if ((where & SSL_CB_READ_ALERT) && (ret >> 8) == SSL3_AL_FATAL)
		conn_state_add(ssl, SEEN_ALERT | (ret & 0xff));
	if ((where & SSL_CB_LOOP) && SSL_get_state(ssl) == TLS_ST_CR_CERT_REQ)
		conn_state_add(ssl, CERT_ASKED);
}

/* OpenSSL would ask for a passphrase on the terminal: never. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* The reason of the oldest queued OpenSSL error, "" if none; clears the
 * queue (the next call on any connection must not see it). */
static const char *
ssl_reason(void)
{
	static char buf[160];
	unsigned long e = ERR_peek_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	snprintf(buf, sizeof(buf), "%s", r ? r : "no details");
	ERR_clear_error();
	return buf;
}

/* 0 if path can be opened for reading, else -errno with the message. */
static int
check_readable(const char *what, const char *path, char *err, size_t len)
{
	FILE *f = fopen(path, "r");
	int e = errno;

	if (f) {
		fclose(f);
		return 0;
	}
	snprintf(err, len, "cannot read %s %s: %s", what, path, strerror(e));
	return -e;
}

/* Whether a PEM file holds an encrypted key ("Proc-Type: 4,ENCRYPTED" or
 * "BEGIN ENCRYPTED PRIVATE KEY"), to say so rather than "bad decrypt". */
static bool
pem_encrypted(const char *path)
{
	char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = 0;
	return strstr(buf, "ENCRYPTED") != NULL;
}

static int
load_files(SSL_CTX *ssl, const struct tls_settings *s, char *err, size_t len)
{
	int r;

	if ((r = check_readable("CA certificate file", s->ca_file, err, len)))
		return r;
	if (SSL_CTX_load_verify_locations(ssl, s->ca_file, NULL) != 1) {
		snprintf(err, len, "CA certificate file %s holds no usable PEM "
		    "certificate (%s)", s->ca_file, ssl_reason());
		return -EINVAL;
	}
	if (!s->cert_file)
		return 0;
	if ((r = check_readable("client certificate file", s->cert_file, err,
	    len)) || (r = check_readable("client key file", s->key_file, err,
	    len)))
		return r;
	if (SSL_CTX_use_certificate_chain_file(ssl, s->cert_file) != 1) {
		snprintf(err, len, "client certificate file %s holds no usable "
		    "PEM certificate (%s)", s->cert_file, ssl_reason());
		return -EINVAL;
	}
	if (SSL_CTX_use_PrivateKey_file(ssl, s->key_file, SSL_FILETYPE_PEM)
	    != 1) {
		unsigned long e = ERR_peek_error();

		if (ERR_GET_LIB(e) == ERR_LIB_X509 &&
		    ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
			goto mismatch;
		snprintf(err, len, "client key file %s holds no usable PEM "
		    "private key (%s)%s", s->key_file, ssl_reason(),
		    pem_encrypted(s->key_file) ? ": it is encrypted, and vipd "
		    "asks for no passphrase" : "");
		return -EINVAL;
	}
	if (SSL_CTX_check_private_key(ssl) != 1) {
mismatch:
		ERR_clear_error();
		snprintf(err, len, "client key file %s is not the key of the "
		    "certificate in %s", s->key_file, s->cert_file);
		return -EINVAL;
	}
	return 0;
}

static int
settings_ok(const struct tls_settings *s, char *err, size_t len)
{
	if (!s->ca_file || !*s->ca_file) {
		snprintf(err, len, "TLS needs a CA certificate file to verify "
		    "the server with");
		return -EINVAL;
	}
	if (!s->cert_file != !s->key_file) {
		snprintf(err, len, "a client certificate needs its key, and a "
		    "key its certificate: give both or neither");
		return -EINVAL;
	}
	if (s->server_name && !*s->server_name) {
		snprintf(err, len, "the TLS server name is empty");
		return -EINVAL;
	}
	return 0;
}

struct tls_ctx *
tls_ctx_new(const struct tls_settings *s, char *err, size_t len)
{
	struct tls_ctx *t = NULL;
	SSL_CTX *ssl = NULL;
	int r;

	if ((r = settings_ok(s, err, len)))
		goto out;
	if (ctx_index < 0)
		ctx_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL,
		    ctx_struct_free);
	if (state_index < 0)
		state_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	if (done_index < 0)
		done_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	r = -ENOMEM;
	if (ctx_index < 0 || state_index < 0 || done_index < 0 ||
	    !(ssl = SSL_CTX_new(TLS_client_method())) ||
	    !(t = calloc(1, sizeof(*t))) ||
	    !(t->ca_file = strdup(s->ca_file)) ||
	    (s->server_name && !(t->server_name = strdup(s->server_name)))) {
		snprintf(err, len, "cannot set up TLS: out of memory (%s)",
		    ssl_reason());
		goto out;
	}
	/* Valkey and Redis speak TLS 1.2 and 1.3 by default. */
	SSL_CTX_set_min_proto_version(ssl, TLS1_2_VERSION);
	SSL_CTX_set_verify(ssl, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_default_passwd_cb(ssl, no_passphrase);
	SSL_CTX_set_info_callback(ssl, info_cb);
	if ((r = load_files(ssl, s, err, len)))
		goto out;
	t->ssl = ssl;
	SSL_CTX_set_ex_data(ssl, ctx_index, t);
	return t;
out:
	if (t) {
		free(t->ca_file);
		free(t->server_name);
		free(t);
	}
	SSL_CTX_free(ssl);
	errno = -r;
	return NULL;
}

void
tls_ctx_free(struct tls_ctx *t)
{
	if (t)
		SSL_CTX_free(t->ssl);	/* frees t with the last reference */
}

static bool
is_ip(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}

/* What the server's certificate must carry; SNI only for a DNS name
 * (RFC 6066 allows no address there). */
static int
set_peer_name(SSL *ssl, const char *name, char *err, size_t len)
{
	X509_VERIFY_PARAM *p = SSL_get0_param(ssl);

	if (is_ip(name)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(p, name) == 1)
			return 0;
	} else {
		X509_VERIFY_PARAM_set_hostflags(p,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (SSL_set1_host(ssl, name) == 1 &&
		    SSL_set_tlsext_host_name(ssl, name) == 1)
			return 0;
	}
	snprintf(err, len, "cannot verify the server as \"%s\" (%s)", name,
	    ssl_reason());
	return -EINVAL;
}

/* A struct tls_conn is the connection's SSL, which hiredis owns. */
static struct tls_conn *
as_conn(SSL *ssl)
{
	return (struct tls_conn *)(void *)ssl;
}

static SSL *
as_ssl(struct tls_conn *conn)
{
	return (SSL *)(void *)conn;
}

/* The server's certificate failed verification: say which way. */
static void
explain_verify(SSL *ssl, long v, char *err, size_t len)
{
	X509_VERIFY_PARAM *p = SSL_get0_param(ssl);
	struct tls_ctx *t = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl),
	    ctx_index);
	const char *why = X509_verify_cert_error_string(v);
	const char *host = X509_VERIFY_PARAM_get0_host(p, 0);
	char *ip = X509_VERIFY_PARAM_get1_ip_asc(p);

	switch (v) {
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		snprintf(err, len, "the server's certificate is not for \"%s\" "
		    "(%s)", host ? host : ip ? ip : "?", why);
		break;
	case X509_V_ERR_CERT_HAS_EXPIRED:
		snprintf(err, len, "the server's certificate has expired (%s)",
		    why);
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		snprintf(err, len, "the server's certificate is not valid yet: "
		    "check the clocks (%s)", why);
		break;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		snprintf(err, len, "the server's certificate is not signed by "
		    "a CA in %s (%s)", t ? t->ca_file : "the CA file", why);
		break;
	default:
		snprintf(err, len, "the server's certificate was refused (%s)",
		    why);
		break;
	}
	OPENSSL_free(ip);
}

/* A fatal alert from the server, in words a user can act on. */
static void
explain_alert(int alert, char *err, size_t len)
{
	const char *what = SSL_alert_desc_string_long(alert);

	switch (alert) {
	case TLS13_AD_CERTIFICATE_REQUIRED:	/* OpenSSL 3.0 calls it
						 * "unknown" */
		snprintf(err, len, "the server requires a client certificate "
		    "(TLS alert: certificate required)");
		break;
	case SSL3_AD_BAD_CERTIFICATE:
	case SSL3_AD_UNSUPPORTED_CERTIFICATE:
	case SSL3_AD_CERTIFICATE_REVOKED:
	case SSL3_AD_CERTIFICATE_EXPIRED:
	case SSL3_AD_CERTIFICATE_UNKNOWN:
	case TLS1_AD_UNKNOWN_CA:
		snprintf(err, len, "the server refused our client certificate "
		    "(TLS alert: %s)", what);
		break;
	default:
		snprintf(err, len, "the server ended the TLS session (TLS "
		    "alert: %s)", what);
		break;
	}
}

/* Why the handshake failed, most specific first: the certificate, an
 * alert from the server, the error queue, errno, else the peer closed. */
static int
explain_failure(SSL *ssl, int sys_errno, char *err, size_t len)
{
	long v = SSL_get_verify_result(ssl);
	int st = conn_state(ssl);
	unsigned long e = ERR_peek_error();
	int reason = e ? ERR_GET_REASON(e) : 0;
	int r = -EPROTO;

	if (v != X509_V_OK) {
		explain_verify(ssl, v, err, len);
	} else if (st & SEEN_ALERT) {
		explain_alert(st & 0xff, err, len);
	} else if (e && ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    (reason == SSL_R_WRONG_VERSION_NUMBER ||
	    reason == SSL_R_PACKET_LENGTH_TOO_LONG ||
	    reason == SSL_R_RECORD_LENGTH_MISMATCH ||
	    reason == SSL_R_HTTP_REQUEST)) {
		snprintf(err, len, "the server does not speak TLS on this port "
		    "(%s)", ssl_reason());
	} else if (e) {
		snprintf(err, len, "TLS handshake failed (%s)", ssl_reason());
	} else if (sys_errno) {
		snprintf(err, len, "TLS handshake: %s", strerror(sys_errno));
		r = -sys_errno;
	} else {
		snprintf(err, len, "the server closed the connection during "
		    "the TLS handshake (not a TLS port, or it wants a client "
		    "certificate?)");
		r = -ECONNRESET;
	}
	ERR_clear_error();
	return r;
}

int
tls_start(struct tls_ctx *t, redisContext *c, const char *host,
    struct tls_conn **conn, char *err, size_t len)
{
	const char *name = t->server_name ? t->server_name : host;
	SSL *ssl;
	int fl, r;

	*conn = NULL;
	fl = fcntl(c->fd, F_GETFL);
	if ((c->flags & REDIS_BLOCK) || fl < 0 || !(fl & O_NONBLOCK)) {
		/* hiredis would run the whole handshake in SSL_connect(). */
		snprintf(err, len, "TLS is started on non-blocking connections "
		    "only");
		return -EINVAL;
	}
	if (!name || !*name) {
		snprintf(err, len, "no server name or address to verify the "
		    "server's certificate against");
		return -EINVAL;
	}
	if (!(ssl = SSL_new(t->ssl))) {
		snprintf(err, len, "cannot set up TLS: %s", ssl_reason());
		return -ENOMEM;
	}
	if ((r = set_peer_name(ssl, name, err, len)))
		goto fail;
	ERR_clear_error();
	errno = 0;
	/* Non-blocking, hiredis's SSL_connect() sends what it can and
	 * returns; on failure it keeps no hold on ssl and says only
	 * "SSL_connect failed": the reason is on ssl, in the error queue or
	 * in errno. */
	if (redisInitiateSSL(c, ssl) != REDIS_OK) {
		r = explain_failure(ssl, errno, err, len);
		goto fail;
	}
	*conn = as_conn(ssl);
	return 0;
fail:
	ERR_clear_error();
	SSL_free(ssl);
	return r;
}

int
tls_handshake(struct tls_conn *conn, char *err, size_t len)
{
	SSL *ssl = as_ssl(conn);
	int rv, e;

	ERR_clear_error();
	errno = 0;
	rv = SSL_do_handshake(ssl);
	if (rv == 1) {
		if (!SSL_get_ex_data(ssl, done_index))
			SSL_set_ex_data(ssl, done_index, (void *)(uintptr_t)
			    (BIO_number_read(SSL_get_rbio(ssl)) + 1));
		return TLS_DONE;
	}
	e = SSL_get_error(ssl, rv);
	if (e == SSL_ERROR_WANT_READ)
		return TLS_WANT_READ;
	if (e == SSL_ERROR_WANT_WRITE)
		return TLS_WANT_WRITE;
	/* SSL_ERROR_SYSCALL leaves the reason in errno, SSL_ERROR_SSL in
	 * the error queue. */
	return explain_failure(ssl, e == SSL_ERROR_SYSCALL ? errno : 0, err,
	    len);
}

/* With TLS 1.3 the server judges our certificate after our side of the
 * handshake is complete, and we send our first command at once: the
 * server then closes a connection with that command unread, which makes
 * its kernel send a reset, and a reset makes ours drop what it had not
 * handed over yet, the alert included. What is left to go on: the server
 * asked for a certificate, and the connection failed before a byte came
 * after the handshake (a server that accepts the certificate sends its
 * session tickets, or the reply, first). */
static bool
refused_after_handshake(SSL *ssl)
{
	uintptr_t done = (uintptr_t)SSL_get_ex_data(ssl, done_index);

	return (conn_state(ssl) & CERT_ASKED) && done &&
	    BIO_number_read(SSL_get_rbio(ssl)) + 1 == done;
}

void
tls_explain(struct tls_conn *conn, const redisContext *c, char *err,
    size_t len)
{
	SSL *ssl = conn ? as_ssl(conn) : NULL;
	int st = ssl ? conn_state(ssl) : 0;

	if (st & SEEN_ALERT)
		explain_alert(st & 0xff, err, len);
	else if (ssl && SSL_get_verify_result(ssl) != X509_V_OK)
		explain_verify(ssl, SSL_get_verify_result(ssl), err, len);
	else if (ssl && ERR_peek_error())
		snprintf(err, len, "TLS: %s", ssl_reason());
	else if (ssl && c->err && refused_after_handshake(ssl))
		snprintf(err, len, SSL_get_certificate(ssl) ?
		    "the server closed the connection right after a TLS "
		    "handshake in which it asked for our client certificate: "
		    "it most likely refused it (its log says why; %s)" :
		    "the server requires a client certificate: it asked for "
		    "one, none is configured, and it closed the connection "
		    "(%s)", c->errstr);
	else
		snprintf(err, len, "%s", c->errstr[0] ? c->errstr :
		    "unknown error");
	ERR_clear_error();
}

void
tls_explain_timeout(struct tls_conn *conn, char *err, size_t len)
{
	SSL *ssl = as_ssl(conn);

	/* A Redis or Valkey plain-text port takes the ClientHello for an
	 * inline command and waits for its newline: no answer at all. */
	if (BIO_number_read(SSL_get_rbio(ssl)) == 0)
		snprintf(err, len, "no TLS answer from the server (is this a "
		    "plain-text port rather than its tls-port?)");
	else if (!SSL_is_init_finished(ssl))
		snprintf(err, len,
		    "the TLS handshake did not complete in time");
	else
		snprintf(err, len, "no answer in time over TLS");
}

#endif /* HAVE_HIREDIS_SSL */
