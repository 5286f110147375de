//! Parquet and Arrow IPC: convert a slow bz2 CSV dataset once, query it fast afterwards.
//!
//! A partition is a file, or for a Parquet file larger than the partition size a run
//! of its row groups (Dask's `split_row_groups`): the file's metadata, read once when
//! the frame is built, trimmed to the run and handed to polars' reader, which then
//! reads only those row groups. A row group is never split.

use std::collections::BTreeSet;
use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::io::parquet::metadata::FileMetadata;
use polars::prelude::*;

use super::{DFrame, concat, polars_error};
use crate::engine::TaskContext;
use crate::graph::{Tokenizer, Value};
use crate::io::ReadMetrics;
use crate::io::Replaces;
use crate::io::expand;
use crate::scan::RootItem;
use crate::scan::{Needs, Source};
use crate::{Delayed, Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Format {
    Parquet,
    Ipc,
    Csv,
}

impl Format {
    fn ext(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Ipc => "arrow",
            Format::Csv => "csv",
        }
    }
}

/// The uncompressed bytes of row groups a Parquet partition holds at most (unless one
/// row group is larger), as the CSV reader's default block.
pub(crate) const PARQUET_PARTITION_BYTES: u64 = 64 << 20;

/// One partition of a file scan: a file, whole or a run of its row groups.
#[derive(Clone, Debug)]
struct Piece {
    file: usize,
    /// The run of row groups and the file's metadata trimmed to them; `None`: the file.
    row_groups: Option<(Range<usize>, FileMetadataRef)>,
}

/// Bytes a row of `schema` takes in memory, about: a string is its 16-byte view.
fn row_width(schema: &Schema) -> u64 {
    schema
        .iter_values()
        .map(|t| match t {
            DataType::Boolean | DataType::Int8 | DataType::UInt8 => 1,
            DataType::Int16 | DataType::UInt16 => 2,
            DataType::Int32 | DataType::UInt32 | DataType::Float32 | DataType::Date => 4,
            DataType::String | DataType::Binary => 16,
            _ => 8,
        })
        .sum::<u64>()
        .max(1)
}

/// The partitions of `paths`: one per file, but Parquet files whose row groups hold
/// more than `bytes` cut into runs of row groups of about `bytes`. A row group's size is
/// the larger of its uncompressed bytes and its rows at the schema's width: dictionary
/// encoding keeps repeated strings small in the file, not in memory.
fn pieces(paths: &[PathBuf], format: Format, schema: &Schema, bytes: u64) -> Result<Vec<Piece>> {
    let width = row_width(schema);
    let mut out = Vec::new();
    for (file, path) in paths.iter().enumerate() {
        let whole = Piece {
            file,
            row_groups: None,
        };
        if format != Format::Parquet {
            out.push(whole);
            continue;
        }
        let f = File::open(path).map_err(|e| Error::io(path, e))?;
        let meta = ParquetReader::new(f)
            .get_metadata()
            .map_err(|e| polars_error(path, None, None, e))?
            .clone();
        let sizes: Vec<u64> = meta
            .row_groups
            .iter()
            .map(|g| (g.total_byte_size() as u64).max(g.num_rows() as u64 * width))
            .collect();
        let runs = runs_of(&sizes, bytes);
        if runs.len() <= 1 {
            out.push(whole);
            continue;
        }
        for run in runs {
            let m = trimmed(&meta, |i| run.contains(&i));
            out.push(Piece {
                file,
                row_groups: Some((run, m)),
            });
        }
    }
    Ok(out)
}

/// `meta` holding only the row groups whose index `keep` accepts, for a reader to read
/// only those.
fn trimmed(meta: &FileMetadata, keep: impl Fn(usize) -> bool) -> FileMetadataRef {
    let mut m = meta.clone();
    let mut i = 0;
    m.row_groups.retain(|_| {
        i += 1;
        keep(i - 1)
    });
    m.num_rows = m.row_groups.iter().map(|g| g.num_rows()).sum();
    m.max_row_group_height = m.row_groups.iter().map(|g| g.num_rows()).max().unwrap_or(0);
    Arc::new(m)
}

