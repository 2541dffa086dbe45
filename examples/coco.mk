# examples/coco.mk: image captioning from the archives to a results table
# laid out like the paper's Table 1 (CIDEr, with BLEU-4 and ROUGE-L).
#
#   make -f examples/coco.mk BACKBONE=t5.safetensors SPM=spiece.model [VIT=vit.safetensors] \
#        COCO_ANN=caption_datasets.zip COCO_IMAGES="train2014.zip val2014.zip" \
#        [COCO_DATASET=coco-karpathy] [COCO_TRAIN=train] [COCO_TEST=test] \
#        [TEXTCAPS_ANN="TextCaps_0.1_train.json TextCaps_0.1_val.json" \
#         TEXTCAPS_IMAGES=train_val_images.zip] [TEXTCAPS_TRAIN=train] [TEXTCAPS_TEST=val] \
#        [METHODS="adalink ..."] [STEPS=1000] [BATCH=8] [RANK=64] [LR=1e-3] \
#        [MAXLEN=20] [BEAM=1] [OUT=coco-out] [ADALINK=adalink]
#
# Each stage is a file target (see vl.mk): a second make does nothing and
# make -j is safe.  A dataset whose _ANN is empty is left out.

COCO_ANN ?=
COCO_IMAGES ?=
COCO_DATASET ?= coco-karpathy
COCO_TRAIN ?= train
COCO_TEST ?= test
COCO_METRIC = caption
COCO_LABEL = COCO
COCO_COLUMNS = CIDEr Bleu_4 ROUGE_L
TEXTCAPS_ANN ?=
TEXTCAPS_IMAGES ?=
TEXTCAPS_DATASET = textcaps
TEXTCAPS_TRAIN ?= train
TEXTCAPS_TEST ?= val
TEXTCAPS_METRIC = caption
TEXTCAPS_LABEL = TextCaps
TEXTCAPS_COLUMNS = CIDEr Bleu_4 ROUGE_L
# the lower-case names the rules use
$(foreach k,DATASET ANN IMAGES TRAIN TEST METRIC LABEL COLUMNS,\
	$(eval coco_$k = $$(COCO_$k))$(eval textcaps_$k = $$(TEXTCAPS_$k)))
DSETS := $(if $(strip $(COCO_ANN)),coco) $(if $(strip $(TEXTCAPS_ANN)),textcaps)
OUT ?= coco-out
MAXLEN ?= 20
include $(dir $(lastword $(MAKEFILE_LIST)))vl.mk
