//! Holding an array larger than the memory budget: an N x N standard-normal array in
//! CHUNK x CHUNK chunks is persisted under `CHUNKWISE_MEMORY_LIMIT` (chunks past the
//! budget spill while the run goes and stay on disk), then its column means are
//! computed from the held chunks. Prints the time of each step, the peak memory, what
//! was spilled and a checksum.
//!
//! CHUNKWISE_MEMORY_LIMIT=64MB cargo run --release --example persist -- [N] [CHUNK]
//! (default 9000 1000: 648 MB of data)
use std::time::Instant;

use chunkwise::Config;
use chunkwise::array::random_normal;

#[path = "common/args.rs"]
mod args;

fn arg(i: usize, default: usize) -> chunkwise::Result<usize> {
    args::arg(i, default, "persist [N] [CHUNK]")
}

fn main() -> chunkwise::Result<()> {
    let (n, chunk) = (arg(1, 9000)?, arg(2, 1000)?);
    let config = Config::from_env()?;
    let t0 = Instant::now();
    let x = random_normal(0.0, 1.0, &[n, n], [chunk, chunk], 5)?.persist_with(&config)?;
    let persist_secs = t0.elapsed().as_secs_f64();
    let stats = chunkwise::last_stats().unwrap_or_default();
    let t1 = Instant::now();
    let means = x.mean(0).compute_with(&config)?;
    let mean_secs = t1.elapsed().as_secs_f64();
    let checksum: f64 = means.iter().map(|v| v.abs()).sum();
    println!(
        "n={n} chunk={chunk} data_mb={:.0} budget_mb={:.0} persist_secs={persist_secs:.3} \
         mean_secs={mean_secs:.3} held_peak_mb={:.1} spilled_mb={:.1} peak_rss_mb={:.1} \
         checksum={checksum:.9}",
        (n * n * 8) as f64 / 1e6,
        config.get_memory_limit().map_or(0.0, |b| b as f64 / 1e6),
        stats.peak_held_bytes as f64 / 1e6,
        stats.bytes_spilled as f64 / 1e6,
        chunkwise::peak_rss_mb()
    );
    Ok(())
}
