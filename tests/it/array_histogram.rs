//! Histograms and weighted `bincount` against plain loops computing numpy's documented
//! results (following Dask's histogram tests in test_routines.py): explicit edges,
//! weights, density, `histogram2d`/`histogramdd` of an `(N, D)` sample or of separate
//! coordinate arrays, and the errors Dask raises. Dask draws its data from numpy's
//! generator; chunkwise's own random arrays do as well. Graph-key checks
//! (`same_keys`) become token checks; Python argument-type cases are left out.

use chunkwise::array::{
    Bins, Chunks, DArray, from_array, histogram2d, histogramdd_coords, ones, random_normal,
    random_uniform,
};
use ndarray::{ArrayD, Axis, Dimension, IxDyn};

/// numpy's bin of `x`: `searchsorted(edges, x, side="right") - 1` (a linear scan), the
/// last edge in the last bin; `None` outside the edges or NaN.
fn np_bin(edges: &[f64], x: f64) -> Option<usize> {
    let n = edges.len() - 1;
    if !(edges[0] <= x && x <= edges[n]) {
        return None;
    }
    Some(edges.iter().take_while(|&&e| e <= x).count().min(n) - 1)
}

/// numpy's `histogramdd` of `points` (one coordinate vector each) as `f64`: counts or
/// sums of weights per cell, with `density` divided by each cell's widths and the total.
fn np_histogramdd(
    points: &[Vec<f64>],
    edges: &[Vec<f64>],
    weights: Option<&[f64]>,
    density: bool,
) -> ArrayD<f64> {
    let shape: Vec<usize> = edges.iter().map(|e| e.len() - 1).collect();
    let mut h = ArrayD::<f64>::zeros(IxDyn(&shape));
    for (k, p) in points.iter().enumerate() {
        let cell: Option<Vec<usize>> = p.iter().zip(edges).map(|(&x, e)| np_bin(e, x)).collect();
        if let Some(cell) = cell {
            h[IxDyn(&cell)] += weights.map_or(1.0, |w| w[k]);
        }
    }
    if density {
        let total = h.sum();
        for (i, v) in h.indexed_iter_mut() {
            for (d, e) in edges.iter().enumerate() {
                *v /= e[i[d] + 1] - e[i[d]];
            }
            *v /= total;
        }
    }
    h
}

/// `n` equal bins over `[lo, hi]`.
fn range(n: usize, lo: f64, hi: f64) -> Bins {
    Bins::Range { n, lo, hi }
}

/// Asserts that `r` is an error whose message holds each of `parts`.
fn assert_err<T>(r: chunkwise::Result<T>, parts: &[&str]) {
    match r {
        Ok(_) => panic!("no error, expected one holding {parts:?}"),
        Err(e) => {
            let e = e.to_string();
            assert!(parts.iter().all(|p| e.contains(p)), "{parts:?}: {e}");
        }
    }
}

/// numpy's `linspace(lo, hi, n + 1)`: `i * step + lo`, the last edge exactly `hi`.
fn np_edges(n: usize, lo: f64, hi: f64) -> Vec<f64> {
    let step = (hi - lo) / n as f64;
    let mut e: Vec<f64> = (0..=n).map(|i| i as f64 * step + lo).collect();
    e[n] = hi;
    e
}

/// The edges a `Bins` stands for (numpy's).
fn edges_of(b: &Bins) -> Vec<f64> {
    match b {
        Bins::Range { n, lo, hi } => np_edges(*n, *lo, *hi),
        Bins::Edges(e) => e.clone(),
    }
}

fn values(x: &DArray<f64>) -> Vec<f64> {
    x.compute().unwrap().iter().copied().collect()
}

/// The rows of an `(N, D)` sample as points.
fn rows(x: &DArray<f64>) -> Vec<Vec<f64>> {
    let a = x.compute().unwrap();
    a.axis_iter(Axis(0))
        .map(|r| r.iter().copied().collect())
        .collect()
}

/// Equal within a relative 1e-12 (absolute below 1), NaN equal to NaN.
fn assert_close(got: &ArrayD<f64>, want: &ArrayD<f64>, ctx: &str) {
    assert_eq!(got.shape(), want.shape(), "{ctx}");
    for (g, w) in got.iter().zip(want) {
        let ok = g == w
            || (g.is_nan() && w.is_nan())
            || (g - w).abs() <= 1e-12 * g.abs().max(w.abs()).max(1.0);
        assert!(ok, "{ctx}: {g} vs {w}\n{got}\n{want}");
    }
}

/// numpy's `arange(0, stop, step)` as edges.
fn arange_edges(stop: f64, step: f64) -> Vec<f64> {
    (0..)
        .map(|i| i as f64 * step)
        .take_while(|&e| e < stop)
        .collect()
}

