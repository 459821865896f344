#!/usr/bin/env bash
# Deploys one target of a fleet with `pgmi deploy --json` and keeps what it said. Every scheduler
# example in this directory (GitHub Actions matrix, GitLab parallel:matrix, Kubernetes Indexed Job,
# deploy-fleet.sh with xargs -P) runs this same script, once per target.
#
#   deploy-one.sh PROJECT TARGETS TENANT        the target named TENANT
#   deploy-one.sh PROJECT TARGETS --index N     the N-th target, from 0 (JOB_COMPLETION_INDEX)
#
# TARGETS has one target per line: "<tenant> <database> [<host>]"; blank lines and lines starting
# with # are skipped. Everything else about the connection comes from the environment, as for any
# pgmi run: PGHOST, PGPORT, PGUSER, PGSSLMODE, PGPASSWORD or ~/.pgpass (or PGMI_CONNECTION_STRING,
# whose database -d replaces). Secrets never go on a command line.
#
# Writes $PGMI_FLEET_RESULTS/<tenant>.json (pgmi's --json document), <tenant>.log (its stderr)
# and <tenant>.exit (its exit code); prints "<tenant> exit=<code> <meaning>" and exits with
# pgmi's own exit code, so the job fails exactly when the deploy did. PGMI names the binary
# (default: pgmi on PATH). Exit codes are those of pgmi-exit-codes(7); this script adds 2 for its
# own usage errors (before pgmi runs).
set -uo pipefail

usage() {
  echo "usage: deploy-one.sh PROJECT TARGETS (TENANT | --index N)" >&2
  exit 2
}
[ $# -eq 3 ] || [ $# -eq 4 ] || usage
project=$1
targets=$2
[ -r "$targets" ] || { echo "deploy-one.sh: cannot read targets file $targets" >&2; exit 2; }

# The targets without comments and blank lines, one per line.
list=$(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$targets")
if [ "$3" = "--index" ]; then
  [ $# -eq 4 ] && [[ $4 =~ ^[0-9]+$ ]] || usage
  line=$(sed -n "$(($4 + 1))p" <<<"$list")
  [ -n "$line" ] || { echo "deploy-one.sh: no target with index $4 in $targets" >&2; exit 2; }
else
  [ $# -eq 3 ] || usage
  line=$(awk -v t="$3" '$1 == t' <<<"$list" | head -n1)
  [ -n "$line" ] || { echo "deploy-one.sh: no target named $3 in $targets" >&2; exit 2; }
fi
read -r tenant database host extra <<<"$line"
# The tenant names result files: keep it to a safe alphabet.
if ! [[ $tenant =~ ^[A-Za-z0-9_.-]+$ ]] || [ -z "${database:-}" ] || [ -n "${extra:-}" ]; then
  echo "deploy-one.sh: malformed target line: $line" >&2
  exit 2
fi

results=${PGMI_FLEET_RESULTS:-results}
mkdir -p "$results"
args=(deploy "$project" -d "$database" --json)
[ -n "${host:-}" ] && args+=(-h "$host")
"${PGMI:-pgmi}" "${args[@]}" >"$results/$tenant.json" 2>"$results/$tenant.log"
code=$?
echo "$code" >"$results/$tenant.exit"

case $code in
  0) meaning="deployed" ;;
  2 | 10 | 14) meaning="fix the command line, configuration or project (no connection made)" ;;
  11) meaning="could not connect or authenticate (may succeed on retry)" ;;
  12) meaning="approval denied" ;;
  13) meaning="deploy.sql failed; see $results/$tenant.json" ;;
  15) meaning="another deploy holds this database's lock (retry later)" ;;
  16) meaning="timed out" ;;
  130 | 143) meaning="interrupted" ;;
  3) meaning="internal error in pgmi (a bug)" ;;
  *) meaning="failed" ;;
esac
echo "$tenant exit=$code $meaning"
exit "$code"
