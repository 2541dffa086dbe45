# examples/vqa.mk: visual question answering from the archives to a results
# table laid out like the paper's Table 4: VQA accuracy on VQAv2, OK-VQA and
# TextVQA, ANLS on DocVQA and ST-VQA.
#
#   make -f examples/vqa.mk BACKBONE=t5.safetensors SPM=spiece.model [VIT=vit.safetensors] \
#        [VQAV2_ANN="v2_OpenEnded_mscoco_val2014_questions.json v2_mscoco_val2014_annotations.json" \
#         VQAV2_IMAGES=val2014.zip VQAV2_TRAIN=val VQAV2_TEST=val] \
#        [OKVQA_ANN=... OKVQA_IMAGES=...] [TEXTVQA_ANN=... TEXTVQA_IMAGES=...] \
#        [DOCVQA_ANN=... DOCVQA_IMAGES=...] [STVQA_ANN=... STVQA_IMAGES=...] \
#        [METHODS="adalink ..."] [STEPS=1000] [BATCH=8] [RANK=64] [LR=1e-3] \
#        [MAXLEN=8] [BEAM=1] [OUT=vqa-out] [ADALINK=adalink]
#
# A dataset whose _ANN is empty is left out.  Splits default to train and
# val.  ST-VQA (its task 3) publishes answers for train only: hold some of
# it out and name the splits with STVQA_TRAIN and STVQA_TEST.  Each stage is a file target (see
# vl.mk): a second make does nothing and make -j is safe.

define vqa_dataset
$1_ANN = $$($2_ANN)
$1_IMAGES = $$($2_IMAGES)
$1_DATASET = $3
$1_TRAIN = $$(or $$($2_TRAIN),train)
$1_TEST = $$(or $$($2_TEST),$4)
$1_METRIC = $5
$1_LABEL = $6
$1_COLUMNS = $7
$1_TASK = $8
endef
$(eval $(call vqa_dataset,vqav2,VQAV2,vqav2,val,vqa,VQAv2,VQA,))
$(eval $(call vqa_dataset,okvqa,OKVQA,okvqa,val,vqa,OK-VQA,VQA,))
$(eval $(call vqa_dataset,textvqa,TEXTVQA,textvqa,val,vqa,TextVQA,VQA,))
$(eval $(call vqa_dataset,docvqa,DOCVQA,docvqa,val,anls,DocVQA,ANLS,))
$(eval $(call vqa_dataset,stvqa,STVQA,stvqa,train,anls,ST-VQA,ANLS,3))
DSETS := $(foreach d,vqav2 okvqa textvqa docvqa stvqa,$(if $(strip $($d_ANN)),$d))
OUT ?= vqa-out
MAXLEN ?= 8
include $(dir $(lastword $(MAKEFILE_LIST)))vl.mk
