# datasets/local.mk: dataset readers, the registry, adalink ingest.
libadalink_a_SOURCES += \
	datasets/source.c datasets/source.h \
	datasets/arena.c datasets/arena.h \
	datasets/record.c datasets/record.h \
	datasets/ds.h datasets/family.h datasets/ingest.c datasets/registry.c \
	datasets/glue.c \
	datasets/coco.c datasets/vqa.c datasets/text.c \
	datasets/iter.c datasets/iter.h
adalink_SOURCES += datasets/cmd_ingest.c
dist_man_MANS += man/adalink-ingest.1

# tests: unit (C), command (shell), fixtures and data
check_PROGRAMS += tests/unit/test_datasets
tests_unit_test_datasets_LDADD = $(TEST_LDADD)
TESTS += tests/unit/test_datasets tests/cli/ingest.sh tests/cli/ingest_text.sh
EXTRA_DIST += tests/cli/ingest.sh tests/cli/ingest_text.sh tests/fixtures/mkdist.py tests/fixtures/compare.py \
	tests/data/datasets tests/fuzz/fuzz_glue.c tests/fuzz/fuzz_json_coco.c \
	tests/fuzz/fuzz_json_vqa.c tests/fuzz/fuzz_json_common.h bench/ingest

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_glue tests/fuzz/fuzz_json_coco tests/fuzz/fuzz_json_vqa
tests_fuzz_fuzz_glue_SOURCES = tests/fuzz/fuzz_glue.c
tests_fuzz_fuzz_glue_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_glue_LDADD = libadalink.a $(DEP_LIBS)
tests_fuzz_fuzz_json_coco_SOURCES = tests/fuzz/fuzz_json_coco.c
tests_fuzz_fuzz_json_coco_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_json_coco_LDADD = libadalink.a $(DEP_LIBS)
tests_fuzz_fuzz_json_vqa_SOURCES = tests/fuzz/fuzz_json_vqa.c
tests_fuzz_fuzz_json_vqa_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_json_vqa_LDADD = libadalink.a $(DEP_LIBS)
endif

# make bench-ingest [BENCH_MB=2048]: adalink ingest against bsdtar -xOf
bench-ingest: adalink
	$(SHELL) $(srcdir)/bench/ingest ./adalink $(BENCH_MB)
