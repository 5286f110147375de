//! Running aggregations over a whole frame in its row order (pandas' and Dask's
//! `cumsum`, `cummin`, `cummax`, `cumcount`), as Dask computes them: each partition
//! runs its own, and adds what the partitions before it carry (a chain of one-row
//! tasks: each partition's last running value, folded), so no rows move.

use std::sync::Arc;

use polars::prelude::*;

use super::overlap::chain;
use super::shuffle::{per_partition_at, per_whole_partition, schema_checked, whole};
use super::{DFrame, concat, on_no_rows, plan_error};
use crate::graph::Tokenizer;
use crate::{Error, Result};

/// A running aggregation.
#[derive(Clone, Copy, Debug)]
enum Running {
    Sum,
    Min,
    Max,
    Count,
}

impl Running {
    /// The running aggregation of `e` within one frame.
    fn of(self, e: Expr) -> Expr {
        match self {
            Running::Sum => e.cum_sum(false),
            Running::Min => e.cum_min(false),
            Running::Max => e.cum_max(false),
            Running::Count => e.cum_count(false),
        }
    }

    /// How two partitions' last running values make one: counts add up.
    fn fold(self, e: Expr) -> Expr {
        match self {
            Running::Count => e.cum_sum(false),
            other => other.of(e),
        }
    }

    /// A partition's running values `e` after `carried`, what the partitions before it
    /// ran up to (`float`: the column is a float, whose NaN polars' running minima and
    /// maxima skip, while its comparisons take NaN above every number).
    fn after(self, e: Expr, carried: Expr, float: bool) -> Expr {
        match self {
            Running::Sum | Running::Count => e + carried,
            // A null row stays null: `null > x` is null, so the row keeps its value. A
            // NaN, above every number, is never kept over a number on either side.
            Running::Min => when(e.clone().gt(carried.clone()))
                .then(carried)
                .otherwise(e),
            Running::Max if float => when(e.clone().is_nan())
                .then(carried.clone())
                .when(carried.clone().is_nan())
                .then(e.clone())
                .when(e.clone().lt(carried.clone()))
                .then(carried)
                .otherwise(e),
            Running::Max => when(e.clone().lt(carried.clone()))
                .then(carried)
                .otherwise(e),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Running::Sum => "cum_sum",
            Running::Min => "cum_min",
            Running::Max => "cum_max",
            Running::Count => "cum_count",
        }
    }
}

impl DFrame {
    /// Running sums of `columns` over the whole frame in its row order, in place of
    /// the columns (pandas' `df[columns].cumsum()`); a null stays null and is skipped.
    /// Each partition's sums are its own plus the total before it, so a `Float32`
    /// column's last bits may differ from one running sum over the whole frame.
    ///
    /// ```
    /// use chunkwise::dataframe::DFrame;
    /// use polars::prelude::*;
    /// let df = df!("v" => [Some(1i64), Some(2), None, Some(4), Some(5)]).unwrap();
    /// let f = DFrame::from_polars(df, 3).unwrap();
    /// let out = f.cum_sum(&["v"]).unwrap().compute().unwrap();
    /// assert_eq!(out.column("v").unwrap().i64().unwrap().to_vec(), [Some(1), Some(3), None, Some(7), Some(12)]);
    /// ```
    pub fn cum_sum(&self, columns: &[&str]) -> Result<DFrame> {
        self.running(columns, Running::Sum)
    }

    /// Running minima of `columns` (pandas' `cummin`), as [`cum_sum`](Self::cum_sum).
    pub fn cum_min(&self, columns: &[&str]) -> Result<DFrame> {
        self.running(columns, Running::Min)
    }

    /// Running maxima of `columns` (pandas' `cummax`), as [`cum_sum`](Self::cum_sum).
    pub fn cum_max(&self, columns: &[&str]) -> Result<DFrame> {
        self.running(columns, Running::Max)
    }

