/* demo_decimate IN OUT [FACTOR] - the demo job's serial step: keeps every
 * FACTOR-th sample of IN (stdio reads and writes). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: demo_decimate IN OUT [FACTOR]\n");
    return 2;
  }
  long factor = argc > 3 ? atol(argv[3]) : 10;
  FILE *in = fopen(argv[1], "rb"), *out = fopen(argv[2], "wb");
  if (!in || !out || factor < 1) {
    fprintf(stderr, "demo_decimate: cannot open files\n");
    return 1;
  }
  double v;
  long i = 0, kept = 0;
  while (fread(&v, sizeof v, 1, in) == 1)
    if (i++ % factor == 0 && fwrite(&v, sizeof v, 1, out) == 1) kept++;
  fclose(in);
  if (fclose(out) != 0) return 1;
  printf("demo_decimate: kept %ld of %ld samples\n", kept, i);
  return 0;
}
