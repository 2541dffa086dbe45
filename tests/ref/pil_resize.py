#!/usr/bin/python3
"""pil_resize.py FILE SIZE FILTER DRAFT [EXIF]: Pillow's view of FILE resized.

Writes "WIDTH HEIGHT\n" and then the raw 8-bit RGB pixels of
Image.open(FILE) -> [draft("RGB", (SIZE, SIZE)) if DRAFT is 1] ->
[ImageOps.exif_transpose if EXIF is 1] -> convert("RGB") ->
resize((SIZE, SIZE), FILTER) on standard output.
FILTER is bilinear, bicubic or none (SIZE 0 and none: the decode only).
"""
import sys

from PIL import Image, ImageOps

path, size, filt, draft = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
im = Image.open(path)
if draft:
    im.draft("RGB", (size, size))
if len(sys.argv) > 5 and sys.argv[5] == "1":
    im = ImageOps.exif_transpose(im)
im = im.convert("RGB")
if filt != "none":
    im = im.resize((size, size), {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}[filt])
sys.stdout.buffer.write(b"%d %d\n" % im.size + im.tobytes())
