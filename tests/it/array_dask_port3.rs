//! Dask's array tests, a third round (dask/dask at the commit docs/dask-array-tests.md
//! names): the rows that need automatic chunks under a byte limit or following the
//! previous chunks (Dask's `normalize_chunks(..., limit=, previous_chunks=)`,
//! `rechunk(..., block_size_limit=)` and byte sizes per axis such as `(5, "200B")`).
//! Each test names the Dask test it follows; the expected chunk tuples are Dask's
//! literals, and where an array is computed its values are compared with ndarray.
//! Dask's configuration (`array.chunk-size`) is re-expressed as the limit passed to
//! `normalize_chunks` or `rechunk_limit`, or as a byte size on the auto axis.

use chunkwise::array::{
    AxisChunks, Chunks, DArray, Element, from_array, full, indices, normalize_chunks, ones,
};
use ndarray::{ArrayD, IxDyn};

use super::array_dask_port::rand_f64;

/// `n` cut into pieces of `c`, the last one ragged, counted by a loop.
fn split_ref(n: usize, c: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut left = n;
    while left > 0 {
        out.push(c.min(left));
        left -= c.min(left);
    }
    out
}

/// `v` repeated `k` times, then `tail` (Dask's `(v,) * k + tail`).
fn rep(v: usize, k: usize, tail: &[usize]) -> Vec<usize> {
    let mut out = vec![v; k];
    out.extend_from_slice(tail);
    out
}

/// `{0: "auto", ...}`: these axes automatic, the others as they are.
fn auto_axes(axes: &[usize]) -> Chunks {
    Chunks::Axes(axes.iter().map(|&d| (d, AxisChunks::Auto)).collect())
}

/// The array computed, compared with the ndarray it was made from.
fn same<T: Element + std::fmt::Debug + PartialEq>(x: &DArray<T>, a: &ArrayD<T>) {
    assert_eq!(&x.compute().unwrap(), a);
}

/// `test_single_element_tuple`: previous chunks given as one size per axis
/// (`((1,), (500,))`, Dask's rule for rioxarray) with `(100, "auto")` for int64.
#[test]
fn single_element_tuple() {
    let spec = Chunks::PerAxis(vec![AxisChunks::Size(100), AxisChunks::Auto]);
    let prev = [vec![1], vec![500]];
    let c = normalize_chunks(spec, &[500, 500_000], 8, None, Some(&prev)).unwrap();
    assert_eq!(c, vec![vec![100; 5], vec![167_500, 167_500, 165_000]]);
}

/// `test_align_chunks_to_previous_chunks`: "auto" under a limit grows by whole previous
/// chunks (512 from 128 or 512 at 600 B; 1024 at 1200 B), shrinks to multiples of 512,
/// and keeps previous chunks that already fit.
#[test]
fn align_chunks_to_previous_chunks() {
    let c = normalize_chunks(Chunks::Auto, &[2000], 1, Some(600), Some(&[vec![512]])).unwrap();
    assert_eq!(c, vec![vec![512, 512, 512, 2000 - 512 * 3]]);
    let c = normalize_chunks(Chunks::Auto, &[2000], 1, Some(600), Some(&[vec![128]])).unwrap();
    assert_eq!(c, vec![vec![512, 512, 512, 2000 - 512 * 3]]);
    let c = normalize_chunks(Chunks::Auto, &[2000], 1, Some(1200), Some(&[vec![512]])).unwrap();
    assert_eq!(c, vec![vec![1024, 2000 - 1024]]);

    let prev = [vec![1], vec![512], vec![512]];
    let shape = [3, 10211, 10376];
    let c = normalize_chunks(Chunks::Auto, &shape, 4, Some(1 << 20), Some(&prev)).unwrap();
    assert_eq!(c[0], vec![1, 1, 1]);
    for d in [1, 2] {
        assert_eq!(c[d].iter().sum::<usize>(), shape[d]);
        assert!(
            c[d][..c[d].len() - 1].iter().all(|&s| s % 512 == 0),
            "{c:?}"
        );
    }

    let prev = [vec![36, 12], vec![720], vec![1440]];
    let c = normalize_chunks(
        Chunks::Auto,
        &[48, 720, 1440],
        4,
        Some(134_217_728),
        Some(&prev),
    )
    .unwrap();
    assert_eq!(c, vec![vec![36, 12], vec![720], vec![1440]]);
}

