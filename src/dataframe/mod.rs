//! `DFrame`: partitioned dataframes on polars, as `dask.dataframe` (feature `dataframe`).
//!
//! A frame is a [`crate::bag::Bag`] of polars `DataFrame` batches: a root source
//! (CSV blocks, Parquet or IPC files) and a chain of per-batch polars operations
//! (`filter`, `select`, `with_columns`, written with polars expressions). Reductions,
//! group-bys and writers are consumers of the root, so several results computed together
//! read and decompress each file once. Each frame also knows which source columns it
//! reads, so the CSV parser parses only those.
//!
//! Bad CSV rows are errors naming the file and line: a value that does not parse as its
//! column's type, a row with too many fields, and a row with too few (which polars alone
//! would fill with nulls). Rows with the wrong number of fields can be skipped instead
//! with [`ReadCsv::on_bad_lines`] (as Dask's `on_bad_lines="skip"`), counted in
//! [`Stats::rows_skipped`](crate::Stats).

#[cfg(feature = "arrow")]
mod arrow;
mod csv;
mod cumulative;
mod estimate;
mod files;
mod from_bag;
mod groupby;
mod index;
mod merge;
mod overlap;
mod prune;
mod series;
mod shuffle;
mod window;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;

#[cfg(feature = "arrow")]
pub use arrow::{FrameReader, from_record_batch, to_record_batch};
pub use csv::{OnBadLines, ReadCsv};
pub use groupby::{Agg, AggKind, GroupBy, Strategy};
pub use merge::{How, Merge};
pub use series::DSeries;
use shuffle::Partitioning;
pub use shuffle::{ConcatJoin, concat_frames, concat_frames_join};

use crate::bag::Bag;
use crate::io::Input;
use crate::scan::{Needs, Source};
use crate::{Delayed, Error, Result};

/// Given the columns a consumer reads from this frame, the columns the source must parse.
type NeedsFn = Arc<dyn Fn(Needs) -> Needs + Send + Sync>;

/// A lazily partitioned dataframe.
///
/// ```no_run
/// use chunkwise::dataframe::DFrame;
/// use chunkwise::io::Encoding;
/// use polars::prelude::*;
/// let air = DFrame::read_csv("data/airline/*.csv.bz2").encoding(Encoding::Latin1).open()?;
/// let max_delay = air.column("DepDelay")?.max();
/// let sfo = air.filter(col("UniqueCarrier").eq(lit("UA")).and(col("Origin").eq(lit("SFO"))))?;
/// let by_dest = sfo.groupby(&["Dest"])?.mean("DepDelay")?;
/// let (max_delay, by_dest) = chunkwise::compute((&max_delay, &by_dest))?;
/// # Ok::<(), chunkwise::Error>(())
/// ```
#[derive(Clone)]
pub struct DFrame {
    batches: Bag<DataFrame>,
    needs: NeedsFn,
    schema: SchemaRef,
    /// Where rows sit among partitions, as far as is known (after a shuffle or sort).
    partitioning: Partitioning,
    /// What it is made of, for [`DFrame::explain`].
    plan: Arc<Step>,
    /// Set while the frame is a bare Parquet scan: filters go into its reader.
    pushdown: Option<Arc<files::Pushdown>>,
    /// A few of its rows, where its scan read some as it opened (CSV), carried through
    /// per-batch operations: estimates for choosing plans.
    sample: Option<Arc<estimate::Sample>>,
}

/// One step of a frame's plan, and the steps it reads.
#[derive(Debug)]
pub(crate) struct Step {
    line: String,
    /// What a scan reads (`read_csv of a.csv, b.csv`), for errors.
    origin: Option<String>,
    inputs: Vec<Arc<Step>>,
}

impl Step {
    pub(crate) fn new(line: String, inputs: Vec<Arc<Step>>) -> Arc<Step> {
        Arc::new(Step {
            line,
            origin: None,
            inputs,
        })
    }

    /// What the scans under this step read, each once.
    fn origins(&self, out: &mut Vec<String>) {
        if let Some(o) = &self.origin
            && !out.contains(o)
        {
            out.push(o.clone());
        }
        for i in &self.inputs {
            i.origins(out);
        }
    }

    fn write(&self, depth: usize, out: &mut String) {
        out.push_str(&"  ".repeat(depth));
        out.push_str(&self.line);
        out.push('\n');
        for i in &self.inputs {
            i.write(depth + 1, out);
        }
    }
}

impl std::fmt::Debug for DFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DFrame<npartitions={}, schema={:?}>",
            self.npartitions(),
            self.schema
        )
    }
}

/// A polars error as ours, naming the file and, where known, the line and byte offset
/// where the block that failed starts.
pub(crate) fn polars_error(
    path: &Path,
    line: Option<u64>,
    offset: Option<u64>,
    e: PolarsError,
) -> Error {
    Error::Parse {
        path: path.to_path_buf(),
        line,
        offset,
        source: Box::new(e),
    }
}

/// The columns to read for `needs`, in schema order; at least one, so that row counts
/// survive a query that reads no column (`len`). `None`: all.
pub(crate) fn projection(schema: &Schema, needs: &Needs) -> Option<Vec<String>> {
    needs.as_ref().map(|n| {
        let mut cols: Vec<String> = schema
            .iter_names()
            .filter(|c| n.contains(c.as_str()))
            .map(|c| c.to_string())
            .collect();
        if cols.is_empty() {
            cols.extend(schema.iter_names().next().map(|c| c.to_string()));
        }
        cols
    })
}

