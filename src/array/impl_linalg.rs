//! Linear algebra: `einsum`, `tensordot`, `outer` and `matmul` as one blocked
//! contraction. Each output block is the sum, over the blocks of the contracted axes,
//! of block products; the sum is a tree of partials (memory bounded: a partial is one
//! output block), each block product on the `gemm` crate's kernels for floats (AVX2,
//! AVX-512, NEON chosen at run time; about 1.6x matrixmultiply's speed here) and
//! ndarray's `dot` for integers. Factorizations (QR, SVD, Cholesky, solve) are in
//! `impl_decomp`.

use std::sync::Arc;

use ndarray::{Array2, Array3, ArrayD, ArrayView2, Axis, CowArray, Ix3, IxDyn, LinalgScalar};

use super::chunks::{Chunks, Grid, ravel};
use super::expr::chunk_codec;
use super::impl_blockwise::common_chunks;
use super::impl_reduce::{Tree, tree};
use super::{DArray, DType, Element, chunk_of};
use crate::graph::{Key, Node, Tokenizer, Value};
use crate::{Error, Result};

/// numpy's `einsum` over chunked arrays: `"ij,jk->ik"`, `"bij,bjk->bik"`, `"i,i->"`,
/// `"ij->ji"`, implicit output (`"ij,jk"`: the labels seen once, in alphabetical
/// order). Labels in two operands and not in the output are contracted (summed
/// block products, a tree over their blocks), labels in one operand only and not in
/// the output are summed, labels in every listed operand and in the output are batch
/// axes. Several operands are contracted left to right. A label repeated within one
/// operand takes its diagonal (`"ii->i"`, `"ii"` the trace); `...` stands for the
/// axes no letter names, broadcast across operands from the right (`"...ij,...jk"`);
/// a label of length 1 in one operand broadcasts against the others', as numpy's.
///
/// ```
/// use chunkwise::array::{einsum, from_array};
/// use ndarray::{ArrayD, IxDyn};
/// let a = ArrayD::from_shape_fn(IxDyn(&[3, 4, 5]), |i| (i[0] + i[1] * i[2]) as f64);
/// let b = ArrayD::from_shape_fn(IxDyn(&[3, 5, 2]), |i| (i[0] * i[2]) as f64 - i[1] as f64);
/// let (x, y) = (from_array(a.clone(), [2, 3, 2]).unwrap(), from_array(b.clone(), [1, 3, 2]).unwrap());
/// let got = einsum("bij,bjk->bik", &[&x, &y]).compute().unwrap();
/// let want = ArrayD::from_shape_fn(IxDyn(&[3, 4, 2]), |i| {
///     (0..5).map(|j| a[[i[0], i[1], j]] * b[[i[0], j, i[2]]]).sum::<f64>()
/// });
/// assert_eq!(got, want);
/// ```
pub fn einsum<T: Element + LinalgScalar>(spec: &str, operands: &[&DArray<T>]) -> DArray<T> {
    let first = match operands.first() {
        Some(x) => *x,
        None => {
            let g = Arc::new(Grid::from_parts(vec![], vec![]));
            return DArray::errored(g, Error::invalid(format!("einsum {spec:?}: no operands")));
        }
    };
    match try_einsum(spec, operands) {
        Ok(x) => x,
        Err(e) => first.failed(e),
    }
}

fn try_einsum<T: Element + LinalgScalar>(spec: &str, operands: &[&DArray<T>]) -> Result<DArray<T>> {
    let bad = |why: String| Error::invalid(format!("einsum {spec:?}: {why}"));
    let (ins, out) = match spec.split_once("->") {
        Some((i, o)) => (i, Some(o)),
        None => (spec, None),
    };
    // Each operand's labels, `...` standing for its axes no letter names.
    let parsed: Vec<(Vec<char>, Option<usize>)> = ins
        .split(',')
        .map(|s| split_ellipsis(s).map_err(bad))
        .collect::<Result<_>>()?;
    if parsed.len() != operands.len() {
        return Err(bad(format!(
            "{} operands named but {} given",
            parsed.len(),
            operands.len()
        )));
    }
    // The axes under `...`, right-aligned across operands (numpy broadcasts them),
    // take labels no spec can write: characters past ASCII.
    let mut ell_len = 0;
    for (k, ((l, at), x)) in parsed.iter().zip(operands).enumerate() {
        let under = x
            .ndim()
            .checked_sub(l.len())
            .filter(|&e| at.is_some() || e == 0);
        match under {
            Some(e) => ell_len = ell_len.max(e),
            None => {
                return Err(bad(format!(
                    "operand {k} has {} labels{} but {} dimensions (shape {:?})",
                    l.len(),
                    if at.is_some() { " and `...`" } else { "" },
                    x.ndim(),
                    x.shape()
                )));
            }
        }
    }
    let ell: Vec<char> = (0..ell_len)
        .map(|i| char::from_u32(0x100 + i as u32).expect("a character past ASCII"))
        .collect();
    let ins: Vec<Vec<char>> = parsed
        .iter()
        .zip(operands)
        .map(|((l, at), x)| match at {
            Some(at) => {
                let e = x.ndim() - l.len();
                let mut out = l[..*at].to_vec();
                out.extend(&ell[ell_len - e..]);
                out.extend(&l[*at..]);
                out
            }
            None => l.clone(),
        })
        .collect();
    let out = match out {
        Some(o) => {
            let (l, at) = split_ellipsis(o).map_err(bad)?;
            match at {
                Some(at) => [&l[..at], &ell[..], &l[at..]].concat(),
                None if ell_len > 0 => {
                    return Err(bad(
                        "the operands have axes under `...` but the output names none".into(),
                    ));
                }
                None => l,
            }
        }
        None => {
            // numpy's implicit output: the `...` axes, then the letters seen once.
            let mut once: Vec<char> = ins.concat();
            once.retain(|c| c.is_ascii_alphabetic());
            once.sort_unstable();
            let all = once.clone();
            once.dedup();
            once.retain(|c| all.iter().filter(|d| *d == c).count() == 1);
            [ell.clone(), once].concat()
        }
    };
    labelled(ins, out, operands).map_err(|e| match e {
        Error::InvalidArgument(m) => bad(m.strip_prefix("einsum: ").unwrap_or(&m).to_string()),
        e => e,
    })
}

