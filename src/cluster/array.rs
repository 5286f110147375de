//! Adaptive maps on the queue itself: many independent calls (external programs, say)
//! run as an array job with a concurrency cap; each task runs a strided slice of the
//! inputs and writes its results to a shared directory, which the driver gathers.
//! Uneven run times balance because there are more tasks than the cap: the batch system
//! hands the next task to whichever slot frees first.

use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::jobs::JobScript;
use crate::encode::read_u64;
use crate::{Encode, Error, Result};

/// The environment variable an array task finds its 0-based index in.
pub const ARRAY_TASK_ENV: &str = "CHUNKWISE_ARRAY_TASK";
/// The environment variable naming the shared directory of an array map.
pub const ARRAY_DIR_ENV: &str = "CHUNKWISE_ARRAY_DIR";
/// In a resubmitted array job: the tasks it runs again, its index `i` standing for the
/// `i`-th of them (comma-separated).
const ARRAY_IDS_ENV: &str = "CHUNKWISE_ARRAY_IDS";

/// A map run as an array job, as `adapt(minimum, maximum)` does with workers.
///
/// The same program is the driver and, inside each array task, the worker: `map`
/// writes the inputs to `dir`, submits the program itself as an array job, waits, and
/// gathers; in an array task the same call runs its slice, writes it, and exits.
#[derive(Clone, Debug)]
pub struct ArrayMap {
    job: JobScript,
    dir: PathBuf,
    minimum: usize,
    maximum: usize,
    poll: Duration,
    retries: usize,
}

