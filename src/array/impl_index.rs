//! Indexing as numpy and Dask: slices with steps (negative too) and bounds clamped as
//! Python clamps them, integers (dropping the axis, negative from the end), new axes,
//! an ellipsis; `take` of integer indices along an axis; blocks by block index;
//! `squeeze`, `expand_dims`, `flip`.
//!
//! A stepped slice keeps the input's chunk boundaries: each output chunk is the
//! selection from one input chunk (chunks left empty are dropped, as Dask drops them),
//! so every output task reads exactly one input chunk.

use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, Axis, Slice, SliceInfoElem};

use super::chunks::{Grid, ravel};
use super::expr::chunk_codec;
use super::{DArray, Element, chunk_of};
use crate::graph::{Key, Node, Tokenizer, Value};
use crate::{Error, Result};

/// One entry of an index, as in `x[1:8:2, -1, None, ...]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Idx {
    /// `start:stop:step`; `None` bounds are the ends, negative ones count from the end,
    /// and bounds past the ends are clamped, as Python's.
    Slice {
        /// First index (`None`: the start, or the end for a negative step).
        start: Option<isize>,
        /// One past the last (`None`: the end, or before the start for a negative step).
        stop: Option<isize>,
        /// Not zero.
        step: isize,
    },
    /// One position, dropping the axis (negative counts from the end).
    At(isize),
    /// A slice with ndarray's meaning (what `s![a..b;k]` gives): the range `a..b`
    /// (negative bounds from the end, clamped), then every `k`-th element of it, from
    /// its end when `k` is negative: `s![..;-1]` is the whole axis reversed.
    Range(Slice),
    /// A new axis of length 1 (`None` / `np.newaxis`).
    NewAxis,
    /// As many whole axes as the other entries leave (`...`).
    Ellipsis,
}

impl Idx {
    /// The whole axis, `:`.
    pub const ALL: Idx = Idx::Slice {
        start: None,
        stop: None,
        step: 1,
    };

    /// `start:stop:step` with every part given.
    pub fn range(start: isize, stop: isize, step: isize) -> Idx {
        Idx::Slice {
            start: Some(start),
            stop: Some(stop),
            step,
        }
    }
}

impl From<std::ops::Range<isize>> for Idx {
    fn from(r: std::ops::Range<isize>) -> Self {
        Idx::range(r.start, r.end, 1)
    }
}
impl From<std::ops::RangeFull> for Idx {
    fn from(_: std::ops::RangeFull) -> Self {
        Idx::ALL
    }
}
impl From<isize> for Idx {
    fn from(i: isize) -> Self {
        Idx::At(i)
    }
}
/// ndarray's `s![..]` entries: `x.index(s![1..;2, -1, NewAxis].as_ref())`.
impl From<SliceInfoElem> for Idx {
    fn from(e: SliceInfoElem) -> Self {
        match e {
            SliceInfoElem::Slice { start, end, step } => Idx::Range(Slice::new(start, end, step)),
            SliceInfoElem::Index(i) => Idx::At(i),
            SliceInfoElem::NewAxis => Idx::NewAxis,
        }
    }
}
impl From<&SliceInfoElem> for Idx {
    fn from(e: &SliceInfoElem) -> Self {
        Idx::from(*e)
    }
}

/// A slice of an axis of length `n`, resolved as Python's `slice.indices`: the first
/// index, the step and the number of elements.
fn resolve(
    start: Option<isize>,
    stop: Option<isize>,
    step: isize,
    n: usize,
) -> (isize, isize, usize) {
    let n = n as isize;
    let clamp = |v: isize, lo: isize, hi: isize| v.clamp(lo, hi);
    let (lo, hi) = if step > 0 { (0, n) } else { (-1, n - 1) };
    let bound = |v: Option<isize>, default: isize| match v {
        None => default,
        Some(v) if v < 0 => clamp(v + n, lo, hi),
        Some(v) => clamp(v, lo, hi),
    };
    let (a, b) = if step > 0 {
        (bound(start, 0), bound(stop, n))
    } else {
        (bound(start, n - 1), bound(stop, -1))
    };
    let len = if step > 0 {
        if b > a { (b - a + step - 1) / step } else { 0 }
    } else if a > b {
        (a - b + (-step) - 1) / (-step)
    } else {
        0
    };
    (a, step, len as usize)
}

