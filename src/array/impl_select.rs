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

impl<T: Element> DArray<T> {
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
        let x = if self.ndim() == 0 {
            self.expand_dims(0)
        } else {
            self.clone()
        };
        let token = Tokenizer::new("bincount").param(&x.token()).finish();
        // A partial is [values not counted, the first of them (f64 bits), counts...].
        let counts = whole(
            &x,
            "bincount",
            token,
            |c: ArrayViewD<'_, T>| {
                let mut all = vec![0i64, 0];
                for &v in c.iter() {
                    let f = v.to_f64();
                    if f >= 0.0 && f.fract() == 0.0 {
                        let k = 2 + v.to_i128() as usize;
                        if all.len() <= k {
                            all.resize(k + 1, 0);
                        }
                        all[k] += 1;
                    } else {
                        if all[0] == 0 {
                            all[1] = f.to_bits() as i64;
                        }
                        all[0] += 1;
                    }
                }
                Array1::from(all).into_dyn()
            },
            |p: &mut ArrayD<i64>, q: &ArrayD<i64>| {
                let (a, b) = (p.as_slice().expect("1-d"), q.as_slice().expect("1-d"));
                let first = if a[0] > 0 { a[1] } else { b[1] };
                let v: Vec<i64> = (0..a.len().max(b.len()))
                    .map(|k| match k {
                        1 => first,
                        _ => a.get(k).unwrap_or(&0) + b.get(k).unwrap_or(&0),
                    })
                    .collect();
                *p = Array1::from(v).into_dyn();
            },
        );
        counts.try_map_err(move |all: &Array1<i64>| {
            if all[0] > 0 {
                return Err(Error::invalid(format!(
                    "bincount: {} values are negative or not whole numbers (the first: {})",
                    all[0],
                    f64::from_bits(all[1] as u64)
                )));
            }
            let mut v = all.slice(ndarray::s![2..]).to_vec();
            if v.len() < minlength {
                v.resize(minlength, 0);
            }
            Ok(Array1::from(v))
        })
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
    if let Some(e) = &x.error {
        // An array that is only an error has no chunks: the value is the error.
        let e = Arc::clone(e);
        return Delayed::from_fn(
            name,
            vec![],
            Box::new(move |_| Err(Error::Shared(Arc::clone(&e)))),
        );
    }
    let d = x.ndim();
    // Each partial is a 1-d array in a chunk of a grid of one element per chunk.
    let per_chunk = Arc::new(Grid::from_parts(
        x.grid.grid_shape(),
        x.grid.grid_shape().iter().map(|&n| vec![1; n]).collect(),
    ));
    let t_chunk = Tokenizer::new(name).param(&token).param(&"chunk").finish();
    let input = x.chunk_nodes();
    let chunk = Arc::new(chunk);
    let partials: Vec<Arc<Node>> = input
        .iter()
        .enumerate()
        .map(|(c, n)| {
            let chunk = Arc::clone(&chunk);
            let mut node = Node::new(
                Key::new(name, t_chunk, c as u64),
                vec![Arc::clone(n)],
                Box::new(move |v| Ok(Arc::new(chunk(chunk_of::<T>(&v[0]).view())) as Value)),
            );
            node.codec = Some(chunk_codec::<U>());
            Arc::new(node)
        })
        .collect();
    let reduced = vec![true; d];
    let merged: DArray<U> = tree(
        &per_chunk,
        &reduced,
        partials,
        Tree {
            name,
            token,
            split_every: 8,
            keepdims: true,
            combine: Arc::new(combine),
            // Kept as it is: the tree keeps every axis, so a 1-d value passes through
            // shaped (len, 1, ..., 1).
            finish: Arc::new(move |p: &ArrayD<U>| {
                let mut shape = vec![1; d];
                shape[0] = p.len();
                p.clone()
                    .into_shape_with_order(IxDyn(&shape))
                    .map_err(|e| Error::external("ndarray, a merged value", e))
            }),
        },
    );
    let node = Arc::clone(&merged.chunk_nodes()[0]);
    Delayed::<ArrayD<U>>::from_arc(node).map(|a| a.iter().copied().collect::<Array1<U>>())
}
