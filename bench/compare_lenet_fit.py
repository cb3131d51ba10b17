"""Training epochs of seed 001's LeNet in dl's Keras tier, dl's graph tier, Keras 3 (TensorFlow
backend) and PyTorch, in one run on the same machine and thread count; prints the epoch times,
the ratios and the test accuracies.

The four programs train the same network on all of Fashion-MNIST (60,000 training images, batch
64, the last partial batch kept, reshuffled every epoch) and then evaluate on the 10,000 test
images:
  - dl Keras tier: build/docs/examples/lenet_keras (Sequential, softmax + categorical
    cross-entropy, SGD(0.01, momentum 0.9)); its reference is Keras 3 itself;
  - dl graph tier: build/docs/examples/lenet_graph (tf.layers style, sparse softmax
    cross-entropy on the logits, MomentumOptimizer(0.01, 0.9)); its reference is PyTorch;
  - Keras 3: bench/peers/lenet_keras3.py, the Keras model of lenet_keras.cpp;
  - PyTorch: bench/peers/lenet_torch.py, the graph example's network, init and schedule.
They run one after another as subprocesses, each with OMP_NUM_THREADS=<threads> and its own
thread setting at <threads> (dl's default is both cores; torch.set_num_threads; TensorFlow
intra-op <threads>, inter-op 1).

Epoch times: lenet_graph, lenet_keras3.py and lenet_torch.py report each epoch's wall time
themselves. lenet_keras reports only its total, so this script runs it with --verbose 2 through
a line-buffered pipe (stdbuf -oL) and times each epoch from the arrival of its "Epoch k/N" line
(printed and flushed when the epoch begins) to the arrival of its "steps/steps - ..." line
(printed when it ends). With 2 or more epochs, the ratios use the second epoch's time: the first
includes warm-up (plans, oneDNN primitives, TensorFlow's tracing). Because a program's second
epoch is not always its fastest, the script also prints the same ratios on each program's
fastest epoch. With --repeats R the four programs run R times in turn and the table shows the
median of each figure.

Usage: /path/to/venv/bin/python bench/compare_lenet_fit.py [--build build] [--epochs 2]
       [--threads 2] [--repeats 1] [--steps N]
(--steps N trains on N batches per epoch, for a quick check only; the reported figures use the
default, all of the data.) Needs torch, tensorflow-cpu and keras 3 in the Python environment
(the library never does).
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "peers")


def last_json(text, what):
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError("%s printed no JSON line:\n%s" % (what, text[-2000:]))


def child_env(threads):
    return dict(os.environ, OMP_NUM_THREADS=str(threads), TF_CPP_MIN_LOG_LEVEL="2")


def run_plain(cmd, threads, what):
    proc = subprocess.run(cmd, env=child_env(threads), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s\n%s" % (what, proc.returncode,
                                                        proc.stdout[-2000:], proc.stderr[-2000:]))
    return last_json(proc.stdout, what)


def run_dl_keras(build, epochs, threads, steps):
    """lenet_keras with each epoch timed from its progress lines (see the module docstring)."""
    cmd = [os.path.join(build, "docs", "examples", "lenet_keras"), "--epochs", str(epochs),
           "--verbose", "2"]
    if steps:
        cmd += ["--steps", str(steps)]
    if shutil.which("stdbuf"):
        cmd = ["stdbuf", "-oL"] + cmd
    proc = subprocess.Popen(cmd, env=child_env(threads), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, bufsize=1)
    begin_re = re.compile(r"^Epoch (\d+)/(\d+)$")
    end_re = re.compile(r"^\s*(\d+)/(\d+) - .*?(\d+(?:\.\d+)?)(ms|us|s)/step")
    lines, epoch_seconds, ms_per_step = [], [], []
    t_begin = None
    for line in proc.stdout:
        now = time.perf_counter()
        lines.append(line)
        line = line.rstrip("\n")
        if begin_re.match(line):
            t_begin = now
        elif t_begin is not None and (m := end_re.match(line)):
            epoch_seconds.append(now - t_begin)
            scale = {"s": 1e3, "ms": 1.0, "us": 1e-3}[m.group(4)]
            ms_per_step.append(float(m.group(3)) * scale)
            t_begin = None
    stderr = proc.stderr.read()
    if proc.wait() != 0:
        raise RuntimeError("lenet_keras failed (%d):\n%s\n%s" % (proc.returncode,
                                                                  "".join(lines)[-2000:], stderr))
    out = last_json("".join(lines), "lenet_keras")
    if len(epoch_seconds) != epochs:
        raise RuntimeError("lenet_keras: timed %d of %d epochs from its output:\n%s"
                           % (len(epoch_seconds), epochs, "".join(lines)[-2000:]))
    out["epoch_seconds"] = epoch_seconds
    out["progbar_ms_per_step"] = ms_per_step
    return out


def run_all(args):
    py = sys.executable
    steps = ["--steps", str(args.steps)] if args.steps else []
    res = {}
    res["dl_keras"] = run_dl_keras(args.build, args.epochs, args.threads, args.steps)
    res["dl_graph"] = run_plain([os.path.join(args.build, "docs", "examples", "lenet_graph"),
                                 "--epochs", str(args.epochs)] + steps,
                                args.threads, "lenet_graph")
    res["keras3"] = run_plain([py, os.path.join(PEERS, "lenet_keras3.py"), "--epochs",
                               str(args.epochs), "--threads", str(args.threads)] + steps,
                              args.threads, "lenet_keras3.py")
    res["pytorch"] = run_plain([py, os.path.join(PEERS, "lenet_torch.py"), "--epochs",
                                str(args.epochs), "--threads", str(args.threads)] + steps,
                               args.threads, "lenet_torch.py")
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--steps", type=int, default=0,
                    help="batches per epoch, for a quick check (0 = all of the data)")
    args = ap.parse_args()

    runs = []
    for r in range(args.repeats):
        runs.append(run_all(args))
        print("run %d/%d done" % (r + 1, args.repeats), file=sys.stderr, flush=True)

    # The epoch used for the ratios: the second when there are several (the first warms up).
    used = 1 if args.epochs >= 2 else 0
    names = ["dl_keras", "dl_graph", "keras3", "pytorch"]
    med_epoch = {n: statistics.median(run[n]["epoch_seconds"][used] for run in runs)
                 for n in names}
    med_fast = {n: statistics.median(min(run[n]["epoch_seconds"]) for run in runs) for n in names}
    med_acc = {n: statistics.median(run[n]["test_accuracy"] for run in runs) for n in names}
    first = runs[0]
    labels = {
        "dl_keras": "dl Keras tier",
        "dl_graph": "dl graph tier",
        "keras3": "Keras %s (TF %s)" % (first["keras3"].get("keras", "?"),
                                        first["keras3"].get("tensorflow", "?")),
        "pytorch": "PyTorch %s" % first["pytorch"].get("torch", "?"),
    }
    print("LeNet-5 (seed 001) on Fashion-MNIST, batch 64, %d epoch(s)%s, %d threads, %d run(s)"
          % (args.epochs, "" if not args.steps else " of %d steps" % args.steps, args.threads,
             args.repeats))
    print("epoch time used for the ratios: epoch %d%s; figures are medians over the runs"
          % (used + 1, " (epoch 1 includes warm-up)" if used else ""))
    print("  %-26s %-22s %10s %9s %9s" % ("framework", "epoch seconds (run 1)", "epoch %d s" %
                                          (used + 1), "fastest s", "test acc"))
    for n in names:
        secs = ", ".join("%.2f" % s for s in first[n]["epoch_seconds"])
        print("  %-26s %-22s %10.2f %9.2f %9.4f" % (labels[n], secs, med_epoch[n], med_fast[n],
                                                    med_acc[n]))
    ratios = {
        "dl_keras_over_keras3": med_epoch["dl_keras"] / med_epoch["keras3"],
        "dl_keras_over_pytorch": med_epoch["dl_keras"] / med_epoch["pytorch"],
        "dl_keras_over_dl_graph": med_epoch["dl_keras"] / med_epoch["dl_graph"],
        "dl_graph_over_pytorch": med_epoch["dl_graph"] / med_epoch["pytorch"],
    }
    fastest_ratios = {
        "dl_keras_over_keras3": med_fast["dl_keras"] / med_fast["keras3"],
        "dl_keras_over_pytorch": med_fast["dl_keras"] / med_fast["pytorch"],
        "dl_keras_over_dl_graph": med_fast["dl_keras"] / med_fast["dl_graph"],
        "dl_graph_over_pytorch": med_fast["dl_graph"] / med_fast["pytorch"],
    }
    diffs = {
        "dl_keras_minus_keras3_points": 100 * (med_acc["dl_keras"] - med_acc["keras3"]),
        "dl_graph_minus_pytorch_points": 100 * (med_acc["dl_graph"] - med_acc["pytorch"]),
    }
    print("epoch-time ratios:              epoch %d   fastest epoch" % (used + 1))
    for key, text, target in [("dl_keras_over_keras3", "dl Keras tier / Keras 3      ", "<= 0.5"),
                              ("dl_keras_over_pytorch", "dl Keras tier / PyTorch      ", ""),
                              ("dl_keras_over_dl_graph", "dl Keras tier / dl graph tier", ""),
                              ("dl_graph_over_pytorch", "dl graph tier / PyTorch      ", "")]:
        print(("  %s  %7.3f  %7.3f   %s" % (text, ratios[key], fastest_ratios[key],
                                           "(target %s)" % target if target else "")).rstrip())
    print("test accuracy differences:")
    print("  dl Keras tier - Keras 3       = %+.2f points   (target within 1)"
          % diffs["dl_keras_minus_keras3_points"])
    print("  dl graph tier - PyTorch       = %+.2f points   (target within 1)"
          % diffs["dl_graph_minus_pytorch_points"])
    print(json.dumps({"epochs": args.epochs, "steps": args.steps, "threads": args.threads,
                      "repeats": args.repeats, "ratio_epoch": used + 1,
                      "median_epoch_seconds": med_epoch, "median_fastest_epoch_seconds": med_fast,
                      "median_test_accuracy": med_acc, "ratios": ratios,
                      "fastest_epoch_ratios": fastest_ratios, "accuracy_differences": diffs,
                      "runs": runs}))


if __name__ == "__main__":
    main()
