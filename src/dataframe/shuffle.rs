//! Rows moved between partitions by key: the shuffle under `shuffle`, joins,
//! `sort_values` and `drop_duplicates`, and the frame operations on whole partitions
//! (`map_partitions`, `repartition`, `concat`).
//!
//! A shuffle is three layers of tasks, as Dask's task-based shuffle: a *split* task per
//! input partition cuts its batches into `n` pieces (by a hash of the keys, or by
//! sampled boundaries of a sort key), a *piece* task per (input, output) pair takes one
//! piece out, and a *gather* task per output partition holds the pieces of every input.
//! Pieces are separate task values, so under a memory budget each can spill on its own
//! (a `DataFrame` spills and crosses MPI ranks as Arrow IPC), and the split's value is
//! released as soon as its pieces are taken. Under MPI, pieces move between ranks as
//! the engine moves any value, through MPI.

use std::sync::Arc;

use polars::prelude::*;

use super::index::Divisions;
use super::{DFrame, add, chunks, concat, plan_error};
use crate::graph::{Key, Node, Tokenizer, Value};
use crate::scan::{Consumer, Needs};
use crate::{Error, Result};

/// How a frame's rows are placed in its partitions, as far as is known before the run.
#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) enum Partitioning {
    #[default]
    Unknown,
    /// Each row is in the partition its keys hash to ([`hash_split`] into `n`): equal
    /// keys share a partition.
    Hash { keys: Vec<String>, n: usize },
    /// Sorted by these columns within and across partitions (`sort_values`).
    Sorted { by: Vec<String> },
    /// In range partitions of one column with known boundaries (`set_index`).
    Range { by: String, divisions: Divisions },
}

impl Partitioning {
    /// Whether rows with equal `keys` are known to share a partition.
    pub(crate) fn groups(&self, keys: &[String]) -> bool {
        match self {
            Partitioning::Hash { keys: k, .. } => k == keys,
            // Equal values of all the sort columns never straddle a boundary (of the
            // first alone they may: the ranges are of the rows of them all).
            Partitioning::Sorted { by } => keys == by.as_slice(),
            Partitioning::Range { by, .. } => keys == [by.clone()],
            Partitioning::Unknown => false,
        }
    }

    /// What is left of it after the columns `changed` are replaced or dropped.
    pub(crate) fn after_change(&self, changed: &dyn Fn(&str) -> bool) -> Partitioning {
        let cols: &[String] = match self {
            Partitioning::Hash { keys, .. } => keys,
            Partitioning::Sorted { by } => by,
            Partitioning::Range { by, .. } => std::slice::from_ref(by),
            Partitioning::Unknown => return Partitioning::Unknown,
        };
        if cols.iter().any(|c| changed(c)) {
            Partitioning::Unknown
        } else {
            self.clone()
        }
    }
}

/// How a frame computed by tasks reads its input: the consumer that gathers the
/// input's partitions, and what it must read for what the new frame's consumers read.
/// Planning asks the new frame's root what its consumers in the graph read, so a join's
/// inputs parse only the columns asked of the join (projection pushdown across tasks).
#[derive(Clone)]
pub(crate) struct Link {
    consumer: Arc<Consumer>,
    map: Arc<dyn Fn(&Needs) -> Needs + Send + Sync>,
}

impl Link {
    /// The same link, for a frame whose needs `f` turns into this one's.
    pub(crate) fn through(self, f: impl Fn(&Needs) -> Needs + Send + Sync + 'static) -> Link {
        let map = self.map;
        Link {
            consumer: self.consumer,
            map: Arc::new(move |n| map(&f(n))),
        }
    }

    /// Ties the input's consumer to `node`, one of the partition tasks it feeds that is
    /// kept when the others are not (`loc`).
    pub(crate) fn bound_to(self, node: &Node) -> Link {
        self.consumer.bind(&node.key);
        self
    }

    /// The same link, always reading `cols` too.
    pub(crate) fn needing(self, cols: &[String]) -> Link {
        let cols: std::collections::BTreeSet<String> = cols.iter().cloned().collect();
        self.through(move |n| add(n.clone(), &cols))
    }
}

/// Exactly `cols`, as what a consumer reads.
pub(crate) fn only(cols: &[String]) -> Needs {
    Some(cols.iter().cloned().collect())
}

/// Turns a task's input values into a partition's batches.
pub(crate) type PartitionFn = Arc<dyn Fn(&[Value]) -> Result<Vec<DataFrame>> + Send + Sync>;

/// Cuts one batch into pieces, given the values of the shuffle's extra inputs.
pub(crate) type Cut = Arc<dyn Fn(&DataFrame, &[Value]) -> Result<Vec<DataFrame>> + Send + Sync>;

/// Rows of `df` by bucket: row `r` goes to `bucket[r]` of `n`.
pub(crate) fn take_buckets(
    df: &DataFrame,
    bucket: impl Iterator<Item = usize>,
    n: usize,
) -> Result<Vec<DataFrame>> {
    let mut idx: Vec<Vec<IdxSize>> = vec![Vec::new(); n];
    for (r, b) in bucket.enumerate() {
        idx[b].push(r as IdxSize);
    }
    idx.into_iter()
        .map(|ix| {
            if ix.len() == df.height() {
                Ok(df.clone())
            } else {
                df.take(&IdxCa::from_vec("".into(), ix)).map_err(plan_error)
            }
        })
        .collect()
}

/// `df` cut into `n` buckets by a fixed-seed hash of the `keys` columns (the same on
/// every rank and run): equal keys of equal types land in the same bucket.
pub(crate) fn hash_split(df: &DataFrame, keys: &[String], n: usize) -> Result<Vec<DataFrame>> {
    if n == 1 {
        return Ok(vec![df.clone()]);
    }
    let mut k = df
        .select(keys.iter().map(|k| k.as_str()))
        .map_err(plan_error)?;
    let hashes = k
        .hash_rows(Some(PlSeedableRandomStateQuality::fixed()))
        .map_err(plan_error)?;
    let buckets = hashes
        .into_no_null_iter()
        .map(|h| crate::scan::exchange::bucket_of_hash(h, n));
    take_buckets(df, buckets, n)
}

