//! Dask's point-indexing tests (`x.vindex[...]`, test_array_core.py and
//! test_slicing.py) and its tests of indexing by a lazy integer array
//! (`x[dask_int_array]`, `da.take(x, dask_int_array)`, test_slicing.py and
//! test_routines.py), at the commit docs/dask-array-tests.md names. Each test names
//! the Dask test it follows and compares chunkwise against an eager reference
//! written here as a plain loop with numpy's advanced-indexing rules. Dask's
//! `x.vindex[a, b]` is `x.vindex([a, b])`; `x[..., dask_ints, ...]` and
//! `da.take(x, dask_ints, axis)` are `x.take_by(&dask_ints, axis)`. Where Dask raises
//! at once, chunkwise returns an array that carries the error; the tests check both
//! that the error is there and that `compute` returns it.

use chunkwise::array::{DArray, Element, Idx, VIdx, from_array, ones};
use ndarray::{ArrayD, IxDyn};

use super::array_dask_port::rand_f64;

/// `0, 1, ..., n - 1` reshaped to `shape` (numpy's `arange(n).reshape(shape)`).
fn ramp(shape: &[usize]) -> ArrayD<i64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n as i64).collect()).unwrap()
}

fn arr<T: Clone>(shape: &[usize], v: Vec<T>) -> ArrayD<T> {
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
}

/// Row-major multi-indices of `shape`.
fn positions(shape: &[usize]) -> Vec<Vec<usize>> {
    let n: usize = shape.iter().product();
    (0..n)
        .map(|mut i| {
            let mut idx = vec![0; shape.len()];
            for d in (0..shape.len()).rev() {
                idx[d] = i % shape[d];
                i /= shape[d];
            }
            idx
        })
        .collect()
}

/// Point indexing by a loop: `points[d]` is `Some(positions)` (all of one length `k`,
/// negative from the end) for the indexed axes and `None` for whole axes; the result
/// is `k` points, then the whole axes in order (Dask's vindex layout).
fn vindex_ref<T: Copy + Default>(x: &ArrayD<T>, points: &[Option<Vec<i64>>]) -> ArrayD<T> {
    let k = points.iter().flatten().next().unwrap().len();
    let whole: Vec<usize> = (0..x.ndim())
        .filter(|&d| points.get(d).is_none_or(|p| p.is_none()))
        .collect();
    let mut shape = vec![k];
    shape.extend(whole.iter().map(|&d| x.shape()[d]));
    let mut out = Vec::new();
    for p in 0..k {
        for rest in positions(&shape[1..]) {
            let mut at = vec![0; x.ndim()];
            for (j, &d) in whole.iter().enumerate() {
                at[d] = rest[j];
            }
            for (d, e) in points.iter().enumerate() {
                if let Some(v) = e {
                    let n = x.shape()[d] as i64;
                    at[d] = (if v[p] < 0 { v[p] + n } else { v[p] }) as usize;
                }
            }
            out.push(x[IxDyn(&at)]);
        }
    }
    arr(&shape, out)
}

fn assert_err<T: Element>(y: &DArray<T>, needles: &[&str]) {
    let e = y.error().expect("an error carried").to_string();
    for n in needles {
        assert!(e.contains(n), "{e:?} does not name {n:?}");
    }
    assert!(y.compute().is_err());
}

/// test_point_slicing: `d.vindex[[1, 2, 5, 5], [3, 1, 6, 1]]` on a 7x8 array in
/// (3, 4) chunks; `same_keys` becomes equal tokens.
#[test]
fn test_point_slicing() {
    let x = ramp(&[7, 8]);
    let d = from_array(x.clone(), [3, 4]).unwrap();
    for (a, b) in [
        (vec![1, 2, 5, 5], vec![3, 1, 6, 1]),
        (vec![0, 1, 6, 0], vec![0, 1, 0, 7]),
    ] {
        let r = d.vindex([a.clone(), b.clone()]);
        assert_eq!(
            r.compute().unwrap(),
            vindex_ref(&x, &[Some(a.clone()), Some(b.clone())])
        );
        assert_eq!(r.token(), d.vindex([a, b]).token());
    }
}

