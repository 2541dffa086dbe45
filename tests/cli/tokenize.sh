#!/bin/sh
# tokenize.sh: adalink tokenize against the reference SentencePiece
# (Debian's spm_encode, spm_train and python3-sentencepiece): the T5 model
# and models trained here (unigram, BPE, char, word; byte fallback on and
# off; nmt_nfkc, nfkc, nmt_nfkc_cf, identity, custom rules with a
# denormalizer; user-defined and unused pieces), over hand-picked and
# random text.  Every id, piece and decoded byte must
# be the reference's.
. "${SRCDIR:-.}/tests/cli/lib.sh"
D="$TESTDATA/spm"
PY=/usr/bin/python3
REF="$SRCDIR/tests/ref"
T5="$D/t5_spiece.model"

for tool in spm_encode spm_train; do
	command -v $tool >/dev/null 2>&1
	ok $? "$tool is installed (Debian package sentencepiece)"
done
$PY -c 'import sentencepiece' 2>/dev/null
ok $? "python3-sentencepiece is installed"

# Texts: the fixed cases, Botchan, and random lines no one has looked at.
seed=${SPM_SEED:-$(date +%s)}
echo "# random text seed $seed (SPM_SEED=$seed to repeat)"
$PY "$REF/spm_gen.py" random "$seed" 300 "$T/rand.txt"
TEXTS="$D/varied.txt $T/rand.txt"

# compare MODEL TEXT WHAT: ids and pieces identical to spm_encode's
compare() {
	spm_encode --model="$1" --output_format=id <"$2" >"$T/want" 2>"$T/err"
	"$ADALINK" tokenize -m "$1" <"$2" >"$T/got" 2>"$T/err" || echo "exit $?" >>"$T/got"
	same "$T/got" "$T/want" "$3: ids of $(basename "$2")"
	spm_encode --model="$1" --output_format=piece <"$2" >"$T/want" 2>"$T/err"
	"$ADALINK" tokenize -p -m "$1" <"$2" >"$T/got" 2>"$T/err" || echo "exit $?" >>"$T/got"
	same "$T/got" "$T/want" "$3: pieces of $(basename "$2")"
}

# decode_check MODEL WHAT: decoding ids and pieces as the library does
decode_check() {
	"$ADALINK" tokenize -m "$1" <"$D/varied.txt" >"$T/ids"
	$PY "$REF/spm_decode.py" "$1" ids "$T/ids" "$T/want"
	"$ADALINK" tokenize -d -m "$1" <"$T/ids" >"$T/got"
	same "$T/got" "$T/want" "$2: decode(encode(varied.txt))"
	"$ADALINK" tokenize -p -m "$1" <"$D/varied.txt" >"$T/pcs"
	$PY "$REF/spm_decode.py" "$1" pieces "$T/pcs" "$T/want"
	"$ADALINK" tokenize -p -d -m "$1" <"$T/pcs" >"$T/got"
	same "$T/got" "$T/want" "$2: decode of pieces"
	$PY "$REF/spm_decode.py" "$1" randids "$seed" 200 "$T/rids"
	$PY "$REF/spm_decode.py" "$1" ids "$T/rids" "$T/want"
	"$ADALINK" tokenize -d -m "$1" <"$T/rids" >"$T/got"
	same "$T/got" "$T/want" "$2: decode of random id sequences"
}

# The T5 model: Botchan and the stress texts.
for f in "$D/botchan.txt" $TEXTS; do
	compare "$T5" "$f" "t5"
done
decode_check "$T5" "t5"
spm_encode --model="$T5" --output_format=id --extra_options=eos <"$D/varied.txt" >"$T/want"
"$ADALINK" tokenize --add-eos -m "$T5" <"$D/varied.txt" >"$T/got"
same "$T/got" "$T/want" "t5: --add-eos as extra_options=eos"

# Models trained now.  A small corpus keeps training quick.  The custom
# rules (rules.tsv: A->a, BC->xyz, U+3042->U+30A2, two spaces->" _ ",
# abcd->A; derules.tsv the other way for some) also get their own lines.
printf 'ABCD abcd  BC \343\201\202\nAB  CD _x_\n' >"$T/rules.txt"
TEXTS="$TEXTS $T/rules.txt"
{ head -2000 "$D/botchan.txt"; cat "$D/varied.txt" "$T/rand.txt"; } >"$T/corpus.txt"
i=0
while read -r name opts; do
	i=$((i + 1))
	opts=$(echo "$opts" | sed "s|=RULES|=$D/rules.tsv|; s|=DERULES|=$D/derules.tsv|")
	# shellcheck disable=SC2086
	if ! spm_train --input="$T/corpus.txt" --model_prefix="$T/$name" \
		--minloglevel=2 --num_threads=2 $opts >"$T/train.log" 2>&1; then
		ok 1 "spm_train $name"
		sed 's/^/#   /' "$T/train.log" | tail -3
		continue
	fi
	for f in $TEXTS; do
		compare "$T/$name.model" "$f" "$name"
	done
	case $name in u_nmt|b_bf|u_nodummy|b_id|u_cf|u_rules|w_word) decode_check "$T/$name.model" "$name" ;; esac
