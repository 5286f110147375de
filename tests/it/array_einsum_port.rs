//! Dask's einsum tests with diagonals, `...` and broadcast labels (`test_einsum`,
//! `test_einsum_broadcasting_contraction`, `..._contraction2`, `..._contraction3` of
//! test_routines.py), against numpy's einsum written as a plain loop over every
//! assignment of the labels.

use chunkwise::array::{DArray, einsum, from_array};
use ndarray::{ArrayD, IxDyn};

use super::array_dask_port::{assert_close, rand_f64};

/// numpy's `einsum` by loops: `...` stands for the axes no letter names (right-aligned
/// across operands, here labelled by digits), a label's length is its longest, a
/// length-1 axis broadcasts, and every label not in the output is summed.
fn naive(spec: &str, ops: &[ArrayD<f64>]) -> ArrayD<f64> {
    let (ins, out) = match spec.split_once("->") {
        Some((i, o)) => (i, Some(o)),
        None => (spec, None),
    };
    let ell = ops
        .iter()
        .zip(ins.split(','))
        .filter(|(_, s)| s.contains("..."))
        .map(|(x, s)| x.ndim() + 3 - s.len())
        .max()
        .unwrap_or(0);
    let ell_labels: String = (0..ell).map(|i| char::from(b'0' + i as u8)).collect();
    let expand = |s: &str, nd: usize| -> Vec<char> {
        if s.contains("...") {
            let e = nd + 3 - s.len();
            s.replace("...", &ell_labels[ell - e..]).chars().collect()
        } else {
            s.chars().collect()
        }
    };
    let labels: Vec<Vec<char>> = ins
        .split(',')
        .zip(ops)
        .map(|(s, x)| expand(s, x.ndim()))
        .collect();
    let out: Vec<char> = match out {
        Some(o) => o.replace("...", &ell_labels).chars().collect(),
        None => {
            let all: Vec<char> = labels.concat();
            let mut once: Vec<char> = all
                .iter()
                .copied()
                .filter(|c| c.is_ascii_alphabetic() && all.iter().filter(|d| *d == c).count() == 1)
                .collect();
            once.sort_unstable();
            ell_labels.chars().chain(once).collect()
        }
    };
    let mut every: Vec<char> = out.clone();
    for &c in labels.concat().iter() {
        if !every.contains(&c) {
            every.push(c);
        }
    }
    let len = |c: char| -> usize {
        labels
            .iter()
            .zip(ops)
            .flat_map(|(l, x)| {
                l.iter()
                    .zip(x.shape())
                    .filter(|(d, _)| **d == c)
                    .map(|(_, &n)| n)
            })
            .max()
            .unwrap()
    };
    let lens: Vec<usize> = every.iter().map(|&c| len(c)).collect();
    let out_shape: Vec<usize> = lens[..out.len()].to_vec();
    let mut result = ArrayD::<f64>::zeros(IxDyn(&out_shape));
    let total: usize = lens.iter().product();
    let mut at = vec![0usize; every.len()];
    for _ in 0..total {
        let mut p = 1.0;
        for (l, x) in labels.iter().zip(ops) {
            let idx: Vec<usize> = l
                .iter()
                .zip(x.shape())
                .map(|(c, &n)| {
                    if n == 1 {
                        0
                    } else {
                        at[every.iter().position(|d| d == c).unwrap()]
                    }
                })
                .collect();
            p *= x[IxDyn(&idx)];
        }
        result[IxDyn(&at[..out.len()])] += p;
        for k in (0..at.len()).rev() {
            at[k] += 1;
            if at[k] < lens[k] {
                break;
            }
            at[k] = 0;
        }
    }
    result
}

/// Dask's `_numpy_and_dask_inputs`: per label a length and chunks (`*` for `...`).
fn dim(c: char) -> (usize, Vec<usize>) {
    match c {
        'a' => (5, vec![2, 3]),
        'b' => (6, vec![2, 3, 1]),
        'c' => (7, vec![2, 3, 2]),
        'd' => (5, vec![4, 1]),
        'e' => (6, vec![2, 4]),
        'f' => (10, vec![1, 2, 3, 4]),
        'g' => (1, vec![1]),
        'h' => (2, vec![1, 1]),
        '*' => (11, vec![11]),
        _ => unreachable!(),
    }
}

