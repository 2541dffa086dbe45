#!/bin/sh
# catalog_commands.sh: adalink shards and adalink runs read and remove rows
# that the sqlite3 tool wrote, and the sqlite3 tool sees what they removed;
# every expected line is worked out by hand from the rows below.
. "${SRCDIR:-.}/tests/cli/lib.sh"
DB="$T/cat.db"
q() { sqlite3 "$DB" "$1"; }
TAB=$(printf '\t')

run shards ls -c "$DB"
expect_rc 1 "shards ls of a catalog that is not there fails"
has "$T/err" "no catalog '$DB'" "saying so"
[ ! -e "$DB" ]
ok $? "and creates none"
# an empty catalog: a build made and removed
run build -c "$DB" -O "$T/o" -n x -m "$TESTDATA/spm/t5_spiece.model" -t rte -l 1 glue \
	"$TESTDATA/datasets/real/glue_data"
expect_rc 0 "a build creates the catalog"
run shards rm -c "$DB" x
expect_rc 0 "shards rm removes the build"
run shards ls -c "$DB"
expect_rc 0 "shards ls"
printf 'name\tdataset\tsplit\ttask\tstatus\tshards\texamples\tbytes\tcreated\n' >"$T/want"
same "$T/out" "$T/want" "a header and no build"
q "INSERT INTO builds(id, name, dataset, split, task, tokenizer_sha256, tool_version, status, created)
   VALUES (1, 'b1', 'glue', 'train', 'rte', 'tt', '0.1', 'complete', '2026-01-01T00:00:00Z'),
          (2, 'a0', 'coco', NULL, NULL, NULL, '0.1', 'building', '2026-01-02T00:00:00Z');
   INSERT INTO shards(build_id, seq, path, examples, bytes, checksum)
   VALUES (1, 1, '$T/b1-1.als', 3, 300, 'bb'), (1, 0, '$T/b1-0.als', 2, 200, 'aa');"

run shards ls -c "$DB"
expect_rc 0 "shards ls"
printf 'name\tdataset\tsplit\ttask\tstatus\tshards\texamples\tbytes\tcreated
a0\tcoco\t\t\tbuilding\t0\t0\t0\t2026-01-02T00:00:00Z
b1\tglue\ttrain\trte\tcomplete\t2\t5\t500\t2026-01-01T00:00:00Z\n' >"$T/want"
same "$T/out" "$T/want" "every build by name, with its shard count and sums (2 + 3, 200 + 300)"

run shards show -c "$DB" b1
expect_rc 0 "shards show"
printf 'name\tb1\ndataset\tglue\nsplit\ttrain\ntask\trte\nstatus\tcomplete
tokenizer_sha256\ttt\nvision_sha256\t\ntool_version\t0.1\ncreated\t2026-01-01T00:00:00Z
finished\t\nsources\t[]\nparams\t{}\n\nseq\tpath\texamples\tbytes\tchecksum
0\t%s/b1-0.als\t2\t200\taa\n1\t%s/b1-1.als\t3\t300\tbb\n' "$T" "$T" >"$T/want"
same "$T/out" "$T/want" "its provenance (NULL as empty, the defaults [] and {}) and its shards by seq"
run shards show -c "$DB" nosuch
expect_rc 1 "shards show of no build"
has "$T/err" "no build 'nosuch' in '$DB'" "naming it and the catalog"
run shards cat -c "$DB" a0
expect_rc 1 "shards cat of a build without shards"
has "$T/err" "no shards of a build 'a0'" "saying so"
run shards verify -c "$DB" b1
expect_rc 1 "shards verify: the files are missing"
[ "$(grep -c "^BAD${TAB}b1${TAB}$T/b1-[01].als${TAB}missing" "$T/out")" -eq 2 ]
ok $? "both shards are BAD, missing"
run shards rm -c "$DB" b1
expect_rc 0 "shards rm"
[ "$(q "SELECT count(*) FROM builds WHERE name = 'b1'; SELECT count(*) FROM shards;")" = "0
0" ]
ok $? "sqlite3: the build and its shard rows are gone"
run shards rm -c "$DB" b1
expect_rc 1 "shards rm again"
has "$T/err" "no build 'b1'" "no such build"
run shards show -c "$DB"
expect_rc 2 "shards show without a NAME is a usage error"
run shards bogus -c "$DB"
expect_rc 2 "an unknown action is a usage error"
has "$T/err" "unknown action 'bogus'" "naming it"

q "INSERT INTO runs(id, name, method, config, status, final_scores, created)
   VALUES (1, 'r1', 'adalink', '{\"rank\": 4}', 'finished', '{\"dev_loss\": 0.5}', '2026-01-01T00:00:00Z');
   INSERT INTO run_metrics(run_id, step, name, value)
   VALUES (1, 1, 'loss', 2.0), (1, 2, 'loss', 1.0), (1, 2, 'dev_loss', 0.5),
          (1, 2, 'dev_f1', 0.75), (1, 1, 'lr', 0.1);
   INSERT INTO runs(id, name, method, created) VALUES (2, 'r2', 'lora', '2026-01-03T00:00:00Z');"
run runs ls -c "$DB"
expect_rc 0 "runs ls"
[ "$(sed -n 2p "$T/out")" = "r1${TAB}adalink${TAB}finished${TAB}2${TAB}1${TAB}0.5${TAB}f1 0.75${TAB}2026-01-01T00:00:00Z" ]
ok $? "r1: last loss step 2, loss 1, best dev loss 0.5, dev metric f1 at best 0.75"
[ "$(sed -n 3p "$T/out" | cut -f1-3)" = "r2${TAB}lora${TAB}running" ]
ok $? "then r2, created later"
run runs history -c "$DB" r1
expect_rc 0 "runs history"
printf 'step\tdev_f1\tdev_loss\tloss\tlr\n1\t\t\t2\t0.1\n2\t0.75\t0.5\t1\t\n' >"$T/want"
same "$T/out" "$T/want" "every value by step, one column per name in name order"
run runs show -c "$DB" nosuch
expect_rc 1 "runs show of no run"
has "$T/err" "no run 'nosuch'" "naming it"
run runs rm -c "$DB" r1
expect_rc 0 "runs rm"
[ "$(q "SELECT count(*) FROM runs WHERE name = 'r1'; SELECT count(*) FROM run_metrics;")" = "0
0" ]
ok $? "sqlite3: the run and its values are gone"
run runs ls -c "$DB" r2
expect_rc 2 "runs ls with a RUN is a usage error"
has "$T/err" "ls takes no RUN" "saying so"
run runs compare -c "$DB" r2
expect_rc 2 "runs compare of one RUN is a usage error"
has "$T/err" "compare needs two RUNs or more" "saying so"
run runs history -c "$DB"
expect_rc 2 "runs history without a RUN is a usage error"
has "$T/err" "history needs one RUN" "saying so"
done_testing
