//! `map_overlap`: a function of each chunk with `depth` elements of its neighbours
//! around it (ghost cells), the array's own edges extended by a boundary rule, the
//! result trimmed back to the chunk; and `map_blocks_with`, a function of the aligned
//! chunks of several arrays and the block's position.

use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, Slice, SliceInfoElem};

use super::expr::chunk_codec;
use super::{DArray, Element, Idx, chunk_of};
use crate::graph::{Key, Node, Tokenizer, Value};
use crate::{Error, Result};

/// What lies past the array's edges for [`DArray::map_overlap`] (Dask's `boundary`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Boundary<T> {
    /// Nothing: chunks at an edge are not extended past it (Dask's `"none"`).
    None,
    /// A constant value.
    Constant(T),
    /// The array mirrored, its edge element repeated (Dask's `"reflect"`, numpy's
    /// `"symmetric"`).
    Reflect,
    /// The other end of the array (Dask's `"periodic"`).
    Periodic,
    /// The edge element repeated (Dask's `"nearest"`).
    Nearest,
}

/// The boundary rule of each axis for [`DArray::map_overlap`]: one rule for every
/// axis (from a [`Boundary`]), or one per axis in order (from a `Vec` or an array of
/// them; axes past the list take [`Boundary::None`]), as Dask's `boundary` given as a
/// single mode or a dict by axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Boundaries<T>(Rule<T>);

#[derive(Clone, Debug, PartialEq)]
enum Rule<T> {
    All(Boundary<T>),
    PerAxis(Vec<Boundary<T>>),
}

impl<T> From<Boundary<T>> for Boundaries<T> {
    fn from(b: Boundary<T>) -> Self {
        Boundaries(Rule::All(b))
    }
}

impl<T> From<Vec<Boundary<T>>> for Boundaries<T> {
    fn from(b: Vec<Boundary<T>>) -> Self {
        Boundaries(Rule::PerAxis(b))
    }
}

impl<T, const N: usize> From<[Boundary<T>; N]> for Boundaries<T> {
    fn from(b: [Boundary<T>; N]) -> Self {
        Boundaries(Rule::PerAxis(b.into()))
    }
}

impl<T: Copy> Boundaries<T> {
    /// The rule of each of `ndim` axes.
    fn per_axis(&self, ndim: usize) -> Result<Vec<Boundary<T>>> {
        match &self.0 {
            Rule::All(b) => Ok(vec![*b; ndim]),
            Rule::PerAxis(v) if v.len() <= ndim => {
                let mut v = v.clone();
                v.resize(ndim, Boundary::None);
                Ok(v)
            }
            Rule::PerAxis(v) => Err(Error::invalid(format!(
                "{} boundary rules for an array of {ndim} dimensions",
                v.len()
            ))),
        }
    }
}

/// A function of the extended chunks of one or several arrays, as `map_overlap` runs it.
type OverlapFn<T, U> = dyn Fn(&[&ArrayD<T>]) -> ArrayD<U> + Send + Sync;

impl<T: Element> DArray<T> {
    /// `f` of each chunk extended by `depth[d]` elements on both sides along each axis
    /// (missing axes: 0), from the neighbouring chunks and, past the array's edges, by
    /// `boundary` (one rule, or one per axis); `f` must return an array of the extended
    /// shape, which is trimmed back to the chunk (as `map_overlap` with `trim=True`).
    /// Depth may exceed a chunk: the extension is gathered from as many chunks as it
    /// spans.
    ///
    /// ```
    /// use chunkwise::array::{Boundary, arange};
    /// // A moving sum of three, each chunk seeing one element of its neighbours.
    /// let x = arange(0.0, 8.0, 1.0, [3]).unwrap();
    /// let sums = x.map_overlap(&[1], Boundary::Constant(0.0), |c| {
    ///     let mut out = c.clone();
    ///     let n = c.len();
    ///     for i in 1..n - 1 {
    ///         out[i] = c[i - 1] + c[i] + c[i + 1];
    ///     }
    ///     out
    /// });
    /// assert_eq!(sums.compute().unwrap().into_raw_vec_and_offset().0,
    ///            vec![1.0, 3.0, 6.0, 9.0, 12.0, 15.0, 18.0, 13.0]);
    /// // Periodic along rows, nothing past the ends of columns (Dask's dict by axis).
    /// let y = arange(0.0, 12.0, 1.0, [12]).unwrap().reshape(&[3, 4]).rechunk([1, 2]);
    /// let z = y.map_overlap(&[1, 1], [Boundary::Periodic, Boundary::None], |c| c.clone());
    /// assert_eq!(z.compute().unwrap(), y.compute().unwrap());
    /// ```
    pub fn map_overlap<U, F>(
        &self,
        depth: &[usize],
        boundary: impl Into<Boundaries<T>>,
        f: F,
    ) -> DArray<U>
    where
        U: Element,
        F: Fn(&ArrayD<T>) -> ArrayD<U> + Send + Sync + 'static,
    {
        let f: Arc<OverlapFn<T, U>> = Arc::new(move |c: &[&ArrayD<T>]| f(c[0]));
        self.map_overlap_each(&[], depth, boundary.into(), f)
    }

