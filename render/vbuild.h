/* render/vbuild.h - the setters that build the view model's JSON, shared by
 * render/view.c (the analysis) and render/method.c (the method section).
 * Each takes a builder whose ok turns false at the first allocation
 * failure and stays so: a caller builds a whole object, then checks once.
 * Keys are replaced, never added twice; items handed over are owned by the
 * object (or freed on failure). */
#ifndef PT_RENDER_VBUILD_H
#define PT_RENDER_VBUILD_H

#include <stdbool.h>

#include <cJSON.h>

typedef struct pt_vbuild {
  bool ok; /* false once an allocation failed */
} pt_vbuild;

/* obj[key] = item (taken over; NULL item or obj: failure). */
void pt_vb_item(pt_vbuild *b, cJSON *obj, const char *key, cJSON *item);
/* obj[key] = a copy of s; NULL gives "". */
void pt_vb_str(pt_vbuild *b, cJSON *obj, const char *key, const char *s);
void pt_vb_bool(pt_vbuild *b, cJSON *obj, const char *key, bool v);
void pt_vb_num(pt_vbuild *b, cJSON *obj, const char *key, double v);
/* obj[key] = s escaped for Markdown (pt_md_escape); NULL gives "". */
void pt_vb_md(pt_vbuild *b, cJSON *obj, const char *key, const char *s);
/* A new object appended to arr, or put at obj[key]; a new array at
 * obj[key]. NULL (and b->ok false) when out of memory. */
cJSON *pt_vb_push_object(pt_vbuild *b, cJSON *arr);
cJSON *pt_vb_add_object(pt_vbuild *b, cJSON *obj, const char *key);
cJSON *pt_vb_add_array(pt_vbuild *b, cJSON *obj, const char *key);

#endif
