# shellcheck shell=bash disable=SC2154  # $tests is set by the caller
# The common start of the benchmarks that run on the seed cluster: where
# the sources and the build are (top_srcdir defaults to this checkout,
# top_builddir to top_srcdir), then tests/deps.sh (for installing what a
# benchmark needs), tests/lib/netns.sh, tests/lib/cluster.sh and
# tests/bench/lib.sh. The caller sets $tests (the
# tests/ directory) and sources this file:
#   tests=$(cd "$(dirname "$0")/.." && pwd)
#   . "$tests/bench/setup.sh"

[ -n "${top_srcdir:-}" ] || top_srcdir=$(cd "$tests/.." && pwd)
[ -n "${top_builddir:-}" ] || top_builddir=$top_srcdir
export top_srcdir top_builddir
# shellcheck source=tests/deps.sh
. "$tests/deps.sh"
# shellcheck source=tests/lib/netns.sh
. "$tests/lib/netns.sh"
# shellcheck source=tests/lib/cluster.sh
. "$tests/lib/cluster.sh"
# shellcheck source=tests/bench/lib.sh
. "$tests/bench/lib.sh"
