/* daemon: the running vipd (see daemon.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "addr.h"
#include "ctl.h"
#include "daemon.h"
#include "frame.h"
#include "log.h"
#include "loop.h"
#include "nlwatch.h"
#include "notify.h"
#include "resolve.h"
#include "reexec.h"
#include "sdnotify.h"
#include "vip.h"

static int daemon_reload(void *arg, char *msg, size_t len);
struct daemon;
static void daemon_reexec(struct daemon *d);

struct daemon {
	struct vipd_config *cfg;
	struct vip_env env;
	struct vip **vips;
	size_t n_vips;
	struct nlwatch *nl;
	struct ctl_server *ctl;
	struct reexec *reexec;		/* SIGUSR2: see reexec.h */
	int sigfd;
	struct loop_io sigio;
	size_t n_decided;
	uint64_t watchdog_ms;
	struct loop_timer watchdog;
};

/* CAP_NET_ADMIN (12) to add addresses, CAP_NET_RAW (13) for gratuitous
 * ARP. Checking up front gives one clear message instead of a failure at
 * the first failover. */
static int
check_caps(void)
{
	unsigned long long eff = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;	/* cannot tell: let the first operation say */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	if (!(eff & (1ULL << 12)) || !(eff & (1ULL << 13))) {
		log_err("vipd needs CAP_NET_ADMIN and CAP_NET_RAW "
		    "(missing:%s%s)",
		    eff & (1ULL << 12) ? "" : " CAP_NET_ADMIN",
		    eff & (1ULL << 13) ? "" : " CAP_NET_RAW");
		return -EPERM;
	}
	return 0;
}

/* systemd starts a service with a soft RLIMIT_NOFILE of 1024 and a hard
 * one of 524288, and expects a program that needs more to raise the soft
 * limit itself (systemd.exec(5), LimitNOFILE=). vipd keeps a connection
 * per data node it watches, and a socket or two per VIP while it probes
 * or refuses: past 1024 at 1,000 VIPs. It uses epoll and poll, never
 * select(), so any limit is safe for it. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_warn("cannot raise the open-file limit to the hard limit "
		    "%llu: %s", (unsigned long long)rl.rlim_max,
		    strerror(errno));
}

/* The list grows with the host: the kernel lists a node's own address
 * after the addresses of lower-numbered interfaces (anycast addresses on
 * lo) and, for IPv6, after every address added since (a thousand IPv6
 * VIPs), so a list cut at a fixed size could leave it out, and vipd
 * would no longer know the master the Sentinels name as itself. */
static void
refresh_local_addrs(struct daemon *d)
{
	struct vip_env *e = &d->env;
	int n = addr_list_local(e->addr, &e->local_addrs,
	    &e->cap_local_addrs);

	if (n == -ENOMEM) {
		log_warn("cannot list all the host's addresses (only %zu): %s",
		    e->cap_local_addrs, strerror(-n));
		e->n_local_addrs = e->cap_local_addrs;
		return;
	}
	if (n < 0) {
		log_warn("cannot list the host's addresses: %s", strerror(-n));
		return;
	}
	e->n_local_addrs = (size_t)n;
}

static void
on_netlink(void *arg, const struct nlwatch_event *ev)
{
	struct daemon *d = arg;

	if (ev->kind == NLWATCH_ADDR_NEW || ev->kind == NLWATCH_ADDR_DEL ||
	    ev->kind == NLWATCH_RESYNC)
		refresh_local_addrs(d);
	for (size_t i = 0; i < d->n_vips; i++)
		vip_netlink(d->vips[i], ev);
}

/* A name's addresses changed: whoever Sentinel names by it may be us, or
 * no longer. Rare (a refresh that returns the same answer is silent). */
static void
on_resolved(void *arg, const char *name)
{
	struct daemon *d = arg;
	const struct resolve_result *r = resolver_get(d->env.watch.resolver,
	    name);
	char list[RESOLVE_MAX_ADDRS * (INET6_ADDRSTRLEN + 2)] = "";
	size_t len = 0;

	/* One line per change, not per lookup: the resolver calls this only
	 * when a name's state or address set changes. */
	for (size_t i = 0; i < r->n && len < sizeof(list); i++) {
		char a[INET6_ADDRSTRLEN];

		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
		    i ? ", " : "", netaddr_fmt(&r->addrs[i], a, sizeof(a)));
	}
	if (r->state == RESOLVE_OK)
		log_info("name %s resolves to %s", name, list);
	else if (r->n)
		log_warn("name %s does not resolve (%s); keeping %s", name,
		    r->error, list);
	else
		log_warn("name %s does not resolve: %s", name, r->error);
	for (size_t i = 0; i < d->n_vips; i++)
		vip_reevaluate(d->vips[i]);
}

/* gethostname() and its first label: how a Sentinel configured by host
 * name names this node. */