/// einsum over operands whose axes carry `ins` (any characters), giving `out`.
fn labelled<T: Element + LinalgScalar>(
    ins: Vec<Vec<char>>,
    out: Vec<char>,
    operands: &[&DArray<T>],
) -> Result<DArray<T>> {
    let bad = Error::invalid;
    // A label repeated within an operand takes its diagonal; a label of length 1
    // where another operand has it longer broadcasts (the axis is dropped).
    let mut ops: Vec<DArray<T>> = operands.iter().map(|x| (*x).clone()).collect();
    let mut ins = ins;
    for (x, l) in ops.iter_mut().zip(ins.iter_mut()) {
        while let Some((i, j)) = (0..l.len())
            .flat_map(|j| (0..j).map(move |i| (i, j)))
            .find(|&(i, j)| l[i] == l[j])
        {
            if x.shape()[i] != x.shape()[j] {
                return Err(bad(format!(
                    "label {:?} repeats over axes of lengths {} and {} (shape {:?})",
                    l[i],
                    x.shape()[i],
                    x.shape()[j],
                    x.shape()
                )));
            }
            *x = x.diagonal(0, i, j);
            let c = l[i];
            l.remove(j);
            l.remove(i);
            l.push(c);
        }
    }
    let longest = |c: char| {
        ops.iter()
            .zip(&ins)
            .filter_map(|(x, l)| l.iter().position(|&d| d == c).map(|p| x.shape()[p]))
            .max()
            .unwrap_or(0)
    };
    let lengths: Vec<Vec<usize>> = ins
        .iter()
        .map(|l| l.iter().map(|&c| longest(c)).collect())
        .collect();
    for ((x, l), max) in ops.iter_mut().zip(ins.iter_mut()).zip(lengths) {
        let ones: Vec<usize> = (0..l.len())
            .filter(|&p| x.shape()[p] == 1 && max[p] > 1)
            .collect();
        if !ones.is_empty() {
            *x = x.squeeze(ones.clone());
            for &p in ones.iter().rev() {
                l.remove(p);
            }
        }
    }
    let operands: Vec<&DArray<T>> = ops.iter().collect();
    let mut x = operands[0].clone();
    let mut lx = ins[0].clone();
    if operands.len() == 1 {
        let one = super::full(&[], T::one(), Vec::<usize>::new())?;
        return contract(&x, &lx, &one, &[], &out);
    }
    for k in 1..operands.len() {
        let later: Vec<char> = ins[k + 1..].concat();
        let mut keep: Vec<char> = Vec::new();
        for &c in lx.iter().chain(&ins[k]) {
            let wanted = if k + 1 == operands.len() {
                out.contains(&c)
            } else {
                out.contains(&c) || later.contains(&c)
            };
            if wanted && !keep.contains(&c) {
                keep.push(c);
            }
        }
        let target = if k + 1 == operands.len() {
            out.clone()
        } else {
            keep
        };
        x = contract(&x, &lx, operands[k], &ins[k], &target)?;
        lx = target;
    }
    Ok(x)
}

/// A spec's labels (ASCII letters; whitespace ignored) and where its `...` stands
/// among them, if it has one.
fn split_ellipsis(s: &str) -> std::result::Result<(Vec<char>, Option<usize>), String> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let (before, after) = match s.split_once("...") {
        Some((b, a)) => (b, Some(a)),
        None => (s.as_str(), None),
    };
    let mut l: Vec<char> = before.chars().collect();
    let at = after.map(|a| {
        let at = l.len();
        l.extend(a.chars());
        at
    });
    if let Some(c) = l.iter().find(|c| !c.is_ascii_alphabetic()) {
        return Err(format!(
            "{c:?} is not a label (labels are ASCII letters, with one `...` at most)"
        ));
    }
    Ok((l, at))
}

