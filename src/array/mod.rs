//! `DArray<T>`: lazily chunked n-dimensional arrays, as `dask.array`; `T` is `f64`
//! unless said otherwise (see [`Element`]).
//!
//! Arrays of `f64` are fused expressions (below); arrays of the other element types
//! hold one task per chunk and run blockwise on ndarray's kernels (`astype`,
//! arithmetic with numpy's promotion, comparisons giving `bool` arrays, reductions
//! with numpy's result types); data movement (rechunk, slice, transpose, broadcast)
//! is the same code for every type.
//!
//! An array is a chunk grid and an expression. Generators (random, constant, ranges,
//! an in-memory array) and elementwise operations stay a fused expression; they become
//! tasks only where something needs them: one task per chunk when the array is
//! computed, rechunked or sliced, or one *reducing* task per chunk that pulls the chunk
//! through a reduction in tiles, so a generated 10000 x 10000 chunk never exists whole.
//!
//! Methods that transform an array are infallible and lazy: a bad axis or shapes that
//! do not broadcast (numpy's rules) give an array that carries the error, and `compute` returns it before
//! any task runs. Constructors check their arguments at once.

mod chunks;
mod element;
mod expr;
#[cfg(feature = "arrow")]
mod impl_arrow;
mod impl_blockwise;
mod impl_broadcast;
mod impl_constructors;
#[cfg(feature = "linalg")]
mod impl_decomp;
mod impl_histogram;
mod impl_index;
mod impl_labelled;
mod impl_linalg;
mod impl_map_blocks;
mod impl_ops;
mod impl_overlap;
mod impl_quantile;
mod impl_reduce;
mod impl_reductions;
mod impl_reshape;
mod impl_routines;
mod impl_select;
mod impl_setitem;
mod impl_shape;
mod impl_store;
mod impl_target;
mod impl_vindex;
#[cfg(feature = "zarr")]
mod impl_zarr;

use std::marker::PhantomData;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn, SliceInfoElem};

pub use chunks::{AUTO_CHUNK_BYTES, AxisChunks, Chunks, WHOLE, normalize_chunks};
pub use element::{DType, Element, Float, Number, Promote};
#[cfg(feature = "arrow")]
pub use impl_arrow::ArrowElement;
pub use impl_blockwise::{BlockFn, IntoOperand, Operand, Piece};
pub use impl_constructors::{
    arange, choice, choice_distinct, empty, from_array, from_delayed, from_fn, full, linspace,
    ones, permutation, random, random_integers, random_normal, random_uniform, zeros,
};
#[cfg(feature = "linalg")]
pub use impl_decomp::Real;
pub use impl_histogram::{Bins, LazyBins, histogram2d, histogramdd_coords};
pub use impl_index::Idx;
pub use impl_labelled::blockwise;
pub use impl_linalg::{Cov, einsum};
pub use impl_map_blocks::{Block, BlockInfo, BlockMap};
pub use impl_ops::Logical;
pub use impl_overlap::{Boundaries, Boundary};
pub use impl_quantile::{Qs, Quantile, QuantileMethod};
pub use impl_reduce::{Axes, Reduction};
pub use impl_routines::{
    Blocks, RavelMode, Spacing, eye, indices, meshgrid, meshgrid_with, ravel_multi_index, tri,
    tril_indices, triu_indices, unravel_index,
};
pub use impl_select::{Side, UniqueAll, searchsorted};
pub use impl_setitem::{SetIdx, SetValue};
pub use impl_shape::{PadFn, PadMode, PadStat};
pub use impl_store::{PendingWrite, from_npy, from_npy_stack, store, store_with};
pub use impl_target::Target;
pub use impl_vindex::{Integer, VIdx};
#[cfg(feature = "zarr")]
pub use impl_zarr::{ZarrArray, ZarrElement, ZarrWrite, from_zarr};

use crate::compute::Compute;
use crate::graph::{Node, Value};
use crate::{Config, Error, Result};
use chunks::Grid;
use expr::{Expr, Kind};

