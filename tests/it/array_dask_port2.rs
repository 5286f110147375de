//! Dask's array tests, a second round (dask/dask at the commit docs/dask-array-tests.md
//! names): the writable rows of test_rechunk.py, test_slicing.py, test_random.py and
//! test_ufunc.py. Each test names the Dask test it follows and compares chunkwise
//! against an eager reference: ndarray, a plain loop (Python's slice rules written out
//! as a loop, chunk sizes counted by hand), or numpy's documented answer. Dask draws
//! its data from numpy's generator; any values do, so the data here comes from a fixed
//! linear congruential stream. Python-only parts (graph keys and dependencies, names,
//! `isinstance`, configuration) are re-expressed or left out, as each doc comment says.
//! Where Dask raises at once, chunkwise returns an array that carries the error; the
//! tests check both that the error is there and that `compute` returns it.

use std::collections::HashSet;

use chunkwise::array::{
    AUTO_CHUNK_BYTES, AxisChunks, Chunks, DArray, DType, Element, Idx, arange, from_array, full,
    ones, random, random_integers, random_normal, random_uniform, zeros,
};
use chunkwise::rand_distr::{Exp, Uniform};
use chunkwise::{Config, Scheduler};
use ndarray::{ArrayD, Axis, IxDyn, SliceInfoElem};

use super::array_dask_port::rand_f64;

/// `0, 1, ..., n - 1` reshaped to `shape` (numpy's `arange(n).reshape(shape)`).
fn ramp(shape: &[usize]) -> ArrayD<i64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n as i64).collect()).unwrap()
}

/// The computed values in row-major order.
fn vals<T: Element>(x: &DArray<T>) -> Vec<T> {
    x.compute().unwrap().iter().copied().collect()
}

/// `n` cut into pieces of `c`, the last one ragged; `(0,)` for an empty axis (Dask's
/// `blockdims_from_blockshape`), counted by a loop.
fn split_ref(n: usize, c: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut left = n;
    while left > 0 {
        let k = left.min(c);
        out.push(k);
        left -= k;
    }
    if out.is_empty() {
        out.push(0);
    }
    out
}

/// The positions Python's `slice(start, stop, step)` selects from an axis of length
/// `n` (`slice.indices`, then the range), written out as a loop.
fn py_slice(start: Option<isize>, stop: Option<isize>, step: isize, n: usize) -> Vec<usize> {
    assert_ne!(step, 0);
    let n = n as isize;
    let clamp = |v: isize, lo: isize, hi: isize| {
        let v = if v < 0 { v + n } else { v };
        v.clamp(lo, hi)
    };
    let mut out = Vec::new();
    if step > 0 {
        let mut i = start.map_or(0, |v| clamp(v, 0, n));
        let stop = stop.map_or(n, |v| clamp(v, 0, n));
        while i < stop {
            out.push(i as usize);
            i += step;
        }
    } else {
        let mut i = start.map_or(n - 1, |v| clamp(v, -1, n - 1));
        let stop = stop.map_or(-1, |v| clamp(v, -1, n - 1));
        while i > stop {
            out.push(i as usize);
            i += step;
        }
    }
    out
}

/// The positions where `mask` is true.
fn trues(mask: &[bool]) -> Vec<usize> {
    (0..mask.len()).filter(|&i| mask[i]).collect()
}

/// A 1-d boolean mask as a chunked array.
fn bool_array(mask: &[bool], chunk: usize) -> DArray<bool> {
    from_array(ndarray::arr1(mask).into_dyn(), [chunk]).unwrap()
}

// ---------------------------------------------------------------------------------
// test_rechunk.py
// ---------------------------------------------------------------------------------

/// Rechunks `a` (chunked as `old`) to `new`: the chunks are `new` and the values `a`.
fn check_rechunk(a: &ArrayD<f64>, old: Vec<Vec<usize>>, new: Vec<Vec<usize>>) {
    let x = from_array(a.clone(), old.clone()).unwrap();
    assert_eq!(x.chunks(), old.as_slice());
    let y = x.rechunk(new.clone());
    assert_eq!(y.chunks(), new.as_slice());
    assert_eq!(&y.compute().unwrap(), a);
}

/// `test_rechunk_1d`: 30 values in chunks of 10 rechunked to chunks of 5.
#[test]
fn rechunk_1d() {
    check_rechunk(&rand_f64(&[30], 1), vec![vec![10; 3]], vec![vec![5; 6]]);
}

/// `test_rechunk_2d`: (10, 30) from ((1, 2, 3, 4), (5,)*6) to ((5, 5), (15, 15)).
#[test]
fn rechunk_2d() {
    check_rechunk(
        &rand_f64(&[10, 30], 2),
        vec![vec![1, 2, 3, 4], vec![5; 6]],
        vec![vec![5, 5], vec![15, 15]],
    );
}

/// `test_rechunk_4d`: (10,)*4 from chunks of 5 to one chunk.
#[test]
fn rechunk_4d() {
    check_rechunk(
        &rand_f64(&[10; 4], 3),
        vec![vec![5, 5]; 4],
        vec![vec![10]; 4],
    );
}

/// `test_rechunk_expand`: (10, 10) in chunks of 5 to ((3, 3, 3, 1),)*2 (Dask checks
/// the values only; the chunks are checked too).
#[test]
fn rechunk_expand() {
    let a = rand_f64(&[10, 10], 4);
    let x = from_array(a.clone(), [5, 5]).unwrap();
    let y = x.rechunk(vec![vec![3, 3, 3, 1]; 2]);
    assert_eq!(y.chunks(), &[vec![3, 3, 3, 1], vec![3, 3, 3, 1]]);
    assert_eq!(y.compute().unwrap(), a);
}

/// `test_rechunk_expand2`: Dask's loops over offsets, with its `a, b = 3, 2` (one
/// offset pair) and a larger `a = 6` for more pairs.
#[test]
fn rechunk_expand2() {
    for (a, b) in [(3usize, 2usize), (6, 2), (5, 3)] {
        let shape = vec![a; b];
        let orig = rand_f64(&shape, (a * 10 + b) as u64);
        for off in 1..a - 1 {
            for off2 in 1..a - 1 {
                let old = vec![vec![a - off, off]; b];
                let x = from_array(orig.clone(), old).unwrap();
                let new = vec![vec![a - off2, off2]; b];
                let y = x.rechunk(new.clone());
                assert_eq!(y.chunks(), new.as_slice());
                assert_eq!(y.compute().unwrap(), orig);
                if a > off + off2 {
                    let new = vec![vec![off, a - off2 - off, off2]; b];
                    let y = x.rechunk(new.clone());
                    assert_eq!(y.chunks(), new.as_slice());
                    assert_eq!(y.compute().unwrap(), orig, "{a} {b} {off} {off2}");
                }
            }
        }
    }
}

/// `test_rechunk_method`: (10,)*4 from ((5, 2, 3),)*4 to ((3, 3, 3, 1),)*4 (the
/// method form is the only form here).
#[test]
fn rechunk_method() {
    check_rechunk(
        &rand_f64(&[10; 4], 5),
        vec![vec![5, 2, 3]; 4],
        vec![vec![3, 3, 3, 1]; 4],
    );
}

