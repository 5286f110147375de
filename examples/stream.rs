//! A frame larger than a consumer wants to hold, streamed out as Arrow record batches
//! (issue 15): CSV files read, filtered and given a new column, handed to an arrow-rs
//! consumer through the Arrow C Stream Interface a window of partitions at a time (as
//! DuckDB, DataFusion or pyarrow would take it), against `to_record_batches`, which
//! computes every partition before handing any out. The consumer keeps nothing: it
//! counts rows and sums a column.
//!
//! cargo run --release --features arrow --example stream -- 'DIR/*.csv' [stream|all]
//!
//! (`gen_groupby` writes such files.) Ends with `mode=... rows=... batches=...
//! secs=... peak_rss_mb=... checksum=...`.
use std::time::Instant;

use arrow_array::ffi_stream::ArrowArrayStreamReader;
use arrow_array::{Array, Float64Array, RecordBatch};
use chunkwise::dataframe::DFrame;
use chunkwise::{Config, Result};
use polars::prelude::*;

/// What the consumer makes of a batch: its rows and the sum of column `w`.
fn consume(b: &RecordBatch, rows: &mut usize, sum: &mut f64) {
    *rows += b.num_rows();
    if let Some(w) = b
        .column_by_name("w")
        .and_then(|c| c.as_any().downcast_ref::<Float64Array>())
    {
        *sum += w.iter().flatten().sum::<f64>();
    }
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let glob = args
        .get(1)
        .ok_or_else(|| chunkwise::Error::invalid("usage: stream 'DIR/*.csv' [stream|all]"))?;
    let mode = args.get(2).map_or("stream", String::as_str);
    let t0 = Instant::now();
    let frame = DFrame::read_csv(glob)
        .open()?
        .filter(col("v1").gt(lit(1)))?
        .with_columns([(col("v3") * lit(2.0)).alias("w")])?;
    let config = Config::current()?;
    let (mut rows, mut sum, mut batches) = (0usize, 0.0f64, 0usize);
    match mode {
        "stream" => {
            // Through the C Stream Interface, as another library would read it.
            let stream = frame.to_arrow_stream(&config)?;
            let reader = ArrowArrayStreamReader::try_new(stream)
                .map_err(|e| chunkwise::Error::external("an Arrow C stream", e))?;
            for b in reader {
                let b = b.map_err(|e| chunkwise::Error::external("the stream", e))?;
                consume(&b, &mut rows, &mut sum);
                batches += 1;
            }
        }
        "all" => {
            for b in frame.to_record_batches_with(&config)? {
                consume(&b, &mut rows, &mut sum);
                batches += 1;
            }
        }
        other => {
            return Err(chunkwise::Error::invalid(format!(
                "{other:?}: the second argument is stream or all"
            )));
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "mode={mode} rows={rows} batches={batches} secs={secs:.3} peak_rss_mb={:.1} checksum={sum:.3}",
        chunkwise::peak_rss_mb()
    );
    Ok(())
}