/// ndarray's slice of an axis of length `n` (bounds clamped), as `resolve` gives it.
fn resolve_range(s: Slice, n: usize) -> (isize, isize, usize) {
    let n = n as isize;
    let bound = |v: isize| if v < 0 { (v + n).max(0) } else { v.min(n) };
    let (a, b) = (bound(s.start), bound(s.end.unwrap_or(n)));
    let m = s.step.abs();
    let len = if b > a { (b - a + m - 1) / m } else { 0 };
    if s.step > 0 {
        (a, s.step, len as usize)
    } else {
        (b - 1, s.step, len as usize)
    }
}

/// Along one axis: for each output chunk, the input chunk it comes from and the
/// selection within it, as an ndarray slice.
type AxisPlan = Vec<(usize, Slice, usize)>;

/// The output chunks of `start + i * step` for `i < len` over input chunks `sizes`.
fn plan_axis(sizes: &[usize], start: isize, step: isize, len: usize) -> AxisPlan {
    if len == 0 {
        return Vec::new();
    }
    let last = start + (len as isize - 1) * step;
    let (lo, hi) = (start.min(last), start.max(last));
    let mut offset = 0isize;
    let mut per_chunk = Vec::new();
    for (k, &n) in sizes.iter().enumerate() {
        let (s, e) = (offset, offset + n as isize); // [s, e)
        offset = e;
        // Selected indices in [s, e): start + i*step for some i, within [lo, hi].
        let (a, b) = (s.max(lo), (e - 1).min(hi));
        if a > b {
            continue;
        }
        // The selection is lo, lo + m, ..., hi: the first of it at or after a.
        let m = step.abs();
        let first = lo + ((a - lo) + m - 1) / m * m;
        if first > b {
            continue;
        }
        let count = ((b - first) / m + 1) as usize;
        let last_in = first + (count as isize - 1) * m;
        let slice = if step > 0 {
            Slice::new(first - s, Some(last_in - s + 1), m)
        } else {
            Slice::new(first - s, Some(last_in - s + 1), -m)
        };
        per_chunk.push((k, slice, count));
    }
    if step < 0 {
        per_chunk.reverse();
    }
    per_chunk
}

/// `index` with its ellipsis (or the missing tail) written out as whole axes, one
/// entry per axis of an array of `ndim` dimensions plus the new axes.
fn expand_index(index: &[Idx], ndim: usize) -> Result<Vec<Idx>> {
    let ellipses = index.iter().filter(|i| **i == Idx::Ellipsis).count();
    let used = index
        .iter()
        .filter(|i| !matches!(i, Idx::NewAxis | Idx::Ellipsis))
        .count();
    if ellipses > 1 || used > ndim {
        return Err(Error::invalid(format!(
            "index {index:?} has {used} entries{} for an array of {ndim} dimensions",
            if ellipses > 1 {
                " and more than one ellipsis"
            } else {
                ""
            },
        )));
    }
    let mut full = Vec::new();
    for &i in index {
        if i == Idx::Ellipsis {
            full.extend(std::iter::repeat_n(Idx::ALL, ndim - used));
        } else {
            full.push(i);
        }
    }
    if ellipses == 0 {
        full.extend(std::iter::repeat_n(Idx::ALL, ndim - used));
    }
    Ok(full)
}

