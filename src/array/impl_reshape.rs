//! Rechunking, slicing by ranges and transposing: new chunk grids whose chunks copy
//! regions of the old ones.

use std::ops::Range;
use std::sync::Arc;

use ndarray::{ArrayD, IxDyn, Slice, SliceInfoElem};

use super::chunks::{Chunks, Grid, split, starts_of};
use super::expr::chunk_codec;
use super::{DArray, Element, chunk_of};
use crate::Error;
use crate::graph::{Key, Node, Tokenizer, Value};

pub(crate) fn region(offset: &[usize], shape: &[usize]) -> Vec<SliceInfoElem> {
    offset
        .iter()
        .zip(shape)
        .map(|(&o, &n)| Slice::from(o..o + n).into())
        .collect()
}

/// Sizes as even as possible for about as many chunks as `sizes` (Dask's
/// `_balance_chunksizes`): a last chunk under half the largest is merged away, then the
/// even cut with the least spread among sizes within half the median of it.
fn balanced(sizes: &[usize]) -> Vec<usize> {
    let total: usize = sizes.iter().sum();
    let (Some(&lo), Some(&hi)) = (sizes.iter().min(), sizes.iter().max()) else {
        return sizes.to_vec();
    };
    if total == 0 {
        return sizes.to_vec();
    }
    let mut sorted = sizes.to_vec();
    sorted.sort_unstable();
    let m = sorted.len();
    // numpy's median, truncated to an integer as Dask's `astype(int)`.
    let median = if m % 2 == 1 {
        sorted[m / 2]
    } else {
        (sorted[m / 2 - 1] + sorted[m / 2]) / 2
    };
    let want = if 2 * lo <= hi { m - 1 } else { m };
    let eps = median / 2;
    (median - eps..=median + eps)
        .filter(|&c| c > 0)
        .map(|c| split(total, c))
        .filter(|v| v.len() == want)
        .min_by_key(|v| v.iter().max().unwrap_or(&0) - v.iter().min().unwrap_or(&0))
        .unwrap_or_else(|| sizes.to_vec())
}

impl<T: Element> DArray<T> {
    /// The same values cut into other chunks (as `x.rechunk(...)`).
    ///
    /// ```
    /// let x = chunkwise::array::arange(0.0, 10.0, 1.0, [3]).unwrap();
    /// let y = x.rechunk([4]);
    /// assert_eq!(y.chunks(), &[vec![4, 4, 2]]);
    /// assert_eq!(y.compute().unwrap(), x.compute().unwrap());
    /// ```
    pub fn rechunk(&self, chunks: impl Into<Chunks>) -> DArray<T> {
        let spec = chunks.into();
        match Grid::resolve(self.shape(), &spec, T::DTYPE.size(), Some(self.chunks())) {
            Ok(g) => self.rechunk_exact(g.chunks().to_vec()),
            Err(e) => self.failed(e),
        }
    }

    /// As [`rechunk`](Self::rechunk), the `Auto` axes under `block_size_limit` bytes a
    /// chunk instead of [`AUTO_CHUNK_BYTES`](super::AUTO_CHUNK_BYTES) (Dask's
    /// `x.rechunk(chunks, block_size_limit=...)`). As in Dask the `Auto` axes follow
    /// the array's chunks: merged whole, or cut to multiples of them (see
    /// [`normalize_chunks`](super::normalize_chunks)).
    ///
    /// ```
    /// use chunkwise::array::{ones, AxisChunks, Chunks};
    /// let x = ones(&[20, 20], [2, 2]).unwrap();
    /// // Dask: x.rechunk({0: "auto"}, block_size_limit=20 * 8)
    /// let y = x.rechunk_limit(Chunks::Axes(vec![(0, AxisChunks::Auto)]), 20 * 8);
    /// assert_eq!(y.chunks(), &[vec![10, 10], vec![2; 10]]);
    /// assert!(x.rechunk_limit(Chunks::Auto, 0).compute().is_err());
    /// ```
    pub fn rechunk_limit(&self, chunks: impl Into<Chunks>, block_size_limit: usize) -> DArray<T> {
        let spec = chunks.into();
        let size = T::DTYPE.size();
        match Grid::resolve_with(
            self.shape(),
            &spec,
            size,
            Some(block_size_limit),
            Some(self.chunks()),
        ) {
            Ok(g) => self.rechunk_exact(g.chunks().to_vec()),
            Err(e) => self.failed(e),
        }
    }

