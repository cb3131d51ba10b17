#!/usr/bin/env bash
# Set up, build, and run every test (unit tests, then the documentation examples on a short
# schedule, registered in CTest too).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
cd build
ctest --output-on-failure -j 2 --timeout 900
