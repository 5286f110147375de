//! Ports of Dask's setitem tests with array values, lists, masks and lazy indices
//! (`test_setitem_1d`, `test_setitem_extended_API_1d/2d`,
//! `test_setitem_extended_API_2d_rhs_func_of_lhs`, `test_setitem_errs`,
//! `test_setitem_bool_index_errs`, `test_setitem_no_dtype_broadcast` of
//! test_array_core.py; `test_setitem_with_different_chunks_preserves_shape` of
//! test_slicing.py), each case checked against numpy's rules applied by plain loops
//! to an array in memory.

use chunkwise::array::{DArray, Idx, SetIdx, SetValue, arange, from_array};

use ndarray::{ArrayD, IxDyn};

/// One index entry, as numpy writes it.
#[derive(Clone, Debug)]
enum Ref {
    /// `start:stop:step`.
    S(Option<isize>, Option<isize>, isize),
    /// An integer.
    I(isize),
    /// A list of positions, in memory or (`lazy`) as a DArray.
    L(Vec<i64>, bool),
    /// A mask along one axis, in memory or (`lazy`) as a DArray.
    M(Vec<bool>, bool),
}

use Ref::{I, L, M, S};

const ALL: Ref = S(None, None, 1);

/// Python's `slice(start, stop, step).indices(n)`, as positions.
fn py_slice(start: Option<isize>, stop: Option<isize>, step: isize, n: usize) -> Vec<usize> {
    let n = n as isize;
    let clamp = |v: isize, lo: isize, hi: isize| v.max(lo).min(hi);
    let norm = |v: isize| if v < 0 { v + n } else { v };
    let (lo, hi) = if step > 0 { (0, n) } else { (-1, n - 1) };
    let a = start.map_or(if step > 0 { 0 } else { n - 1 }, |s| clamp(norm(s), lo, hi));
    let b = stop.map_or(if step > 0 { n } else { -1 }, |s| clamp(norm(s), lo, hi));
    let mut out = Vec::new();
    let mut i = a;
    while (step > 0 && i < b) || (step < 0 && i > b) {
        out.push(i as usize);
        i += step;
    }
    out
}

/// numpy's `x[index] = value` by loops: the positions along each axis, the value
/// broadcast to the selection (leading axes of length 1 dropped), written in order.
fn np_set(x: &mut ArrayD<i64>, index: &[Ref], value: &ArrayD<i64>) {
    let mut index = index.to_vec();
    index.resize(x.ndim(), ALL);
    let mut pos = Vec::new();
    let mut dropped = Vec::new();
    for (d, e) in index.iter().enumerate() {
        let n = x.shape()[d];
        let norm = |i: i64| (if i < 0 { i + n as i64 } else { i }) as usize;
        pos.push(match e {
            S(a, b, s) => py_slice(*a, *b, *s, n),
            I(i) => vec![norm(*i as i64)],
            L(l, _) => l.iter().map(|&i| norm(i)).collect(),
            M(m, _) => (0..n).filter(|&i| m[i]).collect(),
        });
        dropped.push(matches!(e, I(_)));
    }
    let sel: Vec<usize> = pos
        .iter()
        .zip(&dropped)
        .filter(|(_, d)| !**d)
        .map(|(p, _)| p.len())
        .collect();
    let mut v = value.view();
    while v.ndim() > sel.len() {
        assert_eq!(v.shape()[0], 1);
        v.index_axis_inplace(ndarray::Axis(0), 0);
    }
    let v = v.broadcast(IxDyn(&sel)).expect("numpy would broadcast");
    for (i, &val) in v.indexed_iter() {
        let mut k = 0;
        let at: Vec<usize> = (0..x.ndim())
            .map(|d| {
                if dropped[d] {
                    pos[d][0]
                } else {
                    k += 1;
                    pos[d][i[k - 1]]
                }
            })
            .collect();
        x[IxDyn(&at)] = val;
    }
}

fn lazy<T: chunkwise::array::Element>(v: Vec<T>, chunk: usize) -> DArray<T> {
    let n = v.len();
    from_array(
        ArrayD::from_shape_vec(IxDyn(&[n]), v).unwrap(),
        [chunk.max(1)],
    )
    .unwrap()
}

