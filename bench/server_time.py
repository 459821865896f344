#!/usr/bin/env python3
"""pgmi's whole run against the limit: the server's own time executing deploy.sql.

Not a test; asserts nothing. On throwaway servers (fsync on, then off) it deploys projects of N
migration files (N = 1,000 in one transaction; 5,000 committed in phases of 1,000). deploy.sql
stamps clock_timestamp() as its first statement and reports the elapsed time after its last
COMMIT in a NOTICE: that is the server time. pgmi's wall time (spawn to exit: start-up, connect,
lock, scan and load every file, deploy.sql, commit, report) is divided by it. psql runs the same
migrations concatenated, with the same stamps, in the same run, for comparison. Each run gets a
fresh database; the table shows medians.

It also measures peak client memory (RSS, from wait4) of `pgmi deploy` on deploy.sql scripts of
1, 5, 10 and 20 MB of plain statements, next to `psql -1 -f` on the same file.

usage: bench/server_time.py [path/to/pgmi] [runs]
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

root = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
pgmi = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(root, "build", "pgmi")
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
STAMP = re.compile(r"bench server seconds ([0-9.]+)")

PROLOGUE = "SELECT set_config('bench.t0', clock_timestamp()::text, false);\n"
EPILOGUE = (
    "DO $$ BEGIN RAISE NOTICE 'bench server seconds %', "
    "extract(epoch FROM clock_timestamp() - current_setting('bench.t0')::timestamptz); END $$;\n"
)


def pg_bindir():
    out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
    if os.path.exists(os.path.join(out, "initdb")):
        return out
    dirs = sorted(d for d in os.listdir("/usr/lib/postgresql") if d.isdigit())
    return f"/usr/lib/postgresql/{dirs[-1]}/bin"


class Server:
    """A throwaway cluster on a Unix socket in `work` (as user postgres when run as root)."""

    def __init__(self, work, fsync):
        self.work, self.bindir = work, pg_bindir()
        self.data = os.path.join(work, "data")
        self.as_user = []
        if os.getuid() == 0:
            self.as_user = ["setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups"]
            shutil.chown(work, "postgres")
        subprocess.run(self.as_user + [f"{self.bindir}/initdb", "-D", self.data, "-U", "postgres",
                                       "-A", "trust", "--no-sync"], check=True,
                       stdout=subprocess.DEVNULL)
        opts = f"-k {work} -c listen_addresses='' -c fsync={fsync} -c max_locks_per_transaction=1024"
        subprocess.run(self.as_user + [f"{self.bindir}/pg_ctl", "-D", self.data, "-l",
                                       os.path.join(work, "server.log"), "-w", "-o", opts, "start"],
                       check=True, stdout=subprocess.DEVNULL)
        self.env = dict(os.environ, PGHOST=work, PGPORT="5432", PGUSER="postgres")

    def stop(self):
        subprocess.run(self.as_user + [f"{self.bindir}/pg_ctl", "-D", self.data, "-m", "immediate",
                                       "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def sql(self, statement):
        subprocess.run(["psql", "-X", "-q", "-d", "postgres", "-c", statement], env=self.env,
                       check=True, stdout=subprocess.DEVNULL)


def timed(cmd, env):
    """(wall seconds, stderr+stdout text, peak RSS in KB) of one child process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    text = out.decode(errors="replace")
    if p.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({p.returncode}):\n{text[-2000:]}")
    return wall, text, usage.ru_maxrss


def make_project(base, n, phase):
    """A project of n migrations; deploy.sql runs them in plan order, committing every `phase`."""
    proj = os.path.join(base, f"p{n}")
    os.makedirs(os.path.join(proj, "migrations"))
    bodies = []
    for i in range(n):
        body = (f"CREATE TABLE m{i} (id int PRIMARY KEY, note text);\n"
                f"INSERT INTO m{i} VALUES (1, 'file {i}');\n")
        with open(os.path.join(proj, "migrations", f"{i:05d}.sql"), "w") as f:
            f.write(body)
        bodies.append(body)
    deploy = [PROLOGUE]
    concat = [PROLOGUE]
    for lo in range(0, n, phase):
        deploy.append(
            "BEGIN;\nDO $$ DECLARE f record; BEGIN\n"
            "  FOR f IN SELECT content FROM pg_temp.pgmi_plan_view\n"
            f"    WHERE path LIKE './migrations/%' ORDER BY execution_order OFFSET {lo} LIMIT {phase}\n"
            "  LOOP EXECUTE f.content; END LOOP;\nEND $$;\nCOMMIT;\n")
        concat.append("BEGIN;\n" + "".join(bodies[lo:lo + phase]) + "COMMIT;\n")
    deploy.append(EPILOGUE)
    concat.append(EPILOGUE)
    with open(os.path.join(proj, "deploy.sql"), "w") as f:
        f.write("".join(deploy))
    script = os.path.join(base, f"concat{n}.sql")
    with open(script, "w") as f:
        f.write("".join(concat))
    return proj, script


