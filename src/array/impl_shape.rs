//! Shape operations: `concatenate` and `stack` (the inputs' chunk tasks reused, no
//! copy), `moveaxis`, `swapaxes`, `roll`, `repeat`, `tile`, `pad` (constant), and
//! `reshape`/`ravel`.

use std::sync::Arc;

use ndarray::{ArrayD, Axis, IxDyn};

use super::chunks::{Chunks, Grid, ravel};
use super::impl_blockwise::common_chunks;
use super::{DArray, Element, Idx};
use crate::graph::{Node, Tokenizer};
use crate::{Error, Result};

impl<T: Element> DArray<T> {
    /// Joins `arrays` along `axis` (`concatenate`): their shapes must agree on the
    /// other axes, where they are cut at every boundary any of them has. The chunks
    /// of the result are the inputs' own tasks.
    ///
    /// ```
    /// use chunkwise::array::{DArray, arange};
    /// let a = arange(0.0, 3.0, 1.0, [2]).unwrap();
    /// let b = arange(3.0, 5.0, 1.0, [1]).unwrap();
    /// let c = DArray::concatenate(&[a, b], 0);
    /// assert_eq!(c.chunks(), &[vec![2, 1, 1, 1]]);
    /// assert_eq!(c.compute().unwrap().into_raw_vec_and_offset().0, vec![0.0, 1.0, 2.0, 3.0, 4.0]);
    /// ```
    pub fn concatenate(arrays: &[DArray<T>], axis: usize) -> DArray<T> {
        match Self::try_concatenate(arrays, axis) {
            Ok(x) => x,
            Err(e) => {
                let grid = arrays.first().map_or_else(
                    || Arc::new(Grid::from_parts(vec![0], vec![vec![0]])),
                    |a| Arc::clone(&a.grid),
                );
                DArray::errored(grid, e)
            }
        }
    }

    fn try_concatenate(arrays: &[DArray<T>], axis: usize) -> Result<DArray<T>> {
        let first = arrays
            .first()
            .ok_or_else(|| Error::invalid("concatenate needs at least one array"))?;
        if let Some(e) = arrays.iter().find_map(|a| a.error.as_ref()) {
            return Err(Error::Shared(Arc::clone(e)));
        }
        let nd = first.ndim();
        if axis >= nd {
            return Err(Error::invalid(format!(
                "axis {axis} is out of range for arrays of {nd} dimensions"
            )));
        }
        for (i, a) in arrays.iter().enumerate() {
            let same =
                a.ndim() == nd && (0..nd).all(|d| d == axis || a.shape()[d] == first.shape()[d]);
            if !same {
                return Err(Error::invalid(format!(
                    "array {i} of shape {:?} does not join array 0 of shape {:?} along axis {axis}",
                    a.shape(),
                    first.shape()
                )));
            }
        }
        // The other axes cut at every boundary any input has.
        let mut common: Vec<Vec<usize>> = first.chunks().to_vec();
        for a in &arrays[1..] {
            for d in (0..nd).filter(|&d| d != axis) {
                common[d] = common_chunks(&common[d], &a.chunks()[d]);
            }
        }
        let parts: Vec<DArray<T>> = arrays
            .iter()
            .map(|a| {
                let mut c = common.clone();
                c[axis] = a.chunks()[axis].clone();
                a.rechunk_exact(c)
            })
            .collect();
        let mut grid = Grid::from_parts(first.shape().to_vec(), common);
        grid.set_axis(
            axis,
            parts
                .iter()
                .flat_map(|p| p.chunks()[axis].iter().copied())
                .collect(),
        );
        // Which input and which of its chunks each output chunk along `axis` is.
        let along: Vec<(usize, usize)> = parts
            .iter()
            .enumerate()
            .flat_map(|(i, p)| (0..p.chunks()[axis].len()).map(move |k| (i, k)))
            .collect();
        let nodes: Vec<Arc<Node>> = {
            let inputs: Vec<_> = parts.iter().map(|p| p.chunk_nodes()).collect();
            (0..grid.n_chunks())
                .map(|c| {
                    let mut pos = grid.position(c);
                    let (i, k) = along[pos[axis]];
                    pos[axis] = k;
                    Arc::clone(&inputs[i][ravel(&pos, &parts[i].grid.grid_shape())])
                })
                .collect()
        };
        let mut t = Tokenizer::new("concatenate").param(&axis);
        for p in &parts {
            t = t.param(&p.token());
        }
        Ok(DArray::from_chunks(
            Arc::new(grid),
            t.finish(),
            "concatenate",
            nodes,
        ))
    }

