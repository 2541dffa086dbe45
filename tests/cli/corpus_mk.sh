#!/bin/sh
# corpus_mk.sh: examples/corpus.mk end to end on a tiny tree laid out as the
# unpacked packages are (ROOT=: nothing is fetched): every source cleaned,
# ingested, split by the hash of each text, counted; the manifest's hashes
# are the files'; spm_train's model has T5's special ids; a second make
# does nothing.  (R's data format is not made here: the Austen source is
# absent, and its absence is noted.)
. "${SRCDIR:-.}/tests/cli/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "1..0 # SKIP no /usr/bin/python3"; exit 0; }
command -v make >/dev/null || { echo "1..0 # SKIP no make"; exit 0; }
command -v pod2text >/dev/null || { echo "1..0 # SKIP no pod2text"; exit 0; }
command -v spm_train >/dev/null || { echo "1..0 # SKIP no spm_train"; exit 0; }
R="$T/root"
W="$T/work"

"$PY" - "$R" <<'EOF'
import gzip, os, sys
r = sys.argv[1]
def put(path, text, gz=False):
    p = os.path.join(r, path)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    data = text.encode()
    with (gzip.open(p, 'wb') if gz else open(p, 'wb')) as f:
        f.write(data)
words = ('time year people way day man thing woman life child world school '
         'state family student group country problem hand part place case week '
         'company system program question work government number night point '
         'home water room mother area money story fact month lot right study '
         'book eye job word business issue side kind head house service friend').split()
def prose(seed, n):
    out = []
    for i in range(n):
        out.append(' '.join(words[(seed * 7 + i * j) % len(words)] for j in range(1, 12)) + '.')
    return ' '.join(out)
put('usr/share/dictd/gcide.dict.dz',
    '00-database-short\n   The Collaborative International Dictionary\n\n'
    'Abjure \\Ab*jure"\\, v. t. [imp. & p. p. {Abjured}.]\n'
    '   1. To renounce upon oath; to forswear; ' + prose(1, 3) + '\n'
    '      [1913 Webster]\n\n'
    'Ablaqueate \\Ab*la"que*ate\\, v. t.\n   To lay bare, as the roots of a tree. '
    + prose(2, 3) + ' [Obs.]\n   [1913 Webster]\n', gz=True)
for k in range(6):
    put('usr/share/doc/linux-doc-6.1/Documentation/sub/doc%d.rst.gz' % k,
        '.. SPDX-License-Identifier: GPL-2.0\n\n=====\nTitle\n=====\n\n'
        + prose(10 + k, 4) + ' See :ref:`the guide <guide>` and ``code``::\n\n'
        '    verbatim code here\n\n' + prose(20 + k, 3) + '\n', gz=True)
put('usr/share/doc/linux-doc-6.1/Documentation/translations/it_IT/doc.rst.gz',
    'Traduzione italiana della documentazione del kernel, parole molte.\n', gz=True)
for k in range(6):
    put('usr/share/doc/python3.11-doc/html/_sources/library/mod%d.rst.txt' % k,
        'mod\n===\n\n.. module:: mod\n   :synopsis: x\n\n' + prose(30 + k, 5) + '\n')
for k in range(6):
    put('usr/share/perl/5.36.0/pod/perlx%d.pod' % k,
        '=head1 NAME\n\nperlx - ' + prose(40 + k, 1) + '\n\n=head1 DESCRIPTION\n\n'
        + prose(50 + k, 4) + '\n\n  my $verbatim = 1;\n\n'
        '\u65e5\u672c\u8a9e Perl \u30ac\u30a4\u30c9 \u3078\u3088\u3046\u3053\u305d\n\n=cut\n')
for k in range(6):
    put('npm/package/data/19%02d_some_one_x.txt' % k, prose(60 + k, 6) + '\n\n' + prose(70 + k, 4) + '\n')
put('usr/share/games/fortunes/tiny',
    '\n%\n'.join(prose(80 + k, 1) for k in range(12)) + '\n')
