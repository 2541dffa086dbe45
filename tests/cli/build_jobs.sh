#!/bin/sh
# build_jobs.sh: adalink build -j 1, 2 and 4 write byte-identical shards
# (cmp) and record the same rows, for text (the real CoLA dev file) and
# for real JPEGs embedded by a ViT.
. "${SRCDIR:-.}/tests/cli/lib.sh"
M="$TESTDATA/spm/t5_spiece.model"
G="$TESTDATA/datasets/real/glue_data"
q() { sqlite3 "$1" "SELECT seq, examples, bytes, checksum FROM shards ORDER BY seq"; }

# same_builds NAME: the shards of $T/NAME1 (-j 1) equal those of -j 2 and -j 4
same_builds() {
	n=0 bad=0
	for f in "$T/$1"1/*.als; do
		for j in 2 4; do
			cmp -s "$f" "$T/$1$j/${f##*/}" || bad=$((bad + 1))
		done
		n=$((n + 1))
	done
	for j in 2 4; do
		[ "$(ls "$T/$1$j" | wc -l)" -eq "$n" ] || bad=$((bad + 1))
		[ "$(q "$T/$1$j.db")" = "$(q "$T/${1}1.db")" ] || bad=$((bad + 1))
	done
	[ "$n" -gt 1 ] && [ $bad -eq 0 ]
}

for j in 1 2 4; do
	run build -j $j --stats -c "$T/cola$j.db" -O "$T/cola$j" -n cola -m "$M" -t cola -N 50 glue "$G"
	expect_rc 0 "build cola -j $j"
	has "$T/err" "$(printf 'threads %d\t' $j)" "--stats: $j thread(s) did the work"
done
has "$T/out" "$(printf 'examples\t527\t')" "all 527 CoLA dev examples"
same_builds cola
ok $? "-j 1, 2 and 4: the same $n shards, byte for byte, and the same shard rows"

if /usr/bin/python3 -c 'import PIL' 2>/dev/null; then
	/usr/bin/python3 "$SRCDIR/tests/fixtures/mkcoco.py" "$T/coco" 10 160x120
	run init -c vit-tiny --seed 3 -o "$T/vit.safetensors"
	expect_rc 0 "a random vit-tiny"
	for j in 1 2 4; do
		run build -j $j -c "$T/img$j.db" -O "$T/img$j" -n coco -m "$M" -V "$T/vit.safetensors" \
			-S 224 -P 16 -N 3 coco "$T/coco"
		expect_rc 0 "build 10 real JPEGs through the ViT with -j $j"
	done
	has "$T/out" "$(printf 'images\t10\t')" "10 images embedded"
	same_builds img
	ok $? "-j 1, 2 and 4: the same $n shards of ViT embeddings, byte for byte"
	# the embeddings are not all zero (the ViT ran)
	p=$(sqlite3 "$T/img1.db" "SELECT path FROM shards WHERE seq = 0")
	/usr/bin/python3 "$SRCDIR/tests/ref/shard_read.py" "$p" | head -1 >"$T/x.json"
	has "$T/x.json" '"patches": 196, "dim": 192' "196 patches of the ViT's width 192"
else
	ok 0 "# SKIP no Pillow to make JPEGs"
fi
done_testing