/// `test_rechunk_blockshape`: a block shape (4, 3) gives the chunks
/// `normalize_chunks((4, 3), (10, 10))`, counted here by a loop.
#[test]
fn rechunk_blockshape() {
    let a = rand_f64(&[10, 10], 6);
    let x = from_array(a.clone(), vec![vec![4, 4, 2], vec![3, 3, 3, 1]]).unwrap();
    let y = x.rechunk([4, 3]);
    assert_eq!(y.chunks(), &[split_ref(10, 4), split_ref(10, 3)]);
    assert_eq!(y.compute().unwrap(), a);
    // From other chunks too, so the rechunk has something to do.
    let y = from_array(a.clone(), [7, 7]).unwrap().rechunk([4, 3]);
    assert_eq!(y.chunks(), &[split_ref(10, 4), split_ref(10, 3)]);
    assert_eq!(y.compute().unwrap(), a);
}

/// `test_dtype`: a rechunk keeps the element type. The type is static here (a
/// `DArray<i32>` rechunks to a `DArray<i32>`), so the values, of several types, are
/// what is checked.
#[test]
fn rechunk_keeps_dtype() {
    let x = ones(&[5], [2]).unwrap();
    let y = x.rechunk([1]);
    assert_eq!(y.dtype(), x.dtype());
    assert_eq!(vals(&y), vec![1.0; 5]);
    let xi = from_array(ramp(&[5]).mapv(|v| v as i32), [2]).unwrap();
    let yi: DArray<i32> = xi.rechunk([1]);
    assert_eq!(yi.dtype(), DType::I32);
    assert_eq!(yi.chunks(), &[vec![1; 5]]);
    assert_eq!(vals(&yi), vec![0, 1, 2, 3, 4]);
    let xb = from_array(
        ndarray::arr1(&[true, false, true, true, false]).into_dyn(),
        [2],
    )
    .unwrap();
    assert_eq!(vals(&xb.rechunk([1])), vec![true, false, true, true, false]);
}

/// `test_rechunk_with_empty_input`: `{}` (no axes named, `Chunks::Axes(vec![])`)
/// keeps the chunks; `()` (no sizes for a 2-d array) is an error.
#[test]
fn rechunk_with_empty_input() {
    let x = ones(&[24, 24], [4, 8]).unwrap();
    assert_eq!(x.rechunk(Chunks::Axes(vec![])).chunks(), x.chunks());
    let bad = x.rechunk(Chunks::Shape(vec![]));
    assert!(bad.error().is_some());
    assert!(bad.compute().is_err());
}

/// `test_rechunk_with_null_dimensions`: `(None, 4)` as `PerAxis([Keep, Size(4)])` and
/// `{0: None, 1: 4}` as `Axes`: the chunks of `ones((24, 24), chunks=(4, 4))`.
#[test]
fn rechunk_with_null_dimensions() {
    let x = from_array(ArrayD::<f64>::ones(IxDyn(&[24, 24])), [4, 8]).unwrap();
    let want = ones(&[24, 24], [4, 4]).unwrap();
    let a = x.rechunk(Chunks::PerAxis(vec![AxisChunks::Keep, AxisChunks::Size(4)]));
    assert_eq!(a.chunks(), want.chunks());
    let b = x.rechunk(Chunks::Axes(vec![
        (0, AxisChunks::Keep),
        (1, AxisChunks::Size(4)),
    ]));
    assert_eq!(b.chunks(), want.chunks());
    assert_eq!(a.compute().unwrap(), want.compute().unwrap());
    // Keep keeps chunks other than the default ones too.
    let y = from_array(rand_f64(&[24, 24], 7), vec![vec![5, 19], vec![24]]).unwrap();
    let z = y.rechunk(Chunks::PerAxis(vec![AxisChunks::Keep, AxisChunks::Size(4)]));
    assert_eq!(z.chunks(), &[vec![5, 19], split_ref(24, 4)]);
    assert_eq!(z.compute().unwrap(), y.compute().unwrap());
}

/// `test_rechunk_with_integer`: `arange(5)` in chunks of 4 rechunked to 3.
#[test]
fn rechunk_with_integer() {
    let a = ramp(&[5]);
    let x = from_array(a.clone(), [4]).unwrap();
    let y = x.rechunk([3]);
    assert_eq!(y.chunks(), &[vec![3, 2]]);
    assert_eq!(y.compute().unwrap(), a);
    assert_eq!(x.compute().unwrap(), y.compute().unwrap());
}

/// `test_rechunk_0d`: a 0-d array chunked and rechunked by `()`.
#[test]
fn rechunk_0d() {
    let a = ArrayD::from_elem(IxDyn(&[]), 42.0);
    let x = from_array(a.clone(), Chunks::Shape(vec![])).unwrap();
    let y = x.rechunk(Chunks::Shape(vec![]));
    assert!(y.chunks().is_empty());
    assert_eq!(y.compute().unwrap(), a);
    assert_eq!(y.compute_scalar().unwrap(), 42.0);
}

/// `test_rechunk_empty_array`: `rechunk()` (Dask's default `"auto"`) of arrays of
/// shapes (0,), (2, 0) and (2, 1, 0) (`da.array([])` and friends).
#[test]
fn rechunk_empty_array() {
    for shape in [vec![0], vec![2, 0], vec![2, 1, 0]] {
        let a = ArrayD::<f64>::zeros(IxDyn(&shape));
        let x = from_array(a.clone(), Chunks::Auto).unwrap();
        let y = x.rechunk(Chunks::Auto);
        assert!(y.error().is_none(), "{shape:?}");
        assert_eq!(y.len(), 0);
        assert_eq!(y.shape(), shape.as_slice());
        assert_eq!(y.compute().unwrap(), a);
    }
}

/// `test_rechunk_empty`: `ones((0, 10), chunks=(5, 5)).rechunk((2, 2))`.
#[test]
fn rechunk_empty() {
    let x = ones(&[0, 10], [5, 5]).unwrap();
    let y = x.rechunk([2, 2]);
    assert_eq!(y.chunks(), &[split_ref(0, 2), split_ref(10, 2)]);
    assert_eq!(y.chunks(), &[vec![0], vec![2; 5]]);
    assert_eq!(y.compute().unwrap(), x.compute().unwrap());
    assert_eq!(y.compute().unwrap().shape(), &[0, 10]);
}

/// `test_rechunk_zero_dim_array`: `{0: 4}` as `Axes` on a (4, 0) array.
#[test]
fn rechunk_zero_dim_array() {
    let x = zeros(&[4, 0], [3, 3]).unwrap();
    let y = x.rechunk(Chunks::Axes(vec![(0, AxisChunks::Size(4))]));
    assert_eq!(y.chunks(), &[vec![4], vec![0]]);
    assert_eq!(y.compute().unwrap(), x.compute().unwrap());
}

