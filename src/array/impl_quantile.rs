//! Quantiles, percentiles and medians as numpy's `quantile`, `nanquantile`,
//! `percentile`, `nanpercentile`, `median` and `nanmedian`: over one axis, several or
//! all, with `keepdims`, numpy's thirteen methods and (with `inverted_cdf`) weights.
//!
//! Quantiles are holistic, so the reduced axes are brought into one chunk (as Dask
//! rechunks them); the other axes keep their chunks, and each block computes its lanes
//! on its own. The result is laid out as numpy's: the axes of `q` first, then the
//! axes left (the reduced ones dropped, or of length 1 with `keepdims`).

use std::str::FromStr;
use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, IxDyn};

use super::chunks::Grid;
use super::expr::chunk_codec;
use super::{Axes, DArray, Element, chunk_of};
use crate::graph::{Key, Node, Tokenizer, Value};
use crate::{Error, Result};

/// How a quantile falls between the sorted values: numpy's `method=` (Hyndman and
/// Fan's nine, numbered as in their paper, and numpy's four others).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum QuantileMethod {
    /// H&F 1: the first value whose empirical CDF reaches `q` (`'inverted_cdf'`);
    /// the one method that takes weights.
    InvertedCdf,
    /// H&F 2: as `InvertedCdf`, averaging at the steps (`'averaged_inverted_cdf'`).
    AveragedInvertedCdf,
    /// H&F 3: the nearest order statistic, the even one at ties
    /// (`'closest_observation'`).
    ClosestObservation,
    /// H&F 4: alpha 0, beta 1 (`'interpolated_inverted_cdf'`).
    InterpolatedInvertedCdf,
    /// H&F 5: alpha = beta = 1/2 (`'hazen'`).
    Hazen,
    /// H&F 6: alpha = beta = 0 (`'weibull'`).
    Weibull,
    /// H&F 7, numpy's default: position `q (n - 1)`, linear between neighbours
    /// (`'linear'`).
    #[default]
    Linear,
    /// H&F 8: alpha = beta = 1/3 (`'median_unbiased'`).
    MedianUnbiased,
    /// H&F 9: alpha = beta = 3/8 (`'normal_unbiased'`).
    NormalUnbiased,
    /// The value at `floor(q (n - 1))` (`'lower'`).
    Lower,
    /// The value at `ceil(q (n - 1))` (`'higher'`).
    Higher,
    /// The mean of `lower` and `higher` (`'midpoint'`).
    Midpoint,
    /// The value at `q (n - 1)` rounded half to even (`'nearest'`).
    Nearest,
}

const METHODS: [(QuantileMethod, &str); 13] = [
    (QuantileMethod::InvertedCdf, "inverted_cdf"),
    (QuantileMethod::AveragedInvertedCdf, "averaged_inverted_cdf"),
    (QuantileMethod::ClosestObservation, "closest_observation"),
    (
        QuantileMethod::InterpolatedInvertedCdf,
        "interpolated_inverted_cdf",
    ),
    (QuantileMethod::Hazen, "hazen"),
    (QuantileMethod::Weibull, "weibull"),
    (QuantileMethod::Linear, "linear"),
    (QuantileMethod::MedianUnbiased, "median_unbiased"),
    (QuantileMethod::NormalUnbiased, "normal_unbiased"),
    (QuantileMethod::Lower, "lower"),
    (QuantileMethod::Higher, "higher"),
    (QuantileMethod::Midpoint, "midpoint"),
    (QuantileMethod::Nearest, "nearest"),
];

impl QuantileMethod {
    /// numpy's name of the method (`"linear"`, `"weibull"`, ...).
    pub fn name(self) -> &'static str {
        METHODS
            .iter()
            .find(|(m, _)| *m == self)
            .map(|(_, n)| *n)
            .expect("every method is named")
    }
}

impl FromStr for QuantileMethod {
    type Err = Error;

    /// The method numpy names `s`.
    ///
    /// ```
    /// use chunkwise::array::QuantileMethod;
    /// assert_eq!("weibull".parse::<QuantileMethod>().unwrap(), QuantileMethod::Weibull);
    /// assert!("cubic".parse::<QuantileMethod>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        METHODS
            .iter()
            .find(|(_, n)| *n == s)
            .map(|(m, _)| *m)
            .ok_or_else(|| {
                let names: Vec<&str> = METHODS.iter().map(|(_, n)| *n).collect();
                Error::invalid(format!(
                    "quantile: method {s:?} is not one of {}",
                    names.join(", ")
                ))
            })
    }
}

/// The `q` of a quantile: one value (no axis in the result), a list (one axis) or an
/// n-d array (its axes lead the result), as numpy's `q`; or a lazy array (Dask's
/// `q` as a dask array), whose values are checked when the quantiles are computed.
#[derive(Clone, Debug)]
pub struct Qs {
    values: Vec<f64>,
    shape: Vec<usize>,
    lazy: Option<DArray<f64>>,
}

