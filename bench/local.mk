# bench/local.mk: benchmarks print ratios against reference tools; never
# part of make check.  make bench-blas runs bench/blas.
noinst_PROGRAMS += bench/sgemm
bench_sgemm_SOURCES = bench/sgemm.c
bench_sgemm_LDADD = libadalink.a $(DEP_LIBS)
EXTRA_DIST += bench/blas

bench-blas: bench/sgemm
	$(SHELL) $(srcdir)/bench/blas ./bench/sgemm
