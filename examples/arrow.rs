//! Arrow interop (feature `arrow`): N rows as arrow-rs record batches (as a DataFusion or
//! Lance scan would hand them over) become a DFrame without a copy, are grouped and
//! summed, and the answer goes back out as record batches. Prints the time of each
//! step and a checksum of the answer.
//!
//! cargo run --release --features arrow --example arrow -- [ROWS] [BATCHES]
//! (default 10000000 8)
use std::sync::Arc;
use std::time::Instant;

use arrow_array::{Array, Float64Array, Int64Array, RecordBatch};
use chunkwise::dataframe::DFrame;
use polars::prelude::*;

#[path = "common/args.rs"]
mod args;

fn main() -> chunkwise::Result<()> {
    let usage = "arrow [ROWS] [BATCHES]";
    let (rows, nb) = (
        args::arg(1, 10_000_000, usage)?,
        args::arg(2, 8, usage)?.max(1),
    );
    let per = rows.div_ceil(nb);
    let batches: Vec<RecordBatch> = (0..nb)
        .map(|b| {
            let ids = (b * per..((b + 1) * per).min(rows)).map(|i| i as i64);
            let k = Int64Array::from_iter_values(ids.clone().map(|i| (i * 7919) % 1000));
            let v = Float64Array::from_iter_values(ids.map(|i| (i % 97) as f64 * 0.5));
            RecordBatch::try_from_iter([("k", Arc::new(k) as _), ("v", Arc::new(v) as _)])
                .expect("two columns of one length")
        })
        .collect();
    let bytes: usize = batches.iter().map(|b| b.get_array_memory_size()).sum();
    let t0 = Instant::now();
    let frame = DFrame::from_record_batches(batches)?;
    let in_secs = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let sums = frame
        .groupby(&["k"])?
        .agg([col("v").sum(), col("v").count().alias("n")])?
        .compute()?;
    let group_secs = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let out = chunkwise::dataframe::to_record_batch(&sums)?;
    let out_secs = t2.elapsed().as_secs_f64();
    let v = out.column(1).as_any().downcast_ref::<Float64Array>();
    let checksum: f64 = v.map_or(0.0, |a| a.values().iter().sum());
    println!(
        "rows={rows} batches={nb} arrow_mb={:.1} in_secs={in_secs:.6} groupby_secs={group_secs:.3} \
         out_secs={out_secs:.6} groups={} peak_rss_mb={:.1} checksum={checksum:.1}",
        bytes as f64 / 1e6,
        out.num_rows(),
        chunkwise::peak_rss_mb()
    );
    Ok(())
}
