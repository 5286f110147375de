"""db-benchmark's group-by q1-q5 over CSV part files (examples/gen_groupby.rs writes
them), in one compute, printing the same lines as examples/groupby.rs.

    python benches/compare/groupby.py 'DIR/*.csv' [WORKERS] [dask|duckdb]
"""
import resource
import sys
import time


def sums(df):
    cols = [c for c in df.columns if str(df[c].dtype).startswith(("int", "float", "Int", "Float"))]
    return " ".join(f"{c}={float(df[c].sum()):.6f}" for c in cols)


def with_dask(pattern, workers):
    import dask
    import dask.dataframe as dd

    dask.config.set(scheduler="threads", num_workers=workers)
    x = dd.read_csv(pattern)
    qs = {
        "q1": x.groupby("id1").agg({"v1": "sum"}),
        "q2": x.groupby(["id1", "id2"]).agg({"v1": "sum"}),
        "q3": x.groupby("id3").agg({"v1": "sum", "v3": "mean"}),
        "q4": x.groupby("id4").agg({"v1": "mean", "v2": "mean", "v3": "mean"}),
        "q5": x.groupby("id6").agg({"v1": "sum", "v2": "sum", "v3": "sum"}),
    }
    out = dask.compute(*qs.values())
    return {q: df.reset_index() for q, df in zip(qs, out)}


def with_duckdb(pattern, workers):
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
    }
    return {q: con.execute(sql).df() for q, sql in qs.items()}


def main():
    pattern = sys.argv[1]
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    engine = sys.argv[3] if len(sys.argv) > 3 else "dask"
    t0 = time.time()
    answers = (with_duckdb if engine == "duckdb" else with_dask)(pattern, workers)
    secs = time.time() - t0
    for q, df in answers.items():
        print(f"{q} rows={len(df)} {sums(df)}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"engine={engine} workers={workers} secs={secs:.3f} peak_rss_mb={peak:.1f}")


if __name__ == "__main__":
    main()
