//! Sorted-key metadata, Dask's *divisions*: `set_index` puts rows in range partitions of
//! one column with known boundaries, so `loc` ranges read only the partitions they
//! touch, and joins and group-bys on that column move no rows (or only the other
//! side's, onto the same boundaries).
//!
//! Polars frames have no index: the column stays a column, and the frame remembers the
//! boundaries. Divisions are `n + 1` ascending values `d`; partition `i` holds the rows
//! whose value `v` has `d[i] <= v < d[i + 1]` (the last also `v == d[n]`), values
//! below `d[0]` go to the first partition, values past `d[n]`, nulls and NaN to the last.

use std::sync::Arc;

use polars::prelude::*;

use super::shuffle::{
    Partitioning, batches, column_key, exchange, only, per_partition, range_buckets, sampled,
    sort_each, sorted_values, take_buckets,
};
use super::{DFrame, plan_error};
use crate::graph::Tokenizer;
use crate::{Delayed, Error, Result};

/// A frame's divisions (see the module's documentation).
#[derive(Clone, Debug)]
pub(crate) struct Divisions(pub(crate) Series);

impl PartialEq for Divisions {
    fn eq(&self, other: &Self) -> bool {
        self.0.dtype() == other.0.dtype() && self.0.equals_missing(&other.0)
    }
}

impl Divisions {
    pub(crate) fn npartitions(&self) -> usize {
        self.0.len() - 1
    }

    /// The boundaries between partitions: `d[1..n]`.
    fn inner(&self) -> Series {
        self.0.slice(1, self.npartitions() - 1)
    }
}

/// Divisions for `n` partitions from a column's samples (with each partition's exact
/// smallest and largest value among them): the smallest, `n - 1` values at equal ranks,
/// the largest, repeats dropped (fewer partitions when values repeat). Empty when the
/// column has no value but nulls.
fn divisions_of(samples: Series, n: usize) -> Result<Series> {
    let s = sorted_values(samples)?;
    if s.is_empty() {
        return Ok(s);
    }
    let last = s.len() - 1;
    let ix: Vec<IdxSize> = (0..=n).map(|j| (j * last / n) as IdxSize).collect();
    let d = s
        .take(&IdxCa::from_vec("".into(), ix))
        .map_err(plan_error)?;
    let d = d.unique_stable().map_err(plan_error)?;
    if d.len() == 1 {
        // One value: one partition from it to itself.
        return d
            .extend_constant(d.get(0).map_err(plan_error)?, 1)
            .map_err(plan_error);
    }
    Ok(d)
}

impl DFrame {
    /// Rows in range partitions of `column` with known boundaries, each partition
    /// sorted by it (as Dask's `set_index`). The boundaries (divisions) are computed
    /// now, by a pass that reads only that column: its exact smallest and largest value
    /// and sampled quantiles, for as many partitions as this frame has, or one per 24 MiB
    /// of the files it reads if that is more (fewer when values repeat). The column stays a column (polars frames have no index); the frame
    /// remembers its divisions, so [`DFrame::loc`] reads only the partitions a range
    /// touches and a join or group-by on the column moves no rows.
    ///
    /// ```
    /// use chunkwise::bag::Bag;
    /// use polars::prelude::*;
    /// let rows = Bag::from_iter((0..100i64).map(|i| (i * 37) % 100), 4);
    /// let schema = Schema::from_iter([Field::new("t".into(), DataType::Int64)]);
    /// let df = rows.to_dataframe(schema, |t| vec![AnyValue::Int64(*t)]).unwrap();
    /// let indexed = df.set_index("t").unwrap();
    /// let d = indexed.divisions().unwrap();
    /// assert_eq!((d.len(), d.get(0).unwrap(), d.get(4).unwrap()), (5, AnyValue::Int64(0), AnyValue::Int64(99)));
    /// let some = indexed.loc(Some(AnyValue::Int64(10)), Some(AnyValue::Int64(19))).unwrap();
    /// assert_eq!(some.compute().unwrap().height(), 10);
    /// assert!(some.npartitions() < 4);
    /// ```
    pub fn set_index(&self, column: &str) -> Result<DFrame> {
        let dtype = self.index_dtype(column)?;
        if self.divisions_on(column).is_some() {
            return Ok(self.clone());
        }
        let n = super::shuffle::partitions_by_size(&[self]);
        let token = Tokenizer::new("divisions")
            .param(column)
            .sequenced()
            .finish();
        let (parts, _) = self.partition_nodes("divisions-input", token, only(&[column.into()]));
        let node = sampled(&parts, token, column_key(column), &dtype, move |s| {
            divisions_of(s, n)
        });
        let d: DataFrame = crate::compute(&Delayed::<DataFrame>::from_arc(Arc::new(node)))?;
        let d = d.columns()[0].as_materialized_series().clone();
        if d.is_empty() {
            // Nothing but nulls: one partition, sorted, no divisions to know.
            let one = self.repartition(1)?;
            return one.sort_values(
                &[column],
                SortMultipleOptions::default().with_nulls_last(true),
            );
        }
        self.set_index_with_divisions(column, &d)
    }

