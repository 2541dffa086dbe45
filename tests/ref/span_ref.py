#!/usr/bin/python3
"""span_ref.py: reference cases for trainer/span.c, written out from the
algorithm of T5's random_spans_noise_mask, noise_span_to_unique_sentinel
and random_spans_helper (t5/data/preprocessors.py), in numpy, step for
step as the TensorFlow code does them (tf.round: half to even; the counts
in float32; segment lengths by cumsum and segment_sum; span starts by
unsorted_segment_sum; noise where the span number is odd).

    /usr/bin/python3 tests/ref/span_ref.py tests/data/span/span.ref.txt

Lines (integers separated by spaces, densities and means as written):
  C length density mean n_noise n_spans
  H inputs_length density mean tokens_length targets_length
  M length density mean vocab | tokens | noise_first | nonnoise_first |
    mask | inputs | targets
The M cases shuffle the segment-start flags with numpy's generator (seed
17) and give the shuffled flags, so the C code is fed the same draws."""
import sys

import numpy as np


def counts(length, density, mean):
    length = max(length, 2)
    noise = int(np.round(np.float32(length) * np.float32(density)))
    noise = min(max(noise, 1), length - 1)
    spans = int(np.round(np.float32(noise) / np.float32(mean)))
    return noise, max(spans, 1)


def segmentation(first_shuffled, num_items):
    # tf.pad(first, [[1, 0]]); segment_id = cumsum; lengths = segment_sum(1)
    first = np.concatenate([[0], first_shuffled]).astype(np.int64)
    assert len(first) == num_items
    segment_id = np.cumsum(first)
    return np.bincount(segment_id)


def noise_mask(length, density, mean, noise_first, nonnoise_first):
    orig = length
    length = max(length, 2)
    noise, spans = counts(orig, density, mean)
    noise_len = segmentation(noise_first, noise)
    nonnoise_len = segmentation(nonnoise_first, length - noise)
    assert len(noise_len) == spans and len(nonnoise_len) == spans
    inter = np.stack([nonnoise_len, noise_len], axis=1).reshape(2 * spans)
    starts = np.cumsum(inter)[:-1]
    indicator = np.zeros(length, np.int64)
    np.add.at(indicator, starts, 1)
    span_num = np.cumsum(indicator)
    return (span_num % 2 == 1)[:orig]


def unique_sentinel(tokens, mask, vocab):
    prev = np.concatenate([[False], mask[:-1]])
    first = mask & ~prev
    subsequent = mask & prev
    sentinel = vocab - 1 + 1 - np.cumsum(first.astype(np.int64))
    out = np.where(first, sentinel, tokens)
    return out[~subsequent]


def helper(inputs_length, density, mean):
    def lengths(tokens_length):
        noise = int(round(tokens_length * density))
        nonnoise = tokens_length - noise
        spans = int(round(noise / mean))
        return nonnoise + spans + 1, noise + spans + 1
    t = inputs_length - 1
    while lengths(t + 1)[0] <= inputs_length:
        t += 1
    inp, tgt = lengths(t)
    if density == 0.5 and tgt > inp:
        t -= 1
        tgt -= 1
    return t, tgt


def ints(a):
    return ' '.join(str(int(x)) for x in a)


def main(path):
    rng = np.random.default_rng(17)
    lines = []
    for density in (0.15, 0.1, 0.3, 0.5):
        for mean in (3.0, 2.0, 5.0, 1.5):
            for length in range(1, 301):
                lines.append('C %d %g %g %d %d' % (length, density, mean,
                                                  *counts(length, density, mean)))
    for density in (0.15, 0.5, 0.25):
        for mean in (3.0, 2.0, 8.0):
            for inputs_length in (2, 3, 10, 64, 100, 128, 256, 512, 1024):
                lines.append('H %d %g %g %d %d' % (inputs_length, density, mean,
                                                  *helper(inputs_length, density, mean)))
    for _ in range(150):
        length = int(rng.integers(1, 200))
        density = float(rng.choice([0.15, 0.15, 0.3, 0.5]))
        mean = float(rng.choice([3.0, 3.0, 2.0, 5.0]))
        noise, spans = counts(length, density, mean)
        if spans > 100:
            continue
        vocab = 32100
        full = max(length, 2)
        nf = rng.permutation((np.arange(noise - 1) < spans - 1).astype(np.int64))
        kf = rng.permutation((np.arange(full - noise - 1) < spans - 1).astype(np.int64))
        toks = rng.integers(3, vocab - 100, size=length)
        mask = noise_mask(length, density, mean, nf, kf)
        inputs = np.concatenate([unique_sentinel(toks, mask, vocab), [1]])
        targets = np.concatenate([unique_sentinel(toks, ~mask, vocab), [1]])
        lines.append('M %d %g %g %d | %s | %s | %s | %s | %s | %s' % (
            length, density, mean, vocab, ints(toks), ints(nf), ints(kf),
            ints(mask), ints(inputs), ints(targets)))
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main(sys.argv[1])
