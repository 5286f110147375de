//! Dask's quantile tests (dask/dask at the commit docs/dask-array-tests.md names, from
//! test_reductions.py): `median`, `nanmedian`, `quantile`, `nanquantile`,
//! `percentile`, `nanpercentile` over one axis, several or all, with `keepdims`,
//! numpy's methods, an n-d `q` and numpy 2's weights. Each test names the Dask test it
//! follows and compares chunkwise against an eager reference written here: the lane
//! gathered with a plain loop, sorted, and numpy's documented formula applied (its
//! virtual index `n q + alpha + q (1 - alpha - beta) - 1`, its `_get_indexes` and
//! `_lerp`, and for weights its normalized cumulative weights searched from the left).
//! Dask's data comes from numpy's generator; any values do, so it comes from
//! `rand_f64`. Negative axes are written as their non-negative equals; dtype checks
//! are re-expressed as values (chunkwise's quantiles are `f64`, as numpy's for
//! integer input).

use chunkwise::array::{DArray, Element, Quantile, QuantileMethod, from_array};
use ndarray::{ArrayD, IxDyn};

use super::array_dask_port::rand_f64;

/// numpy's `randn`-like values: `rand_f64` spread over [-1, 1).
fn randn(shape: &[usize], seed: u64) -> ArrayD<f64> {
    rand_f64(shape, seed).mapv(|v| 2.0 * v - 1.0)
}

/// Dask's `arr[indexer >= 8] = np.nan` with `indexer = randint(0, 10)`: about a fifth
/// NaN.
fn with_nans(mut a: ArrayD<f64>, seed: u64) -> ArrayD<f64> {
    let r = rand_f64(a.shape(), seed);
    a.zip_mut_with(&r, |x, &u| {
        if (u * 10.0) as i64 >= 8 {
            *x = f64::NAN;
        }
    });
    a
}

/// numpy's `_lerp`.
fn np_lerp(a: f64, b: f64, t: f64) -> f64 {
    let d = b - a;
    let v = a + d * t;
    if t >= 0.5 { b - d * (1.0 - t) } else { v }
}

/// numpy's quantile of sorted values `v` (non-empty, no NaN) by `method`, from the
/// table in numpy's `quantile` docstring and its `_quantile`.
fn np_sorted(v: &[f64], q: f64, method: &str) -> f64 {
    let n = v.len() as f64;
    let take = |i: f64| v[(i.max(0.0) as usize).min(v.len() - 1)];
    // H&F's continuous methods by (alpha, beta); numpy writes 'linear' as (n - 1) q.
    let hf = |alpha: f64, beta: f64| n * q + (alpha + q * (1.0 - alpha - beta)) - 1.0;
    // numpy's _discrete_interpolation_to_boundaries.
    let boundary = |index: f64, floor_when: &dyn Fn(f64, f64) -> bool| {
        let prev = index.floor();
        take(if floor_when(index - prev, index) {
            prev
        } else {
            prev + 1.0
        })
    };
    let (vi, fix): (f64, &dyn Fn(f64, f64) -> f64) = match method {
        "inverted_cdf" => return boundary(n * q - 1.0, &|g, _| g == 0.0),
        "closest_observation" => {
            return boundary(n * q - 1.0 - 0.5, &|g, i| {
                g == 0.0 && i.floor().rem_euclid(2.0) == 1.0
            });
        }
        "lower" => return take(((n - 1.0) * q).floor()),
        "higher" => return take(((n - 1.0) * q).ceil()),
        "nearest" => return take(((n - 1.0) * q).round_ties_even()),
        "averaged_inverted_cdf" => (n * q - 1.0, &|g, _| if g == 0.0 { 0.5 } else { 1.0 }),
        "midpoint" => (
            0.5 * (((n - 1.0) * q).floor() + ((n - 1.0) * q).ceil()),
            &|_, i| if i % 1.0 == 0.0 { 0.0 } else { 0.5 },
        ),
        "linear" => ((n - 1.0) * q, &|g, _| g),
        "interpolated_inverted_cdf" => (hf(0.0, 1.0), &|g, _| g),
        "hazen" => (hf(0.5, 0.5), &|g, _| g),
        "weibull" => (hf(0.0, 0.0), &|g, _| g),
        "median_unbiased" => (hf(1.0 / 3.0, 1.0 / 3.0), &|g, _| g),
        "normal_unbiased" => (hf(3.0 / 8.0, 3.0 / 8.0), &|g, _| g),
        m => panic!("no method {m}"),
    };
    // _get_indexes: past the last index both are the last (-1), below 0 both are 0.
    let (prev, next) = if vi >= n - 1.0 {
        (-1.0, -1.0)
    } else if vi < 0.0 {
        (0.0, 0.0)
    } else {
        (vi.floor(), vi.floor() + 1.0)
    };
    let at = |i: f64| {
        if i < 0.0 {
            v[v.len() - 1]
        } else {
            v[i as usize]
        }
    };
    np_lerp(at(prev), at(next), fix(vi - prev, vi))
}

