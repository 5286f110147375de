// `x.slice(&[a..b])` is the API: one range per axis.
#![allow(clippy::single_range_in_vec_init)]

use std::sync::Arc;

use chunkwise::array::{
    Chunks, DArray, Reduction, arange, from_array, from_fn, full, linspace, ones, random_integers,
    random_normal, random_uniform, zeros,
};
use chunkwise::random::{ChunkStream, Xoshiro256pp, chunk_states};
use chunkwise::{Config, Scheduler};
use ndarray::{ArrayD, Axis, IxDyn};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Deterministic data with negatives, repeats (ties for argmin) and a spread of sizes.
fn data(shape: &[usize]) -> ArrayD<f64> {
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n)
        .map(|i| (((i * 7919) % 101) as f64 - 50.0) / 7.0 + (i % 3) as f64 * 0.25)
        .collect();
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
}

fn close(a: &ArrayD<f64>, b: &ArrayD<f64>, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}: shapes");
    for (x, y) in a.iter().zip(b.iter()) {
        let ok = x == y || (x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-9 * (1.0 + y.abs());
        assert!(ok, "{what}: {x} vs {y}\n{a}\n{b}");
    }
}

/// Shapes and chunkings with ragged last chunks, one chunk, 1-d and 3-d.
fn cases() -> Vec<(Vec<usize>, Vec<usize>)> {
    vec![
        (vec![7], vec![3]),
        (vec![7], vec![7]),
        (vec![10, 13], vec![3, 5]),
        (vec![10, 13], vec![10, 13]),
        (vec![9, 1], vec![4, 1]),
        (vec![5, 4, 3], vec![2, 3, 2]),
        (vec![6, 5000], vec![4, 4500]), // rows longer than a tile
    ]
}

fn reference(op: &str, a: &ArrayD<f64>, axis: usize) -> ArrayD<f64> {
    let ax = Axis(axis);
    match op {
        "sum" => a.sum_axis(ax),
        "mean" => a.mean_axis(ax).unwrap(),
        "var" => a.var_axis(ax, 0.0),
        "std" => a.std_axis(ax, 0.0),
        "min" => a.fold_axis(ax, f64::INFINITY, |m, &x| m.min(x)),
        "max" => a.fold_axis(ax, f64::NEG_INFINITY, |m, &x| m.max(x)),
        "count_nonzero" => a.map_axis(ax, |l| l.iter().filter(|&&x| x != 0.0).count() as f64),
        "argmin" | "argmax" => a.map_axis(ax, |l| {
            let mut best = 0;
            for (i, &x) in l.iter().enumerate() {
                if (op == "argmin" && x < l[best]) || (op == "argmax" && x > l[best]) {
                    best = i;
                }
            }
            best as f64
        }),
        _ => unreachable!(),
    }
}

fn reduction(op: &str) -> Reduction {
    match op {
        "sum" => Reduction::sum(),
        "mean" => Reduction::mean(),
        "var" => Reduction::var(),
        "std" => Reduction::std(),
        "min" => Reduction::min(),
        "max" => Reduction::max(),
        "argmin" => Reduction::argmin(),
        "argmax" => Reduction::argmax(),
        "count_nonzero" => Reduction::count_nonzero(),
        _ => unreachable!(),
    }
}

const OPS: [&str; 9] = [
    "sum",
    "mean",
    "var",
    "std",
    "min",
    "max",
    "argmin",
    "argmax",
    "count_nonzero",
];

#[test]
fn reductions_along_each_axis_match_ndarray() {
    for (shape, chunks) in cases() {
        let a = data(&shape);
        let x = from_array(a.clone(), chunks.clone()).unwrap();
        for op in OPS {
            for axis in 0..shape.len() {
                for split in [2, 3, 8] {
                    let r = reduction(op).axes(axis).split_every(split);
                    let got = x.reduce(&r).compute().unwrap();
                    close(
                        &got,
                        &reference(op, &a, axis),
                        &format!("{op} axis {axis} {shape:?}/{chunks:?} split {split}"),
                    );
                    let kept = x.reduce(&r.keepdims(true)).compute().unwrap();
                    assert_eq!(kept.ndim(), shape.len());
                    assert_eq!(kept.shape()[axis], 1);
                }
            }
        }
    }
}

