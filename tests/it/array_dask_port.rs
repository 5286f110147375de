//! More of Dask's own array tests (dask/dask at the commit docs/dask-array-tests.md
//! names), from test_array_core.py, test_reductions.py, test_creation.py and
//! test_routines.py. Each test names the Dask tests it follows and compares chunkwise
//! against an eager reference: ndarray, a plain loop, or numpy's documented answer
//! written out. Dask draws its data from numpy's generator; any values do, so the data
//! here comes from a fixed linear congruential stream. Python-only parts (dtype
//! objects, graph keys and names, identity checks, configuration) are re-expressed or
//! left out, as each doc comment says.

use chunkwise::array::{
    Axes, AxisChunks, Chunks, DArray, DType, Element, Idx, arange, einsum, empty, from_array,
    from_fn, from_npy, full, indices, linspace, ones, random_normal, random_uniform, zeros,
};
use ndarray::{ArrayD, Axis, Ix2, IxDyn, SliceInfoElem, Zip, s};

/// A fixed stream of numbers in [0, 1).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Values in [0, 1) of `shape` (numpy's `random`).
pub(crate) fn rand_f64(shape: &[usize], seed: u64) -> ArrayD<f64> {
    let mut r = Lcg(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5);
    ArrayD::from_shape_fn(IxDyn(shape), |_| r.next())
}

/// Integers in [0, hi) of `shape` (numpy's `randint(hi, size=shape)`).
fn rand_int(shape: &[usize], hi: i64, seed: u64) -> ArrayD<i64> {
    rand_f64(shape, seed).mapv(|v| (v * hi as f64) as i64)
}

/// The computed values in row-major order.
fn vals<T: Element>(x: &DArray<T>) -> Vec<T> {
    x.compute().unwrap().iter().copied().collect()
}

/// An in-memory array as one chunk (Dask's `asarray`).
fn whole<T: Element>(a: ArrayD<T>) -> DArray<T> {
    let n = a.ndim();
    from_array(a, vec![chunkwise::array::WHOLE; n]).unwrap()
}

/// Equal within `tol` relative to the larger magnitude (absolute below 1), NaN equal
/// to NaN: numpy's `allclose` as Dask's `assert_eq` uses it, tighter.
fn close(a: f64, b: f64, tol: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan()) || (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
}

pub(crate) fn assert_close(got: &ArrayD<f64>, want: &ArrayD<f64>, tol: f64, ctx: &str) {
    assert_eq!(got.shape(), want.shape(), "{ctx}");
    for (g, w) in got.iter().zip(want.iter()) {
        assert!(close(*g, *w, tol), "{ctx}: {g} vs {w}\n{got}\n{want}");
    }
}

/// numpy's broadcast shape of two shapes.
fn broadcast_shape(a: &[usize], b: &[usize]) -> Vec<usize> {
    let n = a.len().max(b.len());
    let at = |s: &[usize], i: usize| {
        if i + s.len() >= n {
            s[i + s.len() - n]
        } else {
            1
        }
    };
    (0..n)
        .map(|i| match (at(a, i), at(b, i)) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            (x, y) => panic!("{a:?} and {b:?} do not broadcast ({x} and {y})"),
        })
        .collect()
}

/// `f` of `a` and `b` broadcast together, with ndarray's broadcasting.
fn zip_ref<A: Copy, B: Copy, C>(a: &ArrayD<A>, b: &ArrayD<B>, f: impl Fn(A, B) -> C) -> ArrayD<C> {
    let s = broadcast_shape(a.shape(), b.shape());
    let (x, y) = (
        a.broadcast(IxDyn(&s)).unwrap(),
        b.broadcast(IxDyn(&s)).unwrap(),
    );
    Zip::from(&x).and(&y).map_collect(|&p, &q| f(p, q))
}

/// numpy's reduction over `axes`: `f` of the values of each lane (in row-major order
/// of the reduced axes), the other axes kept in order.
fn reduce_ref<T: Copy, U>(a: &ArrayD<T>, axes: &[usize], f: impl Fn(&[T]) -> U) -> ArrayD<U> {
    let keep: Vec<usize> = (0..a.ndim()).filter(|d| !axes.contains(d)).collect();
    let out: Vec<usize> = keep.iter().map(|&d| a.shape()[d]).collect();
    let mut groups: Vec<Vec<T>> = (0..out.iter().product::<usize>())
        .map(|_| Vec::new())
        .collect();
    for (ix, &v) in a.indexed_iter() {
        let k = keep.iter().fold(0, |k, &d| k * a.shape()[d] + ix[d]);
        groups[k].push(v);
    }
    ArrayD::from_shape_vec(IxDyn(&out), groups.iter().map(|g| f(g)).collect()).unwrap()
}

fn no_nan(v: &[f64]) -> Vec<f64> {
    v.iter().copied().filter(|x| !x.is_nan()).collect()
}

