//! Routines numpy users reach for: cumulative sums and products, `diff`, `ptp`,
//! `topk` (quantiles are in `impl_quantile`); the
//! constructors `eye`, `tri`, `indices`, `meshgrid`; `tril`/`triu`, `diag`; `vstack`,
//! `hstack`, `dstack`, `atleast_2d`, `broadcast_arrays`.

use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, Axis, Dimension, IxDyn, Zip};

use super::chunks::ravel;
use super::chunks::{Chunks, Grid};
use super::chunks::{chunk_holding, starts_of};
use super::impl_constructors::chunk_tasks;
use super::{Axes, DArray, Element, Idx, Number, chunk_of};
use crate::graph::{Key, Node, Tokenizer, Value};
use crate::{Error, Result};

impl<T: Element> DArray<T> {
    /// Running sums along `axis` in [`Element::Acc`] (`cumsum`).
    ///
    /// ```
    /// let x = chunkwise::array::arange(1.0, 6.0, 1.0, [2]).unwrap().astype::<i32>();
    /// assert_eq!(x.cumsum(0).compute().unwrap().into_raw_vec_and_offset().0, vec![1, 3, 6, 10, 15]);
    /// ```
    pub fn cumsum(&self, axis: usize) -> DArray<T::Acc> {
        self.astype::<T::Acc>()
            .scan("cumsum", axis, T::Acc::default(), |a, b| a.add(b))
    }

    /// Running products along `axis` in [`Element::Acc`] (`cumprod`).
    pub fn cumprod(&self, axis: usize) -> DArray<T::Acc> {
        self.astype::<T::Acc>()
            .scan("cumprod", axis, T::Acc::from_i128(1), |a, b| a.mul(b))
    }

    /// A running fold of `f` along `axis` from `identity` (Dask's `cumreduction`, as
    /// `np.maximum.accumulate`): each chunk folds its own lanes, then folds in what
    /// the chunks before it carried.
    ///
    /// ```
    /// let x = chunkwise::array::from_array(ndarray::arr1(&[3, 1, 4, 1, 5]).into_dyn(), [2]).unwrap();
    /// let m = x.cumreduce(0, i32::MIN, |a, b| a.max(b));
    /// assert_eq!(m.compute().unwrap().into_raw_vec_and_offset().0, vec![3, 3, 4, 4, 5]);
    /// ```
    pub fn cumreduce(&self, axis: usize, identity: T, f: fn(T, T) -> T) -> DArray<T> {
        // A user's function has no name to key it by: each call is its own (keys never
        // come from addresses, which differ between MPI ranks).
        let salt = Tokenizer::new("cumreduce").sequenced().finish();
        self.scan_salted("cumreduce", salt, axis, identity, f)
    }

    /// `f(x, axis)` for each of `axes` in turn (`numpy.apply_over_axes`): a result of
    /// one dimension fewer gets the axis back with length 1; any other number of
    /// dimensions is an error.
    ///
    /// ```
    /// use chunkwise::array::{DArray, arange};
    /// let x = arange(0.0, 6.0, 1.0, [4]).unwrap().reshape(&[2, 3]);
    /// let s = x.apply_over_axes(|a: &DArray<f64>, axis| a.sum(axis), &[0, 1]);
    /// assert_eq!(s.shape(), &[1, 1]);
    /// assert_eq!(s.compute().unwrap().sum(), 15.0);
    /// ```
    pub fn apply_over_axes(
        &self,
        f: impl Fn(&DArray<T>, usize) -> DArray<T>,
        axes: &[usize],
    ) -> DArray<T> {
        let mut a = self.clone();
        for &axis in axes {
            if let Err(e) = a.grid.axis(axis) {
                return self.failed(e);
            }
            let r = f(&a, axis);
            a = if r.ndim() == a.ndim() {
                r
            } else if r.ndim() + 1 == a.ndim() {
                r.expand_dims(axis)
            } else {
                return self.failed(Error::invalid(format!(
                    "apply_over_axes: the function made {} dimensions of {}; it must keep them or drop one",
                    r.ndim(),
                    a.ndim()
                )));
            };
        }
        a
    }

    /// Running sums ignoring NaN (counted as 0), as `nancumsum`.
    pub fn nancumsum(&self, axis: usize) -> DArray<T::Acc> {
        self.nan_as(T::default()).cumsum(axis)
    }

    /// Running products ignoring NaN (counted as 1), as `nancumprod`.
    pub fn nancumprod(&self, axis: usize) -> DArray<T::Acc> {
        self.nan_as(T::from_i128(1)).cumprod(axis)
    }

    /// A running fold along `axis` (Dask's `cumreduction`): each chunk folds its own
    /// lanes, then adds the fold of the chunks before it along the axis (their last
    /// slices, folded in order).
    fn scan(&self, name: &'static str, axis: usize, init: T, f: fn(T, T) -> T) -> DArray<T> {
        self.scan_salted(name, 0, axis, init, f)
    }

    fn scan_salted(
        &self,
        name: &'static str,
        salt: u64,
        axis: usize,
        init: T,
        f: fn(T, T) -> T,
    ) -> DArray<T> {
        if let Err(e) = self.grid.axis(axis) {
            return self.failed(e);
        }
        let t = Tokenizer::new(name)
            .param(&self.token())
            .param(&axis)
            .param(&salt)
            .finish();
        // Chunk by chunk: the local running fold.
        let local = self.blockwise(name, Tokenizer::new("local").param(&t).finish(), move |a| {
            let mut out = a.to_owned();
            out.accumulate_axis_inplace(Axis(axis), |&prev, cur| *cur = f(prev, *cur));
            out
        });
        let nodes = local.chunk_nodes();
        let grid = Arc::clone(&self.grid);
        let gshape = grid.grid_shape();
        let t_carry = Tokenizer::new("carry").param(&t).finish();
        // carry[c]: the fold of every chunk before c along the axis, one slice wide.
        let mut carry: Vec<Option<Arc<Node>>> = vec![None; nodes.len()];
        let mut out = Vec::with_capacity(nodes.len());
        for c in 0..nodes.len() {
            let pos = grid.position(c);
            let prev = (pos[axis] > 0).then(|| {
                let mut p = pos.clone();
                p[axis] -= 1;
                super::chunks::ravel(&p, &gshape)
            });
            // The carry into this chunk: the previous carry folded with the previous
            // chunk's last slice.
            let into = prev.map(|p| {
                let mut deps = vec![Arc::clone(&nodes[p])];
                if let Some(c0) = &carry[p] {
                    deps.push(Arc::clone(c0));
                }
                let node = Node::new(
                    Key::new("carry", t_carry, c as u64),
                    deps,
                    Box::new(move |v| {
                        let last = chunk_of::<T>(&v[0]);
                        let n = last.shape()[axis];
                        let mut s = last.index_axis(Axis(axis), n.saturating_sub(1)).to_owned();
                        if n == 0 {
                            s.fill(init);
                        }
                        if let Some(before) = v.get(1) {
                            let before = chunk_of::<T>(before);
                            Zip::from(&mut s)
                                .and(before)
                                .for_each(|x, &b| *x = f(b, *x));
                        }
                        Ok(Arc::new(s) as Value)
                    }),
                );
                Arc::new(node)
            });
            // A chunk's carry is its own last slice folded onto its carry: the next
            // chunk's carry reads this chunk's local fold and this carry.
            carry[c] = into.clone();
            let mut deps = vec![Arc::clone(&nodes[c])];
            if let Some(cn) = &into {
                deps.push(Arc::clone(cn));
            }
            let mut node = Node::new(
                Key::new(name, t, c as u64),
                deps,
                Box::new(move |v| {
                    let a = chunk_of::<T>(&v[0]);
                    let Some(before) = v.get(1) else {
                        return Ok(Arc::clone(&v[0]));
                    };
                    let before = chunk_of::<T>(before).clone().insert_axis(Axis(axis));
                    let mut out = a.clone();
                    Zip::from(&mut out)
                        .and_broadcast(&before)
                        .for_each(|x, &b| *x = f(b, *x));
                    Ok(Arc::new(out) as Value)
                }),
            );
            node.bytes = nodes[c].bytes;
            node.codec = nodes[c].codec;
            out.push(Arc::new(node));
        }
        self.carry(DArray::from_chunks(grid, t, name, out))
    }

