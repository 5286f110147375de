"""The sort of examples/sort.rs with a peer: CSV files sorted by id2 ascending, then v1
descending, written as Parquet; then the summary line's secs and peak_rss_mb.

    python benches/compare/sort.py 'DIR/x_part*.csv' OUT_DIR [WORKERS] [dask|polars|duckdb]
"""
import os
import resource
import sys
import time


def main():
    pattern, out = sys.argv[1], sys.argv[2]
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    engine = sys.argv[4] if len(sys.argv) > 4 else "dask"
    os.environ.setdefault("POLARS_MAX_THREADS", str(workers))
    os.makedirs(out, exist_ok=True)
    t0 = time.time()
    if engine == "dask":
        import dask
        import dask.dataframe as dd

        dask.config.set(scheduler="threads", num_workers=workers)
        dd.read_csv(pattern).sort_values(["id2", "v1"], ascending=[True, False]).to_parquet(out)
    elif engine == "polars":
        import polars as pl

        pl.scan_csv(pattern).sort(["id2", "v1"], descending=[False, True]).sink_parquet(f"{out}/sorted.parquet")
    else:
        import duckdb

        con = duckdb.connect()
        con.execute(f"SET threads={workers}")
        con.execute(
            f"COPY (SELECT * FROM read_csv_auto('{pattern}') ORDER BY id2, v1 DESC) TO '{out}/sorted.parquet' (FORMAT parquet)"
        )
    secs = time.time() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"engine={engine} workers={workers} secs={secs:.3f} peak_rss_mb={peak:.1f}")


if __name__ == "__main__":
    main()
