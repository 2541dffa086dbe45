# metrics/local.mk: the metrics library and adalink score.
libadalink_a_SOURCES += \
	metrics/pynum.c metrics/pynum.h \
	metrics/utf8.c metrics/utf8.h \
	metrics/caption.c metrics/caption.h metrics/caption_impl.h \
	metrics/cider.c metrics/bleu.c metrics/rouge.c \
	metrics/ptbtok.c metrics/ptbtok.h \
	metrics/vqa.c metrics/vqa.h \
	metrics/anls.c metrics/anls.h \
	metrics/glue.c metrics/glue.h \
	metrics/input.c metrics/input.h \
	metrics/score.c metrics/score.h
adalink_SOURCES += metrics/cmd_score.c
dist_man_MANS += man/adalink-score.1

# Tests: the library's unit tests, and adalink score against the official
# scorers' numbers (tests/data/metrics, copied from the shared fixtures).
METRICS_UNIT_TESTS = \
	tests/unit/test_caption \
	tests/unit/test_vqa \
	tests/unit/test_anls \
	tests/unit/test_glue \
	tests/unit/test_ptbtok
check_PROGRAMS += $(METRICS_UNIT_TESTS)
tests_unit_test_caption_LDADD = $(TEST_LDADD)
tests_unit_test_vqa_LDADD = $(TEST_LDADD)
tests_unit_test_anls_LDADD = $(TEST_LDADD)
tests_unit_test_glue_LDADD = $(TEST_LDADD)
tests_unit_test_ptbtok_LDADD = $(TEST_LDADD)
TESTS += $(METRICS_UNIT_TESTS) tests/cli/score.sh tests/cli/score_tokenize.sh
EXTRA_DIST += tests/cli/score.sh tests/cli/score_tokenize.sh tests/data/metrics tests/data/ptb bench/metrics bench/ref

# make bench-metrics: time adalink score against the Python reference
bench-metrics: adalink
	$(SHELL) $(srcdir)/bench/metrics ./adalink
