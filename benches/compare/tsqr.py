"""The tall-and-skinny QR of examples/tsqr.rs with numpy (one np.linalg.qr, its LAPACK
on THREADS threads) and Dask (da.linalg.tsqr on the threads scheduler, CHUNK-row
blocks). Times the factorization with Q's column norms and R, after the input is
generated and in memory. The data are uniform on [0, 1) from numpy's generator (not
chunkwise's streams): compare times and |diag R| to a few digits, not bits.

    python benches/compare/tsqr.py [M] [N] [CHUNK] [THREADS] [numpy|dask]
"""
import os
import resource
import sys
import time

threads = sys.argv[4] if len(sys.argv) > 4 else "2"
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = threads

import numpy as np  # noqa: E402


def main():
    m = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    chunk = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
    which = sys.argv[5] if len(sys.argv) > 5 else "numpy"
    a = np.random.default_rng(1).random((m, n))
    if which == "dask":
        import dask
        import dask.array as da

        dask.config.set(scheduler="threads", num_workers=int(threads))
        x = da.from_array(a, chunks=(chunk, n)).persist()
        del a
        t0 = time.time()
        q, r = da.linalg.tsqr(x)
        norms, r = dask.compute((q * q).sum(axis=0), r)
        secs = time.time() - t0
    else:
        t0 = time.time()
        q, r = np.linalg.qr(a)
        norms = (q * q).sum(axis=0)
        secs = time.time() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    err = np.abs(np.sqrt(norms) - 1).max()
    print(
        f"engine={which} m={m} n={n} chunk={chunk} threads={threads} secs={secs:.3f} "
        f"peak_rss_mb={peak:.1f} q_norm_err={err:.2e} abs_diag_r_sum={np.abs(np.diag(r)).sum():.6f}"
    )


if __name__ == "__main__":
    main()
