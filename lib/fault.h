/* fault.h: crash points for the crash-safety tests.
 *
 * Every write, fsync, rename and unlink of a file adalink keeps, and every
 * catalog statement, first calls al_fault(kind).  In the adalink that is
 * installed this does nothing: the code that can stop the process is
 * compiled only into the test program tests/adalink-fault (lib/fault.c
 * built with AL_FAULT_INJECTION, linked ahead of libadalink.a).  There,
 * ADALINK_FAULT=KIND:N makes the process _exit(137) (as kill -9 would end
 * it) just before the Nth operation of that kind, KIND one of write,
 * fsync, rename, unlink, sql, or any (every kind counted together).
 */
#ifndef AL_FAULT_H
#define AL_FAULT_H

enum { AL_FAULT_WRITE, AL_FAULT_FSYNC, AL_FAULT_RENAME, AL_FAULT_UNLINK, AL_FAULT_SQL };

/* A crash point of the given kind (AL_FAULT_*): returns, except in the
 * test program when ADALINK_FAULT names this operation. */
void al_fault(int kind);

#endif
