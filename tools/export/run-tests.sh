#!/usr/bin/env bash
# Python export tests (CI entry point): set up <repo>/.venv, then run pytest on tools/export/tests.
# Extra arguments go to pytest, e.g. tools/export/run-tests.sh -k causal -x
# Needs the Qwen2.5 tokenizer files: ENSEMBLE_DATA_DIR (default <repo>/../shared/data).
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1  # keep __pycache__ out of the work tree
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
"$HERE/setup-venv.sh"
cd "$HERE"
exec "$ROOT/.venv/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
