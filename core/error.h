/* core/error.h - ptbench's error codes and errors that carry context.
 *
 * Library code never prints or exits: a function that can fail returns a
 * pt_code and, when handed a pt_error, fills it with a message and the place
 * it applies to (file, line, column, field, URL). The command layer reports it
 * with pt_report() (core/msg.h) and maps the code to an exit status with
 * pt_exit_status(). The list of codes is one X-macro, as libuv's UV_ERRNO_MAP.
 */
#ifndef PT_ERROR_H
#define PT_ERROR_H

#include <stddef.h>

/* X(name, exit status class, description) */
#define PT_ERROR_MAP(X)                                               \
  X(OK, PT_EXIT_OK, "success")                                        \
  X(USAGE, PT_EXIT_USAGE, "usage error")                              \
  X(DATA, PT_EXIT_DATA, "invalid input data")                         \
  X(PARSE, PT_EXIT_DATA, "parse error")                               \
  X(SCHEMA, PT_EXIT_DATA, "unexpected schema")                        \
  X(NOTFOUND, PT_EXIT_FAILURE, "not found")                           \
  X(IO, PT_EXIT_FAILURE, "input/output error")                        \
  X(NOMEM, PT_EXIT_FAILURE, "out of memory")                          \
  X(TOOBIG, PT_EXIT_FAILURE, "size limit exceeded")                   \
  X(NET, PT_EXIT_FAILURE, "network error")                            \
  X(HTTP, PT_EXIT_FAILURE, "server error")                            \
  X(TIMEOUT, PT_EXIT_FAILURE, "timed out")                            \
  X(UNSAFE, PT_EXIT_DATA, "refused unsafe input")                     \
  X(INTERRUPTED, PT_EXIT_INTERRUPTED, "interrupted")                  \
  X(PARTIAL, PT_EXIT_PARTIAL, "some items failed")                    \
  X(INTERNAL, PT_EXIT_FAILURE, "internal error")

/* X(NAME, status, meaning): the documented exit statuses, in order: the
 * one list every --help prints (cli/options.c) and the README's "Exit
 * status" table states word for word (tests/cli/test_exit_status.sh). */
#define PT_EXIT_MAP(X)                                                          \
  X(OK, 0, "success")                                                           \
  X(FAILURE, 1, "runtime failure: I/O, network, server, memory, a size limit")  \
  X(USAGE, 2, "usage error: a bad option or argument")                          \
  X(DATA, 3,                                                                    \
    "invalid input data (CSV, JSON, YAML, template, log), or an output path "   \
    "that is not ptbench's to replace (an input, a link, a directory it did "   \
    "not make)")                                                                \
  X(PARTIAL, 4,                                                                 \
    "some items failed, the others were processed (batch: archives; collect: "  \
    "a model skipped after failing trials in a row)")                           \
  X(INTERRUPTED, 130, "interrupted (SIGINT or SIGTERM)")

enum {
#define PT_X(name, status, meaning) PT_EXIT_##name = status,
  PT_EXIT_MAP(PT_X)
#undef PT_X
};

typedef enum {
#define PT_X(name, exit, desc) PT_E##name,
  PT_ERROR_MAP(PT_X)
#undef PT_X
} pt_code;

#define PT_OK PT_EOK

/* Context an error carries. Strings are copied in (truncated to fit); empty
 * string or 0 means "not known". */
typedef struct pt_error {
  pt_code code;
  char file[512];   /* file, URL or other source the error is about */
  long line;        /* 1-based, 0 = none */
  long column;      /* 1-based, 0 = none */
  char field[64];   /* column or key name, "" = none */
  char msg[1024];   /* what is wrong: lowercase, no full stop */
} pt_error;

/* The fixed description of a code ("invalid input data"). */
const char *pt_strerror(pt_code code);

/* Exit status class of a code (PT_EXIT_*). */
int pt_exit_status(pt_code code);

/* Clear an error to PT_OK with no context. err may be NULL. */
void pt_error_clear(pt_error *err);

/* Set code and message (printf format); keeps any context already set.
 * Returns code, so `return pt_error_set(err, PT_EDATA, ...)` reads naturally.
 * err may be NULL, in which case only the code is returned. */
pt_code pt_error_set(pt_error *err, pt_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Set code, message and location (file may be NULL; line/column 0 = none). */
pt_code pt_error_at(pt_error *err, pt_code code, const char *file, long line,
                    long column, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Set the file/URL context without touching code or message. */
void pt_error_set_file(pt_error *err, const char *file);
void pt_error_set_field(pt_error *err, const char *field);

/* Prefix the message with "prefix: " (e.g. to add what was being done). */
void pt_error_prefix(pt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Format as "FILE:LINE:COLUMN: MESSAGE" (parts that are unknown omitted).
 * Returns buf. */
char *pt_error_format(const pt_error *err, char *buf, size_t size);

#endif