    /// As [`rechunk`](Self::rechunk), then each axis's chunks made as even as its
    /// number of chunks allows (Dask's `rechunk(..., balance=True)`): 220 in chunks of
    /// 100 becomes `[110, 110]`, not `[100, 100, 20]`. Where no even cut has that many
    /// chunks the sizes asked stay (Dask warns there).
    ///
    /// ```
    /// let x = chunkwise::array::arange(0.0, 13.0, 1.0, [13]).unwrap();
    /// assert_eq!(x.rechunk_balanced([4]).chunks(), &[vec![5, 5, 3]]);
    /// ```
    pub fn rechunk_balanced(&self, chunks: impl Into<Chunks>) -> DArray<T> {
        let spec = chunks.into();
        match Grid::resolve(self.shape(), &spec, T::DTYPE.size(), Some(self.chunks())) {
            Ok(g) => self.rechunk_exact(g.chunks().iter().map(|c| balanced(c)).collect()),
            Err(e) => self.failed(e),
        }
    }

    pub(crate) fn rechunk_exact(&self, chunks: Vec<Vec<usize>>) -> DArray<T> {
        if chunks == self.grid.chunks() {
            return self.clone();
        }
        let out = Grid::from_parts(self.grid.shape().to_vec(), chunks);
        let zero = vec![0; self.ndim()];
        self.copy_regions(out, &zero, "rechunk")
    }

    /// The sub-array of the given ranges, one per leading axis (missing ones are whole),
    /// as `x[a:b, c:d]`. Chunk boundaries inside the ranges are kept. Bounds past the end
    /// are clamped to it and a range that ends before it starts is empty, as Python's
    /// slices are (`x[3:11]` of ten elements is `x[3:10]`, `x[7:3]` is empty).
    ///
    /// ```
    /// let x = chunkwise::array::arange(0.0, 10.0, 1.0, [4]).unwrap();
    /// let y = x.slice(&[3..7]);
    /// assert_eq!(y.compute().unwrap().into_raw_vec_and_offset().0, vec![3.0, 4.0, 5.0, 6.0]);
    /// assert_eq!(x.slice(&[8..11]).compute().unwrap().len(), 2);
    /// #[allow(clippy::reversed_empty_ranges)]
    /// let empty = x.slice(&[7..3]);
    /// assert_eq!(empty.shape(), &[0]);
    /// ```
    pub fn slice(&self, ranges: &[Range<usize>]) -> DArray<T> {
        if ranges.len() > self.ndim() {
            return self.failed(Error::invalid(format!(
                "{} ranges for an array of {} dimensions",
                ranges.len(),
                self.ndim()
            )));
        }
        let mut full: Vec<Range<usize>> = ranges
            .iter()
            .zip(self.shape())
            .map(|(r, &n)| {
                let start = r.start.min(n);
                start..r.end.clamp(start, n)
            })
            .collect();
        full.extend(self.shape()[ranges.len()..].iter().map(|&n| 0..n));
        let chunks = full
            .iter()
            .zip(self.grid.chunks())
            .map(|(r, sizes)| {
                let mut out: Vec<usize> = starts_of(sizes)
                    .iter()
                    .zip(sizes)
                    .filter_map(|(&s, &n)| {
                        let (a, b) = (s.max(r.start), (s + n).min(r.end));
                        (a < b).then(|| b - a)
                    })
                    .collect();
                if out.is_empty() {
                    out.push(0);
                }
                out
            })
            .collect();
        let out = Grid::from_parts(full.iter().map(|r| r.end - r.start).collect(), chunks);
        let offset: Vec<usize> = full.iter().map(|r| r.start).collect();
        self.copy_regions(out, &offset, "getitem")
    }

    /// Builds `out`, whose element `i` is this array's element `i + offset`.
    fn copy_regions(&self, out: Grid, offset: &[usize], label: &'static str) -> DArray<T> {
        let input = self.chunk_nodes();
        let t = Tokenizer::new(label)
            .param(&self.token())
            .param(&out)
            .param(offset)
            .finish();
        let nodes = (0..out.n_chunks())
            .map(|c| {
                let (o_off, o_shape) = out.chunk(c);
                let lo: Vec<usize> = o_off.iter().zip(offset).map(|(o, f)| o + f).collect();
                self.region_node(&input, Key::new(label, t, c as u64), lo, o_shape)
            })
            .collect();
        self.carry(DArray::from_chunks(Arc::new(out), t, label, nodes))
    }

