#!/usr/bin/env bash
# Benchmarks pgmi against psql on the same input, in one run, on one throwaway server:
#   1. split: lexing and splitting a generated 10 MB deploy.sql (in-process, bench_split);
#   2. deploy of that 10 MB script: `pgmi deploy` vs `psql -1 -f` (wall time, peak RSS);
#   3. a 5,000-file project: `pgmi deploy` (load all files + EXECUTE each) vs `psql -1 -f` of the
#      same statements concatenated;
#   4. the test gate: 2,000 `__test__/` files through `CALL pgmi_test()` with --test-report vs
#      `psql -1 -f` of the same tests between the same savepoints.
# Prints a table; asserts nothing. Usage: bench/run.sh [workdir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/pgmi-bench-XXXXXX)}
mkdir -p "$work"
chmod 755 "$work"

cmake -S "$root" -B "$root/build" -G Ninja -DPGMI_BENCH=ON >/dev/null
ninja -C "$root/build" pgmi bench_split >/dev/null
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 1; }

bindir=$(pg_config --bindir)
[ -x "$bindir/initdb" ] || bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
run_as=()
if [ "$(id -u)" = 0 ]; then run_as=(setpriv --reuid=postgres --regid=postgres --clear-groups); chown postgres "$work"; fi

# One server for every measurement.
"${run_as[@]}" "$bindir/initdb" -D "$work/data" -U postgres -A trust --no-sync >/dev/null
"${run_as[@]}" "$bindir/pg_ctl" -D "$work/data" -l "$work/server.log" -w \
    -o "-k $work -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c max_locks_per_transaction=256" start >/dev/null
trap '"${run_as[@]}" "$bindir/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true' EXIT
port=5432
export PGHOST=$work PGPORT=$port PGUSER=postgres

measure() {  # label, command...
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/last.err" || {
        echo "$label failed:"; tail -5 "$work/last.err"; exit 1; }
    read -r secs kb <"$work/time.txt"
    printf '%-44s %8.2f s %8.1f MB\n' "$label" "$secs" "$(echo "$kb / 1024" | bc -l)"
}

# 1 + 2: a 10 MB deploy.sql of plain statements.
mkdir -p "$work/big"
python3 - "$work/big/deploy.sql" <<'PY'
import sys
out = open(sys.argv[1], "w")
out.write("BEGIN;\nCREATE TABLE t (id int, body text);\nCOMMIT;\n")
i = 0
size = 0
while size < 10_000_000:
    line = f"INSERT INTO t VALUES ({i}, 'row {i} -- not a comment; ''quoted'' $$ text');\n"
    out.write(line); size += len(line); i += 1
PY
echo "== split (in process)"
"$root/build/bench/bench_split" "$work/big/deploy.sql" 3
echo "== 10 MB deploy.sql (one server, fresh database each)"
printf '%-44s %10s %11s\n' "" "wall" "peak RSS"
createdb b_pgmi; createdb b_psql
measure "pgmi deploy (head atomic, tail per statement)" "$root/build/pgmi" deploy "$work/big" -d b_pgmi --timeout 0
measure "psql -1 -f (one transaction)" psql -X -q -1 -v ON_ERROR_STOP=1 -d b_psql -f "$work/big/deploy.sql"

# 3: a 5,000-file project, every file a small migration, executed by deploy.sql in plan order.
mkdir -p "$work/many/migrations"
python3 - "$work/many" <<'PY'
import os, sys
root = sys.argv[1]
with open(os.path.join(root, "all.sql"), "w") as concat:
    concat.write("BEGIN;\n")
    for i in range(5000):
        body = f"CREATE TABLE IF NOT EXISTS m{i} (id int PRIMARY KEY, note text);\nINSERT INTO m{i} VALUES (1, 'file {i}') ON CONFLICT DO NOTHING;\n"
        with open(os.path.join(root, "migrations", f"{i:05d}.sql"), "w") as f:
            f.write(body)
        concat.write(body)
    concat.write("COMMIT;\n")
with open(os.path.join(root, "deploy.sql"), "w") as f:
    f.write("""BEGIN;
DO $$ DECLARE f record; BEGIN
  FOR f IN SELECT path, content FROM pg_temp.pgmi_plan_view WHERE path LIKE './migrations/%' ORDER BY execution_order LOOP
    EXECUTE f.content;
  END LOOP;
END $$;
COMMIT;
""")
PY
mv "$work/many/all.sql" "$work/all-5000.sql"
echo "== 5,000-file project"
printf '%-44s %10s %11s\n' "" "wall" "peak RSS"
createdb m_pgmi; createdb m_psql
measure "pgmi deploy (load 5,000 files + EXECUTE each)" "$root/build/pgmi" deploy "$work/many" -d m_pgmi --timeout 0
measure "psql -1 -f (same SQL concatenated)" psql -X -q -1 -v ON_ERROR_STOP=1 -d m_psql -f "$work/all-5000.sql"

# 4: the test gate: 2,000 test files, each isolated by a savepoint, with --test-report, against
#    psql running the same tests between the same savepoints.
mkdir -p "$work/gate/__test__"
python3 - "$work/gate" <<'PY'
import os, sys
root = sys.argv[1]
with open(os.path.join(root, "deploy.sql"), "w") as f:
    f.write("BEGIN;\nCREATE TABLE item (id int PRIMARY KEY);\nCALL pgmi_test();\nCOMMIT;\n")
with open(os.path.join(root, "..", "gate-psql.sql"), "w") as concat:
    concat.write("BEGIN;\nCREATE TABLE item (id int PRIMARY KEY);\nSAVEPOINT suite;\n")
    for i in range(2000):
        body = f"INSERT INTO item VALUES ({i});\nDO $$ BEGIN ASSERT (SELECT count(*) FROM item) = 1; END $$;\n"
        with open(os.path.join(root, "__test__", f"test_{i:05d}.sql"), "w") as t:
            t.write(body)
        concat.write(body + "ROLLBACK TO SAVEPOINT suite;\n")
    concat.write("COMMIT;\n")
PY
echo "== test gate: 2,000 tests"
printf '%-44s %10s %11s\n' "" "wall" "peak RSS"
createdb g_pgmi; createdb g_psql
measure "pgmi deploy (CALL pgmi_test(), --test-report)" "$root/build/pgmi" deploy "$work/gate" -d g_pgmi --timeout 0 --test-report "$work/gate.xml"
measure "psql -1 -f (same tests, same savepoints)" psql -X -q -1 -v ON_ERROR_STOP=1 -d g_psql -f "$work/gate-psql.sql"
