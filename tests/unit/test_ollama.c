/* tests/unit/test_ollama.c - the parts of the Ollama client that need no
 * server (collect/ollama.h): OLLAMA_HOST, the NDJSON line splitter fed at
 * every split point, the generate stream state and the final-object parser.
 * Samples from ../shared/testdata/ollama are used when present; inline
 * samples keep the tests meaningful on a fresh clone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <limits.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collect/ollama.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/trial.h"
#include "core/utf8.h"

/* ------------------------------------------------------------ OLLAMA_HOST */

/* Expected values: Ollama's own tests, envconfig/config_test.go TestHost
 * (scheme, port and path rules) and TestConnectableHost (0.0.0.0, [::] and
 * an empty host are dialled as loopback), written as full URLs. warn: the
 * port Ollama's envconfig.Host() logs "invalid port, using default" for
 * (its strconv.ParseInt(port, 10, 32) fails or the number is outside
 * 0..65535); NULL = no warning. */
static const struct {
  const char *value, *want, *warn;
} host_cases[] = {
    {NULL, "http://127.0.0.1:11434", NULL},
    {"", "http://127.0.0.1:11434", NULL},
    {"1.2.3.4", "http://1.2.3.4:11434", NULL},
    {":1234", "http://127.0.0.1:1234", NULL},
    {"1.2.3.4:1234", "http://1.2.3.4:1234", NULL},
    {"example.com", "http://example.com:11434", NULL},
    {"example.com:1234", "http://example.com:1234", NULL},
    {":0", "http://127.0.0.1:0", NULL},
    {":66000", "http://127.0.0.1:11434", "66000"},
    {":-1", "http://127.0.0.1:11434", "-1"},
    {"example.com:99999", "http://example.com:11434", "99999"},
    {"example.com:", "http://example.com:11434", ""},
    {"example.com:80a", "http://example.com:11434", "80a"},
    {"http://example.com:99999", "http://example.com:80", "99999"},
    {"https://example.com:3000000000", "https://example.com:443", "3000000000"},
    /* ParseInt takes a sign and leading zeros: Go dials the number */
    {"example.com:+80", "http://example.com:80", NULL},
    {"example.com:08080", "http://example.com:8080", NULL},
    {"ollama.com", "https://ollama.com:443", NULL},
    {"[::1]", "http://[::1]:11434", NULL},
    {"[::]", "http://[::1]:11434", NULL},
    {"::1", "http://[::1]:11434", NULL},
    {"[::1]:1337", "http://[::1]:1337", NULL},
    {"[::]:1234", "http://[::1]:1234", NULL},
    /* strings.Trim(hostport, "[]") strips unbalanced brackets as well */
    {"[::1", "http://[::1]:11434", NULL},
    {"::1]", "http://[::1]:11434", NULL},
    {"[1.2.3.4]", "http://1.2.3.4:11434", NULL},
    {" 1.2.3.4 ", "http://1.2.3.4:11434", NULL},
    {"\"1.2.3.4\"", "http://1.2.3.4:11434", NULL},
    {" \" 1.2.3.4 \" ", "http://1.2.3.4:11434", NULL},
    {"'1.2.3.4'", "http://1.2.3.4:11434", NULL},
    {"http://1.2.3.4", "http://1.2.3.4:80", NULL},
    {"http://1.2.3.4:4321", "http://1.2.3.4:4321", NULL},
    {"https://1.2.3.4", "https://1.2.3.4:443", NULL},
    {"https://1.2.3.4:4321", "https://1.2.3.4:4321", NULL},
    {"https://example.com/ollama", "https://example.com:443/ollama", NULL},
    {"https://example.com/ollama/", "https://example.com:443/ollama", NULL},
    {"0.0.0.0", "http://127.0.0.1:11434", NULL},
    {"0.0.0.0:1234", "http://127.0.0.1:1234", NULL},
    {"192.168.1.5:8080", "http://192.168.1.5:8080", NULL},
    {"localhost", "http://localhost:11434", NULL},
};

static void test_host_url(void **state) {
  for (size_t i = 0; i < sizeof host_cases / sizeof host_cases[0]; i++) {
    char out[256], warning[160], want_warning[160] = "";
    pt_error err;
    pt_error_clear(&err);
    pt_code rc = pt_ollama_host_url(host_cases[i].value, out, sizeof out, warning,
                                    sizeof warning, &err);
    if (rc || strcmp(out, host_cases[i].want))
      fail_msg("OLLAMA_HOST=%s%s%s: got %s, want %s", host_cases[i].value ? "'" : "",
               host_cases[i].value ? host_cases[i].value : "(unset)",
               host_cases[i].value ? "'" : "", rc ? err.msg : out, host_cases[i].want);
    if (host_cases[i].warn)
      snprintf(want_warning, sizeof want_warning, "invalid port '%s', using the default %s",
               host_cases[i].warn, strrchr(host_cases[i].want, ':') + 1);
    if (strcmp(warning, want_warning))
      fail_msg("OLLAMA_HOST='%s': warning '%s', want '%s'", host_cases[i].value, warning,
               want_warning);
  }
  char out[256];
  assert_int_equal(pt_ollama_host_url(":70000", out, sizeof out, NULL, 0, NULL), PT_OK);
  assert_string_equal(out, "http://127.0.0.1:11434");
}

