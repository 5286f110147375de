//! Arrow interop (cargo feature `arrow`): frames to and from arrow-rs `RecordBatch`es
//! through the Arrow C Data Interface, so DataFusion, arrow-rs and Lance users hand data
//! in and take it out. polars and arrow-rs are two Arrow implementations in one
//! process: each column crosses as the C interface's two structs (the same layout on
//! both sides), its buffers shared, never copied (polars' own string view columns
//! leave as arrow-rs `StringViewArray`s; arrow-rs `Utf8` columns are turned into views by
//! polars on the way in).

use std::sync::Arc;

use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi, to_ffi};
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{ArrayRef, RecordBatch, RecordBatchReader, make_array};
use arrow_schema::ArrowError;
use polars::prelude::*;

use super::DFrame;
use crate::graph::{Tokenizer, Value};
use crate::{Config, Delayed, Error, Result};

fn arrow_error(what: &str, e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::external(what.to_string(), e)
}

/// One polars column as an arrow-rs array and field, its buffers shared.
fn column_to_arrow(c: &Column) -> Result<(arrow_schema::Field, ArrayRef)> {
    let s = c.as_materialized_series().rechunk();
    let level = CompatLevel::newest();
    let field = s.field().to_arrow(level);
    let array = s.to_arrow(0, level);
    let c_array = polars_arrow::ffi::export_array_to_c(array);
    let c_schema = polars_arrow::ffi::export_field_to_c(&field);
    // SAFETY: both are the C Data Interface's `ArrowArray` and `ArrowSchema`, declared
    // `#[repr(C)]` with the same fields on both sides (`transmute` checks the sizes);
    // ownership (the release callbacks) moves with them.
    let (c_array, c_schema) = unsafe {
        (
            std::mem::transmute::<polars_arrow::ffi::ArrowArray, FFI_ArrowArray>(c_array),
            std::mem::transmute::<polars_arrow::ffi::ArrowSchema, FFI_ArrowSchema>(c_schema),
        )
    };
    let field = arrow_schema::Field::try_from(&c_schema)
        .map_err(|e| arrow_error(&format!("column {:?} to Arrow", c.name().as_str()), e))?;
    // SAFETY: the structs were just exported by polars, whole and valid.
    let data = unsafe { from_ffi(c_array, &c_schema) }
        .map_err(|e| arrow_error(&format!("column {:?} to Arrow", c.name().as_str()), e))?;
    Ok((field, make_array(data)))
}

/// One arrow-rs array as a polars column named `name`, its buffers shared.
fn column_from_arrow(name: &str, array: &ArrayRef) -> Result<Column> {
    let what = || format!("Arrow column {name:?} to polars");
    let (c_array, c_schema) = to_ffi(&array.to_data()).map_err(|e| arrow_error(&what(), e))?;
    // SAFETY: as in `column_to_arrow`, the other way.
    let (c_array, c_schema) = unsafe {
        (
            std::mem::transmute::<FFI_ArrowArray, polars_arrow::ffi::ArrowArray>(c_array),
            std::mem::transmute::<FFI_ArrowSchema, polars_arrow::ffi::ArrowSchema>(c_schema),
        )
    };
    // SAFETY: exported just now by arrow-rs, whole and valid.
    let field = unsafe { polars_arrow::ffi::import_field_from_c(&c_schema) }
        .map_err(|e| arrow_error(&what(), e))?;
    let array = unsafe { polars_arrow::ffi::import_array_from_c(c_array, field.dtype().clone()) }
        .map_err(|e| arrow_error(&what(), e))?;
    let s = Series::from_arrow(name.into(), array).map_err(|e| arrow_error(&what(), e))?;
    Ok(s.into_column())
}

/// A polars frame as a record batch (no copy of the buffers).
///
/// ```
/// use polars::prelude::*;
/// let df = df!("k" => ["a", "b"], "v" => [1.5, 2.5]).unwrap();
/// let batch = chunkwise::dataframe::to_record_batch(&df).unwrap();
/// assert_eq!((batch.num_rows(), batch.num_columns()), (2, 2));
/// assert_eq!(chunkwise::dataframe::from_record_batch(&batch).unwrap(), df);
/// ```
pub fn to_record_batch(df: &DataFrame) -> Result<RecordBatch> {
    let (fields, arrays): (Vec<_>, Vec<_>) = df
        .columns()
        .iter()
        .map(column_to_arrow)
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .unzip();
    let schema = Arc::new(arrow_schema::Schema::new(fields));
    let options = arrow_array::RecordBatchOptions::new().with_row_count(Some(df.height()));
    RecordBatch::try_new_with_options(schema, arrays, &options)
        .map_err(|e| arrow_error("a record batch from a frame", e))
}

