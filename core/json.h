/* core/json.h - helpers over cJSON used by every module.
 *
 * Parsing reports the line and column of a syntax error; lookups are case
 * sensitive (cJSON_GetObjectItem is not); numbers that do not exist (NAN) are
 * written as JSON null, never as NaN or 0. Returned cJSON trees belong to the
 * caller (cJSON_Delete); printed strings are freed with cJSON_free.
 */
#ifndef PT_JSON_H
#define PT_JSON_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* Parse len bytes (need not be NUL-terminated): one JSON value, with only
 * whitespace (space, tab, CR, LF) after it. On a syntax error, or anything
 * else after the value (a second document, a NUL byte), returns NULL with
 * PT_EPARSE at name:line:column; for trailing data the message gives the
 * byte offset too. */
cJSON *pt_json_parse(const char *data, size_t len, const char *name, pt_error *err);
/* Read and parse a file ("-" = stdin), capped at max bytes (0 = 256 MiB). */
cJSON *pt_json_read_file(const char *path, size_t max, pt_error *err);
/* Print (formatted, with a final newline) and write atomically. */
pt_code pt_json_write_file(const char *path, const cJSON *json, pt_error *err);

/* Case-sensitive member lookups; NULL when absent or of another type. */
cJSON *pt_json_get(const cJSON *obj, const char *key);
const char *pt_json_str(const cJSON *obj, const char *key);
/* Number member, or NAN when absent, null or not a number. */
double pt_json_num(const cJSON *obj, const char *key);
/* Integer member, or def when absent or not an integral number. */
long long pt_json_int(const cJSON *obj, const char *key, long long def);
bool pt_json_bool(const cJSON *obj, const char *key, bool def);

/* Add a number, or null when v is not finite. Return the item or NULL. */
cJSON *pt_json_add_num(cJSON *obj, const char *key, double v);
/* Add a string, or null when s is NULL. */
cJSON *pt_json_add_str(cJSON *obj, const char *key, const char *s);

#endif
