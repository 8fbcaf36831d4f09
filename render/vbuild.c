/* render/vbuild.c - the view model's setters (render/vbuild.h). */
#include "render/vbuild.h"

#include "core/buf.h"
#include "analyze/analysis.h"

void pt_vb_item(pt_vbuild *b, cJSON *obj, const char *key, cJSON *item) {
  if (!item || !obj) {
    cJSON_Delete(item);
    b->ok = false;
    return;
  }
  cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
  if (!cJSON_AddItemToObject(obj, key, item)) {
    cJSON_Delete(item);
    b->ok = false;
  }
}

void pt_vb_str(pt_vbuild *b, cJSON *obj, const char *key, const char *s) {
  pt_vb_item(b, obj, key, cJSON_CreateString(s ? s : ""));
}

void pt_vb_bool(pt_vbuild *b, cJSON *obj, const char *key, bool v) {
  pt_vb_item(b, obj, key, cJSON_CreateBool(v));
}

void pt_vb_num(pt_vbuild *b, cJSON *obj, const char *key, double v) {
  pt_vb_item(b, obj, key, cJSON_CreateNumber(v));
}

void pt_vb_md(pt_vbuild *b, cJSON *obj, const char *key, const char *s) {
  pt_buf md = PT_BUF_INIT;
  if (pt_md_escape(&md, s ? s : ""))
    b->ok = false;
  else
    pt_vb_str(b, obj, key, md.data ? md.data : "");
  pt_buf_free(&md);
}

cJSON *pt_vb_push_object(pt_vbuild *b, cJSON *arr) {
  cJSON *o = cJSON_CreateObject();
  if (!o || !arr || !cJSON_AddItemToArray(arr, o)) {
    cJSON_Delete(o);
    b->ok = false;
    return NULL;
  }
  return o;
}

cJSON *pt_vb_add_object(pt_vbuild *b, cJSON *obj, const char *key) {
  cJSON *o = cJSON_CreateObject();
  pt_vb_item(b, obj, key, o);
  return b->ok ? o : NULL;
}

cJSON *pt_vb_add_array(pt_vbuild *b, cJSON *obj, const char *key) {
  cJSON *a = cJSON_CreateArray();
  pt_vb_item(b, obj, key, a);
  return b->ok ? a : NULL;
}
