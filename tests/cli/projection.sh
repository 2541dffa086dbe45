#!/bin/sh
# projection.sh: --projection F gives forward, predict and train the vision
# projection from a file of its own: a backbone without one plus the
# projection gives the same numbers as the backbone that holds it, and a
# different projection (scaled by 2) the numbers of a backbone holding that.
. "${SRCDIR:-.}/tests/cli/lib.sh"
D="$TESTDATA/adalink"
B="$D/backbone.safetensors"
/usr/bin/python3 - "$B" "$T" <<'PYEOF'
import json, struct, sys
src, out = sys.argv[1], sys.argv[2]
raw = open(src, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
head = json.loads(raw[8:8 + n])
data = raw[8 + n:]
def write(path, tensors, meta):
    h, blobs, off = {}, [], 0
    if meta:
        h["__metadata__"] = meta
    for name, (dtype, shape, blob) in tensors.items():
        h[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(blob)]}
        blobs.append(blob)
        off += len(blob)
    hb = json.dumps(h).encode()
    hb += b" " * (-len(hb) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)) + hb + b"".join(blobs))
meta = head.pop("__metadata__", None)
ts = {k: (v["dtype"], v["shape"], data[v["data_offsets"][0]:v["data_offsets"][1]]) for k, v in head.items()}
P = "vision_projection.weight"
assert ts[P][0] == "F32"
vals = struct.unpack("<%df" % (len(ts[P][2]) // 4), ts[P][2])
double = (ts[P][0], ts[P][1], struct.pack("<%df" % len(vals), *[2 * v for v in vals]))
write(out + "/noproj.safetensors", {k: v for k, v in ts.items() if k != P}, meta)
write(out + "/proj.safetensors", {P: ts[P]}, None)
write(out + "/proj2.safetensors", {"w": double}, None)   # a lone tensor, any name
write(out + "/double.safetensors", dict(ts, **{P: double}), meta)
PYEOF
ok $? "python3 splits the backbone and its projection"
run forward -b "$B" "$D/batch.jsonl"
cp "$T/out" "$T/want"
run forward -b "$T/noproj.safetensors" "$D/batch.jsonl"
expect_rc 1 "without a projection, image inputs are refused"
run forward -b "$T/noproj.safetensors" --projection "$T/proj.safetensors" "$D/batch.jsonl"
expect_rc 0 "forward --projection"
same "$T/want" "$T/out" "the numbers of the backbone that holds it"
run forward -b "$T/double.safetensors" "$D/batch.jsonl"
cp "$T/out" "$T/want2"
run forward -b "$B" --projection "$T/proj2.safetensors" "$D/batch.jsonl"
same "$T/want2" "$T/out" "a projection given replaces the backbone's own"
! cmp -s "$T/want" "$T/want2"
ok $? "(and that changes the numbers)"
run predict -b "$T/noproj.safetensors" --projection "$T/proj.safetensors" -L 4 "$D/batch.jsonl"
cp "$T/out" "$T/p1"
run predict -b "$B" -L 4 "$D/batch.jsonl"
same "$T/out" "$T/p1" "predict --projection"
run train -q -b "$T/noproj.safetensors" --projection "$T/proj.safetensors" -d "$D/batch.jsonl" \
	-M text,image -r 4 -n 3 -B 2 -o "$T/a1.safetensors"
run train -q -b "$B" -d "$D/batch.jsonl" -M text,image -r 4 -n 3 -B 2 -o "$T/a2.safetensors"
# a1 records noproj's SHA-256; B holds the same weights and projection in
# one file, so applying a1 to B needs --force
run forward -b "$B" -a "$T/a1.safetensors" --force "$D/batch.jsonl"
cp "$T/out" "$T/f1"
run forward -b "$B" -a "$T/a2.safetensors" "$D/batch.jsonl"
same "$T/f1" "$T/out" "train --projection: an adapter that gives the same numbers"
run forward -b "$B" --projection "$D/batch.jsonl" "$D/batch.jsonl"
expect_rc 1 "a projection that is not a safetensors file exits 1"
has "$T/err" "--projection" "naming the option"
done_testing
