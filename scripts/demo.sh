#!/usr/bin/env bash
# One command: install dependencies, build, scaffold a project with `pgmi init` and deploy it
# into a throwaway local PostgreSQL (started and removed by pgmi itself), then deploy the
# sample project examples/shop the same way. Extra arguments go to the examples/shop deploy.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
./build/pgmi init "$work/demo" --template basic
./build/pgmi deploy "$work/demo" --ephemeral

./build/pgmi deploy examples/shop --ephemeral --param currency=EUR "$@"
