//! Row groups of a Parquet file ruled out by a filter from their statistics alone
//! (minimum, maximum, null count), before anything is read (DataFusion's
//! `PruningPredicate`, in small).
//!
//! The predicate is rewritten into one that holds on a row group's statistics when the
//! group *may* hold a row the predicate keeps: `a > 5` becomes `max(a) > 5`, `a == 5`
//! becomes `min(a) <= 5 & max(a) >= 5`, `a.is_in([..])` the same for some value of the
//! list, `a.is_between(l, h)` both bounds, `a.is_null()` `nulls(a) > 0`, and a
//! comparison holds on no group of nulls only; `&` and `|` carry over. Anything else, a missing statistic or a failure anywhere keeps the
//! group: pruning only ever saves work, it never changes an answer.

use polars::io::parquet::metadata::{FileMetadata, ParquetStatistics, deserialize};
use polars::io::parquet::read::infer_schema;
use polars::prelude::*;

/// Which statistic of a column a rewritten predicate reads.
#[derive(Clone, Copy)]
enum Stat {
    Min,
    Max,
    Nulls,
}

/// The statistics frame's column of `column`'s `stat`; [`ROWS`] holds the row counts.
fn stat(column: &str, stat: Stat) -> PlSmallStr {
    let what = match stat {
        Stat::Min => "min",
        Stat::Max => "max",
        Stat::Nulls => "nulls",
    };
    format!("{column}\0{what}").into()
}

/// The statistics frame's column of row counts (no column's name starts with a NUL).
const ROWS: &str = "\0rows";

/// An `is_in` list longer than this is tested by its range, not value by value.
const LISTED: usize = 64;

/// `predicate` rewritten over row-group statistics (see the module's doc); `None`: the
/// statistics cannot rule anything out. `schema` gives the columns' types: a float
/// column's NaN rows are absent from the statistics but compare greater than every
/// number in polars, so `>` and `>=` on floats prune nothing, nor does `== NaN`.
fn may_hold(predicate: &Expr, schema: &Schema) -> Option<Expr> {
    match predicate {
        Expr::BinaryExpr { left, op, right } => may_hold_binary(left, *op, right, schema),
        Expr::Function {
            input,
            function: FunctionExpr::Boolean(f),
        } => may_hold_boolean(f, input, schema),
        _ => None,
    }
}

fn may_hold_binary(left: &Expr, op: Operator, right: &Expr, schema: &Schema) -> Option<Expr> {
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
            let (name, value, op) = match (left, right) {
                (Expr::Column(c), Expr::Literal(v)) => (c, v, op),
                (Expr::Literal(v), Expr::Column(c)) => (c, v, mirror(op)?),
                _ => return None,
            };
            if value.is_null() {
                return None;
            }
            let float = schema.get(name)?.is_float();
            let (min, max) = (col(stat(name, Stat::Min)), col(stat(name, Stat::Max)));
            let v = || Expr::Literal(value.clone());
            // A minimum that is NaN (a writer that keeps them) rules nothing out.
            let low = |e: Expr| if float { e.or(min.clone().is_nan()) } else { e };
            let test = match op {
                Operator::Lt => low(min.clone().lt(v())),
                Operator::LtEq => low(min.clone().lt_eq(v())),
                Operator::Gt if !float => max.gt(v()),
                Operator::GtEq if !float => max.gt_eq(v()),
                Operator::Eq if !float || !is_nan(value) => {
                    low(min.clone().lt_eq(v())).and(max.gt_eq(v()))
                }
                _ => return None,
            };
            // A group of nulls only has no minimum, and no row that compares true.
            Some(test.and(col(stat(name, Stat::Nulls)).lt(col(ROWS))))
        }
    }
}

