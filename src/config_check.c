/*
 * config_check: value checks of vipd.conf and their messages (see
 * config_check.h).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/stat.h>

#include "config_check.h"
#include "tls.h"

#define CONFIG_KNOB_ROW(k, f, d, lo, hi, u, z, a) \
	{ k, offsetof(struct vip_config, f), d, lo, hi, u, z, a },
const struct config_knob config_knobs[CONFIG_N_KNOBS] = {
	CONFIG_KNOBS(CONFIG_KNOB_ROW)
};

static int __attribute__((format(printf, 3, 4)))
config_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool
config_all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int
config_check_knob(const struct config_knob *kn, const char *value, long *out,
    char *err, size_t errlen)
{
	long v;

	if (kn->auto_ok && strcmp(value, "auto") == 0) {
		*out = CONFIG_KNOB_AUTO;
		return 0;
	}
	v = config_all_digits(value) && strlen(value) <= 9 ?
	    strtol(value, NULL, 10) : -1;
	if (v < 0)
		return config_fail(err, errlen, "%s '%s': expected %sa whole "
		    "number%s", kn->key, value, kn->auto_ok ? "auto or " : "",
		    kn->unit[0] ? " of milliseconds" : "");
	if ((v < kn->min || v > kn->max) && !(v == 0 && kn->zero_is_off))
		return config_fail(err, errlen, "%s %ld is out of range: "
		    "expected %s%ld..%ld%s%s", kn->key, v,
		    kn->zero_is_off ? "0 (off) or " : "", kn->min, kn->max,
		    kn->unit[0] ? " " : "", kn->unit);
	*out = v;
	return 0;
}

static int
config_hostport_bad(const char *what, const char *s, uint16_t defport,
    struct hostport *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	return config_fail(err, errlen, "%s '%s': expected HOST[:PORT], HOST "
	    "being an IP address, an IPv6 address in brackets or a DNS name, "
	    "like 192.0.2.11:%u, [2001:db8::11]:%u or redis-1.example:%u", what,
	    s, defport, defport, defport);
}

/* The host part of HOST[:PORT]: a literal, or a name checked here.
 * 0, -1 (say the generic message) or -2 (the message is in err). */
static int
config_host(const char *what, const char *s, const char *host, size_t n,
    bool bracket, struct hostport *out, char *err, size_t errlen)
{
	if (netaddr_parse(host, &out->addr) == 0)
		return (out->addr.family == AF_INET6) == bracket ? 0 : -1;
	if (bracket)
		return -1;
	if (!netaddr_name_valid(host, n)) {
		config_fail(err, errlen, "%s '%s': '%s' is neither an IP "
		    "address nor a valid DNS name (labels of 1..63 letters, "
		    "digits, '-' or '_', separated by single dots, 253 "
		    "characters at most)", what, s, host);
		return -2;
	}
	memcpy(out->name, host, n + 1);
	return 0;
}

int
config_check_hostport(const char *what, const char *s, uint16_t defport,
    struct hostport *out, char *err, size_t errlen)
{
	const char *h = s, *end, *port = NULL;
	bool bracket = s[0] == '[';
	char host[NETADDR_NAME_MAX];
	size_t n;
	long v;
	int r;

