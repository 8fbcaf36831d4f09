/* tests/fuzz/fuzz_site_state.c - libFuzzer harness for a site's state file
 * (site/state.h): any bytes as SITE/.ptbench-state.json must load or be
 * refused with PT_EPARSE/PT_EDATA, never crash or leak; a state that loads
 * must save and load again to the same archives, and its index must be
 * written (site/index.h) from it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fs.h"
#include "site/html.h"
#include "site/index.h"
#include "site/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char dir[] = "/tmp/ptbench-fuzz-state-XXXXXX";
  if (!mkdtemp(dir))
    return 0;
  char *path = pt_path_join(dir, PT_SITE_STATE_FILE);
  FILE *fp = path ? fopen(path, "wb") : NULL;
  if (fp && fwrite(data, 1, size, fp) == size && fclose(fp) == 0) {
    fp = NULL;
    pt_site_state st = PT_SITE_STATE_INIT, again = PT_SITE_STATE_INIT;
    pt_error err;
    pt_error_clear(&err);
    pt_code rc = pt_site_state_load(dir, &st, &err);
    if (rc != PT_OK && rc != PT_EPARSE && rc != PT_EDATA && rc != PT_ENOMEM)
      abort();
    if (rc == PT_OK) {
      size_t n = st.n;
      if (pt_site_state_save(dir, &st, &err) || pt_site_state_load(dir, &again, &err) ||
          again.n != n)
        abort();
      for (size_t i = 0; i < n; i++)
        if (strcmp(st.archives[i].slug, again.archives[i].slug) ||
            strcmp(st.archives[i].title, again.archives[i].title) ||
            again.archives[i].nmodels != st.archives[i].nmodels)
          abort();
      pt_mustache *page = pt_html_page_template(NULL, 0, &err);
      if (page && pt_site_index_write(dir, &st, NULL, 0, page, &err) != PT_OK &&
          err.code != PT_ENOMEM && err.code != PT_ETOOBIG)
        abort();
      pt_mustache_free(page);
    }
    pt_site_state_free(&st);
    pt_site_state_free(&again);
  }
  if (fp)
    fclose(fp);
  pt_remove_tree(dir);
  free(path);
  return 0;
}
