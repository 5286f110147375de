//! A task node: key, inputs, the function, and what the engine needs to know of its output.

use std::any::Any;
use std::sync::Arc;

use super::Key;
use crate::Result;
use crate::encode::Codec;
use crate::engine::TaskContext;

/// A type-erased value inside the engine.
pub(crate) type Value = Arc<dyn Any + Send + Sync>;

/// The work of one task: its run's context and its inputs' values in, its value out.
pub(crate) type TaskFn = Box<dyn Fn(&TaskContext<'_>, &[Value]) -> Result<Value> + Send + Sync>;

/// The work of a task that needs only its inputs.
pub(crate) type InputsFn = Box<dyn Fn(&[Value]) -> Result<Value> + Send + Sync>;

/// Builds, given whether a key is in the graph being planned, the node that stands in
/// for this one (a fused scan feeding exactly the consumers the graph asks for): so a
/// key always names one value. Applied by `Plan::build`, the one graph pass.
pub(crate) type Bind = Arc<dyn Fn(&dyn Fn(&Key) -> bool) -> Node + Send + Sync>;

/// A task's work, boxed once: most tasks need only their inputs.
pub(crate) enum Work {
    Inputs(InputsFn),
    Context(TaskFn),
    /// A placeholder, replaced at planning by the node its [`Bind`] builds; never run.
    Bind(Bind),
    /// A task whose inputs must fit the memory budget together (a shuffle's output
    /// partition): under a budget they are not read back when they would not, and the
    /// run fails with what the [`Diagnose`] says of them (a skewed key, say). Boxed so
    /// that `Work`, in every node, stays three words.
    MustFit(Box<(InputsFn, Diagnose)>),
}

impl Work {
    #[inline]
    pub(crate) fn call(&self, ctx: &TaskContext<'_>, inputs: &[Value]) -> Result<Value> {
        match self {
            Work::Inputs(f) => f(inputs),
            Work::MustFit(w) => (w.0)(inputs),
            Work::Context(f) => f(ctx, inputs),
            Work::Bind(_) => Err(crate::Error::Internal(format!(
                "the placeholder {} ran without being bound",
                ctx.key
            ))),
        }
    }
}

/// One task of a graph. Nodes point at their inputs, so a collection is just the `Arc`s of
/// its last layer and merging graphs is sharing nodes.
pub struct Node {
    pub(crate) key: Key,
    pub(crate) deps: Vec<Arc<Node>>,
    pub(crate) run: Work,
    /// Projected output size in bytes (0 when unknown and small).
    pub(crate) bytes: u64,
    /// Memory the task itself uses while it runs, past its inputs, where more than
    /// `bytes` (0 when unknown): a scan's raw block and the columns parsed from it.
    /// Under a budget the engine reserves it while the task runs, so other sources wait.
    pub(crate) working: u64,
    /// How to spill the output, if it can be spilled.
    pub(crate) codec: Option<Codec>,
    /// The output's size in memory, for an output that cannot spill (without one and
    /// without a codec, `bytes` stands for it).
    pub(crate) measure: Option<fn(&Value) -> u64>,
    /// Times the task is run again after an error that may be transient
    /// ([`Error::may_pass`](crate::Error::may_pass)).
    pub(crate) retries: u8,
    /// A source (no inputs) whose value is made again by running it, more cheaply
    /// than it is spilled and read back (a chunk read from a store): under a memory
    /// budget it is dropped rather than spilled, and run again for each task that
    /// needs it later. On a task whose inputs are all such sources (a chunk's
    /// transpose), the same: run again on its inputs, themselves made again if gone.
    pub(crate) remake: bool,
}

/// Says why a task's inputs are large, given a loader of input `i` (one at a time, so
/// the diagnosis itself stays within memory) and the number of inputs.
pub(crate) type Diagnose =
    Arc<dyn Fn(&dyn Fn(usize) -> crate::Result<Value>, usize) -> String + Send + Sync>;

impl Node {
    /// A task that needs only its inputs.
    pub(crate) fn new(key: Key, deps: Vec<Arc<Node>>, run: InputsFn) -> Self {
        Node::with_work(key, deps, Work::Inputs(run))
    }

    /// A task whose inputs must fit the memory budget together ([`Work::MustFit`]).
    pub(crate) fn must_fit(key: Key, deps: Vec<Arc<Node>>, run: InputsFn, why: Diagnose) -> Self {
        Node::with_work(key, deps, Work::MustFit(Box::new((run, why))))
    }

    /// What says why this task's inputs are large, when they must fit the budget.
    pub(crate) fn diagnose(&self) -> Option<&Diagnose> {
        match &self.run {
            Work::MustFit(w) => Some(&w.1),
            _ => None,
        }
    }

    /// A task that reports to its run (I/O counters, warnings) through its context.
    pub(crate) fn with_context(key: Key, deps: Vec<Arc<Node>>, run: TaskFn) -> Self {
        Node::with_work(key, deps, Work::Context(run))
    }

    /// A placeholder that planning replaces by the node `bind` builds (see [`Bind`]).
    pub(crate) fn placeholder(key: Key, deps: Vec<Arc<Node>>, bind: Bind) -> Self {
        Node::with_work(key, deps, Work::Bind(bind))
    }

    /// The placeholder's binder, if this is one.
    pub(crate) fn bind(&self) -> Option<&Bind> {
        match &self.run {
            Work::Bind(b) => Some(b),
            _ => None,
        }
    }

    fn with_work(key: Key, deps: Vec<Arc<Node>>, run: Work) -> Self {
        Node {
            key,
            deps,
            run,
            bytes: 0,
            working: 0,
            codec: None,
            measure: None,
            retries: 0,
            remake: false,
        }
    }

    /// This task's key.
    pub fn key(&self) -> &Key {
        &self.key
    }
}

impl Drop for Node {
    // Long chains of nodes would drop recursively and overflow the stack: unlink
    // iteratively instead.
    fn drop(&mut self) {
        let mut stack = std::mem::take(&mut self.deps);
        while let Some(dep) = stack.pop() {
            if let Ok(mut inner) = Arc::try_unwrap(dep) {
                stack.append(&mut inner.deps);
            }
        }
    }
}
