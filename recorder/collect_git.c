/* collect_git.c — the source the job ran from: git commit, remote, branch and
 * whether the working tree had changes (tracked or untracked) when the job
 * started. Credentials in remote URLs are redacted. */
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "encoding.h"
#include "redact.h"

static char *git(const char *cwd, const char *a1, const char *a2, const char *a3, int *status) {
  const char *argv[] = {"git", a1, a2, a3, NULL};
  char *out = NULL;
  *status = mp_capture(argv, cwd, 1 << 20, 10000, &out);
  return out;
}

json_t *mp_collect_git(const char *cwd) {
  int st;
  char *top = git(cwd, "rev-parse", "--show-toplevel", NULL, &st);
  if (st != 0) {
    free(top);
    return NULL;
  }
  json_t *g = json_object();
  json_object_set_new(g, "root", json_string(top));
  free(top);
  char *commit = git(cwd, "rev-parse", "HEAD", NULL, &st);
  if (st == 0 && commit && mp_is_lower_hex(commit)) json_object_set_new(g, "commit", json_string(commit));
  free(commit);
  char *branch = git(cwd, "rev-parse", "--abbrev-ref", "HEAD", &st);
  if (st == 0 && branch && *branch) json_object_set_new(g, "branch", json_string(branch));
  free(branch);
  char *remote = git(cwd, "remote", "get-url", "origin", &st);
  if (st == 0 && remote && *remote) {
    char *r = mp_redact_value(remote, NULL);
    if (r) json_object_set_new(g, "repository", json_string(r));
    free(r);
  }
  free(remote);
  char *status = git(cwd, "status", "--porcelain", NULL, &st);
  if (st == 0 && status) {
    size_t changed = 0;
    json_t *files = json_array();
    char *save = NULL;
    for (char *line = strtok_r(status, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
      changed++;
      if (json_array_size(files) < 100 && strlen(line) > 3) json_array_append_new(files, json_string(line + 3));
    }
    json_object_set_new(g, "dirty", json_boolean(changed > 0));
    json_object_set_new(g, "changedFiles", json_integer((json_int_t)changed));
    if (changed) json_object_set_new(g, "changedPaths", files);
    else json_decref(files);
  }
  free(status);
  return g;
}
