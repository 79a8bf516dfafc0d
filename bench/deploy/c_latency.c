/* Single-sample latency of an exported C model (prefix "net", header "net.h"), for
 * bench/deploy_latency.sh:  c_latency IMAGES.f32 CONFIG
 * IMAGES.f32 holds samples of NET_INPUTS float32 values. Each call of net_predict on one sample
 * is timed (after 500 warm-up calls) over 20,000 calls cycling through the samples; prints
 *   RESULT lib=c workload=latency p50_us=... p99_us=... mean_us=... config=CONFIG */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "net.h"

#define CALLS 20000
#define WARM 500

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  static double us[CALLS];
  float y[NET_OUTPUTS], sink = 0.0f, *x;
  long n, size, i;
  double total = 0.0;
  FILE *in;
  if (argc != 3 || (in = fopen(argv[1], "rb")) == NULL) {
    fprintf(stderr, "usage: c_latency IMAGES.f32 CONFIG\n");
    return 2;
  }
  fseek(in, 0, SEEK_END);
  size = ftell(in);
  fseek(in, 0, SEEK_SET);
  n = size / (long)(sizeof(float) * NET_INPUTS);
  x = malloc((size_t)size);
  if (n < 1 || x == NULL ||
      fread(x, sizeof(float), (size_t)(n * NET_INPUTS), in) != (size_t)(n * NET_INPUTS)) {
    fprintf(stderr, "c_latency: cannot read %s\n", argv[1]);
    return 2;
  }
  for (i = 0; i < WARM; ++i) net_predict(x + (i % n) * NET_INPUTS, y);
  for (i = 0; i < CALLS; ++i) {
    const double t0 = now_us();
    net_predict(x + (i % n) * NET_INPUTS, y);
    us[i] = now_us() - t0;
    sink += y[0];
    total += us[i];
  }
  qsort(us, CALLS, sizeof us[0], by_value);
  printf("RESULT lib=c workload=latency p50_us=%.2f p99_us=%.2f mean_us=%.2f sink=%.3g config=%s\n",
         us[CALLS / 2], us[CALLS * 99 / 100], total / CALLS, (double)sink, argv[2]);
  free(x);
  return 0;
}
