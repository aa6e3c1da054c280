#!/bin/bash
# The RPM spec, as far as it can be checked on Debian (Rocky Linux 9 is not
# at hand): vipd.spec as configure makes it, in the release tarball where
# `rpmbuild -ta` finds it, expanded by `rpmspec -P`, and built by
# `rpmbuild -ta --nodeps` against this machine's libraries (Debian's, not
# EPEL's), its %check included.
#
# Debian's rpm has no systemd-rpm-macros: the directory macros and the
# scriptlet macros are stand-ins written below as systemd 252 defines them
# (the helper /usr/lib/systemd/systemd-update-helper), and
# %sysusers_create_compat a stand-in generator of the groupadd/useradd lines
# its script writes for a "u" line. What the stand-ins cannot tell: whether
# the real macros expand the same, whether EPEL's hiredis 1.0.2, libnl3 and
# libconfuse build it, and what the scriptlets do on a Rocky node.
#
# Environment: top_builddir (set by make check and tests/check.sh), a
# configured build tree; RPM_KEEP=1 keeps the work directory.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

tests=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib/netns.sh
. "$tests/lib/netns.sh"

for t in rpmbuild rpmspec rpm; do
	command -v "$t" >/dev/null || tap_skip_all "$t is not installed (apt-get install rpm)"
done
[ -n "${top_builddir:-}" ] && [ -f "$top_builddir/vipd.spec" ] ||
	tap_skip_all "needs a configured build tree (top_builddir with vipd.spec)"

work=$(mktemp -d "${TMPDIR:-/tmp}/vipd-rpm.XXXXXX")
remove_work() {
	if [ "${RPM_KEEP:-0}" = 1 ] || [ "$TAP_FAILED" -gt 0 ]; then
		echo "# work directory kept: $work" >&2
	else
		rm -rf "$work"
	fi
}
NS_CLEANUP_HOOKS+=(remove_work)
bail() { not_ok "$*"; tap_done; exit 1; }

# --- stand-ins for systemd-rpm-macros ------------------------------------------
cat >"$work/sysusers-pre" <<'EOF'
#!/bin/bash
# What %sysusers_create_compat's generator writes for "u NAME - DESC HOME SHELL".
for f in "$@"; do
	[ -r "$f" ] || continue
	while read -r line; do
		case $line in u\ *) ;; *) continue ;; esac
		eval "set -- $line"
		echo "getent group '$2' >/dev/null || groupadd -r '$2'"
		echo "getent passwd '$2' >/dev/null || useradd -r -g '$2' -d '$5' -s '$6' -c '$4' '$2'"
	done <"$f"
done
EOF
chmod 0755 "$work/sysusers-pre"
helper=/usr/lib/systemd/systemd-update-helper
cat >"$work/macros" <<EOF
%_unitdir /usr/lib/systemd/system
%_sysusersdir /usr/lib/sysusers.d
%systemd_requires Requires(post): systemd\\
Requires(preun): systemd\\
Requires(postun): systemd
%sysusers_requires_compat Requires(pre): shadow-utils
%systemd_post() if [ \$1 -eq 1 ] && [ -x "$helper" ]; then $helper install-system-units %{?*} || : ; fi
%systemd_preun() if [ \$1 -eq 0 ] && [ -x "$helper" ]; then $helper remove-system-units %{?*} || : ; fi
%systemd_postun() %{nil}
%systemd_postun_with_restart() if [ \$1 -ge 1 ] && [ -x "$helper" ]; then $helper mark-restart-system-units %{?*} || : ; fi
%sysusers_create_compat() %($work/sysusers-pre %{?*})
%debug_package %{nil}
EOF
rpmdefs=(--load "$work/macros" --define "_topdir $work/top")

# --- the spec and the tarball ------------------------------------------------------
version=$(sed -n 's/^PACKAGE_VERSION = //p' "$top_builddir/Makefile")
check "vipd.spec says Version: $version, configure's version" \
	grep -Eq "^Version: +$version\$" "$top_builddir/vipd.spec"
make -s -C "$top_builddir" dist >"$work/dist.log" 2>&1 || bail "make dist in $top_builddir"
tarball=$top_builddir/vipd-$version.tar.gz
cp "$tarball" "$work/" || bail "no $tarball"
tarball=$work/vipd-$version.tar.gz
check "the release tarball carries vipd.spec at its top (rpmbuild -ta finds it)" \
	bash -c "tar -tzf '$tarball' | grep -qx 'vipd-$version/vipd.spec'"

