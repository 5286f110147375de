//! db-benchmark's group-by questions over CSV part files (`gen_groupby` writes them),
//! asked in one compute. Prints, per question, the answer's row count and the sum of
//! each of its numeric columns (keys first, 6 decimals, nulls skipped), named as
//! db-benchmark's polars solution names them, then one summary line.
//!
//! cargo run --release --features dataframe --example groupby -- 'DIR/*.csv' [q1,q2,...] [auto|tree|shuffle[=BUCKETS]] [gather] [block=MB]
//!
//! Each answer is a frame (`agg_frame`) summed where each of its partitions is made
//! (row count and column sums), so no task holds a whole answer: with 1e7 groups (q10)
//! the answer alone is larger than a small memory budget. `gather` asks for every
//! answer whole (`agg`), as a user who wants the table would. By default (`auto`) each
//! group-by combines partials in a tree whose buckets are sized by the groups it
//! estimates in the files' samples (its plan is printed on standard error, as
//! `GroupBy::explain` gives it); `tree` asks for the tree with one bucket per
//! partition, `shuffle` shuffles the rows by key and groups each partition once;
//! `=BUCKETS` sets the buckets or partitions; `block=MB` the CSV partition size
//! (`ReadCsv::block_size`, 64 MB by default). The summary line gives the most bytes
//! the engine held (`held_mb`) and spilled (`spilled_mb`).
//!
//! The questions are written as db-benchmark's polars solution writes them, with polars
//! expressions: medians, top-k, correlations and expressions of aggregations included.
//! Answers are left unsorted (`sort(false)`), as polars and DuckDB give them: the sums
//! do not depend on the order, and sorting 1e7 groups of q10 is work no question asks.
use std::time::Instant;

#[path = "common/alloc.rs"]
mod alloc;

use chunkwise::dataframe::{DFrame, GroupBy, Strategy};
use chunkwise::{Delayed, Result};
use polars::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

/// Row count column of a summarised answer.
const ROWS: &str = "__rows";

/// How the group-bys run, and whether their answers are gathered.
#[derive(Clone, Copy)]
struct Mode {
    strategy: Strategy,
    /// Buckets or partitions (`None`: as the group-by chooses).
    buckets: Option<usize>,
    /// Each answer gathered into one frame (`agg`) rather than summarised partition
    /// by partition where it is made (`agg_frame`).
    gather: bool,
}

/// Question `q` over the frame, as a delayed frame: the answer, or its summary.
fn question(f: &DFrame, q: &str, mode: Mode) -> Result<Option<Delayed<DataFrame>>> {
    let grouped = |f: &DFrame, keys: &[&str]| -> Result<GroupBy> {
        let g = f.groupby(keys)?.sort(false).strategy(mode.strategy);
        let g = match mode.buckets {
            Some(n) => g.split_out(n),
            None => g,
        };
        eprintln!("{q}: {}", g.explain().lines().next().unwrap_or_default());
        Ok(g)
    };
    let by = |keys: &[&str], aggs: &[Expr]| -> Result<Delayed<DataFrame>> {
        let g = grouped(f, keys)?;
        if mode.gather {
            g.agg(aggs)
        } else {
            summarized(&g.agg_frame(aggs)?)
        }
    };
    let sum = |c: &str| col(c).sum().alias(c);
    let mean = |c: &str| col(c).mean().alias(c);
    Ok(Some(match q {
        "q1" => by(&["id1"], &[sum("v1")])?,
        "q2" => by(&["id1", "id2"], &[sum("v1")])?,
        "q3" => by(&["id3"], &[sum("v1"), mean("v3")])?,
        "q4" => by(&["id4"], &[mean("v1"), mean("v2"), mean("v3")])?,
        "q5" => by(&["id6"], &[sum("v1"), sum("v2"), sum("v3")])?,
        "q6" => by(
            &["id4", "id5"],
            &[
                col("v3").median().alias("median_v3"),
                col("v3").std(1).alias("sd_v3"),
            ],
        )?,
        "q7" => by(
            &["id3"],
            &[(col("v1").max() - col("v2").min()).alias("range_v1_v2")],
        )?,
        "q8" => {
            let g = grouped(&f.filter(col("v3").is_not_null())?, &["id6"])?;
            let top2 = [col("v3").top_k(lit(2)).alias("largest2_v3")];
            let explode = |df: &DataFrame| {
                let options = ExplodeOptions {
                    empty_as_null: false,
                    keep_nulls: false,
                };
                df.clone()
                    .lazy()
                    .explode(by_name(["largest2_v3"], true, false), options)
                    .collect()
            };
            if mode.gather {
                g.agg(top2)?.try_map(explode)
            } else {
                summarized(&g.agg_frame(top2)?.map_partitions(move |d| explode(&d))?)?
            }
        }
        "q9" => by(
            &["id2", "id4"],
            &[pearson_corr(col("v1"), col("v2")).pow(2).alias("r2")],
        )?,
        "q10" => by(
            &["id1", "id2", "id3", "id4", "id5", "id6"],
            &[
                col("v3").sum().alias("v3"),
                col("v1").count().alias("count"),
            ],
        )?,
        _ => return Ok(None),
    }))
}

