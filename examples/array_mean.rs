//! S1 (seed 002 §4.1): row means of an N x N standard-normal array in CHUNK x CHUNK
//! chunks, never holding a chunk whole. By default the seed's own size: 40000 x 40000
//! (1.6e9 samples, 12.8 GB if it were held) in 10000 x 10000 chunks.
//!
//! cargo run --release --example array_mean -- [N] [CHUNK] [SEED]
//! (smaller: `-- 4000 1000`; the 80 GB one: `-- 100000 10000`)
use std::time::Instant;

use chunkwise::array::random_normal;
use xxhash_rust::xxh3::xxh3_64;

#[path = "common/args.rs"]
mod args;

fn arg(i: usize, default: usize) -> chunkwise::Result<usize> {
    args::arg(i, default, "array_mean [N] [CHUNK] [SEED]")
}

fn main() -> chunkwise::Result<()> {
    let n = arg(1, 40000)?;
    let chunk = arg(2, 10000)?;
    let seed = arg(3, 1)? as u64;
    let t0 = Instant::now();
    let x = random_normal(0.0, 1.0, &[n, n], [chunk, chunk], seed)?;
    let means = x.mean(1).compute()?;
    let secs = t0.elapsed().as_secs_f64();
    // Under MPI every rank has the result: print it once.
    if chunkwise::cluster::rank() != 0 {
        return Ok(());
    }
    let first: Vec<String> = means.iter().take(5).map(|m| format!("{m:.6}")).collect();
    println!("row means[0..5] = [{}]", first.join(", "));
    let grand = means.iter().sum::<f64>() / means.len().max(1) as f64;
    println!(
        "mean of row means = {grand:.8} (expected near 0, sd {:.1e})",
        1.0 / n as f64
    );
    let bytes: Vec<u8> = means.iter().flat_map(|m| m.to_le_bytes()).collect();
    let stats = chunkwise::last_stats().expect("a compute ran");
    let rss = chunkwise::peak_rss_mb();
    let logical_gb = (n * n * 8) as f64 / 1e9;
    println!(
        "Computed the mean of each of {n} rows of a {n} x {n} standard-normal array \
         ({logical_gb:.1} GB if held whole) in {chunk} x {chunk} chunks, on {} worker(s), \
         in {secs:.2} s, holding at most {rss:.0} MB of memory.",
        stats.workers
    );
    if (n, chunk) == (40000, 10000) {
        println!(
            "Dask takes 17.9 s and 1550 MB for the same on the 2-core machine of \
             BENCHMARKS.md (chunkwise there: 1.65 s, 4.7 MB)."
        );
    } else {
        println!(
            "The seed's size is 40000 x 40000 in 10000 x 10000 chunks (no arguments): \
             Dask takes 17.9 s and 1550 MB for it on the machine of BENCHMARKS.md."
        );
    }
    println!(
        "n={n} chunk={chunk} seed={seed} workers={} simd={} secs={secs:.3} peak_rss_mb={:.1} checksum={:016x}",
        stats.workers,
        chunkwise::random::simd_level(),
        rss,
        xxh3_64(&bytes)
    );
    Ok(())
}