/// `test_einsum`: every signature of its list, with Dask's inputs and chunks.
#[test]
fn einsum_signatures_as_numpys() {
    let signatures = [
        "abc,bad->abcd",
        "abcdef,bcdfg->abcdeg",
        "ea,fb,abcd,gc,hd->efgh",
        "ab,b",
        "aa",
        "a,a->",
        "a,a->a",
        "a,a",
        "a,b",
        "a,b,c",
        "a",
        "ba,b",
        "ba,b->",
        "defab,fedbc->defac",
        "ab...,bc...->ac...",
        "a...a",
        "abc...->cba...",
        "...ab->...a",
        "a...a->a...",
        "...abc,...abcd->...d",
        "ab...,b->ab...",
        "aa->a",
        "ab,ab,c->c",
        "aab,bc->ac",
        "aab,bcc->ac",
        "fdf,cdd,ccd,afe->ae",
        "fff,fae,bef,def->abd",
    ];
    for (k, sig) in signatures.iter().enumerate() {
        let inputs: Vec<String> = sig
            .split("->")
            .next()
            .unwrap()
            .replace("...", "*")
            .split(',')
            .map(String::from)
            .collect();
        let arrays: Vec<ArrayD<f64>> = inputs
            .iter()
            .enumerate()
            .map(|(i, s)| {
                rand_f64(
                    &s.chars().map(|c| dim(c).0).collect::<Vec<_>>(),
                    100 * k as u64 + i as u64,
                )
            })
            .collect();
        let darrays: Vec<DArray<f64>> = inputs
            .iter()
            .zip(&arrays)
            .map(|(s, a)| {
                from_array(a.clone(), s.chars().map(|c| dim(c).1).collect::<Vec<_>>()).unwrap()
            })
            .collect();
        let refs: Vec<&DArray<f64>> = darrays.iter().collect();
        let got = einsum(sig, &refs)
            .compute()
            .unwrap_or_else(|e| panic!("{sig}: {e}"));
        assert_close(&got, &naive(sig, &arrays), 1e-12, sig);
    }
}

fn chunked(a: &ArrayD<f64>, chunks: Vec<Vec<usize>>) -> DArray<f64> {
    from_array(a.clone(), chunks).unwrap()
}

