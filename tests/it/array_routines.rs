//! Routines against plain loops and ndarray (following Dask's test_routines and
//! test_creation): cumulative sums and products across chunk boundaries, diff, ptp,
//! quantiles as numpy's linear method, topk, histogram, eye/tri/tril/triu/diag,
//! indices, meshgrid, stacking helpers.

use chunkwise::array::{DArray, eye, from_array, indices, meshgrid, tri};
use ndarray::{ArrayD, Axis, IxDyn};

fn data() -> ArrayD<i64> {
    ArrayD::from_shape_fn(IxDyn(&[7, 6]), |i| ((i[0] * 5 + i[1] * 3) % 9) as i64 - 3)
}

#[test]
fn cumulative_sums_and_products_cross_chunks() {
    let a = data();
    for chunks in [[2, 4], [7, 6], [1, 1], [3, 5]] {
        let x = from_array(a.clone(), chunks).unwrap();
        for axis in 0..2 {
            let mut want = a.clone();
            want.accumulate_axis_inplace(Axis(axis), |&p, c| *c += p);
            assert_eq!(
                x.cumsum(axis).compute().unwrap(),
                want,
                "cumsum {axis} {chunks:?}"
            );
            let mut want = a.mapv(|v| v % 3 + 2);
            want.accumulate_axis_inplace(Axis(axis), |&p, c| *c *= p);
            let y = from_array(a.mapv(|v| v % 3 + 2), chunks).unwrap();
            assert_eq!(
                y.cumprod(axis).compute().unwrap(),
                want,
                "cumprod {axis} {chunks:?}"
            );
        }
        let f = x.astype::<f64>();
        let mut want = a.mapv(|v| v as f64);
        want.accumulate_axis_inplace(Axis(1), |&p, c| *c += p);
        assert_eq!(f.cumsum(1).compute().unwrap(), want);
    }
    // bool counts up as int64.
    let b = from_array(data().mapv(|v| v > 0), [3, 3]).unwrap();
    let mut want = data().mapv(|v| i64::from(v > 0));
    want.accumulate_axis_inplace(Axis(0), |&p, c| *c += p);
    assert_eq!(b.cumsum(0).compute().unwrap(), want);
}

#[test]
fn diff_and_ptp() {
    let a = data();
    let x = from_array(a.clone(), [3, 4]).unwrap();
    for axis in 0..2 {
        let n = a.shape()[axis];
        let want =
            &a.slice_axis(Axis(axis), (1..n).into()) - &a.slice_axis(Axis(axis), (0..n - 1).into());
        assert_eq!(x.diff(axis).compute().unwrap(), want, "diff {axis}");
        let hi = a.map_axis(Axis(axis), |l| *l.iter().max().unwrap());
        let lo = a.map_axis(Axis(axis), |l| *l.iter().min().unwrap());
        assert_eq!(x.ptp(axis).compute().unwrap(), &hi - &lo, "ptp {axis}");
    }
}

#[test]
fn quantiles_follow_numpy_linear() {
    let a = ArrayD::from_shape_fn(IxDyn(&[5, 8]), |i| {
        ((i[0] * 13 + i[1] * 7) % 11) as f64 * 0.5
    });
    let x = from_array(a.clone(), [2, 3]).unwrap();
    let q = [0.0, 0.1, 0.5, 0.9, 1.0];
    let got = x.quantile(&q, 1).compute().unwrap();
    assert_eq!(got.shape(), &[5, 5]);
    for r in 0..5 {
        let mut v: Vec<f64> = a.index_axis(Axis(0), r).iter().copied().collect();
        v.sort_by(f64::total_cmp);
        for (j, &p) in q.iter().enumerate() {
            // numpy's linear: position p * (n - 1), interpolated.
            let pos = p * (v.len() - 1) as f64;
            let (i, f) = (pos.floor() as usize, pos.fract());
            let want = if i + 1 < v.len() {
                v[i] + (v[i + 1] - v[i]) * f
            } else {
                v[i]
            };
            assert!((got[[r, j]] - want).abs() < 1e-12, "row {r} q {p}");
        }
    }
    let med = x.median(0).compute().unwrap();
    assert_eq!(med.shape(), &[8]);
    let pct = x.percentile(&[50.0], 0).squeeze(vec![0]).compute().unwrap();
    assert_eq!(med, pct);
    // NaN in a lane gives NaN; bad q and empty axes are errors.
    let n = from_array(
        ArrayD::from_shape_vec(IxDyn(&[2, 2]), vec![1.0, f64::NAN, 2.0, 3.0]).unwrap(),
        [1, 1],
    )
    .unwrap();
    let m = n.median(1).compute().unwrap();
    assert!(m[[0]].is_nan() && m[[1]] == 2.5);
    assert!(x.quantile(&[1.5], 0).compute().is_err());
}