/// What `entry` selects along axis `d` of length `n`: the first position, the step and
/// the count (slices resolved as Python's; an integer is one position).
pub(super) fn resolve_entry(entry: Idx, d: usize, n: usize) -> Result<(isize, isize, usize)> {
    Ok(match entry {
        Idx::Slice { step: 0, .. } => {
            return Err(Error::invalid(format!(
                "slice step cannot be zero (axis {d})"
            )));
        }
        Idx::Range(r) if r.step == 0 => {
            return Err(Error::invalid(format!(
                "slice step cannot be zero (axis {d})"
            )));
        }
        Idx::Slice { start, stop, step } => resolve(start, stop, step, n),
        Idx::Range(r) => resolve_range(r, n),
        Idx::At(k) => {
            let at = if k < 0 { k + n as isize } else { k };
            if at < 0 || at >= n as isize {
                return Err(Error::invalid(format!(
                    "index {k} is out of bounds for axis {d} with size {n}"
                )));
            }
            (at, 1, 1)
        }
        Idx::NewAxis | Idx::Ellipsis => {
            return Err(Error::invalid(format!(
                "{entry:?} selects no positions (axis {d})"
            )));
        }
    })
}

impl<T: Element> DArray<T> {
    /// The selection `index` (numpy's basic indexing): slices with steps, integers,
    /// new axes and an ellipsis; missing trailing axes are whole.
    ///
    /// ```
    /// use chunkwise::array::{Idx, arange};
    /// use ndarray::s;
    /// let x = arange(0.0, 10.0, 1.0, [4]).unwrap();
    /// let rev = x.index(&[Idx::Slice { start: Some(8), stop: None, step: -3 }]);
    /// assert_eq!(rev.compute().unwrap().into_raw_vec_and_offset().0, vec![8.0, 5.0, 2.0]);
    /// // ndarray's s! works too, and bounds past the end are clamped as Python's.
    /// let y = x.index(s![-3..100;1]);
    /// assert_eq!(y.compute().unwrap().into_raw_vec_and_offset().0, vec![7.0, 8.0, 9.0]);
    /// assert_eq!(x.index(&[Idx::At(-1)]).compute_scalar().unwrap(), 9.0);
    /// ```
    pub fn index<I: Into<Idx> + Copy>(&self, index: impl AsRef<[I]>) -> DArray<T> {
        let index: Vec<Idx> = index.as_ref().iter().map(|&i| i.into()).collect();
        match self.try_index(&index) {
            Ok(x) => x,
            Err(e) => self.failed(e),
        }
    }

    pub(super) fn try_index(&self, index: &[Idx]) -> Result<DArray<T>> {
        let full = expand_index(index, self.ndim())?;
        // Slices (integers as one-element slices) over the input axes, then drop the
        // integer axes and insert the new ones.
        let (mut sel, mut drop, mut new) = (Vec::new(), Vec::new(), Vec::new());
        for i in &full {
            let d = sel.len();
            match *i {
                Idx::NewAxis => new.push(sel.len() - drop.len() + new.len()),
                entry => {
                    if matches!(entry, Idx::At(_)) {
                        drop.push(d);
                    }
                    sel.push(resolve_entry(entry, d, self.shape()[d])?);
                }
            }
        }
        let mut out = self.select_steps(&sel);
        if !drop.is_empty() {
            out = out.drop_axes(&drop);
        }
        for &a in &new {
            out = out.expand_dims(a);
        }
        Ok(out)
    }

    /// The array made of the blocks (chunks) `index` selects, as Dask's
    /// `x.blocks[...]`: `index` counts chunks, not elements; an integer keeps its axis
    /// (one block wide), slices take steps and clamp as Python's, and `...` stands for
    /// the axes left. The blocks' tasks are shared, not copied.
    ///
    /// ```
    /// use chunkwise::array::{Idx, arange};
    /// let x = arange(0.0, 10.0, 1.0, [3]).unwrap(); // blocks [0 1 2] [3 4 5] [6 7 8] [9]
    /// let b = x.blocks(&[Idx::At(-2)]);
    /// assert_eq!(b.compute().unwrap().into_raw_vec_and_offset().0, vec![6.0, 7.0, 8.0]);
    /// let odd = x.blocks(&[Idx::range(1, 4, 2)]);
    /// assert_eq!(odd.chunks(), &[vec![3, 1]]);
    /// assert_eq!(odd.compute().unwrap().into_raw_vec_and_offset().0, vec![3.0, 4.0, 5.0, 9.0]);
    /// ```
    pub fn blocks<I: Into<Idx> + Copy>(&self, index: impl AsRef<[I]>) -> DArray<T> {
        let index: Vec<Idx> = index.as_ref().iter().map(|&i| i.into()).collect();
        match self.try_blocks(&index) {
            Ok(x) => x,
            Err(e) => self.failed(e),
        }
    }

