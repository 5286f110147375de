//! CSV sources: schema inferred from a sample of every file and widened once for the
//! whole dataset, then each partition decompressed in blocks of whole lines and each
//! block parsed by polars on one thread, only the columns the query needs.

use std::borrow::Cow;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;

use super::{DFrame, estimate, polars_error, projection};
use crate::engine::TaskContext;
use crate::graph::{Tokenizer, Value};
use crate::io::{
    Compression, DEFAULT_MAX_LINE, Encoding, Framing, Input, Split, for_each_block, resolve, splits,
};
use crate::scan::RootItem;
use crate::scan::{Needs, Source};
use crate::{Error, Result};

/// Options of [`DFrame::read_csv`], as a builder.
#[derive(Clone, Debug)]
pub struct ReadCsv {
    inputs: Vec<Input>,
    compression: Option<Compression>,
    encoding: Encoding,
    null_values: Vec<String>,
    dtypes: Vec<(String, DataType)>,
    has_header: bool,
    separator: u8,
    block_size: u64,
    parse_block: usize,
    sample_bytes: usize,
    on_bad_lines: OnBadLines,
    max_line: u64,
}

/// What to do with a CSV row whose number of fields differs from the header's (as
/// pandas' and Dask's `on_bad_lines`). A value that does not parse is always an error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnBadLines {
    /// Fail, naming the file, the line and the field count (the default).
    #[default]
    Error,
    /// Skip the row and print its file, line and field count on standard error.
    Warn,
    /// Skip the row. [`Stats::rows_skipped`](crate::Stats) counts the skipped rows.
    Skip,
}

impl ReadCsv {
    pub(crate) fn new(inputs: Vec<Input>) -> Self {
        ReadCsv {
            inputs,
            compression: None,
            encoding: Encoding::Utf8,
            null_values: vec!["NA".into(), String::new()],
            dtypes: Vec::new(),
            has_header: true,
            separator: b',',
            block_size: 64 << 20,
            parse_block: 4 << 20,
            sample_bytes: 1 << 20,
            on_bad_lines: OnBadLines::Error,
            max_line: DEFAULT_MAX_LINE,
        }
    }

    /// The longest row read (default 128 MiB): a longer one is an error naming the file
    /// and offset. Quoted fields may hold line breaks (RFC 4180).
    pub fn max_line_bytes(mut self, bytes: u64) -> Self {
        self.max_line = bytes;
        self
    }

    /// Compression of every file, instead of guessing from the extension.
    pub fn compression(mut self, c: Compression) -> Self {
        self.compression = Some(c);
        self
    }

    /// How bytes become text: UTF-8 (strict), Latin1, or lossy UTF-8.
    pub fn encoding(mut self, e: Encoding) -> Self {
        self.encoding = e;
        self
    }

    /// Strings read as null (default `NA` and the empty field).
    pub fn null_values<I: IntoIterator<Item = S>, S: Into<String>>(mut self, v: I) -> Self {
        self.null_values = v.into_iter().map(Into::into).collect();
        self
    }

    /// A column's type, instead of the inferred one.
    pub fn dtype(mut self, column: &str, dtype: DataType) -> Self {
        self.dtypes.push((column.to_string(), dtype));
        self
    }

    /// Whether the first line of each file names the columns (default true).
    pub fn has_header(mut self, h: bool) -> Self {
        self.has_header = h;
        self
    }

    /// The field separator (default `,`).
    pub fn separator(mut self, s: u8) -> Self {
        self.separator = s;
        self
    }

    /// Partition size for plain (uncompressed) files (default 64 MiB).
    pub fn block_size(mut self, bytes: u64) -> Self {
        self.block_size = bytes;
        self
    }

    /// Bytes parsed at once inside a partition (default 4 MiB): memory per worker.
    pub fn parse_block(mut self, bytes: usize) -> Self {
        self.parse_block = bytes.max(1);
        self
    }

