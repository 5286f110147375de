//! Group-by aggregations written as polars expressions, computed with polars' own
//! group-by kernels.
//!
//! Each expression is lowered when it can be: an aggregation that merges (sum, count,
//! len, min, max, first, last, mean as a sum and a count, var and std as count, mean and
//! M2, corr and cov as the pairs' count, means and co-moments) becomes a *first*
//! expression run on a partition's rows, a *merge* expression run on stacked partials,
//! and a *final* expression over the merged partial columns, so an expression of
//! aggregations (`col("v1").max() - col("v2").min()`, `pearson_corr(a, b).pow(2)`)
//! lowers too. An aggregation that needs all of a group's values (median, quantile,
//! n_unique, top-k) lowers to a *list* partial: each group's values once (its distinct
//! values for n_unique), merged by concatenation, the aggregation run on the merged
//! list, so it is exact. When any expression does not lower (a list of the values, an
//! aggregation of a sort or a shift), the group-by is *holistic*: the needed columns of
//! the rows themselves are the partials, and the user's expressions run once per group
//! on all of its rows.
//!
//! Either way, each partition's partial is cut into buckets by a hash of the keys; each
//! bucket is combined and finished in its own task, so with many groups no task holds
//! every group, and the buckets, each sorted, are stacked in the end.

use std::collections::BTreeSet;
use std::sync::Arc;

use polars::prelude::*;

use super::shuffle::{Partitioning, hash_split, only, per_partition, whole};
use super::{DFrame, concat, plan_error};
use crate::graph::Tokenizer;
use crate::{Delayed, Error, Result};

/// Rows a partition gathers before grouping them into a partial: enough that a
/// partial is much smaller than its rows when groups repeat (a 64 MiB CSV partition
/// is grouped once)...
const GROUP_ROWS: usize = 1 << 21;

/// ...once a first grouping of this many has shown that they do. Where groups hardly
/// repeat, partials are grouped this many rows at a time: polars' grouping of rows
/// that are nearly all distinct holds several times their size (db-benchmark's q10:
/// 300 MB to group 1.25M rows of 67 MB), and the partial is as large as the rows.
const FIRST_GROUP_ROWS: usize = 1 << 18;

/// Partials a partition keeps before merging them into one.
const MAX_PARTIALS: usize = 4;

/// Buckets at most, by default (one per partition up to this).
const MAX_BUCKETS: usize = 16;

/// What to compute per group, for [`Agg`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AggKind {
    /// Sum of non-null values.
    Sum,
    /// Mean of non-null values.
    Mean,
    /// Number of non-null values.
    Count,
    /// Number of rows (nulls included).
    Size,
    /// Smallest value.
    Min,
    /// Largest value.
    Max,
    /// Sample standard deviation (ddof 1).
    Std,
    /// Sample variance (ddof 1).
    Var,
}

/// One aggregation of one column by name, as a Dask `agg` dictionary entry: a shorthand
/// for a polars expression (the column read as numbers, the output named
/// `column_kind` unless [`Agg::alias`] names it).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Agg {
    column: String,
    kind: AggKind,
    alias: String,
}

macro_rules! agg_ctor {
    ($($name:ident => $kind:ident, $suffix:literal;)*) => {$(
        #[doc = concat!("`", $suffix, "` of `column`, named `column_", $suffix, "`.")]
        pub fn $name(column: &str) -> Agg {
            Agg {
                column: column.to_string(),
                kind: AggKind::$kind,
                alias: format!("{column}_{}", $suffix),
            }
        }
    )*};
}

impl Agg {
    agg_ctor! {
        sum => Sum, "sum";
        mean => Mean, "mean";
        count => Count, "count";
        size => Size, "size";
        min => Min, "min";
        max => Max, "max";
        std => Std, "std";
        var => Var, "var";
    }

    /// Names the output column.
    pub fn alias(mut self, name: &str) -> Agg {
        self.alias = name.into();
        self
    }
}

impl From<Agg> for Expr {
    fn from(a: Agg) -> Expr {
        let c = || col(a.column.as_str()).cast(DataType::Float64);
        let e = match a.kind {
            AggKind::Sum => c().sum(),
            AggKind::Mean => c().mean(),
            AggKind::Count => c().count().cast(DataType::Int64),
            AggKind::Size => len().cast(DataType::Int64),
            AggKind::Min => c().min(),
            AggKind::Max => c().max(),
            AggKind::Std => c().std(1),
            AggKind::Var => c().var(1),
        };
        e.alias(a.alias.as_str())
    }
}

impl From<&Agg> for Expr {
    fn from(a: &Agg) -> Expr {
        a.clone().into()
    }
}

/// How a group-by brings each group's rows together, for [`GroupBy::strategy`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// [`Strategy::Tree`], its buckets sized by the groups estimated from the frame's
    /// sample: when they are many (over a quarter of a partition's rows), one bucket
    /// per 2^18 groups, up to 64, so no bucket's task holds many of them. Measured on
    /// db-benchmark's q10 (1e7 groups, the answer gathered), the tree with 32 to 64
    /// buckets is as fast as the shuffle and leaner (1.4 GB against 2.0 GB under a
    /// 500 MB budget, BENCHMARKS.md), so the shuffle is chosen only when asked. With no
    /// estimate (a frame whose scan read no sample: not CSV, or made by a shuffle or a
    /// join), one bucket per partition up to 16. The default.
    #[default]
    Auto,
    /// Each partition groups its rows into partials, cut into buckets by a hash of the
    /// keys and combined bucket by bucket in a tree: the least moved when groups are few.
    Tree,
    /// The rows themselves are shuffled by key and each partition grouped once
    /// ([`GroupBy::agg_frame`]): no partial work thrown away when groups are many.
    Shuffle,
}

