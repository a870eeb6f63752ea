#!/usr/bin/env bash
# SciFact (BEIR, train split) lexical evaluation of Paperboy, cross-checked against pytrec_eval.
#
#   benchmarks/search/lexical_scifact.sh [SCIFACT_DIR] [--k1 X --b X --tw X --fs bm25f|perFieldSum]
#   benchmarks/search/lexical_scifact.sh DIR --sweep --k1s 1.2,1.5 --bs 0.75 --tws 1,3 --fss bm25f,perFieldSum
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SCIFACT=${1:-$ROOT/../shared/data/scifact}
shift || true
VENV=$HERE/.venv-bench-lexical
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import pytrec_eval' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q tantivy pytrec-eval-terrier
fi
HARNESS=$HERE/.build-lexical-eval
mkdir -p "$HARNESS/Sources/lexical-eval"
for m in PaperSupport TextAnalysis LexicalIndex SearchEval; do ln -sfn "$ROOT/Sources/$m" "$HARNESS/Sources/$m"; done
cat > "$HARNESS/Package.swift" <<'SWIFT'
// swift-tools-version: 6.0
import PackageDescription
let package = Package(
    name: "LexicalEval",
    targets: [
        .target(name: "PaperSupport", path: "Sources/PaperSupport"),
        .target(name: "TextAnalysis", path: "Sources/TextAnalysis"),
        .target(name: "LexicalIndex", dependencies: ["TextAnalysis", "PaperSupport"], path: "Sources/LexicalIndex"),
        .target(name: "SearchEval", path: "Sources/SearchEval"),
        .executableTarget(name: "lexical-eval", dependencies: ["LexicalIndex", "SearchEval"], path: "Sources/lexical-eval"),
    ]
)
SWIFT
cat > "$HARNESS/Sources/lexical-eval/main.swift" <<'SWIFT'
import Foundation
import LexicalIndex
import SearchEval

let args = CommandLine.arguments
func option(_ name: String) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}
func list(_ name: String) -> [Float]? { option(name).map { $0.split(separator: ",").compactMap { Float(String($0)) } } }
let data = try BEIRDataset.load(directory: URL(fileURLWithPath: args[1]))
func evaluate(_ p: BM25Parameters) throws -> EvalReport {
    let index = try LexicalIndex.open(directory: nil, parameters: p)
    index.upsert(data.corpus.map { IndexDocument(key: $0.id, title: $0.title, abstract: $0.text) })
    try index.commit(sequence: 1)
    return try Evaluator.evaluate(data) { try index.searchPlainText($0, limit: 100).map(\.key) }
}
let d = BM25Parameters.default
if args.contains("--sweep") {
    for fs in option("--fss").map({ $0.split(separator: ",").compactMap { FieldScoring(rawValue: String($0)) } }) ?? FieldScoring.allCases {
        for k1 in list("--k1s") ?? [d.k1] { for b in list("--bs") ?? [d.b] { for tw in list("--tws") ?? [d.titleWeight] {
            let r = try evaluate(BM25Parameters(k1: k1, b: b, titleWeight: tw, fieldScoring: fs))
            print(String(format: "%@ k1=%.2f b=%.2f tw=%.1f nDCG@10=%.4f R@100=%.4f MRR@10=%.4f", fs.rawValue, k1, b, tw, r.ndcgAt10, r.recallAt100, r.mrrAt10))
        } } }
    }
} else {
    var p = d
    if let v = option("--k1").flatMap(Float.init) { p.k1 = v }
    if let v = option("--b").flatMap(Float.init) { p.b = v }
    if let v = option("--tw").flatMap(Float.init) { p.titleWeight = v }
    if let v = option("--fs").flatMap(FieldScoring.init(rawValue:)) { p.fieldScoring = v }
    let r = try evaluate(p)
    print("paperboy lexical \(p): \(r)")
    try r.trecRun().write(toFile: args[2], atomically: true, encoding: .utf8)
    try r.perQuery.map { String(format: "%@\t%.9f\t%.9f\t%.9f", $0.queryID, $0.ndcgAt10, $0.recallAt100, $0.mrrAt10) }
        .joined(separator: "\n").write(toFile: args[3], atomically: true, encoding: .utf8)
}
SWIFT
(cd "$HARNESS" && swift build -c release 2>&1 | tail -1)
OUT=$(mktemp -d)
if [[ " $* " == *" --sweep "* ]]; then
    "$HARNESS/.build/release/lexical-eval" "$SCIFACT" "$@"
else
    "$HARNESS/.build/release/lexical-eval" "$SCIFACT" "$OUT/run.trec" "$OUT/per-query.tsv" "$@"
    QRELS=$(ls "$SCIFACT"/qrels/*.tsv | head -1)
    "$VENV/bin/python" "$HERE/lexical_pytrec_check.py" "$OUT/run.trec" "$QRELS" "$OUT/per-query.tsv"
fi
rm -rf "$OUT"