impl From<f64> for Qs {
    fn from(q: f64) -> Self {
        Qs {
            values: vec![q],
            shape: vec![],
            lazy: None,
        }
    }
}
impl From<&[f64]> for Qs {
    fn from(q: &[f64]) -> Self {
        Qs {
            values: q.to_vec(),
            shape: vec![q.len()],
            lazy: None,
        }
    }
}
impl From<Vec<f64>> for Qs {
    fn from(q: Vec<f64>) -> Self {
        let shape = vec![q.len()];
        Qs {
            values: q,
            shape,
            lazy: None,
        }
    }
}
impl<const N: usize> From<[f64; N]> for Qs {
    fn from(q: [f64; N]) -> Self {
        Qs {
            values: q.to_vec(),
            shape: vec![N],
            lazy: None,
        }
    }
}
impl From<&ArrayD<f64>> for Qs {
    fn from(q: &ArrayD<f64>) -> Self {
        Qs {
            values: q.iter().copied().collect(),
            shape: q.shape().to_vec(),
            lazy: None,
        }
    }
}
impl From<ArrayD<f64>> for Qs {
    fn from(q: ArrayD<f64>) -> Self {
        Qs::from(&q)
    }
}
impl From<&DArray<f64>> for Qs {
    fn from(q: &DArray<f64>) -> Self {
        Qs {
            values: vec![],
            shape: q.shape().to_vec(),
            lazy: Some(q.clone()),
        }
    }
}

/// A quantile with its options, for [`DArray::quantile_with`]: numpy's `q`, `axis`
/// (one, several or all), `keepdims`, `method`, `weights`, and the `nan*` variants.
///
/// ```
/// use chunkwise::array::{from_array, Quantile, QuantileMethod};
/// use ndarray::{ArrayD, IxDyn};
/// let a = ArrayD::from_shape_fn(IxDyn(&[2, 3, 4]), |i| (i[0] * 12 + i[1] * 4 + i[2]) as f64);
/// let x = from_array(a, [1, 2, 2]).unwrap();
/// // The median over axes 0 and 2, kept with length 1, as numpy's.
/// let m = x.quantile_with(&Quantile::median().axes([0, 2]).keepdims(true));
/// assert_eq!(m.shape(), &[1, 3, 1]);
/// assert_eq!(m.compute().unwrap().iter().copied().collect::<Vec<_>>(), vec![7.5, 11.5, 15.5]);
/// // Percentiles over everything, by the 'lower' method: the q axis leads.
/// let p = x.quantile_with(&Quantile::percentiles([0.0, 50.0, 100.0]).method(QuantileMethod::Lower));
/// assert_eq!(p.compute().unwrap().iter().copied().collect::<Vec<_>>(), vec![0.0, 11.0, 23.0]);
/// ```
#[derive(Clone, Debug)]
pub struct Quantile {
    q: Qs,
    percent: bool,
    axes: Axes,
    keepdims: bool,
    method: QuantileMethod,
    skip_nan: bool,
    weights: Option<DArray<f64>>,
}

impl Quantile {
    /// Quantiles `q`, each in [0, 1]; over all axes unless [`axes`](Self::axes) says.
    pub fn new(q: impl Into<Qs>) -> Self {
        Quantile {
            q: q.into(),
            percent: false,
            axes: Axes::All,
            keepdims: false,
            method: QuantileMethod::Linear,
            skip_nan: false,
            weights: None,
        }
    }
    /// Percentiles `p`, each in [0, 100] (numpy divides them by 100, as here).
    pub fn percentiles(p: impl Into<Qs>) -> Self {
        Quantile {
            percent: true,
            ..Quantile::new(p)
        }
    }
    /// The median: the quantile 0.5, with no q axis.
    pub fn median() -> Self {
        Quantile::new(0.5)
    }
    /// The axes to reduce (default: all).
    pub fn axes(mut self, axes: impl Into<Axes>) -> Self {
        self.axes = axes.into();
        self
    }
    /// Keep the reduced axes with length 1.
    pub fn keepdims(mut self, keep: bool) -> Self {
        self.keepdims = keep;
        self
    }
    /// numpy's `method=` (default [`QuantileMethod::Linear`]).
    pub fn method(mut self, method: QuantileMethod) -> Self {
        self.method = method;
        self
    }
    /// Leave NaN out (`nanquantile`, `nanpercentile`, `nanmedian`): a lane of NaN only
    /// gives NaN. By default a lane holding NaN gives NaN, as numpy's.
    pub fn skip_nan(mut self, skip: bool) -> Self {
        self.skip_nan = skip;
        self
    }
    /// numpy 2's `weights=`, only with [`QuantileMethod::InvertedCdf`]: of the array's
    /// shape, or of its shape along the [`axes`](Self::axes) given (in their order).
    /// Weights must be non-negative; a negative one fails the computation.
    pub fn weights(mut self, weights: &DArray<f64>) -> Self {
        self.weights = Some(weights.clone());
        self
    }
}