static void test_host_url_errors(void **state) {
  char out[256], small[8];
  pt_error err;
  pt_error_clear(&err);
  assert_int_equal(pt_ollama_host_url("ftp://h", out, sizeof out, NULL, 0, &err), PT_EUSAGE);
  assert_non_null(strstr(err.msg, "unsupported scheme"));
  assert_int_equal(pt_ollama_host_url("1.2.3.4", small, sizeof small, NULL, 0, &err),
                   PT_ETOOBIG);
  /* brackets around a name are no IP literal: not a URL curl could use */
  assert_int_equal(pt_ollama_host_url("[example.com]", out, sizeof out, NULL, 0, &err),
                   PT_EUSAGE);
  assert_non_null(strstr(err.msg, "not a valid host"));
}

static const struct {
  const char *url;
  bool local;
} local_cases[] = {
    {"http://127.0.0.1:11434", true},   {"http://127.1.2.3:80", true},
    {"http://localhost:11434", true},   {"http://LOCALHOST:1", true},
    {"http://[::1]:11434", true},       {"http://[::ffff:127.0.0.1]:1", true},
    {"http://192.168.1.5:11434", false}, {"http://example.com:11434", false},
    {"https://gpu.localhost:443", true}, {"http://[2001:db8::1]:11434", false},
};

static void test_url_is_local(void **state) {
  for (size_t i = 0; i < sizeof local_cases / sizeof local_cases[0]; i++)
    if (pt_url_is_local(local_cases[i].url) != local_cases[i].local)
      fail_msg("%s: expected %s", local_cases[i].url, local_cases[i].local ? "local" : "remote");
  char self[256], url[300];
  assert_int_equal(gethostname(self, sizeof self), 0);
  self[sizeof self - 1] = '\0';
  snprintf(url, sizeof url, "http://%s:11434", self);
  assert_true(pt_url_is_local(url));
}

/* ------------------------------------------------------------ splitter */

typedef struct lines {
  pt_buf all;  /* lines joined with '|' */
  long n;
} lines;

static pt_code collect_line(void *ctx, const char *line, size_t len, pt_error *err) {
  lines *l = ctx;
  if (l->n++)
    pt_buf_putc(&l->all, '|');
  pt_buf_append(&l->all, line, len);
  return PT_OK;
}

/* Feed data cut at a and b (a <= b) and return the joined lines. */
static void split3(const char *data, size_t len, size_t a, size_t b, lines *l) {
  pt_ndjson s;
  pt_error err;
  pt_error_clear(&err);
  pt_ndjson_init(&s, 1 << 20);
  assert_int_equal(pt_ndjson_feed(&s, data, a, collect_line, l, &err), PT_OK);
  assert_int_equal(pt_ndjson_feed(&s, data + a, b - a, collect_line, l, &err), PT_OK);
  assert_int_equal(pt_ndjson_feed(&s, data + b, len - b, collect_line, l, &err), PT_OK);
  assert_int_equal(pt_ndjson_finish(&s, collect_line, l, &err), PT_OK);
  pt_ndjson_free(&s);
}

/* Expected lines are written out by hand from each input. */
static const struct {
  const char *in, *want;
  long n;
} split_cases[] = {
    {"a\nb\nc\n", "a|b|c", 3},
    {"a\nb\nc", "a|b|c", 3},
    {"a\r\nb\r\n", "a|b", 2},
    {"\n\n  \na\n\n", "a", 1},
    {"{\"x\":1}\n{\"y\":2}", "{\"x\":1}|{\"y\":2}", 2},
    {"", "", 0},
    {"  one  \n", "one", 1},
};

static void test_splitter_every_cut(void **state) {
  for (size_t c = 0; c < sizeof split_cases / sizeof split_cases[0]; c++) {
    size_t len = strlen(split_cases[c].in);
    for (size_t a = 0; a <= len; a++)
      for (size_t b = a; b <= len; b++) {
        lines l = {PT_BUF_INIT, 0};
        split3(split_cases[c].in, len, a, b, &l);
        if (l.n != split_cases[c].n || strcmp(l.all.data ? l.all.data : "", split_cases[c].want))
          fail_msg("case %zu cut at %zu,%zu: got %ld lines '%s'", c, a, b, l.n,
                   l.all.data ? l.all.data : "");
        pt_buf_free(&l.all);
      }
  }
}