/// Column `name` of `df` as `f64`, never silently: numbers are cast, text is parsed
/// and the first value that is not a number is an [`Error::Value`] naming the column,
/// the value and its row (the CSV reader turns the row into the file's line); a column
/// of another type is an error naming it. (polars' cast turns such text into nulls,
/// which reductions would then skip.)
pub(crate) fn numeric(df: &DataFrame, name: &str) -> Result<Float64Chunked> {
    let s = df
        .column(name)
        .map_err(plan_error)?
        .as_materialized_series();
    let dtype = s.dtype().clone();
    if !(dtype.is_primitive_numeric() || dtype.is_bool() || dtype.is_string() || dtype.is_null()) {
        return Err(Error::invalid(format!(
            "column {name:?} holds {dtype}, not numbers"
        )));
    }
    let cast = s.cast(&DataType::Float64).map_err(plan_error)?;
    if dtype.is_string() && cast.null_count() != s.null_count() {
        let text = s.str().map_err(plan_error)?;
        let values = cast.f64().map_err(plan_error)?;
        let row = (0..s.len())
            .find(|&i| text.get(i).is_some() && values.get(i).is_none())
            .unwrap_or(0);
        return Err(Error::Value {
            column: name.to_string(),
            value: text.get(row).unwrap_or_default().to_string(),
            row: row as u64,
        });
    }
    Ok(cast.f64().map_err(plan_error)?.clone())
}

/// An operation polars refuses on the empty frame of the schema (a missing column, a
/// type that does not fit): the user's query is at fault, said before anything runs.
/// Bytes a frame holds in memory, for the budget and for sizing partitions: polars'
/// `estimated_size`, except that text and binary columns count each value's 16-byte
/// view as well as the bytes of values too long to sit in it. polars counts only the
/// values' bytes (buffers may be shared), which for short strings, as db-benchmark's
/// keys (`id001`), is a third of what they take.
///
/// ```
/// use polars::prelude::*;
/// use chunkwise::dataframe::frame_bytes;
/// let df = df!("k" => ["id001", "id002"], "v" => [1i64, 2]).unwrap();
/// assert_eq!(frame_bytes(&df), 2 * 16 + 2 * 8);
/// // A value longer than 12 bytes lives outside its view; a null adds a validity bitmap.
/// let df = df!("k" => [Some("a value of 19 bytes"), None]).unwrap();
/// assert_eq!(frame_bytes(&df), 2 * 16 + 19 + 1);
/// ```
pub fn frame_bytes(df: &DataFrame) -> usize {
    let views = |b: &BinaryChunked| -> usize {
        b.downcast_iter()
            .map(|a| {
                let long: usize = a
                    .views()
                    .iter()
                    .filter(|v| v.length > 12)
                    .map(|v| v.length as usize)
                    .sum();
                a.views().len() * 16 + long
            })
            .sum::<usize>()
            + b.len().div_ceil(8) * usize::from(b.null_count() > 0)
    };
    df.columns()
        .iter()
        .map(|c| {
            let s = c.as_materialized_series();
            match c.dtype() {
                DataType::String => s.str().map_or(0, |s| views(&s.as_binary())),
                DataType::Binary => s.binary().map_or(0, views),
                _ => s.estimated_size(),
            }
        })
        .sum()
}

fn plan_error(e: PolarsError) -> Error {
    Error::invalid(e.to_string())
}

/// Runs polars on no rows while a query is built (to learn its answer's schema and
/// its errors before anything runs), a panic in polars (a kernel behind a polars
/// feature chunkwise does not build, such as `product`) made an error saying what.
pub(crate) fn on_no_rows<E: std::fmt::Display>(
    what: &str,
    f: impl FnOnce() -> std::result::Result<DataFrame, E>,
) -> Result<DataFrame> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(out) => out.map_err(|e| Error::invalid(format!("{what}: {e}"))),
        Err(p) => Err(Error::invalid(format!(
            "{what}: panicked on an empty frame: {}",
            crate::error::panic_message(&*p)
        ))),
    }
}

/// Expressions as `[a, b]`, for plans.
pub(crate) fn show(exprs: &[Expr]) -> String {
    let v: Vec<String> = exprs.iter().map(|e| format!("{e}")).collect();
    format!("[{}]", v.join(", "))
}

/// The source columns an expression reads.
fn roots(exprs: &[Expr]) -> BTreeSet<String> {
    exprs
        .iter()
        .flat_map(|e| e.clone().meta().root_names())
        .map(|n| n.to_string())
        .collect()
}

fn add(needs: Needs, more: &BTreeSet<String>) -> Needs {
    needs.map(|mut n| {
        n.extend(more.iter().cloned());
        n
    })
}

impl DFrame {
    /// CSV files (a glob or a path; `.bz2`, `.gz`, `.zst` decompressed): configure, then
    /// [`ReadCsv::open`].
    pub fn read_csv(pattern: &str) -> ReadCsv {
        ReadCsv::new(vec![Input::Pattern(pattern.to_string())])
    }

