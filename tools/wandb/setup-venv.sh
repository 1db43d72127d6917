#!/usr/bin/env bash
# Create <repo>/.venv-wandb with the W&B Python client. Optional: bench works without it and only warns.
# Env: PYTHON (default python3), VENV_DIR (default <repo>/.venv-wandb).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV_DIR="${VENV_DIR:-$ROOT/.venv-wandb}"
[[ -x "$VENV_DIR/bin/python" ]] || "$PYTHON" -m venv "$VENV_DIR"
"$VENV_DIR/bin/python" -m pip install --disable-pip-version-check -q -r "$HERE/requirements.txt"
"$VENV_DIR/bin/python" -c 'import wandb; print("wandb", wandb.__version__, "ready in '"$VENV_DIR"'")'
