//! Where and how graphs run: the scheduler, the memory budget, progress; a process-wide
//! default (as `dask.config.set`) that every call may override.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::engine::{Executor, Observer, Observers, RunOptions};
use crate::graph::{Plan, Value};
use crate::{Error, Result};

/// Which engine placement runs a graph.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scheduler {
    /// Every task on the calling thread, in one deterministic order: for debugging.
    Synchronous,
    /// A pool of `n` worker threads (rayon); the calling thread is one of them.
    Threads(usize),
    /// Every rank of an MPI job, `n` threads on each (feature `mpi`).
    #[cfg(feature = "mpi")]
    Mpi(usize),
}

impl Scheduler {
    /// `n` worker threads; 0 means one per core.
    pub fn threads(n: usize) -> Self {
        Scheduler::Threads(if n == 0 { cores() } else { n })
    }

    /// Reads `CHUNKWISE_SCHEDULER` (`sync`/`synchronous`, `threads`) and
    /// `CHUNKWISE_WORKERS`; unset means threads, one per core.
    ///
    /// ```
    /// use chunkwise::Scheduler;
    /// // SAFETY: doc tests run in their own process; nothing else reads the environment.
    /// unsafe { std::env::set_var("CHUNKWISE_WORKERS", "3") };
    /// assert_eq!(Scheduler::from_env().unwrap(), Scheduler::Threads(3));
    /// ```
    pub fn from_env() -> Result<Self> {
        let workers = match env("CHUNKWISE_WORKERS")? {
            None => 0,
            Some(v) => v.trim().parse::<usize>().map_err(|e| Error::Env {
                name: "CHUNKWISE_WORKERS".into(),
                value: v.clone(),
                reason: e.to_string(),
            })?,
        };
        let workers = if workers == 0 { cores() } else { workers };
        match env("CHUNKWISE_SCHEDULER")?.as_deref().map(str::trim) {
            #[cfg(feature = "mpi")]
            Some("mpi") => Ok(Scheduler::Mpi(workers)),
            #[cfg(feature = "mpi")]
            None | Some("") if crate::cluster::launched_under_mpi() => Ok(Scheduler::Mpi(workers)),
            None | Some("") | Some("threads") | Some("threaded") => Ok(Scheduler::threads(workers)),
            Some("sync") | Some("synchronous") | Some("single-threaded") => {
                Ok(Scheduler::Synchronous)
            }
            Some(other) => Err(Error::Env {
                name: "CHUNKWISE_SCHEDULER".into(),
                value: other.into(),
                reason: "expected `synchronous`, `threads` or (with the `mpi` feature) `mpi`"
                    .into(),
            }),
        }
    }

    /// The executor that runs graphs for this scheduler.
    pub(crate) fn executor(&self) -> Arc<dyn Executor> {
        match self {
            Scheduler::Synchronous => Arc::new(crate::engine::Synchronous),
            Scheduler::Threads(n) => Arc::new(crate::engine::Threads(*n)),
            #[cfg(feature = "mpi")]
            Scheduler::Mpi(n) => Arc::new(crate::cluster::mpi::MpiExecutor::new(*n)),
        }
    }

    /// How many workers run tasks at once.
    pub fn workers(&self) -> usize {
        match self {
            Scheduler::Synchronous => 1,
            Scheduler::Threads(n) => *n,
            #[cfg(feature = "mpi")]
            Scheduler::Mpi(n) => *n,
        }
    }
}

/// A variable's value; one that is not UTF-8 is an error naming it, never ignored.
fn env(name: &str) -> Result<Option<String>> {
    match std::env::var(name) {
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(v)) => Err(Error::Env {
            name: name.into(),
            value: v.to_string_lossy().into_owned(),
            reason: "not valid UTF-8".into(),
        }),
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// How a compute runs: scheduler (the executor), memory budget, spill directory, and the
/// observers that watch it (progress bar, warning printer, your own [`Observer`]s).
///
/// ```
/// use chunkwise::{Config, Scheduler};
/// let config = Config::new()
///     .scheduler(Scheduler::threads(4))
///     .memory_limit(512 << 20)
///     .progress(false);
/// assert_eq!(config.get_scheduler().workers(), 4);
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    scheduler: Scheduler,
    executor: Arc<dyn Executor>,
    memory_limit: Option<u64>,
    spill_dir: Option<PathBuf>,
    progress: bool,
    observers: Observers,
    print_warnings: bool,
    timeout: Option<Duration>,
    retries: u8,
}

impl Default for Config {
    fn default() -> Self {
        Config::new()
    }
}

impl Config {
    /// Threads on every core, no memory budget, no progress bar; warnings printed on
    /// standard error.
    pub fn new() -> Self {
        let scheduler = Scheduler::threads(0);
        Config {
            executor: scheduler.executor(),
            scheduler,
            memory_limit: None,
            spill_dir: None,
            progress: false,
            observers: Observers::default(),
            print_warnings: true,
            timeout: None,
            retries: 0,
        }
    }

