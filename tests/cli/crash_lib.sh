# crash_lib.sh: helpers of the crash-safety tests (sourced after lib.sh).
# FAULTY is adalink with live crash points (tests/adalink-fault, see
# lib/fault.h): ADALINK_FAULT=KIND:N stops it with status 137 just before
# its Nth write, fsync, rename, unlink or catalog statement.
FAULTY=${FAULTY:-$(dirname "$ADALINK")/tests/adalink-fault}
M="$TESTDATA/spm/t5_spiece.model"
G="$TESTDATA/datasets/real/glue_data"

# state DIR: what a build leaves in DIR (catalog cat.db, shards in
# DIR/shards): every build row but its id and times, every shard row, the
# shard folder's listing; the bytes of each shard are compared with cmp
# by same_state
state() {
	sqlite3 -separator ' | ' "$1/cat.db" "
SELECT name, dataset, split, task, tokenizer_sha256, vision_sha256, sources, params,
       tool_version, status, out_dir FROM builds ORDER BY name;
SELECT b.name, s.seq, s.path, s.path_base, s.examples, s.bytes, s.checksum
  FROM shards s JOIN builds b ON b.id = s.build_id ORDER BY b.name, s.seq;" 2>&1
	ls -A "$1/shards" 2>/dev/null
}

# same_state DIR REF: DIR holds exactly what REF holds, rows and bytes;
# prints what differs
same_state() {
	state "$1" >"$T/st.got"
	state "$2" >"$T/st.want"
	if ! cmp -s "$T/st.got" "$T/st.want"; then
		diff "$T/st.want" "$T/st.got" | head -8 | sed 's/^/#   /'
		return 1
	fi
	for f in "$2"/shards/*; do
		[ -e "$f" ] || continue
		cmp -s "$f" "$1/shards/${f##*/}" || { echo "#   ${f##*/} differs"; return 1; }
	done
	return 0
}

# faulty KIND:N DIR ARGS...: adalink ARGS in DIR with the crash point
# armed; $frc receives the status
faulty() {
	f=$1; d=$2; shift 2
	(cd "$d" && ADALINK_FAULT=$f "$FAULTY" "$@" >"$T/f.out" 2>"$T/f.err" </dev/null)
	frc=$?
}

# clean DIR ARGS...: adalink ARGS in DIR; $crc receives the status
clean() {
	d=$1; shift
	(cd "$d" && "$ADALINK" "$@" >"$T/c.out" 2>"$T/c.err" </dev/null)
	crc=$?
}
