#!/usr/bin/python3
"""train_step.py: the same AdaLink training step as bench/train_step.c in
PyTorch (the reference model of tests/ref/t5_ref.py: T5 1.1 small shapes,
random weights, frozen; only the AdaLink module trains); with --full
first, every weight trains (pretraining, full fine-tuning).
    /usr/bin/python3 bench/ref/train_step.py [--full] [STEPS] [THREADS]"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "ref"))
import t5_ref  # noqa: E402

full = len(sys.argv) > 1 and sys.argv[1] == "--full"
if full:
    del sys.argv[1]
steps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else os.cpu_count())
cfg = dict(vocab_size=32128, d_model=512, d_kv=64, d_ff=1024, num_heads=6, num_layers=8,
           num_decoder_layers=8, relative_attention_num_buckets=32, relative_attention_max_distance=128,
           layer_norm_epsilon=1e-6, feed_forward_proj="gated-gelu", tie_word_embeddings=False)
g = torch.Generator().manual_seed(1)
W = t5_ref.weights(cfg, g)
if full:
    for w in W.values():
        w.requires_grad_(True)
B, Te, Td, R, C = 8, 128, 32, 64, 512
down = (torch.randn(C, R, generator=g) * 0.05).requires_grad_(True)
up = (torch.randn(R, C, generator=g) * 0.05).requires_grad_(True)
ids = torch.randint(2, 32000, (B, Te), generator=g)
tg = torch.randint(2, 32000, (B, Td), generator=g)
mask = torch.ones(B, Te)
best = 1e9
for s in range(steps + 1):
    t0 = time.perf_counter()
    e = W["shared.weight"][ids]
    if not full:
        e = e + (e @ down) @ up
    _, _, nll = t5_ref.forward(W, cfg, e, mask, tg)
    nll.backward()
    t = time.perf_counter() - t0
    if s > 0:
        best = min(best, t)
    down.grad = None
    up.grad = None
    for w in W.values():
        w.grad = None
print("torch%s\tthreads %d\tloss %.4f\t%.4f s/step" % (" full" if full else "", torch.get_num_threads(), nll.item() / (B * Td), best))
