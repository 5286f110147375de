//! Reductions: one streaming task per chunk produces a small partial (sum, moments,
//! extremum and its index), partials combine `split_every` at a time in a tree, and a
//! last task per output chunk finishes them (mean = sum/count, var from moments).
//!
//! Means and variances combine partial moments with Chan et al.'s formula, which stays
//! accurate where sum-of-squares formulas cancel. Partials are combined in chunk order,
//! so results are the same bits on every scheduler.

use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};

use super::chunks::{Grid, ravel};
use super::expr::{Expr, Fill, TILE};
use super::{DArray, Element};
use crate::graph::{Key, Node, Tokenizer, Value};
use crate::{Error, Result};

/// Which axes a reduction runs over.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Axes {
    /// Every axis: the result is 0-dimensional (or all ones with `keepdims`).
    All,
    /// These axes.
    Some(Vec<usize>),
}

impl From<usize> for Axes {
    fn from(a: usize) -> Self {
        Axes::Some(vec![a])
    }
}
impl From<Option<usize>> for Axes {
    fn from(a: Option<usize>) -> Self {
        a.map_or(Axes::All, |a| Axes::Some(vec![a]))
    }
}
impl From<&[usize]> for Axes {
    fn from(a: &[usize]) -> Self {
        Axes::Some(a.to_vec())
    }
}
impl From<Vec<usize>> for Axes {
    fn from(a: Vec<usize>) -> Self {
        Axes::Some(a)
    }
}
impl<const N: usize> From<[usize; N]> for Axes {
    fn from(a: [usize; N]) -> Self {
        Axes::Some(a.to_vec())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Op {
    Sum,
    Mean,
    Var,
    Std,
    Min,
    Max,
    ArgMin,
    ArgMax,
    CountNonzero,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Sum => "sum",
            Op::Mean => "mean",
            Op::Var => "var",
            Op::Std => "std",
            Op::Min => "min",
            Op::Max => "max",
            Op::ArgMin => "argmin",
            Op::ArgMax => "argmax",
            Op::CountNonzero => "count_nonzero",
        }
    }
    fn arg(self) -> bool {
        matches!(self, Op::ArgMin | Op::ArgMax)
    }
    fn needs_elements(self) -> bool {
        matches!(self, Op::Min | Op::Max | Op::ArgMin | Op::ArgMax)
    }
}

/// A reduction with its options, for what the shorthand methods do not cover.
///
/// ```
/// use chunkwise::array::{random_normal, Reduction};
/// let x = random_normal(0.0, 1.0, &[30, 20], [7, 6], 3).unwrap();
/// let v = x.reduce(&Reduction::var().axes(0).ddof(1).keepdims(true).split_every(2));
/// assert_eq!(v.shape(), &[1, 20]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reduction {
    op: Op,
    axes: Axes,
    keepdims: bool,
    split_every: usize,
    skip_nan: bool,
    ddof: u64,
}

macro_rules! reductions {
    ($($name:ident => $op:ident, $doc:literal;)*) => {
        impl Reduction {
            $(
                #[doc = $doc]
                pub fn $name() -> Self {
                    Reduction { op: Op::$op, axes: Axes::All, keepdims: false, split_every: 8, skip_nan: false, ddof: 0 }
                }
            )*
        }
    };
}

reductions! {
    sum => Sum, "Sum.";
    mean => Mean, "Arithmetic mean.";
    var => Var, "Variance (`ddof` 0 unless set).";
    std => Std, "Standard deviation (`ddof` 0 unless set).";
    min => Min, "Minimum.";
    max => Max, "Maximum.";
    argmin => ArgMin, "Index of the first minimum (along one axis, or flat over all).";
    argmax => ArgMax, "Index of the first maximum (along one axis, or flat over all).";
    count_nonzero => CountNonzero, "Number of non-zero elements (NaN counts as non-zero).";
}

