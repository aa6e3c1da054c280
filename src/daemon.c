/* daemon: not yet written */
#include "daemon.h"
int
daemon_run(struct vipd_config *cfg, const char *path)
{
	(void)path;
	config_free(cfg);
	return -1;
}
