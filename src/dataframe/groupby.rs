//! Group-by aggregations from per-batch partials: each batch is grouped by polars into
//! partial columns (sums, counts, moments, extrema), partials are stacked and grouped
//! again to combine (within a partition every 16 batches, then across partitions in a
//! tree), and the last step turns them into means and standard deviations.

use std::collections::BTreeSet;

use polars::prelude::*;

use super::{DFrame, concat, plan_error};
use crate::{Delayed, Error, Result};

/// What to compute per group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AggKind {
    /// Sum of non-null values.
    Sum,
    /// Mean of non-null values.
    Mean,
    /// Number of non-null values.
    Count,
    /// Smallest value.
    Min,
    /// Largest value.
    Max,
    /// Sample standard deviation (ddof 1).
    Std,
    /// Sample variance (ddof 1).
    Var,
    /// Rows in the group, nulls included (the column is ignored).
    Size,
}

/// One aggregation: a column, what to compute, and the output name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Agg {
    column: String,
    kind: AggKind,
    alias: String,
}

macro_rules! agg_ctors {
    ($($name:ident => $kind:ident;)*) => {
        impl Agg {
            $(
                #[doc = concat!("`", stringify!($name), "` of a column, named `<column>_", stringify!($name), "`.")]
                pub fn $name(column: &str) -> Agg {
                    Agg { column: column.into(), kind: AggKind::$kind, alias: format!("{column}_{}", stringify!($name)) }
                }
            )*
        }
    };
}

agg_ctors! {
    sum => Sum;
    mean => Mean;
    count => Count;
    min => Min;
    max => Max;
    std => Std;
    var => Var;
    size => Size;
}

impl Agg {
    /// Names the output column.
    pub fn alias(mut self, name: &str) -> Agg {
        self.alias = name.into();
        self
    }
}

/// A frame grouped by key columns (as `df.groupby(keys)`).
#[derive(Clone, Debug)]
pub struct GroupBy {
    frame: DFrame,
    keys: Vec<String>,
}

/// Partial column names of aggregation `i`.
fn p(i: usize, part: &str) -> String {
    format!("__agg{i}_{part}")
}

impl GroupBy {
    pub(crate) fn new(frame: DFrame, keys: Vec<String>) -> Self {
        GroupBy { frame, keys }
    }

    /// Mean of one column per group, the output column named after it.
    pub fn mean(&self, column: &str) -> Result<Delayed<DataFrame>> {
        self.agg(&[Agg::mean(column).alias(column)])
    }

    /// Sum of one column per group.
    pub fn sum(&self, column: &str) -> Result<Delayed<DataFrame>> {
        self.agg(&[Agg::sum(column).alias(column)])
    }

