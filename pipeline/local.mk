# pipeline/local.mk: tokenizer, images, shards.  Each part has its own
# fragment so that they can be written side by side.
include pipeline/tokenize.mk
include pipeline/images.mk

# shards
libadalink_a_SOURCES += pipeline/shard.c pipeline/shard.h pipeline/prompt.c pipeline/prompt.h \
	pipeline/build.c pipeline/build.h pipeline/shards_admin.c pipeline/shards_admin.h
adalink_SOURCES += pipeline/cmd_build.c pipeline/cmd_shards.c
dist_man_MANS += man/adalink-build.1 man/adalink-shards.1
check_PROGRAMS += tests/unit/test_shard tests/unit/test_prompt tests/unit/test_examples
tests_unit_test_shard_LDADD = $(TEST_LDADD)
# the trainer's reader of shards (trainer/examples.c)
tests_unit_test_examples_LDADD = $(TEST_LDADD)
tests_unit_test_prompt_LDADD = $(TEST_LDADD)
TESTS += tests/unit/test_shard tests/unit/test_prompt tests/unit/test_examples tests/cli/build.sh tests/cli/build_kill.sh \
	tests/cli/build_jobs.sh tests/cli/build_faults.sh
EXTRA_DIST += tests/cli/build.sh tests/cli/build_kill.sh tests/ref/shard_read.py \
	tests/cli/build_jobs.sh tests/cli/build_faults.sh tests/fixtures/mkcoco.py

# The crash-safety tests (lib/fault.h): tests/adalink-fault is adalink with
# live crash points (ADALINK_FAULT=KIND:N), the same objects linked after
# tests/fault/fault_on.c, whose al_fault the archive's no-op then yields
# to.  The installed adalink never stops on ADALINK_FAULT.
check_PROGRAMS += tests/adalink-fault
tests_adalink_fault_SOURCES = tests/fault/fault_on.c
tests_adalink_fault_LDADD = $(adalink_OBJECTS) libadalink.a $(DEP_LIBS)
EXTRA_tests_adalink_fault_DEPENDENCIES = $(adalink_OBJECTS) libadalink.a
TESTS += tests/cli/build_crash.sh tests/cli/shards_safety.sh
EXTRA_DIST += tests/cli/build_crash.sh tests/cli/crash_lib.sh tests/cli/shards_safety.sh
# make check-crash: every crash point of a build, a training run's records
# and shards rm, each followed by a clean rerun; repeated real kills
check-crash: adalink tests/adalink-fault
	CRASH_FULL=1 $(MAKE) $(AM_MAKEFLAGS) check TESTS='tests/cli/build_crash.sh'
.PHONY: check-crash
