#!/usr/bin/env bash
# Installs the Debian packages dl needs, only those that are missing. Non-interactive and
# idempotent: runs apt-get update only when something has to be installed.
set -euo pipefail

# libdnnl-dev only recommends ocl-icd-opencl-dev, but its CMake config (a GPU runtime of OCL)
# refuses to load without OpenCL headers and library.
packages=(
  build-essential cmake ccache pkg-config
  libdnnl-dev ocl-icd-opencl-dev libopenblas-dev zlib1g-dev libjpeg62-turbo-dev libpng-dev
  libfmt-dev libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  dataset-fashion-mnist fortunes fortunes-min
  clang libclang-rt-14-dev
  libhdf5-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