/// A record batch as a polars frame (no copy of numeric buffers).
pub fn from_record_batch(batch: &RecordBatch) -> Result<DataFrame> {
    let columns = batch
        .schema()
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(f, a)| column_from_arrow(f.name(), a))
        .collect::<Result<Vec<_>>>()?;
    DataFrame::new(batch.num_rows(), columns)
        .map_err(|e| arrow_error("a frame from a record batch", e))
}

impl DFrame {
    /// A frame over record batches, one partition per batch (as from a DataFusion or
    /// Lance scan). Every batch must have the first one's schema: one that differs is
    /// an error naming its index and the column.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Float64Array, RecordBatch, StringArray};
    /// use chunkwise::dataframe::DFrame;
    /// let batch = |k: &str, v: f64| {
    ///     RecordBatch::try_from_iter([
    ///         ("k", Arc::new(StringArray::from(vec![k, k])) as _),
    ///         ("v", Arc::new(Float64Array::from(vec![v, v + 1.0])) as _),
    ///     ])
    ///     .unwrap()
    /// };
    /// let frame = DFrame::from_record_batches([batch("a", 1.0), batch("b", 10.0)]).unwrap();
    /// assert_eq!(frame.npartitions(), 2);
    /// assert_eq!(frame.column("v").unwrap().sum().compute().unwrap(), 24.0);
    /// let back = frame.to_record_batches().unwrap();
    /// assert_eq!(back.iter().map(|b| b.num_rows()).sum::<usize>(), 4);
    /// ```
    pub fn from_record_batches(batches: impl IntoIterator<Item = RecordBatch>) -> Result<DFrame> {
        let parts = batches
            .into_iter()
            .map(|b| from_record_batch(&b))
            .collect::<Result<Vec<_>>>()?;
        DFrame::from_frames(parts, "record batch", "from_record_batches")
    }

    /// A frame over the batches of a record batch reader (a DataFusion or Lance
    /// stream, an [`ArrowArrayStreamReader`]), one partition per batch. The reader is
    /// read through now: a frame may be computed more than once, a stream only read
    /// once, so the batches are held (their buffers shared, not copied). A reader's
    /// error is returned, naming the batch it came at.
    pub fn from_record_batch_reader(reader: impl RecordBatchReader) -> Result<DFrame> {
        let batches = reader
            .enumerate()
            .map(|(i, b)| b.map_err(|e| arrow_error(&format!("record batch {i} of the reader"), e)))
            .collect::<Result<Vec<_>>>()?;
        DFrame::from_record_batches(batches)
    }

    /// A frame over the batches of a record batch reader larger than memory: the reader
    /// is read through now into Arrow IPC files (LZ4) in `dir`, a part of about 64 MiB
    /// each, and the frame reads its partitions from them, so memory holds one part's
    /// batches at a time rather than the stream. `dir` is replaced whole once every
    /// batch is written (as [`to_ipc`](Self::to_ipc) replaces its output); a reader's
    /// error, naming the batch, leaves `dir` as it was.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{Int64Array, RecordBatch, RecordBatchIterator};
    /// use arrow_schema::{DataType, Field, Schema};
    /// use chunkwise::dataframe::DFrame;
    /// let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, false)]));
    /// let batches: Vec<_> = (0..4)
    ///     .map(|i| RecordBatch::try_new(Arc::clone(&schema), vec![Arc::new(Int64Array::from(vec![i; 10]))]))
    ///     .collect();
    /// let dir = tempfile::tempdir().unwrap();
    /// let reader = RecordBatchIterator::new(batches, schema);
    /// let df = DFrame::from_record_batch_reader_to(reader, dir.path().join("staged")).unwrap();
    /// assert_eq!(df.len().compute().unwrap(), 40);
    /// ```
    pub fn from_record_batch_reader_to(
        reader: impl RecordBatchReader,
        dir: impl AsRef<std::path::Path>,
    ) -> Result<DFrame> {
        let dir = dir.as_ref();
        let paths = spool(reader, dir, super::files::PARQUET_PARTITION_BYTES as usize)?;
        super::files::open_paths(paths, super::files::Format::Ipc, u64::MAX)
    }

