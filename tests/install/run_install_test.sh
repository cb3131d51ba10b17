#!/usr/bin/env bash
# Installs dl from the build tree into a temporary prefix, builds tests/install against it with
# find_package(dl), and runs the result.
set -euo pipefail
build_dir=$1
src_dir=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build_dir" --prefix "$tmp/prefix" >/dev/null
cmake -S "$src_dir" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$tmp/build" -j 2 >/dev/null
"$tmp/build/consumer"
"$tmp/build/keras_consumer"
echo "find_package(dl) consumer built and ran"
