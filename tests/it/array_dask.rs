//! Dask's array tests for blocks, pad, moment, average, the NaN-skipping cumulative
//! reductions and products, random choice and permutation, and chunk specifications
//! (`test_blocks_indexer`, `test_pad`, `test_moment`, `test_average*`,
//! `test_nan_cumulative`, `test_choice`, `test_permutation`, `test_normalize_chunks`
//! with "auto" and byte sizes), each against a plain loop on ndarray.

use chunkwise::array::{
    AxisChunks, Chunks, DArray, Idx, PadMode, arange, choice, from_array, ones, permutation,
    random_uniform,
};
use ndarray::{ArrayD, Axis, Dimension, IxDyn};

fn values(a: &DArray<f64>) -> Vec<f64> {
    a.compute().unwrap().into_raw_vec_and_offset().0
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300) || (a.is_nan() && b.is_nan())
}

#[test]
fn blocks_select_chunks_as_dasks_blocks_indexer() {
    // x = da.arange(10, chunks=2)
    let x = arange(0.0, 10.0, 1.0, [2]).unwrap();
    assert_eq!(
        values(&x.blocks([Idx::At(0)])),
        values(&x.index([Idx::range(0, 2, 1)]))
    );
    assert_eq!(
        values(&x.blocks([Idx::At(-1)])),
        values(&x.index([Idx::range(8, 10, 1)]))
    );
    assert_eq!(
        values(&x.blocks([Idx::range(0, 3, 1)])),
        values(&x.index([Idx::range(0, 6, 1)]))
    );
    // Steps, negative ones, and slices past the end clamped.
    assert_eq!(
        values(&x.blocks([Idx::Slice {
            start: None,
            stop: None,
            step: -2
        }])),
        vec![8.0, 9.0, 4.0, 5.0, 0.0, 1.0]
    );
    assert_eq!(
        values(&x.blocks([Idx::range(3, 100, 1)])),
        vec![6.0, 7.0, 8.0, 9.0]
    );
    // Nothing selected: an empty array.
    let none = x.blocks([Idx::range(3, 1, 1)]);
    assert_eq!(none.shape(), &[0]);
    assert!(values(&none).is_empty());

    // x = random((20, 20), chunks=(4, 5))
    let r = random_uniform(0.0, 1.0, &[20, 20], [4, 5], 3).unwrap();
    let a = r.compute().unwrap();
    let b = r.blocks([Idx::At(0)]).compute().unwrap();
    assert_eq!(b, a.slice(ndarray::s![..4, ..]).into_owned().into_dyn());
    let b = r
        .blocks([Idx::At(0), Idx::range(0, 3, 1)])
        .compute()
        .unwrap();
    assert_eq!(b, a.slice(ndarray::s![..4, ..15]).into_owned().into_dyn());
    let b = r.blocks([Idx::ALL, Idx::range(0, 3, 1)]).compute().unwrap();
    assert_eq!(b, a.slice(ndarray::s![.., ..15]).into_owned().into_dyn());
    // Ragged chunks keep their sizes; the blocks' tasks are the input's.
    let q = from_array(a.clone(), Chunks::Explicit(vec![vec![3, 0, 17], vec![20]])).unwrap();
    let b = q.blocks([Idx::range(1, 3, 1)]);
    assert_eq!(b.chunks(), &[vec![0, 17], vec![20]]);
    assert_eq!(
        b.compute().unwrap(),
        a.slice(ndarray::s![3.., ..]).into_owned().into_dyn()
    );

    // x = da.ones((40, 40, 40), chunks=(10, 10, 10)); x.blocks[0, :, 0]
    let o = ones(&[40, 40, 40], [10, 10, 10]).unwrap();
    let b = o.blocks([Idx::At(0), Idx::ALL, Idx::At(0)]);
    assert_eq!(b.shape(), &[10, 40, 10]);
    assert_eq!(b.sum(None).compute_scalar().unwrap(), 4000.0);
    // ... and the ellipsis.
    let b = o.blocks([Idx::Ellipsis, Idx::At(-1)]);
    assert_eq!(b.shape(), &[40, 40, 10]);

    // Errors: a new axis, a block out of range, too many entries.
    let x = ones(&[2, 2], [1, 1]).unwrap();
    let e = x
        .blocks([Idx::NewAxis, Idx::ALL, Idx::ALL])
        .compute()
        .unwrap_err();
    assert!(e.to_string().contains("new axis"), "{e}");
    let e = x
        .blocks([Idx::At(100), Idx::At(100)])
        .compute()
        .unwrap_err();
    assert!(e.to_string().contains("out of bounds for axis 0"), "{e}");
    assert!(x.blocks([Idx::At(0); 3]).compute().is_err());
}

