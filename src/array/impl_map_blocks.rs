//! `map_blocks` with Dask's keywords: several arrays, axes the function drops or adds,
//! the output's chunks given, and each call told where its block sits (Dask's
//! `block_info`); `apply_along_axis` on top of it.

use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};

use super::chunks::{Grid, ravel};
use super::expr::chunk_codec;
use super::{DArray, Element, chunk_of};
use crate::graph::{Key, Node, Tokenizer};
use crate::{Error, Result};

/// Dask's `map_blocks` keywords, for [`DArray::map_blocks_opts`].
///
/// ```
/// use chunkwise::array::{BlockMap, arange};
/// // Row sums of each block: axis 1 dropped (its chunks are joined first, as Dask
/// // concatenates the blocks of a dropped axis).
/// let x = arange(0.0, 12.0, 1.0, [4]).unwrap().reshape(&[3, 4]).rechunk([2, 2]);
/// let sums = x.map_blocks_opts(&[], &BlockMap::new().drop_axis(&[1]), |b, _| {
///     b[0].sum_axis(ndarray::Axis(1))
/// });
/// assert_eq!(sums.chunks(), &[vec![2, 1]]);
/// assert_eq!(sums.compute().unwrap().into_raw_vec_and_offset().0, vec![6.0, 22.0, 38.0]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockMap {
    drop_axis: Vec<usize>,
    new_axis: Vec<usize>,
    chunks: Option<Vec<Vec<usize>>>,
}

impl BlockMap {
    /// The function keeps every axis and each block's shape.
    pub fn new() -> Self {
        BlockMap::default()
    }

    /// Input axes the function removes. A dropped axis in several chunks is made one
    /// chunk first, so each call sees all of it (Dask concatenates those blocks).
    pub fn drop_axis(mut self, axes: &[usize]) -> Self {
        self.drop_axis = axes.to_vec();
        self
    }

    /// Axes the function adds, as positions in the output; each is one chunk of
    /// length 1 unless [`BlockMap::chunks`] says otherwise.
    pub fn new_axis(mut self, axes: &[usize]) -> Self {
        self.new_axis = axes.to_vec();
        self
    }

    /// The output's chunks, per output axis: one size (every block along the axis
    /// has it, as Dask's `chunks=(2,)`) or one size per block along the axis. Chunks
    /// for more axes than the output has, with no [`BlockMap::new_axis`], add the
    /// extra axes in front (as Dask infers `x[None]`).
    pub fn chunks(mut self, chunks: Vec<Vec<usize>>) -> Self {
        self.chunks = Some(chunks);
        self
    }
}

/// Where a block sits, handed to the function of [`DArray::map_blocks_opts`] (Dask's
/// `block_info`: the output's entry, then one per input).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockInfo {
    /// The output block.
    pub output: Block,
    /// The output block's shape (what the function must return).
    pub chunk_shape: Vec<usize>,
    /// Each input's block, in the input's own grid (after the cuts that pair it with
    /// the others).
    pub inputs: Vec<Block>,
}

/// A block of an array, in [`BlockInfo`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The block's position in the array's grid.
    pub chunk_location: Vec<usize>,
    /// Blocks along each axis of the array.
    pub num_chunks: Vec<usize>,
    /// The block's `(start, stop)` along each axis.
    pub array_location: Vec<(usize, usize)>,
    /// The array's shape.
    pub shape: Vec<usize>,
}

/// Where block `c` of `grid` sits.
fn locate(grid: &Grid, c: usize) -> Block {
    let (offset, shape) = grid.chunk(c);
    Block {
        chunk_location: grid.position(c),
        num_chunks: grid.grid_shape(),
        array_location: offset
            .iter()
            .zip(&shape)
            .map(|(&o, &n)| (o, o + n))
            .collect(),
        shape: grid.shape().to_vec(),
    }
}

/// Axes given twice or out of range, as an error naming `what`.
fn check_axes(axes: &[usize], ndim: usize, what: &str) -> Result<()> {
    for (i, &a) in axes.iter().enumerate() {
        if a >= ndim {
            return Err(Error::invalid(format!(
                "map_blocks: {what} {a} is out of range for {ndim} dimensions"
            )));
        }
        if axes[..i].contains(&a) {
            return Err(Error::invalid(format!(
                "map_blocks: {what} {a} given twice"
            )));
        }
    }
    Ok(())
}

