"""What examples/index.rs asks, in Dask: the join tables x and big (examples/gen_join.rs
writes them), x indexed on id3 (`set_index`, which computes the divisions), then in one
compute a 1% range of id3 by `loc` and join q5 (big inner on id3) against the indexed x;
then the same answers from the plain tables (a filter, a hash merge). One summary line.

    python benches/compare/index.py DIR [WORKERS]
"""
import resource
import sys
import time

import dask
import dask.dataframe as dd

d = sys.argv[1]
workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
dask.config.set(scheduler="threads", num_workers=workers)
t0 = time.time()
x = dd.read_csv(f"{d}/x_part*.csv")
big = dd.read_csv(f"{d}/big_part*.csv")
xi = x.set_index("id3")
div = xi.divisions
divisions_secs = time.time() - t0
lo, hi = div[0], div[-1]
a = lo + (hi - lo) * 3 // 10
b = a + (hi - lo) // 100

t1 = time.time()
r = xi.loc[a:b]
q5 = xi.merge(big, left_index=True, right_on="id3", suffixes=("", "_right"))
l0, l1, q0, q1 = dask.compute(r.shape[0], r["v1"].sum(), q5.shape[0], q5["v2"].sum())
index_secs = time.time() - t1

t2 = time.time()
f = x[(x["id3"] >= a) & (x["id3"] <= b)]
h = x.merge(big, on="id3", suffixes=("", "_right"))
f0, f1, h0, h1 = dask.compute(f.shape[0], f["v1"].sum(), h.shape[0], h["v2"].sum())
plain_secs = time.time() - t2
assert (l0, q0) == (f0, h0), ((l0, q0), (f0, h0))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(
    f"engine=dask partitions={xi.npartitions} loc_rows={l0} loc_v1={l1:.6f} q5_rows={q0} q5_v2={q1:.6f} "
    f"divisions_secs={divisions_secs:.3f} index_secs={index_secs:.3f} plain_secs={plain_secs:.3f} "
    f"secs={time.time() - t0:.3f} peak_rss_mb={peak:.1f}"
)
