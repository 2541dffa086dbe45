#!/bin/sh
# ingest_text.sh: adalink ingest text on hand-made files, a folder, a
# tar.gz and a zip (made by Python's tarfile and zipfile), checked against
# Python reading the same files: the paragraphs or documents, their words,
# the duplicates and short units dropped; bad UTF-8 and binary data named
# by member and byte offset (Python's decoder gives the offset), or
# skipped and counted with --skip-bad.
. "${SRCDIR:-.}/tests/cli/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || { echo "1..0 # SKIP no python3"; exit 0; }

cat >"$T/ref.py" <<'EOF'
# ref.py: the records ingest text should write, from Python's reading.
#   ref.py make DIR            the test files, the tar.gz and the zip
#   ref.py want UNIT MINW SOURCE...   expected records, JSONL
#   ref.py same WANT GOT       compare JSONL records as values
#   ref.py badat FILE          the byte offset Python's decoder stops at
import io, json, os, re, sys, tarfile, zipfile

WS = re.compile(r'[ \t\n\v\f\r]+')

def units(name, data, unit):
    if data.startswith(b'\xef\xbb\xbf'):
        data = data[3:]
    text = data.decode('utf-8')
    out, para, start = [], [], 0
    lines = text.split('\n')
    for no, line in enumerate(lines, 1):
        words = [w for w in WS.split(line) if w]
        if words:
            if not para:
                start = no
            para += words
        elif para:
            out.append((start, para))
            para = []
    if para:
        out.append((start, para))
    if unit == 'doc':
        if not out:
            return [(name, '', 0)]
        return [(name, '\n'.join(' '.join(p) for _, p in out),
                 sum(len(p) for _, p in out))]
    return [('%s:%d' % (name, s), ' '.join(p), len(p)) for s, p in out]

def members(src):
    if src.endswith('.tar.gz'):
        with tarfile.open(src) as t:
            for m in t.getmembers():
                if m.isfile():
                    yield m.name, t.extractfile(m).read()
    elif src.endswith('.zip'):
        with zipfile.ZipFile(src) as z:
            for i in z.infolist():
                if not i.is_dir():
                    yield i.filename, z.read(i)
    elif os.path.isdir(src):
        for d, dirs, files in os.walk(src):
            dirs.sort()
            for f in sorted(files):
                p = os.path.join(d, f)
                yield p, open(p, 'rb').read()
    else:
        yield src, open(src, 'rb').read()

def want(unit, minw, srcs):
    seen = set()
    for src in srcs:
        for name, data in members(src):
            for rid, text, n in units(name, data, unit):
                if n < minw or not text or text in seen:
                    continue
                seen.add(text)
                print(json.dumps({'dataset': 'text', 'split': None, 'id': rid,
                                  'task': 'text', 'image': None,
                                  'inputs': {'text': text}, 'targets': []}))

def make(d):
    os.makedirs(d + '/docs/sub')
    files = {
        'docs/a.txt': b'\xef\xbb\xbfThe first  paragraph,\r\nwrapped\tover two lines.\r\n'
                      b'\r\n\r\n   \nA second one,\n   indented.\n\nok\n\n'
                      b'The first paragraph, wrapped over two lines.\n',
        'docs/b.md': 'Caf\u00e9 cr\u00e8me \u65e5\u672c\u8a9e \U0001f600 in Unicode.\n\n'
                     'A second one, indented.\n\n\x0cform feed\x0b and more words here'
                     .encode(),
        'docs/sub/c.txt': b'A new paragraph in a sub folder.\n\n\n',
        'docs/sub/empty.txt': b'',
    }
    for n, b in files.items():
        with open(os.path.join(d, n), 'wb') as f:
            f.write(b)
    with tarfile.open(d + '/docs.tar.gz', 'w:gz') as t:
        for n in ('docs/a.txt', 'docs/b.md'):
            t.add(os.path.join(d, n), arcname=n)
        info = tarfile.TarInfo('docs/extra.txt')
        extra = b'Only in the tar archive, three\nlines of it\nhere.\n'
        info.size = len(extra)
        t.addfile(info, io.BytesIO(extra))
    with zipfile.ZipFile(d + '/docs.zip', 'w', zipfile.ZIP_DEFLATED) as z:
        z.write(os.path.join(d, 'docs/sub/c.txt'), 'sub/c.txt')
        z.writestr('zip-only.txt', 'Words only the zip holds.\n')
    bad = {
        'bad1.txt': b'good line\nthen \xc3\x28 bad\n',        # broken sequence
        'bad2.txt': b'overlong \xc0\xaf slash\n',
        'bad3.txt': b'surrogate \xed\xa0\x80 half\n',
        'bad4.txt': b'cut short at the end \xe2\x82',
        'bin.dat': b'GIF89a\x01\x00\x00\x00binary',
    }
    os.makedirs(d + '/bad')
    for n, b in bad.items():
        with open(os.path.join(d, 'bad', n), 'wb') as f:
            f.write(b)
    with tarfile.open(d + '/bad.tar.gz', 'w:gz') as t:
        t.add(os.path.join(d, 'docs/a.txt'), arcname='a.txt')
        t.add(os.path.join(d, 'bad/bad1.txt'), arcname='in/bad1.txt')