/// What one block's kernel needs.
#[derive(Clone, Debug)]
struct Spec {
    /// The quantiles (0 to 1), or none where they come from a lazy `q`.
    qs: Vec<f64>,
    /// What divides a lazy `q` (100 for percentiles).
    scale: f64,
    q_shape: Vec<usize>,
    reduced: Vec<bool>,
    keepdims: bool,
    method: QuantileMethod,
    skip_nan: bool,
}

impl<T: Element> DArray<T> {
    /// The quantiles `opts` describes (numpy's `quantile` and its family, with every
    /// option): shaped as `q`'s axes, then the axes left.
    ///
    /// Bad options (a `q` outside its range, an axis out of range or given twice, an
    /// empty reduced axis, weights of the wrong shape or without `inverted_cdf`) give
    /// an array whose `compute` returns an error naming the argument.
    ///
    /// ```
    /// use chunkwise::array::{from_array, Quantile, QuantileMethod};
    /// let a = ndarray::arr1(&[1.0, f64::NAN, 2.0, 3.0, 4.0]).into_dyn();
    /// let x = from_array(a, [2]).unwrap();
    /// let w = from_array(ndarray::arr1(&[1.0, 1.0, 1.0, 1.0, 5.0]).into_dyn(), [3]).unwrap();
    /// let q = Quantile::new([0.5]).skip_nan(true).method(QuantileMethod::InvertedCdf);
    /// assert_eq!(x.quantile_with(&q).compute().unwrap().iter().copied().collect::<Vec<_>>(), vec![2.0]);
    /// assert_eq!(x.quantile_with(&q.weights(&w)).compute().unwrap()[[0]], 4.0);
    /// assert!(x.quantile_with(&Quantile::new(1.5)).compute().is_err());
    /// ```
    pub fn quantile_with(&self, opts: &Quantile) -> DArray<f64> {
        match self.try_quantile(opts) {
            Ok(x) => x,
            Err(e) => {
                let grid = Grid::from_parts(vec![0], vec![vec![0]]);
                self.carry(DArray::errored(Arc::new(grid), e))
            }
        }
    }