    /// `max - min` over `axes` (`ptp`), in the array's type.
    pub fn ptp(&self, axes: impl Into<Axes>) -> DArray<T>
    where
        T: Number,
    {
        let axes = axes.into();
        let (hi, lo) = (self.max(axes.clone()), self.min(axes));
        hi.zip_blocks(&lo, "ptp", "sub", |a, b| {
            Zip::from(&a).and(&b).map_collect(|&x, &y| x.sub(y))
        })
    }

    /// Differences of neighbours along `axis` (`diff`, once).
    pub fn diff(&self, axis: usize) -> DArray<T>
    where
        T: Number,
    {
        if let Err(e) = self.grid.axis(axis) {
            return self.failed(e);
        }
        let mut hi = vec![Idx::ALL; self.ndim()];
        let mut lo = vec![Idx::ALL; self.ndim()];
        hi[axis] = Idx::Slice {
            start: Some(1),
            stop: None,
            step: 1,
        };
        lo[axis] = Idx::Slice {
            start: None,
            stop: Some(-1),
            step: 1,
        };
        let (a, b) = (self.index(&hi), self.index(&lo));
        a.zip_blocks(&b, "diff", "sub", |a, b| {
            Zip::from(&a).and(&b).map_collect(|&x, &y| x.sub(y))
        })
    }

    /// Differences of order `n` along `axis` (`numpy.diff(x, n, axis)`): `diff` applied
    /// `n` times; 0 gives the array itself, a negative order is an error.
    ///
    /// ```
    /// let x = chunkwise::array::from_array(ndarray::arr1(&[1i64, 4, 9, 16]).into_dyn(), [3]).unwrap();
    /// assert_eq!(x.diff_n(2, 0).compute().unwrap().into_raw_vec_and_offset().0, vec![2, 2]);
    /// assert!(x.diff_n(-1, 0).compute().is_err());
    /// ```
    pub fn diff_n(&self, n: isize, axis: usize) -> DArray<T>
    where
        T: Number,
    {
        if n < 0 {
            return self.failed(Error::invalid(format!(
                "diff: order must be non-negative but got {n}"
            )));
        }
        (0..n).fold(self.clone(), |x, _| x.diff(axis))
    }

    /// numpy's `gradient`: along each of `axes` (all of them for `None`), central
    /// differences inside and one-sided ones of `edge_order` (1 or 2) at the ends, in
    /// `f64`. `spacing` has no entry (unit steps), one for every axis, or one per axis:
    /// a step ([`Spacing::Step`]) or the coordinates along the axis
    /// ([`Spacing::Coords`], uneven steps as numpy's second-order formulas). Each axis
    /// is made one chunk for it, so a block holds whole lanes.
    ///
    /// ```
    /// use chunkwise::array::{Spacing, from_array};
    /// let x = from_array(ndarray::arr1(&[1.0, 2.0, 4.0, 7.0, 11.0]).into_dyn(), [2]).unwrap();
    /// let g = x.gradient(&[Spacing::Step(1.0)], None, 1);
    /// assert_eq!(g[0].compute().unwrap().into_raw_vec_and_offset().0, vec![1.0, 1.5, 2.5, 3.5, 4.0]);
    /// ```
    pub fn gradient(
        &self,
        spacing: &[Spacing],
        axes: Option<&[usize]>,
        edge_order: usize,
    ) -> Vec<DArray<f64>> {
        let axes: Vec<usize> = axes.map_or_else(|| (0..self.ndim()).collect(), <[usize]>::to_vec);
        let x = self.astype::<f64>();
        let fail = |e: Error| -> Vec<DArray<f64>> {
            let e = Arc::new(e);
            axes.iter()
                .map(|_| x.failed(Error::Shared(Arc::clone(&e))))
                .collect()
        };
        if !(1..=2).contains(&edge_order) {
            return fail(Error::invalid(format!(
                "gradient: edge_order {edge_order} is not 1 or 2"
            )));
        }
        if spacing.len() > 1 && spacing.len() != axes.len() {
            return fail(Error::invalid(format!(
                "gradient: {} spacings for {} axes (none, one, or one per axis)",
                spacing.len(),
                axes.len()
            )));
        }
        let mut out = Vec::with_capacity(axes.len());
        for (i, &d) in axes.iter().enumerate() {
            if let Err(e) = self.grid.axis(d) {
                return fail(e);
            }
            let n = self.shape()[d];
            if n < edge_order + 1 {
                return fail(Error::invalid(format!(
                    "gradient: axis {d} has {n} elements; edge_order {edge_order} needs at least {}",
                    edge_order + 1
                )));
            }
            let sp = spacing
                .get(if spacing.len() == 1 { 0 } else { i })
                .cloned()
                .unwrap_or(Spacing::Step(1.0));
            // The steps between neighbours along the axis.
            let dx: Vec<f64> = match &sp {
                Spacing::Step(h) => vec![*h; n - 1],
                Spacing::Coords(c) if c.len() == n => c.windows(2).map(|w| w[1] - w[0]).collect(),
                Spacing::Coords(c) => {
                    return fail(Error::invalid(format!(
                        "gradient: {} coordinates for axis {d} of length {n}",
                        c.len()
                    )));
                }
            };
            let mut whole = x.chunks().to_vec();
            whole[d] = vec![n];
            let dx = Arc::new(dx);
            // numpy's own formulas for even steps (the uneven ones agree only to
            // rounding there).
            let step = match sp {
                Spacing::Step(h) => Some(h),
                Spacing::Coords(_) => None,
            };
            out.push(x.rechunk(Chunks::Explicit(whole)).map_blocks(move |b| {
                let mut g = b.clone();
                for (lane, mut o) in b.lanes(Axis(d)).into_iter().zip(g.lanes_mut(Axis(d))) {
                    let f = |i: usize| lane[i];
                    if let Some(h) = step {
                        for k in 1..n - 1 {
                            o[k] = (f(k + 1) - f(k - 1)) / (2.0 * h);
                        }
                        if edge_order == 1 {
                            o[0] = (f(1) - f(0)) / h;
                            o[n - 1] = (f(n - 1) - f(n - 2)) / h;
                        } else {
                            o[0] = (-1.5 / h) * f(0) + (2.0 / h) * f(1) + (-0.5 / h) * f(2);
                            o[n - 1] =
                                (0.5 / h) * f(n - 3) + (-2.0 / h) * f(n - 2) + (1.5 / h) * f(n - 1);
                        }
                        continue;
                    }
                    for k in 1..n - 1 {
                        let (hd, hs) = (dx[k - 1], dx[k]);
                        o[k] = (hd * hd * f(k + 1) - hs * hs * f(k - 1)
                            + (hs * hs - hd * hd) * f(k))
                            / (hs * hd * (hd + hs));
                    }
                    if edge_order == 1 {
                        o[0] = (f(1) - f(0)) / dx[0];
                        o[n - 1] = (f(n - 1) - f(n - 2)) / dx[n - 2];
                    } else {
                        let (d1, d2) = (dx[0], dx[1]);
                        let a = -(2.0 * d1 + d2) / (d1 * (d1 + d2));
                        let bb = (d1 + d2) / (d1 * d2);
                        let c = -d1 / (d2 * (d1 + d2));
                        o[0] = a * f(0) + bb * f(1) + c * f(2);
                        let (d1, d2) = (dx[n - 3], dx[n - 2]);
                        let a = d2 / (d1 * (d1 + d2));
                        let bb = -(d2 + d1) / (d1 * d2);
                        let c = (2.0 * d2 + d1) / (d2 * (d1 + d2));
                        o[n - 1] = a * f(n - 3) + bb * f(n - 2) + c * f(n - 1);
                    }
                }
                g
            }));
        }
        out
    }

