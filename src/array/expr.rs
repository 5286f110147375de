//! Fused per-chunk pipelines: an expression of generators, elementwise operations and
//! materialised chunks, evaluated for one chunk in tiles of its row-major order.
//!
//! Nothing here allocates a whole chunk unless the chunk itself is the result
//! (`materialize`); a reduction pulls tiles straight through (see `impl_reduce.rs`).

use std::sync::Arc;

use ndarray::{ArrayD, IxDyn, Slice, SliceInfoElem};

use super::chunks::Grid;
use crate::encode::Codec;
use crate::graph::{Key, Node, Value};
use crate::random::{ChunkStream, Xoshiro256pp};
use crate::{Error, Result};

/// Elements per tile: 32 KiB of doubles, small enough for L1/L2.
pub(crate) const TILE: usize = 4096;

/// An elementwise function of one value.
#[derive(Clone)]
pub(crate) enum Unary {
    Builtin(fn(f64) -> f64),
    Map(Arc<dyn Fn(f64) -> f64 + Send + Sync>),
}

impl Unary {
    #[inline]
    fn apply(&self, xs: &mut [f64]) {
        match self {
            Unary::Builtin(f) => xs.iter_mut().for_each(|x| *x = f(*x)),
            Unary::Map(f) => xs.iter_mut().for_each(|x| *x = f(*x)),
        }
    }
}

/// An elementwise function of two values. Comparisons give 1.0 or 0.0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Minimum,
    Maximum,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl BinOp {
    #[inline(always)]
    pub(crate) fn apply(self, a: f64, b: f64) -> f64 {
        let t = |c: bool| if c { 1.0 } else { 0.0 };
        match self {
            BinOp::Add => a + b,
            BinOp::Sub => a - b,
            BinOp::Mul => a * b,
            BinOp::Div => a / b,
            BinOp::Pow => a.powf(b),
            BinOp::Minimum => {
                if a.is_nan() || a < b {
                    a
                } else {
                    b
                }
            }
            BinOp::Maximum => {
                if a.is_nan() || a > b {
                    a
                } else {
                    b
                }
            }
            BinOp::Lt => t(a < b),
            BinOp::Le => t(a <= b),
            BinOp::Gt => t(a > b),
            BinOp::Ge => t(a >= b),
            BinOp::Eq => t(a == b),
            BinOp::Ne => t(a != b),
        }
    }

    fn zip(self, a: &mut [f64], b: &[f64]) {
        match self {
            // The common cases as plain loops, so they vectorise.
            BinOp::Add => a.iter_mut().zip(b).for_each(|(x, y)| *x += y),
            BinOp::Sub => a.iter_mut().zip(b).for_each(|(x, y)| *x -= y),
            BinOp::Mul => a.iter_mut().zip(b).for_each(|(x, y)| *x *= y),
            BinOp::Div => a.iter_mut().zip(b).for_each(|(x, y)| *x /= y),
            op => a.iter_mut().zip(b).for_each(|(x, y)| *x = op.apply(*x, *y)),
        }
    }
}

/// A node of the expression; `token` names it (and so its tasks' keys).
pub(crate) struct ExprNode {
    pub(crate) token: u64,
    pub(crate) label: &'static str,
    pub(crate) kind: Kind,
}

pub(crate) enum Kind {
    Normal {
        states: Arc<Vec<Xoshiro256pp>>,
        mean: f64,
        std: f64,
    },
    Uniform {
        states: Arc<Vec<Xoshiro256pp>>,
        low: f64,
        high: f64,
    },
    Integers {
        states: Arc<Vec<Xoshiro256pp>>,
        low: i64,
        high: i64,
    },
    Full(f64),
    /// 1-d: `start + step * i`.
    Linear {
        start: f64,
        step: f64,
    },
    /// An in-memory array, shared; each chunk reads its region.
    Shared(Arc<ArrayD<f64>>),
    /// Materialised chunks, one node per chunk in grid order.
    Chunks(Arc<Vec<Arc<Node>>>),
    Unary(Unary, Expr),
    Binary(BinOp, Expr, Expr),
    /// `op(x, s)`, or `op(s, x)` when the flag is set.
    Scalar(BinOp, Expr, f64, bool),
}