    /// CSV files given one by one, each path taken as it is (never as a pattern).
    pub fn read_csv_files<P: AsRef<Path>>(paths: &[P]) -> ReadCsv {
        ReadCsv::new(Input::paths(paths))
    }

    /// Parquet files, reading only the needed columns: a partition per file, or per
    /// run of row groups of about 64 MiB in memory in a larger file, so one large file
    /// is read by several tasks with memory bounded (Dask's `split_row_groups`).
    /// A filter right after the read is pushed into it: row groups whose min/max
    /// statistics rule it out are not read ([`DFrame::explain`] counts them).
    pub fn read_parquet(pattern: &str) -> Result<DFrame> {
        Self::read_parquet_split(pattern, files::PARQUET_PARTITION_BYTES)
    }

    /// [`read_parquet`](Self::read_parquet) with partitions of about `bytes` of row
    /// groups each (a row group's size: the larger of its uncompressed bytes and its
    /// rows at the schema's width; a row group is never split, so one larger than
    /// `bytes` is a partition of its own).
    ///
    /// ```
    /// use chunkwise::dataframe::DFrame;
    /// use polars::prelude::*;
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("x.parquet");
    /// let mut df = df!("a" => (0..1000i64).collect::<Vec<_>>()).unwrap();
    /// let file = std::fs::File::create(&path).unwrap();
    /// ParquetWriter::new(file).with_row_group_size(Some(100)).finish(&mut df).unwrap();
    /// let x = DFrame::read_parquet_split(path.to_str().unwrap(), 1).unwrap();
    /// assert_eq!(x.npartitions(), 10); // a row group each
    /// assert_eq!(x.column("a").unwrap().sum().compute().unwrap(), 499500.0);
    /// ```
    pub fn read_parquet_split(pattern: &str, bytes: u64) -> Result<DFrame> {
        files::open(pattern, files::Format::Parquet, bytes)
    }

    /// Arrow IPC files, one partition each.
    pub fn read_ipc(pattern: &str) -> Result<DFrame> {
        files::open(pattern, files::Format::Ipc, u64::MAX)
    }

    /// A frame over polars frames in memory, one partition each (Dask's
    /// `dd.from_delayed` of frames, or `from_pandas` with the partitions chosen).
    /// Every partition must have the first one's columns and types: one that differs
    /// is an error naming its index and the column. Empty partitions are kept.
    ///
    /// ```
    /// use chunkwise::dataframe::DFrame;
    /// use polars::prelude::*;
    /// let a = df!("k" => ["a", "b"], "v" => [1.0, 2.0]).unwrap();
    /// let b = df!("k" => ["c"], "v" => [3.0]).unwrap();
    /// let frame = DFrame::from_partitions([a, b.clone()]).unwrap();
    /// assert_eq!(frame.npartitions(), 2);
    /// assert_eq!(frame.column("v").unwrap().sum().compute().unwrap(), 6.0);
    /// let wrong = df!("k" => ["c"], "v" => [3i64]).unwrap();
    /// let e = DFrame::from_partitions([b, wrong]).unwrap_err().to_string();
    /// assert!(e.contains("partition 1") && e.contains("\"v\""), "{e}");
    /// ```
    pub fn from_partitions(parts: impl IntoIterator<Item = DataFrame>) -> Result<DFrame> {
        DFrame::from_frames(parts.into_iter().collect(), "partition", "from_partitions")
    }

    /// [`from_partitions`](Self::from_partitions), each frame called a `what` in
    /// errors, the source `label`led in keys and plans.
    pub(crate) fn from_frames(
        parts: Vec<DataFrame>,
        what: &str,
        label: &'static str,
    ) -> Result<DFrame> {
        let schema = parts
            .first()
            .ok_or_else(|| Error::invalid(format!("{label}: no {what}")))?
            .schema()
            .as_ref()
            .clone();
        for (i, df) in parts.iter().enumerate().skip(1) {
            if let Some((name, want, got)) = schema_difference(&schema, df.schema()) {
                return Err(Error::invalid(format!(
                    "{what} {i}: column {name:?} is {got} where {what} 0 has {want}"
                )));
            }
        }
        let nodes = parts
            .into_iter()
            .map(|df| Delayed::value(vec![df]).node)
            .collect();
        let source = crate::scan::Partitions::<DataFrame> {
            nodes,
            label,
            token: crate::graph::Tokenizer::new(label).sequenced().finish(),
            _type: std::marker::PhantomData,
        };
        Ok(DFrame::from_source(Box::new(source), Arc::new(schema)))
    }

    /// A polars frame cut into `npartitions` partitions of consecutive rows, as even
    /// as the rows allow (Dask's `dd.from_pandas(df, npartitions=N)`); fewer when the
    /// frame has fewer rows (one, empty, for an empty frame). Zero partitions is an
    /// error.
    ///
    /// ```
    /// use chunkwise::dataframe::DFrame;
    /// use polars::prelude::*;
    /// let df = df!("x" => (0..10i64).collect::<Vec<_>>()).unwrap();
    /// let frame = DFrame::from_polars(df.clone(), 3).unwrap();
    /// assert_eq!(frame.npartitions(), 3);
    /// assert_eq!(frame.compute().unwrap(), df);
    /// assert_eq!(DFrame::from_polars(df.head(Some(2)), 5).unwrap().npartitions(), 2);
    /// assert!(DFrame::from_polars(df, 0).is_err());
    /// ```
    pub fn from_polars(df: DataFrame, npartitions: usize) -> Result<DFrame> {
        if npartitions == 0 {
            return Err(Error::invalid(
                "from_polars: npartitions must be at least 1",
            ));
        }
        let rows = df.height();
        let n = npartitions.min(rows.max(1));
        let parts = (0..n).map(|i| {
            let (lo, hi) = (i * rows / n, (i + 1) * rows / n);
            df.slice(lo as i64, hi - lo)
        });
        DFrame::from_partitions(parts)
    }

