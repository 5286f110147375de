//! Shuffles, joins, sorts and whole-partition operations on frames, against plain loops
//! and eager polars on small data with odd shapes: empty and header-only partitions,
//! null keys, one key holding most rows, one partition.

use std::collections::BTreeMap;
use std::path::Path;

use chunkwise::dataframe::{DFrame, How, Merge, concat_frames};
use polars::prelude::*;

/// A row as column name → value as text (`None`: null), for order-free comparison.
pub(crate) type Row = BTreeMap<String, Option<String>>;

pub(crate) fn rows(df: &DataFrame) -> Vec<Row> {
    let text: Vec<(String, Series)> = df
        .columns()
        .iter()
        .map(|c| {
            let s = c.as_materialized_series().cast(&DataType::String).unwrap();
            (c.name().to_string(), s)
        })
        .collect();
    let mut out: Vec<Row> = (0..df.height())
        .map(|i| {
            text.iter()
                .map(|(n, s)| (n.clone(), s.str().unwrap().get(i).map(|v| v.to_string())))
                .collect()
        })
        .collect();
    out.sort();
    out
}

/// Column `c` as numbers.
fn floats(d: &DataFrame, c: &str) -> Float64Chunked {
    let s = d
        .column(c)
        .unwrap()
        .as_materialized_series()
        .cast(&DataType::Float64);
    s.unwrap().f64().unwrap().clone()
}

/// The sum of column `c` (nulls skipped).
fn total(d: &DataFrame, c: &str) -> f64 {
    floats(d, c).sum().unwrap_or(0.0)
}

fn lcg(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed;
    move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        x >> 33
    }
}

/// Rows `k,n,<value column>`: text keys with nulls and one hot key, a small integer key.
fn write_side(dir: &Path, prefix: &str, value: &str, rows: usize, seed: u64) -> Vec<String> {
    let mut next = lcg(seed);
    let header = format!("k,n,a,{value}\n");
    let mut files = Vec::new();
    let mut body = Vec::new();
    for i in 0..rows {
        let r = next();
        let k = match r % 12 {
            0 => String::new(),
            1..=6 => "hot".to_string(),
            m => format!("k{}", m + (r >> 10) % 7),
        };
        body.push(format!("{k},{},{},{}\n", (r >> 4) % 3, i, (r >> 6) % 1000));
    }
    let cut = body.len() / 3;
    for (j, part) in [&body[..cut], &body[cut..cut], &body[cut..]]
        .iter()
        .enumerate()
    {
        let name = format!("{prefix}{j}.csv");
        let text: String = std::iter::once(header.clone())
            .chain(part.iter().cloned())
            .collect();
        std::fs::write(dir.join(&name), text).unwrap();
        files.push(name);
    }
    files
}

const HOWS: [How; 6] = [
    How::Inner,
    How::Left,
    How::Right,
    How::Outer,
    How::Semi,
    How::Anti,
];

/// Two sides written to a new directory (`left`: `x`, `right`: `y`), opened lazily and
/// read eagerly.
fn two_sides(
    left_rows: usize,
    right_rows: usize,
    seed: u64,
) -> (tempfile::TempDir, DFrame, DFrame, DataFrame, DataFrame) {
    let dir = tempfile::tempdir().unwrap();
    write_side(dir.path(), "left", "x", left_rows, seed);
    write_side(dir.path(), "right", "y", right_rows, seed + 2);
    let (left, right) = (open(dir.path(), "left"), open(dir.path(), "right"));
    let (l, r) = (left.compute().unwrap(), right.compute().unwrap());
    (dir, left, right, l, r)
}

fn open(dir: &Path, prefix: &str) -> DFrame {
    DFrame::read_csv(dir.join(format!("{prefix}*.csv")).to_str().unwrap())
        .block_size(700)
        .parse_block(300)
        .dtype("k", DataType::String)
        .open()
        .unwrap()
}

