#!/bin/sh
# build_faults.sh: adalink build and the catalog under faults: a catalog
# locked by another writer, a full disk (a small tmpfs), shards edited,
# truncated, replaced or deleted behind the catalog's back, a catalog of a
# newer schema.
. "${SRCDIR:-.}/tests/cli/lib.sh"
M="$TESTDATA/spm/t5_spiece.model"
G="$TESTDATA/datasets/real/glue_data"
DB="$T/cat.db"
q() { sqlite3 "$DB" "$1"; }
secs() { date +%s.%N; }
run build -c "$DB" -O "$T/shards" -n cola -m "$M" -t cola -N 100 glue "$G"
expect_rc 0 "build cola: 6 shards of the real CoLA dev file"

# ---- a catalog locked by another writer
# hold_lock SECONDS: a writer holding the catalog's write lock that long
hold_lock() {
	rm -f "$T/locked"
	/usr/bin/python3 -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(float(sys.argv[3]))
c.execute("COMMIT")
' "$DB" "$T/locked" "$1" &
	lock_pid=$!
	while [ ! -e "$T/locked" ]; do sleep 0.05; done
}
hold_lock 6
t0=$(secs)
ADALINK_CATALOG_WAIT=1 "$ADALINK" build -c "$DB" -O "$T/shards" -n rte -m "$M" -t rte glue "$G" \
	>"$T/out" 2>"$T/err"
rc=$?
t1=$(secs)
expect_rc 1 "build while another writer holds the lock (ADALINK_CATALOG_WAIT=1)"
awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 0.9 && b - a < 5) }'
ok $? "gives up after the 1 s wait ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)"
has "$T/err" "is locked by another writer" "saying the catalog is locked"
has "$T/err" "ADALINK_CATALOG_WAIT" "and what to do"
wait $lock_pid
[ "$(q "SELECT count(*) FROM builds WHERE name = 'rte'")" = 0 ] && [ -z "$(ls "$T/shards" | grep rte)" ]
ok $? "leaving no rte row and no rte shard"
hold_lock 1.5
t0=$(secs)
ADALINK_CATALOG_WAIT=20 "$ADALINK" build -c "$DB" -O "$T/shards" -n rte -m "$M" -t rte glue "$G" \
	>"$T/out" 2>"$T/err"
rc=$?
t1=$(secs)
wait $lock_pid
expect_rc 0 "with a longer wait, the build waits for the lock and goes on"
awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 1.2) }'
ok $? "after waiting ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)"
[ "$(q "SELECT status FROM builds WHERE name = 'rte'")" = complete ]
ok $? "and completes"

# ---- a full disk: the shards on a 512 KiB tmpfs, in a private mount
# namespace; each image's patches take 256 x 588 x 2 bytes
/usr/bin/python3 "$SRCDIR/tests/fixtures/mkdist.py" "$T/s" coco >/dev/null
find "$T/s/coco" -name '*.jpg' -exec cp "$TESTDATA/images/COCO_val2014_000000000241.jpg" {} \;
mkdir "$T/full"
if unshare -rm true 2>/dev/null; then
	unshare -rm sh -c '
		mount -t tmpfs -o size=512k tmpfs "$1" || exit 99
		"$ADALINK" build -c "$2" -O "$1/shards" -n full -m "$3" -N 1 coco "$4" >"$5/full.out" 2>"$5/full.err"
		echo $? >"$5/full.rc"
		ls -a "$1/shards" >"$5/full.ls"
	' sh "$T/full" "$DB" "$M" "$T/s/coco" "$T"
	rc=$(cat "$T/full.rc")
	cp "$T/full.err" "$T/err"
	expect_rc 1 "a build onto a full disk fails"
	has "$T/err" "No space left on device" "saying the disk is full"
	has "$T/err" ".als" "naming the shard"
	[ "$(grep -cv '^\.\.*$' "$T/full.ls")" -eq 0 ]
	ok $? "no shard and no temporary file is left on the disk: $(grep -v '^\.\.*$' "$T/full.ls" | tr '\n' ' ')"
	[ "$(q "SELECT count(*) FROM builds WHERE name = 'full'")" = 0 ] &&
		[ "$(q "SELECT count(*) FROM shards s LEFT JOIN builds b ON b.id = s.build_id WHERE b.id IS NULL OR b.name = 'full'")" = 0 ]
	ok $? "no half entry in the catalog: no build row, no shard row"
	run build -c "$DB" -O "$T/full2" -n full -m "$M" -N 1 coco "$T/s/coco"
	expect_rc 0 "with room, the same build then succeeds"
	[ "$(q "SELECT count(*) FROM shards s JOIN builds b ON b.id = s.build_id WHERE b.name = 'full'")" = 3 ]
	ok $? "with its 3 shards"