/// The labels of a two-operand contraction by the part each plays, in the order of
/// the cube of block products: batch, free in `a`, free in `b`, then the summed ones.
struct Roles {
    batch: Vec<char>,
    free_a: Vec<char>,
    free_b: Vec<char>,
    contracted: Vec<char>,
    sum_a: Vec<char>,
    sum_b: Vec<char>,
}

/// `out[labels out] = sum over the rest of a[la] * b[lb]`, blocked.
fn contract<T: Element + LinalgScalar>(
    a: &DArray<T>,
    la: &[char],
    b: &DArray<T>,
    lb: &[char],
    out: &[char],
) -> Result<DArray<T>> {
    if let Some(e) = a.error.as_ref().or(b.error.as_ref()) {
        return Err(Error::Shared(Arc::clone(e)));
    }
    let unique = |l: &[char], what: &str| -> Result<()> {
        for (i, c) in l.iter().enumerate() {
            if l[..i].contains(c) {
                return Err(Error::invalid(format!(
                    "einsum: label {c:?} repeats in {what} {:?}",
                    l.iter().collect::<String>()
                )));
            }
        }
        Ok(())
    };
    unique(la, "operand")?;
    unique(lb, "operand")?;
    unique(out, "the output")?;
    if let Some(c) = out.iter().find(|c| !la.contains(c) && !lb.contains(c)) {
        return Err(Error::invalid(format!(
            "einsum: output label {c:?} is in no operand"
        )));
    }
    // Sizes and chunks per label; a label on both sides gets the union of their cuts.
    let pos = |l: &[char], c: char| l.iter().position(|&d| d == c);
    let mut size = std::collections::HashMap::new();
    let mut cuts = std::collections::HashMap::new();
    for &c in la.iter().chain(lb) {
        let (sa, sb) = (pos(la, c), pos(lb, c));
        let chunks = match (sa, sb) {
            (Some(i), Some(j)) => {
                if a.shape()[i] != b.shape()[j] {
                    return Err(Error::invalid(format!(
                        "einsum: label {c:?} has length {} in one operand and {} in the other (shapes {:?} and {:?})",
                        a.shape()[i],
                        b.shape()[j],
                        a.shape(),
                        b.shape()
                    )));
                }
                common_chunks(&a.chunks()[i], &b.chunks()[j])
            }
            (Some(i), None) => a.chunks()[i].clone(),
            (None, Some(j)) => b.chunks()[j].clone(),
            (None, None) => unreachable!("labels come from the operands"),
        };
        size.insert(c, chunks.iter().sum::<usize>());
        cuts.insert(c, chunks);
    }
    let of = |l: &[char], keep: &dyn Fn(char) -> bool| -> Vec<char> {
        l.iter().copied().filter(|&c| keep(c)).collect()
    };
    let r = Roles {
        batch: of(la, &|c| lb.contains(&c) && out.contains(&c)),
        free_a: of(la, &|c| !lb.contains(&c) && out.contains(&c)),
        free_b: of(lb, &|c| !la.contains(&c) && out.contains(&c)),
        contracted: of(la, &|c| lb.contains(&c) && !out.contains(&c)),
        sum_a: of(la, &|c| !lb.contains(&c) && !out.contains(&c)),
        sum_b: of(lb, &|c| !la.contains(&c) && !out.contains(&c)),
    };
    let cube_labels: Vec<char> = [
        &r.batch,
        &r.free_a,
        &r.free_b,
        &r.contracted,
        &r.sum_a,
        &r.sum_b,
    ]
    .into_iter()
    .flatten()
    .copied()
    .collect();
    let n_kept = r.batch.len() + r.free_a.len() + r.free_b.len();
    let a = a.rechunk_exact(la.iter().map(|c| cuts[c].clone()).collect());
    let b = b.rechunk_exact(lb.iter().map(|c| cuts[c].clone()).collect());
    let cube = Arc::new(Grid::from_parts(
        cube_labels.iter().map(|c| size[c]).collect(),
        cube_labels.iter().map(|c| cuts[c].clone()).collect(),
    ));
    // Each operand's summed axes (highest first) and the order of its other axes as
    // (batch, free, contracted) for `a`, (batch, contracted, free) for `b`.
    let layout = |l: &[char], sum: &[char], order: [&Vec<char>; 3]| {
        let mut summed: Vec<usize> = sum.iter().filter_map(|&c| pos(l, c)).collect();
        summed.sort_unstable_by(|x, y| y.cmp(x));
        let rest: Vec<char> = l.iter().copied().filter(|c| !sum.contains(c)).collect();
        let perm: Vec<usize> = order
            .into_iter()
            .flatten()
            .filter_map(|&c| pos(&rest, c))
            .collect();
        (summed, perm)
    };
    let (sum_in_a, perm_a) = layout(la, &r.sum_a, [&r.batch, &r.free_a, &r.contracted]);
    let (sum_in_b, perm_b) = layout(lb, &r.sum_b, [&r.batch, &r.contracted, &r.free_b]);
    let (sum_in_a, perm_a, sum_in_b, perm_b) = (
        Arc::new(sum_in_a),
        Arc::new(perm_a),
        Arc::new(sum_in_b),
        Arc::new(perm_b),
    );
    let (na, nb) = (a.chunk_nodes(), b.chunk_nodes());
    let (ga, gb) = (a.grid.grid_shape(), b.grid.grid_shape());
    let token = Tokenizer::new("einsum")
        .param(&a.token())
        .param(&b.token())
        .param(&la.iter().collect::<String>())
        .param(&lb.iter().collect::<String>())
        .param(&out.iter().collect::<String>())
        .finish();
    // Blocks along the summed axes per output block (row-major: they are the cube's
    // last axes, so each output block's products are consecutive), and output blocks.
    let cube_grid = cube.grid_shape();
    let n_k: usize = cube_grid[n_kept..].iter().product();
    let n_out: usize = cube_grid[..n_kept].iter().product();
    // Many output blocks: each one's products are summed as a chain, every product
    // adding the one before it (one partial per output block held, as the budget
    // wants); few: a tree, for parallelism. The sums are in the same order either way
    // up to eight blocks. The choice depends on the chunks only, never the machine.
    let chain = n_k > 1 && n_out >= CHAIN_FROM;
    let t_product = Tokenizer::new("einsum-product")
        .param(&token)
        .param(&chain)
        .finish();
    let mut partials: Vec<Arc<Node>> = Vec::with_capacity(cube.n_chunks());
    for c in 0..cube.n_chunks() {
        let node = {
            let p = cube.position(c);
            let (_, shape) = cube.chunk(c);
            let at = |c: &char| p[pos(&cube_labels, *c).expect("a cube label")];
            let ia: Vec<usize> = la.iter().map(at).collect();
            let ib: Vec<usize> = lb.iter().map(at).collect();
            let prod = |range: std::ops::Range<usize>| shape[range].iter().product::<usize>();
            let (nb_, nfa, nc) = (r.batch.len(), r.free_a.len(), r.contracted.len());
            let dims = Dims {
                batch: prod(0..nb_),
                m: prod(nb_..nb_ + nfa),
                n: prod(nb_ + nfa..n_kept),
                k: prod(n_kept..n_kept + nc),
                out: shape[..n_kept].to_vec(),
            };
            let mut deps = vec![
                Arc::clone(&na[ravel(&ia, &ga)]),
                Arc::clone(&nb[ravel(&ib, &gb)]),
            ];
            if chain && c % n_k > 0 {
                deps.push(Arc::clone(&partials[c - 1]));
            }
            let (sa, pa, sb, pb) = (
                Arc::clone(&sum_in_a),
                Arc::clone(&perm_a),
                Arc::clone(&sum_in_b),
                Arc::clone(&perm_b),
            );
            let bytes = (dims.batch * dims.m * dims.n * T::DTYPE.size()) as u64;
            let mut node = Node::new(
                Key::new("einsum-product", t_product, c as u64),
                deps,
                Box::new(move |v| {
                    let x = operand(chunk_of::<T>(&v[0]), &sa, &pa, (dims.batch, dims.m, dims.k))?;
                    let y = operand(chunk_of::<T>(&v[1]), &sb, &pb, (dims.batch, dims.k, dims.n))?;
                    let mut p = batched_product(&x, &y, &dims)?;
                    if let Some(before) = v.get(2) {
                        // IEEE addition commutes: the same bits as before + p.
                        p.zip_mut_with(chunk_of::<T>(before), |q, &b| *q = Element::add(b, *q));
                    }
                    Ok(Arc::new(p) as Value)
                }),
            );
            node.bytes = bytes;
            node.codec = Some(chunk_codec::<T>());
            Arc::new(node)
        };
        partials.push(node);
    }
    if chain {
        let kept = Arc::new(Grid::from_parts(
            cube.shape()[..n_kept].to_vec(),
            cube.chunks()[..n_kept].to_vec(),
        ));
        let last: Vec<Arc<Node>> = (0..n_out)
            .map(|o| Arc::clone(&partials[o * n_k + n_k - 1]))
            .collect();
        let t = Tokenizer::new("einsum-chain").param(&token).finish();
        let result = DArray::from_chunks(kept, t, "einsum", last);
        return Ok(in_order(result, &cube_labels[..n_kept], out));
    }
    let n_summed = cube_labels.len() - n_kept;
    let reduced: Vec<bool> = (0..cube_labels.len()).map(|d| d >= n_kept).collect();
    let result = tree(
        &cube,
        &reduced,
        partials,
        Tree {
            name: "einsum",
            token,
            split_every: 8,
            keepdims: false,
            combine: Arc::new(|p: &mut ArrayD<T>, q: &ArrayD<T>| {
                p.zip_mut_with(q, |a, &b| *a = Element::add(*a, b))
            }),
            finish: Arc::new(move |p: &ArrayD<T>| {
                let mut shape = p.shape().to_vec();
                shape.extend(std::iter::repeat_n(1, n_summed));
                p.clone()
                    .into_shape_with_order(IxDyn(&shape))
                    .map_err(|e| Error::external("ndarray, shaping an einsum block", e))
            }),
        },
    );
    Ok(in_order(result, &cube_labels[..n_kept], out))
}