fn set_index(index: &[Ref]) -> Vec<SetIdx> {
    index
        .iter()
        .map(|e| match e {
            S(a, b, s) => SetIdx::Basic(Idx::Slice {
                start: *a,
                stop: *b,
                step: *s,
            }),
            I(i) => SetIdx::from(*i),
            L(l, false) => SetIdx::from(l.clone()),
            L(l, true) => SetIdx::from(&lazy(l.clone(), 2)),
            M(m, false) => SetIdx::from(m.clone()),
            M(m, true) => SetIdx::from(&lazy(m.clone(), 3)),
        })
        .collect()
}

fn arr(shape: &[usize], v: Vec<i64>) -> ArrayD<i64> {
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
}

/// `x[index] = value` on a DArray of `x` with `chunks` (the value in memory, then as
/// a DArray in chunks of 2), against numpy's rules.
fn check(x: &ArrayD<i64>, chunks: Vec<Vec<usize>>, index: &[Ref], value: &ArrayD<i64>) {
    let mut want = x.clone();
    np_set(&mut want, index, value);
    let dx = from_array(x.clone(), chunks).unwrap();
    let got = dx.setitem(&set_index(index), value.clone()).compute();
    assert_eq!(got.unwrap(), want, "{index:?} = {value}");
    let vchunks: Vec<usize> = value.shape().iter().map(|_| 2).collect();
    let lazy_value = from_array(value.clone(), vchunks).unwrap();
    let got = dx.setitem(&set_index(index), &lazy_value).compute();
    assert_eq!(got.unwrap(), want, "{index:?} = lazy {value}");
}

fn scalar(v: i64) -> ArrayD<i64> {
    ArrayD::from_elem(IxDyn(&[]), v)
}

fn range(a: i64, b: i64) -> ArrayD<i64> {
    arr(&[(b - a) as usize], (a..b).collect())
}

/// `test_setitem_extended_API_1d`: slices with steps (negative too) and a scalar, a
/// value of length 1 or the selection's length; chunks (4, 6).
#[test]
fn setitem_extended_api_1d() {
    let x = range(0, 10);
    let c = vec![vec![4, 6]];
    let cases: Vec<(Vec<Ref>, ArrayD<i64>)> = vec![
        (vec![ALL], scalar(-1)),
        (vec![S(Some(2), Some(8), 2)], scalar(-2)),
        (vec![S(Some(8), None, 2)], scalar(-3)),
        (vec![S(Some(8), None, 2)], arr(&[1], vec![-30])),
        (vec![S(Some(1), None, -2)], scalar(-4)),
        (vec![S(Some(1), None, -2)], arr(&[1], vec![-40])),
        (vec![S(Some(3), None, 2)], scalar(-5)),
        (vec![S(Some(-3), None, -2)], scalar(-6)),
        (vec![S(Some(3), None, 2)], arr(&[4], vec![10, 11, 12, 13])),
        (vec![S(Some(-4), None, -2)], arr(&[4], vec![14, 15, 16, 17])),
    ];
    for (index, value) in &cases {
        check(&x, c.clone(), index, value);
    }
    // `...` is the whole array.
    let dx = from_array(x.clone(), c).unwrap();
    let got = dx
        .setitem(&[SetIdx::Basic(Idx::Ellipsis)], -1i64)
        .compute()
        .unwrap();
    assert_eq!(got, ArrayD::from_elem(IxDyn(&[10]), -1));
}