impl Reduction {
    /// The axes to reduce (default: all).
    pub fn axes(mut self, axes: impl Into<Axes>) -> Self {
        self.axes = axes.into();
        self
    }
    /// Keep reduced axes with length 1.
    pub fn keepdims(mut self, keep: bool) -> Self {
        self.keepdims = keep;
        self
    }
    /// How many partials one combine task takes (at least 2; default 8).
    pub fn split_every(mut self, n: usize) -> Self {
        self.split_every = n;
        self
    }
    /// Ignore NaN (the `nan*` functions); by default NaN propagates, as in numpy.
    pub fn skip_nan(mut self, skip: bool) -> Self {
        self.skip_nan = skip;
        self
    }
    /// Delta degrees of freedom of `var` and `std`.
    pub fn ddof(mut self, ddof: u64) -> Self {
        self.ddof = ddof;
        self
    }
}

/// A partial result for one region: per output element, `n` (count), `a` (sum, mean or
/// extremum), `b` (M2) and `idx` (global index of the extremum), as the op needs.
#[derive(Clone)]
struct Partial {
    shape: Vec<usize>,
    n: Vec<f64>,
    a: Vec<f64>,
    b: Vec<f64>,
    idx: Vec<u64>,
}

impl crate::Encode for Partial {
    fn held_bytes(&self) -> u64 {
        8 * (self.n.len() + self.a.len() + self.b.len() + self.idx.len()) as u64
    }
    fn encode(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let shape: Vec<u64> = self.shape.iter().map(|&s| s as u64).collect();
        shape.encode(w)?;
        self.n.encode(w)?;
        self.a.encode(w)?;
        self.b.encode(w)?;
        self.idx.encode(w)
    }
    fn decode(r: &mut dyn std::io::Read) -> std::io::Result<Self> {
        let shape = Vec::<u64>::decode(r)?
            .into_iter()
            .map(|s| s as usize)
            .collect();
        Ok(Partial {
            shape,
            n: Vec::decode(r)?,
            a: Vec::decode(r)?,
            b: Vec::decode(r)?,
            idx: Vec::decode(r)?,
        })
    }
}

impl Partial {
    fn new(op: Op, shape: Vec<usize>) -> Self {
        let len: usize = shape.iter().product();
        let init = match op {
            Op::Min | Op::ArgMin => f64::INFINITY,
            Op::Max | Op::ArgMax => f64::NEG_INFINITY,
            _ => 0.0,
        };
        Partial {
            shape,
            n: vec![0.0; len],
            a: vec![init; len],
            b: if matches!(op, Op::Var | Op::Std) {
                vec![0.0; len]
            } else {
                Vec::new()
            },
            idx: if op.arg() {
                vec![u64::MAX; len]
            } else {
                Vec::new()
            },
        }
    }
}

/// Whether `x` (at index `i`) beats the current `(a, ai)` for a min (`max == false`).
/// NaN wins (as in numpy) unless skipped; ties go to the lower index.
#[inline(always)]
fn better(x: f64, i: u64, a: f64, ai: u64, max: bool) -> bool {
    if a.is_nan() {
        return x.is_nan() && i < ai;
    }
    if x.is_nan() {
        return true;
    }
    let strictly = if max { x > a } else { x < a };
    strictly || (x == a && i < ai)
}

struct Acc {
    op: Op,
    skip: bool,
    max: bool,
}

impl Acc {
    /// Adds moments `(n, mean, m2)` of some elements into output `o` (Chan et al.).
    #[inline(always)]
    fn merge_moments(&self, p: &mut Partial, o: usize, n: f64, mean: f64, m2: f64) {
        if n == 0.0 {
            return;
        }
        let na = p.n[o];
        let tot = na + n;
        let delta = mean - p.a[o];
        p.a[o] += delta * (n / tot);
        if let Some(b) = p.b.get_mut(o) {
            *b += m2 + delta * delta * (na * n / tot);
        }
        p.n[o] = tot;
    }

    /// A run of consecutive elements that all go to output `o`; `first` is the global
    /// index of the first one, `step` how the index moves along the run.
    fn reduce_run(&self, p: &mut Partial, o: usize, xs: &[f64], first: u64, step: u64) {
        match self.op {
            Op::Sum => {
                p.a[o] += if self.skip {
                    xs.iter().filter(|x| !x.is_nan()).sum()
                } else {
                    sum8_dispatched(xs)
                };
            }
            Op::CountNonzero => p.a[o] += xs.iter().filter(|&&x| x != 0.0).count() as f64,
            Op::Mean if !self.skip => {
                // A mean needs no M2: one pass.
                let n = xs.len() as f64;
                if n > 0.0 {
                    self.merge_moments(p, o, n, sum8_dispatched(xs) / n, 0.0);
                }
            }
            Op::Mean | Op::Var | Op::Std => {
                let (n, mean, m2) = if self.skip {
                    let v: Vec<f64> = xs.iter().copied().filter(|x| !x.is_nan()).collect();
                    moments(&v)
                } else {
                    moments(xs)
                };
                self.merge_moments(p, o, n, mean, m2);
            }
            Op::Min | Op::Max | Op::ArgMin | Op::ArgMax => {
                for (j, &x) in xs.iter().enumerate() {
                    self.element(p, o, x, first + j as u64 * step);
                }
            }
        }
    }

