//! `.npy` files and stacks (following Dask's to_npy_stack tests and numpy's format):
//! every element type, 0-d, 1-d, empty and ragged arrays, chunks read at their
//! offsets, stacks along any axis, Fortran-order and big-endian files; cut-short and
//! mistyped files are errors naming the file.

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
    // A header that names no order is an error; Fortran order and big-endian files
    // read as numpy reads them (see `other_orders_read_as_numpy_reads_them`).
    let no_order = dir.path().join("f.npy");
    std::fs::write(
        &no_order,
        edit_header(&bytes, b"'fortran_order'", b"'fortran_ordxr'"),
    )
    .unwrap();
    let e = from_npy::<f64>(&no_order, [5, 3]).unwrap_err().to_string();
    assert!(e.contains("f.npy") && e.contains("fortran_order"), "{e}");
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
    assert!(
        e.contains("2.npy") && e.contains("info announces 6 along axis 0"),
        "{e}"
    );
    // Without `info` saying the axis: an error, as in Dask, not a guess at axis 0.
    std::fs::remove_file(s.join("info")).unwrap();
    let e = from_npy_stack::<f64>(&s).unwrap_err().to_string();
    assert!(e.contains("stack") && e.contains("no `info`"), "{e}");
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

/// `bytes` with the first `from` in its header replaced by `to` (of the same length).
fn edit_header(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
    let mut out = bytes.to_vec();
    out[at..at + to.len()].copy_from_slice(to);
    out
}

/// Files in Fortran (column-major) order, as `np.save` writes a transposed array, and
/// big-endian files, made here by rewriting a C-order little-endian file's header and
/// data: every chunking, ragged and whole, reads the same values as the C-order file.
#[test]
fn other_orders_read_as_numpy_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let a = ArrayD::from_shape_fn(IxDyn(&[7, 4, 3]), |i| {
        (i[0] * 12 + i[1] * 3 + i[2]) as i32 - 20
    });
    let c = dir.path().join("c.npy");
    from_array(a.clone(), [7, 4, 3])
        .unwrap()
        .to_npy(&c)
        .unwrap();
    let bytes = std::fs::read(&c).unwrap();
    let start = bytes.len() - a.len() * 4;
    let (head, data) = bytes.split_at(start);
    // Fortran order: the same header but for the flag, the elements column-major.
    let mut f = edit_header(head, b"'fortran_order': False", b"'fortran_order': True ");
    for v in a.t().iter() {
        f.extend_from_slice(&v.to_le_bytes());
    }
    // Big-endian: '>i4', each element's bytes reversed.
    let mut b = edit_header(head, b"'<i4'", b"'>i4'");
    b.extend(data.chunks(4).flat_map(|e| e.iter().rev().copied()));
    // Both at once.
    let mut fb = edit_header(&f[..start], b"'<i4'", b"'>i4'");
    fb.extend(f[start..].chunks(4).flat_map(|e| e.iter().rev().copied()));
    for (name, file) in [("f.npy", f), ("b.npy", b), ("fb.npy", fb)] {
        let p = dir.path().join(name);
        std::fs::write(&p, file).unwrap();
        for chunks in [vec![7, 4, 3], vec![3, 2, 2], vec![1, 4, 1], vec![5, 1, 3]] {
            let got = from_npy::<i32>(&p, chunks.clone())
                .unwrap()
                .compute()
                .unwrap();
            assert_eq!(got, a, "{name} in chunks {chunks:?}");
        }
    }
}

/// A stack as Dask's `to_npy_stack` leaves it: `0.npy`, `1.npy` and `info`, pickled by
/// Python with a numpy dtype object in it (`{"chunks": ((4,), (3, 3)), "dtype":
/// np.dtype("float64"), "axis": 1}`, protocol 5, as `pickle.dump` wrote it), read along
/// axis 1; and chunkwise's own `info`, read back as Python's pickle reads it (checked
/// against Python by `scripts/zarr-test.sh`).
#[test]
fn dask_stacks_read_along_their_axis() {
    const INFO: &[u8] = b"\x80\x05\x95a\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x06chunks\x94K\x04\x85\x94K\x03K\x03\x86\x94\x86\x94\x8c\x05dtype\x94\x8c\x05numpy\x94\x8c\x05dtype\x94\x93\x94\x8c\x02f8\x94\x89\x88\x87\x94R\x94(K\x03\x8c\x01<\x94NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t\x94b\x8c\x04axis\x94K\x01u.";
    let dir = tempfile::tempdir().unwrap();
    let a = ArrayD::from_shape_fn(IxDyn(&[4, 6]), |i| (i[0] * 6 + i[1]) as f64);
    let s = dir.path().join("dask");
    std::fs::create_dir(&s).unwrap();
    for k in 0..2 {
        let part = a
            .slice(ndarray::s![.., 3 * k..3 * k + 3])
            .to_owned()
            .into_dyn();
        from_array(part, [4, 3])
            .unwrap()
            .to_npy(s.join(format!("{k}.npy")))
            .unwrap();
    }
    std::fs::write(s.join("info"), INFO).unwrap();
    let x = from_npy_stack::<f64>(&s).unwrap();
    assert_eq!(x.chunks(), &[vec![4], vec![3, 3]]);
    assert_eq!(x.compute().unwrap(), a);
    // A stack written here along axis 1 reads back the same.
    let ours = dir.path().join("ours");
    from_array(a.clone(), [2, 2])
        .unwrap()
        .to_npy_stack(&ours, 1)
        .unwrap();
    assert_eq!(from_npy_stack::<f64>(&ours).unwrap().compute().unwrap(), a);
    // An `info` that is not a pickle: an error naming it.
    std::fs::write(s.join("info"), b"not a pickle").unwrap();
    let e = from_npy_stack::<f64>(&s).unwrap_err().to_string();
    assert!(e.contains("info") && e.contains("pickle"), "{e}");
}
