"""S3 with Dask, as the seed writes it: a bag over gzip part files, count all lines and
the `find` matches in one compute, processes scheduler.

    python benches/compare/wiki.py GLOB [WORKERS]
"""
import resource
import sys
import time

import dask
import dask.bag as db


def find(line, regex="Obama", language="en"):
    vals = line.split(" ")
    if len(vals) < 6:
        return False
    if regex not in vals[3] or (language is not None and vals[2] != language):
        return False
    return True


def main():
    pattern = sys.argv[1]
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    dask.config.set(scheduler="processes", num_workers=workers)
    t0 = time.time()
    wiki = db.read_text(pattern, encoding="latin1")
    total, matches = dask.compute(wiki.count(), wiki.filter(find).count())
    secs = time.time() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"lines={total} matches={matches} workers={workers} secs={secs:.3f} "
          f"peak_rss_mb_parent={own:.1f} peak_rss_mb_worker={peak:.1f}")


if __name__ == "__main__":
    main()