static void test_splitter_line_cap(void **state) {
  pt_ndjson s;
  pt_error err;
  pt_error_clear(&err);
  lines l = {PT_BUF_INIT, 0};
  pt_ndjson_init(&s, 8);
  assert_int_equal(pt_ndjson_feed(&s, "12345678\n", 9, collect_line, &l, &err), PT_OK);
  assert_int_equal(pt_ndjson_feed(&s, "12345", 5, collect_line, &l, &err), PT_OK);
  assert_int_equal(pt_ndjson_feed(&s, "6789", 4, collect_line, &l, &err), PT_ETOOBIG);
  assert_non_null(strstr(err.msg, "line 2"));
  pt_ndjson_free(&s);
  pt_ndjson_init(&s, 8);
  assert_int_equal(pt_ndjson_feed(&s, "123456789\n", 10, collect_line, &l, &err), PT_ETOOBIG);
  pt_ndjson_free(&s);
  pt_buf_free(&l.all);
}

/* ------------------------------------------------------------ stream */

/* A shortened stream with a final line carrying the metrics of the docs'
 * generate-stream-final.json (Ollama docs/api.md). */
static const char inline_stream[] =
    "{\"model\":\"m\",\"created_at\":\"t\",\"response\":\"\",\"done\":false}\n"
    "{\"model\":\"m\",\"created_at\":\"t\",\"response\":\"The\",\"done\":false}\n"
    "{\"model\":\"m\",\"created_at\":\"t\",\"response\":\" \\\"done\\\":false\",\"done\":false}\n"
    "{\"model\":\"m\",\"created_at\":\"t\",\"response\":\"\",\"done\":true,"
    "\"done_reason\":\"length\",\"total_duration\":10706818083,\"load_duration\":6338219291,"
    "\"prompt_eval_count\":26,\"prompt_eval_duration\":130079000,\"eval_count\":259,"
    "\"eval_duration\":4232710000}\n";

static const char inline_thinking[] =
    "{\"response\":\"\",\"thinking\":\"Hm\",\"done\":false}\n"
    "{\"response\":\"ok\",\"done\":false}\n"
    "{\"response\":\"\",\"done\":true,\"eval_count\":2,\"eval_duration\":1000}\n";

static const char inline_error[] =
    "{\"response\":\" Yes\",\"done\":false}\n"
    "{\"response\":\".\",\"done\":false}\n"
    "{\"error\":\"an error was encountered while running the model\"}\n";

/* Run a stream cut at a and b; returns the code of the first failure. */
static pt_code stream3(const char *data, size_t len, size_t a, size_t b, pt_gen_result *r,
                       pt_error *err) {
  pt_gen_stream g;
  pt_gen_stream_init(&g, r, "test");
  pt_code rc = pt_gen_stream_feed(&g, data, a, err);
  if (!rc)
    rc = pt_gen_stream_feed(&g, data + a, b - a, err);
  if (!rc)
    rc = pt_gen_stream_feed(&g, data + b, len - b, err);
  if (!rc)
    rc = pt_gen_stream_finish(&g, err);
  pt_gen_stream_free(&g);
  return rc;
}

static void test_stream_inline_every_cut(void **state) {
  size_t len = strlen(inline_stream);
  for (size_t a = 0; a <= len; a++)
    for (size_t b = a; b <= len; b += 7) {
      pt_gen_result r;
      pt_error err;
      pt_error_clear(&err);
      assert_int_equal(stream3(inline_stream, len, a, b, &r, &err), PT_OK);
      assert_true(r.done);
      assert_string_equal(r.done_reason, "length");
      assert_int_equal(r.first_token_line, 2);
      assert_int_equal(r.total_duration_ns, INT64_C(10706818083));
      assert_int_equal(r.load_duration_ns, INT64_C(6338219291));
      assert_int_equal(r.prompt_eval_count, 26);
      assert_int_equal(r.prompt_eval_duration_ns, 130079000);
      assert_int_equal(r.eval_count, 259);
      assert_int_equal(r.eval_duration_ns, INT64_C(4232710000));
      assert_string_equal(r.error, "");
    }
}

static void test_stream_thinking(void **state) {
  pt_gen_result r;
  pt_error err;
  pt_error_clear(&err);
  size_t len = strlen(inline_thinking);
  assert_int_equal(stream3(inline_thinking, len, 0, 0, &r, &err), PT_OK);
  assert_int_equal(r.first_token_line, 1);
  assert_int_equal(r.eval_count, 2);
  assert_int_equal(r.prompt_eval_count, PT_MISSING);
  assert_int_equal(r.load_duration_ns, PT_MISSING);
  assert_string_equal(r.done_reason, "");
}

static void test_stream_error_every_cut(void **state) {
  size_t len = strlen(inline_error);
  for (size_t a = 0; a <= len; a++)
    for (size_t b = a; b <= len; b++) {
      pt_gen_result r;
      pt_error err;
      pt_error_clear(&err);
      assert_int_equal(stream3(inline_error, len, a, b, &r, &err), PT_EHTTP);
      assert_string_equal(r.error, "an error was encountered while running the model");
      assert_string_equal(err.msg, r.error);
      assert_false(r.done);
    }
}

