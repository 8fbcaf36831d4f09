/* core/interrupt.c - SIGINT/SIGTERM to a flag; a second signal ends the
 * process outside critical sections, after its last words (see
 * core/interrupt.h).
 *
 * state: IDLE, CRITICAL (a section is open), DYING (the last words are
 * being written). Whoever moves it from IDLE to DYING - the handler, or
 * pt_interrupt_leave for a signal that arrived inside a section - ends the
 * process; the other side never touches what the last words read. */
#include "core/interrupt.h"

#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

enum { IDLE, CRITICAL, DYING };

static volatile sig_atomic_t flag;
static atomic_int state = IDLE;
static atomic_int pending;  /* a signal that arrived inside a section */
static void (*volatile last_words)(void);
static int depth;           /* nesting of sections (the writing thread's) */

/* Run the last words, then die of sig (as a shell expects of Ctrl-C). */
static void die(int sig) {
  void (*fn)(void) = last_words;
  if (fn)
    fn();
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, NULL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  raise(sig);
  _exit(128 + sig);
}

static bool claim(void) {
  int expected = IDLE;
  return atomic_compare_exchange_strong(&state, &expected, DYING);
}

static void on_signal(int sig) {
  if (flag < 3)
    flag = flag + 1;
  if (flag == 1)
    return;
  if (flag >= 3 && atomic_exchange(&state, DYING) != DYING)
    die(sig);  /* a third signal: at once */
  if (claim())
    die(sig);
  if (atomic_load(&state) == CRITICAL) {
    atomic_store(&pending, sig);
    if (claim())  /* the section ended meanwhile and did not see pending */
      die(sig);
  }
}

void pt_interrupt_catch(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGINT);
  sigaddset(&sa.sa_mask, SIGTERM);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

bool pt_interrupted(void) { return flag != 0; }

volatile sig_atomic_t *pt_interrupt_flag(void) { return &flag; }

void pt_interrupt_set_last_words(void (*fn)(void)) { last_words = fn; }

void pt_interrupt_enter(void) {
  if (depth++ > 0)
    return;
  int expected = IDLE;
  if (!atomic_compare_exchange_strong(&state, &expected, CRITICAL))
    for (;;)
      pause();  /* DYING: the handler is ending the process */
}

void pt_interrupt_leave(void) {
  if (depth <= 0 || --depth > 0)
    return;
  int expected = CRITICAL;
  if (!atomic_compare_exchange_strong(&state, &expected, IDLE))
    for (;;)
      pause();  /* a third signal is ending the process */
  int sig = atomic_exchange(&pending, 0);
  if (sig && claim())
    die(sig);
}