    /// A frame over an Arrow C stream (`ArrowArrayStream`, as pyarrow's
    /// `RecordBatchReader._export_to_c`, DuckDB's or any C Data Interface producer
    /// hands out), read through as [`from_record_batch_reader`](Self::from_record_batch_reader).
    pub fn from_arrow_stream(stream: FFI_ArrowArrayStream) -> Result<DFrame> {
        let reader = ArrowArrayStreamReader::try_new(stream)
            .map_err(|e| arrow_error("an Arrow C stream", e))?;
        DFrame::from_record_batch_reader(reader)
    }

    /// The frame as a record batch reader that computes it a few partitions at a time
    /// (as many as the configuration's workers) and hands out their batches as it
    /// goes, so a result larger than memory can be streamed to a consumer. Partitions
    /// that share work (after a shuffle, a join or a sort) are computed in one run,
    /// not once per window. An error ends the stream: the reader returns it (naming
    /// the file or task, as a compute does) and nothing after it.
    ///
    /// ```
    /// use chunkwise::bag::Bag;
    /// use arrow_array::RecordBatchReader;
    /// use polars::prelude::*;
    /// let schema = Schema::from_iter([Field::new("x".into(), DataType::Int64)]);
    /// let df = Bag::from_iter(0..100i64, 5).to_dataframe(schema, |x| vec![AnyValue::Int64(*x)]).unwrap();
    /// let config = chunkwise::Config::new().scheduler(chunkwise::Scheduler::threads(2));
    /// let reader = df.to_record_batch_reader(&config).unwrap();
    /// assert_eq!(reader.schema().field(0).name(), "x");
    /// let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
    /// assert_eq!(rows, 100);
    /// ```
    pub fn to_record_batch_reader(&self, config: &Config) -> Result<FrameReader> {
        let token = Tokenizer::new("to_record_batch_reader")
            .sequenced()
            .finish();
        let (nodes, _) = self.partition_nodes("to_record_batch_reader", token, None);
        let window = if shares_work(&nodes) {
            nodes.len()
        } else {
            match config.get_scheduler().workers() {
                0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
                n => n,
            }
        }
        .max(1);
        let arrow_schema = to_record_batch(&DataFrame::empty_with_schema(self.schema()))?.schema();
        Ok(FrameReader {
            parts: nodes.into_iter().map(Delayed::from_arc).collect(),
            next: 0,
            window,
            ready: std::collections::VecDeque::new(),
            schema: Arc::clone(self.schema()),
            arrow_schema,
            config: config.clone(),
            failed: false,
        })
    }

    /// The frame as an Arrow C stream ([`to_record_batch_reader`](Self::to_record_batch_reader)
    /// behind the C Stream Interface), for a consumer in another language or library.
    pub fn to_arrow_stream(&self, config: &Config) -> Result<FFI_ArrowArrayStream> {
        Ok(FFI_ArrowArrayStream::new(Box::new(
            self.to_record_batch_reader(config)?,
        )))
    }

    /// Computes the frame and hands it out as record batches, one per partition (empty
    /// partitions left out), on the process-wide configuration.
    pub fn to_record_batches(&self) -> Result<Vec<RecordBatch>> {
        self.to_record_batches_with(&Config::current()?)
    }

    /// As [`to_record_batches`](Self::to_record_batches) with a configuration.
    pub fn to_record_batches_with(&self, config: &Config) -> Result<Vec<RecordBatch>> {
        let token = Tokenizer::new("to_record_batches").sequenced().finish();
        let (nodes, _) = self.partition_nodes("to_record_batches", token, None);
        let parts: Vec<Delayed<Vec<DataFrame>>> =
            nodes.into_iter().map(Delayed::from_arc).collect();
        let schema = Arc::clone(self.schema());
        crate::compute_with(&parts, config)?
            .into_iter()
            .filter(|p| p.iter().any(|b| b.height() > 0))
            .map(|p| {
                let v: Value = Arc::new(p);
                to_record_batch(&super::shuffle::whole(&v, &schema)?)
            })
            .collect()
    }
}

