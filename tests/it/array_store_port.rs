//! Dask's `store` and `to_zarr` target tests (dask/array/tests/test_array_core.py),
//! ported: arrays in memory and existing Zarr arrays as targets, regions (steps, a
//! list of positions, integers), the stored array read back (`return_stored`),
//! shards, group members, and the errors Dask raises. Each test names its original.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chunkwise::array::{
    BlockMap, DArray, Idx, VIdx, ZarrArray, ZarrWrite, arange, from_array, from_zarr, ones, store,
    store_with, zeros,
};
use chunkwise::{Config, Scheduler};
use ndarray::{ArrayD, IxDyn, array};

type Shared = Arc<Mutex<ArrayD<f64>>>;

fn target(shape: &[usize]) -> Shared {
    Arc::new(Mutex::new(ArrayD::zeros(IxDyn(shape))))
}

fn all(t: &Shared, v: f64) -> bool {
    t.lock().unwrap().iter().all(|&x| x == v)
}

/// test_store: two arrays into two targets in one compute; a target of another shape
/// is an error before anything runs.
#[test]
fn test_store() {
    let d = ones(&[4, 4], [2, 2]).unwrap();
    let (a, b) = (&d + 1.0, &d + 2.0);
    let (at, bt) = (target(&[4, 4]), target(&[4, 4]));
    store(vec![
        a.store_into(at.clone(), &[]).unwrap(),
        b.store_into(bt.clone(), &[]).unwrap(),
    ])
    .unwrap();
    assert!(all(&at, 2.0) && all(&bt, 3.0));
    // Dask: store([a], [at, bt]) and shape mismatches raise ValueError.
    let e = a.store_into(target(&[4, 5]), &[]).unwrap_err();
    assert!(e.to_string().contains("[4, 5]"), "{e}");
}

/// test_store_regions: a region of a step, a whole axis and a list of positions,
/// written to two targets, once lazily and once keeping the stored arrays.
#[test]
fn test_store_regions() {
    let d = ones(&[4, 4, 4], [2, 2, 2]).unwrap().astype::<i64>();
    let a = (&d + 1)
        .index([Idx::ALL, Idx::range(1, 4, 1), Idx::ALL])
        .astype::<f64>();
    let b = (&d + 2).astype::<f64>();
    let region = [
        VIdx::Basic(Idx::Slice {
            start: None,
            stop: None,
            step: 2,
        }),
        VIdx::ALL,
        VIdx::from(vec![1, 2, 4, 5]),
    ];
    // The positions the region selects, for the checks.
    let selected = |t: &ArrayD<f64>, v: f64, want: bool| {
        t.indexed_iter().all(|(i, &x)| {
            let inside = i[0] % 2 == 0 && [1, 2, 4, 5].contains(&i[2]);
            if inside == want { x == v } else { true }
        })
    };
    for keep in [false, true] {
        let (at, bt) = (target(&[8, 3, 6]), target(&[8, 4, 6]));
        if keep {
            let ar = a.stored_into(at.clone(), &region).unwrap();
            let br = b.stored_into(bt.clone(), &region).unwrap();
            assert!(
                all(&at, 0.0) && all(&bt, 0.0),
                "nothing written before compute"
            );
            assert_eq!((ar.shape(), ar.chunks()), (a.shape(), a.chunks()));
            assert_eq!((br.shape(), br.chunks()), (b.shape(), b.chunks()));
            let (ar, br) = (ar.compute().unwrap(), br.compute().unwrap());
            assert!(ar.iter().all(|&x| x == 2.0) && br.iter().all(|&x| x == 3.0));
        } else {
            let writes = vec![
                a.store_into(at.clone(), &region).unwrap(),
                b.store_into(bt.clone(), &region).unwrap(),
            ];
            assert!(
                all(&at, 0.0) && all(&bt, 0.0),
                "nothing written before compute"
            );
            store(writes).unwrap();
        }
        let (at, bt) = (at.lock().unwrap(), bt.lock().unwrap());
        assert!(selected(&at, 2.0, true) && selected(&bt, 3.0, true));
        assert!(selected(&at, 0.0, false) && selected(&bt, 0.0, false));
        assert_eq!(at.iter().filter(|&&x| x == 2.0).count(), 4 * 3 * 4);
    }
}

