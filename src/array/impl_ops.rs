//! Elementwise operations: arithmetic with scalars and arrays of any element type
//! (numpy's promotion; chunks realigned when they differ), fused when both sides are
//! `f64`; unary math and `map` on `f64` arrays, fused; `!`, `and`, `or`, `xor` on
//! `bool` arrays.

use std::ops::{Add, Div, Mul, Neg, Not, Sub};
use std::sync::Arc;

use ndarray::Zip;

use super::expr::{BinOp, Expr, Kind, Unary};
use super::{DArray, Element, Float, IntoOperand, Number, Operand, Promote, same_type};
use crate::Error;
use crate::graph::Tokenizer;

macro_rules! unary_methods {
    ($($name:ident => $f:expr, $doc:literal;)*) => {
        impl<T: Float> DArray<T> {
            $(
                #[doc = $doc]
                ///
                /// Fused for `f64`; `f32` is computed through `f64` and rounded back.
                pub fn $name(&self) -> DArray<T> {
                    let f: fn(f64) -> f64 = $f;
                    match self.as_f64() {
                        Some(x) => x.unary(stringify!($name), f).retyped(),
                        None => {
                            let t = Tokenizer::new(stringify!($name)).param(&self.token()).finish();
                            self.blockwise(stringify!($name), t, move |a| {
                                a.mapv(|v| T::from_f64(f(v.to_f64())))
                            })
                        }
                    }
                }
            )*
        }
    };
}

/// Unary ops numpy keeps in an integer type (`abs`, `sign`, `square`, `reciprocal`):
/// floats as `unary_methods!`, integers through `i128` (wrapping back into `T`).
macro_rules! number_unary_methods {
    ($($name:ident => $f:expr, $i:expr, $doc:literal;)*) => {
        impl<T: Number> DArray<T> {
            $(
                #[doc = $doc]
                pub fn $name(&self) -> DArray<T> {
                    let f: fn(f64) -> f64 = $f;
                    let i: fn(i128) -> i128 = $i;
                    match self.as_f64() {
                        Some(x) => x.unary(stringify!($name), f).retyped(),
                        None => {
                            let t = Tokenizer::new(stringify!($name)).param(&self.token()).finish();
                            let float = T::DTYPE.is_float();
                            self.blockwise(stringify!($name), t, move |a| {
                                a.mapv(|v| if float {
                                    T::from_f64(f(v.to_f64()))
                                } else {
                                    T::from_i128(i(v.to_i128()))
                                })
                            })
                        }
                    }
                }
            )*
        }
    };
}

number_unary_methods! {
    abs => f64::abs, i128::abs, "Absolute value elementwise (integers stay integers, as numpy's).";
    sign => |x: f64| if x.is_nan() { x } else if x == 0.0 { 0.0 } else { x.signum() }, i128::signum, "-1, 0 or 1 by the sign (NaN stays NaN), as `numpy.sign`.";
    square => |x: f64| x * x, |x: i128| x.wrapping_mul(x), "`x * x` elementwise (integers wrap, as numpy's).";
    reciprocal => |x: f64| 1.0 / x, |x: i128| if x == 0 { 0 } else { 1 / x }, "`1 / x` elementwise; for integers numpy's integer division (0 but for ±1), and 0 for 0.";
}

