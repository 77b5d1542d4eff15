#!/usr/bin/env bash
# Make sure the machine's PostgreSQL answers on 127.0.0.1:5432, starting the
# installed cluster if it is down. Exit 1 when there is none to start.
set -euo pipefail
ready() { command -v pg_isready >/dev/null && pg_isready -h 127.0.0.1 -p 5432 -q; }
ready && exit 0
if command -v pg_ctlcluster >/dev/null; then
    for version in $(ls /etc/postgresql 2>/dev/null); do
        pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
    done
fi
for _ in $(seq 30); do
    ready && exit 0
    sleep 1
done
echo "PostgreSQL is not running on 127.0.0.1:5432 and could not be started" >&2
exit 1