    /// The differences of the flattened array's neighbours, with `to_begin` before and
    /// `to_end` after (`numpy.ediff1d`).
    ///
    /// ```
    /// let x = chunkwise::array::from_array(ndarray::arr1(&[1i64, 2, 4, 7]).into_dyn(), [3]).unwrap();
    /// let d = x.ediff1d(Some(&[0, 0]), Some(&[-1]));
    /// assert_eq!(d.compute().unwrap().into_raw_vec_and_offset().0, vec![-1, 1, 2, 3, 0, 0]);
    /// ```
    pub fn ediff1d(&self, to_end: Option<&[T]>, to_begin: Option<&[T]>) -> DArray<T>
    where
        T: Number,
    {
        let d = self.ravel().diff(0);
        let piece = |v: Option<&[T]>| -> Result<Option<DArray<T>>> {
            v.map(|v| {
                super::impl_constructors::from_array(
                    ArrayD::from_shape_vec(IxDyn(&[v.len()]), v.to_vec()).expect("1-d"),
                    [v.len().max(1)],
                )
            })
            .transpose()
        };
        match (piece(to_begin), piece(to_end)) {
            (Ok(begin), Ok(end)) => {
                let parts: Vec<DArray<T>> = begin.into_iter().chain([d]).chain(end).collect();
                DArray::concatenate(&parts, 0)
            }
            (Err(e), _) | (_, Err(e)) => self.failed(e),
        }
    }

    /// The `k` largest elements of the flattened array, largest first (`topk`; a
    /// negative `k` gives the `-k` smallest, smallest first, as Dask's).
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// use ndarray::{ArrayD, IxDyn};
    /// let a = ArrayD::from_shape_vec(IxDyn(&[6]), vec![5, 1, 9, 3, 9, 2]).unwrap();
    /// let x = from_array(a, [4]).unwrap();
    /// assert_eq!(x.topk(3).compute().unwrap().into_raw_vec_and_offset().0, vec![9, 9, 5]);
    /// assert_eq!(x.topk(-2).compute().unwrap().into_raw_vec_and_offset().0, vec![1, 2]);
    /// ```
    pub fn topk(&self, k: isize) -> DArray<T> {
        let (n, largest) = (k.unsigned_abs(), k > 0);
        let order = move |v: &mut Vec<T>| {
            v.sort_unstable_by(|a, b| {
                let o = a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal);
                if largest { o.reverse() } else { o }
            });
            v.truncate(n);
        };
        let flat_chunk = move |c: ArrayViewD<'_, T>, _: &[usize]| {
            let mut v: Vec<T> = c.iter().copied().collect();
            order(&mut v);
            ArrayD::from_shape_vec(IxDyn(&[v.len()]), v).expect("a vector")
        };
        let keep = move |p: &mut ArrayD<T>, q: &ArrayD<T>| {
            let mut v: Vec<T> = p.iter().chain(q.iter()).copied().collect();
            order(&mut v);
            *p = ArrayD::from_shape_vec(IxDyn(&[v.len()]), v).expect("a vector");
        };
        let len = n.min(self.len());
        self.ravel()
            .reduction(None, true, flat_chunk, keep, |p| p.clone())
            .with_len(len)
    }

    /// The `|k|` largest elements along `axis` in descending order (k > 0), or the
    /// smallest in ascending order (k < 0), as Dask's `topk(x, k, axis)`; NaN sorts
    /// above every number, as in numpy's sort.
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// let x = from_array(ndarray::arr2(&[[3, 9, 1], [4, 0, 8]]).into_dyn(), [1, 2]).unwrap();
    /// assert_eq!(x.topk_axis(2, 1).compute().unwrap(), ndarray::arr2(&[[9, 3], [8, 4]]).into_dyn());
    /// assert_eq!(x.argtopk(-1, 0).compute().unwrap(), ndarray::arr2(&[[0, 1, 0]]).into_dyn());
    /// ```
    pub fn topk_axis(&self, k: isize, axis: usize) -> DArray<T> {
        match self.top_along(k, axis) {
            Ok((v, _)) => v,
            Err(e) => self.failed(e),
        }
    }

    /// Where the elements [`topk_axis`](Self::topk_axis) picks sit along `axis`
    /// (Dask's `argtopk`).
    pub fn argtopk(&self, k: isize, axis: usize) -> DArray<i64> {
        match self.top_along(k, axis) {
            Ok((_, i)) => i,
            Err(e) => self.carry(DArray::errored(Arc::clone(&self.grid), e)),
        }
    }

    /// Each block keeps its own top `|k|` along `axis` with their positions, then the
    /// kept ones of a lane, whole, are ordered and the first `|k|` taken.
    fn top_along(&self, k: isize, axis: usize) -> Result<(DArray<T>, DArray<i64>)> {
        let nd = self.ndim();
        if axis >= nd {
            return Err(Error::invalid(format!(
                "topk: axis {axis} is out of range for an array of {nd} dimensions"
            )));
        }
        let n = k.unsigned_abs().min(self.shape()[axis]);
        let largest = k > 0;
        // Ascending by value (NaN last), ties by position; reversed for the largest.
        let order = move |v: &[T], i: &[i64]| -> Vec<usize> {
            let mut o: Vec<usize> = (0..v.len()).collect();
            o.sort_by(|&a, &b| {
                let by = match v[a].partial_cmp(&v[b]) {
                    Some(x) => x,
                    #[allow(clippy::eq_op)] // NaN is the one value unequal to itself
                    None => (v[a] != v[a]).cmp(&(v[b] != v[b])),
                };
                by.then(i[a].cmp(&i[b]))
            });
            if largest {
                o.reverse();
            }
            o
        };
        // Lanes along `axis` of (values, positions) reordered, the first `keep` kept.
        let pick = move |v: ArrayViewD<'_, T>, i: ArrayViewD<'_, i64>, keep: usize| {
            let mut shape = v.shape().to_vec();
            shape[axis] = keep;
            let mut ov = ArrayD::<T>::default(IxDyn(&shape));
            let mut oi = ArrayD::<i64>::zeros(IxDyn(&shape));
            for (((lv, li), mut dv), mut di) in v
                .lanes(Axis(axis))
                .into_iter()
                .zip(i.lanes(Axis(axis)))
                .zip(ov.lanes_mut(Axis(axis)))
                .zip(oi.lanes_mut(Axis(axis)))
            {
                let (lv, li): (Vec<T>, Vec<i64>) = (lv.to_vec(), li.to_vec());
                for (slot, &p) in order(&lv, &li).iter().take(keep).enumerate() {
                    dv[slot] = lv[p];
                    di[slot] = li[p];
                }
            }
            (ov, oi)
        };
        let pick = Arc::new(pick);
        let mut kept_chunks = self.chunks().to_vec();
        kept_chunks[axis] = self.chunks()[axis].iter().map(|&c| c.min(n)).collect();
        let opts = super::BlockMap::new().chunks(kept_chunks.clone());
        // Stage one: each block's own top, with positions along the axis.
        let positions = move |b: &ArrayViewD<'_, T>, info: &super::BlockInfo| {
            let start = info.inputs[0].array_location[axis].0 as i64;
            ArrayD::from_shape_fn(b.raw_dim(), |ix| start + ix[axis] as i64)
        };
        let (p1, p2) = (Arc::clone(&pick), Arc::clone(&pick));
        let v1 = self.map_blocks_opts(&[], &opts, move |b, info| {
            let keep = b[0].shape()[axis].min(n);
            p1(b[0].view(), positions(&b[0], info).view(), keep).0
        });
        let i1 = self.map_blocks_opts(&[], &opts, move |b, info| {
            let keep = b[0].shape()[axis].min(n);
            p2(b[0].view(), positions(&b[0], info).view(), keep).1
        });
        // Stage two: the kept ones of each lane in one block, ordered, cut to `n`.
        let mut whole = kept_chunks;
        whole[axis] = vec![whole[axis].iter().sum()];
        let (v2, i2) = (
            v1.rechunk(Chunks::Explicit(whole.clone())),
            i1.rechunk(Chunks::Explicit(whole)),
        );
        let (p3, p4) = (Arc::clone(&pick), pick);
        let all = move |v: &ArrayViewD<'_, T>| v.shape()[axis];
        let sorted_v = v2.zip_blocks(&i2, "topk", "values", move |v, i| {
            let keep = all(&v);
            p3(v, i, keep).0
        });
        let sorted_i = v2.zip_blocks(&i2, "argtopk", "positions", move |v, i| {
            let keep = all(&v);
            p4(v, i, keep).1
        });
        let first: Vec<Idx> = (0..nd)
            .map(|d| {
                if d == axis {
                    Idx::range(0, n as isize, 1)
                } else {
                    Idx::ALL
                }
            })
            .collect();
        Ok((sorted_v.index(&first), sorted_i.index(&first)))
    }

    /// A 1-d reduction's result named with its true length (its one chunk holds `len`
    /// elements where the reduction's grid says 1).
    fn with_len(&self, len: usize) -> DArray<T> {
        let grid = Grid::from_parts(vec![len], vec![vec![len]]);
        let nodes = self.chunk_nodes().to_vec();
        self.carry(DArray::from_chunks(
            Arc::new(grid),
            self.token(),
            "reduction",
            nodes,
        ))
    }
}

