//! Histograms as numpy's `histogram`, `histogram2d` and `histogramdd`: equal bins over
//! a range or explicit edges, optional weights, density. Each chunk counts into a
//! partial histogram of the output's size, and the partials are summed in a tree
//! (eight at a time), so memory is a chunk and a few histograms whatever the data.
//!
//! A value's bin is numpy's `searchsorted(edges, x, side="right") - 1` with the last
//! edge in the last bin; equal bins find it by arithmetic first (as numpy's
//! `histogram`), explicit edges by binary search. Values outside the edges and NaN
//! are not counted. The edges, known when the histogram is built, are returned at
//! once; the counts are a lazy array of one chunk. Bins given lazily ([`LazyBins`]:
//! a range from the data's own lazy min and max, or edges as a lazy array) are
//! computed first, and every chunk's partial depends on them.

use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};

use super::chunks::Grid;
use super::expr::chunk_codec;
use super::impl_reduce::Tree;
use super::impl_select::merged;
use super::{DArray, Element, chunk_of};
use crate::graph::{Key, Node, Tokenizer, Value};
use crate::{Error, Result};

/// The bins of one dimension of a histogram (numpy's `bins` with its `range`).
#[derive(Clone, Debug, PartialEq)]
pub enum Bins {
    /// `n` equal bins over `[lo, hi]` (`bins=n, range=(lo, hi)`): the edges are numpy's
    /// `linspace(lo, hi, n + 1)`; `lo == hi` widens to `[lo - 0.5, hi + 0.5]`, as numpy.
    Range {
        /// How many bins.
        n: usize,
        /// The first edge.
        lo: f64,
        /// The last edge (in the last bin).
        hi: f64,
    },
    /// Explicit edges, never decreasing (bins may differ in width; equal edges make an
    /// empty bin), the last included in the last bin (`bins` as an array).
    Edges(Vec<f64>),
}

/// A histogram's bins given lazily (Dask's `bins` or `range` as dask arrays): known
/// when the histogram is computed, not when it is built. The number of bins is known
/// at once (the shape of the result depends on it).
#[derive(Clone, Debug)]
pub enum LazyBins {
    /// `n` equal bins over `[lo, hi]`, each a single value (a 0-d array such as
    /// `x.min(Axes::All)`), as [`Bins::Range`].
    Range {
        /// How many bins.
        n: usize,
        /// The first edge.
        lo: DArray<f64>,
        /// The last edge.
        hi: DArray<f64>,
    },
    /// The edges, a 1-d array at least two long, as [`Bins::Edges`].
    Edges(DArray<f64>),
}

/// Checked edges and how to find a value's bin among them.
#[derive(Clone)]
struct Binner {
    edges: Vec<f64>,
    /// Equal bins: the bin found by arithmetic, then checked against the edges.
    uniform: bool,
}

impl Bins {
    /// The checked edges; `what` names these bins in an error.
    fn binner(&self, what: &str) -> Result<Binner> {
        let bad = |m: String| Err(Error::invalid(format!("{what}: {m}")));
        match *self {
            Bins::Range { n, lo, hi } => {
                if n == 0 {
                    return bad("bins must be positive".into());
                }
                if !(lo.is_finite() && hi.is_finite()) {
                    return bad(format!("the range [{lo}, {hi}] is not finite"));
                }
                if lo > hi {
                    return bad(format!("the range [{lo}, {hi}] has lo > hi"));
                }
                let (lo, hi) = if lo == hi {
                    (lo - 0.5, hi + 0.5)
                } else {
                    (lo, hi)
                };
                // numpy's linspace: i * step + lo, the last edge exactly hi.
                let step = (hi - lo) / n as f64;
                let mut edges: Vec<f64> = (0..=n).map(|i| i as f64 * step + lo).collect();
                edges[n] = hi;
                Ok(Binner {
                    edges,
                    uniform: true,
                })
            }
            Bins::Edges(ref e) => {
                if e.len() < 2 {
                    return bad(format!("bins need at least two edges, got {e:?}"));
                }
                if e.iter().any(|v| v.is_nan()) {
                    return bad(format!("bins must not hold NaN, got {e:?}"));
                }
                if let Some(i) = (1..e.len()).find(|&i| e[i - 1] > e[i]) {
                    return bad(format!(
                        "bins must increase monotonically: edge {} ({}) then {} ({})",
                        i - 1,
                        e[i - 1],
                        i,
                        e[i]
                    ));
                }
                Ok(Binner {
                    edges: e.clone(),
                    uniform: false,
                })
            }
        }
    }
}

