#!/bin/sh
# build_jobs.sh: adalink build -j 1, 2 and 4 write byte-identical shards
# (cmp) and record the same rows, for text (the real CoLA dev file) and
# for real JPEGs embedded by a ViT, whose config gives the image and patch
# sides when --size and --patch are not given.
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
	p=$(sqlite3 "$T/img1.db" "SELECT '$T/' || path FROM shards WHERE seq = 0")
	/usr/bin/python3 "$SRCDIR/tests/ref/shard_read.py" "$p" | head -1 >"$T/x.json"
	has "$T/x.json" '"patches": 196, "dim": 192' "196 patches of the ViT's width 192"
	# Without --size and --patch the ViT's config decides (vit-tiny: 224 and
	# 16): the same shards as with them given, and the same build parameters.
	run build -j 2 -c "$T/imgv.db" -O "$T/imgv" -n coco -m "$M" -V "$T/vit.safetensors" \
		-N 3 coco "$T/coco"
	expect_rc 0 "build through the ViT without --size and --patch"
	n=0 bad=0
	for f in "$T/img1"/*.als; do
		cmp -s "$f" "$T/imgv/${f##*/}" || bad=$((bad + 1))
		n=$((n + 1))
	done
	[ "$(ls "$T/imgv" | wc -l)" -eq "$n" ] && [ $bad -eq 0 ] && [ "$(q "$T/imgv.db")" = "$(q "$T/img1.db")" ]
	ok $? "the ViT's 224 and 16 are taken: the same $n shards, byte for byte, as with -S 224 -P 16"
	pq() { sqlite3 "$1" "SELECT params FROM builds"; }
	[ "$(pq "$T/imgv.db")" = "$(pq "$T/img1.db")" ]
	ok $? "and the same parameters recorded (an identical build)"
	run build -c "$T/imgx.db" -O "$T/imgx" -n coco -m "$M" -V "$T/vit.safetensors" -S 112 coco "$T/coco"
	expect_rc 1 "--size other than the ViT's image_size is refused"
	has "$T/err" "image size 112 disagrees with the ViT '$T/vit.safetensors' (image_size 224)" \
		"naming both sizes"
	run build -c "$T/imgx.db" -O "$T/imgx" -n coco -m "$M" -V "$T/vit.safetensors" -P 14 coco "$T/coco"
	expect_rc 1 "--patch other than the ViT's patch_size is refused"
	has "$T/err" "patch size 14 disagrees with the ViT '$T/vit.safetensors' (patch_size 16)" \
		"naming both patch sizes"
	[ ! -e "$T/imgx" ] || [ -z "$(ls "$T/imgx")" ]
	ok $? "and writes no shard"
else
	ok 0 "# SKIP no Pillow to make JPEGs"
fi
done_testing