    #[inline(always)]
    fn element(&self, p: &mut Partial, o: usize, x: f64, i: u64) {
        if self.skip && x.is_nan() {
            return;
        }
        match self.op {
            Op::Sum => p.a[o] += x,
            Op::CountNonzero => p.a[o] += f64::from(u8::from(x != 0.0)),
            Op::Mean | Op::Var | Op::Std => {
                let n = p.n[o] + 1.0;
                let d = x - p.a[o];
                p.a[o] += d / n;
                if let Some(b) = p.b.get_mut(o) {
                    *b += d * (x - p.a[o]);
                }
                p.n[o] = n;
            }
            Op::Min | Op::Max | Op::ArgMin | Op::ArgMax => {
                p.n[o] += 1.0;
                let ai = if self.op.arg() { p.idx[o] } else { i };
                if better(x, i, p.a[o], ai, self.max) {
                    p.a[o] = x;
                    if self.op.arg() {
                        p.idx[o] = i;
                    }
                }
            }
        }
    }

    fn combine(&self, p: &mut Partial, q: &Partial) {
        for o in 0..p.a.len() {
            match self.op {
                Op::Sum | Op::CountNonzero => p.a[o] += q.a[o],
                Op::Mean | Op::Var | Op::Std => {
                    self.merge_moments(p, o, q.n[o], q.a[o], q.b.get(o).copied().unwrap_or(0.0))
                }
                Op::Min | Op::Max | Op::ArgMin | Op::ArgMax => {
                    if q.n[o] == 0.0 {
                        continue;
                    }
                    let (pi, qi) = if self.op.arg() {
                        (p.idx[o], q.idx[o])
                    } else {
                        (1, 0)
                    };
                    if p.n[o] == 0.0 || better(q.a[o], qi, p.a[o], pi, self.max) {
                        p.a[o] = q.a[o];
                        if self.op.arg() {
                            p.idx[o] = q.idx[o];
                        }
                    }
                    p.n[o] += q.n[o];
                }
            }
        }
    }

    fn finish(&self, p: &Partial, ddof: u64) -> Vec<f64> {
        (0..p.a.len())
            .map(|o| match self.op {
                Op::Sum | Op::CountNonzero => p.a[o],
                Op::Mean => {
                    if p.n[o] > 0.0 {
                        p.a[o]
                    } else {
                        f64::NAN
                    }
                }
                Op::Var | Op::Std => {
                    let dof = p.n[o] - ddof as f64;
                    let v = if dof > 0.0 { p.b[o] / dof } else { f64::NAN };
                    if self.op == Op::Std { v.sqrt() } else { v }
                }
                Op::Min | Op::Max => {
                    if p.n[o] > 0.0 {
                        p.a[o]
                    } else {
                        f64::NAN
                    }
                }
                Op::ArgMin | Op::ArgMax => {
                    if p.idx[o] == u64::MAX {
                        f64::NAN
                    } else {
                        p.idx[o] as f64
                    }
                }
            })
            .collect()
    }
}

