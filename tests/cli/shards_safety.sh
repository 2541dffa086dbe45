#!/bin/sh
# shards_safety.sh: a catalog is looked up, never made, by the commands
# that only read it; shards cat checks checksums; shard paths work from any
# folder, after the catalog and its shards moved, and in a catalog of
# schema version 1; and nothing but a build's own shard files is ever
# removed, whatever a (crafted) catalog's rows say.
. "${SRCDIR:-.}/tests/cli/lib.sh"
M="$TESTDATA/spm/t5_spiece.model"
G="$TESTDATA/datasets/real/glue_data"
mkdir "$T/a"
(cd "$T/a" && "$ADALINK" build -q -c cat.db -O shards -n cola -m "$M" -t cola -N 40 -l 100 glue "$G" &&
	"$ADALINK" build -q -c cat.db -O shards -n rte -m "$M" -t rte -l 20 glue "$G") >/dev/null 2>&1
ok $? "two builds, run in the catalog's folder with relative paths"
DB="$T/a/cat.db"
q() { sqlite3 "$DB" "$1"; }
TAB=$(printf '\t')
run init --config t5-tiny --vocab-size 32128 --seed 1 -o "$T/t5.safetensors"

# ---- readers never create a catalog
for cmd in "shards ls" "shards show cola" "shards verify" "shards verify cola" "shards cat cola" \
	   "shards rm cola" "runs ls" "runs show r" "runs history r" "runs compare r s"; do
	run $cmd -c "$T/typo.db"
	[ $rc -eq 1 ] && [ ! -e "$T/typo.db" ] && grep -q "no catalog '$T/typo.db'" "$T/err"
	ok $? "$cmd -c typo.db: exit 1, 'no catalog', no file made"
done
run plot -c "$T/typo.db" -o "$T/p.svg" r
[ $rc -eq 1 ] && [ ! -e "$T/typo.db" ]
ok $? "plot -c typo.db: exit 1, no file made"
run train -q -b "$T/t5.safetensors" -C "$T/typo.db" -t cola -n 2 -o "$T/ad.safetensors"
[ $rc -eq 1 ] && [ ! -e "$T/typo.db" ] && grep -q "no catalog" "$T/err"
ok $? "train -C typo.db -t cola: exit 1, no file made"
: >"$T/empty"
run predict -b "$T/t5.safetensors" -C "$T/empty" -d x
[ $rc -eq 1 ] && [ ! -s "$T/empty" ] && [ ! -e "$T/empty-wal" ]
ok $? "predict -C EMPTYFILE -d x: exit 1, the file stays empty"
has "$T/err" "is not an adalink catalog (an empty file)" "saying what it is"
run shards ls -c "$T"
[ $rc -eq 1 ] && grep -q "is a directory" "$T/err"
ok $? "a folder as catalog: exit 1, 'is a directory'"
sqlite3 "$T/other.db" "CREATE TABLE t(x)"
run shards ls -c "$T/other.db"
[ $rc -eq 1 ] && grep -q "not an adalink catalog" "$T/err" && [ "$(sqlite3 "$T/other.db" .tables)" = t ]
ok $? "another SQLite database: refused as not a catalog, left as it was"
run shards verify -c "$DB" nosuch
[ $rc -eq 1 ] && grep -q "no build 'nosuch'" "$T/err"
ok $? "shards verify of an unknown build: exit 1, naming it"

# ---- shards cat checks the checksum
cp -a "$T/a" "$T/flip"
p=$(sqlite3 "$T/flip/cat.db" "SELECT path FROM shards WHERE seq = 1 AND build_id = (SELECT id FROM builds WHERE name = 'cola')")
# the first byte of the first example's id (header 64 bytes, counts 24)
printf 'Z' | dd of="$T/flip/$p" bs=1 seek=88 conv=notrunc 2>/dev/null
(cd "$T/flip" && "$ADALINK" shards cat -c cat.db cola >"$T/out" 2>"$T/err")
rc=$?
expect_rc 1 "shards cat of a build with one changed byte (in an example's id) fails"
has "$T/err" "does not match the header" "saying the checksum does not match"
has "$T/err" "$p" "naming the shard"

# ---- paths: from any folder, moved with the catalog, old catalogs
[ "$(q "SELECT DISTINCT path_base FROM shards")" = catalog ] &&
	[ "$(q "SELECT path FROM shards ORDER BY build_id, seq LIMIT 1")" = shards/cola-00000.als ] &&
	[ "$(q "SELECT DISTINCT out_dir FROM builds")" = shards ]
ok $? "shard paths and the output folder are stored relative to the catalog's folder"
(cd / && "$ADALINK" shards verify -c "$DB" >"$T/out" 2>"$T/err")
[ $? -eq 0 ] && [ "$(grep -c '^ok' "$T/out")" -eq 4 ]
ok $? "shards verify from another folder: the 4 shards are found and sound"
mv "$T/a" "$T/moved"
(cd "$T" && "$ADALINK" train -q -b "$T/t5.safetensors" -C moved/cat.db -t cola -n 2 -o "$T/ad.safetensors" \
	>"$T/out" 2>"$T/err")
[ $? -eq 0 ] && [ -s "$T/ad.safetensors" ]
ok $? "the catalog and its shards moved together: train from a third folder reads them"
mv "$T/moved" "$T/a"
# a catalog of schema version 1: paths as build was given them, from
# the folder it ran in
cp -a "$T/a" "$T/v1"
sqlite3 "$T/v1/cat.db" "UPDATE shards SET path = 'v1/' || path; ALTER TABLE shards DROP COLUMN path_base;
	ALTER TABLE builds DROP COLUMN out_dir; PRAGMA user_version = 1"