    /// Joins `arrays` along a new axis at `axis` (`stack`).
    pub fn stack(arrays: &[DArray<T>], axis: usize) -> DArray<T> {
        let expanded: Vec<DArray<T>> = arrays.iter().map(|a| a.expand_dims(axis)).collect();
        Self::concatenate(&expanded, axis)
    }

    /// Moves axis `from` to position `to`, the others keeping their order (`moveaxis`).
    pub fn moveaxis(&self, from: usize, to: usize) -> DArray<T> {
        if from >= self.ndim() || to >= self.ndim() {
            return self.failed(Error::invalid(format!(
                "moveaxis({from}, {to}) is out of range for an array of {} dimensions",
                self.ndim()
            )));
        }
        let mut perm: Vec<usize> = (0..self.ndim()).filter(|&d| d != from).collect();
        perm.insert(to, from);
        self.permute_axes(&perm)
    }

    /// Exchanges two axes (`swapaxes`).
    pub fn swapaxes(&self, a: usize, b: usize) -> DArray<T> {
        if a >= self.ndim() || b >= self.ndim() {
            return self.failed(Error::invalid(format!(
                "swapaxes({a}, {b}) is out of range for an array of {} dimensions",
                self.ndim()
            )));
        }
        let mut perm: Vec<usize> = (0..self.ndim()).collect();
        perm.swap(a, b);
        self.permute_axes(&perm)
    }

    /// The elements shifted by `shift` along `axis`, those past the end coming back
    /// at the start (`roll`).
    pub fn roll(&self, shift: isize, axis: usize) -> DArray<T> {
        if let Err(e) = self.grid.axis(axis) {
            return self.failed(e);
        }
        let n = self.shape()[axis] as isize;
        if n == 0 {
            return self.clone();
        }
        let s = shift.rem_euclid(n);
        if s == 0 {
            return self.clone();
        }
        let part = |start: isize, stop: isize| {
            let mut index = vec![Idx::ALL; self.ndim()];
            index[axis] = Idx::range(start, stop, 1);
            self.index(&index)
        };
        Self::concatenate(&[part(n - s, n), part(0, n - s)], axis)
    }

    /// Shifts along several axes at once, `shifts[i]` along `axes[i]`, or with no axes
    /// the flattened array shifted by the one shift and shaped back (`numpy.roll(x,
    /// shift, axis)` with a tuple or `None`). Shifts and axes in different numbers are
    /// an error, as in Dask.
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// let x = from_array(ndarray::arr2(&[[0, 1, 2], [3, 4, 5]]).into_dyn(), [1, 2]).unwrap();
    /// assert_eq!(x.roll_with(&[1], None).compute().unwrap(), ndarray::arr2(&[[5, 0, 1], [2, 3, 4]]).into_dyn());
    /// assert_eq!(x.roll_with(&[1, -1], Some(&[0, 1])).compute().unwrap(), ndarray::arr2(&[[4, 5, 3], [1, 2, 0]]).into_dyn());
    /// ```
    pub fn roll_with(&self, shifts: &[isize], axes: Option<&[usize]>) -> DArray<T> {
        match axes {
            None => match shifts {
                [s] => self.ravel().roll(*s, 0).reshape(self.shape()),
                _ => self.failed(Error::invalid(format!(
                    "roll: {} shifts for the flattened array (one is needed)",
                    shifts.len()
                ))),
            },
            Some(axes) if axes.len() != shifts.len() => self.failed(Error::invalid(format!(
                "roll: {} shifts for {} axes",
                shifts.len(),
                axes.len()
            ))),
            Some(axes) => axes
                .iter()
                .zip(shifts)
                .fold(self.clone(), |x, (&a, &s)| x.roll(s, a)),
        }
    }

