/*
 * vipctl: ask a running vipd what it is doing (see vipctl(8)).
 *
 * `show` is for people (labels, relative times, colour on a tty), `dump`
 * for scripts (one tab-separated line per VIP, field order fixed by the man
 * page), `show --json` for tools that want structure, `metrics` for
 * Prometheus (a file for node_exporter's textfile collector: vipd itself
 * listens on no port). `reload` asks vipd to re-read its configuration.
 * The CLI's error convention: one line on stderr, then the exit code below.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "metrics.h"

enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,		/* usage, protocol or other error */
	EXIT_UNREACHABLE = 2,	/* vipd is not running or not answering */
	EXIT_NO_VIP = 3,	/* the named VIP is not configured */
};

/* A wedged daemon must not wedge scripts that call us. */
#define ANSWER_TIMEOUT_S	5

static const char *progname = "vipctl";

/* Escape sequences, all "" without colour. */
static struct {
	const char *bold, *green, *red, *yellow, *reset;
} col = { "", "", "", "", "" };

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: %s [-s socket] [command]\n"
	    "  show [NAME] [--json]  the state of every VIP, or of NAME "
	    "(default)\n"
	    "  dump [NAME]           the same, one tab-separated line per VIP\n"
	    "  metrics [NAME]        the same in Prometheus text format\n"
	    "  reload                make vipd re-read its configuration\n"
	    "  -s socket             control socket (default "
	    CONFIG_DEFAULT_CONTROL_SOCKET ")\n"
	    "  -h, --help            this help\n"
	    "  -V, --version         print the version\n", progname);
}

static void
colour_init(void)
{
	const char *nc = getenv("NO_COLOR");

	/* https://no-color.org: any non-empty value disables colour. */
	if (!isatty(STDOUT_FILENO) || (nc && nc[0]))
		return;
	col.bold = "\x1b[1m";
	col.green = "\x1b[32m";
	col.red = "\x1b[31m";
	col.yellow = "\x1b[33m";
	col.reset = "\x1b[0m";
}

/* --- talking to vipd -------------------------------------------------- */

/* Which exit code a failed connect() deserves. Permission problems mean a
 * daemon is there but not for us, which is not "unreachable". */
static int
connect_exit_code(int err)
{
	return err == EACCES || err == EPERM ? EXIT_ERROR : EXIT_UNREACHABLE;
}

static int
connect_daemon(const char *path, int *fdp)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = ANSWER_TIMEOUT_S };
	int fd, err;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "%s: socket path too long: %s\n", progname,
		    path);
		return EXIT_ERROR;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		fprintf(stderr, "%s: socket: %s\n", progname, strerror(errno));
		return EXIT_ERROR;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		err = errno;
		close(fd);
		fprintf(stderr, "%s: cannot reach vipd at %s: %s%s\n",
		    progname, path, strerror(err),
		    connect_exit_code(err) == EXIT_UNREACHABLE ?
		    " (is vipd running?)" : "");
		return connect_exit_code(err);
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		fprintf(stderr, "%s: setsockopt: %s\n", progname,
		    strerror(errno));
		close(fd);
		return EXIT_ERROR;
	}
	*fdp = fd;
	return EXIT_OK;
}

static int
send_request(int fd, const char *path, const struct ctl_request *req)
{
	char buf[CTL_REQUEST_MAX];
	size_t off = 0, len;

	if (ctl_format_request(req, buf, sizeof(buf)) < 0)
		return EXIT_ERROR;
	len = strlen(buf);
	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: cannot send to vipd at %s: %s\n",
			    progname, path, strerror(errno));
			return EXIT_UNREACHABLE;
		}
		off += (size_t)n;
	}
	return EXIT_OK;
}

static int
protocol_error(const char *path, int rc, const struct ctl_reply *r)
{
	if (rc == -EPROTO && r->version)
		fprintf(stderr, "%s: vipd at %s speaks control protocol %u, "
		    "this vipctl speaks %d to %d\n", progname, path,
		    r->version, CTL_PROTO_VERSION_MIN, CTL_PROTO_VERSION);
	else if (rc == -EPROTO)
		fprintf(stderr, "%s: %s is not a vipd control socket\n",
		    progname, path);
	else
		fprintf(stderr, "%s: bad reply from vipd at %s: %s\n",
		    progname, path, strerror(-rc));
	return EXIT_ERROR;
}