    pub(crate) fn from_source(source: Box<dyn Source>, schema: SchemaRef) -> DFrame {
        let line = format!(
            "Scan {} ({} partitions)",
            source.origin(),
            source.npartitions()
        );
        let origin = Some(source.origin());
        DFrame {
            batches: Bag::from_source(source),
            needs: Arc::new(|n| n),
            schema,
            partitioning: Partitioning::Unknown,
            plan: Arc::new(Step {
                line,
                origin,
                inputs: Vec::new(),
            }),
            pushdown: None,
            sample: None,
        }
    }

    /// What the frame reads (the files of its scans), for errors.
    pub(crate) fn origin(&self) -> String {
        let mut v = Vec::new();
        self.plan.origins(&mut v);
        v.join(" and ")
    }

    /// The same frame, described as `line` made from `inputs`.
    pub(crate) fn described(mut self, line: String, inputs: &[&DFrame]) -> DFrame {
        self.plan = Step::new(line, inputs.iter().map(|f| Arc::clone(&f.plan)).collect());
        self
    }

    /// The plan of this frame, one step a line, each indented under the step that
    /// reads it (as polars' and DataFusion's `explain`): scans with their files, the
    /// per-batch operations, shuffles, joins with the strategy chosen, sorts.
    ///
    /// ```
    /// use chunkwise::bag::Bag;
    /// use polars::prelude::*;
    /// let schema = Schema::from_iter([Field::new("x".into(), DataType::Int64)]);
    /// let df = Bag::from_iter(0..10i64, 2).to_dataframe(schema, |x| vec![AnyValue::Int64(*x)]).unwrap();
    /// let plan = df.filter(col("x").gt(lit(3))).unwrap().shuffle(&["x"], Some(3)).unwrap().explain();
    /// assert!(plan.starts_with("Shuffle on [\"x\"] into 3 partitions"), "{plan}");
    /// assert!(plan.contains("\n  Filter"), "{plan}");
    /// ```
    pub fn explain(&self) -> String {
        let mut out = String::new();
        self.plan.write(0, &mut out);
        out
    }

    /// The columns and their types.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Number of partitions.
    pub fn npartitions(&self) -> usize {
        self.batches.npartitions()
    }

    fn check_columns(&self, cols: &BTreeSet<String>, what: &str) -> Result<()> {
        let missing: Vec<&String> = cols
            .iter()
            .filter(|c| self.schema.get(c.as_str()).is_none())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = missing.iter().map(|c| format!("{c:?}")).collect();
        Err(Error::invalid(format!(
            "{what}: no column{} {} in {} (columns: {:?})",
            if names.len() > 1 { "s" } else { "" },
            names.join(", "),
            self.origin(),
            self.schema.iter_names().collect::<Vec<_>>()
        )))
    }

    /// The schema after a per-batch operation, found on an empty frame.
    fn schema_after(&self, op: &dyn Fn(LazyFrame) -> LazyFrame) -> Result<SchemaRef> {
        let empty = DataFrame::empty_with_schema(&self.schema);
        let out = on_no_rows("a frame's query", || op(empty.lazy()).collect())?;
        Ok(out.schema().clone())
    }

    fn then(
        &self,
        op: Arc<dyn Fn(LazyFrame) -> LazyFrame + Send + Sync>,
        needs: NeedsFn,
        partitioning: Partitioning,
        line: String,
    ) -> Result<DFrame> {
        let schema = self.schema_after(&*op)?;
        let sample = self
            .sample
            .as_ref()
            .and_then(|s| s.after(&*op))
            .map(Arc::new);
        let batches = self.batches.try_map(move |df: &DataFrame| {
            op(df.clone().lazy())
                .collect()
                .map_err(|e| Error::external("polars, on a batch of the frame", e))
        });
        Ok(DFrame {
            batches,
            needs,
            schema,
            partitioning,
            plan: Step::new(line, vec![Arc::clone(&self.plan)]),
            pushdown: None,
            sample,
        })
    }

    /// Rows where `predicate` holds. On a frame read from Parquet with nothing but
    /// filters before, the predicate goes into the reader, which skips row groups whose
    /// statistics rule it out ([`DFrame::explain`] says so).
    ///
    /// Expressions must be computed row by row: one that aggregates, sorts, shifts,
    /// ranks, accumulates or windows (`col("x") - col("x").mean()`) would give each
    /// partition its own answer, so it is an error naming it. Compute the value first
    /// and use it as a literal, or use [`map_partitions`](Self::map_partitions).
    pub fn filter(&self, predicate: Expr) -> Result<DFrame> {
        let line = format!("{predicate}");
        let used = roots(std::slice::from_ref(&predicate));
        self.check_columns(&used, "filter")?;
        row_by_row(std::slice::from_ref(&predicate), "filter", &self.schema)?;
        if let Some(p) = &self.pushdown {
            // The predicate must hold on the schema: polars says so on an empty frame.
            self.schema_after(&|lf| lf.filter(predicate.clone()))?;
            return Ok(files::pushed(p, &self.schema, predicate));
        }
        let parent = Arc::clone(&self.needs);
        self.then(
            Arc::new(move |lf| lf.filter(predicate.clone())),
            Arc::new(move |down| parent(add(down, &used))),
            self.partitioning.clone(),
            format!("Filter {line}"),
        )
    }

