/* FANN 2.2 peer for bench/compare.sh: the workloads of bench/peers/README.md that FANN can run
 * honestly, one per process, one `RESULT lib=fann ...` line per measurement on stdout (notes on
 * stderr).
 *
 *   fann_bench --workload W [--threads T] [--quick] [--epochs N] [--init glorot|fann]
 *              [--data-dir DIR] [--digits CSV]
 *
 * W: online_sgd inference xor digits (measured); epoch128 epoch32 wide (FANN has no Adam, no
 * mini-batches and no softmax: printed as unsupported=1); sgemm_peak (fathom only: unsupported).
 *
 * What FANN 2.2 offers, and so what every line's config= says:
 *  - fann_type is float (<floatfann.h>; Debian's libfann is the float build).
 *  - No ReLU: FANN_LINEAR_PIECE_RECT arrived after 2.2, and 2.2's FANN_LINEAR_PIECE is clipped
 *    to [0,1] with a derivative that ignores the clipping, so hidden layers use FANN_SIGMOID.
 *  - No softmax and no cross-entropy: the 10 outputs are FANN_SIGMOID with
 *    FANN_ERRORFUNC_LINEAR: the update is lr * (target - output) * f'(net) * input, the gradient
 *    of 0.5 * sum over outputs of (target - output)^2 (FANN's default is the tanh error function).
 *  - FANN_SIGMOID at the default steepness 0.5 is the logistic 1/(1+exp(-x)).
 *  - FANN_TRAIN_INCREMENTAL (plain online backpropagation, weights updated after every sample;
 *    FANN's default is RPROP), learning momentum 0.
 *  - Initial weights Glorot uniform, biases 0 (the README's "Glorot uniform where it can be
 *    chosen"; written into the struct fann, see glorot_uniform), after srand(42) so that runs
 *    are repeatable. --init fann keeps FANN's own uniform [-0.1, 0.1] instead: with it the
 *    25-20-20-20-5 digits net does not learn in 1,000 epochs (final_mse 0.16, every output
 *    ~0.2), with Glorot it does (0.001); the time per update is the same.
 *  - xor/digits call fann_train once per sample in a loop: fann_train_epoch on a
 *    fann_train_data with FANN_TRAIN_INCREMENTAL does the same calls and measured no faster.
 *  - Single-threaded: asked for --threads T > 1 it runs the same single thread and prints
 *    threads=1 (every line also carries max_threads=1).
 * C11, built by compare.sh with: cc -std=c11 -O2 fann_bench.c -lfann -lz -lm (fann_idx.h is
 * included from this folder)
 */
#define _POSIX_C_SOURCE 200809L
#include <floatfann.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "fann_idx.h" /* die() and the Fashion-MNIST IDX readers */

#define SEED 42u

static const char *lib_config = "fann2.2_float";

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------- networks */

static int glorot = 1; /* --init glorot (default) or --init fann */

/* Glorot uniform U(-sqrt(6/(fan_in+fan_out)), +...) on every weight, 0 on the bias weights: what
 * the README asks for where a library lets it be chosen. FANN has no such option, so the weights
 * are written through the public struct fann (fann_data.h): each layer's neurons, the last one
 * being its bias neuron, and each neuron's incoming connections weights[first_con..last_con)
 * from neurons connections[...]. (fann_set_weight_array would do, but it looks every connection
 * up linearly: 30 s for the 235,000 weights of 784-256-128-10.) */
static void glorot_uniform(struct fann *ann) {
  unsigned layers = fann_get_num_layers(ann), sizes[16], bias[16];
  if (layers > 16) die("too many layers");
  fann_get_layer_array(ann, sizes);
  fann_get_bias_array(ann, bias);
  unsigned l = 1;
  for (struct fann_layer *layer = ann->first_layer + 1; layer != ann->last_layer; ++layer, ++l) {
    const struct fann_layer *prev = layer - 1;
    if (bias[l - 1] != 1 || (unsigned)(prev->last_neuron - prev->first_neuron) != sizes[l - 1] + 1)
      die("unexpected FANN neuron layout");
    const struct fann_neuron *bias_neuron = prev->last_neuron - 1;
    double limit = sqrt(6.0 / (double)(sizes[l - 1] + sizes[l]));
    for (struct fann_neuron *neuron = layer->first_neuron; neuron != layer->last_neuron; ++neuron)
      for (unsigned i = neuron->first_con; i < neuron->last_con; ++i)
        ann->weights[i] = ann->connections[i] == bias_neuron
                              ? 0.0f
                              : (fann_type)((2.0 * rand() / (double)RAND_MAX - 1.0) * limit);
  }
}

