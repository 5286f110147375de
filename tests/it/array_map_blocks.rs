//! Dask's `map_blocks` tests with its keywords (`chunks=`, `drop_axis`, `new_axis`,
//! `block_info`) and `apply_along_axis`, each against ndarray on the same values
//! (`test_map_blocks*` of test_array_core.py, `test_apply_along_axis` of
//! test_routines.py).

use chunkwise::array::{BlockInfo, BlockMap, DArray, arange, from_array, full, ones};
use ndarray::{ArrayD, Axis, Dimension, IxDyn, s};

fn grid(n: usize, shape: &[usize]) -> ArrayD<f64> {
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|i| i as f64).collect()).unwrap()
}

fn chunks(x: &DArray<f64>) -> Vec<Vec<usize>> {
    x.chunks().to_vec()
}

/// `test_map_blocks`: a block function keeping the shape keeps the chunks; a
/// shape-changing one (`x[::2, ::2]`) with `chunks=` as one size per axis or one
/// size per block.
#[test]
fn map_blocks_with_output_chunks() {
    let x = grid(400, &[20, 20]);
    let d = from_array(x.clone(), [7, 7]).unwrap();
    let e = d.map_blocks(|b| b + 1.0);
    assert_eq!(chunks(&e), chunks(&d));
    assert_eq!(e.compute().unwrap(), &x + 1.0);
    let every_other = x.slice(s![..;2, ..;2]).into_owned().into_dyn();
    let d = from_array(x.clone(), [10, 10]).unwrap();
    let opts = BlockMap::new().chunks(vec![vec![5], vec![5]]);
    let e = d.map_blocks_opts(&[], &opts, |b, _| {
        b[0].slice(s![..;2, ..;2]).into_owned().into_dyn()
    });
    assert_eq!(chunks(&e), vec![vec![5, 5], vec![5, 5]]);
    assert_eq!(e.compute().unwrap(), every_other);
    let d = from_array(x, [8, 8]).unwrap();
    let opts = BlockMap::new().chunks(vec![vec![4, 4, 2], vec![4, 4, 2]]);
    let e = d.map_blocks_opts(&[], &opts, |b, _| {
        b[0].slice(s![..;2, ..;2]).into_owned().into_dyn()
    });
    assert_eq!(e.compute().unwrap(), every_other);
}

/// `test_map_blocks_block_info`: every block is told the shape, the number of
/// blocks, its location and its range, for the output and each input (here with a
/// scalar captured instead of passed).
#[test]
fn map_blocks_block_info() {
    let x = arange(0.0, 50.0, 1.0, [10]).unwrap();
    let y = &x + 1.0;
    let z = x.map_blocks_opts(&[&y], &BlockMap::new(), |b, info: &BlockInfo| {
        for i in info
            .inputs
            .iter()
            .map(|i| {
                (
                    &i.shape,
                    &i.num_chunks,
                    &i.array_location,
                    &i.chunk_location,
                )
            })
            .chain([(
                &info.output.shape,
                &info.output.num_chunks,
                &info.output.array_location,
                &info.output.chunk_location,
            )])
        {
            let (shape, num, loc, at) = i;
            assert_eq!(shape, &vec![50]);
            assert_eq!(num, &vec![5]);
            let (start, stop) = loc[0];
            assert_eq!(stop - start, 10);
            assert!(start <= 40 && (10..=50).contains(&stop));
            assert!(at[0] <= 4);
        }
        assert_eq!(info.chunk_shape, vec![10]);
        &b[0] + &b[1] + 100.0
    });
    let want: Vec<f64> = (0..50).map(|i| 2.0 * i as f64 + 101.0).collect();
    assert_eq!(z.compute().unwrap().into_raw_vec_and_offset().0, want);
}

