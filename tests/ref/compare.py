#!/usr/bin/python3
"""compare.py: compare adalink's outputs with a reference's (no torch).

    compare.py jsonl GOT EXPECTED TOL   numbers in matching JSON lines
    compare.py st GOT EXPECTED TOL      tensors of two safetensors files

Relative tolerance against each value's scale (a tensor's largest
magnitude, or max(1, |expected|) for a number).  Exit 0 when all agree;
otherwise print the worst disagreement and exit 1."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st  # noqa: E402


def flat(v):
    if isinstance(v, list):
        for x in v:
            yield from flat(x)
    elif isinstance(v, (int, float)):
        yield float(v)


def main():
    kind, got, exp, tol = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    worst, where = 0.0, ""
    if kind == "jsonl":
        g = [json.loads(l) for l in open(got) if l.strip()]
        e = [json.loads(l) for l in open(exp) if l.strip()]
        if len(g) != len(e):
            print("%d lines, expected %d" % (len(g), len(e)))
            return 1
        for i, (a, b) in enumerate(zip(g, e)):
            if sorted(a) != sorted(b):
                print("line %d: keys %s, expected %s" % (i + 1, sorted(a), sorted(b)))
                return 1
            for k in b:
                fa, fb = list(flat(a[k])), list(flat(b[k]))
                if len(fa) != len(fb):
                    print("line %d: %s has %d numbers, expected %d" % (i + 1, k, len(fa), len(fb)))
                    return 1
                for x, y in zip(fa, fb):
                    err = abs(x - y) / max(1.0, abs(y))
                    if err > worst:
                        worst, where = err, "line %d %s: %r vs %r" % (i + 1, k, x, y)
    else:
        g, e = st.load_raw(got), st.load_raw(exp)
        if sorted(g) != sorted(e):
            print("tensors %s, expected %s" % (sorted(g), sorted(e)))
            return 1
        for k in e:
            if g[k][1] != e[k][1]:
                print("%s: shape %s, expected %s" % (k, g[k][1], e[k][1]))
                return 1
            scale = max([abs(v) for v in e[k][2]] + [1e-30])
            for x, y in zip(g[k][2], e[k][2]):
                err = abs(x - y) / scale
                if err > worst:
                    worst, where = err, "%s: %r vs %r" % (k, x, y)
    print("worst relative difference %.3g %s" % (worst, where))
    return 0 if worst <= tol else 1


if __name__ == "__main__":
    sys.exit(main())