/// Output blocks from which a contraction sums each block's products as a chain.
const CHAIN_FROM: usize = 16;

/// `result`, whose axes are `have` (batch, free in a, free in b), with its axes in the
/// output's order.
fn in_order<T: Element>(result: DArray<T>, have: &[char], out: &[char]) -> DArray<T> {
    let perm: Vec<usize> = out
        .iter()
        .map(|&c| have.iter().position(|&d| d == c).expect("an output label"))
        .collect();
    if perm.iter().enumerate().all(|(i, &p)| i == p) {
        result
    } else {
        result.permute_axes(&perm)
    }
}

/// The sizes of one block product: `batch` products of `m x k` by `k x n`, shaped
/// `out` (batch axes, free axes of a, free axes of b) after.
#[derive(Clone)]
struct Dims {
    batch: usize,
    m: usize,
    n: usize,
    k: usize,
    out: Vec<usize>,
}

/// One operand's block with its summed axes summed away and its other axes in
/// `perm`'s order, as `(batch, rows, columns)`; no copy where the block is already so.
fn operand<'a, T: Element + LinalgScalar>(
    x: &'a ArrayD<T>,
    summed: &[usize],
    perm: &[usize],
    dims: (usize, usize, usize),
) -> Result<CowArray<'a, T, Ix3>> {
    let bad = |e| Error::external("ndarray, an einsum block", e);
    if summed.is_empty() {
        let v = x.view().permuted_axes(perm.to_vec());
        return if v.is_standard_layout() {
            v.into_shape_with_order(dims)
                .map(CowArray::from)
                .map_err(bad)
        } else {
            let v = v.as_standard_layout().into_owned();
            v.into_shape_with_order(dims)
                .map(CowArray::from)
                .map_err(bad)
        };
    }
    let mut s = x.sum_axis(Axis(summed[0]));
    for &d in &summed[1..] {
        s = s.sum_axis(Axis(d));
    }
    let s = s
        .permuted_axes(perm.to_vec())
        .as_standard_layout()
        .into_owned();
    s.into_shape_with_order(dims)
        .map(CowArray::from)
        .map_err(bad)
}

