#!/bin/sh
# plot.sh: adalink plot draws what the catalog holds: an SVG that parses,
# one line per run and panel, whose points are the logged values mapped
# onto the axes (checked with python3's XML parser against runs history).
. "${SRCDIR:-.}/tests/cli/lib.sh"
D="$TESTDATA/adalink"
B="$D/backbone.safetensors"
C="$T/runs.db"
PY=/usr/bin/python3

run train -q -b "$B" -d "$D/batch.jsonl" -D "$D/batch.jsonl" -C "$C" -r 4 -O adamw -l 3e-2 \
	-n 12 -B 3 -e 4 -p 0 -o "$T/a.safetensors"
run train -q -b "$B" -d "$D/batch.jsonl" -D "$D/batch.jsonl" -C "$C" -r 4 -O adamw -l 1e-2 \
	-n 8 -B 3 -e 4 -p 0 -o "$T/b.safetensors"
run plot -c "$C" -o "$T/c.svg" a b
expect_rc 0 "plot two runs"
"$ADALINK" runs history -c "$C" a >"$T/ha"
cat >"$T/check.py" <<'PYEOF'
import sys, xml.dom.minidom as m
svg, hist = sys.argv[1], sys.argv[2]
d = m.parse(svg)
lines = d.getElementsByTagName("polyline")
labels = [l.getAttribute("data-label") for l in lines]
assert labels == ["a", "b", "a", "b"], labels
rows = [r.rstrip("\n").split("\t") for r in open(hist)]
head = rows[0]
li, di = head.index("loss"), head.index("dev_loss")
def pts(l):
    return [tuple(map(float, p.split(","))) for p in l.getAttribute("points").split()]
def affine(xs, ps):
    # ps is a + b * xs exactly (to 0.02 px: the SVG keeps two decimals)
    n = len(xs)
    mx, mp = sum(xs) / n, sum(ps) / n
    b = sum((x - mx) * (p - mp) for x, p in zip(xs, ps)) / sum((x - mx) ** 2 for x in xs)
    return max(abs(mp + b * (x - mx) - p) for x, p in zip(xs, ps)), b
for li_, panel in ((li, lines[0]), (di, lines[2])):
    steps = [float(r[0]) for r in rows[1:] if r[li_] != ""]
    vals = [float(r[li_]) for r in rows[1:] if r[li_] != ""]
    p = pts(panel)
    assert len(p) == len(vals), (len(p), len(vals))
    ex, bx = affine(steps, [q[0] for q in p])
    ey, by = affine(vals, [q[1] for q in p])
    assert ex < 0.02 and bx > 0, (ex, bx)
    assert ey < 0.02 and by < 0, (ey, by)   # SVG y grows downwards
print("ok")
PYEOF
$PY "$T/check.py" "$T/c.svg" "$T/ha" >"$T/py" 2>&1
ok $? "the SVG parses; its lines are run a's losses and dev losses on affine axes"
sed 's/^/#   /' "$T/py" | grep -v '^#   ok$'

run plot -c "$C" -D none -k 4 -o "$T/d.svg" a
expect_rc 0 "plot the loss alone, in means of 4 steps"
n=$(grep -c '<polyline' "$T/d.svg")
[ "$n" -eq 1 ]
ok $? "one line ($n)"
pts=$(grep -o 'points="[^"]*"' "$T/d.svg" | wc -w)
[ "$pts" -eq 3 ]
ok $? "of 12 steps / 4 = 3 points ($pts)"

run plot -c "$C" -o "$T/e.svg" a nosuch
expect_rc 1 "an unknown run exits 1"
has "$T/err" "no run 'nosuch'" "naming it"
[ ! -e "$T/e.svg" ]
ok $? "and writes nothing"
run plot -c "$C" -D cider -o "$T/e.svg" a
expect_rc 1 "a dev value never logged exits 1"
has "$T/err" "dev_cider" "naming it"
run plot -c "$C" -o "$T/e.pdf" a
expect_rc 2 "an output that is neither .svg nor .png is a usage error"
run plot -c "$C" -o "$T/e.svg"
expect_rc 2 "no run is a usage error"
if command -v gnuplot >/dev/null 2>&1; then
	run plot -c "$C" -o "$T/c.png" a b
	expect_rc 0 "a PNG through gnuplot"
	[ "$(head -c 8 "$T/c.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]
	ok $? "with a PNG signature"
	# a run name is data, never a command: backquotes, quotes and system()
	# in names and in the output path reach gnuplot as plain text
	rm -f "$T/PWNED" "$T/PWNED2"
	evil="x\`touch $T/PWNED\`\"'y"
	run train -q -b "$B" -d "$D/batch.jsonl" -C "$C" --run "$evil" -r 4 -n 2 -B 3 -o "$T/ev.safetensors"
	run train -q -b "$B" -d "$D/batch.jsonl" -C "$C" --run "z' . system('touch $T/PWNED2') . '" -r 4 \
		-n 2 -B 3 -o "$T/ev2.safetensors"
	run plot -c "$C" -o "$T/it's \`x\`.png" a "$evil" "z' . system('touch $T/PWNED2') . '"
	expect_rc 0 "plot runs whose names hold backquotes, quotes and system()"
	[ ! -e "$T/PWNED" ] && [ ! -e "$T/PWNED2" ]
	ok $? "and nothing in them runs"
	[ "$(head -c 8 "$T/it's \`x\`.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]
	ok $? "the PNG is written to the path as given"
else
	ok 0 "# SKIP gnuplot is not installed: no PNG"
fi
done_testing
