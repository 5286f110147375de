//! Dask's group-by tests, ported (`dask/dataframe/tests/test_groupby.py` and dask-expr's
//! `test_groupby.py`, dask commit `817e5ffc`): the frames those tests build, the
//! aggregations they ask written as polars expressions, and Dask's expected values
//! where the test states them (pandas' answers), else eager polars on the whole frame.
//!
//! chunkwise answers as eager polars does, so where pandas differs the port says so:
//! a null key is a group unless [`GroupBy::dropna`] drops it (pandas drops it by
//! default), `first`/`last` take the first and last row (pandas skips nulls), the
//! variance of a group of `ddof` rows or fewer is null (pandas: NaN), and `n_unique`
//! counts null as a value (pandas' `nunique` drops it; `drop_nulls().n_unique()`).

use chunkwise::dataframe::{DFrame, GroupBy, Strategy};
use polars::prelude::*;

fn frame(df: &DataFrame, npartitions: usize) -> DFrame {
    DFrame::from_polars(df.clone(), npartitions).unwrap()
}

/// Dask's `from_pandas` cut: `len / n` rows a partition, one more for the first
/// `len % n` (`from_polars` cuts the same way).
fn dask_parts(df: &DataFrame, n: usize) -> DFrame {
    frame(df, n)
}

/// Eager polars' answer, sorted by the keys with nulls last (as `agg` gives it).
fn eager(df: &DataFrame, keys: &[&str], aggs: &[Expr]) -> DataFrame {
    let keys: Vec<Expr> = keys.iter().map(|k| col(*k)).collect();
    df.clone()
        .lazy()
        .group_by(keys.clone())
        .agg(aggs)
        .sort_by_exprs(
            keys,
            SortMultipleOptions::default()
                .with_nulls_last(true)
                .with_maintain_order(true),
        )
        .collect()
        .unwrap()
}