static const char *init_name(void) {
  return glorot ? "glorot_uniform(bias=0,set_via_struct_fann)" : "fann_default_uniform(-0.1,0.1)";
}

static struct fann *make_net(unsigned layers, const unsigned *sizes, float learning_rate) {
  struct fann *ann = fann_create_standard_array(layers, sizes);
  if (!ann) die("fann_create_standard_array failed");
  fann_set_activation_function_hidden(ann, FANN_SIGMOID);
  fann_set_activation_function_output(ann, FANN_SIGMOID);
  fann_set_activation_steepness_hidden(ann, 0.5f); /* the default; 0.5 makes it 1/(1+e^-x) */
  fann_set_activation_steepness_output(ann, 0.5f);
  fann_set_training_algorithm(ann, FANN_TRAIN_INCREMENTAL);
  fann_set_train_error_function(ann, FANN_ERRORFUNC_LINEAR);
  fann_set_learning_rate(ann, learning_rate);
  fann_set_learning_momentum(ann, 0.0f);
  srand(SEED); /* fann_create_* seeds rand() from /dev/urandom; redraw repeatably */
  if (glorot)
    glorot_uniform(ann);
  else
    fann_randomize_weights(ann, -0.1f, 0.1f);
  return ann;
}

/* Mean over samples of the mean over outputs of (target - output)^2, after training. */
static double mean_squared_error(struct fann *ann, unsigned n, unsigned n_in, unsigned n_out, const float *x,
                                 const float *y) {
  double sum = 0.0;
  for (unsigned s = 0; s < n; ++s) {
    fann_type *out = fann_run(ann, (fann_type *)(x + (size_t)s * n_in));
    double row = 0.0;
    for (unsigned j = 0; j < n_out; ++j) {
      double d = (double)y[(size_t)s * n_out + j] - (double)out[j];
      row += d * d;
    }
    sum += row / n_out;
  }
  return sum / n;
}

static int quick = 0;

static void print_head(const char *workload) {
  printf("RESULT lib=fann workload=%s threads=1 max_threads=1%s", workload, quick ? " quick=1" : "");
}

/* ---------------------------------------------------------------- workloads */

static const char *fashion_config =
    "784-256-128-10,hidden=FANN_SIGMOID(no_relu_in_fann2.2),output=FANN_SIGMOID(no_softmax),"
    "error=FANN_ERRORFUNC_LINEAR(0.5*sum_sq_err_not_cce)";

