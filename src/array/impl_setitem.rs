//! `x[index] = value` with every index numpy and Dask take (numpy's and Dask's
//! setitem): integers, slices with steps, `...`, one list of positions or one boolean
//! mask along an axis (given in memory or as a lazy array), or one mask over the whole
//! array; the value a scalar, an array in memory or a lazy array, broadcast to the
//! selection as numpy broadcasts it.
//!
//! The index is resolved once into target positions per axis (the region of
//! [`DArray::store_into`]), bucketed by the chunk they fall in. Each chunk the index
//! touches becomes one task that copies the chunk and writes into it the value's
//! elements for its positions, reading only the value's chunks those positions come
//! from; chunks the index does not touch are shared. A lazy index is read by every
//! task (it is one axis long), and each task then reads the value's chunks along that
//! axis whole, since which positions fall in the chunk is known only then.

use std::sync::Arc;

use ndarray::{Array, ArrayD, Axis, Dimension, IxDyn};

use super::chunks::{box_positions, chunk_holding, paste_box, ravel};
use super::expr::chunk_codec;
use super::impl_target::{Region, write_at};
use super::{Chunks, DArray, Element, Idx, VIdx, chunk_of, from_array};
use crate::graph::{Key, Node, Tokenizer, Value};
use crate::{Error, Result};

/// One entry of a [`DArray::setitem`] index.
///
/// Converts from [`Idx`], [`VIdx`], an integer (`isize`), `..`, a vector of positions
/// (`Vec<i64>`), a vector of booleans (`Vec<bool>`, a mask along one axis) and lazy
/// arrays of either (`&DArray<i64>`, `&DArray<bool>`).
#[derive(Clone, Debug)]
pub enum SetIdx {
    /// A slice, an integer (dropping the axis), `...`.
    Basic(Idx),
    /// Positions along one axis (negative from the end; one dimension).
    Points(ArrayD<i64>),
    /// A mask along one axis, as long as it; or, as the only entry, a mask of the
    /// array's shape (numpy's `x[x > 0] = v`, with a single value).
    Mask(ArrayD<bool>),
    /// Positions along one axis, computed with the result.
    LazyPoints(DArray<i64>),
    /// A mask along one axis or over the whole array, computed with the result.
    LazyMask(DArray<bool>),
}

impl SetIdx {
    /// The whole axis, `:`.
    pub const ALL: SetIdx = SetIdx::Basic(Idx::ALL);

    fn is_array(&self) -> bool {
        !matches!(self, SetIdx::Basic(_))
    }
}

impl From<Idx> for SetIdx {
    fn from(i: Idx) -> Self {
        SetIdx::Basic(i)
    }
}
impl From<isize> for SetIdx {
    fn from(i: isize) -> Self {
        SetIdx::Basic(Idx::At(i))
    }
}
impl From<std::ops::RangeFull> for SetIdx {
    fn from(_: std::ops::RangeFull) -> Self {
        SetIdx::ALL
    }
}
impl From<VIdx> for SetIdx {
    fn from(v: VIdx) -> Self {
        match v {
            VIdx::Basic(i) => SetIdx::Basic(i),
            VIdx::Points(p) => SetIdx::Points(p),
        }
    }
}
impl From<Vec<i64>> for SetIdx {
    fn from(v: Vec<i64>) -> Self {
        SetIdx::Points(ArrayD::from_shape_vec(IxDyn(&[v.len()]), v).expect("a vector's shape"))
    }
}
impl From<Vec<bool>> for SetIdx {
    fn from(v: Vec<bool>) -> Self {
        SetIdx::Mask(ArrayD::from_shape_vec(IxDyn(&[v.len()]), v).expect("a vector's shape"))
    }
}
impl<D: Dimension> From<Array<i64, D>> for SetIdx {
    fn from(a: Array<i64, D>) -> Self {
        SetIdx::Points(a.into_dyn())
    }
}
impl<D: Dimension> From<Array<bool, D>> for SetIdx {
    fn from(a: Array<bool, D>) -> Self {
        SetIdx::Mask(a.into_dyn())
    }
}
impl From<&DArray<i64>> for SetIdx {
    fn from(a: &DArray<i64>) -> Self {
        SetIdx::LazyPoints(a.clone())
    }
}
impl From<&DArray<bool>> for SetIdx {
    fn from(a: &DArray<bool>) -> Self {
        SetIdx::LazyMask(a.clone())
    }
}

