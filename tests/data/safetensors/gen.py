#!/usr/bin/python3
"""Write the safetensors test corpus: good/ files with .expect sidecars and
bad/ files with expected.tsv (file, a substring of the error message).

Written from the format's specification with Python's struct and json, an
implementation independent of adalink's; Python's struct 'e' format is the
IEEE 754 half-precision reference for the F16 conversions.

    /usr/bin/python3 tests/data/safetensors/gen.py tests/data/safetensors
"""
import json
import math
import os
import random
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
good = os.path.join(out, "good")
bad = os.path.join(out, "bad")
os.makedirs(good, exist_ok=True)
os.makedirs(bad, exist_ok=True)


def raw(path, header_bytes, data=b"", hlen=None):
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes) if hlen is None else hlen))
        f.write(header_bytes)
        f.write(data)


def st(path, tensors, meta=None, pad=True):
    """tensors: list of (name, dtype, shape, bytes); laid out in order."""
    header = {}
    if meta is not None:
        header["__metadata__"] = meta
    off = 0
    data = b""
    for name, dtype, shape, b in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(b)]}
        off += len(b)
        data += b
    h = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    raw(path, h, data)


def f32(vals):
    return struct.pack("<%df" % len(vals), *vals)


def f16(vals):
    return struct.pack("<%de" % len(vals), *vals)


def bf16(vals):  # exact for values with at most 8 significant bits
    out = b""
    for v in vals:
        bits = struct.unpack("<I", struct.pack("<f", v))[0]
        assert bits & 0xFFFF == 0, v
        out += struct.pack("<H", bits >> 16)
    return out


def expect(path, rows):
    with open(path, "w") as f:
        for name, dtype, shape, vals in rows:
            f.write("%s\t%s\t%s\t%s\n" % (name, dtype, ",".join(map(str, shape)),
                                          ",".join(repr(float(v)) for v in vals)))


# --- good/tiny: every float dtype, a scalar, an empty tensor, metadata; the
# header is left unpadded so the data is unaligned.
a = [0.5 * i for i in range(6)]
b = [1.0, -2.0, 0.5, 65504.0]
c = [1.5, -3.0]
d = [2.0 ** -3, -1.0e10]
tiny = [("a", "F32", [2, 3], f32(a)), ("b", "F16", [4], f16(b)),
        ("c", "BF16", [2], bf16(c)), ("d", "F64", [2, 1], struct.pack("<2d", *d)),
        ("e", "I64", [], struct.pack("<q", 7)), ("z", "U8", [0], b"")]
st(os.path.join(good, "tiny.safetensors"), tiny,
   meta={"format": "pt", "config": json.dumps({"d_model": 64, "num_heads": 4})},
   pad=False)
expect(os.path.join(good, "tiny.expect"),
       [("a", "F32", [2, 3], a), ("b", "F16", [4], b), ("c", "BF16", [2], c),
        ("d", "F64", [2, 1], d), ("e", "I64", [], []), ("z", "U8", [0], [])])

# --- good/f16.safetensors: all 65536 half bit patterns and Python's widening,
# and random floats with Python's rounding to half.
halves = struct.pack("<65536H", *range(65536))
widened = [struct.unpack("<e", struct.pack("<H", i))[0] for i in range(65536)]
rng = random.Random(7)
xs, hs = [], []
while len(xs) < 20000:
    e = rng.uniform(-30, 17)
    x = struct.unpack("<f", struct.pack("<f", math.copysign(2.0 ** e, rng.random() - 0.5)))[0]
    if rng.random() < 0.2:   # exact ties between two halves
        h = rng.randrange(0, 0x7BFF)
        lo = struct.unpack("<e", struct.pack("<H", h))[0]
        hi = struct.unpack("<e", struct.pack("<H", h + 1))[0]
        x = (lo + hi) / 2
        if struct.unpack("<f", struct.pack("<f", x))[0] != x:
            continue
    try:
        hs.append(struct.pack("<e", x))
    except OverflowError:
        continue
    xs.append(x)
st(os.path.join(good, "f16.safetensors"),
   [("bits", "U16", [65536], halves), ("widened", "F32", [65536], f32(widened)),
    ("x", "F32", [len(xs)], f32(xs)), ("x_f16", "F16", [len(xs)], b"".join(hs))])

# --- good/empty.safetensors: no tensors at all.
raw(os.path.join(good, "empty.safetensors"), b"{}      ")

# --- bad/: each is rejected with a message containing the expected text.
cases = []


def badcase(name, want, header=None, data=b"", hlen=None, body=None):
    p = os.path.join(bad, name + ".safetensors")
    if body is not None:
        with open(p, "wb") as f:
            f.write(body)
    else:
        if isinstance(header, (dict, list)):
            header = json.dumps(header).encode()
        raw(p, header, data, hlen)
    cases.append((name + ".safetensors", want))