    /// Bytes read from the start of every file to infer the schema (default 1 MiB).
    pub fn sample_bytes(mut self, bytes: usize) -> Self {
        self.sample_bytes = bytes.max(1);
        self
    }

    /// Rows with too many or too few fields: an error (default), or skipped
    /// (`on_bad_lines='warn'` / `'skip'` in Dask).
    pub fn on_bad_lines(mut self, policy: OnBadLines) -> Self {
        self.on_bad_lines = policy;
        self
    }

    fn parse_options(&self) -> CsvParseOptions {
        CsvParseOptions::default()
            .with_separator(self.separator)
            .with_null_values(Some(NullValues::AllColumns(
                self.null_values.iter().map(|s| s.as_str().into()).collect(),
            )))
            .with_encoding(match self.encoding {
                Encoding::Lossy => CsvEncoding::LossyUtf8,
                _ => CsvEncoding::Utf8,
            })
    }

    /// Finds the files, infers and widens the schema over samples of every file, and
    /// returns the frame. Fails before anything runs when a pattern matches nothing, a
    /// file's header differs, or a type override names a missing column.
    pub fn open(&self) -> Result<DFrame> {
        let paths = resolve(&self.inputs)?;
        if paths.is_empty() {
            return Err(Error::invalid("read_csv was given no file"));
        }
        let mut schema: Option<(PathBuf, Schema)> = None;
        let mut parts = Vec::new();
        let mut samples = Vec::new();
        for path in &paths {
            let (s, quoted_line_breaks, sample) = self.sample_schema(path)?;
            samples.push(sample);
            // A file whose quoted fields hold line breaks is read whole: a part of it
            // could start inside such a field.
            let block_size = if quoted_line_breaks {
                0
            } else {
                self.block_size
            };
            parts.extend(splits(
                std::slice::from_ref(path),
                self.compression,
                block_size,
            )?);
            schema = Some(match schema {
                None => (path.clone(), s),
                Some((first, acc)) => {
                    let names_a: Vec<&PlSmallStr> = acc.iter_names().collect();
                    let names_b: Vec<&PlSmallStr> = s.iter_names().collect();
                    if names_a != names_b {
                        return Err(Error::Input {
                            path: path.clone(),
                            line: Some(1),
                            offset: Some(0),
                            message: format!(
                                "the columns {names_b:?} differ from {names_a:?} of {}",
                                first.display()
                            ),
                        });
                    }
                    let merged = acc
                        .iter()
                        .zip(s.iter())
                        .map(|((name, a), (_, b))| Field::new(name.clone(), widen(a, b)))
                        .collect();
                    (first, merged)
                }
            });
        }
        let (_, mut schema) = schema.ok_or_else(|| Error::invalid("read_csv was given no file"))?;
        // No value anywhere in the samples: text, as polars reads such a column.
        let schema_fields: Vec<Field> = schema
            .iter()
            .map(|(name, t)| {
                let t = if t.is_null() {
                    DataType::String
                } else {
                    t.clone()
                };
                Field::new(name.clone(), t)
            })
            .collect();
        schema = schema_fields.into_iter().collect();
        for (name, dtype) in &self.dtypes {
            if schema.get(name.as_str()).is_none() {
                return Err(Error::invalid(format!(
                    "dtype given for column {name:?}, which the files do not have (columns: \
                     {:?}; files: {})",
                    schema.iter_names().collect::<Vec<_>>(),
                    crate::scan::files_origin("read_csv", paths.iter().map(PathBuf::as_path)),
                )));
            }
            schema.with_column(name.as_str().into(), dtype.clone());
        }
        let splits = parts;
        let token = Tokenizer::new("read_csv")
            .param(&splits)
            .param(&format!("{:?}", self))
            .finish();
        let estimate = estimate_from(samples, &schema);
        let schema = Arc::new(schema);
        let source = CsvSource {
            options: self.clone(),
            splits,
            schema: Arc::clone(&schema),
            token,
        };
        let mut frame = DFrame::from_source(Box::new(source), schema);
        frame.sample = estimate.map(Arc::new);
        Ok(frame)
    }

