#!/usr/bin/env python3
"""The scheduler files of examples/fleet parse and agree with the driver's contract.

- every YAML file parses (PyYAML, Debian's python3-yaml);
- the GitHub workflow has the shape Actions requires (on, jobs, runs-on, steps), its deploy job
  is a fail-fast: false matrix over the tenants of targets.txt and runs deploy-one.sh;
- the GitLab job's parallel:matrix TENANT list is exactly the tenants of targets.txt, it runs
  deploy-one.sh, and the exit codes it retries are documented exit codes;
- the Kubernetes Job is Indexed with completions = number of targets, its ConfigMap holds
  targets.txt verbatim, its pods run deploy-one.sh --index, and the exit codes of its
  podFailurePolicy are documented exit codes (read from `pgmi ai contract`, the same source as
  pgmi-exit-codes(7)).

  examples_test.py SOURCE_DIR PGMI_BINARY
"""
import json
import subprocess
import sys
from pathlib import Path

import yaml

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def main():
    src = Path(sys.argv[1])
    pgmi = sys.argv[2]
    fleet = src / "examples" / "fleet"
    targets_text = (fleet / "targets.txt").read_text()
    tenants = [l.split()[0] for l in targets_text.splitlines()
               if l.strip() and not l.lstrip().startswith("#")]
    check(len(tenants) >= 2, "targets.txt lists fewer than two targets")
    contract = json.loads(subprocess.run([pgmi, "ai", "contract"], check=True,
                                         capture_output=True, text=True).stdout)
    documented = {c["code"] for c in contract["exit_codes"]}

    docs = {}
    for f in sorted(fleet.glob("*.y*ml")):
        try:
            docs[f.name] = list(yaml.safe_load_all(f.read_text()))
        except yaml.YAMLError as e:
            failures.append(f"{f.name} does not parse: {e}")
    check(set(docs) == {"github-actions.yml", "gitlab-ci.yml", "kubernetes-job.yaml"},
          f"unexpected YAML files: {sorted(docs)}")

    # GitHub Actions. PyYAML reads the key `on` as the boolean True (YAML 1.1).
    gh = docs.get("github-actions.yml", [{}])[0]
    check(True in gh or "on" in gh, "github: no `on`")
    jobs = gh.get("jobs", {})
    check(bool(jobs), "github: no jobs")
    for name, job in jobs.items():
        check("runs-on" in job and isinstance(job.get("steps"), list) and job["steps"],
              f"github: job {name} lacks runs-on or steps")
        for step in job.get("steps", []):
            check(("uses" in step) != ("run" in step), f"github: {name} step needs run xor uses")
    deploy = jobs.get("deploy", {})
    strategy = deploy.get("strategy", {})
    check(strategy.get("fail-fast") is False, "github: deploy matrix must not fail fast")
    check("tenant" in strategy.get("matrix", {}), "github: deploy matrix has no tenant")
    check(any("deploy-one.sh" in s.get("run", "") for s in deploy.get("steps", [])),
          "github: deploy job does not run deploy-one.sh")
    listing = "".join(s.get("run", "") for s in jobs.get("targets", {}).get("steps", []))
    check("examples/fleet/targets.txt" in listing, "github: matrix not read from targets.txt")

    # GitLab CI
    gl = docs.get("gitlab-ci.yml", [{}])[0]
    job = gl.get("deploy-fleet", {})
    matrix = job.get("parallel", {}).get("matrix", [])
    listed = [t for entry in matrix for t in entry.get("TENANT", [])]
    check(listed == tenants, f"gitlab: TENANT list {listed} is not targets.txt's {tenants}")
    check(any("deploy-one.sh" in line for line in job.get("script", [])),
          "gitlab: script does not run deploy-one.sh")
    retried = set(job.get("retry", {}).get("exit_codes", []))
    check(retried and retried <= documented, f"gitlab: retried codes {retried} not documented")

    # Kubernetes
    k8s = {d["kind"]: d for d in docs.get("kubernetes-job.yaml", []) if d}
    cm, jobk = k8s.get("ConfigMap", {}), k8s.get("Job", {})
    check(cm.get("data", {}).get("targets.txt") == targets_text,
          "kubernetes: the ConfigMap's targets.txt differs from examples/fleet/targets.txt")
    spec = jobk.get("spec", {})
    check(spec.get("completionMode") == "Indexed", "kubernetes: Job is not Indexed")
    check(spec.get("completions") == len(tenants),
          f"kubernetes: completions {spec.get('completions')} != {len(tenants)} targets")
    check(0 < spec.get("parallelism", 0) <= len(tenants), "kubernetes: parallelism")
    pod = spec.get("template", {}).get("spec", {})
    check(pod.get("restartPolicy") == "Never", "kubernetes: podFailurePolicy needs Never")
    cmd = " ".join(" ".join(c.get("args", []) + c.get("command", []))
                   for c in pod.get("containers", []))
    check("deploy-one.sh" in cmd and "--index" in cmd and "JOB_COMPLETION_INDEX" in cmd,
          "kubernetes: pods do not run deploy-one.sh --index $JOB_COMPLETION_INDEX")
    codes = set()
    for rule in spec.get("podFailurePolicy", {}).get("rules", []):
        codes |= set(rule.get("onExitCodes", {}).get("values", []))
    check(codes and codes <= documented, f"kubernetes: exit codes {codes} not documented")
    check({11, 15}.isdisjoint(codes), "kubernetes: retryable codes 11 and 15 must be retried")

    for f in failures:
        print("FAIL:", f)
    print(f"fleet examples: {len(failures)} problem(s), {len(tenants)} targets")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