    /// Only these expressions (columns or computed ones).
    ///
    /// Expressions must be computed row by row: one that aggregates, sorts, shifts,
    /// ranks, accumulates or windows (`col("x") - col("x").mean()`) would give each
    /// partition its own answer, so it is an error naming it. Compute the value first
    /// and use it as a literal, or use [`map_partitions`](Self::map_partitions).
    pub fn select<E: AsRef<[Expr]>>(&self, exprs: E) -> Result<DFrame> {
        let exprs = exprs.as_ref().to_vec();
        let line = format!("Select {}", show(&exprs));
        let used = roots(&exprs);
        self.check_columns(&used, "select")?;
        row_by_row(&exprs, "select", &self.schema)?;
        let parent = Arc::clone(&self.needs);
        // Partition columns survive when selected as they are.
        let kept: BTreeSet<String> = exprs
            .iter()
            .filter_map(|e| match e {
                Expr::Column(c) => Some(c.to_string()),
                _ => None,
            })
            .collect();
        let partitioning = self.partitioning.after_change(&|c| !kept.contains(c));
        self.then(
            Arc::new(move |lf| lf.select(exprs.clone())),
            Arc::new(move |_| parent(Some(used.clone()))),
            partitioning,
            line,
        )
    }

    /// Adds or replaces columns computed by expressions.
    ///
    /// Expressions must be computed row by row: one that aggregates, sorts, shifts,
    /// ranks, accumulates or windows (`col("x") - col("x").mean()`) would give each
    /// partition its own answer, so it is an error naming it. Compute the value first
    /// and use it as a literal, or use [`map_partitions`](Self::map_partitions).
    ///
    /// ```
    /// use chunkwise::dataframe::DFrame;
    /// use polars::prelude::*;
    /// let f = DFrame::from_polars(df!("x" => [1.0, 2.0, 6.0]).unwrap(), 2).unwrap();
    /// assert!(f.with_columns([col("x") - col("x").mean()]).is_err());
    /// let mean = f.column("x").unwrap().mean().compute().unwrap();
    /// let d = f.with_columns([(col("x") - lit(mean)).abs()]).unwrap().compute().unwrap();
    /// assert_eq!(d.column("x").unwrap().f64().unwrap().sum(), Some(6.0));
    /// ```
    pub fn with_columns<E: AsRef<[Expr]>>(&self, exprs: E) -> Result<DFrame> {
        let exprs = exprs.as_ref().to_vec();
        let line = format!("WithColumns {}", show(&exprs));
        let used = roots(&exprs);
        self.check_columns(&used, "with_columns")?;
        row_by_row(&exprs, "with_columns", &self.schema)?;
        let before: BTreeSet<String> = self.schema.iter_names().map(|n| n.to_string()).collect();
        let parent = Arc::clone(&self.needs);
        // A multi-output expression (`all()`, `cols([..])`) has no one name: it may
        // write any column, so the partitioning is forgotten.
        let written: Option<BTreeSet<String>> = exprs
            .iter()
            .map(|e| e.clone().meta().output_name().ok().map(|n| n.to_string()))
            .collect();
        let partitioning = match &written {
            Some(w) => self.partitioning.after_change(&|c| w.contains(c)),
            None => Partitioning::Unknown,
        };
        self.then(
            Arc::new(move |lf| lf.with_columns(exprs.clone())),
            Arc::new(move |down| {
                // New columns come from the expressions; old ones from the source.
                let down = down.map(|d| d.intersection(&before).cloned().collect());
                parent(add(down, &used))
            }),
            partitioning,
            line,
        )
    }

    /// One column, for reductions.
    pub fn column(&self, name: &str) -> Result<DSeries> {
        self.check_columns(&BTreeSet::from([name.to_string()]), "column")?;
        Ok(DSeries::new(self.clone(), name))
    }

    /// Groups by key columns, for aggregations.
    pub fn groupby(&self, keys: &[&str]) -> Result<GroupBy> {
        if keys.is_empty() {
            return Err(Error::invalid(
                "groupby: no keys (for one answer over every row, reduce the columns)",
            ));
        }
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        self.check_columns(&keys.iter().cloned().collect(), "groupby")?;
        Ok(GroupBy::new(self.clone(), keys))
    }

