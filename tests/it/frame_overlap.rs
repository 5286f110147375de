//! `DFrame::map_overlap` (Dask's, with row counts) against the same function on the
//! whole frame: shifts, differences and windows across partition boundaries, with
//! empty partitions, partitions shorter than the overlap, one partition, and overlaps
//! longer than the frame.

use chunkwise::dataframe::DFrame;
use polars::prelude::*;

use crate::it::frame_transform::cut;

/// A function looking `before` rows back and `after` rows ahead: both shifts, and a
/// window sum over the rows from `before` back to `after` ahead.
fn looking(
    before: usize,
    after: usize,
) -> impl Fn(DataFrame) -> PolarsResult<DataFrame> + Send + Sync + 'static {
    move |d: DataFrame| {
        let mut window = col("v");
        for k in 1..=before {
            window = window + col("v").shift(lit(k as i64));
        }
        for k in 1..=after {
            window = window + col("v").shift(lit(-(k as i64)));
        }
        let step = if before > 0 {
            col("v") - col("v").shift(lit(1))
        } else {
            col("v")
        };
        d.lazy()
            .with_columns([
                col("v").shift(lit(before as i64)).alias("back"),
                col("v").shift(lit(-(after as i64))).alias("ahead"),
                window.alias("window"),
                step.alias("step"),
            ])
            .collect()
    }
}

#[test]
fn map_overlap_matches_the_whole_frame() {
    let n = 40;
    let df = df!(
        "v" => (0..n as i64).map(|i| (i * 37) % 101 - 50).collect::<Vec<_>>(),
        "w" => (0..n).map(|i| (i % 3 == 0).then_some(i as f64 / 4.0)).collect::<Vec<_>>(),
    )
    .unwrap();
    let shapes: Vec<Vec<usize>> = vec![
        vec![40],
        vec![10, 10, 10, 10],
        vec![0, 1, 0, 2, 30, 0, 1, 6, 0],
        vec![1; 40],
        vec![39, 1],
    ];
    for (before, after) in [(0, 0), (1, 0), (0, 2), (3, 3), (5, 1), (45, 50)] {
        let f = looking(before, after);
        let want = f(df.clone()).unwrap();
        for sizes in &shapes {
            let got = cut(&df, sizes)
                .map_overlap(looking(before, after), before, after)
                .unwrap()
                .compute()
                .unwrap();
            assert!(
                got.equals_missing(&want),
                "before {before}, after {after}, partitions {sizes:?}:\n{got}\nwant\n{want}"
            );
        }
    }
}

#[test]
fn map_overlap_errors_name_what_went_wrong() {
    let df = df!("v" => (0..10i64).collect::<Vec<_>>()).unwrap();
    let f = cut(&df, &[5, 5]);
    // A function that drops rows cannot be cut back to the partition's rows.
    let dropping = |d: DataFrame| d.lazy().filter(col("v").gt(lit(2))).collect();
    let e = f
        .map_overlap(dropping, 1, 0)
        .unwrap()
        .compute()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("map_overlap") && e.contains("keep its input's rows"),
        "{e}"
    );
    // One that cannot run on no rows asks for the schema.
    let needy = |d: DataFrame| {
        polars_ensure!(d.height() > 0, ComputeError: "no rows");
        Ok(d)
    };
    let e = f.map_overlap(needy, 1, 1).unwrap_err().to_string();
    assert!(e.contains("map_overlap") && e.contains("no rows"), "{e}");
    let ok = f
        .map_overlap_with_schema(needy, (**f.schema()).clone(), 1, 1)
        .unwrap()
        .compute()
        .unwrap();
    assert!(ok.equals(&df));
}

