//! S1 (seed 002 §4.1): row means of an N x N standard-normal array in CHUNK x CHUNK
//! chunks, never holding a chunk whole.
//!
//! cargo run --release --example array_mean -- [N] [CHUNK] [SEED]
//! (the seed's sizes: 40000 10000; the 80 GB one: 100000 10000)
use std::time::Instant;

use chunkwise::array::random_normal;
use xxhash_rust::xxh3::xxh3_64;

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .map(|s| s.parse().expect("arguments are whole numbers"))
        .unwrap_or(default)
}

fn main() -> chunkwise::Result<()> {
    let n = arg(1, 4000);
    let chunk = arg(2, 1000);
    let seed = arg(3, 1) as u64;
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
    println!(
        "n={n} chunk={chunk} seed={seed} workers={} simd={} secs={secs:.3} peak_rss_mb={:.1} checksum={:016x}",
        stats.workers,
        chunkwise::random::simd_level(),
        chunkwise::peak_rss_mb(),
        xxh3_64(&bytes)
    );
    Ok(())
}
