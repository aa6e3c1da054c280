#!/bin/bash
# The test matrix: vipd against what the seed deployment runs, built from
# the release archives in $VIPD_THIRD_PARTY (default ../shared/third_party
# next to the source tree) into a cache in the build directory
# (tests/matrix/build.sh; a second run reuses it):
#
#   hiredis 1.0.2  the whole `make check` in a build directory of its own
#                  ($build-hiredis-1.0.2), configured against hiredis 1.0.2
#                  built with USE_SSL=1 (so with TLS); the unit tests' Redis
#                  is Debian's
#   Valkey 8.0.1   in that same build, test_tls and the integration tests
#                  cluster.sh, chaos.sh, hostile.sh, tls.sh, chaos-tls.sh,
#                  chaos-names.sh and scale-tls.sh with valkey-server,
#                  valkey-sentinel and valkey-cli: the seed's own stack
#   hiredis 1.4.1  test_tls (the non-blocking handshake and its messages)
#                  against the newest 1.x, with Valkey's server
#   configure      refuses a hiredis whose headers are not those of the
#                  library pkg-config links
#
#   sudo tests/matrix/run.sh        (tests/check.sh runs it after its own run)
#
# Environment: VIPD_BUILD_DIR (default <top>/build; the cache is in
# $VIPD_BUILD_DIR/matrix), VIPD_THIRD_PARTY, MATRIX_LEGS (default
# "configure hiredis-1.0.2 valkey hiredis-1.4.1").
#
# When the sources are absent it prints "SKIP: ..." and exits 0: the matrix
# did not run, which CI's log shows, and which is not a failure. Any leg
# that fails makes the exit status 1 after all legs ran; each failed leg's
# test-suite log is printed.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${VIPD_BUILD_DIR:-$top/build}
cache=$build/matrix
legs=${MATRIX_LEGS:-configure hiredis-1.0.2 valkey hiredis-1.4.1}
failed=()

say() { echo "matrix: $*"; }
leg_failed() { failed+=("$1"); say "$1: FAILED${2:+ ($2)}"; }

# shellcheck source=tests/deps.sh
. "$top/tests/deps.sh"
deps_install || exit 1

t0=$SECONDS
"$top/tests/matrix/build.sh" "$cache" valkey-8.0.1 hiredis-1.0.2 hiredis-1.4.1
rc=$?
if [ $rc -eq 77 ]; then
	echo "SKIP: the test matrix (Valkey 8.0.1, hiredis 1.0.2 and 1.4.1) did not run: no sources"
	exit 0
fi
[ $rc -eq 0 ] || { say "building the third-party pieces failed"; exit 1; }

[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh >/dev/null) || { say "autogen.sh failed"; exit 1; }
valkey=$cache/valkey-8.0.1/bin
export_valkey() {
	export VIPD_REDIS_SERVER=$valkey/valkey-server VIPD_REDIS_SENTINEL=$valkey/valkey-sentinel
	export VIPD_REDIS_CLI=$valkey/valkey-cli VIPD_REDIS_BENCHMARK=$valkey/valkey-benchmark
}

# configure_against HIREDIS DIR [configure args]: a build directory for vipd
# against the cached hiredis; the rpath finds the library at run time.
configure_against() {
	local hr=$cache/$1 dir=$2
	shift 2
	mkdir -p "$dir" && cd "$dir" || return 1
	PKG_CONFIG_PATH=$hr/lib/pkgconfig "$top/configure" -q "$@" \
		LDFLAGS="-Wl,-rpath,$hr/lib" || return 1
	# A build with hiredis_ssl must have found it: the point of the leg.
	grep -q -- '-DHAVE_HIREDIS_SSL=1' Makefile || { say "$1: configure found no hiredis_ssl"; return 1; }
}

# show_log FILE: a failed leg's test-suite log, for CI's log.
show_log() { [ -f "$1" ] && { echo "== $1"; cat "$1"; }; }

leg_configure() {
	local fake=$cache/fake-pc dir=$build-matrix-configure out
	# hiredis.pc of the 1.0.2 build, but pointing at Debian's 0.14
	# headers: what a second hiredis next to the system's looks like.
	mkdir -p "$fake" "$dir"
	sed -e "s|^includedir=.*|includedir=/usr/include/hiredis|" \
		"$cache/hiredis-1.0.2/lib/pkgconfig/hiredis.pc" >"$fake/hiredis.pc"
	[ -f /usr/include/hiredis/hiredis.h ] || { say "configure: no /usr/include/hiredis: check skipped"; return 0; }
	if out=$(cd "$dir" && PKG_CONFIG_PATH=$fake "$top/configure" -q 2>&1); then
		leg_failed configure "configure accepted 0.14 headers with the 1.0.2 library"
	elif grep -q "is hiredis 0.14, but pkg-config links hiredis 1.0.2" <<<"$out"; then
		say "configure: refuses 0.14 headers with the 1.0.2 library: ok"
	else
		leg_failed configure "expected the header/library mismatch error, got: $out"
	fi
	rm -rf "$dir"
}

