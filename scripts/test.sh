#!/usr/bin/env bash
# One command: install dependencies, build with warnings as errors, and run the whole test suite
# (unit, integration against real PostgreSQL servers, fuzz smoke runs) through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh -DPGMI_WERROR=ON -DPGMI_TESTS=ON
./scripts/lint.sh
jobs=$(nproc 2>/dev/null || echo 2)
ctest --test-dir build --output-on-failure -j"$jobs" "$@"
