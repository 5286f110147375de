//! Operations for every element type, run chunk by chunk on ndarray's kernels: casting
//! (`astype`), `*_like` constructors, arithmetic with numpy's promotion, comparisons
//! and tests giving `bool` arrays, logic on `bool` arrays, `map_blocks`, `where_`.
//! Where both sides are `f64` arithmetic stays in the fused expression instead
//! (`impl_ops.rs`).

use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, Zip};

use super::chunks::Grid;
use super::expr::{BinOp, chunk_codec};
use super::impl_broadcast::broadcast_shape;
use super::{DArray, Element, Promote, chunk_of, same_type};
use crate::graph::{Key, Node, Tokenizer, Value};
use crate::{Error, Result};

/// The other side of an elementwise operation: a scalar or an array.
#[derive(Clone, Debug)]
pub enum Operand<U: Element = f64> {
    /// A value, broadcast to every element.
    Scalar(U),
    /// An array; shapes broadcast as in numpy.
    Array(DArray<U>),
}

impl<U: Element> From<U> for Operand<U> {
    fn from(v: U) -> Self {
        Operand::Scalar(v)
    }
}
impl<U: Element> From<&DArray<U>> for Operand<U> {
    fn from(a: &DArray<U>) -> Self {
        Operand::Array(a.clone())
    }
}
impl<U: Element> From<DArray<U>> for Operand<U> {
    fn from(a: DArray<U>) -> Self {
        Operand::Array(a)
    }
}

/// What an elementwise method of a `DArray<T>` takes: a scalar of `T` (numpy's weak
/// scalars: `x.gt(0)` on an `i32` array compares with an `i32`, `x.maximum(0.0)` on
/// an `f64` one with an `f64`) or an array of any element type.
pub trait IntoOperand<T: Element> {
    /// The other side's element type.
    type Other: Element;
    /// The operand.
    fn into_operand(self) -> Operand<Self::Other>;
}

impl<T: Element> IntoOperand<T> for T {
    type Other = T;
    fn into_operand(self) -> Operand<T> {
        Operand::Scalar(self)
    }
}
impl<T: Element, U: Element> IntoOperand<T> for &DArray<U> {
    type Other = U;
    fn into_operand(self) -> Operand<U> {
        Operand::Array(self.clone())
    }
}
impl<T: Element, U: Element> IntoOperand<T> for DArray<U> {
    type Other = U;
    fn into_operand(self) -> Operand<U> {
        Operand::Array(self)
    }
}

/// The comparisons, each `compare` with its operator.
macro_rules! comparisons {
    ($($name:ident => $op:ident, $doc:literal;)*) => {
        impl<T: Element> DArray<T> {
            $(
                #[doc = $doc]
                pub fn $name<O: IntoOperand<T>>(&self, other: O) -> DArray<bool>
                where
                    T: Promote<O::Other>,
                {
                    self.compare(BinOp::$op, other.into_operand())
                }
            )*
        }
    };
}

comparisons! {
    lt => Lt, "`x < y` elementwise, as `bool` (in the promoted type of both sides).";
    le => Le, "`x <= y` elementwise, as `bool`.";
    gt => Gt, "`x > y` elementwise, as `bool`.";
    ge => Ge, "`x >= y` elementwise, as `bool`.";
    eq => Eq, "`x == y` elementwise, as `bool` (NaN equals nothing).";
    ne => Ne, "`x != y` elementwise, as `bool` (NaN differs from everything).";
}