static int
read_reply(int fd, const char *path, struct ctl_reply *r)
{
	FILE *in = fdopen(fd, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0, ex = EXIT_OK;

	if (!in) {
		fprintf(stderr, "%s: fdopen: %s\n", progname, strerror(errno));
		close(fd);
		return EXIT_ERROR;
	}
	while (rc == 0 && (n = getline(&line, &cap, in)) > 0) {
		if (line[n - 1] != '\n')
			break;		/* cut short: reported below */
		rc = ctl_reply_line(r, line, (size_t)n - 1);
	}
	if (rc < 0) {
		ex = protocol_error(path, rc, r);
	} else if (rc == 0 && ferror(in) &&
	    (errno == EAGAIN || errno == EWOULDBLOCK)) {
		fprintf(stderr, "%s: vipd at %s did not answer within %d s\n",
		    progname, path, ANSWER_TIMEOUT_S);
		ex = EXIT_UNREACHABLE;
	} else if (rc == 0) {
		fprintf(stderr, "%s: vipd at %s closed the connection "
		    "mid-reply%s%s\n", progname, path,
		    ferror(in) ? ": " : "", ferror(in) ? strerror(errno) : "");
		ex = EXIT_UNREACHABLE;
	}
	free(line);
	fclose(in);
	return ex;
}

/* One request, one reply. Returns an exit code; on EXIT_OK `r` holds the
 * answer: VIPs to `status`, a reload record to `reload`. */
static int
fetch(const char *path, const struct ctl_request *req, struct ctl_reply *r)
{
	const char *name = req->name;
	int fd, ex;

	if ((ex = connect_daemon(path, &fd)) != EXIT_OK)
		return ex;
	if ((ex = send_request(fd, path, req)) != EXIT_OK) {
		close(fd);
		return ex;
	}
	if ((ex = read_reply(fd, path, r)) != EXIT_OK)
		return ex;
	if (!r->failed && r->has_reload == (req->cmd == CTL_CMD_RELOAD))
		return EXIT_OK;
	if (!r->failed) {
		fprintf(stderr, "%s: bad reply from vipd at %s: %s\n",
		    progname, path, "records do not answer the request");
		return EXIT_ERROR;
	}
	if (strcmp(r->err_code, CTL_ERR_NO_SUCH_VIP) == 0) {
		fprintf(stderr, "%s: no VIP named '%s' is configured\n",
		    progname, name);
		return EXIT_NO_VIP;
	}
	if (req->cmd == CTL_CMD_RELOAD &&
	    strcmp(r->err_code, CTL_ERR_BAD_REQUEST) == 0) {
		fprintf(stderr, "%s: vipd at %s is too old to reload over "
		    "its control socket; send it SIGHUP\n", progname, path);
		return EXIT_ERROR;
	}
	fprintf(stderr, "%s: vipd: %s\n", progname, r->err_msg);
	return EXIT_ERROR;
}

/* --- rendering -------------------------------------------------------- */

/* "held", "released" or "fault": what `dump` and --json call the state. */
static const char *
state_word(const struct vip_status *st)
{
	if (st->verdict == VERDICT_FAULT)
		return "fault";
	return st->holding ? "held" : "released";
}

/* "2 minutes, 3 seconds" (wg's style); "0 seconds" for now or the
 * future, which a stepped clock can produce. */
static void
print_duration(int64_t secs)
{
	static const struct {
		const char *unit;
		int64_t len;
	} units[] = {
		{ "year", 365 * 24 * 3600 }, { "day", 24 * 3600 },
		{ "hour", 3600 }, { "minute", 60 }, { "second", 1 },
	};
	bool first = true;

	if (secs <= 0) {
		printf("0 seconds");
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		int64_t n = secs / units[i].len;

		if (n == 0)
			continue;
		secs %= units[i].len;
		printf("%s%" PRId64 " %s%s", first ? "" : ", ", n,
		    units[i].unit, n == 1 ? "" : "s");
		first = false;
	}
}

static void
print_ago(int64_t when, int64_t now)
{
	if (when == 0) {
		printf("never");
		return;
	}
	print_duration(now - when);
	printf(" ago");
}

static void
print_absolute(int64_t when)
{
	time_t t = (time_t)when;
	struct tm tm;
	char buf[64];

	if (localtime_r(&t, &tm) &&
	    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %Z", &tm) > 0)
		printf("%s", buf);
	else
		printf("@%" PRId64, when);
}

static void
label(int indent, const char *name)
{
	printf("%*s%s%s:%s ", indent, "", col.bold, name, col.reset);
}

static void
show_state(const struct vip_status *st, int64_t now)
{
	label(2, "state");
	if (st->verdict == VERDICT_FAULT)
		printf("%sfault%s (%sheld)", col.red, col.reset,
		    st->holding ? "" : "not ");
	else if (st->holding)
		printf("%sheld%s", col.green, col.reset);
	else
		printf("not held");
	if (st->since) {
		printf(", since ");
		print_ago(st->since, now);
		printf(" (");
		print_absolute(st->since);
		printf(")");
	}
	printf("\n");
	/* The decision leads the action by one step (e.g. hold decided,
	 * address being added): worth a line only while they differ. */
	if ((st->verdict == VERDICT_HOLD) != st->holding) {
		label(2, "decision");
		printf("%s\n", verdict_name(st->verdict));
	}
	/* How fresh the decision is. 0 is also what a vipd too old to say
	 * sends (protocol 1): print nothing rather than "never". */
	if (st->last_decision) {
		label(2, "last decision");
		print_ago(st->last_decision, now);
		printf("\n");
	}
	if (st->last_token[0] || st->reason[0]) {
		label(2, "last transition");
		printf("%s%s%s\n", st->last_token,
		    st->last_token[0] && st->reason[0] ? ": " : "",
		    st->reason);
	}
}

/* " (connecting: connect failed: Connection refused)" */
static void
show_conn(const struct conn_status *c)
{
	if (!c->state[0] || (strcmp(c->state, "up") == 0 && !c->error[0]))
		return;
	printf(" (%s%s%s)", c->state, c->error[0] ? ": " : "", c->error);
}

static void
show_sentinel(const struct sentinel_status *ss, int64_t now)
{
	char addr[NETADDR_STRLEN], master[NETADDR_STRLEN], a[INET6_ADDRSTRLEN];

	label(4, hostport_fmt(&ss->addr, addr, sizeof(addr)));
	if (!ss->reachable) {
		printf("%sunreachable%s", col.red, col.reset);
		show_conn(&ss->conn);
		printf(", last seen ");
		print_ago(ss->last_seen, now);
	} else if (ss->has_master) {
		printf("reachable, names %s",
		    hostport_fmt(&ss->master, master, sizeof(master)));
		if (ss->master.name[0]) {
			printf(" (");
			for (unsigned int i = 0; i < ss->n_resolved; i++)
				printf("%s%s", i ? ", " : "", netaddr_fmt(
				    &ss->resolved[i], a, sizeof(a)));
			printf("%s)", ss->n_resolved ? "" : "does not resolve");
		}
		printf("%s", ss->names_us ? " (this node)" : "");
	} else {
		printf("reachable, names no master");
	}
	printf(", %" PRIu64 " event%s", ss->events, ss->events == 1 ? "" : "s");
	if (ss->down_after)
		printf(", down-after %" PRIu64 " ms", ss->down_after);
	printf("\n");
}

static void
show_timing(const struct vip_status *st)
{
	const struct timing *t = &st->timing;
	bool any_auto = false;

	if (!t->role_check_interval)
		return;		/* a vipd too old to say */
	for (size_t i = 0; i < 5; i++)
		any_auto = any_auto || t->source[i] != TIMING_CONFIGURED;
	label(2, "timing");
	printf("role-check %u, poll %u, timeout %u, redis-down-after %u, "
	    "no-quorum-hold-down %u ms", t->role_check_interval,
	    t->sentinel_poll_interval, t->command_timeout, t->redis_down_after,
	    t->no_quorum_hold_down);
	if (t->down_after)
		printf(" (%sdown-after-milliseconds %" PRIu64 ", smallest "
		    "of %u sentinel%s)", any_auto ? "auto from " : "for ",
		    t->down_after, t->reporting, t->reporting == 1 ? "" : "s");
	else if (any_auto)
		printf(" (auto; no sentinel has reported down-after-"
		    "milliseconds yet)");
	printf("\n");
	if (t->warning[0]) {
		label(2, "warning");
		printf("%s%s%s\n", col.red, t->warning, col.reset);
	}
}

static void
show_sentinels(const struct vip_status *st, int64_t now)
{
	const char *c = col.yellow;

	if (st->agree >= st->majority)
		c = col.green;
	else if (st->other >= st->majority)
		c = col.red;
	label(2, "sentinels");
	printf("%s%u/%u name this node%s (majority %u)", c, st->agree,
	    st->n_sentinels, col.reset, st->majority);
	if (st->other)
		printf(", %u name%s another", st->other,
		    st->other == 1 ? "s" : "");
	printf(", %u/%u reachable\n", st->reachable, st->n_sentinels);
	for (unsigned int i = 0; i < st->n_sentinels; i++)
		show_sentinel(&st->sentinels[i], now);
}

static void
show_vip(const struct vip_status *st, int64_t now)
{
	char buf[NETADDR_STRLEN];

	printf("%s%svip%s: %s%s%s\n", col.bold, col.green, col.reset,
	    col.green, st->name, col.reset);
	label(2, st->n_addresses > 1 ? "addresses" : "address");
	for (unsigned int i = 0; i < st->n_addresses; i++)
		printf("%s%s", i ? ", " : "", prefix_fmt(&st->addresses[i], buf,
		    sizeof(buf)));
	printf(" on %s (link ", st->interface);
	if (st->link_present && st->link_up)
		printf("up)\n");
	else
		printf("%s%s%s)\n", col.red, status_link_word(st), col.reset);
	show_state(st, now);
	label(2, "local node");
	printf("%s, %s, ", hostport_fmt(&st->redis, buf, sizeof(buf)),
	    node_role_name(st->role));
	if (st->node_reachable) {
		printf("reachable, last seen ");
	} else {
		printf("%sunreachable%s", col.red, col.reset);
		show_conn(&st->node_conn);
		printf(", last seen ");
	}
	print_ago(st->node_last_seen, now);
	printf("\n");
	show_sentinels(st, now);
	show_timing(st);
	label(2, "garp frames sent");
	printf("%" PRIu64 "\n", st->garp_frames);
	label(2, "transitions");
	printf("%" PRIu64 "\n", st->transitions);
}

static void
dump_vip(const struct vip_status *st)
{
	char addr[NETADDR_STRLEN];

	/* The order is a contract (vipctl(8), dump): never reorder; new
	 * fields go at the end. */
	printf("%s\t", st->name);
	for (unsigned int i = 0; i < st->n_addresses; i++)
		printf("%s%s", i ? "," : "", prefix_fmt(&st->addresses[i], addr,
		    sizeof(addr)));
	printf("\t%s\t%s\t%" PRId64 "\t%s\t%d\t%u\t%u\t%u\t%" PRIu64
	    "\t%" PRIu64 "\t%s\t%s\t%s\t%" PRIu64 "\n", st->interface,
	    state_word(st), st->since, node_role_name(st->role),
	    st->node_reachable, st->agree, st->reachable, st->n_sentinels,
	    st->garp_frames, st->transitions, st->reason,
	    st->node_conn.state[0] ? st->node_conn.state : "-",
	    st->node_conn.error[0] ? st->node_conn.error : "-",
	    st->timing.down_after);
}

/* --- JSON ------------------------------------------------------------- */

static void
json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void
json_kv(const char *indent, const char *key, const char *val, bool comma)
{
	printf("%s\"%s\": ", indent, key);
	json_str(val);
	printf("%s\n", comma ? "," : "");
}

static void
json_sentinel(const struct sentinel_status *ss, bool comma)
{
	char addr[NETADDR_STRLEN], master[NETADDR_STRLEN];
	const char *in = "\t\t\t\t";

	printf("\t\t\t{\n");
	json_kv(in, "address", hostport_fmt(&ss->addr, addr, sizeof(addr)),
	    true);
	printf("%s\"reachable\": %s,\n", in, ss->reachable ? "true" : "false");
	json_kv(in, "connection", ss->conn.state, true);
	json_kv(in, "error", ss->conn.error, true);
	if (ss->has_master)
		json_kv(in, "master", hostport_fmt(&ss->master, master,
		    sizeof(master)), true);
	else
		printf("%s\"master\": null,\n", in);
	printf("%s\"master_resolved\": [", in);
	for (unsigned int i = 0; i < ss->n_resolved; i++) {
		char a[INET6_ADDRSTRLEN];

		printf("%s", i ? ", " : "");
		json_str(netaddr_fmt(&ss->resolved[i], a, sizeof(a)));
	}
	printf("],\n");
	printf("%s\"down_after_ms\": %" PRIu64 ",\n", in, ss->down_after);
	printf("%s\"names_this_node\": %s,\n", in,
	    ss->names_us ? "true" : "false");
	printf("%s\"last_seen\": %" PRId64 ",\n", in, ss->last_seen);
	printf("%s\"events\": %" PRIu64 "\n", in, ss->events);
	printf("\t\t\t}%s\n", comma ? "," : "");
}

static void
json_timing(const struct timing *t, const char *in)
{
	static const char *const knobs[5] = {
		"role_check_interval", "sentinel_poll_interval",
		"command_timeout", "redis_down_after", "no_quorum_hold_down",
	};
	const unsigned int v[5] = {
		t->role_check_interval, t->sentinel_poll_interval,
		t->command_timeout, t->redis_down_after, t->no_quorum_hold_down,
	};

	printf("%s\"timing\": {\n", in);
	for (size_t i = 0; i < 5; i++)
		printf("%s\t\"%s_ms\": %u,\n%s\t\"%s_source\": \"%s\",\n", in,
		    knobs[i], v[i], in, knobs[i],
		    t->source[i] == TIMING_CONFIGURED ? "configured" :
		    t->source[i] == TIMING_AUTO ? "auto" : "default");
	printf("%s\t\"sentinel_down_after_ms\": %" PRIu64 ",\n", in,
	    t->down_after);
	printf("%s\t\"sentinels_reporting\": %u,\n", in, t->reporting);
	printf("%s\t\"warning\": ", in);
	json_str(t->warning);
	printf("\n%s},\n", in);
}

static void
json_vip(const struct vip_status *st, bool comma)
{
	char buf[NETADDR_STRLEN];
	const char *in = "\t\t";

	printf("\t{\n");
	json_kv(in, "name", st->name, true);
	json_kv(in, "address", prefix_fmt(&st->addresses[0], buf, sizeof(buf)),
	    true);
	printf("%s\"addresses\": [", in);
	for (unsigned int i = 0; i < st->n_addresses; i++) {
		printf("%s", i ? ", " : "");
		json_str(prefix_fmt(&st->addresses[i], buf, sizeof(buf)));
	}
	printf("],\n");
	json_kv(in, "interface", st->interface, true);
	json_kv(in, "link", status_link_word(st), true);
	json_kv(in, "state", state_word(st), true);
	json_kv(in, "verdict", verdict_name(st->verdict), true);
	printf("%s\"holding\": %s,\n", in, st->holding ? "true" : "false");
	printf("%s\"since\": %" PRId64 ",\n", in, st->since);
	json_kv(in, "last_token", st->last_token, true);
	json_kv(in, "reason", st->reason, true);
	json_kv(in, "node", hostport_fmt(&st->redis, buf, sizeof(buf)), true);
	json_kv(in, "role", node_role_name(st->role), true);
	printf("%s\"node_reachable\": %s,\n", in,
	    st->node_reachable ? "true" : "false");
	printf("%s\"node_last_seen\": %" PRId64 ",\n", in, st->node_last_seen);
	json_kv(in, "node_connection", st->node_conn.state, true);
	json_kv(in, "node_error", st->node_conn.error, true);
	json_timing(&st->timing, in);
	printf("%s\"sentinels_configured\": %u,\n", in, st->n_sentinels);
	printf("%s\"sentinels_reachable\": %u,\n", in, st->reachable);
	printf("%s\"sentinels_agree\": %u,\n", in, st->agree);
	printf("%s\"sentinels_other\": %u,\n", in, st->other);
	printf("%s\"majority\": %u,\n", in, st->majority);
	printf("%s\"garp_frames\": %" PRIu64 ",\n", in, st->garp_frames);
	printf("%s\"transitions\": %" PRIu64 ",\n", in, st->transitions);
	printf("%s\"last_decision\": %" PRId64 ",\n", in, st->last_decision);
	printf("%s\"sentinels\": [\n", in);
	for (unsigned int i = 0; i < st->n_sentinels; i++)
		json_sentinel(&st->sentinels[i], i + 1 < st->n_sentinels);
	printf("%s]\n", in);
	printf("\t}%s\n", comma ? "," : "");
}

/* --- commands --------------------------------------------------------- */

enum format { FMT_SHOW, FMT_JSON, FMT_DUMP, FMT_METRICS };

static int
check_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "%s: stdout: %s\n", progname, strerror(errno));
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

static int
run(const char *path, const char *name, enum format fmt)
{
	struct ctl_request req = { .cmd = CTL_CMD_STATUS };
	struct ctl_reply r;
	int64_t now = (int64_t)time(NULL);
	int ex;

	ctl_reply_init(&r);
	if (name && strlen(name) >= sizeof(req.name)) {
		fprintf(stderr, "%s: VIP name too long: %s\n", progname, name);
		return EXIT_ERROR;
	}
	if (name)
		strcpy(req.name, name);
	/* Nothing is printed unless the whole reply arrived, so a failure
	 * leaves no partial output (a .prom file half written, say). */
	if ((ex = fetch(path, &req, &r)) != EXIT_OK)
		goto out;
	if (fmt == FMT_METRICS) {
		metrics_format(r.vips, r.n_vips, stdout);
		ex = check_stdout();
		goto out;
	}
	if (fmt == FMT_JSON)
		printf("[\n");
	for (size_t i = 0; i < r.n_vips; i++) {
		if (fmt == FMT_SHOW) {
			if (i > 0)
				printf("\n");
			show_vip(&r.vips[i], now);
		} else if (fmt == FMT_JSON) {
			json_vip(&r.vips[i], i + 1 < r.n_vips);
		} else {
			dump_vip(&r.vips[i]);
		}
	}
	if (fmt == FMT_JSON)
		printf("]\n");
	ex = check_stdout();
out:
	ctl_reply_free(&r);
	return ex;
}

/* `reload`: the message on stdout if applied, on stderr if refused. */
static int
reload(const char *path, int argc, char **argv)
{
	struct ctl_request req = { .cmd = CTL_CMD_RELOAD };
	struct ctl_reply r;
	int ex;

	if (argc > 1) {
		fprintf(stderr, "%s: reload: unexpected argument '%s'\n",
		    progname, argv[1]);
		usage(stderr);
		return EXIT_ERROR;
	}
	ctl_reply_init(&r);
	if ((ex = fetch(path, &req, &r)) != EXIT_OK)
		goto out;
	if (!r.reload_ok) {
		fprintf(stderr, "%s: %s\n", progname, r.reload_msg);
		ex = EXIT_ERROR;
		goto out;
	}
	printf("%s\n", r.reload_msg);
	ex = check_stdout();
out:
	ctl_reply_free(&r);
	return ex;
}

/* `show [NAME] [--json]`, `dump [NAME]` and `metrics [NAME]`: argv[0] is
 * the command. */
static int
command(const char *path, int argc, char **argv)
{
	bool dump = strcmp(argv[0], "dump") == 0, json = false;
	bool metrics = strcmp(argv[0], "metrics") == 0;
	const char *name = NULL;

	for (int i = 1; i < argc; i++) {
		if (!dump && !metrics && strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (argv[i][0] == '-' || name) {
			fprintf(stderr, "%s: %s: unexpected argument '%s'\n",
			    progname, argv[0], argv[i]);
			usage(stderr);
			return EXIT_ERROR;
		} else {
			name = argv[i];
		}
	}
	if (metrics)
		return run(path, name, FMT_METRICS);
	if (!dump && !json)
		colour_init();
	return run(path, name, dump ? FMT_DUMP : json ? FMT_JSON : FMT_SHOW);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static char *show[] = { "show", NULL };
	const char *path = CONFIG_DEFAULT_CONTROL_SOCKET;
	int ch;

	/* "+": options end at the command, so `show --json` reaches it. */
	while ((ch = getopt_long(argc, argv, "+hs:V", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 's':
			path = optarg;
			break;
		case 'V':
			printf("vipctl %s\n", PACKAGE_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_ERROR;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return command(path, 1, show);
	if (strcmp(argv[0], "show") == 0 || strcmp(argv[0], "dump") == 0 ||
	    strcmp(argv[0], "metrics") == 0)
		return command(path, argc, argv);
	if (strcmp(argv[0], "reload") == 0)
		return reload(path, argc, argv);
	if (strcmp(argv[0], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	fprintf(stderr, "%s: unknown command '%s'\n", progname, argv[0]);
	usage(stderr);
	return EXIT_ERROR;
}