/// `test_normalize_chunks_auto_2d` (test_array_core.py): `("auto", 2)`,
/// `("auto", (2, 2, 2, 2, 2, 5, 5))` and `"auto"` for uint8 under 20 and 10 bytes.
#[test]
fn normalize_chunks_auto_2d() {
    let spec = Chunks::PerAxis(vec![AxisChunks::Auto, AxisChunks::Size(2)]);
    let c = normalize_chunks(spec, &[20, 20], 1, Some(20), None).unwrap();
    assert_eq!(c, vec![vec![10, 10], vec![2; 10]]);
    let sizes = vec![2, 2, 2, 2, 2, 5, 5];
    let spec = Chunks::PerAxis(vec![AxisChunks::Auto, AxisChunks::Sizes(sizes.clone())]);
    let c = normalize_chunks(spec, &[20, 20], 1, Some(20), None).unwrap();
    assert_eq!(c, vec![vec![4, 4, 4, 4, 4], sizes]);
    let c = normalize_chunks(Chunks::Auto, &[1, 20], 1, Some(10), None).unwrap();
    assert_eq!(c, vec![vec![1], vec![10, 10]]);
}

/// `test_normalize_chunks_auto_3d`: `("auto", "auto", 2)` under 200 bytes and `"auto"`
/// under 8 bytes, uint8.
#[test]
fn normalize_chunks_auto_3d() {
    let spec = Chunks::PerAxis(vec![
        AxisChunks::Auto,
        AxisChunks::Auto,
        AxisChunks::Size(2),
    ]);
    let c = normalize_chunks(spec, &[20, 20, 20], 1, Some(200), None).unwrap();
    assert_eq!(c, vec![vec![10, 10], vec![10, 10], vec![2; 10]]);
    let c = normalize_chunks(Chunks::Auto, &[20, 20, 20], 1, Some(8), None).unwrap();
    assert_eq!(c, vec![vec![2; 10]; 3]);
}

/// `test_from_array_chunks_dict`: `{0: 10, 1: -1, 2: "auto"}` with the chunk size set
/// to 128 kiB (here the auto axis's byte size) equals `(10, 100, (16,) * 6 + (4,))`.
#[test]
fn from_array_chunks_dict() {
    let a = rand_f64(&[100, 100, 100], 3);
    let y = from_array(
        a.clone(),
        Chunks::Axes(vec![
            (0, AxisChunks::Size(10)),
            (1, AxisChunks::Whole),
            (2, AxisChunks::Bytes(128 << 10)),
        ]),
    )
    .unwrap();
    let z = from_array(a.clone(), vec![vec![10; 10], vec![100], rep(16, 6, &[4])]).unwrap();
    assert_eq!(y.chunks(), z.chunks());
    assert_eq!(y.chunks()[2], rep(16, 6, &[4]));
    same(&y, &a);
    // The same through `normalize_chunks`'s limit.
    let spec = Chunks::PerAxis(vec![
        AxisChunks::Size(10),
        AxisChunks::Whole,
        AxisChunks::Auto,
    ]);
    let c = normalize_chunks(spec, &[100, 100, 100], 8, Some(128 << 10), None).unwrap();
    assert_eq!(c, z.chunks());
}

/// `test_normalize_chunks_tuples_of_tuples`: `((2, 3, 5), "auto")` under 10 bytes.
#[test]
fn normalize_chunks_tuples_of_tuples() {
    let spec = Chunks::PerAxis(vec![AxisChunks::Sizes(vec![2, 3, 5]), AxisChunks::Auto]);
    let c = normalize_chunks(spec, &[10, 10], 1, Some(10), None).unwrap();
    assert_eq!(c, vec![vec![2, 3, 5], vec![2; 5]]);
}

