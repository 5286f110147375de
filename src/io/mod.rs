//! Reading inputs: file patterns, compression by extension, and blocks cut at line
//! breaks so a parser or a line splitter always sees whole lines.

mod lines;

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

#[cfg(feature = "dataframe")]
pub(crate) use lines::for_each_block;
pub(crate) use lines::for_each_line;

use crate::{Error, Result};

/// How a file is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip, including files of several members (concatenated `.gz`).
    Gzip,
    /// bzip2, including several streams.
    Bzip2,
    /// Zstandard.
    Zstd,
}

impl Compression {
    /// From the file name: `.gz`, `.bz2`, `.zst`/`.zstd`, else none.
    pub fn from_path(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some("gz" | "gzip") => Compression::Gzip,
            Some("bz2") => Compression::Bzip2,
            Some("zst" | "zstd") => Compression::Zstd,
            _ => Compression::None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Compression::None => "plain",
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::Zstd => "zstd",
        }
    }
}

/// How bytes become text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Encoding {
    /// UTF-8; invalid bytes are an error naming file, line and offset.
    #[default]
    Utf8,
    /// ISO-8859-1: every byte is the character of that code point.
    Latin1,
    /// UTF-8 with invalid sequences replaced by U+FFFD.
    Lossy,
}

/// Files matching a glob pattern (sorted), or the path itself when it has no wildcard.
/// A pattern that matches nothing is an error naming it.
pub fn expand(pattern: &str) -> Result<Vec<PathBuf>> {
    let has_glob = pattern.contains(['*', '?', '[']);
    if !has_glob {
        let p = PathBuf::from(pattern);
        if !p.exists() {
            return Err(Error::io(
                &p,
                std::io::Error::from(std::io::ErrorKind::NotFound),
            ));
        }
        return Ok(vec![p]);
    }
    let paths =
        glob::glob(pattern).map_err(|e| Error::invalid(format!("bad pattern {pattern:?}: {e}")))?;
    let mut out = Vec::new();
    for p in paths {
        let p =
            p.map_err(|e| Error::io(e.path().to_path_buf(), std::io::Error::other(e.to_string())))?;
        if p.is_file() {
            out.push(p);
        }
    }
    if out.is_empty() {
        return Err(Error::invalid(format!(
            "the pattern {pattern:?} matches no file"
        )));
    }
    out.sort();
    Ok(out)
}

/// One unit of input: a whole (compressed) file, or a byte range of a plain one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Split {
    pub(crate) path: PathBuf,
    pub(crate) compression: Compression,
    /// `start..end` of a plain file, lines belonging to where they start.
    pub(crate) range: Option<(u64, u64)>,
}

/// Splits files into partitions: one per compressed file, plain files in blocks of about
/// `block_size` bytes.
pub(crate) fn splits(
    paths: &[PathBuf],
    compression: Option<Compression>,
    block_size: u64,
) -> Result<Vec<Split>> {
    let mut out = Vec::new();
    for p in paths {
        let c = compression.unwrap_or_else(|| Compression::from_path(p));
        let len = std::fs::metadata(p).map_err(|e| Error::io(p, e))?.len();
        if c == Compression::None && len > block_size && block_size > 0 {
            let mut start = 0;
            while start < len {
                let end = (start + block_size).min(len);
                out.push(Split {
                    path: p.clone(),
                    compression: c,
                    range: Some((start, end)),
                });
                start = end;
            }
        } else {
            out.push(Split {
                path: p.clone(),
                compression: c,
                range: None,
            });
        }
    }
    Ok(out)
}

/// Opens a split for reading decompressed bytes (counted in the engine's I/O stats).
pub(crate) fn open(split: &Split) -> Result<Box<dyn Read + Send>> {
    let path = &split.path;
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if len == 0 && split.compression != Compression::None {
        return Err(Error::Input {
            path: path.clone(),
            line: None,
            offset: Some(0),
            message: format!("empty file is not valid {} data", split.compression.name()),
        });
    }
    crate::engine::context::file_opened();
    let counted = Counted(file);
    let raw = BufReader::with_capacity(1 << 16, counted);
    Ok(match split.compression {
        Compression::None => Box::new(raw),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(raw)),
        Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(raw)),
        Compression::Zstd => {
            Box::new(zstd::Decoder::with_buffer(raw).map_err(|e| Error::io(path, e))?)
        }
    })
}

/// Counts bytes read from disk into the running compute's statistics.
pub(crate) struct Counted<R>(pub(crate) R);

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        crate::engine::context::bytes_read(n as u64);
        Ok(n)
    }
}

/// Decoder error text for a split, for [`Error::Input`].
pub(crate) fn describe_read_error(split: &Split, e: &std::io::Error) -> String {
    match split.compression {
        Compression::None => format!("read failed: {e}"),
        c => format!("corrupt or truncated {} data: {e}", c.name()),
    }
}