T = {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}
D24 = f32([1.0] * 6)
badcase("empty", "file is 0 bytes", body=b"")
badcase("short", "file is 5 bytes", body=b"\x10\x00\x00\x00\x00")
badcase("header_past_end", "runs past the end of the file", b'{"a":1}', hlen=1000)
badcase("huge_header", "over the 100000000-byte limit", b"{}", hlen=1 << 63)
badcase("header_len_max", "over the 100000000-byte limit", b"{}", hlen=(1 << 64) - 1)
badcase("header_too_small", "too small for a JSON object", b"{", hlen=1)
badcase("not_object", "does not start with '{'", b"[1, 2, 3]")
badcase("truncated_json", "not valid JSON", b'{"a": {"dtype": "F32", "sha')
badcase("trailing_garbage", "not valid JSON", b'{} xyz')
badcase("nul_padding", "not valid JSON", b'{}\x00\x00\x00\x00\x00\x00')
badcase("invalid_utf8", "not valid JSON", b'{"a\xff\xfe": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]}}', f32([1]))
badcase("truncated_data", "run past the end of the data", {"a": T}, D24[:20])
badcase("unknown_dtype", 'unknown dtype "F7"', {"a": dict(T, dtype="F7")}, D24)
badcase("dtype_not_string", "found a number where a dtype string", {"a": dict(T, dtype=4)}, D24)
badcase("missing_offsets", 'missing "data_offsets"', {"a": {"dtype": "F32", "shape": [2, 3]}}, D24)
badcase("missing_dtype", 'missing "dtype"', {"a": {"shape": [2, 3], "data_offsets": [0, 24]}}, D24)
badcase("unknown_field", 'unknown field "strides"', {"a": dict(T, strides=[3, 1])}, D24)
badcase("duplicate_field", 'duplicate field "dtype"', b'{"a": {"dtype": "F32", "dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}', D24)
badcase("negative_dim", "is not a dimension", {"a": dict(T, shape=[-2, 3])}, D24)
badcase("float_dim", "is not a dimension", {"a": dict(T, shape=[2.0, 3])}, D24)
badcase("shape_not_array", "where a shape array was expected", {"a": dict(T, shape=6)}, D24)
badcase("shape_overflow", "shape overflows", {"a": dict(T, shape=[1 << 40, 1 << 40])}, D24)
badcase("shape_overflow_wrap", "shape overflows", {"a": dict(T, dtype="U8", shape=[1 << 32, 1 << 32, 1])}, D24)
badcase("shape_mismatch", "need 24 bytes but data_offsets [0, 20] hold 20", {"a": dict(T, data_offsets=[0, 20])}, D24)
badcase("too_many_dims", "more than 16 dimensions", {"a": dict(T, shape=[1] * 17, data_offsets=[0, 4])}, f32([1]))
badcase("offsets_out_of_range", "run past the end of the data", {"a": dict(T, dtype="U8", shape=[4000], data_offsets=[0, 4000])}, D24)
badcase("offsets_reversed", "end before they begin", {"a": dict(T, data_offsets=[24, 0])}, D24)
badcase("offsets_three", "more than 2 numbers", {"a": dict(T, data_offsets=[0, 12, 24])}, D24)
badcase("offsets_one", "data_offsets has 1 numbers", {"a": dict(T, data_offsets=[24])}, D24)
badcase("offset_too_large", "is too large", b'{"a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 99999999999999999999999]}}', D24)
badcase("offset_overflow", "run past the end of the data",
        {"a": dict(T, dtype="U8", shape=[15], data_offsets=[(1 << 64) - 16, (1 << 64) - 1])}, D24)
badcase("overlap", "overlap 'a'", {"a": T, "b": dict(T, data_offsets=[16, 40])}, D24 + D24[:16])
badcase("overlap_same", "overlap", {"a": T, "b": T}, D24)
badcase("gap", "gap in the data", {"a": dict(T, shape=[2], data_offsets=[0, 8]), "b": dict(T, shape=[2], data_offsets=[16, 24])}, D24)
badcase("trailing_bytes", "bytes after the last tensor", {"a": T}, D24 + b"xxxx")
badcase("duplicate_name", "duplicate tensor name 'a'", b'{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "a": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}}', D24)
badcase("duplicate_metadata", 'duplicate "__metadata__"', b'{"__metadata__": {}, "__metadata__": {}}')
badcase("metadata_duplicate_key", 'duplicate key "k"', b'{"__metadata__": {"k": "1", "k": "2"}}')
badcase("metadata_number", "metadata values are strings only", {"__metadata__": {"k": 1}})
badcase("metadata_nested", "metadata values are strings only", {"__metadata__": {"k": {"x": "y"}}})
badcase("metadata_not_object", "where an object of strings was expected", {"__metadata__": "x"})
badcase("entry_not_object", "where an object {", {"a": 5})
badcase("entry_null", "found null", {"a": None})
badcase("nul_in_name", "NUL byte", {"a\u0000b": T}, D24)
badcase("deep_nesting", "", b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}")

with open(os.path.join(bad, "expected.tsv"), "w") as f:
    for name, want in cases:
        f.write("%s\t%s\n" % (name, want))