    /// Each element repeated `n` times along `axis` (`repeat`).
    pub fn repeat(&self, n: usize, axis: usize) -> DArray<T> {
        if let Err(e) = self.grid.axis(axis) {
            return self.failed(e);
        }
        let mut grid = (*self.grid).clone();
        let repeated = grid.chunks()[axis].iter().map(|&c| c * n).collect();
        grid.set_axis(axis, repeated);
        let t = Tokenizer::new("repeat")
            .param(&self.token())
            .param(&n)
            .param(&axis)
            .finish();
        self.blockwise_to(Arc::new(grid), "repeat", t, move |a| {
            let idx: Vec<usize> = (0..a.shape()[axis])
                .flat_map(|i| std::iter::repeat_n(i, n))
                .collect();
            a.select(Axis(axis), &idx)
        })
    }

    /// The array repeated `reps[d]` times along each axis `d` (`tile`, numpy's rules:
    /// fewer reps than axes repeat the last axes; more reps add leading axes; a rep of
    /// 0 empties its axis).
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// let x = from_array(ndarray::arr2(&[[1.0, 2.0], [3.0, 4.0]]).into_dyn(), [1, 2]).unwrap();
    /// assert_eq!(x.tile(&[2]).shape(), &[2, 4]);
    /// assert_eq!(x.tile(&[2, 1, 1]).shape(), &[2, 2, 2]);
    /// assert_eq!(x.tile(&[0, 3]).shape(), &[0, 6]);
    /// ```
    pub fn tile(&self, reps: &[usize]) -> DArray<T> {
        let mut out = self.clone();
        while out.ndim() < reps.len() {
            out = out.expand_dims(0);
        }
        let skip = out.ndim() - reps.len();
        for (i, &r) in reps.iter().enumerate() {
            let d = skip + i;
            out = match r {
                1 => out,
                0 => {
                    let mut index = vec![Idx::ALL; out.ndim()];
                    index[d] = Idx::range(0, 0, 1);
                    out.index(&index)
                }
                r => Self::concatenate(&vec![out; r], d),
            };
        }
        out
    }

    /// `values` joined after this array along `axis` (`numpy.append` with an axis).
    pub fn append(&self, values: &DArray<T>, axis: usize) -> DArray<T> {
        Self::concatenate(&[self.clone(), values.clone()], axis)
    }

    /// The array without the positions `indices` along `axis` (`numpy.delete`;
    /// negative positions count from the end, repeats count once).
    ///
    /// ```
    /// let x = chunkwise::array::arange(0.0, 6.0, 1.0, [4]).unwrap();
    /// let y = x.delete(&[1, -1, 1], 0).compute().unwrap();
    /// assert_eq!(y.into_raw_vec_and_offset().0, vec![0.0, 2.0, 3.0, 4.0]);
    /// ```
    pub fn delete(&self, indices: &[isize], axis: usize) -> DArray<T> {
        let d = match self.grid.axis(axis) {
            Ok(d) => d,
            Err(e) => return self.failed(e),
        };
        let n = self.shape()[d] as isize;
        let mut gone = vec![false; n as usize];
        for &i in indices {
            let j = if i < 0 { i + n } else { i };
            if !(0..n).contains(&j) {
                return self.failed(Error::invalid(format!(
                    "delete: index {i} is out of bounds for axis {d} with size {n}"
                )));
            }
            gone[j as usize] = true;
        }
        let keep: Vec<isize> = (0..n).filter(|&j| !gone[j as usize]).collect();
        self.take(&keep, d)
    }

    /// `values` inserted before position `at` along `axis` (`numpy.insert` of a block:
    /// `values` has this array's shape but along `axis`).
    ///
    /// ```
    /// use chunkwise::array::{arange, full};
    /// let x = arange(0.0, 4.0, 1.0, [3]).unwrap();
    /// let y = x.insert(1, &full(&[2], -1.0, [2]).unwrap(), 0).compute().unwrap();
    /// assert_eq!(y.into_raw_vec_and_offset().0, vec![0.0, -1.0, -1.0, 1.0, 2.0, 3.0]);
    /// ```
    pub fn insert(&self, at: usize, values: &DArray<T>, axis: usize) -> DArray<T> {
        let d = match self.grid.axis(axis) {
            Ok(d) => d,
            Err(e) => return self.failed(e),
        };
        let n = self.shape()[d];
        if at > n {
            return self.failed(Error::invalid(format!(
                "insert: position {at} is out of bounds for axis {d} with size {n}"
            )));
        }
        let part = |a: usize, b: usize| {
            let mut index = vec![Idx::ALL; self.ndim()];
            index[d] = Idx::range(a as isize, b as isize, 1);
            self.index(&index)
        };
        let mut parts = Vec::new();
        if at > 0 {
            parts.push(part(0, at));
        }
        parts.push(values.clone());
        if at < n {
            parts.push(part(at, n));
        }
        Self::concatenate(&parts, d)
    }

