#!/usr/bin/env bash
# Make sure Debian's PostgreSQL server binaries (initdb, pg_ctl, postgres) are present for the
# SSD tests (tests/test_ssd.py), which start a throw-away server in a temporary folder as an
# unprivileged user, on a Unix socket only. Idempotent, and never fails the build: when the
# server cannot be installed (not root, no password-less sudo, no apt-get, no network), it says
# so in one line and exits 0; the PostgreSQL tests then skip with the reason.
set -u

found() {
    command -v initdb >/dev/null 2>&1 && return 0
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

if found; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_postgres: no apt-get here; the PostgreSQL tests will skip" >&2
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    as_root=(sudo -n)
else
    echo "ensure_postgres: not root and no password-less sudo; the PostgreSQL tests will skip" >&2
    exit 0
fi

echo "ensure_postgres: installing Debian's postgresql (once)" >&2
export DEBIAN_FRONTEND=noninteractive
if timeout 300 "${as_root[@]}" apt-get update -qq >/dev/null 2>&1 \
    && timeout 600 "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends postgresql >/dev/null 2>&1 \
    && found; then
    # the package starts a cluster of its own as a service: the tests need none
    "${as_root[@]}" sh -c 'command -v pg_ctlcluster >/dev/null 2>&1 && for v in /etc/postgresql/*/main; do [ -d "$v" ] && pg_ctlcluster "$(basename "$(dirname "$v")")" main stop; done' >/dev/null 2>&1
    exit 0
fi

echo "ensure_postgres: could not install postgresql; the PostgreSQL tests will skip" >&2
exit 0