/// test_store_compute_false: lazy writes change nothing until computed; the stored
/// arrays computed equal the targets.
#[test]
fn test_store_compute_false() {
    let d = ones(&[4, 4], [2, 2]).unwrap();
    let (a, b) = (&d + 1.0, &d + 2.0);
    let (at, bt) = (target(&[4, 4]), target(&[4, 4]));
    let v = vec![
        a.store_into(at.clone(), &[]).unwrap(),
        b.store_into(bt.clone(), &[]).unwrap(),
    ];
    assert!(all(&at, 0.0) && all(&bt, 0.0));
    store(v).unwrap();
    assert!(all(&at, 2.0) && all(&bt, 3.0));

    let (at, bt) = (target(&[4, 4]), target(&[4, 4]));
    let dat = a.stored_into(at.clone(), &[]).unwrap();
    let dbt = b.stored_into(bt.clone(), &[]).unwrap();
    assert!(all(&at, 0.0) && all(&bt, 0.0));
    assert_eq!(dat.compute().unwrap(), *at.lock().unwrap());
    assert_eq!(dbt.compute().unwrap(), *bt.lock().unwrap());
    assert!(all(&at, 2.0) && all(&bt, 3.0));
}

/// test_store_nocompute_regions: two lazy writes of one array into two rows of one
/// target are two outputs, both written.
#[test]
fn test_store_nocompute_regions() {
    let x = ones(&[10], [1]).unwrap();
    let y = target(&[2, 10]);
    let d1 = x.store_into(y.clone(), &[VIdx::from(0)]).unwrap();
    let d2 = (&x * 2.0).store_into(y.clone(), &[VIdx::from(1)]).unwrap();
    store(vec![d1, d2]).unwrap();
    let y = y.lock().unwrap();
    let row = |i: usize| {
        y.index_axis(ndarray::Axis(0), i)
            .iter()
            .all(|&v| v == (i + 1) as f64)
    };
    assert!(row(0) && row(1));
}

/// test_store_method_return: a write kept lazy is a value to compute; a stored array
/// is an array.
#[test]
fn test_store_method_return() {
    let a = ones(&[10, 10], [2, 2]).unwrap();
    for (keep, compute) in [(false, false), (false, true), (true, false), (true, true)] {
        let at = target(&[10, 10]);
        if keep {
            let r: DArray<f64> = a.stored_into(at.clone(), &[]).unwrap();
            if compute {
                r.compute().unwrap();
            }
            assert_eq!(r.shape(), &[10, 10]);
        } else {
            let w = a.store_into(at.clone(), &[]).unwrap();
            if compute {
                w.commit().unwrap();
            }
        }
        assert_eq!(all(&at, 1.0), compute, "keep={keep} compute={compute}");
    }
}

/// test_store_kwargs: the store runs with the scheduler it is given.
#[test]
fn test_store_kwargs() {
    let a = &ones(&[10, 10], [2, 2]).unwrap() + 1.0;
    for scheduler in [Scheduler::Synchronous, Scheduler::Threads(2)] {
        let at = target(&[10, 10]);
        let config = Config::default().scheduler(scheduler);
        store_with(vec![a.store_into(at.clone(), &[]).unwrap()], &config).unwrap();
        assert!(all(&at, 2.0));
    }
}

/// test_store_sources_unoptimized_nocompute: two stores of two slices of one
/// `map_blocks` result share its tasks (each block computed once).
#[test]
fn test_store_sources_unoptimized_nocompute() {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let start = zeros(&[2, 2], [1, 1]).unwrap();
    let src = start.map_blocks_opts(
        &[],
        &BlockMap::new()
            .new_axis(&[0])
            .chunks(vec![vec![2], vec![1, 1], vec![1, 1]]),
        |b, _| {
            CALLS.fetch_add(1, Ordering::SeqCst);
            ndarray::stack(
                ndarray::Axis(0),
                &[b[0].mapv(|v| v + 1.0).view(), b[0].mapv(|v| v + 2.0).view()],
            )
            .unwrap()
        },
    );
    let (t1, t2) = (target(&[2, 2]), target(&[2, 2]));
    let config = Config::default().scheduler(Scheduler::Synchronous);
    store_with(
        vec![
            src.index([Idx::At(0)]).store_into(t1.clone(), &[]).unwrap(),
            src.index([Idx::At(1)]).store_into(t2.clone(), &[]).unwrap(),
        ],
        &config,
    )
    .unwrap();
    assert_eq!(CALLS.load(Ordering::SeqCst), 4);
    assert!(all(&t1, 1.0) && all(&t2, 2.0));
}

