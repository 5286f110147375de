"""numpy's side of the .npy step of examples/out_of_core.rs: an N x N standard-normal
f64 array saved with np.save and loaded back with np.load and summed (in memory; numpy
has no budget), then summed by Dask in CHUNK x CHUNK chunks of the file memory-mapped
(`np.load(mmap_mode="r")`, as Dask's docs suggest for one .npy file). Times each.

    python benches/compare/npy.py [N] [DIR] [CHUNK]
"""
import os
import resource
import sys
import time

import dask.array as da
import numpy as np


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    d = sys.argv[2] if len(sys.argv) > 2 else "/tmp"
    c = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    path = os.path.join(d, "npy-compare.npy")
    a = np.random.default_rng(42).standard_normal((n, n))
    t0 = time.time()
    np.save(path, a)
    write = time.time() - t0
    del a
    t0 = time.time()
    s = np.load(path).sum()
    read = time.time() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.time()
    tiles = da.from_array(np.load(path, mmap_mode="r"), chunks=(c, c)).sum().compute()
    tile_read = time.time() - t0
    os.remove(path)
    print(
        f"engine=numpy n={n} npy_write_secs={write:.2f} npy_read_secs={read:.2f} peak_rss_mb={peak:.1f} "
        f"dask_mmap_tile_read_secs={tile_read:.2f} sum={s:.6f} dask_sum={tiles:.6f}"
    )


if __name__ == "__main__":
    main()