#[test]
fn full_reductions_match_loops() {
    for (shape, chunks) in cases() {
        let a = data(&shape);
        let x = from_array(a.clone(), chunks).unwrap();
        let v: Vec<f64> = a.iter().copied().collect();
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
        let argmin = (0..v.len()).fold(0, |b, i| if v[i] < v[b] { i } else { b });
        let argmax = (0..v.len()).fold(0, |b, i| if v[i] > v[b] { i } else { b });
        let expect = [
            ("sum", v.iter().sum::<f64>()),
            ("mean", mean),
            ("var", var),
            ("std", var.sqrt()),
            ("min", v.iter().copied().fold(f64::INFINITY, f64::min)),
            ("max", v.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
            ("argmin", argmin as f64),
            ("argmax", argmax as f64),
            (
                "count_nonzero",
                v.iter().filter(|&&x| x != 0.0).count() as f64,
            ),
        ];
        for (op, want) in expect {
            for split in [2, 8] {
                let got = x
                    .reduce(&reduction(op).split_every(split))
                    .compute_scalar()
                    .unwrap();
                assert!(
                    (got - want).abs() <= 1e-9 * (1.0 + want.abs()),
                    "{op} {shape:?}: {got} vs {want}"
                );
            }
        }
        // Several axes at once.
        if shape.len() == 3 {
            let got = x.sum([0, 2]).compute().unwrap();
            let want = a.sum_axis(Axis(2)).sum_axis(Axis(0));
            close(&got, &want, "sum over axes 0 and 2");
        }
    }
}

#[test]
fn nan_propagates_and_nan_variants_skip() {
    let mut a = data(&[4, 6]);
    a[[1, 2]] = f64::NAN;
    for r in 0..4 {
        a[[r, 5]] = if r == 3 { 1.0 } else { a[[r, 5]] };
    }
    let mut all_nan = a.clone();
    all_nan.index_axis_mut(Axis(1), 0).fill(f64::NAN);
    let x = from_array(all_nan.clone(), [3, 4]).unwrap();
    let s = x.sum(1).compute().unwrap();
    assert!(s[[1]].is_nan() && s[[0]].is_nan());
    let ns = x.nansum(1).compute().unwrap();
    let want: f64 = all_nan
        .index_axis(Axis(0), 2)
        .iter()
        .filter(|v| !v.is_nan())
        .sum();
    assert!((ns[[2]] - want).abs() < 1e-12);
    assert!(x.min(0).compute().unwrap()[[0]].is_nan());
    let nm = x.nanmean(0).compute().unwrap();
    assert!(nm[[0]].is_nan(), "all-NaN column");
    assert!(!nm[[2]].is_nan());
    let nmin = x.nanmin(0).compute().unwrap();
    let want = all_nan
        .index_axis(Axis(1), 2)
        .iter()
        .copied()
        .filter(|v| !v.is_nan())
        .fold(f64::INFINITY, f64::min);
    assert_eq!(nmin[[2]], want);
    // argmin returns the first NaN, as numpy does.
    assert_eq!(x.argmin(None::<usize>).compute_scalar().unwrap(), 0);
}

/// Broadcasting as numpy (and ndarray's co-broadcasting arithmetic): new leading axes,
/// axes of length 1 on either side, ragged chunks that differ, and `x - x.mean(keepdims)`.
#[test]
fn broadcasting_matches_ndarray() {
    type Case = (
        &'static [usize],
        &'static [usize],
        &'static [usize],
        &'static [usize],
    );
    let cases: Vec<Case> = vec![
        (&[5, 7], &[2, 3], &[7], &[4]),
        (&[5, 1], &[2, 1], &[1, 7], &[1, 3]),
        (&[7], &[7], &[5, 7], &[5, 2]),
        (&[2, 1, 4], &[1, 1, 3], &[3, 1], &[2, 1]),
        (&[4, 6], &[4, 6], &[1], &[1]),
        (&[3, 4], &[2, 2], &[3, 4], &[3, 1]),
    ];
    for (sa, ca, sb, cb) in cases {
        let (a, b) = (data(sa), data(sb).mapv(|v| v * 0.5 + 1.0));
        let x = from_array(a.clone(), ca.to_vec()).unwrap();
        let y = from_array(b.clone(), cb.to_vec()).unwrap();
        let what = format!("{sa:?} op {sb:?}");
        close(&(&x + &y).compute().unwrap(), &(&a + &b), &what);
        close(&(&y - &x).compute().unwrap(), &(&b - &a), &what);
        close(
            &(&x * &y).sum(0).compute().unwrap(),
            &(&a * &b).sum_axis(Axis(0)),
            &what,
        );
    }
    let a = data(&[9, 6]);
    let x = from_array(a.clone(), [4, 4]).unwrap();
    let centred = &x - &x.reduce(&Reduction::mean().axes(0).keepdims(true));
    let mean = a.mean_axis(Axis(0)).unwrap();
    close(
        &centred.compute().unwrap(),
        &(&a - &mean),
        "x - mean(axis 0, keepdims)",
    );
    let tiled = x.slice(&[0..1, 0..6]).broadcast_to(&[3, 4, 6], [2, 3, 5]);
    assert_eq!(tiled.chunks(), &[vec![2, 1], vec![3, 1], vec![5, 1]]);
    close(
        &tiled.compute().unwrap(),
        &a.slice(ndarray::s![0..1, ..])
            .broadcast((3, 4, 6))
            .unwrap()
            .into_dyn()
            .to_owned(),
        "broadcast_to",
    );
    // Shapes that do not broadcast: an error naming both, before anything runs.
    let e = (&x + &zeros(&[9, 5], [3, 3]).unwrap())
        .compute()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("[9, 6]") && e.contains("[9, 5]") && e.contains("broadcast"),
        "{e}"
    );
    let e = x
        .broadcast_to(&[2, 9, 7], [2, 2, 2])
        .compute()
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot be broadcast"), "{e}");
}

