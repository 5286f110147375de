//! `store` into targets: an array in memory, or an existing Zarr array, written block
//! by block at a region (Dask's `da.store(sources, targets, regions=)` and
//! `to_zarr(z, region=)`).
//!
//! A region is numpy's index of the target (`target[region] = x`): slices with steps,
//! integers (dropping the axis), an ellipsis and one list of positions. It is resolved
//! once into the target positions of every index of `x`, axis by axis; each block's
//! task writes its part of them. A target with a storage grid (Zarr chunks or shards)
//! has `x` rechunked at that grid's boundaries first, so no two tasks write one stored
//! chunk (Dask rechunks to the shards for the same reason).

use std::sync::{Arc, Mutex};

use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn, Slice};

use super::expr::chunk_codec;
use super::impl_index::resolve_entry;
use super::impl_store::PendingWrite;
use super::impl_vindex::expand_entries;
use super::{Chunks, DArray, Element, Idx, VIdx};
use crate::graph::{Key, Node, Value};
use crate::{Error, Result};

/// Where [`DArray::store_into`] writes: something holding an array of `T` that takes
/// blocks at target positions. Tasks write at once, each at positions no other task
/// writes.
pub trait Target<T: Element>: Send + Sync {
    /// The target's shape.
    fn shape(&self) -> Vec<usize>;

    /// Writes `block` at `at`: along each axis of the target, the positions of the
    /// block's indices along it (as many as the block's length there).
    fn write(&self, at: &[&[usize]], block: ArrayViewD<'_, T>) -> Result<()>;

    /// Reads back what is at `at` (for [`DArray::stored_into`]).
    fn read(&self, at: &[&[usize]]) -> Result<ArrayD<T>>;

    /// The target's storage grid, a block size per axis: writes are cut at its
    /// boundaries so that no two tasks write one stored chunk. `None`: any cut will do.
    fn grid(&self) -> Option<Vec<usize>> {
        None
    }

    /// Called by [`store`](super::store) before any block of a write is written, and
    /// [`finished`](Self::finished) after the last one was: a target that outlives the
    /// process (a store on disk) marks itself as being written in between, so a write
    /// cut short (the process killed, a task failed) is found out when it is read
    /// rather than read as a mix of old and new blocks.
    fn begin(&self) -> Result<()> {
        Ok(())
    }

    /// Called by [`store`](super::store) once every block of a write is written.
    fn finished(&self) -> Result<()> {
        Ok(())
    }
}

/// `Some((start, step))` where the positions are `start, start + step, ...` with a
/// step of at least 1 (one position has step 1).
fn progression(p: &[usize]) -> Option<(usize, usize)> {
    match p {
        [] => Some((0, 1)),
        [a] => Some((*a, 1)),
        [a, b, ..] if b > a => {
            let step = b - a;
            p.windows(2)
                .all(|w| w[1] == w[0] + step)
                .then_some((*a, step))
        }
        _ => None,
    }
}

/// Writes `block` into `a` at `at` (per axis, the positions of the block's indices,
/// as many as its length there), in the block's order: where positions repeat, the
/// last write wins, as numpy's `a[idx] = v`.
pub(super) fn write_at<T: Element>(a: &mut ArrayD<T>, at: &[&[usize]], block: ArrayViewD<'_, T>) {
    if block.is_empty() {
        return;
    }
    let steps: Option<Vec<(usize, usize)>> = at.iter().map(|p| progression(p)).collect();
    match steps {
        Some(steps) => {
            let mut view = a.view_mut();
            for (d, (&(start, step), p)) in steps.iter().zip(at).enumerate() {
                let end = start + step * (p.len() - 1) + 1;
                view.slice_axis_inplace(
                    Axis(d),
                    Slice::new(start as isize, Some(end as isize), step as isize),
                );
            }
            view.assign(&block);
        }
        None => {
            let mut idx = vec![0; at.len()];
            for (i, v) in block.indexed_iter() {
                for (d, p) in at.iter().enumerate() {
                    idx[d] = p[i[d]];
                }
                a[IxDyn(&idx)] = *v;
            }
        }
    }
}

/// An array in memory as a target (numpy's `at` in `da.store(x, at)`): the caller keeps
/// the `Arc` and reads the array once the store is computed. Each write holds the lock
/// for its block only.
impl<T: Element> Target<T> for Mutex<ArrayD<T>> {
    fn shape(&self) -> Vec<usize> {
        self.lock()
            .unwrap_or_else(|p| p.into_inner())
            .shape()
            .to_vec()
    }

