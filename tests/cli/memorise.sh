#!/bin/sh
# memorise.sh: a tiny random T5 plus AdaLink (text module, GELU, rank 256)
# memorises 64 examples of random ids with random 3-token targets: the
# training loss falls near zero, and greedy decoding gives back every
# target exactly.
. "${SRCDIR:-.}/tests/cli/lib.sh"
/usr/bin/python3 - "$T/mem.jsonl" <<'PYEOF'
import json, random, sys
r = random.Random(1)
with open(sys.argv[1], "w") as f:
    for i in range(64):
        f.write(json.dumps({"id": i, "input_ids": [r.randrange(2, 512) for _ in range(8)] + [1],
                            "target_ids": [r.randrange(2, 512) for _ in range(3)] + [1]}) + "\n")
PYEOF
run init --config t5-tiny --seed 3 -o "$T/tiny.safetensors"
expect_rc 0 "a random t5-tiny"
run forward -b "$T/tiny.safetensors" "$T/mem.jsonl"
before=$(awk -F'[:,]' '{ s += $2; n += $4 } END { printf "%.4f", s / n }' "$T/out")
run train -b "$T/tiny.safetensors" -d "$T/mem.jsonl" -r 256 -f gelu -O adamw -l 1e-2 --no-decay \
	-n 150 -B 64 -e 50 -p 0 -o "$T/a.safetensors"
expect_rc 0 "train 150 steps over the 64 examples"
run forward -b "$T/tiny.safetensors" -a "$T/a.safetensors" "$T/mem.jsonl"
after=$(awk -F'[:,]' '{ s += $2; n += $4 } END { printf "%.4f", s / n }' "$T/out")
awk -v a="$after" 'BEGIN { exit !(a < 0.05) }'
ok $? "the loss per token falls near zero: $before before, $after after"
run predict -b "$T/tiny.safetensors" -a "$T/a.safetensors" -L 6 "$T/mem.jsonl"
expect_rc 0 "predict with the adapter"
/usr/bin/python3 - "$T/mem.jsonl" "$T/out" <<'PYEOF'
import json, sys
want = {json.loads(l)["id"]: json.loads(l)["target_ids"] for l in open(sys.argv[1])}
got = {json.loads(l)["id"]: json.loads(l)["ids"] for l in open(sys.argv[2])}
bad = [i for i in want if got.get(i) != want[i]]
print("# %d of %d outputs differ from their targets %s" % (len(bad), len(want), bad[:5]))
sys.exit(1 if bad or len(got) != 64 else 0)
PYEOF
ok $? "greedy decoding gives back all 64 targets exactly"
done_testing
