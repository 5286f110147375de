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

/// A 3 x 3 box sum at every position with a full neighbourhood, other elements kept.
fn box_sum(c: &ArrayD<f64>) -> ArrayD<f64> {
    let mut out = c.clone();
    let (r, k) = (c.shape()[0], c.shape()[1]);
    for i in 1..r.saturating_sub(1) {
        for j in 1..k.saturating_sub(1) {
            let mut s = 0.0;
            for di in 0..3 {
                for dj in 0..3 {
                    s += c[[i + di - 1, j + dj - 1]];
                }
            }
            out[[i, j]] = s;
        }
    }
    out
}

/// The 3 x 3 box sum of `a` computed eagerly, `at(p, q)` giving the value at any
/// position, inside or past the edges; where it gives none (a neighbour missing under
/// a rule of "none"), the element stays as it was, as `box_sum` leaves it.
fn padded_box_sum(a: &ArrayD<f64>, at: impl Fn(isize, isize) -> Option<f64>) -> ArrayD<f64> {
    ArrayD::from_shape_fn(a.raw_dim(), |i| {
        let mut s = 0.0;
        for di in -1..=1isize {
            for dj in -1..=1isize {
                match at(i[0] as isize + di, i[1] as isize + dj) {
                    Some(v) => s += v,
                    None => return a[[i[0], i[1]]],
                }
            }
        }
        s
    })
}

#[test]
fn map_overlap_matches_a_padded_stencil() {
    use chunkwise::array::Boundary;
    let (r, k) = (7usize, 9usize);
    let a = ArrayD::from_shape_fn(IxDyn(&[r, k]), |i| ((i[0] * 7 + i[1] * 3) % 10) as f64);
    // The value at (p, q), p and q possibly outside, for each boundary rule.
    let at = |mode: &str, p: isize, q: isize| -> f64 {
        let fix = |p: isize, n: isize| match mode {
            "periodic" => p.rem_euclid(n),
            "reflect" => {
                if p < 0 {
                    -p - 1
                } else if p >= n {
                    2 * n - p - 1
                } else {
                    p
                }
            }
            _ => p.clamp(0, n - 1),
        };
        if mode == "constant" && (p < 0 || q < 0 || p >= r as isize || q >= k as isize) {
            return -1.0;
        }
        a[[fix(p, r as isize) as usize, fix(q, k as isize) as usize]]
    };
    for chunks in [[3, 2], [1, 1], [7, 9], [4, 5]] {
        let x = from_array(a.clone(), chunks).unwrap();
        for (mode, b) in [
            ("constant", Boundary::Constant(-1.0)),
            ("periodic", Boundary::Periodic),
            ("reflect", Boundary::Reflect),
            ("nearest", Boundary::Nearest),
        ] {
            for depth in [1usize, 2] {
                let got = x
                    .map_overlap(&[depth, depth], b, box_sum)
                    .compute()
                    .unwrap();
                let want = padded_box_sum(&a, |p, q| Some(at(mode, p, q)));
                assert_eq!(got, want, "{mode} depth {depth} chunks {chunks:?}");
            }
        }
        // No boundary: edges keep their values, the inside is the stencil.
        let got = x
            .map_overlap(&[1, 1], Boundary::None, box_sum)
            .compute()
            .unwrap();
        assert_eq!(got, box_sum(&a), "none {chunks:?}");
    }
    let x = from_array(a.clone(), [3, 3]).unwrap();
    let e = x.map_overlap(&[1, 1], Boundary::Nearest, |c| {
        c.slice(ndarray::s![1.., ..]).to_owned().into_dyn()
    });
    assert!(
        e.compute()
            .unwrap_err()
            .to_string()
            .contains("extended chunk")
    );
    assert!(
        x.map_overlap(&[20], Boundary::Periodic, box_sum)
            .compute()
            .is_err()
    );
}

