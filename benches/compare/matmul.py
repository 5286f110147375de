"""The blocked matrix product of examples/matmul.rs with numpy (one matmul, its BLAS on
THREADS threads) and Dask (threads scheduler, CHUNK x CHUNK blocks). Times the product
alone, after both inputs are generated and in memory.

    python benches/compare/matmul.py [N] [CHUNK] [THREADS] [numpy|dask]
"""
import os
import resource
import sys
import time

threads = sys.argv[3] if len(sys.argv) > 3 else "2"
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = threads

import numpy as np  # noqa: E402


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    chunk = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    which = sys.argv[4] if len(sys.argv) > 4 else "numpy"
    rng = np.random.default_rng(1)
    a = rng.standard_normal((n, n))
    b = rng.standard_normal((n, n))
    if which == "dask":
        import dask
        import dask.array as da

        dask.config.set(scheduler="threads", num_workers=int(threads))
        x = da.from_array(a, chunks=(chunk, chunk)).persist()
        y = da.from_array(b, chunks=(chunk, chunk)).persist()
        t0 = time.time()
        c = (x @ y).persist()
        secs = time.time() - t0
        rows = c.sum(axis=1).compute()
    else:
        t0 = time.time()
        c = a @ b
        secs = time.time() - t0
        rows = c.sum(axis=1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gflops = 2.0 * n**3 / secs / 1e9
    print(
        f"engine={which} n={n} chunk={chunk} threads={threads} secs={secs:.3f} "
        f"gflops={gflops:.1f} peak_rss_mb={peak:.1f} mean_abs_row_sum={np.abs(rows).mean():.6f}"
    )


if __name__ == "__main__":
    main()
