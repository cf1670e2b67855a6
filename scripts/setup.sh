#!/usr/bin/env bash
# One-time (and repeatable) setup: Debian packages, then the Python venv.
# Idempotent and quick when everything is already in place.
#
# torch is pinned exactly in pyproject.toml (torch==2.13.0): a range would download the CUDA build.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

DEB_PACKAGES=(coq libcoq-hammer libcoq-mathcomp eprover cvc4 postgresql bubblewrap g++ chromium)
PYTHON="${PYTHON:-python3}"
VENV=.venv
STAMP="$VENV/.installed"

say() { echo "setup: $*"; }
die() { echo "setup: error: $*" >&2; exit 1; }

# --- Debian packages -------------------------------------------------------
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    [ "$status" = "install ok installed" ] || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        as_root() { "$@"; }
    elif command -v sudo >/dev/null 2>&1 && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
        as_root() { sudo "$@"; }
    else
        {
            echo "setup: missing Debian packages: ${missing[*]}"
            echo "setup: not root and sudo is not available; run this as root, then rerun setup:"
            echo "    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ${missing[*]}"
        } >&2
        exit 1
    fi
    say "installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
else
    say "Debian packages present: ${DEB_PACKAGES[*]}"
fi

# --- Python venv -----------------------------------------------------------
py_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; }

if [ ! -x "$VENV/bin/python" ]; then
    command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; Python >= 3.11 is required (set PYTHON=/path/to/python3.11)"
    py_ok "$PYTHON" || die "Python >= 3.11 is required, but $PYTHON is $("$PYTHON" -V 2>&1); set PYTHON=/path/to/python3.11"
    say "creating $VENV with $("$PYTHON" -V 2>&1)"
    "$PYTHON" -m venv "$VENV"
    rm -f "$STAMP"
fi
py_ok "$VENV/bin/python" || die "$VENV uses $("$VENV/bin/python" -V 2>&1), but Python >= 3.11 is required; remove $VENV and rerun with PYTHON=/path/to/python3.11"

if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
    say "installing prover into $VENV (pip install -e '.[dev]')"
    "$VENV/bin/pip" install -q -e '.[dev]'
    touch "$STAMP"
else
    say "$VENV up to date"
fi