static void online_sgd(const char *dir) {
  const unsigned warmup = quick ? 50 : 500, samples = quick ? 500 : 5000, n = warmup + samples;
  float *x = load_images(dir, "train-images-idx3-ubyte.gz", n);
  unsigned char *labels = load_labels(dir, "train-labels-idx1-ubyte.gz", n);
  float *y = calloc((size_t)n * 10, sizeof(float));
  if (!y) die("out of memory");
  for (unsigned i = 0; i < n; ++i) y[(size_t)i * 10 + labels[i]] = 1.0f;
  const unsigned sizes[] = {784, 256, 128, 10};
  struct fann *ann = make_net(4, sizes, 0.01f);

  for (unsigned i = 0; i < warmup; ++i) fann_train(ann, x + (size_t)i * 784, y + (size_t)i * 10);
  double t0 = now_s();
  for (unsigned i = warmup; i < n; ++i) fann_train(ann, x + (size_t)i * 784, y + (size_t)i * 10);
  double seconds = now_s() - t0;

  print_head("online_sgd");
  printf(
      " samples=%u samples_per_s=%.1f us_per_sample=%.3f config=%s,%s,FANN_TRAIN_INCREMENTAL,"
      "fann_train_per_sample,lr=0.01,momentum=0,init=%s,warmup=%u\n",
      samples, samples / seconds, seconds * 1e6 / samples, lib_config, fashion_config, init_name(), warmup);
  fann_destroy(ann);
  free(x);
  free(y);
  free(labels);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted values. */
static double percentile(const double *sorted, unsigned n, double p) {
  unsigned rank = (unsigned)(p * n + 0.999999);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return sorted[rank - 1];
}

static void inference(const char *dir) {
  const unsigned n = quick ? 1000 : 10000, warmup = 100;
  float *x = load_images(dir, "t10k-images-idx3-ubyte.gz", n);
  const unsigned sizes[] = {784, 256, 128, 10};
  struct fann *ann = make_net(4, sizes, 0.01f);
  double *us = malloc(n * sizeof(double));
  if (!us) die("out of memory");
  volatile float sink = 0.0f;

  for (unsigned i = 0; i < warmup; ++i) sink += fann_run(ann, x + (size_t)i * 784)[0];
  for (unsigned i = 0; i < n; ++i) {
    double t0 = now_s();
    fann_type *out = fann_run(ann, x + (size_t)i * 784);
    us[i] = (now_s() - t0) * 1e6;
    sink += out[0];
  }
  qsort(us, n, sizeof(double), cmp_double);

  double best = 1e30;
  for (int rep = 0; rep < 3; ++rep) {
    double t0 = now_s();
    for (unsigned i = 0; i < n; ++i) sink += fann_run(ann, x + (size_t)i * 784)[0];
    double t = now_s() - t0;
    if (t < best) best = t;
  }
  (void)sink;

  print_head("inference");
  printf(
      " calls=%u samples=%u p50_us=%.3f p99_us=%.3f samples_per_s=%.1f config=%s,%s,init=%s,"
      "fann_run_per_sample(no_batch_call),throughput=loop_of_fann_run_best_of_3,warmup=%u\n",
      n, n, percentile(us, n, 0.50), percentile(us, n, 0.99), n / best, lib_config, fashion_config,
      init_name(), warmup);
  fann_destroy(ann);
  free(x);
  free(us);
}

/* Online training of a tiny net, one fann_train per sample in fixed order, timed as a whole. */
static void tiny(const char *workload, unsigned layers, const unsigned *sizes, unsigned n, const float *x,
                 const float *y, unsigned epochs, const char *shape) {
  const unsigned n_in = sizes[0], n_out = sizes[layers - 1];
  struct fann *ann = make_net(layers, sizes, 0.5f);
  double t0 = now_s();
  for (unsigned e = 0; e < epochs; ++e)
    for (unsigned s = 0; s < n; ++s)
      fann_train(ann, (fann_type *)(x + (size_t)s * n_in), (fann_type *)(y + (size_t)s * n_out));
  double seconds = now_s() - t0;
  unsigned long updates = (unsigned long)epochs * n;
  double mse = mean_squared_error(ann, n, n_in, n_out, x, y);

  print_head(workload);
  printf(
      " epochs=%u updates=%lu us_per_update=%.4f final_mse=%.6g config=%s,%s,hidden=FANN_SIGMOID,"
      "output=FANN_SIGMOID,error=FANN_ERRORFUNC_LINEAR(0.5*sum_sq_err),FANN_TRAIN_INCREMENTAL,"
      "fann_train_per_sample_loop,lr=0.5,momentum=0,init=%s\n",
      epochs, updates, seconds * 1e6 / (double)updates, mse, lib_config, shape, init_name());
  fann_destroy(ann);
}

static void xor_workload(unsigned epochs) {
  static const float x[] = {0, 0, 0, 1, 1, 0, 1, 1};
  static const float y[] = {0, 1, 1, 0};
  const unsigned sizes[] = {2, 2, 1};
  tiny("xor", 3, sizes, 4, x, y, epochs, "2-2-1");
}

static void digits_workload(const char *csv, unsigned epochs) {
  FILE *f = fopen(csv, "r");
  if (!f) {
    fprintf(stderr, "fann_bench: cannot open %s (run from the repository root or pass --digits)\n", csv);
    exit(1);
  }
  char line[4096];
  if (!fgets(line, sizeof line, f)) die("digits: empty file");
  unsigned columns = 1;
  for (char *c = line; *c; ++c) columns += *c == ',';
  if (columns != 26 || strncmp(line, "p0,", 3) != 0) die("digits: expected header p0..p24,<label>");
  enum { max_rows = 64 };
  float x[max_rows * 25];
  int labels[max_rows];
  unsigned n = 0;
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '\n' || line[0] == '\r' || line[0] == 0) continue;
    if (n == max_rows) die("digits: too many rows");
    char *p = line;
    for (unsigned j = 0; j < 26; ++j) {
      char *end;
      double v = strtod(p, &end);
      if (end == p) die("digits: bad number");
      if (j < 25)
        x[n * 25 + j] = (float)v;
      else
        labels[n] = (int)v;
      p = *end == ',' ? end + 1 : end;
    }
    ++n;
  }
  fclose(f);
  /* One-hot over the distinct labels in ascending order (the file has 1..5). */
  int classes[max_rows];
  unsigned n_classes = 0;
  for (unsigned i = 0; i < n; ++i) {
    unsigned k = 0;
    while (k < n_classes && classes[k] != labels[i]) ++k;
    if (k == n_classes) classes[n_classes++] = labels[i];
  }
  qsort(classes, n_classes, sizeof(int), cmp_int);
  if (n_classes != 5) die("digits: expected 5 classes");
  float y[max_rows * 5];
  memset(y, 0, sizeof y);
  for (unsigned i = 0; i < n; ++i)
    for (unsigned k = 0; k < n_classes; ++k)
      if (classes[k] == labels[i]) y[i * 5 + k] = 1.0f;
  const unsigned sizes[] = {25, 20, 20, 20, 5};
  tiny("digits", 5, sizes, n, x, y, epochs, "25-20-20-20-5");
}

