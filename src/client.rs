//! The futures interface: `Client` with `submit`, `map`, `gather`, `as_completed`, as
//! `dask.distributed.Client`, through the configured executor.

use std::any::Any;
use std::collections::HashMap;
use std::hash::Hash;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};

use crate::graph::{Key, Node, Plan, Tokenizer, Value};
use crate::{BoxError, Compute, Config, Error, Result, Scheduler};

/// A user function as the client runs it: an input in, a value or an error out.
type UserFn<I, T> = Arc<dyn Fn(I) -> std::result::Result<T, BoxError> + Send + Sync>;

type Outcome<T> = std::result::Result<Arc<T>, Arc<Error>>;

struct State<T> {
    inner: Mutex<Inner<T>>,
    done: Condvar,
}

struct Inner<T> {
    outcome: Option<Outcome<T>>,
    watchers: Vec<(Sender<usize>, usize)>,
    /// Cancelled before it finished: its task does not run, or its result is dropped.
    cancelled: bool,
}

impl<T> State<T> {
    fn new() -> Arc<Self> {
        Arc::new(State {
            inner: Mutex::new(Inner {
                outcome: None,
                watchers: Vec::new(),
                cancelled: false,
            }),
            done: Condvar::new(),
        })
    }

    fn set(&self, outcome: Outcome<T>) {
        self.settle(outcome, true);
    }

    /// Sets the outcome unless the task already did.
    fn set_if_unset(&self, outcome: Outcome<T>) {
        self.settle(outcome, false);
    }

    fn settle(&self, outcome: Outcome<T>, replace: bool) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.cancelled || (!replace && inner.outcome.is_some()) {
            return;
        }
        inner.outcome = Some(outcome);
        for (tx, i) in inner.watchers.drain(..) {
            let _ = tx.send(i);
        }
        self.done.notify_all();
    }

    fn wait(&self) -> Outcome<T> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(o) = &inner.outcome {
                return o.clone();
            }
            inner = self.done.wait(inner).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// A result that is being computed; cheap to clone.
pub struct Future<T> {
    key: Key,
    state: Arc<State<T>>,
}

impl<T> Clone for Future<T> {
    fn clone(&self) -> Self {
        Future {
            key: self.key.clone(),
            state: Arc::clone(&self.state),
        }
    }
}

impl<T> std::fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Future{} done={}", self.key, self.is_done())
    }
}

impl<T> Future<T> {
    /// The task's key.
    pub fn key(&self) -> &Key {
        &self.key
    }

    /// Whether the result (or error) is in.
    pub fn is_done(&self) -> bool {
        self.state
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .outcome
            .is_some()
    }
}

impl<T> Future<T> {
    /// Cancels the future unless it is done: its task does not start, or, when it is
    /// running, its result is dropped; waiting on it gives [`Error::Cancelled`] naming
    /// its key (as `Future.cancel` in Dask).
    pub fn cancel(&self) {
        let mut inner = self.state.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.outcome.is_some() {
            return;
        }
        inner.outcome = Some(Err(Arc::new(Error::Cancelled(format!(
            "the future {} was cancelled",
            self.key
        )))));
        inner.cancelled = true;
        for (tx, i) in inner.watchers.drain(..) {
            let _ = tx.send(i);
        }
        self.state.done.notify_all();
    }

    /// Whether the future was cancelled before it finished.
    pub fn is_cancelled(&self) -> bool {
        self.state.is_cancelled()
    }
}

impl<T> State<T> {
    fn is_cancelled(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .cancelled
    }
}

impl<T: Send + Sync + 'static> Future<T> {
    /// Waits for the result, shared.
    pub fn result_arc(&self) -> Result<Arc<T>> {
        self.state.wait().map_err(Error::Shared)
    }

    /// Waits for the result.
    pub fn result(&self) -> Result<T>
    where
        T: Clone,
    {
        self.result_arc().map(|a| (*a).clone())
    }
}

/// Futures in the order they finish: `(index in the input slice, result)`.
pub struct AsCompleted<T> {
    futures: Vec<Future<T>>,
    rx: Receiver<usize>,
    left: usize,
}

