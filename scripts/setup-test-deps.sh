#!/usr/bin/env bash
# Installs the system packages the tests need, from Debian's repositories only. Idempotent and quiet
# when everything is there already.
set -euo pipefail
need=()
[ -x /usr/bin/python3 ] || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "missing Debian packages: ${need[*]} (run as root, or install them)" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
echo "test dependencies present"