static void unsupported(const char *workload, const char *reason) {
  print_head(workload);
  printf(" unsupported=1 reason=%s config=%s\n", reason, lib_config);
}

static void usage(void) {
  fprintf(stderr,
          "usage: fann_bench --workload W [--threads T] [--quick] [--epochs N] [--init glorot|fann]\n"
          "                  [--data-dir DIR] [--digits CSV]\n"
          "  W: online_sgd inference xor digits (epoch128 epoch32 wide sgemm_peak: unsupported)\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *workload = NULL, *dir = "/usr/share/datasets/fashion-mnist";
  const char *digits_csv = "data/digits_5x5.csv";
  long threads = 1, epochs = 0;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    int has_value = i + 1 < argc;
    if (!strcmp(a, "--workload") && has_value)
      workload = argv[++i];
    else if (!strcmp(a, "--threads") && has_value)
      threads = strtol(argv[++i], NULL, 10);
    else if (!strcmp(a, "--epochs") && has_value)
      epochs = strtol(argv[++i], NULL, 10);
    else if (!strcmp(a, "--data-dir") && has_value)
      dir = argv[++i];
    else if (!strcmp(a, "--digits") && has_value)
      digits_csv = argv[++i];
    else if (!strcmp(a, "--quick"))
      quick = 1;
    else if (!strcmp(a, "--init") && has_value) {
      const char *v = argv[++i];
      if (!strcmp(v, "glorot"))
        glorot = 1;
      else if (!strcmp(v, "fann"))
        glorot = 0;
      else
        usage();
    } else
      usage();
  }
  if (!workload || threads < 1 || epochs < 0) usage();
  if (threads > 1)
    fprintf(stderr,
            "fann_bench: FANN is single-threaded; --threads %ld runs on one thread and prints threads=1\n",
            threads);

  if (!strcmp(workload, "online_sgd"))
    online_sgd(dir);
  else if (!strcmp(workload, "inference"))
    inference(dir);
  else if (!strcmp(workload, "xor"))
    xor_workload(epochs ? (unsigned)epochs : quick ? 10000u : 100000u);
  else if (!strcmp(workload, "digits"))
    digits_workload(digits_csv, epochs ? (unsigned)epochs : quick ? 100u : 1000u);
  else if (!strcmp(workload, "epoch128") || !strcmp(workload, "epoch32") || !strcmp(workload, "wide"))
    unsupported(workload, "no_adam_no_softmax");
  else if (!strcmp(workload, "sgemm_peak"))
    unsupported(workload, "fathom_only");
  else
    usage();
  return 0;
}
