//! One run of a plan: ready queues, workers, release, budget and spill.
//!
//! Workers loop: take a task (their own next task first, else a batch from the shared
//! priority queues), run it, store its value, release inputs whose last reader it was,
//! and decrement the missing-input counts of its dependents. The first dependent made
//! ready is run next by the same worker (depth-first, no lock); the rest go to the shared
//! queue. See `src/engine/README.md`.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use std::time::Instant;

use super::context::{InTask, RunContext, TaskContext};
use super::events::Event;
use super::executor::Part;
use super::spill::Spill;
use crate::graph::{Node, Plan, Value};
use crate::{Error, Result};

enum Slot {
    Empty,
    Ready(Value),
    Spilled(PathBuf),
    /// Let go under the budget: a source made again when read ([`Node::remake`]).
    Dropped,
    Freed,
}

#[derive(Default)]
struct Shared {
    /// Ready tasks that have inputs: always allowed to start.
    ready: BinaryHeap<Reverse<u32>>,
    /// Ready tasks without inputs: they only add memory, so the budget gates them.
    sources: BinaryHeap<Reverse<u32>>,
    /// Sources that a task waits on while its other inputs are held (see
    /// [`Run::want_sources`]): started before the other sources, the latest wanted
    /// first (depth-first). Each is also still in `sources`, skipped there once claimed.
    wanted: Vec<u32>,
    /// Spillable held results, by the id of their first reader (latest needed first out).
    spillable: BTreeSet<(u32, u32)>,
    idle: usize,
    error: Option<Error>,
}

pub(crate) struct Run<'p> {
    plan: &'p Plan,
    workers: usize,
    missing: Vec<AtomicU32>,
    /// Tasks started (or given to a worker to start).
    claimed: Vec<AtomicBool>,
    /// Sources put in `wanted` (each at most once).
    boosted: Vec<AtomicBool>,
    readers: Vec<AtomicU32>,
    slots: Vec<Mutex<Slot>>,
    sizes: Vec<AtomicU64>,
    shared: Mutex<Shared>,
    wake: Condvar,
    remaining: AtomicUsize,
    running: AtomicUsize,
    failed: AtomicBool,
    held: AtomicU64,
    reserved: AtomicU64,
    pub(crate) peak: AtomicU64,
    pub(crate) spilled_bytes: AtomicU64,
    pub(crate) spilled_results: AtomicU64,
    /// Bytes of sources dropped under the budget, to be made again when needed.
    pub(crate) dropped_bytes: AtomicU64,
    /// Times a dropped source was made again.
    pub(crate) remade: AtomicU64,
    pub(crate) tasks_run: AtomicUsize,
    context: &'p RunContext,
    /// The tasks whose values are returned, in request order.
    outputs: Vec<u32>,
    /// Outputs are never freed before they are returned, nor spilled unless
    /// `keep_spilled`.
    pinned: Vec<bool>,
    /// Outputs may be spilled, and are handed back spilled ([`SpilledOutput`]).
    keep_spilled: bool,
    budget: Option<u64>,
    /// Under a budget, each task's operation (its key's token) as a small index...
    layer: &'p [u32],
    /// ...the largest result of each operation measured so far...
    layer_max: Vec<AtomicU64>,
    /// ...and what each running task reserved: see [`Run::estimate`].
    reservation: Vec<AtomicU64>,
    spill: Spill,
}

/// Inputs or readers of a task that [`Run::want_sources`] counts as few.
const FEW: usize = 4;

/// Queued sources from which they are taken in batches (see [`Run::take`]).
const MANY_SOURCES: usize = 1024;

/// The missing-input count of a task outside a partial run: never reaches 0.
const NOT_IN_RUN: u32 = u32::MAX / 2;