    /// The schema polars infers from the first `sample_bytes` of one file, whether the
    /// sample has a quoted field holding a line break, and its rows.
    fn sample_schema(&self, path: &Path) -> Result<(Schema, bool, FileSample)> {
        let split = Split {
            path: path.to_path_buf(),
            compression: self
                .compression
                .unwrap_or_else(|| Compression::from_path(path)),
            range: None,
        };
        let mut sample: Option<Vec<u8>> = None;
        let framing = Framing::csv(self.max_line);
        for_each_block(&split, self.sample_bytes, framing, &(), |block| {
            sample = Some(block.bytes.to_vec());
            Ok(false)
        })?;
        let sample = sample.unwrap_or_default();
        let sample_len = sample.len();
        let quoted_line_breaks = framing.quoted_line_break(&sample);
        // Rows of a wrong field count are refused or skipped here as in the scan (which
        // warns about them: not twice).
        let header = sample.split(|&b| b == b'\n').next().unwrap_or_default();
        let n = fields(header.strip_suffix(b"\r").unwrap_or(header), self.separator);
        let policy = match self.on_bad_lines {
            OnBadLines::Warn => OnBadLines::Skip,
            p => p,
        };
        let newlines = memchr::memchr_iter(b'\n', &sample).count();
        let rows = Rows {
            newlines,
            n,
            sep: self.separator,
        };
        let sample = without_bad_rows(&sample, rows, policy, (path, Some(1), 0), None)?;
        let bytes = transcode(sample, self.encoding).into_owned();
        if bytes.is_empty() {
            return Err(Error::Input {
                path: path.to_path_buf(),
                line: None,
                offset: Some(0),
                message: "empty file: no header and no rows".into(),
            });
        }
        let df = CsvReadOptions::default()
            .with_has_header(self.has_header)
            .with_infer_schema_length(None)
            .with_n_threads(Some(1))
            .with_parse_options(self.parse_options())
            .into_reader_with_file_handle(Cursor::new(bytes))
            .finish()
            .map_err(|e| polars_error(path, None, None, e))?;
        // A column with no value in the sample (a file of only a header, a column left
        // empty) says nothing of its type: it takes the other files' type when widened.
        let schema = df
            .columns()
            .iter()
            .map(|c| {
                let dtype = if c.null_count() == c.len() {
                    DataType::Null
                } else {
                    c.dtype().clone()
                };
                Field::new(c.name().clone(), dtype)
            })
            .collect();
        let file = FileSample {
            bytes: sample_len,
            file_bytes: std::fs::metadata(path).map_or(0, |m| m.len()),
            compressed: split.compression != Compression::None,
            rows: df,
        };
        Ok((schema, quoted_line_breaks, file))
    }
}

/// The rows of one file's schema sample, for [`estimate::Sample`].
struct FileSample {
    rows: DataFrame,
    /// Bytes of text they were parsed from.
    bytes: usize,
    file_bytes: u64,
    compressed: bool,
}

/// How many times larger than its compressed file a CSV file is taken to be, where
/// the sample did not reach its end (text compresses 4-10 times with gzip and bzip2).
const COMPRESSION_RATIO: f64 = 5.0;

impl FileSample {
    /// The file's rows, estimated from the sample's rows per byte.
    fn rows_estimate(&self) -> f64 {
        let rows = self.rows.height() as f64;
        let text = self.file_bytes as f64
            * if self.compressed {
                COMPRESSION_RATIO
            } else {
                1.0
            };
        (rows * text / self.bytes.max(1) as f64).max(rows)
    }
}

