#!/usr/bin/env python3
"""Peers for `paperboy eval recommend`: the same offline protocol, reimplemented, with two recommenders.

  benchmarks/recommend/peers.py FILE [--seeds 3] [--min-papers 6] [--max-readers 1000] [--json]

Protocol (must agree with Sources/Recommendations/OfflineProtocol.swift and Sources/paperboy/RecommendEval.swift;
the printed fingerprint proves it): papers once per base id (first record), announce day from the
FILE-listing-dates.tsv.gz sidecar, else the v1 date; readers are normalized author names with >= --min-papers
papers; the earliest --seeds (by day, then id) are upvotes, later papers (strictly after the last seed's day) are
relevant, every paper strictly after the last seed's day is a candidate. Readers: the first --max-readers by
SHA-256("paperboy-recommend:" + name). Rankings are cut to 100; nDCG@20 (binary, log2), Recall@50, MRR.

Peers:
  svm       arxiv-sanity-lite: TfidfVectorizer as in its compute.py (1-2 grams, 20,000 features, sublinear tf,
            max_df 0.1, min_df 5, English stop words, its token pattern) over title + abstract of all papers
            (authors hidden, as for Paperboy); LinearSVC(class_weight="balanced", C=0.01, tol=1e-6,
            max_iter=10000) with the seeds as positives and ALL other papers as negatives; decision function.
  centroid  mean of the seeds' all-MiniLM-L6-v2 vectors (sentence-transformers), cosine to the candidates.
            Vectors: Paperboy's cache (--cache-dir, written by `paperboy eval recommend`) when its model hash
            matches, checked against sentence-transformers on a sample; anything missing is encoded with
            sentence-transformers and cached in --cache-dir/peers-st-vectors.npz.
"""
import argparse
import datetime
import email.utils
import gzip
import hashlib
import json
import os
import re
import sys
import time
import unicodedata

import numpy as np

DEPTH = 100
EPOCH = datetime.date(1970, 1, 1).toordinal()


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def open_text(path):
    return gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz") else open(path, encoding="utf-8")


def collapse(text):
    return " ".join((text or "").split())


def normalize_author(name):
    out, pending = [], False
    for ch in unicodedata.normalize("NFKD", name.lower()):
        cat = unicodedata.category(ch)
        if cat[0] == "M":
            continue
        if cat[0] in "LN":
            if pending and out:
                out.append(" ")
            pending = False
            out.append(ch)
        else:
            pending = True
    return "".join(out)


def authors_of(record):
    parsed = record.get("authors_parsed")
    if parsed:
        names = []
        for parts in parsed:
            last = parts[0] if len(parts) > 0 else ""
            first = parts[1] if len(parts) > 1 else ""
            suffix = parts[2] if len(parts) > 2 else ""
            name = collapse(" ".join(p for p in (first, last, suffix) if p))
            if name:
                names.append(name)
        return names
    raw = record.get("authors")
    if raw is None:
        return []
    return [a.strip() for a in collapse(raw).replace(" and ", ", ").split(",") if a.strip()]


def base_id(arxiv_id):
    return re.sub(r"v\d+$", "", arxiv_id.strip())


