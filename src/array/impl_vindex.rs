//! Point indexing (Dask's `x.vindex[...]`, numpy's advanced indexing with integer
//! arrays broadcast together) and indexing by a lazy integer array (Dask's
//! `x[dask_int_array]` and `da.take(x, dask_int_array)`).
//!
//! `vindex` groups the points by the input block they fall in, as Dask's
//! `_vindex_array`: each output chunk's task reads only the input chunks its points
//! fall in. `take_by` cannot know its indices before it runs, so, as Dask's
//! `slice_with_int_dask_array_on_axis`, each input chunk along the axis picks the
//! indices that fall in it (one task per pair of input chunk and index chunk) and one
//! task per index chunk puts the picks in order: every task holds one input chunk or
//! one output chunk's worth of picks, never the whole axis.

use std::collections::BTreeMap;
use std::sync::Arc;

use ndarray::{Array, ArrayD, Axis, Dimension, IxDyn};

use super::chunks::{Grid, chunk_holding, ravel, split, unravel};
use super::expr::chunk_codec;
use super::impl_index::{Idx, resolve_entry};
use super::{DArray, Element, chunk_of};
use crate::graph::{Key, Node, Tokenizer, Value};
use crate::{Error, Result};

/// One entry of a point index ([`DArray::vindex`]): an array of integer positions
/// (broadcast with the other entries' arrays, as numpy's advanced indexing), or a
/// basic entry (a slice, an integer, `...`; not a new axis).
///
/// Integer vectors, arrays, ranges and [`Idx`] convert into it:
/// `VIdx::from(vec![1, 2])`, `VIdx::from(ndarray::array![[0], [1]])`, `VIdx::from(3)`,
/// `VIdx::from(..)`, [`VIdx::ALL`].
#[derive(Clone, Debug, PartialEq)]
pub enum VIdx {
    /// Positions along one axis (negative from the end), of any shape.
    Points(ArrayD<i64>),
    /// A basic entry, applied as [`DArray::index`] applies it.
    Basic(Idx),
}

impl VIdx {
    /// The whole axis, `:`.
    pub const ALL: VIdx = VIdx::Basic(Idx::ALL);
}

impl From<Vec<i64>> for VIdx {
    fn from(v: Vec<i64>) -> Self {
        VIdx::Points(ArrayD::from_shape_vec(IxDyn(&[v.len()]), v).expect("a vector's shape"))
    }
}
impl From<&[i64]> for VIdx {
    fn from(v: &[i64]) -> Self {
        VIdx::from(v.to_vec())
    }
}
impl<const N: usize> From<[i64; N]> for VIdx {
    fn from(v: [i64; N]) -> Self {
        VIdx::from(v.to_vec())
    }
}
impl<D: Dimension> From<Array<i64, D>> for VIdx {
    fn from(a: Array<i64, D>) -> Self {
        VIdx::Points(a.into_dyn())
    }
}
impl From<Idx> for VIdx {
    fn from(i: Idx) -> Self {
        VIdx::Basic(i)
    }
}
impl From<isize> for VIdx {
    fn from(i: isize) -> Self {
        VIdx::Basic(Idx::At(i))
    }
}
impl From<std::ops::RangeFull> for VIdx {
    fn from(_: std::ops::RangeFull) -> Self {
        VIdx::ALL
    }
}
impl From<std::ops::Range<isize>> for VIdx {
    fn from(r: std::ops::Range<isize>) -> Self {
        VIdx::Basic(Idx::from(r))
    }
}

