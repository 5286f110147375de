//! Selections whose sizes depend on the data: boolean masks (`x[m]`), `compress`,
//! `argwhere`/`nonzero`, and `unique`/`bincount`; and the lookups `isin`,
//! `searchsorted`, `digitize`.
//!
//! Dask gives a masked array chunks of unknown size (NaN) until
//! `compute_chunk_sizes()`; here the sizes are counted when the selection is built
//! (a run over the mask alone, as Dask's `compute_chunk_sizes`, only the counts kept),
//! so the result is an ordinary array every operation accepts. The mask is computed
//! twice (once to count, once to select): persist it first when it is costly.
//! `unique` and `bincount`, whose lengths are the answer itself, are lazy
//! [`Delayed`] values.

use std::cmp::Ordering;
use std::sync::Arc;

use ndarray::{Array1, ArrayD, ArrayViewD, Axis, IxDyn};

use super::chunks::starts_of;
use super::chunks::{Grid, unravel};
use super::expr::chunk_codec;
use super::impl_blockwise::common_chunks;
use super::impl_reduce::{Tree, tree};
use super::{DArray, Element, chunk_of};
use crate::delayed::Delayed;
use crate::graph::{Key, Node, Tokenizer, Value};
use crate::{Error, Result};

/// Which end of a run of equal values `searchsorted` returns (numpy's `side`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The first index where the value could be inserted (`a[i-1] < v <= a[i]`).
    Left,
    /// The last (`a[i-1] <= v < a[i]`).
    Right,
}

/// `a < b` with NaN greater than every number (numpy's sort order).
fn less<T: Element>(a: T, b: T) -> bool {
    match (a.is_nan(), b.is_nan()) {
        (false, true) => true,
        (_, true) | (true, false) => false,
        _ => a < b,
    }
}