else
	ok 0 "# SKIP unshare -rm is not allowed here: no tmpfs to fill"
fi

# ---- a bad record after shards were written, with worker threads: the
# failure removes what the build wrote
cp -r "$T/s/coco" "$T/bad"
j=$(find "$T/bad" -name 'COCO_val2014_000000522418.jpg')
head -c 2000 "$TESTDATA/images/COCO_val2014_000000000241.jpg" >"$j"
run build -j 2 -c "$DB" -O "$T/badout" -n bad -m "$M" -N 1 coco "$T/bad"
expect_rc 1 "a truncated JPEG, the last of three, fails the build (-j 2, a shard per image)"
has "$T/err" "COCO_val2014_000000522418.jpg" "naming the image"
[ "$(q "SELECT count(*) FROM builds WHERE name = 'bad'")" = 0 ] && [ -z "$(ls -A "$T/badout")" ]
ok $? "the two shards written before it, and the build's rows, are removed: $(ls -A "$T/badout" | tr '\n' ' ')"

# ---- shards changed behind the catalog's back
p() { q "SELECT '$T/' || path FROM shards s JOIN builds b ON b.id = s.build_id WHERE b.name = 'cola' AND seq = $1"; }
run shards verify -c "$DB" cola
expect_rc 0 "verify: the 6 cola shards are sound"
printf 'X' | dd of="$(p 1)" bs=1 seek=200 conv=notrunc 2>/dev/null
truncate -s -8 "$(p 2)"
rm "$(p 3)"
cp "$(p 5)" "$(p 4)"
cp "$(p 0)" "$T/s0" && /usr/bin/python3 - "$T/s0" <<'PY'
# an edit that keeps the shard self-consistent: a byte changed and the
# header's checksum recomputed, so only the catalog can tell
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
b[300] ^= 1
def xxh64(data, seed=0):
    P1, P2, P3, P4, P5 = 11400714785074694791, 14029467366897019727, 1609587929392839161, 9650029242287828579, 2870177450012600261
    M = (1 << 64) - 1
    rotl = lambda x, r: ((x << r) | (x >> (64 - r))) & M
    def rnd(acc, v):
        return (rotl((acc + v * P2) & M, 31) * P1) & M
    n, i = len(data), 0
    if n >= 32:
        v = [(seed + P1 + P2) & M, (seed + P2) & M, seed, (seed - P1) & M]
        while i + 32 <= n:
            for k in range(4):
                v[k] = rnd(v[k], struct.unpack_from("<Q", data, i + 8 * k)[0])
            i += 32
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M
        for k in range(4):
            h = ((h ^ rnd(0, v[k])) * P1 + P4) & M
    else:
        h = (seed + P5) & M
    h = (h + n) & M
    while i + 8 <= n:
        h = (rotl(h ^ rnd(0, struct.unpack_from("<Q", data, i)[0]), 27) * P1 + P4) & M
        i += 8
    if i + 4 <= n:
        h = (rotl(h ^ (struct.unpack_from("<I", data, i)[0] * P1) & M, 23) * P2 + P3) & M
        i += 4
    while i < n:
        h = (rotl(h ^ (data[i] * P5) & M, 11) * P1) & M
        i += 1
    h ^= h >> 33; h = (h * P2) & M; h ^= h >> 29; h = (h * P3) & M; h ^= h >> 32
    return h
struct.pack_into("<Q", b, 48, xxh64(bytes(b[64:])))
open(sys.argv[1], "wb").write(b)
PY
sum0=$(tail -c +65 "$T/s0" | xxh64sum | cut -d' ' -f1)
hdr0=$(od -An -tx1 -j48 -N8 "$T/s0" | awk '{ for (i = NF; i >= 1; i--) printf "%s", $i }')
[ "$sum0" = "$hdr0" ] &&
	[ "$sum0" != "$(q "SELECT checksum FROM shards s JOIN builds b ON b.id = s.build_id WHERE b.name = 'cola' AND seq = 0")" ]
