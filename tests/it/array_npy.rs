//! `.npy` files and stacks (following Dask's to_npy_stack tests and numpy's format):
//! every element type, 0-d, 1-d, empty and ragged arrays, chunks read at their
//! offsets, stacks along any axis; cut-short, mistyped and Fortran-order files are
//! errors naming the file.

use std::path::Path;

use chunkwise::array::{DArray, Element, from_array, from_npy, from_npy_stack, store};
use ndarray::{ArrayD, Dimension, IxDyn};

fn round_trip<T: Element>(dir: &Path, f: impl Fn(usize) -> T) {
    for shape in [vec![7usize, 5, 3], vec![11], vec![], vec![0, 4]] {
        let a = ArrayD::from_shape_fn(IxDyn(&shape), |i| {
            f((0..i.ndim())
                .map(|d| i[d])
                .enumerate()
                .map(|(d, k)| k * (d + 3))
                .sum())
        });
        let chunks: Vec<usize> = shape.iter().map(|&n| (n / 2).max(1)).collect();
        let x: DArray<T> = from_array(a.clone(), chunks.clone()).unwrap();
        let p = dir.join(format!("{}-{}.npy", T::DTYPE, shape.len()));
        x.to_npy(&p).unwrap();
        let back = from_npy::<T>(&p, chunks.iter().map(|&c| c + 1).collect::<Vec<_>>()).unwrap();
        assert_eq!(back.compute().unwrap(), a, "{} {shape:?}", T::DTYPE);
        if !shape.is_empty() && shape[0] > 0 {
            let axis = shape.len() - 1;
            let s = dir.join(format!("{}-{}-stack", T::DTYPE, shape.len()));
            x.to_npy_stack(&s, axis).unwrap();
            assert_eq!(from_npy_stack::<T>(&s).unwrap().compute().unwrap(), a);
        }
    }
}

#[test]
fn every_element_type_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    each_element_type!(round_trip, dir.path());
}

#[test]
fn bad_files_are_errors_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.npy");
    let a = ArrayD::from_shape_fn(IxDyn(&[20, 3]), |i| (i[0] * 3 + i[1]) as f64);
    let x = from_array(a.clone(), [6, 3]).unwrap();
    x.to_npy(&p).unwrap();
    // Another element type.
    let e = from_npy::<i64>(&p, [5, 3]).unwrap_err().to_string();
    assert!(e.contains("a.npy") && e.contains("<f8"), "{e}");
    // Cut short.
    let bytes = std::fs::read(&p).unwrap();
    let cut = dir.path().join("cut.npy");
    std::fs::write(&cut, &bytes[..bytes.len() - 9]).unwrap();
    let e = from_npy::<f64>(&cut, [5, 3]).unwrap_err().to_string();
    assert!(e.contains("cut.npy") && e.contains("cut short"), "{e}");
    // Not .npy at all, and Fortran order.
    let junk = dir.path().join("junk.npy");
    std::fs::write(&junk, b"hello, world").unwrap();
    assert!(
        from_npy::<f64>(&junk, [1])
            .unwrap_err()
            .to_string()
            .contains("junk.npy")
    );
    let fortran = dir.path().join("f.npy");
    let (from, to) = (b"'fortran_order': False", b"'fortran_order': True ");
    let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
    let mut f_bytes = bytes.clone();
    f_bytes[at..at + to.len()].copy_from_slice(to);
    std::fs::write(&fortran, &f_bytes).unwrap();
    let e = from_npy::<f64>(&fortran, [5, 3]).unwrap_err().to_string();
    assert!(e.contains("f.npy") && e.contains("Fortran"), "{e}");
    // A missing file of a stack, and a file that does not stack.
    let s = dir.path().join("stack");
    x.to_npy_stack(&s, 0).unwrap();
    std::fs::remove_file(s.join("1.npy")).unwrap();
    assert!(
        from_npy_stack::<f64>(&s)
            .unwrap_err()
            .to_string()
            .contains("stack")
    );
    x.to_npy_stack(&s, 0).unwrap();
    from_array(ArrayD::<f64>::zeros(IxDyn(&[2, 4])), [2, 4])
        .unwrap()
        .to_npy(s.join("2.npy"))
        .unwrap();
    let e = from_npy_stack::<f64>(&s).unwrap_err().to_string();
    assert!(e.contains("2.npy") && e.contains("does not stack"), "{e}");
    // Writing over a stack of more files replaces it whole (no stale 3.npy).
    x.to_npy_stack(&s, 0).unwrap();
    from_array(a.clone(), [10, 3])
        .unwrap()
        .to_npy_stack(&s, 0)
        .unwrap();
    assert!(!s.join("2.npy").exists());
    assert_eq!(from_npy_stack::<f64>(&s).unwrap().compute().unwrap(), a);
}

#[test]
fn npy_and_zarr_in_one_store() {
    let dir = tempfile::tempdir().unwrap();
    let x = chunkwise::array::random_uniform(0.0, 1.0, &[30, 10], [7, 4], 1).unwrap();
    let mut writes = vec![
        x.to_npy_lazy(dir.path().join("x.npy")).unwrap(),
        x.to_npy_stack_lazy(dir.path().join("xs"), 1).unwrap(),
    ];
    #[cfg(feature = "zarr")]
    writes.push(x.to_zarr_lazy(dir.path().join("x.zarr")).unwrap());
    store(writes).unwrap();
    let want = x.compute().unwrap();
    assert_eq!(
        from_npy::<f64>(dir.path().join("x.npy"), [8, 10])
            .unwrap()
            .compute()
            .unwrap(),
        want
    );
    assert_eq!(
        from_npy_stack::<f64>(dir.path().join("xs"))
            .unwrap()
            .compute()
            .unwrap(),
        want
    );
}
