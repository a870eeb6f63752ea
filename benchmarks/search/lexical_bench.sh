#!/usr/bin/env bash
# Paperboy LexicalIndex vs tantivy (PyPI `tantivy`), BM25 top-10, one thread, same synthetic corpus and queries,
# in one run: index build time, index size on disk, query latency p50/p99. Prints JSON lines and appends them
# to $DATA/results.jsonl.
#
#   benchmarks/search/lexical_bench.sh              # 100K papers
#   SIZES=1000000 ROUNDS=2 EXHAUSTIVE=0 benchmarks/search/lexical_bench.sh
#
# The corpus is SYNTHETIC (lexical_corpus.py): term statistics from shared/data/arxiv/recent-cs.jsonl.gz.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DATA=${LEXICAL_BENCH_DATA:-$HERE/data/lexical}
SIZES=${SIZES:-100000}
ARXIV=${ARXIV:-$ROOT/../shared/data/arxiv/recent-cs.jsonl.gz}
ROUNDS=${ROUNDS:-3}
EXHAUSTIVE=${EXHAUSTIVE:-1}   # also time Paperboy without MaxScore pruning (a second build)

VENV=$HERE/.venv-bench-lexical
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import tantivy' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q tantivy
fi
PY="$VENV/bin/python"

# A throwaway package next to the sources: the modules under test plus a one-line executable.
HARNESS=$HERE/.build-lexical-bench
mkdir -p "$HARNESS/Sources/lexical-bench"
ln -sfn "$ROOT/Sources/PaperSupport" "$HARNESS/Sources/PaperSupport"
ln -sfn "$ROOT/Sources/TextAnalysis" "$HARNESS/Sources/TextAnalysis"
ln -sfn "$ROOT/Sources/LexicalIndex" "$HARNESS/Sources/LexicalIndex"
cat > "$HARNESS/Package.swift" <<'SWIFT'
// swift-tools-version: 6.0
import PackageDescription
let package = Package(
    name: "LexicalBench",
    targets: [
        .target(name: "PaperSupport", path: "Sources/PaperSupport"),
        .target(name: "TextAnalysis", path: "Sources/TextAnalysis"),
        .target(name: "LexicalIndex", dependencies: ["TextAnalysis", "PaperSupport"], path: "Sources/LexicalIndex"),
        .executableTarget(name: "lexical-bench", dependencies: ["LexicalIndex"], path: "Sources/lexical-bench"),
    ]
)
SWIFT
cat > "$HARNESS/Sources/lexical-bench/main.swift" <<'SWIFT'
import Foundation
import LexicalIndex
exit(LexicalBenchmark.main(Array(CommandLine.arguments.dropFirst())))
SWIFT
(cd "$HARNESS" && swift build -c release 2>&1 | tail -1)
BIN=$HARNESS/.build/release/lexical-bench

mkdir -p "$DATA"
RESULTS=$DATA/results.jsonl
log() { tee -a "$RESULTS"; }
note() { echo "{\"note\": \"$1\", \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"time\": \"$(date -u +%FT%TZ)\"}" | log; }
note "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cpus, kernel $(uname -r)"
for N in $SIZES; do
    [ -f "$DATA/corpus-$N.jsonl" ] || "$PY" "$HERE/lexical_corpus.py" --arxiv "$ARXIV" --docs "$N" --out "$DATA"
    note "n=$N"
    "$PY" "$HERE/lexical_tantivy.py" --corpus "$DATA/corpus-$N.jsonl" --queries "$DATA/queries-$N.txt" --index "$DATA/tantivy-$N" --rounds "$ROUNDS" | log
    "$BIN" --corpus "$DATA/corpus-$N.jsonl" --queries "$DATA/queries-$N.txt" --index "$DATA/paperboy-$N" --rounds "$ROUNDS" | log
    [ "$EXHAUSTIVE" = 1 ] && "$BIN" --corpus "$DATA/corpus-$N.jsonl" --queries "$DATA/queries-$N.txt" --index "$DATA/paperboy-$N" --rounds 1 --exhaustive | log
    # tantivy again, so drift in machine load shows up as a tantivy-vs-tantivy difference.
    "$PY" "$HERE/lexical_tantivy.py" --corpus "$DATA/corpus-$N.jsonl" --queries "$DATA/queries-$N.txt" --index "$DATA/tantivy-$N" --rounds "$ROUNDS" | log
    rm -rf "$DATA/tantivy-$N" "$DATA/paperboy-$N"
done
note "done"