    /// A task assembling the region `[lo, lo + shape)` of this array (inside it) from
    /// the chunks (`input`, this array's chunk tasks) that overlap it.
    ///
    /// Where the region draws on several chunks that together hold more than twice
    /// its size (a rechunk across the grain, an overlap's neighbours), each chunk's
    /// part is first cut out by a task of its own, as Dask's `rechunk-split` does, so
    /// the assembling task loads its region's worth of pieces, not every chunk whole.
    pub(crate) fn region_node(
        &self,
        input: &[Arc<Node>],
        key: Key,
        lo: Vec<usize>,
        shape: Vec<usize>,
    ) -> Arc<Node> {
        let src = &self.grid;
        let src_starts: Vec<Vec<usize>> = src.chunks().iter().map(|s| starts_of(s)).collect();
        // Source chunks overlapping [lo, lo + shape) along each axis.
        let per_axis: Vec<Vec<usize>> = (0..shape.len())
            .map(|d| {
                let hi = lo[d] + shape[d];
                (0..src.chunks()[d].len())
                    .filter(|&k| {
                        let s = src_starts[d][k];
                        let e = s + src.chunks()[d][k];
                        (s < hi && e > lo[d]) || (shape[d] == 0 && k == 0)
                    })
                    .collect()
            })
            .collect();
        let mut sources: Vec<Vec<usize>> = vec![vec![]];
        for axis in &per_axis {
            sources = sources
                .iter()
                .flat_map(|p| {
                    axis.iter().map(move |&k| {
                        let mut q = p.clone();
                        q.push(k);
                        q
                    })
                })
                .collect();
        }
        let gshape = src.grid_shape();
        let ids: Vec<usize> = sources
            .iter()
            .map(|p| super::chunks::ravel(p, &gshape))
            .collect();
        let volume = |s: &[usize]| s.iter().product::<usize>();
        let loaded: usize = ids.iter().map(|&i| volume(&src.chunk(i).1)).sum();
        let split = ids.len() > 1 && volume(&shape) > 0 && loaded > 2 * volume(&shape);
        // One token for the operation's pieces (one task group, as Dask's
        // `rechunk-split`), numbered by output and source chunk.
        let split_token = Tokenizer::new("region-split").param(&key.token()).finish();
        let n_src = src.n_chunks() as u64;
        let parts = ids
            .iter()
            .map(|&i| {
                let (s_off, s_shape) = src.chunk(i);
                // The intersection, in this array's coordinates.
                let from: Vec<usize> = (0..shape.len()).map(|d| s_off[d].max(lo[d])).collect();
                let n: Vec<usize> = (0..shape.len())
                    .map(|d| {
                        (s_off[d] + s_shape[d])
                            .min(lo[d] + shape[d])
                            .saturating_sub(from[d])
                    })
                    .collect();
                if split && n != s_shape && volume(&s_shape) > 0 {
                    let index = key.index() * n_src + i as u64;
                    let part_key = Key::new("region-split", split_token, index);
                    let whole = vec![(Arc::clone(&input[i]), s_off, s_shape)];
                    let part = paste_node::<T>(part_key, whole, from.clone(), n.clone());
                    (part, from, n)
                } else {
                    (Arc::clone(&input[i]), s_off, s_shape)
                }
            })
            .collect();
        paste_node::<T>(key, parts, lo, shape)
    }

    /// Reverses the axes (as `x.T`).
    pub fn t(&self) -> DArray<T> {
        let perm: Vec<usize> = (0..self.ndim()).rev().collect();
        self.permute_axes(&perm)
    }

