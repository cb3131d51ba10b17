#!/usr/bin/env bash
# The main job: set up, build, and run the graph-tier example.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
./build/docs/examples/hello_graph "$@"
