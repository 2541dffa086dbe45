/* blas.c: OpenBLAS core selection and the sgemm wrapper. */
#include "blas.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include "log.h"

/* Not declared in every cblas.h. */
char *openblas_get_corename(void);
char *openblas_get_config(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int n);
/* OpenBLAS's own: stop its worker threads (restarted by the next threaded
 * call).  Weak: not every build exports it. */
int blas_thread_shutdown_(void) __attribute__((weak));

/* Marker passed to the re-executed process: "auto" after choosing a core,
 * "fallback" after the chosen one failed its check. */
#define MARK "ADALINK_BLAS_BOOT"

static const char *source = "openblas";

int al_blas_core_is_generic(const char *name)
{
	static const char *generic[] = {
		"Prescott", "Katmai", "Coppermine", "Northwood", "Banias",
		"Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Unknown",
		NULL };
	if (!name)
		return 1;
	if (getenv("ADALINK_TEST_GENERIC_CORE"))   /* tests: pretend */
		return 1;
	for (int i = 0; generic[i]; i++)
		if (strcasecmp(name, generic[i]) == 0)
			return 1;
	return 0;
}

const char *al_blas_preferred_core(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
	    && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
		return "SkylakeX";
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return "Haswell";
#endif
	return NULL;
}

static void reexec(char **argv, const char *core, const char *mark)
{
	setenv("OPENBLAS_CORETYPE", core, 1);
	setenv(MARK, mark, 1);
	fflush(NULL);
	execv("/proc/self/exe", argv);
	/* execv failed: carry on with what we have. */
	unsetenv("OPENBLAS_CORETYPE");
	unsetenv(MARK);
}

/* The command word of main's argv: the first argument that is not a
 * global option (-j and --threads take the next argument), or NULL. */
static const char *command_of(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || a[1] == 0)
			return a;
		if (strcmp(a, "--") == 0)
			return i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-j") == 0 || strcmp(a, "--threads") == 0)
			i++;
	}
	return NULL;
}

/* Commands that never multiply a matrix: no core re-exec for them, and
 * OpenBLAS's worker threads (started when the library loaded, spinning on
 * sched_yield a while) are stopped at once. */
static int needs_no_blas(const char *cmd)
{
	return cmd && strcmp(cmd, "score") == 0;
}

/* Commands whose own threads (al_par_for) work between OpenBLAS's calls:
 * OpenBLAS's idle workers should sleep at once instead of spinning on
 * sched_yield for 2^28 cycles beside them (~9% of a training step). */
static int wants_sleeping_workers(const char *cmd)
{
	return cmd && strcmp(cmd, "train") == 0;
}

void al_blas_boot(int argc, char **argv)
{
	const char *cmd = command_of(argc, argv);
	if (needs_no_blas(cmd)) {
		if (blas_thread_shutdown_)
			blas_thread_shutdown_();
		return;
	}
	/* OPENBLAS_THREAD_TIMEOUT (2^N cycles of spinning; 4 is the least)
	 * is read when the library loads: set it and start again, unless the
	 * user chose one */
	if (wants_sleeping_workers(cmd) && !getenv("OPENBLAS_THREAD_TIMEOUT")) {
		setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1);
		fflush(NULL);
		execv("/proc/self/exe", argv);
		unsetenv("OPENBLAS_THREAD_TIMEOUT");   /* failed: carry on */
	}
	const char *mark = getenv(MARK);
	const char *user = getenv("OPENBLAS_CORETYPE");
	if (mark) {
		char m[32];
		snprintf(m, sizeof m, "%s", mark);
		unsetenv(MARK);
		if (strncmp(m, "auto:", 5) == 0) {
			al_err e = {0};
			if (al_blas_selfcheck(&e) == 0) {
				/* Children of ours see the user's setting. */
				unsetenv("OPENBLAS_CORETYPE");
				source = "adalink";
				return;
			}
			al_warn("OpenBLAS core %s failed its check (%s); falling back "
				"to %s", openblas_get_corename(), e.msg, m + 5);
			reexec(argv, m + 5, "fallback");
			return;
		}
		unsetenv("OPENBLAS_CORETYPE");
		source = "fallback";
		return;
	}
	if (user) {
		source = "environment";
		return;
	}
	const char *core = openblas_get_corename();
	const char *want = al_blas_preferred_core();
	if (!want || !al_blas_core_is_generic(core))
		return;
	char m[64];
	snprintf(m, sizeof m, "auto:%s", core ? core : "Prescott");
	reexec(argv, want, m);
}

const char *al_blas_core(void) { return openblas_get_corename(); }
const char *al_blas_core_source(void) { return source; }
const char *al_blas_version(void) { return openblas_get_config(); }
int al_blas_threads(void) { return openblas_get_num_threads(); }

void al_blas_set_threads(int n)
{
	if (n > 0)
		openblas_set_num_threads(n);
}

int al_blas_selfcheck(al_err *e)
{
	enum { M = 67, N = 45, K = 129 };
	static float a[M * K], b[K * N], c[M * N];
	unsigned s = 12345;
	for (int i = 0; i < M * K; i++) {
		s = s * 1103515245u + 12345u;
		a[i] = (float)((s >> 8) & 0xffff) / 65536.0f - 0.5f;
	}
	for (int i = 0; i < K * N; i++) {
		s = s * 1103515245u + 12345u;
		b[i] = (float)((s >> 8) & 0xffff) / 65536.0f - 0.5f;
	}
	al_sgemm(0, 0, M, N, K, 1.0f, a, K, b, N, 0.0f, c, N);
	double worst = 0;
	for (int i = 0; i < M; i++)
		for (int j = 0; j < N; j++) {
			double ref = 0, mag = 0;
			for (int k = 0; k < K; k++) {
				ref += (double)a[i * K + k] * b[k * N + j];
				mag += fabs((double)a[i * K + k] * b[k * N + j]);
			}
			double err = fabs(c[i * N + j] - ref) / (mag + 1e-30);
			if (!(err <= worst))     /* catches NaN too */
				worst = isnan(err) ? INFINITY : err;
		}
	if (getenv("ADALINK_TEST_BLAS_BAD"))       /* tests: pretend */
		worst = 1;
	if (worst > 1e-4)
		return al_err_set(e, AL_ENUMERIC, "sgemm differs from the plain "
				  "loop by %.3g relative", worst);
	return 0;
}

void al_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha,
	      const float *A, int lda, const float *B, int ldb, float beta,
	      float *C, int ldc)
{
	cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
		    trans_b ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda,
		    B, ldb, beta, C, ldc);
}
