//! The one error type of the crate and its `Result` alias.

use std::path::PathBuf;

/// A boxed error from user code (a task closure that returns `Result`).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with [`Error`] as the default error type, as DataFusion does it.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in chunkwise.
///
/// Errors raised while a graph runs name the task key; I/O errors name the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A task returned an error.
    #[error("task {key} failed: {source}")]
    Task {
        /// The key of the failing task.
        key: String,
        /// What the task reported.
        #[source]
        source: BoxError,
    },
    /// A task panicked; the panic was caught and the run cancelled.
    #[error("task {key} panicked: {message}")]
    Panic {
        /// The key of the failing task.
        key: String,
        /// The panic payload, when it was a string.
        message: String,
    },
    /// A task's projected output alone is larger than the memory budget.
    #[error(
        "task {key} projects {bytes} bytes of output, more than the whole memory budget of {budget} bytes"
    )]
    OverBudget {
        /// The key of the task that cannot fit.
        key: String,
        /// Its projected output size.
        bytes: u64,
        /// The budget in force.
        budget: u64,
    },
    /// A task whose inputs must be held together (a shuffle's output partition) needs
    /// more than the memory budget: refused before they are read back.
    #[error(
        "task {key} needs its inputs, {bytes} bytes, in memory at once, more than the memory budget of {budget} bytes{detail}"
    )]
    InputsOverBudget {
        /// The key of the task.
        key: String,
        /// The bytes its inputs hold.
        bytes: u64,
        /// The budget in force.
        budget: u64,
        /// What the task's collection says of the inputs (`: ...`), or empty.
        detail: String,
    },
    /// An external program exited with a non-zero status or could not start.
    #[error("command `{command}` {status}; stderr tail: {stderr_tail}")]
    Command {
        /// The command line, shell-quoted for display.
        command: String,
        /// How it ended (`exited with status 1`, `could not start: ...`).
        status: String,
        /// The last lines of its standard error.
        stderr_tail: String,
    },
    /// An I/O error on a named file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Input data that cannot be read as asked: corrupt compression, invalid text, a
    /// value that does not parse. Names the file and, where known, line and byte offset.
    #[error("{}: {message}", at(path, *line, *offset))]
    Input {
        /// The file.
        path: PathBuf,
        /// The 1-based line number, where known.
        line: Option<u64>,
        /// The byte offset (in the decompressed stream for compressed files), where known.
        offset: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// Input that a library (polars' CSV parser) refused: names the file and, where
    /// known, line and byte offset, and keeps the library's error whole as the source.
    #[error("{}: {source}", at(path, *line, *offset))]
    Parse {
        /// The file.
        path: PathBuf,
        /// The 1-based line number, where known.
        line: Option<u64>,
        /// The byte offset, where known.
        offset: Option<u64>,
        /// The library's error.
        #[source]
        source: BoxError,
    },
    /// A value that is not what an operation needs: text that is not a number in a
    /// column a numeric reduction reads. Readers that know where the batch came from
    /// turn it into an [`Error::Input`] naming the file and line.
    #[error("column {column:?}: {value:?} is not a number (row {row} of a batch)")]
    Value {
        /// The column.
        column: String,
        /// The first value that is not a number, as it reads.
        value: String,
        /// Its 0-based row in the batch.
        row: u64,
    },
    /// An argument or setting that cannot be used (zero chunk size, bad axis, ...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// An environment variable that does not parse.
    #[error("environment variable {name}={value:?}: {reason}")]
    Env {
        /// The variable.
        name: String,
        /// Its value.
        value: String,
        /// Why it is not accepted.
        reason: String,
    },
    /// An external tool that chunkwise needs (such as graphviz's `dot`) is missing.
    #[error("{tool} is not available: {hint}")]
    MissingTool {
        /// The tool's name.
        tool: String,
        /// How to get it.
        hint: String,
    },
    /// An error shared by several futures that failed together.
    #[error("{0}")]
    Shared(std::sync::Arc<Error>),
    /// The computation was cancelled because another task failed first.
    #[error("cancelled: {0}")]
    Cancelled(String),
    /// A library chunkwise calls (polars, ndarray, the thread pool) failed; its error is
    /// kept whole as the source.
    #[error("{what}: {source}")]
    External {
        /// What chunkwise asked of it.
        what: String,
        /// Its error.
        #[source]
        source: BoxError,
    },
    /// An invariant of chunkwise itself does not hold: a bug, please report it.
    #[error("internal error (a bug in chunkwise): {0}")]
    Internal(String),
}

