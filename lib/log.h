/* log.h: messages and progress on stderr.
 *
 * Data goes to stdout, everything else here.  Messages are prefixed with the
 * program name set by al_log_init ("adalink inspect"), so every line the
 * user sees says who wrote it.  Verbosity: --quiet (AL_LOG_QUIET) keeps
 * errors and warnings only and hides progress; -v (AL_LOG_DEBUG) adds debug
 * lines.
 *
 * A progress meter shows items done, rate and ETA on one rewritten line, at
 * most a few times a second, and only when stderr is a terminal:
 *
 *     al_progress *p = al_progress_new("records", total);  // total 0: unknown
 *     for (...) al_progress_add(p, 1);
 *     al_progress_free(p);                                 // ends the line
 */
#ifndef AL_LOG_H
#define AL_LOG_H

#include <stdint.h>

enum { AL_LOG_QUIET = 0, AL_LOG_INFO = 1, AL_LOG_DEBUG = 2 };

void al_log_init(const char *prog);   /* "adalink CMD"; copied */
void al_log_set_level(int level);
int al_log_level(void);

void al_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void al_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void al_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void al_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

typedef struct al_progress al_progress;

/* A meter counting `what` up to total (0 if unknown).  Returns NULL (which
 * every al_progress_* call accepts) when stderr is not a terminal or the
 * level is quiet; ADALINK_PROGRESS=1 in the environment forces it on. */
al_progress *al_progress_new(const char *what, uint64_t total);
void al_progress_add(al_progress *p, uint64_t n);
void al_progress_free(al_progress *p);

/* Format "1.23k", "4.56M" into buf; returns buf. */
char *al_human(double v, char *buf, int size);

#endif
