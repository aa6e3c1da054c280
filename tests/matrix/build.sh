#!/bin/bash
# Build the third-party pieces of the test matrix into a cache, or reuse what
# an earlier run built there:
#   valkey-8.0.1   make BUILD_TLS=yes, installed in CACHE/valkey-8.0.1/bin
#                  (valkey-server, valkey-sentinel, valkey-cli)
#   hiredis-1.0.2  make USE_SSL=1, installed in CACHE/hiredis-1.0.2
#   hiredis-1.4.1  (libhiredis + libhiredis_ssl, headers, pkg-config files)
#
#   tests/matrix/build.sh CACHE COMPONENT...
#
# The sources are the unmodified release archives in $VIPD_THIRD_PARTY
# (default: ../shared/third_party next to the top of the source tree), with
# their checksums in SHA256SUMS there. Each archive is checked against that
# file before anything is unpacked. A component is rebuilt only when its
# stamp (the archive's checksum and the build options) differs from the one
# left by the last successful build.
#
# Exit status: 0 built or reused; 77 with a "SKIP: ..." line on stdout when
# the sources are absent (the matrix cannot run here, which is not a
# failure); 1 on anything else (a checksum mismatch, a failed build), with
# the end of the build log on stderr.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
third_party=${VIPD_THIRD_PARTY:-$top/../shared/third_party}

usage() { echo "usage: $0 CACHE valkey-8.0.1|hiredis-1.0.2|hiredis-1.4.1 ..." >&2; exit 1; }
[ $# -ge 2 ] || usage
cache=$1
shift

# The options each component is built with; part of its stamp.
build_opts() {
	case $1 in
	valkey-*) echo "BUILD_TLS=yes USE_REDIS_SYMLINKS=no" ;;
	hiredis-*) echo "USE_SSL=1" ;;
	*) return 1 ;;
	esac
}
for c in "$@"; do build_opts "$c" >/dev/null || usage; done

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "matrix: $*" >&2; exit 1; }

[ -d "$third_party" ] ||
	skip "third-party sources not found in $third_party (set VIPD_THIRD_PARTY)"
[ -r "$third_party/SHA256SUMS" ] || skip "$third_party/SHA256SUMS is missing"
for c in "$@"; do
	[ -r "$third_party/$c.tar.gz" ] || skip "$third_party/$c.tar.gz is missing"
done

mkdir -p "$cache"
cache=$(cd "$cache" && pwd -P)
# Two runs sharing a build directory take turns.
exec 9>"$cache/.lock"
flock 9

# checksum_ok NAME: the archive's sha256 is the one SHA256SUMS lists for it.
checksum_ok() {
	local name=$1 want have
	want=$(awk -v f="$name.tar.gz" '$2 == f || $2 == "*" f { print $1 }' "$third_party/SHA256SUMS")
	[ -n "$want" ] || fail "$name.tar.gz is not listed in $third_party/SHA256SUMS"
	have=$(sha256sum "$third_party/$name.tar.gz" | awk '{ print $1 }')
	[ "$have" = "$want" ] ||
		fail "$name.tar.gz: sha256 $have, SHA256SUMS says $want (corrupted or replaced archive)"
	echo "$have"
}

# run_logged LOG cmd...: run cmd with its output in LOG; on failure, the end
# of LOG on stderr.
run_logged() {
	local log=$1
	shift
	"$@" >>"$log" 2>&1 && return 0
	tail -n 40 "$log" >&2
	fail "failed: $* (full log: $log)"
}

# build NAME: unpack into CACHE/src, build, install into CACHE/NAME.
build() {
	local name=$1 sum stamp prefix src log t0 opts
	sum=$(checksum_ok "$name")
	opts=$(build_opts "$name")
	prefix="$cache/$name"
	# The prefix is written into hiredis's pkg-config files at build time.
	stamp="$sum $opts PREFIX=$prefix"
	if [ -f "$prefix/.stamp" ] && [ "$(cat "$prefix/.stamp")" = "$stamp" ]; then
		echo "matrix: $name: reusing the build in $prefix"
		return 0
	fi
	t0=$(date +%s)
	echo "matrix: $name: building into $prefix ($opts)"
	rm -rf "$prefix" "$cache/src/$name"
	mkdir -p "$cache/src"
	log="$cache/$name.build.log"
	: >"$log"
	tar -xzf "$third_party/$name.tar.gz" -C "$cache/src"
	src="$cache/src/$name"
	[ -d "$src" ] || fail "$name.tar.gz did not unpack into $name/"
	# hiredis's Makefile takes LIBRARY_PATH (where it installs the library)
	# from the environment, which may hold a compiler search path: always
	# give it on the command line (it reaches Valkey's bundled hiredis too).
	# shellcheck disable=SC2086  # opts is a list of make variables
	run_logged "$log" make -C "$src" -j2 LIBRARY_PATH=lib $opts PREFIX="$prefix"
	# shellcheck disable=SC2086
	run_logged "$log" make -C "$src" LIBRARY_PATH=lib $opts PREFIX="$prefix" install
	rm -rf "$src"
	echo "$stamp" >"$prefix/.stamp"
	echo "matrix: $name: built in $(($(date +%s) - t0)) s"
}

for c in "$@"; do
	build "$c"
done
