//! `DArray<T>` for every element type, against ndarray and plain loops: casting,
//! numpy's promotion, comparisons to `bool`, exact integer reductions, ragged and
//! single chunks, spilling typed chunks.

use chunkwise::Config;
use chunkwise::array::{DArray, DType, Element, arange, from_array, full};
use ndarray::{ArrayD, Axis, IxDyn};

/// Chunkings of a 7 x 5 array: ragged, one chunk, single rows.
const CHUNKINGS: [[usize; 2]; 4] = [[3, 2], [7, 5], [1, 5], [4, 4]];

fn ints() -> ArrayD<i64> {
    // Negatives, repeats (ties for argmin/argmax), zeros.
    ArrayD::from_shape_fn(IxDyn(&[7, 5]), |i| ((i[0] * 7 + i[1] * 3) % 11) as i64 - 5)
}

fn typed<T: Element>(a: &ArrayD<i64>, chunks: [usize; 2]) -> (ArrayD<T>, DArray<T>) {
    let t = a.mapv(|v| v.cast::<T>());
    let x = from_array(t.clone(), chunks).unwrap();
    (t, x)
}

/// First index of the best value of a lane, by a plain loop.
fn arg_best<T: PartialOrd + Copy>(v: &[T], max: bool) -> i64 {
    let mut b = 0;
    for i in 1..v.len() {
        if (max && v[i] > v[b]) || (!max && v[i] < v[b]) {
            b = i;
        }
    }
    b as i64
}

fn check_reductions<T: Element + std::ops::Add<Output = T>>() {
    for chunks in CHUNKINGS {
        let (a, x) = typed::<T>(&ints(), chunks);
        let what = format!("{} {chunks:?}", T::DTYPE);
        // Sums and products in numpy's accumulator type, per axis and over all.
        for axis in 0..2 {
            let want = a.map_axis(Axis(axis), |l| {
                l.iter().fold(T::Acc::default(), |s, &v| s.add(v.cast()))
            });
            assert_eq!(x.sum(axis).compute().unwrap(), want, "sum {axis} {what}");
            let want = a.map_axis(Axis(axis), |l| {
                l.iter().fold(T::Acc::from_i128(1), |s, &v| s.mul(v.cast()))
            });
            assert_eq!(x.prod(axis).compute().unwrap(), want, "prod {axis} {what}");
            let mins = a.map_axis(Axis(axis), |l| {
                l.iter()
                    .copied()
                    .fold(l[0], |m, v| if v < m { v } else { m })
            });
            assert_eq!(x.min(axis).compute().unwrap(), mins, "min {axis} {what}");
            let maxs = a.map_axis(Axis(axis), |l| {
                l.iter()
                    .copied()
                    .fold(l[0], |m, v| if v > m { v } else { m })
            });
            assert_eq!(x.max(axis).compute().unwrap(), maxs, "max {axis} {what}");
            let want = a.map_axis(Axis(axis), |l| arg_best(&l.to_vec(), false));
            assert_eq!(
                x.argmin(axis).compute().unwrap(),
                want,
                "argmin {axis} {what}"
            );
            let want = a.map_axis(Axis(axis), |l| arg_best(&l.to_vec(), true));
            assert_eq!(
                x.argmax(axis).compute().unwrap(),
                want,
                "argmax {axis} {what}"
            );
            let want = a.map_axis(Axis(axis), |l| l.iter().any(|&v| v != T::default()));
            assert_eq!(x.any(axis).compute().unwrap(), want, "any {axis} {what}");
            let want = a.map_axis(Axis(axis), |l| l.iter().all(|&v| v != T::default()));
            assert_eq!(x.all(axis).compute().unwrap(), want, "all {axis} {what}");
            let want = a.map_axis(Axis(axis), |l| {
                l.iter().filter(|&&v| v != T::default()).count() as i64
            });
            assert_eq!(
                x.count_nonzero(axis).compute().unwrap(),
                want,
                "count_nonzero {axis} {what}"
            );
            // Means through f64 (numpy's for integers), in the float type.
            let want = a.map_axis(Axis(axis), |l| {
                l.iter().map(|v| v.to_f64()).sum::<f64>() / l.len() as f64
            });
            let got = x.mean(axis).compute().unwrap();
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g.to_f64() - w).abs() <= 1e-6 * (1.0 + w.abs()),
                    "mean {what}"
                );
            }
        }
        let flat: Vec<T> = a.iter().copied().collect();
        assert_eq!(
            x.argmin(None).compute_scalar().unwrap(),
            arg_best(&flat, false),
            "flat argmin {what}"
        );
        assert_eq!(
            x.argmax(None).compute_scalar().unwrap(),
            arg_best(&flat, true),
            "flat argmax {what}"
        );
        assert_eq!(
            x.sum(None).compute_scalar().unwrap(),
            flat.iter().fold(T::Acc::default(), |s, &v| s.add(v.cast())),
            "sum {what}"
        );
        assert_eq!(x.sum(None).dtype(), <T::Acc as Element>::DTYPE);
    }
}

