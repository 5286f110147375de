//! The reductions every element type has, with numpy's result types: `sum` and `prod`
//! in [`Element::Acc`] (`int64`/`uint64` for integers and `bool`), `mean`, `var`, `std`
//! in [`Element::Float`], `min`/`max` in the type itself, `argmin`/`argmax` and
//! `count_nonzero` as `i64`, `any`/`all` as `bool`; and [`DArray::reduction`], a
//! reduction of the user's own (chunk, combine, aggregate), as `dask.array.reduction`.
//!
//! `f64` arrays (and `f32` ones, through `f64`) take the streaming float path of
//! `impl_reduce.rs` where it has the operation (NaN rules, compensated moments); integer
//! and `bool` arrays fold exactly on ndarray's `fold_axis`, so an `i64` sum past 2^53 is
//! exact. Both build the same tree (`impl_reduce::tree`).

use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn, Zip};

use super::impl_reduce::{Tree, tree};
use super::{Axes, DArray, DType, Element, Reduction, chunk_of};
use crate::graph::{Key, Node, Tokenizer, Value};
use crate::{Encode, Error, Result};

/// Folds `a` over `axes` (ascending), keeping them with length 1: `f` folds elements
/// into the accumulator along the first axis, `g` merges accumulators along the others.
pub(crate) fn fold_axes<T: Element, A: Clone>(
    a: ArrayViewD<'_, T>,
    axes: &[usize],
    init: A,
    f: impl Fn(&A, T) -> A,
    g: impl Fn(&A, &A) -> A,
) -> ArrayD<A> {
    let Some((&first, rest)) = axes.split_first() else {
        return a.mapv(|x| f(&init, x));
    };
    let mut out = a
        .fold_axis(Axis(first), init.clone(), |acc, &x| f(acc, x))
        .insert_axis(Axis(first));
    for &ax in rest {
        out = out
            .fold_axis(Axis(ax), init.clone(), |acc, x| g(acc, x))
            .insert_axis(Axis(ax));
    }
    out
}

impl<T: Element> DArray<T> {
    /// The axes of `axes`, checked, sorted and without repeats, and a mask of them.
    pub(crate) fn reduced_axes(&self, axes: &Axes) -> Result<(Vec<usize>, Vec<bool>)> {
        let axes: Vec<usize> = match axes {
            Axes::All => (0..self.ndim()).collect(),
            Axes::Some(v) => {
                let mut v = v
                    .iter()
                    .map(|&a| self.grid.axis(a))
                    .collect::<Result<Vec<_>>>()?;
                v.sort_unstable();
                v.dedup();
                v
            }
        };
        let mut mask = vec![false; self.ndim()];
        axes.iter().for_each(|&a| mask[a] = true);
        Ok((axes, mask))
    }

