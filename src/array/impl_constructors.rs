//! Creating arrays: random, constant, ranges, from memory, from a function.

use std::ops::Range;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn};

use super::chunks::{Chunks, Grid};
use super::expr::{Expr, Kind, chunk_codec};
use super::{DArray, Element, chunk_of};
use crate::graph::{Key, Node, Tokenizer};
use crate::random::chunk_states;
use crate::{Error, Result};

fn grid(shape: &[usize], chunks: impl Into<Chunks>) -> Result<Arc<Grid>> {
    typed_grid::<f64>(shape, chunks)
}

/// The grid of `chunks` for elements of `T` (whose size sets `Auto` and byte specs).
fn typed_grid<T: Element>(shape: &[usize], chunks: impl Into<Chunks>) -> Result<Arc<Grid>> {
    Ok(Arc::new(Grid::resolve(
        shape,
        &chunks.into(),
        T::DTYPE.size(),
        None,
    )?))
}

fn token(op: &str, grid: &Grid, params: &[u64]) -> u64 {
    Tokenizer::new(op).param(grid).param(params).finish()
}

/// Standard-normal-based samples `mean + std * z`, one independent stream per chunk.
///
/// The same seed, shape and chunks give the same bits on any scheduler, number of
/// threads or CPU; other chunks give other numbers (see `chunkwise::random`).
///
/// ```
/// use chunkwise::array::random_normal;
/// let x = random_normal(0.0, 1.0, &[40, 40], [10, 10], 1).unwrap();
/// let y = random_normal(0.0, 1.0, &[40, 40], [10, 10], 1).unwrap();
/// assert_eq!(x.token(), y.token());
/// assert_eq!(x.compute().unwrap(), y.compute().unwrap());
/// ```
pub fn random_normal(
    mean: f64,
    std: f64,
    shape: &[usize],
    chunks: impl Into<Chunks>,
    seed: u64,
) -> Result<DArray> {
    if !(std >= 0.0 && std.is_finite() && mean.is_finite()) {
        return Err(Error::invalid(format!(
            "random_normal needs a finite mean and std >= 0, got mean={mean} std={std}"
        )));
    }
    let g = grid(shape, chunks)?;
    let states = Arc::new(chunk_states(seed, g.n_chunks()));
    let t = token("random_normal", &g, &[seed, mean.to_bits(), std.to_bits()]);
    Ok(DArray::from_expr(
        g,
        Expr::new(t, "random_normal", Kind::Normal { states, mean, std }),
    ))
}

/// Uniform samples in `[low, high)`, one independent stream per chunk.
pub fn random_uniform(
    low: f64,
    high: f64,
    shape: &[usize],
    chunks: impl Into<Chunks>,
    seed: u64,
) -> Result<DArray> {
    if !(low < high && low.is_finite() && high.is_finite()) {
        return Err(Error::invalid(format!(
            "random_uniform needs finite low < high, got [{low}, {high})"
        )));
    }
    let g = grid(shape, chunks)?;
    let states = Arc::new(chunk_states(seed, g.n_chunks()));
    let t = token("random_uniform", &g, &[seed, low.to_bits(), high.to_bits()]);
    Ok(DArray::from_expr(
        g,
        Expr::new(t, "random_uniform", Kind::Uniform { states, low, high }),
    ))
}

/// Integers in `[low, high)` (as `f64`), one independent stream per chunk.
pub fn random_integers(
    low: i64,
    high: i64,
    shape: &[usize],
    chunks: impl Into<Chunks>,
    seed: u64,
) -> Result<DArray> {
    if low >= high {
        return Err(Error::invalid(format!(
            "random_integers needs low < high, got [{low}, {high})"
        )));
    }
    let g = grid(shape, chunks)?;
    let states = Arc::new(chunk_states(seed, g.n_chunks()));
    let t = token("random_integers", &g, &[seed, low as u64, high as u64]);
    Ok(DArray::from_expr(
        g,
        Expr::new(t, "random_integers", Kind::Integers { states, low, high }),
    ))
}