/// `x[b] · y[b]` for every batch `b`, shaped as `dims.out`.
fn batched_product<T: Element + LinalgScalar>(
    x: &CowArray<'_, T, Ix3>,
    y: &CowArray<'_, T, Ix3>,
    dims: &Dims,
) -> Result<ArrayD<T>> {
    let bad = |e| Error::external("ndarray, an einsum block", e);
    if dims.batch == 1 {
        let p = block_product(x.index_axis(Axis(0), 0), y.index_axis(Axis(0), 0));
        return p.into_shape_with_order(IxDyn(&dims.out)).map_err(bad);
    }
    let mut out = Array3::<T>::zeros((dims.batch, dims.m, dims.n));
    for (i, mut o) in out.outer_iter_mut().enumerate() {
        o.assign(&block_product(
            x.index_axis(Axis(0), i),
            y.index_axis(Axis(0), i),
        ));
    }
    out.into_shape_with_order(IxDyn(&dims.out)).map_err(bad)
}

impl<T: Element + LinalgScalar> DArray<T> {
    /// The matrix product (`x @ y`, numpy's `matmul`) of 2-d arrays, or of a 1-d array
    /// with a 2-d one (the 1-d side taken as a row or a column, its axis dropped after),
    /// or the inner product of two 1-d arrays, or a stack of matrix products where both
    /// have the same leading (batch) axes. The contracted axis is cut at every chunk
    /// boundary of either side; the block products of one output block are summed
    /// eight at a time, in order.
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// use ndarray::{ArrayD, IxDyn};
    /// let a = ArrayD::from_shape_fn(IxDyn(&[5, 4]), |i| (i[0] + 2 * i[1]) as f64);
    /// let b = ArrayD::from_shape_fn(IxDyn(&[4, 3]), |i| (i[0] * i[1]) as f64 - 1.0);
    /// let x = from_array(a.clone(), [2, 3]).unwrap();
    /// let y = from_array(b.clone(), [3, 2]).unwrap();
    /// let want = a.into_dimensionality::<ndarray::Ix2>().unwrap()
    ///     .dot(&b.into_dimensionality::<ndarray::Ix2>().unwrap());
    /// assert_eq!(x.matmul(&y).compute().unwrap(), want.into_dyn());
    /// ```
    pub fn matmul(&self, other: &DArray<T>) -> DArray<T> {
        let (p, q) = (self.ndim(), other.ndim());
        if p == 0 || q == 0 {
            return self.failed(Error::invalid(format!(
                "matmul: a 0-d operand (shapes {:?} and {:?}); numpy's matmul takes arrays of 1 or more dimensions",
                self.shape(),
                other.shape()
            )));
        }
        let inner_b = if q == 1 { 0 } else { q - 2 };
        if self.shape()[p - 1] != other.shape()[inner_b] {
            return self.failed(Error::invalid(format!(
                "matmul: shapes {:?} and {:?} do not match (the inner lengths differ)",
                self.shape(),
                other.shape()
            )));
        }
        let spec = match (p, q) {
            (1, 1) => "k,k->",
            (1, 2) => "k,kj->j",
            (2, 1) => "ik,k->i",
            (2, 2) => "ik,kj->ij",
            _ => return self.matmul_stacked(other),
        };
        einsum(spec, &[self, other])
    }

