//! Executors: what runs a plan. The engine implements the two local ones (on the calling
//! thread, on a thread pool); the MPI executor implements the same trait in
//! `src/cluster/` and the engine never names it.

use std::collections::HashMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

use super::Stats;
use super::context::{RunContext, in_task};
use super::events::Observers;
use super::run::Run;
use super::spill::Spill;
use crate::graph::{Plan, Value};
use crate::{Error, Result};

/// What every run of a compute shares, whichever executor runs it.
#[derive(Clone, Debug, Default)]
pub(crate) struct RunOptions {
    pub(crate) memory_limit: Option<u64>,
    pub(crate) spill_dir: Option<PathBuf>,
    pub(crate) observers: Observers,
    /// The compute gives up after this long (`Config::timeout`).
    pub(crate) timeout: Option<std::time::Duration>,
    /// Outputs with a codec may be spilled during the run like any result and are then
    /// handed back as [`SpilledOutput`](super::spill::SpilledOutput)s, not read back
    /// (what `persist` asks: its outputs are held past the run, within the budget).
    /// Only whole-plan runs on this process honour it (not MPI's parts).
    pub(crate) outputs_may_stay_spilled: bool,
    /// Retries of every task whose error may pass (`Config::retries`).
    pub(crate) retries: u8,
}

/// What an executor hands back: the outputs (or the first error) and the run's metrics,
/// which are there also after a failure.
pub(crate) struct Outcome {
    pub(crate) values: Result<Vec<Value>>,
    pub(crate) stats: Stats,
}

/// Runs a plan and returns its outputs and metrics.
pub(crate) trait Executor: Send + Sync + fmt::Debug {
    /// Worker threads per process.
    fn workers(&self) -> usize;

    /// This process's rank among those running the plan together (0 when alone).
    fn rank(&self) -> usize {
        0
    }

    /// Whether every process must call `execute` together with the same plan (MPI):
    /// such an executor is driven from the program's own thread, never from a
    /// background one.
    fn collective(&self) -> bool {
        false
    }

    /// Runs `plan`: its outputs in request order, and its metrics.
    fn execute(&self, plan: &Plan, options: &RunOptions) -> Outcome;
}

/// Every task on the calling thread, one at a time, in priority order.
#[derive(Debug)]
pub(crate) struct Synchronous;

/// A pool of `n` threads (rayon); the calling thread is one of them.
#[derive(Debug)]
pub(crate) struct Threads(pub(crate) usize);

impl Executor for Synchronous {
    fn workers(&self) -> usize {
        1
    }
    fn execute(&self, plan: &Plan, options: &RunOptions) -> Outcome {
        run_local(plan, None, 1, options, 0)
    }
}

impl Executor for Threads {
    fn workers(&self) -> usize {
        self.0.max(1)
    }
    fn execute(&self, plan: &Plan, options: &RunOptions) -> Outcome {
        run_local(plan, None, self.workers(), options, 0)
    }
}

/// A share of a plan to run here (an MPI rank's level): these tasks, given the values
/// of their inputs that ran elsewhere or earlier. The plan is the whole graph's.
pub(crate) struct Part<'a> {
    pub(crate) ids: &'a [u32],
    pub(crate) inputs: &'a HashMap<u32, Value>,
}

