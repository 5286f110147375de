"""The window functions of examples/window.rs with a peer: over G1 CSV files, a running
sum of v1 within each id3 group and v3 less its group's mean, in the files' row order;
then the same sums as the example's summary line, secs and peak_rss_mb.

    python benches/compare/window.py 'DIR/*.csv' [WORKERS] [dask|polars] [groups|frame]

`frame`: a running sum of v1 over the whole frame and a moving mean of v3 over three
rows instead (examples/window.rs with `frame`).
"""
import os
import resource
import sys
import time


def main():
    pattern = sys.argv[1]
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    engine = sys.argv[3] if len(sys.argv) > 3 else "dask"
    frame = len(sys.argv) > 4 and sys.argv[4] == "frame"
    os.environ.setdefault("POLARS_MAX_THREADS", str(workers))
    t0 = time.time()
    if frame and engine == "dask":
        import dask
        import dask.dataframe as dd

        dask.config.set(scheduler="threads", num_workers=workers)
        df = dd.read_csv(pattern, usecols=["v1", "v3"])
        rows, v1_cumsum, v3_abs = dask.compute(
            df.v1.size,
            df.v1.cumsum().sum(),
            # `df.v3.rolling(3)` refuses a frame without known divisions (read_csv's):
            # map_overlap is what Dask's rolling runs.
            df.v3.map_overlap(lambda s: s.rolling(3).mean(), 2, 0, meta=("v3", "f8")).abs().sum(),
        )
    elif frame:
        import polars as pl

        out = (
            pl.scan_csv(pattern)
            .select(
                pl.col("v1").cum_sum().alias("v1_cumsum"),
                pl.col("v3").rolling_mean(3).abs().alias("c"),
            )
            .select(pl.len().alias("rows"), pl.col("v1_cumsum").sum(), pl.col("c").sum())
            .collect()
        )
        rows, v1_cumsum, v3_abs = out.row(0)
    elif engine == "dask":
        import dask
        import dask.dataframe as dd

        dask.config.set(scheduler="threads", num_workers=workers)
        df = dd.read_csv(pattern, usecols=["id3", "v1", "v3"])
        g = df.groupby("id3")
        run = g.v1.cumsum()
        # Not `df.v3 - g.v3.transform("mean")`: on a frame from read_csv, whose index
        # starts again in every partition, that gave another sum (250464028.407 on
        # G1 1e7, against 248304089.391 from polars and chunkwise); the group means
        # merged back on the key give polars' answer (G1 has no missing id3, which the
        # merge would drop).
        means = g.v3.mean().rename("m").to_frame()
        joined = df.merge(means, left_on="id3", right_index=True)
        centered = (joined.v3 - joined.m).abs()
        rows, v1_cumsum, v3_abs = dask.compute(df.v1.size, run.sum(), centered.sum())
    else:
        import polars as pl

        out = (
            pl.scan_csv(pattern)
            .select(
                pl.col("v1").cum_sum().over("id3").alias("v1_cumsum"),
                (pl.col("v3") - pl.col("v3").mean().over("id3")).abs().alias("c"),
            )
            .select(pl.len().alias("rows"), pl.col("v1_cumsum").sum(), pl.col("c").sum())
            .collect()
        )
        rows, v1_cumsum, v3_abs = out.row(0)
    secs = time.time() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"engine={engine} workers={workers} rows={rows} v1_cumsum={int(v1_cumsum)} "
        f"{'v3_mean3' if frame else 'v3_centered'}_abs={v3_abs:.3f} secs={secs:.3f} peak_rss_mb={peak:.1f}"
    )


if __name__ == "__main__":
    main()