/// The files' samples as one, cast to the dataset's schema, at most
/// [`estimate::SAMPLE_ROWS`] rows taken evenly from the files; `None` where a file's
/// sample does not cast (the estimate is only lost, never the read).
fn estimate_from(files: Vec<FileSample>, schema: &Schema) -> Option<estimate::Sample> {
    let total: f64 = files.iter().map(FileSample::rows_estimate).sum();
    let per_file = estimate::SAMPLE_ROWS.div_ceil(files.len().max(1));
    let casts: Vec<Expr> = schema
        .iter()
        .map(|(name, t)| col(name.clone()).cast(t.clone()))
        .collect();
    let parts = files
        .iter()
        .map(|f| {
            f.rows
                .head(Some(per_file))
                .lazy()
                .select(casts.clone())
                .collect()
                .ok()
        })
        .collect::<Option<Vec<DataFrame>>>()?;
    let mut rows = parts.first()?.clear();
    for p in &parts {
        rows.vstack_mut(p).ok()?;
    }
    let share = if total > 0.0 {
        rows.height() as f64 / total
    } else {
        1.0
    };
    Some(estimate::Sample::new(rows, share))
}

/// The narrowest type both values fit: integers widen to floats, anything else that
/// differs to strings; a column of nulls takes the other's type.
fn widen(a: &DataType, b: &DataType) -> DataType {
    use DataType::*;
    match (a, b) {
        _ if a == b => a.clone(),
        (Null, x) | (x, Null) => x.clone(),
        (x, y) if x.is_integer() && y.is_integer() => Int64,
        (x, y) if x.is_primitive_numeric() && y.is_primitive_numeric() => Float64,
        _ => String,
    }
}

/// Latin1 bytes as UTF-8 (ASCII blocks pass through untouched).
fn transcode(bytes: Cow<'_, [u8]>, encoding: Encoding) -> Cow<'_, [u8]> {
    if encoding != Encoding::Latin1 || bytes.is_ascii() {
        return bytes;
    }
    Cow::Owned(
        bytes
            .iter()
            .map(|&b| char::from(b))
            .collect::<std::string::String>()
            .into_bytes(),
    )
}

/// Fields of a line; separators inside double quotes do not count.
fn fields(line: &[u8], sep: u8) -> usize {
    let mut inside = false;
    1 + line
        .iter()
        .filter(|&&b| {
            if b == b'"' {
                inside = !inside;
            }
            b == sep && !inside
        })
        .count()
}

/// What rows of a block should look like: `n` fields split by `sep`; `newlines`: the
/// line breaks in the block, already counted.
#[derive(Clone, Copy)]
struct Rows {
    newlines: usize,
    n: usize,
    sep: u8,
}

/// `bytes` without its rows of a wrong field count, as `policy` says: an error naming
/// the first, or the rows skipped (`Warn` warns of each) and counted in the statistics
/// of the run of `ctx` (none for the schema sample, read before any run). `at`: the
/// file, and the line and offset where `bytes` starts.
fn without_bad_rows<'a>(
    bytes: &'a [u8],
    rows: Rows,
    policy: OnBadLines,
    at: (&Path, Option<u64>, u64),
    ctx: Option<&TaskContext<'_>>,
) -> Result<Cow<'a, [u8]>> {
    let (path, first_line, offset) = at;
    let n = rows.n;
    // polars reads a row short of fields as nulls and stops at one with too many.
    let bad = bad_rows(bytes, rows, policy != OnBadLines::Error);
    let describe = |found: usize| {
        let s = if found == 1 { "" } else { "s" };
        format!("a row with {found} field{s} where the header has {n}")
    };
    let Some(&(index, start, _, found)) = bad.first() else {
        return Ok(Cow::Borrowed(bytes));
    };
    if policy == OnBadLines::Error {
        return Err(Error::Input {
            path: path.to_path_buf(),
            line: first_line.map(|l| l + index),
            offset: Some(offset + start as u64),
            message: describe(found),
        });
    }
    let mut kept = Vec::with_capacity(bytes.len());
    let mut from = 0;
    for &(index, start, end, found) in &bad {
        if policy == OnBadLines::Warn
            && let Some(ctx) = ctx
        {
            ctx.warn(&format!(
                "skipped {}, {}byte {}: {}",
                path.display(),
                first_line.map_or(String::new(), |l| format!("line {}, ", l + index)),
                offset + start as u64,
                describe(found),
            ));
        }
        kept.extend_from_slice(&bytes[from..start]);
        from = end;
    }
    kept.extend_from_slice(&bytes[from..]);
    if let Some(ctx) = ctx {
        ctx.rows_skipped(bad.len() as u64);
    }
    Ok(Cow::Owned(kept))
}