    /// `f` of the extended chunks of this array and of `others` (same shape, chunked
    /// as this one is, after a rechunk where they are not), each extended as
    /// [`map_overlap`](Self::map_overlap) extends one; `f` gets them in order, this
    /// array's first, and returns an array of their extended shape (Dask's
    /// `map_overlap(func, *arrays)`).
    ///
    /// ```
    /// use chunkwise::array::{Boundary, arange};
    /// // A difference of neighbours of x, weighted by y at the same place.
    /// let x = arange(0.0, 6.0, 1.0, [2]).unwrap();
    /// let y = arange(1.0, 7.0, 1.0, [3]).unwrap();
    /// let z = x.map_overlap_with(&[&y], &[1], Boundary::Nearest, |c| {
    ///     let (x, y) = (c[0], c[1]);
    ///     let mut out = x.clone();
    ///     for i in 1..x.len() - 1 {
    ///         out[i] = (x[i + 1] - x[i - 1]) * y[i];
    ///     }
    ///     out
    /// });
    /// assert_eq!(z.compute().unwrap().into_raw_vec_and_offset().0,
    ///            vec![1.0, 4.0, 6.0, 8.0, 10.0, 6.0]);
    /// ```
    pub fn map_overlap_with<U, F>(
        &self,
        others: &[&DArray<T>],
        depth: &[usize],
        boundary: impl Into<Boundaries<T>>,
        f: F,
    ) -> DArray<U>
    where
        U: Element,
        F: Fn(&[&ArrayD<T>]) -> ArrayD<U> + Send + Sync + 'static,
    {
        self.map_overlap_each(others, depth, boundary.into(), Arc::new(f))
    }

    fn map_overlap_each<U: Element>(
        &self,
        others: &[&DArray<T>],
        depth: &[usize],
        boundary: Boundaries<T>,
        f: Arc<OverlapFn<T, U>>,
    ) -> DArray<U> {
        match self.try_map_overlap(others, depth, &boundary, f) {
            Ok(x) => x,
            Err(e) => DArray::errored(Arc::clone(&self.grid), e),
        }
    }

    fn try_map_overlap<U: Element>(
        &self,
        others: &[&DArray<T>],
        depth: &[usize],
        boundary: &Boundaries<T>,
        f: Arc<OverlapFn<T, U>>,
    ) -> Result<DArray<U>> {
        for x in std::iter::once(self).chain(others.iter().copied()) {
            if let Some(e) = &x.error {
                return Err(Error::Shared(Arc::clone(e)));
            }
            if x.shape() != self.shape() {
                return Err(Error::invalid(format!(
                    "map_overlap: an array of shape {:?} with one of shape {:?} (arrays \
                     extended together must have one shape)",
                    self.shape(),
                    x.shape()
                )));
            }
        }
        if depth.len() > self.ndim() {
            return Err(Error::invalid(format!(
                "{} depths for an array of {} dimensions",
                depth.len(),
                self.ndim()
            )));
        }
        let mut depth = depth.to_vec();
        depth.resize(self.ndim(), 0);
        let rules = boundary.per_axis(self.ndim())?;
        let pad: Vec<bool> = rules.iter().map(|b| !matches!(b, Boundary::None)).collect();
        // Each array chunked as this one, its edges extended (or not, under None).
        let mut padded = Vec::new();
        for x in std::iter::once(self).chain(others.iter().copied()) {
            let mut p = x.rechunk_exact(self.grid.chunks().to_vec());
            for (d, (&w, rule)) in depth.iter().zip(&rules).enumerate() {
                if w > 0 && pad[d] {
                    p = p.extend_edges(d, w, *rule)?;
                }
            }
            padded.push(p);
        }
        let inputs: Vec<_> = padded.iter().map(DArray::chunk_nodes).collect();
        let mut t = Tokenizer::new("map_overlap");
        for p in &padded {
            t = t.param(&p.token());
        }
        let t = t.param(&depth).sequenced().finish();
        let t_region = Tokenizer::new("overlap").param(&t).finish();
        let nodes = (0..self.n_chunks())
            .map(|c| {
                let (off, shape) = self.grid.chunk(c);
                // The extended region in the padded arrays' coordinates, and what to
                // trim after.
                let (mut lo, mut ext, mut before) = (Vec::new(), Vec::new(), Vec::new());
                for d in 0..self.ndim() {
                    let (a, b) = if pad[d] {
                        (off[d], off[d] + shape[d] + 2 * depth[d])
                    } else {
                        (
                            off[d].saturating_sub(depth[d]),
                            (off[d] + shape[d] + depth[d]).min(self.shape()[d]),
                        )
                    };
                    lo.push(a);
                    ext.push(b - a);
                    before.push(if pad[d] { depth[d] } else { off[d] - a });
                }
                let n = padded.len() as u64;
                let regions = padded
                    .iter()
                    .zip(&inputs)
                    .enumerate()
                    .map(|(i, (p, input))| {
                        let key = Key::new("overlap", t_region, c as u64 * n + i as u64);
                        p.region_node(input, key, lo.clone(), ext.clone())
                    })
                    .collect();
                let f = Arc::clone(&f);
                let elements: usize = shape.iter().product();
                let mut node = Node::new(
                    Key::new("map_overlap", t, c as u64),
                    regions,
                    Box::new(move |v| {
                        let chunks: Vec<&ArrayD<T>> = v.iter().map(|x| chunk_of::<T>(x)).collect();
                        let out = f(&chunks);
                        if out.shape() != ext.as_slice() {
                            return Err(Error::invalid(format!(
                                "map_overlap's function returned shape {:?} for an extended chunk of shape {ext:?}",
                                out.shape()
                            )));
                        }
                        let info: Vec<SliceInfoElem> = (0..ext.len())
                            .map(|d| Slice::from(before[d]..before[d] + shape[d]).into())
                            .collect();
                        Ok(Arc::new(out.slice(info.as_slice()).to_owned()) as Value)
                    }),
                );
                node.bytes = (elements * U::DTYPE.size()) as u64;
                node.codec = Some(chunk_codec::<U>());
                Arc::new(node)
            })
            .collect();
        Ok(DArray::from_chunks(
            Arc::clone(&self.grid),
            t,
            "map_overlap",
            nodes,
        ))
    }

