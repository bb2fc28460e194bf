#!/usr/bin/env bash
# Run the whole test suite (installs first if needed; the install step is quick when nothing changed).
# The fast tier goes first and stops the run on a failure: the linter, the formatter's check, and the
# tests that load no model and use no sound device (about 3 minutes); then the rest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --no-demo

tier() {  # pytest on one tier; "no tests collected" (exit 5, e.g. a -k that selects none here) is not a failure
    local rc=0
    .venv/bin/python -m pytest -q -m "$1" "${@:2}" || rc=$?
    [ "$rc" -eq 0 ] || [ "$rc" -eq 5 ] || exit "$rc"
}

echo "== fast tier: ruff, then the tests without a model or a sound device"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
tier "not model and not audio" "$@"
echo "== the rest: the real model and the virtual sound card"
tier "model or audio" --durations=15 "$@"
