#!/bin/bash
# Golden config tests (TAP). For every tests/config/NN-name.conf, run
#   vipd -n -v -c NN-name.conf
# from inside tests/config (so messages name the bare file) and compare the
# combined stdout+stderr with NN-name.out and the exit status with the
# "# exit: N" first line of the .conf. Then check that etc/vipd.conf loads.
#
# top_srcdir / top_builddir come from `make check`; run by hand they
# default to the tree this script is in (an in-tree build).
#
# To regenerate an expected output after an intended change:
#   GOLDEN_UPDATE=1 tests/config/golden.sh   (then review the diff)
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/../..}
top_builddir=${top_builddir:-$top_srcdir}
vipd=$(cd "$top_builddir/src" 2>/dev/null && pwd)/vipd
confdir=$top_srcdir/tests/config

if [ ! -x "$vipd" ]; then
	echo "1..0 # SKIP $vipd not built"
	exit 0
fi

cases=()
for f in "$confdir"/[0-9][0-9]-*.conf; do
	[ -e "$f" ] && cases+=("$(basename "$f" .conf)")
done
echo "1..$(( ${#cases[@]} + 1 ))"

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
n=0
fails=0

for c in "${cases[@]}"; do
	n=$((n + 1))
	want_rc=$(sed -n '1s/^# exit: *\([0-9][0-9]*\).*/\1/p' "$confdir/$c.conf")
	(cd "$confdir" && exec "$vipd" -n -v -c "$c.conf") >"$tmp" 2>&1
	rc=$?
	if [ -n "${GOLDEN_UPDATE:-}" ]; then
		cp "$tmp" "$confdir/$c.out"
	fi
	problem=
	if [ -z "$want_rc" ]; then
		problem="first line of $c.conf must be '# exit: N'"
	elif [ "$rc" != "$want_rc" ]; then
		problem="exit status $rc, expected $want_rc"
	elif [ ! -f "$confdir/$c.out" ]; then
		problem="$c.out is missing"
	elif ! cmp -s "$tmp" "$confdir/$c.out"; then
		problem="output differs from $c.out"
	fi
	if [ -z "$problem" ]; then
		echo "ok $n - $c"
	else
		fails=$((fails + 1))
		echo "not ok $n - $c"
		echo "# $problem"
		if [ -f "$confdir/$c.out" ]; then
			diff -u "$confdir/$c.out" "$tmp" | sed 's/^/# /'
		else
			sed 's/^/# /' "$tmp"
		fi
	fi
done

n=$((n + 1))
if out=$("$vipd" -n -c "$top_srcdir/etc/vipd.conf" 2>&1); then
	echo "ok $n - etc/vipd.conf is valid"
else
	fails=$((fails + 1))
	echo "not ok $n - etc/vipd.conf is valid"
	printf '%s\n' "$out" | sed 's/^/# /'
fi

[ "$fails" -eq 0 ]
