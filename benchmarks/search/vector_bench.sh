#!/usr/bin/env bash
# Paperboy VectorIndex vs faiss-cpu IndexFlatIP (exact, 1 thread) and hnswlib
# (approximate) on the same float32 vectors, in one run. Prints JSON lines and
# appends them to $DATA/results.jsonl.
#
#   benchmarks/search/vector_bench.sh                 # 100K + 1M exact, HNSW at 1M
#   HNSW_N=100000 benchmarks/search/vector_bench.sh   # HNSW at 100K only (faster)
#   SKIP_HNSW=1 benchmarks/search/vector_bench.sh     # exact comparison only (~3 min)
#
# Vectors come from vector_bench.py gen (seeded embedding-like mixture, see there).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DATA=${VECTOR_BENCH_DATA:-$HERE/data/vector}
DIM=384
N_SMALL=${N_SMALL:-100000}
N_LARGE=${N_LARGE:-1000000}
NQ_SMALL=${NQ_SMALL:-1000}
NQ_LARGE=${NQ_LARGE:-200}
HNSW_N=${HNSW_N:-$N_LARGE}
HNSW_M=${HNSW_M:-16}
HNSW_EFC=${HNSW_EFC:-200}
HNSW_EF=${HNSW_EF:-16,32,64,128}
SEED=${SEED:-20261127}

VENV=$HERE/.venv-bench-vector
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import faiss, hnswlib, numpy' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q faiss-cpu hnswlib numpy
fi
PY="$VENV/bin/python"

# A throwaway package next to the sources: the module under test plus a
# two-line executable calling VectorBenchmark.main. Keeps Package.swift untouched.
HARNESS=$HERE/.build-vector-bench
mkdir -p "$HARNESS/Sources/vector-bench"
ln -sfn "$ROOT/Sources/PaperSupport" "$HARNESS/Sources/PaperSupport"
ln -sfn "$ROOT/Sources/VectorIndex" "$HARNESS/Sources/VectorIndex"
ln -sfn "$ROOT/Sources/CVectorKernels" "$HARNESS/Sources/CVectorKernels"
cat > "$HARNESS/Package.swift" <<'SWIFT'
// swift-tools-version: 6.0
import PackageDescription
let package = Package(
    name: "VectorBench",
    targets: [
        .target(name: "PaperSupport", path: "Sources/PaperSupport"),
        .target(name: "CVectorKernels", path: "Sources/CVectorKernels"),
        .target(name: "VectorIndex", dependencies: ["CVectorKernels", "PaperSupport"], path: "Sources/VectorIndex"),
        .executableTarget(name: "vector-bench", dependencies: ["VectorIndex"], path: "Sources/vector-bench"),
    ]
)
SWIFT
cat > "$HARNESS/Sources/vector-bench/main.swift" <<'SWIFT'
import Foundation
import VectorIndex
exit(VectorBenchmark.main(Array(CommandLine.arguments.dropFirst())))
SWIFT
(cd "$HARNESS" && swift build -c release 2>&1 | tail -1)
BIN=$HARNESS/.build/release/vector-bench

mkdir -p "$DATA"
NEED=$((N_LARGE * DIM * 4))
if [ ! -f "$DATA/base.f32" ] || [ "$(stat -c %s "$DATA/base.f32")" -lt "$NEED" ] || [ "$(cat "$DATA/seed" 2>/dev/null)" != "$SEED" ]; then
    "$PY" "$HERE/vector_bench.py" gen --out "$DATA" --n "$N_LARGE" --queries "$NQ_SMALL" --dim $DIM --seed "$SEED"
    echo "$SEED" > "$DATA/seed"
fi
RESULTS=$DATA/results.jsonl
log() { tee -a "$RESULTS"; }
note() { echo "{\"note\": \"$1\", \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"time\": \"$(date -u +%FT%TZ)\"}" | log; }

note "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cpus, kernels $(uname -r)"
for N in $N_SMALL $N_LARGE; do
    NQ=$([ "$N" -le "$N_SMALL" ] && echo "$NQ_SMALL" || echo "$NQ_LARGE")
    GT=$DATA/gt_$N.i64
    note "exact n=$N queries=$NQ"
    "$PY" "$HERE/vector_bench.py" faiss --base "$DATA/base.f32" --queries "$DATA/queries.f32" --dim $DIM --n "$N" --nq "$NQ" --gt-out "$GT" | log
    "$BIN" exact --base "$DATA/base.f32" --queries "$DATA/queries.f32" --dim $DIM --n "$N" --nq "$NQ" --gt "$GT" --storage float32 --threads 1 | log
    "$BIN" exact --base "$DATA/base.f32" --queries "$DATA/queries.f32" --dim $DIM --n "$N" --nq "$NQ" --gt "$GT" --storage int8 --threads 1 | log
    "$BIN" exact --base "$DATA/base.f32" --queries "$DATA/queries.f32" --dim $DIM --n "$N" --nq "$NQ" --gt "$GT" --storage float32 --threads 2 | log
    # faiss again so drift in machine load shows up as a faiss-vs-faiss difference.
    "$PY" "$HERE/vector_bench.py" faiss --base "$DATA/base.f32" --queries "$DATA/queries.f32" --dim $DIM --n "$N" --nq "$NQ" --gt-out "$GT" | log
done

if [ -n "${SKIP_HNSW:-}" ]; then note "done"; exit 0; fi
NQ=$([ "$HNSW_N" -le "$N_SMALL" ] && echo "$NQ_SMALL" || echo "$NQ_LARGE")
GT=$DATA/gt_$HNSW_N.i64
[ -f "$GT" ] || "$PY" "$HERE/vector_bench.py" faiss --base "$DATA/base.f32" --queries "$DATA/queries.f32" --dim $DIM --n "$HNSW_N" --nq "$NQ" --gt-out "$GT" | log
note "hnsw n=$HNSW_N M=$HNSW_M efC=$HNSW_EFC queries=$NQ"
"$BIN" hnsw --base "$DATA/base.f32" --queries "$DATA/queries.f32" --dim $DIM --n "$HNSW_N" --nq "$NQ" --gt "$GT" \
    --m "$HNSW_M" --efc "$HNSW_EFC" --ef "$HNSW_EF" --save "$DATA/paperboy_hnsw_$HNSW_N.pbvec" | log
rm -f "$DATA/paperboy_hnsw_$HNSW_N.pbvec"
"$PY" "$HERE/vector_bench.py" hnswlib --base "$DATA/base.f32" --queries "$DATA/queries.f32" --dim $DIM --n "$HNSW_N" --nq "$NQ" --gt "$GT" \
    --m "$HNSW_M" --efc "$HNSW_EFC" --ef "$HNSW_EF" | log
note "done"
