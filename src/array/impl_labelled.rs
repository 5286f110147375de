//! Dask's `da.blockwise` with index labels: each output block is a function of the
//! input blocks its labels select, every block along a label absent from the output
//! concatenated into one array (Dask's `concatenate=True`).
//!
//! Labels shared by inputs are cut at every boundary any of them has (each input
//! rechunked to the union of cuts), except where an input has length 1 along the
//! label: that axis broadcasts, kept as it is (Dask's `1 in b.shape`). A label only
//! in the output is a new axis of a given length, one block.

use std::collections::HashMap;
use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD};

use super::chunks::{Grid, box_positions, paste_box, ravel};
use super::expr::chunk_codec;
use super::impl_blockwise::common_chunks;
use super::{DArray, Element, chunk_of};
use crate::graph::{Key, Node, Tokenizer, Value};
use crate::{Error, Result};

/// Dask's `da.blockwise(f, out, x, "ij", y, "jk", concatenate=True, new_axes=...)`:
/// the array whose block at each position of the `out` labels is `f` of one array per
/// input, that input's blocks at the same positions of its labels, all its blocks
/// along labels not in `out` concatenated. `new_axes` gives the length of each `out`
/// label that no input has (one block). Labels are single characters; `f` must give a
/// block of the output block's shape (an error naming the block otherwise). Literal
/// arguments of Dask's (index `None`) are what the closure captures.
///
/// ```
/// use chunkwise::array::{blockwise, from_array};
/// use ndarray::{ArrayD, Ix2, IxDyn};
/// let a = ArrayD::from_shape_fn(IxDyn(&[4, 6]), |i| (i[0] * 6 + i[1]) as f64);
/// let b = ArrayD::from_shape_fn(IxDyn(&[6, 2]), |i| (i[0] + i[1]) as f64);
/// let (x, y) = (from_array(a.clone(), [2, 4]).unwrap(), from_array(b.clone(), [3, 1]).unwrap());
/// // np.dot over whole rows of x and whole columns of y: "ij,jk->ik"
/// let z = blockwise("ik", &[(&x, "ij"), (&y, "jk")], &[], |v| {
///     let p = v[0].to_owned().into_dimensionality::<Ix2>().unwrap();
///     let q = v[1].to_owned().into_dimensionality::<Ix2>().unwrap();
///     Ok(p.dot(&q).into_dyn())
/// });
/// assert_eq!(z.chunks(), &[vec![2, 2], vec![1, 1]]);
/// let want = a.into_dimensionality::<Ix2>().unwrap().dot(&b.into_dimensionality::<Ix2>().unwrap());
/// assert_eq!(z.compute().unwrap(), want.into_dyn());
/// ```
pub fn blockwise<T, U, F>(
    out: &str,
    inputs: &[(&DArray<T>, &str)],
    new_axes: &[(char, usize)],
    f: F,
) -> DArray<U>
where
    T: Element,
    U: Element,
    F: Fn(&[ArrayViewD<'_, T>]) -> Result<ArrayD<U>> + Send + Sync + 'static,
{
    match try_blockwise(out, inputs, new_axes, f) {
        Ok(x) => x,
        Err(e) => {
            let n = out.chars().count();
            let g = Arc::new(Grid::from_parts(vec![0; n], vec![vec![0]; n]));
            DArray::errored(g, e)
        }
    }
}

fn try_blockwise<T, U, F>(
    out: &str,
    inputs: &[(&DArray<T>, &str)],
    new_axes: &[(char, usize)],
    f: F,
) -> Result<DArray<U>>
where
    T: Element,
    U: Element,
    F: Fn(&[ArrayViewD<'_, T>]) -> Result<ArrayD<U>> + Send + Sync + 'static,
{
    let bad = |why: String| Error::invalid(format!("blockwise {out:?}: {why}"));
    let repeats = |l: &[char], what: &str| -> Result<()> {
        match (1..l.len()).find(|&i| l[..i].contains(&l[i])) {
            Some(i) => Err(bad(format!("label {:?} repeats in {what}", l[i]))),
            None => Ok(()),
        }
    };
    let out: Vec<char> = out.chars().collect();
    repeats(&out, "the output")?;
    let labels: Vec<Vec<char>> = inputs.iter().map(|(_, l)| l.chars().collect()).collect();
    for (k, ((x, _), l)) in inputs.iter().zip(&labels).enumerate() {
        if let Some(e) = &x.error {
            return Err(Error::Shared(Arc::clone(e)));
        }
        if l.len() != x.ndim() {
            return Err(bad(format!(
                "input {k} has {} labels for {} dimensions (shape {:?})",
                l.len(),
                x.ndim(),
                x.shape()
            )));
        }
        repeats(l, &format!("input {k}"))?;
    }
    // Each label's length (an input's length 1 broadcasts) and cuts.
    let mut length: HashMap<char, usize> = HashMap::new();
    for ((x, _), l) in inputs.iter().zip(&labels) {
        for (&c, &n) in l.iter().zip(x.shape()) {
            let e = length.entry(c).or_insert(n);
            if *e == 1 {
                *e = n;
            } else if n != 1 && n != *e {
                return Err(bad(format!(
                    "label {c:?} has lengths {} and {n} (shapes {:?})",
                    *e,
                    inputs.iter().map(|(x, _)| x.shape()).collect::<Vec<_>>()
                )));
            }
        }
    }
    let mut cuts: HashMap<char, Vec<usize>> = HashMap::new();
    for ((x, _), l) in inputs.iter().zip(&labels) {
        for (d, &c) in l.iter().enumerate() {
            if x.shape()[d] == length[&c] {
                let own = &x.chunks()[d];
                let merged = match cuts.get(&c) {
                    Some(have) => common_chunks(have, own),
                    None => own.clone(),
                };
                cuts.insert(c, merged);
            }
        }
    }
    for &(c, n) in new_axes {
        if length.contains_key(&c) {
            return Err(bad(format!("new axis {c:?} is an input's label")));
        }
        length.insert(c, n);
        cuts.insert(c, vec![n]);
    }
    if let Some(c) = out.iter().find(|c| !length.contains_key(c)) {
        return Err(bad(format!(
            "output label {c:?} is in no input and not a new axis"
        )));
    }
    // Every input on the common cuts (its broadcast axes as they are).
    let xs: Vec<DArray<T>> = inputs
        .iter()
        .zip(&labels)
        .map(|((x, _), l)| {
            let chunks = l
                .iter()
                .enumerate()
                .map(|(d, c)| match x.shape()[d] == length[c] {
                    true => cuts[c].clone(),
                    false => x.chunks()[d].clone(),
                })
                .collect();
            x.rechunk_exact(chunks)
        })
        .collect();
    let grid = Arc::new(Grid::from_parts(
        out.iter().map(|c| length[c]).collect(),
        out.iter().map(|c| cuts[c].clone()).collect(),
    ));
    let mut tok = Tokenizer::new("blockwise-labelled");
    for (x, l) in xs.iter().zip(&labels) {
        tok = tok.param(&x.token()).param(l);
    }
    let token = tok.param(&out).param(new_axes).sequenced().finish();
    let nodes_in: Vec<_> = xs.iter().map(DArray::chunk_nodes).collect();
    let f = Arc::new(f);
    let nodes = (0..grid.n_chunks())
        .map(|c| {
            let (_, shape) = grid.chunk(c);
            let at = grid.position(c);
            let mut deps = Vec::new();
            let mut boxes = Vec::new();
            for ((x, l), n) in xs.iter().zip(&labels).zip(&nodes_in) {
                let g = x.grid.grid_shape();
                // The block at the output's position along its labels, every block
                // along the others (one along a broadcast axis).
                let span: Vec<(usize, usize)> = l
                    .iter()
                    .enumerate()
                    .map(|(d, ch)| match out.iter().position(|o| o == ch) {
                        Some(j) if x.shape()[d] == length[ch] => (at[j], at[j] + 1),
                        _ => (0, g[d]),
                    })
                    .collect();
                let count = deps.len();
                deps.extend(
                    box_positions(&span)
                        .iter()
                        .map(|p| Arc::clone(&n[ravel(p, &g)])),
                );
                let starts = x.grid.starts().to_vec();
                boxes.push((span, starts, x.shape().to_vec(), count..deps.len()));
            }
            let f = Arc::clone(&f);
            let want = shape.clone();
            let mut node = Node::new(
                Key::new("blockwise", token, c as u64),
                deps,
                Box::new(move |v| {
                    let arrays: Vec<ArrayD<T>> = boxes
                        .iter()
                        .map(|(span, starts, shape, range)| {
                            let pieces: Vec<&ArrayD<T>> =
                                v[range.clone()].iter().map(chunk_of::<T>).collect();
                            paste_box(starts, shape, span, &pieces).0
                        })
                        .collect();
                    let views: Vec<ArrayViewD<'_, T>> = arrays.iter().map(|a| a.view()).collect();
                    let block = f(&views)?;
                    if block.shape() != want.as_slice() {
                        return Err(Error::invalid(format!(
                            "blockwise: the function gave a block of shape {:?} for output block {at:?}, of shape {want:?}",
                            block.shape()
                        )));
                    }
                    Ok(Arc::new(block) as Value)
                }),
            );
            node.bytes = (shape.iter().product::<usize>() * U::DTYPE.size()) as u64;
            node.codec = Some(chunk_codec::<U>());
            Arc::new(node)
        })
        .collect();
    let mut result = DArray::from_chunks(grid, token, "blockwise", nodes);
    for x in &xs {
        result = x.carry(result);
    }
    Ok(result)
}

impl<T: Element> DArray<T> {
    /// numpy's `ufunc.outer` with any function: `out[i..., j...] = f(self[i...],
    /// other[j...])`, of shape `self.shape() ++ other.shape()` (Dask's
    /// `da.add.outer(a, b)` is `a.outer_with(&b, |x, y| x + y)`). Each output block is
    /// one block of each, through [`blockwise`].
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// use ndarray::{ArrayD, IxDyn};
    /// let a = from_array(ArrayD::from_shape_vec(IxDyn(&[3]), vec![1, 2, 3]).unwrap(), [2]).unwrap();
    /// let b = from_array(ArrayD::from_shape_vec(IxDyn(&[2]), vec![10, 20]).unwrap(), [1]).unwrap();
    /// let got = a.outer_with(&b, |x, y| x + y).compute().unwrap();
    /// assert_eq!(got.shape(), &[3, 2]);
    /// assert_eq!(got.into_raw_vec_and_offset().0, vec![11, 21, 12, 22, 13, 23]);
    /// ```
    pub fn outer_with<U, F>(&self, other: &DArray<T>, f: F) -> DArray<U>
    where
        U: Element,
        F: Fn(T, T) -> U + Send + Sync + 'static,
    {
        let (n, m) = (self.ndim() as u32, other.ndim() as u32);
        let label = |i: u32| char::from_u32(0x100 + i).expect("a character");
        let la: String = (0..n).map(label).collect();
        let lb: String = (n..n + m).map(label).collect();
        let out = format!("{la}{lb}");
        blockwise(&out, &[(self, &la), (other, &lb)], &[], move |v| {
            let (a, b) = (&v[0], &v[1]);
            let shape: Vec<usize> = a.shape().iter().chain(b.shape()).copied().collect();
            let mut out = Vec::with_capacity(a.len() * b.len());
            for &x in a.iter() {
                out.extend(b.iter().map(|&y| f(x, y)));
            }
            ArrayD::from_shape_vec(ndarray::IxDyn(&shape), out)
                .map_err(|e| Error::external("ndarray, an outer block", e))
        })
    }
}
