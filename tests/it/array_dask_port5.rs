//! Dask's ufunc tests (dask/array/tests/test_ufunc.py): every unary and binary ufunc
//! of numpy's that Dask wraps, on integers 1..100 in 3 x 3 chunks, against a plain
//! loop computing what numpy computes (integers stay integers where numpy keeps them;
//! float ufuncs of integers give floats). Each test names its original.

use chunkwise::array::{DArray, Logical, from_array};
use ndarray::ArrayD;

use super::array_dask_port::rand_f64;

/// numpy's `randint(1, 100, size=(20, 20))`, from a fixed stream.
fn ints(seed: u64) -> ArrayD<i64> {
    rand_f64(&[20, 20], seed).mapv(|v| 1 + (v * 99.0) as i64)
}

/// Equal, NaN equal to NaN (numpy's `equal_nan=True`), floats within 4 ulps.
fn same(got: &ArrayD<f64>, want: &ArrayD<f64>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}");
    for (g, w) in got.iter().zip(want) {
        let ok =
            (g.is_nan() && w.is_nan()) || g == w || (g - w).abs() <= 4.0 * f64::EPSILON * w.abs();
        assert!(ok, "{what}: {g} against {w}");
    }
}

/// test_unary_ufunc: 48 of numpy's 49 unary ufuncs (`fix` is xfail upstream).
#[test]
fn test_unary_ufunc() {
    let a = ints(1);
    let d = from_array(a.clone(), [3, 3]).unwrap();
    let f = d.astype::<f64>();
    let af = a.mapv(|v| v as f64);
    // Float ufuncs of integers: float results.
    type Pair = (&'static str, DArray<f64>, fn(f64) -> f64);
    let floats: Vec<Pair> = vec![
        ("arccos", f.arccos(), f64::acos),
        ("arccosh", f.arccosh(), f64::acosh),
        ("arcsin", f.arcsin(), f64::asin),
        ("arcsinh", f.arcsinh(), f64::asinh),
        ("arctan", f.arctan(), f64::atan),
        ("arctanh", f.arctanh(), f64::atanh),
        ("cbrt", f.cbrt(), f64::cbrt),
        ("ceil", f.ceil(), f64::ceil),
        ("cos", f.cos(), f64::cos),
        ("cosh", f.cosh(), f64::cosh),
        ("deg2rad", f.deg2rad(), f64::to_radians),
        ("degrees", f.rad2deg(), f64::to_degrees),
        ("exp", f.exp(), f64::exp),
        ("exp2", f.exp2(), f64::exp2),
        ("expm1", f.expm1(), f64::exp_m1),
        ("fabs", f.abs(), f64::abs),
        ("floor", f.floor(), f64::floor),
        ("log", f.ln(), f64::ln),
        ("log10", f.log10(), f64::log10),
        ("log1p", f.log1p(), f64::ln_1p),
        ("log2", f.log2(), f64::log2),
        ("rad2deg", f.rad2deg(), f64::to_degrees),
        ("radians", f.deg2rad(), f64::to_radians),
        ("rint", f.rint(), f64::round_ties_even),
        ("sin", f.sin(), f64::sin),
        ("sinh", f.sinh(), f64::sinh),
        ("spacing", f.spacing(), |x: f64| x.next_up() - x),
        ("sqrt", f.sqrt(), f64::sqrt),
        ("tan", f.tan(), f64::tan),
        ("tanh", f.tanh(), f64::tanh),
        ("trunc", f.trunc(), f64::trunc),
    ];
    for (name, got, g) in floats {
        same(&got.compute().unwrap(), &af.mapv(g), name);
    }
    // Integer ufuncs that numpy keeps integer.
    type IPair = (&'static str, DArray<i64>, fn(i64) -> i64);
    let ints_kept: Vec<IPair> = vec![
        ("abs", d.abs(), i64::abs),
        ("absolute", d.abs(), i64::abs),
        ("bitwise_not", d.bitwise_not(), |x| !x),
        ("invert", d.bitwise_not(), |x| !x),
        ("conj", d.clone(), |x| x),
        ("positive", d.clone(), |x| x),
        ("negative", -&d, |x| -x),
        ("sign", d.sign(), i64::signum),
        ("square", d.square(), |x| x * x),
        ("reciprocal", d.reciprocal(), |x| 1 / x),
    ];
    for (name, got, g) in ints_kept {
        assert_eq!(got.compute().unwrap(), a.mapv(g), "{name}");
    }
    // Predicates.
    type BPair = (&'static str, DArray<bool>, fn(i64) -> bool);
    let preds: Vec<BPair> = vec![
        ("isfinite", f.is_finite(), |_| true),
        ("isinf", f.isinf(), |_| false),
        ("isnan", f.is_nan(), |_| false),
        ("logical_not", d.logical_not(), |x| x == 0),
        ("signbit", f.signbit(), |x| x < 0),
    ];
    for (name, got, g) in preds {
        assert_eq!(got.compute().unwrap(), a.mapv(g), "{name}");
    }
    // Edge values where the definitions matter.
    let e = from_array(
        ndarray::arr1(&[-0.0, 1.0, -1.0, f64::INFINITY, 0.5]).into_dyn(),
        [2],
    )
    .unwrap();
    let sb = e.signbit().compute().unwrap().into_raw_vec_and_offset().0;
    assert_eq!(sb, vec![true, false, true, false, false]);
    let sp = e.spacing().compute().unwrap().into_raw_vec_and_offset().0;
    assert_eq!(sp[1], f64::EPSILON);
    assert_eq!(sp[2], -f64::EPSILON);
    assert!(sp[3].is_nan());
    assert_eq!(sp[4], f64::EPSILON / 2.0);
    let at = e.arctanh().compute().unwrap().into_raw_vec_and_offset().0;
    assert_eq!((at[1], at[2]), (f64::INFINITY, f64::NEG_INFINITY));
    // numpy's u8 bitwise_not: 255 - x.
    let u = from_array(ndarray::arr1(&[0u8, 5, 255]).into_dyn(), [2]).unwrap();
    assert_eq!(
        u.bitwise_not()
            .compute()
            .unwrap()
            .into_raw_vec_and_offset()
            .0,
        vec![255, 250, 0]
    );
}

/// test_binary_ufunc: numpy's 36 binary ufuncs of two integer arrays and of an array
/// and 10 (both orders, 10 as a full array).
#[test]
fn test_binary_ufunc() {
    let (a1, a2) = (ints(2), ints(3));
    let d1 = from_array(a1.clone(), [3, 3]).unwrap();
    let d2 = from_array(a2.clone(), [3, 3]).unwrap();
    let ten = d1.full_like(10i64);
    let t1 = a1.mapv(|_| 10i64);
    for (x, y, ax, ay, case) in [
        (&d1, &d2, &a1, &a2, "arrays"),
        (&d1, &ten, &a1, &t1, "array, 10"),
        (&ten, &d1, &t1, &a1, "10, array"),
    ] {
        let zip_i =
            |g: fn(i64, i64) -> i64| ndarray::Zip::from(ax).and(ay).map_collect(|&p, &q| g(p, q));
        let zip_f = |g: fn(f64, f64) -> f64| {
            ndarray::Zip::from(ax)
                .and(ay)
                .map_collect(|&p, &q| g(p as f64, q as f64))
        };
        let zip_b =
            |g: fn(i64, i64) -> bool| ndarray::Zip::from(ax).and(ay).map_collect(|&p, &q| g(p, q));
        let (xf, yf) = (x.astype::<f64>(), y.astype::<f64>());
        type IOp = (&'static str, DArray<i64>, fn(i64, i64) -> i64);
        let int_ops: Vec<IOp> = vec![
            ("add", x + y, |p, q| p + q),
            ("subtract", x - y, |p, q| p - q),
            ("multiply", x * y, |p, q| p * q),
            ("bitwise_and", x.bitwise_and(y), |p, q| p & q),
            ("bitwise_or", x.bitwise_or(y), |p, q| p | q),
            ("bitwise_xor", x.bitwise_xor(y), |p, q| p ^ q),
            ("floor_divide", x.floor_div(y), i64::div_euclid),
            ("mod", x.rem(y), i64::rem_euclid),
            ("remainder", x.rem(y), i64::rem_euclid),
            ("maximum", x.maximum(y), i64::max),
            ("minimum", x.minimum(y), i64::min),
            ("left_shift", x.left_shift(y), |p, q| {
                if q < 64 { p << q } else { 0 }
            }),
            ("right_shift", x.right_shift(y), |p, q| {
                if q < 64 { p >> q } else { 0 }
            }),
            ("power", x.int_power(y), |p, q| p.wrapping_pow(q as u32)),
        ];
        for (name, got, g) in int_ops {
            assert_eq!(got.compute().unwrap(), zip_i(g), "{name} ({case})");
        }
        type FOp = (&'static str, DArray<f64>, fn(f64, f64) -> f64);
        let float_ops: Vec<FOp> = vec![
            ("arctan2", xf.arctan2(&yf), f64::atan2),
            ("copysign", xf.copysign(&yf), f64::copysign),
            ("divide", &xf / &yf, |p, q| p / q),
            ("true_divide", &xf / &yf, |p, q| p / q),
            ("fmax", xf.fmax(&yf), f64::max),
            ("fmin", xf.fmin(&yf), f64::min),
            ("fmod", xf.fmod(&yf), |p, q| p % q),
            ("hypot", xf.hypot(&yf), f64::hypot),
            ("logaddexp", xf.logaddexp(&yf), |p, q| {
                (p.exp() + q.exp()).ln()
            }),
            ("logaddexp2", xf.logaddexp2(&yf), |p, q| {
                (p.exp2() + q.exp2()).log2()
            }),
            ("nextafter", xf.nextafter(&yf), |p, q| {
                if p < q {
                    p.next_up()
                } else if p > q {
                    p.next_down()
                } else {
                    q
                }
            }),
            ("float_power", xf.float_power(&yf), f64::powf),
        ];
        for (name, got, g) in float_ops {
            let got = got.compute().unwrap();
            let want = zip_f(g);
            if name.starts_with("logaddexp") {
                // The definition overflows past e^709; both are finite here.
                for (p, q) in got.iter().zip(&want) {
                    assert!((p - q).abs() <= 1e-13 * q.abs(), "{name} ({case}): {p} {q}");
                }
            } else {
                same(&got, &want, name);
            }
        }
        // ldexp: an integer exponent.
        let got = xf.ldexp(y).compute().unwrap();
        same(&got, &zip_f(|p, q| p * 2f64.powi(q as i32)), "ldexp");
        type BOp = (&'static str, DArray<bool>, fn(i64, i64) -> bool);
        let preds: Vec<BOp> = vec![
            ("equal", x.eq(y), |p, q| p == q),
            ("not_equal", x.ne(y), |p, q| p != q),
            ("greater", x.gt(y), |p, q| p > q),
            ("greater_equal", x.ge(y), |p, q| p >= q),
            ("less", x.lt(y), |p, q| p < q),
            ("less_equal", x.le(y), |p, q| p <= q),
            ("logical_and", x.logical(y, Logical::And), |p, q| {
                p != 0 && q != 0
            }),
            ("logical_or", x.logical(y, Logical::Or), |p, q| {
                p != 0 || q != 0
            }),
            ("logical_xor", x.logical(y, Logical::Xor), |p, q| {
                (p != 0) != (q != 0)
            }),
        ];
        for (name, got, g) in preds {
            assert_eq!(got.compute().unwrap(), zip_b(g), "{name} ({case})");
        }
    }
    // A negative integer exponent fails, naming it, as numpy raises.
    let neg = d1.full_like(-1i64);
    let e = d1.int_power(&neg).compute().unwrap_err();
    assert!(e.to_string().contains("negative integer powers"), "{e}");
}

/// Regressions found in review: parts of one result computed together keep their own
/// tasks; a broadcast exponent; two chunkings of one constructor in one graph; two
/// user folds in one graph; NaN and extreme exponents in the float ufuncs.
#[test]
fn ufunc_and_constructor_keys_and_edges() {
    use chunkwise::array::{VIdx, store, tril_indices};
    use std::sync::{Arc, Mutex};
    let target = |n: usize| Arc::new(Mutex::new(ArrayD::<f64>::zeros(ndarray::IxDyn(&[n]))));
    let itarget = |n: usize| Arc::new(Mutex::new(ArrayD::<i64>::zeros(ndarray::IxDyn(&[n]))));
    let i32target = |n: usize| Arc::new(Mutex::new(ArrayD::<i32>::zeros(ndarray::IxDyn(&[n]))));
    // frexp's two parts in one compute.
    let x = from_array(ndarray::arr1(&[8.0, 3.0, 0.75]).into_dyn(), [2]).unwrap();
    let (m, e) = x.frexp();
    let (tm, te) = (target(3), i32target(3));
    store(vec![
        m.store_into(tm.clone(), &[]).unwrap(),
        e.store_into(te.clone(), &[]).unwrap(),
    ])
    .unwrap();
    assert_eq!(
        tm.lock().unwrap().iter().copied().collect::<Vec<_>>(),
        vec![0.5, 0.75, 0.75]
    );
    assert_eq!(
        te.lock().unwrap().iter().copied().collect::<Vec<_>>(),
        vec![4, 2, 0]
    );
    // A broadcast exponent.
    let b = from_array(ndarray::arr1(&[1i64, 2, 3, 4]).into_dyn(), [3]).unwrap();
    let two = from_array(ndarray::arr1(&[2i64]).into_dyn(), [1]).unwrap();
    assert_eq!(
        b.int_power(&two)
            .compute()
            .unwrap()
            .into_raw_vec_and_offset()
            .0,
        vec![1, 4, 9, 16]
    );
    // tril_indices in two chunkings, in one compute.
    let (r1, _) = tril_indices(4, 0, 4, [3]).unwrap();
    let (r2, _) = tril_indices(4, 0, 4, [4]).unwrap();
    let (t1, t2) = (itarget(10), itarget(10));
    store(vec![
        r1.store_into(t1.clone(), &[]).unwrap(),
        r2.store_into(t2.clone(), &[]).unwrap(),
    ])
    .unwrap();
    let want = vec![0, 1, 1, 2, 2, 2, 3, 3, 3, 3];
    assert_eq!(t1.lock().unwrap().iter().copied().collect::<Vec<_>>(), want);
    assert_eq!(t2.lock().unwrap().iter().copied().collect::<Vec<_>>(), want);
    // Two user folds of one array in one compute.
    let v = from_array(ndarray::arr1(&[3i64, 1, 4, 1, 5]).into_dyn(), [2]).unwrap();
    let (tmax, tmin) = (itarget(5), itarget(5));
    store(vec![
        v.cumreduce(0, i64::MIN, |a, b| a.max(b))
            .store_into(tmax.clone(), &[VIdx::ALL])
            .unwrap(),
        v.cumreduce(0, i64::MAX, |a, b| a.min(b))
            .store_into(tmin.clone(), &[VIdx::ALL])
            .unwrap(),
    ])
    .unwrap();
    assert_eq!(
        tmax.lock().unwrap().iter().copied().collect::<Vec<_>>(),
        vec![3, 3, 4, 4, 5]
    );
    assert_eq!(
        tmin.lock().unwrap().iter().copied().collect::<Vec<_>>(),
        vec![3, 1, 1, 1, 1]
    );
    // NaN and extremes.
    let p = from_array(
        ndarray::arr1(&[f64::NAN, 1.0, 0.0, f64::INFINITY, 2f64.powi(1000)]).into_dyn(),
        [2],
    )
    .unwrap();
    let q = from_array(
        ndarray::arr1(&[1.0, f64::NAN, 0.0, 0.0, 0.0]).into_dyn(),
        [3],
    )
    .unwrap();
    let na = p
        .nextafter(&q)
        .compute()
        .unwrap()
        .into_raw_vec_and_offset()
        .0;
    assert!(na[0].is_nan() && na[1].is_nan());
    let la = p
        .logaddexp(&q)
        .compute()
        .unwrap()
        .into_raw_vec_and_offset()
        .0;
    assert!(la[0].is_nan() && la[1].is_nan());
    let la2 = p
        .logaddexp2(&p)
        .compute()
        .unwrap()
        .into_raw_vec_and_offset()
        .0;
    assert_eq!(la2[1], 2.0);
    let ex = from_array(
        ndarray::arr1(&[3000i64, 3000, -3000, -2060, 5]).into_dyn(),
        [2],
    )
    .unwrap();
    let ld = p.ldexp(&ex).compute().unwrap().into_raw_vec_and_offset().0;
    assert!(ld[0].is_nan());
    assert_eq!(ld[1], f64::INFINITY);
    assert_eq!(ld[2], 0.0);
    assert_eq!(ld[3], f64::INFINITY);
    assert_eq!(ld[4], 2f64.powi(1000) * 32.0);
    let sub = from_array(ndarray::arr1(&[2f64.powi(1000)]).into_dyn(), [1]).unwrap();
    let e = from_array(ndarray::arr1(&[-2060i64]).into_dyn(), [1]).unwrap();
    // 2^1000 * 2^-2060 = 2^-1060, a subnormal: 2^-1074 * 2^14.
    let tiny = sub.ldexp(&e).compute().unwrap().into_raw_vec_and_offset().0[0];
    assert_eq!(tiny, f64::from_bits(1 << 14));
}

/// numpy's matmul by its definition: 1-d operands as a row (left) or a column
/// (right), batch axes broadcast, then the added axes removed.
fn np_matmul(x: &ArrayD<f64>, y: &ArrayD<f64>) -> ArrayD<f64> {
    let (p, q) = (x.ndim(), y.ndim());
    let mut a = x.clone();
    let mut b = y.clone();
    if p == 1 {
        a = a.insert_axis(ndarray::Axis(0));
    }
    if q == 1 {
        b = b.insert_axis(ndarray::Axis(1));
    }
    let n = a.ndim().max(b.ndim());
    while a.ndim() < n {
        a = a.insert_axis(ndarray::Axis(0));
    }
    while b.ndim() < n {
        b = b.insert_axis(ndarray::Axis(0));
    }
    let batch: Vec<usize> = (0..n - 2).map(|d| a.shape()[d].max(b.shape()[d])).collect();
    let (rows, inner, cols) = (a.shape()[n - 2], a.shape()[n - 1], b.shape()[n - 1]);
    let mut shape = batch.clone();
    shape.extend([rows, cols]);
    let mut out = ArrayD::zeros(ndarray::IxDyn(&shape));
    for (ix, o) in out.indexed_iter_mut() {
        let ix = ndarray::Dimension::slice(&ix);
        let pick = |m: &ArrayD<f64>, r: usize, c: usize| {
            let mut at: Vec<usize> = (0..n - 2)
                .map(|d| if m.shape()[d] == 1 { 0 } else { ix[d] })
                .collect();
            at.extend([r, c]);
            m[ndarray::IxDyn(&at)]
        };
        *o = (0..inner)
            .map(|k| pick(&a, ix[n - 2], k) * pick(&b, k, ix[n - 1]))
            .sum();
    }
    if q == 1 {
        let last = out.ndim() - 1;
        out = out.index_axis_move(ndarray::Axis(last), 0);
    }
    if p == 1 {
        let ax = out.ndim() - if q == 1 { 1 } else { 2 };
        out = out.index_axis_move(ndarray::Axis(ax), 0);
    }
    out
}

/// test_matmul (test_routines): every pairing of 0-d to 4-d operands Dask lists,
/// chunks of half the axes (or its explicit ones), the batch axes broadcast; a 0-d
/// operand is an error.
#[test]
fn test_matmul_routines() {
    /// Shapes of x and y, and their chunks (empty: half of each axis).
    type Case = (Vec<usize>, Vec<usize>, Vec<usize>, Vec<usize>);
    let cases: Vec<Case> = vec![
        (vec![], vec![7], vec![], vec![]),
        (vec![7], vec![], vec![], vec![]),
        (vec![7], vec![7], vec![], vec![]),
        (vec![11], vec![11, 7], vec![], vec![]),
        (vec![15], vec![7, 15, 11], vec![], vec![]),
        (vec![19], vec![7, 11, 19, 15], vec![], vec![]),
        (vec![7, 11], vec![11], vec![], vec![]),
        (vec![7, 11], vec![11, 7], vec![], vec![]),
        (vec![11, 15], vec![7, 15, 11], vec![], vec![]),
        (vec![15, 19], vec![7, 11, 19, 15], vec![], vec![]),
        (vec![7, 11, 15], vec![15], vec![], vec![]),
        (vec![7, 11, 15], vec![15, 7], vec![], vec![]),
        (vec![7, 11, 15], vec![7, 15, 11], vec![], vec![]),
        (vec![11, 15, 19], vec![7, 11, 19, 15], vec![], vec![]),
        (vec![7, 11, 15, 19], vec![19], vec![], vec![]),
        (vec![7, 11, 15, 19], vec![19, 7], vec![], vec![]),
        (vec![7, 11, 15, 19], vec![11, 19, 13], vec![], vec![]),
        (vec![7, 11, 15, 19], vec![7, 11, 19, 15], vec![], vec![]),
        (vec![7, 11], vec![11, 7], vec![1, 1], vec![1, 1]),
        (vec![7, 11], vec![11, 7], vec![3, 5], vec![4, 2]),
        (
            vec![11, 15, 19],
            vec![7, 11, 19, 15],
            vec![7, 7, 7],
            vec![3, 9, 9, 9],
        ),
        (
            vec![3, 3, 20, 30],
            vec![3, 3, 30, 20],
            vec![1, 3, 2, 6],
            vec![1, 3, 5, 10],
        ),
    ];
    for (k, (xs, ys, xc, yc)) in cases.into_iter().enumerate() {
        let x = rand_f64(&xs, 200 + k as u64);
        let y = rand_f64(&ys, 300 + k as u64);
        let half = |s: &[usize]| s.iter().map(|&i| (i / 2).max(1)).collect::<Vec<_>>();
        let a = from_array(x.clone(), if xc.is_empty() { half(&xs) } else { xc }).unwrap();
        let b = from_array(y.clone(), if yc.is_empty() { half(&ys) } else { yc }).unwrap();
        let got = a.matmul(&b).compute();
        if xs.is_empty() || ys.is_empty() {
            assert!(got.is_err(), "{xs:?} @ {ys:?}");
            continue;
        }
        let got = got.unwrap();
        let want = np_matmul(&x, &y);
        assert_eq!(got.shape(), want.shape(), "{xs:?} @ {ys:?}");
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() <= 1e-12 * (1.0 + w.abs()),
                "{xs:?} @ {ys:?}: {g} {w}"
            );
        }
    }
    // Batch axes that do not broadcast.
    let a = from_array(rand_f64(&[2, 3, 4], 1), [1, 3, 4]).unwrap();
    let b = from_array(rand_f64(&[3, 4, 5], 2), [1, 4, 5]).unwrap();
    assert!(a.matmul(&b).compute().is_err());
}

/// test_matmul (test_array_core): 5 x 5 against 5 x 2, a vector on either side, and a
/// 5 x 5 matrix against a 5 x 5 x 5 stack on either side (broadcast).
#[test]
fn test_matmul_core() {
    let x = rand_f64(&[5, 5], 11);
    let y = rand_f64(&[5, 2], 12);
    let z = rand_f64(&[5, 5, 5], 13);
    let a = from_array(x.clone(), [1, 5]).unwrap();
    let b = from_array(y.clone(), [5, 1]).unwrap();
    let c = from_array(z.clone(), [1, 5, 1]).unwrap();
    let v: ArrayD<f64> = ndarray::arr1(&[1.0, 2.0, 3.0, 4.0, 5.0]).into_dyn();
    let dv = from_array(v.clone(), [5]).unwrap();
    let close = |g: ArrayD<f64>, w: ArrayD<f64>| {
        assert_eq!(g.shape(), w.shape());
        assert!(
            g.iter()
                .zip(&w)
                .all(|(p, q)| (p - q).abs() <= 1e-12 * (1.0 + q.abs()))
        );
    };
    close(a.matmul(&b).compute().unwrap(), np_matmul(&x, &y));
    close(a.dot(&b).compute().unwrap(), np_matmul(&x, &y));
    close(dv.matmul(&b).compute().unwrap(), np_matmul(&v, &y));
    close(a.matmul(&dv).compute().unwrap(), np_matmul(&x, &v));
    close(a.matmul(&c).compute().unwrap(), np_matmul(&x, &z));
    close(c.matmul(&a).compute().unwrap(), np_matmul(&z, &x));
}