/// `test_setitem_extended_API_2d`: x = arange(60).reshape(6, 10) in chunks (2, 3);
/// lists (repeated positions: the last wins), masks in memory and lazy, values that
/// broadcast. (Its masked-array cases need numpy.ma: not ported.)
#[test]
fn setitem_extended_api_2d() {
    let x = arr(&[6, 10], (0..60).collect());
    let c = vec![vec![2, 2, 2], vec![3, 3, 3, 1]];
    let m10 = vec![
        false, false, true, true, false, false, true, false, false, true,
    ];
    let cases: Vec<(Vec<Ref>, ArrayD<i64>)> = vec![
        (vec![ALL, ALL], scalar(-1)),
        (vec![S(None, None, 2), S(None, None, -1)], scalar(-1)),
        (vec![S(Some(1), None, 2)], scalar(-1)),
        (vec![L(vec![4, 3, 1], false)], scalar(-1)),
        (vec![ALL, I(4)], scalar(-1)),
        (vec![I(5)], scalar(-1)),
        (vec![ALL, I(2)], range(0, 6)),
        (vec![I(3)], range(0, 10)),
        (
            vec![ALL, L(vec![3, 5, 6], false)],
            arr(&[3], vec![-30, -31, -32]),
        ),
        (
            vec![L(vec![-1, 0, 1], false), I(2)],
            arr(&[3], vec![-30, -31, -32]),
        ),
        (
            vec![S(None, Some(2), 1), S(None, Some(3), 1)],
            arr(&[3], vec![-50, -51, -52]),
        ),
        (
            vec![ALL, L(vec![6, 1, 3], false)],
            arr(&[3], vec![-60, -61, -62]),
        ),
        (
            vec![S(Some(1), Some(3), 1), S(Some(1), Some(4), 1)],
            arr(&[1, 3], vec![-70, -71, -72]),
        ),
        (
            vec![ALL, L(vec![9, 8, 8], false)],
            arr(&[3], vec![-80, -81, 91]),
        ),
        (
            vec![M(vec![true, false, false, false, true, false], false), I(2)],
            scalar(-1),
        ),
        (
            vec![
                I(3),
                M(
                    vec![
                        true, true, false, true, true, false, true, false, true, true,
                    ],
                    false,
                ),
            ],
            scalar(-1),
        ),
        (
            vec![
                M(vec![false, false, true, true, false, false], false),
                S(Some(5), Some(7), 1),
            ],
            scalar(-1),
        ),
        (vec![I(4), M(m10.clone(), true)], scalar(-1)),
        (
            vec![S(Some(2), Some(4), 1), M(m10.clone(), true)],
            arr(
                &[2, 4],
                vec![-100, -101, -102, -103, -200, -201, -202, -203],
            ),
        ),
        (vec![S(Some(5), None, 2)], scalar(-99)),
        (vec![S(Some(5), None, 2)], range(1, 11)),
        (vec![S(Some(1), None, -2)], scalar(-98)),
        (vec![S(Some(1), None, -2)], range(11, 21)),
        // The same lists given lazily.
        (vec![L(vec![4, 3, 1], true)], scalar(-1)),
        (
            vec![ALL, L(vec![9, 8, 8], true)],
            arr(&[3], vec![-80, -81, 91]),
        ),
        (
            vec![L(vec![-1, 0, 1], true), I(2)],
            arr(&[3], vec![-30, -31, -32]),
        ),
        (
            vec![M(vec![true, false, false, false, true, false], true), I(2)],
            scalar(-1),
        ),
    ];
    for (index, value) in &cases {
        check(&x, c.clone(), index, value);
    }
    // (Ellipsis, 4) is (:, 4).
    let dx = from_array(x.clone(), c).unwrap();
    let mut want = x.clone();
    np_set(&mut want, &[ALL, I(4)], &scalar(-1));
    let got = dx.setitem(&[SetIdx::Basic(Idx::Ellipsis), SetIdx::from(4)], -1i64);
    assert_eq!(got.compute().unwrap(), want);
}

/// `test_setitem_1d`: masks computed from the array, then a lazy list.
#[test]
fn setitem_1d() {
    let x = range(0, 10);
    let dx = from_array(x.clone(), [5]).unwrap();
    let dx = dx.setitem(&[SetIdx::from(&dx.gt(6))], -1i64);
    let two = from_array(scalar(2), Vec::<usize>::new()).unwrap();
    let dx = dx.setitem(&[SetIdx::from(&dx.rem(&two).eq(0))], -2i64);
    let dx = dx.setitem(&[SetIdx::from(&lazy(vec![2i64, 3], 2))], -3i64);
    let mut want = x.mapv(|v| if v > 6 { -1 } else { v });
    want.mapv_inplace(|v| if v.rem_euclid(2) == 0 { -2 } else { v });
    want[2] = -3;
    want[3] = -3;
    assert_eq!(dx.compute().unwrap(), want);
}

