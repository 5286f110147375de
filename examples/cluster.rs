//! Job scripts (seed 000, seed 002 §5.5, §9): prints the script for the seed's SGE
//! settings and for the tutorial's SLURM settings; `--submit` submits the SLURM one
//! (running `array_mean` on 2 ranks under mpirun) and waits for it, `--submit-sge` the
//! same run as an SGE job.
//!
//! cargo run --example cluster [-- --submit [LOG_DIR]]       (SLURM: sbatch)
//! cargo run --example cluster [-- --submit-sge [LOG_DIR]]   (SGE: qsub)
use std::time::Duration;

use chunkwise::cluster::{JobScript, Launcher, jobs_for};

fn main() -> chunkwise::Result<()> {
    // Seed 000: SGECluster(cores=10, memory="64GB", processes=1, queue='256G-batch',
    // job_extra=['-cwd', '-V']) and scale(10).
    let sge = JobScript::sge()
        .name("iqtree")
        .cores(10)
        .memory("64GB")
        .processes(1)
        .queue("256G-batch")
        .extra(["-cwd", "-V"])
        .command(["./target/release/examples/commands"]);
    println!(
        "# SGE, as seed 000 (scale(10) submits {} jobs):",
        jobs_for(10, 1)
    );
    println!("{}", sge.job_script());

    // Seed 002 §5.5 / §9: a SLURM job whose ranks compute together.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let log_dir = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "/tmp/chunkwise-jobs".into());
    let exe = std::env::current_exe().map_err(|e| chunkwise::Error::io("current exe", e))?;
    let array_mean = exe.with_file_name("array_mean");
    // Two ranks of one thread computing row means together, on either system.
    let rowmeans = |job: JobScript| {
        job.name("rowmeans")
            .cores(2)
            .processes(2)
            .log_dir(&log_dir)
            .launcher(Launcher::Mpirun)
            .prologue(["export CHUNKWISE_SCHEDULER=mpi"])
            .command([
                array_mean.display().to_string(),
                "4000".into(),
                "1000".into(),
            ])
    };
    let slurm = rowmeans(JobScript::slurm().memory("2GB").walltime("00:10:00"));
    println!("# SLURM, 2 ranks of 1 thread:");
    println!("{}", slurm.job_script());

    // The same run as an SGE job: 2 slots of the `smp` parallel environment, a memory
    // limit per slot, a queue, `-cwd -V` as seed 000 asks (scripts/sge-test.sh).
    let sge_run = rowmeans(
        JobScript::sge()
            .memory("8GB")
            .queue("all.q")
            .extra(["-cwd", "-V"]),
    );
    let submit = match args.first().map(String::as_str) {
        Some("--submit") => Some(&slurm),
        Some("--submit-sge") => Some(&sge_run),
        _ => None,
    };
    if let Some(job) = submit {
        println!("# submitting:\n{}", job.job_script());
        let id = job.submit()?;
        println!("submitted job {id}; waiting");
        job.wait(&id, Duration::from_secs(1))?;
        for entry in std::fs::read_dir(&log_dir).map_err(|e| chunkwise::Error::io(&log_dir, e))? {
            let path = entry.map_err(|e| chunkwise::Error::io(&log_dir, e))?.path();
            if path.to_string_lossy().contains(&format!("rowmeans-{id}")) {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                println!("== {}\n{text}", path.display());
            }
        }
        println!("job={id} state=done");
    }
    Ok(())
}
