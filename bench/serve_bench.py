#!/usr/bin/env python3
"""Benchmarks `pgmi serve` start-up and idleness (not a test; asserts nothing).

1. Start-up: spawn `pgmi serve`, send initialize + tools/list at once, and time until both
   answers are read (wall clock from before the spawn). Repeated; prints min / median / max.
2. Idle: a started server left alone for a few seconds; CPU time it used meanwhile, read from
   /proc/<pid>/stat (utime + stime, clock ticks), and its resident memory.

usage: bench/serve_bench.py [path/to/pgmi] [runs]
"""
import json
import os
import statistics
import subprocess
import sys
import time

pgmi = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "build", "pgmi")
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 30

INIT = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                   "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                              "clientInfo": {"name": "bench", "version": "1"}}})
LIST = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})


def start_up():
    t0 = time.perf_counter()
    p = subprocess.Popen([pgmi, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    p.stdin.write((INIT + "\n" + LIST + "\n").encode())
    p.stdin.flush()
    seen = set()
    while len(seen) < 2:
        line = p.stdout.readline()
        if not line:
            raise SystemExit("pgmi serve ended early")
        seen.add(json.loads(line)["id"])
    elapsed = (time.perf_counter() - t0) * 1000
    p.stdin.close()
    p.wait()
    return elapsed


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


times = sorted(start_up() for _ in range(runs))
print(f"pgmi serve: initialize + tools/list answered after start, {runs} runs")
print(f"  min {times[0]:.1f} ms   median {statistics.median(times):.1f} ms   max {times[-1]:.1f} ms")

p = subprocess.Popen([pgmi, "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL)
p.stdin.write((INIT + "\n").encode())
p.stdin.flush()
p.stdout.readline()
before = cpu_ticks(p.pid)
idle_seconds = 5
time.sleep(idle_seconds)
after = cpu_ticks(p.pid)
rss = rss_kb(p.pid)
p.stdin.close()
p.wait()
hz = os.sysconf("SC_CLK_TCK")
print(f"pgmi serve idle for {idle_seconds} s: {after - before} clock ticks of CPU "
      f"({(after - before) / hz * 1000:.0f} ms; 1 tick = {1000 / hz:.0f} ms), RSS {rss / 1024:.1f} MB")