/// `test_setitem_extended_API_2d_rhs_func_of_lhs`: indices and values computed from
/// the array itself; lazy lists of positions (negative too); a value with leading
/// axes of length 1; an array set from itself in other chunks.
#[test]
fn setitem_rhs_func_of_lhs() {
    let x = arr(&[6, 10], (0..60).collect());
    let c = vec![vec![2, 2, 2], vec![3, 3, 3, 1]];
    let dx = || from_array(x.clone(), c.clone()).unwrap();
    let sl = |a: Option<isize>, b: Option<isize>, s: isize| {
        SetIdx::Basic(Idx::Slice {
            start: a,
            stop: b,
            step: s,
        })
    };
    let view = |d: &DArray<i64>, index: &[Idx]| d.index(index);
    let row0: Vec<i64> = x.index_axis(ndarray::Axis(0), 0).iter().copied().collect();

    // dx[2:4, dx[0] > 3] = -5, and dx[2, dx[0] < -2] = -7 (selects nothing).
    let d = dx();
    let m = view(&d, &[Idx::At(0)]).gt(3);
    let got = d.setitem(&[sl(Some(2), Some(4), 1), SetIdx::from(&m)], -5i64);
    let mut want = x.clone();
    let mask: Vec<bool> = row0.iter().map(|&v| v > 3).collect();
    np_set(
        &mut want,
        &[S(Some(2), Some(4), 1), M(mask, false)],
        &scalar(-5),
    );
    assert_eq!(got.compute().unwrap(), want);
    let m = view(&d, &[Idx::At(0)]).lt(-2);
    let got = d.setitem(&[SetIdx::from(2), SetIdx::from(&m)], -7i64);
    assert_eq!(got.compute().unwrap(), x);

    // dx[dx % 2 == 0] = -8
    let two = from_array(scalar(2), Vec::<usize>::new()).unwrap();
    let got = d.setitem(&[SetIdx::from(&d.rem(&two).eq(0))], -8i64);
    assert_eq!(
        got.compute().unwrap(),
        x.mapv(|v| if v % 2 == 0 { -8 } else { v })
    );

    // dx[3:5, 5:1:-2] = -dx[:2, 4:1:-2]
    let rhs = -&view(
        &d,
        &[
            Idx::Slice {
                start: None,
                stop: Some(2),
                step: 1,
            },
            Idx::Slice {
                start: Some(4),
                stop: Some(1),
                step: -2,
            },
        ],
    );
    let got = d.setitem(&[sl(Some(3), Some(5), 1), sl(Some(5), Some(1), -2)], &rhs);
    let mut want = x.clone();
    let mut v = ArrayD::zeros(IxDyn(&[2, 2]));
    for (i, r) in [0, 1].iter().enumerate() {
        for (j, col) in [4, 2].iter().enumerate() {
            v[[i, j]] = -x[[*r, *col]];
        }
    }
    np_set(
        &mut want,
        &[S(Some(3), Some(5), 1), S(Some(5), Some(1), -2)],
        &v,
    );
    assert_eq!(got.compute().unwrap(), want);

    // dx[0, 1:3] = -dx[0, 4:2:-1]
    let rhs = -&view(
        &d,
        &[
            Idx::At(0),
            Idx::Slice {
                start: Some(4),
                stop: Some(2),
                step: -1,
            },
        ],
    );
    let got = d.setitem(&[SetIdx::from(0), sl(Some(1), Some(3), 1)], &rhs);
    let mut want = x.clone();
    np_set(
        &mut want,
        &[I(0), S(Some(1), Some(3), 1)],
        &arr(&[2], vec![-x[[0, 4]], -x[[0, 3]]]),
    );
    assert_eq!(got.compute().unwrap(), want);

    // dx[...] = dx; dx[0] = dx[-1]; dx[0, :] = dx[-2, :]; dx[:, 1] = dx[:, -3]
    assert_eq!(
        d.setitem(&[SetIdx::Basic(Idx::Ellipsis)], &d)
            .compute()
            .unwrap(),
        x
    );
    let cases: Vec<(Vec<Ref>, Vec<Idx>)> = vec![
        (vec![I(0)], vec![Idx::At(-1)]),
        (vec![I(0), ALL], vec![Idx::At(-2), Idx::ALL]),
        (vec![ALL, I(1)], vec![Idx::ALL, Idx::At(-3)]),
    ];
    for (index, from) in cases {
        let rhs = view(&d, &from);
        let mut want = x.clone();
        let v = rhs.compute().unwrap();
        np_set(&mut want, &index, &v);
        assert_eq!(
            d.setitem(&set_index(&index), &rhs).compute().unwrap(),
            want,
            "{index:?}"
        );
    }

    // dx[index, 8] = [99, 88] with a lazy index; dx[:, index] = dx[:, :2]
    let index = lazy(vec![0i64, 2], 2);
    let got = d.setitem(&[SetIdx::from(&index), SetIdx::from(8)], vec![99i64, 88]);
    let mut want = x.clone();
    np_set(
        &mut want,
        &[L(vec![0, 2], false), I(8)],
        &arr(&[2], vec![99, 88]),
    );
    assert_eq!(got.compute().unwrap(), want);
    let rhs = view(
        &d,
        &[
            Idx::ALL,
            Idx::Slice {
                start: None,
                stop: Some(2),
                step: 1,
            },
        ],
    );
    let got = d.setitem(&[SetIdx::ALL, SetIdx::from(&index)], &rhs);
    let mut want = x.clone();
    np_set(
        &mut want,
        &[ALL, L(vec![0, 2], false)],
        &rhs.compute().unwrap(),
    );
    assert_eq!(got.compute().unwrap(), want);

    // index = where(arange(3) < 2)[0]: [0, 1]; then index - 4: [-4, -3].
    let index = arange(0.0, 3.0, 1.0, [1])
        .unwrap()
        .lt(2.0)
        .nonzero()
        .swap_remove(0);
    let got = d.setitem(&[SetIdx::from(&index), SetIdx::from(7)], vec![-23i64, -33]);
    let mut want = x.clone();
    np_set(
        &mut want,
        &[L(vec![0, 1], false), I(7)],
        &arr(&[2], vec![-23, -33]),
    );
    assert_eq!(got.compute().unwrap(), want);
    let got = d.setitem(&[SetIdx::from(&index)], -34i64);
    let mut want = x.clone();
    np_set(&mut want, &[L(vec![0, 1], false)], &scalar(-34));
    assert_eq!(got.compute().unwrap(), want);
    let four = from_array(scalar(4), Vec::<usize>::new()).unwrap();
    let shifted = &index - &four;
    let got = d.setitem(
        &[SetIdx::from(&shifted), SetIdx::from(7)],
        vec![-43i64, -53],
    );
    let mut want = x.clone();
    np_set(
        &mut want,
        &[L(vec![-4, -3], false), I(7)],
        &arr(&[2], vec![-43, -53]),
    );
    assert_eq!(got.compute().unwrap(), want);
    let got = d.setitem(&[SetIdx::from(&lazy(vec![0i64, -1], 1))], 9999i64);
    let mut want = x.clone();
    np_set(&mut want, &[L(vec![0, -1], false)], &scalar(9999));
    assert_eq!(got.compute().unwrap(), want);

    // One chunk set from the array in chunks (2, 3).
    let whole = from_array(x.clone(), [6, 10]).unwrap();
    let zeros = whole.full_like(0);
    assert_eq!(
        zeros
            .setitem(&[SetIdx::Basic(Idx::Ellipsis)], &d)
            .compute()
            .unwrap(),
        x
    );

    // A value with leading axes of length 1: v = x.reshape((1, 1, 6, 10)).
    let v = x
        .clone()
        .into_shape_with_order(IxDyn(&[1, 1, 6, 10]))
        .unwrap();
    let got = dx().setitem(&[SetIdx::Basic(Idx::Ellipsis)], v);
    assert_eq!(got.compute().unwrap(), x);
    let v = arr(&[1, 1, 6, 2], (0..12).map(|i| -i).collect());
    let got = d.setitem(&[SetIdx::ALL, SetIdx::from(&index)], v.clone());
    let mut want = x.clone();
    np_set(&mut want, &[ALL, L(vec![0, 1], false)], &v);
    assert_eq!(got.compute().unwrap(), want);
}