/// A constructor's grid.
fn grid(shape: &[usize], chunks: impl Into<Chunks>) -> Result<Arc<Grid>> {
    Ok(Arc::new(Grid::new(shape, &chunks.into())?))
}

/// The `n x m` array with ones on diagonal `k` (above the main one when positive),
/// zeros elsewhere (`eye`).
pub fn eye<T: Element>(
    n: usize,
    m: usize,
    k: isize,
    chunks: impl Into<Chunks>,
) -> Result<DArray<T>> {
    diagonals("eye", n, m, k, chunks, |d, k| d == k)
}

/// Ones at and below diagonal `k`, zeros above (`tri`).
pub fn tri<T: Element>(
    n: usize,
    m: usize,
    k: isize,
    chunks: impl Into<Chunks>,
) -> Result<DArray<T>> {
    diagonals("tri", n, m, k, chunks, |d, k| d <= k)
}

/// An `n x m` array of ones where `test(column - row, k)` holds, zeros elsewhere.
fn diagonals<T: Element>(
    name: &'static str,
    n: usize,
    m: usize,
    k: isize,
    chunks: impl Into<Chunks>,
    test: fn(isize, isize) -> bool,
) -> Result<DArray<T>> {
    let g = grid(&[n, m], chunks)?;
    let t = Tokenizer::new(name)
        .param(&*g)
        .param(&k)
        .param(&T::DTYPE)
        .finish();
    Ok(chunk_tasks(g, name, t, move |_, o, s| {
        Ok(ArrayD::from_shape_fn(IxDyn(s), |i| {
            let d = (o[1] + i[1]) as isize - (o[0] + i[0]) as isize;
            T::from_i128(i128::from(test(d, k)))
        }))
    }))
}

/// For each axis, an array of the index along it (`indices`), stacked on a new first
/// axis of length `shape.len()`.
pub fn indices(shape: &[usize], chunks: impl Into<Chunks>) -> Result<DArray<i64>> {
    let mut full = vec![shape.len()];
    full.extend_from_slice(shape);
    // As Dask: the chunks of `shape` (for i64 elements), the new axis by 1.
    let inner = Grid::resolve(shape, &chunks.into(), 8, None)?;
    let lead = if shape.is_empty() {
        vec![0]
    } else {
        vec![1; shape.len()]
    };
    let mut per_dim = vec![lead];
    per_dim.extend_from_slice(inner.chunks());
    let g = grid(&full, per_dim)?;
    let t = Tokenizer::new("indices").param(&*g).finish();
    Ok(chunk_tasks(g, "indices", t, |_, o, s| {
        Ok(ArrayD::from_shape_fn(IxDyn(s), |i| {
            let axis = o[0] + i[0];
            (o[axis + 1] + i[axis + 1]) as i64
        }))
    }))
}

impl<T: Element> DArray<T> {
    /// The lower triangle: elements above diagonal `k` set to zero (`tril`; of an
    /// n-d array, of each plane of its last two axes).
    pub fn tril(&self, k: isize) -> DArray<T> {
        self.triangle("tril", k, true)
    }

    /// The upper triangle: elements below diagonal `k` set to zero (`triu`; of an
    /// n-d array, of each plane of its last two axes).
    pub fn triu(&self, k: isize) -> DArray<T> {
        self.triangle("triu", k, false)
    }

    fn triangle(&self, name: &'static str, k: isize, lower: bool) -> DArray<T> {
        let nd = self.ndim();
        if nd < 2 {
            return self.failed(Error::invalid(format!(
                "{name} takes an array of 2 or more dimensions, not one of shape {:?}",
                self.shape()
            )));
        }
        // A mask of the last two axes, broadcast over the others by `where_`.
        let mask = match tri::<bool>(
            self.shape()[nd - 2],
            self.shape()[nd - 1],
            if lower { k } else { k - 1 },
            self.chunks()[nd - 2..].to_vec(),
        ) {
            Ok(m) => m,
            Err(e) => return self.failed(e),
        };
        let mask = if lower { mask } else { !&mask };
        DArray::where_(&mask, self, &self.zeros_like())
    }

    /// The diagonal of a 2-d array as a 1-d one, or a 2-d array with a 1-d one on its
    /// diagonal (`diag`, main diagonal).
    pub fn diag(&self) -> DArray<T> {
        match self.ndim() {
            1 => {
                let n = self.shape()[0];
                let c = self.chunks()[0].clone();
                let row = self.expand_dims(0);
                let full = row.broadcast_to(&[n, n], vec![c.clone(), c.clone()]);
                match eye::<bool>(n, n, 0, vec![c.clone(), c]) {
                    Ok(m) => DArray::where_(&m, &full, &full.zeros_like()),
                    Err(e) => self.failed(e),
                }
            }
            2 => {
                let n = self.shape()[0].min(self.shape()[1]);
                // The square corner, masked to its diagonal and summed along the rows.
                let sq = self.index([Idx::range(0, n as isize, 1), Idx::range(0, n as isize, 1)]);
                match eye::<bool>(n, n, 0, sq.chunks().to_vec()) {
                    Ok(m) => DArray::where_(&m, &sq, &sq.zeros_like()).sum_keep_type(1),
                    Err(e) => self.failed(e),
                }
            }
            d => self.failed(Error::invalid(format!(
                "diag takes a 1-d or 2-d array, not {d}-d"
            ))),
        }
    }

