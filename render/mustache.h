/* render/mustache.h - a Mustache template engine over cJSON views.
 *
 * Implements the public Mustache spec (github.com/mustache/spec, without the
 * optional lambdas): escaped and unescaped interpolation ({{x}}, {{{x}}},
 * {{&x}}), dotted names, the implicit iterator {{.}}, context-stack lookup,
 * sections over lists, objects and other truthy values, inverted sections,
 * comments, partials (indented when standalone), set delimiters and the
 * standalone-line rules. `ptbench render` and `ptbench template` use it.
 *
 * Values: strings interpolate as is, numbers in their shortest round-trip
 * form (1.21 -> "1.21", 3.0 -> "3"), booleans as "true"/"false"; null, a
 * missing name, objects and arrays as "". Falsy for sections, as the spec's
 * `!!data` rule: false, null, missing, empty list, "" and 0.
 *
 * A template is compiled once (pt_mustache_compile) and rendered as often as
 * needed (pt_mustache_exec); pt_mustache_render does both. Rendering is
 * linear in the size of the output: text is appended to a pt_buf, names are
 * split at compile time and partials are loaded and compiled once per render.
 *
 * Errors are PT_EPARSE with the template name, line and column (1-based,
 * bytes) of the offending tag: unclosed tag, unclosed section, closing tag
 * that does not match, invalid delimiter change, sections nested deeper than
 * PT_MUSTACHE_MAX_NESTING. Partials nested deeper than PT_MUSTACHE_MAX_PARTIALS
 * (a recursive partial that never ends) fail with PT_EDATA at the partial tag;
 * a render that visits more than PT_MUSTACHE_MAX_STEPS tags and texts
 * (sections over lists nested so deep the work explodes) fails with
 * PT_EDATA at the tag it stopped at: the template and its data are at fault,
 * as for the partials. Output past the `max` of the output buffer fails with
 * PT_ETOOBIG ("output larger than N bytes"); ptbench's commands cap it at
 * PT_MUSTACHE_OUTPUT_MAX.
 */
#ifndef PT_MUSTACHE_H
#define PT_MUSTACHE_H

#include <cJSON.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

#define PT_MUSTACHE_MAX_NESTING 256  /* sections open at once in one template */
#define PT_MUSTACHE_MAX_PARTIALS 64  /* partials rendering inside each other */
#define PT_MUSTACHE_MAX_STEPS (1UL << 24) /* tags and texts visited per render */
/* The output cap of `ptbench render` (each file) and `ptbench template`. */
#define PT_MUSTACHE_OUTPUT_MAX ((size_t)256 << 20)

/* Where a partial tag stands, for messages about it. */
typedef struct pt_mustache_loc {
  const char *template_name;  /* name of the template holding the tag */
  long line, column;          /* 1-based position of the tag's opening delimiter */
} pt_mustache_loc;

/* What a partial loader hands back. The engine takes ownership of both
 * strings (it free()s them); leave text NULL when there is no such partial. */
typedef struct pt_mustache_partial {
  char *text;    /* malloc'ed template source, need not be NUL-terminated */
  size_t len;    /* bytes in text */
  char *source;  /* malloc'ed name for messages (e.g. its path); NULL = name */
} pt_mustache_partial;

/* Loads the partial `name`, referenced at `at`. Called at most once per name
 * in each render (the result is cached), so a loader that warns about a
 * missing partial warns once, at its first use. Returns PT_OK (with or
 * without text: a missing partial renders as "") or an error that aborts
 * the render, with err filled. */
typedef pt_code (*pt_partial_fn)(void *ctx, const char *name,
                                 const pt_mustache_loc *at,
                                 pt_mustache_partial *out, pt_error *err);

/* A compiled template: opaque, immutable once compiled, so one may be
 * rendered by several threads at once. */
typedef struct pt_mustache pt_mustache;

/* Compile len bytes of tmpl (copied; need not be NUL-terminated). name is
 * used in error messages (NULL = "<template>"). Returns NULL with err set
 * (PT_EPARSE at name:line:column, or PT_ENOMEM). Free with pt_mustache_free. */
pt_mustache *pt_mustache_compile(const char *tmpl, size_t len, const char *name,
                                 pt_error *err);

/* Render t against view (NULL = an empty object), appending to out (whose
 * `max` caps the output: PT_ETOOBIG). partials may be NULL: every partial is
 * then missing. On failure out is restored to its length before the call. */
pt_code pt_mustache_exec(const pt_mustache *t, const cJSON *view,
                         pt_partial_fn partials, void *pctx, pt_buf *out,
                         pt_error *err);

/* Compile and render in one step; same contracts as the two calls above. */
pt_code pt_mustache_render(const char *tmpl, size_t len, const char *name,
                           const cJSON *view, pt_partial_fn partials, void *pctx,
                           pt_buf *out, pt_error *err);

/* Release a compiled template; NULL does nothing. */
void pt_mustache_free(pt_mustache *t);

#endif
