#!/usr/bin/python3
"""t5_ref.py: a T5-family encoder-decoder in PyTorch, written from the
published architecture (Raffel et al. 2020; T5 1.1: gated-GELU, untied
output), to check adalink's C implementation.

    /usr/bin/python3 tests/ref/t5_ref.py OUTDIR

writes, for each config family, OUTDIR/NAME.safetensors (random weights with
the config JSON in __metadata__["config"], Hugging Face names) and
OUTDIR/NAME.ref.safetensors (a batch and the reference's outputs: embeds,
mask, targets, logits, logprobs, nll, grad = d nll / d embeds).
"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st  # noqa: E402

torch.set_num_threads(1)
FMIN = torch.finfo(torch.float32).min


def bucket(rel, bidirectional, nb, maxd):
    b = torch.zeros_like(rel)
    if bidirectional:
        nb //= 2
        b += (rel > 0).long() * nb
        rel = rel.abs()
    else:
        rel = -torch.min(rel, torch.zeros_like(rel))
    exact = nb // 2
    small = rel < exact
    large = exact + (torch.log(rel.float() / exact) / math.log(maxd / exact) * (nb - exact)).long()
    large = torch.min(large, torch.full_like(large, nb - 1))
    return b + torch.where(small, rel, large)


def pos_bias(table, tq, tk, bidirectional, cfg):
    rel = torch.arange(tk)[None, :] - torch.arange(tq)[:, None]
    bk = bucket(rel, bidirectional, cfg["relative_attention_num_buckets"],
                cfg["relative_attention_max_distance"])
    return table[bk].permute(2, 0, 1)  # [H, tq, tk]


def rms(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def attend(xq, xkv, W, pre, bias, keymask, causal, H, D):
    B, Tq, _ = xq.shape
    Tk = xkv.shape[1]
    q = (xq @ W[pre + "q.weight"].T).view(B, Tq, H, D).transpose(1, 2)
    k = (xkv @ W[pre + "k.weight"].T).view(B, Tk, H, D).transpose(1, 2)
    v = (xkv @ W[pre + "v.weight"].T).view(B, Tk, H, D).transpose(1, 2)
    s = q @ k.transpose(-1, -2)  # no 1/sqrt(D): T5 folds it into the init
    if bias is not None:
        s = s + bias[None]
    add = torch.zeros(B, 1, Tq, Tk)
    if keymask is not None:
        add = add + (1 - keymask)[:, None, None, :] * FMIN
    if causal:
        add = add + torch.triu(torch.ones(Tq, Tk), 1)[None, None] * FMIN
    s = s + add
    p = torch.softmax(s, dim=-1)
    o = (p @ v).transpose(1, 2).reshape(B, Tq, H * D)
    return o @ W[pre + "o.weight"].T


def ff(x, W, pre, cfg):
    if cfg["feed_forward_proj"] == "gated-gelu":
        h = torch.nn.functional.gelu(x @ W[pre + "wi_0.weight"].T, approximate="tanh") * (x @ W[pre + "wi_1.weight"].T)
    else:
        h = torch.relu(x @ W[pre + "wi.weight"].T)
    return h @ W[pre + "wo.weight"].T


def forward(W, cfg, embeds, mask, targets):
    H, D, eps = cfg["num_heads"], cfg["d_kv"], cfg["layer_norm_epsilon"]
    B, Te, C = embeds.shape
    Td = targets.shape[1]
    h = embeds
    eb = pos_bias(W["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"], Te, Te, True, cfg)
    for l in range(cfg["num_layers"]):
        p = "encoder.block.%d." % l
        x = rms(h, W[p + "layer.0.layer_norm.weight"], eps)
        h = h + attend(x, x, W, p + "layer.0.SelfAttention.", eb, mask, False, H, D)
        h = h + ff(rms(h, W[p + "layer.1.layer_norm.weight"], eps), W, p + "layer.1.DenseReluDense.", cfg)
    enc = rms(h, W["encoder.final_layer_norm.weight"], eps)
    dec_in = torch.cat([torch.zeros(B, 1, dtype=torch.long), targets[:, :-1]], 1)
    dec_in = torch.where(dec_in < 0, torch.zeros_like(dec_in), dec_in)
    h = W["shared.weight"][dec_in]
    db = pos_bias(W["decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"], Td, Td, False, cfg)
    for l in range(cfg["num_decoder_layers"]):
        p = "decoder.block.%d." % l
        x = rms(h, W[p + "layer.0.layer_norm.weight"], eps)
        h = h + attend(x, x, W, p + "layer.0.SelfAttention.", db, None, True, H, D)
        x = rms(h, W[p + "layer.1.layer_norm.weight"], eps)
        h = h + attend(x, enc, W, p + "layer.1.EncDecAttention.", None, mask, False, H, D)
        h = h + ff(rms(h, W[p + "layer.2.layer_norm.weight"], eps), W, p + "layer.2.DenseReluDense.", cfg)
    out = rms(h, W["decoder.final_layer_norm.weight"], eps)
    if cfg["tie_word_embeddings"]:
        logits = (out * C ** -0.5) @ W["shared.weight"].T
    else:
        logits = out @ W["lm_head.weight"].T
    lp = torch.log_softmax(logits, -1)
    keep = targets >= 0
    tlp = torch.where(keep, lp.gather(-1, targets.clamp(min=0)[..., None])[..., 0], torch.zeros(()))
    return logits, tlp, -tlp.sum()


def weights(cfg, g):
    C, H, D, F, V = cfg["d_model"], cfg["num_heads"], cfg["d_kv"], cfg["d_ff"], cfg["vocab_size"]
    W = {}

    def r(*shape, s=1.0):
        return torch.randn(*shape, generator=g) * s
    W["shared.weight"] = r(V, C)
    for side, L in (("encoder", cfg["num_layers"]), ("decoder", cfg["num_decoder_layers"])):
        for l in range(L):
            p = "%s.block.%d." % (side, l)
            subs = ["layer.0.SelfAttention."] + (["layer.1.EncDecAttention."] if side == "decoder" else [])
            for i, a in enumerate(subs):
                W[p + "layer.%d.layer_norm.weight" % i] = 1 + r(C, s=0.1)
                W[p + a + "q.weight"] = r(H * D, C, s=(C * D) ** -0.5)
                W[p + a + "k.weight"] = r(H * D, C, s=C ** -0.5)
                W[p + a + "v.weight"] = r(H * D, C, s=C ** -0.5)
                W[p + a + "o.weight"] = r(C, H * D, s=(H * D) ** -0.5)
                if l == 0 and i == 0:
                    W[p + a + "relative_attention_bias.weight"] = r(cfg["relative_attention_num_buckets"], H, s=0.5)
            f = len(subs)
            W[p + "layer.%d.layer_norm.weight" % f] = 1 + r(C, s=0.1)
            d = p + "layer.%d.DenseReluDense." % f
            if cfg["feed_forward_proj"] == "gated-gelu":
                W[d + "wi_0.weight"] = r(F, C, s=C ** -0.5)
                W[d + "wi_1.weight"] = r(F, C, s=C ** -0.5)
            else:
                W[d + "wi.weight"] = r(F, C, s=C ** -0.5)
            W[d + "wo.weight"] = r(C, F, s=F ** -0.5)
        W[side + ".final_layer_norm.weight"] = 1 + r(C, s=0.1)
    if not cfg["tie_word_embeddings"]:
        W["lm_head.weight"] = r(V, C, s=C ** -0.5)
    return W


def config(name):
    base = dict(vocab_size=96, d_model=32, d_kv=8, d_ff=48, num_heads=4, num_layers=2,
                num_decoder_layers=2, relative_attention_num_buckets=32,
                relative_attention_max_distance=128, layer_norm_epsilon=1e-6,
                decoder_start_token_id=0, model_type="t5")
    if name == "t5-1.0":
        base.update(feed_forward_proj="relu", tie_word_embeddings=True)
    else:
        base.update(feed_forward_proj="gated-gelu", tie_word_embeddings=False)
    if name == "t5-1.1-deep":   # more layers than positions' exact buckets
        base.update(num_layers=3, num_decoder_layers=1, relative_attention_num_buckets=8,
                    relative_attention_max_distance=16)
    return base


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for i, name in enumerate(["t5-1.0", "t5-1.1", "t5-1.1-deep", "t5-1.1-bf16"]):
        g = torch.Generator().manual_seed(100 + i)
        cfg = config(name)
        W = weights(cfg, g)
        bf16 = name.endswith("bf16")
        st.save(os.path.join(out, name + ".safetensors"), W, {"config": json.dumps(cfg)},
                dtype="BF16" if bf16 else None)
        if bf16:
            W = {k: st.bf16_round(v) for k, v in W.items()}
        B, Te, Td = 2, 23 if name == "t5-1.1-deep" else 6, 5
        ids = torch.randint(2, cfg["vocab_size"], (B, Te), generator=g)
        mask = torch.ones(B, Te)
        mask[1, Te - 2:] = 0
        targets = torch.randint(1, cfg["vocab_size"], (B, Td), generator=g)
        targets[1, Td - 1] = -100
        embeds = W["shared.weight"][ids].clone().requires_grad_(True)
        logits, lp, nll = forward(W, cfg, embeds, mask, targets)
        nll.backward()
        st.save(os.path.join(out, name + ".ref.safetensors"), {
            "ids": ids, "embeds": embeds.detach(), "mask": mask, "targets": targets,
            "logits": logits.detach(), "logprobs": lp.detach(), "nll": nll.detach().reshape(1),
            "grad": embeds.grad})
        print("%s: nll %.6f" % (name, nll.item()))


if __name__ == "__main__":
    main()