    /// `diag` with the diagonal `k` above the main one (below it, negative), as
    /// `numpy.diag(v, k)`: of a 2-d array, that diagonal (empty past the corner); of a
    /// 1-d one, a square array of side `n + |k|` with it there, zeros elsewhere.
    ///
    /// ```
    /// use chunkwise::array::arange;
    /// let v = arange(1.0, 3.0, 1.0, [1]).unwrap();
    /// let m = v.diag_k(1).compute().unwrap();
    /// assert_eq!(m.shape(), &[3, 3]);
    /// assert_eq!((m[[0, 1]], m[[1, 2]], m.sum()), (1.0, 2.0, 3.0));
    /// assert_eq!(v.diag_k(1).diag_k(1).compute().unwrap().into_raw_vec_and_offset().0, vec![1.0, 2.0]);
    /// ```
    pub fn diag_k(&self, k: isize) -> DArray<T> {
        match self.ndim() {
            1 if k != 0 => {
                let d = k.unsigned_abs();
                // v on the main diagonal of an n x n block, shifted by padding.
                let widths = if k > 0 {
                    [(0, d), (d, 0)]
                } else {
                    [(d, 0), (0, d)]
                };
                self.diag().pad(&widths, T::default())
            }
            2 if k != 0 => self.diagonal(k, 0, 1),
            _ => self.diag(),
        }
    }

    /// The sum along `axis` in this array's own type (wrapping), for `diag`.
    fn sum_keep_type(&self, axis: usize) -> DArray<T> {
        let zero = T::default();
        self.reduction(
            axis,
            false,
            move |c, axes| {
                super::impl_reductions::fold_axes(c, axes, zero, |a, x| a.add(x), |a, b| a.add(*b))
            },
            |p: &mut ArrayD<T>, q| p.zip_mut_with(q, |a, &b| *a = a.add(b)),
            |p| p.clone(),
        )
    }

    /// At least 2 dimensions (`atleast_2d`): a 1-d array becomes one row, a scalar
    /// one element.
    pub fn atleast_2d(&self) -> DArray<T> {
        match self.ndim() {
            0 => self.expand_dims(0).expand_dims(0),
            1 => self.expand_dims(0),
            _ => self.clone(),
        }
    }

    /// The diagonal `offset` above the main one (below it, negative) of each plane of
    /// `axis1` and `axis2`, as the last axis, the other axes first (`numpy.diagonal`).
    /// Each output chunk reads the chunks its stretch of the diagonal crosses.
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// let m = ndarray::Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64).into_dyn();
    /// let x = from_array(m, [2, 3]).unwrap();
    /// assert_eq!(x.diagonal(0, 0, 1).compute().unwrap().into_raw_vec_and_offset().0, vec![0.0, 5.0, 10.0]);
    /// assert_eq!(x.diagonal(-1, 0, 1).compute().unwrap().into_raw_vec_and_offset().0, vec![4.0, 9.0]);
    /// assert_eq!(x.trace(1).compute_scalar().unwrap(), 1.0 + 6.0 + 11.0);
    /// ```
    pub fn diagonal(&self, offset: isize, axis1: usize, axis2: usize) -> DArray<T> {
        let nd = self.ndim();
        if axis1 == axis2 || axis1 >= nd || axis2 >= nd {
            return self.failed(Error::invalid(format!(
                "diagonal: axes {axis1} and {axis2} must be two different axes of an array of {nd} dimensions"
            )));
        }
        let mut perm: Vec<usize> = (0..nd).filter(|&d| d != axis1 && d != axis2).collect();
        perm.extend([axis1, axis2]);
        let x = self.permute_axes(&perm);
        let (n1, n2) = (x.shape()[nd - 2], x.shape()[nd - 1]);
        let (r0, c0) = (offset.min(0).unsigned_abs(), offset.max(0) as usize);
        let len = if r0 >= n1 || c0 >= n2 {
            0
        } else {
            (n1 - r0).min(n2 - c0)
        };
        let (row_sizes, col_sizes) = (&x.chunks()[nd - 2], &x.chunks()[nd - 1]);
        let (row_starts, col_starts) = (starts_of(row_sizes), starts_of(col_sizes));
        // Stretches of the diagonal within one row chunk: (first j, length, row chunk).
        let mut segments: Vec<(usize, usize, usize)> = Vec::new();
        let mut j = 0;
        while j < len {
            let rc = chunk_holding(&row_starts, r0 + j);
            let end = (row_starts[rc] + row_sizes[rc] - r0).min(len);
            segments.push((j, end - j, rc));
            j = end;
        }
        let mut chunks: Vec<Vec<usize>> = x.chunks()[..nd - 2].to_vec();
        chunks.push(match segments.is_empty() {
            true => vec![0],
            false => segments.iter().map(|s| s.1).collect(),
        });
        let mut shape = x.shape()[..nd - 2].to_vec();
        shape.push(len);
        let out = Grid::from_parts(shape, chunks);
        let t = Tokenizer::new("diagonal")
            .param(&x.token())
            .param(&offset)
            .finish();
        if len == 0 || out.len() == 0 {
            return x.empty(out, "diagonal", t);
        }
        let input = x.chunk_nodes();
        let in_grid = x.grid.grid_shape();
        let segments = Arc::new(segments);
        let col_starts = Arc::new(col_starts);
        let row_starts = Arc::new(row_starts);
        let nodes = (0..out.n_chunks())
            .map(|c| {
                let pos = out.position(c);
                let (ja, n, rc) = segments[pos[nd - 2]];
                // The column chunks this stretch crosses.
                let (k0, k1) = (
                    chunk_holding(&col_starts, c0 + ja),
                    chunk_holding(&col_starts, c0 + ja + n - 1),
                );
                let deps = (k0..=k1)
                    .map(|k| {
                        let mut src = pos[..nd - 2].to_vec();
                        src.extend([rc, k]);
                        Arc::clone(&input[ravel(&src, &in_grid)])
                    })
                    .collect();
                let (col_starts, row_starts) = (Arc::clone(&col_starts), Arc::clone(&row_starts));
                let chunk_shape = out.chunk(c).1;
                let elements: usize = chunk_shape.iter().product();
                let mut node = Node::new(
                    Key::new("diagonal", t, c as u64),
                    deps,
                    Box::new(move |v| {
                        let parts: Vec<&ArrayD<T>> = v.iter().map(|p| chunk_of::<T>(p)).collect();
                        let a = ArrayD::from_shape_fn(IxDyn(&chunk_shape), |ix| {
                            let j = ja + ix[nd - 2];
                            let col = c0 + j;
                            let k = chunk_holding(&col_starts, col);
                            let mut at = ix.slice()[..nd - 2].to_vec();
                            at.extend([r0 + j - row_starts[rc], col - col_starts[k]]);
                            parts[k - k0][IxDyn(&at)]
                        });
                        Ok(Arc::new(a) as Value)
                    }),
                );
                node.bytes = (elements * T::DTYPE.size()) as u64;
                node.codec = Some(super::expr::chunk_codec::<T>());
                Arc::new(node)
            })
            .collect();
        self.carry(DArray::from_chunks(Arc::new(out), t, "diagonal", nodes))
    }

    /// The sum of the diagonal `offset` of the first two axes (`numpy.trace`), in
    /// [`Element::Acc`].
    pub fn trace(&self, offset: isize) -> DArray<T::Acc> {
        let d = self.diagonal(offset, 0, 1);
        let last = d.ndim().saturating_sub(1);
        d.sum(last)
    }

