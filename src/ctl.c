/*
 * ctl: the control socket server (see ctl.h; the protocol is in
 * ctl_proto.c). Every client gets one request and one reply, then is closed.
 * Nothing a client does can block the loop: reads and writes are
 * non-blocking, requests are bounded, and a per-client deadline drops
 * clients that stall in either direction.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "loop.h"

#define STR_(x)			#x
#define STR(x)			STR_(x)

#define CTL_MAX_CLIENTS		16
/* A request is a few bytes typed or sent at once; 2 s is generous. */
#define CTL_READ_TIMEOUT_MS	2000
/* A reply of 1024 VIPs is ~1.5 MB; a live vipctl drains that in well under
 * a second, so a client that does not within 5 s has gone away. */
#define CTL_WRITE_TIMEOUT_MS	5000
/* After EMFILE, the listening socket stays readable: pause accepting rather
 * than spin (as OpenBSD's control.c does). */
#define CTL_ACCEPT_PAUSE_MS	1000

struct ctl_client {
	struct ctl_server *srv;
	int fd;
	struct loop_io io;
	struct loop_timer deadline;
	char in[CTL_REQUEST_MAX];
	size_t in_len;
	char *out;			/* the whole reply, once built */
	size_t out_len, out_off;
	struct ctl_client *next, **pprev;
};

struct ctl_server {
	struct loop *loop;
	int fd;
	struct loop_io io;
	struct loop_timer resume;
	char *path;
	dev_t dev;			/* of the socket file we bound */
	ino_t ino;
	const struct ctl_ops *ops;
	void *arg;
	struct ctl_client *clients;
	unsigned int n_clients;
};

/* --- clients ---------------------------------------------------------- */

static void
client_free(struct ctl_client *c)
{
	struct ctl_server *s = c->srv;

	loop_io_del(s->loop, &c->io);
	loop_timer_cancel(s->loop, &c->deadline);
	close(c->fd);
	if (c->next)
		c->next->pprev = c->pprev;
	*c->pprev = c->next;
	s->n_clients--;
	free(c->out);
	free(c);
}

static void
client_drop(struct ctl_client *c, const char *why)
{
	log_debug("control: dropping client: %s", why);
	client_free(c);
}

static void
client_timeout(void *arg)
{
	client_drop(arg, "timed out");
}

/* Finish a reply rendered into c->out through `out`: what went wrong while
 * rendering (rc) or closing it is the result, and a failed reply is
 * dropped whole, never sent truncated. */
static int
reply_close(struct ctl_client *c, FILE *out, int rc)
{
	if (fclose(out) != 0 && rc == 0)
		rc = -EIO;
	if (rc < 0) {
		free(c->out);
		c->out = NULL;
	}
	return rc;
}

/* Render the reply to `req` into c->out. Returns 0, or -ENOENT if `req`
 * names no configured VIP, or another -errno if the daemon could not
 * produce a status. Built as a whole so that a failure half-way becomes one
 * `error` record instead of a truncated list. */
static int
render_status(struct ctl_client *c, const struct ctl_request *req)
{
	struct ctl_server *s = c->srv;
	struct vip_status st;
	size_t found = 0;
	FILE *out;
	int rc;

	if (!(out = open_memstream(&c->out, &c->out_len)))
		return -errno;
	rc = ctl_format_header(out);
	for (size_t idx = 0; rc == 0; idx++) {
		memset(&st, 0, sizeof(st));
		rc = s->ops->status(s->arg, idx, &st);
		if (rc == -ENOENT) {
			rc = 0;
			break;
		}
		if (rc < 0)
			break;
		if (req->name[0] && strcmp(req->name, st.name) != 0)
			continue;
		if (++found > CTL_MAX_VIPS)
			rc = -E2BIG;
		else
			rc = ctl_format_status(&st, out);
	}
	if (rc == 0 && req->name[0] && found == 0)
		rc = -ENOENT;
	if (rc == 0)
		rc = ctl_format_end(out);
	return reply_close(c, out, rc);
}

/* A reload changes what the daemon does: say who asked, as the log line
 * for SIGHUP does. */
static void
log_reload_peer(const struct ctl_client *c)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0)
		log_notice("control: reload requested by uid %u, pid %d",
		    (unsigned int)cr.uid, (int)cr.pid);
	else
		log_notice("control: reload requested");
}

/* Run ops->reload and render its outcome. The daemon reloads inside this
 * callback, so the answer tells the client what is now in effect; a
 * refused reload is still a well-formed reply, never an `error` record,
 * which is kept for requests that could not be answered at all. */
static int
render_reload(struct ctl_client *c)
{
	struct ctl_server *s = c->srv;
	char msg[CTL_MSG_MAX] = "reload not supported";
	FILE *out;
	int rc = -EOPNOTSUPP;

	if (s->ops->reload) {
		memset(msg, 0, sizeof(msg));
		rc = s->ops->reload(s->arg, msg, sizeof(msg));
		msg[sizeof(msg) - 1] = '\0';
		if (!msg[0])
			snprintf(msg, sizeof(msg), "%s", rc < 0 ?
			    strerror(-rc) : "reloaded");
	}
	if (!(out = open_memstream(&c->out, &c->out_len)))
		return -errno;
	ctl_format_header(out);
	ctl_format_reload(out, rc >= 0, msg);
	ctl_format_end(out);
	return reply_close(c, out, 0);
}