unary_methods! {
    exp => f64::exp, "`e^x` elementwise.";
    ln => f64::ln, "Natural logarithm elementwise (NaN below 0, -inf at 0).";
    log10 => f64::log10, "Base-10 logarithm elementwise.";
    log2 => f64::log2, "Base-2 logarithm elementwise.";
    log1p => f64::ln_1p, "`ln(1 + x)` elementwise, accurate near 0.";
    expm1 => f64::exp_m1, "`e^x - 1` elementwise, accurate near 0.";
    sqrt => f64::sqrt, "Square root elementwise (NaN below 0).";
    cbrt => f64::cbrt, "Cube root elementwise.";
    sin => f64::sin, "Sine elementwise.";
    cos => f64::cos, "Cosine elementwise.";
    tan => f64::tan, "Tangent elementwise.";
    arcsin => f64::asin, "Inverse sine elementwise.";
    arccos => f64::acos, "Inverse cosine elementwise.";
    arctan => f64::atan, "Inverse tangent elementwise.";
    sinh => f64::sinh, "Hyperbolic sine elementwise.";
    cosh => f64::cosh, "Hyperbolic cosine elementwise.";
    tanh => f64::tanh, "Hyperbolic tangent elementwise.";
    floor => f64::floor, "Floor elementwise.";
    ceil => f64::ceil, "Ceiling elementwise.";
    trunc => f64::trunc, "Toward zero, elementwise.";
    round => f64::round_ties_even, "Round half to even, elementwise (as `numpy.round`).";
    sinc => |x: f64| if x == 0.0 { 1.0 } else { (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x) }, "`sin(pi x) / (pi x)`, 1 at 0 (the normalised `numpy.sinc`).";
    i0 => bessel_i0, "The modified Bessel function of the first kind of order 0 (`numpy.i0`).";
    arcsinh => f64::asinh, "Inverse hyperbolic sine elementwise.";
    arccosh => f64::acosh, "Inverse hyperbolic cosine elementwise (NaN below 1).";
    arctanh => f64::atanh, "Inverse hyperbolic tangent elementwise (infinite at ±1, NaN past).";
    deg2rad => f64::to_radians, "Degrees to radians (`numpy.deg2rad`, `radians`).";
    rad2deg => f64::to_degrees, "Radians to degrees (`numpy.rad2deg`, `degrees`).";
    exp2 => f64::exp2, "`2^x` elementwise.";
    rint => f64::round_ties_even, "The nearest integer, half to even (`numpy.rint`).";
}

/// `I0(x) = sum_k ((x/2)^2k / (k!)^2)`: every term positive, so the sum is accurate to
/// a few ulps; past |x| = 713.99 it overflows to infinity, as numpy's.
fn bessel_i0(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let q = x * x / 4.0;
    if x.abs() > 713.99 {
        return f64::INFINITY;
    }
    let (mut term, mut sum, mut k) = (1.0f64, 1.0f64, 0.0f64);
    loop {
        k += 1.0;
        term *= q / (k * k);
        sum += term;
        if term <= sum * f64::EPSILON * 0.25 {
            return sum;
        }
    }
}

/// `x = m * 2^e` with `0.5 <= |m| < 1` (`m = x`, `e = 0` for 0, infinities and NaN).
fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        // Subnormal: scale into the normal range first.
        let (m, e) = frexp(x * f64::powi(2.0, 64));
        return (m, e - 64);
    }
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, exp - 1022)
}

impl<T: Float> DArray<T> {
    /// Rounded half to even at `decimals` places (negative: to tens, hundreds, ...),
    /// as `numpy.round(x, decimals)`: `rint(x * 10^d) / 10^d`.
    ///
    /// ```
    /// let x = chunkwise::array::from_array(ndarray::arr1(&[1.25, 2.35, 150.0]).into_dyn(), [2]).unwrap();
    /// assert_eq!(x.round_to(1).compute().unwrap().into_raw_vec_and_offset().0, vec![1.2, 2.4, 150.0]);
    /// assert_eq!(x.round_to(-2).compute().unwrap().into_raw_vec_and_offset().0, vec![0.0, 0.0, 200.0]);
    /// ```
    pub fn round_to(&self, decimals: i32) -> DArray<T> {
        let t = Tokenizer::new("round_to")
            .param(&self.token())
            .param(&decimals)
            .finish();
        let scale = 10f64.powi(decimals.abs());
        self.blockwise("round_to", t, move |a| {
            a.mapv(|v| {
                let x = v.to_f64();
                T::from_f64(if decimals >= 0 {
                    (x * scale).round_ties_even() / scale
                } else {
                    (x / scale).round_ties_even() * scale
                })
            })
        })
    }

    /// Mantissas and exponents, `x = m * 2^e` with `0.5 <= |m| < 1` (`numpy.frexp`;
    /// 0, infinities and NaN give themselves and 0).
    ///
    /// ```
    /// let x = chunkwise::array::from_array(ndarray::arr1(&[8.0, -3.0, 0.0]).into_dyn(), [2]).unwrap();
    /// let (m, e) = x.frexp();
    /// assert_eq!(m.compute().unwrap().into_raw_vec_and_offset().0, vec![0.5, -0.75, 0.0]);
    /// assert_eq!(e.compute().unwrap().into_raw_vec_and_offset().0, vec![4, 2, 0]);
    /// ```
    pub fn frexp(&self) -> (DArray<T>, DArray<i32>) {
        let t = Tokenizer::new("frexp").param(&self.token()).finish();
        let m = self.blockwise("frexp", t, |a| a.mapv(|v| T::from_f64(frexp(v.to_f64()).0)));
        // Its own token: keys compare by token, so the two parts must differ in it.
        let te = Tokenizer::new("frexp_exponent")
            .param(&self.token())
            .finish();
        let e = self.blockwise("frexp_exponent", te, |a| a.mapv(|v| frexp(v.to_f64()).1));
        (m, e)
    }