/// Running aggregations over the whole frame (pandas' `cumsum`, `cummin`, `cummax`)
/// against eager polars: nulls, a column null in whole partitions, empty partitions.
#[test]
fn running_aggregations_match_eager_polars() {
    let n = 60usize;
    let df = df!(
        "v" => (0..n).map(|i| (i % 7 != 3).then_some((i as i64 * 37) % 101 - 50)).collect::<Vec<_>>(),
        "w" => (0..n).map(|i| (i >= 20).then_some(((i * 13) % 17) as f64 - 8.5)).collect::<Vec<_>>(),
        "s" => (0..n).map(|i| format!("r{i}")).collect::<Vec<_>>(),
    )
    .unwrap();
    let shapes: Vec<Vec<usize>> = vec![
        vec![60],
        vec![15, 15, 15, 15],
        vec![0, 1, 0, 25, 0, 30, 4, 0],
        vec![1; 60],
    ];
    type Op = fn(&DFrame, &[&str]) -> chunkwise::Result<DFrame>;
    type Eager = fn(Expr) -> Expr;
    let ops: [(Op, Eager); 4] = [
        (DFrame::cum_sum, |e| e.cum_sum(false)),
        (DFrame::cum_min, |e| e.cum_min(false)),
        (DFrame::cum_max, |e| e.cum_max(false)),
        (DFrame::cum_count, |e| e.cum_count(false)),
    ];
    for (i, (op, eager)) in ops.iter().enumerate() {
        let want = df
            .clone()
            .lazy()
            .with_columns([eager(col("v")), eager(col("w"))])
            .collect()
            .unwrap();
        for sizes in &shapes {
            let got = op(&cut(&df, sizes), &["v", "w"])
                .unwrap()
                .compute()
                .unwrap();
            assert!(
                got.equals_missing(&want),
                "op {i}, partitions {sizes:?}:\n{got}\nwant\n{want}"
            );
        }
    }
    let e = cut(&df, &[30, 30])
        .cum_sum(&["nope"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("nope"), "{e}");
    let e = cut(&df, &[30, 30]).cum_sum(&["s"]).unwrap_err().to_string();
    assert!(e.contains("cum_sum"), "{e}");
}

/// NaN in floats (polars' running minima and maxima skip it), 32-bit integers and
/// booleans, and partitions that start with NaN or hold only NaN.
#[test]
fn running_aggregations_of_nan_ints_and_booleans_match_eager_polars() {
    let nan = f64::NAN;
    let df = df!(
        "f" => [nan, nan, nan, 1.0, nan, -2.0, nan, 5.0, nan, nan, 3.0, nan],
        "i" => [3i32, -7, 2, 9, 0, -1, 4, 4, -9, 8, 1, 2],
        "u" => [1u32, 200, 3, 250, 0, 7, 9, 1, 2, 3, 4, 5],
        "b" => [true, false, true, true, false, false, true, true, false, true, false, true],
    )
    .unwrap();
    let cols = ["f", "i", "u", "b"];
    for sizes in [vec![3, 3, 3, 3], vec![1, 2, 0, 1, 8], vec![12]] {
        let f = cut(&df, &sizes);
        for (name, got, want) in [
            (
                "cum_sum",
                f.cum_sum(&cols),
                cols.iter()
                    .map(|c| col(*c).cum_sum(false))
                    .collect::<Vec<_>>(),
            ),
            (
                "cum_min",
                f.cum_min(&["f", "i", "u"]),
                ["f", "i", "u"]
                    .iter()
                    .map(|c| col(*c).cum_min(false))
                    .collect(),
            ),
            (
                "cum_max",
                f.cum_max(&["f", "i", "u"]),
                ["f", "i", "u"]
                    .iter()
                    .map(|c| col(*c).cum_max(false))
                    .collect(),
            ),
        ] {
            let got = got.unwrap().compute().unwrap();
            let want = df.clone().lazy().with_columns(want).collect().unwrap();
            assert_eq!(got.schema(), want.schema(), "{name} {sizes:?}");
            // NaN equals NaN here: compare as text.
            assert_eq!(format!("{got:?}"), format!("{want:?}"), "{name} {sizes:?}");
        }
    }
}

/// A running sum of a column that is not a key keeps the frame's partitioning: a
/// group-by on the key after it moves nothing; one of the key forgets it.
#[test]
fn running_aggregations_keep_the_partitioning_of_other_columns() {
    let df = df!("k" => [1i64, 2, 3, 1, 2, 3, 1, 2], "v" => [1i64, 2, 3, 4, 5, 6, 7, 8]).unwrap();
    let shuffled = cut(&df, &[4, 4]).shuffle(&["k"], Some(2)).unwrap();
    let kept = shuffled.cum_sum(&["v"]).unwrap().groupby(&["k"]).unwrap();
    assert!(
        kept.explain().contains("already partitioned"),
        "{}",
        kept.explain()
    );
    let forgot = shuffled.cum_sum(&["k"]).unwrap().groupby(&["k"]).unwrap();
    assert!(
        !forgot.explain().contains("already partitioned"),
        "{}",
        forgot.explain()
    );
}
