"""LeNet-5 of seed 001 in PyTorch: the accuracy and speed reference for docs/examples/lenet_graph.

Same network, initialisation and schedule as the graph-tier example: conv 20@5x5 tanh, max-pool
2, conv 50@5x5 tanh, max-pool 2, dense 500 tanh, dense 10; weights glorot-uniform and biases zero
(tf.layers' defaults), SGD momentum 0.9 at lr 0.01 (TF's MomentumOptimizer update, which equals
PyTorch's SGD with dampening 0), mean sparse softmax cross-entropy, batch 64, inputs scaled to
[0, 1], one shuffle per epoch with numpy seed `--seed`, the last partial batch kept.

Usage: python lenet_torch.py [--epochs 2] [--threads 2] [--seed 0] [--steps N]
Prints one JSON line: {"framework": "pytorch", "test_accuracy": ..., "epoch_seconds": [...],
"step_ms": ...}.
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn as nn

import fashion_mnist


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)
        self.conv2 = nn.Conv2d(20, 50, 5)
        self.fc1 = nn.Linear(50 * 4 * 4, 500)
        self.fc2 = nn.Linear(500, 10)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = torch.max_pool2d(torch.tanh(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.tanh(self.conv2(x)), 2)
        # NHWC flatten order, as the graph tier's reshape of an NHWC tensor
        x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
        x = torch.tanh(self.fc1(x))
        return self.fc2(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=0, help="stop each epoch after N steps (0 = all)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.RandomState(args.seed)
    (xtr, ytr), (xte, yte) = fashion_mnist.load()
    xtr = torch.from_numpy(xtr.astype(np.float32)[:, None] / 255.0)
    ytr = torch.from_numpy(ytr.astype(np.int64))
    xte = torch.from_numpy(xte.astype(np.float32)[:, None] / 255.0)
    yte = torch.from_numpy(yte.astype(np.int64))
    model = LeNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    epoch_seconds, step_times = [], []
    for _ in range(args.epochs):
        perm = torch.from_numpy(rng.permutation(len(xtr)))
        t0 = time.perf_counter()
        for step, i in enumerate(range(0, len(xtr), 64)):
            if args.steps and step >= args.steps:
                break
            idx = perm[i:i + 64]
            s0 = time.perf_counter()
            opt.zero_grad()
            loss = loss_fn(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
            step_times.append(time.perf_counter() - s0)
        epoch_seconds.append(time.perf_counter() - t0)
    with torch.no_grad():
        correct = sum(int((model(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum())
                      for i in range(0, len(xte), 1000))
    steady = sorted(step_times[10:] or step_times)
    print(json.dumps({"framework": "pytorch", "torch": torch.__version__,
                      "test_accuracy": correct / len(xte), "epoch_seconds": epoch_seconds,
                      "step_ms": 1000 * steady[len(steady) // 2], "threads": args.threads}))


if __name__ == "__main__":
    main()
