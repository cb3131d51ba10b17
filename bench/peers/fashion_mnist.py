"""Loads Fashion-MNIST from the Debian package dataset-fashion-mnist, as numpy arrays.

Shared by the peer scripts (PyTorch, TensorFlow, Keras) so that every framework sees the same
bytes: images uint8 [N, 28, 28], labels uint8 [N].
"""
import gzip
import os

import numpy as np

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"


def _read(path):
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path += ".gz"
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(directory=DEFAULT_DIR):
    x_train = _read(os.path.join(directory, "train-images-idx3-ubyte"))
    y_train = _read(os.path.join(directory, "train-labels-idx1-ubyte"))
    x_test = _read(os.path.join(directory, "t10k-images-idx3-ubyte"))
    y_test = _read(os.path.join(directory, "t10k-labels-idx1-ubyte"))
    return (x_train, y_train), (x_test, y_test)