/// numpy's pad of one axis, by bouncing an outside position back into the axis
/// (numpy's iterative reflection), independent of the library's modular arithmetic.
fn pad_reference(a: &ArrayD<f64>, widths: &[(usize, usize)], mode: &str) -> ArrayD<f64> {
    let mut out = a.clone();
    for (d, &(before, after)) in widths.iter().enumerate() {
        let n = out.shape()[d] as isize;
        let mut shape = out.shape().to_vec();
        shape[d] += before + after;
        let padded = ArrayD::from_shape_fn(IxDyn(&shape), |ix| {
            let mut src = ix.slice().to_vec();
            let mut j = ix[d] as isize - before as isize;
            if (0..n).contains(&j) || matches!(mode, "maximum" | "minimum") {
                if (0..n).contains(&j) {
                    src[d] = j as usize;
                    return out[IxDyn(&src)];
                }
                let vals = (0..n).map(|k| {
                    src[d] = k as usize;
                    out[IxDyn(&src)]
                });
                return if mode == "maximum" {
                    vals.fold(f64::NEG_INFINITY, f64::max)
                } else {
                    vals.fold(f64::INFINITY, f64::min)
                };
            }
            while !(0..n).contains(&j) {
                j = match mode {
                    "edge" => j.clamp(0, n - 1),
                    "wrap" if j < 0 => j + n,
                    "wrap" => j - n,
                    "reflect" if n == 1 => 0,
                    "reflect" if j < 0 => -j,
                    "reflect" => 2 * (n - 1) - j,
                    "symmetric" if j < 0 => -j - 1,
                    "symmetric" => 2 * n - 1 - j,
                    _ => unreachable!("{mode}"),
                };
            }
            src[d] = j as usize;
            out[IxDyn(&src)]
        });
        out = padded;
    }
    out
}

#[test]
fn pad_modes_match_numpy() {
    // test_pad's shapes, chunks and widths, every mode chunkwise has.
    type Case = (Vec<usize>, Chunks, Vec<(usize, usize)>);
    let cases: Vec<Case> = vec![
        (
            vec![10, 11],
            Chunks::Shape(vec![4, 5]),
            vec![(3, 3), (3, 3)],
        ),
        (
            vec![10, 11],
            Chunks::Shape(vec![4, 5]),
            vec![(2, 3), (0, 5)],
        ),
        (
            vec![10, 11],
            Chunks::Shape(vec![4, 5]),
            vec![(0, 0), (0, 0)],
        ),
        (
            vec![10, 11, 12],
            Chunks::Shape(vec![4, 5, 6]),
            vec![(1, 2), (2, 1), (0, 3)],
        ),
        (vec![5], Chunks::Shape(vec![2]), vec![(12, 9)]),
        (vec![1, 4], Chunks::Shape(vec![1, 3]), vec![(3, 2), (5, 5)]),
        (
            vec![7],
            Chunks::Explicit(vec![vec![0, 3, 0, 4]]),
            vec![(4, 6)],
        ),
    ];
    for (shape, chunks, widths) in cases {
        let mut k = 0.0;
        let a = ArrayD::from_shape_fn(IxDyn(&shape), |_| {
            k += 1.0;
            (k * 7.0) % 13.0
        });
        let x = from_array(a.clone(), chunks.clone()).unwrap();
        for (name, mode) in [
            ("edge", PadMode::Edge),
            ("reflect", PadMode::Reflect),
            ("symmetric", PadMode::Symmetric),
            ("wrap", PadMode::Wrap),
            ("maximum", PadMode::Maximum),
            ("minimum", PadMode::Minimum),
        ] {
            let got = x.pad_with(&widths, mode).compute().unwrap();
            let want = pad_reference(&a, &widths, name);
            assert_eq!(got, want, "{name} {shape:?} {chunks:?} {widths:?}");
        }
        let got = x
            .pad_with(&widths, PadMode::Constant(-1.0))
            .compute()
            .unwrap();
        let mut shape_out = shape.clone();
        for (d, w) in widths.iter().enumerate() {
            shape_out[d] += w.0 + w.1;
        }
        assert_eq!(got.shape(), shape_out.as_slice());
        assert_eq!(got.sum(), a.sum() - (got.len() - a.len()) as f64);
    }
    // Integers pad in their type; an empty axis pads only with a constant.
    let i = arange(0.0, 5.0, 1.0, [2]).unwrap().astype::<i32>();
    let got = i.pad_with(&[(2, 2)], PadMode::Wrap).compute().unwrap();
    assert_eq!(
        got.into_raw_vec_and_offset().0,
        vec![3, 4, 0, 1, 2, 3, 4, 0, 1]
    );
    let empty = from_array(ArrayD::<f64>::zeros(IxDyn(&[0, 3])), [1, 3]).unwrap();
    let e = empty
        .pad_with(&[(1, 1)], PadMode::Edge)
        .compute()
        .unwrap_err();
    assert!(e.to_string().contains("empty axis 0"), "{e}");
    assert_eq!(
        empty.pad(&[(1, 1)], 2.0).compute().unwrap().shape(),
        &[2, 3]
    );
    // More widths than axes.
    assert!(
        i.pad_with(&[(1, 1), (1, 1)], PadMode::Edge)
            .compute()
            .is_err()
    );
}

fn moment_reference(a: &ArrayD<f64>, order: i32, axis: Option<usize>) -> Vec<f64> {
    match axis {
        None => {
            let m = a.mean().unwrap();
            vec![a.iter().map(|v| (v - m).powi(order)).sum::<f64>() / a.len() as f64]
        }
        Some(ax) => a
            .lanes(Axis(ax))
            .into_iter()
            .map(|l| {
                let m = l.mean().unwrap();
                l.iter().map(|v| (v - m).powi(order)).sum::<f64>() / l.len() as f64
            })
            .collect(),
    }
}

