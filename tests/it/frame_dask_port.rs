//! Dask's own dataframe tests, ported: merges and concat (`dask/dataframe/tests/
//! test_multi.py`, dask-expr's `test_merge.py`), shuffles, sorts and `set_index`
//! (`test_shuffle.py`), `drop_duplicates`, `head`/`tail`, `nlargest` and `repartition`
//! (`test_dataframe.py`), on the frames those tests build, with Dask's expected values
//! where the test states them and a plain loop or eager polars elsewhere.
//!
//! Where pandas (Dask's reference) and polars differ, chunkwise follows polars' types
//! and pandas' semantics Dask users rely on: null keys join null keys (pandas), an int
//! column that gains nulls stays an int column with nulls (polars), a key of another
//! type on each side is an error (polars; pandas casts), the null group is a group
//! (polars), and `head(n)` reads as many partitions as `n` needs (pandas).

use chunkwise::dataframe::{DFrame, How, Merge, concat_frames};
use polars::prelude::*;

use super::frame_ops::{loop_join, rows};

const HOWS: [How; 4] = [How::Inner, How::Left, How::Right, How::Outer];

fn frame(df: &DataFrame, npartitions: usize) -> DFrame {
    DFrame::from_polars(df.clone(), npartitions).unwrap()
}

/// Explicit partitions, as Dask's tests build them from `dd.repartition` or
/// `from_pandas` chunks (`rows[i]` is the row range of partition `i`).
fn parts(df: &DataFrame, cuts: &[std::ops::Range<usize>]) -> DFrame {
    DFrame::from_partitions(
        cuts.iter()
            .map(|r| df.slice(r.start as i64, r.end - r.start)),
    )
    .unwrap()
}

fn ints(df: &DataFrame, c: &str) -> Vec<Option<i64>> {
    df.column(c)
        .unwrap()
        .as_materialized_series()
        .cast(&DataType::Int64)
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .collect()
}

