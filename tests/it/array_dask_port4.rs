//! Dask's array tests, a fourth round: rows whose features landed after the inventory
//! judged them (coarsen, round, divmod) and the two ufuncs added with them (`frexp`,
//! `i0`). Each test names the Dask test it follows; every answer is compared with a
//! plain loop over the same ndarray (numpy's documented results).

use chunkwise::array::{DArray, arange, from_array, zeros};
use ndarray::{ArrayD, IxDyn};

use super::array_dask_port::rand_f64;

/// numpy's `randint(1, 100, size=(20, 20))`, from a fixed stream.
fn ints(seed: u64) -> ArrayD<i64> {
    rand_f64(&[20, 20], seed).mapv(|v| 1 + (v * 99.0) as i64)
}

fn sum_windows(a: &ArrayD<i64>, f0: usize, f1: usize, mean: bool) -> ArrayD<f64> {
    let (r, c) = (a.shape()[0] / f0, a.shape()[1] / f1);
    ArrayD::from_shape_fn(IxDyn(&[r, c]), |ix| {
        let mut s = 0.0;
        for i in 0..f0 {
            for j in 0..f1 {
                s += a[[ix[0] * f0 + i, ix[1] * f1 + j]] as f64;
            }
        }
        if mean { s / (f0 * f1) as f64 } else { s }
    })
}

/// test_coarsen: sums and (float32) means over 2 x 4 windows of a 24 x 24 array in
/// 4 x 8 chunks, against the windows summed by a loop.
#[test]
fn test_coarsen() {
    let x = rand_f64(&[24, 24], 11).mapv(|v| (v * 10.0) as i64);
    let d = from_array(x.clone(), [4, 8]).unwrap();
    let sums = d.coarsen(&[(0, 2), (1, 4)], false, |w| w.sum());
    assert_eq!(
        sums.compute().unwrap().mapv(|v| v as f64),
        sum_windows(&x, 2, 4, false)
    );
    let means = d.coarsen(&[(0, 2), (1, 4)], false, |w| {
        (w.iter().sum::<i64>() as f64 / w.len() as f64) as f32
    });
    let want = sum_windows(&x, 2, 4, true).mapv(|v| v as f32);
    assert_eq!(means.compute().unwrap(), want);
}

/// test_coarsen_with_excess: windows of 5 and of 3 over `arange(10)` in chunks of 5,
/// the excess trimmed.
#[test]
fn test_coarsen_with_excess() {
    let x = arange(0.0, 10.0, 1.0, [5]).unwrap();
    let min = x.coarsen(&[(0, 5)], true, |w| {
        w.iter().cloned().fold(f64::INFINITY, f64::min)
    });
    assert_eq!(
        min.compute().unwrap().into_raw_vec_and_offset().0,
        vec![0.0, 5.0]
    );
    let sum = x.coarsen(&[(0, 3)], true, |w| w.sum());
    assert_eq!(
        sum.compute().unwrap().into_raw_vec_and_offset().0,
        vec![3.0, 12.0, 21.0]
    );
}

/// test_coarsen_bad_chunks: three equal chunks of 16 to 31, windows of 10 with the
/// excess trimmed, equal to the same over chunks of 5.
#[test]
fn test_coarsen_bad_chunks() {
    for c in 16..32 {
        let n = 3 * c;
        let x1 = arange(0.0, n as f64, 1.0, [5]).unwrap();
        let x2 = x1.rechunk(vec![vec![c, c, c]]);
        let a = x1.coarsen(&[(0, 10)], true, |w| w.sum()).compute().unwrap();
        let b = x2.coarsen(&[(0, 10)], true, |w| w.sum()).compute().unwrap();
        let want: Vec<f64> = (0..n / 10)
            .map(|k| (k * 10..k * 10 + 10).map(|i| i as f64).sum())
            .collect();
        assert_eq!(a.into_raw_vec_and_offset().0, want, "{c}");
        assert_eq!(b.into_raw_vec_and_offset().0, want, "{c}");
    }
}

/// test_rechunk_non_perfect_slicing_of_dimensions (GH#7859): a mean over 2 x 2 x 2
/// windows of zeros of shape (200, 100, 1059) in chunks (1, -1, -1), the excess
/// trimmed, rechunked to 64s: it computes, zeros of shape (100, 50, 529).
#[test]
fn test_rechunk_non_perfect_slicing_of_dimensions() {
    let x = zeros(&[200, 100, 1059], [1, 100, 1059]).unwrap();
    let arr = x.coarsen(&[(0, 2), (1, 2), (2, 2)], true, |w| w.mean().unwrap_or(0.0));
    let result = arr.rechunk([64, 64, 64]);
    assert_eq!(result.shape(), &[100, 50, 529]);
    assert_eq!(result.chunks()[2], vec![64, 64, 64, 64, 64, 64, 64, 64, 17]);
    let r = result.compute().unwrap();
    assert!(r.iter().all(|&v| v == 0.0));
}

/// test_round: `x.round(i)` for i in 0, 1, 4, 5, as numpy (half to even at the scaled
/// value).
#[test]
fn test_round() {
    let x = rand_f64(&[10], 3);
    let d = from_array(x.clone(), [4]).unwrap();
    for i in [0, 1, 4, 5] {
        let scale = 10f64.powi(i);
        let want = x.mapv(|v| (v * scale).round_ties_even() / scale);
        assert_eq!(d.round_to(i).compute().unwrap(), want, "{i}");
    }
}

/// test_divmod: `divmod` of an integer array by 2.0 and by another integer array
/// (numpy's floor division and Python's modulo, the sign of the divisor).
#[test]
fn test_divmod() {
    let (a1, a2) = (ints(1), ints(2));
    let d1 = from_array(a1.clone(), [3, 3]).unwrap();
    let d2 = from_array(a2.clone(), [3, 3]).unwrap();
    // By 2.0: the integers promoted to float.
    let two = d1.astype::<f64>().full_like(2.0);
    let (q, r) = d1.astype::<f64>().divmod(&two);
    let f1 = a1.mapv(|v| v as f64);
    assert_eq!(q.compute().unwrap(), f1.mapv(|v| (v / 2.0).floor()));
    assert_eq!(
        r.compute().unwrap(),
        f1.mapv(|v| v - 2.0 * (v / 2.0).floor())
    );
    // By another integer array.
    let (q, r) = d1.divmod(&d2);
    let want_q = ndarray::Zip::from(&a1)
        .and(&a2)
        .map_collect(|&x, &y| x.div_euclid(y));
    let want_r = ndarray::Zip::from(&a1)
        .and(&a2)
        .map_collect(|&x, &y| x.rem_euclid(y));
    assert_eq!(q.compute().unwrap(), want_q);
    assert_eq!(r.compute().unwrap(), want_r);
    // Negative operands: Python's rule (floor, and the divisor's sign).
    let n = from_array(ndarray::arr1(&[-7i64, 7, -7]).into_dyn(), [2]).unwrap();
    let m = from_array(ndarray::arr1(&[2i64, -2, -2]).into_dyn(), [2]).unwrap();
    let (q, r) = n.divmod(&m);
    assert_eq!(
        q.compute().unwrap().into_raw_vec_and_offset().0,
        vec![-4, -4, 3]
    );
    assert_eq!(
        r.compute().unwrap().into_raw_vec_and_offset().0,
        vec![1, -1, -1]
    );
}

/// test_ufunc_2results: `frexp` and `modf` of integers 1..100 (as floats), each part
/// against numpy's definition.
#[test]
fn test_ufunc_2results() {
    let a = ints(3).mapv(|v| v as f64);
    let d: DArray<f64> = from_array(a.clone(), [3, 3]).unwrap();
    let (m, e) = d.frexp();
    let (m, e) = (m.compute().unwrap(), e.compute().unwrap());
    for ((&x, &m), &e) in a.iter().zip(&m).zip(&e) {
        assert!((0.5..1.0).contains(&m.abs()), "{x}: {m}");
        assert_eq!(m * 2f64.powi(e), x);
    }
    // Exact values numpy gives.
    let x = from_array(
        ndarray::arr1(&[1.0, 0.75, -12.0, 0.0, 1e-310, f64::INFINITY]).into_dyn(),
        [4],
    )
    .unwrap();
    let (m, e) = x.frexp();
    let m = m.compute().unwrap().into_raw_vec_and_offset().0;
    assert_eq!(&m[..4], &[0.5, 0.75, -0.75, 0.0]);
    assert_eq!(m[5], f64::INFINITY);
    assert_eq!(
        e.compute().unwrap().into_raw_vec_and_offset().0,
        vec![1, 0, 4, 0, -1029, 0]
    );
    // 2^-1029 in two steps: powi(-1029) divides by an overflowing 2^1029.
    assert_eq!(m[4] * 2f64.powi(-1000) * 2f64.powi(-29), 1e-310);
    let (frac, int) = d.modf();
    assert_eq!(frac.compute().unwrap(), a.mapv(|v| v.fract()));
    assert_eq!(int.compute().unwrap(), a.mapv(|v| v.trunc()));
}

/// test_non_ufunc_others: `i0`, `sinc` and `nan_to_num` of integers 1..100 (the first
/// two as floats; `nan_to_num` of integers gives them back).
#[test]
fn test_non_ufunc_others() {
    let ia = ints(4);
    let id = from_array(ia.clone(), [3, 3]).unwrap();
    assert_eq!(id.nan_to_num(0, i64::MAX, i64::MIN).compute().unwrap(), ia);
    let a = ia.mapv(|v| v as f64);
    let d = from_array(a.clone(), [3, 3]).unwrap();
    // I0 is even, 1 at 0, and overflows past 713.99 as numpy's; elsewhere it is
    // checked against its definition I0(x) = (1/pi) * integral_0^pi e^(x cos t) dt by
    // the trapezoid rule, spectrally accurate for this periodic integrand.
    let pts = from_array(ndarray::arr1(&[0.0, 2.5, -2.5, 800.0]).into_dyn(), [3])
        .unwrap()
        .i0()
        .compute()
        .unwrap()
        .into_raw_vec_and_offset()
        .0;
    assert_eq!((pts[0], pts[3]), (1.0, f64::INFINITY));
    assert_eq!(pts[1], pts[2]);
    let i0 = d.i0().compute().unwrap();
    for (&x, &g) in a.iter().zip(&i0) {
        let n = 2000;
        let h = std::f64::consts::PI / n as f64;
        // e^(x cos t) scaled by e^-x to stay finite; the scale put back after.
        let s: f64 = (0..=n)
            .map(|k| {
                let w = if k == 0 || k == n { 0.5 } else { 1.0 };
                w * (x * ((k as f64 * h).cos() - 1.0)).exp()
            })
            .sum();
        let want = s * h / std::f64::consts::PI * x.exp();
        assert!(
            (g - want).abs() <= 1e-12 * want,
            "i0({x}) = {g}, want {want}"
        );
    }
    let sinc = d.sinc().compute().unwrap();
    for (&x, &g) in a.iter().zip(&sinc) {
        // sin(pi k) is 0 for integers k: numpy's sinc gives about 1e-17 there.
        let pix = std::f64::consts::PI * x;
        assert_eq!(g, pix.sin() / pix);
    }
}

