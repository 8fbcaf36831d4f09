/* tests/unit/test_sessions.c - what collect's sessions rest on: the order
 * of a session's trials (pt_session_order) and the second Ctrl-C
 * (core/interrupt.h: critical sections and last words), each in a child
 * process so the signals hit nobody else.
 *
 * Reference values: the uniformity check compares the counts of the 24
 * orders of 4 items over 24000 seeds with the chi-square distribution's
 * 0.999 quantile for 23 degrees of freedom, 49.728 (NIST/SEMATECH
 * e-Handbook of Statistical Methods, table 1.3.6.7.4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collect/collect.h"
#include "core/interrupt.h"

static void test_order_fixed_and_permutation(void **state) {
  (void)state;
  pt_order_item *v;
  size_t n;
  pt_error err;
  pt_error_clear(&err);
  assert_int_equal(pt_session_order(3, 4, true, 99, 0, &v, &n, &err), PT_OK);
  assert_int_equal(n, 12);
  for (size_t i = 0; i < n; i++) {  /* plan order: prompt by prompt, trials 1..4 */
    assert_int_equal(v[i].prompt, i / 4);
    assert_int_equal(v[i].trial, (long)(i % 4) + 1);
  }
  free(v);
  for (uint64_t seed = 0; seed < 50; seed++) {
    assert_int_equal(pt_session_order(3, 4, false, seed, 1, &v, &n, &err), PT_OK);
    int seen[3][5] = {{0}};
    for (size_t i = 0; i < n; i++) {
      assert_true(v[i].prompt < 3);
      assert_true(v[i].trial >= 1 && v[i].trial <= 4);
      seen[v[i].prompt][v[i].trial]++;
    }
    for (int p = 0; p < 3; p++)
      for (int t = 1; t <= 4; t++)
        assert_int_equal(seen[p][t], 1);
    free(v);
  }
  assert_int_equal(pt_session_order(0, 5, false, 1, 0, &v, &n, &err), PT_OK);
  assert_int_equal(n, 0);
  free(v);
}

static void test_order_reproducible(void **state) {
  (void)state;
  pt_order_item *a, *b, *c;
  size_t n;
  assert_int_equal(pt_session_order(5, 5, false, 1234, 0, &a, &n, NULL), PT_OK);
  assert_int_equal(pt_session_order(5, 5, false, 1234, 0, &b, &n, NULL), PT_OK);
  assert_memory_equal(a, b, n * sizeof *a);
  /* another model of the same session, another seed: other orders */
  assert_int_equal(pt_session_order(5, 5, false, 1234, 1, &c, &n, NULL), PT_OK);
  assert_memory_not_equal(a, c, n * sizeof *a);
  free(c);
  assert_int_equal(pt_session_order(5, 5, false, 1235, 0, &c, &n, NULL), PT_OK);
  assert_memory_not_equal(a, c, n * sizeof *a);
  free(a);
  free(b);
  free(c);
}

/* Every order of 4 items equally often: chi-square over 24000 seeds. */
static void test_order_uniform(void **state) {
  (void)state;
  long count[24] = {0};
  const long seeds = 24000;
  for (long s = 0; s < seeds; s++) {
    pt_order_item *v;
    size_t n;
    assert_int_equal(pt_session_order(2, 2, false, (uint64_t)s * 7919 + 1, 0, &v, &n, NULL),
                     PT_OK);
    /* the permutation's index in the factorial number system */
    int items[4], used[4] = {0}, code = 0;
    for (size_t i = 0; i < 4; i++)
      items[i] = (int)(v[i].prompt * 2 + (size_t)(v[i].trial - 1));
    static const int fact[4] = {6, 2, 1, 1};
    for (int i = 0; i < 4; i++) {
      int smaller = 0;
      for (int k = 0; k < items[i]; k++)
        smaller += !used[k];
      used[items[i]] = 1;
      code += smaller * fact[i];
    }
    count[code]++;
    free(v);
  }
  double expected = (double)seeds / 24, chi2 = 0;
  for (int i = 0; i < 24; i++)
    chi2 += (count[i] - expected) * (count[i] - expected) / expected;
  assert_true(chi2 < 49.728);
}

/* ---- the second Ctrl-C ---- */

static int pipe_w = -1;

static void last_words(void) {
  (void)!write(pipe_w, "L", 1);
}

static void say(const char *s) { (void)!write(pipe_w, s, strlen(s)); }

static void nap_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0)
    ;
}

/* Run child() in a child process; send it the signals of sigs (one per
 * gap_ms) once it says "R"; returns what it wrote and how it ended. */
static void run_child(void (*child)(void), const int *sigs, int nsig, char *out, size_t size,
                      int *wstatus) {
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    pipe_w = fds[1];
    pt_interrupt_catch();
    pt_interrupt_set_last_words(last_words);
    child();
    say("Z");  /* alive to the end */
    _exit(0);
  }
  close(fds[1]);
  size_t len = 0;
  char c;
  while (read(fds[0], &c, 1) == 1) {
    if (len + 1 < size)
      out[len++] = c;
    if (c == 'R') {
      for (int i = 0; i < nsig; i++) {
        kill(pid, sigs[i]);
        nap_ms(30);
      }
    }
  }
  out[len] = '\0';
  close(fds[0]);
  assert_int_equal(waitpid(pid, wstatus, 0), pid);
}

static void child_critical(void) {
  pt_interrupt_enter();
  say("R");
  nap_ms(300);  /* both signals arrive in here */
  say(pt_interrupted() ? "I" : "-");
  pt_interrupt_leave();  /* the end comes here */
  nap_ms(3000);
  say("Y");
}

static void child_idle(void) {
  say("R");
  nap_ms(3000);
  say("Y");
}

static void child_one(void) {
  say("R");
  nap_ms(200);
  say(pt_interrupted() ? "I" : "-");
}

static void child_stuck(void) {
  pt_interrupt_enter();
  say("R");
  nap_ms(3000);  /* a write that does not end */
  say("Y");
  pt_interrupt_leave();
}

static void test_interrupt_second_signal(void **state) {
  (void)state;
  char out[32];
  int st;
  const int two[] = {SIGINT, SIGINT}, three[] = {SIGINT, SIGTERM, SIGINT}, one[] = {SIGTERM};
  /* inside a critical section: the end waits for it, then the last words */
  run_child(child_critical, two, 2, out, sizeof out, &st);
  assert_string_equal(out, "RIL");
  assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT);
  /* outside one: at once, with the last words */
  run_child(child_idle, two, 2, out, sizeof out, &st);
  assert_string_equal(out, "RL");
  assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT);
  /* one signal only raises the flag */
  run_child(child_one, one, 1, out, sizeof out, &st);
  assert_string_equal(out, "RIZ");
  assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  /* a third ends a section that does not end, of that third signal (the
   * second, SIGTERM, was only held for the section's end) */
  run_child(child_stuck, three, 3, out, sizeof out, &st);
  assert_string_equal(out, "RL");
  assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_order_fixed_and_permutation),
      cmocka_unit_test(test_order_reproducible),
      cmocka_unit_test(test_order_uniform),
      cmocka_unit_test(test_interrupt_second_signal),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