/// The join as a plain loop over rows (nulls match nulls, as pandas).
pub(crate) fn loop_join(
    l: &DataFrame,
    r: &DataFrame,
    lk: &[&str],
    rk: &[&str],
    how: How,
) -> Vec<Row> {
    let (lrows, rrows) = (rows(l), rows(r));
    let same = lk == rk;
    let key = |row: &Row, ks: &[&str]| -> Vec<Option<String>> {
        ks.iter().map(|k| row[*k].clone()).collect()
    };
    let lcols: Vec<String> = l.get_column_names().iter().map(|c| c.to_string()).collect();
    let rcols: Vec<String> = r.get_column_names().iter().map(|c| c.to_string()).collect();
    let name = |c: &String, left: bool| -> Option<String> {
        if same && lk.contains(&c.as_str()) {
            return if left { Some(c.clone()) } else { None };
        }
        let clash = if left {
            rcols.contains(c)
        } else {
            lcols.contains(c)
        };
        Some(match (clash, left) {
            (false, _) => c.clone(),
            (true, true) => format!("{c}_x"),
            (true, false) => format!("{c}_y"),
        })
    };
    let out_row = |lr: Option<&Row>, rr: Option<&Row>| -> Row {
        let mut row = Row::new();
        for c in &lcols {
            if let Some(n) = name(c, true) {
                row.insert(n, lr.and_then(|x| x[c].clone()));
            }
        }
        for c in &rcols {
            if let Some(n) = name(c, false) {
                row.insert(n, rr.and_then(|x| x[c].clone()));
            }
        }
        if same {
            // Coalesced keys: the right's where the left has no row.
            if let (None, Some(rr)) = (lr, rr) {
                for k in lk {
                    row.insert(k.to_string(), rr[*k].clone());
                }
            }
        }
        row
    };
    let mut out = Vec::new();
    let mut right_hit = vec![false; rrows.len()];
    for lr in &lrows {
        let mut hit = false;
        for (j, rr) in rrows.iter().enumerate() {
            if key(lr, lk) == key(rr, rk) {
                hit = true;
                right_hit[j] = true;
                if matches!(how, How::Inner | How::Left | How::Right | How::Outer) {
                    out.push(out_row(Some(lr), Some(rr)));
                }
            }
        }
        match how {
            How::Left | How::Outer if !hit => out.push(out_row(Some(lr), None)),
            How::Semi if hit => out.push(lr.clone()),
            How::Anti if !hit => out.push(lr.clone()),
            _ => {}
        }
    }
    if matches!(how, How::Right | How::Outer) {
        for (j, rr) in rrows.iter().enumerate() {
            if !right_hit[j] {
                out.push(out_row(None, Some(rr)));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn merges_match_a_plain_loop_for_every_how_and_shape() {
    let (_dir, left, right, l, r) = two_sides(240, 90, 7);
    assert!(left.npartitions() > 3, "{}", left.npartitions());
    // A right side whose key column has another name.
    let right2 = right
        .select([col("k").alias("k2"), col("n"), col("a"), col("y")])
        .unwrap();
    let r2 = right2.compute().unwrap();
    for how in HOWS {
        for (lk, rk) in [
            (vec!["k"], vec!["k"]),
            (vec!["k", "n"], vec!["k", "n"]),
            (vec!["k"], vec!["k2"]),
        ] {
            let (rf, rd) = if rk[0] == "k2" {
                (&right2, &r2)
            } else {
                (&right, &r)
            };
            let want = loop_join(&l, rd, &lk, &rk, how);
            let shapes: Vec<Merge> = vec![
                Merge::left_right(&lk, &rk).how(how).broadcast(false),
                Merge::left_right(&lk, &rk)
                    .how(how)
                    .broadcast(false)
                    .npartitions(1),
                Merge::left_right(&lk, &rk)
                    .how(how)
                    .broadcast(false)
                    .npartitions(7),
                Merge::left_right(&lk, &rk).how(how),
            ];
            for m in shapes {
                let desc = format!("{m:?}");
                let got = left.merge(rf, m).unwrap().compute().unwrap();
                assert_eq!(rows(&got), want, "{desc}");
            }
        }
    }
    // Already partitioned on the key: no new shuffle, same answer.
    let ls = left.shuffle(&["k"], Some(5)).unwrap();
    let rs = right.shuffle(&["k"], Some(5)).unwrap();
    let got = ls.merge(&rs, Merge::on(&["k"]).broadcast(false)).unwrap();
    let g = chunkwise::Graph::of(got.collect()).unwrap();
    let splits = g
        .keys()
        .filter(|k| k.to_string().starts_with("(shuffle-split-"))
        .count();
    // One split per input partition of each side, none for the join itself.
    assert_eq!(splits, left.npartitions() + right.npartitions());
    assert_eq!(
        rows(&got.compute().unwrap()),
        loop_join(&l, &r, &["k"], &["k"], How::Inner)
    );
}

#[test]
fn merge_errors_name_the_keys_and_both_sides() {
    let dir = tempfile::tempdir().unwrap();
    write_side(dir.path(), "left", "x", 20, 1);
    write_side(dir.path(), "right", "y", 20, 2);
    let (left, right) = (open(dir.path(), "left"), open(dir.path(), "right"));
    let e = left
        .merge(&right, Merge::on(&["nope"]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("nope") && e.contains("left0.csv"), "{e}");
    let e = left
        .merge(&right, Merge::left_right(&["k"], &["n"]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("\"k\"") && e.contains("\"n\"") && e.contains("left") && e.contains("right"),
        "{e}"
    );
    let e = left
        .merge(&right, Merge::on(&["k"]).how(How::Outer).broadcast(true))
        .unwrap_err()
        .to_string();
    assert!(e.contains("outer"), "{e}");
    assert!(
        left.merge(&right, Merge::left_right(&["k", "n"], &["k"]))
            .is_err()
    );
    // A frame computed by tasks names the files it comes from.
    let j = left.merge(&right, Merge::on(&["k"])).unwrap();
    let e = j.groupby(&["nope"]).unwrap_err().to_string();
    assert!(e.contains("left0.csv") && e.contains("right0.csv"), "{e}");
}

/// Sort keys in order, and the same rows as the input.
fn check_sorted(frame: &DFrame, by: &[&str], opts: SortMultipleOptions) {
    let got = frame
        .sort_values(by, opts.clone())
        .unwrap()
        .compute()
        .unwrap();
    let all = frame.compute().unwrap();
    let want = all.sort(by.to_vec(), opts.clone()).unwrap();
    assert_eq!(rows(&got), rows(&want));
    let keys = |d: &DataFrame| d.select(by.iter().copied()).unwrap();
    assert!(
        keys(&got).equals_missing(&keys(&want)),
        "{by:?} {opts:?}\n{}\n{}",
        keys(&got),
        keys(&want)
    );
}

#[test]
fn sort_values_orders_across_partitions() {
    let dir = tempfile::tempdir().unwrap();
    write_side(dir.path(), "s", "x", 400, 3);
    let f = open(dir.path(), "s");
    let with_nan = f
        .with_columns([when(col("n").eq(lit(1)))
            .then(lit(f64::NAN))
            .otherwise(col("x").cast(DataType::Float64))
            .alias("f")])
        .unwrap();
    for desc in [false, true] {
        for nulls_last in [false, true] {
            let o = SortMultipleOptions::default()
                .with_order_descending(desc)
                .with_nulls_last(nulls_last)
                .with_maintain_order(true);
            check_sorted(&f, &["k"], o.clone());
            check_sorted(&f, &["k", "a"], o.clone());
            check_sorted(&f, &["x"], o.clone());
            check_sorted(&with_nan, &["f"], o.clone());
            check_sorted(&f.repartition(1).unwrap(), &["x"], o);
        }
    }
    let mixed = SortMultipleOptions::default().with_order_descending_multi([false, true]);
    check_sorted(&f, &["n", "x"], mixed);
    let e = f
        .sort_values(&["zz"], SortMultipleOptions::default())
        .unwrap_err();
    assert!(e.to_string().contains("zz"), "{e}");
}

/// A sort by several columns ranges the partitions on all of them: a first column of
/// one value (with nulls and NaN in the second) still spreads the rows over the
/// partitions, and the order is eager polars' with every flag.
#[test]
fn sort_by_several_columns_ranges_on_all_of_them() {
    let n = 4000i64;
    let df = df!(
        "a" => vec![7i64; n as usize],
        "b" => (0..n).map(|i| match i % 50 {
            0 => None,
            1 => Some(f64::NAN),
            _ => Some(((i * 7919) % 1009) as f64),
        }).collect::<Vec<_>>(),
        "c" => (0..n).map(|i| format!("s{}", i % 13)).collect::<Vec<_>>(),
    )
    .unwrap();
    let f = DFrame::from_polars(df.clone(), 8).unwrap();
    for (desc, nulls_last) in [
        (vec![false], vec![false]),
        (vec![true], vec![true]),
        (vec![false, true, false], vec![true, false, true]),
    ] {
        let o = SortMultipleOptions::default()
            .with_order_descending_multi(desc.clone())
            .with_nulls_last_multi(nulls_last.clone())
            .with_maintain_order(true);
        let sorted = f.sort_values(&["a", "b", "c"], o.clone()).unwrap();
        let parts: Vec<usize> = sorted
            .map_partitions(|d| df!("rows" => [d.height() as i64]))
            .unwrap()
            .compute()
            .unwrap()
            .column("rows")
            .unwrap()
            .i64()
            .unwrap()
            .into_no_null_iter()
            .map(|r| r as usize)
            .collect();
        assert_eq!(parts.len(), 8);
        assert!(
            parts.iter().all(|&r| r < n as usize / 3),
            "one partition holds most rows: {parts:?}"
        );
        check_sorted(&f, &["a", "b", "c"], o);
    }
}

#[test]
fn drop_duplicates_shuffle_repartition_concat_and_map_partitions() {
    let dir = tempfile::tempdir().unwrap();
    write_side(dir.path(), "d", "x", 300, 5);
    let f = open(dir.path(), "d");
    let all = f.compute().unwrap();
    for (subset, keep) in [
        (Some(vec!["k"]), UniqueKeepStrategy::First),
        (Some(vec!["k", "n"]), UniqueKeepStrategy::Last),
        (Some(vec!["n"]), UniqueKeepStrategy::None),
        (None, UniqueKeepStrategy::First),
    ] {
        let names: Option<Vec<String>> = subset
            .as_ref()
            .map(|s| s.iter().map(|c| c.to_string()).collect());
        let got = f
            .drop_duplicates(subset.as_deref(), keep)
            .unwrap()
            .compute()
            .unwrap();
        let want = all.unique_stable(names.as_deref(), keep, None).unwrap();
        assert_eq!(rows(&got), rows(&want), "{subset:?} {keep:?}");
    }
    // Every key in one partition after a shuffle.
    let moved = f.shuffle(&["k"], Some(4)).unwrap();
    let per_part = moved
        .map_partitions(|d| {
            d.select(["k"])?
                .unique_stable(None, UniqueKeepStrategy::Any, None)
        })
        .unwrap()
        .compute()
        .unwrap();
    let distinct = all
        .select(["k"])
        .unwrap()
        .unique_stable(None, UniqueKeepStrategy::Any, None)
        .unwrap();
    assert_eq!(per_part.height(), distinct.height());
    assert_eq!(rows(&moved.compute().unwrap()), rows(&all));
    // Repartition keeps order exactly, to fewer and to more partitions.
    for n in [1, 2, f.npartitions(), f.npartitions() * 3 + 1] {
        let r = f.repartition(n).unwrap();
        assert_eq!(r.npartitions(), n);
        assert!(r.compute().unwrap().equals_missing(&all), "{n}");
    }
    assert!(f.repartition(0).is_err());
    let size = chunkwise::dataframe::frame_bytes(&all) as u64;
    let by_size = f.repartition_size(size / 3).unwrap();
    assert!(
        (3..=8).contains(&by_size.npartitions()),
        "{}",
        by_size.npartitions()
    );
    assert!(by_size.compute().unwrap().equals_missing(&all));
    assert!(f.repartition_size(0).is_err());
    // Concat: partitions one after another, and a schema mismatch named.
    let both = concat_frames(&[f.clone(), f.filter(col("n").eq(lit(0))).unwrap()]).unwrap();
    assert_eq!(both.npartitions(), 2 * f.npartitions());
    let mut want = all.clone();
    want.vstack_mut(
        &all.filter(
            &all.column("n")
                .unwrap()
                .as_materialized_series()
                .equal(0)
                .unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert!(both.compute().unwrap().equals_missing(&want));
    // Frames of other columns: every column, nulls where a frame lacks one (Dask's
    // join="outer"), or the columns all have (join="inner").
    let k_only = f.select([col("k")]).unwrap();
    let outer = concat_frames(&[k_only.clone(), f.clone()]).unwrap();
    let got = outer.compute().unwrap();
    let names: Vec<&str> = got.get_column_names().iter().map(|n| n.as_str()).collect();
    let mut want_names = vec!["k"];
    want_names.extend(
        all.get_column_names()
            .iter()
            .map(|n| n.as_str())
            .filter(|n| *n != "k"),
    );
    assert_eq!(names, want_names);
    assert_eq!(got.height(), 2 * all.height());
    for c in got.columns().iter().filter(|c| c.name() != "k") {
        let nulls_in = |df: &DataFrame| df.column(c.name()).map_or(0, |c| c.null_count());
        assert_eq!(
            c.null_count(),
            all.height() + nulls_in(&all),
            "{}",
            c.name()
        );
    }
    let inner = chunkwise::dataframe::concat_frames_join(
        &[k_only, f.clone()],
        chunkwise::dataframe::ConcatJoin::Inner,
    )
    .unwrap();
    let k = all.select(["k"]).unwrap();
    assert!(
        inner
            .compute()
            .unwrap()
            .equals_missing(&k.vstack(&k).unwrap())
    );
    // A column of two types with no common one: an error naming it and both types.
    let b = DFrame::from_polars(df!("when" => [true, false]).unwrap(), 1).unwrap();
    let d = DFrame::from_polars(
        df!("when" => [1i32, 2])
            .unwrap()
            .lazy()
            .select([col("when").cast(DataType::Date)])
            .collect()
            .unwrap(),
        1,
    )
    .unwrap();
    let e = concat_frames(&[b, d]).unwrap_err().to_string();
    assert!(
        e.contains("when") && e.contains("bool") && e.contains("date"),
        "{e}"
    );
    // A function that fails on the empty frame is refused before anything runs.
    let e = f
        .map_partitions(|d| d.select(["nope"]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("map_partitions") && e.contains("nope"), "{e}");
    // With the schema given (Dask's `meta=`), the function never sees an empty frame:
    // here the last row of each partition, refused on no rows.
    let last = |d: DataFrame| {
        polars_ensure!(d.height() > 0, ComputeError: "an empty partition");
        Ok(d.tail(Some(1)))
    };
    assert!(f.map_partitions(last).is_err());
    let schema = (**f.schema()).clone();
    let g = DFrame::from_polars(all.clone(), 4).unwrap();
    let lasts = g
        .map_partitions_with_schema(last, schema.clone())
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(lasts.height(), 4);
    let by_hand = g.map_partitions(|d| Ok(d.tail(Some(1)))).unwrap();
    assert!(by_hand.compute().unwrap().equals_missing(&lasts));
    // On a frame with an empty partition the function's own error comes back, with
    // the task.
    let e = f
        .map_partitions_with_schema(last, schema.clone())
        .unwrap()
        .compute()
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("an empty partition") && e.contains("map_partitions"),
        "{e}"
    );
    // A partition that does not match the schema given is an error naming both.
    let mut wrong = Schema::default();
    wrong.insert("k".into(), DataType::Float32);
    let e = f
        .map_partitions_with_schema(|d| d.select(["k"]), wrong)
        .unwrap()
        .compute()
        .unwrap_err()
        .to_string();
    assert!(e.contains("Float32") && e.contains("schema given"), "{e}");
}

#[test]
fn joined_and_shuffled_frames_read_only_what_their_consumers_read() {
    let dir = tempfile::tempdir().unwrap();
    write_side(dir.path(), "left", "x", 200, 9);
    write_side(dir.path(), "right", "y", 80, 4);
    // A right column that cannot be read as the type it is given: reading it fails.
    for (f, value) in [
        ("right0.csv", "1"),
        ("right1.csv", "1"),
        ("right2.csv", "oops"),
    ] {
        let t = std::fs::read_to_string(dir.path().join(f)).unwrap();
        let (head, body) = t.split_once('\n').unwrap();
        let body: String = body.lines().map(|l| format!("{l},{value}\n")).collect();
        std::fs::write(dir.path().join(f), format!("{head},bad\n{body}")).unwrap();
    }
    let left = open(dir.path(), "left");
    let right = DFrame::read_csv(dir.path().join("right*.csv").to_str().unwrap())
        .block_size(700)
        .dtype("k", DataType::String)
        .dtype("bad", DataType::Int64)
        .open()
        .unwrap();
    let all_right = right
        .select([col("k"), col("n"), col("a"), col("y")])
        .unwrap();
    for m in [
        Merge::on(&["k"]).broadcast(false),
        Merge::on(&["k"]),
        Merge::on(&["k", "n"]).how(How::Outer),
    ] {
        let j = left.merge(&right, m.clone()).unwrap();
        // Everything, `bad` included, fails naming the file; the columns below do not
        // read it.
        let e = j.compute().unwrap_err().to_string();
        assert!(e.contains("right2.csv"), "{e}");
        let sum_y = j.column("y").unwrap().sum();
        let sum_a = j.column("a_y").unwrap().sum();
        let by_k = j.groupby(&["k"]).unwrap().agg([col("x").sum()]).unwrap();
        let (n, sy, sa, g) = chunkwise::compute((&j.len(), &sum_y, &sum_a, &by_k)).unwrap();
        let want = left.merge(&all_right, m).unwrap().compute().unwrap();
        assert_eq!(n as usize, want.height());
        assert_eq!(sy, total(&want, "y"));
        assert_eq!(sa, total(&want, "a_y"));
        let want_g = want
            .lazy()
            .group_by([col("k")])
            .agg([col("x").sum()])
            .collect()
            .unwrap();
        assert_eq!(rows(&g), rows(&want_g));
    }
    // Through a shuffle and a sort as well.
    let s = right
        .shuffle(&["n"], Some(3))
        .unwrap()
        .sort_values(&["y"], SortMultipleOptions::default())
        .unwrap();
    let ys = s.column("y").unwrap().sum().compute().unwrap();
    assert_eq!(ys, all_right.column("y").unwrap().sum().compute().unwrap());
}

#[test]
fn nlargest_nsmallest_and_tail_match_eager() {
    let dir = tempfile::tempdir().unwrap();
    write_side(dir.path(), "t", "x", 300, 13);
    let f = open(dir.path(), "t");
    let all = f.compute().unwrap();
    for n in [0, 1, 7, 1000] {
        assert!(
            f.tail(n).unwrap().equals_missing(&all.tail(Some(n))),
            "tail {n}"
        );
        for (cols, largest) in [
            (vec!["x"], true),
            (vec!["x"], false),
            (vec!["n", "a"], true),
        ] {
            let o = SortMultipleOptions::default()
                .with_order_descending(largest)
                .with_nulls_last(true)
                .with_maintain_order(true);
            let want = all.sort(cols.clone(), o).unwrap().head(Some(n));
            let got = if largest {
                f.nlargest(n, &cols)
            } else {
                f.nsmallest(n, &cols)
            };
            let got = got.unwrap().compute().unwrap();
            assert!(
                got.equals_missing(&want),
                "{cols:?} {largest} {n}\n{got}\n{want}"
            );
        }
    }
    assert!(f.nlargest(3, &["nope"]).is_err());
}

#[test]
fn groupby_through_the_shuffle_matches_eager_polars() {
    let dir = tempfile::tempdir().unwrap();
    write_side(dir.path(), "g", "x", 400, 21);
    let f = open(dir.path(), "g");
    let all = f.compute().unwrap();
    let aggs = [
        col("x").sum().alias("sum"),
        col("x").median().alias("median"),
        col("a").n_unique().alias("distinct"),
        (col("x").max() - col("a").min()).alias("range"),
        len().alias("rows"),
    ];
    for keys in [vec!["k"], vec!["k", "n"]] {
        let by: Vec<Expr> = keys.iter().map(|k| col(*k)).collect();
        let want = all
            .clone()
            .lazy()
            .group_by(by)
            .agg(aggs.clone())
            .collect()
            .unwrap();
        for n in [1, 3, 8] {
            let g = f.groupby(&keys).unwrap().split_out(n);
            let frame = g.agg_frame(aggs.clone()).unwrap();
            assert_eq!(frame.npartitions(), n);
            assert_eq!(rows(&frame.compute().unwrap()), rows(&want), "{keys:?} {n}");
        }
        // A frame already partitioned on the keys: grouped where it is, sorted by keys.
        let moved = f.shuffle(&keys, Some(4)).unwrap();
        let got = moved.groupby(&keys).unwrap().agg(aggs.clone()).unwrap();
        let g = chunkwise::Graph::of(&got).unwrap();
        assert!(
            !g.keys().any(|k| k.to_string().starts_with("(bucket-")),
            "no tree"
        );
        let got = got.compute().unwrap();
        assert_eq!(rows(&got), rows(&want));
        let sorted = got
            .sort(
                keys.clone(),
                SortMultipleOptions::default().with_nulls_last(true),
            )
            .unwrap();
        assert!(
            got.select(keys.clone())
                .unwrap()
                .equals_missing(&sorted.select(keys.clone()).unwrap())
        );
    }
}

#[test]
fn parquet_filters_go_into_the_reader_and_explain_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let schema = Schema::from_iter([
        Field::new("i".into(), DataType::Int64),
        Field::new("g".into(), DataType::String),
    ]);
    let rows = chunkwise::bag::Bag::from_iter(0..3000i64, 3);
    let f = rows
        .to_dataframe(schema, |i| {
            let g = if i % 3 == 0 { "a" } else { "b" };
            vec![AnyValue::Int64(*i), AnyValue::StringOwned(g.into())]
        })
        .unwrap();
    let out = dir.path().join("pq");
    f.to_parquet(&out).unwrap().compute().unwrap();
    let p = DFrame::read_parquet(out.join("*.parquet").to_str().unwrap()).unwrap();
    let all = p.compute().unwrap();
    let q = p
        .filter(col("i").lt(lit(1500)))
        .unwrap()
        .filter(col("g").eq(lit("a")))
        .unwrap();
    let plan = q.explain();
    assert!(plan.contains("predicate pushed into the reader"), "{plan}");
    assert_eq!(plan.lines().count(), 1, "{plan}");
    let want = all
        .clone()
        .lazy()
        .filter(col("i").lt(lit(1500)).and(col("g").eq(lit("a"))))
        .collect()
        .unwrap();
    assert!(q.compute().unwrap().equals_missing(&want));
    let n = q.column("i").unwrap().count().compute().unwrap();
    assert_eq!(n as usize, want.height());
    // After another operation a filter runs on the batches, with the same answer.
    let later = p
        .with_columns([(col("i") * lit(2)).alias("j")])
        .unwrap()
        .filter(col("i").lt(lit(1500)))
        .unwrap();
    let plan = later.explain();
    assert!(
        plan.starts_with("Filter") && !plan.contains("pushed"),
        "{plan}"
    );
    assert_eq!(later.compute().unwrap().height(), 1500);
    // Bad predicates are refused before anything runs.
    assert!(p.filter(col("nope").lt(lit(1))).is_err());
    // A join's plan says what it chose.
    let j = p
        .merge(&p, chunkwise::dataframe::Merge::on(&["i"]).broadcast(false))
        .unwrap();
    let plan = j.explain();
    assert!(
        plan.starts_with("Join Inner") && plan.contains("both sides shuffled"),
        "{plan}"
    );
    assert!(plan.contains("  Shuffle on [\"i\"]"), "{plan}");
}

#[test]
fn frames_built_twice_pruned_joins_and_partitioning_stay_right() {
    let (dir, left, right, l, r) = two_sides(150, 60, 17);
    // The same files opened twice and computed together: two scans, right answers.
    let again = open(dir.path(), "left");
    let (a, b) = chunkwise::compute((
        &left.column("x").unwrap().sum(),
        &again.column("a").unwrap().max(),
    ))
    .unwrap();
    assert_eq!(a, total(&l, "x"));
    assert_eq!(b, floats(&l, "a").max());
    // A semi join reads the left's columns by their own names, clashing or not.
    let semi = left
        .merge(&right, Merge::on(&["k"]).how(How::Semi).broadcast(false))
        .unwrap();
    let want = loop_join(&l, &r, &["k"], &["k"], How::Semi);
    let got_a = semi.column("a").unwrap().sum().compute().unwrap();
    let want_a: f64 = want
        .iter()
        .map(|row| row["a"].as_ref().unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(got_a, want_a);
    // A left join with empty buckets on one side, then a second join and a sum: the
    // partitions' batches carry different columns and still stack.
    for n in [5, 11] {
        let lj = left
            .merge(
                &right,
                Merge::on(&["k"])
                    .how(How::Left)
                    .broadcast(false)
                    .npartitions(n),
            )
            .unwrap();
        let twice = lj
            .merge(
                &right.select([col("n"), col("y").alias("z")]).unwrap(),
                Merge::left_right(&["n_x"], &["n"]).broadcast(false),
            )
            .unwrap();
        let got = twice.column("z").unwrap().sum().compute().unwrap();
        let all = twice.compute().unwrap();
        assert_eq!(got, total(&all, "z"), "{n}");
        assert!(all.height() > 0);
    }
    // A group-by of a sorted frame is not hash-partitioned: a later join shuffles it.
    let sorted = left
        .sort_values(&["k"], SortMultipleOptions::default())
        .unwrap();
    let g = sorted
        .groupby(&["k"])
        .unwrap()
        .agg_frame([col("x").sum()])
        .unwrap();
    let rs = right.shuffle(&["k"], Some(g.npartitions())).unwrap();
    let j = g.merge(&rs, Merge::on(&["k"]).broadcast(false)).unwrap();
    assert!(
        j.explain().contains("left side shuffled"),
        "{}",
        j.explain()
    );
    let gd = g.compute().unwrap();
    assert_eq!(
        rows(&j.compute().unwrap()),
        loop_join(&gd, &r, &["k"], &["k"], How::Inner)
    );
    // Suffixed names that are taken already are refused.
    let taken = right.with_columns([col("a").alias("a_x")]).unwrap();
    let e = left
        .merge(&taken, Merge::on(&["k"]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("a_x"), "{e}");
}

#[test]
fn describe_matches_eager_polars() {
    let dir = tempfile::tempdir().unwrap();
    write_side(dir.path(), "d", "x", 250, 23);
    let f = open(dir.path(), "d");
    let all = f.compute().unwrap();
    let d = f.describe().unwrap().compute().unwrap();
    let stats: Vec<String> = d
        .column("statistic")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap().to_string())
        .collect();
    assert_eq!(
        stats,
        ["count", "mean", "std", "min", "25%", "50%", "75%", "max"]
    );
    assert!(d.column("k").is_err(), "text columns are left out");
    for c in ["n", "a", "x"] {
        let v = floats(&all, c);
        let q = |p: f64| v.quantile(p, QuantileMethod::Linear).unwrap().unwrap();
        let want = [
            v.len() as f64 - v.null_count() as f64,
            v.mean().unwrap(),
            v.std(1).unwrap(),
            v.min().unwrap(),
            q(0.25),
            q(0.5),
            q(0.75),
            v.max().unwrap(),
        ];
        let got: Vec<f64> = d
            .column(c)
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g - w).abs() <= 1e-9 * w.abs().max(1.0),
                "{c}: {got:?} vs {want:?}"
            );
        }
    }
    let text = f.select([col("k")]).unwrap();
    assert!(text.describe().is_err());
}

/// Per partition of `f`: (smallest, largest) of column `c` and whether it is sorted,
/// in partition order (empty partitions left out).
fn partition_ranges(f: &DFrame, c: &'static str) -> Vec<(Option<i64>, Option<i64>, bool)> {
    let per = f
        .map_partitions(move |d| {
            let s = d
                .column(c)?
                .as_materialized_series()
                .cast(&DataType::Int64)?;
            let v: Vec<Option<i64>> = s.i64()?.iter().collect();
            let sorted = v.windows(2).all(|w| w[0] <= w[1] || w[1].is_none());
            let (lo, hi) = (s.i64()?.min(), s.i64()?.max());
            if d.height() == 0 {
                return DataFrame::new(
                    0,
                    vec![
                        Series::new_empty("lo".into(), &DataType::Int64).into(),
                        Series::new_empty("hi".into(), &DataType::Int64).into(),
                        Series::new_empty("sorted".into(), &DataType::Boolean).into(),
                    ],
                );
            }
            DataFrame::new(
                1,
                vec![
                    Series::new("lo".into(), [lo]).into(),
                    Series::new("hi".into(), [hi]).into(),
                    Series::new("sorted".into(), [sorted]).into(),
                ],
            )
        })
        .unwrap()
        .compute()
        .unwrap();
    let lo = per.column("lo").unwrap().i64().unwrap().clone();
    let hi = per.column("hi").unwrap().i64().unwrap().clone();
    let so = per.column("sorted").unwrap().bool().unwrap().clone();
    (0..per.height())
        .map(|i| (lo.get(i), hi.get(i), so.get(i).unwrap()))
        .collect()
}

fn ints(s: &Series) -> Vec<i64> {
    s.cast(&DataType::Int64)
        .unwrap()
        .i64()
        .unwrap()
        .into_no_null_iter()
        .collect()
}

#[test]
fn set_index_divisions_loc_and_joins_on_the_index() {
    let (_dir, left, right, l, r) = two_sides(240, 90, 7);
    assert!(left.divisions().is_none());
    let e = left
        .loc(None, Some(AnyValue::Int64(3)))
        .unwrap_err()
        .to_string();
    assert!(e.contains("set_index"), "{e}");

    // Computed divisions: the exact ends, ascending; every partition within its range
    // and sorted.
    let li = left.set_index("a").unwrap();
    let d = ints(&li.divisions().unwrap());
    assert_eq!(d.len(), li.npartitions() + 1);
    assert!(li.npartitions() > 1 && li.npartitions() <= left.npartitions());
    assert_eq!((d[0], *d.last().unwrap()), (0, 239));
    assert!(d.windows(2).all(|w| w[0] <= w[1]), "{d:?}");
    let ranges = partition_ranges(&li, "a");
    assert_eq!(
        ranges.iter().filter(|r| r.0.is_some()).count(),
        li.npartitions()
    );
    for (i, (lo, hi, sorted)) in ranges.iter().enumerate() {
        assert!(*sorted);
        assert!(
            lo.unwrap() >= d[i] && (hi.unwrap() < d[i + 1] || i + 2 == d.len()),
            "{i}: {ranges:?} {d:?}"
        );
    }
    assert_eq!(rows(&li.compute().unwrap()), rows(&l));
    assert!(li.explain().contains("Set index \"a\""), "{}", li.explain());
    // Set again: nothing moves.
    let again = li.set_index("a").unwrap();
    assert_eq!(again.explain(), li.explain());
    assert_eq!(
        chunkwise::Graph::of(again.collect()).unwrap().len(),
        chunkwise::Graph::of(li.collect()).unwrap().len()
    );

    // loc: the eager filter, reading only overlapping partitions.
    for (lo, hi) in [
        (Some(50), Some(120)),
        (None, Some(10)),
        (Some(200), None),
        (Some(1000), None),
        (Some(7), Some(7)),
        (Some(9), Some(3)),
    ] {
        let got = li
            .loc(lo.map(AnyValue::Int64), hi.map(AnyValue::Int64))
            .unwrap();
        let want = l
            .clone()
            .lazy()
            .filter(
                col("a")
                    .gt_eq(lit(lo.unwrap_or(i64::MIN)))
                    .and(col("a").lt_eq(lit(hi.unwrap_or(i64::MAX)))),
            )
            .collect()
            .unwrap();
        assert_eq!(
            rows(&got.compute().unwrap()),
            rows(&want),
            "{lo:?}..={hi:?}"
        );
        if lo == Some(50) {
            assert!(got.npartitions() < li.npartitions(), "{}", got.explain());
            // Partitions out of range are not sorted, gathered or read.
            let tasks = |f: &DFrame| chunkwise::Graph::of(f.collect()).unwrap().len();
            assert!(tasks(&got) < tasks(&li), "{} {}", tasks(&got), tasks(&li));
            assert_eq!(got.divisions().unwrap().len(), got.npartitions() + 1);
        }
    }
    let e = li
        .loc(Some(AnyValue::String("x")), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("\"a\""), "{e}");

    // Given divisions, and a text key with nulls (they go last).
    let given = left
        .set_index_with_divisions("a", &Series::new("d".into(), [0i32, 100, 150, 300]))
        .unwrap();
    assert_eq!(given.npartitions(), 3);
    assert_eq!(
        rows(
            &given
                .loc(Some(AnyValue::Int64(100)), Some(AnyValue::Int64(149)))
                .unwrap()
                .compute()
                .unwrap()
        )
        .len(),
        50
    );
    for bad in [
        Series::new("d".into(), [5i64, 1]),
        Series::new("d".into(), [1i64]),
    ] {
        assert!(left.set_index_with_divisions("a", &bad).is_err());
    }
    assert!(
        left.set_index("nope")
            .unwrap_err()
            .to_string()
            .contains("nope")
    );
    let ki = left.set_index("k").unwrap();
    assert_eq!(rows(&ki.compute().unwrap()), rows(&l));
    let kd = ki.divisions().unwrap();
    assert_eq!(kd.null_count(), 0);
    let hot = ki
        .loc(Some(AnyValue::String("hot")), Some(AnyValue::String("hot")))
        .unwrap();
    assert_eq!(
        hot.compute().unwrap().height(),
        l.column("k")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .filter(|k| *k == Some("hot"))
            .count()
    );

    // Joins on the index: the other side moved onto the known divisions, answers as
    // a plain loop; both sides indexed alike move nothing more.
    for how in HOWS {
        let want = loop_join(&l, &r, &["a"], &["a"], how);
        let got = li
            .merge(&right, Merge::on(&["a"]).how(how).broadcast(false))
            .unwrap();
        assert_eq!(rows(&got.compute().unwrap()), want, "{how:?}");
        assert!(
            got.explain().contains("Range partitions on \"a\""),
            "{}",
            got.explain()
        );
    }
    let ri = right
        .set_index_with_divisions("a", &li.divisions().unwrap())
        .unwrap();
    let joined = li.merge(&ri, Merge::on(&["a"]).broadcast(false)).unwrap();
    assert_eq!(joined.divisions().unwrap().len(), li.npartitions() + 1);
    let g = chunkwise::Graph::of(joined.collect()).unwrap();
    let splits = g
        .keys()
        .filter(|k| k.to_string().starts_with("(shuffle-split-"))
        .count();
    assert_eq!(
        splits,
        left.npartitions() + right.npartitions(),
        "only the two set_index moves"
    );
    assert_eq!(
        rows(&joined.compute().unwrap()),
        loop_join(&l, &r, &["a"], &["a"], How::Inner)
    );
    // A group-by on the index groups each partition once.
    let by = li
        .groupby(&["a"])
        .unwrap()
        .agg([col("x").sum()])
        .unwrap()
        .compute()
        .unwrap();
    let want = l
        .clone()
        .lazy()
        .group_by([col("a")])
        .agg([col("x").sum()])
        .sort(["a"], Default::default())
        .collect()
        .unwrap();
    assert_eq!(rows(&by), rows(&want));
}

#[test]
fn a_skewed_key_past_the_budget_is_named_before_its_pieces_are_read_back() {
    use chunkwise::bag::Bag;
    let frame = |hot: bool| {
        let rows = Bag::from_iter(
            (0..400_000i64).map(move |i| {
                let k = if hot && i % 10 != 0 { 7 } else { i % 1000 };
                (k, i as f64)
            }),
            4,
        );
        let schema = Schema::from_iter([
            Field::new("k".into(), DataType::Int64),
            Field::new("v".into(), DataType::Float64),
        ]);
        rows.to_dataframe(schema, |(k, v)| {
            vec![AnyValue::Int64(*k), AnyValue::Float64(*v)]
        })
        .unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let config = chunkwise::Config::new()
        .memory_limit(4 << 20)
        .spill_dir(dir.path());
    // Keys spread evenly: each output partition fits the budget.
    let even = frame(false).shuffle(&["k"], Some(4)).unwrap();
    assert_eq!(
        chunkwise::compute_with(&even.len(), &config).unwrap(),
        400_000
    );
    // Key 7 on 90% of the rows: its partition would need about 6 MB at once.
    let skewed = frame(true).shuffle(&["k"], Some(4)).unwrap();
    let e = chunkwise::compute_with(&skewed.len(), &config).unwrap_err();
    assert_eq!(e.kind(), chunkwise::ErrorKind::Resource, "{e}");
    let msg = e.to_string();
    assert!(msg.contains("k=7") && msg.contains("a skewed key"), "{msg}");
    assert!(msg.contains("(shuffle-"), "names the task: {msg}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "spill files removed"
    );
}

/// A sort of many CSV files under a budget far below the data, plain or gzip: pieces
/// waiting for every partition to be cut spill (the boundaries found by a pass before),
/// and the rows come out sorted as polars sorts them; so do they for a computed frame
/// (a shuffle's), whose partitions wait for their samples in the same run.
#[test]
fn a_sort_under_a_budget_spills_and_sorts_as_polars() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut text = Vec::new();
    for f in 0..6 {
        let mut csv = String::from("k,v\n");
        for i in 0..20_000u64 {
            let k = (i * 7919 + f * 104_729) % 50_021;
            csv.push_str(&format!("{k},{}.5\n", i + f * 20_000));
        }
        std::fs::write(dir.path().join(format!("p{f}.csv")), &csv).unwrap();
        let gz = std::fs::File::create(dir.path().join(format!("z{f}.csv.gz"))).unwrap();
        let mut enc = flate2::write::GzEncoder::new(gz, flate2::Compression::fast());
        enc.write_all(csv.as_bytes()).unwrap();
        enc.finish().unwrap();
        text.push(csv);
    }
    let all = CsvReadOptions::default()
        .into_reader_with_file_handle(std::io::Cursor::new(
            text.iter()
                .enumerate()
                .map(|(i, t)| if i == 0 { t.as_str() } else { &t[4..] })
                .collect::<String>(),
        ))
        .finish()
        .unwrap();
    let want = all.sort(["k", "v"], Default::default()).unwrap();
    let spill = tempfile::tempdir().unwrap();
    let config = chunkwise::Config::new()
        .scheduler(chunkwise::Scheduler::threads(2))
        .memory_limit(1 << 20)
        .spill_dir(spill.path());
    for (glob, computed) in [("p*.csv", false), ("z*.csv.gz", false), ("p*.csv", true)] {
        let path = dir.path().join(glob);
        let mut f = DFrame::read_csv(path.to_str().unwrap()).open().unwrap();
        if computed {
            f = f.shuffle(&["v"], Some(5)).unwrap();
        }
        let sorted = f.sort_values(&["k", "v"], Default::default()).unwrap();
        let plan = sorted.explain();
        assert_eq!(
            plan.contains("by a pass over them before"),
            !computed,
            "{plan}"
        );
        let got = chunkwise::compute_with(&sorted.collect(), &config).unwrap();
        assert_eq!(got, want, "{glob}");
        let s = chunkwise::last_stats().unwrap();
        assert!(s.bytes_spilled > 0, "{glob}: {s:?}");
    }
    assert_eq!(std::fs::read_dir(spill.path()).unwrap().count(), 0);
}

/// Writing over an earlier output replaces it whole: 3 parts where 12 were leaves no
/// stale part (issue 16's 1,230 rows, 1,200 stale); a directory holding files this
/// writer did not write is refused; a failed write leaves the old parts.
#[test]
fn writes_replace_their_output_whole() {
    let dir = tempfile::tempdir().unwrap();
    let schema = Schema::from_iter([Field::new("i".into(), DataType::Int64)]);
    let frame = |n: i64, parts: usize| {
        chunkwise::bag::Bag::from_iter(0..n, parts)
            .to_dataframe(schema.clone(), |i| vec![AnyValue::Int64(*i)])
            .unwrap()
    };
    let out = dir.path().join("pq");
    frame(1200, 12).to_parquet(&out).unwrap().compute().unwrap();
    let written = frame(30, 3).to_parquet(&out).unwrap().compute().unwrap();
    assert_eq!(written.len(), 3);
    assert!(written.iter().all(|p| p.starts_with(&out) && p.exists()));
    let back = DFrame::read_parquet(out.join("*.parquet").to_str().unwrap()).unwrap();
    assert_eq!(back.compute().unwrap().height(), 30);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no staging left"
    );
    // A failing partition: nothing moves, the 3 parts stay.
    let failing = chunkwise::bag::Bag::from_iter(0..100i64, 4)
        .to_dataframe(schema.clone(), |i| {
            assert!(*i != 77, "row 77 fails");
            vec![AnyValue::Int64(*i)]
        })
        .unwrap();
    assert!(failing.to_parquet(&out).unwrap().compute().is_err());
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 3);
    // Not our directory: refused before anything runs.
    std::fs::write(out.join("README"), "mine").unwrap();
    let e = frame(10, 2).to_parquet(&out).unwrap_err().to_string();
    assert!(e.contains("refusing") && e.contains("README"), "{e}");
}

/// A partition of 400,000 rows is grouped 2^18 rows at a time while its groups hardly
/// repeat (each grouping's partial kept apart, cut into buckets on its own), and in
/// larger steps once they do: both against eager polars, with a key that is unique
/// per row, one that starts unique and then repeats, and one of seven values.
#[test]
fn partitions_larger_than_a_grouping_match_eager_whether_groups_repeat_or_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let n = 400_000usize;
    let mut text = String::with_capacity(n * 24);
    text.push_str("u,m,s,v\n");
    for i in 0..n {
        // m: unique for the first 200,000 rows, then one of 1000 values.
        let m = if i < 200_000 { i } else { i % 1000 };
        text.push_str(&format!("{i},{m},{},{}\n", i % 7, (i % 97) as f64 * 0.5));
    }
    std::fs::write(&path, text).unwrap();
    let reference = CsvReadOptions::default()
        .try_into_reader_with_file_path(Some(path.clone()))
        .unwrap()
        .finish()
        .unwrap();
    let f = DFrame::read_csv(path.to_str().unwrap()).open().unwrap();
    assert_eq!(f.npartitions(), 1);
    // Aggregations that merge, and those over list partials (median, quantile,
    // n_unique), alone and together.
    let merging = [col("v").sum(), col("v").count().alias("c")];
    let listed = [
        col("v").median().alias("med"),
        col("v").n_unique().alias("nu"),
        col("v")
            .quantile(lit(0.25), QuantileMethod::Nearest)
            .alias("q25"),
    ];
    let both: Vec<Expr> = merging.iter().chain(&listed).cloned().collect();
    for (key, exprs) in [
        ("u", &merging[..]),
        ("m", &merging[..]),
        ("s", &merging[..]),
        ("u", &both[..]),
        ("m", &listed[..]),
        ("s", &both[..]),
    ] {
        let got = f
            .groupby(&[key])
            .unwrap()
            .agg(exprs)
            .unwrap()
            .compute()
            .unwrap();
        let want = reference
            .clone()
            .lazy()
            .group_by([col(key)])
            .agg(exprs)
            .collect()
            .unwrap();
        assert_eq!(got.height(), want.height(), "{key}");
        assert_eq!(rows(&got), rows(&want), "{key}");
    }
}

/// Parquet files cut by row groups (Dask's `split_row_groups`): a file of 10 row
/// groups, one of 1 and one with no rows, read whole and in runs of row groups, with
/// columns projected and filters pushed into the read, against eager polars.
#[test]
fn parquet_row_groups_split_a_file_into_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, n: i64, group: usize| {
        let mut df = df!(
            "i" => (0..n).collect::<Vec<_>>(),
            "g" => (0..n).map(|i| ["a", "b", "c"][(i % 3) as usize]).collect::<Vec<_>>(),
            "v" => (0..n).map(|i| if i % 7 == 0 { None } else { Some(i as f64 * 0.5) }).collect::<Vec<_>>(),
        )
        .unwrap();
        let file = std::fs::File::create(dir.path().join(name)).unwrap();
        ParquetWriter::new(file)
            .with_row_group_size(Some(group))
            .finish(&mut df)
            .unwrap();
        df
    };
    let mut eager = write("a.parquet", 1000, 100);
    eager.vstack_mut(&write("b.parquet", 50, 100)).unwrap();
    eager.vstack_mut(&write("c.parquet", 0, 100)).unwrap();
    let pattern = dir.path().join("*.parquet");
    let pattern = pattern.to_str().unwrap();
    let whole = DFrame::read_parquet(pattern).unwrap();
    assert_eq!(whole.npartitions(), 3);
    // The row groups' sizes as the reader weighs them, from the file's own metadata.
    let group_bytes = {
        let file = std::fs::File::open(dir.path().join("a.parquet")).unwrap();
        let mut r = ParquetReader::new(file);
        let m = r.get_metadata().unwrap();
        assert_eq!(m.row_groups.len(), 10);
        // The larger of the uncompressed bytes and the rows at 8 + 16 + 8 bytes (i64,
        // a string's view, f64).
        let sizes: Vec<u64> = m
            .row_groups
            .iter()
            .map(|g| (g.total_byte_size() as u64).max(g.num_rows() as u64 * 32))
            .collect();
        let (least, most) = (*sizes.iter().min().unwrap(), *sizes.iter().max().unwrap());
        assert!(3 * least > 2 * most, "{sizes:?}");
        most
    };
    // A row group each in a.parquet (10), then two, then whole files; b.parquet (one
    // row group) and c.parquet (no rows) whole every time.
    for (bytes, parts) in [(1, 12), (2 * group_bytes, 7), (u64::MAX, 3)] {
        let x = DFrame::read_parquet_split(pattern, bytes).unwrap();
        assert_eq!(x.npartitions(), parts, "{bytes}");
        assert!(x.compute().unwrap().equals_missing(&eager), "{bytes}");
        // One column, a filter on others: the predicate's columns read, then dropped.
        let q = x
            .filter(col("g").eq(lit("b")).and(col("v").gt(lit(100.0))))
            .unwrap()
            .select([col("i")])
            .unwrap();
        let want = eager
            .clone()
            .lazy()
            .filter(col("g").eq(lit("b")).and(col("v").gt(lit(100.0))))
            .select([col("i")])
            .collect()
            .unwrap();
        assert!(q.compute().unwrap().equals_missing(&want), "{bytes}");
        let sum = x.column("v").unwrap().sum().compute().unwrap();
        let want_sum = eager
            .column("v")
            .unwrap()
            .as_materialized_series()
            .sum::<f64>()
            .unwrap();
        assert_eq!(sum, want_sum);
    }
}

/// Filters on a Parquet file read in runs of row groups skip the groups whose min/max
/// statistics rule them out, and answer as eager polars does: NaN (above every number
/// in polars) and all-null groups are never skipped wrongly, and a filter that rules
/// out every group gives an empty frame with the columns.
#[test]
fn parquet_statistics_skip_row_groups_of_split_files() {
    let dir = tempfile::tempdir().unwrap();
    let n = 1000i64;
    let mut eager = df!(
        "i" => (0..n).collect::<Vec<_>>(),
        "x" => (0..n).map(|i| if i == 5 { f64::NAN } else { i as f64 * 0.5 }).collect::<Vec<_>>(),
        "s" => (0..n).map(|i| format!("k{:02}", i / 100)).collect::<Vec<_>>(),
        "m" => (0..n).map(|i| (i / 100 != 3).then_some(i)).collect::<Vec<_>>(),
    )
    .unwrap();
    let path = dir.path().join("a.parquet");
    let file = std::fs::File::create(&path).unwrap();
    ParquetWriter::new(file)
        .with_row_group_size(Some(100))
        .finish(&mut eager)
        .unwrap();
    let path = path.to_str().unwrap();
    let cases: Vec<(Expr, Option<usize>)> = vec![
        (col("i").gt_eq(lit(850)), Some(8)),
        (lit(250).gt(col("i")), Some(7)),
        (col("s").eq(lit("k04")), Some(9)),
        (col("i").lt(lit(100)).or(col("i").gt_eq(lit(900))), Some(8)),
        (col("i").lt(lit(100)).and(col("x").gt(lit(0.0))), Some(9)),
        (col("i").gt(lit(2000)), Some(10)),
        // NaN > 450 holds in polars: a float's maximum rules nothing out.
        (col("x").gt(lit(450.0)), None),
        (col("x").lt(lit(10.0)), None),
        (col("m").lt(lit(350)), Some(7)),
        (col("m").gt(lit(-1)), Some(1)),
        (col("i").neq(lit(3)), Some(0)),
        // Lists of values (tested one by one, or by their range past 64), intervals
        // and null counts.
        (
            col("i").is_in(lit(Series::new("".into(), [905i64, 5])), false),
            Some(8),
        ),
        (
            col("i").is_in(
                lit(Series::new("".into(), (300i64..400).collect::<Vec<_>>())),
                false,
            ),
            Some(9),
        ),
        (
            col("s").is_in(lit(Series::new("".into(), ["k07", "k04", "zz"])), false),
            Some(8),
        ),
        (
            col("i").is_in(lit(Series::new_empty("".into(), &DataType::Int64)), false),
            Some(10),
        ),
        (
            col("m").is_in(lit(Series::new("".into(), [Some(5i64), None])), true),
            Some(8),
        ),
        (
            col("m").is_in(lit(Series::new("".into(), [Some(5i64), None])), false),
            Some(9),
        ),
        (
            col("i").is_between(lit(250), lit(449), ClosedInterval::Both),
            Some(7),
        ),
        (
            col("i").is_between(lit(250), lit(400), ClosedInterval::Left),
            Some(8),
        ),
        (col("m").is_null(), Some(9)),
        (col("m").is_not_null(), Some(1)),
        (col("m").is_null().or(col("i").lt(lit(100))), Some(8)),
        (
            col("x").is_in(lit(Series::new("".into(), [f64::NAN])), false),
            None,
        ),
    ];
    for (bytes, parts) in [(1, 10), (3 * 100 * 40, 4)] {
        let x = DFrame::read_parquet_split(path, bytes).unwrap();
        assert_eq!(x.npartitions(), parts);
        for (pred, skipped) in &cases {
            let q = x.filter(pred.clone()).unwrap();
            let plan = q.explain();
            if let Some(k) = skipped {
                assert!(
                    plan.contains(&format!("statistics skip {k} of 10 row groups")),
                    "{pred:?} ({bytes} bytes a partition): {plan}"
                );
            }
            let want = eager.clone().lazy().filter(pred.clone()).collect().unwrap();
            let got = q.compute().unwrap();
            assert!(got.equals_missing(&want), "{pred} {bytes}: {got} {want}");
            let got = q.select([col("s")]).unwrap().compute().unwrap();
            assert!(got.equals_missing(&want.select(["s"]).unwrap()), "{pred}");
        }
        // Filters one after another are pushed together.
        let q = x
            .filter(col("i").gt_eq(lit(300)))
            .unwrap()
            .filter(col("i").lt(lit(500)))
            .unwrap();
        assert!(
            q.explain().contains("statistics skip 8 of 10"),
            "{}",
            q.explain()
        );
        assert_eq!(q.compute().unwrap().height(), 200);
    }
    // The empty answer keeps one partition.
    let none = DFrame::read_parquet_split(path, 1)
        .unwrap()
        .filter(col("i").lt(lit(-1)))
        .unwrap();
    assert_eq!(none.npartitions(), 1);
    // pyarrow leaves NaN out of the statistics (the group [NaN, 1] has max 1), where
    // polars' writer leaves the float's statistics out: `x > 450` must keep the NaN.
    let golden = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/nan_stats.parquet"
    );
    let x = DFrame::read_parquet_split(golden, 1).unwrap();
    assert_eq!(x.npartitions(), 2);
    let all = x.compute().unwrap();
    for pred in [
        col("x").gt(lit(450.0)),
        col("x").gt_eq(lit(450.0)),
        col("x").eq(lit(f64::NAN)),
        col("x").eq(lit(1.0)),
        col("x").is_in(lit(Series::new("".into(), [1.0, 500.0])), false),
        col("x").is_in(lit(Series::new("".into(), [f64::NAN])), false),
        col("x").lt(lit(2.0)),
        lit(2.0).lt(col("x")),
    ] {
        let want = all.clone().lazy().filter(pred.clone()).collect().unwrap();
        let got = x.filter(pred.clone()).unwrap().compute().unwrap();
        assert!(got.equals_missing(&want), "{pred}: {got} {want}");
    }
    let q = x.filter(col("x").lt(lit(2.0))).unwrap();
    assert!(q.explain().contains("skip 1 of 2"), "{}", q.explain());
}