#[test]
fn reductions_of_every_type_match_loops() {
    check_reductions::<i64>();
    check_reductions::<i32>();
    check_reductions::<u64>();
    check_reductions::<u32>();
    check_reductions::<u8>();
    check_reductions::<f32>();
    check_reductions::<f64>();
}

#[test]
fn bool_arrays_count_and_test() {
    let a = ints().mapv(|v| v > 0);
    for chunks in CHUNKINGS {
        let x = from_array(a.clone(), chunks).unwrap();
        let n = a.iter().filter(|&&b| b).count() as i64;
        assert_eq!(x.sum(None).compute_scalar().unwrap(), n);
        assert_eq!(x.sum(None).dtype(), DType::I64);
        assert_eq!(x.count_nonzero(None).compute_scalar().unwrap(), n);
        assert!(x.any(None).compute_scalar().unwrap());
        assert!(!x.all(None).compute_scalar().unwrap());
        assert_eq!((!&x).compute().unwrap(), a.mapv(|b| !b));
        let y = from_array(a.mapv(|b| !b), [2, 3]).unwrap();
        assert!(x.or(&y).all(None).compute_scalar().unwrap());
        assert!(!x.and(&y).any(None).compute_scalar().unwrap());
        assert_eq!(
            x.xor(&y).compute().unwrap(),
            ArrayD::from_elem(IxDyn(&[7, 5]), true)
        );
        assert_eq!(x.argmax(None).compute_scalar().unwrap(), {
            let v: Vec<bool> = a.iter().copied().collect();
            arg_best(&v, true)
        });
    }
}

#[test]
fn integer_sums_are_exact_past_2_pow_53() {
    let big = 1i64 << 53;
    let a = ArrayD::from_shape_vec(IxDyn(&[4]), vec![big, 1, 1, -3]).unwrap();
    let x = from_array(a, [1]).unwrap();
    // f64 would give 2^53 - 3; exact int64 gives 2^53 - 1.
    assert_eq!(x.sum(None).compute_scalar().unwrap(), big - 1);
    // argmin among values that are equal as f64 but not as i64.
    let a = ArrayD::from_shape_vec(IxDyn(&[3]), vec![big + 1, big, big + 1]).unwrap();
    assert_eq!(
        from_array(a, [2])
            .unwrap()
            .argmin(None)
            .compute_scalar()
            .unwrap(),
        1
    );
    // u8 sums widen to u64 (no wrap), u8 + u8 wraps as numpy's does.
    let a = ArrayD::from_elem(IxDyn(&[300]), 200u8);
    let x = from_array(a, [64]).unwrap();
    assert_eq!(x.sum(None).compute_scalar().unwrap(), 60_000u64);
    assert!((&x + &x).compute().unwrap().iter().all(|&v| v == 144));
}

