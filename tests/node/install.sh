#!/usr/bin/env bash
# Installs the npm packages the tests run (package.json, pinned by package-lock.json) into
# tests/node/node_modules. Idempotent and safe for tests running in parallel: flock serialises
# runs, and `npm ci` runs only when package-lock.json changed since the last successful install.
# Needs Node 20+ and npm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "tests/node/install.sh: node and npm are needed (Node 20 or later)" >&2
  exit 1
fi
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "tests/node/install.sh: Node $(node --version) is too old; 20 or later is needed" >&2
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