/// `test_histogram`: explicit edges (numpy's `arange(0, 1.01, 0.01)`) over random
/// values, the counts summing to `n`, the same token when built twice; then odd
/// shapes: ragged chunks, one chunk, an empty array, a 2-d array, values exactly on
/// edges (the last edge in the last bin), NaN, uneven and repeated edges.
#[test]
fn test_histogram() {
    let n = 100;
    let v = random_uniform(0.0, 1.0, &[n], [10], 1).unwrap();
    let bins = Bins::Edges(arange_edges(1.01, 0.01));
    let (a1, b1) = v.histogram_counts(&bins).unwrap();
    assert_eq!(b1, edges_of(&bins));
    let points: Vec<Vec<f64>> = values(&v).into_iter().map(|x| vec![x]).collect();
    let want = np_histogramdd(&points, std::slice::from_ref(&b1), None, false);
    let got = a1.compute().unwrap();
    assert_eq!(got.sum(), n as i64);
    assert_eq!(got.mapv(|c| c as f64), want);
    assert_eq!(v.histogram_counts(&bins).unwrap().0.token(), a1.token());
    assert_ne!(
        v.histogram_counts(&Bins::Edges(vec![0.0, 1.0]))
            .unwrap()
            .0
            .token(),
        a1.token()
    );

    // Odd shapes and values.
    let special = vec![
        0.0,
        1.0,
        2.5,
        3.0,
        -1.0,
        3.5,
        f64::NAN,
        2.0,
        2.0,
        f64::INFINITY,
        1.0,
    ];
    let m = special.len();
    let cases: Vec<(ArrayD<f64>, Chunks)> = vec![
        (
            ArrayD::from_shape_vec(IxDyn(&[m]), special.clone()).unwrap(),
            Chunks::Shape(vec![3]),
        ),
        (
            ArrayD::from_shape_vec(IxDyn(&[m]), special.clone()).unwrap(),
            Chunks::Shape(vec![m]),
        ),
        (
            ArrayD::from_shape_vec(IxDyn(&[m]), special.clone()).unwrap(),
            Chunks::Explicit(vec![vec![0, 4, 0, 7]]),
        ),
        (ArrayD::zeros(IxDyn(&[0])), Chunks::Shape(vec![3])),
        (
            ArrayD::from_shape_fn(IxDyn(&[7, 5]), |i| (i[0] * 5 + i[1]) as f64 / 10.0),
            Chunks::Shape(vec![3, 2]),
        ),
    ];
    let all_bins = [
        Bins::Edges(vec![0.0, 1.0, 2.0, 3.0]),
        Bins::Edges(vec![0.0, 0.5, 2.0, 2.0, 3.0]),
        Bins::Edges(vec![1.0, 1.0]),
        range(3, 0.0, 3.0),
        range(7, -0.3, 2.9),
        range(2, 2.0, 2.0),
    ];
    for (a, chunks) in &cases {
        let x = from_array(a.clone(), chunks.clone()).unwrap();
        let points: Vec<Vec<f64>> = a.iter().map(|&x| vec![x]).collect();
        for bins in &all_bins {
            let ctx = format!("{:?} {chunks:?} {bins:?}", a.shape());
            let (counts, edges) = x.histogram_counts(bins).unwrap();
            let want_edges = match bins {
                // numpy widens an empty range by a half on each side.
                Bins::Range { lo, hi, .. } if lo == hi => np_edges(2, lo - 0.5, hi + 0.5),
                b => edges_of(b),
            };
            assert_eq!(edges, want_edges, "{ctx}");
            let want = np_histogramdd(&points, std::slice::from_ref(&edges), None, false);
            let got = counts.compute().unwrap();
            assert_eq!(counts.shape(), &[edges.len() - 1], "{ctx}");
            assert_eq!(got.mapv(|c| c as f64), want, "{ctx}");
            let (floats, _) = x.histogram_with(bins, None, false).unwrap();
            assert_eq!(floats.compute().unwrap(), want, "{ctx}");
        }
    }
    // The old equal-bins form agrees with Bins::Range.
    let x = from_array(ArrayD::from_shape_vec(IxDyn(&[m]), special).unwrap(), [4]).unwrap();
    let (old, e_old) = x.histogram(5, -1.0, 3.0);
    let (new, e_new) = x.histogram_counts(&range(5, -1.0, 3.0)).unwrap();
    assert_eq!(e_old, e_new);
    assert_eq!(old.compute().unwrap(), new.compute().unwrap());
}

