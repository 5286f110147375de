//! Element types of a [`DArray`](super::DArray): `f64` (the default), `f32`, `i64`,
//! `i32`, `u64`, `u32`, `u8` and `bool`, with numpy's casting and promotion rules.

use std::fmt;

mod sealed {
    pub trait Sealed {}
}

/// An element type's name, as numpy's `dtype`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    /// `bool`.
    Bool,
    /// `uint8`.
    U8,
    /// `int32`.
    I32,
    /// `uint32`.
    U32,
    /// `int64`.
    I64,
    /// `uint64`.
    U64,
    /// `float32`.
    F32,
    /// `float64`.
    F64,
}

impl DType {
    /// Whether every value of this type is a value of `to` (numpy's
    /// `can_cast(self, to, casting="safe")`).
    ///
    /// ```
    /// use chunkwise::array::DType;
    /// assert!(DType::U8.can_cast_safely(DType::F32));
    /// assert!(DType::I64.can_cast_safely(DType::F64)); // as numpy says
    /// assert!(!DType::I32.can_cast_safely(DType::F32));
    /// assert!(!DType::F64.can_cast_safely(DType::I64));
    /// ```
    pub fn can_cast_safely(self, to: DType) -> bool {
        use DType::*;
        self == to
            || match self {
                Bool => true,
                U8 => matches!(to, U32 | U64 | I32 | I64 | F32 | F64),
                U32 => matches!(to, U64 | I64 | F64),
                U64 | I32 | I64 => to == F64 || (self == I32 && to == I64),
                F32 => to == F64,
                F64 => false,
            }
    }

    /// Whether a floating-point type.
    pub const fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::Bool | DType::U8 => 1,
            DType::I32 | DType::U32 | DType::F32 => 4,
            DType::I64 | DType::U64 | DType::F64 => 8,
        }
    }

    /// numpy's name (`float64`, `int32`, `bool`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::U8 => "uint8",
            DType::I32 => "int32",
            DType::U32 => "uint32",
            DType::I64 => "int64",
            DType::U64 => "uint64",
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A type a [`DArray`](super::DArray) can hold. Sealed: the eight types numpy users
/// reach for, each with numpy's rules for casting ([`Element::cast`], as `astype`),
/// for the type of sums and products ([`Element::Acc`]) and of means and true
/// division ([`Element::Float`]).
///
/// ```
/// use chunkwise::array::{DType, Element};
/// assert_eq!(<i32 as Element>::DTYPE, DType::I32);
/// assert_eq!(2.9f64.cast::<i32>(), 2); // toward zero, as numpy's astype
/// assert_eq!((-1i64).cast::<u8>(), 255); // wraps, as numpy's astype
/// assert!(f64::NAN.cast::<bool>()); // bool(nan) is True
/// ```
pub trait Element:
    sealed::Sealed + Copy + Default + PartialEq + PartialOrd + fmt::Debug + Send + Sync + 'static
{
    /// The type's name.
    const DTYPE: DType;
    /// Sums and products: 64 bits of the same kind for integers and `bool` (numpy's
    /// `int64`/`uint64`), the type itself for floats.
    type Acc: Element;
    /// Means and true division: `f32` for `f32`, `f64` for every other type.
    type Float: Float;

    /// The value as `f64` (rounded to nearest for 64-bit integers past 2^53).
    fn to_f64(self) -> f64;
    /// The value as an integer (floats toward zero, saturating; NaN as 0).
    fn to_i128(self) -> i128;
    /// From `f64` as numpy's `astype` (toward zero for integers, saturating).
    fn from_f64(v: f64) -> Self;
    /// From an integer, wrapping to the type's width as numpy's `astype`.
    fn from_i128(v: i128) -> Self;

    /// This value as another element type, by numpy's `astype` rules.
    #[inline]
    fn cast<U: Element>(self) -> U {
        if Self::DTYPE.is_float() {
            U::from_f64(self.to_f64())
        } else {
            U::from_i128(self.to_i128())
        }
    }

    /// Whether the value is NaN (never, for integers).
    #[inline]
    fn is_nan(self) -> bool {
        false
    }

    /// `a + b`: wrapping for integers (numpy's overflow), `or` for `bool`.
    fn add(self, b: Self) -> Self;
    /// `a * b`: wrapping for integers, `and` for `bool`.
    fn mul(self, b: Self) -> Self;
    /// The smallest value (for max-reductions' start), and the largest.
    fn lowest() -> Self;
    /// The largest value.
    fn highest() -> Self;

    /// Appends the values' little-endian bytes.
    fn write_le(xs: &[Self], out: &mut Vec<u8>);
    /// The values' memory as their little-endian bytes, to be filled in place, where
    /// every bit pattern is a value and the host is little-endian (`None` for `bool`).
    fn le_bytes_mut(xs: &mut [Self]) -> Option<&mut [u8]>;
    /// The values from their little-endian bytes (`bytes.len()` a multiple of the size).
    fn read_le(bytes: &[u8]) -> Vec<Self>;
}

