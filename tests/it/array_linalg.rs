//! Linear algebra against plain loops and ndarray (following Dask's test_linalg and
//! the einsum/tensordot tests of test_routines): einsum over every role a label can
//! play, with ragged, one-chunk and empty chunks; tensordot, outer, batched matmul;
//! TSQR, SVD, Cholesky, solve, inv and lstsq checked by what they must satisfy.

use std::collections::HashMap;

use chunkwise::array::{Chunks, DArray, einsum, from_array};
use ndarray::{ArrayD, Ix2, IxDyn};

/// numpy's einsum by brute force: every assignment of values to the labels.
fn einsum_ref(spec: &str, ops: &[&ArrayD<i64>]) -> ArrayD<i64> {
    let (ins, out) = spec.split_once("->").unwrap();
    let ins: Vec<Vec<char>> = ins.split(',').map(|s| s.chars().collect()).collect();
    let out: Vec<char> = out.chars().collect();
    let mut size = HashMap::new();
    for (l, a) in ins.iter().zip(ops) {
        for (c, &n) in l.iter().zip(a.shape()) {
            size.insert(*c, n);
        }
    }
    let mut labels: Vec<char> = size.keys().copied().collect();
    labels.sort_unstable();
    let shape: Vec<usize> = out.iter().map(|c| size[c]).collect();
    let mut res = ArrayD::<i64>::zeros(IxDyn(&shape));
    let total: usize = labels.iter().map(|c| size[c]).product();
    for mut flat in 0..total {
        let mut val = HashMap::new();
        for c in labels.iter().rev() {
            val.insert(*c, flat % size[c]);
            flat /= size[c];
        }
        let mut p = 1;
        for (l, a) in ins.iter().zip(ops) {
            let idx: Vec<usize> = l.iter().map(|c| val[c]).collect();
            p *= a[IxDyn(&idx)];
        }
        let o: Vec<usize> = out.iter().map(|c| val[c]).collect();
        res[IxDyn(&o)] += p;
    }
    res
}

fn arr(shape: &[usize], seed: i64) -> ArrayD<i64> {
    let mut k = seed;
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        k = (k * 31 + 7) % 23;
        k - 11
    })
}

#[test]
fn einsum_matches_brute_force_for_every_role() {
    let cases: Vec<(&str, Vec<usize>, Vec<usize>)> = vec![
        ("ij,jk->ik", vec![5, 4], vec![4, 3]),
        ("ij,jk->ki", vec![5, 4], vec![4, 3]),
        ("bij,bjk->bik", vec![3, 4, 5], vec![3, 5, 2]),
        ("i,i->", vec![7], vec![7]),
        ("i,j->ij", vec![4], vec![3]),
        ("ijk,jil->kl", vec![3, 4, 2], vec![4, 3, 5]),
        ("ij,k->", vec![3, 4], vec![2]), // labels summed in one operand only
        ("ij,jk->i", vec![5, 4], vec![4, 3]), // k summed after the product
        ("ijb,jb->bi", vec![3, 4, 2], vec![4, 2]),
    ];
    for (spec, sa, sb) in cases {
        let (a, b) = (arr(&sa, 1), arr(&sb, 5));
        let want = einsum_ref(spec, &[&a, &b]);
        let chunkings: Vec<(Chunks, Chunks)> = vec![
            (
                Chunks::Shape(vec![2; sa.len()]),
                Chunks::Shape(vec![3; sb.len()]),
            ),
            (Chunks::Shape(sa.clone()), Chunks::Shape(sb.clone())),
            (
                Chunks::Shape(vec![1; sa.len()]),
                Chunks::Shape(vec![2; sb.len()]),
            ),
        ];
        for (ca, cb) in chunkings {
            let x: DArray<i64> = from_array(a.clone(), ca.clone()).unwrap();
            let y: DArray<i64> = from_array(b.clone(), cb.clone()).unwrap();
            let got = einsum(spec, &[&x, &y]).compute().unwrap();
            assert_eq!(got, want, "{spec} {ca:?} {cb:?}");
        }
    }
}

