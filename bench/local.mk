# bench/local.mk: benchmarks print ratios against reference tools; never
# part of make check.  make bench-blas runs bench/blas.
noinst_PROGRAMS += bench/sgemm
bench_sgemm_SOURCES = bench/sgemm.c
bench_sgemm_LDADD = libadalink.a $(DEP_LIBS)
EXTRA_DIST += bench/blas

bench-blas: bench/sgemm
	$(SHELL) $(srcdir)/bench/blas ./bench/sgemm

noinst_PROGRAMS += bench/train_step
bench_train_step_SOURCES = bench/train_step.c
bench_train_step_LDADD = libadalink.a $(DEP_LIBS)
EXTRA_DIST += bench/train bench/ref/train_step.py

bench-train: bench/train_step bench/sgemm
	$(SHELL) $(srcdir)/bench/train .

# the step that trains every weight (pretraining, full fine-tuning)
bench-train-full: bench/train_step bench/sgemm
	MODE=full $(SHELL) $(srcdir)/bench/train .

EXTRA_DIST += bench/methods
bench-methods: adalink
	$(SHELL) $(srcdir)/bench/methods .

bench-tokenize: adalink
	$(SHELL) $(srcdir)/bench/tokenize ./adalink

EXTRA_DIST += bench/build

bench-build: adalink
	$(SHELL) $(srcdir)/bench/build ./adalink