/// Samples of any `rand_distr` distribution, one independent stream per chunk (the
/// chunk streams of [`random_normal`], as `rand`'s `Rng`: see
/// [`ChunkRng`](crate::random::ChunkRng)). The same seed, shape and chunks give the
/// same array on any scheduler; the element type is the distribution's.
///
/// ```
/// use chunkwise::array::random;
/// use rand_distr::{Exp, Poisson};
/// let x = random(Exp::<f64>::new(0.5).unwrap(), &[200, 200], [100, 100], 3).unwrap();
/// let m = x.mean(None).compute_scalar().unwrap();
/// assert!((m - 2.0).abs() < 0.05, "{m}");
/// // Poisson counts come as floats from rand_distr: cast them, as numpy gives int64.
/// let k = random(Poisson::<f64>::new(3.0).unwrap(), &[1000], [250], 3).unwrap().astype::<i64>();
/// assert!(k.min(None).compute_scalar().unwrap() >= 0);
/// ```
pub fn random<T, D>(
    dist: D,
    shape: &[usize],
    chunks: impl Into<Chunks>,
    seed: u64,
) -> Result<DArray<T>>
where
    T: Element,
    D: rand_distr::Distribution<T> + std::fmt::Debug + Send + Sync + 'static,
{
    let g = typed_grid::<T>(shape, chunks)?;
    let states = Arc::new(chunk_states(seed, g.n_chunks()));
    // The distribution's parameters, as printed, name it.
    let t = Tokenizer::new("random")
        .param(&*g)
        .param(&seed)
        .param(&format!("{dist:?}"))
        .param(&T::DTYPE)
        .finish();
    Ok(chunk_tasks(g, "random", t, move |c, _, shape| {
        let mut rng = crate::random::ChunkRng::new(&states[c]);
        let n: usize = shape.iter().product();
        let data: Vec<T> = (0..n).map(|_| dist.sample(&mut rng)).collect();
        ArrayD::from_shape_vec(IxDyn(shape), data)
            .map_err(|e| Error::external("ndarray, assembling a chunk", e))
    }))
}

/// Draws from `values` with replacement (numpy's and Dask's `random.choice`), each
/// with probability `p[i]` (all alike when `None`), one independent stream per chunk:
/// the same seed, shape and chunks give the same array on any scheduler.
///
/// ```
/// use chunkwise::array::choice;
/// let x = choice(&[1i32, 5, 9], Some(&[0.5, 0.5, 0.0]), &[1000], [300], 7).unwrap();
/// let x = x.compute().unwrap();
/// assert!(x.iter().all(|&v| v == 1 || v == 5));
/// ```
pub fn choice<T: Element>(
    values: &[T],
    p: Option<&[f64]>,
    shape: &[usize],
    chunks: impl Into<Chunks>,
    seed: u64,
) -> Result<DArray<T>> {
    use rand_distr::Distribution;
    use rand_distr::weighted::WeightedIndex;
    if values.is_empty() {
        return Err(Error::invalid(
            "choice: no values to draw from (values is empty)",
        ));
    }
    let weights = match p {
        None => None,
        Some(p) => {
            if p.len() != values.len() {
                return Err(Error::invalid(format!(
                    "choice: {} probabilities for {} values",
                    p.len(),
                    values.len()
                )));
            }
            if let Some((i, v)) = p
                .iter()
                .enumerate()
                .find(|(_, v)| !(**v >= 0.0 && v.is_finite()))
            {
                return Err(Error::invalid(format!(
                    "choice: probability {i} is {v}; each must be finite and at least 0"
                )));
            }
            let total: f64 = p.iter().sum();
            // numpy's tolerance: sqrt of the machine epsilon.
            if (total - 1.0).abs() > f64::EPSILON.sqrt() {
                return Err(Error::invalid(format!(
                    "choice: probabilities sum to {total}, not 1"
                )));
            }
            let w = WeightedIndex::new(p.iter().copied())
                .map_err(|e| Error::invalid(format!("choice: probabilities {p:?}: {e}")))?;
            Some(w)
        }
    };
    let g = typed_grid::<T>(shape, chunks)?;
    let states = Arc::new(chunk_states(seed, g.n_chunks()));
    let t = Tokenizer::new("choice")
        .param(&*g)
        .param(&seed)
        .param(
            &values
                .iter()
                .map(|v| v.to_f64().to_bits())
                .collect::<Vec<_>>(),
        )
        .param(&p.map(|p| p.iter().map(|v| v.to_bits()).collect::<Vec<_>>()))
        .finish();
    let values: Arc<[T]> = values.into();
    let uniform = rand_distr::Uniform::new(0, values.len())
        .map_err(|e| Error::invalid(format!("choice: {e}")))?;
    Ok(chunk_tasks(g, "choice", t, move |c, _, shape| {
        let mut rng = crate::random::ChunkRng::new(&states[c]);
        let n: usize = shape.iter().product();
        let data: Vec<T> = match &weights {
            Some(w) => (0..n).map(|_| values[w.sample(&mut rng)]).collect(),
            None => (0..n).map(|_| values[uniform.sample(&mut rng)]).collect(),
        };
        ArrayD::from_shape_vec(IxDyn(shape), data)
            .map_err(|e| Error::external("ndarray, assembling a chunk", e))
    }))
}

