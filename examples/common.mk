# examples/common.mk: what glue.mk and vl.mk share: the defaults, the
# rules of each method (train, predict, trainable parameters), results.md
# and clean.  The includer sets OUT, then EVAL (the build each run is
# checked and predicted on: NAME-$(EVAL)), TRAIN_EXTRA and PREDICT_EXTRA
# (options of every train and predict), and gives the rules for the builds,
# the references, the scores and results.tsv.

# adalink on PATH, else the program built in this source tree (build/adalink)
ifeq ($(origin ADALINK),undefined)
ADALINK := $(or $(shell command -v adalink 2>/dev/null),$(abspath $(dir $(lastword $(MAKEFILE_LIST)))../build/adalink))
endif
BACKBONE ?=
SPM ?=
METHODS ?= adalink
STEPS ?= 1000
BATCH ?= 8
RANK ?= 64
LR ?= 1e-3
EVERY ?= 100
TRAINFLAGS ?=

ifeq ($(strip $(SPM)),)
$(error SPM= names the SentencePiece model of the backbone (T5's spiece.model))
endif

CAT := $(OUT)/catalog.db
# the method's options for adalink train (RANK: AdaLink's rank, LoRA's r, the
# prompt MLP's width)
method_flags = $(if $(filter adalink,$1),,--method $1) $(if $(filter full,$1),,-r $(RANK))
# full fine-tuning writes a whole checkpoint: it is the backbone to predict with
predict_flags = $(if $(filter full,$1),-b $2,-b $(BACKBONE) -a $2)

all: $(OUT)/results.tsv $(OUT)/results.md

$(OUT)/builds $(OUT)/refs $(foreach m,$(METHODS),$(OUT)/$m):
	mkdir -p $@

define method_rules
$(OUT)/$1/%.safetensors: $(OUT)/builds/%-train.done $(OUT)/builds/%-$(EVAL).done $(BACKBONE) | $(OUT)/$1
	$(ADALINK) train -q -b $(BACKBONE) -C $(CAT) -t $$*-train --run $$*-$1 $(TRAIN_EXTRA) \
		$(call method_flags,$1) -l $(LR) -n $(STEPS) -B $(BATCH) -e $(EVERY) $(TRAINFLAGS) \
		-o $$@ >/dev/null
$(OUT)/$1/%.pred.jsonl: $(OUT)/$1/%.safetensors
	$(ADALINK) predict -q $(call predict_flags,$1,$$<) -C $(CAT) -d $$*-$(EVAL) -m $(SPM) \
		-L $(MAXLEN) $(PREDICT_EXTRA) >$$@.tmp
	mv $$@.tmp $$@
# trainable parameters, as train --dry-run counts them (the same for every task)
$(OUT)/$1.params: $(BACKBONE) | $(OUT)/$1
	$(ADALINK) train -q --dry-run -b $(BACKBONE) $(call method_flags,$1) $(TRAINFLAGS) | \
		awk -F'\t' '$$$$1 == "trainable" { print $$$$2 }' >$$@.tmp
	mv $$@.tmp $$@
endef
$(foreach m,$(METHODS),$(eval $(call method_rules,$m)))

PARAMS := $(foreach m,$(METHODS),$(OUT)/$m.params)

$(OUT)/results.md: $(OUT)/results.tsv
	awk -F'\t' 'NR == 1 { printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $$i; printf "\n|"; \
		for (i = 1; i <= NF; i++) printf "%s", (i == 1 ? "---|" : "---:|"); printf "\n"; next } \
		{ printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $$i; printf "\n" }' $< >$@.tmp
	mv $@.tmp $@

clean:
	rm -rf $(OUT)

.PHONY: all clean
.DELETE_ON_ERROR:
# the adapters, predictions and build stamps are results, not intermediates
.SECONDARY:
