#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer.
#   ./scripts/fuzz.sh                  every target, 60 s each
#   ./scripts/fuzz.sh redact 600       one target for 10 minutes
#   PGMI_FUZZ_MERGE=1 ./scripts/fuzz.sh ...   also merge new coverage into the committed corpus
#   PGMI_FUZZ_RUNS=10000000 ./scripts/fuzz.sh all 600   stop a target at 10M executions or 10 min
# Builds build-fuzz/ with clang: every module library carries -fsanitize=fuzzer-no-link,address,
# undefined, so libFuzzer sees coverage of the parsers themselves, not only of the harness.
# Per target (fuzz/<module>/<name>_fuzz.cpp) it uses fuzz/<module>/corpus/<name>/ as seeds,
# fuzz/<module>/<name>.dict as dictionary and fuzz/<module>/<name>.options (extra libFuzzer flags,
# e.g. -max_len) when they exist. New inputs go to build-fuzz/work/<name>/, crashes to
# build-fuzz/crashes/<name>/. The last line per target is a summary for fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
only=${1:-all}
seconds=${2:-60}
./scripts/install-deps.sh
launcher=()
if command -v ccache >/dev/null 2>&1; then
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(cd .. && pwd)}"
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DPGMI_FUZZ=ON -DPGMI_TESTS=ON "${launcher[@]}" >/dev/null

status=0
for src in fuzz/*/*_fuzz.cpp; do
  name=$(basename "$src" _fuzz.cpp)
  module=$(basename "$(dirname "$src")")
  [ "$only" = all ] || [ "$only" = "$name" ] || continue
  ninja -C build-fuzz -j"$(nproc 2>/dev/null || echo 2)" "fuzz_$name" >/dev/null
  seeds="fuzz/$module/corpus/$name"
  work="build-fuzz/work/$name"
  crashes="build-fuzz/crashes/$name"
  mkdir -p "$work" "$crashes" "$seeds"
  flags=(-max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$crashes/"
         -timeout=25 -rss_limit_mb=4096)
  [ -n "${PGMI_FUZZ_RUNS:-}" ] && flags+=(-runs="$PGMI_FUZZ_RUNS")
  [ -f "fuzz/$module/$name.dict" ] && flags+=(-dict="fuzz/$module/$name.dict")
  if [ -f "fuzz/$module/$name.options" ]; then
    read -r -a extra < "fuzz/$module/$name.options"
    flags+=("${extra[@]}")
  fi
  log="build-fuzz/work/$name.log"
  if ! "./build-fuzz/fuzz/fuzz_$name" "${flags[@]}" "$work" "$seeds" >"$log" 2>&1; then
    status=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n1 | cut -d' ' -f2)
  found=$(find "$crashes" -type f | wc -l)
  if [ "${PGMI_FUZZ_MERGE:-0}" = 1 ]; then
    "./build-fuzz/fuzz/fuzz_$name" -merge=1 "$seeds" "$work" >/dev/null 2>&1 || true
  fi
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n1)
  printf '%s: %s s, %s executions, cov %s, ft %s, %s crash/timeout/oom artifacts (log %s)\n' \
    "$name" "${secs:-$seconds}" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$found" "$log"
done
exit $status