/// Runs `plan` (or a part of it) on this process with `workers` threads; the outputs are
/// the plan's (or the part's tasks', in order). `rank` labels events and task contexts.
pub(crate) fn run_local(
    plan: &Plan,
    part: Option<&Part<'_>>,
    workers: usize,
    options: &RunOptions,
    rank: usize,
) -> Outcome {
    let start = Instant::now();
    // A compute called from inside a task runs on the calling thread alone: pool threads
    // waiting in its run while the task that started it waits lower on one of their
    // own stacks would deadlock (the outer run still has every other worker).
    let workers = if in_task() { 1 } else { workers.max(1) };
    let mut context = RunContext::new(options.observers.clone(), rank, options.timeout);
    context.retries = options.retries;
    let spill = Spill::new(options.spill_dir.as_deref());
    let keep_spilled = options.outputs_may_stay_spilled && part.is_none();
    let run = match Run::new(plan, part, workers, options.memory_limit, spill, &context) {
        Ok(run) => run.outputs_may_stay_spilled(keep_spilled),
        Err(e) => {
            return Outcome {
                values: Err(e),
                stats: Stats {
                    tasks: plan.len(),
                    workers,
                    graph_hash: plan.hash(),
                    ..Stats::default()
                },
            };
        }
    };
    if workers == 1 {
        run.work(0);
    } else {
        // Threads of the run's own, not jobs of a work-stealing pool: a task waiting on
        // polars' pool would, on a rayon thread, run a worker loop not yet started on
        // top of its own stack and wait in it for work the task below was to give.
        // The calling thread is worker 0; a thread the system refuses is one worker
        // fewer, not an error.
        std::thread::scope(|s| {
            for w in 1..workers {
                let run = &run;
                let started = std::thread::Builder::new()
                    .name(format!("chunkwise-{w}"))
                    .spawn_scoped(s, move || run.work(w));
                if started.is_err() {
                    break;
                }
            }
            run.work(0);
        });
    }
    let values = run.outputs();
    let stats = Stats {
        tasks: part.map_or(plan.len(), |p| p.ids.len()),
        tasks_run: run.tasks_run.load(Relaxed),
        workers,
        peak_held_bytes: run.peak.load(Relaxed),
        bytes_spilled: run.spilled_bytes.load(Relaxed),
        spilled_results: run.spilled_results.load(Relaxed),
        bytes_dropped: run.dropped_bytes.load(Relaxed),
        sources_remade: run.remade.load(Relaxed),
        secs: start.elapsed().as_secs_f64(),
        graph_hash: if part.is_some() { 0 } else { plan.hash() },
        files_read: context.files.load(Relaxed),
        bytes_read: context.bytes.load(Relaxed),
        rows_skipped: context.rows_skipped.load(Relaxed),
    };
    // Results not handed out are dropped here: a value whose `Drop` panics fails the
    // compute instead of unwinding through it.
    let values = match catch_unwind(AssertUnwindSafe(move || drop(run))) {
        Ok(()) => values,
        Err(payload) => values.and(Err(Error::Panic {
            key: "(the run's results, dropped at its end)".into(),
            message: crate::error::panic_message(payload.as_ref()),
        })),
    };
    Outcome { values, stats }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::graph::{Key, Node};

    fn leaf(i: u64) -> Arc<Node> {
        Arc::new(Node::new(
            Key::new("leaf", 1, i),
            vec![],
            Box::new(move |_: &[Value]| Ok(Arc::new(i) as Value)),
        ))
    }

    fn add(i: u64, deps: Vec<Arc<Node>>) -> Arc<Node> {
        Arc::new(Node::new(
            Key::new("add", 2, i),
            deps,
            Box::new(|v: &[Value]| {
                let s: u64 = v.iter().map(|x| *x.downcast_ref::<u64>().unwrap()).sum();
                Ok(Arc::new(s) as Value)
            }),
        ))
    }

    #[test]
    fn a_part_runs_only_its_tasks_from_given_inputs() {
        // (0 + 1) and (2 + 3), then their sum; run the level above the leaves alone,
        // with leaf values that differ from what the leaves would compute.
        let (a, b) = (
            add(0, vec![leaf(0), leaf(1)]),
            add(1, vec![leaf(2), leaf(3)]),
        );
        let top = add(2, vec![a, b]);
        let plan = Plan::build(&[top]).unwrap();
        let id = |k: &str, i: u64| {
            plan.nodes
                .iter()
                .position(|n| n.key.label() == k && n.key.index() == i)
                .unwrap() as u32
        };
        let inputs: HashMap<u32, Value> = (0..4)
            .map(|i| (id("leaf", i), Arc::new(10 * i) as Value))
            .collect();
        let ids = [id("add", 1), id("add", 0)];
        for workers in [1, 2] {
            let part = Part {
                ids: &ids,
                inputs: &inputs,
            };
            let out = run_local(&plan, Some(&part), workers, &RunOptions::default(), 0);
            let got: Vec<u64> = out
                .values
                .unwrap()
                .iter()
                .map(|v| *v.downcast_ref::<u64>().unwrap())
                .collect();
            assert_eq!(got, vec![50, 10]);
            assert_eq!(out.stats.tasks_run, 2);
        }
        // The whole plan from nothing.
        let out = run_local(&plan, None, 2, &RunOptions::default(), 0);
        assert_eq!(*out.values.unwrap()[0].downcast_ref::<u64>().unwrap(), 6);
    }

    /// Sources, each holding `working` bytes while it runs for a few milliseconds, and
    /// a sum of them: the most that ran at once on two workers under `budget`.
    fn most_at_once(working: u64, budget: u64) -> usize {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let leaves: Vec<Arc<Node>> = (0..6u64)
            .map(|i| {
                let (running, most) = (Arc::clone(&running), Arc::clone(&most));
                let mut node = Node::new(
                    Key::new("scan", 3, i),
                    vec![],
                    Box::new(move |_: &[Value]| {
                        let now = running.fetch_add(1, SeqCst) + 1;
                        most.fetch_max(now, SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        running.fetch_sub(1, SeqCst);
                        Ok(Arc::new(i) as Value)
                    }),
                );
                node.working = working;
                Arc::new(node)
            })
            .collect();
        let plan = Plan::build(&[add(9, leaves)]).unwrap();
        let options = RunOptions {
            memory_limit: Some(budget),
            ..RunOptions::default()
        };
        let out = run_local(&plan, None, 2, &options, 0);
        assert_eq!(*out.values.unwrap()[0].downcast_ref::<u64>().unwrap(), 15);
        most.load(SeqCst)
    }

    #[test]
    fn a_sources_working_memory_holds_the_next_source_back() {
        // Two fit the budget: both workers scan. Two do not: one at a time.
        assert_eq!(most_at_once(40, 100), 2);
        assert_eq!(most_at_once(60, 100), 1);
    }
}