    /// This array with `w` elements added at both ends of `axis` by `boundary`.
    fn extend_edges(&self, axis: usize, w: usize, boundary: Boundary<T>) -> Result<DArray<T>> {
        let n = self.shape()[axis] as isize;
        let w_i = w as isize;
        let along = |start: isize, stop: Option<isize>, step: isize| {
            let mut index = vec![Idx::ALL; self.ndim()];
            index[axis] = Idx::Slice {
                start: Some(start),
                stop,
                step,
            };
            self.index(&index)
        };
        let (before, after) = match boundary {
            Boundary::Constant(v) => {
                let mut widths = vec![(0, 0); self.ndim()];
                widths[axis] = (w, w);
                return Ok(self.pad(&widths, v));
            }
            _ if n == 0 => {
                return Err(Error::invalid(format!(
                    "map_overlap cannot extend the empty axis {axis} by its own elements"
                )));
            }
            Boundary::Periodic if w_i <= n => (along(n - w_i, Some(n), 1), along(0, Some(w_i), 1)),
            // Backward to the start (a stop of None) or to just past n - 1 - w.
            Boundary::Reflect if w_i <= n => (
                along(w_i - 1, None, -1),
                along(n - 1, (n - 1 - w_i >= 0).then_some(n - 1 - w_i), -1),
            ),
            Boundary::Nearest => (
                along(0, Some(1), 1).repeat(w, axis),
                along(n - 1, Some(n), 1).repeat(w, axis),
            ),
            _ => {
                return Err(Error::invalid(format!(
                    "map_overlap: depth {w} is more than axis {axis}'s length {n}, which {boundary:?} needs",
                )));
            }
        };
        Ok(DArray::concatenate(&[before, self.clone(), after], axis))
    }

    /// `f` of the paired blocks of this array and `others` (as
    /// [`map_blocks_opts`](Self::map_blocks_opts) pairs them) and the block's position
    /// in the grid, as `map_blocks` with several arrays; `f` keeps the block's shape.
    ///
    /// ```
    /// use chunkwise::array::arange;
    /// let x = arange(0.0, 6.0, 1.0, [2]).unwrap();
    /// let y = arange(10.0, 16.0, 1.0, [3]).unwrap();
    /// let z = x.map_blocks_with(&[&y], |blocks, pos| {
    ///     &blocks[0] + &blocks[1] + pos[0] as f64 * 100.0
    /// });
    /// assert_eq!(z.chunks(), &[vec![2, 1, 1, 2]]);
    /// assert_eq!(z.compute().unwrap().into_raw_vec_and_offset().0,
    ///            vec![10.0, 12.0, 114.0, 216.0, 318.0, 320.0]);
    /// ```
    pub fn map_blocks_with<U, F>(&self, others: &[&DArray<T>], f: F) -> DArray<U>
    where
        U: Element,
        F: Fn(&[ArrayViewD<'_, T>], &[usize]) -> ArrayD<U> + Send + Sync + 'static,
    {
        self.try_map_blocks_opts(others, &super::BlockMap::new(), move |b, info| {
            Ok(f(b, &info.output.chunk_location))
        })
    }
}