def listing_dates(path):
    base = path
    for suffix in (".gz", ".jsonl", ".json"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    for candidate in (base + "-listing-dates.tsv.gz", base + "-listing-dates.tsv"):
        if os.path.exists(candidate):
            dates = {}
            with open_text(candidate) as f:
                for line in f:
                    fields = line.rstrip("\n").split("\t")
                    if len(fields) != 2:
                        continue
                    try:
                        day = datetime.date.fromisoformat(fields[1])
                    except ValueError:
                        continue
                    dates[base_id(fields[0])] = day.toordinal() - EPOCH
            return dates
    return {}


def load(path):
    listing = listing_dates(path)
    papers, seen, undated = [], set(), 0
    with open_text(path) as f:
        for line in f:
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not r.get("id") or not collapse(r.get("title")):
                continue
            pid = base_id(r["id"])
            if pid in seen:
                continue
            seen.add(pid)
            day = listing.get(pid)
            if day is None:
                for v in r.get("versions") or []:
                    if v.get("version") == "v1":
                        try:
                            day = email.utils.parsedate_to_datetime(v["created"]).astimezone(datetime.timezone.utc).date().toordinal() - EPOCH
                        except (TypeError, ValueError, KeyError):
                            day = None
            if day is None:
                undated += 1
                continue
            title, abstract = collapse(r.get("title")), collapse(r.get("abstract"))
            papers.append({"id": pid, "title": title, "abstract": abstract, "day": day, "authors": authors_of(r)})
    return papers, undated


def readers_of(papers, seeds, min_papers):
    by_author = {}
    for i, p in enumerate(papers):
        seen = set()
        for a in p["authors"]:
            name = normalize_author(a)
            if not name or name in seen:
                continue
            seen.add(name)
            by_author.setdefault(name, []).append(i)
    days = np.sort(np.array([p["day"] for p in papers]))
    readers = []
    for name, idx in by_author.items():
        if len(idx) < max(min_papers, seeds + 1):
            continue
        ordered = sorted(idx, key=lambda i: (papers[i]["day"], papers[i]["id"].encode()))
        seed_ids = [papers[i]["id"] for i in ordered[:seeds]]
        last = papers[ordered[seeds - 1]]["day"]
        relevant = sorted((papers[i]["id"] for i in ordered[seeds:] if papers[i]["day"] > last), key=str.encode)
        if not relevant:
            continue
        count = int(len(days) - np.searchsorted(days, last, side="right"))
        readers.append({"name": name, "seeds": seed_ids, "last": last, "relevant": relevant, "candidates": count})
    readers.sort(key=lambda r: r["name"].encode())
    return readers


def sample(readers, limit):
    key = lambda r: hashlib.sha256(("paperboy-recommend:" + r["name"]).encode()).hexdigest()
    return sorted(sorted(readers, key=key)[:limit], key=lambda r: r["name"].encode())


def fingerprint(readers):
    text = "".join(f"{r['name']}\t{','.join(r['seeds'])}\t{','.join(r['relevant'])}\t{r['candidates']}\n" for r in readers)
    return hashlib.sha256(text.encode()).hexdigest()


def metrics(ranked, relevant):
    ranked = ranked[:DEPTH]
    rel = set(relevant)
    dcg = sum(1 / np.log2(i + 2) for i, pid in enumerate(ranked[:20]) if pid in rel)
    idcg = sum(1 / np.log2(i + 2) for i in range(min(20, len(rel))))
    recall = sum(1 for pid in ranked[:50] if pid in rel) / len(rel)
    mrr = next((1 / (i + 1) for i, pid in enumerate(ranked) if pid in rel), 0.0)
    return {"ndcg@20": dcg / idcg if idcg else 0.0, "recall@50": recall, "mrr": mrr}


MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def bootstrap(values, resamples=1000, seed=20261202):
    if not values:
        return [0.0, 0.0]
    rng, n = SplitMix64(seed), len(values)
    means = []
    for _ in range(resamples):
        means.append(sum(values[rng.next() % n] for _ in range(n)) / n)
    means.sort()
    return [means[min(resamples - 1, int(0.025 * resamples))], means[max(0, int(0.975 * resamples) - 1)]]


def summarize(per_reader):
    out = {"readers": len(per_reader)}
    for key in ("ndcg@20", "recall@50", "mrr"):
        values = [m[key] for m in per_reader]
        out[key] = float(np.mean(values)) if values else 0.0
        out[key + "_ci"] = bootstrap(values)
    return out


def top_candidates(scores, days, last):
    eligible = np.nonzero(days > last)[0]
    order = eligible[np.argsort(-scores[eligible], kind="stable")]
    return order[:DEPTH]


def run_svm(papers, readers, days, cache_dir, jobs=1):
    import scipy.sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    t = time.time()
    # The TF-IDF matrix depends only on the texts: cached by their hash (fitting it is the slow part).
    key = hashlib.sha256("\n".join(p["id"] + "\t" + p["title"] + " " + p["abstract"] for p in papers).encode()).hexdigest()[:16]
    cached = os.path.join(cache_dir, f"peers-svm-tfidf-{key}.npz")
    if os.path.exists(cached):
        x = scipy.sparse.load_npz(cached).tocsr()
        log(f"svm: tfidf {x.shape} from {cached}")
    else:
        x = tfidf(papers, TfidfVectorizer)
        os.makedirs(cache_dir, exist_ok=True)
        scipy.sparse.save_npz(cached, x)
        log(f"svm: tfidf {x.shape} in {time.time() - t:.1f} s")
    global _SVM
    _SVM = (x, papers, days, {p["id"]: i for i, p in enumerate(papers)})
    out, t = [], time.time()
    if jobs > 1:
        import multiprocessing
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for k, m in enumerate(pool.imap(svm_reader, readers)):
                out.append(m)
                if (k + 1) % 10 == 0:
                    log(f"svm: {k + 1}/{len(readers)} readers, {(time.time() - t) / (k + 1):.2f} s each (wall, {jobs} jobs)")
    else:
        for k, r in enumerate(readers):
            out.append(svm_reader(r))
            if (k + 1) % 10 == 0:
                log(f"svm: {k + 1}/{len(readers)} readers, {(time.time() - t) / (k + 1):.2f} s each")
    return out


_SVM = None


def svm_reader(r):
    from sklearn.svm import LinearSVC

    x, papers, days, row = _SVM
    y = np.zeros(len(papers), dtype=np.float32)
    for s in r["seeds"]:
        y[row[s]] = 1.0
    clf = LinearSVC(class_weight="balanced", verbose=False, max_iter=10000, tol=1e-6, C=0.01)
    clf.fit(x, y)
    scores = clf.decision_function(x)
    ranked = [papers[i]["id"] for i in top_candidates(scores, days, r["last"])]
    return dict(metrics(ranked, r["relevant"]), reader=r["name"])


def tfidf(papers, TfidfVectorizer):
    v = TfidfVectorizer(input="content", encoding="utf-8", decode_error="replace", strip_accents="unicode",
                        lowercase=True, analyzer="word", stop_words="english",
                        token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b", ngram_range=(1, 2), max_features=20000,
                        norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=True, max_df=0.1, min_df=5)
    return v.fit_transform(p["title"] + " " + p["abstract"] for p in papers).astype(np.float32)


def model_vectors(papers, model_dir, cache_dir):
    """Unit all-MiniLM-L6-v2 vectors for every paper, title + ". " + abstract, max 256 tokens."""
    from sentence_transformers import SentenceTransformer

    texts = [p["title"] + ". " + p["abstract"] if p["abstract"] else p["title"] for p in papers]
    model = SentenceTransformer(model_dir, device="cpu")
    dim = model.get_sentence_embedding_dimension()
    vectors = np.zeros((len(papers), dim), dtype=np.float32)
    have = np.zeros(len(papers), dtype=bool)
    row = {p["id"]: i for i, p in enumerate(papers)}
    h = hashlib.sha256()
    with open(os.path.join(model_dir, "model.safetensors"), "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    header = f"# paperboy recommend vectors; model-sha256={h.hexdigest()}; dimension={dim}"
    tsv, f32 = os.path.join(cache_dir, "recommend-vectors.tsv"), os.path.join(cache_dir, "recommend-vectors.f32")
    if os.path.exists(tsv) and os.path.exists(f32):
        with open(tsv) as f:
            lines = f.read().split("\n")
        if lines[0] == header:
            ids = [l.split("\t")[0] for l in lines[1:] if l]
            data = np.fromfile(f32, dtype=np.float32)
            # An interrupted run may have appended vectors without their lines: use the rows both files hold.
            ids = ids[: len(data) // dim]
            data = data[: len(ids) * dim].reshape(len(ids), dim)
            for j, pid in enumerate(ids):
                i = row.get(pid)
                if i is not None:
                    vectors[i] = data[j]
                    have[i] = True
            log(f"centroid: {have.sum()} vectors from Paperboy's cache {tsv}")
            # Parity check: sentence-transformers on a fixed sample must agree with the cached native vectors.
            check = [i for i in np.nonzero(have)[0][:: max(1, int(have.sum()) // 48)]][:48]
            if check:
                ref = model.encode([texts[i] for i in check], batch_size=16, normalize_embeddings=True)
                cached = vectors[check] / np.linalg.norm(vectors[check], axis=1, keepdims=True)
                cos = (ref * cached).sum(axis=1)
                log(f"centroid: parity on {len(check)} papers: min cosine {cos.min():.7f}")
                if cos.min() < 0.9999:
                    log("centroid: cache disagrees with sentence-transformers; re-encoding everything")
                    have[:] = False
        else:
            log("centroid: Paperboy's cache is for another model; ignored")
    own = os.path.join(cache_dir, "peers-st-vectors.npz")
    if os.path.exists(own):
        z = np.load(own, allow_pickle=False)
        for pid, vec in zip(z["ids"], z["vectors"]):
            i = row.get(str(pid))
            if i is not None and not have[i]:
                vectors[i] = vec
                have[i] = True
    missing = np.nonzero(~have)[0]
    if len(missing):
        log(f"centroid: encoding {len(missing)} papers with sentence-transformers")
        vectors[missing] = model.encode([texts[i] for i in missing], batch_size=32, normalize_embeddings=True,
                                        show_progress_bar=False)
        os.makedirs(cache_dir, exist_ok=True)
        np.savez(own, ids=np.array([papers[i]["id"] for i in missing]), vectors=vectors[missing])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def run_centroid(papers, readers, days, vectors):
    row = {p["id"]: i for i, p in enumerate(papers)}
    out = []
    for r in readers:
        c = vectors[[row[s] for s in r["seeds"]]].mean(axis=0)
        c /= max(np.linalg.norm(c), 1e-12)
        scores = vectors @ c
        ranked = [papers[i]["id"] for i in top_candidates(scores, days, r["last"])]
        out.append(dict(metrics(ranked, r["relevant"]), reader=r["name"]))
    return out


def write_per_reader(prefix, peer, per_reader):
    if not prefix:
        return
    with open(f"{prefix}-{peer}.jsonl", "w") as f:
        for m in per_reader:
            f.write(json.dumps(m, sort_keys=True) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--min-papers", type=int, default=6)
    ap.add_argument("--max-readers", type=int, default=1000)
    ap.add_argument("--model", default=os.environ.get("PAPERBOY_MODEL_DIR", "models/all-MiniLM-L6-v2"))
    ap.add_argument("--cache-dir", default="work/cache")
    ap.add_argument("--only", choices=["svm", "centroid"], help="run one peer")
    ap.add_argument("--fingerprint-only", action="store_true", help="print the protocol and stop")
    ap.add_argument("--jobs", type=int, default=1, help="SVM fits in parallel (processes)")
    ap.add_argument("--per-reader", metavar="PREFIX",
                    help="write each peer's per-reader metrics to PREFIX-svm.jsonl / PREFIX-centroid.jsonl "
                         "(for benchmarks/recommend/compare.py)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    started = time.time()
    papers, undated = load(args.file)
    days = np.array([p["day"] for p in papers])
    eligible = readers_of(papers, args.seeds, args.min_papers)
    readers = sample(eligible, args.max_readers)
    fp = fingerprint(readers)
    log(f"corpus: {len(papers)} papers ({undated} undated left out); readers: {len(readers)} of {len(eligible)}; fingerprint {fp}")
    result = {"fingerprint": fp, "readers": len(readers), "eligible_readers": len(eligible), "papers": len(papers),
              "seeds": args.seeds, "min_papers": args.min_papers, "max_readers": args.max_readers}
    if not args.fingerprint_only:
        if args.only in (None, "svm"):
            t = time.time()
            per = run_svm(papers, readers, days, args.cache_dir, args.jobs)
            write_per_reader(args.per_reader, "svm", per)
            result["svm"] = summarize(per)
            result["svm"]["seconds"] = time.time() - t
        if args.only in (None, "centroid"):
            if os.path.exists(os.path.join(args.model, "config.json")):
                t = time.time()
                vectors = model_vectors(papers, args.model, args.cache_dir)
                per = run_centroid(papers, readers, days, vectors)
                write_per_reader(args.per_reader, "centroid", per)
                result["centroid"] = summarize(per)
                result["centroid"]["seconds"] = time.time() - t
            else:
                log(f"centroid: no model at {args.model} (scripts/fetch-model.sh); skipped")
    result["seconds"] = time.time() - started
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
    else:
        print(f"protocol: {len(readers)} readers (of {len(eligible)}), seeds {args.seeds}, min papers {args.min_papers}")
        print(f"fingerprint: {fp}")
        print("method      nDCG@20                  Recall@50                MRR")
        for name in ("svm", "centroid"):
            if name in result:
                s = result[name]
                cells = "".join(f"{s[k]:.4f} [{s[k + '_ci'][0]:.4f}, {s[k + '_ci'][1]:.4f}]".ljust(25)
                                for k in ("ndcg@20", "recall@50", "mrr"))
                print(name.ljust(12) + cells)


if __name__ == "__main__":
    main()
