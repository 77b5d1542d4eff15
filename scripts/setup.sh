#!/usr/bin/env bash
# Idempotent set-up: a virtual environment with bugbrain (and, with --dev, the
# test tools), plus a Chromium for Playwright to drive.
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[ "${1:-}" = "--dev" ] && dev=1

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "bugbrain needs Python 3.11 or newer ($python is $("$python" --version 2>&1))" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
stamp=.venv/.bugbrain-installed-$dev
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    if [ "$dev" = 1 ]; then
        .venv/bin/python -m pip install --quiet -e '.[dev]'
    else
        .venv/bin/python -m pip install --quiet -e .
    fi
    touch "$stamp"
fi

# Chromium: a Playwright-managed browser if one is installed, else Debian's
# packages: chromium, and chromium-headless-shell, which headless runs use (a
# fifth of the full browser's CPU per test); without the shell they use chromium.
have_playwright_browser() {
    ls -d "${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}"/chromium-* >/dev/null 2>&1
}
if [ -z "${BUGBRAIN_CHROMIUM_PATH:-}" ] && ! have_playwright_browser; then
    missing=""
    command -v chromium >/dev/null || missing="chromium"
    [ -x /usr/lib/chromium/chromium-headless-shell ] || missing="$missing chromium-headless-shell"
    if [ -n "$missing" ] && command -v apt-get >/dev/null; then
        echo "Installing$missing (Debian packages) …" >&2
        sudo_cmd=""
        [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
        $sudo_cmd apt-get update -qq
        for package in $missing; do
            DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$package" >/dev/null ||
                echo "Could not install $package" >&2
        done
    fi
    if ! command -v chromium >/dev/null && [ ! -x /usr/lib/chromium/chromium-headless-shell ]; then
        echo "No Chromium found: install one, or set BUGBRAIN_CHROMIUM_PATH" >&2
        exit 1
    fi
fi