#[test]
fn elementwise_matches_ndarray_with_realigned_chunks() {
    let a = data(&[10, 13]);
    let b = data(&[10, 13]).mapv(|v| v * 0.5 + 1.0);
    let x = from_array(a.clone(), [3, 5]).unwrap();
    let y = from_array(b.clone(), [4, 6]).unwrap();
    close(&(&x + &y).compute().unwrap(), &(&a + &b), "add");
    close(&(&x - &y).compute().unwrap(), &(&a - &b), "sub");
    close(&(&x * &y).compute().unwrap(), &(&a * &b), "mul");
    close(&(&x / &y).compute().unwrap(), &(&a / &b), "div");
    close(
        &(2.0 * &x + 1.0).compute().unwrap(),
        &a.mapv(|v| 2.0 * v + 1.0),
        "scalar",
    );
    close(
        &(1.0 - &x).compute().unwrap(),
        &a.mapv(|v| 1.0 - v),
        "scalar left",
    );
    close(&(-&x).compute().unwrap(), &a.mapv(|v| -v), "neg");
    close(
        &x.abs().sqrt().compute().unwrap(),
        &a.mapv(|v| v.abs().sqrt()),
        "abs sqrt",
    );
    close(&x.exp().compute().unwrap(), &a.mapv(f64::exp), "exp");
    close(
        &x.gt(&y).astype::<f64>().compute().unwrap(),
        &ndarray::Zip::from(&a)
            .and(&b)
            .map_collect(|p, q| f64::from(u8::from(p > q))),
        "gt",
    );
    close(
        &x.le(0.0).astype::<f64>().compute().unwrap(),
        &a.mapv(|v| f64::from(u8::from(v <= 0.0))),
        "le scalar",
    );
    close(
        &x.maximum(&y).compute().unwrap(),
        &ndarray::Zip::from(&a).and(&b).map_collect(|p, q| p.max(*q)),
        "maximum",
    );
    close(
        &x.map(|v| v * v).compute().unwrap(),
        &a.mapv(|v| v * v),
        "map",
    );
    close(
        &x.map_blocks(|c| c * 3.0).compute().unwrap(),
        &(&a * 3.0),
        "map_blocks",
    );
    // A fused pipeline into a reduction.
    let z = ((&x * &y) + 1.0).mean(0);
    close(
        &z.compute().unwrap(),
        &(&a * &b + 1.0).mean_axis(Axis(0)).unwrap(),
        "fused mean",
    );
}

