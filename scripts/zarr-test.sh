#!/usr/bin/env bash
# Zarr and .npy interop: stores and .npy files chunkwise writes open in Python's zarr
# and numpy with the same values, and those Python writes (Zarr v3 and v2, its default
# codecs; np.save) open in chunkwise, for every element type. Python's zarr and numpy come from pip into a virtual environment.
set -euo pipefail
cd "$(dirname "$0")/.."
# Blosc stores (zarr-python 2's default compressor) need the `zarr-blosc` feature.
cargo build --example zarr_interop --features zarr-blosc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
venv=${ZARR_VENV:-target/zarr-venv}
if ! "$venv/bin/python" -c "import zarr, numpy" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "zarr>=3" numpy
fi
"$venv/bin/python" -c "import zarr; print('zarr-test: python zarr', zarr.__version__)"
target/debug/examples/zarr_interop write "$work/rs"
"$venv/bin/python" scripts/zarr_interop.py check "$work/rs"
for fmt in 3 2; do
  "$venv/bin/python" scripts/zarr_interop.py write "$work/py$fmt" "$fmt"
  target/debug/examples/zarr_interop read "$work/py$fmt"
done
echo "zarr-test: chunkwise -> python and python (zarr v3, v3 sharded, v2, v2 and v3 blosc; npy in C and Fortran order, little- and big-endian; Dask npy stacks) -> chunkwise agree for 8 element types"