    /// Slices of `values` inserted along `axis` before each of `positions`, the i-th
    /// slice before the i-th position (`numpy.insert(x, [p, ...], values, axis)`):
    /// `values` has this array's shape but `positions.len()` along `axis`. Negative
    /// positions count from the end; positions out of order are an error, as in Dask.
    ///
    /// ```
    /// use chunkwise::array::{arange, full};
    /// let x = arange(0.0, 4.0, 1.0, [3]).unwrap();
    /// let v = arange(10.0, 13.0, 1.0, [2]).unwrap();
    /// let y = x.insert_many(&[1, 1, -1], &v, 0).compute().unwrap();
    /// assert_eq!(y.into_raw_vec_and_offset().0, vec![0.0, 10.0, 11.0, 1.0, 2.0, 12.0, 3.0]);
    /// ```
    pub fn insert_many(&self, positions: &[isize], values: &DArray<T>, axis: usize) -> DArray<T> {
        let d = match self.grid.axis(axis) {
            Ok(d) => d,
            Err(e) => return self.failed(e),
        };
        let n = self.shape()[d] as isize;
        let mut at = Vec::with_capacity(positions.len());
        for &p in positions {
            let q = if p < 0 { p + n } else { p };
            if !(0..=n).contains(&q) {
                return self.failed(Error::invalid(format!(
                    "insert: position {p} is out of bounds for axis {d} with size {n}"
                )));
            }
            at.push(q as usize);
        }
        if at.windows(2).any(|w| w[1] < w[0]) {
            return self.failed(Error::invalid(format!(
                "insert: positions {positions:?} are not in increasing order (Dask does not \
                 support it either)"
            )));
        }
        let mut want = self.shape().to_vec();
        want[d] = at.len();
        if values.shape() != want.as_slice() {
            return self.failed(Error::invalid(format!(
                "insert: values of shape {:?} for {} positions along axis {d} of an array of shape {:?} (want {want:?})",
                values.shape(),
                at.len(),
                self.shape()
            )));
        }
        let cut = |x: &DArray<T>, a: usize, b: usize| {
            let mut index = vec![Idx::ALL; x.ndim()];
            index[d] = Idx::range(a as isize, b as isize, 1);
            x.index(&index)
        };
        // This array's stretches between the positions, each followed by the values
        // inserted at its end.
        let mut parts = Vec::new();
        let (mut from, mut i) = (0, 0);
        while i < at.len() {
            let p = at[i];
            let run = at[i..].iter().take_while(|&&q| q == p).count();
            if p > from {
                parts.push(cut(self, from, p));
            }
            parts.push(cut(values, i, i + run));
            from = p;
            i += run;
        }
        if (from as isize) < n || parts.is_empty() {
            parts.push(cut(self, from, n as usize));
        }
        Self::concatenate(&parts, d)
    }

    /// `before` and `after` elements of `value` added along each axis (`pad` with
    /// `mode="constant"`); missing axes are not padded. Other modes: [`DArray::pad_with`].
    pub fn pad(&self, widths: &[(usize, usize)], value: T) -> DArray<T> {
        self.pad_with(widths, PadMode::Constant(value))
    }