/// Groups over this share of a partition's rows are many: [`Strategy::Auto`] gives
/// the tree more buckets.
const MANY_SHARE: f64 = 0.25;

/// Groups per bucket [`Strategy::Auto`] aims at when groups are many.
const TREE_GROUPS_PER_BUCKET: f64 = (1 << 18) as f64;

/// Buckets [`Strategy::Auto`] gives a tree at most.
const MAX_TREE_BUCKETS: usize = 64;

/// Partitions per million groups a shuffle asked for gets by default (at least the
/// frame's).
const SHUFFLE_GROUPS_PER_PARTITION: f64 = (1 << 20) as f64;

/// How a group-by runs: through the shuffle or the tree, into how many buckets.
struct Plan {
    shuffle: bool,
    buckets: usize,
}

/// A frame grouped by key columns (as `df.groupby(keys)`).
#[derive(Clone, Debug)]
pub struct GroupBy {
    pub(super) frame: DFrame,
    pub(super) keys: Vec<String>,
    split_out: Option<usize>,
    sort: bool,
    strategy: Strategy,
    /// Before [`GroupBy::dropna`] left out rows with a missing key: the frame, and
    /// which rows have every key (a transform keeps every row).
    pub(super) unfiltered: Option<(DFrame, Expr)>,
}

impl GroupBy {
    pub(crate) fn new(frame: DFrame, keys: Vec<String>) -> Self {
        GroupBy {
            frame,
            keys,
            split_out: None,
            sort: true,
            strategy: Strategy::Auto,
            unfiltered: None,
        }
    }

    /// Tree or shuffle; by default the tree, sized by an estimate of the number of
    /// groups. See [`Strategy`] and [`GroupBy::explain`].
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// The groups estimated from the frame's sample, and its rows, where it has one.
    fn estimate(&self) -> Option<(f64, f64)> {
        let sample = self.frame.sample.as_ref()?;
        Some((sample.groups(&self.keys)?, sample.rows()))
    }

    /// How [`GroupBy::agg`] runs, given [`GroupBy::estimate`] (found once by the caller:
    /// it groups the sample).
    fn plan(&self, estimate: Option<(f64, f64)>) -> Plan {
        let parts = self.frame.npartitions().max(1);
        let shuffle = self.strategy == Strategy::Shuffle;
        let groups = estimate.map(|(g, _)| g);
        let many = estimate.is_some_and(|(g, rows)| g > MANY_SHARE * rows / parts as f64);
        let per = |g: f64, each: f64| (g / each).ceil() as usize;
        let buckets = match (self.split_out, shuffle, groups) {
            (Some(n), _, _) => n,
            (None, true, g) => parts.max(g.map_or(0, |g| per(g, SHUFFLE_GROUPS_PER_PARTITION))),
            (None, false, Some(g)) if many && self.strategy == Strategy::Auto => {
                per(g, TREE_GROUPS_PER_BUCKET).clamp(parts.min(MAX_BUCKETS), MAX_TREE_BUCKETS)
            }
            (None, false, _) => parts.clamp(1, MAX_BUCKETS),
        };
        Plan { shuffle, buckets }
    }

