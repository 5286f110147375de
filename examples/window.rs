//! Window functions per group over CSV part files (`gen_groupby` writes db-benchmark's
//! G1 data): a running sum of `v1` within each `id3` group and `v3` less its group's
//! mean, in the files' row order, as pandas users write
//! `df.groupby("id3").v1.cumsum()` and `df.v3 - df.groupby("id3").v3.transform("mean")`.
//! Rows go to their groups' partitions and back (`GroupBy::transform`); each partition of
//! the answer is summarised where it is made (the sums, and a hash of its values in row
//! order, so a row out of place changes the checksum), and nothing holds the whole answer.
//!
//! cargo run --release --features dataframe --example window -- 'DIR/*.csv' [groups|frame]
//!
//! `frame` asks instead for a running sum of `v1` over the whole frame and a moving
//! mean of `v3` over three rows (Dask's `df.v1.cumsum()` and `df.v3.rolling(3).mean()`):
//! running values carried from partition to partition (`DFrame::cum_sum`), and the
//! two rows before each partition lent to it (`DFrame::map_overlap`); no rows move.
//!
//! Prints `rows=... v1_cumsum=... v3_centered_abs=... secs=... peak_rss_mb=...
//! checksum=...`; the checksum is the same on threads and on any number of MPI ranks.
use std::time::Instant;

#[path = "common/alloc.rs"]
mod alloc;

use chunkwise::Result;
use chunkwise::dataframe::DFrame;
use polars::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

fn main() -> Result<()> {
    alloc::keep_freed_pages();
    let glob = std::env::args().nth(1).ok_or_else(|| {
        chunkwise::Error::invalid("usage: window 'DIR/*.csv' (gen_groupby writes the files)")
    })?;
    let frame_wide = match std::env::args().nth(2).as_deref() {
        None | Some("groups") => false,
        Some("frame") => true,
        Some(other) => {
            return Err(chunkwise::Error::invalid(format!(
                "{other:?}: the second argument is groups (the default) or frame"
            )));
        }
    };
    let t0 = Instant::now();
    let f = DFrame::read_csv(&glob).open()?;
    // The second answer column, summed as absolute values.
    let (answer, second) = if frame_wide {
        // Over the whole frame: Dask's `df.v1.cumsum()` and `df.v3.rolling(3).mean()`.
        let mean3 = |d: DataFrame| {
            d.lazy()
                .with_columns([
                    ((col("v3") + col("v3").shift(lit(1)) + col("v3").shift(lit(2))) / lit(3.0))
                        .alias("v3_mean3"),
                ])
                .collect()
        };
        let x = f.select([col("v1"), col("v3")])?;
        let run = x
            .with_columns([col("v1").alias("v1_cumsum")])?
            .cum_sum(&["v1_cumsum"])?;
        (run.map_overlap(mean3, 2, 0)?, "v3_mean3")
    } else {
        let by_group = f
            .select([col("id3"), col("v1"), col("v3")])?
            .groupby(&["id3"])?
            .transform([
                col("v1").cum_sum(false).alias("v1_cumsum"),
                (col("v3") - col("v3").mean()).alias("v3_centered"),
            ])?;
        (by_group, "v3_centered")
    };
    // Per partition: its rows, the sums, and a hash of the running sums in row order.
    let summary = answer
        .map_partitions(move |d| {
            let run = d
                .column("v1_cumsum")?
                .as_materialized_series()
                .cast(&DataType::Int64)?;
            let run = run.i64()?;
            let hash = run.iter().fold(0u64, |h, v| {
                h.rotate_left(7) ^ xxh3_64(&v.unwrap_or(i64::MIN).to_le_bytes())
            });
            let centered: f64 = d
                .column(second)?
                .as_materialized_series()
                .f64()?
                .iter()
                .flatten()
                .map(f64::abs)
                .sum();
            df!(
                "rows" => [d.height() as u64],
                "v1_cumsum" => [run.sum().unwrap_or(0)],
                "v3_centered_abs" => [centered],
                "hash" => [hash],
            )
        })?
        .compute()?;
    let secs = t0.elapsed().as_secs_f64();
    let column = |name: &str| -> Result<Series> {
        summary
            .column(name)
            .map(|c| c.as_materialized_series().clone())
            .map_err(|e| chunkwise::Error::external(name, e))
    };
    let ints = |name: &str| -> Result<Vec<u64>> {
        let s = column(name)?.cast(&DataType::UInt64);
        let s = s.map_err(|e| chunkwise::Error::external(name, e))?;
        Ok(s.u64()
            .map_err(|e| chunkwise::Error::external(name, e))?
            .into_no_null_iter()
            .collect())
    };
    let rows: u64 = ints("rows")?.iter().sum();
    let run: i64 = column("v1_cumsum")?
        .i64()
        .map_err(|e| chunkwise::Error::external("v1_cumsum", e))?
        .sum()
        .unwrap_or(0);
    let centered = column("v3_centered_abs")?
        .f64()
        .map_err(|e| chunkwise::Error::external("v3_centered_abs", e))?
        .sum()
        .unwrap_or(0.0);
    // Partitions in order: the checksum follows every row's place.
    let checksum = ints("hash")?
        .iter()
        .fold(xxh3_64(&run.to_le_bytes()), |h, p| h.rotate_left(13) ^ p);
    let stats = chunkwise::last_stats().unwrap_or_default();
    if chunkwise::cluster::rank() == 0 {
        println!(
            "rows={rows} v1_cumsum={run} {second}_abs={centered:.3} partitions={} held_mb={:.1} spilled_mb={:.1} secs={secs:.3} peak_rss_mb={:.1} checksum={checksum:016x}",
            summary.height(),
            stats.peak_held_bytes as f64 / 1e6,
            stats.bytes_spilled as f64 / 1e6,
            chunkwise::peak_rss_mb(),
        );
    }
    Ok(())
}
