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

use std::path::Path;

use crate::io::{Replaces, StagedDir};
use crate::{Config, Result};

/// Whether `config` runs work on two MPI ranks or more, all of them writing parts of
/// one output.
pub(crate) fn shared_run(config: &Config) -> bool {
    #[cfg(feature = "mpi")]
    if mpi::launched_under_mpi() && matches!(config.get_scheduler(), crate::Scheduler::Mpi(_)) {
        return mpi::rank_and_size().is_ok_and(|(_, size)| size > 1);
    }
    let _ = config;
    false
}

/// Whether the default configuration runs work on several MPI ranks (decided when a
/// write is built).
#[cfg(any(feature = "mpi", feature = "arrow"))]
pub(crate) fn shared_by_ranks() -> bool {
    Config::current().is_ok_and(|c| shared_run(&c))
}

/// A staging directory for an output written by the default configuration's
/// processes: this one alone, or every MPI rank in one directory that rank 0 prepares
/// and names (a collective: every rank builds the write at the same point).
pub(crate) fn staged_dir(dest: &Path, replaces: Replaces) -> Result<StagedDir> {
    #[cfg(feature = "mpi")]
    if shared_by_ranks() {
        return StagedDir::new_with(dest, replaces, Some(&mpi::agree_on_root));
    }
    StagedDir::new(dest, replaces)
}

/// As [`staged_dir`], for a single file.
pub(crate) fn staged_file(dest: &Path, replaces: Replaces) -> Result<StagedDir> {
    #[cfg(feature = "mpi")]
    if shared_by_ranks() {
        return StagedDir::file_with(dest, replaces, Some(&mpi::agree_on_root));
    }
    StagedDir::file(dest, replaces)
}
