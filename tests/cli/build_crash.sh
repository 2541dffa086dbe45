#!/bin/sh
# build_crash.sh: crash safety tested the way SQLite tests its own: the
# test program tests/adalink-fault stops (as kill -9 would) just before
# the Nth write, fsync, rename, unlink or catalog statement, for every N
# (make check-crash; make check takes every Kth write and every point of
# the other kinds), and a clean run of the same command must then end
# with exactly the uninterrupted result: the same catalog rows and the
# same shard bytes (cmp), nothing else in the shard folder.  Then crashes
# of the clean-up itself, chains of crashes at random points, real kill -9
# at random moments, and the same for build --replace, shards rm and the
# run records of train --catalog.
# (a crash here is a killed process, not a lost machine: the files may as
# well live in memory, where syncing them costs nothing)
[ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && TMPDIR=/dev/shm && export TMPDIR
. "${SRCDIR:-.}/tests/cli/lib.sh"
. "$SRCDIR/tests/cli/crash_lib.sh"
full=${CRASH_FULL:-0}
seed=${CRASH_SEED:-$$}
echo "# CRASH_SEED=$seed full=$full"
# the short form: every rename, every 2nd fsync and statement, every 71st
# write; the full one: every point, of a bigger build
if [ "$full" = 1 ]; then LIMIT=60 WSTEP=1 SSTEP=1 CHAIN=500 RUNS=12; else LIMIT=24 WSTEP=71 SSTEP=2 CHAIN=200 RUNS=6; fi
B="build -q -c cat.db -O shards -n cola -m $M -t cola -N 6 -l $LIMIT glue $G"
[ -x "$FAULTY" ]
ok $? "the test program with live crash points is built"
mkdir "$T/ref" && (cd "$T/ref" && "$ADALINK" $B >/dev/null 2>&1)
n=$(ls "$T/ref/shards" | wc -l)
[ "$n" -ge 4 ] && [ "$(state "$T/ref" | grep -c complete)" = 1 ]
ok $? "the uninterrupted build: $n shards of $LIMIT CoLA examples"
mkdir "$T/chk" && faulty write:999999 "$T/chk" $B
[ $frc -eq 0 ] && same_state "$T/chk" "$T/ref"
ok $? "the test program with a crash point it never reaches builds the same"
ADALINK_FAULT=sql:1 "$ADALINK" shards ls -c "$T/ref/cat.db" >/dev/null 2>&1
ok $? "adalink itself does not honour ADALINK_FAULT"

# sweep KIND STEP SETUP ARGS...: for N = 1, 1 + STEP, ... until the
# command no longer crashes: a fresh copy of SETUP (a folder, or "-" for
# an empty one), the command crashed at KIND:N, then run clean; the result
# must be ref's.  Sets $points and $bad.
sweep() {
	kind=$1 step=$2 setup=$3
	shift 3
	points=0 bad=""
	i=1
	while :; do
		rm -rf "$T/w"
		if [ "$setup" = - ]; then mkdir "$T/w"; else cp -a "$setup" "$T/w"; fi
		faulty "$kind:$i" "$T/w" "$@"
		[ $frc -eq 137 ] || break
		points=$((points + 1))
		clean "$T/w" "$@"
		if [ $crc -ne 0 ] || ! same_state "$T/w" "$want" >/dev/null; then
			bad="$bad $i"
			[ $crc -eq 0 ] || sed 's/^/#   /' "$T/c.err" | head -3
		fi
		i=$((i + step))
	done
}

want="$T/ref"
for k in write:$WSTEP fsync:$SSTEP rename:1 sql:$SSTEP; do
	sweep "${k%:*}" "${k#*:}" - $B
	[ $points -ge 4 ] && [ -z "$bad" ]
	ok $? "build crashed before its ${k%:*} number 1, $((1 + ${k#*:})), ... ($points points), then run again: the uninterrupted build${bad:+; not at:$bad}"
done

# the clean-up of an interrupted build, itself crashed
mkdir "$T/int" && faulty rename:3 "$T/int" $B
[ $frc -eq 137 ] && [ "$(ls "$T/int/shards" | grep -c 'als$')" -eq 2 ] &&
	[ "$(ls "$T/int/shards" | grep -c 'tmp')" -eq 1 ]
ok $? "a build crashed at its third rename: 2 shards and a temporary file"
for k in unlink:1 sql:$SSTEP; do
	sweep "${k%:*}" "${k#*:}" "$T/int" $B
	[ $points -ge 3 ] && [ -z "$bad" ]
	ok $? "its clean-up crashed before each ${k%:*} ($points points), then run again: the uninterrupted build${bad:+; not at:$bad}"
done

# chains of crashes at random points of any kind on the same catalog
rm -rf "$T/w" && mkdir "$T/w"
chain=""
r=0
while [ $r -lt $RUNS ]; do
	r=$((r + 1))
	p=$(awk -v s="$seed" -v r="$r" -v c="$CHAIN" 'BEGIN { srand(s * 31 + r); printf "%d", 1 + rand() * c }')
	faulty "any:$p" "$T/w" $B
	chain="$chain $p:$frc"
done
clean "$T/w" $B
[ $crc -eq 0 ] && same_state "$T/w" "$T/ref"
ok $? "$RUNS runs crashed at random points in a row (point:status$chain), then run again: the uninterrupted build"

# real kill -9 at random moments, ten in a row on the same catalog, of a
# bigger build (all of CoLA's dev file, 11 shards)
K="build -q -c cat.db -O shards -n cola -m $M -t cola -N 50 glue $G"
mkdir "$T/refk" && (cd "$T/refk" && "$ADALINK" $K >/dev/null 2>&1)
rm -rf "$T/w" && mkdir "$T/w"
delays=""
r=0
rounds=10
[ "$full" = 1 ] && rounds=40
while [ $r -lt $rounds ]; do
	r=$((r + 1))
	d=$(awk -v s="$seed" -v r="$r" 'BEGIN { srand(s * 17 + r); printf "%.3f", 0.02 + rand() * 0.4 }')
	(cd "$T/w" && exec "$ADALINK" $K >/dev/null 2>&1) &
	pid=$!
	sleep "$d"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	delays="$delays $d"
done
clean "$T/w" $K
[ $crc -eq 0 ] && same_state "$T/w" "$T/refk"
ok $? "$rounds real kill -9 in a row (after$delays s), then run again: the uninterrupted build"

# builds of the same name at once (a run whose parent was killed may still
# be writing): each waits for the other's lock, none fails, and the result
# is the uninterrupted build without a rerun
rm -rf "$T/w" && mkdir "$T/w"
pids=""
for r in 1 2 3; do
	(cd "$T/w" && exec "$ADALINK" $K >"$T/o$r" 2>&1) &
	pids="$pids $!"
	sleep 0.1
done
st=""
for pid in $pids; do wait $pid; st="$st $?"; done
[ "$st" = " 0 0 0" ] && same_state "$T/w" "$T/refk"
ok $? "three builds of the same name at once: exit statuses$st, the uninterrupted build"
[ "$st" = " 0 0 0" ] || sed 's/^/#   /' "$T/o1" "$T/o2" "$T/o3" | head -6

# build --replace with other parameters, crashed anywhere
R4="build -q -c cat.db -O shards -n cola -m $M -t cola -N 5 -l $LIMIT --replace glue $G"
mkdir "$T/ref4" && (cd "$T/ref4" && "$ADALINK" $R4 >/dev/null 2>&1)
want="$T/ref4"
for k in unlink:1 sql:$((SSTEP * 3)) rename:1; do
	sweep "${k%:*}" "${k#*:}" "$T/ref" $R4
	[ $points -ge 3 ] && [ -z "$bad" ]
	ok $? "build --replace (6 a shard to 5) crashed before a ${k%:*} ($points points), then run again: the new build${bad:+; not at:$bad}"
done

# shards rm crashed anywhere: rm again removes the rest; the build again
# gives the uninterrupted build
for k in unlink sql; do
	i=1 bad="" points=0
	step=1
	[ $k = sql ] && step=$SSTEP
	while :; do
		rm -rf "$T/w" && cp -a "$T/ref" "$T/w"
		faulty "$k:$i" "$T/w" shards rm -c cat.db cola
		[ $frc -eq 137 ] || break
		points=$((points + 1))
		cp -a "$T/w" "$T/w2"
		clean "$T/w" shards rm -c cat.db cola
		[ $crc -eq 0 ] && [ "$(sqlite3 "$T/w/cat.db" 'SELECT count(*) FROM builds; SELECT count(*) FROM shards')" = "0
0" ] && [ -z "$(ls -A "$T/w/shards")" ] || bad="$bad rm@$i"
		clean "$T/w2" $B
		[ $crc -eq 0 ] && same_state "$T/w2" "$T/ref" || bad="$bad build@$i"
		rm -rf "$T/w2"
		i=$((i + step))
	done
	[ $points -ge 2 ] && [ -z "$bad" ]
	ok $? "shards rm crashed before each $k ($points points), then rm again removes all, or build again gives the build${bad:+; not at:$bad}"
done

# the run records of train --catalog
run init --config t5-tiny --vocab-size 32128 --seed 1 -o "$T/t5.safetensors"
TR="train -q -b $T/t5.safetensors -C cat.db -t cola -r 4 -n 4 -B 4 -e 2 -o ad.safetensors --run r"
runs() {
	sqlite3 "$1/cat.db" "SELECT name, method, config, backbone_sha256, status, final_scores FROM runs;
		SELECT m.step, m.name, m.value FROM run_metrics m WHERE m.name != 'tokens_per_s'
		ORDER BY m.step, m.name" 2>&1
}
cp -a "$T/ref" "$T/tref" && (cd "$T/tref" && "$ADALINK" $TR >/dev/null 2>&1)
runs "$T/tref" >"$T/runs.want"
[ "$(sqlite3 "$T/tref/cat.db" "SELECT status FROM runs")" = finished ]
ok $? "the uninterrupted training run is recorded, finished"
if [ "$full" = 1 ]; then TS=1 TN=1 TF=1; else TS=17 TN=3 TF=6; fi
for k in sql:$TS rename:$TN fsync:$TF; do
	i=1 bad="" points=0
	while :; do
		rm -rf "$T/w" && cp -a "$T/ref" "$T/w"
		faulty "${k%:*}:$i" "$T/w" $TR
		[ $frc -eq 137 ] || break
		points=$((points + 1))
		clean "$T/w" $TR
		runs "$T/w" >"$T/runs.got"
		[ $crc -eq 0 ] && cmp -s "$T/runs.got" "$T/runs.want" &&
			cmp -s "$T/w/ad.safetensors" "$T/tref/ad.safetensors" || bad="$bad $i"
		i=$((i + ${k#*:}))
	done
	[ $points -ge 1 ] && [ -z "$bad" ]
	ok $? "train --catalog crashed before a ${k%:*} ($points points), then run again: the same run rows and adapter${bad:+; not at:$bad}"
done
done_testing
