#!/usr/bin/env bash
# Make sure Debian's headless Chromium and ChromeDriver are present for the report's browser
# tests (tests/test_report_html.py). Idempotent, and never fails the build: when they cannot be
# installed (not root, no password-less sudo, no apt-get, no network), it says so in one line and
# exits 0; the browser tests then skip with a reason.
set -u

CHROMIUM=/usr/bin/chromium
DRIVER=/usr/bin/chromedriver

if [ -x "$CHROMIUM" ] && [ -x "$DRIVER" ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: no apt-get here; the browser tests will skip" >&2
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    as_root=(sudo -n)
else
    echo "ensure_chromium: not root and no password-less sudo; the browser tests will skip" >&2
    exit 0
fi

echo "ensure_chromium: installing Debian's chromium and chromium-driver (once)" >&2
export DEBIAN_FRONTEND=noninteractive
if timeout 300 "${as_root[@]}" apt-get update -qq >/dev/null 2>&1 \
    && timeout 600 "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 \
    && [ -x "$CHROMIUM" ] && [ -x "$DRIVER" ]; then
    exit 0
fi

echo "ensure_chromium: could not install chromium and chromium-driver; the browser tests will skip" >&2
exit 0