/// `test_histogram_return_type`: integer-valued edges (numpy's `arange(0, 11)` as
/// `i4`) over `v * 10`: the counts are integers (`i64`), equal to numpy's.
#[test]
fn test_histogram_return_type() {
    let v = random_uniform(0.0, 1.0, &[100], [10], 2).unwrap() * 10.0;
    let bins = Bins::Edges((0..11).map(f64::from).collect());
    let (counts, _): (DArray<i64>, Vec<f64>) = v.histogram_counts(&bins).unwrap();
    let points: Vec<Vec<f64>> = values(&v).into_iter().map(|x| vec![x]).collect();
    let want = np_histogramdd(&points, &[edges_of(&bins)], None, false);
    assert_eq!(counts.compute().unwrap().mapv(|c| c as f64), want);
}

/// `test_histogram_extra_args_and_shapes`: density, weights (ones times 5), and both,
/// for a 1-d array and a 50x50 one, against numpy's answer (Dask compares the last
/// case with itself; here it is checked against the reference too).
#[test]
fn test_histogram_extra_args_and_shapes() {
    let bins = Bins::Edges(arange_edges(1.01, 0.01));
    let edges = edges_of(&bins);
    let data = [
        (
            random_uniform(0.0, 1.0, &[100], [10], 3).unwrap(),
            ones(&[100], [10]).unwrap() * 5.0,
        ),
        (
            random_uniform(0.0, 1.0, &[50, 50], [10, 10], 4).unwrap(),
            ones(&[50, 50], [10, 10]).unwrap() * 5.0,
        ),
    ];
    for (v, w) in &data {
        let points: Vec<Vec<f64>> = values(v).into_iter().map(|x| vec![x]).collect();
        let wv = values(w);
        for (weights, density) in [(false, true), (true, false), (true, true)] {
            let (h, e) = v
                .histogram_with(&bins, weights.then_some(w), density)
                .unwrap();
            assert_eq!(e, edges);
            let want = np_histogramdd(
                &points,
                std::slice::from_ref(&edges),
                weights.then_some(&wv[..]),
                density,
            );
            assert_close(
                &h.compute().unwrap(),
                &want,
                &format!("{:?} weights {weights} density {density}", v.shape()),
            );
        }
    }
    // Weighted counts of values on edges, NaN and out of range, with ragged chunks.
    let a =
        ArrayD::from_shape_vec(IxDyn(&[7]), vec![0.0, 0.5, 1.0, f64::NAN, 2.0, -1.0, 1.5]).unwrap();
    let wa =
        ArrayD::from_shape_vec(IxDyn(&[7]), vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]).unwrap();
    let x = from_array(a.clone(), [3]).unwrap();
    let w = from_array(wa.clone(), [3]).unwrap();
    let (h, _) = x
        .histogram_with(&Bins::Edges(vec![0.0, 1.0, 2.0]), Some(&w), false)
        .unwrap();
    assert_eq!(values(&h), vec![3.0, 84.0]);
    // Nothing counted: density is NaN, as numpy's 0/0.
    let (h, _) = x
        .histogram_with(&Bins::Edges(vec![5.0, 6.0]), None, true)
        .unwrap();
    assert!(values(&h)[0].is_nan());
}

/// `test_histogram_bin_range_raises`, the cases Rust can express: no bins, a range
/// that is reversed or not finite, edges that decrease, hold NaN or are fewer than
/// two, are errors naming the bins or the range (never panics); weights of another
/// shape or chunking are errors too (Dask raises for the chunking).
#[test]
fn test_histogram_bin_range_raises() {
    let data = random_uniform(0.0, 1.0, &[10], [2], 5).unwrap();
    for bins in [
        range(0, 0.0, 1.0),
        range(10, 1.0, 0.0),
        range(10, 0.0, f64::INFINITY),
        range(10, f64::NAN, 1.0),
        Bins::Edges(vec![]),
        Bins::Edges(vec![0.5]),
        Bins::Edges(vec![0.0, 2.0, 1.0]),
        Bins::Edges(vec![0.0, f64::NAN, 1.0]),
    ] {
        let e = data.histogram_counts(&bins).unwrap_err().to_string();
        assert!(e.contains("bins") || e.contains("range"), "{bins:?}: {e}");
        let e = data
            .histogram_with(&bins, None, true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("bins") || e.contains("range"), "{bins:?}: {e}");
    }
    // The old form keeps its deferred error.
    let (counts, edges) = data.histogram(0, 0.0, 1.0);
    assert!(edges.is_empty());
    assert!(counts.compute().is_err());
    let bins = range(3, 0.0, 1.0);
    let w = ones(&[10], [5]).unwrap();
    assert_err(data.histogram_with(&bins, Some(&w), false), &["chunks"]);
    let w = ones(&[5], [5]).unwrap();
    assert!(data.histogram_with(&bins, Some(&w), false).is_err());
    // An input carrying an error: the counts fail with it.
    let bad = data.sum(3);
    assert!(bad.histogram_counts(&bins).unwrap().0.compute().is_err());
}

