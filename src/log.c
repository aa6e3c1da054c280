/* log: stderr logging, journald-aware (see log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static bool debug_on;
static bool journal;

/* systemd sets JOURNAL_STREAM to the "device:inode" of the stream it gave
 * us as stdout/stderr. A shell or a terminal started from a service inherits
 * the variable with a stderr of its own, so systemd.exec(5) asks for the
 * comparison: only the journal's own stream gets "<N>" prefixes. */
static bool
stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char extra;

	if (!v || sscanf(v, "%llu:%llu%c", &dev, &ino, &extra) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(bool debug)
{
	debug_on = debug;
	/* On the journal's stream sd-daemon(3) "<N>" prefixes carry the
	 * priority, and the journal adds the time. */
	journal = stderr_is_journal();
}

static void
vlog(int prio, const char *fmt, va_list ap)
{
	static const char *const words[] = {
		[LOG_ERR] = "error", [LOG_WARNING] = "warning",
		[LOG_NOTICE] = "notice", [LOG_INFO] = "info",
		[LOG_DEBUG] = "debug",
	};
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (journal) {
		fprintf(stderr, "<%d>%s\n", prio, msg);
	} else {
		struct timespec ts;
		struct tm tm;
		char when[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s: %s\n", when, ts.tv_nsec / 1000000,
		    words[prio], msg);
	}
	fflush(stderr);
}

#define LOG_FN(fn, prio)					\
void								\
fn(const char *fmt, ...)					\
{								\
	va_list ap;						\
	va_start(ap, fmt);					\
	vlog(prio, fmt, ap);					\
	va_end(ap);						\
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!debug_on)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

LOG_FN(log_info, LOG_INFO)
LOG_FN(log_notice, LOG_NOTICE)
LOG_FN(log_warn, LOG_WARNING)
LOG_FN(log_err, LOG_ERR)

