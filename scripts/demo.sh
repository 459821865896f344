#!/usr/bin/env bash
# One command: install dependencies, build, and deploy the sample project into a throwaway
# local PostgreSQL (started and removed by pgmi itself).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
./build/pgmi deploy examples/shop --ephemeral --param currency=EUR "$@"
