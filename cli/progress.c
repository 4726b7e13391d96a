/* progress.c — the hashing progress line on stderr (bytes, rate, ETA), shown
 * only when stderr is a terminal and --quiet was not given. The hash pool
 * calls cli_progress_cb from its worker threads: counting is one atomic add,
 * and whichever thread finds 200 ms elapsed prints, under a trylock so no
 * worker ever waits for the terminal. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void cli_progress_init(cli_progress *p, const char *label, int quiet) {
  memset(p, 0, sizeof *p);
  atomic_init(&p->done, 0);
  atomic_init(&p->printing, 0);
  p->label = label;
  p->enabled = !quiet && isatty(STDERR_FILENO);
  p->start = now_ms();
  atomic_init(&p->last, p->start);
}

static void human(double v, char *buf, size_t len) {
  static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, u++;
  snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static void print_line(cli_progress *p, uint64_t done, uint64_t t) {
  char d[32], tot[32], rate[32];
  double el = (double)(t - p->start) / 1000, bps = el > 0 ? (double)done / el : 0;
  human((double)done, d, sizeof d);
  human((double)p->total, tot, sizeof tot);
  human(bps, rate, sizeof rate);
  double pct = p->total ? 100.0 * (double)done / (double)p->total : 100.0;
  if (bps > 0 && done < p->total)
    fprintf(stderr, "\r%s %s / %s  %3.0f%%  %s/s  ETA %.0fs   ", p->label, d, tot, pct, rate,
            (double)(p->total - done) / bps);
  else
    fprintf(stderr, "\r%s %s / %s  %3.0f%%  %s/s           ", p->label, d, tot, pct, rate);
  fflush(stderr);
}

void cli_progress_cb(void *ctx, uint64_t bytes) {
  cli_progress *p = ctx;
  uint64_t done = atomic_fetch_add(&p->done, bytes) + bytes;
  if (!p->enabled) return;
  uint64_t t = now_ms();
  if (t - atomic_load(&p->last) < 200 || atomic_exchange(&p->printing, 1)) return;
  atomic_store(&p->last, t);
  print_line(p, done, t);
  atomic_store(&p->printing, 0);
}

void cli_progress_done(cli_progress *p) {
  if (!p->enabled || atomic_load(&p->last) == p->start) return;
  fprintf(stderr, "\r%*s\r", 72, "");
  fflush(stderr);
}
