#!/usr/bin/python3
"""spm_decode.py: the reference library's decoding, for the tokenizer tests.

    spm_decode.py MODEL ids|pieces IN OUT     decode each line of IN
    spm_decode.py MODEL randids SEED N OUT    write N lines of random ids

Lines of ids or pieces are separated by single spaces, as adalink tokenize
prints them.  Decoded text is written as bytes, one line each.
"""
import random
import sys

import sentencepiece as spm

sp = spm.SentencePieceProcessor()
sp.Load(sys.argv[1])
mode = sys.argv[2]
if mode == "randids":
    r = random.Random(int(sys.argv[3]))
    n = sp.GetPieceSize()
    with open(sys.argv[5], "w") as f:
        for _ in range(int(sys.argv[4])):
            k = r.choice([0, 1, 2, 3, 8, 20])
            ids = [r.randrange(n) if r.random() < 0.7 else r.randrange(min(n, 300))
                   for _ in range(k)]
            f.write(" ".join(map(str, ids)) + "\n")
    sys.exit(0)
with open(sys.argv[3], "rb") as f, open(sys.argv[4], "wb") as out:
    for line in f:
        line = line.rstrip(b"\n").decode("utf-8", "surrogateescape")
        toks = [t for t in line.split(" ") if t != ""]
        if mode == "ids":
            text = sp.DecodeIds([int(t) for t in toks])
        else:
            text = sp.DecodePieces(toks)
        out.write(text.encode("utf-8", "surrogateescape") + b"\n")
