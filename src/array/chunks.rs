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
    /// Sized to about [`AUTO_CHUNK_BYTES`], as Dask's `chunks="auto"` (another
    /// limit: [`normalize_chunks`], [`DArray::rechunk_limit`](super::DArray::rechunk_limit)).
    /// In a rechunk the chunks follow the array's, as Dask's `previous_chunks`.
    Auto,
    /// Sized to about this many bytes a chunk, as Dask's `chunks="100 MiB"` (each
    /// axis [`AxisChunks::Bytes`]).
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
    /// Sized with the other `Auto` axes to about [`AUTO_CHUNK_BYTES`] a chunk (or the
    /// limit a [`Bytes`](AxisChunks::Bytes) axis or [`normalize_chunks`] sets).
    Auto,
    /// These sizes, summing to the axis.
    Sizes(Vec<usize>),
    /// The chunks the array has (Dask's `None` in `rechunk`; whole elsewhere).
    Keep,
    /// Sized as `Auto`, under this many bytes a chunk (Dask's `(5, "200B")`; the
    /// limit for every `Auto` axis of the spec, as Dask's `limit=`).
    Bytes(usize),
}

/// Dask's entries of a chunks tuple given as strings: `"auto"` or a byte size.
///
/// ```
/// use chunkwise::array::AxisChunks;
/// assert_eq!("auto".parse::<AxisChunks>().unwrap(), AxisChunks::Auto);
/// assert_eq!("200B".parse::<AxisChunks>().unwrap(), AxisChunks::Bytes(200));
/// assert!("0B".parse::<AxisChunks>().is_err());
/// ```
impl std::str::FromStr for AxisChunks {
    type Err = Error;
    fn from_str(s: &str) -> Result<AxisChunks> {
        match s.parse::<Chunks>()? {
            Chunks::Bytes(b) => Ok(AxisChunks::Bytes(b)),
            _ => Ok(AxisChunks::Auto),
        }
    }
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
    /// the chunks an array has, for [`AxisChunks::Keep`] (whole axes without it) and
    /// for the `Auto` axes to follow (as Dask's `previous_chunks`).
    pub(crate) fn resolve(
        shape: &[usize],
        spec: &Chunks,
        itemsize: usize,
        previous: Option<&[Vec<usize>]>,
    ) -> Result<Grid> {
        Grid::resolve_with(shape, spec, itemsize, None, previous)
    }