static int
render_error(struct ctl_client *c, const char *code, const char *msg)
{
	FILE *out = open_memstream(&c->out, &c->out_len);
	int rc;

	if (!out)
		return -errno;
	ctl_format_header(out);
	rc = ctl_format_error(out, code, msg);
	return reply_close(c, out, rc);
}

/* Build the whole reply to one request line in c->out. */
static int
build_reply(struct ctl_client *c, const char *line, size_t len)
{
	struct ctl_request req;
	char msg[256];
	int rc;

	rc = ctl_parse_request(line, len, &req);
	if (rc == -EOPNOTSUPP)
		return render_error(c, CTL_ERR_BAD_REQUEST, "unknown command");
	if (rc < 0)
		return render_error(c, CTL_ERR_BAD_REQUEST,
		    "malformed request");
	if (req.cmd == CTL_CMD_RELOAD) {
		log_reload_peer(c);
		return render_reload(c);
	}
	rc = render_status(c, &req);
	if (rc == 0 || rc == -ENOMEM)
		return rc;
	if (rc == -ENOENT) {
		snprintf(msg, sizeof(msg), "no VIP named %s", req.name);
		return render_error(c, CTL_ERR_NO_SUCH_VIP, msg);
	}
	log_warn("control: cannot report status: %s", strerror(-rc));
	snprintf(msg, sizeof(msg), "status unavailable: %s", strerror(-rc));
	return render_error(c, CTL_ERR_INTERNAL, msg);
}

static void
client_write(struct ctl_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
		    c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (loop_io_mod(c->srv->loop, &c->io, EPOLLOUT) < 0)
				client_drop(c, "cannot wait for output");
			return;
		}
		if (n <= 0) {
			client_drop(c, "gone while we wrote");
			return;
		}
		c->out_off += (size_t)n;
	}
	client_free(c);
}

/* A full request line is in c->in[0..len). */
static void
client_request(struct ctl_client *c, size_t len)
{
	int rc;

	/* Stop reading: one request per connection, anything after the
	 * line is ignored. */
	if (loop_io_mod(c->srv->loop, &c->io, 0) < 0) {
		client_drop(c, "cannot stop reading");
		return;
	}
	if ((rc = build_reply(c, c->in, len)) < 0) {
		log_warn("control: cannot build reply: %s", strerror(-rc));
		client_free(c);
		return;
	}
	loop_timer_arm(c->srv->loop, &c->deadline, CTL_WRITE_TIMEOUT_MS);
	client_write(c);
}

static void
client_read(struct ctl_client *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->in + c->in_len,
		    sizeof(c->in) - c->in_len, MSG_DONTWAIT);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			client_drop(c, strerror(errno));
			return;
		}
		if (n == 0) {
			client_drop(c, "closed before a full request");
			return;
		}
		nl = memchr(c->in + c->in_len, '\n', (size_t)n);
		c->in_len += (size_t)n;
		if (nl) {
			client_request(c, (size_t)(nl - c->in));
			return;
		}
		if (c->in_len == sizeof(c->in)) {
			client_drop(c, "request line too long");
			return;
		}
	}
}

static void
client_cb(void *arg, uint32_t events)
{
	struct ctl_client *c = arg;

	if (c->out) {
		client_write(c);
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		client_read(c);
}

/* --- listening socket ------------------------------------------------- */

static void accept_cb(void *arg, uint32_t events);

/* Over the cap: say why in one small write (it fits any socket buffer, so
 * MSG_DONTWAIT cannot cut it short) and hang up. */
static void
refuse_busy(int fd)
{
	static const char busy[] = "vipd-ctl " STR(CTL_PROTO_VERSION)
	    "\nerror\t" CTL_ERR_BUSY
	    "\ttoo many control clients\n";

	if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("control: refusing client: %s", strerror(errno));
	close(fd);
}

static void
resume_accept(void *arg)
{
	struct ctl_server *s = arg;

	if (loop_io_add(s->loop, &s->io, s->fd, EPOLLIN, accept_cb, s) < 0)
		loop_timer_arm(s->loop, &s->resume, CTL_ACCEPT_PAUSE_MS);
}

static int
client_new(struct ctl_server *s, int fd)
{
	struct ctl_client *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return -ENOMEM;
	c->srv = s;
	c->fd = fd;
	loop_timer_init(&c->deadline, client_timeout, c);
	if ((rc = loop_io_add(s->loop, &c->io, fd, EPOLLIN, client_cb,
	    c)) < 0) {
		free(c);
		return rc;
	}
	loop_timer_arm(s->loop, &c->deadline, CTL_READ_TIMEOUT_MS);
	c->next = s->clients;
	if (c->next)
		c->next->pprev = &c->next;
	c->pprev = &s->clients;
	s->clients = c;
	s->n_clients++;
	return 0;
}

static void
accept_cb(void *arg, uint32_t events)
{
	struct ctl_server *s = arg;
	int fd, rc;

	(void)events;
	for (;;) {
		fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0 && (errno == EMFILE || errno == ENFILE ||
		    errno == ENOBUFS || errno == ENOMEM)) {
			log_warn("control: accept: %s; pausing",
			    strerror(errno));
			loop_io_del(s->loop, &s->io);
			loop_timer_arm(s->loop, &s->resume,
			    CTL_ACCEPT_PAUSE_MS);
			return;
		}
		if (fd < 0) {
			/* EAGAIN, or ECONNABORTED and friends: nothing
			 * (more) to accept now. */
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_debug("control: accept: %s",
				    strerror(errno));
			return;
		}
		if (s->n_clients >= CTL_MAX_CLIENTS) {
			refuse_busy(fd);
			continue;
		}
		if ((rc = client_new(s, fd)) < 0) {
			log_warn("control: cannot add client: %s",
			    strerror(-rc));
			close(fd);
		}
	}
}

