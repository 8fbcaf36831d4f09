/* cli/cmd_collect.c - `ptbench collect`: run trials against an Ollama server
 * into a run directory (trials.csv + manifest.json). Options, signals and
 * progress printing live here; the work is collect/collect.c. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "collect/collect.h"
#include "collect/manifest.h"
#include "collect/ollama.h"
#include "collect/plan.h"
#include "core/interrupt.h"
#include "core/msg.h"

static int run(int argc, char **argv);

const pt_command pt_cmd_collect = {
    "collect",
    "--env NAME [options] | --target NAME=URL... [options]",
    "run benchmark trials against an Ollama server into a run directory",
    "Each trial is one /api/generate request; its row is appended to\n"
    "OUT/trials.csv as it ends, and OUT/manifest.json describes the run (options,\n"
    "models, Ollama version, this machine). A run directory holds one environment\n"
    "and any number of sessions (one run_id each): --sessions K runs K back to\n"
    "back, unloading the models between them; --add-session appends one to an\n"
    "existing run (after a reboot: A B A B); --target NAME=URL, repeated, writes\n"
    "one run directory per target under OUT and alternates their sessions. In a\n"
    "session the prompts and trials of each model run in a seeded random order\n"
    "(--order fixed: plan order). Models come from --model or the plan (the\n"
    "article's benchmarks.yml works as is); without prompts in the plan or\n"
    "--prompts, five built-in prompts are used. Options given here override the\n"
    "plan. The server is OLLAMA_HOST, read as Ollama's client reads it, unless\n"
    "--host is given. A failed trial is recorded and the session goes on; a model\n"
    "that fails --max-failures trials in a row is skipped for the rest of the\n"
    "session (exit 4). Ctrl-C stops after a whole row; --resume runs what is\n"
    "missing. The manifest records this machine per session (GPU, PCIe link,\n"
    "BARs, CPU flags, versions, boot id; root PTBENCH_SYSROOT, default /) and\n"
    "--note facts no probe sees; with a local server the GPU's clock,\n"
    "temperature, power and load are sampled during each trial. See\n"
    "docs/collect.md.",
    run,
};

typedef struct progress {
  bool tty, quiet, line_open;
  bool prefix;            /* several targets: lines start with the environment */
  int64_t t0;             /* when the first trial of the session started */
  double last_rate;
  char pull_status[128];
} progress;

