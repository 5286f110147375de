//! The MPI scheduler (feature `mpi`): every rank runs the same program, builds the same
//! graph and, at `compute`, runs its share of it.
//!
//! - **Check**: the ranks' graph hashes are gathered first; a difference is an error on
//!   every rank, before anything runs.
//! - **Hand-out and placement.** Tasks without inputs whose values can travel (external
//!   programs, simulations, array chunks) are handed out by rank 0 in batches of the
//!   rank's thread count as ranks ask, so uneven run times balance; the ranks then learn
//!   who ran what by one all-reduce. Sources whose values stay (a bag's file scans) go in
//!   contiguous blocks. Every other task goes where most of its inputs are (ties to the
//!   lower rank), computed the same on every rank. `CHUNKWISE_MPI_STATIC=1` turns the
//!   hand-out off (blocks for all sources).
//! - **Run**, level by level (bulk synchronous): each rank runs its tasks of a level on
//!   its own thread pool (the ordinary engine), then sends each value to the ranks whose
//!   tasks need it, encoded by the value's codec (arrays as raw little-endian bytes). A
//!   value that must cross ranks but has no codec is an error, found before anything runs.
//! - **Results** are broadcast from their rank, so every rank returns the same values and
//!   the program's control flow stays the same everywhere.
//! - **Failure** on one rank prints the rank and the task key and aborts the whole job
//!   (`MPI_Abort`), so no rank waits forever for a value that will not come.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use mpi::request::WaitGuard;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

use crate::engine::{Event, Executor, Observer, Observers, Outcome, Part, RunOptions, run_local};
use crate::graph::{Plan, Value};
use crate::{Error, Result, Stats};

static UNIVERSE: OnceLock<Mutex<Option<mpi::environment::Universe>>> = OnceLock::new();

unsafe extern "C" {
    fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
}

/// Set while this rank is inside a compute: the other ranks wait for its messages.
static IN_COMPUTE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn finalize() {
    if IN_COMPUTE.load(std::sync::atomic::Ordering::SeqCst) {
        // The process is exiting (`std::process::exit` in a task, say) while the other
        // ranks wait on it: `MPI_Finalize` would wait for them in turn, and the job would
        // hang. End the whole job instead, naming this rank.
        let world = SimpleCommunicator::world();
        eprintln!(
            "chunkwise: rank {} of {}: the process exited in the middle of a compute; \
             aborting the job",
            world.rank(),
            world.size()
        );
        std::thread::sleep(Duration::from_millis(200));
        world.abort(1);
    }
    if let Some(u) = UNIVERSE.get() {
        // Dropping the universe calls MPI_Finalize.
        drop(u.lock().map(|mut u| u.take()));
    }
}

/// Whether this process was started by an MPI launcher (mpirun, srun with PMI).
pub fn launched_under_mpi() -> bool {
    [
        "OMPI_COMM_WORLD_SIZE",
        "PMI_SIZE",
        "PMIX_RANK",
        "MPI_LOCALNRANKS",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some())
}

/// Initialises MPI once (finalised at exit) and returns the world communicator.
pub(crate) fn world() -> Result<SimpleCommunicator> {
    let cell = UNIVERSE.get_or_init(|| {
        let u = mpi::initialize();
        if u.is_some() {
            // SAFETY: registers a plain extern "C" function with the C library.
            unsafe { atexit(finalize) };
        }
        Mutex::new(u)
    });
    let guard = cell.lock().unwrap_or_else(|e| e.into_inner());
    match guard.as_ref() {
        Some(u) => Ok(u.world()),
        None if mpi::environment::is_initialized() => Ok(SimpleCommunicator::world()),
        None => Err(Error::invalid("MPI could not be initialised")),
    }
}

/// Rank 0's `bytes` on every rank (a collective: every rank calls it at the same point
/// of the program, as it builds the same graph). For a value every rank must agree on
/// that only one can choose, such as a fresh name.
pub(crate) fn broadcast_from_root(bytes: Vec<u8>) -> Result<Vec<u8>> {
    let world = world()?;
    let root = world.process_at_rank(0);
    let mut bytes = if world.rank() == 0 { bytes } else { Vec::new() };
    let mut len = bytes.len() as u64;
    root.broadcast_into(&mut len);
    bytes.resize(len as usize, 0);
    root.broadcast_into(&mut bytes[..]);
    Ok(bytes)
}