impl Binner {
    fn n(&self) -> usize {
        self.edges.len() - 1
    }

    /// The bin of `x`, `None` outside the edges or NaN.
    fn find(&self, x: f64) -> Option<usize> {
        let (e, n) = (&self.edges, self.n());
        if !(x >= e[0] && x <= e[n]) {
            return None;
        }
        if self.uniform {
            // Arithmetic, moved by one where rounding crossed an edge (numpy's own
            // histogram does the same); kept only if the edges agree.
            let mut b = (((x - e[0]) / (e[n] - e[0])) * n as f64) as usize;
            b = b.min(n - 1);
            if x < e[b] {
                b -= 1;
            } else if b + 1 < n && x >= e[b + 1] {
                b += 1;
            }
            if e[b] <= x && (x < e[b + 1] || b + 1 == n) {
                return Some(b);
            }
        }
        Some(e.partition_point(|&v| v <= x).min(n) - 1)
    }
}

/// The histogram of a sample's points (`rows`: the rows of `xs[0]`, an `(N, D)`
/// array; else element `k` of each of `xs`, one per dimension), each counted as one
/// or its weight (the weights cut as the points), in `A`; `density` divides by the
/// total and each bin's volume. The caller has checked the shapes and chunks.
fn binned<T: Element, A: Element>(
    name: &'static str,
    xs: &[&DArray<T>],
    rows: bool,
    binners: Vec<Binner>,
    weights: Option<&DArray<f64>>,
    density: bool,
) -> DArray<A> {
    let shape: Vec<usize> = binners.iter().map(Binner::n).collect();
    let mut t = Tokenizer::new(name).param(&rows).param(&density);
    for x in xs
        .iter()
        .map(|x| x.token())
        .chain(weights.map(DArray::token))
    {
        t = t.param(&x);
    }
    for b in &binners {
        t = t.param(&b.edges.iter().map(|e| e.to_bits()).collect::<Vec<_>>());
    }
    let token = t.param(&A::DTYPE).finish();
    let out = Arc::new(Grid::from_parts(
        shape.clone(),
        shape.iter().map(|&n| vec![n]).collect(),
    ));
    let (bins, dims) = (binners.clone(), shape.clone());
    let chunk = move |v: &[ArrayViewD<'_, T>], w: Option<ArrayViewD<'_, f64>>| {
        // Each point's flat bin, built dimension by dimension (row-major); `OUT` (not
        // an `Option`, to keep this as small as the chunk) once a coordinate is out.
        const OUT: usize = usize::MAX;
        let points = if rows { v[0].shape()[0] } else { v[0].len() };
        let mut at = vec![0usize; points];
        for (d, b) in bins.iter().enumerate() {
            let coords: Box<dyn Iterator<Item = &T>> = if rows {
                Box::new(v[0].index_axis(Axis(1), d).into_iter())
            } else {
                Box::new(v[d].iter())
            };
            for (slot, x) in at.iter_mut().zip(coords) {
                if *slot != OUT {
                    *slot = b.find(x.to_f64()).map_or(OUT, |k| *slot * b.n() + k);
                }
            }
        }
        let mut hist = vec![A::default(); dims.iter().product()];
        let mut each = w
            .into_iter()
            .flat_map(|w| w.into_iter().map(|&v| A::from_f64(v)));
        for s in at {
            let weight = each.next().unwrap_or(A::from_i128(1));
            if s != OUT {
                hist[s] = hist[s].add(weight);
            }
        }
        ArrayD::from_shape_vec(IxDyn(&dims), hist).expect("the histogram's shape")
    };
    let finish = move |p: &ArrayD<A>| -> Result<ArrayD<A>> {
        if !density {
            return Ok(p.clone());
        }
        let edges: Vec<&[f64]> = binners.iter().map(|b| b.edges.as_slice()).collect();
        Ok(density_of(&p.mapv(|v| v.to_f64()), &edges).mapv(A::from_f64))
    };
    let how = Tree {
        name,
        token,
        split_every: 8,
        keepdims: true,
        combine: Arc::new(|p: &mut ArrayD<A>, q: &ArrayD<A>| {
            p.zip_mut_with(q, |a, &b| *a = a.add(b))
        }),
        finish: Arc::new(finish),
    };
    match merged(xs, weights, shape.len(), chunk, how) {
        Ok(node) => DArray::from_chunks(out, token, name, vec![node]),
        Err(e) => DArray::errored(out, e),
    }
}

/// numpy's density: each count divided by its bin's width along every dimension in
/// turn, then by the total (numpy's order of operations).
fn density_of(counts: &ArrayD<f64>, edges: &[&[f64]]) -> ArrayD<f64> {
    let total: f64 = counts.sum();
    let widths: Vec<Vec<f64>> = edges
        .iter()
        .map(|e| e.windows(2).map(|e| e[1] - e[0]).collect())
        .collect();
    let mut out = counts.clone();
    for (i, v) in out.indexed_iter_mut() {
        for (d, w) in widths.iter().enumerate() {
            *v /= w[i[d]];
        }
        *v /= total;
    }
    out
}

/// Every bin's edges, checked: one `Bins` for every dimension or one per dimension.
fn binners(name: &str, bins: &[Bins], dims: usize) -> Result<Vec<Binner>> {
    if bins.len() != 1 && bins.len() != dims {
        return Err(Error::invalid(format!(
            "{name}: the dimension of bins ({}) must be equal to the dimension of the sample \
             ({dims}), or bins one for all",
            bins.len()
        )));
    }
    (0..dims)
        .map(|d| bins[d.min(bins.len() - 1)].binner(&format!("{name}: bins[{d}]")))
        .collect()
}

/// Weights must have `shape` and `chunks` (those of the points), as Dask asks.
fn check_weights(
    name: &str,
    w: Option<&DArray<f64>>,
    shape: &[usize],
    chunks: &[Vec<usize>],
) -> Result<()> {
    match w {
        Some(w) if w.shape() != shape || w.chunks() != chunks => Err(Error::invalid(format!(
            "{name}: weights of shape {:?} and chunks {:?} must have the sample's shape {shape:?} \
             and chunks {chunks:?} (rechunk them to match)",
            w.shape(),
            w.chunks()
        ))),
        _ => Ok(()),
    }
}

impl<T: Element> DArray<T> {
    /// Counts in `bins` equal bins over `[lo, hi]` and the edges (numpy's `histogram`
    /// with a range; as [`DArray::histogram_counts`] with [`Bins::Range`]). Invalid bins
    /// (none, a range that is not finite or has `lo > hi`) give an array that fails
    /// with the error, and no edges.
    ///
    /// ```
    /// use chunkwise::array::arange;
    /// let x = arange(0.0, 10.0, 1.0, [3]).unwrap();
    /// let (counts, edges) = x.histogram(2, 0.0, 9.0);
    /// assert_eq!(edges, vec![0.0, 4.5, 9.0]);
    /// assert_eq!(counts.compute().unwrap().into_raw_vec_and_offset().0, vec![5, 5]);
    /// ```
    pub fn histogram(&self, bins: usize, lo: f64, hi: f64) -> (DArray<i64>, Vec<f64>) {
        match self.histogram_counts(&Bins::Range { n: bins, lo, hi }) {
            Ok(h) => h,
            Err(e) => (DArray::errored(Arc::clone(&self.grid), e), Vec::new()),
        }
    }

    /// numpy's `histogram` of the flattened array: how many elements fall in each bin
    /// (`i64`), and the edges. Values outside the edges and NaN are not counted; the
    /// last bin includes its right edge. Invalid bins are an error.
    ///
    /// ```
    /// use chunkwise::array::{Bins, from_array};
    /// use ndarray::{ArrayD, IxDyn};
    /// let a = ArrayD::from_shape_vec(IxDyn(&[6]), vec![0.5, 1.0, 2.5, 3.0, 9.0, f64::NAN]).unwrap();
    /// let x = from_array(a, [4]).unwrap();
    /// let (counts, edges) = x.histogram_counts(&Bins::Edges(vec![0.0, 1.0, 3.0])).unwrap();
    /// assert_eq!(edges, vec![0.0, 1.0, 3.0]);
    /// // 1.0 opens the second bin; 3.0, the last edge, closes it; 9.0 and NaN are out.
    /// assert_eq!(counts.compute().unwrap().into_raw_vec_and_offset().0, vec![1, 3]);
    /// ```
    pub fn histogram_counts(&self, bins: &Bins) -> Result<(DArray<i64>, Vec<f64>)> {
        let b = bins.binner("histogram")?;
        let edges = b.edges.clone();
        Ok((
            binned("histogram", &[self], false, vec![b], None, false),
            edges,
        ))
    }

    /// numpy's `histogram` with `weights` and `density`, as `f64`: each bin holds the
    /// sum of its elements' weights (or their count), and with `density` that divided
    /// by the total and the bin's width (NaN where nothing is counted). `weights` has
    /// this array's shape and chunks (Dask raises otherwise; rechunk them to match),
    /// else an error, as are invalid bins. numpy keeps integer weights' type; here the
    /// sums are `f64` (cast integer weights with `astype`).
    ///
    /// ```
    /// use chunkwise::array::{Bins, from_array};
    /// use ndarray::{ArrayD, IxDyn};
    /// let x = from_array(ArrayD::from_shape_vec(IxDyn(&[4]), vec![0.5, 1.5, 1.5, 3.0]).unwrap(), [2]).unwrap();
    /// let w = from_array(ArrayD::from_shape_vec(IxDyn(&[4]), vec![2.0, 1.0, 1.0, 4.0]).unwrap(), [2]).unwrap();
    /// let bins = Bins::Edges(vec![0.0, 1.0, 3.0]);
    /// let (sums, _) = x.histogram_with(&bins, Some(&w), false).unwrap();
    /// assert_eq!(sums.compute().unwrap().into_raw_vec_and_offset().0, vec![2.0, 6.0]);
    /// // density: count / (total * width): 1 / (4 * 1) and 3 / (4 * 2).
    /// let (density, _) = x.histogram_with(&bins, None, true).unwrap();
    /// assert_eq!(density.compute().unwrap().into_raw_vec_and_offset().0, vec![0.25, 0.375]);
    /// ```
    pub fn histogram_with(
        &self,
        bins: &Bins,
        weights: Option<&DArray<f64>>,
        density: bool,
    ) -> Result<(DArray<f64>, Vec<f64>)> {
        let b = bins.binner("histogram")?;
        check_weights("histogram", weights, self.shape(), self.chunks())?;
        let edges = b.edges.clone();
        let h = binned("histogram", &[self], false, vec![b], weights, density);
        Ok((h, edges))
    }

    /// As [`histogram_with`](Self::histogram_with) with bins known only when computed
    /// (Dask's `histogram(x, bins=dask_array, range=[x.min(), x.max()])`): the sums
    /// (or density) and the edges, both lazy. Each chunk counts into a partial
    /// histogram once the edges are computed, and the partials are summed as any
    /// reduction. Invalid bins (a range not finite or with `lo > hi`, edges that
    /// decrease) fail the computation, naming the bins; no bins, a range that is not
    /// two single values, or edges not 1-d, fail at once.
    ///
    /// ```
    /// use chunkwise::array::{Axes, LazyBins, arange};
    /// let x = arange(0.0, 10.0, 1.0, [3]).unwrap();
    /// let bins = LazyBins::Range { n: 3, lo: x.min(Axes::All), hi: x.max(Axes::All) };
    /// let (counts, edges) = x.histogram_lazy(&bins, None, false).unwrap();
    /// assert_eq!(edges.compute().unwrap().into_raw_vec_and_offset().0, vec![0.0, 3.0, 6.0, 9.0]);
    /// assert_eq!(counts.compute().unwrap().into_raw_vec_and_offset().0, vec![3.0, 3.0, 4.0]);
    /// ```
    pub fn histogram_lazy(
        &self,
        bins: &LazyBins,
        weights: Option<&DArray<f64>>,
        density: bool,
    ) -> Result<(DArray<f64>, DArray<f64>)> {
        let name = "histogram";
        check_weights(name, weights, self.shape(), self.chunks())?;
        let shared = |x: &DArray<f64>| x.error.as_ref().map(|e| Error::Shared(Arc::clone(e)));
        let (n, deps, given_edges, tb) = match bins {
            LazyBins::Range { n, lo, hi } => {
                if let Some(e) = shared(lo).or_else(|| shared(hi)) {
                    return Err(e);
                }
                if *n == 0 || lo.len() != 1 || hi.len() != 1 {
                    return Err(Error::invalid(format!(
                        "{name}: lazy bins need at least one bin ({n}) and a range of two single values (shapes {:?} and {:?})",
                        lo.shape(),
                        hi.shape()
                    )));
                }
                let deps = vec![
                    Arc::clone(&lo.chunk_nodes()[0]),
                    Arc::clone(&hi.chunk_nodes()[0]),
                ];
                (*n, deps, None, (lo.token(), hi.token()))
            }
            LazyBins::Edges(e) => {
                if let Some(err) = shared(e) {
                    return Err(err);
                }
                if e.ndim() != 1 || e.len() < 2 {
                    return Err(Error::invalid(format!(
                        "{name}: lazy bin edges are a 1-d array at least two long, not of shape {:?}",
                        e.shape()
                    )));
                }
                let deps = e.chunk_nodes().iter().cloned().collect();
                (e.len() - 1, deps, Some(e.clone()), (e.token(), 0))
            }
        };
        let token = Tokenizer::new("histogram-lazy")
            .param(&self.token())
            .param(&tb)
            .param(&n)
            .param(&weights.map(DArray::token))
            .param(&density)
            .finish();
        let uniform = given_edges.is_none();
        // Keys are equal when token and index are: each layer its own token.
        let layer = |l: &str| Tokenizer::new(l).param(&token).finish();
        let (t_edges, t_chunk) = (layer("histogram-edges"), layer("histogram-chunk"));
        let mut edges_node = Node::new(
            Key::new("histogram-edges", t_edges, 0),
            deps,
            Box::new(move |v| {
                let bins = if uniform {
                    let one = |k: usize| {
                        chunk_of::<f64>(&v[k])
                            .iter()
                            .copied()
                            .next()
                            .unwrap_or(f64::NAN)
                    };
                    Bins::Range {
                        n,
                        lo: one(0),
                        hi: one(1),
                    }
                } else {
                    Bins::Edges(
                        v.iter()
                            .flat_map(|c| chunk_of::<f64>(c).iter().copied())
                            .collect(),
                    )
                };
                let e = bins.binner("histogram: the lazy bins")?.edges;
                Ok(
                    Arc::new(ArrayD::from_shape_vec(IxDyn(&[n + 1]), e).expect("n + 1 edges"))
                        as Value,
                )
            }),
        );
        edges_node.codec = Some(chunk_codec::<f64>());
        let edges_node = Arc::new(edges_node);
        let edges_grid = Arc::new(Grid::from_parts(vec![n + 1], vec![vec![n + 1]]));
        let edges = given_edges.unwrap_or_else(|| {
            DArray::from_chunks(
                Arc::clone(&edges_grid),
                t_edges,
                "histogram-edges",
                vec![Arc::clone(&edges_node)],
            )
        });
        // One partial histogram per chunk, a row each, summed over the rows.
        let x = self.ravel();
        let w = weights.map(DArray::ravel);
        let nc = x.n_chunks();
        let (xn, wn) = (x.chunk_nodes(), w.as_ref().map(DArray::chunk_nodes));
        let partials = (0..nc)
            .map(|c| {
                let mut deps = vec![Arc::clone(&xn[c]), Arc::clone(&edges_node)];
                deps.extend(wn.as_ref().map(|w| Arc::clone(&w[c])));
                let mut node = Node::new(
                    Key::new("histogram-chunk", t_chunk, c as u64),
                    deps,
                    Box::new(move |v| {
                        let b = Binner {
                            edges: chunk_of::<f64>(&v[1]).iter().copied().collect(),
                            uniform,
                        };
                        let mut hist = vec![0.0; n];
                        let xs = chunk_of::<T>(&v[0]);
                        let mut add = |x: &T, w: f64| {
                            if let Some(i) = b.find(x.to_f64()) {
                                hist[i] += w;
                            }
                        };
                        match v.get(2).map(chunk_of::<f64>) {
                            Some(w) => xs.iter().zip(w).for_each(|(x, &w)| add(x, w)),
                            None => xs.iter().for_each(|x| add(x, 1.0)),
                        }
                        Ok(
                            Arc::new(ArrayD::from_shape_vec(IxDyn(&[1, n]), hist).expect("one row"))
                                as Value,
                        )
                    }),
                );
                node.codec = Some(chunk_codec::<f64>());
                node.bytes = (n * 8) as u64;
                Arc::new(node)
            })
            .collect();
        let grid = Arc::new(Grid::from_parts(vec![nc, n], vec![vec![1; nc], vec![n]]));
        let rows = DArray::<f64>::from_chunks(grid, t_chunk, "histogram-chunk", partials);
        let counts = rows.sum(0);
        let counts = match w {
            Some(w) => w.carry(counts),
            None => counts,
        };
        if !density {
            return Ok((self.carry(counts), edges));
        }
        let t = Tokenizer::new("histogram-density").param(&token).finish();
        let mut node = Node::new(
            Key::new("histogram-density", t, 0),
            vec![Arc::clone(&counts.chunk_nodes()[0]), edges_node],
            Box::new(|v| {
                let e: Vec<f64> = chunk_of::<f64>(&v[1]).iter().copied().collect();
                Ok(Arc::new(density_of(chunk_of::<f64>(&v[0]), &[&e])) as Value)
            }),
        );
        node.codec = Some(chunk_codec::<f64>());
        let grid = Arc::new(Grid::from_parts(vec![n], vec![vec![n]]));
        let out = counts.carry(DArray::from_chunks(
            grid,
            t,
            "histogram-density",
            vec![Arc::new(node)],
        ));
        Ok((self.carry(out), edges))
    }

    /// numpy's `histogramdd` of an `(N, D)` sample, one point a row: a `D`-dimensional
    /// `f64` array (one chunk) of the points (or their weights) in each cell, and the
    /// edges per dimension. `bins` has one entry per dimension, or one for all. The
    /// sample may be chunked along its rows only, `weights` (`N` long) cut as its rows;
    /// `density` divides by the total and each cell's volume. For the points as `D`
    /// separate arrays, [`histogramdd_coords`].
    ///
    /// ```
    /// use chunkwise::array::{Bins, from_array};
    /// use ndarray::{ArrayD, IxDyn};
    /// let pts = ArrayD::from_shape_vec(IxDyn(&[4, 2]), vec![0.1, 0.1, 0.9, 0.1, 0.9, 0.9, 0.6, 0.7]).unwrap();
    /// let x = from_array(pts, [2, 2]).unwrap();
    /// let (h, edges) = x.histogramdd(&[Bins::Range { n: 2, lo: 0.0, hi: 1.0 }], None, false).unwrap();
    /// assert_eq!(edges, vec![vec![0.0, 0.5, 1.0]; 2]);
    /// assert_eq!(h.compute().unwrap().into_raw_vec_and_offset().0, vec![1.0, 0.0, 1.0, 2.0]);
    /// ```
    pub fn histogramdd(
        &self,
        bins: &[Bins],
        weights: Option<&DArray<f64>>,
        density: bool,
    ) -> Result<(DArray<f64>, Vec<Vec<f64>>)> {
        let name = "histogramdd";
        if self.ndim() != 2 || self.shape()[1] == 0 {
            return Err(Error::invalid(format!(
                "{name}: a single array sample should be columnar, shape (N, D) with D > 0, \
                 not {:?}",
                self.shape()
            )));
        }
        if self.chunks()[1].len() != 1 {
            return Err(Error::invalid(format!(
                "{name}: the sample can only be chunked along axis 0 (its rows), its chunks \
                 are {:?}",
                self.chunks()
            )));
        }
        let b = binners(name, bins, self.shape()[1])?;
        check_weights(name, weights, &self.shape()[..1], &self.chunks()[..1])?;
        let edges = b.iter().map(|b| b.edges.clone()).collect();
        Ok((binned(name, &[self], true, b, weights, density), edges))
    }
}

/// numpy's `histogramdd` of points given as `D` one-dimensional arrays, coordinate `d`
/// of point `k` at `coords[d][k]`: as [`DArray::histogramdd`]. The arrays, and
/// `weights`, have one shape and one chunking (as Dask asks; rechunk them to match).
///
/// ```
/// use chunkwise::array::{Bins, from_array, histogramdd_coords};
/// use ndarray::{ArrayD, IxDyn};
/// let v = |d: Vec<i32>| from_array(ArrayD::from_shape_vec(IxDyn(&[6]), d).unwrap(), [4]).unwrap();
/// let (x, y) = (v(vec![2, 4, 2, 4, 2, 4]), v(vec![2, 2, 4, 4, 2, 4]));
/// let bins = [Bins::Edges(vec![0.0, 3.0, 6.0])];
/// let (h, edges) = histogramdd_coords(&[&x, &y], &bins, None, false).unwrap();
/// assert_eq!(edges.len(), 2);
/// assert_eq!(h.compute().unwrap().into_raw_vec_and_offset().0, vec![2.0, 1.0, 1.0, 2.0]);
/// ```
pub fn histogramdd_coords<T: Element>(
    coords: &[&DArray<T>],
    bins: &[Bins],
    weights: Option<&DArray<f64>>,
    density: bool,
) -> Result<(DArray<f64>, Vec<Vec<f64>>)> {
    let name = "histogramdd";
    let Some(first) = coords.first() else {
        return Err(Error::invalid(format!("{name}: no coordinate arrays")));
    };
    if let Some(x) = coords.iter().find(|x| x.ndim() != 1) {
        return Err(Error::invalid(format!(
            "{name}: coordinate arrays are one-dimensional, not of shape {:?}",
            x.shape()
        )));
    }
    if let Some(x) = coords.iter().find(|x| x.chunks() != first.chunks()) {
        return Err(Error::invalid(format!(
            "{name}: all coordinate arrays must be chunked identically, got chunks {:?} and {:?}",
            first.chunks(),
            x.chunks()
        )));
    }
    let b = binners(name, bins, coords.len())?;
    check_weights(name, weights, first.shape(), first.chunks())?;
    let edges = b.iter().map(|b| b.edges.clone()).collect();
    Ok((binned(name, coords, false, b, weights, density), edges))
}

/// numpy's `histogram2d(x, y)`: [`histogramdd_coords`] of two arrays, the counts
/// (`x` along the first axis) and the edges of `x` and of `y`. `bins` is one entry
/// for both or one each.
///
/// ```
/// use chunkwise::array::{Bins, from_array, histogram2d};
/// use ndarray::{ArrayD, IxDyn};
/// let v = |d: Vec<f64>| from_array(ArrayD::from_shape_vec(IxDyn(&[3]), d).unwrap(), [2]).unwrap();
/// let (x, y) = (v(vec![0.1, 0.2, 0.8]), v(vec![0.9, 0.9, 0.1]));
/// let bins = [Bins::Range { n: 2, lo: 0.0, hi: 1.0 }, Bins::Edges(vec![0.0, 0.2, 1.0])];
/// let (h, xe, ye) = histogram2d(&x, &y, &bins, None, false).unwrap();
/// assert_eq!((xe, ye), (vec![0.0, 0.5, 1.0], vec![0.0, 0.2, 1.0]));
/// assert_eq!(h.compute().unwrap().into_raw_vec_and_offset().0, vec![0.0, 2.0, 1.0, 0.0]);
/// ```
pub fn histogram2d<T: Element>(
    x: &DArray<T>,
    y: &DArray<T>,
    bins: &[Bins],
    weights: Option<&DArray<f64>>,
    density: bool,
) -> Result<(DArray<f64>, Vec<f64>, Vec<f64>)> {
    let (h, mut edges) = histogramdd_coords(&[x, y], bins, weights, density)?;
    let ye = edges.pop().expect("two dimensions");
    let xe = edges.pop().expect("two dimensions");
    Ok((h, xe, ye))
}
