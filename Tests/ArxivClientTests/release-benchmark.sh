#!/usr/bin/env bash
# Parse throughput of ArxivClient over the recorded OAI pages (0.xml + 1.xml), in a release build.
# `swift test -c release` would build the whole package in release; this builds only PaperModel and ArxivClient
# (from this checkout, by symlink) into a throwaway package in a temporary folder, and runs
# `ArxivParseBenchmark.run` there. Usage: Tests/ArxivClientTests/release-benchmark.sh [runs] [repetitions]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
fixtures="$repo/../shared/data/arxiv/fixtures/oai"
[ -f "$fixtures/0.xml" ] || { echo "release-benchmark: no fixtures at $fixtures" >&2; exit 1; }
export PATH="/opt/swift/usr/bin:$PATH"
work="${ARXIV_BENCH_DIR:-/tmp/paperboy-arxiv-bench}"
mkdir -p "$work/Sources/ArxivBench"
ln -sfn "$repo/Sources/PaperModel" "$work/Sources/PaperModel"
ln -sfn "$repo/Sources/ArxivClient" "$work/Sources/ArxivClient"
[ -f "$repo/Package.resolved" ] && cp "$repo/Package.resolved" "$work/"
cat > "$work/Package.swift" <<'SWIFT'
// swift-tools-version: 6.0
import PackageDescription
let package = Package(
    name: "ArxivBench",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .target(name: "PaperModel", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "ArxivClient", dependencies: [
            "PaperModel",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .executableTarget(name: "ArxivBench", dependencies: ["ArxivClient"]),
    ]
)
SWIFT
cat > "$work/Sources/ArxivBench/main.swift" <<SWIFT
import ArxivClient
import Foundation
let arguments = CommandLine.arguments
let runs = arguments.count > 1 ? Int(arguments[1]) ?? 3 : 3
let repetitions = arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5
let pages = try ["0.xml", "1.xml"].map { try Data(contentsOf: URL(fileURLWithPath: "$fixtures/" + \$0)) }
for _ in 0..<runs { print(try ArxivParseBenchmark.run(pages: pages, repetitions: repetitions)) }
SWIFT
cd "$work"
swift build -c release >&2
./.build/release/ArxivBench "${1:-3}" "${2:-5}"