/// `test_rechunk_zero_dim_array_II`: `{0: 4, 2: 2}` on a (4, 0, 6, 10) array in
/// chunks of 3: the axes not named keep their chunks.
#[test]
fn rechunk_zero_dim_array_ii() {
    let x = zeros(&[4, 0, 6, 10], [3, 3, 3, 3]).unwrap();
    let y = x.rechunk(Chunks::Axes(vec![
        (0, AxisChunks::Size(4)),
        (2, AxisChunks::Size(2)),
    ]));
    assert_eq!(
        y.chunks(),
        &[
            split_ref(4, 4),
            split_ref(0, 3),
            split_ref(6, 2),
            split_ref(10, 3)
        ]
    );
    assert_eq!(
        y.chunks(),
        &[vec![4], vec![0], vec![2, 2, 2], vec![3, 3, 3, 1]]
    );
    assert_eq!(y.compute().unwrap(), x.compute().unwrap());
}

/// `test_rechunk_with_zero_placeholders`: explicit chunks with a zero-size chunk, made
/// directly and by a rechunk, agree (values too).
#[test]
fn rechunk_with_zero_placeholders() {
    let x = ones(&[24, 24], vec![vec![12, 12], vec![24, 0]]).unwrap();
    let y = ones(&[24, 24], vec![vec![12, 12], vec![12, 12]])
        .unwrap()
        .rechunk(vec![vec![12, 12], vec![24, 0]]);
    assert_eq!(x.chunks(), y.chunks());
    assert_eq!(y.chunks(), &[vec![12, 12], vec![24, 0]]);
    assert_eq!(y.compute().unwrap(), ArrayD::<f64>::ones(IxDyn(&[24, 24])));
}

/// `test_rechunk_zero_dim`: `ones((0, 10, 100), chunks=(0, 10, 10))` rechunked to
/// `(0, 10, 50)` computes to an empty array. A chunk size of 0 cuts an empty axis
/// (Dask's `(0,)`); chunkwise refused it before this port.
#[test]
fn rechunk_zero_dim() {
    let x = ones(&[0, 10, 100], [0, 10, 10]).unwrap();
    assert_eq!(x.chunks(), &[vec![0], vec![10], vec![10; 10]]);
    let y = x.rechunk([0, 10, 50]);
    assert_eq!(y.chunks(), &[vec![0], vec![10], vec![50, 50]]);
    let v = y.compute().unwrap();
    assert_eq!(v.shape(), &[0, 10, 100]);
    assert_eq!(v.len_of(Axis(0)), 0);
    // The same through PerAxis; a size 0 on a non-empty axis is still an error.
    let z = ones(
        &[0, 4],
        Chunks::PerAxis(vec![AxisChunks::Size(0), AxisChunks::Size(2)]),
    );
    assert_eq!(z.unwrap().chunks(), &[vec![0], vec![2, 2]]);
    assert!(ones(&[3, 4], [0, 2]).is_err());
    assert!(ones(&[3], Chunks::PerAxis(vec![AxisChunks::Size(0)])).is_err());
}

/// `test_rechunk_empty_chunks`: zero-size chunks in the middle, rechunked to (2, 3).
#[test]
fn rechunk_empty_chunks() {
    let a = rand_f64(&[7, 24], 8);
    let x = from_array(a.clone(), vec![vec![7], vec![10, 0, 0, 9, 0, 5]]).unwrap();
    let y = x.rechunk([2, 3]);
    assert_eq!(y.chunks(), &[split_ref(7, 2), split_ref(24, 3)]);
    assert_eq!(y.compute().unwrap(), a);
    assert_eq!(x.compute().unwrap(), a);
}

/// `test_rechunk_zero`: the config's chunk size of "1B" passed as `Chunks::Bytes(1)`
/// (what `rechunk("auto")` reads from it): one element a chunk.
#[test]
fn rechunk_zero() {
    let x = ones(&[10], [5]).unwrap();
    let y = x.rechunk(Chunks::Bytes(1));
    assert_eq!(y.chunks(), &[vec![1; 10]]);
    assert_eq!(y.chunks(), &[split_ref(10, 1)]);
    assert_eq!(vals(&y), vec![1.0; 10]);
}

/// `test_rechunk_bad_keys`: `{-1: 4}` and `{-ndim: 2}` with the negative axes
/// normalised by the caller (axes are `usize`); `{100: 4}` is an error naming 100. The
/// string key `"blah"` and the key -100 (a negative axis, which has no `usize` form)
/// are type-excluded.
#[test]
fn rechunk_bad_keys() {
    let x = zeros(&[2, 3, 4], [1, 1, 1]).unwrap();
    let norm = |a: isize| (if a < 0 { a + x.ndim() as isize } else { a }) as usize;
    let y = x.rechunk(Chunks::Axes(vec![(norm(-1), AxisChunks::Size(4))]));
    assert_eq!(y.chunks(), &[vec![1, 1], vec![1, 1, 1], vec![4]]);
    let y = x.rechunk(Chunks::Axes(vec![(
        norm(-(x.ndim() as isize)),
        AxisChunks::Size(2),
    )]));
    assert_eq!(y.chunks(), &[vec![2], vec![1, 1, 1], vec![1, 1, 1, 1]]);
    assert_eq!(y.compute().unwrap(), x.compute().unwrap());
    let bad = x.rechunk(Chunks::Axes(vec![(100, AxisChunks::Size(4))]));
    let e = bad.compute().unwrap_err().to_string();
    assert!(e.contains("100"), "{e}");
}

/// `test_rechunk_with_zero`: (8, 8) chunked ((4, 4), (4, 0, 0, 4)) rechunked to
/// (4, 4) equals ones in chunks of 4, and back.
#[test]
fn rechunk_with_zero() {
    let a = ones(&[8, 8], [4, 4]).unwrap();
    let expected = ones(&[8, 8], vec![vec![4, 4], vec![4, 0, 0, 4]]).unwrap();
    let result = a.rechunk(vec![vec![4, 4], vec![4, 0, 0, 4]]);
    assert_eq!(result.chunks(), expected.chunks());
    assert_eq!(result.compute().unwrap(), expected.compute().unwrap());
    // Dask's "reverse" half, on values that can tell the chunks apart.
    let v = rand_f64(&[8, 8], 9);
    let z = from_array(v.clone(), vec![vec![4, 4], vec![4, 0, 0, 4]]).unwrap();
    let back = z.rechunk([4, 4]);
    assert_eq!(back.chunks(), &[vec![4, 4], vec![4, 4]]);
    assert_eq!(back.compute().unwrap(), v);
}

// ---------------------------------------------------------------------------------
// test_slicing.py
// ---------------------------------------------------------------------------------