/// numpy's `diag(v, k)` of a 1-d array, by a loop.
fn np_diag_1d(v: &[i64], k: isize) -> ArrayD<i64> {
    let n = v.len() + k.unsigned_abs();
    ArrayD::from_shape_fn(IxDyn(&[n, n]), |ix| {
        let (i, j) = (ix[0] as isize, ix[1] as isize);
        if j - i == k { v[i.min(j) as usize] } else { 0 }
    })
}

/// numpy's `diag(x, k)` of a 2-d array, by a loop.
fn np_diag_2d(x: &ArrayD<i64>, k: isize) -> Vec<i64> {
    let (r, c) = (x.shape()[0] as isize, x.shape()[1] as isize);
    (0..r)
        .filter_map(|i| {
            let j = i + k;
            (0..c).contains(&j).then(|| x[[i as usize, j as usize]])
        })
        .collect()
}

/// test_diag_2d_array_creation: a 1-d array on diagonal k of a square array, in
/// chunks of 3 and of 11, and of `v + v + 3`.
#[test]
fn test_diag_2d_array_creation() {
    let v: Vec<i64> = (0..11).collect();
    for k in [0, 3, -3, 8] {
        for chunks in [3, 11] {
            let d = from_array(ndarray::arr1(&v).into_dyn(), [chunks]).unwrap();
            assert_eq!(d.diag_k(k).compute().unwrap(), np_diag_1d(&v, k), "k={k}");
            let w: Vec<i64> = v.iter().map(|x| x + x + 3).collect();
            let dw = &(&d + &d) + 3;
            assert_eq!(dw.diag_k(k).compute().unwrap(), np_diag_1d(&w, k), "k={k}");
        }
    }
}

/// test_diag_extraction: diagonal k of square and rectangular arrays in even and
/// uneven chunks (k = 8 past the corner: empty).
#[test]
fn test_diag_extraction() {
    let sq = ArrayD::from_shape_fn(IxDyn(&[8, 8]), |ix| (ix[0] * 8 + ix[1]) as i64);
    let rect = ArrayD::from_shape_fn(IxDyn(&[5, 8]), |ix| (ix[0] * 8 + ix[1]) as i64);
    for k in [0, 3, -3, 8] {
        for (x, chunks) in [
            (&sq, vec![vec![4, 4], vec![4, 4]]),
            (&sq, vec![vec![3, 2, 3], vec![4, 1, 2, 1]]),
            (&rect, vec![vec![4, 1], vec![4, 4]]),
            (&rect, vec![vec![3, 2], vec![4, 1, 2, 1]]),
        ] {
            let d = from_array(x.clone(), chunks.clone()).unwrap();
            let got = d.diag_k(k).compute().unwrap().into_raw_vec_and_offset().0;
            assert_eq!(got, np_diag_2d(x, k), "k={k} {chunks:?}");
        }
    }
}

/// test_tril_ndims: `triu` of a 10 x 10 x 10 array in 5s: each plane of the last two
/// axes.
#[test]
fn test_tril_ndims() {
    let a = rand_f64(&[10, 10, 10], 21).mapv(|v| (v * 11.0) as i64);
    let d = from_array(a.clone(), [5, 5, 5]).unwrap();
    for k in [0, 2, -3] {
        let up = ArrayD::from_shape_fn(IxDyn(&[10, 10, 10]), |ix| {
            if ix[2] as isize - ix[1] as isize >= k {
                a[&ix]
            } else {
                0
            }
        });
        let low = ArrayD::from_shape_fn(IxDyn(&[10, 10, 10]), |ix| {
            if ix[2] as isize - ix[1] as isize <= k {
                a[&ix]
            } else {
                0
            }
        });
        assert_eq!(d.triu(k).compute().unwrap(), up, "k={k}");
        assert_eq!(d.tril(k).compute().unwrap(), low, "k={k}");
    }
    assert!(
        from_array(ndarray::arr1(&[1.0]).into_dyn(), [1])
            .unwrap()
            .triu(0)
            .compute()
            .is_err()
    );
}

/// test_tril_triu_indices: the row indices (and the columns) of `tril_indices` and
/// `triu_indices` against numpy's definition, row-major.
#[test]
fn test_tril_triu_indices() {
    use chunkwise::array::{Chunks, tril_indices, triu_indices};
    for (n, k, m, chunks) in [
        (3, 0, 3, Chunks::Auto),
        (3, 1, 3, Chunks::Auto),
        (3, -1, 3, Chunks::Auto),
        (5, 0, 5, Chunks::Shape(vec![1])),
        (4, 2, 7, Chunks::Shape(vec![3])),
        (6, -7, 2, Chunks::Auto),
    ] {
        let pos = |lower: bool| -> (Vec<i64>, Vec<i64>) {
            let mut r = Vec::new();
            let mut c = Vec::new();
            for i in 0..n as isize {
                for j in 0..m as isize {
                    if (lower && j - i <= k) || (!lower && j - i >= k) {
                        r.push(i as i64);
                        c.push(j as i64);
                    }
                }
            }
            (r, c)
        };
        for (lower, (dr, dc)) in [
            (true, tril_indices(n, k, m, chunks.clone()).unwrap()),
            (false, triu_indices(n, k, m, chunks.clone()).unwrap()),
        ] {
            let (r, c) = pos(lower);
            assert_eq!(
                dr.compute().unwrap().into_raw_vec_and_offset().0,
                r,
                "{n} {k} {m}"
            );
            assert_eq!(
                dc.compute().unwrap().into_raw_vec_and_offset().0,
                c,
                "{n} {k} {m}"
            );
        }
    }
}

/// test_meshgrid: inputs of 0 to 4 dimensions (flattened), `ij` and `xy`, dense and
/// sparse: values as numpy's, each axis chunked as its input.
#[test]
fn test_meshgrid() {
    use chunkwise::array::meshgrid_with;
    /// Input shapes and their chunks.
    type Case = (Vec<Vec<usize>>, Vec<Vec<usize>>);
    let cases: Vec<Case> = vec![
        (vec![vec![]], vec![vec![]]),
        (vec![vec![0]], vec![vec![0]]),
        (vec![vec![2], vec![3]], vec![vec![1], vec![2]]),
        (
            vec![vec![2], vec![3], vec![4]],
            vec![vec![1], vec![2], vec![3]],
        ),
        (
            vec![vec![2], vec![3], vec![4], vec![5]],
            vec![vec![1], vec![2], vec![3], vec![4]],
        ),
        (vec![vec![2, 3], vec![4]], vec![vec![1, 2], vec![3]]),
    ];
    for (seed, (shapes, chunks)) in cases.iter().enumerate() {
        let arrays: Vec<ArrayD<f64>> = shapes
            .iter()
            .enumerate()
            .map(|(i, s)| rand_f64(s, 100 + seed as u64 * 10 + i as u64))
            .collect();
        let xs: Vec<DArray<f64>> = arrays
            .iter()
            .zip(chunks)
            .map(|(a, c)| from_array(a.clone(), c.clone()).unwrap())
            .collect();
        let flat: Vec<Vec<f64>> = arrays.iter().map(|a| a.iter().cloned().collect()).collect();
        let flat_chunks: Vec<Vec<usize>> =
            xs.iter().map(|x| x.ravel().chunks()[0].clone()).collect();
        for ij in [true, false] {
            for sparse in [false, true] {
                let n = xs.len();
                let mut axis_of: Vec<usize> = (0..n).collect();
                if !ij && n > 1 {
                    axis_of.swap(0, 1);
                }
                let mut shape = vec![0; n];
                let mut want_chunks = vec![Vec::new(); n];
                for i in 0..n {
                    shape[axis_of[i]] = flat[i].len();
                    want_chunks[axis_of[i]] = flat_chunks[i].clone();
                }
                let out = meshgrid_with(&xs, ij, sparse);
                assert_eq!(out.len(), n);
                for (i, o) in out.iter().enumerate() {
                    let a = axis_of[i];
                    let got = o.compute().unwrap();
                    let mut s = shape.clone();
                    if sparse {
                        s = (0..n).map(|d| if d == a { shape[d] } else { 1 }).collect();
                        assert_eq!(o.chunks()[a], want_chunks[a]);
                    } else {
                        assert_eq!(o.chunks(), &want_chunks[..]);
                    }
                    let want = ArrayD::from_shape_fn(IxDyn(&s), |ix| flat[i][ix[a]]);
                    assert_eq!(got, want, "{shapes:?} ij={ij} sparse={sparse} output {i}");
                }
            }
        }
    }
}

/// test_meshgrid_inputcoercion: `ij` grids of [1, 2, 3] and [4, 5, 6, 7], multiplied.
#[test]
fn test_meshgrid_inputcoercion() {
    use chunkwise::array::meshgrid_with;
    let a = from_array(ndarray::arr1(&[1i64, 2, 3]).into_dyn(), [3]).unwrap();
    let b = from_array(ndarray::arr1(&[4i64, 5, 6, 7]).into_dyn(), [4]).unwrap();
    let g = meshgrid_with(&[a, b], true, false);
    let z = (&g[0] * &g[1]).compute().unwrap();
    assert_eq!(z.shape(), &[3, 4]);
    let want = ArrayD::from_shape_fn(IxDyn(&[3, 4]), |ix| (ix[0] as i64 + 1) * (ix[1] as i64 + 4));
    assert_eq!(z, want);
}

/// numpy's `cov` by its own steps (weights `w`, analytic weights `a`), for a 2-d
/// array of variables in rows.
fn np_cov(
    x: &ndarray::Array2<f64>,
    ddof: usize,
    f: Option<&[f64]>,
    a: Option<&[f64]>,
) -> ndarray::Array2<f64> {
    let (v, n) = x.dim();
    let w: Option<Vec<f64>> = match (f, a) {
        (None, None) => None,
        (Some(f), None) => Some(f.to_vec()),
        (None, Some(a)) => Some(a.to_vec()),
        (Some(f), Some(a)) => Some(f.iter().zip(a).map(|(p, q)| p * q).collect()),
    };
    let ones = vec![1.0; n];
    let ww = w.clone().unwrap_or(ones);
    let w_sum: f64 = ww.iter().sum();
    let avg: Vec<f64> = (0..v)
        .map(|i| (0..n).map(|j| x[[i, j]] * ww[j]).sum::<f64>() / w_sum)
        .collect();
    let fact = match (&w, ddof) {
        (None, _) => n as f64 - ddof as f64,
        (Some(_), 0) => w_sum,
        (Some(_), _) if a.is_none() => w_sum - ddof as f64,
        (Some(w), _) => {
            let a = a.unwrap();
            w_sum - ddof as f64 * w.iter().zip(a).map(|(p, q)| p * q).sum::<f64>() / w_sum
        }
    }
    .max(0.0);
    ndarray::Array2::from_shape_fn((v, v), |(i, k)| {
        (0..n)
            .map(|j| (x[[i, j]] - avg[i]) * ww[j] * (x[[k, j]] - avg[k]))
            .sum::<f64>()
            / fact
    })
}

