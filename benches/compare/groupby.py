"""db-benchmark's group-by questions q1-q10 over CSV part files (examples/gen_groupby.rs
writes them), printing the same lines as examples/groupby.rs: per question the row
count and the sum of each numeric column, then one summary line.

    python benches/compare/groupby.py 'DIR/*.csv' [WORKERS] [dask|duckdb|polars] [q1,q2,...]

dask: one compute of every question asked (threads); duckdb: SQL over a view of the
CSV files (each query reads them again); polars: the files read eagerly, then each
question. The questions are written as db-benchmark's own solutions write them.
"""
import resource
import sys
import time

ALL = [f"q{i}" for i in range(1, 11)]


def sums(df):
    cols = [c for c in df.columns if str(df[c].dtype).startswith(("int", "float", "Int", "Float", "UInt", "uint"))]
    return " ".join(f"{c}={float(df[c].sum()):.6f}" for c in cols)


def with_dask(pattern, workers, asked):
    import dask
    import dask.dataframe as dd

    dask.config.set(scheduler="threads", num_workers=workers)
    x = dd.read_csv(pattern)
    n = x.npartitions

    def q7():
        d = x.groupby("id3").agg({"v1": "max", "v2": "min"})
        return (d.v1 - d.v2).to_frame("range_v1_v2")

    def q6():
        d = x.groupby(["id4", "id5"]).agg({"v3": ["median", "std"]}, shuffle_method="tasks")
        d.columns = ["median_v3", "sd_v3"]
        return d

    qs = {
        "q1": lambda: x.groupby("id1").agg({"v1": "sum"}),
        "q2": lambda: x.groupby(["id1", "id2"]).agg({"v1": "sum"}),
        "q3": lambda: x.groupby("id3").agg({"v1": "sum", "v3": "mean"}),
        "q4": lambda: x.groupby("id4").agg({"v1": "mean", "v2": "mean", "v3": "mean"}),
        "q5": lambda: x.groupby("id6").agg({"v1": "sum", "v2": "sum", "v3": "sum"}),
        "q6": q6,
        "q7": q7,
        "q10": lambda: x.groupby(["id1", "id2", "id3", "id4", "id5", "id6"]).agg(
            {"v3": "sum", "v1": "count"}, split_out=n
        ).rename(columns={"v1": "count"}),
    }
    missing = [q for q in asked if q not in qs]
    if missing:
        raise SystemExit(f"dask: {missing} not written here (top-k and corr per group need apply)")
    out = dask.compute(*[qs[q]() for q in asked])
    return {q: df.reset_index() for q, df in zip(asked, out)}


def with_duckdb(pattern, workers, asked):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads={workers}")
    con.execute(f"CREATE VIEW x AS SELECT * FROM read_csv_auto('{pattern}')")
    qs = {
        "q1": "SELECT id1, sum(v1) AS v1 FROM x GROUP BY id1",
        "q2": "SELECT id1, id2, sum(v1) AS v1 FROM x GROUP BY id1, id2",
        "q3": "SELECT id3, sum(v1) AS v1, avg(v3) AS v3 FROM x GROUP BY id3",
        "q4": "SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM x GROUP BY id4",
        "q5": "SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM x GROUP BY id6",
        "q6": "SELECT id4, id5, median(v3) AS median_v3, stddev(v3) AS sd_v3 FROM x GROUP BY id4, id5",
        "q7": "SELECT id3, max(v1) - min(v2) AS range_v1_v2 FROM x GROUP BY id3",
        "q8": "SELECT id6, largest2_v3 FROM (SELECT id6, v3 AS largest2_v3, row_number() OVER "
        "(PARTITION BY id6 ORDER BY v3 DESC) AS order_v3 FROM x WHERE v3 IS NOT NULL) s WHERE order_v3 <= 2",
        "q9": "SELECT id2, id4, pow(corr(v1, v2), 2) AS r2 FROM x GROUP BY id2, id4",
        "q10": "SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS count FROM x "
        "GROUP BY id1, id2, id3, id4, id5, id6",
    }
    return {q: con.execute(qs[q]).df() for q in asked}


def with_polars(pattern, workers, asked, lazy=False):
    """Eager: the files read, then each question. Lazy: one `collect_all` of every
    question over `scan_csv`, the scan shared (polars' common-subplan elimination)."""
    import os

    os.environ["POLARS_MAX_THREADS"] = str(workers)
    import polars as pl

    x = pl.scan_csv(pattern) if lazy else pl.read_csv(pattern)
    qs = {
        "q1": lambda: x.group_by("id1").agg(pl.sum("v1")),
        "q2": lambda: x.group_by("id1", "id2").agg(pl.sum("v1")),
        "q3": lambda: x.group_by("id3").agg(pl.sum("v1"), pl.mean("v3")),
        "q4": lambda: x.group_by("id4").agg(pl.mean("v1"), pl.mean("v2"), pl.mean("v3")),
        "q5": lambda: x.group_by("id6").agg(pl.sum("v1"), pl.sum("v2"), pl.sum("v3")),
        "q6": lambda: x.group_by("id4", "id5").agg(
            pl.median("v3").alias("median_v3"), pl.std("v3").alias("sd_v3")
        ),
        "q7": lambda: x.group_by("id3").agg((pl.max("v1") - pl.min("v2")).alias("range_v1_v2")),
        "q8": lambda: x.drop_nulls("v3")
        .group_by("id6")
        .agg(pl.col("v3").top_k(2).alias("largest2_v3"))
        .explode("largest2_v3"),
        "q9": lambda: x.group_by("id2", "id4").agg((pl.corr("v1", "v2") ** 2).alias("r2")),
        "q10": lambda: x.group_by("id1", "id2", "id3", "id4", "id5", "id6").agg(
            pl.sum("v3").alias("v3"), pl.count("v1").alias("count")
        ),
    }
    if lazy:
        # POLARS_ENGINE: auto (polars' default), streaming or in-memory.
        engine = os.environ.get("POLARS_ENGINE", "auto")
        return dict(zip(asked, pl.collect_all([qs[q]() for q in asked], engine=engine)))
    return {q: qs[q]() for q in asked}


def main():
    pattern = sys.argv[1]
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    engine = sys.argv[3] if len(sys.argv) > 3 else "dask"
    asked = sys.argv[4].split(",") if len(sys.argv) > 4 else ALL
    run = {
        "dask": with_dask,
        "duckdb": with_duckdb,
        "polars": with_polars,
        "polars-lazy": lambda p, w, a: with_polars(p, w, a, lazy=True),
    }[engine]
    t0 = time.time()
    answers = run(pattern, workers, asked)
    secs = time.time() - t0
    for q, df in answers.items():
        print(f"{q} rows={len(df)} {sums(df)}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"engine={engine} workers={workers} secs={secs:.3f} peak_rss_mb={peak:.1f}")


if __name__ == "__main__":
    main()