impl<T> AsCompleted<T> {
    /// The index of the next future to finish.
    fn next_index(&mut self) -> Option<usize> {
        if self.left == 0 {
            return None;
        }
        let i = self.rx.recv().ok()?;
        self.left -= 1;
        Some(i)
    }
}

impl<T: Clone + Send + Sync + 'static> Iterator for AsCompleted<T> {
    type Item = (usize, Result<T>);
    fn next(&mut self) -> Option<Self::Item> {
        let i = self.next_index()?;
        Some((i, self.futures[i].result()))
    }
}

/// Runs calls at once on a pool of workers and hands back [`Future`]s.
///
/// ```
/// use chunkwise::Client;
/// let client = Client::threads(2).unwrap();
/// let futures = client.map(|x: u64| x * x, 0..100u64);
/// let squares = client.gather(&futures).unwrap();
/// assert_eq!(squares[9], 81);
/// let one = client.submit(|| "done".to_string());
/// assert_eq!(one.result().unwrap(), "done");
/// ```
pub struct Client {
    config: Config,
    cache: Mutex<HashMap<u64, Arc<dyn Any + Send + Sync>>>,
}

/// Runs `f`, turning an error or a panic into an error naming `key`.
fn guarded<T>(key: &Key, f: impl FnOnce() -> std::result::Result<T, BoxError>) -> Outcome<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(Arc::new(v)),
        Ok(Err(e)) => Err(Arc::new(match e.downcast::<Error>() {
            Ok(e) => e.in_task(&key.to_string()),
            Err(e) => Error::Task {
                key: key.to_string(),
                source: e,
            },
        })),
        Err(p) => Err(Arc::new(Error::Panic {
            key: key.to_string(),
            message: crate::error::panic_message(p.as_ref()),
        })),
    }
}