/// Every boundary of either chunking.
pub(crate) fn common_chunks(a: &[usize], b: &[usize]) -> Vec<usize> {
    let ends = |s: &[usize]| {
        s.iter()
            .scan(0, |e, &n| {
                *e += n;
                Some(*e)
            })
            .collect::<Vec<_>>()
    };
    let mut edges = ends(a);
    edges.extend(ends(b));
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

impl<T: Element> DArray<T> {
    /// This array and `other` broadcast to their common shape and cut at every chunk
    /// boundary either has (numpy's broadcasting; an error names the axis that fails).
    pub(crate) fn aligned<U: Element>(&self, other: &DArray<U>) -> (DArray<T>, DArray<U>) {
        if let Some(e) = &other.error {
            return (self.failed(Error::Shared(Arc::clone(e))), other.clone());
        }
        if self.shape() == other.shape() && self.chunks() == other.chunks() {
            return (self.clone(), other.clone());
        }
        let shape = match broadcast_shape(self.shape(), other.shape()) {
            Ok(s) => s,
            Err(e) => return (self.failed(e), other.clone()),
        };
        // Along each axis, the chunks of the operands that span it (both: cut at every
        // boundary either has).
        fn spans<X: Element>(x: &DArray<X>, shape: &[usize], j: usize) -> Option<Vec<usize>> {
            let i = (j + x.ndim()).checked_sub(shape.len())?;
            (x.shape()[i] == shape[j]).then(|| x.chunks()[i].clone())
        }
        let chunks = (0..shape.len())
            .map(
                |j| match (spans(self, &shape, j), spans(other, &shape, j)) {
                    (Some(x), Some(y)) => common_chunks(&x, &y),
                    (Some(x), None) | (None, Some(x)) => x,
                    (None, None) => unreachable!("one operand spans every axis"),
                },
            )
            .collect();
        let grid = Arc::new(Grid::from_parts(shape, chunks));
        (
            self.broadcast_grid(Arc::clone(&grid)),
            other.broadcast_grid(grid),
        )
    }

    /// One task per chunk applying `f` (named by `token`); `f` keeps the chunk's shape.
    pub(crate) fn blockwise<U: Element>(
        &self,
        label: &'static str,
        token: u64,
        f: impl Fn(ArrayViewD<'_, T>) -> ArrayD<U> + Send + Sync + 'static,
    ) -> DArray<U> {
        self.blockwise_to(Arc::clone(&self.grid), label, token, f)
    }

    /// One task per chunk applying `f`, whose results are the chunks of `grid` (as
    /// many as this array has); a result of another shape fails its task.
    pub(crate) fn blockwise_to<U: Element>(
        &self,
        grid: Arc<Grid>,
        label: &'static str,
        token: u64,
        f: impl Fn(ArrayViewD<'_, T>) -> ArrayD<U> + Send + Sync + 'static,
    ) -> DArray<U> {
        let input = self.chunk_nodes();
        let f = Arc::new(f);
        let nodes = input
            .iter()
            .enumerate()
            .map(|(c, n)| {
                let f = Arc::clone(&f);
                let (_, shape) = grid.chunk(c);
                let elements: usize = shape.iter().product();
                let mut node = Node::new(
                    Key::new(label, token, c as u64),
                    vec![Arc::clone(n)],
                    Box::new(move |v| {
                        let a = chunk_of::<T>(&v[0]);
                        let out = f(a.view());
                        if out.shape() != shape.as_slice() {
                            return Err(Error::invalid(format!(
                                "{label} returned shape {:?} for a chunk of shape {:?}",
                                out.shape(),
                                shape
                            )));
                        }
                        Ok(super::chunk_value(out))
                    }),
                );
                node.bytes = (elements * U::DTYPE.size()) as u64;
                node.codec = Some(chunk_codec::<U>());
                Arc::new(node)
            })
            .collect();
        self.carry(DArray::from_chunks(grid, token, label, nodes))
    }

    /// `f` of this array's and `other`'s chunks, aligned (broadcast, common chunks).
    pub(crate) fn zip_blocks<U: Element, V: Element>(
        &self,
        other: &DArray<U>,
        label: &'static str,
        op: &str,
        f: impl Fn(ArrayViewD<'_, T>, ArrayViewD<'_, U>) -> ArrayD<V> + Send + Sync + 'static,
    ) -> DArray<V> {
        let (a, b) = self.aligned(other);
        if let Some(e) = &a.error {
            return DArray::errored(Arc::clone(&a.grid), Error::Shared(Arc::clone(e)));
        }
        let token = Tokenizer::new(label)
            .param(op)
            .param(&a.token())
            .param(&b.token())
            .finish();
        let (na, nb) = (a.chunk_nodes(), b.chunk_nodes());
        let f = Arc::new(f);
        let nodes = (0..a.n_chunks())
            .map(|c| {
                let f = Arc::clone(&f);
                let elements = a.grid.chunk(c).1.iter().product::<usize>();
                let mut node = Node::new(
                    Key::new(label, token, c as u64),
                    vec![Arc::clone(&na[c]), Arc::clone(&nb[c])],
                    Box::new(move |v| {
                        let out = f(chunk_of::<T>(&v[0]).view(), chunk_of::<U>(&v[1]).view());
                        Ok(Arc::new(out) as Value)
                    }),
                );
                node.bytes = (elements * V::DTYPE.size()) as u64;
                node.codec = Some(chunk_codec::<V>());
                Arc::new(node)
            })
            .collect();
        DArray::from_chunks(Arc::clone(&a.grid), token, label, nodes)
    }

    /// Applies `f` to each whole chunk (as `map_blocks`), giving chunks of any element
    /// type; `f` must keep the chunk's shape, or the task fails naming its key.
    ///
    /// ```
    /// use chunkwise::array::arange;
    /// let x = arange(0.0, 6.0, 1.0, [4]).unwrap();
    /// let odd = x.map_blocks(|c| c.mapv(|v| v as i64 % 2 == 1));
    /// assert_eq!(odd.compute().unwrap().iter().filter(|&&b| b).count(), 3);
    /// ```
    pub fn map_blocks<U, F>(&self, f: F) -> DArray<U>
    where
        U: Element,
        F: Fn(&ArrayD<T>) -> ArrayD<U> + Send + Sync + 'static,
    {
        let t = Tokenizer::new("map_blocks")
            .param(&self.token())
            .sequenced()
            .finish();
        self.blockwise("map_blocks", t, move |a| match a.as_slice() {
            // Chunks are in standard layout: no copy to hand `f` an owned array.
            Some(_) => f(&a.to_owned()),
            None => f(&a.as_standard_layout().into_owned()),
        })
    }

    /// The values as another element type, by numpy's `astype` rules (floats to
    /// integers toward zero and saturating, integers wrapping, non-zero to `true`).
    ///
    /// ```
    /// use chunkwise::array::arange;
    /// let x = arange(-1.5, 2.0, 1.0, [2]).unwrap().astype::<i32>();
    /// assert_eq!(x.compute().unwrap().into_raw_vec_and_offset().0, vec![-1, 0, 0, 1]);
    /// ```
    pub fn astype<U: Element>(&self) -> DArray<U> {
        if same_type::<T, U>() {
            return self.retyped();
        }
        let t = Tokenizer::new("astype")
            .param(&self.token())
            .param(&U::DTYPE)
            .finish();
        self.blockwise("astype", t, |a| a.mapv(Element::cast::<U>))
    }

    /// As [`astype`](Self::astype) with numpy's `casting="safe"`: an error naming both
    /// types unless every value of this type is one of `U`
    /// ([`DType::can_cast_safely`](super::DType::can_cast_safely)).
    ///
    /// ```
    /// use chunkwise::array::ones;
    /// let x = ones(&[3], [2]).unwrap();
    /// assert!(x.astype_safe::<i64>().is_err());
    /// assert!(x.astype::<f32>().astype_safe::<f64>().is_ok());
    /// ```
    pub fn astype_safe<U: Element>(&self) -> Result<DArray<U>> {
        if T::DTYPE.can_cast_safely(U::DTYPE) {
            Ok(self.astype())
        } else {
            Err(Error::invalid(format!(
                "astype: cannot cast {} to {} safely (casting=\"safe\"); astype casts anyway",
                T::DTYPE,
                U::DTYPE
            )))
        }
    }

    /// An array of this one's shape and chunks filled with `value` (`full_like`).
    pub fn full_like<U: Element>(&self, value: U) -> DArray<U> {
        match super::full(self.shape(), value, self.chunks().to_vec()) {
            Ok(x) => self.carry(x),
            Err(e) => DArray::errored(Arc::clone(&self.grid), e),
        }
    }

    /// Zeros of this array's shape, chunks and type (`zeros_like`).
    pub fn zeros_like(&self) -> DArray<T> {
        self.full_like(T::default())
    }

    /// An array of this one's shape, chunks and type whose values are not to be relied
    /// on (`empty_like`; see [`empty`](super::empty): zeros).
    pub fn empty_like(&self) -> DArray<T> {
        self.zeros_like()
    }

    /// Ones of this array's shape, chunks and type (`ones_like`).
    pub fn ones_like(&self) -> DArray<T> {
        self.full_like(T::from_i128(1))
    }

    /// `op` of each element with a scalar or the elements of an array, in their
    /// promoted type, as `bool`.
    fn compare<U: Element>(&self, op: BinOp, other: Operand<U>) -> DArray<bool>
    where
        T: Promote<U>,
    {
        type P<T, U> = <T as Promote<U>>::Output;
        let test = move |a: P<T, U>, b: P<T, U>| match op {
            BinOp::Lt => a < b,
            BinOp::Le => a <= b,
            BinOp::Gt => a > b,
            BinOp::Ge => a >= b,
            BinOp::Eq => a == b,
            _ => a != b,
        };
        match other {
            Operand::Scalar(s) => {
                let s: P<T, U> = s.cast();
                let t = Tokenizer::new("compare")
                    .param(&op)
                    .param(&s.to_f64().to_bits())
                    .param(&s.to_i128())
                    .param(&self.token())
                    .finish();
                self.blockwise("compare", t, move |a| a.mapv(|x| test(x.cast(), s)))
            }
            Operand::Array(b) => self.zip_blocks(&b, "compare", &format!("{op:?}"), move |a, b| {
                Zip::from(&a)
                    .and(&b)
                    .map_collect(|&x, &y| test(x.cast(), y.cast()))
            }),
        }
    }

    /// Where the element is NaN (never, for integers), as `numpy.isnan`.
    pub fn is_nan(&self) -> DArray<bool> {
        let t = Tokenizer::new("isnan").param(&self.token()).finish();
        self.blockwise("isnan", t, |a| a.mapv(Element::is_nan))
    }

    /// Where the element is finite (always, for integers), as `numpy.isfinite`.
    pub fn is_finite(&self) -> DArray<bool> {
        let t = Tokenizer::new("isfinite").param(&self.token()).finish();
        self.blockwise("isfinite", t, |a| a.mapv(|x| x.to_f64().is_finite()))
    }

    /// Where the element is `+inf` (`numpy.isposinf`; never, for integers).
    pub fn is_posinf(&self) -> DArray<bool> {
        let t = Tokenizer::new("isposinf").param(&self.token()).finish();
        self.blockwise("isposinf", t, |a| a.mapv(|x| x.to_f64() == f64::INFINITY))
    }

    /// Where the element is `-inf` (`numpy.isneginf`; never, for integers).
    pub fn is_neginf(&self) -> DArray<bool> {
        let t = Tokenizer::new("isneginf").param(&self.token()).finish();
        self.blockwise("isneginf", t, |a| {
            a.mapv(|x| x.to_f64() == f64::NEG_INFINITY)
        })
    }

    /// NaN as `nan`, infinities as `posinf` and `neginf` (`numpy.nan_to_num`, whose
    /// defaults are 0 and the type's largest and smallest values).
    pub fn nan_to_num(&self, nan: T, posinf: T, neginf: T) -> DArray<T> {
        if !T::DTYPE.is_float() {
            return self.clone();
        }
        let t = Tokenizer::new("nan_to_num")
            .param(&self.token())
            .param(&[nan, posinf, neginf].map(|v| v.to_f64().to_bits()))
            .finish();
        self.blockwise("nan_to_num", t, move |a| {
            a.mapv(|x| match x.to_f64() {
                v if v.is_nan() => nan,
                f64::INFINITY => posinf,
                f64::NEG_INFINITY => neginf,
                _ => x,
            })
        })
    }

    /// Where `|x - y| <= atol + rtol * |y|` elementwise, broadcast together
    /// (`numpy.isclose`; numpy's defaults are `rtol = 1e-5`, `atol = 1e-8`); NaNs are
    /// close to each other only with `equal_nan`, infinities only to themselves.
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// let x = from_array(ndarray::arr1(&[1.0, 1e10, f64::NAN]).into_dyn(), [2]).unwrap();
    /// let y = from_array(ndarray::arr1(&[1.000001, 1.0001e10, f64::NAN]).into_dyn(), [3]).unwrap();
    /// let c = x.isclose(&y, 1e-5, 1e-8, false).compute().unwrap();
    /// assert_eq!(c.into_raw_vec_and_offset().0, vec![true, false, false]);
    /// assert!(!x.allclose(&y, 1e-5, 1e-8, true).compute_scalar().unwrap());
    /// ```
    pub fn isclose<U: Element>(
        &self,
        other: &DArray<U>,
        rtol: f64,
        atol: f64,
        equal_nan: bool,
    ) -> DArray<bool> {
        let op = format!("{rtol:e} {atol:e} {equal_nan}");
        self.zip_blocks(other, "isclose", &op, move |a, b| {
            Zip::from(&a).and(&b).map_collect(|a, b| {
                let (a, b) = (a.to_f64(), b.to_f64());
                if a.is_nan() || b.is_nan() {
                    equal_nan && a.is_nan() && b.is_nan()
                } else if a.is_infinite() || b.is_infinite() {
                    a == b
                } else {
                    (a - b).abs() <= atol + rtol * b.abs()
                }
            })
        })
    }

    /// Whether every pair is close, as [`isclose`](Self::isclose) (`numpy.allclose`),
    /// a 0-dimensional array.
    pub fn allclose<U: Element>(
        &self,
        other: &DArray<U>,
        rtol: f64,
        atol: f64,
        equal_nan: bool,
    ) -> DArray<bool> {
        self.isclose(other, rtol, atol, equal_nan).all(None)
    }

    /// Elements from `choices` picked by `self`'s indices (`numpy.choose`): where
    /// `self` is `k`, the element of `choices[k]`, all broadcast together; an index
    /// outside `0..choices.len()` fails the task that finds it, naming it.
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// let i = from_array(ndarray::arr1(&[0i64, 1, 1, 0]).into_dyn(), [3]).unwrap();
    /// let a = from_array(ndarray::arr1(&[1.0, 2.0, 3.0, 4.0]).into_dyn(), [2]).unwrap();
    /// let out = i.choose(&[a.clone(), &a * 10.0]).compute().unwrap();
    /// assert_eq!(out.into_raw_vec_and_offset().0, vec![1.0, 20.0, 30.0, 4.0]);
    /// ```
    pub fn choose<U: Element>(&self, choices: &[DArray<U>]) -> DArray<U> {
        let n = choices.len() as i128;
        if choices.is_empty() {
            return self.carry(DArray::errored(
                Arc::clone(&self.grid),
                Error::invalid("choose: no choices"),
            ));
        }
        let idx = self.check_chunks("choose", move |a| {
            a.iter()
                .map(|v| v.to_i128())
                .find(|k| !(0..n).contains(k))
                .map(|k| format!("choose: index {k} is out of range for {n} choices"))
        });
        // From the last choice to the first, each picking where the index is its own;
        // the last is where no other is picked, unless it is the only one (then it too
        // picks, so the indices are always read and checked).
        let mut out = choices[choices.len() - 1].clone();
        let picking = (choices.len() - 1).max(1);
        for (k, c) in choices[..picking].iter().enumerate().rev() {
            let t = Tokenizer::new("choose-eq")
                .param(&idx.token())
                .param(&k)
                .finish();
            let here = idx.blockwise("choose", t, move |a| a.mapv(|v| v.to_i128() == k as i128));
            out = DArray::where_(&here, c, &out);
        }
        out
    }

    /// The element of the first choice whose condition holds, else `default`, all
    /// broadcast together (`numpy.select`).
    pub fn select(conditions: &[DArray<bool>], choices: &[DArray<T>], default: T) -> DArray<T> {
        let Some(first) = choices.first() else {
            return DArray::errored(
                Arc::new(Grid::from_parts(vec![0], vec![vec![0]])),
                Error::invalid("select: no choices"),
            );
        };
        if conditions.len() != choices.len() {
            return first.failed(Error::invalid(format!(
                "select: {} conditions for {} choices",
                conditions.len(),
                choices.len()
            )));
        }
        let mut out = first.full_like(default);
        for (c, x) in conditions.iter().zip(choices).rev() {
            out = DArray::where_(c, x, &out);
        }
        out
    }

    /// numpy's `piecewise`: where `conds[i]` holds, `pieces[i]` (a value, or a
    /// function of the elements); where none holds and there is one piece more than
    /// conditions, the last; elsewhere the type's zero. Later conditions win where
    /// several hold, as in numpy. A function gets whole blocks and must act element by
    /// element (numpy hands it only the selected elements).
    ///
    /// ```
    /// use chunkwise::array::{DArray, Piece, from_array};
    /// let x = from_array(ndarray::arr1(&[1i64, 6, 3, 9]).into_dyn(), [3]).unwrap();
    /// let y = x.piecewise(
    ///     &[x.lt(5), x.ge(5)],
    ///     vec![Piece::func(|e| e.mapv(|v| v + 1)), Piece::Value(5)],
    /// );
    /// assert_eq!(y.compute().unwrap().into_raw_vec_and_offset().0, vec![2, 5, 4, 5]);
    /// ```
    pub fn piecewise(&self, conds: &[DArray<bool>], pieces: Vec<Piece<T>>) -> DArray<T> {
        if pieces.len() != conds.len() && pieces.len() != conds.len() + 1 {
            return self.failed(Error::invalid(format!(
                "piecewise: {} functions for {} conditions (as many, or one more for \
                 where none holds)",
                pieces.len(),
                conds.len()
            )));
        }
        let value = |p: &Piece<T>| -> DArray<T> {
            match p {
                Piece::Value(v) => self.full_like(*v),
                Piece::Func(f) => {
                    let f = Arc::clone(f);
                    self.map_blocks(move |b| f(b.view()))
                }
            }
        };
        let mut out = self.zeros_like();
        if pieces.len() == conds.len() + 1 {
            let none = conds
                .iter()
                .fold(self.full_like(true), |acc, c| acc.and(&!c));
            out = DArray::where_(&none, &value(&pieces[conds.len()]), &out);
        }
        for (c, p) in conds.iter().zip(&pieces) {
            out = DArray::where_(c, &value(p), &out);
        }
        out
    }

    /// `x` where `cond` holds, else `y`, broadcast together (`numpy.where`).
    ///
    /// ```
    /// use chunkwise::array::{arange, DArray};
    /// let x = arange(0.0, 5.0, 1.0, [2]).unwrap();
    /// let y = DArray::where_(&x.gt(2.0), &x, &x.full_like(-1.0));
    /// assert_eq!(y.compute().unwrap().into_raw_vec_and_offset().0, vec![-1.0, -1.0, -1.0, 3.0, 4.0]);
    /// ```
    pub fn where_(cond: &DArray<bool>, x: &DArray<T>, y: &DArray<T>) -> DArray<T> {
        // The grid of `x` and `y` refines that of `cond` and `x`: all three on it.
        let (c, x) = cond.aligned(x);
        let (x, y) = x.aligned(y);
        let (c, _) = c.aligned(&x);
        let t = Tokenizer::new("where")
            .param(&c.token())
            .param(&x.token())
            .param(&y.token())
            .finish();
        let (nc, nx, ny) = (c.chunk_nodes(), x.chunk_nodes(), y.chunk_nodes());
        let nodes = (0..c.n_chunks())
            .map(|i| {
                let mut node = Node::new(
                    Key::new("where", t, i as u64),
                    vec![Arc::clone(&nc[i]), Arc::clone(&nx[i]), Arc::clone(&ny[i])],
                    Box::new(|v| {
                        let (c, x, y) = (
                            chunk_of::<bool>(&v[0]),
                            chunk_of::<T>(&v[1]),
                            chunk_of::<T>(&v[2]),
                        );
                        let out = Zip::from(c)
                            .and(x)
                            .and(y)
                            .map_collect(|&c, &x, &y| if c { x } else { y });
                        Ok(Arc::new(out) as Value)
                    }),
                );
                node.bytes = nx[i].bytes;
                node.codec = Some(chunk_codec::<T>());
                Arc::new(node)
            })
            .collect();
        let out = DArray::from_chunks(Arc::clone(&c.grid), t, "where", nodes);
        y.carry(x.carry(c.carry(out)))
    }
}

/// A function of a block, element by element, for [`Piece::Func`].
pub type BlockFn<T> = Arc<dyn Fn(ArrayViewD<'_, T>) -> ArrayD<T> + Send + Sync>;

/// One piece of [`DArray::piecewise`]: a value, or a function of the elements.
#[derive(Clone)]
pub enum Piece<T> {
    /// This value.
    Value(T),
    /// This function of a block (element by element).
    Func(BlockFn<T>),
}

impl<T> Piece<T> {
    /// A function piece.
    pub fn func(f: impl Fn(ArrayViewD<'_, T>) -> ArrayD<T> + Send + Sync + 'static) -> Self {
        Piece::Func(Arc::new(f))
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Piece<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Piece::Value(v) => f.debug_tuple("Value").field(v).finish(),
            Piece::Func(_) => f.write_str("Func(..)"),
        }
    }
}
