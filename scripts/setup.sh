#!/usr/bin/env bash
# Installs every system package chunkwise's tests, examples, benches and scripts use, on
# Debian/Ubuntu, in one `apt-get install`. Decides by package name (dpkg's status
# "install ok installed"), never by a file glob: a glob once took the image's
# libclang-cpp14 for libclang-dev, and the mpi build failed on fresh machines.
# Idempotent; prints nothing when nothing is missing.
set -euo pipefail
packages=(
  graphviz        # `dot`: Delayed::visualize to svg/png (tests)
  openmpi-bin     # mpirun: scripts/mpi-test.sh, scripts/slurm-test.sh
  libopenmpi-dev  # mpi.h and libmpi for the `mpi` feature (mpi-sys)
  libclang-dev    # libclang.so for bindgen in mpi-sys's build script
  pkg-config      # mpi-sys finds OpenMPI through it
  lbzip2          # parallel bz2 decoding of CSV inputs (io::compression), S2 benches
  gzip            # Cmd tests and examples (gzip -t), zcat in benches
  time            # /usr/bin/time -f %M for peak memory in BENCHMARKS.md
  slurm-wlm       # scripts/slurm-test.sh: a one-node SLURM on loopback
  munge           # SLURM's authentication
  gridengine-master  # scripts/sge-test.sh: a one-node Son of Grid Engine on loopback
  gridengine-exec    # its execution daemon
  gridengine-client  # qsub, qstat, qconf
  chromium        # headless browser: scripts/dashboard-test.sh opens the dashboard and a report
  python3         # scripts/cdp.py drives it (the DevTools protocol, standard library only)
  python3-venv    # scripts/zarr-test.sh: Python's zarr and numpy from pip in a venv
  g++             # scripts/zarr-test.sh builds the `zarr-blosc` feature (c-blosc's snappy is C++)
)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
need=()
for p in "${packages[@]}"; do
  installed "$p" || need+=("$p")
done
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: please install: ${need[*]}" >&2
  exit 1
fi
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "setup: installing ${need[*]}" >&2
$sudo apt-get update -qq
# Packages must not start their daemons at install (gridengine-master would start a
# qmaster with the install's host names; sge-up.sh starts and stops its own): a
# policy-rc.d that refuses, where the image has none, for the install only.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  trap '$sudo rm -f "$policy"' EXIT
fi
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
