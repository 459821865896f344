#!/usr/bin/env bash
# Builds the release package and checks it:
#   build-release/pgmi_<version>_<arch>.deb and .tar.gz (both also copied into build/),
#   build-release/pgmi.debug (the debug information the stripped binary links to).
# A separate build directory, so the test build in build/ stays incremental. The Release
# configuration is -O2 -g with link-time optimisation; the debug information then moves to
# pgmi.debug and the binary is stripped (cmake/packaging.cmake, PGMI_SPLIT_DEBUG).
# The package is then checked exactly as the suite checks the test build's package
# (tests/package/package_test.sh: installed into a throwaway root, run, removed).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
dir=build-release
start=$(date +%s)
PGMI_BUILD_DIR=$dir ./scripts/build.sh -DCMAKE_BUILD_TYPE=Release \
  "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -g -DNDEBUG" -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=ON \
  -DPGMI_SPLIT_DEBUG=ON -DPGMI_TESTS=OFF -DPGMI_WERROR=ON
built=$(date +%s)
(cd "$dir" && cpack >/dev/null)
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$dir/CMakeCache.txt")
arch=$(dpkg --print-architecture)
deb="$dir/pgmi_${version}_${arch}.deb"
tests/package/package_test.sh "$dir" "$deb"
# Also where the README's install line looks for them (build/ is the test build's directory; the
# packages are copies, the Release build stays in build-release/).
mkdir -p build
cp "$deb" "$dir/pgmi_${version}_${arch}.tar.gz" build/
echo "package: build/pgmi_${version}_${arch}.deb (built in $deb)"
echo "package: build/pgmi_${version}_${arch}.tar.gz"
echo "package: $dir/pgmi.debug (debug information)"
echo "package: stripped binary $(stat -c %s "$dir/pgmi") bytes; build $((built - start)) s"