static void
load_hostnames(struct vip_env *env)
{
	char h[NETADDR_NAME_MAX];
	char *dot;

	env->n_hostnames = 0;
	if (gethostname(h, sizeof(h)) < 0 || !h[0])
		return;
	h[sizeof(h) - 1] = '\0';
	snprintf(env->hostnames[env->n_hostnames++], NETADDR_NAME_MAX, "%s", h);
	if ((dot = strchr(h, '.')) && dot != h) {
		*dot = '\0';
		snprintf(env->hostnames[env->n_hostnames++], NETADDR_NAME_MAX,
		    "%s", h);
	}
}

static void
on_signal(void *arg, uint32_t events)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_notice("received %s, releasing held VIPs and "
			    "exiting", strsignal((int)si.ssi_signo));
			sdnotify("STOPPING=1");
			loop_stop(d->env.loop);
			break;
		case SIGHUP: {
			char msg[512];

			log_notice("received SIGHUP, reloading %s",
			    d->cfg->path);
			if (daemon_reload(d, msg, sizeof(msg)) < 0)
				log_err("%s", msg);
			break;
		}
		case SIGUSR2:
			daemon_reexec(d);
			break;
		}
	}
}

/* systemd's READY=1 means "every VIP has made its first decision": only
 * then is the address where it belongs (Type=notify in the unit). */
static void
on_vip_decided(void *arg)
{
	struct daemon *d = arg;

	if (d->n_decided < d->n_vips && ++d->n_decided == d->n_vips) {
		log_info("every VIP has made its first decision");
		sdnotify("READY=1\nSTATUS=running");
	}
}

/* Pinged from the loop itself, so a stuck loop stops the pings and
 * systemd's WatchdogSec= restarts us. */
static void
on_watchdog(void *arg)
{
	struct daemon *d = arg;

	sdnotify("WATCHDOG=1");
	loop_timer_arm(d->env.loop, &d->watchdog, d->watchdog_ms / 2);
}

/* Load `path` with its messages captured; NULL and `msg` filled on error. */
static struct vipd_config *
load_quietly(const char *path, char *msg, size_t len)
{
	struct vipd_config *cfg;
	char *buf = NULL, *p;
	size_t blen = 0;
	FILE *errs = open_memstream(&buf, &blen);

	if (!errs) {
		snprintf(msg, len, "cannot capture messages: %s",
		    strerror(errno));
		return NULL;
	}
	cfg = config_load(path, errs);
	fclose(errs);
	for (p = buf; p && *p; ) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		if (*p)
			(cfg ? log_warn : log_err)("reload: %s", p);
		if (!nl || !nl[1])
			break;
		*nl = ';';
		p = nl + 1;
	}
	if (!cfg)
		snprintf(msg, len, "%s not reloaded, nothing changed: %s", path,
		    buf && *buf ? buf : "cannot load it");
	free(buf);
	return cfg;
}

static struct vip *
take_vip(struct daemon *d, const char *name)
{
	for (size_t i = 0; i < d->n_vips; i++) {
		struct vip *v = d->vips[i];

		if (v && strcmp(vip_config(v)->name, name) == 0) {
			d->vips[i] = NULL;
			return v;
		}
	}
	return NULL;
}

/* The same addresses on the same interface: the successor adopts them. */
static bool
same_place(const struct vip_config *a, const struct vip_config *b)
{
	if (a->n_addresses != b->n_addresses ||
	    strcmp(a->interface, b->interface) != 0)
		return false;
	for (size_t i = 0; i < a->n_addresses; i++)
		if (a->addresses[i].len != b->addresses[i].len ||
		    !netaddr_equal(&a->addresses[i].addr,
		    &b->addresses[i].addr))
			return false;
	return true;
}

/* Build the new configuration, swap only if it is valid: unchanged VIPs
 * are rebound untouched, changed ones restart (a VIP that stays on the same
 * interface is adopted by its successor without a blip), removed ones are
 * released, added ones start. */
