#!/usr/bin/env bash
# The package as a user gets it. Installs the .deb into a throwaway root with dpkg itself
# (--root: its own package database; no maintainer scripts run), then checks that:
#   - the control fields are right: version from the project, Depends: equal to what
#     dpkg-shlibdeps computes for the packed binary, Recommends: postgresql, no maintainer scripts;
#   - the package holds exactly what `cmake --install` places (so the install rules are the package);
#   - the binary runs, is stripped, and `pgmi deploy --ephemeral` works with it;
#   - every manual page `pgmi __man` names is installed and `man -l` renders it without warnings,
#     and `man <page>` finds it through MANPATH;
#   - bash finds the completion where bash-completion looks on demand
#     (share/bash-completion/completions/pgmi) and completes a command with it;
#   - zsh and fish completions sit in Debian's vendor directories;
#   - the .tar.gz holds the same binary and runs;
#   - `dpkg -r` leaves nothing behind.
#   tests/package/package_test.sh BUILD_DIR [DEB]
# Without DEB, the package is made from BUILD_DIR by cpack (no compilation: the suite packs the
# test build's binary, stripped by CPack) into a temporary directory.
set -euo pipefail

fail() {
  echo "package test: FAIL: $*" >&2
  exit 1
}
note() { echo "package test: $*"; }

