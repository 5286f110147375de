//! The engine: runs a [`Plan`] on an [`Executor`] with memory bounded, and tells its
//! observers what happens. It knows no collection, no cluster and no dashboard: the MPI
//! executor implements [`Executor`] from `src/cluster/`, and the progress bar is an
//! [`Observer`] from `src/diagnostics/`.

mod context;
mod events;
mod executor;
mod run;
mod spill;
pub(crate) use spill::{Spill, SpilledOutput};
mod stats;

use std::cell::RefCell;
use std::time::Instant;

pub use context::TaskContext;
pub(crate) use events::Observers;
pub use events::{Event, Observer, PlanView};
pub(crate) use executor::{Executor, Outcome, RunOptions, Synchronous, Threads};
#[cfg(feature = "mpi")]
pub(crate) use executor::{Part, run_local};
pub use stats::Stats;

use crate::Result;
use crate::graph::{Plan, Value};

thread_local! {
    static LAST: RefCell<Option<Stats>> = const { RefCell::new(None) };
}

/// Statistics of the last compute started from this thread (also after a failure).
/// Under MPI: this rank's share, summed over the graph's levels. The same figures reach
/// observers in [`Event::RunFinished`].
pub fn last_stats() -> Option<Stats> {
    LAST.with(|l| l.borrow().clone())
}

/// Runs `plan` on `executor`: its outputs in request order. Observers see the run start
/// and finish; the metrics are kept for [`last_stats`].
pub(crate) fn execute(
    plan: &Plan,
    executor: &dyn Executor,
    options: &RunOptions,
) -> Result<Vec<Value>> {
    let observers = &options.observers;
    if observers.len() > 0 {
        observers.emit(&Event::RunStarted {
            graph_hash: plan.hash(),
            tasks: plan.len(),
            workers: executor.workers(),
            rank: executor.rank(),
            at: Instant::now(),
            plan: events::PlanView(plan),
            memory_limit: options.memory_limit,
        });
    }
    let Outcome { values, stats } = executor.execute(plan, options);
    if observers.len() > 0 {
        observers.emit(&Event::RunFinished {
            stats: &stats,
            failed: values.is_err(),
        });
    }
    LAST.with(|l| *l.borrow_mut() = Some(stats));
    values
}
