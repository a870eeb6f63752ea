#!/usr/bin/env python3
"""Checks that Package.swift's dependency arrows equal the imports, and ARCHITECTURE.md's arrows equal Package.swift's.

For every target, the modules its files import must be the dependencies Package.swift declares for it, no more
(SwiftPM lets a target import its dependencies' dependencies, so an undeclared arrow would compile) and no fewer
(a declared dependency nothing imports is a false arrow in the architecture). Toolchain modules (Foundation,
Synchronization, Testing, ...) are not dependencies. Prints each mismatch; exits 1 when there is one."""
import pathlib, re, sys

root = pathlib.Path(__file__).resolve().parent.parent
package = (root / "Package.swift").read_text()
TOOLCHAIN = {"Foundation", "FoundationEssentials", "FoundationNetworking", "FoundationXML", "Musl", "Bionic", "WinSDK", "Dispatch", "Glibc", "Darwin", "Synchronization", "Testing",
             "XCTest", "PackageDescription", "_Concurrency", "os"}

targets = {}
# Each `.target(`, `.testTarget(`, ... up to its matching parenthesis (string literals hold no parentheses here).
for match in re.finditer(r'\.(target|executableTarget|testTarget|systemLibrary)\(', package):
    kind = match.group(1)
    depth, end = 1, match.end()
    while depth and end < len(package):
        depth += {"(": 1, ")": -1}.get(package[end], 0)
        end += 1
    body = package[match.end():end - 1]
    name = re.search(r'name:\s*"([^"]+)"', body).group(1)
    deps = set()
    dep_list = re.search(r'dependencies:\s*\[(.*?)\]', body, re.S)
    if dep_list:
        text = dep_list.group(1)
        deps |= set(re.findall(r'\.product\(name:\s*"([^"]+)"', text))
        text = re.sub(r'\.product\([^)]*\)', "", text)
        deps |= set(re.findall(r'"([^"]+)"', text))
    path = re.search(r'path:\s*"([^"]+)"', body)
    folder = path.group(1) if path else ("Tests/" if kind == "testTarget" else "Sources/") + name
    targets[name] = (kind, deps, root / folder)

problems = []
for name, (kind, deps, folder) in sorted(targets.items()):
    if kind == "systemLibrary":
        continue
    imported = set()
    for file in folder.rglob("*.swift"):
        for line in file.read_text().splitlines():
            # Imports come first in a Swift file; stop at the first declaration (so code in strings is not read).
            if line and not re.match(r'\s*(//|@testable|@_exported|import|#if|#else|#endif)', line):
                break
            m = re.match(r'\s*(?:@testable\s+|@_exported\s+)?import\s+(?:(?:struct|class|enum|protocol|func|var|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)', line)
            if m:
                imported.add(m.group(1))
    imported -= TOOLCHAIN
    imported.discard(name)
    for module in sorted(imported - deps):
        problems.append(f"{name} imports {module}, which Package.swift does not declare for it")
    for module in sorted(deps - imported):
        problems.append(f"{name} declares {module}, which none of its files imports")

# ARCHITECTURE.md's "Dependency arrows" block lists every non-test target with exactly its Paperboy dependencies.
architecture = (root / "ARCHITECTURE.md").read_text()
section = architecture.split("## Dependency arrows", 1)[-1].split("```", 2)
listed = {}
if len(section) >= 2:
    current = None
    for line in section[1].splitlines():
        m = re.match(r'^(?:\w+\s+)?\s*([A-Za-z]\w*)\s+─►\s*(.*)$', line)
        if m:
            current = m.group(1)
            listed[current] = set() if m.group(2).strip() == "(nothing)" else {x.strip() for x in m.group(2).split(",") if x.strip()}
        elif current and line.strip():
            listed[current] |= {x.strip() for x in line.split(",") if x.strip()}
for name, (kind, deps, folder) in sorted(targets.items()):
    if kind == "testTarget":
        continue
    own = {d for d in deps if d in targets}
    if name not in listed:
        problems.append(f"ARCHITECTURE.md's dependency arrows do not list {name}")
    elif listed[name] != own:
        problems.append(f"ARCHITECTURE.md says {name} ─► {sorted(listed[name])}, Package.swift {sorted(own)}")
for name in sorted(set(listed) - set(targets)):
    problems.append(f"ARCHITECTURE.md lists {name}, which Package.swift does not have")

for problem in problems:
    print("check-imports: " + problem)
if problems:
    sys.exit(1)
print(f"check-imports: {len(targets)} targets, arrows equal imports")
