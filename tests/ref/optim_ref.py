#!/usr/bin/python3
"""optim_ref.py: reference trajectories for trainer/optim.c.

    /usr/bin/python3 tests/ref/optim_ref.py tests/data/optim

Writes optim.ref.safetensors: p0, p1, p2 (a 6x5 matrix, a 4x7 matrix and a
vector of 3), g{s}_{i} (the gradient of tensor i at step s, s = 1..6), and
for each optimizer (adamw: torch.optim.AdamW; adafactor: written here from
Shazeer and Stern 2018 as Hugging Face implements it, scale_parameter=False,
relative_step=False) the parameters after every step: {opt}{s}_{i}.  The
learning rate follows lr(t) = 0.01 min(t/3, sqrt(3/t)); gradients are
clipped to a global norm of 1.0 before each step."""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st  # noqa: E402

torch.set_default_dtype(torch.float32)
g = torch.Generator().manual_seed(5)
shapes = [(6, 5), (4, 7), (3,)]
p0 = [torch.randn(*s, generator=g) for s in shapes]
grads = [[torch.randn(*s, generator=g) * (0.3 + step) for s in shapes] for step in range(6)]
lr_at = lambda t: 0.01 * min(t / 3, math.sqrt(3 / t))  # noqa: E731


def clip(gs, max_norm):
    norm = torch.sqrt(sum((x.double() ** 2).sum() for x in gs)).item()
    if norm > max_norm:
        f = max_norm / (norm + 1e-6)
        return [x * f for x in gs]
    return gs


def adafactor(ps, steps):
    state = [{} for _ in ps]
    out = []
    for t in range(1, len(steps) + 1):
        gs = clip(steps[t - 1], 1.0)
        lr, b2t = lr_at(t), 1.0 - t ** -0.8
        for p, gr, s in zip(ps, gs, state):
            upd = gr ** 2 + 1e-30
            if p.dim() >= 2:
                if not s:
                    s["row"] = torch.zeros(p.shape[0])
                    s["col"] = torch.zeros(p.shape[1])
                s["row"] = b2t * s["row"] + (1 - b2t) * upd.mean(-1)
                s["col"] = b2t * s["col"] + (1 - b2t) * upd.mean(-2)
                r = (s["row"] / s["row"].mean()).rsqrt()[:, None]
                c = s["col"][None, :].rsqrt()
                u = r * c * gr
            else:
                if not s:
                    s["v"] = torch.zeros_like(p)
                s["v"] = b2t * s["v"] + (1 - b2t) * upd
                u = s["v"].rsqrt() * gr
            rms = u.norm() / math.sqrt(u.numel())
            u = u / max(1.0, rms.item()) * lr
            p -= u
        out.append([p.clone() for p in ps])
    return out


def adamw(ps, steps):
    params = [p.clone().requires_grad_(True) for p in ps]
    opt = torch.optim.AdamW(params, lr=lr_at(1), betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    out = []
    for t in range(1, len(steps) + 1):
        for p, gr in zip(params, steps[t - 1]):
            p.grad = gr.clone()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        for grp in opt.param_groups:
            grp["lr"] = lr_at(t)
        opt.step()
        out.append([p.detach().clone() for p in params])
    return out


T = {}
for i, p in enumerate(p0):
    T["p%d" % i] = p
for s, gs in enumerate(grads):
    for i, gr in enumerate(gs):
        T["g%d_%d" % (s + 1, i)] = gr
for name, fn in (("adafactor", adafactor), ("adamw", adamw)):
    traj = fn([p.clone() for p in p0], grads)
    for s, ps in enumerate(traj):
        for i, p in enumerate(ps):
            T["%s%d_%d" % (name, s + 1, i)] = p
os.makedirs(sys.argv[1], exist_ok=True)
st.save(os.path.join(sys.argv[1], "optim.ref.safetensors"), T)