/// `test_map_blocks_block_info_with_new_axis` (values as numbers, not text): an
/// output axis added, its blocks told where they sit in the output and the input.
#[test]
fn map_blocks_block_info_with_new_axis() {
    let values = from_array(ndarray::arr1(&[1.0, 1.0, 2.0, 3.0]).into_dyn(), [2]).unwrap();
    let opts = BlockMap::new()
        .new_axis(&[1])
        .chunks(vec![vec![2, 2], vec![3]]);
    let z = values.map_blocks_opts(&[], &opts, |b, info| {
        let input = &info.inputs[0];
        assert_eq!(
            (input.shape.clone(), input.num_chunks.clone()),
            (vec![4], vec![2])
        );
        assert_eq!(
            (info.output.shape.clone(), info.output.num_chunks.clone()),
            (vec![4, 3], vec![2, 1])
        );
        assert_eq!(info.chunk_shape, vec![2, 3]);
        match input.chunk_location[0] {
            0 => {
                assert_eq!(input.array_location, vec![(0, 2)]);
                assert_eq!(info.output.chunk_location, vec![0, 0]);
                assert_eq!(info.output.array_location, vec![(0, 2), (0, 3)]);
            }
            1 => {
                assert_eq!(input.array_location, vec![(2, 4)]);
                assert_eq!(info.output.chunk_location, vec![1, 0]);
                assert_eq!(info.output.array_location, vec![(2, 4), (0, 3)]);
            }
            other => panic!("block {other}"),
        }
        ArrayD::<f64>::ones(IxDyn(&[b[0].len(), 3]))
    });
    assert_eq!(z.compute().unwrap(), ArrayD::<f64>::ones(IxDyn(&[4, 3])));
}

/// `test_map_blocks_block_info_with_drop_axis`: a dropped axis is whole in each call
/// (the input's blocks along it are (2, 1), not (2, 3)); u32 values and sums.
#[test]
fn map_blocks_block_info_with_drop_axis() {
    let v: Vec<u32> = vec![1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 2048, 4096];
    let values = from_array(ArrayD::from_shape_vec(IxDyn(&[4, 3]), v).unwrap(), [2, 1]).unwrap();
    let z = values.map_blocks_opts(&[], &BlockMap::new().drop_axis(&[1]), |b, info| {
        let input = &info.inputs[0];
        assert_eq!(input.shape, vec![4, 3]);
        assert_eq!(input.num_chunks, vec![2, 1]);
        assert_eq!(
            (info.output.shape.clone(), info.output.num_chunks.clone()),
            (vec![4], vec![2])
        );
        assert_eq!(info.chunk_shape, vec![2]);
        match input.chunk_location.as_slice() {
            [0, 0] => {
                assert_eq!(input.array_location, vec![(0, 2), (0, 3)]);
                assert_eq!(
                    (
                        info.output.chunk_location.clone(),
                        info.output.array_location.clone()
                    ),
                    (vec![0], vec![(0, 2)])
                );
            }
            [1, 0] => {
                assert_eq!(input.array_location, vec![(2, 4), (0, 3)]);
                assert_eq!(
                    (
                        info.output.chunk_location.clone(),
                        info.output.array_location.clone()
                    ),
                    (vec![1], vec![(2, 4)])
                );
            }
            other => panic!("block {other:?}"),
        }
        b[0].sum_axis(Axis(1))
    });
    assert_eq!(
        z.compute().unwrap().into_raw_vec_and_offset().0,
        vec![7u32, 56, 448, 7168]
    );
}

/// `test_map_blocks_block_info_with_broadcast`: arrays of shapes (3, 4), (6, 2) and
/// (4,), paired block by block (one block along an axis serves every position), each
/// told its own block's place, and the output's, as Dask's expected dictionaries.
#[test]
fn map_blocks_block_info_with_broadcast() {
    let a = ones(&[3, 4], [3, 2]).unwrap();
    let b = ones(&[6, 2], [3, 2]).unwrap();
    let c = ones(&[4], [2]).unwrap();
    let opts = BlockMap::new().chunks(vec![vec![3, 3], vec![2, 2]]);
    let d = a.map_blocks_opts(&[&b, &c], &opts, |v, info| {
        let (i, j) = (info.output.chunk_location[0], info.output.chunk_location[1]);
        assert_eq!(info.output.shape, vec![6, 4]);
        assert_eq!(info.output.num_chunks, vec![2, 2]);
        assert_eq!(info.chunk_shape, vec![3, 2]);
        assert_eq!(
            info.output.array_location,
            vec![(3 * i, 3 * i + 3), (2 * j, 2 * j + 2)]
        );
        let [x, y, z] = &info.inputs[..] else {
            panic!("three inputs")
        };
        assert_eq!(
            (x.shape.clone(), x.num_chunks.clone()),
            (vec![3, 4], vec![1, 2])
        );
        assert_eq!(x.chunk_location, vec![0, j]);
        assert_eq!(x.array_location, vec![(0, 3), (2 * j, 2 * j + 2)]);
        assert_eq!(
            (y.shape.clone(), y.num_chunks.clone()),
            (vec![6, 2], vec![2, 1])
        );
        assert_eq!(y.chunk_location, vec![i, 0]);
        assert_eq!(y.array_location, vec![(3 * i, 3 * i + 3), (0, 2)]);
        assert_eq!((z.shape.clone(), z.num_chunks.clone()), (vec![4], vec![2]));
        assert_eq!(z.chunk_location, vec![j]);
        assert_eq!(z.array_location, vec![(2 * j, 2 * j + 2)]);
        &(&v[0] + &v[1]) + &v[2]
    });
    assert_eq!(chunks(&d), vec![vec![3, 3], vec![2, 2]]);
    assert_eq!(d.compute().unwrap(), ArrayD::from_elem(IxDyn(&[6, 4]), 3.0));
}

