#!/usr/bin/env bash
# Build (once) a Debian chroot with its own apache2 + mod_wsgi, for tests/platforms.
#
#   debian_chroot.sh NAME SUITE [with-compiler|no-compiler]
#
# Result: $WSGIDOCTOR_PLATFORMS_CACHE/NAME (default /var/cache/wsgidoctor-platforms/NAME), made
# with debootstrap --variant=minbase from deb.debian.org, with apache2, libapache2-mod-wsgi-py3 and
# python3-venv (and gcc + libc6-dev when asked, so wsgidoctor's hosting program can be built
# there). A finished chroot carries .wsgidoctor-ready and is reused as it is; an unfinished one is
# removed and made again. Nothing is left mounted: /proc is mounted only by the tests, per run.
set -euo pipefail
name="$1"; suite="$2"; compiler="${3:-no-compiler}"
cache="${WSGIDOCTOR_PLATFORMS_CACHE:-/var/cache/wsgidoctor-platforms}"
root="$cache/$name"
mirror="${WSGIDOCTOR_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if [ -e "$root/.wsgidoctor-ready" ]; then
    echo "platforms: $name ($suite) already built in $root"
    exit 0
fi
start=$(date +%s)
mkdir -p "$cache"
umount_all() {
    local dir="$1"
    for m in proc sys dev/pts dev; do
        if mountpoint -q "$dir/$m" 2>/dev/null; then umount -l "$dir/$m"; fi
    done
}
# An interrupted build: nothing of ours may still be mounted there before it is removed.
for dir in "$root" "$root.partial"; do
    if [ -e "$dir" ]; then umount_all "$dir"; rm -rf --one-file-system "$dir"; fi
done
log="$cache/$name.build.log"
debootstrap --variant=minbase "$suite" "$root.partial" "$mirror" > "$log" 2>&1 \
    || { tail -30 "$log" >&2; exit 1; }
# No daemon may start inside the chroot while packages are installed (the host's ports are in use).
printf '#!/bin/sh\nexit 101\n' > "$root.partial/usr/sbin/policy-rc.d"
chmod +x "$root.partial/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$root.partial/etc/resolv.conf"
packages="apache2 libapache2-mod-wsgi-py3 python3-venv ca-certificates"
if [ "$compiler" = with-compiler ]; then packages="$packages gcc libc6-dev"; fi
trap 'umount_all "$root.partial"' EXIT
mount -t proc proc "$root.partial/proc"
chroot "$root.partial" env DEBIAN_FRONTEND=noninteractive LC_ALL=C \
    apt-get install -y --no-install-recommends $packages >> "$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }
chroot "$root.partial" apt-get clean
umount_all "$root.partial"
trap - EXIT
echo "$suite $compiler" > "$root.partial/.wsgidoctor-ready"
mv "$root.partial" "$root"
echo "platforms: $name ($suite) built in $root in $(( $(date +%s) - start ))s"
