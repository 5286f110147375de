//! A bag keyed reduction with many keys: how often each key occurs, for `N` items
//! falling on about `KEYS` distinct keys, in `PARTS` partitions generated lazily (no
//! input held). `gathered`: `frequencies()`, the answer one sorted `Vec` in one task
//! (as Dask's `Bag.frequencies()`, one partition); `partitioned`:
//! `frequencies_partitioned(None)`, the keyed buckets left as a bag's partitions and
//! reduced from there, so no task holds every key.
//!
//! cargo run --release --example bag_keys -- [N] [KEYS] [PARTS] [gathered|partitioned]
//! python benches/compare/bag_keys.py N KEYS PARTS WORKERS    # Dask's frequencies()
use std::time::Instant;

use chunkwise::bag::Bag;

/// The key of item `i`: a multiplicative hash, the same in the Dask script.
fn key(i: u64, keys: u64) -> u64 {
    i.wrapping_mul(2_654_435_761) % keys
}

fn main() -> chunkwise::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, default: u64| -> chunkwise::Result<u64> {
        args.get(i).map_or(Ok(default), |s| {
            s.parse().map_err(|_| {
                chunkwise::Error::invalid(format!(
                    "argument {} is {s:?}, not a whole number",
                    i + 1
                ))
            })
        })
    };
    let (n, keys, parts) = (
        num(0, 20_000_000)?,
        num(1, 10_000_000)?.max(1),
        num(2, 32)?.max(1),
    );
    let mode = args.get(3).map_or("partitioned", String::as_str);
    let t0 = Instant::now();
    let per = n.div_ceil(parts);
    let items = Bag::from_iter(0..parts, parts as usize)
        .flat_map(move |&p| (p * per..((p + 1) * per).min(n)).map(move |i| key(i, keys)));
    // Order-free summary of the answer: distinct keys, and the sum of key x count.
    let (found, checksum) = match mode {
        "gathered" => {
            let f = items.frequencies().compute()?;
            let sum = f
                .iter()
                .fold(0u64, |a, (k, c)| a.wrapping_add(k.wrapping_mul(*c)));
            (f.len() as u64, sum)
        }
        "partitioned" => {
            let f = items.frequencies_partitioned(None);
            let summed = f.fold(
                (0u64, 0u64),
                |a, (k, c)| {
                    a.0 += 1;
                    a.1 = a.1.wrapping_add(k.wrapping_mul(*c));
                },
                |a, b| {
                    a.0 += b.0;
                    a.1 = a.1.wrapping_add(b.1);
                },
            );
            summed.compute()?
        }
        other => {
            return Err(chunkwise::Error::invalid(format!(
                "mode {other:?}: gathered or partitioned"
            )));
        }
    };
    let spilled = chunkwise::last_stats().map_or(0, |s| s.bytes_spilled);
    println!(
        "mode={mode} items={n} keys={found} parts={parts} secs={:.3} peak_rss_mb={:.1} spilled_mb={:.1} checksum={checksum:016x}",
        t0.elapsed().as_secs_f64(),
        chunkwise::peak_rss_mb(),
        spilled as f64 / 1e6,
    );
    Ok(())
}
