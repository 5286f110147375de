//! I/O counters of the running compute: tasks that read files count what they read, and
//! the totals land in [`Stats`](super::Stats). A thread-local points each worker at the
//! counters of the run it works for.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

#[derive(Default)]
pub(crate) struct IoCounters {
    pub(crate) files: AtomicU64,
    pub(crate) bytes: AtomicU64,
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<IoCounters>>> = const { RefCell::new(None) };
}

/// Points this thread at `counters` until the guard drops.
pub(crate) fn enter(counters: &Arc<IoCounters>) -> Guard {
    let prev = CURRENT.with(|c| c.replace(Some(Arc::clone(counters))));
    Guard(prev)
}

pub(crate) struct Guard(Option<Arc<IoCounters>>);

impl Drop for Guard {
    fn drop(&mut self) {
        let prev = self.0.take();
        CURRENT.with(|c| *c.borrow_mut() = prev);
    }
}

fn with(f: impl FnOnce(&IoCounters)) {
    CURRENT.with(|c| {
        if let Some(c) = c.borrow().as_ref() {
            f(c)
        }
    });
}

/// A file was opened for reading.
pub(crate) fn file_opened() {
    with(|c| {
        c.files.fetch_add(1, Relaxed);
    });
}

/// `n` bytes were read from disk.
pub(crate) fn bytes_read(n: u64) {
    with(|c| {
        c.bytes.fetch_add(n, Relaxed);
    });
}
