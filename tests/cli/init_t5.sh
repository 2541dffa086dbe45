#!/bin/sh
# init_t5.sh: adalink init for the T5 geometries: names, shapes, config,
# determinism; the checkpoint runs through forward.
. "${SRCDIR:-.}/tests/cli/lib.sh"
run init --config t5-tiny --vocab-size 600 --vision-dim 12 --seed 3 -o "$T/a.safetensors"
expect_rc 0 "init t5-tiny"
run init --config t5-tiny --vocab-size 600 --vision-dim 12 --seed 3 -o "$T/b.safetensors"
same "$T/a.safetensors" "$T/b.safetensors" "the same seed writes the same bytes"
run inspect -tH "$T/a.safetensors"
cut -f1-3 "$T/out" >"$T/shapes"
has "$T/shapes" "$(printf 'shared.weight\tF32\t[600,64]')" "shared.weight [vocab, d_model]"
has "$T/shapes" "$(printf 'encoder.block.1.layer.1.DenseReluDense.wi_1.weight\tF32\t[128,64]')" "gated feed-forward wi_1 [d_ff, d_model]"
has "$T/shapes" "$(printf 'decoder.block.0.layer.1.EncDecAttention.k.weight\tF32\t[64,64]')" "cross-attention k [heads d_kv, d_model]"
has "$T/shapes" "$(printf 'encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight\tF32\t[32,4]')" "position bias [buckets, heads]"
has "$T/shapes" "$(printf 'lm_head.weight\tF32\t[600,64]')" "an untied lm_head"
has "$T/shapes" "$(printf 'vision_projection.weight\tF32\t[64,12]')" "the vision projection [d_model, D]"
[ "$(wc -l <"$T/out")" -eq $((2 * 9 + 2 * 14 + 2 + 2 + 1 + 1 + 1)) ]
ok $? "2 encoder blocks of 9 tensors, 2 decoder blocks of 14, 2 biases, 2 final norms, shared, head, projection"
run inspect -mH "$T/a.safetensors"
has "$T/out" '"feed_forward_proj": "gated-gelu"' "the config is in the metadata"
printf '{"input_ids": [5, 590, 1], "target_ids": [7, 1]}\n' >"$T/x.jsonl"
run forward -b "$T/a.safetensors" "$T/x.jsonl"
expect_rc 0 "forward runs on it"
run init --config t5-small -o "$T/s.safetensors"
expect_rc 0 "init t5-small"
run inspect -s "$T/s.safetensors"
has "$T/out" "60506624 parameters" "t5-small has 60,506,624 parameters, as Hugging Face counts it"
run inspect -tH "$T/s.safetensors"
grep -q lm_head "$T/out"
[ $? -ne 0 ]
ok $? "t5-small ties its output: no lm_head"
run init --config t5-huge -o "$T/x.safetensors"
expect_rc 2 "an unknown geometry is a usage error"
run init --config vit-tiny --vocab-size 5 -o "$T/x.safetensors"
expect_rc 2 "--vocab-size with a ViT is a usage error"
# --config-json: any geometry from a Hugging Face config.json
printf '{"vocab_size": 512, "d_model": 64, "d_kv": 16, "d_ff": 128, "num_heads": 4, "num_layers": 2, "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false}' >"$T/tiny.json"
run init --config-json "$T/tiny.json" --vocab-size 600 --vision-dim 12 --seed 3 -o "$T/c.safetensors"
expect_rc 0 "init --config-json"
same "$T/a.safetensors" "$T/c.safetensors" "t5-tiny's config.json gives the bytes of --config t5-tiny"
cat >"$T/g.json" <<'JSON'
{"vocab_size": 300, "d_model": 48, "d_kv": 12, "d_ff": 80, "num_heads": 4, "num_layers": 3,
 "num_decoder_layers": 2, "feed_forward_proj": "relu", "tie_word_embeddings": true}
JSON
run init --config-json "$T/g.json" -o "$T/g.safetensors"
expect_rc 0 "init a geometry of its own"
run inspect -tH "$T/g.safetensors"
/usr/bin/python3 - "$T/g.json" "$T/out" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
d, kv, h, f, v = c["d_model"], c["d_kv"], c["num_heads"], c["d_ff"], c["vocab_size"]
want = {"shared.weight": [v, d], "encoder.final_layer_norm.weight": [d],
        "decoder.final_layer_norm.weight": [d]}
for side, n in (("encoder", c["num_layers"]), ("decoder", c["num_decoder_layers"])):
    for b in range(n):
        p = f"{side}.block.{b}.layer."
        for w in "qkv":
            want[p + f"0.SelfAttention.{w}.weight"] = [h * kv, d]
        want[p + "0.SelfAttention.o.weight"] = [d, h * kv]
        want[p + "0.layer_norm.weight"] = [d]
        if b == 0:
            want[p + "0.SelfAttention.relative_attention_bias.weight"] = [32, h]
        ff = 1
        if side == "decoder":
            for w in "qkv":
                want[p + f"1.EncDecAttention.{w}.weight"] = [h * kv, d]
            want[p + "1.EncDecAttention.o.weight"] = [d, h * kv]
            want[p + "1.layer_norm.weight"] = [d]
            ff = 2
        want[p + f"{ff}.DenseReluDense.wi.weight"] = [f, d]
        want[p + f"{ff}.DenseReluDense.wo.weight"] = [d, f]
        want[p + f"{ff}.layer_norm.weight"] = [d]
got = {}
for line in open(sys.argv[2]):
    name, dtype, shape = line.split("\t")[:3]
    got[name] = json.loads(shape)
sys.exit(0 if got == want else 1)
PY
ok $? "its tensors are the ones Hugging Face's T5 has for that config.json, with their shapes"
run init --config-json "$T/none.json" -o "$T/x.safetensors"
expect_rc 1 "a missing config.json exits 1"
printf '{"d_model": "wide"}' >"$T/bad.json"
run init --config-json "$T/bad.json" -o "$T/x.safetensors"
expect_rc 1 "a config.json with a wrong value exits 1"
has "$T/err" "d_model" "naming the key"
run init --config t5-tiny --config-json "$T/g.json" -o "$T/x.safetensors"
expect_rc 2 "--config and --config-json together are a usage error"
done_testing