/// Frames equal column by column: names, types and nulls exactly, floats to 1e-9
/// relative (partials merge in another order than one pass sums).
fn assert_close(got: &DataFrame, want: &DataFrame, ctx: &str) {
    assert_eq!(got.get_column_names(), want.get_column_names(), "{ctx}");
    assert_eq!(got.height(), want.height(), "{ctx}\n{got}\n{want}");
    for (g, w) in got.columns().iter().zip(want.columns()) {
        assert_eq!(g.dtype(), w.dtype(), "{ctx}: column {}", g.name());
        if g.dtype().is_float() {
            let (g, w) = (
                g.cast(&DataType::Float64).unwrap(),
                w.cast(&DataType::Float64).unwrap(),
            );
            for (a, b) in g.f64().unwrap().iter().zip(w.f64().unwrap().iter()) {
                let same = match (a, b) {
                    (Some(a), Some(b)) => {
                        (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-9 * (1.0 + b.abs())
                    }
                    (a, b) => a.is_none() && b.is_none(),
                };
                assert!(same, "{ctx}: column {}: {a:?} against {b:?}", g.name());
            }
        } else {
            assert!(
                g.as_materialized_series()
                    .equals_missing(w.as_materialized_series()),
                "{ctx}: column {}\n{got}\n{want}",
                g.name()
            );
        }
    }
}

/// The group-by of `f` by `keys` through the tree and through the shuffle, in one
/// bucket and in several, each equal to eager polars on `df`.
fn check(df: &DataFrame, f: &DFrame, keys: &[&str], aggs: &[Expr], ctx: &str) -> DataFrame {
    let want = eager(df, keys, aggs);
    let g = f.groupby(keys).unwrap();
    for (name, g) in [
        ("auto", g.clone()),
        ("tree", g.clone().strategy(Strategy::Tree)),
        ("tree in 3", g.clone().strategy(Strategy::Tree).split_out(3)),
        ("shuffle", g.clone().strategy(Strategy::Shuffle)),
        (
            "shuffle in 4",
            g.clone().strategy(Strategy::Shuffle).split_out(4),
        ),
    ] {
        let got = g.agg(aggs).unwrap().compute().unwrap();
        assert_close(&got, &want, &format!("{ctx}, {name}"));
    }
    want
}

fn floats(df: &DataFrame, c: &str) -> Vec<Option<f64>> {
    let s = df.column(c).unwrap().cast(&DataType::Float64).unwrap();
    s.f64().unwrap().iter().collect()
}

fn close(got: &[Option<f64>], want: &[f64]) -> bool {
    got.len() == want.len()
        && got
            .iter()
            .zip(want)
            .all(|(g, w)| g.is_some_and(|g| (g - w).abs() <= 1e-6 * (1.0 + w.abs())))
}

/// Every aggregation of the ported tests on column `v` (pandas' names).
fn every_agg(v: &str) -> Vec<Expr> {
    vec![
        col(v).sum().alias("sum"),
        col(v).mean().alias("mean"),
        col(v).median().alias("median"),
        col(v).min().alias("min"),
        col(v).max().alias("max"),
        col(v).count().alias("count"),
        len().alias("size"),
        col(v).std(1).alias("std"),
        col(v).var(1).alias("var"),
        col(v).var(0).alias("var0"),
        col(v).var(2).alias("var2"),
        col(v).n_unique().alias("nunique"),
        col(v).first().alias("first"),
        col(v).last().alias("last"),
    ]
}

#[test]
fn test_groupby_dropna_with_agg() {
    // dask #6986: a null in each key column.
    let df = df!(
        "id1" => [Some("a"), None, Some("b")],
        "id2" => [Some(1.0), Some(2.0), None],
        "v1" => [Some(4.5), Some(5.5), None]
    )
    .unwrap();
    let aggs = [col("v1").sum()];
    let got = check(&df, &frame(&df, 1), &["id1", "id2"], &aggs, "null keys");
    // pandas' dropna=False, sort=True: (a, 1) 4.5, (b, null) 0.0, (null, 2) 5.5.
    assert_eq!(floats(&got, "v1"), [Some(4.5), Some(0.0), Some(5.5)]);
    // pandas' default, dropna=True: only the row with no null key.
    let dropped = frame(&df, 1)
        .groupby(&["id1", "id2"])
        .unwrap()
        .dropna(true)
        .unwrap()
        .agg(aggs)
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(floats(&dropped, "v1"), [Some(4.5)]);
}

#[test]
fn test_empty_partitions_with_value_counts() {
    // dask #7065: the middle partition holds only null keys.
    let n = None::<&str>;
    let df = df!(
        "A" => [Some("a1"), Some("a1"), Some("a1"), n, n, n, Some("a3"), Some("a3"), Some("a5")],
        "B" => [Some("b1"), n, Some("b1"), n, n, n, Some("b3"), Some("b3"), Some("b5")],
        "C" => [Some(true), Some(false), Some(true), None, None, None, Some(true), Some(false), Some(true)]
    )
    .unwrap();
    let f = dask_parts(&df, 3);
    let counts = |keys: &[&str]| {
        let got = f
            .groupby(keys)
            .unwrap()
            .dropna(true)
            .unwrap()
            .agg([len().cast(DataType::Int64).alias("n")])
            .unwrap()
            .compute()
            .unwrap();
        floats(&got, "n")
    };
    // Sorted by the keys: (a1, F) 1, (a1, T) 2, (a3, F) 1, (a3, T) 1, (a5, T) 1.
    assert!(close(&counts(&["A", "C"]), &[1.0, 2.0, 1.0, 1.0, 1.0]));
    // (a1, b1, T) 2, (a3, b3, F) 1, (a3, b3, T) 1, (a5, b5, T) 1; (a1, null, F) dropped.
    assert!(close(&counts(&["A", "B", "C"]), &[2.0, 1.0, 1.0, 1.0]));
    check(&df, &f, &["A", "C"], &[len().alias("n")], "null keys kept");
}

#[test]
fn test_groupby_value_counts_10322() {
    // dask #10322: each x in exactly one partition.
    let x: Vec<i64> = [10; 5]
        .iter()
        .chain(&[6; 5])
        .chain(&[3; 5])
        .copied()
        .collect();
    let y: Vec<i64> = [[1; 3], [2; 3], [4; 3], [5; 3], [2; 3]].concat();
    let df = df!("x" => x, "y" => y).unwrap();
    let got = dask_parts(&df, 3)
        .groupby(&["x", "y"])
        .unwrap()
        .value_counts()
        .unwrap()
        .compute()
        .unwrap();
    let got = got
        .sort(["x", "y"], SortMultipleOptions::default())
        .unwrap();
    // (3,2) 3, (3,5) 2, (6,2) 1, (6,4) 3, (6,5) 1, (10,1) 3, (10,2) 2.
    assert!(close(
        &floats(&got, "count"),
        &[3.0, 2.0, 1.0, 3.0, 1.0, 3.0, 2.0]
    ));
}

#[test]
fn test_groupby_agg_grouper_single_and_multiple() {
    // dask #2255: the key column aggregated itself.
    let df = df!("a" => [1i64, 2, 3, 4], "b" => [1i64, 2, 3, 4]).unwrap();
    let aggs = [
        col("a").min().alias("a_min"),
        col("a").max().alias("a_max"),
        col("b").min().alias("b_min"),
        col("b").max().alias("b_max"),
    ];
    let got = check(&df, &frame(&df, 2), &["a"], &aggs, "key aggregated");
    for c in ["a_min", "a_max", "b_min", "b_max"] {
        assert!(close(&floats(&got, c), &[1.0, 2.0, 3.0, 4.0]), "{c}");
    }
}

#[test]
fn test_groupby_split_out_num() {
    // GH 1841: more output partitions than groups.
    let df = df!("A" => [1i64, 1, 2, 2], "B" => [1i64, 2, 3, 4]).unwrap();
    let f = frame(&df, 2);
    for n in [1, 2, 3] {
        let out = f
            .groupby(&["A"])
            .unwrap()
            .split_out(n)
            .agg_frame([col("B").sum()])
            .unwrap();
        assert_eq!(out.npartitions(), n);
        let got = out
            .compute()
            .unwrap()
            .sort(["A"], SortMultipleOptions::default())
            .unwrap();
        assert!(close(&floats(&got, "B"), &[3.0, 7.0]), "{n}");
    }
}

#[test]
fn test_groupby_reduction_split() {
    // dask #10034: first and last follow the rows' order through the shuffle.
    let a: Vec<i64> = [1i64, 2, 6, 4, 4, 6, 4, 3, 7].repeat(100);
    let b: Vec<i64> = [4i64, 2, 7, 3, 3, 1, 1, 1, 2].repeat(100);
    let df = df!("a" => a, "b" => b).unwrap();
    let got = check(&df, &frame(&df, 15), &["b"], &every_agg("a"), "900 rows");
    // b = 1, 2, 3, 4, 7.
    let want: [(&str, [f64; 5]); 11] = [
        ("sum", [1300.0, 900.0, 800.0, 100.0, 600.0]),
        ("mean", [4.333333, 4.5, 4.0, 1.0, 6.0]),
        ("median", [4.0, 4.5, 4.0, 1.0, 6.0]),
        ("min", [3.0, 2.0, 4.0, 1.0, 6.0]),
        ("max", [6.0, 7.0, 4.0, 1.0, 6.0]),
        ("count", [300.0, 200.0, 200.0, 100.0, 100.0]),
        ("std", [1.249303, 2.506274, 0.0, 0.0, 0.0]),
        ("var", [1.560758, 6.281407, 0.0, 0.0, 0.0]),
        ("var2", [1.565996, 6.313131, 0.0, 0.0, 0.0]),
        ("first", [6.0, 2.0, 4.0, 1.0, 6.0]),
        ("last", [3.0, 7.0, 4.0, 1.0, 6.0]),
    ];
    for (c, w) in want {
        assert!(close(&floats(&got, c), &w), "{c}: {:?}", floats(&got, c));
    }
    assert!(close(&floats(&got, "nunique"), &[3.0, 2.0, 1.0, 1.0, 1.0]));
}

#[test]
fn test_dataframe_aggregations_multilevel() {
    let a: Vec<i64> = [1i64, 2, 6, 4, 4, 6, 4, 3, 7].repeat(10);
    let b: Vec<i64> = [4i64, 2, 7, 3, 3, 1, 1, 1, 2].repeat(10);
    let c: Vec<i64> = (0..9i64).collect::<Vec<_>>().repeat(10);
    let df = df!("a" => a, "b" => b, "c" => c.clone(), "d" => c).unwrap();
    let f = frame(&df, 10);
    let aggs: Vec<Expr> = every_agg("c")
        .into_iter()
        .chain([
            col("d").sum().alias("d_sum"),
            col("d").std(1).alias("d_std"),
        ])
        .collect();
    for keys in [vec!["a"], vec!["a", "b"]] {
        check(&df, &f, &keys, &aggs, &format!("{keys:?}"));
    }
    // Keys computed from columns: [a > 2, b > 1].
    let with = |d: DataFrame| {
        d.lazy()
            .with_columns([
                col("a").gt(lit(2)).alias("ka"),
                col("b").gt(lit(1)).alias("kb"),
            ])
            .collect()
            .unwrap()
    };
    let df2 = with(df.clone());
    let f2 = f
        .with_columns([
            col("a").gt(lit(2)).alias("ka"),
            col("b").gt(lit(1)).alias("kb"),
        ])
        .unwrap();
    let got = check(&df2, &f2, &["ka", "kb"], &aggs, "computed keys");
    // (F, T), (T, F), (T, T).
    assert!(close(&floats(&got, "sum"), &[10.0, 180.0, 170.0]));
    assert!(close(&floats(&got, "mean"), &[0.5, 6.0, 4.25]));
    assert!(close(&floats(&got, "std"), &[0.512989, 0.830455, 2.306624]));
    assert!(close(&floats(&got, "count"), &[20.0, 30.0, 40.0]));
    assert!(close(&floats(&got, "first"), &[0.0, 5.0, 2.0]));
    assert!(close(&floats(&got, "last"), &[1.0, 7.0, 8.0]));
    assert!(close(&floats(&got, "nunique"), &[2.0, 3.0, 4.0]));
}

#[test]
fn test_groupby_sort_argument_and_null_keys() {
    let n = None;
    let df = df!(
        "a" => [Some(1.0), Some(2.0), Some(3.0), Some(4.0), n, n, Some(7.0), Some(8.0)],
        "b" => [1i64, 0, 1, 0, 1, 0, 1, 0],
        "c" => [Some("a"), Some("b"), None, None, Some("e"), Some("f"), Some("g"), Some("h")],
        "e" => [4i64, 5, 6, 3, 2, 1, 0, 0]
    )
    .unwrap();
    let f = dask_parts(&df, 3);
    let aggs = [
        col("a").count().alias("a_n"),
        col("b").count().alias("b_n"),
        col("c").count().alias("c_n"),
        col("e").count().alias("e_n"),
        col("e").sum().alias("e_sum"),
    ];
    for keys in [
        vec!["a"],
        vec!["b"],
        vec!["c"],
        vec!["a", "b"],
        vec!["a", "c"],
    ] {
        check(&df, &f, &keys, &aggs, &format!("{keys:?}"));
        for sort in [true, false] {
            // pandas' dropna=True: rows with any null key dropped.
            let got = f
                .groupby(&keys)
                .unwrap()
                .sort(sort)
                .dropna(true)
                .unwrap()
                .agg(aggs.clone())
                .unwrap()
                .compute()
                .unwrap();
            let no_null = df
                .clone()
                .lazy()
                .filter(
                    all_horizontal(
                        keys.iter()
                            .map(|k| col(*k).is_not_null())
                            .collect::<Vec<_>>(),
                    )
                    .unwrap(),
                )
                .collect()
                .unwrap();
            let got = if sort {
                got
            } else {
                got.sort(keys.clone(), SortMultipleOptions::default())
                    .unwrap()
            };
            assert_close(
                &got,
                &eager(&no_null, &keys, &aggs),
                &format!("{keys:?} dropna sort {sort}"),
            );
        }
    }
    // dropna by a: e sums 4, 5, 6, 3, 0, 0 for a = 1, 2, 3, 4, 7, 8.
    let got = f
        .groupby(&["a"])
        .unwrap()
        .dropna(true)
        .unwrap()
        .agg([col("e").sum()])
        .unwrap()
        .compute()
        .unwrap();
    assert!(close(&floats(&got, "e"), &[4.0, 5.0, 6.0, 3.0, 0.0, 0.0]));
    // By [a, c]: only (1, a), (2, b), (7, g), (8, h) have no null key.
    let got = f
        .groupby(&["a", "c"])
        .unwrap()
        .dropna(true)
        .unwrap()
        .agg([len().alias("n")])
        .unwrap()
        .compute()
        .unwrap();
    assert!(close(&floats(&got, "a"), &[1.0, 2.0, 7.0, 8.0]));
}

#[test]
fn test_split_apply_combine_on_series() {
    let df = df!(
        "a" => [1i64, 2, 6, 4, 4, 6, 4, 3, 7],
        "b" => [4i64, 2, 7, 3, 3, 1, 1, 1, 2]
    )
    .unwrap();
    let f = frame(&df, 3);
    let got = check(&df, &f, &["b"], &every_agg("a"), "by b");
    // b = 1, 2, 3, 4, 7.
    let want: [(&str, [f64; 5]); 8] = [
        ("min", [3.0, 2.0, 4.0, 1.0, 6.0]),
        ("max", [6.0, 7.0, 4.0, 1.0, 6.0]),
        ("count", [3.0, 2.0, 2.0, 1.0, 1.0]),
        ("mean", [4.333333, 4.5, 4.0, 1.0, 6.0]),
        ("nunique", [3.0, 2.0, 1.0, 1.0, 1.0]),
        ("first", [6.0, 2.0, 4.0, 1.0, 6.0]),
        ("last", [3.0, 7.0, 4.0, 1.0, 6.0]),
        ("sum", [13.0, 9.0, 8.0, 1.0, 6.0]),
    ];
    for (c, w) in want {
        assert!(close(&floats(&got, c), &w), "{c}: {:?}", floats(&got, c));
    }
    assert!(close(
        &floats(&got, "var0"),
        &[1.555556, 6.25, 0.0, 0.0, 0.0]
    ));
    // n <= ddof: null (pandas NaN).
    assert_eq!(floats(&got, "var")[3..], [None, None]);
    assert!(close(&floats(&got, "var")[..3], &[2.333333, 12.5, 0.0]));
    assert!(close(&floats(&got, "var2")[..1], &[4.666667]));
    assert_eq!(floats(&got, "var2")[1..], [None, None, None, None]);
    // Keys computed from the values, some holding every row.
    for (name, e) in [
        ("b1", col("b") + lit(1)),
        ("gt0", col("b").gt(lit(0))),
        ("gt4", col("b").gt(lit(4))),
        ("gt7", col("b").gt(lit(7))),
        ("a3", col("a").gt(lit(3))),
    ] {
        let d = df
            .clone()
            .lazy()
            .with_column(e.clone().alias(name))
            .collect()
            .unwrap();
        let f = f.with_columns([e.alias(name)]).unwrap();
        check(&d, &f, &[name], &every_agg("a"), name);
    }
    // By a, for b.
    let got = check(&df, &f, &["a"], &every_agg("b"), "by a");
    assert!(close(&floats(&got, "sum"), &[4.0, 2.0, 1.0, 7.0, 8.0, 2.0]));
    // Empty: three empty partitions of floats.
    let empty = df!("a" => Vec::<f64>::new(), "b" => Vec::<f64>::new()).unwrap();
    let fe = DFrame::from_partitions([empty.clone(), empty.clone(), empty.clone()]).unwrap();
    let got = check(&empty, &fe, &["b"], &every_agg("a"), "empty");
    assert_eq!(got.height(), 0);
    // Missing columns are errors naming them.
    let e = f.groupby(&["x"]).unwrap_err().to_string();
    assert!(e.contains("\"x\""), "{e}");
    let e = f.groupby(&["a", "x"]).unwrap_err().to_string();
    assert!(e.contains("\"x\""), "{e}");
    let e = f.groupby(&["a"]).unwrap().agg([col("x").sum()]);
    assert!(e.is_err());
    assert!(f.groupby(&[] as &[&str]).is_err(), "no keys");
}

#[test]
fn test_aggregate_single_element_groups() {
    // Group (3, 3) is cut one row per partition: single-row partial variances combine
    // to 0, not NaN.
    let df = df!(
        "c" => [1i64, 1, 4, 4],
        "b" => [4i64, 4, 16, 16],
        "a" => [1i64, 1, 3, 3],
        "d" => [1i64, 1, 3, 3]
    )
    .unwrap();
    let f = DFrame::from_partitions([df.slice(0, 2), df.slice(2, 1), df.slice(3, 1)]).unwrap();
    let got = check(&df, &f, &["a", "d"], &every_agg("b"), "single rows");
    assert!(close(&floats(&got, "sum"), &[8.0, 32.0]));
    assert!(close(&floats(&got, "std"), &[0.0, 0.0]));
    assert!(close(&floats(&got, "var"), &[0.0, 0.0]));
    // One row: std with ddof 1 is null (pandas: NaN).
    let one = df!("k" => [5i64], "v" => [5i64]).unwrap();
    let got = check(&one, &frame(&one, 2), &["k"], &[col("v").std(1)], "one row");
    assert_eq!(floats(&got, "v"), [None]);
}

#[test]
fn test_rounding_negative_var() {
    // Cancellation must not make a variance negative (its root NaN).
    let df = df!(
        "ids" => [1i64, 1, 1, 1, 1, 2, 2, 2, 2, 2],
        "x" => [-0.00179999999f64; 10]
    )
    .unwrap();
    let got = check(
        &df,
        &frame(&df, 2),
        &["ids"],
        &[col("x").std(1)],
        "constant",
    );
    assert_eq!(floats(&got, "x"), [Some(0.0), Some(0.0)]);
    // Large integer keys.
    let x: Vec<i64> = [0i64, 4294967296, 8589934592, 12884901888, 17179869184]
        .into_iter()
        .chain(0..35)
        .collect();
    let df = df!("x" => x, "z" => (0..40i64).collect::<Vec<_>>()).unwrap();
    let got = check(
        &df,
        &frame(&df, 1),
        &["x"],
        &[col("z").std(1)],
        "large keys",
    );
    assert!(close(&floats(&got, "z")[..1], &[3.535534]));
}

#[test]
fn test_groupby_sort_argument_agg() {
    let df = df!("x" => [4i64, 2, 1, 2, 3, 1], "y" => [1i64, 2, 3, 4, 5, 6]).unwrap();
    let aggs = [
        col("y").sum().alias("sum"),
        col("y").max().alias("max"),
        col("y").min().alias("min"),
    ];
    let got = check(&df, &frame(&df, 3), &["x"], &aggs, "sorted keys");
    assert!(close(&floats(&got, "x"), &[1.0, 2.0, 3.0, 4.0]));
    assert!(close(&floats(&got, "sum"), &[9.0, 6.0, 5.0, 1.0]));
}

#[test]
fn test_agg_all_null_groups() {
    // pyarrow casts: groups a and b (b across both partitions) hold only nulls.
    let y: Vec<Option<f64>> = std::iter::repeat_n(None, 10)
        .chain(std::iter::repeat_n(Some(1.0), 5))
        .collect();
    let g: Vec<&str> = ["a"; 5]
        .iter()
        .chain(&["b"; 5])
        .chain(&["c"; 5])
        .copied()
        .collect();
    let df = df!("x" => (0..15i64).collect::<Vec<_>>(), "y" => y, "group" => g).unwrap();
    let aggs = [
        col("y").var(1).alias("x"),
        col("y").mean().alias("y"),
        col("y").std(1).alias("z"),
        col("y").sum().alias("s"),
        col("y").count().alias("n"),
    ];
    let got = check(&df, &frame(&df, 2), &["group"], &aggs, "all-null groups");
    assert_eq!(floats(&got, "y"), [None, None, Some(1.0)]);
    assert_eq!(floats(&got, "z"), [None, None, Some(0.0)]);
    assert_eq!(floats(&got, "s"), [Some(0.0), Some(0.0), Some(5.0)]);
}

#[test]
fn test_groupby_multilevel() {
    let df = df!(
        "a" => [1i64, 2, 3, 1, 2, 3],
        "b" => [1i64, 2, 1, 4, 2, 1],
        "c" => [1i64, 3, 2, 1, 1, 2],
        "d" => [1i64, 2, 1, 1, 2, 2]
    )
    .unwrap();
    let f = frame(&df, 2);
    let aggs: Vec<Expr> = ["b", "c", "d"]
        .iter()
        .flat_map(|v| {
            every_agg(v)
                .into_iter()
                .map(move |e| e.name().suffix(&format!("_{v}")))
        })
        .collect();
    let got = check(&df, &f, &["a"], &aggs, "by a");
    assert!(close(&floats(&got, "sum_b"), &[5.0, 4.0, 2.0]));
    assert!(close(&floats(&got, "std_b"), &[2.12132, 0.0, 0.0]));
    assert!(close(&floats(&got, "mean_d"), &[1.0, 2.0, 1.5]));
    assert!(close(&floats(&got, "nunique_d"), &[1.0, 1.0, 2.0]));
    assert!(close(&floats(&got, "first_b"), &[1.0, 2.0, 1.0]));
    assert!(close(&floats(&got, "last_b"), &[4.0, 2.0, 1.0]));
    for keys in [vec!["a", "b"], vec!["a", "c"], vec!["a", "b", "c"]] {
        check(&df, &f, &keys, &aggs, &format!("{keys:?}"));
    }
}

#[test]
fn test_groupby_nunique_and_median() {
    let keys: Vec<String> = "aaabbccccdddeee".chars().map(|c| c.to_string()).collect();
    let ints: Vec<i64> = "123111223323412"
        .chars()
        .map(|c| c as i64 - '0' as i64)
        .collect();
    let df = df!("strings" => keys, "data" => ints).unwrap();
    let got = check(
        &df,
        &frame(&df, 3),
        &["strings"],
        &[col("data").n_unique()],
        "nunique",
    );
    assert!(close(&floats(&got, "data"), &[3.0, 1.0, 3.0, 2.0, 3.0]));
    // A median needs every value of a group, cut over partitions.
    let m = df!("a" => [1i64, 2, 3], "b" => [1i64; 3]).unwrap();
    let got = check(&m, &frame(&m, 2), &["b"], &[col("a").median()], "median");
    assert_eq!(floats(&got, "a"), [Some(2.0)]);
    // With nulls: polars counts a null as a value; drop_nulls gives pandas' nunique.
    let n = df!("k" => [1i64, 1, 1, 2, 2], "v" => [None, Some(1i64), Some(1), None, None]).unwrap();
    let got = check(
        &n,
        &frame(&n, 2),
        &["k"],
        &[
            col("v").n_unique().alias("polars"),
            col("v").drop_nulls().n_unique().alias("pandas"),
        ],
        "nunique with nulls",
    );
    assert!(close(&floats(&got, "polars"), &[2.0, 1.0]));
    assert!(close(&floats(&got, "pandas"), &[1.0, 0.0]));
}

#[test]
fn test_shuffle_aggregate() {
    // b is a key and aggregated; more buckets than groups.
    let a: Vec<i64> = [1i64, 2, 3, 1, 1, 2, 4, 3, 7].repeat(100);
    let b: Vec<i64> = [4i64, 2, 7, 3, 3, 1, 1, 1, 2].repeat(100);
    let c: Vec<i64> = (0..9i64).collect::<Vec<_>>().repeat(100);
    let df = df!("a" => a, "b" => b, "c" => c).unwrap();
    let f = frame(&df, 100);
    let aggs = [
        col("b").mean().alias("b_mean"),
        col("c").min().alias("c_min"),
        col("c").max().alias("c_max"),
    ];
    let got = check(&df, &f, &["a", "b"], &aggs, "[a, b]");
    assert!(close(
        &floats(&got, "c_max"),
        &[4.0, 0.0, 5.0, 1.0, 7.0, 2.0, 6.0, 8.0]
    ));
    for n in [2, 32] {
        let out = f
            .groupby(&["a", "b"])
            .unwrap()
            .strategy(Strategy::Shuffle)
            .split_out(n)
            .agg_frame(aggs.clone())
            .unwrap();
        assert_eq!(out.npartitions(), n);
        assert_eq!(out.compute().unwrap().height(), 8);
    }
    let got = check(&df, &f, &["a"], &aggs, "[a]");
    assert!(close(
        &floats(&got, "b_mean"),
        &[3.333333, 1.5, 4.0, 1.0, 2.0]
    ));
}

#[test]
fn test_groupby_expr_fixture() {
    // dask-expr's fixture: every group in every partition.
    let df = df!(
        "x" => (0..100i64).map(|i| i % 10).collect::<Vec<_>>(),
        "y" => (0..100i64).collect::<Vec<_>>(),
        "z" => [1i64; 100]
    )
    .unwrap();
    let f = frame(&df, 4);
    let got = check(&df, &f, &["x"], &every_agg("y"), "by x");
    let k: Vec<f64> = (0..10).map(f64::from).collect();
    let at = |f: &dyn Fn(f64) -> f64| k.iter().map(|&k| f(k)).collect::<Vec<_>>();
    assert!(close(&floats(&got, "sum"), &at(&|k| 450.0 + 10.0 * k)));
    assert!(close(&floats(&got, "mean"), &at(&|k| 45.0 + k)));
    assert!(close(&floats(&got, "median"), &at(&|k| 45.0 + k)));
    assert!(close(&floats(&got, "last"), &at(&|k| 90.0 + k)));
    assert!(close(&floats(&got, "var"), &[916.666667; 10]));
    assert!(close(&floats(&got, "std"), &[30.276504; 10]));
    // Keys x and z; y alone (100 one-row groups); computed boolean keys.
    check(&df, &f, &["x", "z"], &every_agg("y"), "by [x, z]");
    check(&df, &f, &["y"], &every_agg("x"), "by y");
    let d2 = df
        .clone()
        .lazy()
        .with_columns([
            col("x").gt(lit(2)).alias("kx"),
            col("y").gt(lit(1)).alias("ky"),
        ])
        .collect()
        .unwrap();
    let f2 = frame(&d2, 4);
    let got = check(
        &d2,
        &f2,
        &["kx", "ky"],
        &[col("x").sum(), col("y").sum(), col("z").sum()],
        "computed",
    );
    assert!(close(&floats(&got, "x"), &[1.0, 29.0, 420.0]));
    assert!(close(&floats(&got, "y"), &[1.0, 1379.0, 3570.0]));
    assert!(close(&floats(&got, "z"), &[2.0, 28.0, 70.0]));
}

#[test]
fn test_groupby_cov_and_corr_across_partitions() {
    // Every group crosses a partition bound.
    let v = |seed: u64| -> Vec<f64> {
        let mut s = seed;
        (0..20)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
            })
            .collect()
    };
    let key: Vec<i64> = [0i64; 10]
        .iter()
        .chain(&[1; 5])
        .chain(&[2; 5])
        .copied()
        .collect();
    let df = df!("key" => key, "a" => v(1), "b" => v(2), "c" => v(3)).unwrap();
    let aggs = [
        cov(col("a"), col("b"), 1).alias("cov_ab"),
        cov(col("a"), col("c"), 1).alias("cov_ac"),
        pearson_corr(col("a"), col("b")).alias("corr_ab"),
        pearson_corr(col("b"), col("c")).alias("corr_bc"),
    ];
    check(&df, &frame(&df, 3), &["key"], &aggs, "cov and corr");
}

