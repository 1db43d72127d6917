#!/usr/bin/env bash
# Create/refresh <repo>/.venv with tools/export/requirements.txt.
# Idempotent: the sha256 of requirements.txt (+ python version) is stored in the venv;
# when it matches, nothing is done. Works offline with the machine's local pip
# indexes (read from `pip config list`), and with plain PyPI elsewhere.
#
# Env: PYTHON (default python3), VENV_DIR (default <repo>/.venv),
#      PIP_EXTRA_ARGS (extra pip arguments, e.g. an extra index for CPU torch wheels).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV_DIR="${VENV_DIR:-$ROOT/.venv}"
REQ="$HERE/requirements.txt"
STAMP="$VENV_DIR/.export-requirements.sha256"

want="$( { cat "$REQ"; "$PYTHON" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"

# One setup at a time (run-tests.sh and make-fixtures.sh may start together).
mkdir -p "$VENV_DIR"
exec 9>"$VENV_DIR/.setup.lock"
flock 9
if [[ -x "$VENV_DIR/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
  echo "setup-venv: $VENV_DIR is up to date"
  exit 0
fi

if [[ ! -x "$VENV_DIR/bin/python" ]]; then
  echo "setup-venv: creating $VENV_DIR"
  "$PYTHON" -m venv "$VENV_DIR"
fi

# Local file indexes configured for pip on this machine kind (file:// URLs or local
# directories). When present, use only them so pip never waits on an unreachable network.
pip_args=()
cfg="$("$PYTHON" -m pip config list 2>/dev/null || true)"
local_idx=()
local_links=()
while IFS= read -r line; do
  key="${line%%=*}"; val="${line#*=}"; val="${val#\'}"; val="${val%\'}"
  case "$key" in
    *index-url|*extra-index-url)
      for u in $val; do [[ "$u" == file://* && -d "${u#file://}" ]] && local_idx+=("$u"); done ;;
    *find-links)
      for u in $val; do [[ -d "${u#file://}" ]] && local_links+=("$u"); done ;;
  esac
done <<< "$cfg"
# de-duplicate (the same setting can appear at several config levels)
mapfile -t local_idx < <(printf '%s\n' "${local_idx[@]}" | awk 'NF && !seen[$0]++')
mapfile -t local_links < <(printf '%s\n' "${local_links[@]}" | awk 'NF && !seen[$0]++')
if (( ${#local_idx[@]} > 0 )); then
  echo "setup-venv: using local indexes: ${local_idx[*]} ${local_links[*]}"
  pip_args+=(--index-url "${local_idx[0]}")
  for u in "${local_idx[@]:1}"; do pip_args+=(--extra-index-url "$u"); done
  for u in "${local_links[@]}"; do pip_args+=(--find-links "$u"); done
  pip_args+=(--retries 0 --timeout 2)
fi
# shellcheck disable=SC2206
pip_args+=(${PIP_EXTRA_ARGS:-})

# A file:// index without a given project makes pip print a harmless warning per package; hide those.
"$VENV_DIR/bin/python" -m pip install --disable-pip-version-check -q "${pip_args[@]}" -r "$REQ" 2>&1 \
  | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
echo "$want" > "$STAMP"
echo "setup-venv: installed requirements.txt into $VENV_DIR"