#[test]
fn arithmetic_promotes_as_numpy() {
    let a = ints();
    for chunks in CHUNKINGS {
        let (ai, x) = typed::<i32>(&a, chunks);
        let (au, y) = typed::<u32>(&a.mapv(|v| v.abs()), [2, 3]);
        // int32 with uint32 is int64.
        let s = &x + &y;
        assert_eq!(s.dtype(), DType::I64);
        let want = ndarray::Zip::from(&ai)
            .and(&au)
            .map_collect(|&p, &q| i64::from(p) + i64::from(q));
        assert_eq!(s.compute().unwrap(), want);
        // int32 * int32 stays int32; true division gives float64.
        assert_eq!((&x * &x).compute().unwrap(), &ai * &ai);
        let d = &x / 2;
        assert_eq!(d.dtype(), DType::F64);
        assert_eq!(d.compute().unwrap(), ai.mapv(|v| f64::from(v) / 2.0));
        // uint8 with float32 is float32; int64 with uint64 is float64.
        let (a8, u8s) = typed::<u8>(&a.mapv(|v| v + 5), chunks);
        let (af, fl) = typed::<f32>(&a, [3, 3]);
        let m = &u8s * &fl;
        assert_eq!(m.dtype(), DType::F32);
        assert_eq!(
            m.compute().unwrap(),
            ndarray::Zip::from(&a8)
                .and(&af)
                .map_collect(|&p, &q| f32::from(p) * q)
        );
        let (_, i) = typed::<i64>(&a, chunks);
        let (_, u) = typed::<u64>(&a.mapv(|v| v.abs()), chunks);
        assert_eq!((&i - &u).dtype(), DType::F64);
        // Scalars of the array's type, on either side; negation wraps for unsigned.
        assert_eq!((10 - &x).compute().unwrap(), ai.mapv(|v| 10 - v));
        assert_eq!((&x + 1).compute().unwrap(), ai.mapv(|v| v + 1));
        assert_eq!((-&u8s).compute().unwrap(), a8.mapv(|v| v.wrapping_neg()));
        // Broadcasting a row against the matrix, with other chunks.
        let row = from_array(ai.index_axis(Axis(0), 2).to_owned().into_dyn(), [2]).unwrap();
        assert_eq!(
            (&x - &row).compute().unwrap(),
            &ai - &ai.index_axis(Axis(0), 2)
        );
    }
}

#[test]
fn comparisons_give_bool_arrays() {
    let a = ints();
    let b = ints().mapv(|v| (v * 7) % 5);
    for chunks in CHUNKINGS {
        let (ai, x) = typed::<i64>(&a, chunks);
        let (bf, y) = typed::<f64>(&b, [2, 2]);
        let lt = x.lt(&y);
        assert_eq!(lt.dtype(), DType::Bool);
        let want = ndarray::Zip::from(&ai)
            .and(&bf)
            .map_collect(|&p, &q| (p as f64) < q);
        assert_eq!(lt.compute().unwrap(), want);
        assert_eq!(x.ge(0).compute().unwrap(), ai.mapv(|v| v >= 0));
        assert!(x.eq(&x).all(None).compute_scalar().unwrap());
        assert_eq!(x.ne(3).sum(None).compute_scalar().unwrap(), {
            ai.iter().filter(|&&v| v != 3).count() as i64
        });
        // where(x > 0, x, 0) as numpy.
        let w = DArray::where_(&x.gt(0), &x, &x.zeros_like());
        assert_eq!(w.compute().unwrap(), ai.mapv(|v| v.max(0)));
    }
    // NaN compares false, except !=; isnan and isfinite.
    let f = from_array(
        ArrayD::from_shape_vec(IxDyn(&[4]), vec![1.0, f64::NAN, f64::INFINITY, -2.0]).unwrap(),
        [3],
    )
    .unwrap();
    assert_eq!(
        f.eq(&f).compute().unwrap().into_raw_vec_and_offset().0,
        vec![true, false, true, true]
    );
    assert_eq!(
        f.is_nan().compute().unwrap().into_raw_vec_and_offset().0,
        vec![false, true, false, false]
    );
    assert_eq!(
        f.is_finite().compute().unwrap().into_raw_vec_and_offset().0,
        vec![true, false, false, true]
    );
}