ok $? "a forged shard 0: its header's checksum is its bytes' (xxh64sum $sum0), not the catalog's"
cp "$T/s0" "$(p 0)"
run shards verify -c "$DB" cola
expect_rc 1 "verify after the tampering exits 1"
grep -F "$(printf 'BAD\tcola\t%s\t' "$(p 1)")" "$T/out" | grep -q "checksum .* does not match the header"
ok $? "names the edited shard: its checksum is not its header's"
has "$T/out" "$(printf 'BAD\tcola\t%s\t' "$(p 2)")" "names the truncated shard"
grep -F "$(p 2)" "$T/out" | grep -q truncated
ok $? "as truncated"
has "$T/out" "$(printf 'BAD\tcola\t%s\tmissing' "$(p 3)")" "names the deleted shard: missing"
has "$T/out" "$(printf 'BAD\tcola\t%s\t' "$(p 4)")" "names the shard replaced by another"
grep -F "$(printf 'BAD\tcola\t%s\t' "$(p 0)")" "$T/out" | grep -q "checksum $sum0; the catalog says"
ok $? "names the forged shard: its checksum is not the catalog's"
has "$T/out" "$(printf 'ok\tcola\t%s' "$(p 5)")" "and passes the untouched one"
[ "$(grep -c '^BAD' "$T/out")" -eq 5 ]
ok $? "5 bad shards of 6"
run init --config t5-tiny --vocab-size 32128 --seed 1 -o "$T/t5.safetensors"
run train -q -b "$T/t5.safetensors" -C "$DB" -t cola -n 2 -o "$T/ad.safetensors"
expect_rc 1 "training refuses the tampered build"
has "$T/err" "$(p 0)" "naming the first bad shard"
has "$T/err" "shards verify" "and pointing to adalink shards verify"
[ ! -e "$T/ad.safetensors" ]
ok $? "writing no adapter"
run train -q -b "$T/t5.safetensors" -C "$DB" -t rte -n 2 -o "$T/ad.safetensors"
expect_rc 0 "the untouched rte build still trains"

# ---- the lock of a build: a second run of the same build waits for the
# first, then says so; shards rm of it too
run build -c "$DB" -O "$T/shards" -n rte2 -m "$M" -t rte glue "$G"
expect_rc 0 "build rte2"
/usr/bin/python3 - "$DB-lock" rte2 "$T/held" <<'PY' &
# hold the build lock of rte2 as adalink does: an OFD write lock on the
# byte FNV-1a(name) mod 2^40 of CATALOG-lock
import fcntl, os, struct, sys, time
h = 14695981039346656037
for c in sys.argv[2].encode():
    h = ((h ^ c) * 1099511628211) % (1 << 64)
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o666)
F_OFD_SETLK = 37
fl = struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, h % (1 << 40), 1, 0)
fcntl.fcntl(fd, F_OFD_SETLK, fl)
open(sys.argv[3], "w").close()
time.sleep(4)
PY
held_pid=$!
while [ ! -e "$T/held" ] && kill -0 $held_pid 2>/dev/null; do sleep 0.05; done
t0=$(secs)
ADALINK_CATALOG_WAIT=1 "$ADALINK" build -c "$DB" -O "$T/shards" -n rte2 -m "$M" -t rte --replace -l 3 glue "$G" \
	>"$T/out" 2>"$T/err"
rc=$?
t1=$(secs)
expect_rc 1 "a build whose lock another process holds (ADALINK_CATALOG_WAIT=1)"
awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 0.9 && b - a < 3.5) }'
ok $? "waits 1 s ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)"
has "$T/err" "build 'rte2' is being built or removed by another adalink process" "then says so"
ADALINK_CATALOG_WAIT=1 "$ADALINK" shards rm -c "$DB" rte2 >"$T/out" 2>"$T/err"
rc=$?
expect_rc 1 "shards rm of it waits and refuses too"
[ "$(q "SELECT status FROM builds WHERE name = 'rte2'")" = complete ]
ok $? "the build stays complete"
wait $held_pid
ADALINK_CATALOG_WAIT=1 "$ADALINK" shards rm -c "$DB" rte2 >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "once the lock is free, shards rm removes it"

# ---- train --catalog recording its run while another writer holds the
# catalog's lock: waits, then says so; the adapter is still written
run init --config t5-tiny --vocab-size 32128 --seed 1 -o "$T/t5l.safetensors"
hold_lock 6
ADALINK_CATALOG_WAIT=1 "$ADALINK" train -q -b "$T/t5l.safetensors" -C "$DB" -t rte -n 2 -o "$T/adl.safetensors" \
	--run locked >"$T/out" 2>"$T/err"