/// `index` with its ellipsis expanded and missing trailing axes whole, one entry per
/// axis of an array of `ndim` dimensions; a new axis, two ellipses or too many
/// entries are errors naming `what` (vindex, a store's region).
pub(super) fn expand_entries(index: &[VIdx], ndim: usize, what: &str) -> Result<Vec<VIdx>> {
    if index.contains(&VIdx::Basic(Idx::NewAxis)) {
        return Err(Error::invalid(format!(
            "{what} does not support a new axis (None / np.newaxis)"
        )));
    }
    let ellipses = index
        .iter()
        .filter(|i| **i == VIdx::Basic(Idx::Ellipsis))
        .count();
    let used = index.len() - ellipses;
    if ellipses > 1 || used > ndim {
        return Err(Error::invalid(format!(
            "{what}: {used} entries{} for an array of {ndim} dimensions",
            if ellipses > 1 {
                " and more than one ellipsis"
            } else {
                ""
            }
        )));
    }
    let mut full: Vec<VIdx> = Vec::with_capacity(ndim);
    for i in index {
        if *i == VIdx::Basic(Idx::Ellipsis) {
            full.extend(std::iter::repeat_n(VIdx::ALL, ndim - used));
        } else {
            full.push(i.clone());
        }
    }
    full.resize(ndim, VIdx::ALL);
    Ok(full)
}

/// The integer element types, which can index an array ([`DArray::take_by`]).
pub trait Integer: Element {}
impl Integer for u8 {}
impl Integer for i32 {}
impl Integer for u32 {}
impl Integer for i64 {}
impl Integer for u64 {}

/// numpy's `broadcast_shapes`: the shapes aligned at their ends, each axis equal or 1.
fn broadcast_shapes(shapes: &[&[usize]]) -> Result<Vec<usize>> {
    let ndim = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![1; ndim];
    for s in shapes {
        for (k, &n) in s.iter().rev().enumerate() {
            let o = &mut out[ndim - 1 - k];
            if *o == 1 {
                *o = n;
            } else if n != 1 && n != *o {
                let all: Vec<String> = shapes.iter().map(|s| format!("{s:?}")).collect();
                return Err(Error::invalid(format!(
                    "shape mismatch: indexing arrays could not be broadcast together with shapes {}",
                    all.join(" ")
                )));
            }
        }
    }
    Ok(out)
}

/// The chunks of the points' axes (`shape`, the broadcast index shape), each chunk
/// holding at most `max_points` points: for one axis, Dask's rule (pieces of
/// `max_points`, the last ragged); for more, the last axes whole while they fit.
fn points_chunks(shape: &[usize], max_points: usize) -> Vec<Vec<usize>> {
    let mut budget = max_points.max(1);
    let mut out = vec![Vec::new(); shape.len()];
    for a in (0..shape.len()).rev() {
        let c = shape[a].min(budget).max(1);
        out[a] = split(shape[a], c);
        budget = (budget / c).max(1);
    }
    out
}

/// Points of one output chunk that fall in one input block.
#[derive(Clone, Debug, PartialEq)]
struct PointGroup {
    /// The input block, along each indexed axis.
    block: Vec<usize>,
    /// The points' positions inside the block, `block.len()` numbers a point.
    local: Vec<usize>,
    /// Where each point goes in the output chunk (row-major over the chunk's points).
    slot: Vec<usize>,
}

/// For each output chunk of the points (row-major over `points`, the grid of the
/// broadcast index shape), the points grouped by the input block they fall in, blocks
/// in order. `at[j]` holds the points' positions along the `j`-th indexed axis (all
/// in range), row-major over the broadcast shape; `starts[j]` that axis's chunk starts.
fn group_points(points: &Grid, at: &[Vec<usize>], starts: &[&[usize]]) -> Vec<Vec<PointGroup>> {
    let pgrid = points.grid_shape();
    let mut out: Vec<BTreeMap<Vec<usize>, PointGroup>> = vec![BTreeMap::new(); points.n_chunks()];
    for p in 0..points.len() {
        let m = unravel(p, points.shape());
        let q: Vec<usize> = (0..m.len()).map(|a| points.chunk_of(a, m[a])).collect();
        let local_out: Vec<usize> = (0..m.len())
            .map(|a| m[a] - points.starts()[a][q[a]])
            .collect();
        let shape_out: Vec<usize> = (0..m.len()).map(|a| points.chunks()[a][q[a]]).collect();
        let block: Vec<usize> = at
            .iter()
            .zip(starts)
            .map(|(v, s)| chunk_holding(s, v[p]))
            .collect();
        let g = out[ravel(&q, &pgrid)]
            .entry(block.clone())
            .or_insert_with(|| PointGroup {
                block: block.clone(),
                local: Vec::new(),
                slot: Vec::new(),
            });
        g.local.extend(
            at.iter()
                .zip(&block)
                .zip(starts)
                .map(|((v, &b), s)| v[p] - s[b]),
        );
        g.slot.push(ravel(&local_out, &shape_out));
    }
    out.into_iter().map(|m| m.into_values().collect()).collect()
}