    fn try_quantile(&self, opts: &Quantile) -> Result<DArray<f64>> {
        if let Some(e) = &self.error {
            return Err(Error::Shared(Arc::clone(e)));
        }
        let nd = self.ndim();
        let (what, scale, hi) = if opts.percent {
            ("percentiles", 100.0, "100")
        } else {
            ("quantiles", 1.0, "1")
        };
        let qs: Vec<f64> = opts.q.values.iter().map(|&q| q / scale).collect();
        check_qs(&opts.q.values, &qs, what, hi)?;
        let axes: Vec<usize> = match &opts.axes {
            Axes::All => (0..nd).collect(),
            Axes::Some(v) => v.clone(),
        };
        for (i, &a) in axes.iter().enumerate() {
            if a >= nd {
                return Err(Error::invalid(format!(
                    "quantile: axis {a} is out of range for an array of {nd} dimensions"
                )));
            }
            if axes[..i].contains(&a) {
                return Err(Error::invalid(format!("quantile: axis {a} given twice")));
            }
        }
        let mut reduced = vec![false; nd];
        for &a in &axes {
            reduced[a] = true;
            if self.shape()[a] == 0 {
                return Err(Error::invalid(format!(
                    "quantile: axis {a} is empty, so has no quantiles"
                )));
            }
        }
        // The reduced axes whole, the others as they are.
        let mut chunks = self.chunks().to_vec();
        for &a in &axes {
            chunks[a] = vec![self.shape()[a]];
        }
        let whole = self.rechunk_exact(chunks.clone());
        let weights = match &opts.weights {
            None => None,
            Some(w) => {
                if opts.method != QuantileMethod::InvertedCdf {
                    return Err(Error::invalid(format!(
                        "quantile: weights need method 'inverted_cdf', got '{}'",
                        opts.method.name()
                    )));
                }
                Some(
                    self.full_weights(w, &axes, &opts.axes)?
                        .rechunk_exact(chunks.clone()),
                )
            }
        };
        // The result: q's axes (one chunk each), then the axes left.
        let mut out_shape = opts.q.shape.clone();
        let mut out_chunks: Vec<Vec<usize>> = opts.q.shape.iter().map(|&n| vec![n]).collect();
        for k in 0..nd {
            if !reduced[k] {
                out_shape.push(self.shape()[k]);
                out_chunks.push(chunks[k].clone());
            } else if opts.keepdims {
                out_shape.push(1);
                out_chunks.push(vec![1]);
            }
        }
        let grid = Arc::new(Grid::from_parts(out_shape, out_chunks));
        // A lazy q in one chunk, read by every task.
        let lazy_q = opts.q.lazy.as_ref().map(|q| {
            let all: Vec<Vec<usize>> = q.shape().iter().map(|&n| vec![n]).collect();
            q.rechunk_exact(all)
        });
        if let Some(e) = lazy_q.as_ref().and_then(|q| q.error.clone()) {
            return Err(Error::Shared(e));
        }
        let spec = Arc::new(Spec {
            qs,
            scale,
            q_shape: opts.q.shape.clone(),
            reduced,
            keepdims: opts.keepdims,
            method: opts.method,
            skip_nan: opts.skip_nan,
        });
        let token = Tokenizer::new("quantile")
            .param(&self.token())
            .param(&axes)
            .param(&spec.keepdims)
            .param(&spec.skip_nan)
            .param(&spec.method)
            .param(&spec.q_shape)
            .param(&spec.qs.iter().map(|v| v.to_bits()).collect::<Vec<_>>())
            .param(&weights.as_ref().map(|w| w.token()))
            .param(&lazy_q.as_ref().map(|q| q.token()))
            .finish();
        let input = whole.chunk_nodes();
        let w_input = weights.as_ref().map(|w| w.chunk_nodes());
        let q_input = lazy_q.as_ref().map(|q| q.chunk_nodes());
        let nodes = (0..input.len())
            .map(|c| {
                let spec = Arc::clone(&spec);
                let mut deps = vec![Arc::clone(&input[c])];
                if let Some(w) = &w_input {
                    deps.push(Arc::clone(&w[c]));
                }
                if let Some(q) = &q_input {
                    deps.push(Arc::clone(&q[0]));
                }
                let (has_w, has_q) = (w_input.is_some(), q_input.is_some());
                let elements: usize = grid.chunk(c).1.iter().product();
                let mut node = Node::new(
                    Key::new("quantile", token, c as u64),
                    deps,
                    Box::new(move |v| {
                        let a = chunk_of::<T>(&v[0]);
                        let w = has_w.then(|| chunk_of::<f64>(&v[1]).view());
                        if has_q {
                            let given: Vec<f64> =
                                chunk_of::<f64>(&v[v.len() - 1]).iter().copied().collect();
                            let qs: Vec<f64> = given.iter().map(|q| q / spec.scale).collect();
                            let (what, hi) = if spec.scale == 1.0 {
                                ("quantiles", "1")
                            } else {
                                ("percentiles", "100")
                            };
                            check_qs(&given, &qs, what, hi)?;
                            let spec = Spec {
                                qs,
                                ..(*spec).clone()
                            };
                            return Ok(Arc::new(quantile_block(a.view(), w, &spec)?) as Value);
                        }
                        Ok(Arc::new(quantile_block(a.view(), w, &spec)?) as Value)
                    }),
                );
                node.bytes = 8 * elements as u64;
                node.codec = Some(chunk_codec::<f64>());
                Arc::new(node)
            })
            .collect();
        let out = DArray::from_chunks(grid, token, "quantile", nodes);
        Ok(match weights {
            Some(w) => w.carry(whole.carry(out)),
            None => whole.carry(out),
        })
    }

    /// `w` as weights of this array's shape: as it is, or (of the shape along `axes`,
    /// in their order) spread over the other axes.
    fn full_weights(&self, w: &DArray<f64>, axes: &[usize], given: &Axes) -> Result<DArray<f64>> {
        if w.shape() == self.shape() {
            return Ok(w.clone());
        }
        let along: Vec<usize> = axes.iter().map(|&a| self.shape()[a]).collect();
        if matches!(given, Axes::All) || w.shape() != along.as_slice() {
            return Err(Error::invalid(format!(
                "quantile: weights of shape {:?} fit neither the array's shape {:?} nor its \
                 shape along the axes {axes:?}",
                w.shape(),
                self.shape()
            )));
        }
        // Order the weights' axes as the array's, then give the others length 1.
        let mut perm: Vec<usize> = (0..axes.len()).collect();
        perm.sort_by_key(|&i| axes[i]);
        let spread: Vec<usize> = (0..self.ndim())
            .map(|k| {
                if axes.contains(&k) {
                    self.shape()[k]
                } else {
                    1
                }
            })
            .collect();
        let w = w.permute_axes(&perm).reshape(&spread);
        Ok(w.broadcast_to(self.shape(), self.chunks().to_vec()))
    }

