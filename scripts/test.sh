#!/usr/bin/env bash
# Install everything the tests need, then run them: the Python package with its test extras,
# and from Debian: rapper (raptor2-utils), an independent parser the dump tests check against,
# Chromium, the real browser the page tests drive, and Virtuoso (the binaries of
# virtuoso-opensource 7, without the packaged system service), the remote store the server
# suite also runs on, wrk, the load generator of the load tests, and a Java runtime for HermiT,
# the OWL reasoner that checks the data with EURIO, and zstd, the decoder a consumer of the
# dataset dump has. Then: ruff, the layers
# contract (lint-imports), mypy, the test suite (pytest-xdist: a worker process per core, each
# test file on one worker so its servers start once), and the load tests (marked "load", two
# minutes, left out of the default run) as a step of their own; every step runs, and the script
# fails if any did. Extra arguments go to both pytest runs (e.g. scripts/test.sh -k dumps); a load step
# they select nothing of is not a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
command -v rapper >/dev/null || apt_packages+=(raptor2-utils)
[ -x /usr/bin/chromium ] || apt_packages+=(chromium)
command -v virtuoso-t >/dev/null || apt_packages+=(virtuoso-opensource-7-bin)
command -v wrk >/dev/null || apt_packages+=(wrk)
command -v java >/dev/null || apt_packages+=(default-jre-headless)
command -v zstd >/dev/null || apt_packages+=(zstd)
if [ ${#apt_packages[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y --no-install-recommends "${apt_packages[@]}" \
        || { $sudo apt-get update && $sudo apt-get install -y --no-install-recommends "${apt_packages[@]}"; }
fi

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
failed=()
step() {  # one check, timed; a failure is reported at the end and the other checks still run
    local started=$SECONDS
    echo "== $*"
    "$@" || failed+=("$*")
    echo "== $* ($((SECONDS - started)) s)"
}
load_tests() {  # tests/test_load.py unless arguments choose what to run; none chosen is no failure
    local chosen=("$@")
    [ $# -gt 0 ] || chosen=(tests/test_load.py)
    python3 -m pytest -m load "${chosen[@]}" || [ $? = 5 ]
}

step ruff check .
step ruff format --check .
step lint-imports
step mypy
step python3 -m pytest --numprocesses auto --dist loadfile "$@"
step load_tests "$@"
if [ ${#failed[@]} -gt 0 ]; then
    printf 'failed: %s\n' "${failed[@]}" >&2
    exit 1
fi
