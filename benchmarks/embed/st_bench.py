"""sentence-transformers (CPU torch) side of benchmarks/embed/run.sh.

Embeds the same documents and queries as embed-bench and prints one JSON object.
With --paperboy-vectors it also compares Paperboy's document embeddings to these.
"""
import argparse, json, os, resource, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("model"); ap.add_argument("corpus"); ap.add_argument("queries")
ap.add_argument("--limit", type=int); ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--batch-size", type=int, default=32)
ap.add_argument("--paperboy-vectors")
ap.add_argument("--save-vectors", help="write these embeddings as raw float32 for other comparisons")
a = ap.parse_args()

def rss_mb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    return 0.0

docs, queries = [], []
with open(a.corpus) as f:
    for line in f:
        if a.limit is not None and len(docs) >= a.limit: break
        o = json.loads(line); docs.append(o["title"] + " " + o["text"])
with open(a.queries) as f:
    for line in f:
        if len(queries) >= 200: break
        queries.append(json.loads(line)["text"])

import numpy as np
import torch
torch.set_num_threads(a.threads)
rss0 = rss_mb("VmRSS:")
t = time.perf_counter()
from sentence_transformers import SentenceTransformer
model = SentenceTransformer(a.model, device="cpu")
load_s = time.perf_counter() - t
load_rss = rss_mb("VmRSS:") - rss0

model.encode(docs[:8], batch_size=a.batch_size)
t, c = time.perf_counter(), time.process_time()
vecs = model.encode(docs, batch_size=a.batch_size, convert_to_numpy=True, normalize_embeddings=False)
embed_s, embed_cpu = time.perf_counter() - t, time.process_time() - c

torch.set_num_threads(1)
for q in queries[:10]: model.encode([q])
times = []
for q in queries:
    t = time.perf_counter(); model.encode([q]); times.append((time.perf_counter() - t) * 1000)
times.sort()

out = {
    "documents": len(docs), "threads": a.threads, "batch_size": a.batch_size,
    "load_seconds": load_s, "load_rss_mb": load_rss, "embed_seconds": embed_s, "embed_cpu_seconds": embed_cpu,
    "docs_per_second": len(docs) / embed_s, "query_p50_ms": times[len(times) // 2],
    "peak_rss_mb": rss_mb("VmHWM:"), "torch": torch.__version__,
    "sentence_transformers": __import__("sentence_transformers").__version__,
}
if a.save_vectors:
    vecs.astype(np.float32).tofile(a.save_vectors)
if a.paperboy_vectors and os.path.exists(a.paperboy_vectors):
    pb = np.fromfile(a.paperboy_vectors, dtype=np.float32).reshape(len(docs), -1)
    cos = (pb * vecs).sum(1) / (np.linalg.norm(pb, axis=1) * np.linalg.norm(vecs, axis=1))
    out["parity_min_cosine"] = float(cos.min())
    out["parity_max_abs_diff"] = float(np.abs(pb - vecs).max())
print(json.dumps(out, sort_keys=True))