/// The floating-point element types.
pub trait Float: Element + std::ops::Add<Output = Self> + std::ops::Div<Output = Self> {}
impl Float for f32 {}
impl Float for f64 {}

/// Numbers: the element types other than `bool`, where subtraction and negation mean
/// what they say (wrapping for integers, as numpy).
pub trait Number: Element {
    /// `a - b`.
    fn sub(self, b: Self) -> Self;
}

/// `as` casts to and from the wide types, for the numeric types.
macro_rules! number_casts {
    ($t:ty) => {
        #[inline]
        fn to_f64(self) -> f64 {
            self as f64
        }
        #[inline]
        fn to_i128(self) -> i128 {
            self as i128
        }
        #[inline]
        fn from_f64(v: f64) -> Self {
            v as $t
        }
        #[inline]
        fn from_i128(v: i128) -> Self {
            v as $t
        }
    };
}

/// Little-endian bytes, for the numeric types.
macro_rules! number_bytes {
    ($t:ty) => {
        fn write_le(xs: &[Self], out: &mut Vec<u8>) {
            out.reserve(xs.len() * size_of::<$t>());
            xs.iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
        }
        fn le_bytes_mut(xs: &mut [Self]) -> Option<&mut [u8]> {
            cfg!(target_endian = "little").then(|| bytemuck::cast_slice_mut(xs))
        }
        fn read_le(bytes: &[u8]) -> Vec<Self> {
            bytes
                .chunks_exact(size_of::<$t>())
                .map(|b| <$t>::from_le_bytes(b.try_into().expect("a whole element")))
                .collect()
        }
    };
}

macro_rules! int_element {
    ($($t:ty => $d:ident, $acc:ty;)*) => {$(
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            type Acc = $acc;
            type Float = f64;
            number_casts!($t);
            #[inline]
            fn add(self, b: Self) -> Self {
                self.wrapping_add(b)
            }
            #[inline]
            fn mul(self, b: Self) -> Self {
                self.wrapping_mul(b)
            }
            fn lowest() -> Self {
                <$t>::MIN
            }
            fn highest() -> Self {
                <$t>::MAX
            }
            number_bytes!($t);
        }
        impl Number for $t {
            #[inline]
            fn sub(self, b: Self) -> Self {
                self.wrapping_sub(b)
            }
        }
    )*};
}

int_element! {
    u8 => U8, u64;
    i32 => I32, i64;
    u32 => U32, u64;
    i64 => I64, i64;
    u64 => U64, u64;
}

macro_rules! float_element {
    ($($t:ty => $d:ident;)*) => {$(
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            type Acc = $t;
            type Float = $t;
            number_casts!($t);
            #[inline]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline]
            fn add(self, b: Self) -> Self {
                self + b
            }
            #[inline]
            fn mul(self, b: Self) -> Self {
                self * b
            }
            fn lowest() -> Self {
                <$t>::NEG_INFINITY
            }
            fn highest() -> Self {
                <$t>::INFINITY
            }
            number_bytes!($t);
        }
        impl Number for $t {
            #[inline]
            fn sub(self, b: Self) -> Self {
                self - b
            }
        }
    )*};
}

float_element! {
    f32 => F32;
    f64 => F64;
}

impl sealed::Sealed for bool {}
impl Element for bool {
    const DTYPE: DType = DType::Bool;
    type Acc = i64;
    type Float = f64;
    #[inline]
    fn to_f64(self) -> f64 {
        f64::from(u8::from(self))
    }
    #[inline]
    fn to_i128(self) -> i128 {
        i128::from(self)
    }
    #[inline]
    fn from_f64(v: f64) -> Self {
        v != 0.0
    }
    #[inline]
    fn from_i128(v: i128) -> Self {
        v != 0
    }
    #[inline]
    fn add(self, b: Self) -> Self {
        self | b
    }
    #[inline]
    fn mul(self, b: Self) -> Self {
        self & b
    }
    fn lowest() -> Self {
        false
    }
    fn highest() -> Self {
        true
    }
    fn write_le(xs: &[Self], out: &mut Vec<u8>) {
        out.extend(xs.iter().map(|&b| u8::from(b)));
    }
    fn read_le(bytes: &[u8]) -> Vec<Self> {
        bytes.iter().map(|&b| b != 0).collect()
    }
    fn le_bytes_mut(_: &mut [Self]) -> Option<&mut [u8]> {
        None
    }
}

/// The type numpy gives an operation on arrays of two element types
/// (`numpy.result_type`): `i32` with `u32` is `i64`, `i64` with `u64` is `f64`, an
/// integer with `f32` is `f64` past 16 bits, `bool` gives way to anything.
///
/// ```
/// use chunkwise::array::{DType, Element, Promote};
/// fn result<A: Promote<B>, B: Element>() -> DType { <A::Output as Element>::DTYPE }
/// assert_eq!(result::<i32, u32>(), DType::I64);
/// assert_eq!(result::<u8, f32>(), DType::F32);
/// assert_eq!(result::<i64, u64>(), DType::F64);
/// ```
pub trait Promote<U: Element>: Element {
    /// The common type.
    type Output: Element;
}