static void test_stream_faults(void **state) {
  static const struct {
    const char *in;
    pt_code want;
  } cases[] = {
      {"{\"response\":\"a\",\"done\":false}\n", PT_ENET},            /* no final */
      {"{\"response\":\"a\",\"done\":false}\n{\"respo", PT_EPARSE}, /* cut line */
      {"not json\n", PT_EPARSE},
      {"[1,2]\n", PT_EPARSE},
      {"{\"response\":\"a\",\"done\":false,\"error\":\"x\"}\n", PT_EHTTP},
      {"", PT_ENET},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pt_gen_result r;
    pt_error err;
    pt_error_clear(&err);
    size_t len = strlen(cases[i].in);
    pt_code rc = stream3(cases[i].in, len, len / 2, len / 2, &r, &err);
    if (rc != cases[i].want)
      fail_msg("case %zu: got %s, want %s", i, pt_strerror(rc), pt_strerror(cases[i].want));
  }
}

/* ------------------------------------------------------------ final object */

static void test_parse_body_inline(void **state) {
  static const char ok[] = "{\"done\":true,\"done_reason\":\"stop\",\"eval_count\":290,"
                           "\"eval_duration\":4709213000,\"prompt_eval_count\":0,"
                           "\"load_duration\":-5,\"total_duration\":1.5}";
  pt_gen_result r;
  pt_error err;
  pt_error_clear(&err);
  pt_gen_result_init(&r);
  assert_int_equal(pt_gen_parse_body(ok, strlen(ok), "t", &r, &err), PT_OK);
  assert_int_equal(r.eval_count, 290);
  assert_int_equal(r.prompt_eval_count, 0);          /* present as 0: kept */
  assert_int_equal(r.load_duration_ns, PT_MISSING);  /* negative: not valid */
  assert_int_equal(r.total_duration_ns, PT_MISSING); /* not an integer */
  assert_int_equal(r.prompt_eval_duration_ns, PT_MISSING);
  static const char notdone[] = "{\"done\":false}";
  pt_gen_result_init(&r);
  assert_int_equal(pt_gen_parse_body(notdone, strlen(notdone), "t", &r, &err), PT_EDATA);
  static const char e[] = "{\"error\":\"model 'x' not found\"}";
  pt_gen_result_init(&r);
  assert_int_equal(pt_gen_parse_body(e, strlen(e), "t", &r, &err), PT_EHTTP);
  assert_string_equal(r.error, "model 'x' not found");
  pt_gen_result_init(&r);
  assert_int_equal(pt_gen_parse_body("{", 1, "t", &r, &err), PT_EPARSE);
}

/* ------------------------------------------------------------ shared samples */

static char *shared_path(const char *name) {
  const char *shared = getenv("PTBENCH_SHARED");
  if (!shared)
    return NULL;
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/testdata/ollama", shared);
  char *p = pt_path_join(dir, name);
  if (p && access(p, R_OK) != 0) {
    free(p);
    p = NULL;
  }
  return p;
}

static bool read_sample(const char *name, pt_buf *b) {
  char *p = shared_path(name);
  if (!p)
    return false;
  pt_error err;
  pt_error_clear(&err);
  bool ok = pt_read_file(p, 0, b, &err) == PT_OK;
  free(p);
  return ok;
}

/* generate-stream.ndjson: 7 lines, the first token is "That" on line 1 and
 * its final line has done=true and done_reason "stop" but no metrics
 * (shared/testdata/ollama/README.md). */
static void test_sample_stream(void **state) {
  pt_buf b = PT_BUF_INIT;
  if (!read_sample("generate-stream.ndjson", &b)) {
    pt_buf_free(&b);
    skip();
  }
  for (size_t a = 0; a <= b.len; a++)
    for (size_t c = a; c <= b.len; c += 13) {
      pt_gen_result r;
      pt_error err;
      pt_error_clear(&err);
      assert_int_equal(stream3(b.data, b.len, a, c, &r, &err), PT_OK);
      assert_true(r.done);
      assert_string_equal(r.done_reason, "stop");
      assert_int_equal(r.first_token_line, 1);
      assert_int_equal(r.eval_count, PT_MISSING);
      assert_int_equal(r.eval_duration_ns, PT_MISSING);
      assert_int_equal(r.total_duration_ns, PT_MISSING);
    }
  pt_buf_free(&b);
}

static void test_sample_error_midstream(void **state) {
  pt_buf b = PT_BUF_INIT;
  if (!read_sample("error-midstream.ndjson", &b)) {
    pt_buf_free(&b);
    skip();
  }
  for (size_t a = 0; a <= b.len; a++)
    for (size_t c = a; c <= b.len; c++) {
      pt_gen_result r;
      pt_error err;
      pt_error_clear(&err);
      assert_int_equal(stream3(b.data, b.len, a, c, &r, &err), PT_EHTTP);
      assert_string_equal(r.error, "an error was encountered while running the model");
    }
  pt_buf_free(&b);
}

