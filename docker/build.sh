#!/usr/bin/env bash
# Builds (and with --push, pushes) all images from the repository root:
#   docker/build.sh [--push] [REGISTRY_PREFIX] [TAG]
# e.g. docker/build.sh --push ghcr.io/acme 0.1.0  ->  ghcr.io/acme/ensemble-infill/ar-server:0.1.0, ...-cuda12, ...
# Without a prefix the images are named ensemble-infill/<app>:<tag>, as the k8s manifests expect by default.
# Needs a container engine with BuildKit (docker buildx, or podman build). The CUDA images are linux/amd64 only.
set -euo pipefail
cd "$(dirname "$0")/.."

push=false
if [[ "${1:-}" == "--push" ]]; then
  push=true
  shift
fi
prefix="${1:-}"
tag="${2:-$(node -p "require('./package.json').version")}"
name() { echo "${prefix:+${prefix}/}ensemble-infill/$1"; }

build() { # target app image
  local args=(build -f docker/Dockerfile --target "$1" -t "$3")
  [[ -n "$2" ]] && args+=(--build-arg "APP=$2")
  [[ "$1" == server-cuda ]] && args+=(--platform linux/amd64)
  docker "${args[@]}" .
  if $push; then docker push "$3"; fi
}

for app in ar-server diffusion-server orchestrator; do
  build server "$app" "$(name "$app"):${tag}"
done
for app in ar-server diffusion-server; do
  build server-cuda "$app" "$(name "$app"):${tag}-cuda12"
done
build bench '' "$(name bench):${tag}"
