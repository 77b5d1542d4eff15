#!/usr/bin/env bash
# Set everything up, then run the checks and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
# The workers' tests need PostgreSQL (they skip without it, unless
# BUGBRAIN_REQUIRE_POSTGRES=1, as in CI): start the machine's if it is down.
bash scripts/postgres.sh || echo "no PostgreSQL: its tests will be skipped" >&2
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy
.venv/bin/lint-imports
.venv/bin/python -m pytest "$@"