/// Whether `x[index] = value` fails, when built or when computed.
fn fails(x: &DArray<f64>, index: Vec<SetIdx>, value: impl Into<SetValue<f64>>) -> bool {
    x.setitem(&index, value).compute().is_err()
}

/// `test_setitem_errs`: values of the wrong shape, too many entries, masks and lists
/// of two dimensions, several lists, a 0-d mask, an index on a 0-d array, a value
/// with extra leading axes longer than 1. (Its `True` index, unknown chunk sizes and
/// NaN into integers cannot be written: the types forbid them.)
#[test]
fn setitem_errs() {
    let x = chunkwise::array::ones(&[4, 4], [2, 2]).unwrap();
    let m = |v: [bool; 4]| SetIdx::from(v.to_vec());
    let lm = |v: [bool; 4]| SetIdx::from(&lazy(v.to_vec(), 2));
    let gt = x.gt(1.0);
    assert!(fails(&x, vec![SetIdx::from(&gt)], &x));
    assert!(fails(
        &x,
        vec![m([true, true, false, false]), SetIdx::from(0)],
        vec![2.0, 3.0, 4.0]
    ));
    assert!(fails(
        &x,
        vec![m([true, true, true, false]), SetIdx::from(0)],
        vec![2.0, 3.0]
    ));
    assert!(fails(
        &x,
        vec![SetIdx::from(0), m([true, true, true, false])],
        vec![2.0, 3.0]
    ));
    assert!(fails(
        &x,
        vec![SetIdx::from(0), m([true, true, true, false])],
        vec![1.0; 5]
    ));
    assert!(fails(
        &x,
        vec![lm([true, true, true, false]), SetIdx::from(0)],
        vec![1.0; 5]
    ));
    assert!(fails(
        &x,
        vec![SetIdx::from(0), lm([true, false, false, true])],
        vec![1.0; 5]
    ));
    assert!(fails(
        &x,
        vec![SetIdx::ALL, SetIdx::from(0)],
        vec![2.0, 3.0, 4.0]
    ));
    assert!(fails(&x, vec![SetIdx::from(0), SetIdx::ALL], vec![1.0; 5]));
    // The same lazy masks with the right number of values succeed.
    let ok = x.setitem(
        &[lm([true, true, true, false]), SetIdx::from(0)],
        vec![1.0, 2.0, 3.0],
    );
    assert_eq!(
        ok.compute()
            .unwrap()
            .index_axis(ndarray::Axis(1), 0)
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        vec![1.0, 2.0, 3.0, 1.0]
    );

    assert!(fails(&x, vec![SetIdx::ALL, SetIdx::ALL, SetIdx::ALL], 2.0));
    let mask2 = ndarray::arr2(&[[true, true, false, false]]);
    assert!(fails(&x, vec![SetIdx::from(mask2), SetIdx::from(0)], 5.0));
    assert!(fails(
        &x,
        vec![
            SetIdx::from(ndarray::arr2(&[[1i64, 2, 3]])),
            SetIdx::from(0)
        ],
        5.0
    ));
    assert!(fails(
        &x,
        vec![SetIdx::from(vec![1i64, 2]), SetIdx::from(vec![2i64, 3])],
        6.0
    ));
    assert!(fails(
        &x,
        vec![m([true, true, false, false]), SetIdx::from(vec![2i64, 3])],
        5.0
    ));
    assert!(fails(
        &x,
        vec![
            m([true, true, false, false]),
            m([false, true, false, false])
        ],
        7.0
    ));
    let zero_d = from_array(ArrayD::from_elem(IxDyn(&[]), true), Vec::<usize>::new()).unwrap();
    assert!(fails(&x, vec![SetIdx::from(0), SetIdx::from(&zero_d)], 5.0));
    let y = from_array(ArrayD::from_elem(IxDyn(&[]), 1.0), Vec::<usize>::new()).unwrap();
    assert!(fails(&y, vec![SetIdx::ALL], 2.0));
    assert_eq!(
        y.setitem(&[], 2.0).compute().unwrap(),
        ArrayD::from_elem(IxDyn(&[]), 2.0)
    );

    let dx = from_array(
        ArrayD::from_shape_fn(IxDyn(&[3, 4]), |i| (i[0] * 4 + i[1]) as f64),
        [2, 2],
    )
    .unwrap();
    let v = ArrayD::from_shape_fn(IxDyn(&[2, 1, 3, 4]), |i| i[0] as f64);
    assert!(fails(&dx, vec![SetIdx::Basic(Idx::Ellipsis)], v));
    // A list and an integer with a slice between them: numpy would move the axis.
    let z = chunkwise::array::ones(&[3, 4, 5], [2, 2, 2]).unwrap();
    assert!(fails(
        &z,
        vec![SetIdx::from(vec![0i64, 1]), SetIdx::ALL, SetIdx::from(1)],
        0.0
    ));
}

