//! Elementwise operations: arithmetic with scalars and arrays (chunks realigned when
//! they differ), unary math, comparisons, `map`, `map_blocks`. All fused but
//! `map_blocks`.

use std::ops::{Add, Div, Mul, Neg, Sub};
use std::sync::Arc;

use ndarray::ArrayD;

use super::DArray;
use super::chunks::Grid;
use super::expr::{BinOp, Expr, Kind, Unary, chunk_codec};
use super::impl_broadcast::broadcast_shape;
use crate::Error;
use crate::graph::{Key, Node, Tokenizer, Value};

/// The right-hand side of an elementwise operation: a scalar or an array.
#[derive(Clone, Debug)]
pub enum Operand {
    /// A number, broadcast to every element.
    Scalar(f64),
    /// An array; shapes broadcast as in numpy.
    Array(DArray),
}

impl From<f64> for Operand {
    fn from(v: f64) -> Self {
        Operand::Scalar(v)
    }
}
impl From<&DArray> for Operand {
    fn from(a: &DArray) -> Self {
        Operand::Array(a.clone())
    }
}
impl From<DArray> for Operand {
    fn from(a: DArray) -> Self {
        Operand::Array(a)
    }
}

macro_rules! unary_methods {
    ($($name:ident => $f:expr, $doc:literal;)*) => {
        impl DArray {
            $(
                #[doc = $doc]
                pub fn $name(&self) -> DArray {
                    self.unary(stringify!($name), $f)
                }
            )*
        }
    };
}

unary_methods! {
    exp => f64::exp, "`e^x` elementwise.";
    ln => f64::ln, "Natural logarithm elementwise (NaN below 0, -inf at 0).";
    log10 => f64::log10, "Base-10 logarithm elementwise.";
    sqrt => f64::sqrt, "Square root elementwise (NaN below 0).";
    abs => f64::abs, "Absolute value elementwise.";
    sin => f64::sin, "Sine elementwise.";
    cos => f64::cos, "Cosine elementwise.";
    tan => f64::tan, "Tangent elementwise.";
    tanh => f64::tanh, "Hyperbolic tangent elementwise.";
    floor => f64::floor, "Floor elementwise.";
    ceil => f64::ceil, "Ceiling elementwise.";
    round => f64::round, "Round half away from zero, elementwise.";
    square => |x: f64| x * x, "`x * x` elementwise.";
    is_nan => |x: f64| if x.is_nan() { 1.0 } else { 0.0 }, "1.0 where NaN, else 0.0.";
}

macro_rules! binary_methods {
    ($($name:ident => $op:ident, $doc:literal;)*) => {
        impl DArray {
            $(
                #[doc = $doc]
                pub fn $name(&self, other: impl Into<Operand>) -> DArray {
                    self.binary(BinOp::$op, other.into())
                }
            )*
        }
    };
}

binary_methods! {
    pow => Pow, "`x ^ y` elementwise.";
    minimum => Minimum, "Elementwise minimum (NaN propagates, as `numpy.minimum`).";
    maximum => Maximum, "Elementwise maximum (NaN propagates, as `numpy.maximum`).";
    lt => Lt, "`x < y` as 1.0 or 0.0.";
    le => Le, "`x <= y` as 1.0 or 0.0.";
    gt => Gt, "`x > y` as 1.0 or 0.0.";
    ge => Ge, "`x >= y` as 1.0 or 0.0.";
    eq => Eq, "`x == y` as 1.0 or 0.0.";
    ne => Ne, "`x != y` as 1.0 or 0.0.";
}

impl DArray {
    fn unary(&self, name: &'static str, f: fn(f64) -> f64) -> DArray {
        let t = Tokenizer::new(name).param(&self.token()).finish();
        self.with_expr(Expr::new(
            t,
            name,
            Kind::Unary(Unary::Builtin(f), self.expr.clone()),
        ))
    }

    fn with_expr(&self, expr: Expr) -> DArray {
        DArray {
            grid: Arc::clone(&self.grid),
            expr,
            error: self.error.clone(),
        }
    }