    /// How [`GroupBy::agg`] will run, then the frame's plan: the strategy, the
    /// buckets or partitions, and the estimate it was chosen from.
    ///
    /// ```
    /// use chunkwise::dataframe::DFrame;
    /// let dir = tempfile::tempdir()?;
    /// let rows: String = (0..5000).map(|i| format!("{i},{}\n", i % 3)).collect();
    /// std::fs::write(dir.path().join("a.csv"), format!("id,k\n{rows}"))?;
    /// let f = DFrame::read_csv(&format!("{}/*.csv", dir.path().display())).open()?;
    /// // The sample is the whole file: every id is its own group, and there are three k.
    /// assert!(f.groupby(&["id"])?.explain().contains("an estimate of 5000 groups in 5000 rows"));
    /// assert!(f.groupby(&["k"])?.explain().starts_with("GroupBy [\"k\"] by tree of partials in 1 buckets"));
    /// assert!(f.groupby(&["k"])?.explain().contains("an estimate of 3 groups"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn explain(&self) -> String {
        let estimate = self.estimate();
        let Plan { shuffle, buckets } = self.plan(estimate);
        let how = if self.frame.partitioning.groups(&self.keys) {
            "each partition (already partitioned on the keys)".to_string()
        } else if shuffle {
            format!("shuffle into {buckets} partitions")
        } else {
            format!("tree of partials in {buckets} buckets")
        };
        let why = match (self.strategy, estimate) {
            (Strategy::Auto, Some((g, r))) => {
                format!(", sized by an estimate of {g:.0} groups in {r:.0} rows")
            }
            (Strategy::Auto, None) => ", the default with no estimate".to_string(),
            _ => ", as asked".to_string(),
        };
        format!(
            "GroupBy {:?} by {how}{why}\n{}",
            self.keys,
            self.frame
                .explain()
                .lines()
                .map(|l| format!("  {l}\n"))
                .collect::<String>()
        )
    }

    /// Buckets the groups are cut into by a hash of their keys, each combined and
    /// finished by its own task (as Dask's `split_out`), or the partitions a shuffle
    /// moves the rows into. By default: a tree has one bucket per partition, at most 16,
    /// or with many groups estimated one per 2^18 of them, at most 64; a shuffle as
    /// many partitions as the frame, or one per million groups estimated if more.
    /// More buckets: less held by one task when groups are many.
    pub fn split_out(mut self, buckets: usize) -> Self {
        self.split_out = Some(buckets.max(1));
        self
    }

    /// Whether the answer is sorted by the keys (the default, as pandas' `sort=True`).
    /// Unsorted, the groups come bucket by bucket, as polars' and DuckDB's come in no
    /// set order; with millions of groups the sort is a large part of the work.
    pub fn sort(mut self, sorted: bool) -> Self {
        self.sort = sorted;
        self
    }

    /// Leaves out rows with a null (or a NaN, in a float key) in any key when `drop`
    /// (pandas' and Dask's default `dropna=True`); otherwise, the default here as in
    /// polars' `group_by`, they make groups of their own. The rows are filtered
    /// before anything is grouped; a later `dropna(false)` does not bring them back.
    ///
    /// ```
    /// use chunkwise::dataframe::DFrame;
    /// use polars::prelude::*;
    /// let df = df!("k" => [Some("a"), None, Some("a")], "v" => [1i64, 2, 3]).unwrap();
    /// let g = DFrame::from_polars(df, 2).unwrap().groupby(&["k"]).unwrap();
    /// assert_eq!(g.agg([col("v").sum()]).unwrap().compute().unwrap().height(), 2);
    /// let pandas = g.dropna(true).unwrap().agg([col("v").sum()]).unwrap().compute().unwrap();
    /// assert_eq!(pandas.column("v").unwrap().i64().unwrap().get(0), Some(4));
    /// ```
    pub fn dropna(mut self, drop: bool) -> Result<Self> {
        if drop {
            // pandas' missing values: nulls, and NaN in float keys.
            let schema = self.frame.schema().clone();
            let present = self
                .keys
                .iter()
                .map(|k| {
                    let c = col(k.as_str());
                    match schema.get(k.as_str()) {
                        Some(t) if t.is_float() => c.clone().is_not_null().and(c.is_not_nan()),
                        _ => c.is_not_null(),
                    }
                })
                .reduce(|a, b| a.and(b))
                .unwrap_or(lit(true));
            let kept = self.frame.filter(present.clone())?;
            let all = std::mem::replace(&mut self.frame, kept);
            self.unfiltered.get_or_insert((all, present));
        }
        Ok(self)
    }

    /// Mean of one column per group, the output column named after it.
    pub fn mean(&self, column: &str) -> Result<Delayed<DataFrame>> {
        self.agg([Agg::mean(column).alias(column).into()])
    }

    /// Sum of one column per group.
    pub fn sum(&self, column: &str) -> Result<Delayed<DataFrame>> {
        self.agg([Agg::sum(column).alias(column).into()])
    }

    /// Rows per group, most frequent first (columns: the keys, `count`).
    pub fn value_counts(&self) -> Result<Delayed<DataFrame>> {
        let d = self.agg([len().cast(DataType::Int64).alias("count")])?;
        Ok(d.try_map_err(|df: &DataFrame| {
            df.clone()
                .lazy()
                .sort(
                    ["count"],
                    SortMultipleOptions::default()
                        .with_order_descending(true)
                        .with_maintain_order(true),
                )
                .collect()
                .map_err(plan_error)
        }))
    }

    /// Aggregations per group, as polars expressions (`col("v").sum()`,
    /// `col("v").median()`, `col("v").top_k(lit(2))`, `pearson_corr(col("a"), col("b"))`,
    /// `col("a").max() - col("b").min()`, ...); the answer equals polars' eager
    /// `group_by(keys).agg(exprs)`, sorted by the keys (nulls last) unless
    /// [`GroupBy::sort`] says otherwise.
    ///
    /// ```
    /// use chunkwise::dataframe::DFrame;
    /// use polars::prelude::*;
    /// let dir = tempfile::tempdir()?;
    /// std::fs::write(dir.path().join("a.csv"), "k,v\na,1\nb,5\na,3\n")?;
    /// let f = DFrame::read_csv(&format!("{}/*.csv", dir.path().display())).open()?;
    /// let out = f
    ///     .groupby(&["k"])?
    ///     .agg([col("v").median().alias("med"), (col("v").max() - col("v").min()).alias("range")])?
    ///     .compute()?;
    /// assert_eq!(out.column("med")?.f64()?.get(0), Some(2.0));
    /// assert_eq!(out.column("range")?.i64()?.get(0), Some(2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn agg<E: AsRef<[Expr]>>(&self, exprs: E) -> Result<Delayed<DataFrame>> {
        let whole = self.agg_frame(exprs)?.gathered(false);
        let (keys, sorted) = (self.keys.clone(), self.sort);
        Ok(whole.try_map(move |df| sort_by_keys(df.clone(), &keys, sorted)))
    }

    /// The answer as a frame whose partitions are the tree's buckets: each partition's
    /// partial (lowered, or its rows when holistic) cut by a hash of the keys, each
    /// bucket combined and finished in its own task.
    fn tree_frame(&self, exprs: Vec<Expr>, buckets: usize) -> Result<DFrame> {
        let (cols, empty, strict) = self.checked(&exprs)?;
        let token = Tokenizer::new("groupby-tree")
            .param(&self.keys)
            .param(&format!("{exprs:?}"))
            .param(&buckets)
            .sequenced()
            .finish();
        let line = format!(
            "GroupBy {:?} {} by a tree of partials in {buckets} buckets",
            self.keys,
            super::show(&exprs)
        );
        let schema = empty.schema().clone();
        let plan = Arc::new(Lowered::new(&exprs, &self.keys, empty));
        let columns: Vec<PlSmallStr> = cols.iter().map(|c| c.as_str().into()).collect();
        let (p1, p2, p3) = (Arc::clone(&plan), Arc::clone(&plan), plan);
        let (_, nodes, _) = self.frame.batches.consume_bucket_nodes(
            "groupby",
            (self.frame.needs)(Some(cols)),
            buckets,
            move |_| Ok(Pending::new(buckets)),
            move |acc, df| {
                for c in &strict {
                    super::numeric(df, c)?;
                }
                p1.add(acc, df.select(columns.iter().cloned()).map_err(plan_error)?)?;
                Ok(true)
            },
            move |acc| p2.buckets(acc),
            |a: &mut Vec<DataFrame>, b| a.extend(b.iter().cloned()),
            move |frames| {
                let out = p3.finish(frames)?;
                Ok(if out.height() > 0 {
                    vec![out]
                } else {
                    Vec::new()
                })
            },
        );
        let partitioning = Partitioning::Hash {
            keys: self.keys.clone(),
            n: buckets,
        }
        .after_change(&|c| schema.get(c).is_none());
        Ok(
            DFrame::from_partition_nodes(nodes, token, schema, partitioning, Vec::new())
                .described(line, &[&self.frame]),
        )
    }

    /// The columns read, the answer on no rows, and the text columns read as numbers
    /// (checked), for `agg` and `agg_frame`.
    fn checked(&self, exprs: &[Expr]) -> Result<(BTreeSet<String>, DataFrame, Vec<String>)> {
        if exprs.is_empty() {
            return Err(Error::invalid(
                "groupby(...).agg needs at least one aggregation",
            ));
        }
        let mut cols: BTreeSet<String> = self.keys.iter().cloned().collect();
        cols.extend(super::roots(exprs));
        self.frame.check_columns(&cols, "groupby")?;
        let keys: Vec<Expr> = self.keys.iter().map(|k| col(k.as_str())).collect();
        // What eager polars answers on no rows: the output's names and types, and the
        // query's errors (a type that does not fit) before anything runs.
        let empty = super::on_no_rows("groupby(...).agg", || {
            DataFrame::empty_with_schema(self.frame.schema())
                .lazy()
                .group_by(keys)
                .agg(exprs)
                .collect()
        })?;
        // Text columns read as numbers: their text must parse, never become a silent null.
        let strict: Vec<String> = numeric_roots(exprs)
            .into_iter()
            .filter(|c| {
                self.frame
                    .schema()
                    .get(c.as_str())
                    .is_some_and(|t| t.is_string())
            })
            .collect();
        Ok((cols, empty, strict))
    }

    /// The answer as a frame partitioned by key, left where it is made (as Dask's
    /// `split_out`): no task gathers it, so an answer of millions of groups can be
    /// written out, joined or summarised partition by partition. By the tree (the
    /// default), its partitions are the tree's buckets; through the shuffle
    /// ([`Strategy::Shuffle`]), the rows' needed columns are moved by key into
    /// partitions (as many as the frame's, or one per million groups estimated) and
    /// each is grouped once by polars with the expressions as given. A frame already
    /// partitioned on the keys is grouped partition by partition. Either way every
    /// aggregation is exact and the partitions are not sorted; [`DFrame::sort_values`]
    /// sorts the whole.
    ///
    /// ```
    /// use chunkwise::bag::Bag;
    /// use polars::prelude::*;
    /// let rows = Bag::from_iter((0..1000i64).map(|i| (i % 37, i)), 4);
    /// let schema = Schema::from_iter([Field::new("k".into(), DataType::Int64), Field::new("v".into(), DataType::Int64)]);
    /// let df = rows.to_dataframe(schema, |(k, v)| vec![AnyValue::Int64(*k), AnyValue::Int64(*v)]).unwrap();
    /// let by_k = df.groupby(&["k"]).unwrap().split_out(3).agg_frame([col("v").median()]).unwrap();
    /// assert_eq!(by_k.npartitions(), 3);
    /// assert_eq!(by_k.compute().unwrap().height(), 37);
    /// ```
    pub fn agg_frame<E: AsRef<[Expr]>>(&self, exprs: E) -> Result<DFrame> {
        let exprs = exprs.as_ref().to_vec();
        let plan = self.plan(self.estimate());
        let (shuffle, n) = (plan.shuffle, plan.buckets);
        let grouped = self.frame.partitioning.groups(&self.keys);
        if !shuffle && !grouped {
            return self.tree_frame(exprs, n);
        }
        let (cols, empty, strict) = self.checked(&exprs)?;
        let cols: Vec<String> = cols.into_iter().collect();
        let moved = if grouped {
            self.frame.clone()
        } else {
            self.frame
                .select(cols.iter().map(|c| col(c.as_str())).collect::<Vec<_>>())?
                .hash_partitioned(&self.keys, n)
        };
        let token = Tokenizer::new("groupby-frame")
            .param(&self.keys)
            .param(&format!("{exprs:?}"))
            .sequenced()
            .finish();
        let (parts, link) = moved.partition_nodes("groupby-frame-input", token, only(&cols));
        let (input, keys) = (Arc::clone(moved.schema()), self.keys.clone());
        let exprs2 = exprs.clone();
        let nodes = per_partition(
            "groupby-frame",
            token,
            parts.into_iter().map(|p| vec![p]).collect(),
            Arc::new(move |v| {
                let df = whole(&v[0], &input)?;
                for c in &strict {
                    super::numeric(&df, c)?;
                }
                let out = df
                    .lazy()
                    .group_by(keys.iter().map(|k| col(k.as_str())).collect::<Vec<_>>())
                    .agg(exprs2.clone())
                    .collect()
                    .map_err(|e| Error::external("polars group-by", e))?;
                Ok(if out.height() > 0 {
                    vec![out]
                } else {
                    Vec::new()
                })
            }),
        );
        let n = nodes.len();
        let link = link.through(move |_| only(&cols));
        let line = format!(
            "GroupBy {:?} {} per partition",
            self.keys,
            super::show(&exprs)
        );
        Ok(DFrame::from_partition_nodes(
            nodes,
            token,
            empty.schema().clone(),
            // Hash-partitioned on the keys when it was (by us or before); a range
            // partitioning is not kept: groups come out unsorted.
            match moved.partitioning {
                Partitioning::Hash { .. } => Partitioning::Hash {
                    keys: self.keys.clone(),
                    n,
                }
                .after_change(&|c| empty.schema().get(c).is_none()),
                _ => Partitioning::Unknown,
            },
            vec![link],
        )
        .described(line, &[&moved]))
    }
}