/* Metrics as written in each sample file. */
static const struct {
  const char *file;
  int64_t total, load, pcount, pdur, count, dur;
} final_samples[] = {
    {"generate-stream-final.json", INT64_C(10706818083), INT64_C(6338219291), 26, 130079000,
     259, INT64_C(4232710000)},
    {"generate-nonstream-response.json", INT64_C(5043500667), 5025959, 26, 325953000, 290,
     INT64_C(4709213000)},
    {"generate-nonstream-response-minimal.json", PT_MISSING, PT_MISSING, PT_MISSING,
     PT_MISSING, PT_MISSING, PT_MISSING},
    {"generate-load-response.json", PT_MISSING, PT_MISSING, PT_MISSING, PT_MISSING,
     PT_MISSING, PT_MISSING},
};

static void test_sample_finals(void **state) {
  size_t found = 0;
  for (size_t i = 0; i < sizeof final_samples / sizeof final_samples[0]; i++) {
    pt_buf b = PT_BUF_INIT;
    if (!read_sample(final_samples[i].file, &b)) {
      pt_buf_free(&b);
      continue;
    }
    found++;
    pt_gen_result r;
    pt_error err;
    pt_error_clear(&err);
    pt_gen_result_init(&r);
    assert_int_equal(pt_gen_parse_body(b.data, b.len, final_samples[i].file, &r, &err), PT_OK);
    assert_int_equal(r.total_duration_ns, final_samples[i].total);
    assert_int_equal(r.load_duration_ns, final_samples[i].load);
    assert_int_equal(r.prompt_eval_count, final_samples[i].pcount);
    assert_int_equal(r.prompt_eval_duration_ns, final_samples[i].pdur);
    assert_int_equal(r.eval_count, final_samples[i].count);
    assert_int_equal(r.eval_duration_ns, final_samples[i].dur);
    pt_buf_free(&b);
  }
  if (!found)
    skip();
}

static void test_sample_errors(void **state) {
  static const struct {
    const char *file, *msg;
  } cases[] = {
      {"error-model-not-found.json", "model 'mistral:7b' not found"},
      {"error-model-not-found-legacy.json", "model \"mistral:7b\" not found, try pulling it first"},
      {"error-generic.json", "the model failed to generate a response"},
  };
  size_t found = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pt_buf b = PT_BUF_INIT;
    if (!read_sample(cases[i].file, &b)) {
      pt_buf_free(&b);
      continue;
    }
    found++;
    pt_gen_result r;
    pt_error err;
    pt_error_clear(&err);
    pt_gen_result_init(&r);
    assert_int_equal(pt_gen_parse_body(b.data, b.len, cases[i].file, &r, &err), PT_EHTTP);
    assert_string_equal(r.error, cases[i].msg);
    pt_buf_free(&b);
  }
  if (!found)
    skip();
}

/* tags-response.json lists deepseek-r1:latest and llama3.2:latest; ps
 * lists mistral:latest with size = size_vram = 5137025024. */
static void test_sample_tags_ps(void **state) {
  pt_buf b = PT_BUF_INIT, c = PT_BUF_INIT;
  if (!read_sample("tags-response.json", &b) || !read_sample("ps-response.json", &c)) {
    pt_buf_free(&b);
    pt_buf_free(&c);
    skip();
  }
  pt_error err;
  pt_error_clear(&err);
  cJSON *tags = pt_json_parse(b.data, b.len, "tags", &err);
  cJSON *ps = pt_json_parse(c.data, c.len, "ps", &err);
  assert_non_null(tags);
  assert_non_null(ps);
  assert_non_null(pt_ollama_find_model(tags, "llama3.2"));
  assert_non_null(pt_ollama_find_model(tags, "llama3.2:latest"));
  assert_null(pt_ollama_find_model(tags, "llama3.2:1b"));
  assert_null(pt_ollama_find_model(tags, "llama3"));
  int64_t size, vram;
  pt_ollama_ps_sizes(ps, "mistral", &size, &vram);
  assert_int_equal(size, INT64_C(5137025024));
  assert_int_equal(vram, INT64_C(5137025024));
  pt_ollama_ps_sizes(ps, "phi4:14b", &size, &vram);
  assert_int_equal(size, -1);
  cJSON_Delete(tags);
  cJSON_Delete(ps);
  pt_buf_free(&b);
  pt_buf_free(&c);
}

/* ------------------------------------------------------------ client */

/* What a scripted one-shot server does once it has read the request head:
 * send head and body (in pieces of piece bytes, piece_ms apart; 0 = at
 * once), then fill again and again (fill_ms apart) until the client hangs
 * up or fill_for_ms have passed (0 = no limit), then keep the connection
 * open for hold_ms before closing it. */
typedef struct script {
  const char *head, *body;
  size_t piece;
  int piece_ms;
  const char *fill;
  int fill_ms, fill_for_ms;
  int hold_ms;
} script;

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
  while (ms > 0 && nanosleep(&ts, &ts) != 0)
    ;
}