/// Regions Dask refuses (shape mismatch, out of bounds, several lists), each a clear
/// error before anything runs; a failing write fails the store naming its task.
#[test]
fn store_errors() {
    let a = ones(&[4], [2]).unwrap();
    let t = target(&[4, 4]);
    for (region, want) in [
        (vec![VIdx::from(vec![0, 9])], "out of bounds"),
        (vec![VIdx::from(vec![0]), VIdx::from(vec![1])], "one list"),
        (
            vec![VIdx::ALL, VIdx::ALL, VIdx::ALL],
            "3 entries for an array of 2",
        ),
        (vec![VIdx::ALL], "the array is [4]"),
    ] {
        let e = a.store_into(t.clone(), &region).unwrap_err().to_string();
        assert!(e.contains(want), "{region:?}: {e}");
    }
    // A source that fails: the store fails and names the failing task.
    let bad = a.map_blocks(|b| {
        if b[0] == 1.0 && b.len() == 2 {
            panic!("a block that cannot be made")
        }
        b.to_owned()
    });
    let e = store(vec![bad.store_into(t.clone(), &[VIdx::from(0)]).unwrap()]).unwrap_err();
    assert!(e.to_string().contains("cannot be made"), "{e}");
}

/// test_zarr_sharding_roundtrip: shards of 6, 4 and 1 chunks per axis; the store
/// declares them, reads back equal, and is replaced whole by another array.
#[test]
fn test_zarr_sharding_roundtrip() {
    let dir = tempfile::tempdir().unwrap();
    for (chunks, shards) in [([3, 3], [18, 18]), ([3, 3], [12, 12]), ([60, 60], [60, 60])] {
        let p = dir
            .path()
            .join(format!("s{}-{}.zarr", chunks[0], shards[0]));
        let a = zeros(&[60, 60], chunks).unwrap();
        a.to_zarr_with(&p, &ZarrWrite::new().shards(shards))
            .unwrap();
        let meta = std::fs::read_to_string(p.join("zarr.json")).unwrap();
        assert!(meta.contains("sharding_indexed"), "{meta}");
        let a2 = from_zarr::<f64>(&p).unwrap();
        assert_eq!(a2.compute().unwrap(), a.compute().unwrap());
        // chunkwise reads a sharded store shard by shard (one file a task).
        assert_eq!(a2.chunks()[0][0], shards[0]);
        let b = ones(&[60, 60], chunks).unwrap();
        // Dask's mode="r" refuses to write; overwrite(false) refuses to replace.
        let e = b
            .to_zarr_with(&p, &ZarrWrite::new().overwrite(false))
            .unwrap_err();
        assert!(e.to_string().contains("already there"), "{e}");
        b.to_zarr_with(&p, &ZarrWrite::new().shards(shards))
            .unwrap();
        assert_eq!(
            from_zarr::<f64>(&p).unwrap().compute().unwrap(),
            b.compute().unwrap()
        );
    }
    // Shards that are not whole multiples of the chunks are refused, naming both.
    let e = zeros(&[60, 60], [4, 4])
        .unwrap()
        .to_zarr_with(dir.path().join("bad"), &ZarrWrite::new().shards([18, 18]))
        .unwrap_err();
    assert!(
        e.to_string().contains("[18, 18]") && e.to_string().contains("[4, 4]"),
        "{e}"
    );
}

