/*
 * sdnotify: the systemd notify protocol (sd_notify(3)) in a few lines of our
 * own: one datagram of "KEY=VALUE" lines to $NOTIFY_SOCKET (a path, or an
 * abstract socket when it starts with '@'). Not worth a libsystemd
 * dependency for three messages. Without $NOTIFY_SOCKET every call is a
 * no-op returning 0. Returns 0 or -errno.
 */
#ifndef VIPD_SDNOTIFY_H
#define VIPD_SDNOTIFY_H

#include <stdint.h>

int sdnotify(const char *state);	/* e.g. "READY=1" */
/* Watchdog interval requested by systemd in ms (WatchdogSec=), 0 if none
 * or not meant for this process. */
uint64_t sdnotify_watchdog_ms(void);

#endif
