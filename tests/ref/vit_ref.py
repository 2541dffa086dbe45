#!/usr/bin/python3
"""vit_ref.py: a reference ViT forward in python3-torch (float64), written
from the Hugging Face ViTModel definition, to check adalink's.

  vit_ref.py make OUT.safetensors       a small random ViT, every tensor
                                        random (layernorms too), config in
                                        __metadata__, "vit." names
  vit_ref.py make-folder DIR            the same geometry as a model folder
                                        (config.json, model.safetensors),
                                        names without "vit."
  vit_ref.py bad OUT.safetensors        as make, one query weight [32, 31]
  vit_ref.py check CKPT PATCHES.safetensors [CKPT PATCHES.safetensors]...
        PATCHES is `adalink patches --vit CKPT` output; each tensor (named
        by its image) must match this forward of Pillow's resized image
        (pixel_values [1, 3, S, S], the convolution over them: independent
        of adalink's patch layout) within 1e-4 relative.  Exit 1 if not.
Only check imports torch (slow to load); make needs numpy only.
"""
import json
import os
import struct
import sys

import numpy as np
from PIL import Image

CFG = {"model_type": "vit", "hidden_size": 32, "num_hidden_layers": 2,
       "num_attention_heads": 4, "intermediate_size": 64, "image_size": 56,
       "patch_size": 14, "num_channels": 3, "hidden_act": "gelu",
       "layer_norm_eps": 1e-6, "qkv_bias": True}


def write_st(path, tensors, meta):
    header, off, blobs = {}, 0, []
    for name, a in tensors.items():
        b = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    if meta:
        header["__metadata__"] = meta
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def read_st(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, t in header.items():
        b, e = t["data_offsets"]
        dt = {"F32": "<f4", "F16": "<f2"}[t["dtype"]]
        out[name] = np.frombuffer(raw[8 + n + b:8 + n + e], dtype=dt).astype(np.float64).reshape(t["shape"])
    return out, meta


def random_vit(prefix, seed=6):
    g = np.random.default_rng(seed)
    D, I, P, L = CFG["hidden_size"], CFG["intermediate_size"], CFG["patch_size"], CFG["num_hidden_layers"]
    T = (CFG["image_size"] // P) ** 2 + 1
    r = lambda *s: g.normal(0, 0.1, s)
    ln = lambda: 1 + g.normal(0, 0.1, (D,))
    t = {"embeddings.cls_token": r(1, 1, D), "embeddings.position_embeddings": r(1, T, D),
         "embeddings.patch_embeddings.projection.weight": r(D, 3, P, P) * 0.5,
         "embeddings.patch_embeddings.projection.bias": r(D)}
    for l in range(L):
        p = "encoder.layer.%d." % l
        for k in ("query", "key", "value"):
            t[p + "attention.attention.%s.weight" % k] = r(D, D) * 2
            t[p + "attention.attention.%s.bias" % k] = r(D)
        t[p + "attention.output.dense.weight"] = r(D, D)
        t[p + "attention.output.dense.bias"] = r(D)
        t[p + "intermediate.dense.weight"] = r(I, D)
        t[p + "intermediate.dense.bias"] = r(I)
        t[p + "output.dense.weight"] = r(D, I)
        t[p + "output.dense.bias"] = r(D)
        for n in ("layernorm_before", "layernorm_after"):
            t[p + n + ".weight"] = ln()
            t[p + n + ".bias"] = r(D)
    t["layernorm.weight"] = ln()
    t["layernorm.bias"] = r(D)
    t["pooler.dense.weight"] = r(D, D)      # present in ViTModel files; unused
    return {prefix + k: v for k, v in t.items()}


def forward(w, cfg, pixels):
    """ViTModel's last_hidden_state[:, 1:] for pixel_values [1, 3, S, S]."""
    import torch
    import torch.nn.functional as F
    pre = "vit." if "vit.embeddings.cls_token" in w else ""
    W = lambda n: torch.from_numpy(w[pre + n])
    D, H = cfg["hidden_size"], cfg["num_attention_heads"]
    eps = cfg.get("layer_norm_eps", 1e-12)
    x = F.conv2d(pixels, W("embeddings.patch_embeddings.projection.weight"),
                 W("embeddings.patch_embeddings.projection.bias"), stride=cfg["patch_size"])
    x = x.flatten(2).transpose(1, 2)                           # [1, N, D]
    x = torch.cat([W("embeddings.cls_token"), x], dim=1) + W("embeddings.position_embeddings")
    T, dh = x.shape[1], D // H
    for l in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % l
        lin = lambda n, v: F.linear(v, W(p + n + ".weight"), W(p + n + ".bias"))
        h = F.layer_norm(x, (D,), W(p + "layernorm_before.weight"), W(p + "layernorm_before.bias"), eps)
        heads = lambda v: v.view(1, T, H, dh).transpose(1, 2)
        q, k, v = (heads(lin("attention.attention." + n, h)) for n in ("query", "key", "value"))
        a = torch.softmax(q @ k.transpose(-1, -2) / dh ** 0.5, dim=-1) @ v
        x = x + lin("attention.output.dense", a.transpose(1, 2).reshape(1, T, D))
        h = F.layer_norm(x, (D,), W(p + "layernorm_after.weight"), W(p + "layernorm_after.bias"), eps)
        x = x + lin("output.dense", F.gelu(lin("intermediate.dense", h)))
    x = F.layer_norm(x, (D,), W("layernorm.weight"), W("layernorm.bias"), eps)
    return x[0, 1:]


def main():
    cmd = sys.argv[1]
    if cmd in ("make", "bad"):
        t = random_vit("vit.")
        if cmd == "bad":
            t["vit.encoder.layer.1.attention.attention.query.weight"] = t[
                "vit.encoder.layer.1.attention.attention.query.weight"][:, :31]
        write_st(sys.argv[2], t, {"config": json.dumps(CFG), "format": "pt"})
    elif cmd == "make-folder":
        os.makedirs(sys.argv[2], exist_ok=True)
        write_st(os.path.join(sys.argv[2], "model.safetensors"), random_vit(""), {"format": "pt"})
        with open(os.path.join(sys.argv[2], "config.json"), "w") as f:
            json.dump(CFG, f)
    elif cmd == "check":
        import torch
        bad = 0
        for ckpt, outp in zip(sys.argv[2::2], sys.argv[3::2]):
            if os.path.isdir(ckpt):
                w, _ = read_st(os.path.join(ckpt, "model.safetensors"))
                cfg = json.load(open(os.path.join(ckpt, "config.json")))
            else:
                w, meta = read_st(ckpt)
                cfg = json.loads(meta["config"])
            got, meta = read_st(outp)
            S = cfg["image_size"]
            mean = np.array([float(v) for v in meta["mean"].split(",")])
            std = np.array([float(v) for v in meta["std"].split(",")])
            for name, g in got.items():
                im = Image.open(name).convert("RGB").resize((S, S), Image.BILINEAR)
                a = (np.asarray(im, dtype=np.float64) / 255.0 - mean) / std
                ref = forward(w, cfg, torch.from_numpy(a.transpose(2, 0, 1)[None].copy())).numpy()
                rel = np.abs(g - ref) / np.maximum(1.0, np.abs(ref))
                print("%s (%s): %s, max relative difference %.3g" % (name, os.path.basename(ckpt),
                                                                    list(g.shape), rel.max()))
                bad += g.shape != ref.shape or rel.max() > 1e-4
        sys.exit(1 if bad else 0)

if __name__ == "__main__":
    main()
