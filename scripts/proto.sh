#!/usr/bin/env bash
# Contract tooling. `generate` rewrites libs/proto/src/generated from proto/; `check` fails when that code is stale.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
buf="$root/node_modules/.bin/buf"

generate_into() {
  local out=$1
  rm -rf "$out" && mkdir -p "$out"
  (cd "$root/proto" && "$buf" lint && "$buf" generate --template buf.gen.yaml -o "$out/.." .)
  # The descriptor set feeds server reflection and proto-loader at run time; embedding it avoids locating files on disk.
  "$buf" build "$root/proto" -o "$out/descriptor-set.binpb"
  node "$root/scripts/embed-descriptor-set.mjs" "$out/descriptor-set.binpb" "$out/descriptor-set.ts"
  rm "$out/descriptor-set.binpb"
  "$root/node_modules/.bin/prettier" --config "$root/.prettierrc.json" --log-level warn --write "$out"
}

case "${1:-}" in
  generate)
    generate_into "$root/libs/proto/src/generated"
    ;;
  check)
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    mkdir -p "$tmp/src"
    generate_into "$tmp/src/generated"
    if ! diff -r "$root/libs/proto/src/generated" "$tmp/src/generated" >/dev/null; then
      diff -r "$root/libs/proto/src/generated" "$tmp/src/generated" | head -40 >&2
      echo "libs/proto/src/generated is stale: run 'npm run proto:generate' and commit the result." >&2
      exit 1
    fi
    echo "generated contract code is up to date"
    ;;
  *)
    echo "usage: scripts/proto.sh generate|check" >&2
    exit 2
    ;;
esac