impl Client {
    /// A client on the scheduler of `config` (threads; synchronous means one worker).
    pub fn new(config: Config) -> Result<Self> {
        Ok(Client {
            config,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// A client with `n` worker threads (0: one per core).
    pub fn threads(n: usize) -> Result<Self> {
        Client::new(Config::current()?.scheduler(Scheduler::threads(n)))
    }

    /// A client on the process-wide default configuration.
    pub fn from_env() -> Result<Self> {
        Client::new(Config::current()?)
    }

    /// Number of workers.
    pub fn workers(&self) -> usize {
        self.config.get_executor().workers()
    }

    /// Runs one task per future as one graph on the configured executor, so futures get
    /// the memory budget, the metrics and the observers of any compute, and under MPI
    /// spread over the ranks. Each task settles its own future: a failing call fails its
    /// future only (as in Dask), except under MPI, where it ends the job naming the task.
    /// Local executors run in the background; a collective one (MPI) runs now, on the
    /// program's thread, as every rank makes the same calls.
    fn run<I, T>(&self, work: Vec<(I, Future<T>)>, f: UserFn<I, T>)
    where
        I: Send + 'static,
        T: Send + Sync + 'static,
    {
        if work.is_empty() {
            return;
        }
        let collective = self.config.get_executor().collective();
        let codec = crate::encode::codec_for::<T>();
        let mut states = Vec::with_capacity(work.len());
        let nodes: Vec<Arc<Node>> = work
            .into_iter()
            .map(|(x, fut)| {
                let (f, key, state) = (Arc::clone(&f), fut.key.clone(), Arc::clone(&fut.state));
                states.push(fut.state);
                let input = Mutex::new(Some(x));
                let mut node = Node::new(
                    fut.key,
                    Vec::new(),
                    Box::new(move |_: &[Value]| {
                        if !collective && state.is_cancelled() {
                            return Ok(Arc::new(()) as Value); // never started
                        }
                        let taken = input.lock().unwrap_or_else(|e| e.into_inner()).take();
                        let Some(x) = taken else {
                            return Err(Error::Internal(format!("task {key} ran twice")));
                        };
                        let outcome = guarded(&key, || f(x));
                        state.set(outcome.clone());
                        match outcome {
                            Ok(v) => Ok(v as Value),
                            Err(e) if collective => Err(Error::Shared(e)),
                            Err(_) => Ok(Arc::new(()) as Value),
                        }
                    }),
                );
                node.codec = codec;
                Arc::new(node)
            })
            .collect();
        let config = self.config.clone();
        let job = move || {
            let outcome = Plan::build(&nodes).and_then(|plan| {
                if plan.len() == 1 && !collective {
                    // One call gains nothing from more workers: run it where it is.
                    let options = config.run_options();
                    crate::engine::execute(&plan, &crate::engine::Synchronous, &options)
                } else {
                    config.execute(&plan)
                }
            });
            drop(nodes);
            match outcome {
                // Under MPI a task ran on one rank: the others learn its value here.
                Ok(values) => {
                    for (state, v) in states.iter().zip(values) {
                        if let Ok(v) = v.downcast::<T>() {
                            state.set_if_unset(Ok(v));
                        }
                    }
                }
                Err(e) => {
                    let e = Arc::new(e);
                    for state in &states {
                        state.set_if_unset(Err(Arc::clone(&e)));
                    }
                }
            }
        };
        self.start(collective, job);
    }

    /// Runs a job now (collective executors) or on a thread of its own: never on the
    /// pool, whose threads the job's own run uses as workers (a run started on a pool
    /// thread can end up waiting on itself).
    fn start(&self, collective: bool, job: impl FnOnce() + Send + 'static) {
        if collective {
            return job();
        }
        let slot = Arc::new(Mutex::new(Some(job)));
        let theirs = Arc::clone(&slot);
        let spawned = std::thread::Builder::new()
            .name("chunkwise-client".into())
            .spawn(move || {
                if let Some(job) = theirs.lock().unwrap_or_else(|e| e.into_inner()).take() {
                    job();
                }
            });
        if spawned.is_err() {
            // No thread to be had: run it here rather than leave its futures unsettled.
            let job = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(job) = job {
                job();
            }
        }
    }

    /// Starts `f` at once; never served from a cache (impure).
    pub fn submit<T, F>(&self, f: F) -> Future<T>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.try_submit(move || Ok::<T, BoxError>(f()))
    }

    /// Starts a fallible `f` at once.
    pub fn try_submit<T, E, F>(&self, f: F) -> Future<T>
    where
        T: Send + Sync + 'static,
        E: Into<BoxError>,
        F: FnOnce() -> std::result::Result<T, E> + Send + 'static,
    {
        let key = Key::new("submit", Tokenizer::new("submit").sequenced().finish(), 0);
        let fut = Future {
            key,
            state: State::new(),
        };
        let call: UserFn<F, T> = Arc::new(|f: F| f().map_err(Into::into));
        self.run(vec![(f, fut.clone())], call);
        fut
    }

    /// Maps `f` over `inputs`, starting at once. Tiny calls are batched automatically:
    /// the inputs are split adaptively over the workers (rayon's work splitting), so a
    /// million cheap calls cost little more than a loop, and long uneven calls still
    /// balance. Never cached: see [`Client::map_pure`].
    pub fn map<I, T, F>(&self, f: F, inputs: impl IntoIterator<Item = I>) -> Vec<Future<T>>
    where
        I: Send + 'static,
        T: Send + Sync + 'static,
        F: Fn(I) -> T + Send + Sync + 'static,
    {
        self.try_map(move |x| Ok::<T, BoxError>(f(x)), inputs)
    }

    /// As [`Client::map`] for a fallible `f`.
    pub fn try_map<I, T, E, F>(&self, f: F, inputs: impl IntoIterator<Item = I>) -> Vec<Future<T>>
    where
        I: Send + 'static,
        T: Send + Sync + 'static,
        E: Into<BoxError>,
        F: Fn(I) -> std::result::Result<T, E> + Send + Sync + 'static,
    {
        let token = Tokenizer::new("map").sequenced().finish();
        let inputs: Vec<I> = inputs.into_iter().collect();
        let futures: Vec<Future<T>> = (0..inputs.len())
            .map(|i| Future {
                key: Key::new("map", token, i as u64),
                state: State::new(),
            })
            .collect();
        let work: Vec<(I, Future<T>)> = inputs.into_iter().zip(futures.iter().cloned()).collect();
        self.run(work, Arc::new(move |x| f(x).map_err(Into::into)));
        futures
    }

    /// Maps a pure function: calls are keyed by `name` and a hash of the input, and a
    /// call whose key was computed before by this client is served from its cache
    /// (the behaviour of Dask's `Client.map`). Use it only for functions whose result
    /// depends on the input alone; a random simulation belongs in [`Client::map`].
    pub fn map_pure<I, T, F>(
        &self,
        name: &str,
        f: F,
        inputs: impl IntoIterator<Item = I>,
    ) -> Vec<Future<T>>
    where
        I: Hash + Send + 'static,
        T: Send + Sync + 'static,
        F: Fn(I) -> T + Send + Sync + 'static,
    {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        let mut todo: Vec<(I, Future<T>)> = Vec::new();
        let label: Arc<str> = Arc::from(name);
        for x in inputs {
            let token = Tokenizer::new("map_pure").param(name).param(&x).finish();
            let key = Key::with_label(Arc::clone(&label), token, 0);
            let hit = cache
                .get(&token)
                .and_then(|s| Arc::clone(s).downcast::<State<T>>().ok());
            match hit {
                Some(state) => out.push(Future { key, state }),
                None => {
                    let fut = Future {
                        key,
                        state: State::new(),
                    };
                    cache.insert(token, Arc::clone(&fut.state) as Arc<dyn Any + Send + Sync>);
                    todo.push((x, fut.clone()));
                    out.push(fut);
                }
            }
        }
        drop(cache);
        self.run(todo, Arc::new(move |x| Ok::<T, BoxError>(f(x))));
        out
    }

    /// Computes delayed values (or any collection) on this client's workers.
    pub fn compute<C>(&self, outputs: C) -> Future<C::Output>
    where
        C: Compute + Send + 'static,
        C::Output: Send + Sync + 'static,
    {
        let key = Key::new("compute", Tokenizer::new("compute").sequenced().finish(), 0);
        let state = State::new();
        let s = Arc::clone(&state);
        let config = self.config.clone();
        let job = move || {
            let outcome = match crate::compute_with(outputs, &config) {
                Ok(v) => Ok(Arc::new(v)),
                Err(e) => Err(Arc::new(e)),
            };
            s.set(outcome);
        };
        // A collective executor (MPI) is driven from the program's thread.
        self.start(self.config.get_executor().collective(), job);
        Future { key, state }
    }

    /// Waits for every future. The first to fail (in the order they finish) fails the
    /// gather at once and cancels the others: those not started never start.
    ///
    /// ```
    /// use chunkwise::Client;
    /// let client = Client::threads(2).unwrap();
    /// let fs = client.try_map(|i: u64| if i == 3 { Err("no 3") } else { Ok(i) }, 0..100u64);
    /// assert!(client.gather(&fs).unwrap_err().to_string().contains("no 3"));
    /// assert!(fs.iter().all(|f| f.is_done()));
    /// ```
    pub fn gather<T: Clone + Send + Sync + 'static>(
        &self,
        futures: &[Future<T>],
    ) -> Result<Vec<T>> {
        let mut done = self.as_completed(futures);
        while let Some(i) = done.next_index() {
            if let Err(e) = futures[i].result_arc() {
                futures.iter().for_each(Future::cancel);
                return Err(e);
            }
        }
        futures.iter().map(Future::result).collect()
    }

    /// Yields futures as they finish, with their index in `futures`.
    ///
    /// ```
    /// use chunkwise::Client;
    /// let client = Client::threads(2).unwrap();
    /// let fs = client.map(|ms: u64| { std::thread::sleep(std::time::Duration::from_millis(ms)); ms }, [30, 1, 10]);
    /// let mut seen: Vec<u64> = client.as_completed(&fs).map(|(_, r)| r.unwrap()).collect();
    /// seen.sort();
    /// assert_eq!(seen, vec![1, 10, 30]);
    /// ```
    pub fn as_completed<T: Clone + Send + Sync + 'static>(
        &self,
        futures: &[Future<T>],
    ) -> AsCompleted<T> {
        let (tx, rx) = channel();
        for (i, f) in futures.iter().enumerate() {
            let mut inner = f.state.inner.lock().unwrap_or_else(|e| e.into_inner());
            if inner.outcome.is_some() {
                let _ = tx.send(i);
            } else {
                inner.watchers.push((tx.clone(), i));
            }
        }
        AsCompleted {
            futures: futures.to_vec(),
            rx,
            left: futures.len(),
        }
    }
}