#[test]
fn rechunk_slice_transpose_match_ndarray() {
    let a = data(&[5, 4, 3]);
    let x = from_array(a.clone(), [2, 3, 2]).unwrap();
    let r = x.rechunk([3, 1, 3]);
    assert_eq!(r.chunks(), &[vec![3, 2], vec![1, 1, 1, 1], vec![3]]);
    close(&r.compute().unwrap(), &a, "rechunk");
    close(
        &x.rechunk(Chunks::Auto).compute().unwrap(),
        &a,
        "rechunk auto",
    );
    let s = x.slice(&[1..4, 2..4]);
    close(
        &s.compute().unwrap(),
        &a.slice(ndarray::s![1..4, 2..4, ..]).to_owned().into_dyn(),
        "slice",
    );
    let empty = x.slice(&[2..2]);
    assert_eq!(empty.compute().unwrap().shape(), &[0, 4, 3]);
    // Bounds past the end clamp and reversed ranges are empty, as Python's slices.
    let n = a.shape()[0];
    close(
        &x.slice(&[2..n + 7, 1..40]).compute().unwrap(),
        &a.slice(ndarray::s![2.., 1.., ..]).to_owned().into_dyn(),
        "slice past the end",
    );
    #[allow(clippy::reversed_empty_ranges)]
    let reversed = x.slice(&[3..1, n + 5..n + 9]);
    assert_eq!(reversed.shape(), &[0, 0, 3]);
    assert_eq!(reversed.compute().unwrap().shape(), &[0, 0, 3]);
    close(&x.t().compute().unwrap(), &a.t().to_owned(), "transpose");
    let p = x.permute_axes(&[1, 2, 0]);
    close(
        &p.compute().unwrap(),
        &a.view().permuted_axes(vec![1, 2, 0]).to_owned(),
        "permute",
    );
    // Operations on top of reshaped arrays.
    close(
        &x.t().sum(0).compute().unwrap(),
        &a.t().sum_axis(Axis(0)),
        "sum of transpose",
    );
}

/// A rechunk across the grain (row panels to column panels) cuts each source chunk's
/// part out in a task of its own, so a region task loads its own size rather than
/// every chunk it draws on; values as ndarray's, with ragged and zero-size chunks and
/// a slice that does the same.
#[test]
fn rechunks_across_the_grain_cut_pieces_and_match_ndarray() {
    let a = data(&[7, 9]);
    let x = from_array(a.clone(), vec![vec![3, 0, 4], vec![9]]).unwrap();
    let y = x.rechunk(vec![vec![7], vec![2, 0, 3, 4]]);
    close(&y.compute().unwrap(), &a, "rows to columns");
    let pieces = |x: &chunkwise::array::DArray<f64>| {
        let g = chunkwise::Graph::of(x).unwrap();
        g.keys().filter(|k| k.label() == "region-split").count()
    };
    // Columns 2, 3 and 4 wide from two row panels of 3 and 4 (the empty one is whole).
    assert_eq!(pieces(&y), 6);
    // Merging small chunks into one loads no more than it makes: no pieces.
    let z = from_array(a.clone(), [2, 3]).unwrap().rechunk([7, 9]);
    close(&z.compute().unwrap(), &a, "merge");
    assert_eq!(pieces(&z), 0);
    let b = data(&[6, 5, 4]);
    let w = from_array(b.clone(), [6, 1, 4]).unwrap();
    close(
        &w.rechunk([1, 5, 2]).compute().unwrap(),
        &b,
        "3-d across the grain",
    );
    // Pieces cut from a slice's chunks (offsets inside the source chunks): each of the
    // four 1 x 3 x 2 outputs takes a 1 x 1 x 2 piece of three 4 x 1 x 2 chunks.
    let r = w.slice(&[1..5, 1..4, 1..3]).rechunk([1, 3, 2]);
    assert_eq!(pieces(&r), 12);
    close(
        &r.compute().unwrap(),
        &b.slice(ndarray::s![1..5, 1..4, 1..3]).to_owned().into_dyn(),
        "slice then rechunk",
    );
}

