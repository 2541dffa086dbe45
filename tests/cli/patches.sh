#!/bin/sh
# patches.sh: adalink patches against Pillow + numpy (tests/ref/patches_ref.py
# reads the output with numpy and redoes the work with python3-pil), the
# PNG view, the pass-through, bad images and usage errors.
. "${SRCDIR:-.}/tests/cli/lib.sh"
D="$TESTDATA/images"
PY=/usr/bin/python3
REF="$SRCDIR/tests/ref/patches_ref.py"
have_pil=0
"$PY" -c 'import PIL, numpy' 2>/dev/null && have_pil=1

run patches -o "$T/a.safetensors" --png "$T/png" "$D/COCO_val2014_000000000241.jpg" "$D/video-005.gray.jpeg"
expect_rc 2 "--png with several images wants a directory"
mkdir "$T/png"
run patches -o "$T/a.safetensors" --png "$T/png" "$D/COCO_val2014_000000000241.jpg" \
	"$D/video-005.gray.jpeg" "$D/video-001.cmyk.jpeg" "$D/png/pal4-i.png"
expect_rc 0 "four images, defaults"
no_sanitizer "no sanitizer report"
run inspect -tH "$T/a.safetensors"
cut -f2,3 "$T/out" | sort -u >"$T/shapes"
printf 'F32\t[256,588]\n' >"$T/want"
same "$T/shapes" "$T/want" "one F32 [256, 588] tensor per image (224 / 14 = 16, 16 x 16 patches)"
[ "$(wc -l <"$T/out")" -eq 4 ]
ok $? "four tensors"
run inspect -mH "$T/a.safetensors"
has "$T/out" "$(printf 'layout\tpatches row-major')" "the layout is recorded in the metadata"
[ -f "$T/png/COCO_val2014_000000000241.png" ] && [ -f "$T/png/video-001.cmyk.png" ]
ok $? "--png DIR writes DIR/NAME.png per image"
if [ $have_pil = 1 ]; then
	"$PY" "$REF" "$T/a.safetensors" >"$T/ref" 2>&1
	ok $? "values equal Pillow resize + numpy normalise/patchify (1e-6)"
	sed 's/^/#   /' "$T/ref"
	run patches -o "$T/b.safetensors" --png "$T/b.png" "$D/COCO_val2014_000000000294.jpg"
	"$PY" "$REF" "$T/b.safetensors" --png "$T/b.png" >"$T/ref" 2>&1
	ok $? "--png OUT holds Pillow's resized image"
	sed 's/^/#   /' "$T/ref"
	run patches -s 112 -p 16 --draft --filter bicubic --dtype f16 \
		--mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 -o "$T/c.safetensors" \
		"$D/COCO_val2014_000000000241.jpg" "$D/COCO_val2014_000000000294.jpg" "$D/video-001.cmyk.jpeg"
	expect_rc 0 "draft, bicubic, f16, ImageNet statistics, 112 / 16"
	"$PY" "$REF" "$T/c.safetensors" --tol 1e-3 >"$T/ref" 2>&1
	ok $? "values equal Pillow draft + resize + numpy (f16: 1e-3 relative)"
	sed 's/^/#   /' "$T/ref"
	run patches -o "$T/l.safetensors" "$D"/layouts/*.jpeg
	expect_rc 0 "JPEG chroma layouts TurboJPEG cannot name (4:1:0, 4:4:1, 2x1 and 1x2 per component)"
	"$PY" "$REF" "$T/l.safetensors" >"$T/ref" 2>&1
	ok $? "their values equal Pillow resize + numpy"
	sed 's/^/#   /' "$T/ref"
	run patches -s 56 --draft -o "$T/ld.safetensors" "$D"/layouts/*.jpeg
	expect_rc 0 "the same layouts with draft (DCT-scaled to 1/2)"
	"$PY" "$REF" "$T/ld.safetensors" >"$T/ref" 2>&1
	ok $? "their values equal Pillow draft + resize + numpy"
	sed 's/^/#   /' "$T/ref"
	run patches --exif -s 28 -o "$T/x.safetensors" "$D"/exif/o*.jpg
	expect_rc 0 "--exif on the eight orientations"
	"$PY" "$REF" "$T/x.safetensors" >"$T/ref" 2>&1
	ok $? "values equal Pillow exif_transpose + resize + numpy"
	sed 's/^/#   /' "$T/ref"
else
	echo "# python3-pil or python3-numpy missing: Pillow references skipped"
fi

# A frozen ViT: a small random one (every tensor random) written by the
# python3-torch reference, as one file ("vit." names, config in metadata)
# and as a folder (config.json, plain names); outputs within 1e-4 relative
# of the reference forward, which convolves Pillow's resized image itself.
VREF="$SRCDIR/tests/ref/vit_ref.py"
if [ $have_pil = 1 ] && "$PY" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("torch") is None)' 2>/dev/null; then
	"$PY" "$VREF" make "$T/vit.safetensors"
	"$PY" "$VREF" make-folder "$T/vitdir"
	"$PY" "$VREF" bad "$T/vitbad.safetensors"
	run patches --vit "$T/vit.safetensors" -o "$T/v.safetensors" \
		"$D/COCO_val2014_000000000241.jpg" "$D/video-001.cmyk.jpeg" "$D/png/rgb16-i.png"
	expect_rc 0 "--vit FILE: S and P from the config (56, 14)"
	run patches --vit "$T/vitdir" -o "$T/v2.safetensors" "$D/COCO_val2014_000000000294.jpg"
	expect_rc 0 "--vit FOLDER"
	"$PY" "$VREF" check "$T/vit.safetensors" "$T/v.safetensors" "$T/vitdir" "$T/v2.safetensors" >"$T/ref" 2>&1
	ok $? "embeddings [16, 32] within 1e-4 of the torch reference, from a file and a folder"
	sed 's/^/#   /' "$T/ref"
	run patches --vit "$T/vitbad.safetensors" -o "$T/v3.safetensors" "$D/video-001.jpeg"
	expect_rc 1 "a ViT with a wrong shape: exit 1"
	has "$T/err" "'$T/vitbad.safetensors': tensor 'vit.encoder.layer.1.attention.attention.query.weight' has shape [32,31], expected [32,32]" \
		"naming the file, the tensor and the shapes"
	run patches --vit "$T/vit.safetensors" -s 224 -o "$T/v3.safetensors" "$D/video-001.jpeg"
	expect_rc 2 "--size other than the ViT's is a usage error"
	has "$T/err" "image size 224 disagrees with the ViT '$T/vit.safetensors' (image_size 56)" \
		"naming both sizes"
else
	echo "# python3-torch missing: ViT reference skipped"
fi
run init --config vit-tiny --seed 3 -o "$T/tiny.safetensors"
expect_rc 0 "init vit-tiny"
run inspect -s "$T/tiny.safetensors"
has "$T/out" "$(printf '198 tensors\t5524416 parameters')" "198 tensors, 5,524,416 parameters (DeiT-tiny's ViTModel without pooler)"
run patches --vit "$T/tiny.safetensors" --dtype f16 -o "$T/t.safetensors" "$D/video-001.jpeg"
expect_rc 0 "patches through vit-tiny"
run inspect -tH "$T/t.safetensors"
has "$T/out" "$(printf 'F16\t[196,192]')" "196 patch tokens of width 192"
run init --config vit-giant -o "$T/x.safetensors"
expect_rc 2 "an unknown geometry is a usage error"

# Threads do not change the output; - reads standard input.
run patches -j 1 -o "$T/j1.safetensors" "$D/COCO_val2014_000000000241.jpg" "$D/video-001.jpeg" "$D/png/gray8-i.png"
run patches -j 3 -o "$T/j3.safetensors" "$D/COCO_val2014_000000000241.jpg" "$D/video-001.jpeg" "$D/png/gray8-i.png"
same "$T/j1.safetensors" "$T/j3.safetensors" "-j 1 and -j 3 write the same bytes"
"$ADALINK" patches -o "$T/stdin.safetensors" - <"$D/video-001.jpeg" 2>"$T/err"
ok $? "- reads the image from standard input"
"$ADALINK" inspect -tH "$T/stdin.safetensors" | cut -f1-3 >"$T/out"
printf -- '-\tF32\t[256,588]\n' >"$T/want"
same "$T/out" "$T/want" "as a tensor named -"

# An image already S x S passes through unchanged.
run patches -s 224 -o "$T/d.safetensors" --png "$T/d.png" "$T/png/video-001.cmyk.png"
expect_rc 0 "a 224 x 224 PNG"
same "$T/d.png" "$T/png/video-001.cmyk.png" "is written back unchanged"

# Bad images: exit 1 naming the file; nothing written.
for f in truncated.jpg huge.jpg empty.jpg text.jpg garbage.jpg badcrc.png truncated.png huge.png; do
	run patches -o "$T/bad.safetensors" "$D/video-001.jpeg" "$D/bad/$f"
	expect_rc 1 "bad/$f: exit 1"
	has "$T/err" "adalink patches: '$D/bad/$f'" "bad/$f: the message names the file"
	no_sanitizer "bad/$f: no sanitizer report"
done
[ ! -e "$T/bad.safetensors" ]
ok $? "no output is left behind"
run patches -o "$T/bad.safetensors" "$D/bad/huge.png"
has "$T/err" "100000x100000" "the pixel limit names the size"
run patches --max-pixels 15000 -o "$T/bad.safetensors" "$D/video-001.jpeg"
expect_rc 1 "--max-pixels 15000 refuses 150 x 103"
has "$T/err" "over the limit of 15000" "saying so"
run patches --skip-bad -o "$T/e.safetensors" "$D/bad/truncated.jpg" "$D/video-001.jpeg" "$D/bad/text.jpg"
expect_rc 0 "--skip-bad goes on"
has "$T/err" "skipped 2 of 3 images" "and counts the skipped"
run inspect -tH "$T/e.safetensors"
[ "$(wc -l <"$T/out")" -eq 1 ] && grep -qF "$D/video-001.jpeg" "$T/out"
ok $? "the good image is written"

# Usage errors.
for args in "$D/video-001.jpeg" "-o $T/x.safetensors" "-s 0 -o $T/x.safetensors $D/video-001.jpeg" \
	"-p 15 -o $T/x.safetensors $D/video-001.jpeg" "--dtype f64 -o $T/x.safetensors $D/video-001.jpeg" \
	"--filter lanczos -o $T/x.safetensors $D/video-001.jpeg" "--mean 1,2 -o $T/x.safetensors $D/video-001.jpeg" \
	"--std 0.5,0,0.5 -o $T/x.safetensors $D/video-001.jpeg" \
	"--std nan,1,1 -o $T/nf.safetensors $D/video-001.jpeg" "--mean inf,0,0 -o $T/nf.safetensors $D/video-001.jpeg" \
	"--mean 0,-nan,0 -o $T/nf.safetensors $D/video-001.jpeg" \
	"--mean 1e38,0,0 --std 0.1,1,1 -o $T/nf.safetensors $D/video-001.jpeg" \
	"--png - -o - $D/video-001.jpeg"; do
	# shellcheck disable=SC2086
	run patches $args
	expect_rc 2 "usage error: patches $args"
done
[ ! -e "$T/nf.safetensors" ]
ok $? "a non-finite --mean or --std writes no output"
done_testing