leg_hiredis_102() {
	local dir=$build-hiredis-1.0.2 s=$SECONDS
	( configure_against hiredis-1.0.2 "$dir" && make -j2 >/dev/null ) ||
		{ leg_failed hiredis-1.0.2 "configure or build"; return; }
	if (cd "$dir" && make check >"$dir/matrix-check.out" 2>&1); then
		say "hiredis-1.0.2: make check passed ($((SECONDS - s)) s)"
		grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' "$dir/matrix-check.out"
	else
		grep -E '^(FAIL|ERROR|# [A-Z]+:)' "$dir/matrix-check.out"
		show_log "$dir/test-suite.log"
		leg_failed hiredis-1.0.2 "make check, $((SECONDS - s)) s"
	fi
}

leg_valkey() {
	local dir=$build-hiredis-1.0.2 s=$SECONDS
	local tests="tests/unit/test_tls tests/net/cluster.sh tests/net/chaos.sh tests/net/hostile.sh
		tests/net/tls.sh tests/net/chaos-tls.sh tests/net/chaos-names.sh tests/net/scale-tls.sh"
	[ -x "$dir/src/vipd" ] || ( configure_against hiredis-1.0.2 "$dir" && make -j2 >/dev/null ) ||
		{ leg_failed valkey "configure or build"; return; }
	say "valkey: $("$valkey/valkey-server" --version | cut -d' ' -f1-3) with vipd on hiredis 1.0.2: $tests"
	# the chaos suite's figures on Valkey, one TSV line per scenario
	: >"$dir/chaos-valkey.tsv"
	if (cd "$dir" && export_valkey && export CHAOS_REPORT=$dir/chaos-valkey.tsv &&
		make check TESTS="$tests" TEST_SUITE_LOG=valkey-suite.log >"$dir/matrix-valkey.out" 2>&1); then
		say "valkey: passed ($((SECONDS - s)) s)"
		grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' "$dir/matrix-valkey.out"
		chaos_figures "$dir/chaos-valkey.tsv"
	else
		chaos_figures "$dir/chaos-valkey.tsv"
		grep -E '^(FAIL|ERROR|# [A-Z]+:)' "$dir/matrix-valkey.out"
		show_log "$dir/valkey-suite.log"
		leg_failed valkey "$((SECONDS - s)) s"
	fi
}

# chaos_figures TSV: the chaos suite's per-scenario figures, for CI's log
# (columns as CHAOS_REPORT in tests/net/chaos.sh).
chaos_figures() {
	[ -s "$1" ] || return 0
	say "valkey: chaos suite figures (id, scenario, release ms, claim ms, max gap ms, lost to the VIP," \
		"lost to replication, acks by a non-named node, two-holder samples, overlap ms, acks):"
	sed 's/^/  /' "$1"
}

leg_hiredis_141() {
	local dir=$build-hiredis-1.4.1
	( configure_against hiredis-1.4.1 "$dir" && make -j2 tests/unit/test_tls >/dev/null ) ||
		{ leg_failed hiredis-1.4.1 "configure or build"; return; }
	if (cd "$dir" && export_valkey && CMOCKA_MESSAGE_OUTPUT=TAP top_srcdir=$top \
		bash "$top/build-aux/tap-skipfix.sh" tests/unit/test_tls >"$dir/matrix-tls.out" 2>&1); then
		say "hiredis-1.4.1: test_tls passed ($(grep -c '^ok' "$dir/matrix-tls.out") ok, $(grep -c '# SKIP' "$dir/matrix-tls.out") skipped)"
	else
		cat "$dir/matrix-tls.out"
		leg_failed hiredis-1.4.1 test_tls
	fi
}

for leg in $legs; do
	case $leg in
	configure) leg_configure ;;
	hiredis-1.0.2) leg_hiredis_102 ;;
	valkey) leg_valkey ;;
	hiredis-1.4.1) leg_hiredis_141 ;;
	*) say "unknown leg $leg"; exit 1 ;;
	esac
done

say "$((SECONDS - t0)) s in all"
[ ${#failed[@]} -eq 0 ] || { say "failed legs: ${failed[*]}"; exit 1; }
