//! What a running task is handed: the context of its run (I/O counters, observers, the
//! budget) and its own identity. Passed explicitly to every task, as DataFusion passes
//! its `TaskContext`: no thread-locals, so a compute nested in a task, or a task moved
//! to another thread, always reports to the run it belongs to.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::events::{Event, Observers};
use crate::graph::Key;

/// Shared by every task of one run.
pub(crate) struct RunContext {
    pub(crate) files: AtomicU64,
    pub(crate) bytes: AtomicU64,
    pub(crate) rows_skipped: AtomicU64,
    pub(crate) observers: Observers,
    pub(crate) rank: usize,
}

impl RunContext {
    pub(crate) fn new(observers: Observers, rank: usize) -> Self {
        RunContext {
            files: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            rows_skipped: AtomicU64::new(0),
            observers,
            rank,
        }
    }
}

/// The context a task runs in: which task it is, and where it reports what it read and
/// what it has to say.
pub struct TaskContext<'a> {
    pub(crate) run: &'a RunContext,
    pub(crate) key: &'a Key,
}

impl TaskContext<'_> {
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
