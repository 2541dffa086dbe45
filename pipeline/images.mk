# pipeline/images.mk: image decode, resize, patchify; adalink patches.
libadalink_a_SOURCES += \
	pipeline/image.c pipeline/image.h \
	pipeline/image_jpeg.c pipeline/image_png.c \
	pipeline/image_resize.c pipeline/image_resize.h \
	pipeline/image_patch.c pipeline/image_patch.h
adalink_SOURCES += pipeline/cmd_patches.c
dist_man_MANS += man/adalink-patches.1

IMAGE_UNIT_TESTS = \
	tests/unit/test_image \
	tests/unit/test_image_resize \
	tests/unit/test_image_patch \
	tests/unit/test_image_vit
check_PROGRAMS += $(IMAGE_UNIT_TESTS)
tests_unit_test_image_LDADD = $(TEST_LDADD)
tests_unit_test_image_resize_LDADD = $(TEST_LDADD)
tests_unit_test_image_patch_LDADD = $(TEST_LDADD)
tests_unit_test_image_vit_LDADD = $(TEST_LDADD)
TESTS += $(IMAGE_UNIT_TESTS) tests/cli/patches.sh
EXTRA_DIST += tests/cli/patches.sh tests/data/images bench/images \
	tests/ref/pil_resize.py tests/ref/patches_ref.py tests/ref/vit_ref.py

# make bench-images: bench/images against Pillow (needs python3-pil, numpy)
noinst_PROGRAMS += bench/image_rate
bench_image_rate_SOURCES = bench/image_rate.c
bench_image_rate_LDADD = libadalink.a $(DEP_LIBS)
bench-images: adalink bench/image_rate
	/usr/bin/python3 $(srcdir)/bench/images ./adalink ./bench/image_rate