/// The samples of Dask's 2-d tests: `n` uniform x, y (and weights in [0.2, 1.1]).
fn xyw(n: usize, seed: u64) -> (DArray<f64>, DArray<f64>, DArray<f64>) {
    (
        random_uniform(0.0, 1.0, &[n], [200], seed).unwrap(),
        random_uniform(0.0, 1.0, &[n], [200], seed + 1).unwrap(),
        random_uniform(0.2, 1.1, &[n], [200], seed + 2).unwrap(),
    )
}

/// `histogram2d` against the reference, its sum `n` without weights or density, the
/// same token when built twice, numpy's shape.
fn check_histogram2d(bins: &[Bins], seed: u64) {
    let n = 800;
    let (x, y, w) = xyw(n, seed);
    let points: Vec<Vec<f64>> = values(&x)
        .into_iter()
        .zip(values(&y))
        .map(|(a, b)| vec![a, b])
        .collect();
    let wv = values(&w);
    let edges: Vec<Vec<f64>> = [0, 1]
        .map(|d| edges_of(&bins[d.min(bins.len() - 1)]))
        .to_vec();
    for weights in [true, false] {
        for density in [true, false] {
            let ctx = format!("{bins:?} weights {weights} density {density}");
            let w = weights.then_some(&w);
            let (a1, xe, ye) = histogram2d(&x, &y, bins, w, density).unwrap();
            assert_eq!(vec![xe, ye], edges, "{ctx}");
            let want = np_histogramdd(&points, &edges, weights.then_some(&wv[..]), density);
            let got = a1.compute().unwrap();
            assert_close(&got, &want, &ctx);
            if !(weights || density) {
                assert_eq!(got.sum(), n as f64);
            }
            let again = histogram2d(&x, &y, bins, w, density).unwrap().0;
            assert_eq!(again.token(), a1.token(), "{ctx}");
            assert_eq!(got.shape(), &[edges[0].len() - 1, edges[1].len() - 1]);
        }
    }
}

/// `test_histogram2d`: bins `(5, 6)` and `5` over the range `(0, 1)` in both
/// dimensions, with and without weights and density.
#[test]
fn test_histogram2d() {
    let r = |n| range(n, 0.0, 1.0);
    check_histogram2d(&[r(5), r(6)], 10);
    check_histogram2d(&[r(5)], 20);
}

/// `test_histogram2d_array_bins`: uneven edges per dimension, with and without
/// weights and density.
#[test]
fn test_histogram2d_array_bins() {
    let xbins = Bins::Edges(vec![0.0, 0.2, 0.6, 0.9, 1.0]);
    let ybins = Bins::Edges(vec![0.0, 0.1, 0.4, 0.5, 1.0]);
    check_histogram2d(&[xbins, ybins], 30);
}

/// Dask's 3-d edges: `[[0, 0.5, 1], [0, 0.25, 0.85, 1], [0, 0.5, 0.8, 1]]`.
fn edges3() -> Vec<Bins> {
    vec![
        Bins::Edges(vec![0.0, 0.5, 1.0]),
        Bins::Edges(vec![0.0, 0.25, 0.85, 1.0]),
        Bins::Edges(vec![0.0, 0.5, 0.8, 1.0]),
    ]
}

/// `histogramdd` of an `(N, D)` sample against the reference.
fn check_dd(x: &DArray<f64>, bins: &[Bins], w: Option<&DArray<f64>>, density: bool) -> ArrayD<f64> {
    let d = x.shape()[1];
    let (h, edges) = x.histogramdd(bins, w, density).unwrap();
    let want_edges: Vec<Vec<f64>> = (0..d)
        .map(|k| edges_of(&bins[k.min(bins.len() - 1)]))
        .collect();
    assert_eq!(edges, want_edges);
    let wv = w.map(values);
    let want = np_histogramdd(&rows(x), &edges, wv.as_deref(), density);
    let got = h.compute().unwrap();
    assert_close(&got, &want, &format!("{bins:?} density {density}"));
    got
}