/// `test_nbytes_auto`: byte sizes for the whole array and for one axis (`(5, "200B")`),
/// float64; a byte size other than the limit, or two different ones, is an error.
#[test]
fn nbytes_auto() {
    let b = |s: &str| s.parse::<Chunks>().unwrap();
    let a = |s: &str| s.parse::<AxisChunks>().unwrap();
    assert_eq!(
        normalize_chunks(b("800B"), &[500], 8, None, None).unwrap(),
        vec![vec![100; 5]]
    );
    assert_eq!(
        normalize_chunks(b("200B"), &[10, 10], 8, None, None).unwrap(),
        vec![vec![5, 5]; 2]
    );
    let spec = Chunks::PerAxis(vec![AxisChunks::Size(5), a("200B")]);
    assert_eq!(
        normalize_chunks(spec, &[10, 10], 8, None, None).unwrap(),
        vec![vec![5, 5]; 2]
    );
    assert_eq!(
        normalize_chunks(b("33B"), &[10, 10], 8, None, None).unwrap(),
        vec![vec![2; 5]; 2]
    );
    assert_eq!(
        normalize_chunks(b("1800B"), &[10, 20, 30], 8, None, None).unwrap(),
        vec![vec![6, 4], vec![6, 6, 6, 2], vec![6; 5]]
    );

    assert!(normalize_chunks(b("10B"), &[10], 8, Some(20), None).is_err());
    assert!(normalize_chunks(b("100B"), &[10, 10], 8, Some(20), None).is_err());
    let e = normalize_chunks(
        Chunks::PerAxis(vec![a("100B"), a("10B")]),
        &[10, 10],
        8,
        None,
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("axis 1"), "{e}");
    let spec = Chunks::PerAxis(vec![a("10B"), a("10B")]);
    assert!(normalize_chunks(spec, &[10, 10], 8, Some(20), None).is_err());
    // The same byte sizes agree.
    let spec = Chunks::PerAxis(vec![a("10B"), a("10B")]);
    assert!(normalize_chunks(spec, &[10, 10], 8, Some(10), None).is_ok());
}

/// `test_auto_chunks`: `("auto", "auto")` for int32 at the default 128 MiB following
/// previous chunks of 1264: each axis merged whole.
#[test]
fn auto_chunks() {
    let prev = [
        vec![1264, 1264, 1264, 1264, 1264, 1264, 1045],
        vec![1264, 491],
    ];
    let shape = [prev[0].iter().sum(), prev[1].iter().sum()];
    let spec = Chunks::PerAxis(vec![AxisChunks::Auto, AxisChunks::Auto]);
    let c = normalize_chunks(spec, &shape, 4, None, Some(&prev)).unwrap();
    assert_eq!(c, vec![vec![8629], vec![1755]]);
}

/// `test_rechunk_auto_1d`: `rechunk({0: "auto"}, block_size_limit=bs * 8)` of ones
/// over these chunks, all twelve of Dask's cases; the values stay ones.
#[test]
fn rechunk_auto_1d() {
    let cases: Vec<(usize, Vec<usize>, usize, Vec<usize>)> = vec![
        (100, split_ref(100, 1), 10, vec![10; 10]),
        (100, split_ref(100, 50), 10, vec![10; 10]),
        (100, split_ref(100, 100), 10, vec![10; 10]),
        (20, split_ref(20, 7), 10, vec![7, 7, 6]),
        (20, vec![1, 1, 1, 1, 6, 2, 1, 7], 5, vec![5, 5, 5, 5]),
        (21, vec![1; 21], 10, vec![10, 10, 1]),
        (30, vec![3; 10], 7, vec![6; 5]),
        (20, vec![2, 2, 2, 9, 1, 2, 2], 5, vec![4, 4, 4, 4, 4]),
        (20, vec![10, 10], 4, vec![4; 5]),
        (21, vec![10, 11], 4, vec![4, 4, 4, 4, 4, 1]),
        (20, vec![1, 18, 1], 5, vec![5; 4]),
        (38, vec![10, 18, 10], 5, vec![5, 5, 5, 5, 5, 5, 5, 3]),
    ];
    for (n, chunks, bs, expected) in cases {
        let x = ones(&[n], vec![chunks.clone()]).unwrap();
        let y = x.rechunk_limit(auto_axes(&[0]), bs * 8);
        assert_eq!(
            y.chunks(),
            std::slice::from_ref(&expected),
            "{n} {chunks:?} {bs}"
        );
        same(&y, &ArrayD::from_elem(IxDyn(&[n]), 1.0));
    }
}