    fn try_blocks(&self, index: &[Idx]) -> Result<DArray<T>> {
        if index.contains(&Idx::NewAxis) {
            return Err(Error::invalid(
                "blocks: a new axis (None) selects no blocks; add it with expand_dims",
            ));
        }
        let in_grid = self.grid.grid_shape();
        let picked: Vec<Vec<usize>> = expand_index(index, self.ndim())?
            .into_iter()
            .enumerate()
            .map(|(d, entry)| {
                let (a, s, len) = resolve_entry(entry, d, in_grid[d])?;
                Ok((0..len as isize).map(|i| (a + i * s) as usize).collect())
            })
            .collect::<Result<_>>()?;
        let chunks: Vec<Vec<usize>> = picked
            .iter()
            .zip(self.grid.chunks())
            .map(|(p, sizes)| p.iter().map(|&b| sizes[b]).collect())
            .collect();
        let out = Grid::from_parts(
            chunks.iter().map(|c| c.iter().sum()).collect(),
            chunks
                .into_iter()
                .map(|c| if c.is_empty() { vec![0] } else { c })
                .collect(),
        );
        let t = Tokenizer::new("blocks")
            .param(&self.token())
            .param(&picked)
            .finish();
        if picked.iter().any(|p| p.is_empty()) {
            return Ok(self.empty(out, "blocks", t));
        }
        let input = self.chunk_nodes();
        let nodes = (0..out.n_chunks())
            .map(|c| {
                let src: Vec<usize> = out
                    .position(c)
                    .iter()
                    .zip(&picked)
                    .map(|(&p, pick)| pick[p])
                    .collect();
                Arc::clone(&input[ravel(&src, &in_grid)])
            })
            .collect();
        Ok(self.carry(DArray::from_chunks(Arc::new(out), t, "blocks", nodes)))
    }

    /// This array with `value` written where `index` selects (numpy's and Dask's
    /// `x[index] = value` with a basic index and a scalar), as a new array: chunks the
    /// index does not touch are shared, the others copied and written. For lists,
    /// masks, lazy indices and array values, [`DArray::setitem`](DArray::setitem).
    ///
    /// ```
    /// use chunkwise::array::{Idx, arange};
    /// let x = arange(0.0, 8.0, 1.0, [3]).unwrap();
    /// let y = x.set(&[Idx::range(1, 8, 3)], -1.0);
    /// assert_eq!(
    ///     y.compute().unwrap().into_raw_vec_and_offset().0,
    ///     vec![0.0, -1.0, 2.0, 3.0, -1.0, 5.0, 6.0, -1.0]
    /// );
    /// ```
    pub fn set<I: Into<Idx> + Copy>(&self, index: impl AsRef<[I]>, value: T) -> DArray<T> {
        let index: Vec<Idx> = index.as_ref().iter().map(|&i| i.into()).collect();
        match self.try_set(&index, value) {
            Ok(x) => x,
            Err(e) => self.failed(e),
        }
    }