/// `k` distinct elements of `values` (distinct positions; numpy's
/// `choice(a, k, replace=False)`), in a random order drawn from the stream of `seed`:
/// the first `k` of a Fisher-Yates shuffle of the positions, made in memory (`values`
/// is in memory already), then chunked. Dask takes this only for an output of one
/// chunk; here any chunks. More than `values.len()` is an error.
///
/// ```
/// use chunkwise::array::choice_distinct;
/// let x = choice_distinct(&[1.0, 3.0, 5.0, 7.0, 9.0], 4, [3], 11).unwrap();
/// let mut v = x.compute().unwrap().into_raw_vec_and_offset().0;
/// v.sort_by(f64::total_cmp);
/// v.dedup();
/// assert_eq!(v.len(), 4);
/// assert!(choice_distinct(&[1, 2], 3, [3], 11).is_err());
/// ```
pub fn choice_distinct<T: Element>(
    values: &[T],
    k: usize,
    chunks: impl Into<Chunks>,
    seed: u64,
) -> Result<DArray<T>> {
    if k > values.len() {
        return Err(Error::invalid(format!(
            "choice without replacement: {k} draws from {} values (a sample larger than the population)",
            values.len()
        )));
    }
    let order = shuffled(values.len(), seed);
    let picked: Vec<T> = order[..k].iter().map(|&i| values[i]).collect();
    from_array(
        ArrayD::from_shape_vec(IxDyn(&[k]), picked)
            .map_err(|e| Error::external("ndarray, assembling a choice", e))?,
        chunks,
    )
}

/// `0..n` in a random order (numpy's and Dask's `random.permutation(n)`), drawn from
/// the stream of `seed` (a Fisher-Yates shuffle in memory: `n` indices), chunked.
///
/// ```
/// let p = chunkwise::array::permutation(10, [4], 3).unwrap().compute().unwrap();
/// let mut v = p.into_raw_vec_and_offset().0;
/// v.sort();
/// assert_eq!(v, (0..10).collect::<Vec<i64>>());
/// ```
pub fn permutation(n: usize, chunks: impl Into<Chunks>, seed: u64) -> Result<DArray<i64>> {
    let order = shuffled(n, seed);
    from_array(
        ArrayD::from_shape_vec(IxDyn(&[n]), order.into_iter().map(|i| i as i64).collect())
            .map_err(|e| Error::external("ndarray, assembling a permutation", e))?,
        chunks,
    )
}

/// `0..n` shuffled by Fisher-Yates on the first stream of `seed`.
pub(crate) fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    use rand_distr::Distribution;
    let mut rng = crate::random::ChunkRng::new(&chunk_states(seed, 1)[0]);
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rand_distr::Uniform::new_inclusive(0, i)
            .expect("0 <= i")
            .sample(&mut rng);
        order.swap(i, j);
    }
    order
}

/// An array of one value, of the value's type.
///
/// ```
/// use chunkwise::array::{DType, full};
/// let x = full(&[2, 3], 7u8, [1, 2]).unwrap();
/// assert_eq!(x.dtype(), DType::U8);
/// assert_eq!(x.compute().unwrap().sum(), 42);
/// ```
pub fn full<T: Element>(shape: &[usize], value: T, chunks: impl Into<Chunks>) -> Result<DArray<T>> {
    let g = typed_grid::<T>(shape, chunks)?;
    let t = Tokenizer::new("full")
        .param(&*g)
        .param(&T::DTYPE)
        .param(&value.to_f64().to_bits())
        .param(&value.to_i128())
        .finish();
    if let Some(v) = (&value as &dyn std::any::Any).downcast_ref::<f64>() {
        return Ok(DArray::from_expr(g, Expr::new(t, "full", Kind::Full(*v))));
    }
    Ok(chunk_tasks(g, "full", t, move |_, _, shape| {
        Ok(ArrayD::from_elem(IxDyn(shape), value))
    }))
}

/// An array of zeros.
pub fn zeros(shape: &[usize], chunks: impl Into<Chunks>) -> Result<DArray> {
    full(shape, 0.0, chunks)
}