/// `test_map_blocks_with_kwargs`: `np.max(axis=0, keepdims=True)` per block, one
/// value a block.
#[test]
fn map_blocks_reducing_each_block_to_one() {
    let d = arange(0.0, 10.0, 1.0, [5]).unwrap();
    let r = d.map_blocks_opts(&[], &BlockMap::new().chunks(vec![vec![1]]), |b, _| {
        ndarray::arr1(&[b[0].fold(f64::MIN, |m, &x| m.max(x))]).into_dyn()
    });
    assert_eq!(
        r.compute().unwrap().into_raw_vec_and_offset().0,
        vec![4.0, 9.0]
    );
}

/// `test_map_blocks_infer_chunks_broadcast`,
/// `test_map_blocks_with_changed_dimension_and_broadcast_chunks` and
/// `test_map_blocks_chunks`: arrays whose shapes do not broadcast, paired block by
/// block, a single block serving every position; as many blocks are needed otherwise.
#[test]
fn map_blocks_pairs_blocks_as_dask() {
    let dx = from_array(
        ndarray::arr2(&[[1.0, 2.0, 3.0, 4.0]]).into_dyn(),
        vec![vec![1], vec![2, 2]],
    )
    .unwrap();
    let dy = from_array(
        ndarray::arr2(&[[10.0, 20.0], [30.0, 40.0]]).into_dyn(),
        vec![vec![1, 1], vec![2]],
    )
    .unwrap();
    let r = dx.map_blocks_with(&[&dy], |v, _| &v[0] + &v[1]);
    assert_eq!(chunks(&r), vec![vec![1, 1], vec![2, 2]]);
    assert_eq!(
        r.compute().unwrap(),
        ndarray::arr2(&[[11.0, 22.0, 13.0, 24.0], [31.0, 42.0, 33.0, 44.0]]).into_dyn()
    );
    let a = from_array(ndarray::arr1(&[1.0, 2.0, 3.0]).into_dyn(), [3]).unwrap();
    let b = from_array(
        ndarray::arr1(&[0.0, 1.0, 2.0, 0.0, 1.0, 2.0]).into_dyn(),
        [3],
    )
    .unwrap();
    let r = a.map_blocks_opts(
        &[&b],
        &BlockMap::new().chunks(b.chunks().to_vec()),
        |v, _| &v[0] + &v[1],
    );
    assert_eq!(
        r.compute().unwrap().into_raw_vec_and_offset().0,
        vec![1.0, 3.0, 5.0, 1.0, 3.0, 5.0]
    );
    let x = arange(0.0, 400.0, 1.0, [100]).unwrap();
    let y = arange(0.0, 40.0, 1.0, [10]).unwrap();
    let max = |v: &ndarray::ArrayViewD<'_, f64>| v.fold(f64::MIN, |m, &x| m.max(x));
    let r = x.map_blocks_opts(
        &[&y],
        &BlockMap::new().chunks(vec![vec![2]]),
        move |v, _| ndarray::arr1(&[max(&v[0]), max(&v[1])]).into_dyn(),
    );
    assert_eq!(
        r.compute().unwrap().into_raw_vec_and_offset().0,
        vec![99.0, 9.0, 199.0, 19.0, 299.0, 29.0, 399.0, 39.0]
    );
    // 4 blocks with 3: they cannot be paired.
    let z = arange(0.0, 30.0, 1.0, [10]).unwrap();
    let err = x
        .map_blocks_with(&[&z], |v, _| v[0].to_owned())
        .compute()
        .unwrap_err();
    assert!(err.to_string().contains("paired block by block"), "{err}");
}

/// `test_map_blocks_infer_newaxis`: chunks for one axis more than the blocks have,
/// no `new_axis`: the axis is added in front (`x[None]`).
#[test]
fn map_blocks_infers_a_leading_new_axis() {
    let x = ones(&[5, 3], [2, 2]).unwrap();
    let opts = BlockMap::new().chunks(vec![vec![1], vec![2, 2, 1], vec![2, 1]]);
    let y = x.map_blocks_opts(&[], &opts, |b, _| {
        b[0].clone().insert_axis(Axis(0)).into_owned()
    });
    assert_eq!(y.shape(), &[1, 5, 3]);
    assert_eq!(y.compute().unwrap(), ArrayD::<f64>::ones(IxDyn(&[1, 5, 3])));
}

