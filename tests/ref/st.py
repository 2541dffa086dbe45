"""st.py: a minimal safetensors writer and reader for the Python references
(written from the format's specification; no numpy needed)."""
import json
import struct

import torch

_DT = {torch.float32: ("F32", "f", 4), torch.int64: ("I64", "q", 8)}


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
