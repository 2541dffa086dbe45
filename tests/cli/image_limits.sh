#!/bin/sh
# image_limits.sh: an image is data from a file: one far longer than wide
# (small once compressed) is refused before gigabytes of filter weights
# are asked for.
. "${SRCDIR:-.}/tests/cli/lib.sh"
/usr/bin/python3 -c 'from PIL import Image; import sys; Image.new("RGB", (1000000, 1), (9, 99, 199)).save(sys.argv[1])' "$T/long.png"
run patches -o "$T/p.safetensors" "$T/long.png"
expect_rc 1 "a 1000000x1 PNG is refused"
has "$T/err" "more than 2048x smaller" "saying why"
no_sanitizer "without a sanitizer report"
/usr/bin/python3 -c 'from PIL import Image; import sys; Image.new("RGB", (4000, 2), (9, 99, 199)).save(sys.argv[1])' "$T/ok.png"
run patches -o "$T/q.safetensors" "$T/ok.png"
expect_rc 0 "a 4000x2 PNG (a 1786x shrink) is still resized"
done_testing