    /// numpy's matmul of stacks: a 1-d operand becomes a row (a column, on the right)
    /// and loses that axis after; the batch axes broadcast (length 1, or missing in
    /// front, against the other's), each broadcast axis chunked as the other's.
    fn matmul_stacked(&self, other: &DArray<T>) -> DArray<T> {
        let (p, q) = (self.ndim(), other.ndim());
        let mut a = if p == 1 {
            self.expand_dims(0)
        } else {
            self.clone()
        };
        let mut b = if q == 1 {
            other.expand_dims(1)
        } else {
            other.clone()
        };
        let n = a.ndim().max(b.ndim());
        while a.ndim() < n {
            a = a.expand_dims(0);
        }
        while b.ndim() < n {
            b = b.expand_dims(0);
        }
        let mut shape_a = a.shape().to_vec();
        let mut shape_b = b.shape().to_vec();
        let mut chunks_a = a.chunks().to_vec();
        let mut chunks_b = b.chunks().to_vec();
        for d in 0..n - 2 {
            let (la, lb) = (shape_a[d], shape_b[d]);
            if la == lb {
                continue;
            } else if la == 1 {
                shape_a[d] = lb;
                chunks_a[d] = chunks_b[d].clone();
            } else if lb == 1 {
                shape_b[d] = la;
                chunks_b[d] = chunks_a[d].clone();
            } else {
                return self.failed(Error::invalid(format!(
                    "matmul: the batch axes of shapes {:?} and {:?} do not broadcast",
                    self.shape(),
                    other.shape()
                )));
            }
        }
        let a = if a.shape() == shape_a.as_slice() {
            a
        } else {
            a.broadcast_to(&shape_a, Chunks::Explicit(chunks_a))
        };
        let b = if b.shape() == shape_b.as_slice() {
            b
        } else {
            b.broadcast_to(&shape_b, Chunks::Explicit(chunks_b))
        };
        let batch: String = ('A'..='Z').take(n - 2).collect();
        let mut r = einsum(&format!("{batch}ik,{batch}kj->{batch}ij"), &[&a, &b]);
        if q == 1 {
            r = r.squeeze(vec![r.ndim() - 1]);
        }
        if p == 1 {
            r = r.squeeze(vec![r.ndim() - if q == 1 { 1 } else { 2 }]);
        }
        r
    }

    /// As [`matmul`](Self::matmul) (numpy's `dot` for 1-d and 2-d arrays).
    pub fn dot(&self, other: &DArray<T>) -> DArray<T> {
        self.matmul(other)
    }

