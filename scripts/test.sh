#!/usr/bin/env bash
# Run the whole test suite (installs first if needed; the install step is quick when nothing changed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --no-demo
exec .venv/bin/python -m pytest -q "$@"