#[test]
fn einsum_one_and_three_operands_and_implicit_output() {
    let a = arr(&[4, 5], 2);
    let x = from_array(a.clone(), [3, 2]).unwrap();
    assert_eq!(einsum("ij->ji", &[&x]).compute().unwrap(), a.t().to_owned());
    assert_eq!(
        einsum("ij->j", &[&x]).compute().unwrap(),
        a.sum_axis(ndarray::Axis(0))
    );
    assert_eq!(einsum("ij->", &[&x]).compute_scalar().unwrap(), a.sum());
    // Implicit output: the labels seen once, alphabetically ("ij,jk" -> "ik").
    let b = arr(&[5, 3], 3);
    let y = from_array(b.clone(), [2, 2]).unwrap();
    assert_eq!(
        einsum("ij,jk", &[&x, &y]).compute().unwrap(),
        einsum_ref("ij,jk->ik", &[&a, &b])
    );
    let c = arr(&[3, 2], 4);
    let z = from_array(c.clone(), [1, 2]).unwrap();
    assert_eq!(
        einsum("ij,jk,kl->il", &[&x, &y, &z]).compute().unwrap(),
        einsum_ref("ij,jk,kl->il", &[&a, &b, &c])
    );
}

#[test]
fn einsum_with_empty_and_zero_size_chunks() {
    let a = arr(&[6, 4], 1);
    let b = arr(&[4, 3], 2);
    let x: DArray<i64> = from_array(a.clone(), vec![vec![0, 2, 4], vec![4, 0]]).unwrap();
    let y: DArray<i64> = from_array(b.clone(), vec![vec![1, 0, 3], vec![3]]).unwrap();
    assert_eq!(
        x.matmul(&y).compute().unwrap(),
        einsum_ref("ij,jk->ik", &[&a, &b])
    );
    // A contracted axis of length 0 gives zeros.
    let e: DArray<i64> = from_array(ArrayD::zeros(IxDyn(&[3, 0])), [2, 1]).unwrap();
    let f: DArray<i64> = from_array(ArrayD::zeros(IxDyn(&[0, 2])), [1, 2]).unwrap();
    assert_eq!(
        e.matmul(&f).compute().unwrap(),
        ArrayD::<i64>::zeros(IxDyn(&[3, 2]))
    );
}

#[test]
fn einsum_errors_name_the_problem() {
    let x = from_array(arr(&[3, 4], 1), [2, 2]).unwrap();
    let y = from_array(arr(&[5, 2], 1), [2, 2]).unwrap();
    let msg = |r: chunkwise::Result<ArrayD<i64>>| r.unwrap_err().to_string();
    assert!(msg(einsum("ij,jk->ik", &[&x, &y]).compute()).contains("length 4"));
    assert!(msg(einsum("ii->i", &[&x]).compute()).contains("repeats"));
    assert!(msg(einsum("ij,jk->iz", &[&x, &y]).compute()).contains("'z'"));
    assert!(msg(einsum("ijk->i", &[&x]).compute()).contains("3 labels"));
    assert!(msg(einsum("...j->j", &[&x]).compute()).contains("output names none"));
    assert!(msg(einsum("i1->i", &[&x]).compute()).contains("not a label"));
    assert!(msg(x.matmul(&y).compute()).contains("do not match"));
    assert!(msg(x.tensordot(&y, &[5], &[0]).compute()).contains("tensordot"));
}

#[test]
fn tensordot_outer_and_batched_matmul() {
    let a = arr(&[3, 4, 5], 1);
    let b = arr(&[4, 3, 2], 2);
    let x = from_array(a.clone(), [2, 3, 2]).unwrap();
    let y = from_array(b.clone(), [1, 2, 2]).unwrap();
    assert_eq!(
        x.tensordot(&y, &[1, 0], &[0, 1]).compute().unwrap(),
        einsum_ref("ijk,jil->kl", &[&a, &b])
    );
    // No axes: the outer product of the two.
    let p = arr(&[3], 1);
    let q = arr(&[2, 2], 2);
    let (xp, xq) = (
        from_array(p.clone(), [2]).unwrap(),
        from_array(q.clone(), [1, 2]).unwrap(),
    );
    assert_eq!(
        xp.tensordot(&xq, &[], &[]).compute().unwrap(),
        einsum_ref("i,jk->ijk", &[&p, &q])
    );
    let flat = q.clone().into_shape_with_order(IxDyn(&[4])).unwrap();
    assert_eq!(
        xp.outer(&xq).compute().unwrap(),
        einsum_ref("i,j->ij", &[&p, &flat])
    );
    // A stack of matrix products, as numpy's matmul of 3-d arrays.
    let s = arr(&[2, 3, 4], 3);
    let t = arr(&[2, 4, 5], 4);
    let (xs, xt) = (
        from_array(s.clone(), [1, 2, 3]).unwrap(),
        from_array(t.clone(), [2, 3, 2]).unwrap(),
    );
    assert_eq!(
        xs.matmul(&xt).compute().unwrap(),
        einsum_ref("bij,bjk->bik", &[&s, &t])
    );
    // 1-d with 2-d and 1-d with 1-d.
    let v = arr(&[4], 5);
    let m = arr(&[4, 3], 6);
    let (xv, xm) = (
        from_array(v.clone(), [3]).unwrap(),
        from_array(m.clone(), [2, 2]).unwrap(),
    );
    assert_eq!(
        xv.matmul(&xm).compute().unwrap(),
        einsum_ref("k,kj->j", &[&v, &m])
    );
    assert_eq!(
        xv.dot(&xv).compute_scalar().unwrap(),
        v.iter().map(|a| a * a).sum::<i64>()
    );
}