/// The answer sorted by its keys (nulls last, as Dask) when asked.
fn sort_by_keys(out: DataFrame, keys: &[String], sorted: bool) -> Result<DataFrame> {
    if !sorted {
        return Ok(out);
    }
    out.lazy()
        .sort(
            keys.to_vec(),
            SortMultipleOptions::default()
                .with_nulls_last(true)
                .with_maintain_order(true),
        )
        .collect()
        .map_err(plan_error)
}

/// A partition's rows not yet grouped and its partials so far (lowered), or its rows
/// cut into buckets as they come (holistic).
struct Pending {
    batches: Vec<DataFrame>,
    partials: Vec<DataFrame>,
    buckets: Vec<Vec<DataFrame>>,
    /// Whether grouping still shrinks this partition's rows: false once a grouping
    /// kept more than half of them (the groups hardly repeat, as db-benchmark's q10),
    /// after which partials are no longer merged here, only where buckets meet.
    shrinks: bool,
}

impl Pending {
    fn new(buckets: usize) -> Self {
        Pending {
            batches: Vec::new(),
            partials: Vec::new(),
            buckets: vec![Vec::new(); buckets],
            shrinks: true,
        }
    }

    /// Rows to gather before grouping: [`FIRST_GROUP_ROWS`] until a grouping has
    /// shrunk them, [`GROUP_ROWS`] after.
    fn group_rows(&self) -> usize {
        if self.shrinks && !self.partials.is_empty() {
            GROUP_ROWS
        } else {
            FIRST_GROUP_ROWS
        }
    }
}

