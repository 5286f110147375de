//! Futures (seed 000; seed 002 §3.2, §3.4): map a function over inputs, gather; submit
//! one call; take results as they complete; compute delayed values on the client.
//!
//! cargo run --release --example futures -- [N_INPUTS]
use std::time::{Duration, Instant};

use chunkwise::{Client, delayed};

fn some_function(x: u64) -> u64 {
    // A small, uneven amount of work.
    (0..(x % 7) * 1000).fold(x, |a, b| {
        a.wrapping_mul(6364136223846793005).wrapping_add(b)
    })
}

fn main() -> chunkwise::Result<()> {
    let n: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("N_INPUTS must be a number"))
        .unwrap_or(100_000);
    let client = Client::from_env()?;
    let t0 = Instant::now();

    // map + gather: tiny calls, batched by the client, not by hand.
    let futures = client.map(some_function, 0..n);
    let results = client.gather(&futures)?;
    let checksum = results.iter().fold(0u64, |a, r| a.rotate_left(5) ^ r);
    println!(
        "map: {} results, first {:?}",
        results.len(),
        &results[..results.len().min(3)]
    );

    // submit one call; it starts at once.
    let one = client.submit(move || some_function(n));
    println!("submit: {}", one.result()?);

    // as_completed: sleeps of uneven length come back shortest first.
    let sleeps = client.map(
        |ms: u64| {
            std::thread::sleep(Duration::from_millis(ms));
            ms
        },
        [300, 10, 200, 50],
    );
    for (i, r) in client.as_completed(&sleeps) {
        println!("as_completed: input {i} slept {} ms", r?);
    }

    // compute delayed values on the client's workers.
    let parts: Vec<_> = (0..8u64)
        .map(|i| delayed(move || some_function(i)))
        .collect();
    let total = client.compute(
        chunkwise::collect(&parts).map(|v| v.iter().fold(0u64, |a, b| a.wrapping_add(*b))),
    );
    println!("compute: {}", total.result()?);

    println!(
        "inputs={n} workers={} secs={:.3} peak_rss_mb={:.1} checksum={checksum:016x}",
        client.workers(),
        t0.elapsed().as_secs_f64(),
        chunkwise::peak_rss_mb()
    );
    Ok(())
}
