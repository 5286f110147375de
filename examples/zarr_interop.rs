//! Zarr and `.npy` interop with Python's zarr and numpy (run by `scripts/zarr-test.sh`):
//! `write DIR` writes one Zarr store and one `.npy` file per element type
//! (`DIR/float64.zarr`, `DIR/float64.npy`, ...), shape 7 x 5 x 3 in 3 x 2 x 3 chunks,
//! element `i` (row-major) a fixed function of `i`, and a sharded store of it
//! (`DIR/float64.sharded.zarr`, shards of 6 x 4 x 3) and a `.npy` stack along axis 1
//! (`DIR/float64.stack`, Dask's `to_npy_stack` layout); `read DIR` reads stores and
//! files of that shape (written by Python: any chunking, Zarr v3 or v2, sharded where
//! there is a `.sharded.zarr`, Blosc-compressed where there is a `.blosc.zarr`, `.npy`
//! in Fortran order and big-endian, a Dask stack) and checks every value.
//!
//! cargo run --example zarr_interop -- write /tmp/rs && python scripts/zarr_interop.py check /tmp/rs
use chunkwise::array::{
    DArray, ZarrElement, ZarrWrite, from_array, from_npy, from_npy_stack, from_zarr,
};
use chunkwise::ndarray::{ArrayD, IxDyn};

const SHAPE: [usize; 3] = [7, 5, 3];

/// The value at flat index `i`, as `scripts/zarr_interop.py` computes it.
fn base(i: usize) -> i64 {
    (i as i64 * 37) % 251
}

fn expected<T: ZarrElement>(f: impl Fn(i64) -> T) -> ArrayD<T> {
    ArrayD::from_shape_fn(IxDyn(&SHAPE), |i| f(base(i[0] * 15 + i[1] * 3 + i[2])))
}

fn each<T: ZarrElement>(
    mode: &str,
    dir: &std::path::Path,
    f: impl Fn(i64) -> T,
) -> chunkwise::Result<()> {
    let path = dir.join(format!("{}.zarr", T::DTYPE));
    let npy = dir.join(format!("{}.npy", T::DTYPE));
    let sharded = dir.join(format!("{}.sharded.zarr", T::DTYPE));
    let blosc = dir.join(format!("{}.blosc.zarr", T::DTYPE));
    let stack = dir.join(format!("{}.stack", T::DTYPE));
    let orders = ["fortran", "big"].map(|o| dir.join(format!("{}.{o}.npy", T::DTYPE)));
    let want = expected(f);
    if mode == "write" {
        let x: DArray<T> = from_array(want, [3, 2, 3])?;
        let shards = ZarrWrite::new().shards([6, 4, 3]);
        chunkwise::array::store(vec![
            x.to_zarr_lazy(&path)?,
            x.to_npy_lazy(&npy)?,
            x.to_zarr_lazy_with(&sharded, &shards)?,
            x.to_npy_stack_lazy(&stack, 1)?,
        ])?;
    } else {
        let mut read = vec![
            (&path, from_zarr::<T>(&path)?.compute()?),
            (&npy, from_npy::<T>(&npy, [2, 5, 2])?.compute()?),
        ];
        if stack.exists() {
            read.push((&stack, from_npy_stack::<T>(&stack)?.compute()?));
        }
        if sharded.exists() {
            read.push((&sharded, from_zarr::<T>(&sharded)?.compute()?));
        }
        if blosc.exists() {
            read.push((&blosc, from_zarr::<T>(&blosc)?.compute()?));
        }
        // numpy's Fortran-order and big-endian files (`np.save` of a transposed or a
        // byte-swapped array), where Python wrote them.
        for o in &orders {
            if o.exists() {
                read.push((o, from_npy::<T>(o, [2, 5, 2])?.compute()?));
            }
        }
        for (p, got) in read {
            if got != want {
                return Err(chunkwise::Error::invalid(format!(
                    "{}: values differ",
                    p.display()
                )));
            }
            println!("read {} ok", p.display());
        }
    }
    Ok(())
}

fn main() -> chunkwise::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (mode, dir) = match args.as_slice() {
        [_, m, d] if m == "write" || m == "read" => (m.as_str(), std::path::PathBuf::from(d)),
        _ => {
            return Err(chunkwise::Error::invalid(
                "usage: zarr_interop write|read DIR",
            ));
        }
    };
    std::fs::create_dir_all(&dir).map_err(|e| chunkwise::Error::io(&dir, e))?;
    each::<f64>(mode, &dir, |v| v as f64 * 0.25 - 10.0)?;
    each::<f32>(mode, &dir, |v| v as f32 * 0.25 - 10.0)?;
    each::<i64>(mode, &dir, |v| v - 100)?;
    each::<i32>(mode, &dir, |v| (v - 100) as i32)?;
    each::<u64>(mode, &dir, |v| v as u64 + (1 << 40))?;
    each::<u32>(mode, &dir, |v| v as u32)?;
    each::<u8>(mode, &dir, |v| v as u8)?;
    each::<bool>(mode, &dir, |v| v % 3 == 0)?;
    println!("mode={mode} dir={} types=8", dir.display());
    Ok(())
}