fn same(a: &ArrayD<f64>, b: &ndarray::Array2<f64>) -> bool {
    a.shape() == b.shape()
        && a.iter().zip(b.iter()).all(|(p, q)| {
            (p.is_nan() && q.is_nan()) || p == q || (p - q).abs() <= 1e-12 * (1.0 + q.abs())
        })
}

/// test_cov: rows as variables, `rowvar=0` (the transpose), `ddof=10` past the 8
/// observations (numpy divides by 0), `bias` (ddof 0), and `y` stacked as more rows.
#[test]
fn test_cov() {
    use chunkwise::array::Cov;
    let x = ndarray::Array2::from_shape_fn((7, 8), |(i, j)| (i * 8 + j) as f64);
    let d = from_array(x.clone().into_dyn(), [4, 4]).unwrap();
    assert!(same(
        &d.cov(1).compute().unwrap(),
        &np_cov(&x, 1, None, None)
    ));
    let xt = x.t().to_owned();
    assert!(same(
        &d.t().cov(1).compute().unwrap(),
        &np_cov(&xt, 1, None, None)
    ));
    let c10 = d.cov_with(&Cov::new().ddof(10)).compute().unwrap();
    assert!(same(&c10, &np_cov(&x, 10, None, None)));
    assert!(c10.iter().all(|v| v.is_infinite() || v.is_nan()), "{c10:?}");
    assert!(same(
        &d.cov(0).compute().unwrap(),
        &np_cov(&x, 0, None, None)
    ));
    let dd = DArray::concatenate(&[d.clone(), d.clone()], 0);
    let xx = ndarray::concatenate(ndarray::Axis(0), &[x.view(), x.view()]).unwrap();
    assert!(same(
        &dd.cov(1).compute().unwrap(),
        &np_cov(&xx, 1, None, None)
    ));
    let y: Vec<f64> = (0..8).map(|v| v as f64).collect();
    let e = from_array(ndarray::arr1(&y).into_dyn(), [4]).unwrap();
    let de = DArray::concatenate(&[d.clone(), e.expand_dims(0)], 0);
    let ed = DArray::concatenate(&[e.expand_dims(0), d.clone()], 0);
    let yrow = ndarray::Array2::from_shape_vec((1, 8), y).unwrap();
    let xy = ndarray::concatenate(ndarray::Axis(0), &[x.view(), yrow.view()]).unwrap();
    let yx = ndarray::concatenate(ndarray::Axis(0), &[yrow.view(), x.view()]).unwrap();
    assert!(same(
        &de.cov(1).compute().unwrap(),
        &np_cov(&xy, 1, None, None)
    ));
    assert!(same(
        &ed.cov(1).compute().unwrap(),
        &np_cov(&yx, 1, None, None)
    ));
}

fn x1() -> (DArray<f64>, ndarray::Array2<f64>) {
    // [[0, 2], [1, 1], [2, 0]].T
    let a = ndarray::array![[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]];
    (from_array(a.clone().into_dyn(), [2, 2]).unwrap(), a)
}

fn close2(a: &ArrayD<f64>, b: &ndarray::Array2<f64>) -> bool {
    a.shape() == b.shape() && a.iter().zip(b.iter()).all(|(p, q)| (p - q).abs() <= 1e-12)
}

/// test_cov_fweights: frequencies as repeated observations; unit frequencies as none;
/// weights of the wrong shape are errors.
#[test]
fn test_cov_fweights() {
    use chunkwise::array::Cov;
    let x2 = from_array(ndarray::arr2(&[[0.0, 1.0, 2.0]]).into_dyn(), [1, 2]).unwrap();
    let freq = from_array(ndarray::arr1(&[1i64, 4, 1]).into_dyn(), [2]).unwrap();
    let repeats = from_array(
        ndarray::arr2(&[[0.0, 1.0, 1.0, 1.0, 1.0, 2.0]]).into_dyn(),
        [1, 4],
    )
    .unwrap();
    let got = x2.cov_with(&Cov::new().fweights(&freq)).compute().unwrap();
    let want = np_cov(
        &ndarray::arr2(&[[0.0, 1.0, 2.0]]),
        1,
        Some(&[1.0, 4.0, 1.0]),
        None,
    );
    assert!(close2(&got, &want));
    assert!(close2(
        &got,
        &repeats
            .cov(1)
            .compute()
            .unwrap()
            .into_dimensionality()
            .unwrap()
    ));
    let (x1, _) = x1();
    let res2 = ndarray::array![[0.4, -0.4], [-0.4, 0.4]];
    assert!(close2(
        &x1.cov_with(&Cov::new().fweights(&freq)).compute().unwrap(),
        &res2
    ));
    let unit = from_array(ndarray::arr1(&[1i64, 1, 1]).into_dyn(), [3]).unwrap();
    let res1 = ndarray::array![[1.0, -1.0], [-1.0, 1.0]];
    assert!(close2(
        &x1.cov_with(&Cov::new().fweights(&unit)).compute().unwrap(),
        &res1
    ));
    // Dask raises for 2-d weights, weights of another length, negative weights.
    let f2 = from_array(ArrayD::<i64>::ones(IxDyn(&[2, 3])), [2, 3]).unwrap();
    assert!(x1.cov_with(&Cov::new().fweights(&f2)).compute().is_err());
    let short = from_array(ArrayD::<i64>::ones(IxDyn(&[2])), [2]).unwrap();
    let e = x1
        .cov_with(&Cov::new().fweights(&short))
        .compute()
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("fweights of shape [2] for 3 observations"),
        "{e}"
    );
    let neg = from_array(ndarray::arr1(&[1i64, -1, 1]).into_dyn(), [2]).unwrap();
    let e = x1
        .cov_with(&Cov::new().fweights(&neg))
        .compute()
        .unwrap_err();
    assert!(e.to_string().contains("negative"), "{e}");
}

/// test_cov_aweights: unit and equal analytic weights give the unweighted answer;
/// others change it, as numpy's formula says.
#[test]
fn test_cov_aweights() {
    use chunkwise::array::Cov;
    let (x1, a1) = x1();
    let res1 = ndarray::array![[1.0, -1.0], [-1.0, 1.0]];
    for w in [[1.0, 1.0, 1.0], [2.5, 2.5, 2.5]] {
        let aw = from_array(ndarray::arr1(&w).into_dyn(), [3]).unwrap();
        assert!(close2(
            &x1.cov_with(&Cov::new().aweights(&aw)).compute().unwrap(),
            &res1
        ));
    }
    let aw = from_array(ndarray::arr1(&[0.5, 2.0, 0.5]).into_dyn(), [2]).unwrap();
    let got = x1.cov_with(&Cov::new().aweights(&aw)).compute().unwrap();
    assert!(close2(&got, &np_cov(&a1, 1, None, Some(&[0.5, 2.0, 0.5]))));
    assert!(!close2(&got, &res1));
    let w2 = from_array(ArrayD::<f64>::ones(IxDyn(&[2, 3])), [2, 3]).unwrap();
    assert!(x1.cov_with(&Cov::new().aweights(&w2)).compute().is_err());
}

/// test_cov_fweights_aweights_combined: both weights at once, numpy's formula; unlike
/// either alone.
#[test]
fn test_cov_fweights_aweights_combined() {
    use chunkwise::array::Cov;
    let (x1, a1) = x1();
    let f = from_array(ndarray::arr1(&[1i64, 2, 1]).into_dyn(), [2]).unwrap();
    let aw = from_array(ndarray::arr1(&[0.5, 1.0, 2.0]).into_dyn(), [2]).unwrap();
    let both = x1
        .cov_with(&Cov::new().fweights(&f).aweights(&aw))
        .compute()
        .unwrap();
    assert_eq!(both.shape(), &[2, 2]);
    let want = np_cov(&a1, 1, Some(&[1.0, 2.0, 1.0]), Some(&[0.5, 1.0, 2.0]));
    assert!(close2(&both, &want));
    let f_only = x1.cov_with(&Cov::new().fweights(&f)).compute().unwrap();
    let a_only = x1.cov_with(&Cov::new().aweights(&aw)).compute().unwrap();
    assert!(!close2(&both, &f_only.into_dimensionality().unwrap()));
    assert!(!close2(&both, &a_only.into_dimensionality().unwrap()));
}

/// numpy's `sort`/`argsort` along `axis`, the last `k` reversed (k > 0) or the first
/// `-k` (k < 0): what Dask's tests compare `topk`/`argtopk` with.
fn np_top(a: &ArrayD<f64>, k: isize, axis: usize) -> (ArrayD<f64>, ArrayD<i64>) {
    let n = k.unsigned_abs();
    let mut shape = a.shape().to_vec();
    shape[axis] = n;
    let mut v = ArrayD::zeros(IxDyn(&shape));
    let mut i = ArrayD::<i64>::zeros(IxDyn(&shape));
    for ((lane, mut ov), mut oi) in a
        .lanes(ndarray::Axis(axis))
        .into_iter()
        .zip(v.lanes_mut(ndarray::Axis(axis)))
        .zip(i.lanes_mut(ndarray::Axis(axis)))
    {
        let mut idx: Vec<usize> = (0..lane.len()).collect();
        idx.sort_by(|&p, &q| lane[p].partial_cmp(&lane[q]).unwrap().then(p.cmp(&q)));
        let take: Vec<usize> = if k > 0 {
            idx.iter().rev().take(n).copied().collect()
        } else {
            idx.iter().take(n).copied().collect()
        };
        for (s, &p) in take.iter().enumerate() {
            ov[s] = lane[p];
            oi[s] = p as i64;
        }
    }
    (v, i)
}