    fn write(&self, at: &[&[usize]], block: ArrayViewD<'_, T>) -> Result<()> {
        // A write that panicked left its block half written; the others are whole, and
        // this one writes positions of its own, so the lock is taken back.
        let mut a = self.lock().unwrap_or_else(|p| p.into_inner());
        write_at(&mut a, at, block);
        Ok(())
    }

    fn read(&self, at: &[&[usize]]) -> Result<ArrayD<T>> {
        let a = self.lock().unwrap_or_else(|p| p.into_inner());
        let shape: Vec<usize> = at.iter().map(|p| p.len()).collect();
        let mut idx = vec![0; at.len()];
        Ok(ArrayD::from_shape_fn(IxDyn(&shape), |i| {
            for (d, p) in at.iter().enumerate() {
                idx[d] = p[i[d]];
            }
            a[IxDyn(&idx)]
        }))
    }
}

/// A region resolved against a target: the target positions along every target axis,
/// and which target axes an integer entry dropped (absent from the source).
#[derive(Debug)]
pub(crate) struct Region {
    pub(crate) positions: Vec<Vec<usize>>,
    pub(crate) dropped: Vec<bool>,
}

impl Region {
    /// Resolves numpy's `target[region]` for a target of `shape`: slices (steps,
    /// negative and clamped bounds), integers, an ellipsis, one list of positions.
    pub(crate) fn resolve(region: &[VIdx], shape: &[usize]) -> Result<Region> {
        Region::resolve_as(region, shape, "store")
    }

    /// As [`resolve`](Self::resolve), errors naming the operation `what`.
    pub(crate) fn resolve_as(region: &[VIdx], shape: &[usize], what: &str) -> Result<Region> {
        let lists = region
            .iter()
            .filter(|e| matches!(e, VIdx::Points(_)))
            .count();
        if lists > 1 {
            return Err(Error::invalid(format!(
                "{what}: a region takes one list of positions at most (several broadcast together as points)"
            )));
        }
        let full = expand_entries(region, shape.len(), &format!("{what}: a region"))?;
        // numpy moves the axis of a list and integers apart from it to the front;
        // chunkwise keeps it in place, so such a region is refused, not misread.
        let advanced: Vec<usize> = full
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(e, VIdx::Points(_) | VIdx::Basic(Idx::At(_))))
            .map(|(d, _)| d)
            .collect();
        if lists == 1
            && let (Some(&lo), Some(&hi)) = (advanced.first(), advanced.last())
            && hi - lo + 1 != advanced.len()
        {
            return Err(Error::invalid(format!(
                "{what}: region {region:?} has a list and integers with a slice between them (numpy would move their axis to the front); write it in two steps or with the slice first"
            )));
        }
        let mut positions = Vec::with_capacity(shape.len());
        let mut dropped = Vec::with_capacity(shape.len());
        for (d, (e, &n)) in full.iter().zip(shape).enumerate() {
            match e {
                VIdx::Points(p) => {
                    if p.ndim() != 1 {
                        return Err(Error::invalid(format!(
                            "{what}: the list of positions for axis {d} has {} dimensions, not 1",
                            p.ndim()
                        )));
                    }
                    let mut out = Vec::with_capacity(p.len());
                    for &i in p {
                        let at = if i < 0 { i + n as i64 } else { i };
                        if at < 0 || at >= n as i64 {
                            return Err(Error::invalid(format!(
                                "{what}: position {i} is out of bounds for axis {d} of the target, of length {n}"
                            )));
                        }
                        out.push(at as usize);
                    }
                    positions.push(out);
                    dropped.push(false);
                }
                VIdx::Basic(b) => {
                    let (first, step, count) = resolve_entry(*b, d, n)?;
                    positions.push(
                        (0..count)
                            .map(|i| (first + step * i as isize) as usize)
                            .collect(),
                    );
                    dropped.push(matches!(b, Idx::At(_)));
                }
            }
        }
        Ok(Region { positions, dropped })
    }

    /// The shape a source must have: the positions' counts, dropped axes left out.
    pub(crate) fn source_shape(&self) -> Vec<usize> {
        self.positions
            .iter()
            .zip(&self.dropped)
            .filter(|(_, d)| !**d)
            .map(|(p, _)| p.len())
            .collect()
    }