fn may_hold_boolean(f: &BooleanFunction, input: &[Expr], schema: &Schema) -> Option<Expr> {
    let column = || match input.first() {
        Some(Expr::Column(c)) if schema.contains(c) => Some(c),
        _ => None,
    };
    match f {
        BooleanFunction::IsNull => Some(col(stat(column()?, Stat::Nulls)).gt(lit(0u64))),
        BooleanFunction::IsNotNull => Some(col(stat(column()?, Stat::Nulls)).lt(col(ROWS))),
        BooleanFunction::IsBetween { closed } => {
            let [a, low, high] = input else { return None };
            let (above, below) = match closed {
                ClosedInterval::Both => {
                    (a.clone().gt_eq(low.clone()), a.clone().lt_eq(high.clone()))
                }
                ClosedInterval::Left => (a.clone().gt_eq(low.clone()), a.clone().lt(high.clone())),
                ClosedInterval::Right => (a.clone().gt(low.clone()), a.clone().lt_eq(high.clone())),
                ClosedInterval::None => (a.clone().gt(low.clone()), a.clone().lt(high.clone())),
            };
            may_hold(&above.and(below), schema)
        }
        BooleanFunction::IsIn { nulls_equal } => {
            let name = column()?;
            let values = constant(input.get(1)?)?;
            let dtype = schema.get(name)?;
            // polars casts the list to the column's type, lossily for a decimal (1.001
            // is 1.00 there): only values of the column's type, or plain numbers on
            // both sides, compare as the statistics do.
            let numbers = values.dtype().is_primitive_numeric() && dtype.is_primitive_numeric();
            if values.dtype() != dtype && !numbers {
                return None;
            }
            let float = dtype.is_float();
            let present = values.drop_nulls();
            if float && present.is_nan().ok()?.any() {
                return None;
            }
            let eq = |v: Scalar| {
                may_hold_binary(&Expr::Column(name.clone()), Operator::Eq, &lit(v), schema)
            };
            let mut test = if present.is_empty() {
                lit(false)
            } else if present.len() <= LISTED {
                let mut any: Option<Expr> = None;
                for i in 0..present.len() {
                    let v = eq(Scalar::new(
                        present.dtype().clone(),
                        present.get(i).ok()?.into_static(),
                    ))?;
                    any = Some(match any {
                        Some(e) => e.or(v),
                        None => v,
                    });
                }
                any?
            } else {
                let (lo, hi) = (present.min_reduce().ok()?, present.max_reduce().ok()?);
                let name = Expr::Column(name.clone());
                may_hold_binary(&name, Operator::GtEq, &lit(lo), schema)?.and(may_hold_binary(
                    &name,
                    Operator::LtEq,
                    &lit(hi),
                    schema,
                )?)
            };
            if *nulls_equal && present.len() < values.len() {
                test = test.or(col(stat(name, Stat::Nulls)).gt(lit(0u64)));
            }
            Some(test)
        }
        _ => None,
    }
}

/// Whether a literal is a floating-point NaN.
fn is_nan(value: &LiteralValue) -> bool {
    value
        .to_any_value()
        .and_then(|v| v.extract::<f64>())
        .is_some_and(f64::is_nan)
}

/// The values of an expression that reads no column (an `is_in` list), as one flat
/// series; `None` when it reads columns or cannot be evaluated.
fn constant(e: &Expr) -> Option<Series> {
    if !e.clone().meta().root_names().is_empty() {
        return None;
    }
    let out = DataFrame::empty()
        .lazy()
        .select([e.clone().alias("v")])
        .collect()
        .ok()?;
    let s = out.column("v").ok()?.as_materialized_series().clone();
    match s.dtype() {
        DataType::List(_) => s
            .explode(ExplodeOptions {
                empty_as_null: false,
                keep_nulls: true,
            })
            .ok(),
        _ => Some(s),
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
        match ok.len() {
            // A test that reads no statistic (`is_in` an empty list) is one value.
            1 => Some(vec![ok.get(0) != Some(false); n]),
            len if len == n => Some(ok.iter().map(|b| b != Some(false)).collect()),
            _ => None,
        }
    };
    kept().unwrap_or_else(|| vec![true; n])
}

