#!/usr/bin/env bash
# Benchmarks deploying the advanced template (not a test; asserts nothing, prints a table):
#   1. `pgmi deploy --ephemeral`: a throwaway cluster, the template, its 38 tests, teardown;
#   2. on one running server: the first deploy, then a redeploy (every idempotent script again,
#      the apply-once one skipped, the tests);
#   3. psql -1 re-running the same SQL scripts in the same plan order on that database: the
#      cost of the SQL alone, without pgmi's session, parameters, ledger and test gate.
# Usage: bench/advanced_template.sh [workdir] [rounds]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/pgmi-bench-adv-XXXXXX)}
rounds=${2:-3}
mkdir -p "$work"
chmod 755 "$work"

pgmi=${PGMI:-}   # a pgmi binary to measure; default: build this checkout's
if [ -z "$pgmi" ]; then
    cmake -S "$root" -B "$root/build" -G Ninja >/dev/null
    ninja -C "$root/build" pgmi >/dev/null
    pgmi="$root/build/pgmi"
fi
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 1; }

bindir=$(pg_config --bindir)
[ -x "$bindir/initdb" ] || bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
run_as=()
if [ "$(id -u)" = 0 ]; then run_as=(setpriv --reuid=postgres --regid=postgres --clear-groups); chown postgres "$work"; fi

rm -rf "$work/app"
PGMI_NON_INTERACTIVE=1 "$pgmi" init "$work/app" -t advanced >/dev/null 2>"$work/init.err" || {
    echo "pgmi init -t advanced failed:"; cat "$work/init.err"; exit 1; }

measure() {  # label, command...
    local label=$1; shift
    local best=""
    for _ in $(seq "$rounds"); do
        /usr/bin/time -f "%e" -o "$work/time.txt" "$@" >/dev/null 2>"$work/last.err" || {
            echo "$label failed:"; tail -5 "$work/last.err"; exit 1; }
        local t; t=$(cat "$work/time.txt")
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
    done
    printf '%-58s %8.2f s (best of %s)\n' "$label" "$best" "$rounds"
}

echo "== advanced template: $(find "$work/app" -name '*.sql' | wc -l) SQL files," \
     "$(find "$work/app" -path '*__test__*' -name 'test_*.sql' | wc -l) tests"
measure "pgmi deploy --ephemeral (cluster + deploy + tests)" "$pgmi" deploy "$work/app" --ephemeral

# One server for the rest.
rm -rf "$work/data"
"${run_as[@]}" "$bindir/initdb" -D "$work/data" -U postgres -A trust --no-sync >/dev/null
"${run_as[@]}" "$bindir/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
    -o "-k $work -c listen_addresses='' -c fsync=off -c synchronous_commit=off" start >/dev/null
trap '"${run_as[@]}" "$bindir/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true' EXIT
export PGHOST=$work PGPORT=5432 PGUSER=postgres

# A fresh database per round: drop it (and its roles) first.
first='psql -X -q -d postgres -c "DROP DATABASE IF EXISTS bench_adv" \
    -c "DROP ROLE IF EXISTS bench_adv_admin, bench_adv_customer" \
    -c "DROP ROLE IF EXISTS bench_adv_api" -c "DROP ROLE IF EXISTS bench_adv_owner" >/dev/null &&
    "$0" deploy "$1" -d bench_adv'
measure "pgmi deploy, first (create database, roles, all)" bash -c "$first" "$pgmi" "$work/app"
measure "pgmi deploy, again (idempotent re-run + tests)" "$pgmi" deploy "$work/app" -d bench_adv

# The same scripts, in plan order (sort key, then path), as the owner, in one transaction.
files=()
while read -r _ path; do files+=(-f "$path"); done < <(
    cd "$work/app" && grep -rl --include='*.sql' '<pgmi-meta' . | grep -v __test__ |
    while read -r f; do
        grep -q 'idempotent="false"' "$f" && continue
        printf '%s %s\n' "$(sed -n 's/.*<key>\([^<]*\)<\/key>.*/\1/p' "$f" | head -1)" "$work/app/${f#./}"
    done | LC_ALL=C sort)
measure "psql -1 -f (the same $(( ${#files[@]} / 2 )) scripts, no pgmi)" \
    psql -X -q -1 -v ON_ERROR_STOP=1 -d bench_adv -c "SET ROLE bench_adv_owner" "${files[@]}"