/// The value of a [`DArray::setitem`]: a scalar, an array in memory or a lazy array,
/// broadcast to the selection.
#[derive(Clone, Debug)]
pub enum SetValue<T: Element> {
    /// In memory (a scalar is 0-d).
    Eager(ArrayD<T>),
    /// Computed with the result.
    Lazy(DArray<T>),
}

impl<T: Element> From<T> for SetValue<T> {
    fn from(v: T) -> Self {
        SetValue::Eager(ArrayD::from_elem(IxDyn(&[]), v))
    }
}
impl<T: Element> From<Vec<T>> for SetValue<T> {
    fn from(v: Vec<T>) -> Self {
        SetValue::Eager(ArrayD::from_shape_vec(IxDyn(&[v.len()]), v).expect("a vector's shape"))
    }
}
impl<T: Element, D: Dimension> From<Array<T, D>> for SetValue<T> {
    fn from(a: Array<T, D>) -> Self {
        SetValue::Eager(a.into_dyn())
    }
}
impl<T: Element> From<&DArray<T>> for SetValue<T> {
    fn from(a: &DArray<T>) -> Self {
        SetValue::Lazy(a.clone())
    }
}
impl<T: Element> From<DArray<T>> for SetValue<T> {
    fn from(a: DArray<T>) -> Self {
        SetValue::Lazy(a)
    }
}

/// Along one axis within one chunk: (position in the chunk, index into the
/// selection) pairs, in the selection's order.
type Pairs = Arc<Vec<(usize, usize)>>;

/// The lazy index of one axis.
#[derive(Clone)]
enum Lazy {
    Points(DArray<i64>),
    Mask(DArray<bool>),
}

impl Lazy {
    fn nodes(&self) -> Arc<Vec<Arc<Node>>> {
        match self {
            Lazy::Points(p) => p.chunk_nodes(),
            Lazy::Mask(m) => m.chunk_nodes(),
        }
    }

    fn token(&self) -> (bool, u64) {
        match self {
            Lazy::Points(p) => (false, p.token()),
            Lazy::Mask(m) => (true, m.token()),
        }
    }

    /// The (position within `[from, from + len)` less `from`, source index) pairs of
    /// the index's values `vals` along an axis of length `n`, and how many it selects.
    fn pairs(
        &self,
        vals: &[Value],
        d: usize,
        n: usize,
        from: usize,
        len: usize,
    ) -> Result<(Vec<(usize, usize)>, usize)> {
        let mut out = Vec::new();
        let (mut src, mut at) = (0, 0);
        let mut take = |p: usize, src: usize| {
            if (from..from + len).contains(&p) {
                out.push((p - from, src));
            }
        };
        for v in vals {
            match self {
                Lazy::Points(_) => {
                    for &i in chunk_of::<i64>(v) {
                        let p = if i < 0 { i + n as i64 } else { i };
                        if p < 0 || p >= n as i64 {
                            return Err(Error::invalid(format!(
                                "setitem: position {i} is out of bounds for axis {d}, of length {n}"
                            )));
                        }
                        take(p as usize, src);
                        src += 1;
                    }
                }
                Lazy::Mask(_) => {
                    for &b in chunk_of::<bool>(v) {
                        if b {
                            take(at, src);
                            src += 1;
                        }
                        at += 1;
                    }
                }
            }
        }
        Ok((out, src))
    }
}

