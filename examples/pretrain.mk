# examples/pretrain.mk: a small pretrained T5 made here from nothing, with
# adalink's own commands: the corpus (examples/corpus.mk), a random T5 of
# the geometry in CONFIG, T5's span corruption for STEPS steps, LM
# adaptation (the prefix LM) for LM_STEPS more, the model in BF16 as a
# Hugging Face folder, and its measurements on the held-out 1%.
#
#   make -f examples/pretrain.mk [OUT=/var/tmp/pretrain] [STEPS=20000]
#        [LM_STEPS=2000] [BATCH=32] [INLEN=128] [LR=1e-3] [WARMUP=500]
#        [EVERY=250] [CONFIG=examples/t5-mini-en.json] [NAME=t5-mini-en]
#        [CORPUS=DIR] [ADALINK=adalink] [NICE=nice -n 19]
#
# Stages, one file target each; a run stopped at any point continues where
# its last checkpoint left it (train --resume) when make is run again:
#   corpus    make -f examples/corpus.mk WORK=$(OUT)/corpus-work, unless
#             CORPUS names a folder that holds train.jsonl, valid.jsonl and
#             spm.model already
#   init      adalink init --config-json $(CONFIG) (Hugging Face's T5
#             initialisation)
#   span      adalink train --objective span --method full: AdamW at LR,
#             linear warm-up over WARMUP steps then 1/sqrt decay, BATCH
#             examples of INLEN encoder tokens a step, the validation loss
#             on the first 300 held-out documents every EVERY steps; the run
#             is "span" in $(OUT)/runs.db
#   lm        adalink train --objective prefix-lm from the span model, at a
#             tenth of LR, constant: the run "lm"
#   model     adalink convert --dtype bf16 into $(OUT)/$(NAME)/ (config.json,
#             model.safetensors), with spm.model beside it
#   eval      $(OUT)/eval.tsv: on every held-out document, the span-corruption
#             loss and the prefix-LM per-token perplexity (adalink examples,
#             then adalink forward), and the unigram model's perplexity on
#             the same continuations (examples/unigram.py)
#   curves    $(OUT)/curves.svg: both runs' training and validation loss
#
# A short run for the tests: STEPS=20 LM_STEPS=5 EVERY=10 CORPUS=DIR.
SRC := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
OUT ?= /var/tmp/pretrain
ADALINK ?= adalink
PYTHON ?= /usr/bin/python3
NICE ?= nice -n 19
CONFIG ?= $(SRC)/examples/t5-mini-en.json
NAME ?= t5-mini-en
STEPS ?= 20000
LM_STEPS ?= 2000
BATCH ?= 32
INLEN ?= 128
LR ?= 1e-3
LM_LR ?= 1e-4
WARMUP ?= 500
EVERY ?= 250
SEED ?= 0
CORPUS ?= $(OUT)/corpus-work/corpus
VOCAB = $(shell $(PYTHON) -c 'import json,sys; print(json.load(open(sys.argv[1]))["vocab_size"])' $(CONFIG))
TRAIN = $(ADALINK) train --method full -O adamw -B $(BATCH) --inputs-length $(INLEN) \
	-e $(EVERY) -s $(SEED) -C $(OUT)/runs.db -d $(CORPUS)/train.jsonl -D $(OUT)/valid300.jsonl \
	--model $(CORPUS)/spm.model

all: $(OUT)/$(NAME)/model.safetensors $(OUT)/eval.tsv $(OUT)/curves.svg

$(CORPUS)/train.jsonl $(CORPUS)/valid.jsonl $(CORPUS)/spm.model:
	$(MAKE) -f $(SRC)/examples/corpus.mk WORK=$(OUT)/corpus-work ADALINK=$(ADALINK)

$(OUT)/valid300.jsonl: $(CORPUS)/valid.jsonl
	mkdir -p $(OUT)
	head -300 $< >$@.tmp && mv $@.tmp $@

$(OUT)/init.safetensors: $(CONFIG)
	mkdir -p $(OUT)
	$(ADALINK) init --config-json $(CONFIG) --seed $(SEED) -o $@

