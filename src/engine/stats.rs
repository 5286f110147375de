//! What a compute did: read after it with [`crate::last_stats`].

/// Engine statistics of one compute.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    /// Tasks in the culled graph.
    pub tasks: usize,
    /// Tasks that ran (fewer than `tasks` when a failure cancelled the rest).
    pub tasks_run: usize,
    /// Workers that ran tasks.
    pub workers: usize,
    /// Largest number of result bytes held in memory at once.
    pub peak_held_bytes: u64,
    /// Result bytes written to the spill directory.
    pub bytes_spilled: u64,
    /// Results spilled.
    pub spilled_results: u64,
    /// Bytes of sources let go under the budget rather than spilled, each made again
    /// (read from its file again) when a task needed it.
    pub bytes_dropped: u64,
    /// Times a dropped source was made again.
    pub sources_remade: u64,
    /// Wall time of the run, seconds.
    pub secs: f64,
    /// Files opened for reading by tasks (a file read twice counts twice).
    pub files_read: u64,
    /// Bytes read from disk by tasks (compressed size for compressed files).
    pub bytes_read: u64,
    /// CSV rows skipped for a wrong number of fields (only under
    /// `OnBadLines::Skip` or `Warn`; by default such a row is an error).
    pub rows_skipped: u64,
    /// The graph's hash (equal on every rank that built the same graph).
    pub graph_hash: u64,
}

impl Stats {
    /// Adds a part's metrics to a run's (an MPI rank summing its levels).
    #[cfg_attr(not(feature = "mpi"), allow(dead_code))]
    pub(crate) fn add_part(&mut self, s: &Stats) {
        self.tasks_run += s.tasks_run;
        self.files_read += s.files_read;
        self.bytes_read += s.bytes_read;
        self.rows_skipped += s.rows_skipped;
        self.bytes_spilled += s.bytes_spilled;
        self.spilled_results += s.spilled_results;
        self.bytes_dropped += s.bytes_dropped;
        self.sources_remade += s.sources_remade;
        self.peak_held_bytes = self.peak_held_bytes.max(s.peak_held_bytes);
    }
}