    /// `before` and `after` elements added along each axis, filled as `mode` says
    /// (numpy's and Dask's `pad`); missing axes are not padded. Axes are padded in
    /// order, each over the array padded so far, as numpy does; widths larger than
    /// the axis repeat the pattern (`Reflect`, `Symmetric`, `Wrap`) as numpy's do.
    ///
    /// ```
    /// use chunkwise::array::{PadMode, arange};
    /// let x = arange(1.0, 4.0, 1.0, [2]).unwrap();
    /// let r = x.pad_with(&[(2, 3)], PadMode::Reflect).compute().unwrap();
    /// assert_eq!(r.into_raw_vec_and_offset().0, vec![3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0, 2.0]);
    /// let e = x.pad_with(&[(1, 1)], PadMode::Edge).compute().unwrap();
    /// assert_eq!(e.into_raw_vec_and_offset().0, vec![1.0, 1.0, 2.0, 3.0, 3.0]);
    /// ```
    pub fn pad_with(&self, widths: &[(usize, usize)], mode: PadMode<T>) -> DArray<T> {
        match self.try_pad(widths, mode) {
            Ok(x) => x,
            Err(e) => self.failed(e),
        }
    }

    fn try_pad(&self, widths: &[(usize, usize)], mode: PadMode<T>) -> Result<DArray<T>> {
        if widths.len() > self.ndim() {
            return Err(Error::invalid(format!(
                "{} pad widths for an array of {} dimensions",
                widths.len(),
                self.ndim()
            )));
        }
        if let PadMode::Func(f) = &mode {
            return Ok(self.pad_func(widths, f));
        }
        let mut out = self.clone();
        for (d, &(before, after)) in widths.iter().enumerate() {
            if before == 0 && after == 0 {
                continue;
            }
            let n = out.shape()[d];
            let constant = matches!(
                mode,
                PadMode::Constant(_) | PadMode::ConstantSides(_) | PadMode::Empty
            );
            if n == 0 && !constant {
                return Err(Error::invalid(format!(
                    "pad: cannot extend the empty axis {d} with {mode:?}; only a constant"
                )));
            }
            // `w` copies of `value` along the axis, chunked as the axis is (Dask's
            // guard against one huge pad chunk).
            let fill = |w: usize, value: T| -> Result<DArray<T>> {
                let mut shape = out.shape().to_vec();
                shape[d] = w;
                let mut chunks = out.chunks().to_vec();
                let widest = chunks[d].iter().copied().max().unwrap_or(w).max(1);
                chunks[d] = super::chunks::split(w, widest);
                super::full(&shape, value, chunks)
            };
            // The first `k` (or last `k`) elements along the axis.
            let ends = |k: usize, first: bool| {
                let k = k.clamp(1, n) as isize;
                let mut index = vec![Idx::ALL; out.ndim()];
                index[d] = if first {
                    Idx::range(0, k, 1)
                } else {
                    Idx::range(n as isize - k, n as isize, 1)
                };
                out.index(&index)
            };
            let stat = |s: PadStat, x: &DArray<T>| -> DArray<T> {
                match s {
                    PadStat::Maximum => x.max(d),
                    PadStat::Minimum => x.min(d),
                    PadStat::Mean => {
                        let m = x.mean(d);
                        if T::DTYPE.is_float() {
                            m.astype()
                        } else {
                            m.round().astype()
                        }
                    }
                }
            };
            // The added elements on one side: `w` of them, the first at position
            // `from` of the padded axis (negative before the array, n or more after).
            let side = |w: usize, from: isize| -> Result<DArray<T>> {
                let first = from < 0;
                let positions = || (from..from + w as isize).map(|j| source(&mode, j, n));
                let pick = |v: (T, T)| if first { v.0 } else { v.1 };
                Ok(match &mode {
                    PadMode::Constant(value) => fill(w, *value)?,
                    PadMode::Empty => fill(w, T::default())?,
                    PadMode::ConstantSides(v) => {
                        let v = per_axis(v, d)
                            .ok_or_else(|| Error::invalid("pad: no constant values"))?;
                        fill(w, pick(v))?
                    }
                    PadMode::Maximum => out.max(d).expand_dims(d).repeat(w, d),
                    PadMode::Minimum => out.min(d).expand_dims(d).repeat(w, d),
                    PadMode::Mean => stat(PadStat::Mean, &out).expand_dims(d).repeat(w, d),
                    PadMode::Stat(s, lengths) => {
                        let l = per_axis(lengths, d)
                            .ok_or_else(|| Error::invalid("pad: no stat_length"))?;
                        let k = if first { l.0 } else { l.1 };
                        if k == 0 {
                            return Err(Error::invalid(format!(
                                "pad: a stat_length of 0 (axis {d}) gives no value to pad with"
                            )));
                        }
                        stat(*s, &ends(k, first)).expand_dims(d).repeat(w, d)
                    }
                    PadMode::LinearRamp(v) => {
                        let end = pick(per_axis(v, d).unwrap_or((T::default(), T::default())));
                        self.ramp(&ends(1, first), d, w, end, first)
                    }
                    _ => out.take(&positions().collect::<Vec<_>>(), d),
                })
            };
            let mut parts = Vec::new();
            if before > 0 {
                parts.push(side(before, -(before as isize))?);
            }
            parts.push(out.clone());
            if after > 0 {
                parts.push(side(after, n as isize)?);
            }
            out = Self::concatenate(&parts, d);
        }
        Ok(out)
    }

