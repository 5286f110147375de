//! Guides that are longer than a doc comment.

#[doc = include_str!("../docs/cluster.md")]
pub mod cluster {}