    /// Rows per group, most frequent first (columns: the keys, `count`).
    pub fn value_counts(&self) -> Result<Delayed<DataFrame>> {
        let d = self.agg(&[Agg::size(&self.keys[0]).alias("count")])?;
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

    /// Aggregations per group; the result is sorted by the keys.
    pub fn agg(&self, aggs: &[Agg]) -> Result<Delayed<DataFrame>> {
        if aggs.is_empty() {
            return Err(Error::invalid(
                "groupby(...).agg needs at least one aggregation",
            ));
        }
        let mut cols: BTreeSet<String> = self.keys.iter().cloned().collect();
        cols.extend(aggs.iter().map(|a| a.column.clone()));
        self.frame.check_columns(&cols, "groupby")?;
        let keys: Vec<Expr> = self.keys.iter().map(|k| col(k.as_str())).collect();

        // Per batch: partial columns.
        let mut first_exprs = Vec::new();
        // Stacked partials grouped again: partial columns of the same layout.
        let mut merge_exprs = Vec::new();
        // The end: the user's columns.
        let mut final_exprs = Vec::new();
        for (i, a) in aggs.iter().enumerate() {
            let c = || col(a.column.as_str()).cast(DataType::Float64);
            let (n, s, m, q) = (p(i, "n"), p(i, "s"), p(i, "m"), p(i, "q"));
            match a.kind {
                AggKind::Sum => {
                    first_exprs.push(c().sum().alias(&s));
                    merge_exprs.push(col(&s).sum().alias(&s));
                    final_exprs.push(col(&s).alias(&a.alias));
                }
                AggKind::Size => {
                    first_exprs.push(len().cast(DataType::Int64).alias(&n));
                    merge_exprs.push(col(&n).sum().alias(&n));
                    final_exprs.push(col(&n).alias(&a.alias));
                }
                AggKind::Count => {
                    first_exprs.push(c().count().cast(DataType::Int64).alias(&n));
                    merge_exprs.push(col(&n).sum().alias(&n));
                    final_exprs.push(col(&n).alias(&a.alias));
                }
                AggKind::Min => {
                    first_exprs.push(c().min().alias(&s));
                    merge_exprs.push(col(&s).min().alias(&s));
                    final_exprs.push(col(&s).alias(&a.alias));
                }
                AggKind::Max => {
                    first_exprs.push(c().max().alias(&s));
                    merge_exprs.push(col(&s).max().alias(&s));
                    final_exprs.push(col(&s).alias(&a.alias));
                }
                AggKind::Mean => {
                    // A mean is a sum and a count: no moments to carry.
                    first_exprs.push(c().count().cast(DataType::Float64).alias(&n));
                    first_exprs.push(c().sum().alias(&s));
                    merge_exprs.push(col(&n).sum().alias(&n));
                    merge_exprs.push(col(&s).sum().alias(&s));
                    // As polars: null where a group has no value.
                    final_exprs.push(
                        when(col(&n).gt(lit(0.0)))
                            .then(col(&s) / col(&n))
                            .otherwise(lit(Null {}))
                            .alias(&a.alias),
                    );
                }
                AggKind::Std | AggKind::Var => {
                    let cnt = c().count().cast(DataType::Float64);
                    first_exprs.push(cnt.clone().alias(&n));
                    // A group with no value in a batch has n = 0: its mean is 0, not null,
                    // so that n * mean stays 0 in later merges.
                    first_exprs.push(c().mean().fill_null(lit(0.0)).alias(&m));
                    first_exprs.push((c().var(0) * cnt).fill_null(lit(0.0)).alias(&q));
                    // Chan et al.: pooled mean, and M2 plus the spread of the means.
                    let n_tot = col(&n).sum();
                    let mean_tot = ((col(&n) * col(&m)).sum() / col(&n).sum()).fill_nan(lit(0.0));
                    merge_exprs.push(n_tot.clone().alias(&n));
                    merge_exprs.push(mean_tot.clone().alias(&m));
                    merge_exprs.push(
                        (col(&q).sum() + (col(&n) * (col(&m) - mean_tot).pow(2)).sum()).alias(&q),
                    );
                    // As polars: null where a group has fewer than two values.
                    let value = match a.kind {
                        AggKind::Var => col(&q) / (col(&n) - lit(1.0)),
                        _ => (col(&q) / (col(&n) - lit(1.0))).sqrt(),
                    };
                    final_exprs.push(
                        when(col(&n).gt(lit(1.0)))
                            .then(value)
                            .otherwise(lit(Null {}))
                            .alias(&a.alias),
                    );
                }
            }
        }
        let group = move |df: DataFrame, exprs: &[Expr], keys: &[Expr]| -> Result<DataFrame> {
            df.lazy()
                .group_by(keys)
                .agg(exprs)
                .collect()
                .map_err(plan_error)
        };
        let (k1, k2, k3) = (keys.clone(), keys.clone(), keys.clone());
        let merge_a = merge_exprs.clone();
        let merge_b = merge_exprs.clone();
        let key_names = self.keys.clone();
        // Columns read as numbers: text in them must parse, never become a silent null.
        let numeric: Vec<String> = aggs
            .iter()
            .filter(|a| !matches!(a.kind, AggKind::Size | AggKind::Count))
            .map(|a| a.column.clone())
            .collect();
        Ok(self.frame.consume(
            "groupby",
            Some(cols),
            |_| Ok(Vec::<DataFrame>::new()),
            move |parts, df| {
                for c in &numeric {
                    if df.column(c).is_ok_and(|s| s.dtype().is_string()) {
                        super::numeric(df, c)?;
                    }
                }
                parts.push(group(df.clone(), &first_exprs, &k1)?);
                if parts.len() >= 16 {
                    let stacked = stack(std::mem::take(parts))?;
                    parts.push(group(stacked, &merge_a, &k1)?);
                }
                Ok(true)
            },
            move |parts| {
                if parts.is_empty() {
                    return Ok(None);
                }
                Ok(Some(group(stack(parts)?, &merge_b, &k2)?))
            },
            move |a: &mut Option<DataFrame>, b| {
                if let Some(b) = b {
                    *a = Some(match a.take() {
                        None => b.clone(),
                        Some(x) => stack(vec![x, b.clone()])
                            .and_then(|s| group(s, &merge_exprs, &k3))
                            .expect("partials of one layout combine"),
                    });
                }
            },
            move |a| {
                let Some(df) = a else {
                    return Ok(DataFrame::empty());
                };
                let mut sel: Vec<Expr> = key_names.iter().map(|k| col(k.as_str())).collect();
                sel.extend(final_exprs.iter().cloned());
                df.lazy()
                    .select(sel)
                    .sort(
                        key_names.clone(),
                        SortMultipleOptions::default().with_nulls_last(true),
                    )
                    .collect()
                    .map_err(plan_error)
            },
        ))
    }
}

fn stack(parts: Vec<DataFrame>) -> Result<DataFrame> {
    let schema = parts
        .first()
        .map(|d| d.schema().as_ref().clone())
        .unwrap_or_default();
    concat(parts, &schema)
}