impl<T: Element> DArray<T> {
    /// Point indexing, as Dask's `x.vindex[...]` (numpy's advanced indexing with
    /// the index arrays broadcast together): Dask's `x.vindex[[1, 2], [3, 4]]` is
    /// `x.vindex([vec![1, 2], vec![3, 4]])`, the elements at (1, 3) and (2, 4).
    ///
    /// One entry per leading axis (missing trailing axes are whole; `...` stands for
    /// the axes left): integer arrays ([`VIdx::Points`], negative from the end), or
    /// basic entries: slices, which keep their axis, and integers, which drop it. The
    /// result's leading axes are the broadcast shape of the index arrays, then the
    /// axes the slices keep, in order (Dask's rule, not numpy's, when the arrays are
    /// not next to each other). With one index array the points axis is cut into
    /// pieces of as many points as the largest input block holds along the indexed
    /// axes (Dask's rule); each output chunk's task reads only the input chunks its
    /// points fall in.
    ///
    /// Errors (carried to `compute`): an index out of range (naming the axis and the
    /// index), arrays that do not broadcast, a new axis, only slices that are not the
    /// whole array. For a lazy index array along one axis, see [`DArray::take_by`].
    ///
    /// ```
    /// use chunkwise::array::{VIdx, from_array};
    /// use ndarray::{ArrayD, IxDyn};
    /// let a = ArrayD::from_shape_vec(IxDyn(&[3, 3]), (1..=9).collect::<Vec<i64>>()).unwrap();
    /// let x = from_array(a, [2, 2]).unwrap();
    /// // Dask: x.vindex[[0, 1, 2], [0, 1, -1]]
    /// let d = x.vindex([vec![0, 1, 2], vec![0, 1, -1]]);
    /// assert_eq!(d.compute().unwrap().into_raw_vec_and_offset().0, vec![1, 5, 9]);
    /// // Dask: x.vindex[[2, 0], ::-1] (points first, then the slice's axis)
    /// let rows = x.vindex([VIdx::from(vec![2, 0]), VIdx::from(chunkwise::array::Idx::range(-1, -4, -1))]);
    /// assert_eq!(rows.compute().unwrap().into_raw_vec_and_offset().0, vec![9, 8, 7, 3, 2, 1]);
    /// assert!(x.vindex([vec![3]]).compute().is_err()); // out of range
    /// ```
    pub fn vindex<I: Into<VIdx>>(&self, index: impl IntoIterator<Item = I>) -> DArray<T> {
        let index: Vec<VIdx> = index.into_iter().map(Into::into).collect();
        match self.try_vindex(&index) {
            Ok(x) => x,
            Err(e) => self.failed(e),
        }
    }