    /// The fractional and integral parts, each with the sign of `x` (`numpy.modf`).
    pub fn modf(&self) -> (DArray<T>, DArray<T>) {
        let t = Tokenizer::new("modf").param(&self.token()).finish();
        let frac = self.blockwise("modf", t, |a| {
            a.mapv(|v| T::from_f64(v.to_f64() - v.to_f64().trunc()))
        });
        (frac, self.trunc())
    }
}

/// numpy's binary float ufuncs, computed through `f64` (`f32` rounded back).
macro_rules! binary_float_methods {
    ($($name:ident => $f:expr, $doc:literal;)*) => {
        impl<T: Float> DArray<T> {
            $(
                #[doc = $doc]
                pub fn $name(&self, other: &DArray<T>) -> DArray<T> {
                    let f: fn(f64, f64) -> f64 = $f;
                    self.zip_blocks(other, stringify!($name), stringify!($name), move |a, b| {
                        ndarray::Zip::from(&a)
                            .and(&b)
                            .map_collect(|&x, &y| T::from_f64(f(x.to_f64(), y.to_f64())))
                    })
                }
            )*
        }
    };
}

binary_float_methods! {
    arctan2 => f64::atan2, "The angle of the point (y = self, x = other), elementwise (`numpy.arctan2`).";
    copysign => f64::copysign, "The magnitude of this array with the sign of `other` (`numpy.copysign`).";
    fmod => |x, y| x % y, "The remainder with the sign of the dividend (C's `fmod`, `numpy.fmod`).";
    hypot => f64::hypot, "`sqrt(x^2 + y^2)` without overflow (`numpy.hypot`).";
    logaddexp => logaddexp, "`ln(e^x + e^y)` without overflow (`numpy.logaddexp`).";
    logaddexp2 => logaddexp2, "`log2(2^x + 2^y)` without overflow (`numpy.logaddexp2`).";
    fmax => f64::max, "The larger, NaN ignored unless both are (`numpy.fmax`).";
    fmin => f64::min, "The smaller, NaN ignored unless both are (`numpy.fmin`).";
}

/// `log2(2^x + 2^y)`, the larger factored out (exact where one side vanishes).
fn logaddexp2(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == y {
        return x + 1.0;
    }
    let m = x.max(y);
    if m.is_infinite() {
        return m;
    }
    m + (-(x - y).abs()).exp2().ln_1p() / std::f64::consts::LN_2
}

/// `x * 2^n` without overflow in `2^n` itself (musl's `scalbn`): the scale applied in
/// steps the exponent field can hold.
fn scalbn(mut x: f64, n: i64) -> f64 {
    let mut n = n.clamp(-3000, 3000);
    let big = f64::from_bits(0x7fe << 52); // 2^1023
    let small = f64::from_bits(0x001 << 52) * f64::from_bits((0x3ff + 53) << 52); // 2^-1022 * 2^53
    for _ in 0..2 {
        if n > 1023 {
            x *= big;
            n -= 1023;
        } else if n < -1022 {
            x *= small;
            n += 1022 - 53;
        }
    }
    let n = n.clamp(-1022, 1023);
    x * f64::from_bits(((0x3ff + n) as u64) << 52)
}

/// `ln(e^x + e^y)`, the larger factored out.
fn logaddexp(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == y {
        return x + std::f64::consts::LN_2;
    }
    let m = x.max(y);
    if m.is_infinite() {
        return m;
    }
    m + (-(x - y).abs()).exp().ln_1p()
}

impl<T: Element> DArray<T> {
    /// `x^y` in `f64` whatever the element types (`numpy.float_power`).
    pub fn float_power(&self, other: &DArray<T>) -> DArray<f64> {
        self.zip_blocks(other, "float_power", "float_power", |a, b| {
            ndarray::Zip::from(&a)
                .and(&b)
                .map_collect(|&x, &y| x.to_f64().powf(y.to_f64()))
        })
    }
}