fn order<T: Element>(a: &T, b: &T) -> Ordering {
    if less(*a, *b) {
        Ordering::Less
    } else if less(*b, *a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// The insertion point of `v` in `sorted` (ascending, NaN last).
fn insertion<T: Element>(sorted: &[T], v: T, side: Side) -> usize {
    match side {
        Side::Left => sorted.partition_point(|&s| less(s, v)),
        Side::Right => sorted.partition_point(|&s| !less(v, s)),
    }
}

/// numpy's `searchsorted`: for each value of `v`, where it would go in `sorted`
/// (ascending; NaN sorts last) to keep it sorted, as `i64`. `sorted` is in memory
/// (Dask's also computes it whole).
///
/// ```
/// use chunkwise::array::{Side, from_array, searchsorted};
/// use ndarray::{ArrayD, IxDyn};
/// let v = from_array(ArrayD::from_shape_vec(IxDyn(&[5]), vec![0.5, 1.0, 2.5, 3.0, 9.0]).unwrap(), [2]).unwrap();
/// let left = searchsorted(&[1.0, 2.0, 3.0], &v, Side::Left).compute().unwrap();
/// assert_eq!(left.into_raw_vec_and_offset().0, vec![0, 0, 2, 2, 3]);
/// let right = searchsorted(&[1.0, 2.0, 3.0], &v, Side::Right).compute().unwrap();
/// assert_eq!(right.into_raw_vec_and_offset().0, vec![0, 1, 2, 3, 3]);
/// ```
pub fn searchsorted<T: Element>(sorted: &[T], v: &DArray<T>, side: Side) -> DArray<i64> {
    if let Some(i) = (1..sorted.len()).find(|&i| less(sorted[i], sorted[i - 1])) {
        return v.carry(DArray::errored(
            Arc::clone(&v.grid),
            Error::invalid(format!(
                "searchsorted: the sorted values are not ascending at index {i} ({:?} after {:?})",
                sorted[i],
                sorted[i - 1]
            )),
        ));
    }
    let a: Arc<[T]> = sorted.into();
    let token = Tokenizer::new("searchsorted")
        .param(&v.token())
        .param(&format!("{sorted:?}{side:?}"))
        .finish();
    v.blockwise("searchsorted", token, move |x| {
        x.mapv(|e| insertion(&a, e, side) as i64)
    })
}

impl<T: Element> DArray<T> {
    /// numpy's `isin`: whether each element is one of `values` (NaN is in nothing).
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// use ndarray::{ArrayD, IxDyn};
    /// let x = from_array(ArrayD::from_shape_vec(IxDyn(&[4]), vec![3i32, 1, 4, 1]).unwrap(), [3]).unwrap();
    /// let got = x.isin(&[1, 5]).compute().unwrap();
    /// assert_eq!(got.into_raw_vec_and_offset().0, vec![false, true, false, true]);
    /// ```
    pub fn isin(&self, values: &[T]) -> DArray<bool> {
        let mut v: Vec<T> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        v.sort_unstable_by(order);
        let token = Tokenizer::new("isin")
            .param(&self.token())
            .param(&format!("{v:?}"))
            .finish();
        let v: Arc<[T]> = v.into();
        self.blockwise("isin", token, move |x| {
            x.mapv(|e| !e.is_nan() && v.binary_search_by(|s| order(s, &e)).is_ok())
        })
    }

    /// numpy's `digitize`: the index of the bin of each element, as `i64`, for `bins`
    /// increasing or decreasing. With increasing bins, `i` such that
    /// `bins[i-1] <= x < bins[i]` (`right` false) or `bins[i-1] < x <= bins[i]`
    /// (`right` true); 0 below the first edge, `bins.len()` above the last.
    pub fn digitize(&self, bins: &[T], right: bool) -> DArray<i64> {
        let increasing = bins.windows(2).all(|w| !less(w[1], w[0]));
        let decreasing = bins.windows(2).all(|w| !less(w[0], w[1]));
        if !increasing && !decreasing {
            return self.carry(DArray::errored(
                Arc::clone(&self.grid),
                Error::invalid("digitize: bins must be monotonically increasing or decreasing"),
            ));
        }
        let side = if right { Side::Left } else { Side::Right };
        if increasing {
            return searchsorted(bins, self, side);
        }
        // Decreasing: numpy's len - searchsorted(reversed bins, x, the same side).
        let rev: Vec<T> = bins.iter().rev().copied().collect();
        let n = bins.len() as i64;
        let token = Tokenizer::new("digitize")
            .param(&self.token())
            .param(&format!("{bins:?}{right}"))
            .finish();
        let a: Arc<[T]> = rev.into();
        self.blockwise("digitize", token, move |x| {
            x.mapv(|e| n - insertion(&a, e, side) as i64)
        })
    }

    /// The elements where `mask` is true, as numpy's `x[mask]`: `mask` has this
    /// array's shape and the result is 1-d, in row-major order (arrays of several
    /// dimensions are raveled first, as Dask does to keep that order). The sizes of
    /// the result's chunks are counted now (see the module's note).
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// use ndarray::{ArrayD, IxDyn};
    /// let a = ArrayD::from_shape_fn(IxDyn(&[3, 4]), |i| (i[0] * 4 + i[1]) as f64);
    /// let x = from_array(a, [2, 3]).unwrap();
    /// let big = x.mask(&x.gt(6.0));
    /// assert_eq!(big.shape(), &[5]);
    /// assert_eq!(big.compute().unwrap().into_raw_vec_and_offset().0, vec![7.0, 8.0, 9.0, 10.0, 11.0]);
    /// assert_eq!(big.sum(None).compute_scalar().unwrap(), 45.0);
    /// ```
    pub fn mask(&self, mask: &DArray<bool>) -> DArray<T> {
        if let Some(e) = &mask.error {
            return self.failed(Error::Shared(Arc::clone(e)));
        }
        if mask.shape() != self.shape() {
            return self.failed(Error::invalid(format!(
                "mask of shape {:?} does not match the array's shape {:?}",
                mask.shape(),
                self.shape()
            )));
        }
        match self.ndim() {
            0 => self.expand_dims(0).compress(&mask.expand_dims(0), 0),
            1 => self.compress(mask, 0),
            _ => self.ravel().compress(&mask.ravel(), 0),
        }
    }

    /// numpy's `compress`: the slices along `axis` where the 1-d `condition` is true
    /// (`x[:, cond]` for axis 1). The sizes along `axis` are counted now.
    pub fn compress(&self, condition: &DArray<bool>, axis: usize) -> DArray<T> {
        match self.try_compress(condition, axis) {
            Ok(x) => x,
            Err(e) => self.failed(e),
        }
    }

    fn try_compress(&self, condition: &DArray<bool>, axis: usize) -> Result<DArray<T>> {
        if let Some(e) = self.error.as_ref().or(condition.error.as_ref()) {
            return Err(Error::Shared(Arc::clone(e)));
        }
        let axis = self.grid.axis(axis)?;
        if condition.ndim() != 1 || condition.len() != self.shape()[axis] {
            return Err(Error::invalid(format!(
                "compress: the condition of shape {:?} is not 1-d of the length of axis {axis} ({}) of shape {:?}",
                condition.shape(),
                self.shape()[axis],
                self.shape()
            )));
        }
        let cuts = common_chunks(&self.chunks()[axis], &condition.chunks()[0]);
        let mut chunks = self.chunks().to_vec();
        chunks[axis] = cuts.clone();
        let x = self.rechunk_exact(chunks);
        let c = condition.rechunk_exact(vec![cuts]);
        let counts = true_counts(&c)?;
        let (nx, nc) = (x.chunk_nodes(), c.chunk_nodes());
        let token = Tokenizer::new("compress")
            .param(&x.token())
            .param(&c.token())
            .param(&axis)
            .finish();
        let mut out = (*x.grid).clone();
        out.set_axis(axis, counts);
        let nodes = (0..out.n_chunks())
            .map(|i| {
                let (_, shape) = out.chunk(i);
                let j = out.position(i)[axis];
                let mut node = Node::new(
                    Key::new("compress", token, i as u64),
                    vec![Arc::clone(&nx[i]), Arc::clone(&nc[j])],
                    Box::new(move |v| {
                        let keep: Vec<usize> = chunk_of::<bool>(&v[1])
                            .iter()
                            .enumerate()
                            .filter_map(|(k, &b)| b.then_some(k))
                            .collect();
                        Ok(Arc::new(chunk_of::<T>(&v[0]).select(Axis(axis), &keep)) as Value)
                    }),
                );
                node.bytes = (shape.iter().product::<usize>() * T::DTYPE.size()) as u64;
                node.codec = Some(chunk_codec::<T>());
                Arc::new(node)
            })
            .collect();
        Ok(DArray::from_chunks(Arc::new(out), token, "compress", nodes))
    }

    /// The sorted distinct values (numpy's `unique`; NaNs as one value, last), lazy:
    /// each chunk's distinct values merged in a tree.
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// use ndarray::{ArrayD, IxDyn};
    /// let x = from_array(ArrayD::from_shape_vec(IxDyn(&[6]), vec![3i64, 1, 3, 2, 1, 3]).unwrap(), [4]).unwrap();
    /// assert_eq!(x.unique().compute().unwrap().to_vec(), vec![1, 2, 3]);
    /// ```
    pub fn unique(&self) -> Delayed<Array1<T>> {
        let x = if self.ndim() == 0 {
            self.expand_dims(0)
        } else {
            self.clone()
        };
        let token = Tokenizer::new("unique").param(&x.token()).finish();
        whole(
            &x,
            "unique",
            token,
            |c: ArrayViewD<'_, T>| {
                let mut v: Vec<T> = c.iter().copied().collect();
                v.sort_unstable_by(order);
                v.dedup_by(|a, b| order(a, b) == Ordering::Equal);
                Array1::from(v).into_dyn()
            },
            |p: &mut ArrayD<T>, q: &ArrayD<T>| {
                let mut v: Vec<T> = p.iter().chain(q.iter()).copied().collect();
                v.sort_by(order);
                v.dedup_by(|a, b| order(a, b) == Ordering::Equal);
                *p = Array1::from(v).into_dyn();
            },
        )
    }
}

/// numpy's `unique(x, return_index=True, return_inverse=True, return_counts=True)`,
/// each part lazy ([`DArray::unique_all`]).
#[derive(Clone, Debug)]
pub struct UniqueAll<T> {
    /// The sorted distinct values (numpy's order: NaN last).
    pub values: Delayed<Array1<T>>,
    /// Where each value first occurs in the flattened array.
    pub index: Delayed<Array1<i64>>,
    /// For each element of the flattened array, its value's place in `values`.
    pub inverse: DArray<i64>,
    /// How many times each value occurs.
    pub counts: Delayed<Array1<i64>>,
}

impl<T: Element> DArray<T> {
    /// The distinct values with where each first occurs, each element's place among
    /// them and their counts (numpy's `unique` with `return_index`, `return_inverse`
    /// and `return_counts`; the inverse is of the flattened array, as Dask's). The
    /// values merge in a tree; the inverse is one task per chunk once they are known;
    /// the first places and the counts are merged from the inverse's chunks.
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// let x = from_array(ndarray::arr1(&[1i64, 2, 4, 4, 5, 2]).into_dyn(), [3]).unwrap();
    /// let u = x.unique_all();
    /// assert_eq!(u.values.compute().unwrap().to_vec(), vec![1, 2, 4, 5]);
    /// assert_eq!(u.index.compute().unwrap().to_vec(), vec![0, 1, 2, 4]);
    /// assert_eq!(u.inverse.compute().unwrap().into_raw_vec_and_offset().0, vec![0, 1, 2, 2, 3, 1]);
    /// assert_eq!(u.counts.compute().unwrap().to_vec(), vec![1, 2, 2, 1]);
    /// ```
    pub fn unique_all(&self) -> UniqueAll<T> {
        let values = self.unique();
        let flat = self.ravel();
        let token = Tokenizer::new("unique_inverse")
            .param(&flat.token())
            .finish();
        let inputs = flat.chunk_nodes();
        let nodes: Vec<Arc<Node>> = (0..flat.n_chunks())
            .map(|c| {
                let mut node = Node::new(
                    Key::new("unique_inverse", token, c as u64),
                    vec![Arc::clone(&inputs[c]), Arc::clone(&values.node)],
                    Box::new(|v| {
                        let u = v[1].downcast_ref::<Array1<T>>().ok_or_else(|| {
                            Error::Internal("unique values of another type".into())
                        })?;
                        let u = u.as_slice().expect("a vector is contiguous");
                        let inv = chunk_of::<T>(&v[0])
                            .mapv(|x| u.partition_point(|y| order(y, &x) == Ordering::Less) as i64);
                        Ok(Arc::new(inv) as Value)
                    }),
                );
                node.bytes = (flat.grid.chunk_shape(c)[0] * 8) as u64;
                node.codec = Some(chunk_codec::<i64>());
                Arc::new(node)
            })
            .collect();
        let inverse = self.carry(DArray::from_chunks(
            Arc::clone(&flat.grid),
            token,
            "unique_inverse",
            nodes,
        ));
        // The first place of each value: the least flat position per value id, chunk
        // by chunk, then the least of those.
        let starts = flat.grid.starts()[0].clone();
        let firsts: Vec<Delayed<Vec<i64>>> = inverse
            .chunk_nodes()
            .iter()
            .enumerate()
            .map(|(c, n)| {
                let start = starts[c] as i64;
                Delayed::from_fn(
                    "unique_index",
                    vec![Arc::clone(n)],
                    Box::new(move |v| {
                        let inv = chunk_of::<i64>(&v[0]);
                        let len = inv.iter().max().map_or(0, |&m| m as usize + 1);
                        let mut first = vec![i64::MAX; len];
                        for (i, &id) in inv.iter().enumerate() {
                            let f = &mut first[id as usize];
                            *f = (*f).min(start + i as i64);
                        }
                        Ok(Arc::new(first) as Value)
                    }),
                )
            })
            .collect();
        let index = crate::delayed::collect(&firsts).map(|parts| {
            let len = parts.iter().map(Vec::len).max().unwrap_or(0);
            let mut first = vec![i64::MAX; len];
            for p in parts {
                for (f, &q) in first.iter_mut().zip(p) {
                    *f = (*f).min(q);
                }
            }
            Array1::from(first)
        });
        let counts = inverse.bincount(0);
        UniqueAll {
            values,
            index,
            inverse,
            counts,
        }
    }
}

impl<T: Element> DArray<T> {
    /// The positions of the nonzero elements of the flattened array (`flatnonzero`).
    ///
    /// ```
    /// let x = chunkwise::array::from_array(ndarray::arr2(&[[0, 3], [5, 0]]).into_dyn(), [1, 1]).unwrap();
    /// assert_eq!(x.flatnonzero().compute().unwrap().into_raw_vec_and_offset().0, vec![1, 2]);
    /// ```
    pub fn flatnonzero(&self) -> DArray<i64> {
        let t = Tokenizer::new("flatnonzero").param(&self.token()).finish();
        let zero = T::default();
        let nonzero = self
            .ravel()
            .blockwise("nonzero", t, move |a| a.mapv(|v| v != zero));
        nonzero.nonzero().swap_remove(0)
    }

    /// The sorted distinct values found in either array, both flattened
    /// (`numpy.union1d`), lazy as [`unique`](Self::unique).
    pub fn union1d(&self, other: &DArray<T>) -> Delayed<Array1<T>> {
        DArray::concatenate(&[self.ravel(), other.ravel()], 0).unique()
    }

    /// numpy's `bincount` of non-negative integers: `out[v]` is how many elements
    /// equal `v`, `out` at least `minlength` long; lazy. A negative value (or a float
    /// array's element that is not a whole non-negative number) fails the run, naming
    /// the value.
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// use ndarray::{ArrayD, IxDyn};
    /// let x = from_array(ArrayD::from_shape_vec(IxDyn(&[5]), vec![0u8, 3, 1, 3, 3]).unwrap(), [2]).unwrap();
    /// assert_eq!(x.bincount(6).compute().unwrap().to_vec(), vec![1, 1, 0, 3, 0, 0]);
    /// ```
    pub fn bincount(&self, minlength: usize) -> Delayed<Array1<i64>> {
        self.bincount_by(None::<&DArray<T>>, minlength)
    }

    /// numpy's `bincount(x, weights)`: `out[v]` is the sum (`f64`, as numpy's) of the
    /// weights of the elements equal to `v`, `out` at least `minlength` long; lazy.
    /// `weights` has `x`'s shape and chunks (as Dask asks; rechunk them to match), else
    /// the value fails naming both; values as [`DArray::bincount`].
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// use ndarray::{ArrayD, IxDyn};
    /// let x = from_array(ArrayD::from_shape_vec(IxDyn(&[4]), vec![0u8, 3, 1, 3]).unwrap(), [2]).unwrap();
    /// let w = from_array(ArrayD::from_shape_vec(IxDyn(&[4]), vec![0.5f32, 1.0, 2.0, 0.25]).unwrap(), [2]).unwrap();
    /// assert_eq!(x.bincount_weighted(&w, 5).compute().unwrap().to_vec(), vec![0.5, 2.0, 0.0, 1.25, 0.0]);
    /// ```
    pub fn bincount_weighted<W: Element>(
        &self,
        weights: &DArray<W>,
        minlength: usize,
    ) -> Delayed<Array1<f64>> {
        if self.shape() != weights.shape() || self.chunks() != weights.chunks() {
            return lazy(Err(Error::invalid(format!(
                "bincount: weights of shape {:?} and chunks {:?} do not match x's {:?} and {:?}",
                weights.shape(),
                weights.chunks(),
                self.shape(),
                self.chunks()
            ))));
        }
        self.bincount_by(Some(weights), minlength)
    }

    /// `bincount` counting each element as its weight (`A`), or as one without weights.
    fn bincount_by<W: Element, A: Element>(
        &self,
        weights: Option<&DArray<W>>,
        minlength: usize,
    ) -> Delayed<Array1<A>> {
        // A 0-d array counts as one element.
        let (x, w) = match self.ndim() {
            0 => (self.expand_dims(0), weights.map(|w| w.expand_dims(0))),
            _ => (self.clone(), weights.cloned()),
        };
        let mut t = Tokenizer::new("bincount").param(&x.token());
        if let Some(w) = &w {
            t = t.param(&w.token()).param(&A::DTYPE);
        }
        let token = t.param(&minlength).finish();
        // A partial is the sums, and [values not counted, the first of them].
        type Partial<A> = (ArrayD<A>, ArrayD<f64>);
        let chunk = |c: &[ArrayViewD<'_, T>], w: Option<ArrayViewD<'_, W>>| -> Partial<A> {
            let mut sums: Vec<A> = Vec::new();
            let mut bad = [0.0, 0.0];
            let mut weights = w
                .into_iter()
                .flat_map(|w| w.into_iter().map(|&v| v.cast::<A>()));
            for &v in c[0].iter() {
                let weight = weights.next().unwrap_or(A::from_i128(1));
                let f = v.to_f64();
                if f >= 0.0 && f.fract() == 0.0 {
                    let k = v.to_i128() as usize;
                    if sums.len() <= k {
                        sums.resize(k + 1, A::default());
                    }
                    sums[k] = sums[k].add(weight);
                } else {
                    if bad[0] == 0.0 {
                        bad[1] = f;
                    }
                    bad[0] += 1.0;
                }
            }
            (
                Array1::from(sums).into_dyn(),
                Array1::from(bad.to_vec()).into_dyn(),
            )
        };
        let combine = |p: &mut Partial<A>, q: &Partial<A>| {
            let (a, b) = (p.0.as_slice().expect("1-d"), q.0.as_slice().expect("1-d"));
            let zero = A::default();
            let v: Vec<A> = (0..a.len().max(b.len()))
                .map(|k| a.get(k).unwrap_or(&zero).add(*b.get(k).unwrap_or(&zero)))
                .collect();
            p.0 = Array1::from(v).into_dyn();
            let (bad, more) = (
                p.1.as_slice_mut().expect("1-d"),
                q.1.as_slice().expect("1-d"),
            );
            if bad[0] == 0.0 {
                bad[1] = more[1];
            }
            bad[0] += more[0];
        };
        let finish = move |p: &Partial<A>| {
            let bad = p.1.as_slice().expect("1-d");
            if bad[0] > 0.0 {
                return Err(Error::invalid(format!(
                    "bincount: {} values are negative or not whole numbers (the first: {})",
                    bad[0], bad[1]
                )));
            }
            let mut v = p.0.iter().copied().collect::<Vec<A>>();
            if v.len() < minlength {
                v.resize(minlength, A::default());
            }
            Ok(Array1::from(v).into_dyn())
        };
        let how = Tree {
            name: "bincount",
            token,
            split_every: 8,
            keepdims: true,
            combine: Arc::new(combine),
            finish: Arc::new(finish),
        };
        lazy(merged(&[&x], w.as_ref(), 1, chunk, how))
    }
}

impl DArray<bool> {
    /// The indices of the true elements, one row each in row-major order: shape
    /// `(count, ndim)`, `i64` (numpy's `argwhere`; for another type, `x.ne(0)` first).
    /// The count is taken now (see the module's note).
    pub fn argwhere(&self) -> DArray<i64> {
        match self.try_argwhere() {
            Ok(x) => x,
            Err(e) => self.carry(DArray::errored(Arc::clone(&self.grid), e)),
        }
    }

    fn try_argwhere(&self) -> Result<DArray<i64>> {
        if let Some(e) = &self.error {
            return Err(Error::Shared(Arc::clone(e)));
        }
        let shape = self.shape().to_vec();
        let d = shape.len();
        let flat = if d == 1 { self.clone() } else { self.ravel() };
        let flat = if d == 0 { self.expand_dims(0) } else { flat };
        let counts = true_counts(&flat)?;
        let starts = starts_of(&flat.chunks()[0]);
        let input = flat.chunk_nodes();
        let token = Tokenizer::new("argwhere").param(&flat.token()).finish();
        let out = Grid::from_parts(vec![counts.iter().sum(), d], vec![counts.clone(), vec![d]]);
        let nodes = counts
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                let (start, shape) = (starts[i], shape.clone());
                let mut node = Node::new(
                    Key::new("argwhere", token, i as u64),
                    vec![Arc::clone(&input[i])],
                    Box::new(move |v| {
                        let mut rows = Vec::with_capacity(n * d);
                        for (k, &b) in chunk_of::<bool>(&v[0]).iter().enumerate() {
                            if b {
                                rows.extend(
                                    unravel(start + k, &shape).into_iter().map(|i| i as i64),
                                );
                            }
                        }
                        let a = ArrayD::from_shape_vec(IxDyn(&[rows.len() / d.max(1), d]), rows)
                            .map_err(|e| Error::external("ndarray, argwhere", e))?;
                        Ok(Arc::new(a) as Value)
                    }),
                );
                node.bytes = (n * d * 8) as u64;
                node.codec = Some(chunk_codec::<i64>());
                Arc::new(node)
            })
            .collect();
        Ok(DArray::from_chunks(Arc::new(out), token, "argwhere", nodes))
    }

    /// numpy's `nonzero`: per axis, the indices of the true elements along it.
    pub fn nonzero(&self) -> Vec<DArray<i64>> {
        let w = self.argwhere();
        let n = w.shape()[0];
        (0..self.ndim())
            .map(|k| w.slice(&[0..n, k..k + 1]).squeeze(vec![1]))
            .collect()
    }
}

