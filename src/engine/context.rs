//! What a running task is handed: the context of its run (I/O counters, observers, the
//! budget) and its own identity. Passed explicitly to every task, as DataFusion passes
//! its `TaskContext`: no thread-locals, so a compute nested in a task, or a task moved
//! to another thread, always reports to the run it belongs to.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::events::{Event, Observers};
use crate::graph::{Key, KeySet};

/// Shared by every task of one run.
pub(crate) struct RunContext {
    pub(crate) files: AtomicU64,
    pub(crate) bytes: AtomicU64,
    pub(crate) rows_skipped: AtomicU64,
    /// Every key of the graph being run (under MPI, the whole graph, not this rank's
    /// share).
    pub(crate) keys: Arc<KeySet>,
    pub(crate) observers: Observers,
    pub(crate) budget: Option<u64>,
    pub(crate) rank: usize,
}

impl RunContext {
    pub(crate) fn new(
        keys: Arc<KeySet>,
        observers: Observers,
        budget: Option<u64>,
        rank: usize,
    ) -> Self {
        RunContext {
            files: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            rows_skipped: AtomicU64::new(0),
            keys,
            observers,
            budget,
            rank,
        }
    }
}

/// The context a task runs in: which task it is, where it runs, and where it reports
/// what it read and what it has to say.
pub struct TaskContext<'a> {
    pub(crate) run: &'a RunContext,
    pub(crate) key: &'a Key,
    pub(crate) worker: usize,
}

impl<'a> TaskContext<'a> {
    /// The running task's key.
    pub fn key(&self) -> &Key {
        self.key
    }

    /// The worker thread (0-based) running the task.
    pub fn worker(&self) -> usize {
        self.worker
    }

    /// The MPI rank running the task (0 outside MPI).
    pub fn rank(&self) -> usize {
        self.run.rank
    }

    /// The run's memory budget in bytes, if any.
    pub fn memory_limit(&self) -> Option<u64> {
        self.run.budget
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
    pub fn rows_skipped(&self, n: u64) {
        self.run.rows_skipped.fetch_add(n, Relaxed);
    }

    /// Something the user should know that is not an error: an [`Event::Warning`] for
    /// the run's observers (the default one prints it on standard error).
    pub fn warn(&self, message: &str) {
        self.run.observers.emit(&Event::Warning {
            key: self.key,
            message,
        });
    }

    /// Whether `key` is a task of the graph being run.
    pub(crate) fn in_graph(&self, key: &Key) -> bool {
        self.run.keys.contains(key)
    }
}
