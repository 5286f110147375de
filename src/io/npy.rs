//! NumPy's `.npy` format (versions 1 to 3): the header written and parsed, the data
//! read and written by byte ranges so chunks of one file are read and written by
//! separate tasks. Knows no engine and no array type: element types are numpy's
//! `descr` strings and bytes.

use std::fs::File;
use std::path::Path;

use crate::{Error, Result};

const MAGIC: &[u8] = b"\x93NUMPY";

/// A parsed header: the element type (`descr`, e.g. `<f8`), the shape, whether the
/// data are in Fortran (column-major) order, and where they start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) descr: String,
    pub(crate) shape: Vec<usize>,
    pub(crate) fortran: bool,
    pub(crate) data_offset: u64,
}

/// The bytes of a version 1.0 header (2.0 past 64 KiB) for a C-order array, padded so
/// the data start at a multiple of 64 bytes, as numpy writes it.
pub(crate) fn header(descr: &str, shape: &[usize]) -> Vec<u8> {
    let dims = match shape {
        [n] => format!("({n},)"),
        s => format!(
            "({})",
            s.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {dims}, }}");
    for (major, len_bytes) in [(1u8, 2usize), (2, 4)] {
        let unpadded = MAGIC.len() + 2 + len_bytes + dict.len() + 1;
        let total = unpadded.div_ceil(64) * 64;
        let hlen = total - MAGIC.len() - 2 - len_bytes;
        if len_bytes == 2 && hlen > u16::MAX as usize {
            continue;
        }
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[major, 0]);
        if len_bytes == 2 {
            out.extend_from_slice(&(hlen as u16).to_le_bytes());
        } else {
            out.extend_from_slice(&(hlen as u32).to_le_bytes());
        }
        out.extend_from_slice(dict.as_bytes());
        out.resize(total - 1, b' ');
        out.push(b'\n');
        return out;
    }
    unreachable!("a version 2.0 header holds any dict")
}

fn bad(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::invalid(format!(
        "{}: not a .npy file chunkwise can read: {why}",
        path.display()
    ))
}

/// The value of `'key': ` in a header dict, up to the next `,` outside parentheses.
fn field<'a>(dict: &'a str, key: &str) -> Option<&'a str> {
    let at = dict.find(&format!("'{key}'"))? + key.len() + 2;
    let rest = dict[at..].trim_start().strip_prefix(':')?.trim_start();
    let mut depth = 0;
    for (i, c) in rest.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&rest[..=i]);
                }
            }
            ',' | '}' if depth == 0 => return Some(rest[..i].trim()),
            _ => {}
        }
    }
    None
}

/// Reads and checks the header of the `.npy` file at `path`, and that the file holds
/// all the data it announces (`size` bytes an element).
pub(crate) fn read_header(path: &Path, size: impl Fn(&str) -> Option<usize>) -> Result<Header> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut head = [0u8; 12];
    read_at(&file, path, &mut head, 0)?;
    if &head[..6] != MAGIC {
        return Err(bad(path, "no NUMPY magic at the start"));
    }
    let (len, start) = match head[6] {
        1 => (u16::from_le_bytes([head[8], head[9]]) as usize, 10),
        2 | 3 => (
            u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as usize,
            12,
        ),
        v => return Err(bad(path, format!("format version {v}"))),
    };
    let mut dict = vec![0u8; len];
    read_at(&file, path, &mut dict, start as u64)?;
    let dict = String::from_utf8(dict).map_err(|_| bad(path, "a header that is not text"))?;
    let descr = field(&dict, "descr")
        .map(|d| d.trim_matches(|c| c == '\'' || c == '"').to_string())
        .ok_or_else(|| bad(path, format!("no 'descr' in the header {dict:?}")))?;
    let fortran = match field(&dict, "fortran_order") {
        Some("False") => false,
        Some("True") => true,
        _ => return Err(bad(path, format!("no 'fortran_order' in {dict:?}"))),
    };
    let dims = field(&dict, "shape").ok_or_else(|| bad(path, format!("no 'shape' in {dict:?}")))?;
    let shape = dims
        .trim_matches(|c| c == '(' || c == ')')
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| bad(path, format!("the shape {dims}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let elem = size(&descr).ok_or_else(|| bad(path, format!("element type {descr:?}")))?;
    let data_offset = (start + len) as u64;
    let want = shape
        .iter()
        .try_fold(elem, |n, &d| n.checked_mul(d))
        .and_then(|n| data_offset.checked_add(n as u64))
        .ok_or_else(|| bad(path, format!("the shape {dims} is too large to address")))?;
    let have = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if have < want {
        return Err(bad(
            path,
            format!("cut short: {have} bytes where the header announces {want}"),
        ));
    }
    Ok(Header {
        descr,
        shape,
        fortran,
        data_offset,
    })
}

/// Fills `buf` from `offset` of `file` (named `path` in errors).
pub(crate) fn read_at(file: &File, path: &Path, buf: &mut [u8], offset: u64) -> Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset).map_err(|e| {
        Error::io(
            path,
            std::io::Error::new(
                e.kind(),
                format!("reading {} bytes at offset {offset}: {e}", buf.len()),
            ),
        )
    })
}

