"""Dask's Bag.frequencies() with many keys, as examples/bag_keys.rs: N items in PARTS
partitions made lazily, item i keyed by (i * 2654435761) % KEYS; prints the distinct
keys and the sum of key x count mod 2^64.

    python benches/compare/bag_keys.py N KEYS PARTS [WORKERS]
"""
import resource
import sys
import time


def main():
    n, keys, parts = (int(a) for a in sys.argv[1:4])
    workers = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    t0 = time.time()
    import dask
    import dask.bag as db

    dask.config.set(scheduler="processes" if workers > 1 else "sync", num_workers=workers)
    per = -(-n // parts)

    def items(p):
        return ((i * 2654435761) % keys for i in range(p * per, min((p + 1) * per, n)))

    b = db.from_sequence(range(parts), npartitions=parts).map_partitions(
        lambda ps: [k for p in ps for k in items(p)]
    )
    f = b.frequencies().compute()
    checksum = sum(k * c for k, c in f) % (1 << 64)
    secs = time.time() - t0
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    ) / 1024
    print(f"engine=dask items={n} keys={len(f)} parts={parts} workers={workers} secs={secs:.3f} peak_rss_mb={peak:.1f} checksum={checksum:016x}")


if __name__ == "__main__":
    main()
