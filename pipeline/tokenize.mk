# pipeline/tokenize.mk: SentencePiece and adalink tokenize.
libadalink_a_SOURCES += \
	pipeline/spm_model.c pipeline/spm_model.h \
	pipeline/spm_trie.c pipeline/spm_trie.h \
	pipeline/spm_norm.c pipeline/spm_norm.h \
	pipeline/spm.c pipeline/spm.h pipeline/spm_impl.h \
	pipeline/spm_segment.c pipeline/spm_decode.c
adalink_SOURCES += pipeline/cmd_tokenize.c

SPM_UNIT_TESTS = tests/unit/test_spm_model tests/unit/test_spm_trie \
	tests/unit/test_spm_norm tests/unit/test_spm
check_PROGRAMS += $(SPM_UNIT_TESTS)
tests_unit_test_spm_model_LDADD = $(TEST_LDADD)
tests_unit_test_spm_trie_LDADD = $(TEST_LDADD)
tests_unit_test_spm_norm_LDADD = $(TEST_LDADD)
tests_unit_test_spm_LDADD = $(TEST_LDADD)
TESTS += $(SPM_UNIT_TESTS) tests/cli/tokenize.sh
EXTRA_DIST += tests/cli/tokenize.sh tests/data/spm tests/ref/spm_gen.py \
	tests/ref/spm_decode.py tests/ref/spm_edit.py bench/tokenize
dist_man_MANS += man/adalink-tokenize.1
