/* Runs an exported C model (prefix "net", header "net.h") for fathom's tests:
 *   harness INPUT OUTPUT [CLASSES]
 * INPUT holds samples of NET_INPUTS float32 values; each sample's NET_OUTPUTS outputs go to
 * OUTPUT (float32) and, for a classifier, net_predict_class's answer to CLASSES (int32). */
#include <stdio.h>

#include "net.h"

int main(int argc, char **argv) {
  FILE *in, *out, *classes = NULL;
  float x[NET_INPUTS], y[NET_OUTPUTS];
  if (argc < 3) {
    fprintf(stderr, "usage: harness INPUT OUTPUT [CLASSES]\n");
    return 2;
  }
  in = fopen(argv[1], "rb");
  out = fopen(argv[2], "wb");
  if (in == NULL || out == NULL) {
    fprintf(stderr, "harness: cannot open %s or %s\n", argv[1], argv[2]);
    return 2;
  }
#ifdef NET_CLASSES
  if (argc > 3 && (classes = fopen(argv[3], "wb")) == NULL) return 2;
#endif
  while (fread(x, sizeof x[0], NET_INPUTS, in) == NET_INPUTS) {
    net_predict(x, y);
    fwrite(y, sizeof y[0], NET_OUTPUTS, out);
#ifdef NET_CLASSES
    if (classes != NULL) {
      const int c = net_predict_class(x);
      fwrite(&c, sizeof c, 1, classes);
    }
#endif
  }
  fclose(in);
  fclose(out);
  if (classes != NULL) fclose(classes);
  return 0;
}
