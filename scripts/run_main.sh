#!/usr/bin/env bash
# The main job: set up, build, and train LeNet-5 (seed 001) in the graph tier on Fashion-MNIST.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
./build/docs/examples/lenet_graph "$@"