/// test_point_slicing_with_full_slice: `None` in Dask's lists stands for a whole
/// axis (`slice(None)`); the points axis comes first, then the whole axes (Dask's
/// `_get_axis` rotation of numpy's answer, written here directly).
#[test]
fn test_point_slicing_with_full_slice() {
    let x = ramp(&[4, 5, 6, 7]);
    let d = from_array(x.clone(), [2, 3, 3, 4]).unwrap();
    let s = |v: &[i64]| Some(v.to_vec());
    let inds: Vec<Vec<Option<Vec<i64>>>> = vec![
        vec![s(&[1, 2, 3]), None, s(&[3, 2, 1]), s(&[5, 3, 4])],
        vec![s(&[1, 2, 3]), None, s(&[4, 3, 2]), None],
        vec![s(&[1, 2, 3]), s(&[3, 2, 1])],
        vec![s(&[1, 2, 3]), s(&[3, 2, 1]), s(&[3, 2, 1]), s(&[5, 3, 4])],
        vec![s(&[]), s(&[]), s(&[]), None],
        vec![None, None, s(&[1, 2, 3]), s(&[4, 3, 2])],
        vec![None, s(&[0, 2, 3]), None, s(&[0, 3, 2])],
    ];
    for ind in inds {
        let entries: Vec<VIdx> = ind
            .iter()
            .map(|e| match e {
                Some(v) => VIdx::from(v.clone()),
                None => VIdx::ALL,
            })
            .collect();
        let r = d.vindex(entries);
        let expected = vindex_ref(&x, &ind);
        let got = r.compute().unwrap();
        assert_eq!(got, expected, "{ind:?}");
        let k = ind.iter().flatten().next().unwrap().len();
        assert_eq!(r.shape()[0], k);
    }
}

/// test_vindex_basic: where basic and advanced indexing coincide.
#[test]
fn test_vindex_basic() {
    let x = ramp(&[7, 8]);
    let d = from_array(x.clone(), [3, 4]).unwrap();
    // d.vindex[0] == x[0]
    let r = d.vindex([0isize]).compute().unwrap();
    assert_eq!(r, arr(&[8], (0..8).collect()));
    // d.vindex[0, 1] == x[0, 1]
    let r = d.vindex([0isize, 1]).compute().unwrap();
    assert_eq!(r, arr(&[], vec![1]));
    // d.vindex[[0, 1], ::-1] == x[:2, ::-1]
    let rev = Idx::Slice {
        start: None,
        stop: None,
        step: -1,
    };
    let r = d.vindex([VIdx::from(vec![0, 1]), VIdx::from(rev)]);
    let mut want = Vec::new();
    for i in 0..2 {
        for j in (0..8).rev() {
            want.push(x[IxDyn(&[i, j])]);
        }
    }
    assert_eq!(r.compute().unwrap(), arr(&[2, 8], want));
    // Only whole slices give the array back; other slices alone are an error.
    assert_eq!(d.vindex([VIdx::ALL, VIdx::ALL]).compute().unwrap(), x);
    assert_err(&d.vindex([VIdx::from(0..3)]), &["index array"]);
}

/// test_vindex_nd: index arrays of two dimensions, broadcast together.
#[test]
fn test_vindex_nd() {
    let x = ramp(&[7, 8]);
    let d = from_array(x.clone(), [3, 4]).unwrap();
    let a = arr(&[2, 2], vec![0i64, 1, 6, 0]);
    let b = arr(&[2, 2], vec![0i64, 1, 0, 7]);
    let r = d.vindex([a.clone(), b.clone()]);
    let want: Vec<i64> = (0..4)
        .map(|p| {
            x[IxDyn(&[
                a.as_slice().unwrap()[p] as usize,
                b.as_slice().unwrap()[p] as usize,
            ])]
        })
        .collect();
    assert_eq!(r.compute().unwrap(), arr(&[2, 2], want));

    // arange(7)[:, None], arange(8)[None, :] -> x
    let rows = arr(&[7, 1], (0..7).collect::<Vec<i64>>());
    let cols = arr(&[1, 8], (0..8).collect::<Vec<i64>>());
    assert_eq!(d.vindex([rows, cols]).compute().unwrap(), x);
    // arange(7)[None, :], arange(8)[:, None] -> x.T
    let rows = arr(&[1, 7], (0..7).collect::<Vec<i64>>());
    let cols = arr(&[8, 1], (0..8).collect::<Vec<i64>>());
    let r = d.vindex([rows, cols]);
    assert_eq!(r.shape(), &[8, 7]);
    assert_eq!(r.compute().unwrap(), x.t().to_owned());
}