/// `test_mixed_index`: `x[[0], 0, :, :]` (a list and an integer, adjacent: numpy puts
/// the broadcast index axis first) as `take([0], 0)` then `At(0)` on axis 1; it equals
/// `x[0]`. Dask's `isinstance` check is dropped; the values are a ramp, not ones, so
/// the comparison can tell positions apart.
#[test]
fn mixed_index() {
    let a = ramp(&[1, 1, 31, 40]);
    let x = from_array(a.clone(), Chunks::Auto).unwrap();
    let new = x.take(&[0], 0).index([Idx::ALL, Idx::At(0)]);
    let want = a.index_axis(Axis(0), 0).to_owned();
    assert_eq!(new.shape(), &[1, 31, 40]);
    assert_eq!(new.compute().unwrap(), want);
    assert_eq!(x.index([Idx::At(0)]).compute().unwrap(), want);
    // In smaller chunks too.
    let x = from_array(a, [1, 1, 8, 16]).unwrap();
    assert_eq!(
        x.take(&[0], 0)
            .index([Idx::ALL, Idx::At(0)])
            .compute()
            .unwrap(),
        want
    );
}

/// `test_slicing_and_chunks`: the chunks of `o[4:-4, 2:-2]`.
#[test]
fn slicing_and_chunks() {
    let a = ramp(&[24, 16]);
    let o = from_array(a.clone(), vec![vec![4, 8, 8, 4], vec![2, 6, 6, 2]]).unwrap();
    let t = o.index([Idx::range(4, -4, 1), Idx::range(2, -2, 1)]);
    assert_eq!(t.chunks(), &[vec![8, 8], vec![6, 6]]);
    let want = a.select(Axis(0), &py_slice(Some(4), Some(-4), 1, 24));
    let want = want.select(Axis(1), &py_slice(Some(2), Some(-2), 1, 16));
    assert_eq!(t.compute().unwrap(), want);
}

/// `test_slice_stop_0`: `ones(10)[:0]` is empty.
#[test]
fn slice_stop_0() {
    let a = ones(&[10], [10]).unwrap();
    let b = a.index([Idx::Slice {
        start: None,
        stop: Some(0),
        step: 1,
    }]);
    let v = b.compute().unwrap();
    assert_eq!(v.shape(), &[0]);
    assert_eq!(v, ArrayD::<f64>::ones(IxDyn(&[10])).select(Axis(0), &[]));
}

/// `test_slice_list_then_None`: `x[[2, 1]][None]` as `take` then `NewAxis`, on zeros
/// as Dask and on a ramp (so the order of the rows shows).
#[test]
fn slice_list_then_none() {
    let x = zeros(&[5, 5], [3, 3]).unwrap();
    let y = x.take(&[2, 1], 0).index([Idx::NewAxis]);
    assert_eq!(
        y.compute().unwrap(),
        ArrayD::<f64>::zeros(IxDyn(&[1, 2, 5]))
    );
    let a = ramp(&[5, 5]);
    let x = from_array(a.clone(), [3, 3]).unwrap();
    let y = x.take(&[2, 1], 0).index([Idx::NewAxis]);
    let want = a.select(Axis(0), &[2, 1]).insert_axis(Axis(0));
    assert_eq!(y.compute().unwrap(), want);
}

/// One of `test_slicing_exhaustively`'s indexers.
#[derive(Clone, Debug)]
enum Ix {
    Int(isize),
    Slice(Option<isize>, Option<isize>, isize),
    New,
    List(Vec<isize>),
    Mask(Vec<bool>),
}

/// numpy's `a[(slice(None),) * axis + (ix,)]`, by ndarray and loops.
fn ix_ref(a: &ArrayD<f64>, axis: usize, ix: &Ix) -> ArrayD<f64> {
    let n = if axis < a.ndim() { a.shape()[axis] } else { 0 };
    let norm = |i: isize| (if i < 0 { i + n as isize } else { i }) as usize;
    match ix {
        Ix::Int(i) => a.index_axis(Axis(axis), norm(*i)).to_owned(),
        Ix::Slice(start, stop, step) => a.select(Axis(axis), &py_slice(*start, *stop, *step, n)),
        Ix::New => a.clone().insert_axis(Axis(axis)),
        Ix::List(v) => a.select(Axis(axis), &v.iter().map(|&i| norm(i)).collect::<Vec<_>>()),
        Ix::Mask(m) => a.select(Axis(axis), &trues(m)),
    }
}

/// The same in chunkwise: basic entries by `index`, lists by `take`, masks by
/// `compress`.
fn ix_dask(x: &DArray<f64>, axis: usize, ix: &Ix) -> DArray<f64> {
    let mut index = vec![Idx::ALL; axis];
    match ix {
        Ix::Int(i) => index.push(Idx::At(*i)),
        Ix::Slice(start, stop, step) => index.push(Idx::Slice {
            start: *start,
            stop: *stop,
            step: *step,
        }),
        Ix::New => index.push(Idx::NewAxis),
        Ix::List(v) => return x.take(v, axis),
        Ix::Mask(m) => return x.compress(&bool_array(m, 4), axis),
    }
    x.index(&index)
}

/// numpy's `a[..., ix]`: the last axis, or a new axis after it.
fn last_axis(ndim: usize, ix: &Ix) -> usize {
    match ix {
        Ix::New => ndim,
        _ => ndim - 1,
    }
}

/// `test_slicing_exhaustively` (skipped upstream as "really long"; it runs here):
/// independent indexing along different axes (`x[i]`, `x[i][:, j]`, `x[:, i][j]`,
/// `x[..., i][:, j][k]`) over integers, slices, `None`, lists and the empty list, then
/// repeated indexing along the first axis, a boolean mask among the first indexers (as
/// `compress`). Each result against ndarray with Python's slice rules.
#[test]
fn slicing_exhaustively() {
    let x = rand_f64(&[6, 7, 8], 10);
    let a = from_array(x.clone(), [3, 3, 3]).unwrap();
    let indexers = [
        Ix::Int(0),
        Ix::Int(-2),
        Ix::Slice(None, None, 1),
        Ix::Slice(None, Some(5), 1),
        Ix::List(vec![0, 1]),
        Ix::List(vec![0, 1, 2]),
        Ix::List(vec![4, 2]),
        Ix::Slice(None, None, -1),
        Ix::New,
        Ix::Slice(None, Some(0), 1),
        Ix::List(vec![]),
    ];
    let check = |got: &DArray<f64>, want: &ArrayD<f64>, ctx: &str| {
        assert_eq!(got.shape(), want.shape(), "{ctx}");
        assert_eq!(&got.compute().unwrap(), want, "{ctx}");
    };
    for i in &indexers {
        let (xi, ai) = (ix_ref(&x, 0, i), ix_dask(&a, 0, i));
        check(&ai, &xi, &format!("x[{i:?}]"));
        for j in &indexers {
            check(
                &ix_dask(&ai, 1, j),
                &ix_ref(&xi, 1, j),
                &format!("x[{i:?}][:, {j:?}]"),
            );
            let (xc, ac) = (ix_ref(&x, 1, i), ix_dask(&a, 1, i));
            check(
                &ix_dask(&ac, 0, j),
                &ix_ref(&xc, 0, j),
                &format!("x[:, {i:?}][{j:?}]"),
            );
            let d = last_axis(3, i);
            let (xl, al) = (ix_ref(&x, d, i), ix_dask(&a, d, i));
            let (xl, al) = (ix_ref(&xl, 1, j), ix_dask(&al, 1, j));
            for k in &indexers {
                check(
                    &ix_dask(&al, 0, k),
                    &ix_ref(&xl, 0, k),
                    &format!("x[..., {i:?}][:, {j:?}][{k:?}]"),
                );
            }
        }
    }
    // Repeated indexing along the first axis.
    let first = [
        Ix::Slice(None, None, 1),
        Ix::Slice(None, Some(5), 1),
        Ix::List((0..5).collect()),
        Ix::List(vec![3, 1, 4, 5, 0]),
        Ix::Mask(vec![true; 6]),
    ];
    let second = [
        Ix::Int(0),
        Ix::Int(-1),
        Ix::Int(3),
        Ix::Slice(None, None, 1),
        Ix::Slice(None, Some(3), 1),
        Ix::Slice(Some(2), Some(-1), 1),
        Ix::List(vec![2, 4]),
        Ix::List(vec![]),
        Ix::Slice(None, Some(0), 1),
    ];
    for i in &first {
        for j in &second {
            let want = ix_ref(&ix_ref(&x, 0, i), 0, j);
            let got = ix_dask(&ix_dask(&a, 0, i), 0, j);
            check(&got, &want, &format!("x[{i:?}][{j:?}]"));
        }
    }
}