#[test]
fn astype_follows_numpy_and_keeps_chunks() {
    let x = arange(-2.5, 3.0, 1.0, [4]).unwrap();
    let i = x.astype::<i32>();
    assert_eq!(i.chunks(), x.chunks());
    assert_eq!(
        i.compute().unwrap().into_raw_vec_and_offset().0,
        vec![-2, -1, 0, 0, 1, 2]
    );
    assert_eq!(
        x.astype::<bool>()
            .compute()
            .unwrap()
            .into_raw_vec_and_offset()
            .0,
        vec![true; 6]
    );
    assert_eq!(
        i.astype::<u8>()
            .compute()
            .unwrap()
            .into_raw_vec_and_offset()
            .0,
        vec![254, 255, 0, 0, 1, 2]
    );
    let back = i.astype::<f64>().compute().unwrap();
    assert_eq!(
        back.into_raw_vec_and_offset().0,
        vec![-2.0, -1.0, 0.0, 0.0, 1.0, 2.0]
    );
    // The same type is the same array (same keys).
    assert_eq!(x.astype::<f64>().token(), x.token());
}

#[test]
fn typed_arrays_move_rechunk_slice_transpose() {
    let (a, x) = typed::<i32>(&ints(), [3, 2]);
    assert_eq!(x.rechunk([2, 5]).compute().unwrap(), a);
    assert_eq!(
        x.slice(&[1..6, 2..4]).compute().unwrap(),
        a.slice(ndarray::s![1..6, 2..4]).into_dyn()
    );
    assert_eq!(x.t().compute().unwrap(), a.t());
    let b = x.broadcast_to(&[2, 7, 5], [1, 4, 4]).compute().unwrap();
    assert_eq!(b.index_axis(Axis(0), 1), a);
    assert_eq!(
        x.map_blocks(|c| c.mapv(|v| v * 2)).compute().unwrap(),
        &a * 2
    );
    let f = full(&[3, 4], 9u32, [2, 3]).unwrap();
    assert_eq!(f.dtype(), DType::U32);
    assert_eq!(
        f.compute().unwrap(),
        ArrayD::from_elem(IxDyn(&[3, 4]), 9u32)
    );
    assert_eq!(x.ones_like().sum(None).compute_scalar().unwrap(), 35);
}

#[test]
fn typed_chunks_spill_and_come_back() {
    let (a, x) = typed::<i64>(&ints(), [1, 5]);
    // 7 chunks of 40 bytes under a 100-byte budget: most go to disk.
    let p = x.persist_with(&Config::new().memory_limit(100)).unwrap();
    assert_eq!(p.compute().unwrap(), a);
    let (b, y) = typed::<bool>(&ints(), [2, 2]);
    let q = y.persist_with(&Config::new().memory_limit(8)).unwrap();
    assert_eq!(q.compute().unwrap(), b);
}

#[test]
fn bad_reductions_are_errors() {
    let empty = from_array(ArrayD::<i32>::zeros(IxDyn(&[0, 3])), [1, 3]).unwrap();
    assert_eq!(
        empty.sum(0).compute().unwrap().into_raw_vec_and_offset().0,
        vec![0; 3]
    );
    let e = empty.min(0).compute().unwrap_err().to_string();
    assert!(e.contains("min of an empty axis"), "{e}");
    let (_, x) = typed::<u8>(&ints().mapv(|v| v.abs()), [3, 3]);
    let e = x.sum(2).compute().unwrap_err().to_string();
    assert!(e.contains("axis 2 is out of range"), "{e}");
    // nanargmin of an all-NaN slice raises, as numpy and Dask.
    let f = from_array(
        ArrayD::from_shape_vec(IxDyn(&[2, 2]), vec![f64::NAN, 1.0, f64::NAN, 0.5]).unwrap(),
        [1, 1],
    )
    .unwrap();
    let e = f.nanargmin(0).compute().unwrap_err().to_string();
    assert!(e.contains("all-NaN"), "{e}");
    assert_eq!(
        f.nanargmin(1)
            .compute()
            .unwrap()
            .into_raw_vec_and_offset()
            .0,
        vec![1, 1]
    );
}

