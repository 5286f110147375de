//! Data-dependent selections against plain loops (following Dask's boolean-mask,
//! compress, argwhere/nonzero, unique, bincount, isin, searchsorted and digitize
//! tests): ragged chunks, chunks with nothing selected, all or nothing selected,
//! masks built from the array itself, NaN.

use chunkwise::array::{Chunks, DArray, Side, from_array, searchsorted};
use ndarray::{ArrayD, Axis, IxDyn};

fn grid(shape: &[usize]) -> ArrayD<f64> {
    let mut k = 3i64;
    ArrayD::from_shape_fn(IxDyn(shape), |_| {
        k = (k * 17 + 5) % 29;
        (k - 14) as f64
    })
}

#[test]
fn boolean_masks_select_in_row_major_order() {
    for (shape, chunks) in [
        (vec![11], Chunks::Shape(vec![4])),
        (vec![11], Chunks::Shape(vec![11])),
        (vec![5, 7], Chunks::Shape(vec![2, 3])),
        (vec![3, 4, 5], Chunks::Shape(vec![2, 3, 2])),
        (vec![6, 4], Chunks::Explicit(vec![vec![0, 1, 5], vec![4]])),
    ] {
        let a = grid(&shape);
        let x = from_array(a.clone(), chunks.clone()).unwrap();
        for threshold in [-100.0, 0.0, 5.0, 100.0] {
            let got = x.mask(&x.gt(threshold));
            let want: Vec<f64> = a.iter().copied().filter(|&v| v > threshold).collect();
            assert_eq!(
                got.shape(),
                &[want.len()],
                "{shape:?} {chunks:?} > {threshold}"
            );
            assert_eq!(got.compute().unwrap().into_raw_vec_and_offset().0, want);
            // The result is an ordinary array: reductions and arithmetic work on it.
            let s: f64 = want.iter().sum();
            assert_eq!(got.sum(None).compute_scalar().unwrap(), s);
            assert_eq!((&got * 2.0).compute().unwrap().len(), want.len());
        }
    }
    let x = from_array(grid(&[4, 4]), [2, 2]).unwrap();
    let other = from_array(grid(&[4, 3]), [2, 2]).unwrap();
    let e = x.mask(&other.gt(0.0)).compute().unwrap_err().to_string();
    assert!(e.contains("does not match"), "{e}");
}

#[test]
fn typed_masks_and_compress_along_an_axis() {
    let a = ArrayD::from_shape_fn(IxDyn(&[4, 9]), |i| (i[0] * 9 + i[1]) as i32);
    let x: DArray<i32> = from_array(a.clone(), [3, 4]).unwrap();
    let cond: Vec<bool> = (0..9).map(|j| j % 3 != 1).collect();
    let c: DArray<bool> = from_array(
        ArrayD::from_shape_vec(IxDyn(&[9]), cond.clone()).unwrap(),
        [5],
    )
    .unwrap();
    let keep: Vec<usize> = (0..9).filter(|&j| cond[j]).collect();
    assert_eq!(
        x.compress(&c, 1).compute().unwrap(),
        a.select(Axis(1), &keep)
    );
    let rows: DArray<bool> = from_array(
        ArrayD::from_shape_vec(IxDyn(&[4]), vec![false, true, false, true]).unwrap(),
        [1],
    )
    .unwrap();
    assert_eq!(
        x.compress(&rows, 0).compute().unwrap(),
        a.select(Axis(0), &[1, 3])
    );
    let e = x.compress(&rows, 1).compute().unwrap_err().to_string();
    assert!(e.contains("compress"), "{e}");
    // Nothing selected: an empty array of the right shape.
    let none = x.mask(&x.lt(0));
    assert_eq!(none.shape(), &[0]);
    assert_eq!(none.compute().unwrap().len(), 0);
}

#[test]
fn argwhere_and_nonzero() {
    let a = grid(&[5, 6]);
    let b = a.mapv(|v| v > 3.0);
    let x: DArray<bool> = from_array(b.clone(), [2, 4]).unwrap();
    let want: Vec<i64> = b
        .indexed_iter()
        .filter(|(_, v)| **v)
        .flat_map(|(i, _)| vec![i[0] as i64, i[1] as i64])
        .collect();
    let got = x.argwhere().compute().unwrap();
    assert_eq!(got.shape(), &[want.len() / 2, 2]);
    assert_eq!(got.into_raw_vec_and_offset().0, want);
    let nz = x.nonzero();
    assert_eq!(nz.len(), 2);
    let rows: Vec<i64> = want.iter().step_by(2).copied().collect();
    let cols: Vec<i64> = want.iter().skip(1).step_by(2).copied().collect();
    assert_eq!(nz[0].compute().unwrap().into_raw_vec_and_offset().0, rows);
    assert_eq!(nz[1].compute().unwrap().into_raw_vec_and_offset().0, cols);
}

