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
    /// Sized to about this many bytes a chunk, as Dask's `chunks="100 MiB"`.
    Bytes(usize),
    /// One entry per axis, as Dask's tuples mixing sizes, `-1` and `"auto"` (the
    /// `Auto` axes share what the others leave of [`AUTO_CHUNK_BYTES`]).
    PerAxis(Vec<AxisChunks>),
    /// Some axes by number, the others whole, as Dask's `{0: 1000}` (in
    /// [`DArray::rechunk`](super::DArray::rechunk) the others keep their chunks).
    Axes(Vec<(usize, AxisChunks)>),
}

/// How one axis is cut, for [`Chunks::PerAxis`] and [`Chunks::Axes`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AxisChunks {
    /// Pieces of this size, the last one ragged.
    Size(usize),
    /// The whole axis in one chunk (Dask's `-1`).
    Whole,
    /// Sized with the other `Auto` axes to about [`AUTO_CHUNK_BYTES`] a chunk.
    Auto,
    /// These sizes, summing to the axis.
    Sizes(Vec<usize>),
    /// The chunks the array has (Dask's `None` in `rechunk`; whole elsewhere).
    Keep,
}

impl From<usize> for AxisChunks {
    fn from(n: usize) -> Self {
        if n == WHOLE {
            AxisChunks::Whole
        } else {
            AxisChunks::Size(n)
        }
    }
}

/// Dask's string specs: `"auto"`, or a size in bytes such as `"100 MiB"`, `"1e6"`,
/// `"64MB"` (units B, kB, MB, GB, KiB, MiB, GiB, as Dask's `parse_bytes`).
///
/// ```
/// use chunkwise::array::Chunks;
/// assert_eq!("auto".parse::<Chunks>().unwrap(), Chunks::Auto);
/// assert_eq!("100 MiB".parse::<Chunks>().unwrap(), Chunks::Bytes(100 << 20));
/// assert_eq!("1e6".parse::<Chunks>().unwrap(), Chunks::Bytes(1_000_000));
/// assert!("lots".parse::<Chunks>().is_err());
/// ```
impl std::str::FromStr for Chunks {
    type Err = Error;
    fn from_str(s: &str) -> Result<Chunks> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("auto") {
            return Ok(Chunks::Auto);
        }
        let split = t
            .find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
            .unwrap_or(t.len());
        let (number, unit) = (t[..split].trim(), t[split..].trim());
        let scale: f64 = match unit.to_ascii_lowercase().as_str() {
            "" | "b" => 1.0,
            "kb" | "k" => 1e3,
            "mb" | "m" => 1e6,
            "gb" | "g" => 1e9,
            "tb" | "t" => 1e12,
            "kib" | "ki" => 1024.0,
            "mib" | "mi" => 1024.0 * 1024.0,
            "gib" | "gi" => 1024.0 * 1024.0 * 1024.0,
            "tib" | "ti" => 1024f64.powi(4),
            _ => {
                return Err(Error::invalid(format!(
                    "chunks {s:?}: unknown unit {unit:?}"
                )));
            }
        };
        match number.parse::<f64>() {
            Ok(v) if v.is_finite() && v * scale >= 1.0 => Ok(Chunks::Bytes((v * scale) as usize)),
            _ => Err(Error::invalid(format!(
                "chunks {s:?}: not \"auto\" nor a size in bytes (\"100 MiB\")"
            ))),
        }
    }
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

/// A validated grid: the shape, the chunk sizes along each dimension and where each
/// chunk starts (kept so that finding a chunk is O(ndim), not a sum over the chunks
/// before it: loops over every chunk stay linear). The fields change together, through
/// [`Grid::set_axis`] and friends.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Grid {
    shape: Vec<usize>,
    chunks: Vec<Vec<usize>>,
    starts: Vec<Vec<usize>>,
}

impl Grid {
    /// The grid of these chunk sizes (they sum to `shape`, unchecked: for grids derived
    /// from valid ones; [`Grid::resolve`] checks a user's).
    pub(crate) fn from_parts(shape: Vec<usize>, chunks: Vec<Vec<usize>>) -> Grid {
        debug_assert_eq!(shape.len(), chunks.len());
        debug_assert!(
            shape
                .iter()
                .zip(&chunks)
                .all(|(&n, c)| c.iter().sum::<usize>() == n),
            "chunks {chunks:?} do not sum to the shape {shape:?}"
        );
        let starts = chunks.iter().map(|c| starts_of(c)).collect();
        Grid {
            shape,
            chunks,
            starts,
        }
    }

    /// The array's shape.
    pub(crate) fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The chunk sizes along each axis.
    pub(crate) fn chunks(&self) -> &[Vec<usize>] {
        &self.chunks
    }

    /// Where each chunk starts along each axis.
    pub(crate) fn starts(&self) -> &[Vec<usize>] {
        &self.starts
    }

    /// The chunk along `axis` holding position `i` (`i` inside the axis).
    pub(crate) fn chunk_of(&self, axis: usize, i: usize) -> usize {
        chunk_holding(&self.starts[axis], i)
    }