/// Per partition of an answer: its rows (`__rows`) and the sum of each numeric column,
/// one row a partition, so the answer is never gathered in one place.
fn summarized(answer: &DFrame) -> Result<Delayed<DataFrame>> {
    let numeric: Vec<String> = answer
        .schema()
        .iter()
        .filter(|(_, dt)| dt.is_primitive_numeric())
        .map(|(n, _)| n.to_string())
        .collect();
    let summary = answer.map_partitions(move |d| {
        let mut cols = vec![Column::new(ROWS.into(), [d.height() as f64])];
        for c in &numeric {
            let s = d
                .column(c)?
                .as_materialized_series()
                .cast(&DataType::Float64)?;
            cols.push(Column::new(
                c.as_str().into(),
                [s.f64()?.sum().unwrap_or(0.0)],
            ));
        }
        DataFrame::new(1, cols)
    })?;
    Ok(summary.collect())
}

/// The answer's row count and `name=sum` line, whole or summarised.
fn describe(df: &DataFrame) -> String {
    match df.column(ROWS) {
        Ok(rows) => {
            let rows = rows.f64().ok().and_then(|r| r.sum()).unwrap_or(0.0) as u64;
            format!("rows={rows} {}", sums(&df.drop(ROWS).unwrap_or_default()))
        }
        Err(_) => format!("rows={} {}", df.height(), sums(df)),
    }
}

/// `name=sum` for each numeric column, keys first.
fn sums(df: &DataFrame) -> String {
    df.columns()
        .iter()
        .filter(|c| c.dtype().is_primitive_numeric())
        .map(|c| {
            let s = c.as_materialized_series().cast(&DataType::Float64);
            let total = s.ok().and_then(|s| s.f64().ok().and_then(|f| f.sum()));
            format!("{}={:.6}", c.name(), total.unwrap_or(0.0))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() -> Result<()> {
    alloc::keep_freed_pages();
    let args: Vec<String> = std::env::args().collect();
    let glob = args.get(1).ok_or_else(|| {
        chunkwise::Error::invalid(
            "usage: groupby 'DIR/*.csv' [q1,q2,...] (gen_groupby writes the files)",
        )
    })?;
    let asked: Vec<String> = args
        .get(2)
        .map_or("q1,q2,q3,q4,q5,q6,q7,q8,q9,q10".into(), |s| s.clone())
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    let mut mode = Mode {
        strategy: Strategy::Auto,
        buckets: None,
        gather: false,
    };
    let mut block = None;
    for a in args.iter().skip(3) {
        if let Some(mb) = a.strip_prefix("block=") {
            let mb: u64 = mb.parse().map_err(|_| {
                chunkwise::Error::invalid(format!("{a:?}: block=MB takes a number of megabytes"))
            })?;
            block = Some(mb << 20);
            continue;
        }
        let (name, n) = match a.split_once('=') {
            Some((m, n)) => (m, Some(n.parse::<usize>())),
            None => (a.as_str(), None),
        };
        mode.buckets = match n {
            Some(Ok(n)) => Some(n),
            None => mode.buckets,
            Some(Err(_)) => {
                return Err(chunkwise::Error::invalid(format!(
                    "{a:?}: buckets are a whole number"
                )));
            }
        };
        match name {
            "auto" => mode.strategy = Strategy::Auto,
            "tree" => mode.strategy = Strategy::Tree,
            "shuffle" => mode.strategy = Strategy::Shuffle,
            "gather" => mode.gather = true,

            _ => {
                return Err(chunkwise::Error::invalid(format!(
                    "{a:?}: after the questions come auto|tree|shuffle[=BUCKETS] and gather"
                )));
            }
        }
    }
    let t0 = Instant::now();
    let mut read = DFrame::read_csv(glob);
    if let Some(b) = block {
        read = read.block_size(b);
    }
    let f = read.open()?;
    let mut names = Vec::new();
    let mut answers = Vec::new();
    for q in &asked {
        match question(&f, q, mode)? {
            Some(d) => {
                names.push(q.clone());
                answers.push(d);
            }
            None => {
                return Err(chunkwise::Error::invalid(format!(
                    "no question {q:?} (q1 to q10)"
                )));
            }
        }
    }
    let results = chunkwise::compute(&answers)?;
    let secs = t0.elapsed().as_secs_f64();
    let mut checksum = 0u64;
    for (q, df) in names.iter().zip(&results) {
        let line = format!("{q} {}", describe(df));
        checksum ^= xxh3_64(line.as_bytes()).rotate_left(checksum.count_ones());
        println!("{line}");
    }
    let stats = chunkwise::last_stats().unwrap_or_default();
    println!(
        "questions={} files_read={} workers={} held_mb={:.1} spilled_mb={:.1} secs={secs:.3} peak_rss_mb={:.1} checksum={checksum:016x}",
        names.len(),
        stats.files_read,
        stats.workers,
        stats.peak_held_bytes as f64 / 1e6,
        stats.bytes_spilled as f64 / 1e6,
        chunkwise::peak_rss_mb()
    );
    Ok(())
}
