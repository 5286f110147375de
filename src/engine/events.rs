//! One event stream for every watcher of a run: the progress bar, profilers, the
//! dashboard and the warning printer all read these events, registered on
//! [`Config`](crate::Config) as [`Observer`]s (as tokio's task hooks, as DataFusion's
//! metrics, pushed to the observer rather than polled).
//!
//! With no observer asking for task events, a task costs no clock read and no call.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use super::Stats;
use crate::graph::{Key, Plan};

/// Something that happened in a run. Times are [`Instant`]s of this process; a task's
/// group is its key's label ([`Key::label`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A compute started on this process (under MPI: on this rank).
    RunStarted {
        /// The graph's hash, equal on every rank that built the same graph.
        graph_hash: u64,
        /// Tasks in the culled graph.
        tasks: usize,
        /// Worker threads of this process.
        workers: usize,
        /// This process's MPI rank (0 outside MPI).
        rank: usize,
        /// When.
        at: Instant,
        /// The graph, for watchers that want its task groups ([`PlanView::groups`]).
        plan: PlanView<'a>,
        /// The memory budget in force.
        memory_limit: Option<u64>,
    },
    /// A task started on a worker.
    TaskStarted {
        /// The task's id in the plan (dense, the same on every rank).
        id: u32,
        /// The task's key.
        key: &'a Key,
        /// The worker thread (0-based) that runs it.
        worker: usize,
        /// The MPI rank that runs it (0 outside MPI).
        rank: usize,
        /// When.
        at: Instant,
    },
    /// A task finished (successfully; failures end the run with [`Event::RunFinished`]).
    TaskFinished {
        /// The task's id in the plan.
        id: u32,
        /// The task's key.
        key: &'a Key,
        /// The worker thread that ran it.
        worker: usize,
        /// The MPI rank that ran it.
        rank: usize,
        /// When it started.
        start: Instant,
        /// When it ended.
        end: Instant,
        /// Bytes its result holds in memory (measured by its codec, else projected).
        bytes: u64,
    },
    /// A held result was written to the spill directory under the memory budget.
    Spilled {
        /// The result's task.
        key: &'a Key,
        /// Its size in memory.
        bytes: u64,
    },
    /// A spilled result was read back for a task that needs it.
    ReadBack {
        /// The result's task.
        key: &'a Key,
    },
    /// A task read bytes from disk (compressed size for compressed files).
    BytesRead {
        /// The reading task.
        key: &'a Key,
        /// How many bytes.
        bytes: u64,
    },
    /// A task reports something the user should know that is not an error (a skipped
    /// bad row under `OnBadLines::Warn`).
    Warning {
        /// The task that warns.
        key: &'a Key,
        /// What it says.
        message: &'a str,
    },
    /// A task failed with an error that may pass (an external program's failure, an
    /// I/O error) and is run again, as its retries allow (`Delayed::retries`,
    /// `Cmd::retries`).
    Retry {
        /// The task.
        key: &'a Key,
        /// The attempt that failed (1 for the first run).
        attempt: u32,
        /// Its error.
        error: &'a crate::Error,
    },
    /// The compute ended, done or failed; its statistics.
    RunFinished {
        /// The run's metrics (also returned by [`crate::last_stats`]).
        stats: &'a Stats,
        /// Whether it ended in an error.
        failed: bool,
    },
}

/// A run's graph as watchers see it: what it holds, worked out only when asked.
#[derive(Clone, Copy)]
pub struct PlanView<'a>(pub(crate) &'a Plan);

impl PlanView<'_> {
    /// Tasks per group (a key's label), in order of first appearance.
    pub fn groups(&self) -> Vec<(String, usize)> {
        self.task_groups().0
    }

    /// [`groups`](Self::groups), and each task's group as an index into them, by the
    /// task's id (as [`Event::TaskStarted`] gives it): a watcher finds a task's group
    /// without hashing its label.
    pub fn task_groups(&self) -> (Vec<(String, usize)>, Vec<u32>) {
        let mut index: std::collections::HashMap<&str, u32> = Default::default();
        let mut out: Vec<(String, usize)> = Vec::new();
        let mut group_of = Vec::with_capacity(self.0.len());
        for n in &self.0.nodes {
            let label = n.key.label();
            let i = *index.entry(label).or_insert_with(|| {
                out.push((label.to_string(), 0));
                out.len() as u32 - 1
            });
            out[i as usize].1 += 1;
            group_of.push(i);
        }
        (out, group_of)
    }
}

impl fmt::Debug for PlanView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PlanView({} tasks)", self.0.len())
    }
}

/// A watcher of runs. Register it with [`Config::observe`](crate::Config::observe).
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
/// use chunkwise::{Config, Event, Observer, delayed};
///
/// #[derive(Default)]
/// struct Count(AtomicUsize);
/// impl Observer for Count {
///     fn on_event(&self, event: &Event<'_>) {
///         if let Event::TaskFinished { .. } = event {
///             self.0.fetch_add(1, Relaxed);
///         }
///     }
/// }
/// let count = Arc::new(Count::default());
/// let config = Config::new().observe(count.clone());
/// let x = delayed(|| 20).map(|v| v + 1);
/// assert_eq!(x.compute_with(&config).unwrap(), 21);
/// assert_eq!(count.0.load(Relaxed), 2);
/// ```
pub trait Observer: Send + Sync {
    /// Called for each event, on the thread where it happened: keep it short.
    fn on_event(&self, event: &Event<'_>);

    /// Whether this observer wants the per-task events (`TaskStarted`, `TaskFinished`,
    /// `BytesRead`). When none does, tasks read no clock and make no call.
    fn wants_task_events(&self) -> bool {
        true
    }
}

/// The observers of a run.
#[derive(Clone, Default)]
pub(crate) struct Observers {
    all: Vec<Arc<dyn Observer>>,
    /// Whether any wants per-task events.
    tasks: bool,
}

impl Observers {
    pub(crate) fn push(&mut self, o: Arc<dyn Observer>) {
        self.tasks |= o.wants_task_events();
        self.all.push(o);
    }

    pub(crate) fn emit(&self, event: &Event<'_>) {
        for o in &self.all {
            o.on_event(event);
        }
    }

    /// Only to those that asked for per-task events.
    pub(crate) fn emit_task(&self, event: &Event<'_>) {
        for o in self.all.iter().filter(|o| o.wants_task_events()) {
            o.on_event(event);
        }
    }

    pub(crate) fn want_tasks(&self) -> bool {
        self.tasks
    }

    pub(crate) fn len(&self) -> usize {
        self.all.len()
    }
}

impl fmt::Debug for Observers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} observer(s)", self.all.len())
    }
}
