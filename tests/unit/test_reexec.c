/* Unit tests for reexec: when a VIP may be handed to the new code, which
 * file a re-exec runs, and what reexec_init() takes from the environment. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reexec.h"

static struct vip_status
status(bool holding, enum verdict v, bool reachable, enum node_role role,
    unsigned int agree)
{
	struct vip_status st;

	memset(&st, 0, sizeof(st));
	snprintf(st.name, sizeof(st.name), "mymaster");
	snprintf(st.reason, sizeof(st.reason), "the reason");
	st.holding = holding;
	st.verdict = v;
	st.node_reachable = reachable;
	st.role = role;
	st.n_sentinels = 3;
	st.majority = 2;
	st.agree = agree;
	st.reachable = 3;
	return st;
}

static void
test_settled_table(void **state)
{
	static const struct {
		const char *what;
		bool holding;
		enum verdict verdict;
		bool reachable;
		enum node_role role;
		unsigned int agree;
		bool settled;
		const char *why;	/* a substring of the explanation */
	} rows[] = {
		{ "held, master, 3/3 name us", true, VERDICT_HOLD, true,
		  NODE_ROLE_MASTER, 3, true, NULL },
		{ "held, master, 2/3 name us (one sentinel down)", true,
		  VERDICT_HOLD, true, NODE_ROLE_MASTER, 2, true, NULL },
		{ "held on an early claim: 1/3 name us yet", true,
		  VERDICT_HOLD, true, NODE_ROLE_MASTER, 1, false,
		  "1 of 3 Sentinels" },
		{ "held in a no-quorum hold-down: nobody answers", true,
		  VERDICT_HOLD, true, NODE_ROLE_MASTER, 0, false,
		  "fewer than the majority of 2" },
		{ "held through a dropped connection (redis-down-after)", true,
		  VERDICT_HOLD, false, NODE_ROLE_MASTER, 3, false,
		  "unreachable" },
		{ "held, release failed and is retried", true,
		  VERDICT_RELEASE, true, NODE_ROLE_REPLICA, 0, false,
		  "being released" },
		{ "held, role unknown", true, VERDICT_HOLD, true,
		  NODE_ROLE_UNKNOWN, 3, false, "unknown" },
		{ "released", false, VERDICT_RELEASE, true,
		  NODE_ROLE_REPLICA, 0, true, NULL },
		{ "fault", false, VERDICT_FAULT, false, NODE_ROLE_UNKNOWN, 0,
		  true, NULL },
		{ "hold wanted, adding failed (retried by the new code too)",
		  false, VERDICT_HOLD, true, NODE_ROLE_MASTER, 3, true, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct vip_status st = status(rows[i].holding, rows[i].verdict,
		    rows[i].reachable, rows[i].role, rows[i].agree);
		char why[512] = "";
		bool got = reexec_vip_settled(&st, why, sizeof(why));

		if (got != rows[i].settled)
			fail_msg("row %zu (%s): settled %d, want %d (%s)", i,
			    rows[i].what, got, rows[i].settled, why);
		if (rows[i].why && !strstr(why, rows[i].why))
			fail_msg("row %zu (%s): '%s' does not say '%s'", i,
			    rows[i].what, why, rows[i].why);
		if (!got && (!strstr(why, "mymaster") ||
		    !strstr(why, "the reason")))
			fail_msg("row %zu: '%s' names neither the VIP nor the "
			    "decision's reason", i, why);
	}
}

