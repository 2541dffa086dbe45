#!/usr/bin/python3
"""gen.py: write the PNG variants in png/ and the malformed files in bad/.

Run from tests/data/images.  The PNGs are written by the small encoder
below (not by the code under test, not by Pillow, which cannot write
16-bit colour or interlaced files), from a 37x29 crop of Go's decode of
video-001 (video-001.png in Go's image/jpeg test data).  Beside each X.png,
X.rgb holds the 8-bit RGB pixels the file means: gray replicated, low bit
depths scaled to 0..255 (v * 255 / (2^bits - 1)), 16-bit values reduced to
their high byte, palette entries looked up, alpha dropped.
"""
import random
import struct
import zlib

from PIL import Image

W, H = 37, 29
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
         (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def chunk(kind, data):
    c = struct.pack(">I", len(data)) + kind + data
    return c + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)


def pack_row(vals, bits):
    """vals: samples of one row, each < 2^bits; filter type 0 first."""
    if bits == 16:
        return b"\0" + b"".join(struct.pack(">H", v) for v in vals)
    if bits == 8:
        return b"\0" + bytes(vals)
    out, acc, n = bytearray(), 0, 0
    for v in vals:
        acc = (acc << bits) | v
        n += bits
        if n == 8:
            out.append(acc)
            acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return b"\0" + bytes(out)


def encode(pixels, ctype, bits, interlace=0, plte=None, trns=None):
    """pixels[y][x] is a tuple of samples."""
    h, w = len(pixels), len(pixels[0])
    raw = b""
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for x0, y0, dx, dy in passes:
        xs = list(range(x0, w, dx))
        for y in range(y0, h, dy):
            if xs:
                raw += pack_row([s for x in xs for s in pixels[y][x]], bits)
    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bits, ctype, 0, 0, interlace))
    if plte:
        png += chunk(b"PLTE", b"".join(bytes(c) for c in plte))
    if trns:
        png += chunk(b"tRNS", trns)
    png += chunk(b"IDAT", zlib.compress(raw, 9))
    return png + chunk(b"IEND", b"")


def write(name, pixels, ctype, bits, expect, **kw):
    with open("png/%s.png" % name, "wb") as f:
        f.write(encode(pixels, ctype, bits, **kw))
    with open("png/%s.rgb" % name, "wb") as f:
        f.write(bytes(v for row in expect for px in row for v in px))


