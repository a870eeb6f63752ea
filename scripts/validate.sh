#!/usr/bin/env bash
# Style and package hygiene: swift-format lint (configuration in .swift-format), no unsafe flags in Package.swift
# (they make the package unusable as a dependency), and dependency arrows that equal the imports. Exits non-zero on any finding.
# To fix formatting findings: swift format format --in-place --parallel --recursive Sources Tests Package.swift
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

status=0
if grep -n 'unsafeFlags' Package.swift; then
    echo "validate: Package.swift uses unsafeFlags; use build settings that keep the package usable as a dependency" >&2
    status=1
fi

# Package.swift's arrows equal the imports, and ARCHITECTURE.md's equal Package.swift's.
if ! python3 scripts/check-imports.py; then
    status=1
fi

if command -v swift-format >/dev/null 2>&1; then
    format=(swift-format)
else
    format=(swift format)
fi
if ! "${format[@]}" lint --strict --parallel --recursive Sources Tests Package.swift; then
    echo "validate: swift-format findings above; fix with: ${format[*]} format --in-place --parallel --recursive Sources Tests Package.swift" >&2
    status=1
fi
exit $status