    /// Running counts of the non-null values of `columns` (polars' `cum_count`), as
    /// [`cum_sum`](Self::cum_sum).
    pub fn cum_count(&self, columns: &[&str]) -> Result<DFrame> {
        self.running(columns, Running::Count)
    }

    fn running(&self, columns: &[&str], kind: Running) -> Result<DFrame> {
        let what = kind.name();
        if columns.is_empty() {
            return Err(Error::invalid(format!("{what}: no columns")));
        }
        let names: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        self.check_columns(&names.iter().cloned().collect(), what)?;
        let exprs: Vec<Expr> = names.iter().map(|c| kind.of(col(c.as_str()))).collect();
        let schema = on_no_rows(what, || {
            DataFrame::empty_with_schema(&self.schema)
                .lazy()
                .with_columns(exprs.clone())
                .collect()
        })?
        .schema()
        .clone();
        let token = Tokenizer::new(what).param(&names).sequenced().finish();
        let (parts, _) = self.partition_nodes("cumulative-input", token, None);
        let local = per_whole_partition(
            "cumulative-local",
            token,
            parts,
            Arc::clone(&self.schema),
            move |df| {
                df.lazy()
                    .with_columns(exprs.clone())
                    .collect()
                    .map_err(plan_error)
            },
        );
        // One row: each column's last running value (null where it has none).
        let last = |kind: Option<Running>, names: &[String]| -> Vec<Expr> {
            names
                .iter()
                .map(|c| {
                    let e = col(c.as_str());
                    kind.map_or(e.clone(), |k| k.fold(e)).drop_nulls().last()
                })
                .collect()
        };
        let (gives, folds) = (last(None, &names), last(Some(kind), &names));
        let s1 = Arc::clone(&schema);
        let carried = chain(
            &local,
            token,
            ["cumulative-last", "cumulative-carry"],
            true,
            Arc::new(move |v| {
                let df = whole(v, &s1)?;
                df.lazy()
                    .select(gives.clone())
                    .collect()
                    .map_err(plan_error)
            }),
            Arc::new(move |before, this| {
                let both = concat(vec![before.clone(), this.clone()], before.schema())?;
                both.lazy()
                    .select(folds.clone())
                    .collect()
                    .map_err(plan_error)
            }),
        );
        let inputs = local
            .iter()
            .zip(&carried)
            .map(|(l, c)| {
                std::iter::once(Arc::clone(l))
                    .chain(c.iter().cloned())
                    .collect()
            })
            .collect();
        let out_schema = Arc::clone(&schema);
        let line = format!("Cumulative {what} of {names:?}");
        let nodes = per_partition_at(
            "cumulative",
            token,
            inputs,
            Arc::new(move |_, v| {
                let df = whole(&v[0], &out_schema)?;
                let Some(carry) = v.get(1).map(super::overlap::one) else {
                    return Ok(vec![df]);
                };
                let mut adjust = Vec::new();
                for c in &names {
                    let value = carry.column(c).map_err(plan_error)?;
                    if value.null_count() == value.len() {
                        continue; // nothing ran up before this partition
                    }
                    let dtype = out_schema
                        .get(c.as_str())
                        .cloned()
                        .unwrap_or(DataType::Null);
                    let carried = lit(value.as_materialized_series().clone()).first();
                    adjust.push(
                        kind.after(col(c.as_str()), carried, dtype.is_float())
                            .cast(dtype)
                            .alias(c.as_str()),
                    );
                }
                let out = df
                    .lazy()
                    .with_columns(adjust)
                    .collect()
                    .map_err(plan_error)?;
                Ok(vec![schema_checked(out, &out_schema, what, "on no rows")?])
            }),
        );
        let partitioning = self.partitioning.after_change(&|c| columns.contains(&c));
        Ok(
            DFrame::from_partition_nodes(nodes, token, schema, partitioning, Vec::new())
                .described(line, &[self]),
        )
    }
}
