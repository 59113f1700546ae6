#!/usr/bin/env bash
# Print the Python the pip-built mod_wsgi installations use (building it once).
#
# A pyenv Python built with --enable-shared lives under /root/.pyenv, which Apache's user cannot
# read (mod_wsgi then fails with "Could not find platform independent libraries"). So the newest
# pyenv 3.12 is copied once into the platforms cache, with its RUNPATH and sysconfig paths moved
# there: a shared-libpython Python installed outside any home, as on a server. Without pyenv:
# Debian's /usr/bin/python3.
set -euo pipefail
cache="${WSGIDOCTOR_PLATFORMS_CACHE:-/var/cache/wsgidoctor-platforms}"
target="$cache/python-3.12"
if [ -x "$target/bin/python3.12" ] && [ -e "$target/.wsgidoctor-built" ]; then
    echo "$target/bin/python3.12"; exit 0
fi
source_dir=""
for candidate in /root/.pyenv/versions/3.12.*; do
    if [ -x "$candidate/bin/python3.12" ]; then source_dir="$candidate"; fi
done
if [ -z "$source_dir" ] || ! command -v patchelf >/dev/null; then
    echo /usr/bin/python3; exit 0
fi
rm -rf "$target"
mkdir -p "$cache"
cp -a "$source_dir" "$target"
rm -rf "$target/lib/python3.12/test" "$target/lib/python3.12/idlelib"
patchelf --set-rpath "$target/lib" "$target/bin/python3.12"
grep -rlI --null "$source_dir" "$target/bin" "$target/lib/pkgconfig" "$target/lib/python3.12/config-3.12-x86_64-linux-gnu" \
    "$target"/lib/python3.12/_sysconfigdata_*.py 2>/dev/null | xargs -0 -r sed -i "s|$source_dir|$target|g"
find "$target/lib/python3.12" -name "_sysconfigdata_*.pyc" -delete
chmod -R a+rX "$target"
echo "$source_dir" > "$target/.wsgidoctor-built"
echo "$target/bin/python3.12"
