//! Reading inputs: file patterns, compression by extension, and blocks cut at line
//! breaks so a parser or a line splitter always sees whole lines.

mod bz2;
mod lines;
pub(crate) mod npy;
pub(crate) mod pickle;
mod staged;

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

pub(crate) use lines::{DEFAULT_MAX_LINE, Framing, for_each_block};
#[cfg(feature = "zarr")]
pub(crate) use staged::interrupted;
#[cfg(feature = "mpi")]
pub(crate) use staged::remove_abandoned;
pub(crate) use staged::{Replaces, StagedDir, owner, owner_gone};

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

/// Where a reader's files come from: a glob pattern (`read_text("logs/*.gz")`), or a
/// path taken as it is (`read_text_files`), so `data[1].txt` is that file and never the
/// pattern matching `data1.txt`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Input {
    Pattern(String),
    Path(PathBuf),
}

impl Input {
    /// Paths given one by one, each taken literally.
    pub(crate) fn paths<P: AsRef<Path>>(paths: &[P]) -> Vec<Input> {
        paths
            .iter()
            .map(|p| Input::Path(p.as_ref().to_path_buf()))
            .collect()
    }
}

/// The files of `inputs`, in order: each pattern's matches sorted, each path as given (it
/// must be a file).
pub(crate) fn resolve(inputs: &[Input]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for input in inputs {
        match input {
            Input::Pattern(p) => out.extend(expand(p)?),
            Input::Path(p) => {
                let m = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
                if m.is_dir() {
                    return Err(Error::io(
                        p,
                        std::io::Error::other("is a directory, not a file"),
                    ));
                }
                out.push(p.clone());
            }
        }
    }
    Ok(out)
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
    /// `start..end` of a plain or bzip2 file, lines belonging to where they start (a
    /// bzip2 range: the blocks whose magic starts in it).
    pub(crate) range: Option<(u64, u64)>,
}

impl Split {
    /// Line `n` of the split as a line of the file: known only when the split starts
    /// the file (a later split counts its lines from its own start).
    pub(crate) fn line(&self, n: u64) -> Option<u64> {
        self.range.is_none_or(|(start, _)| start == 0).then_some(n)
    }
}

/// Splits files into partitions: plain and bzip2 files in ranges of about `block_size`
/// bytes (bzip2 decoded block by block), other compressed files one each.
pub(crate) fn splits(
    paths: &[PathBuf],
    compression: Option<Compression>,
    block_size: u64,
) -> Result<Vec<Split>> {
    let mut out = Vec::new();
    for p in paths {
        let c = compression.unwrap_or_else(|| Compression::from_path(p));
        let len = std::fs::metadata(p).map_err(|e| Error::io(p, e))?.len();
        let ranges = matches!(c, Compression::None | Compression::Bzip2);
        if ranges && len > block_size && block_size > 0 {
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

/// Where a reader reports what it opened and read: the caller's task context, or `()`
/// for nothing. This module knows no engine; the caller passes what counts.
pub(crate) trait ReadMetrics: Sync {
    /// A file was opened for reading.
    fn file_opened(&self) {}
    /// `n` bytes were read from disk.
    fn bytes_read(&self, _n: u64) {}
}

impl ReadMetrics for () {}

/// Opens a split for reading decompressed bytes, counted into `metrics`.
pub(crate) fn open<'m>(
    split: &Split,
    metrics: &'m dyn ReadMetrics,
) -> Result<Box<dyn Read + Send + 'm>> {
    open_with(split, external_bzip2(), metrics)
}

fn open_with<'m>(
    split: &Split,
    lbzip2: Option<&Path>,
    metrics: &'m dyn ReadMetrics,
) -> Result<Box<dyn Read + Send + 'm>> {
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
    metrics.file_opened();
    if split.compression == Compression::Bzip2
        && let Some((start, end)) = split.range
    {
        let reader =
            bz2::RangeReader::new(file, start, end, metrics).map_err(|e| Error::io(path, e))?;
        return Ok(Box::new(reader));
    }
    if split.compression == Compression::Bzip2
        && let Some(lbzip2) = lbzip2
    {
        metrics.bytes_read(len);
        return Ok(Box::new(Piped::spawn(lbzip2, path)?));
    }
    let counted = Counted(file, metrics);
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

