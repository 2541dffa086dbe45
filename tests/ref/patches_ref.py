#!/usr/bin/python3
"""patches_ref.py OUT.safetensors [--png PNG] [--tol T]: check adalink
patches' output against Pillow + numpy doing the same work.

Reads the safetensors file with numpy (no adalink code), takes size,
patch, filter, draft, exif, mean and std from its __metadata__, and for
each tensor (named by its image path) computes Image.open -> [draft] ->
[ImageOps.exif_transpose] -> convert("RGB") -> resize((S, S), filter) -> (v / 255 - mean) / std ->
patches [(S/P)^2, P*P*3], row-major patches, pixels row-major, channels
last.  Exits 1 unless, for every image, all values are within T (default
1e-6) plus one level (1/255/std) and at least 99.9% are within T.  With
--png, also checks that the PNG holds Pillow's resized image (one image)
within one level for 99.9% of values.  Prints one summary line per image.
"""
import json
import struct
import sys
import warnings

import numpy as np
from PIL import Image, ImageOps

warnings.simplefilter("ignore")  # Pillow on palettes with tRNS
args = sys.argv[1:]
path = args.pop(0)
png = tol = None
while args:
    k = args.pop(0)
    if k == "--png":
        png = args.pop(0)
    elif k == "--tol":
        tol = float(args.pop(0))
tol = 1e-6 if tol is None else tol

raw = open(path, "rb").read()
(hlen,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8 : 8 + hlen])
meta = header.pop("__metadata__")
base = 8 + hlen
S, P = int(meta["size"]), int(meta["patch"])
flt = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}[meta["filter"]]
mean = np.array([float(v) for v in meta["mean"].split(",")], dtype=np.float64)
std = np.array([float(v) for v in meta["std"].split(",")], dtype=np.float64)
bad = 0
for name, t in header.items():
    dt = {"F32": "<f4", "F16": "<f2"}[t["dtype"]]
    b, e = t["data_offsets"]
    got = np.frombuffer(raw[base + b : base + e], dtype=dt).astype(np.float64).reshape(t["shape"])
    im = Image.open(name)
    if meta["draft"] == "1":
        im.draft("RGB", (S, S))
    if meta.get("exif") == "1":
        im = ImageOps.exif_transpose(im)
    im = im.convert("RGB").resize((S, S), flt)
    a = (np.asarray(im, dtype=np.float64) / 255.0 - mean) / std
    want = a.reshape(S // P, P, S // P, P, 3).transpose(0, 2, 1, 3, 4).reshape(-1, P * P * 3)
    if list(got.shape) != list(want.shape):
        print("%s: shape %s, want %s" % (name, list(got.shape), list(want.shape)))
        bad += 1
        continue
    d = np.abs(got - want)
    level = 1.0 / 255.0 / std.min()
    tol_v = tol * np.maximum(1.0, np.abs(want))
    frac = float(np.mean(d <= tol_v))
    worst = float(d.max())
    good = worst <= level + tol_v.max() and frac >= 0.999
    bad += not good
    print("%s: %s %s, %.4f%% equal to Pillow+numpy, max diff %.3g" % (
        name, t["dtype"], t["shape"], 100 * frac, worst))
    if png:
        mine = np.asarray(Image.open(png).convert("RGB"), dtype=np.int32)
        ref = np.asarray(im, dtype=np.int32)
        close = float(np.mean(np.abs(mine - ref) <= 1)) if mine.shape == ref.shape else 0.0
        print("%s: PNG %s, %.4f%% within one level of Pillow" % (png, mine.shape, 100 * close))
        bad += close < 0.999
sys.exit(1 if bad else 0)
