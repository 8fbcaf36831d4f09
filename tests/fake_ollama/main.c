/* tests/fake_ollama/main.c - fake-ollama: a fake Ollama server for ptbench's
 * collector tests, `make demo` and the benchmarks.
 *
 *   fake-ollama [--port N] [--model SPEC]... [--fault SPEC]... [options]
 *
 * It binds 127.0.0.1 only, prints "listening on 127.0.0.1:PORT" (flushed) on
 * stdout once it accepts connections, and stops by itself on SIGINT/SIGTERM,
 * after --max-requests answered requests or after --exit-after seconds
 * (default 300), so a test can never leave it running. Exit status: 0 after
 * a normal stop, 1 when it cannot start, 2 on a bad command line.
 *
 * --model SPEC     NAME[:TAG][:RATE[:NOISE]][,KEY=VALUE|,FLAG]...
 *   RATE (tokens/s, default 50) and NOISE (relative SD of the rate per trial,
 *   default 0) are the trailing numeric fields of the name ("phi4:14b:30:0.01");
 *   with an explicit rate= no field is taken as a rate. Keys:
 *     rate=R noise=N prompt-rate=R (default 1000) load=SECONDS (1.5)
 *     size=BYTES vram=BYTES|PCT% (default 100%: vram < size = CPU spill)
 *     tokens=N (natural answer length, 128) think-tokens=N (64) ctx=N (4096)
 *     family=S params=S (e.g. 7.2B) quant=S (Q4_K_M)
 *   Flags: thinking (capability; streams "thinking" unless think:false),
 *     cache (a repeated prompt reports no prompt metrics), pullable (absent
 *     until /api/pull), loaded (loaded at start, kept forever).
 *   Without --model: mistral:7b, gemma2:9b, phi4:14b, deepseek-r1:14b (thinking).
 *
 * --fault SPEC     SELECTOR:KIND[:K[:S]]   (repeatable; the first match wins)
 *   SELECTOR: ENDPOINT (all its requests), ENDPOINT:N (its Nth request),
 *     ENDPOINT:N-M, or model=NAME (requests naming it). ENDPOINT: generate,
 *     chat, pull, show, tags, ps, version, any.
 *   KIND: 404, 404-legacy, 500, 503 (answer with that error), latin1-502 (a
 *     proxy's HTML error page in ISO-8859-1: not UTF-8); error-midstream
 *     (after K lines an {"error"} line, status 200), drop (after K lines close
 *     the connection), stall (after K lines send nothing for S seconds),
 *     garbage (after K lines one line that is not JSON). K defaults to 4, S
 *     to 2. With "stream": false, error-midstream answers 500 and drop closes
 *     the connection without an answer.
 *   Hostile kinds, for the client's deadlines: endless (after K lines,
 *     done:false lines forever, at most 1000 a second; "stream": false: no
 *     answer at all), drip (from line K, default 0, one byte every S
 *     seconds, default 1), junk-after (the final object, then lines that are
 *     not JSON forever), idle-after (the final object, then the connection
 *     stays open and silent for S seconds, default 3600), close-after (the
 *     final object, then the reply ends S seconds later, default 8). These
 *     apply to "stream": false replies too (the body is the one object).
 *     Every wait ends early when the client closes the connection.
 *   e.g. --fault generate:3:drop  --fault model=phi4:14b:404
 *        --fault chat:2-3:error-midstream:1  --fault generate:stall:2:0.5
 *        --fault generate:2:close-after:0:8  --fault generate:drip:0:1
 *
 * Models loaded: a generate or chat request loads its model (the request
 * that loads it reports load_duration; --model ...,load=S sets how long);
 * an empty prompt only loads it (done_reason "load"), an empty prompt with
 * keep_alive 0 unloads it (done_reason "unload"), and so does the end of
 * its keep_alive. An unload finishes --unload-delay seconds later: until
 * then /api/ps still lists the model (as Ollama frees memory in the
 * background), but a new request loads it anew. /api/ps lists exactly the
 * loaded models.
 *
 * GET /debug/loads (not an Ollama route) answers {"loads": {"NAME": N}}:
 * how many times each model was loaded since start (a model given with the
 * flag "loaded" starts loaded, at 0). --fault never applies to it; it is
 * logged and counted by --max-requests like any request.
 *
 * Durations reported are computed from the rates; with --pace F the server
 * also sleeps F times them (--realtime = --pace 1), for TTFT and CPU-cost
 * benchmarks. Streams cut and merge NDJSON lines across writes (--chunking;
 * random, the default, cuts every write at a seeded random byte).
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fake.h"

enum {
  OPT_PORT = 1000, OPT_MODEL, OPT_FAULT, OPT_SEED, OPT_REALTIME, OPT_PACE, OPT_CHUNKING,
  OPT_SPLIT_PAUSE, OPT_VERSION_STRING, OPT_LOG, OPT_PID_FILE, OPT_MAX_REQUESTS,
  OPT_EXIT_AFTER, OPT_UNLOAD_DELAY, OPT_VERBOSE, OPT_HELP
};

/* One table gives both getopt_long's options and --help. */
static const struct {
  int id;
  const char *name;
  const char *arg; /* NULL = no argument */
  const char *help;
} options[] = {
    {OPT_PORT, "port", "N", "TCP port on 127.0.0.1; 0 = any free port (default 0)"},
    {OPT_MODEL, "model", "SPEC", "add a model (repeatable; syntax below)"},
    {OPT_FAULT, "fault", "SPEC", "inject a fault (repeatable; syntax below)"},
    {OPT_SEED, "seed", "N", "seed of rate noise and chunking (default 1)"},
    {OPT_REALTIME, "realtime", NULL, "sleep to pace load, prompt and tokens in real time"},
    {OPT_PACE, "pace", "F", "sleep F times the reported durations (default 0)"},
    {OPT_CHUNKING, "chunking", "MODE", "line, merge, split or random (default random)"},
    {OPT_SPLIT_PAUSE, "split-pause", "MS", "pause after a write that cuts a line (default 1)"},
    {OPT_VERSION_STRING, "version-string", "S", "what /api/version reports (default 0.12.6)"},
    {OPT_LOG, "log", "FILE", "append each request as {method, path, body} JSON lines"},
    {OPT_PID_FILE, "pid-file", "FILE", "write the process id there (removed at exit)"},
    {OPT_MAX_REQUESTS, "max-requests", "N", "stop after answering N requests (default 0 = no limit)"},
    {OPT_EXIT_AFTER, "exit-after", "SEC", "stop after SEC seconds (default 300; 0 = never)"},
    {OPT_UNLOAD_DELAY, "unload-delay", "SEC",
     "an unload finishes (leaves /api/ps) SEC later (default 0.3)"},
    {OPT_VERBOSE, "verbose", NULL, "log each request and MHD errors to stderr"},
    {OPT_HELP, "help", NULL, "show this help"},
};
#define N_OPTIONS (sizeof options / sizeof options[0])