def server_seconds(text):
    m = STAMP.search(text)
    if not m:
        raise SystemExit("no server time in the output:\n" + text[-2000:])
    return float(m.group(1))


def run_tool(server, tool, db, proj, script, psql_flags=()):
    """One run of `pgmi deploy proj` or `psql -f script` on a fresh database `db`: timed()."""
    server.sql(f"CREATE DATABASE {db}")
    if tool == "pgmi":
        cmd = [pgmi, "deploy", proj, "-d", db, "--timeout", "0"]
    else:
        cmd = ["psql", "-X", "-q", *psql_flags, "-v", "ON_ERROR_STOP=1", "-d", db, "-f", script]
    result = timed(cmd, server.env)
    server.sql(f"DROP DATABASE {db}")
    return result


def ratios(server, proj, script, n):
    rows = {"pgmi": [], "psql": []}
    for r in range(runs):
        for tool in ("pgmi", "psql"):
            wall, text, _ = run_tool(server, tool, f"{tool}_{n}_{r}", proj, script)
            rows[tool].append((wall, server_seconds(text)))
    return rows


def fmt_row(label, samples):
    walls = [w for w, _ in samples]
    servers = [s for _, s in samples]
    ratio = statistics.median(w / s for w, s in samples)
    overhead = statistics.median((w - s) * 1000 for w, s in samples)
    return (f"{label:<34} {statistics.median(walls):8.3f} s {statistics.median(servers):8.3f} s "
            f"{ratio:7.3f}x {overhead:8.1f} ms")


def throughput(base):
    print(f"\n== whole run / server time executing deploy.sql (median of {runs})")
    for fsync in ("on", "off"):
        work = tempfile.mkdtemp(prefix=f"pgmi-st-{fsync}-", dir=base)
        server = Server(work, fsync)
        try:
            print(f"-- fsync={fsync}")
            print(f"{'':<34} {'wall':>10} {'server':>10} {'ratio':>8} {'overhead':>11}")
            for n, phase in ((1000, 1000), (5000, 1000)):
                proj, script = make_project(work, n, phase)
                rows = ratios(server, proj, script, n)
                label = f"N={n}" + (f", phases of {phase}" if phase < n else ", one transaction")
                print(fmt_row(f"pgmi deploy   {label}", rows["pgmi"]))
                print(fmt_row(f"psql -f       {label}", rows["psql"]))
        finally:
            server.stop()


def memory(base):
    work = tempfile.mkdtemp(prefix="pgmi-rss-", dir=base)
    server = Server(work, "off")
    try:
        print("\n== peak client RSS on a large deploy.sql (plain INSERTs, head + one unit each)")
        print("   (per MB: above the RSS of the same run on an empty script, per MB of script)")
        print(f"{'script':>8} {'pgmi':>10} {'per MB':>9} {'psql -1 -f':>11}")
        line = "INSERT INTO t VALUES ({0}, 'row {0} -- not a comment; ''quoted'' $$ text');\n"
        base = None
        for mb in (0, 1, 5, 10, 20):
            proj = os.path.join(work, f"big{mb}")
            os.makedirs(proj)
            path = os.path.join(proj, "deploy.sql")
            with open(path, "w") as f:
                f.write("BEGIN;\nCREATE TABLE t (id int, body text);\nCOMMIT;\n")
                size, i = 0, 0
                while size < mb * 1_000_000:
                    s = line.format(i)
                    f.write(s)
                    size, i = size + len(s), i + 1
            results = []
            for tool in ("pgmi", "psql"):
                _, _, kb = run_tool(server, tool, f"rss_{tool}_{mb}", proj, path, ["-1"])
                results.append(kb / 1024)
            if base is None:
                base = results[0]
                print(f"{'empty':>8} {results[0]:7.1f} MB {'':>9} {results[1]:8.1f} MB")
                continue
            per_mb = (results[0] - base) / mb
            print(f"{mb:>5} MB {results[0]:7.1f} MB {per_mb:6.2f} MB {results[1]:8.1f} MB")
    finally:
        server.stop()


if __name__ == "__main__":
    base = tempfile.mkdtemp(prefix="pgmi-bench-")
    os.chmod(base, 0o755)
    try:
        what = os.environ.get("PGMI_BENCH_ONLY", "all")
        if what in ("all", "time"):
            throughput(base)
        if what in ("all", "memory"):
            memory(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)