/// Runs `prepare` on rank 0 alone and gives every rank its answer (the path, or the
/// error, named as rank 0's): a collective, so that every rank stages an output in one
/// place or every rank fails alike (see `io::Agree`).
pub(crate) fn agree_on_root(
    prepare: &dyn Fn() -> Result<std::path::PathBuf>,
) -> Result<std::path::PathBuf> {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let (rank, _) = rank_and_size()?;
    let mine = (rank == 0).then(prepare);
    let said = match &mine {
        Some(Ok(p)) => [&[0u8][..], p.as_os_str().as_bytes()].concat(),
        Some(Err(e)) => [&[1u8][..], e.to_string().as_bytes()].concat(),
        None => Vec::new(),
    };
    let heard = broadcast_from_root(said)?;
    match (mine, heard.split_first()) {
        (Some(r), _) => r,
        (None, Some((0, name))) => Ok(std::path::PathBuf::from(std::ffi::OsString::from_vec(
            name.to_vec(),
        ))),
        (None, Some((_, why))) => Err(Error::invalid(format!(
            "{} (on rank 0)",
            String::from_utf8_lossy(why)
        ))),
        (None, None) => Err(Error::Internal("rank 0 sent no staging name".into())),
    }
}

/// This process's rank and the number of ranks.
pub fn rank_and_size() -> Result<(usize, usize)> {
    let w = world()?;
    Ok((w.rank() as usize, w.size() as usize))
}

/// Owner rank of every task; computed identically on every rank. `ran` gives the
/// ranks that ran the sources when they were handed out dynamically.
fn place(plan: &Plan, size: usize, ran: Option<&[i32]>) -> Vec<usize> {
    let n = plan.len();
    let sources: Vec<u32> = (0..n as u32)
        .filter(|&t| plan.deps.row(t).is_empty())
        .collect();
    let mut owner = vec![0usize; n];
    for (i, &s) in sources.iter().enumerate() {
        owner[s as usize] = match ran {
            Some(r) => r[s as usize].max(0) as usize,
            None => i * size / sources.len().max(1),
        };
    }
    // Ids are a topological order: inputs are placed before their readers.
    let mut count = vec![0usize; size];
    for t in 0..n as u32 {
        let deps = plan.deps.row(t);
        if deps.is_empty() {
            continue;
        }
        count.iter_mut().for_each(|c| *c = 0);
        for &d in deps {
            count[owner[d as usize]] += 1;
        }
        let best = (0..size)
            .max_by_key(|&r| (count[r], std::cmp::Reverse(r)))
            .unwrap_or(0);
        owner[t as usize] = best;
    }
    owner
}

fn levels(plan: &Plan) -> Vec<usize> {
    let mut level = vec![0usize; plan.len()];
    for t in 0..plan.len() as u32 {
        level[t as usize] = plan
            .deps
            .row(t)
            .iter()
            .map(|&d| level[d as usize] + 1)
            .max()
            .unwrap_or(0);
    }
    level
}

fn no_codec(plan: &Plan, id: u32, from: usize, to: &str) -> Error {
    Error::invalid(format!(
        "the value of task {} must go from rank {from} to {to}, but its type has no codec \
         (derive serde's Serialize and Deserialize for it and call \
         chunkwise::register_serde::<T>() before building, or implement chunkwise::Encode)",
        plan.nodes[id as usize].key
    ))
}

/// A task's value as sent: the task id (four bytes, little-endian), then the value's
/// encoding. The id lets the receiver check that the message is the one it expects.
fn encode(plan: &Plan, id: u32, v: &Value) -> Result<Vec<u8>> {
    let codec = plan.nodes[id as usize]
        .codec
        .expect("checked before the run");
    let mut buf = id.to_le_bytes().to_vec();
    (codec.encode)(v, &mut buf).map_err(|e| Error::io("MPI send buffer", e))?;
    Ok(buf)
}

