#!/usr/bin/python3
"""decode_ref.py: greedy and beam search over the PyTorch reference (no
cache: every step reruns the whole decoder), for tests/cli/predict.sh.

    /usr/bin/python3 tests/ref/decode_ref.py tests/data/adalink

Reads backbone.safetensors, adapter.safetensors and batch.jsonl there and
writes decode.expected.jsonl: for each line and each (beam, max_len,
length_penalty) of SETTINGS, {"beam", "max_len", "length_penalty", "ids",
"score"}.  The search is the one trainer/decode.h describes."""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st  # noqa: E402
import t5_ref  # noqa: E402
import adalink_ref  # noqa: E402

torch.set_num_threads(1)
SETTINGS = [(1, 6, 0.0), (3, 6, 0.0), (4, 5, 1.0)]
EOS = 1


def embed(W, A, act, x):
    parts = []
    task = x.get("task")

    def module(modality):
        for key in (("adalink.%s.%s" % (task, modality)) if task else None, "adalink." + modality):
            if key and key + ".down" in A:
                return A[key + ".down"], A[key + ".up"]
        return None
    if x.get("image_embeddings"):
        img = torch.tensor(x["image_embeddings"]) @ W["vision_projection.weight"].T
        m = module("image")
        parts.append(img + adalink_ref.act(act, img @ m[0]) @ m[1] if m else img)
    if x["input_ids"]:
        e = W["shared.weight"][torch.tensor(x["input_ids"])]
        m = module("text")
        parts.append(e + adalink_ref.act(act, e @ m[0]) @ m[1] if m else e)
    return torch.cat(parts)[None]


def next_lp(W, cfg, emb, prefix):
    tg = torch.tensor([prefix + [0]])
    logits, _, _ = t5_ref.forward(W, cfg, emb, torch.ones(1, emb.shape[1]), tg)
    return torch.log_softmax(logits[0, -1].double(), -1).float()


def search(W, cfg, emb, K, L, a):
    alive = [([], 0.0)]
    fin = []
    for step in range(L):
        cands = []
        for i, (ids, s) in enumerate(alive):
            lp = next_lp(W, cfg, emb, ids)
            top = sorted(range(lp.numel()), key=lambda j: -lp[j].item())[:K]
            for t in top:
                cands.append((s + lp[t].item(), i, t))
        cands.sort(key=lambda c: (-c[0], c[1], c[2]))
        nxt = []
        for s, i, t in cands:
            if len(nxt) == K:
                break
            ids = alive[i][0] + [t]
            if t == EOS or len(ids) == L:
                fs = s if a == 0 else s / len(ids) ** a
                if len(fin) < K:
                    fin.append((ids, fs))
                else:
                    w = min(range(K), key=lambda f: fin[f][1])
                    if fs > fin[w][1]:
                        fin[w] = (ids, fs)
                continue
            nxt.append((ids, s))
        alive = nxt
        if not alive:
            break
        if len(fin) == K and a == 0 and max(s for _, s in alive) <= min(s for _, s in fin):
            break
    best = max(range(len(fin)), key=lambda f: (fin[f][1], -f))
    return fin[best]


def main():
    d = sys.argv[1]
    path = os.path.join(d, "backbone.safetensors")
    cfg = json.loads(st.metadata(path)["config"])
    W = st.load(path)
    A = st.load(os.path.join(d, "adapter.safetensors"))
    act = json.loads(st.metadata(os.path.join(d, "adapter.safetensors"))["config"])["activation"]
    with open(os.path.join(d, "decode.expected.jsonl"), "w") as out:
        for line in open(os.path.join(d, "batch.jsonl")):
            x = json.loads(line)
            emb = embed(W, A, act, x)
            for K, L, a in SETTINGS:
                ids, score = search(W, cfg, emb, K, L, a)
                out.write(json.dumps({"beam": K, "max_len": L, "length_penalty": a,
                                      "ids": ids, "score": score}) + "\n")


if __name__ == "__main__":
    main()
