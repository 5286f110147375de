//! S2 (seed 002 §4.2, §6.3): the airline on-time data, one bz2 CSV per year. The max of
//! DepDelay, and the mean DepDelay by Dest of UA flights from SFO, in one pass.
//!
//! cargo run --release --features dataframe --example airline -- [GLOB]
//!     (default data/airline/*.csv.bz2)
//! ... -- GLOB --to-parquet DIR     convert once (one zstd Parquet file per year)
//! ... -- 'DIR/*.parquet' --parquet  the same query on the converted copy
//! ... -- GLOB --parquet --year Y    over the flights of year Y only (a filter straight
//!                                   after the read: Parquet row groups of other years
//!                                   are skipped by their statistics)
use std::time::Instant;

use chunkwise::dataframe::DFrame;
use chunkwise::io::Encoding;
use polars::prelude::*;

fn main() -> chunkwise::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let pattern = args
        .first()
        .filter(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| "data/airline/*.csv.bz2".into());
    let flag = |f: &str| args.iter().position(|a| a == f);
    let t0 = Instant::now();
    let air = if flag("--parquet").is_some() {
        DFrame::read_parquet(&pattern)?
    } else if flag("--ipc").is_some() {
        DFrame::read_ipc(&pattern)?
    } else {
        // TailNum has latin1 bytes in 2001.
        DFrame::read_csv(&pattern)
            .encoding(Encoding::Latin1)
            .open()?
    };
    let air = match flag("--year") {
        Some(i) => {
            let year: i64 = args
                .get(i + 1)
                .and_then(|y| y.parse().ok())
                .expect("a year after --year");
            air.filter(col("Year").eq(lit(year)))?
        }
        None => air,
    };
    if let Some(i) = flag("--to-parquet").or(flag("--to-ipc")) {
        let dir = args
            .get(i + 1)
            .expect("a directory after --to-parquet/--to-ipc");
        let written = if flag("--to-parquet").is_some() {
            air.to_parquet(dir)?
        } else {
            air.to_ipc(dir)?
        };
        let files = written.compute()?;
        println!(
            "files={} dir={dir} secs={:.3}",
            files.len(),
            t0.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let max_delay = air.column("DepDelay")?.max();
    let rows = air.len();
    let sfo = air.filter(
        col("UniqueCarrier")
            .eq(lit("UA"))
            .and(col("Origin").eq(lit("SFO"))),
    )?;
    let by_dest = sfo.groupby(&["Dest"])?.mean("DepDelay")?;
    let (max_delay, rows, by_dest) = chunkwise::compute((&max_delay, &rows, &by_dest))?;
    let stats = chunkwise::last_stats().expect("a compute ran");
    let max_delay = max_delay.unwrap_or(f64::NAN);
    if chunkwise::cluster::rank() != 0 {
        return Ok(()); // under MPI every rank has the results: print them once
    }
    println!("max DepDelay = {max_delay}");
    println!("mean DepDelay of UA flights from SFO, by Dest:");
    let dest = by_dest.column("Dest").and_then(|c| c.str().cloned());
    let mean = by_dest.column("DepDelay").and_then(|c| c.f64().cloned());
    // The exact bytes of the results: the max, the row count, every group and mean.
    let mut bytes = format!("{:016x} {rows}", max_delay.to_bits()).into_bytes();
    if let (Ok(dest), Ok(mean)) = (dest, mean) {
        for (d, m) in dest.iter().zip(mean.iter()) {
            bytes.extend(format!(" {d:?}={:?}", m.map(f64::to_bits)).bytes());
            println!(
                "{:<5} {}",
                d.unwrap_or("null"),
                m.map_or("null".into(), |m| format!("{m:.17}"))
            );
        }
    }
    println!(
        "files={} rows={rows} max_dep_delay={max_delay} groups={} files_read={} workers={} secs={:.3} peak_rss_mb={:.1} checksum={:016x}",
        air.npartitions(),
        by_dest.height(),
        stats.files_read,
        stats.workers,
        t0.elapsed().as_secs_f64(),
        chunkwise::peak_rss_mb(),
        xxhash_rust::xxh3::xxh3_64(&bytes)
    );
    Ok(())
}