    /// Axis `axis` re-cut into `chunks` (its length becomes their sum).
    pub(crate) fn set_axis(&mut self, axis: usize, chunks: Vec<usize>) {
        self.shape[axis] = chunks.iter().sum();
        self.starts[axis] = starts_of(&chunks);
        self.chunks[axis] = chunks;
    }

    /// A new axis at `axis`, cut into `chunks`.
    pub(crate) fn insert_axis(&mut self, axis: usize, chunks: Vec<usize>) {
        self.shape.insert(axis, chunks.iter().sum());
        self.starts.insert(axis, starts_of(&chunks));
        self.chunks.insert(axis, chunks);
    }

    /// The grid of `spec` over `shape` for 8-byte elements.
    pub(crate) fn new(shape: &[usize], spec: &Chunks) -> Result<Grid> {
        Grid::resolve(shape, spec, 8, None)
    }

    /// The grid of `spec` over `shape` for elements of `itemsize` bytes; `previous`,
    /// the chunks an array has, for [`AxisChunks::Keep`] (whole axes without it).
    pub(crate) fn resolve(
        shape: &[usize],
        spec: &Chunks,
        itemsize: usize,
        previous: Option<&[Vec<usize>]>,
    ) -> Result<Grid> {
        let per_axis = |axes: Vec<AxisChunks>| -> Result<Grid> {
            if axes.len() != shape.len() {
                return Err(Error::invalid(format!(
                    "chunks {axes:?} have {} dimensions but the shape {shape:?} has {}",
                    axes.len(),
                    shape.len()
                )));
            }
            let auto = auto_sizes(shape, &axes, AUTO_CHUNK_BYTES, itemsize, previous);
            let chunks = axes
                .iter()
                .enumerate()
                .map(|(d, a)| {
                    let n = shape[d];
                    Ok(match a {
                        // Size 0 only cuts an empty axis (Dask's `(0, 10)` for shape
                        // `(0, 10)`): one chunk of size 0.
                        AxisChunks::Size(0) if n == 0 => vec![0],
                        AxisChunks::Size(0) => {
                            return Err(Error::invalid(format!(
                                "chunk size 0 along axis {d} (shape {shape:?})"
                            )));
                        }
                        AxisChunks::Size(c) => split(n, *c),
                        AxisChunks::Whole => split(n, n.max(1)),
                        AxisChunks::Auto => split(n, auto[d]),
                        AxisChunks::Keep => match previous {
                            Some(p) => p[d].clone(),
                            None => split(n, n.max(1)),
                        },
                        AxisChunks::Sizes(sizes) => {
                            let g = Grid::resolve(
                                &[n],
                                &Chunks::Explicit(vec![sizes.clone()]),
                                itemsize,
                                None,
                            )
                            .map_err(|e| Error::invalid(format!("axis {d}: {e}")))?;
                            g.chunks[0].clone()
                        }
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Grid::from_parts(shape.to_vec(), chunks))
        };
        let chunks = match spec {
            Chunks::PerAxis(axes) => return per_axis(axes.clone()),
            Chunks::Axes(given) => {
                let mut axes = vec![AxisChunks::Keep; shape.len()];
                for (d, a) in given {
                    if *d >= shape.len() {
                        return Err(Error::invalid(format!(
                            "chunks for axis {d}, but the shape {shape:?} has {} dimensions",
                            shape.len()
                        )));
                    }
                    axes[*d] = a.clone();
                }
                return per_axis(axes);
            }
            Chunks::Bytes(0) => {
                return Err(Error::invalid("chunks of 0 bytes"));
            }
            Chunks::Bytes(bytes) => {
                let axes = vec![AxisChunks::Auto; shape.len()];
                let sizes = auto_sizes(shape, &axes, *bytes, itemsize, None);
                shape.iter().zip(sizes).map(|(&n, c)| split(n, c)).collect()
            }
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
                        if c == 0 && n != 0 {
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
                let axes = vec![AxisChunks::Auto; shape.len()];
                let sizes = auto_sizes(shape, &axes, AUTO_CHUNK_BYTES, itemsize, None);
                shape.iter().zip(sizes).map(|(&n, c)| split(n, c)).collect()
            }
        };
        Ok(Grid::from_parts(shape.to_vec(), chunks))
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

    /// Shape of chunk `c` (no sums: for loops over every chunk).
    pub(crate) fn chunk_shape(&self, c: usize) -> Vec<usize> {
        let pos = self.position(c);
        pos.iter().zip(&self.chunks).map(|(&p, s)| s[p]).collect()
    }

    /// Offset and shape of chunk `c`.
    pub(crate) fn chunk(&self, c: usize) -> (Vec<usize>, Vec<usize>) {
        let pos = self.position(c);
        let offset = pos.iter().zip(&self.starts).map(|(&p, s)| s[p]).collect();
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

/// The chunk size of each `Auto` axis (1 elsewhere): near-cubic chunks of about
/// `bytes`, after what the other axes' chunks take; an axis shorter than its share is
/// whole and leaves the rest to the others (as Dask's `auto_chunks`).
fn auto_sizes(
    shape: &[usize],
    axes: &[AxisChunks],
    bytes: usize,
    itemsize: usize,
    previous: Option<&[Vec<usize>]>,
) -> Vec<usize> {
    let fixed: f64 = axes
        .iter()
        .enumerate()
        .map(|(d, a)| match a {
            AxisChunks::Size(c) => (*c).min(shape[d]).max(1) as f64,
            AxisChunks::Sizes(v) => v.iter().copied().max().unwrap_or(1).max(1) as f64,
            AxisChunks::Keep => previous
                .and_then(|p| p[d].iter().copied().max())
                .unwrap_or(shape[d])
                .max(1) as f64,
            AxisChunks::Whole => shape[d].max(1) as f64,
            AxisChunks::Auto => 1.0,
        })
        .product();
    let mut budget = (bytes as f64 / itemsize.max(1) as f64 / fixed).max(1.0);
    let mut out = vec![1; shape.len()];
    let mut open: Vec<usize> = (0..shape.len())
        .filter(|&d| axes[d] == AxisChunks::Auto)
        .collect();
    // Axes shorter than an even share are whole; the others share what is left.
    loop {
        let share = budget.powf(1.0 / open.len().max(1) as f64);
        let (short, long): (Vec<usize>, Vec<usize>) =
            open.iter().partition(|&&d| (shape[d] as f64) <= share);
        if short.is_empty() {
            for &d in &long {
                out[d] = (share.floor() as usize).clamp(1, shape[d].max(1));
            }
            return out;
        }
        for &d in &short {
            out[d] = shape[d].max(1);
            budget = (budget / shape[d].max(1) as f64).max(1.0);
        }
        open = long;
    }
}

/// Where each of these chunks starts.
pub(crate) fn starts_of(sizes: &[usize]) -> Vec<usize> {
    sizes
        .iter()
        .scan(0, |s, &n| {
            let start = *s;
            *s += n;
            Some(start)
        })
        .collect()
}

/// The chunk, of those starting at `starts`, holding position `i`: the last that starts
/// at or before it (so chunks of size 0 are skipped).
pub(crate) fn chunk_holding(starts: &[usize], i: usize) -> usize {
    starts.partition_point(|&s| s <= i).saturating_sub(1)
}

/// `n` cut into pieces of `c`, the last one ragged; an empty axis has one empty chunk.
pub(crate) fn split(n: usize, c: usize) -> Vec<usize> {
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

#[cfg(test)]
mod auto_tests {
    use super::*;

    #[test]
    fn auto_chunks_fill_the_bytes() {
        // 1 MiB of f64 over a long axis and a short one: the short one whole.
        let g = Grid::resolve(&[1_000_000, 4], &Chunks::Bytes(1 << 20), 8, None).unwrap();
        assert_eq!(g.chunks[1], vec![4]);
        assert_eq!(g.chunks[0][0], (1 << 20) / 8 / 4);
        // Square chunks of a square array, about the bytes asked.
        let g = Grid::resolve(&[10_000, 10_000], &Chunks::Bytes(8_000_000), 8, None).unwrap();
        assert_eq!(g.chunks[0][0], 1000);
        assert_eq!(g.chunks[1][0], 1000);
        // Smaller elements, larger chunks.
        let g = Grid::resolve(&[10_000, 10_000], &Chunks::Bytes(8_000_000), 1, None).unwrap();
        assert_eq!(g.chunks[0][0], 2828);
        // A fixed axis takes its share first (Dask's `(-1, "auto")`).
        let spec = Chunks::PerAxis(vec![AxisChunks::Whole, AxisChunks::Auto]);
        let g = Grid::resolve(&[100, 1_000_000], &spec, 8, None).unwrap();
        assert_eq!(g.chunks[0], vec![100]);
        assert_eq!(g.chunks[1][0], AUTO_CHUNK_BYTES / 8 / 100);
        // By axis number: the others keep their chunks, or are whole.
        let spec = Chunks::Axes(vec![(1, AxisChunks::Size(3))]);
        let prev = vec![vec![2, 2], vec![7]];
        let g = Grid::resolve(&[4, 7], &spec, 8, Some(&prev)).unwrap();
        assert_eq!(g.chunks, vec![vec![2, 2], vec![3, 3, 1]]);
        let g = Grid::resolve(&[4, 7], &spec, 8, None).unwrap();
        assert_eq!(g.chunks, vec![vec![4], vec![3, 3, 1]]);
        assert!(
            Grid::resolve(
                &[4, 7],
                &Chunks::Axes(vec![(2, AxisChunks::Whole)]),
                8,
                None
            )
            .is_err()
        );
        assert!(Grid::resolve(&[4], &Chunks::Bytes(0), 8, None).is_err());
    }
}