/// A sum in 8 independent lanes: vectorises, and rounds less than one running sum.
#[inline(always)]
fn sum8(xs: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let mut it = xs.chunks_exact(8);
    for c in &mut it {
        for l in 0..8 {
            acc[l] += c[l];
        }
    }
    let tail: f64 = it.remainder().iter().sum();
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

fn sum8_dispatched(xs: &[f64]) -> f64 {
    let mut out = 0.0;
    sum8_dispatch(xs, &mut out, false);
    out
}

crate::simd::multiversion!(sum8_dispatch, sum8_into, (xs: &[f64], out: &mut f64));

#[inline(always)]
fn sum8_into(xs: &[f64], out: &mut f64) {
    *out = sum8(xs);
}

/// Count, mean and M2 of a run, two passes (the run is in cache).
fn moments(xs: &[f64]) -> (f64, f64, f64) {
    let mut out = (0.0, 0.0, 0.0);
    moments_dispatch(xs, &mut out, false);
    out
}

crate::simd::multiversion!(moments_dispatch, moments_into, (xs: &[f64], out: &mut (f64, f64, f64)));

#[inline(always)]
fn moments_into(xs: &[f64], out: &mut (f64, f64, f64)) {
    *out = moments_generic(xs);
}

#[inline(always)]
fn moments_generic(xs: &[f64]) -> (f64, f64, f64) {
    if xs.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    let n = xs.len() as f64;
    let mean = sum8(xs) / n;
    let mut acc = [0.0f64; 8];
    let mut it = xs.chunks_exact(8);
    for c in &mut it {
        for l in 0..8 {
            let d = c[l] - mean;
            acc[l] += d * d;
        }
    }
    let tail: f64 = it.remainder().iter().map(|x| (x - mean) * (x - mean)).sum();
    let m2 = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    (n, mean, m2 + tail)
}

/// Streams chunk `c` of `expr` through the accumulator.
fn reduce_chunk(
    acc: &Acc,
    expr: &Expr,
    grid: &Grid,
    c: usize,
    reduced: &[bool],
    arg_axis: Option<usize>,
    inputs: &[Value],
) -> Result<Partial> {
    let (coff, cshape) = grid.chunk(c);
    let d = cshape.len();
    let pshape: Vec<usize> = cshape
        .iter()
        .zip(reduced)
        .map(|(&n, &r)| if r { 1 } else { n })
        .collect();
    let mut p = Partial::new(acc.op, pshape.clone());
    let total: usize = cshape.iter().product();
    if total == 0 {
        return Ok(p);
    }
    let mut next = 0;
    let mut fill: Fill<'_> = expr.open(grid, c, inputs, &mut next)?;
    if d == 0 {
        let mut x = [0.0];
        fill.fill(&mut x);
        acc.element(&mut p, 0, x[0], 0);
        return Ok(p);
    }
    // Row-major strides of the partial; a reduced axis contributes nothing.
    let mut pstr = vec![0usize; d];
    let mut s = 1;
    for k in (0..d).rev() {
        pstr[k] = if reduced[k] { 0 } else { s };
        s *= pshape[k];
    }
    let row_len = cshape[d - 1];
    let last_reduced = reduced[d - 1];
    let rows = total / row_len;
    let mut outer = vec![0usize; d - 1];
    let tile_rows = (TILE / row_len).max(1);
    let mut buf = vec![
        0.0;
        if row_len >= TILE {
            TILE
        } else {
            tile_rows * row_len
        }
    ];
    let mut row = 0;
    while row < rows {
        let nrows = if row_len >= TILE {
            1
        } else {
            tile_rows.min(rows - row)
        };
        for r in 0..nrows {
            // The output base and the global index of this row's first element.
            let base: usize = (0..d - 1).map(|k| outer[k] * pstr[k]).sum();
            let (first, step) = match arg_axis {
                None if acc.op.arg() => {
                    let mut gidx: Vec<usize> = (0..d - 1).map(|k| coff[k] + outer[k]).collect();
                    gidx.push(coff[d - 1]);
                    (ravel(&gidx, grid.shape()) as u64, 1)
                }
                Some(k) if k == d - 1 => (coff[k] as u64, 1),
                Some(k) => ((coff[k] + outer[k]) as u64, 0),
                None => (0, 0),
            };
            let mut col = 0;
            while col < row_len {
                let n = if row_len >= TILE {
                    (row_len - col).min(TILE)
                } else {
                    row_len
                };
                let xs = if row_len >= TILE {
                    fill.fill(&mut buf[..n]);
                    &buf[..n]
                } else {
                    if r == 0 {
                        fill.fill(&mut buf[..nrows * row_len]);
                    }
                    &buf[r * row_len..(r + 1) * row_len]
                };
                let run_first = first + col as u64 * step;
                if last_reduced {
                    acc.reduce_run(&mut p, base, xs, run_first, step);
                } else {
                    for (j, &x) in xs.iter().enumerate() {
                        acc.element(&mut p, base + col + j, x, run_first + j as u64 * step);
                    }
                }
                col += n;
            }
            // Advance the outer odometer.
            for k in (0..d - 1).rev() {
                outer[k] += 1;
                if outer[k] < cshape[k] {
                    break;
                }
                outer[k] = 0;
            }
        }
        row += nrows;
    }
    Ok(p)
}

impl DArray {
    /// Runs a [`Reduction`].
    pub fn reduce(&self, r: &Reduction) -> DArray {
        match self.try_reduce(r) {
            Ok(a) => a,
            Err(e) => self.failed(e),
        }
    }

    fn try_reduce(&self, r: &Reduction) -> Result<DArray> {
        let (axes, reduced) = self.reduced_axes(&r.axes)?;
        if r.split_every < 2 {
            return Err(Error::invalid(format!(
                "split_every must be at least 2, got {}",
                r.split_every
            )));
        }
        let arg_axis = if r.op.arg() {
            match (&r.axes, axes.as_slice()) {
                (Axes::All, _) => None,
                (_, [a]) => Some(*a),
                _ => {
                    return Err(Error::invalid(format!(
                        "{} runs along one axis or over all, not over {axes:?}",
                        r.op.name()
                    )));
                }
            }
        } else {
            None
        };
        if r.op.needs_elements() && axes.iter().any(|&a| self.grid.shape()[a] == 0) {
            return Err(Error::invalid(format!(
                "{} of an empty axis has no result (shape {:?})",
                r.op.name(),
                self.shape()
            )));
        }
        let acc = Arc::new(Acc {
            op: r.op,
            skip: r.skip_nan,
            max: matches!(r.op, Op::Max | Op::ArgMax),
        });
        let token = Tokenizer::new("reduce")
            .param(r)
            .param(&self.token())
            .finish();
        // Each layer its own token: keys are equal when token and index are.
        let layer = |l: &str| Tokenizer::new(l).param(&token).finish();
        let t_partial = layer("reduce-partial");
        let name = r.op.name();
        let grid = Arc::clone(&self.grid);
        let expr = self.expr.clone();
        let reduced = Arc::new(reduced);

        // One streaming partial per chunk.
        let partials: Vec<Arc<Node>> = (0..grid.n_chunks())
            .map(|c| {
                let mut deps = Vec::new();
                expr.leaves(c, &mut deps);
                let (_, cshape) = grid.chunk(c);
                let plen: usize = cshape
                    .iter()
                    .zip(reduced.iter())
                    .map(|(&n, &r)| if r { 1 } else { n })
                    .product();
                let (acc, expr, grid, reduced) = (
                    Arc::clone(&acc),
                    expr.clone(),
                    Arc::clone(&grid),
                    Arc::clone(&reduced),
                );
                let mut node = Node::new(
                    Key::new("reduce-partial", t_partial, c as u64),
                    deps,
                    Box::new(move |inputs| {
                        Ok(Arc::new(reduce_chunk(
                            &acc, &expr, &grid, c, &reduced, arg_axis, inputs,
                        )?) as Value)
                    }),
                );
                node.bytes = 32 * plen as u64;
                node.codec = Some(crate::encode::Codec::of::<Partial>());
                Arc::new(node)
            })
            .collect();

        let ddof = r.ddof;
        let combine = Arc::clone(&acc);
        Ok(tree(
            &grid,
            &reduced[..],
            partials,
            Tree {
                name,
                token,
                split_every: r.split_every,
                keepdims: r.keepdims,
                combine: Arc::new(move |p: &mut Partial, q: &Partial| combine.combine(p, q)),
                finish: Arc::new(move |p: &Partial| {
                    ArrayD::from_shape_vec(IxDyn(&p.shape), acc.finish(p, ddof))
                        .map_err(|e| Error::external("ndarray, shaping a result", e))
                }),
            },
        ))
    }
}

/// How a tree reduction's partials combine and finish: partials of the chunks that
/// make one output chunk combine `split_every` at a time, in chunk order (so results
/// are the same bits on every scheduler), and a last task finishes them.
pub(crate) struct Tree<P, U> {
    pub(crate) name: &'static str,
    pub(crate) token: u64,
    pub(crate) split_every: usize,
    pub(crate) keepdims: bool,
    /// Folds a later partial into an earlier one.
    pub(crate) combine: CombineFn<P>,
    /// One output chunk, shaped as its input chunks with the reduced axes of length 1.
    pub(crate) finish: FinishFn<P, U>,
}

type CombineFn<P> = Arc<dyn Fn(&mut P, &P) + Send + Sync>;
type FinishFn<P, U> = Arc<dyn Fn(&P) -> Result<ArrayD<U>> + Send + Sync>;

/// The reduction of `grid`'s chunks over the `reduced` axes, from one partial task per
/// chunk (in chunk order).
pub(crate) fn tree<P, U>(
    grid: &Arc<Grid>,
    reduced: &[bool],
    partials: Vec<Arc<Node>>,
    t: Tree<P, U>,
) -> DArray<U>
where
    P: crate::Encode + Clone,
    U: Element,
{
    let Tree {
        name,
        token,
        split_every,
        keepdims,
        combine,
        finish,
    } = t;
    let t_combine = Tokenizer::new("reduce-combine").param(&token).finish();
    // Group partials by output chunk, in chunk order.
    let gshape = grid.grid_shape();
    let out_gshape: Vec<usize> = gshape
        .iter()
        .zip(reduced)
        .map(|(&n, &r)| if r { 1 } else { n })
        .collect();
    let n_out: usize = out_gshape.iter().product();
    let mut groups: Vec<Vec<Arc<Node>>> = vec![Vec::new(); n_out];
    for (c, p) in partials.into_iter().enumerate() {
        let pos: Vec<usize> = grid
            .position(c)
            .iter()
            .zip(reduced)
            .map(|(&i, &r)| if r { 0 } else { i })
            .collect();
        groups[ravel(&pos, &out_gshape)].push(p);
    }
    let partial = |v: &Value| -> P { v.downcast_ref::<P>().expect("partials of one type").clone() };

    let mut combine_index = 0u64;
    let nd = grid.ndim();
    let kept: Arc<Vec<usize>> = Arc::new((0..nd).filter(|&k| keepdims || !reduced[k]).collect());
    let finals: Vec<Arc<Node>> = groups
        .into_iter()
        .enumerate()
        .map(|(g, mut level)| {
            while level.len() > 1 {
                level = level
                    .chunks(split_every)
                    .map(|parts| {
                        if parts.len() == 1 {
                            return Arc::clone(&parts[0]);
                        }
                        let combine = Arc::clone(&combine);
                        combine_index += 1;
                        let mut node = Node::new(
                            Key::new("reduce-combine", t_combine, combine_index),
                            parts.to_vec(),
                            Box::new(move |vals| {
                                let mut p = partial(&vals[0]);
                                for v in &vals[1..] {
                                    combine(&mut p, v.downcast_ref::<P>().expect("partials"));
                                }
                                Ok(Arc::new(p) as Value)
                            }),
                        );
                        node.codec = Some(crate::encode::Codec::of::<P>());
                        Arc::new(node)
                    })
                    .collect();
            }
            let (finish, kept) = (Arc::clone(&finish), Arc::clone(&kept));
            let mut node = Node::new(
                Key::new(name, token, g as u64),
                level,
                Box::new(move |vals| {
                    let out = finish(vals[0].downcast_ref::<P>().expect("partials"))?;
                    let shape: Vec<usize> = kept.iter().map(|&k| out.shape()[k]).collect();
                    let out = out
                        .into_shape_with_order(IxDyn(&shape))
                        .map_err(|e| Error::external("ndarray, shaping a result", e))?;
                    Ok(Arc::new(out) as Value)
                }),
            );
            node.codec = Some(super::expr::chunk_codec::<U>());
            Arc::new(node)
        })
        .collect();

    let (shape, chunks): (Vec<usize>, Vec<Vec<usize>>) = kept
        .iter()
        .map(|&k| {
            if reduced[k] {
                (1, vec![1])
            } else {
                (grid.shape()[k], grid.chunks()[k].clone())
            }
        })
        .unzip();
    DArray::from_chunks(
        Arc::new(Grid::from_parts(shape, chunks)),
        token,
        name,
        finals,
    )
}