/// `pieces` without the row groups whose statistics rule `predicate` out (pieces left
/// with none are dropped, but one stays so the frame has a partition), with the number
/// of row groups skipped and looked at. Whole files are left to polars' reader, which
/// does the same as it reads.
fn pruned(pieces: Vec<Piece>, schema: &Schema, predicate: &Expr) -> (Vec<Piece>, usize, usize) {
    let (mut skipped, mut seen) = (0, 0);
    let mut out = Vec::with_capacity(pieces.len());
    // A run left with no row group, kept only if nothing else is.
    let mut empty = None;
    for piece in pieces {
        let Some((run, meta)) = &piece.row_groups else {
            out.push(piece);
            continue;
        };
        let kept = super::prune::row_groups_kept(meta, schema, predicate);
        let n = kept.iter().filter(|k| **k).count();
        seen += kept.len();
        skipped += kept.len() - n;
        if n == kept.len() {
            out.push(piece);
            continue;
        }
        let trimmed = Piece {
            file: piece.file,
            row_groups: Some((run.clone(), trimmed(meta, |i| kept[i]))),
        };
        if n > 0 {
            out.push(trimmed);
        } else if empty.is_none() {
            empty = Some(trimmed);
        }
    }
    if out.is_empty() {
        out.extend(empty);
    }
    (out, skipped, seen)
}

/// Consecutive runs of `sizes` adding up to at most `limit` each (a size above it alone).
fn runs_of(sizes: &[u64], limit: u64) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let (mut start, mut sum) = (0, 0u64);
    for (i, &s) in sizes.iter().enumerate() {
        if i > start && sum + s > limit {
            runs.push(start..i);
            (start, sum) = (i, 0);
        }
        sum += s;
    }
    if start < sizes.len() {
        runs.push(start..sizes.len());
    }
    runs
}

fn read(
    path: &Path,
    format: Format,
    row_groups: Option<&FileMetadataRef>,
    columns: Option<Vec<String>>,
    predicate: Option<&Expr>,
    metrics: &dyn ReadMetrics,
) -> Result<DataFrame> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    metrics.file_opened();
    if let Some(meta) = row_groups {
        metrics.bytes_read(
            meta.row_groups
                .iter()
                .map(|g| g.compressed_size() as u64)
                .sum(),
        );
        return read_row_groups(path, file, meta, columns, predicate);
    }
    if let Ok(m) = file.metadata() {
        metrics.bytes_read(m.len());
    }
    if let (Format::Parquet, Some(pred)) = (format, predicate) {
        // polars' own scan: row groups whose statistics rule the predicate out are
        // skipped, and only the needed columns are decoded.
        drop(file);
        let lf = LazyFrame::scan_parquet(
            PlRefPath::new(path.to_string_lossy().as_ref()),
            ScanArgsParquet {
                glob: false, // the path is a file found already, `[` and all
                ..Default::default()
            },
        )
        .map_err(|e| polars_error(path, None, None, e))?
        .filter(pred.clone());
        let lf = match columns {
            Some(c) => lf.select(c.iter().map(|c| col(c.as_str())).collect::<Vec<_>>()),
            None => lf,
        };
        return lf.collect().map_err(|e| polars_error(path, None, None, e));
    }
    let r = match format {
        Format::Parquet => ParquetReader::new(file).with_columns(columns).finish(),
        Format::Ipc => IpcReader::new(file).with_columns(columns).finish(),
        Format::Csv => unreachable!("CSV has its own source"),
    };
    r.map_err(|e| polars_error(path, None, None, e))
}

/// The row groups `meta` holds of the Parquet file at `path`, filtered by `predicate`
/// (groups its statistics rule out were trimmed from `meta` already), its columns read
/// for the filter and then dropped unless asked for.
fn read_row_groups(
    path: &Path,
    file: File,
    meta: &FileMetadataRef,
    columns: Option<Vec<String>>,
    predicate: Option<&Expr>,
) -> Result<DataFrame> {
    let failed = |e| polars_error(path, None, None, e);
    let read_columns = match (&columns, predicate) {
        (Some(c), Some(p)) => {
            let mut all = c.clone();
            for n in p.clone().meta().root_names() {
                if !all.iter().any(|a| a == n.as_str()) {
                    all.push(n.to_string());
                }
            }
            Some(all)
        }
        _ => columns.clone(),
    };
    let mut reader = ParquetReader::new(file);
    reader.set_metadata(Arc::clone(meta));
    let df = reader.with_columns(read_columns).finish().map_err(failed)?;
    let Some(pred) = predicate else {
        return Ok(df);
    };
    let lf = df.lazy().filter(pred.clone());
    let lf = match columns {
        Some(c) => lf.select(c.iter().map(|c| col(c.as_str())).collect::<Vec<_>>()),
        None => lf,
    };
    lf.collect().map_err(failed)
}

