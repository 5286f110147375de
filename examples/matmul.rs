//! A blocked matrix product: two N x N standard-normal arrays in CHUNK x CHUNK chunks,
//! generated and held (persist), then multiplied (`matmul`: block products on
//! ndarray/matrixmultiply, summed over the inner blocks as a tree). Prints the time of
//! the product alone, the peak memory and a checksum of the result's row sums.
//!
//! cargo run --release --example matmul -- [N] [CHUNK]      (default 8000 2000)
//! python benches/compare/matmul.py [N] [CHUNK] [THREADS]   (numpy and Dask, the same)
use std::time::Instant;

use chunkwise::array::random_normal;

#[path = "common/args.rs"]
mod args;

fn arg(i: usize, default: usize) -> chunkwise::Result<usize> {
    args::arg(i, default, "matmul [N] [CHUNK]")
}

fn main() -> chunkwise::Result<()> {
    let (n, chunk) = (arg(1, 8000)?, arg(2, 2000)?);
    let t0 = Instant::now();
    let a = random_normal(0.0, 1.0, &[n, n], [chunk, chunk], 1)?.persist()?;
    let b = random_normal(0.0, 1.0, &[n, n], [chunk, chunk], 2)?.persist()?;
    let generated = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let c = a.matmul(&b).persist()?;
    let secs = t1.elapsed().as_secs_f64();
    let rows = c.sum(1).compute()?;
    // Sums of many products of N(0,1): compare with a tolerance, not bits.
    let check: f64 = rows.iter().map(|v| v.abs()).sum::<f64>() / n as f64;
    let gflops = 2.0 * (n as f64).powi(3) / secs / 1e9;
    println!(
        "n={n} chunk={chunk} generate_secs={generated:.3} secs={secs:.3} gflops={gflops:.1} \
         peak_rss_mb={:.1} mean_abs_row_sum={check:.6}",
        chunkwise::peak_rss_mb()
    );
    Ok(())
}
