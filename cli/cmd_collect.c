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
    "--env NAME [options]",
    "run benchmark trials against an Ollama server into a run directory",
    "Each trial is one /api/generate request; its row is appended to\n"
    "OUT/trials.csv as it ends, and OUT/manifest.json describes the run (options,\n"
    "models, Ollama version, this machine). Models come from --model or the plan\n"
    "(the article's benchmarks.yml works as is); without prompts in the plan or\n"
    "--prompts, five built-in prompts are used. Options given here override the\n"
    "plan. The server is OLLAMA_HOST, read as Ollama's client reads it, unless\n"
    "--host is given. A failed trial is recorded and the run goes on; 3 failures\n"
    "in a row stop it. Ctrl-C stops after a whole row; --resume runs what is\n"
    "missing. The manifest records this machine (GPU, PCIe link, BARs, CPU flags,\n"
    "versions; root PTBENCH_SYSROOT, default /) and --note facts no probe sees;\n"
    "with a local server the GPU's clock, temperature, power and load are sampled\n"
    "during each trial. See docs/collect.md.",
    run,
};

typedef struct progress {
  bool tty, quiet, line_open;
  int64_t t0;             /* when the first trial started */
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
  if (ev->kind == PT_EV_WARNING) {
    clear_line(p);
    pt_warnf("%s", ev->message);
    return;
  }
  if (p->quiet)
    return;
  switch (ev->kind) {
  case PT_EV_CONNECTED:
    pt_notef("connected to Ollama %s", ev->message);
    break;
  case PT_EV_PULL:
    if (ev->model) {
      clear_line(p);
      pt_notef("pulling '%s'", ev->model);
      p->pull_status[0] = '\0';
    } else if (p->tty) {
      if (ev->bytes > 0 && ev->completed >= 0)
        fprintf(fp, "\r\033[Kptbench: %s %.0f%%", ev->message,
                100.0 * (double)ev->completed / (double)ev->bytes);
      else
        fprintf(fp, "\r\033[Kptbench: %s", ev->message);
      p->line_open = true;
    } else if (strcmp(ev->message, p->pull_status)) {
      snprintf(p->pull_status, sizeof p->pull_status, "%s", ev->message);
      pt_notef("%s", ev->message);
    }
    fflush(fp);
    break;
  case PT_EV_START:
    clear_line(p);
    if (ev->skipped)
      pt_notef("resuming: %zu trials already ok, %zu to run", ev->skipped, ev->total);
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
    if (p->tty) {
      if (t && t->status != PT_STATUS_OK && t->status != PT_STATUS_INTERRUPTED) {
        clear_line(p);
        pt_warnf("%s %s %s %ld/%ld: %s: %s", ev->model, ev->prompt_id,
                 ev->warmup ? "warm-up" : "trial", ev->trial, ev->trials,
                 pt_status_name(t->status), t->error ? t->error : "");
      }
      char rate[32] = "-";
      if (isfinite(p->last_rate))
        snprintf(rate, sizeof rate, "%.1f", p->last_rate);
      fprintf(fp, "\r\033[K[%zu/%zu] %s  %s  %s %ld/%ld  %s tokens/s  ETA %s",
              ev->done + (t ? 0 : 1), ev->total, ev->model, ev->prompt_id,
              ev->warmup ? "warm-up" : "trial", ev->trial, ev->trials, rate, eta);
      p->line_open = true;
      fflush(fp);
    } else if (t) {
      if (t->status == PT_STATUS_OK) {
        char rate[48] = "no rate";
        if (isfinite(t->eval_rate))
          snprintf(rate, sizeof rate, "%.2f tokens/s", t->eval_rate);
        pt_notef("[%zu/%zu] %s %s %s %ld/%ld: ok, %s", ev->done, ev->total, ev->model,
                 ev->prompt_id, ev->warmup ? "warm-up" : "trial", ev->trial, ev->trials,
                 rate);
      } else if (t->status == PT_STATUS_INTERRUPTED) {
        pt_notef("[%zu/%zu] %s %s %s %ld/%ld: interrupted", ev->done, ev->total, ev->model,
                 ev->prompt_id, ev->warmup ? "warm-up" : "trial", ev->trial, ev->trials);
      } else {
        pt_notef("[%zu/%zu] %s %s %s %ld/%ld: %s: %s", ev->done, ev->total, ev->model,
                 ev->prompt_id, ev->warmup ? "warm-up" : "trial", ev->trial, ev->trials,
                 pt_status_name(t->status), t->error ? t->error : "");
      }
    }
    break;
  }
  case PT_EV_WARNING:
    break;
  }
}

