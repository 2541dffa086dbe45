#!/usr/bin/env python3
"""Generate a caption corpus for the bench: N images, K references each,
one candidate each, COCO-like (8 to 14 words from a 2,000-word vocabulary
with a Zipf-like skew; references and candidate are edits of one base
sentence).  usage: gen.py N K SEED OUTDIR -> OUTDIR/refs.jsonl, preds.jsonl
"""
import json
import random
import sys

n, k, seed, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = random.Random(seed)
vocab = ["w%d" % i for i in range(2000)]
weights = [1.0 / (i + 1) for i in range(2000)]


def sentence():
    return rng.choices(vocab, weights, k=rng.randint(8, 14))


def edit(words):
    w = list(words)
    for _ in range(rng.randint(0, 4)):
        op = rng.random()
        i = rng.randrange(len(w))
        if op < 0.4:
            w[i] = rng.choices(vocab, weights)[0]
        elif op < 0.7 and len(w) > 4:
            del w[i]
        else:
            w.insert(i, rng.choices(vocab, weights)[0])
    return " ".join(w)


with open(out + "/refs.jsonl", "w") as r, open(out + "/preds.jsonl", "w") as p:
    for i in range(n):
        base = sentence()
        r.write(json.dumps({"id": str(100000 + i), "references": [edit(base) for _ in range(k)]}) + "\n")
        p.write(json.dumps({"id": str(100000 + i), "prediction": edit(base)}) + "\n")