/// `test_histogramdd`: an (800, 3) sample in row chunks, explicit edges: numpy's
/// counts, summing to 800, the same token when built twice, numpy's shape; and odd
/// shapes: ragged row chunks, an empty sample, points on the edges and NaN.
#[test]
fn test_histogramdd() {
    let x = random_uniform(0.0, 1.0, &[800, 3], [200, 3], 40).unwrap();
    let bins = edges3();
    let got = check_dd(&x, &bins, None, false);
    assert_eq!(got.sum(), 800.0);
    assert_eq!(got.shape(), &[2, 3, 3]);
    let t = x.histogramdd(&bins, None, false).unwrap().0.token();
    assert_eq!(x.histogramdd(&bins, None, false).unwrap().0.token(), t);

    let pts = vec![
        0.0,
        0.0,
        0.5,
        1.0,
        1.0,
        0.85,
        f64::NAN,
        0.3,
        0.25,
        0.25,
        1.5,
        0.1,
        0.5,
        0.8,
        0.0,
    ];
    let a = ArrayD::from_shape_vec(IxDyn(&[5, 3]), pts).unwrap();
    for chunks in [
        vec![vec![2, 3], vec![3]],
        vec![vec![5], vec![3]],
        vec![vec![1, 0, 4], vec![3]],
    ] {
        let x = from_array(a.clone(), Chunks::Explicit(chunks)).unwrap();
        let got = check_dd(&x, &bins, None, false);
        assert_eq!(got.sum(), 3.0, "NaN and 1.5 are out");
    }
    let empty = from_array(ArrayD::<f64>::zeros(IxDyn(&[0, 3])), [4, 3]).unwrap();
    assert_eq!(check_dd(&empty, &bins, None, false).sum(), 0.0);
}

/// `test_histogramdd_seq_of_arrays`: the sample as two 1-d arrays, uneven edges.
#[test]
fn test_histogramdd_seq_of_arrays() {
    let (x, y, w) = xyw(800, 50);
    let bx = Bins::Edges(vec![0.0, 0.25, 0.75, 1.0]);
    let by = Bins::Edges(vec![0.0, 0.30, 0.70, 0.8, 1.0]);
    let points: Vec<Vec<f64>> = values(&x)
        .into_iter()
        .zip(values(&y))
        .map(|(a, b)| vec![a, b])
        .collect();
    let edges = vec![edges_of(&bx), edges_of(&by)];
    let (h, e) = histogramdd_coords(&[&x, &y], &[bx.clone(), by.clone()], None, false).unwrap();
    assert_eq!(e, edges);
    assert_eq!(
        h.compute().unwrap(),
        np_histogramdd(&points, &edges, None, false)
    );
    // The same as the (N, 2) sample, and as histogram2d; weighted too.
    let stacked = DArray::stack(&[x.clone(), y.clone()], 1).rechunk([200, 2]);
    let (hs, _) = stacked
        .histogramdd(&[bx.clone(), by.clone()], Some(&w), true)
        .unwrap();
    let (hc, _) = histogramdd_coords(&[&x, &y], &[bx.clone(), by.clone()], Some(&w), true).unwrap();
    let (h2, _, _) = histogram2d(&x, &y, &[bx, by], Some(&w), true).unwrap();
    let want = np_histogramdd(&points, &edges, Some(&values(&w)), true);
    for got in [hs, hc, h2] {
        assert_close(&got.compute().unwrap(), &want, "weighted density");
    }
}

/// `test_histogramdd_alternative_bins_range`: bins `(3, 5, 4)` over `(0, 1)` each,
/// then `4` for every dimension; sums 600; the same token when built twice.
#[test]
fn test_histogramdd_alternative_bins_range() {
    let x = random_uniform(
        0.0,
        1.0,
        &[600, 3],
        Chunks::Explicit(vec![vec![200; 3], vec![3]]),
        60,
    )
    .unwrap();
    let r = |n| range(n, 0.0, 1.0);
    check_dd(&x, &[r(3), r(5), r(4)], None, false);
    let got = check_dd(&x, &[r(4)], None, false);
    assert_eq!(got.shape(), &[4, 4, 4]);
    assert_eq!(got.sum(), 600.0);
    let t = x.histogramdd(&[r(4)], None, false).unwrap().0.token();
    assert_eq!(x.histogramdd(&[r(4)], None, false).unwrap().0.token(), t);
}

/// `test_histogramdd_weighted`: weights in [0.5, 0.8] chunked as the rows, bins
/// `(3, 5, 4)` then `4`.
#[test]
fn test_histogramdd_weighted() {
    let x = random_uniform(0.0, 1.0, &[600, 3], [200, 3], 70).unwrap();
    let w = random_uniform(0.5, 0.8, &[600], [200], 71).unwrap();
    let r = |n| range(n, 0.0, 1.0);
    check_dd(&x, &[r(3), r(5), r(4)], Some(&w), false);
    let got = check_dd(&x, &[r(4)], Some(&w), false);
    let total: f64 = values(&w).iter().sum();
    assert!((got.sum() - total).abs() < 1e-9);
}

