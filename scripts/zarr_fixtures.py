"""Writes the Zarr v2 fixtures of tests/it/array_zarr.rs into tests/golden/zarr (run
from the repository root with Python's zarr >= 3 and numcodecs, as scripts/zarr-test.sh
installs them):

    target/zarr-venv/bin/python scripts/zarr_fixtures.py

v2_blosc_lz4.zarr: zarr-python 2's default compressor (Blosc, lz4, byte shuffle);
v2_unknown_codec.zarr: numcodecs' LZMA, which chunkwise (zarrs) cannot decode.
Element i (row-major) of the 7 x 5 x 3 float64 array is (i * 37 % 251) * 0.25 - 10.
"""
import numcodecs
import numpy as np
import zarr

v = (np.arange(105, dtype=np.int64) * 37) % 251
a = (v * 0.25 - 10.0).reshape(7, 5, 3)
for name, compressor in [("v2_blosc_lz4", numcodecs.Blosc()), ("v2_unknown_codec", numcodecs.LZMA())]:
    z = zarr.create_array(f"tests/golden/zarr/{name}.zarr", shape=(7, 5, 3), chunks=(4, 3, 2), dtype="f8", zarr_format=2, compressors=compressor, overwrite=True)
    z[...] = a