/// numpy 2's weighted 'inverted_cdf' of one lane (values sorted stably with their
/// weights, cumulative weights over their total, the first reaching q).
fn np_weighted(v: &[f64], w: &[f64], q: f64) -> f64 {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
    let mut cdf = Vec::with_capacity(v.len());
    let mut s = 0.0;
    for &i in &order {
        s += w[i];
        cdf.push(s);
    }
    let total = s;
    let cdf: Vec<f64> = cdf.iter().map(|c| c / total).collect();
    let first = if cdf[0] == 0.0 {
        cdf.iter()
            .map(|&c| if c == 0.0 { -1.0 } else { c })
            .collect()
    } else {
        cdf
    };
    let i = first.iter().take_while(|&&c| c < q).count();
    v[order[i.min(v.len() - 1)]]
}

/// What a reference quantile takes.
#[derive(Clone)]
struct Ref<'a> {
    q: Vec<f64>,
    q_shape: Vec<usize>,
    axes: Vec<usize>,
    keepdims: bool,
    method: &'a str,
    skip_nan: bool,
    weights: Option<ArrayD<f64>>,
}

impl<'a> Ref<'a> {
    fn new(q: &[f64], q_shape: &[usize], axes: &[usize]) -> Self {
        Ref {
            q: q.to_vec(),
            q_shape: q_shape.to_vec(),
            axes: axes.to_vec(),
            keepdims: false,
            method: "linear",
            skip_nan: false,
            weights: None,
        }
    }
}

/// numpy's quantile family on `a`, eagerly: each lane gathered by a plain loop, the
/// result shaped as q's axes then the axes left (or of length 1 with keepdims).
/// Weights are of `a`'s shape.
fn np_quantile(a: &ArrayD<f64>, r: &Ref<'_>) -> ArrayD<f64> {
    let nd = a.ndim();
    let kept: Vec<usize> = (0..nd).filter(|k| !r.axes.contains(k)).collect();
    let lane_count: usize = kept.iter().map(|&k| a.shape()[k]).product();
    let mut lanes: Vec<Vec<(f64, f64)>> = vec![Vec::new(); lane_count];
    for (i, &x) in a.indexed_iter() {
        let mut m = 0;
        for &k in &kept {
            m = m * a.shape()[k] + i[k];
        }
        let w = r.weights.as_ref().map_or(1.0, |w| w[&i]);
        lanes[m].push((x, w));
    }
    let mut out = Vec::with_capacity(r.q.len() * lane_count);
    for &q in &r.q {
        for lane in &lanes {
            let lane: Vec<(f64, f64)> = lane
                .iter()
                .copied()
                .filter(|(x, _)| !(r.skip_nan && x.is_nan()))
                .collect();
            if lane.is_empty() || lane.iter().any(|(x, _)| x.is_nan()) {
                out.push(f64::NAN);
                continue;
            }
            let (v, w): (Vec<f64>, Vec<f64>) = lane.into_iter().unzip();
            if r.weights.is_some() {
                out.push(np_weighted(&v, &w, q));
            } else {
                let mut v = v;
                v.sort_by(f64::total_cmp);
                out.push(np_sorted(&v, q, r.method));
            }
        }
    }
    let mut shape = r.q_shape.clone();
    for k in 0..nd {
        if !r.axes.contains(&k) {
            shape.push(a.shape()[k]);
        } else if r.keepdims {
            shape.push(1);
        }
    }
    ArrayD::from_shape_vec(IxDyn(&shape), out).unwrap()
}