static int
daemon_reload(void *arg, char *msg, size_t len)
{
	struct daemon *d = arg;
	struct vipd_config *cfg = load_quietly(d->cfg->path, msg, len);
	struct vip **vips;
	size_t n, added = 0, changed = 0, same = 0, removed = 0;

	if (!cfg)
		return -EINVAL;
	n = 0;
	vips = calloc(cfg->n_vips, sizeof(*vips));
	if (!vips) {
		config_free(cfg);
		snprintf(msg, len, "not reloaded: out of memory");
		return -ENOMEM;
	}
	sdnotify("RELOADING=1");
	if (strcmp(cfg->control_socket, d->cfg->control_socket) != 0)
		log_warn("reload: control-socket stays %s until a restart",
		    d->cfg->control_socket);
	for (size_t i = 0; i < cfg->n_vips; i++) {
		const struct vip_config *vc = &cfg->vips[i];
		struct vip *old = take_vip(d, vc->name);

		if (old && config_vip_equal(vip_config(old), vc)) {
			vip_rebind(old, vc);
			vips[n++] = old;
			same++;
			continue;
		}
		if (old) {
			if (!same_place(vip_config(old), vc))
				vip_shutdown(old,
				    "address or interface changed by reload");
			vip_free(old);
			changed++;
		} else {
			added++;
		}
		if (!(vips[n] = vip_new(&d->env, vc)))
			log_err("vip %s: cannot start", vc->name);
		else
			n++;
	}
	for (size_t i = 0; i < d->n_vips; i++) {
		if (!d->vips[i])
			continue;
		vip_shutdown(d->vips[i], "removed from the configuration");
		vip_free(d->vips[i]);
		removed++;
	}
	free(d->vips);
	d->vips = vips;
	d->n_vips = n;
	config_free(d->cfg);
	d->cfg = cfg;
	snprintf(msg, len, "reloaded %s: %zu added, %zu removed, %zu changed, "
	    "%zu unchanged", cfg->path, added, removed, changed, same);
	log_notice("%s", msg);
	sdnotify("READY=1");
	return 0;
}

static int
ctl_status(void *arg, size_t idx, struct vip_status *out)
{
	struct daemon *d = arg;

	if (idx >= d->n_vips)
		return -ENOENT;
	vip_get_status(d->vips[idx], out);
	return 0;
}

/* `vipctl reload`: exactly what SIGHUP does; the client gets the same
 * message the log does. */
static int
ctl_reload(void *arg, char *msg, size_t len)
{
	struct daemon *d = arg;
	int rc;

	/* ctl.c has logged who asked. */
	if ((rc = daemon_reload(d, msg, len)) < 0)
		log_err("%s", msg);
	return rc;
}

static const struct ctl_ops ctl_ops = {
	.status = ctl_status,
	.reload = ctl_reload,
};

/* --- upgrade in place (SIGUSR2, see reexec.h) ----------------------------- */

/* Every VIP can go to a process that knows only what it reads at start-up,
 * and no notify run is running or queued: one that outlived the exec would
 * be a child that nobody reaps or times out. */
static bool
daemon_reexec_settled(void *arg, char *why, size_t len)
{
	struct daemon *d = arg;
	unsigned int hooks = notify_busy();
	struct vip_status *st;
	bool ok = true;

	if (hooks > 0) {
		snprintf(why, len, "%u notify run%s still running or queued",
		    hooks, hooks == 1 ? " is" : "s are");
		return false;
	}
	if (!(st = malloc(sizeof(*st)))) {
		snprintf(why, len, "out of memory");
		return false;
	}
	for (size_t i = 0; ok && i < d->n_vips; i++) {
		if (!vip_decided(d->vips[i])) {
			snprintf(why, len, "vip %s has not made its first "
			    "decision", vip_config(d->vips[i])->name);
			ok = false;
			break;
		}
		vip_get_status(d->vips[i], st);
		ok = reexec_vip_settled(st, why, len);
	}
	free(st);
	return ok;
}

static bool
config_has_vip(const struct vipd_config *cfg, const struct vip_config *vc)
{
	for (size_t i = 0; i < cfg->n_vips; i++) {
		if (same_place(&cfg->vips[i], vc))
			return true;
	}
	return false;
}

/* The new code reads the configuration file afresh: a VIP held here that
 * is no longer in it would stay on its interface with nobody watching it.
 * Release and drop those first, as a reload would. Returns 1 if it did
 * (their hooks now run: settle again), 0 if there was nothing to do. */
static int
daemon_reexec_prepare(void *arg, char *why, size_t len)
{
	struct daemon *d = arg;
	struct vipd_config *next;
	char *errs = NULL, reason[160];
	size_t elen = 0, n = 0, dropped = 0;
	FILE *f = open_memstream(&errs, &elen);

	(void)why;
	(void)len;
	next = f ? config_load(d->cfg->path, f) : NULL;
	if (f)
		fclose(f);
	free(errs);
	if (!next) {
		/* The new binary accepted it; this one may predate a key. */
		log_warn("re-exec: this version cannot read %s; keeping every "
		    "VIP as it is", d->cfg->path);
		return 0;
	}
	snprintf(reason, sizeof(reason), "not in %s any more, which the new "
	    "code reads", d->cfg->path);
	for (size_t i = 0; i < d->n_vips; i++) {
		struct vip *v = d->vips[i];

		if (config_has_vip(next, vip_config(v))) {
			d->vips[n++] = v;
			continue;
		}
		vip_shutdown(v, reason);
		vip_free(v);
		dropped++;
	}
	d->n_vips = n;
	config_free(next);
	return dropped > 0;
}

