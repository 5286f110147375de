"""S2 with Dask, as the seed writes it (with the dtype hints Dask needs on this data):
max DepDelay, and mean DepDelay by Dest of UA flights from SFO, in one compute.

    python benches/compare/airline.py GLOB [WORKERS]
"""
import resource
import sys
import time

import dask
import dask.dataframe as ddf


def main():
    pattern = sys.argv[1]
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    dask.config.set(scheduler="threads", num_workers=workers)
    t0 = time.time()
    air = ddf.read_csv(
        pattern,
        compression="bz2",
        encoding="latin1",
        blocksize=None,
        dtype={
            "Distance": "float64",
            "CRSElapsedTime": "float64",
            "TailNum": "object",
            "CancellationCode": "object",
            "DepDelay": "float64",
            "ArrDelay": "float64",
            "DepTime": "float64",
            "ArrTime": "float64",
            "ActualElapsedTime": "float64",
            "AirTime": "float64",
            "TaxiIn": "float64",
            "TaxiOut": "float64",
            "CarrierDelay": "float64",
            "WeatherDelay": "float64",
            "NASDelay": "float64",
            "SecurityDelay": "float64",
            "LateAircraftDelay": "float64",
        },
    )
    sub = air[(air.UniqueCarrier == "UA") & (air.Origin == "SFO")]
    mx, by_dest = dask.compute(air.DepDelay.max(), sub.groupby("Dest").DepDelay.mean())
    secs = time.time() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(by_dest.sort_index().to_string())
    print(f"max_dep_delay={mx} groups={len(by_dest)} workers={workers} secs={secs:.3f} peak_rss_mb={peak:.1f}")


if __name__ == "__main__":
    main()