impl<T: Float> DArray<T> {
    /// The next representable value after each element toward `other`, in this
    /// array's own type (`numpy.nextafter`).
    pub fn nextafter(&self, other: &DArray<T>) -> DArray<T> {
        let single = T::DTYPE == super::DType::F32;
        self.zip_blocks(other, "nextafter", "nextafter", move |a, b| {
            ndarray::Zip::from(&a).and(&b).map_collect(|&x, &y| {
                let (x, y) = (x.to_f64(), y.to_f64());
                if x.is_nan() || y.is_nan() {
                    return T::from_f64(f64::NAN);
                }
                T::from_f64(if single {
                    let (x, y) = (x as f32, y as f32);
                    f64::from(if x < y {
                        x.next_up()
                    } else if x > y {
                        x.next_down()
                    } else {
                        y
                    })
                } else if x < y {
                    x.next_up()
                } else if x > y {
                    x.next_down()
                } else {
                    y
                })
            })
        })
    }

    /// The distance to the next representable value away from zero, with the sign of
    /// the element, in this array's own type (`numpy.spacing`; NaN for infinities).
    pub fn spacing(&self) -> DArray<T> {
        let single = T::DTYPE == super::DType::F32;
        let t = Tokenizer::new("spacing").param(&self.token()).finish();
        self.blockwise("spacing", t, move |a| {
            a.mapv(|v| {
                let x = v.to_f64();
                if !x.is_finite() {
                    return T::from_f64(f64::NAN);
                }
                let s = if single {
                    let a = (x as f32).abs();
                    f64::from(a.next_up() - a)
                } else {
                    let a = x.abs();
                    a.next_up() - a
                };
                T::from_f64(if x.is_sign_negative() { -s } else { s })
            })
        })
    }

    /// `x * 2^e` elementwise (`numpy.ldexp`).
    pub fn ldexp(&self, e: &DArray<i64>) -> DArray<T> {
        self.zip_blocks(e, "ldexp", "ldexp", |a, b| {
            ndarray::Zip::from(&a)
                .and(&b)
                .map_collect(|&x, &e| T::from_f64(scalbn(x.to_f64(), e)))
        })
    }

    /// Whether each element is infinite (`numpy.isinf`).
    pub fn isinf(&self) -> DArray<bool> {
        let t = Tokenizer::new("isinf").param(&self.token()).finish();
        self.blockwise("isinf", t, |a| a.mapv(|v| v.to_f64().is_infinite()))
    }

    /// Whether each element's sign bit is set, -0.0 and NaNs with it included
    /// (`numpy.signbit`).
    pub fn signbit(&self) -> DArray<bool> {
        let t = Tokenizer::new("signbit").param(&self.token()).finish();
        self.blockwise("signbit", t, |a| a.mapv(|v| v.to_f64().is_sign_negative()))
    }
}

impl<T: Element> DArray<T> {
    /// Whether each element is zero (false), as `numpy.logical_not`.
    pub fn logical_not(&self) -> DArray<bool> {
        let t = Tokenizer::new("logical_not").param(&self.token()).finish();
        let zero = T::default();
        self.blockwise("logical_not", t, move |a| a.mapv(|v| v == zero))
    }

    /// `numpy.logical_and`, `logical_or`, `logical_xor`: each side true where nonzero.
    pub fn logical(&self, other: &DArray<T>, op: Logical) -> DArray<bool> {
        let zero = T::default();
        self.zip_blocks(other, "logical", op.name(), move |a, b| {
            ndarray::Zip::from(&a).and(&b).map_collect(|&x, &y| {
                let (p, q) = (x != zero, y != zero);
                match op {
                    Logical::And => p && q,
                    Logical::Or => p || q,
                    Logical::Xor => p != q,
                }
            })
        })
    }
}

/// Which of numpy's logical ufuncs [`DArray::logical`] applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Logical {
    /// `logical_and`.
    And,
    /// `logical_or`.
    Or,
    /// `logical_xor`.
    Xor,
}

impl Logical {
    fn name(self) -> &'static str {
        match self {
            Logical::And => "logical_and",
            Logical::Or => "logical_or",
            Logical::Xor => "logical_xor",
        }
    }
}

/// numpy's bitwise ufuncs on integers, through `i128` and back (so `u8`'s `!5` is
/// 250, as numpy's).
macro_rules! bitwise_methods {
    ($($name:ident => $f:expr, $doc:literal;)*) => {
        impl<T: super::Integer> DArray<T> {
            $(
                #[doc = $doc]
                pub fn $name(&self, other: &DArray<T>) -> DArray<T> {
                    let f: fn(i128, i128, u32) -> i128 = $f;
                    let bits = (T::DTYPE.size() * 8) as u32;
                    self.zip_blocks(other, stringify!($name), stringify!($name), move |a, b| {
                        ndarray::Zip::from(&a)
                            .and(&b)
                            .map_collect(|&x, &y| T::from_i128(f(x.to_i128(), y.to_i128(), bits)))
                    })
                }
            )*
        }
    };
}

