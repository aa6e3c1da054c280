#!/bin/bash
# Build vipd from a clean tree and run every test: unit tests (cmocka),
# config golden files, and the integration tests in private network
# namespaces with real redis-server and redis-sentinel (root), then
# `make distcheck`, then the packages (tests/pkg/), then the test matrix
# (tests/matrix/run.sh). Installs the Debian packages it needs first.
#
#   sudo tests/check.sh            # everything
#   sudo tests/check.sh --no-dist  # skip make distcheck
#   VIPD_NO_PKG=1 tests/check.sh   # skip the packages
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${VIPD_BUILD_DIR:-$top/build}
dist=1
[ "${1:-}" = --no-dist ] && dist=0

# shellcheck source=tests/deps.sh
. "$top/tests/deps.sh"
deps_install

cd "$top"
./autogen.sh >/dev/null
mkdir -p "$build"
cd "$build"
"$top/configure" -q
make -j"$(nproc)"

# The chaos scenarios' figures (chaos.sh, chaos-names.sh, chaos-tls.sh),
# one TSV line each, printed after the run for the README's tables.
report=$build/chaos-report.tsv
: >"$report"
status=0
CHAOS_REPORT=$report make check || status=$?
if [ "$status" -ne 0 ]; then
	echo "== make check failed; test-suite.log follows" >&2
	cat test-suite.log >&2 || true
	exit "$status"
fi
if [ -s "$report" ]; then
	echo "== chaos figures ($report): id, scenario, release ms, claim ms, max write gap ms," \
		"acked writes lost to the VIP, lost to replication, acks by a non-named node," \
		"two-holder samples, overlap ms, acks"
	sed 's/^/  /' "$report"
fi

# AddressSanitizer + UBSan (errors abort): every unit test and one
# integration run of the seed cluster, with its own build directory.
if [ "${VIPD_NO_SANITIZE:-0}" != 1 ]; then
	san="$build-sanitize"
	mkdir -p "$san"
	(
		cd "$san"
		"$top/configure" -q --enable-sanitizers
		make -j"$(nproc)" >/dev/null
		units=$(cd "$top" && ls tests/unit/test_*.c | sed 's/\.c$//' | tr '\n' ' ')
		ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		CLUSTER_SCENARIOS=short \
			make check TESTS="$units tests/net/cluster.sh"
	) || {
		echo "== sanitizer run failed; $san/test-suite.log follows" >&2
		cat "$san/test-suite.log" >&2 || true
		exit 1
	}
fi

if [ "$dist" -eq 1 ]; then
	# The integration tests already ran above against this tree; the
	# distcheck run proves the tarball builds and passes the rest.
	VIPD_SKIP_NET=1 make distcheck DISTCHECK_CONFIGURE_FLAGS=-q >distcheck.log 2>&1 || {
		tail -50 distcheck.log >&2
		echo "== make distcheck failed (full log: $build/distcheck.log)" >&2
		exit 1
	}
	echo "make distcheck: ok"
fi

# The packages: the .deb built from the release tarball, checked by lintian
# and installed into a scratch root (tests/pkg/deb.sh); the RPM spec
# expanded and built with `rpmbuild -ta --nodeps` (tests/pkg/rpm.sh). Their
# tools are Debian packages, installed like the rest; where they are
# missing each script says SKIP and why.
if [ "${VIPD_NO_PKG:-0}" != 1 ]; then
	deps_install_pkg || echo "== packaging tools missing; tests/pkg will say what it skips" >&2
	for t in deb rpm; do
		log="$build/pkg-$t.log"
		rc=0
		top_builddir="$build" bash "$top/tests/pkg/$t.sh" >"$log" 2>&1 || rc=$?
		if [ "$rc" -ne 0 ]; then
			cat "$log" >&2
			echo "== tests/pkg/$t.sh failed (log: $log)" >&2
			exit 1
		fi
		if grep -q '^1\.\.0 # SKIP' "$log"; then
			echo "tests/pkg/$t.sh: $(sed -n 's/^1\.\.0 # //p' "$log")"
			continue
		fi
		echo "tests/pkg/$t.sh: $(grep '^ok' "$log" | grep -vc '# SKIP') passed, 0 failed," \
			"$(grep -c '^ok.*# SKIP' "$log") skipped"
	done
fi

# The matrix (Valkey 8.0.1, hiredis 1.0.2 and 1.4.1 from ../shared/third_party,
# cached in $build/matrix): a visible SKIP without the sources.
VIPD_BUILD_DIR=$build "$top/tests/matrix/run.sh"