/// A frame of one row per row group of `meta`, with the statistics that `test` names
/// (nulls where a group has none) and, if it asks, the groups' row counts.
fn statistics(meta: &FileMetadata, schema: &Schema, test: &Expr) -> Option<DataFrame> {
    let arrow = infer_schema(meta).ok()?;
    let groups = &meta.row_groups;
    let mut columns = Vec::new();
    let mut names = test.clone().meta().root_names();
    names.sort();
    names.dedup();
    for name in names {
        if name == ROWS {
            let rows: Vec<u64> = groups.iter().map(|g| g.num_rows() as u64).collect();
            columns.push(Column::new(name, rows));
            continue;
        }
        let (column, what) = name.split_once('\0')?;
        let field = arrow.get(column)?;
        // The column's statistics in each row group, deserialised to Arrow.
        let stats: Vec<_> = groups
            .iter()
            .map(|g| {
                let mut leaves = g.columns_under_root_iter(column)?;
                if leaves.len() != 1 {
                    return None;
                }
                match deserialize(field, &mut leaves, &meta.footer_buf).ok()?? {
                    ParquetStatistics::Column(s) => s.into_arrow().ok(),
                    _ => None,
                }
            })
            .collect();
        if what == "nulls" {
            let nulls: Vec<Option<u64>> = stats
                .into_iter()
                .map(|s| s.and_then(|s| s.null_count))
                .collect();
            columns.push(Column::new(name, nulls));
            continue;
        }
        let dtype = schema.get(column)?;
        let mut all = Series::new_empty(name.clone(), dtype);
        for s in stats {
            let value = s.and_then(|s| {
                let array = if what == "max" {
                    s.max_value
                } else {
                    s.min_value
                }?;
                let s = Series::from_arrow(name.clone(), array).ok()?;
                (s.len() == 1).then_some(s.cast(dtype).ok()?)
            });
            all.append(&value.unwrap_or_else(|| Series::full_null(name.clone(), 1, dtype)))
                .ok()?;
        }
        columns.push(all.into_column());
    }
    DataFrame::new(groups.len(), columns).ok()
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
        assert_eq!(shown(&col("x").eq(lit(f64::NAN))), None);
        let s = shown(&col("x").eq(lit(5.0))).unwrap();
        assert!(s.contains("is_nan") && s.contains("x.max"), "{s}");
        assert!(shown(&col("x").lt(lit(5.0))).is_some());
        assert_eq!(shown(&col("i").neq(lit(5))), None);
        assert_eq!(shown(&col("i").gt(col("x"))), None);
        assert_eq!(shown(&col("nope").gt(lit(1))), None);
        // One side of `&` is enough; `|` needs both.
        assert!(shown(&col("i").gt(lit(1)).and(col("x").gt(lit(1.0)))).is_some());
        assert_eq!(shown(&col("i").gt(lit(1)).or(col("x").gt(lit(1.0)))), None);
        assert!(shown(&col("i").gt(lit(1)).or(col("i").lt(lit(0)))).is_some());
    }

    #[test]
    fn lists_intervals_and_nulls_become_bounds() {
        let few = Series::new("".into(), [3i64, 9]);
        let s = shown(&col("i").is_in(lit(few), false)).unwrap();
        assert!(
            s.contains("i.min") && s.contains('3') && s.contains('9'),
            "{s}"
        );
        let many = Series::new("".into(), (0i64..1000).collect::<Vec<_>>());
        let s = shown(&col("i").is_in(lit(many), false)).unwrap();
        assert!(s.contains("999") && !s.contains("500"), "{s}");
        let s = shown(&col("i").is_between(lit(1), lit(4), ClosedInterval::Both)).unwrap();
        assert!(s.contains("i.max") && s.contains("i.min"), "{s}");
        let s = shown(&col("i").is_null()).unwrap();
        assert!(s.contains("i.nulls"), "{s}");
        let s = shown(&col("i").is_not_null()).unwrap();
        assert!(s.contains("i.nulls") && s.contains(".rows"), "{s}");
        // A list read from a column, or holding NaN, says nothing of the statistics.
        assert_eq!(shown(&col("i").is_in(col("x"), false)), None);
        let nan = Series::new("".into(), [f64::NAN]);
        assert_eq!(shown(&col("x").is_in(lit(nan), false)), None);
        assert_eq!(shown(&col("nope").is_null()), None);
        // A list of another kind than the column is cast by polars, not compared.
        let text = lit(Series::new("".into(), ["1", "2"]));
        assert_eq!(may_hold(&col("i").is_in(text, false), &schema()), None);
        let ints = lit(Series::new("".into(), [1i32, 2]));
        assert!(may_hold(&col("i").is_in(ints, false), &schema()).is_some());
    }
}
