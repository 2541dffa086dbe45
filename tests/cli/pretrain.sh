#!/bin/sh
# pretrain.sh: adalink train --objective span|prefix-lm: examples made from
# a text corpus (the GPL's paragraphs, as adalink ingest text writes
# records), every weight trained; the validation loss falls, a resumed run
# ends in the bytes of the run in one go, and bad settings are refused.
. "${SRCDIR:-.}/tests/cli/lib.sh"
S="$SRCDIR/tests/data/spm/t5_spiece.model"
/usr/bin/python3 - "$T" <<'PY'
import json, sys
paras = [p.replace("\n", " ").strip() for p in open("/usr/share/common-licenses/GPL-3").read().split("\n\n")]
paras = [p for p in paras if len(p.split()) >= 5]
for name, part in (("train", paras[:-12]), ("dev", paras[-12:])):
    with open(f"{sys.argv[1]}/{name}.jsonl", "w") as f:
        for i, p in enumerate(part):
            f.write(json.dumps({"dataset": "text", "split": None, "id": i, "task": "text", "image": None,
                                "inputs": {"text": p}, "targets": []}) + "\n")
PY
"$ADALINK" init -q --config t5-tiny --vocab-size 32128 -o "$T/t5.safetensors"
P="-b $T/t5.safetensors -d $T/train.jsonl -D $T/dev.jsonl --model $S --method full -O adamw -l 3e-3 -w 10 -B 8 --inputs-length 64 -e 15"
run train $P --objective span -n 45 -C "$T/c.db" --run span -o "$T/a.safetensors"
expect_rc 0 "pretrain with span corruption"
has "$T/err" "span: " "saying how many examples the corpus makes"
run runs history -c "$T/c.db" span
awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "dev_loss") c = i }
	NR > 1 && $c != "" { v[++n] = $c } END { exit !(n == 3 && v[3] < v[1] - 1) }' "$T/out"
ok $? "the validation loss at step 45 is well below that at step 15"
run train $P --objective span -n 30 -o "$T/b.safetensors"
run train $P --objective span -n 45 --resume -o "$T/b.safetensors"
expect_rc 0 "resume a pretraining run"
same "$T/a.safetensors" "$T/b.safetensors" "30 steps, then 15 resumed, end in the bytes of 45 in one go"
run train $P --objective prefix-lm -n 15 -o "$T/p.safetensors"
expect_rc 0 "pretrain with the prefix LM"
run train $P --objective span -n 1 --schedule cosine -o "$T/x.safetensors"
expect_rc 0 "a cosine schedule"
run train -b "$T/t5.safetensors" -d "$T/train.jsonl" --objective span -n 1 -o "$T/x.safetensors"
expect_rc 2 "pretraining without --model SPM is a usage error"
has "$T/err" "--model SPM" "saying what to give"
run train $P --objective lm -n 1 -o "$T/x.safetensors"
expect_rc 2 "an unknown objective is a usage error"
run train $P --objective span --schedule linear -n 1 -o "$T/x.safetensors"
expect_rc 2 "an unknown schedule is a usage error"
printf '{"inputs": {"sentence": "x"}}\n' >"$T/bad.jsonl"
run train -b "$T/t5.safetensors" -d "$T/bad.jsonl" --model "$S" --objective span -n 1 -o "$T/x.safetensors"
expect_rc 1 "a corpus without text records exits 1"
has "$T/err" "adalink ingest text" "saying which records it reads"
head -1 "$T/train.jsonl" >"$T/short.jsonl"
run train -b "$T/t5.safetensors" -d "$T/short.jsonl" --model "$S" --objective span --inputs-length 4096 -n 1 -o "$T/x.safetensors"
expect_rc 1 "a corpus shorter than one example exits 1"
has "$T/err" "fewer than one piece" "saying so"
done_testing