/// `test_slicing_with_negative_step_flops_keys`: `arange(10, chunks=5)[:1:-1]` has
/// the values of numpy's and chunks (5, 3). The asserts on which input key each output
/// task reads (graph internals) are dropped.
#[test]
fn slicing_with_negative_step() {
    let x = arange(0.0, 10.0, 1.0, [5]).unwrap();
    let y = x.index([Idx::Slice {
        start: None,
        stop: Some(1),
        step: -1,
    }]);
    let want: Vec<f64> = py_slice(None, Some(1), -1, 10)
        .into_iter()
        .map(|i| i as f64)
        .collect();
    assert_eq!(want, vec![9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0]);
    assert_eq!(vals(&y), want);
    assert_eq!(y.chunks(), &[vec![5, 3]]);
}

/// `test_empty_slice`: `x[:0]` of an int32 (5, 5) array: shape (0, 5), int32.
#[test]
fn empty_slice() {
    let x = full(&[5, 5], 1i32, [2, 2]).unwrap();
    let y = x.index([Idx::Slice {
        start: None,
        stop: Some(0),
        step: 1,
    }]);
    assert_eq!(y.dtype(), DType::I32);
    assert_eq!(
        y.compute().unwrap(),
        ArrayD::from_elem(IxDyn(&[5, 5]), 1i32).select(Axis(0), &[])
    );
    assert_eq!(y.shape(), &[0, 5]);
}

/// `test_multiple_list_slicing`: `x[:, [0, 1, 2]][[0, 1]]` as two `take`s.
#[test]
fn multiple_list_slicing() {
    let x = rand_f64(&[6, 7, 8], 11);
    let a = from_array(x.clone(), [3, 3, 3]).unwrap();
    let got = a.take(&[0, 1, 2], 1).take(&[0, 1], 0);
    let want = x.select(Axis(1), &[0, 1, 2]).select(Axis(0), &[0, 1]);
    assert_eq!(got.compute().unwrap(), want);
}

/// `test_boolean_list_slicing` and `test_boolean_numpy_array_slicing` (a list and a
/// numpy array of booleans are one `DArray<bool>` here): masks of the wrong length are
/// errors (Dask's IndexError), and `x[ind]` is `compress`.
fn boolean_slicing() {
    let r2 = from_array(ramp(&[2]), [2]).unwrap();
    for wrong in [vec![true], vec![false, false, false]] {
        let bad = r2.compress(&bool_array(&wrong, 2), 0);
        assert!(bad.error().is_some(), "{wrong:?}");
        assert!(bad.compute().is_err());
    }
    let x = ramp(&[5]);
    let ind = [true, false, false, false, true];
    let got = from_array(x.clone(), [5])
        .unwrap()
        .compress(&bool_array(&ind, 5), 0);
    assert_eq!(got.compute().unwrap(), x.select(Axis(0), &trues(&ind)));
    assert_eq!(vals(&got), vec![0, 4]);
    // In chunks that do not line up with the mask's.
    let got = from_array(x.clone(), [2])
        .unwrap()
        .compress(&bool_array(&ind, 3), 0);
    assert_eq!(vals(&got), vec![0, 4]);
    // dask/dask#3706: a one-element mask of a one-element array.
    let one = from_array(ndarray::arr1(&[0i64]).into_dyn(), [1]).unwrap();
    assert_eq!(vals(&one.compress(&bool_array(&[true], 1), 0)), vec![0]);
}

/// `test_boolean_list_slicing`: see [`boolean_slicing`].
#[test]
fn boolean_list_slicing() {
    boolean_slicing();
}

/// `test_boolean_numpy_array_slicing`: see [`boolean_slicing`].
#[test]
fn boolean_numpy_array_slicing() {
    boolean_slicing();
}

/// `test_uneven_chunks`: the chunks of `ones(20, chunks=5)[::2]`, counted by a loop.
#[test]
fn uneven_chunks() {
    let x = ones(&[20], [5]).unwrap();
    let y = x.index([Idx::Slice {
        start: None,
        stop: None,
        step: 2,
    }]);
    let want: Vec<usize> = (0..4)
        .map(|c| (c * 5..c * 5 + 5).filter(|i| i % 2 == 0).count())
        .collect();
    assert_eq!(want, vec![3, 2, 3, 2]);
    assert_eq!(y.chunks(), &[want]);
    assert_eq!(vals(&y), vec![1.0; 10]);
}

/// `test_index_with_bool_dask_array`: `d[ind]`, `d[1:9:2, ind]` and `d[ind, 2:8]`
/// with `ind` a chunked `DArray<bool>` (`compress`, slices by `index`).
#[test]
fn index_with_bool_dask_array() {
    let x = ramp(&[6, 6]);
    let d = from_array(x.clone(), [3, 3]).unwrap();
    let m = [true, true, false, true, false, false];
    let ind = bool_array(&m, 2);
    assert_eq!(
        d.compress(&ind, 0).compute().unwrap(),
        x.select(Axis(0), &trues(&m))
    );
    let got = d.index([Idx::range(1, 9, 2)]).compress(&ind, 1);
    let want = x
        .select(Axis(0), &py_slice(Some(1), Some(9), 2, 6))
        .select(Axis(1), &trues(&m));
    assert_eq!(got.compute().unwrap(), want);
    let got = d.compress(&ind, 0).index([Idx::ALL, Idx::range(2, 8, 1)]);
    let want = x
        .select(Axis(0), &trues(&m))
        .select(Axis(1), &py_slice(Some(2), Some(8), 1, 6));
    assert_eq!(got.compute().unwrap(), want);
}