static void
test_resolve_paths(void **state)
{
	char out[PATH_MAX], longname[PATH_MAX + 10];

	(void)state;
	assert_int_equal(reexec_resolve("/usr/sbin/vipd", "/opt", NULL, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "/usr/sbin/vipd");
	assert_int_equal(reexec_resolve("./vipd", "/opt/x", NULL, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "/opt/x/vipd");
	assert_int_equal(reexec_resolve("src/vipd", "/build", NULL, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "/build/src/vipd");
	assert_int_equal(reexec_resolve("", "/", NULL, out, sizeof(out)),
	    -ENOENT);
	assert_int_equal(reexec_resolve(NULL, "/", NULL, out, sizeof(out)),
	    -ENOENT);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(reexec_resolve(longname, "/", NULL, out, sizeof(out)),
	    -ENAMETOOLONG);
	assert_int_equal(reexec_resolve("/usr/sbin/vipd", "/", NULL, out, 8),
	    -ENAMETOOLONG);
}

static void
write_file(const char *path, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs("#!/bin/sh\nexit 0\n", f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/* A bare name is searched in PATH as execvp(3) does: the first regular,
 * executable file; a directory or a non-executable file of that name earlier
 * in PATH does not count. */
static void
test_resolve_search(void **state)
{
	char tmpl[] = "/tmp/test_reexec.XXXXXX", path_env[512], out[PATH_MAX];
	char a[64], b[64], c[64], f[128];
	char *top = mkdtemp(tmpl);

	(void)state;
	assert_non_null(top);
	snprintf(a, sizeof(a), "%s/a", top);
	snprintf(b, sizeof(b), "%s/b", top);
	snprintf(c, sizeof(c), "%s/c", top);
	assert_int_equal(mkdir(a, 0755), 0);
	assert_int_equal(mkdir(b, 0755), 0);
	assert_int_equal(mkdir(c, 0755), 0);
	snprintf(f, sizeof(f), "%s/vipd-x", a);
	write_file(f, 0644);			/* not executable */
	snprintf(f, sizeof(f), "%s/vipd-x", b);
	assert_int_equal(mkdir(f, 0755), 0);	/* a directory */
	snprintf(f, sizeof(f), "%s/vipd-x", c);
	write_file(f, 0755);
	snprintf(path_env, sizeof(path_env), "/nonexistent:%s:%s:%s", a, b, c);

	assert_int_equal(reexec_resolve("vipd-x", "/", path_env, out,
	    sizeof(out)), 0);
	assert_string_equal(out, f);
	assert_int_equal(reexec_resolve("vipd-y", "/", path_env, out,
	    sizeof(out)), -ENOENT);
	/* A relative PATH entry is relative to the working directory. */
	assert_int_equal(reexec_resolve("vipd-x", top, "a:c", out,
	    sizeof(out)), 0);
	snprintf(f, sizeof(f), "%s/c/vipd-x", top);
	assert_string_equal(out, f);

	snprintf(f, sizeof(f), "%s/a/vipd-x", top);
	unlink(f);
	snprintf(f, sizeof(f), "%s/b/vipd-x", top);
	rmdir(f);
	snprintf(f, sizeof(f), "%s/c/vipd-x", top);
	unlink(f);
	rmdir(a);
	rmdir(b);
	rmdir(c);
	rmdir(top);
}

/* The version of the process that exec'd us comes from the environment
 * and is not passed on (to hooks, or to a later plain restart). */
static void
test_init(void **state)
{
	char *argv[] = { "/usr/sbin/vipd", "-c", "/etc/vipd/vipd.conf", NULL };

	(void)state;
	unsetenv(REEXEC_ENV);
	assert_int_equal(reexec_init(3, argv), 0);
	assert_null(reexec_from());
	assert_int_equal(setenv(REEXEC_ENV, "0.0.9", 1), 0);
	assert_int_equal(reexec_init(3, argv), 0);
	assert_string_equal(reexec_path(), "/usr/sbin/vipd");
	assert_non_null(reexec_from());
	assert_string_equal(reexec_from(), "0.0.9");
	assert_null(getenv(REEXEC_ENV));
	assert_int_equal(reexec_init(3, argv), 0);
	assert_null(reexec_from());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settled_table),
		cmocka_unit_test(test_resolve_paths),
		cmocka_unit_test(test_resolve_search),
		cmocka_unit_test(test_init),
	};

	return cmocka_run_group_tests_name("reexec", tests, NULL, NULL);
}
