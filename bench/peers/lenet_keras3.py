"""LeNet of seed 001 in Keras 3 itself (TensorFlow backend): the accuracy and speed reference for
docs/examples/lenet_keras (dl's Keras tier).

The same model and schedule as lenet_keras.cpp: Sequential Conv2D(20, 5, tanh), MaxPooling2D(2),
Conv2D(50, 5, tanh), MaxPooling2D(2), Flatten, Dense(500, tanh), Dense(10, softmax); Keras's
default initialisers (glorot-uniform kernels, zero biases), SGD(learning_rate=0.01,
momentum=0.9), categorical cross-entropy, metric accuracy, batch 64, shuffle every epoch, on
Fashion-MNIST (bench/peers/fashion_mnist.py, the same bytes as dl's loader) scaled by 1/255
with one-hot labels. Seeded with keras.utils.set_random_seed(--seed). TensorFlow runs with
--threads intra-op threads and one inter-op thread; fit's defaults otherwise (on a CPU-only
machine Keras 3 does not jit-compile with XLA).

Usage: OMP_NUM_THREADS=2 python bench/peers/lenet_keras3.py [--epochs 2] [--threads 2]
       [--seed 0] [--steps N] [--test-limit N]
Prints one JSON line: {"framework": "keras3", "test_accuracy": ..., "epoch_seconds": [...],
...}; epoch_seconds are wall times from on_epoch_begin to on_epoch_end.
"""
import argparse
import json
import os
import sys
import time


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=0,
                    help="train on the first N batches' worth of images only (0 = all)")
    ap.add_argument("--test-limit", type=int, default=0,
                    help="evaluate on the first N test images (0 = all)")
    return ap.parse_args()


def build_lenet(keras):
    """The LeNet of lenet_keras.cpp (also used by check_lenet_weights_in_keras3.py)."""
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(20, (5, 5), activation="tanh"),
        keras.layers.MaxPooling2D((2, 2), strides=(2, 2)),
        keras.layers.Conv2D(50, (5, 5), activation="tanh"),
        keras.layers.MaxPooling2D((2, 2), strides=(2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dense(500, activation="tanh"),
        keras.layers.Dense(10, activation="softmax"),
    ])


def main():
    args = parse_args()
    # Threads first: TensorFlow fixes its thread pools when it is first used.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ["KERAS_BACKEND"] = "tensorflow"
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras
    import numpy as np

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import fashion_mnist

    keras.utils.set_random_seed(args.seed)
    (xtr, ytr), (xte, yte) = fashion_mnist.load()
    if args.steps:
        xtr, ytr = xtr[:64 * args.steps], ytr[:64 * args.steps]
    if args.test_limit:
        xte, yte = xte[:args.test_limit], yte[:args.test_limit]
    xtr = xtr.astype("float32")[..., None] / 255.0
    xte = xte.astype("float32")[..., None] / 255.0
    ytr = keras.utils.to_categorical(ytr, 10)
    yte = keras.utils.to_categorical(yte, 10)

    model = build_lenet(keras)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
                  loss="categorical_crossentropy", metrics=["accuracy"])

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self._t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self._t0)

    timer = EpochTimer()
    t0 = time.perf_counter()
    history = model.fit(xtr, ytr, batch_size=64, epochs=args.epochs, shuffle=True, verbose=2,
                        callbacks=[timer])
    train_s = time.perf_counter() - t0
    _, test_acc = model.evaluate(xte, yte, batch_size=1000, verbose=0)
    print(json.dumps({"framework": "keras3", "keras": keras.__version__,
                      "tensorflow": tf.__version__, "test_accuracy": float(test_acc),
                      "epoch_seconds": timer.seconds, "train_seconds": train_s,
                      "last_epoch_loss": float(history.history["loss"][-1]),
                      "threads": args.threads, "numpy": np.__version__}))


if __name__ == "__main__":
    main()
