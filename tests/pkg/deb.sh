#!/bin/bash
# The Debian package, built and installed the way an operator gets it:
#
#   1. `dpkg-buildpackage -us -uc -b` on the release tarball (`make dist` in
#      $top_builddir; without it, a copy of the working tree), with its
#      dh_auto_test: unit tests and golden files, integration tests skipped;
#   2. lintian: no error (each warning is printed);
#   3. the .deb's layout: the unit where systemd's pkg-config says units go,
#      the sysusers.d file, /etc/vipd/vipd.conf as a conffile holding only
#      documentation and loopback addresses and accepted by the packaged
#      `vipd -n`, the binaries, the man pages, the licence;
#   4. the maintainer scripts dh generated, run with stand-ins for
#      systemctl, deb-systemd-invoke, deb-systemd-helper and systemd-sysusers
#      (which record their arguments) and /run/systemd/system present in a
#      private mount namespace: a first installation starts nothing by
#      itself, an upgrade neither stops nor restarts vipd and sends SIGUSR2
#      to a running one, a removal stops it;
#   5. a real `dpkg --root=SCRATCH --force-script-chrootless -i`: the
#      maintainer scripts run for real with DPKG_ROOT=SCRATCH, so
#      systemd-sysusers creates the vipd user in SCRATCH/etc/passwd (never
#      in this machine's); an upgrade to a newer version keeps an edited
#      conffile; `dpkg --purge` leaves no package file behind.
# Nothing is installed on this machine. Root (dpkg --root, unshare);
# about two minutes (most of it the build and its tests).
#
# Environment: top_builddir (set by make check and tests/check.sh) to build
# from `make dist`; DEB_KEEP=1 keeps the work directory.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

tests=$(cd "$(dirname "$0")/.." && pwd)
top=$(cd "$tests/.." && pwd)
# shellcheck source=tests/lib/netns.sh
. "$tests/lib/netns.sh"

for t in dpkg-buildpackage dh lintian dpkg-deb fakeroot; do
	command -v "$t" >/dev/null ||
		tap_skip_all "$t is not installed (apt-get install debhelper lintian fakeroot)"
done
[ "$(id -u)" -eq 0 ] || tap_skip_all "needs root (dpkg --root, unshare -m)"

work=$(mktemp -d "${TMPDIR:-/tmp}/vipd-deb.XXXXXX")
remove_work() {
	if [ "${DEB_KEEP:-0}" = 1 ] || [ "$TAP_FAILED" -gt 0 ]; then
		echo "# work directory kept: $work" >&2
	else
		rm -rf "$work"
	fi
}
NS_CLEANUP_HOOKS+=(remove_work)
bail() { not_ok "$*"; tap_done; exit 1; }

# --- 1. build ---------------------------------------------------------------
if [ -n "${top_builddir:-}" ] && [ -f "$top_builddir/Makefile" ]; then
	make -s -C "$top_builddir" dist >"$work/dist.log" 2>&1 || bail "make dist in $top_builddir"
	tarball=$(ls -t "$top_builddir"/vipd-*.tar.gz | head -n 1)
	tar -xzf "$tarball" -C "$work" || bail "unpack $tarball"
	src=$(ls -d "$work"/vipd-*/)
	diag "building from the release tarball $(basename "$tarball")"