(cd "$T" && "$ADALINK" shards verify -c v1/cat.db >"$T/out" 2>"$T/err")
[ $? -eq 0 ] && [ "$(grep -c "^ok${TAB}cola${TAB}v1/shards/cola-0000[0-2].als$" "$T/out")" -eq 3 ] &&
	[ "$(grep -c '^ok' "$T/out")" -eq 4 ]
ok $? "version 1 (paths relative to where build ran): read from that folder as before"
[ "$(sqlite3 "$T/v1/cat.db" "PRAGMA user_version; SELECT DISTINCT path_base FROM shards")" = "2
cwd" ]
ok $? "the reader migrated it to version 2, its rows marked as of version 1"
cp -a "$T/a" "$T/v1b"
sqlite3 "$T/v1b/cat.db" "ALTER TABLE shards DROP COLUMN path_base; ALTER TABLE builds DROP COLUMN out_dir;
	PRAGMA user_version = 1"
(cd / && "$ADALINK" shards verify -c "$T/v1b/cat.db" >"$T/out" 2>"$T/err")
[ $? -eq 0 ] && [ "$(grep -c '^ok' "$T/out")" -eq 4 ]
ok $? "version 1, built in the catalog's folder, read from elsewhere: found beside the catalog"
(cd "$T/v1b" && "$ADALINK" shards rm -c cat.db cola >"$T/out" 2>"$T/err")
[ $? -eq 0 ] && [ -z "$(ls "$T/v1b/shards" | grep cola)" ] && [ -n "$(ls "$T/v1b/shards" | grep rte)" ]
ok $? "and shards rm removes a version 1 build's shards, and no other"

# ---- only a build's own shards are removed
echo "my thesis" >"$T/thesis.tex"
cp -a "$T/a" "$T/x"
sqlite3 "$T/x/cat.db" "UPDATE shards SET path = '$T/thesis.tex' WHERE seq = 1 AND build_id = (SELECT id FROM builds WHERE name = 'cola')"
for how in "shards rm -c cat.db cola" "build -q -c cat.db -O shards -n cola -m $M -t cola -N 50 -l 100 --replace glue $G"; do
	(cd "$T/x" && "$ADALINK" $how >"$T/out" 2>"$T/err")
	rc=$?
	[ $rc -eq 1 ] && [ "$(cat "$T/thesis.tex")" = "my thesis" ] &&
		grep -q "refusing to remove '$T/thesis.tex'" "$T/err" && [ "$(ls "$T/x/shards" | grep -c cola)" -eq 3 ] &&
		[ "$(sqlite3 "$T/x/cat.db" "SELECT status FROM builds WHERE name = 'cola'")" = complete ]
	ok $? "${how%% -c*}: a row edited to name another file: refused, naming it; the file, the shards and the rows stay"
done
has "$T/err" "nothing was removed" "saying nothing was removed"
sqlite3 "$T/x/cat.db" "UPDATE builds SET status = 'building' WHERE name = 'cola'"
(cd "$T/x" && "$ADALINK" build -q -c cat.db -O shards -n cola -m "$M" -t cola -N 40 -l 100 glue "$G" >"$T/out" 2>"$T/err")
[ $? -eq 1 ] && [ "$(cat "$T/thesis.tex")" = "my thesis" ] && grep -q "refusing to remove '$T/thesis.tex'" "$T/err"
ok $? "the clean-up of an interrupted build refuses it too"
# another build's shard, under the same folder, with the shard magic
cp -a "$T/a" "$T/y"
rte=$(sqlite3 "$T/y/cat.db" "SELECT path FROM shards WHERE build_id = (SELECT id FROM builds WHERE name = 'rte')")
sqlite3 "$T/y/cat.db" "UPDATE shards SET path = '$rte' WHERE seq = 0 AND build_id = (SELECT id FROM builds WHERE name = 'cola')"
(cd "$T/y" && "$ADALINK" shards rm -c cat.db cola >"$T/out" 2>"$T/err")
[ $? -eq 1 ] && [ -e "$T/y/$rte" ] && grep -q "refusing to remove '$rte'" "$T/err"
ok $? "a row edited to name another build's shard: refused, that shard stays"
# a shard of the build whose bytes changed (same name, same folder): its
# header's checksum is still the catalog's, so it is the build's own
cp -a "$T/a" "$T/z"
printf '\001' | dd of="$T/z/shards/cola-00002.als" bs=1 seek=300 conv=notrunc 2>/dev/null
(cd "$T/z" && "$ADALINK" shards rm -c cat.db cola >"$T/out" 2>"$T/err")
[ $? -eq 0 ] && [ -z "$(ls "$T/z/shards" | grep cola)" ]
ok $? "a damaged shard of the build (its header intact) is removed with it"
# a symbolic link in a shard's place is not followed
cp -a "$T/a" "$T/s"
rm "$T/s/shards/cola-00001.als" && cp "$T/a/shards/cola-00001.als" "$T/keep.als" &&
	ln -s "$T/keep.als" "$T/s/shards/cola-00001.als"
(cd "$T/s" && "$ADALINK" shards rm -c cat.db cola >"$T/out" 2>"$T/err")
[ $? -eq 1 ] && [ -e "$T/keep.als" ] && grep -q "not a regular file" "$T/err"
ok $? "a symbolic link where a shard was: refused"
done_testing
