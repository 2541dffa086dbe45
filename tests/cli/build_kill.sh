#!/bin/sh
# build_kill.sh: kill -9 adalink build at random moments; running the same
# command again finishes the build with no example missing or doubled and
# every shard sound.
. "${SRCDIR:-.}/tests/cli/lib.sh"
M="$TESTDATA/spm/t5_spiece.model"
G="$TESTDATA/datasets/real/glue_data"
want=$("$ADALINK" ingest glue -t cola "$G" 2>/dev/null | wc -l)
[ "$want" -gt 100 ]
ok $? "the real CoLA dev file has $want examples"
seed=${KILL_SEED:-$$}
echo "# KILL_SEED=$seed"
i=0
while [ $i -lt 8 ]; do
	i=$((i + 1))
	db="$T/k$i.db"
	"$ADALINK" build -q -c "$db" -O "$T/k$i" -n cola -m "$M" -t cola -N 7 glue "$G" >/dev/null 2>&1 &
	pid=$!
	delay=$(awk -v s="$seed" -v i="$i" 'BEGIN { srand(s + i); printf "%.3f", rand() * 0.25 }')
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	"$ADALINK" build -c "$db" -O "$T/k$i" -n cola -m "$M" -t cola -N 7 glue "$G" >"$T/out" 2>"$T/err"
	rc=$?
	got=$(sqlite3 "$db" "SELECT coalesce(sum(examples), 0) FROM shards")
	status=$(sqlite3 "$db" "SELECT status FROM builds WHERE name = 'cola'")
	"$ADALINK" shards verify -c "$db" >"$T/v" 2>&1
	vrc=$?
	ids=$("$ADALINK" shards cat -c "$db" cola | /usr/bin/python3 -c '
import json, sys
ids = [json.loads(l)["id"] for l in sys.stdin]
print(len(ids), len(set(ids)))')
	[ $rc -eq 0 ] && [ "$got" -eq "$want" ] && [ "$status" = complete ] && [ $vrc -eq 0 ] &&
		[ "$ids" = "$want $want" ]
	r=$?
	how="finished before the kill"
	grep -q "was interrupted" "$T/err" && how="interrupted, rebuilt"
	grep -q "already built" "$T/out" || [ "$how" != "finished before the kill" ] || how="killed before its catalog row"
	ok $r "killed after ${delay}s ($how), run again: $got of $want examples, $status, verify $vrc, ids (all, distinct) $ids"
done
done_testing
