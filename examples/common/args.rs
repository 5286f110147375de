//! Positional whole-number arguments of the examples, with defaults.

/// Argument `i` (1-based) as a whole number, `default` when absent; a value that does
/// not parse is an error naming it and the example's `usage`.
pub fn arg(i: usize, default: usize, usage: &str) -> chunkwise::Result<usize> {
    match std::env::args().nth(i) {
        None => Ok(default),
        Some(s) => s.parse().map_err(|_| {
            chunkwise::Error::invalid(format!(
                "argument {i} is {s:?}; usage: {usage}, whole numbers"
            ))
        }),
    }
}
