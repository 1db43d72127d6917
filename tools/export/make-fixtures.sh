#!/usr/bin/env bash
# Regenerate the committed fixture models bit-for-bit (see make_fixtures.py for names/kinds/seeds):
#   test/fixtures/models/tiny-ar         <- tools/export/fixtures/tiny-ar.json
#   test/fixtures/models/tiny-diffusion  <- tools/export/fixtures/tiny-diffusion.json
# Usage: tools/export/make-fixtures.sh [OUT_DIR]   (default: <repo>/test/fixtures/models)
# PYTHON=... uses that interpreter instead of setting up <repo>/.venv.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1  # keep __pycache__ out of the work tree

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="${1:-$ROOT/test/fixtures/models}"
if [[ -z "${PYTHON:-}" ]]; then
  "$HERE/setup-venv.sh" >/dev/null
  PYTHON="$ROOT/.venv/bin/python"
fi

"$PYTHON" "$HERE/make_fixtures.py" "$OUT"
(cd "$OUT" && find tiny-ar tiny-diffusion -type f | LC_ALL=C sort | xargs sha256sum)
du -sh "$OUT/tiny-ar" "$OUT/tiny-diffusion"
