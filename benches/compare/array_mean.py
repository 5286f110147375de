"""S1 with Dask: row means of an N x N standard-normal array in CHUNK x CHUNK chunks,
threads scheduler. Same summary line as examples/array_mean.rs.

    python benches/compare/array_mean.py [N] [CHUNK] [WORKERS] [legacy|rng]

`rng` (default) uses Dask's default_rng (numpy's Generator, the faster sampler);
`legacy` uses da.random.normal as the seed does.
"""
import resource
import sys
import time

import dask
import dask.array as da


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    chunk = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    kind = sys.argv[4] if len(sys.argv) > 4 else "rng"
    dask.config.set(scheduler="threads", num_workers=workers)
    t0 = time.time()
    if kind == "legacy":
        x = da.random.normal(0, 1, size=(n, n), chunks=(chunk, chunk))
    else:
        x = da.random.default_rng(1).standard_normal(size=(n, n), chunks=(chunk, chunk))
    rs = da.mean(x, axis=1).compute()
    secs = time.time() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"row means[0..5] = {rs[:5]}")
    print(f"n={n} chunk={chunk} workers={workers} sampler={kind} secs={secs:.3f} peak_rss_mb={peak:.1f}")


if __name__ == "__main__":
    main()
