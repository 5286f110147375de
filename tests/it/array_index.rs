//! Indexing and shape operations against ndarray, with Python's slice semantics
//! written out case by case (ported from Dask's test_slicing and test_array_core).

use chunkwise::array::{Chunks, DArray, Idx, arange, from_array};
use ndarray::{ArrayD, Axis, IxDyn, NewAxis, s};

fn grid(r: usize, c: usize) -> ArrayD<i64> {
    ArrayD::from_shape_fn(IxDyn(&[r, c]), |i| (i[0] * 100 + i[1]) as i64)
}

/// A Python slice `start:stop:step` and what `range(10)[start:stop:step]` gives.
type PySlice = (Option<isize>, Option<isize>, isize, &'static [usize]);

/// `range(10)[start:stop:step]` as Python gives it.
const SLICES: [PySlice; 13] = [
    (Some(2), Some(8), 3, &[2, 5]),
    (None, None, -1, &[9, 8, 7, 6, 5, 4, 3, 2, 1, 0]),
    (Some(8), None, -3, &[8, 5, 2]),
    (Some(-3), Some(100), 1, &[7, 8, 9]),
    (Some(100), Some(-100), -4, &[9, 5, 1]),
    (Some(-100), Some(3), 2, &[0, 2]),
    (Some(5), Some(2), 1, &[]),
    (Some(2), Some(-1), 3, &[2, 5, 8]),
    (Some(-1), Some(-11), -1, &[9, 8, 7, 6, 5, 4, 3, 2, 1, 0]),
    (Some(-2), None, -4, &[8, 4, 0]),
    (Some(3), Some(3), 1, &[]),
    (None, None, 3, &[0, 3, 6, 9]),
    (Some(0), Some(1), -1, &[]),
];

#[test]
fn slices_follow_python_on_every_chunking() {
    let a = ArrayD::from_shape_fn(IxDyn(&[10]), |i| i[0] as i64);
    for chunks in [1, 3, 4, 10] {
        let x = from_array(a.clone(), [chunks]).unwrap();
        for (start, stop, step, want) in SLICES {
            let got = x.index([Idx::Slice { start, stop, step }]);
            assert_eq!(got.shape(), &[want.len()]);
            let got = got.compute().unwrap().into_raw_vec_and_offset().0;
            let want: Vec<i64> = want.iter().map(|&i| i as i64).collect();
            assert_eq!(got, want, "[{start:?}:{stop:?}:{step}] chunks {chunks}");
        }
    }
}

#[test]
fn two_axis_selections_match_select() {
    let a = grid(10, 10);
    for chunks in [[3, 4], [10, 1], [2, 10]] {
        let x = from_array(a.clone(), chunks).unwrap();
        for (r0, r1, rs, rows) in SLICES {
            for (c0, c1, cs, cols) in SLICES.iter().rev().take(5) {
                let got = x.index([
                    Idx::Slice {
                        start: r0,
                        stop: r1,
                        step: rs,
                    },
                    Idx::Slice {
                        start: *c0,
                        stop: *c1,
                        step: *cs,
                    },
                ]);
                let want = a.select(Axis(0), rows).select(Axis(1), cols);
                assert_eq!(
                    got.compute().unwrap(),
                    want,
                    "{chunks:?} rows {rows:?} cols {cols:?}"
                );
            }
        }
    }
}

#[test]
fn integers_new_axes_and_ellipsis() {
    let a = ArrayD::from_shape_fn(IxDyn(&[4, 5, 6]), |i| {
        (i[0] * 100 + i[1] * 10 + i[2]) as i32
    });
    let x = from_array(a.clone(), [3, 2, 4]).unwrap();
    // x[-1] drops the first axis; x[..., 0] the last; x[1, :, -2].
    assert_eq!(
        x.index([Idx::At(-1)]).compute().unwrap(),
        a.index_axis(Axis(0), 3)
    );
    assert_eq!(
        x.index([Idx::Ellipsis, Idx::At(0)]).compute().unwrap(),
        a.index_axis(Axis(2), 0)
    );
    assert_eq!(
        x.index([Idx::At(1), Idx::ALL, Idx::At(-2)])
            .compute()
            .unwrap(),
        a.slice(s![1, .., -2]).into_dyn()
    );
    // x[None, 1:3, ..., None]: new axes around.
    let y = x.index([
        Idx::NewAxis,
        Idx::range(1, 3, 1),
        Idx::Ellipsis,
        Idx::NewAxis,
    ]);
    assert_eq!(y.shape(), &[1, 2, 5, 6, 1]);
    assert_eq!(
        y.compute().unwrap(),
        a.slice(s![NewAxis, 1..3, .., .., NewAxis]).into_dyn()
    );
    // ndarray's s! as an index.
    assert_eq!(
        x.index(s![1..;2, -1, NewAxis, ..;-1]).compute().unwrap(),
        a.slice(s![1..;2, -1, NewAxis, ..;-1]).into_dyn()
    );
    // A single element.
    assert_eq!(
        x.index([Idx::At(2), Idx::At(3), Idx::At(4)])
            .compute_scalar()
            .unwrap(),
        234
    );
}

#[test]
fn bad_indices_are_errors() {
    let x = from_array(grid(3, 4), [2, 2]).unwrap();
    let e = |y: DArray<i64>| y.compute().unwrap_err().to_string();
    assert!(e(x.index([Idx::At(3)])).contains("index 3 is out of bounds for axis 0 with size 3"));
    assert!(e(x.index([Idx::ALL, Idx::At(-5)])).contains("out of bounds for axis 1"));
    assert!(e(x.index([Idx::range(0, 2, 0)])).contains("step cannot be zero"));
    assert!(e(x.index([Idx::At(0), Idx::At(0), Idx::At(0)])).contains("3 entries"));
    assert!(e(x.index([Idx::Ellipsis, Idx::Ellipsis])).contains("more than one ellipsis"));
    assert!(e(x.take(&[0, 4], 1)).contains("index 4 is out of bounds"));
    assert!(e(x.squeeze(vec![0])).contains("cannot squeeze axis 0"));
}

#[test]
fn take_flip_squeeze_expand() {
    let a = grid(7, 5);
    let x = from_array(a.clone(), [3, 2]).unwrap();
    let idx = [6isize, 0, 1, 1, -1, 3, 2];
    let want_rows: Vec<usize> = idx
        .iter()
        .map(|&i| if i < 0 { (7 + i) as usize } else { i as usize })
        .collect();
    let t = x.take(&idx, 0);
    assert_eq!(t.compute().unwrap(), a.select(Axis(0), &want_rows));
    assert_eq!(x.take(&[], 1).shape(), &[7, 0]);
    assert_eq!(
        x.take(&[4, 4], 1).compute().unwrap(),
        a.select(Axis(1), &[4, 4])
    );
    assert_eq!(
        x.flip(0).compute().unwrap(),
        a.slice(s![..;-1, ..]).into_dyn()
    );
    assert_eq!(
        x.flip(1).compute().unwrap(),
        a.slice(s![.., ..;-1]).into_dyn()
    );
    let e = x.expand_dims(1);
    assert_eq!(e.shape(), &[7, 1, 5]);
    assert_eq!(e.squeeze(None).compute().unwrap(), a);
    assert_eq!(e.squeeze(vec![1]).compute().unwrap(), a);
}

#[test]
fn concatenate_and_stack_match_ndarray() {
    let a = grid(4, 5);
    let b = grid(2, 5).mapv(|v| -v);
    let c = grid(3, 5).mapv(|v| v + 7);
    let xs = [
        from_array(a.clone(), [3, 2]).unwrap(),
        from_array(b.clone(), [2, 5]).unwrap(),
        from_array(c.clone(), [1, 3]).unwrap(),
    ];
    let got = DArray::concatenate(&xs, 0);
    assert_eq!(got.chunks()[1], vec![2, 1, 1, 1]);
    assert_eq!(
        got.compute().unwrap(),
        ndarray::concatenate(Axis(0), &[a.view(), b.view(), c.view()]).unwrap()
    );
    let t = [xs[0].t(), xs[1].t()];
    assert_eq!(
        DArray::concatenate(&t, 1).compute().unwrap(),
        ndarray::concatenate(Axis(1), &[a.t(), b.t()]).unwrap()
    );
    let same = [
        xs[0].clone(),
        from_array(a.mapv(|v| v * 2), [4, 1]).unwrap(),
    ];
    for axis in 0..3 {
        assert_eq!(
            DArray::stack(&same, axis).compute().unwrap(),
            ndarray::stack(Axis(axis), &[a.view(), a.mapv(|v| v * 2).view()]).unwrap(),
            "stack {axis}"
        );
    }
    let e = DArray::concatenate(&xs, 1)
        .compute()
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not join"), "{e}");
}

#[test]
fn moveaxis_roll_repeat_tile_pad() {
    let a = ArrayD::from_shape_fn(IxDyn(&[3, 4, 5]), |i| {
        (i[0] * 100 + i[1] * 10 + i[2]) as u32
    });
    let x = from_array(a.clone(), [2, 3, 2]).unwrap();
    assert_eq!(
        x.moveaxis(0, 2).compute().unwrap(),
        a.view().permuted_axes(IxDyn(&[1, 2, 0]))
    );
    assert_eq!(
        x.swapaxes(0, 2).compute().unwrap(),
        a.view().permuted_axes(IxDyn(&[2, 1, 0]))
    );
    for shift in [-7isize, -1, 0, 2, 4, 9] {
        let got = x.roll(shift, 1).compute().unwrap();
        let want = ArrayD::from_shape_fn(IxDyn(&[3, 4, 5]), |i| {
            let j = (i[1] as isize - shift).rem_euclid(4) as usize;
            a[[i[0], j, i[2]]]
        });
        assert_eq!(got, want, "roll {shift}");
    }
    let r = x.repeat(3, 2).compute().unwrap();
    assert_eq!(r.shape(), &[3, 4, 15]);
    assert_eq!(
        r,
        ArrayD::from_shape_fn(IxDyn(&[3, 4, 15]), |i| a[[i[0], i[1], i[2] / 3]])
    );
    let t = x.tile(&[2, 1, 3]).compute().unwrap();
    assert_eq!(
        t,
        ArrayD::from_shape_fn(IxDyn(&[6, 4, 15]), |i| a[[i[0] % 3, i[1], i[2] % 5]])
    );
    let p = x.pad(&[(1, 2), (0, 1)], 9).compute().unwrap();
    assert_eq!(p.shape(), &[6, 5, 5]);
    let want = ArrayD::from_shape_fn(IxDyn(&[6, 5, 5]), |i| {
        if (1..4).contains(&i[0]) && i[1] < 4 {
            a[[i[0] - 1, i[1], i[2]]]
        } else {
            9
        }
    });
    assert_eq!(p, want);
}

#[test]
fn reshape_and_ravel_match_ndarray() {
    let cases: [(&[usize], [usize; 2], &[usize]); 5] = [
        (&[6, 10], [4, 3], &[4, 15]),
        (&[6, 10], [1, 10], &[60]),
        (&[6, 10], [5, 7], &[3, 2, 10]),
        (&[6, 10], [6, 10], &[2, 30]),
        (&[6, 10], [2, 4], &[usize::MAX, 12]),
    ];
    for (shape, chunks, to) in cases {
        let a = ArrayD::from_shape_fn(IxDyn(shape), |i| (i[0] * 10 + i[1]) as f32);
        let x = from_array(a.clone(), chunks).unwrap();
        let got = x.reshape(to).compute().unwrap();
        let want_shape: Vec<usize> = if to.contains(&usize::MAX) {
            vec![5, 12]
        } else {
            to.to_vec()
        };
        let want = a.clone().into_shape_with_order(IxDyn(&want_shape)).unwrap();
        assert_eq!(got, want, "{shape:?} {chunks:?} -> {to:?}");
        assert_eq!(
            x.ravel().compute().unwrap().into_raw_vec_and_offset().0,
            a.iter().copied().collect::<Vec<_>>()
        );
    }
    let x = arange(0.0, 12.0, 1.0, [5]).unwrap();
    assert!(x.reshape(&[5, 3]).compute().is_err());
    assert!(x.reshape(&[usize::MAX, 5]).compute().is_err());
}

#[test]
fn chunks_of_size_zero_are_allowed() {
    let a = ArrayD::from_shape_fn(IxDyn(&[5]), |i| i[0] as i64);
    let x = from_array(a.clone(), Chunks::from(vec![vec![2, 0, 3]])).unwrap();
    assert_eq!(x.chunks(), &[vec![2, 0, 3]]);
    assert_eq!(x.compute().unwrap(), a);
    assert_eq!(x.sum(None).compute_scalar().unwrap(), 10);
    assert_eq!(
        x.index([Idx::range(1, 4, 1)])
            .compute()
            .unwrap()
            .into_raw_vec_and_offset()
            .0,
        vec![1, 2, 3]
    );
    let empty = x.index([Idx::range(3, 3, 1)]);
    assert_eq!(empty.shape(), &[0]);
    assert_eq!(empty.compute().unwrap().len(), 0);
    assert_eq!(empty.sum(None).compute_scalar().unwrap(), 0);
}

#[test]
fn matmul_matches_ndarray_dot() {
    use ndarray::Ix2;
    let a = ArrayD::from_shape_fn(IxDyn(&[7, 5]), |i| (i[0] as f64 - 3.0) * 0.5 + i[1] as f64);
    let b = ArrayD::from_shape_fn(IxDyn(&[5, 6]), |i| (i[0] * i[1]) as f64 - 2.0);
    let two = |x: &ArrayD<f64>| x.clone().into_dimensionality::<Ix2>().unwrap();
    let want = two(&a).dot(&two(&b)).into_dyn();
    // Inner chunks that differ on the two sides, ragged edges, one chunk.
    for (ca, cb) in [
        ([3, 2], [3, 4]),
        ([7, 5], [5, 6]),
        ([1, 1], [2, 5]),
        ([4, 5], [1, 3]),
    ] {
        let x = from_array(a.clone(), ca).unwrap();
        let y = from_array(b.clone(), cb).unwrap();
        let got = x.matmul(&y).compute().unwrap();
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() <= 1e-12 * (1.0 + w.abs()),
                "{ca:?} {cb:?}: {g} vs {w}"
            );
        }
    }
    // 1-d on either side, and the inner product.
    let v = ArrayD::from_shape_fn(IxDyn(&[5]), |i| i[0] as f64 + 1.0);
    let vx = from_array(v.clone(), [2]).unwrap();
    let x = from_array(a.clone(), [3, 2]).unwrap();
    let y = from_array(b.clone(), [2, 4]).unwrap();
    let v1 = v.clone().into_dimensionality::<ndarray::Ix1>().unwrap();
    assert_eq!(
        x.matmul(&vx).compute().unwrap(),
        two(&a).dot(&v1).into_dyn()
    );
    assert_eq!(
        vx.matmul(&y).compute().unwrap(),
        v1.dot(&two(&b)).into_dyn()
    );
    assert_eq!(vx.dot(&vx).compute_scalar().unwrap(), v1.dot(&v1));
    // Integers, exactly.
    let ai = a.mapv(|v| (v * 2.0) as i64);
    let xi = from_array(ai.clone(), [2, 3]).unwrap();
    let want = ai.clone().into_dimensionality::<Ix2>().unwrap();
    assert_eq!(
        xi.matmul(&xi.t()).compute().unwrap(),
        want.dot(&want.t()).into_dyn()
    );
    let e = x.matmul(&x).compute().unwrap_err().to_string();
    assert!(e.contains("do not match"), "{e}");
}

#[test]
fn whole_axis_chunks_as_minus_one() {
    use chunkwise::array::WHOLE;
    let a = grid(7, 5);
    let x = from_array(a.clone(), [WHOLE, 2]).unwrap();
    assert_eq!(x.chunks(), &[vec![7], vec![2, 2, 1]]);
    assert_eq!(x.rechunk([3, WHOLE]).chunks(), &[vec![3, 3, 1], vec![5]]);
    assert_eq!(x.rechunk([3, WHOLE]).compute().unwrap(), a);
}
