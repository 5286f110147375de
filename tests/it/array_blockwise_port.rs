//! Dask's `da.blockwise` tests with index labels (test_array_core.py:
//! `test_blockwise_literals`, `test_blockwise_1_in_shape_I/II/III`,
//! `test_blockwise_concatenate`, `test_uneven_chunks_blockwise`,
//! `test_blockwise_zero_shape`, `test_blockwise_zero_shape_new_axes`), against
//! ndarray on the same data. Dask's `concatenate=True` is chunkwise's only mode; its
//! literal arguments are what the closures capture.

use chunkwise::array::{DArray, blockwise, from_array, ones, zeros};
use ndarray::{ArrayD, ArrayViewD, Axis, Ix2, IxDyn};

use super::array_dask_port::rand_f64;

/// `test_blockwise_literals`: `add(x, 100)`, `x * 2 + 100`, `x[:]`.
#[test]
fn blockwise_literals() {
    let x = ones(&[10, 10], [5, 5]).unwrap();
    let want = |v: f64| ArrayD::from_elem(IxDyn(&[10, 10]), v);
    let z = blockwise("ij", &[(&x, "ij")], &[], |v| Ok(&v[0] + 100.0));
    assert_eq!(z.compute().unwrap(), want(101.0));
    let (two, hundred) = (2.0, 100.0);
    let z = blockwise("ij", &[(&x, "ij")], &[], move |v| {
        Ok(v[0].mapv(|a| two * a + hundred))
    });
    assert_eq!(z.compute().unwrap(), want(102.0));
    let z = blockwise("ij", &[(&x, "ij")], &[], |v| Ok(v[0].to_owned()));
    assert_eq!(z.compute().unwrap(), want(1.0));
    assert_eq!(z.chunks(), x.chunks());
}