    fn try_set(&self, index: &[Idx], value: T) -> Result<DArray<T>> {
        if index.contains(&Idx::NewAxis) {
            return Err(Error::invalid(
                "set: a new axis (None) selects nothing to write",
            ));
        }
        // Along each axis the selected positions lo, lo + m, ..., hi (order does not
        // matter for one value), or none.
        let sel: Vec<Option<(usize, usize, usize)>> = expand_index(index, self.ndim())?
            .into_iter()
            .enumerate()
            .map(|(d, entry)| {
                let (a, s, len) = resolve_entry(entry, d, self.shape()[d])?;
                Ok((len > 0).then(|| {
                    let last = a + (len as isize - 1) * s;
                    (a.min(last) as usize, a.max(last) as usize, s.unsigned_abs())
                }))
            })
            .collect::<Result<_>>()?;
        let t = Tokenizer::new("setitem")
            .param(&self.token())
            .param(&sel)
            .param(&value.to_f64().to_bits())
            .finish();
        let input = self.chunk_nodes();
        let nodes = (0..self.n_chunks())
            .map(|c| {
                let (offset, shape) = self.grid.chunk(c);
                // The chunk's own selection along each axis, as a local slice.
                let local: Option<Vec<SliceInfoElem>> = sel
                    .iter()
                    .zip(offset.iter().zip(&shape))
                    .map(|(s, (&o, &n))| {
                        let (lo, hi, m) = (*s)?;
                        let (from, to) = (lo.max(o), hi.min((o + n).checked_sub(1)?));
                        let first = lo + (from - lo).div_ceil(m) * m;
                        (first <= to).then(|| {
                            let last = first + (to - first) / m * m;
                            Slice::new(
                                (first - o) as isize,
                                Some((last - o + 1) as isize),
                                m as isize,
                            )
                            .into()
                        })
                    })
                    .collect();
                let Some(local) = local else {
                    return Arc::clone(&input[c]);
                };
                let mut node = Node::new(
                    Key::new("setitem", t, c as u64),
                    vec![Arc::clone(&input[c])],
                    Box::new(move |v| {
                        let mut a = chunk_of::<T>(&v[0]).clone();
                        a.slice_mut(local.as_slice()).fill(value);
                        Ok(Arc::new(a) as Value)
                    }),
                );
                node.bytes = (shape.iter().product::<usize>() * T::DTYPE.size()) as u64;
                node.codec = Some(chunk_codec::<T>());
                Arc::new(node)
            })
            .collect();
        Ok(self.carry(DArray::from_chunks(
            Arc::clone(&self.grid),
            t,
            "setitem",
            nodes,
        )))
    }

    /// `start + i * step` for `i < len` along each axis.
    fn select_steps(&self, sel: &[(isize, isize, usize)]) -> DArray<T> {
        if sel
            .iter()
            .zip(self.shape())
            .all(|(&(a, s, l), &n)| a == 0 && s == 1 && l == n)
        {
            return self.clone();
        }
        let plans: Vec<AxisPlan> = sel
            .iter()
            .zip(self.grid.chunks())
            .map(|(&(a, s, l), sizes)| plan_axis(sizes, a, s, l))
            .collect();
        let chunks: Vec<Vec<usize>> = plans
            .iter()
            .map(|p| match p.is_empty() {
                true => vec![0],
                false => p.iter().map(|x| x.2).collect(),
            })
            .collect();
        let shape: Vec<usize> = sel.iter().map(|x| x.2).collect();
        let out = Grid::from_parts(shape, chunks);
        let t = Tokenizer::new("getitem")
            .param(&self.token())
            .param(sel)
            .finish();
        if out.len() == 0 {
            return self.empty(out, "getitem", t);
        }
        let input = self.chunk_nodes();
        let in_grid = self.grid.grid_shape();
        let nodes = (0..out.n_chunks())
            .map(|c| {
                let pos = out.position(c);
                let parts: Vec<&(usize, Slice, usize)> =
                    pos.iter().zip(&plans).map(|(&p, plan)| &plan[p]).collect();
                let src: Vec<usize> = parts.iter().map(|p| p.0).collect();
                let info: Vec<SliceInfoElem> = parts.iter().map(|p| p.1.into()).collect();
                let dep = Arc::clone(&input[ravel(&src, &in_grid)]);
                let elements: usize = parts.iter().map(|p| p.2).product();
                let mut node = Node::new(
                    Key::new("getitem", t, c as u64),
                    vec![dep],
                    Box::new(move |v| {
                        let a = chunk_of::<T>(&v[0]);
                        Ok(Arc::new(a.slice(info.as_slice()).to_owned()) as Value)
                    }),
                );
                node.bytes = (elements * T::DTYPE.size()) as u64;
                node.codec = Some(chunk_codec::<T>());
                Arc::new(node)
            })
            .collect();
        self.carry(DArray::from_chunks(Arc::new(out), t, "getitem", nodes))
    }

