//! `GroupBy::transform` (pandas' and Dask's `groupby(..).transform`, `cumsum`,
//! `cumcount`, `shift`, `rank`, `diff`) against eager polars' `over` on the whole frame:
//! answers row for row in the frame's order, with empty and one-row partitions, one
//! partition, null keys, a key holding most rows, keys of several types, and frames
//! already partitioned by the keys.

use chunkwise::dataframe::DFrame;
use polars::prelude::*;

/// Rows with a text key (nulls, one hot value), an integer key and values with nulls.
fn data(rows: usize, seed: u64) -> DataFrame {
    let mut x = seed;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        x >> 33
    };
    let mut k = Vec::new();
    let mut n = Vec::new();
    let mut v = Vec::new();
    let mut w = Vec::new();
    for i in 0..rows {
        let r = next();
        k.push(match r % 10 {
            0 => None,
            1..=5 => Some("hot".to_string()),
            _ => Some(format!("k{}", r % 17)),
        });
        n.push((r % 3) as i32);
        v.push((r % 7 != 0).then_some((r % 1000) as i64 - 300));
        w.push(i as f64 * 0.5 - (r % 11) as f64);
    }
    df!("k" => k, "n" => n, "v" => v, "w" => w).unwrap()
}

/// Cuts `df` into partitions of these sizes (0 for an empty one).
pub(crate) fn cut(df: &DataFrame, sizes: &[usize]) -> DFrame {
    let mut at = 0;
    let parts: Vec<DataFrame> = sizes
        .iter()
        .map(|&s| {
            let p = df.slice(at as i64, s);
            at += s;
            p
        })
        .collect();
    assert_eq!(at, df.height());
    DFrame::from_partitions(parts).unwrap()
}

/// What eager polars gives for `exprs` over `keys` on the whole frame.
fn eager(df: &DataFrame, keys: &[&str], exprs: &[Expr]) -> DataFrame {
    let by: Vec<Expr> = keys.iter().map(|k| col(*k)).collect();
    let over: Vec<Expr> = exprs.iter().map(|e| e.clone().over(&by).unwrap()).collect();
    df.clone().lazy().with_columns(over).collect().unwrap()
}

fn exprs() -> Vec<Expr> {
    vec![
        col("v").cum_sum(false).alias("v_cumsum"),
        col("w").cum_max(false).alias("w_cummax"),
        col("v").shift(lit(1)).alias("v_prev"),
        col("w").sum().alias("w_total"),
        col("v").mean().alias("v_mean"),
        col("n").cum_count(false).alias("cumcount"),
        col("w")
            .rank(
                RankOptions {
                    method: RankMethod::Min,
                    descending: false,
                },
                None,
            )
            .alias("w_rank"),
        col("v").diff(lit(1), Default::default()).alias("v_diff"),
        // Replaces a column in place.
        (col("w") - col("w").mean()).alias("w"),
    ]
}

fn assert_same(got: &DataFrame, want: &DataFrame, what: &str) {
    assert_eq!(got.schema(), want.schema(), "{what}");
    assert!(got.equals_missing(want), "{what}:\n{got}\nwant\n{want}");
}

#[test]
fn transform_matches_eager_over_for_every_shape() {
    let df = data(600, 7);
    let shapes: Vec<Vec<usize>> = vec![
        vec![600],
        vec![150, 150, 150, 150],
        vec![0, 250, 0, 1, 349, 0],
        [vec![1; 40], vec![560]].concat(),
    ];
    for keys in [vec!["k"], vec!["k", "n"], vec!["n"]] {
        let want = eager(&df, &keys, &exprs());
        for sizes in &shapes {
            let f = cut(&df, sizes);
            let got = f
                .groupby(&keys)
                .unwrap()
                .transform(exprs())
                .unwrap()
                .compute()
                .unwrap();
            assert_same(
                &got,
                &want,
                &format!("keys {keys:?}, partitions {}", sizes.len()),
            );
        }
    }
}

#[test]
fn transform_keeps_each_partition_and_its_rows() {
    let df = data(300, 11);
    let sizes = [0, 100, 0, 120, 80];
    let f = cut(&df, &sizes);
    let t = f
        .groupby(&["k"])
        .unwrap()
        .transform([col("v").cum_sum(false).alias("c")])
        .unwrap();
    assert_eq!(t.npartitions(), sizes.len());
    let heights = t
        .map_partitions(|d| df!("rows" => [d.height() as i64]))
        .unwrap()
        .compute()
        .unwrap();
    let got: Vec<usize> = heights
        .column("rows")
        .unwrap()
        .i64()
        .unwrap()
        .into_no_null_iter()
        .map(|h| h as usize)
        .collect();
    assert_eq!(got, sizes);
    // The same rows, in their order.
    let whole = t.compute().unwrap();
    assert!(
        whole
            .select(["k", "n", "v", "w"])
            .unwrap()
            .equals_missing(&df)
    );
}