    /// numpy's `tensordot`: the sum of products over `axes_self` of this array and
    /// `axes_other` of `other` (pairwise); the result's axes are this array's others
    /// then `other`'s others.
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// use ndarray::{ArrayD, IxDyn};
    /// let a = ArrayD::from_shape_fn(IxDyn(&[3, 4, 5]), |i| (i[0] * 7 + i[1] * 3 + i[2]) as f64);
    /// let b = ArrayD::from_shape_fn(IxDyn(&[4, 3, 2]), |i| (i[0] + i[1] * i[2]) as f64);
    /// let x = from_array(a.clone(), [2, 2, 5]).unwrap();
    /// let y = from_array(b.clone(), [3, 1, 2]).unwrap();
    /// let got = x.tensordot(&y, &[1, 0], &[0, 1]).compute().unwrap();
    /// let want = ArrayD::from_shape_fn(IxDyn(&[5, 2]), |o| {
    ///     let mut s = 0.0;
    ///     for i in 0..3 { for j in 0..4 { s += a[[i, j, o[0]]] * b[[j, i, o[1]]]; } }
    ///     s
    /// });
    /// assert_eq!(got, want);
    /// ```
    pub fn tensordot(
        &self,
        other: &DArray<T>,
        axes_self: &[usize],
        axes_other: &[usize],
    ) -> DArray<T> {
        let (p, q) = (self.ndim(), other.ndim());
        if axes_self.len() != axes_other.len()
            || axes_self.iter().any(|&d| d >= p)
            || axes_other.iter().any(|&d| d >= q)
        {
            return self.failed(Error::invalid(format!(
                "tensordot: axes {axes_self:?} and {axes_other:?} do not pair up axes of shapes {:?} and {:?}",
                self.shape(),
                other.shape()
            )));
        }
        // One label per axis, as many as the axes (einsum's spec would stop at 52).
        let letters: Vec<char> = (0..p + q)
            .map(|i| char::from_u32(0x100 + i as u32).expect("a character"))
            .collect();
        let la: Vec<char> = letters[..p].to_vec();
        let mut lb: Vec<char> = letters[p..p + q].to_vec();
        for (&i, &j) in axes_self.iter().zip(axes_other) {
            lb[j] = la[i];
        }
        let out: Vec<char> = la
            .iter()
            .enumerate()
            .filter(|(d, _)| !axes_self.contains(d))
            .map(|(_, c)| *c)
            .chain(
                lb.iter()
                    .enumerate()
                    .filter(|(d, _)| !axes_other.contains(d))
                    .map(|(_, c)| *c),
            )
            .collect();
        labelled(vec![la, lb], out, &[self, other]).unwrap_or_else(|e| self.failed(e))
    }

    /// numpy's `outer`: both arrays flattened, `out[i, j] = self[i] * other[j]`.
    pub fn outer(&self, other: &DArray<T>) -> DArray<T> {
        einsum("i,j->ij", &[&self.ravel(), &other.ravel()])
    }
}

/// `a · b`: `gemm`'s kernel for `f32` and `f64`, ndarray's `dot` for the rest.
pub(crate) fn block_product<T: Element + LinalgScalar>(
    a: ArrayView2<'_, T>,
    b: ArrayView2<'_, T>,
) -> Array2<T> {
    let ((m, k), n) = (a.dim(), b.ncols());
    if !matches!(T::DTYPE, DType::F32 | DType::F64) || m == 0 || n == 0 || k == 0 {
        return a.dot(&b);
    }
    let mut c = Array2::<T>::zeros((m, n));
    let (cs, rs) = (c.strides()[1], c.strides()[0]);
    // SAFETY: `c`, `a` and `b` are m x n, m x k and k x n arrays, their pointers and
    // strides (in elements) are ndarray's own; `c` does not alias the inputs; gemm
    // supports T (f32 or f64, checked above) and, with `read_dst` false, only writes c.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            cs,
            rs,
            false,
            a.as_ptr(),
            a.strides()[1],
            a.strides()[0],
            b.as_ptr(),
            b.strides()[1],
            b.strides()[0],
            T::zero(),
            T::one(),
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
    c
}

/// numpy's `cov` options for [`DArray::cov_with`]: `ddof` (1 by default; numpy's
/// `bias=True` is 0), frequency weights (whole counts) and analytic weights of the
/// observations. Rows are variables (numpy's `rowvar=False` is `x.t()`; its `y` is a
/// `concatenate` of the rows).
#[derive(Clone, Debug)]
pub struct Cov {
    ddof: usize,
    fweights: Option<DArray<i64>>,
    aweights: Option<DArray<f64>>,
}

impl Default for Cov {
    fn default() -> Self {
        Cov {
            ddof: 1,
            fweights: None,
            aweights: None,
        }
    }
}

impl Cov {
    /// `ddof` 1, no weights.
    pub fn new() -> Self {
        Self::default()
    }

    /// Delta degrees of freedom: the divisor is the observations less `ddof`.
    pub fn ddof(mut self, ddof: usize) -> Self {
        self.ddof = ddof;
        self
    }

    /// How many times each observation occurs (1-d, one per observation, not negative).
    pub fn fweights(mut self, f: &DArray<i64>) -> Self {
        self.fweights = Some(f.clone());
        self
    }

    /// How much each observation weighs (1-d, one per observation, not negative).
    pub fn aweights(mut self, a: &DArray<f64>) -> Self {
        self.aweights = Some(a.clone());
        self
    }
}

