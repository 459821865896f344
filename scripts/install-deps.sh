#!/usr/bin/env bash
# Installs everything pgmi needs to build and test, from Debian packages only.
# Works as root or as a normal user with sudo. Idempotent: skips apt when all are present.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libpq-dev libssl-dev libcurl4-openssl-dev
  libcli11-dev libyaml-cpp-dev nlohmann-json3-dev libpugixml-dev libfmt-dev
  libgtest-dev libgmock-dev
  postgresql postgresql-client pgbouncer openssl
  clang libclang-rt-14-dev clang-format clang-tidy util-linux procps time bc python3
  python3-psycopg  # psycopg 3 for the advanced template's tools/gateway.py (its gateway test)
  zsh fish  # the completion tests run the real shells
  # packaging (scripts/package.sh, tests/package): CPack's DEB generator runs file and
  # dpkg-shlibdeps (dpkg-dev); the package test renders man pages and loads bash completions
  dpkg-dev file binutils man-db bash-completion
  python3-yaml  # the fleet test parses the CI and Kubernetes YAML of examples/fleet
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