/// Whether some task is needed by more than one of these partitions' tasks (a
/// shuffle's splits, a broadcast side): then they are computed together.
fn shares_work(nodes: &[Arc<crate::graph::Node>]) -> bool {
    let mut owner: std::collections::HashMap<*const crate::graph::Node, usize> =
        std::collections::HashMap::new();
    for (p, n) in nodes.iter().enumerate() {
        let mut stack = vec![Arc::clone(n)];
        while let Some(n) = stack.pop() {
            match owner.insert(Arc::as_ptr(&n), p) {
                Some(q) if q != p => return true,
                Some(_) => continue,
                None => stack.extend(n.deps.iter().cloned()),
            }
        }
    }
    false
}

/// A frame computed a window of partitions at a time, handed out as record batches
/// ([`DFrame::to_record_batch_reader`]).
pub struct FrameReader {
    parts: Vec<Delayed<Vec<DataFrame>>>,
    next: usize,
    window: usize,
    ready: std::collections::VecDeque<RecordBatch>,
    schema: SchemaRef,
    arrow_schema: arrow_schema::SchemaRef,
    config: Config,
    failed: bool,
}

impl FrameReader {
    /// Computes the next window into `ready`.
    fn fill(&mut self) -> Result<()> {
        let end = (self.next + self.window).min(self.parts.len());
        let computed = crate::compute_with(&self.parts[self.next..end], &self.config)?;
        self.next = end;
        for p in computed {
            if p.iter().any(|b| b.height() > 0) {
                let v: Value = Arc::new(p);
                self.ready
                    .push_back(to_record_batch(&super::shuffle::whole(&v, &self.schema)?)?);
            }
        }
        Ok(())
    }
}

impl Iterator for FrameReader {
    type Item = std::result::Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        while self.ready.is_empty() && !self.failed && self.next < self.parts.len() {
            if let Err(e) = self.fill() {
                self.failed = true;
                return Some(Err(ArrowError::ExternalError(Box::new(e))));
            }
        }
        self.ready.pop_front().map(Ok)
    }
}

impl RecordBatchReader for FrameReader {
    fn schema(&self) -> arrow_schema::SchemaRef {
        Arc::clone(&self.arrow_schema)
    }
}