/// `test_map_blocks_unique_name_drop_axis` and `..._new_axis`: the output's chunks
/// (and so its blocks' shapes) follow the axes dropped or added, and two such maps
/// of one input are different arrays.
#[test]
fn map_blocks_drop_or_add_one_axis() {
    let input = full(&[3, 4, 5], 0.0f32, vec![vec![3], vec![4], vec![5]]).unwrap();
    let zeros = |_: &[ndarray::ArrayViewD<'_, f32>], info: &BlockInfo| {
        ArrayD::<f32>::zeros(IxDyn(&info.chunk_shape))
    };
    let x = input.map_blocks_opts(&[], &BlockMap::new().drop_axis(&[0]), zeros);
    assert_eq!(x.chunks(), &[vec![4], vec![5]]);
    let y = input.map_blocks_opts(&[], &BlockMap::new().drop_axis(&[2]), zeros);
    assert_eq!(y.chunks(), &[vec![3], vec![4]]);
    assert_eq!(y.compute().unwrap(), ArrayD::<f32>::zeros(IxDyn(&[3, 4])));
    assert_ne!(x.token(), y.token());
    let input = full(&[3, 4], 0.0f32, vec![vec![3], vec![4]]).unwrap();
    let x = input.map_blocks_opts(&[], &BlockMap::new().new_axis(&[0]), zeros);
    assert_eq!(x.chunks(), &[vec![1], vec![3], vec![4]]);
    assert_eq!(
        x.compute().unwrap(),
        ArrayD::<f32>::zeros(IxDyn(&[1, 3, 4]))
    );
    let y = input.map_blocks_opts(&[], &BlockMap::new().new_axis(&[2]), zeros);
    assert_eq!(y.chunks(), &[vec![3], vec![4], vec![1]]);
    assert_ne!(x.token(), y.token());
}

