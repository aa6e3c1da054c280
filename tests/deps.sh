# The Debian 12 packages vipd needs to build, test and run its demo.
# Sourced by tests/check.sh and tests/demo.sh.
VIPD_DEPS=(
	gcc make autoconf automake pkg-config
	libhiredis-dev libnl-3-dev libnl-route-3-dev libconfuse-dev libcmocka-dev
	redis-server redis-sentinel redis-tools
	iproute2 tcpdump util-linux valgrind
	frr
	libssl-dev openssl	# tests/matrix: hiredis USE_SSL=1, Valkey BUILD_TLS=yes, test certificates
)

deps_install() {
	local missing=() p
	for p in "${VIPD_DEPS[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing Debian packages: ${missing[*]} (run as root to install them)" >&2
		return 1
	fi
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# frr (tests/net/routed.sh starts its daemons itself, per namespace)
	# would start its own service in the host's namespace.
	deps_no_services apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# deps_no_services CMD...: run CMD (an apt-get install) with no package
# service starting (invoke-rc.d and deb-systemd-invoke ask policy-rc.d),
# unless a policy is in place already; CMD's status.
deps_no_services() {
	local policy='' rc
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d &&
			policy=/usr/sbin/policy-rc.d
	fi
	"$@"
	rc=$?
	[ -n "$policy" ] && rm -f "$policy"
	return $rc
}

# The packaging tools for tests/pkg/ (the last step of tests/check.sh): the
# .deb's build (its Build-Depends beyond VIPD_DEPS), lintian, and rpm for
# checking the RPM spec.
VIPD_PKG_DEPS=(debhelper fakeroot lintian pkgconf systemd rpm)

deps_install_pkg() {
	local saved=("${VIPD_DEPS[@]}") rc=0
	VIPD_DEPS=("${VIPD_PKG_DEPS[@]}")
	deps_install || rc=$?
	VIPD_DEPS=("${saved[@]}")
	return $rc
}
