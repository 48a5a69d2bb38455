#!/usr/bin/env bash
# Install everything the test suite needs into .venv, then lint and run the whole suite.
# Extra arguments go to pytest, e.g. `bash tests/run.sh -k ldif`.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