    /// numpy's linear ramp of `w` elements along `d` from `end` toward the edge slice
    /// `edge` (length 1 along `d`), stopping one step short of it; the ramp after the
    /// array is the same reversed. Integers are rounded down, as numpy 2's `linspace`.
    fn ramp(&self, edge: &DArray<T>, d: usize, w: usize, end: T, before: bool) -> DArray<T> {
        let mut chunks = edge.chunks().to_vec();
        chunks[d] = vec![w];
        let float = T::DTYPE.is_float();
        edge.map_blocks_opts(&[], &super::BlockMap::new().chunks(chunks), move |b, _| {
            let e = &b[0];
            let mut shape = e.shape().to_vec();
            shape[d] = w;
            ArrayD::from_shape_fn(IxDyn(&shape), |ix| {
                let mut at = ix.clone();
                at[d] = 0;
                let (lo, hi) = (end.to_f64(), e[&at].to_f64());
                let k = if before { ix[d] } else { w - 1 - ix[d] };
                let v = lo + (hi - lo) * k as f64 / w as f64;
                T::from_f64(if float { v } else { v.floor() })
            })
        })
    }

    /// numpy's callable `mode`: zeros added, then `f` over every lane along each
    /// padded axis in turn (the axis whole in one chunk for it).
    fn pad_func(&self, widths: &[(usize, usize)], f: &PadFn<T>) -> DArray<T> {
        let mut out = self.pad_with(widths, PadMode::Constant(T::default()));
        for (d, &w) in widths.iter().enumerate() {
            let mut whole = out.chunks().to_vec();
            whole[d] = vec![out.shape()[d]];
            let f = std::sync::Arc::clone(f);
            out = out.rechunk(Chunks::Explicit(whole)).map_blocks(move |b| {
                let mut b = b.clone();
                for mut lane in b.lanes_mut(Axis(d)) {
                    let mut v: Vec<T> = lane.iter().copied().collect();
                    f(&mut v, w, d);
                    for (o, x) in lane.iter_mut().zip(v) {
                        *o = x;
                    }
                }
                b
            });
        }
        out
    }

    /// The elements in row-major order as `shape` (`reshape`; one `usize::MAX` entry
    /// stands for what the others leave, as numpy's -1).
    ///
    /// Each output chunk must be a run of whole rows of both shapes: the input is cut
    /// along its first axis into runs whose length is a multiple of both row lengths
    /// (the other axes whole), so a chunk reshapes on its own. Arrays whose rows are
    /// large and of coprime lengths make large chunks.
    ///
    /// ```
    /// let x = chunkwise::array::arange(0.0, 24.0, 1.0, [5]).unwrap();
    /// let m = x.reshape(&[4, usize::MAX]);
    /// assert_eq!(m.shape(), &[4, 6]);
    /// assert_eq!(m.compute().unwrap()[[2, 1]], 13.0);
    /// assert_eq!(m.ravel().compute().unwrap(), x.compute().unwrap());
    /// ```
    pub fn reshape(&self, shape: &[usize]) -> DArray<T> {
        match self.try_reshape(shape) {
            Ok(x) => x,
            Err(e) => self.failed(e),
        }
    }

    /// The elements in row-major order in one dimension (`ravel`).
    pub fn ravel(&self) -> DArray<T> {
        self.reshape(&[usize::MAX])
    }

