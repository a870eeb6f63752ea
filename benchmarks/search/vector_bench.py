#!/usr/bin/env python3
"""Python side of the Paperboy vector benchmark: data generation and the peers
(faiss-cpu IndexFlatIP, hnswlib). Everything reads/writes raw float32 files so
both sides search the very same bytes."""
import argparse
import json
import os
import sys
import time

import numpy as np


def gen(args):
    """Embedding-like vectors: a 32-d latent Gaussian mixture (256 topics) mapped
    to `dim` by a fixed random projection, plus small isotropic noise, then
    normalized. Real sentence embeddings have low intrinsic dimension and topic
    clusters; uniform random unit vectors in 384-d have neither and make every
    ANN method look worse than it is in practice."""
    rng = np.random.default_rng(args.seed)
    latent, topics = 32, 256
    proj = rng.standard_normal((latent, args.dim)).astype(np.float32) / np.sqrt(latent)
    centers = rng.standard_normal((topics, latent)).astype(np.float32)

    def sample(count, out):
        with open(out, "wb") as f:
            done = 0
            while done < count:
                b = min(100_000, count - done)
                t = rng.integers(0, topics, b)
                z = centers[t] + 0.6 * rng.standard_normal((b, latent)).astype(np.float32)
                x = z @ proj + 0.15 * rng.standard_normal((b, args.dim)).astype(np.float32)
                x /= np.linalg.norm(x, axis=1, keepdims=True)
                f.write(x.astype("<f4").tobytes())
                done += b

    os.makedirs(args.out, exist_ok=True)
    sample(args.n, os.path.join(args.out, "base.f32"))
    sample(args.queries, os.path.join(args.out, "queries.f32"))


def load(path, dim, n=None):
    x = np.fromfile(path, dtype="<f4").reshape(-1, dim)
    return np.ascontiguousarray(x[:n] if n else x)


def pct(lat, p):
    s = sorted(lat)
    i = min(len(s) - 1, max(0, int(np.ceil(p / 100 * len(s))) - 1))
    return s[i]


def faiss_flat(args):
    import faiss
    faiss.omp_set_num_threads(1)
    base = load(args.base, args.dim, args.n)
    queries = load(args.queries, args.dim, args.nq)
    index = faiss.IndexFlatIP(args.dim)
    index.add(base)
    for q in queries[:5]:
        index.search(q[None, :], args.k)
    lat, ids = [], []
    for q in queries:
        t = time.perf_counter()
        _, I = index.search(q[None, :], args.k)
        lat.append((time.perf_counter() - t) * 1000)
        ids.append(I[0])
    np.asarray(ids, dtype="<i8").tofile(args.gt_out)
    print(json.dumps({"mode": "faiss-flat", "n": len(base), "queries": len(queries), "threads": 1,
                      "faiss": faiss.__version__, "simd": faiss.get_compile_options(),
                      "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99), "mean_ms": float(np.mean(lat))}))


def hnswlib_bench(args):
    import hnswlib
    base = load(args.base, args.dim, args.n)
    queries = load(args.queries, args.dim, args.nq)
    truth = np.fromfile(args.gt, dtype="<i8").reshape(-1, args.k)
    index = hnswlib.Index(space="ip", dim=args.dim)
    index.init_index(max_elements=len(base), M=args.m, ef_construction=args.efc, random_seed=42)
    index.set_num_threads(1)  # Paperboy builds single-threaded; compare like for like
    t = time.perf_counter()
    index.add_items(base, np.arange(len(base)))
    build = time.perf_counter() - t
    print(json.dumps({"mode": "hnswlib-build", "n": len(base), "m": args.m, "efc": args.efc, "threads": 1,
                      "build_s": build}), flush=True)
    for ef in [int(e) for e in args.ef.split(",")]:
        index.set_ef(max(ef, args.k))
        for q in queries[:5]:
            index.knn_query(q[None, :], k=args.k)
        lat, hit = [], 0
        for qi, q in enumerate(queries):
            t = time.perf_counter()
            labels, _ = index.knn_query(q[None, :], k=args.k)
            lat.append((time.perf_counter() - t) * 1000)
            hit += len(set(labels[0].tolist()) & set(truth[qi].tolist()))
        print(json.dumps({"mode": "hnswlib-search", "n": len(base), "ef": ef, "queries": len(queries),
                          "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99), "mean_ms": float(np.mean(lat)),
                          "recall_at_k": hit / (args.k * len(queries))}), flush=True)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--out", required=True)
    g.add_argument("--n", type=int, default=1_000_000)
    g.add_argument("--queries", type=int, default=1000)
    g.add_argument("--dim", type=int, default=384)
    g.add_argument("--seed", type=int, default=20261127)
    for name in ("faiss", "hnswlib"):
        s = sub.add_parser(name)
        s.add_argument("--base", required=True)
        s.add_argument("--queries", required=True)
        s.add_argument("--dim", type=int, default=384)
        s.add_argument("--n", type=int)
        s.add_argument("--nq", type=int)
        s.add_argument("--k", type=int, default=10)
        if name == "faiss":
            s.add_argument("--gt-out", required=True)
        else:
            s.add_argument("--gt", required=True)
            s.add_argument("--m", type=int, default=16)
            s.add_argument("--efc", type=int, default=200)
            s.add_argument("--ef", default="16,32,64,128")
    a = p.parse_args()
    {"gen": gen, "faiss": faiss_flat, "hnswlib": hnswlib_bench}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