fn strs(df: &DataFrame, c: &str) -> Vec<Option<String>> {
    df.column(c)
        .unwrap()
        .as_materialized_series()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

/// `df` with column `c` cast to f64.
fn as_f64(df: &DataFrame, c: &str) -> DataFrame {
    df.clone()
        .lazy()
        .with_column(col(c).cast(DataType::Float64))
        .collect()
        .unwrap()
}

/// `l` merged with `r`, two partitions each, computed.
fn merged(l: &DataFrame, r: &DataFrame, m: Merge) -> DataFrame {
    frame(l, 2)
        .merge(&frame(r, 2), m)
        .unwrap()
        .compute()
        .unwrap()
}

fn some(v: &[i64]) -> Vec<Option<i64>> {
    v.iter().map(|&x| Some(x)).collect()
}

/// Every how, several partitionings and both shuffled and broadcast joins, against
/// the plain loop.
fn check_merge(l: &DataFrame, r: &DataFrame, lk: &[&str], rk: &[&str], splits: &[(usize, usize)]) {
    for how in HOWS {
        let want = loop_join(l, r, lk, rk, how);
        for &(nl, nr) in splits {
            let (left, right) = (frame(l, nl), frame(r, nr));
            for m in [
                Merge::left_right(lk, rk).how(how),
                Merge::left_right(lk, rk).how(how).broadcast(false),
                Merge::left_right(lk, rk)
                    .how(how)
                    .broadcast(false)
                    .npartitions(3),
            ] {
                let desc = format!("{m:?} over {nl} and {nr} partitions");
                let got = left.merge(&right, m).unwrap().compute().unwrap();
                assert_eq!(rows(&got), want, "{desc}");
            }
        }
    }
}

#[test]
fn test_merge() {
    let a = df!("x" => [1i64, 2, 3, 4, 5, 6], "y" => [1i64, 1, 2, 2, 3, 4]).unwrap();
    let b = df!("y" => [1i64, 3, 4, 4, 5, 6], "z" => [6i64, 5, 4, 3, 2, 1]).unwrap();
    let (left, right) = (parts(&a, &[0..4, 4..6]), parts(&b, &[0..2, 2..6]));
    let inner = left
        .merge(&right, Merge::on(&["y"]))
        .unwrap()
        .sort_values(&["x", "z"], SortMultipleOptions::default())
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(ints(&inner, "x"), some(&[1, 2, 5, 6, 6]));
    assert_eq!(ints(&inner, "y"), some(&[1, 1, 3, 4, 4]));
    assert_eq!(ints(&inner, "z"), some(&[6, 6, 5, 3, 4]));
    let counts: Vec<usize> = HOWS
        .iter()
        .map(|&how| {
            left.merge(&right, Merge::on(&["y"]).how(how))
                .unwrap()
                .compute()
                .unwrap()
                .height()
        })
        .collect();
    assert_eq!(counts, [5, 7, 7, 9]);
    check_merge(&a, &b, &["y"], &["y"], &[(2, 2), (1, 2), (2, 1), (6, 4)]);
    // left_on x, right_on z: the shared y takes the suffixes, both keys are kept.
    for how in HOWS {
        let got = left
            .merge(
                &right,
                Merge::left_right(&["x"], &["z"])
                    .how(how)
                    .suffixes("1", "2"),
            )
            .unwrap()
            .sort_values(&["x"], SortMultipleOptions::default())
            .unwrap()
            .compute()
            .unwrap();
        let names: Vec<&str> = got.get_column_names().iter().map(|c| c.as_str()).collect();
        assert_eq!(names, ["x", "y1", "y2", "z"], "{how:?}");
        assert_eq!(ints(&got, "y1"), some(&[1, 1, 2, 2, 3, 4]), "{how:?}");
        assert_eq!(ints(&got, "y2"), some(&[6, 5, 4, 4, 3, 1]), "{how:?}");
    }
    // A merge leaves no divisions.
    assert!(
        left.merge(&right, Merge::on(&["y"]))
            .unwrap()
            .divisions()
            .is_none()
    );
}

#[test]
fn test_merge_empty_left_df() {
    // pandas #9937: every partition of each side meets one that shares no key.
    let l = df!("a" => [1i64, 1, 2, 2], "val" => [5i64, 6, 7, 8]).unwrap();
    let r = df!("a" => [0i64, 0, 3, 3], "val" => [11i64, 12, 13, 14]).unwrap();
    let right = frame(&l, 4)
        .merge(&frame(&r, 4), Merge::on(&["a"]).how(How::Right))
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(right.height(), 4);
    assert_eq!(right.column("val_x").unwrap().null_count(), 4);
    let outer = frame(&l, 4)
        .merge(&frame(&r, 4), Merge::on(&["a"]).how(How::Outer))
        .unwrap();
    // Each partition keeps the schema, the empty ones too.
    let each = outer
        .map_partitions(|df| {
            let n = df.width();
            df!("w" => [n as i64], "h" => [df.height() as i64])
        })
        .unwrap()
        .compute()
        .unwrap();
    assert!(ints(&each, "w").iter().all(|&w| w == Some(3)), "{each}");
    let mut a = ints(&outer.compute().unwrap(), "a");
    a.sort();
    assert_eq!(a, some(&[0, 0, 1, 1, 2, 2, 3, 3]));
    check_merge(&l, &r, &["a"], &["a"], &[(4, 4), (1, 4), (3, 2)]);
}

#[test]
fn test_merge_tasks_semi_anti() {
    let emp = df!(
        "emp_id" => [101i64, 102, 103, 104, 105],
        "name" => ["John", "Tom", "Harry", "Rahul", "Sakil"],
        "city" => ["Cal", "Mum", "Del", "Ban", "Del"],
        "salary" => [50000i64, 40000, 80000, 60000, 90000]
    )
    .unwrap();
    let skills = df!(
        "skill_id" => [404i64, 405, 406, 407, 408],
        "emp_id" => [103i64, 101, 105, 102, 101],
        "skill_name" => ["Dask", "Spark", "C", "Python", "R"]
    )
    .unwrap();
    for (ne, ns) in [(3, 3), (3, 1), (1, 3)] {
        for (how, want) in [
            (How::Semi, vec![101, 102, 103, 105]),
            (How::Anti, vec![104]),
        ] {
            let got = frame(&emp, ne)
                .merge(&frame(&skills, ns), Merge::on(&["emp_id"]).how(how))
                .unwrap()
                .sort_values(&["emp_id"], SortMultipleOptions::default())
                .unwrap()
                .compute()
                .unwrap();
            assert_eq!(ints(&got, "emp_id"), some(&want), "{how:?} {ne} {ns}");
            assert_eq!(got.width(), 4, "left columns only");
        }
    }
}

#[test]
fn test_merge_leftsemi() {
    let l = df!("aa" => [1i64, 2, 3, 4, 5, 6, 1, 2, 3], "bb" => [1i64; 9]).unwrap();
    let r = df!("aa" => [1i64, 2, 2, 4, 4, 10], "cc" => [1i64; 6]).unwrap();
    let semi = |r: &DataFrame, m: Merge| {
        let mut aa = ints(
            &frame(&l, 2)
                .merge(&frame(r, 2), m)
                .unwrap()
                .compute()
                .unwrap(),
            "aa",
        );
        aa.sort();
        aa
    };
    // Left duplicates stay; right duplicates do not multiply rows.
    assert_eq!(
        semi(&r, Merge::on(&["aa"]).how(How::Semi)),
        some(&[1, 1, 2, 2, 4])
    );
    let r2 = r
        .clone()
        .lazy()
        .rename(["aa"], ["dd"], true)
        .collect()
        .unwrap();
    assert_eq!(
        semi(&r2, Merge::left_right(&["aa"], &["dd"]).how(How::Semi)),
        some(&[1, 1, 2, 2, 4])
    );
}

#[test]
fn test_merge_column_with_nulls() {
    // dask #7558: null keys on the left of a left merge, over several partitions.
    let l = df!("a" => [Some("0"), Some("0"), None, None, None, None, Some("5"), Some("7"), Some("15"), Some("33")]).unwrap();
    let r = df!("c" => ["1", "2", "3", "4"], "b" => ["0", "5", "7", "15"]).unwrap();
    let got = frame(&l, 4)
        .merge(
            &frame(&r, 3),
            Merge::left_right(&["a"], &["b"]).how(How::Left),
        )
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(rows(&got), loop_join(&l, &r, &["a"], &["b"], How::Left));
    assert_eq!(got.height(), 10);
    assert_eq!(got.column("c").unwrap().null_count(), 5);
    // A null key on the right: pandas joins it to every null on the left.
    let r9 = df!("c" => [Some("1"), Some("2"), Some("3"), Some("4"), Some("9")], "b" => [Some("0"), Some("5"), Some("7"), Some("15"), None]).unwrap();
    for how in HOWS {
        let got = frame(&l, 4)
            .merge(&frame(&r9, 3), Merge::left_right(&["a"], &["b"]).how(how))
            .unwrap()
            .compute()
            .unwrap();
        assert_eq!(
            rows(&got),
            loop_join(&l, &r9, &["a"], &["b"], how),
            "{how:?}"
        );
    }
}

#[test]
fn test_merge_columns_dtypes() {
    // dask #4574: f64 keys against i64 keys. pandas casts; chunkwise (as polars)
    // asks for a cast, naming both keys, before anything runs.
    let l = df!("A" => [0.0, 1., 2., 3., 4., 0., 1., 2., 3., 4.], "B" => [0i64, 1, 2, 3, 4, 0, 1, 2, 3, 4]).unwrap();
    let r = df!("A" => [0i64, 1, 2, 3, 4], "B" => [0i64, 1, 2, 3, 4]).unwrap();
    let e = frame(&l, 2)
        .merge(&frame(&r, 2), Merge::on(&["A"]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("\"A\"") && e.contains("f64") && e.contains("i64"),
        "{e}"
    );
    // Cast first, the pandas answer: 10 rows, B_x == B_y.
    let got = merged(&l, &as_f64(&r, "A"), Merge::on(&["A"]));
    assert_eq!(got.height(), 10);
    assert_eq!(ints(&got, "B_x"), ints(&got, "B_y"));
}

#[test]
fn test_merge_maintains_columns() {
    let l = df!("D" => [1.0; 3], "C" => ["foo"; 3], "B" => ["a", "b", "c"], "A" => [1i64, 2, 3])
        .unwrap();
    let r = df!("G" => [4i64, 5], "H" => [6.0; 2], "I" => ["bar"; 2], "B" => ["a", "b"]).unwrap();
    for how in HOWS {
        let got = frame(&l, 1)
            .merge(&frame(&r, 1), Merge::on(&["B"]).how(how))
            .unwrap();
        let names: Vec<String> = got.schema().iter_names().map(|n| n.to_string()).collect();
        assert_eq!(names, ["D", "C", "B", "A", "G", "H", "I"], "{how:?}");
        assert_eq!(got.compute().unwrap().get_column_names().len(), 7);
    }
}

#[test]
fn test_merge_by_index_patterns() {
    // The hash-join half of Dask's test: keys with no match, duplicates on both sides,
    // one side's keys a subset of the other's, both directions.
    let lefts = [
        df!("a" => [1i64, 2, 3, 4, 5, 6, 7], "b" => [7i64, 6, 5, 4, 3, 2, 1]).unwrap(),
        df!("a" => [1i64, 1, 2, 2, 3, 3, 4], "b" => [7i64, 6, 5, 4, 3, 2, 1]).unwrap(),
    ];
    let d = [5i64, 4, 3, 2];
    let rights = [
        df!("c" => [1i64, 2, 3, 4, 5, 6, 7], "d" => [7i64, 6, 5, 4, 3, 2, 1]).unwrap(),
        df!("c" => [7i64, 6, 5, 4, 3, 2, 1], "d" => [7i64, 6, 5, 4, 3, 2, 1]).unwrap(),
        df!("c" => [6i64, 7, 8, 9], "d" => d).unwrap(),
        df!("c" => [9i64, 10, 11, 12], "d" => d).unwrap(),
        df!("c" => [1i64, 1, 1, 1], "d" => d).unwrap(),
        df!("c" => [1i64, 2, 1, 2], "d" => d).unwrap(),
        df!("c" => [5i64, 6, 7, 8], "d" => d).unwrap(),
    ];
    let splits = [(2, 2), (3, 2), (2, 3)];
    for l in &lefts {
        for r in &rights {
            check_merge(l, r, &["a"], &["c"], &splits);
            check_merge(l, r, &["b"], &["d"], &splits);
            check_merge(r, l, &["c"], &["a"], &splits);
        }
    }
}

#[test]
fn test_merge_by_multiple_columns() {
    let chars = |s: &str| s.chars().map(|c| c.to_string()).collect::<Vec<_>>();
    let l = df!("a" => chars("abcdeabcde"), "b" => chars("abcabcabca"), "c" => (1..=10i64).collect::<Vec<_>>()).unwrap();
    let r = df!("d" => chars("edcbaedcba"), "e" => chars("aaabbbcccd"), "f" => (1..=10i64).rev().collect::<Vec<_>>()).unwrap();
    let splits = [(2, 2), (3, 2), (2, 3)];
    check_merge(&l, &r, &["a", "b"], &["d", "e"], &splits);
    let counts = |l: &DataFrame, r: &DataFrame, lk: &[&str], rk: &[&str]| -> Vec<usize> {
        HOWS.iter()
            .map(|&how| {
                frame(l, 3)
                    .merge(&frame(r, 2), Merge::left_right(lk, rk).how(how))
                    .unwrap()
                    .compute()
                    .unwrap()
                    .height()
            })
            .collect()
    };
    assert_eq!(counts(&l, &r, &["a", "b"], &["d", "e"]), [6, 10, 10, 14]);
    // Many to many.
    let l3 = df!("a" => chars("aaaaaaaaaa"), "b" => chars("aaaaaaaaaa"), "c" => (1..=10i64).collect::<Vec<_>>()).unwrap();
    let r3 = df!("d" => chars("aaabbbccaa"), "e" => chars("abbbbbbbbb"), "f" => (1..=10i64).rev().collect::<Vec<_>>()).unwrap();
    assert_eq!(counts(&l3, &r3, &["a"], &["d"]), [50, 50, 55, 55]);
    assert_eq!(counts(&l3, &r3, &["a", "b"], &["d", "e"]), [10, 10, 19, 19]);
    check_merge(&l3, &r3, &["a"], &["d"], &splits);
}

/// Dask's `test_merge_column_and_index.py` frames, with the index as a column: the
/// partition number repeated by its size, a counter within it, and a running value.
fn ragged(sizes: &[usize], start: i64) -> DataFrame {
    let idx: Vec<i64> = sizes
        .iter()
        .enumerate()
        .flat_map(|(p, &n)| vec![p as i64; n])
        .collect();
    let k: Vec<i64> = sizes.iter().flat_map(|&n| 0..n as i64).collect();
    let v1: Vec<i64> = (start..start + idx.len() as i64).collect();
    df!("idx" => idx, "k" => k, "v1" => v1).unwrap()
}

#[test]
fn test_merge_known_and_unknown_partitions() {
    let ls = [3, 4, 2, 5, 3, 2, 5, 9, 4, 7, 4];
    let rs = [4, 2, 5, 3, 2, 5, 9, 4, 7, 4, 8];
    let (l, r) = (ragged(&ls, 0), ragged(&rs, 0));
    let by_sizes = |df: &DataFrame, sizes: &[usize]| {
        let mut cuts = Vec::new();
        let mut at = 0;
        for &n in sizes {
            cuts.push(at..at + n);
            at += n;
        }
        parts(df, &cuts)
    };
    let (left, right) = (by_sizes(&l, &ls), by_sizes(&r, &rs));
    for how in HOWS {
        for (keys, want) in [
            (vec!["idx"], [230, 230, 230, 230]),
            (vec!["idx", "k"], [35, 48, 53, 66]),
            (vec!["k"], [414, 414, 414, 414]),
        ] {
            let expect = loop_join(&l, &r, &keys, &keys, how);
            let i = HOWS.iter().position(|&h| h == how).unwrap();
            assert_eq!(expect.len(), want[i], "{keys:?} {how:?}");
            for right in [&right, &frame(&r, 1), &frame(&r, 2)] {
                for indexed in [false, true] {
                    // Known divisions on the left (Dask's "known" cases) or none.
                    let left = if indexed && keys == ["idx"] {
                        left.set_index("idx").unwrap()
                    } else {
                        left.clone()
                    };
                    let got = left
                        .merge(right, Merge::left_right(&keys, &keys).how(how))
                        .unwrap()
                        .compute()
                        .unwrap();
                    assert_eq!(rows(&got), expect, "{keys:?} {how:?} indexed {indexed}");
                }
            }
        }
    }
}

#[test]
fn test_cheap_single_partition_merge() {
    let a = df!("x" => [1i64, 2, 3, 4, 5, 6], "y" => ["a", "b", "d", "a", "b", "d"]).unwrap();
    let b = df!("x" => [1i64, 2, 3, 4], "z" => ["a", "b", "d", "a"]).unwrap();
    let (fa, fb) = (frame(&a, 3), frame(&b, 1));
    for (l, r) in [(&fa, &fb), (&fb, &fa)] {
        let m = l.merge(r, Merge::on(&["x"])).unwrap();
        // The one-partition side is broadcast: no shuffle, the other's partitions kept.
        assert_eq!(m.npartitions(), 3);
        let g = chunkwise::Graph::of(m.collect()).unwrap();
        assert!(!g.keys().any(|k| k.to_string().contains("shuffle")));
        let got = m
            .sort_values(&["x"], SortMultipleOptions::default())
            .unwrap()
            .compute()
            .unwrap();
        assert_eq!(strs(&got, "y"), strs(&got, "z"));
        assert_eq!(got.height(), 4);
    }
}

#[test]
fn test_broadcast_merge() {
    let l =
        df!("x" => (0..40i64).collect::<Vec<_>>(), "y" => (0..40i64).collect::<Vec<_>>()).unwrap();
    let r = df!("x" => (0..20i64).map(|i| 2 * i).collect::<Vec<_>>(), "z" => (0..20i64).collect::<Vec<_>>()).unwrap();
    for how in [How::Inner, How::Left] {
        let m = frame(&l, 20)
            .merge(&frame(&r, 2), Merge::on(&["x"]).how(how).broadcast(true))
            .unwrap();
        let g = chunkwise::Graph::of(m.collect()).unwrap();
        assert!(
            !g.keys().any(|k| k.to_string().contains("shuffle")),
            "{how:?}"
        );
        assert_eq!(
            rows(&m.compute().unwrap()),
            loop_join(&l, &r, &["x"], &["x"], how)
        );
    }
    check_merge(&l, &r, &["x"], &["x"], &[(20, 2), (4, 2)]);
}

#[test]
fn test_gh_2730() {
    // Very uneven partition counts.
    let small =
        df!("KEY" => (25..500i64).collect::<Vec<_>>(), "s" => (25..500i64).collect::<Vec<_>>())
            .unwrap();
    let large = df!("KEY" => (0..50_000i64).collect::<Vec<_>>()).unwrap();
    let got = frame(&small, 3)
        .merge(&frame(&large, 257), Merge::on(&["KEY"]))
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(got.height(), 475);
    let mut k = ints(&got, "KEY");
    k.sort();
    assert_eq!(k, some(&(25..500).collect::<Vec<_>>()));
}

#[test]
fn test_merge_outer_empty() {
    // dask #5470: an empty side, more partitions than rows.
    let users: Vec<String> = "ABCDEF".chars().map(|c| c.to_string()).collect();
    let df = df!("user" => users, "cluster" => [1i64, 1, 2, 2, 3, 3]).unwrap();
    let empty = df.clear();
    for x in 0..4i64 {
        let part = df
            .clone()
            .lazy()
            .filter(col("cluster").eq(lit(x)))
            .collect()
            .unwrap();
        let got = frame(&empty, 1)
            .merge(
                &frame(&part, 10),
                Merge::on(&["user", "cluster"]).how(How::Outer),
            )
            .unwrap()
            .compute()
            .unwrap();
        assert_eq!(rows(&got), rows(&part), "cluster {x}");
    }
}

#[test]
fn test_multi_duplicate_and_singleton_divisions() {
    let x = df!("x" => [0i64, 0, 0, 0]).unwrap();
    let indexed = frame(&x, 2).set_index("x").unwrap();
    let got = indexed
        .merge(
            &frame(&df!("x" => [0i64]).unwrap(), 1),
            Merge::on(&["x"]).how(How::Left),
        )
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(got.height(), 4);
    let ones = frame(&df!("x" => [1i64, 1, 1], "v" => [1i64, 2, 3]).unwrap(), 2)
        .set_index("x")
        .unwrap();
    let d = ones.divisions().unwrap();
    assert_eq!(
        (d.get(0).unwrap(), d.get(d.len() - 1).unwrap()),
        (AnyValue::Int64(1), AnyValue::Int64(1))
    );
    let selfm = ones
        .merge(&ones, Merge::on(&["x"]))
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(selfm.height(), 9);
}

#[test]
fn test_nullable_types_merge() {
    for float in [false, true] {
        let mut l = df!("a" => [1i64, 2, 3], "b" => [1i64, 1, 3], "c" => ["a", "a", "b"]).unwrap();
        let mut r = df!("a" => [1i64, 2, 3], "e" => [1i64, 1, 3], "f" => ["a", "a", "b"]).unwrap();
        if float {
            (l, r) = (as_f64(&l, "a"), as_f64(&r, "a"));
        }
        let got = merged(&l, &r, Merge::on(&["a"]));
        assert_eq!(rows(&got), loop_join(&l, &r, &["a"], &["a"], How::Inner));
        assert_eq!(got.height(), 3);
    }
}

#[test]
fn test_merge_len_and_cross_product_on_equal_keys() {
    let l = df!("a" => [1i64, 2], "aaa" => [1i64, 1]).unwrap();
    let r = df!("b" => [1i64, 2], "aaa" => [1i64, 1]).unwrap();
    let got = frame(&l, 2)
        .merge(&frame(&r, 2), Merge::on(&["aaa"]))
        .unwrap();
    assert_eq!(got.len().compute().unwrap(), 4);
    assert_eq!(
        got.select([col("aaa")])
            .unwrap()
            .compute()
            .unwrap()
            .height(),
        4
    );
}

#[test]
fn test_merge_suffixes() {
    let l = df!("a" => [1i64, 2, 3, 4], "b" => [1i64; 4]).unwrap();
    let r = df!("a" => [1i64, 2, 3, 4], "b" => [2i64; 4]).unwrap();
    let m = frame(&l, 2)
        .merge(&frame(&r, 2), Merge::on(&["a"]).suffixes("", "_right"))
        .unwrap();
    let names: Vec<String> = m.schema().iter_names().map(|n| n.to_string()).collect();
    assert_eq!(names, ["a", "b", "b_right"]);
    assert_eq!(
        m.filter(col("b").lt(lit(2)))
            .unwrap()
            .compute()
            .unwrap()
            .height(),
        4
    );
    assert_eq!(
        m.filter(col("b").gt(lit(1)))
            .unwrap()
            .compute()
            .unwrap()
            .height(),
        0
    );
    // Both suffixes empty: the clash would give two columns of one name.
    let e = frame(&l, 2)
        .merge(&frame(&r, 2), Merge::on(&["a"]).suffixes("", ""))
        .unwrap_err()
        .to_string();
    assert!(e.contains("\"b\"") && e.contains("suffixes"), "{e}");
    // A self-merge: 75 rows of [a, b_x, c_x, b_y, c_y].
    let s = df!("a" => [1i64, 2, 3].repeat(5), "b" => [1i64, 2, 3].repeat(5), "c" => ["A"; 15])
        .unwrap();
    let f = frame(&s, 1);
    let m = f.merge(&f, Merge::on(&["a"])).unwrap();
    let names: Vec<String> = m.schema().iter_names().map(|n| n.to_string()).collect();
    assert_eq!(names, ["a", "b_x", "c_x", "b_y", "c_y"]);
    let got = m
        .filter(col("c_x").eq(lit("A")))
        .unwrap()
        .select([col("c_y")])
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(got.height(), 75);
}

#[test]
fn test_filters_after_a_merge_match_filters_before() {
    let a = df!(
        "a" => [0i64, 1, 2, 3, 4], "b" => [0i64, 1, 2, 3, 4], "c" => [0i64, 1, 2, 3, 4],
        "d" => [true, false, true, false, true]
    )
    .unwrap();
    let b = df!(
        "c" => [0i64, 2, 4, 6, 8], "x" => [0i64, 1, 2, 3, 4], "y" => [0i64, 1, 2, 3, 4],
        "z" => [false, false, true, true, true]
    )
    .unwrap();
    let merged = frame(&a, 2)
        .merge(&frame(&b, 2), Merge::on(&["c"]))
        .unwrap();
    let whole = merged.compute().unwrap();
    assert_eq!(whole.height(), 3);
    for p in [
        col("z"),
        col("z").not(),
        col("x").gt(lit(3)),
        col("b").gt(lit(3)),
        col("c").gt(lit(3)),
        col("a").gt(col("b") + lit(1)),
        col("c").gt(col("x") + lit(1)),
        col("d").and(col("z")),
        col("a").gt(lit(2)).and(col("z")),
    ] {
        let got = merged.filter(p.clone()).unwrap().compute().unwrap();
        let want = whole.clone().lazy().filter(p.clone()).collect().unwrap();
        assert_eq!(rows(&got), rows(&want), "{p}");
    }
    // A sum over the merge is taken before a later filter (no over-eager pushdown).
    let l = df!("a" => [1i64, 2, 3], "b" => [1i64; 3]).unwrap();
    let r = df!("a" => [2i64, 3, 4], "c" => [1i64; 3]).unwrap();
    let m = frame(&l, 2)
        .merge(&frame(&r, 2), Merge::on(&["a"]).how(How::Left))
        .unwrap();
    assert_eq!(m.column("c").unwrap().sum().compute().unwrap(), 2.0);
    assert_eq!(
        m.filter(col("a").gt(lit(1)))
            .unwrap()
            .compute()
            .unwrap()
            .height(),
        2
    );
}

#[test]
fn test_merge_on_a_side_a_filter_emptied() {
    // TPC-H's shape in Dask's hang test: a filter leaves one side with no rows, and
    // the chain of merges after it answers an empty frame with every column.
    let region = df!("r_regionkey" => [0i64, 1], "r_name" => ["AFRICA", "AMERICA"]).unwrap();
    let nation = df!("n_nationkey" => [0i64, 1, 2], "n_name" => ["A", "B", "C"], "n_regionkey" => [0i64, 1, 1]).unwrap();
    let supplier =
        df!("s_suppkey" => [1i64, 2], "s_nationkey" => [0i64, 2], "s_name" => ["s1", "s2"])
            .unwrap();
    let europe = frame(&region, 1)
        .filter(col("r_name").eq(lit("EUROPE")))
        .unwrap();
    let got = frame(&nation, 2)
        .merge(
            &europe,
            Merge::left_right(&["n_regionkey"], &["r_regionkey"]),
        )
        .unwrap()
        .merge(
            &frame(&supplier, 2),
            Merge::left_right(&["n_nationkey"], &["s_nationkey"]),
        )
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(got.height(), 0);
    assert_eq!(got.width(), 8);
}

#[test]
fn test_shuffle_nulls_introduced() {
    let a: Vec<bool> = (0..100).map(|i| i % 2 == 0).collect();
    let l = df!("A" => a, "B" => (0..100i64).collect::<Vec<_>>()).unwrap();
    let r = df!("B" => [2i64, 109, 345, 50, 95], "C" => [3i64, 2, 3, 7, 1]).unwrap();
    let m = frame(&l, 10)
        .merge(&frame(&r, 1), Merge::on(&["B"]).how(How::Outer))
        .unwrap();
    let got = m.compute().unwrap();
    assert_eq!(got.height(), 102);
    assert_eq!(got.column("A").unwrap().null_count(), 2);
    // polars keeps the null group, which pandas drops.
    let counts = m
        .groupby(&["A"])
        .unwrap()
        .agg([col("B").count().alias("n")])
        .unwrap()
        .compute()
        .unwrap();
    let mut n = ints(&counts, "n");
    n.sort();
    assert_eq!(n, some(&[2, 50, 50]));
}

#[test]
fn test_concat() {
    let d = df!("x" => [1i64, 2, 3, 4, 6, 7], "y" => ["a", "b", "c", "d", "e", "f"]).unwrap();
    let f = frame(&d, 2);
    let c = concat_frames(&[f.clone(), f.clone()]).unwrap();
    assert_eq!(c.npartitions(), 4);
    let got = c.compute().unwrap();
    assert_eq!(got, d.vstack(&d).unwrap());
    // Stacked in order, partitions kept; one frame is itself.
    let big = df!("x" => (0..100i64).collect::<Vec<_>>(), "y" => (0..100).map(|i| i as f64 * 10.0).collect::<Vec<_>>()).unwrap();
    let g = frame(&big, 10);
    let c = concat_frames(&[g.clone(), g.clone()]).unwrap();
    assert_eq!((c.npartitions(), c.compute().unwrap().height()), (20, 200));
    assert!(c.divisions().is_none());
    assert_eq!(
        concat_frames(std::slice::from_ref(&g))
            .unwrap()
            .compute()
            .unwrap(),
        big
    );
    // No frames: an error. An empty frame of the same schema adds nothing.
    assert!(concat_frames(&[]).is_err());
    let a = df!("a" => [100i64, 200, 300]).unwrap();
    let got = concat_frames(&[frame(&a, 1), frame(&a.clear(), 1)])
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(got, a);
    // Three frames of 2, 3 and 2 partitions.
    let sizes: Vec<usize> = [2, 3, 2].to_vec();
    let frames: Vec<DFrame> = sizes
        .iter()
        .map(|&n| frame(&big.head(Some(6)), n))
        .collect();
    assert_eq!(concat_frames(&frames).unwrap().npartitions(), 7);
}

/// Dask's shuffle fixture: x = 0..20 five times, y = 0..100, ten partitions.
fn fixture() -> DataFrame {
    df!(
        "x" => (0..100i64).map(|i| i % 20).collect::<Vec<_>>(),
        "y" => (0..100i64).collect::<Vec<_>>()
    )
    .unwrap()
}

#[test]
fn test_task_shuffle() {
    let d = fixture();
    for n in [3, 6, 8, 12] {
        let s = frame(&d, 10).shuffle(&["x"], Some(n)).unwrap();
        assert_eq!(s.npartitions(), n);
        // Each x in exactly one partition: the partitions' distinct x values, stacked,
        // are 0..20 once each.
        let each = s
            .map_partitions(|df| {
                df.unique_stable(Some(&["x".into()]), UniqueKeepStrategy::First, None)
            })
            .unwrap()
            .compute()
            .unwrap();
        let mut x = ints(&each, "x");
        x.sort();
        assert_eq!(x, some(&(0..20).collect::<Vec<_>>()), "{n} partitions");
        assert_eq!(rows(&s.compute().unwrap()), rows(&d));
    }
    // From one partition to one or two; more partitions than keys leaves some empty,
    // each with the whole schema.
    let small = df!("x" => [1i64, 2, 3]).unwrap();
    for n in [1, 2] {
        assert_eq!(
            frame(&small, 1)
                .shuffle(&["x"], Some(n))
                .unwrap()
                .len()
                .compute()
                .unwrap(),
            3
        );
    }
    let rep = df!("x" => [1i64, 2, 3].repeat(10), "v" => (0..30i64).collect::<Vec<_>>()).unwrap();
    let s = frame(&rep, 3).shuffle(&["x"], Some(6)).unwrap();
    let shapes = s
        .map_partitions(|df| df!("w" => [df.width() as i64], "h" => [df.height() as i64]))
        .unwrap()
        .compute()
        .unwrap();
    assert!(ints(&shapes, "w").iter().all(|&w| w == Some(2)));
    assert!(ints(&shapes, "h").iter().filter(|&&h| h == Some(0)).count() >= 3);
    // Missing columns are named, present ones not.
    let f = frame(&d, 10);
    let e = f.shuffle(&["z"], None).unwrap_err().to_string();
    assert!(e.contains("\"z\""), "{e}");
    let e = f.shuffle(&["x", "z"], None).unwrap_err().to_string();
    let named = e.split(" in ").next().unwrap();
    assert!(named.contains("\"z\"") && !named.contains("\"x\""), "{e}");
    let e = f.shuffle(&["zz", "z"], None).unwrap_err().to_string();
    assert!(e.contains("\"zz\"") && e.contains("\"z\""), "{e}");
}

/// `f` sorted by `by`, stably, all in one direction, computed.
fn sort(f: &DFrame, by: &[&str], desc: bool, nulls_last: bool) -> DataFrame {
    let opts = SortMultipleOptions::default()
        .with_order_descending(desc)
        .with_nulls_last(nulls_last)
        .with_maintain_order(true);
    f.sort_values(by, opts).unwrap().compute().unwrap()
}

fn sorted_by(df: &DataFrame, by: &[&str], desc: &[bool], nulls_last: bool) -> DataFrame {
    df.sort(
        by.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        SortMultipleOptions::default()
            .with_order_descending_multi(desc.to_vec())
            .with_nulls_last(nulls_last)
            .with_maintain_order(true),
    )
    .unwrap()
}

#[test]
fn test_sort_values() {
    for nelem in [10i64, 500] {
        let d = df!(
            "a" => (0..nelem).rev().collect::<Vec<_>>(),
            "b" => (100..100 + nelem).collect::<Vec<_>>()
        )
        .unwrap();
        for np in [1, 10] {
            for by in [vec!["a"], vec!["b"], vec!["a", "b"], vec!["b", "a"]] {
                for desc in [
                    vec![false],
                    vec![true],
                    vec![false, true],
                    vec![true, false],
                ] {
                    if desc.len() > 1 && by.len() != desc.len() {
                        continue;
                    }
                    let desc = if desc.len() == 1 {
                        vec![desc[0]; by.len()]
                    } else {
                        desc
                    };
                    let opts = SortMultipleOptions::default()
                        .with_order_descending_multi(desc.clone())
                        .with_maintain_order(true);
                    let got = frame(&d, np)
                        .sort_values(&by, opts)
                        .unwrap()
                        .compute()
                        .unwrap();
                    assert_eq!(
                        got,
                        sorted_by(&d, &by, &desc, false),
                        "{nelem} {np} {by:?} {desc:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn test_sort_values_ties_keep_row_order() {
    // One row per partition; ties on z keep their original order either way.
    let d = df!(
        "x" => (0..10i64).collect::<Vec<_>>(),
        "y" => [1i64, 2, 3, 4, 5, 1, 2, 3, 4, 5],
        "z" => ["cat", "dog"].repeat(5)
    )
    .unwrap();
    let f = frame(&d, 10);
    let by_z = |desc: bool| ints(&sort(&f, &["z"], desc, false), "x");
    assert_eq!(by_z(true), some(&[1, 3, 5, 7, 9, 0, 2, 4, 6, 8]));
    assert_eq!(by_z(false), some(&[0, 2, 4, 6, 8, 1, 3, 5, 7, 9]));
    for by in [vec!["x"], vec!["z"], vec!["x", "z"], vec!["z", "x"]] {
        for desc in [false, true] {
            let got = sort(&f, &by, desc, false);
            assert_eq!(
                got,
                sorted_by(&d, &by, &vec![desc; by.len()], false),
                "{by:?} {desc}"
            );
            // No helper column left behind.
            assert_eq!(got.get_column_names(), d.get_column_names());
        }
    }
    // Shuffle's stability too (set_index): x = [1, 1, 2, 2, 3], y in row order.
    let s = df!("x" => [1i64, 2, 3, 2, 1], "y" => [9i64, 8, 7, 1, 5]).unwrap();
    let got = frame(&s, 3).set_index("x").unwrap().compute().unwrap();
    assert_eq!(ints(&got, "x"), some(&[1, 1, 2, 2, 3]));
    assert_eq!(ints(&got, "y"), some(&[9, 5, 8, 1, 7]));
}

#[test]
fn test_sort_values_with_nulls() {
    let a: Vec<Option<i64>> = (0..15)
        .map(Some)
        .chain(std::iter::repeat_n(None, 5))
        .collect();
    let d2 = df!("a" => a, "b" => (0..20i64).rev().collect::<Vec<_>>()).unwrap();
    let b = |desc: bool, nulls_last: bool| {
        ints(&sort(&frame(&d2, 5), &["a", "b"], desc, nulls_last), "b")
    };
    let low: Vec<i64> = (0..5).collect();
    let high: Vec<i64> = (5..20).rev().collect();
    let rev = |v: &[i64]| v.iter().rev().copied().collect::<Vec<_>>();
    assert_eq!(b(false, false), some(&[&low[..], &high[..]].concat()));
    assert_eq!(b(false, true), some(&[&high[..], &low[..]].concat()));
    assert_eq!(b(true, false), some(&[rev(&low), rev(&high)].concat()));
    assert_eq!(b(true, true), some(&[rev(&high), rev(&low)].concat()));
    // D1: nulls in the middle of a and at the start of b, 1 and 5 partitions.
    let a1: Vec<Option<i64>> = (0..50)
        .map(Some)
        .chain(std::iter::repeat_n(None, 50))
        .chain((50..100).map(Some))
        .collect();
    let b1: Vec<Option<i64>> = std::iter::repeat_n(None, 100)
        .chain((100..150).map(Some))
        .collect();
    let d1 = df!("a" => a1, "b" => b1).unwrap();
    for d in [&d1, &d2] {
        for np in [1, 5] {
            for by in [vec!["a"], vec!["b"], vec!["a", "b"]] {
                for desc in [false, true] {
                    for nulls_last in [false, true] {
                        let got = sort(&frame(d, np), &by, desc, nulls_last);
                        let want = sorted_by(d, &by, &vec![desc; by.len()], nulls_last);
                        assert_eq!(got, want, "{np} {by:?} desc {desc} nulls_last {nulls_last}");
                    }
                }
            }
        }
    }
}

#[test]
fn test_sort_values_bool_ascending() {
    let d = df!("a" => [1i64, 2, 3].repeat(20), "b" => [4i64, 5, 6, 7].repeat(15)).unwrap();
    let f = frame(&d, 10);
    // As many flags as columns, or one for all; another count is an error.
    let e = f.sort_values(
        &["a"],
        SortMultipleOptions::default().with_order_descending_multi([true, false]),
    );
    assert!(e.is_err());
    let e = f.sort_values(
        &["a", "b", "a"],
        SortMultipleOptions::default().with_order_descending_multi([true, false]),
    );
    assert!(e.is_err());
    let opts = SortMultipleOptions::default()
        .with_order_descending_multi([false, true])
        .with_maintain_order(true);
    let got = f.sort_values(&["a", "b"], opts).unwrap().compute().unwrap();
    assert_eq!(got, sorted_by(&d, &["a", "b"], &[false, true], false));
}

#[test]
fn test_sort_values_conflicting_ascending_head_tail() {
    let d = fixture();
    for np in [1, 3] {
        let f = frame(&d, np);
        let sorted = |desc: [bool; 2]| {
            f.sort_values(
                &["x", "y"],
                SortMultipleOptions::default().with_order_descending_multi(desc),
            )
            .unwrap()
        };
        for (desc, head, tail) in [
            (
                [false, true],
                [80, 60, 40, 20, 0, 81, 61, 41, 21, 1],
                [98, 78, 58, 38, 18, 99, 79, 59, 39, 19],
            ),
            (
                [true, false],
                [19, 39, 59, 79, 99, 18, 38, 58, 78, 98],
                [1, 21, 41, 61, 81, 0, 20, 40, 60, 80],
            ),
        ] {
            let s = sorted(desc);
            assert_eq!(ints(&s.head(10).unwrap(), "y"), some(&head), "{desc:?}");
            assert_eq!(ints(&s.tail(10).unwrap(), "y"), some(&tail), "{desc:?}");
        }
    }
    // Strings sort as strings: "a10" before "a2".
    let z: Vec<String> = (0..100).map(|i| format!("a{}", i % 20)).collect();
    let ds = df!("z" => z, "y" => (0..100i64).collect::<Vec<_>>()).unwrap();
    let s = frame(&ds, 5)
        .sort_values(
            &["z"],
            SortMultipleOptions::default().with_order_descending(true),
        )
        .unwrap();
    let head = strs(&s.head(10).unwrap(), "z");
    let want: Vec<Option<String>> = ["a9"; 5]
        .iter()
        .chain(&["a8"; 5])
        .map(|s| Some(s.to_string()))
        .collect();
    assert_eq!(head, want);
    let tail = strs(&s.tail(5).unwrap(), "z");
    assert_eq!(tail, vec![Some("a0".to_string()); 5]);
}

#[test]
fn test_nlargest_nsmallest() {
    let perm: Vec<i64> = (0..20).map(|i| (i * 7) % 20).collect();
    let letters: Vec<String> = (b'a'..=b't').map(|c| (c as char).to_string()).collect();
    let d = df!("a" => perm.clone(), "b" => letters, "c" => perm.iter().map(|&v| v as f64).collect::<Vec<_>>()).unwrap();
    let f = frame(&d, 3);
    for cols in [vec!["a"], vec!["a", "c"]] {
        let got = f.nlargest(5, &cols).unwrap().compute().unwrap();
        assert_eq!(
            got,
            sorted_by(&d, &cols, &vec![true; cols.len()], false).head(Some(5))
        );
        let got = f.nsmallest(5, &cols).unwrap().compute().unwrap();
        assert_eq!(
            got,
            sorted_by(&d, &cols, &vec![false; cols.len()], false).head(Some(5))
        );
    }
    // With ties (the shuffle fixture's x): the values match, five per x.
    let fx = frame(&fixture(), 10);
    let top = fx.nlargest(7, &["x"]).unwrap().compute().unwrap();
    assert_eq!(ints(&top, "x"), some(&[19, 19, 19, 19, 19, 18, 18]));
}

#[test]
fn test_head_tail() {
    let d = DFrame::from_partitions([
        df!("a" => [1i64, 2, 3], "b" => [4i64, 5, 6]).unwrap(),
        df!("a" => [4i64, 5, 6], "b" => [3i64, 2, 1]).unwrap(),
        df!("a" => [7i64, 8, 9], "b" => [0i64, 0, 0]).unwrap(),
    ])
    .unwrap();
    assert_eq!(ints(&d.head(2).unwrap(), "a"), some(&[1, 2]));
    assert_eq!(ints(&d.head(3).unwrap(), "a"), some(&[1, 2, 3]));
    assert_eq!(ints(&d.tail(2).unwrap(), "a"), some(&[8, 9]));
    assert_eq!(ints(&d.tail(3).unwrap(), "a"), some(&[7, 8, 9]));
    // Across partitions, as pandas (Dask needs npartitions=-1 for these).
    assert_eq!(ints(&d.head(5).unwrap(), "a"), some(&[1, 2, 3, 4, 5]));
    assert_eq!(ints(&d.head(7).unwrap(), "a"), some(&[1, 2, 3, 4, 5, 6, 7]));
    assert_eq!(ints(&d.tail(5).unwrap(), "a"), some(&[5, 6, 7, 8, 9]));
    assert_eq!(d.head(100).unwrap().height(), 9);
    let r = d.repartition(10).unwrap();
    assert_eq!(ints(&r.tail(4).unwrap(), "a"), some(&[6, 7, 8, 9]));
}

#[test]
fn test_set_index() {
    let d = DFrame::from_partitions([
        df!("a" => [1i64, 2, 3], "b" => [4i64, 2, 6]).unwrap(),
        df!("a" => [4i64, 5, 6], "b" => [3i64, 5, 8]).unwrap(),
        df!("a" => [7i64, 8, 9], "b" => [9i64, 1, 8]).unwrap(),
    ])
    .unwrap();
    let whole = d.compute().unwrap();
    let got = d.set_index("b").unwrap().compute().unwrap();
    assert_eq!(got, sorted_by(&whole, &["b"], &[false], false));
    // Known divisions survive a filter emptying partitions.
    let some_rows = d.filter(col("a").gt(lit(3))).unwrap();
    let got = some_rows.set_index("a").unwrap().compute().unwrap();
    assert_eq!(ints(&got, "a"), some(&[4, 5, 6, 7, 8, 9]));
    // GH10333: col1 unsorted, divisions known, col2 follows.
    let g = df!("col1" => [2i64, 4, 1, 3, 5], "col2" => [1i64, 2, 3, 4, 5]).unwrap();
    let s = frame(&g, 2).set_index("col1").unwrap();
    assert!(s.divisions().is_some());
    assert_eq!(ints(&s.compute().unwrap(), "col2"), some(&[3, 1, 4, 2, 5]));
}

#[test]
fn test_set_index_with_explicit_divisions() {
    let d = df!("x" => [4i64, 1, 2, 5]).unwrap();
    let s = frame(&d, 2)
        .set_index_with_divisions("x", &Series::new("x".into(), [1i64, 3, 5]))
        .unwrap();
    let div = s.divisions().unwrap();
    assert_eq!(
        ints(&DataFrame::new(div.len(), vec![div.into()]).unwrap(), "x"),
        some(&[1, 3, 5])
    );
    let each = s
        .map_partitions(|df| df!("n" => [df.height() as i64]))
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(ints(&each, "n"), some(&[2, 2]));
    assert_eq!(ints(&s.compute().unwrap(), "x"), some(&[1, 2, 4, 5]));
    // Unsorted or empty divisions: errors.
    for bad in [vec![3i64, 1, 5], vec![]] {
        let r = frame(&d, 2).set_index_with_divisions("x", &Series::new("x".into(), bad.clone()));
        assert!(r.is_err(), "{bad:?}");
    }
    // The last partition includes its upper bound.
    let y = df!("x" => [1i64, 2, 3, 4, 5, 6], "y" => ["a", "b", "d", "a", "b", "d"]).unwrap();
    let s = frame(&y, 2)
        .set_index_with_divisions("y", &Series::new("y".into(), ["a", "c", "d"]))
        .unwrap();
    let got = s.compute().unwrap();
    assert_eq!(got.height(), 6);
    assert_eq!(
        strs(&got, "y")[4..],
        [Some("d".to_string()), Some("d".to_string())]
    );
}

#[test]
fn test_set_index_overlap_and_empty_partitions() {
    // #9339: rows of one value across partition bounds are all kept.
    let ts = df!("ts" => [1i64, 1, 2, 2, 3, 3, 3, 3], "value" => ["a", "b", "c", "a", "b", "c", "a", "b"]).unwrap();
    let got = frame(&ts, 3).set_index("ts").unwrap().compute().unwrap();
    assert_eq!(rows(&got), rows(&ts));
    assert_eq!(ints(&got, "ts"), some(&[1, 1, 2, 2, 3, 3, 3, 3]));
    let k = df!("key" => [1i64, 2, 3, 4, 4, 5, 6, 7], "value" => ["a", "b", "c", "d", "a", "b", "c", "d"]).unwrap();
    let got = frame(&k, 2).set_index("key").unwrap().compute().unwrap();
    assert_eq!(got, sorted_by(&k, &["key"], &[false], false));
    // #8735: empty partitions between rows.
    let e = DFrame::from_partitions([
        df!("a" => [1i64, 2], "b" => [1i64, 1]).unwrap(),
        df!("a" => Vec::<i64>::new(), "b" => Vec::<i64>::new()).unwrap(),
        df!("a" => [3i64], "b" => [1i64]).unwrap(),
        df!("a" => Vec::<i64>::new(), "b" => Vec::<i64>::new()).unwrap(),
    ])
    .unwrap();
    assert_eq!(
        ints(&e.set_index("a").unwrap().compute().unwrap(), "a"),
        some(&[1, 2, 3])
    );
    // #2408: b = a % 3 over 3 partitions, then repartitioned.
    let a: Vec<i64> = (0..10).collect();
    let b: Vec<i64> = a.iter().map(|v| v % 3).collect();
    let c: Vec<String> = b.iter().map(|v| v.to_string()).collect();
    let d = df!("a" => a, "b" => b, "c" => c).unwrap();
    let s = frame(&d, 3).set_index("b").unwrap().repartition(3).unwrap();
    assert_eq!(s.compute().unwrap(), sorted_by(&d, &["b"], &[false], false));
    let s = frame(&d, 3).set_index("c").unwrap();
    assert_eq!(s.compute().unwrap(), sorted_by(&d, &["c"], &[false], false));
    // Every row filtered away.
    let n = df!("x" => [1i64, 2, 3, 4], "y" => [1i64, 2, 3, 4]).unwrap();
    let none = frame(&n, 4)
        .filter(col("y").gt(lit(4)))
        .unwrap()
        .set_index("x")
        .unwrap();
    assert_eq!(none.compute().unwrap().height(), 0);
    // A skewed key: nine A, three B, one C over 2 and 8 partitions.
    let s: Vec<&str> = ["A"; 9]
        .iter()
        .chain(&["B"; 3])
        .chain(&["C"])
        .copied()
        .collect();
    let sk = df!("s" => s, "v" => (0..13i64).collect::<Vec<_>>()).unwrap();
    for np in [2, 8] {
        let got = frame(&sk, np).set_index("s").unwrap().compute().unwrap();
        assert_eq!(got, sorted_by(&sk, &["s"], &[false], false), "{np}");
    }
    // The same divisions every time (#3867).
    let f = frame(&fixture(), 10);
    let d1 = f.set_index("x").unwrap().divisions().unwrap();
    let d2 = f.set_index("x").unwrap().divisions().unwrap();
    assert!(d1.equals(&d2));
}

#[test]
fn test_drop_duplicates() {
    let d = df!("x" => [1i64, 2, 3, 1, 2, 3], "y" => ["a", "a", "b", "b", "c", "c"]).unwrap();
    let f = frame(&d, 2);
    let kept = |subset: &[&str], keep: UniqueKeepStrategy| -> Vec<usize> {
        let with_row = d.clone().with_row_index("row".into(), None).unwrap();
        let got = frame(&with_row, 2)
            .drop_duplicates(Some(subset), keep)
            .unwrap()
            .compute()
            .unwrap();
        let mut r: Vec<usize> = ints(&got, "row")
            .into_iter()
            .map(|v| v.unwrap() as usize)
            .collect();
        r.sort();
        r
    };
    use UniqueKeepStrategy as K;
    assert_eq!(kept(&["x"], K::First), [0, 1, 2]);
    assert_eq!(kept(&["y"], K::First), [0, 2, 4]);
    assert_eq!(kept(&["x", "y"], K::First), [0, 1, 2, 3, 4, 5]);
    assert_eq!(kept(&["x"], K::Last), [3, 4, 5]);
    assert_eq!(kept(&["y"], K::Last), [1, 3, 5]);
    assert_eq!(kept(&["x"], K::None), Vec::<usize>::new());
    assert_eq!(kept(&["y"], K::None), Vec::<usize>::new());
    assert_eq!(kept(&["x", "y"], K::None), [0, 1, 2, 3, 4, 5]);
    assert_eq!(
        f.drop_duplicates(None, K::First)
            .unwrap()
            .compute()
            .unwrap()
            .height(),
        6
    );
    // Duplicates across partition bounds: y = x // 7 over ten partitions.
    let x: Vec<i64> = (0..100).collect();
    let y: Vec<i64> = x.iter().map(|v| v / 7).collect();
    let g = frame(&df!("x" => x, "y" => y).unwrap(), 10);
    let first = g
        .drop_duplicates(Some(&["y"]), K::First)
        .unwrap()
        .compute()
        .unwrap();
    let mut xs = ints(&first, "x");
    xs.sort();
    assert_eq!(xs, some(&(0..15).map(|i| i * 7).collect::<Vec<_>>()));
    let last = g
        .drop_duplicates(Some(&["y"]), K::Last)
        .unwrap()
        .compute()
        .unwrap();
    let mut xs = ints(&last, "x");
    xs.sort();
    let want: Vec<i64> = (0..14).map(|i| i * 7 + 6).chain([99]).collect();
    assert_eq!(xs, some(&want));
    let e = g
        .drop_duplicates(Some(&["a"]), K::First)
        .unwrap_err()
        .to_string();
    assert!(e.contains("\"a\""), "{e}");
}

#[test]
fn test_repartition_npartitions() {
    let d = df!("x" => [1i64, 2, 3, 4, 5, 6].repeat(10), "y" => ["a", "b", "d", "a", "b", "d"].repeat(10)).unwrap();
    for n in [1, 2, 4, 5] {
        for k in [1, 2, 4, 5] {
            let r = frame(&d, n).repartition(k).unwrap();
            assert_eq!(r.npartitions(), k, "{n} to {k}");
            let heights = r
                .map_partitions(|df| df!("h" => [df.height() as i64]))
                .unwrap()
                .compute()
                .unwrap();
            assert!(
                ints(&heights, "h").iter().all(|&h| h > Some(0)),
                "{n} to {k}: an empty partition"
            );
            assert_eq!(r.compute().unwrap(), d, "{n} to {k}");
        }
    }
    let h = df!("x" => (0..100i64).collect::<Vec<_>>()).unwrap();
    assert_eq!(frame(&h, 15).repartition(11).unwrap().compute().unwrap(), h);
}

#[test]
fn map_partitions_panicking_on_no_rows_is_an_error() {
    // The function runs on an empty frame first, for the schema: a panic there (here
    // the first row taken unchecked) is an error naming map_partitions and saying why,
    // not a crash.
    let d = df!("x" => [1i64, 2]).unwrap();
    let e = frame(&d, 2)
        .map_partitions(|df| {
            let first = df.column("x")?.i64()?.get(0);
            df!("y" => [first])
        })
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("map_partitions") && e.contains("out of bounds"),
        "{e}"
    );
}