    /// The general reduction over batches, reading `columns` of this frame.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn consume<P, A, R>(
        &self,
        label: &'static str,
        columns: Needs,
        init: impl Fn(usize) -> Result<P> + Send + Sync + 'static,
        step: impl Fn(&mut P, &DataFrame) -> Result<bool> + Send + Sync + 'static,
        part: impl Fn(P) -> Result<A> + Send + Sync + 'static,
        combine: impl Fn(&mut A, &A) + Send + Sync + 'static,
        finish: impl Fn(A) -> Result<R> + Send + Sync + 'static,
    ) -> Delayed<R>
    where
        P: 'static,
        A: Clone + Send + Sync + 'static,
        R: Send + Sync + 'static,
    {
        self.batches.consume_needs(
            label,
            (self.needs)(columns),
            init,
            step,
            part,
            combine,
            finish,
        )
    }

    /// Number of rows (as `len(df)`).
    pub fn len(&self) -> Delayed<u64> {
        self.total("len", Some(BTreeSet::new()), |df| df.height() as u64)
    }

    /// The sum over batches of `f`, reading `columns`.
    pub(crate) fn total(
        &self,
        label: &'static str,
        columns: Needs,
        f: fn(&DataFrame) -> u64,
    ) -> Delayed<u64> {
        self.consume(
            label,
            columns,
            |_| Ok(0u64),
            move |n, df| {
                *n += f(df);
                Ok(true)
            },
            Ok,
            |a, b| *a += b,
            Ok,
        )
    }

    /// Every row, as one polars `DataFrame`, in partition order.
    pub fn collect(&self) -> Delayed<DataFrame> {
        self.gathered(true)
    }

    /// Every row in partition order, its columns in one piece each (`rechunk`) or as
    /// the partitions' pieces (no copy: for answers handed straight to the user).
    pub(crate) fn gathered(&self, rechunk: bool) -> Delayed<DataFrame> {
        let schema = Arc::clone(&self.schema);
        self.consume(
            "collect",
            None,
            |_| Ok(Vec::new()),
            |v: &mut Vec<DataFrame>, df| {
                v.push(df.clone());
                Ok(true)
            },
            Ok,
            |a, b| a.extend(b.iter().cloned()),
            move |v| {
                if rechunk {
                    concat(v, &schema)
                } else {
                    chunks(v, &schema)
                }
            },
        )
    }

    /// Computes every row with the default configuration.
    pub fn compute(&self) -> Result<DataFrame> {
        self.collect().compute()
    }

    /// The first `n` rows, computed now; each partition stops after `n` rows.
    pub fn head(&self, n: usize) -> Result<DataFrame> {
        let schema = Arc::clone(&self.schema);
        self.consume(
            "head",
            None,
            |_| Ok(Vec::<DataFrame>::new()),
            move |v, df| {
                let have: usize = v.iter().map(|d| d.height()).sum();
                if have < n {
                    v.push(df.head(Some(n - have)));
                }
                Ok(v.iter().map(|d| d.height()).sum::<usize>() < n)
            },
            Ok,
            |a, b| a.extend(b.iter().cloned()),
            move |v| Ok(concat(v, &schema)?.head(Some(n))),
        )
        .compute()
    }

    /// The last `n` rows, computed now (as `tail`); each partition keeps its last `n`.
    pub fn tail(&self, n: usize) -> Result<DataFrame> {
        self.keep_rows("tail", Arc::new(move |d: DataFrame| Ok(d.tail(Some(n)))))
            .compute()
    }

    /// A reduction that stacks rows in partition order and keeps `keep` of them after
    /// each batch and each merge (`keep` must give the same rows taken in any split).
    fn keep_rows(&self, label: &'static str, keep: Arc<RowsFn>) -> Delayed<DataFrame> {
        let schema = Arc::clone(&self.schema);
        let k2 = Arc::clone(&keep);
        self.consume(
            label,
            None,
            |_| Ok(None::<DataFrame>),
            move |acc, df| {
                *acc = Some(stack_then(acc.take(), df, &*keep)?);
                Ok(true)
            },
            Ok,
            move |a, b| {
                if let Some(b) = b {
                    // Partials are combined in partition order: `b` comes after `a`.
                    *a = Some(stack_then(a.take(), b, &*k2).expect("partials of one frame stack"));
                }
            },
            move |a| Ok(a.unwrap_or_else(|| DataFrame::empty_with_schema(&schema))),
        )
    }

    /// The `n` rows with the largest values of `columns` (as pandas' `nlargest`, ties
    /// kept in row order), largest first.
    pub fn nlargest(&self, n: usize, columns: &[&str]) -> Result<Delayed<DataFrame>> {
        self.top(n, columns, true, "nlargest")
    }

    /// The `n` rows with the smallest values of `columns`, smallest first.
    pub fn nsmallest(&self, n: usize, columns: &[&str]) -> Result<Delayed<DataFrame>> {
        self.top(n, columns, false, "nsmallest")
    }

    fn top(
        &self,
        n: usize,
        columns: &[&str],
        largest: bool,
        label: &'static str,
    ) -> Result<Delayed<DataFrame>> {
        let by: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        self.check_columns(&by.iter().cloned().collect(), label)?;
        if by.is_empty() {
            return Err(Error::invalid(format!("{label}: no columns")));
        }
        let options = SortMultipleOptions::default()
            .with_order_descending(largest)
            .with_nulls_last(true)
            .with_maintain_order(true);
        let keep: Arc<RowsFn> = Arc::new(move |d: DataFrame| -> Result<DataFrame> {
            let sorted = d
                .sort(by.clone(), options.clone())
                .map_err(|e| Error::external(label, e))?;
            Ok(sorted.head(Some(n)))
        });
        on_no_rows(label, || keep(DataFrame::empty_with_schema(&self.schema)))?;
        Ok(self.keep_rows(label, keep))
    }

    /// Summary statistics of the numeric columns (as pandas' `describe`): a row per
    /// statistic (`count`, `mean`, `std`, `min`, `25%`, `50%`, `75%`, `max`, named in a
    /// `statistic` column) and a float column per numeric column. The percentiles are
    /// exact (linear interpolation, as pandas; Dask's are approximate), so the numeric
    /// columns are gathered in one task: memory grows with the rows.
    ///
    /// ```
    /// use chunkwise::bag::Bag;
    /// use polars::prelude::*;
    /// let schema = Schema::from_iter([Field::new("x".into(), DataType::Int64)]);
    /// let df = Bag::from_iter(1..=5i64, 2).to_dataframe(schema, |x| vec![AnyValue::Int64(*x)]).unwrap();
    /// let d = df.describe().unwrap().compute().unwrap();
    /// let x: Vec<f64> = d.column("x").unwrap().f64().unwrap().into_no_null_iter().collect();
    /// assert_eq!(x, vec![5.0, 3.0, 2.5f64.sqrt(), 1.0, 2.0, 3.0, 4.0, 5.0]);
    /// ```
    pub fn describe(&self) -> Result<Delayed<DataFrame>> {
        const STATS: [&str; 8] = ["count", "mean", "std", "min", "25%", "50%", "75%", "max"];
        let nums: Vec<String> = self
            .schema
            .iter()
            .filter(|(_, t)| t.is_primitive_numeric())
            .map(|(n, _)| n.to_string())
            .collect();
        if nums.is_empty() {
            return Err(Error::invalid(format!(
                "describe: no numeric column in {}",
                self.origin()
            )));
        }
        let stat = |c: &str, s: &str| -> Expr {
            let x = col(c).cast(DataType::Float64);
            let q = |p: f64| x.clone().quantile(lit(p), QuantileMethod::Linear);
            let e = match s {
                "count" => x.count().cast(DataType::Float64),
                "mean" => x.mean(),
                "std" => x.std(1),
                "min" => x.min(),
                "25%" => q(0.25),
                "50%" => q(0.5),
                "75%" => q(0.75),
                _ => x.max(),
            };
            e.alias(format!("{c}\u{1}{s}"))
        };
        let exprs: Vec<Expr> = nums
            .iter()
            .flat_map(|c| STATS.iter().map(move |s| stat(c, s)))
            .collect();
        const ONE: &str = "__chunkwise_describe";
        let one = self
            .with_columns([lit(0i32).alias(ONE)])?
            .groupby(&[ONE])?
            .agg(exprs)?;
        Ok(one.try_map(move |df: &DataFrame| {
            let mut cols = vec![Column::new(
                "statistic".into(),
                STATS.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )];
            for c in &nums {
                let values: Vec<Option<f64>> = STATS
                    .iter()
                    .map(|s| {
                        let v = df.column(&format!("{c}\u{1}{s}")).map_err(plan_error)?;
                        let v = v.cast(&DataType::Float64).map_err(plan_error)?;
                        Ok(v.f64().map_err(plan_error)?.get(0))
                    })
                    .collect::<Result<_>>()?;
                cols.push(Column::new(c.as_str().into(), values));
            }
            DataFrame::new(STATS.len(), cols).map_err(plan_error)
        }))
    }

    /// Writes one Parquet file (zstd) per partition into `dir`; returns the paths.
    pub fn to_parquet(&self, dir: impl AsRef<Path>) -> Result<Delayed<Vec<PathBuf>>> {
        files::write(self, dir.as_ref(), files::Format::Parquet)
    }

    /// Writes one Arrow IPC file (zstd) per partition into `dir`; returns the paths.
    pub fn to_ipc(&self, dir: impl AsRef<Path>) -> Result<Delayed<Vec<PathBuf>>> {
        files::write(self, dir.as_ref(), files::Format::Ipc)
    }

    /// Writes one CSV file per partition into `dir`; returns the paths.
    pub fn to_csv(&self, dir: impl AsRef<Path>) -> Result<Delayed<Vec<PathBuf>>> {
        files::write(self, dir.as_ref(), files::Format::Csv)
    }
}