bitwise_methods! {
    bitwise_and => |x, y, _| x & y, "Bitwise and (`numpy.bitwise_and`, `&`).";
    bitwise_or => |x, y, _| x | y, "Bitwise or (`numpy.bitwise_or`, `|`).";
    bitwise_xor => |x, y, _| x ^ y, "Bitwise exclusive or (`numpy.bitwise_xor`, `^`).";
    left_shift => |x, y, bits| if (0..bits as i128).contains(&y) { x << y } else { 0 }, "`x << y`, 0 once every bit is shifted out (`numpy.left_shift`).";
    right_shift => |x, y, bits| if (0..bits as i128).contains(&y) { x >> y } else if x < 0 { -1 } else { 0 }, "`x >> y`, arithmetic for signed types (`numpy.right_shift`).";
}

impl<T: super::Integer> DArray<T> {
    /// Every bit flipped (`numpy.bitwise_not`, `invert`, `~`).
    pub fn bitwise_not(&self) -> DArray<T> {
        let t = Tokenizer::new("bitwise_not").param(&self.token()).finish();
        self.blockwise("bitwise_not", t, |a| a.mapv(|v| T::from_i128(!v.to_i128())))
    }

    /// `x^y` in this integer type, wrapping on overflow as numpy's (a negative
    /// exponent of a signed type fails the task, as numpy raises).
    pub fn int_power(&self, other: &DArray<T>) -> DArray<T> {
        // Each product cut back to T's width (`from_i128` wraps), so the square
        // never leaves i128.
        let wrap = |v: i128| T::from_i128(v).to_i128();
        // Broadcast to one shape and grid first, so blocks pair element by element.
        let (a, b) = self.aligned(other);
        a.try_map_blocks_opts(&[&b], &super::BlockMap::new(), move |b, _| {
            let mut out = b[0].to_owned();
            for (o, &e) in out.iter_mut().zip(b[1].iter()) {
                let mut e = e.to_i128();
                if e < 0 {
                    return Err(Error::invalid(format!(
                        "int_power: integers to negative integer powers are not allowed (exponent {e})"
                    )));
                }
                let (mut base, mut acc) = (o.to_i128(), 1i128);
                while e > 0 {
                    if e & 1 == 1 {
                        acc = wrap(acc.wrapping_mul(base));
                    }
                    base = wrap(base.wrapping_mul(base));
                    e >>= 1;
                }
                *o = T::from_i128(acc);
            }
            Ok(out)
        })
    }
}

impl<T: Number> DArray<T> {
    /// The remainder with the sign of the divisor (`numpy.mod`, Python's `%`),
    /// broadcast together; an integer divided by 0 gives 0, as numpy's (which warns).
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// let x = from_array(ndarray::arr1(&[7i64, -7, 7, -7]).into_dyn(), [3]).unwrap();
    /// let y = from_array(ndarray::arr1(&[3i64, 3, -3, 0]).into_dyn(), [2]).unwrap();
    /// assert_eq!(x.rem(&y).compute().unwrap().into_raw_vec_and_offset().0, vec![1, 2, -2, 0]);
    /// assert_eq!(x.floor_div(&y).compute().unwrap().into_raw_vec_and_offset().0, vec![2, -3, -3, 0]);
    /// ```
    pub fn rem(&self, other: &DArray<T>) -> DArray<T> {
        self.divmod_part(other, "mod", false)
    }

    /// The quotient rounded toward minus infinity (`numpy.floor_divide`, Python's
    /// `//`); an integer divided by 0 gives 0, as numpy's.
    pub fn floor_div(&self, other: &DArray<T>) -> DArray<T> {
        self.divmod_part(other, "floor_divide", true)
    }

    /// `(x // y, x % y)` (`numpy.divmod`, Python's `divmod`).
    pub fn divmod(&self, other: &DArray<T>) -> (DArray<T>, DArray<T>) {
        (self.floor_div(other), self.rem(other))
    }