    /// The `q`-th quantiles (0 to 1) along `axis`, linear between neighbours as
    /// numpy's default; NaN where a lane holds NaN. The axis is brought into one chunk
    /// (as Dask does) and becomes an axis of length `q.len()` in its place (numpy puts
    /// it first: [`quantile_with`](Self::quantile_with) does as numpy).
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// use ndarray::{ArrayD, IxDyn};
    /// let a = ArrayD::from_shape_vec(IxDyn(&[5]), vec![3.0, 1.0, 4.0, 1.0, 5.0]).unwrap();
    /// let x = from_array(a, [2]).unwrap();
    /// assert_eq!(x.quantile(&[0.0, 0.5, 0.75, 1.0], 0).compute().unwrap().into_raw_vec_and_offset().0,
    ///            vec![1.0, 3.0, 4.0, 5.0]);
    /// assert_eq!(x.median(0).compute_scalar().unwrap(), 3.0);
    /// ```
    pub fn quantile(&self, q: &[f64], axis: usize) -> DArray<f64> {
        self.quantile_in_place(Quantile::new(q), axis)
    }

    /// As [`quantile`](Self::quantile), NaNs left out (`nanquantile`); a lane of NaNs
    /// only gives NaN, as numpy's (which also warns).
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// let a = ndarray::arr1(&[3.0, f64::NAN, 1.0, 2.0]).into_dyn();
    /// let x = from_array(a, [3]).unwrap();
    /// assert_eq!(x.nanmedian(0).compute_scalar().unwrap(), 2.0);
    /// assert!(x.median(0).compute_scalar().unwrap().is_nan());
    /// ```
    pub fn nanquantile(&self, q: &[f64], axis: usize) -> DArray<f64> {
        self.quantile_in_place(Quantile::new(q).skip_nan(true), axis)
    }

    /// The median along `axis` (`median`; the axis is dropped).
    pub fn median(&self, axis: usize) -> DArray<f64> {
        self.quantile_with(&Quantile::median().axes(axis))
    }

    /// The median along `axis`, NaNs left out (`nanmedian`; the axis is dropped).
    pub fn nanmedian(&self, axis: usize) -> DArray<f64> {
        self.quantile_with(&Quantile::median().axes(axis).skip_nan(true))
    }

    /// The `q`-th percentiles (0 to 100) along `axis`, as [`quantile`](Self::quantile).
    pub fn percentile(&self, q: &[f64], axis: usize) -> DArray<f64> {
        self.quantile_in_place(Quantile::percentiles(q), axis)
    }

    /// The `q`-th percentiles (0 to 100) along `axis`, NaNs left out
    /// (`nanpercentile`), as [`nanquantile`](Self::nanquantile).
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// let x = from_array(ndarray::arr1(&[f64::NAN, 1.0, 2.0, 3.0]).into_dyn(), [2]).unwrap();
    /// assert_eq!(x.nanpercentile(&[50.0], 0).compute().unwrap()[[0]], 2.0);
    /// ```
    pub fn nanpercentile(&self, q: &[f64], axis: usize) -> DArray<f64> {
        self.quantile_in_place(Quantile::percentiles(q).skip_nan(true), axis)
    }

    /// `opts` along `axis` with the q axis where `axis` was.
    fn quantile_in_place(&self, opts: Quantile, axis: usize) -> DArray<f64> {
        let out = self.quantile_with(&opts.axes(axis));
        if out.error.is_some() || axis == 0 {
            return out;
        }
        let perm: Vec<usize> = (0..out.ndim())
            .map(|i| match i.cmp(&axis) {
                std::cmp::Ordering::Less => i + 1,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => i,
            })
            .collect();
        out.permute_axes(&perm)
    }
}

/// `qs` (the `given` values over their scale) each in [0, 1], or an error naming q.
fn check_qs(given: &[f64], qs: &[f64], what: &str, hi: &str) -> Result<()> {
    match given
        .iter()
        .zip(qs)
        .find(|(_, q)| !(0.0..=1.0).contains(*q))
    {
        Some((bad, _)) => Err(Error::invalid(format!(
            "quantile: q ({what}) must be in [0, {hi}], got {bad}"
        ))),
        None => Ok(()),
    }
}

/// One block's quantiles: the block holds its lanes' reduced axes whole.
fn quantile_block<T: Element>(
    a: ArrayViewD<'_, T>,
    w: Option<ArrayViewD<'_, f64>>,
    spec: &Spec,
) -> Result<ArrayD<f64>> {
    let nd = a.ndim();
    let kept: Vec<usize> = (0..nd).filter(|&k| !spec.reduced[k]).collect();
    let perm: Vec<usize> = kept
        .iter()
        .copied()
        .chain((0..nd).filter(|&k| spec.reduced[k]))
        .collect();
    let lanes: usize = kept.iter().map(|&k| a.shape()[k]).product();
    let len: usize = (0..nd)
        .filter(|&k| spec.reduced[k])
        .map(|k| a.shape()[k])
        .product();
    // Row-major over (kept axes, reduced axes): one lane after another.
    let in_shape = a.shape().to_vec();
    let flat: Vec<f64> = a
        .permuted_axes(IxDyn(&perm))
        .iter()
        .map(|v| v.to_f64())
        .collect();
    let wflat: Option<Vec<f64>> =
        w.map(|w| w.permuted_axes(IxDyn(&perm)).iter().copied().collect());
    if let Some(ws) = &wflat
        && let Some(bad) = ws.iter().find(|&&x| x < 0.0)
    {
        return Err(Error::invalid(format!(
            "quantile: weights must be non-negative, got {bad}"
        )));
    }
    let nq = spec.qs.len();
    let mut out = vec![0.0; nq * lanes];
    for m in 0..lanes {
        let lane = &flat[m * len..(m + 1) * len];
        let got = match &wflat {
            None => lane_quantiles(lane, &spec.qs, spec.method, spec.skip_nan),
            Some(ws) => {
                weighted_lane_quantiles(lane, &ws[m * len..(m + 1) * len], &spec.qs, spec.skip_nan)
            }
        };
        for (k, g) in got.into_iter().enumerate() {
            out[k * lanes + m] = g;
        }
    }
    let mut shape = spec.q_shape.clone();
    for (&n, &r) in in_shape.iter().zip(&spec.reduced) {
        if !r {
            shape.push(n);
        } else if spec.keepdims {
            shape.push(1);
        }
    }
    ArrayD::from_shape_vec(IxDyn(&shape), out)
        .map_err(|e| Error::external("ndarray, shaping quantiles", e))
}

