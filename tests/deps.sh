# The Debian 12 packages vipd needs to build, test and run its demo.
# Sourced by tests/check.sh and tests/demo.sh.
VIPD_DEPS=(
	gcc make autoconf automake pkg-config
	libhiredis-dev libnl-3-dev libnl-route-3-dev libconfuse-dev libcmocka-dev
	redis-server redis-sentinel redis-tools
	iproute2 tcpdump util-linux valgrind
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
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