struct FileSource {
    paths: Vec<PathBuf>,
    pieces: Vec<Piece>,
    format: Format,
    schema: SchemaRef,
    token: u64,
    /// Filters pushed into the Parquet reader.
    predicate: Option<Expr>,
}

/// A bare Parquet scan (no operation after it but filters): the frame a filter can
/// push its predicate into.
#[derive(Clone, Debug)]
pub(crate) struct Pushdown {
    paths: Vec<PathBuf>,
    pieces: Vec<Piece>,
    predicate: Option<Expr>,
}

impl Source for FileSource {
    fn npartitions(&self) -> usize {
        self.pieces.len()
    }
    fn label(&self) -> &'static str {
        match self.format {
            Format::Parquet => "read_parquet",
            _ => "read_ipc",
        }
    }
    fn token(&self) -> u64 {
        self.token
    }
    fn origin(&self) -> String {
        crate::scan::files_origin(self.label(), self.paths.iter().map(PathBuf::as_path))
    }
    fn bytes(&self) -> Option<u64> {
        crate::scan::files_bytes(self.paths.iter().map(PathBuf::as_path))
    }
    fn scan(
        &self,
        p: usize,
        ctx: &TaskContext<'_>,
        _: &[Value],
        needs: &Needs,
        sink: &mut dyn FnMut(&[RootItem<'_>]) -> Result<bool>,
    ) -> Result<()> {
        let columns = super::projection(&self.schema, needs);
        let all = columns.is_none();
        let piece = &self.pieces[p];
        let path = &self.paths[piece.file];
        let df = read(
            path,
            self.format,
            piece.row_groups.as_ref().map(|(_, m)| m),
            columns,
            self.predicate.as_ref(),
            ctx,
        )?;
        same_schema(path, &df, &self.schema, &self.paths[0], all)?;
        sink(&[RootItem::Item(&df)]).map(|_| ())
    }
}

/// Every file of a scan must have the first file's columns and types: a file that
/// differs is an error naming it and the column (batches of different types cannot be
/// put together later, and that error would name neither). `all`: every column was
/// read (a projection that names a missing one fails in the reader, naming the file).
fn same_schema(
    path: &Path,
    df: &DataFrame,
    schema: &Schema,
    first: &Path,
    all: bool,
) -> Result<()> {
    let differs = |message: String| Error::Input {
        path: path.to_path_buf(),
        line: None,
        offset: None,
        message,
    };
    for c in df.columns() {
        match schema.get(c.name()) {
            None => {
                return Err(differs(format!(
                    "column {:?} is not in the first file, {}",
                    c.name().as_str(),
                    first.display()
                )));
            }
            Some(t) if t != c.dtype() => {
                return Err(differs(format!(
                    "column {:?} is {} here but {} in the first file, {}",
                    c.name().as_str(),
                    c.dtype(),
                    t,
                    first.display()
                )));
            }
            Some(_) => {}
        }
    }
    if let Some(name) = schema.iter_names().find(|n| df.column(n).is_err())
        && all
    {
        return Err(differs(format!(
            "column {:?} of the first file, {}, is missing",
            name.as_str(),
            first.display()
        )));
    }
    Ok(())
}

/// A scan of the files `pattern` matches, Parquet files cut into partitions of
/// about `partition_bytes` of row groups.
pub(crate) fn open(pattern: &str, format: Format, partition_bytes: u64) -> Result<DFrame> {
    open_paths(expand(pattern)?, format, partition_bytes)
}

/// [`open`] of the files at `paths` (at least one), in that order.
pub(crate) fn open_paths(
    paths: Vec<PathBuf>,
    format: Format,
    partition_bytes: u64,
) -> Result<DFrame> {
    // The schema of the first file (no rows read); every file must have the same.
    let path = &paths[0];
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let first = match format {
        Format::Parquet => ParquetReader::new(file).with_slice(Some((0, 0))).finish(),
        Format::Ipc => IpcReader::new(file).with_n_rows(Some(0)).finish(),
        Format::Csv => unreachable!("CSV has its own source"),
    }
    .map_err(|e| polars_error(path, None, None, e))?;
    let schema = first.schema().clone();
    let pieces = pieces(&paths, format, &schema, partition_bytes.max(1))?;
    Ok(scan(paths, pieces, format, schema, None))
}

fn scan(
    paths: Vec<PathBuf>,
    pieces: Vec<Piece>,
    format: Format,
    schema: SchemaRef,
    predicate: Option<Expr>,
) -> DFrame {
    let runs: Vec<(usize, Option<Range<usize>>)> = pieces
        .iter()
        .map(|p| (p.file, p.row_groups.as_ref().map(|(r, _)| r.clone())))
        .collect();
    let token = Tokenizer::new("read_files")
        .param(&paths)
        .param(&format!("{runs:?}"))
        .param(&format)
        .param(&predicate.as_ref().map(|p| format!("{p:?}")))
        .finish();
    let pushdown = (format == Format::Parquet).then(|| Pushdown {
        paths: paths.clone(),
        pieces: pieces.clone(),
        predicate: predicate.clone(),
    });
    let (pieces, skipped, seen) = match &predicate {
        Some(p) => pruned(pieces, &schema, p),
        None => (pieces, 0, 0),
    };
    let mut frame = DFrame::from_source(
        Box::new(FileSource {
            paths,
            pieces,
            format,
            schema: Arc::clone(&schema),
            token,
            predicate: predicate.clone(),
        }),
        schema,
    );
    if let Some(p) = &predicate {
        let mut line = format!(
            "{}, predicate pushed into the reader: {p}",
            frame.explain().trim_end()
        );
        if seen > 0 {
            line += &format!(" (statistics skip {skipped} of {seen} row groups)");
        }
        frame.plan = Arc::new(super::Step {
            line,
            origin: frame.plan.origin.clone(),
            inputs: Vec::new(),
        });
    }
    frame.pushdown = pushdown.map(Arc::new);
    frame
}

/// A Parquet scan with `predicate` added to what its reader filters.
pub(crate) fn pushed(scan_of: &Pushdown, schema: &SchemaRef, predicate: Expr) -> DFrame {
    let predicate = match &scan_of.predicate {
        Some(p) => p.clone().and(predicate),
        None => predicate,
    };
    scan(
        scan_of.paths.clone(),
        scan_of.pieces.clone(),
        Format::Parquet,
        Arc::clone(schema),
        Some(predicate),
    )
}

pub(crate) fn write(frame: &DFrame, dir: &Path, format: Format) -> Result<Delayed<Vec<PathBuf>>> {
    // Written under a hidden name beside `dir`, moved into place by the last task once
    // every part is written: `dir` holds the old parts or all the new ones, never a
    // mix (and never stale parts of an earlier, larger write).
    let staged = Arc::new(crate::cluster::staged_dir(
        dir,
        Replaces::DirOf(&["part-"]),
    )?);
    let tmp = staged.path().to_path_buf();
    let width = frame.npartitions().saturating_sub(1).to_string().len();
    let schema = Arc::clone(frame.schema());
    let all: BTreeSet<String> = schema.iter_names().map(|n| n.to_string()).collect();
    let write_part = move |(path, parts): (PathBuf, Vec<DataFrame>)| -> Result<Vec<PathBuf>> {
        // One partition's batches, written as one file.
        let mut df = concat(parts, &schema)?;
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        let r = match format {
            Format::Parquet => ParquetWriter::new(file)
                .with_compression(ParquetCompression::Zstd(None))
                .finish(&mut df)
                .map(|_| ()),
            Format::Ipc => IpcWriter::new(file)
                .with_compression(Some(IpcCompression::ZSTD(Default::default())))
                .finish(&mut df),
            Format::Csv => CsvWriter::new(file).include_header(true).finish(&mut df),
        };
        r.map_err(|e| polars_error(&path, None, None, e))?;
        Ok(vec![path])
    };
    Ok(frame.consume(
        "write",
        Some(all),
        move |p| {
            // Made again if a second compute of this write runs after a commit.
            std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
            let path = tmp.join(format!("part-{p:0width$}.{}", format.ext()));
            Ok((path, Vec::new()))
        },
        |(_, parts): &mut (PathBuf, Vec<DataFrame>), df| {
            parts.push(df.clone());
            Ok(true)
        },
        write_part,
        |a: &mut Vec<PathBuf>, b| a.extend(b.iter().cloned()),
        move |paths: Vec<PathBuf>| staged.commit_parts(&paths),
    ))
}