impl<T: Element> DArray<T> {
    /// This array with `value` written where `index` selects (numpy's and Dask's
    /// `x[index] = value`), as a new array: chunks the index does not touch are
    /// shared, the others copied and written.
    ///
    /// The index takes integers, slices with steps, `...`, and one list of positions
    /// or one mask along an axis, in memory or lazy ([`SetIdx`]); or one mask of the
    /// array's shape with a single value. The value (a scalar, an array in memory or a
    /// lazy array) broadcasts to the selection's shape: the selected lengths, axes
    /// taken by an integer left out. Where a list repeats a position, the last value
    /// written there wins, as in numpy. Errors name the axis, the index and the
    /// shapes: too many entries, a new axis, two lists, a list and integers with a
    /// slice between them (numpy would move their axis), a mask of the wrong length, a
    /// value that does not broadcast; with a lazy mask, the count is checked when it
    /// is computed.
    ///
    /// ```
    /// use chunkwise::array::{SetIdx, Idx, arange};
    /// let x = arange(0.0, 12.0, 1.0, [2]).unwrap().reshape(&[3, 4]);
    /// // x[:, [3, 0]] = [[-1], [-2], [-3]]
    /// let y = x.setitem(
    ///     &[SetIdx::ALL, SetIdx::from(vec![3, 0])],
    ///     ndarray::array![[-1.0], [-2.0], [-3.0]],
    /// );
    /// // y[y > 8] = 0
    /// let z = y.setitem(&[SetIdx::from(&y.gt(8.0))], 0.0);
    /// assert_eq!(
    ///     z.compute().unwrap().into_raw_vec_and_offset().0,
    ///     vec![-1.0, 1.0, 2.0, -1.0, -2.0, 5.0, 6.0, -2.0, -3.0, 0.0, 0.0, -3.0]
    /// );
    /// ```
    pub fn setitem(&self, index: &[SetIdx], value: impl Into<SetValue<T>>) -> DArray<T> {
        match self.try_setitem(index, value.into()) {
            Ok(x) => x,
            Err(e) => self.failed(e),
        }
    }

