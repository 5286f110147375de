//! Profiles of runs, as `dask.diagnostics`' `Profiler` and `ResourceProfiler`: observers
//! that record every task, and samples of the process's memory and CPU while runs go.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::engine::{Event, Observer};
use crate::graph::Key;

/// One task as a [`Profiler`] saw it. Times are since the profiler was made.
#[derive(Clone, Debug)]
pub struct TaskRecord {
    /// The task's key; its label is the task's group.
    pub key: Key,
    /// The worker thread that ran it.
    pub worker: usize,
    /// The MPI rank that ran it (0 outside MPI).
    pub rank: usize,
    /// When it started.
    pub start: Duration,
    /// When it ended.
    pub end: Duration,
    /// Bytes its result holds in memory.
    pub bytes: u64,
}

/// What a [`Profiler`] saw of the runs it watched, besides tasks.
#[derive(Clone, Debug, Default)]
pub struct RunRecord {
    /// When each run started and ended (`None` while it goes), since the profiler was made.
    pub runs: Vec<(Duration, Option<Duration>)>,
    /// Worker threads per process, as the last run said.
    pub workers: usize,
    /// Results spilled under the memory budget, and their bytes.
    pub spilled: (u64, u64),
    /// Bytes read from files.
    pub bytes_read: u64,
    /// Whether a run ended in an error.
    pub failed: bool,
}

/// Records every task of the runs it observes: key, worker, rank, start, end, bytes
/// (as `dask.diagnostics.Profiler`). Register it with [`crate::Config::observe`].
///
/// ```
/// use chunkwise::diagnostics::Profiler;
/// let prof = Profiler::new();
/// let config = chunkwise::Config::new().observe(prof.clone());
/// let x = chunkwise::delayed(|| 20).map(|v| v + 1);
/// assert_eq!(x.compute_with(&config).unwrap(), 21);
/// let tasks = prof.results();
/// assert_eq!(tasks.len(), 2);
/// assert!(tasks.iter().all(|t| t.start <= t.end));
/// ```
pub struct Profiler {
    origin: Instant,
    /// A list per worker (modulo their number), so workers do not contend for one lock.
    tasks: Box<[Mutex<Vec<TaskRecord>>]>,
    runs: Mutex<RunRecord>,
}

/// Lists of task records in a [`Profiler`].
const SHARDS: usize = 64;

impl Profiler {
    /// A profiler whose clock starts now.
    pub fn new() -> Arc<Profiler> {
        Arc::new(Profiler::starting_at(Instant::now()))
    }

    pub(crate) fn starting_at(origin: Instant) -> Profiler {
        Profiler {
            origin,
            tasks: (0..SHARDS).map(|_| Mutex::new(Vec::new())).collect(),
            runs: Mutex::new(RunRecord::default()),
        }
    }

    /// Every task recorded so far, in the order they finished.
    pub fn results(&self) -> Vec<TaskRecord> {
        let mut all: Vec<TaskRecord> = self
            .tasks
            .iter()
            .flat_map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).clone())
            .collect();
        all.sort_by_key(|t| t.end);
        all
    }

    /// The runs recorded so far.
    pub fn runs(&self) -> RunRecord {
        self.runs.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn since(&self, at: Instant) -> Duration {
        at.saturating_duration_since(self.origin)
    }
}

impl Observer for Profiler {
    fn on_event(&self, event: &Event<'_>) {
        match event {
            Event::TaskFinished {
                key,
                worker,
                rank,
                start,
                end,
                bytes,
                ..
            } => {
                let record = TaskRecord {
                    key: (*key).clone(),
                    worker: *worker,
                    rank: *rank,
                    start: self.since(*start),
                    end: self.since(*end),
                    bytes: *bytes,
                };
                self.tasks[worker % SHARDS]
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(record);
            }
            _ => {
                let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
                match event {
                    Event::RunStarted { at, workers, .. } => {
                        runs.runs.push((self.since(*at), None));
                        runs.workers = *workers;
                    }
                    Event::RunFinished { failed, .. } => {
                        let now = self.since(Instant::now());
                        if let Some(run) = runs.runs.iter_mut().rev().find(|r| r.1.is_none()) {
                            run.1 = Some(now);
                        }
                        runs.failed |= *failed;
                    }
                    Event::Spilled { bytes, .. } => {
                        runs.spilled.0 += 1;
                        runs.spilled.1 += bytes;
                    }
                    Event::BytesRead { bytes, .. } => runs.bytes_read += bytes,
                    _ => {}
                }
            }
        }
    }
}

