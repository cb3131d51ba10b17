"""One LeNet-5 training step at batch 64 in dl, PyTorch and TensorFlow (tf.compat.v1 graph mode),
in one run on the same machine and thread count; prints the step times and the ratios.

The three programs build the same network (seed 001: conv 20@5x5 tanh, max-pool 2, conv 50@5x5
tanh, max-pool 2, dense 500 tanh, dense 10, mean sparse softmax cross-entropy, momentum SGD 0.01 /
0.9) and time a full step (forward, backward, update) on a fixed batch after a warm-up; each
reports the median of its timed steps. dl's number comes from Google Benchmark
(bench/bench_lenet_step.cpp, BM_LeNetTrainStep with remapping on, the default).

Usage: /path/to/venv/bin/python bench/compare_lenet_step.py [--dl-bench build/bench/dl_bench]
       [--threads 2] [--steps 200] [--batch 64]
Needs torch and tensorflow-cpu in the Python environment (the library never does).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np


def time_steps(step, steps, warmup=10):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def torch_step_ms(threads, steps, batch):
    import torch
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "peers"))
    from lenet_torch import LeNet
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = LeNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.rand(batch, 1, 28, 28)
    y = torch.arange(batch) % 10

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return time_steps(step, steps), torch.__version__


def tf_step_ms(threads, steps, batch):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    tf1 = tf.compat.v1
    tf1.disable_eager_execution()
    g = tf.Graph()
    with g.as_default():
        tf1.set_random_seed(0)
        X = tf1.placeholder(tf.float32, [None, 28, 28, 1])
        y = tf1.placeholder(tf.int32, [None])

        def conv(x, k, cin, cout, name):
            w = tf1.get_variable(name + "/kernel", [k, k, cin, cout])
            b = tf1.get_variable(name + "/bias", [cout], initializer=tf1.zeros_initializer())
            return tf.nn.bias_add(tf.nn.conv2d(x, w, [1, 1, 1, 1], "VALID"), b)

        def dense(x, cin, cout, name):
            w = tf1.get_variable(name + "/kernel", [cin, cout])
            b = tf1.get_variable(name + "/bias", [cout], initializer=tf1.zeros_initializer())
            return tf.nn.bias_add(tf.matmul(x, w), b)

        h = tf.nn.max_pool2d(tf.tanh(conv(X, 5, 1, 20, "conv1")), 2, 2, "VALID")
        h = tf.nn.max_pool2d(tf.tanh(conv(h, 5, 20, 50, "conv2")), 2, 2, "VALID")
        h = tf.reshape(h, [-1, 800])
        h = tf.tanh(dense(h, 800, 500, "fc1"))
        logits = dense(h, 500, 10, "output")
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        train = tf1.train.MomentumOptimizer(0.01, 0.9).minimize(loss)
        init = tf1.global_variables_initializer()
    config = tf1.ConfigProto(intra_op_parallelism_threads=threads, inter_op_parallelism_threads=1)
    sess = tf1.Session(graph=g, config=config)
    sess.run(init)
    feed = {X: np.random.rand(batch, 28, 28, 1).astype(np.float32), y: np.arange(batch) % 10}
    return time_steps(lambda: sess.run([train, loss], feed), steps), tf.__version__


def dl_step_ms(binary, threads, batch):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run([binary, "--benchmark_filter=BM_LeNetTrainStep/batch:%d/remapping:1/" % batch,
                          "--benchmark_format=json", "--benchmark_repetitions=5",
                          "--benchmark_report_aggregates_only=true"],
                         env=env, check=True, capture_output=True, text=True).stdout
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") == "median":
            return b["real_time"]  # milliseconds (the benchmark's unit)
    raise RuntimeError("BM_LeNetTrainStep median not found")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dl-bench", default="build/bench/dl_bench")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--batch", type=int, default=64)
    args = ap.parse_args()
    if args.batch != 64:
        sys.exit("dl's benchmark is registered for batch 64 only")
    dl_ms = dl_step_ms(args.dl_bench, args.threads, args.batch)
    torch_ms, torch_v = torch_step_ms(args.threads, args.steps, args.batch)
    tf_ms, tf_v = tf_step_ms(args.threads, args.steps, args.batch)
    print("LeNet-5 training step, batch %d, %d threads (median)" % (args.batch, args.threads))
    print("  dl                   %8.3f ms" % dl_ms)
    print("  PyTorch %-12s %8.3f ms   dl/PyTorch    = %.2f" % (torch_v, torch_ms, dl_ms / torch_ms))
    print("  TensorFlow %-9s %8.3f ms   dl/TensorFlow = %.2f" % (tf_v, tf_ms, dl_ms / tf_ms))
    print(json.dumps({"batch": args.batch, "threads": args.threads, "dl_ms": dl_ms,
                      "torch_ms": torch_ms, "tf_ms": tf_ms, "torch": torch_v, "tensorflow": tf_v,
                      "dl_over_torch": dl_ms / torch_ms, "dl_over_tf": dl_ms / tf_ms}))


if __name__ == "__main__":
    main()