    /// Reads `CHUNKWISE_SCHEDULER`, `CHUNKWISE_WORKERS`, `CHUNKWISE_MEMORY_LIMIT`
    /// (`4GB`, `512MiB`, bytes), `CHUNKWISE_SPILL_DIR`, `CHUNKWISE_PROGRESS` (`1`),
    /// `CHUNKWISE_RETRIES` and `CHUNKWISE_TIMEOUT` (seconds). A value that cannot be used
    /// is an error naming the variable, never ignored.
    pub fn from_env() -> Result<Self> {
        let mut c = Config::new().scheduler(Scheduler::from_env()?);
        if let Some(v) = env("CHUNKWISE_MEMORY_LIMIT")? {
            c.memory_limit = Some(parse_bytes(&v).map_err(|reason| Error::Env {
                name: "CHUNKWISE_MEMORY_LIMIT".into(),
                value: v.clone(),
                reason,
            })?);
        }
        c.spill_dir = std::env::var_os("CHUNKWISE_SPILL_DIR").map(PathBuf::from);
        if let Some(addr) = env("CHUNKWISE_DASHBOARD")?.filter(|a| !a.trim().is_empty()) {
            c = c.dashboard_from_env(addr.trim())?;
        }
        c.progress = matches!(
            env("CHUNKWISE_PROGRESS")?.as_deref(),
            Some("1" | "true" | "yes")
        );
        if let Some(v) = env("CHUNKWISE_RETRIES")? {
            c.retries = v.trim().parse::<u8>().map_err(|e| Error::Env {
                name: "CHUNKWISE_RETRIES".into(),
                value: v.clone(),
                reason: e.to_string(),
            })?;
        }
        if let Some(v) = env("CHUNKWISE_TIMEOUT")? {
            let secs = v.trim().trim_end_matches('s').parse::<f64>();
            c.timeout = Some(
                secs.ok()
                    .filter(|s| s.is_finite() && *s > 0.0)
                    .map(Duration::from_secs_f64)
                    .ok_or_else(|| Error::Env {
                        name: "CHUNKWISE_TIMEOUT".into(),
                        value: v.clone(),
                        reason: "expected a positive number of seconds (`90`, `2.5s`)".into(),
                    })?,
            );
        }
        Ok(c)
    }

    /// Starts the dashboard (cargo feature `dashboard`) on `addr` (`127.0.0.1:8787`)
    /// and shows this configuration's runs on it; its URL, with the token every
    /// request must carry, is printed on standard error. An error names the address
    /// when the port is taken.
    ///
    /// Under MPI only rank 0 serves the page; the other ranks' task events reach it
    /// over MPI (after each batch of sources they ask for and each level of the graph).
    #[cfg(feature = "dashboard")]
    pub fn dashboard(self, addr: &str) -> Result<Self> {
        if crate::cluster::rank() != 0 {
            return Ok(self);
        }
        let d = crate::diagnostics::Dashboard::start(addr, true)?;
        eprintln!("chunkwise: dashboard at {}", d.url());
        Ok(self.observe(d))
    }

    /// `CHUNKWISE_DASHBOARD=ADDR`: one dashboard per process however often the
    /// environment is read (`CHUNKWISE_DASHBOARD_TOKEN=off` serves it without a token).
    fn dashboard_from_env(self, addr: &str) -> Result<Self> {
        #[cfg(feature = "dashboard")]
        {
            if crate::cluster::rank() != 0 {
                return Ok(self);
            }
            static STARTED: std::sync::OnceLock<Arc<crate::diagnostics::Dashboard>> =
                std::sync::OnceLock::new();
            let d = match STARTED.get() {
                Some(d) => Arc::clone(d),
                None => {
                    let token = env("CHUNKWISE_DASHBOARD_TOKEN")?.as_deref() != Some("off");
                    let d = crate::diagnostics::Dashboard::start(addr, token)?;
                    let d = Arc::clone(STARTED.get_or_init(|| d));
                    eprintln!("chunkwise: dashboard at {}", d.url());
                    d
                }
            };
            Ok(self.observe(d))
        }
        #[cfg(not(feature = "dashboard"))]
        {
            let _ = self;
            Err(Error::Env {
                name: "CHUNKWISE_DASHBOARD".into(),
                value: addr.into(),
                reason: "this build has no dashboard (cargo feature `dashboard`)".into(),
            })
        }
    }

    /// Sets the scheduler (and with it the executor).
    pub fn scheduler(mut self, scheduler: Scheduler) -> Self {
        self.executor = scheduler.executor();
        self.scheduler = scheduler;
        self
    }

    /// Adds an observer of every run made with this configuration.
    pub fn observe(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observers.push(observer);
        self
    }