#[test]
fn ufuncs_of_every_type() {
    let a =
        ArrayD::from_shape_vec(IxDyn(&[6]), vec![-2.5f64, -0.5, 0.5, 1.5, 2.5, f64::NAN]).unwrap();
    let x = from_array(a.clone(), [4]).unwrap();
    // numpy.round: half to even; sign keeps NaN.
    let r = x.round().compute().unwrap();
    assert_eq!(&r.as_slice().unwrap()[..5], &[-2.0, -0.0, 0.0, 2.0, 2.0]);
    assert!(r[[5]].is_nan());
    let s = x.sign().compute().unwrap();
    assert_eq!(&s.as_slice().unwrap()[..5], &[-1.0, -1.0, 1.0, 1.0, 1.0]);
    // f32 math through f64, rounded back; the type stays f32.
    let f = x.astype::<f32>();
    let e = f.exp();
    assert_eq!(e.dtype(), DType::F32);
    let want: Vec<f32> = a.iter().map(|&v| (v.exp()) as f32).collect();
    let got = e.compute().unwrap();
    for (g, w) in got.iter().zip(&want) {
        assert!(g == w || (g.is_nan() && w.is_nan()), "{g} vs {w}");
    }
    assert_eq!(f.pow(2.0f32).compute().unwrap()[[3]], 2.25);
    // maximum/minimum promote and propagate NaN, as numpy's.
    let (ai, i) = typed::<i32>(&ints(), [3, 3]);
    let (_, u) = typed::<u8>(&ints().mapv(|v| v.abs()), [2, 5]);
    let m = i.maximum(&u);
    assert_eq!(m.dtype(), DType::I32);
    let au = ints().mapv(|v| v.abs() as i32);
    assert_eq!(
        m.compute().unwrap(),
        ndarray::Zip::from(&ai)
            .and(&au)
            .map_collect(|&p, &q| p.max(q))
    );
    let nan = x.maximum(0.0).compute().unwrap();
    assert!(nan[[5]].is_nan() && nan[[0]] == 0.0 && nan[[4]] == 2.5);
    assert!(
        x.minimum(&x.full_like(f64::NAN))
            .is_nan()
            .all(None)
            .compute_scalar()
            .unwrap()
    );
    // clip keeps the type.
    assert_eq!(
        i.clip(-1, 2).compute().unwrap(),
        ai.mapv(|v| v.clamp(-1, 2))
    );
}

/// `test_astype` (test_array_core.py): the values and the same keys for the same
/// cast, no new array for the same type, and `casting="safe"` refusing float to int;
/// with numpy's whole `can_cast(a, b, "safe")` table for the eight types (printed by
/// numpy 2: rows from, columns to, in the order below).
#[test]
fn astype_as_dasks_and_safe_casting_as_numpys() {
    use chunkwise::array::{DType, ones};
    let d = ones(&[5, 5], [2, 2]).unwrap();
    let i = d.astype::<i64>();
    assert_eq!(i.dtype(), DType::I64);
    assert_eq!(
        i.compute().unwrap(),
        ndarray::ArrayD::from_elem(ndarray::IxDyn(&[5, 5]), 1i64)
    );
    assert_eq!(d.astype::<i64>().token(), i.token());
    let e = d.astype_safe::<i64>().unwrap_err().to_string();
    assert!(e.contains("float64") && e.contains("int64"), "{e}");
    assert_eq!(d.astype::<f64>().token(), d.token());
    assert_eq!(d.astype_safe::<f64>().unwrap().token(), d.token());
    let order = [
        DType::Bool,
        DType::U8,
        DType::I32,
        DType::U32,
        DType::I64,
        DType::U64,
        DType::F32,
        DType::F64,
    ];
    let numpy = [
        "11111111", "01111111", "00101001", "00011101", "00001001", "00000101", "00000011",
        "00000001",
    ];
    for (a, row) in order.iter().zip(numpy) {
        for (b, c) in order.iter().zip(row.chars()) {
            assert_eq!(a.can_cast_safely(*b), c == '1', "{a} to {b}");
        }
    }
}