/// The quantiles `qs` of one lane: NaN where it holds NaN (or, skipping NaN, where it
/// holds nothing else).
fn lane_quantiles(lane: &[f64], qs: &[f64], method: QuantileMethod, skip_nan: bool) -> Vec<f64> {
    let mut v: Vec<f64> = lane.to_vec();
    if skip_nan {
        v.retain(|x| !x.is_nan());
    }
    if v.is_empty() || v.iter().any(|x| x.is_nan()) {
        return vec![f64::NAN; qs.len()];
    }
    v.sort_unstable_by(f64::total_cmp);
    qs.iter().map(|&q| sorted_quantile(&v, q, method)).collect()
}

/// numpy 2's weighted `inverted_cdf` quantiles of one lane: the first value (in sorted
/// order, ties kept in order) whose normalized cumulative weight reaches `q`.
fn weighted_lane_quantiles(lane: &[f64], w: &[f64], qs: &[f64], skip_nan: bool) -> Vec<f64> {
    let mut pairs: Vec<(f64, f64)> = lane
        .iter()
        .copied()
        .zip(w.iter().copied())
        .filter(|(x, _)| !(skip_nan && x.is_nan()))
        .collect();
    if pairs.is_empty() || pairs.iter().any(|(x, _)| x.is_nan()) {
        return vec![f64::NAN; qs.len()];
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    qs.iter()
        .map(|&q| weighted_inverted_cdf(&pairs, q))
        .collect()
}

/// numpy's weighted `inverted_cdf` of pairs (value, weight) sorted by value.
fn weighted_inverted_cdf(pairs: &[(f64, f64)], q: f64) -> f64 {
    let mut cdf: Vec<f64> = pairs
        .iter()
        .scan(0.0, |s, &(_, w)| {
            *s += w;
            Some(*s)
        })
        .collect();
    let total = cdf[cdf.len() - 1];
    for c in &mut cdf {
        *c /= total;
    }
    // Leading zero weights: the first value of positive weight, not the first.
    if cdf[0] == 0.0 {
        for c in &mut cdf {
            if *c == 0.0 {
                *c = -1.0;
            }
        }
    }
    // searchsorted(cdf, q, side='left'), NaN counting as largest.
    let i = cdf
        .iter()
        .position(|&c| c.partial_cmp(&q) != Some(std::cmp::Ordering::Less))
        .unwrap_or(cdf.len());
    pairs[i.min(pairs.len() - 1)].0
}

/// numpy's `_lerp`: from `a` for `t` below 1/2, from `b` above, as numpy rounds.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let d = b - a;
    if t >= 0.5 {
        b - d * (1.0 - t)
    } else {
        a + d * t
    }
}

/// Hyndman and Fan's virtual index `n q + alpha + q (1 - alpha - beta) - 1`.
fn virtual_index(n: f64, q: f64, alpha: f64, beta: f64) -> f64 {
    n * q + (alpha + q * (1.0 - alpha - beta)) - 1.0
}

/// numpy's `_discrete_interpolation_to_boundaries`: `floor(index)` where `take_floor`
/// holds, the index after it elsewhere, clipped into the lane.
fn discrete(index: f64, n: usize, take_floor: impl Fn(f64, f64) -> bool) -> usize {
    let prev = index.floor();
    let gamma = index - prev;
    let i = if take_floor(gamma, index) {
        prev
    } else {
        prev + 1.0
    };
    (i.max(0.0) as usize).min(n - 1)
}

