# lib/local.mk: libadalink, the core every part shares.
noinst_LIBRARIES += libadalink.a
libadalink_a_SOURCES = \
	lib/err.c lib/err.h \
	lib/log.c lib/log.h \
	lib/file.c lib/file.h \
	lib/fault.c lib/fault.h \
	lib/safetensors.c lib/safetensors_write.c lib/safetensors.h \
	lib/catalog.c lib/catalog.h lib/catalog_impl.h \
	lib/catalog_builds.c lib/catalog_builds.h \
	lib/catalog_runs.c lib/catalog_runs.h \
	lib/blas.c lib/blas.h \
	lib/nn.c lib/nn.h \
	lib/par.c lib/par.h \
	lib/t5.c lib/t5.h lib/t5_impl.h lib/t5_decode.c \
	lib/rng.c lib/rng.h \
	lib/vit.c lib/vit.h \
	lib/hash.c lib/hash.h \
	lib/json_read.c lib/json_read.h \
	lib/json_write.c lib/json_write.h \
	lib/utf8.c lib/utf8.h \
	lib/array.c lib/array.h \
	lib/strmap.c lib/strmap.h

