#!/usr/bin/python3
"""adalink_ref.py: AdaLink over the PyTorch T5 of t5_ref.py, for
tests/cli/forward.sh.

    /usr/bin/python3 tests/ref/adalink_ref.py tests/data/t5 tests/data/adalink

reads t5-1.1.safetensors from the first folder and writes to the second:
backbone.safetensors (the same weights plus a vision_projection.weight),
adapter.safetensors (gelu; shared text and image modules and a per-task
"rte" text module; with config metadata), adapter_plain.safetensors (text
module only, tensors alone: activation none), batch.jsonl, and for each
adapter NAME.expected.jsonl (nll, tokens, logprobs per line) and
NAME.grad.safetensors (d sum(nll) / d each adapter tensor).
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st  # noqa: E402
import t5_ref  # noqa: E402

torch.set_num_threads(1)


def act(name, z):
    if name == "gelu":
        return torch.nn.functional.gelu(z, approximate="tanh")
    if name == "relu":
        return torch.relu(z)
    return z


def run(W, cfg, A, actname, x):
    """One example through AdaLink and the backbone; returns nll, logprobs."""
    def module(task, modality):
        for key in (("adalink.%s.%s" % (task, modality)) if task else None, "adalink." + modality):
            if key and key + ".down" in A:
                return A[key + ".down"], A[key + ".up"]
        return None
    parts = []
    task = x.get("task")
    if x.get("image_embeddings"):
        img = torch.tensor(x["image_embeddings"]) @ W["vision_projection.weight"].T
        m = module(task, "image")
        parts.append(img + act(actname, img @ m[0]) @ m[1] if m else img)
    if x["input_ids"]:
        e = W["shared.weight"][torch.tensor(x["input_ids"])]
        m = module(task, "text")
        parts.append(e + act(actname, e @ m[0]) @ m[1] if m else e)
    emb = torch.cat(parts)[None]
    tg = torch.tensor([x["target_ids"]])
    _, lp, nll = t5_ref.forward(W, cfg, emb, torch.ones(1, emb.shape[1]), tg)
    return nll, lp[0]


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    g = torch.Generator().manual_seed(7)
    path = os.path.join(src, "t5-1.1.safetensors")
    cfg = json.loads(st.metadata(path)["config"])
    W = st.load(path)
    C, Dv, V = cfg["d_model"], 12, cfg["vocab_size"]
    W["vision_projection.weight"] = torch.randn(C, Dv, generator=g) * Dv ** -0.5
    st.save(os.path.join(out, "backbone.safetensors"), W, {"config": json.dumps(cfg)})

    def pair(r):
        return [torch.randn(C, r, generator=g) * 0.3, torch.randn(r, C, generator=g) * 0.3]
    adapters = {
        "adapter": ("gelu", {"adalink.text": pair(4), "adalink.image": pair(4),
                             "adalink.rte.text": pair(4)}),
        "adapter_plain": ("none", {"adalink.text": pair(3)}),
    }
    batch = [
        {"input_ids": [5, 9, 33, 1], "target_ids": [12, 40, 1]},
        {"input_ids": [7, 7, 2, 61, 80, 1], "target_ids": [3, 1], "task": "rte"},
        {"input_ids": [4, 1], "target_ids": [90, 22, 6, 1], "task": "cola",
         "image_embeddings": torch.randn(3, Dv, generator=g).tolist()},
        {"input_ids": [], "target_ids": [8, 1],
         "image_embeddings": torch.randn(2, Dv, generator=g).tolist()},
    ]
    with open(os.path.join(out, "batch.jsonl"), "w") as f:
        for x in batch:
            f.write(json.dumps(x) + "\n")
    for name, (actname, mods) in adapters.items():
        A = {}
        for k, (d, u) in mods.items():
            A[k + ".down"] = d.clone().requires_grad_(True)
            A[k + ".up"] = u.clone().requires_grad_(True)
        meta = None
        if name == "adapter":
            meta = {"config": json.dumps({"method": "adalink", "rank": 4, "activation": actname,
                                          "modalities": ["text", "image"], "tasks": ["rte"]})}
        st.save(os.path.join(out, name + ".safetensors"), {k: v.detach() for k, v in A.items()}, meta)
        total = 0
        with open(os.path.join(out, name + ".expected.jsonl"), "w") as f:
            for x in batch:
                nll, lp = run(W, cfg, A, actname, x)
                total = total + nll
                f.write(json.dumps({"nll": nll.item(), "tokens": len(x["target_ids"]),
                                    "logprobs": lp.tolist()}) + "\n")
        total.backward()
        st.save(os.path.join(out, name + ".grad.safetensors"),
                {k: (v.grad if v.grad is not None else torch.zeros_like(v)) for k, v in A.items()})
        print("%s: summed nll %.6f" % (name, total.item()))


if __name__ == "__main__":
    main()