/// Output partitions `0..n`, each a task holding the non-empty pieces cut from every
/// input partition (`parts`: tasks holding a partition's batches) by `cut`; `extra`
/// are tasks whose values every cut reads (a sort's boundaries). The frame side of the
/// one shuffle ([`crate::scan::exchange`]): a piece is a frame, which spills and crosses
/// ranks as Arrow IPC.
pub(crate) fn exchange(
    parts: &[Arc<Node>],
    n: usize,
    token: u64,
    extra: Vec<Arc<Node>>,
    schema: &SchemaRef,
    keys: &[String],
    cut: Cut,
) -> Vec<Arc<Node>> {
    let schema = Arc::clone(schema);
    let diagnose = heavy_keys(keys.to_vec());
    crate::scan::exchange::exchange::<DataFrame, Vec<DataFrame>>(
        "shuffle",
        parts,
        n,
        token,
        extra,
        Arc::new(move |v| {
            let mut out: Vec<Vec<DataFrame>> = vec![Vec::new(); n];
            for batch in batches(&v[0]) {
                for (i, piece) in cut(batch, &v[1..])?.into_iter().enumerate() {
                    if piece.height() > 0 {
                        out[i].push(piece);
                    }
                }
            }
            out.into_iter().map(|b| chunks(b, &schema)).collect()
        }),
        Arc::new(|pieces| {
            Ok(pieces
                .into_iter()
                .filter(|d| d.height() > 0)
                .cloned()
                .collect())
        }),
        diagnose,
    )
}