/// How many elements are true in each chunk of a 1-d `bool` array (a run of the
/// array alone).
fn true_counts(c: &DArray<bool>) -> Result<Vec<usize>> {
    let n = c.n_chunks();
    let grid = Arc::new(Grid::from_parts(vec![n], vec![vec![1; n]]));
    let token = Tokenizer::new("count-true").param(&c.token()).finish();
    let counts = c.blockwise_to::<i64>(grid, "count-true", token, |x| {
        ndarray::arr1(&[x.iter().filter(|&&b| b).count() as i64]).into_dyn()
    });
    Ok(counts.compute()?.iter().map(|&k| k as usize).collect())
}

/// A lazy value from every chunk of `x`: `chunk` of each, merged by `combine` in a
/// tree (eight at a time), the result 1-d.
fn whole<T: Element, U: Element>(
    x: &DArray<T>,
    name: &'static str,
    token: u64,
    chunk: impl Fn(ArrayViewD<'_, T>) -> ArrayD<U> + Send + Sync + 'static,
    combine: impl Fn(&mut ArrayD<U>, &ArrayD<U>) + Send + Sync + 'static,
) -> Delayed<Array1<U>> {
    let tree = Tree {
        name,
        token,
        split_every: 8,
        keepdims: true,
        combine: Arc::new(combine),
        finish: Arc::new(|p: &ArrayD<U>| Ok(p.clone())),
    };
    lazy(merged(
        &[x],
        None::<&DArray<T>>,
        1,
        move |c, _| chunk(c[0].view()),
        tree,
    ))
}

/// The merged value as a lazy 1-d array (an error: a value that fails with it).
fn lazy<U: Element>(merged: Result<Arc<Node>>) -> Delayed<Array1<U>> {
    match merged {
        Ok(node) => {
            Delayed::<ArrayD<U>>::from_arc(node).map(|a| a.iter().copied().collect::<Array1<U>>())
        }
        Err(e) => {
            let e = Arc::new(e);
            Delayed::from_fn(
                "error",
                vec![],
                Box::new(move |_| Err(Error::Shared(Arc::clone(&e)))),
            )
        }
    }
}

/// The one task that merges a partial of every chunk: `chunk` of chunk `c` of each of
/// `xs` (and of `weights`), which the caller has checked are cut alike, the partials
/// folded as `how` says, in chunk order, and finished into an array of `ndim` dimensions. An
/// input that carries an error is the error.
pub(crate) fn merged<T, W, P, U>(
    xs: &[&DArray<T>],
    weights: Option<&DArray<W>>,
    ndim: usize,
    chunk: impl Fn(&[ArrayViewD<'_, T>], Option<ArrayViewD<'_, W>>) -> P + Send + Sync + 'static,
    how: Tree<P, U>,
) -> Result<Arc<Node>>
where
    T: Element,
    W: Element,
    P: crate::Encode + Clone,
    U: Element,
{
    let errors = xs.iter().map(|x| &x.error).chain(weights.map(|w| &w.error));
    if let Some(e) = errors.flatten().next() {
        return Err(Error::Shared(Arc::clone(e)));
    }
    let n = xs[0].n_chunks();
    // The tree sees one partial per chunk along a first axis; the other axes (of length
    // one) let the finished value keep `ndim` dimensions.
    let mut shape = vec![1; ndim.max(1)];
    shape[0] = n;
    let mut chunks = vec![vec![1]; shape.len()];
    chunks[0] = vec![1; n];
    let per_chunk = Arc::new(Grid::from_parts(shape, chunks));
    let t_chunk = Tokenizer::new(how.name)
        .param(&how.token)
        .param(&"chunk")
        .finish();
    let inputs: Vec<_> = xs.iter().map(|x| x.chunk_nodes()).collect();
    let w_input = weights.map(DArray::chunk_nodes);
    let chunk = Arc::new(chunk);
    let partials: Vec<Arc<Node>> = (0..n)
        .map(|c| {
            let chunk = Arc::clone(&chunk);
            let mut deps: Vec<Arc<Node>> = inputs.iter().map(|i| Arc::clone(&i[c])).collect();
            deps.extend(w_input.as_ref().map(|w| Arc::clone(&w[c])));
            let k = xs.len();
            let mut node = Node::new(
                Key::new(how.name, t_chunk, c as u64),
                deps,
                Box::new(move |v| {
                    let views: Vec<ArrayViewD<'_, T>> =
                        v[..k].iter().map(|a| chunk_of::<T>(a).view()).collect();
                    let w = v.get(k).map(|a| chunk_of::<W>(a).view());
                    Ok(Arc::new(chunk(&views, w)) as Value)
                }),
            );
            node.codec = Some(crate::encode::Codec::of::<P>());
            Arc::new(node)
        })
        .collect();
    let reduced = vec![true; per_chunk.ndim()];
    let out: DArray<U> = tree(&per_chunk, &reduced, partials, how);
    Ok(Arc::clone(&out.chunk_nodes()[0]))
}
