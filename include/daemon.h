/*
 * daemon: the running vipd: event loop, signals, control socket and one
 * struct vip per configured VIP. daemon_run() takes ownership of `cfg`,
 * returns 0 after a clean shutdown (SIGTERM/SIGINT: held VIPs released) and
 * -1 if start-up failed (logged).
 */
#ifndef VIPD_DAEMON_H
#define VIPD_DAEMON_H

#include "config.h"

int daemon_run(struct vipd_config *cfg, const char *path);

#endif