    fn try_vindex(&self, index: &[VIdx]) -> Result<DArray<T>> {
        let ndim = self.ndim();
        let full = expand_entries(index, ndim, "vindex")?;
        let is_slice = |e: &VIdx| matches!(e, VIdx::Basic(Idx::Slice { .. } | Idx::Range(_)));
        if full.iter().all(is_slice) {
            for (d, e) in full.iter().enumerate() {
                let n = self.shape()[d];
                if let VIdx::Basic(i) = e
                    && resolve_entry(*i, d, n)? != (0, 1, n)
                {
                    return Err(Error::invalid(format!(
                        "vindex needs at least one index array when the slices are not \
                         the whole array; use index for slices only (got {index:?})"
                    )));
                }
            }
            return Ok(self.clone());
        }
        // Integers and slices first, as basic indexing; then the points.
        let basic: Vec<Idx> = full
            .iter()
            .map(|e| match e {
                VIdx::Points(_) => Idx::ALL,
                VIdx::Basic(i) => *i,
            })
            .collect();
        let x = self.try_index(&basic)?;
        let mut arrays: Vec<(usize, usize, &ArrayD<i64>)> = Vec::new();
        let mut xa = 0;
        for (d, e) in full.iter().enumerate() {
            match e {
                VIdx::Basic(Idx::At(_)) => {}
                VIdx::Basic(_) => xa += 1,
                VIdx::Points(p) => {
                    arrays.push((xa, d, p));
                    xa += 1;
                }
            }
        }
        if arrays.is_empty() {
            return Ok(x);
        }
        let shapes: Vec<&[usize]> = arrays.iter().map(|a| a.2.shape()).collect();
        let bshape = broadcast_shapes(&shapes)?;
        let mut at = Vec::with_capacity(arrays.len());
        for &(xa, d, p) in &arrays {
            let n = x.shape()[xa] as i64;
            if let Some(&bad) = p.iter().find(|&&v| v >= n || v < -n) {
                return Err(Error::invalid(format!(
                    "vindex: index {bad} is out of bounds for axis {d} with size {n}"
                )));
            }
            let b = p.broadcast(IxDyn(&bshape)).ok_or_else(|| {
                Error::Internal(format!("{:?} does not broadcast to {bshape:?}", p.shape()))
            })?;
            at.push(
                b.iter()
                    .map(|&v| (if v < 0 { v + n } else { v }) as usize)
                    .collect::<Vec<usize>>(),
            );
        }
        let axes: Vec<usize> = arrays.iter().map(|a| a.0).collect();
        Ok(x.gather_points(&axes, &bshape, at))
    }

    /// The points `at[j][p]` along `axes[j]` (sorted, in range), `p` row-major over
    /// `bshape`: the points' axes first, then the other axes.
    fn gather_points(&self, axes: &[usize], bshape: &[usize], at: Vec<Vec<usize>>) -> DArray<T> {
        let ndim = self.ndim();
        let xc = self.grid.chunks();
        let max_points: usize = axes
            .iter()
            .map(|&a| xc[a].iter().copied().max().unwrap_or(0))
            .product();
        let pchunks = points_chunks(bshape, max_points);
        let points = Grid::from_parts(bshape.to_vec(), pchunks.clone());
        let other: Vec<usize> = (0..ndim).filter(|d| !axes.contains(d)).collect();
        let mut shape = bshape.to_vec();
        shape.extend(other.iter().map(|&d| self.shape()[d]));
        let mut chunks = pchunks;
        chunks.extend(other.iter().map(|&d| xc[d].clone()));
        let out = Grid::from_parts(shape, chunks);
        let t = Tokenizer::new("vindex")
            .param(&self.token())
            .param(axes)
            .param(bshape)
            .param(&at)
            .finish();
        if out.len() == 0 {
            return self.empty(out, "vindex", t);
        }
        let starts: Vec<&[usize]> = axes
            .iter()
            .map(|&a| self.grid.starts()[a].as_slice())
            .collect();
        let groups = Arc::new(group_points(&points, &at, &starts));
        let input = self.chunk_nodes();
        let in_grid = self.grid.grid_shape();
        let pgrid = points.grid_shape();
        let m = bshape.len();
        let axes: Arc<Vec<usize>> = Arc::new(axes.to_vec());
        let nodes = (0..out.n_chunks())
            .map(|c| {
                let pos = out.position(c);
                let pc = ravel(&pos[..m], &pgrid);
                let deps = groups[pc]
                    .iter()
                    .map(|g| {
                        let mut src = vec![0; ndim];
                        for (&a, &b) in axes.iter().zip(&g.block) {
                            src[a] = b;
                        }
                        for (&d, &p) in other.iter().zip(&pos[m..]) {
                            src[d] = p;
                        }
                        Arc::clone(&input[ravel(&src, &in_grid)])
                    })
                    .collect();
                let cshape = out.chunk_shape(c);
                let npts: usize = cshape[..m].iter().product();
                let mut flat = vec![npts];
                flat.extend_from_slice(&cshape[m..]);
                let (groups, axes) = (Arc::clone(&groups), Arc::clone(&axes));
                let elements: usize = cshape.iter().product();
                let mut node = Node::new(
                    Key::new("vindex", t, c as u64),
                    deps,
                    Box::new(move |v| {
                        let mut buf = ArrayD::<T>::default(IxDyn(&flat));
                        let k = axes.len();
                        for (g, val) in groups[pc].iter().zip(v) {
                            let a = chunk_of::<T>(val);
                            for (j, &slot) in g.slot.iter().enumerate() {
                                let mut view = a.view();
                                for (&ax, &l) in axes.iter().zip(&g.local[j * k..(j + 1) * k]).rev()
                                {
                                    view = view.index_axis_move(Axis(ax), l);
                                }
                                buf.index_axis_mut(Axis(0), slot).assign(&view);
                            }
                        }
                        let out = buf
                            .into_shape_with_order(IxDyn(&cshape))
                            .map_err(|e| Error::external("ndarray, shaping vindex points", e))?;
                        Ok(Arc::new(out) as Value)
                    }),
                );
                node.bytes = (elements * T::DTYPE.size()) as u64;
                node.codec = Some(chunk_codec::<T>());
                Arc::new(node)
            })
            .collect();
        self.carry(DArray::from_chunks(Arc::new(out), t, "vindex", nodes))
    }