/// test_vindex_preserve_chunksize[0, 1]: a 100x100x40 array in (50, 50, 20) chunks,
/// `10000 + size` random points on the first two axes (the same column twice, as
/// Dask's test): the points axis is cut into pieces of 50 * 50 = 2500. Dask draws the
/// data and the points from numpy's generator; here from a fixed stream.
#[test]
fn test_vindex_preserve_chunksize() {
    for size in [0usize, 1] {
        let data = rand_f64(&[100, 100, 40], 11);
        let a = from_array(data.clone(), [50, 50, 20]).unwrap();
        let idx: Vec<i64> = rand_f64(&[10_000 + size], 12 + size as u64)
            .iter()
            .map(|v| ((v * 100.0) as i64).min(99))
            .collect();
        let r = a.vindex([VIdx::from(idx.clone()), VIdx::from(idx.clone()), VIdx::ALL]);
        let mut want = vec![2500, 2500, 2500, 2500];
        if size == 1 {
            want.push(1);
        }
        assert_eq!(r.chunks(), &[want, vec![20, 20]]);
        assert_eq!(
            r.compute().unwrap(),
            vindex_ref(&data, &[Some(idx.clone()), Some(idx), None])
        );
    }
}

/// test_vindex_negative
#[test]
fn test_vindex_negative() {
    let x = ramp(&[10]);
    let d = from_array(x.clone(), [5]).unwrap();
    let r = d.vindex([vec![0, -1]]);
    assert_eq!(r.compute().unwrap(), arr(&[2], vec![0, 9]));
}

/// test_vindex_errors: a new axis, arrays that do not broadcast, indices out of range
/// (both ends). Boolean index arrays cannot be written (`VIdx::Points` holds
/// integers); a lazy indexer is `take_by` (test_vindex_with_dask_array).
#[test]
fn test_vindex_errors() {
    let d = ones(&[5, 5, 5], [3, 3, 3]).unwrap();
    assert_err(&d.vindex([Idx::NewAxis]), &["new axis"]);
    assert_err(
        &d.vindex([vec![1, 2], vec![1, 2, 3]]),
        &["broadcast", "[2] [3]"],
    );
    assert_err(&d.vindex([vec![0], vec![5]]), &["index 5", "axis 1"]);
    assert_err(&d.vindex([vec![0], vec![-6]]), &["index -6", "axis 1"]);
    assert_err(&d.vindex([vec![0], vec![0], vec![5]]), &["axis 2"]);
}

/// test_vindex_with_dask_array: a 1-d array indexed by a lazy 4x2 integer array in
/// (2, 2) chunks gives `arr[indexer]` chunked as the indexer. Dask refuses the cases
/// with more than one input chunk or more than one axis; `take_by` answers them, so
/// the rechunked case is checked for values instead.
#[test]
fn test_vindex_with_dask_array() {
    let a = arr(&[3], vec![0.2, 0.4, 0.6]);
    let darr = from_array(a.clone(), [3]).unwrap();
    let ind: Vec<i64> = rand_f64(&[8], 5)
        .iter()
        .map(|v| ((v * 3.0) as i64).min(2))
        .collect();
    let dind = from_array(arr(&[4, 2], ind.clone()), [2, 2]).unwrap();
    let want = arr(
        &[4, 2],
        ind.iter().map(|&i| [0.2, 0.4, 0.6][i as usize]).collect(),
    );
    let r = darr.take_by(&dind, 0);
    assert_eq!(r.chunks(), &[vec![2, 2], vec![2]]);
    assert_eq!(r.compute().unwrap(), want);
    let r = darr.rechunk([1]).take_by(&dind, 0);
    assert_eq!(r.compute().unwrap(), want);
}

/// The 3x5 array and the lazy or eager index of test_index_with_int_dask_array.
const X: [i64; 15] = [
    10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150,
];