/// `test_index_with_bool_dask_array_2`: a `DArray<bool>` mask on each axis of a
/// (10, 10, 10) array in chunks (3, 4, 5), with `1:9` on the first other axis and `:`
/// on the last.
#[test]
fn index_with_bool_dask_array_2() {
    let x = rand_f64(&[10, 10, 10], 12);
    let m: Vec<bool> = rand_f64(&[10], 13).iter().map(|&v| v > 0.5).collect();
    let d = from_array(x.clone(), [3, 4, 5]).unwrap();
    let dind = bool_array(&m, 4);
    for i in 0..3 {
        // index = [1:9, :] with the mask inserted at i.
        let j = if i == 0 { 1 } else { 0 };
        let mut index = vec![Idx::ALL; 3];
        index[j] = Idx::range(1, 9, 1);
        let got = d.index(&index).compress(&dind, i);
        let want = x
            .select(Axis(j), &py_slice(Some(1), Some(9), 1, 10))
            .select(Axis(i), &trues(&m));
        assert_eq!(got.compute().unwrap(), want, "mask on axis {i}");
    }
}

/// One of the indexers of `test_slicing_none_int_ellipes`.
#[derive(Clone, Copy, Debug)]
enum Basic {
    Ellipsis,
    Slice(Option<isize>, Option<isize>),
    Int(isize),
    New,
}

/// numpy's basic index by ndarray: the ellipsis written out as whole axes.
fn basic_ref(a: &ArrayD<i64>, ind: &[Basic]) -> ArrayD<i64> {
    let used = ind
        .iter()
        .filter(|b| matches!(b, Basic::Slice(..) | Basic::Int(_)))
        .count();
    let mut info = Vec::new();
    let mut seen_ellipsis = false;
    for b in ind {
        match *b {
            Basic::Ellipsis => {
                seen_ellipsis = true;
                for _ in 0..a.ndim() - used {
                    info.push(SliceInfoElem::Slice {
                        start: 0,
                        end: None,
                        step: 1,
                    });
                }
            }
            Basic::Slice(start, stop) => info.push(SliceInfoElem::Slice {
                start: start.unwrap_or(0),
                end: stop,
                step: 1,
            }),
            Basic::Int(i) => info.push(SliceInfoElem::Index(i)),
            Basic::New => info.push(SliceInfoElem::NewAxis),
        }
    }
    if !seen_ellipsis {
        for _ in 0..a.ndim() - used {
            info.push(SliceInfoElem::Slice {
                start: 0,
                end: None,
                step: 1,
            });
        }
    }
    a.slice(info.as_slice()).to_owned()
}

fn basic_idx(b: Basic) -> Idx {
    match b {
        Basic::Ellipsis => Idx::Ellipsis,
        Basic::Slice(start, stop) => Idx::Slice {
            start,
            stop,
            step: 1,
        },
        Basic::Int(i) => Idx::At(i),
        Basic::New => Idx::NewAxis,
    }
}

/// `test_slicing_none_int_ellipes`: every product of four of `[..., :2, 0, 1, -2, -1,
/// -2:, None]` (at most one ellipsis) on `arange(2310).reshape(2, 3, 5, 7, 11)`,
/// against ndarray. Dask's array is one chunk; here it is cut in (1, 2, 3, 4, 6) so
/// the selections cross chunks.
#[test]
fn slicing_none_int_ellipses() {
    let shape = [2, 3, 5, 7, 11];
    let x = ramp(&shape);
    let y = from_array(x.clone(), [1, 2, 3, 4, 6]).unwrap();
    let indexers = [
        Basic::Ellipsis,
        Basic::Slice(None, Some(2)),
        Basic::Int(0),
        Basic::Int(1),
        Basic::Int(-2),
        Basic::Int(-1),
        Basic::Slice(Some(-2), None),
        Basic::New,
    ];
    let mut n = 0;
    for a in indexers {
        for b in indexers {
            for c in indexers {
                for d in indexers {
                    let ind = [a, b, c, d];
                    if ind.iter().filter(|i| matches!(i, Basic::Ellipsis)).count() > 1 {
                        continue;
                    }
                    let want = basic_ref(&x, &ind);
                    let idx: Vec<Idx> = ind.iter().map(|&i| basic_idx(i)).collect();
                    let got = y.index(&idx);
                    assert_eq!(got.shape(), want.shape(), "{ind:?}");
                    assert_eq!(got.compute().unwrap(), want, "{ind:?}");
                    n += 1;
                }
            }
        }
    }
    // The products with no ellipsis, and with one in each of the four places.
    assert_eq!(n, 7usize.pow(4) + 4 * 7usize.pow(3));
}

/// `test_None_overlap_int`: `y[0, :2, None, ...]`.
#[test]
fn none_overlap_int() {
    let shape = [2, 3, 5, 7, 11];
    let x = ramp(&shape);
    let y = from_array(x.clone(), [1, 2, 2, 3, 4]).unwrap();
    let ind = [
        Basic::Int(0),
        Basic::Slice(None, Some(2)),
        Basic::New,
        Basic::Ellipsis,
    ];
    let want = basic_ref(&x, &ind);
    assert_eq!(want.shape(), &[2, 1, 5, 7, 11]);
    let got = y.index(ind.map(basic_idx));
    assert_eq!(got.compute().unwrap(), want);
}

/// `test_negative_n_slicing`: `ones(2)[-2]`, and on a ramp so the position shows.
#[test]
fn negative_n_slicing() {
    let x = ones(&[2], [2]).unwrap();
    assert_eq!(x.index([Idx::At(-2)]).compute_scalar().unwrap(), 1.0);
    let r = arange(0.0, 2.0, 1.0, [2]).unwrap();
    let got = r.index([Idx::At(-2)]);
    assert_eq!(got.shape(), &[] as &[usize]);
    assert_eq!(got.compute_scalar().unwrap(), 0.0);
    assert!(r.index([Idx::At(-3)]).compute().is_err());
}

/// `test_take_semi_sorted`: `x[arange(15) % 10]` on 10 elements in chunks of 5 gives
/// chunks (5, 5, 5) (values checked on a ramp as well as on Dask's ones).
#[test]
fn take_semi_sorted() {
    let index: Vec<isize> = (0..15).map(|i| i % 10).collect();
    let x = ones(&[10], [5]).unwrap();
    let y = x.take(&index, 0);
    assert_eq!(y.chunks(), &[vec![5, 5, 5]]);
    assert_eq!(vals(&y), vec![1.0; 15]);
    let r = from_array(ramp(&[10]), [5]).unwrap();
    let y = r.take(&index, 0);
    assert_eq!(y.chunks(), &[vec![5, 5, 5]]);
    assert_eq!(
        vals(&y),
        index.iter().map(|&i| i as i64).collect::<Vec<_>>()
    );
}

/// `test_slice_array_null_dimension`: `x[[0]]` of a (3, 0) array is (1, 0).
#[test]
fn slice_array_null_dimension() {
    let a = ArrayD::<f64>::zeros(IxDyn(&[3, 0]));
    let x = from_array(a.clone(), Chunks::Auto).unwrap();
    let y = x.take(&[0], 0);
    let want = a.select(Axis(0), &[0]);
    assert_eq!(want.shape(), &[1, 0]);
    assert_eq!(y.shape(), &[1, 0]);
    assert_eq!(y.compute().unwrap(), want);
}