#[test]
fn constructors_match_ndarray() {
    close(
        &zeros(&[3, 4], [2, 2]).unwrap().compute().unwrap(),
        &ArrayD::zeros(IxDyn(&[3, 4])),
        "zeros",
    );
    close(
        &ones(&[3], [2]).unwrap().compute().unwrap(),
        &ArrayD::ones(IxDyn(&[3])),
        "ones",
    );
    close(
        &full(&[2, 2], 7.5, [1, 2]).unwrap().compute().unwrap(),
        &ArrayD::from_elem(IxDyn(&[2, 2]), 7.5),
        "full",
    );
    let a = arange(1.0, 2.0, 0.25, [3]).unwrap().compute().unwrap();
    close(
        &a,
        &ndarray::Array1::range(1.0, 2.0, 0.25).into_dyn(),
        "arange",
    );
    let l = linspace(0.0, 1.0, 11, [4]).unwrap().compute().unwrap();
    close(
        &l,
        &ndarray::Array1::linspace(0.0, 1.0, 11).into_dyn(),
        "linspace",
    );
    let f = from_fn(&[4, 3], [3, 2], |r| {
        ArrayD::from_shape_fn(IxDyn(&[r[0].len(), r[1].len()]), |i| {
            ((r[0].start + i[0]) * 10 + r[1].start + i[1]) as f64
        })
    })
    .unwrap();
    close(
        &f.compute().unwrap(),
        &ArrayD::from_shape_fn(IxDyn(&[4, 3]), |i| (i[0] * 10 + i[1]) as f64),
        "from_fn",
    );
    let bad = from_fn(&[4], [2], |_| ArrayD::<f64>::zeros(IxDyn(&[3])));
    let err = bad.unwrap().compute().unwrap_err().to_string();
    assert!(err.contains("from_fn") && err.contains("shape"), "{err}");
    let auto = random_normal(0.0, 1.0, &[3000, 7000], Chunks::Auto, 1).unwrap();
    assert!(auto.chunks()[0][0] * auto.chunks()[1][0] * 8 <= chunkwise::array::AUTO_CHUNK_BYTES);
}

#[test]
fn from_array_shares_its_input() {
    let a = Arc::new(data(&[20, 20]));
    let x = from_array(Arc::clone(&a), [7, 7]).unwrap();
    let y = x.sum(None::<usize>);
    let z = x.mean(0);
    chunkwise::compute((&y, &z)).unwrap();
    assert_eq!(
        Arc::strong_count(&a),
        2,
        "the array is held once by the graph, not copied"
    );
}

#[test]
fn persist_keeps_chunks() {
    let x = random_normal(0.0, 1.0, &[50, 40], [20, 15], 9).unwrap();
    let p = x.persist().unwrap();
    assert_eq!(p.compute().unwrap(), x.compute().unwrap());
    let m = p.mean(1);
    close(
        &m.compute().unwrap(),
        &x.compute().unwrap().mean_axis(Axis(1)).unwrap(),
        "mean of persisted",
    );
}

