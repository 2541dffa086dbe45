#!/bin/sh
# options.sh: one meaning per short option letter across the commands.
# Each command's short letters and long names are read from its --help
# ("  -x, --long ARG  text" and "  -x, -y, --long ARG"); a letter that names
# two different long options in two commands fails, unless all of them but
# one are in the list below.
. "${SRCDIR:-.}/tests/cli/lib.sh"

# LETTER LONG: the letter may also mean LONG.  Each line says why, or, as
# "debt:", which command's file still has to change (delete the line when
# it has).
cat >"$T/allowed" <<'EOF'
c config      init: --config NAME; init never opens a catalog
d decode      tokenize: as spm_decode; tokenize reads stdin, no --data
d dtype       debt: build -d (pipeline/cmd_build.c)
e per-example score: its own output mode; score trains nothing
f act         train: the module's activation, the paper's f
f format      score: the predictions' format; score trains nothing
k beam        predict: the beam width, as decoders call it
k every       debt: plot -k (trainer/cmd_plot.c)
k skip-bad    debt: ingest -k (datasets/cmd_ingest.c)
l limit       debt: build -l, where ingest says -n (pipeline/cmd_build.c)
l list        ingest: --list
l lr          train: the learning rate
m allow-missing debt: score -m (metrics/cmd_score.c)
m meta        inspect: one of its views (-t, -m, -s); inspect reads no model
n limit       ingest: as head -n
n name        build: the build's name, what train -t and predict -d take
n steps       train: the step count
O optimizer   train: the optimizer
O out         debt: build -O, where every other command writes with -o (pipeline/cmd_build.c)
p dropout     train: the dropout probability
p length-penalty debt: predict -p (trainer/cmd_predict.c)
p patch       patches: the patch size; patches reads images only
p pieces      tokenize: as spm_encode's pieces
p preds       score: beside -r refs
r rank        train: the rank
r refs        score: beside -p preds
r rest        debt: merge -r (trainer/cmd_merge.c)
s seed        train: the seed
s size        patches: the image size; patches reads images only
s split       ingest and build: the split
s summary     inspect: one of its views (-t, -m, -s)
t pretokenized debt: score -t (metrics/cmd_score.c)
t task        ingest, build and merge: the task
t tensors     inspect: one of its views (-t, -m, -s)
t train       train: the builds to train on
T per-task    train: a module per task
T template    debt: build -T (pipeline/cmd_build.c)
EOF

run --help
cmds=$(sed -n '/^commands:/,/^$/p' "$T/out" | awk 'NR > 1 && NF && $1 != "help" { print $1 }')
: >"$T/letters"
for c in $cmds; do
	"$ADALINK" "$c" --help >"$T/help" 2>&1
	# "-a, -b, --long" -> "a long CMD", "b long CMD"
	sed -n 's/^ *\(\(-[A-Za-z0-9], \)\{1,\}\)--\([a-z0-9-]*\).*/\1\3/p' "$T/help" |
		awk -v c="$c" '{ n = split($0, f, ", "); for (i = 1; i < n; i++) print substr(f[i], 2), f[n], c }' \
		>>"$T/letters"
done
[ "$(wc -l <"$T/letters")" -gt 50 ]
ok $? "read the short options of every command ($(wc -l <"$T/letters") letters)"

# letters with more than one long name, and the names not allowed
awk 'FNR == NR { ok[$1 " " $2] = 1; next }
     { k = $1 " " $2; if (!(k in seen)) { seen[k] = $3; n[$1]++; longs[$1] = longs[$1] " " $2 }
       else seen[k] = seen[k] "," $3 }
     END { for (l in n) if (n[l] > 1) { m = split(longs[l], a, " "); bad = ""; k = 0
             for (i = 1; i <= m; i++) if (!((l " " a[i]) in ok)) {
               k++; bad = bad sprintf(" --%s (%s)", a[i], seen[l " " a[i]]) }
             if (k > 1) printf "-%s means%s\n", l, bad } }' \
	"$T/allowed" "$T/letters" | sort >"$T/clash"
[ ! -s "$T/clash" ]
ok $? "no letter means two long options across commands but those listed"
sed 's/^/#   /' "$T/clash"

# the case the issue found: -m is the SentencePiece model everywhere
awk '$1 == "m" && $2 != "model" && $3 != "score" && $3 != "inspect"' "$T/letters" >"$T/m"
[ ! -s "$T/m" ]
ok $? "-m is --model in every command that reads a SentencePiece model"
sed 's/^/#   /' "$T/m"
for c in $(awk '$2 == "model" { print $3 }' "$T/letters"); do
	grep -q "^m model $c\$" "$T/letters"
	ok $? "$c: --model has -m"
done
grep -q "^. micro train" "$T/letters"
[ $? -ne 0 ]
ok $? "train: --micro has no letter"

# train -m takes the model: a dev-metric run needs it, and -m 8 is no model
B="$TESTDATA/adalink/backbone.safetensors"
run train -b "$B" -d "$TESTDATA/adalink/batch.jsonl" -D "$TESTDATA/adalink/batch.jsonl" \
	-m "$TESTDATA/spm/t5_spiece.model" --metric bleu -n 1 -B 2 -o "$T/a.safetensors"
expect_rc 0 "train -m SPM is the model --metric decodes with"
has "$T/err" "dev metric: bleu" "which scores the dev set"
run train -b "$B" -d "$TESTDATA/adalink/batch.jsonl" -D "$TESTDATA/adalink/batch.jsonl" \
	-m "$T/no-such.model" --metric bleu -n 1 -B 2 -o "$T/a.safetensors"
expect_rc 1 "train -m FILE reads FILE"
has "$T/err" "no-such.model" "naming it"
run train -b "$B" -d "$TESTDATA/adalink/batch.jsonl" --micro 1 -B 2 -n 1 -p 0 -o "$T/a.safetensors"
expect_rc 0 "train --micro still works"
run train -b "$B" -c "$T/none.db" -t x -n 1 -o "$T/a.safetensors"
expect_rc 1 "train -c is the catalog, as in build, shards and runs"
has "$T/err" "none.db" "naming it"
done_testing