rc=$?
wait $lock_pid
expect_rc 1 "train --catalog while another writer holds the lock"
has "$T/err" "is locked by another writer" "saying the catalog is locked"
[ "$(q "SELECT count(*) FROM runs WHERE name = 'locked'")" = 0 ]
ok $? "no half run row"

# ---- a full disk under the catalog itself: the failing build leaves the
# catalog sound and the earlier builds as they were
if unshare -rm true 2>/dev/null; then
	unshare -rm sh -c '
		mount -t tmpfs -o size=640k tmpfs "$1" || exit 99
		cd "$1"
		"$ADALINK" build -q -c cat.db -O shards -n small -m "$2" -t rte -l 20 glue "$3" >/dev/null 2>&1 || exit 98
		"$ADALINK" build -c cat.db -O shards -n big -m "$2" -N 1 coco "$4" >"$5/big.out" 2>"$5/big.err"
		echo $? >"$5/big.rc"
		"$ADALINK" shards verify -c cat.db >"$5/big.verify" 2>&1; echo $? >"$5/big.vrc"
		sqlite3 cat.db "PRAGMA integrity_check; SELECT name || \" \" || status FROM builds ORDER BY name;" >"$5/big.q" 2>&1
		ls shards | grep -c "^big" >"$5/big.ls"
	' sh "$T/full" "$M" "$G" "$T/s/coco" "$T"
	rc=$(cat "$T/big.rc" 2>/dev/null || echo 99)
	cp "$T/big.err" "$T/err" 2>/dev/null
	expect_rc 1 "a build onto a full disk that also holds the catalog fails"
	has "$T/err" "No space left on device" "saying the disk is full"
	[ "$(cat "$T/big.vrc")" = 0 ] && [ "$(grep -c '^ok' "$T/big.verify")" -ge 1 ]
	ok $? "the earlier build still verifies: $(tr '\n' ' ' <"$T/big.verify")"
	[ "$(cat "$T/big.q")" = "ok
small complete" ] && [ "$(cat "$T/big.ls")" = 0 ]
	ok $? "the catalog passes integrity_check and holds the earlier build alone; no file of the failed one: $(tr '\n' ' ' <"$T/big.q")"
else
	ok 0 "# SKIP unshare -rm is not allowed here: no tmpfs to fill"
fi
# the same with a file size limit (SIGXFSZ ignored: writes fail with EFBIG)
mkdir "$T/fs"
(cd "$T/fs" && "$ADALINK" build -q -c cat.db -O shards -n small -m "$M" -t rte -l 20 glue "$G") >/dev/null 2>&1
sum_small=$(cat "$T"/fs/shards/small-* | sha256sum)
(cd "$T/fs" && trap '' XFSZ && ulimit -f 200 && exec "$ADALINK" build -c cat.db -O shards -n big -m "$M" -N 2 coco "$T/s/coco") \
	>"$T/out" 2>"$T/err"
rc=$?
expect_rc 1 "a build past the file size limit (ulimit -f 200) fails"
has "$T/err" "File too large" "saying why"
(cd "$T/fs" && "$ADALINK" shards verify -c cat.db) >"$T/out" 2>&1
[ $? -eq 0 ] && [ "$(cat "$T"/fs/shards/small-* | sha256sum)" = "$sum_small" ] &&
	[ "$(sqlite3 "$T/fs/cat.db" "PRAGMA integrity_check; SELECT count(*) FROM builds WHERE name = 'big'")" = "ok
0" ] && [ -z "$(ls "$T/fs/shards" | grep big)" ]
ok $? "the catalog is sound, the earlier build intact, nothing of the failed one left"

# ---- a catalog of a newer schema
sqlite3 "$DB" "PRAGMA user_version = 99"
sha=$(sha256sum "$DB")
run build -c "$DB" -O "$T/shards" -n x -m "$M" -t rte glue "$G"
expect_rc 1 "build refuses a catalog of a newer schema"
has "$T/err" "schema version 99, newer than this adalink knows" "saying so"
has "$T/err" "upgrade adalink" "and what to do"
run shards ls -c "$DB"
expect_rc 1 "shards ls refuses it too"
has "$T/err" "upgrade adalink" "with the same advice"
run train -q -b "$T/t5.safetensors" -C "$DB" -t rte -n 2 -o "$T/ad2.safetensors"
expect_rc 1 "and train"
[ "$(sha256sum "$DB")" = "$sha" ] && [ ! -e "$DB-wal" -o ! -s "$DB-wal" ]
ok $? "the catalog is left byte for byte as it was"
done_testing
