#!/bin/sh
# Run vipd's libFuzzer targets; `make fuzz` builds them and calls this.
#
#   run.sh BINDIR SRCDIR WORKDIR [TARGET...]
#
# BINDIR holds fuzz_<target> binaries, SRCDIR is tests/fuzz in the source
# tree (corpus/<target>/ seeds and <target>.dict), WORKDIR a scratch
# directory: each target runs on a fresh copy of its seeds in
# WORKDIR/<target>/corpus (the seeds in the tree never change), for
# FUZZ_SECONDS seconds (default 60) under nice, one target at a time.
# Targets default to all five: config proto event ctl frame.
#
# Per target it prints the executions and either "no crash" or each crash
# file with its first bytes in hex and the sanitizer's report; the whole
# log stays in WORKDIR/<target>/log. Reproduce a crash with
#   BINDIR/fuzz_<target> WORKDIR/<target>/crash-...
# Exit status: 0 if no target crashed, 1 otherwise, 2 on a usage error.
set -u

if [ $# -lt 3 ]; then
	echo "usage: $0 BINDIR SRCDIR WORKDIR [TARGET...]" >&2
	exit 2
fi
bindir=$1 srcdir=$2 workdir=$3
shift 3
[ $# -gt 0 ] || set -- config proto event ctl frame
seconds=${FUZZ_SECONDS:-60}
case $seconds in
''|*[!0-9]*) echo "$0: FUZZ_SECONDS must be a number of seconds" >&2; exit 2 ;;
esac

# UBSan reports with a stack (they are fatal: -fno-sanitize-recover).
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export UBSAN_OPTIONS

failed=0
for t in "$@"; do
	bin=$bindir/fuzz_$t
	dir=$workdir/$t
	if [ ! -x "$bin" ] || [ ! -d "$srcdir/corpus/$t" ]; then
		echo "fuzz_$t: no such target ($bin, $srcdir/corpus/$t)" >&2
		exit 2
	fi
	rm -rf "$dir"
	mkdir -p "$dir/corpus"
	cp "$srcdir/corpus/$t/"* "$dir/corpus/"
	seeds=$(ls "$dir/corpus" | wc -l)
	dict=
	[ -f "$srcdir/$t.dict" ] && dict=-dict=$srcdir/$t.dict
	echo "fuzz_$t: $seconds s from $seeds seeds ..."
	nice -n 10 "$bin" -max_total_time="$seconds" -timeout=10 \
	    -print_final_stats=1 -artifact_prefix="$dir/" $dict \
	    "$dir/corpus" >"$dir/log" 2>&1
	rc=$?

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
	if [ -z "$execs" ]; then
		# Stopped by a crash: the last progress line has the count.
		execs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$dir/log" | tail -n 1)
	fi
	corpus=$(ls "$dir/corpus" | wc -l)
	crashes=$(ls "$dir" | grep -E '^(crash|leak|oom|timeout|slow-unit)-' || true)
	if [ $rc -eq 0 ] && [ -z "$crashes" ]; then
		echo "fuzz_$t: ${execs:-?} executions, corpus $seeds -> $corpus, no crash"
		continue
	fi
	failed=1
	echo "fuzz_$t: ${execs:-?} executions, exit $rc: CRASH"
	for c in $crashes; do
		echo "  $dir/$c ($(wc -c <"$dir/$c") bytes):"
		od -An -tx1 -v "$dir/$c" | head -n 8 | sed 's/^/   /'
	done
	# The report from its first line, without libFuzzer's own frames.
	sed -n '/^==[0-9]*==ERROR\|runtime error\|^fuzz_[a-z]*: \|ERROR: libFuzzer/,$p' \
	    "$dir/log" |
	    grep -v 'in fuzzer::\|in __sanitizer_print_stack\|libc_start\|in _start ' |
	    head -n 30 | sed 's/^/  | /'
done
exit $failed
