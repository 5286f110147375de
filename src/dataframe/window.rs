//! Functions of whole groups: window functions ([`GroupBy::transform`], pandas' and
//! Dask's `groupby(keys).transform`, `cumsum`, `shift`, `rank`, `diff`: each
//! row's answer from the rows of its group, added to the frame's rows in their order)
//! and a user's function of each group's rows ([`GroupBy::apply`]).
//!
//! A group's rows must meet in one task, so unless the frame is already partitioned by
//! the keys, rows are tagged with their partition and row number, shuffled by a hash of
//! the keys (the shuffle keeps the frame's order within each output: pieces gather in
//! input order, rows within a piece in their order, so a cumulative function sees a
//! group's rows as the frame has them), the expressions run over each output's groups
//! (polars' `over`), and rows go back to the partition they came from and its order.

use std::collections::BTreeSet;
use std::sync::Arc;

use polars::prelude::*;

use super::groupby::GroupBy;
use super::shuffle::{
    exchange, hash_split, per_partition_at, per_whole_partition, schema_checked, take_buckets,
    whole,
};
use super::{DFrame, on_no_rows, plan_error, roots, show};
use crate::graph::Tokenizer;
use crate::{Error, Result};

/// The partition a row came from, while it is away.
const PART: &str = "__chunkwise_part";
/// Its place in that partition.
const ROW: &str = "__chunkwise_row";