/// test_from_array_respects_zarr_shards: reading a sharded array, each task's block
/// is a whole number of shards.
#[test]
fn test_from_array_respects_zarr_shards() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("z.zarr");
    from_array(ArrayD::<u8>::zeros(IxDyn(&[100, 100, 100])), [10, 10, 10])
        .unwrap()
        .to_zarr_with(&p, &ZarrWrite::new().shards([40, 40, 40]))
        .unwrap();
    let dz = from_zarr::<u8>(&p).unwrap();
    for c in dz.chunks() {
        assert!(c[..c.len() - 1].iter().all(|&n| n % 40 == 0), "{c:?}");
    }
}

/// test_zarr_existing_array: writing into a Zarr array made beforehand.
#[test]
fn test_zarr_existing_array() {
    let dir = tempfile::tempdir().unwrap();
    zeros(&[3, 3], [1, 1]).unwrap().to_zarr(dir.path()).unwrap();
    let a = ones(&[3, 3], [1, 1]).unwrap();
    let z = Arc::new(ZarrArray::<f64>::open(dir.path()).unwrap());
    a.store_into(z, &[]).unwrap().commit().unwrap();
    let a2 = from_zarr::<f64>(dir.path()).unwrap();
    assert_eq!(a2.chunks(), a.chunks());
    assert_eq!(a2.compute().unwrap(), a.compute().unwrap());
}

/// test_zarr_return_stored: the stored array, computed, writes the store and reads
/// it back, with the source's chunks.
#[test]
fn test_zarr_return_stored() {
    let dir = tempfile::tempdir().unwrap();
    zeros(&[3, 3], [1, 1]).unwrap().to_zarr(dir.path()).unwrap();
    let a = &ones(&[3, 3], [1, 1]).unwrap() * 5.0;
    let z = Arc::new(ZarrArray::<f64>::open(dir.path()).unwrap());
    let a2 = a.stored_into(z, &[]).unwrap();
    assert_eq!(a2.chunks(), a.chunks());
    assert_eq!(a2.compute().unwrap(), a.compute().unwrap());
    assert_eq!(
        from_zarr::<f64>(dir.path()).unwrap().compute().unwrap(),
        a.compute().unwrap()
    );
}

/// test_zarr_group: arrays as members of a group (nested too); replacing one when
/// overwrite is off is an error; the group lists its members.
#[test]
fn test_zarr_group() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = zeros(&[3, 3], [1, 1]).unwrap();
    a.to_zarr_with(d, &ZarrWrite::new().component("test"))
        .unwrap();
    let e = a
        .to_zarr_with(d, &ZarrWrite::new().component("test").overwrite(false))
        .unwrap_err();
    assert!(e.to_string().contains("already there"), "{e}");
    a.to_zarr_with(d, &ZarrWrite::new().component("test").overwrite(true))
        .unwrap();
    a.to_zarr_with(d, &ZarrWrite::new().component("test2").overwrite(false))
        .unwrap();
    a.to_zarr_with(
        d,
        &ZarrWrite::new().component("nested/test").overwrite(false),
    )
    .unwrap();
    let group = std::fs::read_to_string(d.join("zarr.json")).unwrap();
    assert!(group.contains("\"group\""), "{group}");
    assert!(d.join("nested/zarr.json").exists());
    let mut members: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("zarr.json").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    members.sort();
    assert_eq!(members, ["nested", "test", "test2"]);
    let a2 = from_zarr::<f64>(d.join("test")).unwrap();
    assert_eq!(a2.chunks(), a.chunks());
    assert_eq!(a2.compute().unwrap(), a.compute().unwrap());
}

/// test_zarr_to_zarr_shards (and test_zarr_risky_shards_warns): writing into a
/// sharded array, whole or half, cuts the source at the shards so no two tasks write
/// one shard; every value lands (Dask warns and rechunks where chunkwise rechunks).
#[test]
fn test_zarr_to_zarr_shards() {
    for (chunk, shard) in [(1, 2), (3, 6)] {
        for half in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            from_array(ArrayD::<i64>::zeros(IxDyn(&[100])), [chunk])
                .unwrap()
                .to_zarr_with(dir.path(), &ZarrWrite::new().shards([shard]))
                .unwrap();
            let n = if half { 50 } else { 100 };
            let arr = arange(0.0, n as f64, 1.0, [10]).unwrap().astype::<i64>();
            let z = Arc::new(ZarrArray::<i64>::open(dir.path()).unwrap());
            let region = [VIdx::Basic(Idx::range(0, n as isize, 1))];
            arr.store_into(z, &region).unwrap().commit().unwrap();
            let back = from_zarr::<i64>(dir.path()).unwrap().compute().unwrap();
            let want: Vec<i64> = (0..100).map(|i| if i < n { i } else { 0 }).collect();
            assert_eq!(
                back.into_raw_vec_and_offset().0,
                want,
                "{chunk}/{shard} half={half}"
            );
        }
    }
}

