#!/usr/bin/python3
"""shard_read.py: read an adalink shard (*.als) from the layout of
man 5 adalink-shard alone, independently of adalink's reader, and print
one JSON line per example: {"id", "task", "input", "targets", "patches",
"patch0"} (patch0: the first patch row as floats, if any).  Checks the
header's size and XXH64 only through the caller (xxh64sum)."""
import json
import struct
import sys

b = open(sys.argv[1], "rb").read()
assert b[:8] == b"ALSHARD\0", "magic"
version, dtype, dim, _ = struct.unpack_from("<IIII", b, 8)
n, index, size, checksum = struct.unpack_from("<QQQQ", b, 24)
assert version == 1 and size == len(b) and index + 8 * n == size
for i in range(n):
    off = struct.unpack_from("<Q", b, index + 8 * i)[0]
    idl, tl, ni, nt, ntok, np_ = struct.unpack_from("<6I", b, off)
    p = off + 24
    rid = b[p:p + idl].decode()
    task = b[p + idl:p + idl + tl].decode()
    p += idl + tl
    p += (4 - p % 4) % 4
    ids = list(struct.unpack_from("<%dI" % ni, b, p)); p += 4 * ni
    lens = list(struct.unpack_from("<%dI" % nt, b, p)); p += 4 * nt
    toks = list(struct.unpack_from("<%dI" % ntok, b, p)); p += 4 * ntok
    targets, at = [], 0
    for L in lens:
        targets.append(toks[at:at + L])
        at += L
    row = None
    if np_:
        p += (8 - p % 8) % 8
        raw = struct.unpack_from("<%dH" % dim, b, p)
        if dtype == 1:
            row = [struct.unpack("<e", struct.pack("<H", h))[0] for h in raw]
        else:
            row = [struct.unpack("<f", struct.pack("<I", h << 16))[0] for h in raw]
    print(json.dumps({"id": rid, "task": task, "input": ids, "targets": targets,
                      "patches": np_, "dim": dim if np_ else 0, "patch0": row}))