    /// The elements at the lazy integer positions `indices` along `axis`, as numpy's
    /// `np.take(x, indices, axis)` and Dask's `x[..., dask_int_array, ...]` and
    /// `da.take(x, dask_int_array, axis)`: the axis is replaced by the axes of
    /// `indices` (none for a 0-dimensional index, which drops the axis), chunked as
    /// `indices` is (Dask's rule). Negative indices count from the end; one out of
    /// range is an error `compute` returns, naming the index.
    ///
    /// The indices are not known until they are computed: each input chunk along
    /// `axis` picks the indices that fall in it, and one task per output chunk puts
    /// the picks in order, so no task holds more than an input chunk or an output
    /// chunk. For indices known now, use [`DArray::take`] (which reads only the
    /// chunks they fall in).
    ///
    /// ```
    /// use chunkwise::array::{arange, from_array};
    /// use ndarray::{ArrayD, IxDyn};
    /// let x = arange(0.0, 10.0, 2.0, [2]).unwrap(); // 0 2 4 6 8
    /// let i = from_array(ArrayD::from_shape_vec(IxDyn(&[4]), vec![4i64, 0, -1, 1]).unwrap(), [3]).unwrap();
    /// let y = x.take_by(&i, 0);
    /// assert_eq!(y.chunks(), &[vec![3, 1]]);
    /// assert_eq!(y.compute().unwrap().into_raw_vec_and_offset().0, vec![8.0, 0.0, 8.0, 2.0]);
    /// let bad = from_array(ArrayD::from_shape_vec(IxDyn(&[1]), vec![5u8]).unwrap(), [1]).unwrap();
    /// assert!(x.take_by(&bad, 0).compute().unwrap_err().to_string().contains("index 5"));
    /// ```
    pub fn take_by<I: Integer>(&self, indices: &DArray<I>, axis: usize) -> DArray<T> {
        match self.try_take_by(indices, axis) {
            Ok(x) => indices.carry(x),
            Err(e) => self.failed(e),
        }
    }