/// test_index_with_int_dask_array[x_chunks, idx_chunks]: `x[:, idx]` and
/// `x.T[idx, :]`; Dask's `None` (a numpy array, not a Dask one) is one chunk for `x`
/// and the eager `take` for `idx`.
#[test]
fn test_index_with_int_dask_array() {
    let x = arr(&[3, 5], X.to_vec());
    let expect = arr(&[3, 3], vec![40i64, 10, 20, 90, 60, 70, 140, 110, 120]);
    for xc in [[3, 5], [3, 5], [2, 3], [1, 2], [1, 1]] {
        let dx = from_array(x.clone(), xc).unwrap();
        for ic in [None, Some(3), Some(2), Some(1)] {
            let (a, b) = match ic {
                None => (dx.take(&[3, 0, 1], 1), dx.t().take(&[3, 0, 1], 0)),
                Some(c) => {
                    let idx = from_array(arr(&[3], vec![3i64, 0, 1]), [c]).unwrap();
                    (dx.take_by(&idx, 1), dx.t().take_by(&idx, 0))
                }
            };
            assert_eq!(a.compute().unwrap(), expect, "{xc:?} {ic:?}");
            assert_eq!(b.compute().unwrap(), expect.t().to_owned(), "{xc:?} {ic:?}");
        }
    }
}

/// test_index_with_int_dask_array_0d[1, 2, 3]: a 0-dimensional lazy index drops the
/// axis, as an integer does.
#[test]
fn test_index_with_int_dask_array_0d() {
    let x = arr(&[2, 3], vec![10i64, 20, 30, 40, 50, 60]);
    let idx0 = from_array(arr(&[], vec![1i64]), [0usize; 0]).unwrap();
    for c in [1, 2, 3] {
        let dx = from_array(x.clone(), [c, c]).unwrap();
        assert_eq!(
            dx.take_by(&idx0, 0).compute().unwrap(),
            arr(&[3], vec![40, 50, 60])
        );
        assert_eq!(
            dx.take_by(&idx0, 1).compute().unwrap(),
            arr(&[2], vec![20, 50])
        );
    }
}

/// test_index_with_int_dask_array_negindex[2, 4]
#[test]
fn test_index_with_int_dask_array_negindex() {
    for c in [2, 4] {
        let a = from_array(ramp(&[4]), [c]).unwrap();
        let idx = from_array(arr(&[2], vec![-1i64, -4]), [1]).unwrap();
        assert_eq!(a.take_by(&idx, 0).compute().unwrap(), arr(&[2], vec![3, 0]));
    }
}

/// test_index_with_int_dask_array_indexerror[2, 4]: the error comes at compute and
/// names the index.
#[test]
fn test_index_with_int_dask_array_indexerror() {
    for c in [2, 4] {
        let a = from_array(ramp(&[4]), [c]).unwrap();
        for bad in [4i64, -5] {
            let idx = from_array(arr(&[1], vec![bad]), [1]).unwrap();
            let y = a.take_by(&idx, 0);
            assert!(y.error().is_none(), "known only at compute");
            let e = y.compute().unwrap_err().to_string();
            assert!(e.contains(&format!("index {bad}")), "{e}");
        }
    }
}

/// test_index_with_int_dask_array_dtypes: the crate's integer types (int8, int16 and
/// uint16 are not element types of chunkwise).
#[test]
fn test_index_with_int_dask_array_dtypes() {
    fn check<I: chunkwise::array::Integer>(one: I, two: I) {
        let a = from_array(arr(&[4], vec![10i64, 20, 30, 40]), [4]).unwrap();
        let idx = from_array(arr(&[2], vec![one, two]), [1]).unwrap();
        assert_eq!(
            a.take_by(&idx, 0).compute().unwrap(),
            arr(&[2], vec![20, 30]),
            "{}",
            I::DTYPE
        );
    }
    check(1u8, 2);
    check(1i32, 2);
    check(1u32, 2);
    check(1i64, 2);
    check(1u64, 2);
}

/// test_take_dask_from_numpy: `da.take(x * 2, y)` with `x` a numpy array and `y` a
/// lazy index in chunks of 3: the result is chunked as `y`.
#[test]
fn test_take_dask_from_numpy() {
    let x: Vec<f64> = (0..5).map(|i| i as f64 * 2.0).collect();
    let dx = from_array(arr(&[5], x.clone()), [5]).unwrap();
    let iv = vec![1i64, 2, 3, 3, 2, 1];
    let y = from_array(arr(&[6], iv.clone()), [3]).unwrap();
    let z = dx.take_by(&y, 0);
    assert_eq!(z.chunks(), y.chunks());
    let want: Vec<f64> = iv.iter().map(|&i| x[i as usize]).collect();
    assert_eq!(z.compute().unwrap(), arr(&[6], want));
}