/// Whether a missing-input count is a task's in this run: outside one, decrements from
/// [`NOT_IN_RUN`] leave it far above any task's number of inputs.
fn in_run(missing: u32) -> bool {
    missing < NOT_IN_RUN / 2
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<'p> Run<'p> {
    /// A run of the whole plan, or of `part` of it (its tasks, with the values of their
    /// other inputs given): only those tasks run, and their values are the outputs.
    pub(crate) fn new(
        plan: &'p Plan,
        part: Option<&Part<'_>>,
        workers: usize,
        budget: Option<u64>,
        spill: Spill,
        context: &'p RunContext,
    ) -> Result<Self> {
        let n = plan.len();
        let mut active = Vec::new();
        if let Some(part) = part {
            active = vec![false; n];
            for &t in part.ids {
                active[t as usize] = true;
            }
        }
        let is_active = |t: u32| active.is_empty() || active[t as usize];
        if let Some(b) = budget
            && let Some(node) = (0..n as u32)
                .filter(|&t| is_active(t))
                .map(|t| &plan.nodes[t as usize])
                .find(|node| node.bytes > b)
        {
            return Err(Error::OverBudget {
                key: node.key.to_string(),
                bytes: node.bytes,
                budget: b,
            });
        }
        let mut shared = Shared::default();
        let given = |d: u32| part.is_some_and(|p| p.inputs.contains_key(&d));
        let missing = (0..n as u32)
            .map(|i| {
                let deps = plan.deps.row(i);
                let m = match part {
                    None => deps.len() as u32,
                    // Never made ready: not part of this run.
                    Some(_) if !is_active(i) => return AtomicU32::new(NOT_IN_RUN),
                    Some(_) => deps.iter().filter(|&&d| !given(d)).count() as u32,
                };
                if m == 0 {
                    shared.sources.push(Reverse(i));
                }
                AtomicU32::new(m)
            })
            .collect();
        let mut slots: Vec<Mutex<Slot>> = (0..n).map(|_| Mutex::new(Slot::Empty)).collect();
        let mut readers: Vec<AtomicU32> = (0..n as u32)
            .map(|i| {
                let readers = plan.dependents.row(i);
                AtomicU32::new(match part {
                    None => readers.len() as u32,
                    Some(_) => readers.iter().filter(|&&t| is_active(t)).count() as u32,
                })
            })
            .collect();
        let outputs: Vec<u32> = match part {
            None => plan.outputs.clone(),
            Some(p) => {
                for (&d, v) in p.inputs {
                    if *readers[d as usize].get_mut() > 0 {
                        *slots[d as usize]
                            .get_mut()
                            .unwrap_or_else(|e| e.into_inner()) = Slot::Ready(v.clone());
                    }
                }
                p.ids.to_vec()
            }
        };
        let mut pinned = vec![false; n];
        for &o in &outputs {
            *readers[o as usize].get_mut() += 1;
            pinned[o as usize] = true;
        }
        let remaining = part.map_or(n, |p| p.ids.len());
        let (mut layer, mut layer_max, mut reservation) = (&[][..], Vec::new(), Vec::new());
        if budget.is_some() {
            let (l, count) = plan.layers();
            layer = l;
            layer_max = (0..count).map(|_| AtomicU64::new(0)).collect();
            reservation = (0..n).map(|_| AtomicU64::new(0)).collect();
        }
        Ok(Run {
            plan,
            workers: workers.max(1),
            missing,
            claimed: (0..n).map(|_| AtomicBool::new(false)).collect(),
            boosted: (0..n).map(|_| AtomicBool::new(false)).collect(),
            readers,
            slots,
            sizes: (0..n).map(|_| AtomicU64::new(0)).collect(),
            shared: Mutex::new(shared),
            wake: Condvar::new(),
            remaining: AtomicUsize::new(remaining),
            running: AtomicUsize::new(0),
            failed: AtomicBool::new(false),
            held: AtomicU64::new(0),
            reserved: AtomicU64::new(0),
            peak: AtomicU64::new(0),
            spilled_bytes: AtomicU64::new(0),
            spilled_results: AtomicU64::new(0),
            dropped_bytes: AtomicU64::new(0),
            remade: AtomicU64::new(0),
            tasks_run: AtomicUsize::new(0),
            context,
            outputs,
            pinned,
            keep_spilled: false,
            budget,
            layer,
            layer_max,
            reservation,
            spill,
        })
    }

    /// Lets outputs spill during the run and hands them back spilled.
    pub(crate) fn outputs_may_stay_spilled(mut self, on: bool) -> Self {
        self.keep_spilled = on;
        self
    }

    /// The loop every worker runs until the graph is done or failed.
    pub(crate) fn work(&self, worker: usize) {
        let mut batch: Vec<u32> = Vec::new();
        let mut next: Option<u32> = None;
        let mut inputs: Vec<Value> = Vec::new();
        loop {
            let id = match next.take().or_else(|| batch.pop()) {
                Some(id) => id,
                None => {
                    if !self.take(&mut batch) {
                        return;
                    }
                    batch.reverse(); // pop the highest priority (lowest id) first
                    continue;
                }
            };
            if self.failed.load(Relaxed) {
                return;
            }
            if self.context.past_deadline() {
                self.fail(self.timed_out());
                return;
            }
            // A task's own panic is caught around its call; this catches one in what
            // follows it (a value whose `Drop` panics when released), which would
            // otherwise unwind out of the worker and leave the others waiting.
            match catch_unwind(AssertUnwindSafe(|| self.run_task(id, worker, &mut inputs))) {
                Ok(n) => next = n,
                Err(payload) => {
                    // Values left there may panic again when dropped: leak them.
                    std::mem::forget(std::mem::take(&mut inputs));
                    self.fail(Error::Panic {
                        key: self.plan.nodes[id as usize].key.to_string(),
                        message: format!(
                            "{} (after the task returned, releasing values)",
                            crate::error::panic_message(payload.as_ref())
                        ),
                    });
                    return;
                }
            }
        }
    }

    fn timed_out(&self) -> Error {
        let t = self.context.deadline.map_or(0.0, |(_, t)| t.as_secs_f64());
        Error::Cancelled(format!("the compute ran past its timeout of {t} s"))
    }

    /// Fills `batch` from the shared queues; false when there is nothing left to do.
    fn take(&self, batch: &mut Vec<u32>) -> bool {
        let mut sh = lock(&self.shared);
        loop {
            if self.failed.load(Relaxed) || self.remaining.load(Acquire) == 0 {
                return false;
            }
            let queued = sh.ready.len() + sh.sources.len();
            let want = (queued / (2 * self.workers)).clamp(1, 64);
            // Ready tasks with inputs first, so what is held is consumed (and released)
            // before more is read: by id alone, a source read by several outputs would
            // be read whole before the second output's first task ran (ids are a
            // post-order from the first output). Ready tasks in a batch; a source alone,
            // chosen when it is to start (a source wanted meanwhile goes before it),
            // unless sources are so many that they are likely small tasks, whose
            // batching saves a lock each.
            let many = sh.sources.len() >= MANY_SOURCES;
            while batch.len() < want {
                if let Some(r) = sh.ready.pop() {
                    self.claim(r.0, batch);
                    continue;
                }
                if (many || batch.is_empty())
                    && let Some(s) = self.next_source(&mut sh).filter(|&s| self.fits(s))
                {
                    self.claim(s, batch);
                    // A partial run's task whose inputs are all given is queued as a
                    // source but adds no read: batched too.
                    if many || !self.plan.deps.row(s).is_empty() {
                        continue;
                    }
                }
                break;
            }
            if !batch.is_empty() {
                return true;
            }
            if let Some(id) = self.next_source(&mut sh)
                && self.running.load(Acquire) == 0
            {
                // Blocked by the budget with nothing running to free memory: make room
                // by spilling, then start the source anyway so the run progresses.
                let need = self.estimate(id);
                let target = self.budget.unwrap_or(u64::MAX).saturating_sub(need);
                if let Err(e) = self.spill_until(&mut sh, target) {
                    self.fail_locked(&mut sh, e);
                    return false;
                }
                self.claim(id, batch);
                return true;
            }
            sh.idle += 1;
            sh = match self.context.deadline {
                None => self.wake.wait(sh).unwrap_or_else(|e| e.into_inner()),
                Some((at, _)) => {
                    let left = at.saturating_duration_since(Instant::now());
                    let (sh, _) = self
                        .wake
                        .wait_timeout(sh, left)
                        .unwrap_or_else(|e| e.into_inner());
                    sh
                }
            };
            sh.idle -= 1;
            if self.context.past_deadline() {
                let e = self.timed_out();
                self.fail_locked(&mut sh, e);
                return false;
            }
        }
    }

    fn claim(&self, id: u32, batch: &mut Vec<u32>) {
        self.claimed[id as usize].store(true, Relaxed);
        self.running.fetch_add(1, AcqRel);
        self.reserve(id);
        batch.push(id);
    }

    /// The bytes a task is expected to add while it runs: its node's estimates (of its
    /// output, of its working memory) or, under a budget, the largest result its
    /// operation has made so far if that is more (a partition's parse or partial
    /// aggregate is much like its siblings'; the node's own estimate is often a guess,
    /// or nothing).
    fn estimate(&self, id: u32) -> u64 {
        let node = &self.plan.nodes[id as usize];
        let bytes = node.bytes.max(node.working);
        match self.layer.get(id as usize) {
            Some(&l) => bytes.max(self.layer_max[l as usize].load(Relaxed)),
            None => bytes,
        }
    }

    /// Counts a task about to run as `reserved` until it finishes (under a budget: only
    /// the budget reads it).
    fn reserve(&self, id: u32) {
        let Some(r) = self.reservation.get(id as usize) else {
            return;
        };
        let bytes = self.estimate(id);
        r.store(bytes, Relaxed);
        self.reserved.fetch_add(bytes, Relaxed);
    }

    /// What [`Run::reserve`] counted for a finished task.
    fn unreserve(&self, id: u32) {
        if let Some(r) = self.reservation.get(id as usize) {
            self.reserved.fetch_sub(r.load(Relaxed), Relaxed);
        }
    }

    /// Whether a source may start: what the run holds, what its running tasks are
    /// expected to add and the source's own estimate, within the budget.
    fn fits(&self, id: u32) -> bool {
        match self.budget {
            None => true,
            Some(b) => {
                let need = self.estimate(id);
                self.held.load(Relaxed) + self.reserved.load(Relaxed) + need <= b
            }
        }
    }

    /// The source to start next, not yet taken from its queue: the latest wanted, else
    /// the lowest id. Entries already claimed (through the other queue) are dropped.
    fn next_source(&self, sh: &mut Shared) -> Option<u32> {
        let claimed = |s: u32| self.claimed[s as usize].load(Relaxed);
        while let Some(&s) = sh.wanted.last() {
            if !claimed(s) {
                return Some(s);
            }
            sh.wanted.pop();
        }
        while let Some(&Reverse(s)) = sh.sources.peek() {
            if !claimed(s) {
                return Some(s);
            }
            sh.sources.pop();
        }
        None
    }

    /// Sources that `waiting` (a task missing inputs) needs, walked down through inputs
    /// not yet started, for a task with few inputs (a join of a partition with a
    /// broadcast table, a chain): they are to start before other sources, so that the
    /// inputs it already holds are consumed and released soon. A task with many inputs
    /// (a gather) is not walked: its sources come in their own order.
    fn want_sources(&self, waiting: u32, found: &mut Vec<u32>) {
        const VISITS: usize = 16;
        if self.plan.deps.row(waiting).len() > FEW {
            return;
        }
        let (mut stack, mut visits) = (vec![waiting], 0);
        while let Some(t) = stack.pop() {
            for &d in self.plan.deps.row(t) {
                visits += 1;
                if visits > VISITS {
                    return;
                }
                let deps = self.plan.deps.row(d);
                if self.claimed[d as usize].load(Relaxed) {
                    continue;
                }
                match self.missing[d as usize].load(Acquire) {
                    // A source, wanted once.
                    0 if deps.is_empty() && !self.boosted[d as usize].swap(true, Relaxed) => {
                        found.push(d)
                    }
                    // Wanted already, ready (runs before any source), or a task of a
                    // partial run whose inputs are all given.
                    0 => {}
                    m if in_run(m) && deps.len() <= FEW => stack.push(d),
                    _ => {}
                }
            }
        }
    }

    /// Runs one task; returns the dependent it made ready, to run next on this worker.
    fn run_task(&self, id: u32, worker: usize, inputs: &mut Vec<Value>) -> Option<u32> {
        let node = &self.plan.nodes[id as usize];
        let observed = self.context.observers.want_tasks();
        let start = observed.then(|| {
            let at = Instant::now();
            self.context.observers.emit_task(&Event::TaskStarted {
                id,
                key: &node.key,
                worker,
                rank: self.context.rank,
                at,
            });
            at
        });
        inputs.clear();
        if let (Some(budget), Some(diagnose)) = (self.budget, node.diagnose()) {
            let deps = self.plan.deps.row(id);
            let bytes: u64 = deps
                .iter()
                .map(|&d| self.sizes[d as usize].load(Relaxed))
                .sum();
            if bytes > budget {
                let detail = diagnose(&|i| self.load(deps[i]), deps.len());
                self.fail(Error::InputsOverBudget {
                    key: node.key.to_string(),
                    bytes,
                    budget,
                    detail,
                });
                return None;
            }
        }
        for &d in self.plan.deps.row(id) {
            match self.load(d) {
                Ok(v) => inputs.push(v),
                Err(e) => {
                    self.fail(e.in_task(&node.key.to_string()));
                    return None;
                }
            }
        }
        let result = self.call(node, inputs);
        inputs.clear();
        let value = match result {
            Ok(v) => v,
            Err(e) => {
                self.fail(e);
                return None;
            }
        };
        self.finish(id, value, start.map(|s| (s, worker)))
    }

    /// Runs a node's work on its inputs: again after an error that may pass, up to
    /// its retries; a panic caught and named. The error names the task.
    fn call(&self, node: &Node, inputs: &[Value]) -> Result<Value> {
        let ctx = TaskContext {
            run: self.context,
            key: &node.key,
        };
        let mut attempt = 1;
        let result = loop {
            let result = catch_unwind(AssertUnwindSafe(|| {
                let _nested = InTask::enter();
                node.run.call(&ctx, inputs)
            }));
            match &result {
                Ok(Err(e))
                    if attempt <= u32::from(node.retries.max(self.context.retries))
                        && e.may_pass()
                        && !ctx.is_cancelled() =>
                {
                    self.context.observers.emit(&Event::Retry {
                        key: &node.key,
                        attempt,
                        error: e,
                    });
                    attempt += 1;
                }
                _ => break result,
            }
        };
        match result {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(e.in_task(&node.key.to_string())),
            Err(payload) => Err(Error::Panic {
                key: node.key.to_string(),
                message: crate::error::panic_message(payload.as_ref()),
            }),
        }
    }

    fn load(&self, id: u32) -> Result<Value> {
        let slot = lock(&self.slots[id as usize]);
        match &*slot {
            Slot::Ready(v) => Ok(v.clone()),
            Slot::Spilled(path) => {
                let node = &self.plan.nodes[id as usize];
                let codec = node
                    .codec
                    .as_ref()
                    .expect("only results with a codec are spilled");
                let value = Spill::read(path, codec);
                self.context
                    .observers
                    .emit(&Event::ReadBack { key: &node.key });
                value
            }
            Slot::Dropped => {
                drop(slot);
                let node = &self.plan.nodes[id as usize];
                self.remade.fetch_add(1, Relaxed);
                self.context
                    .observers
                    .emit(&Event::ReadBack { key: &node.key });
                // A remade task's inputs are remade sources: held, or made again.
                let inputs = self
                    .plan
                    .deps
                    .row(id)
                    .iter()
                    .map(|&d| {
                        let held = match &*lock(&self.slots[d as usize]) {
                            Slot::Ready(v) => Some(v.clone()),
                            _ => None,
                        };
                        match held {
                            Some(v) => Ok(v),
                            None => {
                                self.remade.fetch_add(1, Relaxed);
                                self.call(&self.plan.nodes[d as usize], &[])
                            }
                        }
                    })
                    .collect::<Result<Vec<Value>>>()?;
                self.call(node, &inputs)
            }
            Slot::Empty | Slot::Freed => Err(Error::Internal(format!(
                "input {} is not available",
                self.plan.nodes[id as usize].key
            ))),
        }
    }

    fn finish(&self, id: u32, value: Value, observed: Option<(Instant, usize)>) -> Option<u32> {
        let node = &self.plan.nodes[id as usize];
        let size = match (&node.codec, node.measure) {
            (Some(c), _) => (c.held_bytes)(&value),
            (None, Some(measure)) => measure(&value),
            (None, None) => node.bytes,
        };
        self.sizes[id as usize].store(size, Relaxed);
        *lock(&self.slots[id as usize]) = Slot::Ready(value);
        let held = self.held.fetch_add(size, AcqRel) + size;
        self.peak.fetch_max(held, Relaxed);
        self.unreserve(id);
        if let Some(&l) = self.layer.get(id as usize) {
            self.layer_max[l as usize].fetch_max(size, Relaxed);
        }
        self.tasks_run.fetch_add(1, Relaxed);
        if let Some((start, worker)) = observed {
            self.context.observers.emit_task(&Event::TaskFinished {
                id,
                key: &node.key,
                worker,
                rank: self.context.rank,
                start,
                end: Instant::now(),
                bytes: size,
            });
        }

        let mut freed = Vec::new();
        for &d in self.plan.deps.row(id) {
            if self.readers[d as usize].fetch_sub(1, AcqRel) == 1 {
                self.free(d);
                freed.push(d);
            }
        }
        let mut next = None;
        let mut more = Vec::new();
        let mut wanted = Vec::new();
        // A value read by many (a broadcast table) is not released by any one of them
        // running soon: what its readers wait on comes in its own order.
        let few_readers = self.plan.dependents.row(id).len() <= FEW;
        for &t in self.plan.dependents.row(id) {
            match self.missing[t as usize].fetch_sub(1, AcqRel) {
                1 if next.is_none() => {
                    next = Some(t);
                    // Claimed here as `claim` does for queued tasks: `finish` releases both.
                    self.claimed[t as usize].store(true, Relaxed);
                    self.running.fetch_add(1, AcqRel);
                    self.reserve(t);
                }
                1 => more.push(t),
                m if in_run(m) && few_readers => self.want_sources(t, &mut wanted),
                _ => {}
            }
        }
        let running = self.running.fetch_sub(1, AcqRel) - 1;
        let done = self.remaining.fetch_sub(1, AcqRel) == 1;
        let budgeted = self.budget.is_some();
        if more.is_empty() && wanted.is_empty() && !done && !budgeted {
            return next; // the fast path: no lock
        }
        let mut sh = lock(&self.shared);
        sh.ready.extend(more.iter().map(|&t| Reverse(t)));
        // One finish's wants taken in id order.
        wanted.sort_unstable();
        sh.wanted.extend(wanted.iter().rev());
        if let Some(b) = self.budget {
            for d in freed {
                let first = self.first_reader(d);
                sh.spillable.remove(&(first, d));
            }
            let pinned = self.pinned[id as usize];
            if (node.codec.is_some() && (self.keep_spilled || !pinned))
                || (self.remakes(id) && !pinned)
            {
                sh.spillable.insert((self.first_reader(id), id));
            }
            if self.held.load(Relaxed) > b
                && let Err(e) = self.spill_until(&mut sh, b)
            {
                self.fail_locked(&mut sh, e);
                return None;
            }
        }
        if sh.idle > 0 && (done || !more.is_empty() || budgeted || running == 0) {
            self.wake.notify_all();
        }
        next
    }

    /// Whether `id` is to be dropped and made again rather than spilled: a source
    /// marked [`Node::remake`], or a task so marked whose inputs are all such sources
    /// (made again from them: one level, so a remake never cascades).
    fn remakes(&self, id: u32) -> bool {
        self.plan.nodes[id as usize].remake
            && self
                .plan
                .deps
                .row(id)
                .iter()
                .all(|&d| self.is_remade_source(d))
    }

    fn is_remade_source(&self, id: u32) -> bool {
        self.plan.nodes[id as usize].remake && self.plan.deps.row(id).is_empty()
    }

    fn first_reader(&self, id: u32) -> u32 {
        self.plan
            .dependents
            .row(id)
            .iter()
            .copied()
            .min()
            .unwrap_or(u32::MAX)
    }

    fn free(&self, id: u32) {
        let old = std::mem::replace(&mut *lock(&self.slots[id as usize]), Slot::Freed);
        match old {
            Slot::Ready(_) => {
                self.held
                    .fetch_sub(self.sizes[id as usize].load(Relaxed), AcqRel);
            }
            Slot::Spilled(path) => {
                let _ = std::fs::remove_file(path);
            }
            Slot::Empty | Slot::Dropped | Slot::Freed => {}
        }
    }

    /// Spills the results needed latest until at most `target` bytes are held.
    fn spill_until(&self, sh: &mut Shared, target: u64) -> Result<()> {
        while self.held.load(Acquire) > target {
            let Some(&(first, id)) = sh.spillable.iter().next_back() else {
                return Ok(()); // nothing left to spill: run over budget rather than stall
            };
            sh.spillable.remove(&(first, id));
            let mut slot = lock(&self.slots[id as usize]);
            let Slot::Ready(value) = &*slot else { continue };
            let size = self.sizes[id as usize].load(Relaxed);
            if size == 0 {
                continue; // nothing to gain (a placeholder, an empty value)
            }
            let node = &self.plan.nodes[id as usize];
            if self.remakes(id) && !self.pinned[id as usize] {
                *slot = Slot::Dropped;
                self.held.fetch_sub(size, AcqRel);
                self.dropped_bytes.fetch_add(size, Relaxed);
                continue;
            }
            let codec = node.codec.as_ref().expect("spillable results have a codec");
            let path = self
                .spill
                .write(id, value, codec)
                .map_err(|e| e.in_task(&node.key.to_string()))?;
            *slot = Slot::Spilled(path);
            self.held.fetch_sub(size, AcqRel);
            self.spilled_bytes.fetch_add(size, Relaxed);
            self.spilled_results.fetch_add(1, Relaxed);
            self.context.observers.emit(&Event::Spilled {
                key: &node.key,
                bytes: size,
            });
        }
        Ok(())
    }

    fn fail(&self, e: Error) {
        let mut sh = lock(&self.shared);
        self.fail_locked(&mut sh, e);
    }

    fn fail_locked(&self, sh: &mut Shared, e: Error) {
        if sh.error.is_none() {
            // Past the timeout, a task that stops because it was asked to (or fails
            // then for any reason) reports the timeout first: the cause, whichever
            // worker noticed the deadline first.
            let timeout = self.timed_out();
            let e = if self.context.past_deadline() && e.to_string() != timeout.to_string() {
                Error::Cancelled(format!(
                    "{}; then {e}",
                    timeout.to_string().trim_start_matches("cancelled: ")
                ))
            } else {
                e
            };
            sh.error = Some(e);
        }
        self.failed.store(true, Release);
        self.context.cancelled.store(true, Release);
        self.wake.notify_all();
    }

    /// The outputs, in request order, or the first error.
    pub(crate) fn outputs(&self) -> Result<Vec<Value>> {
        if let Some(e) = lock(&self.shared).error.take() {
            return Err(e);
        }
        if self.remaining.load(Acquire) != 0 {
            return Err(Error::Cancelled(
                "the run stopped before every task ran".into(),
            ));
        }
        self.outputs
            .iter()
            .map(|&o| {
                if self.keep_spilled
                    && let Slot::Spilled(path) = &*lock(&self.slots[o as usize])
                {
                    let codec = self.plan.nodes[o as usize].codec;
                    if let Some(kept) = codec.and_then(|c| self.spill.keep(path.clone(), c)) {
                        return Ok(Arc::new(kept) as Value);
                    }
                }
                self.load(o)
            })
            .collect()
    }
}
