//! Tokens: stable 64-bit hashes naming operations, and the build-order sequence.

use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use xxhash_rust::xxh3::Xxh3;

use super::Key;

/// Hashes an operation's name, parameters and input keys into a token.
///
/// xxh3 with a fixed seed: the same inputs give the same token in every process of the
/// same build, which is what MPI ranks need.
///
/// ```
/// use chunkwise::graph::Tokenizer;
/// let a = Tokenizer::new("random_normal").param(&(0.0f64.to_bits(), 1.0f64.to_bits())).finish();
/// let b = Tokenizer::new("random_normal").param(&(0.0f64.to_bits(), 1.0f64.to_bits())).finish();
/// assert_eq!(a, b);
/// ```
pub struct Tokenizer(Xxh3);

impl Tokenizer {
    /// Starts a token for the operation `op`.
    pub fn new(op: &str) -> Self {
        let mut h = Xxh3::new();
        op.hash(&mut h);
        Tokenizer(h)
    }

    /// Adds a parameter.
    pub fn param<T: Hash + ?Sized>(mut self, value: &T) -> Self {
        value.hash(&mut self.0);
        self
    }

    /// Adds an input's key.
    pub fn input(mut self, key: &Key) -> Self {
        self.0.write_u64(key.token());
        self.0.write_u64(key.index());
        self
    }

    /// Adds a build-order sequence number, for operations that take a closure (which
    /// cannot be hashed). Every rank runs the same program, so the numbers agree.
    pub fn sequenced(self) -> Self {
        self.param(&next_sequence())
    }

    /// The token.
    pub fn finish(self) -> u64 {
        self.0.finish()
    }
}

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// The next build-order sequence number of this process.
pub(crate) fn next_sequence() -> u64 {
    SEQUENCE.fetch_add(1, Ordering::Relaxed)
}
