"""S2's query on Parquet: max DepDelay, the row count, and mean DepDelay by Dest of UA
flights from SFO, in one compute, with Dask (read_parquet, whose default splits large
files by row groups) or polars (lazy, collect_all).

    python benches/compare/airline_parquet.py GLOB [WORKERS] [dask|polars] [YEAR]

YEAR: over the flights of that year only (a filter straight after the read, as
`examples/airline.rs --year`).
"""
import os
import resource
import sys
import time


def main():
    pattern = sys.argv[1]
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    engine = sys.argv[3] if len(sys.argv) > 3 else "dask"
    year = int(sys.argv[4]) if len(sys.argv) > 4 else None
    os.environ["POLARS_MAX_THREADS"] = str(workers)
    t0 = time.time()
    if engine == "dask":
        import dask
        import dask.dataframe as ddf

        dask.config.set(scheduler="threads", num_workers=workers)
        air = ddf.read_parquet(pattern)
        if year is not None:
            air = air[air.Year == year]
        sub = air[(air.UniqueCarrier == "UA") & (air.Origin == "SFO")]
        mx, rows, by_dest = dask.compute(air.DepDelay.max(), air.shape[0], sub.groupby("Dest").DepDelay.mean())
        parts = air.npartitions
    else:
        import polars as pl

        air = pl.scan_parquet(pattern)
        if year is not None:
            air = air.filter(pl.col("Year") == year)
        sub = air.filter((pl.col("UniqueCarrier") == "UA") & (pl.col("Origin") == "SFO"))
        a, b, c = pl.collect_all([
            air.select(pl.col("DepDelay").max()),
            air.select(pl.len()),
            sub.group_by("Dest").agg(pl.col("DepDelay").mean()),
        ])
        mx, rows, by_dest, parts = a.item(), b.item(), c, 0
    secs = time.time() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"engine={engine} partitions={parts} rows={rows} max_dep_delay={mx} groups={len(by_dest)} workers={workers} secs={secs:.3f} peak_rss_mb={peak:.1f}")


if __name__ == "__main__":
    main()