    /// Whether warnings (a skipped bad CSV row under `OnBadLines::Warn`) are printed on
    /// standard error (default on). Observers see them either way.
    pub fn print_warnings(mut self, on: bool) -> Self {
        self.print_warnings = on;
        self
    }

    /// Sets the memory budget in bytes for results held at once.
    pub fn memory_limit(mut self, bytes: u64) -> Self {
        self.memory_limit = Some(bytes);
        self
    }

    /// Sets where spilled results go (a fresh directory inside it, removed afterwards).
    pub fn spill_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.spill_dir = Some(dir.into());
        self
    }

    /// Gives up on a compute that runs longer than `timeout`: it fails with an error
    /// saying so, tasks not started never start, and running tasks that ask
    /// ([`TaskContext::is_cancelled`](crate::TaskContext::is_cancelled), as [`Cmd`](crate::Cmd)
    /// does) stop. A task that does not ask runs to its end before the compute returns.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Runs every task up to `n` more times after an error that may pass
    /// ([`Error::may_pass`]: a file that could not be read, an external program's
    /// failure, a task's own error; never bad input), as Dask's `retries=` for a whole
    /// compute; a task's own [`Delayed::retries`](crate::Delayed::retries) or
    /// [`Cmd::retries`](crate::Cmd::retries) asks for more. Default 0: most failures
    /// are not transient, and a retried one costs its run time again.
    pub fn retries(mut self, n: u8) -> Self {
        self.retries = n;
        self
    }

    /// Draws a progress bar on standard error, when it is a terminal.
    pub fn progress(mut self, on: bool) -> Self {
        self.progress = on;
        self
    }

    /// The scheduler.
    pub fn get_scheduler(&self) -> &Scheduler {
        &self.scheduler
    }

    /// The memory budget, if any.
    pub fn get_memory_limit(&self) -> Option<u64> {
        self.memory_limit
    }

    pub(crate) fn get_spill_dir(&self) -> Option<&PathBuf> {
        self.spill_dir.as_ref()
    }

    pub(crate) fn get_executor(&self) -> &dyn Executor {
        &*self.executor
    }

    /// What every run with this configuration shares: budget, spill directory, observers
    /// (the progress bar and the warning printer among them when asked for).
    pub(crate) fn run_options(&self) -> RunOptions {
        let mut observers = self.observers.clone();
        if self.progress {
            observers.push(Arc::new(crate::diagnostics::Progress::default()));
        }
        if self.print_warnings {
            observers.push(Arc::new(crate::diagnostics::PrintWarnings));
        }
        RunOptions {
            memory_limit: self.memory_limit,
            spill_dir: self.spill_dir.clone(),
            observers,
            timeout: self.timeout,
            outputs_may_stay_spilled: false,
            retries: self.retries,
        }
    }

    /// Runs a plan on this configuration's executor.
    pub(crate) fn execute(&self, plan: &Plan) -> Result<Vec<Value>> {
        crate::engine::execute(plan, self.get_executor(), &self.run_options())
    }

    /// As [`execute`](Self::execute) for results held past the run (`persist`): outputs
    /// may spill during the run, and come back as
    /// [`SpilledOutput`](crate::engine::SpilledOutput)s when they did.
    pub(crate) fn execute_to_hold(&self, plan: &Plan) -> Result<Vec<Value>> {
        let mut options = self.run_options();
        options.outputs_may_stay_spilled = true;
        crate::engine::execute(plan, self.get_executor(), &options)
    }

    /// Makes this the process-wide default used by `compute` (as `dask.config.set`).
    pub fn set_default(self) {
        *DEFAULT.write().unwrap_or_else(|e| e.into_inner()) = Some(self);
    }

    /// The process-wide default: the one set last, or else [`Config::from_env`].
    pub fn current() -> Result<Config> {
        if let Some(c) = DEFAULT.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
            return Ok(c.clone());
        }
        let c = Config::from_env()?;
        Ok(DEFAULT
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert(c)
            .clone())
    }
}

static DEFAULT: RwLock<Option<Config>> = RwLock::new(None);

/// Parses `4GB`, `512MiB`, `64 mb`, `1e9` or plain bytes.
///
/// ```
/// assert_eq!(chunkwise::parse_bytes("2MiB"), Ok(2 << 20));
/// assert_eq!(chunkwise::parse_bytes("1.5 GB"), Ok(1_500_000_000));
/// assert!(chunkwise::parse_bytes("lots").is_err());
/// ```
pub fn parse_bytes(s: &str) -> std::result::Result<u64, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let num: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a size such as 4GB, 512MiB or 1000000"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "tb" | "t" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0f64.powi(4),
        u => return Err(format!("unknown size unit `{u}` in `{s}`")),
    };
    if num.is_nan() || num < 0.0 || !num.is_finite() {
        return Err(format!("`{s}` is not a non-negative size"));
    }
    Ok((num * mult).round() as u64)
}
