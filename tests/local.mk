# tests/local.mk: unit tests (C, TAP) and command tests (shell, TAP).
TEST_EXTENSIONS = .sh
# tap-quiet.sh passes on the failures only (AL_TESTS_VERBOSE=1: every result)
LOG_DRIVER = $(SHELL) $(top_srcdir)/tests/tap-quiet.sh \
	env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	ADALINK='$(abs_top_builddir)/adalink'; \
	TESTDATA='$(abs_top_srcdir)/tests/data'; \
	SRCDIR='$(abs_top_srcdir)'; \
	export ADALINK TESTDATA SRCDIR;

UNIT_TESTS = \
	tests/unit/test_err \
	tests/unit/test_safetensors \
	tests/unit/test_catalog \
	tests/unit/test_blas \
	tests/unit/test_nn \
	tests/unit/test_t5 \
	tests/unit/test_json \
	tests/unit/test_utf8 \
	tests/unit/test_array \
	tests/unit/test_strmap
check_PROGRAMS += $(UNIT_TESTS)
TEST_LDADD = libadalink.a $(DEP_LIBS)
tests_unit_test_err_LDADD = $(TEST_LDADD)
tests_unit_test_safetensors_LDADD = $(TEST_LDADD)
tests_unit_test_catalog_LDADD = $(TEST_LDADD)
tests_unit_test_blas_LDADD = $(TEST_LDADD)
tests_unit_test_nn_LDADD = $(TEST_LDADD)
tests_unit_test_t5_LDADD = $(TEST_LDADD)
tests_unit_test_json_LDADD = $(TEST_LDADD)
tests_unit_test_utf8_LDADD = $(TEST_LDADD)
tests_unit_test_array_LDADD = $(TEST_LDADD)
tests_unit_test_strmap_LDADD = $(TEST_LDADD)

CLI_TESTS = \
	tests/cli/commands.sh \
	tests/cli/inspect.sh \
	tests/cli/blas.sh \
	tests/cli/score_records.sh \
	tests/cli/examples_mk.sh \
	tests/cli/projection.sh \
	tests/cli/catalog_sqlite.sh \
	tests/cli/catalog_commands.sh \
	tests/cli/corpus_mk.sh \
	tests/cli/t5_config.sh \
	tests/cli/image_limits.sh \
	tests/cli/output_targets.sh \
	tests/cli/backbone_check.sh \
	tests/cli/options.sh \
	tests/cli/messages.sh \
	tests/cli/man.sh \
	tests/cli/samples.sh \
	tests/cli/readme.sh

TESTS += $(UNIT_TESTS) $(CLI_TESTS)
EXTRA_DIST += tests/tap.h tests/tap-quiet.sh tests/cli/lib.sh $(CLI_TESTS) tests/cli/readme.py \
	examples/glue.mk examples/common.mk examples/vl.mk examples/coco.mk examples/vqa.mk examples/mkglue.py \
	examples/corpus.mk examples/corpus.py examples/rdata.py \
	tests/data/safetensors/gen.py \
	tests/data/safetensors/good tests/data/safetensors/bad \
	tests/data/t5 tests/ref/st.py tests/ref/t5_ref.py \
	tests/fuzz/fuzz_safetensors.c tests/fuzz/fuzz_image.c tests/fuzz/fuzz_spm.c \
	tests/fuzz/README

# make check-readme: the README's blocks, the slow ones (minutes) too
check-readme:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='tests/cli/readme.sh' README_SLOW=1

# make unit-check: the C unit tests only (CI runs them under sanitizers)
unit-check:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(UNIT_TESTS) $(METRICS_UNIT_TESTS) \
		$(SPM_UNIT_TESTS) $(IMAGE_UNIT_TESTS)'

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_safetensors tests/fuzz/fuzz_image tests/fuzz/fuzz_spm
tests_fuzz_fuzz_safetensors_SOURCES = tests/fuzz/fuzz_safetensors.c
tests_fuzz_fuzz_safetensors_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_safetensors_LDADD = libadalink.a $(DEP_LIBS)
tests_fuzz_fuzz_image_SOURCES = tests/fuzz/fuzz_image.c
tests_fuzz_fuzz_image_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_image_LDADD = libadalink.a $(DEP_LIBS)
tests_fuzz_fuzz_spm_SOURCES = tests/fuzz/fuzz_spm.c
tests_fuzz_fuzz_spm_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_spm_LDADD = libadalink.a $(DEP_LIBS)
endif
