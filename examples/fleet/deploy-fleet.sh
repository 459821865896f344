#!/usr/bin/env bash
# Deploys every target of TARGETS on this machine, PARALLEL at a time (default 4), with
# xargs -P running deploy-one.sh per target: the same contract the CI and Kubernetes examples
# follow, for fleets one machine can handle. Prints one line per target and a summary; the
# --json document, stderr and exit code of each target are in $PGMI_FLEET_RESULTS (default
# results/). Exits 0 when every target deployed, 1 when any failed (each failure is listed with
# its exit code), 2 on a usage error.
#
#   deploy-fleet.sh PROJECT TARGETS [PARALLEL]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] && [ $# -le 3 ] || { echo "usage: deploy-fleet.sh PROJECT TARGETS [PARALLEL]" >&2; exit 2; }
project=$1
targets=$2
parallel=${3:-4}
[[ $parallel =~ ^[1-9][0-9]*$ ]] || { echo "deploy-fleet.sh: PARALLEL must be a positive integer" >&2; exit 2; }
[ -r "$targets" ] || { echo "deploy-fleet.sh: cannot read targets file $targets" >&2; exit 2; }
results=${PGMI_FLEET_RESULTS:-results}
export PGMI_FLEET_RESULTS=$results
mkdir -p "$results"

mapfile -t tenants < <(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$targets" | awk '{print $1}')
[ ${#tenants[@]} -gt 0 ] || { echo "deploy-fleet.sh: no targets in $targets" >&2; exit 2; }
# No stale results: every tenant's files come from this run.
for t in "${tenants[@]}"; do rm -f "$results/$t.json" "$results/$t.exit" "$results/$t.log"; done

# xargs's own status only says "something failed"; each target's code is in its .exit file.
printf '%s\0' "${tenants[@]}" |
  xargs -0 -n1 -P "$parallel" "$here/deploy-one.sh" "$project" "$targets" || true

ok=0
failed=()
for t in "${tenants[@]}"; do
  code=$(cat "$results/$t.exit" 2>/dev/null || echo "none")
  if [ "$code" = 0 ]; then
    ok=$((ok + 1))
  else
    failed+=("$t exit=$code")
  fi
done
echo "fleet: ${#tenants[@]} targets, $ok deployed, ${#failed[@]} failed"
for f in "${failed[@]}"; do echo "fleet: FAILED $f"; done
[ ${#failed[@]} -eq 0 ]
