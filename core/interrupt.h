/* core/interrupt.h - Ctrl-C and SIGTERM as a flag that long operations poll.
 *
 * main() installs the handler for every command: the first SIGINT or SIGTERM
 * only sets the flag, so whatever is being written is finished or removed
 * by the code writing it (a trial row, a report directory, an archive's
 * site) and the command exits 130.
 *
 * A second signal ends the process soon, but never in the middle of a write
 * that a command marks as critical (pt_interrupt_enter/leave around a row
 * and a manifest write): inside one, the end waits for pt_interrupt_leave.
 * Before ending, the process runs its last words (pt_interrupt_set_last_words)
 * if a command registered them, e.g. `collect` writing a manifest that says
 * "interrupted", then dies of the signal. A third signal ends it at once,
 * even inside a critical section (a write stuck on a dead disk).
 */
#ifndef PT_INTERRUPT_H
#define PT_INTERRUPT_H

#include <signal.h>
#include <stdbool.h>

/* Install the handler for SIGINT and SIGTERM. */
void pt_interrupt_catch(void);

/* Whether a signal has arrived; the flag itself, for loops that poll it
 * (it holds the number of signals received, capped at 3). */
bool pt_interrupted(void);
volatile sig_atomic_t *pt_interrupt_flag(void);

/* What the process does before a second signal ends it: fn must be
 * async-signal-safe (open, write, rename, _exit; no malloc, no stdio) and
 * may run on any thread, but never while a critical section is open. NULL
 * (the default) = nothing. */
void pt_interrupt_set_last_words(void (*fn)(void));

/* A critical section: a second signal that arrives inside waits for its
 * end. Sections nest; they are meant for one thread (the one that writes).
 * When the process is already ending (the last words are being written),
 * pt_interrupt_enter does not return. */
void pt_interrupt_enter(void);
void pt_interrupt_leave(void);

#endif