/// Rows kept of rows (the last n, the n largest).
type RowsFn = dyn Fn(DataFrame) -> Result<DataFrame> + Send + Sync;

/// `next` stacked under `acc` (when there is one), then passed through `f`.
fn stack_then(acc: Option<DataFrame>, next: &DataFrame, f: &RowsFn) -> Result<DataFrame> {
    let both = match acc {
        Some(mut a) => {
            a.vstack_mut(next).map_err(plan_error)?;
            a
        }
        None => next.clone(),
    };
    f(both)
}

/// Batches stacked into one frame (an empty frame of `schema` when there are none).
/// Rechunked into one buffer per column: polars gathers slowly from many chunks.
pub(crate) fn concat(v: Vec<DataFrame>, schema: &Schema) -> Result<DataFrame> {
    let mut out = chunks(v, schema)?;
    out.rechunk_mut_par();
    Ok(out)
}

/// Batches stacked as chunks of one frame, without copying them. Batches of a frame
/// computed by tasks may carry more columns than asked (a join's empty side comes with
/// all of its columns): only the columns every batch has are kept, which always
/// include those asked.
pub(crate) fn chunks(mut v: Vec<DataFrame>, schema: &Schema) -> Result<DataFrame> {
    if v.windows(2).any(|w| w[0].schema() != w[1].schema()) {
        let common: Vec<PlSmallStr> = v[0]
            .get_column_names_owned()
            .into_iter()
            .filter(|c| v.iter().all(|d| d.schema().get(c).is_some()))
            .collect();
        for d in &mut v {
            *d = d.select(common.iter().cloned()).map_err(plan_error)?;
        }
    }
    let mut it = v.into_iter();
    let Some(mut out) = it.next() else {
        return Ok(DataFrame::empty_with_schema(schema));
    };
    for df in it {
        out.vstack_mut_owned(df).map_err(plan_error)?;
    }
    Ok(out)
}

