//! A one-dimensional [`DArray`] to and from an arrow-rs primitive array (cargo feature
//! `arrow`).

use arrow_array::types::{
    ArrowPrimitiveType, Float32Type, Float64Type, Int32Type, Int64Type, UInt8Type, UInt32Type,
    UInt64Type,
};
use arrow_array::{Array, PrimitiveArray};
use ndarray::{ArrayD, IxDyn};

use super::{Chunks, DArray, Element, from_array};
use crate::{Error, Result};

/// An element type with an Arrow primitive type of the same values (every type but
/// `bool`, whose Arrow arrays are bit-packed).
pub trait ArrowElement: Element + arrow_array::ArrowNativeTypeOp {
    /// The arrow-rs primitive type.
    type Arrow: ArrowPrimitiveType<Native = Self>;
}

macro_rules! arrow_element {
    ($($t:ty => $a:ty),*) => {
        $(impl ArrowElement for $t {
            type Arrow = $a;
        })*
    };
}
arrow_element!(f64 => Float64Type, f32 => Float32Type, i64 => Int64Type, i32 => Int32Type,
    u64 => UInt64Type, u32 => UInt32Type, u8 => UInt8Type);

impl<T: ArrowElement> DArray<T> {
    /// A one-dimensional array of an Arrow array's values, in chunks of `chunks`. Arrow
    /// nulls have no place in a numpy-style array: an array holding any is an error.
    ///
    /// ```
    /// use arrow_array::Float64Array;
    /// use chunkwise::array::DArray;
    /// let a = Float64Array::from(vec![1.0, 2.0, 3.0, 4.0, 5.0]);
    /// let x = DArray::<f64>::from_arrow(&a, [2]).unwrap();
    /// assert_eq!(x.sum(None).compute_scalar().unwrap(), 15.0);
    /// assert_eq!(x.to_arrow().unwrap(), a);
    /// ```
    pub fn from_arrow(
        array: &PrimitiveArray<T::Arrow>,
        chunks: impl Into<Chunks>,
    ) -> Result<DArray<T>> {
        if array.null_count() > 0 {
            return Err(Error::invalid(format!(
                "from_arrow: the array holds {} nulls, which a DArray cannot (fill them first)",
                array.null_count()
            )));
        }
        let values = ArrayD::from_shape_vec(IxDyn(&[array.len()]), array.values().to_vec())
            .map_err(|e| Error::external("from_arrow", e))?;
        from_array(values, chunks)
    }

    /// Computes a one-dimensional array into an Arrow array (its buffer is the
    /// computed array's, not a copy).
    pub fn to_arrow(&self) -> Result<PrimitiveArray<T::Arrow>> {
        if self.ndim() != 1 {
            return Err(Error::invalid(format!(
                "to_arrow: an Arrow array has one dimension, this array {} (shape {:?}); \
                 reshape or ravel it first",
                self.ndim(),
                self.shape()
            )));
        }
        let a = self.compute()?;
        let (values, _) = a.into_raw_vec_and_offset();
        Ok(PrimitiveArray::<T::Arrow>::new(values.into(), None))
    }
}