/// `test_setitem_bool_index_errs`, with masks in memory (numpy) and lazy (Dask).
#[test]
fn setitem_bool_index_errs() {
    let x = chunkwise::array::ones(&[3, 4], [2, 2]).unwrap();
    let y = chunkwise::array::ones(&[4], [2]).unwrap();
    for lazy_mask in [false, true] {
        let m = |v: &[bool]| {
            if lazy_mask {
                SetIdx::from(&lazy(v.to_vec(), 2))
            } else {
                SetIdx::from(v.to_vec())
            }
        };
        let (t, f) = (true, false);
        assert!(fails(&y, vec![m(&[t, t, t, f])], vec![2.0, 3.0]));
        assert!(fails(&y, vec![m(&[t, t, t, f])], vec![1.0, 2.0, 3.0, 4.0]));
        assert!(fails(&y, vec![m(&[t, t, t, f])], vec![1.0; 5]));
        assert!(fails(&y, vec![m(&[t, f, f, t])], vec![1.0; 5]));
        assert!(fails(&y, vec![m(&[t, f, t])], 5.0));
        assert!(fails(&y, vec![m(&[f, t, t, t, f])], 5.0));
        assert!(fails(&x, vec![m(&[t, f, f, t])], 1.0));
        let got = y
            .setitem(&[m(&[t, f, t, t])], vec![7.0, 8.0, 9.0])
            .compute()
            .unwrap();
        assert_eq!(
            got.iter().copied().collect::<Vec<_>>(),
            vec![7.0, 1.0, 8.0, 9.0],
            "lazy mask: {lazy_mask}"
        );
    }
    let m2 = ndarray::arr2(&[[true], [false]]);
    assert!(fails(&y, vec![SetIdx::from(m2.clone())], 1.0));
    let lm2 = from_array(m2.into_dyn(), [1, 1]).unwrap();
    assert!(fails(&y, vec![SetIdx::from(&lm2)], 1.0));
}