#[test]
fn moments_as_dasks_test_moment() {
    // Poorly conditioned: [1, 2, 3] * 10 + 1e8, chunks of 5.
    let a = ArrayD::from_shape_fn(IxDyn(&[3, 10]), |ix| {
        1e8 + [1.0, 2.0, 3.0][(ix[0] * 10 + ix[1]) % 3]
    });
    let x = from_array(a.clone(), [5, 5]).unwrap();
    for order in [2, 3, 4] {
        let got = x.moment(order, None).compute_scalar().unwrap();
        let want = moment_reference(&a, order as i32, None)[0];
        assert!(close(got, want, 1e-9), "order {order}: {got} vs {want}");
    }
    // arange(1, 122) as 11 x 11 in 4 x 4 chunks, along axes.
    let a = ArrayD::from_shape_fn(IxDyn(&[11, 11]), |ix| (ix[0] * 11 + ix[1] + 1) as f64);
    let x = from_array(a.clone(), [4, 4]).unwrap();
    for axis in [0, 1] {
        let got = values(&x.moment(4, axis));
        let want = moment_reference(&a, 4, Some(axis));
        for (g, w) in got.iter().zip(&want) {
            assert!(close(*g, *w, 1e-12), "axis {axis}: {g} vs {w}");
        }
    }
    let both = x.moment(4, vec![1, 0]).compute_scalar().unwrap();
    assert!(close(both, moment_reference(&a, 4, None)[0], 1e-12));
    // Orders 0 and 1, and integers through f64.
    assert_eq!(x.moment(0, None).compute_scalar().unwrap(), 1.0);
    assert!(x.moment(1, None).compute_scalar().unwrap().abs() < 1e-12);
    let i = x.astype::<i64>();
    assert!(close(
        i.moment(2, None).compute_scalar().unwrap(),
        moment_reference(&a, 2, None)[0],
        1e-12
    ));
}

#[test]
fn averages_as_numpys() {
    // np.arange(11) and arange(6).reshape(3, 2), chunks of 2: the mean.
    let a = ArrayD::from_shape_fn(IxDyn(&[3, 2]), |ix| (ix[0] * 2 + ix[1]) as f64);
    let x = from_array(a.clone(), [2, 2]).unwrap();
    let w = from_array(ndarray::arr1(&[0.25, 0.75]).into_dyn(), [2]).unwrap();
    // np.average(a, weights=[0.25, 0.75], axis=1)
    let got = values(&x.average(&w, Some(1)));
    let want: Vec<f64> = a
        .lanes(Axis(1))
        .into_iter()
        .map(|l| l[0] * 0.25 + l[1] * 0.75)
        .collect();
    assert_eq!(got, want);
    // Weights of the array's shape, over everything.
    let full = x.map(|v| v + 1.0);
    let got = x.average(&full, None).compute_scalar().unwrap();
    let num: f64 = a.iter().map(|v| v * (v + 1.0)).sum();
    let den: f64 = a.iter().map(|v| v + 1.0).sum();
    assert!(close(got, num / den, 1e-15));
    // Integer data and integer weights, along axis 0.
    let i = x.astype::<i32>();
    let wi = from_array(ndarray::arr1(&[1i64, 0, 3]).into_dyn(), [2]).unwrap();
    let got = values(&i.average(&wi, Some(0)));
    assert_eq!(got, vec![(0.0 + 12.0) / 4.0, (1.0 + 15.0) / 4.0]);
    // Errors: weights that sum to zero, weights of the wrong shape.
    let zeros = x.map(|_| 0.0);
    let e = x.average(&zeros, None).compute().unwrap_err();
    assert!(e.to_string().contains("weights sum to zero"), "{e}");
    let bad = from_array(ndarray::arr1(&[1.0, 2.0, 3.0]).into_dyn(), [2]).unwrap();
    let e = x.average(&bad, Some(1)).compute().unwrap_err();
    assert!(e.to_string().contains("weights of shape [3]"), "{e}");
}

#[test]
fn nan_cumulative_reductions_and_products() {
    let mut k = 0;
    let a = ArrayD::from_shape_fn(IxDyn(&[7, 5]), |_| {
        k += 1;
        if k % 4 == 0 {
            f64::NAN
        } else {
            (k % 5) as f64 * 0.5 + 0.5
        }
    });
    for chunks in [Chunks::Shape(vec![3, 2]), Chunks::Shape(vec![7, 5])] {
        let x = from_array(a.clone(), chunks.clone()).unwrap();
        for axis in [0, 1] {
            let mut sum = a.clone();
            let mut prod = a.clone();
            for (mut s, mut p) in sum
                .lanes_mut(Axis(axis))
                .into_iter()
                .zip(prod.lanes_mut(Axis(axis)))
            {
                let (mut acc_s, mut acc_p) = (0.0, 1.0);
                for (vs, vp) in s.iter_mut().zip(p.iter_mut()) {
                    if !vs.is_nan() {
                        acc_s += *vs;
                        acc_p *= *vp;
                    }
                    *vs = acc_s;
                    *vp = acc_p;
                }
            }
            assert_eq!(
                x.nancumsum(axis).compute().unwrap(),
                sum,
                "{chunks:?} {axis}"
            );
            assert_eq!(
                x.nancumprod(axis).compute().unwrap(),
                prod,
                "{chunks:?} {axis}"
            );
        }
        let want: f64 = a.iter().filter(|v| !v.is_nan()).product();
        assert!(close(
            x.nanprod(None).compute_scalar().unwrap(),
            want,
            1e-14
        ));
        assert!(x.prod(None).compute_scalar().unwrap().is_nan());
    }
    // Integers have no NaN: the plain reductions.
    let i = from_array(ndarray::arr1(&[3i32, 1, 2]).into_dyn(), [2]).unwrap();
    assert_eq!(i.nanprod(None).compute_scalar().unwrap(), 6i64);
    assert_eq!(
        i.nancumsum(0)
            .compute()
            .unwrap()
            .into_raw_vec_and_offset()
            .0,
        vec![3i64, 4, 6]
    );
}

