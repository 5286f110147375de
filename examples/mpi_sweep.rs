//! The tutorial's parameter sweep (seed 002 §6.1) and external-program runs (seed 000),
//! written once, run on threads or on every MPI rank. Prints one summary line (on rank 0
//! under MPI) whose checksum does not depend on where it ran.
//!
//! cargo run --features mpi --example mpi_sweep
//! mpirun -np 3 target/debug/examples/mpi_sweep
//! mpirun -np 2 target/debug/examples/mpi_sweep --diverge   # ranks build different graphs: an error
//! mpirun -np 2 target/debug/examples/mpi_sweep --fail      # a failing task ends the job
//! mpirun -np 3 target/debug/examples/mpi_sweep --exit      # a task exiting its process ends the job
//! mpirun -np 3 target/debug/examples/mpi_sweep --uneven    # uneven runs, handed out as ranks ask
//! mpirun -np 3 target/debug/examples/mpi_sweep --observe   # each rank counts task events
//!                                                          # (rank 0 also sees the others')
//! mpirun -np 3 target/debug/examples/mpi_sweep --client    # the sweep as Client::map futures
//! mpirun -np 3 target/debug/examples/mpi_sweep --bag       # a bag of serde records shuffled by key
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

use chunkwise::random::{ChunkStream, chunk_states};
use chunkwise::{Client, Cmd, Config, Delayed, Event, Observer, delayed};

/// Counts task starts and finishes (and those of `Client::map` calls) on this rank, and
/// on rank 0 the other ranks' finished tasks, forwarded to its observers over MPI.
struct Counts {
    forwarded: AtomicUsize,
    starts: AtomicUsize,
    finishes: AtomicUsize,
    maps: AtomicUsize,
    bad_worker: AtomicUsize,
    /// Worker threads per rank, read once.
    workers: usize,
}

impl Observer for Counts {
    fn on_event(&self, event: &Event<'_>) {
        let me = chunkwise::cluster::rank();
        match event {
            Event::TaskFinished { rank, .. } | Event::TaskStarted { rank, .. } if *rank != me => {
                // Only rank 0 is sent the others' tasks.
                if me != 0 {
                    self.bad_worker.fetch_add(1, Relaxed);
                }
                if matches!(event, Event::TaskFinished { .. }) {
                    self.forwarded.fetch_add(1, Relaxed);
                }
            }
            Event::TaskStarted { .. } => {
                self.starts.fetch_add(1, Relaxed);
            }
            Event::TaskFinished {
                key, worker, rank, ..
            } => {
                self.finishes.fetch_add(1, Relaxed);
                if key.label() == "map" {
                    self.maps.fetch_add(1, Relaxed);
                }
                if *worker >= self.workers || *rank != me {
                    self.bad_worker.fetch_add(1, Relaxed);
                }
            }
            _ => {}
        }
    }
}

/// Mean and sd of `n` draws of N(mean, sd) from stream `k` of seed 1.
fn calc_mean(mean: f64, sd: f64, n: usize, k: usize) -> Vec<f64> {
    let state = chunk_states(1, k + 1).pop().expect("one state");
    let mut s = ChunkStream::new(&state);
    let mut x = vec![0.0; n];
    s.fill_normal(&mut x, mean, sd);
    let m = x.iter().sum::<f64>() / n as f64;
    let v = x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n as f64;
    vec![m, v.sqrt()]
}

/// A record type with only serde derives: shuffled and folded across ranks.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Trial {
    setting: String,
    seed: u64,
    score: f64,
}

/// --bag: trials grouped by setting (a shuffle of the records) and folded per setting
/// (bucketed partials), on threads or across the ranks; one line of answers.
fn bag_sweep() -> chunkwise::Result<()> {
    use chunkwise::bag::Bag;
    let trials: Vec<Trial> = (0..40_000u64)
        .map(|i| Trial {
            setting: format!("s{}", (i * 7919) % 613),
            seed: i,
            score: ((i * 31) % 1000) as f64 / 7.0,
        })
        .collect();
    // The collected answer crosses ranks too: its type needs a codec.
    chunkwise::register_serde::<Vec<(String, u64, u64)>>();
    let bag = Bag::from_iter(trials, 9);
    let groups = bag.groupby(|t: &Trial| t.setting.clone(), Some(5));
    let sizes = groups.map(|(s, ts): &(String, Vec<Trial>)| {
        (
            s.clone(),
            ts.len() as u64,
            ts.iter().map(|t| t.seed).sum::<u64>(),
        )
    });
    let best = bag.foldby(
        |t: &Trial| t.setting.clone(),
        (0u64, f64::MIN),
        |a, t| *a = if t.score > a.1 { (t.seed, t.score) } else { *a },
        |a, b| {
            if b.1 > a.1 || (b.1 == a.1 && b.0 < a.0) {
                *a = *b
            }
        },
    );
    let (mut sizes, best) = chunkwise::compute((&sizes.collect(), &best))?;
    sizes.sort();
    let mut checksum = 0u64;
    for (s, n, seeds) in &sizes {
        checksum = checksum.rotate_left(7) ^ n ^ seeds.rotate_left(13) ^ s.len() as u64;
    }
    for (s, (seed, score)) in &best {
        checksum = checksum.rotate_left(3) ^ seed ^ score.to_bits() ^ s.len() as u64;
    }
    if chunkwise::cluster::rank() == 0 {
        println!(
            "bag groups={} folded={} checksum={checksum:016x}",
            sizes.len(),
            best.len()
        );
    }
    Ok(())
}

