#!/usr/bin/env bash
# Installs the npm packages that pgmi's tests use (package.json, pinned by package-lock.json)
# into tests/node/node_modules. Idempotent and safe to run from parallel tests: a lock serialises
# runs, and `npm ci` runs only when the lock file changed since the last successful install.
# Needs Node 20+ and npm (CI's machines have both); the registry is the one npm is configured for.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "tests/node/install.sh: node and npm are needed (Node 20 or later)" >&2
  exit 1
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 20 ]; then
  echo "tests/node/install.sh: Node $(node --version) is too old; Node 20 or later is needed" >&2
  exit 1
fi

exec 9>"$here/.install.lock"
flock 9

stamp="$here/node_modules/.pgmi-installed"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error >&2
echo "$want" >"$stamp"