/// The `q`-th quantile (0 to 1) of sorted values (at least one, no NaN) by `method`,
/// as numpy's `_quantile`.
fn sorted_quantile(v: &[f64], q: f64, method: QuantileMethod) -> f64 {
    use QuantileMethod as M;
    let n = v.len();
    let nf = n as f64;
    let at = |i: f64| v[(i.max(0.0) as usize).min(n - 1)];
    let vi = match method {
        M::Lower => return at(((nf - 1.0) * q).floor()),
        M::Higher => return at(((nf - 1.0) * q).ceil()),
        M::Nearest => return at(((nf - 1.0) * q).round_ties_even()),
        M::InvertedCdf => return v[discrete(nf * q - 1.0, n, |g, _| g == 0.0)],
        M::ClosestObservation => {
            return v[discrete(nf * q - 1.0 - 0.5, n, |g, i| {
                g == 0.0 && i.floor().rem_euclid(2.0) == 1.0
            })];
        }
        M::Linear => (nf - 1.0) * q,
        M::AveragedInvertedCdf => nf * q - 1.0,
        M::Midpoint => 0.5 * (((nf - 1.0) * q).floor() + ((nf - 1.0) * q).ceil()),
        M::InterpolatedInvertedCdf => virtual_index(nf, q, 0.0, 1.0),
        M::Hazen => virtual_index(nf, q, 0.5, 0.5),
        M::Weibull => virtual_index(nf, q, 0.0, 0.0),
        M::MedianUnbiased => virtual_index(nf, q, 1.0 / 3.0, 1.0 / 3.0),
        M::NormalUnbiased => virtual_index(nf, q, 3.0 / 8.0, 3.0 / 8.0),
    };
    // numpy's `_get_indexes`: past either end, both neighbours are that end.
    let (prev, next, prev_index) = if vi >= nf - 1.0 {
        (n - 1, n - 1, -1.0)
    } else if vi < 0.0 {
        (0, 0, 0.0)
    } else {
        let p = vi.floor();
        (p as usize, p as usize + 1, p)
    };
    let gamma = vi - prev_index;
    let gamma = match method {
        M::AveragedInvertedCdf => {
            if gamma == 0.0 {
                0.5
            } else {
                1.0
            }
        }
        M::Midpoint => {
            if vi.rem_euclid(1.0) == 0.0 {
                0.0
            } else {
                0.5
            }
        }
        _ => gamma,
    };
    lerp(v[prev], v[next], gamma)
}

#[cfg(test)]
mod tests {
    use super::QuantileMethod as M;
    use super::*;

    const ALL: [M; 13] = [
        M::InvertedCdf,
        M::AveragedInvertedCdf,
        M::ClosestObservation,
        M::InterpolatedInvertedCdf,
        M::Hazen,
        M::Weibull,
        M::Linear,
        M::MedianUnbiased,
        M::NormalUnbiased,
        M::Lower,
        M::Higher,
        M::Midpoint,
        M::Nearest,
    ];

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    /// numpy's documented methods on [1, 2, 3, 4] (n = 4), worked by hand from the
    /// virtual index of each: `(n - 1) q` for linear/lower/higher/nearest/midpoint,
    /// `n q + alpha + q (1 - alpha - beta) - 1` for H&F 4-9, `n q - 1` (and `- 1/2`)
    /// for the discrete ones; values are 1-based order statistics.
    #[test]
    fn each_method_matches_numpy_by_hand() {
        let v = [1.0, 2.0, 3.0, 4.0];
        let cases: [(M, f64, f64); 26] = [
            // q = 0.4: (n-1)q = 1.2.
            (M::Linear, 0.4, 2.2),
            (M::Lower, 0.4, 2.0),
            (M::Higher, 0.4, 3.0),
            (M::Nearest, 0.4, 2.0),
            (M::Midpoint, 0.4, 2.5),
            // n q - 1 = 0.6: the next value (H&F 1), gamma != 0 gives 1 (H&F 2).
            (M::InvertedCdf, 0.4, 2.0),
            (M::AveragedInvertedCdf, 0.4, 2.0),
            // n q - 1.5 = 0.1: floor 0, gamma 0.1, so the next: index 1.
            (M::ClosestObservation, 0.4, 2.0),
            // H&F 4: 1.6 - 1 = 0.6 -> 1 + 0.6.
            (M::InterpolatedInvertedCdf, 0.4, 1.6),
            // H&F 5: 1.6 + 0.5 - 1 = 1.1 -> 2.1.
            (M::Hazen, 0.4, 2.1),
            // H&F 6: 1.6 + 0.4 - 1 = 1.0 -> 2.0.
            (M::Weibull, 0.4, 2.0),
            // H&F 8: 1.6 + 1/3 + 0.4/3 - 1 = 1.0666.. -> 2.0666..
            (M::MedianUnbiased, 0.4, 2.0 + 1.0 / 15.0),
            // H&F 9: 1.6 + 3/8 + 0.4/4 - 1 = 1.075 -> 2.075.
            (M::NormalUnbiased, 0.4, 2.075),
            // q = 0.5: (n-1)q = 1.5, rounded half to even: 2 -> value 3.
            (M::Nearest, 0.5, 3.0),
            (M::Midpoint, 0.5, 2.5),
            (M::Linear, 0.5, 2.5),
            // n q - 1 = 1, gamma 0: floor, value 2 (H&F 1); gamma 0 -> 1/2 (H&F 2).
            (M::InvertedCdf, 0.5, 2.0),
            (M::AveragedInvertedCdf, 0.5, 2.5),
            // n q - 1.5 = 0.5: floor 0, gamma 0.5, so the next: value 2.
            (M::ClosestObservation, 0.5, 2.0),
            // q = 0.625: n q - 1.5 = 1.0, gamma 0 and floor 1 odd: floor -> value 2.
            (M::ClosestObservation, 0.625, 2.0),
            // q = 0.875: n q - 1.5 = 2.0, gamma 0 and floor 2 even: next -> value 4.
            (M::ClosestObservation, 0.875, 4.0),
            // q = 0.125 (n-1)q = 0.375 -> nearest 0; 0.875 * 3 = 2.625 -> 3.
            (M::Nearest, 0.125, 1.0),
            (M::Nearest, 0.875, 4.0),
            // Past the ends: H&F 6 at q = 0.1: 0.4 + 0.1 - 1 < 0 -> the first; at
            // q = 0.9: 3.6 + 0.9 - 1 = 3.5 >= n - 1 -> the last.
            (M::Weibull, 0.1, 1.0),
            (M::Weibull, 0.9, 4.0),
            (M::Hazen, 1.0, 4.0),
        ];
        for (m, q, want) in cases {
            let got = sorted_quantile(&v, q, m);
            assert!(close(got, want), "{} q {q}: {got} != {want}", m.name());
        }
        // Every method: q = 0 and 1 give the ends; one value gives itself.
        for m in ALL {
            assert_eq!(sorted_quantile(&v, 0.0, m), 1.0, "{}", m.name());
            assert_eq!(sorted_quantile(&v, 1.0, m), 4.0, "{}", m.name());
            assert_eq!(sorted_quantile(&[7.0], 0.3, m), 7.0, "{}", m.name());
            assert_eq!(m.name().parse::<M>().unwrap(), m);
        }
    }