/// A lazily chunked n-dimensional array of `T` (`f64` unless said otherwise).
///
/// ```
/// use chunkwise::array::random_normal;
/// let x = random_normal(0.0, 1.0, &[400, 300], [100, 100], 42).unwrap();
/// let row_means = x.mean(1).compute().unwrap();
/// assert_eq!(row_means.shape(), &[400]);
/// assert!(row_means.iter().all(|m| m.abs() < 0.5));
/// ```
///
/// Other element types come from typed constructors and `astype`:
///
/// ```
/// use chunkwise::array::{DArray, from_array};
/// use ndarray::{ArrayD, IxDyn};
/// let a = ArrayD::from_shape_vec(IxDyn(&[5]), vec![1i32, -2, 3, 4, 5]).unwrap();
/// let x: DArray<i32> = from_array(a, [2]).unwrap();
/// let big = x.gt(&x.full_like(2)); // DArray<bool>
/// assert_eq!(big.compute().unwrap().iter().filter(|&&b| b).count(), 3);
/// assert_eq!(x.sum(None).compute_scalar().unwrap(), 11i64); // int32 sums as int64
/// assert_eq!(x.astype::<f64>().mean(None).compute_scalar().unwrap(), 2.2);
/// ```
pub struct DArray<T: Element = f64> {
    grid: Arc<Grid>,
    /// For `f64` any expression; for other types always `Kind::Chunks` of `ArrayD<T>`.
    expr: Expr,
    error: Option<Arc<Error>>,
    _t: PhantomData<fn() -> T>,
}

impl<T: Element> Clone for DArray<T> {
    fn clone(&self) -> Self {
        DArray {
            grid: Arc::clone(&self.grid),
            expr: self.expr.clone(),
            error: self.error.clone(),
            _t: PhantomData,
        }
    }
}

impl<T: Element> std::fmt::Debug for DArray<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DArray<{}, {}-{:016x}, shape={:?}, chunks={:?}>",
            T::DTYPE,
            self.expr.label(),
            self.expr.token(),
            self.grid.shape(),
            self.grid.chunks()
        )
    }
}

impl<T: Element> DArray<T> {
    pub(crate) fn from_expr(grid: Arc<Grid>, expr: Expr) -> Self {
        DArray {
            grid,
            expr,
            error: None,
            _t: PhantomData,
        }
    }

    /// An array of chunk tasks (values `ArrayD<T>`, one per chunk of `grid`, in order).
    pub(crate) fn from_chunks(
        grid: Arc<Grid>,
        token: u64,
        label: &'static str,
        nodes: Vec<Arc<Node>>,
    ) -> Self {
        Self::from_expr(grid, Expr::new(token, label, Kind::Chunks(Arc::new(nodes))))
    }

    /// An array that is only an error (`compute` returns it).
    /// Its chunk tasks fail with the error too, so an operation built on it has tasks
    /// to read and fails with the error rather than finding none.
    pub(crate) fn errored(grid: Arc<Grid>, e: Error) -> Self {
        let e = Arc::new(e);
        let shared = Arc::clone(&e);
        let t = crate::graph::Tokenizer::new("error")
            .param(&e.to_string())
            .finish();
        let x = impl_constructors::chunk_tasks(grid, "error", t, move |_, _, _| {
            Err(Error::Shared(Arc::clone(&shared)))
        });
        DArray {
            error: Some(e),
            ..x
        }
    }

    /// This array with an error that `compute` will return.
    pub(crate) fn failed(&self, e: Error) -> Self {
        DArray {
            error: Some(self.error.clone().unwrap_or_else(|| Arc::new(e))),
            ..self.clone()
        }
    }

    /// A new array of another type carrying this one's error, if any.
    pub(crate) fn carry<U: Element>(&self, out: DArray<U>) -> DArray<U> {
        match &self.error {
            Some(e) if out.error.is_none() => DArray {
                error: Some(Arc::clone(e)),
                ..out
            },
            _ => out,
        }
    }

    /// This array as `DArray<f64>` when `T` is `f64`: the fused operations apply.
    pub(crate) fn as_f64(&self) -> Option<DArray<f64>> {
        same_type::<T, f64>().then(|| self.retyped())
    }

    /// The same array named as another element type; only where the chunk values are
    /// of that type (checked by the caller: `T` and `U` are the same type).
    pub(crate) fn retyped<U: Element>(&self) -> DArray<U> {
        debug_assert!(same_type::<T, U>() || matches!(self.expr.kind(), Kind::Chunks(_)));
        DArray {
            grid: Arc::clone(&self.grid),
            expr: self.expr.clone(),
            error: self.error.clone(),
            _t: PhantomData,
        }
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        T::DTYPE
    }