put('usr/share/games/fortunes/tiny.dat', '\0\0binary index')
put('packages.tsv', 'dict-gcide\t0.48.5+nmu2\tdict-gcide.deb\t%s\n'
    'fortunes\t1:1.99.1-7.3\tfortunes.deb\t%s\n' % ('0' * 64, '1' * 64))
EOF
ok $? "a tiny package tree is made"

make -s -f "$SRCDIR/examples/corpus.mk" WORK="$W" ROOT="$R" ADALINK="$ADALINK" \
	VOCAB=220 VALID_PER_MILLE=300 PARA_MIN=5 DOC_MIN=5 >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "make -f corpus.mk on the tiny tree"
[ ! -e "$W/root" ] && [ ! -e "$W/fetch" ]
ok $? "nothing fetched: no root or fetch folder under WORK"
for s in gcide linux python perl sotu fortunes; do
	has "$T/out" "$(printf '%s\ttrain\t' "$s")" "counts.tsv printed: $s has training documents"
done
has "$T/err" "austen:" "the absent Austen source is noted"

"$PY" - "$W" >"$T/check" 2>&1 <<'EOF'
import hashlib, json, sys
w = sys.argv[1]
c = w + '/corpus/'
recs = [json.loads(l) for l in open(w + '/records.jsonl')]
train = [json.loads(l) for l in open(c + 'train.jsonl')]
valid = [json.loads(l) for l in open(c + 'valid.jsonl')]
bad = []
def held(t):
    return int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], 'big') % 1000 < 300
if len(train) + len(valid) != len(recs):
    bad.append('train + valid != records')
if not valid or not train:
    bad.append('a split is empty')
if any(held(r['inputs']['text']) for r in train) or not all(held(r['inputs']['text']) for r in valid):
    bad.append('the split is not by hash')
texts = [r['inputs']['text'] for r in recs]
if any(str(r['id']).startswith('/') or w in str(r['id']) for r in recs):
    bad.append('an id holds the WORK folder')
if len(set(texts)) != len(texts):
    bad.append('duplicates')
alltext = '\n'.join(texts)
for s in ('[1913 Webster]', '\\Ab*jure', '{Abjured}', 'verbatim', 'SPDX', ':ref:', '``',
          '=head1', 'synopsis', '00-database', 'binary index', 'Traduzione',
          '\u65e5\u672c'):
    if s in alltext:
        bad.append('markup left: ' + s)
for s in ('To renounce upon oath', 'the guide and code:', 'perlx -'):
    if s not in alltext:
        bad.append('prose lost: ' + s)
m = json.load(open(c + 'manifest.json'))
for f, h in m['files'].items():
    if hashlib.sha256(open(c + f, 'rb').read()).hexdigest() != h:
        bad.append('manifest hash of ' + f)
if [p['package'] for p in m['packages']] != ['dict-gcide', 'fortunes'] or \
        m['packages'][1]['version'] != '1:1.99.1-7.3':
    bad.append('manifest packages')
words = sum(int(x['words']) for x in m['counts'] if x['source'] != 'all')
if words != sum(len(t.split()) for t in texts):
    bad.append('word counts')
print('\n'.join(bad) or 'fine')
EOF
has "$T/check" "fine" "records split by hash, deduplicated, markup and other languages gone, counts and hashes right"

spm_export_vocab --model="$W/corpus/spm.model" >"$T/vocab" 2>/dev/null
[ "$(wc -l <"$T/vocab")" -eq 120 ]
ok $? "the model has VOCAB - 100 = 120 pieces (the 100 sentinels are the ids above)"
[ "$(cut -f1 "$T/vocab" | head -3 | tr '\n' ' ')" = "<pad> </s> <unk> " ]
ok $? "pad 0, eos 1, unk 2, no bos"
# "all" prints the counts, so it is never up to date: ask for the files
make -q -f "$SRCDIR/examples/corpus.mk" WORK="$W" ROOT="$R" ADALINK="$ADALINK" \
	VOCAB=220 "$W/corpus/spm.model" "$W/corpus/manifest.json"
ok $? "a second make has nothing to do"

done_testing