#[test]
fn test_groupby_keeps_the_frame_a_dropna_filter_sees() {
    // Sums of v per group, with null keys kept and dropped.
    let sums = |df: &DataFrame, drop: bool| {
        let g = frame(df, 2).groupby(&["k"]).unwrap();
        let g: GroupBy = g.dropna(drop).unwrap();
        floats(&g.agg([col("v").sum()]).unwrap().compute().unwrap(), "v")
    };
    // Keys that are all null: one group, or none.
    let df = df!("k" => [None::<i64>, None], "v" => [1i64, 2]).unwrap();
    assert_eq!(sums(&df, false), [Some(3.0)]);
    assert_eq!(sums(&df, true), []);
    // NaN in a float key is missing to pandas too.
    let nan = df!("k" => [Some(1.0), Some(f64::NAN), None], "v" => [1i64, 2, 3]).unwrap();
    assert_eq!(sums(&nan, false).len(), 3);
    assert_eq!(sums(&nan, true), [Some(1.0)]);
}

#[test]
fn test_prod_is_an_error_not_a_panic() {
    // pandas' `prod` is polars' `product`, behind a polars feature chunkwise does not
    // build (its compile time): asking for it fails the compute with polars' message.
    let df = df!("k" => [1i64, 1], "v" => [2i64, 3]).unwrap();
    let e = frame(&df, 2)
        .groupby(&["k"])
        .unwrap()
        .agg([col("v").product()])
        .and_then(|d| d.compute())
        .unwrap_err()
        .to_string();
    assert!(e.contains("product"), "{e}");
}
