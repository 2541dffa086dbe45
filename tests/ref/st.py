"""st.py: a minimal safetensors writer and reader for the Python references
(written from the format's specification; no numpy needed)."""
import json
import struct

try:
    import torch
    _DT = {torch.float32: ("F32", "f", 4), torch.int64: ("I64", "q", 8)}
except ImportError:  # the reader below needs no torch
    torch = None


def _bits(t, dtype):
    t = t.detach().contiguous().flatten()
    if dtype == "BF16":
        u = torch.tensor(struct.unpack("<%dI" % t.numel(), struct.pack("<%df" % t.numel(), *t.float().tolist())),
                         dtype=torch.int64)
        # round to nearest even, as torch's .bfloat16() does
        r = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
        return struct.pack("<%dH" % t.numel(), *r.tolist())
    name, code, size = _DT[t.dtype]
    return struct.pack("<%d%s" % (t.numel(), code), *t.tolist())


def save(path, tensors, metadata=None, dtype=None):
    """tensors: dict name -> torch tensor (float32 or int64); dtype="BF16"
    stores float tensors as bfloat16."""
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        dt = dtype if (dtype and t.dtype == torch.float32) else _DT[t.dtype][0]
        b = _bits(t, dt if dt == "BF16" else None)
        header[name] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def bf16_round(t):
    return t.to(torch.bfloat16).to(torch.float32)


def load_raw(path):
    """name -> (dtype, shape, flat list of numbers); F32, F16, BF16, I64."""
    with open(path, "rb") as f:
        b = f.read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n])
    base = 8 + n
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        lo, hi = t["data_offsets"]
        raw = b[base + lo:base + hi]
        dt = t["dtype"]
        if dt == "F32":
            vals = list(struct.unpack("<%df" % (len(raw) // 4), raw))
        elif dt == "F16":
            vals = list(struct.unpack("<%de" % (len(raw) // 2), raw))
        elif dt == "BF16":
            us = struct.unpack("<%dH" % (len(raw) // 2), raw)
            vals = [struct.unpack("<f", struct.pack("<I", u << 16))[0] for u in us]
        elif dt == "I64":
            vals = list(struct.unpack("<%dq" % (len(raw) // 8), raw))
        else:
            raise ValueError("dtype " + dt)
        out[name] = (dt, t["shape"], vals)
    return out


def metadata(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n)).get("__metadata__", {})


def load(path):
    """name -> float32 (or int64) torch tensor."""
    out = {}
    for name, (dt, shape, vals) in load_raw(path).items():
        t = torch.tensor(vals, dtype=torch.int64 if dt == "I64" else torch.float32)
        out[name] = t.reshape(shape)
    return out
