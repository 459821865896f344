#!/usr/bin/env bash
# One command: install dependencies, build with warnings as errors, and run the whole test suite
# (unit, integration against real PostgreSQL servers, fuzz smoke runs) through CTest; then the
# same suite again built with ASan + UBSan (scripts/sanitize.sh, build-asan/).
#   ./scripts/test.sh [ctest args]     both passes (the ctest args apply to both)
#   ./scripts/test.sh --sanitize-only  the sanitizer pass alone (same as scripts/sanitize.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
export PGMI_DEPS_DONE=1
if [ "${1:-}" = --sanitize-only ]; then
  shift
  exec ./scripts/sanitize.sh "$@"
fi
./scripts/build.sh -DPGMI_WERROR=ON -DPGMI_TESTS=ON
./scripts/lint.sh
jobs=$(nproc 2>/dev/null || echo 2)
ctest --test-dir build --output-on-failure -j"$jobs" "$@"
./scripts/sanitize.sh "$@"
