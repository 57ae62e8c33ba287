#!/usr/bin/env bash
# Shared set-up for scripts/run and scripts/test: a virtual environment with pinned packages,
# and (with --test) the system packages the test suite needs. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "error: need root (or sudo) to run: $*" >&2; exit 1; fi
}

apt_updated=0
apt_install() {
  if [[ $apt_updated -eq 0 ]]; then as_root apt-get update -qq; apt_updated=1; fi
  echo "==> installing system packages: $*" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; assert sys.version_info[:2] >= (3, 11)' 2>/dev/null; then
  echo "error: $PYTHON must be Python 3.11 or newer" >&2; exit 1
fi

if [[ ! -x .venv/bin/python ]]; then
  rm -rf .venv
  if ! "$PYTHON" -m venv .venv >/dev/null 2>&1; then
    # Debian ships venv/ensurepip in a separate package.
    rm -rf .venv
    apt_install python3-venv
    "$PYTHON" -m venv .venv
  fi
fi

req=requirements.txt
[[ $want_test -eq 1 ]] && req=requirements-test.txt
stamp=".venv/.installed-$(cat requirements.txt "$req" | sha256sum | cut -c1-16)-$(basename "$req")"
if [[ ! -f "$stamp" ]]; then
  echo "==> installing Python packages from $req" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$req" >&2
  touch "$stamp"
fi

if [[ $want_test -eq 1 ]]; then
  missing=()
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  command -v xgettext >/dev/null || missing+=(gettext)
  command -v pdftotext >/dev/null || missing+=(poppler-utils)
  # pdftotext needs the CID maps to read the Chinese of reportlab's STSong-Light back out.
  [[ -d /usr/share/poppler/cMap/Adobe-GB1 ]] || missing+=(poppler-data)
  # tests/test_deploy.py checks the systemd units with systemd-analyze (no running systemd needed).
  command -v systemd-analyze >/dev/null || missing+=(systemd)
  # ... and the nginx site with nginx -t and a request proxied through it.
  command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
  # grep -c reads everything: with pipefail, grep -q would SIGPIPE fc-list into "missing".
  [[ $(fc-list 2>/dev/null | grep -ci "Noto Sans CJK") -gt 0 ]] || missing+=(fonts-noto-cjk fontconfig)
  if [[ ${#missing[@]} -gt 0 ]]; then apt_install "${missing[@]}"; fi
fi