    /// The target positions of a source block at `offset` of `shape`, one slice per
    /// target axis.
    fn block<'a>(&'a self, offset: &[usize], shape: &[usize]) -> Vec<&'a [usize]> {
        let mut k = 0;
        self.positions
            .iter()
            .zip(&self.dropped)
            .map(|(p, &dropped)| {
                if dropped {
                    &p[..]
                } else {
                    let s = &p[offset[k]..offset[k] + shape[k]];
                    k += 1;
                    s
                }
            })
            .collect()
    }

    /// A source block with the dropped axes put back as axes of length 1.
    fn expand<'a, T>(&self, block: ArrayViewD<'a, T>) -> ArrayViewD<'a, T> {
        let mut b = block;
        for (d, &dropped) in self.dropped.iter().enumerate() {
            if dropped {
                b.insert_axis_inplace(Axis(d));
            }
        }
        b
    }

    /// Chunk sizes along each source axis that cut it wherever the target's storage
    /// grid `g` has a boundary inside the region (positions contiguous there), or
    /// `None` where the source's own cuts already fall on such boundaries.
    fn aligned(&self, g: &[usize], chunks: &[Vec<usize>]) -> Result<Option<Vec<Vec<usize>>>> {
        let mut out = Vec::new();
        let mut changed = false;
        let kept = self
            .positions
            .iter()
            .zip(&self.dropped)
            .zip(g)
            .filter(|((_, d), _)| !**d)
            .map(|((p, _), &g)| (p, g));
        for ((p, g), c) in kept.zip(chunks) {
            let (start, step) = progression(p).unwrap_or((0, 0));
            if step != 1 && p.len() > 1 {
                return Err(Error::invalid(
                    "store: a target stored in chunks takes a region of contiguous slices (step 1, no list)",
                ));
            }
            let g = g.max(1);
            let cuts = |i: usize| (start + i).is_multiple_of(g);
            let mut at = 0;
            let own_ok = c.iter().take(c.len().saturating_sub(1)).all(|&n| {
                at += n;
                cuts(at)
            });
            if own_ok {
                out.push(c.clone());
                continue;
            }
            changed = true;
            let mut sizes = Vec::new();
            let mut i = 0;
            while i < p.len() {
                let n = (g - (start + i) % g).min(p.len() - i);
                sizes.push(n);
                i += n;
            }
            out.push(sizes);
        }
        Ok(changed.then_some(out))
    }
}