#[cfg(feature = "linalg")]
fn close(a: &ArrayD<f64>, b: &ArrayD<f64>, tol: f64) -> bool {
    a.shape() == b.shape()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= tol * (1.0 + y.abs()))
}

#[cfg(feature = "linalg")]
fn tall(m: usize, n: usize) -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(&[m, n]), |i| {
        let v = ((i[0] * 7919 + i[1] * 104729) % 1000) as f64 / 1000.0;
        v + if i[0] == i[1] { 2.0 } else { 0.0 }
    })
}

#[cfg(feature = "linalg")]
fn eye_close(g: &ArrayD<f64>) -> bool {
    let n = g.shape()[0];
    close(
        g,
        &ArrayD::from_shape_fn(IxDyn(&[n, n]), |i| (i[0] == i[1]) as u8 as f64),
        1e-10,
    )
}

#[cfg(feature = "linalg")]
#[test]
fn tsqr_reconstructs_with_orthonormal_q() {
    // Ragged row chunks, a row chunk shorter than the column count, columns in
    // several chunks (rechunked), one chunk, an empty row chunk.
    let cases: Vec<(usize, usize, Chunks)> = vec![
        (100, 6, Chunks::Shape(vec![30, 6])),
        (50, 8, Chunks::Shape(vec![5, 3])),
        (40, 5, Chunks::Shape(vec![40, 5])),
        (20, 4, Chunks::Explicit(vec![vec![0, 3, 17], vec![4]])),
        (6, 9, Chunks::Shape(vec![4, 9])), // wider than tall: r is 6 x 9
    ];
    for (m, n, chunks) in cases {
        let a = tall(m, n);
        let x = from_array(a.clone(), chunks.clone()).unwrap();
        let (q, r) = x.tsqr();
        let kk = m.min(n);
        assert_eq!(q.shape(), &[m, kk]);
        assert_eq!(r.shape(), &[kk, n]);
        let rr = r.compute().unwrap();
        for i in 0..kk {
            for j in 0..i.min(n) {
                assert!(
                    rr[[i, j]].abs() < 1e-12,
                    "r not upper triangular {chunks:?}"
                );
            }
        }
        assert!(
            close(&q.matmul(&r).compute().unwrap(), &a, 1e-10),
            "q r != a {chunks:?}"
        );
        assert!(
            eye_close(&q.t().matmul(&q).compute().unwrap()),
            "qᵀq != I {chunks:?}"
        );
    }
}

