#!/usr/bin/python3
"""spm_edit.py: rewrite piece types in a SentencePiece model, to make
models spm_train cannot (unused pieces), for the tokenizer tests.

    spm_edit.py IN OUT TYPE STEP     every STEP-th normal piece gets TYPE
                                     (5: unused, 4: user-defined)
The wire format is rewritten by hand (no protobuf module needed).
"""
import sys


def varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return r, i


def enc(v):
    out = bytearray()
    while True:
        c = v & 0x7F
        v >>= 7
        if v:
            out.append(c | 0x80)
        else:
            out.append(c)
            return bytes(out)


def fields(b):
    i = 0
    while i < len(b):
        start = i
        k, i = varint(b, i)
        w = k & 7
        if w == 0:
            _, i = varint(b, i)
        elif w == 1:
            i += 8
        elif w == 5:
            i += 4
        elif w == 2:
            n, i = varint(b, i)
            i += n
        yield k >> 3, w, b[start:i]


def payload(raw):
    k, i = varint(raw, 0)
    n, i = varint(raw, i)
    return raw[i:i + n]


src = open(sys.argv[1], "rb").read()
typ, step = int(sys.argv[3]), int(sys.argv[4])
out = bytearray()
count = 0
for f, w, raw in fields(src):
    if f == 1:
        body = payload(raw)
        kind = 1
        rest = bytearray()
        for g, gw, graw in fields(body):
            if g == 3:
                kind, _ = varint(graw, 1)
            else:
                rest += graw
        if kind == 1:
            count += 1
            if count % step == 0:
                kind = typ
        if kind != 1:
            rest += bytes([3 << 3]) + enc(kind)
        out += bytes([1 << 3 | 2]) + enc(len(rest)) + rest
    else:
        out += raw
open(sys.argv[2], "wb").write(bytes(out))