    /// As [`DFrame::set_index`] with the divisions given (Dask's `divisions=`): `n + 1`
    /// ascending values for `n` partitions, cast to the column's type; no pass over the
    /// data to find them. Another frame's [`DFrame::divisions`] align the two for a join.
    pub fn set_index_with_divisions(&self, column: &str, divisions: &Series) -> Result<DFrame> {
        self.on_divisions(column, divisions, true)
    }

    /// Rows moved into the range partitions of `divisions` on `column`, each partition
    /// sorted by it when `sort` (a join needs no order).
    pub(crate) fn on_divisions(
        &self,
        column: &str,
        divisions: &Series,
        sort: bool,
    ) -> Result<DFrame> {
        let dtype = self.index_dtype(column)?;
        let d = checked_divisions(column, divisions, &dtype)?;
        let want = Divisions(d.clone());
        if self.divisions_on(column) == Some(&want) {
            return Ok(self.clone());
        }
        let n = want.npartitions();
        let token = Tokenizer::new("set_index")
            .param(column)
            .param(&n)
            .sequenced()
            .finish();
        let key = vec![column.to_string()];
        let (parts, link) = self.partition_nodes("set_index-input", token, only(&key));
        let (inner, col) = (want.inner(), column.to_string());
        let nodes = exchange(
            &parts,
            n,
            token,
            Vec::new(),
            &self.schema,
            &key,
            Arc::new(move |df, _| {
                let k = df
                    .column(&col)
                    .map_err(plan_error)?
                    .as_materialized_series();
                let idx = range_buckets(k, &inner, false, true, true)?;
                take_buckets(df, idx.into_iter(), n)
            }),
        );
        let sorted = if sort {
            let nulls_last = SortMultipleOptions::default().with_nulls_last(true);
            sort_each("set_index", token, nodes, &self.schema, &key, nulls_last)
        } else {
            nodes
        };
        let line = format!(
            "{} {column:?}: range partitions on divisions {}",
            if sort {
                "Set index"
            } else {
                "Range partitions on"
            },
            show(&want.0)
        );
        Ok(DFrame::from_partition_nodes(
            sorted,
            token,
            Arc::clone(&self.schema),
            Partitioning::Range {
                by: column.to_string(),
                divisions: want,
            },
            vec![link.needing(&key)],
        )
        .described(line, &[self]))
    }

    /// The divisions of a frame in range partitions of one column (made by
    /// [`DFrame::set_index`], kept through filters, `loc`, and selects and joins that
    /// keep the column): `npartitions + 1` values named after the column. `None` when
    /// they are not known (Dask's `known_divisions` is false).
    pub fn divisions(&self) -> Option<Series> {
        match &self.partitioning {
            Partitioning::Range { divisions, .. } => Some(divisions.0.clone()),
            _ => None,
        }
    }