#[test]
fn unique_and_bincount() {
    let a = ArrayD::from_shape_fn(IxDyn(&[7, 5]), |i| ((i[0] * 5 + i[1]) * 7 % 11) as i64);
    let x: DArray<i64> = from_array(a.clone(), [3, 2]).unwrap();
    let mut want: Vec<i64> = a.iter().copied().collect();
    want.sort_unstable();
    want.dedup();
    assert_eq!(x.unique().compute().unwrap().to_vec(), want);
    let mut counts = vec![0i64; 15];
    for &v in a.iter() {
        counts[v as usize] += 1;
    }
    assert_eq!(x.bincount(15).compute().unwrap().to_vec(), counts);
    assert_eq!(
        x.bincount(0).compute().unwrap().to_vec(),
        counts[..11].to_vec()
    );
    let neg = x.astype::<f64>() - 3.0;
    let e = neg.bincount(0).compute().unwrap_err().to_string();
    assert!(e.contains("negative") && e.contains("-3"), "{e}");
    // NaN: one value, last, as numpy's unique.
    let f = from_array(
        ArrayD::from_shape_vec(IxDyn(&[6]), vec![2.0, f64::NAN, -1.0, 2.0, f64::NAN, 0.5]).unwrap(),
        [4],
    )
    .unwrap();
    let u = f.unique().compute().unwrap();
    assert_eq!(u.len(), 4);
    assert_eq!(&u.to_vec()[..3], &[-1.0, 0.5, 2.0]);
    assert!(u[3].is_nan());
    // An array carrying an error: the lazy values fail with it.
    let bad = x.sum(5);
    assert!(bad.unique().compute().is_err());
    assert!(bad.bincount(2).compute().is_err());
    // Empty.
    let empty: DArray<i32> = from_array(ArrayD::zeros(IxDyn(&[0])), [1]).unwrap();
    assert_eq!(empty.unique().compute().unwrap().len(), 0);
    assert_eq!(empty.bincount(3).compute().unwrap().to_vec(), vec![0, 0, 0]);
}

#[test]
fn isin_searchsorted_and_digitize() {
    let v = vec![-1.0, 0.0, 0.5, 1.0, 2.0, 2.5, 3.0, 4.0, f64::NAN];
    let x = from_array(ArrayD::from_shape_vec(IxDyn(&[9]), v.clone()).unwrap(), [4]).unwrap();
    let got = x.isin(&[2.0, 4.0, f64::NAN, -1.0]).compute().unwrap();
    let want: Vec<bool> = v.iter().map(|&e| [2.0, 4.0, -1.0].contains(&e)).collect();
    assert_eq!(got.into_raw_vec_and_offset().0, want);
    let bins = [0.0, 1.0, 2.5, 4.0];
    // numpy: searchsorted(bins, v, 'left') and 'right'; NaN goes last.
    let left = searchsorted(&bins, &x, Side::Left).compute().unwrap();
    assert_eq!(
        left.into_raw_vec_and_offset().0,
        vec![0, 0, 1, 1, 2, 2, 3, 3, 4]
    );
    let right = searchsorted(&bins, &x, Side::Right).compute().unwrap();
    assert_eq!(
        right.into_raw_vec_and_offset().0,
        vec![0, 1, 1, 2, 2, 3, 3, 4, 4]
    );
    // numpy: digitize(v, bins) and right=True; decreasing bins.
    assert_eq!(
        x.digitize(&bins, false)
            .compute()
            .unwrap()
            .into_raw_vec_and_offset()
            .0,
        vec![0, 1, 1, 2, 2, 3, 3, 4, 4]
    );
    assert_eq!(
        x.digitize(&bins, true)
            .compute()
            .unwrap()
            .into_raw_vec_and_offset()
            .0,
        vec![0, 0, 1, 1, 2, 2, 3, 3, 4]
    );
    let down = [4.0, 2.5, 1.0, 0.0];
    // np.digitize([-1, 0, .5, 1, 2, 2.5, 3, 4, nan], [4, 2.5, 1, 0]) == [4 3 3 2 2 1 1 0 0]
    assert_eq!(
        x.digitize(&down, false)
            .compute()
            .unwrap()
            .into_raw_vec_and_offset()
            .0,
        vec![4, 3, 3, 2, 2, 1, 1, 0, 0]
    );
    // right=True: [4 4 3 3 2 2 1 1 0]
    assert_eq!(
        x.digitize(&down, true)
            .compute()
            .unwrap()
            .into_raw_vec_and_offset()
            .0,
        vec![4, 4, 3, 3, 2, 2, 1, 1, 0]
    );
    assert!(x.digitize(&[1.0, 0.0, 2.0], false).compute().is_err());
    assert!(searchsorted(&[2.0, 1.0], &x, Side::Left).compute().is_err());
}
