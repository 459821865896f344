#!/usr/bin/env bash
# Installs the pinned npm packages of package.json (locked by package-lock.json) into
# tests/fleet/node/node_modules for the fleet test. Idempotent; a lock serialises parallel runs and
# `npm ci` runs only when the lock file changed. Needs Node 20+ and npm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 ||
  { echo "tests/fleet/node/install.sh: node and npm (Node 20 or later) are needed" >&2; exit 1; }
major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$major" -ge 20 ] || { echo "tests/fleet/node/install.sh: Node 20 or later is needed" >&2; exit 1; }
exec 9>"$here/.install.lock"
flock 9
stamp="$here/node_modules/.pgmi-installed"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error >&2
echo "$want" >"$stamp"