/// `test_histogramdd_density`: explicit edges, density (the `normed` alias is
/// Python's); the same token when built twice.
#[test]
fn test_histogramdd_density() {
    let x = random_uniform(0.0, 1.0, &[800, 3], [200, 3], 80).unwrap();
    let bins = edges3();
    let got = check_dd(&x, &bins, None, true);
    // A density integrates to one over the cells.
    let volume = |i: &[usize]| -> f64 {
        (0..3)
            .map(|d| {
                let e = edges_of(&bins[d]);
                e[i[d] + 1] - e[i[d]]
            })
            .product()
    };
    let integral: f64 = got.indexed_iter().map(|(i, v)| v * volume(i.slice())).sum();
    assert!((integral - 1.0).abs() < 1e-12);
    let t = x.histogramdd(&bins, None, true).unwrap().0.token();
    assert_eq!(x.histogramdd(&bins, None, true).unwrap().0.token(), t);
    assert_ne!(x.histogramdd(&bins, None, false).unwrap().0.token(), t);
}

/// `test_histogramdd_weighted_density`: a (1200, 4) standard normal sample, weights
/// in [0.5, 1.2], bins `(5, 6, 7, 8)` over `(-4, 4)`.
#[test]
fn test_histogramdd_weighted_density() {
    let x = random_normal(0.0, 1.0, &[1200, 4], [200, 4], 90).unwrap();
    let w = random_uniform(0.5, 1.2, &[1200], [200], 91).unwrap();
    let bins: Vec<Bins> = [5, 6, 7, 8].map(|n| range(n, -4.0, 4.0)).to_vec();
    check_dd(&x, &bins, Some(&w), true);
}

/// `test_histogramdd_raises_incompat_sample_chunks`: a sample chunked along its
/// columns is an error naming the chunks.
#[test]
fn test_histogramdd_raises_incompat_sample_chunks() {
    let data = random_uniform(0.0, 1.0, &[10, 3], [5, 1], 100).unwrap();
    assert_err(
        data.histogramdd(&[range(10, 0.0, 1.0)], None, false),
        &["axis 0", "[[5, 5], [1, 1, 1]]"],
    );
}

/// `test_histogramdd_raises_incompat_multiarg_chunks`: coordinate arrays chunked
/// differently are an error naming their chunks.
#[test]
fn test_histogramdd_raises_incompat_multiarg_chunks() {
    let x = random_uniform(0.0, 1.0, &[10], [2], 110).unwrap();
    let y = random_uniform(0.0, 1.0, &[10], [2], 111).unwrap();
    let z = random_uniform(0.0, 1.0, &[10], [5], 112).unwrap();
    let bins = [range(3, 0.0, 1.0)];
    assert_err(
        histogramdd_coords(&[&x, &y, &z], &bins, None, false),
        &["chunked identically", "[[5, 5]]"],
    );
    // Shapes that differ are chunked differently too; 2-d coordinates are refused.
    let short = random_uniform(0.0, 1.0, &[8], [2], 113).unwrap();
    assert!(histogramdd_coords(&[&x, &short], &bins, None, false).is_err());
    let two_d = random_uniform(0.0, 1.0, &[2, 5], [2, 5], 114).unwrap();
    assert!(histogramdd_coords(&[&two_d], &bins, None, false).is_err());
    assert!(histogramdd_coords::<f64>(&[], &bins, None, false).is_err());
}

/// `test_histogramdd_raises_incompat_weight_chunks`: weights chunked unlike the
/// coordinate arrays, or unlike the rows of an `(N, D)` sample, are errors.
#[test]
fn test_histogramdd_raises_incompat_weight_chunks() {
    let x = random_uniform(0.0, 1.0, &[10], [2], 120).unwrap();
    let y = random_uniform(0.0, 1.0, &[10], [2], 121).unwrap();
    let z = DArray::stack(&[x.clone(), y.clone()], 1).rechunk([2, 2]);
    let w = random_uniform(0.0, 1.0, &[10], [5], 122).unwrap();
    let bins = [range(3, 0.0, 1.0)];
    assert_err(
        histogramdd_coords(&[&x, &y], &bins, Some(&w), false),
        &["weights", "chunks"],
    );
    assert_err(
        z.histogramdd(&bins, Some(&w), false),
        &["weights", "chunks"],
    );
    // Chunked alike, they are accepted.
    assert!(z.histogramdd(&bins, Some(&w.rechunk([2])), false).is_ok());
}

/// `test_histogramdd_raises_incompat_bins_or_range`: bins for 3 dimensions of a
/// 4-dimensional sample are an error (a range is part of each `Bins` here, so "one
/// range per dimension" is the same check; ranges that are not pairs cannot be
/// written); a bad range in one dimension names it.
#[test]
fn test_histogramdd_raises_incompat_bins_or_range() {
    let data = random_uniform(0.0, 1.0, &[10, 4], [5, 4], 130).unwrap();
    let r = |n| range(n, 0.0, 1.0);
    assert_err(
        data.histogramdd(&[r(2), r(3), r(4)], None, false),
        &["dimension of bins"],
    );
    let bad = range(5, 1.0, 0.0);
    assert_err(
        data.histogramdd(&[r(2), r(3), r(4), bad], None, false),
        &["bins[3]", "range"],
    );
    assert!(
        data.histogramdd(&[r(2), r(3), r(4), r(5)], None, false)
            .is_ok()
    );
}

