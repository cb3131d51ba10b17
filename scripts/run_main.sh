#!/usr/bin/env bash
# The main job: set up, build, and run parity_check on seed 001 (LeNet-5 written as a Keras
# Sequential model and as a TF1 tf.layers graph, trained on the installed Fashion-MNIST): the
# static diff, the lock-step replay, the ablation against the noise floor and the step-time
# breakdown of both tiers. Extra arguments go to `parity_check run` (e.g. --html report.html).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
./build/tools/parity_check run seed001 "$@"