/// An array whose values are not to be relied on, as `numpy.empty` (`da.empty`): for
/// the shape and chunks of something to be filled, e.g. by `set` or `map_blocks`. Safe
/// Rust has no uninitialised memory to give, so the values are zeros; the chunks are
/// made only when computed.
///
/// ```
/// let e = chunkwise::array::empty(&[4, 5], [3, 2]).unwrap();
/// assert_eq!((e.shape(), e.chunks()[1].clone()), (&[4, 5][..], vec![2, 2, 1]));
/// ```
pub fn empty(shape: &[usize], chunks: impl Into<Chunks>) -> Result<DArray> {
    zeros(shape, chunks)
}

/// An array of ones.
pub fn ones(shape: &[usize], chunks: impl Into<Chunks>) -> Result<DArray> {
    full(shape, 1.0, chunks)
}

/// `start, start + step, ...` below `stop` (1-d), as `numpy.arange`.
///
/// ```
/// let a = chunkwise::array::arange(0.0, 10.0, 3.0, [2]).unwrap();
/// assert_eq!(a.compute().unwrap().into_raw_vec_and_offset().0, vec![0.0, 3.0, 6.0, 9.0]);
/// ```
pub fn arange(start: f64, stop: f64, step: f64, chunks: impl Into<Chunks>) -> Result<DArray> {
    if step == 0.0 || !step.is_finite() || !start.is_finite() || !stop.is_finite() {
        return Err(Error::invalid(format!(
            "arange needs finite bounds and a non-zero step, got ({start}, {stop}, {step})"
        )));
    }
    let n = ((stop - start) / step).ceil().max(0.0) as usize;
    let g = grid(&[n], chunks)?;
    let t = token("arange", &g, &[start.to_bits(), step.to_bits()]);
    Ok(DArray::from_expr(
        g,
        Expr::new(t, "arange", Kind::Linear { start, step }),
    ))
}

/// `num` evenly spaced values from `start` to `stop` inclusive (1-d), as `numpy.linspace`.
pub fn linspace(start: f64, stop: f64, num: usize, chunks: impl Into<Chunks>) -> Result<DArray> {
    if !start.is_finite() || !stop.is_finite() {
        return Err(Error::invalid(format!(
            "linspace needs finite bounds, got ({start}, {stop})"
        )));
    }
    let step = if num > 1 {
        (stop - start) / (num - 1) as f64
    } else {
        0.0
    };
    let g = grid(&[num], chunks)?;
    let t = token("linspace", &g, &[start.to_bits(), step.to_bits()]);
    Ok(DArray::from_expr(
        g,
        Expr::new(t, "linspace", Kind::Linear { start, step }),
    ))
}

/// Chunks an in-memory array of any element type. The array is shared, not copied:
/// each chunk task reads its region of it.
pub fn from_array<T: Element>(
    array: impl Into<Arc<ArrayD<T>>>,
    chunks: impl Into<Chunks>,
) -> Result<DArray<T>> {
    let array = array.into();
    let g = typed_grid::<T>(array.shape(), chunks)?;
    let t = Tokenizer::new("from_array").param(&*g).sequenced().finish();
    let any: Arc<dyn std::any::Any + Send + Sync> = array;
    let array = match any.downcast::<ArrayD<f64>>() {
        Ok(a) => {
            let x: DArray = DArray::from_expr(g, Expr::new(t, "from_array", Kind::Shared(a)));
            return Ok(x.retyped());
        }
        Err(any) => any.downcast::<ArrayD<T>>().expect("the array given"),
    };
    Ok(chunk_tasks(g, "from_array", t, move |_, offset, shape| {
        let info: Vec<ndarray::SliceInfoElem> = offset
            .iter()
            .zip(shape)
            .map(|(&o, &n)| ndarray::Slice::from(o..o + n).into())
            .collect();
        Ok(array.slice(info.as_slice()).to_owned())
    }))
}

/// One task per chunk of `g` without inputs, `f(chunk, offset, shape)` giving chunk
/// number `chunk`.
pub(crate) fn chunk_tasks<T: Element>(
    g: Arc<Grid>,
    label: &'static str,
    t: u64,
    f: impl Fn(usize, &[usize], &[usize]) -> Result<ArrayD<T>> + Send + Sync + 'static,
) -> DArray<T> {
    sources(g, label, t, false, f)
}

/// As [`chunk_tasks`], each chunk read from a file (a store, a `.npy`): under a
/// budget a chunk waiting for its readers is dropped and read again rather than
/// spilled (`Node::remake`), so a product reading each block many times costs reads
/// of the store, not writes and reads of the spill directory.
pub(crate) fn file_chunk_tasks<T: Element>(
    g: Arc<Grid>,
    label: &'static str,
    t: u64,
    f: impl Fn(usize, &[usize], &[usize]) -> Result<ArrayD<T>> + Send + Sync + 'static,
) -> DArray<T> {
    sources(g, label, t, true, f)
}

