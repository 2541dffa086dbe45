# trainer/local.mk: adapters, the training step and the run, decoding, opening a
# model for inference, runs in the catalog; the trainer's commands.
libadalink_a_SOURCES += \
	trainer/adalink.c trainer/adalink.h \
	trainer/forward.c trainer/forward.h \
	trainer/optim.c trainer/optim.h \
	trainer/train.c trainer/train.h \
	trainer/decode.c trainer/decode.h \
	trainer/examples.c trainer/examples.h \
	trainer/runlog.c trainer/runlog.h \
	trainer/evaluate.c trainer/evaluate.h \
	trainer/runs.c trainer/runs.h \
	trainer/plot.c trainer/plot.h \
	trainer/merge.c trainer/merge.h \
	trainer/tasks.c trainer/tasks.h \
	trainer/model.c trainer/model.h \
	trainer/predict.c trainer/predict.h \
	trainer/run.c trainer/run.h \
	trainer/run_setup.c trainer/run_setup.h \
	trainer/span.c trainer/span.h \
	trainer/objective.c trainer/objective.h
adalink_SOURCES += trainer/cmd_forward.c trainer/cmd_predict.c trainer/cmd_train.c \
	trainer/cmd_init.c trainer/cmd_runs.c trainer/cmd_plot.c trainer/cmd_merge.c \
	trainer/cmd_convert.c trainer/cmd_examples.c
dist_man_MANS += man/adalink-runs.1 man/adalink-plot.1 man/adalink-forward.1 man/adalink-predict.1 man/adalink-train.1 \
	man/adalink-init.1 man/adalink-merge.1 man/adalink-convert.1 man/adalink-examples.1
check_PROGRAMS += tests/unit/test_adalink tests/unit/test_optim tests/unit/test_train \
	tests/unit/test_methods
tests_unit_test_methods_LDADD = $(TEST_LDADD)
tests_unit_test_train_LDADD = $(TEST_LDADD)
tests_unit_test_optim_LDADD = $(TEST_LDADD)
tests_unit_test_adalink_LDADD = $(TEST_LDADD)
TESTS += tests/unit/test_methods tests/cli/methods.sh tests/cli/merge.sh tests/cli/train_methods.sh
EXTRA_DIST += tests/cli/methods.sh tests/cli/merge.sh tests/cli/train_methods.sh tests/data/methods tests/ref/methods_ref.py
TESTS += tests/unit/test_adalink tests/unit/test_optim tests/unit/test_train tests/cli/forward.sh tests/cli/predict.sh tests/cli/train.sh tests/cli/init_t5.sh tests/cli/runs.sh tests/cli/plot.sh tests/cli/memorise.sh
EXTRA_DIST += tests/cli/runs.sh tests/cli/plot.sh tests/cli/memorise.sh tests/cli/forward.sh tests/cli/predict.sh tests/cli/train.sh tests/cli/init_t5.sh tests/ref/decode_ref.py tests/data/adalink tests/ref/adalink_ref.py \
	tests/data/optim tests/ref/optim_ref.py \
	tests/ref/compare.py

# T5's pretraining objectives (span corruption, prefix LM) and packing
check_PROGRAMS += tests/unit/test_span tests/unit/test_objective
tests_unit_test_span_LDADD = $(TEST_LDADD)
tests_unit_test_objective_LDADD = $(TEST_LDADD)
TESTS += tests/unit/test_span tests/unit/test_objective tests/cli/pretrain.sh tests/cli/convert.sh \
	tests/cli/pretrain_mk.sh
EXTRA_DIST += tests/ref/span_ref.py tests/data/span tests/cli/pretrain.sh tests/cli/convert.sh \
	tests/cli/pretrain_mk.sh examples/pretrain.mk examples/t5-mini-en.json examples/unigram.py
