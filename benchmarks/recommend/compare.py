#!/usr/bin/env python3
"""Paired comparison of two recommenders on the same readers of the offline protocol.

  benchmarks/recommend/compare.py A.jsonl B.jsonl [--metric ndcg@20] [--resamples 10000]

A and B are per-reader metric files (`paperboy eval recommend --per-reader FILE`, `peers.py --per-reader PREFIX`):
one JSON object per line with "reader" and the metrics. Readers are matched by name (both files must hold the
same readers). Prints, per metric, both means, the ratio of means A/B and the mean difference A-B, each with a
95% interval from a paired bootstrap over readers (the same resampled readers for A and B), and how often A's
mean beats B's across resamples. Paired intervals are much narrower than comparing the two marginal intervals:
most of the spread between readers (some authors are easy to predict, some are not) is shared by both methods.
"""
import argparse
import json
import sys

import numpy as np


def load(path):
    rows = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                rows[r["reader"]] = r
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--metric", action="append", help="metric key (repeatable); default: all three")
    ap.add_argument("--resamples", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    a, b = load(args.a), load(args.b)
    if set(a) != set(b):
        only_a, only_b = len(set(a) - set(b)), len(set(b) - set(a))
        sys.exit(f"compare: the files hold different readers ({only_a} only in A, {only_b} only in B)")
    readers = sorted(a)
    rng = np.random.default_rng(args.seed)
    picks = rng.integers(0, len(readers), size=(args.resamples, len(readers)))
    out = {"readers": len(readers), "a": args.a, "b": args.b}
    for metric in args.metric or ["ndcg@20", "recall@50", "mrr"]:
        x = np.array([a[r][metric] for r in readers])
        y = np.array([b[r][metric] for r in readers])
        mx, my = x[picks].mean(axis=1), y[picks].mean(axis=1)
        ratio = mx / np.maximum(my, 1e-12)
        diff = mx - my
        out[metric] = {
            "a": float(x.mean()), "b": float(y.mean()),
            "ratio": float(x.mean() / max(y.mean(), 1e-12)),
            "ratio_ci": [float(np.percentile(ratio, 2.5)), float(np.percentile(ratio, 97.5))],
            "difference": float(x.mean() - y.mean()),
            "difference_ci": [float(np.percentile(diff, 2.5)), float(np.percentile(diff, 97.5))],
            "a_wins": float((mx > my).mean()),
        }
    if args.json:
        print(json.dumps(out, indent=2, sort_keys=True))
        return
    print(f"{len(readers)} readers, paired bootstrap ({args.resamples} resamples)")
    print(f"A = {args.a}\nB = {args.b}")
    print("metric      A        B        A/B [95% CI]             A-B [95% CI]                 A ahead")
    for metric in args.metric or ["ndcg@20", "recall@50", "mrr"]:
        m = out[metric]
        print(f"{metric:<11} {m['a']:.4f}   {m['b']:.4f}   {m['ratio']:.3f} [{m['ratio_ci'][0]:.3f}, {m['ratio_ci'][1]:.3f}]"
              f"     {m['difference']:+.4f} [{m['difference_ci'][0]:+.4f}, {m['difference_ci'][1]:+.4f}]"
              f"    {100 * m['a_wins']:.1f}%")


if __name__ == "__main__":
    main()
