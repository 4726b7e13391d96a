/* collect_env.c — host, OS, toolchain, accelerators, container and the
 * redacted environment. Reads /etc/os-release, /proc and runs cc/nvidia-smi
 * with short deadlines; anything missing is left out. */
#include <gnu/libc-version.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "collect.h"
#include "redact.h"

static char *read_small(const char *path, size_t max) {
  FILE *f = fopen(path, "re");
  if (!f) return NULL;
  char *buf = malloc(max + 1);
  size_t n = buf ? fread(buf, 1, max, f) : 0;
  fclose(f);
  if (!buf) return NULL;
  buf[n] = '\0';
  return buf;
}

/* Value of KEY=... in an os-release style file, unquoted. */
static void os_release_field(const char *text, const char *key, char *out, size_t outlen) {
  out[0] = '\0';
  size_t kl = strlen(key);
  for (const char *line = text; line && *line;) {
    const char *nl = strchr(line, '\n');
    size_t ll = nl ? (size_t)(nl - line) : strlen(line);
    if (ll > kl && strncmp(line, key, kl) == 0 && line[kl] == '=') {
      const char *v = line + kl + 1;
      size_t vl = ll - kl - 1;
      if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) v++, vl -= 2;
      if (vl >= outlen) vl = outlen - 1;
      memcpy(out, v, vl);
      out[vl] = '\0';
      return;
    }
    line = nl ? nl + 1 : NULL;
  }
}

static json_t *collect_os(void) {
  json_t *os = json_object();
  struct utsname u;
  if (uname(&u) == 0) {
    json_object_set_new(os, "kernel", json_string(u.sysname));
    json_object_set_new(os, "kernelRelease", json_string(u.release));
    json_object_set_new(os, "kernelVersion", json_string(u.version));
    json_object_set_new(os, "arch", json_string(u.machine));
  }
  char *rel = read_small("/etc/os-release", 8192);
  if (!rel) rel = read_small("/usr/lib/os-release", 8192);
  if (rel) {
    char v[256];
    os_release_field(rel, "PRETTY_NAME", v, sizeof v);
    if (*v) json_object_set_new(os, "name", json_string(v));
    os_release_field(rel, "ID", v, sizeof v);
    if (*v) json_object_set_new(os, "id", json_string(v));
    os_release_field(rel, "VERSION_ID", v, sizeof v);
    if (*v) json_object_set_new(os, "version", json_string(v));
    free(rel);
  }
  return os;
}

static json_t *collect_cpu(void) {
  json_t *cpu = json_object();
  json_object_set_new(cpu, "count", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
  char *info = read_small("/proc/cpuinfo", 1 << 16);
  if (info) {
    const char *m = strstr(info, "model name");
    if (m && (m = strchr(m, ':'))) {
      m++;
      while (*m == ' ' || *m == '\t') m++;
      const char *nl = strchr(m, '\n');
      json_object_set_new(cpu, "model", json_stringn(m, nl ? (size_t)(nl - m) : strlen(m)));
    }
    json_object_set_new(cpu, "shaNi", json_boolean(strstr(info, " sha_ni") != NULL));
    free(info);
  }
  return cpu;
}

static json_t *collect_toolchain(void) {
  json_t *tc = json_object();
  json_object_set_new(tc, "libc", json_sprintf("glibc %s", gnu_get_libc_version()));
  char *out = NULL;
  const char *cc[] = {"cc", "--version", NULL};
  if (mp_capture(cc, NULL, 4096, 2000, &out) == 0 && out) {
    char *nl = strchr(out, '\n');
    if (nl) *nl = '\0';
    json_object_set_new(tc, "cc", json_string(out));
  }
  free(out);
  return tc;
}

static json_t *collect_accelerators(void) {
  json_t *acc = json_object();
  char *drv = read_small("/proc/driver/nvidia/version", 4096);
  if (drv) {
    char *nl = strchr(drv, '\n');
    if (nl) *nl = '\0';
    json_object_set_new(acc, "nvidiaDriver", json_string(drv));
    free(drv);
  }
  const char *cv = getenv("CUDA_VERSION");
  if (cv) json_object_set_new(acc, "cudaVersion", json_string(cv));
  const char *vis = getenv("CUDA_VISIBLE_DEVICES");
  if (vis) json_object_set_new(acc, "cudaVisibleDevices", json_string(vis));
  char *out = NULL;
  const char *smi[] = {"nvidia-smi", "--query-gpu=name,driver_version,memory.total",
                       "--format=csv,noheader", NULL};
  if (mp_capture(smi, NULL, 1 << 14, 3000, &out) == 0 && out && *out) {
    json_t *gpus = json_array();
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
      json_array_append_new(gpus, json_string(line));
    json_object_set_new(acc, "gpus", gpus);
  }
  free(out);
  if (json_object_size(acc) == 0) {
    json_decref(acc);
    return NULL;
  }
  return acc;
}

static json_t *collect_container(void) {
  json_t *c = json_object();
  if (access("/.dockerenv", F_OK) == 0) json_object_set_new(c, "runtime", json_string("docker"));
  else if (access("/run/.containerenv", F_OK) == 0) json_object_set_new(c, "runtime", json_string("podman"));
  const char *ce = getenv("container");
  if (ce && !json_object_get(c, "runtime")) json_object_set_new(c, "runtime", json_string(ce));
  if (getenv("KUBERNETES_SERVICE_HOST")) json_object_set_new(c, "kubernetes", json_true());
  char *cg = read_small("/proc/1/cgroup", 1 << 14);
  if (cg) {
    if (strstr(cg, "docker") || strstr(cg, "containerd") || strstr(cg, "kubepods") ||
        strstr(cg, "libpod"))
      json_object_set_new(c, "cgroup", json_string(strstr(cg, "kubepods") ? "kubepods" : "container"));
    free(cg);
  }
  const char *img = getenv("MLPROV_CONTAINER_IMAGE");
  if (img) json_object_set_new(c, "image", json_string(img));
  if (json_object_size(c) == 0) {
    json_decref(c);
    return NULL;
  }
  return c;
}

json_t *mp_collect_host(void) {
  json_t *h = json_object();
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  json_object_set_new(h, "hostname", json_string(host));
  json_object_set_new(h, "os", collect_os());
  json_object_set_new(h, "cpu", collect_cpu());
  struct sysinfo si;
  if (sysinfo(&si) == 0)
    json_object_set_new(h, "memoryBytes", json_integer((json_int_t)si.totalram * si.mem_unit));
  json_object_set_new(h, "toolchain", collect_toolchain());
  json_t *acc = collect_accelerators();
  if (acc) json_object_set_new(h, "accelerators", acc);
  json_t *ct = collect_container();
  if (ct) json_object_set_new(h, "container", ct);
  struct passwd *pw = getpwuid(getuid());
  json_object_set_new(h, "user", json_pack("{s:I, s:s}", "uid", (json_int_t)getuid(), "name",
                                           pw && pw->pw_name ? pw->pw_name : ""));
  return h;
}

json_t *mp_collect_environment(char *const *envp) {
  json_t *env = json_object();
  for (char *const *p = envp; p && *p; p++) {
    const char *eq = strchr(*p, '=');
    if (!eq || eq == *p) continue;
    char *name = strndup(*p, (size_t)(eq - *p));
    if (!name) continue;
    if (strcmp(name, "MLPROV_SOCKET") != 0) {
      char *v = mp_redact_named(name, eq + 1);
      if (v) json_object_set_new(env, name, json_string(v));
      free(v);
    }
    free(name);
  }
  return env;
}
