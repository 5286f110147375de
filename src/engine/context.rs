//! What a running task is handed: the context of its run (I/O counters, observers, the
//! budget) and its own identity. Passed explicitly to every task, as DataFusion passes
//! its `TaskContext`: no thread-locals, so a compute nested in a task, or a task moved
//! to another thread, always reports to the run it belongs to.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use super::events::{Event, Observers};
use crate::graph::Key;

/// Shared by every task of one run.
pub(crate) struct RunContext {
    pub(crate) files: AtomicU64,
    pub(crate) bytes: AtomicU64,
    pub(crate) rows_skipped: AtomicU64,
    pub(crate) observers: Observers,
    pub(crate) rank: usize,
    /// Set when the run fails: running tasks that look ([`TaskContext::is_cancelled`])
    /// stop early.
    pub(crate) cancelled: AtomicBool,
    /// When the run gives up (`Config::timeout`), and the timeout, for the message.
    pub(crate) deadline: Option<(Instant, Duration)>,
    /// Retries of every task whose error may pass (`Config::retries`), at least.
    pub(crate) retries: u8,
}

impl RunContext {
    pub(crate) fn new(observers: Observers, rank: usize, timeout: Option<Duration>) -> Self {
        RunContext {
            files: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            rows_skipped: AtomicU64::new(0),
            observers,
            rank,
            cancelled: AtomicBool::new(false),
            deadline: timeout.map(|t| (Instant::now() + t, t)),
            retries: 0,
        }
    }

    /// Whether the run's timeout has passed.
    pub(crate) fn past_deadline(&self) -> bool {
        self.deadline.is_some_and(|(d, _)| Instant::now() >= d)
    }
}

thread_local! {
    /// How many tasks this thread is inside (a compute called from a task nests).
    static IN_TASK: Cell<u32> = const { Cell::new(0) };
}

/// Whether this thread is running a task: a compute started now is nested in it.
pub(crate) fn in_task() -> bool {
    IN_TASK.with(|d| d.get() > 0)
}

/// Marks this thread as inside a task while it lives (also when the task panics).
pub(crate) struct InTask(());

impl InTask {
    pub(crate) fn enter() -> Self {
        IN_TASK.with(|d| d.set(d.get() + 1));
        InTask(())
    }
}

impl Drop for InTask {
    fn drop(&mut self) {
        IN_TASK.with(|d| d.set(d.get() - 1));
    }
}

/// The context a task runs in: which task it is, and where it reports what it read and
/// what it has to say.
pub struct TaskContext<'a> {
    pub(crate) run: &'a RunContext,
    pub(crate) key: &'a Key,
}

impl TaskContext<'_> {
    /// Whether the run this task belongs to has failed or passed its timeout: a long
    /// task (an external program, a loop over many files) should stop and return an
    /// error. The engine does not interrupt a running task; it asks.
    ///
    /// ```
    /// use chunkwise::{Config, Error, Scheduler, try_delayed_with};
    /// use std::time::Duration;
    /// let slow = try_delayed_with(|ctx| {
    ///     while !ctx.is_cancelled() {
    ///         std::thread::sleep(Duration::from_millis(5));
    ///     }
    ///     Err::<u8, _>(Error::Cancelled("stopped when asked".into()))
    /// });
    /// let config = Config::new()
    ///     .scheduler(Scheduler::Threads(2))
    ///     .timeout(Duration::from_millis(50));
    /// let err = slow.compute_with(&config).unwrap_err().to_string();
    /// assert!(err.contains("timeout"), "{err}");
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.run.cancelled.load(Relaxed) || self.run.past_deadline()
    }

    /// The key of this task, as errors and events name it.
    pub fn key(&self) -> String {
        self.key.to_string()
    }

    /// A file was opened for reading.
    pub fn file_opened(&self) {
        self.run.files.fetch_add(1, Relaxed);
    }

    /// `n` bytes were read from disk.
    pub fn bytes_read(&self, n: u64) {
        self.run.bytes.fetch_add(n, Relaxed);
        if self.run.observers.want_tasks() {
            self.run.observers.emit_task(&Event::BytesRead {
                key: self.key,
                bytes: n,
            });
        }
    }

    /// `n` bad input rows were skipped, as the reader was told to.
    #[cfg_attr(not(feature = "dataframe"), allow(dead_code))]
    pub fn rows_skipped(&self, n: u64) {
        self.run.rows_skipped.fetch_add(n, Relaxed);
    }

    /// Something the user should know that is not an error: an [`Event::Warning`] for
    /// the run's observers (the default one prints it on standard error).
    #[cfg_attr(not(feature = "dataframe"), allow(dead_code))]
    pub fn warn(&self, message: &str) {
        self.run.observers.emit(&Event::Warning {
            key: self.key,
            message,
        });
    }
}
