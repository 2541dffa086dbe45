/* fault.c: crash points (see fault.h).  Built without AL_FAULT_INJECTION
 * (libadalink.a) al_fault does nothing; tests/fault_on.c builds this file
 * again with it for the test program. */
#include "fault.h"

#ifdef AL_FAULT_INJECTION
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int armed = -1;          /* -1: not read yet; 0: off; 1: on */
static int want_kind;           /* AL_FAULT_* or -1 for any */
static long want_n, seen;

static void arm(void)
{
	static const char *const names[] = {"write", "fsync", "rename", "unlink", "sql"};
	const char *s = getenv("ADALINK_FAULT"), *colon;
	armed = 0;
	if (!s || !(colon = strchr(s, ':')))
		return;
	want_kind = -2;
	if ((size_t)(colon - s) == 3 && strncmp(s, "any", 3) == 0)
		want_kind = -1;
	for (int i = 0; i < (int)(sizeof names / sizeof *names); i++)
		if ((size_t)(colon - s) == strlen(names[i]) && strncmp(s, names[i], strlen(names[i])) == 0)
			want_kind = i;
	char *end;
	want_n = strtol(colon + 1, &end, 10);
	armed = want_kind != -2 && *end == 0 && want_n > 0;
}

void al_fault(int kind)
{
	pthread_mutex_lock(&mu);
	if (armed < 0)
		arm();
	if (armed && (want_kind == -1 || want_kind == kind) && ++seen == want_n)
		_exit(137);
	pthread_mutex_unlock(&mu);
}
#else
void al_fault(int kind)
{
	(void)kind;
}
#endif