/// The non-empty lines of `bytes` without `n` fields (only the first unless `all`):
/// index in the block, start, end (after the line break) and field count. Separators
/// inside double quotes do not count.
///
/// Fast path, for blocks without quotes when only the first bad row is wanted: the
/// separators of the whole block are counted at once, and when they are exactly `n - 1`
/// a line, no line is checked. (A line short of fields could then only hide behind one
/// with too many, which polars refuses.)
fn bad_rows(bytes: &[u8], rows: Rows, all: bool) -> Vec<(u64, usize, usize, usize)> {
    use memchr::{memchr, memchr_iter};
    let Rows { newlines, n, sep } = rows;
    let quoted = memchr(b'"', bytes).is_some();
    // The fast path cannot see a short row offset by a long one: fine when the first
    // bad row is an error (polars then refuses the long row, and the error path names
    // it), wrong when rows are to be skipped, so then every line is checked.
    if !quoted && !all {
        let lines = newlines + usize::from(!bytes.ends_with(b"\n"));
        if memchr_iter(sep, bytes).count() == lines * n.saturating_sub(1) {
            return Vec::new();
        }
    }
    let mut bad = Vec::new();
    // Records end at line breaks outside quotes (a quoted field may hold line breaks,
    // RFC 4180); `index` counts the line breaks before a record, for its line number.
    let framing = Framing::csv(u64::MAX);
    let ends: Box<dyn Iterator<Item = usize>> = match quoted {
        true => Box::new(framing.ends(bytes)),
        false => Box::new(memchr_iter(b'\n', bytes)),
    };
    let (mut start, mut index) = (0usize, 0u64);
    let unterminated = (!bytes.ends_with(b"\n") && !bytes.is_empty()).then_some(bytes.len());
    for end in ends.chain(unterminated) {
        let (record_start, next) = (start, (end + 1).min(bytes.len()));
        let record_index = index;
        start = next;
        index += match quoted {
            true => memchr_iter(b'\n', &bytes[record_start..next]).count() as u64,
            false => 1,
        };
        let record = &bytes[record_start..end];
        let record = record.strip_suffix(b"\r").unwrap_or(record);
        if record.is_empty() {
            continue;
        }
        let found = match quoted {
            true => fields(record, sep),
            false => 1 + memchr_iter(sep, record).count(),
        };
        if found != n {
            bad.push((record_index, record_start, next, found));
            if !all {
                break;
            }
        }
    }
    bad
}