impl GroupBy {
    /// `exprs` evaluated over each row's group (polars' `expr.over(keys)`) and added
    /// to the frame as [`DFrame::with_columns`] adds them (a column of the same name is
    /// replaced), in the frame's partitions and row order: pandas' and Dask's
    /// `groupby(keys).transform`. An aggregation gives every row its group's answer
    /// (`col("v").mean()`); a cumulative, shifted or ranked expression runs over the
    /// group's rows in the frame's order (`col("v").cum_sum(false)`,
    /// `col("v").shift(lit(1))`, `col("v").rank(..)`, `col("v").diff(..)`).
    ///
    /// polars' `cum_count` counts a column's non-null values from 1; pandas' `cumcount`
    /// (0, 1, ... within a group, every row counted) is
    /// `col(c).is_null().cum_count(false) - lit(1u32)` for any column `c`.
    ///
    /// Unless the frame has one partition or is already partitioned by the keys (a
    /// [`DFrame::shuffle`] or [`DFrame::sort_values`] on them, or [`DFrame::set_index`]
    /// on the one key), this is two shuffles: by the keys there, by the rows'
    /// partitions back; [`GroupBy::split_out`] and [`GroupBy::sort`] do not apply.
    /// After [`GroupBy::dropna`], every row is kept and a row with a missing key gets
    /// nulls, as in pandas.
    ///
    /// ```
    /// use chunkwise::dataframe::DFrame;
    /// use polars::prelude::*;
    /// let df = df!("k" => ["a", "b", "a", "b", "a"], "v" => [1i64, 2, 3, 4, 5]).unwrap();
    /// let f = DFrame::from_polars(df, 2).unwrap();
    /// let out = f
    ///     .groupby(&["k"]).unwrap()
    ///     .transform([col("v").cum_sum(false).alias("running"), col("v").sum().alias("total")])
    ///     .unwrap()
    ///     .compute()
    ///     .unwrap();
    /// let running: Vec<i64> = out.column("running").unwrap().i64().unwrap().into_no_null_iter().collect();
    /// assert_eq!(running, [1, 2, 4, 6, 9]);
    /// let total: Vec<i64> = out.column("total").unwrap().i64().unwrap().into_no_null_iter().collect();
    /// assert_eq!(total, [9, 6, 9, 6, 9]);
    /// ```
    pub fn transform<E: AsRef<[Expr]>>(&self, exprs: E) -> Result<DFrame> {
        let exprs = exprs.as_ref().to_vec();
        if exprs.is_empty() {
            return Err(Error::invalid("transform: no expressions"));
        }
        let (frame, present) = match &self.unfiltered {
            Some((all, present)) => (all, Some(present.clone())),
            None => (&self.frame, None),
        };
        frame.check_columns(&roots(&exprs), "transform")?;
        for name in [PART, ROW] {
            if frame.schema.contains(name) {
                return Err(Error::invalid(format!(
                    "transform: the frame has a column named {name:?}, which transform uses for itself"
                )));
            }
        }
        let keys: Vec<Expr> = self.keys.iter().map(|k| col(k.as_str())).collect();
        let windowed: Vec<Expr> = exprs
            .iter()
            .map(|e| {
                let name = e.clone().meta().output_name().map_err(plan_error)?;
                let w = e.clone().over(&keys).map_err(plan_error)?;
                Ok(match &present {
                    Some(p) => when(p.clone()).then(w).otherwise(lit(NULL)).alias(name),
                    None => w,
                })
            })
            .collect::<Result<_>>()?;
        let schema = frame.schema.clone();
        let run = {
            let windowed = windowed.clone();
            move |df: DataFrame| df.lazy().with_columns(windowed.clone()).collect()
        };
        let out = on_no_rows("transform (run on no rows for the schema)", || {
            run(DataFrame::empty_with_schema(&schema))
        })?;
        let out_schema = out.schema().clone();
        if let Some(name) = [PART, ROW].into_iter().find(|n| out_schema.contains(n)) {
            return Err(Error::invalid(format!(
                "transform: an expression writes {name:?}, a name transform uses for itself"
            )));
        }
        // Every expression has a name (checked above), so this is all it writes.
        let written: BTreeSet<String> = windowed
            .iter()
            .filter_map(|e| e.clone().meta().output_name().ok())
            .map(|n| n.to_string())
            .collect();
        let partitioning = frame.partitioning.after_change(&|c| written.contains(c));
        let token = Tokenizer::new("groupby-transform")
            .param(&self.keys)
            .sequenced()
            .finish();
        let (parts, _) = frame.partition_nodes("transform-input", token, None);
        let n = parts.len();
        // Every group whole in one partition already: no rows move.
        let in_place = n <= 1 || frame.partitioning.groups(&self.keys);
        let line = format!(
            "GroupByTransform by {:?} {} {}",
            self.keys,
            show(&exprs),
            if in_place {
                "in place (each group in one partition)"
            } else {
                "shuffled by the keys and back"
            }
        );
        let checked = {
            let out_schema = Arc::clone(&out_schema);
            move |df: DataFrame| -> Result<DataFrame> {
                let df = run(df).map_err(|e| Error::external("transform", e))?;
                schema_checked(df, &out_schema, "transform", "on no rows")
            }
        };
        let nodes = if in_place {
            per_whole_partition(
                "transform",
                token,
                parts,
                Arc::clone(&frame.schema),
                checked,
            )
        } else {
            let input = Arc::clone(&frame.schema);
            let tagged_schema = tagged_schema_of(&input);
            let tagged = per_partition_at(
                "transform-tag",
                token,
                parts.into_iter().map(|p| vec![p]).collect(),
                Arc::new(move |p, v| Ok(vec![tag(whole(&v[0], &input)?, p)?])),
            );
            let key_names = self.keys.clone();
            let there = exchange(
                &tagged,
                n,
                token,
                Vec::new(),
                &tagged_schema,
                &self.keys,
                Arc::new(move |df, _| hash_split(df, &key_names, n)),
            );
            let windowed_schema = tagged_schema_of(&out_schema);
            let ran = per_whole_partition("transform", token, there, tagged_schema, move |df| {
                let tags = df.select([PART, ROW]).map_err(plan_error)?;
                let df = checked(df.drop_many([PART, ROW]))?;
                df.hstack(tags.columns()).map_err(plan_error)
            });
            let back_token = Tokenizer::new("transform-back").param(&token).finish();
            let back = exchange(
                &ran,
                n,
                back_token,
                Vec::new(),
                &windowed_schema,
                &[PART.to_string()],
                Arc::new(move |df, _| {
                    let part = df
                        .column(PART)
                        .map_err(plan_error)?
                        .idx()
                        .map_err(plan_error)?;
                    take_buckets(df, part.into_no_null_iter().map(|p| p as usize), n)
                }),
            );
            per_whole_partition("transform-order", token, back, windowed_schema, |df| {
                let df = df
                    .sort([ROW], SortMultipleOptions::default())
                    .map_err(plan_error)?;
                Ok(df.drop_many([PART, ROW]))
            })
        };
        Ok(
            DFrame::from_partition_nodes(nodes, token, out_schema, partitioning, Vec::new())
                .described(line, &[frame]),
        )
    }
}