	memset(out, 0, sizeof(*out));
	if (bracket) {
		end = strchr(s, ']');
		if (!end || (end[1] && end[1] != ':'))
			goto bad;
		port = end[1] ? end + 2 : NULL;
		h = s + 1;
	} else {
		end = strchr(s, ':');
		if (end && strchr(end + 1, ':')) {
			const char *last = strrchr(s, ':');
			char v6[INET6_ADDRSTRLEN];

			if (err && netaddr_parse(s, &out->addr) == 0) {
				memset(out, 0, sizeof(*out));
				return config_fail(err, errlen,
				    "%s '%s': an IPv6 address needs brackets, "
				    "like [%s]:%u", what, s, s, defport);
			}
			/* "2001:db8::13:26379": an address, then a port. */
			if (err && (size_t)(last - s) < sizeof(v6)) {
				memcpy(v6, s, (size_t)(last - s));
				v6[last - s] = '\0';
				if (netaddr_parse(v6, &out->addr) == 0) {
					memset(out, 0, sizeof(*out));
					return config_fail(err, errlen,
					    "%s '%s': an IPv6 address needs "
					    "brackets when a port follows, "
					    "like [%s]:%s", what, s, v6,
					    last + 1);
				}
			}
			goto bad;
		}
		if (end)
			port = end + 1;
		else
			end = s + strlen(s);
	}
	n = (size_t)(end - h);
	if (n == 0 || n >= sizeof(host))
		goto bad;
	memcpy(host, h, n);
	host[n] = '\0';
	r = config_host(what, s, host, n, bracket, out, err, errlen);
	if (r == -1)
		goto bad;
	if (r < 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	out->port = defport;
	if (!port)
		return 0;
	v = config_all_digits(port) && strlen(port) <= 5 ?
	    strtol(port, NULL, 10) : 0;
	if (v < 1 || v > 65535) {
		memset(out, 0, sizeof(*out));
		return config_fail(err, errlen, "%s '%s': bad port '%s', "
		    "expected 1..65535", what, s, port);
	}
	out->port = (uint16_t)v;
	return 0;
bad:
	return config_hostport_bad(what, s, defport, out, err, errlen);
}

int
config_check_address(const char *s, struct prefix *out, char *err,
    size_t errlen)
{
	const char *slash = strchr(s, '/');
	char host[INET6_ADDRSTRLEN];
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	struct netaddr a;
	unsigned int max;

	memset(out, 0, sizeof(*out));
	if (n == 0 || n >= sizeof(host))
		goto bad;
	memcpy(host, s, n);
	host[n] = '\0';
	if (netaddr_parse(host, &a) < 0)
		goto bad;
	max = a.family == AF_INET ? 32 : 128;
	if (prefix_parse(s, out) < 0)
		return config_fail(err, errlen, "address '%s': bad prefix "
		    "length, expected /1 to /%u (default /%u)", s, max, max);
	if (a.family == AF_INET ? (a.u.v4.s_addr == htonl(INADDR_ANY) ||
	    IN_MULTICAST(ntohl(a.u.v4.s_addr))) :
	    (IN6_IS_ADDR_UNSPECIFIED(&a.u.v6) ||
	    IN6_IS_ADDR_MULTICAST(&a.u.v6)))
		return config_fail(err, errlen, "address '%s' is not a unicast "
		    "address", s);
	return 0;
bad:
	return config_fail(err, errlen, "address '%s': expected an IP "
	    "address with optional /prefix, like 192.0.2.100 or "
	    "2001:db8::100/64", s);
}

int
config_check_interface(const char *s, char *err, size_t errlen)
{
	size_t n = strlen(s);

	if (n == 0 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return config_fail(err, errlen,
		    "interface name '%s' is not valid", s);
	if (n >= IFNAMSIZ)
		return config_fail(err, errlen, "interface name '%s' is too "
		    "long (%zu characters, Linux allows at most %d)", s, n,
		    IFNAMSIZ - 1);
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s) ||
		    iscntrl((unsigned char)*s))
			return config_fail(err, errlen,
			    "interface name may not contain '%c'", *s);
	return 0;
}

int
config_check_choice(const char *key, const char *value, const char *a,
    const char *b, char *err, size_t errlen)
{
	const char *const choices[] = { a, b, NULL };

	return config_check_choices(key, value, choices, err, errlen);
}

int
config_check_choices(const char *key, const char *value,
    const char *const *choices, char *err, size_t errlen)
{
	char list[256];
	size_t n, i, used = 0;

	for (n = 0; choices[n]; n++)
		if (strcmp(value, choices[n]) == 0)
			return 0;
	list[0] = '\0';
	for (i = 0; i < n && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used,
		    "%s\"%s\"", i == 0 ? "" : i + 1 == n ? " or " : ", ",
		    choices[i]);
	return config_fail(err, errlen, "%s must be %s, not \"%s\"", key,
	    list, value);
}