/// test_topk_argtopk1: 1-d in ragged chunks, and each axis of a 10 x 20 x 30 array
/// in 4 x 8 x 8 chunks (k past a chunk's length along axis 0), both signs of k; an
/// axis out of range is an error. (`split_every` is the tree's width: not a knob.)
#[test]
fn test_topk_argtopk1() {
    let k = 5;
    let npa = rand_f64(&[800], 31);
    let npb = rand_f64(&[10, 20, 30], 32);
    let a = from_array(npa.clone(), vec![vec![120, 80, 100, 200, 300]]).unwrap();
    let b = from_array(npb.clone(), [4, 8, 8]).unwrap();
    for kk in [k, -k] {
        let (v, i) = np_top(&npa, kk, 0);
        assert_eq!(a.topk_axis(kk, 0).compute().unwrap(), v);
        assert_eq!(a.argtopk(kk, 0).compute().unwrap(), i);
        assert_eq!(a.topk(kk).compute().unwrap(), v);
        for axis in 0..3 {
            let (v, i) = np_top(&npb, kk, axis);
            assert_eq!(
                b.topk_axis(kk, axis).compute().unwrap(),
                v,
                "k={kk} axis={axis}"
            );
            assert_eq!(
                b.argtopk(kk, axis).compute().unwrap(),
                i,
                "k={kk} axis={axis}"
            );
        }
    }
    assert!(b.topk_axis(-k, 3).compute().is_err());
    assert!(b.argtopk(-k, 3).compute().is_err());
}

/// test_topk_argtopk2: k larger than the chunks (chunks of 1 to 10 over 10 elements).
#[test]
fn test_topk_argtopk2() {
    let npa = rand_f64(&[10], 33);
    for chunk in [1, 2, 3, 4, 5, 10] {
        let a = from_array(npa.clone(), [chunk]).unwrap();
        for k in [5, -5] {
            let (v, i) = np_top(&npa, k, 0);
            assert_eq!(a.topk_axis(k, 0).compute().unwrap(), v, "{chunk} {k}");
            assert_eq!(a.argtopk(k, 0).compute().unwrap(), i, "{chunk} {k}");
        }
    }
}

/// test_topk_argtopk3: the methods on a random array agree with the loop.
#[test]
fn test_topk_argtopk3() {
    let a = chunkwise::array::random_uniform(0.0, 1.0, &[10, 20, 30], [4, 8, 8], 7).unwrap();
    let x = a.compute().unwrap();
    let (v, i) = np_top(&x, 5, 1);
    assert_eq!(a.topk_axis(5, 1).compute().unwrap(), v);
    assert_eq!(a.argtopk(5, 1).compute().unwrap(), i);
}

/// test_diff_negative_order: an order below 0 is an error (and order 2 is two diffs).
#[test]
fn test_diff_negative_order() {
    let x = arange(0.0, 10.0, 1.0, [3]).unwrap();
    assert!(x.diff_n(-1, 0).compute().is_err());
    assert_eq!(x.diff_n(0, 0).compute().unwrap(), x.compute().unwrap());
    let sq = from_array(ndarray::arr1(&[0i64, 1, 4, 9, 16]).into_dyn(), [2]).unwrap();
    assert_eq!(
        sq.diff_n(2, 0)
            .compute()
            .unwrap()
            .into_raw_vec_and_offset()
            .0,
        vec![2, 2, 2]
    );
}

/// test_ediff1d: shapes (10,) and (10, 15) in chunks of 5 (flattened), with nothing,
/// 0, or [1, 2] / [3, 4] at the ends.
#[test]
fn test_ediff1d() {
    for shape in [vec![10], vec![10, 15]] {
        let x = rand_f64(&shape, 40 + shape.len() as u64).mapv(|v| (v * 10.0) as i64);
        let a = from_array(x.clone(), vec![5; shape.len()]).unwrap();
        let flat: Vec<i64> = x.iter().copied().collect();
        let diffs: Vec<i64> = flat.windows(2).map(|w| w[1] - w[0]).collect();
        for (to_end, to_begin) in [
            (None, None),
            (Some(vec![0i64]), Some(vec![0i64])),
            (Some(vec![1, 2]), Some(vec![3, 4])),
        ] {
            let want: Vec<i64> = to_begin
                .clone()
                .unwrap_or_default()
                .into_iter()
                .chain(diffs.iter().copied())
                .chain(to_end.clone().unwrap_or_default())
                .collect();
            let got = a
                .ediff1d(to_end.as_deref(), to_begin.as_deref())
                .compute()
                .unwrap();
            assert_eq!(
                got.into_raw_vec_and_offset().0,
                want,
                "{shape:?} {to_end:?} {to_begin:?}"
            );
        }
    }
}

/// test_flatnonzero: empty, empty 2-d and 15 x 16 in 4 x 5 chunks.
#[test]
fn test_flatnonzero() {
    for (shape, chunks) in [
        (vec![0], vec![1]),
        (vec![0, 0], vec![1, 1]),
        (vec![15, 16], vec![4, 5]),
    ] {
        let x = rand_f64(&shape, 50).mapv(|v| (v * 10.0) as i64);
        let d = from_array(x.clone(), chunks).unwrap();
        let want: Vec<i64> = x
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != 0)
            .map(|(i, _)| i as i64)
            .collect();
        assert_eq!(
            d.flatnonzero()
                .compute()
                .unwrap()
                .into_raw_vec_and_offset()
                .0,
            want
        );
    }
}

/// test_roll: shifts 3, 7, 9, (3, 9), (7, 2) along None, 0, 1, -1 (as 1), (0, 1) and
/// (1, 0), in chunks (4, 6) and (2, 6); shifts and axes in different numbers are
/// errors.
#[test]
fn test_roll() {
    let x = rand_f64(&[4, 6], 51).mapv(|v| (v * 10.0) as i64);
    // numpy's roll by a loop: element i lands at (i + shift) mod n along each axis.
    let np_roll = |shifts: &[isize], axes: Option<&[usize]>| -> ArrayD<i64> {
        match axes {
            None => {
                let flat: Vec<i64> = x.iter().copied().collect();
                let n = flat.len() as isize;
                let s = shifts[0];
                let out: Vec<i64> = (0..n)
                    .map(|i| flat[(i - s).rem_euclid(n) as usize])
                    .collect();
                ArrayD::from_shape_vec(IxDyn(&[4, 6]), out).unwrap()
            }
            Some(axes) => ArrayD::from_shape_fn(IxDyn(&[4, 6]), |ix| {
                let mut src = [ix[0] as isize, ix[1] as isize];
                for (&a, &s) in axes.iter().zip(shifts) {
                    let n = x.shape()[a] as isize;
                    src[a] = (src[a] - s).rem_euclid(n);
                }
                x[[src[0] as usize, src[1] as usize]]
            }),
        }
    };
    let shifts: [&[isize]; 5] = [&[3], &[7], &[9], &[3, 9], &[7, 2]];
    let axes: [Option<&[usize]>; 6] = [
        None,
        Some(&[0]),
        Some(&[1]),
        Some(&[1]),
        Some(&[0, 1]),
        Some(&[1, 0]),
    ];
    for chunks in [[4, 6], [2, 6]] {
        let a = from_array(x.clone(), chunks).unwrap();
        for s in shifts {
            for ax in axes {
                let n_axes = ax.map_or(1, |a| a.len());
                let got = a.roll_with(s, ax).compute();
                if s.len() != n_axes {
                    assert!(got.is_err(), "{s:?} {ax:?}");
                } else {
                    assert_eq!(got.unwrap(), np_roll(s, ax), "{s:?} {ax:?} {chunks:?}");
                }
            }
        }
    }
}

/// test_unravel_index_empty: a 0-d shape has no coordinates.
#[test]
fn test_unravel_index_empty() {
    let f = from_array(ArrayD::from_elem(IxDyn(&[]), 0i64), Vec::<usize>::new()).unwrap();
    assert!(chunkwise::array::unravel_index(&f, &[], false).is_empty());
}

/// test_unravel_index: 0 to 3 positions in shapes (15,) and (15, 16), C and F order;
/// the coordinates pick the same elements as numpy's (vindex on them).
#[test]
fn test_unravel_index() {
    use chunkwise::array::{VIdx, unravel_index};
    for (k, (n, shape, fortran)) in [
        (0, vec![15], false),
        (1, vec![15], false),
        (3, vec![15], false),
        (3, vec![15], true),
        (2, vec![15, 16], false),
        (2, vec![15, 16], true),
    ]
    .into_iter()
    .enumerate()
    {
        let arr = rand_f64(&shape, 60 + k as u64);
        let darr = from_array(arr.clone(), vec![1; shape.len()]).unwrap();
        let total: usize = shape.iter().product();
        let flat: Vec<i64> = rand_f64(&[n], 70 + k as u64)
            .iter()
            .map(|v| (v * total as f64) as i64)
            .collect();
        let f = from_array(ndarray::arr1(&flat).into_dyn(), [1]).unwrap();
        let ix = unravel_index(&f, &shape, fortran);
        assert_eq!(ix.len(), shape.len());
        let got: Vec<Vec<i64>> = ix
            .iter()
            .map(|a| a.compute().unwrap().into_raw_vec_and_offset().0)
            .collect();
        for (p, &fl) in flat.iter().enumerate() {
            // numpy: C order, the last coordinate varies fastest; F, the first.
            let mut rest = fl as usize;
            let mut want = vec![0; shape.len()];
            let dims: Vec<usize> = if fortran {
                (0..shape.len()).collect()
            } else {
                (0..shape.len()).rev().collect()
            };
            for d in dims {
                want[d] = (rest % shape[d]) as i64;
                rest /= shape[d];
            }
            let have: Vec<i64> = got.iter().map(|g| g[p]).collect();
            assert_eq!(have, want, "{fl} in {shape:?} fortran={fortran}");
        }
        if n > 0 {
            let picked = darr
                .vindex(
                    got.iter()
                        .map(|g| VIdx::from(g.clone()))
                        .collect::<Vec<_>>(),
                )
                .compute()
                .unwrap();
            for (p, v) in picked.iter().enumerate() {
                let at: Vec<usize> = got.iter().map(|g| g[p] as usize).collect();
                assert_eq!(*v, arr[IxDyn(&at)]);
            }
        }
    }
    let f = from_array(ndarray::arr1(&[15i64]).into_dyn(), [1]).unwrap();
    let e = unravel_index(&f, &[15], false)[0].compute().unwrap_err();
    assert!(e.to_string().contains("out of bounds"), "{e}");
}

