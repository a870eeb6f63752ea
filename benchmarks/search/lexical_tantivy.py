#!/usr/bin/env python3
"""tantivy baseline for Paperboy's lexical benchmark: same corpus, same queries, BM25 top-10, one thread.

Schema: title and abstract as text with tantivy's `en_stem` tokenizer (lower-case + Snowball English), queried
as an OR of the query words over both fields. Index build uses one writer thread. Query timing covers
`searcher.search(query, 10)` on pre-parsed queries (parsing is excluded, which favours tantivy slightly).
"""
import argparse, json, os, shutil, statistics, time
import tantivy


def dir_size(path):
    return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(path) for f in fs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--index", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    docs = [json.loads(l) for l in open(a.corpus)]
    queries = [l.strip() for l in open(a.queries) if l.strip()]
    shutil.rmtree(a.index, ignore_errors=True)
    os.makedirs(a.index)
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("key", stored=True, tokenizer_name="raw")
    sb.add_text_field("title", tokenizer_name="en_stem")
    sb.add_text_field("abstract", tokenizer_name="en_stem")
    schema = sb.build()
    index = tantivy.Index(schema, path=a.index)
    t0 = time.perf_counter()
    c0 = time.process_time()
    writer = index.writer(heap_size=512_000_000, num_threads=1)
    for d in docs:
        writer.add_document(tantivy.Document(key=d["key"], title=d["title"], abstract=d["abstract"]))
    writer.commit()
    writer.wait_merging_threads()
    build = time.perf_counter() - t0
    build_cpu = time.process_time() - c0  # all threads of the process, like Paperboy's figure
    index.reload()
    searcher = index.searcher()
    parsed = []
    for q in queries:
        try:
            parsed.append(index.parse_query(q, ["title", "abstract"]))
        except ValueError:
            parsed.append(None)
    lat = []
    for r in range(a.rounds + 1):  # the first round warms caches and is not counted
        for q in parsed:
            if q is None:
                continue
            t = time.perf_counter()
            searcher.search(q, 10)
            dt = time.perf_counter() - t
            if r > 0:
                lat.append(dt)
    lat.sort()
    print(json.dumps({
        "engine": "tantivy " + getattr(tantivy, "__version__", "?"), "docs": len(docs), "build_s": round(build, 3), "build_cpu_s": round(build_cpu, 3),
        "size_bytes": dir_size(a.index), "queries": len(lat),
        "p50_us": round(lat[len(lat) // 2] * 1e6, 1), "p99_us": round(lat[int(len(lat) * 0.99)] * 1e6, 1),
        "mean_us": round(statistics.mean(lat) * 1e6, 1),
    }))


if __name__ == "__main__":
    main()