/// Expressions that are not computed row by row (aggregations, sorts, shifts, windows,
/// cumulative functions) are refused by `with_columns`, `select` and `filter`: run on
/// each partition they would give each partition's answer where Dask gives the
/// frame's. Row-wise ones run, and a scalar computed first then used as a literal
/// gives the frame's answer.
#[test]
fn frame_wide_expressions_are_refused_not_run_per_partition() {
    let df = df!("x" => [1.0, 2.0, 3.0, 4.0, 5.0], "k" => ["a", "b", "a", "b", "c"]).unwrap();
    let f = DFrame::from_polars(df.clone(), 2).unwrap();
    for e in [
        col("x") - col("x").mean(),
        col("x").sum(),
        col("x").shift(lit(1)),
        col("x").sort(Default::default()),
        col("x").sum().over([col("k")]).unwrap(),
        col("x").first(),
        col("x").rank(Default::default(), None),
        col("x").cum_sum(false),
        col("x").diff(lit(1), Default::default()),
    ] {
        let err = f
            .with_columns([e.clone().alias("y")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("row by row") && err.contains("with_columns"),
            "{e}: {err}"
        );
        let err = f.select([e.clone().alias("y")]).unwrap_err().to_string();
        assert!(err.contains("row by row"), "{e}: {err}");
    }
    let err = f
        .filter(col("x").gt(col("x").mean()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("row by row") && err.contains("filter"),
        "{err}"
    );
    // Selectors are expanded first; `is_in` a column is membership in all of it.
    for e in [
        all().as_expr().sum(),
        cols(["x"]).as_expr().cum_sum(false),
        col("^x$").rank(Default::default(), None),
    ] {
        let err = f.select([e.clone()]).unwrap_err().to_string();
        assert!(err.contains("row by row"), "{e}: {err}");
    }
    let err = f
        .filter(col("x").is_in(col("x"), false))
        .unwrap_err()
        .to_string();
    assert!(err.contains("row by row"), "{err}");
    // Rows kept or dropped per partition are fine in a select.
    let got = f
        .select([col("x").drop_nulls()])
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(got.height(), 5);
    // `is_in` a list column: each row's membership in its own list, row by row; the
    // same column imploded is membership in the whole column, refused.
    let lists = Series::new(
        "l".into(),
        [
            Series::new("".into(), [1.0, 9.0]),
            Series::new("".into(), [1.0]),
            Series::new("".into(), Vec::<f64>::new()),
            Series::new("".into(), [4.0, 3.0]),
            Series::new("".into(), [5.0]),
        ],
    );
    let with_lists = df.hstack(&[lists.into()]).unwrap();
    let g = DFrame::from_polars(with_lists.clone(), 2).unwrap();
    let member = col("x").is_in(col("l"), false);
    let got = g.filter(member.clone()).unwrap().compute().unwrap();
    let want = with_lists.lazy().filter(member).collect().unwrap();
    assert_eq!(got.column("x").unwrap(), want.column("x").unwrap());
    assert_eq!(got.height(), 3); // rows 0, 3, 4
    let err = g
        .filter(col("x").is_in(col("x").implode(false), false))
        .unwrap_err()
        .to_string();
    assert!(err.contains("row by row"), "{err}");
    let imploded = lit(Series::new("".into(), [1.0, 4.0])).implode(false);
    let got = f
        .filter(col("x").is_in(imploded, false))
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(got.height(), 2);
    // Row-wise expressions: arithmetic with literals, conditions, casts, lists of
    // values, string functions.
    let exprs = [
        (col("x") * lit(2.0) + lit(1.0)).alias("y"),
        when(col("x").gt(lit(2.0)))
            .then(lit(1))
            .otherwise(lit(0))
            .alias("z"),
        col("x")
            .is_in(lit(Series::new("".into(), [1.0, 4.0])), false)
            .alias("w"),
        col("x").cast(DataType::Int64).alias("i"),
        (lit(3.0) - col("x")).abs().alias("a"),
        col("k").str().to_uppercase().alias("u"),
    ];
    let got = f.with_columns(exprs.clone()).unwrap().compute().unwrap();
    let want = df.clone().lazy().with_columns(exprs).collect().unwrap();
    assert!(got.equals(&want), "{got} {want}");
    let got = f
        .filter(col("x").is_between(lit(2.0), lit(4.0), ClosedInterval::Both))
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(got.height(), 3);
    // The frame's mean, computed first, then subtracted row by row.
    let m = f.column("x").unwrap().mean().compute().unwrap();
    let got = f
        .with_columns([(col("x") - lit(m)).alias("d")])
        .unwrap()
        .column("d")
        .unwrap()
        .sum()
        .compute()
        .unwrap();
    assert!(got.abs() < 1e-12, "{got}");
}
