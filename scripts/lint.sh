#!/usr/bin/env bash
# Style gate, run by scripts/test.sh: every tracked C++ file must be clang-format clean (fails on
# drift), and clang-tidy (.clang-tidy) must be quiet on the C++ files changed since BASE.
#   ./scripts/lint.sh [BASE]     BASE defaults to $PGMI_LINT_BASE, else HEAD~1
# clang-tidy uses build/compile_commands.json, so run it after scripts/build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-${PGMI_LINT_BASE:-HEAD~1}}

mapfile -t all < <(git ls-files '*.cpp' '*.hpp')
if ! clang-format --dry-run -Werror "${all[@]}" 2>/tmp/pgmi-format.$$; then
  grep 'error:' /tmp/pgmi-format.$$ | cut -d: -f1 | sort -u | sed 's/^/not clang-formatted: /' >&2
  rm -f /tmp/pgmi-format.$$
  echo "lint: run clang-format -i on the files above" >&2
  exit 1
fi
rm -f /tmp/pgmi-format.$$

git rev-parse --verify -q "$base" >/dev/null || base=$(git rev-list --max-parents=0 HEAD | tail -n1)
mapfile -t changed < <(git diff --name-only --diff-filter=ACMR "$base" -- 'src/*.cpp' 'fuzz/*.cpp')
if [ ${#changed[@]} -eq 0 ]; then
  echo "lint: clang-format clean; no changed .cpp files for clang-tidy since $base"
  exit 0
fi
out=$(clang-tidy -p build --quiet "${changed[@]}" 2>/dev/null | grep -E '(warning|error):' || true)
if [ -n "$out" ]; then
  echo "$out" >&2
  echo "lint: clang-tidy found the problems above in files changed since $base" >&2
  exit 1
fi
echo "lint: clang-format clean; clang-tidy quiet on ${#changed[@]} file(s) changed since $base"
