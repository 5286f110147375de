//! S1 (row means of a standard-normal array) and a group-by-like bag count, profiled
//! into one performance report: an HTML file with a summary, a table by task group, the
//! task stream and memory and CPU over time, that opens offline.
//!
//! cargo run --release --example report -- REPORT.html [N] [CHUNK]
use std::time::Instant;

use chunkwise::array::random_normal;
use chunkwise::bag::Bag;
use chunkwise::diagnostics::performance_report;
use xxhash_rust::xxh3::xxh3_64;

fn main() -> chunkwise::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .ok_or_else(|| chunkwise::Error::invalid("usage: report REPORT.html [N] [CHUNK]"))?;
    let num = |i: usize, default: usize| -> chunkwise::Result<usize> {
        args.get(i).map_or(Ok(default), |s| {
            s.parse().map_err(|_| {
                chunkwise::Error::invalid(format!("argument {i} is {s:?}, not a whole number"))
            })
        })
    };
    let (n, chunk) = (num(2, 20000)?, num(3, 2500)?);
    let t0 = Instant::now();
    let report = performance_report(path)?;
    let means = random_normal(0.0, 1.0, &[n, n], [chunk, chunk], 1)?
        .mean(1)
        .compute()?;
    let words = Bag::from_iter((0..200_000u64).map(|i| i % 997), 16);
    let freq = words.frequencies().compute()?;
    let written = report.finish()?;
    let bytes: Vec<u8> = means.iter().flat_map(|m| m.to_le_bytes()).collect();
    println!(
        "report={} n={n} chunk={chunk} keys={} secs={:.3} peak_rss_mb={:.1} checksum={:016x}",
        written.display(),
        freq.len(),
        t0.elapsed().as_secs_f64(),
        chunkwise::peak_rss_mb(),
        xxh3_64(&bytes)
    );
    Ok(())
}