impl<T: Element> DArray<T> {
    /// Writes this array into `target` at `region` (numpy's `target[region] = x`;
    /// `&[VIdx::ALL]` or `&[]` for the whole target) as a lazy write: compute it with
    /// [`store`](super::store), several at once, or [`PendingWrite::commit`]. Dask's
    /// `da.store(x, target, regions=region, compute=False)`.
    ///
    /// The region must select exactly this array's shape; a target stored in chunks
    /// (a Zarr array) takes contiguous slices only, and this array is cut at its
    /// chunk boundaries first.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use chunkwise::array::{VIdx, Idx, ones, store};
    /// use ndarray::{ArrayD, IxDyn};
    /// let at = Arc::new(Mutex::new(ArrayD::<f64>::zeros(IxDyn(&[4, 6]))));
    /// let x = ones(&[2, 3], [1, 2]).unwrap();
    /// let region = [VIdx::Basic(Idx::range(0, 4, 2)), VIdx::from(vec![1, 2, 4])];
    /// store(vec![x.store_into(at.clone(), &region).unwrap()]).unwrap();
    /// let a = at.lock().unwrap();
    /// assert_eq!(a.sum(), 6.0);
    /// assert_eq!(a[[2, 4]], 1.0);
    /// assert_eq!(a[[1, 4]], 0.0);
    /// ```
    pub fn store_into<G: Target<T> + 'static>(
        &self,
        target: Arc<G>,
        region: &[VIdx],
    ) -> Result<PendingWrite> {
        Ok(self.store_parts(target, region)?.2)
    }

    /// The array as cut for `target`, the region resolved once, and the write.
    fn store_parts<G: Target<T> + 'static>(
        &self,
        target: Arc<G>,
        region: &[VIdx],
    ) -> Result<(DArray<T>, Arc<Region>, PendingWrite)> {
        let (x, region) = self.for_target(target.as_ref(), region)?;
        let region = Arc::new(region);
        let r = Arc::clone(&region);
        let (t1, t2) = (Arc::clone(&target), Arc::clone(&target));
        let marks = super::impl_store::Marks {
            begin: Box::new(move || t1.begin()),
            finished: Box::new(move || t2.finished()),
        };
        let write = PendingWrite::in_place(&x, "store", move |offset, shape, chunk| {
            let at = r.block(offset, shape);
            target.write(&at, r.expand(chunk.view()))
        })?
        .marked(marks);
        Ok((x, region, write))
    }

    /// As [`store_into`](Self::store_into), as the array stored: computing it (or any
    /// part of it) writes its blocks, then reads each back from the target (Dask's
    /// `store(..., return_stored=True, compute=False)`).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use chunkwise::array::{VIdx, ones};
    /// use ndarray::{ArrayD, IxDyn};
    /// let at = Arc::new(Mutex::new(ArrayD::<f64>::zeros(IxDyn(&[4]))));
    /// let y = (&ones(&[4], [3]).unwrap() * 2.0).stored_into(at.clone(), &[VIdx::ALL]).unwrap();
    /// assert_eq!(at.lock().unwrap().sum(), 0.0);
    /// assert_eq!(y.compute().unwrap().sum(), 8.0);
    /// assert_eq!(at.lock().unwrap().sum(), 8.0);
    /// ```
    pub fn stored_into<G: Target<T> + 'static>(
        &self,
        target: Arc<G>,
        region: &[VIdx],
    ) -> Result<DArray<T>> {
        let (x, region, write) = self.store_parts(Arc::clone(&target), region)?;
        let writes = write.chunk_writes();
        let token = crate::graph::Tokenizer::new("stored")
            .param(&write.token())
            .finish();
        let nodes = (0..x.grid.n_chunks())
            .map(|c| {
                let (offset, shape) = x.grid.chunk(c);
                let (target, region) = (Arc::clone(&target), Arc::clone(&region));
                let mut node = Node::new(
                    Key::new("stored", token, c as u64),
                    vec![Arc::clone(&writes[c])],
                    Box::new(move |_| {
                        let at = region.block(&offset, &shape);
                        let a = target
                            .read(&at)?
                            .into_shape_with_order(IxDyn(&shape))
                            .map_err(|e| Error::external("ndarray, a stored block", e))?;
                        Ok(Arc::new(a) as Value)
                    }),
                );
                node.bytes =
                    (x.grid.chunk_shape(c).iter().product::<usize>() * T::DTYPE.size()) as u64;
                node.codec = Some(chunk_codec::<T>());
                Arc::new(node)
            })
            .collect();
        Ok(DArray::from_chunks(
            Arc::clone(&x.grid),
            token,
            "stored",
            nodes,
        ))
    }

    /// This array cut for `target`'s grid, and the region resolved and checked.
    fn for_target<G: Target<T>>(&self, target: &G, region: &[VIdx]) -> Result<(DArray<T>, Region)> {
        if let Some(e) = &self.error {
            return Err(Error::Shared(Arc::clone(e)));
        }
        let region = Region::resolve(region, &target.shape())?;
        let want = region.source_shape();
        if want != self.shape() {
            return Err(Error::invalid(format!(
                "store: the region selects shape {want:?} of the target, of shape {:?}; the array is {:?}",
                target.shape(),
                self.shape()
            )));
        }
        let x = match target.grid() {
            Some(g) => match region.aligned(&g, self.chunks())? {
                Some(chunks) => self.rechunk(Chunks::Explicit(chunks)),
                None => self.clone(),
            },
            None => self.clone(),
        };
        Ok((x, region))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progressions() {
        assert_eq!(progression(&[]), Some((0, 1)));
        assert_eq!(progression(&[4]), Some((4, 1)));
        assert_eq!(progression(&[1, 3, 5]), Some((1, 2)));
        assert_eq!(progression(&[1, 2, 4]), None);
        assert_eq!(progression(&[3, 2]), None);
    }

    #[test]
    fn regions_resolve_as_numpy() {
        let r = Region::resolve(
            &[
                VIdx::Basic(Idx::range(0, 8, 2)),
                VIdx::Basic(Idx::At(-1)),
                VIdx::from(vec![1, -1]),
            ],
            &[8, 3, 6],
        )
        .unwrap();
        assert_eq!(r.positions, vec![vec![0, 2, 4, 6], vec![2], vec![1, 5]]);
        assert_eq!(r.dropped, vec![false, true, false]);
        assert_eq!(r.source_shape(), vec![4, 2]);
        assert_eq!(
            r.block(&[1, 1], &[2, 1]),
            vec![&[2, 4][..], &[2][..], &[5][..]]
        );
        let e = Region::resolve(&[VIdx::from(vec![9])], &[3]).unwrap_err();
        assert!(e.to_string().contains("out of bounds"), "{e}");
        assert!(Region::resolve(&[VIdx::from(vec![0]), VIdx::from(vec![0])], &[3, 3]).is_err());
    }

    #[test]
    fn alignment_cuts_at_the_grid() {
        let r = Region::resolve(&[VIdx::Basic(Idx::range(1, 4, 1))], &[4]).unwrap();
        // Positions 1..4 on a grid of 2: boundary at 2, a source offset of 1.
        assert_eq!(r.aligned(&[2], &[vec![3]]).unwrap(), None);
        assert_eq!(
            r.aligned(&[2], &[vec![2, 1]]).unwrap(),
            Some(vec![vec![1, 2]])
        );
        assert_eq!(r.aligned(&[2], &[vec![1, 2]]).unwrap(), None);
    }
}