    #[test]
    fn lerp_rounds_from_the_nearer_end() {
        // numpy's _lerp: a + (b - a) t below 1/2, b - (b - a)(1 - t) from 1/2.
        assert_eq!(lerp(1.0, 3.0, 0.25), 1.5);
        assert_eq!(lerp(1.0, 3.0, 0.75), 2.5);
        assert_eq!(lerp(0.1, 0.7, 1.0), 0.7);
    }

    #[test]
    fn nan_lanes() {
        let qs = [0.5];
        assert!(lane_quantiles(&[1.0, f64::NAN], &qs, M::Linear, false)[0].is_nan());
        assert_eq!(
            lane_quantiles(&[1.0, f64::NAN, 3.0], &qs, M::Linear, true),
            vec![2.0]
        );
        assert!(lane_quantiles(&[f64::NAN, f64::NAN], &qs, M::Linear, true)[0].is_nan());
        assert!(weighted_lane_quantiles(&[f64::NAN], &[1.0], &qs, true)[0].is_nan());
    }

    /// numpy's weighted inverted_cdf: the first value whose normalized cumulative
    /// weight reaches q. Weights [1, 1, 2] on [10, 20, 30]: cdf [1/4, 1/2, 1].
    #[test]
    fn weighted_inverted_cdf_by_hand() {
        let p = [(10.0, 1.0), (20.0, 1.0), (30.0, 2.0)];
        assert_eq!(weighted_inverted_cdf(&p, 0.0), 10.0);
        assert_eq!(weighted_inverted_cdf(&p, 0.25), 10.0);
        assert_eq!(weighted_inverted_cdf(&p, 0.26), 20.0);
        assert_eq!(weighted_inverted_cdf(&p, 0.5), 20.0);
        assert_eq!(weighted_inverted_cdf(&p, 0.51), 30.0);
        assert_eq!(weighted_inverted_cdf(&p, 1.0), 30.0);
        // A leading zero weight: q = 0 picks the first value of positive weight.
        let z = [(10.0, 0.0), (20.0, 1.0), (30.0, 1.0)];
        assert_eq!(weighted_inverted_cdf(&z, 0.0), 20.0);
        // Unit weights agree with the unweighted method.
        let u: Vec<(f64, f64)> = (1..=5).map(|i| (i as f64, 1.0)).collect();
        let v: Vec<f64> = (1..=5).map(|i| i as f64).collect();
        for q in [0.0, 0.1, 0.2, 0.35, 0.5, 0.8, 0.99, 1.0] {
            assert_eq!(
                weighted_inverted_cdf(&u, q),
                sorted_quantile(&v, q, M::InvertedCdf),
                "q {q}"
            );
        }
    }
}