fn sources<T: Element>(
    g: Arc<Grid>,
    label: &'static str,
    t: u64,
    remake: bool,
    f: impl Fn(usize, &[usize], &[usize]) -> Result<ArrayD<T>> + Send + Sync + 'static,
) -> DArray<T> {
    let f = Arc::new(f);
    let nodes = (0..g.n_chunks())
        .map(|c| {
            let (offset, shape) = g.chunk(c);
            let f = Arc::clone(&f);
            let bytes = (shape.iter().product::<usize>() * T::DTYPE.size()) as u64;
            let mut node = Node::new(
                Key::new(label, t, c as u64),
                Vec::new(),
                Box::new(move |_| {
                    let a = f(c, &offset, &shape)?;
                    if a.shape() != shape.as_slice() {
                        return Err(Error::invalid(format!(
                            "{label} returned shape {:?} for a chunk of shape {shape:?} at {offset:?}",
                            a.shape()
                        )));
                    }
                    Ok(super::chunk_value(a))
                }),
            );
            node.bytes = bytes;
            node.codec = Some(chunk_codec::<T>());
            node.remake = remake;
            Arc::new(node)
        })
        .collect();
    DArray::from_chunks(g, t, label, nodes)
}

/// An array of one block that a lazy value computes (Dask's `from_delayed`): `shape`
/// is what the block must be; a block of another shape fails the task, naming both.
///
/// ```
/// use chunkwise::array::from_delayed;
/// use chunkwise::ndarray::{ArrayD, IxDyn};
/// let v = chunkwise::delayed(|| ArrayD::<f64>::ones(IxDyn(&[5, 3])));
/// let x = from_delayed(&v, &[5, 3]);
/// assert_eq!((&x * 2.0).sum(None).compute_scalar().unwrap(), 30.0);
/// assert!(from_delayed(&v, &[3, 5]).compute().is_err());
/// ```
pub fn from_delayed<T: Element>(value: &crate::Delayed<ArrayD<T>>, shape: &[usize]) -> DArray<T> {
    let g = Arc::new(Grid::from_parts(
        shape.to_vec(),
        shape.iter().map(|&n| vec![n]).collect(),
    ));
    let t = Tokenizer::new("from_delayed")
        .input(value.key())
        .param(&shape.to_vec())
        .finish();
    let want = shape.to_vec();
    let mut node = Node::new(
        Key::new("from_delayed", t, 0),
        vec![Arc::clone(&value.node)],
        Box::new(move |v| {
            let a = chunk_of::<T>(&v[0]);
            if a.shape() != want.as_slice() {
                return Err(Error::invalid(format!(
                    "from_delayed: the value has shape {:?}, not the {want:?} given",
                    a.shape()
                )));
            }
            Ok(Arc::clone(&v[0]))
        }),
    );
    node.bytes = (shape.iter().product::<usize>() * T::DTYPE.size()) as u64;
    node.codec = Some(chunk_codec::<T>());
    DArray::from_chunks(g, t, "from_delayed", vec![Arc::new(node)])
}

/// An array whose chunks are computed by `f` from their index ranges (one per axis).
///
/// ```
/// use chunkwise::array::from_fn;
/// use chunkwise::ndarray::{ArrayD, IxDyn};
/// let a = from_fn(&[5], [2], |r| {
///     ArrayD::from_shape_fn(IxDyn(&[r[0].len()]), |i| (r[0].start + i[0]) as f64)
/// }).unwrap();
/// assert_eq!(a.compute().unwrap().into_raw_vec_and_offset().0, vec![0.0, 1.0, 2.0, 3.0, 4.0]);
/// ```
pub fn from_fn<T, F>(shape: &[usize], chunks: impl Into<Chunks>, f: F) -> Result<DArray<T>>
where
    T: Element,
    F: Fn(&[Range<usize>]) -> ArrayD<T> + Send + Sync + 'static,
{
    let g = typed_grid::<T>(shape, chunks)?;
    let t = Tokenizer::new("from_fn").param(&*g).sequenced().finish();
    Ok(chunk_tasks(g, "from_fn", t, move |_, offset, shape| {
        let ranges: Vec<Range<usize>> = offset.iter().zip(shape).map(|(&o, &n)| o..o + n).collect();
        Ok(f(&ranges))
    }))
}