/// `test_setitem_no_dtype_broadcast`: a value of another type is cast to the
/// array's first (3.3 and a lazy 3.3 become 3 in an i32 array), with lists and masks
/// in memory and lazy.
#[test]
fn setitem_no_dtype_broadcast() {
    let x = from_array(ndarray::arr1(&[1i32, 2]).into_dyn(), [2]).unwrap();
    let lazy_33 = from_array(ArrayD::from_elem(IxDyn(&[]), 3.3f64), Vec::<usize>::new()).unwrap();
    let lazy_3 = from_array(ArrayD::from_elem(IxDyn(&[]), 3i64), Vec::<usize>::new()).unwrap();
    let indices = [
        SetIdx::from(vec![0i64]),
        SetIdx::from(vec![true, false]),
        SetIdx::from(&lazy(vec![0i64], 1)),
        SetIdx::from(&lazy(vec![true, false], 1)),
    ];
    for idx in indices {
        let values: Vec<SetValue<i32>> = vec![
            (3.3f64 as i32).into(),
            (3i64 as i32).into(),
            lazy_33.astype::<i32>().into(),
            lazy_3.astype::<i32>().into(),
        ];
        for v in values {
            let got = x.setitem(std::slice::from_ref(&idx), v).compute().unwrap();
            assert_eq!(
                got.iter().copied().collect::<Vec<_>>(),
                vec![3, 2],
                "{idx:?}"
            );
        }
    }
}

/// `test_setitem_with_different_chunks_preserves_shape` (dask#3730): a mask and a
/// list of positions in chunks other than the array's; the result keeps the array's
/// shape and chunks.
#[test]
fn setitem_different_chunks_preserves_shape() {
    for (n, c1, c2) in [(2usize, 2usize, 1usize), (5, 3, 2)] {
        let x = chunkwise::array::zeros(&[n], [c1]).unwrap();
        let mask = chunkwise::array::zeros(&[n], [c2]).unwrap().gt(0.5);
        let y = x.setitem(&[SetIdx::from(&mask)], 1.0);
        assert_eq!(y.shape(), x.shape());
        assert_eq!(y.chunks(), x.chunks());
        assert_eq!(y.compute().unwrap(), ArrayD::<f64>::zeros(IxDyn(&[n])));
        // Dask reads the float zeros as positions: x[0] = 1.
        let at = chunkwise::array::full(&[n], 0i64, [c2]).unwrap();
        let y = x.setitem(&[SetIdx::from(&at)], 1.0);
        assert_eq!(y.chunks(), x.chunks());
        let mut want = ArrayD::zeros(IxDyn(&[n]));
        want[0] = 1.0;
        assert_eq!(y.compute().unwrap(), want);
    }
}
