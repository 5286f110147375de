//! The MPI scheduler (feature `mpi`): every rank runs the same program, builds the same
//! graph and, at `compute`, runs its share of it.
//!
//! - **Check**: the ranks' graph hashes are gathered first; a difference is an error on
//!   every rank, before anything runs.
//! - **Placement**, the same on every rank without a message: tasks without inputs go to
//!   ranks in contiguous blocks of their (depth-first) order; every other task goes where
//!   most of its inputs are (ties to the lower rank).
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

use mpi::request::WaitGuard;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

use crate::graph::{Node, Plan, Value};
use crate::{Config, Error, Result, Scheduler};

static UNIVERSE: OnceLock<Mutex<Option<mpi::environment::Universe>>> = OnceLock::new();

unsafe extern "C" {
    fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
}

extern "C" fn finalize() {
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

/// This process's rank and the number of ranks.
pub fn rank_and_size() -> Result<(usize, usize)> {
    let w = world()?;
    Ok((w.rank() as usize, w.size() as usize))
}

/// Owner rank of every task; computed identically on every rank.
fn place(plan: &Plan, size: usize) -> Vec<usize> {
    let n = plan.len();
    let sources: Vec<u32> = (0..n as u32)
        .filter(|&t| plan.deps.row(t).is_empty())
        .collect();
    let mut owner = vec![0usize; n];
    for (i, &s) in sources.iter().enumerate() {
        owner[s as usize] = i * size / sources.len().max(1);
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
         (use a type that implements chunkwise::Encode, e.g. Delayed::spillable)",
        plan.nodes[id as usize].key
    ))
}

fn encode(plan: &Plan, id: u32, v: &Value) -> Result<Vec<u8>> {
    let codec = plan.nodes[id as usize]
        .codec
        .expect("checked before the run");
    let mut buf = Vec::new();
    (codec.encode)(v, &mut buf).map_err(|e| Error::io("MPI send buffer", e))?;
    Ok(buf)
}

fn decode(plan: &Plan, id: u32, bytes: &[u8]) -> Result<Value> {
    let codec = plan.nodes[id as usize]
        .codec
        .expect("checked before the run");
    (codec.decode)(&mut &bytes[..]).map_err(|e| Error::io("MPI receive buffer", e))
}

/// Runs `plan` on every rank; returns the outputs on every rank.
pub(crate) fn execute(plan: &Plan, config: &Config) -> Result<Vec<Value>> {
    let world = world()?;
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

    let owner = place(plan, size);
    let level = levels(plan);
    let n = plan.len();
    // Who needs each value, besides its owner; checked for codecs up front.
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

    let threads = Config::new()
        .scheduler(Scheduler::threads(config.get_scheduler().workers()))
        .progress(false);
    let mut values: HashMap<u32, Value> = HashMap::new();
    let start = std::time::Instant::now();
    let mut stats = crate::Stats {
        tasks: n,
        workers: config.get_scheduler().workers(),
        graph_hash: hash,
        ..Default::default()
    };
    let max_level = level.iter().copied().max().unwrap_or(0);
    for l in 0..=max_level {
        let mine: Vec<u32> = (0..n as u32)
            .filter(|&t| level[t as usize] == l && owner[t as usize] == me)
            .collect();
        if !mine.is_empty() {
            // The level's tasks, with their inputs as ready values.
            let nodes: Vec<Arc<Node>> = mine
                .iter()
                .map(|&t| {
                    let orig = Arc::clone(&plan.nodes[t as usize]);
                    let deps = plan
                        .deps
                        .row(t)
                        .iter()
                        .map(|&d| {
                            let v = values
                                .get(&d)
                                .cloned()
                                .expect("inputs of a level are present");
                            Arc::new(Node::new(
                                plan.nodes[d as usize].key.clone(),
                                Vec::new(),
                                Box::new(move |_| Ok(v.clone())),
                            ))
                        })
                        .collect();
                    Arc::new(Node::new(
                        orig.key.clone(),
                        deps,
                        Box::new(move |v| (orig.run)(v)),
                    ))
                })
                .collect();
            let sub = Plan::build(&nodes)?;
            // The sub-run answers "is this key in the graph?" for the whole graph.
            match crate::engine::execute_in(&sub, &threads, Arc::clone(&plan.keys)) {
                Ok(out) => {
                    for (&t, v) in mine.iter().zip(out) {
                        values.insert(t, v);
                    }
                    if let Some(s) = crate::last_stats() {
                        stats.tasks_run += s.tasks_run;
                        stats.files_read += s.files_read;
                        stats.bytes_read += s.bytes_read;
                        stats.bytes_spilled += s.bytes_spilled;
                        stats.spilled_results += s.spilled_results;
                        stats.peak_held_bytes = stats.peak_held_bytes.max(s.peak_held_bytes);
                    }
                }
                Err(e) => {
                    eprintln!("chunkwise: rank {me} of {size}: {e}");
                    world.abort(1);
                }
            }
        }
        // Send this level's values to the ranks that read them.
        let level_tasks: Vec<u32> = (0..n as u32).filter(|&t| level[t as usize] == l).collect();
        let mut outgoing: Vec<(usize, u32, Vec<u8>)> = Vec::new();
        for &t in &level_tasks {
            if owner[t as usize] == me && !readers[t as usize].is_empty() {
                let bytes = encode(plan, t, &values[&t])?;
                for &r in &readers[t as usize] {
                    outgoing.push((r, t, bytes.clone()));
                }
            }
        }
        mpi::request::scope(|scope| {
            let _guards: Vec<WaitGuard<'_, [u8], _>> = outgoing
                .iter()
                .map(|(r, t, bytes)| {
                    WaitGuard::from(world.process_at_rank(*r as i32).immediate_send_with_tag(
                        scope,
                        &bytes[..],
                        *t as i32,
                    ))
                })
                .collect();
            for &t in &level_tasks {
                if owner[t as usize] != me && readers[t as usize].contains(&me) {
                    let (bytes, _) = world
                        .process_at_rank(owner[t as usize] as i32)
                        .receive_vec_with_tag::<u8>(t as i32);
                    match decode(plan, t, &bytes) {
                        Ok(v) => {
                            values.insert(t, v);
                        }
                        Err(e) => {
                            eprintln!("chunkwise: rank {me} of {size}: {e}");
                            world.abort(1);
                        }
                    }
                }
            }
        });
    }

    stats.secs = start.elapsed().as_secs_f64();
    crate::engine::set_last_stats(stats);

    // Results everywhere: broadcast from their owner, length first.
    let mut outputs = Vec::with_capacity(plan.outputs.len());
    for &o in &plan.outputs {
        let root = world.process_at_rank(owner[o as usize] as i32);
        if size == 1 {
            outputs.push(values[&o].clone());
            continue;
        }
        let mut bytes = if owner[o as usize] == me {
            encode(plan, o, &values[&o])?
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
            decode(plan, o, &bytes)?
        });
    }
    Ok(outputs)
}
