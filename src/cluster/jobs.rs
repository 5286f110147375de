//! Batch job scripts for SLURM, SGE and PBS: resources in, a script out, submitted with
//! `sbatch`/`qsub`, waited for, scaled to a number of workers.
//!
//! The terms follow dask-jobqueue, and the seed's pitfalls are handled here:
//! - **cores, processes, threads**: `cores` are the CPUs of one job; `processes` the MPI
//!   ranks it runs (each rank then uses `cores / processes` threads, passed as
//!   `CHUNKWISE_WORKERS`). A worker is a process: `scale(n)` submits
//!   `ceil(n / processes)` jobs.
//! - **memory** is per job; SGE's `h_vmem`/`mem_free` are per slot, so the script asks
//!   for `memory / cores` per slot (the seed's "one slot per job" surprise comes from
//!   asking for cores without a parallel environment: set [`JobScript::sge_pe`]).
//! - **environment**: passed on (`--export=ALL`, `-V`), so programs on `PATH` (iqtree,
//!   mafft) are found on the nodes.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::{Error, Result};

/// Which batch system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BatchSystem {
    /// SLURM (`sbatch`, `squeue`).
    Slurm,
    /// Sun/Univa/Son of Grid Engine (`qsub`, `qstat`).
    Sge,
    /// PBS Pro / Torque (`qsub`, `qstat`).
    Pbs,
}

/// How the ranks of a job are started.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Launcher {
    /// `srun` (SLURM's own launcher).
    Srun,
    /// `mpirun -np <processes>`.
    Mpirun,
    /// The command as is, once.
    Direct,
}

/// An array job: `n` tasks, at most `max_concurrent` running at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ArraySpec {
    /// Number of tasks (indices `0..n`).
    pub n: usize,
    /// Concurrency cap (0: no cap).
    pub max_concurrent: usize,
}

/// A batch job, as a builder; [`JobScript::job_script`] renders it.
///
/// ```
/// use chunkwise::cluster::{JobScript, BatchSystem};
/// let job = JobScript::new(BatchSystem::Sge)
///     .cores(10)
///     .memory("64GB")
///     .processes(1)
///     .queue("256G-batch")
///     .extra(["-cwd", "-V"])
///     .command(["./target/release/examples/commands"]);
/// let text = job.job_script();
/// assert!(text.contains("#$ -q 256G-batch"));
/// assert!(text.contains("#$ -pe smp 10"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JobScript {
    system: BatchSystem,
    name: String,
    cores: u32,
    memory: Option<String>,
    processes: u32,
    queue: Option<String>,
    walltime: Option<String>,
    account: Option<String>,
    extra: Vec<String>,
    pass_env: bool,
    log_dir: Option<PathBuf>,
    sge_pe: String,
    launcher: Launcher,
    prologue: Vec<String>,
    command: Vec<String>,
    array: Option<ArraySpec>,
}

impl JobScript {
    /// A job for `system` with one core, one process, the environment passed on.
    pub fn new(system: BatchSystem) -> Self {
        JobScript {
            system,
            name: "chunkwise".into(),
            cores: 1,
            memory: None,
            processes: 1,
            queue: None,
            walltime: None,
            account: None,
            extra: Vec::new(),
            pass_env: true,
            log_dir: None,
            sge_pe: "smp".into(),
            launcher: match system {
                BatchSystem::Slurm => Launcher::Srun,
                _ => Launcher::Mpirun,
            },
            prologue: Vec::new(),
            command: Vec::new(),
            array: None,
        }
    }

    /// SLURM.
    pub fn slurm() -> Self {
        Self::new(BatchSystem::Slurm)
    }
    /// SGE.
    pub fn sge() -> Self {
        Self::new(BatchSystem::Sge)
    }
    /// PBS.
    pub fn pbs() -> Self {
        Self::new(BatchSystem::Pbs)
    }