/// Equal shapes and values within a relative 1e-12, NaN matching NaN.
fn assert_same(got: &DArray<f64>, want: &ArrayD<f64>, ctx: &str) {
    assert_eq!(got.shape(), want.shape(), "{ctx}: lazy shape");
    let got = got.compute().unwrap();
    assert_eq!(got.shape(), want.shape(), "{ctx}: shape");
    for ((i, g), w) in got.indexed_iter().zip(want.iter()) {
        let ok = (g.is_nan() && w.is_nan()) || (g - w).abs() <= 1e-12 * w.abs().max(1.0);
        assert!(ok, "{ctx}: at {i:?} got {g}, want {w}");
    }
}

/// Chunks as Dask's `(2, 3, 4, 5 if rechunk else -1)` for a 4-d shape.
fn chunks4(shape: &[usize], rechunk: bool) -> Vec<usize> {
    vec![2, 3, 4, if rechunk { 5 } else { shape[3] }]
}

/// test_median: `median` and `nanmedian` of `arange(100).reshape(2, 5, 10)` in chunks
/// of 2 over axis 0, [0, 1], 1 and -1 (2 here), with and without keepdims.
#[test]
fn test_median() {
    let x = ArrayD::from_shape_fn(IxDyn(&[2, 5, 10]), |i| {
        (i[0] * 50 + i[1] * 10 + i[2]) as f64
    });
    let d = from_array(x.clone(), [2, 2, 2]).unwrap();
    for axes in [vec![0], vec![0, 1], vec![1], vec![2]] {
        for keepdims in [true, false] {
            for skip_nan in [false, true] {
                let got = d.quantile_with(
                    &Quantile::median()
                        .axes(axes.clone())
                        .keepdims(keepdims)
                        .skip_nan(skip_nan),
                );
                let mut r = Ref::new(&[0.5], &[], &axes);
                r.keepdims = keepdims;
                r.skip_nan = skip_nan;
                let ctx = format!("axes {axes:?} keepdims {keepdims} nan {skip_nan}");
                assert_same(&got, &np_quantile(&x, &r), &ctx);
            }
        }
    }
    // The one-axis shorthands are the same.
    assert_same(
        &d.median(2),
        &np_quantile(&x, &Ref::new(&[0.5], &[], &[2])),
        "median(2)",
    );
    let mut r = Ref::new(&[0.5], &[], &[1]);
    r.skip_nan = true;
    assert_same(&d.nanmedian(1), &np_quantile(&x, &r), "nanmedian(1)");
}

/// test_median_does_not_rechunk_if_whole_axis_in_one_chunk: chunks (2, 1, 10), over
/// axis 0, [0, 2] and 1. Dask's check that no rechunk task is in the graph is
/// re-expressed: the axes left keep their chunks (axis 1's chunks of 1 survive a
/// reduction over 0 and 2).
#[test]
fn test_median_does_not_rechunk_if_whole_axis_in_one_chunk() {
    let x = ArrayD::from_shape_fn(IxDyn(&[2, 5, 10]), |i| {
        (i[0] * 50 + i[1] * 10 + i[2]) as f64
    });
    let d = from_array(x.clone(), [2, 1, 10]).unwrap();
    for axes in [vec![0], vec![0, 2], vec![1]] {
        for skip_nan in [false, true] {
            let got = d.quantile_with(&Quantile::median().axes(axes.clone()).skip_nan(skip_nan));
            let mut r = Ref::new(&[0.5], &[], &axes);
            r.skip_nan = skip_nan;
            assert_same(&got, &np_quantile(&x, &r), &format!("axes {axes:?}"));
            let left: Vec<Vec<usize>> = (0..3)
                .filter(|k| !axes.contains(k))
                .map(|k| d.chunks()[k].clone())
                .collect();
            assert_eq!(got.chunks(), left.as_slice(), "axes {axes:?}: chunks kept");
        }
    }
}