#[cfg(feature = "linalg")]
#[test]
fn svd_of_tall_and_wide_arrays() {
    let a = tall(60, 5);
    let x = from_array(a.clone(), [25, 2]).unwrap();
    let (u, s, vt) = x.svd();
    let (u, s, vt) = (
        u.compute().unwrap(),
        s.compute().unwrap(),
        vt.compute().unwrap(),
    );
    assert_eq!(
        (u.shape(), s.shape(), vt.shape()),
        (&[60, 5][..], &[5][..], &[5, 5][..])
    );
    assert!(s.iter().zip(s.iter().skip(1)).all(|(p, q)| p >= q));
    let u2 = u.clone().into_dimensionality::<Ix2>().unwrap();
    let vt2 = vt.clone().into_dimensionality::<Ix2>().unwrap();
    let back = (&u2 * &s.clone().into_shape_with_order((1, 5)).unwrap()).dot(&vt2);
    assert!(close(&back.into_dyn(), &a, 1e-10));
    assert!(eye_close(&u2.t().dot(&u2).into_dyn()));
    // The singular values are the square roots of aᵀa's eigenvalues: their squares
    // sum to the squared Frobenius norm.
    let fro: f64 = a.iter().map(|v| v * v).sum();
    assert!((s.iter().map(|v| v * v).sum::<f64>() - fro).abs() < 1e-9 * fro);
    // Wide: the transpose's factors.
    let w = a.t().to_owned();
    let xw = from_array(w.clone(), [5, 20]).unwrap();
    let (u, s2, vt) = xw.svd();
    assert!(close(&s2.compute().unwrap(), &s, 1e-10));
    let (u, vt) = (u.compute().unwrap(), vt.compute().unwrap());
    assert_eq!((u.shape(), vt.shape()), (&[5, 5][..], &[5, 60][..]));
    let u2 = u.into_dimensionality::<Ix2>().unwrap();
    let vt2 = vt.into_dimensionality::<Ix2>().unwrap();
    let back = (&u2 * &s.into_shape_with_order((1, 5)).unwrap()).dot(&vt2);
    assert!(close(&back.into_dyn(), &w, 1e-10));
}

#[cfg(feature = "linalg")]
fn spd(n: usize) -> ArrayD<f64> {
    let b = tall(n, n).into_dimensionality::<Ix2>().unwrap();
    let mut m = b.t().dot(&b);
    for i in 0..n {
        m[[i, i]] += n as f64;
    }
    m.into_dyn()
}

#[cfg(feature = "linalg")]
#[test]
fn cholesky_blocked_over_tiles() {
    for (n, chunks) in [
        (12, Chunks::Shape(vec![5, 5])),
        (12, Chunks::Shape(vec![12, 12])),
        (9, Chunks::Shape(vec![4, 3])), // rows and columns cut differently: made square
        (7, Chunks::Shape(vec![1, 1])),
    ] {
        let a = spd(n);
        let x = from_array(a.clone(), chunks.clone()).unwrap();
        let l = x
            .cholesky()
            .compute()
            .unwrap()
            .into_dimensionality::<Ix2>()
            .unwrap();
        for i in 0..n {
            for j in i + 1..n {
                assert_eq!(l[[i, j]], 0.0, "{chunks:?}");
            }
        }
        assert!(
            close(&l.dot(&l.t()).into_dyn(), &a, 1e-10),
            "l lᵀ != a {chunks:?}"
        );
    }
    let not_pd = from_array(
        ArrayD::from_shape_fn(IxDyn(&[4, 4]), |i| (i[0] == i[1]) as u8 as f64 - 2.0),
        [2, 2],
    )
    .unwrap();
    let e = not_pd.cholesky().compute().unwrap_err().to_string();
    assert!(
        e.contains("not positive definite") && e.contains("tile (0, 0)"),
        "{e}"
    );
}

#[cfg(feature = "linalg")]
#[test]
fn solve_inv_and_lstsq() {
    let a = spd(10);
    let a2 = a.clone().into_dimensionality::<Ix2>().unwrap();
    let x = from_array(a.clone(), [4, 4]).unwrap();
    let b = tall(10, 3);
    let y = from_array(b.clone(), [3, 2]).unwrap();
    let sol = x.solve(&y).compute().unwrap();
    assert_eq!(sol.shape(), &[10, 3]);
    assert!(close(
        &a2.dot(&sol.into_dimensionality::<Ix2>().unwrap())
            .into_dyn(),
        &b,
        1e-10
    ));
    let v = from_array(ArrayD::from_shape_fn(IxDyn(&[10]), |i| i[0] as f64), [4]).unwrap();
    let sv = x.solve(&v).compute().unwrap();
    assert_eq!(sv.shape(), &[10]);
    let inv = x
        .inv()
        .compute()
        .unwrap()
        .into_dimensionality::<Ix2>()
        .unwrap();
    assert!(eye_close(&a2.dot(&inv).into_dyn()));
    // Least squares against the normal equations, solved here by the Cholesky factor.
    let m = tall(80, 4);
    let xm = from_array(m.clone(), [30, 4]).unwrap();
    let rhs = ArrayD::from_shape_fn(IxDyn(&[80]), |i| (i[0] % 7) as f64 - 3.0);
    let (sol, res, rank, sv) = xm.lstsq(&from_array(rhs.clone(), [25]).unwrap());
    let (sol, res) = (sol.compute().unwrap(), res.compute().unwrap());
    assert_eq!(rank.compute().unwrap(), 4);
    let sv = sv.compute().unwrap();
    assert_eq!(sv.shape(), &[4]);
    assert!(
        sv[[0]] >= sv[[1]] && sv[[1]] >= sv[[2]] && sv[[3]] > 1e-6,
        "{sv}"
    );
    let m2 = m.into_dimensionality::<Ix2>().unwrap();
    let r1 = rhs.clone().into_dimensionality::<ndarray::Ix1>().unwrap();
    // mᵀ(m x - b) = 0 at the least-squares solution.
    let s1 = sol.into_dimensionality::<ndarray::Ix1>().unwrap();
    let grad = m2.t().dot(&(m2.dot(&s1) - &r1));
    assert!(grad.iter().all(|g| g.abs() < 1e-9), "{grad:?}");
    let want_res: f64 = (m2.dot(&s1) - &r1).iter().map(|d| d * d).sum();
    assert_eq!(res.shape(), &[1]);
    assert!((res[[0]] - want_res).abs() < 1e-9 * (1.0 + want_res));
    // Errors name the function and the shapes.
    let e = from_array(tall(3, 4), [2, 2])
        .unwrap()
        .solve(&y)
        .compute()
        .unwrap_err()
        .to_string();
    assert!(e.contains("square"), "{e}");
    let e = x
        .solve(&from_array(tall(9, 1), [3, 1]).unwrap())
        .compute()
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not match"), "{e}");
}