#[test]
fn transform_of_a_frame_partitioned_by_its_keys_moves_no_rows() {
    let df = data(400, 3);
    let shuffled = cut(&df, &[100, 0, 300]).shuffle(&["k"], Some(3)).unwrap();
    let t = shuffled
        .groupby(&["k"])
        .unwrap()
        .transform(exprs())
        .unwrap();
    assert!(t.explain().contains("in place"), "{}", t.explain());
    let moved = cut(&df, &[100, 0, 300])
        .groupby(&["k"])
        .unwrap()
        .transform(exprs())
        .unwrap();
    assert!(
        moved.explain().contains("shuffled by the keys and back"),
        "{}",
        moved.explain()
    );
    // The answer is eager polars' over the frame as the shuffle placed it.
    let placed = shuffled.compute().unwrap();
    assert_same(
        &t.compute().unwrap(),
        &eager(&placed, &["k"], &exprs()),
        "partitioned",
    );
    // The partitioning stays (the keys are not written): a group-by after it moves
    // nothing; one that writes a key forgets it, and a group-by after it shuffles.
    let after = t.groupby(&["k"]).unwrap();
    assert!(
        after.explain().contains("already partitioned"),
        "{}",
        after.explain()
    );
    let k_rows = |d: &DataFrame| d.column("k").unwrap().n_unique().unwrap();
    let sums = after
        .agg([col("w_total").first()])
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(sums.height(), k_rows(&placed));
    let rewritten = shuffled
        .groupby(&["k"])
        .unwrap()
        .transform([col("k").first().alias("k"), col("n").max().alias("k_max_n")])
        .unwrap();
    let again = rewritten.groupby(&["k"]).unwrap();
    assert!(
        !again.explain().contains("already partitioned"),
        "{}",
        again.explain()
    );
    let counts = again.agg([len()]).unwrap().compute().unwrap();
    assert_eq!(counts.height(), k_rows(&placed));
    // Sorted by the key: in place too, and eager polars' answer on the sorted rows.
    let sorted = cut(&df, &[100, 0, 300])
        .sort_values(&["k"], SortMultipleOptions::default())
        .unwrap();
    let t = sorted.groupby(&["k"]).unwrap().transform(exprs()).unwrap();
    assert!(t.explain().contains("in place"), "{}", t.explain());
    let placed = sorted.compute().unwrap();
    assert_same(
        &t.compute().unwrap(),
        &eager(&placed, &["k"], &exprs()),
        "sorted",
    );
}

#[test]
fn dropna_keeps_every_row_and_gives_missing_keys_nulls() {
    let df = data(500, 5);
    let f = cut(&df, &[200, 0, 300]);
    let e = [
        col("v").cum_sum(false).alias("c"),
        col("w").mean().alias("m"),
    ];
    let got = f
        .groupby(&["k"])
        .unwrap()
        .dropna(true)
        .unwrap()
        .transform(e.clone())
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(got.height(), 500);
    let want = df
        .clone()
        .lazy()
        .with_columns(
            e.iter()
                .map(|x| {
                    let name = x.clone().meta().output_name().unwrap();
                    when(col("k").is_not_null())
                        .then(x.clone().over([col("k")]).unwrap())
                        .otherwise(lit(NULL))
                        .alias(name)
                })
                .collect::<Vec<_>>(),
        )
        .collect()
        .unwrap();
    assert_same(&got, &want, "dropna");
    // A row with a missing key has a null running sum.
    let missing = got.column("k").unwrap().is_null();
    let c = got.column("c").unwrap().is_null();
    assert!((0..got.height()).all(|i| !missing.get(i).unwrap() || c.get(i).unwrap()));
}

/// Cumulative functions per group with the groups' rows spread over partitions,
/// against eager polars, and pandas' own answers for this frame (pandas 3.1.1:
/// `df.groupby("a").b.cumsum()` and `df.groupby("a").cumcount()`).
#[test]
fn cumulative_functions_give_pandas_answers() {
    let df = df!(
        "a" => [1i64, 2, 6, 4, 4, 6, 4, 3, 7, 1, 2, 9, 1, 2, 4],
        "b" => [4i64, 2, 7, 3, 3, 1, 1, 1, 2, 5, 8, 3, 4, 6, 2],
        "c" => [1.0f64, 2.5, -3.0, 4.0, 0.0, 6.5, -1.0, 2.0, 3.0, 1.5, -2.0, 9.0, 1.0, 0.5, 4.0],
    )
    .unwrap();
    let exprs = [
        col("b").cum_sum(false).alias("cumsum_b"),
        col("c").cum_max(false).alias("cummax_c"),
        col("c").cum_min(false).alias("cummin_c"),
        col("b").cum_count(false).alias("cumcount"),
        col("c").cum_prod(false).alias("cumprod_c"),
    ];
    for n in [1, 3, 5] {
        let got = DFrame::from_polars(df.clone(), n)
            .unwrap()
            .groupby(&["a"])
            .unwrap()
            .transform(exprs.clone())
            .unwrap()
            .compute()
            .unwrap();
        assert_same(
            &got,
            &eager(&df, &["a"], &exprs),
            &format!("{n} partitions"),
        );
    }
    // pandas' own numbers for `df.groupby("a").b.cumsum()`.
    let got = DFrame::from_polars(df.clone(), 3)
        .unwrap()
        .groupby(&["a"])
        .unwrap()
        .transform([
            col("b").cum_sum(false),
            // pandas' cumcount: 0, 1, ... per group.
            (col("c").is_null().cum_count(false) - lit(1u32)).alias("cumcount"),
        ])
        .unwrap()
        .compute()
        .unwrap();
    let b: Vec<i64> = got
        .column("b")
        .unwrap()
        .i64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert_eq!(b, [4, 2, 7, 3, 6, 8, 7, 1, 2, 9, 10, 3, 13, 16, 9]);
    let n: Vec<u32> = got
        .column("cumcount")
        .unwrap()
        .u32()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert_eq!(n, [0, 0, 0, 0, 1, 1, 2, 0, 0, 1, 1, 0, 2, 2, 3]);
}