/// The 0-based index of the line of `bytes` where `fails` starts to hold for the
/// prefixes of `bytes` ending at a line break (binary search; `fails` holds for all of
/// `bytes`).
fn first_failing_line(bytes: &[u8], fails: impl Fn(&[u8]) -> bool) -> Option<u64> {
    // Prefixes end at record ends: a line break inside a quoted field cuts no prefix.
    let ends: Vec<usize> = Framing::csv(u64::MAX)
        .ends(bytes)
        .map(|i| i + 1)
        .chain((!bytes.ends_with(b"\n")).then_some(bytes.len()))
        .collect();
    // The smallest k with fails(first k lines), in 1..=ends.len().
    let (mut lo, mut hi) = (1, ends.len());
    if hi == 0 {
        return None;
    }
    while lo < hi {
        let mid = (lo + hi) / 2;
        if fails(&bytes[..ends[mid - 1]]) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    // The failing record's first line: the line breaks before it.
    let start = if lo == 1 { 0 } else { ends[lo - 2] };
    Some(memchr::memchr_iter(b'\n', &bytes[..start]).count() as u64)
}

/// The 0-based line of `bytes` that holds parsed row `row`: the row-th non-empty line,
/// if it holds `value`, else the first line that does (quoted line breaks shift rows).
fn line_of_row(bytes: &[u8], row: u64, value: &str) -> Option<u64> {
    let has = |line: &[u8]| {
        let v = value.as_bytes();
        v.is_empty() || line.windows(v.len()).any(|w| w == v)
    };
    let lines = || bytes.split(|&b| b == b'\n').enumerate();
    lines()
        .filter(|(_, l)| !l.iter().all(|b| b.is_ascii_whitespace()))
        .nth(row as usize)
        .filter(|(_, l)| has(l))
        .or_else(|| lines().find(|(_, l)| has(l)))
        .map(|(i, _)| i as u64)
}

struct CsvSource {
    options: ReadCsv,
    splits: Vec<Split>,
    schema: SchemaRef,
    token: u64,
}

impl CsvSource {
    /// Parses whole lines of a block into a frame of the needed columns.
    fn parse(&self, bytes: &[u8], columns: &Option<Arc<[PlSmallStr]>>) -> PolarsResult<DataFrame> {
        CsvReadOptions::default()
            .with_has_header(false)
            .with_schema(Some(Arc::clone(&self.schema)))
            .with_columns(columns.clone())
            .with_n_threads(Some(1))
            .with_rechunk(false)
            .with_parse_options(self.options.parse_options())
            .into_reader_with_file_handle(Cursor::new(bytes))
            .finish()
    }
}

impl Source for CsvSource {
    fn npartitions(&self) -> usize {
        self.splits.len()
    }
    fn label(&self) -> &'static str {
        "read_csv"
    }
    fn token(&self) -> u64 {
        self.token
    }
    fn origin(&self) -> String {
        crate::scan::files_origin(self.label(), self.splits.iter().map(|s| s.path.as_path()))
    }
    fn bytes(&self) -> Option<u64> {
        crate::scan::files_bytes(self.splits.iter().map(|s| s.path.as_path()))
    }
    fn scan(
        &self,
        p: usize,
        ctx: &TaskContext<'_>,
        _: &[Value],
        needs: &Needs,
        sink: &mut dyn FnMut(&[RootItem<'_>]) -> Result<bool>,
    ) -> Result<()> {
        let split = &self.splits[p];
        let columns: Option<Arc<[PlSmallStr]>> =
            projection(&self.schema, needs).map(|c| c.into_iter().map(PlSmallStr::from).collect());
        let mut header = self.options.has_header && split.range.is_none_or(|(s, _)| s == 0);
        let framing = Framing::csv(self.options.max_line);
        for_each_block(split, self.options.parse_block, framing, ctx, |block| {
            let mut bytes = block.bytes;
            let mut first_line = block.first_line;
            let mut newlines = block.newlines as usize;
            if header {
                // The header was read once, for the schema.
                header = false;
                let nl = memchr::memchr(b'\n', bytes).map_or(bytes.len(), |i| i + 1);
                bytes = &bytes[nl..];
                first_line += 1;
                newlines = newlines.saturating_sub(1);
            }
            if bytes.iter().all(|b| b.is_ascii_whitespace()) {
                return Ok(true);
            }
            let at = block.offset + (block.bytes.len() - bytes.len()) as u64;
            let rows = Rows {
                newlines,
                n: self.schema.len(),
                sep: self.options.separator,
            };
            let bytes = without_bad_rows(
                bytes,
                rows,
                self.options.on_bad_lines,
                (&split.path, split.line(first_line), at),
                Some(ctx),
            )?;
            // Line numbers within the block are the file's unless rows were skipped.
            let whole = matches!(bytes, Cow::Borrowed(_));
            if !whole && bytes.iter().all(|b| b.is_ascii_whitespace()) {
                return Ok(true); // every row was skipped
            }
            let bytes = transcode(bytes, self.options.encoding);
            let df = self.parse(&bytes, &columns).map_err(|e| {
                // Find the row: the shortest prefix of the block that fails (the error
                // path only: a few parses of shrinking prefixes).
                let row = whole
                    .then(|| first_failing_line(&bytes, |b| self.parse(b, &columns).is_err()))
                    .flatten();
                match row {
                    Some(i) => polars_error(&split.path, split.line(first_line + i), None, e),
                    None => {
                        polars_error(&split.path, split.line(first_line), Some(block.offset), e)
                    }
                }
            })?;
            sink(&[RootItem::Item(&df)]).map_err(|e| match e {
                // A consumer found text that is not a number: name the file and line.
                Error::Value { column, value, row } => {
                    let line = whole.then(|| line_of_row(&bytes, row, &value)).flatten();
                    Error::Input {
                        path: split.path.clone(),
                        line: line.and_then(|i| split.line(first_line + i)),
                        offset: line.is_none().then_some(block.offset),
                        message: format!("column {column:?}: {value:?} is not a number"),
                    }
                }
                e => e,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(bytes: &[u8], n: usize) -> Rows {
        Rows {
            newlines: memchr::memchr_iter(b'\n', bytes).count(),
            n,
            sep: b',',
        }
    }

    /// The plain reference: every non-empty line split on commas outside quotes.
    fn reference(bytes: &[u8], n: usize) -> Vec<u64> {
        bytes
            .split(|&b| b == b'\n')
            .enumerate()
            .filter(|(_, l)| !l.strip_suffix(b"\r").unwrap_or(l).is_empty())
            .filter(|(_, l)| fields(l.strip_suffix(b"\r").unwrap_or(l), b',') != n)
            .map(|(i, _)| i as u64)
            .collect()
    }

    #[test]
    fn bad_rows_match_a_line_by_line_count() {
        let cases: [&[u8]; 7] = [
            b"1,2,3\n4,5,6\n",
            b"1,2,3\n4,5\n7,8,9",
            b"1,2,3\n4,5,6,7\n8,9,0\n",
            b"1,2,3\r\n4,5\r\n\r\n7,8,9\r\n",
            b"\"a,b\",2,3\n4,\"5,6\",7\n8,9\n",
            b"1,2\n3,4,5\n",
            b"",
        ];
        for bytes in cases {
            let want = reference(bytes, 3);
            let all: Vec<u64> = bad_rows(bytes, rows(bytes, 3), true)
                .iter()
                .map(|r| r.0)
                .collect();
            assert_eq!(all, want, "{:?}", String::from_utf8_lossy(bytes));
            let first: Vec<u64> = bad_rows(bytes, rows(bytes, 3), false)
                .iter()
                .map(|r| r.0)
                .collect();
            assert_eq!(first, want.into_iter().take(1).collect::<Vec<_>>());
        }
        // A short row offset by a long one: the fast path (first row only) misses
        // them, as polars refuses the long row anyway; skipping finds both.
        let hidden = b"1,2\n3,4,5,6\n";
        let all: Vec<u64> = bad_rows(hidden, rows(hidden, 3), true)
            .iter()
            .map(|r| r.0)
            .collect();
        assert_eq!(all, vec![0, 1]);
        // Start and end of a bad row cover its line break, so removing it keeps the rest.
        let bytes = b"1,2,3\n4,5\n7,8,9\n";
        let bad = bad_rows(bytes, rows(bytes, 3), true);
        assert_eq!(bad, vec![(1, 6, 10, 2)]);
        assert_eq!(&bytes[bad[0].1..bad[0].2], b"4,5\n");
    }

    #[test]
    fn first_failing_line_finds_the_shortest_failing_prefix() {
        let bytes = b"a\nb\nc\nBAD\nd\n";
        let fails = |b: &[u8]| b.windows(3).any(|w| w == b"BAD");
        assert_eq!(first_failing_line(bytes, fails), Some(3));
        assert_eq!(first_failing_line(b"BAD", fails), Some(0));
        assert_eq!(first_failing_line(b"a\nb\nBAD", fails), Some(2));
    }
}
