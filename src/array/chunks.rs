//! Chunk grids: how an array's shape is cut, validated once at construction.

use crate::{Error, Result};

/// Bytes per chunk that `Chunks::Auto` aims at (Dask's `array.chunk-size` default).
pub const AUTO_CHUNK_BYTES: usize = 128 << 20;

/// A chunk size meaning the whole axis, as Dask's `-1`: `[WHOLE, 1000]`.
pub const WHOLE: usize = usize::MAX;

/// How to cut an array into chunks.
///
/// ```
/// use chunkwise::array::Chunks;
/// let a: Chunks = [10000, 10000].into();     // one size per dimension, ragged last chunk allowed
/// let b: Chunks = vec![vec![3, 3, 1]].into(); // explicit sizes per dimension
/// let c = Chunks::Auto;                       // about 128 MiB per chunk
/// # let _ = (a, b, c);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Chunks {
    /// One chunk size per dimension; the last chunk of a dimension may be smaller.
    /// [`WHOLE`] (numpy's and Dask's `-1`) is the whole axis in one chunk.
    Shape(Vec<usize>),
    /// Explicit sizes per dimension, summing to the shape.
    Explicit(Vec<Vec<usize>>),
    /// Sized to about [`AUTO_CHUNK_BYTES`], as Dask's `chunks="auto"`.
    Auto,
}

impl From<Vec<usize>> for Chunks {
    fn from(v: Vec<usize>) -> Self {
        Chunks::Shape(v)
    }
}
impl From<&[usize]> for Chunks {
    fn from(v: &[usize]) -> Self {
        Chunks::Shape(v.to_vec())
    }
}
impl<const N: usize> From<[usize; N]> for Chunks {
    fn from(v: [usize; N]) -> Self {
        Chunks::Shape(v.to_vec())
    }
}
impl From<Vec<Vec<usize>>> for Chunks {
    fn from(v: Vec<Vec<usize>>) -> Self {
        Chunks::Explicit(v)
    }
}

/// A validated grid: the shape and the chunk sizes along each dimension.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Grid {
    pub(crate) shape: Vec<usize>,
    pub(crate) chunks: Vec<Vec<usize>>,
}

impl Grid {
    pub(crate) fn new(shape: &[usize], spec: &Chunks) -> Result<Grid> {
        let chunks = match spec {
            Chunks::Shape(sizes) => {
                if sizes.len() != shape.len() {
                    return Err(Error::invalid(format!(
                        "chunks {sizes:?} have {} dimensions but the shape {shape:?} has {}",
                        sizes.len(),
                        shape.len()
                    )));
                }
                shape
                    .iter()
                    .zip(sizes)
                    .enumerate()
                    .map(|(d, (&n, &c))| {
                        if c == 0 {
                            return Err(Error::invalid(format!(
                                "chunk size 0 along axis {d} (shape {shape:?}, chunks {sizes:?})"
                            )));
                        }
                        Ok(split(n, if c == WHOLE { n.max(1) } else { c }))
                    })
                    .collect::<Result<Vec<_>>>()?
            }
            Chunks::Explicit(per_dim) => {
                if per_dim.len() != shape.len() {
                    return Err(Error::invalid(format!(
                        "chunks give {} dimensions but the shape {shape:?} has {}",
                        per_dim.len(),
                        shape.len()
                    )));
                }
                for (d, (sizes, &n)) in per_dim.iter().zip(shape).enumerate() {
                    if sizes.iter().sum::<usize>() != n {
                        return Err(Error::invalid(format!(
                            "chunks {sizes:?} along axis {d} sum to {} but the axis has length {n}",
                            sizes.iter().sum::<usize>()
                        )));
                    }
                    // Chunks of size 0 are allowed, as in Dask (a selection leaves them).
                    if sizes.is_empty() {
                        return Err(Error::invalid(format!(
                            "no chunks along axis {d} (an empty axis has one chunk of size 0)"
                        )));
                    }
                }
                per_dim.clone()
            }
            Chunks::Auto => {
                let total: usize = AUTO_CHUNK_BYTES / 8;
                // Near-cubic chunks: the same size along every axis, capped by the axis.
                let nd = shape.len().max(1) as f64;
                let side = ((total as f64).powf(1.0 / nd).floor() as usize).max(1);
                shape
                    .iter()
                    .map(|&n| split(n, side.min(n).max(1)))
                    .collect()
            }
        };
        Ok(Grid {
            shape: shape.to_vec(),
            chunks,
        })
    }

    pub(crate) fn ndim(&self) -> usize {
        self.shape.len()
    }

    pub(crate) fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Number of chunks along each axis.
    pub(crate) fn grid_shape(&self) -> Vec<usize> {
        self.chunks.iter().map(Vec::len).collect()
    }

    pub(crate) fn n_chunks(&self) -> usize {
        self.grid_shape().iter().product()
    }

    /// The grid position of chunk `c` (row-major over the grid).
    pub(crate) fn position(&self, c: usize) -> Vec<usize> {
        unravel(c, &self.grid_shape())
    }

    /// Offset and shape of chunk `c`.
    pub(crate) fn chunk(&self, c: usize) -> (Vec<usize>, Vec<usize>) {
        let pos = self.position(c);
        let offset = pos
            .iter()
            .zip(&self.chunks)
            .map(|(&p, sizes)| sizes[..p].iter().sum())
            .collect();
        let shape = pos.iter().zip(&self.chunks).map(|(&p, s)| s[p]).collect();
        (offset, shape)
    }

    /// Checks an axis number against the dimensions.
    pub(crate) fn axis(&self, axis: usize) -> Result<usize> {
        if axis < self.ndim() {
            Ok(axis)
        } else {
            Err(Error::invalid(format!(
                "axis {axis} is out of range for an array of {} dimensions (shape {:?})",
                self.ndim(),
                self.shape
            )))
        }
    }
}

/// `n` cut into pieces of `c`, the last one ragged; an empty axis has one empty chunk.
fn split(n: usize, c: usize) -> Vec<usize> {
    if n == 0 {
        return vec![0];
    }
    let mut v = vec![c; n / c];
    if !n.is_multiple_of(c) {
        v.push(n % c);
    }
    v
}

pub(crate) fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for d in (0..shape.len()).rev() {
        let n = shape[d].max(1);
        idx[d] = i % n;
        i /= n;
    }
    idx
}

pub(crate) fn ravel(idx: &[usize], shape: &[usize]) -> usize {
    idx.iter().zip(shape).fold(0, |acc, (&i, &n)| acc * n + i)
}
