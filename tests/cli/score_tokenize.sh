#!/bin/sh
# score_tokenize.sh: adalink score --tokenize against the real CoreNLP
# 3.4.1 PTBTokenizer's output as pycocoevalcap runs it
# (tests/data/ptb/ptb_golden_large.jsonl: 6000 captions in one run, line
# 4778 a known difference; ptb_golden_linebreaks.jsonl: captions holding
# characters CoreNLP reads as line breaks), and --breaks-as-spaces.
. "${SRCDIR:-.}/tests/cli/lib.sh"
D="$TESTDATA/ptb"
PY=/usr/bin/python3

# the raw captions, one a line (a newline inside made a space, as
# pycocoevalcap does), and the reference's tokens
"$PY" - "$D/ptb_golden_large.jsonl" "$T" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
with open(sys.argv[2] + "/raw", "w", encoding="utf-8", newline="") as f:
    f.write("".join(r["raw"].replace("\n", " ") + "\n" for r in rows))
with open(sys.argv[2] + "/want", "w", encoding="utf-8", newline="") as f:
    f.write("".join(r["tokens"] + "\n" for r in rows))
PYEOF
ok $? "read the golden captions"
"$ADALINK" score --tokenize <"$T/raw" >"$T/got" 2>"$T/err"
ok $? "--tokenize reads captions on standard input"
[ "$(wc -l <"$T/got")" -eq 6000 ]
ok $? "one line per caption"
# line 4778 (0-based) is file line 4779
awk 'NR != 4779' "$T/got" >"$T/got2"
awk 'NR != 4779' "$T/want" >"$T/want2"
same "$T/got2" "$T/want2" "every line but one known equals CoreNLP 3.4.1's tokens (one run)"

# line break characters: each caption in a run of its own; the first
# output line is the caption's, as the official evaluation pairs them
"$PY" - "$D/ptb_golden_linebreaks.jsonl" "$T" <<'PYEOF'
import json, sys
for i, l in enumerate(open(sys.argv[1], encoding="utf-8")):
    r = json.loads(l)
    with open("%s/lb%02d" % (sys.argv[2], i), "w", encoding="utf-8", newline="") as f:
        f.write(r["raw"].replace("\n", " ") + "\n")
    with open("%s/lb%02d.want" % (sys.argv[2], i), "w", encoding="utf-8", newline="") as f:
        f.write(r["tokens"] + "\n")
    with open("%s/lb%02d.spaces" % (sys.argv[2], i), "w", encoding="utf-8", newline="") as f:
        f.write(" ".join(x for x in r["java_lines"] if x) + "\n")
PYEOF
bad=0
bads=0
for f in "$T"/lb[0-9][0-9]; do
	"$ADALINK" score --tokenize <"$f" >"$f.got" 2>>"$T/err" && cmp -s "$f.got" "$f.want" ||
		{ bad=$((bad + 1)); echo "#   $(cat "$f.got") / $(cat "$f.want")"; }
	"$ADALINK" score --tokenize --breaks-as-spaces <"$f" >"$f.got" 2>>"$T/err" &&
		cmp -s "$f.got" "$f.spaces" ||
		{ bads=$((bads + 1)); echo "#   $(cat "$f.got") / $(cat "$f.spaces")"; }
done
[ $bad -eq 0 ]
ok $? "\\r, \\v, \\f, U+2028, U+2029 end the caption's line, as in CoreNLP (36 captions)"
[ $bads -eq 0 ]
ok $? "--breaks-as-spaces: they are spaces, the caption whole"
printf 'A dog \r on grass\nTwo cats.\n' | "$ADALINK" score --tokenize >"$T/out" 2>"$T/err"
printf 'a dog\non grass\n' >"$T/want"
same "$T/out" "$T/want" "a line break shifts the next caption, as the official evaluation does"
printf 'A dog \r on grass\nTwo cats.\n' | "$ADALINK" score --tokenize --breaks-as-spaces >"$T/out" 2>"$T/err"
printf 'a dog on grass\ntwo cats\n' >"$T/want"
same "$T/out" "$T/want" "--breaks-as-spaces keeps each caption on its line"

run score --tokenize cider
expect_rc 2 "--tokenize takes no METRIC"
run score --tokenize --refs "$T/raw"
expect_rc 2 "nor files"
no_sanitizer "no sanitizer report"
done_testing
