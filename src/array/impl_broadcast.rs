//! Broadcasting (numpy's rules): shapes aligned at the right, each pair of lengths
//! equal or one of them 1. A broadcast operand becomes chunk tasks that repeat its
//! chunks along the new and the length-1 axes, chunked as the other operand.

use std::sync::Arc;

use ndarray::{Axis, IxDyn};

use super::chunks::{Chunks, Grid, ravel};
use super::expr::chunk_codec;
use super::{DArray, Element, chunk_of};
use crate::graph::{Key, Node, Tokenizer, Value};
use crate::{Error, Result};

/// The shape `a` and `b` broadcast to, or an error naming the axis that does not.
pub(crate) fn broadcast_shape(a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    let n = a.len().max(b.len());
    // Length along output axis `i` of a shape aligned at the right (1 where it has none).
    let len = |s: &[usize], i: usize| (i + s.len()).checked_sub(n).map_or(1, |j| s[j]);
    (0..n)
        .map(|i| match (len(a, i), len(b, i)) {
            (x, y) if x == y || y == 1 => Ok(x),
            (1, y) => Ok(y),
            (x, y) => Err(Error::invalid(format!(
                "shapes {a:?} and {b:?} do not broadcast: axis {i} of the result would need \
                 {x} and {y} to be equal or one of them 1"
            ))),
        })
        .collect()
}

impl<T: Element> DArray<T> {
    /// This array repeated to `shape` along new leading axes and along its axes of
    /// length 1 (as `da.broadcast_to(x, shape, chunks)`), cut into `chunks`.
    ///
    /// ```
    /// use chunkwise::array::arange;
    /// let row = arange(0.0, 4.0, 1.0, [2]).unwrap();
    /// let m = row.broadcast_to(&[3, 4], [2, 2]).compute().unwrap();
    /// assert_eq!(m.shape(), &[3, 4]);
    /// assert_eq!(m[[2, 3]], 3.0);
    /// ```
    pub fn broadcast_to(&self, shape: &[usize], chunks: impl Into<Chunks>) -> DArray<T> {
        let fail = |e: Error| self.failed(e);
        match broadcast_shape(self.shape(), shape) {
            Ok(s) if s == shape => {}
            Ok(_) | Err(_) => {
                return fail(Error::invalid(format!(
                    "an array of shape {:?} cannot be broadcast to {shape:?}",
                    self.shape()
                )));
            }
        }
        match Grid::new(shape, &chunks.into()) {
            Ok(grid) => self.broadcast_grid(Arc::new(grid)),
            Err(e) => fail(e),
        }
    }

    /// Broadcast to `out`, whose shape this array broadcasts to.
    pub(crate) fn broadcast_grid(&self, out: Arc<Grid>) -> DArray<T> {
        if self.shape() == out.shape() {
            return self.rechunk_exact(out.chunks().to_vec());
        }
        let lead = out.ndim() - self.ndim();
        let kept: Vec<bool> = (0..self.ndim())
            .map(|i| self.shape()[i] == out.shape()[lead + i])
            .collect();
        // This array cut as the output along the axes it spans, whole along the others.
        let src = self.rechunk_exact(
            (0..self.ndim())
                .map(|i| match kept[i] {
                    true => out.chunks()[lead + i].clone(),
                    false => vec![self.shape()[i]],
                })
                .collect(),
        );
        let inputs = src.chunk_nodes();
        let src_grid = src.grid.grid_shape();
        let t = Tokenizer::new("broadcast_to")
            .param(&self.token())
            .param(&out.shape())
            .param(&out.chunks())
            .finish();
        let nodes = (0..out.n_chunks())
            .map(|c| {
                let pos = out.position(c);
                let (_, shape) = out.chunk(c);
                let at: Vec<usize> = (0..kept.len())
                    .map(|i| if kept[i] { pos[lead + i] } else { 0 })
                    .collect();
                let input = Arc::clone(&inputs[ravel(&at, &src_grid)]);
                let bytes = (shape.iter().product::<usize>() * T::DTYPE.size()) as u64;
                let mut node = Node::new(
                    Key::new("broadcast_to", t, c as u64),
                    vec![input],
                    Box::new(move |v| {
                        let mut a = chunk_of::<T>(&v[0]).view();
                        for _ in 0..lead {
                            a.insert_axis_inplace(Axis(0));
                        }
                        let b = a.broadcast(IxDyn(&shape)).ok_or_else(|| {
                            Error::Internal(format!(
                                "chunk of shape {:?} does not broadcast to {shape:?}",
                                a.shape()
                            ))
                        })?;
                        Ok(Arc::new(b.to_owned()) as Value)
                    }),
                );
                node.bytes = bytes;
                node.codec = Some(chunk_codec::<T>());
                Arc::new(node)
            })
            .collect();
        self.carry(DArray::from_chunks(out, t, "broadcast_to", nodes))
    }
}