/* AUTH and the ACL file format split on spaces: such a name cannot work. */
int
config_check_user(const char *key, const char *s, char *err, size_t errlen)
{
	const char *p;

	for (p = s; *p; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			break;
	if (!s[0] || *p)
		return config_fail(err, errlen, "%s '%s': expected an ACL "
		    "user name without spaces or control characters", key, s);
	return 0;
}

/* vipd runs from /, and a path relative to wherever `vipd -n` was started
 * would check another file than the daemon reads. */
int
config_check_path(const char *key, const char *s, char *err, size_t errlen)
{
	if (s[0] != '/')
		return config_fail(err, errlen,
		    "%s '%s' must be an absolute path", key, s);
	for (; *s; s++)
		if (iscntrl((unsigned char)*s))
			return config_fail(err, errlen, "%s contains a control "
			    "character", key);
	return 0;
}

int
config_check_notify(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return config_fail(err, errlen, "notify %s: %s", path,
		    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return config_fail(err, errlen,
		    "notify %s is not a regular file", path);
	if (!(st.st_mode & S_IXUSR))
		return config_fail(err, errlen, "notify %s is not executable "
		    "by its owner (mode %04o)", path,
		    (unsigned int)(st.st_mode & 07777));
	return 0;
}

/* Up to `cap` bytes of fd, or -1 with errno set. */
static ssize_t
config_read_fd(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	while (len < cap) {
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return (ssize_t)len;
}

/* The first line of buf[0..len) as a new string, or NULL with the reason. */
static char *
config_first_line(const char *path, const char *buf, size_t len, char *err,
    size_t errlen)
{
	const char *nl = memchr(buf, '\n', len);
	size_t n = nl ? (size_t)(nl - buf) : len;
	char *s;

	if (!nl && len > CONFIG_MAX_SECRET) {
		config_fail(err, errlen, "password file %s: the first line is "
		    "longer than %d bytes", path, CONFIG_MAX_SECRET);
		return NULL;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n > CONFIG_MAX_SECRET) {
		config_fail(err, errlen, "password file %s: the first line is "
		    "longer than %d bytes", path, CONFIG_MAX_SECRET);
		return NULL;
	}
	if (n == 0) {
		config_fail(err, errlen, "password file %s is empty (the "
		    "password is its first line)", path);
		return NULL;
	}
	if (memchr(buf, '\0', n)) {
		config_fail(err, errlen, "password file %s contains a NUL byte",
		    path);
		return NULL;
	}
	if (!(s = strndup(buf, n)))
		config_fail(err, errlen, "password file %s: %s", path,
		    strerror(errno));
	return s;
}

int
config_read_secret(const char *path, char **secret, char *err, size_t errlen)
{
	char buf[CONFIG_MAX_SECRET + 2];	/* the line, "\r\n" */
	struct stat st;
	ssize_t len = -1;
	int fd, rc = -1;

	*secret = NULL;
	/* O_NONBLOCK: a FIFO must not hang the load; it is refused below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return config_fail(err, errlen, "password file %s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) < 0)
		config_fail(err, errlen, "password file %s: %s", path,
		    strerror(errno));
	else if (!S_ISREG(st.st_mode))
		config_fail(err, errlen,
		    "password file %s is not a regular file", path);
	else if (st.st_mode & 007)
		config_fail(err, errlen, "password file %s is accessible by "
		    "other users (mode %04o); chmod 600 it", path,
		    (unsigned int)(st.st_mode & 07777));
	else if ((len = config_read_fd(fd, buf, sizeof(buf))) < 0)
		config_fail(err, errlen, "password file %s: %s", path,
		    strerror(errno));
	else if ((*secret = config_first_line(path, buf, (size_t)len, err,
	    errlen)))
		rc = 0;
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

void
config_free_secret(char *secret)
{
	if (!secret)
		return;
	explicit_bzero(secret, strlen(secret));
	free(secret);
}

int
config_check_server_name(const char *key, const char *s, char *err,
    size_t errlen)
{
	struct netaddr a;

	if (netaddr_parse(s, &a) == 0 || netaddr_name_valid(s, strlen(s)))
		return 0;
	return config_fail(err, errlen, "%s '%s': expected a host name or an "
	    "IP address, the name the servers' certificates carry", key, s);
}

int
config_check_key_file(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return config_fail(err, errlen, "tls-key-file %s: %s", path,
		    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return config_fail(err, errlen,
		    "tls-key-file %s is not a regular file", path);
	if (st.st_mode & 007)
		return config_fail(err, errlen, "tls-key-file %s is accessible "
		    "by other users (mode %04o); chmod 600 it", path,
		    (unsigned int)(st.st_mode & 07777));
	return 0;
}

/* FNV-1a over a file's contents (1 MiB at most: certificates are small). */
static int
config_digest_file(const char *key, const char *path, uint64_t *h, char *err,
    size_t errlen)
{
	char buf[4096];
	size_t total = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return config_fail(err, errlen, "%s %s: %s", key, path,
		    strerror(errno));
	while ((n = read(fd, buf, sizeof(buf))) > 0 && total < (1u << 20)) {
		total += (size_t)n;
		for (ssize_t i = 0; i < n; i++)
			*h = (*h ^ (unsigned char)buf[i]) * 1099511628211ull;
	}
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return config_fail(err, errlen, "%s %s: %s", key, path,
		    strerror(errno));
	return 0;
}

int
config_check_tls_files(const struct vip_config *vc, uint64_t *stamp,
    char *err, size_t errlen)
{
	const struct { const char *key, *path; } f[] = {
		{ "tls-ca-cert-file", vc->tls_ca_cert_file },
		{ "tls-cert-file", vc->tls_cert_file },
		{ "tls-key-file", vc->tls_key_file },
	};
	struct tls_settings ts = {
		.ca_file = vc->tls_ca_cert_file,
		.cert_file = vc->tls_cert_file,
		.key_file = vc->tls_key_file,
		.server_name = vc->tls_server_name,
	};
	struct tls_ctx *t;

	*stamp = 14695981039346656037ull;
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (!f[i].path)
			continue;
		if (config_check_path("", f[i].path, NULL, 0) < 0)
			return 0;
		if (config_digest_file(f[i].key, f[i].path, stamp, err,
		    errlen) < 0)
			return -1;
	}
	if (!(t = tls_ctx_new(&ts, err, errlen)))
		return -1;
	tls_ctx_free(t);
	return 0;
}