/// test_ravel_multi_index (the `da.from_array` inputs): numpy's doctests, C and F
/// order, `clip` and per-dimension (`clip`, `wrap`) modes, shapes of one to three
/// dimensions and a 3-d index array.
#[test]
fn test_ravel_multi_index() {
    use chunkwise::array::{RavelMode, ravel_multi_index};
    let np = |m: &ArrayD<i64>, dims: &[usize], fortran: bool, modes: &[RavelMode]| -> ArrayD<i64> {
        let nd = dims.len();
        ArrayD::from_shape_fn(IxDyn(&m.shape()[1..]), |ix| {
            let mut flat = 0i64;
            let order: Vec<usize> = if fortran {
                (0..nd).rev().collect()
            } else {
                (0..nd).collect()
            };
            for d in order {
                let n = dims[d] as i64;
                let mut at = vec![d];
                at.extend(ndarray::Dimension::slice(&ix));
                let c = m[IxDyn(&at)];
                let c = match modes[d.min(modes.len() - 1)] {
                    RavelMode::Clip => c.clamp(0, n - 1),
                    RavelMode::Wrap => c.rem_euclid(n),
                    RavelMode::Raise => c,
                };
                flat = flat * n + c;
            }
            flat
        })
    };
    use RavelMode::*;
    /// Coordinates, their chunks, dims, Fortran order, modes.
    type Case = (ArrayD<i64>, Vec<usize>, Vec<usize>, bool, Vec<RavelMode>);
    let cases: Vec<Case> = vec![
        (
            ndarray::arr2(&[[3, 6, 6], [4, 5, 1]]).into_dyn(),
            vec![2, 3],
            vec![7, 6],
            false,
            vec![Raise],
        ),
        (
            ndarray::arr2(&[[3, 6, 6], [4, 5, 1]]).into_dyn(),
            vec![2, 1],
            vec![7, 6],
            true,
            vec![Raise],
        ),
        (
            ndarray::arr2(&[[3, 6, 6], [4, 5, 1]]).into_dyn(),
            vec![1, 1],
            vec![4, 6],
            false,
            vec![Clip],
        ),
        (
            ndarray::arr2(&[[3, 6, 6], [4, 5, 1]]).into_dyn(),
            vec![2, 3],
            vec![4, 4],
            false,
            vec![Clip, Wrap],
        ),
        (
            ndarray::arr2(&[[3, 6, 6]]).into_dyn(),
            vec![1, 1],
            vec![7],
            false,
            vec![Raise],
        ),
        (
            ndarray::arr2(&[[3, 6, 6], [4, 5, 1], [8, 6, 2]]).into_dyn(),
            vec![3, 1],
            vec![7, 6, 9],
            false,
            vec![Clip],
        ),
        (
            ArrayD::from_shape_vec(IxDyn(&[3, 2, 1]), (0..6).collect()).unwrap(),
            vec![1, 2, 1],
            vec![7, 6, 9],
            false,
            vec![Raise],
        ),
    ];
    for (m, chunks, dims, fortran, modes) in cases {
        let d = from_array(m.clone(), chunks).unwrap();
        let got = ravel_multi_index(&d, &dims, fortran, &modes)
            .compute()
            .unwrap();
        assert_eq!(
            got,
            np(&m, &dims, fortran, &modes),
            "{m:?} {dims:?} {modes:?}"
        );
    }
    // mode='raise' (numpy's default) with an index past its dimension.
    let d = from_array(ndarray::arr2(&[[3i64, 6, 6], [4, 5, 1]]).into_dyn(), [2, 3]).unwrap();
    let e = ravel_multi_index(&d, &[4, 6], false, &[Raise])
        .compute()
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("index 6 is out of bounds for dimension 0"),
        "{e}"
    );
}

/// test_union1d: arange(12) and arange(6, 18) in shapes (12,)/(12,), (4, 3)/(3, 4) and
/// (12,)/(1, 6, 2), the first reversed along its first axis or not.
#[test]
fn test_union1d() {
    for (s1, s2) in [
        (vec![12], vec![12]),
        (vec![4, 3], vec![3, 4]),
        (vec![12], vec![1, 6, 2]),
    ] {
        for reverse in [true, false] {
            let x1 = ArrayD::from_shape_vec(IxDyn(&s1), (0..12i64).collect()).unwrap();
            let x1 = if reverse {
                x1.slice_axis(ndarray::Axis(0), ndarray::Slice::new(0, None, -1))
                    .to_owned()
            } else {
                x1
            };
            let x2 = ArrayD::from_shape_vec(IxDyn(&s2), (6..18i64).collect()).unwrap();
            let d1 = from_array(x1, vec![2; s1.len()]).unwrap();
            let d2 = from_array(x2, vec![3; s2.len()]).unwrap();
            let got = d1.union1d(&d2).compute().unwrap().to_vec();
            assert_eq!(
                got,
                (0..18).collect::<Vec<i64>>(),
                "{s1:?} {s2:?} {reverse}"
            );
        }
    }
}

/// test_to_delayed: the blocks of `x + 10` as lazy values, one of them computed; a
/// 0-d array's one block.
#[test]
fn test_to_delayed() {
    let x = chunkwise::array::random_uniform(0.0, 1.0, &[4, 4], [2, 2], 3).unwrap();
    let y = &x + 10.0;
    let blocks = y.to_delayed();
    assert_eq!(blocks.shape(), &[2, 2]);
    let whole = y.compute().unwrap();
    let a = blocks[[0, 0]].compute().unwrap();
    assert_eq!(a, whole.slice(ndarray::s![..2, ..2]).into_dyn().to_owned());
    let d = blocks[[1, 1]].compute().unwrap();
    assert_eq!(d, whole.slice(ndarray::s![2.., 2..]).into_dyn().to_owned());
    let s = from_array(ArrayD::from_elem(IxDyn(&[]), 2i64), Vec::<usize>::new()).unwrap();
    let b = s.to_delayed();
    assert_eq!(b.ndim(), 0);
    assert_eq!(b[IxDyn(&[])].compute().unwrap()[IxDyn(&[])], 2);
}

/// test_to_delayed_optimize_graph: the block of a chain of slices computes to the
/// sliced values (Dask's asserts on graph layers and keys are its internals).
#[test]
fn test_to_delayed_optimize_graph() {
    use chunkwise::array::{Idx, ones};
    let x = ones(&[4, 4], [2, 2]).unwrap();
    let s1 = Idx::range(1, isize::MAX, 1);
    let y = x
        .index([s1])
        .index([s1])
        .index([s1])
        .index([Idx::ALL, s1])
        .index([Idx::ALL, s1])
        .index([Idx::ALL, s1]);
    assert_eq!(y.shape(), &[1, 1]);
    let d = y.to_delayed().iter().next().unwrap().compute().unwrap();
    assert_eq!(d, ArrayD::from_elem(IxDyn(&[1, 1]), 1.0));
}

/// test_from_delayed: a lazy `ones((5, 3))` as an array; a wrong shape fails naming
/// both shapes.
#[test]
fn test_from_delayed() {
    use chunkwise::array::from_delayed;
    let v = chunkwise::delayed(|| ArrayD::<f64>::ones(IxDyn(&[5, 3])));
    let x = from_delayed(&v, &[5, 3]);
    assert_eq!(x.shape(), &[5, 3]);
    assert_eq!(x.compute().unwrap(), ArrayD::<f64>::ones(IxDyn(&[5, 3])));
    let e = from_delayed(&v, &[3, 5]).compute().unwrap_err();
    assert!(
        e.to_string().contains("[5, 3]") && e.to_string().contains("[3, 5]"),
        "{e}"
    );
}

/// numpy's unique with every return, by a loop: values, first index, flat inverse,
/// counts.
fn np_unique(a: &ArrayD<i64>) -> (Vec<i64>, Vec<i64>, Vec<i64>, Vec<i64>) {
    let flat: Vec<i64> = a.iter().copied().collect();
    let mut values = flat.clone();
    values.sort();
    values.dedup();
    let index = values
        .iter()
        .map(|v| flat.iter().position(|x| x == v).unwrap() as i64)
        .collect();
    let inverse = flat
        .iter()
        .map(|x| values.iter().position(|v| v == x).unwrap() as i64)
        .collect();
    let counts = values
        .iter()
        .map(|v| flat.iter().filter(|x| *x == v).count() as i64)
        .collect();
    (values, index, inverse, counts)
}

fn check_unique(a: &ArrayD<i64>, chunks: Vec<usize>) {
    let d = from_array(a.clone(), chunks).unwrap();
    let u = d.unique_all();
    let (values, index, inverse, counts) = np_unique(a);
    assert_eq!(u.values.compute().unwrap().to_vec(), values);
    assert_eq!(u.index.compute().unwrap().to_vec(), index);
    assert_eq!(u.inverse.shape(), &[a.len()]);
    assert_eq!(
        u.inverse.compute().unwrap().into_raw_vec_and_offset().0,
        inverse
    );
    assert_eq!(u.counts.compute().unwrap().to_vec(), counts);
}

/// test_unique_kwargs: every return of unique on [1, 2, 4, 4, 5, 2] in chunks of 3
/// (each combination of Dask's flags picks from these four).
#[test]
fn test_unique_kwargs() {
    check_unique(&ndarray::arr1(&[1i64, 2, 4, 4, 5, 2]).into_dyn(), vec![3]);
}

/// test_unique_rand: integers below 10 in shapes (10,), (4, 5) and (20, 20), two seeds.
#[test]
fn test_unique_rand() {
    for seed in [23, 796] {
        for (shape, chunks) in [
            (vec![10], vec![5]),
            (vec![10], vec![3]),
            (vec![4, 5], vec![3, 2]),
            (vec![20, 20], vec![4, 5]),
        ] {
            let a = rand_f64(&shape, seed).mapv(|v| (v * 10.0) as i64);
            check_unique(&a, chunks);
        }
    }
}

/// test_piecewise: `e + k - 1` where x < 5 (numpy's `lambda e, v, k: e + 1` with the
/// extra arguments captured), 5 where x >= 5.
#[test]
fn test_piecewise() {
    use chunkwise::array::Piece;
    let x = ints(5).mapv(|v| v % 10);
    let d = from_array(x.clone(), [4, 5]).unwrap();
    let got = d
        .piecewise(
            &[d.lt(5), d.ge(5)],
            vec![Piece::func(|e| e.mapv(|v| v + 1)), Piece::Value(5)],
        )
        .compute()
        .unwrap();
    assert_eq!(got, x.mapv(|v| if v < 5 { v + 1 } else { 5 }));
}

/// test_piecewise_otherwise: two conditions and an "otherwise" function, with the
/// extra arguments v = 1, k = 2 captured: e + 1 where x > 5, v * e where x <= 2, 0
/// elsewhere.
#[test]
fn test_piecewise_otherwise() {
    use chunkwise::array::Piece;
    let x = ints(6).mapv(|v| v % 10);
    let d = from_array(x.clone(), [4, 5]).unwrap();
    let (v, _k) = (1i64, 2i64);
    let got = d
        .piecewise(
            &[d.gt(5), d.le(2)],
            vec![
                Piece::func(|e| e.mapv(|x| x + 1)),
                Piece::func(move |e| e.mapv(|x| v * x)),
                Piece::func(|e| e.mapv(|_| 0)),
            ],
        )
        .compute()
        .unwrap();
    let want = x.mapv(|e| {
        if e > 5 {
            e + 1
        } else if e <= 2 {
            v * e
        } else {
            0
        }
    });
    assert_eq!(got, want);
    assert!(d.piecewise(&[d.gt(5)], vec![]).compute().is_err());
}