/// `test_minimal_dtype_doesnt_overflow`: a mask selecting 300 of 1980 elements in
/// chunks of 248.
#[test]
fn minimal_dtype_doesnt_overflow() {
    let x = ramp(&[1980]);
    let dx = from_array(x.clone(), [248]).unwrap();
    let ib: Vec<bool> = (0..1980).map(|i| (1560..1860).contains(&i)).collect();
    let got = dx.compress(&bool_array(&ib, 1980), 0);
    assert_eq!(got.compute().unwrap(), x.select(Axis(0), &trues(&ib)));
    let mask = from_array(ndarray::arr1(&ib).into_dyn(), [248]).unwrap();
    assert_eq!(
        dx.mask(&mask).compute().unwrap(),
        x.select(Axis(0), &trues(&ib))
    );
}

/// `test_positional_indexer_newaxis`: `arr[[True, True, False], np.newaxis]` as
/// `compress` then `expand_dims(1)`.
#[test]
fn positional_indexer_newaxis() {
    let a = ramp(&[3]);
    let arr = from_array(a.clone(), Chunks::Auto).unwrap();
    let m = [true, true, false];
    let new = arr.compress(&bool_array(&m, 3), 0).expand_dims(1);
    let want = a.select(Axis(0), &trues(&m)).insert_axis(Axis(1));
    assert_eq!(want.shape(), &[2, 1]);
    assert_eq!(new.compute().unwrap(), want);
}

// ---------------------------------------------------------------------------------
// test_random.py (run for Dask's RandomState and Generator alike; chunkwise has one
// generator, seeded per call)
// ---------------------------------------------------------------------------------

/// The distinct values of an array.
fn distinct(a: &ArrayD<f64>) -> usize {
    a.iter().map(|v| v.to_bits()).collect::<HashSet<_>>().len()
}

/// `test_generators`: the same seed gives the same normal draws; an array equals
/// itself computed twice.
#[test]
fn random_generators() {
    let x = random_normal(10.0, 1.0, &[10], [5], 5).unwrap();
    assert_eq!(x.compute().unwrap(), x.compute().unwrap());
    let y = random_normal(10.0, 1.0, &[10], [5], 5).unwrap();
    assert_eq!(x.compute().unwrap(), y.compute().unwrap());
    // Another seed gives other draws (so the equality above can fail).
    let z = random_normal(10.0, 1.0, &[10], [5], 6).unwrap();
    assert_ne!(x.compute().unwrap(), z.compute().unwrap());
}

/// `test_concurrency`: seeded draws are equal across schedulers (Dask's
/// `scheduler="processes"` is dropped; a thread pool and the synchronous scheduler
/// stand for it).
#[test]
fn random_concurrency() {
    let x = random_normal(10.0, 1.0, &[10], [2], 5).unwrap();
    let y = random_normal(10.0, 1.0, &[10], [2], 5).unwrap();
    let threads = Config::new().scheduler(Scheduler::Threads(4));
    let sync = Config::new().scheduler(Scheduler::Synchronous);
    let a = x.compute_with(&threads).unwrap();
    assert_eq!(a, y.compute_with(&threads).unwrap());
    assert_eq!(a, y.compute_with(&sync).unwrap());
    assert_eq!(a, x.compute().unwrap());
}

/// `test_determinism_through_dask_values`: two arrays of the same seed have equal
/// values. Dask's equal sets of graph keys become equal tokens (chunkwise's key
/// names).
#[test]
fn random_determinism_through_values() {
    let s1 = random_normal(0.0, 1.0, &[1000], [10], 42).unwrap();
    let s2 = random_normal(0.0, 1.0, &[1000], [10], 42).unwrap();
    assert_eq!(s1.token(), s2.token());
    assert_eq!(s1.compute().unwrap(), s2.compute().unwrap());
}

/// `test_random`: `random((10, 10), chunks=(5, 5))` has that shape and chunks and more
/// than 90 distinct values (Dask's `.name` check is dropped).
#[test]
fn random_random() {
    let a = random_uniform(0.0, 1.0, &[10, 10], [5, 5], 1).unwrap();
    assert_eq!(a.shape(), &[10, 10]);
    assert_eq!(a.chunks(), &[vec![5, 5], vec![5, 5]]);
    let v = a.compute().unwrap();
    assert!(distinct(&v) > 90);
    assert!(v.iter().all(|&x| (0.0..1.0).contains(&x)));
}

/// `test_parametrized_random_function`: `exponential(1000, (10, 10))` as
/// `random(Exp::new(1/1000))`: shape, chunks, a mean between 10 and 100000, more than
/// 90 distinct values (the name check is dropped).
#[test]
fn random_parametrized_function() {
    let a = random(Exp::new(1.0 / 1000.0).unwrap(), &[10, 10], [5, 5], 2).unwrap();
    let a: DArray<f64> = a;
    assert_eq!(a.shape(), &[10, 10]);
    assert_eq!(a.chunks(), &[vec![5, 5], vec![5, 5]]);
    let x = a.compute().unwrap();
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    assert!(10.0 < mean && mean < 100000.0, "{mean}");
    assert!(distinct(&x) > 90);
}

/// `test_kwargs`: `normal(loc=10, scale=0.1)` has a mean between 8 and 12.
#[test]
fn random_kwargs() {
    let a = random_normal(10.0, 0.1, &[10, 10], [5, 5], 3).unwrap();
    let x = a.compute().unwrap();
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    assert!(8.0 < mean && mean < 12.0, "{mean}");
}

/// `test_can_make_really_big_random_array`: a (10^6, 10^6) normal array in chunks of
/// 10^5 is built lazily (it is never computed).
#[test]
fn random_really_big_array() {
    let x = random_normal(10.0, 1.0, &[1_000_000, 1_000_000], [100_000, 100_000], 4).unwrap();
    assert_eq!(x.shape(), &[1_000_000, 1_000_000]);
    assert_eq!(x.n_chunks(), 100);
    assert_eq!(x.len(), 1_000_000_000_000);
}

/// `test_consistent_across_sizes`: `random(20, chunks=20)` equals the first 20 of
/// `random(100, chunks=20)` and of `random(200, chunks=20)`: each chunk's stream
/// depends on the seed and its position only.
#[test]
fn random_consistent_across_sizes() {
    let x1 = random_uniform(0.0, 1.0, &[20], [20], 123).unwrap();
    let x2 = random_uniform(0.0, 1.0, &[100], [20], 123)
        .unwrap()
        .index([Idx::range(0, 20, 1)]);
    let x3 = random_uniform(0.0, 1.0, &[200], [20], 123)
        .unwrap()
        .index([Idx::range(0, 20, 1)]);
    let v1 = x1.compute().unwrap();
    assert_eq!(v1, x2.compute().unwrap());
    assert_eq!(v1, x3.compute().unwrap());
}

