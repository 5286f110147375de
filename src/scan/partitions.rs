//! Partitions computed by tasks, as a source: what `map_partitions` and conversions
//! between collections scan.

use std::any::Any;
use std::sync::Arc;

use super::{BATCH, Needs, RootItem, Source};
use crate::Result;
use crate::engine::TaskContext;
use crate::graph::{Node, Value};

/// Hands `items` to `sink` in batches of [`BATCH`].
pub(crate) fn items_in_batches<T: Send + Sync + 'static>(
    items: &[T],
    sink: &mut dyn FnMut(&[RootItem<'_>]) -> Result<bool>,
) -> Result<()> {
    let mut batch = Vec::with_capacity(BATCH.min(items.len()));
    for chunk in items.chunks(BATCH) {
        batch.clear();
        batch.extend(
            chunk
                .iter()
                .map(|item| RootItem::Item(item as &(dyn Any + Send + Sync))),
        );
        if !sink(&batch)? {
            break;
        }
    }
    Ok(())
}

/// Partitions computed by tasks (each a `Vec<T>`), as `map_partitions` makes them.
pub(crate) struct Partitions<T> {
    pub(crate) nodes: Vec<Arc<Node>>,
    /// What made them, for keys, plans and errors (`map_partitions`, `from_partitions`).
    pub(crate) label: &'static str,
    pub(crate) token: u64,
    pub(crate) _type: std::marker::PhantomData<fn() -> T>,
}

impl<T: Send + Sync + 'static> Source for Partitions<T> {
    fn npartitions(&self) -> usize {
        self.nodes.len()
    }
    fn label(&self) -> &'static str {
        self.label
    }
    fn token(&self) -> u64 {
        self.token
    }
    fn deps(&self, p: usize) -> Vec<Arc<Node>> {
        vec![Arc::clone(&self.nodes[p])]
    }
    fn scan(
        &self,
        _: usize,
        _: &TaskContext<'_>,
        inputs: &[Value],
        _: &Needs,
        sink: &mut dyn FnMut(&[RootItem<'_>]) -> Result<bool>,
    ) -> Result<()> {
        let items = inputs[0]
            .downcast_ref::<Vec<T>>()
            .expect("map_partitions tasks return Vec<T>");
        items_in_batches(items, sink)
    }
}
