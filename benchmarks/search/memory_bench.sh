#!/usr/bin/env bash
# Paperboy memory goal: a 1M-paper lexical index and 1M int8 vectors served from ONE process (goal < 2 GB RSS).
#
#   benchmarks/search/memory_bench.sh                       # 1M papers, 1M x 384 vectors
#   N=100000 benchmarks/search/memory_bench.sh              # smaller, for a quick check
#
# Step 1 (its own process) builds the on-disk LexicalIndex from data/lexical/corpus-$N.jsonl into
# data/memory/lexical-$N, or reuses it when present (delete the folder to time a fresh build); it also writes
# the int8 VectorIndex file data/memory/vectors-int8-$N.pbvec from data/vector/base.f32 (reused likewise).
# Step 2 runs `serve` in FRESH processes, once per vector source: opens the lexical index, loads the int8
# vectors (the persisted .pbvec via VectorIndex.load, as a server restart would; or base.f32 read in 10K-row
# chunks and quantized on insert, never mapped), runs $NQ lexical and $NQ exact vector top-10 queries, then the multi-word ones again as phrases, and
# prints VmRSS / VmHWM / RssAnon / RssFile after each step. VmHWM is reset between steps (clear_refs), so each
# step's VmHWM is that step's own peak; process_peak_mb is the peak of the whole process.
# Corpus and vectors come from lexical_bench.sh / vector_bench.sh (run those first). JSON lines are appended
# to data/memory/results.jsonl.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
N=${N:-1000000}
NQ=${NQ:-200}
DIM=384
LEXICAL_DATA=${LEXICAL_BENCH_DATA:-$HERE/data/lexical}
VECTOR_DATA=${VECTOR_BENCH_DATA:-$HERE/data/vector}
DATA=${MEMORY_BENCH_DATA:-$HERE/data/memory}

# A throwaway package next to the sources: the two index modules plus the harness executable.
HARNESS=$HERE/.build-memory-bench
mkdir -p "$HARNESS/Sources/memory-bench"
ln -sfn "$ROOT/Sources/PaperSupport" "$HARNESS/Sources/PaperSupport"
ln -sfn "$ROOT/Sources/TextAnalysis" "$HARNESS/Sources/TextAnalysis"
ln -sfn "$ROOT/Sources/LexicalIndex" "$HARNESS/Sources/LexicalIndex"
ln -sfn "$ROOT/Sources/VectorIndex" "$HARNESS/Sources/VectorIndex"
ln -sfn "$ROOT/Sources/CVectorKernels" "$HARNESS/Sources/CVectorKernels"
ln -sfn "$HERE/memory_bench.swift" "$HARNESS/Sources/memory-bench/main.swift"
cat > "$HARNESS/Package.swift" <<'SWIFT'
// swift-tools-version: 6.0
import PackageDescription
let package = Package(
    name: "MemoryBench",
    targets: [
        .target(name: "PaperSupport", path: "Sources/PaperSupport"),
        .target(name: "TextAnalysis", path: "Sources/TextAnalysis"),
        .target(name: "LexicalIndex", dependencies: ["TextAnalysis", "PaperSupport"], path: "Sources/LexicalIndex"),
        .target(name: "CVectorKernels", path: "Sources/CVectorKernels"),
        .target(name: "VectorIndex", dependencies: ["CVectorKernels", "PaperSupport"], path: "Sources/VectorIndex"),
        .executableTarget(name: "memory-bench", dependencies: ["LexicalIndex", "VectorIndex"], path: "Sources/memory-bench"),
    ]
)
SWIFT
(cd "$HARNESS" && swift build -c release 2>&1 | tail -1)
BIN=$HARNESS/.build/release/memory-bench

CORPUS=$LEXICAL_DATA/corpus-$N.jsonl
QUERIES=$LEXICAL_DATA/queries-$N.txt
[ -f "$CORPUS" ] || { echo "missing $CORPUS: run SIZES=$N benchmarks/search/lexical_bench.sh first" >&2; exit 1; }
[ "$(stat -c %s "$VECTOR_DATA/base.f32")" -ge $((N * DIM * 4)) ] || { echo "base.f32 too small: run vector_bench.sh" >&2; exit 1; }
GT=$VECTOR_DATA/gt_$N.i64
GT_ARGS=(); [ -f "$GT" ] && GT_ARGS=(--gt "$GT")

mkdir -p "$DATA"
RESULTS=$DATA/results.jsonl
log() { tee -a "$RESULTS"; }
note() { echo "{\"note\": \"$1\", \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"time\": \"$(date -u +%FT%TZ)\"}" | log; }
note "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cpus, $(free -g | awk '/^Mem:/{print $2}') GB, kernel $(uname -r); n=$N"

"$BIN" build-lexical --corpus "$CORPUS" --index "$DATA/lexical-$N" | log
PBVEC=$DATA/vectors-int8-$N.pbvec
[ -f "$PBVEC" ] || "$BIN" build-vectors --base "$VECTOR_DATA/base.f32" --dim $DIM --n "$N" --out "$PBVEC" | log

for SOURCE in "$PBVEC" "$VECTOR_DATA/base.f32"; do
    note "serve, vectors from $(basename "$SOURCE")"
    "$BIN" serve --index "$DATA/lexical-$N" --queries "$QUERIES" --vectors "$SOURCE" --vector-queries "$VECTOR_DATA/queries.f32" \
        --dim $DIM --n "$N" --nq "$NQ" "${GT_ARGS[@]}" | log
done
note "done"
