//! chunkwise: lazily chunked arrays, partitioned dataframes, bags and delayed calls that
//! build task graphs, run by one engine on one thread, on every core, or (later) on
//! every rank of an MPI job, with memory bounded and results that do not depend on
//! where they ran. What Dask does for Python, for Rust.
//!
//! ```
//! use chunkwise::{delayed, Delayed};
//! fn inc(x: i64) -> i64 { x + 1 }
//! fn add(x: i64, y: i64) -> i64 { x + y }
//!
//! let x = delayed(|| inc(1));
//! let y = delayed(|| inc(2));
//! let z: Delayed<i64> = chunkwise::delayed!(|x, y| add(*x, *y));
//! assert_eq!(z.compute().unwrap(), 5);
//! ```
//!
//! Coming from Dask? Read [`dask`], the map from Dask calls to chunkwise calls.
#![warn(missing_docs)]

pub mod array;
pub mod bag;
mod client;
pub mod cluster;
mod command;
mod compute;
mod config;
pub mod dask;
#[cfg(feature = "dataframe")]
pub mod dataframe;
pub mod delayed;
pub mod diagnostics;
mod encode;
mod engine;
mod error;
pub mod graph;
pub mod guide;
pub mod io;
pub mod random;
mod scan;
mod simd;

pub use crate::client::{AsCompleted, Client, Future};
pub use crate::command::{Cmd, CmdOutput};
pub use crate::compute::{Compute, compute, compute_with};
pub use crate::config::{Config, Scheduler, parse_bytes};
pub use crate::delayed::{Delayed, collect, delayed, try_delayed, try_delayed_with};
pub use crate::diagnostics::peak_rss_mb;
pub use crate::encode::{Encode, register_serde};
pub use crate::engine::{Event, Observer, PlanView, Stats, TaskContext, last_stats};
pub use crate::error::{BoxError, Error, ErrorKind, Result};
pub use crate::graph::{Graph, Key};
/// The ndarray version chunkwise computes into, for matching types.
pub use ndarray;
/// The distributions `array::random` samples (re-exported so the versions match).
pub use rand_distr;

/// Writes a picture of the graph of one or several collections (`.dot`, `.svg`, `.png`).
pub fn visualize<C: Compute>(outputs: C, path: impl AsRef<std::path::Path>) -> Result<()> {
    Graph::of(outputs)?.visualize(path)
}
