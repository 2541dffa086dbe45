/* fault_on.c: the crash points of lib/fault.c made live, for the test
 * program tests/adalink-fault only (see lib/fault.h). */
#define AL_FAULT_INJECTION 1
#include "lib/fault.c"