/// `test_histogramdd_raise_incompat_shape`: a 1-d or a 3-d array is not a columnar
/// sample.
#[test]
fn test_histogramdd_raise_incompat_shape() {
    let bins = [range(4, -3.0, 3.0)];
    let data = random_uniform(0.0, 1.0, &[10], [2], 140).unwrap();
    assert_err(data.histogramdd(&bins, None, false), &["columnar"]);
    let data = random_uniform(0.0, 1.0, &[4, 4, 4], [2, 2, 2], 141).unwrap();
    assert_err(data.histogramdd(&bins, None, false), &["columnar"]);
}

/// `test_histogramdd_edges`: the edges returned are the explicit ones given (and the
/// counts numpy's, points outside the uneven edges left out), or numpy's linspace
/// for `5` bins over `(0, 1)`.
#[test]
fn test_histogramdd_edges() {
    let data = random_uniform(0.0, 1.0, &[10, 3], [5, 3], 150).unwrap();
    let edges = vec![
        vec![0.1, 0.3, 0.8, 1.0],
        vec![0.2, 0.3, 0.8, 0.9],
        vec![0.1, 0.5, 0.7],
    ];
    let bins: Vec<Bins> = edges.iter().cloned().map(Bins::Edges).collect();
    let (_, b1) = data.histogramdd(&bins, None, false).unwrap();
    assert_eq!(b1, edges);
    check_dd(&data, &bins, None, false);
    let (_, b1) = data
        .histogramdd(&[range(5, 0.0, 1.0)], None, false)
        .unwrap();
    assert_eq!(b1, vec![np_edges(5, 0.0, 1.0); 3]);
}

/// `test_bincount_with_weights`: float32 and int32 weights; numpy's sums (`f64`),
/// `minlength` 6 (the result is a lazy value, its keys N/A as for `test_bincount`). Also: an empty array, a value past
/// `minlength`, weights chunked unlike `x`, a negative value.
#[test]
fn test_bincount_with_weights() {
    let xs = vec![2i64, 1, 5, 2, 1];
    let x = from_array(
        ArrayD::from_shape_vec(IxDyn(&[5]), xs.clone()).unwrap(),
        [2],
    )
    .unwrap();
    let reference = |w: &[f64], minlength: usize| {
        let len = (xs.iter().max().unwrap() + 1).max(minlength as i64) as usize;
        let mut out = vec![0.0; len];
        for (&v, &w) in xs.iter().zip(w) {
            out[v as usize] += w;
        }
        out
    };
    let wf = vec![1.0f32, 2.0, 1.0, 0.5, 1.0];
    let dw = from_array(
        ArrayD::from_shape_vec(IxDyn(&[5]), wf.clone()).unwrap(),
        [2],
    )
    .unwrap();
    let e = x.bincount_weighted(&dw, 6);
    let wf64: Vec<f64> = wf.iter().map(|&v| f64::from(v)).collect();
    assert_eq!(e.compute().unwrap().to_vec(), reference(&wf64, 6));
    assert_eq!(
        x.bincount_weighted(&dw, 2).compute().unwrap().to_vec(),
        reference(&wf64, 0)
    );
    let wi = vec![1i32, 2, 1, 0, 1];
    let dw = from_array(
        ArrayD::from_shape_vec(IxDyn(&[5]), wi.clone()).unwrap(),
        [2],
    )
    .unwrap();
    let wi64: Vec<f64> = wi.iter().map(|&v| f64::from(v)).collect();
    assert_eq!(
        x.bincount_weighted(&dw, 6).compute().unwrap().to_vec(),
        reference(&wi64, 6)
    );

    let other = from_array(ArrayD::from_shape_vec(IxDyn(&[5]), wi).unwrap(), [3]).unwrap();
    assert_err(x.bincount_weighted(&other, 6).compute(), &["chunks"]);
    let neg = (x.astype::<f64>() - 2.0).bincount_weighted(&dw, 0);
    assert_err(neg.compute(), &["negative", "-1"]);
    let empty: DArray<u8> = from_array(ArrayD::zeros(IxDyn(&[0])), [2]).unwrap();
    let ew: DArray<f64> = from_array(ArrayD::zeros(IxDyn(&[0])), [2]).unwrap();
    assert_eq!(
        empty.bincount_weighted(&ew, 3).compute().unwrap().to_vec(),
        vec![0.0; 3]
    );
    assert!(
        empty
            .bincount_weighted(&ew, 0)
            .compute()
            .unwrap()
            .is_empty()
    );
}

