#!/usr/bin/env bash
# Set everything up, then start the demo shop + the bugbrain server, seed a
# project and run a real execution. The server keeps running (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/bugbrain demo "$@"