/// Writes `reader`'s batches into `dir` as IPC files of about `part_bytes` of frames
/// each (at least one file, empty if the reader is, so the frame has its columns), and
/// returns their paths in order once `dir` holds all of them.
fn spool(
    reader: impl RecordBatchReader,
    dir: &std::path::Path,
    part_bytes: usize,
) -> Result<Vec<std::path::PathBuf>> {
    use crate::io::{Replaces, StagedDir};
    if crate::cluster::shared_by_ranks() {
        // Every rank would spool its own copy and replace the others'.
        return Err(Error::invalid(format!(
            "{}: a stream is spooled by one process; under the MPI scheduler on several ranks, \
             spool it before the job, or read it in memory (from_record_batch_reader)",
            dir.display()
        )));
    }
    let staged = StagedDir::new(dir, Replaces::DirOf(&["part-"]))?;
    let tmp = staged.path().to_path_buf();
    std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let empty = from_record_batch(&RecordBatch::new_empty(reader.schema()))?;
    // Each call's parts have names of their own, so a frame over an earlier call's
    // parts never shares task keys with this one, nor reads its files as its own.
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ u64::from(std::process::id()).rotate_left(32);
    let mut written = Vec::new();
    let write = |parts: Vec<DataFrame>, written: &mut Vec<std::path::PathBuf>| -> Result<()> {
        let path = tmp.join(format!("part-{nonce:016x}-{:06}.arrow", written.len()));
        let mut df = super::chunks(parts, empty.schema())?;
        let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        IpcWriter::new(file)
            .with_compression(Some(IpcCompression::LZ4))
            .finish(&mut df)
            .map_err(|e| arrow_error(&format!("{}", path.display()), e))?;
        written.push(path);
        Ok(())
    };
    let (mut pending, mut bytes) = (Vec::new(), 0);
    for (i, batch) in reader.enumerate() {
        let batch =
            batch.map_err(|e| arrow_error(&format!("record batch {i} of the reader"), e))?;
        let df = from_record_batch(&batch)?;
        bytes += super::frame_bytes(&df);
        pending.push(df);
        if bytes >= part_bytes {
            write(std::mem::take(&mut pending), &mut written)?;
            bytes = 0;
        }
    }
    if !pending.is_empty() || written.is_empty() {
        write(pending, &mut written)?;
    }
    staged.commit_parts(&written)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Int64Array, RecordBatch, RecordBatchIterator, StringArray};
    use arrow_schema::{ArrowError, DataType, Field, Schema};

    use super::*;

    fn batches(
        n: i64,
    ) -> (
        Arc<Schema>,
        Vec<std::result::Result<RecordBatch, ArrowError>>,
    ) {
        let schema = Arc::new(Schema::new(vec![
            Field::new("x", DataType::Int64, true),
            Field::new("s", DataType::Utf8, true),
        ]));
        let out = (0..n)
            .map(|i| {
                let x: Vec<Option<i64>> = (0..i)
                    .map(|j| (j % 3 != 0).then_some(i * 100 + j))
                    .collect();
                let s: Vec<String> = (0..i).map(|j| format!("{i}-{j}")).collect();
                RecordBatch::try_new(
                    Arc::clone(&schema),
                    vec![
                        Arc::new(Int64Array::from(x)),
                        Arc::new(StringArray::from(s)),
                    ],
                )
            })
            .collect();
        (schema, out)
    }

    fn read(paths: Vec<std::path::PathBuf>) -> DataFrame {
        let ipc = crate::dataframe::files::Format::Ipc;
        crate::dataframe::files::open_paths(paths, ipc, u64::MAX)
            .unwrap()
            .compute()
            .unwrap()
    }

    #[test]
    fn spooled_parts_hold_every_batch_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("staged");
        let (schema, all) = batches(9);
        let want = DFrame::from_record_batches(all.iter().map(|b| b.as_ref().unwrap().clone()))
            .unwrap()
            .compute()
            .unwrap();
        // Parts of a few hundred bytes: several batches each, the last part short.
        let paths = spool(
            RecordBatchIterator::new(all, Arc::clone(&schema)),
            &out,
            300,
        )
        .unwrap();
        assert!(paths.len() > 1 && paths.len() < 9, "{paths:?}");
        let got = read(paths);
        assert!(got.equals_missing(&want), "{got} {want}");
        // An empty stream is one empty part with the columns.
        let paths = spool(
            RecordBatchIterator::new(vec![], Arc::clone(&schema)),
            &out,
            300,
        )
        .unwrap();
        assert_eq!(paths.len(), 1);
        let got = read(paths);
        assert_eq!((got.height(), got.width()), (0, 2));
    }

    #[test]
    fn a_frame_over_replaced_parts_fails_rather_than_read_the_new_ones() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("staged");
        let (schema, all) = batches(4);
        let first = spool(RecordBatchIterator::new(all, Arc::clone(&schema)), &out, 1).unwrap();
        let ipc = crate::dataframe::files::Format::Ipc;
        let old = crate::dataframe::files::open_paths(first, ipc, u64::MAX).unwrap();
        let (_, all) = batches(6);
        let second = spool(RecordBatchIterator::new(all, Arc::clone(&schema)), &out, 1).unwrap();
        assert!(old.compute().is_err());
        assert_eq!(read(second).height(), (0..6).sum::<usize>());
    }

    #[test]
    fn a_failing_reader_leaves_the_old_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("staged");
        let (schema, all) = batches(4);
        spool(RecordBatchIterator::new(all, Arc::clone(&schema)), &out, 1).unwrap();
        let before = std::fs::read_dir(&out).unwrap().count();
        let (_, mut all) = batches(6);
        all[4] = Err(ArrowError::ComputeError("the producer failed".into()));
        let e = spool(RecordBatchIterator::new(all, Arc::clone(&schema)), &out, 1).unwrap_err();
        assert!(e.to_string().contains("record batch 4"), "{e}");
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), before);
        // Nothing staged is left beside it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
