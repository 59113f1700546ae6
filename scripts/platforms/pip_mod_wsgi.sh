#!/usr/bin/env bash
# Build (once) mod_wsgi from PyPI against Debian's Apache (apache2-dev's apxs) in a venv of a
# pyenv Python built with --enable-shared (else Debian's python3): the route mod_wsgi's
# documentation recommends (mod_wsgi-express, and `mod_wsgi-express module-config` for wiring it
# into the system's Apache; with a shared libpython that prints a LoadFile line, with Debian's
# python3 it does not).
# A finished venv carries .wsgidoctor-built and is reused.
set -euo pipefail
cache="${WSGIDOCTOR_PLATFORMS_CACHE:-/var/cache/wsgidoctor-platforms}"
venv="$cache/pip-mod-wsgi-venv"
version="${WSGIDOCTOR_PIP_MOD_WSGI:-5.0.2}"
start=$(date +%s)
if [ -e "$venv/.wsgidoctor-built" ]; then
    echo "platforms: pip mod_wsgi already built in $venv"
    exit 0
fi
mkdir -p "$cache"
rm -rf "$venv"
python="$(bash "$(cd "$(dirname "$0")" && pwd)/python.sh")"
"$python" -m venv "$venv"
APXS=/usr/bin/apxs "$venv/bin/pip" install -q --no-cache-dir "mod_wsgi==$version" \
    > "$cache/pip-mod-wsgi.log" 2>&1 || { tail -30 "$cache/pip-mod-wsgi.log" >&2; exit 1; }
echo "$python" > "$venv/.wsgidoctor-built"
echo "platforms: mod_wsgi $version built against Debian's Apache with $python in $(( $(date +%s) - start ))s"