    /// Rows whose value of the frame's index column lies in `lo..=hi` (either end open
    /// when `None`), as Dask's `df.loc[lo:hi]`; only the partitions whose divisions
    /// overlap the range are read. The frame must have known divisions
    /// ([`DFrame::set_index`]); the ends are cast to the column's type.
    pub fn loc(
        &self,
        lo: Option<AnyValue<'static>>,
        hi: Option<AnyValue<'static>>,
    ) -> Result<DFrame> {
        let Partitioning::Range { by, divisions } = &self.partitioning else {
            return Err(Error::invalid(
                "loc: the frame has no known divisions (call set_index first)",
            ));
        };
        let dtype = self.index_dtype(by)?;
        let end = |v: Option<AnyValue<'static>>| -> Result<Option<Series>> {
            v.map(|v| {
                Series::from_any_values_and_dtype(
                    by.as_str().into(),
                    std::slice::from_ref(&v),
                    &dtype,
                    true,
                )
                .map_err(|_| Error::invalid(format!("loc: {v} is not a value of {by:?} ({dtype})")))
            })
            .transpose()
        };
        let (lo, hi) = (end(lo)?, end(hi)?);
        let d = &divisions.0;
        let n = divisions.npartitions();
        // Partition i holds d[i] <= v < d[i + 1] (the first also anything below, the
        // last anything above): keep it unless the range ends before or starts after.
        let starts_after_hi = match &hi {
            Some(h) => d.gt(h).map_err(plan_error)?,
            None => BooleanChunked::full("".into(), false, d.len()),
        };
        let ends_by_lo = match &lo {
            Some(l) => d.lt_eq(l).map_err(plan_error)?,
            None => BooleanChunked::full("".into(), false, d.len()),
        };
        let keep: Vec<usize> = (0..n)
            .filter(|&i| {
                let before = i > 0 && starts_after_hi.get(i) == Some(true);
                let after = i + 1 < n && ends_by_lo.get(i + 1) == Some(true);
                !(before || after)
            })
            .collect();
        let token = Tokenizer::new("loc")
            .param(by)
            .param(&format!("{lo:?} {hi:?}"))
            .sequenced()
            .finish();
        let key = vec![by.clone()];
        let (parts, link) = self.partition_nodes("loc-input", token, only(&key));
        let (a, b) = match (keep.first(), keep.last()) {
            (Some(&a), Some(&b)) => (a, b),
            // Nothing can match: one empty partition.
            _ => (0, 0),
        };
        let empty = keep.is_empty();
        let link = link.bound_to(&parts[a]);
        let col = by.clone();
        let nodes = per_partition(
            "loc",
            token,
            parts[a..=b].iter().map(|p| vec![Arc::clone(p)]).collect(),
            Arc::new(move |v| {
                if empty {
                    return Ok(Vec::new());
                }
                let mut out = Vec::new();
                for df in batches(&v[0]) {
                    let k = df
                        .column(&col)
                        .map_err(plan_error)?
                        .as_materialized_series();
                    let mut mask = k.is_not_null();
                    if let Some(l) = &lo {
                        mask = &mask & &k.gt_eq(l).map_err(plan_error)?;
                    }
                    if let Some(h) = &hi {
                        mask = &mask & &k.lt_eq(h).map_err(plan_error)?;
                    }
                    let kept = df.filter(&mask).map_err(plan_error)?;
                    if kept.height() > 0 {
                        out.push(kept);
                    }
                }
                Ok(out)
            }),
        );
        let partitioning = Partitioning::Range {
            by: by.clone(),
            divisions: Divisions(d.slice(a as i64, b - a + 2)),
        };
        let line = format!(
            "Loc {by:?} in partitions {a}..={b} of {n}{}",
            if empty { " (none can match)" } else { "" }
        );
        Ok(DFrame::from_partition_nodes(
            nodes,
            token,
            Arc::clone(&self.schema),
            partitioning,
            vec![link.needing(&key)],
        )
        .described(line, &[self]))
    }

    /// The divisions when this frame is in range partitions of `column`.
    pub(crate) fn divisions_on(&self, column: &str) -> Option<&Divisions> {
        match &self.partitioning {
            Partitioning::Range { by, divisions } if by == column => Some(divisions),
            _ => None,
        }
    }

    /// The type of an index column: present, and one polars can sort.
    fn index_dtype(&self, column: &str) -> Result<DataType> {
        self.check_columns(&[column.to_string()].into_iter().collect(), "set_index")?;
        let dtype = self.schema.get(column).cloned().unwrap_or(DataType::Null);
        if dtype.is_nested() || dtype == DataType::Null {
            return Err(Error::invalid(format!(
                "set_index: column {column:?} is {dtype}, which has no order"
            )));
        }
        Ok(dtype)
    }
}

