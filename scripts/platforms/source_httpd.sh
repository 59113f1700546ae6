#!/usr/bin/env bash
# Build (once) Apache httpd from the upstream tarball inside Debian's apache2 source package, with a
# static prefork MPM, into /usr/local/apache2 (config.nice and bin/apxs included); then mod_wsgi
# from PyPI against it with a pyenv Python (or the system python3 when pyenv has none), in a venv.
#
#   source_httpd.sh            # prints what it did, and how long it took
#
# Needs: libapr1-dev libaprutil1-dev libpcre2-dev gcc make (scripts/test.sh installs them), a
# deb-src line for apt-get source (added here, for Debian's own suite, when missing).
# A finished build carries /usr/local/apache2/.wsgidoctor-built and is reused.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${WSGIDOCTOR_SOURCE_HTTPD_PREFIX:-/usr/local/apache2}"
cache="${WSGIDOCTOR_PLATFORMS_CACHE:-/var/cache/wsgidoctor-platforms}"
work="$cache/source-httpd"
venv="$cache/source-httpd-venv"
mod_wsgi_version="${WSGIDOCTOR_SOURCE_MOD_WSGI:-5.0.2}"

start=$(date +%s)
if [ ! -e "$prefix/.wsgidoctor-built" ]; then
    mkdir -p "$work"
    cd "$work"
    if ! ls apache2_*.orig.tar.* >/dev/null 2>&1; then
        if ! apt-get source --download-only -q apache2 >/dev/null 2>&1; then
            . /etc/os-release
            cat > /etc/apt/sources.list.d/wsgidoctor-deb-src.sources <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $VERSION_CODENAME
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
            apt-get -o DPkg::Lock::Timeout=900 update -q >/dev/null
            apt-get source --download-only -q apache2 >/dev/null
        fi
    fi
    tarball=$(ls apache2_*.orig.tar.* | head -1)
    rm -rf build && mkdir build
    tar -xf "$tarball" -C build
    src=$(ls -d build/httpd-* | head -1)
    cd "$src"
    ./configure --prefix="$prefix" --with-mpm=prefork --enable-so --enable-mods-shared=most \
        --with-apr=/usr/bin/apr-1-config --with-apr-util=/usr/bin/apu-1-config \
        --with-pcre=/usr/bin/pcre2-config > "$work/configure.log" 2>&1 \
        || { tail -30 "$work/configure.log" >&2; exit 1; }
    make -j"$(nproc)" > "$work/make.log" 2>&1 || { tail -30 "$work/make.log" >&2; exit 1; }
    make install > "$work/install.log" 2>&1 || { tail -30 "$work/install.log" >&2; exit 1; }
    cd "$work" && rm -rf build
    touch "$prefix/.wsgidoctor-built"
    echo "platforms: httpd built into $prefix in $(( $(date +%s) - start ))s"
else
    echo "platforms: httpd already built in $prefix"
fi

start=$(date +%s)
if [ ! -e "$venv/.wsgidoctor-built" ]; then
    python="$(bash "$here/python.sh")"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    APXS="$prefix/bin/apxs" "$venv/bin/pip" install -q --no-cache-dir "mod_wsgi==$mod_wsgi_version" \
        > "$cache/source-httpd-mod_wsgi.log" 2>&1 || { tail -30 "$cache/source-httpd-mod_wsgi.log" >&2; exit 1; }
    echo "$python" > "$venv/.wsgidoctor-built"
    echo "platforms: mod_wsgi $mod_wsgi_version built with $python in $(( $(date +%s) - start ))s"
else
    echo "platforms: mod_wsgi already built in $venv"
fi
