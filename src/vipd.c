/*
 * vipd: keep a floating IP on the Redis master that Sentinel has chosen.
 * Always runs in the foreground (systemd style); see vipd(8).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "reexec.h"

#define DEFAULT_CONFIG	SYSCONFDIR "/vipd/vipd.conf"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: vipd [-dhnvV] [-c file]\n"
	    "  -c file  configuration file (default " DEFAULT_CONFIG ")\n"
	    "  -d       debug logging: every input and every verdict\n"
	    "  -n       check the configuration and exit\n"
	    "  -v       with -n: print the effective configuration\n"
	    "  -h       this help\n"
	    "  -V       print the version\n");
}

/* After a SIGUSR2 upgrade: say that the new code runs, in the same
 * process. */
static void
log_reexec(void)
{
	if (reexec_from())
		log_notice("vipd %s re-executed in place from vipd %s "
		    "(pid %d): keeping the VIPs it holds if its first "
		    "decision says hold", PACKAGE_VERSION, reexec_from(),
		    (int)getpid());
}

int
main(int argc, char *argv[])
{
	const char *path = DEFAULT_CONFIG;
	bool check = false, verbose = false, debug = false;
	struct vipd_config *cfg;
	int ch, rc;

	/* First, while the working directory and PATH are the ones vipd was
	 * started with: SIGUSR2 re-executes the path argv[0] names then. */
	reexec_init(argc, argv);
	while ((ch = getopt(argc, argv, "c:dhnvV")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			debug = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'n':
			check = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'V':
			printf("vipd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vipd: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		return 1;
	}

	cfg = config_load(path, stderr);
	if (!cfg)
		return 1;
	if (check) {
		if (verbose)
			config_print(cfg, stdout);
		config_free(cfg);
		return 0;
	}

	log_init(debug);
	log_reexec();
	rc = daemon_run(cfg, path);
	return rc == 0 ? 0 : 1;
}
