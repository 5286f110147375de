//! Zarr stores (following Dask's to_zarr/from_zarr tests): every element type round
//! trips; ragged chunks, one chunk, an axis of length 0; overwriting replaces the
//! store whole; a failed write leaves the old store; several stores in one compute;
//! a slice reads only its chunks; missing, corrupt and mistyped stores are errors
//! naming the path and the chunk.

use std::path::Path;

use chunkwise::array::{DArray, Element, ZarrElement, from_array, from_fn, from_zarr, store};
use ndarray::{ArrayD, IxDyn};

fn round_trip<T: ZarrElement>(dir: &Path, f: impl Fn(usize) -> T) {
    let a = ArrayD::from_shape_fn(IxDyn(&[7, 5, 3]), |i| f(i[0] * 15 + i[1] * 3 + i[2]));
    for (k, chunks) in [vec![3, 2, 3], vec![7, 5, 3], vec![1, 4, 2]]
        .into_iter()
        .enumerate()
    {
        let path = dir.join(format!("{}-{k}.zarr", T::DTYPE));
        let x: DArray<T> = from_array(a.clone(), chunks.clone()).unwrap();
        x.to_zarr(&path).unwrap();
        let y = from_zarr::<T>(&path).unwrap();
        assert_eq!(y.shape(), &[7, 5, 3]);
        assert_eq!(y.compute().unwrap(), a, "{} {chunks:?}", T::DTYPE);
    }
}

#[test]
fn every_element_type_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    each_element_type!(round_trip, dir.path());
}

#[test]
fn ragged_and_empty_shapes() {
    let dir = tempfile::tempdir().unwrap();
    // Ragged explicit chunks: stored on a regular grid of the first chunk's sizes.
    let a = ArrayD::from_shape_fn(IxDyn(&[10, 4]), |i| (i[0] * 4 + i[1]) as f64);
    let x = from_array(a.clone(), vec![vec![2, 5, 3], vec![4]]).unwrap();
    let p = dir.path().join("ragged.zarr");
    x.to_zarr(&p).unwrap();
    let y = from_zarr::<f64>(&p).unwrap();
    assert_eq!(y.chunks(), &[vec![2, 2, 2, 2, 2], vec![4]]);
    assert_eq!(y.compute().unwrap(), a);
    // An axis of length 0.
    let e: DArray<i32> = from_array(ArrayD::zeros(IxDyn(&[0, 3])), [2, 2]).unwrap();
    let p = dir.path().join("empty.zarr");
    e.to_zarr(&p).unwrap();
    let back = from_zarr::<i32>(&p).unwrap().compute().unwrap();
    assert_eq!(back.shape(), &[0, 3]);
}

#[test]
fn overwrite_replaces_whole_and_failure_keeps_the_old() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.zarr");
    let big = from_fn(&[12, 12], [3, 3], |r| {
        ArrayD::from_shape_fn(IxDyn(&[r[0].len(), r[1].len()]), |i| {
            (i[0] + r[0].start) as f64
        })
    })
    .unwrap();
    big.to_zarr(&p).unwrap();
    let small = from_array(ArrayD::from_elem(IxDyn(&[4, 4]), 7.0), [2, 2]).unwrap();
    small.to_zarr(&p).unwrap();
    let back = from_zarr::<f64>(&p).unwrap();
    assert_eq!(back.shape(), &[4, 4]);
    assert_eq!(
        back.compute().unwrap(),
        ArrayD::from_elem(IxDyn(&[4, 4]), 7.0)
    );
    // No chunk file of the old 4 x 4 grid is left behind.
    let files = walk(&p);
    assert!(files.iter().all(|f| !f.contains("/3")), "{files:?}");
    // A write whose tasks fail: the old store stays, nothing half-written is left.
    let failing: DArray<f64> = from_fn(&[8, 8], [4, 4], |r| {
        assert!(r[0].start == 0, "chunk at row {} fails", r[0].start);
        ArrayD::zeros(IxDyn(&[r[0].len(), r[1].len()]))
    })
    .unwrap();
    let e = failing.to_zarr(&p).unwrap_err().to_string();
    assert!(e.contains("fails"), "{e}");
    assert_eq!(
        from_zarr::<f64>(&p).unwrap().compute().unwrap(),
        ArrayD::from_elem(IxDyn(&[4, 4]), 7.0)
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["x.zarr".to_string()]);
}