    fn try_take_by<I: Integer>(&self, indices: &DArray<I>, axis: usize) -> Result<DArray<T>> {
        let d = self.grid.axis(axis)?;
        let n = self.shape()[d];
        let m = indices.ndim();
        let xc = self.grid.chunks();
        let mut shape = self.shape()[..d].to_vec();
        shape.extend_from_slice(indices.shape());
        shape.extend_from_slice(&self.shape()[d + 1..]);
        let mut chunks = xc[..d].to_vec();
        chunks.extend_from_slice(indices.chunks());
        chunks.extend_from_slice(&xc[d + 1..]);
        let out = Grid::from_parts(shape, chunks);
        let t = Tokenizer::new("take_by")
            .param(&self.token())
            .param(&indices.token())
            .param(&d)
            .finish();
        if out.len() == 0 {
            return Ok(self.empty(out, "take_by", t));
        }
        // Keys compare by token and index: the picks need a token of their own.
        let tp = Tokenizer::new("take_by-pick").param(&t).finish();
        let xin = self.chunk_nodes();
        let iin = indices.chunk_nodes();
        let in_grid = self.grid.grid_shape();
        let igrid = indices.grid.grid_shape();
        let kn = xc[d].len();
        let starts: Arc<Vec<usize>> = Arc::new(self.grid.starts()[d].clone());
        let sizes: Arc<Vec<usize>> = Arc::new(xc[d].clone());
        let mut nodes = Vec::with_capacity(out.n_chunks());
        for c in 0..out.n_chunks() {
            let pos = out.position(c);
            let ichunk = Arc::clone(&iin[ravel(&pos[d..d + m], &igrid)]);
            let source = |k: usize| {
                let mut src = pos[..d].to_vec();
                src.push(k);
                src.extend_from_slice(&pos[d + m..]);
                Arc::clone(&xin[ravel(&src, &in_grid)])
            };
            let cshape = out.chunk_shape(c);
            let elements: usize = cshape.iter().product();
            // Each input chunk along the axis: the rows the indices pick from it, in
            // the indices' order (none from a chunk with more than one, but the
            // output's own chunk when the axis is one chunk).
            let parts: Vec<Arc<Node>> = if kn == 1 {
                vec![source(0)]
            } else {
                (0..kn)
                    .map(|k| {
                        let (start, size) = (starts[k], sizes[k]);
                        let mut node = Node::new(
                            Key::new("take_by-pick", tp, (c * kn + k) as u64),
                            vec![source(k), Arc::clone(&ichunk)],
                            Box::new(move |v| {
                                let idx = chunk_of::<I>(&v[1]);
                                let local: Vec<usize> = idx
                                    .iter()
                                    .filter_map(|&i| {
                                        let i = normalize(i.to_i128(), n)?;
                                        (i >= start && i < start + size).then(|| i - start)
                                    })
                                    .collect();
                                let a = chunk_of::<T>(&v[0]).select(Axis(d), &local);
                                Ok(Arc::new(a) as Value)
                            }),
                        );
                        // At most min(chunk rows, indices) rows of the other axes.
                        let count: usize = cshape[d..d + m].iter().product();
                        let per_row = elements / count.max(1);
                        node.bytes = (per_row * size.min(count) * T::DTYPE.size()) as u64;
                        node.codec = Some(chunk_codec::<T>());
                        Arc::new(node)
                    })
                    .collect()
            };
            let mut deps = vec![ichunk];
            deps.extend(parts);
            let (starts, cshape2) = (Arc::clone(&starts), cshape.clone());
            let mut node = Node::new(
                Key::new("take_by", t, c as u64),
                deps,
                Box::new(move |v| {
                    let idx = chunk_of::<I>(&v[0]);
                    // For each index: its part and its row in the part.
                    let mut seen = vec![0usize; kn];
                    let mut picks = Vec::with_capacity(idx.len());
                    for &i in idx.iter() {
                        let j = normalize(i.to_i128(), n).ok_or_else(|| {
                            Error::invalid(format!(
                                "index {i:?} is out of bounds for axis {d} with size {n}"
                            ))
                        })?;
                        let k = chunk_holding(&starts, j);
                        if kn == 1 {
                            picks.push((0, j));
                        } else {
                            picks.push((k, seen[k]));
                            seen[k] += 1;
                        }
                    }
                    let mut flat = cshape2[..d].to_vec();
                    flat.push(picks.len());
                    flat.extend_from_slice(&cshape2[d + m..]);
                    let mut buf = ArrayD::<T>::default(IxDyn(&flat));
                    for (r, &(k, row)) in picks.iter().enumerate() {
                        let part = chunk_of::<T>(&v[1 + k]);
                        buf.index_axis_mut(Axis(d), r)
                            .assign(&part.index_axis(Axis(d), row));
                    }
                    let out = buf
                        .into_shape_with_order(IxDyn(&cshape2))
                        .map_err(|e| Error::external("ndarray, shaping a take", e))?;
                    Ok(Arc::new(out) as Value)
                }),
            );
            node.bytes = (elements * T::DTYPE.size()) as u64;
            node.codec = Some(chunk_codec::<T>());
            nodes.push(Arc::new(node));
        }
        Ok(self.carry(DArray::from_chunks(Arc::new(out), t, "take_by", nodes)))
    }
}