#[test]
fn choice_as_dasks_test_choice() {
    let vals = [1.0, 3.0, 5.0, 7.0, 9.0];
    let x = choice(&vals, None, &[10, 3], [4, 4], 1).unwrap();
    assert_eq!(x.shape(), &[10, 3]);
    let got = x.compute().unwrap();
    assert!(got.iter().all(|v| vals.contains(v)));
    // The same seed and chunks: the same draws, on one thread or many.
    let one = x
        .compute_with(&chunkwise::Config::new().scheduler(chunkwise::Scheduler::Synchronous))
        .unwrap();
    assert_eq!(one, got);
    // With probabilities: 0 for the first value, never drawn; frequencies near p.
    let p = [0.0, 0.2, 0.2, 0.3, 0.3];
    let y = choice(&vals, Some(&p), &[100_000], [30_000], 2)
        .unwrap()
        .compute()
        .unwrap();
    for (v, want) in vals.iter().zip(p) {
        let f = y.iter().filter(|&&x| x == *v).count() as f64 / y.len() as f64;
        assert!((f - want).abs() < 0.01, "{v}: {f} vs {want}");
    }
    // Integers: numpy's choice(5) as choice of 0..5.
    let i = choice(&[0i64, 1, 2, 3, 4], None, &[1000], [300], 3).unwrap();
    let u = i.compute().unwrap();
    assert!((0..5).all(|k| u.iter().any(|&v| v == k)));
    // Errors as Dask's: no values, p of another length, p not summing to 1, negative p.
    assert!(choice::<f64>(&[], None, &[3], [2], 0).is_err());
    assert!(choice(&vals, Some(&p[..2]), &[3], [2], 0).is_err());
    let e = choice(&vals[..4], Some(&[0.2, 0.2, 0.3, 0.2]), &[3], [2], 0).unwrap_err();
    assert!(e.to_string().contains("sum to"), "{e}");
    assert!(choice(&vals[..2], Some(&[-0.5, 1.5]), &[3], [2], 0).is_err());
    // Without replacement (`replace=False`): every value once in one chunk, as Dask
    // takes it, and in several chunks too; more draws than values is an error.
    for chunks in [5, 2] {
        let x = chunkwise::array::choice_distinct(&vals, 5, [chunks], 4).unwrap();
        let mut got = x.compute().unwrap().into_raw_vec_and_offset().0;
        got.sort_by(f64::total_cmp);
        assert_eq!(got, vals.to_vec());
    }
    let three = chunkwise::array::choice_distinct(&vals, 3, [2], 9).unwrap();
    let mut got = three.compute().unwrap().into_raw_vec_and_offset().0;
    got.sort_by(f64::total_cmp);
    got.dedup();
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|v| vals.contains(v)));
    assert!(chunkwise::array::choice_distinct(&vals, 6, [6], 0).is_err());
}

#[test]
fn permutations_as_dasks_test_permutation() {
    let p = permutation(100, [30], 5).unwrap();
    assert_eq!(p.shape(), &[100]);
    let mut v = p.compute().unwrap().into_raw_vec_and_offset().0;
    let again = permutation(100, [7], 5).unwrap().compute().unwrap();
    assert_eq!(
        again.into_raw_vec_and_offset().0,
        v,
        "the seed fixes the order"
    );
    assert_ne!(v, (0..100).collect::<Vec<i64>>());
    v.sort_unstable();
    assert_eq!(v, (0..100).collect::<Vec<i64>>());
    // A shuffled take of an array: chunks as large as the input's, every row once.
    let order: Vec<isize> = permutation(12, [12], 0)
        .unwrap()
        .compute()
        .unwrap()
        .iter()
        .map(|&i| i as isize)
        .collect();
    let a = ArrayD::from_shape_fn(IxDyn(&[12, 2]), |ix| (ix[0] * 2 + ix[1]) as f64);
    let x = from_array(a.clone(), [3, 2]).unwrap();
    let y = x.take(&order, 0);
    assert!(y.chunks()[0].iter().all(|&c| c <= 3), "{:?}", y.chunks());
    let want = a.select(
        Axis(0),
        &order.iter().map(|&i| i as usize).collect::<Vec<_>>(),
    );
    assert_eq!(y.compute().unwrap(), want);
    assert_eq!(y.sum(0).compute().unwrap(), a.sum_axis(Axis(0)));
}