#[test]
fn topk_and_histogram() {
    let a = data();
    let x = from_array(a.clone(), [3, 2]).unwrap();
    let mut v: Vec<i64> = a.iter().copied().collect();
    v.sort_unstable_by(|p, q| q.cmp(p));
    assert_eq!(
        x.topk(5).compute().unwrap().into_raw_vec_and_offset().0,
        v[..5].to_vec()
    );
    v.reverse();
    assert_eq!(
        x.topk(-4).compute().unwrap().into_raw_vec_and_offset().0,
        v[..4].to_vec()
    );
    assert_eq!(x.topk(100).shape(), &[42]);
    let (counts, edges) = x.astype::<f64>().histogram(4, -3.0, 5.0);
    assert_eq!(edges, vec![-3.0, -1.0, 1.0, 3.0, 5.0]);
    let mut want = vec![0i64; 4];
    for &e in a.iter() {
        let e = e as f64;
        if (-3.0..=5.0).contains(&e) {
            want[(((e + 3.0) / 2.0) as usize).min(3)] += 1;
        }
    }
    assert_eq!(counts.compute().unwrap().into_raw_vec_and_offset().0, want);
    assert_eq!(want.iter().sum::<i64>(), 42);
}

#[test]
fn constructors_and_triangles_match_numpy() {
    for k in [-2isize, 0, 1, 5] {
        let e = eye::<f64>(5, 7, k, [2, 3]).unwrap().compute().unwrap();
        let t = tri::<i32>(5, 7, k, [3, 3]).unwrap().compute().unwrap();
        for i in 0..5 {
            for j in 0..7 {
                let d = j as isize - i as isize;
                assert_eq!(e[[i, j]], f64::from(u8::from(d == k)));
                assert_eq!(t[[i, j]], i32::from(d <= k));
            }
        }
    }
    let a = data();
    let x = from_array(a.clone(), [3, 4]).unwrap();
    for k in [-1isize, 0, 2] {
        let lo = x.tril(k).compute().unwrap();
        let hi = x.triu(k).compute().unwrap();
        for ((i, j), &v) in a
            .clone()
            .into_dimensionality::<ndarray::Ix2>()
            .unwrap()
            .indexed_iter()
        {
            let d = j as isize - i as isize;
            assert_eq!(lo[[i, j]], if d <= k { v } else { 0 });
            assert_eq!(hi[[i, j]], if d >= k { v } else { 0 });
        }
    }
    let d = x.diag().compute().unwrap();
    assert_eq!(
        d.into_raw_vec_and_offset().0,
        (0..6).map(|i| a[[i, i]]).collect::<Vec<_>>()
    );
    let v = from_array(
        ArrayD::from_shape_vec(IxDyn(&[3]), vec![4u8, 5, 6]).unwrap(),
        [2],
    )
    .unwrap();
    let m = v.diag().compute().unwrap();
    assert_eq!(m.shape(), &[3, 3]);
    assert_eq!(m.sum(), 15);
    assert_eq!(m[[1, 1]], 5);
    let ix = indices(&[3, 4], [2, 3]).unwrap().compute().unwrap();
    assert_eq!(ix.shape(), &[2, 3, 4]);
    assert_eq!(ix[[0, 2, 1]], 2);
    assert_eq!(ix[[1, 2, 1]], 1);
}

#[test]
fn meshgrid_and_stacking_helpers() {
    let xs = from_array(
        ArrayD::from_shape_vec(IxDyn(&[3]), vec![1, 2, 3]).unwrap(),
        [2],
    )
    .unwrap();
    let ys = from_array(
        ArrayD::from_shape_vec(IxDyn(&[2]), vec![10, 20]).unwrap(),
        [1],
    )
    .unwrap();
    let g = meshgrid(&[xs.clone(), ys.clone()]);
    // numpy: X[i, j] = x[j], Y[i, j] = y[i], shape (len(y), len(x)).
    let (gx, gy) = (g[0].compute().unwrap(), g[1].compute().unwrap());
    assert_eq!(gx.shape(), &[2, 3]);
    assert_eq!(gx[[1, 2]], 3);
    assert_eq!(gy[[1, 2]], 20);
    let v = DArray::vstack(&[xs.clone(), xs.clone()]);
    assert_eq!(v.shape(), &[2, 3]);
    assert_eq!(DArray::hstack(&[xs.clone(), xs.clone()]).shape(), &[6]);
    let d = DArray::dstack(&[xs.clone(), xs.clone()]).compute().unwrap();
    assert_eq!(d.shape(), &[1, 3, 2]);
    assert_eq!(d[[0, 2, 1]], 3);
    let col = ys.expand_dims(1);
    let b = DArray::broadcast_arrays(&[xs.clone(), col]);
    assert_eq!(b[0].shape(), &[2, 3]);
    assert_eq!(b[1].compute().unwrap()[[1, 0]], 20);
    assert_eq!(b[0].compute().unwrap()[[1, 2]], 3);
}
