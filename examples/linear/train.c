/* train.c — the built-in example: a small but real training job in plain C.
 *
 * It generates a labelled dataset (points in 8 dimensions, classes split by a
 * hidden hyperplane, 3% label noise), writes it to DATA/train.csv, reads it
 * back, trains a logistic-regression classifier with mini-batch SGD for a few
 * epochs, writes a checkpoint after each epoch and the final model. Through
 * libmlprov-hook it reports its dataset (and every record, for the dataset's
 * Merkle commitment), its hyper-parameters and its checkpoints and model; the
 * same binary runs unchanged without mlprov.
 *
 *   linear-train [--out DIR] [--samples N] [--epochs N] [--seed S] [--lr X]
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mlprov_hook.h"

#define DIM 8

typedef struct sample {
  double x[DIM];
  int y;
} sample;

/* xorshift64*: deterministic across platforms, unlike rand(). */
static uint64_t rng_state;
static double uniform(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (double)((rng_state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}
static double gaussian(void) {
  double u = uniform(), v = uniform();
  if (u < 1e-300) u = 1e-300;
  return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

static int write_dataset(const char *path, int n) {
  static const double hidden[DIM] = {1.5, -2.0, 0.7, 0.0, 3.1, -0.4, 1.1, -1.7};
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fprintf(f, "label");
  for (int d = 0; d < DIM; d++) fprintf(f, ",x%d", d);
  fputc('\n', f);
  for (int i = 0; i < n; i++) {
    double x[DIM], z = 0.25;
    for (int d = 0; d < DIM; d++) {
      x[d] = gaussian();
      z += hidden[d] * x[d];
    }
    int y = z > 0;
    if (uniform() < 0.03) y = !y;
    fprintf(f, "%d", y);
    for (int d = 0; d < DIM; d++) fprintf(f, ",%.6f", x[d]);
    fputc('\n', f);
  }
  return fclose(f);
}

static sample *read_dataset(mlprov_hook *h, const char *path, int *n) {
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  char line[1024];
  int cap = 1024, count = 0;
  sample *s = malloc((size_t)cap * sizeof *s);
  if (!s || !fgets(line, sizeof line, f)) { /* header */
    free(s);
    fclose(f);
    return NULL;
  }
  /* records are CSV lines (without "\n"): `mlprov dataset prove` then takes a
   * record file holding one line, as `grep` or `sed -n Np` print it */
  mlprov_record_format(h, "synthetic-8d", "lines");
  while (fgets(line, sizeof line, f)) {
    if (count == cap) {
      cap *= 2;
      sample *ns = realloc(s, (size_t)cap * sizeof *s);
      if (!ns) break;
      s = ns;
    }
    size_t len = strcspn(line, "\n");
    /* each record goes into the dataset's Merkle trees (hashed here, sent in batches) */
    mlprov_record(h, "synthetic-8d", line, len);
    char *p = line;
    s[count].y = (int)strtol(p, &p, 10);
    for (int d = 0; d < DIM; d++) s[count].x[d] = strtod(p + 1, &p);
    count++;
  }
  fclose(f);
  *n = count;
  return s;
}

static int save_model(const char *path, const double *w, double b, int epoch) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  fprintf(f, "mlprov-example-logreg v1\nepoch %d\nbias %.17g\n", epoch, b);
  for (int d = 0; d < DIM; d++) fprintf(f, "w%d %.17g\n", d, w[d]);
  return fclose(f);
}

int main(int argc, char **argv) {
  const char *out = "out/example";
  int samples = 20000, epochs = 5;
  unsigned long long seed = 42;
  double lr = 0.1;
  for (int i = 1; i < argc; i++) {
    if (i + 1 < argc && strcmp(argv[i], "--out") == 0) out = argv[++i];
    else if (i + 1 < argc && strcmp(argv[i], "--samples") == 0) samples = atoi(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--epochs") == 0) epochs = atoi(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--seed") == 0) seed = strtoull(argv[++i], NULL, 10);
    else if (i + 1 < argc && strcmp(argv[i], "--lr") == 0) lr = atof(argv[++i]);
    else {
      fprintf(stderr, "usage: %s [--out DIR] [--samples N] [--epochs N] [--seed S] [--lr X]\n", argv[0]);
      return 2;
    }
  }
  if (samples < 10 || epochs < 1) {
    fprintf(stderr, "linear-train: need at least 10 samples and 1 epoch\n");
    return 2;
  }
  rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
  char data_dir[4200], data_path[4300], path[4300];
  snprintf(data_dir, sizeof data_dir, "%s/data", out);
  snprintf(path, sizeof path, "%s/checkpoints", out);
  if ((mkdir(out, 0755) && errno != EEXIST) || (mkdir(data_dir, 0755) && errno != EEXIST) ||
      (mkdir(path, 0755) && errno != EEXIST)) {
    fprintf(stderr, "linear-train: cannot create %s: %s\n", out, strerror(errno));
    return 1;
  }
  snprintf(data_path, sizeof data_path, "%s/train.csv", data_dir);

  mlprov_hook *h = mlprov_hook_open();
  if (write_dataset(data_path, samples) != 0) {
    fprintf(stderr, "linear-train: cannot write %s\n", data_path);
    return 1;
  }
  int n = 0;
  sample *data = read_dataset(h, data_path, &n);
  if (!data) {
    fprintf(stderr, "linear-train: cannot read %s\n", data_path);
    return 1;
  }
  mlprov_dataset(h, "synthetic-8d", data_path, NULL, (uint64_t)n, NULL);
  mlprov_param_double(h, "learning_rate", lr);
  mlprov_param_int(h, "epochs", epochs);
  mlprov_param_int(h, "batch_size", 32);
  mlprov_param_int(h, "seed", (long long)seed);
  mlprov_param(h, "model", "{\"type\":\"logistic-regression\",\"features\":8}");
  mlprov_dependency(h, "libm", "glibc", "pkg:generic/glibc-libm", NULL);

  double w[DIM] = {0}, b = 0;
  int train_n = n * 9 / 10;
  for (int epoch = 1; epoch <= epochs; epoch++) {
    double loss = 0;
    for (int start = 0; start < train_n; start += 32) {
      double gw[DIM] = {0}, gb = 0;
      int end = start + 32 < train_n ? start + 32 : train_n;
      for (int i = start; i < end; i++) {
        double z = b;
        for (int d = 0; d < DIM; d++) z += w[d] * data[i].x[d];
        double p = 1.0 / (1.0 + exp(-z));
        double err = p - data[i].y;
        loss += -(data[i].y ? log(p + 1e-12) : log(1 - p + 1e-12));
        for (int d = 0; d < DIM; d++) gw[d] += err * data[i].x[d];
        gb += err;
      }
      for (int d = 0; d < DIM; d++) w[d] -= lr * gw[d] / (end - start);
      b -= lr * gb / (end - start);
    }
    int correct = 0;
    for (int i = train_n; i < n; i++) {
      double z = b;
      for (int d = 0; d < DIM; d++) z += w[d] * data[i].x[d];
      correct += (z > 0) == data[i].y;
    }
    double acc = (double)correct / (n - train_n);
    printf("epoch %d: loss %.4f, held-out accuracy %.3f\n", epoch, loss / train_n, acc);
    snprintf(path, sizeof path, "%s/checkpoints/epoch-%d.bin", out, epoch);
    if (save_model(path, w, b, epoch) != 0) {
      fprintf(stderr, "linear-train: cannot write %s\n", path);
      return 1;
    }
    mlprov_artifact(h, path, MLPROV_ROLE_CHECKPOINT);
    if (epoch == epochs) {
      char buf[64];
      snprintf(buf, sizeof buf, "%.4f", acc);
      mlprov_annotate(h, "final_accuracy", buf);
    }
  }
  snprintf(path, sizeof path, "%s/model.bin", out);
  if (save_model(path, w, b, epochs) != 0) {
    fprintf(stderr, "linear-train: cannot write %s\n", path);
    return 1;
  }
  mlprov_artifact(h, path, MLPROV_ROLE_MODEL);
  printf("model written to %s\n", path);
  mlprov_hook_close(h);
  free(data);
  return 0;
}