#[test]
fn transform_errors_name_what_is_wrong() {
    let f = DFrame::from_polars(data(10, 1), 2).unwrap();
    let g = f.groupby(&["k"]).unwrap();
    let e = g
        .transform([col("nope").cum_sum(false)])
        .unwrap_err()
        .to_string();
    assert!(e.contains("nope") && e.contains("transform"), "{e}");
    let e = g.transform(Vec::<Expr>::new()).unwrap_err().to_string();
    assert!(e.contains("no expressions"), "{e}");
    let e = g
        .transform([col("v").alias("__chunkwise_part")])
        .unwrap_err()
        .to_string();
    assert!(e.contains("__chunkwise_part"), "{e}");
    let tagged = f
        .with_columns([lit(1i64).alias("__chunkwise_row")])
        .unwrap();
    let e = tagged
        .groupby(&["k"])
        .unwrap()
        .transform([col("v").cum_sum(false)])
        .unwrap_err()
        .to_string();
    assert!(e.contains("__chunkwise_row"), "{e}");
}

/// A function of each group's rows: the two largest `w` with their share of the
/// group's total and the group's size.
fn top_two(g: DataFrame) -> PolarsResult<DataFrame> {
    g.lazy()
        .with_columns([
            (col("w") / col("w").sum()).alias("share"),
            len().alias("size"),
        ])
        .sort(
            ["w"],
            SortMultipleOptions::default().with_order_descending(true),
        )
        .limit(2)
        .collect()
}

#[test]
fn apply_matches_eager_polars_per_group() {
    use crate::it::frame_ops::rows;
    let df = data(500, 9);
    for keys in [vec!["k"], vec!["k", "n"]] {
        let want = df
            .group_by_stable(keys.iter().copied())
            .unwrap()
            .apply(top_two)
            .unwrap();
        for sizes in [
            vec![500],
            vec![0, 200, 0, 300],
            [vec![1; 30], vec![470]].concat(),
        ] {
            let got = cut(&df, &sizes)
                .groupby(&keys)
                .unwrap()
                .apply(top_two)
                .unwrap()
                .compute()
                .unwrap();
            assert_eq!(got.schema(), want.schema());
            assert_eq!(
                rows(&got),
                rows(&want),
                "keys {keys:?}, {} partitions",
                sizes.len()
            );
        }
    }
    // After dropna, groups with a missing key are left out, as in pandas.
    let got = cut(&df, &[250, 250])
        .groupby(&["k"])
        .unwrap()
        .dropna(true)
        .unwrap()
        .apply(top_two)
        .unwrap()
        .compute()
        .unwrap();
    let want = df
        .clone()
        .lazy()
        .filter(col("k").is_not_null())
        .collect()
        .unwrap()
        .group_by_stable(["k"])
        .unwrap()
        .apply(top_two)
        .unwrap();
    assert_eq!(rows(&got), rows(&want));
}

#[test]
fn apply_errors_name_the_schemas() {
    let df = data(100, 2);
    let f = cut(&df, &[40, 60]);
    // An answer whose type depends on the data: the schema given must match.
    let varying = |g: DataFrame| {
        if g.height() > 3 {
            df!("x" => [1i64])
        } else {
            df!("x" => [1.5f64])
        }
    };
    let schema = Schema::from_iter([Field::new("x".into(), DataType::Int64)]);
    let e = f
        .groupby(&["k"])
        .unwrap()
        .apply_with_schema(varying, schema)
        .unwrap()
        .compute()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("apply") && e.contains("Float64") && e.contains("Int64"),
        "{e}"
    );
    // A function that cannot run on an empty group: the schema is asked for.
    let first = |g: DataFrame| {
        polars_ensure!(g.height() > 0, ComputeError: "no rows");
        Ok(g.head(Some(1)))
    };
    let e = f
        .groupby(&["k"])
        .unwrap()
        .apply(first)
        .unwrap_err()
        .to_string();
    assert!(e.contains("empty group") && e.contains("no rows"), "{e}");
    let ok = f
        .groupby(&["k"])
        .unwrap()
        .apply_with_schema(first, (**f.schema()).clone())
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(ok.height(), df.column("k").unwrap().n_unique().unwrap());
}