/// `test_map_blocks_with_changed_dimension`, `..._with_negative_drop_axis` (axes are
/// `usize`: the negative form is the caller's) and `..._with_invalid_drop_axis`:
/// sums along a dropped axis, new axes at both ends, both at once; output chunks that
/// do not fit and axes out of range are errors.
#[test]
fn map_blocks_with_changed_dimension() {
    let x = grid(56, &[7, 8]);
    let d = from_array(x.clone(), [7, 4]).unwrap();
    let sum0 = |b: &[ndarray::ArrayViewD<'_, f64>], _: &BlockInfo| b[0].sum_axis(Axis(0));
    let e = d.map_blocks_opts(
        &[],
        &BlockMap::new().chunks(vec![vec![4]]).drop_axis(&[0]),
        sum0,
    );
    assert_eq!(chunks(&e), vec![vec![4, 4]]);
    assert_eq!(e.compute().unwrap(), x.sum_axis(Axis(0)));
    for bad in [
        BlockMap::new().chunks(vec![]).drop_axis(&[0]),
        BlockMap::new().chunks(vec![vec![4, 4, 4]]).drop_axis(&[0]),
        BlockMap::new().chunks(vec![vec![3, 4]]).drop_axis(&[1]),
        BlockMap::new().chunks(vec![vec![4]]).drop_axis(&[2]),
    ] {
        let err = d.map_blocks_opts(&[], &bad, sum0).compute().unwrap_err();
        assert!(err.to_string().contains("map_blocks"), "{err}");
    }
    let d = from_array(x.clone(), [4, 8]).unwrap();
    let e = d.map_blocks_opts(&[], &BlockMap::new().drop_axis(&[1]), |b, _| {
        b[0].sum_axis(Axis(1))
    });
    assert_eq!(chunks(&e), vec![vec![4, 3]]);
    assert_eq!(e.compute().unwrap(), x.sum_axis(Axis(1)));
    // New axes at both ends, with and without their chunks given.
    let x = grid(64, &[8, 8]);
    let d = from_array(x.clone(), [4, 4]).unwrap();
    let both_ends = |b: &[ndarray::ArrayViewD<'_, f64>], _: &BlockInfo| {
        b[0].clone()
            .insert_axis(Axis(0))
            .insert_axis(Axis(3))
            .into_owned()
    };
    let want = x.clone().insert_axis(Axis(0)).insert_axis(Axis(3));
    for opts in [
        BlockMap::new()
            .new_axis(&[0, 3])
            .chunks(vec![vec![1], vec![4], vec![4], vec![1]]),
        BlockMap::new().new_axis(&[0, 3]),
    ] {
        let e = d.map_blocks_opts(&[], &opts, both_ends);
        assert_eq!(chunks(&e), vec![vec![1], vec![4, 4], vec![4, 4], vec![1]]);
        assert_eq!(e.compute().unwrap(), want);
    }
    // A new axis past the output's end (a gap) is an error.
    let err = d
        .map_blocks_opts(&[], &BlockMap::new().new_axis(&[3, 4]), |b, _| {
            b[0].to_owned()
        })
        .compute()
        .unwrap_err();
    assert!(err.to_string().contains("new_axis"), "{err}");
    // Both: an axis dropped and two added.
    for (chunked, drop) in [([8, 4], 0), ([4, 8], 1)] {
        let d = from_array(x.clone(), chunked).unwrap();
        let opts = BlockMap::new().drop_axis(&[drop]).new_axis(&[1, 2]);
        let e = d.map_blocks_opts(&[], &opts, move |b, _| {
            b[0].sum_axis(Axis(drop))
                .insert_axis(Axis(1))
                .insert_axis(Axis(2))
        });
        assert_eq!(chunks(&e), vec![vec![4, 4], vec![1], vec![1]]);
        assert_eq!(
            e.compute().unwrap(),
            x.sum_axis(Axis(drop))
                .insert_axis(Axis(1))
                .insert_axis(Axis(2))
        );
    }
}

/// `test_chunk_shape_broadcast` with `enforce_ndim=True`: a block of the wrong number
/// of dimensions fails its task, naming the block (chunkwise always enforces).
#[test]
fn map_blocks_block_of_the_wrong_shape_fails_its_task() {
    let a = from_array(
        ndarray::arr1(&[1.0, 2.0, 2.0, 3.0, 3.0, 3.0]).into_dyn(),
        vec![vec![1, 2, 3]],
    )
    .unwrap();
    for ndim in 0..4 {
        let out = a.map_blocks_opts(
            &[],
            &BlockMap::new().chunks(vec![vec![1, 1, 1]]),
            move |_, _| ArrayD::from_elem(IxDyn(&vec![1; ndim]), 5.0),
        );
        match ndim {
            1 => assert_eq!(
                out.compute().unwrap().into_raw_vec_and_offset().0,
                vec![5.0; 3]
            ),
            _ => {
                let err = out.compute().unwrap_err().to_string();
                assert!(err.contains("map_blocks returned shape"), "{err}");
            }
        }
    }
}

/// `test_apply_along_axis`: a function of each lane whose result is longer, shorter,
/// of no dimension or of two, along each axis, against numpy's loop.
#[test]
fn apply_along_axis_as_numpys() {
    let x = grid(24, &[2, 3, 4]);
    let d = from_array(x.clone(), [1, 2, 3]).unwrap();
    for axis in 0..3 {
        // The lane, its cumulative sum and its sum: shape kept; a lane of one value
        // (the axis gone); a 2 x len outer product (two axes in its place).
        let y = d.apply_along_axis(axis, |l| l.mapv(|v| v * 2.0).into_dyn());
        assert_eq!(y.compute().unwrap(), &x * 2.0);
        let y = d.apply_along_axis(axis, |l| ndarray::arr0(l.sum()).into_dyn());
        assert_eq!(y.compute().unwrap(), x.sum_axis(Axis(axis)));
        let y = d.apply_along_axis(axis, |l| {
            let n = l.len();
            ArrayD::from_shape_fn(IxDyn(&[2, n]), |i| l[i[1]] * (i[0] + 1) as f64)
        });
        let mut want_shape = x.shape().to_vec();
        want_shape.splice(axis..=axis, [2, x.shape()[axis]]);
        assert_eq!(y.shape(), want_shape.as_slice());
        let got = y.compute().unwrap();
        for (ix, &v) in got.indexed_iter() {
            let ix = ix.slice().to_vec();
            let mut src = ix.clone();
            src.remove(axis);
            src[axis] = ix[axis + 1];
            assert_eq!(v, x[IxDyn(&src)] * (ix[axis] + 1) as f64);
        }
    }
    // A lane whose result changes shape fails its task.
    let err = d
        .apply_along_axis(2, |l| {
            ndarray::Array1::from_elem(if l[0] > 5.0 { 3 } else { 2 }, 1.0).into_dyn()
        })
        .compute()
        .unwrap_err();
    assert!(err.to_string().contains("apply_along_axis"), "{err}");
}