    /// The error this array carries, if an operation that built it was invalid.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_deref()
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        self.grid.shape()
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.grid.ndim()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.grid.len()
    }

    /// Whether the array has no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Chunk sizes along each dimension.
    pub fn chunks(&self) -> &[Vec<usize>] {
        self.grid.chunks()
    }

    /// Number of chunks.
    pub fn n_chunks(&self) -> usize {
        self.grid.n_chunks()
    }

    /// The token naming this array's tasks (equal for equal expressions).
    pub fn token(&self) -> u64 {
        self.expr.token()
    }

    /// One task per chunk.
    pub(crate) fn chunk_nodes(&self) -> Arc<Vec<Arc<Node>>> {
        expr::materialize(&self.expr, &self.grid)
    }

    /// The blocks as lazy values, in an array shaped as the chunk grid (Dask's
    /// `to_delayed`): each computes to its block, sharing this array's tasks.
    ///
    /// ```
    /// use chunkwise::array::ones;
    /// let x = &ones(&[4, 4], [2, 2]).unwrap() + 10.0;
    /// let blocks = x.to_delayed();
    /// assert_eq!(blocks.shape(), &[2, 2]);
    /// assert_eq!(blocks[[1, 0]].compute().unwrap().sum(), 44.0);
    /// ```
    pub fn to_delayed(&self) -> ArrayD<crate::Delayed<ArrayD<T>>> {
        let nodes = self.chunk_nodes();
        let blocks: Vec<crate::Delayed<ArrayD<T>>> = nodes
            .iter()
            .map(|n| match &self.error {
                Some(e) => {
                    let e = Arc::clone(e);
                    crate::Delayed::from_fn(
                        "error",
                        Vec::new(),
                        Box::new(move |_| Err(Error::Shared(Arc::clone(&e)))),
                    )
                }
                None => crate::Delayed::from_arc(Arc::clone(n)),
            })
            .collect();
        ArrayD::from_shape_vec(IxDyn(&self.grid.grid_shape()), blocks)
            .expect("one block per chunk of the grid")
    }

    /// Computes into an ndarray with the default configuration.
    pub fn compute(&self) -> Result<ArrayD<T>> {
        crate::compute(self)
    }

    /// Computes with the given configuration.
    pub fn compute_with(&self, config: &Config) -> Result<ArrayD<T>> {
        crate::compute_with(self, config)
    }

    /// Computes a 0-dimensional array (a full reduction) into its value.
    pub fn compute_scalar(&self) -> Result<T> {
        let a = self.compute()?;
        a.iter()
            .next()
            .copied()
            .filter(|_| a.len() == 1)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "compute_scalar needs one element, the array has shape {:?}",
                    a.shape()
                ))
            })
    }

    /// Computes the chunks now and keeps them in memory: later operations start from
    /// them instead of recomputing (as `x.persist()`). Keys stay the same. Under a
    /// memory budget ([`Config::memory_limit`]) the chunks past it are written to the
    /// spill directory (zstd) and read back when used; the files go with the last
    /// clone of the returned array.
    ///
    /// ```
    /// use chunkwise::{Config, array::random_normal};
    /// let x = random_normal(0.0, 1.0, &[400, 400], [100, 100], 7).unwrap();
    /// // 16 chunks of 80 KB under a 640 KB budget: 8 stay in memory, 8 go to disk.
    /// let p = x.persist_with(&Config::new().memory_limit(640_000)).unwrap();
    /// assert_eq!(p.compute().unwrap(), x.compute().unwrap());
    /// ```
    pub fn persist(&self) -> Result<DArray<T>> {
        self.persist_with(&Config::current()?)
    }

    /// As [`DArray::persist`] with a configuration.
    pub fn persist_with(&self, config: &Config) -> Result<DArray<T>> {
        self.check()?;
        let nodes = self.chunk_nodes();
        let plan = crate::graph::Plan::build(&nodes)?;
        // Chunks past the budget are spilled while the run goes and stay on disk.
        let values = config.execute_to_hold(&plan)?;
        let spill = Arc::new(crate::engine::Spill::new(
            config.get_spill_dir().map(|p| p.as_path()),
        ));
        let mut held_bytes = 0u64;
        let mut held = Vec::with_capacity(nodes.len());
        for (i, (n, v)) in nodes.iter().zip(values).enumerate() {
            if v.is::<crate::engine::SpilledOutput>() {
                let kept = Arc::clone(&v);
                let mut node = Node::new(
                    n.key.clone(),
                    Vec::new(),
                    Box::new(move |_| {
                        kept.downcast_ref::<crate::engine::SpilledOutput>()
                            .expect("a spilled chunk")
                            .load()
                    }),
                );
                node.bytes = n.bytes;
                node.codec = n.codec;
                held.push(Arc::new(node));
                continue;
            }
            let bytes = n.codec.as_ref().map_or(n.bytes, |c| (c.held_bytes)(&v));
            held_bytes += bytes;
            let fetch: crate::graph::InputsFn = match (&n.codec, config.get_memory_limit()) {
                (Some(codec), Some(limit)) if held_bytes > limit => {
                    let path = spill.write(i as u32, &v, codec)?;
                    let (codec, spill) = (*codec, Arc::clone(&spill));
                    Box::new(move |_| {
                        let _dir = &spill; // the files live as long as the nodes
                        crate::engine::Spill::read(&path, &codec)
                    })
                }
                _ => Box::new(move |_| Ok(v.clone())),
            };
            let mut node = Node::new(n.key.clone(), Vec::new(), fetch);
            node.bytes = n.bytes;
            node.codec = n.codec;
            held.push(Arc::new(node));
        }
        Ok(DArray::from_expr(
            Arc::clone(&self.grid),
            Expr::new(self.expr.token(), "persisted", Kind::Chunks(Arc::new(held))),
        ))
    }
}

