/* Part of fann_bench.c (included once, from this folder): exiting on errors, and reading the
 * first n images or labels of a gzip-compressed Fashion-MNIST IDX file. */
#ifndef FATHOM_BENCH_FANN_IDX_H
#define FATHOM_BENCH_FANN_IDX_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

static void die(const char *what) {
  fprintf(stderr, "fann_bench: %s\n", what);
  exit(1);
}

static uint32_t read_be32(gzFile f, const char *path) {
  unsigned char b[4];
  if (gzread(f, b, 4) != 4) {
    fprintf(stderr, "fann_bench: %s: short IDX header\n", path);
    exit(1);
  }
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* Opens dir/name and writes its path into path[4096]; exits when it cannot. */
static gzFile open_idx(const char *dir, const char *name, char *path) {
  snprintf(path, 4096, "%s/%s", dir, name);
  gzFile f = gzopen(path, "rb");
  if (!f) {
    fprintf(stderr, "fann_bench: cannot open %s (install dataset-fashion-mnist or pass --data-dir)\n", path);
    exit(1);
  }
  return f;
}

/* Reads exactly `bytes` bytes into out (gzread takes at most INT_MAX at a time); exits if the
 * file ends first. */
static void read_all(gzFile f, const char *path, unsigned char *out, size_t bytes) {
  size_t got = 0;
  while (got < bytes) {
    unsigned chunk = bytes - got > (1u << 30) ? (1u << 30) : (unsigned)(bytes - got);
    int r = gzread(f, out + got, chunk);
    if (r <= 0) {
      fprintf(stderr, "fann_bench: %s: truncated\n", path);
      exit(1);
    }
    got += (size_t)r;
  }
}

/* The first n images of an idx3 file as float value/255, row-major n x 784. */
static float *load_images(const char *dir, const char *name, unsigned n) {
  char path[4096];
  gzFile f = open_idx(dir, name, path);
  uint32_t magic = read_be32(f, path), count = read_be32(f, path);
  uint32_t rows = read_be32(f, path), cols = read_be32(f, path);
  if (magic != 0x00000803u || rows * cols != 784u || count < n) {
    fprintf(stderr, "fann_bench: %s: not an idx3 file of >= %u 28x28 images\n", path, n);
    exit(1);
  }
  size_t bytes = (size_t)n * 784u;
  unsigned char *raw = malloc(bytes);
  float *out = malloc(bytes * sizeof(float));
  if (!raw || !out) die("out of memory");
  read_all(f, path, raw, bytes);
  gzclose(f);
  for (size_t i = 0; i < bytes; ++i) out[i] = (float)raw[i] / 255.0f;
  free(raw);
  return out;
}

/* The first n labels of an idx1 file. */
static unsigned char *load_labels(const char *dir, const char *name, unsigned n) {
  char path[4096];
  gzFile f = open_idx(dir, name, path);
  uint32_t magic = read_be32(f, path), count = read_be32(f, path);
  if (magic != 0x00000801u || count < n) {
    fprintf(stderr, "fann_bench: %s: not an idx1 file of >= %u labels\n", path, n);
    exit(1);
  }
  unsigned char *out = malloc(n);
  if (!out) die("out of memory");
  read_all(f, path, out, n);
  gzclose(f);
  for (unsigned i = 0; i < n; ++i)
    if (out[i] > 9) die("label outside 0..9");
  return out;
}

#endif