/// `test_histogram_delayed_range`: the range from the array's own lazy min and max
/// (either one computed first), with and without weights and density. (Its
/// `bins=da.array(n)` cases, a lazy number of bins, need unknown shapes: not ported.)
#[test]
fn histogram_with_a_lazy_range() {
    use chunkwise::array::{Axes, LazyBins, full};
    let n = 100;
    let v = random_uniform(0.0, 1.0, &[n], [2], 71).unwrap();
    let w = random_uniform(0.0, 1.0, &[n], [2], 72).unwrap();
    let (vv, wv) = (values(&v), values(&w));
    let (lo, hi) = (
        vv.iter().copied().fold(f64::INFINITY, f64::min),
        vv.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    let scalar = |x: f64| full(&[], x, Vec::<usize>::new()).unwrap();
    let points: Vec<Vec<f64>> = vv.iter().map(|&x| vec![x]).collect();
    let want_edges = np_edges(n, lo, hi);
    for density in [true, false] {
        for weighted in [true, false] {
            for computed in [None, Some(0), Some(1)] {
                let mut range = [v.min(Axes::All), v.max(Axes::All)];
                if let Some(i) = computed {
                    range[i] = scalar(range[i].compute_scalar().unwrap());
                }
                let [lo_d, hi_d] = range;
                let bins = LazyBins::Range {
                    n,
                    lo: lo_d,
                    hi: hi_d,
                };
                let (h, e) = v
                    .histogram_lazy(&bins, weighted.then_some(&w), density)
                    .unwrap();
                let ctx = format!("density {density} weighted {weighted} computed {computed:?}");
                assert_eq!(values(&e), want_edges, "{ctx}");
                let want = np_histogramdd(
                    &points,
                    std::slice::from_ref(&want_edges),
                    weighted.then_some(&wv[..]),
                    density,
                );
                assert_close(&h.compute().unwrap(), &want, &ctx);
            }
        }
    }
}

/// `test_histogram_delayed_bins`: edges given as a lazy array (returned as given),
/// the range its first and last elements; and lazy bins that are invalid fail when
/// computed, naming them.
#[test]
fn histogram_with_lazy_edges() {
    use chunkwise::array::LazyBins;
    let n = 100;
    let v = random_uniform(0.0, 1.0, &[n], [10], 73).unwrap();
    let w = random_uniform(0.0, 1.0, &[n], [10], 74).unwrap();
    let (vv, wv) = (values(&v), values(&w));
    let edges = vec![0.0, 0.2, 0.5, 0.8, 1.0];
    let bins_d = from_array(
        ArrayD::from_shape_vec(IxDyn(&[5]), edges.clone()).unwrap(),
        [2],
    )
    .unwrap();
    let points: Vec<Vec<f64>> = vv.iter().map(|&x| vec![x]).collect();
    for density in [true, false] {
        for weighted in [true, false] {
            let (h, e) = v
                .histogram_lazy(
                    &LazyBins::Edges(bins_d.clone()),
                    weighted.then_some(&w),
                    density,
                )
                .unwrap();
            assert_eq!(e.token(), bins_d.token());
            let want = np_histogramdd(
                &points,
                std::slice::from_ref(&edges),
                weighted.then_some(&wv[..]),
                density,
            );
            assert_close(
                &h.compute().unwrap(),
                &want,
                &format!("{density} {weighted}"),
            );
        }
    }
    let decreasing = from_array(
        ArrayD::from_shape_vec(IxDyn(&[3]), vec![0.0, 2.0, 1.0]).unwrap(),
        [2],
    )
    .unwrap();
    let (h, _) = v
        .histogram_lazy(&LazyBins::Edges(decreasing), None, false)
        .unwrap();
    assert_err(h.compute(), &["lazy bins", "monotonically"]);
    let scalar = |x: f64| chunkwise::array::full(&[], x, Vec::<usize>::new()).unwrap();
    let bins = LazyBins::Range {
        n: 3,
        lo: scalar(1.0),
        hi: scalar(0.0),
    };
    let (h, e) = v.histogram_lazy(&bins, None, true).unwrap();
    assert_err(h.compute(), &["lazy bins", "lo > hi"]);
    assert_err(e.compute(), &["lo > hi"]);
    let bins = LazyBins::Range {
        n: 0,
        lo: scalar(0.0),
        hi: scalar(1.0),
    };
    assert_err(v.histogram_lazy(&bins, None, false), &["at least one bin"]);
    let two = from_array(
        ArrayD::from_shape_vec(IxDyn(&[2]), vec![0.0, 1.0]).unwrap(),
        [2],
    )
    .unwrap();
    let bins = LazyBins::Range {
        n: 3,
        lo: two,
        hi: scalar(1.0),
    };
    assert_err(v.histogram_lazy(&bins, None, false), &["single values"]);
}