    /// The job's name.
    pub fn name(mut self, name: &str) -> Self {
        self.name = name.into();
        self
    }
    /// CPUs of one job.
    pub fn cores(mut self, cores: u32) -> Self {
        self.cores = cores.max(1);
        self
    }
    /// Memory of one job (`64GB`, `4000MB`).
    pub fn memory(mut self, memory: &str) -> Self {
        self.memory = Some(memory.into());
        self
    }
    /// MPI ranks (workers) per job.
    pub fn processes(mut self, processes: u32) -> Self {
        self.processes = processes.max(1);
        self
    }
    /// Queue (SGE, PBS) or partition (SLURM).
    pub fn queue(mut self, queue: &str) -> Self {
        self.queue = Some(queue.into());
        self
    }
    /// Wall-clock limit, `HH:MM:SS`.
    pub fn walltime(mut self, walltime: &str) -> Self {
        self.walltime = Some(walltime.into());
        self
    }
    /// Account (SLURM, PBS) or project (SGE).
    pub fn account(mut self, account: &str) -> Self {
        self.account = Some(account.into());
        self
    }
    /// Extra directives, written after the directive prefix (`-cwd`, `--constraint=x`).
    pub fn extra<I: IntoIterator<Item = S>, S: Into<String>>(mut self, extra: I) -> Self {
        self.extra.extend(extra.into_iter().map(Into::into));
        self
    }
    /// Whether to pass the submitting environment on (default true).
    pub fn pass_env(mut self, on: bool) -> Self {
        self.pass_env = on;
        self
    }
    /// Where standard output and error go.
    pub fn log_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.log_dir = Some(dir.into());
        self
    }
    /// SGE parallel environment used for `cores` (default `smp`).
    pub fn sge_pe(mut self, pe: &str) -> Self {
        self.sge_pe = pe.into();
        self
    }
    /// How ranks are started (default: `srun` on SLURM, `mpirun` elsewhere).
    pub fn launcher(mut self, launcher: Launcher) -> Self {
        self.launcher = launcher;
        self
    }
    /// Shell lines run before the command (`module load openmpi`).
    pub fn prologue<I: IntoIterator<Item = S>, S: Into<String>>(mut self, lines: I) -> Self {
        self.prologue.extend(lines.into_iter().map(Into::into));
        self
    }
    /// The program and its arguments.
    pub fn command<I: IntoIterator<Item = S>, S: Into<String>>(mut self, argv: I) -> Self {
        self.command = argv.into_iter().map(Into::into).collect();
        self
    }
    /// Makes this an array job.
    pub fn array(mut self, n: usize, max_concurrent: usize) -> Self {
        self.array = Some(ArraySpec { n, max_concurrent });
        self
    }

    /// Memory per core, for SGE's per-slot limits (`64GB` over 10 cores is `6554M`).
    fn memory_per_core(&self) -> Option<String> {
        let bytes = crate::parse_bytes(self.memory.as_deref()?).ok()?;
        Some(format!(
            "{}M",
            (bytes / u64::from(self.cores)).div_ceil(1_000_000)
        ))
    }

    fn memory_mb(&self) -> Option<String> {
        let bytes = crate::parse_bytes(self.memory.as_deref()?).ok()?;
        Some(format!("{}M", bytes.div_ceil(1_000_000)))
    }

    /// The batch script.
    pub fn job_script(&self) -> String {
        let mut s = String::from("#!/usr/bin/env bash\n");
        let log = |stream: &str, id: &str| {
            self.log_dir.as_ref().map(|d| {
                d.join(format!("{}-{id}.{stream}", self.name))
                    .display()
                    .to_string()
            })
        };
        match self.system {
            BatchSystem::Slurm => {
                let d = |s: &mut String, v: String| writeln!(s, "#SBATCH {v}").unwrap();
                d(&mut s, format!("--job-name={}", self.name));
                d(&mut s, "--nodes=1".into());
                d(&mut s, format!("--ntasks={}", self.processes));
                d(
                    &mut s,
                    format!("--cpus-per-task={}", (self.cores / self.processes).max(1)),
                );
                if let Some(m) = self.memory_mb() {
                    d(&mut s, format!("--mem={m}"));
                }
                if let Some(q) = &self.queue {
                    d(&mut s, format!("--partition={q}"));
                }
                if let Some(t) = &self.walltime {
                    d(&mut s, format!("--time={t}"));
                }
                if let Some(a) = &self.account {
                    d(&mut s, format!("--account={a}"));
                }
                if self.pass_env {
                    d(&mut s, "--export=ALL".into());
                }
                let id = if self.array.is_some() { "%A_%a" } else { "%j" };
                if let (Some(o), Some(e)) = (log("out", id), log("err", id)) {
                    d(&mut s, format!("--output={o}"));
                    d(&mut s, format!("--error={e}"));
                }
                if let Some(a) = self.array {
                    let cap = if a.max_concurrent > 0 {
                        format!("%{}", a.max_concurrent)
                    } else {
                        String::new()
                    };
                    d(&mut s, format!("--array=0-{}{cap}", a.n.saturating_sub(1)));
                }
                for x in &self.extra {
                    d(&mut s, x.clone());
                }
            }
            BatchSystem::Sge => {
                let d = |s: &mut String, v: String| writeln!(s, "#$ {v}").unwrap();
                d(&mut s, format!("-N {}", self.name));
                if self.cores > 1 {
                    d(&mut s, format!("-pe {} {}", self.sge_pe, self.cores));
                }
                if let Some(m) = self.memory_per_core() {
                    d(&mut s, format!("-l h_vmem={m},mem_free={m}"));
                }
                if let Some(q) = &self.queue {
                    d(&mut s, format!("-q {q}"));
                }
                if let Some(t) = &self.walltime {
                    d(&mut s, format!("-l h_rt={t}"));
                }
                if let Some(a) = &self.account {
                    d(&mut s, format!("-P {a}"));
                }
                if self.pass_env && !self.extra.iter().any(|x| x == "-V") {
                    d(&mut s, "-V".into());
                }
                if let (Some(o), Some(e)) = (log("out", "$JOB_ID"), log("err", "$JOB_ID")) {
                    d(&mut s, format!("-o {o}"));
                    d(&mut s, format!("-e {e}"));
                }
                if let Some(a) = self.array {
                    // SGE task ids start at 1.
                    d(&mut s, format!("-t 1-{}", a.n.max(1)));
                    if a.max_concurrent > 0 {
                        d(&mut s, format!("-tc {}", a.max_concurrent));
                    }
                }
                for x in &self.extra {
                    d(&mut s, x.clone());
                }
            }
            BatchSystem::Pbs => {
                let d = |s: &mut String, v: String| writeln!(s, "#PBS {v}").unwrap();
                d(&mut s, format!("-N {}", self.name));
                let mut select =
                    format!("select=1:ncpus={}:mpiprocs={}", self.cores, self.processes);
                if let Some(m) = self.memory_mb() {
                    write!(select, ":mem={}mb", m.trim_end_matches('M')).unwrap();
                }
                d(&mut s, format!("-l {select}"));
                if let Some(q) = &self.queue {
                    d(&mut s, format!("-q {q}"));
                }
                if let Some(t) = &self.walltime {
                    d(&mut s, format!("-l walltime={t}"));
                }
                if let Some(a) = &self.account {
                    d(&mut s, format!("-A {a}"));
                }
                if self.pass_env {
                    d(&mut s, "-V".into());
                }
                if let Some(dir) = &self.log_dir {
                    d(&mut s, format!("-o {}", dir.display()));
                    d(&mut s, format!("-e {}", dir.display()));
                }
                if let Some(a) = self.array {
                    let cap = if a.max_concurrent > 0 {
                        format!("%{}", a.max_concurrent)
                    } else {
                        String::new()
                    };
                    d(&mut s, format!("-J 0-{}{cap}", a.n.saturating_sub(1)));
                }
                for x in &self.extra {
                    d(&mut s, x.clone());
                }
            }
        }
        s.push('\n');
        if self.system == BatchSystem::Pbs {
            s.push_str("cd \"${PBS_O_WORKDIR:-.}\"\n");
        }
        let threads = (self.cores / self.processes).max(1);
        writeln!(s, "export CHUNKWISE_WORKERS={threads}").unwrap();
        if self.array.is_some() {
            // One index variable whatever the system: 0-based.
            s.push_str(match self.system {
                BatchSystem::Slurm => "export CHUNKWISE_ARRAY_TASK=$SLURM_ARRAY_TASK_ID\n",
                BatchSystem::Sge => "export CHUNKWISE_ARRAY_TASK=$((SGE_TASK_ID - 1))\n",
                BatchSystem::Pbs => {
                    "export CHUNKWISE_ARRAY_TASK=${PBS_ARRAY_INDEX:-$PBS_ARRAYID}\n"
                }
            });
        }
        for line in &self.prologue {
            writeln!(s, "{line}").unwrap();
        }
        let argv = self
            .command
            .iter()
            .map(|a| shell_quote(a))
            .collect::<Vec<_>>()
            .join(" ");
        // Array tasks are one process each; one rank needs no launcher but srun's.
        let run = match &self.launcher {
            _ if self.array.is_some() => argv,
            Launcher::Srun => format!("srun --ntasks={} {argv}", self.processes),
            Launcher::Mpirun if self.processes > 1 => {
                format!("mpirun -np {} {argv}", self.processes)
            }
            Launcher::Mpirun | Launcher::Direct => argv,
        };
        writeln!(s, "{run}").unwrap();
        s
    }

    fn submit_command(&self) -> (&'static str, Vec<String>) {
        match self.system {
            BatchSystem::Slurm => ("sbatch", vec!["--parsable".into()]),
            BatchSystem::Sge | BatchSystem::Pbs => ("qsub", Vec::new()),
        }
    }

    /// Writes the script to a file and submits it; returns the job id.
    pub fn submit(&self) -> Result<String> {
        let dir = self.log_dir.clone().unwrap_or_else(std::env::temp_dir);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let path = dir.join(format!("{}-{}.sh", self.name, std::process::id()));
        std::fs::write(&path, self.job_script()).map_err(|e| Error::io(&path, e))?;
        let (prog, mut args) = self.submit_command();
        args.push(path.display().to_string());
        let out = crate::Cmd::new(prog).args(&args).run()?;
        parse_job_id(self.system, &out.stdout_str()).ok_or_else(|| Error::Command {
            command: format!("{prog} {}", args.join(" ")),
            status: "printed no job id".into(),
            stderr_tail: out.stdout_str(),
        })
    }

    /// Submits `ceil(workers / processes)` jobs, as dask-jobqueue's `scale(n)` counts.
    pub fn scale(&self, workers: usize) -> Result<Vec<String>> {
        (0..jobs_for(workers, self.processes))
            .map(|_| self.submit())
            .collect()
    }

    /// Waits until the job has left the queue (polling `squeue`/`qstat`).
    pub fn wait(&self, job_id: &str, poll: Duration) -> Result<()> {
        loop {
            let (prog, args): (&str, Vec<&str>) = match self.system {
                BatchSystem::Slurm => ("squeue", vec!["-h", "-j", job_id]),
                BatchSystem::Sge => ("qstat", vec!["-j", job_id]),
                BatchSystem::Pbs => ("qstat", vec![job_id]),
            };
            let out = Command::new(prog)
                .args(&args)
                .output()
                .map_err(|e| Error::MissingTool {
                    tool: prog.into(),
                    hint: format!("{e}; is the batch system's client installed?"),
                })?;
            let text = String::from_utf8_lossy(&out.stdout);
            if !out.status.success() || text.trim().is_empty() {
                return Ok(());
            }
            std::thread::sleep(poll);
        }
    }
}