fn walk(p: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(p).unwrap() {
        let e = e.unwrap().path();
        if e.is_dir() {
            out.extend(walk(&e));
        } else {
            out.push(e.to_string_lossy().into_owned());
        }
    }
    out
}

#[test]
fn several_stores_in_one_compute() {
    let dir = tempfile::tempdir().unwrap();
    let x = chunkwise::array::random_uniform(0.0, 1.0, &[50, 20], [20, 20], 3).unwrap();
    let y = &x * 2.0;
    let z = x.gt(0.5);
    store(vec![
        y.to_zarr_lazy(dir.path().join("y.zarr")).unwrap(),
        z.to_zarr_lazy(dir.path().join("z.zarr")).unwrap(),
    ])
    .unwrap();
    assert_eq!(
        from_zarr::<f64>(dir.path().join("y.zarr"))
            .unwrap()
            .compute()
            .unwrap(),
        y.compute().unwrap()
    );
    assert_eq!(
        from_zarr::<bool>(dir.path().join("z.zarr"))
            .unwrap()
            .compute()
            .unwrap(),
        z.compute().unwrap()
    );
}

#[test]
fn errors_name_the_store_and_the_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing.zarr");
    let e = from_zarr::<f64>(&missing).unwrap_err().to_string();
    assert!(e.contains("nothing.zarr"), "{e}");
    let p = dir.path().join("ints.zarr");
    let a = ArrayD::from_shape_fn(IxDyn(&[6, 6]), |i| (i[0] * 6 + i[1]) as i32 + 1);
    from_array(a.clone(), [3, 3]).unwrap().to_zarr(&p).unwrap();
    let e = from_zarr::<f64>(&p).unwrap_err().to_string();
    assert!(e.contains("ints.zarr") && e.contains("float64"), "{e}");
    // A chunk file cut short: its task fails naming the chunk; a slice that does not
    // touch it still reads (only the chunks a slice needs are read).
    let chunk = p.join("c").join("1").join("1");
    let bytes = std::fs::read(&chunk).unwrap();
    std::fs::write(&chunk, &bytes[..bytes.len() / 2]).unwrap();
    let x = from_zarr::<i32>(&p).unwrap();
    let e = x.compute().unwrap_err().to_string();
    assert!(e.contains("ints.zarr") && e.contains("[1, 1]"), "{e}");
    let top = x.slice(&[0..3, 0..6]).compute().unwrap();
    assert_eq!(top, a.slice(ndarray::s![0..3, ..]).to_owned().into_dyn());
    // Metadata that is not JSON.
    std::fs::write(p.join("zarr.json"), "{not json").unwrap();
    let e = from_zarr::<i32>(&p).unwrap_err().to_string();
    assert!(e.contains("ints.zarr") && e.contains("metadata"), "{e}");
    let _ = <i32 as Element>::DTYPE;
}

/// Chunks in Fortran order (a block function may return any layout) are written with
/// their values in the store's C order, whole chunks and edge chunks alike.
#[test]
fn chunks_in_fortran_order_are_stored_by_value() {
    use ndarray::ShapeBuilder;
    let dir = tempfile::tempdir().unwrap();
    let a = ArrayD::from_shape_fn(IxDyn(&[7, 5]), |i| (i[0] * 5 + i[1]) as f64 - 3.5);
    let x = from_array(a.clone(), [3, 5]).unwrap().map_blocks(|b| {
        let mut f = ArrayD::<f64>::zeros(IxDyn(b.shape()).f());
        f.assign(b);
        f
    });
    let p = dir.path().join("f.zarr");
    x.to_zarr(&p).unwrap();
    assert_eq!(from_zarr::<f64>(&p).unwrap().compute().unwrap(), a);
}

