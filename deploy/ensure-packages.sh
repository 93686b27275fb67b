#!/bin/sh
# Usage: deploy/ensure-packages.sh COMMAND=DEBIAN_PACKAGE ...
# Installs the Debian package of each missing command (as root, or with
# sudo when it needs no password); otherwise says what to install and fails.
set -eu
missing=""
for pair in "$@"; do
    cmd=${pair%%=*}
    pkg=${pair#*=}
    if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then
        missing="$missing $pkg"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root="sudo"
else
    echo "Missing:$missing. Install them with your package manager, e.g. (Debian/Ubuntu):" >&2
    echo "    sudo apt-get install -y$missing" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing:$missing, and this is not a Debian-like system (no apt-get): install them by hand." >&2
    exit 1
fi
echo "Installing$missing from Debian packages ..."
log=$(mktemp)
# RUNLEVEL=1: the package must not start a system-wide nginx on port 80.
if ! { $as_root apt-get update -qq && $as_root env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq $missing; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "Installing$missing failed (log above)." >&2
    rm -f "$log"
    exit 1
fi
rm -f "$log"