/// What an output partition of a shuffle on `keys` holds, found from its pieces one at
/// a time: its rows and the key holding most of them (each piece's three most frequent
/// keys, counted over the pieces), so that a skewed key is named.
fn heavy_keys(keys: Vec<String>) -> crate::graph::Diagnose {
    Arc::new(move |load, n| {
        let mut counts: std::collections::HashMap<String, u64> = Default::default();
        let mut rows = 0u64;
        for i in 0..n {
            let Ok(v) = load(i) else { continue };
            let Some(df) = v.downcast_ref::<DataFrame>() else {
                continue;
            };
            rows += df.height() as u64;
            let top = df
                .clone()
                .lazy()
                .group_by(keys.iter().map(|k| col(k.as_str())).collect::<Vec<_>>())
                .agg([len().alias("__rows")])
                .sort(
                    ["__rows"],
                    SortMultipleOptions::default().with_order_descending(true),
                )
                .limit(3)
                .collect();
            let Ok(top) = top else { continue };
            for r in 0..top.height() {
                let name = keys
                    .iter()
                    .map(|k| {
                        let v = top.column(k).and_then(|c| c.get(r)).map(|v| v.to_string());
                        format!("{k}={}", v.unwrap_or_default())
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let c = top
                    .column("__rows")
                    .ok()
                    .and_then(|c| c.get(r).ok())
                    .and_then(|v| v.extract::<u64>())
                    .unwrap_or(0);
                *counts.entry(name).or_default() += c;
            }
        }
        match counts
            .into_iter()
            .max_by_key(|(k, c)| (*c, std::cmp::Reverse(k.clone())))
        {
            Some((key, c)) => format!(
                ": an output partition of a shuffle on {keys:?}, {rows} rows, of which the key \
                 {key} holds {c} ({:.0}%){}",
                100.0 * c as f64 / rows.max(1) as f64,
                if 2 * c > rows {
                    " (a skewed key: more partitions do not split it)"
                } else {
                    " (more partitions would split it)"
                }
            ),
            None => format!(": an output partition of a shuffle on {keys:?}"),
        }
    })
}

/// `out` if it has `schema` (which came `from` somewhere), else an error naming both.
pub(crate) fn schema_checked(
    out: DataFrame,
    schema: &Schema,
    what: &str,
    from: &str,
) -> Result<DataFrame> {
    if out.schema().as_ref() != schema {
        return Err(Error::invalid(format!(
            "{what}: a partition came out as {:?}, {from} as {:?}",
            out.schema(),
            schema
        )));
    }
    Ok(out)
}

/// A [`PartitionFn`] told the partition's number.
pub(crate) type PartitionAtFn =
    Arc<dyn Fn(usize, &[Value]) -> Result<Vec<DataFrame>> + Send + Sync>;

/// One task per element of `inputs` (each a tuple of task values) mapped by `f` into a
/// partition's batches. Keys: `label` and the operation's `token` (a layer of its own).
pub(crate) fn per_partition(
    label: &'static str,
    token: u64,
    inputs: Vec<Vec<Arc<Node>>>,
    f: PartitionFn,
) -> Vec<Arc<Node>> {
    per_partition_at(label, token, inputs, Arc::new(move |_, v| f(v)))
}

/// One task per partition task of `parts`: `f` of its whole frame (batches stacked, of
/// `schema`) as the new partition, the usual shape of [`per_partition`].
pub(crate) fn per_whole_partition(
    label: &'static str,
    token: u64,
    parts: Vec<Arc<Node>>,
    schema: SchemaRef,
    f: impl Fn(DataFrame) -> Result<DataFrame> + Send + Sync + 'static,
) -> Vec<Arc<Node>> {
    per_partition(
        label,
        token,
        parts.into_iter().map(|p| vec![p]).collect(),
        Arc::new(move |v| Ok(vec![f(whole(&v[0], &schema)?)?])),
    )
}

/// [`per_partition`], `f` told the partition's number.
pub(crate) fn per_partition_at(
    label: &'static str,
    token: u64,
    inputs: Vec<Vec<Arc<Node>>>,
    f: PartitionAtFn,
) -> Vec<Arc<Node>> {
    let token = Tokenizer::new(label).param(&token).finish();
    inputs
        .into_iter()
        .enumerate()
        .map(|(p, deps)| {
            let f = Arc::clone(&f);
            let mut node = Node::new(
                Key::new(label, token, p as u64),
                deps,
                Box::new(move |v| Ok(Arc::new(f(p, v)?) as Value)),
            );
            node.codec = crate::encode::codec_for::<Vec<DataFrame>>();
            Arc::new(node)
        })
        .collect()
}

/// A partition task's batches stacked into one rechunked frame (`schema` when empty).
pub(crate) fn whole(v: &Value, schema: &Schema) -> Result<DataFrame> {
    concat(batches(v).to_vec(), schema)
}

/// The batches of a partition task's value.
pub(crate) fn batches(v: &Value) -> &[DataFrame] {
    v.downcast_ref::<Vec<DataFrame>>()
        .expect("partition tasks hold Vec<DataFrame>")
}

/// Where each row of `key` goes among `boundaries.len() + 1` range partitions: the
/// number of boundaries below it (above it, descending); a value equal to a boundary
/// goes above it when `ties_up` (Dask's divisions), else below. Nulls go first or
/// last, and NaN where polars sorts it (after every number).
pub(crate) fn range_buckets(
    key: &Series,
    boundaries: &Series,
    descending: bool,
    nulls_last: bool,
    ties_up: bool,
) -> Result<Vec<usize>> {
    let n = boundaries.len() + 1;
    let mut idx = match searched(key, boundaries, descending, ties_up)? {
        Some(idx) => idx,
        None => compared(key, boundaries, descending, ties_up)?,
    };
    if key.dtype().is_float() {
        let nan = key.is_nan().map_err(plan_error)?;
        for (i, m) in nan.iter().enumerate() {
            if m == Some(true) {
                idx[i] = if descending { 0 } else { n - 1 };
            }
        }
    }
    if key.null_count() > 0 {
        for (i, valid) in key.is_not_null().iter().enumerate() {
            if valid == Some(false) {
                idx[i] = if nulls_last { n - 1 } else { 0 };
            }
        }
    }
    Ok(idx)
}

/// Each key's bucket by a binary search of the ascending `boundaries` (the count of
/// those it is past), for keys of a plain order: numbers, text, bytes, booleans, and
/// types stored as numbers (dates, times, enums). `None` for other types (categoricals
/// among them: ordered by their text).
fn searched(
    key: &Series,
    boundaries: &Series,
    descending: bool,
    ties_up: bool,
) -> Result<Option<Vec<usize>>> {
    fn count<V: PartialOrd + Copy>(
        bounds: &[V],
        keys: impl Iterator<Item = Option<V>>,
        descending: bool,
        ties_up: bool,
    ) -> Vec<usize> {
        let len = bounds.len();
        keys.map(|k| match k {
            None => 0, // placed by the caller
            Some(k) => match (descending, ties_up) {
                (false, false) => bounds.partition_point(|b| k > *b),
                (false, true) => bounds.partition_point(|b| k >= *b),
                (true, false) => len - bounds.partition_point(|b| k >= *b),
                (true, true) => len - bounds.partition_point(|b| k > *b),
            },
        })
        .collect()
    }
    if matches!(key.dtype(), DataType::Categorical(..)) {
        // Ordered by its text, not by its codes (an Enum's codes are its order).
        return Ok(None);
    }
    let k = key.to_physical_repr();
    let b = boundaries.cast(key.dtype()).map_err(plan_error)?;
    let b = b.to_physical_repr();
    macro_rules! by {
        ($($t:ident => $get:ident),*) => {
            match k.dtype() {
                $(DataType::$t => {
                    let bounds: Vec<_> = b.$get().map_err(plan_error)?.iter().flatten().collect();
                    count(&bounds, k.$get().map_err(plan_error)?.iter(), descending, ties_up)
                })*
                DataType::String => {
                    let (kb, bb) = (k.str().map_err(plan_error)?.as_binary(), b.str().map_err(plan_error)?.as_binary());
                    let bounds: Vec<&[u8]> = bb.iter().flatten().collect();
                    count(&bounds, kb.iter(), descending, ties_up)
                }
                _ => return Ok(None),
            }
        };
    }
    Ok(Some(by!(
        Int8 => i8, Int16 => i16, Int32 => i32, Int64 => i64,
        UInt8 => u8, UInt16 => u16, UInt32 => u32, UInt64 => u64,
        Float32 => f32, Float64 => f64, Binary => binary, Boolean => bool
    )))
}

/// Each key's bucket by comparing every key with each boundary in turn: for key types
/// [`searched`] does not order.
fn compared(
    key: &Series,
    boundaries: &Series,
    descending: bool,
    ties_up: bool,
) -> Result<Vec<usize>> {
    let mut idx = vec![0usize; key.len()];
    for j in 0..boundaries.len() {
        let b = boundaries.slice(j as i64, 1);
        let past = match (descending, ties_up) {
            (false, false) => key.gt(&b),
            (false, true) => key.gt_eq(&b),
            (true, false) => key.lt(&b),
            (true, true) => key.lt_eq(&b),
        }
        .map_err(plan_error)?;
        for (i, m) in past.iter().enumerate() {
            if m == Some(true) {
                idx[i] += 1;
            }
        }
    }
    Ok(idx)
}

/// Rows of a batch sampled for sort boundaries: at most this many per batch.
const SAMPLES_PER_BATCH: usize = 256;

/// How a sort finds its key in a batch: one column ([`column_key`]), or the rows of
/// several encoded ([`rows_key`]).
pub(crate) type KeyOf = Arc<dyn Fn(&DataFrame) -> Result<Series> + Send + Sync>;

/// The sort key: the column `name`.
pub(crate) fn column_key(name: &str) -> KeyOf {
    let name = name.to_string();
    Arc::new(move |df| {
        Ok(df
            .column(&name)
            .map_err(plan_error)?
            .as_materialized_series()
            .clone())
    })
}

/// The sort key of several columns: each row's values in polars' row encoding, whose
/// byte order is the sort's order with its flags (polars sorts by several columns
/// through it too), as one ascending binary column without nulls. Partitions are then
/// ranges of every column, not of the first alone: a first column of few values does
/// not put most rows in one partition.
fn rows_key(by: Vec<String>, descending: Vec<bool>, nulls_last: Vec<bool>) -> KeyOf {
    Arc::new(move |df| {
        let columns = by
            .iter()
            .map(|c| df.column(c).cloned())
            .collect::<PolarsResult<Vec<Column>>>()
            .map_err(plan_error)?;
        polars::chunked_array::ops::row_encode::_get_rows_encoded_ca(
            "key".into(),
            &columns,
            &descending,
            &nulls_last,
            false,
        )
        .and_then(|rows| rows.into_series().cast(&DataType::Binary))
        .map_err(plan_error)
    })
}

/// Bytes of source files per partition of a shuffle whose count is not given. Smaller
/// partitions make each one's join or sort fit in cache and hold less while it runs:
/// db-benchmark's join q5 (two 1e7-row tables, 0.9 GB of CSV) in 8 partitions (one per
/// file) took 6.0 s and 1.5 GB, in 32 4.5 s and 1.1 GB, in 64 4.9 s and 1.0 GB.
const SHUFFLE_PARTITION_BYTES: u64 = 24 << 20;

/// Partitions for a shuffle of `frames` together (a join's two sides, a sort's one):
/// as many as the most partitioned of them, or one per [`SHUFFLE_PARTITION_BYTES`] of
/// their source files if that is more.
pub(crate) fn partitions_by_size(frames: &[&DFrame]) -> usize {
    let bytes: u64 = frames
        .iter()
        .map(|f| f.batches.source_bytes().unwrap_or(0))
        .sum();
    let most = frames.iter().map(|f| f.npartitions()).max().unwrap_or(0);
    most.max(bytes.div_ceil(SHUFFLE_PARTITION_BYTES) as usize)
        .max(1)
}

/// Every `step`-th value of a batch's sort key, and its smallest and largest, for the
/// boundaries (and exact divisions' ends).
fn sample(batches: &[DataFrame], key: &KeyOf, dtype: &DataType) -> Result<Series> {
    let mut out = Series::new_empty("key".into(), dtype);
    for b in batches {
        let s = key(b)?;
        let step = (s.len() / SAMPLES_PER_BATCH).max(1);
        let ix: Vec<IdxSize> = (0..s.len()).step_by(step).map(|i| i as IdxSize).collect();
        let taken = s
            .take(&IdxCa::from_vec("".into(), ix))
            .map_err(plan_error)?;
        out.append(&taken).map_err(plan_error)?;
        for end in [s.min_reduce(), s.max_reduce()] {
            let end = end.map_err(plan_error)?.into_series("key".into());
            out.append(&end.cast(dtype).map_err(plan_error)?)
                .map_err(plan_error)?;
        }
    }
    Ok(out)
}

/// A task per partition task of `parts` holding a sample of its sort key (as a
/// one-column frame), and a task holding `f` of all the samples stacked.
pub(crate) fn sampled(
    parts: &[Arc<Node>],
    token: u64,
    key: KeyOf,
    dtype: &DataType,
    f: impl Fn(Series) -> Result<Series> + Send + Sync + 'static,
) -> Node {
    let sample_token = Tokenizer::new("sort-sample").param(&token).finish();
    let samples: Vec<Arc<Node>> = parts
        .iter()
        .enumerate()
        .map(|(p, part)| {
            let (key, dtype) = (Arc::clone(&key), dtype.clone());
            let mut node = Node::new(
                Key::new("sort-sample", sample_token, p as u64),
                vec![Arc::clone(part)],
                Box::new(move |v| {
                    let s = sample(batches(&v[0]), &key, &dtype)?;
                    Ok(
                        Arc::new(DataFrame::new(s.len(), vec![s.into()]).map_err(plan_error)?)
                            as Value,
                    )
                }),
            );
            node.codec = crate::encode::codec_for::<DataFrame>();
            Arc::new(node)
        })
        .collect();
    let dtype = dtype.clone();
    let mut node = Node::new(
        Key::new(
            "sort-boundaries",
            Tokenizer::new("sort-boundaries").param(&token).finish(),
            0,
        ),
        samples,
        Box::new(move |v| {
            let mut all = Series::new_empty("key".into(), &dtype);
            for x in v {
                let df = x.downcast_ref::<DataFrame>().expect("samples are frames");
                all.append(df.columns()[0].as_materialized_series())
                    .map_err(plan_error)?;
            }
            let b = f(all)?;
            Ok(Arc::new(DataFrame::new(b.len(), vec![b.into()]).map_err(plan_error)?) as Value)
        }),
    );
    node.codec = crate::encode::codec_for::<DataFrame>();
    node
}

/// `n - 1` boundaries at equal ranks of the samples (nulls and NaN left out), ascending.
fn boundaries(samples: Series, n: usize) -> Result<Series> {
    let s = sorted_values(samples)?;
    if s.is_empty() {
        return Ok(s);
    }
    let ix: Vec<IdxSize> = (1..n).map(|j| (j * s.len() / n) as IdxSize).collect();
    s.take(&IdxCa::from_vec("".into(), ix)).map_err(plan_error)
}

/// A task per task of `nodes` (a partition's batches) holding them stacked and sorted
/// by polars (`by`, `options`); empty partitions hold no batch.
pub(crate) fn sort_each(
    label: &'static str,
    token: u64,
    nodes: Vec<Arc<Node>>,
    schema: &SchemaRef,
    by: &[String],
    options: SortMultipleOptions,
) -> Vec<Arc<Node>> {
    let (schema, by) = (Arc::clone(schema), by.to_vec());
    per_partition(
        label,
        token,
        nodes.into_iter().map(|g| vec![g]).collect(),
        Arc::new(move |v| {
            let out = whole(&v[0], &schema)?
                .sort(by.clone(), options.clone())
                .map_err(|e| Error::external("polars sort", e))?;
            Ok(if out.height() > 0 {
                vec![out]
            } else {
                Vec::new()
            })
        }),
    )
}

/// The values of `s` but nulls and NaN, ascending.
pub(crate) fn sorted_values(s: Series) -> Result<Series> {
    let mut s = s.drop_nulls();
    if s.dtype().is_float() {
        let keep = s.is_not_nan().map_err(plan_error)?;
        s = s.filter(&keep).map_err(plan_error)?;
    }
    s.sort(SortOptions::default()).map_err(plan_error)
}

impl DFrame {
    /// One task per partition holding its batches (`Vec<DataFrame>`, empty ones left
    /// out), reading the columns `needs` of this frame and those the [`Link`] finds
    /// when planning. Keys: `label` and the operation's `token` (a layer of its own).
    pub(crate) fn partition_nodes(
        &self,
        label: &'static str,
        token: u64,
        needs: Needs,
    ) -> (Vec<Arc<Node>>, Link) {
        let token = Tokenizer::new(label).param(&token).finish();
        let (nodes, consumer) = self.batches.collect_partitions(
            label,
            token,
            (self.needs)(needs),
            |batches: Vec<DataFrame>| Ok(batches.into_iter().filter(|b| b.height() > 0).collect()),
        );
        let to_source = Arc::clone(&self.needs);
        let link = Link {
            consumer,
            map: Arc::new(move |n: &Needs| to_source(n.clone())),
        };
        (nodes, link)
    }

    /// A frame whose partitions are the values of `nodes` (each a `Vec<DataFrame>`),
    /// computed from inputs read through `links`.
    pub(crate) fn from_partition_nodes(
        nodes: Vec<Arc<Node>>,
        token: u64,
        schema: SchemaRef,
        partitioning: Partitioning,
        links: Vec<Link>,
    ) -> DFrame {
        let source = crate::scan::Partitions::<DataFrame> {
            nodes,
            label: "map_partitions",
            token: Tokenizer::new("frame-partitions").param(&token).finish(),
            _type: std::marker::PhantomData,
        };
        let mut frame = DFrame::from_source(Box::new(source), schema);
        frame.partitioning = partitioning;
        // Weak: the input's consumer must not keep this frame's root alive.
        let root = frame.batches.root_weak();
        for link in links {
            let (root, map) = (root.clone(), Arc::clone(&link.map));
            link.consumer.add_needs(Arc::new(move |in_graph| {
                let needs = root
                    .upgrade()
                    .map_or(Some(Default::default()), |r| r.needs_in(in_graph));
                map(&needs)
            }));
        }
        frame
    }

    /// Rows moved so that equal values of `on` share a partition (as Dask's
    /// `df.shuffle(on)`), into `npartitions` partitions (default: as many as now). A
    /// frame already hash-partitioned that way is returned as it is.
    ///
    /// ```
    /// use chunkwise::bag::Bag;
    /// use polars::prelude::*;
    /// let rows = Bag::from_iter((0..100i64).map(|i| (i % 7, i)), 4);
    /// let schema = Schema::from_iter([Field::new("k".into(), DataType::Int64), Field::new("v".into(), DataType::Int64)]);
    /// let df = rows.to_dataframe(schema, |(k, v)| vec![AnyValue::Int64(*k), AnyValue::Int64(*v)]).unwrap();
    /// let moved = df.shuffle(&["k"], Some(3)).unwrap();
    /// assert_eq!(moved.npartitions(), 3);
    /// assert_eq!(moved.compute().unwrap().height(), 100);
    /// ```
    pub fn shuffle(&self, on: &[&str], npartitions: Option<usize>) -> Result<DFrame> {
        let keys: Vec<String> = on.iter().map(|k| k.to_string()).collect();
        self.check_columns(&keys.iter().cloned().collect(), "shuffle")?;
        if keys.is_empty() {
            return Err(Error::invalid("shuffle: no columns to shuffle on"));
        }
        let n = npartitions.unwrap_or(self.npartitions()).max(1);
        Ok(self.hash_partitioned(&keys, n))
    }

    /// This frame hash-partitioned on `keys` into `n` partitions (no task when it is).
    pub(crate) fn hash_partitioned(&self, keys: &[String], n: usize) -> DFrame {
        let want = Partitioning::Hash {
            keys: keys.to_vec(),
            n,
        };
        if self.partitioning == want {
            return self.clone();
        }
        let token = Tokenizer::new("shuffle")
            .param(keys)
            .param(&n)
            .sequenced()
            .finish();
        let (parts, link) = self.partition_nodes("shuffle-input", token, only(keys));
        let keys2 = keys.to_vec();
        let nodes = exchange(
            &parts,
            n,
            token,
            Vec::new(),
            &self.schema,
            keys,
            Arc::new(move |df, _| hash_split(df, &keys2, n)),
        );
        let link = link.needing(keys);
        DFrame::from_partition_nodes(nodes, token, Arc::clone(&self.schema), want, vec![link])
            .described(
                format!("Shuffle on {keys:?} into {n} partitions (hash)"),
                &[self],
            )
    }

    /// Rows sorted by `by` across partitions (as Dask's `sort_values`), with polars'
    /// sort options (descending and nulls-last per column or for all). Rows are placed
    /// in range partitions by boundaries of the first column sampled from every
    /// partition, then each partition is sorted: partition `i` holds rows before those
    /// of partition `i + 1`. There are as many as the frame has, or one per 24 MiB of
    /// the files it reads if that is more (each sorted alone: less held at once).
    ///
    /// Where the frame reads files, the boundaries are found now, by a pass that reads
    /// only the sort columns (as Dask's `sort_values` does): the sort itself then cuts
    /// each partition as soon as it is read and never holds its whole input, which
    /// under a memory budget would be spilled. A frame computed by a join, a group-by or a
    /// shuffle is sampled in the same run instead, its partitions held until the
    /// boundaries are known. Rows with equal first-column values share a partition, so a
    /// value holding most rows makes one large partition.
    ///
    /// ```
    /// use chunkwise::bag::Bag;
    /// use polars::prelude::*;
    /// let rows = Bag::from_iter((0..50i64).map(|i| (i * 37) % 50), 4);
    /// let schema = Schema::from_iter([Field::new("x".into(), DataType::Int64)]);
    /// let df = rows.to_dataframe(schema, |x| vec![AnyValue::Int64(*x)]).unwrap();
    /// let sorted = df.sort_values(&["x"], SortMultipleOptions::default().with_order_descending(true)).unwrap();
    /// let x: Vec<i64> = sorted.compute().unwrap().column("x").unwrap().i64().unwrap().into_no_null_iter().collect();
    /// assert_eq!(x, (0..50).rev().collect::<Vec<_>>());
    /// ```
    pub fn sort_values(&self, by: &[&str], options: SortMultipleOptions) -> Result<DFrame> {
        let by: Vec<String> = by.iter().map(|k| k.to_string()).collect();
        self.check_columns(&by.iter().cloned().collect(), "sort_values")?;
        let Some(first) = by.first().cloned() else {
            return Err(Error::invalid("sort_values: no columns to sort by"));
        };
        for (what, len) in [
            ("descending", options.descending.len()),
            ("nulls_last", options.nulls_last.len()),
        ] {
            if len != 1 && len != by.len() {
                return Err(Error::invalid(format!(
                    "sort_values: {len} {what} flags for {} columns",
                    by.len()
                )));
            }
        }
        // A limit would apply per partition: the whole frame is sorted.
        let options = SortMultipleOptions {
            limit: None,
            ..options
        };
        let flags = |f: &Vec<bool>| {
            if f.len() == 1 {
                vec![f[0]; by.len()]
            } else {
                f.clone()
            }
        };
        let (descending, nulls_last) = (flags(&options.descending), flags(&options.nulls_last));
        // The sort itself fails on the empty frame when a column cannot be sorted.
        super::on_no_rows("sort_values", || {
            DataFrame::empty_with_schema(&self.schema).sort(by.clone(), options.clone())
        })?;
        let n = partitions_by_size(&[self]);
        let token = Tokenizer::new("sort_values")
            .param(&by)
            .param(&format!("{options:?}"))
            .sequenced()
            .finish();
        // One column is ranged on its values; several on their rows encoded, one
        // ascending binary key without nulls.
        let (key, dtype, desc, nl, what) = if by.len() == 1 {
            let dtype = self.schema.get(first.as_str()).cloned();
            let what = format!("{first:?}");
            let (d, n) = (descending[0], nulls_last[0]);
            (
                column_key(&first),
                dtype.unwrap_or(DataType::Null),
                d,
                n,
                what,
            )
        } else {
            let key = rows_key(by.clone(), descending.clone(), nulls_last.clone());
            let what = format!("the rows of {by:?} encoded");
            (key, DataType::Binary, false, false, what)
        };
        // The boundaries: from a pass now over the sort columns alone where the frame
        // reads files (as Dask's sort_values), so that each partition is cut as soon as
        // it is read and the input is never held whole; otherwise, a computed frame,
        // from its partitions in the same run (held until every sample is in).
        let sample = |parts: &[Arc<Node>]| {
            let key = Arc::clone(&key);
            sampled(parts, token, key, &dtype, move |all| boundaries(all, n))
        };
        let (parts, link) = self.partition_nodes("sort-input", token, only(&by));
        let two_pass = self.batches.source_bytes().is_some();
        let (extra, known) = if two_pass {
            let (keys_only, _) = self.partition_nodes("sort-keys", token, only(&by));
            let node = Arc::new(sample(&keys_only));
            let d: DataFrame = crate::compute(&crate::Delayed::<DataFrame>::from_arc(node))?;
            (
                Vec::new(),
                Some(d.columns()[0].as_materialized_series().clone()),
            )
        } else {
            (vec![Arc::new(sample(&parts))], None)
        };
        let nodes = exchange(
            &parts,
            n,
            token,
            extra,
            &self.schema,
            &by,
            Arc::new(move |df, extra| {
                let b = match &known {
                    Some(b) => b,
                    None => {
                        let b = extra[0].downcast_ref::<DataFrame>().expect("boundaries");
                        b.columns()[0].as_materialized_series()
                    }
                };
                let idx = range_buckets(&key(df)?, b, desc, nl, false)?;
                take_buckets(df, idx.into_iter(), n)
            }),
        );
        let sorted = sort_each("sort_values", token, nodes, &self.schema, &by, options);
        let link = link.needing(&by);
        let line = format!(
            "Sort by {by:?} (descending {descending:?}, nulls last {nulls_last:?}) into {n} range partitions of {what} sampled{}",
            if two_pass {
                " by a pass over them before"
            } else {
                ""
            }
        );
        Ok(DFrame::from_partition_nodes(
            sorted,
            token,
            Arc::clone(&self.schema),
            Partitioning::Sorted { by },
            vec![link],
        )
        .described(line, &[self]))
    }

    /// Rows with no earlier duplicate in `subset` (all columns when `None`), as
    /// pandas' `drop_duplicates` with `keep`: `First` keeps a value's first row in
    /// partition order, `Last` its last, `None` drops every duplicated row, `Any` one of
    /// them. Rows are shuffled on the subset first unless already partitioned on it.
    pub fn drop_duplicates(
        &self,
        subset: Option<&[&str]>,
        keep: UniqueKeepStrategy,
    ) -> Result<DFrame> {
        let subset: Vec<String> = match subset {
            Some(s) => s.iter().map(|k| k.to_string()).collect(),
            None => self.schema.iter_names().map(|n| n.to_string()).collect(),
        };
        self.check_columns(&subset.iter().cloned().collect(), "drop_duplicates")?;
        let moved = if self.partitioning.groups(&subset) {
            self.clone()
        } else {
            self.hash_partitioned(&subset, self.npartitions().max(1))
        };
        let token = Tokenizer::new("drop_duplicates")
            .param(&subset)
            .param(&format!("{keep:?}"))
            .sequenced()
            .finish();
        let line = format!("DropDuplicates {subset:?} keep {keep:?}");
        let (parts, link) = moved.partition_nodes("drop_duplicates-input", token, only(&subset));
        let link = link.needing(&subset);
        let nodes = per_whole_partition(
            "drop_duplicates",
            token,
            parts,
            Arc::clone(&self.schema),
            move |df| {
                df.unique_stable(Some(&subset), keep, None)
                    .map_err(|e| Error::external("polars unique", e))
            },
        );
        Ok(DFrame::from_partition_nodes(
            nodes,
            token,
            Arc::clone(&self.schema),
            moved.partitioning.clone(),
            vec![link],
        )
        .described(line, &[&moved]))
    }

    /// `f` applied to each whole partition (as Dask's `map_partitions`); the schema of
    /// the result is `f` of an empty frame of this schema, so `f` must accept one.
    ///
    /// ```
    /// use chunkwise::bag::Bag;
    /// use polars::prelude::*;
    /// let rows = Bag::from_iter(0..10i64, 3);
    /// let schema = Schema::from_iter([Field::new("x".into(), DataType::Int64)]);
    /// let df = rows.to_dataframe(schema, |x| vec![AnyValue::Int64(*x)]).unwrap();
    /// let n = df.map_partitions(|d| Ok(df!("rows" => [d.height() as i64])?)).unwrap();
    /// assert_eq!(n.compute().unwrap().column("rows").unwrap().i64().unwrap().sum(), Some(10));
    /// ```
    pub fn map_partitions<F>(&self, f: F) -> Result<DFrame>
    where
        F: Fn(DataFrame) -> PolarsResult<DataFrame> + Send + Sync + 'static,
    {
        let out = super::on_no_rows(
            "map_partitions (the function, run on no rows for the schema)",
            || f(DataFrame::empty_with_schema(&self.schema)),
        )?;
        self.mapped(f, out.schema().clone(), "the empty frame")
    }

    /// [`map_partitions`](Self::map_partitions) with the result's schema given (Dask's
    /// `meta=`), for a function that cannot run on no rows or whose types depend on
    /// the data. A partition that comes out with other columns or types is an error
    /// naming both.
    ///
    /// ```
    /// use chunkwise::dataframe::DFrame;
    /// use polars::prelude::*;
    /// let df = DFrame::from_polars(df!("x" => [1i64, 2, 3, 4]).unwrap(), 2).unwrap();
    /// // The first row of each partition: no answer on no rows.
    /// let first = |d: DataFrame| d.slice(0, 1).select(["x"]).and_then(|d| {
    ///     polars_ensure!(d.height() == 1, ComputeError: "no rows"); Ok(d)
    /// });
    /// let schema = Schema::from_iter([Field::new("x".into(), DataType::Int64)]);
    /// let out = df.map_partitions_with_schema(first, schema).unwrap().compute().unwrap();
    /// assert_eq!(out.column("x").unwrap().i64().unwrap().to_vec(), [Some(1), Some(3)]);
    /// ```
    pub fn map_partitions_with_schema<F>(&self, f: F, schema: Schema) -> Result<DFrame>
    where
        F: Fn(DataFrame) -> PolarsResult<DataFrame> + Send + Sync + 'static,
    {
        self.mapped(f, Arc::new(schema), "the schema given")
    }

    /// `f` on each partition, each answer checked against `schema` (`from`: where that
    /// schema came from, for the error).
    fn mapped<F>(&self, f: F, schema: SchemaRef, from: &'static str) -> Result<DFrame>
    where
        F: Fn(DataFrame) -> PolarsResult<DataFrame> + Send + Sync + 'static,
    {
        let token = Tokenizer::new("map_partitions-frame").sequenced().finish();
        let (parts, _) = self.partition_nodes("map_partitions-input", token, None);
        let out_schema = Arc::clone(&schema);
        let nodes = per_whole_partition(
            "map_partitions",
            token,
            parts,
            Arc::clone(&self.schema),
            move |df| {
                let out = f(df).map_err(|e| Error::external("map_partitions", e))?;
                schema_checked(out, &out_schema, "map_partitions", from)
            },
        );
        Ok(
            DFrame::from_partition_nodes(nodes, token, schema, Partitioning::Unknown, Vec::new())
                .described("MapPartitions".into(), &[self]),
        )
    }

    /// The same rows in partitions of about `bytes` each in memory (as Dask's
    /// `repartition(partition_size=...)`): like Dask, it computes the partitions' sizes
    /// now (a pass over the data), then repartitions into as many as the total needs.
    pub fn repartition_size(&self, bytes: u64) -> Result<DFrame> {
        if bytes == 0 {
            return Err(Error::invalid("repartition_size: zero bytes"));
        }
        let total = self
            .total("frame_bytes", None, |df| super::frame_bytes(df) as u64)
            .compute()?;
        self.repartition(total.div_ceil(bytes).max(1) as usize)
    }

    /// The same rows in `npartitions` partitions (as Dask's `repartition`): fewer by
    /// joining neighbours, more by cutting each partition into equal row ranges. Order
    /// is kept.
    pub fn repartition(&self, npartitions: usize) -> Result<DFrame> {
        if npartitions == 0 {
            return Err(Error::invalid("repartition: zero partitions"));
        }
        let have = self.npartitions();
        if have == 0 {
            return Ok(self.clone());
        }
        let token = Tokenizer::new("repartition")
            .param(&npartitions)
            .sequenced()
            .finish();
        let (parts, link) = self.partition_nodes("repartition-input", token, only(&[]));
        let nodes = if npartitions <= have {
            // Output j joins inputs [j*have/n, (j+1)*have/n).
            let inputs = (0..npartitions)
                .map(|j| parts[j * have / npartitions..(j + 1) * have / npartitions].to_vec())
                .collect();
            per_partition(
                "repartition",
                token,
                inputs,
                Arc::new(|v| Ok(v.iter().flat_map(|x| batches(x).to_vec()).collect())),
            )
        } else {
            self.split_ranges(&parts, npartitions, token)
        };
        Ok(DFrame::from_partition_nodes(
            nodes,
            token,
            Arc::clone(&self.schema),
            Partitioning::Unknown,
            vec![link],
        )
        .described(format!("Repartition into {npartitions}"), &[self]))
    }

    /// Each of `parts` cut into equal row ranges, `npartitions` outputs in all.
    fn split_ranges(&self, parts: &[Arc<Node>], npartitions: usize, token: u64) -> Vec<Arc<Node>> {
        let have = parts.len();
        let schema = Arc::clone(&self.schema);
        let split = Tokenizer::new("repartition-split").param(&token).finish();
        let mut out = Vec::with_capacity(npartitions);
        for (p, part) in parts.iter().enumerate() {
            let (lo, hi) = (p * npartitions / have, (p + 1) * npartitions / have);
            for r in lo..hi {
                let (k, of, schema) = (r - lo, hi - lo, Arc::clone(&schema));
                let mut node = Node::new(
                    Key::new("repartition", split, r as u64),
                    vec![Arc::clone(part)],
                    Box::new(move |v| {
                        let df = whole(&v[0], &schema)?;
                        let (a, b) = (k * df.height() / of, (k + 1) * df.height() / of);
                        let piece = df.slice(a as i64, b - a);
                        let out = if piece.height() > 0 {
                            vec![piece]
                        } else {
                            Vec::new()
                        };
                        Ok(Arc::new(out) as Value)
                    }),
                );
                node.codec = crate::encode::codec_for::<Vec<DataFrame>>();
                out.push(Arc::new(node));
            }
        }
        out
    }
}

/// The partitions of several frames one after another (as `dd.concat`, whose default
/// is `join="outer"`): the columns of all frames in order of first appearance, a column
/// a frame lacks filled with nulls, a column whose types differ cast to their common
/// type (an error naming the column and both types where there is none). See
/// [`concat_frames_join`] for the columns common to all.
///
/// ```
/// use chunkwise::bag::Bag;
/// use chunkwise::dataframe::concat_frames;
/// use polars::prelude::*;
/// let schema = Schema::from_iter([Field::new("x".into(), DataType::Int64)]);
/// let a = Bag::from_iter(0..5i64, 2).to_dataframe(schema.clone(), |x| vec![AnyValue::Int64(*x)]).unwrap();
/// let b = Bag::from_iter(5..8i64, 1).to_dataframe(schema, |x| vec![AnyValue::Int64(*x)]).unwrap();
/// let both = concat_frames(&[a, b]).unwrap();
/// assert_eq!(both.npartitions(), 3);
/// assert_eq!(both.compute().unwrap().height(), 8);
/// ```
pub fn concat_frames(frames: &[DFrame]) -> Result<DFrame> {
    concat_frames_join(frames, ConcatJoin::Outer)
}

/// Which columns [`concat_frames_join`] keeps (`dd.concat`'s `join=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConcatJoin {
    /// Every frame's columns, nulls where a frame lacks one.
    Outer,
    /// The columns every frame has.
    Inner,
}

/// [`concat_frames`] keeping the columns `join` says.
///
/// ```
/// use chunkwise::dataframe::{ConcatJoin, DFrame, concat_frames_join};
/// use polars::prelude::*;
/// let a = DFrame::from_polars(df!("x" => [1i64, 2], "y" => ["a", "b"]).unwrap(), 1).unwrap();
/// let b = DFrame::from_polars(df!("x" => [3.5], "z" => [true]).unwrap(), 1).unwrap();
/// let outer = concat_frames_join(&[a.clone(), b.clone()], ConcatJoin::Outer).unwrap();
/// let got = outer.compute().unwrap();
/// assert_eq!(got.get_column_names(), ["x", "y", "z"]);
/// assert_eq!(got.column("x").unwrap().dtype(), &DataType::Float64); // i64 and f64
/// assert_eq!(got.column("z").unwrap().null_count(), 2);
/// let inner = concat_frames_join(&[a, b], ConcatJoin::Inner).unwrap();
/// assert_eq!(inner.compute().unwrap().get_column_names(), ["x"]);
/// ```
pub fn concat_frames_join(frames: &[DFrame], join: ConcatJoin) -> Result<DFrame> {
    if frames.is_empty() {
        return Err(Error::invalid("concat: no frames"));
    }
    let aligned = align_columns(frames, join)?;
    let frames = &aligned[..];
    let first = &frames[0];
    let token = Tokenizer::new("concat").sequenced().finish();
    // A token per frame: frames over one source would otherwise share keys.
    let mut nodes = Vec::new();
    let mut links = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        let t = Tokenizer::new("concat").param(&token).param(&i).finish();
        let (n, link) = f.partition_nodes("concat-input", t, only(&[]));
        nodes.extend(n);
        links.push(link);
    }
    Ok(DFrame::from_partition_nodes(
        nodes,
        token,
        Arc::clone(&first.schema),
        Partitioning::Unknown,
        links,
    )
    .described(
        format!("Concat {} frames", frames.len()),
        &frames.iter().collect::<Vec<_>>(),
    ))
}

/// `frames` given the same columns, in the same order and of the same types: those
/// `join` keeps, each cast to the common type of its types (polars' supertype), nulls
/// where a frame lacks one. Frames that have them already are left as they are.
fn align_columns(frames: &[DFrame], join: ConcatJoin) -> Result<Vec<DFrame>> {
    let mut columns: Vec<(PlSmallStr, DataType)> = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        for (name, t) in f.schema.iter() {
            match columns.iter_mut().find(|(n, _)| n == name) {
                Some((_, have)) if have != t => {
                    *have = supertype(name, have, t).ok_or_else(|| {
                        Error::invalid(format!(
                            "concat: column {name:?} is {have} in an earlier frame and {t} in \
                             frame {i} ({}), and they have no common type",
                            f.origin()
                        ))
                    })?;
                }
                Some(_) => {}
                None => columns.push((name.clone(), t.clone())),
            }
        }
    }
    if join == ConcatJoin::Inner {
        columns.retain(|(n, _)| frames.iter().all(|f| f.schema.contains(n)));
        if columns.is_empty() {
            return Err(Error::invalid(
                "concat: the frames have no column in common",
            ));
        }
    }
    let want = Schema::from_iter(
        columns
            .iter()
            .map(|(n, t)| Field::new(n.clone(), t.clone())),
    );
    frames
        .iter()
        .map(|f| {
            if *f.schema == want {
                return Ok(f.clone());
            }
            let exprs: Vec<Expr> = columns
                .iter()
                .map(|(n, t)| match f.schema.get(n) {
                    Some(have) if have == t => col(n.clone()),
                    Some(_) => col(n.clone()).cast(t.clone()),
                    None => lit(NULL).cast(t.clone()).alias(n.clone()),
                })
                .collect();
            f.select(exprs)
        })
        .collect()
}

