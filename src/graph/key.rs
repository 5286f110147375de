//! Task keys: `(name, index)` where the name is `label-token`.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// The human part of a key's name (`inc`, `random_normal`, ...).
#[derive(Clone)]
enum Label {
    Static(&'static str),
    Shared(Arc<str>),
}

impl Label {
    fn as_str(&self) -> &str {
        match self {
            Label::Static(s) => s,
            Label::Shared(s) => s,
        }
    }
}

/// The identity of a task: a name (a label and a 64-bit token of the operation, its
/// parameters and its inputs' keys) and an index within that name (a chunk, a partition).
///
/// Two keys are equal when their tokens and indices are; the label is for people.
/// Keys never come from addresses or random ids, so the same expression built twice (or
/// on every MPI rank) has the same keys.
#[derive(Clone)]
pub struct Key {
    label: Label,
    token: u64,
    index: u64,
}

impl Key {
    /// A key with a static label.
    pub fn new(label: &'static str, token: u64, index: u64) -> Self {
        Key {
            label: Label::Static(label),
            token,
            index,
        }
    }

    /// A key with a label built at run time.
    pub fn with_label(label: Arc<str>, token: u64, index: u64) -> Self {
        Key {
            label: Label::Shared(label),
            token,
            index,
        }
    }

    /// The label, such as `inc`.
    pub fn label(&self) -> &str {
        self.label.as_str()
    }

    /// The 64-bit token shared by every key of one operation.
    pub fn token(&self) -> u64 {
        self.token
    }

    /// The index within the operation (chunk or partition number; 0 for a single call).
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The name, `label-token` in hex, as Dask writes `inc-3fa19b...`.
    pub fn name(&self) -> String {
        format!("{}-{:016x}", self.label(), self.token)
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.token == other.token && self.index == other.index
    }
}
impl Eq for Key {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.token ^ self.index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}-{:016x}, {})", self.label(), self.token, self.index)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
