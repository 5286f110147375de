//! Element types, indexing and shapes on one array, as a Dask user would write them:
//! dice rolls as `int64`, the rows where a six came first, exact integer sums, a
//! stepped and reversed selection, `take`, `concatenate` and a reshape; the same
//! answers on threads and on every MPI rank (one summary line with a checksum).
//!
//! cargo run --release --example array_types -- [ROWS] [COLS] [CHUNK]
//! mpirun -np 3 target/release/examples/array_types 2000 500 128   # (--features mpi)
use std::time::Instant;

use chunkwise::array::{DArray, Idx, random_integers};
use xxhash_rust::xxh3::xxh3_64;

#[path = "common/args.rs"]
mod args;

fn arg(i: usize, default: usize) -> chunkwise::Result<usize> {
    args::arg(i, default, "array_types [ROWS] [COLS] [CHUNK]")
}

fn main() -> chunkwise::Result<()> {
    let (rows, cols, chunk) = (arg(1, 20000)?, arg(2, 2000)?, arg(3, 1000)?);
    let t0 = Instant::now();
    // Dice: integers 1..=6 as int64.
    let dice: DArray<i64> =
        random_integers(1, 7, &[rows, cols], [chunk, chunk], 11)?.astype::<i64>();
    let six = dice.eq(6); // DArray<bool>
    let sixes = six.sum(1); // int64 per row
    let first_six = six.argmax(1); // int64 per row
    let any_six = six.any(1);
    let total = dice.sum(None); // exact int64
    let odd_rows = dice.index([Idx::range(1, rows as isize, 2)]); // x[1::2]
    let reversed = dice.index([
        Idx::ALL,
        Idx::Slice {
            start: None,
            stop: None,
            step: -1,
        },
    ]);
    let picked = dice.take(&[0, -1, 3, 3], 1).sum(None);
    let joined = DArray::concatenate(&[odd_rows.clone(), reversed.clone()], 0).max(None);
    let flat = dice
        .reshape(&[usize::MAX, 4])
        .index([Idx::ALL, Idx::At(-1)])
        .sum(None);
    let mean_odd = odd_rows.mean(None);
    let (sixes, first_six, any_six, total, picked, joined, flat, mean_odd) = chunkwise::compute((
        &sixes, &first_six, &any_six, &total, &picked, &joined, &flat, &mean_odd,
    ))?;
    let secs = t0.elapsed().as_secs_f64();
    if chunkwise::cluster::rank() != 0 {
        return Ok(());
    }
    let mut bytes = Vec::new();
    for v in sixes.iter().chain(first_six.iter()) {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    bytes.extend(any_six.iter().map(|&b| u8::from(b)));
    for a in [&total, &picked, &joined, &flat] {
        bytes.extend_from_slice(&a.iter().next().copied().unwrap_or(0).to_le_bytes());
    }
    let mean = mean_odd.iter().next().copied().unwrap_or(f64::NAN);
    bytes.extend_from_slice(&mean.to_le_bytes());
    let rows_with_six = any_six.iter().filter(|&&b| b).count();
    println!(
        "rows={rows} cols={cols} chunk={chunk} sum={} rows_with_six={rows_with_six} \
         mean_of_odd_rows={mean:.6} secs={secs:.3} peak_rss_mb={:.1} checksum={:016x}",
        total.iter().next().copied().unwrap_or(0),
        chunkwise::peak_rss_mb(),
        xxh3_64(&bytes)
    );
    Ok(())
}
