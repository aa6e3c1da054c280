/* Fixtures: a throw-away server on a loopback port (see srv_fixture.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "srv_fixture.h"

const char *
srv_binary(void)
{
	const char *bin = getenv("VIPD_REDIS_SERVER");

	return bin && *bin ? bin : "redis-server";
}

int
srv_free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int s = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s >= 0 && bind(s, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(s, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	if (s >= 0)
		close(s);
	return port;
}

bool
srv_port_open(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port) };
	int s = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = s >= 0 && connect(s, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	if (s >= 0)
		close(s);
	return ok;
}

pid_t
srv_spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

int
srv_wait(pid_t *pid, const int *ports)
{
	int status, i, p;

	for (i = 0; *pid > 0 && i < 500; i++) {
		if (waitpid(*pid, &status, WNOHANG) == *pid) {
			*pid = 0;
			return WIFEXITED(status) && WEXITSTATUS(status) == 127 ?
			    0 : -1;
		}
		for (p = 0; ports[p] && srv_port_open(ports[p]); p++)
			;
		if (!ports[p])
			return 1;
		usleep(10000);
	}
	return -1;
}

void
srv_stop(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGCONT);
	kill(*pid, SIGTERM);
	waitpid(*pid, NULL, 0);
	*pid = 0;
}
