#!/usr/bin/env python3
"""Deterministic SYNTHETIC paper corpus for Paperboy's lexical search benchmark.

Term statistics come from the real arXiv CS corpus (shared/data/arxiv/recent-cs.jsonl.gz); the generated papers
are not real papers. Each synthetic paper picks a random real "seed" paper and draws its words half from the seed
(so documents keep topical co-occurrence and burstiness) and half from the corpus-wide unigram distribution
(so the vocabulary's Zipf curve is realistic); lengths follow the seed's. Authors and categories are sampled from
the real pools. Queries are 1-4 content words taken from real titles, like what users type.

usage: lexical_corpus.py --arxiv PATH --docs 100000 --out DIR   (writes DIR/corpus-N.jsonl, DIR/queries-N.txt)
"""
import argparse, gzip, json, os, random, re

WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]*")
STOP = set("a an and are as at be but by for if in into is it no not of on or such that the their then there these they "
           "this to was will with we our which were been has have its from can also via using based towards toward".split())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arxiv", required=True)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=20261127)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    seeds, authors, cats = [], [], []
    with gzip.open(a.arxiv, "rt") as f:
        for line in f:
            d = json.loads(line)
            title = " ".join(d["title"].split())
            abstract = " ".join(d["abstract"].split())
            seeds.append((WORD.findall(title), WORD.findall(abstract)))
            authors.extend(x.strip() for x in (d.get("authors") or "").split(",")[:8] if x.strip())
            cats.append((d.get("categories") or "cs.LG").split())
    # Unigram pool: every token occurrence once, so uniform sampling from it follows corpus frequencies.
    pool = [w for t, ab in seeds for w in t + ab]
    os.makedirs(a.out, exist_ok=True)
    n = a.docs
    with open(os.path.join(a.out, f"corpus-{n}.jsonl"), "w") as out:
        for i in range(n):
            t, ab = seeds[rng.randrange(len(seeds))]
            title = [rng.choice(t) if rng.random() < 0.5 else rng.choice(pool) for _ in range(max(3, len(t)))]
            abstract = [rng.choice(ab) if rng.random() < 0.5 else rng.choice(pool) for _ in range(max(20, len(ab)))]
            doc = {
                "key": f"syn-{i:07d}",
                "title": " ".join(title),
                "abstract": " ".join(abstract),
                "authors": [rng.choice(authors) for _ in range(rng.randint(1, 6))],
                "categories": rng.choice(cats),
                "day": 19000 + rng.randrange(2000),
                "hasCode": rng.random() < 0.3,
            }
            out.write(json.dumps(doc) + "\n")
    with open(os.path.join(a.out, f"queries-{n}.txt"), "w") as out:
        written = 0
        while written < a.queries:
            t, _ = seeds[rng.randrange(len(seeds))]
            words = [w for w in t if w.lower() not in STOP and len(w) > 2 and "-" not in w]
            if not words:
                continue
            k = min(len(words), rng.choice([1, 2, 2, 3, 3, 3, 4]))
            start = rng.randrange(len(words) - k + 1)
            out.write(" ".join(words[start:start + k]) + "\n")
            written += 1


if __name__ == "__main__":
    main()
