#!/usr/bin/env bash
# Install everything the tests need (Debian packages, Python packages) and run them.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
need=""
command -v rapper >/dev/null || need="$need raptor2-utils"
command -v virtuoso-t >/dev/null || need="$need virtuoso-opensource"  # tests/test_virtuoso.py (scale-out path)
# the browser test drives Debian's Chromium through Playwright (never `playwright install`)
[ -x /usr/bin/chromium ] || need="$need chromium"
# CJK names in the browser tests and screenshots (Chromium draws boxes without a CJK font)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need="$need fonts-noto-cjk"
if [ -n "$need" ]; then
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[test]'
exec .venv/bin/python -m pytest "$@"