#[derive(Clone)]
pub(crate) struct Expr(pub(crate) Arc<ExprNode>);

impl Expr {
    pub(crate) fn new(token: u64, label: &'static str, kind: Kind) -> Self {
        Expr(Arc::new(ExprNode { token, label, kind }))
    }

    pub(crate) fn token(&self) -> u64 {
        self.0.token
    }

    pub(crate) fn label(&self) -> &'static str {
        self.0.label
    }

    pub(crate) fn kind(&self) -> &Kind {
        &self.0.kind
    }

    /// The materialised chunk nodes chunk `c` reads, in evaluation order.
    pub(crate) fn leaves(&self, c: usize, out: &mut Vec<Arc<Node>>) {
        match self.kind() {
            Kind::Chunks(nodes) => out.push(Arc::clone(&nodes[c])),
            Kind::Unary(_, e) | Kind::Scalar(_, e, _, _) => e.leaves(c, out),
            Kind::Binary(_, a, b) => {
                a.leaves(c, out);
                b.leaves(c, out);
            }
            _ => {}
        }
    }

    /// Opens chunk `c` for filling, with the values of its leaves.
    pub(crate) fn open<'a>(
        &'a self,
        grid: &Grid,
        c: usize,
        inputs: &'a [Value],
        next: &mut usize,
    ) -> Result<Fill<'a>> {
        Ok(match self.kind() {
            Kind::Normal { states, mean, std } => {
                Fill::Normal(ChunkStream::new(&states[c]), *mean, *std)
            }
            Kind::Uniform { states, low, high } => {
                Fill::Uniform(ChunkStream::new(&states[c]), *low, *high)
            }
            Kind::Integers { states, low, high } => {
                Fill::Integers(ChunkStream::new(&states[c]), *low, *high)
            }
            Kind::Full(v) => Fill::Const(*v),
            Kind::Linear { start, step } => {
                let (offset, _) = grid.chunk(c);
                Fill::Linear {
                    start: *start,
                    step: *step,
                    next: offset.first().copied().unwrap_or(0),
                }
            }
            Kind::Shared(arr) => {
                let (offset, shape) = grid.chunk(c);
                let info: Vec<SliceInfoElem> = offset
                    .iter()
                    .zip(&shape)
                    .map(|(&o, &n)| Slice::from(o..o + n).into())
                    .collect();
                Fill::Iter(Box::new(arr.slice(info.as_slice()).into_iter()))
            }
            Kind::Chunks(_) => {
                let v = inputs[*next]
                    .downcast_ref::<ArrayD<f64>>()
                    .expect("chunk values are ArrayD<f64>");
                *next += 1;
                match v.as_slice() {
                    Some(s) => Fill::Slice(s, 0),
                    None => Fill::Iter(Box::new(v.iter())),
                }
            }
            Kind::Unary(f, e) => Fill::Unary(f, Box::new(e.open(grid, c, inputs, next)?)),
            Kind::Binary(op, a, b) => Fill::Binary(
                *op,
                Box::new(a.open(grid, c, inputs, next)?),
                Box::new(b.open(grid, c, inputs, next)?),
                Vec::new(),
            ),
            Kind::Scalar(op, e, s, left) => {
                Fill::Scalar(*op, Box::new(e.open(grid, c, inputs, next)?), *s, *left)
            }
        })
    }
}

