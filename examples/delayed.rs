//! Delayed calls (seed 002 §3.3, §6.1): inc/add, then the tutorial's parameter sweep of
//! 4 parameter pairs x 20 replicates of a simulation, computed in one call.
//!
//! cargo run --release --example delayed -- [N_PER_REPLICATE]
use std::time::Instant;

use chunkwise::{Delayed, collect, delayed};
use rand::RngExt;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

fn inc(x: i64) -> i64 {
    x + 1
}

fn add(x: i64, y: i64) -> i64 {
    x + y
}

/// Mean and standard deviation of `n` draws from N(mean, sd), from its own stream.
fn calc_mean(mean: f64, sd: f64, n: usize, stream: u64) -> [f64; 2] {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    for _ in 0..stream {
        rng.jump(); // independent streams, 2^128 apart
    }
    let (mut s, mut ss) = (0.0, 0.0);
    for _ in 0..n {
        // Box-Muller keeps the example free of extra crates.
        let (u1, u2): (f64, f64) = (rng.random(), rng.random());
        let z = (-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        let x = mean + sd * z;
        s += x;
        ss += x * x;
    }
    let m = s / n as f64;
    [m, (ss / n as f64 - m * m).max(0.0).sqrt()]
}

fn main() -> chunkwise::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("N must be a number"))
        .unwrap_or(1_000_000);

    let x = delayed(|| inc(1)).name("inc");
    let y = delayed(|| inc(2)).name("inc");
    let z: Delayed<i64> = chunkwise::delayed!(|x, y| add(*x, *y)).name("add");
    println!("inc(1) + inc(2) = {}", z.compute()?);
    z.visualize("task_graph.dot")?;
    println!("graph of z written to task_graph.dot");

    let t0 = Instant::now();
    let params = [(0.0, 1.0), (0.0, 2.0), (1.0, 1.0), (1.0, 2.0)];
    let mut stream = 0;
    let out: Vec<Delayed<Vec<[f64; 2]>>> = params
        .iter()
        .map(|&(m, s)| {
            let reps: Vec<_> = (0..20)
                .map(|_| {
                    stream += 1;
                    let k = stream;
                    delayed(move || calc_mean(m, s, n, k)).name("calc_mean")
                })
                .collect();
            collect(&reps)
        })
        .collect();
    let results = chunkwise::compute(&out)?;
    let secs = t0.elapsed().as_secs_f64();
    let mut checksum = 0u64;
    for (&(m, s), reps) in params.iter().zip(&results) {
        let mean = reps.iter().map(|r| r[0]).sum::<f64>() / reps.len() as f64;
        let sd = reps.iter().map(|r| r[1]).sum::<f64>() / reps.len() as f64;
        println!("mean={m} sd={s}: average of 20 means {mean:.5}, of 20 sds {sd:.5}");
        for r in reps {
            checksum = checksum.rotate_left(7) ^ r[0].to_bits() ^ r[1].to_bits();
        }
    }
    let stats = chunkwise::last_stats().expect("a compute ran");
    println!(
        "tasks={} n={n} secs={secs:.3} peak_rss_mb={:.1} checksum={checksum:016x}",
        stats.tasks,
        chunkwise::peak_rss_mb()
    );
    Ok(())
}
