/* cli.h: what every command shares: options common to all, usage errors,
 * and the exit codes of DESIGN.md (0 success, 1 failure, 2 usage).
 *
 * A command is `int cmd_NAME(int argc, char **argv)` with argv[0] the
 * command's name; it returns the exit status.  It parses its options with
 * getopt_long, passing unknown ones to al_cli_common, and calls
 * al_cli_usage on a usage error.
 */
#ifndef AL_CLI_H
#define AL_CLI_H

#include <getopt.h>
#include <stddef.h>

enum { AL_EXIT_OK = 0, AL_EXIT_FAIL = 1, AL_EXIT_USAGE = 2 };

/* Long options every command accepts; put AL_CLI_COMMON_OPTS at the end of
 * a command's struct option table, before the terminating zero entry. */
enum { AL_OPT_HELP = 'h', AL_OPT_QUIET = 'q', AL_OPT_VERBOSE = 'v',
       AL_OPT_THREADS = 'j' };
#define AL_CLI_COMMON_SHORT "hqvj:"
#define AL_CLI_COMMON_OPTS \
	{"help", no_argument, 0, AL_OPT_HELP}, \
	{"quiet", no_argument, 0, AL_OPT_QUIET}, \
	{"verbose", no_argument, 0, AL_OPT_VERBOSE}, \
	{"threads", required_argument, 0, AL_OPT_THREADS}

/* The text after "usage: " and before the option list, for --help. */
typedef struct al_cmd_help {
	const char *name;      /* "inspect" */
	const char *synopsis;  /* "adalink inspect [-t|-m] FILE" */
	const char *summary;   /* one line: what the command does */
	const char *options;   /* option lines, each "  -x, --long  text\n" */
} al_cmd_help;

/* Handle an option common to all commands (c from getopt_long).  Returns
 * 1 if handled, -1 to exit with the returned status in *status (--help
 * printed, or a bad value), 0 if c is not a common option. */
int al_cli_common(const al_cmd_help *h, int c, const char *arg, int *status);

/* Print "adalink CMD: MESSAGE" and "usage: SYNOPSIS" on stderr; return 2. */
int al_cli_usage(const al_cmd_help *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print the full --help text on stdout. */
void al_cli_help(const al_cmd_help *h);

/* Threads asked for with -j (0: not given, use all cores). */
int al_cli_threads(void);

/* Write s[0..n) to standard output as a JSON string (quoted, escaped). */
void al_cli_put_json(const char *s, size_t n);

/* Parse a whole decimal integer in [lo, hi]; -1 if it is not one. */
int al_parse_long(const char *s, long lo, long hi, long *out);

#endif
