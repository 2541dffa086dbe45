# pipeline/local.mk: tokenizer, images, shards.  Each part has its own
# fragment so that they can be written side by side.
include pipeline/tokenize.mk
include pipeline/images.mk