/// What kind of failure an [`Error`] is, for code that handles kinds, not messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An argument, setting or environment variable that cannot be used.
    InvalidArgument,
    /// Input that cannot be read as asked (names the file, line or offset), or an I/O
    /// error on a named file.
    Input,
    /// A task failed, panicked or was cancelled; an external program failed.
    Task,
    /// A resource ran short: the memory budget.
    Resource,
    /// A library chunkwise calls failed, or a tool it needs is missing.
    External,
    /// A bug in chunkwise.
    Internal,
}

impl Error {
    /// The kind of failure (a shared error answers for the one it shares).
    ///
    /// ```
    /// use chunkwise::{Error, ErrorKind};
    /// assert_eq!(Error::invalid("zero chunk size").kind(), ErrorKind::InvalidArgument);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidArgument(_) | Error::Env { .. } => ErrorKind::InvalidArgument,
            Error::Input { .. } | Error::Parse { .. } | Error::Io { .. } => ErrorKind::Input,
            Error::Value { .. } => ErrorKind::Input,
            Error::Task { .. } | Error::Panic { .. } | Error::Command { .. } => ErrorKind::Task,
            Error::Cancelled(_) => ErrorKind::Task,
            Error::OverBudget { .. } | Error::InputsOverBudget { .. } => ErrorKind::Resource,
            Error::External { .. } | Error::MissingTool { .. } => ErrorKind::External,
            Error::Internal(_) => ErrorKind::Internal,
            Error::Shared(e) => e.kind(),
        }
    }

    /// Whether running the task again might succeed: an external program's failure, an
    /// I/O error, a user task's own error. Bad input, bad arguments, the budget, a
    /// panic, a cancelled run or a bug would fail the same way again.
    ///
    /// ```
    /// use chunkwise::Error;
    /// assert!(!Error::invalid("zero chunk size").may_pass());
    /// assert!(Error::io("/data/x", std::io::Error::other("stale NFS handle")).may_pass());
    /// ```
    pub fn may_pass(&self) -> bool {
        match self {
            Error::Command { .. } | Error::Io { .. } | Error::Task { .. } => true,
            Error::External { .. } => true,
            Error::Shared(e) => e.may_pass(),
            _ => false,
        }
    }

    /// Wraps a library's error, keeping it whole as the source.
    pub fn external(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::External {
            what: what.into(),
            source: source.into(),
        }
    }

    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Builds an [`Error::InvalidArgument`].
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidArgument(msg.into())
    }

    /// Attaches a task key to an error raised inside that task, unless it already names one.
    pub(crate) fn in_task(self, key: &str) -> Self {
        match self {
            Error::Task { key: k, source } if k.is_empty() => Error::Task {
                key: key.to_string(),
                source,
            },
            e @ (Error::Task { .. } | Error::Panic { .. } | Error::Shared(_)) => e,
            other => Error::Task {
                key: key.to_string(),
                source: Box::new(other),
            },
        }
    }
}

/// `file, line L, byte B`: where in its input an input error is.
fn at(path: &std::path::Path, line: Option<u64>, offset: Option<u64>) -> String {
    let line = line.map(|l| format!(", line {l}")).unwrap_or_default();
    let offset = offset.map(|o| format!(", byte {o}")).unwrap_or_default();
    format!("{}{line}{offset}", path.display())
}

/// The text of a caught panic (its `&str` or `String` payload).
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic payload".into())
}
