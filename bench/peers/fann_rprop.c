/* FANN 2.2 iRPROP- peer for bench/full_batch.sh (driven by bench/peers/full_batch.py).
 *
 *   fann_rprop TRAIN.csv TEST.csv HIDDEN MAX_EPOCHS SEED TARGET_ACC
 *
 * TRAIN.csv / TEST.csv: plain numeric rows, no header, the last column the integer class label
 * 0..k-1 (k = largest label in TRAIN + 1). The features are used as given (the driver has
 * already standardized them with the train statistics).
 *
 * Network: inputs-HIDDEN-k, FANN_SIGMOID_SYMMETRIC hidden (tanh(s*x), FANN's default steepness
 * s = 0.5), FANN_SIGMOID outputs (no softmax in FANN 2.2), one-hot targets. Training:
 * FANN_TRAIN_RPROP (iRPROP-, full batch) with FANN's defaults (increase 1.2, decrease 0.5,
 * delta_zero 0.1, delta_min 0, delta_max 50) and FANN's default error function for it,
 * FANN_ERRORFUNC_TANH. Weights: srand(SEED) (fann_create_* seeds rand() from /dev/urandom) then
 * fann_init_weights (Nguyen-Widrow, FANN's recommended initialization for a known training set).
 *
 * One fann_train_epoch (one RPROP step) at a time, up to MAX_EPOCHS. After each epoch the train
 * accuracy is computed (outside the timed region: fit_s sums the fann_train_epoch calls only);
 * target_epoch is the first epoch count after which it is >= TARGET_ACC (0 if the initial
 * weights already are; -1 if never). FANN has no convergence test: it runs every epoch.
 *
 * Prints one line: epochs=... fit_s=... target_epoch=... train_acc=... test_acc=... final_mse=...
 * Built by bench/full_batch.sh: gcc -std=c11 -O2 fann_rprop.c -lfann -lm
 */
#define _POSIX_C_SOURCE 200809L
#include <floatfann.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(const char *msg) {
  fprintf(stderr, "fann_rprop: %s\n", msg);
  exit(1);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct {
  unsigned n, cols; /* rows, columns including the label */
  double *v;
} table;

static table read_csv(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) die("cannot open a CSV");
  table t = {0, 0, NULL};
  size_t cap = 0, count = 0;
  char *line = NULL;
  size_t len = 0;
  while (getline(&line, &len, f) > 0) {
    unsigned cols = 0;
    char *p = line, *end;
    for (;;) {
      double x = strtod(p, &end);
      if (end == p) break;
      if (count == cap) {
        cap = cap ? 2 * cap : 4096;
        t.v = realloc(t.v, cap * sizeof *t.v);
        if (!t.v) die("out of memory");
      }
      t.v[count++] = x;
      ++cols;
      p = end;
      while (*p == ',' || *p == ' ' || *p == '\t') ++p;
    }
    if (cols == 0) continue;
    if (t.cols == 0) t.cols = cols;
    if (cols != t.cols) die("rows of different lengths");
    ++t.n;
  }
  free(line);
  fclose(f);
  if (t.n == 0 || t.cols < 2) die("empty CSV");
  return t;
}

static struct fann_train_data *to_fann(const table *t, unsigned classes) {
  unsigned in = t->cols - 1;
  struct fann_train_data *d = fann_create_train(t->n, in, classes);
  if (!d) die("fann_create_train failed");
  for (unsigned s = 0; s < t->n; ++s) {
    const double *row = t->v + (size_t)s * t->cols;
    for (unsigned j = 0; j < in; ++j) d->input[s][j] = (fann_type)row[j];
    int label = (int)row[in];
    if (label < 0 || (unsigned)label >= classes) die("label out of range");
    for (unsigned k = 0; k < classes; ++k) d->output[s][k] = (fann_type)(k == (unsigned)label);
  }
  return d;
}

static double accuracy(struct fann *ann, const table *t) {
  unsigned in = t->cols - 1, out = fann_get_num_output(ann), right = 0;
  fann_type *x = malloc(in * sizeof *x);
  if (!x) die("out of memory");
  for (unsigned s = 0; s < t->n; ++s) {
    const double *row = t->v + (size_t)s * t->cols;
    for (unsigned j = 0; j < in; ++j) x[j] = (fann_type)row[j];
    fann_type *y = fann_run(ann, x);
    unsigned best = 0;
    for (unsigned k = 1; k < out; ++k)
      if (y[k] > y[best]) best = k;
    right += best == (unsigned)(int)row[in];
  }
  free(x);
  return (double)right / t->n;
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: fann_rprop TRAIN.csv TEST.csv HIDDEN MAX_EPOCHS SEED TARGET_ACC\n");
    return 2;
  }
  table train = read_csv(argv[1]), test = read_csv(argv[2]);
  if (test.cols != train.cols) die("train and test have different columns");
  unsigned hidden = (unsigned)atoi(argv[3]), max_epochs = (unsigned)atoi(argv[4]);
  unsigned seed = (unsigned)strtoul(argv[5], NULL, 10);
  double target = atof(argv[6]);
  if (hidden == 0) die("HIDDEN must be positive");

  unsigned classes = 0;
  for (unsigned s = 0; s < train.n; ++s) {
    unsigned label = (unsigned)(int)train.v[(size_t)s * train.cols + train.cols - 1];
    if (label + 1 > classes) classes = label + 1;
  }
  if (classes < 2) classes = 2;
  struct fann_train_data *data = to_fann(&train, classes);

  struct fann *ann = fann_create_standard(3, train.cols - 1, hidden, classes);
  if (!ann) die("fann_create_standard failed");
  fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
  fann_set_activation_function_output(ann, FANN_SIGMOID);
  fann_set_training_algorithm(ann, FANN_TRAIN_RPROP);
  srand(seed);
  fann_init_weights(ann, data);

  int target_epoch = accuracy(ann, &train) >= target ? 0 : -1;
  double fit_s = 0.0, mse = 0.0;
  unsigned epoch = 0;
  while (epoch < max_epochs) {
    double t0 = now_s();
    mse = fann_train_epoch(ann, data);
    fit_s += now_s() - t0;
    ++epoch;
    if (target_epoch < 0 && accuracy(ann, &train) >= target) target_epoch = (int)epoch;
  }
  printf("epochs=%u fit_s=%.6f target_epoch=%d train_acc=%.6f test_acc=%.6f final_mse=%.6g\n", epoch, fit_s,
         target_epoch, accuracy(ann, &train), accuracy(ann, &test), mse);
  fann_destroy_train(data);
  fann_destroy(ann);
  free(train.v);
  free(test.v);
  return 0;
}