def badat(path):
    b = open(path, 'rb').read()
    if b'\0' in b:
        print('nul', b.index(b'\0'))
        return
    try:
        b.decode('utf-8')
    except UnicodeDecodeError as e:
        print('utf8', e.start)

def same(a, b):
    ra = [json.loads(l) for l in open(a)]
    rb = [json.loads(l) for l in open(b)]
    if ra != rb:
        for i, (x, y) in enumerate(zip(ra, rb)):
            if x != y:
                print('record %d: want %s got %s' % (i, x, y))
                break
        print('%d records wanted, %d got' % (len(ra), len(rb)))
        sys.exit(1)

cmd = sys.argv[1]
if cmd == 'make':
    make(sys.argv[2])
elif cmd == 'want':
    want(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
elif cmd == 'same':
    same(sys.argv[2], sys.argv[3])
elif cmd == 'badat':
    badat(sys.argv[2])
EOF

cd "$T" || exit 1
"$PY" ref.py make .
ok $? "the test files, tar.gz and zip are made"

# check UNIT MINW DESCRIPTION SOURCE...: ingest text equals Python's reading
check() {
	unit=$1 minw=$2 desc=$3
	shift 3
	run ingest text --unit "$unit" --min-words "$minw" "$@"
	expect_rc 0 "$desc: exit 0"
	"$PY" ref.py want "$unit" "$minw" "$@" >want.jsonl
	"$PY" ref.py same want.jsonl "$T/out" >cmp.txt
	ok $? "$desc: the records Python reads"
	sed 's/^/#   /' cmp.txt | head -4
}

run ingest --list
has "$T/out" "$(printf 'text\t')" "--list names text"

check para 0 "paragraphs of a folder" docs
check doc 0 "documents of a folder" docs
check para 3 "paragraphs of three words or more" docs
check doc 12 "documents of twelve words or more" docs
check para 0 "a tar.gz" docs.tar.gz
check para 0 "a zip" docs.zip
check para 0 "a folder, then the archives (their copies dropped)" docs docs.tar.gz docs.zip
check doc 0 "one loose file as a document" docs/b.md
run ingest text docs
"$PY" ref.py want para 0 docs >want.jsonl
"$PY" ref.py same want.jsonl "$T/out"
ok $? "--unit para is the default"
n=$(wc -l <want.jsonl)
has "$T/err" "adalink ingest: $n records, 0 images, 0 skipped," "the summary counts the records"
run ingest text -n 2 docs
[ "$(wc -l <"$T/out")" -eq 2 ]
ok $? "--limit 2 stops after two records"

# ---- bad input ----
for f in bad1.txt bad2.txt bad3.txt bad4.txt bin.dat; do
	set -- $("$PY" ref.py badat "bad/$f")
	run ingest text "bad/$f"
	expect_rc 1 "$f: exit 1"
	if [ "$1" = nul ]; then
		has "$T/err" "adalink ingest: 'bad/$f': byte $2: a NUL byte (binary data, not text)" \
			"$f: the NUL byte's offset, $2"
	else
		has "$T/err" "adalink ingest: 'bad/$f': byte $2: not valid UTF-8" \
			"$f: the offset Python's decoder stops at, $2"
	fi
done
set -- $("$PY" ref.py badat bad/bad1.txt)
run ingest text bad.tar.gz
expect_rc 1 "bad UTF-8 in a tar.gz: exit 1"
has "$T/err" "'bad.tar.gz': member 'in/bad1.txt': byte $2: not valid UTF-8" \
	"names the archive, the member and the offset"
run ingest text --skip-bad bad docs
expect_rc 0 "--skip-bad: exit 0"
"$PY" ref.py want para 0 docs >want.jsonl
"$PY" ref.py same want.jsonl "$T/out"
ok $? "--skip-bad: the good files' records, nothing from the bad ones"
has "$T/err" "0 images, 5 skipped," "--skip-bad: the five bad files counted"
has "$T/err" "warning: skipped: 'bad/bin.dat': byte 7: a NUL byte" "--skip-bad: each is told"

# ---- usage ----
run ingest text --unit line docs
expect_rc 2 "--unit line: usage error"
has "$T/err" "--unit wants doc or para, not 'line'" "--unit line: says what it wants"
run ingest text --min-words x docs
expect_rc 2 "--min-words x: usage error"
run ingest glue --min-words 3 docs
expect_rc 2 "--min-words is for text only"
run ingest text --split train docs
expect_rc 2 "text has no splits"
run ingest text --task cola docs
expect_rc 2 "text has no tasks"
run ingest text empty-folder-that-is-not-there
expect_rc 1 "a missing source: exit 1"

done_testing
