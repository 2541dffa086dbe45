#!/bin/sh
# pretrain_mk.sh: examples/pretrain.mk end to end on a small corpus (the
# GPL's paragraphs, T5's tokenizer, a t5-tiny geometry, a few steps): the
# model folder in BF16, eval.tsv with its measurements, the curves; a
# second make does nothing; a stopped run resumes.
. "${SRCDIR:-.}/tests/cli/lib.sh"
unset MAKEFLAGS MFLAGS MAKELEVEL   # the test's own make, not the suite's
C="$T/corpus"
mkdir -p "$C"
cp "$SRCDIR/tests/data/spm/t5_spiece.model" "$C/spm.model"
/usr/bin/python3 - "$C" <<'PY'
import json, sys
paras = [p.replace("\n", " ").strip() for p in open("/usr/share/common-licenses/GPL-3").read().split("\n\n")]
paras = [p for p in paras if len(p.split()) >= 5]
for name, part in (("train", paras[:-15]), ("valid", paras[-15:])):
    with open(f"{sys.argv[1]}/{name}.jsonl", "w") as f:
        for i, p in enumerate(part):
            f.write(json.dumps({"dataset": "text", "split": None, "id": i, "task": "text",
                                "image": None, "inputs": {"text": p}, "targets": []}) + "\n")
PY
printf '{"vocab_size": 32128, "d_model": 64, "d_kv": 16, "d_ff": 128, "num_heads": 4, "num_layers": 2, "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false}\n' >"$T/tiny.json"
MK="make -s -f $SRCDIR/examples/pretrain.mk ADALINK=$ADALINK OUT=$T/out CORPUS=$C CONFIG=$T/tiny.json NAME=tiny STEPS=20 LM_STEPS=6 EVERY=10 BATCH=4 INLEN=32 NICE="
$MK >"$T/make.out" 2>"$T/make.err"
ok $? "pretrain.mk runs to the end"
sed 's/^/#   /' "$T/make.err" | tail -5
[ -f "$T/out/tiny/config.json" ] && [ -f "$T/out/tiny/model.safetensors" ] && [ -f "$T/out/tiny/spm.model" ]
ok $? "the model folder: config.json, model.safetensors, spm.model"
"$ADALINK" inspect -tH "$T/out/tiny/model.safetensors" | cut -f2 | sort -u >"$T/dtypes"
[ "$(cat "$T/dtypes")" = "BF16" ]
ok $? "every tensor in BF16"
for k in span_loss prefix_perplexity unigram_perplexity ratio; do
	awk -F'\t' -v k="$k" '$1 == k && $2 + 0 > 0 { f = 1 } END { exit !f }' "$T/out/eval.tsv"
	ok $? "eval.tsv has $k"
done
n=$(grep -c . "$C/valid.jsonl")
[ -s "$T/out/curves.svg" ]
ok $? "the curves are drawn"
"$ADALINK" runs ls -c "$T/out/runs.db" | cut -f1,3,4 >"$T/runs"
has "$T/runs" "$(printf 'span\tfinished\t20')" "the span run reached its 20 steps"
has "$T/runs" "$(printf 'lm\tfinished\t6')" "the LM adaptation its 6"
$MK -q
ok $? "a second make does nothing (make -q: up to date)"
# a span run that stopped after 10 steps continues to 20 and ends as above
rm -rf "$T/out2"
MK2="make -s -f $SRCDIR/examples/pretrain.mk ADALINK=$ADALINK OUT=$T/out2 CORPUS=$C CONFIG=$T/tiny.json NAME=tiny LM_STEPS=6 EVERY=10 BATCH=4 INLEN=32 NICE="
$MK2 STEPS=10 "$T/out2/span.done" >/dev/null 2>&1 && rm "$T/out2/span.done"
$MK2 STEPS=20 "$T/out2/span.done" >/dev/null 2>&1
cmp -s "$T/out/span.safetensors" "$T/out2/span.safetensors"
ok $? "a span run stopped at step 10 and made again ends in the bytes of the run in one go"
done_testing