/* --- opening and closing ---------------------------------------------- */

static int
check_parent(const char *path)
{
	char *copy = strdup(path);
	struct stat sb;
	int rc = 0;

	if (!copy)
		return -ENOMEM;
	if (stat(dirname(copy), &sb) < 0)
		rc = -errno;
	else if (!S_ISDIR(sb.st_mode))
		rc = -ENOTDIR;
	free(copy);
	return rc;
}

/* Make `path` free for bind(): absent, or a socket nobody answers on. A
 * race with a second vipd starting at the same instant is left to the
 * service manager, which never starts two. */
static int
clear_stale(const struct sockaddr_un *sun)
{
	struct stat sb;
	int fd, rc;

	if (lstat(sun->sun_path, &sb) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(sb.st_mode))
		return -EEXIST;
	/* Non-blocking, so a live daemon with a full backlog (EAGAIN)
	 * counts as live instead of hanging start-up. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0)
		rc = -EADDRINUSE;
	else if (errno == EAGAIN || errno == EINPROGRESS)
		rc = -EADDRINUSE;
	else if (errno == ECONNREFUSED)
		rc = unlink(sun->sun_path) < 0 && errno != ENOENT ? -errno : 0;
	else
		rc = errno == ENOENT ? 0 : -errno;
	close(fd);
	return rc;
}

static int
listen_on(struct ctl_server *s, const struct sockaddr_un *sun)
{
	struct stat sb;
	mode_t old;
	int rc;

	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	/* bind() creates the file with 0777 & ~umask: start owner-only, so
	 * there is no moment where others can connect, then open to the
	 * group explicitly. */
	old = umask(0177);
	rc = bind(s->fd, (const struct sockaddr *)sun, sizeof(*sun));
	umask(old);
	if (rc < 0)
		return -errno;
	if (chmod(sun->sun_path, 0660) < 0 || lstat(sun->sun_path, &sb) < 0) {
		rc = -errno;
		unlink(sun->sun_path);
		return rc;
	}
	s->dev = sb.st_dev;
	s->ino = sb.st_ino;
	if (listen(s->fd, CTL_MAX_CLIENTS) < 0)
		rc = -errno;
	else
		rc = loop_io_add(s->loop, &s->io, s->fd, EPOLLIN, accept_cb, s);
	if (rc < 0)
		unlink(sun->sun_path);
	return rc;
}

struct ctl_server *
ctl_open(struct loop *l, const char *path, const struct ctl_ops *ops,
    void *arg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl_server *s;
	int rc;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(sun.sun_path, path);
	if (!(s = calloc(1, sizeof(*s)))) {
		errno = ENOMEM;
		return NULL;
	}
	s->loop = l;
	s->fd = -1;
	s->ops = ops;
	s->arg = arg;
	loop_timer_init(&s->resume, resume_accept, s);
	if (!(s->path = strdup(path)))
		rc = -ENOMEM;
	else if ((rc = check_parent(path)) == 0 &&
	    (rc = clear_stale(&sun)) == 0)
		rc = listen_on(s, &sun);
	if (rc < 0) {
		if (s->fd >= 0)
			close(s->fd);
		free(s->path);
		free(s);
		errno = -rc;
		return NULL;
	}
	return s;
}

void
ctl_close(struct ctl_server *s)
{
	struct stat sb;

	if (!s)
		return;
	while (s->clients)
		client_free(s->clients);
	loop_io_del(s->loop, &s->io);
	loop_timer_cancel(s->loop, &s->resume);
	close(s->fd);
	/* Only our own socket: a successor may already have replaced it. */
	if (lstat(s->path, &sb) == 0 && sb.st_dev == s->dev &&
	    sb.st_ino == s->ino)
		unlink(s->path);
	free(s->path);
	free(s);
}

const char *
ctl_strerror(int err)
{
	switch (err) {
	case ENOENT:
		return "its directory does not exist";
	case EADDRINUSE:
		return "another vipd is running";
	case EEXIST:
		return "a file that is not a socket is in the way";
	case ENAMETOOLONG:
		return "path too long for a Unix socket";
	default:
		return strerror(err);
	}
}
