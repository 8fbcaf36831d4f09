/* core/interrupt.c - SIGINT/SIGTERM to a flag. */
#include "core/interrupt.h"

#include <string.h>

static volatile sig_atomic_t flag;

static void on_signal(int sig) {
  (void)sig;
  flag = 1;
}

void pt_interrupt_catch(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESETHAND;  /* a second signal is not caught */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

bool pt_interrupted(void) { return flag != 0; }

volatile sig_atomic_t *pt_interrupt_flag(void) { return &flag; }
