//! What a running task may ask of its compute: I/O counters (totals land in
//! [`Stats`](super::Stats)) and whether a key belongs to the graph being run (so a bag's
//! scan feeds only the reductions this compute asked for). A thread-local points each
//! worker at the context of the run it works for.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::graph::{Key, KeySet};

pub(crate) struct Context {
    pub(crate) files: AtomicU64,
    pub(crate) bytes: AtomicU64,
    pub(crate) rows_skipped: AtomicU64,
    pub(crate) keys: Arc<KeySet>,
}

impl Context {
    pub(crate) fn new(keys: Arc<KeySet>) -> Self {
        Context {
            files: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            rows_skipped: AtomicU64::new(0),
            keys,
        }
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Context>>> = const { RefCell::new(None) };
}

/// Points this thread at `context` until the guard drops.
pub(crate) fn enter(context: &Arc<Context>) -> Guard {
    let prev = CURRENT.with(|c| c.replace(Some(Arc::clone(context))));
    Guard(prev)
}

pub(crate) struct Guard(Option<Arc<Context>>);

impl Drop for Guard {
    fn drop(&mut self) {
        let prev = self.0.take();
        CURRENT.with(|c| *c.borrow_mut() = prev);
    }
}

fn with<R>(f: impl FnOnce(&Context) -> R) -> Option<R> {
    CURRENT.with(|c| c.borrow().as_ref().map(|c| f(c)))
}

/// A file was opened for reading.
pub(crate) fn file_opened() {
    with(|c| c.files.fetch_add(1, Relaxed));
}

/// `n` bytes were read from disk.
pub(crate) fn bytes_read(n: u64) {
    with(|c| c.bytes.fetch_add(n, Relaxed));
}

/// `n` bad input rows were skipped, as the reader was told to.
#[cfg_attr(not(feature = "dataframe"), allow(dead_code))]
pub(crate) fn rows_skipped(n: u64) {
    with(|c| c.rows_skipped.fetch_add(n, Relaxed));
}

/// Whether `key` is a task of the graph this thread is running (false outside a run).
pub(crate) fn in_graph(key: &Key) -> bool {
    with(|c| c.keys.contains(key)).unwrap_or(false)
}