/// Boundary rules by axis (Dask's `boundary={0: "periodic", 1: ...}`), and several
/// arrays extended together, against the padded stencil computed eagerly.
#[test]
fn map_overlap_rules_by_axis_and_several_arrays() {
    use chunkwise::array::Boundary;
    let (r, k) = (6usize, 7usize);
    let a = ArrayD::from_shape_fn(IxDyn(&[r, k]), |i| ((i[0] * 5 + i[1] * 3) % 11) as f64);
    // The value at (p, q) under one rule per axis; `None` where a rule of "none" leaves
    // the position outside.
    let fix = |mode: &str, p: isize, n: isize| -> Option<isize> {
        match mode {
            "periodic" => Some(p.rem_euclid(n)),
            "reflect" if p < 0 => Some(-p - 1),
            "reflect" if p >= n => Some(2 * n - p - 1),
            "nearest" => Some(p.clamp(0, n - 1)),
            _ => (0..n).contains(&p).then_some(p),
        }
    };
    let at = |modes: [&str; 2], p: isize, q: isize| -> Option<f64> {
        let outside =
            |m: &str, p: isize, n: usize| m == "constant" && !(0..n as isize).contains(&p);
        if outside(modes[0], p, r) || outside(modes[1], q, k) {
            return Some(-1.0);
        }
        Some(
            a[[
                fix(modes[0], p, r as isize)? as usize,
                fix(modes[1], q, k as isize)? as usize,
            ]],
        )
    };
    let rule = |m: &str| match m {
        "periodic" => Boundary::Periodic,
        "reflect" => Boundary::Reflect,
        "nearest" => Boundary::Nearest,
        "constant" => Boundary::Constant(-1.0),
        _ => Boundary::None,
    };
    let pairs = [
        ["periodic", "none"],
        ["none", "reflect"],
        ["constant", "periodic"],
        ["nearest", "constant"],
        ["reflect", "periodic"],
    ];
    for chunks in [[2, 3], [6, 7], [1, 4]] {
        let x = from_array(a.clone(), chunks).unwrap();
        for modes in pairs {
            let got = x
                .map_overlap(&[1, 1], [rule(modes[0]), rule(modes[1])], box_sum)
                .compute()
                .unwrap();
            let want = padded_box_sum(&a, |p, q| at(modes, p, q));
            assert_eq!(got, want, "{modes:?} chunks {chunks:?}");
        }
    }
    // Two arrays chunked differently, extended together: the stencil of their sum.
    let b = a.mapv(|v| v * 10.0 + 1.0);
    let x = from_array(a.clone(), [2, 3]).unwrap();
    let y = from_array(b.clone(), [3, 7]).unwrap();
    let got = x
        .map_overlap_with(&[&y], &[1, 1], Boundary::Periodic, |c| {
            box_sum(&(c[0] + c[1]))
        })
        .compute()
        .unwrap();
    assert_eq!(got.shape(), &[r, k]);
    let sum = from_array(&a + &b, [3, 3]).unwrap();
    let want = sum
        .map_overlap(&[1, 1], Boundary::Periodic, box_sum)
        .compute()
        .unwrap();
    assert_eq!(got, want);
    // Mismatched shapes, too many rules: errors, not panics.
    let short = from_array(a.slice(ndarray::s![1.., ..]).to_owned().into_dyn(), [2, 3]).unwrap();
    let e = x
        .map_overlap_with(&[&short], &[1, 1], Boundary::None, |c| c[0].clone())
        .compute()
        .unwrap_err();
    assert!(e.to_string().contains("one shape"), "{e}");
    let e = x
        .map_overlap(&[1], vec![Boundary::None; 3], |c| c.clone())
        .compute()
        .unwrap_err();
    assert!(e.to_string().contains("3 boundary rules"), "{e}");
}