    /// A selection with no element: chunk tasks of empty arrays (no input read).
    pub(crate) fn empty(&self, grid: Grid, label: &'static str, t: u64) -> DArray<T> {
        self.carry(super::impl_constructors::chunk_tasks(
            Arc::new(grid),
            label,
            t,
            |_, _, shape| Ok(ArrayD::default(ndarray::IxDyn(shape))),
        ))
    }

    /// Removes `axes` (sorted), each of length 1.
    fn drop_axes(&self, axes: &[usize]) -> DArray<T> {
        let keep: Vec<usize> = (0..self.ndim()).filter(|d| !axes.contains(d)).collect();
        let grid = Grid::from_parts(
            keep.iter().map(|&d| self.grid.shape()[d]).collect(),
            keep.iter()
                .map(|&d| self.grid.chunks()[d].clone())
                .collect(),
        );
        let dropped = axes.to_vec();
        self.reshaped_chunks(grid, "squeeze", axes, move |mut a| {
            for &ax in dropped.iter().rev() {
                a = a.index_axis_move(Axis(ax), 0);
            }
            a.to_owned()
        })
    }

    /// The same chunks under another grid of the same number of chunks, each chunk
    /// mapped by `f` (a change of axes, never of the elements).
    fn reshaped_chunks(
        &self,
        grid: Grid,
        label: &'static str,
        params: &[usize],
        f: impl Fn(ArrayViewD<'_, T>) -> ArrayD<T> + Send + Sync + 'static,
    ) -> DArray<T> {
        let t = Tokenizer::new(label)
            .param(&self.token())
            .param(params)
            .param(&grid)
            .finish();
        self.blockwise_to(Arc::new(grid), label, t, f)
    }

    /// A new axis of length 1 at position `axis` (`expand_dims`).
    pub fn expand_dims(&self, axis: usize) -> DArray<T> {
        if axis > self.ndim() {
            return self.failed(Error::invalid(format!(
                "axis {axis} is out of range for a new axis of an array of {} dimensions",
                self.ndim()
            )));
        }
        let mut grid = (*self.grid).clone();
        grid.insert_axis(axis, vec![1]);
        self.reshaped_chunks(grid, "expand_dims", &[axis], move |a| {
            a.insert_axis(Axis(axis)).to_owned()
        })
    }

    /// Removes `axes` of length 1 (`None`: every axis of length 1), as `squeeze`.
    pub fn squeeze(&self, axes: impl Into<Option<Vec<usize>>>) -> DArray<T> {
        let axes = match axes.into() {
            None => (0..self.ndim()).filter(|&d| self.shape()[d] == 1).collect(),
            Some(mut v) => {
                v.sort_unstable();
                v.dedup();
                for &d in &v {
                    if d >= self.ndim() || self.shape()[d] != 1 {
                        return self.failed(Error::invalid(format!(
                            "cannot squeeze axis {d} of shape {:?}: it must exist and have length 1",
                            self.shape()
                        )));
                    }
                }
                v
            }
        };
        if axes.is_empty() {
            return self.clone();
        }
        self.drop_axes(&axes)
    }

    /// The elements in reverse order along `axis` (`flip`).
    pub fn flip(&self, axis: usize) -> DArray<T> {
        if let Err(e) = self.grid.axis(axis) {
            return self.failed(e);
        }
        let mut index = vec![Idx::ALL; self.ndim()];
        index[axis] = Idx::Slice {
            start: None,
            stop: None,
            step: -1,
        };
        self.index(&index)
    }

    /// The elements at `indices` along `axis`, in that order (`take`; negative indices
    /// count from the end). Each output chunk holds the indices that fall in one run
    /// of the same input chunk.
    ///
    /// ```
    /// let x = chunkwise::array::arange(0.0, 10.0, 1.0, [3]).unwrap();
    /// let y = x.take(&[9, 0, 1, -1], 0);
    /// assert_eq!(y.compute().unwrap().into_raw_vec_and_offset().0, vec![9.0, 0.0, 1.0, 9.0]);
    /// ```
    pub fn take(&self, indices: &[isize], axis: usize) -> DArray<T> {
        match self.try_take(indices, axis) {
            Ok(x) => x,
            Err(e) => self.failed(e),
        }
    }

    fn try_take(&self, indices: &[isize], axis: usize) -> Result<DArray<T>> {
        let d = self.grid.axis(axis)?;
        let n = self.shape()[d];
        let idx: Vec<usize> = indices
            .iter()
            .map(|&i| {
                let j = if i < 0 { i + n as isize } else { i };
                if j < 0 || j >= n as isize {
                    Err(Error::invalid(format!(
                        "index {i} is out of bounds for axis {d} with size {n}"
                    )))
                } else {
                    Ok(j as usize)
                }
            })
            .collect::<Result<_>>()?;
        // Runs of indices in the same input chunk become one output chunk each.
        let starts = &self.grid.starts()[d];
        let mut runs: Vec<(usize, Vec<usize>)> = Vec::new();
        for &i in &idx {
            let k = self.grid.chunk_of(d, i);
            match runs.last_mut() {
                Some((kk, v)) if *kk == k => v.push(i - starts[k]),
                _ => runs.push((k, vec![i - starts[k]])),
            }
        }
        // Each output chunk is one run, unless the runs are more than the input's
        // chunks along the axis (a shuffle, `permutation`): then output chunks as
        // large as the input's each gather their runs from the chunks they touch.
        let groups: Vec<Vec<(usize, Vec<usize>)>> = if runs.len() <= self.grid.chunks()[d].len() {
            runs.into_iter().map(|r| vec![r]).collect()
        } else {
            let size = self.grid.chunks()[d]
                .iter()
                .copied()
                .max()
                .unwrap_or(1)
                .max(1);
            let mut groups: Vec<Vec<(usize, Vec<usize>)>> = vec![Vec::new()];
            let mut filled = 0;
            for (k, run) in runs {
                for i in run {
                    if filled == size {
                        groups.push(Vec::new());
                        filled = 0;
                    }
                    let g = groups.last_mut().expect("one group at least");
                    match g.last_mut() {
                        Some((kk, v)) if *kk == k => v.push(i),
                        _ => g.push((k, vec![i])),
                    }
                    filled += 1;
                }
            }
            groups
        };
        let mut grid = (*self.grid).clone();
        grid.set_axis(
            d,
            if groups.is_empty() {
                vec![0]
            } else {
                groups
                    .iter()
                    .map(|g| g.iter().map(|r| r.1.len()).sum())
                    .collect()
            },
        );
        let t = Tokenizer::new("take")
            .param(&self.token())
            .param(&d)
            .param(&idx)
            .finish();
        if groups.is_empty() {
            return Ok(self.empty(grid, "take", t));
        }
        let input = self.chunk_nodes();
        let in_grid = self.grid.grid_shape();
        let groups = Arc::new(groups);
        let nodes = (0..grid.n_chunks())
            .map(|c| {
                let pos = grid.position(c);
                let r = pos[d];
                // The input chunks this output chunk reads, each once, in order.
                let mut sources: Vec<usize> = groups[r].iter().map(|run| run.0).collect();
                sources.sort_unstable();
                sources.dedup();
                let deps = sources
                    .iter()
                    .map(|&k| {
                        let mut src = pos.clone();
                        src[d] = k;
                        Arc::clone(&input[ravel(&src, &in_grid)])
                    })
                    .collect();
                let groups = Arc::clone(&groups);
                let elements: usize = grid.chunk(c).1.iter().product();
                let mut node = Node::new(
                    Key::new("take", t, c as u64),
                    deps,
                    Box::new(move |v| {
                        let parts: Vec<ArrayD<T>> = groups[r]
                            .iter()
                            .map(|(k, local)| {
                                let at = sources.binary_search(k).expect("a source of the run");
                                chunk_of::<T>(&v[at]).select(Axis(d), local)
                            })
                            .collect();
                        let out = match parts.len() {
                            1 => parts.into_iter().next().expect("one part"),
                            _ => {
                                let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
                                ndarray::concatenate(Axis(d), &views)
                                    .map_err(|e| Error::external("ndarray, joining a take", e))?
                            }
                        };
                        Ok(Arc::new(out) as Value)
                    }),
                );
                node.bytes = (elements * T::DTYPE.size()) as u64;
                node.codec = Some(chunk_codec::<T>());
                Arc::new(node)
            })
            .collect();
        Ok(self.carry(DArray::from_chunks(Arc::new(grid), t, "take", nodes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Python's `range(n)[start:stop:step]`, by brute force.
    fn python(n: usize, start: Option<isize>, stop: Option<isize>, step: isize) -> Vec<isize> {
        let (a, s, len) = resolve(start, stop, step, n);
        (0..len as isize).map(|i| a + i * s).collect()
    }

    #[test]
    fn slices_resolve_as_python() {
        let all: Vec<isize> = (0..10).collect();
        assert_eq!(python(10, None, None, 1), all);
        assert_eq!(
            python(10, None, None, -1),
            all.iter().rev().copied().collect::<Vec<_>>()
        );
        assert_eq!(python(10, Some(-3), Some(100), 1), vec![7, 8, 9]);
        assert_eq!(python(10, Some(8), None, -3), vec![8, 5, 2]);
        assert_eq!(python(10, Some(100), Some(-100), -4), vec![9, 5, 1]);
        assert_eq!(python(10, Some(5), Some(2), 1), Vec::<isize>::new());
        assert_eq!(python(10, Some(-100), Some(3), 2), vec![0, 2]);
        assert_eq!(python(0, None, None, -1), Vec::<isize>::new());
        assert_eq!(python(10, Some(2), Some(-1), 3), vec![2, 5, 8]);
    }

    #[test]
    fn ndarray_ranges_walk_back_from_their_end() {
        let pick = |s: Slice, n: usize| {
            let (a, k, len) = resolve_range(s, n);
            (0..len as isize).map(|i| a + i * k).collect::<Vec<_>>()
        };
        assert_eq!(pick(Slice::new(0, None, -1), 4), vec![3, 2, 1, 0]);
        assert_eq!(pick(Slice::new(1, Some(4), -2), 10), vec![3, 1]);
        assert_eq!(pick(Slice::new(-3, None, 2), 10), vec![7, 9]);
        assert_eq!(pick(Slice::new(2, Some(100), 3), 10), vec![2, 5, 8]);
        assert_eq!(pick(Slice::new(5, Some(2), 1), 10), Vec::<isize>::new());
    }

    #[test]
    fn stepped_selections_keep_input_chunks() {
        // 0..10 in chunks [4, 4, 2]; every third from 1: 1, 4, 7 -> chunks 0, 1, 1.
        let p = plan_axis(&[4, 4, 2], 1, 3, 3);
        assert_eq!(
            p.iter().map(|x| (x.0, x.2)).collect::<Vec<_>>(),
            vec![(0, 1), (1, 2)]
        );
        // Reversed, every second from 9: 9, 7, 5, 3, 1.
        let p = plan_axis(&[4, 4, 2], 9, -2, 5);
        assert_eq!(
            p.iter().map(|x| (x.0, x.2)).collect::<Vec<_>>(),
            vec![(2, 1), (1, 2), (0, 2)]
        );
    }
}
