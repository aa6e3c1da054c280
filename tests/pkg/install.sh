#!/bin/bash
# `make install DESTDIR=...` as a packager runs it: every file lands where
# the FHS and systemd expect it (the unit and the sysusers.d file where
# configure put them: systemd's pkg-config directories by default), the unit
# names the installed paths, the installed example configuration is valid
# for the installed vipd, a second `make install` keeps an edited
# configuration, and each man page renders with `man -l` without a warning.
# No root needed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

tests=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib/netns.sh
. "$tests/lib/netns.sh"

[ -n "${top_builddir:-}" ] || tap_skip_all "run from make check (top_builddir unset)"
mk() { make -s -C "$top_builddir" "$@" >>"$dest/make.log" 2>&1; }
prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
sysconfdir=$(sed -n 's/^sysconfdir = //p' "$top_builddir/Makefile")
sysconfdir=${sysconfdir//\$\{prefix\}/$prefix}
mkvar() { sed -n "s/^$1 = //p" "$top_builddir/Makefile" | sed "s|\${prefix}|$prefix|; s|\$(prefix)|$prefix|"; }
unitdir=$(mkvar systemdsystemunitdir)
sysusersdir=$(mkvar sysusersdir)
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

check "make install DESTDIR=... succeeds" mk install DESTDIR="$dest"
for f in sbin/vipd bin/vipctl; do
	check "$prefix/$f installed, executable" test -x "$dest$prefix/$f"
done
for f in "$unitdir/vipd.service" "$sysusersdir/vipd.conf" \
	"$prefix/share/man/man8/vipd.8" "$prefix/share/man/man8/vipctl.8" \
	"$prefix/share/man/man5/vipd.conf.5"; do
	check "$f installed" test -s "$dest$f"
done
check "$sysconfdir/vipd/vipd.conf installed" test -s "$dest$sysconfdir/vipd/vipd.conf"

unit=$dest$unitdir/vipd.service
check "the unit starts $prefix/sbin/vipd with $sysconfdir/vipd/vipd.conf" \
	grep -qx "ExecStart=$prefix/sbin/vipd -c $sysconfdir/vipd/vipd.conf" "$unit"
check "no @placeholder@ is left in the unit" bash -c "! grep -q '@[a-z]*@' '$unit'"
if command -v systemd-analyze >/dev/null; then
	# verify wants the binaries at the unit's paths: check a copy that
	# points into DESTDIR. Only warnings about this unit count.
	sed "s|$prefix/sbin/|$dest$prefix/sbin/|g; s|$prefix/bin/|$dest$prefix/bin/|g; s|$sysconfdir/|$dest$sysconfdir/|g" "$unit" \
		>"$dest/vipd.service"
	out=$(systemd-analyze verify --man=no "$dest/vipd.service" 2>&1 | grep -F "vipd.service")
	check "systemd-analyze verify has nothing to say about the unit${out:+: $out}" test -z "$out"
else
	skip "systemd-analyze is not installed"
fi

check "the installed vipd accepts the installed example configuration" \
	"$dest$prefix/sbin/vipd" -n -c "$dest$sysconfdir/vipd/vipd.conf"
check "the unit reloads through vipctl (which fails when the file is refused)" \
	grep -qx "ExecReload=$prefix/bin/vipctl reload" "$unit"
conf=$dest$sysconfdir/vipd/vipd.conf
echo "# edited by the operator" >>"$conf"
check "a second make install keeps an edited $sysconfdir/vipd/vipd.conf" \
	bash -c "make -s -C '$top_builddir' install DESTDIR='$dest' >>'$dest/make.log' 2>&1 &&
		tail -n 1 '$conf' | grep -qx '# edited by the operator'"
check "make uninstall keeps the edited configuration" \
	bash -c "make -s -C '$top_builddir' uninstall DESTDIR='$dest' >>'$dest/make.log' 2>&1 &&
		test -s '$conf' && test ! -e '$dest$prefix/sbin/vipd'"
rm -f "$conf"
check "make install again (the example back in place)" mk install DESTDIR="$dest"
check "the installed vipctl prints its usage" \
	bash -c "'$dest$prefix/bin/vipctl' --help | grep -q '^usage: vipctl'"

if command -v man >/dev/null && command -v groff >/dev/null; then
	for m in man8/vipd.8 man8/vipctl.8 man5/vipd.conf.5; do
		page=$dest$prefix/share/man/$m
		warn=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
		check "man -l $m renders without warnings${warn:+: $warn}" test -z "$warn"
		check "man -l $m has a NAME and a SYNOPSIS or DESCRIPTION" \
			bash -c "MANWIDTH=80 man -l '$page' 2>/dev/null | grep -q '^NAME' &&
				MANWIDTH=80 man -l '$page' 2>/dev/null | grep -Eq '^(SYNOPSIS|DESCRIPTION)'"
	done
else
	skip "man or groff is not installed"
fi

check "make uninstall DESTDIR=... leaves no file behind" \
	bash -c "make -s -C '$top_builddir' uninstall DESTDIR='$dest' >>'$dest/make.log' 2>&1 &&
		test -z \"\$(find '$dest$prefix' '$dest$unitdir' '$dest$sysusersdir' '$dest$sysconfdir' -type f 2>/dev/null)\""
tap_done