static bool send_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t k = write(fd, p, n);
    if (k <= 0)
      return false;
    p += k;
    n -= (size_t)k;
  }
  return true;
}

/* A one-shot server on 127.0.0.1 in a child process playing sc. Returns the
 * port; *pid is the child (stop it with stop_server). */
static int serve_script(const script *sc, pid_t *pid) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof a;
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(fd, 1), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
  *pid = fork();
  assert_true(*pid >= 0);
  if (*pid == 0) {
    signal(SIGPIPE, SIG_IGN);
    alarm(60); /* never outlive a broken test */
    int c = accept(fd, NULL, NULL);
    char req[4096];
    size_t n = 0;
    while (n < sizeof req - 1) {
      ssize_t k = read(c, req + n, sizeof req - 1 - n);
      if (k <= 0)
        break;
      n += (size_t)k;
      req[n] = '\0';
      if (strstr(req, "\r\n\r\n"))
        break;
    }
    if (!send_all(c, sc->head, strlen(sc->head)))
      _exit(1);
    const char *body = sc->body ? sc->body : "";
    size_t len = strlen(body), step = sc->piece ? sc->piece : len;
    for (size_t off = 0; off < len; off += step) {
      if (!send_all(c, body + off, len - off < step ? len - off : step))
        _exit(0);
      if (sc->piece_ms)
        sleep_ms(sc->piece_ms);
    }
    int64_t fill_end = pt_now_ns() + (int64_t)sc->fill_for_ms * 1000000;
    while (sc->fill && (!sc->fill_for_ms || pt_now_ns() < fill_end) &&
           send_all(c, sc->fill, strlen(sc->fill)))
      if (sc->fill_ms)
        sleep_ms(sc->fill_ms);
    sleep_ms(sc->hold_ms);
    _exit(0);
  }
  close(fd);
  return ntohs(a.sin_port);
}

static void stop_server(pid_t pid) {
  kill(pid, SIGTERM);
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
}

static pt_ollama *client_for(int port, long timeout_s, long deadline_s) {
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
  pt_ollama_cfg cfg = {.timeout_s = timeout_s, .deadline_s = deadline_s};
  pt_error err;
  pt_error_clear(&err);
  pt_ollama *c = pt_ollama_new(url, &cfg, &err);
  assert_non_null(c);
  return c;
}

/* An error reply whose body never ends: the client keeps its start and
 * reports the status instead of reading (and waiting) forever. */
static void test_endless_error_body(void **state) {
  pid_t pid;
  script sc = {.head = "HTTP/1.1 500 Internal Server Error\r\n"
                       "Content-Type: application/json\r\n\r\n"
                       "{\"error\":\"boom\"}",
               .fill = "                                                    "};
  pt_ollama *c = client_for(serve_script(&sc, &pid), 5, 0);
  pt_error err;
  pt_error_clear(&err);
  cJSON *out = NULL;
  int64_t t0 = pt_now_ns();
  assert_int_equal(pt_ollama_get_json(c, "/api/version", &out, &err), PT_EHTTP);
  assert_true(pt_now_ns() - t0 < INT64_C(4000000000));
  assert_null(out);
  assert_string_equal(err.msg, "HTTP 500: boom");
  assert_non_null(strstr(err.file, "/api/version"));
  pt_ollama_free(c);
  stop_server(pid);
}

#define NDJSON_HEAD "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n\r\n"
#define CHUNK "{\"model\":\"m\",\"response\":\"x\",\"done\":false}\n"
#define FINAL                                                                           \
  "{\"model\":\"m\",\"response\":\"\",\"done\":true,\"done_reason\":\"length\","        \
  "\"total_duration\":900000000,\"eval_count\":3,\"eval_duration\":600000000}\n"

/* A streamed generate against a scripted server (num_predict 1). */
static pt_code generate(const script *sc, long timeout_s, long deadline_s, pt_gen_result *r,
                        pt_error *err) {
  pid_t pid;
  pt_ollama *c = client_for(serve_script(sc, &pid), timeout_s, deadline_s);
  cJSON *req = cJSON_Parse("{\"model\":\"m\",\"prompt\":\"p\",\"options\":{\"num_predict\":1}}");
  assert_non_null(req);
  pt_error_clear(err);
  pt_code rc = pt_ollama_generate(c, req, r, err);
  cJSON_Delete(req);
  pt_ollama_free(c);
  stop_server(pid);
  return rc;
}

/* The stream in one-byte writes: the write callback's pieces reach the
 * stream parser whole. */
static void test_generate_byte_by_byte(void **state) {
  script sc = {.head = NDJSON_HEAD, .body = CHUNK CHUNK FINAL, .piece = 1};
  pt_gen_result r;
  pt_error err;
  assert_int_equal(generate(&sc, 5, 0, &r, &err), PT_OK);
  assert_true(r.done);
  assert_string_equal(r.done_reason, "length");
  assert_int_equal(r.eval_count, 3);
  assert_int_equal(r.eval_duration_ns, 600000000);
  assert_int_equal(r.first_token_line, 1);
  assert_true(r.ttft_ns >= 0 && r.ttft_ns <= r.wall_ns);
}