static const char help_details[] =
    "model SPEC: NAME[:TAG][:RATE[:NOISE]][,KEY=VALUE|,FLAG]...\n"
    "  RATE tokens/s (default 50), NOISE relative SD per trial (default 0),\n"
    "  unless rate= is given. Keys: rate noise prompt-rate load(s) size vram(bytes|N%)\n"
    "  tokens think-tokens ctx family params quant. Flags: thinking cache pullable\n"
    "  loaded. Default models: mistral:7b gemma2:9b phi4:14b deepseek-r1:14b.\n"
    "  e.g. --model 'phi4:14b:30:0.01,vram=80%,load=2' --model 'qwen3:8b,rate=70,thinking'\n"
    "\n"
    "fault SPEC: SELECTOR:KIND[:K[:S]]\n"
    "  SELECTOR: ENDPOINT | ENDPOINT:N | ENDPOINT:N-M | model=NAME\n"
    "    (ENDPOINT: generate chat pull show tags ps version any; N 1-based)\n"
    "  KIND: 404 404-legacy 500 503 latin1-502 | error-midstream drop stall garbage\n"
    "    (these four after K streamed lines, default 4; stall lasts S s, default 2)\n"
    "    | endless (after K lines, done:false lines forever) | drip (from line K,\n"
    "    default 0, one byte every S s, default 1) | junk-after (junk lines forever\n"
    "    after the final object) | idle-after (after it, silence for S s, default\n"
    "    3600) | close-after (after it, the reply ends S s later, default 8)\n"
    "  e.g. --fault generate:3:drop --fault model=phi4:14b:404 --fault chat:stall:2:0.5\n"
    "       --fault generate:2:close-after:0:8 --fault generate:drip:0:1\n"
    "\n"
    "GET /debug/loads: {\"loads\": {\"NAME\": N}}, how often each model was loaded.\n"
    "\n"
    "Prints 'listening on 127.0.0.1:PORT' when ready. Exit status: 0 stopped\n"
    "(signal, --max-requests, --exit-after), 1 cannot start, 2 usage error.\n";