/// One chunk's expression, opened: each `fill` writes the next elements in row-major order.
pub(crate) enum Fill<'a> {
    Normal(ChunkStream, f64, f64),
    Uniform(ChunkStream, f64, f64),
    Integers(ChunkStream, i64, i64),
    Const(f64),
    Linear { start: f64, step: f64, next: usize },
    Slice(&'a [f64], usize),
    Iter(Box<dyn Iterator<Item = &'a f64> + 'a>),
    Unary(&'a Unary, Box<Fill<'a>>),
    Binary(BinOp, Box<Fill<'a>>, Box<Fill<'a>>, Vec<f64>),
    Scalar(BinOp, Box<Fill<'a>>, f64, bool),
}

impl Fill<'_> {
    pub(crate) fn fill(&mut self, out: &mut [f64]) {
        match self {
            Fill::Normal(s, m, sd) => s.fill_normal(out, *m, *sd),
            Fill::Uniform(s, lo, hi) => s.fill_uniform(out, *lo, *hi),
            Fill::Integers(s, lo, hi) => s.fill_integers(out, *lo, *hi),
            Fill::Const(v) => out.fill(*v),
            Fill::Linear { start, step, next } => {
                for (k, o) in out.iter_mut().enumerate() {
                    *o = *start + *step * (*next + k) as f64;
                }
                *next += out.len();
            }
            Fill::Slice(data, pos) => {
                out.copy_from_slice(&data[*pos..*pos + out.len()]);
                *pos += out.len();
            }
            Fill::Iter(it) => {
                for o in out.iter_mut() {
                    *o = *it
                        .next()
                        .expect("a region has as many elements as its chunk");
                }
            }
            Fill::Unary(f, inner) => {
                inner.fill(out);
                f.apply(out);
            }
            Fill::Binary(op, a, b, scratch) => {
                a.fill(out);
                scratch.resize(out.len(), 0.0);
                b.fill(scratch);
                op.zip(out, scratch);
            }
            Fill::Scalar(op, inner, s, left) => {
                inner.fill(out);
                let (op, s) = (*op, *s);
                if *left {
                    out.iter_mut().for_each(|x| *x = op.apply(s, *x));
                } else {
                    match op {
                        BinOp::Add => out.iter_mut().for_each(|x| *x += s),
                        BinOp::Mul => out.iter_mut().for_each(|x| *x *= s),
                        _ => out.iter_mut().for_each(|x| *x = op.apply(*x, s)),
                    }
                }
            }
        }
    }
}

pub(crate) fn chunk_codec<T: super::Element>() -> Codec {
    Codec::of::<ArrayD<T>>()
}

/// Evaluates chunk `c` whole, as an `ArrayD` in standard layout.
pub(crate) fn eval_chunk(
    expr: &Expr,
    grid: &Grid,
    c: usize,
    inputs: &[Value],
) -> Result<ArrayD<f64>> {
    let (_, shape) = grid.chunk(c);
    let n: usize = shape.iter().product();
    let mut data = vec![0.0; n];
    let mut next = 0;
    let mut fill = expr.open(grid, c, inputs, &mut next)?;
    for tile in data.chunks_mut(TILE) {
        fill.fill(tile);
    }
    ArrayD::from_shape_vec(IxDyn(&shape), data)
        .map_err(|e| Error::external("ndarray, assembling a chunk", e))
}

/// One task per chunk computing the expression; materialised chunks are returned as is.
pub(crate) fn materialize(expr: &Expr, grid: &Arc<Grid>) -> Arc<Vec<Arc<Node>>> {
    if let Kind::Chunks(nodes) = expr.kind() {
        return Arc::clone(nodes);
    }
    let nodes = (0..grid.n_chunks())
        .map(|c| {
            let mut deps = Vec::new();
            expr.leaves(c, &mut deps);
            let (e, g) = (expr.clone(), Arc::clone(grid));
            let mut node = Node::new(
                Key::new(expr.label(), expr.token(), c as u64),
                deps,
                Box::new(move |inputs| Ok(Arc::new(eval_chunk(&e, &g, c, inputs)?) as Value)),
            );
            node.bytes = 8 * grid.chunk_shape(c).iter().product::<usize>() as u64;
            node.codec = Some(chunk_codec::<f64>());
            Arc::new(node)
        })
        .collect();
    Arc::new(nodes)
}