    fn try_setitem(&self, index: &[SetIdx], value: SetValue<T>) -> Result<DArray<T>> {
        let bad = |why: String| Error::invalid(format!("setitem {index:?}: {why}"));
        let value = match value {
            SetValue::Eager(a) => {
                let shape = a.shape().to_vec();
                from_array(a, shape)?
            }
            SetValue::Lazy(v) => v,
        };
        if let Some(e) = &value.error {
            return Err(Error::Shared(Arc::clone(e)));
        }
        let nd = self.ndim();
        // One mask of the array's shape: a single value where it holds.
        if let [m @ (SetIdx::Mask(_) | SetIdx::LazyMask(_))] = index {
            let mask = match m {
                SetIdx::Mask(m) => from_array(m.clone(), self.chunks().to_vec())?,
                SetIdx::LazyMask(m) => m.clone(),
                _ => unreachable!(),
            };
            if mask.ndim() > 1 || (mask.ndim() == nd && nd > 1) {
                if mask.shape() != self.shape() {
                    return Err(bad(format!(
                        "a mask of shape {:?} for an array of shape {:?}",
                        mask.shape(),
                        self.shape()
                    )));
                }
                if value.shape().iter().product::<usize>() != 1 {
                    return Err(bad(format!(
                        "a mask over {nd} axes takes a single value, not one of shape {:?}",
                        value.shape()
                    )));
                }
                let one = value.reshape(&[]);
                let v = one.broadcast_to(self.shape(), Chunks::from(self.chunks().to_vec()));
                return Ok(self.carry(DArray::where_(&mask, &v, self)));
            }
        }
        // The index with `...` expanded to one entry per axis.
        if index
            .iter()
            .any(|e| matches!(e, SetIdx::Basic(Idx::NewAxis)))
        {
            return Err(bad("a new axis (None) selects nothing to write".into()));
        }
        let ellipses = index
            .iter()
            .filter(|e| matches!(e, SetIdx::Basic(Idx::Ellipsis)))
            .count();
        let used = index.len() - ellipses;
        if ellipses > 1 || used > nd {
            return Err(bad(format!(
                "{used} entries for an array of {nd} dimensions{}",
                if ellipses > 1 {
                    " and more than one ellipsis"
                } else {
                    ""
                }
            )));
        }
        let mut full: Vec<SetIdx> = Vec::with_capacity(nd);
        for e in index {
            if matches!(e, SetIdx::Basic(Idx::Ellipsis)) {
                full.extend((0..nd - used).map(|_| SetIdx::ALL));
            } else {
                full.push(e.clone());
            }
        }
        full.extend((full.len()..nd).map(|_| SetIdx::ALL));
        let arrays: Vec<usize> = (0..nd).filter(|&d| full[d].is_array()).collect();
        if arrays.len() > 1 {
            return Err(bad(
                "one list or mask at most (Dask too refuses several)".into()
            ));
        }
        if let Some(&d) = arrays.first() {
            // numpy moves the list's axis to the front when integers stand apart from
            // it; this keeps it in place, so such an index is refused, not misread.
            let advanced: Vec<usize> = (0..nd)
                .filter(|&k| k == d || matches!(full[k], SetIdx::Basic(Idx::At(_))))
                .collect();
            if advanced.last().unwrap_or(&d) - advanced.first().unwrap_or(&d) + 1 != advanced.len()
            {
                return Err(bad(
                    "a list and integers with a slice between them (numpy would move their axis to the front); write it in two steps".into(),
                ));
            }
        }
        let mut region_index = Vec::with_capacity(nd);
        let mut lazy: Option<(usize, Lazy)> = None;
        for (d, e) in full.iter().enumerate() {
            let n = self.shape()[d];
            let one_dim = |k: usize, what: &str| -> Result<()> {
                if k == 1 {
                    Ok(())
                } else {
                    Err(bad(format!(
                        "the {what} for axis {d} has {k} dimensions, not 1"
                    )))
                }
            };
            let mask_len = |k: usize| -> Result<()> {
                if k == n {
                    Ok(())
                } else {
                    Err(bad(format!(
                        "a mask of length {k} for axis {d}, of length {n}"
                    )))
                }
            };
            region_index.push(match e {
                SetIdx::Basic(i) => VIdx::Basic(*i),
                SetIdx::Points(p) => {
                    one_dim(p.ndim(), "list of positions")?;
                    VIdx::Points(p.clone())
                }
                SetIdx::Mask(m) => {
                    one_dim(m.ndim(), "mask")?;
                    mask_len(m.len())?;
                    let at: Vec<i64> = m
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| **b)
                        .map(|(i, _)| i as i64)
                        .collect();
                    VIdx::from(at)
                }
                SetIdx::LazyPoints(p) => {
                    one_dim(p.ndim(), "list of positions")?;
                    if let Some(e) = &p.error {
                        return Err(Error::Shared(Arc::clone(e)));
                    }
                    lazy = Some((d, Lazy::Points(p.clone())));
                    VIdx::ALL
                }
                SetIdx::LazyMask(m) => {
                    one_dim(m.ndim(), "mask")?;
                    mask_len(m.len())?;
                    if let Some(e) = &m.error {
                        return Err(Error::Shared(Arc::clone(e)));
                    }
                    lazy = Some((d, Lazy::Mask(m.clone())));
                    VIdx::ALL
                }
            });
        }
        let region = Region::resolve_as(&region_index, self.shape(), "setitem")?;
        // The selection's axes (those no integer took) and their lengths (`None`: a
        // lazy mask's count, known when computed).
        let kept: Vec<usize> = (0..nd).filter(|&d| !region.dropped[d]).collect();
        let selected: Vec<Option<usize>> = kept
            .iter()
            .map(|&d| match &lazy {
                Some((l, Lazy::Points(p))) if *l == d => Some(p.len()),
                Some((l, Lazy::Mask(_))) if *l == d => None,
                _ => Some(region.positions[d].len()),
            })
            .collect();
        let shown = || -> String {
            let s: Vec<String> = selected
                .iter()
                .map(|n| n.map_or("?".into(), |n| n.to_string()))
                .collect();
            format!("({})", s.join(", "))
        };
        // The value's leading extra axes must be of length 1 (numpy drops them).
        let mut value = value;
        if value.ndim() > kept.len() {
            let extra = value.ndim() - kept.len();
            if value.shape()[..extra].iter().any(|&k| k != 1) {
                return Err(bad(format!(
                    "a value of shape {:?} does not broadcast to the selection's shape {}",
                    value.shape(),
                    shown()
                )));
            }
            value = value.squeeze((0..extra).collect::<Vec<_>>());
        }
        let lead = kept.len() - value.ndim();
        for (j, &vn) in value.shape().iter().enumerate() {
            if let Some(n) = selected[j + lead]
                && vn != 1
                && vn != n
            {
                return Err(bad(format!(
                    "a value of shape {:?} does not broadcast to the selection's shape {}",
                    value.shape(),
                    shown()
                )));
            }
        }