impl<T: Element> DArray<T> {
    /// `f` of the paired blocks of this array and `others` with where the block sits,
    /// as Dask's `map_blocks` with `drop_axis`, `new_axis`, `chunks` and `block_info`
    /// ([`BlockMap`]). Blocks pair as in Dask: each array's axes are the last of the
    /// output's; along an axis, arrays of equal length are cut at every boundary any
    /// of them has, arrays of different lengths pair block by block (as many blocks,
    /// or one block that serves every position: a block-level broadcast, where `f`
    /// gets the block as it is and broadcasts it itself, as ndarray's operators do).
    /// A block `f` returns of another shape than its place in the output fails the
    /// task, naming the block; an axis out of range or output chunks that do not fit
    /// the blocks fail the array.
    ///
    /// ```
    /// use chunkwise::array::{BlockMap, arange};
    /// // Each block of 3 becomes 2 values: its first and its block number.
    /// let x = arange(0.0, 9.0, 1.0, [3]).unwrap();
    /// let y = x.map_blocks_opts(&[], &BlockMap::new().chunks(vec![vec![2]]), |b, info| {
    ///     ndarray::arr1(&[b[0][0], info.output.chunk_location[0] as f64]).into_dyn()
    /// });
    /// assert_eq!(y.shape(), &[6]);
    /// assert_eq!(y.compute().unwrap().into_raw_vec_and_offset().0, vec![0.0, 0.0, 3.0, 1.0, 6.0, 2.0]);
    /// ```
    pub fn map_blocks_opts<U, F>(&self, others: &[&DArray<T>], opts: &BlockMap, f: F) -> DArray<U>
    where
        U: Element,
        F: Fn(&[ArrayViewD<'_, T>], &BlockInfo) -> ArrayD<U> + Send + Sync + 'static,
    {
        self.try_map_blocks_opts(others, opts, move |b, info| Ok(f(b, info)))
    }

    /// As [`map_blocks_opts`](Self::map_blocks_opts) with a function that may fail
    /// (its error fails the block's task).
    pub(crate) fn try_map_blocks_opts<U, F>(
        &self,
        others: &[&DArray<T>],
        opts: &BlockMap,
        f: F,
    ) -> DArray<U>
    where
        U: Element,
        F: Fn(&[ArrayViewD<'_, T>], &BlockInfo) -> Result<ArrayD<U>> + Send + Sync + 'static,
    {
        let mut all: Vec<DArray<T>> = std::iter::once(self)
            .chain(others.iter().copied())
            .cloned()
            .collect();
        let n_in = all.iter().map(DArray::ndim).max().unwrap_or(0);
        let kept_dims = n_in.saturating_sub(opts.drop_axis.len());
        let mut opts = opts.clone();
        if let Some(c) = &opts.chunks
            && opts.new_axis.is_empty()
            && c.len() > kept_dims
        {
            opts.new_axis = (0..c.len() - kept_dims).collect();
        }
        let opts = &opts;
        let n_out = kept_dims + opts.new_axis.len();
        let planned = check_axes(&opts.drop_axis, n_in, "drop_axis")
            .and_then(|()| check_axes(&opts.new_axis, n_out, "new_axis"))
            .and_then(|()| paired(&mut all, n_in, &opts.drop_axis))
            .and_then(|index| output_grid(&index, opts));
        let out_grid = match planned {
            Ok(o) => Arc::new(o),
            Err(e) => {
                let g = Arc::new(Grid::from_parts(vec![0; n_out], vec![vec![0]; n_out]));
                return DArray::errored(g, e);
            }
        };
        if let Some(e) = all.iter().find_map(|a| a.error.clone()) {
            return DArray::errored(out_grid, Error::Shared(e));
        }
        let mut tok = Tokenizer::new("map_blocks");
        for a in &all {
            tok = tok.param(&a.token());
        }
        let t = tok.param(&*out_grid).sequenced().finish();
        let inputs: Vec<_> = all.iter().map(|a| a.chunk_nodes()).collect();
        let grids: Vec<Arc<Grid>> = all.iter().map(|a| Arc::clone(&a.grid)).collect();
        let f = Arc::new(f);
        let kept: Vec<usize> = (0..n_in).filter(|d| !opts.drop_axis.contains(d)).collect();
        let new_axis = opts.new_axis.clone();
        let nodes = (0..out_grid.n_chunks())
            .map(|c| {
                // The input block: the output's position without its new axes, at
                // block 0 of each dropped (whole) axis.
                let out = locate(&out_grid, c);
                let old: Vec<usize> = (0..n_out)
                    .filter(|j| !new_axis.contains(j))
                    .map(|j| out.chunk_location[j])
                    .collect();
                let mut pos = vec![0; n_in];
                for (&d, &p) in kept.iter().zip(&old) {
                    pos[d] = p;
                }
                // Each input's block: its axes are the last of the index's; an axis
                // of one block is the same block for every position (broadcast).
                let at: Vec<usize> = grids
                    .iter()
                    .map(|g| {
                        let lead = n_in - g.ndim();
                        let own: Vec<usize> = (0..g.ndim())
                            .map(|i| if g.chunks()[i].len() == 1 { 0 } else { pos[lead + i] })
                            .collect();
                        ravel(&own, &g.grid_shape())
                    })
                    .collect();
                let shape: Vec<usize> = out.array_location.iter().map(|(a, b)| b - a).collect();
                let info = BlockInfo {
                    inputs: grids.iter().zip(&at).map(|(g, &k)| locate(g, k)).collect(),
                    chunk_shape: shape.clone(),
                    output: out,
                };
                let deps = inputs.iter().zip(&at).map(|(n, &k)| Arc::clone(&n[k])).collect();
                let f = Arc::clone(&f);
                let bytes = (shape.iter().product::<usize>() * U::DTYPE.size()) as u64;
                let mut node = Node::new(
                    Key::new("map_blocks", t, c as u64),
                    deps,
                    Box::new(move |v| {
                        let views: Vec<ArrayViewD<'_, T>> =
                            v.iter().map(|x| chunk_of::<T>(x).view()).collect();
                        let out = f(&views, &info)?;
                        if out.shape() != shape.as_slice() {
                            return Err(Error::invalid(format!(
                                "map_blocks returned shape {:?} for block {:?}, whose shape is {shape:?}",
                                out.shape(),
                                info.output.chunk_location
                            )));
                        }
                        Ok(super::chunk_value(out))
                    }),
                );
                node.bytes = bytes;
                node.codec = Some(chunk_codec::<U>());
                Arc::new(node)
            })
            .collect();
        DArray::from_chunks(out_grid, t, "map_blocks", nodes)
    }

    /// `f` of each 1-d lane along `axis` (numpy's and Dask's `apply_along_axis`): the
    /// axis is made one chunk, and replaced in the output by the shape of what `f`
    /// returns, found, as Dask does, by calling `f` on a lane of ones when the graph is
    /// built. A lane whose result has another shape fails its task.
    ///
    /// ```
    /// use chunkwise::array::arange;
    /// let x = arange(0.0, 12.0, 1.0, [5]).unwrap().reshape(&[3, 4]);
    /// // Each row's first and last: the axis of 4 becomes an axis of 2.
    /// let ends = x.apply_along_axis(1, |r| ndarray::arr1(&[r[0], r[r.len() - 1]]).into_dyn());
    /// assert_eq!(ends.shape(), &[3, 2]);
    /// assert_eq!(ends.compute().unwrap().into_raw_vec_and_offset().0, vec![0.0, 3.0, 4.0, 7.0, 8.0, 11.0]);
    /// ```
    pub fn apply_along_axis<U, F>(&self, axis: usize, f: F) -> DArray<U>
    where
        U: Element,
        F: Fn(ndarray::ArrayView1<'_, T>) -> ArrayD<U> + Send + Sync + 'static,
    {
        if let Err(e) = self.grid.axis(axis) {
            return DArray::errored(Arc::clone(&self.grid), e);
        }
        let ones = ndarray::Array1::from_elem(self.shape()[axis], T::from_i128(1));
        let lane_shape = f(ones.view()).shape().to_vec();
        let k = lane_shape.len();
        let mut chunks: Vec<Vec<usize>> = self.chunks().to_vec();
        chunks.splice(axis..=axis, lane_shape.iter().map(|&n| vec![n]));
        let opts = BlockMap::new()
            .drop_axis(&[axis])
            .new_axis(&(axis..axis + k).collect::<Vec<_>>())
            .chunks(chunks);
        self.try_map_blocks_opts(&[], &opts, move |b, info| {
            let block = &b[0];
            // Lanes in row-major order of the other axes; their results stacked, the
            // lane's axes then moved to where `axis` was.
            let mut flat: Vec<U> = Vec::with_capacity(info.chunk_shape.iter().product());
            for lane in block.lanes(Axis(axis)) {
                let r = f(lane);
                if r.shape() != lane_shape.as_slice() {
                    return Err(Error::invalid(format!(
                        "apply_along_axis: a lane gave shape {:?} where a lane of ones gave {lane_shape:?}",
                        r.shape()
                    )));
                }
                flat.extend(r.iter().copied());
            }
            let mut stacked: Vec<usize> = block.shape().to_vec();
            stacked.remove(axis);
            stacked.extend(&lane_shape);
            let m = stacked.len() - k;
            let mut perm: Vec<usize> = (0..m).collect();
            perm.splice(axis..axis, m..m + k);
            Ok(ArrayD::from_shape_vec(IxDyn(&stacked), flat)
                .expect("one result per lane")
                .permuted_axes(IxDyn(&perm))
                .as_standard_layout()
                .into_owned())
        })
    }
}

/// Pairs the inputs' blocks as Dask's `map_blocks` does, on an index of `n` axes (each
/// input's axes are its last): along an axis, inputs of equal length (not counting
/// length-1 ones, which broadcast) are cut at every boundary any of them has;
/// inputs of different lengths are paired block by block, so they must have as many
/// blocks, or one (that block serves every position). Dropped axes are made one
/// chunk. Returns the index's grid: along each axis, the chunks of the first input
/// with several blocks there (or the longest).
fn paired<T: Element>(all: &mut [DArray<T>], n: usize, drop: &[usize]) -> Result<Grid> {
    let mut index = Vec::with_capacity(n);
    for j in 0..n {
        // (input, its axis) along index axis j.
        let here: Vec<(usize, usize)> = all
            .iter()
            .enumerate()
            .filter_map(|(a, x)| (j + x.ndim()).checked_sub(n).map(|i| (a, i)))
            .collect();
        // Lengths do not change as chunks are cut.
        let len_of: Vec<usize> = here.iter().map(|&(a, i)| all[a].shape()[i]).collect();
        let long: Vec<(usize, usize)> = here
            .iter()
            .zip(&len_of)
            .filter(|&(_, &l)| l != 1)
            .map(|(&x, _)| x)
            .collect();
        let lengths: std::collections::BTreeSet<usize> =
            len_of.iter().copied().filter(|&l| l != 1).collect();
        if drop.contains(&j) {
            for &(a, i) in &here {
                let mut c = all[a].chunks().to_vec();
                c[i] = vec![all[a].shape()[i]];
                all[a] = all[a].rechunk_exact(c);
            }
        } else if lengths.len() == 1 {
            let common = long
                .iter()
                .map(|&(a, i)| all[a].chunks()[i].clone())
                .reduce(|x, y| super::impl_blockwise::common_chunks(&x, &y))
                .expect("one at least");
            for &(a, i) in &long {
                if all[a].chunks()[i] != common {
                    let mut c = all[a].chunks().to_vec();
                    c[i] = common.clone();
                    all[a] = all[a].rechunk_exact(c);
                }
            }
        } else {
            let blocks: std::collections::BTreeSet<usize> = here
                .iter()
                .map(|&(a, i)| all[a].chunks()[i].len())
                .filter(|&b| b != 1)
                .collect();
            if blocks.len() > 1 {
                return Err(Error::invalid(format!(
                    "map_blocks: along axis {j} the arrays have lengths {lengths:?} in {blocks:?} \
                     blocks: arrays of different lengths are paired block by block, so they \
                     need as many blocks (or one)"
                )));
            }
        }
        let chunks = here
            .iter()
            .find(|&&(a, i)| all[a].chunks()[i].len() > 1)
            .or_else(|| {
                here.iter()
                    .zip(&len_of)
                    .max_by_key(|(_, l)| **l)
                    .map(|(x, _)| x)
            })
            .map_or(vec![1], |&(a, i)| all[a].chunks()[i].clone());
        index.push(chunks);
    }
    let shape = index.iter().map(|c| c.iter().sum()).collect();
    Ok(Grid::from_parts(shape, index))
}

/// The output's grid: the input's without its dropped axes, new axes inserted (one
/// chunk of 1), then the given chunks (one size for every block, or one per block).
fn output_grid(input: &Grid, opts: &BlockMap) -> Result<Grid> {
    let mut chunks: Vec<Vec<usize>> = (0..input.ndim())
        .filter(|d| !opts.drop_axis.contains(d))
        .map(|d| input.chunks()[d].clone())
        .collect();
    let mut sorted = opts.new_axis.clone();
    sorted.sort_unstable();
    for &a in &sorted {
        chunks.insert(a, vec![1]);
    }
    if let Some(given) = &opts.chunks {
        if given.len() != chunks.len() {
            return Err(Error::invalid(format!(
                "map_blocks: chunks for {} dimensions, but the output has {}",
                given.len(),
                chunks.len()
            )));
        }
        for (d, (c, g)) in chunks.iter_mut().zip(given).enumerate() {
            *c = match g.len() {
                1 => vec![g[0]; c.len()],
                n if n == c.len() => g.clone(),
                n => {
                    return Err(Error::invalid(format!(
                        "map_blocks: {n} chunk sizes along output axis {d}, which has {} blocks",
                        c.len()
                    )));
                }
            };
        }
    }
    let shape = chunks.iter().map(|c| c.iter().sum()).collect();
    Ok(Grid::from_parts(shape, chunks))
}