/// `i` as a position in an axis of length `n` (negative from the end), if in range.
fn normalize(i: i128, n: usize) -> Option<usize> {
    let j = if i < 0 { i + n as i128 } else { i };
    (j >= 0 && j < n as i128).then_some(j as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_broadcast_as_numpy() {
        assert_eq!(broadcast_shapes(&[&[4], &[4]]).unwrap(), vec![4]);
        assert_eq!(broadcast_shapes(&[&[7, 1], &[1, 8]]).unwrap(), vec![7, 8]);
        assert_eq!(broadcast_shapes(&[&[3], &[2, 1]]).unwrap(), vec![2, 3]);
        assert_eq!(broadcast_shapes(&[&[], &[5]]).unwrap(), vec![5]);
        let e = broadcast_shapes(&[&[2], &[3]]).unwrap_err().to_string();
        assert!(e.contains("[2] [3]"), "{e}");
    }

    #[test]
    fn points_axes_hold_the_largest_block() {
        assert_eq!(
            points_chunks(&[10001], 2500),
            vec![vec![2500, 2500, 2500, 2500, 1]]
        );
        assert_eq!(points_chunks(&[10000], 2500), vec![vec![2500; 4]]);
        assert_eq!(points_chunks(&[0], 12), vec![vec![0]]);
        assert_eq!(points_chunks(&[7, 8], 12), vec![vec![1; 7], vec![8]]);
        assert_eq!(points_chunks(&[2, 2], 12), vec![vec![2], vec![2]]);
    }

    #[test]
    fn points_group_by_input_block() {
        // Axis of 7 in chunks [3, 3, 1] and axis of 8 in [4, 4]; points
        // (1, 3), (2, 1), (5, 6), (5, 1) in two output chunks of 2.
        let points = Grid::from_parts(vec![4], vec![vec![2, 2]]);
        let at = vec![vec![1, 2, 5, 5], vec![3, 1, 6, 1]];
        let (s0, s1) = ([0, 3, 6], [0, 4]);
        let g = group_points(&points, &at, &[&s0, &s1]);
        assert_eq!(g.len(), 2);
        // First output chunk: both points in block (0, 0).
        assert_eq!(
            g[0],
            vec![PointGroup {
                block: vec![0, 0],
                local: vec![1, 3, 2, 1],
                slot: vec![0, 1],
            }]
        );
        // Second: (5, 1) in block (1, 0) and (5, 6) in block (1, 1), blocks in order.
        assert_eq!(
            g[1],
            vec![
                PointGroup {
                    block: vec![1, 0],
                    local: vec![2, 1],
                    slot: vec![1],
                },
                PointGroup {
                    block: vec![1, 1],
                    local: vec![2, 2],
                    slot: vec![0],
                },
            ]
        );
    }

    #[test]
    fn output_tasks_read_only_the_blocks_of_their_points() {
        let a = ArrayD::from_shape_vec(IxDyn(&[8, 8]), (0..64i64).collect()).unwrap();
        let x = crate::array::from_array(a, [4, 4]).unwrap(); // 2 x 2 blocks
        // Two points in block (0, 0): one output chunk reading one block.
        let y = x.vindex([vec![0, 1], vec![0, 3]]);
        let nodes = y.chunk_nodes();
        assert_eq!(nodes.len(), 1);
        assert_eq!(nodes[0].deps.len(), 1);
        // Points in blocks (0, 0) and (1, 1): two reads, not four.
        let y = x.vindex([vec![0, 5], vec![0, 5]]);
        assert_eq!(y.chunk_nodes()[0].deps.len(), 2);
        assert_eq!(
            y.compute().unwrap().into_raw_vec_and_offset().0,
            vec![0, 45]
        );
    }

    #[test]
    fn indices_normalize_from_the_end() {
        assert_eq!(normalize(-1, 4), Some(3));
        assert_eq!(normalize(-4, 4), Some(0));
        assert_eq!(normalize(-5, 4), None);
        assert_eq!(normalize(4, 4), None);
        assert_eq!(normalize(0, 0), None);
    }
}