#[test]
fn chunk_specs_by_bytes_per_axis_and_auto() {
    let x = ones(&[1000, 1000], "80 kB".parse::<Chunks>().unwrap()).unwrap();
    assert_eq!(x.chunks()[0][0], 100);
    assert_eq!(x.chunks()[1][0], 100);
    // u8 elements: eight times as many per chunk, as whole previous chunks of 100
    // merged (Dask's rechunk("80 kB") gives ((200,) * 5,) * 2; 282 without them).
    let b = x.astype::<u8>().rechunk(Chunks::Bytes(80_000));
    assert_eq!((b.chunks()[0][0], b.chunks()[1][0]), (200, 200));
    let b = ones(&[1000, 1000], [1000, 1000]).unwrap().astype::<u8>();
    let b = b.rechunk(Chunks::Bytes(80_000));
    assert_eq!((b.chunks()[0][0], b.chunks()[1][0]), (282, 282));
    // Dask's (-1, "auto") and {1: 300}: whole, automatic, per axis.
    let spec = Chunks::PerAxis(vec![AxisChunks::Whole, AxisChunks::Auto]);
    let y = ones(&[1000, 100_000], spec).unwrap();
    assert_eq!(y.chunks()[0], vec![1000]);
    assert_eq!(
        y.chunks()[1][0],
        chunkwise::array::AUTO_CHUNK_BYTES / 8 / 1000
    );
    let z = x.rechunk(Chunks::Axes(vec![(1, AxisChunks::Size(300))]));
    assert_eq!(z.chunks()[0], x.chunks()[0], "axis 0 keeps its chunks");
    assert_eq!(z.chunks()[1], vec![300, 300, 300, 100]);
    assert_eq!(z.sum(None).compute_scalar().unwrap(), 1e6);
    // Explicit sizes for one axis, by number.
    let w = x.rechunk(Chunks::Axes(vec![(0, AxisChunks::Sizes(vec![1, 999]))]));
    assert_eq!(w.chunks()[0], vec![1, 999]);
    let e = x
        .rechunk(Chunks::Axes(vec![(0, AxisChunks::Sizes(vec![1, 2]))]))
        .compute()
        .unwrap_err();
    assert!(e.to_string().contains("axis 0"), "{e}");
    assert!("12 parsecs".parse::<Chunks>().is_err());
}

#[test]
fn setitem_with_basic_indices_as_dasks_extended_api() {
    let a = ArrayD::from_shape_fn(IxDyn(&[4, 6]), |ix| (ix[0] * 6 + ix[1]) as f64);
    let cases: Vec<Vec<Idx>> = vec![
        vec![Idx::Ellipsis, Idx::At(1)],
        vec![Idx::At(-1)],
        vec![Idx::range(1, 4, 2)],
        vec![Idx::ALL, Idx::range(5, 0, -2)],
        vec![Idx::range(-100, 100, 1), Idx::At(0)],
        vec![
            Idx::Slice {
                start: None,
                stop: None,
                step: -3,
            },
            Idx::range(2, 5, 1),
        ],
        vec![Idx::range(3, 1, 1)],
        vec![Idx::At(2), Idx::At(-2)],
    ];
    for chunks in [
        Chunks::Shape(vec![2, 2]),
        Chunks::Shape(vec![4, 6]),
        Chunks::Explicit(vec![vec![1, 0, 3], vec![5, 1]]),
    ] {
        let x = from_array(a.clone(), chunks.clone()).unwrap();
        for idx in &cases {
            let y = x.set(idx, -1.0);
            let got = y.compute().unwrap();
            let selected = x.index(idx).len();
            // What the index selects is -1 afterwards; nothing else changed.
            assert!(
                y.index(idx).compute().unwrap().iter().all(|&v| v == -1.0),
                "{idx:?} {chunks:?}"
            );
            let changed = got.iter().zip(&a).filter(|(g, w)| g != w).count();
            assert_eq!(changed, selected, "{idx:?} {chunks:?}");
            assert_eq!(y.chunks(), x.chunks());
        }
    }
    // numpy's example: x[..., 1] = -1 on arange(24).reshape(4, 6), chunks (2, 2).
    let x = from_array(a.clone(), [2, 2]).unwrap();
    let mut want = a.clone();
    want.index_axis_mut(Axis(1), 1).fill(-1.0);
    assert_eq!(
        x.set([Idx::Ellipsis, Idx::At(1)], -1.0).compute().unwrap(),
        want
    );
    // Errors name the axis; a new axis writes nothing.
    let e = x.set([Idx::At(4)], 0.0).compute().unwrap_err();
    assert!(e.to_string().contains("axis 0"), "{e}");
    assert!(x.set([Idx::NewAxis], 0.0).compute().is_err());
    // Booleans and integers in their own type.
    let b = x.gt(10.0).set([Idx::At(0)], true).compute().unwrap();
    assert!(b.index_axis(Axis(0), 0).iter().all(|&v| v));
}

