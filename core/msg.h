/* core/msg.h - the one place ptbench writes messages to the user.
 *
 * Every message goes to stderr with the fixed prefix "ptbench: " (curl's
 * tool_msgs.c does the same). Errors always print; warnings and progress
 * notes are silenced by --quiet (pt_msg_set_quiet). Only the command layer
 * (cli/) calls these: library code returns a pt_error instead.
 */
#ifndef PT_MSG_H
#define PT_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/error.h"

void pt_msg_set_quiet(bool quiet);
bool pt_msg_quiet(void);

/* Redirect messages (tests); NULL restores stderr. */
void pt_msg_set_stream(FILE *fp);
FILE *pt_msg_stream(void);

/* "ptbench: error text" - always printed. */
void pt_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "ptbench: warning: text" - silenced by --quiet. */
void pt_warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "ptbench: text" - progress and notes, silenced by --quiet. */
void pt_notef(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print an error with its context: "ptbench: FILE:LINE:COL: message".
 * Returns the exit status for its code. */
int pt_report(const pt_error *err);

/* Write data to stdout; a failed write is reported here with its cause.
 * Returns PT_EXIT_OK or PT_EXIT_FAILURE. */
int pt_write_stdout(const void *data, size_t len);

/* Flush and close stdout; a failed write (full disk, closed pipe) is reported
 * as an error. Returns status unchanged on success, PT_EXIT_FAILURE if the
 * write failed. Call last in main, as git and jq do. */
int pt_close_stdout(int status);

#endif