#[test]
fn map_blocks_with_several_arrays_and_positions() {
    let a = data();
    let b = data().mapv(|v| v * 10);
    let x = from_array(a.clone(), [3, 4]).unwrap();
    let y = from_array(b.clone(), [2, 6]).unwrap();
    let row = from_array(a.index_axis(Axis(0), 0).to_owned(), [5]).unwrap();
    let z = x.map_blocks_with(&[&y, &row], |blocks, _| {
        &(&blocks[0] + &blocks[1]) - &blocks[2]
    });
    assert_eq!(z.compute().unwrap(), &(&a + &b) - &a.index_axis(Axis(0), 0));
    // Block positions: each element learns its block's grid position.
    let p = x.map_blocks_with(&[], |blocks, pos| {
        blocks[0].mapv(|_| (pos[0] * 10 + pos[1]) as i64)
    });
    let got = p.compute().unwrap();
    assert_eq!(got[[0, 0]], 0);
    assert_eq!(got[[6, 5]], 21);
    assert_eq!(got[[4, 3]], 10);
}

#[test]
fn distributions_sample_the_chunk_streams() {
    use chunkwise::array::random;
    use chunkwise::rand_distr::{Binomial, Distribution, Exp, Gamma, Poisson};
    use chunkwise::random::{ChunkRng, chunk_states};
    use chunkwise::{Config, Scheduler};
    let (n, c) = (100_000usize, 30_000usize);
    let moments = |v: &[f64]| {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        (
            m,
            v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64,
        )
    };
    let x = random(Exp::new(0.5).unwrap(), &[n], [c], 9).unwrap();
    let v = x.compute().unwrap().into_raw_vec_and_offset().0;
    let (m, var) = moments(&v);
    assert!(
        (m - 2.0).abs() < 0.05 && (var - 4.0).abs() < 0.2,
        "exp {m} {var}"
    );
    // Chunk 1 is exactly its own stream, sampled in order.
    let mut rng = ChunkRng::new(&chunk_states(9, 4)[1]);
    let d = Exp::new(0.5).unwrap();
    let direct: Vec<f64> = (0..c).map(|_| d.sample(&mut rng)).collect();
    assert_eq!(&v[c..2 * c], direct.as_slice());
    // The same on one thread.
    let sync = x
        .compute_with(&Config::new().scheduler(Scheduler::Synchronous))
        .unwrap();
    assert_eq!(sync.into_raw_vec_and_offset().0, v);
    let p = random(Poisson::new(3.0).unwrap(), &[n], [c], 1).unwrap();
    let (m, var) = moments(&p.compute().unwrap().into_raw_vec_and_offset().0);
    assert!(
        (m - 3.0).abs() < 0.05 && (var - 3.0).abs() < 0.1,
        "poisson {m} {var}"
    );
    let b = random(Binomial::new(10, 0.3).unwrap(), &[n], [c], 2).unwrap();
    assert_eq!(b.dtype(), chunkwise::array::DType::U64);
    let (m, var) = moments(
        &b.astype::<f64>()
            .compute()
            .unwrap()
            .into_raw_vec_and_offset()
            .0,
    );
    assert!(
        (m - 3.0).abs() < 0.05 && (var - 2.1).abs() < 0.1,
        "binomial {m} {var}"
    );
    let g = random(Gamma::new(2.0, 3.0).unwrap(), &[n], [c], 4).unwrap();
    let (m, var) = moments(&g.compute().unwrap().into_raw_vec_and_offset().0);
    assert!(
        (m - 6.0).abs() < 0.15 && (var - 18.0).abs() < 1.0,
        "gamma {m} {var}"
    );
    // Another seed, other numbers; the same seed, the same keys.
    let y = random(Exp::new(0.5).unwrap(), &[n], [c], 10).unwrap();
    assert_ne!(y.token(), x.token());
    assert_eq!(
        random(Exp::new(0.5).unwrap(), &[n], [c], 9)
            .unwrap()
            .token(),
        x.token()
    );
}
