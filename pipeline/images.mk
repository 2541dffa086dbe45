# pipeline/images.mk: image decode, resize, patchify, ViT; adalink patches.