[ $# -ge 1 ] || fail "usage: package_test.sh BUILD_DIR [DEB]"
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"  # the ephemeral server's user must reach the project below

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
arch=$(dpkg --print-architecture)
[ -n "$version" ] || fail "no project version in $build/CMakeCache.txt"

if [ $# -ge 2 ]; then
  deb=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
  tgz=${deb%.deb}.tar.gz
else
  note "cpack from $build"
  (cd "$build" && cpack -B "$work/out" >"$work/cpack.log" 2>&1) ||
    { cat "$work/cpack.log" >&2; fail "cpack failed"; }
  deb=$work/out/pgmi_${version}_${arch}.deb
  tgz=$work/out/pgmi_${version}_${arch}.tar.gz
fi
[ -f "$deb" ] || fail "no package at $deb (expected the name pgmi_<version>_<arch>.deb)"
[ "$(basename "$deb")" = "pgmi_${version}_${arch}.deb" ] || fail "package name $(basename "$deb")"
[ -f "$tgz" ] || fail "no archive at $tgz"

# --- control fields
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = pgmi ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version), project version $version"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture: $(field Architecture)"
[ "$(field Recommends)" = postgresql ] || fail "Recommends: $(field Recommends)"
[ -n "$(field Maintainer)" ] || fail "no Maintainer:"
depends=$(field Depends)
for lib in libc6 libpq5 libssl3 libcurl4; do
  grep -q "\b$lib\b" <<<"$depends" || fail "Depends: lacks $lib: $depends"
done
mkdir "$work/control"
dpkg-deb -e "$deb" "$work/control"
extra=$(ls "$work/control" | grep -vx -e control -e md5sums || true)
[ -z "$extra" ] || fail "maintainer scripts or conffiles in the package: $extra"

# Depends: must be what dpkg-shlibdeps says about the packed binary, not a guess.
mkdir -p "$work/x" "$work/shlibdeps/debian"
dpkg-deb -x "$deb" "$work/x"
printf 'Source: pgmi\n\nPackage: pgmi\nArchitecture: any\n' >"$work/shlibdeps/debian/control"
computed=$(cd "$work/shlibdeps" && dpkg-shlibdeps -O "$work/x/usr/bin/pgmi" 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')
[ -n "$computed" ] || fail "dpkg-shlibdeps computed nothing for usr/bin/pgmi"
norm() { tr ',' '\n' | sed 's/^ *//; s/ *$//' | sort; }
if [ "$(norm <<<"$depends")" != "$(norm <<<"$computed")" ]; then
  fail "Depends: differs from dpkg-shlibdeps: package '$depends', computed '$computed'"
fi
note "Depends: $depends"

# --- the package is exactly what the install rules place
cmake --install "$build" --prefix "$work/inst/usr" >/dev/null
(cd "$work/inst" && find . -type f -o -type l | sed 's|^\./|/|' | sort) >"$work/installed"
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./|/|' | sort >"$work/packaged"
if ! diff -u "$work/installed" "$work/packaged" >"$work/diff"; then
  cat "$work/diff" >&2
  fail "the package and cmake --install place different files"
fi
note "$(wc -l <"$work/packaged") files, same as cmake --install"

# --- install into a throwaway root with dpkg
root=$work/root
mkdir -p "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/info"
: >"$root/var/lib/dpkg/status"
dpkg_root() { dpkg --root="$root" --force-not-root --force-depends --force-script-chrootless "$@"; }
dpkg_root -i "$deb" >"$work/dpkg-i.log" 2>&1 || { cat "$work/dpkg-i.log" >&2; fail "dpkg -i"; }
pgmi=$root/usr/bin/pgmi

"$pgmi" version | grep -q "$version" || fail "pgmi version does not print $version"
if readelf -S "$pgmi" | grep -q -e '\.debug_info' -e '\.symtab'; then
  fail "usr/bin/pgmi is not stripped"
fi
note "binary $(stat -c %s "$pgmi") bytes, stripped"

# man pages: every page the binary names, readable by man -l, found by man through MANPATH
count=0
while read -r name section; do
  page=$root/usr/share/man/man$section/$name.$section.gz
  [ -f "$page" ] || fail "missing manual page $page"
  text=$(LC_ALL=C.UTF-8 MANWIDTH=100 man --warnings -l "$page" 2>"$work/man.err") ||
    fail "man -l $page failed: $(cat "$work/man.err")"
  [ ! -s "$work/man.err" ] || fail "man -l $page warned: $(cat "$work/man.err")"
  grep -q '^NAME' <<<"$text" || fail "$page has no NAME section"
  count=$((count + 1))
done < <("$pgmi" __man)
[ "$count" -ge 4 ] || fail "only $count manual pages"
MANPATH=$root/usr/share/man man -w pgmi-deploy >/dev/null || fail "man pgmi-deploy not found"
MANPATH=$root/usr/share/man man -w 7 pgmi-exit-codes >/dev/null || fail "man pgmi-exit-codes"
note "$count manual pages render"

# completions in Debian's places; bash completes with the on-demand file
bashc=$root/usr/share/bash-completion/completions/pgmi
[ -f "$bashc" ] || fail "no bash completion at usr/share/bash-completion/completions/pgmi"
[ -f "$root/usr/share/zsh/vendor-completions/_pgmi" ] || fail "no zsh completion"
[ -f "$root/usr/share/fish/vendor_completions.d/pgmi.fish" ] || fail "no fish completion"
loader=/usr/share/bash-completion/bash_completion
[ -f "$loader" ] || fail "bash-completion is not installed ($loader); run scripts/install-deps.sh"
# A new bash: bash-completion finds completions/pgmi under XDG_DATA_DIRS on first use.
got=$(env -i HOME="$work" PATH="$root/usr/bin:/usr/bin:/bin" XDG_DATA_DIRS="$root/usr/share" \
  bash --norc --noprofile -c '
    source '"$loader"'
    __load_completion pgmi || exit 9
    fn=$(complete -p pgmi | sed -n "s/.*-F \([^ ]*\).*/\1/p")
    COMP_WORDS=(pgmi dep); COMP_CWORD=1; COMP_LINE="pgmi dep"; COMP_POINT=${#COMP_LINE}
    "$fn" pgmi dep pgmi
    printf "%s\n" "${COMPREPLY[@]}"')
grep -qx 'deploy' <<<"$(sed 's/[[:space:]]*$//' <<<"$got")" ||
  fail "bash did not complete 'pgmi dep' to deploy: '$got'"
note "bash completes from usr/share/bash-completion/completions/pgmi"

# the installed binary deploys into a throwaway server
"$pgmi" init "$work/demo" >/dev/null 2>"$work/init.err" || fail "pgmi init: $(cat "$work/init.err")"
chmod -R a+rX "$work/demo"
"$pgmi" deploy "$work/demo" --ephemeral >"$work/deploy.out" 2>&1 ||
  { cat "$work/deploy.out" >&2; fail "pgmi deploy --ephemeral with the installed binary"; }
note "pgmi deploy --ephemeral works"

# licence and docs
[ -f "$root/usr/share/doc/pgmi/README.md" ] || fail "no usr/share/doc/pgmi/README.md"
if [ -f "$(dirname "$0")/../../LICENSE" ]; then
  [ -f "$root/usr/share/doc/pgmi/copyright" ] || fail "no usr/share/doc/pgmi/copyright"
fi

# --- the archive
mkdir "$work/tgz"
tar -xzf "$tgz" -C "$work/tgz"
top=$work/tgz/pgmi_${version}_${arch}
[ -x "$top/bin/pgmi" ] || fail "the .tar.gz has no pgmi_${version}_${arch}/bin/pgmi"
cmp -s "$top/bin/pgmi" "$pgmi" || fail "the .tar.gz and the .deb hold different binaries"
"$top/bin/pgmi" version >/dev/null || fail "the archive's pgmi does not run"

# --- removal leaves nothing behind
dpkg_root -r pgmi >"$work/dpkg-r.log" 2>&1 || { cat "$work/dpkg-r.log" >&2; fail "dpkg -r"; }
left=$(cd "$root" && find . -mindepth 1 -not -path './var' -not -path './var/lib' \
  -not -path './var/lib/dpkg' -not -path './var/lib/dpkg/*' -not -path './var/log' \
  -not -path './var/log/dpkg.log')
[ -z "$left" ] || fail "dpkg -r left behind: $left"
note "dpkg -r leaves nothing"
note "PASS $(basename "$deb")"
