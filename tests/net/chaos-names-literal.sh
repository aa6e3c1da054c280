#!/bin/bash
# chaos-names.sh with IP literals in vipd's configuration while the
# Sentinels speak names: what a deployment that switched
# announce-hostnames on under an existing vipd configuration runs.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
export CHAOS_NAMES_VIPD=literals
exec bash "$(dirname "$0")/chaos-names.sh" "$@"