fn mean_ref(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn var_ref(v: &[f64]) -> f64 {
    let m = mean_ref(v);
    v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64
}

/// numpy's `min`/`max` of a lane: NaN wins.
fn extreme_ref(v: &[f64], max: bool) -> f64 {
    v.iter().copied().fold(
        if max {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        },
        |m, x| {
            if m.is_nan() || x.is_nan() {
                f64::NAN
            } else if max {
                m.max(x)
            } else {
                m.min(x)
            }
        },
    )
}

/// numpy's `nanmin`/`nanmax` of a lane: NaN only where all are NaN.
fn nan_extreme_ref(v: &[f64], max: bool) -> f64 {
    let v = no_nan(v);
    if v.is_empty() {
        f64::NAN
    } else {
        extreme_ref(&v, max)
    }
}

/// numpy's `argmin`/`argmax` (the first NaN wins) and, with `skip_nan`, `nanargmin`/
/// `nanargmax` (NaN left out; none for a lane of NaNs).
fn arg_ref(v: &[f64], max: bool, skip_nan: bool) -> Option<i64> {
    if !skip_nan && let Some(i) = v.iter().position(|x| x.is_nan()) {
        return Some(i as i64);
    }
    let mut best: Option<(usize, f64)> = None;
    for (i, &x) in v.iter().enumerate() {
        if x.is_nan() {
            continue;
        }
        match best {
            Some((_, b)) if (max && x <= b) || (!max && x >= b) => {}
            _ => best = Some((i, x)),
        }
    }
    best.map(|(i, _)| i as i64)
}

// ---------------------------------------------------------------- test_array_core.py

/// Chunk grids from each kind of spec: `test_uneven_chunks`, `test_full`,
/// `test_chunks_error`, `test_from_array_raises_on_bad_chunks`,
/// `test_from_array_with_missing_chunks` (`None` as `AxisChunks::Keep`),
/// `test_npartitions`, `test_constructors_chunks_dict` (`Chunks::Axes`),
/// `test_rechunk_auto`, `test_asarray_chunks` (the config's "100 B" passed as
/// `Chunks::Bytes`), `test_normalize_chunks_auto_1d` (a byte limit for `u8` elements)
/// and test_creation.py's `test_auto_chunks` (the config's "50 MiB" passed).
#[test]
fn chunk_grids_as_dasks() {
    let a = zeros(&[10, 10], [3, 3]).unwrap();
    assert_eq!(a.chunks(), &[vec![3, 3, 3, 1], vec![3, 3, 3, 1]]);

    let d = full(&[3, 4], 2i64, vec![vec![2, 1], vec![2, 2]]).unwrap();
    assert_eq!(d.chunks(), &[vec![2, 1], vec![2, 2]]);
    assert_eq!(
        d.compute().unwrap(),
        ArrayD::from_elem(IxDyn(&[3, 4]), 2i64)
    );

    // Chunks of the wrong number of dimensions, or not summing to the shape.
    assert!(from_array(ArrayD::<f64>::ones(IxDyn(&[10, 10])), [5]).is_err());
    let v = ArrayD::<f64>::ones(IxDyn(&[10]));
    assert!(from_array(v.clone(), [5, 5, 5]).is_err());
    assert!(from_array(v, vec![vec![5, 5, 5]]).is_err());

    // (None, 2, None): the axes given as None are whole.
    let x = rand_f64(&[2, 4, 3], 1);
    let spec = Chunks::PerAxis(vec![
        AxisChunks::Keep,
        AxisChunks::Size(2),
        AxisChunks::Keep,
    ]);
    let d = from_array(x.clone(), spec).unwrap();
    assert_eq!(
        d.chunks(),
        from_array(x.clone(), [2, 2, 3]).unwrap().chunks()
    );
    assert_eq!(d.compute().unwrap(), x);

    assert_eq!(ones(&[5], [2]).unwrap().n_chunks(), 3);
    assert_eq!(ones(&[5, 5], [2, 3]).unwrap().n_chunks(), 6);

    // {0: 10, 1: 5} and {0: 10, 1: "auto"}.
    let by_axis = |c1: AxisChunks| Chunks::Axes(vec![(0, AxisChunks::Size(10)), (1, c1)]);
    let x = ones(&[20, 20], by_axis(AxisChunks::Size(5))).unwrap();
    assert_eq!(x.chunks(), &[vec![10, 10], vec![5, 5, 5, 5]]);
    let x = ones(&[20, 20], by_axis(AxisChunks::Auto)).unwrap();
    assert_eq!(x.chunks(), &[vec![10, 10], vec![20]]);

    let y = ones(&[10], [1]).unwrap().rechunk(Chunks::Auto);
    assert_eq!(y.n_chunks(), 1);
    assert_eq!(y.sum(None).compute_scalar().unwrap(), 10.0);

    let d = from_array(ArrayD::<f64>::ones(IxDyn(&[1000])), Chunks::Bytes(100)).unwrap();
    assert!(d.n_chunks() > 1, "{:?}", d.chunks());
    assert_eq!(d.sum(None).compute_scalar().unwrap(), 1000.0);

    for (n, limit, want) in [
        (100, 10, vec![10; 10]),
        (20, 10, vec![10, 10]),
        (20, 5, vec![5; 4]),
        (24, 5, vec![5, 5, 5, 5, 4]),
        (23, 5, vec![5, 5, 5, 5, 3]),
        (1000, 167, vec![167, 167, 167, 167, 167, 165]),
    ] {
        let x = full(&[n], 0u8, Chunks::Bytes(limit)).unwrap();
        assert_eq!(x.chunks()[0], want, "{n} elements, {limit} bytes");
    }

    let x = ones(&[10000, 10000], "50 MiB".parse::<Chunks>().unwrap()).unwrap();
    assert!(4 < x.n_chunks() && x.n_chunks() < 32, "{}", x.n_chunks());
}

/// An array's attributes: `test_dtype` (numpy's result types of a product and a sum),
/// `test_size` (`len()` is numpy's `size`), `test_nbytes` (`len() * dtype().size()`),
/// `test_itemsize`, and `test_empty_chunks_in_array_len` (a 0-d array has no first
/// axis, the `len()` Python refuses).
#[test]
fn attributes_as_numpys() {
    let d = ones(&[4, 4], [2, 2]).unwrap();
    assert_eq!(d.dtype(), DType::F64);
    assert_eq!((&d * 1.0).dtype(), DType::F64);
    let s = d.sum(None);
    assert_eq!(s.dtype(), DType::F64);
    assert!(s.shape().is_empty());
    assert_eq!(s.compute_scalar().unwrap(), 16.0);
    // numpy: int32 sums are int64, their means float64; float32 means float32.
    let i = d.astype::<i32>();
    assert_eq!(i.sum(None).dtype(), DType::I64);
    assert_eq!(i.mean(None).dtype(), DType::F64);
    assert_eq!(i.astype::<f32>().mean(None).dtype(), DType::F32);

    let x = ones(&[10, 2], [3, 1]).unwrap();
    assert_eq!(x.len(), x.compute().unwrap().len());
    assert_eq!(x.len(), 20);
    assert_eq!(x.len() * x.dtype().size(), 160);
    assert_eq!(x.dtype().size(), 8);
    assert_eq!(x.astype::<u8>().dtype().size(), 1);

    let s = ones(&[], Vec::<usize>::new()).unwrap();
    assert_eq!(s.shape().first(), None);
    assert_eq!(s.len(), 1);
    assert_eq!(s.compute_scalar().unwrap(), 1.0);
}

/// `test_stack_zero_size`, `test_short_stack`, `test_stack_scalars`,
/// `test_stack_promote_type` (int32 and float32 stack as float64: `astype` first, as
/// `stack` takes one element type), `test_stack_rechunk`, `test_concatenate_types`
/// (float32 with float64; the byte-order case is N/A), `test_concatenate_flatten`
/// (axis None as each raveled), `test_concatenate_rechunk`,
/// `test_concatenate_zero_size` (the identity assert N/A), `test_concatenate_errs` and
/// `test_stack_errs` (the message names the array, counted from 0).
#[test]
fn stacks_and_concatenations_as_numpys() {
    let z = from_array(ArrayD::<f64>::zeros(IxDyn(&[2, 0, 3])), [1, 1, 1]).unwrap();
    let c = DArray::concatenate(&[z.clone(), z], 0);
    assert_eq!(c.shape(), &[4, 0, 3]);
    assert_eq!(c.compute().unwrap().shape(), &[4, 0, 3]);

    let d = from_array(ndarray::arr1(&[1i64]).into_dyn(), [1]).unwrap();
    let s = DArray::stack(&[d], 0);
    assert_eq!(s.shape(), &[1, 1]);
    assert_eq!(s.chunks(), &[vec![1], vec![1]]);
    assert_eq!(s.compute().unwrap(), ndarray::arr2(&[[1i64]]).into_dyn());

    let d = arange(0.0, 4.0, 1.0, [2]).unwrap();
    assert_eq!(
        vals(&DArray::stack(&[d.mean(None), d.sum(None)], 0)),
        vec![1.5, 6.0]
    );

    let i = from_array(ArrayD::from_shape_fn(IxDyn(&[10]), |ix| ix[0] as i32), [5]).unwrap();
    let f = from_array(
        ArrayD::from_shape_fn(IxDyn(&[10]), |ix| ix[0] as f32 + 0.5),
        [5],
    )
    .unwrap();
    let s = DArray::stack(&[i.astype::<f64>(), f.astype::<f64>()], 0);
    assert_eq!(s.dtype(), DType::F64);
    let want = ArrayD::from_shape_fn(IxDyn(&[2, 10]), |ix| ix[1] as f64 + 0.5 * ix[0] as f64);
    assert_eq!(s.compute().unwrap(), want);

    let x = random_uniform(0.0, 1.0, &[10], [5], 1).unwrap();
    let y = random_uniform(0.0, 1.0, &[10], [4], 2).unwrap();
    let z = DArray::stack(&[x.clone(), y.clone()], 0);
    assert_eq!(z.shape(), &[2, 10]);
    assert_eq!(z.chunks(), &[vec![1, 1], vec![4, 1, 3, 2]]);
    let (xa, ya) = (x.compute().unwrap(), y.compute().unwrap());
    assert_eq!(
        z.compute().unwrap(),
        ndarray::stack(Axis(0), &[xa.view(), ya.view()]).unwrap()
    );

    let a = from_array(ArrayD::<f32>::from_elem(IxDyn(&[4]), 0.25), [2]).unwrap();
    let b = from_array(ArrayD::<f64>::ones(IxDyn(&[4])), [2]).unwrap();
    let c = DArray::concatenate(&[a.astype::<f64>(), b], 0);
    assert_eq!(c.dtype(), DType::F64);
    assert_eq!(vals(&c), vec![0.25, 0.25, 0.25, 0.25, 1.0, 1.0, 1.0, 1.0]);

    let a = from_array(ndarray::arr1(&[1i64, 2]).into_dyn(), [2]).unwrap();
    let b = from_array(ndarray::arr2(&[[3i64, 4], [5, 6]]).into_dyn(), [2, 1]).unwrap();
    let c = DArray::concatenate(&[a.ravel(), b.ravel()], 0);
    assert_eq!(vals(&c), vec![1, 2, 3, 4, 5, 6]);

    let x = random_uniform(0.0, 1.0, &[6, 6], [3, 3], 3).unwrap();
    let y = random_uniform(0.0, 1.0, &[6, 6], [2, 2], 4).unwrap();
    let (xa, ya) = (x.compute().unwrap(), y.compute().unwrap());
    let z = DArray::concatenate(&[x.clone(), y.clone()], 0);
    assert_eq!(z.shape(), &[12, 6]);
    assert_eq!(z.chunks(), &[vec![3, 3, 2, 2, 2], vec![2, 1, 1, 2]]);
    assert_eq!(
        z.compute().unwrap(),
        ndarray::concatenate(Axis(0), &[xa.view(), ya.view()]).unwrap()
    );
    let z = DArray::concatenate(&[x, y], 1);
    assert_eq!(z.shape(), &[6, 12]);
    assert_eq!(z.chunks(), &[vec![2, 1, 1, 2], vec![3, 3, 2, 2, 2]]);
    assert_eq!(
        z.compute().unwrap(),
        ndarray::concatenate(Axis(1), &[xa.view(), ya.view()]).unwrap()
    );

    let xv = rand_f64(&[10], 5);
    let y = from_array(xv.clone(), [3]).unwrap();
    let c = DArray::concatenate(&[y.clone(), y.index([Idx::range(0, 0, 1)])], 0);
    assert_eq!(c.compute().unwrap(), xv);
    // numpy: float64 zeros(0) joined with int64 zeros(1) is float64 [0.0].
    let c = DArray::concatenate(
        &[
            zeros(&[0], [1]).unwrap(),
            full(&[1], 0i64, [1]).unwrap().astype::<f64>(),
        ],
        0,
    );
    assert_eq!(vals(&c), vec![0.0]);
    let c = DArray::concatenate(&[zeros(&[0], [1]).unwrap(), zeros(&[0], [1]).unwrap()], 0);
    assert_eq!(c.shape(), &[0]);
    assert!(vals(&c).is_empty());

    let e = DArray::concatenate(
        &[
            zeros(&[2, 1], [2, 1]).unwrap(),
            zeros(&[2, 3], [2, 3]).unwrap(),
        ],
        0,
    )
    .compute()
    .unwrap_err();
    assert!(e.to_string().contains("[2, 1]"), "{e}");
    let e = DArray::concatenate(
        &[
            zeros(&[1, 2], [1, 2]).unwrap(),
            zeros(&[3, 2], [3, 2]).unwrap(),
        ],
        1,
    );
    assert!(e.compute().is_err());

    let mut arrays = vec![zeros(&[2], [2]).unwrap(); 10];
    arrays.extend(vec![zeros(&[3], [3]).unwrap(); 10]);
    let e = DArray::stack(&arrays, 0).compute().unwrap_err();
    assert!(e.to_string().contains("array 10"), "{e}");
}

/// numpy's `block` as Dask's `test_block_simple_row_wise`,
/// `test_block_simple_column_wise`, `test_block_with_1d_arrays_row_wise`,
/// `test_block_with_1d_arrays_multiple_rows`, `test_block_with_1d_arrays_column_wise`,
/// `test_block_complicated` and `test_block_nested`: `DArray::block` takes two levels,
/// so a one-level list is one row (1-d arrays give a row of a 2-d array, squeezed to
/// numpy's 1-d answer) and the nested block is built first; identity asserts N/A.
#[test]
fn blocks_as_numpys_block() {
    let a1 = ArrayD::<f64>::ones(IxDyn(&[2, 2]));
    let a2 = a1.mapv(|v| 2.0 * v);
    let (d1, d2) = (whole(a1.clone()), whole(a2.clone()));
    let row = ndarray::concatenate(Axis(1), &[a1.view(), a2.view()]).unwrap();
    let got = DArray::block(&[vec![d1.clone(), d2.clone()]]);
    assert_eq!(got.compute().unwrap(), row);
    let none = d2.index([Idx::ALL, Idx::range(0, 0, 1)]);
    let got = DArray::block(&[vec![d1.clone(), none]]);
    assert_eq!(got.compute().unwrap(), a1);
    let column = ndarray::concatenate(Axis(0), &[a1.view(), a2.view()]).unwrap();
    let got = DArray::block(&[vec![d1], vec![d2]]);
    assert_eq!(got.compute().unwrap(), column);

    let b1 = whole(ndarray::arr1(&[1i64, 2, 3]).into_dyn());
    let b2 = whole(ndarray::arr1(&[2i64, 3, 4]).into_dyn());
    let got = DArray::block(&[vec![b1.clone(), b2.clone()]]);
    assert_eq!(got.shape(), &[1, 6]);
    assert_eq!(vals(&got.squeeze(vec![0])), vec![1, 2, 3, 2, 3, 4]);
    let got = DArray::block(&[vec![b1.clone(), b2.index([Idx::range(0, 0, 1)])]]);
    assert_eq!(vals(&got.squeeze(vec![0])), vec![1, 2, 3]);
    let got = DArray::block(&[vec![b1.clone(), b2.clone()], vec![b1.clone(), b2.clone()]]);
    let want = ndarray::arr2(&[[1i64, 2, 3, 2, 3, 4], [1, 2, 3, 2, 3, 4]]).into_dyn();
    assert_eq!(got.compute().unwrap(), want);
    let got = DArray::block(&[vec![b1], vec![b2]]);
    let want = ndarray::arr2(&[[1i64, 2, 3], [2, 3, 4]]).into_dyn();
    assert_eq!(got.compute().unwrap(), want);

    // np.block([[a1, a2], [a3], [a4], [a5, a6], [a7]]), a5 0-d.
    let c1 = whole(ndarray::arr2(&[[1i64, 1, 1]]).into_dyn());
    let c2 = whole(ndarray::arr2(&[[2i64, 2, 2]]).into_dyn());
    let c3 = whole(ndarray::arr2(&[[3i64; 6]]).into_dyn());
    let c4 = whole(ndarray::arr1(&[4i64; 6]).into_dyn());
    let c5 = whole(ArrayD::from_elem(IxDyn(&[]), 5i64));
    let c6 = whole(ndarray::arr1(&[6i64; 5]).into_dyn());
    let c7 = whole(ArrayD::<i64>::zeros(IxDyn(&[2, 6])));
    let got = DArray::block(&[
        vec![c1, c2],
        vec![c3],
        vec![c4],
        vec![c5.clone(), c6.clone()],
        vec![c7.clone()],
    ]);
    let want = ndarray::arr2(&[
        [1i64, 1, 1, 2, 2, 2],
        [3, 3, 3, 3, 3, 3],
        [4, 4, 4, 4, 4, 4],
        [5, 6, 6, 6, 6, 6],
        [0; 6],
        [0; 6],
    ])
    .into_dyn();
    assert_eq!(got.compute().unwrap(), want);

    // np.block([[np.block([[a1], [a3], [a4]]), a2], [a5, a6], [a7]]).
    let n1 = whole(ndarray::arr1(&[1i64, 1, 1]).into_dyn());
    let n2 = whole(ArrayD::from_elem(IxDyn(&[3, 3]), 2i64));
    let n3 = whole(ndarray::arr1(&[3i64, 3, 3]).into_dyn());
    let n4 = whole(ndarray::arr1(&[4i64, 4, 4]).into_dyn());
    let inner = DArray::block(&[vec![n1], vec![n3], vec![n4]]);
    let got = DArray::block(&[vec![inner, n2], vec![c5, c6], vec![c7]]);
    let want = ndarray::arr2(&[
        [1i64, 1, 1, 2, 2, 2],
        [3, 3, 3, 2, 2, 2],
        [4, 4, 4, 2, 2, 2],
        [5, 6, 6, 6, 6, 6],
        [0; 6],
        [0; 6],
    ])
    .into_dyn();
    assert_eq!(got.compute().unwrap(), want);
}

/// Elementwise arithmetic: `test_elemwise_on_scalars` (a 0-d int64 sum times an int32
/// array is int64, numpy 2), `test_elemwise_with_ndarrays` (numpy operands through
/// `from_array`), `test_elemwise_differently_chunked`, `test_operators` (`3 / a` as the
/// scalar on the left, `** 2` as `pow`, unary plus left out: it is no operation),
/// `test_operator_dtype_promotion` (NEP 50: a Python scalar is weak, so float32 + 1e50
/// stays float32 and overflows), `test_uneven_chunks_that_fit_neatly`,
/// `test_elemwise_uneven_chunks`, `test_broadcast_operator`,
/// `test_broadcast_against_zero_shape`, `test_blockwise_with_numpy_arrays` (the graph
/// check N/A) and `test_elemwise_with_lists` (a list operand through `from_array`).
#[test]
fn elementwise_operators_broadcast_and_realign() {
    let nx = ArrayD::from_shape_fn(IxDyn(&[10]), |i| i[0] as i64);
    let ny = ArrayD::from_shape_fn(IxDyn(&[10]), |i| i[0] as i32);
    let dz =
        &from_array(nx.clone(), [5]).unwrap().sum(None) * &from_array(ny.clone(), [5]).unwrap();
    assert_eq!(dz.dtype(), DType::I64);
    assert_eq!(dz.compute().unwrap(), ny.mapv(|v| 45 * i64::from(v)));

    let x = ArrayD::from_shape_fn(IxDyn(&[3]), |i| i[0] as i64);
    let y = ArrayD::from_shape_fn(IxDyn(&[4, 3]), |i| (i[0] * 3 + i[1]) as i64);
    let a = from_array(x.clone(), [3]).unwrap();
    let xa = from_array(x.clone(), [2]).unwrap();
    assert_eq!(vals(&(&xa + &a)), vec![0, 2, 4]);
    assert_eq!(vals(&(&a + &xa)), vec![0, 2, 4]);
    let sum_ref = zip_ref(&x, &y, |p, q| p + q);
    for b_chunks in [[2, 3], [2, 2], [4, 3], [1, 1]] {
        let b = from_array(y.clone(), b_chunks).unwrap();
        assert_eq!((&a + &b).compute().unwrap(), sum_ref, "{b_chunks:?}");
        assert_eq!((&b + &a).compute().unwrap(), sum_ref, "{b_chunks:?}");
    }
    let yt = from_array(y.t().to_owned(), [2, 2]).unwrap();
    assert!((&a + &yt).compute().is_err());
    let two = from_array(ndarray::arr1(&[0i64, 1]).into_dyn(), [2]).unwrap();
    assert!((&a + &two).compute().is_err());

    let x = ArrayD::from_shape_fn(IxDyn(&[10]), |i| i[0] as i64);
    let a = from_array(x.clone(), [5]).unwrap();
    let col = x.clone().into_shape_with_order(IxDyn(&[10, 1])).unwrap();
    let b = from_array(col, [5, 1]).unwrap();
    assert_eq!(vals(&(&a + 1)), (1..11).collect::<Vec<i64>>());
    let outer = ArrayD::from_shape_fn(IxDyn(&[10, 10]), |i| (i[0] + i[1]) as i64);
    assert_eq!((&a + &b).compute().unwrap(), outer);
    // (3 / a * b) ** 2 > 5: 3 / 0 is inf, inf * 0 NaN, as numpy's.
    let expr = (&(3i64 / &a) * &b).pow(2.0).gt(5.0);
    let want = ArrayD::from_shape_fn(IxDyn(&[10, 10]), |i| {
        (3.0 / i[1] as f64 * i[0] as f64).powi(2) > 5.0
    });
    assert_eq!(expr.compute().unwrap(), want);
    let af = a.astype::<f64>();
    assert_close(
        &af.exp().compute().unwrap(),
        &x.mapv(|v| (v as f64).exp()),
        1e-15,
        "exp",
    );
    assert_eq!((-&a).compute().unwrap(), x.mapv(|v| -v));
    assert_eq!((-&af).abs().compute().unwrap(), x.mapv(|v| v as f64));

    let x32 = ArrayD::from_shape_fn(IxDyn(&[10]), |i| i[0] as f32);
    let a = from_array(x32.clone(), [5]).unwrap();
    let p = &a + 1.0f32;
    assert_eq!(p.dtype(), DType::F32);
    assert_eq!(p.compute().unwrap(), x32.mapv(|v| v + 1.0));
    let weak = 1e50f64 as f32; // numpy 2 casts the weak scalar to float32: inf
    let big = &a + weak;
    assert_eq!(big.dtype(), DType::F32);
    assert!(vals(&big).iter().all(|&v| v == f32::INFINITY));
    let one = from_array(ndarray::arr1(&[1i64]).into_dyn(), [1]).unwrap();
    let q = &a + &one;
    assert_eq!(q.dtype(), DType::F64);
    assert_eq!(q.compute().unwrap(), x32.mapv(|v| f64::from(v) + 1.0));

    let x = arange(0.0, 10.0, 1.0, vec![vec![5, 5]]).unwrap();
    let y = ones(&[10], vec![vec![5, 2, 3]]).unwrap();
    let z = &x + &y;
    assert_eq!(z.chunks(), &[vec![5, 2, 3]]);
    assert_eq!(vals(&z), (1..=10).map(f64::from).collect::<Vec<_>>());
    let x = arange(0.0, 10.0, 1.0, vec![vec![4, 6]]).unwrap();
    let y = ones(&[10], vec![vec![6, 4]]).unwrap();
    let z = &x + &y;
    assert_eq!(z.chunks(), &[vec![4, 2, 4]]);
    assert_eq!(vals(&z), (1..=10).map(f64::from).collect::<Vec<_>>());
    let (xr, yr) = (rand_f64(&[10, 10], 7), rand_f64(&[4, 10, 10], 8));
    let x = from_array(xr.clone(), vec![vec![4, 6], vec![5, 2, 3]]).unwrap();
    let y = from_array(yr.clone(), vec![vec![2, 2], vec![6, 4], vec![2, 3, 5]]).unwrap();
    let z = &x + &y;
    assert_eq!(z.chunks(), &[vec![2, 2], vec![4, 2, 4], vec![2, 3, 2, 3]]);
    assert_eq!(z.compute().unwrap(), zip_ref(&xr, &yr, |p, q| p + q));

    for (us, vs) in [
        (vec![], vec![2, 3]),
        (vec![1], vec![2, 3]),
        (vec![1, 1], vec![2, 3]),
        (vec![0, 3], vec![1, 3]),
        (vec![2, 0], vec![2, 1]),
        (vec![1, 0], vec![2, 1]),
        (vec![0, 1], vec![1, 3]),
    ] {
        let (u, v) = (rand_f64(&us, 9), rand_f64(&vs, 10));
        let du = from_array(u.clone(), vec![1; us.len()]).unwrap();
        let dv = from_array(v.clone(), vec![1; vs.len()]).unwrap();
        let w = &du * &dv;
        let want = zip_ref(&u, &v, |p, q| p * q);
        assert_eq!(w.shape(), want.shape(), "{us:?} {vs:?}");
        assert_eq!(w.compute().unwrap(), want, "{us:?} {vs:?}");
    }

    let e = arange(0.0, 1.0, 1.0, [1])
        .unwrap()
        .index([Idx::range(0, 0, 1)]);
    assert_eq!((&e + 0.1).compute().unwrap().shape(), &[0]);
    assert_eq!((&e.astype::<i64>() + 0).compute().unwrap().shape(), &[0]);
    let o = ones(&[5, 5], [2, 3]).unwrap();
    for (part, shape) in [
        (o.index([Idx::range(0, 0, 1)]), [0, 5]),
        (o.index([Idx::ALL, Idx::range(0, 0, 1)]), [5, 0]),
    ] {
        assert_eq!((&part + 0.1).compute().unwrap().shape(), &shape);
        assert_eq!(
            (&part.astype::<i64>() + 0).compute().unwrap().shape(),
            &shape
        );
    }

    let xo = ArrayD::from_shape_fn(IxDyn(&[10]), |i| i[0] as f64 + 1.0);
    let x = from_array(xo.clone(), [10]).unwrap();
    let y = from_array(xo.clone(), [5]).unwrap();
    assert_eq!((&x + &y).compute().unwrap(), xo.mapv(|v| v + v));
    assert_eq!(x.sum(None).compute_scalar().unwrap(), 55.0);

    let xr = ArrayD::from_shape_fn(IxDyn(&[4, 3]), |i| (i[0] * 3 + i[1]) as f64);
    for chunks in [100, 6] {
        let d = arange(0.0, 12.0, 1.0, [chunks]).unwrap().reshape(&[4, 3]);
        let cols: Vec<DArray> = (0..3isize)
            .map(|k| d.index([Idx::ALL, Idx::At(k)]))
            .collect();
        let d2 = DArray::vstack(&cols).t();
        assert_eq!(d2.compute().unwrap(), xr);
        for other in [[0.0, 0.0, 1.0], [2.0, 1.0, 3.0]] {
            let o = from_array(ndarray::arr1(&other).into_dyn(), [3]).unwrap();
            let want = ArrayD::from_shape_fn(IxDyn(&[4, 3]), |i| xr[[i[0], i[1]]] * other[i[1]]);
            assert_eq!((&d2 * &o).compute().unwrap(), want, "{chunks} {other:?}");
        }
    }
}

/// `test_broadcast_to` (chunks given, as `broadcast_to` takes them; identity N/A),
/// `test_broadcast_to_array` (numpy input as one chunk), `test_broadcast_to_scalar` (a
/// 0-d array), `test_broadcast_arrays_uneven_chunks` (whose only assert compares a
/// result with itself: here the shapes, common chunks and values) and `test_T`.
#[test]
fn broadcasts_and_transposes_as_numpys() {
    let x = rand_int(&[5, 1, 6], 10, 11);
    let a = from_array(x.clone(), [3, 1, 3]).unwrap();
    let one = from_array(x.clone(), [5, 1, 6]).unwrap();
    for shape in [
        vec![5, 1, 6],
        vec![5, 0, 6],
        vec![5, 4, 6],
        vec![2, 5, 1, 6],
        vec![3, 4, 5, 4, 6],
    ] {
        let want = x.broadcast(IxDyn(&shape)).unwrap().to_owned();
        for chunks in [Chunks::Shape(vec![3; shape.len()]), Chunks::Auto] {
            let b = a.broadcast_to(&shape, chunks.clone());
            assert_eq!(b.shape(), shape.as_slice());
            assert_eq!(b.compute().unwrap(), want, "{shape:?} {chunks:?}");
        }
        let b = one.broadcast_to(&shape, Chunks::Auto);
        assert_eq!(b.compute().unwrap(), want, "{shape:?}");
    }
    assert!(a.broadcast_to(&[2, 1, 6], [2, 1, 6]).compute().is_err());
    assert!(a.broadcast_to(&[3], [3]).compute().is_err());

    let five = from_array(ArrayD::from_elem(IxDyn(&[]), 5i64), Vec::<usize>::new()).unwrap();
    for shape in [
        vec![],
        vec![0],
        vec![2, 3],
        vec![5, 4, 6],
        vec![2, 5, 1, 6],
        vec![3, 4, 5, 4, 6],
    ] {
        let b = five.broadcast_to(&shape, vec![2; shape.len()]);
        assert_eq!(b.compute().unwrap(), ArrayD::from_elem(IxDyn(&shape), 5i64));
    }

    let x = arange(0.0, 30.0, 1.0, [3]).unwrap();
    let y = arange(0.0, 60.0, 2.0, [5]).unwrap();
    let z = DArray::broadcast_arrays(&[x, y]);
    assert_eq!(z.len(), 2);
    assert_eq!(z[0].chunks(), z[1].chunks());
    assert_eq!(vals(&z[0]), (0..30).map(f64::from).collect::<Vec<_>>());
    assert_eq!(
        vals(&z[1]),
        (0..30).map(|v| f64::from(v) * 2.0).collect::<Vec<_>>()
    );
    let x = arange(0.0, 30.0, 1.0, [3]).unwrap().reshape(&[1, 30]);
    let y = arange(0.0, 60.0, 2.0, [5]).unwrap();
    let z = DArray::broadcast_arrays(&[x, y]);
    assert_eq!(z[0].shape(), &[1, 30]);
    assert_eq!(z[1].shape(), &[1, 30]);
    assert_eq!(z[0].chunks(), z[1].chunks());
    assert_eq!(
        vals(&z[1]),
        (0..30).map(|v| f64::from(v) * 2.0).collect::<Vec<_>>()
    );

    let x = ArrayD::from_shape_fn(IxDyn(&[20, 20]), |i| (i[0] * 20 + i[1]) as i64);
    let a = from_array(x.clone(), [5, 5]).unwrap();
    assert_eq!(a.t().compute().unwrap(), x.t().to_owned());
    let x = ArrayD::from_shape_fn(IxDyn(&[20, 7]), |i| (i[0] * 7 + i[1]) as i64);
    let a = from_array(x.clone(), [5, 3]).unwrap();
    assert_eq!(a.t().compute().unwrap(), x.t().to_owned());
}

/// `test_reshape_exceptions` and `test_reshape_unknown_dimensions` (numpy's -1 is
/// `usize::MAX`).
#[test]
fn reshapes_with_unknown_dimensions() {
    let a = from_array(rand_int(&[5], 10, 12), [2]).unwrap();
    assert!(a.reshape(&[100]).compute().is_err());
    const U: usize = usize::MAX;
    for orig in [vec![24], vec![2, 12], vec![2, 3, 4]] {
        let x = rand_int(&orig, 10, 13);
        let a = from_array(x.clone(), vec![24; orig.len()]).unwrap();
        for (new, known) in [
            (vec![U], vec![24]),
            (vec![2, U], vec![2, 12]),
            (vec![U, 3, 4], vec![2, 3, 4]),
        ] {
            let got = a.reshape(&new);
            assert_eq!(got.shape(), known.as_slice());
            let want = x.clone().into_shape_with_order(IxDyn(&known)).unwrap();
            assert_eq!(got.compute().unwrap(), want, "{orig:?} -> {known:?}");
        }
        assert!(a.reshape(&[U, U]).compute().is_err());
    }
}

/// `arange(r.start..r.end)` of a chunk's range along its one axis, as `T`.
fn ramp<T: Element>(r: &[std::ops::Range<usize>]) -> ArrayD<T> {
    ArrayD::from_shape_fn(IxDyn(&[r[0].len()]), |i| {
        T::from_f64((r[0].start + i[0]) as f64)
    })
}

/// `test_map_blocks_with_constants` (constants captured by the closure),
/// `test_map_blocks_with_chunks` (two arrays through `map_blocks_with`),
/// `test_map_blocks_no_array_args` and `test_map_blocks_unique_name_chunks_dtype`
/// (no array: `from_fn`, whose ranges are block_info's array-location; names N/A),
/// `test_from_func` (kwargs captured) and `test_zero_sized_array_rechunk` (an identity
/// blockwise as `map_blocks`).
#[test]
fn map_blocks_and_from_fn_as_dasks() {
    let d = arange(0.0, 10.0, 1.0, [3]).unwrap().astype::<i64>();
    let add = 100;
    let e = d.map_blocks(move |c| c.mapv(|v| v + add));
    assert_eq!(vals(&e), (100..110).collect::<Vec<i64>>());
    assert_eq!(
        vals(&d.map_blocks(|c| c.mapv(|v| v - 10))),
        (-10..0).collect::<Vec<i64>>()
    );
    assert_eq!(
        vals(&d.map_blocks(|c| c.mapv(|v| 10 - v))),
        (1..=10).rev().collect::<Vec<i64>>()
    );

    let dx = ones(&[5, 3], [2, 2]).unwrap();
    let dy = ones(&[5, 3], [2, 2]).unwrap();
    let dz = dx.map_blocks_with(&[&dy], |b, _| &b[0] + &b[1]);
    assert_eq!(dz.chunks(), dx.chunks());
    assert_eq!(
        dz.compute().unwrap(),
        ArrayD::from_elem(IxDyn(&[5, 3]), 2.0)
    );

    let x = from_fn(&[8], vec![vec![5, 3]], ramp::<f32>).unwrap();
    assert_eq!(x.chunks(), &[vec![5, 3]]);
    assert_eq!(x.dtype(), DType::F32);
    assert_eq!(vals(&x), (0..8u8).map(f32::from).collect::<Vec<_>>());
    let y = from_fn(&[8], vec![vec![2, 2, 1, 3]], ramp::<f32>).unwrap();
    assert_eq!(y.chunks(), &[vec![2, 2, 1, 3]]);
    assert_eq!(vals(&y), (0..8u8).map(f32::from).collect::<Vec<_>>());
    let z = from_fn(&[8], vec![vec![5, 3]], ramp::<f64>).unwrap();
    assert_eq!(z.dtype(), DType::F64);
    assert_eq!(vals(&z), (0..8).map(f64::from).collect::<Vec<_>>());

    let n = 2i64;
    let d = from_fn(&[10], [10], move |r| {
        ArrayD::from_shape_fn(IxDyn(&[r[0].len()]), |i| n * (r[0].start + i[0]) as i64)
    })
    .unwrap();
    assert_eq!(d.shape(), &[10]);
    assert_eq!(d.dtype(), DType::I64);
    assert_eq!(vals(&d), (0..10).map(|v| 2 * v).collect::<Vec<i64>>());

    let x = arange(0.0, 5.0, 1.0, [1])
        .unwrap()
        .index([Idx::range(0, 0, 1)]);
    let y = x.map_blocks(|c| c.clone());
    assert_eq!(y.shape(), &[0]);
    assert_eq!(y.compute().unwrap(), x.compute().unwrap());
}

/// `test_slicing_with_ndarray` (integer arrays as `take`, boolean ones as `compress`),
/// `test_long_slice`, `test_slice_with_integer_types` (index arrays of int32, int64,
/// uint32 and uint64 read as positions), `test_zero_slice_dtypes` and
/// `test_index_array_with_array_1d` (`x[mask]` as `mask`; the NaN `_chunks` assignment
/// has no analog, sizes are counted).
#[test]
fn integer_and_boolean_selections() {
    let x = ArrayD::from_shape_fn(IxDyn(&[8, 8]), |i| (i[0] * 8 + i[1]) as i64);
    let d = from_array(x.clone(), [4, 4]).unwrap();
    let all: Vec<isize> = (0..8).collect();
    assert_eq!(d.take(&all, 0).compute().unwrap(), x);
    let yes = from_array(ArrayD::from_elem(IxDyn(&[8]), true), [8]).unwrap();
    assert_eq!(d.compress(&yes, 0).compute().unwrap(), x);
    assert_eq!(d.take(&[1], 0).compute().unwrap(), x.select(Axis(0), &[1]));
    let pick = [true, false, true, false, false, false, false, false];
    let m = from_array(ndarray::arr1(&pick).into_dyn(), [3]).unwrap();
    assert_eq!(
        d.compress(&m, 0).compute().unwrap(),
        x.select(Axis(0), &[0, 2])
    );

    let long = from_array(ArrayD::from_shape_fn(IxDyn(&[10000]), |i| i[0] as i64), [1]).unwrap();
    assert_eq!(
        vals(&long.index([Idx::range(8000, 8200, 1)])),
        (8000..8200).collect::<Vec<i64>>()
    );

    let dx = from_array(ArrayD::from_shape_fn(IxDyn(&[10]), |i| i[0] as i64), [5]).unwrap();
    fn positions<T: Element>(v: &[T]) -> Vec<isize> {
        let x = whole(ndarray::arr1(v).into_dyn());
        vals(&x).iter().map(|i| i.to_i128() as isize).collect()
    }
    for inds in [
        positions(&[0i32, 3, 6]),
        positions(&[0i64, 3, 6]),
        positions(&[0u32, 3, 6]),
        positions(&[0u64, 3, 6]),
    ] {
        assert_eq!(vals(&dx.take(&inds, 0)), vec![0, 3, 6]);
    }

    let x5 = arange(0.0, 5.0, 1.0, [1]).unwrap().astype::<i64>();
    let y = x5.take(&[], 0);
    assert_eq!(y.dtype(), DType::I64);
    assert_eq!(y.shape(), &[0]);
    assert!(vals(&y).is_empty());

    assert_eq!(vals(&dx.mask(&dx.gt(6i64))), vec![7, 8, 9]);
    let even = dx.rem(&dx.full_like(2i64)).eq(0i64);
    assert_eq!(vals(&dx.mask(&even)), vec![0, 2, 4, 6, 8]);
    let dy = ones(&[11], [3]).unwrap();
    assert!(dx.mask(&dy.gt(5.0)).compute().is_err());
}

/// `test_setitem_slice_twice` (the value [0, 0] is the scalar 0 broadcast),
/// `test_setitem_2d` (mask assignments as `where_`), `test_setitem_extended_API_0d`,
/// `test_setitem_on_read_only_blocks` (`empty` as `zeros`), `test_copy_mutate` (arrays
/// are values: a copy is a clone, and `x[x % 2 == 0] = -1` a new array; the deepcopy
/// memo N/A) and `test_scalar_setitem`.
#[test]
fn setitem_as_numpys() {
    let y = ndarray::arr1(&[1i64, 2, 3, 4, 5, 6]).into_dyn();
    for chunks in [6, 4, 1] {
        let dx = from_array(y.clone(), [chunks]).unwrap();
        let dx = dx
            .set([Idx::range(0, 2, 1)], 0)
            .set([Idx::range(4, 6, 1)], 0);
        assert_eq!(vals(&dx), vec![0, 0, 3, 4, 0, 0], "{chunks}");
    }

    let x = ArrayD::from_shape_fn(IxDyn(&[4, 6]), |i| (i[0] * 6 + i[1]) as i64);
    let mut want = x.mapv(|v| if v > 6 { -1 } else { v });
    want.mapv_inplace(|v| if v.rem_euclid(2) == 0 { -2 } else { v });
    let dx = from_array(x, [2, 2]).unwrap();
    let dx = DArray::where_(&dx.gt(6i64), &dx.full_like(-1i64), &dx);
    let even = dx.rem(&dx.full_like(2i64)).eq(0i64);
    let dx = DArray::where_(&even, &dx.full_like(-2i64), &dx);
    assert_eq!(dx.compute().unwrap(), want);

    let dx = from_array(ArrayD::from_elem(IxDyn(&[]), 9i64), Vec::<usize>::new()).unwrap();
    let dx = dx.set(Vec::<Idx>::new(), -1);
    assert_eq!(dx.compute_scalar().unwrap(), -1);
    let dx = dx.set([Idx::Ellipsis], -11);
    assert!(dx.shape().is_empty());
    assert_eq!(dx.compute_scalar().unwrap(), -11);

    let dx = zeros(&[4, 6], [2, 2]).unwrap().set([Idx::At(0)], 99.0);
    let corner = |d: &DArray| d.index([Idx::At(0), Idx::At(0)]).compute_scalar().unwrap();
    assert_eq!(corner(&dx), 99.0);
    assert_eq!(dx.sum(None).compute_scalar().unwrap(), 99.0 * 6.0);
    let dx = dx.set([Idx::range(0, 2, 1)], 88.0);
    assert_eq!(corner(&dx), 88.0);
    assert_eq!(dx.sum(None).compute_scalar().unwrap(), 88.0 * 12.0);

    let x = arange(0.0, 5.0, 1.0, [2]).unwrap().astype::<i64>();
    let y = x.clone();
    let x = DArray::where_(&x.rem(&x.full_like(2i64)).eq(0i64), &x.full_like(-1i64), &x);
    assert_eq!(vals(&x), vec![-1, 1, -1, 3, -1]);
    assert_eq!(vals(&y), vec![0, 1, 2, 3, 4]);

    let y = zeros(&[1], [1]).unwrap().index([Idx::At(0)]);
    assert!(y.shape().is_empty());
    let y = y.set(Vec::<Idx>::new(), 2.0);
    assert_eq!(y.compute_scalar().unwrap(), 2.0);
}

/// Dask's `BlockView` shape, size and ravel: the block grid is the chunks' counts, and
/// each block, in row-major order over the grid, is the region its chunk sizes say.
fn check_block_grid(x: &DArray<f64>) {
    let a = x.compute().unwrap();
    let grid: Vec<usize> = x.chunks().iter().map(Vec::len).collect();
    let size: usize = grid.iter().product();
    assert_eq!(size, x.n_chunks());
    for flat in 0..size {
        let mut pos = vec![0; grid.len()];
        let mut r = flat;
        for d in (0..grid.len()).rev() {
            pos[d] = r % grid[d];
            r /= grid[d];
        }
        let idx: Vec<Idx> = pos.iter().map(|&p| Idx::At(p as isize)).collect();
        let region: Vec<SliceInfoElem> = pos
            .iter()
            .zip(x.chunks())
            .map(|(&p, sizes)| {
                let start: usize = sizes[..p].iter().sum();
                ndarray::Slice::from(start..start + sizes[p]).into()
            })
            .collect();
        let want = a.slice(region.as_slice()).to_owned();
        assert_eq!(x.blocks(&idx).compute().unwrap(), want, "block {pos:?}");
    }
}

/// `test_blockview` and `test_partitions_indexer` (`.partitions` is `.blocks`): a list
/// of blocks as the concatenation of each; lists along two axes are type-excluded.
#[test]
fn blockviews_and_partitions_as_dasks() {
    let x = arange(0.0, 10.0, 1.0, [2]).unwrap();
    let slice = |a: isize, b: isize| vals(&x.index([Idx::range(a, b, 1)]));
    assert_eq!(vals(&x.blocks([Idx::At(0)])), slice(0, 2));
    assert_eq!(vals(&x.blocks([Idx::At(-1)])), slice(8, 10));
    assert_eq!(vals(&x.blocks([Idx::range(0, 3, 1)])), slice(0, 6));
    let list = |ks: &[isize]| {
        let parts: Vec<DArray> = ks.iter().map(|&k| x.blocks([Idx::At(k)])).collect();
        DArray::concatenate(&parts, 0)
    };
    assert_eq!(vals(&list(&[0, 1, 2])), slice(0, 6));
    assert_eq!(vals(&list(&[3, 0, 2])), vec![6.0, 7.0, 0.0, 1.0, 4.0, 5.0]);
    check_block_grid(&x);

    let r = random_uniform(0.0, 1.0, &[20, 20], [4, 5], 21).unwrap();
    let ra = r.compute().unwrap();
    assert_eq!(
        r.blocks([Idx::At(0)]).compute().unwrap(),
        ra.slice(s![..4, ..]).to_owned().into_dyn()
    );
    assert_eq!(
        r.blocks([Idx::At(0), Idx::range(0, 3, 1)])
            .compute()
            .unwrap(),
        ra.slice(s![..4, ..15]).to_owned().into_dyn()
    );
    assert_eq!(
        r.blocks([Idx::ALL, Idx::range(0, 3, 1)]).compute().unwrap(),
        ra.slice(s![.., ..15]).to_owned().into_dyn()
    );
    check_block_grid(&r);

    let o = ones(&[40, 40, 40], [10, 10, 10]).unwrap();
    assert_eq!(
        o.blocks([Idx::At(0), Idx::ALL, Idx::At(0)])
            .compute()
            .unwrap(),
        ArrayD::<f64>::ones(IxDyn(&[10, 40, 10]))
    );
    check_block_grid(&o);

    let t = ones(&[2, 2], [1, 1]).unwrap();
    let e = t
        .blocks([Idx::NewAxis, Idx::ALL, Idx::ALL])
        .compute()
        .unwrap_err();
    assert!(e.to_string().contains("new axis"), "{e}");
    assert!(t.blocks([Idx::At(100), Idx::At(100)]).compute().is_err());
}

/// test_array_core.py's `test_memmap`: stored to a `.npy` file (numpy's memmap target
/// and `np.save` are one file here), read back as numpy's `np.load` would, from the
/// file's own bytes, and through `from_npy`.
#[test]
fn npy_files_as_dasks_memmap_test() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.npy");
    let x = arange(0.0, 100.0, 1.0, [15]).unwrap().astype::<i64>();
    x.to_npy(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let start = match bytes[6] {
        1 => 10 + usize::from(u16::from_le_bytes([bytes[8], bytes[9]])),
        _ => 12 + u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
    };
    let header = String::from_utf8_lossy(&bytes[..start]);
    assert!(
        header.contains("'<i8'") && header.contains("(100,)"),
        "{header}"
    );
    let data: Vec<i64> = bytes[start..]
        .chunks(8)
        .map(|b| i64::from_le_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(data, (0..100).collect::<Vec<i64>>());
    let back = from_npy::<i64>(&path, [15]).unwrap();
    assert_eq!(vals(&back), (0..100).collect::<Vec<i64>>());
}

/// test_array_core.py's `test_read_zarr_chunks` (`from_zarr(..., chunks=(5,))` as a
/// rechunk of what is read) and `test_zarr_irregular_chunks` (irregular chunks are
/// written on a regular grid and read back whole; the warning and graph-key asserts
/// N/A, `component=` as a store of its own; counting values where Dask writes zeros).
#[cfg(feature = "zarr")]
#[test]
fn zarr_reads_rechunked_and_irregular_writes() {
    use chunkwise::array::from_zarr;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.zarr");
    zeros(&[9], [3]).unwrap().to_zarr(&p).unwrap();
    let arr = from_zarr::<f64>(&p).unwrap().rechunk([5]);
    assert_eq!(arr.chunks(), &[vec![5, 4]]);
    assert_eq!(vals(&arr), vec![0.0; 9]);
    for (k, (shape, chunks)) in [
        (vec![6, 2], vec![vec![2, 1, 1, 2], vec![1, 1]]),
        (vec![6, 2], vec![vec![2, 1, 2, 1], vec![1, 1]]),
        (vec![7, 2], vec![vec![2, 2, 2, 1], vec![1, 1]]),
        (vec![2, 7], vec![vec![1, 1], vec![2, 2, 2, 1]]),
        (vec![2, 6], vec![vec![1, 1], vec![2, 1, 2, 1]]),
    ]
    .into_iter()
    .enumerate()
    {
        let a = ArrayD::from_shape_fn(IxDyn(&shape), |i| (i[0] * 10 + i[1]) as f64);
        let x = from_array(a.clone(), chunks.clone()).unwrap();
        let p = dir.path().join(format!("irregular-{k}.zarr"));
        x.to_zarr(&p).unwrap();
        let y = from_zarr::<f64>(&p).unwrap();
        assert_eq!(y.compute().unwrap(), a, "{shape:?} {chunks:?}");
    }
}

// ---------------------------------------------------------------- test_reductions.py

/// `test_reductions_0D` (every reduction of a 0-d int64 array; numpy inputs N/A) and
/// `test_reduction_on_scalar` (`(x == x).all()` of a 0-d array).
#[test]
fn reductions_of_0d_arrays() {
    fn one<T: Element>(x: DArray<T>) -> T {
        assert!(x.shape().is_empty());
        assert_eq!(x.len(), 1);
        x.compute_scalar().unwrap()
    }
    let a = from_array(ArrayD::from_elem(IxDyn(&[]), 3i64), Vec::<usize>::new()).unwrap();
    assert_eq!(one(a.sum(None)), 3);
    assert_eq!(one(a.prod(None)), 3);
    assert_eq!(one(a.mean(None)), 3.0);
    assert_eq!(one(a.var(None)), 0.0);
    assert_eq!(one(a.std(None)), 0.0);
    assert_eq!(one(a.min(None)), 3);
    assert_eq!(one(a.max(None)), 3);
    assert!(one(a.any(None)));
    assert!(one(a.all(None)));
    assert_eq!(one(a.nansum(None)), 3);
    assert_eq!(one(a.nanprod(None)), 3);
    assert_eq!(one(a.nanmean(None)), 3.0);
    assert_eq!(one(a.nanvar(None)), 0.0);
    assert_eq!(one(a.nanstd(None)), 0.0);
    assert_eq!(one(a.nanmin(None)), 3);
    assert_eq!(one(a.nanmax(None)), 3);

    let x = from_array(ArrayD::from_elem(IxDyn(&[]), 1.0), Vec::<usize>::new()).unwrap();
    assert!(one(x.eq(&x).all(None)));
    let n = from_array(ArrayD::from_elem(IxDyn(&[]), f64::NAN), Vec::<usize>::new()).unwrap();
    assert!(!one(n.eq(&n).all(None)));
}

/// `test_reduction_errors` (axis -3 is type-excluded) and
/// `test_reductions_with_negative_axes` (-1 as 2, normalised here; split_every N/A).
#[test]
fn reduction_axes_checked_and_negative_ones_normalised() {
    let x = ones(&[5, 5], [3, 3]).unwrap();
    let e = x.sum(2).compute().unwrap_err();
    assert!(e.to_string().contains("axis 2"), "{e}");

    let xr = rand_f64(&[4, 4, 4], 13);
    let a = from_array(xr.clone(), [2, 2, 2]).unwrap();
    let want = reduce_ref(&xr, &[2], |v| arg_ref(v, false, false).unwrap());
    assert_eq!(a.argmin(2).compute().unwrap(), want);
    let want = reduce_ref(&xr, &[2], |v| v.iter().sum::<f64>());
    assert_close(&a.sum(2).compute().unwrap(), &want, 1e-14, "sum -1");
    let want = reduce_ref(&xr, &[0, 2], |v| v.iter().sum::<f64>());
    assert_close(
        &a.sum([0, 2]).compute().unwrap(),
        &want,
        1e-14,
        "sum (0, -1)",
    );
}

type ArgFn = fn(&DArray<f64>, Option<usize>) -> DArray<i64>;

/// `test_arg_reductions` (keepdims as `expand_dims`; the split_every config and a tuple
/// axis N/A), `test_nanarg_reductions`, `test_nan_reduction_warnings` and
/// `test_arg_reductions_unknown_single_chunksize` (`x[x[0, :] > 0, :]` as `compress`).
#[test]
fn arg_reductions_against_loops() {
    let x = rand_f64(&[10, 10, 10], 14);
    let a = from_array(x.clone(), [3, 4, 5]).unwrap();
    let funcs: [(&str, ArgFn, bool, bool); 4] = [
        ("argmin", |a, ax| a.argmin(ax), false, false),
        ("argmax", |a, ax| a.argmax(ax), true, false),
        ("nanargmin", |a, ax| a.nanargmin(ax), false, true),
        ("nanargmax", |a, ax| a.nanargmax(ax), true, true),
    ];
    let flat: Vec<f64> = x.iter().copied().collect();
    for (name, f, max, skip) in funcs {
        let want = arg_ref(&flat, max, skip).unwrap();
        assert_eq!(f(&a, None).compute_scalar().unwrap(), want, "{name}");
        for axis in 0..3 {
            let w = reduce_ref(&x, &[axis], |v| arg_ref(v, max, skip).unwrap());
            assert_eq!(f(&a, Some(axis)).compute().unwrap(), w, "{name} {axis}");
        }
        let k = f(&a, None).expand_dims(0).expand_dims(0).expand_dims(0);
        assert_eq!(
            k.compute().unwrap(),
            ArrayD::from_elem(IxDyn(&[1, 1, 1]), want)
        );
        assert!(f(&a, Some(3)).compute().is_err(), "{name}");

        let x2 = arange(0.0, 10.0, 1.0, [3]).unwrap();
        let w = if max { 9 } else { 0 };
        assert_eq!(f(&x2, None).compute_scalar().unwrap(), w, "{name}");
        assert_eq!(f(&x2, Some(0)).compute_scalar().unwrap(), w, "{name}");
        let x3 = from_array(ArrayD::from_elem(IxDyn(&[]), 1.0), Vec::<usize>::new()).unwrap();
        assert_eq!(f(&x3, None).compute_scalar().unwrap(), 0, "{name}");
    }

    // x[5] = nan: nanmin/nanmax along axis 1 are NaN on the all-NaN plane only.
    let mut xn = x.clone();
    xn.index_axis_mut(Axis(0), 5).fill(f64::NAN);
    let an = from_array(xn.clone(), [3, 4, 5]).unwrap();
    for max in [false, true] {
        let got = if max { an.nanmax(1) } else { an.nanmin(1) };
        let want = reduce_ref(&xn, &[1], |v| nan_extreme_ref(v, max));
        assert_close(&got.compute().unwrap(), &want, 0.0, "nan extremes");
        assert!(want.index_axis(Axis(0), 5).iter().all(|v| v.is_nan()));
    }
    for (name, f, max) in [
        ("nanargmin", funcs[2].1, false),
        ("nanargmax", funcs[3].1, true),
    ] {
        let flat: Vec<f64> = xn.iter().copied().collect();
        let want = arg_ref(&flat, max, true).unwrap();
        assert_eq!(f(&an, None).compute_scalar().unwrap(), want, "{name}");
        let w = reduce_ref(&xn, &[0], |v| arg_ref(v, max, true).unwrap());
        assert_eq!(f(&an, Some(0)).compute().unwrap(), w, "{name}");
        assert!(f(&an, Some(1)).compute().is_err(), "{name} 1");
        assert!(f(&an, Some(2)).compute().is_err(), "{name} 2");
        let all_nan = an.map(|_| f64::NAN);
        assert!(f(&all_nan, None).compute().is_err(), "{name} all NaN");
    }

    let o = ones(&[10, 10], [10, 10]).unwrap();
    let rows = o.compress(&o.index([Idx::At(0)]).gt(0.0), 0);
    assert_eq!(rows.shape(), &[10, 10]);
    for axis in [0, 1] {
        assert_eq!(vals(&rows.argmax(axis)), vec![0; 10]);
        assert_eq!(vals(&rows.nanargmax(axis)), vec![0; 10]);
    }
}

type FloatRed = fn(&DArray<f64>, Axes) -> DArray<f64>;
type Lane = fn(&[f64]) -> f64;

/// The float reductions of `test_reductions_2D_nans` and `test_nan`, each with its
/// numpy lane rule.
fn float_reductions() -> Vec<(&'static str, FloatRed, Lane)> {
    vec![
        ("sum", |a, ax| a.sum(ax), |v| v.iter().sum()),
        ("prod", |a, ax| a.prod(ax), |v| v.iter().product()),
        ("mean", |a, ax| a.mean(ax), mean_ref),
        ("var", |a, ax| a.var(ax), var_ref),
        ("std", |a, ax| a.std(ax), |v| var_ref(v).sqrt()),
        ("min", |a, ax| a.min(ax), |v| extreme_ref(v, false)),
        ("max", |a, ax| a.max(ax), |v| extreme_ref(v, true)),
        ("nansum", |a, ax| a.nansum(ax), |v| no_nan(v).iter().sum()),
        (
            "nanprod",
            |a, ax| a.nanprod(ax),
            |v| no_nan(v).iter().product(),
        ),
        ("nanmean", |a, ax| a.nanmean(ax), |v| mean_ref(&no_nan(v))),
        ("nanvar", |a, ax| a.nanvar(ax), |v| var_ref(&no_nan(v))),
        (
            "nanstd",
            |a, ax| a.nanstd(ax),
            |v| var_ref(&no_nan(v)).sqrt(),
        ),
        (
            "nanmin",
            |a, ax| a.nanmin(ax),
            |v| nan_extreme_ref(v, false),
        ),
        ("nanmax", |a, ax| a.nanmax(ax), |v| nan_extreme_ref(v, true)),
    ]
}

/// The 4 x 4 array of `test_reductions_2D_nans`: chunks of some, all and no NaNs.
fn nan_square() -> ArrayD<f64> {
    let mut x = ArrayD::from_elem(IxDyn(&[4, 4]), f64::NAN);
    for (i, j, v) in [
        (0, 0, 1.0),
        (0, 1, 2.0),
        (1, 0, 3.0),
        (1, 1, 4.0),
        (2, 2, 5.0),
        (3, 3, 6.0),
    ] {
        x[[i, j]] = v;
    }
    x
}

/// `test_reductions_2D_nans` (through its `reduction_2d_test`: all axes, each axis,
/// `(1, 0)`, keepdims as `expand_dims`; dtype= and split_every N/A; axis `()` is in
/// `reductions_over_no_axes_keep_each_element`) and `test_nan`, against lane loops.
#[test]
fn reductions_with_nans_against_loops() {
    let x = nan_square();
    for chunks in [[2, 2], [3, 1], [4, 4]] {
        let a = from_array(x.clone(), chunks).unwrap();
        for (name, f, lane) in float_reductions() {
            for axes in [vec![0, 1], vec![1, 0], vec![0], vec![1]] {
                let want = reduce_ref(&x, &axes, lane);
                let got = f(&a, Axes::Some(axes.clone())).compute().unwrap();
                assert_close(&got, &want, 1e-12, &format!("{name} {axes:?} {chunks:?}"));
            }
            let got = f(&a, Axes::All).compute().unwrap();
            assert_close(&got, &reduce_ref(&x, &[0, 1], lane), 1e-12, name);
            let kept = f(&a, Axes::Some(vec![1])).expand_dims(1);
            let want = reduce_ref(&x, &[1], lane)
                .into_shape_with_order(IxDyn(&[4, 1]))
                .unwrap();
            assert_close(&kept.compute().unwrap(), &want, 1e-12, name);
        }
        // any / all: NaN is true.
        for axes in [vec![0, 1], vec![0], vec![1]] {
            let any = reduce_ref(&x, &axes, |v| v.iter().any(|&q| q != 0.0));
            let all = reduce_ref(&x, &axes, |v| v.iter().all(|&q| q != 0.0));
            assert_eq!(a.any(axes.clone()).compute().unwrap(), any);
            assert_eq!(a.all(axes.clone()).compute().unwrap(), all);
        }
        let flat: Vec<f64> = x.iter().copied().collect();
        let args: [(ArgFn, bool, bool); 4] = [
            (|a, ax| a.argmax(ax), true, false),
            (|a, ax| a.argmin(ax), false, false),
            (|a, ax| a.nanargmax(ax), true, true),
            (|a, ax| a.nanargmin(ax), false, true),
        ];
        for (f, max, skip) in args {
            let want = arg_ref(&flat, max, skip).unwrap();
            assert_eq!(f(&a, None).compute_scalar().unwrap(), want);
            for axis in [0, 1] {
                let want = reduce_ref(&x, &[axis], |v| arg_ref(v, max, skip).unwrap());
                assert_eq!(f(&a, Some(axis)).compute().unwrap(), want, "{max} {skip}");
            }
        }
    }
    // The argmax of this array is the first NaN's index, 2; nanargmax the 6's, 15.
    let a = from_array(x, [2, 2]).unwrap();
    assert_eq!(a.argmax(None).compute_scalar().unwrap(), 2);
    assert_eq!(a.nanargmax(None).compute_scalar().unwrap(), 15);

    // test_nan, with numpy's answers for its array written out.
    let n = f64::NAN;
    let x = ndarray::arr2(&[
        [1.0, n, 3.0, 4.0],
        [5.0, 6.0, 7.0, n],
        [9.0, 10.0, 11.0, 12.0],
    ])
    .into_dyn();
    let d = from_array(x.clone(), [2, 2]).unwrap();
    assert_eq!(d.nansum(None).compute_scalar().unwrap(), 68.0);
    assert_eq!(vals(&d.nansum(0)), vec![15.0, 16.0, 21.0, 16.0]);
    assert_close(
        &d.nanmean(1).compute().unwrap(),
        &ndarray::arr1(&[8.0 / 3.0, 6.0, 10.5]).into_dyn(),
        1e-15,
        "nanmean",
    );
    assert_eq!(vals(&d.nanmin(1)), vec![1.0, 5.0, 9.0]);
    assert_eq!(d.nanmax([0, 1]).compute_scalar().unwrap(), 12.0);
    let all: Vec<f64> = no_nan(&x.iter().copied().collect::<Vec<_>>());
    assert!(close(
        d.nanvar(None).compute_scalar().unwrap(),
        var_ref(&all),
        1e-14
    ));
    let std0 = reduce_ref(&x, &[0], |v| var_ref(&no_nan(v)).sqrt());
    assert_close(&d.nanstd(0).compute().unwrap(), &std0, 1e-14, "nanstd");
    assert_eq!(vals(&d.nanargmin(0)), vec![0, 1, 0, 0]);
    assert_eq!(vals(&d.nanargmax(0)), vec![2, 2, 2, 2]);
    assert_eq!(
        d.nanprod(None).compute_scalar().unwrap(),
        1.0 * 3.0 * 4.0 * 5.0 * 6.0 * 7.0 * 9.0 * 10.0 * 11.0 * 12.0
    );
}

/// The `axis=()` asserts of `test_reductions_2D_nans` (through `reduction_2d_test`) and
/// `test_reductions_with_empty_array`: a reduction over no axes is each element on its
/// own (numpy's `np.nansum(x, axis=())` is `x` with NaN as 0).
#[test]
fn reductions_over_no_axes_keep_each_element() {
    let x = nan_square();
    let a = from_array(x.clone(), [2, 2]).unwrap();
    for (name, f, lane) in float_reductions() {
        let got = f(&a, Axes::Some(vec![])).compute().unwrap();
        let want = x.mapv(|v| lane(&[v]));
        assert_close(&got, &want, 0.0, name);
    }
    let any = a.any(Vec::<usize>::new()).compute().unwrap();
    assert_eq!(any, x.mapv(|v| v != 0.0));
    let e = ones(&[10, 0, 5], [4, 4, 4]).unwrap();
    assert_eq!(
        e.mean(Vec::<usize>::new()).compute().unwrap().shape(),
        &[10, 0, 5]
    );
}

/// `test_min_max_empty_chunks` (masks leaving empty chunks, explicit chunks of size 0,
/// nothing left: an error) and `test_empty_chunk_nanmin_nanmax_raise` (numpy's message
/// text not compared), on integers as Dask's.
#[test]
fn min_max_with_empty_chunks() {
    let x1 = ArrayD::from_shape_fn(IxDyn(&[10]), |i| i[0] as i64);
    let a1 = from_array(x1.clone(), [1]).unwrap();
    let m = a1.mask(&a1.lt(2i64));
    assert_eq!(m.min(None).compute_scalar().unwrap(), 0);
    assert_eq!(m.max(None).compute_scalar().unwrap(), 1);
    let a2 = from_array(x1.clone(), vec![vec![5, 0, 5]]).unwrap();
    assert_eq!(a2.min(None).compute_scalar().unwrap(), 0);
    assert_eq!(a2.max(None).compute_scalar().unwrap(), 9);
    let x3 = ndarray::arr2(&[[1i64, 1, 2, 3], [1, 1, 4, 0]]).into_dyn();
    let a3 = from_array(x3, [1, 1]).unwrap();
    let m = a3.mask(&a3.ge(2i64));
    assert_eq!(vals(&m), vec![2, 3, 4]);
    assert_eq!(m.min(None).compute_scalar().unwrap(), 2);
    assert_eq!(m.max(None).compute_scalar().unwrap(), 4);
    let a4 = from_array(x1, [10]).unwrap();
    let none = a4.mask(&a4.lt(0i64));
    assert_eq!(none.shape(), &[0]);
    assert!(none.min(None).compute().is_err());
    assert!(none.max(None).compute().is_err());

    let x = ArrayD::from_shape_fn(IxDyn(&[2, 5]), |i| (i[0] * 5 + i[1]) as i64);
    let d = from_array(x, [2, 2]).unwrap();
    let d = d.mask(&d.gt(9i64));
    assert_eq!(d.shape(), &[0]);
    assert!(d.nanmin(None).compute().is_err());
    assert!(d.nanmax(None).compute().is_err());
}

/// `test_min_max_empty_chunks` and `test_empty_chunk_nanmin_nanmax_raise` on floats:
/// numpy's `min`, `max`, `nanmin` and `nanmax` of a zero-size float array raise too.
#[test]
fn min_max_of_empty_float_selections_raise() {
    let x = arange(0.0, 10.0, 1.0, [3]).unwrap();
    let none = x.mask(&x.lt(0.0));
    assert_eq!(none.shape(), &[0]);
    assert!(none.min(None).compute().is_err(), "min");
    assert!(none.max(None).compute().is_err(), "max");
    assert!(none.nanmin(None).compute().is_err(), "nanmin");
    assert!(none.nanmax(None).compute().is_err(), "nanmax");
}

/// `test_reductions_with_empty_array`: means over empty axes are NaN (numpy warns),
/// over the others empty arrays (axis `()` is in the no-axes test).
#[test]
fn means_of_empty_arrays() {
    for shape in [[10, 0, 5], [0, 0, 0]] {
        let dx = ones(&shape, [4, 4, 4]).unwrap();
        let x = dx.compute().unwrap();
        assert!(dx.mean(None).compute_scalar().unwrap().is_nan());
        for axis in 0..3 {
            let want = reduce_ref(&x, &[axis], mean_ref);
            let got = dx.mean(axis).compute().unwrap();
            assert_close(&got, &want, 0.0, &format!("{shape:?} {axis}"));
        }
    }
}

/// `test_array_cumreduction_dtype` (dtype= as `astype` first: numpy casts each element
/// to int64 before adding; `method=` N/A) and `test_cumreduction_no_rechunk_on_1d_array`
/// (the graph check as: the chunks are kept).
#[test]
fn cumulative_reductions_with_a_dtype() {
    let a: Vec<f64> = (0..10)
        .map(|i| {
            if i == 9 {
                1.0
            } else {
                f64::from(i) * (1.0 / 9.0)
            }
        })
        .collect();
    for chunks in [10, 3] {
        let d = from_array(
            ArrayD::from_shape_vec(IxDyn(&[10]), a.clone()).unwrap(),
            [chunks],
        )
        .unwrap();
        let running = |mul: bool| {
            let mut acc = if mul { 1.0 } else { 0.0 };
            a.iter()
                .map(|&v| {
                    acc = if mul { acc * v } else { acc + v };
                    acc
                })
                .collect::<Vec<f64>>()
        };
        for (got, want) in [
            (d.cumsum(0), running(false)),
            (d.nancumsum(0), running(false)),
            (d.cumprod(0), running(true)),
            (d.nancumprod(0), running(true)),
        ] {
            let got = got.compute().unwrap();
            let want = ArrayD::from_shape_vec(IxDyn(&[10]), want).unwrap();
            assert_close(&got, &want, 1e-15, "float cumulative");
        }
        let i = d.astype::<i64>();
        let mut ones_at_end = vec![0i64; 9];
        ones_at_end.push(1);
        assert_eq!(vals(&i.cumsum(0)), ones_at_end);
        assert_eq!(vals(&i.nancumsum(0)), ones_at_end);
        assert_eq!(vals(&i.cumprod(0)), vec![0i64; 10]);
        assert_eq!(vals(&i.nancumprod(0)), vec![0i64; 10]);
    }
    let x = ones(&[5], [2]).unwrap();
    let y = x.cumsum(0);
    assert_eq!(y.chunks(), x.chunks());
    assert_eq!(vals(&y), vec![1.0, 2.0, 3.0, 4.0, 5.0]);
}

/// `test_trace`: `trace(offset)` of axes 0 and 1 (one sum per last index for 3-d),
/// other axes as `diagonal` summed over its last axis, `dtype=float` as `astype` first.
#[test]
fn traces_as_numpys() {
    let b = ArrayD::from_shape_fn(IxDyn(&[3, 4]), |i| (i[0] * 4 + i[1]) as i64);
    let a = from_array(b.clone(), [1, 1]).unwrap();
    for offset in [0isize, 1, -1] {
        let want: i64 = (0..3isize)
            .filter_map(|i| {
                let j = i + offset;
                (0..4).contains(&j).then(|| b[[i as usize, j as usize]])
            })
            .sum();
        assert_eq!(a.trace(offset).compute_scalar().unwrap(), want, "{offset}");
    }

    let b3 = ArrayD::from_shape_fn(IxDyn(&[2, 2, 2]), |i| (i[0] * 4 + i[1] * 2 + i[2]) as i64);
    let a3 = from_array(b3.clone(), [2, 2, 2]).unwrap();
    let trace_ref = |offset: isize, ax1: usize, ax2: usize| {
        let other = 3 - ax1 - ax2;
        ArrayD::from_shape_fn(IxDyn(&[2]), |o| {
            let mut s = 0;
            for i in 0..2isize {
                let j = i + offset;
                if (0..2).contains(&j) {
                    let mut ix = [0usize; 3];
                    ix[ax1] = i as usize;
                    ix[ax2] = j as usize;
                    ix[other] = o[0];
                    s += b3[ix];
                }
            }
            s
        })
    };
    for offset in [0, 1, -1] {
        assert_eq!(a3.trace(offset).compute().unwrap(), trace_ref(offset, 0, 1));
    }
    for (offset, ax1, ax2) in [(0, 0, 1), (0, 0, 2), (0, 1, 2), (1, 0, 2)] {
        let d = a3.diagonal(offset, ax1, ax2);
        let want = trace_ref(offset, ax1, ax2);
        assert_eq!(d.sum(1).compute().unwrap(), want, "{offset} {ax1} {ax2}");
        let f = a3.astype::<f64>().diagonal(offset, ax1, ax2).sum(1);
        assert_eq!(f.compute().unwrap(), want.mapv(|v| v as f64));
    }
}

/// `test_chunk_structure_independence`: a user reduction (`reduction`, keepdims, over
/// two or three axes) gives the same answer for every chunking of the array. Dask's
/// reduction is the identity (concatenated partials); a chunkwise reduction leaves
/// length 1 along the reduced axes, so here the partial is the pair (sum, max) and the
/// answer `sum - max`; axes orders N/A (axes are a set), split_every is fixed at 8.
#[test]
fn user_reductions_do_not_depend_on_chunks() {
    let x = ArrayD::from_shape_fn(IxDyn(&[24, 24, 24]), |i| {
        ((i[0] * 577 + i[1] * 31 + i[2] * 7) % 1000) as i64
    });
    let specs = [[2, 1].repeat(8), vec![3; 8], vec![6; 4]];
    for perm in [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ] {
        let chunks: Vec<Vec<usize>> = perm.iter().map(|&p| specs[p].clone()).collect();
        let d = from_array(x.clone(), chunks.clone()).unwrap();
        for axes in [vec![0, 1], vec![0, 2], vec![1, 2], vec![0, 1, 2]] {
            let r = d.reduction(
                axes.clone(),
                true,
                |c, axes| {
                    let mut s = c.to_owned();
                    let mut m = c.to_owned();
                    for &ax in axes.iter().rev() {
                        s = s.sum_axis(Axis(ax)).insert_axis(Axis(ax));
                        m = m
                            .fold_axis(Axis(ax), i64::MIN, |a, &b| (*a).max(b))
                            .insert_axis(Axis(ax));
                    }
                    (s, m)
                },
                |p: &mut (ArrayD<i64>, ArrayD<i64>), q| {
                    p.0 += &q.0;
                    p.1.zip_mut_with(&q.1, |a, &b| *a = (*a).max(b));
                },
                |p| &p.0 - &p.1,
            );
            let mut kept = x.shape().to_vec();
            axes.iter().for_each(|&ax| kept[ax] = 1);
            let want = reduce_ref(&x, &axes, |v| {
                v.iter().sum::<i64>() - v.iter().copied().max().unwrap()
            })
            .into_shape_with_order(IxDyn(&kept))
            .unwrap();
            assert_eq!(r.compute().unwrap(), want, "{chunks:?} {axes:?}");
        }
    }
}

// ----------------------------------------------------------------- test_creation.py

/// `test_arr_like` (int32 ones/zeros/full and their `_like` forms; `empty` as zeros,
/// name=, order= and backends N/A), `test_arr_like_shape` (`*_like(a, shape=, chunks=)`
/// as `full` of a's type), `test_nan_zeros_ones_like`, `test_nan_empty_like` and
/// `test_nan_full_like` (of a masked array; dtype= as `full_like::<U>`; -1 as uint32 is
/// left out, as numpy 2.1 refuses it).
#[test]
fn like_constructors_as_numpys() {
    let src = from_array(rand_int(&[10, 10], 10, 15).mapv(|v| v as i32), [4, 4]).unwrap();
    let check = |x: DArray<i32>, v: i32| {
        assert_eq!(x.dtype(), DType::I32);
        assert_eq!(x.shape(), &[10, 10]);
        assert_eq!(x.chunks(), &[vec![4, 4, 2], vec![4, 4, 2]]);
        assert_eq!(x.compute().unwrap(), ArrayD::from_elem(IxDyn(&[10, 10]), v));
    };
    check(ones(&[10, 10], [4, 4]).unwrap().astype::<i32>(), 1);
    check(zeros(&[10, 10], [4, 4]).unwrap().astype::<i32>(), 0);
    check(full(&[10, 10], 5i32, [4, 4]).unwrap(), 5);
    check(src.ones_like(), 1);
    check(src.zeros_like(), 0);
    check(src.full_like(5i32), 5);
    // `empty` gives the shape, chunks and type; its values (zeros here) are not to be
    // relied on, as numpy's, so only the shape is compared.
    let e = src.empty_like();
    assert_eq!(
        (e.dtype(), e.shape(), e.chunks()),
        (DType::I32, src.shape(), src.chunks())
    );
    assert_eq!(e.compute().unwrap().shape(), &[10, 10]);
    let e = empty(&[10, 10], [4, 4]).unwrap();
    assert_eq!((e.dtype(), e.chunks()), (DType::F64, src.chunks()));

    let cases: Vec<(Vec<usize>, Option<Vec<usize>>, Chunks)> = vec![
        (vec![10, 10], None, Chunks::Shape(vec![4, 4])),
        (vec![10, 10], Some(vec![20, 3]), Chunks::Shape(vec![4, 4])),
        (vec![10, 10], Some(vec![20]), Chunks::Shape(vec![4])),
        (
            vec![10, 10, 10],
            Some(vec![5, 5]),
            Chunks::Shape(vec![4, 2]),
        ),
        (vec![2, 3, 5, 7], Some(vec![3, 5, 7]), Chunks::Auto),
        (
            vec![2, 3, 5, 7],
            Some(vec![3, 5, 7]),
            Chunks::Shape(vec![2, 5, 3]),
        ),
        (
            vec![2, 3, 5, 7],
            Some(vec![11, 2, 3, 5, 7]),
            Chunks::PerAxis(vec![
                AxisChunks::Size(2),
                AxisChunks::Size(5),
                AxisChunks::Size(3),
                AxisChunks::Auto,
                AxisChunks::Size(3),
            ]),
        ),
    ];
    for (shape, out, chunks) in cases {
        let a = from_array(rand_int(&shape, 10, 16).mapv(|v| v as i32), Chunks::Auto).unwrap();
        let out = out.unwrap_or_else(|| a.shape().to_vec());
        for v in [1i32, 0, 5] {
            let x = full(&out, v, chunks.clone()).unwrap();
            assert_eq!(x.shape(), out.as_slice());
            assert_eq!(x.dtype(), a.dtype());
            assert_eq!(x.compute().unwrap(), ArrayD::from_elem(IxDyn(&out), v));
        }
    }

    for (shape, chunks) in [(vec![50, 4], vec![10, 2]), (vec![50], vec![10])] {
        let x1 = random_normal(0.0, 1.0, &shape, chunks, 16).unwrap();
        let y1 = x1.mask(&x1.lt(0.5));
        let n = x1.compute().unwrap().iter().filter(|&&v| v < 0.5).count();
        assert_eq!(y1.shape(), &[n]);
        fn like<U: Element>(y: &DArray<f64>, v: U, n: usize) {
            let z = y.full_like(v);
            assert_eq!(z.dtype(), U::DTYPE);
            assert_eq!(z.compute().unwrap(), ArrayD::from_elem(IxDyn(&[n]), v));
        }
        for v in [0, 1, 99, -1] {
            if v >= 0 {
                like::<u32>(&y1, v as u32, n);
            }
            like::<f32>(&y1, v as f32, n);
            like::<f64>(&y1, f64::from(v), n);
            like::<i64>(&y1, i64::from(v), n);
        }
        assert_eq!(vals(&y1.zeros_like()), vec![0.0; n]);
        assert_eq!(vals(&y1.ones_like()), vec![1.0; n]);
    }
}

/// numpy's `linspace`: `i * step + start`, the last value `stop` when it is included.
fn np_linspace(start: f64, stop: f64, num: usize, endpoint: bool) -> Vec<f64> {
    let div = if endpoint { num.saturating_sub(1) } else { num };
    let delta = stop - start;
    let mut y: Vec<f64> = (0..num)
        .map(|i| {
            if div > 0 {
                i as f64 * (delta / div as f64) + start
            } else {
                i as f64 * delta + start
            }
        })
        .collect();
    if endpoint && num > 1 {
        y[num - 1] = stop;
    }
    y
}

/// numpy's `arange` of floats: `ceil((stop - start) / step)` values, the second
/// `start + step` and the others `start + i * delta`, `delta` the difference of the
/// first two (numpy's fill).
fn np_arange(start: f64, stop: f64, step: f64) -> Vec<f64> {
    let n = ((stop - start) / step).ceil().max(0.0) as usize;
    let second = start + step;
    let delta = second - start;
    (0..n)
        .map(|i| match i {
            0 => start,
            1 => second,
            _ => start + i as f64 * delta,
        })
        .collect()
}

fn assert_values_close(got: &[f64], want: &[f64], ctx: &str) {
    assert_eq!(got.len(), want.len(), "{ctx}: {got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(close(*g, *w, 1e-12), "{ctx}: {g} vs {w}");
    }
}

/// `test_linspace` (endpoint=False as `num + 1` values less the last; dtype=int as
/// `astype`; retstep as the difference of neighbours; the lazy-bounds case and graph
/// keys N/A), `test_arange` (dtype=int as `astype`; the keyword forms as their
/// arguments, keyword errors N/A), `test_arange_float_step` and test_array_core.py's
/// `test_empty_array`.
#[test]
fn linspaces_and_aranges_as_numpys() {
    let lin = |start: f64, stop: f64, num: usize, endpoint: bool| {
        if endpoint {
            linspace(start, stop, num, [5]).unwrap()
        } else {
            linspace(start, stop, num + 1, [5])
                .unwrap()
                .index([Idx::range(0, num as isize, 1)])
        }
    };
    for endpoint in [true, false] {
        for (start, stop, num) in [
            (6.0, 49.0, 50),
            (1.4, 4.9, 13),
            (0.0, 0.0, 0),
            (1.0, 1.0, 0),
            (1.0, 5.0, 0),
            (0.0, 0.0, 1),
            (1.0, 1.0, 1),
            (1.0, 5.0, 1),
        ] {
            let got = lin(start, stop, num, endpoint);
            let want = np_linspace(start, stop, num, endpoint);
            let ctx = format!("linspace({start}, {stop}, {num}, endpoint={endpoint})");
            assert_values_close(&vals(&got), &want, &ctx);
        }
        let got = vals(&lin(6.0, 49.0, 50, endpoint));
        let step = (49.0 - 6.0) / if endpoint { 49.0 } else { 50.0 };
        assert!(got.windows(2).all(|w| close(w[1] - w[0], step, 1e-12)));
        let ints = vals(&lin(1.4, 4.9, 13, endpoint).astype::<i64>());
        let want: Vec<i64> = np_linspace(1.4, 4.9, 13, endpoint)
            .iter()
            .map(|&v| v as i64)
            .collect();
        assert_eq!(ints, want, "{endpoint}");
    }

    let exact = |start: f64, stop: f64, step: f64, chunks: usize| {
        let got = vals(&arange(start, stop, step, [chunks]).unwrap());
        let mut want = Vec::new();
        let mut v = start;
        while (step > 0.0 && v < stop) || (step < 0.0 && v > stop) {
            want.push(v);
            v += step;
        }
        assert_eq!(got, want, "arange({start}, {stop}, {step})");
    };
    exact(0.0, 77.0, 1.0, 13);
    exact(2.0, 13.0, 1.0, 5);
    exact(4.0, 21.0, 9.0, 13);
    exact(53.0, 5.0, -3.0, 5);
    exact(0.0, 1.0, -0.5, 20);
    exact(0.0, -1.0, 0.5, 20);
    exact(0.0, 10.0, 2.0, 10);
    exact(3.0, 10.0, 2.0, 10);
    assert_eq!(
        vals(&arange(2.0, 13.0, 1.0, [5]).unwrap().astype::<i64>()),
        (2..13).collect::<Vec<i64>>()
    );
    assert_eq!(
        arange(0.0, 10.0, 1.0, Chunks::Auto).unwrap().chunks(),
        &[vec![10]]
    );
    let empty = arange(0.0, 0.0, 1.0, [5]).unwrap();
    assert_eq!(empty.shape(), &[0]);
    assert!(vals(&empty).is_empty());

    for (start, stop, step, chunks) in [
        (2.0, 13.0, 0.3, 4),
        (7.7, 1.5, -0.8, 3),
        (0.0, 1.0, 0.01, 20),
        (0.0, 1.0, 0.03, 20),
    ] {
        let got = vals(&arange(start, stop, step, [chunks]).unwrap());
        let ctx = format!("arange({start}, {stop}, {step})");
        assert_values_close(&got, &np_arange(start, stop, step), &ctx);
    }
}

/// `test_indices_wrong_chunks` and `test_empty_indices` (dtype=float as `astype`).
#[test]
fn indices_of_empty_shapes() {
    assert!(indices(&[1], Vec::<usize>::new()).is_err());
    let d = indices(&[], Vec::<usize>::new()).unwrap();
    assert_eq!(d.shape(), &[0]);
    assert_eq!(d.dtype(), DType::I64);
    assert_eq!(d.compute().unwrap().shape(), &[0]);
    let f = d.astype::<f64>();
    assert_eq!(f.dtype(), DType::F64);
    assert_eq!(f.compute().unwrap().shape(), &[0]);
    let d = indices(&[0], [1]).unwrap().astype::<f64>();
    assert_eq!(d.shape(), &[1, 0]);
    assert_eq!(d.compute().unwrap().shape(), &[1, 0]);
    let d = indices(&[0, 1, 2], [1, 1, 2]).unwrap().astype::<f64>();
    assert_eq!(d.shape(), &[3, 0, 1, 2]);
    assert_eq!(d.compute().unwrap().shape(), &[3, 0, 1, 2]);
    // And a shape with elements, against numpy's definition.
    let d = indices(&[2, 3], [1, 2]).unwrap();
    let want = ArrayD::from_shape_fn(IxDyn(&[2, 2, 3]), |i| i[1 + i[0]] as i64);
    assert_eq!(d.compute().unwrap(), want);
}

/// numpy's `diagonal`: `a[..., i, i + offset]` over `axis1` and `axis2`, the other
/// axes first.
fn diagonal_ref(a: &ArrayD<i64>, offset: isize, ax1: usize, ax2: usize) -> ArrayD<i64> {
    let (n1, n2) = (a.shape()[ax1] as isize, a.shape()[ax2] as isize);
    let (i0, j0) = if offset >= 0 {
        (0, offset)
    } else {
        (-offset, 0)
    };
    let len = (n1 - i0).min(n2 - j0).max(0) as usize;
    let other: Vec<usize> = (0..a.ndim()).filter(|&d| d != ax1 && d != ax2).collect();
    let mut shape: Vec<usize> = other.iter().map(|&d| a.shape()[d]).collect();
    shape.push(len);
    ArrayD::from_shape_fn(IxDyn(&shape), |o| {
        let mut ix = vec![0; a.ndim()];
        for (k, &d) in other.iter().enumerate() {
            ix[d] = o[k];
        }
        let k = o[other.len()] as isize;
        ix[ax1] = (i0 + k) as usize;
        ix[ax2] = (j0 + k) as usize;
        a[IxDyn(&ix)]
    })
}

/// `test_diag_bad_input` (a 3-d array; `k` and the non-array case N/A),
/// `test_diagonal` (negative axes normalised here, numpy inputs as one chunk) and
/// `test_diagonal_zero_chunks`.
#[test]
fn diagonals_as_numpys() {
    let v3 = arange(0.0, 24.0, 1.0, [24]).unwrap().reshape(&[2, 3, 4]);
    assert!(v3.diag().compute().is_err());
    let n3 = whole(ArrayD::from_shape_fn(IxDyn(&[2, 3, 4]), |i| i[2] as i64));
    assert!(n3.diag().compute().is_err());

    let v1 = whole(ArrayD::from_shape_fn(IxDyn(&[11]), |i| i[0] as i64));
    assert!(v1.diagonal(0, 0, 1).compute().is_err());
    let v2 = whole(ArrayD::from_shape_fn(IxDyn(&[2, 2]), |i| {
        (i[0] * 2 + i[1]) as i64
    }));
    assert!(v2.diagonal(0, 0, 0).compute().is_err());
    assert!(v2.diagonal(0, 2, 1).compute().is_err());
    assert!(v2.diagonal(0, 0, 2).compute().is_err());

    let count = |shape: &[usize]| {
        let mut k = 0i64;
        ArrayD::from_shape_fn(IxDyn(shape), |_| {
            k += 1;
            k - 1
        })
    };
    let a = count(&[4, 5, 6]);
    let v = from_array(a.clone(), [2, 2, 2]).unwrap();
    for (offset, ax1, ax2) in [(0, 0, 1), (10, 0, 1), (-10, 0, 1), (0, 2, 1), (1, 2, 1)] {
        let got = v.diagonal(offset, ax1, ax2).compute().unwrap();
        assert_eq!(
            got,
            diagonal_ref(&a, offset, ax1, ax2),
            "{offset} {ax1} {ax2}"
        );
    }
    assert!(v.diagonal(0, 1, 1).compute().is_err());

    let a = count(&[2, 3, 4, 5, 6]);
    let hetero = vec![
        vec![1, 1],
        vec![1, 2],
        vec![1, 2, 1],
        vec![2, 1, 2],
        vec![5, 1],
    ];
    let cases = [
        (0, 0, 1),
        (2, 3, 1),
        (-2, 3, 1),
        (-2, 3, 4),
        (1, 0, 1),
        (-1, 0, 1),
        (1, 2, 1),
    ];
    let v = from_array(a.clone(), hetero).unwrap();
    for (offset, ax1, ax2) in cases {
        let got = v.diagonal(offset, ax1, ax2).compute().unwrap();
        assert_eq!(
            got,
            diagonal_ref(&a, offset, ax1, ax2),
            "{offset} {ax1} {ax2}"
        );
    }
    let v = whole(a.clone());
    let cases = [
        (0, 1, 3),
        (1, 1, 3),
        (1, 3, 1),
        (-5, 3, 1),
        (-6, 3, 1),
        (-6, 2, 1),
    ];
    for (offset, ax1, ax2) in cases {
        let got = v.diagonal(offset, ax1, ax2).compute().unwrap();
        assert_eq!(
            got,
            diagonal_ref(&a, offset, ax1, ax2),
            "{offset} {ax1} {ax2}"
        );
    }
    let v = from_array(a.clone(), [2; 5]).unwrap();
    for (offset, ax1, ax2) in [(1, 3, 1), (-1, 3, 1)] {
        let got = v.diagonal(offset, ax1, ax2).compute().unwrap();
        assert_eq!(
            got,
            diagonal_ref(&a, offset, ax1, ax2),
            "{offset} {ax1} {ax2}"
        );
    }
    let a = count(&[8, 8, 6]);
    for chunks in [vec![8, 8, 6], vec![4, 4, 2]] {
        let v = from_array(a.clone(), chunks).unwrap();
        let got = v.diagonal(-1, 2, 1).compute().unwrap();
        assert_eq!(got, diagonal_ref(&a, -1, 2, 1));
    }

    let x = ones(&[8, 8], [4, 4]).unwrap();
    let d = ones(&[8, 8], [4, 4]).unwrap().diagonal(0, 0, 1);
    assert_eq!(vals(&d), vec![1.0; 8]);
    assert_eq!(vals(&(&d + &d)), vec![2.0; 8]);
    assert_eq!(
        (&d + &x).compute().unwrap(),
        ArrayD::from_elem(IxDyn(&[8, 8]), 2.0)
    );
}

/// `test_fromfunction` (through `from_fn`, whose ranges give the index grids numpy
/// passes; dtype None/f8 as `f64`, i8 as `i64`; same_keys N/A).
#[test]
fn fromfunction_through_from_fn() {
    for c in [1, 3] {
        let f = from_fn(&[5, 5], [2, 2], move |r| {
            ArrayD::from_shape_fn(IxDyn(&[r[0].len(), r[1].len()]), |i| {
                (r[0].start + i[0]) as f64 + f64::from(c) * (r[1].start + i[1]) as f64
            })
        })
        .unwrap();
        let want =
            ArrayD::from_shape_fn(IxDyn(&[5, 5]), |i| i[0] as f64 + f64::from(c) * i[1] as f64);
        assert_eq!(f.compute().unwrap(), want);
        let g = from_fn(&[5, 5], [2, 2], move |r| {
            ArrayD::from_shape_fn(IxDyn(&[r[0].len(), r[1].len()]), |i| {
                (r[0].start + i[0]) as i64 + i64::from(c) * (r[1].start + i[1]) as i64
            })
        })
        .unwrap();
        assert_eq!(g.dtype(), DType::I64);
        assert_eq!(g.compute().unwrap(), want.mapv(|v| v as i64));
    }
}

/// `test_repeat` (negative axes normalised; array repeats and axis None, Dask's
/// NotImplementedError, are type-excluded).
#[test]
fn repeats_as_numpys() {
    let x = rand_f64(&[10, 11, 13], 17);
    let d = from_array(x.clone(), [4, 5, 3]).unwrap();
    for r in [0, 1, 2, 5] {
        for axis in 0..3 {
            let idx: Vec<usize> = (0..x.shape()[axis])
                .flat_map(|i| std::iter::repeat_n(i, r))
                .collect();
            let got = d.repeat(r, axis);
            assert_eq!(
                got.compute().unwrap(),
                x.select(Axis(axis), &idx),
                "{r} {axis}"
            );
        }
    }
    assert!(d.repeat(2, 3).compute().is_err());
    let a = arange(0.0, 5.0, 1.0, [2]).unwrap();
    assert_eq!(
        vals(&a.repeat(3, 0)),
        vec![
            0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0, 4.0, 4.0, 4.0
        ]
    );
    for r in 1..=4 {
        assert!(a.repeat(r, 0).chunks()[0].iter().all(|&c| c > 0));
    }
}

/// numpy's `tile`: the array's shape and `reps` padded with leading 1s to one length,
/// `out[i] = a[i % shape]`.
fn tile_ref(a: &ArrayD<f64>, reps: &[usize]) -> ArrayD<f64> {
    let n = a.ndim().max(reps.len());
    let mut shape = vec![1; n - a.ndim()];
    shape.extend(a.shape());
    let mut r = vec![1; n - reps.len()];
    r.extend(reps);
    let a = a.clone().into_shape_with_order(IxDyn(&shape)).unwrap();
    let out: Vec<usize> = shape.iter().zip(&r).map(|(s, k)| s * k).collect();
    ArrayD::from_shape_fn(IxDyn(&out), |i| {
        let src: Vec<usize> = (0..n).map(|d| i[d] % shape[d]).collect();
        a[IxDyn(&src)]
    })
}

/// chunkwise's `tile` (reps per axis) after numpy's promotion, done here: leading axes
/// of length 1 for reps longer than the array's dimensions, leading reps of 1 for
/// shorter ones.
fn tile_np(x: &DArray<f64>, reps: &[usize]) -> DArray<f64> {
    let mut x = x.clone();
    while x.ndim() < reps.len() {
        x = x.expand_dims(0);
    }
    let mut r = vec![1; x.ndim() - reps.len()];
    r.extend(reps);
    x.tile(&r)
}

/// `test_tile_basic`, `test_tile_chunks`, `test_tile_empty_array` and
/// `test_tile_np_kroncompare_examples`, their reps without zeros, numpy's promotion of
/// reps and shape done by the caller (`tile_np`; `test_tile_neg_reps` is
/// type-excluded: reps are `usize`).
#[test]
fn tiles_as_numpys() {
    let a = whole(ndarray::arr1(&[0.0, 1.0, 2.0]).into_dyn());
    let b = whole(ndarray::arr2(&[[1.0, 2.0], [3.0, 4.0]]).into_dyn());
    for reps in [vec![2], vec![2, 2], vec![1, 2], vec![2, 1]] {
        for x in [&a, &b] {
            let want = tile_ref(&x.compute().unwrap(), &reps);
            assert_eq!(tile_np(x, &reps).compute().unwrap(), want, "{reps:?}");
        }
    }
    for (shape, chunks) in [(vec![10], vec![1]), (vec![10, 11, 13], vec![4, 5, 3])] {
        let x = rand_f64(&shape, 18);
        let d = from_array(x.clone(), chunks).unwrap();
        for reps in [vec![1], vec![2], vec![3], vec![5], vec![1, 2]] {
            let got = tile_np(&d, &reps).compute().unwrap();
            assert_eq!(got, tile_ref(&x, &reps), "{shape:?} {reps:?}");
        }
    }
    for (shape, chunks) in [
        (vec![1, 1, 0], vec![vec![1], vec![1], vec![0]]),
        (vec![2, 0], vec![vec![1, 1], vec![0]]),
    ] {
        let x = ArrayD::<f64>::zeros(IxDyn(&shape));
        let d = from_array(x.clone(), chunks).unwrap();
        for reps in [vec![2], vec![3, 2, 5]] {
            let got = tile_np(&d, &reps).compute().unwrap();
            assert_eq!(
                got.shape(),
                tile_ref(&x, &reps).shape(),
                "{shape:?} {reps:?}"
            );
        }
    }
    for shape in [
        vec![3],
        vec![2, 3],
        vec![3, 4, 3],
        vec![3, 2, 3],
        vec![4, 3, 2, 4],
        vec![2, 2],
    ] {
        let x = rand_f64(&shape, 19);
        let d = whole(x.clone());
        for reps in [
            vec![2],
            vec![1, 2],
            vec![2, 1],
            vec![2, 2],
            vec![2, 3, 2],
            vec![3, 2],
        ] {
            let got = tile_np(&d, &reps).compute().unwrap();
            assert_eq!(got, tile_ref(&x, &reps), "{shape:?} {reps:?}");
        }
    }
}

/// `test_tile_zero_reps` and the `(2, 3, 4, 0)` case of `test_tile_basic`: a rep of 0
/// leaves that axis empty (numpy's answer), numpy's promotion done by the caller.
#[test]
fn tiles_with_zero_reps_are_empty() {
    for (shape, chunks) in [(vec![10], vec![1]), (vec![10, 11, 13], vec![4, 5, 3])] {
        let x = rand_f64(&shape, 20);
        let d = from_array(x.clone(), chunks).unwrap();
        for reps in [vec![0], vec![2, 0], vec![0, 3, 0, 4]] {
            let got = tile_np(&d, &reps).compute();
            let want = tile_ref(&x, &reps);
            assert_eq!(got.unwrap().shape(), want.shape(), "{shape:?} {reps:?}");
        }
    }
    let a = whole(ndarray::arr1(&[0.0, 1.0, 2.0]).into_dyn());
    let got = tile_np(&a, &[2, 3, 4, 0]).compute().unwrap();
    assert_eq!(got.shape(), &[2, 3, 4, 0]);
}

/// `test_tile_basic`'s `da.tile(b, 2)` of a 2-d `b` as written: numpy prepends the
/// missing reps, so the last axis is tiled.
#[test]

fn tile_with_fewer_reps_than_axes_tiles_the_last_axes() {
    let b = ndarray::arr2(&[[1.0, 2.0], [3.0, 4.0]]).into_dyn();
    let got = whole(b.clone()).tile(&[2]).compute().unwrap();
    assert_eq!(got, tile_ref(&b, &[2]));
    assert_eq!(got.shape(), &[2, 4]);
}

/// `test_pad_constant_chunksizes`, its values: numpy's `pad` with zeros after.
#[test]
fn constant_padding_as_numpys() {
    let a = ones(&[10, 10], [1, 1]).unwrap();
    let r = a.pad(&[(0, 6), (0, 0)], 0.0);
    let mut want = ArrayD::<f64>::zeros(IxDyn(&[16, 10]));
    want.slice_mut(s![..10, ..]).fill(1.0);
    assert_eq!(r.compute().unwrap(), want);
}

/// `test_pad_constant_chunksizes`, its chunks: the padded rows are chunked as the
/// input's (at most 1), so a wide pad of a finely chunked array makes no big chunk.
#[test]

fn constant_padding_keeps_chunk_sizes() {
    let a = ones(&[10, 10], [1, 1]).unwrap();
    let r = a.pad(&[(0, 6), (0, 0)], 0.0);
    let biggest: Vec<usize> = r
        .chunks()
        .iter()
        .map(|c| *c.iter().max().unwrap())
        .collect();
    assert_eq!(biggest, vec![1, 1]);
}

// ----------------------------------------------------------------- test_routines.py

/// numpy's shape for `atleast_1d`, `atleast_2d` and `atleast_3d`.
fn atleast_shape(s: &[usize], nd: usize) -> Vec<usize> {
    match (nd, s.len()) {
        (_, n) if n >= nd => s.to_vec(),
        (1, 0) => vec![1],
        (2, 0) => vec![1, 1],
        (2, 1) => vec![1, s[0]],
        (3, 0) => vec![1, 1, 1],
        (3, 1) => vec![1, s[0], 1],
        (3, 2) => vec![s[0], s[1], 1],
        _ => unreachable!(),
    }
}

/// `test_atleast_nd_two_args`: several arguments are the function of each.
#[test]
fn atleast_nd_of_pairs() {
    let shapes: [Vec<usize>; 5] = [
        vec![],
        vec![4],
        vec![4, 6],
        vec![4, 6, 8],
        vec![4, 6, 8, 10],
    ];
    for i in 0..5 {
        for j in i..5 {
            let pair: Vec<(ArrayD<f64>, DArray<f64>)> = [&shapes[i], &shapes[j]]
                .iter()
                .enumerate()
                .map(|(k, s)| {
                    let a = rand_f64(s, 30 + k as u64);
                    let c: Vec<usize> = s.iter().map(|n| n / 2).collect();
                    (a.clone(), from_array(a, c).unwrap())
                })
                .collect();
            for nd in 1..=3 {
                let results: Vec<DArray<f64>> = pair
                    .iter()
                    .map(|(_, d)| match nd {
                        1 => d.atleast_1d(),
                        2 => d.atleast_2d(),
                        _ => d.atleast_3d(),
                    })
                    .collect();
                assert_eq!(results.len(), 2);
                for ((a, _), r) in pair.iter().zip(&results) {
                    let shape = atleast_shape(a.shape(), nd);
                    let want = a.clone().into_shape_with_order(IxDyn(&shape)).unwrap();
                    assert_eq!(r.compute().unwrap(), want, "atleast_{nd}d {:?}", a.shape());
                }
            }
        }
    }
}

/// `test_transpose` (same_keys N/A), `test_transpose_negative_axes` (normalised here;
/// counting values instead of ones) and `test_moveaxis_rollaxis` (every pair of axes,
/// negative ones normalised).
#[test]
fn transposes_and_axis_moves() {
    let x = ArrayD::from_shape_fn(IxDyn(&[4, 6, 10]), |i| {
        (i[0] * 60 + i[1] * 10 + i[2]) as i64
    });
    let d = from_array(x.clone(), [2, 3, 4]).unwrap();
    assert_eq!(
        d.permute_axes(&[2, 0, 1]).compute().unwrap(),
        x.clone().permuted_axes(IxDyn(&[2, 0, 1]))
    );
    assert!(d.permute_axes(&[1, 2]).compute().is_err());

    let y = rand_f64(&[2, 3, 4, 5], 22);
    let dy = from_array(y.clone(), [3, 3, 3, 3]).unwrap();
    let perm: Vec<usize> = [-1isize, -2, 0, 1]
        .iter()
        .map(|a| a.rem_euclid(4) as usize)
        .collect();
    assert_eq!(
        dy.permute_axes(&perm).compute().unwrap(),
        y.permuted_axes(IxDyn(&perm))
    );

    for shape in [vec![], vec![5], vec![3, 5, 7, 3]] {
        let x = rand_f64(&shape, 23);
        let d = from_array(x.clone(), vec![2; shape.len()]).unwrap();
        let nd = shape.len() as isize;
        for a1 in -nd..nd {
            for a2 in -nd..nd {
                let (f, t) = (a1.rem_euclid(nd) as usize, a2.rem_euclid(nd) as usize);
                let mut perm: Vec<usize> = (0..shape.len()).filter(|&k| k != f).collect();
                perm.insert(t, f);
                let want = x.clone().permuted_axes(IxDyn(&perm));
                assert_eq!(
                    d.moveaxis(f, t).compute().unwrap(),
                    want,
                    "moveaxis {a1} {a2}"
                );
                // rollaxis: the start is lowered by one when after the axis.
                let start = if f < t { t - 1 } else { t };
                let mut perm: Vec<usize> = (0..shape.len()).filter(|&k| k != f).collect();
                perm.insert(start, f);
                let want = x.clone().permuted_axes(IxDyn(&perm));
                assert_eq!(
                    d.rollaxis(f, t).compute().unwrap(),
                    want,
                    "rollaxis {a1} {a2}"
                );
            }
        }
    }
}

/// numpy's `tensordot` by its definition: the sum over the paired axes of products,
/// the free axes of `a` then of `b`.
fn tensordot_ref(a: &ArrayD<f64>, b: &ArrayD<f64>, ax_a: &[usize], ax_b: &[usize]) -> ArrayD<f64> {
    let free_a: Vec<usize> = (0..a.ndim()).filter(|d| !ax_a.contains(d)).collect();
    let free_b: Vec<usize> = (0..b.ndim()).filter(|d| !ax_b.contains(d)).collect();
    let mut shape: Vec<usize> = free_a.iter().map(|&d| a.shape()[d]).collect();
    shape.extend(free_b.iter().map(|&d| b.shape()[d]));
    let summed: Vec<usize> = ax_a.iter().map(|&d| a.shape()[d]).collect();
    ArrayD::from_shape_fn(IxDyn(&shape), |o| {
        let mut ia = vec![0; a.ndim()];
        let mut ib = vec![0; b.ndim()];
        for (k, &d) in free_a.iter().enumerate() {
            ia[d] = o[k];
        }
        for (k, &d) in free_b.iter().enumerate() {
            ib[d] = o[free_a.len() + k];
        }
        let mut s = 0.0;
        for c in ndarray::indices(IxDyn(&summed)) {
            for (k, (&da, &db)) in ax_a.iter().zip(ax_b).enumerate() {
                ia[da] = c[k];
                ib[db] = c[k];
            }
            s += a[IxDyn(&ia)] * b[IxDyn(&ib)];
        }
        s
    })
}

/// `test_tensordot_2` (numpy's axes forms as pairs of axis lists),
/// `test_tensordot_double_contraction_neq2`, `test_tensordot_double_contraction_ngt2`
/// and `test_dot_persist_equivalence` (`x[x < 0.65] = 0` as `where_`).
#[test]
fn tensordots_as_numpys() {
    let x = ArrayD::from_shape_fn(IxDyn(&[4, 4, 4]), |i| (i[0] * 16 + i[1] * 4 + i[2]) as i64);
    let xf = x.mapv(|v| v as f64);
    let y = from_array(x.clone(), [2, 2, 2]).unwrap();
    let axes: [(&[usize], &[usize]); 7] = [
        (&[], &[]),
        (&[2], &[0]),
        (&[0], &[1]),
        (&[1], &[0]),
        (&[1, 0], &[2, 1]),
        (&[1, 2], &[2, 0]),
        (&[2, 0], &[1, 2]),
    ];
    for (aa, ab) in axes {
        let got = y.tensordot(&y, aa, ab).compute().unwrap();
        let want = tensordot_ref(&xf, &xf, aa, ab).mapv(|v| v as i64);
        assert_eq!(got, want, "{aa:?} {ab:?}");
    }

    let x = ArrayD::from_shape_fn(IxDyn(&[4, 6]), |i| (i[0] * 6 + i[1]) as i64);
    let want: i64 = x.iter().map(|v| v * v).sum();
    for chunks in [
        Chunks::Auto,
        Chunks::Shape(vec![4, 6]),
        Chunks::Shape(vec![2, 3]),
        Chunks::Shape(vec![4, 3]),
        Chunks::Shape(vec![2, 6]),
    ] {
        let y = from_array(x.clone(), chunks.clone()).unwrap();
        let got = y.tensordot(&y, &[0, 1], &[0, 1]);
        assert_eq!(got.compute_scalar().unwrap(), want, "{chunks:?}");
    }

    let a = ArrayD::from_shape_fn(IxDyn(&[3, 4, 5]), |i| (i[0] * 20 + i[1] * 5 + i[2]) as f64);
    let b = ArrayD::from_shape_fn(IxDyn(&[4, 5, 3]), |i| (i[0] * 15 + i[1] * 3 + i[2]) as f64);
    let want = tensordot_ref(&a, &b, &[1, 2], &[0, 1]);
    let v = whole(b.clone());
    for u in [whole(a.clone()), from_array(a.clone(), [3, 3, 3]).unwrap()] {
        let got = u.tensordot(&v, &[1, 2], &[0, 1]).compute().unwrap();
        assert_close(&got, &want, 1e-14, "tensordot axes=2");
    }

    let x = random_uniform(0.0, 1.0, &[4, 4], [2, 2], 24).unwrap();
    let x = DArray::where_(&x.lt(0.65), &x.zeros_like(), &x);
    let y = x.persist().unwrap();
    let z = x.compute().unwrap().into_dimensionality::<Ix2>().unwrap();
    let rr = z.dot(&z).into_dyn();
    assert_close(&x.dot(&x).compute().unwrap(), &rr, 1e-12, "dot");
    assert_close(
        &y.dot(&y).compute().unwrap(),
        &rr,
        1e-12,
        "dot of persisted",
    );
}

/// numpy's `diff` `n` times along `axis`.
fn diff_ref(a: &ArrayD<i64>, n: usize, axis: usize) -> ArrayD<i64> {
    let mut a = a.clone();
    for _ in 0..n {
        let len = a.shape()[axis];
        let hi = a
            .slice_axis(Axis(axis), ndarray::Slice::from(1..len))
            .to_owned();
        let lo = a
            .slice_axis(Axis(axis), ndarray::Slice::from(0..len - 1))
            .to_owned();
        a = &hi - &lo;
    }
    a
}

/// An array, its values, the values to join to it and the axis.
type DiffCase<'a> = (&'a DArray<i64>, &'a ArrayD<i64>, ArrayD<i64>, usize);

/// `test_diff_prepend` and `test_diff_append`: `prepend=`/`append=` as a
/// concatenation before the diffs (a scalar as the value broadcast to one slice), and
/// shapes that do not join are an error.
#[test]
fn diffs_with_prepend_and_append() {
    let x = ArrayD::from_shape_fn(IxDyn(&[5]), |i| i[0] as i64 + 1);
    let a = from_array(x.clone(), [2]).unwrap();
    let x2 = ArrayD::from_shape_fn(IxDyn(&[4, 4]), |i| (i[0] * 4 + i[1]) as i64);
    let a2 = from_array(x2.clone(), [2, 2]).unwrap();
    let diff_n =
        |d: &DArray<i64>, n: usize, axis: usize| (0..n).fold(d.clone(), |d, _| d.diff(axis));
    for n in 0..3 {
        for before in [true, false] {
            let cases: Vec<DiffCase> = vec![
                (&a, &x, ndarray::arr1(&[0i64]).into_dyn(), 0),
                (&a, &x, ndarray::arr1(&[-1i64, 0]).into_dyn(), 0),
                (&a2, &x2, ArrayD::zeros(IxDyn(&[4, 1])), 1),
                (&a2, &x2, ArrayD::zeros(IxDyn(&[1, 4])), 0),
            ];
            for (d, xr, extra, axis) in cases {
                let e = from_array(extra.clone(), [1; 2][..extra.ndim()].to_vec()).unwrap();
                let (joined, joined_ref) = if before {
                    (
                        DArray::concatenate(&[e, d.clone()], axis),
                        ndarray::concatenate(Axis(axis), &[extra.view(), xr.view()]).unwrap(),
                    )
                } else {
                    (
                        DArray::concatenate(&[d.clone(), e], axis),
                        ndarray::concatenate(Axis(axis), &[xr.view(), extra.view()]).unwrap(),
                    )
                };
                let got = diff_n(&joined, n, axis).compute().unwrap();
                assert_eq!(
                    got,
                    diff_ref(&joined_ref, n, axis),
                    "n={n} {before} {extra}"
                );
            }
        }
    }
}

/// The error case of `test_diff_prepend` and `test_diff_append`: a `prepend`/`append`
/// of shape (3, 3) for a 1-d array is an error (for `n` > 0).
#[test]

fn diffs_with_a_prepend_that_does_not_join_fail() {
    let a = from_array(ArrayD::from_shape_fn(IxDyn(&[5]), |i| i[0] as i64 + 1), [2]).unwrap();
    for n in 1..3 {
        for before in [true, false] {
            let bad = zeros(&[3, 3], [3, 3]).unwrap().astype::<i64>();
            let joined = if before {
                DArray::concatenate(&[bad, a.clone()], 0)
            } else {
                DArray::concatenate(&[a.clone(), bad], 0)
            };
            let d = (0..n).fold(joined, |d, _| d.diff(0));
            assert!(d.compute().is_err(), "n={n} {before}");
        }
    }
}

/// `test_histogram_bins_range_with_nan_array` (NaN is not counted),
/// `test_isin_rand` (the test elements computed to a slice; invert as `!`),
/// `test_roll_works_even_if_shape_is_0`, `test_ravel` (the graph-size assert N/A) and
/// `test_ravel_1D_no_op`.
#[test]
fn histogram_isin_roll_and_ravel() {
    let v = from_array(ndarray::arr1(&[-2.0, f64::NAN, 2.0]).into_dyn(), [1]).unwrap();
    let (counts, edges) = v.histogram(10, -3.0, 3.0);
    assert_eq!(vals(&counts), vec![0, 1, 0, 0, 0, 0, 0, 0, 1, 0]);
    assert_values_close(&edges, &np_linspace(-3.0, 3.0, 11, true), "edges");

    for seed in [23, 796] {
        let shapes = [
            (vec![10], vec![5]),
            (vec![10], vec![3]),
            (vec![4, 5], vec![3, 2]),
            (vec![20, 20], vec![4, 5]),
        ];
        for (es, ec) in &shapes {
            for (ts, tc) in &shapes {
                let a1 = rand_int(es, 10, seed);
                let a2 = rand_int(ts, 10, seed + 1).mapv(|v| v - 5);
                let d1 = from_array(a1.clone(), ec.clone()).unwrap();
                let test = vals(&from_array(a2, tc.clone()).unwrap());
                let got = d1.isin(&test);
                let want = a1.mapv(|v| test.contains(&v));
                assert_eq!(got.compute().unwrap(), want);
                assert_eq!((!&got).compute().unwrap(), want.mapv(|b| !b));
            }
        }
    }

    let r = zeros(&[0], [1]).unwrap().roll(0, 0);
    assert_eq!(r.shape(), &[0]);
    assert!(vals(&r).is_empty());

    let x = rand_int(&[4, 6], 10, 25);
    let flat: Vec<i64> = x.iter().copied().collect();
    for chunks in [[4, 6], [2, 6]] {
        let a = from_array(x.clone(), chunks).unwrap();
        assert_eq!(vals(&a.ravel()), flat);
        let corner = a.index([Idx::At(0), Idx::At(0)]).ravel();
        assert_eq!(corner.shape(), &[1]);
        assert_eq!(vals(&corner), vec![x[[0, 0]]]);
        assert_eq!(vals(&a.ravel().ravel()), flat);
        let flat_t: Vec<i64> = x.t().iter().copied().collect();
        assert_eq!(vals(&a.t().ravel()), flat_t);
    }
    let x = rand_int(&[2, 3, 4], 10, 26);
    for chunks in [[4, 4, 4], [1, 3, 4]] {
        let a = from_array(x.clone(), chunks).unwrap();
        assert_eq!(vals(&a.ravel()), x.iter().copied().collect::<Vec<_>>());
    }

    let x = rand_int(&[100], 10, 27);
    let dx = from_array(x.clone(), [10]).unwrap();
    assert_eq!(vals(&dx.ravel()), x.iter().copied().collect::<Vec<_>>());
    let big: Vec<i64> = x.iter().copied().filter(|&v| v > 2).collect();
    assert_eq!(vals(&dx.mask(&dx.gt(2i64)).ravel()), big);
}

/// `test_expand_dims` (several axes as one `expand_dims` each, in increasing order;
/// axis -1 normalised; axis None type-excluded), `test_squeeze_1d_array` and
/// `test_take_large` (a lazy arange of 1e11 in chunks of 1e7, where Dask's is 1e12 in
/// chunks of 2e8: a chunk read is generated whole, 1.6 GB at 2e8, and building the
/// tasks of 1e5 chunks takes tens of seconds).
#[test]
fn expand_dims_squeeze_and_take_from_a_large_range() {
    let a: Vec<i64> = (0..10).collect();
    let d = from_array(
        ArrayD::from_shape_vec(IxDyn(&[10]), a.clone()).unwrap(),
        [3],
    )
    .unwrap();
    for (axes, shape) in [
        (vec![0], vec![1, 10]),
        (vec![1], vec![10, 1]),
        (vec![0, 1], vec![1, 1, 10]),
        (vec![0, 2], vec![1, 10, 1]),
        (vec![1, 2], vec![10, 1, 1]),
    ] {
        let e = axes.iter().fold(d.clone(), |x, &ax| x.expand_dims(ax));
        assert_eq!(e.shape(), shape.as_slice());
        let want = ArrayD::from_shape_vec(IxDyn(&shape), a.clone()).unwrap();
        assert_eq!(e.compute().unwrap(), want, "{axes:?}");
    }
    assert!(d.expand_dims(2).compute().is_err());

    for shape in [vec![1], vec![1, 1]] {
        let s = full(&shape, 2i64, vec![1; shape.len()])
            .unwrap()
            .squeeze(None);
        assert!(s.shape().is_empty());
        assert_eq!(s.compute().unwrap(), ArrayD::from_elem(IxDyn(&[]), 2i64));
    }

    let big = arange(0.0, 1e11, 1.0, [10_000_000]).unwrap();
    assert_eq!(big.shape(), &[100_000_000_000]);
    let idx: Vec<isize> = (0..20).collect();
    let got = big.take(&idx, 0).astype::<i64>();
    assert_eq!(vals(&got), (0..20).collect::<Vec<i64>>());
    let idx: Vec<isize> = (50..300).collect();
    let got = big.take(&idx, 0).astype::<i64>();
    assert_eq!(vals(&got), (50..300).collect::<Vec<i64>>());
}

/// `test_isnull` (isnull/notnull as `is_nan` and its negation), `test_isclose` and
/// `test_allclose` (numpy's default tolerances passed).
#[test]
fn nulls_and_closeness_as_numpys() {
    let a = from_array(ndarray::arr1(&[1.0, f64::NAN]).into_dyn(), [2]).unwrap();
    assert_eq!(vals(&a.is_nan()), vec![false, true]);
    assert_eq!(vals(&!a.is_nan()), vec![true, false]);

    let x = ndarray::arr1(&[0.0, f64::NAN, 1.0, 1.5]).into_dyn();
    let y = ndarray::arr1(&[1e-9, f64::NAN, 1.0, 2.0]).into_dyn();
    let (a, b) = (
        from_array(x.clone(), [2]).unwrap(),
        from_array(y.clone(), [2]).unwrap(),
    );
    // numpy's rule: |x - y| <= atol + rtol * |y|, NaNs equal when asked.
    let want: Vec<bool> = x
        .iter()
        .zip(y.iter())
        .map(|(&p, &q)| (p.is_nan() && q.is_nan()) || (p - q).abs() <= 1e-8 + 1e-5 * q.abs())
        .collect();
    assert_eq!(want, vec![true, true, true, false]);
    assert_eq!(vals(&a.isclose(&b, 1e-5, 1e-8, true)), want);
    let all = a.allclose(&b, 1e-5, 1e-8, true);
    assert!(all.shape().is_empty());
    assert!(!all.compute_scalar().unwrap());
    let head = |d: &DArray| d.index([Idx::range(0, 3, 1)]);
    assert!(
        head(&a)
            .allclose(&head(&b), 1e-5, 1e-8, true)
            .compute_scalar()
            .unwrap()
    );
}

/// `test_choose` (a bool index reads as 0 and 1; the function and method forms are one
/// call; the (1, 4) stacked choices as their one row), `test_select` (the rows of the
/// stacked conditions and choices), `test_select_multidimension` (with values in
/// [-1, 3) so that every branch is taken; Dask's [0, 1) takes none) and
/// `test_select_return_dtype`.
#[test]
fn choose_and_select_as_numpys() {
    let x = rand_int(&[15, 16], 10, 28);
    let d = from_array(x.clone(), [4, 5]).unwrap();
    let big = d.gt(5i64);
    let got = big.choose(&[d.full_like(0i64), d.clone()]);
    assert_eq!(
        got.compute().unwrap(),
        x.mapv(|v| if v > 5 { v } else { 0 })
    );
    let got = big.choose(&[-&d, d.clone()]);
    assert_eq!(
        got.compute().unwrap(),
        x.mapv(|v| if v > 5 { v } else { -v })
    );
    let idx = from_array(ndarray::arr1(&[0i64; 4]).into_dyn(), [2]).unwrap();
    let c = from_array(
        ndarray::arr2(&[[10.0, 20.0, 30.0, 40.0]]).into_dyn(),
        [1, 2],
    )
    .unwrap();
    assert_eq!(
        vals(&idx.choose(&[c.index([Idx::At(0)])])),
        vec![10.0, 20.0, 30.0, 40.0]
    );

    let conds = ndarray::arr2(&[
        [false; 4],
        [false, true, false, true],
        [false, false, true, true],
    ])
    .into_dyn();
    let choices = ndarray::arr2(&[[1i64, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]).into_dyn();
    let dc = from_array(conds, [3, 2]).unwrap();
    let dch = from_array(choices, [3, 4]).unwrap();
    let crow: Vec<DArray<bool>> = (0..3isize).map(|k| dc.index([Idx::At(k)])).collect();
    let chrow: Vec<DArray<i64>> = (0..3isize).map(|k| dch.index([Idx::At(k)])).collect();
    assert_eq!(vals(&DArray::select(&crow, &chrow, 0)), vec![0, 6, 11, 8]);

    let xm = rand_f64(&[100, 50, 2], 29).mapv(|v| v * 4.0 - 1.0);
    let y = from_array(xm.clone(), [50, 50, 1]).unwrap();
    let got = DArray::select(
        &[y.lt(0.0), y.gt(2.0), y.gt(1.0)],
        &[y.clone(), &y * 2.0, &y * 3.0],
        1.0,
    );
    let want = xm.mapv(|v| {
        if v < 0.0 {
            v
        } else if v > 2.0 {
            v * 2.0
        } else if v > 1.0 {
            v * 3.0
        } else {
            1.0
        }
    });
    let branches: [fn(f64) -> bool; 4] = [
        |v: f64| v < 0.0,
        |v: f64| v > 2.0,
        |v: f64| v > 1.0 && v <= 2.0,
        |v: f64| (0.0..=1.0).contains(&v),
    ];
    for branch in branches {
        assert!(xm.iter().any(|&v| branch(v)));
    }
    assert_eq!(got.compute().unwrap(), want);

    let d = from_array(
        ndarray::arr1(&[1.0, 2.0, 3.0, f64::NAN, 5.0, 7.0]).into_dyn(),
        [6],
    )
    .unwrap();
    let got = vals(&DArray::select(
        &[d.is_nan()],
        std::slice::from_ref(&d),
        0.0,
    ));
    assert_eq!(got.len(), 6);
    assert!(got[3].is_nan());
    assert!(
        got.iter().enumerate().all(|(i, &v)| i == 3 || v == 0.0),
        "{got:?}"
    );
}

/// `test_where` (an int condition as `!= 0`, scalar conditions as full arrays, the
/// uint8 operand negated in uint8 then taken as int64 as numpy promotes),
/// `test_where_bool_optimization` (identity N/A) and `test_where_nonzero` (`where(x)`
/// as `x.ne(0).nonzero()`).
#[test]
fn where_as_numpys() {
    let mut x = rand_int(&[15, 14], 10, 32);
    x[[5, 5]] = 0;
    x[[4, 4]] = 0;
    let d = from_array(x.clone(), [4, 5]).unwrap();
    let y = rand_int(&[15], 10, 33).mapv(|v| v as u8);
    let e = from_array(y.clone(), [4]).unwrap();
    let mut conds: Vec<(DArray<bool>, ArrayD<bool>)> = vec![
        (d.gt(5i64), x.mapv(|v| v > 5)),
        (d.ne(0i64), x.mapv(|v| v != 0)),
    ];
    for c in [true, false] {
        conds.push((d.full_like(c), ArrayD::from_elem(x.raw_dim(), c)));
    }
    let others: Vec<(DArray<i64>, ArrayD<i64>)> = vec![
        (d.full_like(0i64), ArrayD::zeros(IxDyn(&[]))),
        (
            (-&e).astype::<i64>().index([Idx::ALL, Idx::NewAxis]),
            y.mapv(|v| i64::from(v.wrapping_neg()))
                .into_shape_with_order(IxDyn(&[15, 1]))
                .unwrap(),
        ),
        (
            e.index([Idx::range(0, 14, 1)]).astype::<i64>(),
            y.slice(s![..14]).mapv(i64::from).into_dyn(),
        ),
    ];
    for (c, cr) in &conds {
        for (b, br) in &others {
            let got = DArray::where_(c, &d, b).compute().unwrap();
            let bb = br.broadcast(x.raw_dim()).unwrap();
            let want = Zip::from(cr)
                .and(&x)
                .and(&bb)
                .map_collect(|&c, &p, &q| if c { p } else { q });
            assert_eq!(got, want);
        }
    }

    let x = rand_int(&[15, 16], 10, 34);
    let y = rand_int(&[15, 16], 10, 35);
    let (d, e) = (
        from_array(x.clone(), [4, 5]).unwrap(),
        from_array(y.clone(), [4, 5]).unwrap(),
    );
    for c in [true, false] {
        let got = DArray::where_(&d.full_like(c), &d, &e).compute().unwrap();
        assert_eq!(got, if c { x.clone() } else { y.clone() });
    }

    for (shape, chunks) in [
        (vec![0], Chunks::Explicit(vec![vec![0]])),
        (vec![0, 0], Chunks::Explicit(vec![vec![0], vec![0]])),
        (vec![15, 16], Chunks::Shape(vec![4, 5])),
    ] {
        let x = rand_int(&shape, 10, 36);
        let d = from_array(x.clone(), chunks).unwrap();
        let w = d.ne(0i64).nonzero();
        assert_eq!(w.len(), shape.len());
        for (k, wk) in w.iter().enumerate() {
            let want: Vec<i64> = x
                .indexed_iter()
                .filter(|(_, v)| **v != 0)
                .map(|(ix, _)| ix[k] as i64)
                .collect();
            assert_eq!(vals(wk), want, "{shape:?} axis {k}");
        }
    }
}

/// `test_count_nonzero` and `test_count_nonzero_axis`.
#[test]
fn count_nonzero_as_numpys() {
    for (shape, chunks) in [
        (vec![0], Chunks::Explicit(vec![vec![0]])),
        (vec![0, 0], Chunks::Explicit(vec![vec![0], vec![0]])),
        (vec![15, 16], Chunks::Shape(vec![4, 5])),
    ] {
        let x = rand_int(&shape, 10, 37);
        let d = from_array(x.clone(), chunks).unwrap();
        let count = |v: &[i64]| v.iter().filter(|&&q| q != 0).count() as i64;
        let all: Vec<i64> = x.iter().copied().collect();
        assert_eq!(d.count_nonzero(None).compute_scalar().unwrap(), count(&all));
        if shape.len() == 2 {
            for axes in [vec![0], vec![1], vec![0, 1]] {
                let want = reduce_ref(&x, &axes, count);
                assert_eq!(d.count_nonzero(axes.clone()).compute().unwrap(), want);
            }
        }
    }
}

/// `test_append` (axis None as both raveled; tuple values through `from_array`;
/// negative axes normalised) and `test_delete` (a position as a one-element list,
/// slices as their positions, `slice(1, 10, -1)` empty).
#[test]
fn appends_and_deletes_as_numpys() {
    let x = rand_int(&[10, 10], 10, 38);
    let a = from_array(x.clone(), [5, 5]).unwrap();
    let y1 = rand_int(&[10, 5], 10, 39);
    let b1 = from_array(y1.clone(), [4, 4]).unwrap();
    let y0 = rand_int(&[5, 10], 10, 40);
    let b0 = from_array(y0.clone(), [4, 4]).unwrap();
    let flat =
        |p: &ArrayD<i64>, q: &ArrayD<i64>| p.iter().chain(q.iter()).copied().collect::<Vec<_>>();
    assert_eq!(vals(&a.ravel().append(&a.ravel(), 0)), flat(&x, &x));
    assert_eq!(vals(&a.ravel().append(&b0.ravel(), 0)), flat(&x, &y0));
    assert_eq!(vals(&a.ravel().append(&b1.ravel(), 0)), flat(&x, &y1));
    let join = |axis: usize, p: &ArrayD<i64>, q: &ArrayD<i64>| {
        ndarray::concatenate(Axis(axis), &[p.view(), q.view()]).unwrap()
    };
    assert_eq!(a.append(&b0, 0).compute().unwrap(), join(0, &x, &y0));
    assert_eq!(a.append(&b1, 1).compute().unwrap(), join(1, &x, &y1));
    let z = ArrayD::<i64>::zeros(IxDyn(&[10, 10]));
    let dz = from_array(z.clone(), [10, 10]).unwrap();
    assert_eq!(vals(&a.ravel().append(&dz.ravel(), 0)), flat(&x, &z));
    assert_eq!(a.append(&dz, 0).compute().unwrap(), join(0, &x, &z));
    assert_eq!(a.append(&dz, 1).compute().unwrap(), join(1, &x, &z));
    assert!(a.append(&dz, 2).compute().is_err());
    let z1 = from_array(ArrayD::<i64>::zeros(IxDyn(&[10])), [10]).unwrap();
    assert!(a.append(&z1, 0).compute().is_err());

    let del = |idx: &[isize], axis: usize, gone: &[usize]| {
        let keep: Vec<usize> = (0..10).filter(|i| !gone.contains(i)).collect();
        let got = a.delete(idx, axis).compute().unwrap();
        assert_eq!(got, x.select(Axis(axis), &keep), "{idx:?} {axis}");
    };
    del(&[0], 0, &[0]);
    del(&[3], 1, &[3]);
    del(&[5], 1, &[5]);
    del(&[-1], 0, &[9]);
    del(&[2, 3, 3], 1, &[2, 3]);
    del(&[2, 3, 8, 8], 0, &[2, 3, 8]);
    del(&[1, 2, 3], 1, &[1, 2, 3]);
    del(&[], 1, &[]);
    del(&[4, 2], 0, &[2, 4]);
    assert!(a.delete(&[3], 2).compute().is_err());
}

/// `test_einsum_optimize`, `test_einsum_order` and `test_einsum_casting` (their
/// options have no analog and no effect on values: the values are what each asserts;
/// Dask passes numpy operands, here chunked as its `_numpy_and_dask_inputs`),
/// `test_einsum_split_every` (`einsum("a")` is the identity; split_every N/A) and
/// `test_einsum_empty_dimension`.
#[test]
fn einsums_as_numpys() {
    let dim = |c: char| match c {
        'a' | 'd' => 5,
        'b' | 'e' => 6,
        'c' => 7,
        'f' => 10,
        'g' => 1,
        'h' => 2,
        _ => unreachable!(),
    };
    let chunks = |c: char| -> Vec<usize> {
        match c {
            'a' => vec![2, 3],
            'b' => vec![2, 3, 1],
            'c' => vec![2, 3, 2],
            'd' => vec![4, 1],
            'e' => vec![2, 4],
            'f' => vec![1, 2, 3, 4],
            'g' => vec![1],
            'h' => vec![1, 1],
            _ => unreachable!(),
        }
    };
    let sigs = ["ea", "fb", "abcd", "gc", "hd"];
    let arrays: Vec<ArrayD<f64>> = sigs
        .iter()
        .enumerate()
        .map(|(k, s)| rand_f64(&s.chars().map(dim).collect::<Vec<_>>(), 41 + k as u64))
        .collect();
    let darrays: Vec<DArray<f64>> = sigs
        .iter()
        .zip(&arrays)
        .map(|(s, a)| from_array(a.clone(), s.chars().map(chunks).collect::<Vec<_>>()).unwrap())
        .collect();
    let refs: Vec<&DArray<f64>> = darrays.iter().collect();
    let got = einsum("ea,fb,abcd,gc,hd->efgh", &refs).compute().unwrap();
    let [p, q, r, s, t] = &arrays[..] else {
        unreachable!()
    };
    let want = ArrayD::from_shape_fn(IxDyn(&[6, 10, 1, 2]), |o| {
        let (e, f, g, h) = (o[0], o[1], o[2], o[3]);
        let mut sum = 0.0;
        for a in 0..5 {
            for b in 0..6 {
                for c in 0..7 {
                    for d in 0..5 {
                        sum += p[[e, a]] * q[[f, b]] * r[[a, b, c, d]] * s[[g, c]] * t[[h, d]];
                    }
                }
            }
        }
        sum
    });
    assert_close(&got, &want, 1e-12, "ea,fb,abcd,gc,hd->efgh");

    let av = rand_f64(&[5], 46);
    let a = from_array(av.clone(), vec![vec![2, 3]]).unwrap();
    assert_eq!(einsum("a", &[&a]).compute().unwrap(), av);

    let e = from_array(rand_f64(&[10, 10], 47), [5, 5])
        .unwrap()
        .index([Idx::range(0, 0, 1)]);
    let r = einsum("ca,ca->c", &[&e, &e]);
    assert_eq!(r.shape(), &[0]);
    assert_eq!(r.compute().unwrap().shape(), &[0]);
}

/// `test_average` (no weights: weights of ones; `returned`'s sum of weights is their
/// sum, the element count) and `test_average_keepdims` (as `expand_dims`).
#[test]
fn unweighted_averages() {
    for a in [
        ArrayD::from_shape_fn(IxDyn(&[11]), |i| i[0] as i64),
        ArrayD::from_shape_fn(IxDyn(&[3, 2]), |i| (i[0] * 2 + i[1]) as i64),
    ] {
        let d = from_array(a.clone(), vec![2; a.ndim()]).unwrap();
        let want = a.iter().sum::<i64>() as f64 / a.len() as f64;
        let avg = d.average(&d.ones_like(), None);
        assert_eq!(avg.compute_scalar().unwrap(), want);
        assert_eq!(d.mean(None).compute_scalar().unwrap(), want);
        assert_eq!(
            d.ones_like().sum(None).compute_scalar().unwrap(),
            a.len() as i64
        );
        let kept = (0..a.ndim()).fold(avg, |k, _| k.expand_dims(0));
        assert_eq!(
            kept.compute().unwrap(),
            ArrayD::from_elem(IxDyn(&vec![1; a.ndim()]), want)
        );
    }
}