    /// A function of each element, fused into the chunk pipeline.
    ///
    /// ```
    /// let x = chunkwise::array::arange(0.0, 5.0, 1.0, [2]).unwrap();
    /// let y = x.map(|v| v * v + 1.0);
    /// assert_eq!(y.compute().unwrap().into_raw_vec_and_offset().0, vec![1.0, 2.0, 5.0, 10.0, 17.0]);
    /// ```
    pub fn map<F: Fn(f64) -> f64 + Send + Sync + 'static>(&self, f: F) -> DArray {
        let t = Tokenizer::new("map")
            .param(&self.token())
            .sequenced()
            .finish();
        self.with_expr(Expr::new(
            t,
            "map",
            Kind::Unary(Unary::Map(Arc::new(f)), self.expr.clone()),
        ))
    }

    pub(crate) fn binary(&self, op: BinOp, other: Operand) -> DArray {
        match other {
            Operand::Scalar(s) => self.scalar_op(op, s, false),
            Operand::Array(b) => {
                if let Some(e) = &b.error {
                    return DArray {
                        error: Some(Arc::clone(e)),
                        ..self.clone()
                    };
                }
                let (a, b) = if self.shape() == b.shape() && self.chunks() == b.chunks() {
                    (self.clone(), b)
                } else {
                    let shape = match broadcast_shape(self.shape(), b.shape()) {
                        Ok(s) => s,
                        Err(e) => return self.failed(e),
                    };
                    // Along each axis, the chunks of the operands that span it (both:
                    // cut at every boundary either has).
                    let spans = |x: &DArray, j: usize| {
                        let i = (j + x.ndim()).checked_sub(shape.len())?;
                        (x.shape()[i] == shape[j]).then(|| x.chunks()[i].clone())
                    };
                    let chunks = (0..shape.len())
                        .map(|j| match (spans(self, j), spans(&b, j)) {
                            (Some(x), Some(y)) => common_chunks(&x, &y),
                            (Some(x), None) | (None, Some(x)) => x,
                            (None, None) => unreachable!("one operand spans every axis"),
                        })
                        .collect();
                    let grid = Arc::new(Grid { shape, chunks });
                    (
                        self.broadcast_grid(Arc::clone(&grid)),
                        b.broadcast_grid(grid),
                    )
                };
                let t = Tokenizer::new("elemwise")
                    .param(&op)
                    .param(&a.token())
                    .param(&b.token())
                    .finish();
                a.with_expr(Expr::new(
                    t,
                    "elemwise",
                    Kind::Binary(op, a.expr.clone(), b.expr),
                ))
            }
        }
    }

    fn scalar_op(&self, op: BinOp, s: f64, left: bool) -> DArray {
        let t = Tokenizer::new("scalar")
            .param(&op)
            .param(&s.to_bits())
            .param(&left)
            .param(&self.token())
            .finish();
        self.with_expr(Expr::new(
            t,
            "elemwise",
            Kind::Scalar(op, self.expr.clone(), s, left),
        ))
    }

    /// Applies `f` to each whole chunk (as `map_blocks`); `f` must keep the chunk's
    /// shape, or the task fails naming its key.
    pub fn map_blocks<F>(&self, f: F) -> DArray
    where
        F: Fn(&ArrayD<f64>) -> ArrayD<f64> + Send + Sync + 'static,
    {
        let input = self.chunk_nodes();
        let t = Tokenizer::new("map_blocks")
            .param(&self.token())
            .sequenced()
            .finish();
        let f = Arc::new(f);
        let nodes = input
            .iter()
            .enumerate()
            .map(|(c, n)| {
                let f = Arc::clone(&f);
                let mut node = Node::new(
                    Key::new("map_blocks", t, c as u64),
                    vec![Arc::clone(n)],
                    Box::new(move |v| {
                        let a = v[0]
                            .downcast_ref::<ArrayD<f64>>()
                            .expect("chunk values are ArrayD<f64>");
                        let out = f(a);
                        if out.shape() != a.shape() {
                            return Err(Error::invalid(format!(
                                "map_blocks returned shape {:?} for a chunk of shape {:?}",
                                out.shape(),
                                a.shape()
                            )));
                        }
                        Ok(Arc::new(out.as_standard_layout().into_owned()) as Value)
                    }),
                );
                node.bytes = n.bytes;
                node.codec = Some(chunk_codec());
                Arc::new(node)
            })
            .collect();
        self.with_expr(Expr::new(t, "map_blocks", Kind::Chunks(Arc::new(nodes))))
    }
}

/// Every boundary of either chunking.
fn common_chunks(a: &[usize], b: &[usize]) -> Vec<usize> {
    let mut edges: Vec<usize> = a
        .iter()
        .scan(0, |s, &n| {
            *s += n;
            Some(*s)
        })
        .chain(b.iter().scan(0, |s, &n| {
            *s += n;
            Some(*s)
        }))
        .collect();
    edges.sort_unstable();
    edges.dedup();
    let mut prev = 0;
    let mut out = Vec::new();
    for e in edges {
        if e > prev {
            out.push(e - prev);
            prev = e;
        }
    }
    if out.is_empty() {
        out.push(0);
    }
    out
}

macro_rules! operators {
    ($($tr:ident $method:ident $op:ident;)*) => {$(
        impl $tr<&DArray> for &DArray {
            type Output = DArray;
            fn $method(self, rhs: &DArray) -> DArray {
                self.binary(BinOp::$op, Operand::Array(rhs.clone()))
            }
        }
        impl $tr<DArray> for DArray {
            type Output = DArray;
            fn $method(self, rhs: DArray) -> DArray {
                self.binary(BinOp::$op, Operand::Array(rhs))
            }
        }
        impl $tr<f64> for &DArray {
            type Output = DArray;
            fn $method(self, rhs: f64) -> DArray {
                self.scalar_op(BinOp::$op, rhs, false)
            }
        }
        impl $tr<f64> for DArray {
            type Output = DArray;
            fn $method(self, rhs: f64) -> DArray {
                self.scalar_op(BinOp::$op, rhs, false)
            }
        }
        impl $tr<&DArray> for f64 {
            type Output = DArray;
            fn $method(self, rhs: &DArray) -> DArray {
                rhs.scalar_op(BinOp::$op, self, true)
            }
        }
        impl $tr<DArray> for f64 {
            type Output = DArray;
            fn $method(self, rhs: DArray) -> DArray {
                rhs.scalar_op(BinOp::$op, self, true)
            }
        }
    )*};
}

operators! {
    Add add Add;
    Sub sub Sub;
    Mul mul Mul;
    Div div Div;
}

impl Neg for &DArray {
    type Output = DArray;
    fn neg(self) -> DArray {
        self.unary("neg", |x| -x)
    }
}

impl Neg for DArray {
    type Output = DArray;
    fn neg(self) -> DArray {
        -&self
    }
}