#[test]
fn shape_helpers_as_numpys() {
    let a = ArrayD::from_shape_fn(IxDyn(&[3, 4, 2]), |ix| {
        (ix[0] * 8 + ix[1] * 2 + ix[2]) as f64
    });
    let x = from_array(a.clone(), [2, 3, 1]).unwrap();
    // rot90 in every plane and turn, against ndarray's own axes and flips.
    for (p, q) in [(0, 1), (1, 0), (0, 2), (2, 1)] {
        for k in -5i64..=5 {
            let mut want = a.view();
            for _ in 0..k.rem_euclid(4) {
                // One quarter turn: flip along q, then swap p and q.
                want.invert_axis(Axis(q));
                want.swap_axes(p, q);
            }
            let got = x.rot90(k, (p, q)).compute().unwrap();
            assert_eq!(got, want.to_owned(), "rot90 k={k} axes=({p},{q})");
        }
    }
    assert!(x.rot90(1, (1, 1)).compute().is_err());
    // rollaxis as numpy: rollaxis(a, 2) -> (2, 3, 4); rollaxis(a, 0, 3) -> (4, 2, 3).
    assert_eq!(x.rollaxis(2, 0).shape(), &[2, 3, 4]);
    assert_eq!(x.rollaxis(0, 3).shape(), &[4, 2, 3]);
    assert_eq!(x.rollaxis(1, 1).shape(), &[3, 4, 2]);
    let mut want = a.view();
    want.swap_axes(0, 1);
    want.swap_axes(1, 2);
    assert_eq!(x.rollaxis(0, 3).compute().unwrap(), want.to_owned());
    // atleast_nd and flips.
    let s = from_array(ArrayD::from_elem(IxDyn(&[]), 5.0), Vec::<usize>::new()).unwrap();
    assert_eq!(s.atleast_1d().shape(), &[1]);
    assert_eq!(s.atleast_3d().shape(), &[1, 1, 1]);
    let v = arange(0.0, 4.0, 1.0, [3]).unwrap();
    assert_eq!(v.atleast_3d().shape(), &[1, 4, 1]);
    assert_eq!(x.index([Idx::At(0)]).atleast_3d().shape(), &[4, 2, 1]);
    let mut ud = a.clone();
    ud.invert_axis(Axis(0));
    assert_eq!(x.flipud().compute().unwrap(), ud);
    let mut lr = a.clone();
    lr.invert_axis(Axis(1));
    assert_eq!(x.fliplr().compute().unwrap(), lr);
    // block: [[A, B], [C]] against ndarray's concatenations; 1-d arrays lifted.
    let m = ArrayD::from_shape_fn(IxDyn(&[2, 2]), |ix| (ix[0] + ix[1]) as f64);
    let ma = from_array(m.clone(), [1, 2]).unwrap();
    let row = arange(10.0, 14.0, 1.0, [3]).unwrap();
    let got = DArray::block(&[vec![ma.clone(), ma.clone()], vec![row.clone()]])
        .compute()
        .unwrap();
    let top = ndarray::concatenate(Axis(1), &[m.view(), m.view()]).unwrap();
    let bottom = row.compute().unwrap().insert_axis(Axis(0));
    let want = ndarray::concatenate(Axis(0), &[top.view(), bottom.view()]).unwrap();
    assert_eq!(got, want);
    let e = DArray::block(&[vec![ma.clone()], vec![row]])
        .compute()
        .unwrap_err();
    assert!(e.to_string().contains("does not join"), "{e}");
}

#[test]
fn balanced_rechunks_as_dasks_test_balance() {
    let chunks_of = |n: usize, c: usize| {
        arange(0.0, n as f64, 1.0, [n.max(1)])
            .unwrap()
            .rechunk_balanced([c])
            .chunks()[0]
            .clone()
    };
    // test_balance_basics, test_balance_small, test_balance_n_chunks_size.
    assert_eq!(chunks_of(220, 100), vec![110, 110]);
    assert_eq!(chunks_of(13, 4), vec![5, 5, 3]);
    assert_eq!(chunks_of(7, 3), vec![4, 3]);
    let mut want = vec![13; 7];
    want.push(9);
    assert_eq!(chunks_of(100, 100 / 8), want);
    // test_balance_raises: no even cut into that many; the sizes asked stay.
    let mut unbalanced = vec![9; 11];
    unbalanced.push(1);
    assert_eq!(chunks_of(100, 100 / 11), unbalanced);
    // test_balance_basics_2d and the -1 axis.
    let x = ones(&[210, 210], [210, 210]).unwrap();
    assert_eq!(
        x.rechunk_balanced([100, 100]).chunks(),
        &[vec![105, 105], vec![105, 105]]
    );
    assert_eq!(
        x.rechunk_balanced(vec![100, chunkwise::array::WHOLE])
            .chunks(),
        &[vec![105, 105], vec![210]]
    );
    // test_balance_split_into_n_chunks: primes near 1000 into 1 to 10 chunks.
    for n in [
        991, 997, 1009, 1013, 1019, 1021, 1031, 1033, 1039, 1049, 1051, 1061, 1063, 1069,
    ] {
        for k in 1..=10 {
            assert_eq!(chunks_of(n, n / k).len(), k, "{n} into {k}");
        }
    }
    // The values do not move.
    let y = arange(0.0, 220.0, 1.0, [7]).unwrap();
    assert_eq!(values(&y.rechunk_balanced([100])), values(&y));
}

#[test]
fn diagonals_and_traces_against_loops() {
    let a = ArrayD::from_shape_fn(IxDyn(&[5, 7]), |ix| (ix[0] * 7 + ix[1]) as f64);
    for chunks in [
        Chunks::Shape(vec![2, 3]),
        Chunks::Shape(vec![5, 7]),
        Chunks::Explicit(vec![vec![1, 0, 4], vec![3, 0, 4]]),
    ] {
        let x = from_array(a.clone(), chunks.clone()).unwrap();
        for offset in -6isize..=8 {
            let want: Vec<f64> = (0..5isize)
                .filter_map(|i| {
                    let j = i + offset;
                    (0..7).contains(&j).then(|| a[[i as usize, j as usize]])
                })
                .collect();
            assert_eq!(
                values(&x.diagonal(offset, 0, 1)),
                want,
                "{chunks:?} {offset}"
            );
            let t = x.trace(offset).compute_scalar().unwrap();
            assert_eq!(t, want.iter().sum::<f64>());
            // The other way round: the transpose's diagonal of -offset.
            assert_eq!(values(&x.diagonal(-offset, 1, 0)), want);
        }
    }
    // A stack of matrices: the diagonal of axes 1 and 2 is the last axis.
    let b = ArrayD::from_shape_fn(IxDyn(&[3, 4, 4]), |ix| {
        (ix[0] * 100 + ix[1] * 4 + ix[2]) as f64
    });
    let x = from_array(b.clone(), [2, 3, 3]).unwrap();
    let got = x.diagonal(1, 1, 2).compute().unwrap();
    assert_eq!(got.shape(), &[3, 3]);
    for s in 0..3 {
        for k in 0..3 {
            assert_eq!(got[[s, k]], b[[s, k, k + 1]]);
        }
    }
    assert!(x.diagonal(0, 1, 1).compute().is_err());
}