/// numpy's insert along axis 0 or 1 of a 2-d array by a loop: `vals[i]` (a row or a
/// column) before position `pos[i]` (positions already made non-negative).
fn np_insert(
    x: &ndarray::Array2<i64>,
    pos: &[usize],
    vals: &[Vec<i64>],
    axis: usize,
) -> ndarray::Array2<i64> {
    let lanes: Vec<Vec<i64>> = x
        .axis_iter(ndarray::Axis(axis))
        .map(|l| l.to_vec())
        .collect();
    let mut out: Vec<Vec<i64>> = Vec::new();
    let mut k = 0;
    for (i, lane) in lanes.iter().enumerate() {
        while k < pos.len() && pos[k] == i {
            out.push(vals[k].clone());
            k += 1;
        }
        out.push(lane.clone());
    }
    while k < pos.len() {
        out.push(vals[k].clone());
        k += 1;
    }
    let (n, m) = (out.len(), out[0].len());
    let stacked = ndarray::Array2::from_shape_fn((n, m), |(i, j)| out[i][j]);
    if axis == 0 {
        stacked
    } else {
        stacked.t().to_owned()
    }
}

/// test_insert: a scalar at one position, at several (repeated and negative), at a
/// slice's positions, rows of another array at repeated positions, and one column;
/// positions out of order are an error, as in Dask.
#[test]
fn test_insert() {
    use chunkwise::array::full;
    let x = ints(7)
        .into_dimensionality::<ndarray::Ix2>()
        .unwrap()
        .slice(ndarray::s![..10, ..10])
        .mapv(|v| v % 10);
    let y = ints(8)
        .into_dimensionality::<ndarray::Ix2>()
        .unwrap()
        .slice(ndarray::s![..5, ..10])
        .mapv(|v| v % 10);
    let a = from_array(x.clone().into_dyn(), [5, 5]).unwrap();
    let b = from_array(y.clone().into_dyn(), [4, 4]).unwrap();
    let scalar = |pos: &[isize], axis: usize| {
        let n = 10isize;
        let p: Vec<usize> = pos
            .iter()
            .map(|&q| if q < 0 { (q + n) as usize } else { q as usize })
            .collect();
        let vals = vec![vec![-1i64; 10]; p.len()];
        let mut shape = vec![10, 10];
        shape[axis] = p.len();
        let v = full(&shape, -1i64, [4, 4]).unwrap();
        let got = a.insert_many(pos, &v, axis).compute().unwrap();
        assert_eq!(
            got,
            np_insert(&x, &p, &vals, axis).into_dyn(),
            "{pos:?} axis {axis}"
        );
    };
    scalar(&[0], 0);
    scalar(&[3], 1);
    scalar(&[5], 1);
    scalar(&[-1], 0);
    scalar(&[2, 3, 3], 1);
    scalar(&[2, 3, 8, 8, -2, -2], 0);
    scalar(&[1, 2, 3], 1); // slice(1, 4)
    // Rows of y at [2, 2, 2, 5, 5].
    let got = a.insert_many(&[2, 2, 2, 5, 5], &b, 0).compute().unwrap();
    let rows: Vec<Vec<i64>> = y.outer_iter().map(|r| r.to_vec()).collect();
    assert_eq!(got, np_insert(&x, &[2, 2, 2, 5, 5], &rows, 0).into_dyn());
    // y[0] as column 0.
    let col = b.index([chunkwise::array::Idx::At(0)]).expand_dims(1);
    let got = a.insert_many(&[0], &col, 1).compute().unwrap();
    assert_eq!(got, np_insert(&x, &[0], &[y.row(0).to_vec()], 1).into_dyn());
    assert!(
        a.insert_many(&[4, 2], &full(&[2, 10], -1i64, [2, 5]).unwrap(), 0)
            .compute()
            .is_err()
    );
}

/// test_multi_insert: -1 before rows 0 and 1 of a 1 x 2 array, then before column 1.
#[test]
fn test_multi_insert() {
    use chunkwise::array::full;
    let z = ndarray::arr2(&[[7i64, 3]]);
    let c = from_array(z.clone().into_dyn(), [1, 2]).unwrap();
    let r = c.insert_many(&[0, 1], &full(&[2, 2], -1i64, [2, 2]).unwrap(), 0);
    let r = r.insert_many(&[1], &full(&[3, 1], -1i64, [3, 1]).unwrap(), 1);
    let want = ndarray::arr2(&[[-1i64, -1, -1], [7, -1, 3], [-1, -1, -1]]);
    assert_eq!(r.compute().unwrap(), want.into_dyn());
}

/// test_array_cumreduction_ufunc: `add`, `multiply` and `maximum` accumulated over
/// `linspace(0, 1, 10)`, as floats and after a cast to integers (numpy's `dtype=int`).
#[test]
fn test_array_cumreduction_ufunc() {
    use chunkwise::array::linspace;
    let a: Vec<f64> = (0..10).map(|i| i as f64 / 9.0).collect();
    let d = linspace(0.0, 1.0, 10, [3]).unwrap();
    let acc = |v: &[f64], f: fn(f64, f64) -> f64| -> Vec<f64> {
        let mut out = Vec::new();
        for (i, &x) in v.iter().enumerate() {
            out.push(if i == 0 { x } else { f(out[i - 1], x) });
        }
        out
    };
    type Op<T> = (T, fn(T, T) -> T);
    let ops: [Op<f64>; 3] = [
        (0.0, |a, b| a + b),
        (1.0, |a, b| a * b),
        (f64::NEG_INFINITY, f64::max),
    ];
    for (identity, f) in ops {
        let got = d
            .cumreduce(0, identity, f)
            .compute()
            .unwrap()
            .into_raw_vec_and_offset()
            .0;
        let want = acc(&a, f);
        assert!(
            got.iter()
                .zip(&want)
                .all(|(p, q)| (p - q).abs() <= 1e-15 * (1.0 + q.abs())),
            "{got:?} {want:?}"
        );
    }
    // dtype=int: the values cast first (0 but the last, 1).
    let di = d.astype::<i64>();
    let ai: Vec<i64> = a.iter().map(|&v| v as i64).collect();
    let iops: [Op<i64>; 3] = [
        (0, |a, b| a + b),
        (1, |a, b| a * b),
        (i64::MIN, |a, b| a.max(b)),
    ];
    for (identity, f) in iops {
        let got = di
            .cumreduce(0, identity, f)
            .compute()
            .unwrap()
            .into_raw_vec_and_offset()
            .0;
        let mut want = Vec::new();
        for (i, &x) in ai.iter().enumerate() {
            want.push(if i == 0 { x } else { f(want[i - 1], x) });
        }
        assert_eq!(got, want);
    }
}

/// test_apply_over_axes: a sum (dropping the axis), a sum keeping it, and the
/// concatenated min and max, over no axes, 0, (1,), (-1, 1) and (2, 0, 1).
#[test]
fn test_apply_over_axes() {
    let a = rand_f64(&[10, 15, 20], 80).mapv(|v| (v * 10.0) as i64);
    let d = from_array(a.clone(), [5, 5, 5]).unwrap();
    type F = fn(&DArray<i64>, usize) -> DArray<i64>;
    type N = fn(&ArrayD<i64>, usize) -> ArrayD<i64>;
    let funcs: [(F, N); 3] = [
        (|x, ax| x.sum(ax), |x, ax| x.sum_axis(ndarray::Axis(ax))),
        (
            |x, ax| x.sum(ax).expand_dims(ax),
            |x, ax| x.sum_axis(ndarray::Axis(ax)).insert_axis(ndarray::Axis(ax)),
        ),
        (
            |x, ax| {
                DArray::concatenate(&[x.min(ax).expand_dims(ax), x.max(ax).expand_dims(ax)], ax)
            },
            |x, ax| {
                let lo = x
                    .map_axis(ndarray::Axis(ax), |l| *l.iter().min().unwrap())
                    .insert_axis(ndarray::Axis(ax));
                let hi = x
                    .map_axis(ndarray::Axis(ax), |l| *l.iter().max().unwrap())
                    .insert_axis(ndarray::Axis(ax));
                ndarray::concatenate(ndarray::Axis(ax), &[lo.view(), hi.view()]).unwrap()
            },
        ),
    ];
    for axes in [vec![], vec![0], vec![1], vec![2, 1], vec![2, 0, 1]] {
        for (k, (f, nf)) in funcs.iter().enumerate() {
            let got = d.apply_over_axes(f, &axes).compute().unwrap();
            // numpy's apply_over_axes: each result of one dimension fewer gets the axis back.
            let mut want = a.clone();
            for &ax in &axes {
                let r = nf(&want, ax);
                want = if r.ndim() == want.ndim() {
                    r
                } else {
                    r.insert_axis(ndarray::Axis(ax))
                };
            }
            assert_eq!(got, want, "func {k} axes {axes:?}");
        }
    }
}

/// test_block_3d: eight arrays nested three deep, and the same with every piece but
/// the first cut to zero length along some axes (the answer is the first piece).
#[test]
fn test_block_3d() {
    use chunkwise::array::{Blocks, Idx};
    let piece =
        |s: [usize; 3], v: i64| from_array(ArrayD::from_elem(IxDyn(&s), v), [2, 2, 2]).unwrap();
    let (d000, d001, d010, d011) = (
        piece([2, 2, 2], 1),
        piece([2, 2, 3], 4),
        piece([2, 3, 2], 3),
        piece([2, 3, 3], 5),
    );
    let (d100, d101, d110, d111) = (
        piece([3, 2, 2], 2),
        piece([3, 2, 3], 6),
        piece([3, 3, 2], 7),
        piece([3, 3, 3], 8),
    );
    let cube = |a: [&DArray<i64>; 8]| {
        let l = |v: Vec<Blocks<i64>>| Blocks::List(v);
        let b = |x: &DArray<i64>| Blocks::Array(x.clone());
        l(vec![
            l(vec![l(vec![b(a[0]), b(a[1])]), l(vec![b(a[2]), b(a[3])])]),
            l(vec![l(vec![b(a[4]), b(a[5])]), l(vec![b(a[6]), b(a[7])])]),
        ])
    };
    let got = DArray::block_nested(&cube([
        &d000, &d001, &d010, &d011, &d100, &d101, &d110, &d111,
    ]))
    .compute()
    .unwrap();
    // numpy's answer: the value of the octant each position falls in.
    let want = ArrayD::from_shape_fn(IxDyn(&[5, 5, 5]), |ix| {
        let o = ((ix[0] >= 2) as usize) * 4 + ((ix[1] >= 2) as usize) * 2 + (ix[2] >= 2) as usize;
        [1, 4, 3, 5, 2, 6, 7, 8][o]
    });
    assert_eq!(got, want);
    // Zero-length pieces.
    let cut = |x: &DArray<i64>, axes: [bool; 3]| {
        let idx: Vec<Idx> = axes
            .iter()
            .map(|&z| if z { Idx::range(0, 0, 1) } else { Idx::ALL })
            .collect();
        x.index(&idx)
    };
    let parts = [
        d000.clone(),
        cut(&d001, [false, false, true]),
        cut(&d010, [false, true, false]),
        cut(&d011, [false, true, true]),
        cut(&d100, [true, false, false]),
        cut(&d101, [true, false, true]),
        cut(&d110, [true, true, false]),
        cut(&d111, [true, true, true]),
    ];
    let refs: [&DArray<i64>; 8] = std::array::from_fn(|i| &parts[i]);
    let got = DArray::block_nested(&cube(refs)).compute().unwrap();
    assert_eq!(got, ArrayD::from_elem(IxDyn(&[2, 2, 2]), 1));
    // Nesting of different depths, and an empty list, are errors.
    let bad = Blocks::List(vec![
        Blocks::Array(d000.clone()),
        Blocks::List(vec![Blocks::Array(d000.clone())]),
    ]);
    assert!(DArray::block_nested(&bad).compute().is_err());
    assert!(
        DArray::block_nested(&Blocks::<i64>::List(vec![]))
            .compute()
            .is_err()
    );
}

