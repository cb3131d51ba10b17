"""Checks by hand that Keras 3 itself reads a .weights.h5 file written by dl: builds the LeNet of
docs/examples/lenet_keras.cpp in Keras 3 (the same model as lenet_keras3.py), loads the file with
model.load_weights(), and prints its test accuracy on Fashion-MNIST, to compare with the
accuracy lenet_keras printed for the same weights.

Usage:  build/docs/examples/lenet_keras --epochs 1 --save-weights /tmp/lenet.weights.h5
        /work/venv/bin/python bench/peers/check_lenet_weights_in_keras3.py /tmp/lenet.weights.h5
"""
import json
import os
import sys


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ["KERAS_BACKEND"] = "tensorflow"
    import keras

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import fashion_mnist
    from lenet_keras3 import build_lenet

    _, (xte, yte) = fashion_mnist.load()
    xte = xte.astype("float32")[..., None] / 255.0
    yte = keras.utils.to_categorical(yte, 10)
    model = build_lenet(keras)
    model.compile(loss="categorical_crossentropy", metrics=["accuracy"])
    model.load_weights(sys.argv[1])
    _, acc = model.evaluate(xte, yte, batch_size=1000, verbose=0)
    print(json.dumps({"keras": keras.__version__, "file": sys.argv[1], "test_accuracy": acc}))


if __name__ == "__main__":
    main()