#[test]
fn insert_delete_append_choose_select() {
    let a = ArrayD::from_shape_fn(IxDyn(&[4, 3]), |ix| (ix[0] * 3 + ix[1]) as f64);
    let x = from_array(a.clone(), [3, 2]).unwrap();
    // delete rows 0 and -1; columns 1.
    let got = x.delete(&[0, -1], 0).compute().unwrap();
    assert_eq!(got, a.select(Axis(0), &[1, 2]));
    let got = x.delete(&[1], 1).compute().unwrap();
    assert_eq!(got, a.select(Axis(1), &[0, 2]));
    assert!(x.delete(&[4], 0).compute().is_err());
    // insert a row of -1 at each position, and append.
    let row = from_array(ArrayD::from_elem(IxDyn(&[1, 3]), -1.0), [1, 3]).unwrap();
    for at in 0..=4 {
        let got = x.insert(at, &row, 0).compute().unwrap();
        assert_eq!(got.shape(), &[5, 3]);
        assert!(got.index_axis(Axis(0), at).iter().all(|&v| v == -1.0));
        assert_eq!(got.sum(), a.sum() - 3.0);
    }
    assert!(x.insert(5, &row, 0).compute().is_err());
    assert_eq!(x.append(&row, 0).compute().unwrap().shape(), &[5, 3]);
    // choose: np.choose([0, 2, 1, 0], [a, b, c]) picks by index, broadcast.
    let idx = from_array(ndarray::arr1(&[0i64, 2, 1, 0]).into_dyn(), [3]).unwrap();
    let c: Vec<DArray<f64>> = (0..3)
        .map(|k| from_array(ndarray::arr1(&[k as f64 * 10.0; 4]).into_dyn(), [2]).unwrap())
        .collect();
    assert_eq!(values(&idx.choose(&c)), vec![0.0, 20.0, 10.0, 0.0]);
    let bad = from_array(ndarray::arr1(&[0i64, 3, 1, 0]).into_dyn(), [1]).unwrap();
    let e = bad.choose(&c[..2]).compute().unwrap_err();
    assert!(e.to_string().contains("index 3"), "{e}");
    // select: the first condition that holds, else the default.
    let v = arange(0.0, 6.0, 1.0, [4]).unwrap();
    let got = DArray::select(&[v.lt(2.0), v.gt(3.0)], &[&v * 10.0, &v * 100.0], -1.0);
    assert_eq!(values(&got), vec![0.0, 10.0, -1.0, -1.0, 400.0, 500.0]);
}

#[test]
fn small_ufuncs_as_numpys() {
    let a = ndarray::arr1(&[1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -2.5]).into_dyn();
    let x = from_array(a.clone(), [2]).unwrap();
    let b = |d: DArray<bool>| d.compute().unwrap().into_raw_vec_and_offset().0;
    assert_eq!(b(x.is_posinf()), vec![false, false, true, false, false]);
    assert_eq!(b(x.is_neginf()), vec![false, false, false, true, false]);
    assert_eq!(
        values(&x.nan_to_num(0.0, f64::MAX, f64::MIN)),
        vec![1.0, 0.0, f64::MAX, f64::MIN, -2.5]
    );
    // isclose against numpy's rule, NaN equal only when asked, infinities to themselves.
    let y = from_array(
        ndarray::arr1(&[1.0 + 1e-6, f64::NAN, f64::INFINITY, f64::INFINITY, -2.5]).into_dyn(),
        [3],
    )
    .unwrap();
    assert_eq!(
        b(x.isclose(&y, 1e-5, 1e-8, false)),
        vec![true, false, true, false, true]
    );
    assert_eq!(
        b(x.isclose(&y, 1e-5, 1e-8, true)),
        vec![true, true, true, false, true]
    );
    assert!(!x.allclose(&y, 1e-5, 1e-8, true).compute_scalar().unwrap());
    assert!(x.allclose(&x, 0.0, 0.0, true).compute_scalar().unwrap());
    // clip with min > max is max everywhere, as numpy.
    let c = arange(0.0, 5.0, 1.0, [2]).unwrap().clip(3.0, 1.0);
    assert_eq!(values(&c), vec![1.0; 5]);
}

#[test]
fn nan_quantiles_leave_nans_out() {
    let mut k = 0;
    let a = ArrayD::from_shape_fn(IxDyn(&[6, 5]), |ix| {
        k += 1;
        if k % 3 == 0 || ix[1] == 4 {
            f64::NAN
        } else {
            ((k * 7) % 11) as f64
        }
    });
    let x = from_array(a.clone(), [4, 2]).unwrap();
    let q = [0.0, 0.25, 0.5, 1.0];
    for axis in [0, 1] {
        let got = x.nanquantile(&q, axis).compute().unwrap();
        for (i, lane) in a.lanes(Axis(axis)).into_iter().enumerate() {
            let mut v: Vec<f64> = lane.iter().copied().filter(|v| !v.is_nan()).collect();
            v.sort_by(f64::total_cmp);
            for (j, &q) in q.iter().enumerate() {
                let want = if v.is_empty() {
                    f64::NAN
                } else {
                    // numpy's linear method.
                    let pos = q * (v.len() - 1) as f64;
                    let lo = pos.floor() as usize;
                    let hi = (lo + 1).min(v.len() - 1);
                    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
                };
                let g = if axis == 0 { got[[j, i]] } else { got[[i, j]] };
                assert!(
                    close(g, want, 1e-12),
                    "axis {axis} lane {i} q {q}: {g} vs {want}"
                );
            }
        }
    }
    // The median drops the axis; a column of NaNs only gives NaN.
    let m = x.nanmedian(0).compute().unwrap();
    assert_eq!(m.shape(), &[5]);
    assert!(m[[4]].is_nan());
    assert!(!m[[0]].is_nan());
}