/// lbzip2, when it is installed and `CHUNKWISE_BZIP2` is not `builtin`: its decoder is
/// about 1.6x faster than the bzip2 crate's here, and the airline files are bz2.
fn external_bzip2() -> Option<&'static Path> {
    static FOUND: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    FOUND
        .get_or_init(|| {
            if std::env::var("CHUNKWISE_BZIP2").is_ok_and(|v| v == "builtin") {
                return None;
            }
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join("lbzip2"))
                    .find(|p| p.is_file())
            })
        })
        .as_deref()
}

/// The standard output of `lbzip2 -d -c -n CORES FILE` (its threads also keep every core
/// busy when fewer files than workers remain). At its end the exit status is
/// checked: a failure (corrupt, truncated) is a read error carrying lbzip2's message,
/// never a silent short stream.
struct Piped {
    child: std::process::Child,
    out: std::process::ChildStdout,
    done: bool,
}

impl Piped {
    fn spawn(program: &Path, file: &Path) -> Result<Self> {
        let mut child = std::process::Command::new(program)
            .args(["-d", "-c", "-n"])
            .arg(
                std::thread::available_parallelism()
                    .map_or(1, |n| n.get())
                    .to_string(),
            )
            .arg(file)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| Error::io(program, e))?;
        let out = child.stdout.take().expect("stdout is piped");
        Ok(Piped {
            child,
            out,
            done: false,
        })
    }
}

impl Read for Piped {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.out.read(buf)?;
        if n == 0 && !buf.is_empty() && !self.done {
            self.done = true;
            let mut err = String::new();
            if let Some(mut e) = self.child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            let status = self.child.wait()?;
            if !status.success() {
                return Err(std::io::Error::other(format!(
                    "lbzip2 {status}: {}",
                    err.trim()
                )));
            }
        }
        Ok(n)
    }
}

impl Drop for Piped {
    fn drop(&mut self) {
        if !self.done {
            // Stopped early (take, head): do not leave the decoder running.
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Counts bytes read from disk into the caller's metrics.
pub(crate) struct Counted<'m, R>(pub(crate) R, pub(crate) &'m dyn ReadMetrics);

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        self.1.bytes_read(n as u64);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Both bzip2 decoders: the same bytes from a good file, an error from a truncated one.
    #[test]
    fn bzip2_builtin_and_lbzip2_agree() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("{i},{}\n", i % 7).into_bytes())
            .collect();
        let good = dir.path().join("g.bz2");
        let mut w =
            bzip2::write::BzEncoder::new(File::create(&good).unwrap(), bzip2::Compression::fast());
        w.write_all(&data).unwrap();
        w.finish().unwrap();
        let bytes = std::fs::read(&good).unwrap();
        let bad = dir.path().join("t.bz2");
        std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
        let split = |p: &Path| Split {
            path: p.to_path_buf(),
            compression: Compression::Bzip2,
            range: None,
        };
        let lb = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|d| d.join("lbzip2"))
            .find(|p| p.is_file());
        let mut decoders: Vec<Option<&Path>> = vec![None];
        decoders.extend(lb.as_deref().map(Some));
        for dec in decoders {
            let mut out = Vec::new();
            open_with(&split(&good), dec, &())
                .unwrap()
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, data, "{dec:?}");
            let mut out = Vec::new();
            let err = open_with(&split(&bad), dec, &())
                .unwrap()
                .read_to_end(&mut out);
            assert!(
                err.is_err(),
                "{dec:?}: a truncated file must fail, read {} bytes",
                out.len()
            );
        }
    }
}
