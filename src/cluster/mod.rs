//! Clusters: batch job scripts (SLURM, SGE, PBS), adaptive array maps on the queue, and
//! (feature `mpi`) the MPI scheduler that runs one program on every rank.

mod array;
mod jobs;
#[cfg(feature = "mpi")]
pub(crate) mod mpi;

pub use array::{ARRAY_DIR_ENV, ARRAY_TASK_ENV, ArrayMap, array_task};
#[cfg(feature = "mpi")]
pub use mpi::launched_under_mpi;

/// This process's MPI rank (0 when not running under the MPI scheduler), for printing
/// results once.
pub fn rank() -> usize {
    #[cfg(feature = "mpi")]
    if mpi::launched_under_mpi() {
        return mpi::rank_and_size().map_or(0, |r| r.0);
    }
    0
}
pub use jobs::{ArraySpec, BatchSystem, JobScript, Launcher, jobs_for};