/// Whether `A` and `B` are the same type.
pub(crate) fn same_type<A: 'static, B: 'static>() -> bool {
    std::any::TypeId::of::<A>() == std::any::TypeId::of::<B>()
}

impl<T: Element> Compute for DArray<T> {
    type Output = ArrayD<T>;

    fn check(&self) -> Result<()> {
        match &self.error {
            Some(e) => Err(Error::Shared(Arc::clone(e))),
            None => Ok(()),
        }
    }

    fn nodes(&self, out: &mut Vec<Arc<Node>>) {
        if self.error.is_none() {
            out.extend(self.chunk_nodes().iter().cloned());
        }
    }

    fn assemble(&self, values: &mut dyn Iterator<Item = Value>) -> Result<ArrayD<T>> {
        self.check()?;
        let mut out = ArrayD::<T>::default(IxDyn(self.grid.shape()));
        for c in 0..self.grid.n_chunks() {
            let v = values.next().expect("one value per chunk");
            let chunk = chunk_of::<T>(&v);
            let (offset, shape) = self.grid.chunk(c);
            let info: Vec<SliceInfoElem> = offset
                .iter()
                .zip(&shape)
                .map(|(&o, &n)| ndarray::Slice::from(o..o + n).into())
                .collect();
            out.slice_mut(info.as_slice()).assign(chunk);
        }
        Ok(out)
    }
}

/// A chunk task's value.
pub(crate) fn chunk_of<T: Element>(v: &Value) -> &ArrayD<T> {
    v.downcast_ref::<ArrayD<T>>()
        .unwrap_or_else(|| panic!("chunk values are ArrayD<{}>", T::DTYPE))
}

/// An owned block as a chunk task's value: chunks are kept in standard layout, and
/// one already in it that owns its whole buffer is moved, not copied (a slice of a
/// larger array is copied, so the chunk never holds more memory than it counts).
pub(crate) fn chunk_value<T: Element>(a: ArrayD<T>) -> Value {
    if !a.is_standard_layout() {
        return Arc::new(a.as_standard_layout().into_owned());
    }
    let (shape, n) = (a.raw_dim(), a.len());
    let (v, off) = a.into_raw_vec_and_offset();
    let off = off.unwrap_or(0);
    // A slice of a larger buffer is copied out, so a chunk holds no more than it counts.
    let v = if off == 0 && v.len() == n {
        v
    } else {
        v[off..off + n].to_vec()
    };
    Arc::new(
        ArrayD::from_shape_vec(shape, v)
            .unwrap_or_else(|e| unreachable!("a standard-layout array's elements: {e}")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{IxDyn, s};

    #[test]
    fn chunk_values_own_no_more_than_their_elements() {
        let big = ArrayD::from_shape_fn(IxDyn(&[4, 3]), |i| (i[0] * 3 + i[1]) as i64);
        // A standard-layout slice of a larger buffer (rows 1..3): copied.
        let rows = big.clone().slice_move(s![1..3, ..]).into_dyn();
        assert!(rows.is_standard_layout());
        let v = chunk_value(rows.clone());
        assert_eq!(chunk_of::<i64>(&v), &rows);
        let (buffer, _) = chunk_of::<i64>(&v).clone().into_raw_vec_and_offset();
        assert_eq!(
            buffer.len(),
            6,
            "the slice's 6 elements, not the 12 beneath"
        );
        // A whole buffer: moved; a transposed view: made standard.
        assert_eq!(chunk_of::<i64>(&chunk_value(big.clone())), &big);
        let t = big.clone().reversed_axes();
        let v = chunk_value(t.clone());
        assert!(chunk_of::<i64>(&v).is_standard_layout());
        assert_eq!(chunk_of::<i64>(&v), &t);
        // Empty.
        let e = big.slice_move(s![2..2, ..]).into_dyn();
        assert_eq!(chunk_of::<i64>(&chunk_value(e.clone())), &e);
    }
}