/// The expressions of one group-by, lowered for partials or held whole.
struct Lowered {
    key_names: Vec<String>,
    keys: Vec<Expr>,
    /// What eager polars answers on no rows: a bucket without rows answers this.
    empty: DataFrame,
    /// `None`: holistic, the rows are the partials and `user` runs on them.
    split: Option<Split>,
    user: Vec<Expr>,
}

struct Split {
    /// Row-wise columns added to a partition's rows before `first` groups them.
    pre: Vec<Expr>,
    first: Vec<Expr>,
    merge: Vec<Expr>,
    finals: Vec<Expr>,
}

impl Lowered {
    fn new(exprs: &[Expr], key_names: &[String], empty: DataFrame) -> Lowered {
        let out = empty.schema().clone();
        // One output column per expression (no `cols([..])`): each lowers on its own.
        let single = out.len() == key_names.len() + exprs.len();
        let mut parts = Parts::default();
        let finals: Option<Vec<Expr>> = exprs
            .iter()
            .enumerate()
            .map(|(j, e)| {
                // Named and typed as eager polars names and types its output.
                let (name, dtype) = out.get_at_index(key_names.len() + j)?;
                (single && !e.clone().meta().has_multiple_outputs())
                    .then(|| lower(e, &mut parts))
                    .flatten()
                    .map(|f| f.cast(dtype.clone()).alias(name.clone()))
            })
            .collect();
        Lowered {
            key_names: key_names.to_vec(),
            keys: key_names.iter().map(|k| col(k.as_str())).collect(),
            empty,
            split: finals.map(|finals| Split {
                pre: parts.pre,
                first: parts.first,
                merge: parts.merge,
                finals,
            }),
            user: exprs.to_vec(),
        }
    }

    fn group(&self, df: DataFrame, exprs: &[Expr]) -> Result<DataFrame> {
        df.lazy()
            .group_by(self.keys.clone())
            .agg(exprs)
            .collect()
            .map_err(|e| Error::external("polars, grouping a partition", e))
    }

    /// A batch of a partition's rows (only the needed columns).
    fn add(&self, acc: &mut Pending, batch: DataFrame) -> Result<()> {
        let Some(s) = &self.split else {
            // Holistic: the rows are the partial, cut into buckets at once so that a
            // partition never holds them twice.
            let pieces = hash_split(&batch, &self.key_names, acc.buckets.len())?;
            for (bucket, piece) in acc.buckets.iter_mut().zip(pieces) {
                if piece.height() > 0 {
                    bucket.push(piece);
                }
            }
            return Ok(());
        };
        acc.batches.push(batch);
        if acc.batches.iter().map(DataFrame::height).sum::<usize>() >= acc.group_rows() {
            self.group_pending(acc, s)?;
        }
        Ok(())
    }

    /// Groups the rows gathered so far into a partial; merges the partials when
    /// there are many.
    fn group_pending(&self, acc: &mut Pending, s: &Split) -> Result<()> {
        if !acc.batches.is_empty() {
            let rows = stack(std::mem::take(&mut acc.batches))?;
            let rows = if s.pre.is_empty() {
                rows
            } else {
                rows.lazy()
                    .with_columns(s.pre.clone())
                    .collect()
                    .map_err(|e| Error::external("polars, a group-by's row-wise columns", e))?
            };
            let n = rows.height();
            let partial = self.group(rows, &s.first)?;
            acc.shrinks &= partial.height() * 2 <= n;
            acc.partials.push(partial);
        }
        if acc.partials.len() > MAX_PARTIALS && acc.shrinks {
            let all = stack(std::mem::take(&mut acc.partials))?;
            let n = all.height();
            let merged = self.group(all, &s.merge)?;
            acc.shrinks &= merged.height() * 2 <= n;
            acc.partials.push(merged);
        }
        Ok(())
    }

    /// The partition's partial, one part per bucket.
    fn buckets(&self, mut acc: Pending) -> Result<Vec<Vec<DataFrame>>> {
        let Some(s) = &self.split else {
            return Ok(acc.buckets);
        };
        self.group_pending(&mut acc, s)?;
        // Partials are merged where the buckets meet: no grouping here, and no
        // stacking either (each partial is cut on its own and let go, so the partition
        // never holds its partials twice).
        let n = acc.buckets.len();
        for partial in std::mem::take(&mut acc.partials) {
            let pieces = hash_split(&partial, &self.key_names, n)?;
            for (bucket, piece) in acc.buckets.iter_mut().zip(pieces) {
                if piece.height() > 0 {
                    bucket.push(piece);
                }
            }
        }
        Ok(acc.buckets)
    }

