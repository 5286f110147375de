//! NumPy's `.npy` format (versions 1 to 3): the header written and parsed, the data
//! read and written by byte ranges so chunks of one file are read and written by
//! separate tasks. Knows no engine and no array type: element types are numpy's
//! `descr` strings and bytes.

use std::fs::File;
use std::path::Path;

use crate::{Error, Result};

const MAGIC: &[u8] = b"\x93NUMPY";

/// A parsed header: the element type (`descr`, e.g. `<f8`), the shape, and where the
/// data start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) descr: String,
    pub(crate) shape: Vec<usize>,
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
    if field(&dict, "fortran_order") != Some("False") {
        return Err(bad(path, "Fortran order (only C order is read)"));
    }
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
    let want = data_offset + (shape.iter().product::<usize>() * elem) as u64;
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
        assert_eq!(
            field(
                "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }",
                "shape"
            ),
            Some("(2, 3)")
        );
    }
}