def main():
    rnd = random.Random(6)
    src = Image.open("/work/shared/fixtures/real/images/go/video-001.png").convert("RGB")
    src = src.crop((50, 30, 50 + W, 30 + H))
    rgb = [[src.getpixel((x, y)) for x in range(W)] for y in range(H)]
    alpha = [[rnd.randrange(256) for x in range(W)] for y in range(H)]
    # Gray: luma of the crop; 16-bit adds a random low byte.
    gray = [[(r * 299 + g * 587 + b * 114) // 1000 for r, g, b in row] for row in rgb]
    lo = [[rnd.randrange(256) for x in range(W)] for y in range(H)]
    rep = lambda v: (v, v, v)

    for il in (0, 1):
        sfx = "-i" if il else ""
        write("rgb8" + sfx, rgb, 2, 8, rgb, interlace=il)
        write("rgb16" + sfx, [[tuple(v * 256 + lo[y][x] for v in rgb[y][x]) for x in range(W)]
                              for y in range(H)], 2, 16, rgb, interlace=il)
        write("rgba8" + sfx, [[rgb[y][x] + (alpha[y][x],) for x in range(W)] for y in range(H)],
              6, 8, rgb, interlace=il)
        write("gray8" + sfx, [[(v,) for v in row] for row in gray], 0, 8,
              [[rep(v) for v in row] for row in gray], interlace=il)
        for bits in (1, 2, 4):
            m = (1 << bits) - 1
            q = [[v * m // 255 for v in row] for row in gray]
            write("gray%d%s" % (bits, sfx), [[(v,) for v in row] for row in q], 0, bits,
                  [[rep(v * 255 // m) for v in row] for row in q], interlace=il)
        # palette of 16 colours, 4-bit indices, with a tRNS chunk (ignored)
        pal = [tuple(rnd.randrange(256) for _ in range(3)) for _ in range(16)]
        idx = [[rnd.randrange(16) for x in range(W)] for y in range(H)]
        write("pal4" + sfx, [[(i,) for i in row] for row in idx], 3, 4,
              [[pal[i] for i in row] for row in idx], interlace=il, plte=pal,
              trns=bytes(range(0, 256, 32)))
    write("gray16", [[(v * 256 + lo[y][x],) for x, v in enumerate(row)] for y, row in enumerate(gray)],
          0, 16, [[rep(v) for v in row] for row in gray])
    write("graya8", [[(v, alpha[y][x]) for x, v in enumerate(row)] for y, row in enumerate(gray)],
          4, 8, [[rep(v) for v in row] for row in gray])
    write("rgba16", [[tuple(v * 256 + lo[y][x] for v in rgb[y][x]) + (alpha[y][x] * 257,)
                      for x in range(W)] for y in range(H)], 6, 16, rgb)

    # EXIF orientations 1..8 (Pillow writes little-endian "II" EXIF) and a
    # big-endian "MM" one (6) written by hand, on a 40x30 crop.
    crop = Image.open("/work/shared/fixtures/real/images/go/video-001.png").convert("RGB").crop(
        (20, 10, 60, 40))
    for o in range(1, 9):
        ex = Image.Exif()
        ex[0x0112] = o
        crop.save("exif/o%d.jpg" % o, quality=90, exif=ex.tobytes())
    plain = open("exif/o1.jpg", "rb").read()
    i = plain.index(b"\xff\xe1")
    n = struct.unpack(">H", plain[i + 2:i + 4])[0]
    tiff = b"MM\0\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1) + \
        struct.pack(">HHI", 0x0112, 3, 1) + struct.pack(">HH", 6, 0) + struct.pack(">I", 0)
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + 6 + len(tiff)) + b"Exif\0\0" + tiff
    with open("exif/o6-mm.jpg", "wb") as f:
        f.write(plain[:i] + app1 + plain[i + 2 + n:])

    # Malformed files.
    good = encode(rgb, 2, 8)
    with open("bad/badcrc.png", "wb") as f:     # last byte of IDAT's CRC flipped
        i = good.index(b"IEND") - 4 - 1
        f.write(good[:i] + bytes([good[i] ^ 0xFF]) + good[i + 1:])
    with open("bad/truncated.png", "wb") as f:
        f.write(good[: len(good) // 2])
    with open("bad/huge.png", "wb") as f:       # IHDR says 100000 x 100000
        f.write(encode([[(0, 0, 0)]], 2, 8).replace(
            b"IHDR" + struct.pack(">II", 1, 1), b"IHDR" + struct.pack(">II", 100000, 100000))
            [:8] + chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(b"\0\0\0\0")) + chunk(b"IEND", b""))
    jpg = open("video-001.jpeg", "rb").read()
    with open("bad/truncated.jpg", "wb") as f:
        f.write(jpg[:3000])
    with open("bad/huge.jpg", "wb") as f:       # SOF0 says 65000 x 65000
        i = jpg.index(b"\xff\xc0")
        f.write(jpg[: i + 5] + b"\xfd\xe8\xfd\xe8" + jpg[i + 9:])
    open("bad/empty.jpg", "wb").close()
    with open("bad/text.jpg", "w") as f:
        f.write("this is not an image\n")
    with open("bad/garbage.jpg", "wb") as f:    # a JPEG SOI, then noise
        f.write(b"\xff\xd8" + bytes(rnd.randrange(256) for _ in range(500)))


main()