/// The value of task `id` from a message [`encode`] made on rank `from`.
fn decode(plan: &Plan, id: u32, from: usize, bytes: &[u8]) -> Result<Value> {
    let sent = bytes.first_chunk::<4>().map(|b| u32::from_le_bytes(*b));
    if sent != Some(id) {
        return Err(Error::invalid(format!(
            "MPI: rank {from} was expected to send the value of task {}, but its message \
             carries {} (messages out of order)",
            plan.nodes[id as usize].key,
            match sent {
                Some(t) if (t as usize) < plan.nodes.len() =>
                    plan.nodes[t as usize].key.to_string(),
                Some(t) => format!("task id {t}, not in this graph"),
                None => "no task id".to_string(),
            }
        )));
    }
    let codec = plan.nodes[id as usize]
        .codec
        .expect("checked before the run");
    (codec.decode)(&mut &bytes[4..]).map_err(|e| Error::io("MPI receive buffer", e))
}

/// Message tags, all below the 32767 that the MPI standard guarantees (`MPI_TAG_UB`
/// is no higher under UCX's transport, for one): task values go under one tag, each
/// rank sending in task order and each receiver receiving in that order (MPI keeps
/// the order of messages between two ranks under one tag); the hand-out protocol and
/// the watchers' events have their own.
const VALUE: i32 = 1;
const REQUEST: i32 = 2;
const REPLY: i32 = 3;
const EVENTS: i32 = 4;

/// Records this rank's finished tasks for rank 0's watchers (the dashboard, a
/// profiler): id, worker, start and end in microseconds from the run's start, bytes.
struct Forward {
    t0: Instant,
    records: Mutex<Vec<u8>>,
}

impl Observer for Forward {
    fn on_event(&self, event: &Event<'_>) {
        if let Event::TaskFinished {
            id,
            worker,
            start,
            end,
            bytes,
            ..
        } = event
        {
            let us = |t: &Instant| t.saturating_duration_since(self.t0).as_micros() as u64;
            let mut r = self.records.lock().unwrap_or_else(|e| e.into_inner());
            r.extend_from_slice(&id.to_le_bytes());
            r.extend_from_slice(&(*worker as u32).to_le_bytes());
            r.extend_from_slice(&us(start).to_le_bytes());
            r.extend_from_slice(&us(end).to_le_bytes());
            r.extend_from_slice(&bytes.to_le_bytes());
        }
    }

    fn wants_task_events(&self) -> bool {
        true
    }
}

const RECORD: usize = 32;

impl Forward {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.records.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Replays another rank's task records to this rank's watchers, as that rank's tasks.
fn replay(plan: &Plan, observers: &Observers, t0: Instant, rank: usize, records: &[u8]) {
    let u32_at = |r: &[u8], i: usize| u32::from_le_bytes(r[i..i + 4].try_into().expect("4"));
    let u64_at = |r: &[u8], i: usize| u64::from_le_bytes(r[i..i + 8].try_into().expect("8"));
    for r in records.chunks_exact(RECORD) {
        let id = u32_at(r, 0);
        let Some(node) = plan.nodes.get(id as usize) else {
            continue;
        };
        let worker = u32_at(r, 4) as usize;
        let start = t0 + Duration::from_micros(u64_at(r, 8));
        let end = t0 + Duration::from_micros(u64_at(r, 16));
        observers.emit_task(&Event::TaskStarted {
            id,
            key: &node.key,
            worker,
            rank,
            at: start,
        });
        observers.emit_task(&Event::TaskFinished {
            id,
            key: &node.key,
            worker,
            rank,
            start,
            end,
            bytes: u64_at(r, 24),
        });
    }
}

/// How task events travel to rank 0 in this run, if its watchers want them.
enum Watch {
    Off,
    /// On rank 0: replay what the others send.
    Replay(Instant),
    /// On the others: record, and send with each request and level.
    Send(Arc<Forward>),
}

/// Runs tasks that have all their inputs in `values` on this rank's threads, from the
/// plan itself (no nodes or plans rebuilt); adds the part's metrics to `stats`.
fn run_tasks(
    plan: &Plan,
    ids: &[u32],
    values: &HashMap<u32, Value>,
    local: &Local<'_>,
    stats: &mut Stats,
) -> Result<Vec<Value>> {
    let out = run_part(plan, ids, values, local);
    stats.add_part(&out.stats);
    out.values
}

fn run_part(plan: &Plan, ids: &[u32], values: &HashMap<u32, Value>, local: &Local<'_>) -> Outcome {
    let part = Part {
        ids,
        inputs: values,
    };
    run_local(plan, Some(&part), local.workers, local.options, local.rank)
}

/// How this rank runs its share: threads, the run's options, its rank.
struct Local<'a> {
    workers: usize,
    options: &'a RunOptions,
    rank: usize,
}

