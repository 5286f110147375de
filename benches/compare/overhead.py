"""Dask's per-task overhead on the same graph as examples/overhead.rs: a wide fan-in of
TASKS/2 leaves and chains of 1000 increments, threads scheduler.

    python benches/compare/overhead.py [TASKS] [WORKERS]
"""
import sys
import time

import dask


def ident(i):
    return i


def inc(v):
    return v + 1


def total(vs):
    return sum(vs)


def main():
    tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    dask.config.set(scheduler="threads", num_workers=workers)
    half = tasks // 2
    chain_len = min(1000, max(half, 1))
    chains = half // chain_len
    t0 = time.time()
    leaves = [dask.delayed(ident)(i) for i in range(half)]
    fan_in = dask.delayed(total)(leaves)
    ends = []
    for c in range(chains):
        x = dask.delayed(ident)(c)
        for _ in range(1, chain_len):
            x = dask.delayed(inc)(x)
        ends.append(x)
    build = time.time() - t0
    t1 = time.time()
    s, e = dask.compute(fan_in, ends)
    run = time.time() - t1
    n = half + 1 + chains * chain_len
    assert s == half * (half - 1) // 2
    print(f"tasks={n} workers={workers} build_secs={build:.3f} run_secs={run:.3f} "
          f"per_task_us={run * 1e6 / n:.1f}")


if __name__ == "__main__":
    main()