    fn try_reshape(&self, shape: &[usize]) -> Result<DArray<T>> {
        let total = self.len();
        let mut shape = shape.to_vec();
        let unknown: Vec<usize> = (0..shape.len())
            .filter(|&d| shape[d] == usize::MAX)
            .collect();
        let known: usize = shape.iter().filter(|&&n| n != usize::MAX).product();
        match unknown.as_slice() {
            [] => {}
            [d] if known > 0 && total.is_multiple_of(known) => shape[*d] = total / known,
            _ => {
                return Err(Error::invalid(format!(
                    "cannot reshape an array of shape {:?} into {shape:?}",
                    self.shape()
                )));
            }
        }
        if shape.iter().product::<usize>() != total {
            return Err(Error::invalid(format!(
                "cannot reshape an array of {total} elements (shape {:?}) into {shape:?}",
                self.shape()
            )));
        }
        if shape == self.shape() {
            return Ok(self.clone());
        }
        if total == 0 || self.ndim() == 0 || shape.is_empty() {
            // Nothing to cut: one chunk.
            let whole = self.rechunk_exact(self.shape().iter().map(|&n| vec![n]).collect());
            let grid = Grid::from_parts(shape.clone(), shape.iter().map(|&n| vec![n]).collect());
            return Ok(whole.reshape_chunks(grid, &shape));
        }
        let row_in: usize = self.shape()[1..].iter().product();
        let row_out: usize = shape[1..].iter().product();
        let unit = lcm(row_in.max(1), row_out.max(1));
        // Input rows per chunk: a multiple of unit / row_in near the current first-axis
        // chunk length.
        let step = unit / row_in.max(1);
        let want = self.chunks()[0].iter().copied().max().unwrap_or(1).max(1);
        let per = want.div_ceil(step).max(1) * step;
        let n0 = self.shape()[0];
        let mut cuts = Vec::new();
        let mut left = n0;
        while left > 0 {
            cuts.push(per.min(left));
            left -= per.min(left);
        }
        let mut chunks_in: Vec<Vec<usize>> = self.shape().iter().map(|&n| vec![n]).collect();
        chunks_in[0] = cuts.clone();
        let src = self.rechunk_exact(chunks_in);
        let mut chunks_out: Vec<Vec<usize>> = shape.iter().map(|&n| vec![n]).collect();
        chunks_out[0] = cuts.iter().map(|&c| c * row_in / row_out.max(1)).collect();
        Ok(src.reshape_chunks(Grid::from_parts(shape.clone(), chunks_out), &shape))
    }