impl DArray<f64> {
    /// numpy's `cov` with rows as variables: `(x - mean) · (x - mean)ᵀ / (n - ddof)`,
    /// the product an `einsum` over the column blocks (numpy's default `ddof` is 1).
    /// A 1-d array is one variable (a 0-d result).
    ///
    /// ```
    /// use chunkwise::array::from_array;
    /// use ndarray::{ArrayD, IxDyn};
    /// let a = ArrayD::from_shape_vec(IxDyn(&[2, 4]), vec![1.0, 2.0, 3.0, 4.0, 2.0, 4.0, 6.0, 9.0]).unwrap();
    /// let c = from_array(a, [1, 3]).unwrap().cov(1).compute().unwrap();
    /// // numpy: [[1.6667, 3.8333], [3.8333, 8.9167]]
    /// assert!((c[[0, 0]] - 5.0 / 3.0).abs() < 1e-12 && (c[[0, 1]] - 23.0 / 6.0).abs() < 1e-12);
    /// ```
    pub fn cov(&self, ddof: usize) -> DArray<f64> {
        self.cov_with(&Cov::new().ddof(ddof))
    }

    /// numpy's `cov` with its options ([`Cov`]): frequency and analytic weights of the
    /// observations (columns), and `ddof`. A `ddof` at or past the (weighted) number
    /// of observations divides by 0, as numpy does (infinities and NaN).
    ///
    /// ```
    /// use chunkwise::array::{Cov, from_array};
    /// use ndarray::{ArrayD, IxDyn};
    /// let x = from_array(ArrayD::from_shape_vec(IxDyn(&[1, 3]), vec![0.0, 1.0, 2.0]).unwrap(), [1, 2]).unwrap();
    /// let f = from_array(ndarray::arr1(&[1i64, 4, 1]).into_dyn(), [2]).unwrap();
    /// // As if the middle observation were there four times: numpy gives 0.4.
    /// let c = x.cov_with(&Cov::new().fweights(&f)).compute().unwrap();
    /// assert!((c[[0, 0]] - 0.4).abs() < 1e-15);
    /// ```
    pub fn cov_with(&self, o: &Cov) -> DArray<f64> {
        let x = match self.ndim() {
            1 => self.expand_dims(0),
            2 => self.clone(),
            d => {
                return self.failed(Error::invalid(format!(
                    "cov takes a 1-d or 2-d array, not {d} dimensions (shape {:?})",
                    self.shape()
                )));
            }
        };
        let n = x.shape()[1];
        let ddof = o.ddof as f64;
        let check = |w: &DArray<f64>, what: &str| -> Result<DArray<f64>> {
            if w.shape() != [n] {
                return Err(Error::invalid(format!(
                    "cov: {what} of shape {:?} for {n} observations (one weight each, 1-d)",
                    w.shape()
                )));
            }
            let what = what.to_string();
            Ok(
                w.try_map_blocks_opts(&[], &super::BlockMap::new(), move |b, _| {
                    if b[0].iter().any(|&v| v < 0.0) {
                        return Err(Error::invalid(format!("cov: {what} cannot be negative")));
                    }
                    Ok(b[0].to_owned())
                }),
            )
        };
        let f = match o
            .fweights
            .as_ref()
            .map(|f| check(&f.astype::<f64>(), "fweights"))
        {
            Some(Err(e)) => return self.failed(e),
            Some(Ok(f)) => Some(f),
            None => None,
        };
        let a = match o.aweights.as_ref().map(|a| check(a, "aweights")) {
            Some(Err(e)) => return self.failed(e),
            Some(Ok(a)) => Some(a),
            None => None,
        };
        let w = match (&f, &a) {
            (None, None) => None,
            (Some(f), None) => Some(f.clone()),
            (None, Some(a)) => Some(a.clone()),
            (Some(f), Some(a)) => Some(f * a),
        };
        let c = match &w {
            None => {
                let centred = &x - &x.mean(1).expand_dims(1);
                einsum("ij,kj->ik", &[&centred, &centred]) / (n as f64 - ddof).max(0.0)
            }
            Some(w) => {
                // numpy's weighted form: the weighted means, and a divisor of the sum
                // of the weights less ddof (scaled by the analytic weights).
                let row = w.expand_dims(0);
                let w_sum = w.sum(None);
                let avg = &(&x * &row).sum(1) / &w_sum;
                let fact = match (&a, o.ddof) {
                    (_, 0) => w_sum.clone(),
                    (None, _) => &w_sum - ddof,
                    (Some(a), _) => {
                        let wa = (w * a).sum(None);
                        &w_sum - &(&(&wa * ddof) / &w_sum)
                    }
                };
                let centred = &x - &avg.expand_dims(1);
                let weighted = &centred * &row;
                &einsum("ij,kj->ik", &[&weighted, &centred]) / &fact.maximum(0.0)
            }
        };
        if self.ndim() == 1 { c.squeeze(None) } else { c }
    }

    /// numpy's `corrcoef`: the covariance over the outer product of the standard
    /// deviations.
    pub fn corrcoef(&self) -> DArray<f64> {
        let c = self.cov(1);
        if c.ndim() == 0 {
            // One variable: 1, or NaN for a constant one (as numpy).
            let s = c.sqrt();
            return &c / &(&s * &s);
        }
        let d = c.diag().sqrt();
        &c / &d.outer(&d)
    }
}
