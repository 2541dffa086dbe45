#!/bin/sh
# t5_config.sh: a checkpoint's config is data from a file: sizes whose
# products wrap, or more layers than any T5, are refused with a message
# before anything is allocated (they overflowed the parameter block).
. "${SRCDIR:-.}/tests/cli/lib.sh"
mk() { # FILE CONFIG-JSON: a safetensors file with that config and one small tensor
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, struct, sys
data = b"\0" * 64
h = {"__metadata__": {"config": sys.argv[2]},
     "shared.weight": {"dtype": "F32", "shape": [4, 4], "data_offsets": [0, 64]}}
hb = json.dumps(h).encode()
hb += b" " * (-len(hb) % 8)
open(sys.argv[1], "wb").write(struct.pack("<Q", len(hb)) + hb + data)
PY
}
printf '{"input_ids": [1], "target_ids": [1]}\n' >"$T/x.jsonl"
mk "$T/wrap.safetensors" '{"d_model": 65536, "num_heads": 65536, "d_kv": 1073741823, "d_ff": 196606, "vocab_size": 1, "num_layers": 1, "relative_attention_num_buckets": 2}'
run forward -b "$T/wrap.safetensors" "$T/x.jsonl"
expect_rc 1 "sizes whose products wrap are refused"
has "$T/err" "beyond any T5" "saying so"
no_sanitizer "and nothing overflows"
mk "$T/deep.safetensors" '{"d_model": 8, "num_heads": 1, "d_kv": 8, "d_ff": 8, "vocab_size": 4, "num_layers": 134217728, "num_decoder_layers": 134217728}'
run forward -b "$T/deep.safetensors" "$T/x.jsonl"
expect_rc 1 "2^27 layers a stack are refused"
has "$T/err" "1024 layers" "naming the limit"
mk "$T/start.safetensors" '{"d_model": 4, "num_heads": 1, "d_kv": 4, "d_ff": 4, "vocab_size": 4, "num_layers": 1, "decoder_start_token_id": 9}'
run forward -b "$T/start.safetensors" "$T/x.jsonl"
expect_rc 1 "a decoder start token outside the vocabulary is refused"
mk "$T/nested.safetensors" "$(/usr/bin/python3 -c 'print("[" * 50000 + "]" * 50000)')"
run forward -b "$T/nested.safetensors" "$T/x.jsonl"
expect_rc 1 "a config nested 50000 deep is refused"
has "$T/err" "not a JSON object" "as no config"
no_sanitizer "without a stack overflow"
done_testing