/// Under a budget, persisted chunks past it go to the spill directory, read back the
/// same, and the files go with the array.
#[test]
fn persist_spills_past_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let x = random_normal(0.0, 1.0, &[50, 40], [20, 15], 9).unwrap();
    let want = x.compute().unwrap();
    // 9 chunks of at most 20 x 15 f64 (2400 bytes, 16000 in all): a 5000-byte budget
    // keeps two or three in memory (they spill while the run goes, as they come).
    let config = Config::new()
        .scheduler(Scheduler::Threads(2))
        .memory_limit(5000)
        .spill_dir(dir.path());
    let p = x.persist_with(&config).unwrap();
    let files = || -> usize {
        std::fs::read_dir(dir.path())
            .unwrap()
            .map(|d| std::fs::read_dir(d.unwrap().path()).unwrap().count())
            .sum()
    };
    assert!((6..=7).contains(&files()), "{} chunks spilled", files());
    assert!(chunkwise::last_stats().unwrap().peak_held_bytes <= 5000 + 2 * 2400);
    assert_eq!(p.compute().unwrap(), want);
    close(
        &p.mean(1).compute().unwrap(),
        &want.mean_axis(Axis(1)).unwrap(),
        "mean of persisted",
    );
    drop(p);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // No budget: nothing written.
    let q = x
        .persist_with(&Config::new().spill_dir(dir.path()))
        .unwrap();
    assert_eq!(q.compute().unwrap(), want);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn bad_input_is_a_clear_error() {
    let e = |r: chunkwise::Result<DArray>| r.unwrap_err().to_string();
    assert!(e(zeros(&[10], [0])).contains("chunk size 0"));
    assert!(e(zeros(&[10, 3], [5])).contains("dimensions"));
    assert!(e(zeros(&[10], vec![vec![4, 4]])).contains("sum to 8"));
    assert!(e(random_normal(0.0, -1.0, &[3], [3], 1)).contains("std"));
    assert!(e(arange(0.0, 1.0, 0.0, [2])).contains("step"));
    let x = zeros(&[4, 5], [2, 2]).unwrap();
    for bad in [
        x.mean(2),
        x.sum([0, 7]),
        &x + &zeros(&[5, 4], [2, 2]).unwrap(),
        x.reduce(&Reduction::sum().split_every(1)),
        x.reduce(&Reduction::argmin().axes([0, 1])),
        x.slice(&[0..1, 0..1, 0..1]),
        x.permute_axes(&[0, 0]),
        zeros(&[0, 3], [1, 1]).unwrap().min(0),
        x.rechunk([0, 1]),
    ] {
        let err = bad.compute().unwrap_err().to_string();
        assert!(!err.is_empty());
        assert!(bad.error().is_some(), "{err}");
    }
    assert!(
        x.mean(2)
            .compute()
            .unwrap_err()
            .to_string()
            .contains("axis 2 is out of range")
    );
    // Errors travel through later operations.
    let later = (x.mean(9) + 1.0).sqrt();
    assert!(later.compute().unwrap_err().to_string().contains("axis 9"));
    // An empty axis: sum is 0, mean is NaN, as numpy.
    let e0 = zeros(&[0, 3], [1, 1]).unwrap();
    assert_eq!(
        e0.sum(0).compute().unwrap().into_raw_vec_and_offset().0,
        vec![0.0; 3]
    );
    assert!(e0.mean(0).compute().unwrap().iter().all(|v| v.is_nan()));
}

