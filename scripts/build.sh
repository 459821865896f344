#!/usr/bin/env bash
# Configures and builds pgmi into build/ (incremental). Extra arguments go to cmake.
# PGMI_BUILD_DIR names another build directory (scripts/package.sh uses build-release/).
# Uses ccache when it is installed (optional; CI works without it).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
launcher=()
if command -v ccache >/dev/null 2>&1; then
  # Relative paths in the cache key, so other checkouts (worktrees, CI clones) share entries.
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(cd .. && pwd)}"
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
dir=${PGMI_BUILD_DIR:-build}
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" "$@" >/dev/null
ninja -C "$dir" -j"$jobs"