    /// A tree reduction: `chunk(values, axes, offset)` gives each chunk's partial,
    /// `combine` folds partials in chunk order, `finish` gives an output chunk (shaped
    /// as the input chunks with the reduced axes of length 1).
    #[allow(clippy::too_many_arguments)]
    fn tree_reduce<P, U>(
        &self,
        name: &'static str,
        token: u64,
        axes: &[usize],
        mask: Vec<bool>,
        keepdims: bool,
        chunk: impl Fn(ArrayViewD<'_, T>, &[usize], &[usize]) -> Result<P> + Send + Sync + 'static,
        combine: impl Fn(&mut P, &P) + Send + Sync + 'static,
        finish: impl Fn(&P) -> Result<ArrayD<U>> + Send + Sync + 'static,
    ) -> DArray<U>
    where
        P: Encode + Clone,
        U: Element,
    {
        if let Some(e) = &self.error {
            return DArray::errored(Arc::clone(&self.grid), Error::Shared(Arc::clone(e)));
        }
        let input = self.chunk_nodes();
        let t_partial = Tokenizer::new("reduce-partial").param(&token).finish();
        let chunk = Arc::new(chunk);
        let axes: Arc<Vec<usize>> = Arc::new(axes.to_vec());
        let partials = input
            .iter()
            .enumerate()
            .map(|(c, n)| {
                let (chunk, axes) = (Arc::clone(&chunk), Arc::clone(&axes));
                let (offset, _) = self.grid.chunk(c);
                let mut node = Node::new(
                    Key::new("reduce-partial", t_partial, c as u64),
                    vec![Arc::clone(n)],
                    Box::new(move |v| {
                        let a = chunk_of::<T>(&v[0]);
                        Ok(Arc::new(chunk(a.view(), &axes, &offset)?) as Value)
                    }),
                );
                node.codec = Some(crate::encode::Codec::of::<P>());
                Arc::new(node)
            })
            .collect();
        tree(
            &self.grid,
            &mask,
            partials,
            Tree {
                name,
                token,
                split_every: 8,
                keepdims,
                combine: Arc::new(combine),
                finish: Arc::new(finish),
            },
        )
    }

    /// The token of a built-in reduction over `axes`.
    fn reduction_token(&self, name: &str, axes: &[usize], keepdims: bool) -> u64 {
        Tokenizer::new(name)
            .param(&self.token())
            .param(&T::DTYPE)
            .param(axes)
            .param(&keepdims)
            .finish()
    }

    /// A reduction of the user's own, as `dask.array.reduction`: `chunk` turns a
    /// chunk's values into a partial (given the reduced axes, sorted), `combine` folds
    /// a later partial into an earlier one (partials of one output chunk, in chunk
    /// order, `split_every` 8 at a time), and `aggregate` turns the last into the
    /// output chunk, shaped as the input chunks with the reduced axes of length 1.
    /// Partials are any [`Encode`] type (arrays of any element type, pairs of them), so
    /// they spill and cross MPI ranks.
    ///
    /// ```
    /// use chunkwise::array::{Axes, from_array};
    /// use ndarray::{ArrayD, Axis, IxDyn};
    /// // The sum of squares of each column, as i64, of an i32 array.
    /// let a = ArrayD::from_shape_fn(IxDyn(&[5, 3]), |i| (i[0] * 3 + i[1]) as i32);
    /// let x = from_array(a.clone(), [2, 2]).unwrap();
    /// let ss = x.reduction(
    ///     0,
    ///     false,
    ///     |c, axes| {
    ///         let mut p = c.mapv(|v| i64::from(v) * i64::from(v));
    ///         for &ax in axes.iter().rev() {
    ///             p = p.sum_axis(Axis(ax)).insert_axis(Axis(ax));
    ///         }
    ///         p
    ///     },
    ///     |p, q| *p += q,
    ///     |p| p.clone(),
    /// );
    /// let want = a.mapv(|v| i64::from(v).pow(2)).sum_axis(Axis(0));
    /// assert_eq!(ss.compute().unwrap(), want);
    /// ```
    pub fn reduction<P, U>(
        &self,
        axes: impl Into<Axes>,
        keepdims: bool,
        chunk: impl Fn(ArrayViewD<'_, T>, &[usize]) -> P + Send + Sync + 'static,
        combine: impl Fn(&mut P, &P) + Send + Sync + 'static,
        aggregate: impl Fn(&P) -> ArrayD<U> + Send + Sync + 'static,
    ) -> DArray<U>
    where
        P: Encode + Clone,
        U: Element,
    {
        let (axes, mask) = match self.reduced_axes(&axes.into()) {
            Ok(a) => a,
            Err(e) => return DArray::errored(Arc::clone(&self.grid), e),
        };
        let token = Tokenizer::new("reduction")
            .param(&self.token())
            .param(&axes)
            .param(&keepdims)
            .sequenced()
            .finish();
        self.tree_reduce(
            "reduction",
            token,
            &axes,
            mask,
            keepdims,
            move |c, axes, _| Ok(chunk(c, axes)),
            combine,
            move |p| Ok(aggregate(p)),
        )
    }

    /// A fold of every element into an accumulator of type `A`, merged with `g`.
    fn fold_reduce<A: Element>(
        &self,
        name: &'static str,
        axes: Axes,
        init: A,
        f: fn(&A, T) -> A,
        g: fn(&A, &A) -> A,
    ) -> DArray<A> {
        let (axes, mask) = match self.reduced_axes(&axes) {
            Ok(a) => a,
            Err(e) => return DArray::errored(Arc::clone(&self.grid), e),
        };
        let token = self.reduction_token(name, &axes, false);
        self.tree_reduce(
            name,
            token,
            &axes,
            mask,
            false,
            move |c, axes, _| Ok(fold_axes(c, axes, init, f, g)),
            move |p: &mut ArrayD<A>, q| p.zip_mut_with(q, |a, b| *a = g(a, b)),
            |p| Ok(p.clone()),
        )
    }

    /// This array as `f64` where the float path has the reduction: `f64` itself, and
    /// `f32` (exactly widened; results are narrowed back).
    fn via_f64(&self) -> Option<DArray<f64>> {
        match T::DTYPE {
            DType::F64 => self.as_f64(),
            DType::F32 => Some(self.astype::<f64>()),
            _ => None,
        }
    }

    /// Sum over `axes` (`None` for all, an axis, or several), in [`Element::Acc`]:
    /// `int64` for signed integers and `bool`, `uint64` for unsigned, the type itself
    /// for floats.
    pub fn sum(&self, axes: impl Into<Axes>) -> DArray<T::Acc> {
        let axes = axes.into();
        match self.via_f64() {
            Some(x) => x.reduce(&Reduction::sum().axes(axes)).astype(),
            None => self.fold_reduce(
                "sum",
                axes,
                T::Acc::default(),
                |a, x| a.add(x.cast()),
                |a, b| a.add(*b),
            ),
        }
    }

    /// Product over `axes`, in [`Element::Acc`] (integers wrap, as numpy's).
    pub fn prod(&self, axes: impl Into<Axes>) -> DArray<T::Acc> {
        self.fold_reduce(
            "prod",
            axes.into(),
            T::Acc::from_i128(1),
            |a, x| a.mul(x.cast()),
            |a, b| a.mul(*b),
        )
    }

    /// Whether any element over `axes` is non-zero (NaN counts as non-zero).
    pub fn any(&self, axes: impl Into<Axes>) -> DArray<bool> {
        self.fold_reduce(
            "any",
            axes.into(),
            false,
            |a, x| *a || x != T::default(),
            |a, b| *a || *b,
        )
    }

    /// Whether every element over `axes` is non-zero (true over an empty axis).
    pub fn all(&self, axes: impl Into<Axes>) -> DArray<bool> {
        self.fold_reduce(
            "all",
            axes.into(),
            true,
            |a, x| *a && x != T::default(),
            |a, b| *a && *b,
        )
    }

    /// Number of non-zero elements over `axes` (NaN counts as non-zero), as `i64`.
    pub fn count_nonzero(&self, axes: impl Into<Axes>) -> DArray<i64> {
        self.fold_reduce(
            "count_nonzero",
            axes.into(),
            0i64,
            |a, x| a + i64::from(x != T::default()),
            |a, b| a + b,
        )
    }

    /// Mean over `axes`, in [`Element::Float`] (integers through `f64`, as numpy).
    pub fn mean(&self, axes: impl Into<Axes>) -> DArray<T::Float> {
        self.float_reduce(Reduction::mean().axes(axes))
    }

    /// Mean ignoring NaN (NaN where all are NaN).
    pub fn nanmean(&self, axes: impl Into<Axes>) -> DArray<T::Float> {
        self.float_reduce(Reduction::mean().axes(axes).skip_nan(true))
    }

    /// Variance over `axes` (ddof 0), in [`Element::Float`].
    pub fn var(&self, axes: impl Into<Axes>) -> DArray<T::Float> {
        self.float_reduce(Reduction::var().axes(axes))
    }

    /// Variance ignoring NaN.
    pub fn nanvar(&self, axes: impl Into<Axes>) -> DArray<T::Float> {
        self.float_reduce(Reduction::var().axes(axes).skip_nan(true))
    }

    /// Standard deviation over `axes` (ddof 0), in [`Element::Float`].
    pub fn std(&self, axes: impl Into<Axes>) -> DArray<T::Float> {
        self.float_reduce(Reduction::std().axes(axes))
    }

    /// Standard deviation ignoring NaN.
    pub fn nanstd(&self, axes: impl Into<Axes>) -> DArray<T::Float> {
        self.float_reduce(Reduction::std().axes(axes).skip_nan(true))
    }

    /// Sum ignoring NaN (the sum, for integers).
    pub fn nansum(&self, axes: impl Into<Axes>) -> DArray<T::Acc> {
        match self.via_f64() {
            Some(x) => x
                .reduce(&Reduction::sum().axes(axes).skip_nan(true))
                .astype(),
            None => self.sum(axes),
        }
    }

    /// Product ignoring NaN (NaN counted as 1), in [`Element::Acc`].
    pub fn nanprod(&self, axes: impl Into<Axes>) -> DArray<T::Acc> {
        self.nan_as(T::from_i128(1)).prod(axes)
    }

    /// This array with each NaN replaced by `value`, infinities kept (the array itself
    /// for integers).
    pub(crate) fn nan_as(&self, value: T) -> DArray<T> {
        self.nan_to_num(
            value,
            T::from_f64(f64::INFINITY),
            T::from_f64(f64::NEG_INFINITY),
        )
    }

    /// The `order`-th central moment over `axes`, `mean((x - mean(x))^order)`, in
    /// [`Element::Float`] (Dask's `moment`, ddof 0). Two passes: the mean first, so
    /// data far from zero (`1e8 + [1, 2, 3]`) keeps its precision.
    ///
    /// ```
    /// let x = chunkwise::array::from_array(ndarray::arr1(&[1.0, 2.0, 3.0, 4.0]).into_dyn(), [3]).unwrap();
    /// assert_eq!(x.moment(2, None).compute_scalar().unwrap(), 1.25);
    /// assert_eq!(x.moment(3, None).compute_scalar().unwrap(), 0.0);
    /// ```
    pub fn moment(&self, order: u32, axes: impl Into<Axes>) -> DArray<T::Float> {
        let axes = axes.into();
        let x = self.via_f64().unwrap_or_else(|| self.astype::<f64>());
        let mean = x.reduce(&Reduction::mean().axes(axes.clone()).keepdims(true));
        let centred = &x - &mean;
        let powered = match order {
            0 => centred.map(|_| 1.0),
            1 => centred,
            k => centred.map(move |d| d.powi(k as i32)),
        };
        powered.reduce(&Reduction::mean().axes(axes)).astype()
    }

    /// The mean over `axis` weighted by `weights` (numpy's and Dask's `average`), in
    /// `f64`: `weights` of this array's shape, or of one dimension as long as `axis`.
    /// Weights that sum to zero fail the task that finds them, as numpy raises.
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// let x = from_array(ndarray::arr2(&[[1.0, 2.0], [3.0, 4.0]]).into_dyn(), [1, 2]).unwrap();
    /// let w = from_array(ndarray::arr1(&[3.0, 1.0]).into_dyn(), [2]).unwrap();
    /// let a = x.average(&w, Some(0)).compute().unwrap();
    /// assert_eq!(a.into_raw_vec_and_offset().0, vec![1.5, 2.5]);
    /// ```
    pub fn average<W: Element>(&self, weights: &DArray<W>, axis: Option<usize>) -> DArray<f64> {
        let x = self.via_f64().unwrap_or_else(|| self.astype::<f64>());
        let mut w = weights.astype::<f64>();
        if w.shape() != x.shape() {
            let one_axis =
                axis.filter(|&a| a < x.ndim() && w.ndim() == 1 && w.shape()[0] == x.shape()[a]);
            let Some(a) = one_axis else {
                return x.failed(Error::invalid(format!(
                    "average: weights of shape {:?} for an array of shape {:?} along axis {axis:?}: \
                     they need the array's shape, or one dimension as long as the axis",
                    w.shape(),
                    x.shape()
                )));
            };
            // The weights along `axis`, broadcast over the other axes.
            for _ in a + 1..x.ndim() {
                w = w.expand_dims(w.ndim());
            }
            w = w.broadcast_to(x.shape(), x.chunks().to_vec());
        }
        let axes = Axes::from(axis);
        let total = w.sum(axes.clone()).check_chunks("average", |a| {
            a.iter()
                .any(|&v| v == 0.0)
                .then(|| "average: weights sum to zero, can't be normalized".to_string())
        });
        &(&x * &w).sum(axes) / &total
    }

    /// A moment-based reduction on the float path, in [`Element::Float`].
    fn float_reduce(&self, r: Reduction) -> DArray<T::Float> {
        let x = self.via_f64().unwrap_or_else(|| self.astype::<f64>());
        x.reduce(&r).astype()
    }

    /// Minimum over `axes` (NaN propagates; an empty axis is an error).
    pub fn min(&self, axes: impl Into<Axes>) -> DArray<T> {
        self.extremum("min", axes.into(), false, false)
    }

    /// Maximum over `axes` (NaN propagates; an empty axis is an error).
    pub fn max(&self, axes: impl Into<Axes>) -> DArray<T> {
        self.extremum("max", axes.into(), true, false)
    }

    /// Minimum ignoring NaN (NaN where all are NaN).
    pub fn nanmin(&self, axes: impl Into<Axes>) -> DArray<T> {
        self.extremum("nanmin", axes.into(), false, true)
    }

    /// Maximum ignoring NaN (NaN where all are NaN).
    pub fn nanmax(&self, axes: impl Into<Axes>) -> DArray<T> {
        self.extremum("nanmax", axes.into(), true, true)
    }

    fn extremum(&self, name: &'static str, axes: Axes, max: bool, skip_nan: bool) -> DArray<T> {
        if let Some(x) = self.via_f64() {
            let r = if max {
                Reduction::max()
            } else {
                Reduction::min()
            };
            return x.reduce(&r.axes(axes).skip_nan(skip_nan)).astype();
        }
        if let Err(e) = self.nonempty(name, &axes) {
            return DArray::errored(Arc::clone(&self.grid), e);
        }
        type Fold<T> = (T, fn(&T, T) -> T, fn(&T, &T) -> T);
        let (init, f, g): Fold<T> = if max {
            (
                T::lowest(),
                |a, x| if x > *a { x } else { *a },
                |a, b| {
                    if *b > *a { *b } else { *a }
                },
            )
        } else {
            (
                T::highest(),
                |a, x| if x < *a { x } else { *a },
                |a, b| {
                    if *b < *a { *b } else { *a }
                },
            )
        };
        self.fold_reduce(name, axes, init, f, g)
    }

    /// An error naming the operation when a reduced axis is empty (no identity).
    fn nonempty(&self, name: &str, axes: &Axes) -> Result<()> {
        let (axes, _) = self.reduced_axes(axes)?;
        match axes.iter().find(|&&a| self.shape()[a] == 0) {
            Some(a) => Err(Error::invalid(format!(
                "{name} of an empty axis has no result (axis {a}, shape {:?})",
                self.shape()
            ))),
            None => Ok(()),
        }
    }

    /// Index of the first minimum along `axis`, or in the flattened array (`None`), as
    /// `i64`; NaN wins, as numpy's.
    pub fn argmin(&self, axis: impl Into<Option<usize>>) -> DArray<i64> {
        self.arg_extremum("argmin", axis.into(), false, false)
    }

    /// Index of the first maximum along `axis`, or in the flattened array (`None`).
    pub fn argmax(&self, axis: impl Into<Option<usize>>) -> DArray<i64> {
        self.arg_extremum("argmax", axis.into(), true, false)
    }

    /// As [`argmin`](Self::argmin) ignoring NaN; an all-NaN slice is an error, as
    /// numpy's and Dask's.
    pub fn nanargmin(&self, axis: impl Into<Option<usize>>) -> DArray<i64> {
        self.arg_extremum("nanargmin", axis.into(), false, true)
    }

    /// As [`argmax`](Self::argmax) ignoring NaN; an all-NaN slice is an error.
    pub fn nanargmax(&self, axis: impl Into<Option<usize>>) -> DArray<i64> {
        self.arg_extremum("nanargmax", axis.into(), true, true)
    }

    fn arg_extremum(
        &self,
        name: &'static str,
        axis: Option<usize>,
        max: bool,
        skip_nan: bool,
    ) -> DArray<i64> {
        let axes: Axes = axis.into();
        if let Some(x) = self.via_f64() {
            let r = if max {
                Reduction::argmax()
            } else {
                Reduction::argmin()
            };
            let idx = x.reduce(&r.axes(axes.clone()).skip_nan(skip_nan));
            if !skip_nan {
                return idx.astype();
            }
            // An all-NaN slice leaves no index: numpy raises, so do we, at compute.
            let all_nan = x.is_nan().all(axes);
            return all_nan
                .zip_blocks(&idx, name, "check", move |nan, idx| {
                    Zip::from(&nan)
                        .and(&idx)
                        .map_collect(|&n, &i| if n { -1 } else { i as i64 })
                })
                .checked(name);
        }
        if let Err(e) = self.nonempty(name, &axes) {
            return DArray::errored(Arc::clone(&self.grid), e);
        }
        let (axes_v, mask) = match self.reduced_axes(&axes) {
            Ok(a) => a,
            Err(e) => return DArray::errored(Arc::clone(&self.grid), e),
        };
        let token = self.reduction_token(name, &axes_v, false);
        let shape = self.shape().to_vec();
        let better = move |x: T, i: i64, a: T, ai: i64| {
            if max {
                x > a || (x == a && i < ai)
            } else {
                x < a || (x == a && i < ai)
            }
        };
        self.tree_reduce(
            name,
            token,
            &axes_v,
            mask,
            false,
            move |c, axes, offset| {
                Ok(arg_partial(
                    c,
                    axis.map(|_| axes[0]),
                    offset,
                    &shape,
                    better,
                ))
            },
            move |p: &mut (ArrayD<T>, ArrayD<i64>), q| {
                Zip::from(&mut p.0)
                    .and(&mut p.1)
                    .and(&q.0)
                    .and(&q.1)
                    .for_each(|a, ai, &x, &i| {
                        if better(x, i, *a, *ai) {
                            *a = x;
                            *ai = i;
                        }
                    });
            },
            |p| Ok(p.1.clone()),
        )
    }
}

impl DArray<i64> {
    /// Fails, naming `name`, where an index is -1 (an all-NaN slice).
    fn checked(&self, name: &'static str) -> DArray<i64> {
        self.check_chunks(name, move |a| {
            a.iter()
                .any(|&i| i < 0)
                .then(|| format!("{name}: all-NaN slice encountered"))
        })
    }
}

impl<T: Element> DArray<T> {
    /// The same chunks, each task failing with the message `bad` gives for it.
    pub(crate) fn check_chunks(
        &self,
        name: &'static str,
        bad: impl Fn(&ArrayD<T>) -> Option<String> + Send + Sync + 'static,
    ) -> DArray<T> {
        let t = Tokenizer::new("checked")
            .param(&self.token())
            .param(name)
            .finish();
        let bad = Arc::new(bad);
        let nodes = self.chunk_nodes();
        let checked = nodes
            .iter()
            .enumerate()
            .map(|(c, n)| {
                let bad = Arc::clone(&bad);
                let mut node = Node::new(
                    Key::new(name, t, c as u64),
                    vec![Arc::clone(n)],
                    Box::new(move |v| match bad(chunk_of::<T>(&v[0])) {
                        Some(message) => Err(Error::invalid(message)),
                        None => Ok(Arc::clone(&v[0])),
                    }),
                );
                node.bytes = n.bytes;
                node.codec = n.codec;
                Arc::new(node)
            })
            .collect();
        self.carry(DArray::from_chunks(
            Arc::clone(&self.grid),
            t,
            name,
            checked,
        ))
    }
}

/// A chunk's best value and its index: along `axis` (indices along it in the whole
/// array), or over the whole chunk (`None`: flat indices in the whole array of `shape`).
fn arg_partial<T: Element>(
    c: ArrayViewD<'_, T>,
    axis: Option<usize>,
    offset: &[usize],
    shape: &[usize],
    better: impl Fn(T, i64, T, i64) -> bool,
) -> (ArrayD<T>, ArrayD<i64>) {
    match axis {
        Some(ax) => {
            let best = c.map_axis(Axis(ax), |lane| {
                let mut b = (lane[0], 0i64);
                for (i, &x) in lane.iter().enumerate().skip(1) {
                    if better(x, i as i64, b.0, b.1) {
                        b = (x, i as i64);
                    }
                }
                (b.0, b.1 + offset[ax] as i64)
            });
            (
                best.mapv(|b| b.0).insert_axis(Axis(ax)),
                best.mapv(|b| b.1).insert_axis(Axis(ax)),
            )
        }
        None => {
            let ones = IxDyn(&vec![1; c.ndim()]);
            let mut b = (T::default(), i64::MAX);
            for (k, &x) in c.iter().enumerate() {
                if k == 0 || better(x, k as i64, b.0, b.1) {
                    b = (x, k as i64);
                }
            }
            // The chunk-local position, as a flat index of the whole array.
            let mut local = b.1 as usize;
            let mut pos = vec![0; c.ndim()];
            for d in (0..c.ndim()).rev() {
                pos[d] = local % c.shape()[d];
                local /= c.shape()[d];
            }
            let flat = (0..c.ndim()).fold(0usize, |f, d| f * shape[d] + offset[d] + pos[d]);
            (
                ArrayD::from_elem(ones.clone(), b.0),
                ArrayD::from_elem(ones, flat as i64),
            )
        }
    }
}