    /// Each chunk reshaped (row-major) to the matching chunk of `grid`, which cuts
    /// only its first axis (the chunk grids have the same number of chunks).
    fn reshape_chunks(&self, grid: Grid, shape: &[usize]) -> DArray<T> {
        let t = Tokenizer::new("reshape")
            .param(&self.token())
            .param(shape)
            .param(&grid)
            .finish();
        let shape = shape.to_vec();
        let rest: usize = shape.iter().skip(1).product();
        self.blockwise_to(Arc::new(grid), "reshape", t, move |a| {
            let mut s = shape.clone();
            if !s.is_empty() && rest > 0 {
                s[0] = a.len() / rest;
            }
            // A mismatch is reported by `blockwise_to`, naming the task.
            ArrayD::from_shape_vec(IxDyn(&s), a.iter().copied().collect())
                .unwrap_or_else(|_| ArrayD::default(IxDyn(&[0])))
        })
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn lcm(a: usize, b: usize) -> usize {
    a / gcd(a, b) * b
}

/// How [`DArray::pad_with`] fills what it adds (numpy's `mode`). Where a variant
/// holds one entry per axis, an axis past the last entry takes the last (numpy's
/// `((1, 2),)` for every axis).
#[derive(Clone)]
pub enum PadMode<T> {
    /// One value (`"constant"`).
    Constant(T),
    /// A value per axis and side, `(before, after)` (`constant_values=((1, 2), ...)`).
    ConstantSides(Vec<(T, T)>),
    /// The first or last element repeated (`"edge"`).
    Edge,
    /// The mirror image without the edge element (`"reflect"`: `3 2 | 1 2 3 | 2 1`).
    Reflect,
    /// The mirror image with the edge element (`"symmetric"`: `2 1 | 1 2 3 | 3 2`).
    Symmetric,
    /// The other end of the axis (`"wrap"`: `2 3 | 1 2 3 | 1 2`).
    Wrap,
    /// The largest element along the axis (`"maximum"`).
    Maximum,
    /// The smallest element along the axis (`"minimum"`).
    Minimum,
    /// The mean along the axis (`"mean"`; rounded half to even for integers).
    Mean,
    /// The largest, smallest or mean of the first `before` (last `after`) elements
    /// along each axis, per side (`stat_length=`).
    Stat(PadStat, Vec<(usize, usize)>),
    /// A straight line from the end value at the outer edge to the array's edge
    /// element, per axis and side (`"linear_ramp"`, `end_values=`; the ramp stops one
    /// step short of the edge element, as numpy's).
    LinearRamp(Vec<(T, T)>),
    /// Left unspecified by numpy (`"empty"`); here zeros.
    Empty,
    /// A function of each lane along each axis in turn, the padded array so far
    /// (zeros where not yet written): it gets the lane, the axis's `(before, after)`
    /// widths and the axis, and fills the padded ends (numpy's callable `mode`).
    Func(PadFn<T>),
}

/// A user's padding function, for [`PadMode::Func`].
pub type PadFn<T> = std::sync::Arc<dyn Fn(&mut [T], (usize, usize), usize) + Send + Sync>;

/// The statistic of [`PadMode::Stat`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PadStat {
    /// `"maximum"`.
    Maximum,
    /// `"minimum"`.
    Minimum,
    /// `"mean"`.
    Mean,
}

impl<T: std::fmt::Debug> std::fmt::Debug for PadMode<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PadMode::Constant(v) => f.debug_tuple("Constant").field(v).finish(),
            PadMode::ConstantSides(v) => f.debug_tuple("ConstantSides").field(v).finish(),
            PadMode::Edge => f.write_str("Edge"),
            PadMode::Reflect => f.write_str("Reflect"),
            PadMode::Symmetric => f.write_str("Symmetric"),
            PadMode::Wrap => f.write_str("Wrap"),
            PadMode::Maximum => f.write_str("Maximum"),
            PadMode::Minimum => f.write_str("Minimum"),
            PadMode::Mean => f.write_str("Mean"),
            PadMode::Stat(s, l) => f.debug_tuple("Stat").field(s).field(l).finish(),
            PadMode::LinearRamp(v) => f.debug_tuple("LinearRamp").field(v).finish(),
            PadMode::Empty => f.write_str("Empty"),
            PadMode::Func(_) => f.write_str("Func(..)"),
        }
    }
}

/// Entry `d` of a per-axis list, the last standing for the axes past it.
fn per_axis<V: Copy>(v: &[V], d: usize) -> Option<V> {
    v.get(d).or(v.last()).copied()
}

/// The position of an axis of length `n > 0` that `mode` copies into position `j`
/// of the padded axis (`j < 0` before the array, `j >= n` after it).
fn source<T>(mode: &PadMode<T>, j: isize, n: usize) -> isize {
    let n = n as isize;
    match mode {
        PadMode::Reflect if n == 1 => 0,
        PadMode::Reflect => {
            let m = j.rem_euclid(2 * (n - 1));
            if m >= n { 2 * (n - 1) - m } else { m }
        }
        PadMode::Symmetric => {
            let m = j.rem_euclid(2 * n);
            if m >= n { 2 * n - 1 - m } else { m }
        }
        PadMode::Wrap => j.rem_euclid(n),
        _ => j.clamp(0, n - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::{PadMode, source};

    fn padded(mode: PadMode<f64>, before: isize, n: usize, after: isize) -> Vec<isize> {
        (-before..n as isize + after)
            .map(|j| source(&mode, j, n))
            .collect()
    }

    #[test]
    fn pad_positions_are_numpys() {
        // np.pad(np.arange(3), (5, 4), mode) as positions.
        assert_eq!(
            padded(PadMode::Reflect, 5, 3, 4),
            [1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2]
        );
        assert_eq!(
            padded(PadMode::Symmetric, 7, 3, 7),
            [0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2]
        );
        assert_eq!(
            padded(PadMode::Wrap, 7, 3, 7),
            [2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0]
        );
        assert_eq!(padded(PadMode::Reflect, 2, 1, 2), [0; 5]);
        assert_eq!(padded(PadMode::Edge, 2, 3, 1), [0, 0, 0, 1, 2, 2]);
    }
}