impl GroupBy {
    /// `f` applied to each group's rows (key columns included), its answers stacked
    /// (pandas' and Dask's `groupby(keys).apply(f)`): the top rows of each group, a
    /// group normalised by its own sum, a model fitted per group. Rows move to their
    /// groups' partitions by a hash of the keys (nothing moves in a frame partitioned by
    /// them), and each partition's groups are taken in the order they first appear.
    /// The schema of the answer is `f` of an empty group of this schema, so `f` must
    /// accept one ([`GroupBy::apply_with_schema`] otherwise). The groups' order in the
    /// answer is not the frame's: sort after if it matters.
    ///
    /// ```
    /// use chunkwise::dataframe::DFrame;
    /// use polars::prelude::*;
    /// let df = df!("k" => ["a", "b", "a", "b", "a"], "v" => [1i64, 5, 3, 4, 2]).unwrap();
    /// let f = DFrame::from_polars(df, 2).unwrap();
    /// // The largest v of each group, with its share of the group's total.
    /// let top = |g: DataFrame| {
    ///     g.lazy()
    ///         .with_columns([(col("v").cast(DataType::Float64) / col("v").sum()).alias("share")])
    ///         .sort(["v"], SortMultipleOptions::default().with_order_descending(true))
    ///         .limit(1)
    ///         .collect()
    /// };
    /// let out = f.groupby(&["k"]).unwrap().apply(top).unwrap().compute().unwrap();
    /// let out = out.sort(["k"], Default::default()).unwrap();
    /// assert_eq!(out.column("v").unwrap().i64().unwrap().to_vec(), [Some(3), Some(5)]);
    /// assert_eq!(out.column("share").unwrap().f64().unwrap().get(0), Some(0.5));
    /// ```
    pub fn apply<F>(&self, f: F) -> Result<DFrame>
    where
        F: Fn(DataFrame) -> PolarsResult<DataFrame> + Send + Sync + 'static,
    {
        let out = on_no_rows(
            "apply (the function, run on an empty group for the schema)",
            || f(DataFrame::empty_with_schema(&self.frame.schema)),
        )?;
        self.applied(f, out.schema().clone(), "on an empty group")
    }

    /// [`GroupBy::apply`] with the answer's schema given (Dask's `meta=`), for a
    /// function that cannot run on no rows. A group that comes out with other columns
    /// or types is an error naming both.
    pub fn apply_with_schema<F>(&self, f: F, schema: Schema) -> Result<DFrame>
    where
        F: Fn(DataFrame) -> PolarsResult<DataFrame> + Send + Sync + 'static,
    {
        self.applied(f, Arc::new(schema), "the schema given")
    }

    fn applied<F>(&self, f: F, schema: SchemaRef, from: &'static str) -> Result<DFrame>
    where
        F: Fn(DataFrame) -> PolarsResult<DataFrame> + Send + Sync + 'static,
    {
        let grouped = self
            .frame
            .hash_partitioned(&self.keys, self.frame.npartitions().max(1));
        let token = Tokenizer::new("groupby-apply")
            .param(&self.keys)
            .sequenced()
            .finish();
        let (parts, _) = grouped.partition_nodes("apply-input", token, None);
        let (input, out_schema, keys) = (
            Arc::clone(&grouped.schema),
            Arc::clone(&schema),
            self.keys.clone(),
        );
        let nodes = per_whole_partition("apply", token, parts, input, move |df| {
            if df.height() == 0 {
                return Ok(DataFrame::empty_with_schema(&out_schema));
            }
            let failed = |e| Error::external("apply", e);
            let out = df
                .group_by_stable(keys.iter().map(|k| k.as_str()))
                .map_err(failed)?
                .apply(|g| {
                    let out = f(g)?;
                    // Checked group by group, so the error names what came out.
                    schema_checked(out, &out_schema, "apply", from)
                        .map_err(|e| PolarsError::ComputeError(e.to_string().into()))
                })
                .map_err(failed)?;
            Ok(out)
        });
        let line = format!("GroupByApply by {:?}", self.keys);
        Ok(
            DFrame::from_partition_nodes(nodes, token, schema, Default::default(), Vec::new())
                .described(line, &[&grouped]),
        )
    }
}

/// `schema` with the columns [`tag`] adds.
fn tagged_schema_of(schema: &Schema) -> SchemaRef {
    let mut s = schema.clone();
    s.with_column(PART.into(), IDX_DTYPE);
    s.with_column(ROW.into(), IDX_DTYPE);
    Arc::new(s)
}

/// `df` with its partition's number `p` and each row's place.
fn tag(df: DataFrame, p: usize) -> Result<DataFrame> {
    let h = df.height();
    let (Ok(p_idx), Ok(h_idx)) = (IdxSize::try_from(p), IdxSize::try_from(h)) else {
        return Err(Error::invalid(format!(
            "transform: partition {p} has {h} rows, more than polars' row index holds; \
             repartition into smaller partitions"
        )));
    };
    let part = Column::new_scalar(PART.into(), Scalar::from(p_idx), h);
    let row = IdxCa::from_vec(ROW.into(), (0..h_idx).collect()).into_column();
    df.hstack(&[part, row]).map_err(plan_error)
}