/// Reads the box `[offset, offset + shape)` of a C-order array of `dims` (elements of
/// `elem` bytes from byte `data` of `file`) into `out`, its bytes in row-major order
/// (`out.len()` is the box's size in bytes). Nothing outside the box is held: each
/// contiguous run is read straight into `out`, and runs close together (a gap no
/// longer than the run, or a page) through one read of at most [`WINDOW`] bytes, so
/// a chunk of a few columns of a wide file costs neither the whole rows nor a call
/// per element.
pub(crate) fn read_box(
    file: &File,
    path: &Path,
    (dims, elem, data): (&[usize], usize, u64),
    offset: &[usize],
    shape: &[usize],
    out: &mut [u8],
) -> Result<()> {
    read_box_in(file, path, (dims, elem, data), offset, shape, WINDOW, out)
}

/// [`read_box`] with small runs joined up to `window` bytes.
fn read_box_in(
    file: &File,
    path: &Path,
    (dims, elem, data): (&[usize], usize, u64),
    offset: &[usize],
    shape: &[usize],
    window: usize,
    out: &mut [u8],
) -> Result<()> {
    debug_assert_eq!(out.len(), shape.iter().product::<usize>() * elem);
    if shape.contains(&0) {
        return Ok(());
    }
    let nd = dims.len();
    // Axes after `k` are whole, so one run spans `shape[k]` of axis `k` and all after.
    let k = (0..nd).rev().find(|&j| shape[j] != dims[j]).unwrap_or(0);
    let mut strides = vec![1usize; nd];
    for j in (0..nd.saturating_sub(1)).rev() {
        strides[j] = strides[j + 1] * dims[j + 1];
    }
    let run = if nd == 0 { 1 } else { shape[k] * strides[k] } * elem;
    let near = |a: u64, b: u64| b - (a + run as u64) <= run.max(4096) as u64;
    // Runs waiting to be read together (their starts, at most `window` bytes apart).
    let mut group: Vec<u64> = Vec::new();
    let mut scratch = Vec::new();
    let mut dest = 0;
    let mut flush = |group: &mut Vec<u64>| -> Result<()> {
        match group.as_slice() {
            [] => {}
            [one] => {
                read_at(file, path, &mut out[dest..dest + run], *one)?;
                dest += run;
            }
            [first, .., last] => {
                scratch.resize((last - first) as usize + run, 0);
                read_at(file, path, &mut scratch, *first)?;
                for &s in group.iter() {
                    let o = (s - first) as usize;
                    out[dest..dest + run].copy_from_slice(&scratch[o..o + run]);
                    dest += run;
                }
            }
        }
        group.clear();
        Ok(())
    };
    // The runs' starts, in file order: an odometer over the axes before `k`.
    let mut at = vec![0usize; k];
    loop {
        let e: usize = (0..nd)
            .map(|j| (offset[j] + at.get(j).copied().unwrap_or(0)) * strides[j])
            .sum();
        let start = data + (e * elem) as u64;
        if let (Some(&first), Some(&last)) = (group.first(), group.last())
            && !(near(last, start) && (start - first) as usize + run <= window)
        {
            flush(&mut group)?;
        }
        group.push(start);
        let Some(j) = (0..k).rev().find(|&j| at[j] + 1 < shape[j]) else {
            break;
        };
        at[j] += 1;
        at[j + 1..].iter_mut().for_each(|a| *a = 0);
    }
    flush(&mut group)
}