#[cfg(feature = "linalg")]
#[test]
fn f32_factorizations() {
    let a = tall(40, 3).mapv(|v| v as f32);
    let x: DArray<f32> = from_array(a.clone(), [15, 3]).unwrap();
    let (q, r) = x.tsqr();
    let back = q.matmul(&r).compute().unwrap();
    assert!(back.iter().zip(&a).all(|(p, q)| (p - q).abs() < 1e-4));
}

#[test]
fn cov_and_corrcoef_against_loops() {
    let a = ArrayD::from_shape_fn(IxDyn(&[3, 11]), |i| {
        ((i[0] * 5 + i[1] * i[1]) % 13) as f64 - 4.0
    });
    let x = from_array(a.clone(), [2, 4]).unwrap();
    let (v, n) = (3, 11);
    let mean: Vec<f64> = (0..v)
        .map(|r| (0..n).map(|j| a[[r, j]]).sum::<f64>() / n as f64)
        .collect();
    let cov = |p: usize, q: usize, ddof: usize| {
        (0..n)
            .map(|j| (a[[p, j]] - mean[p]) * (a[[q, j]] - mean[q]))
            .sum::<f64>()
            / (n - ddof) as f64
    };
    let got = x.cov(1).compute().unwrap();
    let got0 = x.cov(0).compute().unwrap();
    let cc = x.corrcoef().compute().unwrap();
    for p in 0..v {
        for q in 0..v {
            assert!((got[[p, q]] - cov(p, q, 1)).abs() < 1e-12);
            assert!((got0[[p, q]] - cov(p, q, 0)).abs() < 1e-12);
            let r = cov(p, q, 1) / (cov(p, p, 1) * cov(q, q, 1)).sqrt();
            assert!((cc[[p, q]] - r).abs() < 1e-12);
        }
    }
    // One variable: a 0-d variance.
    let row = from_array(a.index_axis(ndarray::Axis(0), 0).to_owned(), [4]).unwrap();
    assert!((row.cov(1).compute_scalar().unwrap() - cov(0, 0, 1)).abs() < 1e-12);
    assert!(
        from_array(ArrayD::<f64>::zeros(IxDyn(&[2, 2, 2])), [1, 1, 1])
            .unwrap()
            .cov(1)
            .compute()
            .is_err()
    );
}