    fn divmod_part(&self, other: &DArray<T>, op: &'static str, quotient: bool) -> DArray<T> {
        self.zip_blocks(other, op, op, move |a, b| {
            ndarray::Zip::from(&a).and(&b).map_collect(|&x, &y| {
                if T::DTYPE.is_float() {
                    let (x, y) = (x.to_f64(), y.to_f64());
                    let r = x % y;
                    // Python's rule: the remainder takes the divisor's sign.
                    let r = if r != 0.0 && (r < 0.0) != (y < 0.0) {
                        r + y
                    } else {
                        r
                    };
                    let q = ((x - r) / y).round();
                    T::from_f64(if quotient {
                        if y == 0.0 { x / y } else { q }
                    } else {
                        r
                    })
                } else {
                    let (x, y) = (x.to_i128(), y.to_i128());
                    if y == 0 {
                        return T::from_i128(0);
                    }
                    T::from_i128(if quotient {
                        x.div_euclid(y) - i128::from(y < 0 && x.rem_euclid(y) != 0)
                    } else {
                        let r = x.rem_euclid(y);
                        if r != 0 && y < 0 { r + y } else { r }
                    })
                }
            })
        })
    }
}

impl<T: Float> DArray<T> {
    /// `x ^ y` elementwise (`numpy.power`; `f32` through `f64`).
    pub fn pow<O: IntoOperand<T, Other = T>>(&self, other: O) -> DArray<T>
    where
        T: Promote<T, Output = T>,
    {
        self.arith(BinOp::Pow, other.into_operand(), |a, b| {
            T::from_f64(a.to_f64().powf(b.to_f64()))
        })
    }
}

impl<T: Element> DArray<T> {
    /// Elementwise minimum in the promoted type (NaN propagates, as `numpy.minimum`).
    pub fn minimum<O: IntoOperand<T>>(&self, other: O) -> DArray<Pr<T, O::Other>>
    where
        T: Promote<O::Other>,
    {
        self.arith(BinOp::Minimum, other.into_operand(), |a, b| {
            if a.is_nan() || a < b { a } else { b }
        })
    }

    /// Elementwise maximum in the promoted type (NaN propagates, as `numpy.maximum`).
    pub fn maximum<O: IntoOperand<T>>(&self, other: O) -> DArray<Pr<T, O::Other>>
    where
        T: Promote<O::Other>,
    {
        self.arith(BinOp::Maximum, other.into_operand(), |a, b| {
            if a.is_nan() || a > b { a } else { b }
        })
    }

    /// Each element limited to `[lo, hi]` (`clip`; NaN stays NaN). As numpy's
    /// `minimum(maximum(x, lo), hi)`: with `lo > hi` every element is `hi`.
    pub fn clip(&self, lo: T, hi: T) -> DArray<T> {
        let t = Tokenizer::new("clip")
            .param(&self.token())
            .param(&lo.to_f64().to_bits())
            .param(&lo.to_i128())
            .param(&hi.to_f64().to_bits())
            .param(&hi.to_i128())
            .finish();
        self.blockwise("clip", t, move |a| {
            a.mapv(|v| {
                let v = if v < lo { lo } else { v };
                if v > hi { hi } else { v }
            })
        })
    }
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
        self.carry(DArray::from_expr(Arc::clone(&self.grid), expr))
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
                let (a, b) = self.aligned(&b);
                if a.error.is_some() {
                    return a;
                }
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
}

impl<T: Element> DArray<T> {
    /// `f(x, y)` in the promoted type: fused when both sides are `f64`, else chunk
    /// by chunk.
    fn arith<U: Element>(
        &self,
        op: BinOp,
        other: Operand<U>,
        f: BinFn<Pr<T, U>>,
    ) -> DArray<Pr<T, U>>
    where
        T: Promote<U>,
    {
        if let Some(a) = self.as_f64() {
            match &other {
                Operand::Scalar(s) if same_type::<U, f64>() => {
                    return a.scalar_op(op, s.to_f64(), false).retyped();
                }
                Operand::Array(b) => {
                    if let Some(b) = b.as_f64() {
                        return a.binary(op, Operand::Array(b)).retyped();
                    }
                }
                Operand::Scalar(_) => {}
            }
        }
        match other {
            Operand::Scalar(s) => self.scalar_blockwise(op, s.cast(), false, f),
            Operand::Array(b) => {
                self.zip_blocks(&b, "elemwise", &format!("{op:?}"), move |x, y| {
                    Zip::from(&x)
                        .and(&y)
                        .map_collect(|&x, &y| f(x.cast(), y.cast()))
                })
            }
        }
    }