/// The most bytes [`read_box`] reads in one call when it joins runs.
const WINDOW: usize = 1 << 20;

/// Writes `buf` at `offset` of `file`.
pub(crate) fn write_at(file: &File, path: &Path, buf: &[u8], offset: u64) -> Result<()> {
    use std::os::unix::fs::FileExt;
    file.write_all_at(buf, offset)
        .map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_aligned_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        for shape in [vec![], vec![7], vec![3, 4, 5], vec![0, 2]] {
            let h = header("<f8", &shape);
            assert_eq!(h.len() % 64, 0);
            let p = dir.path().join("a.npy");
            let mut bytes = h.clone();
            bytes.resize(h.len() + 8 * shape.iter().product::<usize>(), 0);
            std::fs::write(&p, &bytes).unwrap();
            let got = read_header(&p, |d| (d == "<f8").then_some(8)).unwrap();
            assert_eq!((got.shape, got.data_offset), (shape, h.len() as u64));
            // One byte short: an error naming the file.
            std::fs::write(&p, &bytes[..bytes.len().saturating_sub(1).max(h.len())]).unwrap();
            if bytes.len() > h.len() {
                let e = read_header(&p, |_| Some(8)).unwrap_err().to_string();
                assert!(e.contains("a.npy") && e.contains("cut short"), "{e}");
            }
        }
        // A shape whose size overflows: an error, not a wrapped size that passes.
        let p = dir.path().join("huge.npy");
        std::fs::write(&p, header("<f8", &[1 << 33, 1 << 33])).unwrap();
        let e = read_header(&p, |_| Some(8)).unwrap_err().to_string();
        assert!(e.contains("huge.npy") && e.contains("too large"), "{e}");
        assert_eq!(
            field(
                "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }",
                "shape"
            ),
            Some("(2, 3)")
        );
    }

    #[test]
    fn every_box_reads_as_ndarray_slices_it() {
        use ndarray::{ArrayD, Dimension, IxDyn, SliceInfoElem};
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.bin");
        for dims in [vec![], vec![7], vec![5, 4, 3], vec![3, 1, 6]] {
            let n: usize = dims.iter().product();
            let a = ArrayD::from_shape_fn(IxDyn(&dims), |i| {
                i.as_array_view()
                    .iter()
                    .fold(0u32, |s, &x| s * 10 + x as u32)
            });
            let mut bytes = vec![0xAB; 3]; // the data start at byte 3
            a.iter()
                .for_each(|x| bytes.extend_from_slice(&x.to_le_bytes()));
            std::fs::write(&p, &bytes).unwrap();
            let file = File::open(&p).unwrap();
            // Every box: each axis's (start, len), empty ones included.
            let per_axis: Vec<Vec<(usize, usize)>> = dims
                .iter()
                .map(|&d| {
                    (0..=d)
                        .flat_map(|s| (0..=d - s).map(move |l| (s, l)))
                        .collect()
                })
                .collect();
            let mut boxes = vec![(vec![], vec![])];
            for opts in &per_axis {
                boxes = boxes
                    .into_iter()
                    .flat_map(|(o, s): (Vec<usize>, Vec<usize>)| {
                        opts.iter().map(move |&(a, l)| {
                            let (mut o, mut s) = (o.clone(), s.clone());
                            o.push(a);
                            s.push(l);
                            (o, s)
                        })
                    })
                    .collect();
            }
            for (off, shape) in boxes {
                let want: Vec<u32> = a
                    .slice(
                        off.iter()
                            .zip(&shape)
                            .map(|(&o, &l)| SliceInfoElem::from(o..o + l))
                            .collect::<Vec<_>>()
                            .as_slice(),
                    )
                    .iter()
                    .copied()
                    .collect();
                // A window of one element, of a few and of everything.
                for window in [4, 12, 4 * n.max(1)] {
                    let mut out = vec![0u8; 4 * shape.iter().product::<usize>()];
                    read_box_in(&file, &p, (&dims, 4, 3), &off, &shape, window, &mut out).unwrap();
                    let got: Vec<u32> = out
                        .chunks(4)
                        .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
                        .collect();
                    assert_eq!(got, want, "{dims:?} {off:?} {shape:?} window {window}");
                }
            }
        }
    }
}