fn main() -> chunkwise::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let has = |f: &str| args.iter().any(|a| a == f);
    if has("--bag") {
        return bag_sweep();
    }
    let t0 = Instant::now();
    let counts = Arc::new(Counts {
        forwarded: AtomicUsize::new(0),
        starts: AtomicUsize::new(0),
        finishes: AtomicUsize::new(0),
        maps: AtomicUsize::new(0),
        bad_worker: AtomicUsize::new(0),
        workers: Config::current()?.get_scheduler().workers(),
    });
    if has("--observe") || has("--client") {
        Config::current()?.observe(counts.clone()).set_default();
    }
    let params = [(0.0, 1.0), (0.0, 2.0), (1.0, 1.0), (1.0, 2.0)];
    let mut reps: Vec<Delayed<Vec<f64>>> = Vec::new();
    let mut inputs = Vec::new();
    for (p, &(m, s)) in params.iter().enumerate() {
        for r in 0..20 {
            let k = p * 20 + r;
            inputs.push((m, s, k));
            reps.push(delayed(move || calc_mean(m, s, 100_000, k)).spillable());
        }
    }
    // --client: the same sweep as futures (under MPI, spread over the ranks).
    let mapped = has("--client").then(|| -> chunkwise::Result<Vec<Vec<f64>>> {
        let client = Client::from_env()?;
        let futures = client.map(|(m, s, k)| calc_mean(m, s, 100_000, k), inputs);
        client.gather(&futures)
    });
    let mapped = mapped.transpose()?;
    if has("--diverge") && chunkwise::cluster::rank() == 1 {
        reps.push(delayed(|| vec![0.0]).spillable());
    }
    let runs: Vec<_> = (0..12)
        .map(|i| {
            let code = if has("--fail") && i == 7 { 3 } else { 0 };
            // --uneven: six runs take a second, the others none (seed 000's iqtree mix).
            let pause = if has("--uneven") && i < 6 { 1 } else { 0 };
            if has("--exit") && i == 7 {
                // A task whose process exits: the job must end, not hang.
                return delayed(|| -> chunkwise::CmdOutput { std::process::exit(4) }).spillable();
            }
            Cmd::new("sh")
                .args(["-c", &format!("sleep {pause}; echo run {i}; exit {code}")])
                .delayed()
        })
        .collect();
    let graph_tasks = chunkwise::Graph::of((&reps, &runs))?.len();
    let (reps, runs) = chunkwise::compute((&reps, &runs))?;
    let tasks_run = chunkwise::last_stats().map_or(0, |s| s.tasks_run);
    let reps = mapped.unwrap_or(reps);
    if has("--observe") || has("--client") {
        // Every rank: its own share. The sum over ranks of `ran` is the graph's tasks.
        println!(
            "observed rank={} starts={} finishes={} ran={tasks_run} graph={graph_tasks} maps={} bad_worker={} forwarded={}",
            chunkwise::cluster::rank(),
            counts.starts.load(Relaxed) - counts.maps.load(Relaxed),
            counts.finishes.load(Relaxed) - counts.maps.load(Relaxed),
            counts.maps.load(Relaxed),
            counts.bad_worker.load(Relaxed),
            counts.forwarded.load(Relaxed),
        );
    }
    let mut checksum = 0u64;
    for r in &reps {
        checksum = checksum.rotate_left(9) ^ r[0].to_bits() ^ r[1].to_bits().rotate_left(3);
    }
    for r in &runs {
        checksum = checksum.rotate_left(5) ^ u64::from(r.stdout[4]);
    }
    if chunkwise::cluster::rank() == 0 {
        println!(
            "reps={} runs={} ok={} secs={:.3} peak_rss_mb={:.1} checksum={checksum:016x}",
            reps.len(),
            runs.len(),
            runs.iter().all(|r| r.success),
            t0.elapsed().as_secs_f64(),
            chunkwise::peak_rss_mb()
        );
    }
    Ok(())
}