/// test_block_no_lists: a bare array is itself (a 0-d one too).
#[test]
fn test_block_no_lists() {
    use chunkwise::array::{Blocks, eye};
    let one = from_array(ArrayD::from_elem(IxDyn(&[]), 1i64), Vec::<usize>::new()).unwrap();
    let b = DArray::block_nested(&Blocks::Array(one));
    assert_eq!(b.ndim(), 0);
    assert_eq!(b.compute().unwrap()[IxDyn(&[])], 1);
    let e = eye::<f64>(3, 3, 0, [2, 2]).unwrap();
    assert_eq!(
        DArray::block_nested(&Blocks::Array(e.clone()))
            .compute()
            .unwrap(),
        e.compute().unwrap()
    );
}

/// numpy's pad of one lane (`v` of length n) by its definition, for the modes of
/// Dask's `test_pad`: `(b, a)` added before and after.
fn np_pad_lane(v: &[f64], (b, a): (usize, usize), mode: &PadRef) -> Vec<f64> {
    let n = v.len();
    let at = |j: isize| -> f64 {
        let n = n as isize;
        let i = match mode {
            PadRef::Reflect => {
                let m = j.rem_euclid(2 * (n - 1));
                if m >= n { 2 * (n - 1) - m } else { m }
            }
            PadRef::Symmetric => {
                let m = j.rem_euclid(2 * n);
                if m >= n { 2 * n - 1 - m } else { m }
            }
            PadRef::Wrap => j.rem_euclid(n),
            _ => j.clamp(0, n - 1),
        };
        v[i as usize]
    };
    let stat = |s: &[f64], which: &str| match which {
        "max" => s.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
        "min" => s.iter().cloned().fold(f64::INFINITY, f64::min),
        _ => s.iter().sum::<f64>() / s.len() as f64,
    };
    let mut out = Vec::with_capacity(n + b + a);
    for k in 0..b {
        let j = k as isize - b as isize;
        out.push(match mode {
            PadRef::Constant(c, _) => *c,
            PadRef::Ramp(e, _) => e + (v[0] - e) * k as f64 / b as f64,
            PadRef::Stat(which, (sb, _)) => stat(&v[..(*sb).min(n)], which),
            _ => at(j),
        });
    }
    out.extend_from_slice(v);
    for k in 0..a {
        let j = (n + k) as isize;
        out.push(match mode {
            PadRef::Constant(_, c) => *c,
            PadRef::Ramp(_, e) => e + (v[n - 1] - e) * (a - 1 - k) as f64 / a as f64,
            PadRef::Stat(which, (_, sa)) => stat(&v[n - (*sa).min(n)..], which),
            _ => at(j),
        });
    }
    out
}

