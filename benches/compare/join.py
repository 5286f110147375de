"""db-benchmark's join questions q1-q5 over the CSV files examples/gen_join.rs writes,
printing the same lines as examples/join.rs: per question the answer's row count and
the sum of each numeric column (left columns, then the right's non-key columns with
clashing names suffixed `_right`), then one summary line.

    python benches/compare/join.py DIR [WORKERS] [dask|polars|duckdb] [q1,q2,...]

dask: `merge` of each question, row counts and column sums in one compute (threads);
polars: the lazy engine, all questions in one `collect_all`; duckdb: SQL over views of
the CSV files.
"""
import os
import resource
import sys
import time

ALL = ["q1", "q2", "q3", "q4", "q5"]
# (right table, key, how)
QUESTIONS = {
    "q1": ("small", "id1", "inner"),
    "q2": ("medium", "id2", "inner"),
    "q3": ("medium", "id2", "left"),
    "q4": ("medium", "id5", "inner"),
    "q5": ("big", "id3", "inner"),
}
FILES = {"x": "x_part*.csv", "small": "small.csv", "medium": "medium.csv", "big": "big_part*.csv"}


def numeric(dtype):
    return str(dtype).lower().startswith(("int", "float", "uint"))


def with_dask(d, workers, asked):
    import dask
    import dask.dataframe as dd

    dask.config.set(scheduler="threads", num_workers=workers)
    t = {k: dd.read_csv(f"{d}/{v}") for k, v in FILES.items()}
    lazy = []
    for q in asked:
        right, on, how = QUESTIONS[q]
        a = t["x"].merge(t[right], on=on, how=how, suffixes=("", "_right"))
        cols = [c for c in a.columns if numeric(a[c].dtype)]
        lazy.append((cols, a.shape[0], [a[c].sum() for c in cols]))
    out = dask.compute(*[(n, s) for _, n, s in lazy])
    return [(cols, n, s) for (cols, _, _), (n, s) in zip(lazy, out)]


def with_polars(d, workers, asked):
    import polars as pl

    t = {k: pl.scan_csv(f"{d}/{v}") for k, v in FILES.items()}
    plans, names = [], []
    for q in asked:
        right, on, how = QUESTIONS[q]
        a = t["x"].join(t[right], on=on, how=how)
        schema = a.collect_schema()
        cols = [c for c, dt in schema.items() if numeric(dt)]
        names.append(cols)
        plans.append(a.select([pl.len().alias("__rows")] + [pl.col(c).sum() for c in cols]))
    out = pl.collect_all(plans)
    return [(cols, df["__rows"][0], [df[c][0] for c in cols]) for cols, df in zip(names, out)]


def with_duckdb(d, workers, asked):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads={workers}")
    for k, v in FILES.items():
        con.execute(f"CREATE VIEW {k} AS SELECT * FROM read_csv_auto('{d}/{v}')")
    res = []
    for q in asked:
        right, on, how = QUESTIONS[q]
        xcols = [r[0] for r in con.execute("DESCRIBE x").fetchall()]
        rcols = [(r[0], r[1]) for r in con.execute(f"DESCRIBE {right}").fetchall()]
        sel = [f"x.{c} AS {c}" for c in xcols] + [
            f"{right}.{c} AS {c}_right" if c in xcols else f"{right}.{c} AS {c}" for c, _ in rcols if c != on
        ]
        join = "JOIN" if how == "inner" else "LEFT JOIN"
        con.execute(f"CREATE OR REPLACE TEMP VIEW a AS SELECT {', '.join(sel)} FROM x {join} {right} USING ({on})")
        types = dict((r[0], r[1]) for r in con.execute("DESCRIBE a").fetchall())
        cols = [c for c in types if types[c].startswith(("BIGINT", "INTEGER", "DOUBLE"))]
        row = con.execute(f"SELECT count(*), {', '.join(f'sum({c})' for c in cols)} FROM a").fetchone()
        res.append((cols, row[0], list(row[1:])))
    return res


def main():
    d = sys.argv[1]
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    engine = sys.argv[3] if len(sys.argv) > 3 else "dask"
    asked = sys.argv[4].split(",") if len(sys.argv) > 4 else ALL
    os.environ.setdefault("POLARS_MAX_THREADS", str(workers))
    t0 = time.time()
    run = {"dask": with_dask, "polars": with_polars, "duckdb": with_duckdb}[engine]
    res = run(d, workers, asked)
    secs = time.time() - t0
    for q, (cols, n, sums) in zip(asked, res):
        print(f"{q} rows={n} " + " ".join(f"{c}={float(s or 0):.6f}" for c, s in zip(cols, sums)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"engine={engine} questions={len(asked)} workers={workers} secs={secs:.3f} peak_rss_mb={peak:.1f}")


if __name__ == "__main__":
    main()