# rpmspec -P with the tarball as Source0, as rpmbuild -ta has it.
mkdir -p "$work/top"
tar -xzOf "$tarball" "vipd-$version/vipd.spec" >"$work/vipd.spec"
rpmspec "${rpmdefs[@]}" --define "_sourcedir $work" -P "$work/vipd.spec" >"$work/spec.P" 2>"$work/spec.err"
check "rpmspec -P expands the spec" test $? = 0
check "%pre creates the user from the tarball's sysusers.d file" \
	bash -c "grep -q \"useradd -r -g 'vipd' -d '/nonexistent' -s '/usr/sbin/nologin'\" <<<\"\$(awk '/^%pre\$/ { on = 1; next } /^%/ { on = 0 } on' '$work/spec.P')\""
check "%post: systemd_post (install-system-units vipd.service)" \
	bash -c "grep -q 'install-system-units vipd.service' <<<\"\$(awk '/^%post\$/ { on = 1; next } /^%/ { on = 0 } on' '$work/spec.P')\""
check "%preun: systemd_preun (stops and disables on removal only)" \
	bash -c "grep -q 'if \[ \$1 -eq 0 \].*remove-system-units vipd.service' '$work/spec.P'"
check "no scriptlet restarts vipd (no mark-restart, no try-restart)" \
	bash -c "! grep -Eq 'mark-restart|try-restart|systemctl restart' '$work/spec.P'"
check "%posttrans: SIGUSR2 to a running vipd" \
	grep -q 'systemctl kill --kill-who=main --signal=SIGUSR2 vipd.service' "$work/spec.P"
check "%files: %config(noreplace) /etc/vipd/vipd.conf" grep -qx '%config(noreplace) /etc/vipd/vipd.conf' "$work/spec.P"
check "License: ISC" grep -Eq '^License: +ISC$' "$work/spec.P"

# --- rpmbuild -ta --nodeps --------------------------------------------------------------
t0=$(date +%s)
(cd "$work" && rpmbuild "${rpmdefs[@]}" -ta --nodeps "$tarball") >"$work/rpmbuild.log" 2>&1
rc=$?
check "rpmbuild -ta --nodeps builds the source and binary packages ($(($(date +%s) - t0)) s)" test "$rc" = 0
[ "$rc" = 0 ] || { tail -30 "$work/rpmbuild.log" | sed 's/^/#   /'; tap_done; exit 1; }
srpm=$(ls "$work"/top/SRPMS/vipd-"$version"-*.src.rpm 2>/dev/null)
bin=$(ls "$work"/top/RPMS/*/vipd-"$version"-*.rpm 2>/dev/null | grep -v debug | head -n 1)
check "a source package: $(basename "${srpm:-none}")" test -n "$srpm"
check "a binary package: $(basename "${bin:-none}")" test -n "$bin"
check "%check ran the unit tests (test_decide passed)" grep -q '^PASS: tests/unit/test_decide' "$work/rpmbuild.log"
check "%check ran no integration test (tests/net/cluster.sh skipped)" grep -q '^SKIP: tests/net/cluster.sh' "$work/rpmbuild.log"
rpm -qpl "$bin" >"$work/files" 2>/dev/null
for f in /usr/sbin/vipd /usr/bin/vipctl /usr/lib/systemd/system/vipd.service /usr/lib/sysusers.d/vipd.conf \
	/etc/vipd/vipd.conf; do
	check "the package holds $f" grep -qx "$f" "$work/files"
done
# Compressed on Rocky (brp-compress), not by Debian's rpm: %files globs.
for f in /usr/share/man/man8/vipd.8 /usr/share/man/man8/vipctl.8 /usr/share/man/man5/vipd.conf.5; do
	check "the package holds $f[.gz]" grep -Eqx "$f(\.gz)?" "$work/files"
done
check "the licence file is shipped" grep -q '/LICENSE$' "$work/files"
check "/etc/vipd/vipd.conf is its one config file" test "$(rpm -qp --configfiles "$bin" 2>/dev/null)" = /etc/vipd/vipd.conf
mkdir -p "$work/x"
check "the unit runs /usr/sbin/vipd -c /etc/vipd/vipd.conf" \
	bash -c "cp '$bin' '$work/x/p.rpm' && rpm2archive '$work/x/p.rpm' && tar -xzf '$work/x/p.rpm.tgz' -C '$work/x' &&
		grep -qx 'ExecStart=/usr/sbin/vipd -c /etc/vipd/vipd.conf' '$work/x/usr/lib/systemd/system/vipd.service'"
check "the packaged vipd accepts the packaged example configuration" \
	"$work/x/usr/sbin/vipd" -n -c "$work/x/etc/vipd/vipd.conf"
rpm -qp --scripts "$bin" >"$work/scripts" 2>/dev/null
check "the built package's preinstall scriptlet creates the user" grep -q "useradd -r -g 'vipd'" "$work/scripts"
check "the built package's posttrans scriptlet sends SIGUSR2" grep -q 'signal=SIGUSR2' "$work/scripts"
tap_done