/// `test_einsum_broadcasting_contraction`, `..._contraction2` and `..._contraction3`:
/// labels of length 1 in one operand against longer ones in another, in implicit and
/// explicit outputs, and the same product as an elementwise multiply.
#[test]
fn einsum_broadcasting_contractions() {
    let b = rand_f64(&[4, 6], 2);
    let c = rand_f64(&[5, 6], 3);
    let d_b = chunked(&b, vec![vec![2, 2], vec![4, 2]]);
    let d_c = chunked(&c, vec![vec![2, 3], vec![4, 2]]);

    // contraction: a (1, 5, 4), d (10,)
    let a = rand_f64(&[1, 5, 4], 1);
    let d = rand_f64(&[10], 4);
    let d_a = chunked(&a, vec![vec![1], vec![2, 3], vec![2, 2]]);
    let d_d = chunked(&d, vec![vec![7, 3]]);
    let res = einsum("ijk,kl,jl", &[&d_a, &d_b, &d_c]);
    let want = naive("ijk,kl,jl", &[a.clone(), b.clone(), c.clone()]);
    assert_close(&res.compute().unwrap(), &want, 1e-12, "ijk,kl,jl");
    let mul = &res * &d_d;
    let want = naive(
        "ijk,kl,jl,i->i",
        &[a.clone(), b.clone(), c.clone(), d.clone()],
    );
    let got = einsum("ijk,kl,jl,i->i", &[&d_a, &d_b, &d_c, &d_d]);
    assert_close(&got.compute().unwrap(), &want, 1e-12, "ijk,kl,jl,i->i");
    assert_close(&mul.compute().unwrap(), &want, 1e-12, "times d");

    // contraction2: a (1, 1, 5, 4), d (7, 7)
    let a = rand_f64(&[1, 1, 5, 4], 5);
    let d = rand_f64(&[7, 7], 6);
    let d_a = chunked(&a, vec![vec![1], vec![1], vec![2, 3], vec![2, 2]]);
    let d_d = chunked(&d, vec![vec![7], vec![3, 3, 1]]);
    let res = einsum("abjk,kl,jl", &[&d_a, &d_b, &d_c]);
    let want = naive("abjk,kl,jl", &[a.clone(), b.clone(), c.clone()]);
    assert_close(&res.compute().unwrap(), &want, 1e-12, "abjk,kl,jl");
    let mul = &res * &d_d;
    let want = naive(
        "abjk,kl,jl,ab->ab",
        &[a.clone(), b.clone(), c.clone(), d.clone()],
    );
    let got = einsum("abjk,kl,jl,ab->ab", &[&d_a, &d_b, &d_c, &d_d]);
    assert_close(&got.compute().unwrap(), &want, 1e-12, "abjk,kl,jl,ab->ab");
    assert_close(&mul.compute().unwrap(), &want, 1e-12, "times d (2)");

    // contraction3: a (1, 5, 4), b (4, 1, 6)
    let a = rand_f64(&[1, 5, 4], 7);
    let b3 = rand_f64(&[4, 1, 6], 8);
    let d_a = chunked(&a, vec![vec![1], vec![2, 3], vec![2, 2]]);
    let d_b3 = chunked(&b3, vec![vec![2, 2], vec![1], vec![4, 2]]);
    let want = naive("ajk,kbl,jl,ab->ab", &[a, b3, c, d]);
    let got = einsum("ajk,kbl,jl,ab->ab", &[&d_a, &d_b3, &d_c, &d_d]);
    assert_close(&got.compute().unwrap(), &want, 1e-12, "ajk,kbl,jl,ab->ab");
}

/// Specs numpy refuses are errors naming the spec: two `...` in one operand, an
/// output without `...` when the operands have axes under it, a repeated label over
/// axes of different lengths.
#[test]
fn einsum_bad_specs() {
    let x = from_array(rand_f64(&[2, 3, 4], 9), [1, 2, 2]).unwrap();
    for spec in ["......", "a...->a", "aab", "a..b...", "a1c"] {
        let e = einsum(spec, &[&x]).compute().unwrap_err().to_string();
        assert!(e.contains(spec), "{spec}: {e}");
    }
}

/// `test_tensordot_more_than_26_dims`: a contraction over 27 axes (54 labels, more
/// than an einsum spec's 52 letters). Dask's operand is `broadcast_to(1, [2] * 27)`, a
/// view of 2^27 ones; here ten axes of 2 and seventeen of 1, the same 27 axes.
#[test]
fn tensordot_more_than_26_dims() {
    let shape: Vec<usize> = (0..27).map(|d| if d < 10 { 2 } else { 1 }).collect();
    let x = chunkwise::array::ones(&shape, shape.clone()).unwrap();
    let axes: Vec<usize> = (0..27).collect();
    let got = x.tensordot(&x, &axes, &axes).compute().unwrap();
    assert_eq!(got, ArrayD::from_elem(IxDyn(&[]), 1024.0));
    // The first 13 axes contracted (all ten of length 2 among them): 28 axes of
    // length 1 left, holding the 2^10 products summed.
    let half: Vec<usize> = (0..13).collect();
    let got = x.tensordot(&x, &half, &half).compute().unwrap();
    assert_eq!(got.shape(), &[1; 28][..]);
    assert_eq!(got.sum(), 1024.0);
    // Contracting the last axes instead leaves the 2^10 x 2^10 outer product of ones.
    let tail: Vec<usize> = (10..27).collect();
    let got = x.tensordot(&x, &tail, &tail).compute().unwrap();
    assert_eq!(got.ndim(), 20);
    assert_eq!(got.len(), 1 << 20);
    assert!(got.iter().all(|&v| v == 1.0));
}