static void usage(FILE *fp) {
  fprintf(fp, "usage: fake-ollama [options]\n\nA fake Ollama server for ptbench's tests.\n\noptions:\n");
  for (size_t i = 0; i < N_OPTIONS; i++) {
    char left[48];
    snprintf(left, sizeof left, "--%s%s%s", options[i].name, options[i].arg ? " " : "",
             options[i].arg ? options[i].arg : "");
    fprintf(fp, "  %-22s %s\n", left, options[i].help);
  }
  fprintf(fp, "\n%s", help_details);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "fake-ollama: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\nfake-ollama: see 'fake-ollama --help'\n");
  va_end(ap);
  return 2;
}

typedef struct settings {
  long port;
  double exit_after;
  const char *log_path;
  const char *pid_path;
} settings;

static bool push_fault(fake_server *srv, const char *spec, char *err, size_t errsz) {
  fake_fault f;
  if (!fake_fault_parse(spec, &f, err, errsz))
    return false;
  fake_fault *v = realloc(srv->faults, (srv->n_faults + 1) * sizeof *v);
  if (!v) {
    snprintf(err, errsz, "out of memory");
    return false;
  }
  srv->faults = v;
  srv->faults[srv->n_faults++] = f;
  return true;
}

/* Parse argv into srv and st. Returns -1 to go on, else an exit status. */
static int parse_args(int argc, char **argv, fake_server *srv, settings *st) {
  struct option longopts[N_OPTIONS + 1];
  for (size_t i = 0; i < N_OPTIONS; i++)
    longopts[i] = (struct option){options[i].name, options[i].arg ? required_argument : no_argument,
                                  NULL, options[i].id};
  longopts[N_OPTIONS] = (struct option){NULL, 0, NULL, 0};
  char err[256];
  bool have_models = false;
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
    double d;
    long long n;
    const char *a = optarg;
    switch (c) {
    case OPT_PORT:
      if (!fake_parse_ll(a, &n) || n < 0 || n > 65535)
        return usage_error("'--%s' needs a port 0-65535: '%s'", "port", a);
      st->port = (long)n;
      break;
    case OPT_MODEL:
      if (!fake_models_add_spec(&srv->models, a, err, sizeof err))
        return usage_error("--model '%s': %s", a, err);
      have_models = true;
      break;
    case OPT_FAULT:
      if (!push_fault(srv, a, err, sizeof err))
        return usage_error("--fault '%s': %s", a, err);
      break;
    case OPT_SEED:
      if (!fake_parse_ll(a, &n))
        return usage_error("'--%s' needs an integer: '%s'", "seed", a);
      srv->seed = (uint64_t)n;
      break;
    case OPT_REALTIME:
      srv->pace = 1;
      break;
    case OPT_PACE:
      if (!fake_parse_double(a, &d) || d < 0 || d > 100)
        return usage_error("'--%s' needs a factor 0-100: '%s'", "pace", a);
      srv->pace = d;
      break;
    case OPT_CHUNKING: {
      static const char *const modes[] = {"line", "merge", "split", "random"};
      size_t i = 0;
      while (i < 4 && strcmp(a, modes[i]))
        i++;
      if (i == 4)
        return usage_error("'--%s' must be line, merge, split or random: '%s'", "chunking", a);
      srv->chunking = (fake_chunking)i;
      break;
    }
    case OPT_SPLIT_PAUSE:
      if (!fake_parse_double(a, &d) || d < 0 || d > 10000)
        return usage_error("'--%s' needs milliseconds 0-10000: '%s'", "split-pause", a);
      srv->split_pause_ns = (int64_t)(d * 1e6);
      break;
    case OPT_VERSION_STRING:
      srv->version = a;
      break;
    case OPT_LOG:
      st->log_path = a;
      break;
    case OPT_PID_FILE:
      st->pid_path = a;
      break;
    case OPT_MAX_REQUESTS:
      if (!fake_parse_ll(a, &n) || n < 0 || n > 1000000000)
        return usage_error("'--%s' needs a count >= 0: '%s'", "max-requests", a);
      srv->max_requests = (long)n;
      break;
    case OPT_EXIT_AFTER:
      if (!fake_parse_double(a, &d) || d < 0 || d > 86400 * 7)
        return usage_error("'--%s' needs seconds 0-604800: '%s'", "exit-after", a);
      st->exit_after = d;
      break;
    case OPT_UNLOAD_DELAY:
      if (!fake_parse_double(a, &d) || d < 0 || d > 3600)
        return usage_error("'--%s' needs seconds 0-3600: '%s'", "unload-delay", a);
      srv->models.unload_delay_ns = (int64_t)(d * 1e9);
      break;
    case OPT_VERBOSE:
      srv->verbose = true;
      break;
    case OPT_HELP:
      usage(stdout);
      return fflush(stdout) ? 1 : 0;
    case ':':
      return usage_error("option '%s' needs a value", argv[optind - 1]);
    default:
      return usage_error("unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc)
    return usage_error("unexpected argument '%s'", argv[optind]);
  if (!have_models && !fake_models_add_defaults(&srv->models, err, sizeof err))
    return usage_error("default models: %s", err);
  return -1;
}

static struct MHD_Daemon *start_daemon(fake_server *srv, long port) {
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD;
  if (srv->verbose)
    flags |= MHD_USE_ERROR_LOG;
  return MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, fake_route_access, srv,
                          MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                          MHD_OPTION_NOTIFY_COMPLETED, fake_route_completed, srv,
                          MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_END);
}

static double monotonic_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait for a signal, the request limit or the deadline. */
static void wait_for_stop(fake_server *srv, const sigset_t *sigs, double exit_after) {
  double deadline = exit_after > 0 ? monotonic_s() + exit_after : 0;
  for (;;) {
    struct timespec tick = {0, 50000000};
    int sig = sigtimedwait(sigs, NULL, &tick);
    if (sig == SIGINT || sig == SIGTERM)
      return;
    if (atomic_load(&srv->limit_reached))
      return;
    if (deadline > 0 && monotonic_s() >= deadline) {
      if (srv->verbose)
        fprintf(stderr, "fake-ollama: --exit-after reached, stopping\n");
      return;
    }
  }
}

static int serve(fake_server *srv, const settings *st) {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* MHD's threads inherit this */
  signal(SIGPIPE, SIG_IGN);
  struct MHD_Daemon *d = start_daemon(srv, st->port);
  if (!d) {
    fprintf(stderr, "fake-ollama: cannot listen on 127.0.0.1:%ld: %s\n", st->port, strerror(errno));
    return 1;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  unsigned port = info ? info->port : (unsigned)st->port;
  if (st->pid_path) {
    FILE *fp = fopen(st->pid_path, "w");
    if (!fp || fprintf(fp, "%ld\n", (long)getpid()) < 0 || fclose(fp)) {
      fprintf(stderr, "fake-ollama: cannot write '%s': %s\n", st->pid_path, strerror(errno));
      MHD_stop_daemon(d);
      return 1;
    }
  }
  printf("listening on 127.0.0.1:%u\n", port);
  fflush(stdout);
  wait_for_stop(srv, &sigs, st->exit_after);
  atomic_store(&fake_stopping, true);
  MHD_stop_daemon(d);
  if (st->pid_path)
    unlink(st->pid_path);
  return 0;
}

int main(int argc, char **argv) {
  fake_server srv;
  memset(&srv, 0, sizeof srv);
  fake_models_init(&srv.models);
  pthread_mutex_init(&srv.mu, NULL);
  srv.seed = 1;
  srv.chunking = FAKE_CHUNK_RANDOM;
  srv.split_pause_ns = 1000000;
  srv.version = "0.12.6";
  srv.models.unload_delay_ns = 300000000;
  settings st = {0, 300, NULL, NULL};
  int status = parse_args(argc, argv, &srv, &st);
  if (status < 0 && st.log_path) {
    srv.log = fopen(st.log_path, "a");
    if (!srv.log) {
      fprintf(stderr, "fake-ollama: cannot open '%s': %s\n", st.log_path, strerror(errno));
      status = 1;
    }
  }
  if (status < 0)
    status = serve(&srv, &st);
  if (srv.log && fclose(srv.log) && status == 0) {
    fprintf(stderr, "fake-ollama: cannot write '%s': %s\n", st.log_path, strerror(errno));
    status = 1;
  }
  free(srv.faults);
  fake_models_free(&srv.models);
  pthread_mutex_destroy(&srv.mu);
  return status;
}