/// Zarr v2 stores as zarr-python 2 writes them by default (Blosc, lz4, byte shuffle:
/// what most existing v2 stores hold), from files Python wrote
/// (`scripts/zarr_fixtures.py` into `tests/golden/zarr`): read with the feature
/// `zarr-blosc`, else an error saying so (`scripts/zarr-test.sh` reads Python's Blosc
/// stores of every type with it). A compressor zarrs cannot decode is an error naming
/// the store and the codec.
#[test]
fn zarr_python_v2_blosc_stores_read_and_unknown_codecs_are_named() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/zarr");
    let want = ArrayD::from_shape_fn(IxDyn(&[7, 5, 3]), |i| {
        let v = ((i[0] * 15 + i[1] * 3 + i[2]) * 37 % 251) as f64;
        v * 0.25 - 10.0
    });
    let blosc = from_zarr::<f64>(golden.join("v2_blosc_lz4.zarr"));
    if cfg!(feature = "zarr-blosc") {
        let x = blosc.unwrap();
        assert_eq!(x.chunks(), &[vec![4, 3], vec![3, 2], vec![2, 1]]);
        assert_eq!(x.compute().unwrap(), want);
    } else {
        // Without the feature: an error that names the store and says what to enable.
        let e = blosc.unwrap_err().to_string();
        assert!(
            e.contains("v2_blosc_lz4.zarr") && e.contains("`zarr-blosc`"),
            "{e}"
        );
    }
    // Python's lzma compressor (numcodecs.LZMA), which zarrs does not have.
    let e = from_zarr::<f64>(golden.join("v2_unknown_codec.zarr"))
        .and_then(|x| x.compute())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("v2_unknown_codec.zarr") && e.contains("lzma"),
        "{e}"
    );
}

/// The out-of-core pipeline of `examples/out_of_core.rs` at small size, under a budget
/// of a tenth of the array: the answers equal ndarray's on the same data.
#[test]
fn out_of_core_pipeline_under_a_budget() {
    let dir = tempfile::tempdir().unwrap();
    let n = 240;
    let config = chunkwise::Config::default().memory_limit((n * n * 8 / 10) as u64);
    let x = chunkwise::array::random_normal(0.0, 1.0, &[n, n], [40, 40], 5).unwrap();
    let want = x
        .compute()
        .unwrap()
        .into_dimensionality::<ndarray::Ix2>()
        .unwrap();
    let (a, b, c) = (
        dir.path().join("a.zarr"),
        dir.path().join("b.zarr"),
        dir.path().join("c.zarr"),
    );
    store_with(&x, &a, &config);
    let y = from_zarr::<f64>(&a).unwrap();
    let means = y.mean(0).compute_with(&config).unwrap();
    let want_means = want.mean_axis(ndarray::Axis(0)).unwrap();
    assert!(
        means
            .iter()
            .zip(&want_means)
            .all(|(p, q)| (p - q).abs() < 1e-12)
    );
    store_with(&y.rechunk([n, 10]), &b, &config);
    assert_eq!(from_zarr::<f64>(&b).unwrap().chunks()[1].len(), n / 10);
    assert_eq!(
        from_zarr::<f64>(&b).unwrap().compute().unwrap(),
        want.clone().into_dyn()
    );
    store_with(&y.matmul(&y.t()), &c, &config);
    // Each block of y is read by six products: under the budget a block waiting for
    // its readers is dropped and read from the store again, not spilled.
    let s = chunkwise::last_stats().unwrap();
    assert!(s.bytes_dropped > 0 && s.sources_remade > 0, "{s:?}");
    let gram = from_zarr::<f64>(&c).unwrap().compute().unwrap();
    let want_gram = want.dot(&want.t()).into_dyn();
    assert!(
        gram.iter()
            .zip(&want_gram)
            .all(|(p, q)| (p - q).abs() < 1e-9 * (1.0 + q.abs()))
    );
}

/// Version `v` of the killed writers' array: 64 x 64, every element `v`.
fn version(v: u32) -> DArray<f64> {
    from_fn(&[64, 64], [8, 8], move |r| {
        ArrayD::from_elem(IxDyn(&[r[0].len(), r[1].len()]), v as f64)
    })
    .unwrap()
}

/// After a kill: the store at `dest` reads as one whole version (counted in `whole`) or
/// fails with an error naming it and saying `why` (counted in `errors`); never a mix.
fn whole_or_error(dest: &Path, why: &str, whole: &mut usize, errors: &mut usize) {
    match from_zarr::<f64>(dest).and_then(|x| x.compute()) {
        Ok(a) => {
            let first = a[[0, 0]];
            assert!(
                a.iter().all(|&v| v == first),
                "a mix of versions: {first} and others"
            );
            *whole += 1;
        }
        Err(e) => {
            let e = e.to_string();
            assert!(e.contains("x.zarr") && e.contains(why), "{e}");
            *errors += 1;
        }
    }
}