    /// `f(x, s)` (or `f(s, x)` when `left`) of this array cast to `P`.
    fn scalar_blockwise<P: Element>(
        &self,
        op: BinOp,
        s: P,
        left: bool,
        f: fn(P, P) -> P,
    ) -> DArray<P> {
        let t = Tokenizer::new("scalar")
            .param(&op)
            .param(&P::DTYPE)
            .param(&s.to_f64().to_bits())
            .param(&s.to_i128())
            .param(&left)
            .param(&self.token())
            .finish();
        self.blockwise("elemwise", t, move |a| {
            a.mapv(|x| if left { f(s, x.cast()) } else { f(x.cast(), s) })
        })
    }

    /// `x / y` in the floating type of the promoted type (numpy's true division).
    fn true_div<U: Element>(&self, other: Operand<U>) -> DArray<Fl<T, U>>
    where
        T: Promote<U>,
    {
        if same_type::<Fl<T, U>, f64>() {
            // Both sides as f64: the fused division.
            let a = self.astype::<f64>();
            let b = match other {
                Operand::Scalar(s) => Operand::Scalar(s.to_f64()),
                Operand::Array(b) => Operand::Array(b.astype::<f64>()),
            };
            return a.binary(BinOp::Div, b).retyped();
        }
        let div = |x: Fl<T, U>, y: Fl<T, U>| x / y;
        match other {
            Operand::Scalar(s) => self.scalar_blockwise(BinOp::Div, s.cast(), false, div),
            Operand::Array(b) => self.zip_blocks(&b, "elemwise", "Div", move |x, y| {
                Zip::from(&x)
                    .and(&y)
                    .map_collect(|&x, &y| div(x.cast(), y.cast()))
            }),
        }
    }
}

/// The promoted type of `T` and `U`.
type Pr<T, U> = <T as Promote<U>>::Output;
/// An elementwise function of two values of one type.
type BinFn<P> = fn(P, P) -> P;
/// Its floating type (true division).
type Fl<T, U> = <Pr<T, U> as Element>::Float;

fn sub<P: Number>(a: P, b: P) -> P {
    a.sub(b)
}

macro_rules! array_operators {
    ($($tr:ident $method:ident $op:ident, $bound:ident, $f:expr;)*) => {$(
        impl<T: Promote<U>, U: Element> $tr<&DArray<U>> for &DArray<T>
        where
            Pr<T, U>: $bound,
        {
            type Output = DArray<Pr<T, U>>;
            fn $method(self, rhs: &DArray<U>) -> Self::Output {
                self.arith(BinOp::$op, Operand::Array(rhs.clone()), $f)
            }
        }
        impl<T: Promote<U>, U: Element> $tr<DArray<U>> for DArray<T>
        where
            Pr<T, U>: $bound,
        {
            type Output = DArray<Pr<T, U>>;
            fn $method(self, rhs: DArray<U>) -> Self::Output {
                self.arith(BinOp::$op, Operand::Array(rhs), $f)
            }
        }
        impl<T: Promote<T, Output = T>> $tr<T> for &DArray<T>
        where
            T: $bound,
        {
            type Output = DArray<T>;
            fn $method(self, rhs: T) -> DArray<T> {
                self.arith(BinOp::$op, Operand::Scalar(rhs), $f)
            }
        }
        impl<T: Promote<T, Output = T>> $tr<T> for DArray<T>
        where
            T: $bound,
        {
            type Output = DArray<T>;
            fn $method(self, rhs: T) -> DArray<T> {
                self.arith(BinOp::$op, Operand::Scalar(rhs), $f)
            }
        }
    )*};
}

array_operators! {
    Add add Add, Element, Element::add;
    Sub sub Sub, Number, sub;
    Mul mul Mul, Element, Element::mul;
}

impl<T: Promote<U>, U: Element> Div<&DArray<U>> for &DArray<T> {
    type Output = DArray<Fl<T, U>>;
    fn div(self, rhs: &DArray<U>) -> Self::Output {
        self.true_div(Operand::Array(rhs.clone()))
    }
}
impl<T: Promote<U>, U: Element> Div<DArray<U>> for DArray<T> {
    type Output = DArray<Fl<T, U>>;
    fn div(self, rhs: DArray<U>) -> Self::Output {
        self.true_div(Operand::Array(rhs))
    }
}
impl<T: Promote<T>> Div<T> for &DArray<T> {
    type Output = DArray<Fl<T, T>>;
    fn div(self, rhs: T) -> Self::Output {
        self.true_div(Operand::Scalar(rhs))
    }
}
impl<T: Promote<T>> Div<T> for DArray<T> {
    type Output = DArray<Fl<T, T>>;
    fn div(self, rhs: T) -> Self::Output {
        self.true_div(Operand::Scalar(rhs))
    }
}