/// `test_normalize_chunks_auto_2d` (test_rechunk.py): `{0: "auto", 1: "auto"}` for
/// int8 under `bs` bytes following the previous chunks.
#[test]
fn normalize_chunks_auto_2d_previous() {
    type Case = (Vec<Vec<usize>>, usize, Vec<Vec<usize>>);
    let cases: Vec<Case> = vec![
        (
            vec![vec![1, 1, 1], vec![10; 8]],
            160,
            vec![vec![3], vec![50, 30]],
        ),
        (
            vec![vec![2, 2], vec![20]],
            5,
            vec![vec![1, 1, 1, 1], vec![5; 4]],
        ),
        (vec![vec![1, 1], vec![20]], 5, vec![vec![1, 1], vec![5; 4]]),
    ];
    for (prev, bs, expected) in cases {
        let shape: Vec<usize> = prev.iter().map(|c| c.iter().sum()).collect();
        let c = normalize_chunks(auto_axes(&[0, 1]), &shape, 1, Some(bs), Some(&prev)).unwrap();
        assert_eq!(c, expected, "{prev:?} {bs}");
    }
}

/// `test_rechunk_auto_2d`: `{0: -1, 1: "auto"}`, `(-1, "auto")` and `{0: "auto"}` with
/// a `block_size_limit` of 20 or 80 elements; values compared with ndarray.
#[test]
fn rechunk_auto_2d() {
    let a = rand_f64(&[20, 20], 5);
    let x = from_array(a.clone(), [2, 2]).unwrap();
    let spec = Chunks::Axes(vec![(0, AxisChunks::Whole), (1, AxisChunks::Auto)]);
    let y = x.rechunk_limit(spec, 20 * 8);
    assert_eq!(y.chunks(), &[vec![20], vec![1; 20]]);
    same(&y, &a);

    let spec = Chunks::PerAxis(vec![AxisChunks::Whole, AxisChunks::Auto]);
    let y = x.rechunk_limit(spec, 80 * 8);
    assert_eq!(y.chunks(), &[vec![20], vec![4; 5]]);
    same(&y, &a);

    let y = x.rechunk_limit(auto_axes(&[0]), 20 * 8);
    assert_eq!(y.chunks()[1], x.chunks()[1]);
    assert_eq!(y.chunks()[0], vec![10, 10]);
    same(&y, &a);

    let x = from_array(a.clone(), vec![vec![2; 10], vec![2, 2, 2, 2, 2, 5, 5]]).unwrap();
    let y = x.rechunk_limit(auto_axes(&[0]), 20 * 8);
    assert_eq!(y.chunks()[1], x.chunks()[1]);
    assert_eq!(y.chunks()[0], vec![4, 4, 4, 4, 4]); // limited by the largest
    same(&y, &a);
}

/// `test_rechunk_auto_3d`: `{0: "auto", 1: "auto"}` under 200 elements splits evenly.
#[test]
fn rechunk_auto_3d() {
    let a = rand_f64(&[20, 20, 20], 6);
    let x = from_array(a.clone(), [2, 2, 2]).unwrap();
    let y = x.rechunk_limit(auto_axes(&[0, 1]), 200 * 8);
    assert_eq!(y.chunks()[2], x.chunks()[2]);
    assert_eq!(y.chunks()[0], vec![10, 10]);
    assert_eq!(y.chunks()[1], vec![10, 10]); // even split
    same(&y, &a);
}

/// `test_rechunk_auto_image_stack` (n = 100 and 1000): `rechunk("auto")` of a stack of
/// 1000 x 1000 images, one a chunk, with the chunk size at 10 MiB, 7 MiB and 1 MiB
/// (the limit passed). Only chunks are checked, as in Dask (the arrays are lazy).
#[test]
fn rechunk_auto_image_stack() {
    for n in [100, 1000] {
        let x = full(&[n, 1000, 1000], 1u8, [1, 1000, 1000]).unwrap();
        let y = x.rechunk_limit(Chunks::Auto, 10 << 20);
        assert_eq!(y.chunks(), &[vec![10; n / 10], vec![1000], vec![1000]]);
        assert_eq!(y.rechunk_limit(Chunks::Auto, 10 << 20).chunks(), y.chunks()); // idempotent

        let z = x.rechunk_limit(Chunks::Auto, 7 << 20);
        let first = if n == 100 {
            rep(7, 14, &[2])
        } else {
            rep(7, 142, &[6])
        };
        assert_eq!(z.chunks(), &[first, vec![1000], vec![1000]]);

        let x = ones(&[n, 1000, 1000], [1, 1000, 1000]).unwrap();
        let z = x.rechunk_limit(Chunks::Auto, 1 << 20);
        assert_eq!(
            z.chunks(),
            &[vec![1; n], vec![362, 362, 276], vec![362, 362, 276]]
        );

        let x = ones(&[n, 2000, 2000], [1, 1000, 1000]).unwrap();
        let z = x.rechunk_limit(Chunks::Auto, 1 << 20);
        let c = rep(362, 5, &[190]);
        assert_eq!(z.chunks(), &[vec![1; n], c.clone(), c]);
    }
}

