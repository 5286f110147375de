//! Sorts a table of CSV files by two columns (`id2` ascending, then `v1` descending:
//! db-benchmark's join table x, which `gen_join` writes) and writes it as Parquet, one
//! file per range partition, then reads the files back in name order and checks that
//! every row is in order, and reads one range of id2 back twice: with the filter pushed
//! into the Parquet reader (row groups outside the range skipped by their statistics)
//! and with it run on the batches. Prints one summary line.
//!
//! cargo run --release --features dataframe --example sort -- 'DIR/x_part*.csv' OUT_DIR
use std::time::Instant;

use chunkwise::Result;
use chunkwise::dataframe::DFrame;
use polars::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(glob), Some(out)) = (args.get(1), args.get(2)) else {
        return Err(chunkwise::Error::invalid(
            "usage: sort 'DIR/x_part*.csv' OUT_DIR (gen_join writes the files)",
        ));
    };
    let t0 = Instant::now();
    let x = DFrame::read_csv(glob).open()?;
    let order = SortMultipleOptions::default().with_order_descending_multi([false, true]);
    let sorted = x.sort_values(&["id2", "v1"], order)?;
    let files = sorted.to_parquet(out)?.compute()?;
    let secs = t0.elapsed().as_secs_f64();
    let peak = chunkwise::peak_rss_mb();
    let stats = chunkwise::last_stats().unwrap_or_default();

    // Check: the files in name order hold every row in order.
    let back = DFrame::read_parquet(&format!("{out}/*.parquet"))?
        .select([col("id2"), col("v1")])?
        .compute()?;
    let id2 = back
        .column("id2")
        .map_err(|e| chunkwise::Error::external("id2", e))?;
    let v1 = back
        .column("v1")
        .map_err(|e| chunkwise::Error::external("v1", e))?;
    let (id2, v1) = (
        id2.as_materialized_series().i64().cloned(),
        v1.as_materialized_series().f64().cloned(),
    );
    let (Ok(id2), Ok(v1)) = (id2, v1) else {
        return Err(chunkwise::Error::invalid("id2 is not i64 or v1 not f64"));
    };
    let mut prev: Option<(i64, f64)> = None;
    let mut out_of_order = 0u64;
    let mut hash = 0u64;
    for (a, b) in id2.into_no_null_iter().zip(v1.into_no_null_iter()) {
        if let Some((pa, pb)) = prev
            && (a < pa || (a == pa && b > pb))
        {
            out_of_order += 1;
        }
        hash = hash.rotate_left(5) ^ xxh3_64(&a.to_le_bytes()) ^ b.to_bits();
        prev = Some((a, b));
    }
    // A range of the sort key, read back with and without the filter in the reader.
    let pattern = format!("{out}/*.parquet");
    let range = col("id2").lt(lit(id2.get(id2.len() / 100).unwrap_or(0)));
    let t1 = Instant::now();
    let pushed = DFrame::read_parquet(&pattern)?.filter(range.clone())?;
    let in_range = pushed.column("v1")?.sum().compute()?;
    let pushed_secs = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let on_batches = DFrame::read_parquet(&pattern)?
        .with_columns([col("v1").alias("w")])?
        .filter(range)?;
    let again = on_batches.column("w")?.sum().compute()?;
    let batches_secs = t2.elapsed().as_secs_f64();
    if (again - in_range).abs() > 1e-9 * in_range.abs().max(1.0) {
        return Err(chunkwise::Error::invalid(format!(
            "the range read two ways differs: {in_range} and {again}"
        )));
    }
    println!(
        "rows={} files={} out_of_order={out_of_order} range_v1={in_range:.6} range_pushed_secs={pushed_secs:.3} range_on_batches_secs={batches_secs:.3} spilled_mb={:.1} remade={} secs={secs:.3} peak_rss_mb={peak:.1} checksum={hash:016x}",
        back.height(),
        files.len(),
        stats.bytes_spilled as f64 / 1e6,
        stats.sources_remade
    );
    if out_of_order > 0 {
        return Err(chunkwise::Error::invalid(format!(
            "{out_of_order} rows out of order"
        )));
    }
    Ok(())
}