impl crate::Compute for DFrame {
    type Output = DataFrame;
    fn nodes(&self, out: &mut Vec<Arc<crate::graph::Node>>) {
        self.collect().nodes(out)
    }
    fn assemble(&self, values: &mut dyn Iterator<Item = crate::graph::Value>) -> Result<DataFrame> {
        let v = values.next().expect("one value");
        Ok(v.downcast_ref::<DataFrame>()
            .expect("collect returns a DataFrame")
            .clone())
    }
}

/// The first column whose name or type differs: (name, want, got).
pub(crate) fn schema_difference(want: &Schema, got: &Schema) -> Option<(String, String, String)> {
    if want.len() != got.len() {
        let names = |s: &Schema| s.iter_names().map(|n| n.to_string()).collect::<Vec<_>>();
        return Some((
            "(columns)".into(),
            format!("{:?}", names(want)),
            format!("{:?}", names(got)),
        ));
    }
    want.iter()
        .zip(got.iter())
        .find(|((na, ta), (nb, tb))| na != nb || ta != tb)
        .map(|((na, ta), (nb, tb))| {
            if na != nb {
                (
                    na.to_string(),
                    format!("column {na:?}"),
                    format!("column {nb:?}"),
                )
            } else {
                (na.to_string(), ta.to_string(), tb.to_string())
            }
        })
}

/// An error naming the first of `exprs` that is not computed row by row (an
/// aggregation, a sort, a shift, a window, a cumulative function, `is_in` a column):
/// run on each partition, it would give each partition's answer, not the frame's
/// (Dask gives the frame's, so a silent per-partition answer would be wrong).
/// Selectors (`all()`, `cols`, regexes) are expanded against `schema` first. `select`
/// may also keep or drop rows of each partition (`explode`, `drop_nulls`). What polars
/// cannot resolve is left to polars to report when the frame is built.
/// Whether `e` gives a list per row in a frame of `schema`: `is_in` it is each row's
/// membership in its own list, row by row (an imploded column is a list too, but an
/// aggregation, which the IR check then refuses).
fn gives_lists(e: &Expr, schema: &Schema) -> bool {
    DataFrame::empty_with_schema(schema)
        .lazy()
        .select([e.clone()])
        .collect_schema()
        .ok()
        .and_then(|s| s.get_at_index(0).map(|(_, t)| t.is_list()))
        .unwrap_or(false)
}

fn row_by_row(exprs: &[Expr], what: &str, schema: &Schema) -> Result<()> {
    use polars_plan::frame::OptFlags;
    use polars_plan::prelude::{
        Arena, ExprToIRContext, expand_expression, is_elementwise_rec, is_row_separable_rec,
        to_expr_ir,
    };
    let refused = |e: &Expr| {
        Error::invalid(format!(
            "{what}: {e} is not computed row by row (an aggregation, sort, shift, window, \
             cumulative function or `is_in` a column), so each partition would get its own \
             answer; compute the value first (`frame.column(..)?.mean()`) and use it as a \
             literal, or use map_partitions for a function of each partition"
        ))
    };
    for e in exprs {
        let mut expanded = Vec::new();
        let flags = &mut OptFlags::default();
        if expand_expression(e, &Default::default(), schema, &mut expanded, flags).is_err() {
            continue;
        }
        for e in expanded {
            // `is_in` a list of values is row by row; `is_in` a column is membership in
            // the whole column, which a partition does not have. The values are made
            // one scalar for the check, since polars' IR calls an imploded list an
            // aggregation.
            let mut in_column = false;
            let checked = e.clone().map_expr(|x| match x {
                Expr::Function {
                    mut input,
                    function: function @ FunctionExpr::Boolean(BooleanFunction::IsIn { .. }),
                } if input.len() == 2 => {
                    if input[1].clone().meta().root_names().is_empty() {
                        input[1] = lit(NULL);
                    } else if !gives_lists(&input[1], schema) {
                        in_column = true;
                    }
                    Expr::Function { input, function }
                }
                x => x,
            });
            if in_column {
                return Err(refused(&e));
            }
            let mut arena = Arena::new();
            let mut ctx = ExprToIRContext::new(&mut arena, schema);
            let Ok(ir) = to_expr_ir(checked, &mut ctx) else {
                continue;
            };
            let row_wise = if what == "select" {
                is_row_separable_rec(ir.node(), &arena)
            } else {
                is_elementwise_rec(ir.node(), &arena)
            };
            if !row_wise {
                return Err(refused(&e));
            }
        }
    }
    Ok(())
}