macro_rules! promote_same {
    ($($t:ty),*) => {$(
        impl Promote<$t> for $t {
            type Output = $t;
        }
    )*};
}

/// Both orders of each pair.
macro_rules! promote {
    ($($a:ty, $b:ty => $o:ty;)*) => {$(
        impl Promote<$b> for $a {
            type Output = $o;
        }
        impl Promote<$a> for $b {
            type Output = $o;
        }
    )*};
}

promote_same!(bool, u8, i32, u32, i64, u64, f32, f64);

promote! {
    bool, u8 => u8; bool, i32 => i32; bool, u32 => u32; bool, i64 => i64;
    bool, u64 => u64; bool, f32 => f32; bool, f64 => f64;
    u8, i32 => i32; u8, u32 => u32; u8, i64 => i64; u8, u64 => u64; u8, f32 => f32;
    u8, f64 => f64;
    i32, u32 => i64; i32, i64 => i64; i32, u64 => f64; i32, f32 => f64; i32, f64 => f64;
    u32, i64 => i64; u32, u64 => u64; u32, f32 => f64; u32, f64 => f64;
    i64, u64 => f64; i64, f32 => f64; i64, f64 => f64;
    u64, f32 => f64; u64, f64 => f64;
    f32, f64 => f64;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result<A: Promote<B>, B: Element>() -> DType {
        <A::Output as Element>::DTYPE
    }

    #[test]
    fn promotion_is_numpys_and_symmetric() {
        // numpy.result_type for every pair, row by row (bool, u8, i32, u32, i64, u64, f32, f64).
        use DType::*;
        macro_rules! row {
            ($a:ty: $($b:ty => $o:expr),*) => {$(
                assert_eq!(result::<$a, $b>(), $o, "{} with {}", <$a>::DTYPE, <$b>::DTYPE);
                assert_eq!(result::<$b, $a>(), $o, "{} with {}", <$b>::DTYPE, <$a>::DTYPE);
            )*};
        }
        row!(bool: bool => Bool, u8 => U8, i32 => I32, u32 => U32, i64 => I64, u64 => U64, f32 => F32, f64 => F64);
        row!(u8: u8 => U8, i32 => I32, u32 => U32, i64 => I64, u64 => U64, f32 => F32, f64 => F64);
        row!(i32: i32 => I32, u32 => I64, i64 => I64, u64 => F64, f32 => F64, f64 => F64);
        row!(u32: u32 => U32, i64 => I64, u64 => U64, f32 => F64, f64 => F64);
        row!(i64: i64 => I64, u64 => F64, f32 => F64, f64 => F64);
        row!(u64: u64 => U64, f32 => F64, f64 => F64);
        row!(f32: f32 => F32, f64 => F64);
    }

    #[test]
    fn casts_follow_astype() {
        assert_eq!((-2.7f64).cast::<i64>(), -2);
        assert_eq!(300i32.cast::<u8>(), 44);
        assert_eq!((-1i32).cast::<u64>(), u64::MAX);
        assert_eq!(u64::MAX.cast::<i64>(), -1);
        assert_eq!(true.cast::<f32>(), 1.0);
        assert!(!0.0f32.cast::<bool>());
        assert_eq!(16_777_217i64.cast::<f32>(), 16_777_216.0);
        assert_eq!(((1u64 << 53) + 1).cast::<f64>(), 9_007_199_254_740_992.0);
        assert_eq!(0.1f32.cast::<f64>(), f64::from(0.1f32));
        assert!(f32::NAN.cast::<f64>().is_nan());
        assert_eq!(i64::MIN.cast::<i64>(), i64::MIN);
    }

    #[test]
    fn bytes_round_trip() {
        fn trip<T: Element>(xs: &[T]) {
            let mut b = Vec::new();
            T::write_le(xs, &mut b);
            assert_eq!(b.len(), xs.len() * T::DTYPE.size());
            assert_eq!(T::read_le(&b), xs);
            // Filled in place from the same bytes, where the type allows it.
            let mut ys = vec![T::default(); xs.len()];
            if let Some(mem) = T::le_bytes_mut(&mut ys) {
                mem.copy_from_slice(&b);
                assert_eq!(ys, xs);
            }
        }
        trip(&[true, false, true]);
        trip(&[0u8, 255]);
        trip(&[i32::MIN, -1, i32::MAX]);
        trip(&[u32::MAX]);
        trip(&[i64::MIN, 7]);
        trip(&[u64::MAX]);
        trip(&[1.5f32, -0.0]);
        trip(&[f64::MAX, f64::MIN_POSITIVE]);
    }
}
