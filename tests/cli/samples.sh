#!/bin/sh
# samples.sh: the COCO sample tests/fixtures/mkdist.py writes (the demo's and
# the README's) holds real JPEGs: djpeg and Pillow decode every one, and
# adalink build takes the archive with its images.
. "${SRCDIR:-.}/tests/cli/lib.sh"
PY=/usr/bin/python3
"$PY" "$SRCDIR/tests/fixtures/mkdist.py" "$T/s" coco >/dev/null
ok $? "mkdist.py writes the COCO sample"
find "$T/s/coco" -name '*.jpg' | sort >"$T/jpgs"
[ -s "$T/jpgs" ]
ok $? "with $(wc -l <"$T/jpgs") JPEGs"
if command -v djpeg >/dev/null 2>&1; then
	bad=0
	while read -r f; do djpeg "$f" >/dev/null 2>"$T/e" || { bad=1; sed 's/^/#   /' "$T/e"; }; done <"$T/jpgs"
	ok $bad "djpeg decodes each"
fi
if "$PY" -c 'import PIL' 2>/dev/null; then
	"$PY" -c '
import sys
from PIL import Image
for f in sys.stdin.read().split():
    im = Image.open(f)
    im.load()
    assert im.size == (8, 8) and im.mode == "RGB", (f, im.size, im.mode)
' <"$T/jpgs" 2>"$T/e"
	ok $? "Pillow decodes each: 8 x 8 RGB"
	sed 's/^/#   /' "$T/e" | tail -3
fi
for a in coco.tar.gz coco.zip; do
	run build -c "$T/c.db" -O "$T/shards" -n "$a" -m "$TESTDATA/spm/t5_spiece.model" coco "$T/s/$a"
	expect_rc 0 "build coco $a with its images"
	has "$T/out" "images	3" "three images"
done
done_testing
