"""Zarr and .npy interop with chunkwise (run by scripts/zarr-test.sh).

    python zarr_interop.py check DIR         # stores and .npy files chunkwise wrote
    python zarr_interop.py write DIR FORMAT  # stores (Zarr FORMAT, 2 or 3: default codecs, Blosc) and one .npy per type

.npy stacks are read and written as Dask's from_npy_stack and to_npy_stack do (a
pickled `info` with the chunks, the dtype and the axis; one file per chunk along the
axis), with dask itself where it is installed.
"""
import os
import pickle
import sys

import numcodecs
import numpy as np
import zarr

SHAPE = (7, 5, 3)
TYPES = {
    "float64": lambda v: v * 0.25 - 10.0,
    "float32": lambda v: (v * 0.25 - 10.0).astype(np.float32),
    "int64": lambda v: v - 100,
    "int32": lambda v: (v - 100).astype(np.int32),
    "uint64": lambda v: v.astype(np.uint64) + np.uint64(1 << 40),
    "uint32": lambda v: v.astype(np.uint32),
    "uint8": lambda v: v.astype(np.uint8),
    "bool": lambda v: v % 3 == 0,
}


def expected(name):
    v = (np.arange(np.prod(SHAPE), dtype=np.int64) * 37) % 251
    return np.asarray(TYPES[name](v)).astype(name).reshape(SHAPE)


def read_stack(d):
    """dask.array.from_npy_stack's reading, without dask."""
    with open(os.path.join(d, "info"), "rb") as f:
        info = pickle.load(f)
    axis = info["axis"]
    parts = [np.load(os.path.join(d, f"{i}.npy")) for i in range(len(info["chunks"][axis]))]
    out = np.concatenate(parts, axis=axis)
    assert out.dtype == np.dtype(info["dtype"]), (d, out.dtype, info["dtype"])
    assert tuple(sum(c) for c in info["chunks"]) == out.shape, (d, info["chunks"], out.shape)
    try:
        import dask.array as da
    except ImportError:
        return out
    assert np.array_equal(da.from_npy_stack(d).compute(), out), d
    return out


def write_stack(d, x, axis, step):
    """dask.array.to_npy_stack's writing, without dask: the dtype pickled as numpy's object."""
    os.makedirs(d, exist_ok=True)
    n = x.shape[axis]
    cuts = list(range(0, n, step)) + [n]
    chunks = tuple(tuple(b - a for a, b in zip(cuts, cuts[1:])) if i == axis else (s,) for i, s in enumerate(x.shape))
    with open(os.path.join(d, "info"), "wb") as f:
        pickle.dump({"chunks": chunks, "dtype": x.dtype, "axis": axis}, f)
    for i, (a, b) in enumerate(zip(cuts, cuts[1:])):
        np.save(os.path.join(d, f"{i}.npy"), np.take(x, range(a, b), axis=axis))


def main():
    mode, d = sys.argv[1], sys.argv[2]
    for name in TYPES:
        path = f"{d}/{name}.zarr"
        want = expected(name)
        if mode == "check":
            got = zarr.open_array(path, mode="r")
            assert got.dtype == want.dtype, (path, got.dtype, want.dtype)
            assert got.shape == SHAPE, (path, got.shape)
            assert np.array_equal(got[...], want), path
            print(f"python read {path} ok (chunks {got.chunks})")
            sharded = zarr.open_array(f"{d}/{name}.sharded.zarr", mode="r")
            assert sharded.shards == (6, 4, 3) and sharded.chunks == (3, 2, 3), (sharded.shards, sharded.chunks)
            assert np.array_equal(sharded[...], want), f"{d}/{name}.sharded.zarr"
            print(f"python read {d}/{name}.sharded.zarr ok (shards {sharded.shards})")
            loaded = np.load(f"{d}/{name}.npy")
            assert loaded.dtype == want.dtype and np.array_equal(loaded, want), f"{d}/{name}.npy"
            print(f"python read {d}/{name}.npy ok")
            stack = read_stack(f"{d}/{name}.stack")
            assert stack.dtype == want.dtype and np.array_equal(stack, want), f"{d}/{name}.stack"
            print(f"python read {d}/{name}.stack ok")
        else:
            fmt = int(sys.argv[3])
            z = zarr.create_array(path, shape=SHAPE, chunks=(4, 3, 2), dtype=want.dtype, zarr_format=fmt, overwrite=True)
            z[...] = want
            # Blosc: zarr-python 2's default compressor (lz4, byte shuffle), so what
            # most existing v2 stores hold; in v3, zarr's BloscCodec (zstd, shuffle).
            blosc = numcodecs.Blosc() if fmt == 2 else zarr.codecs.BloscCodec()
            z = zarr.create_array(f"{d}/{name}.blosc.zarr", shape=SHAPE, chunks=(3, 5, 2), dtype=want.dtype, zarr_format=fmt, compressors=blosc, overwrite=True)
            z[...] = want
            if fmt == 3:
                z = zarr.create_array(f"{d}/{name}.sharded.zarr", shape=SHAPE, chunks=(2, 1, 3), shards=(4, 3, 3), dtype=want.dtype, overwrite=True)
                z[...] = want
            np.save(f"{d}/{name}.npy", want)
            # Fortran order (what np.save writes for a transposed array) and big-endian.
            np.save(f"{d}/{name}.fortran.npy", np.asfortranarray(want))
            np.save(f"{d}/{name}.big.npy", want.astype(want.dtype.newbyteorder(">")))
            write_stack(f"{d}/{name}.stack", want, 1, 2)
            print(f"python wrote {path} (zarr v{fmt}) and {name}.npy")


if __name__ == "__main__":
    main()