/// The function of `test_blockwise_1_in_shape_*`: the second input keeps its axis of
/// length 1 (it broadcasts; it is not stretched), and the block is the first input's
/// sum over its other axes, so the values can be checked too.
fn one_in_shape(v: &[ArrayViewD<'_, f64>]) -> chunkwise::Result<ArrayD<f64>> {
    assert!(v[1].shape().contains(&1), "{:?}", v[1].shape());
    let mut s = v[0].to_owned();
    while s.ndim() > 1 {
        s = s.sum_axis(Axis(1));
    }
    Ok(s)
}

/// `test_blockwise_1_in_shape_I`, `_II` and `_III`.
#[test]
fn blockwise_1_in_shape() {
    let (p, k, n) = (7usize, 2usize, 5usize);
    // (x's shape and chunks, y's shape and chunks, labels)
    type Case = (Vec<usize>, Vec<usize>, Vec<usize>, Vec<usize>, &'static str);
    let cases: Vec<Case> = vec![
        (
            vec![2 * p, 9, k * n],
            vec![p, 3, k],
            vec![2 * p, 9, 1],
            vec![p, 3, 1],
            "xzt",
        ),
        (
            vec![2 * p, 9, k * n, 8],
            vec![p, 9, k, 4],
            vec![2 * p, 9, 1, 8],
            vec![p, 9, 1, 4],
            "xztu",
        ),
        (
            vec![k * n, 9, 8],
            vec![k, 3, 4],
            vec![1, 9, 8],
            vec![1, 3, 4],
            "xtu",
        ),
    ];
    for (i, (sa, ca, sb, cb, labels)) in cases.into_iter().enumerate() {
        let a = rand_f64(&sa, 60 + i as u64);
        let x = from_array(a.clone(), ca).unwrap();
        let y = zeros(&sb, cb).unwrap();
        let z = blockwise("x", &[(&x, labels), (&y, labels)], &[], one_in_shape);
        let mut want = a;
        while want.ndim() > 1 {
            want = want.sum_axis(Axis(1));
        }
        let got = z.compute().unwrap();
        assert!(
            got.iter().zip(&want).all(|(g, w)| (g - w).abs() < 1e-12),
            "{labels}"
        );
    }
}

/// `test_blockwise_concatenate`: blocks along labels absent from the output arrive
/// whole, and the shapes Dask asserts.
#[test]
fn blockwise_concatenate() {
    let x = ones(&[4, 4, 4], [2, 2, 2]).unwrap();
    let y = ones(&[4, 4], [2, 2]).unwrap();
    let z = blockwise("i", &[(&x, "ijk"), (&y, "jk")], &[], |v| {
        assert_eq!((v[0].shape(), v[1].shape()), (&[2, 4, 4][..], &[4, 4][..]));
        Ok((&v[0] + &v[1]).sum_axis(Axis(2)).sum_axis(Axis(1)))
    });
    assert_eq!(z.compute().unwrap(), ArrayD::from_elem(IxDyn(&[4]), 32.0));
    let z = blockwise("ij", &[(&y, "ij"), (&y, "ij")], &[], |v| Ok(&v[0] + &v[1]));
    assert_eq!(z.compute().unwrap(), ArrayD::from_elem(IxDyn(&[4, 4]), 2.0));
    let z = blockwise("j", &[(&x, "ijk"), (&y, "ki"), (&y, "ij")], &[], |v| {
        assert_eq!(v[0].shape(), &[4, 2, 4]);
        assert_eq!(v[1].shape(), &[4, 4]);
        assert_eq!(v[2].shape(), &[4, 2]);
        Ok(ArrayD::from_elem(IxDyn(&[2]), 1.0))
    });
    assert_eq!(z.compute().unwrap(), ArrayD::from_elem(IxDyn(&[4]), 1.0));
}

/// `test_uneven_chunks_blockwise`: `np.dot` over "ij,jk->ik" with unequal cuts of the
/// shared label; the output keeps x's row cuts and y's column cuts.
#[test]
fn uneven_chunks_blockwise() {
    let (a, b) = (rand_f64(&[10, 10], 71), rand_f64(&[10, 10], 72));
    let x = from_array(a.clone(), vec![vec![2, 3, 2, 3], vec![5, 5]]).unwrap();
    let y = from_array(b.clone(), vec![vec![4, 4, 2], vec![4, 2, 4]]).unwrap();
    let z = blockwise("ik", &[(&x, "ij"), (&y, "jk")], &[], |v| {
        let p = v[0].view().into_dimensionality::<Ix2>().unwrap();
        let q = v[1].view().into_dimensionality::<Ix2>().unwrap();
        Ok(p.dot(&q).into_dyn())
    });
    assert_eq!(z.chunks(), &[x.chunks()[0].clone(), y.chunks()[1].clone()]);
    let want = a
        .into_dimensionality::<Ix2>()
        .unwrap()
        .dot(&b.into_dimensionality::<Ix2>().unwrap());
    let got = z.compute().unwrap();
    assert!(
        got.iter()
            .zip(want.iter())
            .all(|(g, w)| (g - w).abs() < 1e-12)
    );
}

fn empty(shape: &[usize], chunks: Vec<Vec<usize>>) -> DArray<f64> {
    from_array(ArrayD::<f64>::ones(IxDyn(shape)), chunks).unwrap()
}

/// `test_blockwise_zero_shape` and `test_blockwise_zero_shape_new_axes`: inputs with
/// an axis of length 0 (summed away), and a new axis of 42.
#[test]
fn blockwise_zero_shape() {
    let r = from_array(ArrayD::from_shape_fn(IxDyn(&[10]), |i| i[0] as f64), [10]).unwrap();
    let (e2, e1) = (
        empty(&[0, 2], vec![vec![0], vec![2]]),
        empty(&[0], vec![vec![0]]),
    );
    let z = blockwise("i", &[(&r, "i"), (&e2, "ab"), (&e1, "a")], &[], |v| {
        assert_eq!((v[1].shape(), v[2].shape()), (&[0, 2][..], &[0][..]));
        Ok(v[0].to_owned())
    });
    assert_eq!(z.compute().unwrap(), r.compute().unwrap());
    let z = blockwise("i", &[(&e2, "ab"), (&e1, "a")], &[('i', 42)], |_| {
        Ok(ArrayD::from_elem(IxDyn(&[42]), 1.0))
    });
    assert_eq!(z.chunks(), &[vec![42]]);
    assert_eq!(z.compute().unwrap(), ArrayD::from_elem(IxDyn(&[42]), 1.0));
}

/// What Dask raises on, and a function that gives a block of the wrong shape.
#[test]
fn blockwise_errors() {
    let x = ones(&[4, 6], [2, 3]).unwrap();
    let y = ones(&[5, 6], [5, 3]).unwrap();
    let id = |v: &[ArrayViewD<'_, f64>]| Ok(v[0].to_owned());
    let msg = |z: DArray<f64>| z.compute().unwrap_err().to_string();
    assert!(msg(blockwise("ij", &[(&x, "ij"), (&y, "ij")], &[], id)).contains("lengths 4 and 5"));
    assert!(msg(blockwise("ij", &[(&x, "i")], &[], id)).contains("1 labels for 2 dimensions"));
    assert!(msg(blockwise("iz", &[(&x, "ij")], &[], id)).contains("'z'"));
    assert!(msg(blockwise("ii", &[(&x, "ij")], &[], id)).contains("repeats"));
    assert!(msg(blockwise("ij", &[(&x, "ij")], &[('j', 3)], id)).contains("new axis"));
    let wrong = blockwise("ij", &[(&x, "ij")], &[], |v| Ok(v[0].t().to_owned()));
    assert!(msg(wrong).contains("shape [3, 2]"));
}

/// `test_ufunc_outer` (test_ufunc.py): `add.outer` of arrays of one and two
/// dimensions both ways, with arrays in memory, scalars (0-d), a lazy sum and a
/// list, against loops; a float operand cast first (numpy's promotion). Its `out=`
/// and `sin.outer` errors cannot be written: the types forbid them.
#[test]
fn ufunc_outer() {
    let ints = |shape: &[usize], seed: u64| rand_f64(shape, seed).mapv(|v| 1 + (v * 99.0) as i64);
    let (arr1, arr2) = (ints(&[20], 81), ints(&[10, 3], 82));
    let darr1 = from_array(arr1.clone(), [3]).unwrap();
    let darr2 = from_array(arr2.clone(), [3, 3]).unwrap();
    let outer = |a: &ArrayD<i64>, b: &ArrayD<i64>| {
        let shape: Vec<usize> = a.shape().iter().chain(b.shape()).copied().collect();
        let v: Vec<i64> = a
            .iter()
            .flat_map(|&x| b.iter().map(move |&y| x + y))
            .collect();
        ArrayD::from_shape_vec(IxDyn(&shape), v).unwrap()
    };
    let add = |a: &DArray<i64>, b: &DArray<i64>| a.outer_with(b, |x, y| x + y).compute().unwrap();
    let scalar = |v: i64| ArrayD::from_elem(IxDyn(&[]), v);
    let lazy = |a: &ArrayD<i64>| from_array(a.clone(), vec![2; a.ndim()]).unwrap();
    assert_eq!(add(&darr1, &darr2), outer(&arr1, &arr2));
    assert_eq!(add(&darr2, &darr1), outer(&arr2, &arr1));
    assert_eq!(add(&darr1, &lazy(&arr2)), outer(&arr1, &arr2));
    assert_eq!(add(&darr1, &lazy(&scalar(1))), outer(&arr1, &scalar(1)));
    assert_eq!(add(&lazy(&scalar(1)), &darr2), outer(&scalar(1), &arr2));
    let list = ArrayD::from_shape_vec(IxDyn(&[3]), vec![1, 2, 3]).unwrap();
    assert_eq!(add(&lazy(&list), &darr2), outer(&list, &arr2));
    let sum = darr1.sum(chunkwise::array::Axes::All);
    assert_eq!(add(&sum, &darr2), outer(&scalar(arr1.sum()), &arr2));
    // A float operand: both as f64 (numpy promotes), 1.5 + ints.
    let got = darr2
        .astype::<f64>()
        .outer_with(&darr1.astype::<f64>(), |x, y| x + y)
        .compute()
        .unwrap();
    assert_eq!(got, outer(&arr2, &arr1).mapv(|v| v as f64));
    let half = from_array(ArrayD::from_elem(IxDyn(&[]), 1.5), Vec::<usize>::new()).unwrap();
    let got = half
        .outer_with(&darr2.astype::<f64>(), |x, y| x + y)
        .compute()
        .unwrap();
    assert_eq!(got, arr2.mapv(|v| v as f64 + 1.5));
}
