/* train_c RUN LR EPOCHS DATA CONFIG - a training job in miniature, in C, for
 * issue 13's tests (and train.py its Python twin, same arguments, same
 * records): reads CONFIG and DATA, and per epoch records the loss and
 * accuracy and writes the checkpoint ckpt_<RUN>_<epoch>.pt in the working
 * directory.  The numbers are made up but fixed, so that tests know the
 * answer: accuracy(epoch) = 1 - 1 / (2 + (epoch + 1) * LR * 100), loss =
 * 1 - accuracy; a larger LR is the better run. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "provio.h"

static long read_all(const char *path)
{
  char buf[4096];
  long total = 0;
  ssize_t n;
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  while ((n = read(fd, buf, sizeof buf)) > 0) total += n;
  close(fd);
  return total;
}

int main(int argc, char **argv)
{
  if (argc != 6) {
    fprintf(stderr, "usage: train_c RUN LR EPOCHS DATA CONFIG\n");
    return 2;
  }
  const char *run = argv[1], *data = argv[4], *config = argv[5];
  double lr = atof(argv[2]);
  int epochs = atoi(argv[3]);
  long config_bytes = read_all(config), data_bytes = read_all(data);
  if (config_bytes < 0 || data_bytes < 0) {
    fprintf(stderr, "train_c: cannot read %s or %s\n", config, data);
    return 1;
  }
  provio_label("workflow", "training");
  provio_label("run", run);
  provio_config_file(config);
  provio_config("Hyperparameters", "learning_rate", argv[2]);
  provio_config("Hyperparameters", "epochs", argv[3]);
  provio_config("Preselection", "data", data);

  for (int epoch = 0; epoch < epochs; epoch++) {
    double accuracy = 1.0 - 1.0 / (2.0 + (epoch + 1) * lr * 100.0);
    provio_metric("accuracy", accuracy, epoch);
    provio_metric("loss", 1.0 - accuracy, epoch);
    char path[256];
    snprintf(path, sizeof path, "ckpt_%s_%d.pt", run, epoch);
    FILE *f = fopen(path, "wb");
    if (!f) return 1;
    for (long i = 0; i < 4096; i++) fputc((int)((i * (epoch + 1) + data_bytes) & 0xff), f);
    fprintf(f, "lr=%s epoch=%d accuracy=%.6f\n", argv[2], epoch, accuracy);
    if (fclose(f) != 0) return 1;
    provio_checkpoint(path, epoch);
  }
  printf("train_c: run %s, %d epochs at lr %s\n", run, epochs, argv[2]);
  return 0;
}