/// The type that values of `a` and `b` both cast to, as polars' union finds it.
fn supertype(name: &PlSmallStr, a: &DataType, b: &DataType) -> Option<DataType> {
    let empty = |t: &DataType| {
        DataFrame::empty_with_schema(&Schema::from_iter([Field::new(name.clone(), t.clone())]))
            .lazy()
    };
    let args = UnionArgs {
        to_supertypes: true,
        ..Default::default()
    };
    let mut union = polars::prelude::concat([empty(a), empty(b)], args).ok()?;
    union.collect_schema().ok()?.get(name).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The binary search places every key where comparing it with each boundary does:
    /// ties on a boundary, keys before the first and past the last, nulls, in both
    /// directions, for numbers, dates, text and booleans.
    #[test]
    fn searched_buckets_match_compared_ones() {
        let ints: Vec<Option<i64>> = (0..200)
            .map(|i| (i % 13 != 0).then_some((i * 37) % 50 - 5))
            .collect();
        let text: Vec<Option<String>> = ints.iter().map(|v| v.map(|v| format!("k{v}"))).collect();
        let cases = [
            (
                Series::new("k".into(), &ints),
                Series::new("k".into(), [0i64, 10, 10, 30]),
            ),
            (
                Series::new("k".into(), &ints)
                    .cast(&DataType::Float32)
                    .unwrap(),
                Series::new("k".into(), [-1.5f32, 20.0]),
            ),
            (
                Series::new("k".into(), &ints)
                    .cast(&DataType::Date)
                    .unwrap(),
                Series::new("k".into(), [3i64, 40])
                    .cast(&DataType::Date)
                    .unwrap(),
            ),
            (
                Series::new("k".into(), &text),
                Series::new("k".into(), ["k1", "k30", "k5"]),
            ),
            (
                Series::new(
                    "k".into(),
                    ints.iter().map(|v| v.map(|v| v > 20)).collect::<Vec<_>>(),
                ),
                Series::new("k".into(), [false]),
            ),
        ];
        // Categoricals are ordered by their text, not their codes: compared, and placed
        // as the text is.
        let text_key = Series::new("k".into(), &text);
        let text_bounds = Series::new("k".into(), ["k1", "k30", "k5"]);
        let cat = DataType::from_categories(Categories::global());
        let (cat_key, cat_bounds) = (
            text_key.cast(&cat).unwrap(),
            text_bounds.cast(&cat).unwrap(),
        );
        assert!(
            searched(&cat_key, &cat_bounds, false, false)
                .unwrap()
                .is_none()
        );
        assert_eq!(
            range_buckets(&cat_key, &cat_bounds, false, true, false).unwrap(),
            range_buckets(&text_key, &text_bounds, false, true, false).unwrap()
        );
        for (key, bounds) in cases {
            for descending in [false, true] {
                for ties_up in [false, true] {
                    let got = searched(&key, &bounds, descending, ties_up)
                        .unwrap()
                        .unwrap();
                    let want = compared(&key, &bounds, descending, ties_up).unwrap();
                    let valid: Vec<bool> =
                        key.is_not_null().iter().map(|v| v == Some(true)).collect();
                    for (i, ok) in valid.into_iter().enumerate() {
                        if ok {
                            assert_eq!(got[i], want[i], "{key:?} {descending} {ties_up} row {i}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn range_buckets_place_values_nulls_and_nan() {
        let key = Series::new(
            "k".into(),
            [Some(5.0), None, Some(f64::NAN), Some(1.0), Some(9.0)],
        );
        let b = Series::new("k".into(), [2.0, 6.0]);
        assert_eq!(
            range_buckets(&key, &b, false, true, false).unwrap(),
            vec![1, 2, 2, 0, 2]
        );
        assert_eq!(
            range_buckets(&key, &b, false, false, false).unwrap(),
            vec![1, 0, 2, 0, 2]
        );
        assert_eq!(
            range_buckets(&key, &b, true, true, false).unwrap(),
            vec![1, 2, 0, 2, 0]
        );
    }

    #[test]
    fn boundaries_are_equal_ranks_of_the_samples() {
        let s = Series::new("k".into(), [Some(4i64), None, Some(1), Some(3), Some(2)]);
        let b = boundaries(s, 2).unwrap();
        assert_eq!(
            b.i64().unwrap().into_no_null_iter().collect::<Vec<_>>(),
            vec![3]
        );
        let empty = boundaries(Series::new_empty("k".into(), &DataType::Int64), 4).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn hash_split_keeps_equal_keys_together() {
        let df = df!("k" => [1i64, 2, 1, 3, 2, 1], "v" => [0i64, 1, 2, 3, 4, 5]).unwrap();
        let parts = hash_split(&df, &["k".to_string()], 4).unwrap();
        assert_eq!(parts.iter().map(|p| p.height()).sum::<usize>(), 6);
        let with_one = parts
            .iter()
            .filter(|p| {
                p.column("k")
                    .unwrap()
                    .i64()
                    .unwrap()
                    .into_no_null_iter()
                    .any(|k| k == 1)
            })
            .count();
        assert_eq!(with_one, 1);
    }
}