    /// A bucket's partials from every partition: its groups' answers.
    fn finish(&self, frames: Vec<DataFrame>) -> Result<DataFrame> {
        if frames.is_empty() {
            return Ok(self.empty.clone());
        }
        let df = stack(frames)?;
        match &self.split {
            Some(s) => {
                let merged = self.group(df, &s.merge)?;
                let mut sel = self.keys.clone();
                sel.extend(s.finals.iter().cloned());
                merged
                    .lazy()
                    .select(sel)
                    .collect()
                    .map_err(|e| Error::external("polars, finishing a group-by", e))
            }
            None => self.group(df, &self.user),
        }
    }
}

/// The lowered pieces, and a counter for the partial columns' names.
#[derive(Default)]
struct Parts {
    pre: Vec<Expr>,
    first: Vec<Expr>,
    merge: Vec<Expr>,
    n: usize,
}

impl Parts {
    fn fresh(&mut self) -> String {
        self.n += 1;
        format!("__part{}", self.n - 1)
    }

    /// A row-wise column computed before grouping (polars evaluates it once per row,
    /// where inside a group-by's aggregation it would go group by group).
    fn row_column(&mut self, e: Expr) -> Expr {
        let name = self.fresh();
        self.pre.push(e.alias(name.as_str()));
        col(name.as_str())
    }

    /// Partial column `name`: computed by `first` on rows, by `merge` on partials.
    fn push(&mut self, name: &str, first: Expr, merge: Expr) {
        self.first.push(first.alias(name));
        self.merge.push(merge.alias(name));
    }

    /// A new partial column whose merge reads only itself.
    fn column(&mut self, first: Expr, merge: impl FnOnce(Expr) -> Expr) -> Expr {
        let name = self.fresh();
        self.push(&name, first, merge(col(name.as_str())));
        col(name.as_str())
    }
}

/// The final expression over partial columns for `e`, adding its partials to `parts`;
/// `None` when `e` is not made of aggregations that merge.
fn lower(e: &Expr, parts: &mut Parts) -> Option<Expr> {
    Some(match e {
        Expr::Alias(inner, name) => lower(inner, parts)?.alias(name.clone()),
        Expr::Literal(_) => e.clone(),
        Expr::Len => parts.column(len(), |c| c.sum()),
        Expr::BinaryExpr { left, op, right } => Expr::BinaryExpr {
            left: Arc::new(lower(left, parts)?),
            op: *op,
            right: Arc::new(lower(right, parts)?),
        },
        Expr::Cast {
            expr,
            dtype,
            options,
        } => Expr::Cast {
            expr: Arc::new(lower(expr, parts)?),
            dtype: dtype.clone(),
            options: *options,
        },
        Expr::Agg(AggExpr::Median(x)) => lower_listed(x, false, |v| v.median(), parts)?,
        Expr::Agg(AggExpr::NUnique(x)) => lower_listed(x, true, |v| v.n_unique(), parts)?,
        Expr::Agg(a) => lower_agg(a, parts)?,
        Expr::Function {
            input,
            function: FunctionExpr::Quantile { method },
        } => match &input[..] {
            [x, q @ Expr::Literal(_)] => {
                let (q, method) = (q.clone(), *method);
                lower_listed(x, false, move |v| v.quantile(q, method), parts)?
            }
            _ => return None,
        },
        Expr::Function {
            input,
            function: function @ FunctionExpr::TopK { .. },
        } => match &input[..] {
            [x, k @ Expr::Literal(_)] => {
                let (k, function) = (k.clone(), function.clone());
                let top = move |v: Expr| Expr::Function {
                    input: vec![v, k],
                    function,
                };
                let values = lower_listed(x, false, |v| v, parts)?;
                values.list().eval(top(Expr::Element))
            }
            _ => return None,
        },
        Expr::Function {
            input,
            function: FunctionExpr::Correlation { method },
        } => match (method, &input[..]) {
            (CorrelationMethod::Pearson, [x, y]) => lower_comoments(x, y, None, parts)?,
            (CorrelationMethod::Covariance(ddof), [x, y]) => {
                lower_comoments(x, y, Some(*ddof), parts)?
            }
            _ => return None,
        },
        // Element-wise functions of aggregations (`pearson_corr(a, b).pow(2)`).
        Expr::Function {
            input,
            function:
                function @ (FunctionExpr::Pow(_)
                | FunctionExpr::Negate
                | FunctionExpr::FillNull
                | FunctionExpr::Coalesce),
        } => Expr::Function {
            input: input
                .iter()
                .map(|i| lower(i, parts))
                .collect::<Option<Vec<_>>>()?,
            function: function.clone(),
        },
        _ => return None,
    })
}

/// An aggregation that needs all of a group's values (a median, a quantile, a count
/// of distinct values, the top k) over a list partial: each partial holds a group's
/// values once, its keys not repeated per row, and only its distinct values when
/// `distinct`; partials merge by concatenating the lists, and `finish` runs on the
/// merged list. Exact, and a bucket never regroups rows.
///
/// The top k is kept whole in the partials, not cut to k: polars takes a top k one
/// group at a time, and over db-benchmark's q8 (1e5 groups of 12 rows a partition)
/// that was 2.6 s against 1.6 s for held rows. A list is as fast as held rows there,
/// at half their size.
fn lower_listed(
    x: &Expr,
    distinct: bool,
    finish: impl FnOnce(Expr) -> Expr,
    parts: &mut Parts,
) -> Option<Expr> {
    if !row_wise(x) || !of_rows(x) {
        return None;
    }
    let reduce = move |v: Expr| if distinct { v.unique() } else { v };
    let flat = ExplodeOptions {
        empty_as_null: false,
        keep_nulls: true,
    };
    // In a group-by, an expression that does not aggregate gives each group a list.
    let values = parts.column(reduce(x.clone()), |c| reduce(c.explode(flat)));
    Some(match finish(Expr::Element) {
        Expr::Element => values,
        each => values.list().agg(each),
    })
}