/// test_nanquantile: a 7x10x7x10 array with a fifth NaN, a column and a slab of ones,
/// in chunks (2, 3, 4, 5 or whole); q 0.75, [0.75] and [0.75, 0.4] over axis 3, 0 and
/// [1, 3], with and without keepdims; `nanpercentile` of q * 100 likewise.
#[test]
fn test_nanquantile() {
    let shape = [7, 10, 7, 10];
    let mut arr = with_nans(randn(&shape, 1), 2);
    for ((i, j, k, l), v) in arr
        .view_mut()
        .into_dimensionality::<ndarray::Ix4>()
        .unwrap()
        .indexed_iter_mut()
    {
        let _ = (i, j, k);
        if l == 1 || i == 1 {
            *v = 1.0;
        }
    }
    let qs: [(&[f64], &[usize]); 3] = [(&[0.75], &[]), (&[0.75], &[1]), (&[0.75, 0.4], &[2])];
    for rechunk in [true, false] {
        let d = from_array(arr.clone(), chunks4(&shape, rechunk)).unwrap();
        for axes in [vec![3], vec![0], vec![1, 3]] {
            for (q, q_shape) in qs {
                for keepdims in [false, true] {
                    let mut r = Ref::new(q, q_shape, &axes);
                    r.keepdims = keepdims;
                    r.skip_nan = true;
                    let want = np_quantile(&arr, &r);
                    let ctx = format!("rechunk {rechunk} axes {axes:?} q {q:?} keep {keepdims}");
                    let qv = |s: f64| -> chunkwise::array::Qs {
                        let v: Vec<f64> = q.iter().map(|x| x * s).collect();
                        if q_shape.is_empty() {
                            v[0].into()
                        } else {
                            v.into()
                        }
                    };
                    let opts = Quantile::new(qv(1.0))
                        .axes(axes.clone())
                        .keepdims(keepdims)
                        .skip_nan(true);
                    assert_same(&d.quantile_with(&opts), &want, &ctx);
                    let opts = Quantile::percentiles(qv(100.0))
                        .axes(axes.clone())
                        .keepdims(keepdims)
                        .skip_nan(true);
                    assert_same(&d.quantile_with(&opts), &want, &format!("{ctx} percent"));
                }
            }
        }
    }
}

/// test_quantile: a 10x15x20x15 array with a fifth NaN (so most lanes give NaN, as
/// numpy's) in chunks (2, 3, 4, 5 or whole); q 0.75 and [0.75] over axis 3 and [1, 3],
/// with and without keepdims; `percentile` likewise (Dask passes q itself, 0.75, as the
/// percentile).
#[test]
fn test_quantile() {
    let shape = [10, 15, 20, 15];
    let arr = with_nans(randn(&shape, 3), 4);
    let qs: [(&[f64], &[usize]); 2] = [(&[0.75], &[]), (&[0.75], &[1])];
    for rechunk in [true, false] {
        let d = from_array(arr.clone(), chunks4(&shape, rechunk)).unwrap();
        for axes in [vec![3], vec![1, 3]] {
            for (q, q_shape) in qs {
                for keepdims in [false, true] {
                    let mut r = Ref::new(q, q_shape, &axes);
                    r.keepdims = keepdims;
                    let ctx = format!("rechunk {rechunk} axes {axes:?} q {q:?} keep {keepdims}");
                    let qv = || -> chunkwise::array::Qs {
                        if q_shape.is_empty() {
                            q[0].into()
                        } else {
                            q.into()
                        }
                    };
                    let opts = Quantile::new(qv()).axes(axes.clone()).keepdims(keepdims);
                    assert_same(&d.quantile_with(&opts), &np_quantile(&arr, &r), &ctx);
                    // percentile(q): numpy divides by 100.
                    r.q = q.iter().map(|p| p / 100.0).collect();
                    let opts = Quantile::percentiles(qv())
                        .axes(axes.clone())
                        .keepdims(keepdims);
                    assert_same(
                        &d.quantile_with(&opts),
                        &np_quantile(&arr, &r),
                        &format!("{ctx} percent"),
                    );
                }
            }
        }
    }
}

/// The weights of `shape` spread from 1-d weights along `axis`.
fn spread(w: &ArrayD<f64>, shape: &[usize], axis: usize) -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(shape), |i| w[[i[axis]]])
}

