/* core/interrupt.h - Ctrl-C and SIGTERM as a flag that long operations poll.
 *
 * main() installs the handler for every command: the first SIGINT or SIGTERM
 * only sets the flag, so whatever is being written is finished or removed
 * by the code writing it (a trial row, a report directory, an archive's
 * site) and the command exits 130; a second signal ends the process at once.
 */
#ifndef PT_INTERRUPT_H
#define PT_INTERRUPT_H

#include <signal.h>
#include <stdbool.h>

/* Install the handler for SIGINT and SIGTERM. */
void pt_interrupt_catch(void);

/* Whether a signal has arrived; the flag itself, for loops that poll it. */
bool pt_interrupted(void);
volatile sig_atomic_t *pt_interrupt_flag(void);

#endif
