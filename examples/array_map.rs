//! An adaptive map on the queue (seed 000's many iqtree runs; seed 002 §6.6): 40 uneven
//! external-program runs as a SLURM array job of at most 4 tasks at once, results
//! gathered from a shared directory. The same binary is the driver and every task.
//!
//! cargo run --example array_map -- SHARED_DIR        (needs sbatch; see scripts/slurm-test.sh)
//! cargo run --example array_map -- SHARED_DIR --local  (the same runs on threads, to compare)
//! cargo run --example array_map -- SHARED_DIR --die-once  (one task dies; it is resubmitted)
//! cargo run --example array_map -- SHARED_DIR --sge    (SGE instead of SLURM)
use chunkwise::cluster::{ArrayMap, JobScript};
use chunkwise::{Cmd, compute};

/// One "alignment": a program whose run time varies with its input.
fn run(input: String) -> String {
    let n: u32 = input.trim_start_matches("aln").parse().unwrap_or(0);
    // --die-once: the task holding input 13 dies the first time (as a node lost or a
    // walltime kill would end it); the driver submits that task again.
    if n == 13 && std::env::args().any(|a| a == "--die-once") {
        let dir = std::env::var(chunkwise::cluster::ARRAY_DIR_ENV).unwrap_or_default();
        let mark = std::path::Path::new(&dir).join("died-13");
        if !dir.is_empty() && !mark.exists() {
            let _ = std::fs::write(&mark, b"");
            std::process::exit(9);
        }
    }
    let script = format!("sleep 0.0{}; echo {input} $(( {n} * {n} ))", n % 7);
    Cmd::new("sh").args(["-c", &script]).run().map_or_else(
        |e| format!("error: {e}"),
        |o| o.stdout_str().trim().to_string(),
    )
}

fn main() -> chunkwise::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let dir = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "/tmp/chunkwise-array".into());
    let inputs: Vec<String> = (0..40).map(|i| format!("aln{i}")).collect();
    let results: Vec<String> = if args.iter().any(|a| a == "--local") {
        let runs: Vec<_> = inputs
            .iter()
            .map(|i| {
                let i = i.clone();
                chunkwise::delayed(move || run(i.clone()))
            })
            .collect();
        compute(&runs)?
    } else {
        let system = if args.iter().any(|a| a == "--sge") {
            JobScript::sge()
        } else {
            JobScript::slurm()
        };
        let job = system
            .name("array_map")
            .cores(1)
            .memory("500MB")
            .log_dir(&dir);
        ArrayMap::new(job, &dir).adapt(2, 4).map(inputs, run)?
    };
    let checksum = results.iter().fold(0u64, |a, r| {
        a.rotate_left(7) ^ xxhash_rust::xxh3::xxh3_64(r.as_bytes())
    });
    println!("{}", results[..3].join(" | "));
    println!("results={} checksum={checksum:016x}", results.len());
    Ok(())
}
