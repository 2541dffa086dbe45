#!/usr/bin/python3
"""spm_gen.py: write text lines that stress SentencePiece normalization and
segmentation, for the tokenizer tests (compared with spm_encode).

    spm_gen.py varied OUT      the fixed file of hand-picked cases
    spm_gen.py random SEED N OUT   N random lines drawn from the same pools
"""
import random
import sys

POOLS = [
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789",
    ".,;:!?'\"()[]{}<>-_/\\@#$%^&*+=~`|",
    "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿœšžŀĳ ÀÉÎÕÜ ß",
    "漢字日本語中文한국어ひらがなカタカナ　、。「」",
    "ｶﾀｶﾅｶﾞﾊﾟＡＢＣａｂｃ０１２３！＂＃＄％＆（）～",
    "😀😃👍🏽👨‍👩‍👧‍👦🇯🇵🇫🇷❤️✨🚀",
    "e\u0301 a\u0300 o\u0308 n\u0303 \u0327c \u1100\u1161\u11a8 \u0915\u093f",
    "ﬁﬂﬀ Ⅻ ① ² ³ ㍿ ㌀ ℃ № ™ Å K ½ ¼",
    "\u00a0\u2002\u2003\u2009\u200b\u200c\u200d\u2028\u3000\ufeff",
    "\t\r\x0b\x0c\x01\x02\x07\x1b\x7f\u0085",
    "Ελληνικά Русский עברית العربية हिन्दी ไทย ქართული",
    "</s> <s> <unk> <pad> ▁ ▁▁ __",
]

RAW = [b"\xff", b"\xfe", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80",
       b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80", b"\x80", b"\xbf",
       b"\xc3", b"\xe2\x82", b"\xf0\x9f\x98", b"\xef\xbf\xbd"]


def varied():
    lines = [
        "Hello world", "  leading and trailing spaces   ", "multiple     spaces\t\ttabs",
        "", " ", "\t", "   \t  ", "Crème brûlée à la française, naïve café",
        "日本語のテキストと漢字、そしてカタカナ。", "中文文本测试，包括标点符号。",
        "한국어 텍스트입니다", "emoji 😀 thumbs 👍🏽 family 👨‍👩‍👧‍👦 flag 🇯🇵",
        "combining: e\u0301 a\u0300 o\u0308 Ame\u0301lie", "decomposed hangul: \u1100\u1161\u11a8",
        "ＦＵＬＬ－ＷＩＤＴＨ　ｆｏｒｍｓ　１２３！", "half ｶﾀｶﾅ ｶﾞ ﾊﾟ",
        "ligatures ﬁ ﬂ ﬀ, roman Ⅻ, circled ①②, sup x² y³, ㍿ ℃ № ™",
        "nbsp\u00a0here, em\u2003space, zw\u200bsp, ideo\u3000space, bom\ufeffx",
        "ctrl \x01\x02\x07 bell, esc \x1b[0m, del \x7f, nel \u0085 end",
        "carriage\rreturn", "vertical\x0btab and form\x0cfeed",
        "</s> <s> <unk> are text here", "▁ already ▁▁ escaped", "x" * 3000,
        ("The quick brown fox jumps over the lazy dog. " * 120).strip(),
        "Ελληνικά Русский текст עברית العربية हिन्दी ไทย", "numbers 3.14159 1,000,000 2024-01-01 12:30",
        "URL https://example.com/path?q=1&r=2#frag and mail a.b@c.de",
        "MiXeD CaSe ABC abc", "  ", "a", "\u00e9", "e\u0301", "\uff21",
    ]
    out = [l.encode("utf-8") for l in lines]
    out += [b"bad \xff byte", b"\xfe\xff at start", b"overlong \xc0\xaf slash",
            b"surrogate \xed\xa0\x80 half", b"too big \xf4\x90\x80\x80",
            b"five \xf8\x88\x80\x80\x80 bytes", b"lone \x80 cont", b"cut \xe2\x82",
            b"end cut \xf0\x9f\x98", b"replacement \xef\xbf\xbd char", b"\xc3",
            b"nul \x00 inside", b"latin1 caf\xe9 text"]
    return out


def rand_line(r):
    n = r.choice([0, 1, 2, 5, 10, 30, 80, 300])
    parts = []
    for _ in range(n):
        if r.random() < 0.05:
            parts.append(r.choice(RAW))
        else:
            pool = r.choice(POOLS)
            k = r.choice([1, 1, 2, 4, 8])
            parts.append("".join(r.choice(pool) for _ in range(k)).encode("utf-8"))
        if r.random() < 0.3:
            parts.append(b" " * r.choice([1, 1, 1, 2, 3]))
    line = b"".join(parts).replace(b"\n", b" ").replace(b"\x00", b" ")
    # \r and \x85 stay: they are ordinary bytes inside a line
    return line


def main():
    if sys.argv[1] == "varied":
        lines = varied()
        out = sys.argv[2]
    else:
        r = random.Random(int(sys.argv[2]))
        lines = [rand_line(r) for _ in range(int(sys.argv[3]))]
        out = sys.argv[4]
    with open(out, "wb") as f:
        for l in lines:
            f.write(l + b"\n")


main()