/// One reading of the process's resources.
#[derive(Clone, Copy, Debug)]
pub struct ResourceSample {
    /// When, since the profiler was made.
    pub at: Duration,
    /// Resident memory, MB.
    pub rss_mb: f64,
    /// CPU used since the previous reading, in percent of one core (200 = two cores busy).
    pub cpu_percent: f64,
}

/// Samples the process's resident memory and CPU use at an interval while runs go (as
/// `dask.diagnostics.ResourceProfiler`), on a thread of its own that starts with a run
/// and stops when it ends. Linux (`/proc/self`); elsewhere it records nothing.
///
/// ```
/// use std::time::Duration;
/// use chunkwise::diagnostics::ResourceProfiler;
/// let res = ResourceProfiler::new(Duration::from_millis(5));
/// let config = chunkwise::Config::new().observe(res.clone());
/// let x = chunkwise::delayed(|| std::thread::sleep(Duration::from_millis(50)));
/// x.compute_with(&config).unwrap();
/// # #[cfg(target_os = "linux")]
/// assert!(res.results().iter().any(|s| s.rss_mb > 0.0));
/// ```
pub struct ResourceProfiler {
    origin: Instant,
    interval: Duration,
    samples: Arc<Mutex<Vec<ResourceSample>>>,
    sampler: Mutex<Option<(JoinHandle<()>, Arc<AtomicBool>)>>,
}

impl ResourceProfiler {
    /// A profiler reading every `interval` (Dask's `dt`; 10 ms at least).
    pub fn new(interval: Duration) -> Arc<ResourceProfiler> {
        Arc::new(ResourceProfiler::starting_at(Instant::now(), interval))
    }

    pub(crate) fn starting_at(origin: Instant, interval: Duration) -> ResourceProfiler {
        ResourceProfiler {
            origin,
            interval: interval.max(Duration::from_millis(10)),
            samples: Arc::new(Mutex::new(Vec::new())),
            sampler: Mutex::new(None),
        }
    }

    /// The readings so far.
    pub fn results(&self) -> Vec<ResourceSample> {
        self.samples
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn start(&self) {
        let mut sampler = self.sampler.lock().unwrap_or_else(|e| e.into_inner());
        if sampler.is_some() {
            return;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let (origin, interval) = (self.origin, self.interval);
        let (samples, stop2) = (Arc::clone(&self.samples), Arc::clone(&stop));
        let spawned = std::thread::Builder::new()
            .name("chunkwise-resources".into())
            .spawn(move || {
                let mut last = cpu_ticks().map(|t| (t, Instant::now()));
                loop {
                    let now = Instant::now();
                    let ticks = cpu_ticks();
                    let cpu = match (ticks, last) {
                        (Some(t), Some((t0, at0))) => {
                            let wall = now.duration_since(at0).as_secs_f64();
                            // /proc counts in USER_HZ, 100 a second on Linux.
                            if wall > 0.0 {
                                (t.saturating_sub(t0)) as f64 / 100.0 / wall * 100.0
                            } else {
                                0.0
                            }
                        }
                        _ => 0.0,
                    };
                    last = ticks.map(|t| (t, now));
                    if let Some(rss_mb) = rss_mb() {
                        samples
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(ResourceSample {
                                at: now.saturating_duration_since(origin),
                                rss_mb,
                                cpu_percent: cpu,
                            });
                    }
                    if stop2.load(Ordering::Acquire) {
                        return;
                    }
                    std::thread::park_timeout(interval);
                }
            });
        if let Ok(handle) = spawned {
            *sampler = Some((handle, stop));
        }
    }

    fn stop(&self) {
        let taken = self
            .sampler
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some((handle, stop)) = taken {
            stop.store(true, Ordering::Release);
            handle.thread().unpark();
            let _ = handle.join();
        }
    }
}

impl Observer for ResourceProfiler {
    fn on_event(&self, event: &Event<'_>) {
        match event {
            Event::RunStarted { .. } => self.start(),
            Event::RunFinished { .. } => self.stop(),
            _ => {}
        }
    }
    fn wants_task_events(&self) -> bool {
        false
    }
}

impl Drop for ResourceProfiler {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Resident memory of this process, MB (`VmRSS`).
pub(crate) fn rss_mb() -> Option<f64> {
    super::status_mb("VmRSS:")
}

/// User plus system CPU time of this process, in clock ticks (`/proc/self/stat`).
fn cpu_ticks() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn proc_readings_parse() {
        assert!(rss_mb().unwrap() > 0.0);
        let t0 = cpu_ticks().unwrap();
        let mut x = 0u64;
        for i in 0..30_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        assert!(cpu_ticks().unwrap() >= t0);
    }
}
