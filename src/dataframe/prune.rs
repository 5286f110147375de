//! Row groups of a Parquet file ruled out by a filter from their min/max statistics
//! alone, before anything is read (DataFusion's `PruningPredicate`, in small).
//!
//! The predicate is rewritten into one that holds on a row group's statistics when the
//! group *may* hold a row the predicate keeps: `a > 5` becomes `max(a) > 5`, `a == 5`
//! becomes `min(a) <= 5 & max(a) >= 5`, `&` and `|` carry over. Anything else, a
//! missing statistic or a failure anywhere keeps the group: pruning only ever saves
//! work, it never changes an answer.

use polars::io::parquet::metadata::{FileMetadata, ParquetStatistics, deserialize};
use polars::io::parquet::read::infer_schema;
use polars::prelude::*;

/// The statistics column of `column`'s minima (`max == false`) or maxima.
fn stat(column: &str, max: bool) -> PlSmallStr {
    format!("{column}\0{}", if max { "max" } else { "min" }).into()
}

/// `predicate` rewritten over row-group statistics (see the module's doc); `None`: the
/// statistics cannot rule anything out. `schema` gives the columns' types: a float
/// column's NaN rows are absent from the statistics but compare greater than every
/// number in polars, so `>`, `>=` and `==` on floats prune nothing.
fn may_hold(predicate: &Expr, schema: &Schema) -> Option<Expr> {
    let Expr::BinaryExpr { left, op, right } = predicate else {
        return None;
    };
    match op {
        Operator::And | Operator::LogicalAnd => {
            match (may_hold(left, schema), may_hold(right, schema)) {
                (Some(a), Some(b)) => Some(a.and(b)),
                (a, b) => a.or(b),
            }
        }
        Operator::Or | Operator::LogicalOr => {
            Some(may_hold(left, schema)?.or(may_hold(right, schema)?))
        }
        _ => {
            let (name, value, op) = match (&**left, &**right) {
                (Expr::Column(c), Expr::Literal(v)) => (c, v, *op),
                (Expr::Literal(v), Expr::Column(c)) => (c, v, mirror(*op)?),
                _ => return None,
            };
            if value.is_null() {
                return None;
            }
            let float = schema.get(name)?.is_float();
            let (min, max) = (col(stat(name, false)), col(stat(name, true)));
            let v = || Expr::Literal(value.clone());
            // A minimum that is NaN (a writer that keeps them) rules nothing out.
            let low = |e: Expr| if float { e.or(min.clone().is_nan()) } else { e };
            match op {
                Operator::Lt => Some(low(min.clone().lt(v()))),
                Operator::LtEq => Some(low(min.clone().lt_eq(v()))),
                Operator::Gt if !float => Some(max.gt(v())),
                Operator::GtEq if !float => Some(max.gt_eq(v())),
                Operator::Eq if !float => Some(min.lt_eq(v()).and(max.gt_eq(v()))),
                _ => None,
            }
        }
    }
}

/// `op` with its sides swapped (`5 < a` is `a > 5`); `None` for the others.
fn mirror(op: Operator) -> Option<Operator> {
    Some(match op {
        Operator::Lt => Operator::Gt,
        Operator::LtEq => Operator::GtEq,
        Operator::Gt => Operator::Lt,
        Operator::GtEq => Operator::LtEq,
        Operator::Eq => Operator::Eq,
        _ => return None,
    })
}

/// Per row group of `meta`, whether it may hold a row `predicate` keeps (`schema`: the
/// file's columns and types). Every group is kept when the statistics cannot tell.
pub(super) fn row_groups_kept(meta: &FileMetadata, schema: &Schema, predicate: &Expr) -> Vec<bool> {
    let n = meta.row_groups.len();
    let kept = || -> Option<Vec<bool>> {
        let test = may_hold(predicate, schema)?;
        let stats = statistics(meta, schema, &test)?;
        let ok = stats
            .lazy()
            .select([test.fill_null(true).alias("kept")])
            .collect()
            .ok()?;
        let ok = ok.column("kept").ok()?.bool().ok()?.clone();
        (ok.len() == n).then(|| ok.iter().map(|b| b != Some(false)).collect())
    };
    kept().unwrap_or_else(|| vec![true; n])
}

/// A frame of one row per row group of `meta`, with the minima and maxima of the
/// columns `test` names (nulls where a group has none).
fn statistics(meta: &FileMetadata, schema: &Schema, test: &Expr) -> Option<DataFrame> {
    let arrow = infer_schema(meta).ok()?;
    let mut columns = Vec::new();
    let mut names = test.clone().meta().root_names();
    names.sort();
    names.dedup();
    for name in names {
        let (column, max) = name.split_once('\0')?;
        let dtype = schema.get(column)?;
        let field = arrow.get(column)?;
        let values: Vec<Series> = meta
            .row_groups
            .iter()
            .map(|g| {
                let value = g.columns_under_root_iter(column).and_then(|mut leaves| {
                    if leaves.len() != 1 {
                        return None;
                    }
                    let s = deserialize(field, &mut leaves, &meta.footer_buf).ok()??;
                    let ParquetStatistics::Column(s) = s else {
                        return None;
                    };
                    let s = s.into_arrow().ok()?;
                    let array = if max == "max" {
                        s.max_value
                    } else {
                        s.min_value
                    }?;
                    let s = Series::from_arrow(name.clone(), array).ok()?;
                    (s.len() == 1).then_some(s.cast(dtype).ok()?)
                });
                value.unwrap_or_else(|| Series::full_null(name.clone(), 1, dtype))
            })
            .collect();
        let mut all = Series::new_empty(name.clone(), dtype);
        for v in &values {
            all.append(v).ok()?;
        }
        columns.push(all.into_column());
    }
    DataFrame::new(meta.row_groups.len(), columns).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        Schema::from_iter([
            Field::new("i".into(), DataType::Int64),
            Field::new("x".into(), DataType::Float64),
        ])
    }

    fn shown(e: &Expr) -> Option<String> {
        may_hold(e, &schema()).map(|e| format!("{e}").replace('\0', "."))
    }

    #[test]
    fn comparisons_become_bounds() {
        let s = shown(&col("i").gt(lit(5))).unwrap();
        assert!(s.contains("i.max") && !s.contains("i.min"), "{s}");
        let s = shown(&lit(5).gt(col("i"))).unwrap();
        assert!(s.contains("i.min") && !s.contains("i.max"), "{s}");
        let s = shown(&col("i").eq(lit(5))).unwrap();
        assert!(s.contains("i.min") && s.contains("i.max"), "{s}");
    }

    #[test]
    fn what_cannot_be_told_rules_nothing_out() {
        // NaN compares above every number: a float's maximum says nothing of `>`.
        assert_eq!(shown(&col("x").gt(lit(5.0))), None);
        assert_eq!(shown(&col("x").eq(lit(5.0))), None);
        assert!(shown(&col("x").lt(lit(5.0))).is_some());
        assert_eq!(shown(&col("i").neq(lit(5))), None);
        assert_eq!(shown(&col("i").gt(col("x"))), None);
        assert_eq!(shown(&col("nope").gt(lit(1))), None);
        // One side of `&` is enough; `|` needs both.
        assert!(shown(&col("i").gt(lit(1)).and(col("x").gt(lit(1.0)))).is_some());
        assert_eq!(shown(&col("i").gt(lit(1)).or(col("x").gt(lit(1.0)))), None);
        assert!(shown(&col("i").gt(lit(1)).or(col("i").lt(lit(0)))).is_some());
    }
}
