#!/bin/sh
# convert.sh: adalink convert writes a checkpoint as a file or a model
# folder in F32, BF16 or F16 (values rounded as torch rounds them), and the
# result loads; adalink examples writes the pretraining examples whose
# pieces are the corpus as python3-sentencepiece tokenizes it.
. "${SRCDIR:-.}/tests/cli/lib.sh"
"$ADALINK" init -q --config t5-tiny --seed 4 -o "$T/a.safetensors"
run convert -b "$T/a.safetensors" -o "$T/f32.safetensors"
expect_rc 0 "convert to F32"
same "$T/a.safetensors" "$T/f32.safetensors" "an F32 checkpoint converts to its own bytes"
run convert -b "$T/a.safetensors" --dtype bf16 -o "$T/bf.safetensors"
expect_rc 0 "convert to BF16"
has "$T/out" "$(printf 'BF16\t263168')" "saying the dtype and the parameters"
run convert -b "$T/a.safetensors" --dtype f16 -o "$T/h.safetensors"
/usr/bin/python3 - "$T" <<'PY'
import json, struct, sys
import torch
def read(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    meta = h.pop("__metadata__", {})
    out = {}
    for k, v in h.items():
        s, e = v["data_offsets"]
        raw = bytearray(b[8 + n + s:8 + n + e])
        dt = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}[v["dtype"]]
        out[k] = (v["dtype"], v["shape"], torch.frombuffer(raw, dtype=dt).reshape(v["shape"]))
    return out, meta
d = sys.argv[1]
f, fm = read(d + "/a.safetensors")
bad = 0
for name, dt in (("bf.safetensors", torch.bfloat16), ("h.safetensors", torch.float16)):
    g, gm = read(d + "/" + name)
    bad += gm.get("config") != fm.get("config") or sorted(g) != sorted(f)
    for k in f:
        want = f[k][2].to(dt)
        bad += g[k][1] != f[k][1] or not torch.equal(g[k][2].view(torch.int16), want.view(torch.int16))
sys.exit(1 if bad else 0)
PY
ok $? "every BF16 and F16 value is torch's rounding of the F32 one, bit for bit, names, shapes and config kept"
run convert -b "$T/a.safetensors" --dtype bf16 -o "$T/folder/"
expect_rc 0 "convert to a model folder"
[ -f "$T/folder/config.json" ] && [ -f "$T/folder/model.safetensors" ]
ok $? "the folder holds config.json and model.safetensors"
/usr/bin/python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); sys.exit(not (c["d_model"] == 64 and c["num_layers"] == 2))' "$T/folder/config.json"
ok $? "config.json is Hugging Face's config"
printf '{"input_ids": [5, 90, 1], "target_ids": [7, 1]}\n' >"$T/x.jsonl"
"$ADALINK" forward -b "$T/folder" "$T/x.jsonl" >"$T/f1"
"$ADALINK" forward -b "$T/bf.safetensors" "$T/x.jsonl" >"$T/f2"
same "$T/f1" "$T/f2" "the folder and the BF16 file give the same forward"
run convert -b "$T/a.safetensors" --dtype f8 -o "$T/x.safetensors"
expect_rc 2 "an unknown dtype is a usage error"
run convert -b "$T/none.safetensors" -o "$T/x.safetensors"
expect_rc 1 "a missing checkpoint exits 1"

# examples: the prefix LM's pieces are the corpus's tokens, in order
S="$SRCDIR/tests/data/spm/t5_spiece.model"
/usr/bin/python3 - "$T" "$S" <<'PY'
import json, sys
import sentencepiece as spm
paras = [p.replace("\n", " ").strip() for p in open("/usr/share/common-licenses/GPL-3").read().split("\n\n")]
paras = [p for p in paras if p][:40]
sp = spm.SentencePieceProcessor(model_file=sys.argv[2])
with open(sys.argv[1] + "/rec.jsonl", "w") as f, open(sys.argv[1] + "/stream", "w") as s:
    ids = []
    for p in paras:
        f.write(json.dumps({"inputs": {"text": p}, "targets": []}) + "\n")
        ids += sp.encode(p) + [1]
    s.write(" ".join(map(str, ids)) + "\n")
PY
run examples --objective prefix-lm -m "$S" --vocab-size 32128 --inputs-length 48 "$T/rec.jsonl"
expect_rc 0 "examples of the prefix LM"
/usr/bin/python3 - "$T" <<'PY'
import json, sys
d = sys.argv[1]
stream = list(map(int, open(d + "/stream").read().split()))
xs = [json.loads(l) for l in open(d + "/out")]
ok = len(xs) == len(stream) // 48
for i, x in enumerate(xs):
    ok = ok and x["input_ids"][-1] == 1 and x["target_ids"][-1] == 1
    ok = ok and x["input_ids"][:-1] + x["target_ids"][:-1] == stream[48 * i:48 * (i + 1)]
sys.exit(0 if ok and xs else 1)
PY
ok $? "each example is a 48-token piece of the python3-sentencepiece stream, cut in two"
run examples --objective span -m "$S" --vocab-size 32128 --inputs-length 48 "$T/rec.jsonl"
expect_rc 0 "examples of span corruption"
awk -F'"input_ids": \\[' '{ split($2, a, "]"); n = split(a[1], b, ","); if (n != 48) bad = 1 } END { exit bad }' "$T/out"
ok $? "every span-corruption input is 48 tokens"
run examples --objective span -m "$S" --vocab-size 32128 --inputs-length 48 --pick 1 "$T/rec.jsonl"
cp "$T/out" "$T/p1"
run examples --objective span -m "$S" --vocab-size 32128 --inputs-length 48 --pick 1 "$T/rec.jsonl"
same "$T/out" "$T/p1" "the same visit gives the same noise"
run examples --objective span -m "$S" "$T/rec.jsonl"
expect_rc 2 "without --vocab-size: a usage error"
done_testing