/* Regression (issue 13 item 4): the final object followed by an idle open
 * connection was recorded as a timeout; the measurement is kept. */
static void test_generate_final_then_idle(void **state) {
  script sc = {.head = NDJSON_HEAD, .body = CHUNK FINAL, .hold_ms = 30000};
  pt_gen_result r;
  pt_error err;
  assert_int_equal(generate(&sc, 1, 20, &r, &err), PT_OK);
  assert_true(r.done);
  assert_int_equal(r.eval_count, 3);
}

/* Regression: a server closing 8 s after the final object made wall_ns 8 s;
 * wall_ns ends at the final object. */
static void test_generate_late_close(void **state) {
  script sc = {.head = NDJSON_HEAD, .body = CHUNK FINAL, .hold_ms = 8000};
  pt_gen_result r;
  pt_error err;
  assert_int_equal(generate(&sc, 20, 30, &r, &err), PT_OK);
  assert_true(r.wall_ns > 0);
  assert_true(r.wall_ns < INT64_C(4000000000));
}

/* Regression: junk lines after the final object kept the transfer open
 * (ignored, but read) for as long as they came; nothing after the final
 * object is read. Here they come for 4 s, then the server idles. */
static void test_generate_junk_after_final(void **state) {
  script sc = {.head = NDJSON_HEAD, .body = CHUNK FINAL, .fill = "junk, not JSON\n",
               .fill_ms = 5, .fill_for_ms = 4000, .hold_ms = 30000};
  pt_gen_result r;
  pt_error err;
  assert_int_equal(generate(&sc, 2, 20, &r, &err), PT_OK);
  assert_true(r.done);
  assert_string_equal(r.done_reason, "length");
}

/* Regression: an endless stream of done:false lines never timed out (data
 * keeps coming); the deadline ends it. */
static void test_generate_endless(void **state) {
  script sc = {.head = NDJSON_HEAD, .fill = CHUNK, .fill_ms = 10};
  pt_gen_result r;
  pt_error err;
  assert_int_equal(generate(&sc, 5, 2, &r, &err), PT_ETIMEOUT);
  assert_false(r.done);
  assert_non_null(strstr(err.msg, "did not end within 2 s, its deadline"));
  assert_string_equal(r.error, err.msg);
}

/* Regression: a server dripping one byte at a time is never silent for
 * --timeout; the deadline ends it. */
static void test_generate_drip(void **state) {
  script sc = {.head = NDJSON_HEAD, .body = CHUNK CHUNK FINAL, .piece = 1, .piece_ms = 300};
  pt_gen_result r;
  pt_error err;
  assert_int_equal(generate(&sc, 5, 3, &r, &err), PT_ETIMEOUT);
  assert_non_null(strstr(err.msg, "deadline"));
}

/* Without an override the deadline comes from the request: --timeout +
 * max(floor, tokens x seconds per token), named in the message. */
static void test_generate_derived_deadline(void **state) {
  script sc = {.head = NDJSON_HEAD, .fill = CHUNK, .fill_ms = 20};
  pt_gen_result r;
  pt_error err;
  assert_int_equal(generate(&sc, 3, 0, &r, &err), PT_ETIMEOUT);
  char want[160];
  snprintf(want, sizeof want,
           "did not end within %d s, its deadline (--timeout 3 s + %d s for 1 token)",
           3 + PT_GEN_FLOOR_S, PT_GEN_FLOOR_S);
  if (!strstr(err.msg, want))
    fail_msg("message '%s' lacks '%s'", err.msg, want);
}

/* The formula, by hand: timeout + max(10, tokens x 4); tokens from
 * num_predict, else num_ctx, else 4096. */
static void test_deadline_formula(void **state) {
  static const struct {
    long timeout;
    const char *req;
    long want;
  } c[] = {
      {300, "{\"options\":{\"num_predict\":256,\"num_ctx\":4096}}", 300 + 1024},
      {3, "{\"options\":{\"num_predict\":256}}", 3 + 1024},
      {3, "{\"options\":{\"num_predict\":1}}", 3 + 10},
      {3, "{\"options\":{\"num_predict\":-1,\"num_ctx\":2048}}", 3 + 8192},
      {3, "{\"options\":{\"num_ctx\":100}}", 3 + 400},
      {60, "{}", 60 + 4096 * 4},
      {60, "{\"options\":{\"num_predict\":\"many\"}}", 60 + 4096 * 4},
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    cJSON *req = cJSON_Parse(c[i].req);
    assert_non_null(req);
    long got = pt_ollama_gen_deadline_s(c[i].timeout, req);
    cJSON_Delete(req);
    if (got != c[i].want)
      fail_msg("case %zu: %ld s, want %ld", i, got, c[i].want);
  }
  cJSON *huge = cJSON_Parse("{\"options\":{\"num_predict\":9000000000000000000}}");
  assert_int_equal(pt_ollama_gen_deadline_s(LONG_MAX, huge), LONG_MAX);
  cJSON_Delete(huge);
}

