//! Divisions, as a Dask user sets an index: db-benchmark's join tables x and big
//! (`gen_join` writes them) indexed on `id3`, then
//! - a range of `id3` read with `loc` (only the partitions it touches), and join q5
//!   (big inner on `id3`), for which the join moves big onto x's divisions and leaves x
//!   where it is: one compute, in which x moves once for both;
//! - the same two answers from the plain tables (a filter of the files, a hash join),
//!   checked equal.
//!
//! Prints one summary line: the seconds of each step, the answers' row counts and sums.
//!
//! cargo run --release --features dataframe --example index -- DIR
use std::time::Instant;

use chunkwise::Result;
use chunkwise::dataframe::{DFrame, Merge};
use polars::prelude::*;

fn main() -> Result<()> {
    let dir = std::env::args()
        .nth(1)
        .ok_or_else(|| chunkwise::Error::invalid("usage: index DIR (gen_join writes the files)"))?;
    let t0 = Instant::now();
    let x = DFrame::read_csv(&format!("{dir}/x_part*.csv")).open()?;
    let big = DFrame::read_csv(&format!("{dir}/big_part*.csv")).open()?;

    // set_index computes the divisions now (one pass over id3), as Dask's does.
    let xi = x.set_index("id3")?;
    let divisions = xi
        .divisions()
        .ok_or_else(|| chunkwise::Error::invalid("id3 has no values"))?;
    let divisions_secs = t0.elapsed().as_secs_f64();

    // A range of 1% of the divisions' span, by loc and by a filter of the files.
    let (lo, hi) = (
        divisions
            .get(0)
            .map_err(|e| chunkwise::Error::external("divisions", e))?,
        divisions
            .get(divisions.len() - 1)
            .map_err(|e| chunkwise::Error::external("divisions", e))?,
    );
    let (lo, hi) = (
        lo.extract::<i64>().unwrap_or(0),
        hi.extract::<i64>().unwrap_or(0),
    );
    let a = lo + (hi - lo) * 3 / 10;
    let b = a + (hi - lo) / 100;
    // With the index: loc and q5 in one compute (x moves once, for both).
    let t1 = Instant::now();
    let in_range = xi.loc(Some(AnyValue::Int64(a)), Some(AnyValue::Int64(b)))?;
    // big is moved onto x's divisions by the join itself (rows only, no sort).
    let on_index = xi.merge(&big, Merge::on(&["id3"]).suffixes("", "_right"))?;
    let (l0, l1, q0, q1) = chunkwise::compute((
        &in_range.len(),
        &in_range.column("v1")?.sum(),
        &on_index.len(),
        &on_index.column("v2")?.sum(),
    ))?;
    let (by_loc, q5) = ((l0, l1), (q0, q1));
    let index_secs = t1.elapsed().as_secs_f64();
    // Without: the range filtered from the files, q5 as a hash join.
    let t2 = Instant::now();
    let filtered = x.filter(col("id3").gt_eq(lit(a)).and(col("id3").lt_eq(lit(b))))?;
    let hashed = x.merge(&big, Merge::on(&["id3"]).suffixes("", "_right"))?;
    let (f0, f1, h0, h1) = chunkwise::compute((
        &filtered.len(),
        &filtered.column("v1")?.sum(),
        &hashed.len(),
        &hashed.column("v2")?.sum(),
    ))?;
    let (by_filter, q5_hash) = ((f0, f1), (h0, h1));
    let plain_secs = t2.elapsed().as_secs_f64();

    let same =
        |p: (u64, f64), q: (u64, f64)| p.0 == q.0 && (p.1 - q.1).abs() <= 1e-9 * p.1.abs().max(1.0);
    if !same(by_loc, by_filter) || !same(q5, q5_hash) {
        return Err(chunkwise::Error::invalid(format!(
            "answers differ: loc {by_loc:?} filter {by_filter:?}; q5 on the index {q5:?}, hashed {q5_hash:?}"
        )));
    }
    println!(
        "partitions={} loc_partitions={} loc_rows={} loc_v1={:.6} q5_rows={} q5_v2={:.6} divisions_secs={divisions_secs:.3} index_secs={index_secs:.3} plain_secs={plain_secs:.3} secs={:.3} peak_rss_mb={:.1}",
        xi.npartitions(),
        in_range.npartitions(),
        by_loc.0,
        by_loc.1,
        q5.0,
        q5.1,
        t0.elapsed().as_secs_f64(),
        chunkwise::peak_rss_mb()
    );
    Ok(())
}
