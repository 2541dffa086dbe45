# examples/vl.mk: the machinery shared by coco.mk and vqa.mk: for each
# dataset D of $(DSETS) (with $(D_DATASET), $(D_ANN), $(D_IMAGES),
# $(D_TRAIN), $(D_TEST), $(D_METRIC), $(D_TASK) set by the includer), build
# train and test shards with patch embeddings, train each method with text
# and image modules, predict the test split, score it, and gather
# $(OUT)/results.tsv and results.md: methods as rows, one column per
# dataset and number in $(D_COLUMNS) (x 100), and the trainable parameters.
# What glue.mk does too is in common.mk.

VIT ?=
SIZE ?= 224
PATCH ?= 14
MAXLEN ?= 20
BEAM ?= 1
BUILDFLAGS ?=

ifeq ($(strip $(BACKBONE)),)
$(error BACKBONE= names the frozen T5 checkpoint with a vision_projection (adalink init --config t5-tiny --vocab-size 32128 --vision-dim 588 -o t5.safetensors makes a random one))
endif
ifeq ($(strip $(DSETS)),)
$(error no dataset given: see the usage at the top of this file)
endif

# every run trains text and image modules and predicts the test build
EVAL = test
TRAIN_EXTRA = -M text,image
PREDICT_EXTRA = -k $(BEAM)
include $(dir $(lastword $(MAKEFILE_LIST)))common.mk

build_flags = $(if $(VIT),-V $(VIT)) -S $(SIZE) -P $(PATCH) $(BUILDFLAGS)
task_flag = $(if $($1_TASK),-t $($1_TASK))

define dataset_rules
$(OUT)/builds/$1-train.done: $($1_ANN) $($1_IMAGES) $(SPM) $(VIT) | $(OUT)/builds
	$(ADALINK) build -q -c $(CAT) -O $(OUT)/shards -n $1-train -m $(SPM) $(build_flags) \
		$(call task_flag,$1) -s $($1_TRAIN) $($1_DATASET) $($1_ANN) $($1_IMAGES) >$$@.tmp
	mv $$@.tmp $$@
$(OUT)/builds/$1-test.done: $($1_ANN) $($1_IMAGES) $(SPM) $(VIT) | $(OUT)/builds
	$(ADALINK) build -q -c $(CAT) -O $(OUT)/shards -n $1-test -m $(SPM) $(build_flags) \
		$(call task_flag,$1) -s $($1_TEST) $($1_DATASET) $($1_ANN) $($1_IMAGES) >$$@.tmp
	mv $$@.tmp $$@
# references: the test records as ingest gives them (annotations only)
$(OUT)/refs/$1.jsonl: $($1_ANN) | $(OUT)/refs
	$(ADALINK) ingest -q --no-images $(call task_flag,$1) -s $($1_TEST) $($1_DATASET) $($1_ANN) >$$@.tmp
	mv $$@.tmp $$@
endef
$(foreach d,$(DSETS),$(eval $(call dataset_rules,$d)))

# scores: the dataset's metric; the references' "targets" are its references
define score_rules
$(OUT)/$1/$2.score.tsv: $(OUT)/$1/$2.pred.jsonl $(OUT)/refs/$2.jsonl
	$(ADALINK) score -q $($2_METRIC) -r $(OUT)/refs/$2.jsonl -p $$< >$$@.tmp
	mv $$@.tmp $$@
endef
$(foreach m,$(METHODS),$(foreach d,$(DSETS),$(eval $(call score_rules,$m,$d))))

SCORES := $(foreach m,$(METHODS),$(foreach d,$(DSETS),$(OUT)/$m/$d.score.tsv))

# one column per dataset and named number: "D NAME" from $(D_COLUMNS)
$(OUT)/results.tsv: $(SCORES) $(PARAMS)
	{ printf 'method'; \
	  $(foreach d,$(DSETS),for c in $($d_COLUMNS); do printf '\t%s %s' '$($d_LABEL)' $$c; done;) \
	  printf '\tparams\n'; \
	  for m in $(METHODS); do \
	    printf '%s' $$m; \
	    $(foreach d,$(DSETS),for c in $($d_COLUMNS); do \
	      awk -F'\t' -v c=$$c '$$1 == c { printf "\t%.1f", 100 * $$2; f = 1 } END { if (!f) printf "\t-" }' \
		$(OUT)/$$m/$d.score.tsv; done;) \
	    printf '\t%s\n' $$(cat $(OUT)/$$m.params); \
	  done; } >$@.tmp
	mv $@.tmp $@