/// Pearson's correlation (`ddof` `None`) or the covariance of two row-wise inputs, as
/// polars computes them (`polars_compute::moment`): over the rows where both are
/// present, NaN or 0 for a group of one row. Each partial carries the pairs' count,
/// means, co-moment and (for a correlation) each side's M2; partials merge as Chan et
/// al. merge them, so no group's rows are ever held together.
fn lower_comoments(x: &Expr, y: &Expr, ddof: Option<u8>, parts: &mut Parts) -> Option<Expr> {
    if !row_wise(x) || !row_wise(y) || !of_rows(x) || !of_rows(y) {
        return None;
    }
    // The pairs: each side null where the other is.
    let f64 = |e: &Expr| e.clone().cast(DataType::Float64);
    let xs = parts.row_column(
        when(y.clone().is_not_null())
            .then(f64(x))
            .otherwise(lit(Null {})),
    );
    let ys = parts.row_column(
        when(x.clone().is_not_null())
            .then(f64(y))
            .otherwise(lit(Null {})),
    );
    let rows = parts.column(len().cast(DataType::Float64), |c| c.sum());
    let (n, mx, my) = (parts.fresh(), parts.fresh(), parts.fresh());
    let (nc, mxc, myc) = (col(n.as_str()), col(mx.as_str()), col(my.as_str()));
    let total = nc.clone().sum();
    // A partial with no pair has mean 0, so that n * mean stays 0 in the merge.
    let pooled = |m: &Expr| {
        when(total.clone().gt(lit(0.0)))
            .then((nc.clone() * m.clone()).sum() / total.clone())
            .otherwise(lit(0.0))
    };
    let (px, py) = (pooled(&mxc), pooled(&myc));
    parts.push(
        &n,
        xs.clone().count().cast(DataType::Float64),
        total.clone(),
    );
    parts.push(&mx, xs.clone().mean().fill_null(lit(0.0)), px.clone());
    parts.push(&my, ys.clone().mean().fill_null(lit(0.0)), py.clone());
    // Co-moments: each partial's own (`first` is over its pairs, ddof 0), plus the
    // spread of its means about the pooled ones.
    let count = xs.clone().count().cast(DataType::Float64);
    let mut comoment = |first: Expr, a: &Expr, pa: &Expr, b: &Expr, pb: &Expr| {
        let name = parts.fresh();
        let c = col(name.as_str());
        let spread = (nc.clone() * (a.clone() - pa.clone()) * (b.clone() - pb.clone())).sum();
        parts.push(
            &name,
            (first * count.clone()).fill_null(lit(0.0)),
            c.clone().sum() + spread,
        );
        c
    };
    let cxy = comoment(cov(xs.clone(), ys.clone(), 0), &mxc, &px, &myc, &py);
    let one_row = rows.eq(lit(1.0));
    Some(match ddof {
        Some(d) => {
            let d = lit(d as f64);
            when(one_row)
                .then(lit(0.0))
                .when(nc.clone().gt(d.clone()))
                .then(cxy / (nc - d))
                .otherwise(lit(Null {}))
        }
        None => {
            let qx = comoment(xs.clone().var(0), &mxc, &px, &mxc, &px);
            let qy = comoment(ys.var(0), &myc, &py, &myc, &py);
            let denom = qx * qy;
            when(one_row.or(denom.clone().lt_eq(lit(0.0))))
                .then(lit(f64::NAN))
                .otherwise(cxy / denom.sqrt())
        }
    })
}

/// Whether `e` reads a column: a literal alone is one value per group (however many
/// rows), so a partial of it would count once per partial.
fn of_rows(e: &Expr) -> bool {
    !e.clone().meta().root_names().is_empty()
}

/// Row-wise expressions only: what a partial may aggregate.
fn row_wise(e: &Expr) -> bool {
    match e {
        Expr::Column(_) | Expr::Literal(_) => true,
        Expr::Alias(x, _) => row_wise(x),
        Expr::Cast { expr, .. } => row_wise(expr),
        Expr::BinaryExpr { left, right, .. } => row_wise(left) && row_wise(right),
        Expr::Ternary {
            predicate,
            truthy,
            falsy,
        } => row_wise(predicate) && row_wise(truthy) && row_wise(falsy),
        _ => false,
    }
}

/// The input of an aggregation that lowers (`None` for those that do not).
fn input_mut(a: &mut AggExpr) -> Option<&mut Arc<Expr>> {
    match a {
        AggExpr::Min { input, .. }
        | AggExpr::Max { input, .. }
        | AggExpr::First(input)
        | AggExpr::FirstNonNull(input)
        | AggExpr::Last(input)
        | AggExpr::LastNonNull(input)
        | AggExpr::Mean(input)
        | AggExpr::Count { input, .. }
        | AggExpr::Sum(input)
        | AggExpr::Std(input, _)
        | AggExpr::Var(input, _) => Some(input),
        _ => None,
    }
}

