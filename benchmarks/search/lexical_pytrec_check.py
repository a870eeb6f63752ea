#!/usr/bin/env python3
# usage: lexical_pytrec_check.py RUN.trec QRELS.tsv PER_QUERY.tsv  (per-query: qid, ndcg@10, recall@100, mrr@10)
# Cross-checks Paperboy's metrics against pytrec_eval on the same TREC run file.
import sys, pytrec_eval, csv
run_path, qrels_path, perq_path = sys.argv[1:4]
qrels = {}
with open(qrels_path) as f:
    r = csv.reader(f, delimiter='\t'); next(r)
    for q, d, s in r: qrels.setdefault(q, {})[d] = int(s)
run = {}
for line in open(run_path):
    q, _, d, rank, score, _ = line.split()
    run.setdefault(q, {})[d] = float(score)
ev = pytrec_eval.RelevanceEvaluator(qrels, {'ndcg_cut.10', 'recall.100', 'recip_rank'})
res = ev.evaluate(run)
# recip_rank is uncut in trec_eval; compute MRR@10 by evaluating the run truncated to 10.
run10 = {q: dict(sorted(ds.items(), key=lambda x: -x[1])[:10]) for q, ds in run.items()}
res10 = pytrec_eval.RelevanceEvaluator(qrels, {'recip_rank'}).evaluate(run10)
ours = {}
for line in open(perq_path):
    q, n, r, m = line.split('\t'); ours[q] = (float(n), float(r), float(m))
maxdiff = [0, 0, 0]
for q in ours:
    z = {'ndcg_cut_10': 0.0, 'recall_100': 0.0, 'recip_rank': 0.0}
    t = (res.get(q, z)['ndcg_cut_10'], res.get(q, z)['recall_100'], res10.get(q, z)['recip_rank'])
    for i in range(3): maxdiff[i] = max(maxdiff[i], abs(t[i] - ours[q][i]))
n = len(ours)
mean = lambda key, rs: sum(rs.get(q, {}).get(key, 0.0) for q in ours) / n
print('queries', n, 'pytrec_eval nDCG@10=%.6f Recall@100=%.6f MRR@10=%.6f' % (mean('ndcg_cut_10', res), mean('recall_100', res), mean('recip_rank', res10)))
print('ours        nDCG@10=%.6f Recall@100=%.6f MRR@10=%.6f' % tuple(sum(v[i] for v in ours.values()) / n for i in range(3)))
print('max per-query abs diff: ndcg %.2e recall %.2e mrr %.2e' % tuple(maxdiff))
