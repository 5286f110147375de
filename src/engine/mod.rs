//! The engine: runs a [`Plan`] on the chosen scheduler with memory bounded.

pub(crate) mod context;
mod pool;
mod run;
mod spill;
pub(crate) use spill::Spill;
mod stats;

use std::cell::RefCell;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

pub(crate) use pool::pool;
pub use stats::Stats;

use crate::graph::{Plan, Value};
use crate::{Config, Result, Scheduler};
use run::Run;

thread_local! {
    static LAST: RefCell<Option<Stats>> = const { RefCell::new(None) };
}

/// Statistics of the last compute started from this thread (also after a failure).
/// Under MPI: this rank's share, summed over the graph's levels.
pub fn last_stats() -> Option<Stats> {
    LAST.with(|l| l.borrow().clone())
}

#[cfg_attr(not(feature = "mpi"), allow(dead_code))]
pub(crate) fn set_last_stats(stats: Stats) {
    LAST.with(|l| *l.borrow_mut() = Some(stats));
}

/// Runs `plan` and returns its outputs in request order.
pub(crate) fn execute(plan: &Plan, config: &Config) -> Result<Vec<Value>> {
    #[cfg(feature = "mpi")]
    if let Scheduler::Mpi(_) = config.get_scheduler() {
        return crate::cluster::mpi::execute(plan, config);
    }
    execute_in(plan, config, std::sync::Arc::clone(&plan.keys))
}

/// Runs `plan` as part of a larger graph whose keys are `keys` (an MPI rank's share).
pub(crate) fn execute_in(
    plan: &Plan,
    config: &Config,
    keys: std::sync::Arc<crate::graph::KeySet>,
) -> Result<Vec<Value>> {
    let start = Instant::now();
    let workers = config.get_scheduler().workers().max(1);
    let progress = (config.get_progress() && plan.len() > 0)
        .then(|| crate::diagnostics::progress_bar(plan.len() as u64));
    let run = Run::new(
        plan,
        keys,
        workers,
        config.get_memory_limit(),
        Spill::new(config.get_spill_dir().map(|p| p.as_path())),
        progress.clone(),
    )?;
    match config.get_scheduler() {
        Scheduler::Synchronous => run.work(),
        Scheduler::Threads(_) if workers == 1 => run.work(),
        #[cfg(feature = "mpi")]
        Scheduler::Mpi(_) => unreachable!("handled above"),
        Scheduler::Threads(_) => {
            // The calling thread is one of the workers, so a compute started from inside
            // a pool task still progresses when the pool is busy.
            pool(workers)?.in_place_scope(|s| {
                for _ in 1..workers {
                    s.spawn(|_| run.work());
                }
                run.work();
            });
        }
    }
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    let stats = Stats {
        tasks: plan.len(),
        tasks_run: run.tasks_run.load(Relaxed),
        workers,
        peak_held_bytes: run.peak.load(Relaxed),
        bytes_spilled: run.spilled_bytes.load(Relaxed),
        spilled_results: run.spilled_results.load(Relaxed),
        secs: start.elapsed().as_secs_f64(),
        graph_hash: plan.hash(),
        files_read: run.context.files.load(Relaxed),
        bytes_read: run.context.bytes.load(Relaxed),
        rows_skipped: run.context.rows_skipped.load(Relaxed),
    };
    LAST.with(|l| *l.borrow_mut() = Some(stats));
    run.outputs()
}
