#!/usr/bin/env python3
"""Builds the demo corpus that ships in Sources/DemoCorpus/Data from ../shared (arXiv metadata is CC0).

- hf-papers-listing.txt: the founding Hugging Face Papers listing page (May 30), as saved.
- arxiv-cs-2026-05.jsonl.gz: the cs.CL / cs.LG / cs.AI (primary) papers announced 2026-05-01..2026-05-29,
  records byte-for-byte as in recent-cs.jsonl.gz (Kaggle snapshot layout).
- arxiv-cs-2026-05-listing-dates.tsv.gz: their announcement dates (the importer's sidecar).
- daily-picks.tsv: a curator's daily feed for each of those days: up to 12 papers a day, papers with a code
  link first, then by id; deterministic.

Usage: scripts/make-demo-corpus.py [SHARED_DIR]   (default: ../shared next to the repository)
"""
import gzip, json, os, re, shutil, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "..", "shared")
arxiv = os.path.join(shared, "data", "arxiv")
out = os.path.join(root, "Sources", "DemoCorpus", "Data")
os.makedirs(out, exist_ok=True)

dates = {}
with gzip.open(os.path.join(arxiv, "recent-cs-listing-dates.tsv.gz"), "rt") as f:
    for line in f:
        pid, day = line.rstrip("\n").split("\t")
        if pid != "id":
            dates[pid] = day

FIRST, LAST = "2026-05-01", "2026-05-29"
picked = []
with gzip.open(os.path.join(arxiv, "recent-cs.jsonl.gz"), "rt") as f:
    for line in f:
        record = json.loads(line)
        day = dates.get(record["id"], "")
        if record["categories"].split()[0] in ("cs.CL", "cs.LG", "cs.AI") and FIRST <= day <= LAST:
            picked.append((record["id"], day, line))
picked.sort()

# mtime=0 keeps the gzip bytes reproducible.
with gzip.GzipFile(os.path.join(out, "arxiv-cs-2026-05.jsonl.gz"), "wb", mtime=0) as f:
    for _, _, line in picked:
        f.write(line.encode())
with gzip.GzipFile(os.path.join(out, "arxiv-cs-2026-05-listing-dates.tsv.gz"), "wb", mtime=0) as f:
    f.write(b"id\tlisting_date\n")
    for pid, day, _ in picked:
        f.write(f"{pid}\t{day}\n".encode())

by_day = {}
for pid, day, line in picked:
    record = json.loads(line)
    has_code = bool(re.search(r"github\.com/", (record["abstract"] or "") + (record["comments"] or "")))
    by_day.setdefault(day, []).append((not has_code, pid))
with open(os.path.join(out, "daily-picks.tsv"), "w") as f:
    f.write("day\tpaper\tsubmitter\n")
    for day in sorted(by_day):
        for _, pid in sorted(by_day[day])[:12]:
            f.write(f"{day}\t{pid}\tcurator\n")

shutil.copyfile(os.path.join(shared, "data", "seed", "hf-papers-listing.txt"), os.path.join(out, "hf-papers-listing.txt"))
print(f"{len(picked)} papers, {len(by_day)} days -> {out}")
