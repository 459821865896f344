#!/usr/bin/env python3
"""Every module under src/ includes only itself and the modules its pgmi_module(... DEPS ...)
line in src/CMakeLists.txt reaches (directly or through other modules). All modules share one
include root, so the compiler cannot enforce the layering; this test does.
usage: layering_test.py <source dir>"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
cmake = (root / "src" / "CMakeLists.txt").read_text()
deps = {}
for m in re.finditer(r"pgmi_module\((\w+)\s+DEPS([^)]*)\)", cmake):
    deps[m.group(1)] = set(re.findall(r"pgmi_(\w+)", m.group(2)))
if not deps:
    sys.exit("no pgmi_module(... DEPS ...) lines found in src/CMakeLists.txt")


def reach(module, seen=None):
    seen = set() if seen is None else seen
    for d in deps.get(module, ()):
        if d not in seen:
            seen.add(d)
            reach(d, seen)
    return seen


problems = []
include = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"', re.M)
for module in sorted(deps):
    allowed = reach(module) | {module}
    for f in sorted((root / "src" / module).rglob("*.[ch]pp")):
        for used in include.findall(f.read_text(errors="replace")):
            if used in deps and used not in allowed:
                problems.append(f"{f.relative_to(root)} includes {used}/, which {module} does "
                                f"not depend on (src/CMakeLists.txt)")
for p in problems:
    print(p)
print(f"{len(deps)} modules checked, {len(problems)} layering violations")
sys.exit(1 if problems else 0)