    /// As [`Grid::resolve`], the `Auto` axes under `limit` bytes a chunk (Dask's
    /// `limit=` and `block_size_limit=`; [`AUTO_CHUNK_BYTES`] without it).
    pub(crate) fn resolve_with(
        shape: &[usize],
        spec: &Chunks,
        itemsize: usize,
        limit: Option<usize>,
        previous: Option<&[Vec<usize>]>,
    ) -> Result<Grid> {
        let chunks = normalize_chunks(spec.clone(), shape, itemsize, limit, previous)?;
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

/// Dask's `normalize_chunks(chunks, shape, limit=..., dtype=..., previous_chunks=...)`:
/// the chunk sizes along each axis of `shape` for elements of `itemsize` bytes.
///
/// The `Auto` axes ([`Chunks::Auto`], [`AxisChunks::Auto`]) share `limit` bytes a
/// chunk ([`AUTO_CHUNK_BYTES`] when `None`) after what the other axes take, as Dask's
/// `auto_chunks`. A byte size ([`Chunks::Bytes`], [`AxisChunks::Bytes`], Dask's
/// `"100 MiB"` and `(5, "200B")`) is an `Auto` axis under that limit; two different
/// byte sizes, or one other than `limit`, are an error (Dask's "only one consistent
/// value of limit"). A limit below one element gives chunks of one element, as Dask.
///
/// With `previous_chunks` (what [`DArray::rechunk`](super::DArray::rechunk) passes:
/// the array's chunks) the `Auto` axes follow them: grown by merging whole previous
/// chunks, or shrunk to multiples of the most common previous chunk, so that new
/// chunks line up with old ones. An axis given as a single size is cut in pieces of it
/// (Dask's `previous_chunks=(512,)`); [`AxisChunks::Keep`] takes the previous chunks.
///
/// ```
/// use chunkwise::array::{normalize_chunks, AxisChunks, Chunks};
/// // Dask: normalize_chunks(("auto",), shape=(20,), limit=5, dtype="uint8")
/// let c = normalize_chunks(Chunks::Auto, &[20], 1, Some(5), None).unwrap();
/// assert_eq!(c, vec![vec![5; 4]]);
/// // (5, "200B") for float64: the auto axis holds 200 / 8 / 5 = 5 elements.
/// let spec = Chunks::PerAxis(vec![AxisChunks::Size(5), "200B".parse().unwrap()]);
/// assert_eq!(normalize_chunks(spec, &[10, 10], 8, None, None).unwrap(), vec![vec![5, 5]; 2]);
/// // Grow along the previous chunks: 600 bytes of u8 over chunks of 128 gives 512.
/// let c = normalize_chunks(Chunks::Auto, &[2000], 1, Some(600), Some(&[vec![128]])).unwrap();
/// assert_eq!(c, vec![vec![512, 512, 512, 464]]);
/// // A zero limit is an error.
/// assert!(normalize_chunks(Chunks::Auto, &[20], 1, Some(0), None).is_err());
/// ```
pub fn normalize_chunks(
    chunks: impl Into<Chunks>,
    shape: &[usize],
    itemsize: usize,
    limit: Option<usize>,
    previous_chunks: Option<&[Vec<usize>]>,
) -> Result<Vec<Vec<usize>>> {
    let spec = chunks.into();
    let n = shape.len();
    let previous = previous_chunks
        .map(|p| previous_grid(p, shape))
        .transpose()?;
    let prev = previous.as_deref();
    let axes: Vec<AxisChunks> = match spec {
        Chunks::PerAxis(axes) => {
            if axes.len() != n {
                return Err(Error::invalid(format!(
                    "chunks {axes:?} have {} dimensions but the shape {shape:?} has {n}",
                    axes.len(),
                )));
            }
            axes
        }
        Chunks::Axes(given) => {
            let mut axes = vec![AxisChunks::Keep; n];
            for (d, a) in given {
                if d >= n {
                    return Err(Error::invalid(format!(
                        "chunks for axis {d}, but the shape {shape:?} has {n} dimensions"
                    )));
                }
                axes[d] = a;
            }
            axes
        }
        Chunks::Auto => vec![AxisChunks::Auto; n],
        Chunks::Bytes(0) => return Err(Error::invalid("chunks of 0 bytes")),
        Chunks::Bytes(b) => vec![AxisChunks::Bytes(b); n],
        Chunks::Shape(sizes) => {
            if sizes.len() != n {
                return Err(Error::invalid(format!(
                    "chunks {sizes:?} have {} dimensions but the shape {shape:?} has {n}",
                    sizes.len(),
                )));
            }
            sizes.iter().map(|&c| AxisChunks::from(c)).collect()
        }
        Chunks::Explicit(per_dim) => {
            if per_dim.len() != n {
                return Err(Error::invalid(format!(
                    "chunks give {} dimensions but the shape {shape:?} has {n}",
                    per_dim.len(),
                )));
            }
            per_dim.into_iter().map(AxisChunks::Sizes).collect()
        }
    };
    // One limit: the one given, or the byte sizes of the axes, all equal.
    let mut limit = match limit {
        Some(0) => return Err(Error::invalid("a limit of 0 bytes a chunk")),
        l => l,
    };
    for (d, a) in axes.iter().enumerate() {
        if let AxisChunks::Bytes(b) = *a {
            match limit {
                _ if b == 0 => {
                    return Err(Error::invalid(format!("chunks of 0 bytes along axis {d}")));
                }
                None => limit = Some(b),
                Some(l) if l != b => {
                    return Err(Error::invalid(format!(
                        "chunks of {b} bytes along axis {d}, but the limit is {l} bytes \
                         (one byte size a spec)"
                    )));
                }
                Some(_) => {}
            }
        }
    }
    let mut dims = axes
        .iter()
        .enumerate()
        .map(|(d, a)| {
            let len = shape[d];
            Ok(match a {
                // Size 0 only cuts an empty axis (Dask's `(0, 10)` for shape `(0, 10)`).
                AxisChunks::Size(0) if len != 0 => {
                    return Err(Error::invalid(format!(
                        "chunk size 0 along axis {d} (shape {shape:?})"
                    )));
                }
                AxisChunks::Size(c) => Dim::Size(*c),
                AxisChunks::Whole => Dim::Size(len),
                AxisChunks::Auto | AxisChunks::Bytes(_) => Dim::Auto,
                AxisChunks::Keep => match prev {
                    Some(p) => Dim::Sizes(p[d].clone()),
                    None => Dim::Size(len),
                },
                AxisChunks::Sizes(sizes) => {
                    check_sizes(d, sizes, len)?;
                    Dim::Sizes(sizes.clone())
                }
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if dims.contains(&Dim::Auto) {
        if itemsize == 0 {
            return Err(Error::invalid(
                "automatic chunks of elements of 0 bytes: give the chunks",
            ));
        }
        let limit = limit.unwrap_or(AUTO_CHUNK_BYTES);
        match prev {
            Some(p) => auto_from_previous(&mut dims, shape, limit, itemsize, p),
            None => auto_square(&mut dims, shape, limit, itemsize),
        }
    }
    Ok(dims
        .into_iter()
        .zip(shape)
        .map(|(dim, &len)| match dim {
            Dim::Sizes(s) => s,
            Dim::Size(_) if len == 0 => vec![0],
            Dim::Size(c) => split(len, c.max(1)),
            Dim::Auto => split(len, len.max(1)),
        })
        .collect())
}

/// An axis on its way through [`normalize_chunks`] (Dask's ints, tuples and "auto").
#[derive(Clone, Debug, PartialEq)]
enum Dim {
    Auto,
    Size(usize),
    Sizes(Vec<usize>),
}

impl Dim {
    /// The largest chunk (at least 1, so that empty axes do not zero the budget).
    fn largest(&self) -> f64 {
        match self {
            Dim::Auto => 1.0,
            Dim::Size(c) => (*c).max(1) as f64,
            Dim::Sizes(s) => s.iter().copied().max().unwrap_or(1).max(1) as f64,
        }
    }
}

/// Checks explicit sizes for axis `d` of length `len`.
fn check_sizes(d: usize, sizes: &[usize], len: usize) -> Result<()> {
    if sizes.iter().sum::<usize>() != len {
        return Err(Error::invalid(format!(
            "chunks {sizes:?} along axis {d} sum to {} but the axis has length {len}",
            sizes.iter().sum::<usize>()
        )));
    }
    // Chunks of size 0 are allowed, as in Dask (a selection leaves them).
    if sizes.is_empty() {
        return Err(Error::invalid(format!(
            "no chunks along axis {d} (an empty axis has one chunk of size 0)"
        )));
    }
    Ok(())
}

/// Previous chunks checked against `shape`; an axis of a single entry is a chunk size
/// (Dask's `previous_chunks=(512,)` and its compatibility rule for `((1,), (x,))`).
fn previous_grid(previous: &[Vec<usize>], shape: &[usize]) -> Result<Vec<Vec<usize>>> {
    if previous.len() != shape.len() {
        return Err(Error::invalid(format!(
            "previous chunks give {} dimensions but the shape {shape:?} has {}",
            previous.len(),
            shape.len()
        )));
    }
    previous
        .iter()
        .zip(shape)
        .enumerate()
        .map(|(d, (p, &len))| match p.as_slice() {
            [0] if len != 0 => Err(Error::invalid(format!(
                "previous chunk size 0 along axis {d} (shape {shape:?})"
            ))),
            [c] => Ok(split(len, (*c).max(1))),
            _ => check_sizes(d, p, len)
                .map(|()| p.clone())
                .map_err(|e| Error::invalid(format!("previous chunks: {e}"))),
        })
        .collect()
}

/// Dask's `round_to`: `c` itself (at least 1) below `s`, else the largest multiple of
/// `s` not above it.
fn round_to(c: f64, s: usize) -> f64 {
    if c <= s as f64 || s == 0 {
        c.floor().max(1.0)
    } else {
        (c / s as f64).floor() * s as f64
    }
}

/// Dask's `auto_chunks` without previous chunks: near-cubic chunks of about `limit`
/// bytes after the other axes' largest chunks; an axis shorter than its share is whole
/// and the others share what is left.
fn auto_square(dims: &mut [Dim], shape: &[usize], limit: usize, itemsize: usize) {
    loop {
        let autos: Vec<usize> = (0..dims.len()).filter(|&d| dims[d] == Dim::Auto).collect();
        if autos.is_empty() {
            return;
        }
        let largest: f64 = dims.iter().map(Dim::largest).product();
        let size = (limit as f64 / itemsize as f64 / largest).powf(1.0 / autos.len() as f64);
        let small: Vec<usize> = autos
            .iter()
            .copied()
            .filter(|&d| (shape[d] as f64) < size)
            .collect();
        if small.is_empty() {
            for d in autos {
                dims[d] = Dim::Size(round_to(size, shape[d]) as usize);
            }
            return;
        }
        for d in small {
            dims[d] = Dim::Sizes(vec![shape[d]]);
        }
    }
}

/// A value of Dask's `median_chunks` / `result` maps: a number or a tuple of chunks.
#[derive(Clone, Debug)]
enum Sized {
    Num(f64),
    Tuple(Vec<usize>),
}

impl Sized {
    /// Its size in the product of `_compute_multiplier` (`None` for Python's falsy).
    fn factor(&self) -> Option<f64> {
        match self {
            Sized::Num(x) if *x != 0.0 => Some(*x),
            Sized::Tuple(t) if !t.is_empty() => t.iter().copied().max().map(|m| m as f64),
            _ => None,
        }
    }
}

/// Dask's `auto_chunks` with `previous_chunks`, step for step (so the chunks equal
/// Dask's): a multiplier of the median previous chunk per auto axis, then each axis
/// whole (past its length), rounded to multiples of its most common previous chunk
/// (when shrinking or when a previous chunk is too large to merge), or its previous
/// chunks merged up to the proposed size; repeated while the multiplier changes.
fn auto_from_previous(
    dims: &mut [Dim],
    shape: &[usize],
    limit: usize,
    itemsize: usize,
    previous: &[Vec<usize>],
) {
    use std::collections::{BTreeMap, BTreeSet};
    const TOLERANCE: f64 = 1.25; // Dask's `array.chunk-size-tolerance`
    let mut autos: BTreeSet<usize> = (0..dims.len()).filter(|&d| dims[d] == Dim::Auto).collect();
    let mut largest: f64 = dims.iter().map(Dim::largest).product();
    let median = |p: &[usize]| {
        let mut s = p.to_vec();
        s.sort_unstable();
        let m = s.len();
        if m % 2 == 1 {
            s[m / 2] as f64
        } else {
            (s[m / 2 - 1] as f64 + s[m / 2] as f64) / 2.0
        }
    };
    let mut medians: BTreeMap<usize, Sized> = autos
        .iter()
        .map(|&a| (a, Sized::Num(median(&previous[a]))))
        .collect();
    let multiplier_of = |largest: f64, medians: &BTreeMap<usize, Sized>| {
        let prod: f64 = medians.values().filter_map(Sized::factor).product();
        limit as f64 / itemsize as f64 / largest / prod
    };
    let mut multiplier = multiplier_of(largest, &medians);
    // Shrinking, Dask's `result` is its `median_chunks` (the same dict): updating one
    // updates the other, and the next multiplier sees the new sizes.
    let reduce = multiplier < 1.0;
    let mut result: BTreeMap<usize, Sized> = BTreeMap::new();
    // The most common previous chunk where it is most of them (else the axis length).
    let ideal: Vec<usize> = previous
        .iter()
        .zip(shape)
        .map(|(p, &len)| {
            let mut counts: Vec<(usize, usize)> = Vec::new();
            for &c in p {
                match counts.iter_mut().find(|(v, _)| *v == c) {
                    Some((_, k)) => *k += 1,
                    None => counts.push((c, 1)),
                }
            }
            let (mode, count) = counts
                .iter()
                .copied()
                .fold((0, 0), |best, x| if x.1 > best.1 { x } else { best });
            if mode > 1 && count as f64 >= p.len() as f64 / 2.0 {
                mode
            } else {
                len
            }
        })
        .collect();
    let mut remaining = true;
    let mut rounds = 0;
    while remaining && rounds < 10_000 {
        rounds += 1;
        let last = autos.len() as f64;
        remaining = false;
        for a in autos.clone() {
            let this = multiplier.powf(1.0 / last);
            let base = match medians.get(&a) {
                Some(Sized::Num(x)) => *x,
                _ => continue,
            };
            let proposed = base * this;
            let max_chunk = proposed * TOLERANCE.powf(1.0 / last);
            let len = shape[a];
            let value = if proposed > len as f64 {
                autos.remove(&a);
                medians.remove(&a);
                remaining = true;
                largest *= len.max(1) as f64;
                Sized::Tuple(vec![len])
            } else if reduce || previous[a].iter().copied().max().unwrap_or(0) as f64 > max_chunk {
                if proposed < 1.0 {
                    remaining = true;
                    autos.remove(&a);
                }
                Sized::Num(round_to(proposed, ideal[a]))
            } else {
                let (mut merged, mut chunk) = (Vec::new(), 0);
                for &c in &previous[a] {
                    if (c + chunk) as f64 <= proposed {
                        chunk += c;
                    } else {
                        if chunk > 0 {
                            merged.push(chunk);
                        }
                        chunk = c;
                    }
                }
                if chunk > 0 {
                    merged.push(chunk);
                }
                Sized::Tuple(merged)
            };
            if reduce {
                medians.insert(a, value.clone());
            }
            result.insert(a, value);
        }
        if remaining || reduce {
            let before = multiplier;
            multiplier = multiplier_of(largest, &medians);
            if multiplier != before {
                remaining = true;
            }
        }
    }
    for (a, v) in result {
        dims[a] = match v {
            Sized::Num(x) => Dim::Size((x as usize).max(1)),
            Sized::Tuple(t) if t.is_empty() => Dim::Size(0),
            Sized::Tuple(t) => Dim::Sizes(t),
        };
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

/// The chunk positions of a box of chunks, `span[j] = (first, past last)` along each
/// axis, in row-major order.
pub(crate) fn box_positions(span: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut out = vec![vec![]];
    for &(lo, hi) in span {
        out = out
            .into_iter()
            .flat_map(|p| {
                (lo..hi).map(move |k| {
                    let mut q = p.clone();
                    q.push(k);
                    q
                })
            })
            .collect();
    }
    out
}

/// A box of chunks pasted into one array: `pieces` are the chunks of `span` in
/// [`box_positions`] order, of an array of `shape` whose chunks start at `starts`.
/// Also gives the box's offset in the array.
pub(crate) fn paste_box<T: super::Element>(
    starts: &[Vec<usize>],
    shape: &[usize],
    span: &[(usize, usize)],
    pieces: &[&ndarray::ArrayD<T>],
) -> (ndarray::ArrayD<T>, Vec<usize>) {
    let off: Vec<usize> = span
        .iter()
        .enumerate()
        .map(|(j, s)| starts[j][s.0])
        .collect();
    let dims: Vec<usize> = span
        .iter()
        .enumerate()
        .map(|(j, s)| starts[j].get(s.1).copied().unwrap_or(shape[j]) - off[j])
        .collect();
    let mut out = ndarray::ArrayD::<T>::default(ndarray::IxDyn(&dims));
    for (piece, local) in pieces.iter().zip(box_positions(span)) {
        let info: Vec<ndarray::SliceInfoElem> = local
            .iter()
            .enumerate()
            .map(|(j, &b)| {
                let o = starts[j][b] - off[j];
                ndarray::Slice::from(o..o + piece.shape()[j]).into()
            })
            .collect();
        out.slice_mut(info.as_slice()).assign(*piece);
    }
    (out, off)
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

    /// Dask's own examples and test values, and the errors.
    #[test]
    fn normalize_chunks_as_dask() {
        // normalize_chunks(("auto",), shape=(20,), limit=5, dtype="uint8")
        let c = normalize_chunks(Chunks::Auto, &[20], 1, Some(5), None).unwrap();
        assert_eq!(c, vec![vec![5; 4]]);
        // normalize_chunks("1kiB", shape=(2000,), dtype="float32")
        let c = normalize_chunks(Chunks::Bytes(1024), &[2000], 4, None, None).unwrap();
        let mut want = vec![256; 7];
        want.push(208);
        assert_eq!(c, vec![want]);
        // normalize_chunks("auto", (2, 3), dtype=np.int32)
        let c = normalize_chunks(Chunks::Auto, &[2, 3], 4, None, None).unwrap();
        assert_eq!(c, vec![vec![2], vec![3]]);
        // A fixed size counts as given, not cut to the axis (Dask's largest block).
        let spec = Chunks::PerAxis(vec![AxisChunks::Size(40), AxisChunks::Auto]);
        let c = normalize_chunks(spec, &[10, 100], 1, Some(400), None).unwrap();
        assert_eq!(c, vec![vec![10], vec![10; 10]]);
        // A limit below one element: one element a chunk, as Dask's "1B".
        let c = normalize_chunks(Chunks::Auto, &[3], 8, Some(1), None).unwrap();
        assert_eq!(c, vec![vec![1, 1, 1]]);
        let c = normalize_chunks(Chunks::Auto, &[3], 8, Some(1), Some(&[vec![3]])).unwrap();
        assert_eq!(c, vec![vec![1, 1, 1]]);
        // Empty axes stay one empty chunk.
        let c = normalize_chunks(
            Chunks::Auto,
            &[0, 5],
            8,
            Some(16),
            Some(&[vec![0], vec![5]]),
        );
        assert_eq!(c.unwrap(), vec![vec![0], vec![2, 2, 1]]);
    }

    /// Previous chunks: merged up to the limit, shrunk to multiples of the most common.
    #[test]
    fn normalize_chunks_previous() {
        // Dask's test_rechunk_auto_1d: (20, 7, 10) and (21, (10, 11), 4).
        let c = normalize_chunks(Chunks::Auto, &[20], 8, Some(80), Some(&[vec![7, 7, 6]]));
        assert_eq!(c.unwrap(), vec![vec![7, 7, 6]]);
        let c = normalize_chunks(Chunks::Auto, &[21], 8, Some(32), Some(&[vec![10, 11]]));
        assert_eq!(c.unwrap(), vec![vec![4, 4, 4, 4, 4, 1]]);
        // Keep takes the previous chunks and counts them in the budget.
        let spec = Chunks::Axes(vec![(0, AxisChunks::Auto)]);
        let prev = [vec![2; 10], vec![2, 2, 2, 2, 2, 5, 5]];
        let c = normalize_chunks(spec, &[20, 20], 8, Some(160), Some(&prev)).unwrap();
        assert_eq!(c, vec![vec![4; 5], prev[1].clone()]);
    }

    /// Bad input is an error naming what is wrong, never a panic.
    #[test]
    fn normalize_chunks_errors() {
        let msg = |r: Result<Vec<Vec<usize>>>| r.unwrap_err().to_string();
        assert!(msg(normalize_chunks(Chunks::Auto, &[4], 8, Some(0), None)).contains("0 bytes"));
        let spec = Chunks::PerAxis(vec![AxisChunks::Size(2), AxisChunks::Bytes(0)]);
        assert!(msg(normalize_chunks(spec, &[4, 4], 8, None, None)).contains("axis 1"));
        let spec = Chunks::PerAxis(vec![AxisChunks::Bytes(100), AxisChunks::Bytes(10)]);
        assert!(msg(normalize_chunks(spec, &[4, 4], 8, None, None)).contains("axis 1"));
        let spec = Chunks::PerAxis(vec![AxisChunks::Bytes(100)]);
        assert!(msg(normalize_chunks(spec, &[4], 8, Some(20), None)).contains("axis 0"));
        assert!(normalize_chunks(Chunks::Bytes(0), &[4], 8, None, None).is_err());
        // Previous chunks that do not fit the shape.
        let e = msg(normalize_chunks(
            Chunks::Auto,
            &[4],
            8,
            None,
            Some(&[vec![1, 2]]),
        ));
        assert!(e.contains("axis 0"), "{e}");
        assert!(normalize_chunks(Chunks::Auto, &[4], 8, None, Some(&[vec![0]])).is_err());
        assert!(normalize_chunks(Chunks::Auto, &[4, 4], 8, None, Some(&[vec![4]])).is_err());
        // Elements of no bytes cannot be sized automatically.
        assert!(normalize_chunks(Chunks::Auto, &[4], 0, None, None).is_err());
        // Fixed specs do not need an element size.
        assert_eq!(
            normalize_chunks([2], &[4], 0, None, None).unwrap(),
            vec![vec![2, 2]]
        );
    }

    #[test]
    fn round_to_multiples() {
        assert_eq!(round_to(5.7, 10), 5.0);
        assert_eq!(round_to(0.2, 10), 1.0);
        assert_eq!(round_to(2047.9, 512), 1536.0);
        assert_eq!(round_to(3.0, 0), 3.0);
    }
}