    /// Permutes the axes: axis `d` of the result is axis `perm[d]` of this array.
    pub fn permute_axes(&self, perm: &[usize]) -> DArray<T> {
        let mut seen = perm.to_vec();
        seen.sort_unstable();
        if seen != (0..self.ndim()).collect::<Vec<_>>() {
            return self.failed(Error::invalid(format!(
                "{perm:?} is not a permutation of the {} axes",
                self.ndim()
            )));
        }
        let input = self.chunk_nodes();
        let out = Grid::from_parts(
            perm.iter().map(|&p| self.grid.shape()[p]).collect(),
            perm.iter()
                .map(|&p| self.grid.chunks()[p].clone())
                .collect(),
        );
        let t = Tokenizer::new("transpose")
            .param(&self.token())
            .param(perm)
            .finish();
        let in_grid = self.grid.grid_shape();
        let nodes = (0..out.n_chunks())
            .map(|c| {
                let pos = out.position(c);
                let mut src = vec![0; pos.len()];
                for (d, &p) in perm.iter().enumerate() {
                    src[p] = pos[d];
                }
                let i = super::chunks::ravel(&src, &in_grid);
                let perm = perm.to_vec();
                let mut node = Node::new(
                    Key::new("transpose", t, c as u64),
                    vec![Arc::clone(&input[i])],
                    Box::new(move |v| {
                        let a = chunk_of::<T>(&v[0]);
                        let p = a.view().permuted_axes(perm.as_slice());
                        Ok(Arc::new(p.as_standard_layout().into_owned()) as Value)
                    }),
                );
                node.bytes = input[i].bytes;
                node.codec = Some(chunk_codec::<T>());
                // The transpose of a chunk read from a store is made again from it
                // under a budget, as the chunk is, rather than spilled.
                node.remake = input[i].remake && input[i].deps.is_empty();
                Arc::new(node)
            })
            .collect();
        self.carry(DArray::from_chunks(Arc::new(out), t, "transpose", nodes))
    }
}

/// A task pasting its inputs, each an array of the given shape whose element 0 sits at
/// the given offset, into the region `[lo, lo + shape)`; parts of the inputs outside it
/// are left out. An input of another shape than its grid says is an error, not a
/// silently clipped paste.
fn paste_node<T: Element>(
    key: Key,
    parts: Vec<(Arc<Node>, Vec<usize>, Vec<usize>)>,
    lo: Vec<usize>,
    shape: Vec<usize>,
) -> Arc<Node> {
    let (deps, boxes): (Vec<_>, Vec<_>) = parts.into_iter().map(|(n, o, s)| (n, (o, s))).unzip();
    let bytes = (T::DTYPE.size() * shape.iter().product::<usize>()) as u64;
    let mut node = Node::new(
        key,
        deps,
        Box::new(move |vals| {
            let mut pieces = Vec::with_capacity(vals.len());
            for ((s_off, s_shape), v) in boxes.iter().zip(vals) {
                let a = chunk_of::<T>(v);
                if a.shape() != s_shape.as_slice() {
                    return Err(Error::invalid(format!(
                        "a chunk of shape {:?} where its array's chunks say {s_shape:?}",
                        a.shape()
                    )));
                }
                let from: Vec<usize> = (0..shape.len()).map(|d| s_off[d].max(lo[d])).collect();
                let to: Vec<usize> = (0..shape.len())
                    .map(|d| (s_off[d] + s_shape[d]).min(lo[d] + shape[d]))
                    .collect();
                if from.iter().zip(&to).any(|(l, h)| l >= h) {
                    continue;
                }
                let n: Vec<usize> = from.iter().zip(&to).map(|(l, h)| h - l).collect();
                let in_src: Vec<usize> = from.iter().zip(s_off).map(|(l, s)| l - s).collect();
                let in_out: Vec<usize> = from.iter().zip(&lo).map(|(l, o)| l - o).collect();
                pieces.push((a, in_src, in_out, n));
            }
            // One input covering the region (a slice, a piece): copied in one pass.
            if let [(a, in_src, _, n)] = pieces.as_slice()
                && *n == shape
            {
                let view = a.slice(region(in_src, n).as_slice());
                return Ok(Arc::new(view.as_standard_layout().into_owned()) as Value);
            }
            let mut chunk = ArrayD::<T>::default(IxDyn(&shape));
            for (a, in_src, in_out, n) in pieces {
                chunk
                    .slice_mut(region(&in_out, &n).as_slice())
                    .assign(&a.slice(region(&in_src, &n).as_slice()));
            }
            Ok(Arc::new(chunk) as Value)
        }),
    );
    node.bytes = bytes;
    node.codec = Some(chunk_codec::<T>());
    Arc::new(node)
}