#[test]
fn coarsen_as_dasks_test_coarsen() {
    // Dask: x = np.random.randint(10, size=(24, 24)); coarsen(np.sum, d, {0: 2, 1: 4}).
    let a = ArrayD::from_shape_fn(IxDyn(&[24, 24]), |ix| {
        ((ix[0] * 31 + ix[1] * 7) % 10) as i64
    });
    for chunks in [[4, 4], [5, 7], [24, 24]] {
        let x = from_array(a.clone(), chunks).unwrap();
        let got = x
            .coarsen(&[(0, 2), (1, 4)], false, |w| w.sum())
            .compute()
            .unwrap();
        let want = ArrayD::from_shape_fn(IxDyn(&[12, 6]), |ix| {
            (0..2)
                .flat_map(|i| (0..4).map(move |j| (i, j)))
                .map(|(i, j)| a[[ix[0] * 2 + i, ix[1] * 4 + j]])
                .sum::<i64>()
        });
        assert_eq!(got, want, "{chunks:?}");
        // A mean into another type.
        let m = x.coarsen(&[(1, 3)], false, |w| {
            w.iter().sum::<i64>() as f64 / w.len() as f64
        });
        assert_eq!(m.shape(), &[24, 8]);
        let total = m.sum(None).compute_scalar().unwrap();
        assert!(close(total, a.sum() as f64 / 3.0, 1e-14), "{total}");
    }
    // test_coarsen_bad_chunks / trim_excess.
    let x = from_array(a.clone(), [5, 5]).unwrap();
    let e = x
        .coarsen(&[(0, 5)], false, |w| w.sum())
        .compute()
        .unwrap_err();
    assert!(e.to_string().contains("not a multiple of 5"), "{e}");
    let t = x.coarsen(&[(0, 5)], true, |w| w.sum()).compute().unwrap();
    assert_eq!(t.shape(), &[4, 24]);
    assert_eq!(t.sum(), a.slice(ndarray::s![..20, ..]).sum());
    assert!(x.coarsen(&[(2, 2)], false, |w| w.sum()).compute().is_err());
}

#[test]
fn mod_floor_divide_modf_round_sinc() {
    let xs = [7.5, -7.5, 7.5, -7.5, 0.0, 3.0];
    let ys = [2.0, 2.0, -2.0, -2.0, 3.0, 0.0];
    let x = from_array(ndarray::arr1(&xs).into_dyn(), [4]).unwrap();
    let y = from_array(ndarray::arr1(&ys).into_dyn(), [3]).unwrap();
    // Python's float % and //.
    let r = values(&x.rem(&y));
    let q = values(&x.floor_div(&y));
    let want_r = [1.5, 0.5, -0.5, -1.5, 0.0];
    let want_q = [3.0, -4.0, -4.0, 3.0, 0.0];
    assert_eq!(&r[..5], &want_r);
    assert_eq!(&q[..5], &want_q);
    assert!(r[5].is_nan() && q[5] == f64::INFINITY);
    // Integers, every sign: q * y + r == x, and r has y's sign.
    for (a, b) in [(7i64, 3i64), (-7, 3), (7, -3), (-7, -3), (6, -3), (-6, 3)] {
        let xa = from_array(ndarray::arr1(&[a]).into_dyn(), [1]).unwrap();
        let yb = from_array(ndarray::arr1(&[b]).into_dyn(), [1]).unwrap();
        let r = xa.rem(&yb).compute_scalar().unwrap();
        let q = xa.floor_div(&yb).compute_scalar().unwrap();
        assert_eq!(q * b + r, a, "{a} {b}");
        assert!(r == 0 || (r < 0) == (b < 0), "{a} % {b} = {r}");
        assert_eq!(q, (a as f64 / b as f64).floor() as i64);
    }
    // modf keeps the sign in both parts.
    let (frac, int) = x.modf();
    assert_eq!(values(&frac), vec![0.5, -0.5, 0.5, -0.5, 0.0, 0.0]);
    assert_eq!(values(&int), vec![7.0, -7.0, 7.0, -7.0, 0.0, 3.0]);
    // round half to even at decimals; sinc.
    let z = from_array(ndarray::arr1(&[0.125, 0.375, -2.5, 1234.5]).into_dyn(), [3]).unwrap();
    assert_eq!(values(&z.round_to(2)), vec![0.12, 0.38, -2.5, 1234.5]);
    assert_eq!(values(&z.round_to(0)), vec![0.0, 0.0, -2.0, 1234.0]);
    assert_eq!(values(&z.round_to(-1)), vec![0.0, 0.0, -0.0, 1230.0]);
    let s = values(
        &from_array(ndarray::arr1(&[0.0, 0.5, 1.0]).into_dyn(), [2])
            .unwrap()
            .sinc(),
    );
    assert_eq!(s[0], 1.0);
    assert!(close(s[1], 2.0 / std::f64::consts::PI, 1e-15));
    assert!(s[2].abs() < 1e-15);
}