static void fmt_eta(double s, char *buf, size_t size) {
  if (!isfinite(s) || s < 0)
    snprintf(buf, size, "?");
  else if (s < 60)
    snprintf(buf, size, "%.0fs", s);
  else if (s < 3600)
    snprintf(buf, size, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
  else
    snprintf(buf, size, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

static void clear_line(progress *p) {
  if (p->tty && p->line_open) {
    fputs("\r\033[K", pt_msg_stream());
    p->line_open = false;
  }
}

static void on_progress(void *ctx, const pt_collect_event *ev) {
  progress *p = ctx;
  FILE *fp = pt_msg_stream();
  char pre[160] = "";
  if (p->prefix && ev->environment)
    snprintf(pre, sizeof pre, "%s: ", ev->environment);
  if (ev->kind == PT_EV_WARNING) {
    clear_line(p);
    pt_warnf("%s%s", pre, ev->message);
    return;
  }
  if (ev->kind == PT_EV_MODEL_SKIPPED) {
    clear_line(p);
    pt_warnf("%sskipping '%s' for the rest of session %s: %s", pre, ev->model, ev->run_id,
             ev->message);
    return;
  }
  if (p->quiet)
    return;
  switch (ev->kind) {
  case PT_EV_CONNECTED:
    pt_notef("%sconnected to Ollama %s", pre, ev->message);
    break;
  case PT_EV_SESSION:
    clear_line(p);
    pt_notef("%s%s session %ld of %ld (%s)", pre, ev->resumed ? "finishing" : "starting",
             ev->session, ev->sessions, ev->run_id);
    break;
  case PT_EV_UNLOADED:
    clear_line(p);
    pt_notef("%sunloaded %s before the session (%.2f s)", pre, ev->message, ev->seconds);
    break;
  case PT_EV_PULL:
    if (ev->model) {
      clear_line(p);
      pt_notef("%spulling '%s'", pre, ev->model);
      p->pull_status[0] = '\0';
    } else if (p->tty) {
      if (ev->bytes > 0 && ev->completed >= 0)
        fprintf(fp, "\r\033[Kptbench: %s%s %.0f%%", pre, ev->message,
                100.0 * (double)ev->completed / (double)ev->bytes);
      else
        fprintf(fp, "\r\033[Kptbench: %s%s", pre, ev->message);
      p->line_open = true;
    } else if (strcmp(ev->message, p->pull_status)) {
      snprintf(p->pull_status, sizeof p->pull_status, "%s", ev->message);
      pt_notef("%s%s", pre, ev->message);
    }
    fflush(fp);
    break;
  case PT_EV_START:
    clear_line(p);
    if (ev->skipped)
      pt_notef("%sresuming: %zu trials already ok, %zu to run", pre, ev->skipped, ev->total);
    p->t0 = pt_now_ns();
    break;
  case PT_EV_TRIAL_START:
  case PT_EV_TRIAL_END: {
    double elapsed = (double)(pt_now_ns() - p->t0) / 1e9;
    char eta[32] = "?";
    if (ev->done > 0)
      fmt_eta(elapsed / (double)ev->done * (double)(ev->total - ev->done), eta, sizeof eta);
    const pt_trial *t = ev->row;
    if (t && t->status == PT_STATUS_OK && isfinite(t->eval_rate))
      p->last_rate = t->eval_rate;
    const char *kind = ev->warmup ? "warm-up" : "trial";
    if (p->tty) {
      if (t && t->status != PT_STATUS_OK && t->status != PT_STATUS_INTERRUPTED) {
        clear_line(p);
        pt_warnf("%s%s %s %s %ld/%ld: %s: %s", pre, ev->model, ev->prompt_id, kind, ev->trial,
                 ev->trials, pt_status_name(t->status), t->error ? t->error : "");
      }
      char rate[32] = "-";
      if (isfinite(p->last_rate))
        snprintf(rate, sizeof rate, "%.1f", p->last_rate);
      fprintf(fp, "\r\033[K%s[%zu/%zu] %s  %s  %s %ld/%ld  %s tokens/s  ETA %s", pre,
              ev->done + (t ? 0 : 1), ev->total, ev->model, ev->prompt_id, kind, ev->trial,
              ev->trials, rate, eta);
      p->line_open = true;
      fflush(fp);
    } else if (t) {
      if (t->status == PT_STATUS_OK) {
        char rate[48] = "no rate";
        if (isfinite(t->eval_rate))
          snprintf(rate, sizeof rate, "%.2f tokens/s", t->eval_rate);
        pt_notef("%s[%zu/%zu] %s %s %s %ld/%ld: ok, %s", pre, ev->done, ev->total, ev->model,
                 ev->prompt_id, kind, ev->trial, ev->trials, rate);
      } else if (t->status == PT_STATUS_INTERRUPTED) {
        pt_notef("%s[%zu/%zu] %s %s %s %ld/%ld: interrupted", pre, ev->done, ev->total,
                 ev->model, ev->prompt_id, kind, ev->trial, ev->trials);
      } else {
        pt_notef("%s[%zu/%zu] %s %s %s %ld/%ld: %s: %s", pre, ev->done, ev->total, ev->model,
                 ev->prompt_id, kind, ev->trial, ev->trials, pt_status_name(t->status),
                 t->error ? t->error : "");
      }
    }
    break;
  }
  case PT_EV_WARNING:
  case PT_EV_MODEL_SKIPPED:
    break;
  }
}

/* Display width of UTF-8 text: its code points (model names are narrow). */
static size_t width_of(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

/* One target's summary: the run, then a table of its models, aligned. The
 * headline's measured trials are the sums of the models' ok and failed
 * columns; warm-ups are counted apart. */
static void print_summary(const pt_collect_target *t, const pt_collect_result *res) {
  if (pt_msg_quiet())
    return;
  pt_notef("%s: %ld session%s (%s), %ld run now; measured trials %ld ok, %ld failed; "
           "warm-ups %ld ok, %ld failed; trials.csv and manifest.json in %s", t->environment,
           res->sessions, res->sessions == 1 ? "" : "s",
           res->status ? res->status : "not started", res->sessions_run, res->ok, res->failed,
           res->warmup, res->warmup_failed, t->out_dir);
  size_t wm = width_of("model");
  for (size_t i = 0; i < res->n_models; i++)
    if (width_of(res->models[i].model) > wm)
      wm = width_of(res->models[i].model);
  char rate_head[] = "tokens/s";
  pt_notef("  %s%*s  %10s  %6s  %6s", "model", (int)(wm - width_of("model")), "", rate_head,
           "ok", "failed");
  for (size_t i = 0; i < res->n_models; i++) {
    const pt_model_summary *m = &res->models[i];
    char rate[32], note[1600] = "";
    if (m->rate_n)
      snprintf(rate, sizeof rate, "%10.2f", m->rate_sum / (double)m->rate_n);
    else
      snprintf(rate, sizeof rate, "%10s", "-");
    if (m->skipped_sessions)
      snprintf(note, sizeof note, "  skipped in %ld session%s: %s", m->skipped_sessions,
               m->skipped_sessions == 1 ? "" : "s", m->skip_reason ? m->skip_reason : "");
    else if (!m->rate_n && !m->ok)
      snprintf(note, sizeof note, "  no successful trial");
    pt_notef("  %s%*s  %s  %6ld  %6ld%s", m->model, (int)(wm - width_of(m->model)), "", rate,
             m->ok, m->failed, note);
  }
}

static bool valid_env(const char *s) {
  if (!*s || *s == '.')
    return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '.' || *s == '_' || *s == '-'))
      return false;
  return true;
}

/* "NAME=URL" of --target into t (pointing into the argument and url). */
static bool parse_target(const char *arg, pt_collect_target *t, char *url, size_t size) {
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg || (size_t)(eq - arg) >= 128) {
    pt_usage_error(&pt_cmd_collect, "--target '%s': give NAME=URL, e.g. --target "
                                    "vm=http://192.168.122.10:11434", arg);
    return false;
  }
  char name[128];
  memcpy(name, arg, (size_t)(eq - arg));
  name[eq - arg] = '\0';
  if (!valid_env(name)) {
    pt_usage_error(&pt_cmd_collect,
                   "--target '%s': the name is an environment: letters, digits, '.', '_' "
                   "and '-' (not first '.')", arg);
    return false;
  }
  pt_error err;
  pt_error_clear(&err);
  char warning[160];
  if (pt_ollama_host_url(eq + 1, url, size, warning, sizeof warning, &err)) {
    pt_usage_error(&pt_cmd_collect, "--target '%s': %s", arg, err.msg);
    return false;
  }
  if (warning[0]) {
    pt_usage_error(&pt_cmd_collect, "--target '%s': the port must be a number 0-65535", arg);
    return false;
  }
  t->environment = NULL;  /* set by the caller from its own copy */
  t->url = url;
  return true;
}

static int run(int argc, char **argv) {
  const char *env = NULL, *host = NULL, *plan_path = NULL, *prompts_path = NULL,
             *keep_alive = NULL, *out = NULL, *label = NULL, *order = NULL;
  long long trials = LLONG_MIN, warmup = LLONG_MIN, num_predict = LLONG_MIN,
            num_ctx = LLONG_MIN, seed = LLONG_MIN, timeout = 300, sessions = LLONG_MIN,
            order_seed = LLONG_MIN, max_failures = PT_DEFAULT_MAX_FAILURES;
  double temperature = NAN;
  bool no_stream = false, pull = false, resume = false, no_telemetry = false,
       add_session = false, force = false;
  pt_strlist models = {0}, notes = {0}, target_args = {0};
  cJSON *notes_json = NULL;
  const pt_option opts[] = {
      {'e', "env", PT_OPT_STRING, &env, "NAME",
       "environment label of this run, e.g. bare-metal or vm (required unless --target; "
       "letters, digits, . _ -)"},
      {0, "label", PT_OPT_STRING, &label, "TEXT", "display label for reports (default: none)"},
      {0, "host", PT_OPT_STRING, &host, "URL",
       "Ollama server (default: OLLAMA_HOST, else http://127.0.0.1:11434)"},
      {0, "target", PT_OPT_LIST, &target_args, "NAME=URL",
       "an environment and its server; repeat for several: one run directory each under "
       "--out, sessions alternating A B A B (instead of --env and --host)"},
      {'p', "plan", PT_OPT_STRING, &plan_path, "FILE", "YAML plan: models, prompts, options"},
      {'m', "model", PT_OPT_LIST, &models, "M", "model to run; repeatable; replaces the plan's"},
      {0, "prompts", PT_OPT_STRING, &prompts_path, "FILE",
       "prompts: .yml/.yaml list of {id, text}, else one per line (default: 5 built-in)"},
      {'n', "trials", PT_OPT_INT, &trials, "N", "trials per model and prompt (default: 5)"},
      {0, "warmup", PT_OPT_INT, &warmup, "N", "warm-up trials per model, not analyzed (default: 1)"},
      {0, "num-predict", PT_OPT_INT, &num_predict, "N", "tokens to generate (default: 256)"},
      {0, "num-ctx", PT_OPT_INT, &num_ctx, "N", "context window, set explicitly (default: 4096)"},
      {0, "seed", PT_OPT_INT, &seed, "N", "sampling seed (default: 42)"},
      {0, "temperature", PT_OPT_DOUBLE, &temperature, "T", "sampling temperature (default: 0)"},
      {0, "keep-alive", PT_OPT_STRING, &keep_alive, "D",
       "how long the model stays loaded: seconds or e.g. 5m, -1 = forever (default: 5m)"},
      {0, "sessions", PT_OPT_INT, &sessions, "K",
       "sessions to run back to back, models unloaded between them (default: 1)"},
      {0, "add-session", PT_OPT_FLAG, &add_session, NULL,
       "append a session to the run in OUT (a new run when OUT has none)"},
      {0, "force", PT_OPT_FLAG, &force, NULL,
       "with --add-session or --resume: accept other settings or model digests than the "
       "run's (recorded in the session)"},
      {0, "order", PT_OPT_STRING, &order, "MODE",
       "order of each model's prompts and trials in a session: random (seeded per "
       "session) or fixed (default: random)"},
      {0, "order-seed", PT_OPT_INT, &order_seed, "N",
       "seed of session k's order is N + k - 1 (default: drawn per session)"},
      {0, "max-failures", PT_OPT_INT, &max_failures, "N",
       "failed trials in a row that skip a model for the rest of the session (default: 3)"},
      {0, "timeout", PT_OPT_INT, &timeout, "SEC",
       "connect timeout and longest silence of a request; a generate must end "
       "within SEC + max(10, num_predict x 4) s, other requests within 2 x SEC "
       "(default: 300)"},
      {0, "no-stream", PT_OPT_FLAG, &no_stream, NULL,
       "one JSON reply per trial (no TTFT) instead of streaming"},
      {0, "pull", PT_OPT_FLAG, &pull, NULL, "pull models the server lacks"},
      {0, "resume", PT_OPT_FLAG, &resume, NULL,
       "continue the run in OUT: finish its last session, then the sessions it planned"},
      {'o', "out", PT_OPT_STRING, &out, "DIR",
       "run directory (default: results/NAME); with --target, the folder of the run "
       "directories (default: results)"},
      {0, "note", PT_OPT_LIST, &notes, "KEY=VALUE",
       "a fact for the manifest's notes, e.g. qemu_machine=pc-q35-8.2; repeatable"},
      {0, "no-telemetry", PT_OPT_FLAG, &no_telemetry, NULL,
       "do not sample the GPU's clock, temperature and power during trials"},
      PT_OPT_TABLE_END,
  };
  int first, status = pt_parse_options(&pt_cmd_collect, opts, argc, argv, &first);
  pt_plan plan;
  pt_plan_init(&plan);
  pt_error err;
  pt_error_clear(&err);
  char url[1024], outbuf[1024];
  size_t nt = target_args.n ? target_args.n : 1;
  pt_collect_target *targets = calloc(nt, sizeof *targets);
  pt_collect_result *res = calloc(nt, sizeof *res);
  char (*urls)[1024] = calloc(nt, sizeof *urls);
  char (*names)[128] = calloc(nt, sizeof *names);
  char (*outs)[1024] = calloc(nt, sizeof *outs);
  if (status >= 0)
    goto done;
  status = PT_EXIT_USAGE;
  if (!targets || !res || !urls || !names || !outs) {
    pt_errorf("out of memory");
    status = PT_EXIT_FAILURE;
    goto done;
  }
  if (first < argc) {
    pt_usage_error(&pt_cmd_collect, "unexpected argument '%s'", argv[first]);
    goto done;
  }
  if (target_args.n && (env || host || label)) {
    pt_usage_error(&pt_cmd_collect, "--target names the environment and its server: leave "
                                    "out --env, --host and --label (labels can be given to "
                                    "analyze and report)");
    goto done;
  }
  if (!target_args.n && !env) {
    pt_usage_error(&pt_cmd_collect, "--env NAME is required (e.g. --env bare-metal), or --target "
                                    "NAME=URL");
    goto done;
  }
  if (env && !valid_env(env)) {
    pt_usage_error(&pt_cmd_collect,
                   "--env '%s': use letters, digits, '.', '_' and '-' (not first '.')", env);
    goto done;
  }
  if (timeout < 1 || timeout > 86400) {
    pt_usage_error(&pt_cmd_collect, "--timeout must be between 1 and 86400 seconds");
    goto done;
  }
  if ((trials != LLONG_MIN && (trials < 1 || trials > 100000)) ||
      (warmup != LLONG_MIN && (warmup < 0 || warmup > 1000)) ||
      (num_predict != LLONG_MIN && (num_predict < 1 || num_predict > INT_MAX)) ||
      (num_ctx != LLONG_MIN && (num_ctx < 1 || num_ctx > INT_MAX)) ||
      (!isnan(temperature) && (temperature < 0 || temperature > 100))) {
    pt_usage_error(&pt_cmd_collect, "out of range: --trials 1..100000, --warmup 0..1000, "
                                    "--num-predict and --num-ctx 1 or more, --temperature 0..100");
    goto done;
  }
  if ((sessions != LLONG_MIN && (sessions < 1 || sessions > 10000)) || max_failures < 1 ||
      max_failures > 1000000 ||
      (order_seed != LLONG_MIN && (order_seed < 0 || order_seed > (1LL << 53) - 1))) {
    pt_usage_error(&pt_cmd_collect, "out of range: --sessions 1..10000, --max-failures "
                                    "1..1000000, --order-seed 0..2^53-1");
    goto done;
  }
  if (resume && add_session) {
    pt_usage_error(&pt_cmd_collect, "--resume finishes the run's sessions, --add-session adds "
                                    "one: give one of them");
    goto done;
  }
  if (resume && sessions != LLONG_MIN) {
    pt_usage_error(&pt_cmd_collect, "--sessions with --resume: --resume runs the sessions the "
                                    "run planned; --add-session --sessions K adds K more");
    goto done;
  }
  if (force && !resume && !add_session) {
    pt_usage_error(&pt_cmd_collect, "--force goes with --add-session or --resume");
    goto done;
  }
  bool fixed = false;
  if (order && strcmp(order, "random") && !(fixed = !strcmp(order, "fixed"))) {
    pt_usage_error(&pt_cmd_collect, "--order '%s': give random or fixed", order);
    goto done;
  }
  if (fixed && order_seed != LLONG_MIN) {
    pt_usage_error(&pt_cmd_collect, "--order-seed with --order fixed: a fixed order has no "
                                    "seed");
    goto done;
  }
  if (pt_manifest_notes(notes.items, notes.n, &notes_json, &err)) {
    if (err.code == PT_EUSAGE)
      pt_usage_error(&pt_cmd_collect, "%s", err.msg);
    else
      status = pt_report(&err);
    goto done;
  }
  char host_warning[160];
  if (target_args.n) {
    for (size_t i = 0; i < nt; i++) {
      if (!parse_target(target_args.items[i], &targets[i], urls[i], sizeof urls[i]))
        goto done;
      const char *eq = strchr(target_args.items[i], '=');
      memcpy(names[i], target_args.items[i], (size_t)(eq - target_args.items[i]));
      names[i][eq - target_args.items[i]] = '\0';
      targets[i].environment = names[i];
      for (size_t k = 0; k < i; k++)
        if (!strcmp(names[k], names[i])) {
          pt_usage_error(&pt_cmd_collect, "--target '%s' is given twice", names[i]);
          goto done;
        }
      snprintf(outs[i], sizeof outs[i], "%s/%s", out ? out : "results", names[i]);
      targets[i].out_dir = outs[i];
    }
  } else if (host) { /* an option typed here: a bad port is refused, not replaced */
    if (pt_ollama_host_url(host, url, sizeof url, host_warning, sizeof host_warning, &err)) {
      pt_usage_error(&pt_cmd_collect, "--host: %s", err.msg);
      goto done;
    }
    if (host_warning[0]) {
      pt_usage_error(&pt_cmd_collect, "--host '%s': the port must be a number 0-65535", host);
      goto done;
    }
  } else if (pt_ollama_host_url(getenv("OLLAMA_HOST"), url, sizeof url, host_warning,
                                sizeof host_warning, &err)) {
    pt_errorf("OLLAMA_HOST: %s", err.msg);
    goto done;
  } else if (host_warning[0]) { /* as Ollama's own client: warn, use the default */
    pt_warnf("OLLAMA_HOST: %s", host_warning);
  }
  if (!target_args.n) {
    if (!out) {
      snprintf(outbuf, sizeof outbuf, "results/%s", env);
      out = outbuf;
    }
    targets[0] = (pt_collect_target){.environment = env, .label = label, .url = url,
                                     .out_dir = out};
  }

  if (plan_path && pt_plan_read(plan_path, &plan, &err)) {
    status = pt_report(&err);
    goto done;
  }
  if (prompts_path && pt_prompts_read(prompts_path, &plan, &err)) {
    status = pt_report(&err);
    goto done;
  }
  if (models.n && pt_plan_set_models(&plan, models.items, models.n, &err)) {
    status = pt_report(&err);
    goto done;
  }
  if (keep_alive && pt_plan_set_keep_alive(&plan, keep_alive, &err)) {
    pt_usage_error(&pt_cmd_collect, "--keep-alive: %s", err.msg);
    goto done;
  }
  if (trials != LLONG_MIN)
    plan.trials = (long)trials;
  if (warmup != LLONG_MIN)
    plan.warmup = (long)warmup;
  if (seed != LLONG_MIN) {
    plan.seed = seed;
    plan.has_seed = true;
  }
  if (num_predict != LLONG_MIN) {
    plan.num_predict = num_predict;
    plan.has_num_predict = true;
  }
  if (num_ctx != LLONG_MIN) {
    plan.num_ctx = num_ctx;
    plan.has_num_ctx = true;
  }
  if (!isnan(temperature)) {
    plan.temperature = temperature;
    plan.has_temperature = true;
  }
  if (pt_plan_finish(&plan, &err)) {
    if (err.code == PT_EUSAGE)
      pt_usage_error(&pt_cmd_collect, "%s", err.msg);
    else
      status = pt_report(&err);
    goto done;
  }

  progress pr = {.tty = isatty(fileno(pt_msg_stream())) == 1, .quiet = pt_msg_quiet(),
                 .prefix = nt > 1, .last_rate = NAN};
  pt_collect_cfg cfg = {
      .targets = targets,
      .n_targets = nt,
      .sysroot = getenv("PTBENCH_SYSROOT"),
      .notes = notes.n ? notes_json : NULL,
      .no_telemetry = no_telemetry,
      .plan = &plan,
      .stream = !no_stream,
      .pull = pull,
      .mode = resume ? PT_COLLECT_RESUME : add_session ? PT_COLLECT_ADD : PT_COLLECT_NEW,
      .sessions = sessions != LLONG_MIN ? (long)sessions : 1,
      .force = force,
      .fixed_order = fixed,
      .has_order_seed = order_seed != LLONG_MIN,
      .order_seed = order_seed != LLONG_MIN ? (uint64_t)order_seed : 0,
      .timeout_s = (long)timeout,
      .max_failures = (int)max_failures,
      .interrupted = pt_interrupt_flag(),  /* caught by main() */
      .progress = on_progress,
      .progress_ctx = &pr,
  };
  pt_code rc = pt_collect(&cfg, res, &err);
  clear_line(&pr);
  bool touched = false;
  for (size_t i = 0; i < nt; i++)
    if (res[i].status) {
      print_summary(&targets[i], &res[i]);
      touched = true;
    }
  const char *where = target_args.n ? (out ? out : "results") : out;
  long failed = 0, wfailed = 0;
  for (size_t i = 0; i < nt; i++) {
    failed += res[i].failed;
    wfailed += res[i].warmup_failed;
  }
  if (rc == PT_EINTERRUPTED) {
    pt_errorf("interrupted%s%s", touched ? "; finish the run with --resume, rows so far "
                                           "are in " : "", touched ? where : "");
    status = PT_EXIT_INTERRUPTED;
  } else if (rc && rc != PT_EPARTIAL) {
    status = pt_report(&err);
    if (touched)  /* a run directory with whole rows: it can be finished */
      pt_notef("the rows so far are kept in %s; once the cause is fixed, run the same "
               "command with --resume to finish the run", where);
  } else {
    status = rc == PT_EPARTIAL ? PT_EXIT_PARTIAL : PT_EXIT_OK;
    if (rc == PT_EPARTIAL)
      pt_warnf("some models were skipped after %lld failed trials in a row (see the summary); "
               "the other models' trials are complete", max_failures);
    if (failed && wfailed)
      pt_warnf("%ld trial%s and %ld warm-up%s failed; see the 'error' column of trials.csv in "
               "%s", failed, failed == 1 ? "" : "s", wfailed, wfailed == 1 ? "" : "s", where);
    else if (failed || wfailed)
      pt_warnf("%ld %s%s failed; see the 'error' column of trials.csv in %s",
               failed ? failed : wfailed, failed ? "trial" : "warm-up",
               (failed ? failed : wfailed) == 1 ? "" : "s", where);
  }
done:
  for (size_t i = 0; res && i < nt; i++)
    pt_collect_result_free(&res[i]);
  free(res);
  free(targets);
  free(urls);
  free(names);
  free(outs);
  pt_plan_free(&plan);
  pt_strlist_free(&models);
  pt_strlist_free(&notes);
  pt_strlist_free(&target_args);
  cJSON_Delete(notes_json);
  return status;
}