/// test_zarr_regions: regions written into an existing array, aligned to its chunks
/// and not.
#[test]
fn test_zarr_regions() {
    let dir = tempfile::tempdir().unwrap();
    let a = arange(0.0, 16.0, 1.0, [16])
        .unwrap()
        .reshape(&[4, 4])
        .rechunk([2, 2]);
    zeros(&[4, 4], [2, 2]).unwrap().to_zarr(dir.path()).unwrap();
    let z = Arc::new(ZarrArray::<f64>::open(dir.path()).unwrap());
    let r = |a: isize, b: isize| VIdx::Basic(Idx::range(a, b, 1));
    a.index([Idx::range(0, 2, 1), Idx::range(0, 2, 1)])
        .store_into(z.clone(), &[r(0, 2), r(0, 2)])
        .unwrap()
        .commit()
        .unwrap();
    let a2 = from_zarr::<f64>(dir.path()).unwrap();
    assert_eq!(
        a2.compute().unwrap(),
        array![
            [0., 1., 0., 0.],
            [4., 5., 0., 0.],
            [0., 0., 0., 0.],
            [0., 0., 0., 0.]
        ]
        .into_dyn()
    );
    assert_eq!(a2.chunks(), a.chunks());
    a.index([Idx::range(0, 3, 1), Idx::range(3, 4, 1)])
        .store_into(z, &[r(1, 4), r(2, 3)])
        .unwrap()
        .commit()
        .unwrap();
    assert_eq!(
        from_zarr::<f64>(dir.path()).unwrap().compute().unwrap(),
        array![
            [0., 1., 0., 0.],
            [4., 5., 3., 0.],
            [0., 0., 7., 0.],
            [0., 0., 11., 0.]
        ]
        .into_dyn()
    );
    // A step or a list into a chunked store is refused before anything is written.
    let e = ones(&[2], [1])
        .unwrap()
        .store_into(
            Arc::new(ZarrArray::<f64>::open(dir.path()).unwrap()),
            &[VIdx::Basic(Idx::range(0, 4, 2)), VIdx::from(0)],
        )
        .unwrap_err();
    assert!(e.to_string().contains("contiguous"), "{e}");
}

/// Two stores into one Zarr array whose regions share a stored chunk, in one compute:
/// every value lands (the partial writes take the array's lock); a region whose list
/// and integer numpy would move to the front is refused.
#[test]
fn partial_chunk_writes_of_two_stores_and_refused_regions() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..5 {
        zeros(&[8], [4]).unwrap().to_zarr(dir.path()).unwrap();
        let z = Arc::new(ZarrArray::<f64>::open(dir.path()).unwrap());
        let r = |a: isize, b: isize| [VIdx::Basic(Idx::range(a, b, 1))];
        store(vec![
            ones(&[3], [3])
                .unwrap()
                .store_into(z.clone(), &r(0, 3))
                .unwrap(),
            (&ones(&[3], [3]).unwrap() * 2.0)
                .store_into(z.clone(), &r(3, 6))
                .unwrap(),
        ])
        .unwrap();
        let got = from_zarr::<f64>(dir.path()).unwrap().compute().unwrap();
        assert_eq!(
            got.into_raw_vec_and_offset().0,
            vec![1., 1., 1., 2., 2., 2., 0., 0.]
        );
    }
    let t = target(&[3, 4, 5]);
    let e = ones(&[4, 2], [2, 2])
        .unwrap()
        .store_into(t, &[VIdx::from(0), VIdx::ALL, VIdx::from(vec![0, 1])])
        .unwrap_err();
    assert!(e.to_string().contains("slice between them"), "{e}");
}
