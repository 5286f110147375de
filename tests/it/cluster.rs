use std::path::Path;

use chunkwise::cluster::{ArrayMap, JobScript, Launcher, jobs_for};
use chunkwise::{Delayed, Encode};

/// Compares with `tests/golden/NAME`; `CHUNKWISE_BLESS=1` rewrites the file.
fn golden(name: &str, text: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("CHUNKWISE_BLESS").is_some() {
        std::fs::write(&path, text).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        text, want,
        "golden {name} differs (CHUNKWISE_BLESS=1 to accept)"
    );
}

#[test]
fn sge_script_for_the_seed() {
    let job = JobScript::sge()
        .name("iqtree")
        .cores(10)
        .memory("64GB")
        .processes(1)
        .queue("256G-batch")
        .extra(["-cwd", "-V"])
        .walltime("02:00:00")
        .account("phylo")
        .log_dir("/home/me/logs")
        .command(["iqtree", "-s", "aln 1.phy", "-nt", "10"]);
    golden("sge.sh", &job.job_script());
}

#[test]
fn slurm_script_for_the_tutorial() {
    let job = JobScript::slurm()
        .name("wiki")
        .cores(24)
        .processes(4)
        .memory("96GB")
        .queue("savio2")
        .walltime("01:00:00")
        .account("co_stat")
        .extra(["--constraint=ib"])
        .log_dir("logs")
        .prologue(["module load openmpi"])
        .command(["./wiki", "/global/scratch/wiki/part*"]);
    golden("slurm.sh", &job.job_script());
    let mpirun = job.clone().launcher(Launcher::Mpirun).job_script();
    assert!(mpirun.contains("mpirun -np 4 ./wiki '/global/scratch/wiki/part*'"));
}

#[test]
fn pbs_script_and_arrays() {
    let job = JobScript::pbs()
        .name("sweep")
        .cores(8)
        .processes(2)
        .memory("16GB")
        .queue("workq")
        .walltime("00:30:00")
        .account("proj1")
        .command(["./sweep"]);
    golden("pbs.sh", &job.job_script());
    let arr = |j: JobScript| j.array(100, 8).command(["./task"]).job_script();
    let s = arr(JobScript::slurm());
    assert!(
        s.contains("#SBATCH --array=0-99%8")
            && s.contains("CHUNKWISE_ARRAY_TASK=$SLURM_ARRAY_TASK_ID")
    );
    let g = arr(JobScript::sge());
    assert!(
        g.contains("#$ -t 1-100") && g.contains("#$ -tc 8") && g.contains("$((SGE_TASK_ID - 1))")
    );
    let p = arr(JobScript::pbs());
    assert!(p.contains("#PBS -J 0-99%8"));
    // Array tasks run one process each, never under mpirun.
    assert!(s.trim_end().ends_with("./task"));
    assert_eq!(jobs_for(10, 4), 3);
}

#[test]
fn array_map_runs_slices_and_gathers_in_order() {
    // The queue's part played by hand: every task run in turn, as a batch system would.
    let dir = tempfile::tempdir().unwrap();
    let map = ArrayMap::new(JobScript::slurm(), dir.path()).adapt(2, 3);
    let inputs: Vec<String> = (0..29).map(|i| format!("input-{i}")).collect();
    let tasks = map.tasks_for(inputs.len());
    assert_eq!(tasks, 12);
    // The driver's first step, then each task's.
    let enc: Vec<(u64, &String)> = inputs
        .iter()
        .enumerate()
        .map(|(i, s)| (i as u64, s))
        .collect();
    {
        use std::io::Write;
        let mut f = std::fs::File::create(dir.path().join("inputs.bin")).unwrap();
        f.write_all(&(enc.len() as u64).to_le_bytes()).unwrap();
        for (i, s) in &enc {
            f.write_all(&i.to_le_bytes()).unwrap();
            s.encode(&mut f).unwrap();
        }
    }
    for k in 0..tasks {
        map.run_task(k, |s: String| s.len() as u64).unwrap();
    }
    let out: Vec<u64> = map.gather(inputs.len(), tasks).unwrap();
    assert_eq!(
        out,
        inputs.iter().map(|s| s.len() as u64).collect::<Vec<_>>()
    );
    // A task that wrote nothing is an error naming it, not a short result.
    std::fs::remove_file(dir.path().join("out-000003.bin")).unwrap();
    let err = map
        .gather::<u64>(inputs.len(), tasks)
        .unwrap_err()
        .to_string();
    assert!(err.contains("array task 3"), "{err}");
    let script = map.job_script(inputs.len()).unwrap();
    assert!(script.contains("--array=0-11%3") && script.contains("CHUNKWISE_ARRAY_DIR="));
    let _: Option<Delayed<u8>> = None;
}
