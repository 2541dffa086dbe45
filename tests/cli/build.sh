#!/bin/sh
# build.sh: adalink build on generated GLUE and COCO samples, checked with
# sqlite3, sha256sum, xxh64sum, spm_encode and an independent shard reader.
. "${SRCDIR:-.}/tests/cli/lib.sh"
M="$TESTDATA/spm/t5_spiece.model"
/usr/bin/python3 "$SRCDIR/tests/fixtures/mkdist.py" "$T/s" glue coco >/dev/null
DB="$T/cat.db"
# (the catalog stores shard paths relative to its folder, $T)
run build -c "$DB" -O "$T/shards" -n rte -m "$M" -t rte -N 2 glue "$T/s/glue.zip"
expect_rc 0 "build rte"
n=$(awk -F'\t' '{ print $3 }' "$T/out")
[ "$n" -ge 1 ]
ok $? "it wrote $n examples"
q() { sqlite3 "$DB" "$1"; }
[ "$(q "SELECT status FROM builds WHERE name = 'rte'")" = complete ]
ok $? "the catalog says the build is complete"
[ "$(q "SELECT tokenizer_sha256 FROM builds WHERE name = 'rte'")" = "$(sha256sum "$M" | cut -d' ' -f1)" ]
ok $? "it records the tokenizer's SHA-256 (as sha256sum computes it)"
[ "$(q "SELECT json_extract(sources, '\$[0].sha256') FROM builds")" = "$(sha256sum "$T/s/glue.zip" | cut -d' ' -f1)" ]
ok $? "and each source's"
[ "$(q "SELECT sum(examples) FROM shards")" = "$n" ]
ok $? "the shards' example counts add up to $n"
good=1
for row in $(q "SELECT '$T/' || path || ',' || bytes || ',' || checksum FROM shards"); do
	p=${row%%,*}; rest=${row#*,}; bytes=${rest%%,*}; sum=${rest#*,}
	[ "$(wc -c <"$p")" -eq "$bytes" ] || good=0
	[ "$(tail -c +65 "$p" | xxh64sum | cut -d' ' -f1)" = "$sum" ] || good=0
done
ok $((1 - good)) "every shard has the recorded size and checksum (xxh64sum)"
# the ids: spm_encode of the T5 prompt, plus EOS (1)
"$ADALINK" ingest glue --task rte "$T/s/glue.zip" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    print("rte sentence1: %s sentence2: %s" % (r["inputs"]["sentence1"], r["inputs"]["sentence2"]))
' >"$T/prompts.txt"
spm_encode --model="$M" --output_format=id <"$T/prompts.txt" | sed 's/$/ 1/' >"$T/want"
for p in $(q "SELECT '$T/' || path FROM shards ORDER BY seq"); do
	/usr/bin/python3 "$SRCDIR/tests/ref/shard_read.py" "$p"
done >"$T/examples.jsonl"
/usr/bin/python3 -c '
import json, sys
for l in open(sys.argv[1]):
    print(" ".join(map(str, json.loads(l)["input"])))
' "$T/examples.jsonl" | head -n "$(wc -l <"$T/want")" >"$T/got"
same "$T/got" "$T/want" "input ids are spm_encode's of the T5 prompt, then EOS"
has "$T/examples.jsonl" '"task": "rte"' "examples carry their task"

run build -c "$DB" -O "$T/shards" -n rte -m "$M" -t rte -N 2 glue "$T/s/glue.zip"
expect_rc 0 "the same build again"
has "$T/out" "(already built)" "is recognised and skipped"
run build -c "$DB" -O "$T/shards" -n rte -m "$M" -t rte -N 3 glue "$T/s/glue.zip"
expect_rc 1 "a build of the same name with other parameters"
has "$T/err" "give --replace" "is refused, saying what to do"
run build -c "$DB" -O "$T/shards" -n rte -m "$M" -t rte -N 3 --replace glue "$T/s/glue.zip"
expect_rc 0 "--replace builds it again"
[ "$(q "SELECT count(*) FROM builds")" = 1 ]
ok $? "with one build row left"
q "UPDATE builds SET status = 'building'"
run build -c "$DB" -O "$T/shards" -n rte -m "$M" -t rte -N 3 glue "$T/s/glue.zip"
expect_rc 0 "an interrupted build is run again"
has "$T/err" "was interrupted" "saying so"
[ "$(q "SELECT sum(examples) FROM shards")" = "$n" ]
ok $? "with no example missing or doubled"

# the generator's images are stand-ins: put a real photo in their place
find "$T/s/coco" -name '*.jpg' -exec cp "$TESTDATA/images/COCO_val2014_000000000241.jpg" {} \;
run build -c "$DB" -O "$T/shards" -n coco -m "$M" coco "$T/s/coco"
expect_rc 0 "build coco with images (the sample as a folder)"
has "$T/out" "$(printf 'images\t3')" "3 images"
# the reader hands records over from a thread: no record may be lost,
# however the two threads interleave (a race once dropped the first)
lost=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	"$ADALINK" build -q -c "$T/race.db" -O "$T/race" -n "c$i" -m "$M" --no-images coco "$T/s/coco" \
		>"$T/race.out" 2>&1
	grep -q "$(printf 'examples\t3\t')" "$T/race.out" || lost=$((lost + 1))
done
ok $lost "12 builds of the same sample: 3 examples every time ($lost short)"
p=$(q "SELECT '$T/' || path FROM shards WHERE build_id = (SELECT id FROM builds WHERE name = 'coco')")
/usr/bin/python3 "$SRCDIR/tests/ref/shard_read.py" "$p" >"$T/coco.jsonl"
has "$T/coco.jsonl" '"patches": 256, "dim": 588' "256 patches of 14 x 14 x 3 per image"
has "$T/coco.jsonl" '"task": "caption"' "task caption"
# the first patch of the stored embeddings: the photo resized by Pillow,
# normalised (v / 255 - 0.5) / 0.5, its top-left 14 x 14 pixels, in f16
/usr/bin/python3 - "$TESTDATA/images/COCO_val2014_000000000241.jpg" "$T/coco.jsonl" >"$T/pil" 2>&1 <<'PY'
import json, struct, sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB").resize((224, 224), Image.BILINEAR)
want = []
for y in range(14):
    for x in range(14):
        for v in im.getpixel((x, y)):
            f = (v / 255.0 - 0.5) / 0.5
            want.append(struct.unpack("<e", struct.pack("<e", f))[0])
got = json.loads(open(sys.argv[2]).readline())["patch0"]
bad = sum(1 for a, b in zip(got, want) if abs(a - b) > 2 / 255.0 * 1.01)
print("%d of %d values more than one level from Pillow" % (bad, len(want)))
sys.exit(1 if bad or len(got) != len(want) else 0)
PY
ok $? "the stored patch equals Pillow's resize, normalised, within one level: $(cat "$T/pil")"
# training from the catalog, on a tiny T5 that takes T5's ids
run init --config t5-tiny --vocab-size 32128 --seed 1 -o "$T/t5.safetensors"
run train -q -b "$T/t5.safetensors" -C "$DB" -t rte -D rte -r 8 -n 6 -B 2 -e 3 -o "$T/ad.safetensors"
expect_rc 0 "train from the rte build's shards"
[ -f "$T/ad.safetensors.best" ]
ok $? "with a dev build: the best adapter kept"
run predict -b "$T/t5.safetensors" -a "$T/ad.safetensors" -C "$DB" -d rte -m "$M" -L 4
expect_rc 0 "predict from the rte build, decoding with the tokenizer"
[ "$(wc -l <"$T/out")" -eq "$n" ]
ok $? "one prediction per example"
/usr/bin/python3 -c '
import json, sys
for l in open(sys.argv[1]):
    p = json.loads(l)
    assert isinstance(p["prediction"], str) and p["task"] == "rte" and len(p["ids"]) <= 4, p
' "$T/out"
ok $? "each a text prediction for task rte"
run train -q -b "$T/t5.safetensors" -C "$DB" -t nosuch -n 2 -o "$T/ad2.safetensors"
expect_rc 1 "an unknown build is refused"
has "$T/err" "run adalink build first" "saying what to do"

# adalink shards
run shards ls -c "$DB"
expect_rc 0 "shards ls"
has "$T/out" "$(printf 'rte\tglue\t\trte\tcomplete')" "lists the rte build"
has "$T/out" "$(printf 'coco\tcoco\t\t\tcomplete\t1\t3\t')" "and coco: 1 shard, 3 examples"
run shards show -c "$DB" rte
has "$T/out" "$(printf 'tokenizer_sha256\t')$(sha256sum "$M" | cut -d' ' -f1)" "show gives the provenance"
run shards cat -c "$DB" -m "$M" rte
expect_rc 0 "shards cat -m decodes"
head -1 "$T/prompts.txt" >"$T/p1"
has "$T/out" "\"input\": \"$(cat "$T/p1")\"" "the input decodes back to the prompt"
run shards verify -c "$DB"
expect_rc 0 "verify: every shard sound"
[ "$(grep -c '^ok' "$T/out")" -eq "$(q 'SELECT count(*) FROM shards')" ]
ok $? "one ok line per shard"
p1=$(q "SELECT '$T/' || path FROM shards ORDER BY id LIMIT 1")
printf 'X' | dd of="$p1" bs=1 seek=100 conv=notrunc 2>/dev/null
p2=$(q "SELECT '$T/' || path FROM shards ORDER BY id LIMIT 1 OFFSET 1")
rm -f "$p2"
run shards verify -c "$DB"
expect_rc 1 "verify after tampering exits 1"
run train -q -b "$T/t5.safetensors" -C "$DB" -t rte -n 2 -o "$T/ad3.safetensors"
expect_rc 1 "training refuses a tampered build"
has "$T/err" "shards verify" "pointing to adalink shards verify"
run shards verify -c "$DB"
has "$T/out" "$(printf 'BAD\trte\t')$p1" "names the modified shard"
has "$T/out" "checksum" "as a checksum mismatch"
has "$T/out" "missing" "and the deleted one as missing"
run shards rm -c "$DB" coco
expect_rc 0 "shards rm coco"
[ "$(q "SELECT count(*) FROM builds WHERE name = 'coco'")" = 0 ] && [ ! -e "$p" ]
ok $? "removes its rows and its shard file"
run shards rm -c "$DB" coco
expect_rc 1 "removing it twice: no such build"
run shards frob -c "$DB"
expect_rc 2 "an unknown action is a usage error"

run build -c "$DB" -O "$T/shards" -n x -m "$M" nosuch "$T/s/coco.tar.gz"
expect_rc 1 "an unknown dataset exits 1"
run build -c "$DB" -O "$T/shards" -n x glue "$T/s/glue.zip"
expect_rc 2 "no --model is a usage error"
run build -c "$DB" -O "$T/shards" -n x -m "$M" -P 15 coco "$T/s/coco.tar.gz"
expect_rc 2 "without a ViT, a --patch not dividing the default --size 224 is a usage error"
has "$T/err" "patch size 15 does not divide the image size 224" "saying so"
done_testing