    /// Each window of `factors[(axis, k)]` elements along its axes reduced to one by
    /// `f` (Dask's `coarsen(reduction, x, {axis: k})`): `x.coarsen(&[(0, 2)], false,
    /// |w| w.sum())` sums pairs of rows. An axis not a multiple of its factor is an
    /// error unless `trim_excess` drops its last elements; chunks are first cut to
    /// multiples of the factors, so each window lies in one chunk.
    ///
    /// ```
    /// let x = chunkwise::array::arange(0.0, 12.0, 1.0, [5]).unwrap();
    /// let y = x.coarsen(&[(0, 3)], false, |w| w.sum());
    /// assert_eq!(y.compute().unwrap().into_raw_vec_and_offset().0, vec![3.0, 12.0, 21.0, 30.0]);
    /// let z = x.coarsen(&[(0, 5)], true, |w| w.iter().cloned().fold(f64::MIN, f64::max));
    /// assert_eq!(z.compute().unwrap().into_raw_vec_and_offset().0, vec![4.0, 9.0]);
    /// ```
    pub fn coarsen<U: Element>(
        &self,
        factors: &[(usize, usize)],
        trim_excess: bool,
        f: impl Fn(ArrayViewD<'_, T>) -> U + Send + Sync + 'static,
    ) -> DArray<U> {
        let mut k = vec![1; self.ndim()];
        for &(axis, factor) in factors {
            if axis >= self.ndim() || factor == 0 {
                return self.carry(DArray::errored(
                    Arc::clone(&self.grid),
                    Error::invalid(format!(
                        "coarsen: factor {factor} for axis {axis} of an array of {} dimensions",
                        self.ndim()
                    )),
                ));
            }
            k[axis] = factor;
        }
        // Trim or refuse the excess, then chunks in whole windows.
        let mut x = self.clone();
        for (d, &kd) in k.iter().enumerate() {
            let n = self.shape()[d];
            if !n.is_multiple_of(kd) {
                if !trim_excess {
                    return self.carry(DArray::errored(
                        Arc::clone(&self.grid),
                        Error::invalid(format!(
                            "coarsen: axis {d} of length {n} is not a multiple of {kd} (trim_excess drops the rest)"
                        )),
                    ));
                }
                let mut index = vec![Idx::ALL; self.ndim()];
                index[d] = Idx::range(0, (n - n % kd) as isize, 1);
                x = x.index(&index);
            }
        }
        let chunks: Vec<Vec<usize>> = x
            .chunks()
            .iter()
            .zip(&k)
            .zip(x.shape())
            .map(|((c, &kd), &n)| {
                if c.iter().all(|s| s.is_multiple_of(kd)) {
                    c.clone()
                } else {
                    let widest = c.iter().copied().max().unwrap_or(kd);
                    super::chunks::split(n, (widest / kd * kd).max(kd))
                }
            })
            .collect();
        let x = x.rechunk_exact(chunks);
        let grid = Grid::from_parts(
            x.shape().iter().zip(&k).map(|(n, kd)| n / kd).collect(),
            x.chunks()
                .iter()
                .zip(&k)
                .map(|(c, kd)| c.iter().map(|s| s / kd).collect())
                .collect(),
        );
        let t = Tokenizer::new("coarsen")
            .param(&x.token())
            .param(&k)
            .sequenced()
            .finish();
        let k2 = k.clone();
        x.blockwise_to(Arc::new(grid), "coarsen", t, move |a| {
            let out: Vec<usize> = a.shape().iter().zip(&k2).map(|(n, kd)| n / kd).collect();
            ArrayD::from_shape_fn(IxDyn(&out), |ix| {
                let window: Vec<ndarray::SliceInfoElem> = ix
                    .slice()
                    .iter()
                    .zip(&k2)
                    .map(|(&i, &kd)| ndarray::Slice::from(i * kd..(i + 1) * kd).into())
                    .collect();
                f(a.slice(window.as_slice()))
            })
        })
    }

    /// The array with at least one dimension (`atleast_1d`: a 0-d array as one element).
    pub fn atleast_1d(&self) -> DArray<T> {
        match self.ndim() {
            0 => self.expand_dims(0),
            _ => self.clone(),
        }
    }

    /// The array with at least three dimensions (`atleast_3d`): a 1-d array of `n` as
    /// `(1, n, 1)`, a 2-d one of `(m, n)` as `(m, n, 1)`, as numpy.
    pub fn atleast_3d(&self) -> DArray<T> {
        match self.ndim() {
            0 | 1 => self.atleast_2d().expand_dims(2),
            2 => self.expand_dims(2),
            _ => self.clone(),
        }
    }

    /// Reversed along the first axis (`flipud`).
    pub fn flipud(&self) -> DArray<T> {
        self.flip(0)
    }

    /// Reversed along the second axis (`fliplr`).
    pub fn fliplr(&self) -> DArray<T> {
        self.flip(1)
    }

    /// Turned `k` quarter turns in the plane of `axes`, from the first axis toward the
    /// second (`rot90`; `k` negative turns the other way).
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// let x = from_array(ndarray::arr2(&[[1.0, 2.0], [3.0, 4.0]]).into_dyn(), [1, 1]).unwrap();
    /// let r = x.rot90(1, (0, 1)).compute().unwrap();
    /// assert_eq!(r, ndarray::arr2(&[[2.0, 4.0], [1.0, 3.0]]).into_dyn());
    /// ```
    pub fn rot90(&self, k: i64, axes: (usize, usize)) -> DArray<T> {
        let (a, b) = axes;
        if a == b || a >= self.ndim() || b >= self.ndim() {
            return self.failed(Error::invalid(format!(
                "rot90: axes {axes:?} must be two different axes of an array of {} dimensions",
                self.ndim()
            )));
        }
        match k.rem_euclid(4) {
            0 => self.clone(),
            1 => self.flip(b).swapaxes(a, b),
            2 => self.flip(a).flip(b),
            _ => self.swapaxes(a, b).flip(b),
        }
    }

    /// Axis `axis` moved to stand before position `start` (`rollaxis`; prefer
    /// [`DArray::moveaxis`], as numpy's documentation does).
    pub fn rollaxis(&self, axis: usize, start: usize) -> DArray<T> {
        if axis >= self.ndim() || start > self.ndim() {
            return self.failed(Error::invalid(format!(
                "rollaxis({axis}, {start}) is out of range for an array of {} dimensions",
                self.ndim()
            )));
        }
        let to = if axis < start { start - 1 } else { start };
        self.moveaxis(axis, to)
    }

    /// numpy's `block` to any depth ([`Blocks`]): the innermost lists join along the
    /// last axis, the lists of those along the one before, and so on; every array is
    /// first given leading axes up to the depth (or the largest number of dimensions
    /// among them). A bare array is itself; lists nested to different depths, or an
    /// empty list, are an error.
    ///
    /// ```
    /// use chunkwise::array::{Blocks, DArray, ones};
    /// let a = ones(&[1, 1, 1], [1, 1, 1]).unwrap();
    /// let cube = Blocks::List(vec![
    ///     Blocks::List(vec![Blocks::List(vec![a.clone().into(), a.clone().into()])]),
    ///     Blocks::List(vec![Blocks::List(vec![a.clone().into(), a.clone().into()])]),
    /// ]);
    /// assert_eq!(DArray::block_nested(&cube).shape(), &[2, 1, 2]);
    /// ```
    pub fn block_nested(blocks: &Blocks<T>) -> DArray<T> {
        fn depth<T: Element>(b: &Blocks<T>) -> Result<usize> {
            match b {
                Blocks::Array(_) => Ok(0),
                Blocks::List(v) if v.is_empty() => {
                    Err(Error::invalid("block: an empty list has no arrays to join"))
                }
                Blocks::List(v) => {
                    let ds = v.iter().map(depth).collect::<Result<Vec<_>>>()?;
                    if ds.iter().any(|&d| d != ds[0]) {
                        return Err(Error::invalid(format!(
                            "block: lists nested to different depths ({ds:?})"
                        )));
                    }
                    Ok(ds[0] + 1)
                }
            }
        }
        fn ndim<T: Element>(b: &Blocks<T>) -> usize {
            match b {
                Blocks::Array(a) => a.ndim(),
                Blocks::List(v) => v.iter().map(ndim).max().unwrap_or(0),
            }
        }
        fn join<T: Element>(b: &Blocks<T>, nd: usize) -> DArray<T> {
            match b {
                Blocks::Array(a) => {
                    let mut a = a.clone();
                    while a.ndim() < nd {
                        a = a.expand_dims(0);
                    }
                    a
                }
                // A list whose arrays sit k lists below joins along axis nd - k.
                Blocks::List(v) => {
                    let parts: Vec<DArray<T>> = v.iter().map(|p| join(p, nd)).collect();
                    let d = b.depth_below();
                    DArray::concatenate(&parts, nd - d)
                }
            }
        }
        let d = match depth(blocks) {
            Ok(d) => d,
            Err(e) => {
                let any = blocks.first_array();
                return any.failed(e);
            }
        };
        if d == 0 {
            return blocks.first_array();
        }
        let nd = ndim(blocks).max(d);
        join(blocks, nd)
    }

    /// Arrays joined as a grid of blocks (numpy's and Dask's `block` with two levels of
    /// nesting): each row's arrays along the last axis, the rows along the one before.
    /// Arrays of fewer dimensions gain leading axes first, to at least two.
    ///
    /// ```
    /// use chunkwise::array::{DArray, ones, zeros};
    /// let a = ones(&[2, 2], [1, 1]).unwrap();
    /// let b = zeros(&[2, 3], [2, 2]).unwrap();
    /// let c = zeros(&[1, 5], [1, 5]).unwrap();
    /// let m = DArray::block(&[vec![a, b], vec![c]]);
    /// assert_eq!(m.shape(), &[3, 5]);
    /// assert_eq!(m.sum(None).compute_scalar().unwrap(), 4.0);
    /// ```
    pub fn block(rows: &[Vec<DArray<T>>]) -> DArray<T> {
        let nd = rows
            .iter()
            .flatten()
            .map(DArray::ndim)
            .max()
            .unwrap_or(0)
            .max(2);
        let lift = |a: &DArray<T>| {
            let mut a = a.clone();
            while a.ndim() < nd {
                a = a.expand_dims(0);
            }
            a
        };
        let joined: Vec<DArray<T>> = rows
            .iter()
            .map(|r| Self::concatenate(&r.iter().map(lift).collect::<Vec<_>>(), nd - 1))
            .collect();
        Self::concatenate(&joined, nd - 2)
    }

    /// Joins along the first axis, 1-d arrays as rows (`vstack`).
    pub fn vstack(arrays: &[DArray<T>]) -> DArray<T> {
        let rows: Vec<DArray<T>> = arrays.iter().map(DArray::atleast_2d).collect();
        Self::concatenate(&rows, 0)
    }

    /// Joins along the second axis, 1-d arrays along their only one (`hstack`).
    pub fn hstack(arrays: &[DArray<T>]) -> DArray<T> {
        let axis = usize::from(arrays.first().is_some_and(|a| a.ndim() > 1));
        Self::concatenate(arrays, axis)
    }

    /// Joins along the third axis, lower-dimensional arrays made 3-d first (`dstack`).
    pub fn dstack(arrays: &[DArray<T>]) -> DArray<T> {
        let three: Vec<DArray<T>> = arrays
            .iter()
            .map(|a| match a.ndim() {
                0 | 1 => a.atleast_2d().expand_dims(2),
                2 => a.expand_dims(2),
                _ => a.clone(),
            })
            .collect();
        Self::concatenate(&three, 2)
    }

    /// The arrays broadcast to their common shape (`broadcast_arrays`).
    pub fn broadcast_arrays(arrays: &[DArray<T>]) -> Vec<DArray<T>> {
        let Some(first) = arrays.first() else {
            return Vec::new();
        };
        // The shape and chunks every one aligns to, found by aligning with each.
        let mut acc = first.clone();
        for a in &arrays[1..] {
            acc = acc.aligned(a).0;
        }
        arrays.iter().map(|a| a.aligned(&acc).0).collect()
    }
}

/// Coordinate arrays from 1-d arrays (`meshgrid`, `indexing="xy"`: the first varies
/// along the columns).
pub fn meshgrid<T: Element>(xs: &[DArray<T>]) -> Vec<DArray<T>> {
    meshgrid_with(xs, false, false)
}

/// Coordinate arrays (`numpy.meshgrid(*xs, indexing=, sparse=)`): input `i`
/// (flattened) varies along axis `i` (`ij`; with `ij` false, "xy", the first two
/// swap); every axis is chunked as its input, as Dask's. `sparse`: each output keeps
/// length 1 along the other axes, to broadcast against the others.
///
/// ```
/// use chunkwise::array::{arange, meshgrid_with};
/// let (x, y) = (arange(0.0, 2.0, 1.0, [1]).unwrap(), arange(0.0, 3.0, 1.0, [2]).unwrap());
/// let g = meshgrid_with(&[x.clone(), y.clone()], true, false);
/// assert_eq!(g[0].shape(), &[2, 3]);
/// assert_eq!(g[1].chunks(), &[vec![1, 1], vec![2, 1]]);
/// let s = meshgrid_with(&[x, y], true, true);
/// assert_eq!((s[0].shape(), s[1].shape()), (&[2, 1][..], &[1, 3][..]));
/// ```
pub fn meshgrid_with<T: Element>(xs: &[DArray<T>], ij: bool, sparse: bool) -> Vec<DArray<T>> {
    let n = xs.len();
    let flat: Vec<DArray<T>> = xs.iter().map(|x| x.ravel()).collect();
    let mut axis_of: Vec<usize> = (0..n).collect();
    if !ij && n >= 2 {
        axis_of.swap(0, 1);
    }
    let mut shape = vec![0; n];
    let mut chunks = vec![Vec::new(); n];
    for (x, &a) in flat.iter().zip(&axis_of) {
        shape[a] = x.len();
        chunks[a] = x.chunks()[0].clone();
    }
    flat.into_iter()
        .zip(&axis_of)
        .map(|(x, &a)| {
            let mut v = x;
            for d in (0..n).filter(|&d| d != a) {
                v = v.expand_dims(d);
            }
            if sparse {
                v
            } else {
                v.broadcast_to(&shape, chunks.clone())
            }
        })
        .collect()
}

/// What [`ravel_multi_index`] does with an index outside its dimension (numpy's
/// `mode=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RavelMode {
    /// An error naming the index and the dimension.
    Raise,
    /// Counted modulo the dimension.
    Wrap,
    /// Clipped into the dimension.
    Clip,
}

