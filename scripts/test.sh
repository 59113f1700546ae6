#!/usr/bin/env bash
# Set up everything the test suite needs on a Debian/Ubuntu machine, then run the whole suite.
#
# Installs Debian's apache2, apache2-dev and mod_wsgi (the tests start their own throwaway servers
# on 127.0.0.1 from temporary directories; the system's Apache service is never touched), builds
# wsgidoctor with its native hosting program into .venv, and runs pytest. Needs root (or sudo)
# for apt-get. pytest's "no tests ran" (exit 5) is a failure here.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

# mod_python is installed for the tests that load it beside mod_wsgi in their own throwaway
# servers. Its package enables it in /etc/apache2, which would break the system's own Apache
# (mod_wsgi 4+ refuses to start beside it): disable it again unless it was enabled before.
python_was_enabled=no
if [ -e /etc/apache2/mods-enabled/python.load ]; then python_was_enabled=yes; fi

# ripgrep: the faster of the two needle searchers of large error logs (grep is the other); the
# tests compare each with the pure-Python search.
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends \
    apache2 apache2-dev libapache2-mod-wsgi-py3 libapache2-mod-python patchelf acl gcc libc6-dev make \
    debootstrap openssh-client libapr1-dev libaprutil1-dev libpcre2-dev dpkg-dev \
    python3 python3-venv python3-dev curl ca-certificates ripgrep
if [ "$python_was_enabled" = no ] && [ -e /etc/apache2/mods-enabled/python.load ]; then
    $SUDO a2dismod -q -f python || true
fi

# The real installations of tests/platforms (docs/platforms.md), each built once into
# /var/cache/wsgidoctor-platforms (and /usr/local/apache2) and reused. WSGIDOCTOR_SKIP_PLATFORMS=1
# skips the builds (tests marked platforms then fail, naming what is missing).
if [ -z "${WSGIDOCTOR_SKIP_PLATFORMS:-}" ]; then
    # A build that fails (registry unreachable) does not stop the suite: its tests fail by name.
    $SUDO bash scripts/platforms/debian_chroot.sh debian13 trixie with-compiler || echo "platforms: debian13 not built" >&2
    $SUDO bash scripts/platforms/debian_chroot.sh debian11 bullseye no-compiler || echo "platforms: debian11 not built" >&2
    $SUDO bash scripts/platforms/source_httpd.sh || echo "platforms: source httpd not built" >&2
    $SUDO bash scripts/platforms/pip_mod_wsgi.sh || echo "platforms: pip mod_wsgi not built" >&2
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

set +e
.venv/bin/python -m pytest -p no:cacheprovider "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
    echo "pytest collected no tests: treating that as a failure" >&2
    exit 1
fi
exit "$rc"