fn abort_with(world: &SimpleCommunicator, e: Error) -> ! {
    use std::io::Write;
    let (me, size) = (world.rank(), world.size());
    // One write: stderr is unbuffered, so `eprintln!` writes piece by piece and Open
    // MPI's abort banner can land between the pieces. The pause lets the launcher
    // forward the line before the abort tears the job down.
    let line = format!("chunkwise: rank {me} of {size}: {e}\n");
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(line.as_bytes());
    let _ = err.flush();
    drop(err);
    std::thread::sleep(std::time::Duration::from_millis(200));
    world.abort(1)
}

/// The sources, handed out in batches of `batch` by rank 0 as ranks ask for them, so
/// uneven tasks (external programs) balance. Rank 0 runs batches too, on a thread of
/// its own, while its main thread (the only one that calls MPI) answers requests.
/// Returns the (task, value) pairs this rank ran.
fn run_dynamic(
    world: &SimpleCommunicator,
    plan: &Plan,
    sources: &[u32],
    local: &Local<'_>,
    watch: &Watch,
    stats: &mut Stats,
) -> Vec<(u32, Value)> {
    let batch = local.workers.max(1);
    let (me, size) = (world.rank(), world.size() as usize);
    let none = HashMap::new();
    let mut mine = Vec::new();
    if me != 0 {
        let root = world.process_at_rank(0);
        loop {
            // A request carries the tasks finished since the last, for rank 0's watchers.
            let records = match watch {
                Watch::Send(f) => f.take(),
                _ => Vec::new(),
            };
            root.send_with_tag(&records[..], REQUEST);
            let (ids, _) = root.receive_vec_with_tag::<u32>(REPLY);
            if ids.is_empty() {
                return mine;
            }
            match run_tasks(plan, &ids, &none, local, stats) {
                Ok(out) => mine.extend(ids.into_iter().zip(out)),
                Err(e) => abort_with(world, e),
            }
        }
    }
    let mut cursor = 0;
    let next = |cursor: &mut usize| -> Vec<u32> {
        let ids = sources[*cursor..(*cursor + batch).min(sources.len())].to_vec();
        *cursor += ids.len();
        ids
    };
    let mut stopped = 0;
    std::thread::scope(|s| {
        let mut running: Option<(Vec<u32>, std::thread::ScopedJoinHandle<'_, _>)> = None;
        loop {
            let mut idle = true;
            if running.as_ref().is_none_or(|(_, h)| h.is_finished()) {
                if let Some((ids, h)) = running.take() {
                    let out: Outcome = h.join().expect("a batch thread does not panic");
                    stats.add_part(&out.stats);
                    match out.values {
                        Ok(values) => mine.extend(ids.into_iter().zip(values)),
                        Err(e) => abort_with(world, e),
                    }
                    idle = false;
                }
                if cursor < sources.len() {
                    let ids = next(&mut cursor);
                    let (ids2, none) = (ids.clone(), &none);
                    running = Some((ids, s.spawn(move || run_part(plan, &ids2, none, local))));
                    idle = false;
                }
            }
            while let Some(status) = world.any_process().immediate_probe_with_tag(REQUEST) {
                let from = world.process_at_rank(status.source_rank());
                let (records, _) = from.receive_vec_with_tag::<u8>(REQUEST);
                if let Watch::Replay(t0) = watch {
                    let r = status.source_rank() as usize;
                    replay(plan, &local.options.observers, *t0, r, &records);
                }
                let ids = next(&mut cursor);
                if ids.is_empty() {
                    stopped += 1;
                }
                from.send_with_tag(&ids[..], REPLY);
                idle = false;
            }
            if cursor >= sources.len() && running.is_none() && stopped == size - 1 {
                return;
            }
            if idle {
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
        }
    });
    mine
}

/// Every rank of an MPI job, `workers` threads on each: the executor of
/// `Scheduler::Mpi`.
#[derive(Debug)]
pub(crate) struct MpiExecutor {
    workers: usize,
}

impl MpiExecutor {
    pub(crate) fn new(workers: usize) -> Self {
        MpiExecutor {
            workers: workers.max(1),
        }
    }
}

impl Executor for MpiExecutor {
    fn workers(&self) -> usize {
        self.workers
    }

    fn rank(&self) -> usize {
        rank_and_size().map_or(0, |(r, _)| r)
    }

    fn collective(&self) -> bool {
        true
    }

    fn execute(&self, plan: &Plan, options: &RunOptions) -> Outcome {
        let mut stats = Stats {
            tasks: plan.len(),
            workers: self.workers,
            graph_hash: plan.hash(),
            ..Default::default()
        };
        let start = std::time::Instant::now();
        IN_COMPUTE.store(true, std::sync::atomic::Ordering::SeqCst);
        let values = execute(plan, self.workers, options, &mut stats);
        IN_COMPUTE.store(false, std::sync::atomic::Ordering::SeqCst);
        stats.secs = start.elapsed().as_secs_f64();
        Outcome { values, stats }
    }
}

/// Runs `plan` on every rank; returns the outputs on every rank.
fn execute(
    plan: &Plan,
    workers: usize,
    options: &RunOptions,
    stats: &mut Stats,
) -> Result<Vec<Value>> {
    // A communicator of chunkwise's own for this compute (every rank is here: a
    // collective), so its messages never meet the program's own on the world's.
    let world = world()?.duplicate();
    let (me, size) = (world.rank() as usize, world.size() as usize);

    // Every rank must have built the same graph.
    let hash = plan.hash();
    let mut hashes = vec![0u64; size];
    world.all_gather_into(&hash, &mut hashes[..]);
    if let Some(r) = (0..size).find(|&r| hashes[r] != hash) {
        return Err(Error::invalid(format!(
            "rank {me} built graph {hash:016x} but rank {r} built {:016x}: every rank must build \
             the same graph (same program, same arguments, same order)",
            hashes[r]
        )));
    }
    // Every rank is past building what it built before this compute: writes it
    // dropped uncommitted may go now.
    crate::io::remove_abandoned();

    // Rank 0's watchers may want every rank's tasks (the dashboard, a profiler).
    let mut want = u8::from(options.observers.want_tasks());
    if size > 1 {
        world.process_at_rank(0).broadcast_into(&mut want);
    }
    let t0 = Instant::now();
    let recording;
    let (watch, options) = match (want != 0 && size > 1, me) {
        (false, _) => (Watch::Off, options),
        (true, 0) => (Watch::Replay(t0), options),
        (true, _) => {
            let forward = Arc::new(Forward {
                t0,
                records: Mutex::default(),
            });
            let mut o = options.clone();
            o.observers.push(Arc::clone(&forward) as Arc<dyn Observer>);
            recording = o;
            (Watch::Send(forward), &recording)
        }
    };

    let level = levels(plan);
    let n = plan.len();
    let local = Local {
        workers,
        options,
        rank: me,
    };
    let mut values: HashMap<u32, Value> = HashMap::new();

    // Sources whose values can travel are handed out as ranks ask (uneven tasks balance);
    // others (a bag's scans, whose outputs stay where they are) go in contiguous blocks.
    let sources: Vec<u32> = (0..n as u32).filter(|&t| level[t as usize] == 0).collect();
    let dynamic = size > 1
        && std::env::var_os("CHUNKWISE_MPI_STATIC").is_none()
        && sources.len() > size
        && sources
            .iter()
            .all(|&t| plan.nodes[t as usize].codec.is_some());
    let owner = if dynamic {
        let ran = run_dynamic(&world, plan, &sources, &local, &watch, stats);
        let mut own = vec![-1i32; n];
        for (t, v) in ran {
            own[t as usize] = me as i32;
            values.insert(t, v);
        }
        let mut all = vec![-1i32; n];
        world.all_reduce_into(
            &own[..],
            &mut all[..],
            mpi::collective::SystemOperation::max(),
        );
        place(plan, size, Some(&all))
    } else {
        place(plan, size, None)
    };

    // Who needs each value, besides its owner; every rank finds the same, so a missing
    // codec is an error everywhere, before the levels run.
    let mut readers: Vec<Vec<usize>> = vec![Vec::new(); n];
    for t in 0..n as u32 {
        for &d in plan.deps.row(t) {
            let (from, to) = (owner[d as usize], owner[t as usize]);
            if from != to && !readers[d as usize].contains(&to) {
                if plan.nodes[d as usize].codec.is_none() {
                    return Err(no_codec(plan, d, from, &format!("rank {to}")));
                }
                readers[d as usize].push(to);
            }
        }
    }
    for &o in &plan.outputs {
        if size > 1 && plan.nodes[o as usize].codec.is_none() {
            return Err(no_codec(
                plan,
                o,
                owner[o as usize],
                "every rank (it is a result)",
            ));
        }
    }

    let max_level = level.iter().copied().max().unwrap_or(0);
    // The level after which this rank no longer needs each value it holds: the last
    // level of a task here that reads it, or its own level (when it is sent). Results
    // stay to the end. Dropped then, a rank holds what the threads engine would.
    let mut free_at: Vec<Vec<u32>> = vec![Vec::new(); max_level + 1];
    {
        let mut last = level.clone();
        for t in 0..n as u32 {
            if owner[t as usize] == me {
                for &d in plan.deps.row(t) {
                    last[d as usize] = last[d as usize].max(level[t as usize]);
                }
            }
        }
        for &o in &plan.outputs {
            last[o as usize] = usize::MAX;
        }
        for (t, &l) in last.iter().enumerate() {
            if l <= max_level {
                free_at[l].push(t as u32);
            }
        }
    }
    for (l, free) in free_at.iter().enumerate() {
        let mine: Vec<u32> = (0..n as u32)
            .filter(|&t| level[t as usize] == l && owner[t as usize] == me)
            .collect();
        // Dynamic sources ran already.
        if !(mine.is_empty() || dynamic && l == 0) {
            match run_tasks(plan, &mine, &values, &local, stats) {
                Ok(out) => {
                    for (&t, v) in mine.iter().zip(out) {
                        values.insert(t, v);
                    }
                }
                Err(e) => abort_with(&world, e),
            }
        }
        // Send this level's values to the ranks that read them.
        let level_tasks: Vec<u32> = (0..n as u32).filter(|&t| level[t as usize] == l).collect();
        // In task order: each reader receives from this rank in that order.
        let mut outgoing: Vec<(usize, Vec<u8>)> = Vec::new();
        for &t in &level_tasks {
            if owner[t as usize] == me && !readers[t as usize].is_empty() {
                // An error on this rank alone ends the job: the others wait for it.
                let bytes = encode(plan, t, &values[&t]).unwrap_or_else(|e| abort_with(&world, e));
                for &r in &readers[t as usize] {
                    outgoing.push((r, bytes.clone()));
                }
            }
        }
        mpi::request::scope(|scope| {
            let _guards: Vec<WaitGuard<'_, [u8], _>> = outgoing
                .iter()
                .map(|(r, bytes)| {
                    WaitGuard::from(world.process_at_rank(*r as i32).immediate_send_with_tag(
                        scope,
                        &bytes[..],
                        VALUE,
                    ))
                })
                .collect();
            for &t in &level_tasks {
                if owner[t as usize] != me && readers[t as usize].contains(&me) {
                    let from = owner[t as usize];
                    let (bytes, _) = world
                        .process_at_rank(from as i32)
                        .receive_vec_with_tag::<u8>(VALUE);
                    match decode(plan, t, from, &bytes) {
                        Ok(v) => {
                            values.insert(t, v);
                        }
                        Err(e) => abort_with(&world, e),
                    }
                }
            }
        });
        for t in free {
            values.remove(t);
        }
        match &watch {
            Watch::Off => {}
            Watch::Send(f) => world
                .process_at_rank(0)
                .send_with_tag(&f.take()[..], EVENTS),
            Watch::Replay(t0) => {
                for r in 1..size {
                    let (records, _) = world
                        .process_at_rank(r as i32)
                        .receive_vec_with_tag::<u8>(EVENTS);
                    replay(plan, &options.observers, *t0, r, &records);
                }
            }
        }
    }

    // Results everywhere: broadcast from their owner, length first.
    let mut outputs = Vec::with_capacity(plan.outputs.len());
    for &o in &plan.outputs {
        let root = world.process_at_rank(owner[o as usize] as i32);
        if size == 1 {
            outputs.push(values[&o].clone());
            continue;
        }
        let mut bytes = if owner[o as usize] == me {
            encode(plan, o, &values[&o]).unwrap_or_else(|e| abort_with(&world, e))
        } else {
            Vec::new()
        };
        let mut len = bytes.len() as u64;
        root.broadcast_into(&mut len);
        bytes.resize(len as usize, 0);
        root.broadcast_into(&mut bytes[..]);
        outputs.push(if owner[o as usize] == me {
            values[&o].clone()
        } else {
            decode(plan, o, owner[o as usize], &bytes)?
        });
    }
    Ok(outputs)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::graph::{Key, Node};

    fn node(label: &'static str, i: u64, deps: Vec<Arc<Node>>) -> Arc<Node> {
        // Keys are (token, index): each label its own token.
        let token = match label {
            "leaf" => 1,
            "pair" => 2,
            _ => 3,
        };
        Arc::new(Node::new(
            Key::new(label, token, i),
            deps,
            Box::new(|_: &[Value]| Ok(Arc::new(()) as Value)),
        ))
    }

    /// 6 sources, pairs summed, the pairs summed: levels 0, 1, 2.
    fn tree() -> Plan {
        let leaves: Vec<_> = (0..6).map(|i| node("leaf", i, vec![])).collect();
        let pairs: Vec<_> = leaves
            .chunks(2)
            .enumerate()
            .map(|(i, c)| node("pair", i as u64, c.to_vec()))
            .collect();
        Plan::build(&[node("top", 0, pairs)]).unwrap()
    }

    #[test]
    fn levels_are_longest_paths_from_a_source() {
        let plan = tree();
        let level = levels(&plan);
        for (t, n) in plan.nodes.iter().enumerate() {
            let want = match n.key.label() {
                "leaf" => 0,
                "pair" => 1,
                _ => 2,
            };
            assert_eq!(level[t], want, "{}", n.key);
        }
    }

    #[test]
    fn sources_in_blocks_and_readers_where_most_inputs_are() {
        let plan = tree();
        let owner = place(&plan, 3, None);
        let of = |label: &str, i: u64| {
            let t = plan
                .nodes
                .iter()
                .position(|n| n.key.label() == label && n.key.index() == i)
                .unwrap();
            owner[t]
        };
        // Contiguous blocks of the 6 sources in plan order over 3 ranks: 2 each.
        let sources: Vec<usize> = (0..6).map(|i| of("leaf", i)).collect();
        assert_eq!(sources, vec![0, 0, 1, 1, 2, 2]);
        // A pair goes where both its leaves are; the top ties to the lowest rank.
        assert_eq!((of("pair", 0), of("pair", 1), of("pair", 2)), (0, 1, 2));
        assert_eq!(of("top", 0), 0);
        // Sources handed out dynamically stay where they ran.
        let mut ran = vec![-1i32; plan.len()];
        for (t, n) in plan.nodes.iter().enumerate() {
            if n.key.label() == "leaf" {
                ran[t] = 2;
            }
        }
        let owner = place(&plan, 3, Some(&ran));
        assert!(owner.iter().all(|&r| r == 2));
    }

    /// Values travel under one tag, in order; a message carrying another task's id
    /// (or none) is an error naming both tasks, never a value taken for another.
    #[test]
    fn a_value_message_out_of_order_is_an_error_naming_both_tasks() {
        let plan = tree();
        let (want, got) = (plan.nodes[0].key.to_string(), plan.nodes[1].key.to_string());
        let e = decode(&plan, 0, 2, &1u32.to_le_bytes())
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("rank 2") && e.contains(&want) && e.contains(&got),
            "{e}"
        );
        let e = decode(&plan, 0, 1, &[7]).err().unwrap().to_string();
        assert!(e.contains("no task id"), "{e}");
        let e = decode(&plan, 0, 1, &99u32.to_le_bytes())
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("task id 99"), "{e}");
    }
}