else
	src=$work/vipd-tree/
	mkdir -p "$src"
	# Tracked and untracked files, not what .gitignore names (build trees).
	(cd "$top" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$src") ||
		bail "copy the working tree"
	diag "building from a copy of the working tree (top_builddir unset)"
fi
t0=$(date +%s)
(cd "$src" && DEB_BUILD_OPTIONS=parallel=2 dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1
rc=$?
check "dpkg-buildpackage -us -uc -b succeeds ($(($(date +%s) - t0)) s)" test "$rc" = 0
[ "$rc" = 0 ] || { tail -40 "$work/build.log" | sed 's/^/#   /'; bail "no package to check"; }
debs=("$work"/vipd_*.deb)
check "it makes one package: $(basename "${debs[0]}")" test ${#debs[@]} = 1 -a -f "${debs[0]}"
deb=${debs[0]}
changes=$(ls "$work"/vipd_*.changes)
check "dh_auto_test ran the unit tests (test_decide passed)" \
	grep -q '^PASS: tests/unit/test_decide' "$work/build.log"
check "dh_auto_test ran no integration test (tests/net/cluster.sh skipped)" \
	grep -q '^SKIP: tests/net/cluster.sh' "$work/build.log"
check "dh_auto_test had no failure" grep -q '^# FAIL: *0$' "$work/build.log"

# --- 2. lintian ---------------------------------------------------------------
lintian --fail-on error "$changes" >"$work/lintian.out" 2>&1
rc=$?
sed -n 's/^\([EW]\): /\1: /p' "$work/lintian.out" | sed 's/^/# lintian: /'
nerr=$(grep -c '^E:' "$work/lintian.out")
nwarn=$(grep -c '^W:' "$work/lintian.out")
check "lintian reports no error ($nerr errors, $nwarn warnings)" test "$rc" = 0

# --- 3. layout ----------------------------------------------------------------
x=$work/x
dpkg-deb -x "$deb" "$x" || bail "dpkg-deb -x"
dpkg-deb -e "$deb" "$x/DEBIAN" || bail "dpkg-deb -e"
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
unitdir=${unitdir:-/lib/systemd/system}
unit=$x$unitdir/vipd.service
check "the unit is in $unitdir, where systemd looks" test -s "$unit"
check "the unit runs /usr/sbin/vipd -c /etc/vipd/vipd.conf" grep -qx 'ExecStart=/usr/sbin/vipd -c /etc/vipd/vipd.conf' "$unit"
check "the unit reloads with /usr/bin/vipctl reload" grep -qx 'ExecReload=/usr/bin/vipctl reload' "$unit"
check "the unit runs as user vipd" grep -qx 'User=vipd' "$unit"
check "/usr/lib/sysusers.d/vipd.conf creates the user vipd" grep -q '^u vipd ' "$x/usr/lib/sysusers.d/vipd.conf"
check "/etc/vipd/vipd.conf is the package's one conffile" \
	test "$(cat "$x/DEBIAN/conffiles" 2>/dev/null)" = /etc/vipd/vipd.conf
for f in usr/sbin/vipd usr/bin/vipctl; do
	check "/$f is installed, executable" test -x "$x/$f"
done
version=$(dpkg-deb -f "$deb" Version)
check "vipd -V says ${version%-*}, the package's upstream version" \
	test "$("$x/usr/sbin/vipd" -V)" = "vipd ${version%-*}"
for m in man8/vipd.8 man8/vipctl.8 man5/vipd.conf.5; do
	check "/usr/share/man/$m.gz is installed" test -s "$x/usr/share/man/$m.gz"
done
check "the packaged vipd accepts the packaged example configuration" \
	"$x/usr/sbin/vipd" -n -c "$x/etc/vipd/vipd.conf"
# Every address the example uses (comments included): documentation ranges
# (RFC 5737, RFC 3849) or loopback, so it can never claim a real address.
addrs=$(grep -oE '([0-9]{1,3}\.){3}[0-9]{1,3}|[0-9a-fA-F]{1,4}(:[0-9a-fA-F]{0,4}){2,7}' "$x/etc/vipd/vipd.conf" | sort -u)
bad=$(echo "$addrs" | grep -vE '^(192\.0\.2\.|198\.51\.100\.|203\.0\.113\.|127\.|2001:db8:)' | grep . | tr '\n' ' ')
check "the example uses documentation and loopback addresses only ($(echo "$addrs" | grep -c .) found${bad:+; not: $bad})" \
	test -z "$bad" -a -n "$addrs"
check "the licence is stated: ISC in /usr/share/doc/vipd/copyright" \
	grep -q '^License: ISC' "$x/usr/share/doc/vipd/copyright"
check "no init.d script, no preinst: nothing stops vipd before an upgrade" \
	test ! -e "$x/etc/init.d/vipd" -a ! -e "$x/DEBIAN/preinst"

# --- 4. the maintainer scripts, with stand-ins ----------------------------------
fake=$work/fake
mkdir -p "$fake"
for tool in systemctl deb-systemd-invoke deb-systemd-helper systemd-sysusers; do
	cat >"$fake/$tool" <<-EOF
		#!/bin/sh
		echo "$tool \$*" >>"$work/calls"
		case "$tool \$1 \$2" in
		"systemctl is-active "*) exit "\${FAKE_ACTIVE:-3}" ;;
		"deb-systemd-helper --quiet was-enabled") exit 1 ;;
		esac
		exit 0
	EOF
	chmod 0755 "$fake/$tool"
done
# run_script SCRIPT ARGS...: in a mount namespace of its own where
# /run/systemd/system exists (systemd "runs"), the stand-ins first in PATH;
# leaves what they were asked in $work/calls.
run_script() {
	local script=$1; shift
	: >"$work/calls"
	unshare -m sh -c 'mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system &&
		PATH="$0:$PATH" exec sh "$@"' "$fake" "$x/DEBIAN/$script" "$@" >>"$work/scripts.log" 2>&1
}
called() { grep -qx -- "$1" "$work/calls"; }
none_of() { ! grep -Eq -- "$1" "$work/calls"; }

run_script postinst configure ''
check "first installation: postinst succeeds" test $? = 0
check "first installation: vipd is not enabled (only the state is recorded)" \
	none_of '^deb-systemd-helper enable'
check "first installation: the start goes through deb-systemd-invoke (which skips a disabled unit)" \
	called "deb-systemd-invoke start vipd.service"
check "first installation: no SIGUSR2" none_of 'kill'
check "first installation: systemd-sysusers vipd.conf creates the user" called "systemd-sysusers vipd.conf"

FAKE_ACTIVE=0 run_script postinst configure 0.0.9-1
check "upgrade of a running vipd: postinst succeeds" test $? = 0
check "upgrade of a running vipd: SIGUSR2 to its main process" \
	called "systemctl kill --kill-who=main --signal=SIGUSR2 vipd.service"
check "upgrade of a running vipd: no stop and no restart" none_of 'stop|restart'
diag "postinst calls on upgrade: $(tr '\n' ';' <"$work/calls")"
FAKE_ACTIVE=3 run_script postinst configure 0.0.9-1
check "upgrade of a stopped vipd: no SIGUSR2" none_of 'kill'
FAKE_ACTIVE=0 DPKG_ROOT=/nonexistent run_script postinst configure 0.0.9-1
check "upgrade into another root (DPKG_ROOT): no SIGUSR2 to this machine's vipd" none_of 'kill'
run_script prerm upgrade 0.1.1-1
check "upgrade: prerm does not stop vipd" none_of 'stop'
run_script prerm remove
check "removal: prerm stops vipd (which releases the VIP)" called "deb-systemd-invoke stop vipd.service"

# --- 5. dpkg --root: the scripts for real, in a scratch root -------------------------
root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/etc"
: >"$root/var/lib/dpkg/status"
: >"$root/var/lib/dpkg/available"
dpkg_root() {
	dpkg --root="$root" --log="$work/dpkg.log" --force-script-chrootless --force-depends \
		--force-confold "$@" >>"$work/dpkg.out" 2>&1 </dev/null
}
host_passwd=$(sha256sum /etc/passwd /etc/group)
check "dpkg --root=SCRATCH --force-script-chrootless -i succeeds" dpkg_root -i "$deb"
check "SCRATCH: vipd is installed" bash -c "dpkg --root='$root' -s vipd | grep -qx 'Status: install ok installed'"
for f in usr/sbin/vipd usr/bin/vipctl etc/vipd/vipd.conf "${unitdir#/}/vipd.service" usr/lib/sysusers.d/vipd.conf; do
	check "SCRATCH: /$f" test -e "$root/$f"
done
if command -v systemd-sysusers >/dev/null; then
	check "SCRATCH: postinst's systemd-sysusers created the user vipd" grep -q '^vipd:x:[0-9]*:[0-9]*:' "$root/etc/passwd"
	check "SCRATCH: ... and its group" grep -q '^vipd:x:[0-9]*:' "$root/etc/group"
else
	skip "systemd-sysusers is not installed here"
	skip "systemd-sysusers is not installed here"
fi
check "this machine's /etc/passwd and /etc/group are untouched" test "$(sha256sum /etc/passwd /etc/group)" = "$host_passwd"
check "SCRATCH: vipd is not enabled (no multi-user.target.wants link)" \
	test ! -e "$root/etc/systemd/system/multi-user.target.wants/vipd.service"
check "SCRATCH: deb-systemd-helper kept its state in SCRATCH, not on this machine" \
	test -e "$root/var/lib/systemd/deb-systemd-helper-enabled/vipd.service.dsh-also" -a \
	! -e /var/lib/systemd/deb-systemd-helper-enabled/vipd.service.dsh-also

# An upgrade: the same files as a newer version; the edited conffile stays.
echo "# edited by the operator" >>"$root/etc/vipd/vipd.conf"
rm -rf "$work/repack" && cp -a "$x" "$work/repack" && rm -rf "$work/repack/DEBIAN" &&
	dpkg-deb -e "$deb" "$work/repack/DEBIAN" &&
	sed -i "s/^Version: .*/Version: ${version}+upgrade1/" "$work/repack/DEBIAN/control" &&
	dpkg-deb -b --root-owner-group "$work/repack" "$work/vipd_upgrade.deb" >/dev/null ||
	bail "repack the package as ${version}+upgrade1"
check "upgrade to ${version}+upgrade1 succeeds" dpkg_root -i "$work/vipd_upgrade.deb"
check "upgrade: the edited /etc/vipd/vipd.conf is kept" bash -c "tail -n 1 '$root/etc/vipd/vipd.conf' | grep -qx '# edited by the operator'"
check "upgrade: no .dpkg-new or .dpkg-dist beside it" bash -c "! ls '$root/etc/vipd' | grep -q dpkg"
check "upgrade: dpkg says ${version}+upgrade1" bash -c "dpkg --root='$root' -s vipd | grep -qx 'Version: ${version}+upgrade1'"

check "dpkg --purge succeeds" dpkg_root --purge vipd
left=$(cd "$root" && find . -path ./var -prune -o ! -type d -print | grep -vE '^\./etc/(passwd|group|shadow|gshadow|\.pwd\.lock)-?$' | tr '\n' ' ')
check "purge: no package file is left, the conffile included${left:+ (left: $left)}" test -z "$left"
check "purge: dpkg no longer knows vipd" bash -c "! dpkg --root='$root' -s vipd >/dev/null 2>&1"
tap_done