fn write_all<T: Encode>(path: &Path, items: &[(u64, &T)]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let io = |e| Error::io(&tmp, e);
    let mut w = BufWriter::new(std::fs::File::create(&tmp).map_err(io)?);
    w.write_all(&(items.len() as u64).to_le_bytes())
        .map_err(io)?;
    for (i, x) in items {
        w.write_all(&i.to_le_bytes()).map_err(io)?;
        x.encode(&mut w).map_err(io)?;
    }
    w.flush().map_err(io)?;
    drop(w);
    // Renamed only when complete: a half-written file is never taken for a result.
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

fn read_all<T: Encode>(path: &Path) -> Result<Vec<(u64, T)>> {
    let io = |e| Error::io(path, e);
    let mut r = BufReader::new(std::fs::File::open(path).map_err(io)?);
    let n = read_u64(&mut r).map_err(io)?;
    (0..n)
        .map(|_| {
            Ok((
                read_u64(&mut r).map_err(io)?,
                T::decode(&mut r).map_err(io)?,
            ))
        })
        .collect()
}

impl ArrayMap {
    /// A map submitted with `job` (its command is replaced by this program), sharing
    /// `dir` between the driver and the tasks (it must be on a shared file system).
    pub fn new(job: JobScript, dir: impl Into<PathBuf>) -> Self {
        ArrayMap {
            job,
            dir: dir.into(),
            minimum: 1,
            maximum: 16,
            poll: Duration::from_secs(2),
            retries: 2,
        }
    }

    /// At least `minimum` array tasks, at most `maximum` running at once.
    pub fn adapt(mut self, minimum: usize, maximum: usize) -> Self {
        self.minimum = minimum.max(1);
        self.maximum = maximum.max(1);
        self
    }

    /// How many times array tasks that wrote no results (killed, past their walltime,
    /// their node lost) are submitted again (default 2), as a new array job of just
    /// those tasks. Inputs still without a result then are named in the error.
    pub fn retries(mut self, n: usize) -> Self {
        self.retries = n;
        self
    }

    /// How often the driver polls the queue.
    pub fn poll(mut self, every: Duration) -> Self {
        self.poll = every;
        self
    }

    /// Number of array tasks for `n` inputs: up to four per slot, for balance.
    pub fn tasks_for(&self, n: usize) -> usize {
        n.min(self.maximum * 4).max(self.minimum).max(1)
    }

    /// The job script the driver submits for `n` inputs.
    pub fn job_script(&self, n: usize) -> Result<String> {
        Ok(self.job_for(n)?.job_script())
    }

    fn job_for(&self, n: usize) -> Result<JobScript> {
        self.job_for_tasks(self.tasks_for(n), None)
    }

    /// The array job of `tasks` tasks, or, for a resubmission, of tasks `ids` only.
    fn job_for_tasks(&self, tasks: usize, ids: Option<&[usize]>) -> Result<JobScript> {
        let exe = std::env::current_exe().map_err(|e| Error::io("current executable", e))?;
        let mut argv = vec![exe.display().to_string()];
        argv.extend(std::env::args().skip(1));
        let mut prologue = vec![format!("export {ARRAY_DIR_ENV}={}", self.dir.display())];
        if let Some(ids) = ids {
            let list: Vec<String> = ids.iter().map(usize::to_string).collect();
            prologue.push(format!("export {ARRAY_IDS_ENV}={}", list.join(",")));
        }
        let n = ids.map_or(tasks, <[usize]>::len);
        Ok(self
            .job
            .clone()
            .prologue(prologue)
            .command(argv)
            .array(n, self.maximum))
    }

    /// The tasks of `tasks` whose results are not there.
    fn missing(&self, tasks: usize) -> Vec<usize> {
        (0..tasks).filter(|&k| !self.out_path(k).exists()).collect()
    }

    /// Maps `f` over `inputs` on the queue and returns the results in input order.
    /// Inside an array task this runs the task's slice and exits the process.
    pub fn map<I, R, F>(&self, inputs: Vec<I>, f: F) -> Result<Vec<R>>
    where
        I: Encode,
        R: Encode,
        F: Fn(I) -> R,
    {
        if let Some(index) = array_task() {
            // In a resubmitted job, index `i` is the `i`-th task run again.
            let task = match std::env::var(ARRAY_IDS_ENV) {
                Ok(ids) => ids
                    .split(',')
                    .nth(index)
                    .and_then(|t| t.trim().parse().ok())
                    .ok_or_else(|| {
                        Error::invalid(format!("array index {index} is not in {ARRAY_IDS_ENV}"))
                    })?,
                Err(_) => index,
            };
            self.run_task(task, f)?;
            std::process::exit(0);
        }
        let n = inputs.len();
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        let indexed: Vec<(u64, &I)> = inputs
            .iter()
            .enumerate()
            .map(|(i, x)| (i as u64, x))
            .collect();
        write_all(&self.dir.join("inputs.bin"), &indexed)?;
        let tasks = self.tasks_for(n);
        for k in 0..tasks {
            let _ = std::fs::remove_file(self.out_path(k));
        }
        let job = self.job_for(n)?;
        let id = job.submit()?;
        job.wait(&id, self.poll)?;
        let mut missing = self.missing(tasks);
        for attempt in 2..=self.retries + 1 {
            if missing.is_empty() {
                break;
            }
            eprintln!(
                "chunkwise: array tasks {missing:?} of job {id} wrote no results (killed, or past \
                 their walltime?); submitting them again (attempt {attempt} of {})",
                self.retries + 1
            );
            let job = self.job_for_tasks(tasks, Some(&missing))?;
            let again = job.submit()?;
            job.wait(&again, self.poll)?;
            missing = self.missing(tasks);
        }
        if !missing.is_empty() {
            let inputs: Vec<String> = (0..n)
                .filter(|i| missing.contains(&(i % tasks)))
                .map(|i| i.to_string())
                .collect();
            return Err(Error::Task {
                key: format!("array job {id}"),
                source: format!(
                    "array tasks {missing:?} wrote no results after {} attempts, so inputs {} \
                     never finished; see the job's logs ({})",
                    self.retries + 1,
                    inputs.join(", "),
                    self.dir.display()
                )
                .into(),
            });
        }
        self.gather(n, tasks)
    }

    fn out_path(&self, task: usize) -> PathBuf {
        self.dir.join(format!("out-{task:06}.bin"))
    }

    /// Runs array task `task`: inputs `task, task + tasks, ...`.
    pub fn run_task<I: Encode, R: Encode>(&self, task: usize, f: impl Fn(I) -> R) -> Result<()> {
        let inputs: Vec<(u64, I)> = read_all(&self.dir.join("inputs.bin"))?;
        let tasks = self.tasks_for(inputs.len());
        let mine: Vec<(u64, R)> = inputs
            .into_iter()
            .filter(|(i, _)| *i as usize % tasks == task)
            .map(|(i, x)| (i, f(x)))
            .collect();
        let refs: Vec<(u64, &R)> = mine.iter().map(|(i, r)| (*i, r)).collect();
        write_all(&self.out_path(task), &refs)
    }

    /// Reads every task's results; a missing one is an error naming the task.
    pub fn gather<R: Encode>(&self, n: usize, tasks: usize) -> Result<Vec<R>> {
        let mut out: Vec<Option<R>> = (0..n).map(|_| None).collect();
        for k in 0..tasks {
            let path = self.out_path(k);
            if !path.exists() {
                return Err(Error::invalid(format!(
                    "array task {k} wrote no results ({}); see the job's logs",
                    path.display()
                )));
            }
            for (i, r) in read_all::<R>(&path)? {
                out[i as usize] = Some(r);
            }
        }
        out.into_iter()
            .enumerate()
            .map(|(i, r)| r.ok_or_else(|| Error::invalid(format!("no result for input {i}"))))
            .collect()
    }
}

/// The 0-based index of the array task this process is, if it is one.
pub fn array_task() -> Option<usize> {
    std::env::var(ARRAY_TASK_ENV).ok()?.trim().parse().ok()
}
