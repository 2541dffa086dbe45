# examples/glue.mk: GLUE from the archive to a results table, one file target
# per stage, so that a second make does nothing, a changed input redoes only
# what depends on it, and make -j is safe (the catalog serialises writers).
#
#   make -f examples/glue.mk GLUE=glue_data.zip BACKBONE=t5/ SPM=spiece.model \
#        [TASKS="CoLA SST-2 ..."] [METHODS="adalink prompt lora full"] \
#        [STEPS=1000] [BATCH=8] [RANK=64] [LR=1e-3] [OUT=glue-out] [ADALINK=adalink]
#
# Stages: build (train and dev shards of each task, in $(OUT)/catalog.db),
# train (each method on each task, recorded as run TASK-METHOD), predict
# (the dev set, greedy), score (the task's GLUE metrics), and
# $(OUT)/results.tsv and results.md: methods as rows, tasks as columns (each
# task's GLUE score x 100, as the leaderboard combines its metrics), the GLUE
# average over the tasks run, and the trainable parameters of each method.

GLUE ?= glue_data.zip
TASKS ?= CoLA SST-2 MRPC STS-B QQP MNLI QNLI RTE
MAXLEN ?= 8
OUT ?= glue-out

ifeq ($(strip $(BACKBONE)),)
$(error BACKBONE= names the frozen T5 checkpoint (adalink init --config t5-tiny --vocab-size 32128 -o t5.safetensors makes a random one))
endif

# each task's run is checked on its dev build, which is also predicted
EVAL = dev
TRAIN_EXTRA = -D $$*-dev
PREDICT_EXTRA =
include $(dir $(lastword $(MAKEFILE_LIST)))common.mk

lower = $(subst A,a,$(subst B,b,$(subst C,c,$(subst D,d,$(subst E,e,$(subst F,f,$(subst G,g,$(subst H,h,$(subst I,i,$(subst L,l,$(subst M,m,$(subst N,n,$(subst O,o,$(subst P,p,$(subst Q,q,$(subst R,r,$(subst S,s,$(subst T,t,$(subst W,w,$(subst X,x,$1))))))))))))))))))))
# CoLA -> cola, SST-2 -> sst2, STS-B -> stsb: the task names adalink uses
ids := $(foreach t,$(TASKS),$(subst -,,$(call lower,$t)))
devsplit = $(if $(filter mnli,$1),dev_matched,dev)

# shards: a build the catalog already holds with the same inputs is skipped;
# the stamp keeps build's summary line
$(OUT)/builds/%-train.done: $(GLUE) $(SPM) | $(OUT)/builds
	$(ADALINK) build -q -c $(CAT) -O $(OUT)/shards -n $*-train -m $(SPM) -t $* -s train glue $(GLUE) >$@.tmp
	mv $@.tmp $@
$(OUT)/builds/%-dev.done: $(GLUE) $(SPM) | $(OUT)/builds
	$(ADALINK) build -q -c $(CAT) -O $(OUT)/shards -n $*-dev -m $(SPM) -t $* -s $(call devsplit,$*) glue $(GLUE) >$@.tmp
	mv $@.tmp $@

# references: the dev records as ingest gives them (id and numeric label)
$(OUT)/refs/%.jsonl: $(GLUE) | $(OUT)/refs
	$(ADALINK) ingest -q glue --task $* --split $(call devsplit,$*) $(GLUE) >$@.tmp
	mv $@.tmp $@

# scores: the task's GLUE metrics
define score_rules
$(OUT)/$1/%.score.tsv: $(OUT)/$1/%.pred.jsonl $(OUT)/refs/%.jsonl
	$(ADALINK) score -q glue $$* -r $(OUT)/refs/$$*.jsonl -p $$< >$$@.tmp
	mv $$@.tmp $$@
endef
$(foreach m,$(METHODS),$(eval $(call score_rules,$m)))

SCORES := $(foreach m,$(METHODS),$(foreach t,$(ids),$(OUT)/$m/$t.score.tsv))

# the table: one row per method; a task's cell is its glue_score x 100
$(OUT)/results.tsv: $(SCORES) $(PARAMS)
	{ printf 'method'; for t in $(TASKS); do printf '\t%s' $$t; done; printf '\tGLUE\tparams\n'; \
	  for m in $(METHODS); do \
	    printf '%s' $$m; sum=0; \
	    for t in $(ids); do \
	      v=$$(awk -F'\t' '$$1 == "glue_score" { printf "%.1f", 100 * $$2 }' $(OUT)/$$m/$$t.score.tsv); \
	      printf '\t%s' $$v; sum=$$(awk -v a=$$sum -v b=$$v 'BEGIN { print a + b }'); \
	    done; \
	    awk -v s=$$sum -v n=$(words $(ids)) 'BEGIN { printf "\t%.1f", s / n }'; \
	    printf '\t%s\n' $$(cat $(OUT)/$$m.params); \
	  done; } >$@.tmp
	mv $@.tmp $@
