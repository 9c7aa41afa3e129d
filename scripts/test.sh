#!/usr/bin/env bash
# Install everything the tests need, then run them: the Python package with its test extras,
# and from Debian: rapper (raptor2-utils), an independent parser the dump tests check against,
# Chromium, the real browser the page tests drive, and Virtuoso (the binaries of
# virtuoso-opensource 7, without the packaged system service), the remote store the server
# suite also runs on, and wrk, the load generator of the load tests. Extra arguments go to pytest (e.g. scripts/test.sh -k dumps).
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
command -v rapper >/dev/null || apt_packages+=(raptor2-utils)
[ -x /usr/bin/chromium ] || apt_packages+=(chromium)
command -v virtuoso-t >/dev/null || apt_packages+=(virtuoso-opensource-7-bin)
command -v wrk >/dev/null || apt_packages+=(wrk)
if [ ${#apt_packages[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y --no-install-recommends "${apt_packages[@]}" \
        || { $sudo apt-get update && $sudo apt-get install -y --no-install-recommends "${apt_packages[@]}"; }
fi

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
ruff check .
ruff format --check .
python3 -m pytest "$@"
