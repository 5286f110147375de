//! S1 (row means of a standard-normal array) watched on the dashboard: starts the page,
//! prints `dashboard=URL` (with its token) as soon as it is up, then runs S1 at a size
//! that takes about SECONDS on this machine (measured on a small run first), keeps the
//! page up LINGER seconds after, and ends with one summary line.
//!
//! cargo run --release --features dashboard --example dashboard -- SECONDS [ADDR] [LINGER]
//!
//! Under MPI (`--features dashboard,mpi`, `mpirun -np 2 ...`) rank 0 serves the page and
//! shows every rank's tasks; the size is measured in one task, so every rank builds the
//! same graph.
use std::io::Write;
use std::time::{Duration, Instant};

use chunkwise::array::random_normal;
use chunkwise::diagnostics::Dashboard;
use chunkwise::{Config, Scheduler};
use xxhash_rust::xxh3::xxh3_64;

fn main() -> chunkwise::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let number = |i: usize, default: f64| -> chunkwise::Result<f64> {
        args.get(i).map_or(Ok(default), |s| {
            s.parse().map_err(|_| {
                chunkwise::Error::invalid(format!(
                    "argument {i} is {s:?}; usage: dashboard SECONDS [ADDR] [LINGER]"
                ))
            })
        })
    };
    let seconds = number(1, 60.0)?;
    let addr = args.get(2).map_or("127.0.0.1:8787", String::as_str);
    let linger = number(3, 5.0)?;
    let mut config = Config::from_env()?;
    if chunkwise::cluster::rank() == 0 {
        let dashboard = Dashboard::start(addr, true)?;
        println!("dashboard={}", dashboard.url());
        std::io::stdout().flush().ok();
        config = config.observe(dashboard);
    }
    let workers = config.get_scheduler().workers().max(1);

    // A chunk's cost, timed in one task: its result is the same on every MPI rank.
    let chunk = 1000;
    let per_chunk = chunkwise::try_delayed(move || {
        let t = Instant::now();
        random_normal(0.0, 1.0, &[2 * chunk, 2 * chunk], [chunk, chunk], 7)?
            .mean(1)
            .compute_with(&Config::new().scheduler(Scheduler::Synchronous))?;
        Ok::<_, chunkwise::Error>(t.elapsed().as_secs_f64() / 4.0)
    })
    .compute_with(&config)?;
    let chunks = (seconds * workers as f64 / per_chunk.max(1e-6)).max(4.0);
    let side = (chunks.sqrt().ceil() as usize).max(2);
    let n = side * chunk;

    let t0 = Instant::now();
    let means = random_normal(0.0, 1.0, &[n, n], [chunk, chunk], 1)?
        .mean(1)
        .compute_with(&config)?;
    let secs = t0.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_secs_f64(linger));
    let bytes: Vec<u8> = means.iter().flat_map(|m| m.to_le_bytes()).collect();
    let scheduler = match config.get_scheduler() {
        Scheduler::Synchronous => "sync".to_string(),
        s => format!("{} workers", s.workers()),
    };
    if chunkwise::cluster::rank() != 0 {
        return Ok(());
    }
    println!(
        "n={n} chunk={chunk} scheduler={scheduler:?} secs={secs:.3} peak_rss_mb={:.1} checksum={:016x}",
        chunkwise::peak_rss_mb(),
        xxh3_64(&bytes)
    );
    Ok(())
}