fn lower_agg(a: &AggExpr, parts: &mut Parts) -> Option<Expr> {
    let input = input_mut(&mut a.clone())?.clone();
    if !row_wise(&input) || !of_rows(&input) {
        return None;
    }
    let f64 = || input.as_ref().clone().cast(DataType::Float64);
    Some(match a {
        // Merged by the same aggregation (options kept) over the partial column.
        AggExpr::Sum(_)
        | AggExpr::First(_)
        | AggExpr::FirstNonNull(_)
        | AggExpr::Last(_)
        | AggExpr::LastNonNull(_)
        | AggExpr::Min { .. }
        | AggExpr::Max { .. } => {
            let again = a.clone();
            parts.column(Expr::Agg(a.clone()), move |c| {
                let mut again = again;
                if let Some(input) = input_mut(&mut again) {
                    *input = Arc::new(c);
                }
                Expr::Agg(again)
            })
        }
        AggExpr::Count { .. } => parts.column(Expr::Agg(a.clone()), |c| c.sum()),
        AggExpr::Mean(_) => {
            // A mean is a sum and a count: no moments to carry.
            let n = parts.column(f64().count().cast(DataType::Float64), |c| c.sum());
            let s = parts.column(f64().sum(), |c| c.sum());
            // As polars: null where a group has no value.
            when(n.clone().gt(lit(0.0)))
                .then(s / n)
                .otherwise(lit(Null {}))
        }
        AggExpr::Std(_, ddof) | AggExpr::Var(_, ddof) => {
            // Count, mean and M2 per partial. A group with no value in a partial has
            // n = 0: its mean is 0, not null, so that n * mean stays 0 in merges.
            let (n, m, q) = (parts.fresh(), parts.fresh(), parts.fresh());
            let (nc, mc, qc) = (col(n.as_str()), col(m.as_str()), col(q.as_str()));
            let count = f64().count().cast(DataType::Float64);
            // Chan et al.: pooled mean, and M2 plus the spread of the means.
            let pooled = ((nc.clone() * mc.clone()).sum() / nc.clone().sum()).fill_nan(lit(0.0));
            let spread = (nc.clone() * (mc.clone() - pooled.clone()).pow(2)).sum();
            parts.push(&n, count.clone(), nc.clone().sum());
            parts.push(&m, f64().mean().fill_null(lit(0.0)), pooled);
            parts.push(
                &q,
                (f64().var(0) * count).fill_null(lit(0.0)),
                qc.clone().sum() + spread,
            );
            let ddof = lit(*ddof as f64);
            let var = qc / (nc.clone() - ddof.clone());
            let value = if matches!(a, AggExpr::Std(..)) {
                var.sqrt()
            } else {
                var
            };
            // As polars: null where a group has no more values than ddof.
            when(nc.gt(ddof)).then(value).otherwise(lit(Null {}))
        }
        _ => return None,
    })
}

/// Columns read as numbers: under a numeric aggregation or a cast to a number.
fn numeric_roots(exprs: &[Expr]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for node in exprs.iter().flat_map(|e| e.into_iter()) {
        let numeric = match node {
            Expr::Agg(
                AggExpr::Sum(x)
                | AggExpr::Mean(x)
                | AggExpr::Median(x)
                | AggExpr::Std(x, _)
                | AggExpr::Var(x, _),
            ) => x,
            Expr::Cast {
                expr,
                dtype: DataTypeExpr::Literal(t),
                ..
            } if t.is_primitive_numeric() => expr,
            _ => continue,
        };
        let names = numeric.as_ref().clone().meta().root_names();
        out.extend(names.into_iter().map(|n| n.to_string()));
    }
    out
}

fn stack(parts: Vec<DataFrame>) -> Result<DataFrame> {
    let schema = parts
        .first()
        .map(|d| d.schema().as_ref().clone())
        .unwrap_or_default();
    concat(parts, &schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `exprs` lower into partials (rather than holding each group's rows).
    fn lowers(exprs: &[Expr]) -> bool {
        let rows = df!("k" => [1i64, 1, 2], "a" => [1.0, 2.0, 3.0], "b" => [2i64, 5, 1]).unwrap();
        let empty = rows
            .clear()
            .lazy()
            .group_by([col("k")])
            .agg(exprs)
            .collect()
            .unwrap();
        Lowered::new(exprs, &["k".to_string()], empty)
            .split
            .is_some()
    }

    #[test]
    fn merging_aggregations_lower_and_holistic_ones_do_not() {
        for e in [
            col("a").sum(),
            col("a").mean() * lit(2.0),
            col("a").std(1),
            len(),
            pearson_corr(col("a"), col("b")),
            pearson_corr(col("a"), col("b")).pow(2),
            cov(col("a") * lit(2.0), col("b"), 1),
            -(col("a").max() - col("b").min()),
            col("a").max().fill_null(lit(0.0)).sqrt(),
            // Over list partials.
            col("a").median(),
            (col("a") * lit(2.0)).n_unique(),
            col("a").quantile(lit(0.3), QuantileMethod::Linear),
            col("a").top_k(lit(2)),
            col("a").bottom_k(lit(1)),
            col("a").median() - col("b").mean(),
        ] {
            assert!(lowers(std::slice::from_ref(&e)), "{e:?}");
        }
        for e in [
            // Not row-wise inside the aggregation.
            col("a").sort(SortOptions::default()).first(),
            col("a").shift(lit(1)).median(),
            pearson_corr(col("a").shift(lit(1)), col("b")),
            // A quantile or k that is not a literal.
            col("a").quantile(lit(0.1) + lit(0.2), QuantileMethod::Linear),
            col("a").top_k(lit(1) + lit(1)),
            // A literal's "values" are one per partial, not one per row.
            lit(1).top_k(lit(2)),
            lit(1).sum(),
            pearson_corr(lit(1.0), col("b")),
        ] {
            assert!(!lowers(std::slice::from_ref(&e)), "{e:?}");
        }
        // One holistic expression makes the whole group-by holistic.
        assert!(lowers(&[col("a").sum(), col("b").median()]));
        assert!(!lowers(&[
            col("a").sum(),
            col("b").sort(SortOptions::default()).last()
        ]));
    }
}