# a checkpoint without its .done stamp is a run that stopped: resume it
$(OUT)/span.done: $(OUT)/init.safetensors $(OUT)/valid300.jsonl $(CORPUS)/train.jsonl $(CORPUS)/spm.model
	$(NICE) $(TRAIN) -b $(OUT)/init.safetensors --objective span -l $(LR) -w $(WARMUP) \
		-n $(STEPS) --run span -o $(OUT)/span.safetensors \
		$(if $(wildcard $(OUT)/span.safetensors.state),--resume)
	touch $@

$(OUT)/lm.done: $(OUT)/span.done
	$(NICE) $(TRAIN) -b $(OUT)/span.safetensors --objective prefix-lm -l $(LM_LR) \
		--schedule constant -n $(LM_STEPS) --run lm -o $(OUT)/lm.safetensors \
		$(if $(wildcard $(OUT)/lm.safetensors.state),--resume)
	touch $@

$(OUT)/$(NAME)/model.safetensors: $(OUT)/lm.done
	$(ADALINK) convert -b $(OUT)/lm.safetensors --dtype bf16 -o $(OUT)/$(NAME)/
	cp $(CORPUS)/spm.model $(OUT)/$(NAME)/spm.model

# the held-out documents through both objectives (the noise of visit 0),
# the model's loss on them, and the unigram baseline on the continuations
$(OUT)/eval.tsv: $(OUT)/$(NAME)/model.safetensors $(CORPUS)/valid.jsonl
	$(ADALINK) examples --objective span -m $(CORPUS)/spm.model --vocab-size $(VOCAB) \
		--inputs-length $(INLEN) -s $(SEED) $(CORPUS)/valid.jsonl >$(OUT)/valid.span.jsonl
	$(ADALINK) examples --objective prefix-lm -m $(CORPUS)/spm.model --vocab-size $(VOCAB) \
		--inputs-length $(INLEN) -s $(SEED) $(CORPUS)/valid.jsonl >$(OUT)/valid.prefix.jsonl
	$(NICE) $(ADALINK) forward -b $(OUT)/$(NAME) $(OUT)/valid.span.jsonl >$(OUT)/valid.span.nll
	$(NICE) $(ADALINK) forward -b $(OUT)/$(NAME) $(OUT)/valid.prefix.jsonl >$(OUT)/valid.prefix.nll
	$(PYTHON) $(SRC)/examples/unigram.py $(CORPUS)/spm.model $(VOCAB) $(CORPUS)/train.jsonl \
		$(OUT)/valid.prefix.jsonl >$(OUT)/unigram.tsv
	$(PYTHON) -c 'import json, math, sys; \
	  f = lambda p: [json.loads(l) for l in open(p)]; \
	  s, p = f(sys.argv[1]), f(sys.argv[2]); \
	  u = open(sys.argv[3]).read().split(); \
	  nll = lambda xs: sum(x["nll"] for x in xs) / sum(x["tokens"] for x in xs); \
	  print("measure\tvalue"); \
	  print("span_examples\t%d" % len(s)); print("span_loss\t%.4f" % nll(s)); \
	  print("prefix_examples\t%d" % len(p)); print("prefix_tokens\t%d" % sum(x["tokens"] for x in p)); \
	  print("prefix_perplexity\t%.4f" % math.exp(nll(p))); \
	  print("unigram_perplexity\t%s" % u[1]); \
	  print("ratio\t%.4f" % (math.exp(nll(p)) / float(u[1])))' \
	  $(OUT)/valid.span.nll $(OUT)/valid.prefix.nll $(OUT)/unigram.tsv >$@.tmp && mv $@.tmp $@
	cat $@

$(OUT)/curves.svg: $(OUT)/lm.done
	$(ADALINK) plot -c $(OUT)/runs.db -D dev_loss -o $@ span lm

clean:
	rm -rf $(OUT)/init.safetensors $(OUT)/span.* $(OUT)/lm.* $(OUT)/$(NAME) $(OUT)/eval.tsv \
		$(OUT)/valid* $(OUT)/unigram.tsv $(OUT)/curves.svg $(OUT)/runs.db*

.PHONY: all clean
.DELETE_ON_ERROR:
