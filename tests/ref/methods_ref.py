#!/usr/bin/python3
"""methods_ref.py: the methods AdaLink is compared with (prompt tuning,
LoRA, full fine-tuning) over the PyTorch T5 of t5_ref.py, for
tests/cli/methods.sh.

    /usr/bin/python3 tests/ref/methods_ref.py tests/data

reads adalink/backbone.safetensors (T5 1.1, gated, untied, with a vision
projection), adalink/batch.jsonl and t5/t5-1.0.safetensors (ReLU, tied)
under the folder given and writes to its methods/ folder, for each case
NAME: NAME.safetensors (the adapter; random values everywhere, B and the
prompt's up projection included, so every gradient is exercised),
NAME.expected.jsonl (nll, tokens, logprobs per line of the batch) and
NAME.grad.safetensors (d sum(nll) / d each trainable tensor).  The cases:

    prompt      3 soft tokens, MLP of 5 hidden units, on the T5 1.1 backbone
    lora        rank 2, alpha 4, encoder blocks only, T5 1.1
    lora_dec    the same with the decoder blocks, T5 1.1
    lora10      rank 3, alpha 3, encoder and decoder, T5 1.0 (text lines)
    full        every weight of T5 1.1 (the vision projection frozen: zero)
    full10      every weight of T5 1.0 (tied output: shared.weight's
                gradient sums the encoder, decoder and output uses)

batch_text.jsonl holds the batch's lines without image embeddings, for the
T5 1.0 cases.  The gradients are also checked here against central
differences in float64 on a few coordinates (printed), so the reference is
itself checked.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st  # noqa: E402
import t5_ref  # noqa: E402

torch.set_num_threads(1)

LINEARS_ENC = ["layer.0.SelfAttention.q", "layer.0.SelfAttention.k", "layer.0.SelfAttention.v",
               "layer.0.SelfAttention.o"]
LINEARS_DEC = LINEARS_ENC + ["layer.1.EncDecAttention.q", "layer.1.EncDecAttention.k",
                             "layer.1.EncDecAttention.v", "layer.1.EncDecAttention.o"]


def linears(cfg, decoder):
    """The names of the linear layers LoRA adapts, in adalink's order."""
    out = []
    for side, L in (("encoder", cfg["num_layers"]), ("decoder", cfg["num_decoder_layers"])):
        if side == "decoder" and not decoder:
            continue
        f = 2 if side == "decoder" else 1
        ff = ["wi_0", "wi_1", "wo"] if cfg["feed_forward_proj"] == "gated-gelu" else ["wi", "wo"]
        for l in range(L):
            att = LINEARS_DEC if side == "decoder" else LINEARS_ENC
            for a in att + ["layer.%d.DenseReluDense.%s" % (f, x) for x in ff]:
                out.append("%s.block.%d.%s" % (side, l, a))
    return out


def embed(W, x, prefix=None):
    """The encoder input of x: [prefix; image; text]."""
    parts = [] if prefix is None else [prefix]
    if x.get("image_embeddings"):
        parts.append(torch.tensor(x["image_embeddings"], dtype=W["shared.weight"].dtype)
                     @ W["vision_projection.weight"].T)
    if x["input_ids"]:
        parts.append(W["shared.weight"][torch.tensor(x["input_ids"])])
    return torch.cat(parts)[None]


def prompt_out(A):
    P = A["prompt.tokens"]
    h = torch.relu(P @ A["prompt.down"] + A["prompt.down_bias"])
    return P + h @ A["prompt.up"] + A["prompt.up_bias"]


def run_all(W, cfg, A, method, batch):
    """Summed nll over the batch and per line (nll, logprobs)."""
    if method == "lora":
        W = dict(W)
        s = A["__scale__"]
        for k, v in A.items():
            if k.endswith(".lora_A.weight"):
                base = k[: -len(".lora_A.weight")]
                W[base + ".weight"] = W[base + ".weight"] + s * (A[base + ".lora_B.weight"] @ v)
    total, lines = 0, []
    for x in batch:
        emb = embed(W, x, prompt_out(A) if method == "prompt" else None)
        tg = torch.tensor([x["target_ids"]])
        _, lp, nll = t5_ref.forward(W, cfg, emb, torch.ones(1, emb.shape[1], dtype=emb.dtype), tg)
        total = total + nll
        lines.append((nll, lp[0]))
    return total, lines


def fd_check(name, W, cfg, A, method, batch, params, g):
    """Central differences in float64 on the largest-gradient coordinates
    of a few tensors; returns the worst relative difference."""
    W64 = {k: v.detach().double() for k, v in W.items()}
    A64 = {k: (v.detach().double() if torch.is_tensor(v) else v) for k, v in A.items()}
    tgt = W64 if method == "full" else A64
    worst = 0.0
    for k in params[:: max(1, len(params) // 4)]:
        flat = g[k].flatten()
        i = int(flat.abs().argmax())
        h = 1e-5
        v = tgt[k].view(-1)
        old = v[i].item()
        v[i] = old + h
        up, _ = run_all(W64, cfg, A64, method, batch)
        v[i] = old - h
        dn, _ = run_all(W64, cfg, A64, method, batch)
        v[i] = old
        fd = (up.item() - dn.item()) / (2 * h)
        worst = max(worst, abs(fd - flat[i].item()) / max(1e-3, abs(fd)))
    print("%s: autograd against float64 central differences: worst relative %.2g" % (name, worst))
    if worst > 1e-4:
        sys.exit("%s: the reference's gradient disagrees with finite differences" % name)


def case(out, name, method, W, cfg, A, batch, meta):
    """Write NAME.safetensors, NAME.expected.jsonl, NAME.grad.safetensors."""
    trainable = dict(W) if method == "full" else {k: v for k, v in A.items() if torch.is_tensor(v)}
    leaves = {}
    for k, v in trainable.items():
        leaves[k] = v.clone().requires_grad_(True)
    if method == "full":
        Wl, Al = leaves, A
    else:
        Wl, Al = W, dict(A, **leaves)
    total, lines = run_all(Wl, cfg, Al, method, batch)
    total.backward()
    grads = {}
    for k, v in leaves.items():
        gr = v.grad if v.grad is not None else torch.zeros_like(v)
        if k == "vision_projection.weight":
            gr = torch.zeros_like(v)  # the vision tower stays frozen
        grads[k] = gr
    if method != "full":
        st.save(os.path.join(out, name + ".safetensors"),
                {k: v for k, v in A.items() if torch.is_tensor(v)}, meta)
    with open(os.path.join(out, name + ".expected.jsonl"), "w") as f:
        for x, (nll, lp) in zip(batch, lines):
            f.write(json.dumps({"nll": nll.item(), "tokens": len(x["target_ids"]),
                                "logprobs": lp.tolist()}) + "\n")
    gmeta = {"config": json.dumps(cfg)} if method == "full" else None
    st.save(os.path.join(out, name + ".grad.safetensors"), grads, gmeta)
    names = sorted(k for k in grads if k != "vision_projection.weight")
    fd_check(name, W, cfg, A, method, batch, names, grads)
    print("%s: summed nll %.6f" % (name, total.item()))


def lora_adapter(cfg, names, r, alpha, g):
    C, HD, F = cfg["d_model"], cfg["num_heads"] * cfg["d_kv"], cfg["d_ff"]
    A = {"__scale__": alpha / r}
    for n in names:
        leaf = n.rsplit(".", 1)[1]
        I = HD if leaf == "o" else F if leaf == "wo" else C
        O = C if leaf in ("o", "wo") else F if leaf.startswith("wi") else HD
        A[n + ".lora_A.weight"] = torch.randn(r, I, generator=g) * I ** -0.5
        A[n + ".lora_B.weight"] = torch.randn(O, r, generator=g) * 0.3
    return A


def main():
    data = sys.argv[1]
    out = os.path.join(data, "methods")
    os.makedirs(out, exist_ok=True)
    g = torch.Generator().manual_seed(11)
    path = os.path.join(data, "adalink", "backbone.safetensors")
    cfg = json.loads(st.metadata(path)["config"])
    W = st.load(path)
    batch = [json.loads(l) for l in open(os.path.join(data, "adalink", "batch.jsonl"))]
    text = [x for x in batch if not x.get("image_embeddings")]
    with open(os.path.join(out, "batch_text.jsonl"), "w") as f:
        for x in text:
            f.write(json.dumps(x) + "\n")
    p10 = os.path.join(data, "t5", "t5-1.0.safetensors")
    cfg10 = json.loads(st.metadata(p10)["config"])
    W10 = st.load(p10)
    C = cfg["d_model"]

    n, hdim = 3, 5
    A = {"prompt.tokens": W["shared.weight"][torch.tensor([17, 4, 60])].clone(),
         "prompt.down": torch.randn(C, hdim, generator=g) * C ** -0.5,
         "prompt.down_bias": torch.randn(hdim, generator=g) * 0.1,
         "prompt.up": torch.randn(hdim, C, generator=g) * 0.3,
         "prompt.up_bias": torch.randn(C, generator=g) * 0.1}
    case(out, "prompt", "prompt", W, cfg, A, batch,
         {"config": json.dumps({"method": "prompt", "tokens": n, "hidden": hdim})})

    for name, dec in (("lora", False), ("lora_dec", True)):
        A = lora_adapter(cfg, linears(cfg, dec), 2, 4.0, g)
        case(out, name, "lora", W, cfg, A, batch,
             {"config": json.dumps({"method": "lora", "rank": 2, "alpha": 4.0, "decoder": dec})})
    A = lora_adapter(cfg10, linears(cfg10, True), 3, 3.0, g)
    case(out, "lora10", "lora", W10, cfg10, A, text, None)   # tensors alone: alpha = r

    case(out, "full", "full", W, cfg, {}, batch, None)
    case(out, "full10", "full", W10, cfg10, {}, text, None)


if __name__ == "__main__":
    main()
