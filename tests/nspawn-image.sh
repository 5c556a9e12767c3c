#!/usr/bin/env bash
# Builds (once per machine) the Debian root the nspawn agents boot from and prints its path.
# The root is cached under /var/cache/dcostls-tests/<hash of suite and package list>, so the test
# command pays for it only on a machine that never built it (about 140 s, about 513 MB).
# Needs root, apt-get (systemd-container and mmdebstrap are installed when missing).
set -euo pipefail
suite=bookworm
packages=systemd,systemd-sysv,dbus,openssh-server
key=$(printf '%s %s minbase\n' "$suite" "$packages" | sha256sum | cut -c1-16)
cache=${DCOSTLS_NSPAWN_CACHE:-/var/cache/dcostls-tests}
root=$cache/$key/root
if [ -e "$cache/$key/complete" ]; then echo "$root"; exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "nspawn-image: needs root" >&2; exit 2; fi
export DEBIAN_FRONTEND=noninteractive
if ! command -v systemd-nspawn >/dev/null || ! command -v mmdebstrap >/dev/null; then
    apt-get update >/dev/null && apt-get install -y --no-install-recommends systemd-container mmdebstrap >/dev/null
fi
mkdir -p "$cache/$key"
exec 9>"$cache/$key.lock"
flock 9
if [ -e "$cache/$key/complete" ]; then echo "$root"; exit 0; fi
rm -rf "$root"
mmdebstrap --quiet --variant=minbase --include="$packages" "$suite" "$root" >&2
touch "$cache/$key/complete"
echo "$root"