#[test]
fn random_streams_are_identical_on_every_scheduler() {
    let x = random_normal(2.0, 3.0, &[301, 257], [100, 64], 42).unwrap();
    let y = random_uniform(-1.0, 1.0, &[301, 257], [100, 64], 42).unwrap();
    let base = (
        x.compute().unwrap(),
        y.sum(0).compute().unwrap(),
        x.mean(1).compute().unwrap(),
    );
    for sched in [
        Scheduler::Synchronous,
        Scheduler::threads(1),
        Scheduler::threads(3),
    ] {
        let c = Config::new().scheduler(sched);
        let got = chunkwise::compute_with((&x, &y.sum(0), &x.mean(1)), &c).unwrap();
        assert!(
            got.0
                .iter()
                .zip(base.0.iter())
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
        assert!(
            got.1
                .iter()
                .zip(base.1.iter())
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
        assert!(
            got.2
                .iter()
                .zip(base.2.iter())
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
    }
    // Streamed (reduction) and materialised (compute) paths draw the same numbers.
    let direct = x.compute().unwrap().mean_axis(Axis(1)).unwrap();
    close(&base.2, &direct, "streamed vs materialised");
    // A different chunking changes the numbers; a different seed too.
    let other = random_normal(2.0, 3.0, &[301, 257], [100, 65], 42)
        .unwrap()
        .compute()
        .unwrap();
    assert_ne!(other, base.0);
}

#[test]
fn vectorised_and_scalar_generators_agree_bitwise() {
    let state = chunk_states(7, 3).pop().unwrap();
    let (mut a, mut b) = (ChunkStream::new(&state), ChunkStream::new(&state));
    let (mut va, mut vb) = (vec![0.0; 100_003], vec![0.0; 100_003]);
    // Different request sizes must not change the stream either.
    for part in va.chunks_mut(977) {
        a.fill_normal(part, 0.0, 1.0);
    }
    b.fill_normal_scalar(&mut vb, 0.0, 1.0);
    assert!(va.iter().zip(&vb).all(|(x, y)| x.to_bits() == y.to_bits()));
}

#[test]
fn xoshiro_matches_rand_xoshiro() {
    let mut ours = Xoshiro256pp::seed_from_u64(12345);
    let mut theirs = Xoshiro256PlusPlus::seed_from_u64(12345);
    for _ in 0..1000 {
        assert_eq!(ours.next_u64(), theirs.next_u64());
    }
    ours.jump();
    theirs.jump();
    assert_eq!(ours.next_u64(), theirs.next_u64());
    ours.long_jump();
    theirs.long_jump();
    for _ in 0..10 {
        assert_eq!(ours.next_u64(), theirs.next_u64());
    }
}

fn mean_var(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (m, v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n)
}

#[test]
fn samples_have_the_right_moments_and_chunks_are_uncorrelated() {
    let n = 1000;
    let x = random_normal(0.0, 1.0, &[4, n * n / 4], [1, n * n / 4], 2024).unwrap();
    let a = x.compute().unwrap();
    let all: Vec<f64> = a.iter().copied().collect();
    let (m, v) = mean_var(&all);
    let se = 1.0 / (all.len() as f64).sqrt();
    assert!(m.abs() < 5.0 * se, "mean {m}");
    assert!((v - 1.0).abs() < 5.0 * se * 2f64.sqrt(), "var {v}");
    // Tails: about 0.27% beyond 3 sd.
    let tail = all.iter().filter(|z| z.abs() > 3.0).count() as f64 / all.len() as f64;
    assert!((tail - 0.0027).abs() < 0.0005, "tail {tail}");
    // Neighbouring chunks (rows here) are uncorrelated.
    for r in 0..3 {
        let (p, q) = (a.index_axis(Axis(0), r), a.index_axis(Axis(0), r + 1));
        let k = p.len() as f64;
        let corr = p.iter().zip(q.iter()).map(|(x, y)| x * y).sum::<f64>() / k;
        assert!(
            corr.abs() < 5.0 / k.sqrt(),
            "corr rows {r},{}: {corr}",
            r + 1
        );
    }
    let u: Vec<f64> = random_uniform(0.0, 1.0, &[200_000], [30_000], 5)
        .unwrap()
        .compute()
        .unwrap()
        .iter()
        .copied()
        .collect();
    let (um, uv) = mean_var(&u);
    assert!(
        (um - 0.5).abs() < 0.005 && (uv - 1.0 / 12.0).abs() < 0.002,
        "{um} {uv}"
    );
    assert!(u.iter().all(|&v| (0.0..1.0).contains(&v)));
    let ints = random_integers(-3, 4, &[100_000], [7_000], 5)
        .unwrap()
        .compute()
        .unwrap();
    assert!(
        ints.iter()
            .all(|&v| (-3.0..4.0).contains(&v) && v.fract() == 0.0)
    );
    for k in -3..4 {
        let c = ints.iter().filter(|&&v| v == f64::from(k)).count() as f64 / 100_000.0;
        assert!((c - 1.0 / 7.0).abs() < 0.01, "{k}: {c}");
    }
}

#[test]
fn same_parameters_same_keys() {
    let a = random_normal(0.0, 1.0, &[100, 100], [30, 30], 3)
        .unwrap()
        .mean(1);
    let b = random_normal(0.0, 1.0, &[100, 100], [30, 30], 3)
        .unwrap()
        .mean(1);
    let ga = chunkwise::Graph::of(&a).unwrap();
    let gb = chunkwise::Graph::of(&b).unwrap();
    assert_eq!(ga.hash(), gb.hash());
    // Shared in one compute: the graph of both is the graph of one.
    assert_eq!(chunkwise::Graph::of((&a, &b)).unwrap().len(), ga.len());
}