/// Shared by test_quantile_weights and test_quantile_weights_non_last_axis: weights in
/// [0.5, 2) of the length of `axis`, as a chunked array (`dask_weights`) or one chunk
/// (numpy's), and for `nanquantile` also spread to the array's shape (as Dask's test
/// gives numpy); 'inverted_cdf'.
fn weighted_case(axis: usize, seed: u64) {
    let shape = [10, 15, 20, 15];
    let arr = randn(&shape, seed);
    let w = rand_f64(&[shape[axis]], seed + 1).mapv(|u| 0.5 + 1.5 * u);
    let full = spread(&w, &shape, axis);
    let qs: [(&[f64], &[usize]); 2] = [(&[0.75], &[]), (&[0.75, 0.4], &[2])];
    for rechunk in [true, false] {
        let chunks = chunks4(&shape, rechunk);
        let d = from_array(arr.clone(), chunks.clone()).unwrap();
        for (q, q_shape) in qs {
            for keepdims in [true, false] {
                for dask_weights in [true, false] {
                    for skip_nan in [false, true] {
                        let wd = if dask_weights {
                            from_array(w.clone(), [chunks[axis]]).unwrap()
                        } else {
                            from_array(w.clone(), [shape[axis]]).unwrap()
                        };
                        let mut r = Ref::new(q, q_shape, &[axis]);
                        r.keepdims = keepdims;
                        r.skip_nan = skip_nan;
                        r.weights = Some(full.clone());
                        let want = np_quantile(&arr, &r);
                        let qv: chunkwise::array::Qs = if q_shape.is_empty() {
                            q[0].into()
                        } else {
                            q.into()
                        };
                        let opts = Quantile::new(qv)
                            .axes(axis)
                            .keepdims(keepdims)
                            .skip_nan(skip_nan)
                            .method(QuantileMethod::InvertedCdf);
                        let ctx = format!(
                            "axis {axis} rechunk {rechunk} q {q:?} keep {keepdims} dask \
                             {dask_weights} nan {skip_nan}"
                        );
                        assert_same(&d.quantile_with(&opts.clone().weights(&wd)), &want, &ctx);
                        if skip_nan && dask_weights {
                            let wf = from_array(full.clone(), chunks.clone()).unwrap();
                            assert_same(
                                &d.quantile_with(&opts.weights(&wf)),
                                &want,
                                &format!("{ctx} full weights"),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// test_quantile_weights: `quantile`/`nanquantile` with 1-d weights along the last
/// axis, 'inverted_cdf', q 0.75 and [0.75, 0.4], rechunked or not, keepdims or not,
/// the weights chunked (Dask's dask_weights) or whole.
#[test]
fn test_quantile_weights() {
    weighted_case(3, 5);
}

/// test_quantile_weights_non_last_axis: as test_quantile_weights along axes 0, 1, 2.
#[test]
fn test_quantile_weights_non_last_axis() {
    for (axis, seed) in [(0, 7), (1, 9), (2, 11)] {
        weighted_case(axis, seed);
    }
}

/// test_quantile_dask_q: q as a lazy array ([0.25, 0.5, 0.75], here in two chunks),
/// `quantile` and `nanquantile` over axis -1 (3 here) and 0 of a 10x15x20x15 array in
/// chunks (2, 3, 4, -1).
#[test]
fn test_quantile_dask_q() {
    let shape = [10, 15, 20, 15];
    let arr = randn(&shape, 25);
    let d = from_array(arr.clone(), chunks4(&shape, false)).unwrap();
    let q = [0.25, 0.5, 0.75];
    let dq = from_array(
        ArrayD::from_shape_vec(IxDyn(&[3]), q.to_vec()).unwrap(),
        [2],
    )
    .unwrap();
    for axis in [3, 0] {
        for skip_nan in [false, true] {
            let mut r = Ref::new(&q, &[3], &[axis]);
            r.skip_nan = skip_nan;
            let opts = Quantile::new(&dq).axes(axis).skip_nan(skip_nan);
            let ctx = format!("axis {axis} nan {skip_nan}");
            assert_same(&d.quantile_with(&opts), &np_quantile(&arr, &r), &ctx);
        }
    }
    // A lazy q out of range fails when computed, naming q.
    let bad = from_array(ArrayD::from_elem(IxDyn(&[2]), 1.5), [1]).unwrap();
    let e = d
        .quantile_with(&Quantile::new(&bad).axes(0))
        .compute()
        .unwrap_err();
    assert!(e.to_string().contains("q (quantiles)"), "{e}");
}

/// test_quantile_nd_q: q of shape (2, 2) over axis -1 (3 here) and 0, rechunked or
/// not, `quantile` and `nanquantile`, with and without keepdims: q's two axes lead.
#[test]
fn test_quantile_nd_q() {
    let shape = [10, 15, 20, 15];
    let arr = randn(&shape, 13);
    let q = ArrayD::from_shape_vec(IxDyn(&[2, 2]), vec![0.1, 0.5, 0.9, 0.95]).unwrap();
    for rechunk in [true, false] {
        let d = from_array(arr.clone(), chunks4(&shape, rechunk)).unwrap();
        for axis in [3, 0] {
            for skip_nan in [false, true] {
                for keepdims in [false, true] {
                    let mut r = Ref::new(q.as_slice().unwrap(), &[2, 2], &[axis]);
                    r.keepdims = keepdims;
                    r.skip_nan = skip_nan;
                    let opts = Quantile::new(&q)
                        .axes(axis)
                        .skip_nan(skip_nan)
                        .keepdims(keepdims);
                    let ctx =
                        format!("rechunk {rechunk} axis {axis} nan {skip_nan} keep {keepdims}");
                    assert_same(&d.quantile_with(&opts), &np_quantile(&arr, &r), &ctx);
                }
            }
        }
    }
}

/// test_quantile_dtype, over one element type: [100, 200, 300] in one chunk, q [0.5],
/// with no weights and with weights [0.4, 0.6, 1.0] by 'inverted_cdf'.
fn dtype_case<T: Element>(from: impl Fn(f64) -> T) {
    let vals = [100.0, 200.0, 300.0];
    let arr = ArrayD::from_shape_fn(IxDyn(&[3]), |i| from(vals[i[0]]));
    let as_f64 = ArrayD::from_shape_vec(IxDyn(&[3]), vals.to_vec()).unwrap();
    let d = from_array(arr, [3]).unwrap();
    let wv = ArrayD::from_shape_vec(IxDyn(&[3]), vec![0.4f32 as f64, 0.6f32 as f64, 1.0]).unwrap();
    let w = from_array(wv.clone(), [3]).unwrap();
    for skip_nan in [false, true] {
        let mut r = Ref::new(&[0.5], &[1], &[0]);
        r.skip_nan = skip_nan;
        let ctx = format!("{:?} nan {skip_nan}", T::DTYPE);
        let opts = Quantile::new([0.5]).skip_nan(skip_nan);
        assert_same(&d.quantile_with(&opts), &np_quantile(&as_f64, &r), &ctx);
        r.weights = Some(wv.clone());
        let opts = opts.method(QuantileMethod::InvertedCdf).weights(&w);
        assert_same(
            &d.quantile_with(&opts),
            &np_quantile(&as_f64, &r),
            &format!("{ctx} weights"),
        );
    }
}

/// test_quantile_dtype: input of float32, float64, int32, uint32 (and here int64,
/// uint64 too; chunkwise has no int16/uint16). numpy keeps float32 for float32
/// input where chunkwise gives f64; q's dtype (float32 or float64) has no counterpart:
/// q is `f64`. Values are compared (300 does not fit uint8, so it is left out).
#[test]
fn test_quantile_dtype() {
    dtype_case::<f32>(|v| v as f32);
    dtype_case::<f64>(|v| v);
    dtype_case::<i32>(|v| v as i32);
    dtype_case::<u32>(|v| v as u32);
    dtype_case::<i64>(|v| v as i64);
    dtype_case::<u64>(|v| v as u64);
}

/// test_quantile_func_family_with_axis_none: `quantile`, `nanquantile` and
/// `nanpercentile` over all axes (axis=None). Dask raises NotImplementedError for more
/// than one chunk; chunkwise brings the array into one chunk and answers, so both
/// cases are compared: ones((3, 3)) in chunks (2, 2) gives 1, and [-1, 0, 1] at 0
/// gives -1.
#[test]
fn test_quantile_func_family_with_axis_none() {
    let ones = ArrayD::from_elem(IxDyn(&[3, 3]), 1.0);
    let d = from_array(ones.clone(), [2, 2]).unwrap();
    let small = ArrayD::from_shape_vec(IxDyn(&[3]), vec![-1.0, 0.0, 1.0]).unwrap();
    let s = from_array(small.clone(), [3]).unwrap();
    let family = [
        Quantile::new(0.5),
        Quantile::new(0.5).skip_nan(true),
        Quantile::percentiles(50.0).skip_nan(true),
    ];
    for (f, opts) in family.iter().enumerate() {
        let want = np_quantile(&ones, &Ref::new(&[0.5], &[], &[0, 1]));
        assert_same(&d.quantile_with(opts), &want, &format!("family {f} ones"));
        assert_eq!(d.quantile_with(opts).shape(), &[] as &[usize]);
    }
    let family = [
        Quantile::new(0.0),
        Quantile::new(0.0).skip_nan(true),
        Quantile::percentiles(0.0).skip_nan(true),
    ];
    for (f, opts) in family.iter().enumerate() {
        let want = np_quantile(&small, &Ref::new(&[0.0], &[], &[0]));
        assert_eq!(want[[]], -1.0);
        assert_same(&s.quantile_with(opts), &want, &format!("family {f} small"));
    }
}

/// test_nanquantile_all_nan: an array all NaN, `nanquantile` at 0.75 over the last
/// axis computes (no panic) and gives NaN, as numpy's (which warns: Dask's test
/// expects the RuntimeWarning, which has no counterpart); `percentile` likewise.
#[test]
fn test_nanquantile_all_nan() {
    let shape = [10, 15, 20, 15];
    let arr = ArrayD::from_elem(IxDyn(&shape), f64::NAN);
    let d = from_array(arr.clone(), chunks4(&shape, false)).unwrap();
    let mut r = Ref::new(&[0.75], &[], &[3]);
    r.skip_nan = true;
    let want = np_quantile(&arr, &r);
    assert!(want.iter().all(|v| v.is_nan()));
    assert_same(
        &d.quantile_with(&Quantile::new(0.75).axes(3).skip_nan(true)),
        &want,
        "nan",
    );
    let mut r = Ref::new(&[0.0075], &[], &[3]);
    r.skip_nan = false;
    let got = d.quantile_with(&Quantile::percentiles(0.75).axes(3));
    assert_same(&got, &np_quantile(&arr, &r), "percentile");
}

/// test_nanquantile_method: `nanquantile` at 0.75 and `nanpercentile` at 0.75 (a
/// percent) over the last axis by 'weibull', a fifth of the array NaN.
#[test]
fn test_nanquantile_method() {
    let shape = [10, 15, 20, 15];
    let arr = with_nans(randn(&shape, 15), 16);
    let d = from_array(arr.clone(), chunks4(&shape, false)).unwrap();
    for (opts, q) in [
        (Quantile::new(0.75), 0.75),
        (Quantile::percentiles(0.75), 0.0075),
    ] {
        let mut r = Ref::new(&[q], &[], &[3]);
        r.skip_nan = true;
        r.method = "weibull";
        let opts = opts.axes(3).skip_nan(true).method(QuantileMethod::Weibull);
        assert_same(
            &d.quantile_with(&opts),
            &np_quantile(&arr, &r),
            &format!("q {q}"),
        );
    }
    // Dask's method= names numpy's strings.
    assert_eq!(
        "weibull".parse::<QuantileMethod>().unwrap(),
        QuantileMethod::Weibull
    );
}

/// test_nanquantile_one_dim: 10 values in chunks of 2, `nanquantile` at 0.75.
#[test]
fn test_nanquantile_one_dim() {
    let arr = randn(&[10], 17);
    let d = from_array(arr.clone(), [2]).unwrap();
    let mut r = Ref::new(&[0.75], &[], &[0]);
    r.skip_nan = true;
    let got = d.quantile_with(&Quantile::new(0.75).axes(0).skip_nan(true));
    assert_same(&got, &np_quantile(&arr, &r), "one dim");
}

/// test_nanquantile_two_dims: 10x10 in chunks (2, -1), `nanquantile` and
/// `nanpercentile` at 0.75 over the last axis (the one-axis shorthands too, which
/// keep q's axis where the reduced one was).
#[test]
fn test_nanquantile_two_dims() {
    let arr = randn(&[10, 10], 19);
    let d = from_array(arr.clone(), [2, 10]).unwrap();
    let mut r = Ref::new(&[0.75], &[], &[1]);
    r.skip_nan = true;
    let want = np_quantile(&arr, &r);
    let got = d.quantile_with(&Quantile::new(0.75).axes(1).skip_nan(true));
    assert_same(&got, &want, "nanquantile");
    let got = d.quantile_with(&Quantile::percentiles(75.0).axes(1).skip_nan(true));
    assert_same(&got, &want, "nanpercentile");
    let want2 = want.clone().insert_axis(ndarray::Axis(1));
    assert_same(&d.nanquantile(&[0.75], 1), &want2, "nanquantile(q, 1)");
    assert_same(&d.nanpercentile(&[75.0], 1), &want2, "nanpercentile(q, 1)");
}

/// Beyond Dask's tests: each of numpy's thirteen methods over several axes of an
/// array with ties and NaN, plain and NaN-skipping, against numpy's formulas.
#[test]
fn every_method_over_several_axes() {
    let names = [
        "inverted_cdf",
        "averaged_inverted_cdf",
        "closest_observation",
        "interpolated_inverted_cdf",
        "hazen",
        "weibull",
        "linear",
        "median_unbiased",
        "normal_unbiased",
        "lower",
        "higher",
        "midpoint",
        "nearest",
    ];
    let arr = with_nans(rand_f64(&[4, 5, 6], 21).mapv(|v| (v * 8.0).floor()), 22);
    let d = from_array(arr.clone(), [3, 2, 4]).unwrap();
    let q = [0.0, 0.1, 0.25, 0.5, 0.625, 0.9, 1.0];
    for name in names {
        let m: QuantileMethod = name.parse().unwrap();
        for axes in [vec![2, 0], vec![1]] {
            for skip_nan in [true, false] {
                let mut r = Ref::new(&q, &[q.len()], &axes);
                r.method = name;
                r.skip_nan = skip_nan;
                let mut sorted = axes.clone();
                sorted.sort();
                r.axes = sorted;
                let opts = Quantile::new(q)
                    .axes(axes.clone())
                    .method(m)
                    .skip_nan(skip_nan);
                let ctx = format!("{name} axes {axes:?} nan {skip_nan}");
                assert_same(&d.quantile_with(&opts), &np_quantile(&arr, &r), &ctx);
            }
        }
    }
}

/// Bad arguments are errors naming them, never panics.
#[test]
fn bad_quantile_arguments_are_errors() {
    let d = from_array(randn(&[4, 5], 23), [2, 2]).unwrap();
    let err = |o: Quantile| d.quantile_with(&o).compute().unwrap_err().to_string();
    assert!(err(Quantile::new(1.5)).contains("q"));
    assert!(err(Quantile::new(f64::NAN)).contains("q"));
    assert!(err(Quantile::percentiles(101.0)).contains("[0, 100]"));
    assert!(err(Quantile::new(0.5).axes(2)).contains("axis 2"));
    assert!(err(Quantile::new(0.5).axes([1, 1])).contains("twice"));
    let w = from_array(ArrayD::from_elem(IxDyn(&[3]), 1.0), [3]).unwrap();
    assert!(
        err(Quantile::new(0.5)
            .axes(1)
            .method(QuantileMethod::InvertedCdf)
            .weights(&w))
        .contains("weights")
    );
    let w5 = from_array(ArrayD::from_elem(IxDyn(&[5]), 1.0), [5]).unwrap();
    assert!(err(Quantile::new(0.5).axes(1).weights(&w5)).contains("inverted_cdf"));
    assert!(
        err(Quantile::new(0.5)
            .method(QuantileMethod::InvertedCdf)
            .weights(&w5))
        .contains("weights")
    );
    let neg = from_array(ArrayD::from_elem(IxDyn(&[5]), -1.0), [5]).unwrap();
    let o = Quantile::new(0.5)
        .axes(1)
        .method(QuantileMethod::InvertedCdf)
        .weights(&neg);
    assert!(err(o).contains("non-negative"));
    assert!(
        "cubic"
            .parse::<QuantileMethod>()
            .unwrap_err()
            .to_string()
            .contains("method")
    );
    let empty = from_array(ArrayD::<f64>::zeros(IxDyn(&[3, 0])), [3, 1]).unwrap();
    assert!(
        empty
            .quantile_with(&Quantile::median().axes(1))
            .compute()
            .is_err()
    );
}
