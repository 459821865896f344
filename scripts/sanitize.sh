#!/usr/bin/env bash
# The sanitizer pass (also the second half of scripts/test.sh): builds the whole suite with
# AddressSanitizer + UndefinedBehaviorSanitizer (-DPGMI_SANITIZE=ON: every module library, the
# pgmi binary, the tests and the fuzz smoke drivers) into build-asan/, and runs every CTest test
# there: unit, integration (which spawn the sanitized pgmi) and fuzz seeds. Extra arguments go to
# ctest (e.g. -R fault).
#
# Zero reports means zero: every sanitized process (a test, or a pgmi a test spawned and whose
# exit code the test may expect to be non-zero) writes its report to build-asan/sanitizer-reports/
# instead of stderr, so a report in a child cannot hide behind an expected failure; the pass fails
# when that directory holds any file, and prints them. -O1 -g1 keeps the build and the run fast
# enough for CI (see README: Tests); asserts stay on.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${PGMI_DEPS_DONE:-0}" != 1 ]; then
  ./scripts/install-deps.sh
fi
jobs=$(nproc 2>/dev/null || echo 2)
launcher=()
if command -v ccache >/dev/null 2>&1; then
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(cd .. && pwd)}"
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

started=$(date +%s)
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
  -DPGMI_SANITIZE=ON -DPGMI_WERROR=ON -DPGMI_TESTS=ON "${launcher[@]}" >/dev/null
reports="$PWD/build-asan/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"
# halt/abort on the first error of either sanitizer (the build also has
# -fno-sanitize-recover=all). Leak detection stays on for every process: a process that exits
# on its own (also 130/143 after a signal, through exit()) must not leak; a process killed with
# SIGKILL, or ended by the signal backstop's _exit() (src/cli/signals.cpp), never runs the leak
# check, so the exit codes the fault tests expect are unchanged.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_init_order=1:detect_stack_use_after_return=0:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
ninja -C build-asan -j"$jobs"
built=$(date +%s)

status=0
ctest --test-dir build-asan --output-on-failure -j"$jobs" "$@" || status=$?
finished=$(date +%s)

if [ -n "$(find "$reports" -type f -print -quit)" ]; then
  for f in "$reports"/*; do
    echo "==== sanitizer report $f" >&2
    cat "$f" >&2
  done
  echo "sanitize: $(find "$reports" -type f | wc -l) sanitizer report(s), see above" >&2
  status=1
fi
echo "sanitize: build $((built - started)) s, tests $((finished - built)) s; reports: $(find "$reports" -type f | wc -l)"
exit $status
