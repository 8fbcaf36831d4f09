/* site/page.c - dates, front matter and archive page heads (site/page.h). */
#include "site/page.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "analyze/analysis.h"
#include "core/utf8.h"

/* n decimal digits at *s into *v, advancing *s. */
static bool digits(const char **s, int n, int *v) {
  int x = 0;
  for (int i = 0; i < n; i++) {
    char c = (*s)[i];
    if (c < '0' || c > '9')
      return false;
    x = x * 10 + (c - '0');
  }
  *s += n;
  *v = x;
  return true;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_days(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil, "chrono-Compatible Low-Level Date
 * Algorithms"). */
static long long days_from_civil(long long y, int m, int d) {
  y -= m <= 2;
  long long era = (y >= 0 ? y : y - 399) / 400;
  long long yoe = y - era * 400;
  long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool pt_site_date_parse(const char *s, pt_site_date *d) {
  int y, mo, day, h = 0, mi = 0, sec = 0;
  memset(d, 0, sizeof *d);
  if (!s || !digits(&s, 4, &y) || *s++ != '-' || !digits(&s, 2, &mo) || *s++ != '-' ||
      !digits(&s, 2, &day) || mo < 1 || mo > 12 || day < 1 || day > month_days(y, mo))
    return false;
  long long offset = 0;
  if (*s == 'T' || *s == ' ') {
    s++;
    if (!digits(&s, 2, &h) || *s++ != ':' || !digits(&s, 2, &mi) || h > 23 || mi > 59)
      return false;
    if (*s == ':') {
      s++;
      if (!digits(&s, 2, &sec) || sec > 60)
        return false;
      if (sec == 60)
        sec = 59;
      if (*s == '.' || *s == ',') {
        s++;
        if (*s < '0' || *s > '9')
          return false;
        while (*s >= '0' && *s <= '9')
          s++;
      }
    }
    d->has_time = true;
    if (*s == 'Z') {
      s++;
      d->has_zone = true;
    } else if (*s == '+' || *s == '-') {
      int sign = *s++ == '-' ? -1 : 1, oh, om = 0;
      if (!digits(&s, 2, &oh) || oh > 23)
        return false;
      if (*s == ':')
        s++;
      if (*s >= '0' && *s <= '9' && (!digits(&s, 2, &om) || om > 59))
        return false;
      offset = sign * (oh * 3600LL + om * 60LL);
      d->has_zone = true;
    }
  }
  if (*s)
    return false;
  d->epoch = days_from_civil(y, mo, day) * 86400 + h * 3600LL + mi * 60LL + sec - offset;
  return true;
}

void pt_site_date_text(const pt_site_date *d, char *out, size_t size) {
  static const char months[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t t = (time_t)d->epoch;
  struct tm tm;
  if (!size)
    return;
  if (!gmtime_r(&t, &tm)) {
    snprintf(out, size, "%s", "");
    return;
  }
  int n = snprintf(out, size, "%d %s %lld", tm.tm_mday, months[tm.tm_mon],
                   (long long)tm.tm_year + 1900);
  if (d->has_time && n > 0 && (size_t)n < size)
    snprintf(out + n, size - (size_t)n, " %02d:%02d%s", tm.tm_hour, tm.tm_min,
             d->has_zone ? " UTC" : "");
}

pt_code pt_yaml_quote(pt_buf *b, const char *s) {
  pt_code rc = pt_buf_putc(b, '"');
  size_t n = strlen(s);
  for (size_t i = 0; !rc && i < n;) {
    size_t bad = 1;
    size_t k = pt_utf8_char(s + i, n - i, &bad);
    unsigned char c = (unsigned char)s[i];
    unsigned long cp = k == 2 ? ((c & 0x1fUL) << 6) | (s[i + 1] & 0x3fUL)
                       : k == 3 ? ((c & 0x0fUL) << 12) | ((s[i + 1] & 0x3fUL) << 6) |
                                      (s[i + 2] & 0x3fUL)
                                : c;
    if (k == 1 && (c == '"' || c == '\\'))
      rc = pt_buf_printf(b, "\\%c", c);
    else if (k == 1 && (c < 0x20 || c == 0x7f))
      rc = pt_buf_printf(b, "\\x%02x", c);
    else if ((k == 2 && cp < 0xa0) ||
             (k == 3 && (cp == 0x2028 || cp == 0x2029 || cp == 0xfeff || cp >= 0xfffe)))
      /* outside YAML's printable set (YAML 1.2, c-printable), or a line
       * separator YAML would fold: escaped */
      rc = pt_buf_printf(b, k == 2 ? "\\x%02lx" : "\\u%04lx", cp);
    else if (k)
      rc = pt_buf_append(b, s + i, k);
    else
      rc = pt_buf_puts(b, PT_UTF8_REPLACEMENT);
    i += k ? k : bad;
  }
  return rc ? rc : pt_buf_putc(b, '"');
}

pt_code pt_site_front_matter(pt_buf *b, const char *title, const char *date, const char *extra) {
  pt_code rc = pt_buf_puts(b, "---\ntitle: ");
  if (!rc)
    rc = pt_yaml_quote(b, title);
  if (!rc)
    rc = pt_buf_puts(b, "\ndate: ");
  if (!rc)
    rc = pt_yaml_quote(b, date);
  if (!rc)
    rc = pt_buf_putc(b, '\n');
  if (!rc && extra)
    rc = pt_buf_puts(b, extra);
  return rc ? rc : pt_buf_puts(b, "---\n\n");
}

pt_code pt_site_archive_head(pt_buf *b, const char *index_title, const char *date_text) {
  pt_code rc = pt_buf_puts(b, "[");
  if (!rc)
    rc = pt_md_escape(b, index_title);
  if (!rc)
    rc = pt_buf_puts(b, "](../)");
  if (!rc && date_text && *date_text)
    rc = pt_buf_printf(b, " · %s", date_text);
  return rc ? rc : pt_buf_puts(b, "\n\n");
}