/* Invalid UTF-8 from the server is repaired, and capped text is cut on a
 * character boundary, wherever it is stored. */
static void test_server_text_utf8(void **state) {
  /* an error body that is not JSON: 150 euro signs (450 bytes) and a bad
   * byte; kept up to 200 bytes, cut between two euro signs */
  char body[600] = "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n";
  size_t at = strlen(body);
  body[at++] = '\xff';
  for (int i = 0; i < 150; i++, at += 3)
    memcpy(body + at, "\xE2\x82\xAC", 3);
  body[at] = '\0';
  script sc = {.head = body};
  pid_t pid;
  pt_ollama *c = client_for(serve_script(&sc, &pid), 5, 0);
  pt_error err;
  pt_error_clear(&err);
  cJSON *out = NULL;
  assert_int_equal(pt_ollama_get_json(c, "/api/tags", &out, &err), PT_EHTTP);
  assert_true(pt_utf8_valid(err.msg, strlen(err.msg)));
  /* "HTTP 502: " + U+FFFD + 65 euro signs = 3 + 195 bytes of the body */
  assert_int_equal(strlen(err.msg), strlen("HTTP 502: ") + 3 + 65 * 3);
  assert_memory_equal(err.msg, "HTTP 502: \xEF\xBF\xBD\xE2\x82\xAC", 16);
  pt_ollama_free(c);
  stop_server(pid);

  /* a JSON error with a bad byte in its message */
  script sc2 = {.head = "HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n"
                        "{\"error\":\"model 'm\xff' absent\"}"};
  c = client_for(serve_script(&sc2, &pid), 5, 0);
  assert_int_equal(pt_ollama_get_json(c, "/api/show", &out, &err), PT_EHTTP);
  assert_string_equal(err.msg, "HTTP 404: model 'm\xEF\xBF\xBD' absent");
  pt_ollama_free(c);
  stop_server(pid);

  /* a JSON reply: every string (and key) comes out valid */
  script sc3 = {.head = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"
                        "{\"version\":\"0.1\xC0\",\"k\xFF\":[\"\xED\xA0\x80\"]}"};
  c = client_for(serve_script(&sc3, &pid), 5, 0);
  assert_int_equal(pt_ollama_get_json(c, "/api/version", &out, &err), PT_OK);
  assert_string_equal(pt_json_str(out, "version"), "0.1\xEF\xBF\xBD");
  const cJSON *arr = pt_json_get(out, "k\xEF\xBF\xBD");
  assert_non_null(arr);
  assert_string_equal(cJSON_GetArrayItem(arr, 0)->valuestring,
                      "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  cJSON_Delete(out);
  pt_ollama_free(c);
  stop_server(pid);

  /* a mid-stream error line with a bad byte; a done_reason that does not
   * fit its 32-byte field, ending in a two-byte character */
  script sc4 = {.head = NDJSON_HEAD, .body = CHUNK "{\"error\":\"GPU \xC3\"}\n"};
  pt_gen_result r;
  assert_int_equal(generate(&sc4, 5, 0, &r, &err), PT_EHTTP);
  assert_string_equal(r.error, "GPU \xEF\xBF\xBD");
  script sc5 = {.head = NDJSON_HEAD,
                .body = "{\"response\":\"a\",\"done\":true,\"done_reason\":"
                        "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xC3\xA9\"}\n"};
  assert_int_equal(generate(&sc5, 5, 0, &r, &err), PT_OK);
  assert_string_equal(r.done_reason, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_host_url),
      cmocka_unit_test(test_host_url_errors),
      cmocka_unit_test(test_url_is_local),
      cmocka_unit_test(test_splitter_every_cut),
      cmocka_unit_test(test_splitter_line_cap),
      cmocka_unit_test(test_stream_inline_every_cut),
      cmocka_unit_test(test_stream_thinking),
      cmocka_unit_test(test_stream_error_every_cut),
      cmocka_unit_test(test_stream_faults),
      cmocka_unit_test(test_parse_body_inline),
      cmocka_unit_test(test_sample_stream),
      cmocka_unit_test(test_sample_error_midstream),
      cmocka_unit_test(test_sample_finals),
      cmocka_unit_test(test_sample_errors),
      cmocka_unit_test(test_sample_tags_ps),
      cmocka_unit_test(test_endless_error_body),
      cmocka_unit_test(test_generate_byte_by_byte),
      cmocka_unit_test(test_generate_final_then_idle),
      cmocka_unit_test(test_generate_late_close),
      cmocka_unit_test(test_generate_junk_after_final),
      cmocka_unit_test(test_generate_endless),
      cmocka_unit_test(test_generate_drip),
      cmocka_unit_test(test_generate_derived_deadline),
      cmocka_unit_test(test_deadline_formula),
      cmocka_unit_test(test_server_text_utf8),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