/// Dask's `test_lstsq` (`dask/array/tests/test_linalg.py`), on integer matrices as there
/// (1..20, here from a fixed formula): full rank, then a column copied onto another
/// (rank one short: numpy's minimum-norm answer, where Dask's triangular solve gives
/// infinities), then a 2-d right side; and a zero matrix.
#[cfg(feature = "linalg")]
#[test]
fn lstsq_as_dask_and_numpy_full_and_short_rank() {
    use ndarray::Array2;
    let ints = |m: usize, n: usize, salt: usize| {
        Array2::from_shape_fn((m, n), |(i, j)| {
            (1 + (i * 7919 + j * 104_729 + salt * 31) % 19) as f64
        })
    };
    // What must hold: Aᵀ(Ax - b) = 0, and for short rank x ⟂ the null space.
    let check = |a: &Array2<f64>, b: &Array2<f64>, x: &Array2<f64>, tol: f64| {
        let g = a.t().dot(&(a.dot(x) - b));
        let scale = a.iter().map(|v| v.abs()).fold(0.0, f64::max).powi(2) * b.len() as f64;
        assert!(g.iter().all(|v| v.abs() < tol * scale), "{g}");
    };
    for (nrow, ncol, chunk) in [(20, 10, 5), (100, 10, 10)] {
        let mut a = ints(nrow, ncol, 1);
        let b = ints(nrow, 1, 2).into_shape_with_order(nrow).unwrap();
        let run = |a: &Array2<f64>| {
            let da = from_array(a.clone().into_dyn(), [chunk, ncol]).unwrap();
            let db = from_array(b.clone().into_dyn(), [chunk]).unwrap();
            let (x, r, rank, s) = da.lstsq(&db);
            let x = x
                .compute()
                .unwrap()
                .into_dimensionality::<ndarray::Ix1>()
                .unwrap();
            let r = r.compute().unwrap();
            (x, r, rank.compute().unwrap(), s.compute().unwrap())
        };
        let (x, r, rank, s) = run(&a);
        assert_eq!(rank, ncol);
        let b2 = b.clone().insert_axis(ndarray::Axis(1));
        let x2 = x.clone().insert_axis(ndarray::Axis(1));
        check(&a, &b2, &x2, 1e-12);
        let want_r: f64 = (a.dot(&x) - &b).iter().map(|d| d * d).sum();
        assert!((r[[0]] - want_r).abs() < 1e-9 * want_r.max(1.0));
        // The singular values: sum of squares is the Frobenius norm's square.
        let fro: f64 = a.iter().map(|v| v * v).sum();
        let ss: f64 = s.iter().map(|v| v * v).sum();
        assert!((fro - ss).abs() < 1e-9 * fro);
        assert!(
            s.iter()
                .collect::<Vec<_>>()
                .windows(2)
                .all(|w| w[0] >= w[1])
        );
        // Multicollinearity: rank one short, and the minimum-norm answer.
        let c2 = a.column(2).to_owned();
        a.column_mut(1).assign(&c2);
        let (x, _, rank, s) = run(&a);
        assert_eq!(rank, ncol - 1);
        assert!(s[[ncol - 1]] < 1e-9 * s[[0]]);
        assert!(x.iter().all(|v| v.is_finite()), "{x}");
        check(&a, &b2, &x.clone().insert_axis(ndarray::Axis(1)), 1e-10);
        // The null space is e1 - e2: a minimum-norm x has x1 == x2.
        assert!((x[1] - x[2]).abs() < 1e-9 * (1.0 + x[1].abs()), "{x}");
    }
    // A 2-d right side, its columns in two chunks.
    let a = ints(100, 10, 3);
    let b = ints(100, 5, 4);
    let da = from_array(a.clone().into_dyn(), [10, 10]).unwrap();
    let db = from_array(b.clone().into_dyn(), [10, 3]).unwrap();
    let (x, r, rank, _) = da.lstsq(&db);
    let x = x.compute().unwrap().into_dimensionality::<Ix2>().unwrap();
    assert_eq!(x.dim(), (10, 5));
    assert_eq!(rank.compute().unwrap(), 10);
    check(&a, &b, &x, 1e-12);
    let r = r.compute().unwrap();
    assert_eq!(r.shape(), &[5]);
    for j in 0..5 {
        let want: f64 = (a.dot(&x.column(j)) - b.column(j))
            .iter()
            .map(|d| d * d)
            .sum();
        assert!((r[[j]] - want).abs() < 1e-9 * want.max(1.0));
    }
    // A zero matrix: rank 0, x = 0 (numpy's), residuals the squares of b.
    let z = from_array(ArrayD::zeros(IxDyn(&[12, 3])), [5, 3]).unwrap();
    let bz = from_array(ArrayD::from_elem(IxDyn(&[12]), 2.0), [5]).unwrap();
    let (x, r, rank, _) = z.lstsq(&bz);
    assert_eq!(rank.compute().unwrap(), 0);
    assert!(x.compute().unwrap().iter().all(|v| *v == 0.0));
    assert_eq!(r.compute().unwrap()[[0]], 48.0);
}