/// A mode of `np_pad_lane` for one axis.
#[derive(Clone)]
enum PadRef {
    Constant(f64, f64),
    Ramp(f64, f64),
    Stat(&'static str, (usize, usize)),
    Edge,
    Reflect,
    Symmetric,
    Wrap,
}

/// numpy's pad of a 1-d or 2-d array, axis by axis over the array padded so far.
fn np_pad(a: &ArrayD<f64>, widths: &[(usize, usize)], modes: &[PadRef]) -> ArrayD<f64> {
    let mut cur = a.clone();
    for (d, &w) in widths.iter().enumerate() {
        let mut shape = cur.shape().to_vec();
        shape[d] += w.0 + w.1;
        let mut next = ArrayD::zeros(IxDyn(&shape));
        for (lane, mut out) in cur
            .lanes(ndarray::Axis(d))
            .into_iter()
            .zip(next.lanes_mut(ndarray::Axis(d)))
        {
            let v: Vec<f64> = lane.to_vec();
            for (o, x) in out
                .iter_mut()
                .zip(np_pad_lane(&v, w, &modes[d.min(modes.len() - 1)]))
            {
                *o = x;
            }
        }
        cur = next;
    }
    cur
}

/// test_pad: Dask's cases for constant values per side, edge, linear ramps with end
/// values per side, reflect, symmetric, wrap, maximum/mean/minimum over stat_length,
/// and empty (its padded values unspecified: the array's part compared).
#[test]
fn test_pad() {
    use PadRef::*;
    use chunkwise::array::{PadMode, PadStat};
    type Case = (
        Vec<usize>,
        Vec<usize>,
        Vec<(usize, usize)>,
        PadMode<f64>,
        Option<Vec<PadRef>>,
    );
    let cases: Vec<Case> = vec![
        (
            vec![10],
            vec![3],
            vec![(1, 1)],
            PadMode::Constant(0.0),
            Some(vec![Constant(0.0, 0.0)]),
        ),
        (
            vec![10],
            vec![3],
            vec![(2, 2)],
            PadMode::Constant(-1.0),
            Some(vec![Constant(-1.0, -1.0)]),
        ),
        (
            vec![10],
            vec![3],
            vec![(2, 3)],
            PadMode::ConstantSides(vec![(-1.0, -2.0)]),
            Some(vec![Constant(-1.0, -2.0)]),
        ),
        (
            vec![10, 11],
            vec![4, 5],
            vec![(1, 4), (2, 3)],
            PadMode::ConstantSides(vec![(-1.0, -2.0), (2.0, 1.0)]),
            Some(vec![Constant(-1.0, -2.0), Constant(2.0, 1.0)]),
        ),
        (
            vec![10],
            vec![3],
            vec![(3, 3)],
            PadMode::Edge,
            Some(vec![Edge]),
        ),
        (
            vec![10],
            vec![3],
            vec![(3, 3)],
            PadMode::LinearRamp(vec![]),
            Some(vec![Ramp(0.0, 0.0)]),
        ),
        (
            vec![10],
            vec![3],
            vec![(3, 3)],
            PadMode::LinearRamp(vec![(0.0, 0.0)]),
            Some(vec![Ramp(0.0, 0.0)]),
        ),
        (
            vec![10, 11],
            vec![4, 5],
            vec![(1, 4), (2, 3)],
            PadMode::LinearRamp(vec![(-1.0, -2.0), (4.0, 3.0)]),
            Some(vec![Ramp(-1.0, -2.0), Ramp(4.0, 3.0)]),
        ),
        (
            vec![10, 11],
            vec![4, 5],
            vec![(1, 4), (2, 3)],
            PadMode::Reflect,
            Some(vec![Reflect]),
        ),
        (
            vec![10, 11],
            vec![4, 5],
            vec![(1, 4), (2, 3)],
            PadMode::Symmetric,
            Some(vec![Symmetric]),
        ),
        (
            vec![10, 11],
            vec![4, 5],
            vec![(1, 4), (2, 3)],
            PadMode::Wrap,
            Some(vec![Wrap]),
        ),
        (
            vec![10],
            vec![3],
            vec![(2, 3)],
            PadMode::Stat(PadStat::Maximum, vec![(1, 2)]),
            Some(vec![Stat("max", (1, 2))]),
        ),
        (
            vec![10, 11],
            vec![4, 5],
            vec![(1, 4), (2, 3)],
            PadMode::Stat(PadStat::Mean, vec![(3, 4), (2, 1)]),
            Some(vec![Stat("mean", (3, 4)), Stat("mean", (2, 1))]),
        ),
        (
            vec![10],
            vec![3],
            vec![(2, 3)],
            PadMode::Stat(PadStat::Minimum, vec![(2, 3)]),
            Some(vec![Stat("min", (2, 3))]),
        ),
        (vec![10], vec![3], vec![(1, 1)], PadMode::Empty, None),
    ];
    for (k, (shape, chunks, widths, mode, reference)) in cases.into_iter().enumerate() {
        let a = rand_f64(&shape, 90 + k as u64);
        let d = from_array(a.clone(), chunks).unwrap();
        let got = d.pad_with(&widths, mode.clone()).compute().unwrap();
        match reference {
            Some(modes) => {
                let want = np_pad(&a, &widths, &modes);
                assert_eq!(got.shape(), want.shape(), "case {k} {mode:?}");
                for (g, w) in got.iter().zip(&want) {
                    assert!(
                        (g - w).abs() <= 1e-12 * (1.0 + w.abs()),
                        "case {k} {mode:?}: {g} {w}"
                    );
                }
            }
            None => {
                // Empty: the shape, and the array itself in the middle.
                assert_eq!(got.shape(), &[12]);
                assert_eq!(got.slice(ndarray::s![1..11]).to_owned().into_dyn(), a);
            }
        }
    }
    // numpy 2.x's own output for arange(12) as 3 x 4 (printed by np.pad, pasted).
    let a = ArrayD::from_shape_fn(IxDyn(&[3, 4]), |ix| (ix[0] * 4 + ix[1]) as f64);
    let d = from_array(a, [2, 3]).unwrap();
    let mean = d
        .pad_with(
            &[(1, 2), (2, 1)],
            PadMode::Stat(PadStat::Mean, vec![(2, 1), (1, 2)]),
        )
        .compute()
        .unwrap();
    let numpy_mean = ndarray::arr2(&[
        [2., 2., 2., 3., 4., 5., 4.5],
        [0., 0., 0., 1., 2., 3., 2.5],
        [4., 4., 4., 5., 6., 7., 6.5],
        [8., 8., 8., 9., 10., 11., 10.5],
        [8., 8., 8., 9., 10., 11., 10.5],
        [8., 8., 8., 9., 10., 11., 10.5],
    ]);
    assert_eq!(mean, numpy_mean.into_dyn());
    let ramp = d
        .pad_with(
            &[(1, 2), (2, 1)],
            PadMode::LinearRamp(vec![(-1.0, -2.0), (4.0, 3.0)]),
        )
        .compute()
        .unwrap();
    let numpy_ramp = ndarray::arr2(&[
        [4., 1.5, -1., -1., -1., -1., 3.],
        [4., 2., 0., 1., 2., 3., 3.],
        [4., 4., 4., 5., 6., 7., 3.],
        [4., 6., 8., 9., 10., 11., 3.],
        [4., 3.5, 3., 3.5, 4., 4.5, 3.],
        [4., 1., -2., -2., -2., -2., 3.],
    ]);
    assert_eq!(ramp, numpy_ramp.into_dyn());
    // Integer means round half to even, as numpy's `around`.
    let x = from_array(ndarray::arr1(&[1i64, 2, 4, 4]).into_dyn(), [2]).unwrap();
    let m = x
        .pad_with(&[(1, 1)], PadMode::Stat(PadStat::Mean, vec![(2, 2)]))
        .compute()
        .unwrap();
    assert_eq!(m.into_raw_vec_and_offset().0, vec![2, 1, 2, 4, 4, 4]);
    assert!(
        x.pad_with(&[(1, 1)], PadMode::Stat(PadStat::Mean, vec![(0, 2)]))
            .compute()
            .is_err()
    );
}

/// test_pad_0_width: zero widths leave the array as it is, whatever the mode.
#[test]
fn test_pad_0_width() {
    use chunkwise::array::PadMode;
    let a = rand_f64(&[10, 11], 99);
    let d = from_array(a.clone(), [4, 5]).unwrap();
    for mode in [
        PadMode::Constant(2.0),
        PadMode::Edge,
        PadMode::LinearRamp(vec![(2.0, 2.0)]),
        PadMode::Reflect,
        PadMode::Symmetric,
        PadMode::Wrap,
        PadMode::Empty,
    ] {
        let r = d.pad_with(&[(0, 0), (0, 0)], mode.clone());
        assert_eq!(r.chunks(), d.chunks(), "{mode:?}");
        assert_eq!(r.compute().unwrap(), a, "{mode:?}");
    }
}

/// test_pad_udf: a user function writes `-scaler * before` into the lane's front and
/// `scaler * after` into its back, with and without a scaler.
#[test]
fn test_pad_udf() {
    use chunkwise::array::PadMode;
    for scaler in [1.0, 2.0] {
        let a = rand_f64(&[10, 11], 100);
        let d = from_array(a.clone(), [4, 5]).unwrap();
        let widths = [(1, 2), (2, 3)];
        let f = move |v: &mut [f64], (b, af): (usize, usize), _axis: usize| {
            let n = v.len();
            for x in &mut v[..b] {
                *x = -scaler * b as f64;
            }
            for x in &mut v[n - af..] {
                *x = scaler * af as f64;
            }
        };
        let got = d
            .pad_with(&widths, PadMode::Func(std::sync::Arc::new(f)))
            .compute()
            .unwrap();
        // numpy: zeros around, then the function along axis 0, then along axis 1.
        let mut want = ArrayD::zeros(IxDyn(&[13, 16]));
        want.slice_mut(ndarray::s![1..11, 2..13]).assign(&a);
        for (axis, &(b, af)) in widths.iter().enumerate() {
            for mut lane in want.lanes_mut(ndarray::Axis(axis)) {
                let n = lane.len();
                for i in 0..b {
                    lane[i] = -scaler * b as f64;
                }
                for i in n - af..n {
                    lane[i] = scaler * af as f64;
                }
            }
        }
        assert_eq!(got, want, "scaler {scaler}");
    }
}

/// The derivative at `at` of the quadratic through three points (Lagrange's form):
/// numpy's second-order differences, computed another way.
fn quad_deriv(xs: [f64; 3], fs: [f64; 3], at: f64) -> f64 {
    let mut s = 0.0;
    for j in 0..3 {
        let others: Vec<usize> = (0..3).filter(|&l| l != j).collect();
        let denom: f64 = others.iter().map(|&l| xs[j] - xs[l]).product();
        let num: f64 = others
            .iter()
            .map(|&m| {
                others
                    .iter()
                    .filter(|&&l| l != m)
                    .map(|&l| at - xs[l])
                    .product::<f64>()
            })
            .sum();
        s += fs[j] * num / denom;
    }
    s
}

/// numpy's gradient of one lane with coordinates `x`, by `quad_deriv`.
fn grad_lane(f: &[f64], x: &[f64], edge_order: usize) -> Vec<f64> {
    let n = f.len();
    let mut g = vec![0.0; n];
    for k in 1..n - 1 {
        g[k] = quad_deriv([x[k - 1], x[k], x[k + 1]], [f[k - 1], f[k], f[k + 1]], x[k]);
    }
    if edge_order == 1 {
        g[0] = (f[1] - f[0]) / (x[1] - x[0]);
        g[n - 1] = (f[n - 1] - f[n - 2]) / (x[n - 1] - x[n - 2]);
    } else {
        g[0] = quad_deriv([x[0], x[1], x[2]], [f[0], f[1], f[2]], x[0]);
        g[n - 1] = quad_deriv(
            [x[n - 3], x[n - 2], x[n - 1]],
            [f[n - 3], f[n - 2], f[n - 1]],
            x[n - 1],
        );
    }
    g
}

/// test_gradient: integers on (10, 15, 20) in chunks of 5, unit steps, one step for
/// all axes, one per axis, coordinates per axis (exp(arange)), over every axis, one
/// axis, or (0, 2); edge orders 1 and 2; and numpy's own output on a small case.
#[test]
fn test_gradient() {
    use chunkwise::array::Spacing;
    let a = rand_f64(&[10, 15, 20], 120).mapv(|v| (v * 10.0).floor());
    let d = from_array(a.clone().mapv(|v| v as i64), [5, 5, 5]).unwrap();
    let exp = |n: usize| Spacing::Coords((0..n).map(|i| (i as f64).exp()).collect());
    let coords = |s: &Spacing, n: usize| -> Vec<f64> {
        match s {
            Spacing::Step(h) => (0..n).map(|i| i as f64 * h).collect(),
            Spacing::Coords(c) => c.clone(),
        }
    };
    let cases: Vec<(Vec<Spacing>, Option<Vec<usize>>)> = vec![
        (vec![], None),
        (vec![Spacing::Step(2.0)], None),
        (
            vec![Spacing::Step(1.0), Spacing::Step(1.5), Spacing::Step(2.0)],
            None,
        ),
        (vec![], Some(vec![0])),
        (vec![], Some(vec![1])),
        (vec![], Some(vec![2])),
        (vec![], Some(vec![0, 2])),
        (vec![exp(10), exp(20)], Some(vec![0, 2])),
        (vec![Spacing::Step(0.5), exp(20)], Some(vec![0, 2])),
        (vec![exp(20)], Some(vec![2])),
    ];
    for edge_order in [1, 2] {
        for (spacing, axes) in &cases {
            let got = d.gradient(spacing, axes.as_deref(), edge_order);
            let axes_list = axes.clone().unwrap_or_else(|| vec![0, 1, 2]);
            assert_eq!(got.len(), axes_list.len());
            let mut sum_sq = ArrayD::<f64>::zeros(IxDyn(&[10, 15, 20]));
            for (i, (&ax, g)) in axes_list.iter().zip(&got).enumerate() {
                let n = a.shape()[ax];
                let sp = match spacing.len() {
                    0 => Spacing::Step(1.0),
                    1 => spacing[0].clone(),
                    _ => spacing[i].clone(),
                };
                let x = coords(&sp, n);
                let mut want = a.clone();
                for (lane, mut o) in a
                    .lanes(ndarray::Axis(ax))
                    .into_iter()
                    .zip(want.lanes_mut(ndarray::Axis(ax)))
                {
                    for (w, v) in o.iter_mut().zip(grad_lane(&lane.to_vec(), &x, edge_order)) {
                        *w = v;
                    }
                }
                let g = g.compute().unwrap();
                for (p, q) in g.iter().zip(&want) {
                    assert!(
                        (p - q).abs() <= 1e-9 * (1.0 + q.abs()),
                        "axis {ax} order {edge_order} {spacing:?}: {p} {q}"
                    );
                }
                sum_sq = sum_sq + g.mapv(|v| v * v);
            }
            // Dask also checks the magnitude sqrt(sum of squares).
            let mag = got
                .iter()
                .map(|g| g.square())
                .reduce(|p, q| &p + &q)
                .unwrap()
                .sqrt()
                .compute()
                .unwrap();
            assert!(
                mag.iter()
                    .zip(&sum_sq)
                    .all(|(p, q)| (p - q.sqrt()).abs() <= 1e-9 * (1.0 + q.sqrt()))
            );
        }
    }
    // numpy 2.x's own output (np.gradient printed, pasted).
    let s = from_array(
        ndarray::arr2(&[
            [1., 2., 4., 7., 11.],
            [2., 3., 5., 8., 3.],
            [0., 1., 0., 1., 0.],
        ])
        .into_dyn(),
        [2, 3],
    )
    .unwrap();
    let g = s.gradient(&[Spacing::Step(2.0), exp(5)], None, 2);
    let g0 = ndarray::arr2(&[
        [1.25, 1.25, 2., 2.5, -5.25],
        [-0.25, -0.25, -1., -1.5, -2.75],
        [-1.75, -1.75, -4., -5.5, -0.25],
    ]);
    let g1 = ndarray::arr2(&[
        [0.6233351, 0.54061831, 0.37658236, 0.20390909, 0.02789023],
        [0.6233351, 0.54061831, 0.37658236, 0.1337761, -0.42352524],
        [0.79607397, 0.36787944, -0.13533528, 0.04978707, -0.1077369],
    ]);
    assert_eq!(g[0].compute().unwrap(), g0.into_dyn());
    assert!(
        g[1].compute()
            .unwrap()
            .iter()
            .zip(g1.iter())
            .all(|(p, q)| (p - q).abs() < 1e-8)
    );
    let g = s.gradient(&[], Some(&[1]), 1);
    let want = ndarray::arr2(&[
        [1., 1.5, 2.5, 3.5, 4.],
        [1., 1.5, 2.5, -1., -5.],
        [1., 0., 0., 0., -1.],
    ]);
    assert_eq!(g[0].compute().unwrap(), want.into_dyn());
    // Too short an axis for the edge order.
    let short = from_array(ndarray::arr1(&[1.0, 2.0]).into_dyn(), [1]).unwrap();
    assert!(short.gradient(&[], None, 2)[0].compute().is_err());
}