done <<'MODELS'
u_nmt --model_type=unigram --vocab_size=2000
u_bf --model_type=unigram --vocab_size=600 --byte_fallback=true --character_coverage=0.99
u_nfkc --model_type=unigram --vocab_size=300 --normalization_rule_name=nfkc --character_coverage=0.98
u_id --model_type=unigram --vocab_size=800 --normalization_rule_name=identity --user_defined_symbols=<sep>,foo,▁the,日本,😀 --control_symbols=<cls>,<2en>
u_cf --model_type=unigram --vocab_size=800 --normalization_rule_name=nmt_nfkc_cf --treat_whitespace_as_suffix=true
u_nodummy --model_type=unigram --vocab_size=800 --add_dummy_prefix=false --remove_extra_whitespaces=false
u_rules --model_type=unigram --vocab_size=800 --normalization_rule_tsv=RULES --denormalization_rule_tsv=DERULES
b_nmt --model_type=bpe --vocab_size=2000
b_bf --model_type=bpe --vocab_size=600 --byte_fallback=true --character_coverage=0.99
b_id --model_type=bpe --vocab_size=800 --normalization_rule_name=identity --user_defined_symbols=<sep>,foo,▁the,日本,😀
b_cf --model_type=bpe --vocab_size=800 --normalization_rule_name=nmt_nfkc_cf --add_dummy_prefix=false
c_char --model_type=char
w_word --model_type=word --vocab_size=3000
w_wsonly --model_type=word --vocab_size=3000 --remove_extra_whitespaces=false --allow_whitespace_only_pieces=true
MODELS

# Pieces spm_train never marks: every 3rd normal piece unused or
# user-defined (BPE must split unused merges back; user-defined pieces
# score by their byte length).
for base in b_nmt u_nmt b_bf; do
	for t in 5 4; do
		$PY "$REF/spm_edit.py" "$T/$base.model" "$T/e.model" $t 3
		for f in $TEXTS; do
			compare "$T/e.model" "$f" "$base with type $t pieces"
		done
	done
done
spm_encode --model="$T/u_nmt.model" --output_format=id --extra_options=bos:eos <"$D/varied.txt" >"$T/want"
"$ADALINK" tokenize --add-bos --add-eos -m "$T/u_nmt.model" <"$D/varied.txt" >"$T/got"
same "$T/got" "$T/want" "--add-bos --add-eos as extra_options=bos:eos"

# Files named on the command line, in order, and '-'.
"$ADALINK" tokenize -m "$T5" "$D/varied.txt" - "$D/varied.txt" <"$T/rand.txt" >"$T/got"
cat "$D/varied.txt" "$T/rand.txt" "$D/varied.txt" | spm_encode --model="$T5" --output_format=id >"$T/want"
same "$T/got" "$T/want" "FILE arguments and '-' are read in order"

# A line in, a line out: the answer comes before the input ends, so a
# program can use adalink tokenize as a coprocess.
mkfifo "$T/fifo"
"$ADALINK" tokenize -m "$T5" <"$T/fifo" >"$T/co" 2>"$T/err" &
pid=$!
exec 3>"$T/fifo"
echo "Hello world" >&3
n=0
while [ ! -s "$T/co" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
echo "8774 296" >"$T/cow"
same "$T/co" "$T/cow" "answers a line while its input is still open"
exec 3>&-
wait $pid
ok $? "and exits 0 when the input ends"

# Errors.
run tokenize
expect_rc 2 "no model is a usage error"
has "$T/err" "a model is required" "and says so"
run tokenize -m "$T/missing.model"
expect_rc 1 "a missing model exits 1"
has "$T/err" "adalink tokenize: " "with the command's prefix"
head -c 1000 "$T5" >"$T/cut.model"
run tokenize -m "$T/cut.model"
expect_rc 1 "a truncated model exits 1"
has "$T/err" "truncated" "and says it is truncated"
no_sanitizer "no sanitizer report on a truncated model"
printf 'not a model at all, just text\n' >"$T/text.model"
run tokenize -m "$T/text.model"
expect_rc 1 "a text file as model exits 1"
no_sanitizer "no sanitizer report on a text model"
run tokenize --add-bos -m "$T5"
expect_rc 1 "--add-bos with a model without <s> exits 1"
has "$T/err" "'<s>'" "and names the piece"
echo "5 99999 7" >"$T/bad.ids"
run tokenize -d -m "$T5" "$T/bad.ids"
expect_rc 1 "decoding an id outside the vocabulary exits 1"
has "$T/err" "line 1" "and names the line"
echo "5 x 7" >"$T/bad.ids"
run tokenize -d -m "$T5" "$T/bad.ids"
expect_rc 1 "decoding a word that is not an id exits 1"
run tokenize -d --add-eos -m "$T5"
expect_rc 2 "--add-eos with --decode is a usage error"
done_testing
