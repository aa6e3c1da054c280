/*
 * Fixtures for unit tests that need a real server on a loopback port: the
 * server binary ($VIPD_REDIS_SERVER, default redis-server: the test matrix
 * gives Valkey's), a free port, starting it with the test's arguments and
 * waiting until it listens, stopping it.
 */
#ifndef VIPD_TEST_SRV_FIXTURE_H
#define VIPD_TEST_SRV_FIXTURE_H

#include <stdbool.h>
#include <sys/types.h>

/* $VIPD_REDIS_SERVER, or redis-server when it is unset or empty. */
const char *srv_binary(void);
/* A free loopback port (bind to 0, let the kernel choose; racy in theory,
 * a server that cannot bind it exits and the test says so), -1 on error. */
int srv_free_port(void);
bool srv_port_open(int port);
/* fork + exec argv (PATH searched), its output appended to log; the pid or
 * -1. The child exits 127 when argv[0] cannot be run. */
pid_t srv_spawn(char *const argv[], const char *log);
/* Wait up to 5 s until every port of ports (ending with 0) accepts: 1; 0
 * if the program is not installed (exit 127), -1 if it exited otherwise or
 * did not listen in time. *pid is 0 once the process is reaped. */
int srv_wait(pid_t *pid, const int *ports);
/* SIGCONT (a stopped server must see the TERM), SIGTERM, reap; NULL-safe
 * on *pid == 0. */
void srv_stop(pid_t *pid);

#endif