        // Per axis, per chunk along it: (position in the chunk, source index) pairs.
        let starts = self.grid.starts();
        let buckets: Vec<Vec<Pairs>> = (0..nd)
            .map(|d| {
                let mut b = vec![Vec::new(); self.chunks()[d].len()];
                if lazy.as_ref().is_none_or(|(l, _)| *l != d) {
                    for (i, &p) in region.positions[d].iter().enumerate() {
                        let k = chunk_holding(&starts[d], p);
                        b[k].push((p - starts[d][k], i));
                    }
                }
                b.into_iter().map(Arc::new).collect()
            })
            .collect();
        // The value's axis along the lazy axis, if it has one.
        let lazy_value_axis = lazy.as_ref().and_then(|(d, _)| {
            kept.iter()
                .position(|k| k == d)
                .and_then(|s| s.checked_sub(lead))
        });
        let lazy_token = lazy.as_ref().map(|(d, l)| (*d, l.token()));
        let t = Tokenizer::new("setitem-general")
            .param(&self.token())
            .param(&value.token())
            .param(&region.positions)
            .param(&region.dropped)
            .param(&lazy_token)
            .finish();
        let input = self.chunk_nodes();
        let vnodes = value.chunk_nodes();
        let vgrid = value.grid.grid_shape();
        let vstarts = value.grid.starts().to_vec();
        let lazy_nodes = lazy.as_ref().map(|(_, l)| l.nodes());
        let kept = Arc::new(kept);
        let dropped = Arc::new(region.dropped.clone());
        let nodes = (0..self.n_chunks())
            .map(|c| -> Result<Arc<Node>> {
                let at = self.grid.position(c);
                let (offset, shape) = self.grid.chunk(c);
                let pairs: Vec<Pairs> =
                    (0..nd).map(|d| Arc::clone(&buckets[d][at[d]])).collect();
                let untouched = (0..nd).any(|d| {
                    pairs[d].is_empty() && lazy.as_ref().is_none_or(|(l, _)| *l != d)
                });
                if untouched {
                    return Ok(Arc::clone(&input[c]));
                }
                // The box of the value's chunks this chunk's positions come from.
                let span: Vec<(usize, usize)> = value
                    .shape()
                    .iter()
                    .enumerate()
                    .map(|(j, &vn)| {
                        let d = kept[j + lead];
                        let whole = (0, vgrid[j]);
                        if vn == 1 || lazy.as_ref().is_some_and(|(l, _)| *l == d) {
                            return whole;
                        }
                        let lo = pairs[d].iter().map(|p| p.1).min().unwrap_or(0);
                        let hi = pairs[d].iter().map(|p| p.1).max().unwrap_or(0);
                        (
                            chunk_holding(&vstarts[j], lo),
                            chunk_holding(&vstarts[j], hi) + 1,
                        )
                    })
                    .collect();
                let mut deps = vec![Arc::clone(&input[c])];
                if let Some(n) = &lazy_nodes {
                    deps.extend(n.iter().cloned());
                }
                let n_lazy = lazy_nodes.as_ref().map_or(0, |n| n.len());
                for local in &box_positions(&span) {
                    deps.push(Arc::clone(&vnodes[ravel(local, &vgrid)]));
                }
                let lazy = lazy.clone();
                let (kept, dropped) = (Arc::clone(&kept), Arc::clone(&dropped));
                let vstarts = vstarts.clone();
                let vshape = value.shape().to_vec();
                let axis_len = self.shape().to_vec();
                let chunk_shape = shape.clone();
                let mut node = Node::new(
                    Key::new("setitem", t, c as u64),
                    deps,
                    Box::new(move |v| {
                        let mut pairs = pairs.clone();
                        if let Some((d, l)) = &lazy {
                            let (p, count) =
                                l.pairs(&v[1..1 + n_lazy], *d, axis_len[*d], offset[*d], chunk_shape[*d])?;
                            if let Some(j) = lazy_value_axis
                                && vshape[j] != 1
                                && vshape[j] != count
                            {
                                return Err(Error::invalid(format!(
                                    "setitem: the value has length {} along its axis {j}, but the mask for axis {d} selects {count}",
                                    vshape[j]
                                )));
                            }
                            if p.is_empty() {
                                return Ok(Arc::clone(&v[0]));
                            }
                            pairs[*d] = Arc::new(p);
                        }
                        // The value's box, pasted from its chunks.
                        let pieces: Vec<&ArrayD<T>> =
                            v[1 + n_lazy..].iter().map(chunk_of::<T>).collect();
                        let (vbox, box_off) = paste_box(&vstarts, &vshape, &span, &pieces);
                        // The value's elements for this chunk's source indices.
                        let mut g = vbox;
                        for (j, &vn) in vshape.iter().enumerate() {
                            if vn == 1 {
                                continue;
                            }
                            let d = kept[j + lead];
                            let idx: Vec<usize> =
                                pairs[d].iter().map(|p| p.1 - box_off[j]).collect();
                            g = g.select(Axis(j), &idx);
                        }
                        let counts: Vec<usize> = kept.iter().map(|&d| pairs[d].len()).collect();
                        let mut view = g.view();
                        for _ in 0..lead {
                            view.insert_axis_inplace(Axis(0));
                        }
                        let mut view = view.broadcast(IxDyn(&counts)).ok_or_else(|| {
                            Error::invalid(format!(
                                "setitem: a value of shape {vshape:?} does not broadcast to {counts:?}"
                            ))
                        })?;
                        for (d, &gone) in dropped.iter().enumerate() {
                            if gone {
                                view.insert_axis_inplace(Axis(d));
                            }
                        }
                        let at: Vec<Vec<usize>> = pairs
                            .iter()
                            .map(|p| p.iter().map(|x| x.0).collect())
                            .collect();
                        let at: Vec<&[usize]> = at.iter().map(|p| p.as_slice()).collect();
                        let mut out = chunk_of::<T>(&v[0]).clone();
                        write_at(&mut out, &at, view);
                        Ok(Arc::new(out) as Value)
                    }),
                );
                node.bytes = (shape.iter().product::<usize>() * T::DTYPE.size()) as u64;
                node.codec = Some(chunk_codec::<T>());
                Ok(Arc::new(node))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut out = DArray::from_chunks(Arc::clone(&self.grid), t, "setitem", nodes);
        if let Some((_, l)) = &lazy {
            out = match l {
                Lazy::Points(p) => p.carry(out),
                Lazy::Mask(m) => m.carry(out),
            };
        }
        Ok(value.carry(self.carry(out)))
    }
}