/// Flat positions in an array of shape `dims` from their coordinates, one row of
/// `multi` per dimension (`numpy.ravel_multi_index`; `fortran`: column-major order;
/// `modes`: one for every dimension, or one per dimension). The result has the shape
/// of `multi` less its first axis.
///
/// ```
/// use chunkwise::array::{RavelMode, from_array, ravel_multi_index};
/// let m = from_array(ndarray::arr2(&[[3i64, 6, 6], [4, 5, 1]]).into_dyn(), [2, 2]).unwrap();
/// let flat = ravel_multi_index(&m, &[7, 6], false, &[RavelMode::Raise]);
/// assert_eq!(flat.compute().unwrap().into_raw_vec_and_offset().0, vec![22, 41, 37]);
/// ```
pub fn ravel_multi_index(
    multi: &DArray<i64>,
    dims: &[usize],
    fortran: bool,
    modes: &[RavelMode],
) -> DArray<i64> {
    let nd = dims.len();
    if multi.ndim() == 0 || multi.shape()[0] != nd || !(modes.len() == 1 || modes.len() == nd) {
        return multi.failed(Error::invalid(format!(
            "ravel_multi_index: coordinates of shape {:?} and {} modes for {nd} dimensions {dims:?}",
            multi.shape(),
            modes.len()
        )));
    }
    let dims = dims.to_vec();
    let modes: Vec<RavelMode> = (0..nd).map(|d| modes[d.min(modes.len() - 1)]).collect();
    // Each position's stride: the last dimension varies fastest (C) or the first (F).
    let mut strides = vec![1i64; nd];
    let order: Vec<usize> = if fortran {
        (0..nd).collect()
    } else {
        (0..nd).rev().collect()
    };
    let mut acc = 1i64;
    for &d in &order {
        strides[d] = acc;
        acc *= dims[d] as i64;
    }
    let mut whole = multi.chunks().to_vec();
    whole[0] = vec![nd];
    let x = multi.rechunk(Chunks::Explicit(whole));
    let opts = super::BlockMap::new().drop_axis(&[0]);
    x.try_map_blocks_opts(&[], &opts, move |b, _| {
        let b = &b[0];
        let mut out = ArrayD::<i64>::zeros(IxDyn(&b.shape()[1..]));
        for (d, coords) in b.outer_iter().enumerate() {
            let n = dims[d] as i64;
            for (o, &c) in out.iter_mut().zip(coords.iter()) {
                let c = match modes[d] {
                    _ if (0..n).contains(&c) => c,
                    RavelMode::Wrap if n > 0 => c.rem_euclid(n),
                    RavelMode::Clip => c.clamp(0, (n - 1).max(0)),
                    _ => {
                        return Err(Error::invalid(format!(
                            "ravel_multi_index: index {c} is out of bounds for dimension {d} of size {n}"
                        )));
                    }
                };
                *o += c * strides[d];
            }
        }
        Ok(out)
    })
}