/// `test_rechunk_down`: from images one a chunk to 10 a chunk at 10 MiB, then down at
/// 1 MiB: all axes, only the first, only the second.
#[test]
fn rechunk_down() {
    let x = full(&[100, 1000, 1000], 1u8, [1, 1000, 1000]).unwrap();
    let y = x.rechunk_limit(Chunks::Auto, 10 << 20);
    assert_eq!(y.chunks(), &[vec![10; 10], vec![1000], vec![1000]]);

    let z = y.rechunk_limit(Chunks::Auto, 1 << 20);
    assert_eq!(z.chunks(), &[vec![4; 25], vec![511, 489], vec![511, 489]]);

    let z = y.rechunk_limit(auto_axes(&[0]), 1 << 20);
    assert_eq!(z.chunks(), &[vec![1; 100], vec![1000], vec![1000]]);

    let z = y.rechunk_limit(auto_axes(&[1]), 1 << 20);
    assert_eq!(z.chunks(), &[vec![10; 10], rep(104, 9, &[64]), vec![1000]]);
    // The values survive the rechunks (the first image).
    let first = z.slice(&[0..1, 0..1000]).compute().unwrap();
    assert_eq!(first, ArrayD::from_elem(IxDyn(&[1, 1000, 1000]), 1u8));
}

/// `test_balance_different_inputs`: `rechunk(("10MB", -1), balance=True)` and without
/// balance give the same chunks, the second axis whole.
#[test]
fn balance_different_inputs() {
    let n = 210;
    let a = rand_f64(&[n, n], 7);
    let x = from_array(a.clone(), Chunks::Auto).unwrap();
    let spec = Chunks::PerAxis(vec!["10MB".parse().unwrap(), AxisChunks::Whole]);
    let balanced = x.rechunk_balanced(spec.clone());
    let unbalanced = x.rechunk(spec);
    assert_eq!(balanced.chunks(), unbalanced.chunks());
    assert_eq!(balanced.chunks()[1], vec![n]);
    same(&balanced, &a);
    same(&unbalanced, &a);
}

/// `test_indices_dimensions_chunks`: explicit chunks get a leading axis by 1; with
/// the chunk size at 50 MiB, `indices(chunks="auto")` chunks the dimensions as
/// `normalize_chunks("auto", (10000, 10000), dtype=int)` does (Dask's value:
/// 2560 a side), not counting the new axis.
#[test]
fn indices_dimensions_chunks() {
    let chunks = vec![vec![1, 4, 2, 3], vec![5, 5]];
    let d = indices(&[10, 10], chunks.clone()).unwrap();
    let mut expected = vec![vec![1, 1]];
    expected.extend(chunks);
    assert_eq!(d.chunks(), expected.as_slice());
    let want = ArrayD::from_shape_fn(IxDyn(&[2, 10, 10]), |i| i[1 + i[0]] as i64);
    same(&d, &want);

    let auto = rep(2560, 3, &[2320]);
    let r = indices(&[10000, 10000], Chunks::Bytes(50 << 20)).unwrap();
    assert_eq!(&r.chunks()[1..], &[auto.clone(), auto.clone()]);
    assert_eq!(r.chunks()[0], vec![1, 1]);
    let c = normalize_chunks(Chunks::Auto, &[10000, 10000], 8, Some(50 << 20), None).unwrap();
    assert_eq!(c, vec![auto.clone(), auto]);
}