/// `test_RandomState_only_funcs`: `randint(10, size=5, chunks=3)`,
/// `random_integers(10, ...)` (numpy's inclusive [1, 10], so `random_integers(1, 11)`)
/// and `random_sample(10, chunks=3)` (as `random_uniform(0, 1)`) compute, with values
/// in range. The DeprecationWarning check is Python's.
#[test]
fn random_state_only_funcs() {
    let a = random_integers(0, 10, &[5], [3], 5).unwrap();
    assert_eq!(a.chunks(), &[vec![3, 2]]);
    let v = a.compute().unwrap();
    assert!(
        v.iter()
            .all(|&x| x.fract() == 0.0 && (0.0..10.0).contains(&x)),
        "{v}"
    );
    let b = random_integers(1, 11, &[5], [3], 5)
        .unwrap()
        .compute()
        .unwrap();
    assert!(
        b.iter()
            .all(|&x| x.fract() == 0.0 && (1.0..=10.0).contains(&x)),
        "{b}"
    );
    let c = random_uniform(0.0, 1.0, &[10], [3], 5).unwrap();
    assert_eq!(c.chunks(), &[vec![3, 3, 3, 1]]);
    let c = c.compute().unwrap();
    assert!(c.iter().all(|&x| (0.0..1.0).contains(&x)));
}

/// `test_create_with_auto_dimensions`: with 128 MiB chunks (chunkwise's
/// `AUTO_CHUNK_BYTES`), `(-1, "auto")` on (10000, 10000) f64 gives
/// ((10000,), (1677,)*5 + (1615,)) and `"auto"` gives ((4096, 4096, 1808),)*2: the
/// chunk sizes worked out here from the byte budget, and Dask's literals.
#[test]
fn random_create_with_auto_dimensions() {
    assert_eq!(AUTO_CHUNK_BYTES, 128 << 20);
    let elems = AUTO_CHUNK_BYTES / 8;
    let spec = Chunks::PerAxis(vec![AxisChunks::Whole, AxisChunks::Auto]);
    let x = random_uniform(0.0, 1.0, &[10000, 10000], spec, 1).unwrap();
    assert_eq!(x.chunks(), &[vec![10000], split_ref(10000, elems / 10000)]);
    let mut want = vec![1677; 5];
    want.push(1615);
    assert_eq!(x.chunks(), &[vec![10000], want]);
    let y = random_uniform(0.0, 1.0, &[10000, 10000], Chunks::Auto, 1).unwrap();
    let side = (elems as f64).sqrt() as usize;
    assert_eq!(side * side, elems);
    assert_eq!(
        y.chunks(),
        &[split_ref(10000, side), split_ref(10000, side)]
    );
    assert_eq!(
        y.chunks(),
        &[vec![4096, 4096, 1808], vec![4096, 4096, 1808]]
    );
}

/// `test_auto_chunks` (test_random.py): the config's "50 MiB" passed as
/// `Chunks::Bytes`: `random((10000, 10000))` has between 4 and 32 chunks.
#[test]
fn random_auto_chunks() {
    let x = random_uniform(0.0, 1.0, &[10000, 10000], Chunks::Bytes(50 << 20), 1).unwrap();
    assert!(4 < x.n_chunks() && x.n_chunks() < 32, "{:?}", x.chunks());
    let biggest = x.chunks()[0][0] * x.chunks()[1][0] * 8;
    assert!(biggest <= 50 << 20, "{biggest}");
}

/// `test_randint_dtype`: `randint(0, 255, size=10, dtype="uint8")` as
/// `random(Uniform::<u8>::new(0, 255))`: a `DArray<u8>`, equal to itself, in range.
#[test]
fn random_randint_dtype() {
    let x: DArray<u8> =
        random(Uniform::<u8>::new(0, 255).unwrap(), &[10], Chunks::Auto, 7).unwrap();
    assert_eq!(x.dtype(), DType::U8);
    let v = x.compute().unwrap();
    assert_eq!(v, x.compute().unwrap());
    assert!(v.iter().all(|&b| b < 255));
    assert!(v.iter().collect::<HashSet<_>>().len() > 1, "{v}");
}

// ---------------------------------------------------------------------------------
// test_ufunc.py
// ---------------------------------------------------------------------------------

/// `test_clip`: `clip(5)` and `clip(min=5)` as `clip(5, inf)`, `clip(max=5)` as
/// `clip(-inf, 5)`, `clip(1, 5)`, and `clip(min=5, max=1)`, which numpy defines as
/// `minimum(maximum(x, 5), 1)`: 1 everywhere. Against that definition, by a loop.
#[test]
fn clip() {
    let x = rand_f64(&[10, 10], 14).mapv(|v| (v - 0.5) * 40.0);
    let d = from_array(x.clone(), [3, 4]).unwrap();
    let np_clip = |lo: f64, hi: f64| x.mapv(|v| v.max(lo).min(hi));
    let inf = f64::INFINITY;
    for (lo, hi) in [(5.0, inf), (1.0, 5.0), (-inf, 5.0), (5.0, 1.0)] {
        assert_eq!(
            d.clip(lo, hi).compute().unwrap(),
            np_clip(lo, hi),
            "clip({lo}, {hi})"
        );
    }
    assert!(
        d.clip(5.0, 1.0)
            .compute()
            .unwrap()
            .iter()
            .all(|&v| v == 1.0)
    );
    assert!(x.iter().any(|&v| v < 1.0) && x.iter().any(|&v| v > 5.0));
}

/// `test_issignedinf`: `isneginf` and `isposinf` of {-1, 0, 1} / 0 (-inf, NaN, inf),
/// in chunks of 3.
#[test]
fn issignedinf() {
    let arr = rand_f64(&[20, 20], 15).mapv(|v| ((v * 3.0).floor() - 1.0) / 0.0);
    let d = from_array(arr.clone(), [3, 3]).unwrap();
    assert_eq!(
        d.is_neginf().compute().unwrap(),
        arr.mapv(|v| v == f64::NEG_INFINITY)
    );
    assert_eq!(
        d.is_posinf().compute().unwrap(),
        arr.mapv(|v| v == f64::INFINITY)
    );
    assert!(arr.iter().any(|v| v.is_nan()));
}

/// `test_dtype_kwarg`: `add(a, b, dtype=dt)` for float64, float32, int32 and int64 as
/// both operands cast to `dt` (numpy's `dtype=` casts the inputs), then added.
#[test]
fn dtype_kwarg() {
    let a1 = ndarray::arr1(&[1i64, 2, 3]).into_dyn();
    let a2 = ndarray::arr1(&[4i64, 5, 6]).into_dyn();
    let d1 = from_array(a1.clone(), Chunks::Auto).unwrap();
    let d2 = from_array(a2.clone(), Chunks::Auto).unwrap();
    let want: Vec<f64> = a1.iter().zip(&a2).map(|(a, b)| (a + b) as f64).collect();
    macro_rules! check {
        ($t:ty, $dt:expr) => {{
            let r: DArray<$t> = &d1.astype::<$t>() + &d2.astype::<$t>();
            assert_eq!(r.dtype(), $dt);
            let got: Vec<f64> = vals(&r).iter().map(|v| v.to_f64()).collect();
            assert_eq!(got, want, "{}", $dt);
        }};
    }
    check!(f64, DType::F64);
    check!(f32, DType::F32);
    check!(i32, DType::I32);
    check!(i64, DType::I64);
}