/// A process writing into a store in place (`store_into` an opened Zarr array) is
/// killed at random points: the store then reads as one whole version, or fails with
/// an error saying the write did not finish; never a mix. Writing it again in place
/// makes it readable.
#[test]
fn killed_writes_in_place_are_found_out() {
    use chunkwise::array::{Idx, VIdx, ZarrArray};
    const CHILD: &str = "CHUNKWISE_TEST_ZARR_IN_PLACE";
    let write = |dest: &str, v: u32| {
        let z = std::sync::Arc::new(ZarrArray::<f64>::open(dest).unwrap());
        let all = [
            VIdx::Basic(Idx::range(0, 64, 1)),
            VIdx::Basic(Idx::range(0, 64, 1)),
        ];
        store(vec![version(v).store_into(z, &all).unwrap()]).unwrap();
    };
    if let Ok(dest) = std::env::var(CHILD) {
        for v in 1.. {
            write(&dest, v);
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("x.zarr");
    version(0).to_zarr(&dest).unwrap();
    let (mut whole, mut cut) = (0, 0);
    let test = "it::array_zarr::killed_writes_in_place_are_found_out";
    let dest_str = dest.display().to_string();
    super::kill_at_random_points(test, (CHILD, &dest_str), 10, 777, || {
        whole_or_error(&dest, "did not finish", &mut whole, &mut cut)
    });
    assert!(cut > 0, "no kill fell inside a write ({whole} whole reads)");
    write(&dest_str, 99);
    let back = from_zarr::<f64>(&dest).unwrap().compute().unwrap();
    assert!(back.iter().all(|&v| v == 99.0));
}

fn store_with(x: &DArray<f64>, path: &Path, config: &chunkwise::Config) {
    let w = x.to_zarr_lazy(path).unwrap();
    chunkwise::array::store_with(vec![w], config).unwrap();
}

/// A process writing a store is killed (SIGKILL) at random points: the store then
/// reads as one whole version, or fails with an error naming it; never a mix.
#[test]
fn killed_writers_leave_a_whole_store_or_an_error() {
    const CHILD: &str = "CHUNKWISE_TEST_ZARR_WRITER";
    if let Ok(dest) = std::env::var(CHILD) {
        // The child: write versions 1, 2, 3, ... until killed.
        for v in 1.. {
            version(v).to_zarr(&dest).unwrap();
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("x.zarr");
    version(0).to_zarr(&dest).unwrap();
    let (mut whole, mut errors) = (0, 0);
    let test = "it::array_zarr::killed_writers_leave_a_whole_store_or_an_error";
    let dest_str = dest.display().to_string();
    super::kill_at_random_points(test, (CHILD, &dest_str), 12, 12345, || {
        whole_or_error(&dest, "", &mut whole, &mut errors)
    });
    // Writing again recovers: whole, with nothing left beside it.
    version(99).to_zarr(&dest).unwrap();
    assert_eq!(
        from_zarr::<f64>(&dest).unwrap().compute().unwrap()[[5, 5]],
        99.0
    );
    super::only_output_left(
        dir.path(),
        "x.zarr",
        &format!("after {whole} whole reads and {errors} errors"),
    );
}

/// A chunk's transpose, read from a store, is made again from the store under a
/// budget rather than spilled: a two-pass sum of squares reads every transposed block
/// twice, the second time after the mean of all, and the budget is two blocks of eight.
#[test]
fn transposed_store_chunks_are_made_again_not_spilled() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.zarr");
    let x = chunkwise::array::random_normal(0.0, 1.0, &[120, 80], [30, 40], 9).unwrap();
    store_with(&x, &a, &chunkwise::Config::default());
    let want = x.compute().unwrap();
    let z = from_zarr::<f64>(&a).unwrap().t();
    let all = || chunkwise::array::Axes::All;
    // A two-pass sum of squared deviations: every block waits for the mean.
    let both = (&z - &z.mean(all())).square().sum(all());
    let config = chunkwise::Config::default().memory_limit(20_000);
    let got = both.compute_with(&config).unwrap();
    let s = chunkwise::last_stats().unwrap();
    let mean = want.mean().unwrap();
    let ss: f64 = want.iter().map(|v| (v - mean) * (v - mean)).sum();
    assert!((got[[]] - ss).abs() < 1e-9 * ss, "{got} against {ss}");
    // Transposed blocks of 9600 bytes are let go (six to eight of them here; before,
    // all were spilled and nothing dropped); what spills now is the reductions'
    // partials and the broadcast mean's blocks.
    assert!(
        s.bytes_dropped >= 4 * 9600 && s.sources_remade >= 4,
        "{s:?}"
    );
}