/// A scalar on the left: `2.0 - &x`, `1 + x`.
macro_rules! scalar_left {
    ($($t:ty),*) => {$(
        impl Add<&DArray<$t>> for $t {
            type Output = DArray<$t>;
            fn add(self, rhs: &DArray<$t>) -> DArray<$t> {
                rhs + self
            }
        }
        impl Add<DArray<$t>> for $t {
            type Output = DArray<$t>;
            fn add(self, rhs: DArray<$t>) -> DArray<$t> {
                &rhs + self
            }
        }
        impl Mul<&DArray<$t>> for $t {
            type Output = DArray<$t>;
            fn mul(self, rhs: &DArray<$t>) -> DArray<$t> {
                rhs * self
            }
        }
        impl Mul<DArray<$t>> for $t {
            type Output = DArray<$t>;
            fn mul(self, rhs: DArray<$t>) -> DArray<$t> {
                &rhs * self
            }
        }
        impl Sub<&DArray<$t>> for $t {
            type Output = DArray<$t>;
            fn sub(self, rhs: &DArray<$t>) -> DArray<$t> {
                match rhs.as_f64() {
                    Some(x) => x.scalar_op(BinOp::Sub, self.to_f64(), true).retyped(),
                    None => rhs.scalar_blockwise(BinOp::Sub, self, true, sub),
                }
            }
        }
        impl Sub<DArray<$t>> for $t {
            type Output = DArray<$t>;
            fn sub(self, rhs: DArray<$t>) -> DArray<$t> {
                self - &rhs
            }
        }
        impl Div<&DArray<$t>> for $t {
            type Output = DArray<<$t as Element>::Float>;
            fn div(self, rhs: &DArray<$t>) -> Self::Output {
                let x = rhs.astype::<<$t as Element>::Float>();
                match x.as_f64() {
                    Some(x) => x.scalar_op(BinOp::Div, self.to_f64(), true).retyped(),
                    None => x.scalar_blockwise(BinOp::Div, self.cast(), true, |a, b| a / b),
                }
            }
        }
        impl Div<DArray<$t>> for $t {
            type Output = DArray<<$t as Element>::Float>;
            fn div(self, rhs: DArray<$t>) -> Self::Output {
                self / &rhs
            }
        }
    )*};
}

scalar_left!(f64, f32, i64, i32, u64, u32, u8);

impl<T: Number> Neg for &DArray<T> {
    type Output = DArray<T>;
    fn neg(self) -> DArray<T> {
        match self.as_f64() {
            Some(x) => x.unary("neg", |v| -v).retyped(),
            None => self.scalar_blockwise(BinOp::Sub, T::default(), true, sub),
        }
    }
}

impl<T: Number> Neg for DArray<T> {
    type Output = DArray<T>;
    fn neg(self) -> DArray<T> {
        -&self
    }
}

impl Not for &DArray<bool> {
    type Output = DArray<bool>;
    /// Logical not, as `~x` on a numpy bool array.
    fn not(self) -> DArray<bool> {
        let t = Tokenizer::new("invert").param(&self.token()).finish();
        self.blockwise("invert", t, |a| a.mapv(|b| !b))
    }
}

impl Not for DArray<bool> {
    type Output = DArray<bool>;
    fn not(self) -> DArray<bool> {
        !&self
    }
}

impl DArray<bool> {
    /// Elementwise `and` (`x & y`).
    pub fn and(&self, other: &DArray<bool>) -> DArray<bool> {
        self.zip_blocks(other, "logical", "and", |a, b| {
            Zip::from(&a).and(&b).map_collect(|&x, &y| x & y)
        })
    }

    /// Elementwise `or` (`x | y`).
    pub fn or(&self, other: &DArray<bool>) -> DArray<bool> {
        self.zip_blocks(other, "logical", "or", |a, b| {
            Zip::from(&a).and(&b).map_collect(|&x, &y| x | y)
        })
    }

    /// Elementwise exclusive or (`x ^ y`).
    pub fn xor(&self, other: &DArray<bool>) -> DArray<bool> {
        self.zip_blocks(other, "logical", "xor", |a, b| {
            Zip::from(&a).and(&b).map_collect(|&x, &y| x ^ y)
        })
    }
}