/// The coordinates in an array of shape `shape` of flat positions (`numpy.unravel_index`;
/// `fortran`: column-major order), one array per dimension, each of the positions'
/// shape. A position outside the array fails the computation, naming it.
///
/// ```
/// use chunkwise::array::{from_array, unravel_index};
/// let f = from_array(ndarray::arr1(&[22i64, 41, 37]).into_dyn(), [2]).unwrap();
/// let ix = unravel_index(&f, &[7, 6], false);
/// assert_eq!(ix[0].compute().unwrap().into_raw_vec_and_offset().0, vec![3, 6, 6]);
/// assert_eq!(ix[1].compute().unwrap().into_raw_vec_and_offset().0, vec![4, 5, 1]);
/// ```
pub fn unravel_index(indices: &DArray<i64>, shape: &[usize], fortran: bool) -> Vec<DArray<i64>> {
    let total: i64 = shape.iter().map(|&n| n as i64).product();
    let nd = shape.len();
    (0..nd)
        .map(|d| {
            // The stride of dimension d and its size.
            let (stride, size) = {
                let rest: Vec<usize> = if fortran { (0..d).collect() } else { (d + 1..nd).collect() };
                (rest.iter().map(|&r| shape[r] as i64).product::<i64>(), shape[d] as i64)
            };
            indices.try_map_blocks_opts(&[], &super::BlockMap::new(), move |b, _| {
                b[0].iter()
                    .map(|&f| {
                        if !(0..total).contains(&f) {
                            return Err(Error::invalid(format!(
                                "unravel_index: index {f} is out of bounds for an array of size {total}"
                            )));
                        }
                        Ok((f / stride) % size)
                    })
                    .collect::<Result<Vec<i64>>>()
                    .map(|v| ArrayD::from_shape_vec(b[0].raw_dim(), v).expect("same shape"))
            })
        })
        .collect()
}

/// The row and column indices of the lower triangle of an `n x m` array, diagonal `k`
/// and below, in row-major order (`numpy.tril_indices(n, k, m)`), in `chunks`. Lazy:
/// each chunk finds its rows from the rows' counts.
///
/// ```
/// let (r, c) = chunkwise::array::tril_indices(3, 0, 3, [4]).unwrap();
/// assert_eq!(r.compute().unwrap().into_raw_vec_and_offset().0, vec![0, 1, 1, 2, 2, 2]);
/// assert_eq!(c.compute().unwrap().into_raw_vec_and_offset().0, vec![0, 0, 1, 0, 1, 2]);
/// ```
pub fn tril_indices(
    n: usize,
    k: isize,
    m: usize,
    chunks: impl Into<Chunks>,
) -> Result<(DArray<i64>, DArray<i64>)> {
    // Row i keeps columns 0 ..= i + k.
    triangle_indices("tril_indices", n, m, k, chunks.into(), move |i| {
        (0, (i + k + 1).clamp(0, m as isize) as usize)
    })
}

/// The upper triangle's indices, diagonal `k` and above (`numpy.triu_indices(n, k, m)`).
pub fn triu_indices(
    n: usize,
    k: isize,
    m: usize,
    chunks: impl Into<Chunks>,
) -> Result<(DArray<i64>, DArray<i64>)> {
    // Row i keeps columns i + k .. m.
    triangle_indices("triu_indices", n, m, k, chunks.into(), move |i| {
        let first = (i + k).clamp(0, m as isize) as usize;
        (first, m - first)
    })
}

/// The positions of an `n x m` grid, row `i` keeping `span(i) = (first column,
/// count)`, row-major, as two 1-d arrays of their rows and columns.
fn triangle_indices(
    name: &'static str,
    n: usize,
    m: usize,
    k: isize,
    chunks: Chunks,
    span: impl Fn(isize) -> (usize, usize) + Send + Sync + 'static,
) -> Result<(DArray<i64>, DArray<i64>)> {
    // Where each row's positions start in the output.
    let mut starts = Vec::with_capacity(n + 1);
    starts.push(0usize);
    for i in 0..n {
        starts.push(starts[i] + span(i as isize).1);
    }
    let len = starts[n];
    let g = Arc::new(Grid::resolve(&[len], &chunks, 8, None)?);
    let t = Tokenizer::new(name).param(&(n, m, k)).param(&*g).finish();
    let starts = Arc::new(starts);
    let span = Arc::new(span);
    let part = |col: bool| {
        let (starts, span) = (Arc::clone(&starts), Arc::clone(&span));
        chunk_tasks(Arc::clone(&g), name, t ^ u64::from(col), move |_, o, s| {
            // The row holding position o[0], then every position of the chunk in turn.
            let mut row = starts.partition_point(|&p| p <= o[0]) - 1;
            let mut out = Vec::with_capacity(s[0]);
            for p in o[0]..o[0] + s[0] {
                while p >= starts[row + 1] {
                    row += 1;
                }
                let (first, _) = span(row as isize);
                out.push(if col {
                    (first + p - starts[row]) as i64
                } else {
                    row as i64
                });
            }
            Ok(ArrayD::from_shape_vec(IxDyn(s), out).expect("1-d"))
        })
    };
    Ok((part(false), part(true)))
}

/// Arrays nested in lists, for [`DArray::block_nested`] (numpy's `block` argument).
#[derive(Clone, Debug)]
pub enum Blocks<T: Element> {
    /// One array.
    Array(DArray<T>),
    /// A list of blocks, each nested as deep as the others.
    List(Vec<Blocks<T>>),
}

impl<T: Element> From<DArray<T>> for Blocks<T> {
    fn from(a: DArray<T>) -> Self {
        Blocks::Array(a)
    }
}

impl<T: Element> Blocks<T> {
    /// How many lists deep this block's arrays sit (0 for an array).
    fn depth_below(&self) -> usize {
        match self {
            Blocks::Array(_) => 0,
            Blocks::List(v) => 1 + v.first().map_or(0, Blocks::depth_below),
        }
    }

    /// The first array in it (to carry an error), or an empty 0-d stand-in.
    fn first_array(&self) -> DArray<T> {
        match self {
            Blocks::Array(a) => a.clone(),
            Blocks::List(v) => v.first().map_or_else(
                || {
                    DArray::errored(
                        Arc::new(Grid::from_parts(vec![0], vec![vec![0]])),
                        Error::invalid("block: an empty list has no arrays to join"),
                    )
                },
                Blocks::first_array,
            ),
        }
    }
}

/// The spacing along an axis for [`DArray::gradient`] (numpy's `varargs`).
#[derive(Clone, Debug, PartialEq)]
pub enum Spacing {
    /// Even steps of this size.
    Step(f64),
    /// The coordinate of every position along the axis.
    Coords(Vec<f64>),
}