static void
daemon_reexec(struct daemon *d)
{
	static const struct reexec_ops ops = {
		.settled = daemon_reexec_settled,
		.prepare = daemon_reexec_prepare,
	};

	if (!d->reexec && !(d->reexec = reexec_new(d->env.loop, &ops, d))) {
		log_err("re-exec refused: out of memory");
		return;
	}
	log_notice("received SIGUSR2, upgrading in place");
	reexec_request(d->reexec, d->cfg->path);
}

static int
setup_signals(struct daemon *d)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);	/* its default action would kill us */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sigfd < 0)
		return -errno;
	/* A vipctl that goes away mid-reply must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	return loop_io_add(d->env.loop, &d->sigio, d->sigfd, EPOLLIN,
	    on_signal, d);
}

static void
daemon_free(struct daemon *d)
{
	if (d->env.loop)
		loop_timer_cancel(d->env.loop, &d->watchdog);
	for (size_t i = 0; i < d->n_vips; i++)
		vip_free(d->vips[i]);
	free(d->vips);
	free(d->env.local_addrs);
	/* The hooks of the last transitions, and of VIPs a reload removed. */
	notify_drain();
	watch_close(&d->env.watch);
	resolver_free(d->env.watch.resolver);
	reexec_free(d->reexec);
	ctl_close(d->ctl);
	nlwatch_close(d->nl);
	if (d->sigfd >= 0) {
		loop_io_del(d->env.loop, &d->sigio);
		close(d->sigfd);
	}
	addr_close(d->env.addr);
	loop_free(d->env.loop);
	config_free(d->cfg);
}

int
daemon_run(struct vipd_config *cfg, const char *path)
{
	struct daemon d = { .cfg = cfg, .sigfd = -1 };
	int rc = -1;

	if (check_caps() < 0)
		goto out;
	raise_nofile();
	d.env.loop = loop_new();
	d.env.addr = addr_open();
	if (!d.env.loop || !d.env.addr) {
		log_err("cannot set up: %s", strerror(errno));
		goto out;
	}
	d.env.watch.loop = d.env.loop;
	d.env.watch.resolver = resolver_new(d.env.loop, NULL, on_resolved, &d);
	if (!d.env.watch.resolver) {
		log_err("cannot start the resolver: %s", strerror(errno));
		goto out;
	}
	load_hostnames(&d.env);
	if ((rc = frame_closer_start()) < 0)
		log_warn("cannot start the socket closer (AF_PACKET sockets "
		    "close on the event loop): %s", strerror(-rc));
	if ((rc = setup_signals(&d)) < 0) {
		log_err("cannot set up signal handling: %s", strerror(-rc));
		goto out;
	}
	rc = -1;
	d.nl = nlwatch_open(d.env.loop, on_netlink, &d);
	if (!d.nl) {
		log_err("cannot watch netlink: %s", strerror(errno));
		goto out;
	}
	d.ctl = ctl_open(d.env.loop, cfg->control_socket, &ctl_ops, &d);
	if (!d.ctl) {
		if (errno == EADDRINUSE) {
			log_err("cannot serve %s: %s", cfg->control_socket,
			    ctl_strerror(errno));
			goto out;
		}
		log_warn("no control socket at %s: %s; running without it",
		    cfg->control_socket, ctl_strerror(errno));
	}
	refresh_local_addrs(&d);
	d.env.decided = on_vip_decided;
	d.env.arg = &d;
	d.watchdog_ms = sdnotify_watchdog_ms();
	loop_timer_init(&d.watchdog, on_watchdog, &d);
	if (d.watchdog_ms)
		on_watchdog(&d);
	d.vips = calloc(cfg->n_vips, sizeof(*d.vips));
	if (!d.vips)
		goto out;
	for (size_t i = 0; i < cfg->n_vips; i++) {
		d.vips[i] = vip_new(&d.env, &cfg->vips[i]);
		if (!d.vips[i]) {
			log_err("vip %s: cannot start", cfg->vips[i].name);
			goto out;
		}
		d.n_vips++;
	}
	log_notice("vipd %s started with %s: %zu VIP%s", PACKAGE_VERSION, path,
	    cfg->n_vips, cfg->n_vips == 1 ? "" : "s");
	rc = loop_run(d.env.loop);
	if (rc < 0)
		log_err("event loop failed: %s", strerror(-rc));
	for (size_t i = 0; i < d.n_vips; i++)
		vip_shutdown(d.vips[i], "vipd is stopping");
	/* The addresses are gone; sockets still being closed (a mass release
	 * just before) would otherwise be closed by the exit one by one. */
	if (!frame_closer_drain(5000))
		log_warn("stopping with sockets still being closed");
	log_notice("vipd stopped");
out:
	daemon_free(&d);
	return rc;
}
