#!/usr/bin/env bash
# Paperboy embeddings vs sentence-transformers (CPU torch), same machine, same run.
#
#   benchmarks/embed/run.sh [--limit N] [--threads T] [--no-bf16]
#
# Embeds the SciFact corpus (title + " " + text; all 5,183 docs unless --limit) with both,
# prints docs/s, their ratio, single-query p50 latency (1 thread), load time and RSS, and
# checks that both produce the same vectors. On CPUs with AVX512_BF16 it also runs Paperboy's
# optional bf16 path (unless --no-bf16). Needs ../shared/data/scifact (or
# PAPERBOY_SHARED_DIR) and fetches the model with scripts/fetch-model.sh if absent.
set -euo pipefail

limit=""; threads=2; bf16=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --limit) limit="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --no-bf16) bf16=0; shift ;;
        *) echo "usage: $0 [--limit N] [--threads T] [--no-bf16]" >&2; exit 2 ;;
    esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
shared="${PAPERBOY_SHARED_DIR:-$repo/../shared}"
corpus="$shared/data/scifact/corpus.jsonl"
queries="$shared/data/scifact/queries-train.jsonl"
model="${PAPERBOY_MODEL_DIR:-$repo/models/all-MiniLM-L6-v2}"
[[ -f "$corpus" ]] || { echo "run.sh: missing $corpus (set PAPERBOY_SHARED_DIR)" >&2; exit 1; }
[[ -f "$model/model.safetensors" ]] || "$repo/scripts/fetch-model.sh" "$model"

# A throwaway package outside the main build so the lead's .build is untouched.
pkg="$repo/.build-embed-bench"
mkdir -p "$pkg/Sources"
ln -sfn "$repo/Sources/Embeddings" "$pkg/Sources/Embeddings"
ln -sfn "$repo/Sources/CEmbeddingKernels" "$pkg/Sources/CEmbeddingKernels"
ln -sfn "$here/embed-bench" "$pkg/Sources/embed-bench"
cat > "$pkg/Package.swift" <<'SWIFT'
// swift-tools-version: 6.0
import PackageDescription
let package = Package(
    name: "EmbedBench",
    targets: [
        .target(name: "CEmbeddingKernels", path: "Sources/CEmbeddingKernels"),
        .target(name: "Embeddings", dependencies: ["CEmbeddingKernels"], path: "Sources/Embeddings"),
        .executableTarget(name: "embed-bench", dependencies: ["Embeddings"], path: "Sources/embed-bench"),
    ]
)
SWIFT
echo "== building embed-bench (release)" >&2
(cd "$pkg" && swift build -c release --product embed-bench >&2)

venv="$repo/.venv-bench"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c "import sentence_transformers, torch" 2>/dev/null; then
    echo "== creating $venv (torch 2.13.0 + sentence-transformers from PyPI)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet torch==2.13.0 sentence-transformers >&2
fi

limit_args=(); [[ -n "$limit" ]] && limit_args=(--limit "$limit")
work="$(mktemp -d "${TMPDIR:-/tmp}/paperboy-embed.XXXXXX")"
trap 'rm -rf "$work"' EXIT
vectors="$work/paperboy.f32"; st_vectors="$work/st.f32"; bf16_vectors="$work/paperboy-bf16.f32"

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "== Paperboy" >&2
pb_json="$(/usr/bin/time -f '%U %S' -o "$work/time" "$pkg/.build/release/embed-bench" "$model" "$corpus" "$queries" \
    --threads "$threads" --vectors "$vectors" "${limit_args[@]}")"
pb_cpu="$(awk '{print $1 + $2}' "$work/time" 2>/dev/null || echo 0)"
echo "== sentence-transformers" >&2
st_json="$("$venv/bin/python" "$here/st_bench.py" "$model" "$corpus" "$queries" --threads "$threads" \
    --paperboy-vectors "$vectors" --save-vectors "$st_vectors" "${limit_args[@]}")"
bf16_json="{}"
if [[ "$bf16" == 1 ]] && grep -qw avx512_bf16 /proc/cpuinfo; then
    echo "== Paperboy bf16" >&2
    bf16_json="$("$pkg/.build/release/embed-bench" "$model" "$corpus" "$queries" --threads "$threads" \
        --precision bfloat16 --vectors "$bf16_vectors" "${limit_args[@]}")"
fi
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

"$venv/bin/python" - "$pb_json" "$st_json" "$load_before" "$load_after" "$pb_cpu" "$bf16_json" "$st_vectors" "$bf16_vectors" <<'PY'
import json, os, sys, subprocess
import numpy as np
pb, st, bf = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[6])
cpu = subprocess.run(["sh", "-c", "lscpu | sed -n 's/^Model name: *//p' | head -1"], capture_output=True, text=True).stdout.strip()
print(f"machine: {cpu}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores; "
      f"load average before {sys.argv[3]}, after {sys.argv[4]} (other builds running inflate wall times)")
print(f"documents: {pb['documents']} SciFact abstracts, {pb['tokens']} tokens after truncation to 256, threads {pb['threads']}")
print(f"{'':24}{'Paperboy':>14}{'sentence-tr.':>14}")
print(f"{'docs/s':24}{pb['docsPerSecond']:>14.1f}{st['docs_per_second']:>14.1f}")
print(f"{'embed wall s':24}{pb['embedSeconds']:>14.2f}{st['embed_seconds']:>14.2f}")
print(f"{'query p50 ms (1 thread)':24}{pb['queryP50Milliseconds']:>14.2f}{st['query_p50_ms']:>14.2f}")
print(f"{'query p50 CPU ms':24}{pb['queryP50CPUMilliseconds']:>14.2f}{'':>14}")
print(f"{'query median tokens':24}{pb['queryTokensMedian']:>14}{'':>14}")
print(f"{'load s':24}{pb['loadSeconds']:>14.3f}{st['load_seconds']:>14.3f}")
print(f"{'load RSS MB':24}{pb['loadRSSMegabytes']:>14.1f}{st['load_rss_mb']:>14.1f}")
print(f"{'peak RSS MB':24}{pb['peakRSSMegabytes']:>14.1f}{st['peak_rss_mb']:>14.1f}")
print(f"ratio Paperboy/sentence-transformers docs/s: {pb['docsPerSecond'] / st['docs_per_second']:.2f}x")
print(f"Paperboy process CPU time {float(sys.argv[5]):.1f} s; sentence-transformers embed CPU time {st['embed_cpu_seconds']:.1f} s")
if "parity_min_cosine" in st:
    print(f"parity over the corpus: min cosine {st['parity_min_cosine']:.7f}, max abs diff {st['parity_max_abs_diff']:.2e}")
if bf:
    print(f"bf16 path: {bf['docsPerSecond']:.1f} docs/s ({bf['docsPerSecond'] / st['docs_per_second']:.2f}x sentence-transformers), "
          f"query p50 {bf['queryP50Milliseconds']:.2f} ms (CPU {bf['queryP50CPUMilliseconds']:.2f} ms)")
    if os.path.exists(sys.argv[7]) and os.path.exists(sys.argv[8]):
        a = np.fromfile(sys.argv[7], dtype=np.float32).reshape(bf["documents"], -1)
        b = np.fromfile(sys.argv[8], dtype=np.float32).reshape(bf["documents"], -1)
        cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        print(f"bf16 parity over the corpus: min cosine {cos.min():.6f}, mean {cos.mean():.6f}")
print(f"model {pb['model']}, AVX-512 kernels {'on' if pb['avx512'] else 'off'}; torch {st['torch']}, sentence-transformers {st['sentence_transformers']}")
PY