/// Given divisions cast to the column's type: at least two, no nulls, ascending.
fn checked_divisions(column: &str, d: &Series, dtype: &DataType) -> Result<Series> {
    let bad = |why: &str| Error::invalid(format!("set_index {column:?}: divisions {why}"));
    if d.len() < 2 {
        return Err(bad("need at least two values (one partition)"));
    }
    let d = d
        .strict_cast(dtype)
        .map_err(|_| bad(&format!("of type {} do not cast to {dtype}", d.dtype())))?
        .with_name(column.into());
    if d.null_count() > 0 || (d.dtype().is_float() && d.is_nan().map_err(plan_error)?.any()) {
        return Err(bad("hold a null or NaN"));
    }
    let sorted = d.sort(SortOptions::default()).map_err(plan_error)?;
    if !sorted.equals(&d) {
        return Err(bad("are not ascending"));
    }
    Ok(d)
}

/// Divisions for a plan line: all of them when few, else the ends and their count.
fn show(d: &Series) -> String {
    let v = |i: usize| d.get(i).map_or("?".into(), |a| a.to_string());
    if d.len() <= 6 {
        format!("[{}]", (0..d.len()).map(v).collect::<Vec<_>>().join(", "))
    } else {
        format!("[{}, ..., {}] ({} values)", v(0), v(d.len() - 1), d.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn divisions_span_the_values_with_repeats_dropped() {
        let s = Series::new(
            "t".into(),
            [Some(5i64), None, Some(1), Some(9), Some(3), Some(7)],
        );
        let d = divisions_of(s, 2).unwrap();
        assert_eq!(
            d.i64().unwrap().into_no_null_iter().collect::<Vec<_>>(),
            [1, 5, 9]
        );
        let same = Series::new("t".into(), [4i64, 4, 4]);
        let d = divisions_of(same, 3).unwrap();
        assert_eq!(
            d.i64().unwrap().into_no_null_iter().collect::<Vec<_>>(),
            [4, 4]
        );
        let none = Series::new("t".into(), [None::<i64>, None]);
        assert!(divisions_of(none, 2).unwrap().is_empty());
    }

    #[test]
    fn given_divisions_are_checked() {
        let dt = DataType::Int64;
        assert!(checked_divisions("t", &Series::new("d".into(), [1i64]), &dt).is_err());
        assert!(checked_divisions("t", &Series::new("d".into(), [3i64, 1]), &dt).is_err());
        assert!(checked_divisions("t", &Series::new("d".into(), [Some(1i64), None]), &dt).is_err());
        assert!(checked_divisions("t", &Series::new("d".into(), ["a", "b"]), &dt).is_err());
        let ok = checked_divisions("t", &Series::new("d".into(), [1i32, 5, 5, 9]), &dt).unwrap();
        assert_eq!((ok.name().as_str(), ok.dtype()), ("t", &DataType::Int64));
    }
}