/// Jobs needed for `workers` workers at `processes` per job.
pub fn jobs_for(workers: usize, processes: u32) -> usize {
    workers.div_ceil(processes.max(1) as usize)
}

fn parse_job_id(system: BatchSystem, stdout: &str) -> Option<String> {
    let text = stdout.trim();
    match system {
        // `--parsable`: `123` or `123;cluster`.
        BatchSystem::Slurm => text
            .split(';')
            .next()
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        // `Your job 123 ("name") has been submitted` (or `job-array 123.1-4:1`).
        BatchSystem::Sge => text
            .split_whitespace()
            .skip_while(|w| *w != "job" && *w != "job-array")
            .nth(1)
            .map(|id| id.split('.').next().unwrap_or(id).to_string()),
        // `123.server`.
        BatchSystem::Pbs => text
            .lines()
            .next()
            .map(|l| l.trim().to_string())
            .filter(|s| !s.is_empty()),
    }
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_parse() {
        assert_eq!(
            parse_job_id(BatchSystem::Slurm, "4242\n").as_deref(),
            Some("4242")
        );
        assert_eq!(
            parse_job_id(BatchSystem::Slurm, "4242;c1\n").as_deref(),
            Some("4242")
        );
        assert_eq!(
            parse_job_id(
                BatchSystem::Sge,
                "Your job 77 (\"chunkwise\") has been submitted\n"
            )
            .as_deref(),
            Some("77")
        );
        assert_eq!(
            parse_job_id(
                BatchSystem::Sge,
                "Your job-array 78.1-4:1 (\"x\") has been submitted"
            )
            .as_deref(),
            Some("78")
        );
        assert_eq!(
            parse_job_id(BatchSystem::Pbs, "1234.pbs01\n").as_deref(),
            Some("1234.pbs01")
        );
        assert_eq!(jobs_for(10, 3), 4);
        assert_eq!(jobs_for(0, 3), 0);
    }
}
