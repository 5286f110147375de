//! Per-task overhead: builds and runs about 1,000,000 trivial tasks (a wide fan-in and
//! long chains) on the default scheduler.
//!
//! cargo run --release --example overhead -- [TASKS] [profile|dot]
//! cargo run --release --features dashboard --example overhead -- [TASKS] dashboard
//!
//! With `profile`, a `diagnostics::Profiler` records every task (the cost of watching);
//! with `dashboard`, the runs are shown on a dashboard (on a free loopback port);
//! with `dot`, the graph is also drawn as DOT (by task groups) and the time printed.
use std::time::Instant;

use chunkwise::{Delayed, collect, delayed};

fn main() -> chunkwise::Result<()> {
    let tasks: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("TASKS must be a number"))
        .unwrap_or(1_000_000);
    let half = tasks / 2;
    let chain_len = 1000.min(half.max(1));
    let chains = half / chain_len;

    let profiler = (std::env::args().nth(2).as_deref() == Some("profile")).then(|| {
        let p = chunkwise::diagnostics::Profiler::new();
        chunkwise::Config::current().map(|c| c.observe(p.clone()).set_default())?;
        Ok::<_, chunkwise::Error>(p)
    });
    let profiler = profiler.transpose()?;
    #[cfg(feature = "dashboard")]
    if std::env::args().nth(2).as_deref() == Some("dashboard") {
        let d = chunkwise::diagnostics::Dashboard::start("127.0.0.1:0", true)?;
        eprintln!("dashboard={}", d.url());
        chunkwise::Config::current()?.observe(d).set_default();
    }
    let t0 = Instant::now();
    // A wide fan-in: `half` leaves summed by one task.
    let leaves: Vec<Delayed<u64>> = (0..half as u64).map(|i| delayed(move || i)).collect();
    let total = collect(&leaves).map(|v| v.iter().sum::<u64>());
    // Long chains: `chains` chains of `chain_len` increments.
    let ends: Vec<Delayed<u64>> = (0..chains as u64)
        .map(|c| {
            let mut x = delayed(move || c);
            for _ in 1..chain_len {
                x = x.map(|v| v + 1);
            }
            x
        })
        .collect();
    drop(leaves);
    let build = t0.elapsed().as_secs_f64();

    if std::env::args().nth(2).as_deref() == Some("dot") {
        let t = Instant::now();
        let dot = chunkwise::Graph::of((&total, &ends))?.to_dot();
        println!(
            "dot_secs={:.3} dot_lines={}",
            t.elapsed().as_secs_f64(),
            dot.lines().count()
        );
    }
    let t1 = Instant::now();
    let (sum, ends) = chunkwise::compute((&total, &ends))?;
    let run = t1.elapsed().as_secs_f64();
    let stats = chunkwise::last_stats().expect("a compute ran");
    if let Some(p) = &profiler {
        assert_eq!(p.results().len(), stats.tasks_run, "one record per task");
    }

    let expect_sum = (half as u64).saturating_sub(1) * half as u64 / 2;
    assert_eq!(sum, expect_sum, "fan-in sum");
    for (c, e) in ends.iter().enumerate() {
        assert_eq!(*e, c as u64 + chain_len as u64 - 1, "chain {c}");
    }
    println!(
        "tasks={} workers={} build_secs={build:.3} run_secs={run:.3} per_task_us={:.3} checksum={:016x}",
        stats.tasks,
        stats.workers,
        run * 1e6 / stats.tasks as f64,
        sum ^ ends.iter().sum::<u64>()
    );
    Ok(())
}
