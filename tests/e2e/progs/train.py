"""train.py RUN LR EPOCHS DATA CONFIG - train_c.c's twin in Python, same
arguments, same files, same records, through the provio module: reads
CONFIG and DATA, and per epoch records the loss and accuracy and writes
ckpt_<RUN>_<epoch>.pt.  accuracy(epoch) = 1 - 1 / (2 + (epoch + 1) * LR *
100), loss = 1 - accuracy: a larger LR is the better run."""
import sys

import provio


def main():
    if len(sys.argv) != 6:
        sys.exit("usage: train.py RUN LR EPOCHS DATA CONFIG")
    run, lr, epochs, data, config = sys.argv[1:]
    with open(config, "rb") as f:
        f.read()
    with open(data, "rb") as f:
        data_bytes = len(f.read())
    provio.label("workflow", "training")
    provio.label("run", run)
    provio.config_file(config)
    provio.config("data", data, group="Preselection")

    @provio.track_params(group="Hyperparameters")
    def train(learning_rate, epochs):
        for epoch in range(int(epochs)):
            with provio.epoch(epoch):
                accuracy = 1.0 - 1.0 / (2.0 + (epoch + 1) * float(learning_rate) * 100.0)
                provio.metric("accuracy", accuracy)
                provio.metric("loss", 1.0 - accuracy)
                path = f"ckpt_{run}_{epoch}.pt"
                with open(path, "wb") as f:
                    f.write(bytes((i * (epoch + 1) + data_bytes) & 0xFF for i in range(4096)))
                    f.write(f"lr={learning_rate} epoch={epoch} accuracy={accuracy:.6f}\n".encode())
                provio.checkpoint(path)

    train(learning_rate=lr, epochs=epochs)
    print(f"train.py: run {run}, {epochs} epochs at lr {lr}")


if __name__ == "__main__":
    main()
