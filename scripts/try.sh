#!/usr/bin/env bash
# Install wsgidoctor into .venv and run `wsgidoctor check` against this machine's Apache.
#
# Where no Apache + mod_wsgi is present, installs Debian's apache2 and libapache2-mod-wsgi-py3
# first. Extra arguments go to `wsgidoctor check` (e.g. -v, --live).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

need=()
command -v apache2 >/dev/null 2>&1 || command -v httpd >/dev/null 2>&1 || need+=(apache2)
if ! ls /usr/lib/apache2/modules/mod_wsgi*.so /usr/lib*/httpd/modules/mod_wsgi*.so >/dev/null 2>&1; then
    need+=(libapache2-mod-wsgi-py3)
fi
if ! command -v cc >/dev/null 2>&1; then need+=(gcc libc6-dev); fi
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then need+=(python3-venv); fi
if [ "${#need[@]}" -gt 0 ]; then
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends "${need[@]}"
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet -e .
exec .venv/bin/wsgidoctor check "$@"