static void print_summary(const pt_collect_result *res, const char *out_dir) {
  if (pt_msg_quiet())
    return;
  pt_notef("run %s (%s): %ld trials ok, %ld failed, %ld warm-ups; %s in %s", res->run_id,
           res->status ? res->status : "not started", res->ok, res->failed, res->warmup,
           "trials.csv and manifest.json", out_dir);
  for (size_t i = 0; i < res->n_models; i++) {
    const pt_model_summary *m = &res->models[i];
    if (m->rate_n)
      pt_notef("  %-24s %8.2f tokens/s (mean of %ld)%s", m->model,
               m->rate_sum / (double)m->rate_n, m->rate_n,
               m->failed ? " - some trials failed" : "");
    else
      pt_notef("  %-24s no successful trial", m->model);
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

static int run(int argc, char **argv) {
  const char *env = NULL, *host = NULL, *plan_path = NULL, *prompts_path = NULL,
             *keep_alive = NULL, *out = NULL, *label = NULL;
  long long trials = LLONG_MIN, warmup = LLONG_MIN, num_predict = LLONG_MIN,
            num_ctx = LLONG_MIN, seed = LLONG_MIN, timeout = 300;
  double temperature = NAN;
  bool no_stream = false, pull = false, resume = false, no_telemetry = false;
  pt_strlist models = {0}, notes = {0};
  cJSON *notes_json = NULL;
  const pt_option opts[] = {
      {'e', "env", PT_OPT_STRING, &env, "NAME",
       "environment label of this run, e.g. bare-metal or vm (required; letters, digits, "
       ". _ -)"},
      {0, "label", PT_OPT_STRING, &label, "TEXT", "display label for reports (default: none)"},
      {0, "host", PT_OPT_STRING, &host, "URL",
       "Ollama server (default: OLLAMA_HOST, else http://127.0.0.1:11434)"},
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
      {0, "timeout", PT_OPT_INT, &timeout, "SEC",
       "connect timeout and longest silence of a request; a generate must end "
       "within SEC + max(10, num_predict x 4) s, other requests within 2 x SEC "
       "(default: 300)"},
      {0, "no-stream", PT_OPT_FLAG, &no_stream, NULL,
       "one JSON reply per trial (no TTFT) instead of streaming"},
      {0, "pull", PT_OPT_FLAG, &pull, NULL, "pull models the server lacks"},
      {0, "resume", PT_OPT_FLAG, &resume, NULL,
       "continue the run in OUT: run only the trials without an ok row"},
      {'o', "out", PT_OPT_STRING, &out, "DIR", "run directory (default: results/NAME)"},
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
  pt_collect_result res;
  memset(&res, 0, sizeof res);
  if (status >= 0)
    goto done;
  status = PT_EXIT_USAGE;
  if (first < argc) {
    pt_usage_error(&pt_cmd_collect, "unexpected argument '%s'", argv[first]);
    goto done;
  }
  if (!env) {
    pt_usage_error(&pt_cmd_collect, "--env NAME is required (e.g. --env bare-metal)");
    goto done;
  }
  if (!valid_env(env)) {
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
  if (pt_manifest_notes(notes.items, notes.n, &notes_json, &err)) {
    if (err.code == PT_EUSAGE)
      pt_usage_error(&pt_cmd_collect, "%s", err.msg);
    else
      status = pt_report(&err);
    goto done;
  }
  char host_warning[160];
  if (host) { /* an option typed here: a bad port is refused, not replaced */
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
  if (!out) {
    snprintf(outbuf, sizeof outbuf, "results/%s", env);
    out = outbuf;
  }

  progress pr = {.tty = isatty(fileno(pt_msg_stream())) == 1, .quiet = pt_msg_quiet(),
                 .last_rate = NAN};
  pt_collect_cfg cfg = {
      .environment = env,
      .label = label,
      .url = url,
      .out_dir = out,
      .sysroot = getenv("PTBENCH_SYSROOT"),
      .notes = notes.n ? notes_json : NULL,
      .no_telemetry = no_telemetry,
      .plan = &plan,
      .stream = !no_stream,
      .pull = pull,
      .resume = resume,
      .timeout_s = (long)timeout,
      .interrupted = pt_interrupt_flag(),  /* caught by main() */
      .progress = on_progress,
      .progress_ctx = &pr,
  };
  pt_code rc = pt_collect(&cfg, &res, &err);
  clear_line(&pr);
  if (res.status)
    print_summary(&res, out);
  if (rc == PT_EINTERRUPTED) {
    pt_errorf("interrupted%s%s", res.status ? "; finish the run with --resume, rows so far "
                                              "are in " : "",
              res.status ? out : "");
    status = PT_EXIT_INTERRUPTED;
  } else if (rc) {
    status = pt_report(&err);
    if (res.status)  /* a run directory with whole rows: it can be finished */
      pt_notef("the rows so far are kept in %s; once the cause is fixed, run the same "
               "command with --resume to finish the run", out);
  } else {
    status = PT_EXIT_OK;
    if (res.failed)
      pt_warnf("%ld trial%s failed; see the 'error' column of %s/trials.csv", res.failed,
               res.failed == 1 ? "" : "s", out);
  }
done:
  pt_collect_result_free(&res);
  pt_plan_free(&plan);
  pt_strlist_free(&models);
  pt_strlist_free(&notes);
  cJSON_Delete(notes_json);
  return status;
}
