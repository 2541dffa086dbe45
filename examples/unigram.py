#!/usr/bin/python3
"""unigram.py: the per-token perplexity of a unigram model on the targets of
adalink examples, the baseline a pretrained model's continuations are held
against.  The unigram counts come from the training records (adalink ingest
text), tokenized with the same SentencePiece model, every document ending in
EOS (id 1) as adalink's objectives tokenize them; add-one smoothing over the
vocabulary (VOCAB ids, the sentinels included).

    unigram.py SPM VOCAB TRAIN_RECORDS EXAMPLES.jsonl
prints: tokens <tab> perplexity"""
import json
import math
import sys

import sentencepiece as spm

model, vocab, train, examples = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
sp = spm.SentencePieceProcessor(model_file=model)
counts = [1] * vocab
for line in open(train, encoding="utf-8"):
    if line.strip():
        for i in sp.encode(json.loads(line)["inputs"]["text"]) + [1]:
            counts[i] += 1
total = sum(counts)
nll, n = 0.0, 0
for line in open(examples, encoding="utf-8"):
    for i in json.loads(line)["target_ids"]:
        nll -= math.log(counts[i] / total)
        n += 1
print("%d\t%.4f" % (n, math.exp(nll / n)))
